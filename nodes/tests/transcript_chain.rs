//! Transcripts written during a real (in-memory) three-party run: contents, hash chain and
//! signatures checked independently of the audit code, crash prefixes, writer misuse, and
//! the reader on arbitrary bytes.

mod transcript_support;

use ed25519_dalek::{Signature, Verifier};
use proptest::prelude::*;
use samen_node::audit::integrity::check_transcript;
use samen_node::audit::FailureKind;
use samen_node::transcript::format::{
    chain_start, chain_step, checkpoint_message, message_hash, pair_key, Outcome, Record,
};
use samen_node::transcript::reader::StopReason;
use samen_node::transcript::scan::{scan_for_bytes, scan_for_words, significant_words};
use samen_node::transcript::{parse_bytes, SharedTranscript, TranscriptError, TranscriptWriter};
use samen_protocol::context::Direction;
use samen_protocol::{harness, PartyId};
use transcript_support::*;

fn fed_keys() -> [ed25519_dalek::VerifyingKey; 3] {
    node_keys().map(|k| k.verifying_key())
}

#[test]
fn a_run_writes_one_record_per_message_phase_and_reveal() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(1);
    let run = run_job(dir.path(), &job, "run");
    // What the harness counts, independently of the transcript.
    let stats = harness::run_three(|ctx| {
        transcript_support::toy_protocol(ctx, 1)
            .map(|_| ())
            .unwrap()
    })
    .unwrap();
    for p in PartyId::ALL {
        let records = records_of(&run.paths[p.index()]);
        let Record::Header(h) = &records[0] else {
            panic!("header first")
        };
        assert_eq!(
            (h.party, h.job, h.circuit),
            (p, job.job_hash, job.circuit_hash)
        );
        assert!(matches!(records[1], Record::Input { .. }));
        let msgs: Vec<_> = records
            .iter()
            .filter_map(|r| {
                if let Record::Message(m) = r {
                    Some(m)
                } else {
                    None
                }
            })
            .collect();
        let s = &stats[p.index()].stats;
        let sent: Vec<_> = msgs
            .iter()
            .filter(|m| m.direction == Direction::Sent)
            .collect();
        assert_eq!(sent.len() as u64, s.messages_sent);
        assert_eq!(msgs.len() as u64 - sent.len() as u64, s.messages_received);
        assert_eq!(sent.iter().map(|m| m.len).sum::<u64>(), s.total_sent());
        let phases: Vec<_> = records
            .iter()
            .filter_map(|r| {
                if let Record::Phase { name, .. } = r {
                    Some(name.as_str())
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(phases, ["setup", "share", "multiply", "output"]);
        let reveals: Vec<_> = records
            .iter()
            .filter_map(|r| {
                if let Record::Reveal(v) = r {
                    Some((v.output.as_str(), v.count))
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(reveals, [("flags", ROWS as u64), ("flag_count", 1)]);
        // A checkpoint before every phase and after the outcome, which ends the file.
        for (k, r) in records.iter().enumerate() {
            if matches!(r, Record::Phase { .. }) {
                assert!(matches!(records[k - 1], Record::Checkpoint(_)));
            }
        }
        let n = records.len();
        assert!(matches!(
            records[n - 2],
            Record::Outcome {
                outcome: Outcome::Success,
                ..
            }
        ));
        assert!(matches!(records[n - 1], Record::Checkpoint(_)));
        let facts = check_transcript(
            &parse_bytes(&std::fs::read(&run.paths[p.index()]).unwrap()),
            &fed_keys(),
        );
        assert!(facts.intact(), "{:?}", facts.failures);
        assert!(facts.complete);
    }
}

#[test]
fn chain_and_signatures_recompute_from_the_raw_lines() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(2);
    let run = run_job(dir.path(), &job, "run");
    for p in PartyId::ALL {
        let mut head = chain_start();
        let mut checkpoints = 0;
        for (k, line) in lines(&run.paths[p.index()]).iter().enumerate() {
            let v: serde_json::Value = serde_json::from_slice(line).unwrap();
            assert_eq!(v["i"].as_u64(), Some(k as u64 + 1));
            if v["type"] == "checkpoint" {
                checkpoints += 1;
                assert_eq!(v["covers"].as_u64(), Some(k as u64));
                assert_eq!(v["head"].as_str().unwrap(), hex::encode(head));
                let sig: [u8; 64] = hex::decode(v["sig"].as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap();
                let msg = checkpoint_message(&job.job_hash, p, &head, k as u64);
                job.signing_keys[p.index()]
                    .verify(&msg, &Signature::from_bytes(&sig))
                    .unwrap();
                // Another party's key does not verify it.
                assert!(job.signing_keys[p.next().index()]
                    .verify(&msg, &Signature::from_bytes(&sig))
                    .is_err());
            }
            head = chain_step(&head, line);
        }
        assert_eq!(checkpoints, 5, "four phase boundaries and the end");
    }
}

#[test]
fn rewriting_the_records_reproduces_the_file_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(3);
    let run = run_job(dir.path(), &job, "run");
    let keys = node_keys();
    for p in PartyId::ALL {
        let original = std::fs::read(&run.paths[p.index()]).unwrap();
        let copy = dir.path().join(format!("copy-{}", p.index()));
        rewrite(&copy, &records_of(&run.paths[p.index()]), &keys[p.index()]);
        assert_eq!(std::fs::read(&copy).unwrap(), original);
    }
}

#[test]
fn a_crash_leaves_a_verifiable_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(4);
    let run = run_job(dir.path(), &job, "run");
    let bytes = std::fs::read(&run.paths[1]).unwrap();
    let all = lines(&run.paths[1]);
    // Cut after every complete line and in the middle of every line.
    let mut offset = 0;
    for (k, line) in all.iter().enumerate() {
        for cut in [offset + line.len() / 2, offset + line.len() + 1] {
            if cut >= bytes.len() {
                continue;
            }
            let parsed = parse_bytes(&bytes[..cut]);
            let complete_lines = if cut == offset + line.len() + 1 {
                k + 1
            } else {
                k
            };
            assert_eq!(parsed.entries.len(), complete_lines);
            if cut != offset + line.len() + 1 {
                assert_eq!(
                    parsed.stop.as_ref().unwrap().reason,
                    StopReason::PartialLine
                );
            }
            let facts = check_transcript(&parsed, &fed_keys());
            let last_cp = all[..complete_lines]
                .iter()
                .enumerate()
                .filter(|(_, l)| l.windows(12).any(|w| w == b"\"checkpoint\""))
                .map(|(j, _)| j as u64 + 1)
                .next_back();
            assert_eq!(facts.last_valid_checkpoint, last_cp);
            let expected = format!(
                "truncated after record {complete_lines}, last signed checkpoint {}",
                last_cp
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "none".into())
            );
            let truncated: Vec<_> = facts
                .failures
                .iter()
                .filter(|f| f.kind == FailureKind::Truncated)
                .collect();
            assert_eq!(truncated.len(), 1, "{:?}", facts.failures);
            assert_eq!(truncated[0].message, expected);
            // Nothing else is wrong with a crash prefix.
            assert_eq!(facts.failures.len(), 1, "{:?}", facts.failures);
        }
        offset += line.len() + 1;
    }
}

#[test]
fn an_aborted_run_is_recorded_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(5);
    let path = dir.path().join("abort.transcript");
    let w = TranscriptWriter::create(&path, header(&job, PartyId::UWV), node_keys()[1].clone())
        .unwrap();
    let t = SharedTranscript::new(w);
    let mut obs = t.observer();
    obs.on_phase("setup");
    t.finish(Outcome::Abort {
        reason: "peer SVB closed the connection".into(),
    })
    .unwrap();
    let records = records_of(&path);
    assert!(
        matches!(&records[records.len() - 2], Record::Outcome { outcome: Outcome::Abort { reason }, .. } if reason.contains("closed"))
    );
    let facts = check_transcript(&parse_bytes(&std::fs::read(&path).unwrap()), &fed_keys());
    assert!(facts.intact() && facts.complete, "{:?}", facts.failures);
}

#[test]
fn the_writer_refuses_misuse() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(6);
    let path = dir.path().join("t");
    let mut w = TranscriptWriter::create(&path, header(&job, PartyId::SVB), node_keys()[0].clone())
        .unwrap();
    // Never overwrites a transcript.
    assert!(matches!(
        TranscriptWriter::create(&path, header(&job, PartyId::SVB), node_keys()[0].clone()),
        Err(TranscriptError::Io { .. })
    ));
    w.begin_phase("setup");
    assert!(matches!(
        w.commit_input([0; 32]),
        Err(TranscriptError::Misuse(_))
    ));
    assert!(w
        .append_entry(Record::Checkpoint(
            samen_node::transcript::format::Checkpoint {
                covers: 0,
                head: [0; 32],
                signature: [0; 64]
            }
        ))
        .is_err());
    w.finish(Outcome::Success).unwrap();
    assert!(w.finish(Outcome::Success).is_err());
    let before = std::fs::read(&path).unwrap();
    w.record_reveal("late", &[PartyId::SVB], 1);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "nothing is appended after the end"
    );
    assert!(w.error().is_some());
    assert!(!format!("{w:?}").contains("key"));
}

