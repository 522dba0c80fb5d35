//! The per-party protocol context: the one choke point every message passes through.
//!
//! A [`Context`] bundles what a party needs to run protocol steps: its [`PartyId`], its
//! [`Channel`] to the two peers, its [`CorrelatedRandomness`], the [`SecurityMode`] of the
//! job, and communication counters. Protocol functions never touch the channel directly:
//! they call [`Context::exchange`] (words) or [`Context::exchange_bytes`], which is one
//! communication round. That single path is where byte and round counters are kept, where
//! a transcript observer sees every message ([`MessageObserver`]), and where the
//! malicious-mode checks hook in.
//!
//! A round: every party sends what it has for this step to its peers, then receives what
//! the step says it receives. All three parties call `exchange` for every step, so their
//! round counters agree, even when a party only receives (a reveal to it) or only sends.

use std::collections::BTreeMap;

use crate::channel::Channel;
use crate::randomness::{
    combine_common, sample_contribution, CorrelatedRandomness, PartyKeys, PartySeed, PrfKey,
};
use crate::wire::{decode_words, encode_words};
use crate::{PartyId, ProtocolError};

/// Semi-honest or malicious-with-abort: chosen where the job starts, one protocol code
/// path for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SecurityMode {
    /// Parties follow the protocol; privacy against one curious party.
    #[default]
    SemiHonest,
    /// Malicious security with abort: a later stage. Nothing in this version checks a
    /// deviating party; the node refuses jobs that ask for this mode.
    Malicious,
}

/// Communication counters of one party (for a phase or the whole job).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommStats {
    /// Bytes sent to each party, indexed by [`PartyId::index`].
    pub bytes_sent: [u64; 3],
    /// Bytes received from each party.
    pub bytes_received: [u64; 3],
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages received.
    pub messages_received: u64,
    /// Communication rounds (calls of [`Context::exchange`] and friends).
    pub rounds: u64,
}

impl CommStats {
    /// Total bytes sent to both peers.
    pub fn total_sent(&self) -> u64 {
        self.bytes_sent.iter().sum()
    }

    /// Total bytes received from both peers.
    pub fn total_received(&self) -> u64 {
        self.bytes_received.iter().sum()
    }

    /// Adds `other` into `self`.
    pub fn accumulate(&mut self, other: &CommStats) {
        for i in 0..3 {
            self.bytes_sent[i] += other.bytes_sent[i];
            self.bytes_received[i] += other.bytes_received[i];
        }
        self.messages_sent += other.messages_sent;
        self.messages_received += other.messages_received;
        self.rounds += other.rounds;
    }
}

/// Whether a message was sent or received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// This party sent it.
    Sent,
    /// This party received it.
    Received,
}

/// What an observer learns about one message: its metadata and its bytes (which the
/// observer may hash but must never store or log: they are shares).
#[derive(Debug)]
pub struct MessageRecord<'a> {
    /// Sent or received.
    pub direction: Direction,
    /// The other party.
    pub peer: PartyId,
    /// The protocol phase at the time.
    pub phase: &'a str,
    /// Per (peer, direction) sequence number, from 0.
    pub sequence: u64,
    /// The message bytes.
    pub payload: &'a [u8],
}

/// Sees every message, every reveal and every learned number passing through a
/// [`Context`]; the node's transcript writer implements it.
pub trait MessageObserver: Send {
    /// Called once per message, after it was sent or received.
    fn on_message(&mut self, record: &MessageRecord<'_>);
    /// Called when a protocol phase begins.
    fn on_phase(&mut self, _phase: &str) {}
    /// Called when values are opened: `output` names what, `to` who learns it, `count` how
    /// many values.
    fn on_reveal(&mut self, _output: &str, _to: &[PartyId], _count: usize) {}
    /// Called when the protocol discloses a number by design (a table size, a count of
    /// matches): `what` names it, `to` who learns it, `value` is the number. Unlike a
    /// reveal, the value itself is public to `to` and may be recorded.
    fn on_learned(&mut self, _what: &str, _to: &[PartyId], _value: u64) {}
}

/// The words of one round: what this party sends to each peer and how many words it
/// expects from each (`None`: nothing).
#[derive(Debug, Default)]
pub struct Round<'a> {
    /// Words to the next party.
    pub to_next: Option<&'a [u64]>,
    /// Words to the previous party.
    pub to_prev: Option<&'a [u64]>,
    /// Number of words expected from the next party.
    pub from_next: Option<usize>,
    /// Number of words expected from the previous party.
    pub from_prev: Option<usize>,
}

/// What one round delivered.
#[derive(Debug, Default)]
pub struct Delivered<T> {
    /// From the next party.
    pub from_next: Option<T>,
    /// From the previous party.
    pub from_prev: Option<T>,
}

