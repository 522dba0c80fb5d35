//! Property tests of the secure evaluator: random small circuits (mixed arithmetic and
//! boolean gates, comparisons, MUX, conversions, inputs of all three owners, constants)
//! evaluated securely in the in-memory harness give exactly the plaintext evaluator's
//! outputs, each only at its `reveal_to` parties — before and after the optimiser, on random
//! and edge inputs (0, −1, the extremes of each declared width).

mod evaluator_support;

use evaluator_support::{assert_matches_clear, inputs_of, run_secure};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use samen_circuits::eval::Columns;
use samen_circuits::ir::mask;
use samen_circuits::{passes, Builder, Circuit, PartyId, PartySet, WireId, WireType};
use samen_protocol::evaluator::{evaluate, EvaluatorError};
use samen_protocol::harness;

/// One step of a circuit recipe: an op code and operand choices.
type Step = (u8, u16, u16, u16, i64);

const ARITH_WIDTHS: [u8; 6] = [1, 7, 16, 33, 62, 64];
const BOOL_WIDTHS: [u8; 4] = [1, 3, 8, 64];

fn pick(v: &[WireId], k: u16) -> Option<WireId> {
    (!v.is_empty()).then(|| v[k as usize % v.len()])
}

/// Builds a circuit from a recipe. Every party owns inputs of both kinds; ops that do not
/// type-check for the picked operands are skipped.
fn build(input_kinds: &[(u8, bool, u8)], steps: &[Step], outs: &[(u16, u8)]) -> Circuit {
    let mut b = Builder::new("random");
    let mut arith: Vec<WireId> = Vec::new();
    let mut boolean: Vec<WireId> = Vec::new();
    for (k, &(owner, is_bool, w)) in input_kinds.iter().enumerate() {
        let owner = PartyId::ALL[owner as usize % 3];
        if is_bool {
            boolean.push(
                b.input_bool(
                    owner,
                    format!("b{k}"),
                    BOOL_WIDTHS[w as usize % BOOL_WIDTHS.len()],
                )
                .unwrap(),
            );
        } else {
            arith.push(
                b.input_arith(
                    owner,
                    format!("a{k}"),
                    ARITH_WIDTHS[w as usize % ARITH_WIDTHS.len()],
                )
                .unwrap(),
            );
        }
    }
    for &(code, x, y, z, c) in steps {
        let bits: Vec<WireId> = boolean
            .iter()
            .copied()
            .filter(|w| b.ty(*w) == WireType::BIT)
            .collect();
        let same_width = |b: &Builder, w: WireId| -> Vec<WireId> {
            boolean
                .iter()
                .copied()
                .filter(|v| b.ty(*v) == b.ty(w))
                .collect()
        };
        let (a0, a1) = (pick(&arith, x), pick(&arith, y));
        let b0 = pick(&boolean, x);
        let r = match code % 24 {
            0 => a0.zip(a1).map(|(p, q)| b.add(p, q)),
            1 => a0.zip(a1).map(|(p, q)| b.sub(p, q)),
            2 => a0.map(|p| b.neg(p)),
            3 => a0.zip(a1).map(|(p, q)| b.mul(p, q)),
            4 => a0.map(|p| b.mul_public(p, c % 1000)),
            5 => a0.map(|p| b.add_public(p, c)),
            6 | 7 | 21 => b0.and_then(|p| {
                pick(&same_width(&b, p), y).map(|q| match code % 24 {
                    6 => b.xor(p, q),
                    7 => b.and(p, q),
                    _ => b.or(p, q),
                })
            }),
            8 => b0.map(|p| b.not(p)),
            9 => a0.zip(a1).map(|(p, q)| b.lt(p, q)),
            10 => a0.zip(a1).map(|(p, q)| b.le(p, q)),
            11 => a0.zip(a1).map(|(p, q)| b.eq(p, q)),
            12..=14 => b0.and_then(|p| {
                pick(&same_width(&b, p), y).map(|q| match code % 24 {
                    12 => b.lt(p, q),
                    13 => b.le(p, q),
                    _ => b.eq(p, q),
                })
            }),
            15 => pick(&bits, z)
                .zip(a0.zip(a1))
                .map(|(s, (p, q))| b.mux(s, p, q)),
            16 => pick(&bits, z)
                .zip(b0)
                .and_then(|(s, p)| pick(&same_width(&b, p), y).map(|q| b.mux(s, p, q))),
            17 => a0.map(|p| b.a2b(p, BOOL_WIDTHS[z as usize % BOOL_WIDTHS.len()])),
            18 => b0.map(|p| b.b2a(p)),
            19 => pick(&bits, z).zip(a0).map(|(s, p)| b.bit_mul(s, p)),
            // Comparisons and MUX with public constants.
            20 => a0.map(|p| {
                let k = b.constant(c % (1 << 20));
                match z % 3 {
                    0 => b.lt(p, k),
                    1 => b.le(k, p),
                    _ => b.eq(p, k),
                }
            }),
            22 => b0.map(|p| {
                let w = b.ty(p).width();
                let k = b.constant_bool(c as u64 & mask(w), w).unwrap();
                match z % 4 {
                    0 => b.lt(p, k),
                    1 => b.le(p, k),
                    2 => b.lt(k, p),
                    _ => b.le(k, p),
                }
            }),
            _ => pick(&bits, z).map(|s| {
                if x % 2 == 0 {
                    let (k0, k1) = (b.constant(c % 5000), b.constant(-(c % 77)));
                    b.mux(s, k0, k1)
                } else {
                    let w = 8;
                    let (k0, k1) = (
                        b.constant_bool(c as u64 & 0xff, w).unwrap(),
                        b.constant_bool(0x5a, w).unwrap(),
                    );
                    b.mux(s, k0, k1)
                }
            }),
        };
        if let Some(Ok(w)) = r {
            if b.ty(w).is_arith() {
                arith.push(w);
            } else {
                boolean.push(w);
            }
        }
    }
    let all: Vec<WireId> = arith.iter().chain(&boolean).copied().collect();
    let mut named = 0;
    for (k, &(pick_at, set)) in outs.iter().enumerate() {
        let w = if k == 0 {
            *all.iter().max().expect("inputs exist")
        } else {
            all[pick_at as usize % all.len()]
        };
        let set = PartySet::from_bits(set % 7 + 1).expect("non-empty subset of three parties");
        if b.output(format!("o{k}"), w, set).is_ok() {
            named += 1;
        }
    }
    assert!(named > 0);
    b.finish().expect("valid circuit")
}

