//! The two tasks per peer connection: a writer that turns the protocol thread's commands
//! into frames on the current phase's stream, and a reader that turns the peer's frames
//! into inbox messages or a failure.
//!
//! The writer hands each message to QUIC as a `Data` frame without copying the payload;
//! on `begin_phase` it finishes its stream and opens the next one, which starts with a
//! `Phase` frame. The reader reads frames in stream order (streams are accepted in the
//! order they were opened) into a bounded per-peer inbox: unread messages may hold at most
//! about `max_frame_bytes` (each message counts its length plus [`MESSAGE_OVERHEAD`], so
//! empty messages are bounded too); beyond that the reader stops and QUIC flow control
//! holds the peer back. A failure (abort frame, lost
//! connection, oversized or unexpected frame) is recorded once in [`Shared`] and
//! delivered to every inbox, so that all waiting `recv`s end with the first cause. Sees
//! message lengths only; never inspects or logs a payload.

use std::sync::{mpsc as std_mpsc, Arc, Condvar, Mutex};
use std::time::Duration;

use bytes::Bytes;
use quinn::{Connection, ConnectionError, RecvStream, SendStream, VarInt};
use samen_protocol::{ChannelError, PartyId};
use tokio::sync::{mpsc, Semaphore};

use super::frame::{clip_reason, header, read_frame, FrameError, FrameKind};

/// What every unread message costs of the inbox budget on top of its length.
pub const MESSAGE_OVERHEAD: u64 = 1024;

/// The inbox budget (in semaphore permits) for a `max_frame_bytes` limit: room for one
/// largest message plus 64 small ones.
pub(super) fn inbox_budget(max_frame_bytes: u64) -> u32 {
    let budget = max_frame_bytes.saturating_add(64 * MESSAGE_OVERHEAD);
    u32::try_from(budget).unwrap_or(u32::MAX >> 3) // tokio's semaphore limit is usize::MAX >> 3
}

/// What one unread message costs of the inbox budget.
pub(super) fn inbox_cost(len: usize, budget: u32) -> u32 {
    let cost = (len as u64).saturating_add(MESSAGE_OVERHEAD);
    u32::try_from(cost).unwrap_or(u32::MAX).min(budget)
}

/// How long `abort` waits for the abort frame to reach the peers before closing.
pub(super) const ABORT_FLUSH: Duration = Duration::from_secs(2);

/// Application close codes on a connection (0 is what QUIC uses when a connection is
/// dropped without an explicit close, so it is not used here).
pub(crate) const CLOSE_DONE: u32 = 0x5a10;
pub(crate) const CLOSE_ABORT: u32 = 0x5a11;
pub(crate) const CLOSE_DROPPED: u32 = 0x5a12;
pub(crate) const CLOSE_REFUSED: u32 = 0x5a13;

/// A failure of the mesh, kept (cloneable) so that every later call can report it.
#[derive(Clone, Debug)]
pub(crate) enum Failure {
    PeerAborted { peer: PartyId, reason: String },
    Closed { peer: PartyId, reason: String },
    TooLarge { peer: PartyId, len: u64, limit: u64 },
    Transport { peer: PartyId, reason: String },
    LocalAbort { reason: String },
}

impl Failure {
    pub(super) fn to_error(&self, asked: PartyId) -> ChannelError {
        match self.clone() {
            Failure::PeerAborted { peer, reason } => ChannelError::PeerAborted { peer, reason },
            Failure::Closed { peer, reason } => ChannelError::Closed { peer, reason },
            Failure::TooLarge { peer, len, limit } => ChannelError::TooLarge {
                peer,
                len: usize::try_from(len).unwrap_or(usize::MAX),
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
            },
            Failure::Transport { peer, reason } => ChannelError::Transport { peer, reason },
            Failure::LocalAbort { reason } => ChannelError::Transport {
                peer: asked,
                reason: format!("this node aborted the job: {reason}"),
            },
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Failure::LocalAbort { reason } => format!("this node aborted the job: {reason}"),
            other => other.to_error(PartyId::SVB).to_string(),
        }
    }
}

/// What a reader delivers to the protocol thread.
pub(super) type Inbound = Result<Vec<u8>, Failure>;

/// State shared between the protocol thread and the reader/writer tasks.
pub(crate) struct Shared {
    pub(super) failure: Mutex<Option<Failure>>,
    pub(super) inbox: [Option<std_mpsc::Sender<Inbound>>; 3],
    pub(super) permits: [Semaphore; 3],
    pub(super) budget: u32,
    pub(super) finished: Mutex<[bool; 3]>,
    pub(super) changed: Condvar,
    pub(super) idle_timeout: Duration,
    pub(super) max_frame_bytes: u64,
}

impl Shared {
    pub(super) fn failure(&self) -> Option<Failure> {
        self.failure.lock().ok().and_then(|g| g.clone())
    }

