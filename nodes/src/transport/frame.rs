//! Length-prefixed frames on a QUIC stream, with a size limit checked before allocation.
//!
//! Every frame is a 9-byte header — one kind byte and the payload length as a
//! little-endian `u64` — followed by the payload. Protocol messages travel as `Data`
//! frames whose payload is the message's bytes as the engine produced them (share columns
//! are already raw little-endian words; nothing is re-encoded). The other kinds are small
//! control frames:
//!
//! - `Hello` opens the first stream of a connection: protocol version, the sender's party
//!   index, and the 32-byte session (job) hash; a node only talks to a peer that runs the
//!   same job.
//! - `Phase` opens every later stream: the name of the protocol phase the stream carries.
//! - `Abort` carries the sender's reason for stopping the job.
//! - `Bye` says the sender finished its part and will send nothing more.
//!
//! A receiver reads the header, rejects an unknown kind or a length above its limit
//! (`max_frame_bytes` for data, [`MAX_CONTROL_BYTES`] for control frames) and only then
//! allocates exactly the announced length. Reveals nothing beyond the message lengths,
//! which the protocol's public sizes determine anyway.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes in a frame header: kind (1) and length (8).
pub const HEADER_BYTES: usize = 9;

/// The largest control frame (hello, phase, abort, bye) a node accepts.
pub const MAX_CONTROL_BYTES: u64 = 4096;

/// The current transport protocol version, sent in `Hello`.
pub const PROTOCOL_VERSION: u16 = 1;

/// Bytes in a `Hello` payload: version (2), party (1), session hash (32).
const HELLO_BYTES: usize = 35;

/// What a frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameKind {
    /// A protocol message.
    Data = 1,
    /// Connection greeting: version, party, session hash.
    Hello = 2,
    /// Start of a stream for a new protocol phase; payload is the phase name.
    Phase = 3,
    /// The sender aborts the job; payload is its reason (UTF-8).
    Abort = 4,
    /// The sender finished and will send nothing more.
    Bye = 5,
}

impl FrameKind {
    fn from_byte(b: u8) -> Option<FrameKind> {
        Some(match b {
            1 => FrameKind::Data,
            2 => FrameKind::Hello,
            3 => FrameKind::Phase,
            4 => FrameKind::Abort,
            5 => FrameKind::Bye,
            _ => return None,
        })
    }
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The header announced a payload above the limit for its kind.
    #[error("{kind:?} frame announces {len} bytes, above the limit of {limit} bytes")]
    TooLarge {
        /// The frame's kind.
        kind: FrameKind,
        /// The announced length.
        len: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The kind byte is not one this version knows.
    #[error("unknown frame kind {0:#04x}")]
    UnknownKind(u8),
    /// The stream ended inside a frame.
    #[error("stream ended inside a frame ({got} of {expected} bytes)")]
    Truncated {
        /// Bytes of the header or payload that arrived.
        got: u64,
        /// Bytes expected.
        expected: u64,
    },
    /// A control frame's payload is malformed.
    #[error("malformed {kind:?} frame: {reason}")]
    Malformed {
        /// The frame's kind.
        kind: FrameKind,
        /// What is wrong.
        reason: &'static str,
    },
    /// Reading the stream failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One frame as read from a stream.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    /// What it carries.
    pub kind: FrameKind,
    /// The payload, exactly as sent.
    pub payload: Vec<u8>,
}

/// The header for a frame of `kind` with a `len`-byte payload.
pub fn header(kind: FrameKind, len: usize) -> [u8; HEADER_BYTES] {
    let mut h = [0u8; HEADER_BYTES];
    h[0] = kind as u8;
    h[1..].copy_from_slice(&(len as u64).to_le_bytes());
    h
}

/// Parses a header and checks the announced length against the limits, before anything
/// is allocated for the payload.
pub fn parse_header(
    h: &[u8; HEADER_BYTES],
    max_data_bytes: u64,
) -> Result<(FrameKind, u64), FrameError> {
    let kind = FrameKind::from_byte(h[0]).ok_or(FrameError::UnknownKind(h[0]))?;
    let len = u64::from_le_bytes(h[1..].try_into().expect("8 bytes"));
    let limit = if kind == FrameKind::Data {
        max_data_bytes
    } else {
        MAX_CONTROL_BYTES
    };
    if len > limit {
        return Err(FrameError::TooLarge { kind, len, limit });
    }
    Ok((kind, len))
}

/// Reads the next frame. `Ok(None)` when the stream ended cleanly between frames.
///
/// The payload buffer is allocated only after [`parse_header`] accepted the length, and is
/// filled without zero-initialising it first.
pub async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut R,
    max_data_bytes: u64,
) -> Result<Option<Frame>, FrameError> {
    let mut h = [0u8; HEADER_BYTES];
    let mut got = 0;
    while got < HEADER_BYTES {
        let n = r.read(&mut h[got..]).await?;
        if n == 0 {
            if got == 0 {
                return Ok(None);
            }
            return Err(FrameError::Truncated {
                got: got as u64,
                expected: HEADER_BYTES as u64,
            });
        }
        got += n;
    }
    let (kind, len) = parse_header(&h, max_data_bytes)?;
    let len_usize = usize::try_from(len).map_err(|_| FrameError::TooLarge {
        kind,
        len,
        limit: usize::MAX as u64,
    })?;
    let mut payload = Vec::with_capacity(len_usize);
    while payload.len() < len_usize {
        let remaining = (len_usize - payload.len()) as u64;
        let n = (&mut *r).take(remaining).read_buf(&mut payload).await?;
        if n == 0 {
            return Err(FrameError::Truncated {
                got: payload.len() as u64,
                expected: len,
            });
        }
    }
    Ok(Some(Frame { kind, payload }))
}

