//! Canonical encoding: round trips, hash stability, canonicality of accepted bytes, and
//! typed errors (never a panic) on truncated, corrupted or ill-typed bytes.

use proptest::prelude::*;
use samen_circuits::builder::Builder;
use samen_circuits::ir::{
    Circuit, CircuitError, DecodeError, Op, PartyId, PartySet, TypeError, WireId, WireType,
};
use samen_circuits::passes;
use samen_circuits::testing::{random_circuit, RandomCircuitConfig};
use std::collections::BTreeMap;

fn small() -> Circuit {
    let mut b = Builder::new("small");
    b.annotate("rules", "aio-2025-07");
    let x = b.input_arith(PartyId::UWV, "x", 20).unwrap();
    let y = b.input_arith(PartyId::BELASTINGDIENST, "y", 20).unwrap();
    let s = b.add(x, y).unwrap();
    let c = b.lt(s, x).unwrap();
    b.output("c", c, PartySet::only(PartyId::SVB)).unwrap();
    b.finish().unwrap()
}

/// The encoding of a circuit made directly from ops (no builder), for crafting bad input.
fn encode_ops(ops: Vec<Op>, outputs: Vec<(u32, u8, &str)>) -> Vec<u8> {
    // Build the header and gates by hand: magic, version, name, annotations, gates, outputs.
    let mut out = b"SAMENCIR".to_vec();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // empty name
    out.extend_from_slice(&0u32.to_le_bytes()); // no annotations
    out.extend_from_slice(&(ops.len() as u32).to_le_bytes());
    for op in ops {
        let (tag, body): (u8, Vec<u8>) = match op {
            Op::Input { owner, name, ty } => {
                let mut v = vec![owner.index() as u8];
                v.extend(ty_bytes(ty));
                v.extend((name.len() as u32).to_le_bytes());
                v.extend(name.as_bytes());
                (0, v)
            }
            Op::Const { value, ty } => {
                let mut v = ty_bytes(ty);
                v.extend(value.to_le_bytes());
                (1, v)
            }
            Op::Add([a, b]) => (3, [a.0.to_le_bytes(), b.0.to_le_bytes()].concat()),
            Op::Share { x, ty } => {
                let mut v = x.0.to_le_bytes().to_vec();
                v.extend(ty_bytes(ty));
                (2, v)
            }
            other => panic!("not needed here: {other:?}"),
        };
        out.push(tag);
        out.extend(body);
    }
    out.extend_from_slice(&(outputs.len() as u32).to_le_bytes());
    for (w, mask, name) in outputs {
        out.extend(w.to_le_bytes());
        out.push(mask);
        out.extend((name.len() as u32).to_le_bytes());
        out.extend(name.as_bytes());
    }
    out
}

fn ty_bytes(ty: WireType) -> Vec<u8> {
    match ty {
        WireType::Arith { width } => vec![0, width],
        WireType::Bool { width } => vec![1, width],
    }
}

fn input(owner: PartyId, name: &str, ty: WireType) -> Op {
    Op::Input {
        owner,
        name: name.into(),
        ty,
    }
}

#[test]
fn hand_encoding_matches_the_library() {
    let ops = vec![
        input(PartyId::UWV, "x", WireType::arith(20)),
        Op::Share {
            x: WireId(0),
            ty: WireType::arith(20),
        },
    ];
    let bytes = encode_ops(ops.clone(), vec![(1, 1, "x")]);
    let c = Circuit::decode(&bytes).unwrap();
    let out = vec![samen_circuits::ir::Output {
        name: "x".into(),
        wire: WireId(1),
        reveal_to: PartySet::only(PartyId::SVB),
    }];
    assert_eq!(
        c,
        Circuit::from_parts("", BTreeMap::new(), ops, out).unwrap()
    );
    assert_eq!(c.encode(), bytes);
}

#[test]
fn hash_depends_on_everything() {
    let c = small();
    let h = c.hash();
    assert_eq!(h, Circuit::decode(&c.encode()).unwrap().hash());
    assert_eq!(h.to_string().len(), 64);
    // Name, annotation, reveal set and a width each change the hash.
    let variants = [
        ("other", "aio-2025-07", PartySet::only(PartyId::SVB), 20),
        ("small", "aio-2026-01", PartySet::only(PartyId::SVB), 20),
        ("small", "aio-2025-07", PartySet::ALL, 20),
        ("small", "aio-2025-07", PartySet::only(PartyId::SVB), 21),
    ];
    for (name, rules, reveal, width) in variants {
        let mut b = Builder::new(name);
        b.annotate("rules", rules);
        let x = b.input_arith(PartyId::UWV, "x", width).unwrap();
        let y = b.input_arith(PartyId::BELASTINGDIENST, "y", 20).unwrap();
        let s = b.add(x, y).unwrap();
        let c = b.lt(s, x).unwrap();
        b.output("c", c, reveal).unwrap();
        assert_ne!(b.finish().unwrap().hash(), h);
    }
}

