//! The plaintext evaluator's semantics against exact integer arithmetic, on random and
//! edge values within the declared widths, and its input checks.

use proptest::prelude::*;
use samen_circuits::builder::Builder;
use samen_circuits::eval::{evaluate, Columns, EvalError};
use samen_circuits::ir::{mask, sign_extend, Circuit, PartyId, PartySet, WireType};

/// A value within `width` signed bits from a raw word (edge values come from proptest's
/// bias towards 0 and extremes, plus the explicit cases below).
fn in_width(raw: u64, width: u8) -> i64 {
    sign_extend(raw & mask(width), width) as i64
}

struct Ops {
    c: Circuit,
}

/// All binary ops on two arith inputs `a: Arith{wa}` (SVB) and `b: Arith{wb}` (UWV), and
/// the boolean forms at `w = max(wa, wb)`.
fn circuit(wa: u8, wb: u8) -> Ops {
    let mut bld = Builder::new("ops");
    let a = bld.input_arith(PartyId::SVB, "a", wa).unwrap();
    let b = bld.input_arith(PartyId::UWV, "b", wb).unwrap();
    let w = wa.max(wb);
    let (ab, bb) = (bld.a2b(a, w).unwrap(), bld.a2b(b, w).unwrap());
    let all = PartySet::ALL;
    let outs = [
        ("add", bld.add(a, b).unwrap()),
        ("sub", bld.sub(a, b).unwrap()),
        ("mul", bld.mul(a, b).unwrap()),
        ("neg", bld.neg(a).unwrap()),
        ("lt", bld.lt(a, b).unwrap()),
        ("le", bld.le(a, b).unwrap()),
        ("eq", bld.eq(a, b).unwrap()),
        ("min", bld.min(a, b).unwrap()),
        ("max", bld.max(a, b).unwrap()),
        ("blt", bld.lt(ab, bb).unwrap()),
        ("ble", bld.le(ab, bb).unwrap()),
        ("beq", bld.eq(ab, bb).unwrap()),
        ("bxor", bld.xor(ab, bb).unwrap()),
        ("band", bld.and(ab, bb).unwrap()),
        ("bor", bld.or(ab, bb).unwrap()),
        ("bnot", bld.not(ab).unwrap()),
        ("b2a", bld.b2a(ab).unwrap()),
    ];
    for (n, wire) in outs {
        bld.output(n, wire, all).unwrap();
    }
    let c = bld.lt(a, b).unwrap();
    let sel = bld.mux(c, ab, bb).unwrap();
    bld.output("bmux", sel, all).unwrap();
    let bm = bld.bit_mul(c, b).unwrap();
    bld.output("bitmul", bm, all).unwrap();
    Ops {
        c: bld.finish().unwrap(),
    }
}

fn run(ops: &Ops, a: &[i64], b: &[i64]) -> samen_circuits::eval::Evaluation {
    let cols: Columns = [
        ("a".to_string(), a.iter().map(|&v| v as u64).collect()),
        ("b".to_string(), b.iter().map(|&v| v as u64).collect()),
    ]
    .into();
    evaluate(&ops.c, &cols).unwrap()
}

fn check(wa: u8, wb: u8, a: &[i64], b: &[i64]) {
    let ops = circuit(wa, wb);
    let e = run(&ops, a, b);
    let w = wa.max(wb);
    let m = mask(w);
    for r in 0..a.len() {
        let (x, y) = (a[r], b[r]);
        let (xi, yi) = (x as i128, y as i128);
        let o = |n: &str| e.output(n).unwrap()[r];
        assert_eq!(o("add") as i64 as i128, xi + yi);
        assert_eq!(o("sub") as i64 as i128, xi - yi);
        assert_eq!(o("mul"), (x as u64).wrapping_mul(y as u64));
        if wa as u32 + wb as u32 <= 64 {
            assert_eq!(o("mul") as i64 as i128, xi * yi);
        }
        assert_eq!(o("neg") as i64 as i128, -xi);
        assert_eq!(o("lt"), (x < y) as u64, "{x} < {y} at widths {wa}, {wb}");
        assert_eq!(o("le"), (x <= y) as u64);
        assert_eq!(o("eq"), (x == y) as u64);
        assert_eq!(o("min") as i64, x.min(y));
        assert_eq!(o("max") as i64, x.max(y));
        assert_eq!(o("blt"), (x < y) as u64, "bool {x} < {y} at width {w}");
        assert_eq!(o("ble"), (x <= y) as u64);
        assert_eq!(o("beq"), (x == y) as u64);
        let (xb, yb) = (x as u64 & m, y as u64 & m);
        assert_eq!(o("bxor"), xb ^ yb);
        assert_eq!(o("band"), xb & yb);
        assert_eq!(o("bor"), xb | yb);
        assert_eq!(o("bnot"), !xb & m);
        assert_eq!(o("b2a"), xb);
        assert_eq!(o("bmux"), if x < y { xb } else { yb });
        assert_eq!(o("bitmul") as i64, if x < y { y } else { 0 });
    }
}

#[test]
fn edges() {
    for (wa, wb) in [(1, 1), (2, 2), (8, 8), (8, 20), (33, 17), (63, 63), (63, 1)] {
        let ext = |w: u8| {
            let lo = -(1i128 << (w - 1)) as i64;
            let hi = ((1i128 << (w - 1)) - 1) as i64;
            vec![lo, hi, 0, -1, lo + 1, hi.saturating_sub(1).max(lo)]
        };
        let (xa, xb) = (ext(wa), ext(wb));
        let mut a = Vec::new();
        let mut b = Vec::new();
        for x in &xa {
            for y in &xb {
                a.push(*x);
                b.push(*y);
            }
        }
        check(wa, wb, &a, &b);
    }
}

/// At width 64 values may have wrapped; comparisons are then the MSB of the difference (as
/// in the secure protocol), which is not the integer comparison. Documented behaviour.
#[test]
fn width_64_comparison_is_msb_of_difference() {
    let ops = circuit(64, 64);
    let e = run(&ops, &[i64::MAX, i64::MIN], &[-1, 1]);
    // i64::MAX − (−1) wraps to i64::MIN: MSB 1, so "lt" says true although MAX > −1.
    assert_eq!(e.output("lt").unwrap(), &[1, 0]);
    // The boolean comparison at 64 bits is exact on the bit patterns.
    assert_eq!(e.output("blt").unwrap(), &[0, 1]);
}

#[test]
fn input_errors() {
    let ops = circuit(8, 8);
    let cols: Columns = [("a".to_string(), vec![1, 2]), ("b".to_string(), vec![1])].into();
    assert!(matches!(
        evaluate(&ops.c, &cols),
        Err(EvalError::RowCount {
            expected: 2,
            found: 1,
            ..
        })
    ));
    let cols: Columns = [("a".to_string(), vec![200]), ("b".to_string(), vec![1])].into();
    let e = evaluate(&ops.c, &cols).unwrap_err();
    assert!(matches!(
        e,
        EvalError::OutOfRange {
            row: 0,
            ty: WireType::Arith { width: 8 },
            ..
        }
    ));
    // The message names the input and row, never the value.
    assert!(!e.to_string().contains("200"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_values(wa in 1u8..=63, wb in 1u8..=63, raw in prop::collection::vec((any::<u64>(), any::<u64>()), 1..16)) {
        let a: Vec<i64> = raw.iter().map(|r| in_width(r.0, wa)).collect();
        let b: Vec<i64> = raw.iter().map(|r| in_width(r.1, wb)).collect();
        check(wa, wb, &a, &b);
    }
}
