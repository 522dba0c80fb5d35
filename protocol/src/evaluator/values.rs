//! What a party knows of each wire, input validation, and the owners' clear-text gates.
//!
//! A wire's [`Value`] at one party follows its IR placement: a public constant is known to
//! all (one word for every row); a local wire is a plaintext column at its owner and
//! [`Value::Absent`] elsewhere; a secret wire is a replicated sharing — additive
//! ([`ArithColumn`]) for `Arith`, XOR and bit-sliced ([`BitSlicedColumn`]) for `Bool`.
//!
//! Local and public gates are evaluated here, in the clear, with the IR's reference
//! semantics ([`samen_circuits::eval::apply`], column by column with
//! [`samen_circuits::eval::apply_column`]): no communication, nothing revealed (a local
//! wire never leaves its owner except through a `share` gate).

use std::collections::BTreeMap;

use samen_circuits::eval::{apply, apply_column, ColumnArg};
use samen_circuits::{Circuit, Op, Placement, WireId, WireType};

use crate::ops::input::SharedColumn;
use crate::share::{ArithColumn, BitSlicedColumn};
use crate::PartyId;

use super::EvaluatorError;

/// One party's knowledge of one wire.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    /// A public constant, the same in every row.
    Public(u64),
    /// A plaintext column at its owner.
    Local(Vec<u64>),
    /// Another party's local wire.
    Absent,
    /// A secret arithmetic column.
    Arith(ArithColumn),
    /// A secret bit-sliced boolean column.
    Bool(BitSlicedColumn),
}

/// Checks this party's plaintext inputs and pre-shared columns against the circuit: every
/// own input present exactly once (plaintext or pre-shared), no foreign or unknown names,
/// `rows` values each, every value admitted by the declared type. Error messages name the
/// input and row, never a value.
pub(crate) fn validate(
    circuit: &Circuit,
    me: PartyId,
    inputs: &BTreeMap<String, Vec<u64>>,
    shared: &BTreeMap<String, SharedColumn>,
    rows: usize,
) -> Result<(), EvaluatorError> {
    for name in inputs.keys() {
        match circuit.inputs().find(|i| i.name == name) {
            None => return Err(EvaluatorError::UnknownInput { name: name.clone() }),
            Some(i) if i.owner != me => {
                return Err(EvaluatorError::NotOwner {
                    name: name.clone(),
                    owner: i.owner,
                    party: me,
                })
            }
            Some(_) if shared.contains_key(name) => {
                return Err(EvaluatorError::DuplicateInput { name: name.clone() })
            }
            Some(_) => {}
        }
    }
    let uses = consumers(circuit);
    for (name, col) in shared {
        let Some(input) = circuit.inputs().find(|i| i.name == name) else {
            return Err(EvaluatorError::UnknownInput { name: name.clone() });
        };
        let ok = match (col, input.ty) {
            (SharedColumn::Arith(a), WireType::Arith { .. }) => {
                a.rows() == rows && a.shares.next.len() == rows
            }
            (SharedColumn::Bool(b), WireType::Bool { width }) => {
                b.width == width as u32
                    && b.rows == rows
                    && BitSlicedColumn::new(b.width, b.rows, b.shares.clone()).is_ok()
            }
            _ => false,
        };
        if !ok {
            return Err(EvaluatorError::SharedInputShape {
                name: name.clone(),
                ty: input.ty,
                rows,
            });
        }
        if uses[input.wire.index()]
            .iter()
            .any(|&g| !matches!(circuit.gate(g).op, Op::Share { .. }))
        {
            return Err(EvaluatorError::SharedInputUse { name: name.clone() });
        }
    }
    for input in circuit.inputs_of(me) {
        if shared.contains_key(input.name) {
            continue;
        }
        let col = inputs
            .get(input.name)
            .ok_or_else(|| EvaluatorError::MissingInput {
                name: input.name.to_string(),
            })?;
        if col.len() != rows {
            return Err(EvaluatorError::RowCount {
                name: input.name.to_string(),
                expected: rows,
                found: col.len(),
            });
        }
        if let Some(row) = first_not_admitted(col, input.ty) {
            return Err(EvaluatorError::OutOfRange {
                name: input.name.to_string(),
                row,
                ty: input.ty,
            });
        }
    }
    Ok(())
}

