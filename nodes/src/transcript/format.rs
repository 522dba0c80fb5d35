//! The transcript file format, version 2: record types, their canonical encoding, the hash
//! chain and the checkpoint signature.
//!
//! A transcript is a UTF-8 text file with one record per line (JSON Lines). Every line is
//! the record's **canonical encoding** followed by one `\n` (0x0A). The canonical encoding
//! is a JSON object written exactly as follows, and a reader rejects any line that is not
//! byte-for-byte what this module would write for the record it parses to:
//!
//! - the object's fields appear in the order listed below for the record's type, each
//!   field exactly once, no others; no whitespace anywhere; `,` and `:` as separators;
//! - integers are unsigned decimal without sign, exponent or leading zeros, at most
//!   `u64::MAX`;
//! - hashes are 64 lowercase hexadecimal characters (32 bytes), the signature 128;
//! - text is a JSON string of at most [`MAX_TEXT_CHARS`] characters, in which `"` is
//!   written `\"`, `\` is written `\\`, the characters U+0000–U+001F and U+007F are written
//!   `\u00xx` (lowercase hex) and every other character is written as itself in UTF-8;
//! - a party is its index `0` (SVB), `1` (UWV) or `2` (Belastingdienst); a list of parties
//!   is a JSON array in ascending order without duplicates, such as `[0,2]`.
//!
//! Every record starts with `"i"` (its position: the first line is record 1) and `"type"`.
//! The types and their fields, in order:
//!
//! | type | fields after `i`, `type` | meaning |
//! | --- | --- | --- |
//! | `header` | `format`, `party`, `job_id`, `job`, `circuit`, `rules`, `federation`, `mode`, `seed`, `software`, `t` | the approved job this transcript belongs to, and the commitment to the party's seed ([`commit_seed`]); always record 1 |
//! | `input` | `commitment` | commitment to the party's input; if present, record 2 |
//! | `phase` | `name`, `t` | a protocol phase begins |
//! | `msg` | `dir` (`sent`/`recv`), `peer`, `phase`, `seq`, `len`, `hash` | one message: its hash (below), never its bytes |
//! | `reveal` | `phase`, `output`, `to`, `count` | `count` values of `output` were opened to the parties `to` |
//! | `learned` | `phase`, `what`, `to`, `value` | the parties `to` learned the public number `value` as documented protocol leakage (e.g. an intersection size in linkage) |
//! | `outcome` | `result` (`success`/`abort`), `reason` (only for `abort`), `t` | how the job ended |
//! | `checkpoint` | `covers`, `head`, `sig` | the party's Ed25519 signature on the chain so far |
//!
//! `t` is the writer's wall clock in milliseconds since 1970-01-01 UTC (informative: the
//! audit uses it only for the timeline). `seq` counts messages per (peer, direction) from 0
//! over the whole job, exactly as the protocol context numbers them.
//!
//! **Message hashes.** The first message in each direction between two parties (`seq` 0)
//! is hashed with plain BLAKE3. Every later message is hashed with BLAKE3 in keyed mode
//! under the pair's message key ([`pair_key`]), derived from those two first messages.
//! In Samen the first messages are the key agreement of the protocol context (they carry
//! the pair's PRF key), so the message key is known to the two parties of the pair and to
//! nobody else: whoever holds a transcript — an auditor, or the third party — cannot test
//! guesses of a short message (one 64-bit share, say) against its hash. Sender and
//! receiver derive the same key, so the audit compares hashes without knowing it; a party
//! can show an auditor the key (from its kept evidence) to open a message hash.
//!
//! **Hash chain.** `h_0 = BLAKE3("samen-transcript-v1")` (the 19 ASCII bytes) and
//! `h_k = BLAKE3(h_{k−1} ‖ line_k)`, where `line_k` is record `k`'s canonical encoding
//! without the final `\n`. Anyone can recompute it with a BLAKE3 tool.
//!
//! **Checkpoint.** A checkpoint record at position `k` has `covers = k − 1`,
//! `head = h_{k−1}` and `sig` = the Ed25519 signature (RFC 8032) by the party's signing key
//! from the federation over the 103-byte message
//! `"samen-transcript-v1/checkpoint" (30 ASCII bytes) ‖ job hash (32) ‖ party index (1 byte)
//! ‖ head (32) ‖ covers (8 bytes, little-endian)` ([`checkpoint_message`]). The job hash and
//! the party in the signed message stop a checkpoint from being moved to another job's or
//! another party's transcript; the position stops it from being moved within one. The
//! checkpoint line itself is chained like any record, so the next checkpoint covers it.
//! A writer puts a checkpoint before every `phase` record and one after the `outcome`,
//! which is the last line of a complete transcript. A checkpoint has no free field (no
//! time): every byte of the final line is checked.
//!
//! **Seed commitment.** Every random choice a party makes in a job derives from its
//! 32-byte party seed (`samen_protocol::randomness::PartySeed`). The header's `seed` is
//! [`commit_seed`]: BLAKE3 in key-derivation mode with context [`SEED_COMMITMENT_CONTEXT`]
//! over `job hash (32) ‖ party index (1) ‖ seed (32)`. The seed is 256 uniformly random
//! bits, so the commitment hides it (nobody can test guesses); it binds the party to one
//! seed (a second seed with the same commitment is a BLAKE3 collision); the job hash and
//! party make it specific to this transcript. The seed itself is never in a transcript or
//! a log: only the dispute evidence keeps it, and `samen audit replay` checks it against
//! this commitment.
//!
//! The format version (`format` in the header) is [`FORMAT_VERSION`]; a reader refuses
//! other versions. A new field or record type means a new version. Version 2 added the
//! header's `seed`; the chain and checkpoint domains kept their `v1` names.

