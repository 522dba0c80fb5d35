//! The plaintext evaluator: runs a circuit in the clear over columns of rows.
//!
//! This module is the reference semantics of the IR. The secure evaluator must produce,
//! for every output, exactly the words computed here; the constant folder uses the same
//! [`apply`] function. Every wire holds one `u64` word per row:
//!
//! | op | result word |
//! | --- | --- |
//! | `add`, `sub`, `neg`, `mul` | wrapping arithmetic in Z_2^64 |
//! | `xor`, `and` | bitwise; `not`: `!a & mask(w)` |
//! | `lt`, `le`, `eq` on arith | with `l = min(64, max(wa, wb) + 1)`: `lt` = bit `l-1` of `a - b`; `le` = NOT bit `l-1` of `b - a`; `eq` = low `l` bits of `a - b` all zero |
//! | `lt`, `le`, `eq` on `Bool{w}` | signed comparison of the `w`-bit two's-complement values |
//! | `mux` | `cond & 1 == 1 ? a : b` |
//! | `a2b{w}` | `a & mask(w)` |
//! | `b2a` | the word itself (bits read unsigned) |
//! | `bitmul` | `bit & 1 == 1 ? value : 0` |
//! | `share` to the same type | identity; arith → `Bool{w}`: `a & mask(w)`; `Bool` → arith: identity |
//!
//! Arithmetic comparisons are computed as the most significant bit of a difference, as the
//! secure protocol does (ABY3 §5.3); when both operands lie within their declared widths
//! (always, for wires narrower than 64 bits, if the inputs are) this is the exact signed
//! comparison. Inputs are checked against their declared types before evaluation.
//!
//! Reveals nothing (it is the clear-text reference); costs one pass over the gates.

use crate::ir::{mask, sign_extend, Circuit, Op, WireId, WireType};
use std::collections::BTreeMap;

/// Input columns by input name: one word per row, all columns of equal length.
pub type Columns = BTreeMap<String, Vec<u64>>;

/// Why a circuit cannot be evaluated on the given inputs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// An input of the circuit has no column.
    #[error("no column for input `{0}`")]
    MissingInput(String),
    /// A column names no input of the circuit.
    #[error("column `{0}` is not an input of the circuit")]
    UnknownInput(String),
    /// Columns of different lengths.
    #[error("column `{name}` has {found} rows, expected {expected}")]
    RowCount {
        /// Column name.
        name: String,
        /// Rows expected (those of the first column).
        expected: usize,
        /// Rows found.
        found: usize,
    },
    /// A value outside the input's declared type (the value itself is not reported).
    #[error("input `{name}`, row {row}: value outside declared type {ty}")]
    OutOfRange {
        /// Input name.
        name: String,
        /// Row index.
        row: usize,
        /// The declared type.
        ty: WireType,
    },
}

/// The result of an evaluation: every wire's column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    rows: usize,
    wires: Vec<Vec<u64>>,
    outputs: Vec<(String, WireId)>,
}

impl Evaluation {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The column of `wire` (public constants are expanded to all rows).
    ///
    /// # Panics
    /// If `wire` is not a wire of the evaluated circuit.
    pub fn wire(&self, wire: WireId) -> &[u64] {
        &self.wires[wire.index()]
    }

    /// The column of output `name`, if there is such an output.
    pub fn output(&self, name: &str) -> Option<&[u64]> {
        self.outputs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, w)| self.wire(*w))
    }

    /// All outputs in declaration order, with their columns.
    pub fn outputs(&self) -> impl Iterator<Item = (&str, &[u64])> {
        self.outputs
            .iter()
            .map(|(n, w)| (n.as_str(), self.wire(*w)))
    }
}

