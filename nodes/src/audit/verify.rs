//! The audit itself: three transcripts against the approved job and against each other.
//!
//! [`verify`] runs the per-transcript checks ([`super::integrity`]) and then the checks
//! that need more than one transcript: one transcript per party; every header names the
//! approved job, circuit, rules and federation; messages pair up (sender's `sent` record
//! equals receiver's `recv` record in phase, sequence number, length and hash, and nothing
//! is received that was not sent); the three parties recorded the same reveals; the
//! reveals match the output policy. Messages and reveals are compared only between
//! transcripts that passed their own checks (a failed transcript is already a failed
//! audit, and comparing an altered one would only add noise).
//!
//! A job that aborted can still pass: the transcripts are then consistent records of an
//! aborted job, and messages a party sent that its peer never read because the peer had
//! already aborted are listed as notes, not failures. The report says how the job ended.
//!
//! Cost: linear in the transcripts' size, one signature check per checkpoint.

use std::path::Path;

use samen_protocol::context::Direction;
use samen_protocol::PartyId;

pub use super::disclosure::names;
use super::disclosure::{check_learned, check_policy, check_reveals_agree, summarise_job};
use super::integrity::{check_transcript, Failures, MessageFact, TranscriptFacts};
use super::report::{
    ApprovedJob, AuditReport, Failure, FailureKind, PartySummary, PhaseRow, Verdict,
};
use crate::transcript::format::{Outcome, RevealEntry};
use crate::transcript::reader::{read_file, ParsedTranscript};
use crate::transcript::TranscriptError;

/// A transcript to audit, with the name it is reported under (usually its file path).
#[derive(Clone, Debug)]
pub struct LabelledTranscript {
    /// File name or other label.
    pub label: String,
    /// The parsed transcript.
    pub parsed: ParsedTranscript,
}

/// Reads the transcript files and audits them (see [`verify`]). Fails only if a file
/// cannot be opened; everything wrong inside a file is a named failure in the report.
pub fn verify_files<P: AsRef<Path>>(
    job: &ApprovedJob,
    paths: &[P],
) -> Result<AuditReport, TranscriptError> {
    let mut transcripts = Vec::with_capacity(paths.len());
    for p in paths {
        let parsed = read_file(p)?;
        transcripts.push(LabelledTranscript {
            label: p.as_ref().display().to_string(),
            parsed,
        });
    }
    Ok(verify(job, &transcripts))
}

