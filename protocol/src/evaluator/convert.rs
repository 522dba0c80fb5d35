//! Conversions as step functions on the shared round: A2B and MSB (the lane plans
//! [`samen_circuits::lanes::a2b`] and [`samen_circuits::lanes::msb`]: full adder, then a
//! Sklansky prefix or a carry tree, ABY3 §5.3), B2A and bit × value (two-round three-party OT
//! after ABY3 §5.4, formed by [`super::products::form`]); see the table in [`super::gates`].
//!
//! Reveals nothing: every message is an AND output masked by a fresh zero sharing, or an
//! OT message masked by randomness the receiver does not hold.

use crate::ops::arith::{add, mul_public};
use crate::ops::convert::bitslice;
use crate::share::{ArithColumn, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use samen_circuits::lanes;

use super::lanes::Lane;
use super::products::OtJob;
use super::round::Runtime;

/// A public word or a secret arithmetic column.
pub(crate) enum Base {
    Pub(u64),
    Col(ArithColumn),
}

/// `b · d` for a one-bit column `b` and a public word or arithmetic column `d` (ABY3 §5.4):
/// one OT (sender `P_0`) for a public `d`; two (senders `P_0` with `d_0 + d_1`, `P_2` with
/// `d_2`) for a shared one. Two rounds.
pub(crate) async fn bit_times(
    rt: &Runtime,
    b: &BitSlicedColumn,
    d: &Base,
) -> Result<ArithColumn, ProtocolError> {
    let me = rt.party();
    let rows = rt.rows();
    let choice = b.shares.clone();
    let jobs = match d {
        Base::Pub(c) => vec![OtJob {
            sender: PartyId::SVB,
            choice,
            s: (me == PartyId::SVB).then(|| vec![*c; rows]),
        }],
        Base::Col(v) => vec![
            OtJob {
                sender: PartyId::SVB,
                choice: choice.clone(),
                s: (me == PartyId::SVB).then(|| {
                    v.shares
                        .own
                        .iter()
                        .zip(&v.shares.next)
                        .map(|(a, b)| a.wrapping_add(*b))
                        .collect()
                }),
            },
            OtJob {
                sender: PartyId::BELASTINGDIENST,
                choice,
                s: (me == PartyId::BELASTINGDIENST).then(|| v.shares.own.clone()),
            },
        ],
    };
    let parts = rt.ot(jobs).await;
    let mut acc = ArithColumn::new(ReplicatedWords::zeros(rows));
    for p in &parts {
        acc = add(&acc, p)?;
    }
    Ok(acc)
}

/// B2A of a `Bool{w}` column: the unsigned value `Σ 2^j b_j`, `w` OTs (sender `P_0`,
/// value 1) in the same two rounds.
pub(crate) async fn b2a(rt: &Runtime, x: &BitSlicedColumn) -> Result<ArithColumn, ProtocolError> {
    let me = rt.party();
    let rows = rt.rows();
    let jobs = (0..x.width)
        .map(|j| {
            let (o, n) = x.bit(j);
            OtJob {
                sender: PartyId::SVB,
                choice: ReplicatedWords {
                    own: o.to_vec(),
                    next: n.to_vec(),
                },
                s: (me == PartyId::SVB).then(|| vec![1u64; rows]),
            }
        })
        .collect();
    let parts = rt.ot(jobs).await;
    let mut acc = ArithColumn::new(ReplicatedWords::zeros(rows));
    for (j, p) in parts.iter().enumerate() {
        acc = add(&acc, &mul_public(p, 1u64 << j))?;
    }
    Ok(acc)
}

/// The inputs of the A2B/MSB plans: for each arithmetic component `k` of `x`, its low
/// `bits` bits as a sharing whose other components are zero (component `k` is held as
/// `own` by party `k` and as `next` by party `k − 1`), lowest bit first. Local.
fn component_lanes(rt: &Runtime, x: &ArithColumn, bits: u32) -> Vec<Lane> {
    let w = rt.wpb();
    let me = rt.party().index();
    let own = bitslice(&x.shares.own, bits);
    let next = bitslice(&x.shares.next, bits);
    let mut lanes = Vec::with_capacity(3 * bits as usize);
    for k in 0..3 {
        for j in 0..bits as usize {
            let part = |v: &[u64], held: bool| {
                if held {
                    v[j * w..(j + 1) * w].to_vec()
                } else {
                    vec![0; w]
                }
            };
            lanes.push(Lane::shared(ReplicatedWords {
                own: part(&own, k == me),
                next: part(&next, k == (me + 1) % 3),
            }));
        }
    }
    lanes
}

/// Bit `bits − 1` of each value of `x` (ABY3 §5.3 MSB): the plan [`lanes::msb`].
pub(crate) async fn msb(rt: &Runtime, x: &ArithColumn, bits: u32) -> Lane {
    let mut out = rt
        .run_plan(&lanes::msb(bits), component_lanes(rt, x, bits))
        .await;
    out.pop().expect("one output")
}

/// The low `bits` bits of each value of `x`, bit-sliced: the plan [`lanes::a2b`].
pub(crate) async fn a2b(rt: &Runtime, x: &ArithColumn, bits: u32) -> BitSlicedColumn {
    let out = rt
        .run_plan(&lanes::a2b(bits), component_lanes(rt, x, bits))
        .await;
    rt.column(&out)
}
