//! Gates and their typing rules.
//!
//! A gate is an [`Op`] applied to earlier wires; its result type and placement follow from
//! the op and the operands by [`infer`], the one place where the IR's typing rules live
//! (the builder, the decoder and the passes all call it).
//!
//! Placement rules: an `Input` is local to its owner, a `Const` is public, a `Share` turns a
//! local wire into a secret one. Every other gate takes operands that are either all
//! public-or-local-to-one-party p (result local to p, or public if all are public) or all
//! public-or-secret (result secret). Mixing two owners, or a local and a secret wire, is a
//! typing error: the boundary must be an explicit `Share` (the builder inserts it).

use super::types::{signed_width, Placement, WireType, MAX_WIDTH};
use crate::party::PartyId;
use std::fmt;

/// Index of a wire, equal to the index of the gate that computes it.
///
/// Gates are stored in topological order: every operand of gate `i` is a wire `< i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WireId(pub u32);

impl WireId {
    /// The wire index as `usize`.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for WireId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "w{}", self.0)
    }
}

/// A word-level operation. Each maps to one engine operation on whole columns.
///
/// Semantics are given on `u64` words (see [`crate::eval`] for the exact definitions):
/// arithmetic is wrapping in Z_2^64; booleans are masked to their width; comparisons are
/// signed and produce `Bool{1}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// A raw input of `owner`, named, of declared type `ty`. Placement `Local(owner)`.
    Input {
        /// The party that supplies the column.
        owner: PartyId,
        /// Unique input name (e.g. `uwv.wages.applicant`).
        name: String,
        /// Declared type; input values are checked against it.
        ty: WireType,
    },
    /// A public constant of type `ty` (the value must be admitted by `ty`).
    Const {
        /// The word.
        value: u64,
        /// Its type.
        ty: WireType,
    },
    /// Shares a local wire, making it secret, in form `ty`: the operand's own type, or
    /// `Bool{w'}` for an `Arith` operand (the owner takes the low `w'` bits of the
    /// two's-complement word before sharing), or `Arith{min(w+1,64)}` for a `Bool{w}`
    /// operand (the owner reads the bits as an unsigned integer).
    Share {
        /// The local wire.
        x: WireId,
        /// The shared form.
        ty: WireType,
    },
    /// `a + b` (arith); width `max + 1`.
    Add([WireId; 2]),
    /// `a - b` (arith); width `max + 1`.
    Sub([WireId; 2]),
    /// `-a` (arith); width `w + 1`.
    Neg([WireId; 1]),
    /// `a · b` (arith); width `wa + wb`. Multiplication by a public operand is local.
    Mul([WireId; 2]),
    /// Bitwise XOR of two booleans of equal width.
    Xor([WireId; 2]),
    /// Bitwise AND of two booleans of equal width.
    And([WireId; 2]),
    /// Bitwise NOT of a boolean.
    Not([WireId; 1]),
    /// Signed `a < b`: two arith operands (any widths) or two booleans of equal width.
    Lt([WireId; 2]),
    /// Signed `a <= b`, same operand rules as `Lt`.
    Le([WireId; 2]),
    /// `a == b`, same operand rules as `Lt`.
    Eq([WireId; 2]),
    /// `[cond, a, b]`: `cond ? a : b`, `cond: Bool{1}`, `a`, `b` both arith (width max) or
    /// both boolean of equal width.
    Mux([WireId; 3]),
    /// Arithmetic to boolean: the low `width` bits of the two's-complement word.
    A2B {
        /// The arith wire.
        x: WireId,
        /// Result width.
        width: u8,
    },
    /// Boolean to arithmetic: the bits read as an unsigned integer; width `min(w+1, 64)`.
    B2A([WireId; 1]),
    /// `[bit, value]`: `bit · value` with `bit: Bool{1}`, `value` arith; width of `value`.
    BitMul([WireId; 2]),
}

impl Op {
    /// The operand wires, in order.
    pub fn operands(&self) -> &[WireId] {
        match self {
            Op::Input { .. } | Op::Const { .. } => &[],
            Op::Share { x, .. } | Op::A2B { x, .. } => std::slice::from_ref(x),
            Op::Neg(a) | Op::Not(a) | Op::B2A(a) => a,
            Op::Add(a)
            | Op::Sub(a)
            | Op::Mul(a)
            | Op::Xor(a)
            | Op::And(a)
            | Op::Lt(a)
            | Op::Le(a)
            | Op::Eq(a)
            | Op::BitMul(a) => a,
            Op::Mux(a) => a,
        }
    }

