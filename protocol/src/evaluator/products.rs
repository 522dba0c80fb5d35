//! The one place where products are formed: [`form`].
//!
//! Every product the engine computes goes through [`form`], whatever the gadget that asks
//! for it: the AND and ring multiplication gates, every AND of a lane plan (the full adder,
//! generate/propagate layers and trees of A2B, MSB and the comparisons, equality trees,
//! boolean `mux`), and the oblivious-transfer messages of bit × value and B2A. [`form`]
//! receives the **operand shares** of each product — the pair `(x, y)` of an AND or a
//! multiplication, the choice-bit shares and the sender's value of an OT — and writes this
//! party's messages for the round; [`finish`] turns what arrived into result shares.
//!
//! | product | protocol | this party sends |
//! | --- | --- | --- |
//! | AND `x ∧ y` | Araki et al. CCS 2016 §2.2: `z_i = x_i y_i ⊕ x_i y_{i+1} ⊕ x_{i+1} y_i ⊕ α_i` to `i − 1` | 1 bit per gate |
//! | multiplication `x · y` | the same over Z_2^64, `α` an additive zero sharing | 64 bits per product |
//! | bit × value `b · s` | two-round three-party OT (below), after ABY3 §5.4 | sender 128, receivers 64 bits per row |
//!
//! **OT** (one instance; [`OtJob`]). Sender `S = P_i`, first receiver `R1 = P_{i+1}`,
//! second receiver `R2 = P_{i+2}`; `b = b_0 ⊕ b_1 ⊕ b_2` XOR-shared, `S` knows a value `s`.
//! `S` knows `u = b_i ⊕ b_{i+1}`, `R1` and `R2` both know `c = b_{i+2}`, and `b = u ⊕ c`,
//! so `b·s = L + c·y` with `L = u·s` and `y = (1 − 2u)·s`, both known to `S` alone. PRF
//! words: `α` of the pair `(S, R1)`; `β`, `r`, `ρ` of the pair `(S, R2)`.
//!
//! - Round 1 ([`form`] of a [`Request::Ot`]): `S → R1`: `m = y − r` and
//!   `n = L − β − ρ`; `R2 → R1`: `T2 = c·r + ρ`. `R1` then computes `T1 = c·m + n − α`.
//! - Round 2 ([`form`] of a [`Request::OtSecond`]): `R1 → R2`: `T1`.
//! - Result (replicated; `P_j` holds `(x_j, x_{j+1})`): `x_i = β`, `x_{i+1} = α`,
//!   `x_{i+2} = T1 + T2`, known to `R1` and `R2` after round 2. Sum:
//!   `β + α + c(y − r) + L − β − ρ − α + c·r + ρ = L + c·y = b·s`.
//!
//! *What changed from ABY3 §5.4.* There the sender sends both candidates `m_0, m_1` of the
//! third component to **both** receivers, each masked by randomness shared with the other
//! receiver, who sends back the mask of the chosen one: one round, 4 words from `S` and
//! one from each receiver per row. Here the product is split as `L + c·y` so that one
//! *linear* message pair `(m, n)` replaces the candidates, and only `R1` receives from `S`;
//! `R1` forwards its masked share of the third component to `R2` in a second round:
//! 2 words from `S`, one from each receiver per row, one more round. (A circuit's round
//! count grows only where a bit × value lies on its critical path: the second round is
//! shared with whatever other gates are ready then.)
//!
//! *What it reveals: nothing.* `S` receives nothing. `R1` sees `m`, `n` and `T2`: `m` is
//! masked by `r`, `n` by `β` (used nowhere else in `R1`'s view) and `T2` by `ρ`, three PRF
//! words of `(S, R2)` that `R1` does not hold; `m` and `T2` use independent masks (`r` for
//! `m`, `ρ` for `T2` whatever `c`), so the three are jointly uniform. `R2` sees
//! `T1 = c(y − r) + L − β − ρ − α`, masked by `α`, a word of `(S, R1)` it does not hold.
//! Every received word is thus masked by randomness the receiver does not hold; each
//! party's result components are uniform but for their sum, as for any replicated sharing.
//! Semi-honest, like the rest of the engine.
//!
//! **Where malicious checks hook in.** A check of correct multiplication (for example a
//! distributed zero-knowledge proof over all triples `(x, y, z)` of a run, Boyle et al.
//! CCS 2019) needs exactly what [`form`] sees: the operand shares of every product and the
//! message `z_i` this party derived from them. It is the single function to extend.
//!
//! **What it reveals:** nothing. Each `z_i` is masked by `α_i`, which contains
//! `F(k_{i+1})`, a key party `i − 1` does not hold; for the OT see above.

