//! `samen node run`: one node's side of a job. See the [module documentation](super).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use samen_protocol::context::Context;
use samen_protocol::evaluator::LocalInputs;
use samen_protocol::job::{self, linked::linkage_input, JobOutputs, JobPlan, RunParams};
use samen_protocol::linkage::{LinkageInput, LinkageSpec};
use samen_protocol::PartyId;

use crate::approval::{load_approvals_for, verify_approvals};
use crate::config::NodeConfig;
use crate::federation::Federation;
use crate::input::{read_input, Bsn, PartyInput, SvbInput, SvbRecord};
use crate::job::{check_and_mark_job_id, job_hash, Job, JobError};
use crate::keys::{self, KeyRole};
use crate::transcript::evidence::{EvidenceRecorder, ObserverPair};
use crate::transcript::{
    self, format::Header, InputCommitter, InputSalt, Outcome, SharedTranscript, TranscriptWriter,
};
use crate::transport::{connect_mesh, PeerConfig, TransportConfig};

use super::circuit::{compile_checked, JobCircuit};
use super::columns::{canonical_input_bytes, local_columns};
use super::error::{AbortError, LocalError, RunError};
use super::linked;
use super::output::write_candidates;
use super::progress::{PhaseClock, PhaseTimes};
use super::summary::{PhaseSummary, RunSummary};

/// What `samen node run` is given.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The node configuration (`node.toml`).
    pub config: PathBuf,
    /// The approved job file; its approvals are `<job>.<party>.sig` beside it.
    pub job: PathBuf,
    /// This party's input file.
    pub input: PathBuf,
    /// Show a progress spinner on standard error.
    pub progress: bool,
    /// Overrides the transport's receive timeout (for tests).
    pub recv_timeout: Option<Duration>,
    /// Overrides how long the node waits for its peers to come up.
    pub connect_timeout: Option<Duration>,
    /// Also keep dispute evidence (the party's seed and the messages received) beside the
    /// transcript, for `samen audit replay`. As sensitive as the input: see
    /// `docs/auditor-guide.md`.
    pub keep_evidence: bool,
}

/// The file name of a node's transcript for a job.
pub fn transcript_file_name(party: PartyId, job_id_hex: &str) -> String {
    format!("transcript-{}-{}.samen", party.short_name(), job_id_hex)
}

/// The file name of a node's dispute evidence for a job (`--keep-evidence`).
pub fn evidence_file_name(party: PartyId, job_id_hex: &str) -> String {
    format!(
        "evidence-{}-{}.samen-evidence",
        party.short_name(),
        job_id_hex
    )
}