use std::fmt::Write as _;

use samen_protocol::context::Direction;
use samen_protocol::randomness::PartySeed;
use samen_protocol::{PartyId, SecurityMode};
use zeroize::Zeroize;

/// The transcript format version this module reads and writes.
pub const FORMAT_VERSION: u64 = 2;

/// The BLAKE3 key-derivation context of a seed commitment ([`commit_seed`]).
pub const SEED_COMMITMENT_CONTEXT: &str = "samen-transcript-v2 party seed commitment";

/// The commitment to a party's seed in its transcript header: BLAKE3 in key-derivation
/// mode with context [`SEED_COMMITMENT_CONTEXT`] over `job (32) ‖ party index (1) ‖ seed
/// (32)`. Hiding because the seed is uniformly random; binding by collision resistance.
pub fn commit_seed(job: &Digest, party: PartyId, seed: &PartySeed) -> Digest {
    let mut h = blake3::Hasher::new_derive_key(SEED_COMMITMENT_CONTEXT);
    h.update(job);
    h.update(&[party.index() as u8]);
    let mut bytes = seed.to_bytes();
    h.update(&bytes);
    bytes.zeroize();
    *h.finalize().as_bytes()
}

/// The bytes hashed to obtain the chain's initial value `h_0`.
pub const CHAIN_DOMAIN: &[u8] = b"samen-transcript-v1";

/// The domain-separation prefix of every checkpoint signature message.
pub const CHECKPOINT_DOMAIN: &[u8] = b"samen-transcript-v1/checkpoint";

/// The longest line (without its `\n`) a reader accepts, in bytes.
pub const MAX_LINE_BYTES: usize = 8 * 1024;

/// The longest text field (phase or output name, abort reason, job id, software), in
/// characters. A writer shortens longer text (at a character boundary).
pub const MAX_TEXT_CHARS: usize = 1000;

/// A 32-byte BLAKE3 digest.
pub type Digest = [u8; 32];

