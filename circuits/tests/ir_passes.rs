//! The optimiser preserves semantics: random circuits, evaluated in the clear before and
//! after every pass on random inputs with edge values, give the same outputs; passes keep
//! the input and output interface; owner-local evaluation never costs more ANDs or
//! multiplications than the all-secret baseline.

use proptest::prelude::*;
use samen_circuits::builder::Builder;
use samen_circuits::cost::cost;
use samen_circuits::eval::evaluate;
use samen_circuits::ir::{Circuit, Op, PartyId, PartySet, Placement, WireType};
use samen_circuits::passes;
use samen_circuits::testing::{random_circuit, random_inputs, RandomCircuitConfig};

/// Inputs (name, owner, type) and outputs (name, reveal set) of a circuit.
type Interface = (Vec<(String, PartyId, WireType)>, Vec<(String, PartySet)>);

fn interface(c: &Circuit) -> Interface {
    (
        c.inputs()
            .map(|i| (i.name.to_string(), i.owner, i.ty))
            .collect(),
        c.outputs()
            .iter()
            .map(|o| (o.name.clone(), o.reveal_to))
            .collect(),
    )
}

fn outputs(c: &Circuit, seed: u64) -> Vec<(String, Vec<u64>)> {
    let e = evaluate(c, &random_inputs(c, 12, seed)).unwrap();
    e.outputs()
        .map(|(n, v)| (n.to_string(), v.to_vec()))
        .collect()
}

