//! `samen bench`: three local nodes over QUIC on synthetic data; phase timings, bytes and
//! rounds per party, households per second; a table and JSON.

use std::path::PathBuf;
use std::time::Duration;

use super::demo::fresh_dir;
use super::{CliError, CliResult};
use crate::input::schema::LinkageMode;
use crate::job::HomeRule;
use crate::run::bench::BenchReport;
use crate::run::demo::{
    check_candidates, expected_candidates, prepare, run_three_processes, LocalSetup,
};

/// Arguments of `samen bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Number of synthetic SVB households.
    #[arg(long, default_value_t = 100_000)]
    pub households: usize,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Folder for the run (default: a new folder under the temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Also write the JSON report here (it is always printed).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Use the aligned mode (files pre-linked: one row per SVB household in the SVB's
    /// order at every party) instead of private record linkage.
    #[arg(long)]
    pub aligned: bool,
    /// Seconds the three nodes may take.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
}

/// Runs `samen bench`.
pub fn run(args: BenchArgs) -> CliResult {
    let setup = LocalSetup {
        households: args.households,
        seed: args.seed,
        rules: samen_circuits::aio::DEFAULT_RULES.to_string(),
        tolerance_bp: 0,
        home_rule: HomeRule::Loan,
        dir: args.dir.unwrap_or_else(|| fresh_dir("samen-bench")),
        extra_households: Vec::new(),
        count_to_all: false,
        padding: None,
        linkage: if args.aligned {
            LinkageMode::Aligned
        } else {
            LinkageMode::Linked
        },
    };
    eprintln!(
        "samen bench: {} households, {} mode, folder {}",
        setup.households,
        if args.aligned { "aligned" } else { "linked" },
        setup.dir.display()
    );
    let prepared = prepare(&setup).map_err(|e| CliError::new(e.to_string()))?;
    let run = run_three_processes(&prepared, Duration::from_secs(args.timeout))
        .map_err(|e| CliError::new(e.to_string()))?;
    let expected =
        expected_candidates(&prepared, &setup).map_err(|e| CliError::new(e.to_string()))?;
    let matches = check_candidates(&prepared, &expected).is_ok();
    let report = BenchReport::from_run(setup.households as u64, &run, matches);
    print!("{}", report.table());
    let json = serde_json::to_string_pretty(&report).map_err(|e| CliError::new(e.to_string()))?;
    println!("{json}");
    if let Some(path) = args.json {
        std::fs::write(&path, &json)
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    }
    if !matches {
        return Err(CliError::new(
            "the candidates differ from the plaintext reference",
        ));
    }
    Ok(())
}
