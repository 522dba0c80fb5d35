//! Comparisons `<`, `<=`, `==` (and `>`, `>=`) of whole columns, shared/shared and
//! shared/public, for arithmetic and bit-sliced columns. Results are one-bit bit-sliced
//! columns (1 = true). To run many comparisons in one call, concatenate their rows
//! ([`ArithColumn::concat`], [`BitSlicedColumn::concat`]) and split the result.
//!
//! **Arithmetic columns, declared width `w` (1..=63).** `x < y` is the sign of `d = x − y`
//! (ABY3 §5.3): when the integer difference lies in `[−2^w, 2^w)` — which holds whenever
//! both operands are unsigned `w`-bit values, or both are signed (two's complement)
//! `w`-bit values — `d` is exact as a `(w + 1)`-bit two's-complement number, so
//! `[x < y]` is bit `w` of `d`, obtained by [`msb`] on `w + 1` bits. Only the low `w + 1`
//! bits of the shares enter the adder, so narrower widths are cheaper. For `w = 63` this
//! is the full 64-bit MSB: **8 rounds, 241 bits per row per party**. `x <= y` is
//! `¬(y < x)`.
//!
//! `x == y` tests `d ≡ 0 (mod 2^{w+1})`, exact in the same range: `P_0`, which holds
//! `d_0` and `d_1`, shares `a = d_0 + d_1` bit-sliced at `w + 1` bits (one input round),
//! the other summand `−d_2` is a boolean sharing for free (component 2), and
//! `d = 0 ⇔ a = −d_2` is an AND tree over the `w + 1` XNOR bits. Rounds:
//! `1 + ⌈log2(w + 1)⌉` (7 for `w = 63`); bits: `w + 1` from `P_0` plus `w` per party.
//!
//! **Outside the declared range** the result is bit `w` of `x − y` (resp. the equality of
//! the low `w + 1` bits): a wrong but well-defined answer, never an error, since the
//! values are secret. Callers keep operands within their declared widths (inputs are
//! range-checked by their owners; circuits track widths).
//!
//! **Bit-sliced columns, declared width ℓ (1..=64), unsigned.** `x ≥ k` for a public `k`
//! is the carry out of `x + (2^ℓ − k)`: generate and propagate bits are local (a public
//! bit ANDed with a shared bit), so only the carry tree communicates: ⌈log2 ℓ⌉ rounds,
//! fewer than `2ℓ` ANDs (positions where the constant bit is 0 generate nothing and cost
//! no AND at the next level). Shared/shared `x ≥ y` is the carry out of `x + ¬y + 1`: one
//! AND layer of generate bits, then the tree: `1 + ⌈log2 ℓ⌉` rounds. Equality is an AND
//! tree over XNOR bits: ⌈log2 ℓ⌉ rounds, `ℓ − 1` ANDs. For signed (two's-complement)
//! values, flip the top bit of both sides first ([`xor_public`] with `1 << (ℓ − 1)`).
//!
//! **One implementation.** Each function runs the secure evaluator's comparison step
//! function (`crate::evaluator::compare`, whose trees are the lane plans of
//! `samen_circuits::lanes`) through the single-gadget executor: the same code, rounds and
//! bytes as a comparison gate in a circuit.
//!
//! **What they reveal:** nothing; every message is an AND output masked by a fresh zero
//! sharing (or an input masked by PRF randomness).
//!
//! [`msb`]: super::convert::msb
//! [`xor_public`]: super::boolean::xor_public
//! [`ArithColumn::concat`]: crate::ArithColumn::concat
//! [`BitSlicedColumn::concat`]: crate::BitSlicedColumn::concat

use samen_circuits::lanes::Cmp;

use crate::context::Context;
use crate::evaluator::compare::{compare_arith, compare_bool, ge_unsigned};
use crate::evaluator::gadget;
use crate::evaluator::gates::V;
use crate::share::{ArithColumn, BitSlicedColumn};
use crate::ProtocolError;

use super::boolean::not as not_bits;
use super::same_shape;

fn check_width(w: u32) -> Result<(), ProtocolError> {
    if !(1..=63).contains(&w) {
        return Err(ProtocolError::InvalidOperands(format!(
            "arithmetic comparison width {w} is not in 1..=63"
        )));
    }
    Ok(())
}

/// An arithmetic comparison on `width + 1` bits, as a one-bit column.
fn arith(
    ctx: &mut Context,
    cmp: Cmp,
    x: &V<'_>,
    y: &V<'_>,
    rows: usize,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    check_width(width)?;
    gadget::run(ctx, rows, |rt| async move {
        let l = compare_arith(&rt, cmp, x, y, width + 1).await?;
        Ok(rt.column(&[l]))
    })
}

/// `[x < y]` for arithmetic columns with operands within `width` bits (see module doc).
pub fn lt(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    super::same_len("lt", x.rows(), y.rows())?;
    arith(ctx, Cmp::Lt, &V::A(x), &V::A(y), x.rows(), width)
}

/// `[x <= y]` for arithmetic columns: `¬(y < x)`.
pub fn le(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    super::same_len("le", x.rows(), y.rows())?;
    arith(ctx, Cmp::Le, &V::A(x), &V::A(y), x.rows(), width)
}

/// `[x > y]` for arithmetic columns: `y < x`.
pub fn gt(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    lt(ctx, y, x, width)
}

