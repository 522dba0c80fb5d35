//! Conversions as step functions on the shared round: A2B and MSB (full adder and a
//! Sklansky prefix or carry tree, ABY3 §5.3), B2A and bit × value (three-party OT, ABY3
//! §5.4). The same algorithms, public-constant shortcuts and costs as the engine's
//! `crate::ops::convert`; see the table in [`super::gates`].
//!
//! Reveals nothing: every message is an AND output masked by a fresh zero sharing, or an
//! OT message masked by randomness the receiver does not hold.

use crate::ops::arith::{add, mul_public};
use crate::ops::convert::bitslice;
use crate::share::{ArithColumn, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::lanes::Lane;
use super::round::{OtJob, Runtime};

/// A public word or a secret arithmetic column.
pub(crate) enum Base {
    Pub(u64),
    Col(ArithColumn),
}

/// `b · d` for a one-bit column `b` and a public word or arithmetic column `d` (ABY3 §5.4):
/// one OT (sender `P_0`) for a public `d`; two (senders `P_0` with `d_0 + d_1`, `P_2` with
/// `d_2`) for a shared one. One round.
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
/// value 1) in one round.
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

/// The full-adder layer of A2B/MSB on the low `bits` bits of `x`: sum lanes (local) and
/// carry lanes shifted up by one (one AND round, `bits − 1` ANDs).
async fn full_adder(rt: &Runtime, x: &ArithColumn, bits: u32) -> (Vec<Lane>, Vec<Lane>) {
    let w = rt.wpb();
    let own = bitslice(&x.shares.own, bits);
    let next = bitslice(&x.shares.next, bits);
    let carries = (bits as usize - 1) * w;
    let z: Vec<u64> = own[..carries]
        .iter()
        .zip(&next[..carries])
        .map(|(o, n)| o & n)
        .collect();
    let c = rt.and_words(z).await;
    let s: Vec<Lane> = (0..bits as usize)
        .map(|j| {
            Lane::Shared(ReplicatedWords {
                own: own[j * w..(j + 1) * w].to_vec(),
                next: next[j * w..(j + 1) * w].to_vec(),
            })
        })
        .collect();
    let mut cs = vec![Lane::Zero];
    cs.extend((0..bits as usize - 1).map(|j| Lane::Shared(c.slice(j * w..(j + 1) * w))));
    (s, cs)
}

/// Generate/propagate leaves of `s + c` for positions `1..bits − 1` (one AND round).
async fn leaves(rt: &Runtime, s: &[Lane], c: &[Lane], bits: usize) -> Vec<(Lane, Lane)> {
    let reqs: Vec<(&Lane, &Lane)> = (1..bits - 1).map(|j| (&s[j], &c[j])).collect();
    let g = rt.and_batch(&reqs).await;
    g.into_iter()
        .zip(1..bits - 1)
        .map(|(g, j)| (g, rt.xor(&s[j], &c[j])))
        .collect()
}

/// Bit `bits − 1` of each value of `x` (ABY3 §5.3 MSB; the engine's `msb`).
pub(crate) async fn msb(rt: &Runtime, x: &ArithColumn, bits: u32) -> Lane {
    let (s, c) = full_adder(rt, x, bits).await;
    let top = bits as usize - 1;
    let carry = if bits >= 3 {
        let l = leaves(rt, &s, &c, bits as usize).await;
        rt.carry_out(l).await
    } else {
        Lane::Zero
    };
    rt.xor(&rt.xor(&s[top], &c[top]), &carry)
}

/// The low `bits` bits of each value of `x`, bit-sliced (the engine's `a2b`).
pub(crate) async fn a2b(rt: &Runtime, x: &ArithColumn, bits: u32) -> BitSlicedColumn {
    let (s, c) = full_adder(rt, x, bits).await;
    let b = bits as usize;
    let carry_in: Vec<Lane> = if b >= 3 {
        let l = leaves(rt, &s, &c, b).await;
        let mut ci = vec![Lane::Zero, Lane::Zero];
        ci.extend(rt.prefix(l).await.into_iter().take(b - 2));
        ci
    } else {
        vec![Lane::Zero; b]
    };
    let out: Vec<Lane> = (0..b)
        .map(|j| rt.xor(&rt.xor(&s[j], &c[j]), &carry_in[j]))
        .collect();
    rt.column(&out)
}
