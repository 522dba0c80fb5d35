//! Dispute replay: a party re-executes its side from its input, its evidence (its seed and
//! the messages it received) and its transcript. An honest party's replay passes; a party
//! whose sent messages deviated fails, with the phase named — even though the three
//! transcripts are consistent and the audit passes. In memory for a toy computation, and
//! end to end for a linked job run by three `samen node run` processes.

mod transcript_support;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use samen_node::audit::replay::{replay, ReplayReport};
use samen_node::audit::verify_files;
use samen_node::transcript::evidence::{read_evidence, Evidence, EvidenceRecorder, ObserverPair};
use samen_node::transcript::format::{Header, Outcome};
use samen_node::transcript::{commit_seed, parse_bytes, SharedTranscript, TranscriptWriter};
use samen_protocol::context::{Direction, MessageObserver};
use samen_protocol::ops::arith::mul;
use samen_protocol::ops::input::input_arith;
use samen_protocol::ops::reveal::reveal_arith;
use samen_protocol::randomness::PartySeed;
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
    let seeds = harness::test_seeds();
    let shared: Vec<SharedTranscript> = PartyId::ALL
        .iter()
        .map(|&p| {
            let header = Header {
                seed: commit_seed(&job.job_hash, p, &seeds[p.index()]),
                ..header(job, p)
            };
            let w = TranscriptWriter::create(
                &transcripts[p.index()],
                header,
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
        .map(|&p| {
            EvidenceRecorder::create(&evidence[p.index()], job.job_hash, p, &seeds[p.index()])
                .unwrap()
        })
        .collect();
    let runs = harness::run_three_seeded(
        seeds,
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
    replay(&transcript, &evidence, None, |ctx| {
        screening(ctx, &values, false)
    })
}

/// How a report's problem is expected to read.
enum Problem<'a> {
    Starts(&'a str),
    Contains(&'a str),
}

/// Asserts that problem `i` of the report reads as expected (printing all problems if not).
fn assert_problem(r: &ReplayReport, i: usize, expected: Problem<'_>) {
    let found = r.problems.get(i).is_some_and(|p| match expected {
        Problem::Starts(s) => p.starts_with(s),
        Problem::Contains(s) => p.contains(s),
    });
    assert!(found, "problem {i}: {:?}", r.problems);
}

/// What the SVB should learn: the products of UWV's and the Belastingdienst's values.
fn products(values: &[u64; 2]) -> Vec<u64> {
    uwv_values(values)
        .iter()
        .zip(bd_values(values))
        .map(|(a, b)| a.wrapping_mul(b))
        .collect()
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
    let want = products(&values);
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
    // The key agreement (two messages per party, now derived from the seed and replayed),
    // one input-sharing message from each owner (UWV, Belastingdienst), three
    // multiplication messages, one message of the reveal to SVB (from the party holding
    // SVB's missing component).
    assert_eq!(compared, 6 + 6);
}

#[test]
fn a_party_whose_sent_messages_deviated_fails_its_replay() {
    let dir = tempfile::tempdir().unwrap();
    let values = [0x1_0000_0007, 0x2_0000_0003];
    let kept = run(dir.path(), &job(), values, Some(PartyId::UWV));
    // The result is wrong, yet the transcripts are consistent: the audit cannot see it.
    let want = products(&values);
    assert_ne!(kept.svb_output, want);
    assert!(verify_files(&job(), &kept.transcripts).unwrap().passed());
    // Replay shows who deviated.
    let uwv = replay_party(&kept, PartyId::UWV, values);
    assert!(!uwv.passed);
    assert_problem(&uwv, 0, Problem::Starts("phase `multiply`: message"));
    assert_problem(&uwv, 0, Problem::Contains("contents differ"));
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
    // The honest protocol code with UWV's input, on the given evidence and commitment.
    let honest_replay = |evidence: &Evidence, commitment: Option<&[u8; 32]>| {
        replay(&transcript, evidence, commitment, |ctx| {
            screening(ctx, &values, false)
        })
    };
    // A received message altered.
    let mut altered = honest.clone();
    let k = altered
        .messages
        .iter()
        .rposition(|m| m.direction == Direction::Received)
        .unwrap();
    altered.messages[k].payload[0] ^= 1;
    let r = honest_replay(&altered, None);
    assert!(!r.passed);
    assert_problem(&r, 0, Problem::Contains("does not match the transcript"));
    // A received message missing.
    let mut short = honest.clone();
    short.messages.remove(k);
    assert!(!honest_replay(&short, None).passed);
    // Another party's evidence.
    let other = read_evidence(&kept.evidence[2]).unwrap();
    let r = honest_replay(&other, None);
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
    let r = honest_replay(&keys, None);
    assert!(r.problems[0].contains("key agreement"), "{:?}", r.problems);
    // Another seed: the commitment does not open, and the replayed key agreement differs.
    let mut reseeded = honest.clone();
    let mut b = reseeded.seed.to_bytes();
    b[0] ^= 1;
    reseeded.seed = PartySeed::from_bytes(b);
    let r = honest_replay(&reseeded, None);
    assert!(!r.passed);
    assert_problem(&r, 0, Problem::Starts("seed commitment"));
    assert_problem(&r, 1, Problem::Starts("phase `setup`: message 0"));
    // The committed input: a commitment that does not match is named.
    let r = honest_replay(&honest, Some(&[0; 32]));
    assert!(
        r.problems == ["input commitment: the input given to the replay does not open the transcript's input commitment (it is not the input the party committed to)"],
        "{:?}",
        r.problems
    );
    let r = honest_replay(&honest, Some(&[1; 32]));
    assert!(r.passed, "{:?}", r.problems);
    // The wrong input: the replay of UWV's own sharing differs.
    let r = replay(&transcript, &honest, None, |ctx| {
        screening(ctx, &[6, 7], false)
    });
    assert!(!r.passed);
    assert_problem(&r, 0, Problem::Starts("phase `input`"));
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

mod linked_end_to_end {
    //! A linked job (private record linkage, the default mode) run by three `samen node
    //! run --keep-evidence` processes over loopback QUIC, then replayed party by party.

    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::Duration;

    use super::{assert_problem, Problem};
    use samen_circuits::aio::DEFAULT_RULES;
    use samen_node::fsutil::ReadError;
    use samen_node::input::bsn::Bsn;
    use samen_node::input::schema::LinkageMode;
    use samen_node::job::{HomeRule, Job};
    use samen_node::run::demo::{launch, prepare, Launch, LocalSetup, PreparedFederation};
    use samen_node::run::node::{evidence_file_name, transcript_file_name};
    use samen_node::run::replay::{replay_party, ReplayError, ReplayOptions, SALT_FILE_LIMIT};
    use samen_node::transcript::evidence::{read_evidence, Evidence};
    use samen_node::transcript::salt_file_name;
    use samen_node::transcript::scan::scan_for_bytes;
    use samen_protocol::context::Direction;
    use samen_protocol::randomness::PartySeed;
    use samen_protocol::PartyId;

    fn run_linked_job(dir: &Path) -> PreparedFederation {
        let setup = LocalSetup {
            households: 200,
            seed: 31,
            rules: DEFAULT_RULES.to_string(),
            tolerance_bp: 0,
            home_rule: HomeRule::Loan,
            dir: dir.join("fed"),
            extra_households: Vec::new(),
            linkage: LinkageMode::Linked,
            count_to_all: true,
            padding: Some([3, 2, 5]),
        };
        let prepared = prepare(&setup).unwrap();
        let mut l = Launch::with_binary(
            PathBuf::from(env!("CARGO_BIN_EXE_samen")),
            &prepared,
            Duration::from_secs(300),
        );
        l.extra_args = vec!["--keep-evidence".into()];
        let exits = launch(&l).unwrap();
        for e in &exits.exits {
            assert!(e.success, "node {} failed:\n{}", e.party, e.log);
        }
        prepared
    }

    fn options(prepared: &PreparedFederation, p: PartyId) -> ReplayOptions {
        let (job, _) = Job::load(&prepared.job).unwrap();
        assert_eq!(job.linkage.mode, LinkageMode::Linked);
        let id = hex::encode(job.job_id.0);
        let out = &prepared.output_dirs[p.index()];
        ReplayOptions {
            config: prepared.node_configs[p.index()].clone(),
            job: prepared.job.clone(),
            input: prepared.inputs[p.index()].clone(),
            transcript: out.join(transcript_file_name(p, &id)),
            evidence: out.join(evidence_file_name(p, &id)),
        }
    }

    fn rewrite(evidence: &Evidence, to: &Path) -> PathBuf {
        std::fs::write(to, evidence.to_bytes()).unwrap();
        to.to_path_buf()
    }

    #[test]
    fn linked_job_replays_and_each_alteration_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let prepared = run_linked_job(tmp.path());

        // Honest: every party's replay passes, its linkage and circuit messages included,
        // and the input commitment is checked (the salt is beside the transcript).
        for p in PartyId::ALL {
            let r = replay_party(&options(&prepared, p)).unwrap();
            assert!(r.passed, "{p}: {:?}", r.problems);
            assert!(r.notes.is_empty(), "{p}: {:?}", r.notes);
            assert!(r.compared > 10, "{p}: {} compared", r.compared);
        }
        // The seed is in the evidence, never in the transcript or the node's log.
        for p in PartyId::ALL {
            let o = options(&prepared, p);
            let seed = read_evidence(&o.evidence).unwrap().seed.to_bytes();
            let log = o.config.parent().unwrap().join("node.log");
            for file in [&o.transcript, &log] {
                let bytes = std::fs::read(file).unwrap();
                let found = scan_for_bytes(&bytes, &[&seed[..]]);
                assert!(found.is_empty(), "{p}: {}: {found:?}", file.display());
            }
        }
        let uwv = options(&prepared, PartyId::UWV);
        let evidence = read_evidence(&uwv.evidence).unwrap();
        // The command line agrees.
        let out = Command::new(env!("CARGO_BIN_EXE_samen"))
            .args(["audit", "replay", "--config"])
            .arg(&uwv.config)
            .arg("--job")
            .arg(&uwv.job)
            .arg("--input")
            .arg(&uwv.input)
            .arg("--transcript")
            .arg(&uwv.transcript)
            .arg("--evidence")
            .arg(&uwv.evidence)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(stdout.contains("REPLAY: PASS"), "{stdout}");

        // An altered input: the person of UWV's first row replaced by one not in the file.
        let text = std::fs::read_to_string(&uwv.input).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let fresh = (900_000_000u32..)
            .filter_map(Bsn::from_value)
            .map(|b| format!("{:09}", b.value()))
            .find(|b| !text.contains(b.as_str()))
            .unwrap();
        let (_, rest) = lines[1].split_once(',').unwrap();
        lines[1] = format!("{fresh},{rest}");
        let altered_input = tmp.path().join("uwv-altered.csv");
        std::fs::write(&altered_input, lines.join("\n") + "\n").unwrap();
        let r = replay_party(&ReplayOptions {
            input: altered_input,
            ..uwv.clone()
        })
        .unwrap();
        assert!(!r.passed);
        assert_problem(&r, 0, Problem::Starts("input commitment:"));

        // An altered seed: the header's commitment does not open, and the replayed key
        // agreement is not what was sent.
        let mut reseeded = evidence.clone();
        let mut b = reseeded.seed.to_bytes();
        b[31] ^= 0x80;
        reseeded.seed = PartySeed::from_bytes(b);
        let r = replay_party(&ReplayOptions {
            evidence: rewrite(&reseeded, &tmp.path().join("reseeded")),
            ..uwv.clone()
        })
        .unwrap();
        assert!(!r.passed);
        assert_problem(&r, 0, Problem::Starts("seed commitment:"));
        assert!(
            r.problems
                .iter()
                .any(|p| p.starts_with("phase `setup`: message 0 to")),
            "{:?}",
            r.problems
        );

        // An altered received message: the first linkage message from the SVB.
        let mut tampered = evidence.clone();
        let k = tampered
            .messages
            .iter()
            .position(|m| {
                m.direction == Direction::Received && m.peer == PartyId::SVB && m.phase == "linkage"
            })
            .expect("UWV receives linkage messages from the SVB");
        let seq = tampered.messages[k].seq;
        tampered.messages[k].payload[5] ^= 1;
        let r = replay_party(&ReplayOptions {
            evidence: rewrite(&tampered, &tmp.path().join("tampered")),
            ..uwv.clone()
        })
        .unwrap();
        assert!(!r.passed);
        assert_eq!(
            r.problems,
            [format!(
                "phase `linkage`: the evidence's message {seq} from {} does not match the transcript: it is not what was received",
                PartyId::SVB.agency()
            )]
        );

        // A salt file beside the transcript that is too large or not 64 hex digits is
        // refused with a typed error naming it (and the limit), before anything runs.
        let salted = tmp.path().join("salted");
        std::fs::create_dir(&salted).unwrap();
        let transcript = salted.join(uwv.transcript.file_name().unwrap());
        std::fs::copy(&uwv.transcript, &transcript).unwrap();
        let (job, _) = Job::load(&prepared.job).unwrap();
        let salt = salted.join(salt_file_name(PartyId::UWV, &hex::encode(job.job_id.0)));
        let with_salt = ReplayOptions {
            transcript,
            ..uwv.clone()
        };
        std::fs::write(&salt, "0".repeat(SALT_FILE_LIMIT as usize + 1)).unwrap();
        let e = replay_party(&with_salt).unwrap_err();
        assert!(
            matches!(&e, ReplayError::SaltRead(ReadError::TooLarge { path, limit })
                if path == &salt && *limit == SALT_FILE_LIMIT),
            "{e}"
        );
        std::fs::write(&salt, "zz\n").unwrap();
        let e = replay_party(&with_salt).unwrap_err();
        assert!(
            matches!(&e, ReplayError::SaltMalformed { path } if path == &salt),
            "{e}"
        );
    }
}