/// A `Hello` payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The sender's transport protocol version.
    pub version: u16,
    /// The sender's party index.
    pub party: u8,
    /// The session (job) hash the sender runs.
    pub session: [u8; 32],
}

impl Hello {
    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(HELLO_BYTES);
        v.extend_from_slice(&self.version.to_le_bytes());
        v.push(self.party);
        v.extend_from_slice(&self.session);
        v
    }

    /// Parses a payload.
    pub fn decode(payload: &[u8]) -> Result<Hello, FrameError> {
        if payload.len() != HELLO_BYTES {
            return Err(FrameError::Malformed {
                kind: FrameKind::Hello,
                reason: "hello must be 35 bytes",
            });
        }
        Ok(Hello {
            version: u16::from_le_bytes([payload[0], payload[1]]),
            party: payload[2],
            session: payload[3..].try_into().expect("32 bytes"),
        })
    }
}

/// Cuts a human-readable reason to fit a control frame (on a character boundary).
pub fn clip_reason(reason: &str) -> &str {
    let max = MAX_CONTROL_BYTES as usize;
    if reason.len() <= max {
        return reason;
    }
    let mut end = max;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    fn framed(kind: FrameKind, payload: &[u8]) -> Vec<u8> {
        let mut v = header(kind, payload.len()).to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut bytes = framed(FrameKind::Data, &[1, 2, 3]);
        bytes.extend(framed(FrameKind::Data, &[]));
        bytes.extend(framed(FrameKind::Bye, &[]));
        let mut r = &bytes[..];
        run(async {
            assert_eq!(
                read_frame(&mut r, 16).await.unwrap(),
                Some(Frame {
                    kind: FrameKind::Data,
                    payload: vec![1, 2, 3]
                })
            );
            assert_eq!(
                read_frame(&mut r, 16).await.unwrap(),
                Some(Frame {
                    kind: FrameKind::Data,
                    payload: vec![]
                })
            );
            assert_eq!(
                read_frame(&mut r, 16).await.unwrap(),
                Some(Frame {
                    kind: FrameKind::Bye,
                    payload: vec![]
                })
            );
            assert_eq!(read_frame(&mut r, 16).await.unwrap(), None);
        });
    }

    #[test]
    fn oversized_announcement_is_rejected_before_allocating() {
        // A header announcing 2^62 bytes with no payload behind it: if the reader
        // allocated first, this would abort the process instead of returning an error.
        for len in [17u64, 1 << 40, 1 << 62, u64::MAX] {
            let mut h = [0u8; HEADER_BYTES];
            h[0] = FrameKind::Data as u8;
            h[1..].copy_from_slice(&len.to_le_bytes());
            let mut r = &h[..];
            let err = run(read_frame(&mut r, 16)).unwrap_err();
            assert!(
                matches!(err, FrameError::TooLarge { len: l, limit: 16, .. } if l == len),
                "{err}"
            );
        }
        // Control frames have their own small limit, whatever the data limit.
        let h = header(FrameKind::Abort, MAX_CONTROL_BYTES as usize + 1);
        assert!(matches!(
            parse_header(&h, u64::MAX),
            Err(FrameError::TooLarge {
                kind: FrameKind::Abort,
                ..
            })
        ));
        // Exactly at the limit is fine.
        assert!(parse_header(&header(FrameKind::Data, 16), 16).is_ok());
    }

    #[test]
    fn truncated_and_unknown_frames_are_errors() {
        let bytes = framed(FrameKind::Data, &[1, 2, 3, 4]);
        let mut r = &bytes[..bytes.len() - 1];
        assert!(matches!(
            run(read_frame(&mut r, 16)),
            Err(FrameError::Truncated {
                got: 3,
                expected: 4
            })
        ));
        let mut r = &bytes[..4];
        assert!(matches!(
            run(read_frame(&mut r, 16)),
            Err(FrameError::Truncated {
                got: 4,
                expected: 9
            })
        ));
        let mut bad = bytes.clone();
        bad[0] = 0x7f;
        let mut r = &bad[..];
        assert!(matches!(
            run(read_frame(&mut r, 16)),
            Err(FrameError::UnknownKind(0x7f))
        ));
    }

    #[test]
    fn hello_round_trips_and_rejects_wrong_lengths() {
        let h = Hello {
            version: PROTOCOL_VERSION,
            party: 2,
            session: [7; 32],
        };
        assert_eq!(Hello::decode(&h.encode()).unwrap(), h);
        assert!(Hello::decode(&h.encode()[..34]).is_err());
        assert!(Hello::decode(&[0; 36]).is_err());
    }

    #[test]
    fn reasons_are_clipped_on_char_boundaries() {
        let long = "é".repeat(5000);
        let clipped = clip_reason(&long);
        assert!(clipped.len() <= MAX_CONTROL_BYTES as usize);
        assert!(clipped.len() >= MAX_CONTROL_BYTES as usize - 1);
        assert_eq!(clip_reason("short"), "short");
    }
}
