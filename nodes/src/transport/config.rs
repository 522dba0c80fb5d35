//! The transport's configuration (the node's certificate and key, its peers and their
//! pinned fingerprints, the timeouts and limits) and its error type: the vocabulary every
//! other transport file uses, kept apart so that none of them depends on `mod.rs`.

use samen_protocol::PartyId;
use std::net::SocketAddr;
use std::time::Duration;
use zeroize::Zeroizing;

use crate::keys::cert_fingerprint;

/// Default for [`TransportConfig::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default for [`TransportConfig::recv_timeout`].
pub const DEFAULT_RECV_TIMEOUT: Duration = Duration::from_secs(300);
/// Default for [`TransportConfig::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(15);
/// Default for [`TransportConfig::max_frame_bytes`]: 1 GiB.
pub const DEFAULT_MAX_FRAME_BYTES: u64 = 1 << 30;

/// One of the two peers a node talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerConfig {
    /// Which party it is.
    pub party: PartyId,
    /// Where it listens.
    pub address: SocketAddr,
    /// The SHA-256 fingerprint of its certificate's DER, as pinned in the federation file.
    pub fingerprint: [u8; 32],
}

/// Everything the transport needs to know about this node and its two peers.
#[derive(Clone)]
pub struct TransportConfig {
    /// This node's party.
    pub party: PartyId,
    /// The UDP address to listen on (and dial from).
    pub listen: SocketAddr,
    /// This node's self-signed certificate (DER).
    pub cert_der: Vec<u8>,
    /// The certificate's private key (PKCS#8 DER). Never logged; zeroised on drop.
    pub key_der: Zeroizing<Vec<u8>>,
    /// The two other parties, in any order.
    pub peers: Vec<PeerConfig>,
    /// How long to keep dialing / waiting for peers when the mesh is built (peers start at
    /// different times).
    pub connect_timeout: Duration,
    /// How long one `recv` waits for a message, and `close` for the peers' goodbyes.
    pub recv_timeout: Duration,
    /// After this long without any packet from a peer, its connection is considered dead
    /// (live peers send keep-alives at a third of it).
    pub idle_timeout: Duration,
    /// The largest message this node sends or accepts; larger announced lengths are
    /// refused before any allocation.
    pub max_frame_bytes: u64,
    /// Threads of the transport's internal tokio runtime (QUIC encryption runs there).
    pub worker_threads: usize,
}

impl TransportConfig {
    /// A configuration with the default timeouts and limits.
    pub fn new(
        party: PartyId,
        listen: SocketAddr,
        cert_der: Vec<u8>,
        key_der: Vec<u8>,
        peers: Vec<PeerConfig>,
    ) -> TransportConfig {
        TransportConfig {
            party,
            listen,
            cert_der,
            key_der: Zeroizing::new(key_der),
            peers,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            recv_timeout: DEFAULT_RECV_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            worker_threads: 2,
        }
    }

    /// The configuration of peer `party`, if it is one of ours.
    pub fn peer(&self, party: PartyId) -> Option<&PeerConfig> {
        self.peers.iter().find(|p| p.party == party)
    }

    /// Checks that the peers are exactly the two other parties with distinct pinned
    /// fingerprints, none of them our own certificate, and that the limits are usable.
    pub fn validate(&self) -> Result<(), TransportError> {
        let bad = |m: String| Err(TransportError::Config(m));
        if self.peers.len() != 2 {
            return bad(format!(
                "expected exactly two peers, got {}",
                self.peers.len()
            ));
        }
        for other in PartyId::ALL.into_iter().filter(|p| *p != self.party) {
            if self.peers.iter().filter(|p| p.party == other).count() != 1 {
                return bad(format!("peer {other} must be listed exactly once"));
            }
        }
        let own = cert_fingerprint(&self.cert_der);
        if self.peers[0].fingerprint == self.peers[1].fingerprint {
            return bad("both peers have the same certificate fingerprint".into());
        }
        if let Some(p) = self.peers.iter().find(|p| p.fingerprint == own) {
            return bad(format!("peer {} is pinned to our own certificate", p.party));
        }
        if self.max_frame_bytes == 0 {
            return bad("max_frame_bytes must be positive".into());
        }
        if self.idle_timeout < Duration::from_millis(100) {
            return bad("idle_timeout must be at least 100 ms".into());
        }
        if self.worker_threads == 0 {
            return bad("worker_threads must be at least 1".into());
        }
        Ok(())
    }
}