/// The message keys of the three pairs, from the captured first messages.
fn pair_keys(run: &Run) -> Vec<((PartyId, PartyId), [u8; 32])> {
    let first = |from: PartyId, to: PartyId| {
        run.captured
            .iter()
            .find(|c| {
                c.party == from && c.peer == to && c.direction == Direction::Sent && c.seq == 0
            })
            .unwrap()
            .payload
            .clone()
    };
    let (p0, p1, p2) = (PartyId::SVB, PartyId::UWV, PartyId::BELASTINGDIENST);
    [(p0, p1), (p0, p2), (p1, p2)]
        .into_iter()
        .map(|(a, b)| ((a, b), pair_key(&first(a, b), &first(b, a))))
        .collect()
}

#[test]
fn message_hashes_after_the_first_are_keyed_with_the_pair_key() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(17);
    let run = run_job(dir.path(), &job, "run");
    let keys = pair_keys(&run);
    let text: Vec<String> = run
        .paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut keyed = 0;
    for c in &run.captured {
        let plain = hex::encode(message_hash(None, &c.payload));
        let mine = &text[c.party.index()];
        if c.seq == 0 {
            assert!(mine.contains(&plain));
        } else {
            let (lo, hi) = if c.party < c.peer {
                (c.party, c.peer)
            } else {
                (c.peer, c.party)
            };
            let key = keys.iter().find(|(pair, _)| *pair == (lo, hi)).unwrap().1;
            assert!(mine.contains(&hex::encode(message_hash(Some(&key), &c.payload))));
            // Nobody without the pair key can test a guess of the payload.
            assert!(text.iter().all(|t| !t.contains(&plain)));
            keyed += 1;
        }
    }
    assert!(keyed > 10);
}