/// Evaluates `circuit` on `inputs`. The number of rows is that of the columns (1 if the
/// circuit has no inputs).
pub fn evaluate(circuit: &Circuit, inputs: &Columns) -> Result<Evaluation, EvalError> {
    for name in inputs.keys() {
        if !circuit.inputs().any(|i| i.name == name) {
            return Err(EvalError::UnknownInput(name.clone()));
        }
    }
    let mut rows = None;
    for input in circuit.inputs() {
        let col = inputs
            .get(input.name)
            .ok_or_else(|| EvalError::MissingInput(input.name.to_string()))?;
        let expected = *rows.get_or_insert(col.len());
        if col.len() != expected {
            return Err(EvalError::RowCount {
                name: input.name.to_string(),
                expected,
                found: col.len(),
            });
        }
        if let Some(row) = col.iter().position(|&v| !input.ty.admits(v)) {
            return Err(EvalError::OutOfRange {
                name: input.name.to_string(),
                row,
                ty: input.ty,
            });
        }
    }
    let rows = rows.unwrap_or(1);
    let mut wires: Vec<Vec<u64>> = Vec::with_capacity(circuit.len());
    for gate in circuit.gates() {
        let col = match &gate.op {
            Op::Input { name, .. } => inputs[name].clone(),
            Op::Const { value, .. } => vec![*value; rows],
            op => {
                let ops = op.operands();
                let types: Vec<WireType> = ops.iter().map(|w| circuit.gate(*w).ty).collect();
                let cols: Vec<&[u64]> = ops.iter().map(|w| wires[w.index()].as_slice()).collect();
                let mut args = [0u64; 3];
                (0..rows)
                    .map(|r| {
                        for (k, c) in cols.iter().enumerate() {
                            args[k] = c[r];
                        }
                        apply(op, gate.ty, &types, &args[..cols.len()])
                    })
                    .collect()
            }
        };
        wires.push(col);
    }
    let outputs = circuit
        .outputs()
        .iter()
        .map(|o| (o.name.clone(), o.wire))
        .collect();
    Ok(Evaluation {
        rows,
        wires,
        outputs,
    })
}

/// Bit `l - 1` of `d` (`l` in 1..=64).
fn msb(d: u64, l: u8) -> u64 {
    (d >> (l - 1)) & 1
}

/// The semantics of one gate on one row: `op` with result type `ty`, operand types
/// `types` and operand words `args` (in operand order). For `Input` (which has no
/// operands) the result is undefined and 0 is returned.
pub fn apply(op: &Op, ty: WireType, types: &[WireType], args: &[u64]) -> u64 {
    let a = args.first().copied().unwrap_or(0);
    let b = args.get(1).copied().unwrap_or(0);
    match op {
        Op::Input { .. } => 0,
        Op::Const { value, .. } => *value,
        Op::Share { .. } | Op::A2B { .. } => match ty {
            WireType::Bool { width } => a & mask(width),
            WireType::Arith { .. } => a,
        },
        Op::Add(_) => a.wrapping_add(b),
        Op::Sub(_) => a.wrapping_sub(b),
        Op::Neg(_) => a.wrapping_neg(),
        Op::Mul(_) => a.wrapping_mul(b),
        Op::Xor(_) => a ^ b,
        Op::And(_) => a & b,
        Op::Not(_) => !a & mask(ty.width()),
        Op::Lt(_) | Op::Le(_) | Op::Eq(_) => compare(op, types[0], types[1], a, b) as u64,
        Op::Mux(_) => {
            if a & 1 == 1 {
                b
            } else {
                args[2]
            }
        }
        Op::B2A(_) => a,
        Op::BitMul(_) => {
            if a & 1 == 1 {
                b
            } else {
                0
            }
        }
    }
}

/// One operand of [`apply_column`]: a word that is the same in every row (a public
/// constant) or a column with one word per row.
#[derive(Clone, Copy, Debug)]
pub enum ColumnArg<'a> {
    /// The same word in every row.
    Word(u64),
    /// One word per row (at least `rows` words).
    Column(&'a [u64]),
}

impl ColumnArg<'_> {
    /// The operand's word in row `r`.
    #[inline(always)]
    fn at(&self, r: usize) -> u64 {
        match self {
            ColumnArg::Word(v) => *v,
            ColumnArg::Column(c) => c[r],
        }
    }
}

