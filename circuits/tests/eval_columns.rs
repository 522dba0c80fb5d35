//! `eval::apply_column` equals `eval::apply` applied row by row, for every op, on random
//! operand and result types, random and edge words, and every mix of word (public) and
//! column operands.

use proptest::prelude::*;
use samen_circuits::eval::{apply, apply_column, ColumnArg};
use samen_circuits::ir::{Op, PartyId, WireId, WireType};

const EDGES: [u64; 9] = [
    0,
    1,
    2,
    u64::MAX,
    u64::MAX - 1,
    i64::MAX as u64,
    i64::MIN as u64,
    0x7f,
    0x80,
];

fn word() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => any::<u64>(),
        2 => prop::sample::select(EDGES.to_vec()),
        1 => (1u8..=64).prop_map(|w| 1u64 << (w - 1)),
        1 => (1u8..=64).prop_map(|w| (1u64 << (w - 1)).wrapping_sub(1)),
    ]
}

fn wire_type() -> impl Strategy<Value = WireType> {
    prop_oneof![
        (1u8..=64).prop_map(|width| WireType::Arith { width }),
        (1u8..=64).prop_map(|width| WireType::Bool { width }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let w = WireId;
    prop_oneof![
        Just(Op::Input {
            owner: PartyId::SVB,
            name: "x".into(),
            ty: WireType::BIT
        }),
        any::<u64>().prop_map(|value| Op::Const {
            value,
            ty: WireType::Arith { width: 64 }
        }),
        wire_type().prop_map(move |ty| Op::Share { x: w(0), ty }),
        Just(Op::Add([w(0), w(1)])),
        Just(Op::Sub([w(0), w(1)])),
        Just(Op::Neg([w(0)])),
        Just(Op::Mul([w(0), w(1)])),
        Just(Op::Xor([w(0), w(1)])),
        Just(Op::And([w(0), w(1)])),
        Just(Op::Not([w(0)])),
        Just(Op::Lt([w(0), w(1)])),
        Just(Op::Le([w(0), w(1)])),
        Just(Op::Eq([w(0), w(1)])),
        Just(Op::Mux([w(0), w(1), w(2)])),
        (1u8..=64).prop_map(move |width| Op::A2B { x: w(0), width }),
        Just(Op::B2A([w(0)])),
        Just(Op::BitMul([w(0), w(1)])),
    ]
}

/// One operand: a public word, or a column of `rows` words.
fn operand(rows: usize) -> impl Strategy<Value = Result<u64, Vec<u64>>> {
    prop_oneof![
        word().prop_map(Ok),
        prop::collection::vec(word(), rows).prop_map(Err),
    ]
}

fn case() -> impl Strategy<
    Value = (
        Op,
        WireType,
        Vec<WireType>,
        Vec<Result<u64, Vec<u64>>>,
        usize,
    ),
> {
    (0usize..24).prop_flat_map(|rows| {
        (
            op(),
            wire_type(),
            prop::collection::vec(wire_type(), 3),
            prop::collection::vec(operand(rows), 3),
            Just(rows),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn column_equals_rows((op, ty, mut types, operands, rows) in case()) {
        // Comparisons on booleans take equal widths; on arith the second may be either
        // kind. Keep both shapes, as the IR allows them.
        if let WireType::Bool { .. } = types[0] {
            types[1] = types[0];
        }
        let arity = op.operands().len();
        let args: Vec<ColumnArg<'_>> = operands[..arity]
            .iter()
            .map(|o| match o {
                Ok(v) => ColumnArg::Word(*v),
                Err(c) => ColumnArg::Column(c),
            })
            .collect();
        let got = apply_column(&op, ty, &types[..arity], &args, rows);
        prop_assert_eq!(got.len(), rows);
        for (r, g) in got.iter().enumerate() {
            let row: Vec<u64> = operands[..arity]
                .iter()
                .map(|o| match o {
                    Ok(v) => *v,
                    Err(c) => c[r],
                })
                .collect();
            prop_assert_eq!(*g, apply(&op, ty, &types[..arity], &row), "row {}", r);
        }
    }
}
