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
//! **What they reveal:** nothing; every message is an AND output masked by a fresh zero
//! sharing (or an input masked by PRF randomness).
//!
//! [`msb`]: super::convert::msb
//! [`xor_public`]: super::boolean::xor_public
//! [`ArithColumn::concat`]: crate::ArithColumn::concat
//! [`BitSlicedColumn::concat`]: crate::BitSlicedColumn::concat

use crate::context::Context;
use crate::share::{ArithColumn, BitSlicedColumn, ReplicatedWords};
use crate::{PartyId, ProtocolError};

use super::arith::{neg, public_sub, sub, sub_public};
use super::boolean::not as not_bits;
use super::convert::{bitslice, msb};
use super::input::input_bool;
use super::lanes::{Lane, Lanes};
use super::same_shape;

fn check_width(w: u32) -> Result<(), ProtocolError> {
    if !(1..=63).contains(&w) {
        return Err(ProtocolError::InvalidOperands(format!(
            "arithmetic comparison width {w} is not in 1..=63"
        )));
    }
    Ok(())
}

/// `[x < y]` for arithmetic columns with operands within `width` bits (see module doc).
pub fn lt(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    check_width(width)?;
    msb(ctx, &sub(x, y)?, width + 1)
}

/// `[x <= y]` for arithmetic columns: `¬(y < x)`.
pub fn le(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    let r = lt(ctx, y, x, width)?;
    Ok(not_bits(ctx.party(), &r))
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
    check_width(width)?;
    let d = sub_public(ctx.party(), x, c);
    msb(ctx, &d, width + 1)
}

/// `[x <= c]` for a public constant `c`: `¬(c < x)`.
pub fn le_public(
    ctx: &mut Context,
    x: &ArithColumn,
    c: u64,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    check_width(width)?;
    let d = public_sub(ctx.party(), c, x);
    let r = msb(ctx, &d, width + 1)?;
    Ok(not_bits(ctx.party(), &r))
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

/// `[d ≡ 0 mod 2^bits]` (see module doc).
fn is_zero(
    ctx: &mut Context,
    d: &ArithColumn,
    bits: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    let me = ctx.party();
    let rows = d.rows();
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let a_plain: Vec<u64> = if me == PartyId::SVB {
        d.shares
            .own
            .iter()
            .zip(&d.shares.next)
            .map(|(x, y)| x.wrapping_add(*y) & mask)
            .collect()
    } else {
        Vec::new()
    };
    let a = input_bool(
        ctx,
        PartyId::SVB,
        (me == PartyId::SVB).then_some(&a_plain[..]),
        rows,
        bits,
    )?;
    // −d_2 as a boolean sharing: component 2 (party 2's own, party 1's next).
    let minus = neg(d);
    let b = match me.index() {
        1 => ReplicatedWords {
            own: vec![0; a.shares.len()],
            next: bitslice(&minus.shares.next, bits),
        },
        2 => ReplicatedWords {
            own: bitslice(&minus.shares.own, bits),
            next: vec![0; a.shares.len()],
        },
        _ => ReplicatedWords::zeros(a.shares.len()),
    };
    let b = BitSlicedColumn {
        width: bits,
        rows,
        shares: b,
    };
    let lanes = Lanes::new(me, rows);
    let diff = super::boolean::xor(&a, &b)?;
    let xnor: Vec<Lane> = Lanes::of_column(&diff)
        .iter()
        .map(|l| lanes.not(l))
        .collect();
    let all = lanes.and_all(ctx, xnor)?;
    Ok(lanes.to_column(&[all]))
}

/// `[x == y]` for arithmetic columns with operands within `width` bits.
pub fn eq(
    ctx: &mut Context,
    x: &ArithColumn,
    y: &ArithColumn,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    check_width(width)?;
    is_zero(ctx, &sub(x, y)?, width + 1)
}

/// `[x == c]` for a public constant `c`.
pub fn eq_public(
    ctx: &mut Context,
    x: &ArithColumn,
    c: u64,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    check_width(width)?;
    let d = sub_public(ctx.party(), x, c);
    is_zero(ctx, &d, width + 1)
}

/// `[x ≥ k]` for a bit-sliced column and public `k` (unsigned): carry out of
/// `x + (2^ℓ − k)`.
fn ge_const_lane(ctx: &mut Context, x: &BitSlicedColumn, k: u64) -> Result<Lane, ProtocolError> {
    let l = x.width;
    if k == 0 {
        return Ok(Lane::One);
    }
    if l < 64 && k >> l != 0 {
        return Ok(Lane::Zero);
    }
    let lanes = Lanes::new(ctx.party(), x.rows);
    let m = k.wrapping_neg() & if l == 64 { u64::MAX } else { (1u64 << l) - 1 };
    let leaves: Vec<(Lane, Lane)> = Lanes::of_column(x)
        .into_iter()
        .enumerate()
        .map(|(j, xj)| {
            if m >> j & 1 == 1 {
                (xj.clone(), lanes.not(&xj))
            } else {
                (Lane::Zero, xj)
            }
        })
        .collect();
    lanes.carry_out(ctx, leaves)
}

fn one_bit(ctx: &Context, rows: usize, l: Lane) -> BitSlicedColumn {
    Lanes::new(ctx.party(), rows).to_column(&[l])
}

/// `[x ≥ k]` for a bit-sliced column (unsigned, its declared width) and public `k`.
pub fn ge_public_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    k: u64,
) -> Result<BitSlicedColumn, ProtocolError> {
    let l = ge_const_lane(ctx, x, k)?;
    Ok(one_bit(ctx, x.rows, l))
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
    let lanes = Lanes::new(ctx.party(), x.rows);
    if x.width < 64 && k >> x.width != 0 {
        return Ok(one_bit(ctx, x.rows, Lane::Zero));
    }
    let xnor: Vec<Lane> = Lanes::of_column(x)
        .into_iter()
        .enumerate()
        .map(|(j, xj)| if k >> j & 1 == 1 { xj } else { lanes.not(&xj) })
        .collect();
    let r = lanes.and_all(ctx, xnor)?;
    Ok(one_bit(ctx, x.rows, r))
}

