//! `samen node run`: run an approved job at this node.

use std::path::PathBuf;
use std::time::Duration;

use super::{CliError, CliResult};
use crate::run::{run_node, RunOptions};

/// `samen node …` commands.
#[derive(Debug, clap::Subcommand)]
pub enum NodeCommand {
    /// Run an approved job: connect to the peers, compute, write the output and transcript.
    Run(RunArgs),
}

/// Arguments of `samen node run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The node configuration.
    #[arg(long)]
    pub config: PathBuf,
    /// The approved job file (approvals `<job>.<party>.sig` beside it).
    #[arg(long)]
    pub job: PathBuf,
    /// This party's input file (CSV).
    #[arg(long)]
    pub input: PathBuf,
    /// Also write the run summary as JSON here.
    #[arg(long)]
    pub summary_json: Option<PathBuf>,
    /// No progress display (for scripts and logs).
    #[arg(long)]
    pub quiet: bool,
    /// Seconds to wait for one message from a peer before giving up.
    #[arg(long)]
    pub recv_timeout: Option<u64>,
    /// Seconds to wait for the peers to come up.
    #[arg(long)]
    pub connect_timeout: Option<u64>,
    /// Keep dispute evidence (the party seed, received messages) for `samen audit replay`.
    /// It is as sensitive as the input: keep it as you keep the input.
    #[arg(long)]
    pub keep_evidence: bool,
}

/// Runs a `node` command.
pub fn run(command: NodeCommand) -> CliResult {
    match command {
        NodeCommand::Run(args) => run_job(args),
    }
}

fn run_job(args: RunArgs) -> CliResult {
    let opts = RunOptions {
        config: args.config,
        job: args.job,
        input: args.input,
        progress: !args.quiet,
        recv_timeout: args.recv_timeout.map(Duration::from_secs),
        connect_timeout: args.connect_timeout.map(Duration::from_secs),
        keep_evidence: args.keep_evidence,
    };
    let summary = run_node(&opts).map_err(|e| CliError::new(e.to_string()))?;
    println!(
        "job {} at {}: done, {} rows",
        summary.job_id, summary.party, summary.rows
    );
    if let Some(n) = summary.flagged {
        println!("{n} households flagged; see candidates.csv in the output folder");
    }
    if let Some(n) = summary.flag_count {
        println!("number of flagged households, opened to all three parties: {n}");
    }
    print!("{}", summary.table());
    if let Some(path) = args.summary_json {
        let json =
            serde_json::to_string_pretty(&summary).map_err(|e| CliError::new(e.to_string()))?;
        std::fs::write(&path, json)
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}
