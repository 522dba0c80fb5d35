//! Comparisons as step functions on the shared round: arithmetic `lt`/`le` by the MSB of
//! the difference, arithmetic `eq` by an input round and an AND tree, and signed bit-sliced
//! `lt`/`le`/`eq` by carry trees (ABY3 §5.3) — the engine's `crate::ops::compare`, with the
//! same constant-aware trees and costs; see the table in [`super::gates`].
//!
//! Reveals nothing: every message is an AND output masked by a fresh zero sharing, or an
//! input masked by PRF randomness.

use samen_circuits::ir::mask;
use samen_circuits::Op;

use crate::ops::arith::{neg, public_sub, sub, sub_public};
use crate::ops::boolean::xor;
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
    let diff = xor(
        &a,
        &BitSlicedColumn {
            width: bits,
            rows: a.rows,
            shares: b,
        },
    )?;
    let xnor: Vec<Lane> = Runtime::lanes_of(&diff).iter().map(|l| rt.not(l)).collect();
    Ok(rt.and_all(xnor).await)
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
    op: &Op,
    x: &V<'_>,
    y: &V<'_>,
    l: u32,
) -> Result<Lane, ProtocolError> {
    Ok(match op {
        Op::Lt(_) => msb(rt, &diff(rt, x, y)?, l).await,
        Op::Le(_) => rt.not(&msb(rt, &diff(rt, y, x)?, l).await),
        _ => is_zero(rt, &diff(rt, x, y)?, l).await?,
    })
}

/// Lanes of a secret `Bool{w}` column with the sign bit flipped (signed → unsigned order).
fn flipped(rt: &Runtime, x: &BitSlicedColumn) -> Vec<Lane> {
    let mut lanes = Runtime::lanes_of(x);
    if let Some(top) = lanes.last_mut() {
        *top = rt.not(top);
    }
    lanes
}

/// Unsigned `x ≥ y` for secret lanes: carry out of `x + ¬y + 1`.
async fn ge_shared(rt: &Runtime, x: &[Lane], y: &[Lane]) -> Lane {
    let ny: Vec<Lane> = y.iter().map(|l| rt.not(l)).collect();
    let reqs: Vec<(&Lane, &Lane)> = x.iter().zip(&ny).collect();
    let g = rt.and_batch(&reqs).await;
    let mut leaves: Vec<(Lane, Lane)> = g
        .into_iter()
        .zip(x.iter().zip(&ny))
        .map(|(g, (a, b))| (g, rt.xor(a, b)))
        .collect();
    let (g0, p0) = leaves[0].clone();
    leaves[0] = (rt.xor(&g0, &p0), p0);
    rt.carry_out(leaves).await
}

/// Unsigned `x ≥ k` for secret lanes and a public `k`: carry out of `x + (2^w − k)`.
async fn ge_const(rt: &Runtime, x: &[Lane], k: u64) -> Lane {
    let l = x.len() as u32;
    if k == 0 {
        return Lane::One;
    }
    if l < 64 && k >> l != 0 {
        return Lane::Zero;
    }
    let m = k.wrapping_neg() & mask(l as u8);
    let leaves: Vec<(Lane, Lane)> = x
        .iter()
        .enumerate()
        .map(|(j, xj)| {
            if m >> j & 1 == 1 {
                (xj.clone(), rt.not(xj))
            } else {
                (Lane::Zero, xj.clone())
            }
        })
        .collect();
    rt.carry_out(leaves).await
}

/// Signed `lt`/`le`/`eq` of `Bool{w}` operands (at least one secret).
pub(crate) async fn compare_bool(
    rt: &Runtime,
    op: &Op,
    x: &V<'_>,
    y: &V<'_>,
    w: u32,
) -> Result<Lane, ProtocolError> {
    let sign = 1u64 << (w - 1);
    let m = mask(w as u8);
    Ok(match (op, x, y) {
        (Op::Eq(_), V::B(a), V::B(b)) => {
            let d = xor(a, b)?;
            let xnor: Vec<Lane> = Runtime::lanes_of(&d).iter().map(|l| rt.not(l)).collect();
            rt.and_all(xnor).await
        }
        (Op::Eq(_), V::B(a), V::Pub(c)) | (Op::Eq(_), V::Pub(c), V::B(a)) => {
            if w < 64 && c >> w != 0 {
                Lane::Zero
            } else {
                let xnor: Vec<Lane> = Runtime::lanes_of(a)
                    .into_iter()
                    .enumerate()
                    .map(|(j, l)| if c >> j & 1 == 1 { l } else { rt.not(&l) })
                    .collect();
                rt.and_all(xnor).await
            }
        }
        (Op::Lt(_), V::B(a), V::B(b)) => {
            rt.not(&ge_shared(rt, &flipped(rt, a), &flipped(rt, b)).await)
        }
        (Op::Le(_), V::B(a), V::B(b)) => ge_shared(rt, &flipped(rt, b), &flipped(rt, a)).await,
        // x < c ⇔ ¬(x ≥ c);  x ≤ c ⇔ ¬(x ≥ c + 1).
        (Op::Lt(_), V::B(a), V::Pub(c)) => {
            rt.not(&ge_const(rt, &flipped(rt, a), (c ^ sign) & m).await)
        }
        (Op::Le(_), V::B(a), V::Pub(c)) => match ((c ^ sign) & m).checked_add(1) {
            Some(k) => rt.not(&ge_const(rt, &flipped(rt, a), k).await),
            None => Lane::One,
        },
        // c < y ⇔ y ≥ c + 1;  c ≤ y ⇔ y ≥ c.
        (Op::Lt(_), V::Pub(c), V::B(b)) => match ((c ^ sign) & m).checked_add(1) {
            Some(k) => ge_const(rt, &flipped(rt, b), k).await,
            None => Lane::Zero,
        },
        (Op::Le(_), V::Pub(c), V::B(b)) => ge_const(rt, &flipped(rt, b), (c ^ sign) & m).await,
        _ => return Err(internal("boolean comparison operands")),
    })
}
