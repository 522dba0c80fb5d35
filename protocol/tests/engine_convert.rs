//! Property tests of A2B, MSB extraction, B2A, bit × value and MUX against plaintext,
//! through the harness, with their round counts.

mod engine_support;

use engine_support::*;
use proptest::collection::vec;
use proptest::prelude::*;
use samen_protocol::ops::{convert, input, mux};
use samen_protocol::PartyId;

fn expected_a2b_rounds(bits: u32, rows: usize) -> u64 {
    if rows == 0 || bits == 1 {
        0
    } else if bits == 2 {
        1
    } else {
        2 + u64::from((bits - 2).next_power_of_two().trailing_zeros())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn a2b_gives_the_low_bits(bits in 1u32..=64, x in rows().prop_flat_map(|n| vec(word(), n)), owner in owner()) {
        let n = x.len();
        let out = run(|ctx| {
            let a = input::input_arith(ctx, owner, at(ctx, owner, &x).as_deref(), n)?;
            let before = ctx.stats().rounds;
            let b = convert::a2b(ctx, &a, bits)?;
            Ok((b, ctx.stats().rounds - before))
        });
        prop_assert_eq!(open_bits(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), x.iter().map(|v| v & mask(bits)).collect::<Vec<_>>());
        prop_assert_eq!(out[0].1, expected_a2b_rounds(bits, n));
    }

    #[test]
    fn msb_is_the_top_bit(bits in 1u32..=64, x in rows().prop_flat_map(|n| vec(word(), n)), owner in owner()) {
        let n = x.len();
        let out = run(|ctx| {
            let a = input::input_arith(ctx, owner, at(ctx, owner, &x).as_deref(), n)?;
            let before = ctx.stats().rounds;
            let b = convert::msb(ctx, &a, bits)?;
            Ok((b, ctx.stats().rounds - before))
        });
        prop_assert_eq!(open_bits(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), x.iter().map(|v| v >> (bits - 1) & 1).collect::<Vec<_>>());
        prop_assert_eq!(out[0].1, expected_a2b_rounds(bits, n));
    }

    #[test]
    fn b2a_and_bit_times_value(x in rows().prop_flat_map(|n| (vec(unsigned(1), n), vec(word(), n))), ob in owner(), ov in owner()) {
        let (b, v) = x;
        let n = b.len();
        let out = run(|ctx| {
            let bb = input::input_bool(ctx, ob, at(ctx, ob, &b).as_deref(), n, 1)?;
            let vv = input::input_arith(ctx, ov, at(ctx, ov, &v).as_deref(), n)?;
            let r0 = ctx.stats().rounds;
            let a = convert::b2a(ctx, &bb)?;
            let r1 = ctx.stats().rounds;
            let p = convert::bit_times_value(ctx, &bb, &vv)?;
            let r2 = ctx.stats().rounds;
            Ok((a, p, r1 - r0, r2 - r1))
        });
        prop_assert_eq!(open_arith(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), b.clone());
        prop_assert_eq!(open_arith(&[out[0].1.clone(), out[1].1.clone(), out[2].1.clone()]), b.iter().zip(&v).map(|(b, v)| b * v).collect::<Vec<_>>());
        // Two rounds each: the two-round OT of the product function.
        prop_assert_eq!((out[0].2, out[0].3), if n == 0 { (0, 0) } else { (2, 2) });
    }

    #[test]
    fn b2a_of_whole_values(w in 1u32..=64, owner in owner(), x in rows()) {
        let vals: Vec<u64> = (0..x as u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) & mask(w)).collect();
        let out = run(|ctx| {
            let bb = input::input_bool(ctx, owner, at(ctx, owner, &vals).as_deref(), vals.len(), w)?;
            let before = ctx.stats().rounds;
            let a = convert::b2a_value(ctx, &bb)?;
            Ok((a, ctx.stats().rounds - before))
        });
        prop_assert_eq!(open_arith(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), vals.clone());
        prop_assert_eq!(out[0].1, 2 * u64::from(!vals.is_empty()));
    }

    #[test]
    fn mux_selects((w, s, a, b) in (1u32..=64).prop_flat_map(|w| rows().prop_flat_map(move |n| (Just(w), vec(unsigned(1), n), vec(unsigned(w), n), vec(unsigned(w), n)))), owner in owner()) {
        let n = s.len();
        let out = run(|ctx| {
            let o = owner;
            let ss = input::input_bool(ctx, o, at(ctx, o, &s).as_deref(), n, 1)?;
            let ab = input::input_bool(ctx, PartyId::UWV, at(ctx, PartyId::UWV, &a).as_deref(), n, w)?;
            let bb = input::input_bool(ctx, PartyId::BELASTINGDIENST, at(ctx, PartyId::BELASTINGDIENST, &b).as_deref(), n, w)?;
            let aa = input::input_arith(ctx, PartyId::UWV, at(ctx, PartyId::UWV, &a).as_deref(), n)?;
            let ba = input::input_arith(ctx, PartyId::SVB, at(ctx, PartyId::SVB, &b).as_deref(), n)?;
            let r0 = ctx.stats().rounds;
            let mb = mux::mux_bool(ctx, &ss, &ab, &bb)?;
            let r1 = ctx.stats().rounds;
            let ma = mux::mux_arith(ctx, &ss, &aa, &ba)?;
            let r2 = ctx.stats().rounds;
            Ok((mb, ma, r1 - r0, r2 - r1))
        });
        let expect: Vec<u64> = (0..n).map(|r| if s[r] == 1 { a[r] } else { b[r] }).collect();
        prop_assert_eq!(open_bits(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), expect.clone());
        prop_assert_eq!(open_arith(&[out[0].1.clone(), out[1].1.clone(), out[2].1.clone()]), expect);
        // Boolean: one AND round; arithmetic: the two-round OT.
        prop_assert_eq!((out[0].2, out[0].3), if n == 0 { (0, 0) } else { (1, 2) });
    }
}

#[test]
fn one_bit_and_wrong_widths_are_refused() {
    let out = samen_protocol::harness::try_run_three(|ctx| {
        let b = samen_protocol::BitSlicedColumn::public(ctx.party(), 2, 3, 1);
        convert::b2a(ctx, &b)
    });
    assert!(out.is_err());
    let out = samen_protocol::harness::try_run_three(|ctx| {
        let x = samen_protocol::ArithColumn::public(ctx.party(), &[1]);
        convert::a2b(ctx, &x, 65)
    });
    assert!(out.is_err());
}