/// Runs one job at this node and returns its summary. See the module documentation for
/// the order of the steps.
pub fn run_node(opts: &RunOptions) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    // 1. Local checks: nothing leaves the machine.
    let config = NodeConfig::load(&opts.config).map_err(LocalError::from)?;
    let party = config.party;
    let federation = Federation::load(&config.federation).map_err(LocalError::from)?;
    let (job, job_bytes) = Job::load(&opts.job).map_err(LocalError::from)?;
    job.validate().map_err(LocalError::from)?;
    // The circuit is compiled once, here, and checked against the approved hash.
    let circuit = compile_checked(&job, &federation).map_err(LocalError::from)?;
    let approvals = load_approvals_for(&opts.job).map_err(LocalError::from)?;
    verify_approvals(&federation, &job_bytes, &approvals).map_err(|source| {
        LocalError::Approval {
            path: opts.job.clone(),
            source,
        }
    })?;
    let validated = read_input(&job, party, &opts.input).map_err(LocalError::from)?;
    let mut table = PartyTable::new(&job, &circuit, party, &validated.input, &opts.input)?;
    // From here on only the SVB reads its records (the candidates file names households by
    // id and BSN); every other party's records are dropped now instead of sitting beside
    // the columns built from them for the whole run (tens of MB at 1M households).
    // The SVB keeps only the keys the candidates file prints, packed.
    let svb_records = match validated.input {
        PartyInput::Svb(svb) => Some(CandidateKeys::from_records(svb)),
        // bound (not `_`) so that the records are moved out and dropped here, not at the
        // end of this function
        other @ (PartyInput::Uwv(_) | PartyInput::Bd(_)) => {
            drop(other);
            None
        }
    };
    let signing = keys::load_secret_key_with_role(&config.signing_key, KeyRole::Node)
        .map_err(LocalError::from)?;
    if signing.party != party {
        return Err(LocalError::SigningKeyParty {
            path: config.signing_key.clone(),
            key_party: signing.party,
            party,
        }
        .into());
    }
    if signing.key.verifying_key() != federation.party(party).signing_key {
        return Err(LocalError::SigningKeyUnknown {
            path: config.signing_key.clone(),
            party,
        }
        .into());
    }
    let transport = transport_config(&config, &federation, opts)?;
    let job_id_hex = hex::encode(job.job_id.0);
    for dir in [&config.output_dir, &config.state_dir] {
        std::fs::create_dir_all(dir).map_err(|source| LocalError::Io {
            path: dir.clone(),
            source,
        })?;
    }
    check_and_mark_job_id(&config.state_dir, &job.job_id).map_err(LocalError::from)?;

    // The transcript: header, then the commitment to this party's input.
    let hash = job_hash(&job_bytes);
    // The one draw from the operating system's generator: every random choice this party
    // makes in the job derives from this seed.
    let seed = transcript::draw_party_seed();
    let header = Header {
        format: transcript::FORMAT_VERSION,
        party,
        job_id: job_id_hex.clone(),
        job: hash,
        circuit: circuit.run().hash().0,
        rules: job.rules.hash.0,
        federation: federation.fingerprint(),
        mode: job.security_mode.to_protocol(),
        seed: transcript::commit_seed(&hash, party, &seed),
        software: format!("samen {}", env!("CARGO_PKG_VERSION")),
        time_ms: transcript::writer::now_ms(),
    };
    let transcript_path = config
        .output_dir
        .join(transcript_file_name(party, &job_id_hex));
    let writer = TranscriptWriter::create(&transcript_path, header, signing.key.clone())
        .map_err(LocalError::from)?;
    let shared = SharedTranscript::new(writer);
    let salt = InputSalt::random();
    let mut committer = InputCommitter::new(&salt);
    canonical_input_bytes(table.commitment_columns(), |b| {
        committer.update(b);
    });
    save_salt(&config.output_dir, party, &job_id_hex, &salt).map_err(LocalError::from)?;
    shared
        .commit_input(committer.finish())
        .map_err(LocalError::from)?;
    table.release_commitment_columns();
    // The aligned columns go to the evaluator, which frees them after its clear-text pass.
    let owned_columns = table.take_aligned_columns();
    let prepare_seconds = started.elapsed().as_secs_f64();

    // 2.–4. Connect, run the protocol, write the output.
    let times = PhaseTimes::default();
    let evidence = if opts.keep_evidence {
        let path = config
            .output_dir
            .join(evidence_file_name(party, &job_id_hex));
        Some(EvidenceRecorder::create(&path, hash, party, &seed).map_err(LocalError::from)?)
    } else {
        None
    };
    let observer: Box<dyn samen_protocol::context::MessageObserver> = match &evidence {
        Some(recorder) => Box::new(ObserverPair(shared.clone(), recorder.clone())),
        None => shared.observer(),
    };
    let plan = table.plan(&circuit).ok_or_else(|| {
        LocalError::Job(JobError::Circuit(
            "this party's table was made for the other linkage mode".into(),
        ))
    })?;
    let clock = PhaseClock::new(
        party,
        Some(observer),
        times.clone(),
        opts.progress,
        plan.rows() as u64,
    );
    let params = RunParams {
        count_to_all: job.output.count_to_all,
    };
    let result = run_connected(
        &transport,
        hash,
        &job,
        &plan,
        owned_columns,
        &params,
        svb_records.as_ref(),
        &config.output_dir,
        clock,
        &times,
        seed,
    );
    let evidence_result = evidence.as_ref().map(|r| r.finish());
    match result {
        Ok(mut summary) => {
            if let Some(Err(e)) = evidence_result {
                return Err(AbortError::Evidence(e).into());
            }
            shared
                .finish(Outcome::Success)
                .map_err(AbortError::Transcript)?;
            summary.party = party.short_name().to_string();
            summary.job_id = job_id_hex;
            summary.prepare_seconds = prepare_seconds;
            summary.total_seconds = started.elapsed().as_secs_f64();
            Ok(summary)
        }
        Err(e) => {
            let _ = shared.finish(Outcome::Abort {
                reason: e.to_string(),
            });
            Err(e.into())
        }
    }
}

