//! Transcript cost: recording one message (hash + line + write) against the baseline of
//! hashing it alone, and a 100 000-row multiplication through the in-memory harness with
//! and without a transcript writer at each party.
//!
//! Run: `cargo bench -p samen-benches --bench transcript`. Results in
//! `docs/benchmarks.md` (section Transcripts).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::SigningKey;
use samen_node::transcript::format::{Header, FORMAT_VERSION};
use samen_node::transcript::{SharedTranscript, TranscriptWriter};
use samen_protocol::context::{Direction, MessageObserver, MessageRecord};
use samen_protocol::ops::arith::mul;
use samen_protocol::ops::input::input_arith;
use samen_protocol::{harness, PartyId, SecurityMode};

fn header(party: PartyId) -> Header {
    Header {
        format: FORMAT_VERSION,
        party,
        job_id: "bench".into(),
        job: [1; 32],
        circuit: [2; 32],
        rules: [3; 32],
        federation: [4; 32],
        mode: SecurityMode::SemiHonest,
        seed: [5; 32],
        software: "samen bench".into(),
        time_ms: 0,
    }
}

fn writer(dir: &std::path::Path, name: &str, party: PartyId) -> SharedTranscript {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    SharedTranscript::new(
        TranscriptWriter::create(&path, header(party), SigningKey::from_bytes(&[7; 32])).unwrap(),
    )
}

fn record_one_message(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut g = c.benchmark_group("transcript/message");
    for size in [8usize, 8 << 10, 800 << 10] {
        let payload = vec![0x5au8; size];
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_with_input(
            BenchmarkId::new("baseline blake3 only", size),
            &payload,
            |b, p| b.iter(|| blake3::hash(p)),
        );
        let mut t = writer(dir.path(), &format!("m{size}"), PartyId::SVB);
        let mut seq = 0u64;
        // The pair's first messages (the key agreement) come first.
        for direction in [Direction::Sent, Direction::Received] {
            t.on_message(&MessageRecord {
                direction,
                peer: PartyId::UWV,
                phase: "setup",
                sequence: 0,
                payload: &[1; 16],
            });
        }
        g.bench_with_input(
            BenchmarkId::new("record (keyed hash, line, write)", size),
            &payload,
            |b, p| {
                b.iter(|| {
                    seq += 1;
                    t.on_message(&MessageRecord {
                        direction: Direction::Sent,
                        peer: PartyId::UWV,
                        phase: "evaluate",
                        sequence: seq,
                        payload: p,
                    })
                })
            },
        );
    }
    g.finish();
}

fn multiplication_with_and_without(c: &mut Criterion) {
    const ROWS: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<u64> = (0..ROWS as u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .collect();
    let job = |ctx: &mut samen_protocol::Context| {
        let me = ctx.party();
        let a = input_arith(
            ctx,
            PartyId::UWV,
            (me == PartyId::UWV).then_some(&x[..]),
            ROWS,
        )?;
        let b = input_arith(
            ctx,
            PartyId::BELASTINGDIENST,
            (me == PartyId::BELASTINGDIENST).then_some(&x[..]),
            ROWS,
        )?;
        let mut p = mul(ctx, &a, &b)?;
        for _ in 0..3 {
            p = mul(ctx, &p, &a)?;
        }
        Ok(p.rows())
    };
    let mut g = c.benchmark_group("transcript/mul 100k rows x4, harness");
    g.sample_size(10);
    g.bench_function("baseline: no observer", |b| {
        b.iter(|| harness::run_three_with(SecurityMode::SemiHonest, |_| None, job).unwrap())
    });
    let mut run = 0u64;
    // Creating the files and the final sync are outside the timing (once per job, not per
    // message): `iter_batched` makes the writers before and drops them after.
    g.bench_function("with transcript at each party", |b| {
        b.iter_batched(
            || {
                run += 1;
                PartyId::ALL.map(|p| writer(dir.path(), &format!("r{run}-{}", p.index()), p))
            },
            |ts| {
                harness::run_three_with(
                    SecurityMode::SemiHonest,
                    |p| Some(ts[p.index()].observer()),
                    job,
                )
                .unwrap();
                ts
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, record_one_message, multiplication_with_and_without);
criterion_main!(benches);
