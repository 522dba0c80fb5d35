//! The three-party secret-shared shuffle and its inverse.
//!
//! Follows Laur, Willemson and Zhang, "Round-efficient oblivious database manipulation"
//! (ISC 2011), in the replicated-sharing form of Araki, Barak, Furukawa, Keller, Lindell,
//! Ohara, Tsuchida, "Secure graph analysis at scale" (CCS 2021): the shuffle applies a
//! composite of three permutations, π_{ij} known to the pair {i, j} only, so no single
//! party knows the composite. A [`Pair`] is named by the party it leaves out.
//!
//! One step for the pair {p, q} with third party t (p = t + 1, q = t − 1, so q = p + 1):
//!
//! 1. *Fold* (local): party p holds (x_p, x_{p+1}), party q holds (x_q, x_{q+1}) with
//!    x_{q+1} = x_t. Then A = x_p + x_{p+1} at p and B = x_t at q are a two-out-of-two
//!    sharing of x between p and q.
//! 2. *Permute* (local): both apply π to their vector.
//! 3. *Re-randomise and re-share*: from randomness common to the pair they draw r and s;
//!    the new components are c_q = s, c_p = π(A) + r − s (computed by p), c_t = π(B) − r
//!    (computed by q). Party p keeps (c_p, c_q) and sends c_p to t; party q keeps
//!    (c_q, c_t) and sends c_t to t; t keeps (c_t, c_p).
//!
//! For XOR sharings the same with ⊕. The third party sees c_p and c_t: with r and s
//! unknown to it, that pair is uniform whatever x and π are, so t learns nothing about π
//! (the masks hide π(B) = π(x_t), whose unmasked value would reveal π to t, who knows
//! x_t). The pair members see nothing new. The inverse shuffle applies the inverse
//! permutations in reverse order.
//!
//! **Cost per step**: 2n words sent (n by p, n by q, both to t), one round, for every
//! column shuffled together; three steps per shuffle. Randomness: two n-word masks per
//! column from the pair's PRF stream, and n − 1 words per permutation.
//!
//! **Reveals**: nothing, except [`permute_and_reveal`], which opens the permuted values
//! to the pair's third party (that is its purpose).
//!
//! Permutations are sampled by Fisher–Yates from a PRF stream seeded with randomness the
//! pair shares ([`CorrelatedRandomness::shared_with`]); index `j ≤ i` is taken as the top
//! word of `w · (i + 1)` for a uniform 64-bit word `w`, whose bias (at most n/2^64 in
//! statistical distance per index) is negligible for tables below 2^32 rows.
//!
//! Security: semi-honest. A deviating pair member could permute differently or add
//! offsets; the malicious-mode check of the shuffled multiset (Asharov et al., CCS 2022)
//! belongs here later.
//!
//! Files: [`Permutation`] (sampling, composition, inverse) and the shuffled columns
//! ([`ShuffleColumn`], [`ShareKind`]) each have their own; this one holds the pair steps.
//!
//! [`CorrelatedRandomness::shared_with`]: crate::randomness::CorrelatedRandomness::shared_with

mod column;
mod permutation;

pub use column::{ShareKind, ShuffleColumn};
pub use permutation::Permutation;

use crate::context::Round;
use crate::randomness::{PrfKey, PrfStream};
use crate::{Context, PartyId, ProtocolError, ReplicatedWords};

/// A pair of parties, named by the one party it leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pair {
    excluded: PartyId,
}

impl Pair {
    /// The pair of the two parties other than `excluded`.
    pub const fn without(excluded: PartyId) -> Pair {
        Pair { excluded }
    }

    /// The party outside the pair (the receiver of a step's re-sharing).
    pub const fn excluded(self) -> PartyId {
        self.excluded
    }

    /// The members `[p, q]` with `p = excluded + 1`, `q = excluded − 1 = p + 1`.
    pub const fn members(self) -> [PartyId; 2] {
        [self.excluded.next(), self.excluded.prev()]
    }

    /// Whether `party` is in the pair.
    pub fn contains(self, party: PartyId) -> bool {
        party != self.excluded
    }

    /// The other member, if `party` is in the pair.
    pub fn peer_of(self, party: PartyId) -> Option<PartyId> {
        let [p, q] = self.members();
        if party == p {
            Some(q)
        } else if party == q {
            Some(p)
        } else {
            None
        }
    }
}

