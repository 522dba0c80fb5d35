//! Prints the cost report of a circuit, per row: AND gates, multiplications, rounds on the
//! critical path and bits sent per party (the same report as `samen circuit stats`).
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

use samen_circuits::aio::{self, HomeRule};
use samen_circuits::report;
use std::process::ExitCode;

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
        print!("{}", report::aio_report(rules_name, home_rule, tolerance)?);
    } else {
        let text = std::fs::read_to_string(first).map_err(|e| format!("{first}: {e}"))?;
        print!("{}", report::bristol_report(first, &text)?);
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
