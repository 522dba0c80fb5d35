//! Prints the cost report of a circuit, per row: AND gates, multiplications, rounds on the
//! critical path and bits sent per party (until `samen circuit stats` exists).
//!
//! ```text
//! cargo run --release -p samen-circuits --example circuit_stats                 # AIO, default rules
//! cargo run --release -p samen-circuits --example circuit_stats -- aio aio-2024-07 count 100
//! cargo run --release -p samen-circuits --example circuit_stats -- path/to/circuit.txt
//! ```
//!
//! For the AIO circuit (arguments: rules name, home rule `loan`/`count`, tolerance in bp) it
//! prints three versions: the naive baseline (every input shared at once, everything under
//! MPC), the circuit as built, and after the optimiser. For a Bristol Fashion file it prints
//! the circuit as imported (all inputs shared, the literature's setting) and, with input `i`
//! owned by party `i mod 3` and not shared up front, after the optimiser.

use samen_circuits::aio::{self, AioRules, HomeRule, Policy};
use samen_circuits::bristol::{self, ImportOptions};
use samen_circuits::cost::{cost, CostReport};
use samen_circuits::ir::Circuit;
use samen_circuits::passes;
use std::process::ExitCode;

fn line(label: &str, c: &Circuit, r: &CostReport) {
    println!(
        "{label:<28} {:>7} {:>7} {:>6} {:>6} {:>5} {:>8} {:>8} {:>8}",
        c.len(),
        r.and_gates,
        r.multiplications,
        r.bit_injections,
        r.rounds,
        r.bits_sent[0],
        r.bits_sent[1],
        r.bits_sent[2]
    );
}

fn header() {
    println!(
        "{:<28} {:>7} {:>7} {:>6} {:>6} {:>5} {:>8} {:>8} {:>8}",
        "version", "gates", "ANDs", "mults", "inject", "rounds", "bits svb", "bits uwv", "bits bd"
    );
}

fn report(versions: &[(&str, Circuit)]) {
    header();
    for (label, c) in versions {
        line(label, c, &cost(c));
    }
    if let Some((label, c)) = versions.last() {
        println!("\n{label}: hash {}\n{}", c.hash(), cost(c));
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let first = args.first().map(String::as_str).unwrap_or("aio");
    if first == "aio" {
        let rules_name = args
            .get(1)
            .map(String::as_str)
            .unwrap_or(aio::DEFAULT_RULES);
        let home_rule = match args.get(2).map(String::as_str).unwrap_or("loan") {
            "loan" => HomeRule::Loan,
            "count" => HomeRule::Count,
            other => return Err(format!("home rule `{other}` is not `loan` or `count`")),
        };
        let tolerance: u64 = args
            .get(3)
            .map(|t| t.parse().map_err(|e| format!("tolerance: {e}")))
            .transpose()?
            .unwrap_or(0);
        let rules = AioRules::by_name(rules_name).map_err(|e| e.to_string())?;
        let policy = Policy::new(tolerance, home_rule).map_err(|e| e.to_string())?;
        let built = aio::circuit::build(&rules, &policy).map_err(|e| e.to_string())?;
        let naive = passes::all_secret(&built).map_err(|e| e.to_string())?;
        let optimised = passes::optimize(&built).map_err(|e| e.to_string())?;
        println!("AIO screening circuit, rules {rules_name}, home rule {home_rule}, tolerance {tolerance} bp; per household\n");
        report(&[
            ("naive (all secret)", naive),
            ("as built", built),
            ("optimised", optimised),
        ]);
    } else {
        let text = std::fs::read_to_string(first).map_err(|e| format!("{first}: {e}"))?;
        let name = std::path::Path::new(first)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("circuit");
        let imported = bristol::import(&text, name, &ImportOptions::default())
            .map_err(|e| format!("{first}: {e}"))?;
        let owned = ImportOptions {
            share_inputs: false,
            ..ImportOptions::default()
        };
        let local = passes::optimize(
            &bristol::import(&text, name, &owned).map_err(|e| format!("{first}: {e}"))?,
        )
        .map_err(|e| e.to_string())?;
        println!("{first}: Bristol Fashion, per row\n");
        report(&[
            ("as imported (all secret)", imported),
            ("owners local, optimised", local),
        ]);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("circuit_stats: {e}");
            ExitCode::FAILURE
        }
    }
}
