//! Conversions between sharings: local transposes, A2B (bit decomposition), MSB
//! extraction, B2A (bit injection) and bit × value.
//!
//! **Transposes** (local, no communication): XOR sharing is bitwise, so transposing each
//! component row-major ⇄ bit-sliced transposes the shared value ([`to_bitsliced`],
//! [`to_xor_rows`]). [`bitslice`] and [`unbitslice`] do the same on plaintext.
//!
//! **A2B** ([`a2b`], ABY3 §5.3): the three arithmetic components `x_0, x_1, x_2` are each
//! a boolean sharing for free (component `k` is `x_k`, the others 0); the sum bit of a
//! full-adder layer is then just the bit-sliced pair a party already holds, and the carry
//! `maj(x_0, x_1, x_2) = x_0x_1 ⊕ x_1x_2 ⊕ x_2x_0` is one AND layer in which party `i`
//! computes `x_i·x_{i+1}` locally (a 3-out-of-3 sharing) and re-shares it with a zero
//! sharing. The two remaining summands `s + 2c` go through a Sklansky parallel-prefix
//! adder: one AND layer of generate bits, then ⌈log2(ℓ − 2)⌉ prefix layers. Position 0
//! never generates a carry (`2c` is even), so it is left out. Rounds for ℓ bits:
//! `2 + ⌈log2(ℓ − 2)⌉` (8 for ℓ = 64).
//!
//! **MSB** ([`msb`]): the same, but only the carry into the top bit is needed: a reduction
//! tree instead of a prefix, about `3ℓ` ANDs in total instead of `ℓ·log ℓ`. For ℓ = 64:
//! 8 rounds, 241 AND gates (bits sent per row per party).
//!
//! **B2A and bit × value** ([`b2a`], [`bit_times_value`]; a two-round variant of the
//! three-party oblivious transfer of ABY3 §5.4, specified with its security argument in
//! the one product function, `crate::evaluator::products`): with `b = b_0 ⊕ b_1 ⊕ b_2`, a
//! *sender* `S = P_i` knows `u = b_i ⊕ b_{i+1}` and a value `s` (its part of the arithmetic
//! operand); the other two parties both know `c = b_{i+2}`, so `b = u ⊕ c` and
//! `b·s = u·s + c·(1 − 2u)·s`. Two of the result's components are PRF randomness of the
//! sender's pairs; the sender sends two masked linear messages to `S + 1`, `S + 2` one
//! masked word to `S + 1`, which then computes its masked share of the third component and
//! forwards it to `S + 2` in a second round. For B2A (`s = 1`) the sender is `P_0`; for bit
//! × value `b·v = b·(v_0 + v_1) + b·v_2` uses two instances in the same two rounds, with
//! senders `P_0` (`s = v_0 + v_1`) and `P_2` (`u = b_2 ⊕ b_0`, `s = v_2`). Cost per row:
//! B2A 128 bits from `P_0`, 64 from each other party; bit × value 192 bits from `P_0` and
//! `P_2`, 128 from `P_1`. Two rounds.
//!
//! **One implementation.** A2B, MSB, B2A and bit × value run the secure evaluator's step
//! functions (`crate::evaluator::convert`: the lane plans of `samen_circuits::lanes` and
//! the OTs of the one product function) through the single-gadget executor; only the
//! local transposes live here.
//!
//! **What they reveal:** nothing. Every word sent in A2B and MSB is an AND output masked by
//! a fresh zero sharing. In the OT, every word a receiver gets is masked by PRF randomness
//! of a pair it is not part of; the sender receives nothing.

use crate::context::Context;
use crate::evaluator::{convert, gadget};
use crate::share::{words_per_bit, ArithColumn, BitSlicedColumn, ReplicatedWords, XorRowColumn};
use crate::ProtocolError;

/// One level of [`transpose64`]: swaps the off-diagonal `J × J` blocks of every
/// `2J × 2J` diagonal block (`m` selects the low `J` bits of each `2J`-bit group). The
/// loop steps over the blocks (no test per word) and `J` is a constant, so that each level
/// is straight-line, vectorisable code.
#[inline(always)]
fn transpose_level<const J: usize>(a: &mut [u64; 64], m: u64) {
    let mut k = 0;
    while k < 64 {
        for l in k..k + J {
            let t = ((a[l] >> J) ^ a[l + J]) & m;
            a[l] ^= t << J;
            a[l + J] ^= t;
        }
        k += 2 * J;
    }
}

/// Transposes a 64 × 64 bit matrix in place: afterwards bit `r` of `a[b]` is bit `b` of the
/// original `a[r]`. Six levels of block swaps (32, 16, …, 1), about 2,000 instructions.
pub fn transpose64(a: &mut [u64; 64]) {
    transpose_level::<32>(a, 0x0000_0000_FFFF_FFFF);
    transpose_level::<16>(a, 0x0000_FFFF_0000_FFFF);
    transpose_level::<8>(a, 0x00FF_00FF_00FF_00FF);
    transpose_level::<4>(a, 0x0F0F_0F0F_0F0F_0F0F);
    transpose_level::<2>(a, 0x3333_3333_3333_3333);
    transpose_level::<1>(a, 0x5555_5555_5555_5555);
}

