//! The cost model on single gates against the engine's documented figures, and the round
//! schedule on small circuits.

use samen_circuits::builder::Builder;
use samen_circuits::cost::{cost, schedule, CostReport, CostTable};
use samen_circuits::ir::{PartyId, PartySet, WireId};

/// Cost of `f` applied to two secret inputs of the given types (shared by SVB and UWV),
/// output revealed to SVB.
fn one(
    a_arith: bool,
    wa: u8,
    b_arith: bool,
    wb: u8,
    f: impl Fn(&mut Builder, WireId, WireId) -> WireId,
) -> CostReport {
    let mut b = Builder::new("one");
    let input = |b: &mut Builder, p, n: &str, arith: bool, w| {
        let x = if arith {
            b.input_arith(p, n, w)
        } else {
            b.input_bool(p, n, w)
        }
        .unwrap();
        b.share(x).unwrap()
    };
    let x = input(&mut b, PartyId::SVB, "x", a_arith, wa);
    let y = input(&mut b, PartyId::UWV, "y", b_arith, wb);
    let r = f(&mut b, x, y);
    b.output("r", r, PartySet::only(PartyId::SVB)).unwrap();
    cost(&b.finish().unwrap())
}

#[test]
fn arithmetic_comparison_is_msb_of_the_difference() {
    // 63-bit operands: the full 64-bit MSB, 241 ANDs and 8 rounds (engine figures).
    let r = one(true, 63, true, 63, |b, x, y| b.lt(x, y).unwrap());
    assert_eq!(r.and_gates, 241);
    assert_eq!(r.rounds, 1 + 8 + 1);
    // Inputs: each owner sends one word; the reveal to SVB is sent by party 2.
    assert_eq!(r.input_bits, [64, 64, 0]);
    assert_eq!(r.reveal_bits, [0, 0, 1]);
    assert_eq!(r.bits_sent, [64 + 241, 64 + 241, 241 + 1]);
    // Narrower operands are cheaper: 20 bits → MSB on 21 bits.
    let r = one(true, 20, true, 12, |b, x, y| b.le(x, y).unwrap());
    assert_eq!(r.and_gates, 20 + 19 + (2 * 18 - 5));
    assert_eq!(r.rounds, 1 + (2 + 5) + 1);
}

#[test]
fn arithmetic_equality() {
    let r = one(true, 20, true, 20, |b, x, y| b.eq(x, y).unwrap());
    // P0 inputs 21 bits, then an AND tree over 21 lanes.
    assert_eq!(r.and_gates, 20);
    assert_eq!(r.rounds, 1 + (1 + 5) + 1);
    assert_eq!(r.bits_sent[0], 64 + 21 + 20);
}

#[test]
fn boolean_comparisons() {
    let r = one(false, 32, false, 32, |b, x, y| b.lt(x, y).unwrap());
    assert_eq!(r.and_gates, 32 + 2 * 31 - 5);
    assert_eq!(r.rounds, 1 + 6 + 1);
    assert_eq!(r.input_bits, [32, 32, 0]);
    let r = one(false, 32, false, 32, |b, x, y| b.eq(x, y).unwrap());
    assert_eq!((r.and_gates, r.rounds), (31, 1 + 5 + 1));
    // Against a public constant: the generate bits are free.
    let r = one(false, 32, false, 32, |b, x, _| {
        let c = b.constant_bool(1_000_000, 32).unwrap();
        b.lt(x, c).unwrap()
    });
    assert!(r.and_gates < 2 * 32 && r.and_gates > 0, "{}", r.and_gates);
    assert!(r.rounds <= 1 + 5 + 1);
    // x < −2^31 (the smallest signed value) is never true: free.
    let r = one(false, 32, false, 32, |b, x, _| {
        let c = b.constant_bool(1 << 31, 32).unwrap();
        b.lt(x, c).unwrap()
    });
    assert_eq!(r.and_gates, 0);
}

#[test]
fn multiplications_and_selections() {
    let r = one(true, 30, true, 30, |b, x, y| b.mul(x, y).unwrap());
    assert_eq!((r.multiplications, r.and_gates, r.rounds), (1, 0, 3));
    assert_eq!(r.bits_sent, [64 + 64, 64 + 64, 64 + 64]);
    // By a public constant: local.
    let r = one(true, 30, true, 30, |b, x, _| b.mul_public(x, 12).unwrap());
    assert_eq!((r.multiplications, r.rounds), (0, 2));
    let r = one(false, 16, false, 16, |b, x, y| {
        let c = b.lt(x, y).unwrap();
        b.mux(c, x, y).unwrap()
    });
    assert_eq!(r.and_gates, (16 + 2 * 15 - 4) + 16);
    let r = one(true, 16, true, 16, |b, x, y| b.max(x, y).unwrap());
    assert_eq!(r.bit_injections, 1);
    assert_eq!(r.bits_sent[1], 64 + (16 + 15 + (2 * 14 - 4)) + 128);
}

#[test]
fn conversions() {
    let r = one(true, 40, true, 40, |b, x, _| b.a2b(x, 64).unwrap());
    assert_eq!(r.rounds, 1 + 8 + 1);
    let r = one(false, 8, false, 8, |b, x, _| b.b2a(x).unwrap());
    assert_eq!(r.bit_injections, 8);
    // `y` is not used: the engine never shares it, so the UWV sends only its OT messages.
    assert_eq!(r.bits_sent, [8 + 128 * 8, 64 * 8, 64 * 8 + 64]);
}

#[test]
fn rounds_follow_the_critical_path() {
    let mut b = Builder::new("path");
    let x = b.input_arith(PartyId::SVB, "x", 20).unwrap();
    let y = b.input_arith(PartyId::UWV, "y", 20).unwrap();
    let z = b.input_arith(PartyId::BELASTINGDIENST, "z", 20).unwrap();
    // Two independent comparisons (parallel), then an AND.
    let c1 = b.lt(x, y).unwrap();
    let c2 = b.lt(y, z).unwrap();
    let both = b.and(c1, c2).unwrap();
    b.output("both", both, PartySet::ALL).unwrap();
    let c = b.finish().unwrap();
    let table = CostTable::default();
    let s = schedule(&c, &table);
    let cmp: u32 = 2 + 5; // MSB on 21 bits
    assert_eq!(s.rounds, 1 + cmp + 1 + 1);
    // The layers: shares at 0, both comparisons start at 1, the AND at 1 + cmp.
    let layers = s.layers(&c, &table);
    assert_eq!(layers[0].len(), 3);
    assert_eq!(layers[1].len(), 2);
    assert_eq!(layers[1 + cmp as usize].len(), 1);
    // Revealed to all: every party sends one bit.
    assert_eq!(cost(&c).reveal_bits, [1, 1, 1]);
}
