//! Every gadget against the cost model: a small circuit per gadget (input, AND,
//! multiplication, bit × value, A2B, MSB, B2A, each comparison kind, `mux`, reveal), run
//! through the secure evaluator in the in-memory harness. The rounds and the bytes each
//! party's channels carried (the counters of `Context::exchange`) must equal the model of
//! `samen_circuits::cost` exactly, and the outputs the plaintext evaluator's. Row counts are
//! multiples of 64, so bits per row are exact.

mod evaluator_support;

use evaluator_support::{assert_matches_clear, run_secure};
use samen_circuits::builder::Builder;
use samen_circuits::cost::cost;
use samen_circuits::eval::Columns;
use samen_circuits::{Circuit, PartyId, PartySet, WireId, WireType};

const ROWS: usize = 192;

/// Deterministic, in-range inputs for every input of `c` (small and extreme values).
fn inputs(c: &Circuit, seed: u64) -> Columns {
    c.inputs()
        .enumerate()
        .map(|(k, i)| {
            let w = i.ty.width() as u32;
            let col = (0..ROWS as u64)
                .map(|r| {
                    let x = (r ^ seed ^ (k as u64) << 7).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    let x = match r % 5 {
                        0 => 0,
                        1 => 1,
                        2 => u64::MAX,
                        _ => x,
                    };
                    match i.ty {
                        // Signed `w`-bit values (two's complement, sign-extended).
                        WireType::Arith { .. } if w < 64 => {
                            ((x << (64 - w)) as i64 >> (64 - w)) as u64
                        }
                        WireType::Arith { .. } => x,
                        WireType::Bool { .. } => x & samen_circuits::ir::mask(w as u8),
                    }
                })
                .collect();
            (i.name.to_string(), col)
        })
        .collect()
}

/// Runs `circuit` securely; checks the outputs against the plaintext evaluator and the
/// rounds and bits sent per row per party against the cost model.
fn check(name: &str, circuit: &Circuit) {
    let all = inputs(circuit, name.len() as u64);
    let runs = run_secure(circuit, &all, ROWS);
    assert_matches_clear(circuit, &all, &runs);
    let model = cost(circuit);
    for (p, run) in runs.iter().enumerate() {
        let bits = run.eval.total_sent() * 8;
        assert_eq!(bits % ROWS as u64, 0, "{name}: whole bits per row");
        assert_eq!(
            (run.eval.rounds, bits / ROWS as u64),
            (model.rounds as u64, model.bits_sent[p]),
            "{name}: (rounds, bits per row) of party {p} against the model"
        );
    }
}

/// A circuit with secret inputs `x` (SVB) and `y` (UWV) of types `tx`, `ty` (a selector
/// bit `s` of the Belastingdienst too), one gate built by `f`, its result revealed to
/// `to`.
fn gadget(
    tx: WireType,
    ty: WireType,
    to: PartySet,
    f: impl Fn(&mut Builder, WireId, WireId, WireId) -> WireId,
) -> Circuit {
    let mut b = Builder::new("gadget");
    let input = |b: &mut Builder, p, n: &str, t: WireType| {
        let w = match t {
            WireType::Arith { width } => b.input_arith(p, n, width),
            WireType::Bool { width } => b.input_bool(p, n, width),
        }
        .unwrap();
        b.share(w).unwrap()
    };
    let x = input(&mut b, PartyId::SVB, "x", tx);
    let y = input(&mut b, PartyId::UWV, "y", ty);
    let s = input(
        &mut b,
        PartyId::BELASTINGDIENST,
        "s",
        WireType::Bool { width: 1 },
    );
    let r = f(&mut b, x, y, s);
    b.output("r", r, to).unwrap();
    b.finish().unwrap()
}

const SVB: PartySet = PartySet::only(PartyId::SVB);

fn arith(width: u8) -> WireType {
    WireType::Arith { width }
}

fn boolean(width: u8) -> WireType {
    WireType::Bool { width }
}

#[test]
fn inputs_and_reveals() {
    for t in [arith(64), arith(7), boolean(1), boolean(13), boolean(64)] {
        for to in [
            SVB,
            PartySet::only(PartyId::UWV),
            PartySet::ALL,
            SVB.with(PartyId::BELASTINGDIENST),
        ] {
            check(
                &format!("input {t} to {to:?}"),
                &gadget(t, t, to, |_, x, _, _| x),
            );
        }
    }
}

