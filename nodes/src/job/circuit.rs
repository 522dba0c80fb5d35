//! Where a job meets `samen-circuits`: the built-in rules files and the circuit compiler.
//!
//! Each node recompiles the screening circuit from the job's rules and policy and
//! compares the hash with the one the approvers signed.

use samen_circuits::aio;

use super::{Job, JobError};

/// Names of the rules files built into this binary.
pub(super) fn rules_names() -> Vec<String> {
    aio::rules::RULES_FILES
        .iter()
        .map(|(name, _)| name.to_string())
        .collect()
}

/// BLAKE3 of the built-in rules file `name` (its exact bytes).
pub(super) fn rules_hash(name: &str) -> Result<[u8; 32], JobError> {
    match aio::AioRules::by_name(name) {
        Ok(rules) => Ok(rules.hash().0),
        Err(aio::RulesError::Unknown { name, known }) => {
            Err(JobError::UnknownRules { name, known })
        }
        Err(e) => Err(JobError::Invalid {
            field: "rules.name".into(),
            reason: e.to_string(),
        }),
    }
}

/// The hash of the circuit `job` runs: the AIO circuit built from the job's rules and
/// policy (tolerance, home-equity rule) and optimised, as compiled by
/// [`crate::run::circuit::job_circuit`] — the one definition the node also executes. The
/// rules hash and the policy are annotations of the circuit, so this hash covers them too.
pub(super) fn circuit_hash(job: &Job) -> Result<[u8; 32], JobError> {
    Ok(crate::run::circuit::job_circuit(job)?.hash().0)
}
