//! `samen input check`: validate a party's input file against a job, locally.

use std::path::PathBuf;

use samen_protocol::PartyId;

use super::{parse_party, CliError, CliResult};
use crate::input::schema::{ColumnType, LinkageMode};
use crate::input::{self, InputSummary};
use crate::job::Job;

/// `samen input …`
#[derive(Debug, clap::Subcommand)]
pub enum InputCommand {
    /// Validate an input file against the job's schema (nothing leaves this machine).
    Check {
        /// The job file.
        #[arg(long)]
        job: PathBuf,
        /// Whose file it is: svb, uwv or bd.
        #[arg(long, value_parser = parse_party)]
        party: PartyId,
        /// The CSV file.
        file: PathBuf,
    },
}

/// Runs a `samen input` command.
pub fn run(command: InputCommand) -> CliResult {
    match command {
        InputCommand::Check { job, party, file } => {
            let (job, _) = Job::load(&job)?;
            let validated =
                input::read_input(&job, party, &file).map_err(|e| CliError::new(e.to_string()))?;
            println!(
                "{}: valid {} input for job {}",
                file.display(),
                party.agency(),
                job.job_id
            );
            print_summary(&validated.summary);
            if job.linkage.mode == LinkageMode::Aligned && party != PartyId::SVB {
                println!(
                    "  note: aligned mode: row i of this file must be the SVB's household i; samen checks only the row count"
                );
            }
            Ok(())
        }
    }
}

/// Prints what validation saw: rows, and per column how many values and their range.
pub fn print_summary(s: &InputSummary) {
    println!("  data rows       {}", s.rows);
    if s.entries != s.rows {
        println!("  after summing   {} persons", s.entries);
    }
    println!("  separator       `{}`", s.delimiter);
    println!("  columns");
    for c in &s.columns {
        if !c.present {
            println!("    {:<28} absent (all empty)", c.name);
            continue;
        }
        let mut line = format!("    {:<28} {} filled, {} empty", c.name, c.filled, c.empty);
        if let (Some(min), Some(max)) = (c.min, c.max) {
            line.push_str(&format!(", range {min}..={max}"));
        }
        if c.ty == ColumnType::Bool {
            line.push_str(&format!(", {} yes", c.trues));
        }
        if !c.value_counts.is_empty() {
            let counts: Vec<String> = c
                .value_counts
                .iter()
                .map(|(v, n)| format!("{v} {n}"))
                .collect();
            line.push_str(&format!(" ({})", counts.join(", ")));
        }
        println!("{line}");
    }
}