    /// The operand wires, mutably (used by passes that renumber wires).
    pub fn operands_mut(&mut self) -> &mut [WireId] {
        match self {
            Op::Input { .. } | Op::Const { .. } => &mut [],
            Op::Share { x, .. } | Op::A2B { x, .. } => std::slice::from_mut(x),
            Op::Neg(a) | Op::Not(a) | Op::B2A(a) => a,
            Op::Add(a)
            | Op::Sub(a)
            | Op::Mul(a)
            | Op::Xor(a)
            | Op::And(a)
            | Op::Lt(a)
            | Op::Le(a)
            | Op::Eq(a)
            | Op::BitMul(a) => a,
            Op::Mux(a) => a,
        }
    }

    /// The op's mnemonic as used in the text form (`add`, `lt`, `a2b`, ...).
    pub fn mnemonic(&self) -> &'static str {
        match self {
            Op::Input { .. } => "input",
            Op::Const { .. } => "const",
            Op::Share { .. } => "share",
            Op::Add(_) => "add",
            Op::Sub(_) => "sub",
            Op::Neg(_) => "neg",
            Op::Mul(_) => "mul",
            Op::Xor(_) => "xor",
            Op::And(_) => "and",
            Op::Not(_) => "not",
            Op::Lt(_) => "lt",
            Op::Le(_) => "le",
            Op::Eq(_) => "eq",
            Op::Mux(_) => "mux",
            Op::A2B { .. } => "a2b",
            Op::B2A(_) => "b2a",
            Op::BitMul(_) => "bitmul",
        }
    }

    /// Whether swapping the two operands leaves the result unchanged.
    pub fn is_commutative(&self) -> bool {
        matches!(
            self,
            Op::Add(_) | Op::Mul(_) | Op::Xor(_) | Op::And(_) | Op::Eq(_)
        )
    }
}

/// A gate of a circuit: the op, and the result type and placement derived by [`infer`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Gate {
    /// The operation.
    pub op: Op,
    /// The result type.
    pub ty: WireType,
    /// Who knows the result.
    pub placement: Placement,
}

/// Why a gate is ill-typed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    /// A width outside 1..=64.
    #[error("width {0} out of range 1..=64")]
    WidthOutOfRange(u8),
    /// A constant that its declared type does not admit.
    #[error("constant does not fit its declared type {0}")]
    ConstantOutOfRange(WireType),
    /// An operand of the wrong kind or width.
    #[error("operand {index} of `{op}` has type {found}, expected {expected}")]
    Operand {
        /// The op's mnemonic.
        op: &'static str,
        /// Operand position.
        index: usize,
        /// The operand's type.
        found: WireType,
        /// What the rule needs, in words.
        expected: &'static str,
    },
    /// Two operands whose types must agree but do not.
    #[error("operands of `{op}` have types {a} and {b}, which must agree")]
    Mismatch {
        /// The op's mnemonic.
        op: &'static str,
        /// First operand type.
        a: WireType,
        /// Second operand type.
        b: WireType,
    },
    /// A `Share` to a form that the operand's type cannot take.
    #[error("cannot share a {from} wire as {to}")]
    ShareForm {
        /// The operand type.
        from: WireType,
        /// The requested form.
        to: WireType,
    },
    /// A `Share` of a wire that is not local.
    #[error("`share` needs a local operand, found a {0} one")]
    ShareOfNonLocal(Placement),
    /// Operands with incompatible placements (two owners, or local and secret).
    #[error("`{op}` mixes {a} and {b} operands; insert a `share`")]
    Placement {
        /// The op's mnemonic.
        op: &'static str,
        /// One placement.
        a: Placement,
        /// The other.
        b: Placement,
    },
}

fn check_width(w: u8) -> Result<(), TypeError> {
    if (1..=MAX_WIDTH).contains(&w) {
        Ok(())
    } else {
        Err(TypeError::WidthOutOfRange(w))
    }
}

fn check_type(ty: WireType) -> Result<(), TypeError> {
    check_width(ty.width())
}

fn cap(w: u32) -> u8 {
    w.min(MAX_WIDTH as u32) as u8
}

fn arith_width(op: &'static str, index: usize, ty: WireType) -> Result<u8, TypeError> {
    match ty {
        WireType::Arith { width } => Ok(width),
        found => Err(TypeError::Operand {
            op,
            index,
            found,
            expected: "an arith wire",
        }),
    }
}

fn bool_width(op: &'static str, index: usize, ty: WireType) -> Result<u8, TypeError> {
    match ty {
        WireType::Bool { width } => Ok(width),
        found => Err(TypeError::Operand {
            op,
            index,
            found,
            expected: "a bool wire",
        }),
    }
}

fn bit(op: &'static str, index: usize, ty: WireType) -> Result<(), TypeError> {
    match ty {
        WireType::Bool { width: 1 } => Ok(()),
        found => Err(TypeError::Operand {
            op,
            index,
            found,
            expected: "bool<1>",
        }),
    }
}

