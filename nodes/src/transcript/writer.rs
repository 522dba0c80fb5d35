//! Writing a transcript while a job runs: an append-only file, one flushed line per record,
//! a signed checkpoint at every phase boundary and at the end.
//!
//! [`TranscriptWriter`] owns the file, the chain head and the party's Ed25519 signing key.
//! [`SharedTranscript`] wraps it in `Arc<Mutex<_>>` so that one handle can be boxed into
//! the protocol [`Context`](samen_protocol::Context) as its
//! [`MessageObserver`] while the node keeps another to record the input commitment
//! before the protocol and the outcome after it (or after an abort).
//!
//! Cost per message: one BLAKE3 pass over the payload (which is then forgotten: the
//! payload is a share and is never written; only the pair's first messages, which carry
//! key material, are held in memory until the pair's message key is derived, and are then
//! wiped), one line of about 200 bytes and one `write`
//! system call (so a crash of the process loses nothing recorded). At every checkpoint a
//! background thread also `fsync`s the file, so a crash of the machine loses at most the
//! records since about the last checkpoint; the end is synced before
//! [`TranscriptWriter::finish`] returns. The sync runs off the protocol's path: an `fsync`
//! takes milliseconds, more than all the hashing of a phase.
//!
//! Errors: the observer callbacks cannot fail, so the first I/O error is kept, later
//! records are dropped, and [`TranscriptWriter::finish`] (or [`TranscriptWriter::error`])
//! reports it. A node must treat a failed transcript as a failed job.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer, SigningKey};
use samen_protocol::context::{Direction, MessageObserver, MessageRecord};
use samen_protocol::PartyId;
use zeroize::Zeroizing;

use super::format::{
    bounded_text, chain_start, chain_step, checkpoint_message, message_hash, pair_key, Checkpoint,
    Digest, Header, LearnedEntry, MessageEntry, Outcome, Record, RevealEntry,
};
use super::TranscriptError;

/// Milliseconds since the Unix epoch by the wall clock (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// What a finished transcript amounts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptSummary {
    /// The transcript file.
    pub path: PathBuf,
    /// Number of records written (the last one is the final checkpoint).
    pub records: u64,
    /// The final chain head (what the last checkpoint signed).
    pub head: Digest,
}

/// Appends one party's transcript of one job to a file. See the [module](self) doc.
pub struct TranscriptWriter {
    file: File,
    path: PathBuf,
    key: SigningKey,
    job: Digest,
    party: PartyId,
    head: Digest,
    records: u64,
    phase: String,
    finished: bool,
    error: Option<String>,
    /// Per peer, the first message sent and received, until the pair key is derived.
    first_messages: [[Option<Zeroizing<Vec<u8>>>; 2]; 3],
    /// Per peer, the pair's message key.
    pair_keys: [Option<Zeroizing<[u8; 32]>>; 3],
    /// Syncs the file at checkpoints, off the protocol's path.
    syncer: Syncer,
}

