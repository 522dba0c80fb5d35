//! Privacy regression tests of private record linkage.
//!
//! The harness records every message each party receives. With the blinding exponents
//! fixed by the test (so that it can recompute what each hop must send), the tests check:
//!
//! 1. no received byte string contains, at any offset, `H(bsn)` or `k_i·H(bsn)` (nor their
//!    negations or doubles) for any key of any of the three tables, where `k_i` is the
//!    receiver's own exponent: nothing a party receives is a point it could compute from
//!    keys (its own or guessed) and its own secret alone;
//! 2. every hop's output order differs from its input order (tables of 24 rows or more:
//!    the chance that a uniformly random permutation is the identity is below 10^-23),
//!    and each hop's output is exactly the expected blinding of its input, permuted;
//! 3. tags are bound to the job id.
//!
//! What such tests can show: that the implementation does not send an unblinded or
//! self-blinded hash, does not skip a permutation or use the identity, sends the points
//! the protocol says, and mixes the job id into the hash. A positive control (the final
//! tags found where expected) shows the scan is not vacuous.
//!
//! What they cannot show: that the protocol is private. They test known values, not
//! every function of them (a message carrying `H(bsn)` in another encoding would pass),
//! say nothing about the quality of a permutation beyond "not the identity", cannot
//! detect leakage through sizes or timing, and cannot replace the argument that blinded
//! points are unlinkable under DDH and that pair permutations are unknown to the third
//! party (`docs/linkage.md`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use curve25519_dalek::RistrettoPoint;
use samen_protocol::context::{Direction, MessageObserver, MessageRecord};
use samen_protocol::harness::{run_three_with, try_run_three};
use samen_protocol::linkage::{
    self, BlindingKey, Bsn, HouseholdKeys, HouseholdTable, KeyHasher, LinkageInput, LinkageSpec,
    PersonTable,
};
use samen_protocol::shuffle::ShareKind;
use samen_protocol::{PartyId, SecurityMode};

struct Received {
    phase: String,
    from: PartyId,
    payload: Vec<u8>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Received>>>);

impl MessageObserver for Recorder {
    fn on_message(&mut self, r: &MessageRecord<'_>) {
        if r.direction == Direction::Received {
            self.0.lock().expect("recorder").push(Received {
                phase: r.phase.to_string(),
                from: r.peer,
                payload: r.payload.to_vec(),
            });
        }
    }
}

fn key(i: usize) -> BlindingKey {
    let mut b = [0u8; 32];
    b[..31].fill(0x11 * (i as u8 + 1));
    BlindingKey::from_bytes(b).expect("canonical")
}

fn bsn(v: u32) -> Bsn {
    Bsn::new(v).expect("nine digits")
}

/// SVB: households `(a, a+1)`; UWV and BD overlapping ranges, in file order.
fn inputs(n: u32) -> [LinkageInput; 3] {
    let households: Vec<HouseholdKeys> = (0..n)
        .map(|i| HouseholdKeys {
            applicant: bsn(200_000_000 + 2 * i),
            partner: Some(bsn(200_000_001 + 2 * i)),
        })
        .collect();
    let uwv: Vec<Bsn> = (0..n + 5).map(|i| bsn(200_000_000 + 3 * i)).collect();
    let bd: Vec<Bsn> = (0..n + 9).map(|i| bsn(199_999_990 + i)).collect();
    [
        LinkageInput::Households(HouseholdTable {
            fields: vec![(0..n as u64).collect()],
            households,
        }),
        LinkageInput::Persons(PersonTable {
            fields: vec![vec![7; uwv.len()]],
            persons: uwv,
        }),
        LinkageInput::Persons(PersonTable {
            fields: vec![vec![9; bd.len()]],
            persons: bd,
        }),
    ]
}

fn spec(job: &[u8]) -> LinkageSpec {
    LinkageSpec {
        job_id: job.to_vec(),
        fields: [
            vec![ShareKind::Arith],
            vec![ShareKind::Xor],
            vec![ShareKind::Arith],
        ],
        padding: [0; 3],
    }
}

/// The keys of each table, row by row (SVB: applicant then partner).
fn table_keys(inputs: &[LinkageInput; 3]) -> [Vec<Bsn>; 3] {
    inputs.clone().map(|t| match t {
        LinkageInput::Households(h) => h
            .households
            .iter()
            .flat_map(|h| [h.applicant, h.partner.expect("all partners present")])
            .collect(),
        LinkageInput::Persons(p) => p.persons,
    })
}

