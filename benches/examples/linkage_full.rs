//! One measured run of private record linkage at the issue's size, in the in-memory
//! three-party harness (three threads in one process sharing the machine's cores and one
//! rayon pool):
//!
//! ```text
//! cargo run --release -p samen-benches --example linkage_full [households] [uwv rows] [bd rows]
//! ```
//!
//! Defaults: 100,000 SVB households, all with a partner (200,000 keys), 200,000 UWV and
//! 200,000 Belastingdienst rows, 70% of them people in SVB's population, in their own
//! random order. Prints keys per second over the three tables, bytes sent per key (all
//! parties), curve operations per key (counted by the protocol), and, as the baseline of
//! the same run, single-thread costs of the curve operations and the bound they imply.

use std::hint::black_box;
use std::time::Instant;

use curve25519_dalek::{RistrettoPoint, Scalar};
use samen_protocol::harness::try_run_three;
use samen_protocol::linkage::{
    self, Bsn, CurveOps, HouseholdKeys, HouseholdTable, KeyHasher, LinkageInput, LinkageSpec,
    PersonTable,
};
use samen_protocol::shuffle::ShareKind;

/// A deterministic generator (xorshift), enough for synthetic data.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, (self.next() % (i as u64 + 1)) as usize);
        }
    }
}

/// SVB households (all couples), UWV and Belastingdienst persons with two payload fields
/// each, `overlap` of each person table from SVB's population.
fn tables(households: usize, uwv: usize, bd: usize, overlap: f64) -> [LinkageInput; 3] {
    let mut g = Gen(0x5eed_1234_abcd_0001);
    let bsn = |i: usize| Bsn::new(100_000_000 + i as u32).expect("nine digits");
    let svb_people = 2 * households;
    let persons = |g: &mut Gen, n: usize| {
        let inside = ((n as f64 * overlap) as usize).min(svb_people);
        let mut ids: Vec<usize> = (0..svb_people).collect();
        g.shuffle(&mut ids);
        ids.truncate(inside);
        ids.extend(svb_people..svb_people + (n - inside));
        g.shuffle(&mut ids);
        let fields = (0..2)
            .map(|_| (0..n).map(|_| g.next() % 5_000_000).collect())
            .collect();
        PersonTable {
            persons: ids.into_iter().map(bsn).collect(),
            fields,
        }
    };
    let mut order: Vec<usize> = (0..households).collect();
    g.shuffle(&mut order);
    let hh: Vec<HouseholdKeys> = order
        .iter()
        .map(|&h| HouseholdKeys {
            applicant: bsn(2 * h),
            partner: Some(bsn(2 * h + 1)),
        })
        .collect();
    let svb_fields = (0..2)
        .map(|_| (0..households).map(|_| g.next() % 2_000_000).collect())
        .collect();
    let uwv_t = persons(&mut g, uwv);
    let bd_t = persons(&mut g, bd);
    [
        LinkageInput::Households(HouseholdTable {
            households: hh,
            fields: svb_fields,
        }),
        LinkageInput::Persons(uwv_t),
        LinkageInput::Persons(bd_t),
    ]
}

