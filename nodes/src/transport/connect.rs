//! Building the three-party mesh: who dials whom, accepting and identifying peers by
//! their pinned certificates, and deciding when the mesh is complete or has failed.
//!
//! The lower-index party of each pair dials (P0→P1, P0→P2, P1→P2; [`super::dial`] retries
//! until the connect timeout, since the nodes start at different times). The higher-index
//! party accepts, lets the TLS layer check the client certificate against the pins, and
//! tells from the fingerprint which peer connected. A stranger's connection is refused and
//! remembered for the error message, but does not stop the node from waiting for the
//! real peer. Both sides then exchange `Hello`s ([`super::dial::greet`]). After the first
//! fatal error the node keeps answering for a moment, so that peers learn why.
//!
//! Cost: one QUIC handshake and one `Hello` round trip per pair. Reveals to the peers our
//! certificate, party index and the job hash (which they must know anyway).

use std::net::UdpSocket;
use std::sync::Arc;
use std::time::Duration;

use quinn::{Endpoint, VarInt};
use samen_protocol::PartyId;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout, Instant};

use super::channel::QuicChannel;
use super::config::{PeerConfig, TransportConfig, TransportError};
use super::dial::{dial, greet, is_fatal, Dialed};
use super::endpoint::{bind, endpoint, quic_transport, runtime, Setup, HANDSHAKE_TIMEOUT};
use super::frame::clip_reason;
use super::peer::{Link, CLOSE_ABORT, CLOSE_REFUSED};
use super::ping::answer_ping;
use super::tls::{cert_fingerprint, negotiated_alpn, peer_fingerprint, ALPN_MESH, ALPN_PING};

/// How long connections in progress may still finish their hello after a fatal error.
const FAILURE_GRACE: Duration = Duration::from_secs(1);

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
