//! Correctness of private record linkage against a plaintext join, through the in-memory
//! harness: random tables (property test) and edge cases.
//!
//! The test plays the auditor: it gathers the three parties' components of every aligned
//! column and reconstructs. SVB's first payload column is its row number + 1, so the
//! reconstructed shuffled rows can be mapped back to SVB's households (0 marks a dummy).

use std::collections::HashMap;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use samen_protocol::harness::try_run_three;
use samen_protocol::linkage::{
    self, Bsn, HouseholdKeys, HouseholdTable, LinkageInput, LinkageSpec, LinkedHouseholds,
    PersonColumns, PersonTable,
};
use samen_protocol::shuffle::{ShareKind, ShuffleColumn};
use samen_protocol::ProtocolError;

fn bsn(v: u32) -> Bsn {
    Bsn::new(v).expect("nine digits")
}

fn reconstruct(cols: [&ShuffleColumn; 3]) -> Vec<u64> {
    let kind = cols[0].kind();
    for i in 0..3 {
        assert_eq!(cols[i].kind(), kind);
        assert_eq!(
            cols[i].shares().next,
            cols[(i + 1) % 3].shares().own,
            "not a replicated sharing"
        );
    }
    (0..cols[0].rows())
        .map(|r| kind.reconstruct([0, 1, 2].map(|i| cols[i].shares().own[r])))
        .collect()
}

/// A linkage problem in plaintext.
#[derive(Clone, Debug)]
struct Problem {
    households: Vec<(u32, Option<u32>)>,
    svb_extra: Vec<u64>,
    uwv: Vec<(u32, Vec<u64>)>,
    bd: Vec<(u32, Vec<u64>)>,
    uwv_kinds: Vec<ShareKind>,
    bd_kinds: Vec<ShareKind>,
    padding: [usize; 3],
}

impl Problem {
    fn spec(&self) -> LinkageSpec {
        LinkageSpec {
            job_id: b"test-job".to_vec(),
            fields: [
                vec![ShareKind::Arith, ShareKind::Xor],
                self.uwv_kinds.clone(),
                self.bd_kinds.clone(),
            ],
            padding: self.padding,
        }
    }

    fn inputs(&self) -> [LinkageInput; 3] {
        let persons = |rows: &[(u32, Vec<u64>)], fields: usize| PersonTable {
            persons: rows.iter().map(|r| bsn(r.0)).collect(),
            fields: (0..fields)
                .map(|f| rows.iter().map(|r| r.1[f]).collect())
                .collect(),
        };
        [
            LinkageInput::Households(HouseholdTable {
                households: self
                    .households
                    .iter()
                    .map(|&(a, p)| HouseholdKeys {
                        applicant: bsn(a),
                        partner: p.map(bsn),
                    })
                    .collect(),
                fields: vec![
                    (1..=self.households.len() as u64).collect(),
                    self.svb_extra.clone(),
                ],
            }),
            LinkageInput::Persons(persons(&self.uwv, self.uwv_kinds.len())),
            LinkageInput::Persons(persons(&self.bd, self.bd_kinds.len())),
        ]
    }
}

struct Outcome {
    linked: LinkedHouseholds,
    /// At SVB: the applicant's first UWV field (if any) and first BD field, unshuffled.
    unshuffled: Option<Vec<Vec<u64>>>,
}

fn run(problem: &Problem) -> Result<[Outcome; 3], ProtocolError> {
    let spec = problem.spec();
    let inputs = problem.inputs();
    let runs = try_run_three(|ctx| {
        let linked = linkage::link(ctx, &spec, &inputs[ctx.party().index()])?;
        ctx.begin_phase("output")?;
        let mut out_cols = vec![linked.svb[1].clone()];
        out_cols.extend(linked.applicant_uwv.fields.first().cloned());
        out_cols.extend(linked.partner_bd.fields.first().cloned());
        let unshuffled = linkage::unshuffle_households(ctx, &linked.order, &out_cols)?;
        Ok(Outcome { linked, unshuffled })
    })?;
    Ok(runs.map(|r| r.output))
}

