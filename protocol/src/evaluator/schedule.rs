//! Which gates a run computes: the live part of the circuit.
//!
//! The round schedule itself is not precomputed: the executor ([`super::run`]) starts every
//! gate in the round after its last operand is ready, which is the "as soon as possible"
//! schedule of the cost model (`samen_circuits::cost::schedule`). Gates no output depends
//! on are skipped: they would cost rounds and bytes and reveal nothing anyway.

use samen_circuits::Circuit;

/// For each wire, whether some output depends on it (the cost model's notion of a live
/// gate, [`samen_circuits::cost::live`], so that both count the same gates).
pub(crate) fn needed(circuit: &Circuit) -> Vec<bool> {
    samen_circuits::cost::live(circuit)
}
