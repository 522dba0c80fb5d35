//! The secure semantics of each IR gate with a secret result, as a step function on the
//! shared round ([`Runtime`]).
//!
//! Every gate computes exactly the word of [`samen_circuits::eval::apply`] for every row
//! (the tests check this against the plaintext evaluator). Public operands are used as
//! public constants, which makes many gates local (`mul`, `and`, `xor` with a constant) and
//! the rest cheaper (comparisons with a constant, `mux` between constants).
//!
//! | gate | protocol | rounds |
//! | --- | --- | --- |
//! | `share` | input by the owner (in the form of the gate's type) | 1 |
//! | `add`, `sub`, `neg`, `xor`, `not`; `mul`, `and` by a public value | local | 0 |
//! | `mul` | multiplication | 1 |
//! | `and` | AND, `w` bits | 1 |
//! | `lt`, `le` arith, `l = min(64, max(wa, wb) + 1)` | MSB on `l` bits of the difference (full adder, generate layer, carry tree) | `2 + ⌈log2(l − 2)⌉` |
//! | `eq` arith | `P_0` shares `d_0 + d_1` at `l` bits, AND tree of the XNOR bits | `1 + ⌈log2 l⌉` |
//! | `lt`, `le` `Bool{w}` | flip sign bits, `x ≥ y` as the carry of `x + ¬y + 1` | `1 + ⌈log2 w⌉` (`≤ ⌈log2 w⌉` with a constant) |
//! | `eq` `Bool{w}` | AND tree of the XNOR bits | `⌈log2 w⌉` |
//! | `mux` `Bool{w}` | `b ⊕ s·(a ⊕ b)`, the plan `lanes::select` | 1 (0 if `a ⊕ b` is public) |
//! | `mux` arith, `bitmul` | `b + s·(a − b)` by bit × value (two OTs; one if `a − b` is public) | 2 |
//! | `a2b{w}` | full adder, Sklansky prefix (the plan `lanes::a2b`) | `2 + ⌈log2(w − 2)⌉` |
//! | `b2a` `Bool{w}` | `w` bit injections by OT, `Σ 2^j b_j` | 2 |
//!
//! A `share` gate whose operand is already secret (a pre-shared input) is a conversion:
//! none for the same form, `a2b` or `b2a` otherwise.
//!
//! Reveals nothing: the only communication is through the masked sub-protocols of the
//! round.

use std::rc::Rc;

use samen_circuits::ir::mask;
use samen_circuits::{Op, WireType};