/// `[x ≥ y]` for bit-sliced columns of one width (unsigned): carry out of `x + ¬y + 1`.
pub fn ge_bits(
    ctx: &mut Context,
    x: &BitSlicedColumn,
    y: &BitSlicedColumn,
) -> Result<BitSlicedColumn, ProtocolError> {
    same_shape("ge_bits", x, y)?;
    let lanes = Lanes::new(ctx.party(), x.rows);
    let xs = Lanes::of_column(x);
    let ny: Vec<Lane> = Lanes::of_column(y).iter().map(|l| lanes.not(l)).collect();
    let reqs: Vec<(&Lane, &Lane)> = xs.iter().zip(&ny).collect();
    let g = lanes.and_batch(ctx, &reqs)?;
    let mut leaves: Vec<(Lane, Lane)> = g
        .into_iter()
        .zip(xs.iter().zip(&ny))
        .map(|(g, (a, b))| (g, lanes.xor(a, b)))
        .collect();
    // Fold the carry-in 1 into position 0: G_0 = g_0 ⊕ p_0 (its P is never needed).
    let (g0, p0) = leaves[0].clone();
    leaves[0] = (lanes.xor(&g0, &p0), p0);
    let r = lanes.carry_out(ctx, leaves)?;
    Ok(one_bit(ctx, x.rows, r))
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
    let lanes = Lanes::new(ctx.party(), x.rows);
    let d = super::boolean::xor(x, y)?;
    let xnor: Vec<Lane> = Lanes::of_column(&d).iter().map(|l| lanes.not(l)).collect();
    let r = lanes.and_all(ctx, xnor)?;
    Ok(one_bit(ctx, x.rows, r))
}