/// One party's knowledge of a three-step shuffle of `rows` rows: the order of the pair
/// steps, and the permutation of each step whose pair this party belongs to (two of the
/// three; the step of the pair that excludes it stays unknown).
#[derive(Clone, Debug)]
pub struct Shuffle {
    rows: usize,
    order: [Pair; 3],
    known: [Option<Permutation>; 3],
}

/// Draws a 16-byte seed known to this party and `peer` only.
pub(crate) fn pair_seed(ctx: &mut Context, peer: PartyId) -> [u8; 16] {
    let w = ctx.randomness().shared_with(peer, 2);
    let mut seed = [0u8; 16];
    seed[..8].copy_from_slice(&w[0].to_le_bytes());
    seed[8..].copy_from_slice(&w[1].to_le_bytes());
    seed
}

fn check_order(order: &[Pair; 3]) -> Result<(), ProtocolError> {
    if order[0] == order[1] || order[1] == order[2] || order[0] == order[2] {
        return Err(ProtocolError::InvalidOperands(
            "a shuffle needs three distinct pair steps".into(),
        ));
    }
    Ok(())
}

impl Shuffle {
    /// Samples a fresh shuffle of `rows` rows whose steps are the pairs in `order`
    /// (three distinct pairs, applied first to last). No communication: each pair member
    /// draws the pair's permutation from randomness shared with the other member. All
    /// three parties must call this at the same point of the protocol with the same
    /// arguments.
    pub fn sample(
        ctx: &mut Context,
        order: [Pair; 3],
        rows: usize,
    ) -> Result<Shuffle, ProtocolError> {
        check_order(&order)?;
        if rows > u32::MAX as usize {
            return Err(ProtocolError::InvalidOperands(format!(
                "cannot shuffle {rows} rows (limit 2^32 − 1)"
            )));
        }
        let me = ctx.party();
        let mut known: [Option<Permutation>; 3] = [None, None, None];
        for (k, pair) in order.iter().enumerate() {
            if let Some(peer) = pair.peer_of(me) {
                let seed = pair_seed(ctx, peer);
                known[k] = Some(Permutation::from_seed(seed, rows));
            }
        }
        Ok(Shuffle { rows, order, known })
    }

