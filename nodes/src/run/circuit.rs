//! The one place where a job becomes a circuit.
//!
//! Every node recompiles the circuit from the job's rules file (built into the binary, and
//! checked against the job's rules hash) and policy, and refuses to run unless its hash is
//! the one the approvers signed. Which circuit runs depends on the job's linkage mode:
//!
//! - **aligned**: the optimised AIO screening circuit: owner-local parts are computed by
//!   their owner before sharing ([`samen_circuits::passes::optimize`]);
//! - **linked**: the optimised circuit split into what the owners compute on their own
//!   tables before linkage and what runs on the linked households, or the all-secret
//!   fallback ([`samen_circuits::passes::linked`], where the split is explained).
//!
//! A run compiles the circuit once ([`compile_checked`]) and keeps the result.

use samen_circuits::aio::{self, AioRules};
use samen_circuits::passes::{self, linked::LinkedCircuit};
use samen_circuits::Circuit;

use crate::federation::Federation;
use crate::input::schema::LinkageMode;
use crate::job::{builtin_rules_hash, Hash32, Job, JobError};

/// The rules file the job names, checked against the job's rules hash.
pub fn job_rules(job: &Job) -> Result<AioRules, JobError> {
    let rules = AioRules::by_name(&job.rules.name).map_err(|e| match e {
        aio::RulesError::Unknown { name, known } => JobError::UnknownRules { name, known },
        e => JobError::Invalid {
            field: "rules.name".into(),
            reason: e.to_string(),
        },
    })?;
    if rules.hash().0 != job.rules.hash.0 {
        return Err(JobError::Circuit(format!(
            "rules `{}` built into this binary have hash {}, the job names {}",
            job.rules.name,
            rules.hash().to_hex(),
            hex::encode(job.rules.hash.0)
        )));
    }
    Ok(rules)
}

/// The compiled circuit of a job, by its linkage mode.
#[derive(Clone, Debug)]
pub enum JobCircuit {
    /// The optimised circuit, run on rows aligned by the SVB's order.
    Aligned(Circuit),
    /// The split circuit of the linked mode (its `run` part is the approved circuit).
    Linked(Box<LinkedCircuit>),
}

impl JobCircuit {
    /// The circuit that runs under MPC (the one whose hash the approvers signed).
    pub fn run(&self) -> &Circuit {
        match self {
            JobCircuit::Aligned(c) => c,
            JobCircuit::Linked(l) => &l.run,
        }
    }
}

fn circuit_err<E: std::fmt::Display>(e: E) -> JobError {
    JobError::Circuit(e.to_string())
}

/// Compiles the circuit `job` runs (see the module documentation for the two modes).
pub fn compile_job_circuit(job: &Job) -> Result<JobCircuit, JobError> {
    let rules = job_rules(job)?;
    let built = aio::circuit::build(&rules, &job.policy.to_aio()).map_err(circuit_err)?;
    Ok(match job.linkage.mode {
        LinkageMode::Aligned => JobCircuit::Aligned(passes::optimize(&built).map_err(circuit_err)?),
        LinkageMode::Linked => JobCircuit::Linked(Box::new(
            passes::linked::linked(&built).map_err(circuit_err)?,
        )),
    })
}

/// The circuit `job` runs under MPC (the approved one, see [`compile_job_circuit`]).
pub fn job_circuit(job: &Job) -> Result<Circuit, JobError> {
    Ok(match compile_job_circuit(job)? {
        JobCircuit::Aligned(c) => c,
        JobCircuit::Linked(l) => l.run,
    })
}

/// Compiles the circuit once and checks its hash against the approved one.
pub fn checked_job_circuit(job: &Job) -> Result<JobCircuit, JobError> {
    let circuit = compile_job_circuit(job)?;
    let hash = circuit.run().hash().0;
    if hash != job.circuit.hash.0 {
        return Err(JobError::Circuit(format!(
            "the circuit compiled from the job's rules and policy has hash {}, but the job was approved for {}: refusing to run",
            hex::encode(hash),
            hex::encode(job.circuit.hash.0)
        )));
    }
    Ok(circuit)
}

/// Checks `job` against this node and compiles its circuit, once: the federation
/// fingerprint, the built-in rules hash, and the hash of the circuit this binary compiles
/// ([`crate::job::Job::check_against`] is this without keeping the circuit). A node runs
/// only jobs that pass.
pub fn compile_checked(job: &Job, federation: &Federation) -> Result<JobCircuit, JobError> {
    let actual = Hash32(federation.fingerprint());
    if job.federation_fingerprint != actual {
        return Err(JobError::FederationMismatch {
            job: job.federation_fingerprint,
            actual,
        });
    }
    let rules = Hash32(builtin_rules_hash(&job.rules.name)?);
    if rules != job.rules.hash {
        return Err(JobError::HashMismatch {
            what: "rules",
            job: job.rules.hash,
            actual: rules,
        });
    }
    let compiled = compile_job_circuit(job)?;
    let circuit = Hash32(compiled.run().hash().0);
    if circuit != job.circuit.hash {
        return Err(JobError::HashMismatch {
            what: "circuit",
            job: job.circuit.hash,
            actual: circuit,
        });
    }
    Ok(compiled)
}
