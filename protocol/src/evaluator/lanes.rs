//! Bit positions ("lanes") of bit-sliced columns and the AND trees on them, as step
//! functions: each tree level submits its ANDs to the shared round ([`Runtime`]) instead of
//! running its own, so the levels of many gates go into the same rounds.
//!
//! The algorithms and their public-constant shortcuts are exactly those of the engine's
//! comparison and conversion code (`crate::ops::compare`, `crate::ops::convert`), so the
//! AND and round counts are the engine's (and the cost model's): a reduction tree for the
//! carry out of an adder, a Sklansky parallel prefix for all carries, an AND tree for
//! equality. A lane is either a public constant (all rows 0 or 1) or a sharing of
//! `words_per_bit(rows)` words; ANDs with constants are local, and a level whose ANDs are
//! all local costs no round. Whether a lane is constant depends only on public data, so
//! all parties take the same branches.
//!
//! Reveals nothing: every AND goes through the masked AND round.

use crate::ops::boolean::and_local;
use crate::share::{last_word_mask, BitSlicedColumn, ReplicatedWords};

use super::round::Runtime;

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

impl Runtime {
    fn ones_words(&self) -> Vec<u64> {
        let mut v = vec![u64::MAX; self.wpb()];
        if let Some(l) = v.last_mut() {
            *l = last_word_mask(self.rows());
        }
        v
    }

    /// XOR of public ones into component 0 (local NOT).
    fn flip(&self, mut s: ReplicatedWords) -> ReplicatedWords {
        let ones = self.ones_words();
        let target = match self.party().index() {
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

    /// ANDs of all pairs: constants locally, shared pairs in the next round (no round if
    /// none is shared).
    pub(crate) async fn and_batch(&self, reqs: &[(&Lane, &Lane)]) -> Vec<Lane> {
        let w = self.wpb();
        let mut out: Vec<Option<Lane>> = Vec::with_capacity(reqs.len());
        let mut z = Vec::new();
        for (a, b) in reqs {
            out.push(match (a, b) {
                (Lane::Zero, _) | (_, Lane::Zero) => Some(Lane::Zero),
                (Lane::One, x) | (x, Lane::One) => Some((*x).clone()),
                (Lane::Shared(x), Lane::Shared(y)) => {
                    let at = z.len();
                    z.resize(at + w, 0);
                    and_local(&x.own, &x.next, &y.own, &y.next, &mut z[at..]);
                    None
                }
            });
        }
        let done = self.and_words(z).await;
        let mut k = 0;
        out.into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    let l = Lane::Shared(done.slice(k * w..(k + 1) * w));
                    k += 1;
                    l
                })
            })
            .collect()
    }

    /// Carry out of an adder from (generate, propagate) leaves, lowest first: a reduction
    /// tree of ⌈log2 n⌉ levels; the lowest group's propagate is never computed.
    pub(crate) async fn carry_out(&self, leaves: Vec<(Lane, Lane)>) -> Lane {
        let mut groups: Vec<(Lane, Option<Lane>)> = leaves
            .into_iter()
            .enumerate()
            .map(|(i, (g, p))| (g, if i == 0 { None } else { Some(p) }))
            .collect();
        if groups.is_empty() {
            return Lane::Zero;
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
            let mut res = self.and_batch(&reqs).await.into_iter();
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
        groups.pop().expect("one group left").0
    }

    /// Sklansky parallel prefix: for every position `j`, the generate of positions `0..=j`.
    pub(crate) async fn prefix(&self, leaves: Vec<(Lane, Lane)>) -> Vec<Lane> {
        let n = leaves.len();
        let mut g: Vec<Lane> = Vec::with_capacity(n);
        let mut p: Vec<Option<Lane>> = Vec::with_capacity(n);
        for (i, (gi, pi)) in leaves.into_iter().enumerate() {
            g.push(gi);
            p.push(if i == 0 { None } else { Some(pi) });
        }
        let mut half = 1;
        while half < n {
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
            let mut res = self.and_batch(&reqs).await.into_iter();
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
        g
    }

    /// The AND of all lanes: a tree of ⌈log2 n⌉ levels, `n − 1` ANDs; 1 for no lanes.
    pub(crate) async fn and_all(&self, mut lanes: Vec<Lane>) -> Lane {
        if lanes.is_empty() {
            return Lane::One;
        }
        while lanes.len() > 1 {
            let reqs: Vec<(&Lane, &Lane)> = lanes
                .chunks(2)
                .filter_map(|c| if let [a, b] = c { Some((a, b)) } else { None })
                .collect();
            let res = self.and_batch(&reqs).await;
            let odd = if lanes.len() % 2 == 1 {
                lanes.pop()
            } else {
                None
            };
            lanes = res;
            lanes.extend(odd);
        }
        lanes.pop().expect("one lane left")
    }

    /// The lanes of a column, lowest bit first.
    pub(crate) fn lanes_of(x: &BitSlicedColumn) -> Vec<Lane> {
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

    /// The lanes of a public `width`-bit value.
    pub(crate) fn lanes_public(value: u64, width: u32) -> Vec<Lane> {
        (0..width)
            .map(|b| {
                if value >> b & 1 == 1 {
                    Lane::One
                } else {
                    Lane::Zero
                }
            })
            .collect()
    }

    /// A column from lanes, lowest bit first (1..=64 lanes).
    pub(crate) fn column(&self, lanes: &[Lane]) -> BitSlicedColumn {
        let mut shares = ReplicatedWords::default();
        for l in lanes {
            shares.extend(&self.materialize(l));
        }
        BitSlicedColumn {
            width: lanes.len() as u32,
            rows: self.rows(),
            shares,
        }
    }
}

/// Narrow widths are bit-sliced bit by bit; wider ones by 64 × 64 transposes.
const NARROW: u32 = 4;

/// Plaintext `values` (their low `width` bits) bit-sliced: the engine's
/// [`crate::ops::convert::bitslice`], with a direct loop for narrow widths (a one-bit column
/// needs no transpose).
pub(crate) fn bitslice_values(values: &[u64], width: u32) -> Vec<u64> {
    if width > NARROW {
        return crate::ops::convert::bitslice(values, width);
    }
    let w = crate::share::words_per_bit(values.len());
    let mut out = vec![0u64; width as usize * w];
    for (r, v) in values.iter().enumerate() {
        for b in 0..width as usize {
            out[b * w + r / 64] |= (v >> b & 1) << (r % 64);
        }
    }
    out
}

/// The inverse of [`bitslice_values`]: `rows` values of `width` bits.
pub(crate) fn unbitslice_values(words: &[u64], width: u32, rows: usize) -> Vec<u64> {
    if width > NARROW {
        return crate::ops::convert::unbitslice(words, width, rows);
    }
    let w = crate::share::words_per_bit(rows);
    (0..rows)
        .map(|r| {
            (0..width as usize).fold(0u64, |acc, b| {
                acc | (words[b * w + r / 64] >> (r % 64) & 1) << b
            })
        })
        .collect()
}