impl std::fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportConfig")
            .field("party", &self.party)
            .field("listen", &self.listen)
            .field(
                "certificate",
                &hex::encode(cert_fingerprint(&self.cert_der)),
            )
            .field("key_der", &"<redacted>")
            .field("peers", &self.peers)
            .field("connect_timeout", &self.connect_timeout)
            .field("recv_timeout", &self.recv_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_frame_bytes", &self.max_frame_bytes)
            .field("worker_threads", &self.worker_threads)
            .finish()
    }
}

/// Why the mesh could not be built, or not be closed cleanly.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The transport configuration is unusable.
    #[error("transport configuration: {0}")]
    Config(String),
    /// Our certificate, key or the TLS set-up is unusable.
    #[error("TLS set-up: {0}")]
    Tls(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A peer did not connect or answer in time.
    #[error("peer {peer} at {address} did not connect within {waited:?}: {detail}")]
    ConnectTimeout {
        /// The peer.
        peer: PartyId,
        /// Its configured address.
        address: SocketAddr,
        /// How long we tried.
        waited: Duration,
        /// The last thing that went wrong.
        detail: String,
    },
    /// The peer presented a certificate other than the pinned one.
    #[error(
        "peer {peer} at {address} presented certificate {presented}, but the federation pins {pinned} for it; \
         refusing the connection"
    )]
    CertificateMismatch {
        /// The peer we dialed.
        peer: PartyId,
        /// Its address.
        address: SocketAddr,
        /// Fingerprint (hex) of the certificate it presented.
        presented: String,
        /// Fingerprint (hex) the federation pins.
        pinned: String,
    },
    /// The peer refused our certificate.
    #[error(
        "peer {peer} at {address} refused our certificate ({detail}); check that its federation file pins our \
         certificate {ours}"
    )]
    CertificateRefused {
        /// The peer.
        peer: PartyId,
        /// Its address.
        address: SocketAddr,
        /// What the TLS layer reported.
        detail: String,
        /// Fingerprint (hex) of our certificate.
        ours: String,
    },
    /// The peer runs a different job (session hash).
    #[error("peer {peer} is running a different job: its job hash is {theirs}, ours is {ours}")]
    SessionMismatch {
        /// The peer.
        peer: PartyId,
        /// Its session hash (hex).
        theirs: String,
        /// Ours (hex).
        ours: String,
    },
    /// The peer speaks another transport protocol version.
    #[error("peer {peer} speaks transport protocol version {theirs}, we speak {ours}")]
    VersionMismatch {
        /// The peer.
        peer: PartyId,
        /// Its version.
        theirs: u16,
        /// Ours.
        ours: u16,
    },
    /// The peer aborted while the mesh was being built.
    #[error("peer {peer} aborted: {reason}")]
    PeerAborted {
        /// The peer.
        peer: PartyId,
        /// Its reason.
        reason: String,
    },
    /// The connection to a peer failed.
    #[error("connection to peer {peer}: {reason}")]
    Connection {
        /// The peer.
        peer: PartyId,
        /// What happened.
        reason: String,
    },
    /// `close` could not confirm that a peer finished.
    #[error("closing: {0}")]
    Close(String),
    /// The job was aborted (by us or a peer) before `close`.
    #[error("the job was aborted: {0}")]
    Aborted(String),
    /// Any other I/O failure.
    #[error("transport I/O: {0}")]
    Io(String),
}