fn expected_person(rows: &[(u32, Vec<u64>)], key: Option<u32>, fields: usize) -> (u64, Vec<u64>) {
    let map: HashMap<u32, &Vec<u64>> = rows.iter().map(|r| (r.0, &r.1)).collect();
    match key.and_then(|k| map.get(&k)) {
        Some(v) => (1, v.to_vec()),
        None => (0, vec![0; fields]),
    }
}

fn check_person(
    o: &[Outcome; 3],
    pick: impl Fn(&LinkedHouseholds) -> (&PersonColumns, &[Option<u32>]),
    row: usize,
    expected: &(u64, Vec<u64>),
) {
    let cols = [0, 1, 2].map(|i| pick(&o[i].linked).0);
    // Presence is the public match pattern, the same at every party.
    for run in o {
        assert_eq!(u64::from(pick(&run.linked).1[row].is_some()), expected.0);
    }
    for (f, want) in expected.1.iter().enumerate() {
        let got = reconstruct([0, 1, 2].map(|i| &cols[i].fields[f]));
        assert_eq!(got[row], *want, "field {f}");
    }
}

fn check(problem: &Problem) {
    let o = run(problem).expect("linkage runs");
    let n = problem.households.len();
    let padded = n + problem.padding[0];
    for p in &o {
        assert_eq!(p.linked.households, padded);
        assert_eq!(
            p.linked.table_rows,
            [
                padded,
                problem.uwv.len() + problem.padding[1],
                problem.bd.len() + problem.padding[2]
            ]
        );
        assert_eq!(
            p.linked.alignment, o[0].linked.alignment,
            "all parties align alike"
        );
    }
    let row_ids = reconstruct([0, 1, 2].map(|i| &o[i].linked.svb[0]));
    let extra = reconstruct([0, 1, 2].map(|i| &o[i].linked.svb[1]));
    let mut seen = vec![false; n];
    for (h, &id) in row_ids.iter().enumerate() {
        let (uf, bf) = (problem.uwv_kinds.len(), problem.bd_kinds.len());
        if id == 0 {
            // a dummy household: nobody found, zero payload
            assert_eq!(extra[h], 0);
            check_person(
                &o,
                |l| (&l.applicant_uwv, &l.alignment.applicant_uwv[..]),
                h,
                &(0, vec![0; uf]),
            );
            check_person(
                &o,
                |l| (&l.partner_bd, &l.alignment.partner_bd[..]),
                h,
                &(0, vec![0; bf]),
            );
            assert_eq!(o[0].linked.alignment.profile(h), [false; 4]);
            continue;
        }
        let r = id as usize - 1;
        assert!(!seen[r], "household {r} twice");
        seen[r] = true;
        assert_eq!(extra[h], problem.svb_extra[r]);
        let (a, p) = problem.households[r];
        check_person(
            &o,
            |l| (&l.applicant_uwv, &l.alignment.applicant_uwv[..]),
            h,
            &expected_person(&problem.uwv, Some(a), uf),
        );
        check_person(
            &o,
            |l| (&l.partner_uwv, &l.alignment.partner_uwv[..]),
            h,
            &expected_person(&problem.uwv, p, uf),
        );
        check_person(
            &o,
            |l| (&l.applicant_bd, &l.alignment.applicant_bd[..]),
            h,
            &expected_person(&problem.bd, Some(a), bf),
        );
        check_person(
            &o,
            |l| (&l.partner_bd, &l.alignment.partner_bd[..]),
            h,
            &expected_person(&problem.bd, p, bf),
        );
    }
    assert!(seen.iter().all(|&s| s), "every household appears");
    // unshuffled output reaches SVB only, in SVB's order
    assert!(o[1].unshuffled.is_none() && o[2].unshuffled.is_none());
    let un = o[0].unshuffled.as_ref().expect("SVB gets the output");
    assert_eq!(un[0], problem.svb_extra);
    let mut c = 1;
    if !problem.uwv_kinds.is_empty() {
        let want: Vec<u64> = problem
            .households
            .iter()
            .map(|&(a, _)| expected_person(&problem.uwv, Some(a), problem.uwv_kinds.len()).1[0])
            .collect();
        assert_eq!(un[c], want);
        c += 1;
    }
    if !problem.bd_kinds.is_empty() {
        let want: Vec<u64> = problem
            .households
            .iter()
            .map(|&(_, p)| expected_person(&problem.bd, p, problem.bd_kinds.len()).1[0])
            .collect();
        assert_eq!(un[c], want);
    }
    // curve operations: ≤ 1 hash/random point + 3 scalar multiplications per key slot
    let keys: u64 = (2 * padded
        + problem.uwv.len()
        + problem.padding[1]
        + problem.bd.len()
        + problem.padding[2]) as u64;
    let mut total = linkage::CurveOps::default();
    for p in &o {
        total.accumulate(&p.linked.curve_ops);
    }
    assert_eq!(total.hashes_to_point + total.random_points, keys);
    assert_eq!(total.scalar_mults, 2 * keys + total.hashes_to_point);
    assert!(total.scalar_mults + total.hashes_to_point <= 4 * keys);
}

