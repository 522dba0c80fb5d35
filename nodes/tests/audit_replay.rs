//! Dispute replay: a party re-executes its side from its input, its evidence (key
//! agreement and received messages) and its transcript. An honest party's replay passes;
//! a party whose sent messages deviated fails, with the phase named — even though the
//! three transcripts are consistent and the audit passes.

mod transcript_support;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use samen_node::audit::replay::{replay, ReplayReport};
use samen_node::audit::verify_files;
use samen_node::transcript::evidence::{read_evidence, EvidenceRecorder, ObserverPair};
use samen_node::transcript::format::Outcome;
use samen_node::transcript::{parse_bytes, SharedTranscript, TranscriptWriter};
use samen_protocol::context::{Direction, MessageObserver};
use samen_protocol::ops::arith::mul;
use samen_protocol::ops::input::input_arith;
use samen_protocol::ops::reveal::reveal_arith;
use samen_protocol::{harness, Context, PartyId, ProtocolError, SecurityMode};
use transcript_support::*;

/// A small screening-like computation on the real engine: UWV and the Belastingdienst
/// share a column each, the product is computed and revealed to SVB. `deviate`: this party
/// adds 1 to its share before multiplying (its sent messages are then not what the
/// protocol prescribes).
fn screening(
    ctx: &mut Context,
    values: &[u64; 2],
    deviate: bool,
) -> Result<Option<Vec<u64>>, ProtocolError> {
    let me = ctx.party();
    ctx.begin_phase("input")?;
    let x = input_arith(
        ctx,
        PartyId::UWV,
        (me == PartyId::UWV).then_some(&uwv_values(values)[..]),
        ROWS,
    )?;
    let y = input_arith(
        ctx,
        PartyId::BELASTINGDIENST,
        (me == PartyId::BELASTINGDIENST).then_some(&bd_values(values)[..]),
        ROWS,
    )?;
    ctx.begin_phase("multiply")?;
    let mut x = x;
    if deviate {
        x.shares.own[0] = x.shares.own[0].wrapping_add(1);
    }
    let z = mul(ctx, &x, &y)?;
    ctx.begin_phase("output")?;
    let out = reveal_arith(ctx, &z, PartyId::SVB, "flags")?;
    ctx.record_reveal("flag_count", &PartyId::ALL, 1);
    Ok(out)
}

fn uwv_values(v: &[u64; 2]) -> Vec<u64> {
    (0..ROWS as u64).map(|r| v[0].wrapping_add(r)).collect()
}

fn bd_values(v: &[u64; 2]) -> Vec<u64> {
    (0..ROWS as u64).map(|r| v[1].wrapping_mul(r + 1)).collect()
}

struct Kept {
    transcripts: [PathBuf; 3],
    evidence: [PathBuf; 3],
    svb_output: Vec<u64>,
}

/// Runs [`screening`] with transcripts and evidence; `deviating` deviates.
fn run(
    dir: &Path,
    job: &samen_node::audit::ApprovedJob,
    values: [u64; 2],
    deviating: Option<PartyId>,
) -> Kept {
    let transcripts = PartyId::ALL.map(|p| dir.join(format!("t-{}", p.short_name())));
    let evidence = PartyId::ALL.map(|p| dir.join(format!("e-{}", p.short_name())));
    let shared: Vec<SharedTranscript> = PartyId::ALL
        .iter()
        .map(|&p| {
            let w = TranscriptWriter::create(
                &transcripts[p.index()],
                header(job, p),
                node_keys()[p.index()].clone(),
            )
            .unwrap();
            let t = SharedTranscript::new(w);
            t.commit_input([p.index() as u8; 32]).unwrap();
            t
        })
        .collect();
    let recorders: Vec<EvidenceRecorder> = PartyId::ALL
        .iter()
        .map(|&p| EvidenceRecorder::create(&evidence[p.index()], job.job_hash, p).unwrap())
        .collect();
    let runs = harness::run_three_with(
        SecurityMode::SemiHonest,
        |p| {
            let pair = ObserverPair(shared[p.index()].clone(), recorders[p.index()].clone());
            Some(Box::new(pair) as Box<dyn MessageObserver>)
        },
        |ctx| {
            let deviate = deviating == Some(ctx.party());
            screening(ctx, &values, deviate)
        },
    )
    .unwrap();
    for (t, r) in shared.iter().zip(&recorders) {
        t.finish(Outcome::Success).unwrap();
        r.finish().unwrap();
    }
    let svb_output = runs[0].output.clone().unwrap();
    Kept {
        transcripts,
        evidence,
        svb_output,
    }
}

fn replay_party(kept: &Kept, p: PartyId, values: [u64; 2]) -> ReplayReport {
    let transcript = parse_bytes(&std::fs::read(&kept.transcripts[p.index()]).unwrap());
    let evidence = read_evidence(&kept.evidence[p.index()]).unwrap();
    // The honest protocol code, with this party's input.
    replay(&transcript, &evidence, |ctx| screening(ctx, &values, false))
}

