//! Property tests of arithmetic input, reveal, linear operations and multiplication
//! against plaintext, through the in-memory three-party harness.

mod engine_support;

use engine_support::*;
use proptest::collection::vec;
use proptest::prelude::*;
use samen_protocol::ops::{arith, input, reveal};
use samen_protocol::{ArithColumn, PartyId};

fn two_columns() -> impl Strategy<Value = (Vec<u64>, Vec<u64>)> {
    rows().prop_flat_map(|n| (vec(word(), n), vec(word(), n)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn input_shares_the_owners_values(owner in owner(), v in rows().prop_flat_map(|n| vec(word(), n))) {
        let out = run(|ctx| input::input_arith(ctx, owner, at(ctx, owner, &v).as_deref(), v.len()));
        prop_assert_eq!(open_arith(&out), v);
    }

    #[test]
    fn reveal_to_one_and_to_all(owner in owner(), to in owner(), v in rows().prop_flat_map(|n| vec(word(), n))) {
        let out = run(|ctx| {
            let x = input::input_arith(ctx, owner, at(ctx, owner, &v).as_deref(), v.len())?;
            let one = reveal::reveal_arith(ctx, &x, to, "test")?;
            let all = reveal::reveal_arith_all(ctx, &x, "test")?;
            Ok((ctx.party(), one, all))
        });
        for (p, one, all) in out {
            prop_assert_eq!(&all, &v);
            if p == to { prop_assert_eq!(one.as_ref(), Some(&v)); } else { prop_assert!(one.is_none()); }
        }
    }

    #[test]
    fn linear_operations_are_exact_mod_2_64((x, y) in two_columns(), c in word(), ox in owner(), oy in owner()) {
        let n = x.len();
        let out = run(|ctx| {
            let a = input::input_arith(ctx, ox, at(ctx, ox, &x).as_deref(), n)?;
            let b = input::input_arith(ctx, oy, at(ctx, oy, &y).as_deref(), n)?;
            let p = ctx.party();
            Ok([
                arith::add(&a, &b)?,
                arith::sub(&a, &b)?,
                arith::neg(&a),
                arith::add_public(p, &a, c),
                arith::sub_public(p, &a, c),
                arith::public_sub(p, c, &a),
                arith::mul_public(&a, c),
                arith::add_public_column(p, &a, &y)?,
                arith::mul_public_column(&a, &y)?,
            ])
        });
        let get = |k: usize| open_arith(&[out[0][k].clone(), out[1][k].clone(), out[2][k].clone()]);
        let zip = |f: &dyn Fn(u64, u64) -> u64| x.iter().zip(&y).map(|(a, b)| f(*a, *b)).collect::<Vec<_>>();
        prop_assert_eq!(get(0), zip(&|a, b| a.wrapping_add(b)));
        prop_assert_eq!(get(1), zip(&|a, b| a.wrapping_sub(b)));
        prop_assert_eq!(get(2), zip(&|a, _| a.wrapping_neg()));
        prop_assert_eq!(get(3), zip(&|a, _| a.wrapping_add(c)));
        prop_assert_eq!(get(4), zip(&|a, _| a.wrapping_sub(c)));
        prop_assert_eq!(get(5), zip(&|a, _| c.wrapping_sub(a)));
        prop_assert_eq!(get(6), zip(&|a, _| a.wrapping_mul(c)));
        prop_assert_eq!(get(7), zip(&|a, b| a.wrapping_add(b)));
        prop_assert_eq!(get(8), zip(&|a, b| a.wrapping_mul(b)));
    }

    #[test]
    fn multiplication_wraps_mod_2_64((x, y) in two_columns(), ox in owner(), oy in owner()) {
        let n = x.len();
        let out = run(|ctx| {
            let a = input::input_arith(ctx, ox, at(ctx, ox, &x).as_deref(), n)?;
            let b = input::input_arith(ctx, oy, at(ctx, oy, &y).as_deref(), n)?;
            let before = ctx.stats().rounds;
            let z = arith::mul(ctx, &a, &b)?;
            let sq = arith::mul(ctx, &a, &a)?;
            Ok((z, sq, ctx.stats().rounds - before))
        });
        let z = open_arith(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]);
        let sq = open_arith(&[out[0].1.clone(), out[1].1.clone(), out[2].1.clone()]);
        prop_assert_eq!(z, x.iter().zip(&y).map(|(a, b)| a.wrapping_mul(*b)).collect::<Vec<_>>());
        prop_assert_eq!(sq, x.iter().map(|a| a.wrapping_mul(*a)).collect::<Vec<_>>());
        // One round per multiplication (none without rows).
        prop_assert_eq!(out[0].2, if n == 0 { 0 } else { 2 });
    }

    #[test]
    fn many_products_in_one_round((x, y) in two_columns(), w in vec(word(), 0..70)) {
        let n = x.len();
        let out = run(|ctx| {
            let o = PartyId::UWV;
            let a = input::input_arith(ctx, o, at(ctx, o, &x).as_deref(), n)?;
            let b = input::input_arith(ctx, o, at(ctx, o, &y).as_deref(), n)?;
            let c = input::input_arith(ctx, o, at(ctx, o, &w).as_deref(), w.len())?;
            let before = ctx.stats().rounds;
            let z = arith::mul_many(ctx, &[(&a, &b), (&c, &c), (&b, &a)])?;
            let words = arith::mul_words_many(ctx, &[(&a.shares, &b.shares)])?;
            let single = arith::mul_words(ctx, &c.shares, &c.shares)?;
            let rounds = ctx.stats().rounds - before;
            Ok((z, ArithColumn::new(words[0].clone()), ArithColumn::new(single), rounds))
        });
        let col = |k: usize| open_arith(&[out[0].0[k].clone(), out[1].0[k].clone(), out[2].0[k].clone()]);
        let xy: Vec<u64> = x.iter().zip(&y).map(|(a, b)| a.wrapping_mul(*b)).collect();
        let ww: Vec<u64> = w.iter().map(|a| a.wrapping_mul(*a)).collect();
        prop_assert_eq!(col(0), xy.clone());
        prop_assert_eq!(col(1), ww.clone());
        prop_assert_eq!(col(2), xy.clone());
        prop_assert_eq!(open_arith(&[out[0].1.clone(), out[1].1.clone(), out[2].1.clone()]), xy.clone());
        prop_assert_eq!(open_arith(&[out[0].2.clone(), out[1].2.clone(), out[2].2.clone()]), ww);
        let expect = u64::from(n + w.len() > 0) + u64::from(n > 0) + u64::from(!w.is_empty());
        prop_assert_eq!(out[0].3, expect);
    }

    #[test]
    fn batched_input_of_mixed_columns(owner in owner(), x in rows().prop_flat_map(|n| vec(word(), n)), (w, y) in (1u32..=64).prop_flat_map(|w| (Just(w), rows().prop_flat_map(move |n| vec(unsigned(w), n))))) {
        let out = run(|ctx| {
            let mine = ctx.party() == owner;
            let before = ctx.stats().rounds;
            let cols = input::input_many(ctx, owner, &[
                input::InputColumn::Arith { values: mine.then_some(&x[..]), rows: x.len() },
                input::InputColumn::Bool { values: mine.then_some(&y[..]), rows: y.len(), width: w },
                input::InputColumn::Arith { values: mine.then_some(&y[..]), rows: y.len() },
            ])?;
            Ok((cols, ctx.stats().rounds - before))
        });
        let [a, b, c] = out;
        prop_assert_eq!(a.1, u64::from(!x.is_empty() || !y.is_empty()));
        let arith = |k: usize| open_arith(&[a.0[k].clone().into_arith().unwrap(), b.0[k].clone().into_arith().unwrap(), c.0[k].clone().into_arith().unwrap()]);
        prop_assert_eq!(arith(0), x.clone());
        prop_assert_eq!(arith(2), y.clone());
        let bits = open_bits(&[a.0[1].clone().into_bool().unwrap(), b.0[1].clone().into_bool().unwrap(), c.0[1].clone().into_bool().unwrap()]);
        prop_assert_eq!(bits, y);
    }
}

#[test]
fn concat_and_split_round_trip() {
    let out = run(|ctx| {
        let o = PartyId::SVB;
        let a = input::input_arith(ctx, o, at(ctx, o, &[1, 2, 3]).as_deref(), 3)?;
        let b = input::input_arith(ctx, o, at(ctx, o, &[4]).as_deref(), 1)?;
        let c = ArithColumn::concat(&[&a, &b]);
        let parts = c.split(&[3, 1]);
        Ok((c, parts))
    });
    assert_eq!(
        open_arith(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        open_arith(&[
            out[0].1[1].clone(),
            out[1].1[1].clone(),
            out[2].1[1].clone()
        ]),
        vec![4]
    );
}

#[test]
fn wrong_inputs_are_errors_not_panics() {
    // The owner gives the wrong number of values: its run fails with InvalidOperands and
    // the others see the channel close.
    let r = samen_protocol::harness::try_run_three(|ctx| {
        let v = vec![1u64; 3];
        input::input_arith(ctx, PartyId::UWV, at(ctx, PartyId::UWV, &v).as_deref(), 4)
    });
    assert!(r.is_err());
    // Mismatched operand lengths.
    let a = ArithColumn::public(PartyId::SVB, &[1, 2]);
    let b = ArithColumn::public(PartyId::SVB, &[1]);
    assert!(arith::add(&a, &b).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A mixed layer: products and ANDs in one round. Gates of different kinds share a
    /// round inside a circuit, so this runs one through the secure evaluator (the one
    /// path) and counts its rounds.
    #[test]
    fn products_and_ands_of_a_layer_in_one_round((x, y) in two_columns(), (u, v) in two_columns()) {
        use samen_circuits::{Builder, PartyId, PartySet};
        use samen_protocol::evaluator::{evaluate_shared, LocalInputs, SharedInputs, SharedOutput};
        use samen_protocol::ops::input::SharedColumn;
        let n = x.len();
        let (u, v) = (u[..n.min(u.len())].to_vec(), v[..n.min(v.len())].to_vec());
        let (u, v) = if u.len() == n { (u, v) } else { (x.clone(), y.clone()) };
        let mut b = Builder::new("layer");
        let sh = |b: &mut Builder, w| b.share(w).unwrap();
        let a = b.input_arith(PartyId::SVB, "a", 64).unwrap();
        let bb = b.input_arith(PartyId::UWV, "b", 64).unwrap();
        let c = b.input_bool(PartyId::SVB, "c", 64).unwrap();
        let d = b.input_bool(PartyId::BELASTINGDIENST, "d", 64).unwrap();
        let (a, bb, c, d) = (sh(&mut b, a), sh(&mut b, bb), sh(&mut b, c), sh(&mut b, d));
        let p = b.mul(a, bb).unwrap();
        let q = b.mul(bb, bb).unwrap();
        let r = b.and(c, d).unwrap();
        for (name, w) in [("p", p), ("q", q), ("r", r)] {
            b.output(name, w, PartySet::ALL).unwrap();
        }
        let circuit = b.finish().unwrap();
        let mine = |p: PartyId| -> LocalInputs {
            let mut m = LocalInputs::new();
            match p.index() {
                0 => { m.insert("a".into(), x.clone()); m.insert("c".into(), u.clone()); }
                1 => { m.insert("b".into(), y.clone()); }
                _ => { m.insert("d".into(), v.clone()); }
            }
            m
        };
        let out = run(|ctx| {
            let before = ctx.stats().rounds;
            let o = evaluate_shared(ctx, &circuit, &mine(ctx.party()), &SharedInputs::new(), n)
                .map_err(samen_protocol::ProtocolError::from)?;
            let rounds = ctx.stats().rounds - before;
            let get = |k: &str| match o.get(k) { Some(SharedOutput::Secret(c)) => c.clone(), other => panic!("{other:?}") };
            let arith = |c: SharedColumn| c.into_arith().expect("arithmetic");
            Ok((arith(get("p")), arith(get("q")), get("r").into_bool().expect("boolean"), rounds))
        });
        prop_assert_eq!(open_arith(&[out[0].0.clone(), out[1].0.clone(), out[2].0.clone()]), x.iter().zip(&y).map(|(a, b)| a.wrapping_mul(*b)).collect::<Vec<_>>());
        prop_assert_eq!(open_arith(&[out[0].1.clone(), out[1].1.clone(), out[2].1.clone()]), y.iter().map(|b| b.wrapping_mul(*b)).collect::<Vec<_>>());
        let expect: Vec<u64> = u.iter().zip(&v).map(|(a, b)| a & b).collect();
        prop_assert_eq!(open_bits(&[out[0].2.clone(), out[1].2.clone(), out[2].2.clone()]), expect);
        // One input round for all owners, then ONE round for both multiplications and the
        // AND (nothing at all without rows).
        prop_assert_eq!(out[0].3, 2 * u64::from(n > 0));
    }
}