/// The chain's initial value `h_0`.
pub fn chain_start() -> Digest {
    *blake3::hash(CHAIN_DOMAIN).as_bytes()
}

/// One chain step: `h_k = BLAKE3(h_{k−1} ‖ line_k)` (`line` without its `\n`).
pub fn chain_step(previous: &Digest, line: &[u8]) -> Digest {
    let mut h = blake3::Hasher::new();
    h.update(previous);
    h.update(line);
    *h.finalize().as_bytes()
}

/// The exact message a checkpoint signs (103 bytes):
/// `CHECKPOINT_DOMAIN (30) ‖ job hash (32) ‖ party index (1) ‖ head (32) ‖ covers (8, LE)`.
pub fn checkpoint_message(job: &Digest, party: PartyId, head: &Digest, covers: u64) -> Vec<u8> {
    let mut m = Vec::with_capacity(CHECKPOINT_DOMAIN.len() + 32 + 1 + 32 + 8);
    m.extend_from_slice(CHECKPOINT_DOMAIN);
    m.extend_from_slice(job);
    m.push(party.index() as u8);
    m.extend_from_slice(head);
    m.extend_from_slice(&covers.to_le_bytes());
    m
}

/// The BLAKE3 key-derivation context of the message key of a pair of parties.
pub const PAIR_KEY_CONTEXT: &str = "samen-transcript-v1 message key";

/// The message key of a pair of parties: BLAKE3 in key-derivation mode with context
/// [`PAIR_KEY_CONTEXT`] over `len(a) ‖ a ‖ len(b) ‖ b` (lengths as 8-byte little-endian),
/// where `a` is the first message (seq 0) from the lower-numbered party of the pair to the
/// higher, and `b` the first message back.
pub fn pair_key(first_low_to_high: &[u8], first_high_to_low: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key(PAIR_KEY_CONTEXT);
    h.update(&(first_low_to_high.len() as u64).to_le_bytes());
    h.update(first_low_to_high);
    h.update(&(first_high_to_low.len() as u64).to_le_bytes());
    h.update(first_high_to_low);
    *h.finalize().as_bytes()
}

/// The hash of a message payload: plain BLAKE3 for a pair's first messages (`key` is
/// `None`), keyed BLAKE3 under the pair key for all later ones.
pub fn message_hash(key: Option<&[u8; 32]>, payload: &[u8]) -> Digest {
    match key {
        None => *blake3::hash(payload).as_bytes(),
        Some(k) => *blake3::keyed_hash(k, payload).as_bytes(),
    }
}

/// Record 1 of every transcript: which approved job, which party, which software.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version ([`FORMAT_VERSION`]).
    pub format: u64,
    /// The party that wrote the transcript.
    pub party: PartyId,
    /// The job's id as written in the job file (informative; the hash is what counts).
    pub job_id: String,
    /// Hash of the job file's exact bytes.
    pub job: Digest,
    /// Hash of the circuit.
    pub circuit: Digest,
    /// Hash of the rules file.
    pub rules: Digest,
    /// Fingerprint of the federation file.
    pub federation: Digest,
    /// The security mode the job ran in.
    pub mode: SecurityMode,
    /// The commitment to the party's seed for this job ([`commit_seed`]).
    pub seed: Digest,
    /// The writing software and version, e.g. `samen 0.1.0`.
    pub software: String,
    /// Wall clock at creation, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

/// One message sent or received: metadata and the BLAKE3 hash of the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageEntry {
    /// Sent or received.
    pub direction: Direction,
    /// The other party.
    pub peer: PartyId,
    /// The phase the message belongs to.
    pub phase: String,
    /// Per (peer, direction) sequence number, from 0.
    pub seq: u64,
    /// Payload length in bytes.
    pub len: u64,
    /// The payload's hash ([`message_hash`]).
    pub hash: Digest,
}