/// This party's table in protocol types, by the job's mode: what
/// [`samen_protocol::job::run_job`] needs besides the circuit.
#[derive(Debug)]
pub enum PartyTable {
    /// One row per SVB household: the plaintext input columns.
    Aligned {
        /// Rows (households).
        rows: usize,
        /// This party's input columns.
        columns: LocalInputs,
    },
    /// The linkage's parameters and this party's linkage table.
    Linked {
        /// The job's public linkage parameters.
        spec: LinkageSpec,
        /// This party's table.
        input: LinkageInput,
        /// The columns the input commitment binds ([`linked::commitment_columns`]).
        columns: LocalInputs,
    },
}

impl PartyTable {
    /// Converts this party's validated input (read from `path`) into its table for the
    /// job compiled as `circuit`.
    pub fn new(
        job: &Job,
        circuit: &JobCircuit,
        party: PartyId,
        input: &PartyInput,
        path: &Path,
    ) -> Result<PartyTable, LocalError> {
        Ok(match circuit {
            JobCircuit::Aligned(_) => {
                let (rows, columns) = local_columns(input)?;
                PartyTable::Aligned { rows, columns }
            }
            JobCircuit::Linked(split) => {
                let padding = job
                    .linkage
                    .padding
                    .map_or([0; 3], |p| p.map(|n| n as usize));
                let spec = job::linked::linkage_spec(&job.job_id.0, padding, split);
                let table = linkage_input(party, &linked::owner_table(input)?, split)?;
                let i = party.index();
                table
                    .validate(party, spec.fields[i].len(), spec.padding[i])
                    .map_err(|source| LocalError::LinkageTable {
                        path: path.to_path_buf(),
                        source,
                    })?;
                let columns = linked::commitment_columns(party, &table, split);
                PartyTable::Linked {
                    spec,
                    input: table,
                    columns,
                }
            }
        })
    }

    /// The columns this party's input commitment binds.
    pub fn commitment_columns(&self) -> &LocalInputs {
        match self {
            PartyTable::Aligned { columns, .. } | PartyTable::Linked { columns, .. } => columns,
        }
    }

    /// Frees the columns kept only for the input commitment once it is made: in the linked
    /// mode the protocol runs on the linkage table, not on these columns (the aligned mode's
    /// columns are the circuit's inputs and stay).
    pub fn release_commitment_columns(&mut self) {
        if let PartyTable::Linked { columns, .. } = self {
            *columns = LocalInputs::new();
        }
    }

    /// Takes the aligned mode's input columns out of the table (leaving none), once the
    /// input commitment is made, so the evaluator can free them after reading them
    /// ([`samen_protocol::job::run_aligned_owned`]); `None` in the linked mode.
    pub fn take_aligned_columns(&mut self) -> Option<LocalInputs> {
        match self {
            PartyTable::Aligned { columns, .. } => Some(std::mem::take(columns)),
            PartyTable::Linked { .. } => None,
        }
    }

    /// What [`samen_protocol::job::run_job`] runs with this table and `circuit`; `None`
    /// if the table was made for the other mode.
    pub fn plan<'a>(&'a self, circuit: &'a JobCircuit) -> Option<JobPlan<'a>> {
        match (circuit, self) {
            (JobCircuit::Linked(c), PartyTable::Linked { spec, input, .. }) => {
                Some(JobPlan::Linked {
                    circuit: c,
                    spec,
                    input,
                })
            }
            (JobCircuit::Aligned(c), PartyTable::Aligned { rows, columns }) => {
                Some(JobPlan::Aligned {
                    circuit: c,
                    columns,
                    rows: *rows,
                })
            }
            _ => None,
        }
    }
}

