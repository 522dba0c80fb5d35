//! The linked-mode split: an optimised circuit cut at its `share` gates into what each
//! owner computes on its own table *before* private record linkage, and what runs on the
//! linked, shuffled rows.
//!
//! In the linked mode the rows are households after private record linkage, shuffled so
//! that no owner can read them; every input arrives pre-shared from the linkage. The
//! optimised circuit ([`super::optimize`]) is *split* at its `share` gates: what an owner
//! computes in the clear from one of its own rows — the SVB per household, UWV and the
//! Belastingdienst per *person* (the AIO circuit never combines an applicant's and a
//! partner's values locally, [`crate::aio::circuit::cross_person_local_gates`]) — each
//! owner computes on its own table before linkage ([`LinkedCircuit::local`]); the values
//! it would have shared become the payload columns of its table ([`PayloadField`]), and
//! the circuit that runs ([`LinkedCircuit::run`]) takes them as pre-shared inputs, each
//! feeding one `share` gate of its own type (no conversion). So the linked mode costs the
//! same ANDs and rounds as the aligned mode, instead of the all-secret form's bit
//! injections.
//!
//! Which person a local value belongs to is read from the input names (`.applicant.` or
//! `.partner.`, the convention of [`crate::aio::circuit::INPUTS`]); a local value of the
//! SVB belongs to the household.
//!
//! A person missing at UWV or the Belastingdienst arrives from the linkage as zeros. The
//! plaintext reference treats such a person as one with all amounts zero, whose payload
//! value may not be zero (a constant computed locally): the owner therefore sends each
//! boolean value XOR its value for an all-zero person (`offset`), and the circuit XORs the
//! public offset back (free), so a missing person's zeros become exactly the all-zero
//! person's values and no "present" bit is needed. (For the default rules every offset is
//! zero.) If a circuit cannot be split so (a local value used outside a `share`, a
//! cross-person local value, a non-zero offset of an arithmetic value: [`SplitError`]),
//! [`linked`] falls back to [`super::all_secret`] on the raw inputs, whose zeros are the
//! reference's zeros — the same at every node, since it depends only on the circuit.
//!
//! The circuit that runs carries the hash of the local circuit as an annotation
//! ([`LOCAL_CIRCUIT_ANNOTATION`]), so a hash of the run circuit covers what the owners
//! compute before linkage too.
//!
//! Like every pass this runs in the clear on the circuit description and reveals nothing.
//! Tests: the split costs what the optimised circuit costs; golden households and random
//! households with random missing persons give the plaintext reference's flags.

use std::collections::BTreeMap;

use crate::eval;
use crate::ir::{Circuit, CircuitError, Op, Output, Placement, WireId, WireType};
use crate::party::PartyId;

/// Annotation of a linked circuit naming the hash of its local part.
pub const LOCAL_CIRCUIT_ANNOTATION: &str = "linked.local_circuit";

/// One payload column of an owner's linkage table: computed by the owner in the clear
/// from one of its rows before linkage, fed to the linked circuit as a pre-shared input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadField {
    /// The input of [`LinkedCircuit::run`] it feeds.
    pub input: String,
    /// Its type (that of the input): boolean values travel XOR-shared, arithmetic ones
    /// additively.
    pub ty: WireType,
    /// The wire of [`LinkedCircuit::local`] whose value it is.
    pub source: WireId,
    /// XORed into the value by the owner and back in the circuit (see the module
    /// documentation); zero for arithmetic values and for the SVB.
    pub offset: u64,
}

/// The payload fields of a person table: those the person feeds as an applicant, then
/// those it feeds as a partner (the table's payload columns in this order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonFields {
    /// Fields for the applicant's inputs.
    pub applicant: Vec<PayloadField>,
    /// Fields for the partner's inputs.
    pub partner: Vec<PayloadField>,
}

/// The circuit of a linked job, split into what the owners compute before linkage and
/// what runs on the linked rows (see the module documentation).
#[derive(Clone, Debug)]
pub struct LinkedCircuit {
    /// The circuit that runs on the shuffled households (its hash is the job's).
    pub run: Circuit,
    /// The circuit whose wires the owners evaluate in the clear on their own rows (the
    /// SVB per household, the others per person in both roles) to get their payload.
    pub local: Circuit,
    /// The SVB's payload fields.
    pub svb: Vec<PayloadField>,
    /// UWV's and the Belastingdienst's payload fields.
    pub persons: [PersonFields; 2],
    /// Whether the circuit is the split optimised one (`false`: the all-secret fallback).
    pub split: bool,
}

impl LinkedCircuit {
    /// The payload fields of `party`'s table, in column order.
    pub fn table_fields(&self, party: PartyId) -> Vec<&PayloadField> {
        match party.index() {
            0 => self.svb.iter().collect(),
            i => {
                let p = &self.persons[i - 1];
                p.applicant.iter().chain(&p.partner).collect()
            }
        }
    }
}

