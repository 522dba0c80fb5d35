//! Helpers shared by the evaluator tests: run a circuit securely at three parties in the
//! in-memory harness, and run it in the clear.
#![allow(dead_code)]

use std::collections::BTreeMap;

use samen_circuits::eval::{evaluate as evaluate_clear, Columns};
use samen_circuits::{Circuit, PartyId};
use samen_protocol::context::CommStats;
use samen_protocol::evaluator::{evaluate, LocalInputs, Outputs};
use samen_protocol::harness;

/// The columns of `party`'s inputs.
pub fn inputs_of(circuit: &Circuit, all: &Columns, party: PartyId) -> LocalInputs {
    circuit
        .inputs_of(party)
        .map(|i| (i.name.to_string(), all[i.name].clone()))
        .collect()
}

/// One party's result of a secure run.
pub struct SecureRun {
    /// What the party learned.
    pub outputs: Outputs,
    /// Its counters for the whole run (set-up included).
    pub stats: CommStats,
    /// Counters of the evaluation alone (after set-up).
    pub eval: CommStats,
}

/// Evaluates `circuit` securely on `all` (every party's columns) with `rows` rows.
pub fn run_secure(circuit: &Circuit, all: &Columns, rows: usize) -> [SecureRun; 3] {
    let per_party: Vec<LocalInputs> = PartyId::ALL
        .iter()
        .map(|p| inputs_of(circuit, all, *p))
        .collect();
    let runs = harness::try_run_three(|ctx| {
        let before = ctx.stats().clone();
        let mine = &per_party[ctx.party().index()];
        let out =
            evaluate(ctx, circuit, mine, rows).map_err(samen_protocol::ProtocolError::from)?;
        let mut eval = ctx.stats().clone();
        for i in 0..3 {
            eval.bytes_sent[i] -= before.bytes_sent[i];
            eval.bytes_received[i] -= before.bytes_received[i];
        }
        eval.rounds -= before.rounds;
        eval.messages_sent -= before.messages_sent;
        eval.messages_received -= before.messages_received;
        Ok((out, eval))
    })
    .expect("secure evaluation");
    runs.map(|r| SecureRun {
        outputs: r.output.0,
        stats: r.stats,
        eval: r.output.1,
    })
}

/// Checks that every party learned exactly the outputs revealed to it, equal to the
/// plaintext evaluator's. Returns the plaintext outputs.
pub fn assert_matches_clear(
    circuit: &Circuit,
    all: &Columns,
    runs: &[SecureRun; 3],
) -> BTreeMap<String, Vec<u64>> {
    let clear = evaluate_clear(circuit, all).expect("plaintext evaluation");
    let expected: BTreeMap<String, Vec<u64>> = clear
        .outputs()
        .map(|(n, c)| (n.to_string(), c.to_vec()))
        .collect();
    for (p, run) in PartyId::ALL.iter().zip(runs) {
        let learned: BTreeMap<String, Vec<u64>> = run.outputs.clone().into_map();
        for o in circuit.outputs() {
            if o.reveal_to.contains(*p) {
                let got = learned
                    .get(&o.name)
                    .unwrap_or_else(|| panic!("{p} did not learn output `{}`", o.name));
                assert_eq!(
                    got, &expected[&o.name],
                    "output `{}` at {p} differs from the plaintext evaluator",
                    o.name
                );
            } else {
                assert!(
                    !learned.contains_key(&o.name),
                    "{p} learned output `{}` not revealed to it",
                    o.name
                );
            }
        }
        assert_eq!(
            learned.len(),
            circuit
                .outputs()
                .iter()
                .filter(|o| o.reveal_to.contains(*p))
                .count()
        );
    }
    expected
}
