//! Dispute evidence (`--keep-evidence`): the party's seed and the messages it received in
//! one job, so that it can later re-execute its side for an auditor
//! ([`crate::audit::replay`]).
//!
//! **As sensitive as the input.** With the received messages and the party's seed (from
//! which its PRF keys, blinding exponent and private orders derive), its view of every
//! shared value can be recomputed; together with its input this is everything the party
//! knew during the job. Evidence files are created with mode 0600,
//! are never sent to the other parties, are shown only to an auditor in a dispute, and are
//! deleted when the dispute period ends (`docs/threat-model.md`).
//!
//! What is kept: the party's 32-byte seed (`samen_protocol::randomness::PartySeed`; its
//! transcript header holds the commitment), every message received (peer, phase, sequence
//! number, bytes) and the party's own first message to each peer (sequence 0: the key
//! agreement of the protocol context, from which the pair's message-hash key derives).
//! Nothing else is needed: every message the party sent is a deterministic function of
//! its input, its seed and the received messages, which is what replay checks.
//!
//! Format, version 2 (binary, little-endian):
//!
//! ```text
//! "samen-evidence-v2\n" (18 bytes) ‖ job hash (32) ‖ party (1) ‖ seed (32)
//! then, until the end of the file, one record per message:
//!   direction (1: 0 = sent, 1 = received) ‖ peer (1) ‖ seq (8)
//!   ‖ phase length (2) ‖ phase (UTF-8) ‖ payload length (8) ‖ payload
//! ```
//!
//! The reader refuses a file over [`EVIDENCE_LIMIT`] bytes before reading it
//! ([`crate::fsutil::read_bounded`]) and checks every length against what is left of the
//! file before allocating, so a damaged or hostile evidence file cannot make it allocate
//! more than the file's size, and never more than the limit.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use samen_protocol::context::{Direction, MessageObserver, MessageRecord};
use samen_protocol::randomness::PartySeed;
use samen_protocol::PartyId;
use zeroize::Zeroize;

use crate::fsutil::{read_bounded, ReadError};

use super::format::Digest;
use super::TranscriptError;

/// The first bytes of every evidence file.
pub const EVIDENCE_MAGIC: &[u8] = b"samen-evidence-v2\n";

/// Bytes before the first message record: magic, job hash, party, seed.
pub const EVIDENCE_HEADER_BYTES: usize = 18 + 32 + 1 + 32;

/// The largest evidence file [`read_evidence`] reads: 16 GiB. Evidence holds the bytes a
/// party received in one job, which grow linearly with the job's rows; the limit leaves
/// room for tens of millions of rows while stopping a hostile or damaged file (or a
/// device such as `/dev/zero`) from exhausting an auditor's memory.
/// [`read_evidence_limited`] takes another limit.
pub const EVIDENCE_LIMIT: u64 = 16 << 30;

/// One message kept as evidence.
#[derive(Clone, PartialEq, Eq)]
pub struct EvidenceMessage {
    /// Sent (only the first message to each peer) or received.
    pub direction: Direction,
    /// The other party.
    pub peer: PartyId,
    /// The phase.
    pub phase: String,
    /// Per (peer, direction) sequence number.
    pub seq: u64,
    /// The bytes (secret).
    pub payload: Vec<u8>,
}

impl std::fmt::Debug for EvidenceMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the payload.
        write!(
            f,
            "EvidenceMessage({:?} {} seq {} in `{}`, {} bytes)",
            self.direction,
            self.peer,
            self.seq,
            self.phase,
            self.payload.len()
        )
    }
}

/// A party's evidence for one job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// The job hash.
    pub job: Digest,
    /// The party that kept it.
    pub party: PartyId,
    /// The party's seed for the job (secret; `Debug` does not print it).
    pub seed: PartySeed,
    /// The messages, in the order observed.
    pub messages: Vec<EvidenceMessage>,
}

