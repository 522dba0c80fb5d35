//! Property tests of the three-party shuffle against plaintext permutation semantics,
//! through the in-memory harness.
//!
//! Sharing and reconstruction here are test-only helpers: the test plays the input owner
//! (it splits plaintext into three components and hands each party its pair) and the
//! auditor (it gathers the three parties' components, checks that they are a consistent
//! replicated sharing, and adds them up).

use proptest::prelude::*;
use samen_protocol::harness::try_run_three;
use samen_protocol::shuffle::{self, Pair, Permutation, ShareKind, Shuffle, ShuffleColumn};
use samen_protocol::{PartyId, ReplicatedWords};

/// Splits `values` into three components with a deterministic pseudo-random generator.
fn split(kind: ShareKind, values: &[u64], seed: u64) -> [Vec<u64>; 3] {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let c0: Vec<u64> = values.iter().map(|_| next()).collect();
    let c1: Vec<u64> = values.iter().map(|_| next()).collect();
    let c2 = values
        .iter()
        .enumerate()
        .map(|(i, &v)| kind.remove(kind.remove(v, c0[i]), c1[i]))
        .collect();
    [c0, c1, c2]
}

/// Party `i`'s column: components (c_i, c_{i+1}).
fn column_for(party: PartyId, kind: ShareKind, comps: &[Vec<u64>; 3]) -> ShuffleColumn {
    let i = party.index();
    ShuffleColumn::from_shares(
        kind,
        ReplicatedWords {
            own: comps[i].clone(),
            next: comps[(i + 1) % 3].clone(),
        },
    )
}

/// Reconstructs a column from the three parties' views, checking replication.
fn reconstruct(cols: [&ShuffleColumn; 3]) -> Vec<u64> {
    let kind = cols[0].kind();
    for i in 0..3 {
        assert_eq!(cols[i].kind(), kind);
        assert_eq!(
            cols[i].shares().next,
            cols[(i + 1) % 3].shares().own,
            "party {i}'s second component is not party {}'s first",
            (i + 1) % 3
        );
    }
    (0..cols[0].rows())
        .map(|r| kind.reconstruct([0, 1, 2].map(|i| cols[i].shares().own[r])))
        .collect()
}

fn all_orders() -> Vec<[Pair; 3]> {
    let w = |i: usize| Pair::without(PartyId::ALL[i]);
    vec![
        [w(0), w(1), w(2)],
        [w(0), w(2), w(1)],
        [w(1), w(0), w(2)],
        [w(1), w(2), w(0)],
        [w(2), w(0), w(1)],
        [w(2), w(1), w(0)],
    ]
}

struct Run {
    shuffled: Vec<ShuffleColumn>,
    restored: Vec<ShuffleColumn>,
    known: [Option<Permutation>; 3],
    rounds: u64,
    sent: u64,
}

fn run(order: [Pair; 3], columns: &[(ShareKind, Vec<u64>)]) -> [Run; 3] {
    let rows = columns.first().map_or(0, |c| c.1.len());
    let comps: Vec<(ShareKind, [Vec<u64>; 3])> = columns
        .iter()
        .enumerate()
        .map(|(i, (k, v))| (*k, split(*k, v, i as u64 + 11)))
        .collect();
    let runs = try_run_three(|ctx| {
        let me = ctx.party();
        let mut cols: Vec<ShuffleColumn> =
            comps.iter().map(|(k, c)| column_for(me, *k, c)).collect();
        let sh = Shuffle::sample(ctx, order, rows)?;
        ctx.begin_phase("shuffle")?;
        shuffle::shuffle(ctx, &sh, &mut cols)?;
        let shuffled = cols.clone();
        shuffle::unshuffle(ctx, &sh, &mut cols)?;
        let ph = ctx.phase_stats().last().expect("phase").1.clone();
        Ok(Run {
            shuffled,
            restored: cols,
            known: [0, 1, 2].map(|k| sh.known(k).cloned()),
            rounds: ph.rounds,
            sent: ph.total_sent(),
        })
    })
    .expect("shuffle runs");
    runs.map(|r| r.output)
}

/// The composite permutation, assembled from what the pair members know.
fn composite(order: [Pair; 3], runs: &[Run; 3]) -> Permutation {
    let mut total: Option<Permutation> = None;
    for (k, pair) in order.iter().enumerate() {
        let [p, q] = pair.members();
        let from_p = runs[p.index()].known[k]
            .clone()
            .expect("member knows its step");
        let from_q = runs[q.index()].known[k]
            .clone()
            .expect("member knows its step");
        assert_eq!(from_p, from_q, "pair members agree on their permutation");
        assert!(runs[pair.excluded().index()].known[k].is_none());
        total = Some(match total {
            None => from_p,
            Some(t) => t.then(&from_p),
        });
    }
    total.expect("three steps")
}

fn check(order: [Pair; 3], columns: Vec<(ShareKind, Vec<u64>)>) {
    let rows = columns.first().map_or(0, |c| c.1.len());
    let runs = run(order, &columns);
    let pi = composite(order, &runs);
    for (c, (_, plain)) in columns.iter().enumerate() {
        let shuffled = reconstruct([0, 1, 2].map(|i| &runs[i].shuffled[c]));
        let restored = reconstruct([0, 1, 2].map(|i| &runs[i].restored[c]));
        // exact semantics: the composite of the pair permutations, in the chosen order
        assert_eq!(shuffled, pi.apply(plain));
        // a permutation of the input multiset
        let (mut a, mut b) = (shuffled.clone(), plain.clone());
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        // shuffle then inverse is the identity
        assert_eq!(&restored, plain);
    }
    for r in &runs {
        // three rounds each way
        assert_eq!(r.rounds, 6);
    }
    // per step, the two members send n words per column to the third: 2n words
    let words_per_step = 2 * rows as u64 * columns.len() as u64;
    assert_eq!(
        runs.iter().map(|r| r.sent).sum::<u64>(),
        6 * 8 * words_per_step
    );
}

