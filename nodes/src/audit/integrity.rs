//! Checks of one transcript on its own: readable, in order, well-formed, chained, signed.
//!
//! Given the parsed prefix of a transcript ([`ParsedTranscript`]) and the federation's
//! signing keys, [`check_transcript`] walks the records once and
//! - names the first unreadable line, if any (edited, or cut off by a crash);
//! - checks that record 1 is the header, the input commitment (if any) is record 2, every
//!   phase is preceded by a checkpoint, messages and reveals name the current phase,
//!   a message's peer is another party, sequence numbers per (peer, direction) run from 0
//!   without gaps, and the outcome is followed only by the final checkpoint;
//! - checks every checkpoint: `covers` is its position − 1, `head` is the recomputed chain
//!   value, and the signature verifies (`verify_strict`) with the federation's key of the
//!   party named in the header;
//! - reports a transcript that does not end with outcome and final checkpoint as
//!   truncated "after record N, last signed checkpoint M".
//!
//! It collects what the cross-party checks need: messages, reveals, per-phase traffic.
//! Cost: one pass, one signature verification per checkpoint (one per phase).

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, VerifyingKey};
use samen_protocol::context::Direction;
use samen_protocol::PartyId;

use super::report::{Failure, FailureKind, PhaseTraffic};
use crate::transcript::format::{
    checkpoint_message, Header, LearnedEntry, MessageEntry, Outcome, Record, RevealEntry,
};
use crate::transcript::reader::{ParsedTranscript, ReadStop, StopReason};

/// At most this many failures of one kind are listed per transcript (the rest counted).
pub const MAX_LISTED_PER_KIND: usize = 8;

/// A message as the cross-party checks see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageFact {
    /// Record position.
    pub record: u64,
    /// The message.
    pub entry: MessageEntry,
}

/// One phase as one party recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhaseFact {
    /// Name.
    pub name: String,
    /// Start time (ms since the epoch).
    pub start_ms: u64,
    /// Traffic.
    pub traffic: PhaseTraffic,
}

/// What one transcript says, after its own checks.
#[derive(Clone, Debug, Default)]
pub struct TranscriptFacts {
    /// The header, if record 1 is one.
    pub header: Option<Header>,
    /// Records read.
    pub records: u64,
    /// Position of the last checkpoint that verified.
    pub last_valid_checkpoint: Option<u64>,
    /// Ends with outcome and final checkpoint.
    pub complete: bool,
    /// The outcome, if recorded.
    pub outcome: Option<Outcome>,
    /// The input commitment, if recorded.
    pub input_commitment: Option<[u8; 32]>,
    /// Messages in record order.
    pub messages: Vec<MessageFact>,
    /// Reveals in record order, with positions.
    pub reveals: Vec<(u64, RevealEntry)>,
    /// Numbers learned as protocol leakage, with positions.
    pub learned: Vec<(u64, LearnedEntry)>,
    /// Phases in order.
    pub phases: Vec<PhaseFact>,
    /// Failures found in this transcript.
    pub failures: Vec<Failure>,
}

impl TranscriptFacts {
    /// The party named in the header.
    pub fn party(&self) -> Option<PartyId> {
        self.header.as_ref().map(|h| h.party)
    }

    /// Whether no failure was found.
    pub fn intact(&self) -> bool {
        self.failures.is_empty()
    }
}

struct Collector {
    party: Option<PartyId>,
    failures: Vec<Failure>,
    counts: std::collections::BTreeMap<FailureKind, usize>,
}

impl Collector {
    fn fail(&mut self, kind: FailureKind, record: Option<u64>, message: String) {
        let n = self.counts.entry(kind).or_insert(0);
        *n += 1;
        if *n <= MAX_LISTED_PER_KIND {
            self.failures.push(Failure {
                kind,
                party: self.party,
                record,
                message,
            });
        }
    }

    fn finish(mut self) -> Vec<Failure> {
        for (kind, n) in self.counts {
            if n > MAX_LISTED_PER_KIND {
                self.failures.push(Failure {
                    kind,
                    party: self.party,
                    record: None,
                    message: format!(
                        "… and {} more failures of this kind",
                        n - MAX_LISTED_PER_KIND
                    ),
                });
            }
        }
        self.failures
    }
}

