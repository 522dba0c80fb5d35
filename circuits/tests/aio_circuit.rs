//! The AIO circuit agrees with the plaintext reference: golden households, generated
//! households and proptest households, as built, all-secret and optimised, both home rules,
//! tolerance 0 and above, every rules file. Also: its identity includes the rules hash, its
//! interface is `INPUTS` + `flag` to the SVB, it meets the cost target, and it never asks UWV
//! or the Belastingdienst to combine two persons' values in the clear.

use proptest::prelude::*;
use samen_circuits::aio::circuit::{
    build, build_with_params, cross_person_local_gates, flags, input_columns, input_columns_of,
    FLAG_OUTPUT, INPUTS,
};
use samen_circuits::aio::golden::golden_cases;
use samen_circuits::aio::household::{MAX_MONTHLY_CENTS, MAX_WEALTH_CENTS};
use samen_circuits::aio::rules::RULES_FILES;
use samen_circuits::aio::synth::generate;
use samen_circuits::aio::{
    screen, AioRules, BdWealth, HomeRule, Household, HouseholdType, PersonRecords, Policy,
    SvbHousehold, UwvIncome,
};
use samen_circuits::eval::evaluate;
use samen_circuits::passes::{all_secret, optimize};
use samen_circuits::{Builder, Circuit, PartyId, PartySet};

fn variants(rules: &AioRules, policy: &Policy) -> Vec<(&'static str, Circuit)> {
    let built = build(rules, policy).unwrap();
    vec![
        ("all-secret", all_secret(&built).unwrap()),
        ("optimised", optimize(&built).unwrap()),
        ("as-built", built),
    ]
}

/// Asserts that every circuit gives the reference's flag on every household.
fn check(
    rules: &AioRules,
    policy: &Policy,
    households: &[Household],
    circuits: &[(&'static str, Circuit)],
) {
    let columns = input_columns(households);
    let want: Vec<bool> = households
        .iter()
        .map(|h| screen(rules, policy, h))
        .collect();
    for (name, c) in circuits {
        let got = flags(&evaluate(c, &columns).unwrap()).unwrap();
        assert_eq!(got.len(), households.len());
        for (i, h) in households.iter().enumerate() {
            assert_eq!(
                got[i], want[i],
                "{name} circuit, {} {policy:?}, row {i}: {h:?}",
                rules.name
            );
        }
    }
}

#[test]
fn golden_cases_agree_with_the_ir_evaluator() {
    for c in &golden_cases() {
        let rules = AioRules::by_name(c.rules).unwrap();
        for (name, circuit) in variants(&rules, &c.policy) {
            let columns = input_columns(std::slice::from_ref(&c.household));
            let got = flags(&evaluate(&circuit, &columns).unwrap()).unwrap();
            assert_eq!(got, vec![c.expected_flag], "{name}: {} ({})", c.name, c.why);
        }
    }
}

#[test]
fn generated_population_agrees_under_every_policy() {
    // 10,000 generated households × 6 policies × 2 rules files × 3 circuit variants.
    let households = generate(20_251_123, 10_000);
    let flagged = households
        .iter()
        .filter(|h| screen(&AioRules::default_rules(), &Policy::default(), h))
        .count();
    assert!(flagged > 400, "the population must exercise both outcomes");
    for rules in ["aio-2025-07", "aio-2024-01"] {
        let rules = AioRules::by_name(rules).unwrap();
        for (tolerance_bp, home_rule) in [
            (0, HomeRule::Loan),
            (0, HomeRule::Count),
            (1, HomeRule::Loan),
            (500, HomeRule::Count),
            (2_000, HomeRule::Loan),
            (10_000, HomeRule::Count),
        ] {
            let policy = Policy {
                tolerance_bp,
                home_rule,
            };
            check(&rules, &policy, &households, &variants(&rules, &policy));
        }
    }
}

/// Amounts biased towards the places where the rules change their answer.
fn monthly() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        1 => Just(MAX_MONTHLY_CENTS - 1),
        4 => 0u64..400_000,
        2 => (0u64..12).prop_map(|k| [
            161_516u64, 110_564, 78_400, 166_062, 233_975, 150_491, 19_600 * 4, 236_717, 290_747, 396_239, 170_416, 320_341,
        ][k as usize]),
        2 => 150_000u64..240_000,
        1 => 0u64..MAX_MONTHLY_CENTS,
    ]
}

