//! Malformed Bristol Fashion files are rejected with a clear error naming the line, never a
//! panic; MAND, EQ and EQW gates are understood; export round-trips small circuits.

use proptest::prelude::*;
use samen_circuits::bristol::{self, parse, BristolError, BristolGate, ImportOptions};
use samen_circuits::builder::Builder;
use samen_circuits::eval::{evaluate, Columns};
use samen_circuits::ir::{PartyId, PartySet};

/// A 2-bit AND/XOR circuit: inputs a (wires 0, 1), b (wires 2, 3); out = [a0 ∧ b0, a1 ⊕ b1].
const GOOD: &str = "2 6\n2 2 2\n1 2\n\n2 1 0 2 4 AND\n2 1 1 3 5 XOR\n";

#[test]
fn good_file() {
    let b = parse(GOOD).unwrap();
    assert_eq!(b.gates.len(), 2);
    let out = b.evaluate(&[vec![true, true], vec![true, false]]).unwrap();
    assert_eq!(out, vec![vec![true, true]]);
}

fn err(text: &str) -> BristolError {
    parse(text).expect_err("must be rejected")
}

#[test]
fn bad_wire_numbers() {
    assert!(matches!(
        err("1 3\n2 1 1\n1 1\n2 1 0 7 2 AND\n"),
        BristolError::WireOutOfRange {
            line: 4,
            wire: 7,
            wires: 3
        }
    ));
    assert!(matches!(
        err("1 3\n2 1 1\n1 1\n2 1 0 x 2 AND\n"),
        BristolError::NotANumber { line: 4, .. }
    ));
    assert!(matches!(
        err("1 3\n2 1 1\n1 1\n2 1 0 -1 2 AND\n"),
        BristolError::NotANumber { line: 4, .. }
    ));
    // A gate writing an input wire, or a wire written twice.
    assert!(matches!(
        err("1 3\n2 1 1\n1 1\n2 1 0 1 1 AND\n"),
        BristolError::Reassigned { line: 4, wire: 1 }
    ));
    assert!(matches!(
        err("2 3\n2 1 1\n1 1\n2 1 0 1 2 AND\n2 1 0 1 2 XOR\n"),
        BristolError::Reassigned { line: 5, wire: 2 }
    ));
}

#[test]
fn cycles_and_order() {
    // Wires 2 and 3 feed each other.
    assert!(matches!(
        err("2 4\n1 2\n1 1\n2 1 0 3 2 AND\n2 1 1 2 3 XOR\n"),
        BristolError::Unassigned {
            line: 4,
            wire: 3,
            why: "cycle or gates out of order"
        }
    ));
    // A wire never assigned.
    assert!(matches!(
        err("1 4\n1 2\n1 1\n2 1 0 2 3 AND\n"),
        BristolError::Unassigned {
            line: 4,
            wire: 2,
            why: "never assigned"
        }
    ));
}

#[test]
fn wrong_counts() {
    // Header says 3 gates, file has 2.
    assert!(matches!(
        err("3 6\n2 2 2\n1 2\n2 1 0 2 4 AND\n2 1 1 3 5 XOR\n"),
        BristolError::Counts(_)
    ));
    // Input line announces 3 values but lists 2.
    assert!(matches!(
        err("2 6\n3 2 2\n1 2\n2 1 0 2 4 AND\n2 1 1 3 5 XOR\n"),
        BristolError::Counts(_)
    ));
    // More input bits than wires.
    assert!(matches!(err("0 3\n2 2 2\n1 1\n"), BristolError::Counts(_)));
    // A header announcing far more wires than the file has (no allocation by it).
    assert!(matches!(
        err("2 4000000000\n2 2 2\n1 2\n2 1 0 2 4 AND\n2 1 1 3 5 XOR\n"),
        BristolError::OutputUnassigned(3999999998)
    ));
    assert!(matches!(
        err("2 4000000000\n2 2 2\n1 4000000000\n2 1 0 2 4 AND\n2 1 1 3 5 XOR\n"),
        BristolError::Counts(_)
    ));
    // More input bits than the parser accepts.
    assert!(matches!(
        err("0 4000000000\n1 3999999999\n1 1\n"),
        BristolError::Counts(_)
    ));
    // Arity that does not fit the op.
    assert!(matches!(
        err("1 3\n2 1 1\n1 1\n3 1 0 1 1 2 AND\n"),
        BristolError::Arity { line: 4, .. }
    ));
    assert!(matches!(
        err("1 3\n2 1 1\n1 1\n2 1 0 1 2 NAND\n"),
        BristolError::UnknownGate { line: 4, .. }
    ));
    assert!(matches!(
        err("1 3\n2 1 1\n1 1\n2 1 0 1 2 9 AND\n"),
        BristolError::TrailingTokens { line: 4 }
    ));
    assert!(matches!(
        err("1 3\n2 1 1\n1 1\n1 1 2 2 EQ\n"),
        BristolError::BadConstant { line: 4, value: 2 }
    ));
    // An output wire no gate assigns.
    assert!(matches!(
        err("1 4\n2 1 1\n1 1\n2 1 0 1 2 AND\n"),
        BristolError::OutputUnassigned(3)
    ));
}