impl Evidence {
    /// The evidence file's bytes (what [`EvidenceRecorder`] writes; [`parse_evidence`]
    /// reads them back). For tests and tools that rewrite evidence.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = header_bytes(&self.job, self.party, &self.seed);
        for m in &self.messages {
            out.extend_from_slice(&record_bytes(
                m.direction,
                m.peer,
                m.seq,
                &m.phase,
                &m.payload,
            ));
        }
        out
    }
}

fn header_bytes(job: &Digest, party: PartyId, seed: &PartySeed) -> Vec<u8> {
    let mut out = Vec::with_capacity(EVIDENCE_HEADER_BYTES);
    out.extend_from_slice(EVIDENCE_MAGIC);
    out.extend_from_slice(job);
    out.push(party.index() as u8);
    out.extend_from_slice(&seed.to_bytes());
    out
}

fn record_bytes(
    direction: Direction,
    peer: PartyId,
    seq: u64,
    phase: &str,
    payload: &[u8],
) -> Vec<u8> {
    let phase = phase.as_bytes();
    let phase = &phase[..phase.len().min(u16::MAX as usize)];
    let mut r = Vec::with_capacity(20 + phase.len() + payload.len());
    r.push(u8::from(direction == Direction::Received));
    r.push(peer.index() as u8);
    r.extend_from_slice(&seq.to_le_bytes());
    r.extend_from_slice(&(phase.len() as u16).to_le_bytes());
    r.extend_from_slice(phase);
    r.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    r.extend_from_slice(payload);
    r
}

