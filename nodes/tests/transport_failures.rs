//! What the transport refuses and how failures reach the other parties: wrong
//! certificates, a different job, oversized messages, an explicit abort.

mod transport_support;

use std::sync::Mutex;
use std::time::Duration;

use samen_node::transport::{connect_mesh_with_socket, TransportError};
use samen_protocol::{Channel, ChannelError, PartyId};
use transport_support::*;

const SESSION: [u8; 32] = [0x11; 32];

fn short(mut c: samen_node::transport::TransportConfig) -> samen_node::transport::TransportConfig {
    c.connect_timeout = Duration::from_secs(3);
    c
}

#[test]
fn a_client_with_an_unpinned_certificate_is_refused() {
    // P0 presents a certificate that P1 and P2 do not pin.
    let ids = identities();
    let impostor = Identity::new(PartyId::SVB);
    let (socks, addrs) = sockets();
    let configs = [
        short(config(0, &impostor, &ids, &addrs)),
        short(config(1, &ids[1], &ids, &addrs)),
        short(config(2, &ids[2], &ids, &addrs)),
    ];
    let socks = Mutex::new(socks.map(Some));
    let results = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        connect_mesh_with_socket(&configs[i], SESSION, sock).map(|_| ())
    });
    let e0 = results[0].as_ref().unwrap_err();
    assert!(
        matches!(e0, TransportError::CertificateRefused { .. }),
        "{e0}"
    );
    let msg = e0.to_string();
    assert!(
        msg.contains("refused our certificate")
            && msg.contains(&hex::encode(impostor.fingerprint())),
        "{msg}"
    );
    // The acceptors wait for the real P0 and say whom they refused.
    for r in &results[1..] {
        let e = r.as_ref().unwrap_err();
        let msg = e.to_string();
        assert!(
            matches!(e, TransportError::ConnectTimeout { peer, .. } if *peer == PartyId::SVB),
            "{msg}"
        );
        assert!(
            msg.contains(&hex::encode(impostor.fingerprint())) && msg.contains("does not pin"),
            "{msg}"
        );
    }
}

#[test]
fn a_server_with_an_unpinned_certificate_is_refused() {
    // P0 pins a wrong fingerprint for P1: it must refuse P1's real certificate.
    let ids = identities();
    let mut pinned_by_p0 = ids.clone();
    pinned_by_p0[1] = Identity::new(PartyId::UWV);
    let (socks, addrs) = sockets();
    let configs = [
        short(config(0, &ids[0], &pinned_by_p0, &addrs)),
        short(config(1, &ids[1], &ids, &addrs)),
        short(config(2, &ids[2], &ids, &addrs)),
    ];
    let socks = Mutex::new(socks.map(Some));
    let results = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        connect_mesh_with_socket(&configs[i], SESSION, sock).map(|_| ())
    });
    match results[0].as_ref().unwrap_err() {
        TransportError::CertificateMismatch {
            peer,
            presented,
            pinned,
            ..
        } => {
            assert_eq!(*peer, PartyId::UWV);
            assert_eq!(presented, &hex::encode(ids[1].fingerprint()));
            assert_eq!(pinned, &hex::encode(pinned_by_p0[1].fingerprint()));
        }
        e => panic!("expected a certificate mismatch, got: {e}"),
    }
    let msg = results[0].as_ref().unwrap_err().to_string();
    assert!(
        msg.contains("P1 (UWV)") && msg.contains("presented certificate"),
        "{msg}"
    );
    // P1 never hears from P0 and does not run without it.
    assert!(results[1].is_err());
}

#[test]
fn peers_running_different_jobs_refuse_to_start() {
    let ids = identities();
    let (socks, addrs) = sockets();
    let configs = configs(&ids, &addrs).map(short);
    let sessions = [SESSION, [0x22; 32], SESSION];
    let socks = Mutex::new(socks.map(Some));
    let results = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        connect_mesh_with_socket(&configs[i], sessions[i], sock).map(|_| ())
    });
    // P1 sees both peers run another job; P0 sees it of P1.
    let e1 = results[1].as_ref().unwrap_err();
    assert!(matches!(e1, TransportError::SessionMismatch { .. }), "{e1}");
    assert!(
        e1.to_string().contains("is running a different job"),
        "{e1}"
    );
    let e0 = results[0].as_ref().unwrap_err().to_string();
    assert!(
        e0.contains("P1 (UWV)") && e0.contains("different job"),
        "{e0}"
    );
    assert!(
        e0.contains(&hex::encode([0x22; 32])) && e0.contains(&hex::encode(SESSION)),
        "{e0}"
    );
    // P2 ends too: the mismatch itself, or P0's abort naming it.
    let e2 = results[2]
        .as_ref()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e2.contains("different job"), "P2: {e2:?}");
}