    /// A shuffle from permutations this party already holds (`known[k]` must be `Some`
    /// exactly when this party is in `order[k]`).
    pub fn from_parts(
        party: PartyId,
        rows: usize,
        order: [Pair; 3],
        known: [Option<Permutation>; 3],
    ) -> Result<Shuffle, ProtocolError> {
        check_order(&order)?;
        for (pair, perm) in order.iter().zip(&known) {
            match perm {
                Some(p) if pair.contains(party) && p.len() == rows => {}
                None if !pair.contains(party) => {}
                _ => {
                    return Err(ProtocolError::InvalidOperands(
                        "shuffle permutations do not match the pair steps".into(),
                    ))
                }
            }
        }
        Ok(Shuffle { rows, order, known })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The pair steps, first to last.
    pub fn order(&self) -> [Pair; 3] {
        self.order
    }

    /// The permutation of step `step` (0..3), if this party is in that step's pair.
    pub fn known(&self, step: usize) -> Option<&Permutation> {
        self.known.get(step).and_then(|p| p.as_ref())
    }
}

/// Shuffles `columns` (all of `shuffle.rows()` rows, any mix of kinds) together, in
/// place: row `i` of the result is row `π(i)` of the input for the composite π of the
/// three steps. Three rounds, `2n` words per column per step.
pub fn shuffle(
    ctx: &mut Context,
    shuffle: &Shuffle,
    columns: &mut [ShuffleColumn],
) -> Result<(), ProtocolError> {
    check_rows(shuffle.rows, columns)?;
    for k in 0..3 {
        pair_step(ctx, shuffle.order[k], shuffle.known[k].as_ref(), columns)?;
    }
    Ok(())
}

/// Undoes [`shuffle`]: applies the inverse permutations in reverse order. Three rounds,
/// `2n` words per column per step.
pub fn unshuffle(
    ctx: &mut Context,
    shuffle: &Shuffle,
    columns: &mut [ShuffleColumn],
) -> Result<(), ProtocolError> {
    check_rows(shuffle.rows, columns)?;
    for k in (0..3).rev() {
        let inv = shuffle.known[k].as_ref().map(Permutation::inverse);
        pair_step(ctx, shuffle.order[k], inv.as_ref(), columns)?;
    }
    Ok(())
}

fn check_rows(rows: usize, columns: &[ShuffleColumn]) -> Result<(), ProtocolError> {
    for (i, c) in columns.iter().enumerate() {
        if c.rows() != rows || c.shares().next.len() != rows {
            return Err(ProtocolError::InvalidOperands(format!(
                "shuffle column {i} has {} rows, the shuffle {rows}",
                c.rows()
            )));
        }
    }
    Ok(())
}

/// The pair member p's side of a step on one column, from its half `a` of a
/// two-out-of-two sharing: returns (own c_p, next c_q, c_p to send to t). Draws r, s
/// (n words each) from `masks`.
pub(crate) fn step_p_side(
    kind: ShareKind,
    a: &[u64],
    perm: &Permutation,
    masks: &mut PrfStream,
) -> ReplicatedWords {
    let n = a.len();
    let r = masks.words(n);
    let s = masks.words(n);
    let own: Vec<u64> = perm
        .as_slice()
        .iter()
        .zip(r.iter().zip(&s))
        .map(|(&m, (&r, &s))| kind.remove(kind.combine(a[m as usize], r), s))
        .collect();
    ReplicatedWords { own, next: s }
}

/// The pair member q's side of a step on one column, from its half `b`: returns (own
/// c_q, next c_t); c_t is what it sends to t. Draws the same r, s as p.
pub(crate) fn step_q_side(
    kind: ShareKind,
    b: &[u64],
    perm: &Permutation,
    masks: &mut PrfStream,
) -> ReplicatedWords {
    let n = b.len();
    let r = masks.words(n);
    let s = masks.words(n);
    let next: Vec<u64> = perm
        .as_slice()
        .iter()
        .zip(&r)
        .map(|(&m, &r)| kind.remove(b[m as usize], r))
        .collect();
    ReplicatedWords { own: s, next }
}

/// The fold of a replicated sharing into a two-out-of-two sharing between the members of
/// `pair`: p's half is `own + next`, q's half is `next`.
fn fold(kind: ShareKind, party: PartyId, pair: Pair, s: &ReplicatedWords) -> Vec<u64> {
    if party == pair.members()[0] {
        s.own
            .iter()
            .zip(&s.next)
            .map(|(&a, &b)| kind.combine(a, b))
            .collect()
    } else {
        s.next.clone()
    }
}

fn mask_stream(ctx: &mut Context, peer: PartyId) -> PrfStream {
    PrfStream::new(&PrfKey::from_bytes(pair_seed(ctx, peer)))
}

/// One pair step on `columns`: the pair permutes by `perm` (which its members pass;
/// the third party passes `None`), re-randomises and re-shares. One round, `2n` words
/// per column, all sent to the third party.
pub fn pair_step(
    ctx: &mut Context,
    pair: Pair,
    perm: Option<&Permutation>,
    columns: &mut [ShuffleColumn],
) -> Result<(), ProtocolError> {
    let me = ctx.party();
    let total: usize = columns.iter().map(ShuffleColumn::rows).sum();
    if me == pair.excluded() {
        if perm.is_some() {
            return Err(ProtocolError::InvalidOperands(
                "the third party of a shuffle step cannot know its permutation".into(),
            ));
        }
        let (from_p, from_q) = receive_from_pair(ctx, total)?;
        let mut at = 0;
        for c in columns.iter_mut() {
            let n = c.rows();
            let s = c.shares_mut();
            s.own = from_q[at..at + n].to_vec();
            s.next = from_p[at..at + n].to_vec();
            at += n;
        }
        return Ok(());
    }
    let perm = perm.ok_or_else(|| {
        ProtocolError::InvalidOperands("a pair member must know the step's permutation".into())
    })?;
    check_rows(perm.len(), columns)?;
    let [p, q] = pair.members();
    let is_p = me == p;
    let mut masks = mask_stream(ctx, if is_p { q } else { p });
    let mut outgoing = Vec::with_capacity(total);
    for c in columns.iter_mut() {
        let kind = c.kind();
        let half = fold(kind, me, pair, c.shares());
        let fresh = if is_p {
            step_p_side(kind, &half, perm, &mut masks)
        } else {
            step_q_side(kind, &half, perm, &mut masks)
        };
        outgoing.extend_from_slice(if is_p { &fresh.own } else { &fresh.next });
        *c.shares_mut() = fresh;
    }
    member_send(ctx, is_p, &outgoing)?;
    Ok(())
}

/// Permutes `columns` by the pair's `perm` and opens the result to the pair's third
/// party only: the members fold to a two-out-of-two sharing, permute, mask with common
/// randomness (`π(A) + r` and `π(B) − r`) and send both halves to the third party, which
/// adds them. One round, `2n` words per column. Returns `Some(values)` (one vector per
/// column) at the third party, `None` at the members; the reveal is recorded as
/// `output` for the transcript.
///
/// With `perm` the inverse of the last step of a shuffle, this is "undo the step the
/// receiver does not know, and open": the receiver then holds the values in an order it
/// can undo itself (see [`crate::linkage::unshuffle_households`]).
pub fn permute_and_reveal(
    ctx: &mut Context,
    pair: Pair,
    perm: Option<&Permutation>,
    columns: &[ShuffleColumn],
    output: &str,
) -> Result<Option<Vec<Vec<u64>>>, ProtocolError> {
    let me = ctx.party();
    let total: usize = columns.iter().map(ShuffleColumn::rows).sum();
    let count = columns.first().map_or(0, ShuffleColumn::rows);
    ctx.record_reveal(output, &[pair.excluded()], count);
    if me == pair.excluded() {
        if perm.is_some() {
            return Err(ProtocolError::InvalidOperands(
                "the receiver of a reveal step cannot know its permutation".into(),
            ));
        }
        let (from_p, from_q) = receive_from_pair(ctx, total)?;
        let mut at = 0;
        let mut out = Vec::with_capacity(columns.len());
        for c in columns {
            let n = c.rows();
            let kind = c.kind();
            out.push(
                (at..at + n)
                    .map(|i| kind.combine(from_p[i], from_q[i]))
                    .collect(),
            );
            at += n;
        }
        return Ok(Some(out));
    }
    let perm = perm.ok_or_else(|| {
        ProtocolError::InvalidOperands("a pair member must know the step's permutation".into())
    })?;
    check_rows(perm.len(), columns)?;
    let [p, q] = pair.members();
    let is_p = me == p;
    let mut masks = mask_stream(ctx, if is_p { q } else { p });
    let mut outgoing = Vec::with_capacity(total);
    for c in columns {
        let kind = c.kind();
        let half = fold(kind, me, pair, c.shares());
        let r = masks.words(half.len());
        for (&m, &r) in perm.as_slice().iter().zip(&r) {
            let v = half[m as usize];
            outgoing.push(if is_p {
                kind.combine(v, r)
            } else {
                kind.remove(v, r)
            });
        }
    }
    member_send(ctx, is_p, &outgoing)?;
    Ok(None)
}

/// The third party's side of a pair step: `total` words from each pair member (`p` is its
/// next party, `q` its previous), in one round.
fn receive_from_pair(
    ctx: &mut Context,
    total: usize,
) -> Result<(Vec<u64>, Vec<u64>), ProtocolError> {
    let got = ctx.exchange(Round {
        from_next: Some(total),
        from_prev: Some(total),
        ..Round::default()
    })?;
    Ok((
        got.from_next.unwrap_or_default(),
        got.from_prev.unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_name_their_members() {
        for t in PartyId::ALL {
            let pair = Pair::without(t);
            let [p, q] = pair.members();
            assert_eq!(q, p.next());
            assert!(!pair.contains(t) && pair.contains(p) && pair.contains(q));
            assert_eq!(pair.peer_of(p), Some(q));
            assert_eq!(pair.peer_of(q), Some(p));
            assert_eq!(pair.peer_of(t), None);
        }
    }
}

/// A pair member's one message of a pair step, to the pair's third party `t`: `p = t + 1`
/// sends to its previous party, `q = t − 1` to its next. One round; nothing received.
fn member_send(ctx: &mut Context, is_p: bool, outgoing: &[u64]) -> Result<(), ProtocolError> {
    let round = if is_p {
        Round {
            to_prev: Some(outgoing),
            ..Round::default()
        }
    } else {
        Round {
            to_next: Some(outgoing),
            ..Round::default()
        }
    };
    ctx.exchange(round)?;
    Ok(())
}