/// Values opened to some parties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevealEntry {
    /// The phase of the reveal.
    pub phase: String,
    /// The name of what was opened (an output of the output policy).
    pub output: String,
    /// Who learned the values, ascending, no duplicates.
    pub to: Vec<PartyId>,
    /// How many values.
    pub count: u64,
}

/// A public number some parties learned as a documented side effect of the protocol
/// (its leakage), such as a table size or an intersection size in record linkage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnedEntry {
    /// The phase in which it was learned.
    pub phase: String,
    /// What it is, e.g. `linkage/matched/uwv`.
    pub what: String,
    /// Who learned it, ascending, no duplicates.
    pub to: Vec<PartyId>,
    /// The number.
    pub value: u64,
}

/// How a job ended for this party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The protocol completed and outputs were released per the policy.
    Success,
    /// The job was aborted; no output was released after the abort.
    Abort {
        /// Why (never contains secret values).
        reason: String,
    },
}

/// The party's signature over the chain so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// How many records precede this one (= its position − 1).
    pub covers: u64,
    /// The chain value after those records, `h_covers`.
    pub head: Digest,
    /// Ed25519 signature over [`checkpoint_message`].
    pub signature: [u8; 64],
}

/// One transcript record (without its position).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// The header (record 1).
    Header(Header),
    /// The input commitment: keyed BLAKE3 of the canonical input under a salt the party keeps.
    Input {
        /// The commitment.
        commitment: Digest,
    },
    /// A phase begins.
    Phase {
        /// The phase name.
        name: String,
        /// Wall clock, milliseconds since the Unix epoch.
        time_ms: u64,
    },
    /// A message.
    Message(MessageEntry),
    /// A reveal.
    Reveal(RevealEntry),
    /// A number learned as protocol leakage.
    Learned(LearnedEntry),
    /// The outcome.
    Outcome {
        /// Success or abort.
        outcome: Outcome,
        /// Wall clock, milliseconds since the Unix epoch.
        time_ms: u64,
    },
    /// A signed checkpoint.
    Checkpoint(Checkpoint),
}

impl Record {
    /// The record's `type` string.
    pub fn type_name(&self) -> &'static str {
        match self {
            Record::Header(_) => "header",
            Record::Input { .. } => "input",
            Record::Phase { .. } => "phase",
            Record::Message(_) => "msg",
            Record::Reveal(_) => "reveal",
            Record::Learned(_) => "learned",
            Record::Outcome { .. } => "outcome",
            Record::Checkpoint(_) => "checkpoint",
        }
    }

    /// The canonical encoding of this record at position `index`, without the `\n`.
    pub fn encode(&self, index: u64) -> String {
        let mut s = String::with_capacity(160);
        let _ = write!(s, "{{\"i\":{index},\"type\":\"{}\"", self.type_name());
        match self {
            Record::Header(h) => {
                let _ = write!(s, ",\"format\":{},\"party\":{}", h.format, h.party.index());
                text_field(&mut s, "job_id", &h.job_id);
                hex_field(&mut s, "job", &h.job);
                hex_field(&mut s, "circuit", &h.circuit);
                hex_field(&mut s, "rules", &h.rules);
                hex_field(&mut s, "federation", &h.federation);
                text_field(&mut s, "mode", mode_name(h.mode));
                hex_field(&mut s, "seed", &h.seed);
                text_field(&mut s, "software", &h.software);
                let _ = write!(s, ",\"t\":{}", h.time_ms);
            }
            Record::Input { commitment } => hex_field(&mut s, "commitment", commitment),
            Record::Phase { name, time_ms } => {
                text_field(&mut s, "name", name);
                let _ = write!(s, ",\"t\":{time_ms}");
            }
            Record::Message(m) => {
                text_field(&mut s, "dir", direction_name(m.direction));
                let _ = write!(s, ",\"peer\":{}", m.peer.index());
                text_field(&mut s, "phase", &m.phase);
                let _ = write!(s, ",\"seq\":{},\"len\":{}", m.seq, m.len);
                hex_field(&mut s, "hash", &m.hash);
            }
            Record::Reveal(r) => {
                text_field(&mut s, "phase", &r.phase);
                text_field(&mut s, "output", &r.output);
                parties_field(&mut s, "to", &r.to);
                let _ = write!(s, ",\"count\":{}", r.count);
            }
            Record::Learned(l) => {
                text_field(&mut s, "phase", &l.phase);
                text_field(&mut s, "what", &l.what);
                parties_field(&mut s, "to", &l.to);
                let _ = write!(s, ",\"value\":{}", l.value);
            }
            Record::Outcome { outcome, time_ms } => {
                match outcome {
                    Outcome::Success => text_field(&mut s, "result", "success"),
                    Outcome::Abort { reason } => {
                        text_field(&mut s, "result", "abort");
                        text_field(&mut s, "reason", reason);
                    }
                }
                let _ = write!(s, ",\"t\":{time_ms}");
            }
            Record::Checkpoint(c) => {
                let _ = write!(s, ",\"covers\":{}", c.covers);
                hex_field(&mut s, "head", &c.head);
                hex_field(&mut s, "sig", &c.signature);
            }
        }
        s.push('}');
        s
    }
}

