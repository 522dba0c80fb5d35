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
//! **B2A and bit × value** ([`b2a`], [`bit_times_value`]; ABY3 §5.4, with its three-party
//! oblivious transfer): with `b = b_0 ⊕ b_1 ⊕ b_2`, a *sender* `S = P_i` knows
//! `u = b_i ⊕ b_{i+1}` and a value `s` (its part of the arithmetic operand); the other two
//! parties both know the choice bit `c = b_{i+2}`, so `b = u ⊕ c`. The result components
//! `y_i, y_{i+1}` are PRF randomness of the pairs `(S, S−1)` and `(S, S+1)`; the third,
//! `y_{i+2} = (u ⊕ c)·s − y_i − y_{i+1}`, must reach both other parties. The sender sends
//! each of them both candidates `m_0, m_1` masked by randomness it shares with the *other*
//! one, who sends the mask of the chosen candidate. One round. For B2A (`s = 1`) the sender
//! is `P_0`; for bit × value `b·v = b·(v_0 + v_1) + b·v_2` uses two instances in the same
//! round, with senders `P_0` (`s = v_0 + v_1`) and `P_2` (`u = b_2 ⊕ b_0`, `s = v_2`).
//! Cost per row: B2A 256 bits from `P_0`, 64 from each other party; bit × value 320 bits
//! from `P_0` and `P_2`, 128 from `P_1`.
//!
//! **What they reveal:** nothing. Every word sent in A2B and MSB is an AND output masked by
//! a fresh zero sharing. In the OT, a receiver sees two candidates masked by randomness it
//! does not hold, and only the mask of the one it may read (its component `y_{i+2}`,
//! uniformly random because `y_i` or `y_{i+1}` is unknown to it); the sender receives
//! nothing.

use crate::context::{Context, Round};
use crate::share::{words_per_bit, ArithColumn, BitSlicedColumn, ReplicatedWords, XorRowColumn};
use crate::{PartyId, ProtocolError};

use super::boolean::reshare;
use super::clear_padding;
use super::lanes::{Lane, Lanes};

/// Transposes a 64 × 64 bit matrix in place: afterwards bit `r` of `a[b]` is bit `b` of the
/// original `a[r]`.
pub fn transpose64(a: &mut [u64; 64]) {
    let mut j = 32;
    let mut m: u64 = 0x0000_0000_FFFF_FFFF;
    while j != 0 {
        for k in 0..64 {
            if k & j == 0 {
                let t = ((a[k] >> j) ^ a[k + j]) & m;
                a[k] ^= t << j;
                a[k + j] ^= t;
            }
        }
        j >>= 1;
        m ^= m << j;
    }
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

/// The full-adder layer of A2B/MSB for the low `bits` bits of `x`: the sum lanes
/// `s_0..s_{bits-1}` (local) and the carry lanes shifted up by one, `c'_0 = 0, c'_j =
/// maj_{j−1}` (one round, `bits − 1` ANDs).
fn full_adder(
    ctx: &mut Context,
    x: &ArithColumn,
    bits: u32,
) -> Result<(Vec<Lane>, Vec<Lane>), ProtocolError> {
    let rows = x.rows();
    let w = words_per_bit(rows);
    let own = bitslice(&x.shares.own, bits);
    let next = bitslice(&x.shares.next, bits);
    let carries = (bits as usize - 1) * w;
    let mut z = ctx.randomness().zero_shares_xor(carries);
    for ((a, o), n) in z.iter_mut().zip(&own).zip(&next) {
        *a ^= o & n;
    }
    let mut c = reshare(ctx, z)?;
    clear_padding(&mut c.own, rows);
    clear_padding(&mut c.next, rows);
    let s: Vec<Lane> = (0..bits as usize)
        .map(|j| {
            Lane::Shared(ReplicatedWords {
                own: own[j * w..(j + 1) * w].to_vec(),
                next: next[j * w..(j + 1) * w].to_vec(),
            })
        })
        .collect();
    let mut cs = vec![Lane::Zero];
    cs.extend((0..bits as usize - 1).map(|j| Lane::Shared(c.slice(j * w..(j + 1) * w))));
    Ok((s, cs))
}

/// Generate/propagate leaves of `s + c'` for positions `1..bits−1` (one round).
fn leaves(
    ctx: &mut Context,
    lanes: &Lanes,
    s: &[Lane],
    c: &[Lane],
    bits: usize,
) -> Result<Vec<(Lane, Lane)>, ProtocolError> {
    let reqs: Vec<(&Lane, &Lane)> = (1..bits - 1).map(|j| (&s[j], &c[j])).collect();
    let g = lanes.and_batch(ctx, &reqs)?;
    Ok(g.into_iter()
        .zip(1..bits - 1)
        .map(|(g, j)| (g, lanes.xor(&s[j], &c[j])))
        .collect())
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
    let lanes = Lanes::new(ctx.party(), x.rows());
    let (s, c) = full_adder(ctx, x, bits)?;
    let b = bits as usize;
    let carry_in: Vec<Lane> = if b >= 3 {
        let l = leaves(ctx, &lanes, &s, &c, b)?;
        let mut ci = vec![Lane::Zero, Lane::Zero];
        ci.extend(lanes.prefix(ctx, l)?.into_iter().take(b - 2));
        ci
    } else {
        vec![Lane::Zero; b]
    };
    let out: Vec<Lane> = (0..b)
        .map(|j| lanes.xor(&lanes.xor(&s[j], &c[j]), &carry_in[j]))
        .collect();
    Ok(lanes.to_column(&out))
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
    let lanes = Lanes::new(ctx.party(), x.rows());
    let (s, c) = full_adder(ctx, x, bits)?;
    let top = bits as usize - 1;
    let carry = if bits >= 3 {
        let l = leaves(ctx, &lanes, &s, &c, bits as usize)?;
        lanes.carry_out(ctx, l)?
    } else {
        Lane::Zero
    };
    Ok(lanes.to_column(&[lanes.xor(&lanes.xor(&s[top], &c[top]), &carry)]))
}

/// One instance of the three-party OT product of [`bit_times_value`]: `sender` knows
/// `s` (given there, `None` elsewhere).
struct OtJob<'a> {
    sender: PartyId,
    s: Option<&'a [u64]>,
}