/// `f` on one operand, row by row.
#[inline(always)]
fn map1(rows: usize, a: ColumnArg<'_>, f: impl Fn(u64) -> u64) -> Vec<u64> {
    match a {
        ColumnArg::Word(x) => vec![f(x); rows],
        ColumnArg::Column(c) => c[..rows].iter().map(|&x| f(x)).collect(),
    }
}

/// `f` on two operands, row by row, with one loop per combination of word and column.
#[inline(always)]
fn map2(rows: usize, a: ColumnArg<'_>, b: ColumnArg<'_>, f: impl Fn(u64, u64) -> u64) -> Vec<u64> {
    match (a, b) {
        (ColumnArg::Word(x), ColumnArg::Word(y)) => vec![f(x, y); rows],
        (ColumnArg::Column(c), ColumnArg::Word(y)) => c[..rows].iter().map(|&x| f(x, y)).collect(),
        (ColumnArg::Word(x), ColumnArg::Column(d)) => d[..rows].iter().map(|&y| f(x, y)).collect(),
        (ColumnArg::Column(c), ColumnArg::Column(d)) => c[..rows]
            .iter()
            .zip(&d[..rows])
            .map(|(&x, &y)| f(x, y))
            .collect(),
    }
}

/// The semantics of one gate on a whole column: for every row `r < rows`, exactly
/// `apply(op, ty, types, [args[k] at row r])`. The operation is dispatched once per column
/// instead of once per row. For `Input` every word is 0 (as in [`apply`]).
///
/// # Panics
/// If `args` has fewer operands than `op` reads, or a column is shorter than `rows`.
pub fn apply_column(
    op: &Op,
    ty: WireType,
    types: &[WireType],
    args: &[ColumnArg<'_>],
    rows: usize,
) -> Vec<u64> {
    let arg = |k: usize| args.get(k).copied().unwrap_or(ColumnArg::Word(0));
    let (a, b) = (arg(0), arg(1));
    match op {
        Op::Input { .. } => vec![0; rows],
        Op::Const { value, .. } => vec![*value; rows],
        Op::Share { .. } | Op::A2B { .. } => match ty {
            WireType::Bool { width } => {
                let m = mask(width);
                map1(rows, a, |x| x & m)
            }
            WireType::Arith { .. } => map1(rows, a, |x| x),
        },
        Op::Add(_) => map2(rows, a, b, u64::wrapping_add),
        Op::Sub(_) => map2(rows, a, b, u64::wrapping_sub),
        Op::Neg(_) => map1(rows, a, u64::wrapping_neg),
        Op::Mul(_) => map2(rows, a, b, u64::wrapping_mul),
        Op::Xor(_) => map2(rows, a, b, |x, y| x ^ y),
        Op::And(_) => map2(rows, a, b, |x, y| x & y),
        Op::Not(_) => {
            let m = mask(ty.width());
            map1(rows, a, |x| !x & m)
        }
        Op::Lt(_) | Op::Le(_) | Op::Eq(_) => match (types[0], types[1]) {
            (WireType::Bool { width }, _) => {
                let s = |x: u64| sign_extend(x, width) as i64;
                match op {
                    Op::Lt(_) => map2(rows, a, b, |x, y| (s(x) < s(y)) as u64),
                    Op::Le(_) => map2(rows, a, b, |x, y| (s(x) <= s(y)) as u64),
                    _ => map2(rows, a, b, |x, y| (s(x) == s(y)) as u64),
                }
            }
            (WireType::Arith { width: wa }, tb) => {
                let l = (wa.max(tb.width()) as u32 + 1).min(64) as u8;
                let m = mask(l);
                match op {
                    Op::Lt(_) => map2(rows, a, b, |x, y| msb(x.wrapping_sub(y), l)),
                    Op::Le(_) => map2(rows, a, b, |x, y| msb(y.wrapping_sub(x), l) ^ 1),
                    _ => map2(rows, a, b, |x, y| (x.wrapping_sub(y) & m == 0) as u64),
                }
            }
        },
        Op::Mux(_) => {
            let c = arg(2);
            (0..rows)
                .map(|r| if a.at(r) & 1 == 1 { b.at(r) } else { c.at(r) })
                .collect()
        }
        Op::B2A(_) => map1(rows, a, |x| x),
        Op::BitMul(_) => map2(rows, a, b, |x, y| if x & 1 == 1 { y } else { 0 }),
    }
}

fn compare(op: &Op, ta: WireType, tb: WireType, a: u64, b: u64) -> bool {
    match (ta, tb) {
        (WireType::Bool { width }, _) => {
            let (x, y) = (sign_extend(a, width) as i64, sign_extend(b, width) as i64);
            match op {
                Op::Lt(_) => x < y,
                Op::Le(_) => x <= y,
                _ => x == y,
            }
        }
        (WireType::Arith { width: wa }, tb) => {
            let l = (wa.max(tb.width()) as u32 + 1).min(64) as u8;
            match op {
                Op::Lt(_) => msb(a.wrapping_sub(b), l) == 1,
                Op::Le(_) => msb(b.wrapping_sub(a), l) == 0,
                _ => a.wrapping_sub(b) & mask(l) == 0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::Builder;
    use crate::ir::{PartyId, PartySet};

    #[test]
    fn small_circuit() {
        let mut b = Builder::new("t");
        let x = b.input_arith(PartyId::SVB, "x", 8).unwrap();
        let y = b.input_arith(PartyId::UWV, "y", 8).unwrap();
        let s = b.sub(x, y).unwrap();
        let m = b.min(x, y).unwrap();
        let c = b.lt(x, y).unwrap();
        let xb = b.a2b(x, 8).unwrap();
        let yb = b.a2b(y, 8).unwrap();
        let cb = b.lt(xb, yb).unwrap();
        let n = b.not(xb).unwrap();
        let all = PartySet::ALL;
        for (name, w) in [("s", s), ("m", m), ("c", c), ("cb", cb), ("n", n)] {
            b.output(name, w, all).unwrap();
        }
        let circuit = b.finish().unwrap();
        let xs: Vec<i64> = vec![-128, -1, 0, 5, 127, 3];
        let ys: Vec<i64> = vec![127, -1, 1, -5, -128, 3];
        let inputs: Columns = [
            ("x".to_string(), xs.iter().map(|&v| v as u64).collect()),
            ("y".to_string(), ys.iter().map(|&v| v as u64).collect()),
        ]
        .into();
        let e = evaluate(&circuit, &inputs).unwrap();
        for r in 0..xs.len() {
            let (x, y) = (xs[r], ys[r]);
            assert_eq!(e.output("s").unwrap()[r] as i64, x - y);
            assert_eq!(e.output("m").unwrap()[r] as i64, x.min(y));
            assert_eq!(e.output("c").unwrap()[r], (x < y) as u64);
            assert_eq!(e.output("cb").unwrap()[r], (x < y) as u64);
            assert_eq!(e.output("n").unwrap()[r], !(x as u64) & 0xff);
        }
    }

    #[test]
    fn input_checks() {
        let mut b = Builder::new("t");
        let x = b.input_arith(PartyId::SVB, "x", 8).unwrap();
        b.output("x", x, PartySet::ALL).unwrap();
        let c = b.finish().unwrap();
        let bad: Columns = [("x".to_string(), vec![0, 128])].into();
        assert!(matches!(
            evaluate(&c, &bad),
            Err(EvalError::OutOfRange { row: 1, .. })
        ));
        assert!(matches!(
            evaluate(&c, &Columns::new()),
            Err(EvalError::MissingInput(_))
        ));
        let extra: Columns = [("x".to_string(), vec![1]), ("z".to_string(), vec![1])].into();
        assert!(matches!(
            evaluate(&c, &extra),
            Err(EvalError::UnknownInput(_))
        ));
    }
}
