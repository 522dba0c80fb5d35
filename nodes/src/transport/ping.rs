//! `samen federation ping`: checks from one node that both peers answer and present the
//! pinned certificates (and accept ours), and measures the round-trip time.
//!
//! A ping is a QUIC handshake with the `samen-ping/1` protocol and nothing else: no job
//! data, no hello. While pinging, a node also answers its peers' pings for a moment, so
//! the three operators can run it at the same time; a node waiting to connect for a job
//! answers pings too. Reveals: our certificate to the peers (public anyway).

use std::net::UdpSocket;
use std::sync::Arc;
use std::time::Duration;

use quinn::{Connection, Endpoint, VarInt};
use samen_protocol::PartyId;
use tokio::task::JoinSet;
use tokio::time::{timeout, Instant};

use super::config::{TransportConfig, TransportError};
use super::dial::{dial, Dialed};
use super::endpoint::{bind, endpoint, quic_transport, runtime, Setup, HANDSHAKE_TIMEOUT};
use super::peer::{CLOSE_DONE, CLOSE_REFUSED};
use super::tls::{cert_fingerprint, negotiated_alpn, peer_fingerprint, ALPN_PING};

/// How long `ping` keeps answering the peers' pings after its own succeeded.
const PING_LINGER: Duration = Duration::from_secs(3);

/// `samen federation ping`: connects to both peers, checks that they present the pinned
/// certificates (and accept ours), and returns the round-trip time to each.
///
/// Run it on the nodes at about the same time (within the connect timeout): while it
/// runs, a node also answers its peers' pings. A node that is waiting to connect for a job
/// answers pings too.
pub fn ping(config: &TransportConfig) -> Result<Vec<(PartyId, Duration)>, TransportError> {
    ping_with_socket(config, bind(config.listen)?)
}

/// [`ping`] on an already bound UDP socket.
pub fn ping_with_socket(
    config: &TransportConfig,
    socket: UdpSocket,
) -> Result<Vec<(PartyId, Duration)>, TransportError> {
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
    let result = runtime.block_on(ping_all(setup, endpoint.clone()));
    runtime.block_on(async {
        endpoint.close(VarInt::from_u32(CLOSE_DONE), b"ping done");
        let _ = timeout(Duration::from_millis(500), endpoint.wait_idle()).await;
    });
    result
}

async fn ping_all(
    setup: Arc<Setup>,
    endpoint: Endpoint,
) -> Result<Vec<(PartyId, Duration)>, TransportError> {
    let deadline = Instant::now() + setup.config.connect_timeout;
    let mut dials = JoinSet::new();
    for peer in setup.config.peers.clone() {
        let (setup, endpoint) = (setup.clone(), endpoint.clone());
        dials.spawn(async move {
            let r = dial(&setup, &endpoint, &peer, ALPN_PING, deadline, None).await;
            (peer.party, r)
        });
    }
    let mut answers = JoinSet::new();
    let mut results = Vec::new();
    let mut pinged_by = Vec::new();
    let mut linger_until: Option<Instant> = None;
    loop {
        if linger_until.is_none() && dials.is_empty() {
            linger_until = Some(Instant::now() + PING_LINGER);
        }
        if let Some(t) = linger_until {
            if pinged_by.len() >= setup.config.peers.len() || Instant::now() >= t {
                break;
            }
        }
        let wake = linger_until.unwrap_or(deadline);
        tokio::select! {
            joined = dials.join_next(), if !dials.is_empty() => match joined {
                Some(Ok((party, Ok(Dialed::Ping(conn))))) => {
                    results.push((party, conn.rtt()));
                    conn.close(VarInt::from_u32(CLOSE_DONE), b"ping");
                }
                Some(Ok((_, Ok(Dialed::Mesh(_))))) => unreachable!("dialed for a ping"),
                Some(Ok((_, Err(e)))) => return Err(e),
                Some(Err(e)) => return Err(TransportError::Io(format!("ping task failed: {e}"))),
                None => {}
            },
            incoming = endpoint.accept() => {
                let Some(incoming) = incoming else { break };
                let setup = setup.clone();
                answers.spawn(async move {
                    match timeout(HANDSHAKE_TIMEOUT, incoming).await {
                        Ok(Ok(conn)) => {
                            let party = peer_fingerprint(&conn).and_then(|fp| setup.party_of(&fp));
                            if negotiated_alpn(&conn).as_deref() == Some(ALPN_PING) {
                                answer_ping(conn).await;
                                party
                            } else {
                                conn.close(VarInt::from_u32(CLOSE_REFUSED), b"not running a job: only answering pings");
                                None
                            }
                        }
                        _ => None,
                    }
                });
            }
            answered = answers.join_next(), if !answers.is_empty() => {
                if let Some(Ok(Some(party))) = answered {
                    if !pinged_by.contains(&party) {
                        pinged_by.push(party);
                    }
                }
            }
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
    results.sort_by_key(|(p, _)| *p);
    Ok(results)
}

/// Waits until the pinging peer closes (it measures and closes right away).
pub(super) async fn answer_ping(conn: Connection) {
    let _ = timeout(Duration::from_secs(5), conn.closed()).await;
}