fn wealth() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => Just(0u64),
        1 => Just(MAX_WEALTH_CENTS - 1),
        3 => 0u64..2_000_000,
        2 => (0u64..4).prop_map(|k| [757_500u64, 1_515_000, 6_390_000, 3_195_000][k as usize]),
        2 => 0u64..80_000_000,
        1 => 0u64..MAX_WEALTH_CENTS,
    ]
}

fn person() -> impl Strategy<Value = PersonRecords> {
    (
        (monthly(), monthly(), monthly()),
        (wealth(), wealth(), wealth(), wealth()),
    )
        .prop_map(|((w, p, b), (a, d, z, m))| PersonRecords {
            uwv: UwvIncome {
                wages_cents: w,
                pensions_cents: p,
                benefits_cents: b,
            },
            bd: BdWealth {
                box3_assets_cents: a,
                box3_debts_cents: d,
                woz_share_cents: z,
                mortgage_cents: m,
            },
        })
}

fn household() -> impl Strategy<Value = Household> {
    (
        0u8..4,
        any::<[bool; 4]>(),
        prop::bool::weighted(0.8),
        monthly(),
        monthly(),
        person(),
        person(),
        any::<bool>(),
    )
        .prop_map(
            |(t, bits, favourable, aow_a, aow_p, applicant, partner, partner_present)| {
                let household_type = HouseholdType::from_code(t).unwrap();
                let couple = household_type.is_couple();
                // Mostly favourable eligibility bits, so that income and wealth decide.
                let [aow_age_reached, lives_in_nl, already_aio, excluded] = if favourable {
                    [true, true, false, false]
                } else {
                    bits
                };
                Household {
                    svb: SvbHousehold {
                        household_type,
                        aow_age_reached,
                        lives_in_nl,
                        already_aio,
                        excluded,
                        aow_gross_applicant_cents: aow_a,
                        aow_gross_partner_cents: if couple { aow_p } else { 0 },
                    },
                    applicant,
                    partner: if couple && partner_present {
                        partner
                    } else {
                        PersonRecords::default()
                    },
                }
            },
        )
}

