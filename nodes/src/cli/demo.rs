//! `samen demo`: the whole job on synthetic data, three nodes over real QUIC on
//! localhost, checked against the plaintext reference, audited at the end.

use std::path::PathBuf;
use std::time::Duration;

use super::{CliError, CliResult};
use crate::input::schema::LinkageMode;
use crate::job::HomeRule;
use crate::run::demo::{
    audit, check_candidates, expected_candidates, prepare, run_three_processes, LocalSetup,
};

/// Arguments of `samen demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Number of synthetic SVB households.
    #[arg(long, default_value_t = 10_000)]
    pub households: usize,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Folder for keys, files, outputs and transcripts (default: a new folder under the
    /// system's temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Built-in rules file.
    #[arg(long, default_value = samen_circuits::aio::DEFAULT_RULES)]
    pub rules: String,
    /// Use the aligned mode (files pre-linked: one row per SVB household in the SVB's
    /// order at every party) instead of private record linkage.
    #[arg(long)]
    pub aligned: bool,
    /// Seconds the three nodes may take.
    #[arg(long, default_value_t = 1800)]
    pub timeout: u64,
}

/// A fresh folder under the temporary directory.
pub fn fresh_dir(prefix: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("{prefix}-{}-{nanos:09}", std::process::id()))
}

/// Runs `samen demo`.
pub fn run(args: DemoArgs) -> CliResult {
    let setup = LocalSetup {
        households: args.households,
        seed: args.seed,
        rules: args.rules,
        tolerance_bp: 0,
        home_rule: HomeRule::Loan,
        dir: args.dir.unwrap_or_else(|| fresh_dir("samen-demo")),
        extra_households: Vec::new(),
        count_to_all: false,
        padding: None,
        linkage: if args.aligned {
            LinkageMode::Aligned
        } else {
            LinkageMode::Linked
        },
    };
    println!(
        "samen demo: {} synthetic households, rules {}, folder {}",
        setup.households,
        setup.rules,
        setup.dir.display()
    );
    match setup.linkage {
        LinkageMode::Linked => println!(
            "    mode: private record linkage (UWV and Belastingdienst files in their own order, with {}% extra persons outside the SVB's households)",
            crate::run::synthetic::DEFAULT_EXTRA_PERCENT
        ),
        LinkageMode::Aligned => println!("    mode: aligned (the three files pre-linked, one row per SVB household in the SVB's order)"),
    }
    println!("1/5 keys, federation, job and approvals for SVB, UWV and the Belastingdienst ...");
    let prepared = prepare(&setup).map_err(|e| CliError::new(e.to_string()))?;
    println!("2/5 starting three nodes on 127.0.0.1 (QUIC, mutual TLS, pinned certificates) ...");
    let run = run_three_processes(&prepared, Duration::from_secs(args.timeout))
        .map_err(|e| CliError::new(e.to_string()))?;
    println!("    the three nodes finished in {:.2} s", run.seconds);
    for s in &run.summaries {
        println!("--- {} ---", s.party);
        print!("{}", s.table());
    }
    println!("3/5 checking the SVB's candidates against the plaintext reference ...");
    let expected =
        expected_candidates(&prepared, &setup).map_err(|e| CliError::new(e.to_string()))?;
    let n = check_candidates(&prepared, &expected).map_err(|e| CliError::new(e.to_string()))?;
    println!(
        "    {n} of {} households flagged, exactly the reference's set",
        setup.households
    );
    println!("4/5 auditing the three transcripts ...");
    let report = audit(&prepared).map_err(|e| CliError::new(e.to_string()))?;
    print!("{}", crate::audit::report_text::render(&report));
    println!(
        "5/5 reports: {}",
        prepared.dir.join("audit-report.html").display()
    );
    if !report.passed() {
        return Err(CliError::new("the audit failed; see the report above"));
    }
    println!("demo passed: candidates match the reference and the audit verdict is PASS");
    Ok(())
}
