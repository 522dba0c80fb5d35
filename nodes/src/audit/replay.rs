//! Dispute replay: re-executing one party's side of a job from its input, its key
//! material and the messages it received, and checking that what it would have sent is
//! what its transcript says it sent.
//!
//! Each party's messages are a deterministic function of its input, its PRF keys and the
//! messages it received (Araki et al. CCS 2016: all randomness of the engine comes from
//! the pairwise and common PRF keys agreed in the context's set-up round). So when two
//! transcripts disagree about a message, the party that kept evidence
//! ([`crate::transcript::evidence`]) can show the auditor that its sent messages follow
//! from its input: an honest party's replay passes; one whose sent messages were altered
//! fails, and the report names the first message that differs (phase, peer, sequence).
//!
//! [`replay`] checks, in order:
//! 1. the evidence is for this job and party (header of the transcript);
//! 2. the evidence's first messages with each peer (the key agreement) hash to the
//!    transcript's sequence-0 records, and every received message in the evidence hashes
//!    (under the pair key) to the transcript's `recv` record with the same peer and
//!    sequence number — so the evidence is what the party received in this job;
//! 3. it derives the party's PRF keys from the key agreement (`k_i` from its first message
//!    to the previous party, `k_{i+1}` from the next party's first message, the common key
//!    as the XOR of the three contributions, exactly as `samen_protocol`'s set-up
//!    combines them), starts a protocol [`Context`] over a replay channel that delivers the
//!    recorded messages, installs those keys, and runs the party's side;
//! 4. every message the replay sends (after the key agreement, whose fresh random bytes
//!    are checked in step 2 instead) must match the transcript's `sent` record of that
//!    peer and sequence number in phase, length and hash, and the replay must send every
//!    message the transcript records and read every message the evidence holds.
//!
//! Scope: everything the engine does (input sharing, arithmetic and boolean layers,
//! conversions, comparisons, reveals) draws only on the agreed keys and replays exactly.
//! Steps that draw private randomness outside those keys — the linkage's blinding scalars
//! and its dummy-row padding today — cannot be replayed until they derive their randomness
//! from the context (see `docs/auditor-guide.md`, disputes).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use samen_protocol::context::Direction;
use samen_protocol::randomness::{CorrelatedRandomness, PartyKeys, PrfKey};
use samen_protocol::{Channel, ChannelError, Context, PartyId, ProtocolError};

use crate::transcript::evidence::{Evidence, EvidenceMessage};
use crate::transcript::format::{message_hash, pair_key, Digest, MessageEntry, Record};
use crate::transcript::reader::ParsedTranscript;

/// At most this many problems are listed.
const MAX_PROBLEMS: usize = 10;

/// The result of a replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayReport {
    /// The party replayed.
    pub party: Option<PartyId>,
    /// Whether every check held.
    pub passed: bool,
    /// Sent messages recomputed and compared with the transcript (key agreement excluded).
    pub compared: u64,
    /// What did not hold, first problem first.
    pub problems: Vec<String>,
    /// Observations that are not problems.
    pub notes: Vec<String>,
}

struct Expected {
    phase: String,
    len: u64,
    hash: Digest,
}

struct State {
    inbox: [VecDeque<Vec<u8>>; 3],
    sent_seq: [u64; 3],
    phase: String,
    expected_sent: BTreeMap<(usize, u64), Expected>,
    pair_keys: [Option<[u8; 32]>; 3],
    compared: u64,
    problems: Vec<String>,
}

impl State {
    fn problem(&mut self, p: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }
}

/// A [`Channel`] that delivers the recorded messages and checks what is sent.
struct ReplayChannel(Arc<Mutex<State>>);

impl ReplayChannel {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Channel for ReplayChannel {
    fn send(&mut self, to: PartyId, message: Vec<u8>) -> Result<(), ChannelError> {
        let mut s = self.state();
        let seq = s.sent_seq[to.index()];
        s.sent_seq[to.index()] += 1;
        if seq == 0 {
            // The key agreement: fresh random bytes, checked against the evidence instead.
            return Ok(());
        }
        let hash = message_hash(s.pair_keys[to.index()].as_ref(), &message);
        let phase = s.phase.clone();
        match s.expected_sent.remove(&(to.index(), seq)) {
            None => s.problem(format!(
                "phase `{phase}`: the replay sends message {seq} to {}, which the transcript does not record",
                to.agency()
            )),
            Some(e) => {
                s.compared += 1;
                if e.phase != phase || e.len != message.len() as u64 || e.hash != hash {
                    let what = if e.phase != phase {
                        format!("the transcript has it in phase `{}`", e.phase)
                    } else if e.len != message.len() as u64 {
                        format!("{} bytes replayed, {} in the transcript", message.len(), e.len)
                    } else {
                        "its contents differ from what the transcript records as sent".to_string()
                    };
                    s.problem(format!("phase `{phase}`: message {seq} to {}: {what}", to.agency()));
                }
            }
        }
        Ok(())
    }

