//! Reading one transcript line: strict parsing into a [`Record`], for untrusted input.
//!
//! [`parse_line`] accepts a line only if it is byte-for-byte the canonical encoding
//! ([`Record::encode`], specified in [`super::format`]) of the record it parses to: any
//! other spelling of the same JSON (whitespace, field order, escapes, letter case of hex)
//! is refused, so that one record has exactly one line and the hash chain is over a
//! well-defined byte string. Never panics; lines longer than [`MAX_LINE_BYTES`] are
//! refused before parsing, so allocation is bounded by a small multiple of that.

use samen_protocol::context::Direction;
use samen_protocol::{PartyId, SecurityMode};
use serde::Deserialize;

use super::format::{
    Checkpoint, Digest, Header, LearnedEntry, MessageEntry, Outcome, Record, RevealEntry,
    FORMAT_VERSION, MAX_LINE_BYTES, MAX_TEXT_CHARS,
};

/// Why one line could not be read as a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line is longer than [`MAX_LINE_BYTES`].
    #[error("line longer than {MAX_LINE_BYTES} bytes")]
    TooLong,
    /// Not a JSON object of the expected shape.
    #[error("not a valid record: {0}")]
    Syntax(String),
    /// A field is missing for the record's type.
    #[error("{record_type} record lacks field `{field}`")]
    MissingField {
        /// The record type.
        record_type: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// A field is present that the record's type does not have.
    #[error("{record_type} record has unexpected field `{field}`")]
    UnexpectedField {
        /// The record type.
        record_type: &'static str,
        /// The unexpected field.
        field: &'static str,
    },
    /// A field has a value outside its domain.
    #[error("field `{field}`: {reason}")]
    BadValue {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The record parses but the line is not its canonical encoding (whitespace, field
    /// order, escapes, letter case), so it was not written by a conforming writer.
    #[error("line is not in canonical form")]
    NotCanonical,
}

/// The fields any record type may have, as they appear in JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    i: u64,
    #[serde(rename = "type")]
    kind: String,
    format: Option<u64>,
    party: Option<u64>,
    job_id: Option<String>,
    job: Option<String>,
    circuit: Option<String>,
    rules: Option<String>,
    federation: Option<String>,
    mode: Option<String>,
    seed: Option<String>,
    software: Option<String>,
    t: Option<u64>,
    commitment: Option<String>,
    name: Option<String>,
    dir: Option<String>,
    peer: Option<u64>,
    phase: Option<String>,
    seq: Option<u64>,
    len: Option<u64>,
    hash: Option<String>,
    output: Option<String>,
    to: Option<Vec<u64>>,
    count: Option<u64>,
    what: Option<String>,
    value: Option<u64>,
    result: Option<String>,
    reason: Option<String>,
    covers: Option<u64>,
    head: Option<String>,
    sig: Option<String>,
}

/// Parses one line (without its `\n`) into its position and record, and checks that the
/// line is the record's canonical encoding. Never panics; allocates at most a small
/// multiple of the line length.
pub fn parse_line(line: &[u8]) -> Result<(u64, Record), LineError> {
    if line.len() > MAX_LINE_BYTES {
        return Err(LineError::TooLong);
    }
    let raw: RawRecord =
        serde_json::from_slice(line).map_err(|e| LineError::Syntax(e.to_string()))?;
    let index = raw.i;
    let record = from_raw(raw)?;
    if record.encode(index).as_bytes() != line {
        return Err(LineError::NotCanonical);
    }
    Ok((index, record))
}

fn from_raw(r: RawRecord) -> Result<Record, LineError> {
    let kind: &'static str = match r.kind.as_str() {
        "header" => "header",
        "input" => "input",
        "phase" => "phase",
        "msg" => "msg",
        "reveal" => "reveal",
        "learned" => "learned",
        "outcome" => "outcome",
        "checkpoint" => "checkpoint",
        _ => {
            return Err(LineError::BadValue {
                field: "type",
                reason: "unknown record type".into(),
            })
        }
    };
    let f = Fields { kind };
    let record = match kind {
        "header" => {
            let format = f.req("format", r.format)?;
            if format != FORMAT_VERSION {
                return Err(LineError::BadValue {
                    field: "format",
                    reason: format!(
                        "version {format} is not supported (this reader reads {FORMAT_VERSION})"
                    ),
                });
            }
            let mode = match f.req("mode", r.mode)?.as_str() {
                "semi-honest" => SecurityMode::SemiHonest,
                "malicious" => SecurityMode::Malicious,
                _ => {
                    return Err(LineError::BadValue {
                        field: "mode",
                        reason: "unknown security mode".into(),
                    })
                }
            };
            Record::Header(Header {
                format,
                party: party_value("party", f.req("party", r.party)?)?,
                job_id: text_value("job_id", f.req("job_id", r.job_id)?)?,
                job: digest_value("job", &f.req("job", r.job)?)?,
                circuit: digest_value("circuit", &f.req("circuit", r.circuit)?)?,
                rules: digest_value("rules", &f.req("rules", r.rules)?)?,
                federation: digest_value("federation", &f.req("federation", r.federation)?)?,
                mode,
                seed: digest_value("seed", &f.req("seed", r.seed)?)?,
                software: text_value("software", f.req("software", r.software)?)?,
                time_ms: f.req("t", r.t)?,
            })
        }
        "input" => Record::Input {
            commitment: digest_value("commitment", &f.req("commitment", r.commitment)?)?,
        },
        "phase" => Record::Phase {
            name: text_value("name", f.req("name", r.name)?)?,
            time_ms: f.req("t", r.t)?,
        },
        "msg" => {
            let direction = match f.req("dir", r.dir)?.as_str() {
                "sent" => Direction::Sent,
                "recv" => Direction::Received,
                _ => {
                    return Err(LineError::BadValue {
                        field: "dir",
                        reason: "must be `sent` or `recv`".into(),
                    })
                }
            };
            Record::Message(MessageEntry {
                direction,
                peer: party_value("peer", f.req("peer", r.peer)?)?,
                phase: text_value("phase", f.req("phase", r.phase)?)?,
                seq: f.req("seq", r.seq)?,
                len: f.req("len", r.len)?,
                hash: digest_value("hash", &f.req("hash", r.hash)?)?,
            })
        }
        "reveal" => {
            let to = parties_value("to", f.req("to", r.to)?)?;
            Record::Reveal(RevealEntry {
                phase: text_value("phase", f.req("phase", r.phase)?)?,
                output: text_value("output", f.req("output", r.output)?)?,
                to,
                count: f.req("count", r.count)?,
            })
        }
        "learned" => Record::Learned(LearnedEntry {
            phase: text_value("phase", f.req("phase", r.phase)?)?,
            what: text_value("what", f.req("what", r.what)?)?,
            to: parties_value("to", f.req("to", r.to)?)?,
            value: f.req("value", r.value)?,
        }),
        "outcome" => {
            let outcome = match f.req("result", r.result)?.as_str() {
                "success" => Outcome::Success,
                "abort" => Outcome::Abort {
                    reason: text_value("reason", f.req("reason", r.reason.clone())?)?,
                },
                _ => {
                    return Err(LineError::BadValue {
                        field: "result",
                        reason: "must be `success` or `abort`".into(),
                    })
                }
            };
            if outcome == Outcome::Success && r.reason.is_some() {
                return Err(LineError::UnexpectedField {
                    record_type: kind,
                    field: "reason",
                });
            }
            Record::Outcome {
                outcome,
                time_ms: f.req("t", r.t)?,
            }
        }
        _ => {
            let sig = hex_value("sig", &f.req("sig", r.sig)?, 64)?;
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&sig);
            Record::Checkpoint(Checkpoint {
                covers: f.req("covers", r.covers)?,
                head: digest_value("head", &f.req("head", r.head)?)?,
                signature,
            })
        }
    };
    // Fields belonging to other record types are caught by the canonical comparison in
    // `parse_line` (the re-encoding would not contain them).
    Ok(record)
}

