//! The AIO screening circuit evaluated securely: the golden households (worked examples and
//! hand-made edge cases) and 10,000 generated households give the same flag in the plaintext
//! reference (`aio::screen`, ordinary Rust), the plaintext IR evaluator and the secure
//! evaluator — the optimised circuit, under both home-equity rules. Also the linkage mode:
//! the all-secret form of the circuit on pre-shared input columns.

mod evaluator_support;

use std::collections::BTreeMap;

use evaluator_support::{assert_matches_clear, run_secure};
use samen_circuits::aio::circuit::{build, input_columns, input_columns_of, FLAG_OUTPUT};
use samen_circuits::aio::golden::golden_cases;
use samen_circuits::aio::synth::generate;
use samen_circuits::aio::{screen, AioRules, HomeRule, Household, Policy};
use samen_circuits::{passes, Circuit, WireType};
use samen_protocol::evaluator::{evaluate_with, LocalInputs, SharedInputs};
use samen_protocol::harness;
use samen_protocol::ops::input::{input_many, InputColumn};
use samen_protocol::PartyId;

fn optimised(rules: &AioRules, policy: &Policy) -> Circuit {
    passes::optimize(&build(rules, policy).expect("AIO circuit")).expect("optimiser")
}

/// Runs `circuit` securely on `households` and checks reference = IR evaluator = secure
/// evaluator (and that only the SVB learns the flags). Returns the flags.
fn check(
    rules: &AioRules,
    policy: &Policy,
    circuit: &Circuit,
    households: &[Household],
) -> Vec<bool> {
    let rows = households.len();
    let columns = input_columns(households);
    let runs = run_secure(circuit, &columns, rows);
    // The secure flags equal the IR evaluator's (and nobody but the SVB learns them).
    assert_matches_clear(circuit, &columns, &runs);
    let secure: Vec<bool> = runs[0]
        .outputs
        .get(FLAG_OUTPUT)
        .expect("SVB learns the flag")
        .iter()
        .map(|&w| w == 1)
        .collect();
    assert!(runs[1].outputs.is_empty() && runs[2].outputs.is_empty());
    for (i, h) in households.iter().enumerate() {
        assert_eq!(
            secure[i],
            screen(rules, policy, h),
            "row {i}, {policy:?}: {h:?}"
        );
    }
    secure
}

/// The golden households of one (rules, policy): the policy and (case index, household).
type Group = (Policy, Vec<(usize, Household)>);

#[test]
fn golden_households_agree_in_all_three_evaluators() {
    // One secure run per (rules, policy), all its golden households as rows.
    let mut groups: BTreeMap<(&str, u64, &str), Group> = BTreeMap::new();
    let cases = golden_cases();
    assert!(cases.len() >= 30);
    for (k, c) in cases.iter().enumerate() {
        let key = (c.rules, c.policy.tolerance_bp, c.policy.home_rule.as_str());
        groups
            .entry(key)
            .or_insert_with(|| (c.policy, Vec::new()))
            .1
            .push((k, c.household.clone()));
    }
    for ((rules, _, _), (policy, members)) in &groups {
        let rules = AioRules::by_name(rules).expect("rules file");
        let households: Vec<Household> = members.iter().map(|(_, h)| h.clone()).collect();
        let flags = check(&rules, policy, &optimised(&rules, policy), &households);
        for ((k, _), flag) in members.iter().zip(flags) {
            let c = &cases[*k];
            assert_eq!(flag, c.expected_flag, "golden case {}: {}", c.name, c.why);
        }
    }
}

#[test]
fn ten_thousand_generated_households_agree_under_both_home_rules() {
    let rules = AioRules::default_rules();
    let households = generate(20_261_123, 10_000);
    for home_rule in [HomeRule::Loan, HomeRule::Count] {
        let policy = Policy {
            tolerance_bp: 0,
            home_rule,
        };
        let flags = check(&rules, &policy, &optimised(&rules, &policy), &households);
        let flagged = flags.iter().filter(|f| **f).count();
        assert!(
            flagged > 100 && flagged < households.len() - 100,
            "{home_rule}: {flagged} flagged; both outcomes must occur"
        );
    }
    // A tolerance above zero changes the comparison constant.
    let policy = Policy {
        tolerance_bp: 500,
        home_rule: HomeRule::Count,
    };
    check(
        &rules,
        &policy,
        &optimised(&rules, &policy),
        &households[..2_000],
    );
}

/// The linkage mode: every input arrives pre-shared (here each owner shares its columns
/// first, as the linkage would deliver them), the all-secret circuit runs on them.
#[test]
fn all_secret_circuit_on_pre_shared_inputs() {
    let rules = AioRules::default_rules();
    let policy = Policy {
        tolerance_bp: 0,
        home_rule: HomeRule::Count,
    };
    let circuit = passes::all_secret(&build(&rules, &policy).expect("AIO circuit")).expect("pass");
    let households = generate(7, 700);
    let rows = households.len();
    let per_party: Vec<LocalInputs> = PartyId::ALL
        .iter()
        .map(|p| input_columns_of(Some(*p), &households))
        .collect();
    let runs = harness::try_run_three(|ctx| {
        let mut shared = SharedInputs::new();
        for owner in PartyId::ALL {
            let inputs: Vec<_> = circuit.inputs_of(owner).collect();
            let mine = ctx.party().index() == owner.index();
            let cols: Vec<InputColumn<'_>> = inputs
                .iter()
                .map(|i| {
                    let values = mine.then(|| per_party[owner.index()][i.name].as_slice());
                    match i.ty {
                        WireType::Arith { .. } => InputColumn::Arith { values, rows },
                        WireType::Bool { width } => InputColumn::Bool {
                            values,
                            rows,
                            width: width as u32,
                        },
                    }
                })
                .collect();
            let got = input_many(ctx, PartyId::ALL[owner.index()], &cols)?;
            for (i, c) in inputs.iter().zip(got) {
                shared.insert(i.name.to_string(), c);
            }
        }
        Ok(evaluate_with(
            ctx,
            &circuit,
            &LocalInputs::new(),
            &shared,
            rows,
        )?)
    })
    .expect("secure evaluation");
    let flags = runs[0]
        .output
        .get(FLAG_OUTPUT)
        .expect("SVB learns the flag");
    for (i, h) in households.iter().enumerate() {
        assert_eq!(flags[i] == 1, screen(&rules, &policy, h), "row {i}");
    }
    assert!(runs[1].output.is_empty() && runs[2].output.is_empty());
}
