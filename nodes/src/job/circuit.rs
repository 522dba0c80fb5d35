//! Where a job meets `samen-circuits`' built-in rules files: their names and hashes.
//! Each node recompiles the screening circuit from the job's rules and policy
//! ([`super::expected_circuit_hash`]) and compares the hash with the one the approvers
//! signed.

use samen_circuits::aio;

/// Names of the rules files built into this binary.
pub(super) fn rules_names() -> Vec<String> {
    aio::rules::RULES_FILES
        .iter()
        .map(|(name, _)| name.to_string())
        .collect()
}

/// BLAKE3 of the built-in rules file `name` (its exact bytes).
pub(super) fn rules_hash(name: &str) -> Result<[u8; 32], aio::RulesError> {
    Ok(aio::AioRules::by_name(name)?.hash().0)
}
