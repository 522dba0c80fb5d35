//! The cost model of `samen_circuits::cost` against the counters of real secure runs:
//! rounds and bits sent per row per party, for AES-128 and the AIO circuit (both home
//! rules, optimised and all-secret). Row counts are multiples of 64, so bit-sliced words
//! carry no padding and bits per row are exact.

mod evaluator_support;

use evaluator_support::run_secure;
use samen_circuits::aio::circuit::{build, input_columns};
use samen_circuits::aio::synth::generate;
use samen_circuits::aio::{AioRules, HomeRule, Policy};
use samen_circuits::bristol::{self, ImportOptions};
use samen_circuits::cost::cost;
use samen_circuits::eval::Columns;
use samen_circuits::{passes, Circuit, PartyId, PartySet};

const AES: &str = include_str!("../../circuits/tests/data/aes_128.txt");

/// Measured (rounds, bits sent per row by each party) of a secure run.
fn measure(circuit: &Circuit, inputs: &Columns, rows: usize) -> (u64, [u64; 3]) {
    let runs = run_secure(circuit, inputs, rows);
    let rounds = runs[0].eval.rounds;
    assert!(
        runs.iter().all(|r| r.eval.rounds == rounds),
        "parties disagree on rounds"
    );
    let bits = [0, 1, 2].map(|p| {
        let bits = runs[p].eval.total_sent() * 8;
        assert_eq!(
            bits % rows as u64,
            0,
            "bits sent must be a whole number per row"
        );
        bits / rows as u64
    });
    (rounds, bits)
}

fn compare(
    name: &str,
    circuit: &Circuit,
    inputs: &Columns,
    rows: usize,
) -> ((u64, [u64; 3]), (u64, [u64; 3])) {
    let model = cost(circuit);
    let measured = measure(circuit, inputs, rows);
    let predicted = (model.rounds as u64, model.bits_sent);
    println!(
        "{name}: model rounds {} bits/row {:?}; measured rounds {} bits/row {:?}",
        predicted.0, predicted.1, measured.0, measured.1
    );
    (predicted, measured)
}

#[test]
fn aes_matches_the_model_exactly() {
    let rows = 128;
    let inputs: Columns = (0..2)
        .flat_map(|i| {
            (0..128).map(move |j| {
                (
                    format!("in{i}[{j}]"),
                    (0..rows as u64).map(|r| (r * 7 + j + i) % 3 % 2).collect(),
                )
            })
        })
        .collect();
    for share_inputs in [true, false] {
        let opts = ImportOptions {
            owners: vec![PartyId::SVB, PartyId::UWV],
            reveal_to: PartySet::only(PartyId::SVB),
            share_inputs,
        };
        let mut c = bristol::import(AES, "aes_128", &opts).expect("AES circuit");
        if !share_inputs {
            c = passes::optimize(&c).expect("optimiser");
        }
        let (predicted, measured) = compare(
            if share_inputs { "aes" } else { "aes optimised" },
            &c,
            &inputs,
            rows,
        );
        assert_eq!(predicted, measured);
    }
}

#[test]
fn aio_matches_the_model_exactly() {
    let rows = 640;
    let households = generate(11, rows);
    let inputs = input_columns(&households);
    let rules = AioRules::default_rules();
    for home_rule in [HomeRule::Loan, HomeRule::Count] {
        let policy = Policy {
            tolerance_bp: 0,
            home_rule,
        };
        let built = build(&rules, &policy).expect("AIO circuit");
        for (form, c) in [
            ("optimised", passes::optimize(&built).unwrap()),
            ("all-secret", passes::all_secret(&built).unwrap()),
        ] {
            let (predicted, measured) =
                compare(&format!("aio {home_rule} {form}"), &c, &inputs, rows);
            // Exact: the model knows the public-operand shortcuts (a `mux` between two
            // constants, a `bitmul` by a constant) and counts the engine's lane plans.
            assert_eq!(predicted, measured, "(rounds, bits per row per party)");
        }
    }
}
