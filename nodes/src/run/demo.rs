//! `samen demo` and the set-up `samen bench` shares with it: a whole federation on one
//! machine.
//!
//! It does what three agencies would do, in one folder: generate synthetic households
//! with the population shares of the brief (fixed seed), write each party's input file
//! (linked mode, the default: each agency's file in its own order, UWV and the
//! Belastingdienst with persons outside the SVB's population, see [`super::synthetic`];
//! aligned mode: one row per household in the SVB's order everywhere),
//! generate each party's node keys and approver key, write the federation file and a job
//! file, approve the job three times, write three `node.toml` files with ports on
//! 127.0.0.1, start three `samen node run` processes (real QUIC, mutual TLS, pinned
//! certificates), wait for them, check the SVB's `candidates.csv` against the plaintext
//! reference, and audit the three transcripts.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use samen_circuits::aio::{self, AioRules, Household};
use samen_protocol::PartyId;

use crate::approval::{approval_path, approve};
use crate::audit::cli::{audit_paths, AuditError};
use crate::audit::{report_html, report_text, AuditReport};
use crate::config::NodeConfig;
use crate::federation::{Federation, PartyEntry};
use crate::fsutil::{read_text_bounded, ReadError};
use crate::input::schema::LinkageMode;
use crate::input::write::{write_party_files, SyntheticKeys};
use crate::job::{HomeRule, Job, JobParams};
use crate::keys::{self, KeyRole};

use super::output::{read_candidate_ids, CANDIDATES_FILE};
use super::summary::RunSummary;
use super::synthetic::{write_linked_files, LinkedFiles};

/// The largest node log the demo reads back (a node run with `--quiet` logs a few lines;
/// a larger log is reported as such instead of read).
const NODE_LOG_LIMIT: u64 = 16 << 20;

/// The largest node summary (`--summary-json`) the demo reads back.
const SUMMARY_LIMIT: u64 = 1 << 20;

/// How to set up a local federation.
#[derive(Clone, Debug)]
pub struct LocalSetup {
    /// Number of synthetic SVB households.
    pub households: usize,
    /// Seed of the synthetic population.
    pub seed: u64,
    /// The built-in rules file.
    pub rules: String,
    /// Screening tolerance in basis points.
    pub tolerance_bp: u32,
    /// Home-equity rule.
    pub home_rule: HomeRule,
    /// Folder for everything; created; must not hold an earlier run.
    pub dir: PathBuf,
    /// Households appended after the synthetic ones (e.g. golden edge cases).
    pub extra_households: Vec<Household>,
    /// How rows are matched: private record linkage (`Linked`) or pre-aligned files.
    pub linkage: LinkageMode,
    /// Whether the job opens the number of flagged households to all three parties.
    pub count_to_all: bool,
    /// Linked mode: dummy rows per party (`[svb, uwv, bd]`).
    pub padding: Option<[u64; 3]>,
}

/// The files of a prepared local federation.
#[derive(Clone, Debug)]
pub struct PreparedFederation {
    /// The folder.
    pub dir: PathBuf,
    /// `federation.toml`.
    pub federation: PathBuf,
    /// `job.toml` (approved by all three).
    pub job: PathBuf,
    /// Per party: `node.toml`.
    pub node_configs: [PathBuf; 3],
    /// Per party: the input file.
    pub inputs: [PathBuf; 3],
    /// Per party: the output folder.
    pub output_dirs: [PathBuf; 3],
    /// The synthetic households (the demo's ground truth; no real deployment has this).
    pub households: Vec<Household>,
}

/// Why the demo or bench failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Setting up files failed.
    #[error("set-up: {0}")]
    Setup(String),
    /// A node failed; its log is named.
    #[error("{0}")]
    Node(String),
    /// The SVB's candidates file could not be read.
    #[error("reading the candidates: {0}")]
    Candidates(#[from] ReadError),
    /// The SVB's candidates differ from the plaintext reference.
    #[error("the candidates differ from the plaintext reference: {0}")]
    Mismatch(String),
    /// An output folder holds no transcript.
    #[error("audit: no transcript in {0}")]
    NoTranscript(PathBuf),
    /// The audit could not run.
    #[error("audit: {0}")]
    Audit(#[from] AuditError),
}

fn setup_err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> DemoError + '_ {
    move |e| DemoError::Setup(format!("{what}: {e}"))
}

