//! Loopback throughput and round latency of the QUIC mesh (a measurement, not a test:
//! run with `cargo test --release -p samen-node --test transport_throughput -- --ignored
//! --nocapture`). Three parties in one process over 127.0.0.1; every party sends
//! `TOTAL_MB` to its peers (half to each) in rounds of `CHUNK_MB` per peer, through
//! `Context::exchange_bytes` as the protocol does.

mod transport_support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use samen_node::transport::connect_mesh_with_socket;
use samen_protocol::context::BytesRound;
use samen_protocol::randomness::PartySeed;
use samen_protocol::{Context, PartyId, SecurityMode};
use transport_support::*;

const SESSION: [u8; 32] = [0x44; 32];

/// CPU time (user + system) of this whole process, from /proc (Linux), in seconds.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
#[ignore = "a measurement; run explicitly with --ignored --nocapture"]
fn loopback_throughput() {
    let total_mb = env_usize("SAMEN_BENCH_TOTAL_MB", 100);
    let chunk_mb = env_usize("SAMEN_BENCH_CHUNK_MB", 4);
    let workers = env_usize("SAMEN_BENCH_WORKERS", 1);
    let small_rounds = env_usize("SAMEN_BENCH_SMALL_ROUNDS", 2000);
    let ids = identities();
    let (socks, addrs) = sockets();
    let mut configs = configs(&ids, &addrs);
    for c in &mut configs {
        c.worker_threads = workers;
    }
    let socks = Mutex::new(socks.map(Some));
    let chunk = chunk_mb << 20;
    let rounds = (total_mb << 20) / (2 * chunk);
    let barrier = std::sync::Barrier::new(3);
    let cpu = Mutex::new((0.0f64, 0.0f64));
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
        .unwrap();
        ctx.begin_phase("bulk").unwrap();
        let payload = vec![i as u8; chunk];
        if barrier.wait().is_leader() {
            cpu.lock().unwrap().0 = process_cpu_seconds().unwrap_or(0.0);
        }
        let started = Instant::now();
        for _ in 0..rounds {
            let got = ctx
                .exchange_bytes(BytesRound {
                    to_next: Some(payload.clone()),
                    to_prev: Some(payload.clone()),
                    from_next: true,
                    from_prev: true,
                })
                .unwrap();
            assert_eq!(got.from_next.unwrap().len(), chunk);
            assert_eq!(got.from_prev.unwrap().len(), chunk);
        }
        let bulk = started.elapsed();
        if barrier.wait().is_leader() {
            cpu.lock().unwrap().1 = process_cpu_seconds().unwrap_or(0.0);
        }
        ctx.begin_phase("rounds").unwrap();
        let started = Instant::now();
        for _ in 0..small_rounds {
            ctx.exchange_bytes(BytesRound {
                to_next: Some(vec![1; 8]),
                to_prev: Some(vec![2; 8]),
                from_next: true,
                from_prev: true,
            })
            .unwrap();
        }
        let small = started.elapsed();
        let wire = handle.wire_stats();
        drop(ctx);
        handle.close().unwrap();
        (bulk, small, wire)
    });
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "transport loopback, {cpus} cpus, {workers} runtime worker thread(s) per node, {rounds} rounds of {chunk_mb} MiB to each peer"
    );
    for (i, (bulk, small, wire)) in results.iter().enumerate() {
        let sent = (2 * rounds * chunk) as f64 / (1 << 20) as f64;
        let secs = bulk.as_secs_f64();
        let per_round = *small / small_rounds.max(1) as u32;
        let wire_sent: u64 = wire.iter().map(|w| w.udp_bytes_sent).sum();
        let lost: u64 = wire.iter().map(|w| w.lost_packets).sum();
        let datagrams: u64 = wire.iter().map(|w| w.datagrams_sent).sum();
        let calls: u64 = wire.iter().map(|w| w.send_calls).sum();
        println!(
            "party {i}: sent {sent:.0} MiB and received {sent:.0} MiB in {secs:.2} s = {:.1} MiB/s each way; \
             {small_rounds} small rounds: {per_round:?} per round; UDP bytes sent {:.1} MiB in {datagrams} datagrams ({calls} send calls), lost packets {lost}",
            sent / secs,
            wire_sent as f64 / (1 << 20) as f64,
        );
    }
    // Baseline in the same run: the same rounds over the in-memory harness channels.
    let baseline = samen_protocol::harness::run_three(|ctx| {
        let payload = vec![ctx.party().index() as u8; chunk];
        let started = Instant::now();
        for _ in 0..rounds {
            ctx.exchange_bytes(BytesRound {
                to_next: Some(payload.clone()),
                to_prev: Some(payload.clone()),
                from_next: true,
                from_prev: true,
            })
            .unwrap();
        }
        started.elapsed()
    })
    .unwrap();
    let slowest = baseline.iter().map(|r| r.output).max().unwrap_or_default();
    println!(
        "baseline, in-memory harness, same rounds: {:.2} s = {:.0} MiB/s per party each way",
        slowest.as_secs_f64(),
        (2 * rounds * chunk) as f64 / (1 << 20) as f64 / slowest.as_secs_f64()
    );
    let (c0, c1) = *cpu.lock().unwrap();
    let moved = (3 * 2 * rounds * chunk) as f64 / (1 << 20) as f64;
    println!(
        "CPU time of all three nodes in the bulk phase: {:.2} s for {moved:.0} MiB sent in total = {:.1} ms per MiB \
         (bound on 2 dedicated cores: {:.0} MiB/s per party each way)",
        c1 - c0,
        (c1 - c0) * 1000.0 / moved,
        2.0 / ((c1 - c0) / moved) / 3.0,
    );
    let _ = Duration::ZERO;
}
