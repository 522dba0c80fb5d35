//! The QUIC mesh end to end on loopback: three parties run the engine's `Context` over
//! real QUIC connections, exchange words over several phases, and close cleanly.

mod transport_support;

use std::time::Duration;

use samen_node::transport::{connect_mesh_with_socket, ping_with_socket};
use samen_protocol::context::Round;
use samen_protocol::randomness::PartySeed;
use samen_protocol::{Channel, Context, PartyId, SecurityMode};
use transport_support::*;

const SESSION: [u8; 32] = [0x5a; 32];

#[test]
fn three_parties_exchange_through_context_over_quic() {
    let ids = identities();
    let (socks, addrs) = sockets();
    let configs = configs(&ids, &addrs);
    let socks = socks.map(Some);
    let socks = std::sync::Mutex::new(socks);
    // Sizes include empty, odd and a multi-megabyte round (bulk stream path).
    let sizes = [1usize, 0, 1000, 3, 1 << 20, 17];
    let results = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        let channel = connect_mesh_with_socket(&configs[i], SESSION, sock).expect("mesh");
        let handle = channel.handle();
        let me = PartyId::ALL[i];
        let mut ctx = Context::start(
            me,
            SecurityMode::SemiHonest,
            Box::new(channel),
            None,
            PartySeed::from_bytes([i as u8; 32]),
        )
        .expect("key set-up");
        let (next, prev) = (me.next().index(), me.prev().index());
        for (round, &len) in sizes.iter().enumerate() {
            ctx.begin_phase(&format!("phase-{}", round % 3))
                .expect("phase");
            let to_next = words(i, next, round, len);
            let to_prev = words(i, prev, round, len);
            let got = ctx
                .exchange(Round {
                    to_next: Some(&to_next),
                    to_prev: Some(&to_prev),
                    from_next: Some(len),
                    from_prev: Some(len),
                })
                .expect("exchange");
            assert_eq!(
                got.from_next.unwrap(),
                words(next, i, round, len),
                "party {i} round {round} from next"
            );
            assert_eq!(
                got.from_prev.unwrap(),
                words(prev, i, round, len),
                "party {i} round {round} from prev"
            );
        }
        // The multiplication pattern: send to prev, receive from next.
        let mine = words(i, prev, 99, 257);
        let from_next = ctx.send_prev_recv_next(&mine).expect("send_prev_recv_next");
        assert_eq!(from_next, words(next, i, 99, 257));
        // Correlated randomness agreed over QUIC: the common stream is the same for all.
        let common = ctx.randomness().common(8);
        let zero = ctx.randomness().zero_shares(8);
        let stats = ctx.stats().clone();
        drop(ctx);
        handle.close().expect("clean close");
        (common, zero, stats)
    });
    assert_eq!(results[0].0, results[1].0);
    assert_eq!(results[1].0, results[2].0);
    for k in 0..8 {
        let sum = results.iter().fold(0u64, |a, r| a.wrapping_add(r.1[k]));
        assert_eq!(sum, 0, "zero shares must sum to zero");
    }
    let bulk = (sizes.iter().sum::<usize>() * 8) as u64;
    for (i, r) in results.iter().enumerate() {
        let me = PartyId::ALL[i];
        // Set-up: a 16-byte contribution to next, key and contribution (32 bytes) to prev.
        assert_eq!(r.2.bytes_sent[me.next().index()], 16 + bulk);
        assert_eq!(r.2.bytes_sent[me.prev().index()], 32 + bulk + 257 * 8);
        assert_eq!(r.2.total_received(), r.2.total_sent());
    }
}

#[test]
fn last_messages_are_delivered_before_close_returns() {
    // P0 sends a large final message and closes at once; P1 reads it only later. `close`
    // must wait for P1 to finish, so nothing is lost.
    let ids = identities();
    let (socks, addrs) = sockets();
    let configs = configs(&ids, &addrs);
    let socks = std::sync::Mutex::new(socks.map(Some));
    let outcomes = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        let mut ch = connect_mesh_with_socket(&configs[i], SESSION, sock).expect("mesh");
        let mut received = None;
        match i {
            0 => {
                let big: Vec<u8> = (0..(8usize << 20)).map(|k| (k % 251) as u8).collect();
                ch.send(PartyId::UWV, big).expect("send");
                ch.send(PartyId::UWV, b"last".to_vec()).expect("send");
            }
            1 => {
                std::thread::sleep(Duration::from_millis(500));
                let big = ch.recv(PartyId::SVB).expect("recv big");
                assert!(big.iter().enumerate().all(|(k, b)| *b == (k % 251) as u8));
                assert_eq!(big.len(), 8 << 20);
                received = Some(ch.recv(PartyId::SVB).expect("recv last"));
            }
            _ => {}
        }
        let closed = ch.close();
        (received, closed)
    });
    assert_eq!(outcomes[1].0.as_deref(), Some(&b"last"[..]));
    for (i, o) in outcomes.iter().enumerate() {
        assert!(o.1.is_ok(), "party {i} close: {:?}", o.1);
    }
}