#[test]
fn transcripts_contain_no_input_share_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let job = approved_job(7);
    let run = run_job(dir.path(), &job, "run");
    let mut words: Vec<u64> = PartyId::ALL.iter().flat_map(|&p| input_of(p, 7)).collect();
    words.extend(run.outputs.iter().flatten());
    for c in &run.captured {
        // Every 8-byte word of every message (shares; in `setup`, PRF keys).
        words.extend(
            c.payload
                .chunks_exact(8)
                .map(|w| u64::from_le_bytes(w.try_into().unwrap())),
        );
    }
    let words = significant_words(&words);
    assert!(words.len() > 100);
    // Keys: the set-up messages (PRF keys and contributions), the pair message keys, the
    // node signing keys.
    let mut byte_secrets: Vec<Vec<u8>> = run
        .captured
        .iter()
        .filter(|c| c.seq == 0)
        .map(|c| c.payload.clone())
        .collect();
    byte_secrets.extend(
        run.captured
            .iter()
            .filter(|c| c.seq == 0 && c.payload.len() == 32)
            .map(|c| c.payload[..16].to_vec()),
    );
    byte_secrets.extend(pair_keys(&run).into_iter().map(|(_, k)| k.to_vec()));
    byte_secrets.extend(node_keys().iter().map(|k| k.to_bytes().to_vec()));
    assert!(byte_secrets.len() >= 12 + 3 + 3 + 3);
    let secrets: Vec<&[u8]> = byte_secrets.iter().map(|b| &b[..]).collect();
    for path in &run.paths {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(scan_for_words(&bytes, &words), vec![]);
        assert_eq!(scan_for_bytes(&bytes, &secrets), vec![]);
    }
    // The scan does find a secret when one is there.
    let mut leaky = std::fs::read(&run.paths[0]).unwrap();
    leaky.extend_from_slice(format!("{}\n", words[3]).as_bytes());
    assert!(!scan_for_words(&leaky, &words).is_empty());
    leaky.extend_from_slice(hex::encode(secrets[0]).as_bytes());
    assert!(!scan_for_bytes(&leaky, &secrets).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_reader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let parsed = parse_bytes(&bytes);
        let facts = check_transcript(&parsed, &fed_keys());
        prop_assert!(!facts.intact());
    }

    #[test]
    fn the_reader_never_panics_on_mutated_transcripts(
        seed in any::<u64>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut job = approved_job(8);
        job.job_hash[1] = seed as u8;
        let path = dir.path().join("t");
        let mut w = TranscriptWriter::create(&path, header(&job, PartyId::BELASTINGDIENST), node_keys()[2].clone()).unwrap();
        w.begin_phase("p");
        w.record_reveal("flags", &[PartyId::SVB], seed as usize % 100);
        w.finish(Outcome::Success).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let original = bytes.clone();
        for (at, v) in edits {
            let k = at % bytes.len();
            bytes[k] = v;
        }
        let facts = check_transcript(&parse_bytes(&bytes), &fed_keys());
        prop_assert_eq!(facts.intact(), bytes == original);
    }
}
