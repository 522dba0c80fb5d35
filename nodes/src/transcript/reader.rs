//! Reading transcript files, which are untrusted input: a transcript handed to an auditor
//! may have been truncated by a crash, edited, or fabricated.
//!
//! The reader never panics and never allocates more than a bounded amount per line
//! ([`MAX_LINE_BYTES`]); the number of records is capped at [`MAX_RECORDS`]. It parses
//! lines in order, checks that each is canonical and that its position field matches its
//! line number, and computes the hash chain as it goes. At the first line it cannot accept
//! it stops and says why: everything before that line is the readable prefix, which the
//! verifier still checks (signatures, chain) so that a crash leaves a verifiable prefix.
//!
//! The reader checks the syntax of single lines only; what records may follow which, the
//! signatures and the agreement between parties are the verifier's
//! ([`crate::audit::verify`](mod@crate::audit::verify)).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::format::{
    chain_start, chain_step, parse_line, Digest, LineError, Record, MAX_LINE_BYTES,
};
use super::TranscriptError;

/// The most records a transcript may have.
pub const MAX_RECORDS: u64 = 100_000_000;

/// One record read from a transcript, with its position and the chain value after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Position in the file: the first line is record 1.
    pub index: u64,
    /// The record.
    pub record: Record,
    /// The chain value `h_index` after this record.
    pub chain: Digest,
}

/// Why the reader stopped before the end of the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StopReason {
    /// The line could not be parsed as a canonical record.
    #[error("{0}")]
    Line(#[from] LineError),
    /// The record's position field does not match its line: records were deleted,
    /// inserted or reordered.
    #[error("the record says it is record {found}: records were deleted, inserted or reordered")]
    Position {
        /// The `i` field found.
        found: u64,
    },
    /// The last line has no final newline: the writer was interrupted (or the file cut).
    #[error("the last line is incomplete (no final newline)")]
    PartialLine,
    /// The file holds more than [`MAX_RECORDS`] records.
    #[error("more than {MAX_RECORDS} records")]
    TooManyRecords,
    /// Reading the file failed part-way.
    #[error("read error: {0}")]
    Io(String),
}

/// The first line the reader could not accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadStop {
    /// The line number (1-based) of the line that was not accepted.
    pub line: u64,
    /// Why.
    pub reason: StopReason,
}

/// The readable prefix of a transcript and, if the reader stopped early, where and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedTranscript {
    /// The records read, in order (`entries[k].index == k + 1`).
    pub entries: Vec<Entry>,
    /// `None` if every line of the file was read.
    pub stop: Option<ReadStop>,
}

impl ParsedTranscript {
    /// The chain value after the last record read (`h_0` if none).
    pub fn head(&self) -> Digest {
        self.entries
            .last()
            .map(|e| e.chain)
            .unwrap_or_else(chain_start)
    }
}

/// Parses a transcript held in memory.
pub fn parse_bytes(bytes: &[u8]) -> ParsedTranscript {
    // Reading from a slice cannot fail.
    parse_reader(bytes).unwrap_or_else(|e| ParsedTranscript {
        entries: Vec::new(),
        stop: Some(ReadStop {
            line: 1,
            reason: StopReason::Io(e.to_string()),
        }),
    })
}

/// Reads and parses the transcript file at `path`.
pub fn read_file(path: impl AsRef<Path>) -> Result<ParsedTranscript, TranscriptError> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| TranscriptError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse_reader(BufReader::new(file)).map_err(|e| TranscriptError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Parses a transcript from any reader. An I/O error before the first byte is returned;
/// one after it ends the readable prefix ([`StopReason::Io`]).
pub fn parse_reader<R: Read>(reader: R) -> std::io::Result<ParsedTranscript> {
    let mut reader = BufReader::new(reader);
    let mut out = ParsedTranscript::default();
    let mut head = chain_start();
    let mut buf = Vec::with_capacity(256);
    loop {
        let line_no = out.entries.len() as u64 + 1;
        buf.clear();
        // At most MAX_LINE_BYTES + 1 bytes plus the newline are ever buffered.
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 2)
            .read_until(b'\n', &mut buf);
        let n = match read {
            Ok(n) => n,
            Err(e) if line_no == 1 => return Err(e),
            Err(e) => {
                out.stop = Some(ReadStop {
                    line: line_no,
                    reason: StopReason::Io(e.to_string()),
                });
                return Ok(out);
            }
        };
        if n == 0 {
            return Ok(out);
        }
        let stop = |reason: StopReason| {
            Some(ReadStop {
                line: line_no,
                reason,
            })
        };
        if buf.last() != Some(&b'\n') {
            out.stop = if buf.len() > MAX_LINE_BYTES {
                stop(StopReason::Line(LineError::TooLong))
            } else {
                stop(StopReason::PartialLine)
            };
            return Ok(out);
        }
        if line_no > MAX_RECORDS {
            out.stop = stop(StopReason::TooManyRecords);
            return Ok(out);
        }
        let line = &buf[..buf.len() - 1];
        match parse_line(line) {
            Err(e) => {
                out.stop = stop(StopReason::Line(e));
                return Ok(out);
            }
            Ok((index, _)) if index != line_no => {
                out.stop = stop(StopReason::Position { found: index });
                return Ok(out);
            }
            Ok((index, record)) => {
                head = chain_step(&head, line);
                out.entries.push(Entry {
                    index,
                    record,
                    chain: head,
                });
            }
        }
    }
}
