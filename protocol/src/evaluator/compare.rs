//! Comparisons as step functions on the shared round: arithmetic `lt`/`le` by the MSB of
//! the difference, arithmetic `eq` by an input round and an AND tree, and signed bit-sliced
//! `lt`/`le`/`eq` by carry trees (ABY3 §5.3). The trees are the lane plans of
//! [`samen_circuits::lanes`] (constant-aware, the cost model's); see the table in
//! [`super::gates`].
//!
//! Reveals nothing: every message is an AND output masked by a fresh zero sharing, or an
//! input masked by PRF randomness.

use samen_circuits::ir::mask;
use samen_circuits::lanes::{self, Cmp, Operand};

use crate::ops::arith::{neg, public_sub, sub, sub_public};
use crate::ops::convert::bitslice;
use crate::ops::input::SharedColumn;
use crate::share::{ArithColumn, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::convert::msb;
use super::gates::{internal, V};
use super::lanes::Lane;
use super::round::{InputSpec, Runtime};

/// `[d ≡ 0 mod 2^bits]`: `P_0` shares `d_0 + d_1` bit-sliced, compared with `−d_2` (the
/// engine's equality test).
async fn is_zero(rt: &Runtime, d: &ArithColumn, bits: u32) -> Result<Lane, ProtocolError> {
    let me = rt.party();
    let m = mask(bits as u8);
    let plain = (me == PartyId::SVB).then(|| {
        d.shares
            .own
            .iter()
            .zip(&d.shares.next)
            .map(|(x, y)| x.wrapping_add(*y) & m)
            .collect()
    });
    let a = match rt
        .input(
            PartyId::SVB,
            vec![InputSpec {
                width: Some(bits),
                values: plain,
                rows: d.rows(),
            }],
        )
        .await
        .pop()
    {
        Some(SharedColumn::Bool(b)) => b,
        _ => return Err(internal("equality input")),
    };
    let minus = neg(d);
    let len = a.shares.len();
    let b = match me.index() {
        1 => ReplicatedWords {
            own: vec![0; len],
            next: bitslice(&minus.shares.next, bits),
        },
        2 => ReplicatedWords {
            own: bitslice(&minus.shares.own, bits),
            next: vec![0; len],
        },
        _ => ReplicatedWords::zeros(len),
    };
    let mut inputs = Runtime::lanes_of(&a);
    inputs.extend(Runtime::lanes_of(&BitSlicedColumn {
        width: bits,
        rows: a.rows,
        shares: b,
    }));
    let mut out = rt.run_plan(&lanes::equal_lanes(bits), inputs).await;
    Ok(out.pop().expect("one output"))
}

/// An arithmetic operand as a column (`Pub` as a public sharing).
fn diff(rt: &Runtime, x: &V<'_>, y: &V<'_>) -> Result<ArithColumn, ProtocolError> {
    let me = rt.party();
    Ok(match (x, y) {
        (V::A(a), V::A(b)) => sub(a, b)?,
        (V::A(a), V::Pub(c)) => sub_public(me, a, *c),
        (V::Pub(c), V::A(b)) => public_sub(me, *c, b),
        _ => return Err(internal("arithmetic comparison operands")),
    })
}

/// Arithmetic `lt`/`le`/`eq` on `l` bits (see [`samen_circuits::eval`]).
pub(crate) async fn compare_arith(
    rt: &Runtime,
    op: Cmp,
    x: &V<'_>,
    y: &V<'_>,
    l: u32,
) -> Result<Lane, ProtocolError> {
    Ok(match op {
        Cmp::Lt => msb(rt, &diff(rt, x, y)?, l).await,
        Cmp::Le => rt.not(msb(rt, &diff(rt, y, x)?, l).await),
        Cmp::Eq => is_zero(rt, &diff(rt, x, y)?, l).await?,
    })
}

/// Signed `lt`/`le`/`eq` of `Bool{w}` operands (at least one secret): the plan
/// [`lanes::compare_bool`] on the lanes of the secret operands.
pub(crate) async fn compare_bool(
    rt: &Runtime,
    cmp: Cmp,
    x: &V<'_>,
    y: &V<'_>,
    w: u32,
) -> Result<Lane, ProtocolError> {
    let mut inputs = Vec::new();
    let mut operand = |v: &V<'_>| match v {
        V::B(b) if b.width == w => {
            inputs.extend(Runtime::lanes_of(b));
            Ok(Operand::Secret)
        }
        V::Pub(c) => Ok(Operand::Public(*c)),
        _ => Err(internal("boolean comparison operands")),
    };
    let (ox, oy) = (operand(x)?, operand(y)?);
    let plan = lanes::compare_bool(cmp, w, ox, oy)
        .ok_or_else(|| internal("boolean comparison of two public values"))?;
    let mut out = rt.run_plan(&plan, inputs).await;
    Ok(out.pop().expect("one output"))
}

/// Unsigned `x ≥ y` for a secret `w`-bit `x` and a secret `y` of the same width or a public
/// `k` (any word): the plan [`lanes::ge_unsigned`].
pub(crate) async fn ge_unsigned(
    rt: &Runtime,
    x: &BitSlicedColumn,
    y: &V<'_>,
) -> Result<Lane, ProtocolError> {
    let mut inputs = Runtime::lanes_of(x);
    let y = match y {
        V::B(b) if b.width == x.width => {
            inputs.extend(Runtime::lanes_of(b));
            Operand::Secret
        }
        V::Pub(k) => Operand::Public(*k),
        _ => return Err(internal("unsigned comparison operands")),
    };
    let mut out = rt.run_plan(&lanes::ge_unsigned(x.width, y), inputs).await;
    Ok(out.pop().expect("one output"))
}
