//! `verify` on honest transcripts passes; on tampered ones it fails and names the problem:
//! flipped bytes in every record type, deleted, reordered and spliced records, the wrong
//! key, the wrong job, messages sent but not received (and the reverse), altered messages,
//! reveals beyond the output policy, missing transcripts, and consistent aborts.

mod transcript_support;

use std::path::PathBuf;

use samen_node::audit::{
    verify, verify_files, AuditReport, FailureKind, LabelledTranscript, Verdict,
};
use samen_node::transcript::format::{Outcome, Record};
use samen_node::transcript::{parse_bytes, SharedTranscript, TranscriptWriter};
use samen_protocol::context::Direction;
use samen_protocol::{harness, PartyId, ProtocolError, SecurityMode};
use transcript_support::*;

fn audit_bytes(job: &samen_node::audit::ApprovedJob, files: &[Vec<u8>]) -> AuditReport {
    let ts: Vec<LabelledTranscript> = files
        .iter()
        .enumerate()
        .map(|(k, b)| LabelledTranscript {
            label: format!("T{k}"),
            parsed: parse_bytes(b),
        })
        .collect();
    verify(job, &ts)
}

fn read_all(paths: &[PathBuf; 3]) -> Vec<Vec<u8>> {
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn kinds(r: &AuditReport) -> Vec<FailureKind> {
    r.failures.iter().map(|f| f.kind).collect()
}

/// The record type of a canonical line.
fn type_of(line: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(line).unwrap();
    let t = v["type"].as_str().unwrap().to_string();
    if t == "msg" {
        format!("msg-{}", v["dir"].as_str().unwrap())
    } else {
        t
    }
}

#[test]
fn honest_transcripts_pass_and_report_the_disclosure() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(1);
    let run = run_job(dir.path(), &job, "run");
    // Given in any order.
    let report = verify_files(&job, &[&run.paths[2], &run.paths[0], &run.paths[1]]).unwrap();
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.failures);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_eq!(
        report.job_outcome,
        "the job completed successfully at all three parties"
    );
    let svb: Vec<_> = report
        .disclosure
        .iter()
        .filter(|r| r.party == PartyId::SVB)
        .map(|r| (r.output.as_str(), r.values))
        .collect();
    assert_eq!(svb, [("flag_count", 1), ("flags", ROWS as u64)]);
    let uwv: Vec<_> = report
        .disclosure
        .iter()
        .filter(|r| r.party == PartyId::UWV)
        .map(|r| (r.output.as_str(), r.values))
        .collect();
    assert_eq!(uwv, [("flag_count", 1)]);
    assert!(report.disclosure.iter().all(|r| r.permitted));
    assert_eq!(report.learned.len(), 1);
    assert_eq!(
        (report.learned[0].what.as_str(), report.learned[0].value),
        ("linkage/matched/uwv", 7)
    );
    let phases: Vec<_> = report.timeline.iter().map(|r| r.phase.as_str()).collect();
    assert_eq!(phases, ["setup", "share", "multiply", "output"]);
    // Multiply: every party sends ROWS words to one peer.
    for p in 0..3 {
        assert_eq!(
            report.timeline[2].parties[p].as_ref().unwrap().bytes_sent,
            8 * ROWS as u64
        );
    }
}