/// Random input columns with edge values mixed in.
fn columns(circuit: &Circuit, rows: usize, seed: u64) -> Columns {
    let mut rng = StdRng::seed_from_u64(seed);
    circuit
        .inputs()
        .map(|i| {
            let w = i.ty.width();
            let col = (0..rows)
                .map(|_| match i.ty {
                    WireType::Arith { .. } => {
                        let lo = if w == 64 {
                            i64::MIN
                        } else {
                            -(1i64 << (w - 1))
                        };
                        let hi = if w == 64 {
                            i64::MAX
                        } else {
                            (1i64 << (w - 1)) - 1
                        };
                        (match rng.gen_range(0..8) {
                            0 => 0,
                            1 => -1i64.max(lo),
                            2 => lo,
                            3 => hi,
                            4 => rng.gen_range(-3i64..=3).clamp(lo, hi),
                            _ => rng.gen_range(lo..=hi),
                        }) as u64
                    }
                    WireType::Bool { .. } => match rng.gen_range(0..5) {
                        0 => 0,
                        1 => mask(w),
                        2 => 1u64 << (w - 1),
                        _ => rng.gen::<u64>() & mask(w),
                    },
                })
                .collect();
            (i.name.to_string(), col)
        })
        .collect()
}

/// Input kinds (owner, boolean?, width choice), steps, outputs (wire choice, reveal set).
type Recipe = (Vec<(u8, bool, u8)>, Vec<Step>, Vec<(u16, u8)>);

