//! Bit positions ("lanes") of bit-sliced columns, and the executor of lane plans.
//!
//! The AND trees of comparisons and conversions (full adder, carry-out tree, Sklansky
//! prefix, AND-all tree, selector ANDs) are defined once, as data, in
//! [`samen_circuits::lanes`]: the cost model counts those plans and [`Runtime::run_plan`]
//! executes them here, submitting each layer's ANDs to the shared round ([`Runtime`]), so the
//! layers of many gates go into the same rounds and the AND and round counts are the
//! model's by construction. A lane is either a public constant (all rows 0 or 1) or a
//! sharing of `words_per_bit(rows)` words; ANDs with constants are local. Whether a lane
//! is constant depends only on public data, so all parties take the same branches.
//!
//! Reveals nothing: every AND goes through the masked AND round.

use std::rc::Rc;

use samen_circuits::lanes::{LaneRef, Local, Plan};

use crate::share::{last_word_mask, BitSlicedColumn, ReplicatedWords};

use super::products::{Pair, Words};
use super::round::Runtime;

/// One bit position of all rows.
#[derive(Clone, Debug)]
pub(crate) enum Lane {
    /// Public 0 in every row.
    Zero,
    /// Public 1 in every row.
    One,
    /// Shared (by reference: cloning a lane copies no words).
    Shared(Rc<ReplicatedWords>),
}

impl Lane {
    /// A shared lane.
    pub(crate) fn shared(w: ReplicatedWords) -> Lane {
        Lane::Shared(Rc::new(w))
    }
}

/// The words of a shared lane, taken without copying when this is the last handle.
fn unwrap_words(w: Rc<ReplicatedWords>) -> ReplicatedWords {
    Rc::try_unwrap(w).unwrap_or_else(|w| (*w).clone())
}

/// The lanes of a plan's run: each id's lane until its last use.
struct Tape {
    lanes: Vec<Option<Lane>>,
    uses: Vec<u32>,
}

impl Tape {
    fn new(plan: &Plan, inputs: Vec<Lane>) -> Tape {
        let mut uses = vec![0u32; plan.lanes()];
        let mut count = |l: &Local| match *l {
            Local::Xor(a, b) => {
                uses[a as usize] += 1;
                uses[b as usize] += 1;
            }
            Local::Not(a) => uses[a as usize] += 1,
        };
        plan.pre.iter().for_each(&mut count);
        for layer in &plan.layers {
            layer.locals.iter().for_each(&mut count);
        }
        for layer in &plan.layers {
            for &(a, b) in &layer.ands {
                uses[a as usize] += 1;
                uses[b as usize] += 1;
            }
        }
        for o in &plan.outputs {
            if let LaneRef::Id(i) = o {
                uses[*i as usize] += 1;
            }
        }
        let mut lanes: Vec<Option<Lane>> = Vec::with_capacity(plan.lanes());
        lanes.extend(inputs.into_iter().map(Some));
        Tape { lanes, uses }
    }

    /// Lane `id`; the tape lets go of it at its last use.
    fn take(&mut self, id: u32) -> Lane {
        let i = id as usize;
        self.uses[i] -= 1;
        let l = if self.uses[i] == 0 {
            self.lanes[i].take()
        } else {
            self.lanes[i].clone()
        };
        l.expect("a plan uses only lanes it defined")
    }

    fn get(&mut self, r: LaneRef) -> Lane {
        match r {
            LaneRef::Zero => Lane::Zero,
            LaneRef::One => Lane::One,
            LaneRef::Id(i) => self.take(i),
        }
    }
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
            Lane::Shared(s) => (**s).clone(),
        }
    }

    /// `¬a` (local), in `a`'s buffer when this is its last handle.
    pub(crate) fn not(&self, a: Lane) -> Lane {
        match a {
            Lane::Zero => Lane::One,
            Lane::One => Lane::Zero,
            Lane::Shared(s) => Lane::shared(self.flip(unwrap_words(s))),
        }
    }

    /// `a ⊕ b` (local), in `a`'s buffer when this is its last handle.
    pub(crate) fn xor(&self, a: Lane, b: Lane) -> Lane {
        match (a, b) {
            (Lane::Zero, x) | (x, Lane::Zero) => x,
            (Lane::One, x) | (x, Lane::One) => self.not(x),
            (Lane::Shared(x), Lane::Shared(y)) => {
                let mut x = unwrap_words(x);
                x.own.iter_mut().zip(&y.own).for_each(|(a, b)| *a ^= b);
                x.next.iter_mut().zip(&y.next).for_each(|(a, b)| *a ^= b);
                Lane::shared(x)
            }
        }
    }

    /// ANDs of all pairs: constants locally, shared pairs in the next round (no round if
    /// none is shared).
    pub(crate) async fn and_batch(&self, reqs: Vec<(Lane, Lane)>) -> Vec<Lane> {
        let mut out: Vec<Option<Lane>> = Vec::with_capacity(reqs.len());
        let mut pairs = Vec::new();
        for r in reqs {
            out.push(match r {
                (Lane::Zero, _) | (_, Lane::Zero) => Some(Lane::Zero),
                (Lane::One, x) | (x, Lane::One) => Some(x),
                (Lane::Shared(x), Lane::Shared(y)) => {
                    pairs.push(Pair {
                        x: Words::Lane(x),
                        y: Words::Lane(y),
                    });
                    None
                }
            });
        }
        let mut done = self.and_pairs(pairs).await.into_iter();
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Lane::shared(done.next().expect("one result per pair"))))
            .collect()
    }

    /// Runs `plan` (see [`samen_circuits::lanes`]) on `inputs`: each layer's ANDs in one
    /// round, local steps at once. Returns the plan's outputs.
    pub(crate) async fn run_plan(&self, plan: &Plan, inputs: Vec<Lane>) -> Vec<Lane> {
        debug_assert_eq!(inputs.len(), plan.inputs as usize);
        let mut tape = Tape::new(plan, inputs);
        let local = |tape: &mut Tape, l: &Local| {
            let v = match *l {
                Local::Xor(a, b) => {
                    let (x, y) = (tape.take(a), tape.take(b));
                    self.xor(x, y)
                }
                Local::Not(a) => {
                    let x = tape.take(a);
                    self.not(x)
                }
            };
            tape.lanes.push(Some(v));
        };
        for l in &plan.pre {
            local(&mut tape, l);
        }
        for layer in &plan.layers {
            let reqs: Vec<(Lane, Lane)> = layer
                .ands
                .iter()
                .map(|&(a, b)| (tape.take(a), tape.take(b)))
                .collect();
            let res = self.and_batch(reqs).await;
            tape.lanes.extend(res.into_iter().map(Some));
            for l in &layer.locals {
                local(&mut tape, l);
            }
        }
        plan.outputs.iter().map(|o| tape.get(*o)).collect()
    }

    /// The lanes of a column, lowest bit first.
    pub(crate) fn lanes_of(x: &BitSlicedColumn) -> Vec<Lane> {
        (0..x.width)
            .map(|b| {
                let (o, n) = x.bit(b);
                Lane::shared(ReplicatedWords {
                    own: o.to_vec(),
                    next: n.to_vec(),
                })
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