/// A random problem over a small BSN universe, so that overlaps are common.
fn random_problem(seed: u64, sizes: [usize; 3], universe: u32, padding: [usize; 3]) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pool: Vec<u32> = (0..universe).map(|i| 100_000_000 + i * 7919).collect();
    // distinct keys for SVB over both columns
    for i in (1..pool.len()).rev() {
        pool.swap(i, rng.gen_range(0..=i));
    }
    let mut take = pool.clone().into_iter();
    let mut households = Vec::new();
    for _ in 0..sizes[0] {
        let Some(a) = take.next() else { break };
        let p = if rng.gen_bool(0.6) { take.next() } else { None };
        households.push((a, p));
    }
    let kinds = |rng: &mut StdRng, k: usize| {
        (0..k)
            .map(|_| {
                if rng.gen_bool(0.5) {
                    ShareKind::Arith
                } else {
                    ShareKind::Xor
                }
            })
            .collect::<Vec<_>>()
    };
    let (nu, nb) = (rng.gen_range(0..3), rng.gen_range(1..3));
    let uwv_kinds = kinds(&mut rng, nu);
    let bd_kinds = kinds(&mut rng, nb);
    let persons = |rng: &mut StdRng, n: usize, fields: usize| {
        let mut p = pool.clone();
        for i in (1..p.len()).rev() {
            p.swap(i, rng.gen_range(0..=i));
        }
        p.truncate(n);
        p.into_iter()
            .map(|k| (k, (0..fields).map(|_| rng.gen::<u64>()).collect()))
            .collect::<Vec<_>>()
    };
    let uwv = persons(&mut rng, sizes[1], uwv_kinds.len());
    let bd = persons(&mut rng, sizes[2], bd_kinds.len());
    let svb_extra = (0..households.len()).map(|_| rng.gen()).collect();
    Problem {
        households,
        svb_extra,
        uwv,
        bd,
        uwv_kinds,
        bd_kinds,
        padding,
    }
}

/// Table sizes with the edges (empty, one row) drawn often.
fn size(max: usize) -> impl Strategy<Value = usize> {
    prop_oneof![Just(0usize), Just(1usize), 0..max]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn linkage_equals_plaintext_join(
        seed in any::<u64>(),
        sizes in [size(25), size(40), size(40)],
        universe in 1u32..80,
        padding in [0usize..4, 0usize..4, 0usize..4],
    ) {
        check(&random_problem(seed, sizes, universe, padding));
    }
}

fn rows(keys: &[u32], base: u64) -> Vec<(u32, Vec<u64>)> {
    keys.iter()
        .map(|&k| (k, vec![base + k as u64, u64::MAX - k as u64]))
        .collect()
}