struct Fields {
    kind: &'static str,
}

impl Fields {
    fn req<T>(&self, field: &'static str, v: Option<T>) -> Result<T, LineError> {
        v.ok_or(LineError::MissingField {
            record_type: self.kind,
            field,
        })
    }
}

fn party_value(field: &'static str, v: u64) -> Result<PartyId, LineError> {
    u8::try_from(v)
        .ok()
        .and_then(PartyId::new)
        .ok_or(LineError::BadValue {
            field,
            reason: "party must be 0, 1 or 2".into(),
        })
}

fn parties_value(field: &'static str, raw: Vec<u64>) -> Result<Vec<PartyId>, LineError> {
    if raw.len() > 3 {
        return Err(LineError::BadValue {
            field,
            reason: "more than three parties".into(),
        });
    }
    let mut to = Vec::with_capacity(raw.len());
    for p in raw {
        to.push(party_value(field, p)?);
    }
    if to.windows(2).any(|w| w[0] >= w[1]) {
        return Err(LineError::BadValue {
            field,
            reason: "parties must be ascending without duplicates".into(),
        });
    }
    Ok(to)
}

fn text_value(field: &'static str, v: String) -> Result<String, LineError> {
    if v.chars().count() > MAX_TEXT_CHARS {
        return Err(LineError::BadValue {
            field,
            reason: format!("longer than {MAX_TEXT_CHARS} characters"),
        });
    }
    Ok(v)
}

fn hex_value(field: &'static str, v: &str, bytes: usize) -> Result<Vec<u8>, LineError> {
    if v.len() != 2 * bytes
        || !v
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(LineError::BadValue {
            field,
            reason: format!("must be {} lowercase hex digits", 2 * bytes),
        });
    }
    hex::decode(v).map_err(|_| LineError::BadValue {
        field,
        reason: "invalid hex".into(),
    })
}

fn digest_value(field: &'static str, v: &str) -> Result<Digest, LineError> {
    let b = hex_value(field, v, 32)?;
    let mut d = [0u8; 32];
    d.copy_from_slice(&b);
    Ok(d)
}
