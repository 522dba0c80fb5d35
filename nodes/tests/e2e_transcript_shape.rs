//! The job protocol is one piece of sans-IO code ([`samen_protocol::job`]): run by three
//! real `samen node run` processes over QUIC, and run in the in-memory harness from the
//! same job and input files (through the node's own conversion, [`PartyTable`]), it must
//! leave the same transcript events at every party — the same phases, and the same
//! messages (phase, direction, peer, sequence number, length), reveals and learned
//! numbers in the same order. Message contents differ (fresh randomness per run), so the
//! hashes are not compared.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use samen_circuits::aio::DEFAULT_RULES;
use samen_node::input::read_input;
use samen_node::input::schema::LinkageMode;
use samen_node::job::{HomeRule, Job};
use samen_node::run::circuit::checked_job_circuit;
use samen_node::run::demo::{launch, prepare, transcripts, Launch, LocalSetup};
use samen_node::run::node::PartyTable;
use samen_node::transcript::{read_file, Record};
use samen_protocol::context::{Direction, MessageObserver, MessageRecord};
use samen_protocol::harness::run_three_with;
use samen_protocol::job::{run_job, RunParams};
use samen_protocol::PartyId;

/// One transcript event without message contents.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    Phase(String),
    Message {
        phase: String,
        sent: bool,
        peer: PartyId,
        seq: u64,
        len: u64,
    },
    Reveal {
        phase: String,
        output: String,
        to: Vec<PartyId>,
        count: u64,
    },
    Learned {
        phase: String,
        what: String,
        to: Vec<PartyId>,
        value: u64,
    },
}

/// Collects the events of one in-memory party.
#[derive(Clone, Default)]
struct Events {
    phase: Arc<Mutex<String>>,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Events {
    fn push(&self, e: Event) {
        self.events.lock().unwrap().push(e);
    }
    fn phase(&self) -> String {
        self.phase.lock().unwrap().clone()
    }
}

impl MessageObserver for Events {
    fn on_message(&mut self, r: &MessageRecord<'_>) {
        self.push(Event::Message {
            phase: r.phase.to_string(),
            sent: r.direction == Direction::Sent,
            peer: r.peer,
            seq: r.sequence,
            len: r.payload.len() as u64,
        });
    }
    fn on_phase(&mut self, phase: &str) {
        *self.phase.lock().unwrap() = phase.to_string();
        self.push(Event::Phase(phase.to_string()));
    }
    fn on_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        self.push(Event::Reveal {
            phase: self.phase(),
            output: output.to_string(),
            to: to.to_vec(),
            count: count as u64,
        });
    }
    fn on_learned(&mut self, what: &str, to: &[PartyId], value: u64) {
        self.push(Event::Learned {
            phase: self.phase(),
            what: what.to_string(),
            to: to.to_vec(),
            value,
        });
    }
}

/// The events of a transcript file, in order (header, input commitment, outcome and
/// checkpoints left out).
fn transcript_events(path: &Path) -> (PartyId, Vec<Event>) {
    let t = read_file(path).unwrap();
    assert!(t.stop.is_none(), "{}: {:?}", path.display(), t.stop);
    let mut party = None;
    let mut out = Vec::new();
    for e in t.entries {
        match e.record {
            Record::Header(h) => party = Some(h.party),
            Record::Phase { name, .. } => out.push(Event::Phase(name)),
            Record::Message(m) => out.push(Event::Message {
                phase: m.phase,
                sent: m.direction == Direction::Sent,
                peer: m.peer,
                seq: m.seq,
                len: m.len,
            }),
            Record::Reveal(r) => out.push(Event::Reveal {
                phase: r.phase,
                output: r.output,
                to: r.to,
                count: r.count,
            }),
            Record::Learned(l) => out.push(Event::Learned {
                phase: l.phase,
                what: l.what,
                to: l.to,
                value: l.value,
            }),
            Record::Input { .. } | Record::Outcome { .. } | Record::Checkpoint(_) => {}
        }
    }
    (party.unwrap(), out)
}

/// Runs the prepared job in the in-memory harness from the same files, through the
/// node's conversion of inputs; returns each party's events.
fn in_memory_events(job_path: &Path, inputs: &[PathBuf; 3]) -> [Vec<Event>; 3] {
    let (job, _) = Job::load(job_path).unwrap();
    let circuit = checked_job_circuit(&job).unwrap();
    let tables: Vec<PartyTable> = PartyId::ALL
        .iter()
        .map(|&p| {
            let validated = read_input(&job, p, &inputs[p.index()]).unwrap();
            PartyTable::new(&job, &circuit, p, &validated.input, &inputs[p.index()]).unwrap()
        })
        .collect();
    let params = RunParams {
        count_to_all: job.output.count_to_all,
    };
    let observers: [Events; 3] = Default::default();
    run_three_with(
        job.security_mode.to_protocol(),
        |p| Some(Box::new(observers[p.index()].clone()) as Box<dyn MessageObserver>),
        |ctx| {
            let plan = tables[ctx.party().index()].plan(&circuit).unwrap();
            Ok(run_job(ctx, &plan, &params).unwrap())
        },
    )
    .unwrap();
    observers.map(|o| o.events.lock().unwrap().clone())
}

fn quic_equals_memory(linkage: LinkageMode, padding: Option<[u64; 3]>) {
    let tmp = tempfile::tempdir().unwrap();
    let setup = LocalSetup {
        households: 40,
        seed: 5,
        rules: DEFAULT_RULES.to_string(),
        tolerance_bp: 0,
        home_rule: HomeRule::Loan,
        dir: tmp.path().join("fed"),
        extra_households: Vec::new(),
        linkage,
        count_to_all: true,
        padding,
    };
    let prepared = prepare(&setup).unwrap();
    let exits = launch(&Launch::with_binary(
        PathBuf::from(env!("CARGO_BIN_EXE_samen")),
        &prepared,
        Duration::from_secs(300),
    ))
    .unwrap();
    for e in &exits.exits {
        assert!(e.success, "node {} failed:\n{}", e.party, e.log);
    }
    let memory = in_memory_events(&prepared.job, &prepared.inputs);
    for path in transcripts(&prepared).unwrap() {
        let (party, quic) = transcript_events(&path);
        let mem = &memory[party.index()];
        assert!(quic.iter().any(|e| matches!(e, Event::Message { .. })));
        assert!(quic.iter().any(|e| matches!(e, Event::Reveal { .. })));
        if linkage == LinkageMode::Linked {
            assert!(quic.iter().any(|e| matches!(e, Event::Learned { .. })));
        }
        assert_eq!(quic.len(), mem.len(), "{party}: number of events");
        for (i, (q, m)) in quic.iter().zip(mem).enumerate() {
            assert_eq!(q, m, "{party}: event {i} differs");
        }
    }
}

#[test]
fn a_linked_job_over_quic_leaves_the_transcript_events_of_the_in_memory_run() {
    quic_equals_memory(LinkageMode::Linked, Some([2, 3, 1]));
}

#[test]
fn an_aligned_job_over_quic_leaves_the_transcript_events_of_the_in_memory_run() {
    quic_equals_memory(LinkageMode::Aligned, None);
}