    /// Records the mesh's first failure and wakes everything that waits.
    pub(super) fn fail(&self, failure: Failure) {
        let first = match self.failure.lock() {
            Ok(mut g) if g.is_none() => {
                *g = Some(failure.clone());
                true
            }
            _ => false,
        };
        if first {
            if !matches!(failure, Failure::LocalAbort { .. }) {
                tracing::warn!("transport: {}", failure.describe());
            }
            for s in self.inbox.iter().flatten() {
                let _ = s.send(Err(failure.clone()));
            }
        }
        self.changed.notify_all();
    }

    /// The peer said `Bye` (or closed normally): it will send nothing more.
    fn peer_finished(&self, peer: PartyId) {
        if let Ok(mut f) = self.finished.lock() {
            f[peer.index()] = true;
        }
        if let Some(s) = &self.inbox[peer.index()] {
            let _ = s.send(Err(Failure::Closed {
                peer,
                reason: "the peer finished its part of the job and closed the connection".into(),
            }));
        }
        self.changed.notify_all();
    }

    /// The connection to `peer` ended with `error`.
    fn connection_lost(&self, peer: PartyId, error: &ConnectionError, phase: &str) {
        match error {
            ConnectionError::ApplicationClosed(c)
                if c.error_code == VarInt::from_u32(CLOSE_DONE) =>
            {
                self.peer_finished(peer)
            }
            _ => self.fail(failure_from_connection(
                peer,
                error,
                phase,
                self.idle_timeout,
            )),
        }
    }
}

/// A clear failure for a lost connection.
pub(crate) fn failure_from_connection(
    peer: PartyId,
    error: &ConnectionError,
    phase: &str,
    idle: Duration,
) -> Failure {
    let during = if phase.is_empty() {
        String::new()
    } else {
        format!(" (during phase '{phase}')")
    };
    match error {
        ConnectionError::ApplicationClosed(c) => {
            let reason = String::from_utf8_lossy(&c.reason).into_owned();
            if c.error_code == VarInt::from_u32(CLOSE_ABORT) {
                Failure::PeerAborted { peer, reason }
            } else if c.error_code == VarInt::from_u32(CLOSE_DROPPED) {
                Failure::Closed { peer, reason: format!("the peer stopped before finishing the job{during}: {reason}") }
            } else {
                Failure::Closed { peer, reason: format!("the peer closed the connection{during}: {reason}") }
            }
        }
        ConnectionError::TimedOut => Failure::Closed {
            peer,
            reason: format!(
                "no packets from the peer for {idle:?}{during}: its node stopped or the network is down"
            ),
        },
        ConnectionError::Reset => {
            Failure::Closed { peer, reason: format!("the peer reset the connection{during} (did it restart?)") }
        }
        ConnectionError::LocallyClosed => {
            Failure::Closed { peer, reason: format!("this node closed the connection{during}") }
        }
        other => Failure::Transport { peer, reason: format!("{other}{during}") },
    }
}

/// What the protocol thread asks a writer task to do.
pub(super) enum WriterCmd {
    Data(Vec<u8>),
    Phase(String),
    Abort(String, std_mpsc::Sender<()>),
    Bye(std_mpsc::Sender<Result<(), Failure>>),
}

async fn write_frame(
    stream: &mut SendStream,
    kind: FrameKind,
    payload: Bytes,
) -> Result<(), quinn::WriteError> {
    let h = Bytes::copy_from_slice(&header(kind, payload.len()));
    stream.write_all_chunks(&mut [h, payload]).await
}

fn write_failure(
    peer: PartyId,
    conn: &Connection,
    e: quinn::WriteError,
    phase: &str,
    idle: Duration,
) -> Failure {
    match (conn.close_reason(), e) {
        (Some(lost), _) => failure_from_connection(peer, &lost, phase, idle),
        (None, quinn::WriteError::ConnectionLost(lost)) => {
            failure_from_connection(peer, &lost, phase, idle)
        }
        (None, quinn::WriteError::Stopped(code)) => Failure::Closed {
            peer,
            reason: format!("the peer stopped reading (code {code}) during phase '{phase}'"),
        },
        (None, other) => Failure::Transport {
            peer,
            reason: format!("writing during phase '{phase}': {other}"),
        },
    }
}

/// Whether a finished stream counts as delivered: acknowledged, or the peer closed the
/// connection normally (it has everything it wanted).
fn delivered(peer: PartyId, r: Result<Option<VarInt>, quinn::StoppedError>) -> Result<(), Failure> {
    match r {
        Ok(None) => Ok(()),
        Ok(Some(code)) => Err(Failure::Closed {
            peer,
            reason: format!("the peer stopped reading (code {code})"),
        }),
        Err(quinn::StoppedError::ConnectionLost(ConnectionError::ApplicationClosed(c)))
            if c.error_code == VarInt::from_u32(CLOSE_DONE) =>
        {
            Ok(())
        }
        Err(e) => Err(Failure::Transport {
            peer,
            reason: e.to_string(),
        }),
    }
}