/// Checks one transcript against the federation's node `keys` (indexed by party).
pub fn check_transcript(parsed: &ParsedTranscript, keys: &[VerifyingKey; 3]) -> TranscriptFacts {
    let mut facts = TranscriptFacts {
        records: parsed.entries.len() as u64,
        ..TranscriptFacts::default()
    };
    let header = match parsed.entries.first().map(|e| &e.record) {
        Some(Record::Header(h)) => Some(h.clone()),
        _ => None,
    };
    let mut c = Collector {
        party: header.as_ref().map(|h| h.party),
        failures: Vec::new(),
        counts: Default::default(),
    };
    let Some(header) = header else {
        match (&parsed.stop, parsed.entries.is_empty()) {
            (None, true)
            | (
                Some(ReadStop {
                    reason: StopReason::PartialLine,
                    ..
                }),
                true,
            ) => c.fail(
                FailureKind::Truncated,
                None,
                "truncated after record 0, last signed checkpoint none".into(),
            ),
            (Some(stop), true) => c.fail(
                stop_kind(&stop.reason),
                Some(1),
                format!("line 1: {}; nothing could be checked", stop.reason),
            ),
            _ => c.fail(
                FailureKind::Structure,
                Some(1),
                "record 1 is not a header".into(),
            ),
        }
        facts.failures = c.finish();
        return facts;
    };
    let party = header.party;
    let key = &keys[party.index()];
    let mut phase: Option<String> = None;
    let mut next_seq = [[0u64; 2]; 3];
    let mut after_outcome = false;
    let mut finished = false;
    for (k, entry) in parsed.entries.iter().enumerate() {
        let at = Some(entry.index);
        if finished {
            c.fail(
                FailureKind::Structure,
                at,
                "record after the final checkpoint".into(),
            );
            break;
        }
        if after_outcome && !matches!(entry.record, Record::Checkpoint(_)) {
            c.fail(
                FailureKind::Structure,
                at,
                format!("{} record after the outcome", entry.record.type_name()),
            );
        }
        match &entry.record {
            Record::Header(_) if k == 0 => {}
            Record::Header(_) => c.fail(FailureKind::Structure, at, "a second header".into()),
            Record::Input { commitment } => {
                if k != 1 {
                    c.fail(
                        FailureKind::Structure,
                        at,
                        "the input commitment is not record 2".into(),
                    );
                } else {
                    facts.input_commitment = Some(*commitment);
                }
            }
            Record::Phase { name, time_ms } => {
                if !matches!(
                    parsed.entries.get(k.wrapping_sub(1)).map(|e| &e.record),
                    Some(Record::Checkpoint(_))
                ) {
                    c.fail(
                        FailureKind::Structure,
                        at,
                        format!("phase `{name}` begins without a signed checkpoint before it"),
                    );
                }
                if let Some(last) = facts.phases.last_mut() {
                    last.traffic.duration_ms = Some(time_ms.saturating_sub(last.start_ms));
                }
                facts.phases.push(PhaseFact {
                    name: name.clone(),
                    start_ms: *time_ms,
                    traffic: PhaseTraffic::default(),
                });
                phase = Some(name.clone());
            }
            Record::Message(m) => {
                if phase.as_deref() != Some(m.phase.as_str()) {
                    c.fail(
                        FailureKind::Structure,
                        at,
                        format!(
                            "message names phase `{}`, which is not the current phase",
                            m.phase
                        ),
                    );
                }
                if m.peer == party {
                    c.fail(
                        FailureKind::Structure,
                        at,
                        "message to or from the party itself".into(),
                    );
                }
                let d = usize::from(m.direction == Direction::Received);
                let expected = &mut next_seq[m.peer.index()][d];
                if m.seq != *expected {
                    c.fail(
                        FailureKind::Sequence,
                        at,
                        format!(
                            "message {} {} has sequence number {}, expected {} (messages missing or repeated)",
                            if d == 0 { "to" } else { "from" },
                            m.peer.agency(),
                            m.seq,
                            expected
                        ),
                    );
                }
                *expected = m.seq.saturating_add(1);
                if let Some(p) = facts.phases.last_mut() {
                    if d == 0 {
                        p.traffic.bytes_sent = p.traffic.bytes_sent.saturating_add(m.len);
                        p.traffic.messages_sent += 1;
                    } else {
                        p.traffic.bytes_received = p.traffic.bytes_received.saturating_add(m.len);
                        p.traffic.messages_received += 1;
                    }
                }
                facts.messages.push(MessageFact {
                    record: entry.index,
                    entry: m.clone(),
                });
            }
            Record::Reveal(r) => {
                if phase.as_deref() != Some(r.phase.as_str()) {
                    c.fail(
                        FailureKind::Structure,
                        at,
                        format!(
                            "reveal names phase `{}`, which is not the current phase",
                            r.phase
                        ),
                    );
                }
                facts.reveals.push((entry.index, r.clone()));
            }
            Record::Learned(l) => {
                if phase.as_deref() != Some(l.phase.as_str()) {
                    c.fail(
                        FailureKind::Structure,
                        at,
                        format!(
                            "learned value names phase `{}`, which is not the current phase",
                            l.phase
                        ),
                    );
                }
                facts.learned.push((entry.index, l.clone()));
            }
            Record::Outcome { outcome, time_ms } => {
                if after_outcome {
                    c.fail(FailureKind::Structure, at, "a second outcome".into());
                }
                after_outcome = true;
                facts.outcome = Some(outcome.clone());
                if let Some(last) = facts.phases.last_mut() {
                    last.traffic.duration_ms = Some(time_ms.saturating_sub(last.start_ms));
                }
            }
            Record::Checkpoint(cp) => {
                let expected_head = if k == 0 {
                    None
                } else {
                    Some(parsed.entries[k - 1].chain)
                };
                let mut ok = true;
                if cp.covers != entry.index - 1 {
                    ok = false;
                    c.fail(
                        FailureKind::ChainMismatch,
                        at,
                        format!(
                            "checkpoint claims to cover {} records but is record {}",
                            cp.covers, entry.index
                        ),
                    );
                } else if Some(cp.head) != expected_head {
                    ok = false;
                    c.fail(
                        FailureKind::ChainMismatch,
                        at,
                        format!(
                            "the records before this checkpoint (after {}) do not hash to the head it signed: records were altered",
                            match facts.last_valid_checkpoint {
                                Some(m) => format!("checkpoint {m}"),
                                None => "the start".to_string(),
                            }
                        ),
                    );
                }
                let message = checkpoint_message(&header.job, party, &cp.head, cp.covers);
                if key
                    .verify_strict(&message, &Signature::from_bytes(&cp.signature))
                    .is_err()
                {
                    ok = false;
                    c.fail(
                        FailureKind::BadSignature,
                        at,
                        format!("the checkpoint signature does not verify with {}'s node key from the federation", party.agency()),
                    );
                }
                if ok {
                    facts.last_valid_checkpoint = Some(entry.index);
                }
                if after_outcome {
                    finished = true;
                }
            }
        }
    }
    facts.complete = finished;
    let cut_off = match &parsed.stop {
        None => true,
        Some(stop) => {
            let kind = stop_kind(&stop.reason);
            if kind != FailureKind::Truncated {
                c.fail(
                    kind,
                    Some(stop.line),
                    format!(
                        "line {}: {}; the lines after it were not checked",
                        stop.line, stop.reason
                    ),
                );
            }
            kind == FailureKind::Truncated
        }
    };
    if !finished && cut_off {
        let last = parsed.entries.last().map(|e| e.index).unwrap_or(0);
        c.fail(
            FailureKind::Truncated,
            None,
            format!(
                "truncated after record {last}, last signed checkpoint {}",
                facts
                    .last_valid_checkpoint
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "none".into())
            ),
        );
    }
    facts.header = Some(header);
    facts.failures = c.finish();
    facts
}