fn recipe() -> impl Strategy<Value = Recipe> {
    (
        prop::collection::vec((0u8..3, any::<bool>(), any::<u8>()), 3..8),
        prop::collection::vec(
            (
                any::<u8>(),
                any::<u16>(),
                any::<u16>(),
                any::<u16>(),
                any::<i64>(),
            ),
            4..48,
        ),
        prop::collection::vec((any::<u16>(), any::<u8>()), 1..7),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn random_circuits_match_the_plaintext_evaluator(
        (kinds, steps, outs) in recipe(),
        rows in prop_oneof![3 => 1usize..140, 1 => prop::sample::select(vec![0usize, 1, 63, 64, 65, 128])],
        seed in any::<u64>(),
    ) {
        let circuit = build(&kinds, &steps, &outs);
        let inputs = columns(&circuit, rows, seed);
        let runs = run_secure(&circuit, &inputs, rows);
        assert_matches_clear(&circuit, &inputs, &runs);
        // Every party counts the same rounds.
        prop_assert!(runs.iter().all(|r| r.eval.rounds == runs[0].eval.rounds));
        let optimised = passes::optimize(&circuit).expect("optimiser");
        let runs = run_secure(&optimised, &inputs, rows);
        assert_matches_clear(&optimised, &inputs, &runs);
    }

    #[test]
    fn the_naive_all_secret_form_matches_too(
        (kinds, steps, outs) in recipe(),
        rows in 1usize..100,
        seed in any::<u64>(),
    ) {
        let circuit = passes::all_secret(&build(&kinds, &steps, &outs)).expect("pass");
        let inputs = columns(&circuit, rows, seed);
        let runs = run_secure(&circuit, &inputs, rows);
        assert_matches_clear(&circuit, &inputs, &runs);
    }
}

/// Rounds depend on the circuit, not on the number of rows: one circuit at 1 to 5,000 rows
/// takes exactly the rounds of its critical path every time.
#[test]
fn rounds_do_not_grow_with_rows() {
    let mut b = Builder::new("depth");
    let x = b.input_arith(PartyId::SVB, "x", 20).unwrap();
    let y = b.input_arith(PartyId::UWV, "y", 20).unwrap();
    let f = b.input_bool(PartyId::BELASTINGDIENST, "f", 1).unwrap();
    let s = b.add(x, y).unwrap();
    let c = b.lt(s, x).unwrap();
    let d = b.and(c, f).unwrap();
    let m = b.mux(d, x, y).unwrap();
    b.output("m", m, PartySet::only(PartyId::SVB)).unwrap();
    let circuit = b.finish().unwrap();
    let mut rounds = Vec::new();
    for rows in [1usize, 64, 1000, 5000] {
        let inputs = columns(&circuit, rows, rows as u64);
        let runs = run_secure(&circuit, &inputs, rows);
        assert_matches_clear(&circuit, &inputs, &runs);
        rounds.push(runs[0].eval.rounds);
    }
    assert!(
        rounds.iter().all(|r| *r == rounds[0]),
        "rounds per row count: {rounds:?}"
    );
    // share (1) + lt on 22 bits (2 + ⌈log2 20⌉ = 7) + and (1) + mux (2: the two-round OT)
    // + reveal (1).
    assert_eq!(rounds[0], 12);
}

/// Bad input columns are typed errors naming the input, found before anything is sent.
#[test]
fn bad_inputs_are_errors_naming_the_input() {
    let mut b = Builder::new("t");
    let names = ["svb.x", "uwv.y", "bd.z"];
    let mut ws = Vec::new();
    for (p, n) in PartyId::ALL.iter().zip(names) {
        ws.push(b.input_arith(*p, n, 8).unwrap());
    }
    let s = b.add(ws[0], ws[1]).unwrap();
    let s = b.add(s, ws[2]).unwrap();
    b.output("s", s, PartySet::ALL).unwrap();
    let circuit = b.finish().unwrap();
    let good: Columns = names
        .iter()
        .map(|n| (n.to_string(), vec![1u64, 2, 3]))
        .collect();
    type Case = (&'static str, Box<dyn Fn(&mut Columns) + Sync>);
    let cases: Vec<Case> = vec![
        (
            "rows",
            Box::new(|c: &mut Columns| c.values_mut().for_each(|v| v.push(0))),
        ),
        (
            "range",
            Box::new(|c: &mut Columns| c.values_mut().for_each(|v| v[1] = 128)),
        ),
        (
            "missing",
            Box::new(|c: &mut Columns| c.values_mut().for_each(|v| v.clear())),
        ),
    ];
    for (what, mutate) in &cases {
        let mut bad = good.clone();
        mutate(&mut bad);
        let runs = harness::run_three(|ctx| {
            let party = PartyId::ALL[ctx.party().index()];
            let mut mine = inputs_of(&circuit, &bad, party);
            if *what == "missing" {
                mine.clear();
            }
            evaluate(ctx, &circuit, &mine, 3)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .unwrap();
        for (run, name) in runs.iter().zip(names) {
            let err = run.output.clone().expect_err("bad input must be rejected");
            assert!(
                err.contains(name),
                "{what}: error `{err}` does not name `{name}`"
            );
        }
    }
    // A column for another party's input, and an unknown column.
    let runs = harness::run_three(|ctx| {
        let party = PartyId::ALL[ctx.party().index()];
        let mut mine = inputs_of(&circuit, &good, party);
        let other = names[(ctx.party().index() + 1) % 3];
        mine.insert(other.to_string(), vec![0; 3]);
        evaluate(ctx, &circuit, &mine, 3).map(|_| ())
    })
    .unwrap();
    for r in &runs {
        assert!(matches!(r.output, Err(EvaluatorError::NotOwner { .. })));
    }
}