/// Audits `transcripts` (in any order, one per party) against `job`.
pub fn verify(job: &ApprovedJob, transcripts: &[LabelledTranscript]) -> AuditReport {
    let facts: Vec<TranscriptFacts> = transcripts
        .iter()
        .map(|t| check_transcript(&t.parsed, &job.signing_keys))
        .collect();
    // A transcript whose header is unreadable belongs to no party: name its file instead.
    let mut failures: Vec<Failure> = facts
        .iter()
        .zip(transcripts)
        .flat_map(|(f, t)| {
            f.failures.iter().cloned().map(move |mut x| {
                if x.party.is_none() {
                    x.message = format!("{}: {}", t.label, x.message);
                }
                x
            })
        })
        .collect();
    let mut cross = Failures::default();
    let mut notes = Vec::new();

    // One transcript per party.
    let mut by_party: [Option<usize>; 3] = [None; 3];
    for (k, f) in facts.iter().enumerate() {
        let Some(p) = f.party() else {
            cross.push(
                FailureKind::MissingTranscript,
                None,
                None,
                format!(
                    "{}: no header, so it is no party's transcript",
                    transcripts[k].label
                ),
            );
            continue;
        };
        match by_party[p.index()] {
            Some(other) => cross.push(
                FailureKind::MissingTranscript,
                Some(p),
                None,
                format!(
                    "both {} and {} claim to be {}'s transcript",
                    transcripts[other].label,
                    transcripts[k].label,
                    p.agency()
                ),
            ),
            None => by_party[p.index()] = Some(k),
        }
    }
    for p in PartyId::ALL {
        if by_party[p.index()].is_none() {
            cross.push(
                FailureKind::MissingTranscript,
                Some(p),
                None,
                format!("no transcript of {} was given", p.agency()),
            );
        }
    }

    // The approvals, when the audit was given them.
    if let Some(approvals) = &job.approvals {
        for p in PartyId::ALL {
            let mine: Vec<_> = approvals.iter().filter(|a| a.party == p).collect();
            if mine.is_empty() {
                cross.push(
                    FailureKind::Approval,
                    Some(p),
                    None,
                    format!(
                        "the job has no approval from {}'s privacy officer",
                        p.agency()
                    ),
                );
            }
            for a in mine.iter().filter(|a| !a.valid) {
                cross.push(
                    FailureKind::Approval,
                    Some(p),
                    None,
                    format!("{}'s approval does not hold: {}", p.agency(), a.detail),
                );
            }
        }
    }

    // The approved job.
    for f in &facts {
        let (Some(h), Some(p)) = (&f.header, f.party()) else {
            continue;
        };
        let checks = [
            (FailureKind::WrongJob, "job", h.job, job.job_hash),
            (
                FailureKind::WrongCircuit,
                "circuit",
                h.circuit,
                job.circuit_hash,
            ),
            (FailureKind::WrongRules, "rules", h.rules, job.rules_hash),
            (
                FailureKind::WrongFederation,
                "federation",
                h.federation,
                job.federation_fingerprint,
            ),
        ];
        for (kind, what, got, want) in checks {
            if got != want {
                cross.push(
                    kind,
                    Some(p),
                    Some(1),
                    format!(
                        "the header names {what} {} but the approved job has {}",
                        short(&got),
                        short(&want)
                    ),
                );
            }
        }
        if f.outcome == Some(Outcome::Success) && f.input_commitment.is_none() {
            cross.push(
                FailureKind::MissingInputCommitment,
                Some(p),
                None,
                "a successful job without an input commitment".into(),
            );
        }
    }

    // Messages pair up between intact transcripts.
    let intact = |p: PartyId| {
        by_party[p.index()]
            .map(|k| &facts[k])
            .filter(|f| f.intact())
    };
    for a in PartyId::ALL {
        for b in [a.next(), a.prev()] {
            match (intact(a), intact(b)) {
                (Some(fa), Some(fb)) => check_pair(a, fa, b, fb, &mut cross, &mut notes),
                _ => {
                    if a.index() < b.index()
                        && by_party[a.index()].is_some()
                        && by_party[b.index()].is_some()
                    {
                        notes.push(format!(
                            "messages between {} and {} were not compared: a transcript failed its own checks",
                            a.agency(),
                            b.agency()
                        ));
                    }
                }
            }
        }
    }

    // Reveals: the same at every intact party, and within the policy.
    let intact_parties: Vec<(PartyId, &TranscriptFacts)> = PartyId::ALL
        .iter()
        .filter_map(|&p| intact(p).map(|f| (p, f)))
        .collect();
    let reference = intact_parties
        .iter()
        .map(|(_, f)| f)
        .max_by_key(|f| f.reveals.len())
        .copied()
        .or_else(|| facts.iter().max_by_key(|f| f.reveals.len()));
    let reference_reveals: Vec<RevealEntry> = reference
        .map(|f| f.reveals.iter().map(|(_, r)| r.clone()).collect())
        .unwrap_or_default();
    for (p, f) in &intact_parties {
        check_reveals_agree(*p, f, &reference_reveals, &mut cross);
    }
    let all_succeeded = PartyId::ALL
        .iter()
        .all(|p| by_party[p.index()].is_some_and(|k| facts[k].outcome == Some(Outcome::Success)));
    let disclosure = check_policy(job, &reference_reveals, all_succeeded, &mut cross);
    let learned = check_learned(&intact_parties, &mut cross);

    failures.extend(cross.finish());
    let summaries = transcripts
        .iter()
        .zip(&facts)
        .filter_map(|(t, f)| {
            Some(PartySummary {
                party: f.party()?,
                label: t.label.clone(),
                records: f.records,
                last_valid_checkpoint: f.last_valid_checkpoint,
                complete: f.complete,
                outcome: f.outcome.clone(),
                input_commitment: f.input_commitment,
                intact: f.intact(),
            })
        })
        .collect();
    AuditReport {
        verdict: if failures.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        job: summarise_job(job),
        job_outcome: job_outcome(&by_party, &facts),
        failures,
        notes,
        transcripts: summaries,
        disclosure,
        learned,
        timeline: timeline(&by_party, &facts),
    }
}

fn short(d: &[u8; 32]) -> String {
    hex::encode(&d[..8])
}

fn filtered(f: &TranscriptFacts, dir: Direction, peer: PartyId) -> Vec<&MessageFact> {
    f.messages
        .iter()
        .filter(|m| m.entry.direction == dir && m.entry.peer == peer)
        .collect()
}