/// Why an evidence file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The file could not be read, or is larger than the limit.
    #[error("evidence {0}")]
    Read(#[from] ReadError),
    /// The contents are not evidence format version 2.
    #[error("evidence is malformed at byte {offset}: {reason}")]
    Malformed {
        /// Where.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
}

struct Inner {
    file: BufWriter<File>,
    path: PathBuf,
    error: Option<String>,
}

/// Writes evidence while a job runs; a [`MessageObserver`] to run next to the transcript
/// (see [`ObserverPair`]). Cloning gives another handle to the same file.
#[derive(Clone)]
pub struct EvidenceRecorder(Arc<Mutex<Inner>>);

impl EvidenceRecorder {
    /// Creates the evidence file (mode 0600; it must not exist) for `party` in job `job`,
    /// with the party's `seed` for the job.
    pub fn create(
        path: impl AsRef<Path>,
        job: Digest,
        party: PartyId,
        seed: &PartySeed,
    ) -> Result<EvidenceRecorder, TranscriptError> {
        let path = path.as_ref().to_path_buf();
        let io = |e: std::io::Error| TranscriptError::Io {
            path: path.clone(),
            reason: e.to_string(),
        };
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(io)?;
        let mut file = BufWriter::new(file);
        let mut header = header_bytes(&job, party, seed);
        let written = file.write_all(&header);
        header.zeroize();
        written.map_err(io)?;
        Ok(EvidenceRecorder(Arc::new(Mutex::new(Inner {
            file,
            path,
            error: None,
        }))))
    }

    /// Flushes and syncs the file; reports the first write error, if any.
    pub fn finish(&self) -> Result<(), TranscriptError> {
        let mut inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if inner.error.is_none() {
            if let Err(e) = inner
                .file
                .flush()
                .and_then(|_| inner.file.get_ref().sync_data())
            {
                inner.error = Some(e.to_string());
            }
        }
        match &inner.error {
            Some(reason) => Err(TranscriptError::Io {
                path: inner.path.clone(),
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }
}

impl MessageObserver for EvidenceRecorder {
    fn on_message(&mut self, m: &MessageRecord<'_>) {
        if m.direction == Direction::Sent && m.sequence != 0 {
            return;
        }
        let mut inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if inner.error.is_some() {
            return;
        }
        let record = record_bytes(m.direction, m.peer, m.sequence, m.phase, m.payload);
        let result = inner.file.write_all(&record);
        if let Err(e) = result {
            inner.error = Some(e.to_string());
        }
    }
}

/// Two observers in one: the transcript and the evidence recorder, for
/// [`Context::start`](samen_protocol::Context::start), which takes one observer.
pub struct ObserverPair<A, B>(pub A, pub B);

impl<A: MessageObserver, B: MessageObserver> MessageObserver for ObserverPair<A, B> {
    fn on_message(&mut self, record: &MessageRecord<'_>) {
        self.0.on_message(record);
        self.1.on_message(record);
    }
    fn on_phase(&mut self, phase: &str) {
        self.0.on_phase(phase);
        self.1.on_phase(phase);
    }
    fn on_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        self.0.on_reveal(output, to, count);
        self.1.on_reveal(output, to, count);
    }
    fn on_learned(&mut self, what: &str, to: &[PartyId], value: u64) {
        self.0.on_learned(what, to, value);
        self.1.on_learned(what, to, value);
    }
}

/// Reads an evidence file of at most [`EVIDENCE_LIMIT`] bytes.
pub fn read_evidence(path: impl AsRef<Path>) -> Result<Evidence, EvidenceError> {
    read_evidence_limited(path, EVIDENCE_LIMIT)
}

/// Reads an evidence file of at most `limit` bytes; a larger one is refused with
/// [`ReadError::TooLarge`] (naming the file and the limit) before it is read.
pub fn read_evidence_limited(
    path: impl AsRef<Path>,
    limit: u64,
) -> Result<Evidence, EvidenceError> {
    parse_evidence(&read_bounded(path.as_ref(), limit)?)
}

/// Parses evidence held in memory. Never panics; allocates at most the input's size.
pub fn parse_evidence(bytes: &[u8]) -> Result<Evidence, EvidenceError> {
    let mut r = Cursor { bytes, at: 0 };
    if r.take(EVIDENCE_MAGIC.len())? != EVIDENCE_MAGIC {
        return Err(EvidenceError::Malformed {
            offset: 0,
            reason: "not a samen evidence file (version 2)".into(),
        });
    }
    let mut job = [0u8; 32];
    job.copy_from_slice(r.take(32)?);
    let party = r.party()?;
    let mut seed = [0u8; 32];
    seed.copy_from_slice(r.take(32)?);
    let seed = PartySeed::from_bytes(seed);
    let mut messages = Vec::new();
    while r.at < bytes.len() {
        let direction = match r.take(1)?[0] {
            0 => Direction::Sent,
            1 => Direction::Received,
            _ => return Err(r.malformed(1, "direction must be 0 or 1")),
        };
        let peer = r.party()?;
        let seq = r.u64()?;
        let phase_len = u16::from_le_bytes([r.take(1)?[0], r.take(1)?[0]]) as usize;
        let phase = std::str::from_utf8(r.take(phase_len)?)
            .map_err(|_| r.malformed(phase_len, "phase is not UTF-8"))?
            .to_string();
        let len = r.u64()?;
        let len = usize::try_from(len).map_err(|_| r.malformed(8, "payload length too large"))?;
        let payload = r.take(len)?.to_vec();
        messages.push(EvidenceMessage {
            direction,
            peer,
            phase,
            seq,
            payload,
        });
    }
    Ok(Evidence {
        job,
        party,
        seed,
        messages,
    })
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn malformed(&self, back: usize, reason: &str) -> EvidenceError {
        EvidenceError::Malformed {
            offset: self.at.saturating_sub(back),
            reason: reason.to_string(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], EvidenceError> {
        if self.bytes.len() - self.at < n {
            return Err(EvidenceError::Malformed {
                offset: self.at,
                reason: format!("{n} bytes announced, {} left", self.bytes.len() - self.at),
            });
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn u64(&mut self) -> Result<u64, EvidenceError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    fn party(&mut self) -> Result<PartyId, EvidenceError> {
        let b = self.take(1)?[0];
        PartyId::new(b).ok_or_else(|| self.malformed(1, "party must be 0, 1 or 2"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_round_trips_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e");
        let seed = PartySeed::from_bytes([6; 32]);
        let mut rec = EvidenceRecorder::create(&path, [4; 32], PartyId::UWV, &seed).unwrap();
        let payload = vec![9u8; 40];
        for (direction, seq) in [
            (Direction::Sent, 0),
            (Direction::Sent, 1),
            (Direction::Received, 0),
            (Direction::Received, 1),
        ] {
            rec.on_message(&MessageRecord {
                direction,
                peer: PartyId::SVB,
                phase: "setup",
                sequence: seq,
                payload: &payload,
            });
        }
        rec.finish().unwrap();
        let e = read_evidence(&path).unwrap();
        assert_eq!((e.job, e.party), ([4; 32], PartyId::UWV));
        assert_eq!(e.seed, seed);
        // Later sent messages are not kept: they are what replay recomputes.
        let kept: Vec<_> = e.messages.iter().map(|m| (m.direction, m.seq)).collect();
        assert_eq!(
            kept,
            [
                (Direction::Sent, 0),
                (Direction::Received, 0),
                (Direction::Received, 1)
            ]
        );
        assert_eq!(e.messages[2].payload, payload);
        assert!(!format!("{:?}", e.messages[0]).contains("9, 9"));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            e.to_bytes(),
            bytes,
            "to_bytes writes what the recorder wrote"
        );
        // Header 83 bytes, each record 1 + 1 + 8 + 2 + 5 + 8 + 40 = 65 bytes: only cuts at
        // record boundaries parse.
        let h = EVIDENCE_HEADER_BYTES;
        assert_eq!(h, 83);
        assert_eq!(bytes.len(), h + 3 * 65);
        for cut in 0..bytes.len() {
            let at_boundary = cut >= h && (cut - h) % 65 == 0;
            assert_eq!(
                parse_evidence(&bytes[..cut]).is_ok(),
                at_boundary,
                "cut {cut}"
            );
        }
        let mut huge = bytes[..h].to_vec();
        huge.extend_from_slice(&[
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ]);
        assert!(matches!(
            parse_evidence(&huge),
            Err(EvidenceError::Malformed { .. })
        ));
        assert!(
            EvidenceRecorder::create(&path, [4; 32], PartyId::UWV, &seed).is_err(),
            "never overwrites"
        );
    }

    /// An evidence file over the limit is refused, naming the file and the limit, before
    /// it is read: one byte over a small limit, and a (sparse) file one byte over
    /// [`EVIDENCE_LIMIT`], which an unbounded read would try to hold in memory.
    #[test]
    fn oversized_evidence_is_refused_naming_file_and_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e");
        let seed = PartySeed::from_bytes([1; 32]);
        EvidenceRecorder::create(&path, [2; 32], PartyId::SVB, &seed)
            .unwrap()
            .finish()
            .unwrap();
        let n = EVIDENCE_HEADER_BYTES as u64;
        assert!(read_evidence_limited(&path, n).is_ok());
        let e = read_evidence_limited(&path, n - 1).unwrap_err();
        assert!(
            matches!(&e, EvidenceError::Read(ReadError::TooLarge { path: p, limit })
                if p == &path && *limit == n - 1),
            "{e}"
        );
        assert!(e
            .to_string()
            .contains(&format!("larger than {} bytes", n - 1)));
        let big = dir.path().join("big");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(EVIDENCE_LIMIT + 1)
            .unwrap();
        let e = read_evidence(&big).unwrap_err();
        assert!(
            matches!(&e, EvidenceError::Read(ReadError::TooLarge { path: p, limit })
                if p == &big && *limit == EVIDENCE_LIMIT),
            "{e}"
        );
    }
}
