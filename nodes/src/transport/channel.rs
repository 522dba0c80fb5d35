//! [`QuicChannel`]: the engine's [`Channel`] over the QUIC mesh, bridging the protocol's
//! synchronous thread to the transport's tokio tasks.
//!
//! Per peer there is one writer task and one reader task (`peer.rs`). `send` queues the
//! message to the writer (an unbounded queue: it never waits for the peer, and the
//! protocol's lock-step rounds bound what is queued); `begin_phase` asks each writer to
//! start a new stream. `recv` takes from the reader's bounded inbox (at most
//! about `max_frame_bytes` of unread messages) with the configured timeout. `abort` and `close`
//! run here, on the caller's thread, bounded in time.
//!
//! Failures are sticky and shared: once a peer aborts, dies or misbehaves, every later
//! `send` and every `recv` (after the messages that arrived before the failure) returns the
//! first failure, naming the peer and, where known, the phase. Reveals nothing: the
//! transport never looks inside a message, and errors carry no message contents.

use std::sync::{mpsc as std_mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use quinn::{Connection, Endpoint, VarInt};
use samen_protocol::{Channel, ChannelError, PartyId};
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, Semaphore};

use super::config::TransportError;
use super::frame::clip_reason;
use super::peer::{
    inbox_budget, inbox_cost, reader, writer, Failure, Inbound, Link, Shared, WriterCmd,
    ABORT_FLUSH, CLOSE_ABORT, CLOSE_DONE, CLOSE_DROPPED,
};

struct PeerLink {
    peer: PartyId,
    connection: Connection,
    writer: mpsc::UnboundedSender<WriterCmd>,
}

#[derive(Debug)]
enum State {
    Open,
    Closed,
    Aborted(String),
}

/// The mesh behind a [`QuicChannel`] and its [`MeshHandle`]s.
struct MeshInner {
    party: PartyId,
    runtime: Option<Runtime>,
    endpoint: Option<Endpoint>,
    peers: Vec<PeerLink>,
    shared: Arc<Shared>,
    state: Mutex<State>,
    recv_timeout: Duration,
}

impl MeshInner {
    fn link(&self, peer: PartyId) -> Result<&PeerLink, ChannelError> {
        self.peers
            .iter()
            .find(|l| l.peer == peer)
            .ok_or(ChannelError::Transport {
                peer,
                reason: "not a peer of this node".into(),
            })
    }

    fn send(&self, to: PartyId, message: Vec<u8>) -> Result<(), ChannelError> {
        let link = self.link(to)?;
        if let Some(f) = self.shared.failure() {
            return Err(f.to_error(to));
        }
        let limit = self.shared.max_frame_bytes;
        if message.len() as u64 > limit {
            return Err(ChannelError::TooLarge {
                peer: to,
                len: message.len(),
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
            });
        }
        link.writer
            .send(WriterCmd::Data(message))
            .map_err(|_| ChannelError::Closed {
                peer: to,
                reason: "the connection's writer has stopped".into(),
            })
    }

    fn begin_phase(&self, phase: &str) -> Result<(), ChannelError> {
        if let Some(f) = self.shared.failure() {
            return Err(f.to_error(self.peers[0].peer));
        }
        for l in &self.peers {
            l.writer
                .send(WriterCmd::Phase(phase.to_string()))
                .map_err(|_| ChannelError::Closed {
                    peer: l.peer,
                    reason: "the connection's writer has stopped".into(),
                })?;
        }
        Ok(())
    }

