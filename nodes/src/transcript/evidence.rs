//! Dispute evidence (`--keep-evidence`): the messages a party received and its key
//! material for one job, so that it can later re-execute its side for an auditor
//! ([`crate::audit::replay`]).
//!
//! **As sensitive as the input.** With the received messages and the party's PRF keys, its
//! view of every shared value can be recomputed; together with its input this is
//! everything the party knew during the job. Evidence files are created with mode 0600,
//! are never sent to the other parties, are shown only to an auditor in a dispute, and are
//! deleted when the dispute period ends (`docs/threat-model.md`).
//!
//! What is kept: every message received (peer, phase, sequence number, bytes) and the
//! party's own first message to each peer (sequence 0): in Samen those are the key
//! agreement of the protocol context and carry the party's PRF key and its contribution to
//! the common key. Nothing else is needed: every later message the party sent is a
//! deterministic function of its input, these keys and the received messages, which is
//! what replay checks.
//!
//! Format, version 1 (binary, little-endian):
//!
//! ```text
//! "samen-evidence-v1\n" (18 bytes) ‖ job hash (32) ‖ party (1)
//! then, until the end of the file, one record per message:
//!   direction (1: 0 = sent, 1 = received) ‖ peer (1) ‖ seq (8)
//!   ‖ phase length (2) ‖ phase (UTF-8) ‖ payload length (8) ‖ payload
//! ```
//!
//! The reader checks every length against what is left of the file before allocating, so
//! a damaged or hostile evidence file cannot make it allocate more than the file's size.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use samen_protocol::context::{Direction, MessageObserver, MessageRecord};
use samen_protocol::PartyId;

use super::format::Digest;
use super::TranscriptError;

/// The first bytes of every evidence file.
pub const EVIDENCE_MAGIC: &[u8] = b"samen-evidence-v1\n";

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
    /// The messages, in the order observed.
    pub messages: Vec<EvidenceMessage>,
}

/// Why an evidence file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The file could not be read.
    #[error("evidence {path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The contents are not evidence format version 1.
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
    /// Creates the evidence file (mode 0600; it must not exist) for `party` in job `job`.
    pub fn create(
        path: impl AsRef<Path>,
        job: Digest,
        party: PartyId,
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
        file.write_all(EVIDENCE_MAGIC).map_err(io)?;
        file.write_all(&job).map_err(io)?;
        file.write_all(&[party.index() as u8]).map_err(io)?;
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
        let phase = m.phase.as_bytes();
        let phase = &phase[..phase.len().min(u16::MAX as usize)];
        let mut head = Vec::with_capacity(20 + phase.len());
        head.push(u8::from(m.direction == Direction::Received));
        head.push(m.peer.index() as u8);
        head.extend_from_slice(&m.sequence.to_le_bytes());
        head.extend_from_slice(&(phase.len() as u16).to_le_bytes());
        head.extend_from_slice(phase);
        head.extend_from_slice(&(m.payload.len() as u64).to_le_bytes());
        let result = inner
            .file
            .write_all(&head)
            .and_then(|_| inner.file.write_all(m.payload));
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

/// Reads an evidence file.
pub fn read_evidence(path: impl AsRef<Path>) -> Result<Evidence, EvidenceError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| EvidenceError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse_evidence(&bytes)
}

/// Parses evidence held in memory. Never panics; allocates at most the input's size.
pub fn parse_evidence(bytes: &[u8]) -> Result<Evidence, EvidenceError> {
    let mut r = Cursor { bytes, at: 0 };
    if r.take(EVIDENCE_MAGIC.len())? != EVIDENCE_MAGIC {
        return Err(EvidenceError::Malformed {
            offset: 0,
            reason: "not a samen evidence file (version 1)".into(),
        });
    }
    let mut job = [0u8; 32];
    job.copy_from_slice(r.take(32)?);
    let party = r.party()?;
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
        let mut rec = EvidenceRecorder::create(&path, [4; 32], PartyId::UWV).unwrap();
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
        // Header 51 bytes, each record 1 + 1 + 8 + 2 + 5 + 8 + 40 = 65 bytes: only cuts at
        // record boundaries parse.
        assert_eq!(bytes.len(), 51 + 3 * 65);
        for cut in 0..bytes.len() {
            let at_boundary = cut >= 51 && (cut - 51) % 65 == 0;
            assert_eq!(
                parse_evidence(&bytes[..cut]).is_ok(),
                at_boundary,
                "cut {cut}"
            );
        }
        let mut huge = bytes[..51].to_vec();
        huge.extend_from_slice(&[
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ]);
        assert!(matches!(
            parse_evidence(&huge),
            Err(EvidenceError::Malformed { .. })
        ));
        assert!(
            EvidenceRecorder::create(&path, [4; 32], PartyId::UWV).is_err(),
            "never overwrites"
        );
    }
}
