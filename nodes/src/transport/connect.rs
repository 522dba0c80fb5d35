//! Building the three-party mesh: dialing, accepting, identifying peers by their pinned
//! certificates, and the `Hello` exchange that makes sure all three run the same job.
//!
//! The lower-index party of each pair dials (P0→P1, P0→P2, P1→P2) and retries until the
//! connect timeout, since the nodes start at different times. The higher-index party
//! accepts, lets the TLS layer check the client certificate against the pins, and tells
//! from the fingerprint which peer connected. A stranger's connection is refused and
//! remembered for the error message, but does not stop the node from waiting for the
//! real peer.
//!
//! Cost: one QUIC handshake and one `Hello` round trip per pair. Reveals to the peers our
//! certificate, party index and the job hash (which they must know anyway).

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use quinn::{Connection, ConnectionError, Endpoint, EndpointConfig, VarInt};
use samen_protocol::PartyId;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout, timeout_at, Instant};

use super::channel::QuicChannel;
use super::frame::{clip_reason, header, read_frame, FrameKind, Hello, PROTOCOL_VERSION};
use super::peer::{failure_from_connection, Failure, Link, CLOSE_ABORT, CLOSE_REFUSED};
use super::tls::{
    self, cert_fingerprint, negotiated_alpn, peer_fingerprint, Pin, Rejections, ALPN_MESH,
    ALPN_PING,
};
use super::{PeerConfig, TransportConfig, TransportError};

/// How long one dial attempt may take before it is retried.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause between dial attempts.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
/// How long an incoming handshake may take.
pub(super) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connections in progress may still finish their hello after a fatal error.
const FAILURE_GRACE: Duration = Duration::from_secs(1);

/// Per-connection stream receive window (bytes one stream may have in flight).
const STREAM_WINDOW: u32 = 32 << 20;
/// Per-connection receive window.
const CONNECTION_WINDOW: u32 = 64 << 20;
/// Requested kernel socket buffer sizes (the kernel caps them at `net.core.rmem_max` /
/// `wmem_max`): bulk rounds arrive in bursts that overflow the default ~200 KiB.
const SOCKET_BUFFER: usize = 8 << 20;
/// Per-connection send window.
const SEND_WINDOW: u64 = 64 << 20;

/// The QUIC transport parameters: large flow-control windows for bulk rounds, the idle
/// timeout that detects dead peers, keep-alives so that a busy but live peer is not
/// mistaken for a dead one.
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
    Endpoint::new(
        EndpointConfig::default(),
        Some(server),
        socket,
        Arc::new(quinn::TokioRuntime),
    )
    .map_err(|e| TransportError::Io(format!("starting the QUIC endpoint: {e}")))
}

pub(super) fn bind(address: SocketAddr) -> Result<UdpSocket, TransportError> {
    UdpSocket::bind(address).map_err(|source| TransportError::Bind { address, source })
}

/// Connects to both peers and returns the channel for the job whose hash is `session`.
///
/// Blocks until both connections are up and greeted, or fails after the connect timeout
/// with an error that names the peer and what went wrong. Call it from an ordinary thread.
pub fn connect_mesh(
    config: &TransportConfig,
    session: [u8; 32],
) -> Result<QuicChannel, TransportError> {
    connect_mesh_with_socket(config, session, bind(config.listen)?)
}