/// Three free UDP ports on 127.0.0.1 (bound and released; the nodes bind them next).
fn free_ports() -> Result<[u16; 3], DemoError> {
    let sockets: Vec<UdpSocket> = (0..3)
        .map(|_| UdpSocket::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()
        .map_err(setup_err("finding free ports"))?;
    let mut ports = [0u16; 3];
    for (p, s) in ports.iter_mut().zip(&sockets) {
        *p = s
            .local_addr()
            .map_err(setup_err("finding free ports"))?
            .port();
    }
    Ok(ports)
}

/// Writes everything three agencies would prepare for one job.
pub fn prepare(setup: &LocalSetup) -> Result<PreparedFederation, DemoError> {
    let dir = setup.dir.clone();
    if dir.join("federation.toml").exists() {
        return Err(DemoError::Setup(format!(
            "{} already holds a federation; choose an empty folder",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(setup_err("creating the folder"))?;
    let mut households = aio::synth::generate(setup.seed, setup.households);
    households.extend(setup.extra_households.iter().cloned());
    let inputs = match setup.linkage {
        LinkageMode::Aligned => {
            write_party_files(&dir.join("data"), &households, LinkageMode::Aligned)
        }
        LinkageMode::Linked => write_linked_files(
            &dir.join("data"),
            &households,
            &LinkedFiles {
                seed: setup.seed,
                ..LinkedFiles::default()
            },
        ),
    }
    .map_err(setup_err("writing the input files"))?;
    let ports = free_ports()?;
    let mut entries = Vec::new();
    let mut party_dirs = Vec::new();
    for party in PartyId::ALL {
        let pdir = dir.join(party.short_name());
        let node = keys::generate_node_keys(party, &pdir.join("keys"))
            .map_err(setup_err("generating node keys"))?;
        let approver = keys::generate_approver_key(party, &pdir.join("approver"))
            .map_err(setup_err("generating approver keys"))?;
        entries.push(PartyEntry {
            id: party,
            name: party.agency().to_string(),
            address: format!("127.0.0.1:{}", ports[party.index()]),
            cert_fingerprint: node.cert_fingerprint,
            signing_key: node.signing_public,
            approver_key: approver.public,
        });
        party_dirs.push((pdir, node, approver));
    }
    let federation = Federation::new(entries).map_err(setup_err("federation"))?;
    let federation_path = dir.join("federation.toml");
    std::fs::write(&federation_path, federation.to_toml())
        .map_err(setup_err("writing federation.toml"))?;
    let params = JobParams {
        rules: setup.rules.clone(),
        tolerance_bp: setup.tolerance_bp,
        home_rule: setup.home_rule,
        count_to_all: setup.count_to_all,
        padding: setup.padding,
        linkage: setup.linkage,
        // the aligned mode fixes the row count; in the linked mode the SVB's table sets it
        households: (setup.linkage == LinkageMode::Aligned).then_some(households.len() as u64),
    };
    let job = Job::new(&federation, &params).map_err(setup_err("creating the job"))?;
    let job_path = dir.join("job.toml");
    let job_bytes = job.to_toml().into_bytes();
    std::fs::write(&job_path, &job_bytes).map_err(setup_err("writing job.toml"))?;
    let mut node_configs: [PathBuf; 3] = Default::default();
    let mut output_dirs: [PathBuf; 3] = Default::default();
    for (party, (pdir, node, approver)) in PartyId::ALL.into_iter().zip(party_dirs) {
        let key = keys::load_secret_key_with_role(&approver.key_path, KeyRole::Approver)
            .map_err(setup_err("loading an approver key"))?;
        approve(&key, &job_bytes)
            .save(&approval_path(&job_path, party))
            .map_err(setup_err("writing an approval"))?;
        let config = NodeConfig {
            party,
            federation: federation_path.clone(),
            signing_key: node.signing_key_path.clone(),
            tls_key: node.tls_key_path.clone(),
            tls_cert: node.tls_cert_path.clone(),
            listen: format!("127.0.0.1:{}", ports[party.index()])
                .parse()
                .map_err(setup_err("listen address"))?,
            output_dir: pdir.join("out"),
            state_dir: pdir.join("state"),
        };
        let path = pdir.join("node.toml");
        std::fs::write(&path, config.to_toml()).map_err(setup_err("writing node.toml"))?;
        node_configs[party.index()] = path;
        output_dirs[party.index()] = config.output_dir.clone();
    }
    Ok(PreparedFederation {
        dir,
        federation: federation_path,
        job: job_path,
        node_configs,
        inputs,
        output_dirs,
        households,
    })
}

/// The three nodes' summaries after a run.
#[derive(Clone, Debug)]
pub struct LocalRun {
    /// Per party, its summary.
    pub summaries: Vec<RunSummary>,
    /// Wall-clock seconds from starting the processes to the last exit.
    pub seconds: f64,
}

/// How to start the three node processes.
#[derive(Clone, Debug)]
pub struct Launch {
    /// The `samen` binary.
    pub exe: PathBuf,
    /// How long all three may take.
    pub timeout: Duration,
    /// Per party, its `node.toml`.
    pub configs: [PathBuf; 3],
    /// Per party, the job file it runs (normally the same for all).
    pub jobs: [PathBuf; 3],
    /// Per party, its input file.
    pub inputs: [PathBuf; 3],
    /// Extra arguments for every `samen node run`.
    pub extra_args: Vec<String>,
}

impl Launch {
    /// This binary, the prepared job and inputs.
    pub fn this_binary(
        prepared: &PreparedFederation,
        timeout: Duration,
    ) -> Result<Launch, DemoError> {
        let exe = std::env::current_exe().map_err(setup_err("locating the samen binary"))?;
        Ok(Launch::with_binary(exe, prepared, timeout))
    }

    /// A given binary, the prepared job and inputs.
    pub fn with_binary(exe: PathBuf, prepared: &PreparedFederation, timeout: Duration) -> Launch {
        Launch {
            exe,
            timeout,
            configs: prepared.node_configs.clone(),
            jobs: std::array::from_fn(|_| prepared.job.clone()),
            inputs: prepared.inputs.clone(),
            extra_args: Vec::new(),
        }
    }
}

/// One node process's end.
#[derive(Debug)]
pub struct NodeExit {
    /// The party.
    pub party: PartyId,
    /// Whether it exited with success.
    pub success: bool,
    /// Its log (standard output and error).
    pub log: String,
    /// Its summary, if it succeeded.
    pub summary: Option<RunSummary>,
}

/// Starts the three nodes as separate processes of this binary and waits for them.
pub fn run_three_processes(
    prepared: &PreparedFederation,
    timeout: Duration,
) -> Result<LocalRun, DemoError> {
    let exits = launch(&Launch::this_binary(prepared, timeout)?)?;
    let mut failures = Vec::new();
    let mut summaries = Vec::new();
    for e in exits.exits {
        match e.summary {
            Some(s) if e.success => summaries.push(s),
            _ => failures.push(format!(
                "node {} failed; its log ends:\n{}",
                e.party,
                last_lines(&e.log, 8)
            )),
        }
    }
    if !failures.is_empty() {
        return Err(DemoError::Node(failures.join("\n")));
    }
    Ok(LocalRun {
        summaries,
        seconds: exits.seconds,
    })
}

/// What [`launch`] observed.
#[derive(Debug)]
pub struct Exits {
    /// Per party, in party order.
    pub exits: Vec<NodeExit>,
    /// Seconds until the last exit.
    pub seconds: f64,
}

/// Starts three `samen node run` processes as `launch` says and waits for all of them
/// (killing any still running at the timeout).
pub fn launch(launch: &Launch) -> Result<Exits, DemoError> {
    let exe = &launch.exe;
    let timeout = launch.timeout;
    let start = Instant::now();
    let mut children: Vec<(PartyId, Child, PathBuf, PathBuf)> = Vec::new();
    for party in PartyId::ALL {
        let i = party.index();
        let pdir = launch.configs[i]
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let log = pdir.join("node.log");
        let summary = pdir.join("summary.json");
        let log_file = std::fs::File::create(&log).map_err(setup_err("creating a node log"))?;
        let child = Command::new(exe)
            .arg("node")
            .arg("run")
            .arg("--config")
            .arg(&launch.configs[i])
            .arg("--job")
            .arg(&launch.jobs[i])
            .arg("--input")
            .arg(&launch.inputs[i])
            .arg("--summary-json")
            .arg(&summary)
            .arg("--quiet")
            .args(&launch.extra_args)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(setup_err("node log"))?)
            .stderr(log_file)
            .spawn()
            .map_err(setup_err("starting a node"))?;
        children.push((party, child, log, summary));
    }
    let mut exits = Vec::new();
    for (party, mut child, log, summary) in children {
        let left = timeout.saturating_sub(start.elapsed());
        let status = wait_with_timeout(&mut child, left);
        let success = match status {
            Some(s) => s.success(),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                false
            }
        };
        let mut log_text =
            read_text_bounded(&log, NODE_LOG_LIMIT).unwrap_or_else(|e| e.to_string());
        if status.is_none() {
            log_text.push_str(&format!(
                "\n(killed: did not finish within {} s)",
                timeout.as_secs()
            ));
        }
        let summary = if success {
            let text = read_text_bounded(&summary, SUMMARY_LIMIT)
                .map_err(setup_err("reading a node summary"))?;
            Some(
                serde_json::from_str::<RunSummary>(&text)
                    .map_err(setup_err("parsing a node summary"))?,
            )
        } else {
            None
        };
        exits.push(NodeExit {
            party,
            success,
            log: log_text,
            summary,
        });
    }
    Ok(Exits {
        exits,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return Some(s),
            Ok(None) if start.elapsed() < timeout => std::thread::sleep(Duration::from_millis(50)),
            _ => return None,
        }
    }
}

fn last_lines(text: &str, lines: usize) -> String {
    let v: Vec<&str> = text.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// The household ids the plaintext reference flags.
pub fn expected_candidates(
    prepared: &PreparedFederation,
    setup: &LocalSetup,
) -> Result<Vec<String>, DemoError> {
    let rules = AioRules::by_name(&setup.rules).map_err(setup_err("rules"))?;
    let policy = crate::job::Policy {
        tolerance_bp: setup.tolerance_bp,
        home_rule: setup.home_rule,
    }
    .to_aio();
    Ok(prepared
        .households
        .iter()
        .enumerate()
        .filter(|(_, h)| aio::screen(&rules, &policy, h))
        .map(|(i, _)| SyntheticKeys::household_id(i))
        .collect())
}

/// Compares the SVB's candidates file with the reference.
pub fn check_candidates(
    prepared: &PreparedFederation,
    expected: &[String],
) -> Result<usize, DemoError> {
    let path = prepared.output_dirs[PartyId::SVB.index()].join(CANDIDATES_FILE);
    let got = read_candidate_ids(&path)?;
    if got != expected {
        let missing = expected.iter().filter(|e| !got.contains(e)).count();
        let extra = got.iter().filter(|g| !expected.contains(g)).count();
        return Err(DemoError::Mismatch(format!(
            "{} flagged by MPC, {} by the reference ({missing} missing, {extra} extra)",
            got.len(),
            expected.len()
        )));
    }
    Ok(got.len())
}

/// The three transcripts of a finished run.
pub fn transcripts(prepared: &PreparedFederation) -> Result<Vec<PathBuf>, DemoError> {
    let mut out = Vec::new();
    for dir in &prepared.output_dirs {
        let found = std::fs::read_dir(dir)
            .map_err(setup_err("reading an output folder"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("transcript-"))
            });
        out.push(found.ok_or_else(|| DemoError::NoTranscript(dir.clone()))?);
    }
    Ok(out)
}

/// Audits the three transcripts against the federation and the approved job; writes the
/// text and HTML reports into the folder.
pub fn audit(prepared: &PreparedFederation) -> Result<AuditReport, DemoError> {
    let files = transcripts(prepared)?;
    let report = audit_paths(&prepared.federation, &prepared.job, &files, false)?;
    let _ = std::fs::write(
        prepared.dir.join("audit-report.txt"),
        report_text::render(&report),
    );
    let _ = std::fs::write(
        prepared.dir.join("audit-report.html"),
        report_html::render(&report),
    );
    Ok(report)
}
