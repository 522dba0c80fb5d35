//! Boolean (XOR) sharing: XOR, NOT and public constants (local), AND (one round).
//!
//! Bit-sliced: one u64 word holds one bit position of 64 rows, so every word operation is
//! 64 gates. XOR of two sharings, and XOR or NOT with a public value, are local (only
//! component 0 changes for a public value: party 0's `own` and party 2's `next`).
//!
//! **AND** (Araki, Furukawa, Lindell, Nof, Ohara, CCS 2016, §2.2): party `i` computes
//!
//! ```text
//! z_i = x_i·y_i ⊕ x_i·y_{i+1} ⊕ x_{i+1}·y_i ⊕ α_i
//! ```
//!
//! with `α` a fresh XOR sharing of zero from the PRF keys, sends `z_i` to party `i − 1` and
//! receives `z_{i+1}` from party `i + 1`. Cost: one round, one bit per AND gate per party.
//! Reveals nothing: `z_i` is masked by `F(k_{i+1})` in `α_i`, a key party `i − 1` does not
//! hold. [`and_words_many`] puts any number of gates of one circuit layer into that one
//! round. The products are formed by the secure evaluator's one product function.

use crate::context::Context;
use crate::evaluator::gadget;
use crate::evaluator::products::Pair;
use crate::share::{words_per_bit, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::{clear_padding, same_len, same_shape};

/// AND of many pairs of word sharings in **one** round (all gates of a layer), formed
/// by the engine's one product function.
///
/// Each pair's components must have equal lengths. Returns one sharing per pair. Cost:
/// one round (none if there are no words), one bit sent per gate per party.
///
/// Raw words: padding bits of bit-sliced data come out random in each component (they
/// still XOR to zero). [`and_many`] and [`and`] clear them, keeping the
/// [`BitSlicedColumn`] layout invariant; callers of the word forms do so themselves if
/// they need it.
pub fn and_words_many(
    ctx: &mut Context,
    pairs: &[(&ReplicatedWords, &ReplicatedWords)],
) -> Result<Vec<ReplicatedWords>, ProtocolError> {
    for (x, y) in pairs {
        same_len("and", x.len(), y.len())?;
    }
    // Rows in whole words: the runtime clears no padding of raw words.
    let rows = 64 * pairs.iter().map(|(x, _)| x.len()).max().unwrap_or(0);
    let pairs: Vec<Pair> = pairs.iter().map(|(x, y)| Pair::copied(x, y)).collect();
    gadget::run(ctx, rows, |rt| async move { Ok(rt.and_pairs(pairs).await) })
}

/// AND of two word sharings of equal length: one round.
pub fn and_words(
    ctx: &mut Context,
    x: &ReplicatedWords,
    y: &ReplicatedWords,
) -> Result<ReplicatedWords, ProtocolError> {
    Ok(and_words_many(ctx, &[(x, y)])?.pop().unwrap_or_default())
}

/// AND of many pairs of bit-sliced columns in one round; each pair must have the same
/// width and rows (pairs may differ from each other).
pub fn and_many(
    ctx: &mut Context,
    pairs: &[(&BitSlicedColumn, &BitSlicedColumn)],
) -> Result<Vec<BitSlicedColumn>, ProtocolError> {
    for (x, y) in pairs {
        same_shape("and", x, y)?;
    }
    let words: Vec<(&ReplicatedWords, &ReplicatedWords)> =
        pairs.iter().map(|(x, y)| (&x.shares, &y.shares)).collect();
    let out = and_words_many(ctx, &words)?;
    Ok(out
        .into_iter()
        .zip(pairs)
        .map(|(mut shares, (x, _))| {
            // The zero shares have random padding bits: clear them in both components, as
            // both holders of each component do.
            clear_padding(&mut shares.own, x.rows);
            clear_padding(&mut shares.next, x.rows);
            BitSlicedColumn {
                width: x.width,
                rows: x.rows,
                shares,
            }
        })
        .collect())
}

/// AND of two bit-sliced columns of the same width and rows, bit by bit: one round,
/// `width` bits sent per row per party.
pub fn and(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    y: &BitSlicedColumn,
) -> Result<BitSlicedColumn, ProtocolError> {
    Ok(and_many(ctx, &[(x, y)])?
        .pop()
        .expect("one pair in, one column out"))
}

/// XOR of two word sharings (local).
pub fn xor_words(
    x: &ReplicatedWords,
    y: &ReplicatedWords,
) -> Result<ReplicatedWords, ProtocolError> {
    same_len("xor", x.len(), y.len())?;
    Ok(ReplicatedWords {
        own: x.own.iter().zip(&y.own).map(|(a, b)| a ^ b).collect(),
        next: x.next.iter().zip(&y.next).map(|(a, b)| a ^ b).collect(),
    })
}

/// XOR of two bit-sliced columns (local).
pub fn xor(x: &BitSlicedColumn, y: &BitSlicedColumn) -> Result<BitSlicedColumn, ProtocolError> {
    same_shape("xor", x, y)?;
    Ok(BitSlicedColumn {
        width: x.width,
        rows: x.rows,
        shares: xor_words(&x.shares, &y.shares)?,
    })
}

/// XOR with the public value `c` (its low `width` bits) in every row (local).
pub fn xor_public(party: PartyId, x: &BitSlicedColumn, c: u64) -> BitSlicedColumn {
    let p = BitSlicedColumn::public(party, x.width, x.rows, c);
    BitSlicedColumn {
        width: x.width,
        rows: x.rows,
        shares: xor_words(&x.shares, &p.shares).expect("same shape"),
    }
}

/// NOT of every bit (local): XOR with all ones, padding kept zero.
pub fn not(party: PartyId, x: &BitSlicedColumn) -> BitSlicedColumn {
    let ones = if x.width == 64 {
        u64::MAX
    } else {
        (1u64 << x.width) - 1
    };
    xor_public(party, x, ones)
}

/// The one-bit column `x` repeated as every bit position of a `width`-bit column (local):
/// to AND one selector bit into each bit of a value.
pub fn broadcast_bit(x: &BitSlicedColumn, width: u32) -> Result<BitSlicedColumn, ProtocolError> {
    if x.width != 1 || !(1..=64).contains(&width) {
        return Err(ProtocolError::InvalidOperands(
            "broadcast_bit needs a one-bit column and a width in 1..=64".into(),
        ));
    }
    let w = words_per_bit(x.rows);
    let mut shares = ReplicatedWords::zeros(w * width as usize);
    for b in 0..width as usize {
        shares.own[b * w..(b + 1) * w].copy_from_slice(&x.shares.own);
        shares.next[b * w..(b + 1) * w].copy_from_slice(&x.shares.next);
    }
    Ok(BitSlicedColumn {
        width,
        rows: x.rows,
        shares,
    })
}
