//! Reveal (opening): the only operations that disclose anything.
//!
//! Party `j` holds components `x_j, x_{j+1}` and misses `x_{j+2} = x_{j−1}`, which party
//! `j − 1` holds as its first component. To reveal to `j`, party `j − 1` sends it; to
//! reveal to all, every party sends its first component to the next party. One round;
//! 64 bits per arithmetic row (or `width` bits per bit-sliced row) per sending party.
//! Araki et al. CCS 2016, §2.
//!
//! **What it reveals:** the values, to the named recipients, and nothing else: given the
//! value and its own two components, the recipient's missing component is determined.
//! Every reveal is reported to the context's observer ([`Context::record_reveal`]) with a
//! caller-chosen label, the recipients and the number of values, so the transcript lists
//! every disclosure. In malicious mode (later) both holders of the missing component send
//! it (or a hash) and the recipient aborts on a mismatch; that check belongs here.

use crate::context::{Context, Round};
use crate::share::{ArithColumn, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::convert::unbitslice;

/// How components combine: additively (mod 2^64) or by XOR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// `x = x_0 + x_1 + x_2 mod 2^64`.
    Additive,
    /// `x = x_0 ⊕ x_1 ⊕ x_2`.
    Xor,
}

/// Opens a word sharing to `to` (`Some(party)`) or to all parties (`None`), in one round.
/// Returns the words at recipients, `None` elsewhere. `label` and `count` (the number of
/// values these words carry) go to the observer.
pub fn reveal_words(
    ctx: &mut Context,
    words: &ReplicatedWords,
    sharing: Sharing,
    to: Option<PartyId>,
    label: &str,
    count: usize,
) -> Result<Option<Vec<u64>>, ProtocolError> {
    let me = ctx.party();
    let n = words.len();
    let recipients: Vec<PartyId> = match to {
        Some(p) => vec![p],
        None => PartyId::ALL.to_vec(),
    };
    ctx.record_reveal(label, &recipients, count);
    let (sends, receives) = match to {
        Some(p) => (p == me.next(), p == me),
        None => (true, true),
    };
    let missing = if n == 0 {
        Vec::new()
    } else {
        let got = ctx.exchange(Round {
            to_next: sends.then_some(&words.own[..]),
            from_prev: receives.then_some(n),
            ..Round::default()
        })?;
        got.from_prev.unwrap_or_default()
    };
    if !receives {
        return Ok(None);
    }
    let combine = |(a, b): (&u64, &u64), c: &u64| match sharing {
        Sharing::Additive => a.wrapping_add(*b).wrapping_add(*c),
        Sharing::Xor => a ^ b ^ c,
    };
    Ok(Some(
        words
            .own
            .iter()
            .zip(&words.next)
            .zip(&missing)
            .map(|(ab, c)| combine(ab, c))
            .collect(),
    ))
}

/// Reveals an arithmetic column to `to`: the values there, `None` elsewhere.
pub fn reveal_arith(
    ctx: &mut Context,
    x: &ArithColumn,
    to: PartyId,
    label: &str,
) -> Result<Option<Vec<u64>>, ProtocolError> {
    reveal_words(ctx, &x.shares, Sharing::Additive, Some(to), label, x.rows())
}

/// Reveals an arithmetic column to all three parties.
pub fn reveal_arith_all(
    ctx: &mut Context,
    x: &ArithColumn,
    label: &str,
) -> Result<Vec<u64>, ProtocolError> {
    Ok(reveal_words(ctx, &x.shares, Sharing::Additive, None, label, x.rows())?.unwrap_or_default())
}

/// Reveals a bit-sliced column to `to`: one value (its `width` low bits) per row there,
/// `None` elsewhere.
pub fn reveal_bool(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    to: PartyId,
    label: &str,
) -> Result<Option<Vec<u64>>, ProtocolError> {
    let w = reveal_words(ctx, &x.shares, Sharing::Xor, Some(to), label, x.rows)?;
    Ok(w.map(|w| unbitslice(&w, x.width, x.rows)))
}

/// Reveals a bit-sliced column to all three parties.
pub fn reveal_bool_all(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    label: &str,
) -> Result<Vec<u64>, ProtocolError> {
    let w = reveal_words(ctx, &x.shares, Sharing::Xor, None, label, x.rows)?.unwrap_or_default();
    Ok(unbitslice(&w, x.width, x.rows))
}