fn run(n: u32, job: &[u8]) -> ([Vec<Received>; 3], [Vec<Bsn>; 3]) {
    let inputs = inputs(n);
    let spec = spec(job);
    let recorders: [Recorder; 3] = Default::default();
    run_three_with(
        SecurityMode::SemiHonest,
        |p| Some(Box::new(recorders[p.index()].clone()) as Box<dyn MessageObserver>),
        |ctx| {
            let me = ctx.party().index();
            let linked = linkage::link_with_key(ctx, &spec, &inputs[me], &key(me))?;
            ctx.begin_phase("output")?;
            linkage::unshuffle_households(ctx, &linked.order, &linked.svb)?;
            Ok(())
        },
    )
    .expect("linkage runs");
    let received = recorders.map(|r| std::mem::take(&mut *r.0.lock().expect("recorder")));
    (received, table_keys(&inputs))
}

fn compress(p: &RistrettoPoint) -> [u8; 32] {
    p.compress().to_bytes()
}

fn contains_any(haystack: &[u8], needles: &HashSet<[u8; 32]>) -> Option<usize> {
    haystack
        .windows(32)
        .position(|w| needles.contains(<&[u8; 32]>::try_from(w).expect("32-byte window")))
}

#[test]
fn no_party_receives_a_point_it_can_compute_from_keys_and_its_own_exponent() {
    let (received, keys) = run(40, b"privacy-job");
    let hasher = KeyHasher::new(b"privacy-job");
    let all: Vec<RistrettoPoint> = keys.iter().flatten().map(|&b| hasher.hash(b)).collect();
    for (party, party_received) in received.iter().enumerate() {
        let own = key(party);
        let mut forbidden = HashSet::new();
        for h in &all {
            for p in [*h, own.blind(h)] {
                forbidden.insert(compress(&p));
                forbidden.insert(compress(&-p));
                forbidden.insert(compress(&(p + p)));
            }
        }
        let msgs: Vec<&Received> = party_received
            .iter()
            .filter(|m| m.phase != "setup")
            .collect();
        assert!(msgs.iter().any(|m| m.phase == "linkage"));
        for m in msgs {
            assert_eq!(
                contains_any(&m.payload, &forbidden),
                None,
                "party {party} received a computable point from {} in phase {}",
                m.from,
                m.phase
            );
        }
    }
}

#[test]
fn final_tags_are_found_where_expected_positive_control() {
    let (received, keys) = run(30, b"control-job");
    let hasher = KeyHasher::new(b"control-job");
    let (k0, k1, k2) = (key(0), key(1), key(2));
    for (t, table) in keys.iter().enumerate() {
        let tags: HashSet<[u8; 32]> = table
            .iter()
            .map(|&b| compress(&k2.blind(&k1.blind(&k0.blind(&hasher.hash(b))))))
            .collect();
        // the hop-3 party of table t is t + 2; both others receive the tags in round 3
        let sender = PartyId::ALL[(t + 2) % 3];
        for receiver in PartyId::ALL.into_iter().filter(|&r| r != sender) {
            let msgs: Vec<&Received> = received[receiver.index()]
                .iter()
                .filter(|m| m.phase == "linkage" && m.from == sender)
                .collect();
            let round3 = &msgs[2].payload;
            assert_eq!(round3.len(), tags.len() * 32);
            let got: HashSet<[u8; 32]> = round3
                .chunks_exact(32)
                .map(|c| c.try_into().expect("32"))
                .collect();
            assert_eq!(got, tags, "table {t} tags at {receiver}");
        }
    }
}

/// Maps each output position of a hop to the input position it came from, given the
/// expected point for every input position (SVB rows: applicant slot only).
fn hop_map(outputs: &[u8], width: usize, expected: &[[u8; 32]]) -> Vec<usize> {
    let index: HashMap<[u8; 32], usize> =
        expected.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let m: Vec<usize> = outputs
        .chunks_exact(32 * width)
        .map(|row| {
            *index
                .get(<&[u8; 32]>::try_from(&row[..32]).expect("32"))
                .expect("every output is a blinded input")
        })
        .collect();
    let distinct: HashSet<usize> = m.iter().copied().collect();
    assert_eq!(distinct.len(), expected.len(), "a hop is a bijection");
    m
}