fn job() -> samen_node::audit::ApprovedJob {
    let mut job = approved_job(50);
    job.outputs[0].count = samen_node::audit::CountRule::Exactly(ROWS as u64);
    job
}

#[test]
fn an_honest_partys_replay_passes() {
    let dir = tempfile::tempdir().unwrap();
    let values = [0x1_0000_0007, 0x2_0000_0003];
    let kept = run(dir.path(), &job(), values, None);
    // The computation is right.
    let want: Vec<u64> = uwv_values(&values)
        .iter()
        .zip(bd_values(&values))
        .map(|(a, b)| a.wrapping_mul(b))
        .collect();
    assert_eq!(kept.svb_output, want);
    assert!(verify_files(&job(), &kept.transcripts).unwrap().passed());
    let mut compared = 0;
    for p in PartyId::ALL {
        let r = replay_party(&kept, p, values);
        assert!(r.passed, "{p}: {:?}", r.problems);
        assert_eq!(r.party, Some(p));
        assert!(r.compared >= 1, "{p}: {} messages compared", r.compared);
        compared += r.compared;
    }
    // One input-sharing message from each owner (UWV, Belastingdienst), three
    // multiplication messages, one message of the reveal to SVB (from the party holding
    // SVB's missing component).
    assert_eq!(compared, 6);
}

#[test]
fn a_party_whose_sent_messages_deviated_fails_its_replay() {
    let dir = tempfile::tempdir().unwrap();
    let values = [0x1_0000_0007, 0x2_0000_0003];
    let kept = run(dir.path(), &job(), values, Some(PartyId::UWV));
    // The result is wrong, yet the transcripts are consistent: the audit cannot see it.
    let want: Vec<u64> = uwv_values(&values)
        .iter()
        .zip(bd_values(&values))
        .map(|(a, b)| a.wrapping_mul(b))
        .collect();
    assert_ne!(kept.svb_output, want);
    assert!(verify_files(&job(), &kept.transcripts).unwrap().passed());
    // Replay shows who deviated.
    let uwv = replay_party(&kept, PartyId::UWV, values);
    assert!(!uwv.passed);
    assert!(
        uwv.problems[0].starts_with("phase `multiply`: message"),
        "{:?}",
        uwv.problems
    );
    assert!(
        uwv.problems[0].contains("contents differ"),
        "{:?}",
        uwv.problems
    );
    for p in [PartyId::SVB, PartyId::BELASTINGDIENST] {
        let r = replay_party(&kept, p, values);
        assert!(r.passed, "{p}: {:?}", r.problems);
    }
}

#[test]
fn replay_refuses_evidence_that_is_not_what_was_received() {
    let dir = tempfile::tempdir().unwrap();
    let values = [5, 7];
    let kept = run(dir.path(), &job(), values, None);
    let transcript = parse_bytes(&std::fs::read(&kept.transcripts[1]).unwrap());
    let honest = read_evidence(&kept.evidence[1]).unwrap();
    // A received message altered.
    let mut altered = honest.clone();
    let k = altered
        .messages
        .iter()
        .rposition(|m| m.direction == Direction::Received)
        .unwrap();
    altered.messages[k].payload[0] ^= 1;
    let r = replay(&transcript, &altered, |ctx| screening(ctx, &values, false));
    assert!(!r.passed);
    assert!(
        r.problems[0].contains("does not match the transcript"),
        "{:?}",
        r.problems
    );
    // A received message missing.
    let mut short = honest.clone();
    short.messages.remove(k);
    assert!(!replay(&transcript, &short, |ctx| screening(ctx, &values, false)).passed);
    // Another party's evidence.
    let other = read_evidence(&kept.evidence[2]).unwrap();
    let r = replay(&transcript, &other, |ctx| screening(ctx, &values, false));
    assert_eq!(
        r.problems,
        ["the evidence is not for this transcript's job and party"]
    );
    // The key agreement altered.
    let mut keys = honest.clone();
    let k = keys
        .messages
        .iter()
        .position(|m| m.direction == Direction::Sent)
        .unwrap();
    keys.messages[k].payload[3] ^= 1;
    let r = replay(&transcript, &keys, |ctx| screening(ctx, &values, false));
    assert!(r.problems[0].contains("key agreement"), "{:?}", r.problems);
    // The wrong input: the replay of UWV's own sharing differs.
    let r = replay(&transcript, &honest, |ctx| screening(ctx, &[6, 7], false));
    assert!(!r.passed);
    assert!(
        r.problems[0].starts_with("phase `input`"),
        "{:?}",
        r.problems
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn replay_passes_for_honest_runs_and_fails_for_the_deviating_party(
        a in any::<u64>(),
        b in prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
        deviating in proptest::option::of(0u8..3),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let deviating = deviating.and_then(PartyId::new);
        let kept = run(dir.path(), &job(), [a, b], deviating);
        for p in PartyId::ALL {
            let r = replay_party(&kept, p, [a, b]);
            prop_assert_eq!(r.passed, Some(p) != deviating, "{}: {:?}", p, r.problems);
        }
    }
}
