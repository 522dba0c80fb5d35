//! One communication round shared by every gate of a circuit layer.
//!
//! Gates do not talk to the [`Context`] themselves: they *submit* requests to a
//! [`Runtime`] and await the response. The executor ([`super::run`]) collects every request
//! submitted while the gates run up to their next communication step, sends them all in
//! **one** [`Context::exchange`] — whatever the mix of ANDs, multiplications, input sharings
//! and oblivious transfers, and whatever the number of gates or rows — and hands each gate its
//! part of the answer. This is how all gates that become ready at the same round share it.
//!
//! The sub-protocols are those of the engine (`crate::ops`), only packed together:
//!
//! | request | protocol | messages |
//! | --- | --- | --- |
//! | [`Request::And`] | AND of Araki et al. CCS 2016 §2.2: `z_i ⊕ α_i` to `i − 1` | 1 bit per gate per party |
//! | [`Request::Mul`] | multiplication, same pattern over Z_2^64 | 64 bits per product per party |
//! | [`Request::Input`] | input with PRF masks ([`crate::ops::input`]): owner → `owner + 1` | 64 bits per arith row, `w` per `Bool{w}` row |
//! | [`Request::Ot`] | three-party OT of ABY3 §5.4 ([`crate::ops::convert`]): bit × value | sender 256, receivers 64 bits per row |
//!
//! Correlated randomness is drawn in a fixed order (inputs by owner, ANDs, multiplications,
//! OTs, each in submission order); submission order depends only on the circuit and the row
//! count, which all parties share, so their PRF streams stay aligned.
//!
//! **What it reveals:** nothing. Every word sent is masked by a fresh zero sharing or by PRF
//! randomness a receiver does not hold, exactly as in the engine operations it packs.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use super::lanes::bitslice_values;
use crate::context::{Context, Round};
use crate::ops::input::SharedColumn;
use crate::share::{last_word_mask, words_per_bit, ArithColumn, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

/// What a gate asks of the next round.
pub(crate) enum Request {
    /// This party's local XOR products (whole lanes of `words_per_bit(rows)` words); the
    /// response is the XOR-shared AND result, padding cleared.
    And(Vec<u64>),
    /// This party's local ring products (one word per row); the response is the product.
    Mul(Vec<u64>),
    /// Columns shared by `owner` (values at the owner only).
    Input {
        /// The owner.
        owner: PartyId,
        /// The columns.
        columns: Vec<InputSpec>,
    },
    /// Oblivious-transfer products `b · s`, one per job.
    Ot(Vec<OtJob>),
}

/// One column to be shared in an input request.
pub(crate) struct InputSpec {
    /// `None` for arithmetic, `Some(w)` for a bit-sliced `Bool{w}` column.
    pub width: Option<u32>,
    /// Plaintext at the owner (one word per row), `None` elsewhere.
    pub values: Option<Vec<u64>>,
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

/// The answer to a [`Request`].
pub(crate) enum Response {
    /// For [`Request::And`] and [`Request::Mul`].
    Words(ReplicatedWords),
    /// For [`Request::Input`], in request order.
    Columns(Vec<SharedColumn>),
    /// For [`Request::Ot`], in job order.
    Products(Vec<ArithColumn>),
}

struct Slot {
    request: Option<Request>,
    response: Option<Response>,
}

struct Inner {
    pending: Vec<Rc<RefCell<Slot>>>,
}

/// The gates' handle on the round being built. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Runtime {
    party: PartyId,
    rows: usize,
    inner: Rc<RefCell<Inner>>,
}

/// A submitted request; resolves once the round has been exchanged.
pub(crate) struct Ticket {
    slot: Rc<RefCell<Slot>>,
}

impl Future for Ticket {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, _cx: &mut std::task::Context<'_>) -> Poll<Response> {
        match self.slot.borrow_mut().response.take() {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }
}

impl Runtime {
    pub(crate) fn new(party: PartyId, rows: usize) -> Runtime {
        Runtime {
            party,
            rows,
            inner: Rc::new(RefCell::new(Inner {
                pending: Vec::new(),
            })),
        }
    }

    /// This party.
    pub(crate) fn party(&self) -> PartyId {
        self.party
    }

    /// Rows of every column.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Words per bit position (lane).
    pub(crate) fn wpb(&self) -> usize {
        words_per_bit(self.rows)
    }

    /// Queues `request` for the next round.
    pub(crate) fn submit(&self, request: Request) -> Ticket {
        let slot = Rc::new(RefCell::new(Slot {
            request: Some(request),
            response: None,
        }));
        self.inner.borrow_mut().pending.push(slot.clone());
        Ticket { slot }
    }

    /// Whether any request waits for a round.
    pub(crate) fn has_pending(&self) -> bool {
        !self.inner.borrow().pending.is_empty()
    }

    /// AND round: `z` holds this party's local products of whole lanes.
    pub(crate) async fn and_words(&self, z: Vec<u64>) -> ReplicatedWords {
        if z.is_empty() {
            return ReplicatedWords::default();
        }
        match self.submit(Request::And(z)).await {
            Response::Words(w) => w,
            _ => unreachable!("an AND request gets words"),
        }
    }

    /// Multiplication round: `z` holds this party's local ring products.
    pub(crate) async fn mul_words(&self, z: Vec<u64>) -> ReplicatedWords {
        if z.is_empty() {
            return ReplicatedWords::default();
        }
        match self.submit(Request::Mul(z)).await {
            Response::Words(w) => w,
            _ => unreachable!("a multiplication request gets words"),
        }
    }

    /// Input round for columns of `owner`.
    pub(crate) async fn input(&self, owner: PartyId, columns: Vec<InputSpec>) -> Vec<SharedColumn> {
        match self.submit(Request::Input { owner, columns }).await {
            Response::Columns(c) => c,
            _ => unreachable!("an input request gets columns"),
        }
    }

    /// OT round.
    pub(crate) async fn ot(&self, jobs: Vec<OtJob>) -> Vec<ArithColumn> {
        match self.submit(Request::Ot(jobs)).await {
            Response::Products(p) => p,
            _ => unreachable!("an OT request gets products"),
        }
    }

    /// Sends every pending request in one round and stores the responses.
    pub(crate) fn exchange(&self, ctx: &mut Context) -> Result<(), ProtocolError> {
        let slots = std::mem::take(&mut self.inner.borrow_mut().pending);
        let requests: Vec<Request> = slots
            .iter()
            .map(|s| {
                s.borrow_mut()
                    .request
                    .take()
                    .expect("a pending slot holds its request")
            })
            .collect();
        let responses = exchange_requests(ctx, self.rows, requests)?;
        for (slot, r) in slots.iter().zip(responses) {
            slot.borrow_mut().response = Some(r);
        }
        Ok(())
    }
}

/// Clears the padding bits of each lane of `words` (whole lanes of `rows` rows).
fn clear_lane_padding(words: &mut [u64], rows: usize) {
    let w = words_per_bit(rows);
    let m = last_word_mask(rows);
    if w == 0 || m == u64::MAX {
        return;
    }
    for lane in words.chunks_exact_mut(w) {
        lane[w - 1] &= m;
    }
}

fn row_bit(words: &[u64], r: usize) -> usize {
    (words[r / 64] >> (r % 64) & 1) as usize
}

/// Where a request's answer lies in the round's buffers.
enum Plan {
    And { at: usize, len: usize },
    Mul { at: usize, len: usize },
    Input(Vec<InputPlan>),
    Ot(Vec<OtPlan>),
}

struct InputPlan {
    width: Option<u32>,
    /// This party's own and next components.
    shares: ReplicatedWords,
}

enum OtPlan {
    Sender(ReplicatedWords),
    First {
        own: Vec<u64>,
        cand_at: usize,
        help_at: usize,
        choice: Vec<u64>,
    },
    Second {
        next: Vec<u64>,
        cand_at: usize,
        help_at: usize,
        choice: Vec<u64>,
    },
}

/// The number of words this party sends to its next and its previous party for
/// `requests` (as `exchange_requests` lays them out), so that the outgoing buffers are
/// allocated once, at their final size, instead of growing (and being copied) per request.
fn outgoing_words(me: PartyId, rows: usize, requests: &[Request]) -> (usize, usize) {
    let (mut to_next, mut to_prev) = (0usize, 0usize);
    for r in requests {
        match r {
            Request::And(z) | Request::Mul(z) => to_prev += z.len(),
            Request::Input { owner, columns } if *owner == me => {
                to_next += columns
                    .iter()
                    .map(|spec| match spec.width {
                        None => rows,
                        Some(w) => w as usize * words_per_bit(rows),
                    })
                    .sum::<usize>();
            }
            Request::Input { .. } => {}
            Request::Ot(jobs) => {
                for job in jobs {
                    if me == job.sender {
                        to_next += 2 * rows;
                        to_prev += 2 * rows;
                    } else if me == job.sender.next() {
                        to_next += rows;
                    } else {
                        to_prev += rows;
                    }
                }
            }
        }
    }
    (to_next, to_prev)
}

/// Packs `requests` into one exchange (see the module doc), runs it and unpacks.
fn exchange_requests(
    ctx: &mut Context,
    rows: usize,
    requests: Vec<Request>,
) -> Result<Vec<Response>, ProtocolError> {
    let me = ctx.party();
    let (next_words, prev_words) = outgoing_words(me, rows, &requests);
    let mut to_next: Vec<u64> = Vec::with_capacity(next_words);
    let mut to_prev: Vec<u64> = Vec::with_capacity(prev_words);
    let (mut from_next_len, mut from_prev_len) = (0usize, 0usize);
    let mut plans: Vec<Option<Plan>> = (0..requests.len()).map(|_| None).collect();
    let mut requests: Vec<Option<Request>> = requests.into_iter().map(Some).collect();

    // 1. Inputs, owner by owner; each owner's columns in submission order.
    let mut from_prev_inputs: Vec<(usize, usize, usize)> = Vec::new(); // (request, column, offset)
    for owner in PartyId::ALL {
        let mut cols: Vec<(usize, usize, Option<u32>, usize)> = Vec::new(); // (request, column, width, words)
        for (k, r) in requests.iter().enumerate() {
            if let Some(Request::Input { owner: o, columns }) = r {
                if *o == owner {
                    for (c, spec) in columns.iter().enumerate() {
                        let words = match spec.width {
                            None => rows,
                            Some(w) => w as usize * words_per_bit(rows),
                        };
                        cols.push((k, c, spec.width, words));
                    }
                }
            }
        }
        if cols.is_empty() {
            continue;
        }
        let total: usize = cols.iter().map(|c| c.3).sum();
        let clear = |words: &mut [u64]| {
            let mut at = 0;
            for &(_, _, width, n) in &cols {
                if width.is_some() {
                    clear_lane_padding(&mut words[at..at + n], rows);
                }
                at += n;
            }
        };
        let mut common = ctx.randomness().common(total);
        clear(&mut common);
        let mut parts: Vec<InputPlan> = Vec::new();
        if me == owner {
            let mut r = ctx.randomness().shared_with(me.prev(), total);
            clear(&mut r);
            let mut at = 0;
            for &(k, c, width, n) in &cols {
                let Some(Request::Input { columns, .. }) = &requests[k] else {
                    unreachable!()
                };
                let values = columns[c].values.as_deref().ok_or_else(|| {
                    ProtocolError::InvalidOperands(
                        "the owner of an input must give its values".into(),
                    )
                })?;
                if values.len() != rows {
                    return Err(ProtocolError::InvalidOperands(format!(
                        "input column has {} values for {rows} rows",
                        values.len()
                    )));
                }
                let (rr, cc) = (&r[at..at + n], &common[at..at + n]);
                let masked: Vec<u64> = match width {
                    None => values
                        .iter()
                        .zip(rr)
                        .zip(cc)
                        .map(|((v, r), c)| v.wrapping_sub(*r).wrapping_sub(*c))
                        .collect(),
                    Some(w) => bitslice_values(values, w)
                        .iter()
                        .zip(rr)
                        .zip(cc)
                        .map(|((v, r), c)| v ^ r ^ c)
                        .collect(),
                };
                to_next.extend_from_slice(&masked);
                parts.push(InputPlan {
                    width,
                    shares: ReplicatedWords {
                        own: rr.to_vec(),
                        next: masked,
                    },
                });
                at += n;
            }
        } else if me == owner.next() {
            let mut at = 0;
            for &(k, c, width, n) in &cols {
                from_prev_inputs.push((k, c, from_prev_len));
                from_prev_len += n;
                parts.push(InputPlan {
                    width,
                    shares: ReplicatedWords {
                        own: Vec::new(),
                        next: common[at..at + n].to_vec(),
                    },
                });
                at += n;
            }
        } else {
            let mut r = ctx.randomness().shared_with(me.next(), total);
            clear(&mut r);
            let mut at = 0;
            for &(_, _, width, n) in &cols {
                parts.push(InputPlan {
                    width,
                    shares: ReplicatedWords {
                        own: common[at..at + n].to_vec(),
                        next: r[at..at + n].to_vec(),
                    },
                });
                at += n;
            }
        }
        // Distribute the columns back to their requests.
        let mut it = parts.into_iter();
        for &(k, _, _, _) in &cols {
            let p = it.next().expect("one plan per column");
            match &mut plans[k] {
                Some(Plan::Input(v)) => v.push(p),
                slot => *slot = Some(Plan::Input(vec![p])),
            }
        }
    }

    // 2. ANDs, then 3. multiplications: `to_prev` and `from_next` are still empty here, so
    // each request's words sit at the same offset in both.
    debug_assert!(to_prev.is_empty() && from_next_len == 0);
    let and_total: usize = requests
        .iter()
        .map(|r| {
            if let Some(Request::And(z)) = r {
                z.len()
            } else {
                0
            }
        })
        .sum();
    if and_total > 0 {
        for (k, r) in requests.iter_mut().enumerate() {
            if let Some(Request::And(z)) = r {
                let at = to_prev.len();
                plans[k] = Some(Plan::And { at, len: z.len() });
                to_prev.extend_from_slice(z);
                *r = None;
            }
        }
        // The zero sharing XORed straight onto the products (no separate buffer).
        ctx.randomness()
            .zero_shares_xor_into(&mut to_prev[..and_total]);
    }
    let mul_total: usize = requests
        .iter()
        .map(|r| {
            if let Some(Request::Mul(z)) = r {
                z.len()
            } else {
                0
            }
        })
        .sum();
    if mul_total > 0 {
        let alpha = ctx.randomness().zero_shares(mul_total);
        for (k, r) in requests.iter_mut().enumerate() {
            if let Some(Request::Mul(z)) = r {
                let at = to_prev.len();
                let a = &alpha[at - and_total..at - and_total + z.len()];
                plans[k] = Some(Plan::Mul { at, len: z.len() });
                to_prev.extend(z.iter().zip(a).map(|(z, a)| z.wrapping_add(*a)));
                *r = None;
            }
        }
    }
    from_next_len += and_total + mul_total;

    // 4. Oblivious transfers, job by job (see `crate::ops::convert` for the roles).
    let n = rows;
    for (k, r) in requests.iter_mut().enumerate() {
        let Some(Request::Ot(jobs)) = r else { continue };
        let mut out = Vec::with_capacity(jobs.len());
        for job in jobs.drain(..) {
            let s = job.sender;
            let (b_own, b_next) = (&job.choice.own, &job.choice.next);
            if me == s {
                let sv = job.s.ok_or_else(|| {
                    ProtocolError::InvalidOperands("the OT sender must know its value".into())
                })?;
                let y0 = ctx.randomness().shared_with(me.prev(), n);
                let w_first = ctx.randomness().shared_with(me.prev(), 2 * n);
                let y1 = ctx.randomness().shared_with(me.next(), n);
                let w_second = ctx.randomness().shared_with(me.next(), 2 * n);
                for r in 0..n {
                    let u = row_bit(b_own, r) ^ row_bit(b_next, r);
                    let base = y0[r].wrapping_add(y1[r]);
                    let m0 = if u == 1 { sv[r] } else { 0 }.wrapping_sub(base);
                    let m1 = if u == 0 { sv[r] } else { 0 }.wrapping_sub(base);
                    to_next.push(m0.wrapping_add(w_first[2 * r]));
                    to_next.push(m1.wrapping_add(w_first[2 * r + 1]));
                    to_prev.push(m0.wrapping_add(w_second[2 * r]));
                    to_prev.push(m1.wrapping_add(w_second[2 * r + 1]));
                }
                out.push(OtPlan::Sender(ReplicatedWords { own: y0, next: y1 }));
            } else if me == s.next() {
                let y1 = ctx.randomness().shared_with(me.prev(), n);
                let w_second = ctx.randomness().shared_with(me.prev(), 2 * n);
                to_next.extend((0..n).map(|r| w_second[2 * r + row_bit(b_next, r)]));
                out.push(OtPlan::First {
                    own: y1,
                    cand_at: from_prev_len,
                    help_at: from_next_len,
                    choice: job.choice.next,
                });
                from_prev_len += 2 * n;
                from_next_len += n;
            } else {
                let y0 = ctx.randomness().shared_with(me.next(), n);
                let w_first = ctx.randomness().shared_with(me.next(), 2 * n);
                to_prev.extend((0..n).map(|r| w_first[2 * r + row_bit(b_own, r)]));
                out.push(OtPlan::Second {
                    next: y0,
                    cand_at: from_next_len,
                    help_at: from_prev_len,
                    choice: job.choice.own,
                });
                from_next_len += 2 * n;
                from_prev_len += n;
            }
        }
        plans[k] = Some(Plan::Ot(out));
        *r = None;
    }

    debug_assert_eq!((to_next.len(), to_prev.len()), (next_words, prev_words));
    let got = ctx.exchange(Round {
        to_next: (!to_next.is_empty()).then_some(&to_next[..]),
        to_prev: (!to_prev.is_empty()).then_some(&to_prev[..]),
        from_next: (from_next_len > 0).then_some(from_next_len),
        from_prev: (from_prev_len > 0).then_some(from_prev_len),
    })?;
    let from_next = got.from_next.unwrap_or_default();
    let from_prev = got.from_prev.unwrap_or_default();

    // Inputs received from the previous party.
    for &(k, c, at) in &from_prev_inputs {
        if let Some(Plan::Input(v)) = &mut plans[k] {
            let n = v[c].shares.next.len();
            v[c].shares.own = from_prev[at..at + n].to_vec();
        }
    }
    let mut responses = Vec::with_capacity(plans.len());
    for plan in plans {
        let plan = plan.ok_or_else(|| ProtocolError::InvalidOperands("an empty request".into()))?;
        responses.push(match plan {
            Plan::And { at, len } => {
                let mut w = ReplicatedWords {
                    own: to_prev[at..at + len].to_vec(),
                    next: from_next[at..at + len].to_vec(),
                };
                clear_lane_padding(&mut w.own, rows);
                clear_lane_padding(&mut w.next, rows);
                Response::Words(w)
            }
            Plan::Mul { at, len } => Response::Words(ReplicatedWords {
                own: to_prev[at..at + len].to_vec(),
                next: from_next[at..at + len].to_vec(),
            }),
            Plan::Input(cols) => Response::Columns(
                cols.into_iter()
                    .map(|c| match c.width {
                        None => SharedColumn::Arith(ArithColumn::new(c.shares)),
                        Some(width) => SharedColumn::Bool(BitSlicedColumn {
                            width,
                            rows,
                            shares: c.shares,
                        }),
                    })
                    .collect(),
            ),
            Plan::Ot(jobs) => Response::Products(
                jobs.into_iter()
                    .map(|j| match j {
                        OtPlan::Sender(s) => ArithColumn::new(s),
                        OtPlan::First {
                            own,
                            cand_at,
                            help_at,
                            choice,
                        } => {
                            let cand = &from_prev[cand_at..cand_at + 2 * n];
                            let help = &from_next[help_at..help_at + n];
                            let next = (0..n)
                                .map(|r| cand[2 * r + row_bit(&choice, r)].wrapping_sub(help[r]))
                                .collect();
                            ArithColumn::new(ReplicatedWords { own, next })
                        }
                        OtPlan::Second {
                            next,
                            cand_at,
                            help_at,
                            choice,
                        } => {
                            let cand = &from_next[cand_at..cand_at + 2 * n];
                            let help = &from_prev[help_at..help_at + n];
                            let own = (0..n)
                                .map(|r| cand[2 * r + row_bit(&choice, r)].wrapping_sub(help[r]))
                                .collect();
                            ArithColumn::new(ReplicatedWords { own, next })
                        }
                    })
                    .collect(),
            ),
        });
    }
    Ok(responses)
}