fn policy() -> impl Strategy<Value = Policy> {
    let tol =
        prop_oneof![3 => Just(0u64), 1 => Just(1u64), 1 => Just(10_000u64), 2 => 0u64..=10_000];
    (tol, any::<bool>()).prop_map(|(tolerance_bp, count)| Policy {
        tolerance_bp,
        home_rule: if count {
            HomeRule::Count
        } else {
            HomeRule::Loan
        },
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// 48 cases × 220 households: about 10,500 random households, every rules file.
    #[test]
    fn random_households_agree(
        rules in 0..RULES_FILES.len(),
        policy in policy(),
        households in prop::collection::vec(household(), 220),
    ) {
        let rules = AioRules::by_name(RULES_FILES[rules].0).unwrap();
        for h in &households {
            h.validate().unwrap();
        }
        check(&rules, &policy, &households, &variants(&rules, &policy));
    }
}

#[test]
fn interface_and_identity() {
    let rules = AioRules::default_rules();
    for policy in [
        Policy::default(),
        Policy {
            tolerance_bp: 300,
            home_rule: HomeRule::Count,
        },
    ] {
        for (name, c) in variants(&rules, &policy) {
            let inputs: Vec<_> = c
                .inputs()
                .map(|i| (i.name.to_string(), i.owner, i.ty))
                .collect();
            let want: Vec<_> = INPUTS
                .iter()
                .map(|(n, o, t)| (n.to_string(), *o, *t))
                .collect();
            assert_eq!(inputs, want, "{name}");
            assert_eq!(c.outputs().len(), 1);
            assert_eq!(c.outputs()[0].name, FLAG_OUTPUT);
            assert_eq!(c.outputs()[0].reveal_to, PartySet::only(PartyId::SVB));
            assert_eq!(c.annotations()["aio.rules.blake3"], rules.hash().to_hex());
            assert_eq!(c.annotations()["aio.rules.name"], "aio-2025-07");
            assert_eq!(
                c.annotations()["aio.policy.home_rule"],
                policy.home_rule.as_str()
            );
            assert_eq!(
                c.annotations()["aio.policy.tolerance_bp"],
                policy.tolerance_bp.to_string()
            );
            assert_eq!(Circuit::decode(&c.encode()).unwrap().hash(), c.hash());
        }
    }
    // The rules hash is part of the circuit's identity: a one-comment edit of the rules file
    // (same amounts) gives a different circuit hash.
    let text = RULES_FILES
        .iter()
        .find(|(n, _)| *n == "aio-2025-07")
        .unwrap()
        .1;
    let edited = AioRules::parse("aio-2025-07", &format!("{text}# reviewed\n")).unwrap();
    assert_eq!(edited.norms, rules.norms);
    assert_ne!(edited.hash(), rules.hash());
    let policy = Policy::default();
    assert_ne!(
        build(&edited, &policy).unwrap().hash(),
        build(&rules, &policy).unwrap().hash()
    );
    assert_eq!(
        build(&rules, &policy).unwrap().hash(),
        build(&rules, &policy).unwrap().hash()
    );
    // Policy is part of it too.
    let other = Policy {
        tolerance_bp: 1,
        ..policy
    };
    assert_ne!(
        build(&rules, &other).unwrap().hash(),
        build(&rules, &policy).unwrap().hash()
    );
    // Per-party columns hold exactly that party's inputs.
    let hs = generate(1, 3);
    for p in PartyId::ALL {
        let cols = input_columns_of(Some(p), &hs);
        assert_eq!(
            cols.len(),
            INPUTS.iter().filter(|(_, o, _)| *o == p).count()
        );
        assert!(cols.keys().all(|n| n.starts_with(p.short_name())));
    }
}

#[test]
fn optimised_circuit_meets_the_cost_target_and_linkage_locality() {
    for (rules, _) in RULES_FILES {
        let rules = AioRules::by_name(rules).unwrap();
        for policy in [
            Policy::default(),
            Policy {
                tolerance_bp: 0,
                home_rule: HomeRule::Count,
            },
        ] {
            let (built, params) = build_with_params(&rules, &policy).unwrap();
            assert_eq!(params.kept_breakpoints.len(), 1, "{}", rules.name);
            let opt = optimize(&built).unwrap();
            let cost = samen_circuits::cost::cost(&opt);
            assert!(
                cost.and_gates <= 1_500,
                "{} {policy:?}: {} ANDs",
                rules.name,
                cost.and_gates
            );
            assert!(
                cost.rounds <= 40,
                "{} {policy:?}: {} rounds",
                rules.name,
                cost.rounds
            );
            let before = samen_circuits::cost::cost(&all_secret(&built).unwrap());
            assert!(cost.and_gates < before.and_gates && cost.rounds < before.rounds);
            for c in [&built, &opt] {
                assert!(
                    cross_person_local_gates(c).is_empty(),
                    "{}: {:?}",
                    rules.name,
                    cross_person_local_gates(c)
                );
            }
        }
    }
    // The check itself finds a Belastingdienst-local sum over both persons.
    let mut b = Builder::new("bad");
    let x = b
        .input_arith(PartyId::BELASTINGDIENST, "bd.applicant.x", 8)
        .unwrap();
    let y = b
        .input_arith(PartyId::BELASTINGDIENST, "bd.partner.x", 8)
        .unwrap();
    let s = b.add(x, y).unwrap();
    let z = b.input_arith(PartyId::SVB, "svb.applicant.z", 8).unwrap();
    let f = b.lt(s, z).unwrap();
    b.output("f", f, PartySet::only(PartyId::SVB)).unwrap();
    assert_eq!(cross_person_local_gates(&b.finish().unwrap()).len(), 1);
}

#[test]
fn saturation_parameters() {
    let rules = AioRules::default_rules();
    let (_, p) = build_with_params(&rules, &Policy::default()).unwrap();
    assert_eq!((p.scale, p.disregard_factor), (4, 1));
    // C is the first G (cents / 4) whose net exceeds the largest threshold.
    let net = |g: u64| rules.gross_to_net.net_annual_scaled(12 * i128::from(g), 4);
    assert!(net(p.saturation) > i128::from(p.income_threshold_max));
    assert!(net(p.saturation - 1) <= i128::from(p.income_threshold_max));
    assert_eq!(p.saturation_bits, 20);
    // Higher tolerance keeps more breakpoints.
    let (_, p) = build_with_params(
        &rules,
        &Policy {
            tolerance_bp: 10_000,
            home_rule: HomeRule::Loan,
        },
    )
    .unwrap();
    assert_eq!(p.kept_breakpoints.len(), 3);
}

/// Wires shared by UWV or the Belastingdienst in `c`, split by the person slot their inputs
/// belong to, in gate order: `(party, [applicant shares, partner shares])`.
fn person_shares(c: &Circuit) -> Vec<(PartyId, [Vec<samen_circuits::WireId>; 2])> {
    use samen_circuits::{Op, Placement, WireId};
    let mut slot = vec![0u8; c.len()];
    for (i, g) in c.gates().iter().enumerate() {
        slot[i] = match &g.op {
            Op::Input { name, .. } if name.contains(".applicant.") => 1,
            Op::Input { name, .. } if name.contains(".partner.") => 2,
            op => op.operands().iter().fold(0, |a, w| a | slot[w.index()]),
        };
    }
    [PartyId::UWV, PartyId::BELASTINGDIENST]
        .into_iter()
        .map(|party| {
            let mut out = [Vec::new(), Vec::new()];
            for (i, g) in c.gates().iter().enumerate() {
                if let Op::Share { x, .. } = g.op {
                    if c.gate(x).placement == Placement::Local(party) {
                        assert!(
                            slot[x.index()] == 1 || slot[x.index()] == 2,
                            "{party}: share of a non-person value"
                        );
                        out[usize::from(slot[x.index()] - 1)].push(WireId(i as u32));
                    }
                }
            }
            (party, out)
        })
        .collect()
}

/// What UWV and the Belastingdienst share in the optimised circuit is a function of one
/// person's records that does not depend on the person's role (applicant or partner) and is
/// zero for a person without records. So each party can compute it per person before record
/// linkage, and the linkage's zero payload for a missing person is the right value: the
/// optimised circuit can run in linkage mode, not only its all-secret form.
#[test]
fn person_payloads_are_role_independent_and_zero_for_missing_records() {
    let rules = AioRules::default_rules();
    for policy in [
        Policy::default(),
        Policy {
            tolerance_bp: 2_000,
            home_rule: HomeRule::Count,
        },
    ] {
        let c = optimize(&build(&rules, &policy).unwrap()).unwrap();
        let shares = person_shares(&c);
        let people: Vec<PersonRecords> = generate(5, 300)
            .into_iter()
            .flat_map(|h| [h.applicant, h.partner])
            .chain([PersonRecords::default()])
            .collect();
        // Row i: the same person as applicant (in `as_applicant`) and as partner.
        let base = Household {
            svb: SvbHousehold {
                household_type: HouseholdType::Couple,
                ..Default::default()
            },
            ..Default::default()
        };
        let as_applicant: Vec<Household> = people
            .iter()
            .map(|p| Household {
                applicant: *p,
                ..base.clone()
            })
            .collect();
        let as_partner: Vec<Household> = people
            .iter()
            .map(|p| Household {
                partner: *p,
                ..base.clone()
            })
            .collect();
        let ea = evaluate(&c, &input_columns(&as_applicant)).unwrap();
        let ep = evaluate(&c, &input_columns(&as_partner)).unwrap();
        for (party, [app, par]) in &shares {
            assert_eq!(
                app.len(),
                par.len(),
                "{party}: same payload shape for both roles"
            );
            assert!(!app.is_empty());
            for (wa, wp) in app.iter().zip(par) {
                assert_eq!(c.gate(*wa).ty, c.gate(*wp).ty);
                assert_eq!(
                    ea.wire(*wa),
                    ep.wire(*wp),
                    "{party}: role-dependent payload"
                );
                // The last row is the person without records: payload zero.
                assert_eq!(
                    *ea.wire(*wa).last().unwrap(),
                    0,
                    "{party}: missing person must share zeros"
                );
            }
        }
    }
}
