//! Arithmetic sharing over Z_2^64: linear operations (local) and multiplication (one
//! round).
//!
//! `x = x_0 + x_1 + x_2 (mod 2^64)`, party `i` holds `(x_i, x_{i+1})`. Addition,
//! subtraction, negation and multiplication by a public constant act on each component;
//! adding a public constant changes component 0 only (party 0's `own`, party 2's `next`).
//! All of these are local and reveal nothing.
//!
//! **Multiplication** (Araki, Furukawa, Lindell, Nof, Ohara, CCS 2016; ABY3 §3): party `i`
//! computes
//!
//! ```text
//! z_i = x_i·y_i + x_i·y_{i+1} + x_{i+1}·y_i + α_i   (mod 2^64)
//! ```
//!
//! with `α` a fresh additive sharing of zero, sends `z_i` to party `i − 1`, receives
//! `z_{i+1}` from party `i + 1`. Cost: one round, 64 bits per product per party. Reveals
//! nothing: `α_i` contains `−F(k_{i+1})`, unknown to the receiver `i − 1`.
//! [`mul_words_many`] puts all products of a circuit layer into that one round. The
//! products are formed by the secure evaluator's one product function (run here through
//! its single-gadget executor), the same code every circuit uses.

use crate::context::Context;
use crate::evaluator::gadget;
use crate::evaluator::products::Pair;
use crate::share::{ArithColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::same_len;

fn map2(x: &[u64], y: &[u64], f: impl Fn(u64, u64) -> u64) -> Vec<u64> {
    x.iter().zip(y).map(|(&a, &b)| f(a, b)).collect()
}

/// `x + y` (local).
pub fn add(x: &ArithColumn, y: &ArithColumn) -> Result<ArithColumn, ProtocolError> {
    same_len("add", x.rows(), y.rows())?;
    Ok(ArithColumn::new(ReplicatedWords {
        own: map2(&x.shares.own, &y.shares.own, u64::wrapping_add),
        next: map2(&x.shares.next, &y.shares.next, u64::wrapping_add),
    }))
}

/// `x − y` (local).
pub fn sub(x: &ArithColumn, y: &ArithColumn) -> Result<ArithColumn, ProtocolError> {
    same_len("sub", x.rows(), y.rows())?;
    Ok(ArithColumn::new(ReplicatedWords {
        own: map2(&x.shares.own, &y.shares.own, u64::wrapping_sub),
        next: map2(&x.shares.next, &y.shares.next, u64::wrapping_sub),
    }))
}

/// `−x` (local).
pub fn neg(x: &ArithColumn) -> ArithColumn {
    ArithColumn::new(ReplicatedWords {
        own: x.shares.own.iter().map(|a| a.wrapping_neg()).collect(),
        next: x.shares.next.iter().map(|a| a.wrapping_neg()).collect(),
    })
}

/// `x + c` for a public constant `c` in every row (local; component 0 changes).
pub fn add_public(party: PartyId, x: &ArithColumn, c: u64) -> ArithColumn {
    let mut out = x.clone();
    match party.index() {
        0 => out
            .shares
            .own
            .iter_mut()
            .for_each(|a| *a = a.wrapping_add(c)),
        2 => out
            .shares
            .next
            .iter_mut()
            .for_each(|a| *a = a.wrapping_add(c)),
        _ => {}
    }
    out
}

/// `x + c[r]` for a public column `c` (local).
pub fn add_public_column(
    party: PartyId,
    x: &ArithColumn,
    c: &[u64],
) -> Result<ArithColumn, ProtocolError> {
    same_len("add_public_column", x.rows(), c.len())?;
    add(x, &ArithColumn::public(party, c))
}

/// `x − c` for a public constant `c` (local).
pub fn sub_public(party: PartyId, x: &ArithColumn, c: u64) -> ArithColumn {
    add_public(party, x, c.wrapping_neg())
}

/// `c − x` for a public constant `c` (local).
pub fn public_sub(party: PartyId, c: u64, x: &ArithColumn) -> ArithColumn {
    add_public(party, &neg(x), c)
}

/// `c·x` for a public constant `c` (local).
pub fn mul_public(x: &ArithColumn, c: u64) -> ArithColumn {
    ArithColumn::new(ReplicatedWords {
        own: x.shares.own.iter().map(|a| a.wrapping_mul(c)).collect(),
        next: x.shares.next.iter().map(|a| a.wrapping_mul(c)).collect(),
    })
}

/// `c[r]·x[r]` for a public column `c` (local).
pub fn mul_public_column(x: &ArithColumn, c: &[u64]) -> Result<ArithColumn, ProtocolError> {
    same_len("mul_public_column", x.rows(), c.len())?;
    Ok(ArithColumn::new(ReplicatedWords {
        own: map2(&x.shares.own, c, u64::wrapping_mul),
        next: map2(&x.shares.next, c, u64::wrapping_mul),
    }))
}

/// Products of many pairs of word sharings in **one** round (all multiplications of a
/// layer), formed by the engine's one product function. Cost: one round (none without
/// words), 64 bits per product per party.
pub fn mul_words_many(
    ctx: &mut Context,
    pairs: &[(&ReplicatedWords, &ReplicatedWords)],
) -> Result<Vec<ReplicatedWords>, ProtocolError> {
    for (x, y) in pairs {
        same_len("mul", x.len(), y.len())?;
    }
    let pairs: Vec<Pair> = pairs.iter().map(|(x, y)| Pair::copied(x, y)).collect();
    gadget::run(ctx, 0, |rt| async move { Ok(rt.mul_pairs(pairs).await) })
}

/// Product of two word sharings of equal length: one round.
pub fn mul_words(
    ctx: &mut Context,
    x: &ReplicatedWords,
    y: &ReplicatedWords,
) -> Result<ReplicatedWords, ProtocolError> {
    Ok(mul_words_many(ctx, &[(x, y)])?.pop().unwrap_or_default())
}

/// Row-wise products of many pairs of columns in one round.
pub fn mul_many(
    ctx: &mut Context,
    pairs: &[(&ArithColumn, &ArithColumn)],
) -> Result<Vec<ArithColumn>, ProtocolError> {
    let words: Vec<_> = pairs.iter().map(|(x, y)| (&x.shares, &y.shares)).collect();
    Ok(mul_words_many(ctx, &words)?
        .into_iter()
        .map(ArithColumn::new)
        .collect())
}

/// Row-wise product `x·y` (mod 2^64): one round, 64 bits per row per party.
pub fn mul(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
) -> Result<ArithColumn, ProtocolError> {
    Ok(ArithColumn::new(mul_words(ctx, &x.shares, &y.shares)?))
}
