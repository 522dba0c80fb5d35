//! Criterion benchmarks of the replicated secret-sharing engine: 1M-row columns through
//! the in-memory three-party harness (three threads), plus the pure local bit-sliced AND
//! kernel. Each protocol bench prints once, from the context counters, the rounds and the
//! bits sent per row per party (the maximum over the three parties).
//!
//! Timing: each sample runs the three parties in threads; inside every party the operation
//! is repeated `iters` times between two clock readings, and the sample's time is the
//! slowest party's. Shares are random replicated sharings drawn from the PRF keys, so no
//! input phase is timed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samen_protocol::ops::{arith, boolean, compare, convert};
use samen_protocol::randomness::{PrfKey, PrfStream};
use samen_protocol::{
    harness, ArithColumn, BitSlicedColumn, Context, ProtocolError, ReplicatedWords,
};

const ROWS: usize = 1_000_000;

fn random_words(ctx: &mut Context, n: usize) -> ReplicatedWords {
    let (own, next) = ctx.randomness().random_replicated(n);
    ReplicatedWords { own, next }
}

/// A random arithmetic column (a replicated sharing of random values, no communication).
/// The cost of every operation is independent of the values.
fn arith_column(ctx: &mut Context) -> ArithColumn {
    ArithColumn::new(random_words(ctx, ROWS))
}

fn bits_column(ctx: &mut Context, width: u32) -> BitSlicedColumn {
    BitSlicedColumn {
        width,
        rows: ROWS,
        shares: random_words(ctx, width as usize * ROWS.div_ceil(64)),
    }
}

/// Runs `op` `iters` times at each party; returns the slowest party's time.
fn timed<S: Send, F, P>(iters: u64, prepare: P, op: F) -> Duration
where
    P: Fn(&mut Context) -> S + Sync,
    F: Fn(&mut Context, &S) -> Result<(), ProtocolError> + Sync,
{
    let runs = harness::try_run_three(|ctx| {
        let s = prepare(ctx);
        let t = Instant::now();
        for _ in 0..iters {
            op(ctx, &s)?;
        }
        Ok(t.elapsed())
    })
    .expect("benchmark run");
    runs.iter().map(|r| r.output).max().unwrap_or_default()
}

