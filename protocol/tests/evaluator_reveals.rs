//! What the secure evaluator discloses: each output only to its `reveal_to` parties, every
//! opening reported to the context's observer (the transcript), nothing before the reveal
//! phase, and a public (folded) output opened without communication.

mod evaluator_support;

use std::sync::{Arc, Mutex};

use samen_circuits::eval::{evaluate as evaluate_clear, Columns};
use samen_circuits::{Builder, PartySet};
use samen_protocol::context::{MessageObserver, MessageRecord, SecurityMode};
use samen_protocol::evaluator::{evaluate_shared, reveal_outputs, LocalInputs, SharedOutput};
use samen_protocol::harness;
use samen_protocol::ops::input::SharedColumn;
use samen_protocol::PartyId;

/// (output label, recipients, values) per reveal; (phase, received bytes) per message.
#[derive(Default)]
struct Seen {
    reveals: Vec<(String, Vec<usize>, usize)>,
    received: Vec<(String, usize)>,
}

struct Recorder(Arc<Mutex<Seen>>);

impl MessageObserver for Recorder {
    fn on_message(&mut self, record: &MessageRecord<'_>) {
        if record.direction == samen_protocol::context::Direction::Received {
            self.0
                .lock()
                .unwrap()
                .received
                .push((record.phase.to_string(), record.payload.len()));
        }
    }

    fn on_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        self.0.lock().unwrap().reveals.push((
            output.to_string(),
            to.iter().map(|p| p.index()).collect(),
            count,
        ));
    }
}

#[test]
fn each_output_is_opened_only_to_its_recipients_and_recorded() {
    let mut b = Builder::new("reveals");
    let x = b.input_arith(PartyId::SVB, "x", 16).unwrap();
    let y = b.input_arith(PartyId::UWV, "y", 16).unwrap();
    let f = b.input_bool(PartyId::BELASTINGDIENST, "f", 4).unwrap();
    let sum = b.add(x, y).unwrap();
    let prod = b.mul(x, y).unwrap();
    let k = b.constant_bool(0b1010, 4).unwrap();
    let bits = b.xor(f, k).unwrap();
    let bits = b.share(bits).unwrap();
    let five = b.constant(5);
    b.output("sum", sum, PartySet::only(PartyId::SVB)).unwrap();
    b.output(
        "prod",
        prod,
        PartySet::only(PartyId::UWV).with(PartyId::BELASTINGDIENST),
    )
    .unwrap();
    b.output("bits", bits, PartySet::ALL).unwrap();
    b.output("five", five, PartySet::only(PartyId::BELASTINGDIENST))
        .unwrap();
    let circuit = b.finish().unwrap();

    let rows = 100;
    let all: Columns = [
        (
            "x".to_string(),
            (0..rows as u64).map(|r| r * 3 % 1000).collect(),
        ),
        (
            "y".to_string(),
            (0..rows as u64).map(|r| (r as i64 * -7) as u64).collect(),
        ),
        ("f".to_string(), (0..rows as u64).map(|r| r % 16).collect()),
    ]
    .into();
    let clear = evaluate_clear(&circuit, &all).unwrap();
    let seen: Vec<Arc<Mutex<Seen>>> = (0..3).map(|_| Arc::default()).collect();
    let runs = harness::run_three_with(
        SecurityMode::SemiHonest,
        |p| Some(Box::new(Recorder(seen[p.index()].clone())) as Box<dyn MessageObserver>),
        |ctx| {
            let me = PartyId::ALL[ctx.party().index()];
            let mine: LocalInputs = circuit
                .inputs_of(me)
                .map(|i| (i.name.to_string(), all[i.name].clone()))
                .collect();
            ctx.begin_phase("evaluate")?;
            let shared = evaluate_shared(ctx, &circuit, &mine, &Default::default(), rows)?;
            assert!(matches!(shared.get("five"), Some(SharedOutput::Public(5))));
            assert!(matches!(
                shared.get("bits"),
                Some(SharedOutput::Secret(SharedColumn::Bool(_)))
            ));
            ctx.begin_phase("reveal")?;
            Ok(reveal_outputs(ctx, &circuit, &shared)?)
        },
    )
    .unwrap();

    // What each party learns: exactly its outputs, equal to the plaintext evaluator.
    let learned: Vec<Vec<&str>> = runs
        .iter()
        .map(|r| r.output.iter().map(|(n, _)| n).collect())
        .collect();
    assert_eq!(
        learned,
        vec![
            vec!["sum", "bits"],
            vec!["prod", "bits"],
            vec!["prod", "bits", "five"]
        ]
    );
    for r in &runs {
        for (name, col) in r.output.iter() {
            assert_eq!(col, clear.output(name).unwrap(), "{name}");
        }
    }
    // Every party's transcript lists the same openings: per recipient (or all) and kind;
    // the public output is not an opening.
    let expected = vec![
        ("sum".to_string(), vec![0], rows),
        ("prod".to_string(), vec![1], rows),
        ("prod".to_string(), vec![2], rows),
        ("bits".to_string(), vec![0, 1, 2], rows),
    ];
    for (p, s) in seen.iter().enumerate() {
        let s = s.lock().unwrap();
        assert_eq!(s.reveals, expected, "party {p}");
        // Four reveal rounds, and in each a party receives only when it is a recipient.
        let in_reveal: usize = s.received.iter().filter(|(ph, _)| ph == "reveal").count();
        let expected_messages = [2, 2, 2][p];
        assert_eq!(
            in_reveal, expected_messages,
            "party {p} messages received while revealing"
        );
    }
    // Rounds: share (1) + multiplication (1) in evaluate; four reveal groups.
    for r in &runs {
        let phase = |n: &str| r.phases.iter().find(|(p, _)| p == n).unwrap().1.rounds;
        assert_eq!((phase("evaluate"), phase("reveal")), (2, 4));
    }
}
