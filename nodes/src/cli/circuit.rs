//! `samen circuit stats`: the cost report of a circuit — gates, AND gates,
//! multiplications, rounds and bits sent per party per row — for the AIO circuit (before
//! and after optimisation) or a Bristol Fashion file.

use std::path::PathBuf;

use samen_circuits::aio::{HomeRule, DEFAULT_RULES};
use samen_circuits::report;

use super::{CliError, CliResult};

/// The largest Bristol Fashion file `samen circuit stats` reads (a few times the largest
/// published circuits).
pub const MAX_BRISTOL_BYTES: u64 = 256 << 20;

/// `samen circuit …` commands.
#[derive(Debug, clap::Subcommand)]
pub enum CircuitCommand {
    /// Print the cost report of a circuit.
    Stats(StatsArgs),
}

/// Arguments of `samen circuit stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// A Bristol Fashion file; without it, the AIO screening circuit.
    #[arg(long)]
    pub bristol: Option<PathBuf>,
    /// Built-in rules file of the AIO circuit.
    #[arg(long, default_value = DEFAULT_RULES)]
    pub rules: String,
    /// Home-equity rule of the AIO circuit: `loan` or `count`.
    #[arg(long, default_value = "loan")]
    pub home_rule: String,
    /// Screening tolerance in basis points.
    #[arg(long, default_value_t = 0)]
    pub tolerance_bp: u64,
}

/// Runs a `circuit` command.
pub fn run(command: CircuitCommand) -> CliResult {
    match command {
        CircuitCommand::Stats(args) => stats(args),
    }
}

fn stats(args: StatsArgs) -> CliResult {
    let text = match &args.bristol {
        Some(path) => {
            let text = crate::fsutil::read_text_bounded(path, MAX_BRISTOL_BYTES)?;
            report::bristol_report(&path.display().to_string(), &text)
        }
        None => {
            let home_rule = HomeRule::parse(&args.home_rule).ok_or_else(|| {
                CliError::new(format!(
                    "home rule `{}` is not `loan` or `count`",
                    args.home_rule
                ))
            })?;
            report::aio_report(&args.rules, home_rule, args.tolerance_bp)
        }
    }
    .map_err(CliError::new)?;
    print!("{text}");
    Ok(())
}
