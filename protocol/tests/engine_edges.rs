//! Every operation at the row counts that stress the bit-sliced layout — 0, 1, 63, 64,
//! 65 rows — on edge values (0, 1, −1, the extremes of 63-bit signed values, equal
//! operands), against plaintext. Deterministic, so these sizes are always covered (the
//! property tests draw them only often).

mod engine_support;

use engine_support::*;
use samen_protocol::ops::{arith, boolean, compare, convert, input, mux, reveal};
use samen_protocol::{ArithColumn, BitSlicedColumn, PartyId};

const EDGES: [i64; 9] = [
    0,
    1,
    -1,
    (1 << 62) - 1,
    -(1 << 62),
    12345,
    -12345,
    2,
    (1 << 62) - 2,
];

fn column(n: usize, shift: usize) -> Vec<u64> {
    (0..n)
        .map(|r| EDGES[(r + shift) % EDGES.len()] as u64)
        .collect()
}

fn bit(b: bool) -> u64 {
    u64::from(b)
}

#[test]
fn every_operation_at_edge_row_counts() {
    for n in [0usize, 1, 63, 64, 65] {
        let x = column(n, 0);
        // Equal to x in every third row.
        let y: Vec<u64> = column(n, 4)
            .iter()
            .zip(&x)
            .enumerate()
            .map(|(r, (b, a))| if r % 3 == 0 { *a } else { *b })
            .collect();
        let s: Vec<u64> = (0..n).map(|r| (r % 2) as u64).collect();
        let out = run(|ctx| {
            let a = input::input_arith(ctx, PartyId::SVB, at(ctx, PartyId::SVB, &x).as_deref(), n)?;
            let b = input::input_arith(ctx, PartyId::UWV, at(ctx, PartyId::UWV, &y).as_deref(), n)?;
            let ab = input::input_bool(
                ctx,
                PartyId::BELASTINGDIENST,
                at(ctx, PartyId::BELASTINGDIENST, &x).as_deref(),
                n,
                64,
            )?;
            let bb = input::input_bool(
                ctx,
                PartyId::SVB,
                at(ctx, PartyId::SVB, &y).as_deref(),
                n,
                64,
            )?;
            let sb = input::input_bool(
                ctx,
                PartyId::UWV,
                at(ctx, PartyId::UWV, &s).as_deref(),
                n,
                1,
            )?;
            let arith_results: Vec<ArithColumn> = vec![
                arith::mul(ctx, &a, &b)?,
                convert::b2a(ctx, &sb)?,
                convert::bit_times_value(ctx, &sb, &a)?,
                mux::mux_arith(ctx, &sb, &a, &b)?,
            ];
            let bool_results: Vec<BitSlicedColumn> = vec![
                boolean::and(ctx, &ab, &bb)?,
                convert::a2b(ctx, &a, 64)?,
                convert::msb(ctx, &a, 64)?,
                compare::lt(ctx, &a, &b, 63)?,
                compare::le(ctx, &a, &b, 63)?,
                compare::eq(ctx, &a, &b, 63)?,
                compare::lt_public(ctx, &a, 1, 63)?,
                compare::eq_public(ctx, &a, u64::MAX, 63)?,
                compare::lt_bits(ctx, &ab, &bb)?,
                compare::eq_bits(ctx, &ab, &bb)?,
                compare::lt_public_bits(ctx, &ab, 1 << 62)?,
                mux::mux_bool(ctx, &sb, &ab, &bb)?,
            ];
            let opened = reveal::reveal_arith_all(ctx, &a, "edges")?;
            Ok((arith_results, bool_results, opened))
        });
        let ar = |k: usize| {
            open_arith(&[
                out[0].0[k].clone(),
                out[1].0[k].clone(),
                out[2].0[k].clone(),
            ])
        };
        let br = |k: usize| {
            open_bits(&[
                out[0].1[k].clone(),
                out[1].1[k].clone(),
                out[2].1[k].clone(),
            ])
        };
        let zip = |f: &dyn Fn(u64, u64) -> u64| {
            x.iter().zip(&y).map(|(a, b)| f(*a, *b)).collect::<Vec<_>>()
        };
        let sel = |t: &[u64], e: &[u64]| {
            (0..n)
                .map(|r| if s[r] == 1 { t[r] } else { e[r] })
                .collect::<Vec<_>>()
        };
        assert_eq!(ar(0), zip(&|a, b| a.wrapping_mul(b)), "mul, {n} rows");
        assert_eq!(ar(1), s, "b2a, {n} rows");
        assert_eq!(
            ar(2),
            (0..n).map(|r| s[r] * x[r]).collect::<Vec<_>>(),
            "bit × value, {n} rows"
        );
        assert_eq!(ar(3), sel(&x, &y), "mux_arith, {n} rows");
        assert_eq!(br(0), zip(&|a, b| a & b), "and, {n} rows");
        assert_eq!(br(1), x, "a2b, {n} rows");
        assert_eq!(
            br(2),
            x.iter().map(|a| a >> 63).collect::<Vec<_>>(),
            "msb, {n} rows"
        );
        assert_eq!(
            br(3),
            zip(&|a, b| bit((a as i64) < (b as i64))),
            "lt, {n} rows"
        );
        assert_eq!(
            br(4),
            zip(&|a, b| bit((a as i64) <= (b as i64))),
            "le, {n} rows"
        );
        assert_eq!(br(5), zip(&|a, b| bit(a == b)), "eq, {n} rows");
        assert_eq!(
            br(6),
            x.iter().map(|a| bit((*a as i64) < 1)).collect::<Vec<_>>(),
            "lt_public, {n} rows"
        );
        assert_eq!(
            br(7),
            x.iter().map(|a| bit(*a == u64::MAX)).collect::<Vec<_>>(),
            "eq_public, {n} rows"
        );
        assert_eq!(br(8), zip(&|a, b| bit(a < b)), "lt_bits, {n} rows");
        assert_eq!(br(9), zip(&|a, b| bit(a == b)), "eq_bits, {n} rows");
        assert_eq!(
            br(10),
            x.iter().map(|a| bit(*a < 1 << 62)).collect::<Vec<_>>(),
            "lt_public_bits, {n} rows"
        );
        assert_eq!(br(11), sel(&x, &y), "mux_bool, {n} rows");
        for o in &out {
            assert_eq!(o.2, x, "reveal, {n} rows");
        }
    }
}

/// No rows: nothing is sent and no round is counted, at any party.
#[test]
fn empty_columns_cost_nothing() {
    let runs = samen_protocol::harness::try_run_three(|ctx| {
        ctx.begin_phase("empty")?;
        let a = input::input_arith(ctx, PartyId::SVB, at(ctx, PartyId::SVB, &[]).as_deref(), 0)?;
        let b = input::input_bool(
            ctx,
            PartyId::UWV,
            at(ctx, PartyId::UWV, &[]).as_deref(),
            0,
            64,
        )?;
        arith::mul(ctx, &a, &a)?;
        boolean::and(ctx, &b, &b)?;
        compare::lt(ctx, &a, &a, 63)?;
        compare::eq(ctx, &a, &a, 63)?;
        convert::a2b(ctx, &a, 64)?;
        convert::bit_times_value(ctx, &b.bit_column(0), &a)?;
        compare::lt_public_bits(ctx, &b, 5)?;
        reveal::reveal_arith_all(ctx, &a, "empty")?;
        Ok(())
    })
    .unwrap();
    for r in &runs {
        let s = &r.phases.iter().find(|(n, _)| n == "empty").unwrap().1;
        assert_eq!((s.rounds, s.total_sent()), (0, 0));
    }
}