fn problem(households: Vec<(u32, Option<u32>)>, uwv: &[u32], bd: &[u32]) -> Problem {
    Problem {
        svb_extra: (0..households.len() as u64).map(|i| i * 3 + 1).collect(),
        households,
        uwv: rows(uwv, 1_000),
        bd: rows(bd, 5_000),
        uwv_kinds: vec![ShareKind::Arith, ShareKind::Xor],
        bd_kinds: vec![ShareKind::Xor, ShareKind::Arith],
        padding: [0; 3],
    }
}

#[test]
fn no_overlap() {
    let p = problem(vec![(1, Some(2)), (3, None)], &[10, 11, 12], &[20, 21]);
    check(&p);
    let o = run(&p).unwrap();
    assert_eq!(o[0].linked.alignment.profile_histogram()[0], 2);
}

#[test]
fn full_overlap() {
    let p = problem(
        vec![(1, Some(2)), (3, Some(4))],
        &[1, 2, 3, 4],
        &[4, 3, 2, 1],
    );
    check(&p);
    let o = run(&p).unwrap();
    assert_eq!(o[1].linked.alignment.profile_histogram()[15], 2);
}

#[test]
fn partner_missing_only_at_uwv() {
    let p = problem(vec![(1, Some(2))], &[1], &[1, 2]);
    check(&p);
    let o = run(&p).unwrap();
    assert_eq!(o[2].linked.alignment.profile(0), [true, false, true, true]);
}

#[test]
fn key_present_only_at_the_belastingdienst() {
    check(&problem(
        vec![(1, None), (2, Some(3))],
        &[1, 2, 3],
        &[1, 2, 3, 99],
    ));
    check(&problem(vec![(1, None)], &[], &[42]));
}

#[test]
fn empty_tables() {
    check(&problem(vec![], &[], &[]));
    check(&problem(vec![], &[1, 2], &[3]));
    check(&problem(vec![(1, Some(2))], &[], &[]));
    check(&problem(vec![(1, Some(2))], &[1], &[]));
}

#[test]
fn single_rows() {
    check(&problem(vec![(7, None)], &[7], &[7]));
    check(&problem(vec![(7, Some(8))], &[8], &[9]));
}

#[test]
fn very_different_table_sizes() {
    let uwv: Vec<u32> = (0..600).collect();
    let bd: Vec<u32> = (300..302).collect();
    check(&problem(vec![(301, Some(599))], &uwv, &bd));
    let many: Vec<(u32, Option<u32>)> = (0..300)
        .map(|i| (1000 + 2 * i, Some(1001 + 2 * i)))
        .collect();
    check(&problem(many, &[1001], &[]));
}

#[test]
fn padding_blurs_sizes_and_never_matches() {
    let mut p = problem(vec![(1, Some(2)), (3, None)], &[1, 3], &[2]);
    p.padding = [5, 7, 1];
    check(&p);
    let o = run(&p).unwrap();
    let hist = o[1].linked.alignment.profile_histogram();
    // five dummy households and the real ones: only the real ones match anything
    assert_eq!(hist.iter().sum::<usize>(), 7);
    assert_eq!(hist[0], 5);
}

#[test]
fn duplicate_keys_are_an_input_error_at_every_party() {
    let p = problem(vec![(1, Some(2)), (2, None)], &[1], &[1]);
    let e = run(&p).err().expect("duplicate rejected");
    assert!(e.to_string().contains("duplicate"), "{e}");
    let p = problem(vec![(1, None)], &[5, 5], &[1]);
    assert!(run(&p).is_err());
}

#[test]
fn payload_shape_must_match_the_job() {
    let p = problem(vec![(1, None)], &[1], &[1]);
    let spec = p.spec();
    let mut inputs = p.inputs();
    if let LinkageInput::Persons(t) = &mut inputs[1] {
        t.fields.pop();
    }
    let r =
        try_run_three(|ctx| linkage::link(ctx, &spec, &inputs[ctx.party().index()]).map(|_| ()));
    assert!(r.is_err());
}
