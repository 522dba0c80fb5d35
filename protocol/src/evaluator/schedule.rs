//! Which gates a run computes: the live part of the circuit.
//!
//! The round schedule itself is not precomputed: the executor ([`super::run`]) starts every
//! gate in the round after its last operand is ready, which is the "as soon as possible"
//! schedule of the cost model (`samen_circuits::cost::schedule`). Gates no output depends
//! on are skipped: they would cost rounds and bytes and reveal nothing anyway.

use samen_circuits::Circuit;

/// For each wire, whether some output depends on it.
pub(crate) fn needed(circuit: &Circuit) -> Vec<bool> {
    let mut live = vec![false; circuit.len()];
    for o in circuit.outputs() {
        live[o.wire.index()] = true;
    }
    for (i, g) in circuit.gates().iter().enumerate().rev() {
        if live[i] {
            for w in g.op.operands() {
                live[w.index()] = true;
            }
        }
    }
    live
}
