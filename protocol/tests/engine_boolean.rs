//! Property tests of boolean (bit-sliced) input, reveal, XOR/NOT/public constants, AND,
//! the local transposes and concatenation, against plaintext through the harness.

mod engine_support;

use engine_support::*;
use proptest::collection::vec;
use proptest::prelude::*;
use samen_protocol::ops::{boolean, convert, input, reveal};
use samen_protocol::{BitSlicedColumn, PartyId, ReplicatedWords, XorRowColumn};

/// A width and two columns of values of that width, of equal length.
fn two_of_width() -> impl Strategy<Value = (u32, Vec<u64>, Vec<u64>)> {
    (1u32..=64).prop_flat_map(|w| {
        rows().prop_flat_map(move |n| (Just(w), vec(unsigned(w), n), vec(unsigned(w), n)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn boolean_input_and_reveal((w, x, _) in two_of_width(), owner in owner(), to in owner()) {
        let n = x.len();
        let out = run(|ctx| {
            let a = input::input_bool(ctx, owner, at(ctx, owner, &x).as_deref(), n, w)?;
            let one = reveal::reveal_bool(ctx, &a, to, "test")?;
            let all = reveal::reveal_bool_all(ctx, &a, "test")?;
            Ok((a, ctx.party(), one, all))
        });
        prop_assert_eq!(open_bits(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), x.clone());
        for (_, p, one, all) in out {
            prop_assert_eq!(&all, &x);
            if p == to { prop_assert_eq!(one.as_ref(), Some(&x)); } else { prop_assert!(one.is_none()); }
        }
    }

    #[test]
    fn local_gates((w, x, y) in two_of_width(), c in word(), ox in owner(), oy in owner()) {
        let n = x.len();
        let out = run(|ctx| {
            let a = input::input_bool(ctx, ox, at(ctx, ox, &x).as_deref(), n, w)?;
            let b = input::input_bool(ctx, oy, at(ctx, oy, &y).as_deref(), n, w)?;
            let p = ctx.party();
            Ok([boolean::xor(&a, &b)?, boolean::not(p, &a), boolean::xor_public(p, &a, c)])
        });
        let get = |k: usize| open_bits(&[out[0][k].clone(), out[1][k].clone(), out[2][k].clone()]);
        let m = mask(w);
        prop_assert_eq!(get(0), x.iter().zip(&y).map(|(a, b)| a ^ b).collect::<Vec<_>>());
        prop_assert_eq!(get(1), x.iter().map(|a| !a & m).collect::<Vec<_>>());
        prop_assert_eq!(get(2), x.iter().map(|a| (a ^ c) & m).collect::<Vec<_>>());
    }

    #[test]
    fn and_is_bitwise_and_in_one_round((w, x, y) in two_of_width(), ox in owner(), oy in owner()) {
        let n = x.len();
        let out = run(|ctx| {
            let a = input::input_bool(ctx, ox, at(ctx, ox, &x).as_deref(), n, w)?;
            let b = input::input_bool(ctx, oy, at(ctx, oy, &y).as_deref(), n, w)?;
            let before = ctx.stats().clone();
            let z = boolean::and(ctx, &a, &b)?;
            let after = ctx.stats().clone();
            let aa = boolean::and(ctx, &a, &a)?;
            Ok((z, aa, after.rounds - before.rounds, after.total_sent() - before.total_sent()))
        });
        prop_assert_eq!(open_bits(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), x.iter().zip(&y).map(|(a, b)| a & b).collect::<Vec<_>>());
        prop_assert_eq!(open_bits(&[out[0].1.clone(), out[1].1.clone(), out[2].1.clone()]), x.clone());
        for o in &out {
            prop_assert_eq!(o.2, u64::from(n > 0));
            // One bit per gate per party, rounded up to whole words per bit position.
            prop_assert_eq!(o.3, 8 * w as u64 * n.div_ceil(64) as u64);
        }
    }

    #[test]
    fn many_ands_in_one_round((w, x, y) in two_of_width(), (v, u) in rows().prop_flat_map(|n| (vec(unsigned(1), n), vec(unsigned(1), n)))) {
        let n = x.len();
        let out = run(|ctx| {
            let o = PartyId::BELASTINGDIENST;
            let a = input::input_bool(ctx, o, at(ctx, o, &x).as_deref(), n, w)?;
            let b = input::input_bool(ctx, o, at(ctx, o, &y).as_deref(), n, w)?;
            let c = input::input_bool(ctx, o, at(ctx, o, &v).as_deref(), v.len(), 1)?;
            let d = input::input_bool(ctx, o, at(ctx, o, &u).as_deref(), u.len(), 1)?;
            let before = ctx.stats().rounds;
            let z = boolean::and_many(ctx, &[(&a, &b), (&c, &d)])?;
            let words = boolean::and_words_many(ctx, &[(&a.shares, &b.shares), (&c.shares, &d.shares)])?;
            let one = boolean::and_words(ctx, &c.shares, &d.shares)?;
            Ok((z, words, one, ctx.stats().rounds - before))
        });
        let col = |k: usize| open_bits(&[out[0].0[k].clone(), out[1].0[k].clone(), out[2].0[k].clone()]);
        let xy: Vec<u64> = x.iter().zip(&y).map(|(a, b)| a & b).collect();
        let vu: Vec<u64> = v.iter().zip(&u).map(|(a, b)| a & b).collect();
        prop_assert_eq!(col(0), xy.clone());
        prop_assert_eq!(col(1), vu.clone());
        // Word-level results are raw AND outputs (padding bits random, XOR to zero).
        let words = |s: [&ReplicatedWords; 3]| -> Vec<u64> {
            for i in 0..3 { assert_eq!(s[i].next, s[(i + 1) % 3].own); }
            (0..s[0].len()).map(|k| s[0].own[k] ^ s[1].own[k] ^ s[2].own[k]).collect()
        };
        prop_assert_eq!(convert::unbitslice(&words([&out[0].1[0], &out[1].1[0], &out[2].1[0]]), w, n), xy);
        prop_assert_eq!(convert::unbitslice(&words([&out[0].1[1], &out[1].1[1], &out[2].1[1]]), 1, v.len()), vu.clone());
        prop_assert_eq!(convert::unbitslice(&words([&out[0].2, &out[1].2, &out[2].2]), 1, v.len()), vu);
        let expect = u64::from(n + v.len() > 0) * 2 + u64::from(!v.is_empty());
        prop_assert_eq!(out[0].3, expect);
    }

    #[test]
    fn transposes_are_local_and_exact(w in 1u32..=64, x in rows().prop_flat_map(|n| vec(word(), n)), owner in owner()) {
        let n = x.len();
        let out = run(|ctx| {
            // A row-major XOR sharing from the arithmetic input's components is not a
            // sharing of x; share x bit-sliced at 64 bits, go to rows and back instead.
            let a = input::input_bool(ctx, owner, at(ctx, owner, &x).as_deref(), n, 64)?;
            let before = ctx.stats().rounds;
            let rows_col: XorRowColumn = convert::to_xor_rows(&a);
            let back = convert::to_bitsliced(&rows_col, w)?;
            Ok((rows_col, back, ctx.stats().rounds - before))
        });
        for i in 0..3 { prop_assert_eq!(&out[i].0.shares.next, &out[(i + 1) % 3].0.shares.own); }
        let rows_plain: Vec<u64> = (0..n).map(|r| out[0].0.shares.own[r] ^ out[1].0.shares.own[r] ^ out[2].0.shares.own[r]).collect();
        prop_assert_eq!(&rows_plain, &x);
        prop_assert_eq!(open_bits(&[out[0].1.clone(), out[1].1.clone(), out[2].1.clone()]), x.iter().map(|v| v & mask(w)).collect::<Vec<_>>());
        prop_assert_eq!(out[0].2, 0);
    }

    #[test]
    fn concat_split_and_bit_columns(w in 1u32..=64, x in rows().prop_flat_map(|n| vec(word(), n)), y in rows().prop_flat_map(|n| vec(word(), n))) {
        let xm: Vec<u64> = x.iter().map(|v| v & mask(w)).collect();
        let ym: Vec<u64> = y.iter().map(|v| v & mask(w)).collect();
        let out = run(|ctx| {
            let o = PartyId::SVB;
            let a = input::input_bool(ctx, o, at(ctx, o, &xm).as_deref(), xm.len(), w)?;
            let b = input::input_bool(ctx, o, at(ctx, o, &ym).as_deref(), ym.len(), w)?;
            let c = BitSlicedColumn::concat(&[&a, &b, &a])?;
            let parts = c.split(&[xm.len(), ym.len(), xm.len()]);
            let top = a.bit_column(w - 1);
            let wide = boolean::broadcast_bit(&top, 5)?;
            Ok((c, parts, top, wide))
        });
        let mut all = xm.clone();
        all.extend(&ym);
        all.extend(&xm);
        prop_assert_eq!(open_bits(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), all);
        prop_assert_eq!(open_bits(&[out[0].1[1].clone(), out[1].1[1].clone(), out[2].1[1].clone()]), ym);
        prop_assert_eq!(open_bits(&[out[0].1[2].clone(), out[1].1[2].clone(), out[2].1[2].clone()]), xm.clone());
        let top: Vec<u64> = xm.iter().map(|v| v >> (w - 1) & 1).collect();
        prop_assert_eq!(open_bits(&[out[0].2.clone(), out[1].2.clone(), out[2].2.clone()]), top.clone());
        prop_assert_eq!(open_bits(&[out[0].3.clone(), out[1].3.clone(), out[2].3.clone()]), top.iter().map(|b| b * 31).collect::<Vec<_>>());
    }
}

#[test]
#[allow(clippy::needless_range_loop)]
fn plaintext_bitslice_round_trips_and_transpose_is_an_involution() {
    let v: Vec<u64> = (0..130u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    assert_eq!(
        convert::unbitslice(&convert::bitslice(&v, 64), 64, v.len()),
        v
    );
    let mut m = [0u64; 64];
    for (i, w) in m.iter_mut().enumerate() {
        *w = (i as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
    }
    let orig = m;
    convert::transpose64(&mut m);
    for r in 0..64 {
        for b in 0..64 {
            assert_eq!(m[b] >> r & 1, orig[r] >> b & 1);
        }
    }
    convert::transpose64(&mut m);
    assert_eq!(m, orig);
}

#[test]
fn invalid_boolean_operands_are_errors() {
    // A value wider than the declared width is refused at the owner.
    let r = samen_protocol::harness::try_run_three(|ctx| {
        let v = [0u64, 8];
        input::input_bool(
            ctx,
            PartyId::SVB,
            at(ctx, PartyId::SVB, &v).as_deref(),
            2,
            3,
        )
    });
    assert!(r.is_err());
    let a = BitSlicedColumn::public(PartyId::SVB, 3, 10, 5);
    let b = BitSlicedColumn::public(PartyId::SVB, 4, 10, 5);
    assert!(boolean::xor(&a, &b).is_err());
    assert!(BitSlicedColumn::new(65, 1, ReplicatedWords::zeros(65)).is_err());
    assert!(BitSlicedColumn::new(1, 1, ReplicatedWords::new(vec![2], vec![0])).is_err());
}