#[test]
fn typed_errors() {
    let ok = small().encode();
    // Bad magic, version, trailing bytes.
    let mut bad = ok.clone();
    bad[0] = b'X';
    assert_eq!(Circuit::decode(&bad), Err(DecodeError::BadMagic));
    assert_eq!(Circuit::decode(b"SAM"), Err(DecodeError::BadMagic));
    let mut bad = ok.clone();
    bad[8] = 2;
    assert_eq!(
        Circuit::decode(&bad),
        Err(DecodeError::UnsupportedVersion(2))
    );
    let mut bad = ok.clone();
    bad.push(0);
    assert_eq!(Circuit::decode(&bad), Err(DecodeError::TrailingBytes(1)));

    // Forward reference (also how a cycle shows).
    let ops = vec![
        input(PartyId::SVB, "x", WireType::arith(8)),
        Op::Add([WireId(0), WireId(2)]),
    ];
    assert_eq!(
        Circuit::decode(&encode_ops(ops, vec![])),
        Err(DecodeError::Invalid(CircuitError::ForwardReference {
            gate: 1,
            operand: 2
        }))
    );
    let ops = vec![
        input(PartyId::SVB, "x", WireType::arith(8)),
        Op::Add([WireId(1), WireId(1)]),
    ];
    assert!(matches!(
        Circuit::decode(&encode_ops(ops, vec![])),
        Err(DecodeError::Invalid(CircuitError::ForwardReference {
            gate: 1,
            operand: 1
        }))
    ));

    // Width out of range.
    for w in [0u8, 65, 255] {
        let ops = vec![input(PartyId::SVB, "x", WireType::boolean(w))];
        assert_eq!(
            Circuit::decode(&encode_ops(ops, vec![])),
            Err(DecodeError::Invalid(CircuitError::Type {
                gate: 0,
                error: TypeError::WidthOutOfRange(w)
            }))
        );
    }

    // Wrong operand types: adding a boolean.
    let ops = vec![
        input(PartyId::SVB, "x", WireType::arith(8)),
        input(PartyId::SVB, "f", WireType::BIT),
        Op::Add([WireId(0), WireId(1)]),
    ];
    assert!(matches!(
        Circuit::decode(&encode_ops(ops, vec![])),
        Err(DecodeError::Invalid(CircuitError::Type {
            gate: 2,
            error: TypeError::Operand {
                op: "add",
                index: 1,
                ..
            }
        }))
    ));

    // Mixing two owners without a share.
    let ops = vec![
        input(PartyId::SVB, "x", WireType::arith(8)),
        input(PartyId::UWV, "y", WireType::arith(8)),
        Op::Add([WireId(0), WireId(1)]),
    ];
    assert!(matches!(
        Circuit::decode(&encode_ops(ops, vec![])),
        Err(DecodeError::Invalid(CircuitError::Type {
            gate: 2,
            error: TypeError::Placement { .. }
        }))
    ));

    // A constant that does not fit its declared type.
    let ops = vec![Op::Const {
        value: 300,
        ty: WireType::arith(8),
    }];
    assert!(matches!(
        Circuit::decode(&encode_ops(ops, vec![])),
        Err(DecodeError::Invalid(CircuitError::Type {
            error: TypeError::ConstantOutOfRange(_),
            ..
        }))
    ));

    // An output on a local wire, an empty reveal set, a reveal mask naming party 3.
    let ops = vec![input(PartyId::SVB, "x", WireType::arith(8))];
    assert!(matches!(
        Circuit::decode(&encode_ops(ops.clone(), vec![(0, 1, "x")])),
        Err(DecodeError::Invalid(CircuitError::OutputNotShared { .. }))
    ));
    let shared = vec![
        ops[0].clone(),
        Op::Share {
            x: WireId(0),
            ty: WireType::arith(8),
        },
    ];
    assert!(matches!(
        Circuit::decode(&encode_ops(shared.clone(), vec![(1, 0, "x")])),
        Err(DecodeError::Invalid(CircuitError::EmptyRevealSet(_)))
    ));
    assert!(matches!(
        Circuit::decode(&encode_ops(shared.clone(), vec![(1, 8, "x")])),
        Err(DecodeError::BadRevealSet { output: 0, mask: 8 })
    ));
    assert!(matches!(
        Circuit::decode(&encode_ops(shared, vec![(7, 1, "x")])),
        Err(DecodeError::Invalid(CircuitError::OutputOutOfRange {
            wire: 7,
            ..
        }))
    ));

    // Duplicate input names.
    let ops = vec![
        input(PartyId::SVB, "x", WireType::arith(8)),
        input(PartyId::UWV, "x", WireType::arith(8)),
    ];
    assert!(matches!(
        Circuit::decode(&encode_ops(ops, vec![])),
        Err(DecodeError::Invalid(CircuitError::DuplicateInput(_)))
    ));

    // Unknown tag, unknown type kind, bad party.
    let mut bytes = encode_ops(vec![input(PartyId::SVB, "x", WireType::arith(8))], vec![]);
    let gate_at = 8 + 2 + 4 + 4 + 4;
    bytes[gate_at] = 99;
    assert_eq!(
        Circuit::decode(&bytes),
        Err(DecodeError::BadTag { gate: 0, tag: 99 })
    );
    bytes[gate_at] = 0;
    bytes[gate_at + 1] = 3;
    assert_eq!(
        Circuit::decode(&bytes),
        Err(DecodeError::BadParty { gate: 0, party: 3 })
    );
    bytes[gate_at + 1] = 0;
    bytes[gate_at + 2] = 7;
    assert_eq!(
        Circuit::decode(&bytes),
        Err(DecodeError::BadTypeKind { gate: 0, kind: 7 })
    );
}

