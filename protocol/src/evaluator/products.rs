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
//! | bit × value `b · s` | three-party OT of ABY3 §5.4 (see below) | sender 256, receivers 64 bits per row |
//!
//! **OT** (sender `S = P_i`, which knows `u = b_i ⊕ b_{i+1}` and `s`; the others both know
//! `c = b_{i+2}`): the result components `y_i`, `y_{i+1}` are randomness of the pairs
//! `(S, S−1)` and `(S, S+1)`; the third, `(u ⊕ c)·s − y_i − y_{i+1}`, must reach both other
//! parties. The sender sends each of them both candidates `m_0, m_1` masked by randomness
//! it shares with the *other* one, who sends the mask of the chosen candidate.
//!
//! **Where malicious checks hook in.** A check of correct multiplication (for example a
//! distributed zero-knowledge proof over all triples `(x, y, z)` of a run, Boyle et al.
//! CCS 2019) needs exactly what [`form`] sees: the operand shares of every product and the
//! message `z_i` this party derived from them. It is the single function to extend.
//!
//! **What it reveals:** nothing. Each `z_i` is masked by `α_i`, which contains
//! `F(k_{i+1})`, a key party `i − 1` does not hold; an OT receiver sees two candidates
//! masked by randomness it does not hold and only the mask of the one it reads.

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

/// One three-party OT product `b · s` (ABY3 §5.4).
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
    /// OTs, in job order.
    Ot(Vec<OtPlan>),
}

/// What an OT party keeps until the messages arrive.
pub(crate) enum OtPlan {
    /// The sender: its two components, drawn from randomness.
    Sender(ReplicatedWords),
    /// A receiver: `S + 1` (`first`: candidates from its previous party, the helper's mask
    /// from its next; it knows its `own` component) or `S + 2` (the mirror image; it
    /// knows its `next` component).
    Receiver {
        first: bool,
        known: Vec<u64>,
        cand_at: usize,
        help_at: usize,
        choice: Vec<u64>,
    },
}

fn row_bit(words: &[u64], r: usize) -> usize {
    (words[r / 64] >> (r % 64) & 1) as usize
}

/// Forms every product of `requests` (the AND, multiplication and OT requests; others are
/// skipped and get `None`): appends this party's messages to `out` and returns where each
/// answer will be. ANDs come first in `to_prev`, then multiplications, then OT messages;
/// randomness is drawn in that order (one zero sharing for all ANDs, one for all
/// multiplications, then the OTs job by job), so both holders of every key stay aligned.
///
/// Receives the operand shares of every product (see the module doc: the malicious checks
/// hook in here). Expects `out.to_prev` and `out.from_next` still empty.
pub(crate) fn form(
    me: PartyId,
    rand: &mut CorrelatedRandomness,
    rows: usize,
    requests: &[Request],
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
    // Oblivious transfers, job by job.
    for (k, r) in requests.iter().enumerate() {
        let Request::Ot(jobs) = r else { continue };
        let plans = jobs
            .iter()
            .map(|job| ot_messages(me, rand, rows, job, out))
            .collect::<Result<Vec<_>, _>>()?;
        pending[k] = Some(Pending::Ot(plans));
    }
    Ok(pending)
}

/// The messages of one OT (see the module doc for the roles).
fn ot_messages(
    me: PartyId,
    rand: &mut CorrelatedRandomness,
    n: usize,
    job: &OtJob,
    out: &mut Outgoing,
) -> Result<OtPlan, ProtocolError> {
    let s = job.sender;
    let (b_own, b_next) = (&job.choice.own, &job.choice.next);
    if me == s {
        let sv = job.s.as_deref().ok_or_else(|| {
            ProtocolError::InvalidOperands("the OT sender must know its value".into())
        })?;
        if sv.len() != n {
            return Err(ProtocolError::InvalidOperands(
                "the OT sender's value has the wrong length".into(),
            ));
        }
        let y0 = rand.shared_with(me.prev(), n);
        let w_first = rand.shared_with(me.prev(), 2 * n);
        let y1 = rand.shared_with(me.next(), n);
        let w_second = rand.shared_with(me.next(), 2 * n);
        for r in 0..n {
            let u = row_bit(b_own, r) ^ row_bit(b_next, r);
            let base = y0[r].wrapping_add(y1[r]);
            let m0 = if u == 1 { sv[r] } else { 0 }.wrapping_sub(base);
            let m1 = if u == 0 { sv[r] } else { 0 }.wrapping_sub(base);
            out.to_next.push(m0.wrapping_add(w_first[2 * r]));
            out.to_next.push(m1.wrapping_add(w_first[2 * r + 1]));
            out.to_prev.push(m0.wrapping_add(w_second[2 * r]));
            out.to_prev.push(m1.wrapping_add(w_second[2 * r + 1]));
        }
        Ok(OtPlan::Sender(ReplicatedWords { own: y0, next: y1 }))
    } else {
        // S + 1 reads its choice in `next` and helps S + 2 with masks shared with S (its
        // previous party); S + 2 is the mirror image.
        let first = me == s.next();
        let (peer, choice) = if first {
            (me.prev(), b_next)
        } else {
            (me.next(), b_own)
        };
        let known = rand.shared_with(peer, n);
        let w = rand.shared_with(peer, 2 * n);
        let help = (0..n).map(|r| w[2 * r + row_bit(choice, r)]);
        let (cand_at, help_at) = if first {
            out.to_next.extend(help);
            (out.from_prev, out.from_next)
        } else {
            out.to_prev.extend(help);
            (out.from_next, out.from_prev)
        };
        let (cands, helps) = if first {
            (&mut out.from_prev, &mut out.from_next)
        } else {
            (&mut out.from_next, &mut out.from_prev)
        };
        *cands += 2 * n;
        *helps += n;
        Ok(OtPlan::Receiver {
            first,
            known,
            cand_at,
            help_at,
            choice: choice.clone(),
        })
    }
}

/// The answer to a product request, from this party's messages and what arrived.
pub(crate) enum Finished {
    /// One sharing per AND or multiplication pair.
    Words(Vec<ReplicatedWords>),
    /// One arithmetic sharing per OT job.
    Products(Vec<ArithColumn>),
}

/// The result shares of one product request: `(z_i, z_{i+1})` per pair, or the OT
/// products (`rows` rows).
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
        Pending::Ot(jobs) => Finished::Products(
            jobs.into_iter()
                .map(|j| match j {
                    OtPlan::Sender(s) => ArithColumn::new(s),
                    OtPlan::Receiver {
                        first,
                        known,
                        cand_at,
                        help_at,
                        choice,
                    } => {
                        let (cand, help) = if first {
                            (from_prev, from_next)
                        } else {
                            (from_next, from_prev)
                        };
                        let (cand, help) =
                            (&cand[cand_at..cand_at + 2 * n], &help[help_at..help_at + n]);
                        let got: Vec<u64> = (0..n)
                            .map(|r| cand[2 * r + row_bit(&choice, r)].wrapping_sub(help[r]))
                            .collect();
                        ArithColumn::new(if first {
                            ReplicatedWords {
                                own: known,
                                next: got,
                            }
                        } else {
                            ReplicatedWords {
                                own: got,
                                next: known,
                            }
                        })
                    }
                })
                .collect(),
        ),
    }
}