#[test]
fn flipping_any_byte_of_any_record_type_fails() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(2);
    let run = run_job(dir.path(), &job, "run");
    let honest = read_all(&run.paths);
    // SVB's transcript has every record type: header, input, checkpoint, phase, sent and
    // received messages, reveal, learned, outcome. Take the first line of each type, and
    // the final checkpoint.
    let all = lines(&run.paths[0]);
    let mut chosen: Vec<usize> = Vec::new();
    let mut seen = Vec::new();
    for (k, l) in all.iter().enumerate() {
        let t = type_of(l);
        if !seen.contains(&t) {
            seen.push(t);
            chosen.push(k);
        }
    }
    chosen.push(all.len() - 1);
    seen.sort();
    assert_eq!(
        seen,
        [
            "checkpoint",
            "header",
            "input",
            "learned",
            "msg-recv",
            "msg-sent",
            "outcome",
            "phase",
            "reveal"
        ]
    );
    let mut tried = 0;
    for &k in &chosen {
        let start: usize = all[..k].iter().map(|l| l.len() + 1).sum();
        // Every byte of the line, and its newline.
        for at in start..=start + all[k].len() {
            for mask in [0x01u8, 0x20] {
                let mut files = honest.clone();
                files[0][at] ^= mask;
                let report = audit_bytes(&job, &files);
                tried += 1;
                assert_eq!(
                    report.verdict,
                    Verdict::Fail,
                    "flip {mask:#x} at byte {at} of {} line {}",
                    type_of(&all[k]),
                    k + 1
                );
                // The failures name SVB's transcript (by party, or by file when even the
                // header is unreadable).
                assert!(
                    report
                        .failures
                        .iter()
                        .any(|f| f.party == Some(PartyId::SVB) || f.message.starts_with("T0: ")),
                    "{:?}",
                    report.failures
                );
            }
        }
    }
    assert!(tried > 2000);
}

#[test]
fn deleting_any_record_fails_with_record_order_or_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(3);
    let run = run_job(dir.path(), &job, "run");
    let honest = read_all(&run.paths);
    for p in PartyId::ALL {
        let all = lines(&run.paths[p.index()]);
        for k in 0..all.len() {
            let mut l = all.clone();
            let removed = l.remove(k);
            let mut files = honest.clone();
            files[p.index()] = join(&l);
            let report = audit_bytes(&job, &files);
            assert!(
                !report.passed(),
                "deleting {} line {}",
                type_of(&removed),
                k + 1
            );
            let expected = if k == all.len() - 1 {
                FailureKind::Truncated
            } else {
                FailureKind::RecordOrder
            };
            assert!(
                report.has_failure(expected),
                "deleting line {}: {:?}",
                k + 1,
                kinds(&report)
            );
            if k == all.len() - 1 {
                let n = all.len() - 1;
                let f = report
                    .failures
                    .iter()
                    .find(|f| f.kind == FailureKind::Truncated)
                    .unwrap();
                assert!(
                    f.message.starts_with(&format!(
                        "truncated after record {n}, last signed checkpoint "
                    )),
                    "{f}"
                );
            }
        }
    }
}

#[test]
fn reordering_any_two_records_fails() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(4);
    let run = run_job(dir.path(), &job, "run");
    let honest = read_all(&run.paths);
    let all = lines(&run.paths[1]);
    for a in 0..all.len() {
        for b in a + 1..all.len() {
            if all[a] == all[b] {
                continue;
            }
            let mut l = all.clone();
            l.swap(a, b);
            let mut files = honest.clone();
            files[1] = join(&l);
            let report = audit_bytes(&job, &files);
            assert!(
                report.has_failure(FailureKind::RecordOrder),
                "swap {} and {}: {:?}",
                a + 1,
                b + 1,
                kinds(&report)
            );
        }
    }
}

#[test]
fn splicing_records_from_another_job_fails() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(5);
    let other_job = approved_job(6);
    let run = run_job(dir.path(), &job, "a");
    let other = run_job(dir.path(), &other_job, "b");
    let honest = read_all(&run.paths);
    for p in PartyId::ALL {
        let mine = lines(&run.paths[p.index()]);
        let theirs = lines(&other.paths[p.index()]);
        let mut replaced = 0;
        for k in 0..mine.len().min(theirs.len()) {
            // Replacing in place (same position number) ...
            if mine[k] != theirs[k] {
                let mut l = mine.clone();
                l[k] = theirs[k].clone();
                let mut files = honest.clone();
                files[p.index()] = join(&l);
                let report = audit_bytes(&job, &files);
                assert!(
                    !report.passed(),
                    "{} line {} from the other job",
                    type_of(&theirs[k]),
                    k + 1
                );
                replaced += 1;
            }
            // ... and inserting.
            let mut l = mine.clone();
            l.insert(k, theirs[k].clone());
            let mut files = honest.clone();
            files[p.index()] = join(&l);
            assert!(
                !audit_bytes(&job, &files).passed(),
                "inserted line {}",
                k + 1
            );
        }
        assert!(replaced > mine.len() / 2);
    }
    // A whole transcript of the other job: named as the wrong job.
    let mut files = honest.clone();
    files[1] = std::fs::read(&other.paths[1]).unwrap();
    let report = audit_bytes(&job, &files);
    assert!(
        report.has_failure(FailureKind::WrongJob),
        "{:?}",
        kinds(&report)
    );
}

