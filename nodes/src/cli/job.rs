//! `samen job new`, `samen job show`, `samen job approve`.

use std::path::{Path, PathBuf};

use super::{CliError, CliResult};
use crate::approval::{self, approval_path, Approval};
use crate::federation::Federation;
use crate::input::schema::LinkageMode;
use crate::job::{job_hash, HomeRule, Job, JobParams};
use crate::keys::{self, KeyRole};

/// `samen job …`
#[derive(Debug, clap::Subcommand)]
pub enum JobCommand {
    /// Write a new job file with a fresh job id.
    New(NewArgs),
    /// Print a job for a human approver: what is computed, who learns what, the hashes.
    Show {
        /// The job file.
        job: PathBuf,
        /// Also check the job against this federation and verify the approvals next to
        /// the job file (`<job>.<party>.sig`).
        #[arg(long)]
        federation: Option<PathBuf>,
    },
    /// Approve a job: sign the job file's exact bytes with a privacy officer's approver key.
    Approve {
        /// The approver key (from `samen keygen --approver`).
        #[arg(long)]
        key: PathBuf,
        /// Check the job against this federation first (recommended).
        #[arg(long)]
        federation: Option<PathBuf>,
        /// Where to write the approval (default: `<job>.<party>.sig`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The job file.
        job: PathBuf,
    },
}

/// Arguments of `samen job new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The federation file.
    #[arg(long, default_value = "federation.toml")]
    pub federation: PathBuf,
    /// The rules file built into samen (for example aio-2025-07).
    #[arg(long, default_value = samen_circuits::aio::DEFAULT_RULES)]
    pub rules: String,
    /// Screening tolerance in basis points: flag when net income <= norm x (1 + N/10000).
    #[arg(long, default_value_t = 0)]
    pub tolerance_bp: u32,
    /// Home-equity rule: `loan` (equity not counted) or `count` (equity above the limit counts).
    #[arg(long, value_enum, default_value_t = HomeRuleArg::Loan)]
    pub home_rule: HomeRuleArg,
    /// Also tell all three parties the number of flagged households.
    #[arg(long)]
    pub count_to_all: bool,
    /// How rows are matched: `aligned` (files aligned beforehand) or `linked` (by BSN).
    #[arg(long, value_enum, default_value_t = LinkageArg::Linked)]
    pub linkage: LinkageArg,
    /// Aligned mode: require exactly this many households in every file.
    #[arg(long)]
    pub households: Option<u64>,
    /// Linked mode: dummy rows each party adds before linkage, `SVB,UWV,BD` (e.g.
    /// `1000,20000,20000`), to blur the table sizes the linkage discloses.
    #[arg(long, value_parser = parse_padding)]
    pub padding: Option<[u64; 3]>,
    /// Where to write the job file (must not exist).
    #[arg(long, default_value = "job.toml")]
    pub out: PathBuf,
}

/// The home-equity rule on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum HomeRuleArg {
    /// Equity in the own home is not counted.
    Loan,
    /// Equity above the limit counts as wealth.
    Count,
}

/// The linkage mode on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum LinkageArg {
    /// UWV and Belastingdienst files aligned to SVB's rows beforehand.
    Aligned,
    /// Rows matched by BSN inside the computation.
    Linked,
}

/// Runs a `samen job` command.
pub fn run(command: JobCommand) -> CliResult {
    match command {
        JobCommand::New(args) => new(args),
        JobCommand::Show { job, federation } => show(&job, federation.as_deref()),
        JobCommand::Approve {
            key,
            federation,
            out,
            job,
        } => approve(&key, federation.as_deref(), out, &job),
    }
}

fn new(args: NewArgs) -> CliResult {
    let federation = Federation::load(&args.federation)?;
    let params = JobParams {
        rules: args.rules,
        tolerance_bp: args.tolerance_bp,
        home_rule: match args.home_rule {
            HomeRuleArg::Loan => HomeRule::Loan,
            HomeRuleArg::Count => HomeRule::Count,
        },
        count_to_all: args.count_to_all,
        linkage: match args.linkage {
            LinkageArg::Aligned => LinkageMode::Aligned,
            LinkageArg::Linked => LinkageMode::Linked,
        },
        households: args.households,
        padding: args.padding,
    };
    let job = Job::new(&federation, &params)?;
    let text = job.to_toml();
    keys::write_new_file(&args.out, text.as_bytes(), false)?;
    println!("Wrote {} (job id {}).", args.out.display(), job.job_id);
    println!("Job file hash: {}", hex::encode(job_hash(text.as_bytes())));
    println!("Next: each privacy officer reviews it with `samen job show` and signs it with `samen job approve`.");
    Ok(())
}

fn show(path: &Path, federation: Option<&Path>) -> CliResult {
    let (job, bytes) = Job::load(path)?;
    print!("{}", job.describe(&bytes));
    let Some(fed_path) = federation else {
        return Ok(());
    };
    let federation = Federation::load(fed_path)?;
    println!();
    println!("Checks against {}", fed_path.display());
    job.check_against(&federation)?;
    println!("  federation fingerprint, rules hash and circuit hash: match");
    let approvals = approval::load_approvals_for(path)?;
    for party in samen_protocol::PartyId::ALL {
        let state = match approvals.iter().find(|a| a.party == party) {
            None => "missing".to_string(),
            Some(a) => {
                match approval::verify_approvals(&federation, &bytes, std::slice::from_ref(a)) {
                    Err(approval::ApprovalError::Missing(_)) | Ok(()) => "valid".to_string(),
                    Err(e) => format!("INVALID: {e}"),
                }
            }
        };
        println!("  approval {:<16} {state}", party.agency());
    }
    match approval::verify_approvals(&federation, &bytes, &approvals) {
        Ok(()) => {
            println!("  The job has all three approvals.");
            Ok(())
        }
        Err(e) => Err(CliError::new(format!("the job cannot run: {e}"))),
    }
}

fn approve(
    key_path: &Path,
    federation: Option<&Path>,
    out: Option<PathBuf>,
    job_path: &Path,
) -> CliResult {
    let key = keys::load_secret_key_with_role(key_path, KeyRole::Approver)?;
    let (job, bytes) = Job::load(job_path)?;
    if let Some(fed_path) = federation {
        let federation = Federation::load(fed_path)?;
        job.check_against(&federation)?;
        if federation.party(key.party).approver_key != key.key.verifying_key() {
            return Err(CliError::new(format!(
                "{}: this key is not {}'s approver key in {}",
                key_path.display(),
                key.party.agency(),
                fed_path.display()
            )));
        }
    }
    let approval: Approval = approval::approve(&key, &bytes);
    let out = out.unwrap_or_else(|| approval_path(job_path, key.party));
    approval.save(&out)?;
    println!(
        "{} approves job {} (job file hash {}).",
        key.party.agency(),
        job.job_id,
        hex::encode(approval.job_hash)
    );
    println!("Wrote {}.", out.display());
    Ok(())
}

/// Parses `--padding SVB,UWV,BD`.
fn parse_padding(s: &str) -> Result<[u64; 3], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() != 3 {
        return Err("give three numbers, SVB,UWV,BD (e.g. 1000,20000,20000)".into());
    }
    let mut out = [0u64; 3];
    for (o, p) in out.iter_mut().zip(&parts) {
        *o = p
            .parse()
            .map_err(|_| format!("`{p}` is not a number of rows"))?;
    }
    Ok(out)
}