/// `[x >= y]` for arithmetic columns: `¬(x < y)`.
pub fn ge(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    le(ctx, y, x, width)
}

/// `[x < c]` for a public constant `c` (as a two's-complement `u64`).
pub fn lt_public(
    ctx: &mut Context,
    x: &ArithColumn,
    c: u64,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    arith(ctx, Cmp::Lt, &V::A(x), &V::Pub(c), x.rows(), width)
}

/// `[x <= c]` for a public constant `c`: `¬(c < x)`.
pub fn le_public(
    ctx: &mut Context,
    x: &ArithColumn,
    c: u64,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    arith(ctx, Cmp::Le, &V::A(x), &V::Pub(c), x.rows(), width)
}

/// `[x > c]` for a public constant `c`: `c < x`.
pub fn gt_public(
    ctx: &mut Context,
    x: &ArithColumn,
    c: u64,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    let r = le_public(ctx, x, c, width)?;
    Ok(not_bits(ctx.party(), &r))
}

/// `[x >= c]` for a public constant `c`: `¬(x < c)`.
pub fn ge_public(
    ctx: &mut Context,
    x: &ArithColumn,
    c: u64,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    let r = lt_public(ctx, x, c, width)?;
    Ok(not_bits(ctx.party(), &r))
}

/// `[x == y]` for arithmetic columns with operands within `width` bits.
pub fn eq(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    super::same_len("eq", x.rows(), y.rows())?;
    arith(ctx, Cmp::Eq, &V::A(x), &V::A(y), x.rows(), width)
}

/// `[x == c]` for a public constant `c`.
pub fn eq_public(
    ctx: &mut Context,
    x: &ArithColumn,
    c: u64,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    arith(ctx, Cmp::Eq, &V::A(x), &V::Pub(c), x.rows(), width)
}

/// `[x ≥ k]` for a bit-sliced column (unsigned, its declared width) and public `k`.
pub fn ge_public_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    k: u64,
) -> Result<BitSlicedColumn, ProtocolError> {
    gadget::run(ctx, x.rows, |rt| async move {
        let l = ge_unsigned(&rt, x, &V::Pub(k)).await?;
        Ok(rt.column(&[l]))
    })
}

/// `[x < k]` for a bit-sliced column and public `k`: ⌈log2 ℓ⌉ rounds.
pub fn lt_public_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    k: u64,
) -> Result<BitSlicedColumn, ProtocolError> {
    let r = ge_public_bits(ctx, x, k)?;
    Ok(not_bits(ctx.party(), &r))
}

/// `[x <= k]` for a bit-sliced column and public `k`: `x < k + 1`.
pub fn le_public_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    k: u64,
) -> Result<BitSlicedColumn, ProtocolError> {
    match k.checked_add(1) {
        Some(k1) => lt_public_bits(ctx, x, k1),
        None => Ok(BitSlicedColumn::public(ctx.party(), 1, x.rows, 1)),
    }
}

/// `[x > k]` for a bit-sliced column and public `k`: `¬(x <= k)`.
pub fn gt_public_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    k: u64,
) -> Result<BitSlicedColumn, ProtocolError> {
    let r = le_public_bits(ctx, x, k)?;
    Ok(not_bits(ctx.party(), &r))
}

/// `[x == k]` for a bit-sliced column and public `k`: an AND tree of ⌈log2 ℓ⌉ rounds.
pub fn eq_public_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    k: u64,
) -> Result<BitSlicedColumn, ProtocolError> {
    gadget::run(ctx, x.rows, |rt| async move {
        let l = compare_bool(&rt, Cmp::Eq, &V::B(x), &V::Pub(k), x.width).await?;
        Ok(rt.column(&[l]))
    })
}

/// `[x ≥ y]` for bit-sliced columns of one width (unsigned): carry out of `x + ¬y + 1`.
pub fn ge_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    y: &BitSlicedColumn,
) -> Result<BitSlicedColumn, ProtocolError> {
    same_shape("ge_bits", x, y)?;
    gadget::run(ctx, x.rows, |rt| async move {
        let l = ge_unsigned(&rt, x, &V::B(y)).await?;
        Ok(rt.column(&[l]))
    })
}

/// `[x < y]` for bit-sliced columns: `¬(x ≥ y)`. `1 + ⌈log2 ℓ⌉` rounds.
pub fn lt_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    y: &BitSlicedColumn,
) -> Result<BitSlicedColumn, ProtocolError> {
    let r = ge_bits(ctx, x, y)?;
    Ok(not_bits(ctx.party(), &r))
}

/// `[x <= y]` for bit-sliced columns: `y ≥ x`.
pub fn le_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    y: &BitSlicedColumn,
) -> Result<BitSlicedColumn, ProtocolError> {
    ge_bits(ctx, y, x)
}

/// `[x == y]` for bit-sliced columns of one width: an AND tree over XNOR bits.
pub fn eq_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    y: &BitSlicedColumn,
) -> Result<BitSlicedColumn, ProtocolError> {
    same_shape("eq_bits", x, y)?;
    gadget::run(ctx, x.rows, |rt| async move {
        let l = compare_bool(&rt, Cmp::Eq, &V::B(x), &V::B(y), x.width).await?;
        Ok(rt.column(&[l]))
    })
}
