//! Whole jobs in the in-memory harness (no sockets): the linked mode (private record
//! linkage, the linked circuit, the flags back in the SVB's order, the count to all) and
//! the aligned mode, on synthetic households, against the plaintext reference. An
//! observer checks what every party's transcript would record: the same phases, the
//! reveals under the audit's labels, and the linkage's learned numbers (the same at all
//! three parties, equal to what the test knows of its own tables).

use std::sync::{Arc, Mutex};

use samen_circuits::aio::circuit::{build, input_columns_of};
use samen_circuits::aio::{screen, synth, AioRules, HomeRule, Household, PersonRecords, Policy};
use samen_circuits::passes;
use samen_protocol::context::{Direction, MessageObserver, MessageRecord, SecurityMode};
use samen_protocol::harness::run_three_with;
use samen_protocol::job::linked::{linkage_input, linkage_spec, OwnerTable};
use samen_protocol::job::{
    run_job, JobOutputs, JobPlan, JobRunError, RunParams, LINKAGE_OUTPUT, OUTPUT_FLAGS,
    OUTPUT_FLAG_COUNT,
};
use samen_protocol::linkage::{self, Bsn};
use samen_protocol::PartyId;

/// What a transcript records of a job, without message contents.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    Phase(String),
    Message {
        phase: String,
        sent: bool,
        peer: usize,
        sequence: u64,
        len: usize,
    },
    Reveal {
        output: String,
        to: Vec<PartyId>,
        count: usize,
    },
    Learned {
        what: String,
        to: Vec<PartyId>,
        value: u64,
    },
}

#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<Event>>>);

impl MessageObserver for Events {
    fn on_message(&mut self, r: &MessageRecord<'_>) {
        self.0.lock().unwrap().push(Event::Message {
            phase: r.phase.to_string(),
            sent: r.direction == Direction::Sent,
            peer: r.peer.index(),
            sequence: r.sequence,
            len: r.payload.len(),
        });
    }
    fn on_phase(&mut self, phase: &str) {
        self.0.lock().unwrap().push(Event::Phase(phase.to_string()));
    }
    fn on_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        self.0.lock().unwrap().push(Event::Reveal {
            output: output.to_string(),
            to: to.to_vec(),
            count,
        });
    }
    fn on_learned(&mut self, what: &str, to: &[PartyId], value: u64) {
        self.0.lock().unwrap().push(Event::Learned {
            what: what.to_string(),
            to: to.to_vec(),
            value,
        });
    }
}

/// Runs `plan(party)` at the three parties in the harness; returns each party's outputs
/// and the events its observer saw.
fn run<'a>(
    plan: impl Fn(PartyId) -> JobPlan<'a> + Sync,
    params: RunParams,
) -> [(JobOutputs, Vec<Event>); 3] {
    let events: [Events; 3] = Default::default();
    let runs = run_three_with(
        SecurityMode::SemiHonest,
        |p| Some(Box::new(events[p.index()].clone()) as Box<dyn MessageObserver>),
        |ctx| {
            let p = ctx.party();
            Ok(run_job(ctx, &plan(p), &params))
        },
    )
    .unwrap();
    let [a, b, c] = runs.map(|r| r.output.unwrap());
    let ev = |i: usize| events[i].0.lock().unwrap().clone();
    [(a, ev(0)), (b, ev(1)), (c, ev(2))]
}

fn phases(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Phase(p) => Some(p.as_str()),
            _ => None,
        })
        .collect()
}

/// The reveals a party records (every party records every reveal, with its recipients).
fn reveals(events: &[Event]) -> Vec<(&str, Vec<PartyId>, usize)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Reveal { output, to, count } => Some((output.as_str(), to.clone(), *count)),
            _ => None,
        })
        .collect()
}

fn learned(events: &[Event]) -> Vec<(String, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Learned { what, to, value } => {
                assert_eq!(to, &PartyId::ALL.to_vec());
                Some((what.clone(), *value))
            }
            _ => None,
        })
        .collect()
}