/// Bit-slices plaintext `values` (their low `width` bits): `width · ceil(n/64)` words,
/// bit-major, padding zero.
pub fn bitslice(values: &[u64], width: u32) -> Vec<u64> {
    let w = words_per_bit(values.len());
    let width = width as usize;
    let mut out = vec![0u64; width * w];
    let mut block = [0u64; 64];
    for (blk, chunk) in values.chunks(64).enumerate() {
        block[..chunk.len()].copy_from_slice(chunk);
        block[chunk.len()..].fill(0);
        transpose64(&mut block);
        for b in 0..width {
            out[b * w + blk] = block[b];
        }
    }
    out
}

/// The inverse of [`bitslice`]: `rows` values of `width` bits from bit-sliced words.
pub fn unbitslice(words: &[u64], width: u32, rows: usize) -> Vec<u64> {
    let w = words_per_bit(rows);
    let mut out = Vec::with_capacity(rows);
    let mut block = [0u64; 64];
    for blk in 0..w {
        for b in 0..64 {
            block[b] = if b < width as usize {
                words[b * w + blk]
            } else {
                0
            };
        }
        transpose64(&mut block);
        let n = (rows - blk * 64).min(64);
        out.extend_from_slice(&block[..n]);
    }
    out
}

/// A row-major XOR-shared column as a bit-sliced column of its low `width` bits (local).
pub fn to_bitsliced(x: &XorRowColumn, width: u32) -> Result<BitSlicedColumn, ProtocolError> {
    if !(1..=64).contains(&width) {
        return Err(ProtocolError::InvalidOperands(format!(
            "bit width {width} is not in 1..=64"
        )));
    }
    let rows = x.shares.len();
    Ok(BitSlicedColumn {
        width,
        rows,
        shares: ReplicatedWords {
            own: bitslice(&x.shares.own, width),
            next: bitslice(&x.shares.next, width),
        },
    })
}

/// A bit-sliced column as a row-major XOR-shared column, zero-extended (local).
pub fn to_xor_rows(x: &BitSlicedColumn) -> XorRowColumn {
    XorRowColumn {
        shares: ReplicatedWords {
            own: unbitslice(&x.shares.own, x.width, x.rows),
            next: unbitslice(&x.shares.next, x.width, x.rows),
        },
    }
}

fn check_bits(bits: u32) -> Result<(), ProtocolError> {
    if !(1..=64).contains(&bits) {
        return Err(ProtocolError::InvalidOperands(format!(
            "bit width {bits} is not in 1..=64"
        )));
    }
    Ok(())
}

/// A2B: the low `bits` bits (1..=64) of each value of `x` as a bit-sliced boolean
/// sharing. Rounds: 0 for 1 bit, 1 for 2, `2 + ⌈log2(bits − 2)⌉` above (8 for 64 bits).
pub fn a2b(
    ctx: &mut Context,
    x: &ArithColumn,
    bits: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    check_bits(bits)?;
    gadget::run(ctx, x.rows(), |rt| async move {
        Ok(convert::a2b(&rt, x, bits).await)
    })
}

/// MSB extraction: bit `bits − 1` of each value of `x` — the sign of `x` read as a
/// `bits`-bit two's-complement number (`bits = 64`: the most significant bit). A one-bit
/// column. Computes only the carry into that bit. Rounds: 0 for 1 bit, 1 for 2,
/// `2 + ⌈log2(bits − 2)⌉` above (8 for 64 bits); 241 bits sent per row per party at 64.
pub fn msb(
    ctx: &mut Context,
    x: &ArithColumn,
    bits: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    check_bits(bits)?;
    gadget::run(ctx, x.rows(), |rt| async move {
        let l = convert::msb(&rt, x, bits).await;
        Ok(rt.column(&[l]))
    })
}

fn check_bit(b: &BitSlicedColumn) -> Result<(), ProtocolError> {
    if b.width != 1 {
        return Err(ProtocolError::InvalidOperands(format!(
            "expected a one-bit column, got {} bits",
            b.width
        )));
    }
    Ok(())
}

/// B2A (bit injection): a one-bit column as arithmetic 0/1 values. Two rounds; `P_0`
/// sends 128 bits per row, the others 64.
pub fn b2a(ctx: &mut Context, b: &BitSlicedColumn) -> Result<ArithColumn, ProtocolError> {
    check_bit(b)?;
    b2a_value(ctx, b)
}

/// B2A of whole values: a `width`-bit column as arithmetic values `Σ_j 2^j·bit_j`, all
/// bits injected in the same two rounds (cost of [`b2a`] per bit).
pub fn b2a_value(ctx: &mut Context, x: &BitSlicedColumn) -> Result<ArithColumn, ProtocolError> {
    gadget::run(ctx, x.rows, |rt| async move { convert::b2a(&rt, x).await })
}

/// Bit × value: `b·v` for a one-bit column `b` and an arithmetic column `v` (ABY3 §5.4).
/// Two rounds; `P_0` and `P_2` send 192 bits per row, `P_1` 128.
pub fn bit_times_value(
    ctx: &mut Context,
    b: &BitSlicedColumn,
    v: &ArithColumn,
) -> Result<ArithColumn, ProtocolError> {
    check_bit(b)?;
    super::same_len("bit_times_value", b.rows, v.rows())?;
    gadget::run(ctx, b.rows, |rt| async move {
        convert::bit_times(&rt, b, &convert::Base::Col(v.clone())).await
    })
}
