//! Shared set-up for the transport tests: certificates made with rcgen, UDP sockets bound
//! to ephemeral ports on 127.0.0.1, and configurations with short timeouts.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use samen_node::transport::{cert_fingerprint, PeerConfig, TransportConfig};
use samen_protocol::PartyId;

/// A node's TLS identity.
#[derive(Clone)]
pub struct Identity {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
}

impl Identity {
    pub fn new(party: PartyId) -> Identity {
        let ck = rcgen::generate_simple_self_signed(vec![format!("samen-{}", party.short_name())])
            .expect("rcgen certificate");
        Identity {
            cert_der: ck.cert.der().to_vec(),
            key_der: ck.key_pair.serialize_der(),
        }
    }

    pub fn fingerprint(&self) -> [u8; 32] {
        cert_fingerprint(&self.cert_der)
    }
}

pub fn identities() -> [Identity; 3] {
    PartyId::ALL.map(Identity::new)
}

/// Three sockets on ephemeral loopback ports, and their addresses.
pub fn sockets() -> ([UdpSocket; 3], [SocketAddr; 3]) {
    let socks = [(); 3].map(|_| UdpSocket::bind("127.0.0.1:0").expect("bind loopback"));
    let addrs = [0, 1, 2].map(|i| socks[i].local_addr().expect("local address"));
    (socks, addrs)
}

/// Party `me`'s configuration: presents `own`, pins `pinned[peer]` for each peer.
pub fn config(
    me: usize,
    own: &Identity,
    pinned: &[Identity; 3],
    addrs: &[SocketAddr; 3],
) -> TransportConfig {
    let party = PartyId::ALL[me];
    let peers = PartyId::ALL
        .into_iter()
        .filter(|p| *p != party)
        .map(|p| PeerConfig {
            party: p,
            address: addrs[p.index()],
            fingerprint: pinned[p.index()].fingerprint(),
        })
        .collect();
    let mut c = TransportConfig::new(
        party,
        addrs[me],
        own.cert_der.clone(),
        own.key_der.clone(),
        peers,
    );
    c.connect_timeout = Duration::from_secs(10);
    c.recv_timeout = Duration::from_secs(20);
    c.idle_timeout = Duration::from_secs(5);
    c.worker_threads = 1;
    c
}

/// The three configurations of a correctly pinned federation.
pub fn configs(ids: &[Identity; 3], addrs: &[SocketAddr; 3]) -> [TransportConfig; 3] {
    [0, 1, 2].map(|i| config(i, &ids[i], ids, addrs))
}

/// Runs `f` for the three parties in three threads and returns the results in party order.
pub fn three<R: Send>(f: impl Fn(usize) -> R + Sync) -> [R; 3] {
    std::thread::scope(|s| {
        let handles = [0, 1, 2].map(|i| {
            let f = &f;
            s.spawn(move || f(i))
        });
        handles.map(|h| h.join().expect("party thread panicked"))
    })
}

/// A deterministic test payload from `from` to `to` in round `round`.
pub fn words(from: usize, to: usize, round: usize, len: usize) -> Vec<u64> {
    let mut x = (from as u64) << 48 ^ (to as u64) << 40 ^ (round as u64) << 32 ^ 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}
