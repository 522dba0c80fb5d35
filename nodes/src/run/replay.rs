//! `samen audit replay`: re-executes one party's side of a finished job from its input,
//! its dispute evidence (`samen node run --keep-evidence`) and its transcript, and checks
//! that every message it would have sent is the one its transcript records
//! ([`crate::audit::replay`] does the checking; this module supplies the party's side).
//!
//! The party's side is exactly what `samen node run` executes for an aligned job
//! ([`samen_protocol::job::run_aligned`]) on the circuit recompiled from the job file and the
//! validated input. Linked jobs cannot be replayed yet: the linkage's blinding scalars
//! and padding come from the operating system's generator, not from the agreed keys.

use std::path::PathBuf;

use samen_protocol::job::{run_aligned, RunParams};
use samen_protocol::ProtocolError;

use crate::audit::replay::{replay, ReplayReport};
use crate::config::NodeConfig;
use crate::input::read_input;
use crate::input::schema::LinkageMode;
use crate::job::Job;
use crate::transcript::evidence::read_evidence;
use crate::transcript::read_file;

use super::circuit::checked_job_circuit;
use super::columns::local_columns;

/// What a replay needs.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// The party's node configuration (for its party id).
    pub config: PathBuf,
    /// The job file as approved.
    pub job: PathBuf,
    /// The party's input file, as it was used.
    pub input: PathBuf,
    /// The party's transcript of the job.
    pub transcript: PathBuf,
    /// The party's evidence file of the job.
    pub evidence: PathBuf,
}

/// Replays the party's side; `Err` when the replay cannot even start (unreadable files,
/// a linked job), otherwise the report (which says whether the party's messages follow
/// from its input).
pub fn replay_party(opts: &ReplayOptions) -> Result<ReplayReport, String> {
    let config = NodeConfig::load(&opts.config).map_err(|e| e.to_string())?;
    let (job, _) = Job::load(&opts.job).map_err(|e| e.to_string())?;
    if job.linkage.mode != LinkageMode::Aligned {
        return Err("only aligned jobs can be replayed: the linkage draws its blinding scalars from the operating system, not from the agreed keys (see docs/auditor-guide.md)".into());
    }
    let compiled = checked_job_circuit(&job).map_err(|e| e.to_string())?;
    let circuit = compiled.run();
    let validated = read_input(&job, config.party, &opts.input).map_err(|e| e.to_string())?;
    let (rows, columns) = local_columns(&validated.input).map_err(|e| e.to_string())?;
    let transcript = read_file(&opts.transcript).map_err(|e| e.to_string())?;
    let evidence = read_evidence(&opts.evidence).map_err(|e| e.to_string())?;
    Ok(replay(&transcript, &evidence, |ctx| {
        let params = RunParams {
            count_to_all: job.output.count_to_all,
        };
        run_aligned(ctx, circuit, &columns, rows, &params)
            .map_err(|e| ProtocolError::CheckFailed(e.to_string()))
    }))
}