#[test]
fn recv_after_a_peer_finished_reports_it_clearly() {
    let ids = identities();
    let (socks, addrs) = sockets();
    let configs = configs(&ids, &addrs);
    let socks = std::sync::Mutex::new(socks.map(Some));
    let errors = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        let mut ch = connect_mesh_with_socket(&configs[i], SESSION, sock).expect("mesh");
        if i == 0 {
            // P0 expects one more message from P2, which P2 never sends.
            let handle = ch.handle();
            let err = ch.recv(PartyId::BELASTINGDIENST).unwrap_err();
            drop(ch);
            let _ = handle.close();
            Some(err.to_string())
        } else {
            let _ = ch.close();
            None
        }
    });
    let msg = errors[0].clone().unwrap();
    assert!(
        msg.contains("P2 (Belastingdienst)") && msg.contains("finished"),
        "{msg}"
    );
}

#[test]
fn ping_checks_both_peers() {
    let ids = identities();
    let (socks, addrs) = sockets();
    let configs = configs(&ids, &addrs);
    let socks = std::sync::Mutex::new(socks.map(Some));
    let results = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        ping_with_socket(&configs[i], sock)
    });
    for (i, r) in results.into_iter().enumerate() {
        let r = r.unwrap_or_else(|e| panic!("party {i} ping: {e}"));
        let parties: Vec<PartyId> = r.iter().map(|(p, _)| *p).collect();
        let expected: Vec<PartyId> = PartyId::ALL
            .into_iter()
            .filter(|p| p.index() != i)
            .collect();
        assert_eq!(parties, expected);
    }
}

#[test]
fn many_unread_messages_arrive_in_order_under_backpressure() {
    // P1 accepts at most 1 MiB frames, so its inbox holds about 1 MiB of unread messages:
    // the reader must stop and resume many times while P1 is slow, without losing or
    // reordering anything. Phases change in between (new streams).
    let ids = identities();
    let (socks, addrs) = sockets();
    let mut configs = configs(&ids, &addrs);
    configs[1].max_frame_bytes = 1 << 20;
    let socks = std::sync::Mutex::new(socks.map(Some));
    const COUNT: usize = 300;
    let message = |k: usize| -> Vec<u8> {
        let len = if k % 7 == 0 { 0 } else { 100 * 1024 + k };
        (0..len).map(|b| (b + k) as u8).collect()
    };
    let outcomes = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        let mut ch = connect_mesh_with_socket(&configs[i], SESSION, sock).expect("mesh");
        let mut ok = true;
        match i {
            0 => {
                for k in 0..COUNT {
                    if k % 100 == 50 {
                        ch.begin_phase(&format!("phase {k}")).expect("phase");
                    }
                    ch.send(PartyId::UWV, message(k)).expect("send");
                }
            }
            1 => {
                std::thread::sleep(Duration::from_millis(300));
                for k in 0..COUNT {
                    if k % 100 == 50 {
                        ch.begin_phase(&format!("phase {k}")).expect("phase");
                    }
                    ok &= ch.recv(PartyId::SVB).expect("recv") == message(k);
                }
            }
            _ => {}
        }
        (ok, ch.close())
    });
    for (i, (ok, closed)) in outcomes.iter().enumerate() {
        assert!(ok, "party {i} received a wrong message");
        assert!(closed.is_ok(), "party {i} close: {closed:?}");
    }
}

#[test]
fn certificates_from_keygen_connect_and_carry_a_round() {
    // The files `samen keygen` writes (PEM certificate, owner-only PKCS#8 key) work as the
    // transport's identities, and the printed fingerprints are the ones to pin.
    let dir = tempfile::tempdir().unwrap();
    let loaded = PartyId::ALL.map(|p| {
        let keys =
            samen_node::keys::generate_node_keys(p, &dir.path().join(p.short_name())).unwrap();
        let cert = samen_node::keys::load_certificate_der(&keys.tls_cert_path).unwrap();
        let key = samen_node::keys::load_tls_private_key(&keys.tls_key_path).unwrap();
        assert_eq!(
            samen_node::transport::cert_fingerprint(&cert),
            keys.cert_fingerprint
        );
        Identity {
            cert_der: cert.to_vec(),
            key_der: key.secret_der().to_vec(),
        }
    });
    let (socks, addrs) = sockets();
    let configs = configs(&loaded, &addrs);
    let socks = std::sync::Mutex::new(socks.map(Some));
    let got = three(|i| {
        let sock = socks.lock().unwrap()[i].take().unwrap();
        let mut ch = connect_mesh_with_socket(&configs[i], SESSION, sock).expect("mesh");
        let me = PartyId::ALL[i];
        ch.send(me.next(), vec![i as u8; 3]).unwrap();
        let m = ch.recv(me.prev()).unwrap();
        ch.close().unwrap();
        m
    });
    for (i, m) in got.iter().enumerate() {
        assert_eq!(m, &vec![PartyId::ALL[i].prev().index() as u8; 3]);
    }
}