/// One round of raw byte messages, for payloads that are not words (curve points).
#[derive(Debug, Default)]
pub struct BytesRound {
    /// Bytes to the next party.
    pub to_next: Option<Vec<u8>>,
    /// Bytes to the previous party.
    pub to_prev: Option<Vec<u8>>,
    /// Whether a message from the next party is expected.
    pub from_next: bool,
    /// Whether a message from the previous party is expected.
    pub from_prev: bool,
}

/// One party's view of a running job: identity, channel, randomness, counters.
pub struct Context {
    party: PartyId,
    mode: SecurityMode,
    channel: Box<dyn Channel>,
    randomness: CorrelatedRandomness,
    observer: Option<Box<dyn MessageObserver>>,
    phase: String,
    total: CommStats,
    phases: Vec<(String, CommStats)>,
    sequence: BTreeMap<(u8, bool), u64>,
}

impl Context {
    /// Starts a job for `party` over `channel`: derives its PRF keys from `seed` and agrees
    /// them with the peers in one round (phase `setup`), as in Araki et al. CCS 2016 §2.2.
    ///
    /// Party `i` derives `k_i` and sends it to party `i − 1`, and sends a contribution
    /// to the common key to both peers. `seed` is the party's fresh secret seed for this
    /// job (see [`crate::randomness`]): every random choice of the party comes from it.
    pub fn start(
        party: PartyId,
        mode: SecurityMode,
        channel: Box<dyn Channel>,
        observer: Option<Box<dyn MessageObserver>>,
        seed: PartySeed,
    ) -> Result<Context, ProtocolError> {
        // Replaced by the agreed keys below, before any protocol step draws from them.
        let placeholder = PartyKeys {
            with_prev: PrfKey::from_bytes([0; 16]),
            with_next: PrfKey::from_bytes([0; 16]),
            common: PrfKey::from_bytes([0; 16]),
        };
        let mut ctx = Context {
            party,
            mode,
            channel,
            randomness: CorrelatedRandomness::from_keys(party, &placeholder, &seed),
            observer,
            phase: String::new(),
            total: CommStats::default(),
            phases: Vec::new(),
            sequence: BTreeMap::new(),
        };
        ctx.begin_phase("setup")?;
        let (own, contribution) = sample_contribution(&seed);
        let mut to_prev = own.to_bytes().to_vec();
        to_prev.extend_from_slice(&contribution.to_bytes());
        let got = ctx.exchange_bytes(BytesRound {
            to_next: Some(contribution.to_bytes().to_vec()),
            to_prev: Some(to_prev),
            from_next: true,
            from_prev: true,
        })?;
        let from_next = got.from_next.unwrap_or_default();
        let from_prev = got.from_prev.unwrap_or_default();
        if from_next.len() != 32 {
            return Err(ProtocolError::MalformedMessage {
                from: party.next(),
                reason: "key set-up message must be 32 bytes".into(),
            });
        }
        if from_prev.len() != 16 {
            return Err(ProtocolError::MalformedMessage {
                from: party.prev(),
                reason: "key set-up message must be 16 bytes".into(),
            });
        }
        let next_key: [u8; 16] = from_next[..16].try_into().expect("length checked");
        let next_part: [u8; 16] = from_next[16..].try_into().expect("length checked");
        let prev_part: [u8; 16] = from_prev[..].try_into().expect("length checked");
        let keys = PartyKeys {
            with_prev: own,
            with_next: PrfKey::from_bytes(next_key),
            common: combine_common([&contribution.to_bytes(), &next_part, &prev_part]),
        };
        ctx.randomness = CorrelatedRandomness::from_keys(party, &keys, &seed);
        Ok(ctx)
    }

    /// This party.
    pub fn party(&self) -> PartyId {
        self.party
    }

    /// The job's security mode.
    pub fn mode(&self) -> SecurityMode {
        self.mode
    }

    /// This party's correlated randomness.
    pub fn randomness(&mut self) -> &mut CorrelatedRandomness {
        &mut self.randomness
    }

    /// Starts a new named phase: counters from now on are booked to it, the transport may
    /// open a new stream, and the observer is told.
    pub fn begin_phase(&mut self, phase: &str) -> Result<(), ProtocolError> {
        self.phase = phase.to_string();
        self.phases.push((phase.to_string(), CommStats::default()));
        if let Some(o) = self.observer.as_mut() {
            o.on_phase(phase);
        }
        self.channel.begin_phase(phase)?;
        Ok(())
    }

    /// The current phase's name.
    pub fn phase(&self) -> &str {
        &self.phase
    }

    /// Counters for the whole job so far.
    pub fn stats(&self) -> &CommStats {
        &self.total
    }

    /// Counters per phase, in the order the phases began.
    pub fn phase_stats(&self) -> &[(String, CommStats)] {
        &self.phases
    }