#[test]
fn truncated() {
    assert!(matches!(err(""), BristolError::Truncated { .. }));
    assert!(matches!(err("2 6\n"), BristolError::Truncated { .. }));
    assert!(matches!(
        err("2 6\n2 2 2\n"),
        BristolError::Truncated { .. }
    ));
    assert!(matches!(
        err("2 6\n2 2 2\n1 2\n2 1 0 2 4 AND\n2 1 1 3\n"),
        BristolError::Truncated { line: 5, .. }
    ));
    // Every prefix of a good file that cuts a line short is rejected.
    for n in 0..GOOD.len() - 1 {
        let _ = parse(&GOOD[..n]);
    }
    let aes = include_str!("data/aes_128.txt");
    assert!(parse(&aes[..aes.len() / 2]).is_err());
}

#[test]
fn messages_name_the_line() {
    let e = err("1 3\n2 1 1\n1 1\n2 1 0 7 2 AND\n");
    assert_eq!(
        e.to_string(),
        "line 4: wire 7 is out of range (the header declares 3 wires)"
    );
}

#[test]
fn mand_eq_eqw() {
    // x = a ∧ b, y = c ∧ d (one MAND); outputs [x ⊕ y, x ∧ y, 1 (EQ), a (EQW)].
    let text = "5 10\n4 1 1 1 1\n1 4\n4 2 0 2 1 3 4 5 MAND\n2 1 4 5 6 XOR\n2 1 4 5 7 AND\n1 1 1 8 EQ\n1 1 0 9 EQW\n";
    let b = parse(text).unwrap();
    assert_eq!(b.and_count(), 3);
    assert_eq!(
        b.gates[0],
        BristolGate::Mand {
            a: vec![0, 2],
            b: vec![1, 3],
            outs: vec![4, 5]
        }
    );
    // Without the XOR gate, output wire 6 is never assigned.
    let missing =
        "4 10\n4 1 1 1 1\n1 4\n4 2 0 2 1 3 4 5 MAND\n2 1 4 5 7 AND\n1 1 1 8 EQ\n1 1 0 9 EQW\n";
    assert!(matches!(err(missing), BristolError::OutputUnassigned(6)));
    for (a, bb, c, d) in [
        (true, true, true, false),
        (true, true, true, true),
        (false, true, true, true),
    ] {
        let out = b.evaluate(&[vec![a], vec![bb], vec![c], vec![d]]).unwrap();
        let (x, y) = (a & bb, c & d);
        assert_eq!(out[0], vec![x ^ y, x & y, true, a]);
    }
    // The IR import agrees.
    let c = bristol::import(text, "t", &ImportOptions::default()).unwrap();
    let cols: Columns = [("in0[0]", 1), ("in1[0]", 1), ("in2[0]", 1), ("in3[0]", 0)]
        .iter()
        .map(|(n, v)| (n.to_string(), vec![*v]))
        .collect();
    let e = evaluate(&c, &cols).unwrap();
    let got: Vec<u64> = (0..4)
        .map(|j| e.output(&format!("out0[{j}]")).unwrap()[0])
        .collect();
    assert_eq!(got, vec![1, 0, 1, 1]);
}

#[test]
fn export_of_a_wide_boolean_circuit() {
    let mut b = Builder::new("w");
    let x = b.input_bool(PartyId::SVB, "x", 8).unwrap();
    let y = b.input_bool(PartyId::UWV, "y", 8).unwrap();
    let s = b.input_bool(PartyId::UWV, "s", 1).unwrap();
    let k = b.constant_bool(0xa5, 8).unwrap();
    let t = b.xor(x, k).unwrap();
    let u = b.and(t, y).unwrap();
    let n = b.not(u).unwrap();
    let m = b.mux(s, n, x).unwrap();
    b.output("m", m, PartySet::ALL).unwrap();
    let c = b.finish().unwrap();
    let bc = bristol::from_circuit(&c).unwrap();
    assert_eq!(bc.inputs, vec![8, 8, 1]);
    assert_eq!(bc.outputs, vec![8]);
    let reparsed = parse(&bc.to_text()).unwrap();
    for (xv, yv, sv) in [(0x3cu64, 0xf0u64, 1u64), (0x3c, 0xf0, 0), (0xff, 0x0f, 1)] {
        let bits = |v: u64, w: usize| (0..w).map(|j| v >> j & 1 == 1).collect::<Vec<_>>();
        let out = reparsed
            .evaluate(&[bits(xv, 8), bits(yv, 8), bits(sv, 1)])
            .unwrap();
        let got = out[0]
            .iter()
            .enumerate()
            .fold(0u64, |acc, (j, &b)| acc | (u64::from(b) << j));
        let want = if sv == 1 {
            !((xv ^ 0xa5) & yv) & 0xff
        } else {
            xv
        };
        assert_eq!(got, want);
    }
}

#[test]
fn export_rejects_arithmetic() {
    let mut b = Builder::new("a");
    let x = b.input_arith(PartyId::SVB, "x", 8).unwrap();
    b.output("x", x, PartySet::ALL).unwrap();
    assert!(matches!(
        bristol::export(&b.finish().unwrap()),
        Err(BristolError::Unsupported { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random edits of a good file never panic the parser.
    #[test]
    fn random_edits_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..4)) {
        let mut chars: Vec<char> = GOOD.chars().collect();
        for (i, c) in edits {
            let at = i.index(chars.len());
            chars[at] = c;
        }
        let text: String = chars.into_iter().collect();
        if let Ok(b) = parse(&text) {
            let _ = bristol::to_circuit(&b, "t", &ImportOptions::default());
        }
    }
}
