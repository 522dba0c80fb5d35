//! Dispute replay: re-executing one party's side of a job from its input, its seed and
//! the messages it received, and checking that what it would have sent is what its
//! transcript says it sent.
//!
//! Each party's messages are a deterministic function of its input, its party seed and the
//! messages it received: the engine's randomness comes from the PRF keys agreed in the
//! context's set-up round (Araki et al. CCS 2016), and the party's share of those keys, its
//! private stream and the linkage's blinding exponent, dummy rows and private order all
//! derive from the seed (`samen_protocol::randomness`). So when two transcripts disagree
//! about a message, the party that kept evidence ([`crate::transcript::evidence`]) can show
//! the auditor that its sent messages follow from its input: an honest party's replay
//! passes; one whose sent messages were altered fails, and the report names the first
//! message that differs (phase, peer, sequence).
//!
//! [`replay`] checks, in order:
//! 1. the evidence is for this job and party (header of the transcript);
//! 2. the input the replay runs on opens the transcript's input commitment (the caller
//!    recomputes it from the input and the party's salt), and the evidence's seed opens
//!    the header's seed commitment ([`commit_seed`]) — a mismatch is named, and the replay
//!    still runs so that the report also shows where the messages part;
//! 3. the evidence's first messages with each peer (the key agreement) hash to the
//!    transcript's sequence-0 records, and every received message in the evidence hashes
//!    (under the pair key) to the transcript's `recv` record with the same peer and
//!    sequence number — so the evidence is what the party received in this job; the first
//!    one that does not is named (phase, peer, sequence);
//! 4. it starts a protocol [`Context`] with the party's seed over a replay channel that
//!    delivers the recorded messages, and runs the party's side;
//! 5. every message the replay sends, the key agreement included, must match the
//!    transcript's `sent` record of that peer and sequence number in phase, length and
//!    hash, and the replay must send every message the transcript records and read every
//!    message the evidence holds.
//!
//! Scope: every step of a job — input sharing, the linkage, the circuit, conversions,
//! comparisons, reveals — draws only on the seed and the agreed keys and replays exactly,
//! in the aligned and the linked mode.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use samen_protocol::context::Direction;
use samen_protocol::{Channel, ChannelError, Context, PartyId, ProtocolError};

use crate::transcript::evidence::{Evidence, EvidenceMessage};
use crate::transcript::format::{
    commit_seed, message_hash, pair_key, Digest, MessageEntry, Record,
};
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
    /// Sent messages recomputed and compared with the transcript (key agreement included).
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
        // The key agreement (seq 0) is hashed plainly, everything later under the pair key.
        let key = if seq == 0 {
            None
        } else {
            s.pair_keys[to.index()]
        };
        let hash = message_hash(key.as_ref(), &message);
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
                    if seq == 0 {
                        s.problem("the replayed key agreement differs: the seed is not the one this party used".into());
                    }
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

/// Replays one party's side of a job (see the [module](self) doc). `input_commitment` is
/// the commitment recomputed from the input the replay runs on and the party's salt
/// (`None`: not checked, e.g. without the salt). `party_side` is the party's protocol code
/// for the job, with that input, as the node ran it (without the context set-up, which
/// replay does with the evidence's seed); its error type is any a [`ProtocolError`]
/// converts into (such as `samen_protocol::job::JobRunError`), shown in the report.
pub fn replay<R, E>(
    transcript: &ParsedTranscript,
    evidence: &Evidence,
    input_commitment: Option<&Digest>,
    party_side: impl FnOnce(&mut Context) -> Result<R, E>,
) -> ReplayReport
where
    E: From<ProtocolError> + std::fmt::Display,
{
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
    // 2. The input and the seed are the ones committed to.
    if let Some(c) = input_commitment {
        let recorded = transcript.entries.iter().find_map(|e| match &e.record {
            Record::Input { commitment } => Some(commitment),
            _ => None,
        });
        match recorded {
            None => report.problems.push(
                "the transcript has no input commitment to check the replayed input against"
                    .into(),
            ),
            Some(r) if r != c => report.problems.push(
                "input commitment: the input given to the replay does not open the transcript's input commitment (it is not the input the party committed to)".into(),
            ),
            Some(_) => {}
        }
    }
    if commit_seed(&header.job, party, &evidence.seed) != header.seed {
        report.problems.push(
            "seed commitment: the evidence's seed does not open the seed commitment in the transcript header (it is not the seed the party committed to)".into(),
        );
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

    // 3. The evidence belongs to this transcript.
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
                    "phase `{}`: the evidence's message {} from {} does not match the transcript: it is not what was received",
                    m.phase,
                    m.seq,
                    peer.agency()
                ));
                return report;
            }
            inbox[peer.index()].push_back(m.payload.clone());
        }
    }

    // 4.–5. Re-execute from the seed and compare.
    let expected_sent = sent
        .iter()
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
        evidence.seed.clone(),
    )
    .map_err(E::from)
    .and_then(|mut ctx| party_side(&mut ctx).map(|_| ()));
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
