//! Criterion benchmarks of the secure circuit evaluator (`samen_protocol::evaluator`) in
//! the in-memory three-party harness (three threads):
//!
//! - AES-128 (the Bristol Fashion circuit, key owned by the SVB, plaintext by UWV, every
//!   bit shared at once, ciphertext to the SVB): blocks per second, the literature's figure;
//! - the AIO screening circuit (default rules, optimised, both home-equity rules) on
//!   100,000 generated households: households per second.
//!
//! Each prints once, from the context counters, the rounds and the bytes sent per row
//! (block or household) by each party. Timing: each sample runs the three parties in
//! threads; inside each party the whole evaluation (input sharing, gates, reveal) is
//! repeated `iters` times between two clock readings; the sample's time is the slowest
//! party's. Input columns are prepared outside the timing, and so is the key set-up.
//! Baseline of the same run: the plaintext IR evaluator on the same circuit and rows.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samen_circuits::aio::circuit::{build, input_columns};
use samen_circuits::aio::synth::generate;
use samen_circuits::aio::{AioRules, HomeRule, Policy};
use samen_circuits::bristol::{self, ImportOptions};
use samen_circuits::eval::{self, Columns};
use samen_circuits::{passes, Circuit, PartyId, PartySet};
use samen_protocol::evaluator::{evaluate, LocalInputs};
use samen_protocol::harness;

const AES: &str = include_str!("../../circuits/tests/data/aes_128.txt");
const AES_BLOCKS: [usize; 2] = [20_000, 100_000];
const AES_PLAINTEXT_BLOCKS: usize = 1_000;
const HOUSEHOLDS: usize = 100_000;

fn per_party(circuit: &Circuit, all: &Columns) -> Vec<LocalInputs> {
    PartyId::ALL
        .iter()
        .map(|p| {
            circuit
                .inputs_of(*p)
                .map(|i| (i.name.to_string(), all[i.name].clone()))
                .collect()
        })
        .collect()
}

/// Runs the evaluation `iters` times at each party; returns the slowest party's time.
fn timed(iters: u64, circuit: &Circuit, inputs: &[LocalInputs], rows: usize) -> Duration {
    let runs = harness::try_run_three(|ctx| {
        let mine = &inputs[ctx.party().index()];
        let t = Instant::now();
        for _ in 0..iters {
            black_box(evaluate(ctx, circuit, mine, rows)?);
        }
        Ok(t.elapsed())
    })
    .expect("benchmark run");
    runs.iter().map(|r| r.output).max().unwrap_or_default()
}

/// Prints rounds and bytes sent per row per party of one evaluation.
fn report(name: &str, circuit: &Circuit, inputs: &[LocalInputs], rows: usize) {
    let runs = harness::try_run_three(|ctx| {
        ctx.begin_phase("evaluate")?;
        let mine = &inputs[ctx.party().index()];
        evaluate(ctx, circuit, mine, rows)?;
        Ok(())
    })
    .expect("benchmark run");
    let stats: Vec<_> = runs
        .iter()
        .map(|r| {
            r.phases
                .iter()
                .find(|(n, _)| n == "evaluate")
                .map(|(_, s)| s.clone())
                .unwrap_or_default()
        })
        .collect();
    let bytes: Vec<f64> = stats
        .iter()
        .map(|s| s.total_sent() as f64 / rows as f64)
        .collect();
    eprintln!(
        "[circuits] {name}: {rows} rows, {} rounds, bytes sent per row: P0 {:.1}, P1 {:.1}, P2 {:.1}",
        stats[0].rounds, bytes[0], bytes[1], bytes[2]
    );
}

fn aes_columns(rows: usize) -> Columns {
    // Any bits will do: the cost does not depend on the values.
    (0..2)
        .flat_map(|i| {
            (0..128u64).map(move |j| {
                let col = (0..rows as u64)
                    .map(|r| (r.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (j % 61) ^ i) & 1)
                    .collect();
                (format!("in{i}[{j}]"), col)
            })
        })
        .collect()
}

fn circuits(c: &mut Criterion) {
    let mut g = c.benchmark_group("circuits");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(10));

    // AES-128.
    let opts = ImportOptions {
        owners: vec![PartyId::SVB, PartyId::UWV],
        reveal_to: PartySet::only(PartyId::SVB),
        share_inputs: true,
    };
    let aes = bristol::import(AES, "aes_128", &opts).expect("AES circuit");
    for blocks in AES_BLOCKS {
        let columns = aes_columns(blocks);
        let inputs = per_party(&aes, &columns);
        report("AES-128", &aes, &inputs, blocks);
        g.throughput(Throughput::Elements(blocks as u64));
        g.bench_function(format!("aes128_secure_{}k_blocks", blocks / 1000), |b| {
            b.iter_custom(|iters| timed(iters, &aes, &inputs, blocks))
        });
    }
    // Baseline: the plaintext IR evaluator (a per-row interpreter, so on fewer blocks).
    let columns = aes_columns(AES_PLAINTEXT_BLOCKS);
    g.throughput(Throughput::Elements(AES_PLAINTEXT_BLOCKS as u64));
    g.bench_function("aes128_plaintext_ir_1k_blocks", |b| {
        b.iter(|| eval::evaluate(black_box(&aes), &columns).expect("plaintext"))
    });

    // AIO screening.
    let rules = AioRules::default_rules();
    let households = generate(2026, HOUSEHOLDS);
    let columns = input_columns(&households);
    g.throughput(Throughput::Elements(HOUSEHOLDS as u64));
    for home_rule in [HomeRule::Loan, HomeRule::Count] {
        let policy = Policy {
            tolerance_bp: 0,
            home_rule,
        };
        let circuit =
            passes::optimize(&build(&rules, &policy).expect("AIO circuit")).expect("optimiser");
        let inputs = per_party(&circuit, &columns);
        report(
            &format!("AIO ({home_rule}, optimised)"),
            &circuit,
            &inputs,
            HOUSEHOLDS,
        );
        g.bench_function(format!("aio_{home_rule}_secure_100k_households"), |b| {
            b.iter_custom(|iters| timed(iters, &circuit, &inputs, HOUSEHOLDS))
        });
        g.bench_function(
            format!("aio_{home_rule}_plaintext_ir_100k_households"),
            |b| b.iter(|| eval::evaluate(black_box(&circuit), &columns).expect("plaintext")),
        );
    }
    g.finish();
}

criterion_group!(benches, circuits);
criterion_main!(benches);