use crate::ops::arith::{add, add_public, mul_public, neg, public_sub, sub, sub_public};
use crate::ops::boolean::{not, xor, xor_public};
use crate::ops::input::SharedColumn;
use crate::share::{ArithColumn, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::compare::{compare_arith, compare_bool};
use super::convert::{a2b, b2a, bit_times, Base};
use samen_circuits::lanes::{self, Cmp, Operand};

use super::lanes::Lane;
use super::products::{Pair, Words};
use super::round::{InputSpec, Runtime};
use super::values::Value;

pub(crate) fn internal(what: &str) -> ProtocolError {
    ProtocolError::InvalidOperands(format!("secure evaluator: {what}"))
}

/// An operand as the algorithms see it.
pub(crate) enum V<'a> {
    Pub(u64),
    A(&'a ArithColumn),
    B(&'a BitSlicedColumn),
    Local(&'a [u64]),
    Absent,
}

fn view(v: &Value) -> V<'_> {
    match v {
        Value::Public(c) => V::Pub(*c),
        Value::Arith(a) => V::A(a),
        Value::Bool(b) => V::B(b),
        Value::Local(c) => V::Local(c),
        Value::Absent => V::Absent,
    }
}

/// The one lane of a one-bit column.
fn bit_lane(b: &BitSlicedColumn) -> Lane {
    Lane::shared(b.shares.clone())
}

/// The two secret operands of an AND or multiplication gate, by reference.
fn pair(operands: &[Rc<Value>]) -> Pair {
    Pair {
        x: Words::Value(operands[0].clone()),
        y: Words::Value(operands[1].clone()),
    }
}

/// Evaluates the secret gate `op` (result type `ty`, operand types `types`) on `operands`.
///
/// `owner` is the owner of a `share` gate's local operand (`None` for other gates).
pub(crate) async fn secure_gate(
    rt: Runtime,
    op: Op,
    ty: WireType,
    types: Vec<WireType>,
    owner: Option<PartyId>,
    mut operands: Vec<Rc<Value>>,
) -> Result<Value, ProtocolError> {
    let me = rt.party();
    if let Some(v) = in_place(&op, me, &mut operands) {
        return Ok(v);
    }
    let v: Vec<V<'_>> = operands.iter().map(|o| view(o)).collect();
    let arith = |c: ArithColumn| Ok(Value::Arith(c));
    let boolean = |c: BitSlicedColumn| Ok(Value::Bool(c));
    match (&op, v.as_slice()) {
        (Op::Share { ty, .. }, [x]) => share(&rt, *ty, x, owner).await,
        (Op::Add(_), [V::A(a), V::A(b)]) => arith(add(a, b)?),
        (Op::Add(_), [V::A(a), V::Pub(c)] | [V::Pub(c), V::A(a)]) => arith(add_public(me, a, *c)),
        (Op::Sub(_), [V::A(a), V::A(b)]) => arith(sub(a, b)?),
        (Op::Sub(_), [V::A(a), V::Pub(c)]) => arith(sub_public(me, a, *c)),
        (Op::Sub(_), [V::Pub(c), V::A(a)]) => arith(public_sub(me, *c, a)),
        (Op::Neg(_), [V::A(a)]) => arith(neg(a)),
        (Op::Mul(_), [V::A(_), V::A(_)]) => {
            let mut p = rt.mul_pairs(vec![pair(&operands)]).await;
            arith(ArithColumn::new(p.pop().unwrap_or_default()))
        }
        (Op::Mul(_), [V::A(a), V::Pub(c)] | [V::Pub(c), V::A(a)]) => arith(mul_public(a, *c)),
        (Op::Xor(_), [V::B(a), V::B(b)]) => boolean(xor(a, b)?),
        (Op::Xor(_), [V::B(a), V::Pub(c)] | [V::Pub(c), V::B(a)]) => boolean(xor_public(me, a, *c)),
        (Op::And(_), [V::B(a), V::B(_)]) => {
            let shares = rt
                .and_pairs(vec![pair(&operands)])
                .await
                .pop()
                .unwrap_or_default();
            boolean(BitSlicedColumn {
                width: a.width,
                rows: a.rows,
                shares,
            })
        }
        (Op::And(_), [V::B(a), V::Pub(c)] | [V::Pub(c), V::B(a)]) => {
            let lanes: Vec<Lane> = Runtime::lanes_of(a)
                .into_iter()
                .enumerate()
                .map(|(j, l)| if c >> j & 1 == 1 { l } else { Lane::Zero })
                .collect();
            boolean(rt.column(&lanes))
        }
        (Op::Not(_), [V::B(a)]) => boolean(not(me, a)),
        (Op::Lt(_) | Op::Le(_) | Op::Eq(_), [x, y]) => {
            let cmp = match op {
                Op::Lt(_) => Cmp::Lt,
                Op::Le(_) => Cmp::Le,
                _ => Cmp::Eq,
            };
            let lane = match (types[0], types[1]) {
                (WireType::Arith { width: wa }, WireType::Arith { width: wb }) => {
                    let l = (wa.max(wb) as u32 + 1).min(64);
                    compare_arith(&rt, cmp, x, y, l).await?
                }
                (WireType::Bool { width }, _) => compare_bool(&rt, cmp, x, y, width as u32).await?,
                _ => return Err(internal("comparison of mixed kinds")),
            };
            boolean(rt.column(&[lane]))
        }
        (Op::Mux(_), [V::Pub(c), a, b]) => Ok(value_of(if c & 1 == 1 { a } else { b })),
        (Op::Mux(_), [V::B(s), a, b]) => match ty {
            WireType::Bool { width } => boolean(mux_bool(&rt, s, a, b, width as u32).await?),
            WireType::Arith { .. } => arith(mux_arith(&rt, s, a, b).await?),
        },
        (Op::BitMul(_), [V::Pub(c), x]) => Ok(if c & 1 == 1 {
            value_of(x)
        } else {
            Value::Public(0)
        }),
        (Op::BitMul(_), [V::B(s), V::Pub(x)]) => arith(bit_times(&rt, s, &Base::Pub(*x)).await?),
        (Op::BitMul(_), [V::B(s), V::A(x)]) => {
            arith(bit_times(&rt, s, &Base::Col((*x).clone())).await?)
        }
        (Op::A2B { width, .. }, [V::A(x)]) => boolean(a2b(&rt, x, *width as u32).await),
        (Op::B2A(_), [V::B(x)]) => arith(b2a(&rt, x).await?),
        _ => Err(internal(&format!(
            "no secure rule for `{}` on these operands",
            op.mnemonic()
        ))),
    }
}

/// XOR of `y` into `x`, word by word (both components).
fn xor_into(x: &mut ReplicatedWords, y: &ReplicatedWords) {
    x.own.iter_mut().zip(&y.own).for_each(|(a, b)| *a ^= b);
    x.next.iter_mut().zip(&y.next).for_each(|(a, b)| *a ^= b);
}

/// NOT of every bit of `x`, in place: XOR of public ones into component 0 (party 0's
/// `own`, party 2's `next`), padding kept zero.
fn flip_all(me: PartyId, x: &mut BitSlicedColumn) {
    let w = x.words_per_bit();
    let last = x.last_word_mask();
    let target = match me.index() {
        0 => &mut x.shares.own,
        2 => &mut x.shares.next,
        _ => return,
    };
    if w == 0 {
        return;
    }
    for lane in target.chunks_exact_mut(w) {
        lane.iter_mut().for_each(|a| *a ^= u64::MAX);
        lane[w - 1] ^= u64::MAX ^ last;
    }
}

/// `x ± y` into `x`, word by word (both components).
fn add_into(x: &mut ReplicatedWords, y: &ReplicatedWords, subtract: bool) {
    let f = |a: &mut u64, b: &u64| {
        *a = if subtract {
            a.wrapping_sub(*b)
        } else {
            a.wrapping_add(*b)
        }
    };
    x.own.iter_mut().zip(&y.own).for_each(|(a, b)| f(a, b));
    x.next.iter_mut().zip(&y.next).for_each(|(a, b)| f(a, b));
}

/// The local gates `xor`, `not`, `add`, `sub` computed in the buffer of an operand that no
/// other gate still needs (no allocation); `None` when that is not possible.
fn in_place(op: &Op, me: PartyId, operands: &mut Vec<Rc<Value>>) -> Option<Value> {
    let same_len = |a: &ReplicatedWords, b: &ReplicatedWords| {
        a.own.len() == b.own.len() && a.next.len() == b.next.len()
    };
    match (op, operands.len()) {
        (Op::Not(_), 1) => {
            let a = operands.pop()?;
            match Rc::try_unwrap(a) {
                Ok(Value::Bool(mut x)) => {
                    flip_all(me, &mut x);
                    Some(Value::Bool(x))
                }
                Ok(other) => {
                    operands.push(Rc::new(other));
                    None
                }
                Err(a) => {
                    operands.push(a);
                    None
                }
            }
        }
        (Op::Xor(_) | Op::Add(_) | Op::Sub(_), 2) => {
            // Try the first operand's buffer, then (commutative ops) the second's.
            for first in [true, false] {
                if !first && matches!(op, Op::Sub(_)) {
                    break;
                }
                let (k, j) = if first { (0, 1) } else { (1, 0) };
                let compatible = match (&*operands[k], &*operands[j]) {
                    (Value::Bool(x), Value::Bool(y)) => {
                        matches!(op, Op::Xor(_)) && same_len(&x.shares, &y.shares)
                    }
                    (Value::Arith(x), Value::Arith(y)) => {
                        !matches!(op, Op::Xor(_)) && same_len(&x.shares, &y.shares)
                    }
                    _ => false,
                };
                if !compatible || Rc::strong_count(&operands[k]) != 1 {
                    continue;
                }
                let other = operands.swap_remove(j);
                let mine = operands.pop()?;
                let Ok(mut v) = Rc::try_unwrap(mine) else {
                    unreachable!("checked unique")
                };
                match (&mut v, &*other) {
                    (Value::Bool(x), Value::Bool(y)) => xor_into(&mut x.shares, &y.shares),
                    (Value::Arith(x), Value::Arith(y)) => {
                        add_into(&mut x.shares, &y.shares, matches!(op, Op::Sub(_)))
                    }
                    _ => unreachable!("checked compatible"),
                }
                return Some(v);
            }
            None
        }
        _ => None,
    }
}

fn value_of(v: &V<'_>) -> Value {
    match v {
        V::Pub(c) => Value::Public(*c),
        V::A(a) => Value::Arith((*a).clone()),
        V::B(b) => Value::Bool((*b).clone()),
        V::Local(c) => Value::Local(c.to_vec()),
        V::Absent => Value::Absent,
    }
}

/// `share`: the owner inputs its local column in the form `to`; a pre-shared (secret)
/// operand is converted instead.
async fn share(
    rt: &Runtime,
    to: WireType,
    x: &V<'_>,
    owner: Option<PartyId>,
) -> Result<Value, ProtocolError> {
    let values = match x {
        V::A(a) => {
            return Ok(match to {
                WireType::Arith { .. } => Value::Arith((*a).clone()),
                WireType::Bool { width } => Value::Bool(a2b(rt, a, width as u32).await),
            })
        }
        V::B(b) => {
            return Ok(match to {
                WireType::Bool { .. } => Value::Bool((*b).clone()),
                WireType::Arith { .. } => Value::Arith(b2a(rt, b).await?),
            })
        }
        V::Pub(_) => return Err(internal("share of a public wire")),
        // The owner's plaintext in the shared form (the IR's `share` semantics).
        V::Local(c) => Some(match to {
            WireType::Bool { width } => c.iter().map(|v| v & mask(width)).collect::<Vec<u64>>(),
            WireType::Arith { .. } => c.to_vec(),
        }),
        V::Absent => None,
    };
    let owner = owner.ok_or_else(|| internal("share of a wire without owner"))?;
    let width = match to {
        WireType::Arith { .. } => None,
        WireType::Bool { width } => Some(width as u32),
    };
    match rt
        .input(
            owner,
            vec![InputSpec {
                width,
                values,
                rows: rt.rows(),
            }],
        )
        .await
        .pop()
    {
        Some(SharedColumn::Arith(a)) => Ok(Value::Arith(a)),
        Some(SharedColumn::Bool(b)) => Ok(Value::Bool(b)),
        None => Err(internal("input returned no column")),
    }
}

/// `s ? a : b = b ⊕ s·(a ⊕ b)` for `Bool{width}` operands (secret or public) and a secret
/// one-bit `s`: the plan [`lanes::select`] (no round when `a ⊕ b` is public).
pub(crate) async fn mux_bool(
    rt: &Runtime,
    s: &BitSlicedColumn,
    a: &V<'_>,
    b: &V<'_>,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    let me = rt.party();
    let mut inputs = vec![bit_lane(s)];
    let d = match (a, b) {
        (V::Pub(x), V::Pub(y)) => Operand::Public(x ^ y),
        (V::B(x), V::Pub(y)) | (V::Pub(y), V::B(x)) => {
            inputs.extend(Runtime::lanes_of(&xor_public(me, x, *y)));
            Operand::Secret
        }
        (V::B(x), V::B(y)) => {
            inputs.extend(Runtime::lanes_of(&xor(x, y)?));
            Operand::Secret
        }
        _ => return Err(internal("mux operands")),
    };
    let t = rt.run_plan(&lanes::select(width, d), inputs).await;
    let t = rt.column(&t);
    match b {
        V::Pub(y) => Ok(xor_public(me, &t, *y)),
        V::B(y) => xor(&t, y),
        _ => Err(internal("mux operands")),
    }
}

/// `s ? a : b = b + s·(a − b)` for arithmetic operands (secret or public) and a secret
/// one-bit `s`: bit × value, one OT if `a − b` is public, two otherwise.
pub(crate) async fn mux_arith(
    rt: &Runtime,
    s: &BitSlicedColumn,
    a: &V<'_>,
    b: &V<'_>,
) -> Result<ArithColumn, ProtocolError> {
    let me = rt.party();
    let d = match (a, b) {
        (V::Pub(x), V::Pub(y)) => Base::Pub(x.wrapping_sub(*y)),
        (V::A(x), V::Pub(y)) => Base::Col(sub_public(me, x, *y)),
        (V::Pub(x), V::A(y)) => Base::Col(public_sub(me, *x, y)),
        (V::A(x), V::A(y)) => Base::Col(sub(x, y)?),
        _ => return Err(internal("mux operands")),
    };
    let t = bit_times(rt, s, &d).await?;
    match b {
        V::Pub(y) => Ok(add_public(me, &t, *y)),
        V::A(y) => add(&t, y),
        _ => Err(internal("mux operands")),
    }
}
