//! `samen audit replay`: re-executes one party's side of a finished job from its input,
//! its dispute evidence (`samen node run --keep-evidence`: its seed and the messages it
//! received) and its transcript, and checks that every message it would have sent is the
//! one its transcript records ([`crate::audit::replay`] does the checking; this module
//! supplies the party's side).
//!
//! The party's side is exactly what `samen node run` executes after connecting,
//! [`samen_protocol::job::run_job`], on the same table ([`super::node::PartyTable`]): for an
//! aligned job the circuit recompiled from the job file and the validated input; for a
//! linked job (the default) the linked circuit and the party's linkage table. The input
//! commitment is recomputed from the same columns `samen node run` commits to, with the
//! salt `samen node run` kept beside the transcript ([`crate::transcript::salt_file_name`]);
//! without that file the input commitment is not checked (a note says so), and the replay
//! still shows whether the messages follow from the given input.

use std::path::{Path, PathBuf};

use samen_protocol::evaluator::LocalInputs;
use samen_protocol::job::{run_job, RunParams};
use samen_protocol::PartyId;

use crate::audit::replay::{replay, ReplayReport};
use crate::config::NodeConfig;
use crate::fsutil::{read_text_bounded, ReadError};
use crate::input::read_input;
use crate::job::Job;
use crate::transcript::evidence::{read_evidence, EvidenceError};
use crate::transcript::format::Digest;
use crate::transcript::{read_file, salt_file_name, InputCommitter, InputSalt, TranscriptError};

use super::circuit::checked_job_circuit;
use super::columns::canonical_input_bytes;
use super::error::LocalError;
use super::node::PartyTable;

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

/// Why a replay could not start (a problem with one of its files). A replay that runs
/// reports what differs in its [`ReplayReport`] instead.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The node configuration, the job file, its circuit, the input file or the party's
    /// table from it (the checks `samen node run` makes before sending anything; boxed,
    /// as it is large).
    #[error(transparent)]
    Local(Box<LocalError>),
    /// The transcript file could not be read.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The evidence file could not be read or is malformed.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// The input salt file beside the transcript could not be read (or is too large).
    #[error("input salt: {0}")]
    SaltRead(#[from] ReadError),
    /// The input salt file is not 64 hex digits.
    #[error("{path}: not an input salt file (64 hex digits)")]
    SaltMalformed {
        /// The salt file.
        path: PathBuf,
    },
    /// The party's table does not fit the job's circuit.
    #[error("the party's table does not fit the job's circuit")]
    TableMismatch,
}

impl From<LocalError> for ReplayError {
    fn from(e: LocalError) -> ReplayError {
        ReplayError::Local(Box::new(e))
    }
}

/// The most bytes of an input salt file: 64 hex digits and a line end (`\r\n`).
pub const SALT_FILE_LIMIT: u64 = 66;

/// The salt `samen node run` kept beside the transcript, if it is there; an unreadable,
/// oversized or malformed salt file is an error.
fn read_salt(
    transcript: &Path,
    party: PartyId,
    job: &Job,
) -> Result<Option<InputSalt>, ReplayError> {
    let path = transcript
        .parent()
        .unwrap_or(Path::new("."))
        .join(salt_file_name(party, &hex::encode(job.job_id.0)));
    if !path.exists() {
        return Ok(None);
    }
    let text = read_text_bounded(&path, SALT_FILE_LIMIT)?;
    let bytes = hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or(ReplayError::SaltMalformed { path })?;
    Ok(Some(InputSalt(bytes)))
}

fn commitment(salt: &InputSalt, columns: &LocalInputs) -> Digest {
    let mut committer = InputCommitter::new(salt);
    canonical_input_bytes(columns, |b| {
        committer.update(b);
    });
    committer.finish()
}

/// Replays the party's side; `Err` when the replay cannot even start (unreadable files),
/// otherwise the report (which says whether the party's messages follow from its input
/// and its seed).
pub fn replay_party(opts: &ReplayOptions) -> Result<ReplayReport, ReplayError> {
    let config = NodeConfig::load(&opts.config).map_err(LocalError::from)?;
    let party = config.party;
    let (job, _) = Job::load(&opts.job).map_err(LocalError::from)?;
    let circuit = checked_job_circuit(&job).map_err(LocalError::from)?;
    let validated = read_input(&job, party, &opts.input).map_err(LocalError::from)?;
    let transcript = read_file(&opts.transcript)?;
    let evidence = read_evidence(&opts.evidence)?;
    let salt = read_salt(&opts.transcript, party, &job)?;
    let table = PartyTable::new(&job, &circuit, party, &validated.input, &opts.input)?;
    let plan = table.plan(&circuit).ok_or(ReplayError::TableMismatch)?;
    let committed = salt
        .as_ref()
        .map(|s| commitment(s, table.commitment_columns()));
    let params = RunParams {
        count_to_all: job.output.count_to_all,
    };
    let mut report = replay(&transcript, &evidence, committed.as_ref(), |ctx| {
        run_job(ctx, &plan, &params)
    });
    if salt.is_none() {
        report.notes.push(format!(
            "no input salt file ({}) beside the transcript: the input commitment was not checked",
            salt_file_name(party, &hex::encode(job.job_id.0))
        ));
    }
    Ok(report)
}
