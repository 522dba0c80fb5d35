//! The circuit phase of the AIO screen in the in-memory three-party harness, for profiling
//! (`valgrind --tool=callgrind`, `/usr/bin/time -v`): `cargo run --release -p samen-benches
//! --example aio_phase -- ROWS`. Generates ROWS households (outside the measurement), runs
//! the optimised circuit (default rules, `loan`) once at each party, and prints per party
//! the thread's CPU seconds of the evaluation (load-independent, from
//! `/proc/thread-self/schedstat`), rounds and bytes sent per household, and the process's
//! peak resident memory (all three parties together).

use samen_circuits::aio::circuit::{build, input_columns};
use samen_circuits::aio::synth::generate;
use samen_circuits::aio::{AioRules, Policy};
use samen_circuits::{passes, PartyId};
use samen_protocol::evaluator::{evaluate, LocalInputs};
use samen_protocol::harness;

/// CPU nanoseconds of the calling thread (0 where `/proc` is missing).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let rules = AioRules::default_rules();
    let policy = Policy::default();
    let circuit = passes::optimize(&build(&rules, &policy).expect("AIO circuit")).expect("opt");
    let all = input_columns(&generate(2026, rows));
    let inputs: Vec<LocalInputs> = PartyId::ALL
        .iter()
        .map(|p| {
            circuit
                .inputs_of(*p)
                .map(|i| (i.name.to_string(), all[i.name].clone()))
                .collect()
        })
        .collect();
    drop(all);
    let before = peak_rss_kib();
    let runs = harness::try_run_three(|ctx| {
        ctx.begin_phase("evaluate")?;
        let mine = &inputs[ctx.party().index()];
        let t = thread_cpu_ns();
        evaluate(ctx, &circuit, mine, rows)?;
        Ok(thread_cpu_ns() - t)
    })
    .expect("run");
    for (i, r) in runs.iter().enumerate() {
        let s = r
            .phases
            .iter()
            .find(|(n, _)| n == "evaluate")
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        println!(
            "party {i}: cpu {:.3} s, {} rounds, {:.1} B sent per household",
            r.output as f64 / 1e9,
            s.rounds,
            s.total_sent() as f64 / rows as f64
        );
    }
    println!(
        "peak RSS: {} MiB before the evaluation, {} MiB after (three parties)",
        before / 1024,
        peak_rss_kib() / 1024
    );
}
