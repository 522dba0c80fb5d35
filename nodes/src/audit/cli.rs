//! `samen audit verify`: the command, and [`audit_paths`], the same audit as a library call
//! (used by `samen demo` to audit its own transcripts).
//!
//! ```text
//! samen audit verify --federation federation.toml --job job.toml T0 T1 T2 [--html report.html]
//! ```
//!
//! Prints the text report; writes the HTML report if asked. Exit code 0 only if every
//! check holds, 1 if the audit found a problem, 2 if the inputs could not be read at all.

use std::path::{Path, PathBuf};

use crate::approval::load_approvals_for;
use crate::cli::{CliError, CliResult};
use crate::federation::Federation;
use crate::job::Job;

use super::{report_html, report_text, verify_files, ApprovedJob, AuditReport};

/// `samen audit …`
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check three transcripts against the federation, the approved job and each other,
    /// and report what each party learned.
    Verify(VerifyArgs),
    /// Re-execute one party's side of a job (linked or aligned) from its input and dispute evidence
    /// and check that what it sent is what its transcript records.
    Replay(ReplayArgs),
}

/// Arguments of `samen audit replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The party's node configuration.
    #[arg(long)]
    pub config: PathBuf,
    /// The job file as approved.
    #[arg(long)]
    pub job: PathBuf,
    /// The party's input file as it was used in the job.
    #[arg(long)]
    pub input: PathBuf,
    /// The party's transcript of the job.
    #[arg(long)]
    pub transcript: PathBuf,
    /// The party's evidence file (`samen node run --keep-evidence`).
    #[arg(long)]
    pub evidence: PathBuf,
}

/// Arguments of `samen audit verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The federation file (its node keys must have signed the transcripts).
    #[arg(long)]
    pub federation: PathBuf,
    /// The job file as approved (its approvals `<job>.<party>.sig` are checked too).
    #[arg(long)]
    pub job: PathBuf,
    /// Audit without the approval files (the report says they were not checked).
    #[arg(long)]
    pub skip_approvals: bool,
    /// Also write the report as one self-contained HTML page here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Also write the text report here.
    #[arg(long)]
    pub text: Option<PathBuf>,
    /// The three transcripts, in any order.
    #[arg(required = true, num_args = 1..)]
    pub transcripts: Vec<PathBuf>,
}

/// Why the audit could not run at all (a failed check is not an error: it is in the report).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The federation file.
    #[error(transparent)]
    Federation(#[from] crate::federation::FederationError),
    /// The job file.
    #[error(transparent)]
    Job(#[from] crate::job::JobError),
    /// An approval file.
    #[error(transparent)]
    Approval(#[from] crate::approval::ApprovalFileError),
    /// A transcript file could not be opened.
    #[error(transparent)]
    Transcript(#[from] crate::transcript::TranscriptError),
}

/// Loads the federation, the job (and, unless `skip_approvals`, its approvals next to it)
/// and audits `transcripts`.
pub fn audit_paths<P: AsRef<Path>>(
    federation: &Path,
    job: &Path,
    transcripts: &[P],
    skip_approvals: bool,
) -> Result<AuditReport, AuditError> {
    let federation = Federation::load(federation)?;
    let (parsed, bytes) = Job::load(job)?;
    let approvals = if skip_approvals {
        None
    } else {
        Some(load_approvals_for(job)?)
    };
    let approved = ApprovedJob::from_job(&federation, &parsed, &bytes, approvals.as_deref());
    Ok(verify_files(&approved, transcripts)?)
}

/// Runs an `audit` command.
pub fn run(command: AuditCommand) -> CliResult {
    match command {
        AuditCommand::Verify(args) => run_verify(args),
        AuditCommand::Replay(args) => run_replay(args),
    }
}

fn run_replay(args: ReplayArgs) -> CliResult {
    let opts = crate::run::replay::ReplayOptions {
        config: args.config,
        job: args.job,
        input: args.input,
        transcript: args.transcript,
        evidence: args.evidence,
    };
    let report = crate::run::replay::replay_party(&opts).map_err(|e| CliError {
        message: e.to_string(),
        code: 2,
    })?;
    let who = report
        .party
        .map(|p| p.to_string())
        .unwrap_or_else(|| "the party".into());
    println!(
        "replay of {who}: {} sent messages recomputed and compared",
        report.compared
    );
    for n in &report.notes {
        println!("  note: {n}");
    }
    for p in &report.problems {
        println!("  problem: {p}");
    }
    if report.passed {
        println!("REPLAY: PASS — every message {who} sent follows from its input, its keys and what it received");
        Ok(())
    } else {
        Err(CliError::new(format!(
            "REPLAY: FAIL — {} problem(s); see above",
            report.problems.len()
        )))
    }
}

fn run_verify(args: VerifyArgs) -> CliResult {
    let report = audit_paths(
        &args.federation,
        &args.job,
        &args.transcripts,
        args.skip_approvals,
    )
    .map_err(|e| CliError {
        message: e.to_string(),
        code: 2,
    })?;
    let text = report_text::render(&report);
    print!("{text}");
    if let Some(path) = &args.text {
        std::fs::write(path, &text)
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, report_html::render(&report))
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
        println!("HTML report written to {}", path.display());
    }
    if report.passed() {
        Ok(())
    } else {
        Err(CliError::new(format!(
            "audit failed: {} problem(s); see the report above",
            report.failures.len()
        )))
    }
}
