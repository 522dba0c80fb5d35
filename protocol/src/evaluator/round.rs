//! One communication round shared by every gate of a circuit layer.
//!
//! Gates do not talk to the [`Context`] themselves: they *submit* requests to a
//! [`Runtime`] and await the response. The executor ([`super::run`]) collects every request
//! submitted while the gates run up to their next communication step, sends them all in
//! **one** [`Context::exchange`] — whatever the mix of ANDs, multiplications, input sharings
//! and oblivious transfers, and whatever the number of gates or rows — and hands each gate its
//! part of the answer. This is how all gates that become ready at the same round share it.
//!
//! | request | protocol | messages |
//! | --- | --- | --- |
//! | [`Request::And`] | AND of Araki et al. CCS 2016 §2.2, formed by [`super::products::form`] | 1 bit per gate per party |
//! | [`Request::Mul`] | multiplication, same pattern over Z_2^64, same function | 64 bits per product per party |
//! | [`Request::Input`] | input with PRF masks (below): owner → `owner + 1` | 64 bits per arith row, `w` per `Bool{w}` row |
//! | [`Request::Ot`], then [`Request::OtSecond`] | two-round three-party OT (after ABY3 §5.4), same function: bit × value | round 1: sender 128, second receiver 64 bits per row; round 2: first receiver 64 |
//!
//! **Input** (owner `o`, ABY3 §5.1 with the PRF trick): the components of a value `v` are
//! `x_{o−1} = c` (common randomness of all three), `x_o = r` (randomness of the pair
//! `(o, o−1)`) and `x_{o+1} = v − r − c` (or `v ⊕ r ⊕ c`), which `o` sends to `o + 1`.
//! Party `o + 1` receives a word masked by `r`, which it does not hold; party `o − 1`
//! receives nothing. Boolean columns are bit-sliced, padding bits zero in every component.
//!
//! Correlated randomness is drawn in a fixed order (inputs by owner, then ANDs,
//! multiplications and OTs, each in submission order); submission order depends only on the
//! circuit and the row count, which all parties share, so their PRF streams stay aligned.
//!
//! **What it reveals:** nothing. Every word sent is masked by a fresh zero sharing or by PRF
//! randomness a receiver does not hold, exactly as in the engine operations it packs.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use super::lanes::bitslice_values;
use super::products::{self, Finished, OtHalf, OtJob, Outgoing, Pair};
use crate::context::{Context, Round};
use crate::ops::clear_padding;
use crate::ops::input::SharedColumn;
use crate::share::{words_per_bit, ArithColumn, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

/// What a gate asks of the next round.
pub(crate) enum Request {
    /// ANDs of pairs of XOR sharings (whole lanes of `words_per_bit(rows)` words); the
    /// response is one sharing per pair, lane padding cleared.
    And(Vec<Pair>),
    /// Ring products of pairs of additive sharings; one sharing per pair.
    Mul(Vec<Pair>),
    /// Columns shared by `owner` (values at the owner only).
    Input {
        /// The owner.
        owner: PartyId,
        /// The columns.
        columns: Vec<InputSpec>,
    },
    /// Round 1 of oblivious-transfer products `b · s`, one per job.
    Ot(Vec<OtJob>),
    /// Round 2 of those OTs: the halves round 1 answered.
    OtSecond(Vec<OtHalf>),
}

/// One column to be shared in an input request.
pub(crate) struct InputSpec {
    /// `None` for arithmetic, `Some(w)` for a bit-sliced `Bool{w}` column.
    pub width: Option<u32>,
    /// Plaintext at the owner (one word per row), `None` elsewhere.
    pub values: Option<Vec<u64>>,
    /// Rows of the column (the runtime's rows for circuit inputs).
    pub rows: usize,
}

impl InputSpec {
    /// Words of the shared column: one per row, or `w` lanes.
    fn words(&self) -> usize {
        match self.width {
            None => self.rows,
            Some(w) => w as usize * words_per_bit(self.rows),
        }
    }
}

/// The answer to a [`Request`].
pub(crate) enum Response {
    /// For [`Request::And`] and [`Request::Mul`], one sharing per pair.
    Words(Vec<ReplicatedWords>),
    /// For [`Request::Input`], in request order.
    Columns(Vec<SharedColumn>),
    /// For [`Request::Ot`], in job order.
    OtHalves(Vec<OtHalf>),
    /// For [`Request::OtSecond`], in job order.
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

    /// AND round: `x ∧ y` for every pair (formed by [`products::form`]).
    pub(crate) async fn and_pairs(&self, pairs: Vec<Pair>) -> Vec<ReplicatedWords> {
        if pairs.iter().all(|p| p.x.shares().own.is_empty()) {
            return pairs.iter().map(|_| ReplicatedWords::default()).collect();
        }
        match self.submit(Request::And(pairs)).await {
            Response::Words(w) => w,
            _ => unreachable!("an AND request gets words"),
        }
    }

    /// Multiplication round: `x · y` for every pair (formed by [`products::form`]).
    pub(crate) async fn mul_pairs(&self, pairs: Vec<Pair>) -> Vec<ReplicatedWords> {
        if pairs.iter().all(|p| p.x.shares().own.is_empty()) {
            return pairs.iter().map(|_| ReplicatedWords::default()).collect();
        }
        match self.submit(Request::Mul(pairs)).await {
            Response::Words(w) => w,
            _ => unreachable!("a multiplication request gets words"),
        }
    }

    /// Input round for columns of `owner`.
    /// No round when there is nothing to send (zero rows).
    pub(crate) async fn input(&self, owner: PartyId, columns: Vec<InputSpec>) -> Vec<SharedColumn> {
        if columns.iter().all(|c| c.words() == 0) {
            return columns
                .iter()
                .map(|c| match c.width {
                    None => SharedColumn::Arith(ArithColumn::new(ReplicatedWords::default())),
                    Some(width) => SharedColumn::Bool(BitSlicedColumn {
                        width,
                        rows: c.rows,
                        shares: ReplicatedWords::default(),
                    }),
                })
                .collect();
        }
        match self.submit(Request::Input { owner, columns }).await {
            Response::Columns(c) => c,
            _ => unreachable!("an input request gets columns"),
        }
    }

    /// OT rounds: `b · s` for every job, in two rounds (see [`products`]).
    /// No round for zero rows (nothing to send), as for ANDs and multiplications.
    pub(crate) async fn ot(&self, jobs: Vec<OtJob>) -> Vec<ArithColumn> {
        if self.rows == 0 {
            return jobs
                .iter()
                .map(|_| ArithColumn::new(ReplicatedWords::default()))
                .collect();
        }
        let halves = match self.submit(Request::Ot(jobs)).await {
            Response::OtHalves(h) => h,
            _ => unreachable!("an OT request gets halves"),
        };
        match self.submit(Request::OtSecond(halves)).await {
            Response::Products(p) => p,
            _ => unreachable!("an OT's second round gets products"),
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

/// Where a request's answer lies.
enum Plan {
    Input(Vec<InputPlan>),
    Product(products::Pending),
}

struct InputPlan {
    width: Option<u32>,
    rows: usize,
    /// This party's own and next components.
    shares: ReplicatedWords,
}

/// The number of words this party sends to its next and its previous party for
/// `requests` (as `exchange_requests` lays them out), so that the outgoing buffers are
/// allocated once, at their final size, instead of growing (and being copied) per request.
fn outgoing_words(me: PartyId, rows: usize, requests: &[Request]) -> (usize, usize) {
    let (mut to_next, mut to_prev) = (0usize, 0usize);
    for r in requests {
        match r {
            Request::And(pairs) | Request::Mul(pairs) => {
                to_prev += pairs.iter().map(|p| p.x.shares().own.len()).sum::<usize>()
            }
            Request::Input { owner, columns } if *owner == me => {
                to_next += columns.iter().map(InputSpec::words).sum::<usize>();
            }
            Request::Input { .. } => {}
            Request::Ot(jobs) => {
                for job in jobs {
                    if me == job.sender {
                        to_next += 2 * rows;
                    } else if me == job.sender.prev() {
                        to_prev += rows;
                    }
                }
            }
            Request::OtSecond(halves) => {
                for h in halves {
                    if let OtHalf::Send { t1, .. } = h {
                        to_next += t1.len();
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
    mut requests: Vec<Request>,
) -> Result<Vec<Response>, ProtocolError> {
    let me = ctx.party();
    let (next_words, prev_words) = outgoing_words(me, rows, &requests);
    let mut to_next: Vec<u64> = Vec::with_capacity(next_words);
    let mut from_prev_len = 0usize;
    let mut plans: Vec<Option<Plan>> = (0..requests.len()).map(|_| None).collect();

    // 1. Inputs, owner by owner; each owner's columns in submission order.
    let mut from_prev_inputs: Vec<(usize, usize, usize)> = Vec::new(); // (request, column, offset)
    for owner in PartyId::ALL {
        // (request, column, width, words, rows)
        let mut cols: Vec<(usize, usize, Option<u32>, usize, usize)> = Vec::new();
        for (k, r) in requests.iter().enumerate() {
            if let Request::Input { owner: o, columns } = r {
                if *o == owner {
                    for (c, spec) in columns.iter().enumerate() {
                        cols.push((k, c, spec.width, spec.words(), spec.rows));
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
            for &(_, _, width, n, rows) in &cols {
                if width.is_some() {
                    clear_padding(&mut words[at..at + n], rows);
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
            for &(k, c, width, n, rows) in &cols {
                let Request::Input { columns, .. } = &requests[k] else {
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
                    rows,
                    shares: ReplicatedWords {
                        own: rr.to_vec(),
                        next: masked,
                    },
                });
                at += n;
            }
        } else if me == owner.next() {
            let mut at = 0;
            for &(k, c, width, n, rows) in &cols {
                from_prev_inputs.push((k, c, from_prev_len));
                from_prev_len += n;
                parts.push(InputPlan {
                    width,
                    rows,
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
            for &(_, _, width, n, rows) in &cols {
                parts.push(InputPlan {
                    width,
                    rows,
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
        for &(k, ..) in &cols {
            let p = it.next().expect("one plan per column");
            match &mut plans[k] {
                Some(Plan::Input(v)) => v.push(p),
                slot => *slot = Some(Plan::Input(vec![p])),
            }
        }
    }

    // 2. Every product (ANDs, multiplications, OTs): the one product function.
    let mut out = Outgoing {
        to_next,
        to_prev: Vec::with_capacity(prev_words),
        from_next: 0,
        from_prev: from_prev_len,
    };
    let pending = products::form(me, ctx.randomness(), rows, &mut requests, &mut out)?;
    drop(requests);
    for (slot, p) in plans.iter_mut().zip(pending) {
        if let Some(p) = p {
            *slot = Some(Plan::Product(p));
        }
    }
    let Outgoing {
        to_next,
        to_prev,
        from_next: from_next_len,
        from_prev: from_prev_len,
    } = out;

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
            Plan::Product(p) => match products::finish(p, rows, &to_prev, &from_next, &from_prev) {
                Finished::Words(w) => Response::Words(w),
                Finished::OtHalves(h) => Response::OtHalves(h),
                Finished::Products(p) => Response::Products(p),
            },
            Plan::Input(cols) => Response::Columns(
                cols.into_iter()
                    .map(|c| match c.width {
                        None => SharedColumn::Arith(ArithColumn::new(c.shares)),
                        Some(width) => SharedColumn::Bool(BitSlicedColumn {
                            width,
                            rows: c.rows,
                            shares: c.shares,
                        }),
                    })
                    .collect(),
            ),
        });
    }
    Ok(responses)
}