/// Huge counts and lengths in a short input are truncation errors, not allocations.
#[test]
fn huge_counts_do_not_allocate() {
    let mut bytes = b"SAMENCIR".to_vec();
    bytes.extend_from_slice(&1u16.to_le_bytes());
    let mut name_too_long = bytes.clone();
    name_too_long.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        Circuit::decode(&name_too_long),
        Err(DecodeError::Truncated {
            what: "circuit name",
            ..
        })
    ));
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes()); // 4 billion gates announced
    assert!(matches!(
        Circuit::decode(&bytes),
        Err(DecodeError::Truncated {
            what: "gate tag",
            ..
        })
    ));
}

#[test]
fn invalid_utf8_and_unsorted_annotations() {
    let mut b = Builder::new("n");
    b.annotate("a", "1");
    b.annotate("b", "2");
    let x = b.input_arith(PartyId::SVB, "x", 3).unwrap();
    b.output("x", x, PartySet::ALL).unwrap();
    let bytes = b.finish().unwrap().encode();
    // Swap the two annotation keys "a" and "b" (each: len 1, byte).
    let pos_a = 8 + 2 + 4 + 1 + 4 + 4;
    let mut swapped = bytes.clone();
    assert_eq!(swapped[pos_a], b'a');
    let pos_b = pos_a + 1 + 4 + 1 + 4;
    assert_eq!(swapped[pos_b], b'b');
    swapped[pos_a] = b'b';
    swapped[pos_b] = b'a';
    assert!(matches!(
        Circuit::decode(&swapped),
        Err(DecodeError::AnnotationOrder(_))
    ));
    let mut bad = bytes;
    bad[pos_a] = 0xff;
    assert!(matches!(
        Circuit::decode(&bad),
        Err(DecodeError::InvalidUtf8 {
            what: "annotation key",
            ..
        })
    ));
}

#[test]
fn text_form_lists_every_gate() {
    let c = passes::optimize(&small()).unwrap();
    let text = c.to_string();
    assert!(text.starts_with("circuit \"small\""));
    assert!(text.contains("@rules = \"aio-2025-07\""));
    for i in 0..c.len() {
        assert!(text.contains(&format!("  w{i} = ")), "{text}");
    }
    assert!(text.contains("output \"c\" = "));
    assert!(text.contains("@local(uwv)") && text.contains("@secret"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Encode → decode is the identity, re-encoding gives the same bytes and hash; the
    /// optimised circuit round-trips too.
    #[test]
    fn round_trip(seed in any::<u64>(), steps in 0usize..40) {
        let c = random_circuit(seed, &RandomCircuitConfig { steps, ..RandomCircuitConfig::default() });
        for c in [c.clone(), passes::optimize(&c).unwrap()] {
            let bytes = c.encode();
            let back = Circuit::decode(&bytes).unwrap();
            prop_assert_eq!(&back, &c);
            prop_assert_eq!(back.encode(), bytes);
            prop_assert_eq!(back.hash(), c.hash());
        }
    }

    /// Every strict prefix is rejected (never a panic).
    #[test]
    fn truncation_is_rejected(seed in any::<u64>()) {
        let bytes = random_circuit(seed, &RandomCircuitConfig { steps: 10, ..RandomCircuitConfig::default() }).encode();
        for n in 0..bytes.len() {
            prop_assert!(Circuit::decode(&bytes[..n]).is_err());
        }
    }

    /// Corrupted bytes are rejected or decode to a circuit that re-encodes to exactly those
    /// bytes (the encoding is canonical); never a panic.
    #[test]
    fn corruption_is_rejected_or_canonical(seed in any::<u64>(), edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut bytes = random_circuit(seed, &RandomCircuitConfig { steps: 12, ..RandomCircuitConfig::default() }).encode();
        for (i, v) in edits {
            let at = i.index(bytes.len());
            bytes[at] = v;
        }
        if let Ok(c) = Circuit::decode(&bytes) {
            prop_assert_eq!(c.encode(), bytes);
        }
    }

    /// Arbitrary bytes after a valid header never panic the decoder.
    #[test]
    fn arbitrary_bytes(tail in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = b"SAMENCIR".to_vec();
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend(tail);
        let _ = Circuit::decode(&bytes);
    }
}