/// Syncs the transcript file to disk in a background thread when asked, so that a
/// checkpoint does not stall the protocol for the milliseconds an `fsync` takes. Requests
/// that arrive while a sync runs are merged into the next one.
struct Syncer {
    requests: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Syncer {
    fn start(file: &File) -> std::io::Result<Syncer> {
        let file = file.try_clone()?;
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("transcript-sync".into())
            .spawn(move || {
                while rx.recv().is_ok() {
                    while rx.try_recv().is_ok() {}
                    file.sync_data()?;
                }
                Ok(())
            })?;
        Ok(Syncer {
            requests: Some(tx),
            thread: Some(thread),
        })
    }

    fn request(&self) {
        if let Some(tx) = &self.requests {
            let _ = tx.send(());
        }
    }

    /// Waits for the pending syncs; the first error, if any.
    fn stop(&mut self) -> std::io::Result<()> {
        drop(self.requests.take());
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

impl std::fmt::Debug for TranscriptWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the signing key.
        f.debug_struct("TranscriptWriter")
            .field("path", &self.path)
            .field("party", &self.party)
            .field("records", &self.records)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl TranscriptWriter {
    /// Creates the transcript file at `path` (which must not exist yet: transcripts are
    /// never overwritten) and writes the header. `key` is the party's node signing key,
    /// whose public half is in the federation file; `header.party` is the writer's party.
    pub fn create(
        path: impl AsRef<Path>,
        header: Header,
        key: SigningKey,
    ) -> Result<TranscriptWriter, TranscriptError> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| TranscriptError::Io {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        let syncer = Syncer::start(&file).map_err(|e| TranscriptError::Io {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let mut w = TranscriptWriter {
            file,
            path,
            key,
            job: header.job,
            party: header.party,
            head: chain_start(),
            records: 0,
            phase: String::new(),
            finished: false,
            error: None,
            first_messages: Default::default(),
            pair_keys: Default::default(),
            syncer,
        };
        let header = Header {
            job_id: bounded_text(&header.job_id),
            software: bounded_text(&header.software),
            ..header
        };
        w.append(Record::Header(header));
        w.result()?;
        Ok(w)
    }

    /// Records the commitment to this party's input (see
    /// [`commit_input`](super::commit_input)). Must come right after the header, before
    /// the protocol starts; at most once.
    pub fn commit_input(&mut self, commitment: Digest) -> Result<(), TranscriptError> {
        if self.records != 1 {
            return Err(TranscriptError::Misuse(
                "the input commitment must directly follow the header".into(),
            ));
        }
        self.append(Record::Input { commitment });
        self.result()
    }

    /// A phase begins: signs a checkpoint over everything so far, then records the phase.
    pub fn begin_phase(&mut self, name: &str) {
        self.checkpoint();
        self.phase = bounded_text(name);
        self.append(Record::Phase {
            name: self.phase.clone(),
            time_ms: now_ms(),
        });
    }

    /// Records one message: its metadata and the BLAKE3 hash of its payload.
    ///
    /// The pair's first messages (sequence 0 each way) are hashed plainly and kept in
    /// memory until both are seen, to derive the pair's message key
    /// ([`pair_key`]); later messages are hashed under that key. A later message before
    /// the key is known is a protocol-order error and makes the transcript fail.
    pub fn record_message(&mut self, m: &MessageRecord<'_>) {
        let peer = m.peer.index();
        let key = if m.sequence == 0 {
            self.note_first_message(m);
            None
        } else {
            match &self.pair_keys[peer] {
                Some(k) => Some(**k),
                None => {
                    if self.error.is_none() {
                        self.error = Some(format!(
                            "message {} with {} before the pair's first messages",
                            m.sequence, m.peer
                        ));
                    }
                    return;
                }
            }
        };
        let entry = MessageEntry {
            direction: m.direction,
            peer: m.peer,
            phase: bounded_text(m.phase),
            seq: m.sequence,
            len: m.payload.len() as u64,
            hash: message_hash(key.as_ref(), m.payload),
        };
        self.append(Record::Message(entry));
    }

    /// Keeps a first message (a secret: it carries key material) until the pair key can
    /// be derived, then derives it and forgets both messages.
    fn note_first_message(&mut self, m: &MessageRecord<'_>) {
        let peer = m.peer.index();
        let d = usize::from(m.direction == Direction::Received);
        self.first_messages[peer][d] = Some(Zeroizing::new(m.payload.to_vec()));
        if let [Some(sent), Some(received)] = &self.first_messages[peer] {
            let (low_to_high, high_to_low) = if self.party.index() < peer {
                (sent, received)
            } else {
                (received, sent)
            };
            self.pair_keys[peer] = Some(Zeroizing::new(pair_key(low_to_high, high_to_low)));
            self.first_messages[peer] = [None, None];
        }
    }

    /// Records that `count` values of `output` were opened to `to`.
    pub fn record_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        let mut to = to.to_vec();
        to.sort();
        to.dedup();
        self.append(Record::Reveal(RevealEntry {
            phase: self.phase.clone(),
            output: bounded_text(output),
            to,
            count: count as u64,
        }));
    }

    /// Records that the parties `to` learned the public number `value`, named `what`, as
    /// documented protocol leakage (table and intersection sizes in record linkage). The
    /// protocol reports such numbers through its observer
    /// ([`MessageObserver::on_learned`]), which calls this (every party alike).
    pub fn record_learned(&mut self, what: &str, to: &[PartyId], value: u64) {
        let mut to = to.to_vec();
        to.sort();
        to.dedup();
        self.append(Record::Learned(LearnedEntry {
            phase: self.phase.clone(),
            what: bounded_text(what),
            to,
            value,
        }));
    }

    /// Signs the chain so far and appends the checkpoint; then `fsync`s the file.
    pub fn checkpoint(&mut self) {
        let covers = self.records;
        let message = checkpoint_message(&self.job, self.party, &self.head, covers);
        let signature = self.key.sign(&message).to_bytes();
        self.append(Record::Checkpoint(Checkpoint {
            covers,
            head: self.head,
            signature,
        }));
        if self.error.is_none() {
            self.syncer.request();
        }
    }

    /// Appends a record that is not a header or checkpoint (for tools that derive a
    /// transcript from another one, such as tests and replay). Records written this way are
    /// chained and covered by the next checkpoint like any other.
    pub fn append_entry(&mut self, record: Record) -> Result<(), TranscriptError> {
        match record {
            Record::Header(_) | Record::Checkpoint(_) => Err(TranscriptError::Misuse(
                "headers and checkpoints are written by the writer itself".into(),
            )),
            Record::Phase { ref name, .. } => {
                self.checkpoint();
                self.phase = name.clone();
                self.append(record);
                self.result()
            }
            r => {
                self.append(r);
                self.result()
            }
        }
    }

    /// Records the outcome, signs the final checkpoint and syncs the file. After this the
    /// transcript is complete; further records are refused.
    pub fn finish(&mut self, outcome: Outcome) -> Result<TranscriptSummary, TranscriptError> {
        self.finish_at(outcome, now_ms())
    }

    /// [`finish`](Self::finish) with an explicit time (for tools that re-derive a
    /// transcript from another one).
    pub fn finish_at(
        &mut self,
        outcome: Outcome,
        time_ms: u64,
    ) -> Result<TranscriptSummary, TranscriptError> {
        if self.finished {
            return Err(TranscriptError::Misuse(
                "the transcript is already finished".into(),
            ));
        }
        let outcome = match outcome {
            Outcome::Abort { reason } => Outcome::Abort {
                reason: bounded_text(&reason),
            },
            o => o,
        };
        self.append(Record::Outcome { outcome, time_ms });
        self.checkpoint();
        self.finished = true;
        // The end is synced before `finish` returns.
        let synced = self.syncer.stop().and_then(|()| self.file.sync_data());
        if let (Err(e), None) = (synced, &self.error) {
            self.error = Some(e.to_string());
        }
        self.result()?;
        Ok(TranscriptSummary {
            path: self.path.clone(),
            records: self.records,
            head: self.head,
        })
    }

    /// The first write error, if any (the transcript is then incomplete).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Number of records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The current chain head.
    pub fn head(&self) -> Digest {
        self.head
    }

    /// Whether [`finish`](Self::finish) has run.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn result(&self) -> Result<(), TranscriptError> {
        match &self.error {
            Some(reason) => Err(TranscriptError::Io {
                path: self.path.clone(),
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    fn append(&mut self, record: Record) {
        if self.error.is_some() {
            return;
        }
        if self.finished {
            self.error = Some("record after the transcript was finished".into());
            return;
        }
        let index = self.records + 1;
        let mut line = record.encode(index).into_bytes();
        self.head = chain_step(&self.head, &line);
        line.push(b'\n');
        // One write per record: the file is never buffered in this process, so what was
        // recorded is in the operating system even if the node then crashes.
        match self.file.write_all(&line) {
            Ok(()) => self.records = index,
            Err(e) => self.error = Some(e.to_string()),
        }
    }
}

/// A [`TranscriptWriter`] shared between the protocol context (as its observer) and the
/// node (which records the input commitment and the outcome).
#[derive(Clone, Debug)]
pub struct SharedTranscript(Arc<Mutex<TranscriptWriter>>);

impl SharedTranscript {
    /// Wraps a writer.
    pub fn new(writer: TranscriptWriter) -> SharedTranscript {
        SharedTranscript(Arc::new(Mutex::new(writer)))
    }

    /// A boxed handle for [`Context::start`](samen_protocol::Context::start).
    pub fn observer(&self) -> Box<dyn MessageObserver> {
        Box::new(self.clone())
    }

    /// Locks the writer (a panic elsewhere while holding the lock does not make the
    /// transcript unusable: the outcome can still be recorded).
    pub fn lock(&self) -> MutexGuard<'_, TranscriptWriter> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// See [`TranscriptWriter::commit_input`].
    pub fn commit_input(&self, commitment: Digest) -> Result<(), TranscriptError> {
        self.lock().commit_input(commitment)
    }

    /// See [`TranscriptWriter::record_learned`].
    pub fn record_learned(&self, what: &str, to: &[PartyId], value: u64) {
        self.lock().record_learned(what, to, value)
    }

    /// See [`TranscriptWriter::finish`].
    pub fn finish(&self, outcome: Outcome) -> Result<TranscriptSummary, TranscriptError> {
        self.lock().finish(outcome)
    }
}

impl MessageObserver for SharedTranscript {
    fn on_message(&mut self, record: &MessageRecord<'_>) {
        self.lock().record_message(record);
    }

    fn on_phase(&mut self, phase: &str) {
        self.lock().begin_phase(phase);
    }

    fn on_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        self.lock().record_reveal(output, to, count);
    }

    fn on_learned(&mut self, what: &str, to: &[PartyId], value: u64) {
        self.record_learned(what, to, value);
    }
}