/// The placement of a non-`Input`/`Const`/`Share` gate from its operands' placements.
fn join(
    op: &'static str,
    placements: impl Iterator<Item = Placement>,
) -> Result<Placement, TypeError> {
    let mut acc = Placement::Public;
    for p in placements {
        acc = match (acc, p) {
            (Placement::Public, x) | (x, Placement::Public) => x,
            (Placement::Secret, Placement::Secret) => Placement::Secret,
            (Placement::Local(a), Placement::Local(b)) if a == b => Placement::Local(a),
            (a, b) => return Err(TypeError::Placement { op, a, b }),
        };
    }
    Ok(acc)
}

/// Infers the type and placement of `op`, given the type and placement of each operand
/// (`operand(i)` for `i` in `0..op.operands().len()`), or says why the gate is ill-typed.
pub fn infer(
    op: &Op,
    operand: impl Fn(usize) -> (WireType, Placement),
) -> Result<(WireType, Placement), TypeError> {
    let name = op.mnemonic();
    let t = |i: usize| operand(i).0;
    let n = op.operands().len();
    let ty = match op {
        Op::Input { owner, ty, .. } => {
            check_type(*ty)?;
            return Ok((*ty, Placement::Local(*owner)));
        }
        Op::Const { value, ty } => {
            check_type(*ty)?;
            if !ty.admits(*value) {
                return Err(TypeError::ConstantOutOfRange(*ty));
            }
            return Ok((*ty, Placement::Public));
        }
        Op::Share { ty, .. } => {
            check_type(*ty)?;
            let (from, placement) = operand(0);
            if !matches!(placement, Placement::Local(_)) {
                return Err(TypeError::ShareOfNonLocal(placement));
            }
            let ok = match (from, *ty) {
                (a, b) if a == b => true,
                (WireType::Arith { .. }, WireType::Bool { .. }) => true,
                (WireType::Bool { width }, WireType::Arith { width: to }) => {
                    to == cap(width as u32 + 1)
                }
                _ => false,
            };
            if !ok {
                return Err(TypeError::ShareForm { from, to: *ty });
            }
            return Ok((*ty, Placement::Secret));
        }
        Op::Add(_) | Op::Sub(_) => {
            let (a, b) = (arith_width(name, 0, t(0))?, arith_width(name, 1, t(1))?);
            WireType::arith(cap(a.max(b) as u32 + 1))
        }
        Op::Neg(_) => WireType::arith(cap(arith_width(name, 0, t(0))? as u32 + 1)),
        Op::Mul(_) => {
            let (a, b) = (arith_width(name, 0, t(0))?, arith_width(name, 1, t(1))?);
            WireType::arith(cap(a as u32 + b as u32))
        }
        Op::Xor(_) | Op::And(_) => {
            let (a, b) = (bool_width(name, 0, t(0))?, bool_width(name, 1, t(1))?);
            if a != b {
                return Err(TypeError::Mismatch {
                    op: name,
                    a: t(0),
                    b: t(1),
                });
            }
            WireType::boolean(a)
        }
        Op::Not(_) => WireType::boolean(bool_width(name, 0, t(0))?),
        Op::Lt(_) | Op::Le(_) | Op::Eq(_) => {
            match (t(0), t(1)) {
                (WireType::Arith { .. }, WireType::Arith { .. }) => {}
                (WireType::Bool { width: a }, WireType::Bool { width: b }) if a == b => {}
                (a, b) => return Err(TypeError::Mismatch { op: name, a, b }),
            }
            WireType::BIT
        }
        Op::Mux(_) => {
            bit(name, 0, t(0))?;
            match (t(1), t(2)) {
                (WireType::Arith { width: a }, WireType::Arith { width: b }) => {
                    WireType::arith(a.max(b))
                }
                (WireType::Bool { width: a }, WireType::Bool { width: b }) if a == b => {
                    WireType::boolean(a)
                }
                (a, b) => return Err(TypeError::Mismatch { op: name, a, b }),
            }
        }
        Op::A2B { width, .. } => {
            check_width(*width)?;
            arith_width(name, 0, t(0))?;
            WireType::boolean(*width)
        }
        Op::B2A(_) => WireType::arith(cap(bool_width(name, 0, t(0))? as u32 + 1)),
        Op::BitMul(_) => {
            bit(name, 0, t(0))?;
            WireType::arith(arith_width(name, 1, t(1))?)
        }
    };
    let placement = join(name, (0..n).map(|i| operand(i).1))?;
    Ok((ty, placement))
}

/// The minimal arith type holding the two's-complement value `value`.
pub fn const_arith_type(value: i64) -> WireType {
    WireType::arith(signed_width(value as u64))
}