    fn abort(&self, reason: &str) {
        {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            if !matches!(*state, State::Open) {
                return;
            }
            *state = State::Aborted(reason.to_string());
        }
        tracing::warn!("transport: aborting the job: {reason}");
        self.shared.fail(Failure::LocalAbort {
            reason: reason.to_string(),
        });
        let (ack_tx, ack_rx) = std_mpsc::channel();
        for l in &self.peers {
            let _ = l
                .writer
                .send(WriterCmd::Abort(reason.to_string(), ack_tx.clone()));
        }
        drop(ack_tx);
        let deadline = Instant::now() + ABORT_FLUSH;
        for _ in &self.peers {
            let left = deadline.saturating_duration_since(Instant::now());
            if ack_rx.recv_timeout(left).is_err() {
                break;
            }
        }
        for l in &self.peers {
            l.connection.close(
                VarInt::from_u32(CLOSE_ABORT),
                clip_reason(reason).as_bytes(),
            );
        }
        self.wait_idle(Duration::from_millis(500));
    }

    fn close(&self) -> Result<(), TransportError> {
        {
            let mut state = self
                .state
                .lock()
                .map_err(|_| TransportError::Close("state poisoned".into()))?;
            match &*state {
                State::Open => *state = State::Closed,
                State::Closed => return Ok(()),
                State::Aborted(r) => return Err(TransportError::Aborted(r.clone())),
            }
        }
        if let Some(f) = self.shared.failure() {
            let reason = f.describe();
            for l in &self.peers {
                l.connection.close(
                    VarInt::from_u32(CLOSE_ABORT),
                    clip_reason(&reason).as_bytes(),
                );
            }
            self.wait_idle(Duration::from_millis(500));
            return Err(TransportError::Aborted(reason));
        }
        // From here on, unread messages are discarded so that the readers reach the `Bye`.
        for p in &self.shared.permits {
            p.close();
        }
        let (ack_tx, ack_rx) = std_mpsc::channel();
        for l in &self.peers {
            let _ = l.writer.send(WriterCmd::Bye(ack_tx.clone()));
        }
        drop(ack_tx);
        let deadline = Instant::now() + self.recv_timeout;
        let mut problems = Vec::new();
        for _ in &self.peers {
            match ack_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Ok(())) => {}
                Ok(Err(f)) => problems.push(format!(
                    "our last messages may not have arrived: {}",
                    f.describe()
                )),
                Err(_) => {
                    problems.push("a peer did not acknowledge our last messages in time".into());
                    break;
                }
            }
        }
        // Wait for both peers' goodbyes (or a failure).
        if let Ok(mut finished) = self.shared.finished.lock() {
            loop {
                let missing: Vec<PartyId> = self
                    .peers
                    .iter()
                    .map(|l| l.peer)
                    .filter(|p| !finished[p.index()])
                    .collect();
                if missing.is_empty() {
                    break;
                }
                if let Some(f) = self.shared.failure() {
                    problems.push(f.describe());
                    break;
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    let names: Vec<String> = missing.iter().map(|p| p.to_string()).collect();
                    problems.push(format!(
                        "{} did not finish within {:?}",
                        names.join(" and "),
                        self.recv_timeout
                    ));
                    break;
                }
                finished = match self.shared.changed.wait_timeout(finished, left) {
                    Ok((g, _)) => g,
                    Err(_) => break,
                };
            }
        }
        let code = if problems.is_empty() {
            CLOSE_DONE
        } else {
            CLOSE_ABORT
        };
        for l in &self.peers {
            l.connection.close(VarInt::from_u32(code), b"done");
        }
        self.wait_idle(Duration::from_secs(1));
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TransportError::Close(problems.join("; ")))
        }
    }

    /// Gives the endpoint a moment to send its close frames.
    fn wait_idle(&self, limit: Duration) {
        let (Some(rt), Some(endpoint)) = (&self.runtime, &self.endpoint) else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            return; // Called from async code: cannot block here.
        }
        let endpoint = endpoint.clone();
        rt.block_on(async move {
            let _ = tokio::time::timeout(limit, endpoint.wait_idle()).await;
        });
    }
}

