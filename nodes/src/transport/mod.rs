//! The QUIC transport between the three nodes: mutual TLS with pinned certificates, one
//! connection per pair of parties, a stream per protocol phase, length-prefixed frames.
//!
//! [`connect_mesh`] builds the three-party mesh and returns a [`QuicChannel`], which
//! implements the engine's [`samen_protocol::Channel`]: nothing above it knows it is QUIC.
//! The lower-index party of each pair dials the higher one (P0→P1, P0→P2, P1→P2) and
//! retries until [`TransportConfig::connect_timeout`]; the other side accepts and tells
//! which peer connected from the pinned certificate fingerprint ([`tls`]). Both sides then
//! exchange a `Hello` with the protocol version and the session hash (the job hash): a
//! node never runs a job with a peer that runs a different one.
//!
//! Messages are [`frame`]s on unidirectional streams, a new stream per protocol phase
//! ([`samen_protocol::Channel::begin_phase`]). `send` hands the message to a writer task
//! and returns at once (it never waits for the peer); `recv` blocks on the reader task's
//! queue up to [`TransportConfig::recv_timeout`]. A dead peer is noticed by QUIC's idle
//! timeout ([`TransportConfig::idle_timeout`], with keep-alives from live peers).
//! `abort(reason)` sends an `Abort` frame and closes the connections with the reason; a
//! peer's `recv` then fails with `PeerAborted`. [`QuicChannel::close`] (or
//! [`MeshHandle::close`]) ends a successful job: it flushes, says `Bye`, and waits for both
//! peers' `Bye`, so no last message is lost.
//!
//! Cost: per message a 9-byte header; payloads are handed to QUIC without copying.
//! QUIC encrypts everything with TLS 1.3 keys (AES-GCM or ChaCha20-Poly1305 via `ring`).
//! Reveals to the network: who talks to whom, when, and message sizes; to the peers:
//! nothing beyond what the protocol sends them.

pub mod channel;
mod config;
mod connect;
mod dial;
mod endpoint;
pub mod frame;
mod peer;
mod ping;
pub mod tls;

pub use channel::{MeshHandle, QuicChannel, WireStats};
pub use config::{
    PeerConfig, TransportConfig, TransportError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_FRAME_BYTES, DEFAULT_RECV_TIMEOUT,
};
pub use connect::{connect_mesh, connect_mesh_with_socket};
pub use ping::{ping, ping_with_socket};
pub use tls::{cert_fingerprint, ALPN_MESH, ALPN_PING};