    /// Records that `count` values named `output` are opened to `to` (for the transcript).
    pub fn record_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        if let Some(o) = self.observer.as_mut() {
            o.on_reveal(output, to, count);
        }
    }

    /// Records that `to` learn the number `value`, named `what` (for the transcript: the
    /// protocol's documented leakage, such as the linkage's table sizes and match
    /// profiles). Every such number passes here, as every message passes
    /// [`Context::exchange`].
    pub fn record_learned(&mut self, what: &str, to: &[PartyId], value: u64) {
        if let Some(o) = self.observer.as_mut() {
            o.on_learned(what, to, value);
        }
    }

    /// Aborts: tells the peers (best effort). The caller then returns its error.
    pub fn abort(&mut self, reason: &str) {
        self.channel.abort(reason);
    }

    /// Takes the observer back (for example to finish a transcript after the job).
    pub fn take_observer(&mut self) -> Option<Box<dyn MessageObserver>> {
        self.observer.take()
    }

    /// One communication round of 64-bit words: sends first, then receives exactly the
    /// expected number of words from each peer (anything else is a protocol error).
    pub fn exchange(&mut self, round: Round<'_>) -> Result<Delivered<Vec<u64>>, ProtocolError> {
        let got = self.exchange_bytes(BytesRound {
            to_next: round.to_next.map(encode_words),
            to_prev: round.to_prev.map(encode_words),
            from_next: round.from_next.is_some(),
            from_prev: round.from_prev.is_some(),
        })?;
        let from_next = match (got.from_next, round.from_next) {
            (Some(b), Some(n)) => Some(decode_words(self.party.next(), &b, n)?),
            _ => None,
        };
        let from_prev = match (got.from_prev, round.from_prev) {
            (Some(b), Some(n)) => Some(decode_words(self.party.prev(), &b, n)?),
            _ => None,
        };
        Ok(Delivered {
            from_next,
            from_prev,
        })
    }

    /// One communication round of raw bytes. Length checks are the caller's.
    pub fn exchange_bytes(
        &mut self,
        round: BytesRound,
    ) -> Result<Delivered<Vec<u8>>, ProtocolError> {
        let (next, prev) = (self.party.next(), self.party.prev());
        self.count_round();
        if let Some(m) = round.to_next {
            self.send(next, m)?;
        }
        if let Some(m) = round.to_prev {
            self.send(prev, m)?;
        }
        let from_next = if round.from_next {
            Some(self.recv(next)?)
        } else {
            None
        };
        let from_prev = if round.from_prev {
            Some(self.recv(prev)?)
        } else {
            None
        };
        Ok(Delivered {
            from_next,
            from_prev,
        })
    }

    /// The multiplication pattern (Araki et al. 2016): send `words` to the previous party
    /// and receive as many from the next. One round.
    pub fn send_prev_recv_next(&mut self, words: &[u64]) -> Result<Vec<u64>, ProtocolError> {
        let got = self.exchange(Round {
            to_prev: Some(words),
            from_next: Some(words.len()),
            ..Round::default()
        })?;
        Ok(got.from_next.unwrap_or_default())
    }

    fn count_round(&mut self) {
        self.total.rounds += 1;
        if let Some((_, s)) = self.phases.last_mut() {
            s.rounds += 1;
        }
    }

    fn next_sequence(&mut self, peer: PartyId, sent: bool) -> u64 {
        let s = self.sequence.entry((peer.index() as u8, sent)).or_insert(0);
        let v = *s;
        *s += 1;
        v
    }

    fn send(&mut self, to: PartyId, message: Vec<u8>) -> Result<(), ProtocolError> {
        let len = message.len() as u64;
        let sequence = self.next_sequence(to, true);
        if let Some(o) = self.observer.as_mut() {
            o.on_message(&MessageRecord {
                direction: Direction::Sent,
                peer: to,
                phase: &self.phase,
                sequence,
                payload: &message,
            });
        }
        self.channel.send(to, message)?;
        self.total.bytes_sent[to.index()] += len;
        self.total.messages_sent += 1;
        if let Some((_, s)) = self.phases.last_mut() {
            s.bytes_sent[to.index()] += len;
            s.messages_sent += 1;
        }
        Ok(())
    }

    fn recv(&mut self, from: PartyId) -> Result<Vec<u8>, ProtocolError> {
        let message = self.channel.recv(from)?;
        let len = message.len() as u64;
        let sequence = self.next_sequence(from, false);
        if let Some(o) = self.observer.as_mut() {
            o.on_message(&MessageRecord {
                direction: Direction::Received,
                peer: from,
                phase: &self.phase,
                sequence,
                payload: &message,
            });
        }
        self.total.bytes_received[from.index()] += len;
        self.total.messages_received += 1;
        if let Some((_, s)) = self.phases.last_mut() {
            s.bytes_received[from.index()] += len;
            s.messages_received += 1;
        }
        Ok(message)
    }
}