    fn recv(&mut self, from: PartyId) -> Result<Vec<u8>, ChannelError> {
        self.state().inbox[from.index()]
            .pop_front()
            .ok_or(ChannelError::Closed {
                peer: from,
                reason: "the evidence holds no further message from this peer".into(),
            })
    }

    fn begin_phase(&mut self, phase: &str) -> Result<(), ChannelError> {
        self.state().phase = phase.to_string();
        Ok(())
    }
}

fn xor16(parts: [&[u8]; 3]) -> [u8; 16] {
    let mut k = [0u8; 16];
    for p in parts {
        for (a, b) in k.iter_mut().zip(p) {
            *a ^= b;
        }
    }
    k
}

fn key16(b: &[u8]) -> PrfKey {
    let mut k = [0u8; 16];
    k.copy_from_slice(&b[..16]);
    PrfKey::from_bytes(k)
}

/// Replays one party's side of a job (see the [module](self) doc). `party_side` is the
/// party's protocol code for the job, with its input, as the node ran it (without the
/// context set-up, which replay does).
pub fn replay<R>(
    transcript: &ParsedTranscript,
    evidence: &Evidence,
    party_side: impl FnOnce(&mut Context) -> Result<R, ProtocolError>,
) -> ReplayReport {
    let mut report = ReplayReport {
        party: None,
        passed: false,
        compared: 0,
        problems: Vec::new(),
        notes: Vec::new(),
    };
    let Some(Record::Header(header)) = transcript.entries.first().map(|e| &e.record) else {
        report.problems.push("the transcript has no header".into());
        return report;
    };
    let party = header.party;
    report.party = Some(party);
    if evidence.job != header.job || evidence.party != party {
        report
            .problems
            .push("the evidence is not for this transcript's job and party".into());
        return report;
    }
    if transcript.stop.is_some() {
        report.notes.push(
            "the transcript could not be read to its end; only its readable prefix is compared"
                .into(),
        );
    }
    let mut sent: BTreeMap<(usize, u64), &MessageEntry> = BTreeMap::new();
    let mut received: BTreeMap<(usize, u64), &MessageEntry> = BTreeMap::new();
    for e in &transcript.entries {
        if let Record::Message(m) = &e.record {
            let map = if m.direction == Direction::Sent {
                &mut sent
            } else {
                &mut received
            };
            map.insert((m.peer.index(), m.seq), m);
        }
    }

    // 2. The evidence belongs to this transcript.
    let first = |dir: Direction, peer: PartyId| -> Option<&EvidenceMessage> {
        evidence
            .messages
            .iter()
            .find(|m| m.direction == dir && m.peer == peer && m.seq == 0)
    };
    let mut pair_keys: [Option<[u8; 32]>; 3] = [None; 3];
    for peer in [party.next(), party.prev()] {
        let (Some(out), Some(back)) = (
            first(Direction::Sent, peer),
            first(Direction::Received, peer),
        ) else {
            report.problems.push(format!(
                "the evidence lacks the key agreement with {}",
                peer.agency()
            ));
            return report;
        };
        let plain_ok = |m: &EvidenceMessage, map: &BTreeMap<(usize, u64), &MessageEntry>| {
            map.get(&(peer.index(), 0))
                .is_some_and(|t| t.hash == message_hash(None, &m.payload))
        };
        if !plain_ok(out, &sent) || !plain_ok(back, &received) {
            report.problems.push(format!(
                "the evidence's key agreement with {} does not match the transcript",
                peer.agency()
            ));
            return report;
        }
        pair_keys[peer.index()] = Some(if party.index() < peer.index() {
            pair_key(&out.payload, &back.payload)
        } else {
            pair_key(&back.payload, &out.payload)
        });
    }
    let mut inbox: [VecDeque<Vec<u8>>; 3] = Default::default();
    for peer in [party.next(), party.prev()] {
        let mut msgs: Vec<&EvidenceMessage> = evidence
            .messages
            .iter()
            .filter(|m| m.direction == Direction::Received && m.peer == peer)
            .collect();
        msgs.sort_by_key(|m| m.seq);
        let recorded = received.keys().filter(|(p, _)| *p == peer.index()).count();
        if msgs.len() != recorded || msgs.iter().enumerate().any(|(k, m)| m.seq != k as u64) {
            report.problems.push(format!(
                "the evidence holds {} messages from {}, the transcript records {} received",
                msgs.len(),
                peer.agency(),
                recorded
            ));
            return report;
        }
        for m in msgs {
            let key = if m.seq == 0 {
                None
            } else {
                pair_keys[peer.index()].as_ref()
            };
            let t = received.get(&(peer.index(), m.seq));
            let matches = t.is_some_and(|t| {
                t.hash == message_hash(key, &m.payload) && t.len == m.payload.len() as u64
            });
            if !matches {
                report.problems.push(format!(
                    "the evidence's message {} from {} does not match the transcript: it is not what was received",
                    m.seq,
                    peer.agency()
                ));
                return report;
            }
            inbox[peer.index()].push_back(m.payload.clone());
        }
    }

    // 3. The party's keys, from the key agreement (samen_protocol::Context::start: party i
    // sends k_i ‖ c_i to the previous party and c_i to the next; the common key is the XOR
    // of the three contributions).
    let (next, prev) = (party.next(), party.prev());
    let payload = |dir: Direction, peer: PartyId| first(dir, peer).map(|m| &m.payload[..]);
    let parts = (
        payload(Direction::Sent, prev),
        payload(Direction::Sent, next),
        payload(Direction::Received, next),
        payload(Direction::Received, prev),
    );
    let (Some(to_prev), Some(to_next), Some(from_next), Some(from_prev)) = parts else {
        report
            .problems
            .push("the evidence lacks part of the key agreement".into());
        return report;
    };
    if to_prev.len() != 32
        || to_next.len() != 16
        || from_next.len() != 32
        || from_prev.len() != 16
        || to_prev[16..] != to_next[..]
    {
        report.problems.push(
            "the key agreement in the evidence does not have the set-up round's shape".into(),
        );
        return report;
    }
    let keys = PartyKeys {
        with_prev: key16(&to_prev[..16]),
        with_next: key16(&from_next[..16]),
        common: PrfKey::from_bytes(xor16([&to_prev[16..], &from_next[16..], from_prev])),
    };

    // 4. Re-execute and compare.
    let expected_sent = sent
        .iter()
        .filter(|((_, seq), _)| *seq > 0)
        .map(|(k, m)| {
            (
                *k,
                Expected {
                    phase: m.phase.clone(),
                    len: m.len,
                    hash: m.hash,
                },
            )
        })
        .collect();
    let state = Arc::new(Mutex::new(State {
        inbox,
        sent_seq: [0; 3],
        phase: String::new(),
        expected_sent,
        pair_keys,
        compared: 0,
        problems: Vec::new(),
    }));
    let outcome = Context::start(
        party,
        header.mode,
        Box::new(ReplayChannel(state.clone())),
        None,
    )
    .and_then(|mut ctx| {
        *ctx.randomness() = CorrelatedRandomness::from_keys(party, &keys);
        party_side(&mut ctx).map(|_| ())
    });
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    report.compared = s.compared;
    report.problems.append(&mut s.problems);
    if let Some(((peer, seq), e)) = s.expected_sent.iter().next() {
        let n = s.expected_sent.len();
        let peer = PartyId::ALL[*peer];
        report.problems.push(format!(
            "the replay did not send {n} message(s) the transcript records as sent (first: message {seq} to {} in phase `{}`)",
            peer.agency(),
            e.phase
        ));
    }
    let unread: usize = s.inbox.iter().map(VecDeque::len).sum();
    if unread > 0 {
        report.problems.push(format!(
            "the replay did not read {unread} received message(s) of the evidence"
        ));
    }
    if let Err(e) = outcome {
        if report.problems.is_empty() {
            report.notes.push(format!(
                "the replayed party stopped as the original did: {e}"
            ));
        } else {
            report.problems.push(format!("the replay stopped: {e}"));
        }
    }
    report.passed = report.problems.is_empty();
    report
}
