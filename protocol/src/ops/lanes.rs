//! Bit positions ("lanes") of bit-sliced columns with public constants tracked, and the
//! AND trees built on them: the carry of an adder (reduction and parallel prefix) and
//! the AND of many bits.
//!
//! A lane is one bit position of all rows: either a public constant (all rows 0 or all
//! rows 1, known to every party) or a sharing of `words_per_bit(rows)` words. ANDs with a
//! constant are local, so a tree only sends what it must; ANDs of shared lanes of one
//! tree level go into one round. Whether a lane is constant depends only on public data
//! (widths, public operands), so all parties take the same branch and their rounds stay
//! in step.

use crate::context::Context;
use crate::share::{last_word_mask, words_per_bit, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::boolean::and_words_many;
use super::clear_padding;

/// One bit position of all rows.
#[derive(Clone, Debug)]
pub(crate) enum Lane {
    /// Public 0 in every row.
    Zero,
    /// Public 1 in every row.
    One,
    /// Shared.
    Shared(ReplicatedWords),
}

/// Lane arithmetic for one party and one row count.
pub(crate) struct Lanes {
    party: PartyId,
    rows: usize,
}

impl Lanes {
    pub(crate) fn new(party: PartyId, rows: usize) -> Lanes {
        Lanes { party, rows }
    }

    fn wpb(&self) -> usize {
        words_per_bit(self.rows)
    }

    /// Public all-ones words (padding zero).
    fn ones_words(&self) -> Vec<u64> {
        let mut v = vec![u64::MAX; self.wpb()];
        if let Some(l) = v.last_mut() {
            *l = last_word_mask(self.rows);
        }
        v
    }

    /// XOR of public all-ones into component 0 (local NOT).
    fn flip(&self, mut s: ReplicatedWords) -> ReplicatedWords {
        let ones = self.ones_words();
        let target = match self.party.index() {
            0 => &mut s.own,
            2 => &mut s.next,
            _ => return s,
        };
        target.iter_mut().zip(&ones).for_each(|(a, b)| *a ^= b);
        s
    }

    pub(crate) fn materialize(&self, l: &Lane) -> ReplicatedWords {
        match l {
            Lane::Zero => ReplicatedWords::zeros(self.wpb()),
            Lane::One => self.flip(ReplicatedWords::zeros(self.wpb())),
            Lane::Shared(s) => s.clone(),
        }
    }

    pub(crate) fn not(&self, a: &Lane) -> Lane {
        match a {
            Lane::Zero => Lane::One,
            Lane::One => Lane::Zero,
            Lane::Shared(s) => Lane::Shared(self.flip(s.clone())),
        }
    }

    pub(crate) fn xor(&self, a: &Lane, b: &Lane) -> Lane {
        match (a, b) {
            (Lane::Zero, x) | (x, Lane::Zero) => x.clone(),
            (Lane::One, x) | (x, Lane::One) => self.not(x),
            (Lane::Shared(x), Lane::Shared(y)) => Lane::Shared(ReplicatedWords {
                own: x.own.iter().zip(&y.own).map(|(a, b)| a ^ b).collect(),
                next: x.next.iter().zip(&y.next).map(|(a, b)| a ^ b).collect(),
            }),
        }
    }

    /// ANDs of all requested pairs: constants locally, shared pairs in one round (none if
    /// no pair is shared).
    pub(crate) fn and_batch(
        &self,
        ctx: &mut Context,
        reqs: &[(&Lane, &Lane)],
    ) -> Result<Vec<Lane>, ProtocolError> {
        let mut out: Vec<Option<Lane>> = Vec::with_capacity(reqs.len());
        let mut pending = Vec::new();
        for (a, b) in reqs {
            out.push(match (a, b) {
                (Lane::Zero, _) | (_, Lane::Zero) => Some(Lane::Zero),
                (Lane::One, x) | (x, Lane::One) => Some((*x).clone()),
                (Lane::Shared(x), Lane::Shared(y)) => {
                    pending.push((x, y));
                    None
                }
            });
        }
        let mut done = and_words_many(ctx, &pending)?.into_iter();
        Ok(out
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    let mut s = done.next().expect("one result per shared pair");
                    clear_padding(&mut s.own, self.rows);
                    clear_padding(&mut s.next, self.rows);
                    Lane::Shared(s)
                })
            })
            .collect())
    }

    /// The carry out of an adder given the (generate, propagate) pair of every position,
    /// lowest first: a reduction tree of ⌈log2 n⌉ rounds,
    /// `(G, P)_{hi} ∘ (G, P)_{lo} = (G_hi ⊕ P_hi·G_lo, P_hi·P_lo)`. `G_hi` and `P_hi·G_lo`
    /// cannot both be 1, so XOR is OR here. The propagate of the group holding position 0
    /// is never needed and not computed. An empty list has no carry.
    pub(crate) fn carry_out(
        &self,
        ctx: &mut Context,
        leaves: Vec<(Lane, Lane)>,
    ) -> Result<Lane, ProtocolError> {
        let mut groups: Vec<(Lane, Option<Lane>)> = leaves
            .into_iter()
            .enumerate()
            .map(|(i, (g, p))| (g, if i == 0 { None } else { Some(p) }))
            .collect();
        if groups.is_empty() {
            return Ok(Lane::Zero);
        }
        while groups.len() > 1 {
            let mut reqs = Vec::new();
            for pair in groups.chunks(2) {
                if let [lo, hi] = pair {
                    let p_hi = hi.1.as_ref().expect("only the lowest group lacks P");
                    reqs.push((p_hi, &lo.0));
                    if let Some(p_lo) = lo.1.as_ref() {
                        reqs.push((p_hi, p_lo));
                    }
                }
            }
            let mut res = self.and_batch(ctx, &reqs)?.into_iter();
            let mut next = Vec::with_capacity(groups.len().div_ceil(2));
            let mut it = groups.into_iter();
            while let Some(lo) = it.next() {
                match it.next() {
                    Some(hi) => {
                        let g = self.xor(&hi.0, &res.next().expect("G request"));
                        let p = if lo.1.is_some() {
                            Some(res.next().expect("P request"))
                        } else {
                            None
                        };
                        next.push((g, p));
                    }
                    None => next.push(lo),
                }
            }
            groups = next;
        }
        Ok(groups.pop().expect("one group left").0)
    }

    /// Parallel prefix (Sklansky): for every position `j`, the generate of positions
    /// `0..=j`, i.e. the carry into position `j + 1`. ⌈log2 n⌉ rounds, about
    /// `(n/2)·log2 n` merges.
    pub(crate) fn prefix(
        &self,
        ctx: &mut Context,
        leaves: Vec<(Lane, Lane)>,
    ) -> Result<Vec<Lane>, ProtocolError> {
        let n = leaves.len();
        let mut g: Vec<Lane> = Vec::with_capacity(n);
        let mut p: Vec<Option<Lane>> = Vec::with_capacity(n);
        for (i, (gi, pi)) in leaves.into_iter().enumerate() {
            g.push(gi);
            p.push(if i == 0 { None } else { Some(pi) });
        }
        let mut half = 1;
        while half < n {
            // (target j, source m, whether j's group still needs its P afterwards)
            let mut plan = Vec::new();
            let mut b = 0;
            while b < n {
                let m = b + half - 1;
                for j in (m + 1)..(b + 2 * half).min(n) {
                    plan.push((j, m, b != 0));
                }
                b += 2 * half;
            }
            let mut reqs = Vec::new();
            for &(j, m, keep_p) in &plan {
                let pj = p[j].as_ref().expect("a group not starting at 0 keeps P");
                reqs.push((pj, &g[m]));
                if keep_p {
                    reqs.push((
                        pj,
                        p[m].as_ref().expect("a group not starting at 0 keeps P"),
                    ));
                }
            }
            let mut res = self.and_batch(ctx, &reqs)?.into_iter();
            for &(j, _, keep_p) in &plan {
                let t = res.next().expect("G request");
                g[j] = self.xor(&g[j], &t);
                p[j] = if keep_p {
                    Some(res.next().expect("P request"))
                } else {
                    None
                };
            }
            half *= 2;
        }
        Ok(g)
    }

    /// The AND of all lanes (a tree of ⌈log2 n⌉ rounds, n − 1 ANDs); 1 for no lanes.
    pub(crate) fn and_all(
        &self,
        ctx: &mut Context,
        mut lanes: Vec<Lane>,
    ) -> Result<Lane, ProtocolError> {
        if lanes.is_empty() {
            return Ok(Lane::One);
        }
        while lanes.len() > 1 {
            let reqs: Vec<(&Lane, &Lane)> = lanes
                .chunks(2)
                .filter_map(|c| if let [a, b] = c { Some((a, b)) } else { None })
                .collect();
            let res = self.and_batch(ctx, &reqs)?;
            let odd = if lanes.len() % 2 == 1 {
                lanes.pop()
            } else {
                None
            };
            lanes = res;
            lanes.extend(odd);
        }
        Ok(lanes.pop().expect("one lane left"))
    }

    /// The lanes of a column, lowest bit first.
    pub(crate) fn of_column(x: &BitSlicedColumn) -> Vec<Lane> {
        (0..x.width)
            .map(|b| {
                let (o, n) = x.bit(b);
                Lane::Shared(ReplicatedWords {
                    own: o.to_vec(),
                    next: n.to_vec(),
                })
            })
            .collect()
    }

    /// A column from lanes, lowest bit first (`lanes.len()` in 1..=64).
    pub(crate) fn to_column(&self, lanes: &[Lane]) -> BitSlicedColumn {
        let mut shares = ReplicatedWords::default();
        for l in lanes {
            shares.extend(&self.materialize(l));
        }
        BitSlicedColumn {
            width: lanes.len() as u32,
            rows: self.rows,
            shares,
        }
    }
}