/// The name of a security mode in a header: `semi-honest` or `malicious`.
pub fn mode_name(mode: SecurityMode) -> &'static str {
    match mode {
        SecurityMode::SemiHonest => "semi-honest",
        SecurityMode::Malicious => "malicious",
    }
}

/// The name of a direction in a message record: `sent` or `recv`.
pub fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Sent => "sent",
        Direction::Received => "recv",
    }
}

/// Shortens `text` to at most [`MAX_TEXT_CHARS`] characters (at a character boundary).
pub fn bounded_text(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text.to_string(),
    }
}

fn parties_field(s: &mut String, name: &str, parties: &[PartyId]) {
    let _ = write!(s, ",\"{name}\":[");
    for (k, p) in parties.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(s, "{}", p.index());
    }
    s.push(']');
}

fn hex_field(s: &mut String, name: &str, bytes: &[u8]) {
    let _ = write!(s, ",\"{name}\":\"");
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s.push('"');
}

fn text_field(s: &mut String, name: &str, text: &str) {
    let _ = write!(s, ",\"{name}\":");
    push_json_string(s, text);
}

/// Appends `text` as a canonical JSON string (see the module doc).
pub fn push_json_string(s: &mut String, text: &str) {
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

pub use super::line::{parse_line, LineError};

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Record> {
        vec![
            Record::Header(Header {
                format: FORMAT_VERSION,
                party: PartyId::UWV,
                job_id: "aio-2026-11 \"x\"\n\u{7f}é".into(),
                job: [1; 32],
                circuit: [2; 32],
                rules: [3; 32],
                federation: [4; 32],
                mode: SecurityMode::SemiHonest,
                seed: [5; 32],
                software: "samen 0.1.0".into(),
                time_ms: 1_795_000_000_000,
            }),
            Record::Input {
                commitment: [9; 32],
            },
            Record::Phase {
                name: "setup".into(),
                time_ms: 0,
            },
            Record::Message(MessageEntry {
                direction: Direction::Received,
                peer: PartyId::BELASTINGDIENST,
                phase: "setup".into(),
                seq: 0,
                len: u64::MAX,
                hash: [0xab; 32],
            }),
            Record::Reveal(RevealEntry {
                phase: "output".into(),
                output: "candidates".into(),
                to: vec![PartyId::SVB, PartyId::BELASTINGDIENST],
                count: 17,
            }),
            Record::Learned(LearnedEntry {
                phase: "linkage".into(),
                what: "linkage/matched/uwv".into(),
                to: PartyId::ALL.to_vec(),
                value: 1234,
            }),
            Record::Outcome {
                outcome: Outcome::Abort {
                    reason: "peer \\ gone".into(),
                },
                time_ms: 5,
            },
            Record::Outcome {
                outcome: Outcome::Success,
                time_ms: 5,
            },
            Record::Checkpoint(Checkpoint {
                covers: 6,
                head: [7; 32],
                signature: [8; 64],
            }),
        ]
    }

    #[test]
    fn every_record_type_round_trips_through_its_canonical_line() {
        for (k, r) in samples().into_iter().enumerate() {
            let line = r.encode(k as u64 + 1);
            let (i, back) = parse_line(line.as_bytes()).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(i, k as u64 + 1);
            assert_eq!(back, r);
        }
    }

    #[test]
    fn non_canonical_lines_are_rejected() {
        let line = Record::Phase {
            name: "setup".into(),
            time_ms: 12,
        }
        .encode(3);
        assert_eq!(line, r#"{"i":3,"type":"phase","name":"setup","t":12}"#);
        for bad in [
            r#"{"i":3, "type":"phase","name":"setup","t":12}"#,
            r#"{"type":"phase","i":3,"name":"setup","t":12}"#,
            r#"{"i":3,"type":"phase","name":"set\u0075p","t":12}"#,
            r#"{"i":03,"type":"phase","name":"setup","t":12}"#,
            r#"{"i":3,"type":"phase","name":"setup","t":12,"seq":1}"#,
        ] {
            assert!(parse_line(bad.as_bytes()).is_err(), "{bad}");
        }
        let upper = Record::Input {
            commitment: [0xab; 32],
        }
        .encode(2)
        .replace("ab", "AB");
        assert!(matches!(
            parse_line(upper.as_bytes()),
            Err(LineError::BadValue {
                field: "commitment",
                ..
            })
        ));
    }

    #[test]
    fn garbage_never_panics() {
        for bad in [
            "",
            "{",
            "[]",
            "null",
            "{\"i\":1}",
            "{\"i\":1,\"type\":\"reveal\",\"to\":[0,0,0,0,0]}",
            "\u{0}",
        ] {
            assert!(parse_line(bad.as_bytes()).is_err());
        }
        assert_eq!(
            parse_line(&vec![b' '; MAX_LINE_BYTES + 1]),
            Err(LineError::TooLong)
        );
    }

    #[test]
    fn seed_commitment_binds_job_party_and_seed() {
        let seed = PartySeed::from_bytes([3; 32]);
        let c = commit_seed(&[1; 32], PartyId::UWV, &seed);
        let mut m = blake3::Hasher::new_derive_key(SEED_COMMITMENT_CONTEXT);
        m.update(&[1; 32]).update(&[1]).update(&[3; 32]);
        assert_eq!(c, *m.finalize().as_bytes());
        assert_ne!(c, commit_seed(&[2; 32], PartyId::UWV, &seed));
        assert_ne!(c, commit_seed(&[1; 32], PartyId::SVB, &seed));
        assert_ne!(
            c,
            commit_seed(&[1; 32], PartyId::UWV, &PartySeed::from_bytes([4; 32]))
        );
    }

    #[test]
    fn chain_and_checkpoint_message_have_the_documented_shape() {
        assert_eq!(
            chain_start(),
            *blake3::hash(b"samen-transcript-v1").as_bytes()
        );
        let m = checkpoint_message(&[1; 32], PartyId::UWV, &[2; 32], 7);
        assert_eq!(m.len(), 103);
        assert_eq!(&m[..30], b"samen-transcript-v1/checkpoint");
        assert_eq!(m[62], 1);
        assert_eq!(&m[95..], &7u64.to_le_bytes());
        let mut joined = vec![5u8; 32];
        joined.extend_from_slice(b"line");
        assert_eq!(
            chain_step(&[5; 32], b"line"),
            *blake3::hash(&joined).as_bytes()
        );
    }
}