impl Drop for MeshInner {
    fn drop(&mut self) {
        let open = matches!(
            self.state.lock().map(|s| matches!(*s, State::Open)),
            Ok(true)
        );
        if open {
            for l in &self.peers {
                l.connection.close(
                    VarInt::from_u32(CLOSE_DROPPED),
                    b"the node stopped without closing the transport",
                );
            }
            self.wait_idle(Duration::from_millis(500));
        }
        if let Some(rt) = self.runtime.take() {
            {
                let _guard = rt.enter();
                self.peers.clear();
                self.endpoint = None;
            }
            rt.shutdown_timeout(Duration::from_millis(100));
        }
    }
}

/// Wire-level counters of one peer connection (UDP datagrams, including QUIC and TLS
/// overhead and retransmissions).
#[derive(Clone, Debug)]
pub struct WireStats {
    /// The peer.
    pub peer: PartyId,
    /// UDP payload bytes sent to it.
    pub udp_bytes_sent: u64,
    /// UDP payload bytes received from it.
    pub udp_bytes_received: u64,
    /// UDP datagrams sent to it (with segmentation offload several share one system call).
    pub datagrams_sent: u64,
    /// System calls that sent those datagrams.
    pub send_calls: u64,
    /// Packets QUIC considered lost.
    pub lost_packets: u64,
    /// The current round-trip time estimate.
    pub rtt: Duration,
}

/// A handle on the mesh that outlives the [`QuicChannel`] moved into a
/// [`samen_protocol::Context`]: close it after the job succeeded, abort it otherwise.
#[derive(Clone)]
pub struct MeshHandle {
    inner: Arc<MeshInner>,
}

impl MeshHandle {
    /// This node's party.
    pub fn party(&self) -> PartyId {
        self.inner.party
    }

    /// Ends a successful job: flushes what was sent, says `Bye` to both peers, waits (up to
    /// the receive timeout) until both peers said `Bye` too, then closes the connections.
    /// An error means a peer may not have received our last messages or did not finish;
    /// after an abort or a peer failure it returns [`TransportError::Aborted`].
    pub fn close(&self) -> Result<(), TransportError> {
        self.inner.close()
    }

    /// Aborts the job: sends an `Abort` frame with `reason` to both peers and closes the
    /// connections with it. Best effort and bounded in time (about two seconds at most).
    pub fn abort(&self, reason: &str) {
        self.inner.abort(reason)
    }

    /// Wire-level counters per peer.
    pub fn wire_stats(&self) -> Vec<WireStats> {
        self.inner
            .peers
            .iter()
            .map(|l| {
                let s = l.connection.stats();
                WireStats {
                    peer: l.peer,
                    udp_bytes_sent: s.udp_tx.bytes,
                    udp_bytes_received: s.udp_rx.bytes,
                    datagrams_sent: s.udp_tx.datagrams,
                    send_calls: s.udp_tx.ios,
                    lost_packets: s.path.lost_packets,
                    rtt: s.path.rtt,
                }
            })
            .collect()
    }
}

impl std::fmt::Debug for MeshHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MeshHandle({})", self.inner.party)
    }
}

/// This node's end of the three-party QUIC mesh; implements [`Channel`].
///
/// Use it from ordinary threads (not from inside an async runtime). Dropping the channel
/// and all its [`MeshHandle`]s without [`close`](QuicChannel::close) or `abort` closes the
/// connections with a "stopped without closing" error that the peers report.
pub struct QuicChannel {
    inner: Arc<MeshInner>,
    inbox: [Option<std_mpsc::Receiver<Inbound>>; 3],
    ended: [Option<Failure>; 3],
}