/// Why a circuit cannot be split at its shares (then [`linked`] falls back to the
/// all-secret form).
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// A local value of UWV or the Belastingdienst depends on both persons or on none.
    #[error("wire {wire}: a local value of {owner} that depends on both persons or on none")]
    CrossPerson {
        /// The wire.
        wire: usize,
        /// Its owner.
        owner: PartyId,
    },
    /// An arithmetic payload value that is not zero for a person without records.
    #[error("wire {wire}: an arithmetic value that is not zero for a person without records")]
    ArithOffset {
        /// The wire.
        wire: usize,
    },
    /// A local value used other than by a `share` gate.
    #[error("wire {wire} uses a local value outside a share")]
    LocalOutsideShare {
        /// The using wire.
        wire: usize,
    },
    /// An output on a local wire.
    #[error("output `{0}` is local")]
    LocalOutput(String),
    /// Evaluating the circuit on all-zero inputs failed.
    #[error("evaluating the all-zero person: {0}")]
    Eval(#[from] eval::EvalError),
    /// The run circuit is not a valid circuit.
    #[error(transparent)]
    Circuit(#[from] CircuitError),
}

/// The linked-mode circuit of a built (unoptimised) circuit: [`super::optimize`] split at
/// its shares ([`split`]), or the all-secret fallback (see the module documentation).
pub fn linked(built: &Circuit) -> Result<LinkedCircuit, CircuitError> {
    let optimised = super::optimize(built)?;
    match split(&optimised) {
        Ok(c) => Ok(c),
        Err(_) => all_secret_fallback(built),
    }
}

/// Role bits per wire: 1 if it depends on an `.applicant.` input, 2 on a `.partner.` one.
fn roles(c: &Circuit) -> Vec<u8> {
    let mut deps = vec![0u8; c.len()];
    for (i, g) in c.gates().iter().enumerate() {
        deps[i] = match &g.op {
            Op::Input { name, .. } if name.contains(".applicant.") => 1,
            Op::Input { name, .. } if name.contains(".partner.") => 2,
            op => op.operands().iter().fold(0, |acc, w| acc | deps[w.index()]),
        };
    }
    deps
}

fn with_local_hash(c: &Circuit, local: &Circuit) -> BTreeMap<String, String> {
    let mut a = c.annotations().clone();
    a.insert(LOCAL_CIRCUIT_ANNOTATION.into(), hex::encode(local.hash().0));
    a
}

/// Splits an optimised circuit at the shares of owner-local values.
pub fn split(o: &Circuit) -> Result<LinkedCircuit, SplitError> {
    let gates = o.gates();
    let role = roles(o);
    let zeros: eval::Columns = o
        .inputs()
        .map(|i| (i.name.to_string(), vec![0u64]))
        .collect();
    let zero = eval::evaluate(o, &zeros)?;
    let mut ops: Vec<Op> = Vec::with_capacity(gates.len());
    let mut map: Vec<Option<WireId>> = vec![None; gates.len()];
    let mut svb = Vec::new();
    let mut persons: [PersonFields; 2] = Default::default();
    let last = |ops: &Vec<Op>| WireId(ops.len() as u32 - 1);
    for (i, g) in gates.iter().enumerate() {
        if let Placement::Local(_) = g.placement {
            continue; // computed by its owner before linkage
        }
        if let Op::Share { x, ty } = &g.op {
            if let Placement::Local(owner) = gates[x.index()].placement {
                let ty = *ty;
                let (list, name) = match (owner.index(), role[x.index()]) {
                    (0, _) => {
                        let n = svb.len();
                        (&mut svb, format!("svb.household.v{n}"))
                    }
                    (p @ (1 | 2), r @ (1 | 2)) => {
                        let fields = &mut persons[p - 1];
                        let list = if r == 1 {
                            &mut fields.applicant
                        } else {
                            &mut fields.partner
                        };
                        let who = if r == 1 { "applicant" } else { "partner" };
                        let n = list.len();
                        (
                            list,
                            format!("{}.{who}.v{n}", if p == 1 { "uwv" } else { "bd" }),
                        )
                    }
                    _ => return Err(SplitError::CrossPerson { wire: i, owner }),
                };
                let offset = if owner == PartyId::SVB {
                    0
                } else {
                    zero.wire(WireId(i as u32))[0]
                };
                if offset != 0 && ty.is_arith() {
                    return Err(SplitError::ArithOffset { wire: i });
                }
                ops.push(Op::Input {
                    owner,
                    name: name.clone(),
                    ty,
                });
                ops.push(Op::Share { x: last(&ops), ty });
                if offset != 0 {
                    let shared = last(&ops);
                    ops.push(Op::Const { value: offset, ty });
                    ops.push(Op::Xor([shared, last(&ops)]));
                }
                map[i] = Some(last(&ops));
                list.push(PayloadField {
                    input: name,
                    ty,
                    source: WireId(i as u32),
                    offset,
                });
                continue;
            }
        }
        let mut op = g.op.clone();
        for w in op.operands_mut() {
            *w = map[w.index()].ok_or(SplitError::LocalOutsideShare { wire: i })?;
        }
        ops.push(op);
        map[i] = Some(last(&ops));
    }
    let outputs = o
        .outputs()
        .iter()
        .map(|out| {
            Ok(Output {
                name: out.name.clone(),
                wire: map[out.wire.index()]
                    .ok_or_else(|| SplitError::LocalOutput(out.name.clone()))?,
                reveal_to: out.reveal_to,
            })
        })
        .collect::<Result<Vec<_>, SplitError>>()?;
    let run = Circuit::from_parts(o.name(), with_local_hash(o, o), ops, outputs)?;
    Ok(LinkedCircuit {
        run,
        local: o.clone(),
        svb,
        persons,
        split: true,
    })
}

/// The all-secret form on the raw inputs: every input is a payload field of its owner.
pub fn all_secret_fallback(built: &Circuit) -> Result<LinkedCircuit, CircuitError> {
    let secret = super::all_secret(built)?;
    let run = Circuit::from_parts(
        secret.name(),
        with_local_hash(&secret, built),
        secret.gates().iter().map(|g| g.op.clone()).collect(),
        secret.outputs().to_vec(),
    )?;
    let mut svb = Vec::new();
    let mut persons: [PersonFields; 2] = Default::default();
    for i in built.inputs() {
        let field = PayloadField {
            input: i.name.to_string(),
            ty: i.ty,
            source: i.wire,
            offset: 0,
        };
        match (i.owner.index(), i.name.contains(".partner.")) {
            (0, _) => svb.push(field),
            (p, false) => persons[p - 1].applicant.push(field),
            (p, true) => persons[p - 1].partner.push(field),
        }
    }
    Ok(LinkedCircuit {
        run,
        local: built.clone(),
        svb,
        persons,
        split: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aio::circuit::{build, FLAG_OUTPUT};
    use crate::aio::{
        self, golden, screen, synth, AioRules, HomeRule, Household, PersonRecords, Policy,
        DEFAULT_RULES,
    };
    use crate::cost::cost;
    use crate::passes;
    use proptest::prelude::*;

    /// Which persons a linkage does not find: applicant at UWV, partner at UWV,
    /// applicant at the Belastingdienst, partner at the Belastingdienst.
    type Missing = [bool; 4];

    /// The linked mode in plaintext: each owner's payload from its own rows, the join
    /// (zeros for a missing person, and for a single's partner), the run circuit.
    fn simulate(lc: &LinkedCircuit, households: &[Household], missing: &[Missing]) -> Vec<bool> {
        let local = |rows: &[Household]| {
            eval::evaluate(&lc.local, &aio::circuit::input_columns(rows)).unwrap()
        };
        let svb_rows: Vec<Household> = households
            .iter()
            .map(|h| Household {
                svb: h.svb.clone(),
                ..Household::default()
            })
            .collect();
        let svb = local(&svb_rows);
        let mut columns = eval::Columns::new();
        for f in &lc.svb {
            columns.insert(
                f.input.clone(),
                svb.wire(f.source).iter().map(|v| v ^ f.offset).collect(),
            );
        }
        for (pi, fields) in lc.persons.iter().enumerate() {
            for (role, list) in [(0, &fields.applicant), (1, &fields.partner)] {
                // the person's own row, standing in both roles, as its owner computes it
                let rows: Vec<Household> = households
                    .iter()
                    .map(|h| {
                        let p = if role == 0 { &h.applicant } else { &h.partner };
                        let mut r = PersonRecords::default();
                        if pi == 0 {
                            r.uwv = p.uwv;
                        } else {
                            r.bd = p.bd;
                        }
                        Household {
                            applicant: r,
                            partner: r,
                            ..Household::default()
                        }
                    })
                    .collect();
                let ev = local(&rows);
                for f in list {
                    let col = households
                        .iter()
                        .enumerate()
                        .map(|(i, h)| {
                            let absent = missing[i][2 * pi + role]
                                || (role == 1 && !h.svb.household_type.is_couple());
                            if absent {
                                0
                            } else {
                                ev.wire(f.source)[i] ^ f.offset
                            }
                        })
                        .collect();
                    columns.insert(f.input.clone(), col);
                }
            }
        }
        let ev = eval::evaluate(&lc.run, &columns).unwrap();
        ev.output(FLAG_OUTPUT)
            .unwrap()
            .iter()
            .map(|w| w & 1 == 1)
            .collect()
    }

    /// The reference on what the linkage finds: a missing person has no records there.
    fn reference(policy: &Policy, households: &[Household], missing: &[Missing]) -> Vec<bool> {
        let rules = AioRules::default_rules();
        households
            .iter()
            .zip(missing)
            .map(|(h, m)| {
                let mut h = h.clone();
                if !h.svb.household_type.is_couple() {
                    h.partner = PersonRecords::default();
                }
                if m[0] {
                    h.applicant.uwv = Default::default();
                }
                if m[1] {
                    h.partner.uwv = Default::default();
                }
                if m[2] {
                    h.applicant.bd = Default::default();
                }
                if m[3] {
                    h.partner.bd = Default::default();
                }
                screen(&rules, policy, &h)
            })
            .collect()
    }

    fn circuits(policy: &Policy) -> (LinkedCircuit, LinkedCircuit, Circuit) {
        let built = build(&AioRules::default_rules(), policy).unwrap();
        let optimised = passes::optimize(&built).unwrap();
        (
            split(&optimised).unwrap(),
            all_secret_fallback(&built).unwrap(),
            optimised,
        )
    }

    #[test]
    fn the_default_rules_split_with_the_optimised_cost_and_the_local_hash_annotated() {
        for home_rule in [HomeRule::Loan, HomeRule::Count] {
            let policy = Policy {
                tolerance_bp: 0,
                home_rule,
            };
            let (lc, fallback, optimised) = circuits(&policy);
            assert!(lc.split && !fallback.split);
            let (run, opt) = (cost(&lc.run), cost(&optimised));
            assert_eq!(run.and_gates, opt.and_gates);
            assert_eq!(run.bit_injections, opt.bit_injections);
            assert!(run.rounds <= opt.rounds, "{} > {}", run.rounds, opt.rounds);
            // nothing is computed in the clear on the linked rows: only the inputs are local
            assert_eq!(run.local_gates, lc.run.inputs().count() as u64);
            assert!(cost(&fallback.run).and_gates > run.and_gates);
            assert_eq!(
                lc.run.annotations()[LOCAL_CIRCUIT_ANNOTATION],
                hex::encode(optimised.hash().0)
            );
            // every input of the run circuit is one payload field, and feeds only a share
            let fields: Vec<&str> = PartyId::ALL
                .iter()
                .flat_map(|&p| lc.table_fields(p))
                .map(|f| f.input.as_str())
                .collect();
            assert_eq!(fields.len(), lc.run.inputs().count());
            for i in lc.run.inputs() {
                assert!(fields.contains(&i.name));
            }
            // no UWV or Belastingdienst field mixes the applicant and the partner
            assert!(aio::circuit::cross_person_local_gates(&optimised).is_empty());
        }
    }

    #[test]
    fn golden_households_through_the_linked_circuit() {
        let cases: Vec<_> = golden::golden_cases()
            .into_iter()
            .filter(|c| c.rules == DEFAULT_RULES)
            .filter(|c| {
                c.household.svb.household_type.is_couple()
                    || c.household.partner == PersonRecords::default()
            })
            .collect();
        assert!(cases.len() >= 20);
        for c in cases {
            let (lc, fallback, _) = circuits(&c.policy);
            let none = [[false; 4]];
            assert_eq!(
                simulate(&lc, std::slice::from_ref(&c.household), &none),
                vec![c.expected_flag],
                "{}",
                c.name
            );
            assert_eq!(
                simulate(&fallback, std::slice::from_ref(&c.household), &none),
                vec![c.expected_flag],
                "{}",
                c.name
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn linked_circuit_equals_the_reference_with_missing_persons(
            seed in any::<u64>(),
            n in 1usize..120,
            missing_seed in any::<u64>(),
            missing_rate in 0u64..4,
            count in any::<bool>(),
            tolerance_bp in prop_oneof![Just(0u32), Just(250), 0u32..2000],
        ) {
            let policy = Policy { tolerance_bp: u64::from(tolerance_bp), home_rule: if count { HomeRule::Count } else { HomeRule::Loan } };
            let households = synth::generate(seed, n);
            // missing_rate 0: nobody missing; 3: about three in four missing
            let missing: Vec<Missing> = (0..n)
                .map(|i| std::array::from_fn(|k| {
                    let r = blake3::hash(&[missing_seed.to_le_bytes(), (i as u64 * 4 + k as u64).to_le_bytes()].concat()).as_bytes()[0] as u64;
                    r % 4 < missing_rate
                }))
                .collect();
            let (lc, fallback, _) = circuits(&policy);
            let want = reference(&policy, &households, &missing);
            prop_assert_eq!(&simulate(&lc, &households, &missing), &want);
            prop_assert_eq!(&simulate(&fallback, &households, &missing), &want);
        }
    }
}