fn micro(label: &str, n: u32, f: impl Fn(u32)) -> f64 {
    let t = Instant::now();
    for i in 0..n {
        f(i);
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("  {label:<36} {us:>7.1} µs");
    us
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let households = args.first().copied().unwrap_or(100_000);
    let uwv = args.get(1).copied().unwrap_or(200_000);
    let bd = args.get(2).copied().unwrap_or(200_000);
    let inputs = tables(households, uwv, bd, 0.7);
    let spec = LinkageSpec {
        job_id: b"bench-linkage".to_vec(),
        fields: [
            vec![ShareKind::Arith; 2],
            vec![ShareKind::Arith; 2],
            vec![ShareKind::Arith, ShareKind::Xor],
        ],
        padding: [0; 3],
    };
    let keys = 2 * households + uwv + bd;
    println!("linkage: {households} households ({} keys), {uwv} UWV rows, {bd} Belastingdienst rows: {keys} keys", 2 * households);
    println!(
        "machine: {} cores (rayon pool {})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rayon::current_num_threads()
    );

    let runs = try_run_three(|ctx| {
        let t = Instant::now();
        let linked = linkage::link(ctx, &spec, &inputs[ctx.party().index()])?;
        let link_time = t.elapsed();
        ctx.begin_phase("unshuffle")?;
        let t = Instant::now();
        let out = linkage::unshuffle_households(ctx, &linked.order, &linked.svb[..1])?;
        Ok((
            link_time,
            t.elapsed(),
            linked.curve_ops,
            linked.alignment.profile_histogram(),
            out.map(|o| o[0].len()),
        ))
    })
    .expect("linkage run");

    let link_s = runs
        .iter()
        .map(|r| r.output.0.as_secs_f64())
        .fold(0.0, f64::max);
    let unshuffle_s = runs
        .iter()
        .map(|r| r.output.1.as_secs_f64())
        .fold(0.0, f64::max);
    let mut ops = CurveOps::default();
    let (mut bytes, mut rounds, mut unshuffle_bytes) = (0u64, 0u64, 0u64);
    for r in &runs {
        ops.accumulate(&r.output.2);
        for (phase, s) in &r.phases {
            match phase.as_str() {
                "linkage" => {
                    bytes += s.total_sent();
                    rounds = rounds.max(s.rounds);
                }
                "unshuffle" => unshuffle_bytes += s.total_sent(),
                _ => {}
            }
        }
    }
    let k = keys as f64;
    println!("linkage (slowest party): {link_s:.2} s = {:.0} keys/s over the three tables; {rounds} rounds", k / link_s);
    println!(
        "bytes sent, all parties: {:.1} MB = {:.1} bytes/key",
        bytes as f64 / 1e6,
        bytes as f64 / k
    );
    println!(
        "curve ops per key: {:.3} hash-to-point + {:.3} random points, {:.3} scalar mults, {:.3} compressions, {:.3} decompressions",
        ops.hashes_to_point as f64 / k,
        ops.random_points as f64 / k,
        ops.scalar_mults as f64 / k,
        ops.compressions as f64 / k,
        ops.decompressions as f64 / k
    );
    let hist = runs[0].output.3;
    println!(
        "match profiles (bits: app-UWV, partner-UWV, app-BD, partner-BD): {:?}",
        hist
    );
    println!(
        "unshuffle to SVB: {unshuffle_s:.3} s, {unshuffle_bytes} bytes, {} values",
        runs[0].output.4.unwrap_or(0)
    );

    println!("baseline, same run, one thread:");
    let hasher = KeyHasher::new(b"micro");
    let s = Scalar::from(0x1234_5678_9abc_u64);
    let p = hasher.hash(Bsn::new(123_456_782).unwrap());
    let n = 2000;
    let h = micro("hash to point", n, |i| {
        black_box(hasher.hash(Bsn::new(i).unwrap()));
    });
    let m = micro("scalar multiplication", n, |i| {
        black_box(black_box(p) * (s + Scalar::from(i)));
    });
    micro("compress (single)", n, |_| {
        black_box(black_box(p).compress());
    });
    let pts: Vec<RistrettoPoint> = (0..1024).map(|i| p * Scalar::from(i as u64 + 1)).collect();
    let t = Instant::now();
    for _ in 0..4 {
        black_box(RistrettoPoint::double_and_compress_batch(&pts));
    }
    let cb = t.elapsed().as_secs_f64() * 1e6 / 4096.0;
    println!(
        "  {:<36} {cb:>7.1} µs",
        "double-and-compress (batch of 1024)"
    );
    let enc = p.compress();
    let d = micro("decompress", n, |_| {
        black_box(black_box(enc).decompress());
    });
    let per_key = h + 3.0 * m + 3.0 * cb + 2.0 * d;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    println!("  per key (1 hash, 3 mults, 3 batch compressions, 2 decompressions): {per_key:.0} µs -> bound {:.0} keys/s on {cores} cores", cores * 1e6 / per_key);
}