/// [`connect_mesh`] on an already bound UDP socket (`config.listen` is then ignored); lets
/// tests bind port 0 first and hand the discovered addresses to the peers.
pub fn connect_mesh_with_socket(
    config: &TransportConfig,
    session: [u8; 32],
    socket: UdpSocket,
) -> Result<QuicChannel, TransportError> {
    config.validate()?;
    let setup = Arc::new(Setup {
        config: config.clone(),
        transport: quic_transport(config)?,
        own_fingerprint: cert_fingerprint(&config.cert_der),
        server_rejections: Arc::default(),
        doomed: Default::default(),
    });
    let runtime = runtime(config)?;
    let endpoint = endpoint(&runtime, &setup, socket)?;
    let result = runtime.block_on(establish(setup.clone(), endpoint.clone(), session));
    match result {
        Ok(links) => {
            // The mesh is complete: refuse any further incoming connection.
            endpoint.set_server_config(None);
            for l in &links {
                tracing::info!(peer = %l.peer, address = %l.connection.remote_address(), "transport: connected");
            }
            Ok(QuicChannel::start(
                config.party,
                runtime,
                endpoint,
                links,
                config.recv_timeout,
                config.idle_timeout,
                config.max_frame_bytes,
            ))
        }
        Err(e) => {
            runtime.block_on(async {
                endpoint.close(
                    VarInt::from_u32(CLOSE_ABORT),
                    clip_reason(&e.to_string()).as_bytes(),
                );
                let _ = timeout(Duration::from_millis(500), endpoint.wait_idle()).await;
            });
            Err(e)
        }
    }
}

/// What a connecting task ended with.
enum Event {
    /// A peer is connected and greeted.
    Greeted(Link),
    /// The mesh cannot be built.
    Failed(TransportError),
    /// An incoming connection was refused; keep waiting. Says why.
    Refused(String),
    /// An incoming ping was answered.
    Pinged,
}

async fn establish(
    setup: Arc<Setup>,
    endpoint: Endpoint,
    session: [u8; 32],
) -> Result<Vec<Link>, TransportError> {
    let config = &setup.config;
    let started = Instant::now();
    let deadline = started + config.connect_timeout;
    let me = config.party;
    let mut tasks = JoinSet::new();
    for peer in config.peers.iter().filter(|p| p.party > me) {
        tasks.spawn(dial_and_greet(
            setup.clone(),
            endpoint.clone(),
            peer.clone(),
            session,
            deadline,
        ));
    }
    let mut awaited: Vec<PartyId> = config.peers.iter().map(|p| p.party).collect();
    let mut links: Vec<Link> = Vec::new();
    let mut last_refusal: Option<String> = None;
    // After the first fatal error the node keeps answering for a moment, so that peers
    // whose connection is in progress or about to arrive learn why (instead of a silent
    // timeout).
    let mut failure: Option<TransportError> = None;
    let mut grace_until: Option<Instant> = None;
    loop {
        if failure.is_none() && awaited.is_empty() {
            break;
        }
        if let Some(g) = grace_until {
            if Instant::now() >= g {
                break;
            }
        }
        let wake = grace_until.unwrap_or(deadline);
        // Always accept while connecting: lower-index peers dial us, and peers may ping.
        tokio::select! {
            joined = tasks.join_next(), if !tasks.is_empty() => {
                match joined {
                    Some(Ok(Event::Greeted(link))) => {
                        if failure.is_none() && !awaited.contains(&link.peer) {
                            failure = Some(TransportError::Connection { peer: link.peer, reason: "connected twice".into() });
                            grace_until = Some(Instant::now());
                        }
                        awaited.retain(|p| *p != link.peer);
                        links.push(link);
                    }
                    Some(Ok(Event::Failed(e))) => {
                        if failure.is_none() {
                            failure = Some(e);
                            grace_until = Some(Instant::now() + FAILURE_GRACE);
                        }
                    }
                    Some(Ok(Event::Refused(why))) => {
                        tracing::warn!("transport: refused a connection: {why}");
                        last_refusal = Some(why);
                    }
                    Some(Ok(Event::Pinged)) | None => {}
                    Some(Err(e)) => {
                        if failure.is_none() {
                            failure = Some(TransportError::Io(format!("connecting task failed: {e}")));
                            grace_until = Some(Instant::now());
                        }
                    }
                }
            }
            incoming = endpoint.accept() => {
                let Some(incoming) = incoming else {
                    failure.get_or_insert(TransportError::Io("the QUIC endpoint closed while connecting".into()));
                    break;
                };
                let lower: Vec<PartyId> = awaited.iter().copied().filter(|p| *p < me).collect();
                tasks.spawn(accept_one(setup.clone(), incoming, lower, session, deadline));
            }
            _ = tokio::time::sleep_until(wake) => {
                if failure.is_none() {
                    let peer = awaited[0];
                    let address = config.peer(peer).map(|p| p.address).unwrap_or(config.listen);
                    let detail = match last_refusal.take() {
                        Some(r) => format!("it never connected; the last refused connection: {r}"),
                        None if peer < me => {
                            "it never connected to us (is its node running, and does it have our address?)".into()
                        }
                        None => "no answer".into(),
                    };
                    failure = Some(TransportError::ConnectTimeout { peer, address, waited: started.elapsed(), detail });
                    break;
                }
            }
        }
    }
    let Some(e) = failure else {
        links.sort_by_key(|l| l.peer);
        return Ok(links);
    };
    if matches!(e, TransportError::SessionMismatch { .. }) {
        // Let the peer read our hello first, so it reports the mismatch too.
        sleep(Duration::from_millis(250)).await;
    }
    let reason = e.to_string();
    let doomed = setup
        .doomed
        .lock()
        .map(|mut d| std::mem::take(&mut *d))
        .unwrap_or_default();
    for c in links.iter().map(|l| &l.connection).chain(doomed.iter()) {
        c.close(
            VarInt::from_u32(CLOSE_ABORT),
            clip_reason(&reason).as_bytes(),
        );
    }
    Err(e)
}