/// What the SVB keeps of its records while the job runs: the keys the candidates file
/// prints (household id, applicant and partner BSN), packed in four flat vectors. At 1M
/// households this is about 30 MB instead of the records' 64 MB plus one heap string per
/// household id (measured with heaptrack: the records were the largest block of the node
/// outside the engine).
struct CandidateKeys {
    /// The household ids, concatenated.
    ids: String,
    /// End of each household's id in `ids`.
    ends: Vec<usize>,
    /// The applicants' BSNs.
    applicants: Vec<Bsn>,
    /// The partners' BSNs.
    partners: Vec<Option<Bsn>>,
}

impl CandidateKeys {
    /// Packs the keys of `svb`'s records and drops the rest.
    fn from_records(svb: SvbInput) -> CandidateKeys {
        let n = svb.households.len();
        let mut keys = CandidateKeys {
            ids: String::with_capacity(svb.households.iter().map(|r| r.household_id.len()).sum()),
            ends: Vec::with_capacity(n),
            applicants: Vec::with_capacity(n),
            partners: Vec::with_capacity(n),
        };
        for r in svb.households {
            keys.ids.push_str(&r.household_id);
            keys.ends.push(keys.ids.len());
            keys.applicants.push(r.applicant_bsn);
            keys.partners.push(r.partner_bsn);
        }
        keys
    }