fn check_all_passes(c: &Circuit, seed: u64) {
    let reference = outputs(c, seed);
    type Pass = fn(&Circuit) -> Result<Circuit, samen_circuits::ir::CircuitError>;
    let passes: [(&str, Pass); 6] = [
        ("fold", passes::fold_constants),
        ("cse", passes::cse),
        ("dce", passes::dce),
        ("localize", passes::localize),
        ("all_secret", passes::all_secret),
        ("optimize", passes::optimize),
    ];
    for (name, pass) in passes {
        let o = pass(c).unwrap_or_else(|e| panic!("{name} failed: {e}\n{c}"));
        assert_eq!(interface(&o), interface(c), "{name} changed the interface");
        assert_eq!(
            outputs(&o, seed),
            reference,
            "{name} changed the outputs of\n{c}\ninto\n{o}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn passes_preserve_semantics(seed in any::<u64>(), steps in 1usize..40, inputs in 1usize..7) {
        let cfg = RandomCircuitConfig { inputs, steps, outputs: 4, ..RandomCircuitConfig::default() };
        let c = random_circuit(seed, &cfg);
        check_all_passes(&c, seed ^ 0x5eed);
    }

    #[test]
    fn passes_preserve_semantics_wide(seed in any::<u64>()) {
        let cfg = RandomCircuitConfig { inputs: 4, steps: 25, outputs: 3, max_arith_width: 64, max_bool_width: 64 };
        let c = random_circuit(seed, &cfg);
        check_all_passes(&c, seed.rotate_left(7));
    }

    #[test]
    fn localisation_never_costs_more(seed in any::<u64>(), steps in 1usize..40) {
        let cfg = RandomCircuitConfig { steps, ..RandomCircuitConfig::default() };
        let c = random_circuit(seed, &cfg);
        let (naive, opt) = (cost(&passes::all_secret(&c).unwrap()), cost(&passes::optimize(&c).unwrap()));
        prop_assert!(opt.and_gates <= naive.and_gates, "ANDs {} > {}\n{}", opt.and_gates, naive.and_gates, c);
        prop_assert!(opt.multiplications <= naive.multiplications);
        prop_assert!(opt.bit_injections <= naive.bit_injections);
    }

    /// Optimising again never costs more (it can only find folds that narrowed widths
    /// enable; a change of form may become an explicit local `a2b` and boolean `share`).
    #[test]
    fn optimizing_again_never_costs_more(seed in any::<u64>()) {
        let c = random_circuit(seed, &RandomCircuitConfig::default());
        let once = cost(&passes::optimize(&c).unwrap());
        let twice = cost(&passes::optimize(&passes::optimize(&c).unwrap()).unwrap());
        prop_assert!(twice.and_gates <= once.and_gates);
        prop_assert!(twice.multiplications <= once.multiplications);
        prop_assert!(twice.bit_injections <= once.bit_injections);
        prop_assert!(twice.rounds <= once.rounds);
        for p in 0..3 {
            prop_assert!(twice.bits_sent[p] <= once.bits_sent[p]);
        }
    }
}

/// A one-owner sub-expression becomes local to its owner; a one-owner value that is only
/// compared with another party's value is shared in boolean form at its width.
#[test]
fn owner_local_parts_and_boolean_shares() {
    let mut b = Builder::new("t");
    let wages = b.input_arith(PartyId::UWV, "wages", 33).unwrap();
    let pension = b.input_arith(PartyId::UWV, "pension", 33).unwrap();
    let aow = b.input_arith(PartyId::SVB, "aow", 33).unwrap();
    let assets = b
        .input_arith(PartyId::BELASTINGDIENST, "assets", 41)
        .unwrap();
    let limit = b.input_arith(PartyId::SVB, "limit", 41).unwrap();
    // Start from the naive form: everything shared at once.
    let s = |b: &mut Builder, x| b.share(x).unwrap();
    let (wages, pension, aow, assets, limit) = (
        s(&mut b, wages),
        s(&mut b, pension),
        s(&mut b, aow),
        s(&mut b, assets),
        s(&mut b, limit),
    );
    let uwv = b.add(wages, pension).unwrap();
    let income = b.add(uwv, aow).unwrap();
    let norm = b.constant(150_000);
    let income_ok = b.le(income, norm).unwrap();
    let wealth_ok = b.le(assets, limit).unwrap();
    let flag = b.and(income_ok, wealth_ok).unwrap();
    b.output("flag", flag, PartySet::only(PartyId::SVB))
        .unwrap();
    let c = b.finish().unwrap();
    let o = passes::optimize(&c).unwrap();
    // wages + pension is computed by UWV in the clear.
    assert!(
        o.gates()
            .iter()
            .any(|g| matches!(g.op, Op::Add(_)) && g.placement == Placement::Local(PartyId::UWV)),
        "{o}"
    );
    // assets and limit enter in boolean form at 41 bits; the income terms stay arithmetic.
    let shares: Vec<WireType> = o
        .gates()
        .iter()
        .filter_map(|g| matches!(g.op, Op::Share { .. }).then_some(g.ty))
        .collect();
    assert!(shares.contains(&WireType::boolean(41)), "{o}");
    assert_eq!(shares.iter().filter(|t| t.is_arith()).count(), 2, "{o}");
    let (before, after) = (cost(&c), cost(&o));
    assert!(after.and_gates < before.and_gates, "{before}\n{after}");
    assert!(after.rounds <= before.rounds);
    check_all_passes(&c, 1);
}

/// Folding: constants, identities, constant conditions.
#[test]
fn folding_identities() {
    let mut b = Builder::new("t");
    let x = b.input_arith(PartyId::SVB, "x", 20).unwrap();
    let x = b.share(x).unwrap();
    let zero = b.constant(0);
    let one = b.constant(1);
    let a = b.add(x, zero).unwrap();
    let m = b.mul(a, one).unwrap();
    let two = b.constant(2);
    let three = b.constant(3);
    let c = b.lt(two, three).unwrap();
    let sel = b.mux(c, m, zero).unwrap();
    b.output("y", sel, PartySet::ALL).unwrap();
    let circuit = b.finish().unwrap();
    let f = passes::optimize(&circuit).unwrap();
    // Only the input and its share remain.
    assert_eq!(f.len(), 2, "{f}");
    check_all_passes(&circuit, 2);
}

/// CSE merges equal gates, commutative operands in either order.
#[test]
fn cse_merges_commutative() {
    let mut b = Builder::new("t");
    let x = b.input_arith(PartyId::SVB, "x", 20).unwrap();
    let y = b.input_arith(PartyId::UWV, "y", 20).unwrap();
    let p = b.mul(x, y).unwrap();
    let q = b.mul(y, x).unwrap();
    let s = b.add(p, q).unwrap();
    b.output("s", s, PartySet::ALL).unwrap();
    let c = b.finish().unwrap();
    assert_eq!(cost(&c).multiplications, 2);
    assert_eq!(cost(&passes::cse(&c).unwrap()).multiplications, 1);
}