/// The failure kind of the reason a reader stopped.
fn stop_kind(reason: &StopReason) -> FailureKind {
    match reason {
        StopReason::Position { .. } => FailureKind::RecordOrder,
        StopReason::PartialLine => FailureKind::Truncated,
        _ => FailureKind::Unreadable,
    }
}

/// Failures found by the cross-party checks, capped per kind and party.
#[derive(Default)]
pub(super) struct Failures {
    list: Vec<Failure>,
    counts: BTreeMap<(FailureKind, Option<PartyId>), usize>,
}

impl Failures {
    pub(super) fn push(
        &mut self,
        kind: FailureKind,
        party: Option<PartyId>,
        record: Option<u64>,
        message: String,
    ) {
        let n = self.counts.entry((kind, party)).or_insert(0);
        *n += 1;
        if *n <= MAX_LISTED_PER_KIND {
            self.list.push(Failure {
                kind,
                party,
                record,
                message,
            });
        }
    }

    pub(super) fn finish(mut self) -> Vec<Failure> {
        for ((kind, party), n) in self.counts {
            if n > MAX_LISTED_PER_KIND {
                let message = format!(
                    "… and {} more failures of this kind",
                    n - MAX_LISTED_PER_KIND
                );
                self.list.push(Failure {
                    kind,
                    party,
                    record: None,
                    message,
                });
            }
        }
        self.list
    }
}