fn check_pair(
    a: PartyId,
    fa: &TranscriptFacts,
    b: PartyId,
    fb: &TranscriptFacts,
    out: &mut Failures,
    notes: &mut Vec<String>,
) {
    let sent = filtered(fa, Direction::Sent, b);
    let received = filtered(fb, Direction::Received, a);
    for (s, r) in sent.iter().zip(&received) {
        let (s, r) = (&s.entry, &r.entry);
        if s.seq != r.seq || s.phase != r.phase || s.len != r.len || s.hash != r.hash {
            let what = if s.seq != r.seq {
                format!("sequence {} vs {}", s.seq, r.seq)
            } else if s.phase != r.phase {
                format!("phase `{}` vs `{}`", s.phase, r.phase)
            } else if s.len != r.len {
                format!("{} vs {} bytes", s.len, r.len)
            } else {
                "different hashes: the message was altered between them".to_string()
            };
            out.push(
                FailureKind::MessageMismatch,
                Some(b),
                None,
                format!(
                    "message {} from {} to {} (phase `{}`): sender and receiver disagree: {what}",
                    s.seq,
                    a.agency(),
                    b.agency(),
                    s.phase
                ),
            );
        }
    }
    if received.len() > sent.len() {
        for r in &received[sent.len()..] {
            out.push(
                FailureKind::ReceivedNotSent,
                Some(b),
                Some(r.record),
                format!(
                    "{} recorded receiving message {} from {} (phase `{}`) that {} did not record sending",
                    b.agency(),
                    r.entry.seq,
                    a.agency(),
                    r.entry.phase,
                    a.agency()
                ),
            );
        }
    }
    if sent.len() > received.len() {
        let missing = &sent[received.len()..];
        if fb.outcome == Some(Outcome::Success) {
            for s in missing {
                out.push(
                    FailureKind::SentNotReceived,
                    Some(a),
                    Some(s.record),
                    format!(
                        "{} recorded sending message {} to {} (phase `{}`, {} bytes) that {} did not record receiving",
                        a.agency(),
                        s.entry.seq,
                        b.agency(),
                        s.entry.phase,
                        s.entry.len,
                        b.agency()
                    ),
                );
            }
        } else {
            notes.push(format!(
                "{} message(s) from {} to {} were not received because {} stopped first (aborted)",
                missing.len(),
                a.agency(),
                b.agency(),
                b.agency()
            ));
        }
    }
}

fn job_outcome(by_party: &[Option<usize>; 3], facts: &[TranscriptFacts]) -> String {
    let mut parts = Vec::new();
    let mut all_success = true;
    for p in PartyId::ALL {
        match by_party[p.index()].map(|k| &facts[k].outcome) {
            Some(Some(Outcome::Success)) => {}
            Some(Some(Outcome::Abort { reason })) => {
                all_success = false;
                parts.push(format!("{} aborted ({reason})", p.agency()));
            }
            Some(None) => {
                all_success = false;
                parts.push(format!("{} recorded no outcome", p.agency()));
            }
            None => {
                all_success = false;
                parts.push(format!("no transcript of {}", p.agency()));
            }
        }
    }
    if all_success {
        "the job completed successfully at all three parties".into()
    } else {
        format!("the job did not complete: {}", parts.join("; "))
    }
}

fn timeline(by_party: &[Option<usize>; 3], facts: &[TranscriptFacts]) -> Vec<PhaseRow> {
    // Phase names in the order of first appearance, taking parties in index order.
    let mut order: Vec<String> = Vec::new();
    for k in by_party.iter().flatten() {
        for ph in &facts[*k].phases {
            if !order.contains(&ph.name) {
                order.push(ph.name.clone());
            }
        }
    }
    order
        .into_iter()
        .map(|name| {
            let mut parties: [Option<super::report::PhaseTraffic>; 3] = Default::default();
            for p in PartyId::ALL {
                if let Some(k) = by_party[p.index()] {
                    // A phase name may occur more than once: add its traffic up.
                    for ph in facts[k].phases.iter().filter(|ph| ph.name == name) {
                        let t = parties[p.index()].get_or_insert_with(Default::default);
                        t.bytes_sent += ph.traffic.bytes_sent;
                        t.bytes_received += ph.traffic.bytes_received;
                        t.messages_sent += ph.traffic.messages_sent;
                        t.messages_received += ph.traffic.messages_received;
                        t.duration_ms = match (t.duration_ms, ph.traffic.duration_ms) {
                            (Some(a), Some(b)) => Some(a + b),
                            (a, b) => a.or(b),
                        };
                    }
                }
            }
            PhaseRow {
                phase: name,
                parties,
            }
        })
        .collect()
}
