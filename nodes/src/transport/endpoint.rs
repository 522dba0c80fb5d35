//! The local QUIC endpoint of a node: the QUIC transport parameters (flow-control
//! windows, idle timeout, keep-alives), the runtime the transport tasks run on, the UDP
//! socket, and the [`Setup`] shared by the tasks that build the mesh or answer pings.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use quinn::{Connection, Endpoint, EndpointConfig, VarInt};
use samen_protocol::PartyId;
use tokio::runtime::Runtime;

use super::config::{TransportConfig, TransportError};
use super::tls::{self, Pin, Rejections};

/// How long an incoming handshake may take.
pub(super) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Per-connection stream receive window (bytes one stream may have in flight).
const STREAM_WINDOW: u32 = 32 << 20;
/// Per-connection receive window.
const CONNECTION_WINDOW: u32 = 64 << 20;
/// Requested kernel socket buffer sizes (the kernel caps them at `net.core.rmem_max` /
/// `wmem_max`): bulk rounds arrive in bursts that overflow the default ~200 KiB.
const SOCKET_BUFFER: usize = 8 << 20;
/// Per-connection send window.
const SEND_WINDOW: u64 = 64 << 20;

/// The largest UDP payload (QUIC datagram) that path MTU discovery searches for, and the
/// largest this endpoint accepts.
///
/// quinn starts every connection at the safe 1200 bytes and then probes upwards (RFC 8899
/// PLPMTUD, a binary search that stops within 20 bytes): a path only ever carries what it
/// delivered in a probe, so on an ordinary 1500-byte Ethernet path the connection settles
/// near that path's limit (about 1,470 bytes) whatever this bound says (the lost probes
/// cost a few packets per search, repeated every ten minutes), while loopback (64 KiB
/// MTU) or jumbo-frame links use the full bound. Real networks gain nothing from it.
/// Fewer, larger datagrams mean fewer packets to seal, acknowledge and pass through the
/// kernel. Measured on loopback against quinn's default bound of 1452 (2 cores, loaded
/// machine): `transport_throughput` sent the same 200 MiB per party in a quarter of the
/// datagrams and half the send calls, at about 40% less CPU per MiB; the circuit phase of
/// `samen bench --households 1000000 --aligned` used 10–35% fewer CPU-seconds per node
/// (more at low load, where fewer packets share a wake-up).
///
/// Why not 64 KiB: with segmentation offload (GSO) quinn 0.11 hands up to 10 datagrams
/// of one size to a single `sendmsg` (its `MAX_TRANSMIT_SEGMENTS`), and Linux refuses a
/// UDP send whose payload exceeds 65,507 bytes; quinn-udp treats that refusal like a lost
/// MTU probe, so larger datagrams would be dropped silently. 10 × 6,550 stays below the
/// limit. (Measured: 64 KiB datagrams without GSO used more CPU and memory than this.)
const MAX_DATAGRAM: u16 = 6550;

/// The QUIC transport parameters: large flow-control windows for bulk rounds, the idle
/// timeout that detects dead peers, keep-alives so that a busy but live peer is not
/// mistaken for a dead one, and path MTU discovery up to [`MAX_DATAGRAM`].
pub(super) fn quic_transport(
    config: &TransportConfig,
) -> Result<Arc<quinn::TransportConfig>, TransportError> {
    let mut t = quinn::TransportConfig::default();
    let idle = quinn::IdleTimeout::try_from(config.idle_timeout)
        .map_err(|_| TransportError::Config("idle_timeout is too large".into()))?;
    t.max_idle_timeout(Some(idle))
        .keep_alive_interval(Some(config.idle_timeout / 3))
        .stream_receive_window(VarInt::from_u32(STREAM_WINDOW))
        .receive_window(VarInt::from_u32(CONNECTION_WINDOW))
        .send_window(SEND_WINDOW)
        .max_concurrent_uni_streams(VarInt::from_u32(1024))
        .max_concurrent_bidi_streams(VarInt::from_u32(0));
    let mut mtu = quinn::MtuDiscoveryConfig::default();
    mtu.upper_bound(MAX_DATAGRAM);
    t.mtu_discovery_config(Some(mtu));
    Ok(Arc::new(t))
}

pub(super) fn runtime(config: &TransportConfig) -> Result<Runtime, TransportError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads)
        .thread_name("samen-quic")
        .enable_all()
        .build()
        .map_err(|e| TransportError::Io(format!("starting the transport runtime: {e}")))
}

/// Everything the connecting tasks share.
pub(super) struct Setup {
    pub(super) config: TransportConfig,
    pub(super) transport: Arc<quinn::TransportConfig>,
    pub(super) own_fingerprint: [u8; 32],
    pub(super) server_rejections: Arc<Rejections>,
    /// Connections that failed fatally in their hello; closed with the reason at the end.
    pub(super) doomed: std::sync::Mutex<Vec<Connection>>,
}

impl Setup {
    pub(super) fn party_of(&self, fingerprint: &[u8; 32]) -> Option<PartyId> {
        self.config
            .peers
            .iter()
            .find(|p| &p.fingerprint == fingerprint)
            .map(|p| p.party)
    }
}

pub(super) fn endpoint(
    runtime: &Runtime,
    setup: &Setup,
    socket: UdpSocket,
) -> Result<Endpoint, TransportError> {
    let c = &setup.config;
    let pins = c
        .peers
        .iter()
        .map(|p| Pin {
            fingerprint: p.fingerprint,
        })
        .collect();
    let crypto = tls::server_config(
        &c.cert_der,
        &c.key_der,
        pins,
        setup.server_rejections.clone(),
    )?;
    let mut server = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    server.transport_config(setup.transport.clone());
    let _guard = runtime.enter();
    socket
        .set_nonblocking(true)
        .map_err(|e| TransportError::Io(format!("socket set-up: {e}")))?;
    if let Ok(state) = quinn::udp::UdpSocketState::new((&socket).into()) {
        // Best effort: smaller buffers only cost throughput.
        let _ = state.set_recv_buffer_size((&socket).into(), SOCKET_BUFFER);
        let _ = state.set_send_buffer_size((&socket).into(), SOCKET_BUFFER);
    }
    let mut endpoint_config = EndpointConfig::default();
    endpoint_config
        .max_udp_payload_size(MAX_DATAGRAM)
        .map_err(|e| TransportError::Config(format!("max_udp_payload_size: {e}")))?;
    Endpoint::new(
        endpoint_config,
        Some(server),
        socket,
        Arc::new(quinn::TokioRuntime),
    )
    .map_err(|e| TransportError::Io(format!("starting the QUIC endpoint: {e}")))
}

pub(super) fn bind(address: SocketAddr) -> Result<UdpSocket, TransportError> {
    UdpSocket::bind(address).map_err(|source| TransportError::Bind { address, source })
}