pub(super) async fn writer(
    shared: Arc<Shared>,
    peer: PartyId,
    conn: Connection,
    mut stream: SendStream,
    mut commands: mpsc::UnboundedReceiver<WriterCmd>,
) {
    let mut phase = String::new();
    while let Some(cmd) = commands.recv().await {
        let result = match cmd {
            WriterCmd::Data(m) => write_frame(&mut stream, FrameKind::Data, Bytes::from(m)).await,
            WriterCmd::Phase(name) => {
                let _ = stream.finish();
                phase = name;
                match conn.open_uni().await {
                    Ok(s) => {
                        stream = s;
                        write_frame(
                            &mut stream,
                            FrameKind::Phase,
                            Bytes::from(phase.clone().into_bytes()),
                        )
                        .await
                    }
                    Err(e) => Err(quinn::WriteError::ConnectionLost(e)),
                }
            }
            WriterCmd::Abort(reason, ack) => {
                let payload = Bytes::from(clip_reason(&reason).as_bytes().to_vec());
                if write_frame(&mut stream, FrameKind::Abort, payload)
                    .await
                    .is_ok()
                {
                    let _ = stream.finish();
                    let _ = tokio::time::timeout(ABORT_FLUSH, stream.stopped()).await;
                }
                let _ = ack.send(());
                return;
            }
            WriterCmd::Bye(ack) => {
                let r = match write_frame(&mut stream, FrameKind::Bye, Bytes::new()).await {
                    Ok(()) => {
                        let _ = stream.finish();
                        delivered(peer, stream.stopped().await)
                    }
                    Err(e) => Err(write_failure(peer, &conn, e, &phase, shared.idle_timeout)),
                };
                let _ = ack.send(r);
                return;
            }
        };
        if let Err(e) = result {
            shared.fail(write_failure(peer, &conn, e, &phase, shared.idle_timeout));
            return;
        }
    }
}

pub(super) async fn reader(
    shared: Arc<Shared>,
    peer: PartyId,
    conn: Connection,
    mut stream: RecvStream,
) {
    let mut phase = String::new();
    // The first stream starts after the hello (already read); later ones with a phase frame.
    let mut expect_phase = false;
    loop {
        match read_frame(&mut stream, shared.max_frame_bytes).await {
            Ok(Some(frame)) => match frame.kind {
                FrameKind::Phase if expect_phase => {
                    phase = String::from_utf8_lossy(&frame.payload).into_owned();
                    expect_phase = false;
                }
                FrameKind::Data if !expect_phase => {
                    // A closed semaphore means this node is closing: drain and discard.
                    let cost = inbox_cost(frame.payload.len(), shared.budget);
                    if let Ok(permit) = shared.permits[peer.index()].acquire_many(cost).await {
                        permit.forget();
                        if let Some(s) = &shared.inbox[peer.index()] {
                            let _ = s.send(Ok(frame.payload));
                        }
                    }
                }
                FrameKind::Abort => {
                    let reason = String::from_utf8_lossy(&frame.payload).into_owned();
                    shared.fail(Failure::PeerAborted { peer, reason });
                    return;
                }
                FrameKind::Bye => {
                    shared.peer_finished(peer);
                    // Read the stream to its end before letting go of it: a receive stream
                    // dropped before its end was read makes quinn send STOP_SENDING(0), and
                    // the peer's writer, waiting to learn that its `Bye` was delivered,
                    // would take that for "stopped reading" and fail its close. Nothing may
                    // follow a `Bye` (limit 0 bytes).
                    let _ = tokio::time::timeout(shared.idle_timeout, stream.read_to_end(0)).await;
                    return;
                }
                other => {
                    shared.fail(Failure::Transport {
                        peer,
                        reason: format!("unexpected {other:?} frame in phase '{phase}'"),
                    });
                    conn.close(
                        VarInt::from_u32(CLOSE_REFUSED),
                        b"protocol error: unexpected frame",
                    );
                    return;
                }
            },
            Ok(None) => match conn.accept_uni().await {
                Ok(s) => {
                    stream = s;
                    expect_phase = true;
                }
                Err(e) => {
                    shared.connection_lost(peer, &e, &phase);
                    return;
                }
            },
            Err(FrameError::TooLarge {
                kind: FrameKind::Data,
                len,
                limit,
            }) => {
                shared.fail(Failure::TooLarge { peer, len, limit });
                return;
            }
            Err(FrameError::Io(e)) => {
                match conn.close_reason() {
                    Some(lost) => shared.connection_lost(peer, &lost, &phase),
                    None => shared.fail(Failure::Transport {
                        peer,
                        reason: format!("reading phase '{phase}': {e}"),
                    }),
                }
                return;
            }
            Err(e) => {
                shared.fail(Failure::Transport {
                    peer,
                    reason: format!("{e} in phase '{phase}'"),
                });
                return;
            }
        }
    }
}

/// An established, greeted connection to one peer, ready for the reader and writer.
pub(crate) struct Link {
    pub(crate) peer: PartyId,
    pub(crate) connection: Connection,
    pub(crate) send: SendStream,
    pub(crate) recv: RecvStream,
}