#[test]
fn oversized_messages_are_refused_on_both_sides() {
    let ids = identities();
    let (socks, addrs) = sockets();
    let mut configs = configs(&ids, &addrs);
    // P0 accepts at most 1 MiB; P1 may send up to 4 MiB.
    configs[0].max_frame_bytes = 1 << 20;
    configs[1].max_frame_bytes = 4 << 20;
    let socks = Mutex::new(socks.map(Some));
    let results = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        let mut ch = connect_mesh_with_socket(&configs[i], SESSION, sock).expect("mesh");
        match i {
            0 => {
                let got = ch.recv(PartyId::UWV);
                // The failure is sticky and mesh-wide.
                let again = ch.recv(PartyId::BELASTINGDIENST);
                ch.abort("message too large");
                Some((got.map(|_| ()), again.map(|_| ())))
            }
            1 => {
                // Above its own limit: refused locally, nothing sent.
                let own = ch.send(PartyId::SVB, vec![0; (4 << 20) + 1]);
                assert!(
                    matches!(own, Err(ChannelError::TooLarge { len, limit, .. }) if len == (4 << 20) + 1 && limit == 4 << 20)
                );
                ch.send(PartyId::SVB, vec![0; 2 << 20])
                    .expect("within the sender's limit");
                let _ = ch.recv(PartyId::SVB);
                None
            }
            _ => {
                let _ = ch.recv(PartyId::SVB);
                None
            }
        }
    });
    let [r0, _, _] = results;
    let (got, again) = r0.unwrap();
    match got {
        Err(ChannelError::TooLarge { peer, len, limit }) => {
            assert_eq!(peer, PartyId::UWV);
            assert_eq!(len, 2 << 20);
            assert_eq!(limit, 1 << 20);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(
        matches!(again, Err(ChannelError::TooLarge { .. })),
        "{again:?}"
    );
}

#[test]
fn an_abort_reaches_both_peers_as_peer_aborted() {
    let ids = identities();
    let (socks, addrs) = sockets();
    let configs = configs(&ids, &addrs);
    let socks = Mutex::new(socks.map(Some));
    let results = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        let mut ch = connect_mesh_with_socket(&configs[i], SESSION, sock).expect("mesh");
        let handle = ch.handle();
        if let Err(e) = ch.begin_phase("input") {
            // P1's abort can overtake the others' change of phase: then it is what they
            // see first, as they would on their next receive.
            assert!(i != 1, "P1 could not begin its phase: {e:?}");
            let _ = handle.close();
            return vec![Err(e)];
        }
        if i == 1 {
            // One normal message first: it arrives before the abort (unless the closing
            // connection overtakes the reader; an abort discards unread data).
            ch.send(PartyId::SVB, b"before".to_vec()).expect("send");
            ch.abort("row 17, column bsn: not a valid BSN");
            let after = ch.send(PartyId::SVB, b"after".to_vec());
            assert!(after.is_err(), "sending after an abort must fail");
            assert!(matches!(handle.close(), Err(TransportError::Aborted(_))));
            return vec![];
        }
        let mut seen = Vec::new();
        if i == 0 {
            seen.push(ch.recv(PartyId::UWV).map(|m| String::from_utf8(m).unwrap()));
            seen.push(ch.recv(PartyId::UWV).map(|m| String::from_utf8(m).unwrap()));
            // Waiting on the other, healthy peer also ends: the job is over.
            seen.push(
                ch.recv(PartyId::BELASTINGDIENST)
                    .map(|m| String::from_utf8(m).unwrap()),
            );
        } else {
            seen.push(ch.recv(PartyId::UWV).map(|m| String::from_utf8(m).unwrap()));
        }
        let _ = handle.close();
        seen
    });
    let first = &results[0][0];
    assert!(
        first.as_deref().ok() == Some("before")
            || matches!(first, Err(ChannelError::PeerAborted { .. })),
        "{first:?}"
    );
    const REASON: &str = "row 17, column bsn: not a valid BSN";
    // P0 hears the abort from P1 directly, or — when P2's relay of it arrives first — from
    // P2; either way the reason names the cause and its origin.
    for r in &results[0][1..] {
        match r {
            Err(ChannelError::PeerAborted { peer, reason }) => {
                assert!(reason.contains(REASON), "{reason}");
                assert!(
                    *peer == PartyId::UWV
                        || (*peer == PartyId::BELASTINGDIENST && reason.contains("P1 (UWV)")),
                    "{peer}: {reason}"
                );
            }
            other => panic!("expected PeerAborted, got {other:?}"),
        }
    }
    // P2 hears it from P1 directly, or first from P0 (which stops because of P1); either
    // way the reason names the cause.
    match &results[2][0] {
        Err(ChannelError::PeerAborted { peer, reason }) => {
            assert!(reason.contains(REASON), "{reason}");
            assert!(
                *peer == PartyId::UWV || reason.contains("P1 (UWV)"),
                "{peer}: {reason}"
            );
        }
        other => panic!("expected PeerAborted, got {other:?}"),
    }
}

#[test]
fn a_peer_that_never_starts_is_reported_after_the_connect_timeout() {
    let ids = identities();
    let (socks, addrs) = sockets();
    let configs = configs(&ids, &addrs).map(short);
    let [s0, s1, s2] = socks;
    drop(s2); // P2 never runs.
    let socks = Mutex::new([Some(s0), Some(s1)]);
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let (configs, socks) = (&configs, &socks);
                s.spawn(move || {
                    let sock = socks.lock().unwrap()[i].take().unwrap();
                    connect_mesh_with_socket(&configs[i], SESSION, sock).map(|_| ())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    for r in results {
        let e = r.unwrap_err();
        assert!(
            matches!(e, TransportError::ConnectTimeout { peer, .. } if peer == PartyId::BELASTINGDIENST),
            "{e}"
        );
        assert!(e.to_string().contains("P2 (Belastingdienst)"), "{e}");
    }
}