/// The three parties' own tables of a linked job: keys 100000000 + 2h (applicant) and
/// + 1 (partner) for household `h`; UWV misses every fifth applicant and BD every
///   seventh partner; each register also holds `extra` persons the SVB does not know; the
///   registers list their persons in reverse order. Returns the tables and the households
///   as the linkage finds them (the reference's view).
fn linked_tables(households: &[Household], extra: usize) -> ([OwnerTable; 3], Vec<Household>) {
    let key = |h: usize, partner: bool| Bsn::new(100_000_000 + 2 * h as u32 + partner as u32);
    let svb = OwnerTable::Households {
        keys: (0..households.len())
            .map(|h| linkage::HouseholdKeys {
                applicant: key(h, false).unwrap(),
                partner: households[h]
                    .svb
                    .household_type
                    .is_couple()
                    .then(|| key(h, true).unwrap()),
            })
            .collect(),
        records: households.iter().map(|h| h.svb.clone()).collect(),
    };
    let mut seen = households.to_vec();
    let mut persons = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
    for (h, house) in households.iter().enumerate() {
        let couple = house.svb.household_type.is_couple();
        if !couple {
            seen[h].partner = PersonRecords::default();
        }
        for (partner, p) in [(false, &house.applicant), (true, &house.partner)] {
            if partner && !couple {
                continue;
            }
            let k = key(h, partner).unwrap();
            let seen_p = if partner {
                &mut seen[h].partner
            } else {
                &mut seen[h].applicant
            };
            if !partner && h % 5 == 0 {
                seen_p.uwv = Default::default();
            } else {
                persons[0].0.push(k);
                persons[0].1.push(PersonRecords {
                    uwv: p.uwv,
                    ..PersonRecords::default()
                });
            }
            if partner && h % 7 == 0 {
                seen_p.bd = Default::default();
            } else {
                persons[1].0.push(k);
                persons[1].1.push(PersonRecords {
                    bd: p.bd,
                    ..PersonRecords::default()
                });
            }
        }
    }
    let strangers = synth::generate(99, extra);
    for (i, s) in strangers.iter().enumerate() {
        let k = Bsn::new(900_000_000 + i as u32).unwrap();
        persons[0].0.push(k);
        persons[0].1.push(PersonRecords {
            uwv: s.applicant.uwv,
            ..PersonRecords::default()
        });
        persons[1].0.push(k);
        persons[1].1.push(PersonRecords {
            bd: s.applicant.bd,
            ..PersonRecords::default()
        });
    }
    let [uwv, bd] = persons.map(|(mut keys, mut records)| {
        keys.reverse();
        records.reverse();
        OwnerTable::Persons { keys, records }
    });
    ([svb, uwv, bd], seen)
}

#[test]
fn a_whole_linked_job_in_memory_gives_the_reference_flags_and_records_its_leakage() {
    let policy = Policy {
        tolerance_bp: 0,
        home_rule: HomeRule::Loan,
    };
    let rules = AioRules::default_rules();
    let built = build(&rules, &policy).unwrap();
    let circuit = passes::linked::linked(&built).unwrap();
    assert!(circuit.split, "the default rules split");
    let households = synth::generate(7, 150);
    let (tables, seen) = linked_tables(&households, 20);
    let want: Vec<bool> = seen.iter().map(|h| screen(&rules, &policy, h)).collect();
    assert!(want.iter().any(|&f| f) && want.iter().any(|&f| !f));
    let padding = [3, 5, 0];
    let spec = linkage_spec(b"job-whole-linked", padding, &circuit);
    let inputs: Vec<_> = PartyId::ALL
        .iter()
        .map(|&p| linkage_input(p, &tables[p.index()], &circuit).unwrap())
        .collect();
    // a table of the wrong kind is refused before anything is sent
    assert!(matches!(
        linkage_input(PartyId::UWV, &tables[0], &circuit),
        Err(JobRunError::TableKind(PartyId::UWV))
    ));
    let [svb, uwv, bd] = run(
        |p| JobPlan::Linked {
            circuit: &circuit,
            spec: &spec,
            input: &inputs[p.index()],
        },
        RunParams { count_to_all: true },
    );
    assert_eq!(svb.0.flags.as_deref(), Some(&want[..]));
    assert_eq!(uwv.0.flags, None);
    assert_eq!(bd.0.flags, None);
    let count = want.iter().filter(|&&f| f).count() as u64;
    for (out, events) in [&svb, &uwv, &bd] {
        assert_eq!(out.flag_count, Some(count));
        assert_eq!(phases(events), ["setup", "linkage", "evaluate", "output"]);
    }
    // the flags to the SVB only, under the linked label (one per row of the SVB's padded
    // table: the SVB drops its dummy rows after the opening); the count to all
    let all = PartyId::ALL.to_vec();
    let expected = [
        (OUTPUT_FLAG_COUNT, all, 1),
        (
            LINKAGE_OUTPUT,
            vec![PartyId::SVB],
            households.len() + padding[0],
        ),
    ];
    for (_, events) in [&svb, &uwv, &bd] {
        assert_eq!(reveals(events), expected);
    }
    // the learned numbers: the same at all three, and what the tables imply
    let l = learned(&svb.1);
    assert_eq!(l, learned(&uwv.1));
    assert_eq!(l, learned(&bd.1));
    let table_rows: Vec<u64> = inputs
        .iter()
        .zip(padding)
        .map(|(i, pad)| (i.rows() + pad) as u64)
        .collect();
    assert_eq!(
        l[..3].iter().map(|(_, v)| *v).collect::<Vec<_>>(),
        table_rows
    );
    let couples = households
        .iter()
        .filter(|h| h.svb.household_type.is_couple())
        .count();
    let at_uwv = households.len() + couples - households.len().div_ceil(5);
    assert_eq!(
        l[3],
        ("linkage: SVB persons found at UWV".into(), at_uwv as u64)
    );
    let missing_partners_bd = (0..households.len())
        .filter(|&h| h % 7 == 0 && households[h].svb.household_type.is_couple())
        .count();
    assert_eq!(
        l[4],
        (
            "linkage: SVB persons found at the Belastingdienst".into(),
            (households.len() + couples - missing_partners_bd) as u64
        )
    );
    // the profile histogram covers every household (the SVB's dummy rows included)
    let profiles: u64 = l[5..].iter().map(|(_, v)| v).sum();
    assert_eq!(profiles, table_rows[0]);
}