/// A TLS alert code if the connection died in the TLS handshake.
fn tls_alert(e: &ConnectionError) -> Option<u8> {
    let code = match e {
        ConnectionError::ConnectionClosed(c) => u64::from(c.error_code),
        ConnectionError::TransportError(t) => u64::from(t.code),
        _ => return None,
    };
    (0x100..=0x1ff)
        .contains(&code)
        .then(|| (code - 0x100) as u8)
}

/// Whether a TLS alert means the peer refused our certificate (not just "not ready").
fn is_certificate_refusal(alert: u8) -> bool {
    // bad_certificate, unsupported_certificate, certificate_revoked/expired/unknown,
    // unknown_ca, access_denied, decrypt_error, certificate_required.
    matches!(alert, 42..=46 | 48 | 49 | 51 | 116)
}

/// A clear error for a connection that died while connecting to `peer`.
fn connecting_error(setup: &Setup, peer: &PeerConfig, e: &ConnectionError) -> TransportError {
    if let Some(alert) = tls_alert(e).filter(|a| is_certificate_refusal(*a)) {
        if matches!(e, ConnectionError::ConnectionClosed(_)) {
            return TransportError::CertificateRefused {
                peer: peer.party,
                address: peer.address,
                detail: format!("TLS alert {alert}: {e}"),
                ours: hex::encode(setup.own_fingerprint),
            };
        }
    }
    match failure_from_connection(peer.party, e, "", setup.config.idle_timeout) {
        Failure::PeerAborted { peer, reason } => TransportError::PeerAborted { peer, reason },
        _ => TransportError::Connection {
            peer: peer.party,
            reason: e.to_string(),
        },
    }
}

/// Whether an error ends the attempt to build the mesh (rather than calling for a retry).
fn is_fatal(e: &TransportError) -> bool {
    !matches!(e, TransportError::Connection { .. })
}

async fn dial_and_greet(
    setup: Arc<Setup>,
    endpoint: Endpoint,
    peer: PeerConfig,
    session: [u8; 32],
    deadline: Instant,
) -> Event {
    match dial(&setup, &endpoint, &peer, ALPN_MESH, deadline, Some(session)).await {
        Ok(Dialed::Mesh(link)) => Event::Greeted(link),
        Ok(Dialed::Ping(..)) => unreachable!("dialed for the mesh"),
        Err(e) => Event::Failed(e),
    }
}

pub(super) enum Dialed {
    Mesh(Link),
    Ping(Connection),
}