/// Prints the rounds and bits sent per row per party of one run of `op`.
fn report<S: Send, F, P>(name: &str, prepare: P, op: F)
where
    P: Fn(&mut Context) -> S + Sync,
    F: Fn(&mut Context, &S) -> Result<(), ProtocolError> + Sync,
{
    let runs = harness::try_run_three(|ctx| {
        let s = prepare(ctx);
        ctx.begin_phase("bench")?;
        op(ctx, &s)
    })
    .expect("benchmark run");
    let stats: Vec<_> = runs
        .iter()
        .map(|r| {
            r.phases
                .iter()
                .find(|(n, _)| n == "bench")
                .map(|(_, s)| s.clone())
                .unwrap_or_default()
        })
        .collect();
    let rounds = stats[0].rounds;
    let bits: Vec<f64> = stats
        .iter()
        .map(|s| s.total_sent() as f64 * 8.0 / ROWS as f64)
        .collect();
    eprintln!(
        "[engine] {name}: {ROWS} rows, {rounds} rounds, bits sent per row per party: P0 {:.1}, P1 {:.1}, P2 {:.1}",
        bits[0], bits[1], bits[2]
    );
}

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));

    // Baselines of the same run: the plaintext computation, and the PRF (AES-128-CTR) that
    // every multiplication layer draws its zero shares from (two words per product).
    {
        let mk = |seed: u64| {
            (0..ROWS as u64)
                .map(|i| (i ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .collect::<Vec<u64>>()
        };
        let (x, y) = (mk(7), mk(8));
        g.throughput(Throughput::Elements(ROWS as u64));
        g.bench_function("baseline_plaintext_mul_1M", |b| {
            b.iter(|| {
                black_box(&x)
                    .iter()
                    .zip(black_box(&y))
                    .map(|(a, b)| a.wrapping_mul(*b))
                    .collect::<Vec<u64>>()
            })
        });
        g.bench_function("baseline_plaintext_lt64_1M", |b| {
            b.iter(|| {
                black_box(&x)
                    .iter()
                    .zip(black_box(&y))
                    .map(|(a, b)| u64::from((*a as i64) < (*b as i64)))
                    .collect::<Vec<u64>>()
            })
        });
        let mut stream = PrfStream::new(&PrfKey::from_bytes([7; 16]));
        let mut buf = vec![0u64; ROWS];
        g.bench_function("baseline_prf_aes_ctr_1M_words", |b| {
            b.iter(|| stream.fill(black_box(&mut buf)))
        });
    }

    let prep_bits = |ctx: &mut Context| (bits_column(ctx, 64), bits_column(ctx, 64));
    let and_op = |ctx: &mut Context, s: &(BitSlicedColumn, BitSlicedColumn)| {
        boolean::and(ctx, &s.0, &s.1).map(drop)
    };
    report("AND 64-bit columns (64 gates per row)", prep_bits, and_op);
    g.throughput(Throughput::Elements(64 * ROWS as u64));
    g.bench_function("and_1M_rows_x_64_bits", |b| {
        b.iter_custom(|iters| timed(iters, prep_bits, and_op))
    });

    let prep_arith = |ctx: &mut Context| (arith_column(ctx), arith_column(ctx));
    let mul_op =
        |ctx: &mut Context, s: &(ArithColumn, ArithColumn)| arith::mul(ctx, &s.0, &s.1).map(drop);
    report("multiplication", prep_arith, mul_op);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("mul_1M", |b| {
        b.iter_custom(|iters| timed(iters, prep_arith, mul_op))
    });

    let lt_op = |ctx: &mut Context, s: &(ArithColumn, ArithColumn)| {
        compare::lt(ctx, &s.0, &s.1, 63).map(drop)
    };
    report("64-bit comparison x < y (shared/shared)", prep_arith, lt_op);
    g.bench_function("lt64_1M", |b| {
        b.iter_custom(|iters| timed(iters, prep_arith, lt_op))
    });

    let eq_op = |ctx: &mut Context, s: &(ArithColumn, ArithColumn)| {
        compare::eq(ctx, &s.0, &s.1, 63).map(drop)
    };
    report("64-bit equality x == y (shared/shared)", prep_arith, eq_op);
    g.bench_function("eq64_1M", |b| {
        b.iter_custom(|iters| timed(iters, prep_arith, eq_op))
    });

    let a2b_op =
        |ctx: &mut Context, s: &(ArithColumn, ArithColumn)| convert::a2b(ctx, &s.0, 64).map(drop);
    report("A2B 64 bits", prep_arith, a2b_op);
    g.bench_function("a2b64_1M", |b| {
        b.iter_custom(|iters| timed(iters, prep_arith, a2b_op))
    });

    let prep_bit = |ctx: &mut Context| (bits_column(ctx, 1), arith_column(ctx));
    let btv_op = |ctx: &mut Context, s: &(BitSlicedColumn, ArithColumn)| {
        convert::bit_times_value(ctx, &s.0, &s.1).map(drop)
    };
    report("bit x value", prep_bit, btv_op);
    g.bench_function("bit_times_value_1M", |b| {
        b.iter_custom(|iters| timed(iters, prep_bit, btv_op))
    });

    let prep_one = |ctx: &mut Context| bits_column(ctx, 32);
    let ltc_op = |ctx: &mut Context, s: &BitSlicedColumn| {
        compare::lt_public_bits(ctx, s, 0x8000_1234).map(drop)
    };
    report("bit-sliced 32-bit x < public", prep_one, ltc_op);
    g.bench_function("lt_public_bits32_1M", |b| {
        b.iter_custom(|iters| timed(iters, prep_one, ltc_op))
    });

    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