#[test]
fn a_whole_aligned_job_in_memory_gives_the_reference_flags() {
    let policy = Policy {
        tolerance_bp: 250,
        home_rule: HomeRule::Count,
    };
    let rules = AioRules::default_rules();
    let circuit = passes::optimize(&build(&rules, &policy).unwrap()).unwrap();
    let households = synth::generate(11, 200);
    let want: Vec<bool> = households
        .iter()
        .map(|h| screen(&rules, &policy, h))
        .collect();
    let columns: Vec<_> = PartyId::ALL
        .iter()
        .map(|&p| input_columns_of(Some(p), &households))
        .collect();
    for count_to_all in [false, true] {
        let [svb, uwv, bd] = run(
            |p| JobPlan::Aligned {
                circuit: &circuit,
                columns: &columns[p.index()],
                rows: households.len(),
            },
            RunParams { count_to_all },
        );
        assert_eq!(svb.0.flags.as_deref(), Some(&want[..]));
        assert_eq!((uwv.0.flags.as_ref(), bd.0.flags.as_ref()), (None, None));
        let count = count_to_all.then(|| want.iter().filter(|&&f| f).count() as u64);
        for (out, events) in [&svb, &uwv, &bd] {
            assert_eq!(out.flag_count, count);
            assert_eq!(phases(events), ["setup", "sizes", "evaluate"]);
            assert!(learned(events).is_empty());
        }
        let mut expected = vec![(OUTPUT_FLAGS, vec![PartyId::SVB], households.len())];
        if count_to_all {
            expected.insert(0, (OUTPUT_FLAG_COUNT, PartyId::ALL.to_vec(), 1));
        }
        for (_, events) in [&svb, &uwv, &bd] {
            assert_eq!(reveals(events), expected);
        }
    }
}

#[test]
fn aligned_tables_of_different_sizes_are_refused_naming_the_peer() {
    let policy = Policy {
        tolerance_bp: 0,
        home_rule: HomeRule::Loan,
    };
    let circuit = passes::optimize(&build(&AioRules::default_rules(), &policy).unwrap()).unwrap();
    let households = synth::generate(3, 10);
    let columns: Vec<_> = PartyId::ALL
        .iter()
        .map(|&p| {
            let n = if p == PartyId::UWV { 9 } else { 10 };
            input_columns_of(Some(p), &households[..n])
        })
        .collect();
    let [svb, _, _] = run_three_with(
        SecurityMode::SemiHonest,
        |_| None,
        |ctx| {
            let p = ctx.party();
            let plan = JobPlan::Aligned {
                circuit: &circuit,
                columns: &columns[p.index()],
                rows: columns[p.index()].values().next().unwrap().len(),
            };
            Ok(run_job(ctx, &plan, &RunParams::default()))
        },
    )
    .unwrap()
    .map(|r| r.output);
    match svb {
        Err(JobRunError::SizeMismatch {
            peer, theirs, ours, ..
        }) => assert_eq!((peer, theirs, ours), (PartyId::UWV, 9, 10)),
        other => panic!("{other:?}"),
    }
}