use std::rc::Rc;

use crate::randomness::CorrelatedRandomness;
use crate::share::{ArithColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::round::Request;
use super::values::Value;

/// The shares of one operand: a lane or a whole gate value, shared by reference (no copy).
#[derive(Clone)]
pub(crate) enum Words {
    /// A lane (or any word sharing).
    Lane(Rc<ReplicatedWords>),
    /// A secret gate value (arithmetic or bit-sliced).
    Value(Rc<Value>),
}

impl Words {
    /// The replicated shares.
    pub(crate) fn shares(&self) -> &ReplicatedWords {
        static EMPTY: ReplicatedWords = ReplicatedWords {
            own: Vec::new(),
            next: Vec::new(),
        };
        match self {
            Words::Lane(w) => w,
            Words::Value(v) => match &**v {
                Value::Arith(a) => &a.shares,
                Value::Bool(b) => &b.shares,
                _ => &EMPTY,
            },
        }
    }
}

/// The operands of one AND or multiplication.
pub(crate) struct Pair {
    /// Left operand.
    pub x: Words,
    /// Right operand.
    pub y: Words,
}

impl Pair {
    /// A pair of copies of `x` and `y` (for the whole-column operations of `crate::ops`).
    pub(crate) fn copied(x: &ReplicatedWords, y: &ReplicatedWords) -> Pair {
        Pair {
            x: Words::Lane(Rc::new(x.clone())),
            y: Words::Lane(Rc::new(y.clone())),
        }
    }

    fn check(&self) -> Result<usize, ProtocolError> {
        let (x, y) = (self.x.shares(), self.y.shares());
        let n = x.own.len();
        if x.next.len() != n || y.own.len() != n || y.next.len() != n {
            return Err(ProtocolError::InvalidOperands(
                "product operands of different lengths".into(),
            ));
        }
        Ok(n)
    }
}

/// One three-party OT product `b · s` (see the module doc; after ABY3 §5.4).
pub(crate) struct OtJob {
    /// The party that knows `s`.
    pub sender: PartyId,
    /// The shared choice bit `b`: one lane.
    pub choice: ReplicatedWords,
    /// `s` (one word per row) at the sender, `None` elsewhere.
    pub s: Option<Vec<u64>>,
}

/// A round's messages while they are assembled.
#[derive(Default)]
pub(crate) struct Outgoing {
    /// Words to the next party.
    pub to_next: Vec<u64>,
    /// Words to the previous party.
    pub to_prev: Vec<u64>,
    /// Words expected from the next party.
    pub from_next: usize,
    /// Words expected from the previous party.
    pub from_prev: usize,
}

/// Where a product request's answer lies.
pub(crate) enum Pending {
    /// ANDs or multiplications: each pair's `(offset, length)` in `to_prev` and in what
    /// comes from the next party; `clear` for ANDs (lane padding to clear).
    Words {
        parts: Vec<(usize, usize)>,
        clear: bool,
    },
    /// OTs in round 1, in job order.
    Ot(Vec<OtPlan>),
    /// OTs in round 2, in job order.
    OtSecond(Vec<OtSecondPlan>),
}

/// What an OT party keeps until round 1's messages arrive.
pub(crate) enum OtPlan {
    /// The sender: its result components `(β, α)`, final.
    Sender(ReplicatedWords),
    /// `R1`: `α`, where `m, n` (2 words per row) start in what comes from the previous
    /// party and `T2` in what comes from the next one, and `c` (its `next` choice lane).
    First {
        alpha: Vec<u64>,
        mn_at: usize,
        t2_at: usize,
        c: Vec<u64>,
    },
    /// `R2`: `β` and the `T2` it sent.
    Second { beta: Vec<u64>, t2: Vec<u64> },
}

/// An OT between its two rounds: the answer to a [`Request::Ot`], to be submitted again
/// as a [`Request::OtSecond`].
pub(crate) enum OtHalf {
    /// The sender's result, final.
    Done(ReplicatedWords),
    /// `R1`: `T1` to send to `R2`; its result `(α, T1 + T2)`, final.
    Send {
        t1: Vec<u64>,
        result: ReplicatedWords,
    },
    /// `R2`: waits for `T1`; keeps `T2` and `β`.
    Await { t2: Vec<u64>, beta: Vec<u64> },
}

/// What an OT party keeps until round 2's message arrives.
pub(crate) enum OtSecondPlan {
    /// Sender or `R1`: the result.
    Done(ReplicatedWords),
    /// `R2`: where `T1` starts in what comes from the previous party, `T2`, `β`.
    Await {
        t1_at: usize,
        t2: Vec<u64>,
        beta: Vec<u64>,
    },
}

/// All ones if row `r`'s bit is set in the lane `words`, else zero.
fn row_mask(words: &[u64], r: usize) -> u64 {
    (words[r / 64] >> (r % 64) & 1).wrapping_neg()
}

/// Forms every product of `requests` (the AND, multiplication and both OT requests; others are
/// skipped and get `None`): appends this party's messages to `out` and returns where each
/// answer will be. ANDs come first in `to_prev`, then multiplications, then OT messages
/// (both rounds, in request order); randomness is drawn in that order (one zero sharing
/// for all ANDs, one for all multiplications, then round-1 OTs job by job), so both holders of every key stay aligned.
///
/// Receives the operand shares of every product (see the module doc: the malicious checks
/// hook in here). Expects `out.to_prev` and `out.from_next` still empty.
pub(crate) fn form(
    me: PartyId,
    rand: &mut CorrelatedRandomness,
    rows: usize,
    requests: &mut [Request],
    out: &mut Outgoing,
) -> Result<Vec<Option<Pending>>, ProtocolError> {
    debug_assert!(out.to_prev.is_empty() && out.from_next == 0);
    let mut pending: Vec<Option<Pending>> = (0..requests.len()).map(|_| None).collect();
    // ANDs: z_i = x_i y_i ⊕ x_i y_{i+1} ⊕ x_{i+1} y_i, then the XOR zero share on all.
    for (k, r) in requests.iter().enumerate() {
        let Request::And(pairs) = r else { continue };
        let mut parts = Vec::with_capacity(pairs.len());
        for p in pairs {
            let at = out.to_prev.len();
            parts.push((at, p.check()?));
            let (x, y) = (p.x.shares(), p.y.shares());
            out.to_prev.extend(
                x.own
                    .iter()
                    .zip(&x.next)
                    .zip(y.own.iter().zip(&y.next))
                    .map(|((&xo, &xn), (&yo, &yn))| (xo & (yo ^ yn)) ^ (xn & yo)),
            );
        }
        pending[k] = Some(Pending::Words { parts, clear: true });
    }
    let ands = out.to_prev.len();
    if ands > 0 {
        rand.zero_shares_xor_into(&mut out.to_prev[..]);
    }
    // Multiplications: the same over Z_2^64 with an additive zero sharing.
    let muls: usize = requests
        .iter()
        .map(|r| match r {
            Request::Mul(pairs) => pairs.iter().map(|p| p.x.shares().own.len()).sum(),
            _ => 0,
        })
        .sum();
    if muls > 0 {
        let alpha = rand.zero_shares(muls);
        for (k, r) in requests.iter().enumerate() {
            let Request::Mul(pairs) = r else { continue };
            let mut parts = Vec::with_capacity(pairs.len());
            for p in pairs {
                let at = out.to_prev.len();
                let n = p.check()?;
                parts.push((at, n));
                let (x, y) = (p.x.shares(), p.y.shares());
                let a = &alpha[at - ands..at - ands + n];
                out.to_prev.extend(
                    x.own
                        .iter()
                        .zip(&x.next)
                        .zip(y.own.iter().zip(&y.next))
                        .zip(a)
                        .map(|(((&xo, &xn), (&yo, &yn)), &a)| {
                            a.wrapping_add(xo.wrapping_mul(yo.wrapping_add(yn)))
                                .wrapping_add(xn.wrapping_mul(yo))
                        }),
                );
            }
            pending[k] = Some(Pending::Words {
                parts,
                clear: false,
            });
        }
    }
    out.from_next += out.to_prev.len();
    // Oblivious transfers, job by job, both rounds in request order.
    for (k, r) in requests.iter_mut().enumerate() {
        pending[k] = match r {
            Request::Ot(jobs) => Some(Pending::Ot(
                jobs.iter()
                    .map(|job| ot_first(me, rand, rows, job, out))
                    .collect::<Result<Vec<_>, _>>()?,
            )),
            Request::OtSecond(halves) => Some(Pending::OtSecond(ot_second(halves, out))),
            _ => continue,
        };
    }
    Ok(pending)
}

/// Round 1 of one OT (see the module doc for the roles and messages).
fn ot_first(
    me: PartyId,
    rand: &mut CorrelatedRandomness,
    n: usize,
    job: &OtJob,
    out: &mut Outgoing,
) -> Result<OtPlan, ProtocolError> {
    let s = job.sender;
    let (b_own, b_next) = (&job.choice.own, &job.choice.next);
    if b_own.len() < n.div_ceil(64) || b_next.len() < n.div_ceil(64) {
        return Err(ProtocolError::InvalidOperands(
            "the OT choice lane is shorter than its rows".into(),
        ));
    }
    if me == s {
        let sv = job.s.as_deref().ok_or_else(|| {
            ProtocolError::InvalidOperands("the OT sender must know its value".into())
        })?;
        if sv.len() != n {
            return Err(ProtocolError::InvalidOperands(
                "the OT sender's value has the wrong length".into(),
            ));
        }
        let alpha = rand.shared_with(me.next(), n);
        let beta = rand.shared_with(me.prev(), n);
        let r = rand.shared_with(me.prev(), n);
        let rho = rand.shared_with(me.prev(), n);
        out.to_next.reserve(2 * n);
        for i in 0..n {
            // u = b_i ⊕ b_{i+1}; L = u·s, y = (1 − 2u)·s.
            let u = row_mask(b_own, i) ^ row_mask(b_next, i);
            let l = u & sv[i];
            let y = (sv[i] ^ u).wrapping_sub(u); // s, or −s if u = 1
            out.to_next.push(y.wrapping_sub(r[i]));
            out.to_next
                .push(l.wrapping_sub(beta[i]).wrapping_sub(rho[i]));
        }
        Ok(OtPlan::Sender(ReplicatedWords {
            own: beta,
            next: alpha,
        }))
    } else if me == s.next() {
        // R1: c = b_{i+2} is its `next` component.
        let alpha = rand.shared_with(me.prev(), n);
        let plan = OtPlan::First {
            alpha,
            mn_at: out.from_prev,
            t2_at: out.from_next,
            c: b_next.clone(),
        };
        out.from_prev += 2 * n;
        out.from_next += n;
        Ok(plan)
    } else {
        // R2: c = b_{i+2} is its `own` component.
        let beta = rand.shared_with(me.next(), n);
        let r = rand.shared_with(me.next(), n);
        let rho = rand.shared_with(me.next(), n);
        let t2: Vec<u64> = (0..n)
            .map(|i| (row_mask(b_own, i) & r[i]).wrapping_add(rho[i]))
            .collect();
        out.to_prev.extend_from_slice(&t2);
        Ok(OtPlan::Second { beta, t2 })
    }
}

/// Round 2 of OTs: `R1` sends `T1`, `R2` expects it. Takes the halves' words (no copy).
fn ot_second(halves: &mut Vec<OtHalf>, out: &mut Outgoing) -> Vec<OtSecondPlan> {
    std::mem::take(halves)
        .into_iter()
        .map(|h| match h {
            OtHalf::Done(r) => OtSecondPlan::Done(r),
            OtHalf::Send { t1, result } => {
                out.to_next.extend_from_slice(&t1);
                OtSecondPlan::Done(result)
            }
            OtHalf::Await { t2, beta } => {
                let t1_at = out.from_prev;
                out.from_prev += t2.len();
                OtSecondPlan::Await { t1_at, t2, beta }
            }
        })
        .collect()
}

/// The answer to a product request, from this party's messages and what arrived.
pub(crate) enum Finished {
    /// One sharing per AND or multiplication pair.
    Words(Vec<ReplicatedWords>),
    /// OTs after round 1, in job order.
    OtHalves(Vec<OtHalf>),
    /// One arithmetic sharing per OT job, after round 2.
    Products(Vec<ArithColumn>),
}

/// The result shares of one product request: `(z_i, z_{i+1})` per pair, the OTs between
/// their rounds, or the OT products (`rows` rows).
pub(crate) fn finish(
    pending: Pending,
    rows: usize,
    to_prev: &[u64],
    from_next: &[u64],
    from_prev: &[u64],
) -> Finished {
    let n = rows;
    match pending {
        Pending::Words { parts, clear } => Finished::Words(
            parts
                .into_iter()
                .map(|(at, len)| {
                    let mut w = ReplicatedWords {
                        own: to_prev[at..at + len].to_vec(),
                        next: from_next[at..at + len].to_vec(),
                    };
                    if clear {
                        crate::ops::clear_padding(&mut w.own, rows);
                        crate::ops::clear_padding(&mut w.next, rows);
                    }
                    w
                })
                .collect(),
        ),
        Pending::Ot(plans) => Finished::OtHalves(
            plans
                .into_iter()
                .map(|p| match p {
                    OtPlan::Sender(r) => OtHalf::Done(r),
                    OtPlan::First {
                        alpha,
                        mn_at,
                        t2_at,
                        c,
                    } => {
                        let mn = &from_prev[mn_at..mn_at + 2 * n];
                        let t2 = &from_next[t2_at..t2_at + n];
                        // T1 = c·m + n − α
                        let t1: Vec<u64> = (0..n)
                            .map(|i| {
                                (row_mask(&c, i) & mn[2 * i])
                                    .wrapping_add(mn[2 * i + 1])
                                    .wrapping_sub(alpha[i])
                            })
                            .collect();
                        let next = t1.iter().zip(t2).map(|(a, b)| a.wrapping_add(*b)).collect();
                        OtHalf::Send {
                            t1,
                            result: ReplicatedWords { own: alpha, next },
                        }
                    }
                    OtPlan::Second { beta, t2 } => OtHalf::Await { t2, beta },
                })
                .collect(),
        ),
        Pending::OtSecond(plans) => Finished::Products(
            plans
                .into_iter()
                .map(|p| {
                    ArithColumn::new(match p {
                        OtSecondPlan::Done(r) => r,
                        OtSecondPlan::Await { t1_at, t2, beta } => ReplicatedWords {
                            own: from_prev[t1_at..t1_at + t2.len()]
                                .iter()
                                .zip(&t2)
                                .map(|(a, b)| a.wrapping_add(*b))
                                .collect(),
                            next: beta,
                        },
                    })
                })
                .collect(),
        ),
    }
}