#[test]
fn a_transcript_signed_with_the_wrong_key_fails() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(7);
    let mut keys = node_keys();
    keys[1] = ed25519_dalek::SigningKey::from_bytes(&[99; 32]);
    let run = run_job_with_keys(dir.path(), &job, &keys, "run");
    let report = verify_files(&job, &run.paths).unwrap();
    assert!(report.has_failure(FailureKind::BadSignature));
    assert!(report
        .failures
        .iter()
        .filter(|f| f.kind == FailureKind::BadSignature)
        .all(|f| f.party == Some(PartyId::UWV)));
    assert!(
        report.failures[0].message.contains("UWV's node key"),
        "{}",
        report.failures[0]
    );
}

#[test]
fn transcripts_of_another_circuit_rules_or_federation_fail() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(8);
    let run = run_job(dir.path(), &job, "run");
    for (kind, change) in [
        (FailureKind::WrongJob, 0),
        (FailureKind::WrongCircuit, 1),
        (FailureKind::WrongRules, 2),
        (FailureKind::WrongFederation, 3),
    ] {
        let mut expected = job.clone();
        match change {
            0 => expected.job_hash[31] ^= 1,
            1 => expected.circuit_hash[0] ^= 1,
            2 => expected.rules_hash[0] ^= 1,
            _ => expected.federation_fingerprint[0] ^= 1,
        }
        let report = verify_files(&expected, &run.paths).unwrap();
        assert!(report.has_failure(kind), "{kind:?}: {:?}", kinds(&report));
        if kind == FailureKind::WrongJob {
            // The checkpoints sign the job hash too.
            assert!(!report.has_failure(FailureKind::BadSignature));
        }
    }
}

/// Rewrites party `p`'s transcript with `edit` applied to its records, signed with its
/// own (federation) key: what a party lying in its own transcript could produce.
fn lie(run: &Run, p: PartyId, edit: impl FnOnce(&mut Vec<Record>)) {
    let path = &run.paths[p.index()];
    let mut records = records_of(path);
    edit(&mut records);
    rewrite(path, &records, &node_keys()[p.index()]);
}

fn position(records: &[Record], pred: impl Fn(&Record) -> bool) -> usize {
    records.iter().rposition(pred).unwrap()
}

fn is_msg(r: &Record, dir: Direction, peer: PartyId) -> bool {
    matches!(r, Record::Message(m) if m.direction == dir && m.peer == peer)
}

#[test]
fn a_message_sent_but_not_received_fails() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(9);
    let run = run_job(dir.path(), &job, "run");
    // UWV's last message from SVB is missing from UWV's (validly signed) transcript.
    lie(&run, PartyId::UWV, |r| {
        let k = position(r, |x| is_msg(x, Direction::Received, PartyId::SVB));
        r.remove(k);
    });
    let report = verify_files(&job, &run.paths).unwrap();
    assert_eq!(
        kinds(&report),
        [FailureKind::SentNotReceived],
        "{:#?}",
        report.failures
    );
    assert_eq!(report.failures[0].party, Some(PartyId::SVB));
    assert!(
        report.failures[0]
            .message
            .contains("UWV did not record receiving"),
        "{}",
        report.failures[0]
    );
}

#[test]
fn a_message_received_but_not_sent_fails() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(10);
    let run = run_job(dir.path(), &job, "run");
    lie(&run, PartyId::UWV, |r| {
        let k = position(r, |x| is_msg(x, Direction::Received, PartyId::SVB));
        let Record::Message(mut m) = r[k].clone() else {
            unreachable!()
        };
        m.seq += 1;
        r.insert(k + 1, Record::Message(m));
    });
    let report = verify_files(&job, &run.paths).unwrap();
    assert_eq!(
        kinds(&report),
        [FailureKind::ReceivedNotSent],
        "{:#?}",
        report.failures
    );
}

