//! `samen node run`: one node's side of a job. See the [module documentation](super).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use samen_protocol::context::{BytesRound, Context};
use samen_protocol::evaluator::{self, LocalInputs};
use samen_protocol::linkage::{LinkageInput, LinkageSpec};
use samen_protocol::PartyId;

use crate::approval::{load_approvals_for, verify_approvals};
use crate::config::NodeConfig;
use crate::federation::Federation;
use crate::input::schema::LinkageMode;
use crate::input::{read_input, PartyInput};
use crate::job::{check_and_mark_job_id, job_hash, Job};
use crate::keys::{self, KeyRole};
use crate::transcript::evidence::{EvidenceRecorder, ObserverPair};
use crate::transcript::{
    self, format::Header, InputCommitter, InputSalt, Outcome, SharedTranscript, TranscriptWriter,
};
use crate::transport::{connect_mesh, PeerConfig, TransportConfig};

use super::circuit::{checked_job_circuit, linked_circuit, LinkedCircuit};
use super::columns::{canonical_input_bytes, local_columns};
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

/// Why a job did not complete. Every variant means: no output was written.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A local check failed before anything was sent.
    #[error("{0}\n(nothing was sent to the other parties)")]
    Local(String),
    /// The job failed after connecting; the peers were told.
    #[error("job aborted: {0}\n(no output was written)")]
    Aborted(String),
}