#[test]
fn and_and_multiplication() {
    check(
        "mul",
        &gadget(arith(64), arith(64), SVB, |b, x, y, _| b.mul(x, y).unwrap()),
    );
    for w in [1, 16, 64] {
        check(
            &format!("and {w}"),
            &gadget(boolean(w), boolean(w), SVB, |b, x, y, _| {
                b.and(x, y).unwrap()
            }),
        );
        check(
            &format!("and {w} by a constant"),
            &gadget(boolean(w), boolean(w), SVB, |b, x, _, _| {
                let c = b
                    .constant_bool(0b1011 & samen_circuits::ir::mask(w), w)
                    .unwrap();
                b.and(x, c).unwrap()
            }),
        );
    }
}

#[test]
fn bit_times_value_and_b2a() {
    check(
        "bitmul secret",
        &gadget(arith(64), arith(64), SVB, |b, x, _, s| {
            b.bit_mul(s, x).unwrap()
        }),
    );
    check(
        "bitmul public",
        &gadget(arith(64), arith(64), SVB, |b, _, _, s| {
            let c = b.constant(-12345);
            b.bit_mul(s, c).unwrap()
        }),
    );
    for w in [1, 5, 64] {
        check(
            &format!("b2a {w}"),
            &gadget(boolean(w), boolean(w), SVB, |b, x, _, _| b.b2a(x).unwrap()),
        );
    }
}

#[test]
fn a2b_and_msb() {
    for w in [1u8, 2, 3, 17, 64] {
        check(
            &format!("a2b {w}"),
            &gadget(arith(64), arith(64), SVB, |b, x, _, _| b.a2b(x, w).unwrap()),
        );
    }
    // MSB: an arithmetic `lt` on 21, 22 and 64 bits.
    for (wx, wy) in [(20, 20), (21, 3), (63, 63), (64, 64)] {
        check(
            &format!("msb via lt {wx}/{wy}"),
            &gadget(arith(wx), arith(wy), SVB, |b, x, y, _| b.lt(x, y).unwrap()),
        );
    }
}

#[test]
fn every_comparison_kind() {
    type Cmp = fn(&mut Builder, WireId, WireId) -> WireId;
    let kinds: [(&str, Cmp); 3] = [
        ("lt", |b, x, y| b.lt(x, y).unwrap()),
        ("le", |b, x, y| b.le(x, y).unwrap()),
        ("eq", |b, x, y| b.eq(x, y).unwrap()),
    ];
    for (name, f) in kinds {
        for w in [20u8, 63] {
            let t = arith(w);
            check(
                &format!("{name} arith {w} shared"),
                &gadget(t, t, SVB, |b, x, y, _| f(b, x, y)),
            );
            check(
                &format!("{name} arith {w} public"),
                &gadget(t, t, SVB, |b, x, _, _| {
                    let c = b.constant(-7);
                    f(b, x, c)
                }),
            );
            check(
                &format!("{name} public arith {w}"),
                &gadget(t, t, SVB, |b, _, y, _| {
                    let c = b.constant(100);
                    f(b, c, y)
                }),
            );
        }
        for w in [1u8, 8, 33, 64] {
            let t = boolean(w);
            check(
                &format!("{name} bool {w} shared"),
                &gadget(t, t, SVB, |b, x, y, _| f(b, x, y)),
            );
            for c in [0u64, 1, 0x5A, samen_circuits::ir::mask(w)] {
                let c = c & samen_circuits::ir::mask(w);
                check(
                    &format!("{name} bool {w} public {c}"),
                    &gadget(t, t, SVB, |b, x, _, _| {
                        let k = b.constant_bool(c, w).unwrap();
                        f(b, x, k)
                    }),
                );
                check(
                    &format!("{name} public {c} bool {w}"),
                    &gadget(t, t, SVB, |b, _, y, _| {
                        let k = b.constant_bool(c, w).unwrap();
                        f(b, k, y)
                    }),
                );
            }
        }
    }
}

#[test]
fn mux_with_secret_and_public_operands() {
    for t in [boolean(1), boolean(12), arith(64)] {
        let konst = |b: &mut Builder, v: u64| match t {
            WireType::Bool { width } => b
                .constant_bool(v & samen_circuits::ir::mask(width), width)
                .unwrap(),
            WireType::Arith { .. } => b.constant(v as i64),
        };
        check(
            &format!("mux {t} shared"),
            &gadget(t, t, SVB, |b, x, y, s| b.mux(s, x, y).unwrap()),
        );
        check(
            &format!("mux {t} shared/public"),
            &gadget(t, t, SVB, |b, x, _, s| {
                let c = konst(b, 9);
                b.mux(s, x, c).unwrap()
            }),
        );
        check(
            &format!("mux {t} public/public"),
            &gadget(t, t, SVB, |b, _, _, s| {
                let (c, d) = (konst(b, 9), konst(b, 3));
                b.mux(s, c, d).unwrap()
            }),
        );
    }
}