#[test]
fn an_altered_message_fails() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(11);
    let run = run_job(dir.path(), &job, "run");
    lie(&run, PartyId::BELASTINGDIENST, |r| {
        let k = position(r, |x| is_msg(x, Direction::Received, PartyId::UWV));
        if let Record::Message(m) = &mut r[k] {
            m.hash[0] ^= 1;
        }
    });
    let report = verify_files(&job, &run.paths).unwrap();
    assert_eq!(
        kinds(&report),
        [FailureKind::MessageMismatch],
        "{:#?}",
        report.failures
    );
    assert!(report.failures[0].message.contains("altered"));
}

fn lie_everywhere(run: &Run, edit: impl Fn(&mut Vec<Record>)) {
    for p in PartyId::ALL {
        lie(run, p, &edit);
    }
}

fn reveal_index(records: &[Record], output: &str) -> usize {
    position(
        records,
        |x| matches!(x, Record::Reveal(v) if v.output == output),
    )
}

#[test]
fn reveals_beyond_the_output_policy_fail() {
    let job = approved_job(12);
    type Edit = Box<dyn Fn(&mut Vec<Record>)>;
    let cases: Vec<(&str, Edit, FailureKind)> = vec![
        (
            "one flag too many",
            Box::new(|r: &mut Vec<Record>| {
                let k = reveal_index(r, "flags");
                if let Record::Reveal(v) = &mut r[k] {
                    v.count += 1;
                }
            }),
            FailureKind::RevealCount,
        ),
        (
            "flags also to UWV",
            Box::new(|r: &mut Vec<Record>| {
                let k = reveal_index(r, "flags");
                if let Record::Reveal(v) = &mut r[k] {
                    v.to = vec![PartyId::SVB, PartyId::UWV];
                }
            }),
            FailureKind::RevealNotPermitted,
        ),
        (
            "the count revealed twice",
            Box::new(|r: &mut Vec<Record>| {
                let k = reveal_index(r, "flag_count");
                let again = r[k].clone();
                r.insert(k + 1, again);
            }),
            FailureKind::RevealCount,
        ),
        (
            "an output the policy does not name",
            Box::new(|r: &mut Vec<Record>| {
                let k = reveal_index(r, "flags");
                if let Record::Reveal(v) = &mut r[k] {
                    v.output = "incomes".into();
                }
            }),
            FailureKind::RevealNotPermitted,
        ),
    ];
    for (what, edit, kind) in cases {
        let dir = tempfile::tempdir().unwrap();
        let run = run_job(dir.path(), &job, "run");
        lie_everywhere(&run, |r| edit(r));
        let report = verify_files(&job, &run.paths).unwrap();
        assert!(report.has_failure(kind), "{what}: {:?}", kinds(&report));
        assert!(!report.has_failure(FailureKind::BadSignature), "{what}");
        assert!(!report.passed());
    }
    // A reveal only one party recorded.
    let dir = tempfile::tempdir().unwrap();
    let run = run_job(dir.path(), &job, "run");
    lie(&run, PartyId::SVB, |r| {
        let k = reveal_index(r, "flags");
        if let Record::Reveal(v) = &mut r[k] {
            v.count -= 1;
        }
    });
    let report = verify_files(&job, &run.paths).unwrap();
    assert!(
        report.has_failure(FailureKind::RevealMismatch),
        "{:?}",
        kinds(&report)
    );
    // A learned number the parties disagree on.
    let dir = tempfile::tempdir().unwrap();
    let run = run_job(dir.path(), &job, "run");
    lie(&run, PartyId::BELASTINGDIENST, |r| {
        for x in r.iter_mut() {
            if let Record::Learned(l) = x {
                l.value += 1;
            }
        }
    });
    let report = verify_files(&job, &run.paths).unwrap();
    assert!(
        report.has_failure(FailureKind::LearnedMismatch),
        "{:?}",
        kinds(&report)
    );
}

