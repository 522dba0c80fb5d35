//! The one place where a job becomes a circuit.
//!
//! Every node recompiles the circuit from the job's rules file (built into the binary, and
//! checked against the job's rules hash) and policy, and refuses to run unless its hash is
//! the one the approvers signed. Which circuit runs depends on the job's linkage mode:
//!
//! - **aligned**: the optimised AIO screening circuit: owner-local parts are computed by
//!   their owner before sharing ([`samen_circuits::passes::optimize`]);
//! - **linked**: every row is a shuffled household after private record linkage, which no
//!   owner can read, so every input arrives pre-shared from the linkage and every gate
//!   runs under MPC ([`samen_circuits::passes::all_secret`]: inputs feed only `share`
//!   gates, as the evaluator requires of pre-shared inputs). A person missing at UWV or
//!   the Belastingdienst arrives as zeros, which is exactly how the plaintext reference
//!   treats a person without records there, so the circuit needs no "present" bits.

use samen_circuits::aio::{self, AioRules};
use samen_circuits::{passes, Circuit};

use crate::input::schema::LinkageMode;
use crate::job::{Job, JobError};

/// The rules file the job names, checked against the job's rules hash.
pub fn job_rules(job: &Job) -> Result<AioRules, JobError> {
    let rules = AioRules::by_name(&job.rules.name).map_err(|e| match e {
        aio::RulesError::Unknown { name, known } => JobError::UnknownRules { name, known },
        e => JobError::Invalid { field: "rules.name".into(), reason: e.to_string() },
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

/// The circuit `job` runs (see the module documentation for the two modes).
pub fn job_circuit(job: &Job) -> Result<Circuit, JobError> {
    let rules = job_rules(job)?;
    let policy = job.policy.to_aio();
    let built = aio::circuit::build(&rules, &policy).map_err(|e| JobError::Circuit(e.to_string()))?;
    match job.linkage.mode {
        LinkageMode::Aligned => passes::optimize(&built),
        LinkageMode::Linked => passes::all_secret(&built),
    }
    .map_err(|e| JobError::Circuit(e.to_string()))
}

/// Recompiles the circuit and checks its hash against the approved one.
pub fn checked_job_circuit(job: &Job) -> Result<Circuit, JobError> {
    let circuit = job_circuit(job)?;
    let hash = circuit.hash().0;
    if hash != job.circuit.hash.0 {
        return Err(JobError::Circuit(format!(
            "the circuit compiled from the job's rules and policy has hash {}, but the job was approved for {}: refusing to run",
            hex::encode(hash),
            hex::encode(job.circuit.hash.0)
        )));
    }
    Ok(circuit)
}
