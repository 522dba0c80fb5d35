//! One round for a whole circuit layer that mixes arithmetic multiplications and boolean
//! ANDs.
//!
//! [`mul_words_many`] and [`and_words_many`] each take one round; a layer with both kinds
//! of gates would take two. [`mul_and_words_many`] computes both kinds of local products
//! (AFLNO16 §2.2; the arithmetic and XOR forms of the same protocol), concatenates them
//! into one message to the previous party and splits what comes from the next: one round,
//! 64 bits per product and 1 bit per AND gate per party. It reveals nothing, for the same
//! reason as its two parts: every word sent is masked by a fresh zero share.
//!
//! [`mul_words_many`]: super::arith::mul_words_many
//! [`and_words_many`]: super::boolean::and_words_many

use crate::context::Context;
use crate::share::ReplicatedWords;
use crate::ProtocolError;

use super::arith::mul_local;
use super::boolean::{and_local, reshare};
use super::same_len;

/// A pair of word sharings to multiply or AND.
pub type WordPair<'a> = (&'a ReplicatedWords, &'a ReplicatedWords);

/// Products of `muls` (mod 2^64) and ANDs of `ands` in **one** round. Returns the
/// product sharings and the AND sharings, one per pair, in order. No round when there
/// are no words at all.
///
/// As with [`and_words_many`](super::boolean::and_words_many), padding bits of
/// bit-sliced AND results are random in each component (they XOR to zero).
pub fn mul_and_words_many(
    ctx: &mut Context,
    muls: &[WordPair<'_>],
    ands: &[WordPair<'_>],
) -> Result<(Vec<ReplicatedWords>, Vec<ReplicatedWords>), ProtocolError> {
    let mut n_mul = 0;
    for (x, y) in muls {
        same_len("mul", x.len(), y.len())?;
        n_mul += x.len();
    }
    let mut n_and = 0;
    for (x, y) in ands {
        same_len("and", x.len(), y.len())?;
        n_and += x.len();
    }
    // Both holders of every key draw the same amounts in the same order: arithmetic zero
    // shares first, then XOR zero shares.
    let mut z = ctx.randomness().zero_shares(n_mul);
    z.extend(ctx.randomness().zero_shares_xor(n_and));
    let mut at = 0;
    for (x, y) in muls {
        let n = x.len();
        mul_local(&x.own, &x.next, &y.own, &y.next, &mut z[at..at + n]);
        at += n;
    }
    for (x, y) in ands {
        let n = x.len();
        and_local(&x.own, &x.next, &y.own, &y.next, &mut z[at..at + n]);
        at += n;
    }
    let all = reshare(ctx, z)?;
    let mut at = 0;
    let mut take = |n: usize| {
        let r = all.slice(at..at + n);
        at += n;
        r
    };
    let m: Vec<ReplicatedWords> = muls.iter().map(|(x, _)| take(x.len())).collect();
    let a: Vec<ReplicatedWords> = ands.iter().map(|(x, _)| take(x.len())).collect();
    Ok((m, a))
}