#[test]
fn missing_or_duplicate_transcripts_fail() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(13);
    let run = run_job(dir.path(), &job, "run");
    let report = verify_files(&job, &run.paths[..2]).unwrap();
    assert!(report.has_failure(FailureKind::MissingTranscript));
    assert!(report
        .failures
        .iter()
        .any(|f| f.message.contains("no transcript of Belastingdienst")));
    let report = verify_files(&job, &[&run.paths[0], &run.paths[1], &run.paths[1]]).unwrap();
    assert!(report.has_failure(FailureKind::MissingTranscript));
}

#[test]
fn a_consistent_abort_passes_and_says_the_job_did_not_complete() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(14);
    let run = run_job(dir.path(), &job, "run");
    // SVB stops before reading the last round (the count) and aborts; UWV and the
    // Belastingdienst had sent it already.
    lie(&run, PartyId::SVB, |r| {
        let k = position(
            r,
            |x| matches!(x, Record::Reveal(v) if v.output == "flag_count"),
        );
        r.truncate(k);
        let last_recv_uwv = position(r, |x| is_msg(x, Direction::Received, PartyId::UWV));
        r.remove(last_recv_uwv);
        let last_recv_bd = position(r, |x| {
            is_msg(x, Direction::Received, PartyId::BELASTINGDIENST)
        });
        r.remove(last_recv_bd);
        r.push(Record::Outcome {
            outcome: Outcome::Abort {
                reason: "input check failed".into(),
            },
            time_ms: 0,
        });
    });
    let report = verify_files(&job, &run.paths).unwrap();
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.failures);
    assert!(
        report
            .job_outcome
            .contains("SVB aborted (input check failed)"),
        "{}",
        report.job_outcome
    );
    assert_eq!(report.notes.len(), 2, "{:?}", report.notes);
    assert!(report.notes[0].contains("not received because SVB stopped first"));
}

#[test]
fn an_abort_recorded_by_the_harness_run_passes() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(15);
    let paths: Vec<PathBuf> = PartyId::ALL
        .iter()
        .map(|p| dir.path().join(p.short_name()))
        .collect();
    let shared: Vec<SharedTranscript> = PartyId::ALL
        .iter()
        .map(|&p| {
            let w = TranscriptWriter::create(
                &paths[p.index()],
                header(&job, p),
                node_keys()[p.index()].clone(),
            )
            .unwrap();
            let t = SharedTranscript::new(w);
            t.commit_input([p.index() as u8; 32]).unwrap();
            t
        })
        .collect();
    let results = harness::run_three_with(
        SecurityMode::SemiHonest,
        |p| Some(shared[p.index()].observer()),
        |ctx| {
            let out = toy_protocol(ctx, 15)?;
            if ctx.party() == PartyId::BELASTINGDIENST {
                return Err(ProtocolError::CheckFailed("output check failed".into()));
            }
            Ok(out)
        },
    );
    let err = results.unwrap_err();
    for (p, t) in PartyId::ALL.iter().zip(&shared) {
        let outcome = if *p == PartyId::BELASTINGDIENST {
            Outcome::Abort {
                reason: err.to_string(),
            }
        } else {
            Outcome::Success
        };
        t.finish(outcome).unwrap();
    }
    let report = verify_files(&job, &paths).unwrap();
    assert!(report.passed(), "{:#?}", report.failures);
    assert!(
        report
            .job_outcome
            .contains("Belastingdienst aborted (check failed: output check failed)"),
        "{}",
        report.job_outcome
    );
}

#[test]
fn a_truncated_transcript_fails_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(16);
    let run = run_job(dir.path(), &job, "run");
    let l = lines(&run.paths[2]);
    std::fs::write(&run.paths[2], join(&l[..l.len() - 3])).unwrap();
    let report = verify_files(&job, &run.paths).unwrap();
    assert!(report.has_failure(FailureKind::Truncated));
    assert!(report.notes.iter().any(|n| n.contains("were not compared")));
}