/// Dials `peer` until it answers (and, for the mesh, greets) or `deadline` passes.
pub(super) async fn dial(
    setup: &Setup,
    endpoint: &Endpoint,
    peer: &PeerConfig,
    alpn: &[u8],
    deadline: Instant,
    session: Option<[u8; 32]>,
) -> Result<Dialed, TransportError> {
    let c = &setup.config;
    let rejections = Arc::new(Rejections::default());
    let pin = Pin {
        fingerprint: peer.fingerprint,
    };
    let crypto = tls::client_config(&c.cert_der, &c.key_der, pin, alpn, rejections.clone())?;
    let mut client = quinn::ClientConfig::new(Arc::new(crypto));
    client.transport_config(setup.transport.clone());
    let started = Instant::now();
    let mut last;
    loop {
        let connecting = endpoint
            .connect_with(client.clone(), peer.address, peer.party.short_name())
            .map_err(|e| TransportError::Connection {
                peer: peer.party,
                reason: format!("cannot dial {}: {e}", peer.address),
            })?;
        let limit = ATTEMPT_TIMEOUT.min(deadline.saturating_duration_since(Instant::now()));
        match timeout(limit, connecting).await {
            Ok(Ok(conn)) => match session {
                None => return Ok(Dialed::Ping(conn)),
                Some(session) => match greet(setup, conn, peer, session, deadline).await {
                    Ok(link) => return Ok(Dialed::Mesh(link)),
                    Err(e) if is_fatal(&e) => return Err(e),
                    Err(e) => last = e.to_string(),
                },
            },
            Ok(Err(e)) => {
                if let Some(seen) = rejections.take() {
                    return Err(TransportError::CertificateMismatch {
                        peer: peer.party,
                        address: peer.address,
                        presented: hex::encode(seen),
                        pinned: hex::encode(peer.fingerprint),
                    });
                }
                let err = connecting_error(setup, peer, &e);
                if is_fatal(&err) {
                    return Err(err);
                }
                last = e.to_string();
            }
            Err(_) => last = "no answer".into(),
        }
        if Instant::now() + RETRY_PAUSE >= deadline {
            return Err(TransportError::ConnectTimeout {
                peer: peer.party,
                address: peer.address,
                waited: started.elapsed(),
                detail: last,
            });
        }
        sleep(RETRY_PAUSE).await;
    }
}

/// Handles one incoming connection while the mesh is being built.
async fn accept_one(
    setup: Arc<Setup>,
    incoming: quinn::Incoming,
    expected: Vec<PartyId>,
    session: [u8; 32],
    deadline: Instant,
) -> Event {
    let remote = incoming.remote_address();
    let conn = match timeout(HANDSHAKE_TIMEOUT, incoming).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            return Event::Refused(match setup.server_rejections.take() {
                Some(fp) => format!(
                    "a node at {remote} presented certificate {}, which the federation does not pin for any peer",
                    hex::encode(fp)
                ),
                None => format!("the TLS handshake with {remote} failed: {e}"),
            })
        }
        Err(_) => return Event::Refused(format!("the TLS handshake with {remote} did not complete")),
    };
    let Some(party) = peer_fingerprint(&conn).and_then(|fp| setup.party_of(&fp)) else {
        conn.close(VarInt::from_u32(CLOSE_REFUSED), b"unknown certificate");
        return Event::Refused(format!("{remote} presented no pinned certificate"));
    };
    if negotiated_alpn(&conn).as_deref() == Some(ALPN_PING) {
        answer_ping(conn).await;
        return Event::Pinged;
    }
    if !expected.contains(&party) {
        conn.close(
            VarInt::from_u32(CLOSE_REFUSED),
            b"unexpected connection: the lower-index party dials",
        );
        return Event::Refused(format!(
            "{party} at {remote} dialed us, but we dial it (or it is already connected)"
        ));
    }
    let Some(peer) = setup.config.peer(party).cloned() else {
        return Event::Refused(format!("{party} is not a peer"));
    };
    match greet(&setup, conn, &peer, session, deadline).await {
        Ok(link) => Event::Greeted(link),
        Err(e) if is_fatal(&e) => Event::Failed(e),
        Err(e) => Event::Refused(e.to_string()),
    }
}