    /// The records (keys only; the household's fields are zero) of the households whose
    /// flag is set, in input order.
    fn flagged(&self, flags: &[bool]) -> SvbInput {
        let households = flags
            .iter()
            .zip(0..self.ends.len())
            .filter(|(&f, _)| f)
            .map(|(_, i)| {
                let start = if i == 0 { 0 } else { self.ends[i - 1] };
                SvbRecord {
                    household_id: self.ids[start..self.ends[i]].to_string(),
                    applicant_bsn: self.applicants[i],
                    partner_bsn: self.partners[i],
                    household: Default::default(),
                }
            })
            .collect();
        SvbInput { households }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_connected(
    transport: &TransportConfig,
    job_hash: [u8; 32],
    job: &Job,
    plan: &JobPlan<'_>,
    owned_columns: Option<LocalInputs>,
    params: &RunParams,
    svb_records: Option<&CandidateKeys>,
    output_dir: &Path,
    clock: PhaseClock,
    times: &PhaseTimes,
    seed: samen_protocol::randomness::PartySeed,
) -> Result<RunSummary, AbortError> {
    let party = transport.party;
    let transcript_nanos = clock.observer_nanos();
    let connect_start = Instant::now();
    let channel = connect_mesh(transport, job_hash).map_err(AbortError::Connect)?;
    let mesh = channel.handle();
    let connect_seconds = connect_start.elapsed().as_secs_f64();
    let mut ctx = match Context::start(
        party,
        job.security_mode.to_protocol(),
        Box::new(channel),
        Some(Box::new(clock)),
        seed,
    ) {
        Ok(c) => c,
        Err(e) => {
            mesh.abort(&e.to_string());
            return Err(AbortError::KeySetup(e));
        }
    };
    // With the aligned columns handed over, the plan's own (emptied) columns are unused.
    let run = match (plan, owned_columns) {
        (JobPlan::Aligned { circuit, rows, .. }, Some(columns)) => {
            job::run_aligned_owned(&mut ctx, circuit, columns, *rows, params)
        }
        _ => job::run_job(&mut ctx, plan, params),
    };
    let JobOutputs { flags, flag_count } = match run {
        Ok(out) => out,
        Err(e) => {
            ctx.abort(&e.to_string());
            return Err(e.into());
        }
    };
    let end = Instant::now();
    // Every message is out and acknowledged before any output is written.
    mesh.close().map_err(AbortError::Close)?;
    let mut flagged = None;
    if let (Some(flags), Some(keys)) = (flags, svb_records) {
        let candidates = keys.flagged(&flags);
        let all = vec![true; candidates.households.len()];
        write_candidates(output_dir, &candidates, &all).map_err(|source| AbortError::Output {
            path: output_dir.to_path_buf(),
            source,
        })?;
        flagged = Some(flags.iter().filter(|&&f| f).count() as u64);
    }
    let durations = times.durations(end);
    let phases = ctx
        .phase_stats()
        .iter()
        .zip(durations)
        .map(|((name, s), (_, d))| PhaseSummary {
            name: name.clone(),
            seconds: d.as_secs_f64(),
            bytes_sent: s.total_sent(),
            bytes_received: s.total_received(),
            rounds: s.rounds,
        })
        .collect();
    // Let go of the observer now: the progress display prints its last phase line before
    // the summary is printed.
    drop(ctx.take_observer());
    Ok(RunSummary {
        party: String::new(),
        job_id: String::new(),
        rows: plan.rows() as u64,
        flagged,
        flag_count,
        prepare_seconds: 0.0,
        connect_seconds,
        phases,
        total_seconds: 0.0,
        transcript_seconds: transcript_nanos.load(std::sync::atomic::Ordering::Relaxed) as f64
            / 1e9,
    })
}

fn transport_config(
    config: &NodeConfig,
    federation: &Federation,
    opts: &RunOptions,
) -> Result<TransportConfig, RunError> {
    let cert = keys::load_certificate_der(&config.tls_cert).map_err(LocalError::from)?;
    let key = keys::load_tls_private_key(&config.tls_key).map_err(LocalError::from)?;
    let party = config.party;
    if keys::cert_fingerprint(cert.as_ref()) != federation.party(party).cert_fingerprint {
        return Err(LocalError::CertificateNotPinned {
            path: config.tls_cert.clone(),
            party,
        }
        .into());
    }
    let mut peers = Vec::new();
    for peer in [party.next(), party.prev()] {
        let entry = federation.party(peer);
        peers.push(PeerConfig {
            party: peer,
            address: resolve(&entry.address)?,
            fingerprint: entry.cert_fingerprint,
        });
    }
    let mut t = TransportConfig::new(
        party,
        config.listen,
        cert.as_ref().to_vec(),
        key.secret_der().to_vec(),
        peers,
    );
    if let Some(d) = opts.recv_timeout {
        t.recv_timeout = d;
    }
    if let Some(d) = opts.connect_timeout {
        t.connect_timeout = d;
    }
    Ok(t)
}

fn resolve(address: &str) -> Result<SocketAddr, LocalError> {
    address
        .to_socket_addrs()
        .map_err(|source| LocalError::Address {
            address: address.to_string(),
            source,
        })?
        .next()
        .ok_or_else(|| LocalError::AddressEmpty {
            address: address.to_string(),
        })
}

/// Keeps the input commitment's salt beside the outputs, readable by the owner only.
fn save_salt(
    dir: &Path,
    party: PartyId,
    job_id_hex: &str,
    salt: &InputSalt,
) -> Result<(), keys::KeyError> {
    let path = dir.join(transcript::salt_file_name(party, job_id_hex));
    keys::write_new_file(&path, hex::encode(salt.0).as_bytes(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, applicant: &str, partner: Option<&str>, aow: u64) -> SvbRecord {
        SvbRecord {
            household_id: id.to_string(),
            applicant_bsn: Bsn::parse(applicant).unwrap(),
            partner_bsn: partner.map(|p| Bsn::parse(p).unwrap()),
            household: samen_circuits::aio::SvbHousehold {
                aow_gross_applicant_cents: aow,
                ..Default::default()
            },
        }
    }

    #[test]
    fn packed_keys_give_back_the_flagged_households_keys_in_order() {
        let records = vec![
            record("h-1", "111222333", None, 5),
            record("", "123456782", Some("111222333"), 6),
            record("household ü 3", "123456782", None, 7),
            record("h4", "111222333", Some("123456782"), 8),
        ];
        let keys = CandidateKeys::from_records(SvbInput {
            households: records.clone(),
        });
        for mask in 0u32..16 {
            let flags: Vec<bool> = (0..4).map(|i| mask >> i & 1 == 1).collect();
            let got = keys.flagged(&flags).households;
            let want: Vec<_> = records
                .iter()
                .zip(&flags)
                .filter(|(_, &f)| f)
                .map(|(r, _)| (r.household_id.clone(), r.applicant_bsn, r.partner_bsn))
                .collect();
            let got: Vec<_> = got
                .into_iter()
                .map(|r| (r.household_id, r.applicant_bsn, r.partner_bsn))
                .collect();
            assert_eq!(got, want, "mask {mask:04b}");
        }
    }
}