fn local<E: std::fmt::Display>(e: E) -> RunError {
    RunError::Local(e.to_string())
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
    let config = NodeConfig::load(&opts.config).map_err(local)?;
    let party = config.party;
    let federation = Federation::load(&config.federation).map_err(local)?;
    let (job, job_bytes) = Job::load(&opts.job).map_err(local)?;
    job.validate().map_err(local)?;
    job.check_against(&federation).map_err(local)?;
    let approvals = load_approvals_for(&opts.job).map_err(local)?;
    verify_approvals(&federation, &job_bytes, &approvals)
        .map_err(|e| RunError::Local(format!("job {}: {e}", opts.job.display())))?;
    let circuit = checked_job_circuit(&job).map_err(local)?;
    let validated = read_input(&job, party, &opts.input).map_err(local)?;
    let (plan, columns) = match job.linkage.mode {
        LinkageMode::Aligned => {
            let (rows, columns) = local_columns(&validated.input).map_err(local)?;
            (Plan::Aligned { rows }, columns)
        }
        LinkageMode::Linked => {
            let split = linked_circuit(&job).map_err(local)?;
            if split.run.hash() != circuit.hash() {
                return Err(RunError::Local(
                    "the linked circuit differs from the approved one".into(),
                ));
            }
            let spec = linked::linkage_spec(&job, &split);
            let input = linked::linkage_input(&validated.input, &split).map_err(local)?;
            let i = party.index();
            input
                .validate(party, spec.fields[i].len(), spec.padding[i])
                .map_err(|e| RunError::Local(format!("{}: {e}", opts.input.display())))?;
            let columns = linked::commitment_columns(party, &input, &split);
            (
                Plan::Linked {
                    circuit: Box::new(split),
                    spec,
                    input,
                },
                columns,
            )
        }
    };
    let signing =
        keys::load_secret_key_with_role(&config.signing_key, KeyRole::Node).map_err(local)?;
    if signing.party != party {
        return Err(RunError::Local(format!(
            "{}: this is the signing key of {}, but the node is {}",
            config.signing_key.display(),
            signing.party,
            party
        )));
    }
    if signing.key.verifying_key() != federation.party(party).signing_key {
        return Err(RunError::Local(format!(
            "{}: the signing key is not the one the federation file lists for {party}",
            config.signing_key.display()
        )));
    }
    let transport = transport_config(&config, &federation, opts)?;
    let job_id_hex = hex::encode(job.job_id.0);
    std::fs::create_dir_all(&config.output_dir)
        .map_err(|e| RunError::Local(format!("{}: {e}", config.output_dir.display())))?;
    std::fs::create_dir_all(&config.state_dir)
        .map_err(|e| RunError::Local(format!("{}: {e}", config.state_dir.display())))?;
    check_and_mark_job_id(&config.state_dir, &job.job_id).map_err(local)?;

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
        circuit: circuit.hash().0,
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
    let writer =
        TranscriptWriter::create(&transcript_path, header, signing.key.clone()).map_err(local)?;
    let shared = SharedTranscript::new(writer);
    let salt = InputSalt::random();
    let mut committer = InputCommitter::new(&salt);
    canonical_input_bytes(&columns, |b| {
        committer.update(b);
    });
    save_salt(&config.output_dir, party, &job_id_hex, &salt).map_err(local)?;
    shared.commit_input(committer.finish()).map_err(local)?;
    let prepare_seconds = started.elapsed().as_secs_f64();

    // 2.–4. Connect, run the protocol, write the output.
    let times = PhaseTimes::default();
    let evidence = if opts.keep_evidence {
        let path = config
            .output_dir
            .join(evidence_file_name(party, &job_id_hex));
        Some(EvidenceRecorder::create(&path, hash, party, &seed).map_err(local)?)
    } else {
        None
    };
    let observer: Box<dyn samen_protocol::context::MessageObserver> = match &evidence {
        Some(recorder) => Box::new(ObserverPair(shared.clone(), recorder.clone())),
        None => shared.observer(),
    };
    let progress_rows = match &plan {
        Plan::Aligned { rows } => *rows as u64,
        Plan::Linked { input, .. } => input.rows() as u64,
    };
    let clock = PhaseClock::new(
        party,
        Some(observer),
        times.clone(),
        opts.progress,
        progress_rows,
    );
    let result = run_connected(
        &transport,
        hash,
        &job,
        &circuit,
        &plan,
        &columns,
        &validated.input,
        &config.output_dir,
        clock,
        &times,
        &shared,
        seed,
    );
    let evidence_result = evidence.as_ref().map(|r| r.finish());
    match result {
        Ok(mut summary) => {
            if let Some(Err(e)) = evidence_result {
                return Err(RunError::Aborted(format!(
                    "writing the dispute evidence: {e}"
                )));
            }
            shared
                .finish(Outcome::Success)
                .map_err(|e| RunError::Aborted(format!("closing the transcript: {e}")))?;
            summary.party = party.short_name().to_string();
            summary.job_id = job_id_hex;
            summary.prepare_seconds = prepare_seconds;
            summary.total_seconds = started.elapsed().as_secs_f64();
            Ok(summary)
        }
        Err(reason) => {
            let _ = shared.finish(Outcome::Abort {
                reason: reason.clone(),
            });
            Err(RunError::Aborted(reason))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_connected(
    transport: &TransportConfig,
    job_hash: [u8; 32],
    job: &Job,
    circuit: &samen_circuits::Circuit,
    plan: &Plan,
    columns: &LocalInputs,
    input: &PartyInput,
    output_dir: &Path,
    clock: PhaseClock,
    times: &PhaseTimes,
    transcript: &SharedTranscript,
    seed: samen_protocol::randomness::PartySeed,
) -> Result<RunSummary, String> {
    let party = transport.party;
    let transcript_nanos = clock.observer_nanos();
    let connect_start = Instant::now();
    let channel =
        connect_mesh(transport, job_hash).map_err(|e| format!("connecting to the peers: {e}"))?;
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
            return Err(format!("key set-up: {e}"));
        }
    };
    let outcome = match plan {
        Plan::Aligned { rows } => {
            protocol(&mut ctx, circuit, columns, *rows, job.output.count_to_all)
                .map(|(flags, count)| (flags, count, *rows))
        }
        // the rows of this party's own table (households at the SVB, persons elsewhere)
        Plan::Linked {
            circuit: split,
            spec,
            input,
        } => linked::run_linked(
            &mut ctx,
            split,
            spec,
            input,
            Some(transcript),
            job.output.count_to_all,
        )
        .map(|r| (r.flags, r.flag_count, input.rows())),
    };
    let (flags, flag_count, rows) = match outcome {
        Ok(f) => f,
        Err(e) => {
            ctx.abort(&e);
            return Err(e);
        }
    };
    let end = Instant::now();
    // Every message is out and acknowledged before any output is written.
    mesh.close()
        .map_err(|e| format!("closing the connections: {e}"))?;
    let mut flagged = None;
    if let (Some(flags), PartyInput::Svb(svb)) = (flags, input) {
        write_candidates(output_dir, svb, &flags)
            .map_err(|e| format!("writing {}: {e}", output_dir.display()))?;
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
        rows: rows as u64,
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

/// What a node runs after connecting, by the job's linkage mode.
enum Plan {
    /// Every party's file has one row per SVB household, in the SVB's order.
    Aligned {
        /// Rows (households).
        rows: usize,
    },
    /// Private record linkage first ([`linked`]).
    Linked {
        /// The linked circuit (its `run` part is the approved circuit).
        circuit: Box<LinkedCircuit>,
        /// The job's public linkage parameters.
        spec: LinkageSpec,
        /// This party's table.
        input: LinkageInput,
    },
}

/// The aligned protocol: table sizes, then the circuit. Returns the flags at the SVB.
/// (`samen audit replay` re-runs exactly this function.)
pub(crate) fn protocol(
    ctx: &mut Context,
    circuit: &samen_circuits::Circuit,
    columns: &LocalInputs,
    rows: usize,
    count_to_all: bool,
) -> Result<Outcome2, String> {
    agree_sizes(ctx, rows)?;
    ctx.begin_phase("evaluate").map_err(|e| e.to_string())?;
    let shared =
        evaluator::evaluate_shared(ctx, circuit, columns, &evaluator::SharedInputs::new(), rows)
            .map_err(|e| e.to_string())?;
    let count = if count_to_all {
        Some(super::count::reveal_flag_count(ctx, &shared)?)
    } else {
        None
    };
    let outputs = evaluator::reveal_outputs(ctx, circuit, &shared).map_err(|e| e.to_string())?;
    let flags = outputs
        .get(samen_circuits::aio::circuit::FLAG_OUTPUT)
        .map(|col| col.iter().map(|&w| w & 1 == 1).collect());
    Ok((flags, count))
}

/// Flags (at the flags' recipient) and the flag count (when the policy opens it to all).
pub(crate) type Outcome2 = (Option<Vec<bool>>, Option<u64>);

/// The aligned mode needs the same number of rows everywhere: each party tells the others
/// its row count (public in any case: it is the size of every message) and all check.
fn agree_sizes(ctx: &mut Context, rows: usize) -> Result<(), String> {
    ctx.begin_phase("sizes").map_err(|e| e.to_string())?;
    let me = (rows as u64).to_le_bytes().to_vec();
    let got = ctx
        .exchange_bytes(BytesRound {
            to_next: Some(me.clone()),
            to_prev: Some(me),
            from_next: true,
            from_prev: true,
        })
        .map_err(|e| e.to_string())?;
    let party = ctx.party();
    for (peer, bytes) in [(party.next(), got.from_next), (party.prev(), got.from_prev)] {
        let bytes = bytes.unwrap_or_default();
        let theirs: [u8; 8] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| format!("malformed size message from {peer}"))?;
        let theirs = u64::from_le_bytes(theirs);
        if theirs != rows as u64 {
            return Err(format!(
                "{peer} has {theirs} rows and {party} has {rows}: the aligned mode needs one row per SVB household in every file, in the SVB's order"
            ));
        }
    }
    Ok(())
}

fn transport_config(
    config: &NodeConfig,
    federation: &Federation,
    opts: &RunOptions,
) -> Result<TransportConfig, RunError> {
    let cert = keys::load_certificate_der(&config.tls_cert).map_err(local)?;
    let key = keys::load_tls_private_key(&config.tls_key).map_err(local)?;
    let party = config.party;
    if keys::cert_fingerprint(cert.as_ref()) != federation.party(party).cert_fingerprint {
        return Err(RunError::Local(format!(
            "{}: this certificate is not the one the federation file pins for {party}",
            config.tls_cert.display()
        )));
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

fn resolve(address: &str) -> Result<SocketAddr, RunError> {
    address
        .to_socket_addrs()
        .map_err(|e| RunError::Local(format!("federation address `{address}`: {e}")))?
        .next()
        .ok_or_else(|| {
            RunError::Local(format!(
                "federation address `{address}` resolves to nothing"
            ))
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