/// Waits until the pinging peer closes (it measures and closes right away).
pub(super) async fn answer_ping(conn: Connection) {
    let _ = timeout(Duration::from_secs(5), conn.closed()).await;
}

/// Exchanges `Hello`s on the first stream of each direction and checks the peer's.
async fn greet(
    setup: &Setup,
    conn: Connection,
    peer: &PeerConfig,
    session: [u8; 32],
    deadline: Instant,
) -> Result<Link, TransportError> {
    let result = exchange_hellos(setup, &conn, peer, session, deadline).await;
    match result {
        Ok((send, recv)) => Ok(Link {
            peer: peer.party,
            connection: conn,
            send,
            recv,
        }),
        Err(e) => {
            if is_fatal(&e) {
                if let Ok(mut d) = setup.doomed.lock() {
                    d.push(conn);
                }
            }
            Err(e)
        }
    }
}

async fn exchange_hellos(
    setup: &Setup,
    conn: &Connection,
    peer: &PeerConfig,
    session: [u8; 32],
    deadline: Instant,
) -> Result<(quinn::SendStream, quinn::RecvStream), TransportError> {
    let me = setup.config.party;
    let lost = |conn: &Connection, fallback: String| match conn.close_reason() {
        Some(e) => connecting_error(setup, peer, &e),
        None => TransportError::Connection {
            peer: peer.party,
            reason: fallback,
        },
    };
    let hello = Hello {
        version: PROTOCOL_VERSION,
        party: me.index() as u8,
        session,
    }
    .encode();
    let mut send = conn
        .open_uni()
        .await
        .map_err(|e| connecting_error(setup, peer, &e))?;
    let chunks = &mut [
        Bytes::copy_from_slice(&header(FrameKind::Hello, hello.len())),
        Bytes::from(hello),
    ];
    send.write_all_chunks(chunks)
        .await
        .map_err(|e| lost(conn, format!("sending hello: {e}")))?;
    let mut recv = match timeout_at(deadline, conn.accept_uni()).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(connecting_error(setup, peer, &e)),
        Err(_) => {
            return Err(TransportError::Connection {
                peer: peer.party,
                reason: "no hello from the peer".into(),
            })
        }
    };
    let frame = match timeout_at(deadline, read_frame(&mut recv, 0)).await {
        Ok(Ok(Some(f))) => f,
        Ok(Ok(None)) => return Err(lost(conn, "the peer's first stream was empty".into())),
        Ok(Err(e)) => return Err(lost(conn, format!("reading hello: {e}"))),
        Err(_) => {
            return Err(TransportError::Connection {
                peer: peer.party,
                reason: "no hello from the peer".into(),
            })
        }
    };
    if frame.kind != FrameKind::Hello {
        return Err(TransportError::Connection {
            peer: peer.party,
            reason: format!("expected a hello, got a {:?} frame", frame.kind),
        });
    }
    let theirs = Hello::decode(&frame.payload).map_err(|e| TransportError::Connection {
        peer: peer.party,
        reason: e.to_string(),
    })?;
    if theirs.version != PROTOCOL_VERSION {
        return Err(TransportError::VersionMismatch {
            peer: peer.party,
            theirs: theirs.version,
            ours: PROTOCOL_VERSION,
        });
    }
    if usize::from(theirs.party) != peer.party.index() {
        return Err(TransportError::Config(format!(
            "the node with {}'s certificate says it is party {}",
            peer.party, theirs.party
        )));
    }
    if theirs.session != session {
        return Err(TransportError::SessionMismatch {
            peer: peer.party,
            theirs: hex::encode(theirs.session),
            ours: hex::encode(session),
        });
    }
    Ok((send, recv))
}
