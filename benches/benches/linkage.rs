//! Criterion benchmark of private record linkage in the in-memory three-party harness
//! (three threads, one rayon pool), at a size criterion can repeat: 2,000 SVB
//! households (4,000 keys) against 4,000 UWV and 4,000 Belastingdienst rows, 12,000 keys
//! per run. Throughput is in keys over the three tables. The full size (100k
//! households, 200k + 200k rows) is one measured run of the example `linkage_full`.
//!
//! Also benchmarked: the three-party shuffle alone (100,000 rows, two columns), and the
//! curve operations one key costs, single-threaded, as the baseline of the same run.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use curve25519_dalek::{RistrettoPoint, Scalar};
use samen_protocol::harness::try_run_three;
use samen_protocol::linkage::{
    self, Bsn, HouseholdKeys, HouseholdTable, KeyHasher, LinkageInput, LinkageSpec, PersonTable,
};
use samen_protocol::shuffle::{self, Pair, ShareKind, Shuffle, ShuffleColumn};
use samen_protocol::{PartyId, ReplicatedWords};

const HOUSEHOLDS: usize = 2_000;
const PERSONS: usize = 4_000;

fn bsn(i: usize) -> Bsn {
    Bsn::new(100_000_000 + i as u32).expect("nine digits")
}

/// Households `(2h, 2h+1)`; each person table holds every other SVB person plus as
/// many people outside SVB's population.
fn inputs() -> [LinkageInput; 3] {
    let persons = |offset: usize| {
        let ids: Vec<usize> = (0..PERSONS)
            .map(|i| {
                if i % 2 == 0 {
                    (i + offset) % (2 * HOUSEHOLDS)
                } else {
                    2 * HOUSEHOLDS + i
                }
            })
            .collect();
        PersonTable {
            fields: vec![ids.iter().map(|&i| i as u64 * 100).collect(); 2],
            persons: ids.into_iter().map(bsn).collect(),
        }
    };
    [
        LinkageInput::Households(HouseholdTable {
            households: (0..HOUSEHOLDS)
                .map(|h| HouseholdKeys {
                    applicant: bsn(2 * h),
                    partner: Some(bsn(2 * h + 1)),
                })
                .collect(),
            fields: vec![(0..HOUSEHOLDS as u64).collect(); 2],
        }),
        LinkageInput::Persons(persons(0)),
        LinkageInput::Persons(persons(1)),
    ]
}

fn bench_linkage(c: &mut Criterion) {
    let inputs = inputs();
    let spec = LinkageSpec {
        job_id: b"bench".to_vec(),
        fields: [
            vec![ShareKind::Arith; 2],
            vec![ShareKind::Arith; 2],
            vec![ShareKind::Arith, ShareKind::Xor],
        ],
        padding: [0; 3],
    };
    let keys = 2 * HOUSEHOLDS + 2 * PERSONS;
    let mut g = c.benchmark_group("linkage");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(keys as u64));
    g.bench_function("link_2k_households_4k_uwv_4k_bd", |b| {
        b.iter(|| {
            try_run_three(|ctx| {
                let linked = linkage::link(ctx, &spec, &inputs[ctx.party().index()])?;
                Ok(linked.households)
            })
            .expect("linkage run")
        })
    });
    g.finish();
}

fn bench_shuffle(c: &mut Criterion) {
    const ROWS: usize = 100_000;
    let mut g = c.benchmark_group("shuffle");
    g.sample_size(10)
        .throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("shuffle_and_unshuffle_100k_rows_2_columns", |b| {
        b.iter(|| {
            try_run_three(|ctx| {
                let (own, next) = ctx.randomness().random_replicated(2 * ROWS);
                let mut cols = vec![
                    ShuffleColumn::from_shares(
                        ShareKind::Arith,
                        ReplicatedWords {
                            own: own[..ROWS].to_vec(),
                            next: next[..ROWS].to_vec(),
                        },
                    ),
                    ShuffleColumn::from_shares(
                        ShareKind::Xor,
                        ReplicatedWords {
                            own: own[ROWS..].to_vec(),
                            next: next[ROWS..].to_vec(),
                        },
                    ),
                ];
                let order = [
                    Pair::without(PartyId::UWV),
                    Pair::without(PartyId::BELASTINGDIENST),
                    Pair::without(PartyId::SVB),
                ];
                let sh = Shuffle::sample(ctx, order, ROWS)?;
                shuffle::shuffle(ctx, &sh, &mut cols)?;
                shuffle::unshuffle(ctx, &sh, &mut cols)?;
                Ok(cols.len())
            })
            .expect("shuffle run")
        })
    });
    g.finish();
}

fn bench_curve_baseline(c: &mut Criterion) {
    let hasher = KeyHasher::new(b"bench");
    let s = Scalar::from(0x1234_5678_9abc_u64);
    let p = hasher.hash(bsn(1));
    let mut g = c.benchmark_group("linkage_curve_baseline");
    g.bench_function("hash_to_point", |b| {
        b.iter(|| hasher.hash(black_box(bsn(7))))
    });
    g.bench_function("scalar_mult", |b| b.iter(|| black_box(p) * black_box(s)));
    g.bench_function("decompress", |b| {
        let e = p.compress();
        b.iter(|| black_box(e).decompress())
    });
    let pts: Vec<RistrettoPoint> = (1..=1024u64).map(|i| p * Scalar::from(i)).collect();
    g.throughput(Throughput::Elements(1024));
    g.bench_function("double_and_compress_batch_1024", |b| {
        b.iter_batched(
            || pts.clone(),
            |v| RistrettoPoint::double_and_compress_batch(&v),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_linkage, bench_shuffle, bench_curve_baseline);
criterion_main!(benches);