fn kind_strategy() -> impl Strategy<Value = ShareKind> {
    prop_oneof![Just(ShareKind::Arith), Just(ShareKind::Xor)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn shuffle_matches_plaintext_permutation(
        order in 0usize..6,
        rows in 0usize..80,
        kinds in prop::collection::vec(kind_strategy(), 1..4),
        seed in any::<u64>(),
    ) {
        let columns: Vec<(ShareKind, Vec<u64>)> = kinds
            .iter()
            .enumerate()
            .map(|(c, &k)| (k, (0..rows as u64).map(|r| (seed ^ (c as u64) << 40).wrapping_mul(r + 1).rotate_left(r as u32)).collect()))
            .collect();
        check(all_orders()[order], columns);
    }

    #[test]
    fn rows_stay_together_across_columns(rows in 1usize..60, order in 0usize..6) {
        // column 1 is a function of column 0, column 2 an XOR column of the row index
        let a: Vec<u64> = (0..rows as u64).map(|r| r * 7 + 3).collect();
        let b: Vec<u64> = a.iter().map(|v| v.wrapping_mul(v ^ 0xdead)).collect();
        let c: Vec<u64> = (0..rows as u64).collect();
        let runs = run(all_orders()[order], &[(ShareKind::Arith, a.clone()), (ShareKind::Arith, b), (ShareKind::Xor, c)]);
        let sa = reconstruct([0, 1, 2].map(|i| &runs[i].shuffled[0]));
        let sb = reconstruct([0, 1, 2].map(|i| &runs[i].shuffled[1]));
        let sc = reconstruct([0, 1, 2].map(|i| &runs[i].shuffled[2]));
        for r in 0..rows {
            prop_assert_eq!(sb[r], sa[r].wrapping_mul(sa[r] ^ 0xdead));
            prop_assert_eq!(sa[r], a[sc[r] as usize]);
        }
    }
}

#[test]
fn edge_values_and_sizes() {
    for rows in [0usize, 1, 2, 3, 64, 65] {
        let edge: Vec<u64> = (0..rows)
            .map(|r| [0, 1, u64::MAX, 1 << 63, u64::MAX - 1][r % 5])
            .collect();
        check(
            all_orders()[rows % 6],
            vec![(ShareKind::Arith, edge.clone()), (ShareKind::Xor, edge)],
        );
    }
}

#[test]
fn shuffle_moves_rows_and_no_party_knows_the_composite() {
    let rows = 200;
    let plain: Vec<u64> = (0..rows as u64).collect();
    let order = all_orders()[0];
    let runs = run(order, &[(ShareKind::Arith, plain.clone())]);
    let shuffled = reconstruct([0, 1, 2].map(|i| &runs[i].shuffled[0]));
    assert_ne!(shuffled, plain, "a 200-row shuffle left every row in place");
    for (i, r) in runs.iter().enumerate() {
        assert_eq!(
            r.known.iter().filter(|k| k.is_none()).count(),
            1,
            "party {i} misses exactly one step"
        );
    }
    // each party's shares of the output are fresh: none equals its input shares
    let comps = split(ShareKind::Arith, &plain, 11);
    for (i, r) in runs.iter().enumerate() {
        let col = r.shuffled[0].shares();
        assert_ne!(col.own, comps[i]);
        assert_ne!(col.next, comps[(i + 1) % 3]);
    }
}

#[test]
fn mismatched_lengths_and_orders_are_errors() {
    let w = Pair::without;
    let bad = try_run_three(|ctx| {
        Shuffle::sample(ctx, [w(PartyId::SVB), w(PartyId::SVB), w(PartyId::UWV)], 4).map(|_| ())
    });
    assert!(bad.is_err());
    let bad = try_run_three(|ctx| {
        let sh = Shuffle::sample(ctx, all_orders()[0], 4)?;
        let mut cols = vec![ShuffleColumn::from_shares(
            ShareKind::Arith,
            ReplicatedWords::zeros(5),
        )];
        shuffle::shuffle(ctx, &sh, &mut cols)
    });
    assert!(bad.is_err());
}

#[test]
fn permute_and_reveal_opens_to_the_third_party_only() {
    let plain: Vec<u64> = (0..40u64).map(|v| v * v + 1).collect();
    let comps = split(ShareKind::Arith, &plain, 5);
    let runs = try_run_three(|ctx| {
        let me = ctx.party();
        let col = column_for(me, ShareKind::Arith, &comps);
        let pair = Pair::without(PartyId::SVB);
        let perm = pair
            .peer_of(me)
            .map(|_| Permutation::from_seed([9; 16], plain.len()));
        shuffle::permute_and_reveal(ctx, pair, perm.as_ref(), &[col], "test")
    })
    .unwrap();
    let opened = runs[0].output.as_ref().expect("SVB receives");
    assert_eq!(
        opened[0],
        Permutation::from_seed([9; 16], plain.len()).apply(&plain)
    );
    assert!(runs[1].output.is_none() && runs[2].output.is_none());
}
