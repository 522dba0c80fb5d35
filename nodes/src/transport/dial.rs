//! Reaching one peer: dialing it with retries until the connect timeout (the nodes start
//! at different times), the `Hello` exchange on a fresh connection in either direction
//! (both versions, party indices and session hashes must agree), and turning a failed
//! connection into an error that says whose fault it is (our certificate refused, theirs
//! not pinned, the peer aborted, or simply not up yet, which is retried).
//!
//! Cost: one QUIC handshake and one `Hello` round trip per pair. Reveals to the peer our
//! certificate, party index and the job hash (which it must know anyway).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use quinn::{Connection, ConnectionError, Endpoint};
use tokio::time::{sleep, timeout, timeout_at, Instant};

use super::config::{PeerConfig, TransportError};
use super::endpoint::Setup;
use super::frame::{header, read_frame, FrameKind, Hello, PROTOCOL_VERSION};
use super::peer::{failure_from_connection, Failure, Link};
use super::tls::{self, Pin, Rejections};

/// How long one dial attempt may take before it is retried.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause between dial attempts.
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// Whether an error ends the attempt to build the mesh (rather than calling for a retry).
pub(super) fn is_fatal(e: &TransportError) -> bool {
    !matches!(e, TransportError::Connection { .. })
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

/// Exchanges `Hello`s on the first stream of each direction and checks the peer's.
pub(super) async fn greet(
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
