//! Cost reports of circuits for people: the table behind `samen circuit stats` (and the
//! `circuit_stats` example).
//!
//! Per circuit row: gates, AND gates, secret multiplications, bit injections, rounds on
//! the critical path and bits sent by each party, from the cost model of [`crate::cost`].
//! For the AIO circuit three versions are shown: the naive baseline (every input shared at
//! once, everything under MPC), the circuit as built, and after the optimiser. For a
//! Bristol Fashion file: as imported (all inputs shared, the literature's setting) and,
//! with input `i` owned by party `i mod 3` and not shared up front, after the optimiser.

use std::fmt::Write;

use crate::aio::{self, AioRules, HomeRule, Policy};
use crate::bristol::{self, ImportOptions};
use crate::cost::{cost, CostReport};
use crate::ir::Circuit;
use crate::passes;

fn header(out: &mut String) {
    let _ = writeln!(
        out,
        "{:<28} {:>7} {:>7} {:>6} {:>6} {:>6} {:>8} {:>8} {:>8}",
        "version", "gates", "ANDs", "mults", "inject", "rounds", "bits svb", "bits uwv", "bits bd"
    );
}

fn line(out: &mut String, label: &str, c: &Circuit, r: &CostReport) {
    let _ = writeln!(
        out,
        "{label:<28} {:>7} {:>7} {:>6} {:>6} {:>6} {:>8} {:>8} {:>8}",
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

/// The table for several versions of a circuit, then the full report of the last one.
pub fn versions_table(versions: &[(&str, Circuit)]) -> String {
    let mut out = String::new();
    header(&mut out);
    for (label, c) in versions {
        line(&mut out, label, c, &cost(c));
    }
    if let Some((label, c)) = versions.last() {
        let _ = write!(out, "\n{label}: hash {}\n{}", c.hash(), cost(c));
    }
    out
}

/// The report of the AIO screening circuit for a rules file and policy.
pub fn aio_report(
    rules_name: &str,
    home_rule: HomeRule,
    tolerance_bp: u64,
) -> Result<String, String> {
    let rules = AioRules::by_name(rules_name).map_err(|e| e.to_string())?;
    let policy = Policy::new(tolerance_bp, home_rule).map_err(|e| e.to_string())?;
    let built = aio::circuit::build(&rules, &policy).map_err(|e| e.to_string())?;
    let naive = passes::all_secret(&built).map_err(|e| e.to_string())?;
    let optimised = passes::optimize(&built).map_err(|e| e.to_string())?;
    let mut out = format!("AIO screening circuit, rules {rules_name}, home rule {home_rule}, tolerance {tolerance_bp} bp; per household\n\n");
    out.push_str(&versions_table(&[
        ("naive (all secret)", naive),
        ("as built", built),
        ("optimised", optimised),
    ]));
    Ok(out)
}

/// The report of a Bristol Fashion circuit given as text (`name` labels it).
pub fn bristol_report(name: &str, text: &str) -> Result<String, String> {
    let imported = bristol::import(text, name, &ImportOptions::default())
        .map_err(|e| format!("{name}: {e}"))?;
    let owned = ImportOptions {
        share_inputs: false,
        ..ImportOptions::default()
    };
    let local =
        passes::optimize(&bristol::import(text, name, &owned).map_err(|e| format!("{name}: {e}"))?)
            .map_err(|e| e.to_string())?;
    let mut out = format!("{name}: Bristol Fashion, per row\n\n");
    out.push_str(&versions_table(&[
        ("as imported (all secret)", imported),
        ("owners local, optimised", local),
    ]));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aio_report_shows_the_three_versions_and_a_hash() {
        let r = aio_report(aio::DEFAULT_RULES, HomeRule::Loan, 0).unwrap();
        assert!(
            r.contains("naive (all secret)")
                && r.contains("as built")
                && r.contains("optimised: hash ")
        );
        assert!(aio_report("no-such-rules", HomeRule::Loan, 0).is_err());
    }

    #[test]
    fn bristol_report_rejects_garbage() {
        assert!(bristol_report("x", "not a circuit").is_err());
    }
}