/// The first row of `col` that `ty` does not admit. A boolean type is checked a block of
/// rows at a time with one OR of the bits above the width (vectorised), and only a block
/// with a bad value is searched row by row; same answer as [`WireType::admits`] per row.
fn first_not_admitted(col: &[u64], ty: WireType) -> Option<usize> {
    match ty {
        WireType::Bool { width } => {
            let high = !samen_circuits::ir::mask(width);
            col.chunks(1024).enumerate().find_map(|(k, block)| {
                let bad = block.iter().fold(0u64, |acc, &v| acc | (v & high));
                (bad != 0)
                    .then(|| k * 1024 + block.iter().position(|&v| v & high != 0).unwrap_or(0))
            })
        }
        WireType::Arith { .. } => col.iter().position(|&v| !ty.admits(v)),
    }
}

/// For each wire, the gates that use it.
pub(crate) fn consumers(circuit: &Circuit) -> Vec<Vec<WireId>> {
    let mut uses = vec![Vec::new(); circuit.len()];
    for (i, g) in circuit.gates().iter().enumerate() {
        for w in g.op.operands() {
            uses[w.index()].push(WireId(i as u32));
        }
    }
    uses
}

/// This party's plaintext: its input columns by name, and per wire the caller's column a
/// wire reads in place (an input, or an owner's `b2a` of one), if any.
#[derive(Clone, Copy)]
pub(crate) struct Plain<'a> {
    /// The party's plaintext input columns.
    pub inputs: &'a BTreeMap<String, Vec<u64>>,
    /// Per wire, the input column it is read from in place.
    pub in_place: &'a [Option<&'a [u64]>],
}

/// The clear-text value of a public or local gate at party `me` (`None` for a secret gate).
/// Operands of a local gate are local to the same owner or public; an operand with an
/// `in_place` column is read there (a caller's input column, never copied).
pub(crate) fn clear_gate(
    circuit: &Circuit,
    wire: WireId,
    me: PartyId,
    values: &[Option<std::rc::Rc<Value>>],
    plain: Plain<'_>,
    shared: &BTreeMap<String, SharedColumn>,
    rows: usize,
) -> Option<Value> {
    let Plain { inputs, in_place } = plain;
    let g = circuit.gate(wire);
    if let Op::Input { name, .. } = &g.op {
        return Some(match shared.get(name) {
            Some(SharedColumn::Arith(a)) => Value::Arith(a.clone()),
            Some(SharedColumn::Bool(b)) => Value::Bool(b.clone()),
            None => match inputs.get(name) {
                Some(col) if g.placement == Placement::Local(me) => Value::Local(col.clone()),
                _ => Value::Absent,
            },
        });
    }
    let operands = g.op.operands();
    let types: Vec<WireType> = operands.iter().map(|w| circuit.gate(*w).ty).collect();
    match g.placement {
        Placement::Secret => None,
        Placement::Public => {
            let args: Vec<u64> = operands
                .iter()
                .map(|w| match values[w.index()].as_deref() {
                    Some(Value::Public(v)) => *v,
                    _ => unreachable!("operands of a public gate are public"),
                })
                .collect();
            Some(Value::Public(apply(&g.op, g.ty, &types, &args)))
        }
        Placement::Local(owner) if owner != me => Some(Value::Absent),
        Placement::Local(_) => {
            let args: Vec<ColumnArg<'_>> = operands
                .iter()
                .map(|w| {
                    // An own plaintext input (or its `b2a`) is read in place (never copied).
                    if let Some(col) = in_place[w.index()] {
                        return ColumnArg::Column(col);
                    }
                    match values[w.index()].as_deref() {
                        Some(Value::Public(v)) => ColumnArg::Word(*v),
                        Some(Value::Local(c)) => ColumnArg::Column(c),
                        _ => unreachable!("operands of an own local gate are public or own local"),
                    }
                })
                .collect();
            let col = apply_column(&g.op, g.ty, &types, &args, rows);
            Some(Value::Local(col))
        }
    }
}