fn row_bit(words: &[u64], r: usize) -> u64 {
    words[r / 64] >> (r % 64) & 1
}

/// Runs OT products `(b)·s_job` for all jobs in one round; returns one arithmetic
/// sharing per job.
fn ot_products(
    ctx: &mut Context,
    b: &BitSlicedColumn,
    jobs: &[OtJob<'_>],
) -> Result<Vec<ArithColumn>, ProtocolError> {
    let me = ctx.party();
    let n = b.rows;
    let (b_own, b_next) = (&b.shares.own, &b.shares.next);
    // At most 3n words per job in each direction (a party is sender in at most one).
    let mut to_next = Vec::with_capacity(3 * n * jobs.len());
    let mut to_prev = Vec::with_capacity(3 * n * jobs.len());
    let (mut from_next_len, mut from_prev_len) = (0usize, 0usize);
    // Per job, what this party keeps until the messages arrive.
    enum Pending {
        Sender(ReplicatedWords),
        // Our known component, and where the candidates and the helper's mask start in
        // what we receive.
        R1 {
            own: Vec<u64>,
            cand_at: usize,
            help_at: usize,
        },
        R2 {
            next: Vec<u64>,
            cand_at: usize,
            help_at: usize,
        },
    }
    let mut pending = Vec::with_capacity(jobs.len());
    for job in jobs {
        let s = job.sender;
        if me == s {
            let sv = job.s.ok_or_else(|| {
                ProtocolError::InvalidOperands("OT sender must know its value".into())
            })?;
            let y0 = ctx.randomness().shared_with(me.prev(), n);
            let w_r1 = ctx.randomness().shared_with(me.prev(), 2 * n);
            let y1 = ctx.randomness().shared_with(me.next(), n);
            let w_r2 = ctx.randomness().shared_with(me.next(), 2 * n);
            for r in 0..n {
                let u = row_bit(b_own, r) ^ row_bit(b_next, r);
                let base = y0[r].wrapping_add(y1[r]);
                let m0 = if u == 1 { sv[r] } else { 0 }.wrapping_sub(base);
                let m1 = if u == 0 { sv[r] } else { 0 }.wrapping_sub(base);
                to_next.push(m0.wrapping_add(w_r1[2 * r]));
                to_next.push(m1.wrapping_add(w_r1[2 * r + 1]));
                to_prev.push(m0.wrapping_add(w_r2[2 * r]));
                to_prev.push(m1.wrapping_add(w_r2[2 * r + 1]));
            }
            pending.push(Pending::Sender(ReplicatedWords { own: y0, next: y1 }));
        } else if me == s.next() {
            // R1: choice is our `next` component; helper for R2 (our next) with masks
            // shared with S (our prev).
            let y1 = ctx.randomness().shared_with(me.prev(), n);
            let w_r2 = ctx.randomness().shared_with(me.prev(), 2 * n);
            to_next.extend((0..n).map(|r| w_r2[2 * r + row_bit(b_next, r) as usize]));
            pending.push(Pending::R1 {
                own: y1,
                cand_at: from_prev_len,
                help_at: from_next_len,
            });
            from_prev_len += 2 * n;
            from_next_len += n;
        } else {
            // R2: choice is our `own` component; helper for R1 (our prev) with masks shared
            // with S (our next).
            let y0 = ctx.randomness().shared_with(me.next(), n);
            let w_r1 = ctx.randomness().shared_with(me.next(), 2 * n);
            to_prev.extend((0..n).map(|r| w_r1[2 * r + row_bit(b_own, r) as usize]));
            pending.push(Pending::R2 {
                next: y0,
                cand_at: from_next_len,
                help_at: from_prev_len,
            });
            from_next_len += 2 * n;
            from_prev_len += n;
        }
    }
    let got =
        if to_next.is_empty() && to_prev.is_empty() && from_next_len == 0 && from_prev_len == 0 {
            Default::default()
        } else {
            ctx.exchange(Round {
                to_next: (!to_next.is_empty()).then_some(&to_next[..]),
                to_prev: (!to_prev.is_empty()).then_some(&to_prev[..]),
                from_next: (from_next_len > 0).then_some(from_next_len),
                from_prev: (from_prev_len > 0).then_some(from_prev_len),
            })?
        };
    let from_next = got.from_next.unwrap_or_default();
    let from_prev = got.from_prev.unwrap_or_default();
    let pick = |cand: &[u64], help: &[u64], choice: &[u64], r: usize| {
        cand[2 * r + row_bit(choice, r) as usize].wrapping_sub(help[r])
    };
    Ok(pending
        .into_iter()
        .map(|p| match p {
            Pending::Sender(s) => ArithColumn::new(s),
            Pending::R1 {
                own,
                cand_at,
                help_at,
            } => {
                let cand = &from_prev[cand_at..cand_at + 2 * n];
                let help = &from_next[help_at..help_at + n];
                let next = (0..n).map(|r| pick(cand, help, b_next, r)).collect();
                ArithColumn::new(ReplicatedWords { own, next })
            }
            Pending::R2 {
                next,
                cand_at,
                help_at,
            } => {
                let cand = &from_next[cand_at..cand_at + 2 * n];
                let help = &from_prev[help_at..help_at + n];
                let own = (0..n).map(|r| pick(cand, help, b_own, r)).collect();
                ArithColumn::new(ReplicatedWords { own, next })
            }
        })
        .collect())
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

/// B2A (bit injection): a one-bit column as arithmetic 0/1 values. One round; `P_0`
/// sends 256 bits per row, the others 64.
pub fn b2a(ctx: &mut Context, b: &BitSlicedColumn) -> Result<ArithColumn, ProtocolError> {
    check_bit(b)?;
    let ones = vec![1u64; b.rows];
    let s = (ctx.party() == PartyId::SVB).then_some(&ones[..]);
    Ok(ot_products(
        ctx,
        b,
        &[OtJob {
            sender: PartyId::SVB,
            s,
        }],
    )?
    .pop()
    .expect("one job"))
}

/// B2A of whole values: a `width`-bit column as arithmetic values `Σ_j 2^j·bit_j`, all
/// bits injected in one round (cost of [`b2a`] per bit).
pub fn b2a_value(ctx: &mut Context, x: &BitSlicedColumn) -> Result<ArithColumn, ProtocolError> {
    let bits: Vec<BitSlicedColumn> = (0..x.width).map(|j| x.bit_column(j)).collect();
    let refs: Vec<&BitSlicedColumn> = bits.iter().collect();
    let all = b2a(ctx, &BitSlicedColumn::concat(&refs)?)?;
    let parts = all.split(&vec![x.rows; x.width as usize]);
    let mut acc = ArithColumn::new(ReplicatedWords::zeros(x.rows));
    for (j, p) in parts.iter().enumerate() {
        acc = super::arith::add(&acc, &super::arith::mul_public(p, 1u64 << j))?;
    }
    Ok(acc)
}

/// Bit × value: `b·v` for a one-bit column `b` and an arithmetic column `v` (ABY3 §5.4).
/// One round; `P_0` and `P_2` send 320 bits per row, `P_1` 128.
pub fn bit_times_value(
    ctx: &mut Context,
    b: &BitSlicedColumn,
    v: &ArithColumn,
) -> Result<ArithColumn, ProtocolError> {
    check_bit(b)?;
    super::same_len("bit_times_value", b.rows, v.rows())?;
    let me = ctx.party();
    let s_a: Vec<u64> = if me == PartyId::SVB {
        v.shares
            .own
            .iter()
            .zip(&v.shares.next)
            .map(|(a, b)| a.wrapping_add(*b))
            .collect()
    } else {
        Vec::new()
    };
    let jobs = [
        OtJob {
            sender: PartyId::SVB,
            s: (me == PartyId::SVB).then_some(&s_a[..]),
        },
        OtJob {
            sender: PartyId::BELASTINGDIENST,
            s: (me == PartyId::BELASTINGDIENST).then_some(&v.shares.own[..]),
        },
    ];
    let mut out = ot_products(ctx, b, &jobs)?;
    let second = out.pop().expect("two jobs");
    let first = out.pop().expect("two jobs");
    super::arith::add(&first, &second)
}
