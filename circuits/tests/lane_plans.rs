//! The lane plans of `samen_circuits::lanes`, run in the clear: every plan computes its
//! function (comparisons signed and unsigned, shared and against constants, equality,
//! `select`, the full adder of A2B and MSB) on every input of small widths, and the
//! documented AND and round counts.

use samen_circuits::lanes::{
    a2b, compare_bool, equal_lanes, ge_unsigned, msb, select, Cmp, LaneRef, Local, Operand, Plan,
};
#[test]
fn documented_figures() {
    let p = msb(64);
    assert_eq!((p.and_gates(), p.rounds()), (241, 8));
    assert_eq!(a2b(64).rounds(), 8);
    let p = compare_bool(Cmp::Le, 32, Operand::Secret, Operand::Secret).unwrap();
    assert_eq!((p.and_gates(), p.rounds()), (32 + 2 * 31 - 5, 6));
    let p = equal_lanes(64);
    assert_eq!((p.and_gates(), p.rounds()), (63, 6));
    assert_eq!(msb(1).rounds(), 0);
    assert_eq!((msb(2).and_gates(), msb(2).rounds()), (1, 1));
    assert_eq!(select(5, Operand::Public(7)).rounds(), 0);
    let p = ge_unsigned(8, Operand::Public(0));
    assert_eq!((p.and_gates(), p.rounds()), (0, 0));
}

#[test]
fn ids_are_defined_in_execution_order() {
    // Every id a step uses is defined before it.
    for p in [a2b(64), msb(21), equal_lanes(7)] {
        let mut defined = p.inputs;
        let check = |id: u32, defined: u32| assert!(id < defined);
        for l in &p.pre {
            match *l {
                Local::Xor(a, b) => {
                    check(a, defined);
                    check(b, defined)
                }
                Local::Not(a) => check(a, defined),
            }
            defined += 1;
        }
        for layer in &p.layers {
            for &(a, b) in &layer.ands {
                check(a, defined);
                check(b, defined);
            }
            defined += layer.ands.len() as u32;
            for l in &layer.locals {
                match *l {
                    Local::Xor(a, b) => {
                        check(a, defined);
                        check(b, defined)
                    }
                    Local::Not(a) => check(a, defined),
                }
                defined += 1;
            }
        }
        assert_eq!(defined as usize, p.lanes());
    }
}

/// Runs `plan` in the clear on one bit per input lane.
fn run(plan: &Plan, inputs: &[bool]) -> Vec<bool> {
    let mut v: Vec<bool> = inputs.to_vec();
    let local = |v: &mut Vec<bool>, l: &Local| {
        let b = match *l {
            Local::Xor(a, b) => v[a as usize] ^ v[b as usize],
            Local::Not(a) => !v[a as usize],
        };
        v.push(b);
    };
    plan.pre.iter().for_each(|l| local(&mut v, l));
    for layer in &plan.layers {
        let ands: Vec<bool> = layer
            .ands
            .iter()
            .map(|&(a, b)| v[a as usize] & v[b as usize])
            .collect();
        v.extend(ands);
        layer.locals.iter().for_each(|l| local(&mut v, l));
    }
    plan.outputs
        .iter()
        .map(|o| match *o {
            LaneRef::Zero => false,
            LaneRef::One => true,
            LaneRef::Id(i) => v[i as usize],
        })
        .collect()
}

fn bits(x: u64, w: u32) -> Vec<bool> {
    (0..w).map(|j| x >> j & 1 == 1).collect()
}

fn signed(x: u64, w: u32) -> i64 {
    ((x << (64 - w)) as i64) >> (64 - w)
}

#[test]
fn plans_compute_their_functions_in_the_clear() {
    for w in 1..=5u32 {
        let m = samen_circuits::ir::mask(w as u8);
        for x in 0..=m {
            for y in 0..=m {
                let (sx, sy) = (signed(x, w), signed(y, w));
                for (cmp, want) in [(Cmp::Lt, sx < sy), (Cmp::Le, sx <= sy), (Cmp::Eq, x == y)] {
                    let both = compare_bool(cmp, w, Operand::Secret, Operand::Secret).unwrap();
                    let xy = [bits(x, w), bits(y, w)].concat();
                    assert_eq!(run(&both, &xy), vec![want], "{cmp:?} {w} {x} {y}");
                    let right = compare_bool(cmp, w, Operand::Secret, Operand::Public(y)).unwrap();
                    assert_eq!(run(&right, &bits(x, w)), vec![want]);
                    let left = compare_bool(cmp, w, Operand::Public(x), Operand::Secret).unwrap();
                    assert_eq!(run(&left, &bits(y, w)), vec![want]);
                }
                let ge = ge_unsigned(w, Operand::Secret);
                assert_eq!(run(&ge, &[bits(x, w), bits(y, w)].concat()), vec![x >= y]);
                assert_eq!(
                    run(&ge_unsigned(w, Operand::Public(y)), &bits(x, w)),
                    vec![x >= y]
                );
                let eq = equal_lanes(w);
                assert_eq!(run(&eq, &[bits(x, w), bits(y, w)].concat()), vec![x == y]);
                // select: s ∧ d for s = 1.
                let sel = select(w, Operand::Secret);
                let mut inp = vec![true];
                inp.extend(bits(x, w));
                assert_eq!(run(&sel, &inp), bits(x, w));
                assert_eq!(
                    run(&select(w, Operand::Public(x)), &[false]),
                    vec![false; w as usize]
                );
            }
        }
        // Constants outside the width.
        let k = m + 1;
        if w < 64 {
            for x in 0..=m {
                assert_eq!(
                    run(&ge_unsigned(w, Operand::Public(k)), &bits(x, w)),
                    vec![false]
                );
            }
        }
    }
}

#[test]
fn full_adder_plans_add_three_components() {
    let mut seed = 0x1234_5678_9ABC_DEF0u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for bits_ in [1u32, 2, 3, 4, 7, 21, 64] {
        for _ in 0..50 {
            let (x0, x1, x2) = (next(), next(), next());
            let sum = x0.wrapping_add(x1).wrapping_add(x2);
            let inputs = [bits(x0, bits_), bits(x1, bits_), bits(x2, bits_)].concat();
            assert_eq!(run(&a2b(bits_), &inputs), bits(sum, bits_), "a2b {bits_}");
            assert_eq!(
                run(&msb(bits_), &inputs),
                vec![sum >> (bits_ - 1) & 1 == 1],
                "msb {bits_}"
            );
        }
    }
}