impl QuicChannel {
    /// Assembles the channel from greeted connections: spawns a reader and a writer per peer.
    pub(crate) fn start(
        party: PartyId,
        runtime: Runtime,
        endpoint: Endpoint,
        links: Vec<Link>,
        recv_timeout: Duration,
        idle_timeout: Duration,
        max_frame_bytes: u64,
    ) -> QuicChannel {
        let mut senders: [Option<std_mpsc::Sender<Inbound>>; 3] = Default::default();
        let mut receivers: [Option<std_mpsc::Receiver<Inbound>>; 3] = Default::default();
        for l in &links {
            let (s, r) = std_mpsc::channel();
            senders[l.peer.index()] = Some(s);
            receivers[l.peer.index()] = Some(r);
        }
        let budget = inbox_budget(max_frame_bytes);
        let shared = Arc::new(Shared {
            failure: Mutex::new(None),
            budget,
            inbox: senders,
            permits: [
                Semaphore::new(budget as usize),
                Semaphore::new(budget as usize),
                Semaphore::new(budget as usize),
            ],
            finished: Mutex::new([false; 3]),
            changed: Condvar::new(),
            idle_timeout,
            max_frame_bytes,
        });
        let mut peers = Vec::new();
        for l in links {
            let (tx, rx) = mpsc::unbounded_channel();
            runtime.spawn(writer(
                shared.clone(),
                l.peer,
                l.connection.clone(),
                l.send,
                rx,
            ));
            runtime.spawn(reader(shared.clone(), l.peer, l.connection.clone(), l.recv));
            peers.push(PeerLink {
                peer: l.peer,
                connection: l.connection,
                writer: tx,
            });
        }
        let inner = MeshInner {
            party,
            runtime: Some(runtime),
            endpoint: Some(endpoint),
            peers,
            shared,
            state: Mutex::new(State::Open),
            recv_timeout,
        };
        QuicChannel {
            inner: Arc::new(inner),
            inbox: receivers,
            ended: Default::default(),
        }
    }

    /// This node's party.
    pub fn party(&self) -> PartyId {
        self.inner.party
    }

    /// A handle for closing or aborting after the channel was moved into a `Context`.
    pub fn handle(&self) -> MeshHandle {
        MeshHandle {
            inner: self.inner.clone(),
        }
    }

    /// Ends a successful job; see [`MeshHandle::close`].
    pub fn close(self) -> Result<(), TransportError> {
        self.inner.close()
    }
}

impl std::fmt::Debug for QuicChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QuicChannel({})", self.inner.party)
    }
}

impl Channel for QuicChannel {
    fn send(&mut self, to: PartyId, message: Vec<u8>) -> Result<(), ChannelError> {
        self.inner.send(to, message)
    }

    fn recv(&mut self, from: PartyId) -> Result<Vec<u8>, ChannelError> {
        if let Some(f) = &self.ended[from.index()] {
            return Err(f.to_error(from));
        }
        let rx = self.inbox[from.index()]
            .as_ref()
            .ok_or(ChannelError::Transport {
                peer: from,
                reason: "not a peer of this node".into(),
            })?;
        let item = match rx.try_recv() {
            Ok(item) => item,
            Err(std_mpsc::TryRecvError::Empty) => {
                if let Some(f) = self.inner.shared.failure() {
                    return Err(f.to_error(from));
                }
                match rx.recv_timeout(self.inner.recv_timeout) {
                    Ok(item) => item,
                    Err(std_mpsc::RecvTimeoutError::Timeout) => {
                        return Err(ChannelError::Timeout { peer: from })
                    }
                    Err(std_mpsc::RecvTimeoutError::Disconnected) => {
                        return Err(ChannelError::Closed {
                            peer: from,
                            reason: "the transport has stopped".into(),
                        })
                    }
                }
            }
            Err(std_mpsc::TryRecvError::Disconnected) => {
                return Err(ChannelError::Closed {
                    peer: from,
                    reason: "the transport has stopped".into(),
                })
            }
        };
        match item {
            Ok(message) => {
                let cost = inbox_cost(message.len(), self.inner.shared.budget);
                self.inner.shared.permits[from.index()].add_permits(cost as usize);
                Ok(message)
            }
            Err(f) => {
                let e = f.to_error(from);
                self.ended[from.index()] = Some(f);
                Err(e)
            }
        }
    }

    fn begin_phase(&mut self, phase: &str) -> Result<(), ChannelError> {
        self.inner.begin_phase(phase)
    }

    fn abort(&mut self, reason: &str) {
        self.inner.abort(reason)
    }
}