#[test]
fn every_hop_blinds_and_changes_the_order() {
    let (received, keys) = run(24, b"order-job");
    let hasher = KeyHasher::new(b"order-job");
    let ks = [key(0), key(1), key(2)];
    for (t, table) in keys.iter().enumerate() {
        let width = if t == 0 { 2 } else { 1 };
        let o = PartyId::ALL[t];
        let msg = |to: PartyId, from: PartyId, round: usize| -> Vec<u8> {
            received[to.index()]
                .iter()
                .filter(|m| m.phase == "linkage" && m.from == from)
                .nth(round)
                .expect("message")
                .payload
                .clone()
        };
        let rows = table.len() / width;
        let points = 32 * width * rows;
        let hop1 = msg(o.next(), o, 0)[8..].to_vec();
        let hop2 = msg(o.prev(), o.next(), 1)[..points].to_vec();
        let hop3 = msg(o, o.prev(), 2);
        assert_eq!((hop1.len(), hop3.len()), (points, points));
        // hop 1: from the owner's file order
        let file: Vec<[u8; 32]> = (0..rows)
            .map(|r| compress(&ks[t].blind(&hasher.hash(table[r * width]))))
            .collect();
        let m1 = hop_map(&hop1, width, &file);
        // hop 2 and 3: from the previous hop's output order
        let prev1: Vec<[u8; 32]> = hop1
            .chunks_exact(32 * width)
            .map(|c| {
                compress(
                    &ks[(t + 1) % 3]
                        .blind(&linkage::blind::decompress_all(&c[..32], o, "t").unwrap()[0]),
                )
            })
            .collect();
        let m2 = hop_map(&hop2, width, &prev1);
        let prev2: Vec<[u8; 32]> = hop2
            .chunks_exact(32 * width)
            .map(|c| {
                compress(
                    &ks[(t + 2) % 3]
                        .blind(&linkage::blind::decompress_all(&c[..32], o, "t").unwrap()[0]),
                )
            })
            .collect();
        let m3 = hop_map(&hop3, width, &prev2);
        let identity: Vec<usize> = (0..rows).collect();
        for (hop, m) in [m1, m2, m3].iter().enumerate() {
            assert_ne!(
                m,
                &identity,
                "table {t}, hop {}: output order equals input order",
                hop + 1
            );
        }
        if t == 0 {
            // the partner slot travels with its household
            let partners: HashMap<[u8; 32], [u8; 32]> = (0..rows)
                .map(|r| {
                    (
                        compress(&ks[0].blind(&hasher.hash(table[2 * r]))),
                        compress(&ks[0].blind(&hasher.hash(table[2 * r + 1]))),
                    )
                })
                .collect();
            for row in hop1.chunks_exact(64) {
                assert_eq!(
                    &partners[<&[u8; 32]>::try_from(&row[..32]).unwrap()],
                    <&[u8; 32]>::try_from(&row[32..]).unwrap()
                );
            }
        }
    }
}

#[test]
fn tags_are_bound_to_the_job() {
    let collect_tags = |job: &[u8]| {
        let inputs = inputs(10);
        let spec = spec(job);
        let runs = try_run_three(|ctx| {
            let me = ctx.party().index();
            linkage::link_with_key(ctx, &spec, &inputs[me], &key(me)).map(|l| l.alignment)
        })
        .unwrap();
        runs.map(|r| r.output)
    };
    let (received_a, _) = run(10, b"job-a");
    let (received_b, _) = run(10, b"job-b");
    // round 3 of the linkage phase: the final tags, from each peer
    let tags = |rec: &[Received]| -> HashSet<Vec<u8>> {
        let round3 = |from: PartyId| {
            rec.iter()
                .filter(|m| m.phase == "linkage" && m.from == from)
                .nth(2)
                .expect("round 3")
                .payload
                .clone()
        };
        [PartyId::UWV, PartyId::BELASTINGDIENST]
            .into_iter()
            .flat_map(|p| {
                round3(p)
                    .chunks_exact(32)
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let (a, b) = (tags(&received_a[0]), tags(&received_b[0]));
    assert!(a.is_disjoint(&b));
    // same keys and exponents, same match pattern
    assert_eq!(
        collect_tags(b"job-a")[0].profile_histogram(),
        collect_tags(b"job-b")[0].profile_histogram()
    );
}
