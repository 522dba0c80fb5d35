//! A node killed mid-run (SIGKILL: no goodbye, no abort frame, no QUIC close) makes the
//! other two fail with a clear error once QUIC's idle timeout expires, well before their
//! (much longer) receive timeout.
//!
//! P2 runs in a child process (this test binary, re-run with `crash_child`), so it can be
//! killed for real.

mod transport_support;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use samen_node::transport::{connect_mesh_with_socket, PeerConfig, TransportConfig};
use samen_protocol::context::Round;
use samen_protocol::randomness::PartySeed;
use samen_protocol::{ChannelError, Context, PartyId, ProtocolError, SecurityMode};
use transport_support::*;

const SESSION: [u8; 32] = [0x33; 32];
const CHILD_ENV: &str = "SAMEN_TRANSPORT_CRASH_CHILD";
const ROUNDS: usize = 3;
const IDLE: Duration = Duration::from_secs(2);

fn round(ctx: &mut Context, r: usize) -> Result<(), ProtocolError> {
    let i = ctx.party().index();
    let (next, prev) = (ctx.party().next().index(), ctx.party().prev().index());
    let (a, b) = (words(i, next, r, 1000), words(i, prev, r, 1000));
    let got = ctx.exchange(Round {
        to_next: Some(&a),
        to_prev: Some(&b),
        from_next: Some(1000),
        from_prev: Some(1000),
    })?;
    assert_eq!(got.from_next.unwrap(), words(next, i, r, 1000));
    assert_eq!(got.from_prev.unwrap(), words(prev, i, r, 1000));
    Ok(())
}

fn party_config(
    me: PartyId,
    cert: Vec<u8>,
    key: Vec<u8>,
    peers: Vec<PeerConfig>,
    listen: SocketAddr,
) -> TransportConfig {
    let mut c = TransportConfig::new(me, listen, cert, key, peers);
    c.connect_timeout = Duration::from_secs(20);
    c.recv_timeout = Duration::from_secs(60);
    c.idle_timeout = IDLE;
    c.worker_threads = 1;
    c
}

/// Tells the parent something on stdout, unbuffered.
fn announce(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Kills the child if the test fails early.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "the child process of a_killed_peer_makes_the_others_fail_within_the_idle_timeout"]
fn crash_child() {
    let Ok(setup) = std::env::var(CHILD_ENV) else {
        return;
    };
    let f: Vec<&str> = setup.split(',').collect();
    let peers = (0..2)
        .map(|k| PeerConfig {
            party: PartyId::ALL[k],
            address: f[2 + 2 * k].parse().unwrap(),
            fingerprint: hex::decode(f[3 + 2 * k]).unwrap().try_into().unwrap(),
        })
        .collect();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let listen = sock.local_addr().unwrap();
    let config = party_config(
        PartyId::BELASTINGDIENST,
        hex::decode(f[0]).unwrap(),
        hex::decode(f[1]).unwrap(),
        peers,
        listen,
    );
    announce(&format!("PORT {}", listen.port()));
    let channel = connect_mesh_with_socket(&config, SESSION, sock).expect("child mesh");
    let mut ctx = Context::start(
        PartyId::BELASTINGDIENST,
        SecurityMode::SemiHonest,
        Box::new(channel),
        None,
        PartySeed::from_bytes([2; 32]),
    )
    .unwrap();
    for r in 0..ROUNDS {
        round(&mut ctx, r).unwrap();
    }
    announce("READY");
    // Wait to be killed (bounded, in case the parent died).
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_killed_peer_makes_the_others_fail_within_the_idle_timeout() {
    let ids = identities();
    let socks = [0, 1].map(|_| UdpSocket::bind("127.0.0.1:0").unwrap());
    let addrs = [0, 1].map(|k| socks[k].local_addr().unwrap());
    let setup = format!(
        "{},{},{},{},{},{}",
        hex::encode(&ids[2].cert_der),
        hex::encode(&ids[2].key_der),
        addrs[0],
        hex::encode(ids[0].fingerprint()),
        addrs[1],
        hex::encode(ids[1].fingerprint()),
    );
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, setup)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child node");
    let mut child = KillOnDrop(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("child output").unwrap();
        // libtest may print "test crash_child ... " on the same line first.
        if let Some(at) = line.find("PORT ") {
            break line[at + 5..].trim().parse().unwrap();
        }
    };
    let addr2: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let all = [addrs[0], addrs[1], addr2];
    let configs = [0, 1].map(|i| {
        let peers = PartyId::ALL
            .into_iter()
            .filter(|p| p.index() != i)
            .map(|p| PeerConfig {
                party: p,
                address: all[p.index()],
                fingerprint: ids[p.index()].fingerprint(),
            })
            .collect();
        party_config(
            PartyId::ALL[i],
            ids[i].cert_der.clone(),
            ids[i].key_der.clone(),
            peers,
            addrs[i],
        )
    });
    let socks = Mutex::new(socks.map(Some));
    let rounds_done = Barrier::new(3);
    let killed = Barrier::new(3);
    let outcomes = std::thread::scope(|s| {
        let parties: Vec<_> = (0..2)
            .map(|i| {
                let (configs, socks, rounds_done, killed) =
                    (&configs, &socks, &rounds_done, &killed);
                s.spawn(move || {
                    let sock = socks.lock().unwrap()[i].take().unwrap();
                    let channel =
                        connect_mesh_with_socket(&configs[i], SESSION, sock).expect("mesh");
                    let mut ctx = Context::start(
                        PartyId::ALL[i],
                        SecurityMode::SemiHonest,
                        Box::new(channel),
                        None,
                        PartySeed::from_bytes([i as u8; 32]),
                    )
                    .unwrap();
                    for r in 0..ROUNDS {
                        round(&mut ctx, r).unwrap();
                    }
                    rounds_done.wait();
                    killed.wait();
                    let started = Instant::now();
                    let err =
                        round(&mut ctx, ROUNDS).expect_err("a round with a dead peer must fail");
                    (err, started.elapsed())
                })
            })
            .collect();
        rounds_done.wait();
        // The child has done its rounds too once it says READY.
        assert!(
            lines.any(|l| l.map(|l| l.contains("READY")).unwrap_or(false)),
            "child never got ready"
        );
        child.0.kill().expect("kill the child");
        let _ = child.0.wait();
        killed.wait();
        parties
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    // Each survivor fails with a clear cause: the dead peer's silence, or — when the other
    // survivor noticed it a moment earlier and stopped — that survivor's stop. At least one
    // of them names the dead peer itself.
    let mut named_dead_peer = false;
    for (i, (err, waited)) in outcomes.iter().enumerate() {
        eprintln!("party {i}: failed after {waited:?}: {err}");
        match err {
            ProtocolError::Channel(ChannelError::Closed { peer, reason })
                if *peer == PartyId::BELASTINGDIENST =>
            {
                assert!(reason.contains("no packets from the peer"), "{reason}");
                named_dead_peer = true;
            }
            ProtocolError::Channel(ChannelError::Closed { peer, reason }) => {
                assert_eq!(peer.index(), 1 - i, "party {i}: {reason}");
                assert!(reason.contains("stopped"), "{reason}");
            }
            other => panic!("party {i}: expected the dead peer to be reported, got: {other}"),
        }
    }
    assert!(named_dead_peer, "no survivor reported the dead peer");
}
