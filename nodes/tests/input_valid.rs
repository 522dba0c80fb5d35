//! Valid input files: typed output, the BSN 11-test, UWV summing per BSN and kind, the
//! CSV dialect, summaries, and the writer's files read back to the same households.

use std::path::Path;

use proptest::prelude::*;
use samen_circuits::aio::{synth, HouseholdType};
use samen_node::input::schema::{expected_schema, LinkageMode};
use samen_node::input::write::{self, SyntheticKeys};
use samen_node::input::{
    read_input_from, BdInput, Bsn, IncomeKind, PartyInput, PersonPair, SvbRecord, UwvInput,
    ValidatedInput,
};
use samen_protocol::PartyId;

fn read(party: PartyId, mode: LinkageMode, data: &str) -> ValidatedInput {
    read_input_from(
        data.as_bytes(),
        Path::new("test.csv"),
        &expected_schema(party, mode),
        party,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn eleven_test() {
    for ok in [
        "111222333",
        "123456782",
        "101234569",
        "010000008",
        "999999990",
    ] {
        assert!(Bsn::parse(ok).is_ok(), "{ok}");
    }
    for bad in ["111222334", "123456789", "000000000", "999999999"] {
        assert!(Bsn::parse(bad).is_err(), "{bad}");
    }
    // 9·d1 + … + 2·d8 − d9 ≡ 0 (mod 11): changing any single digit breaks it.
    let good = b"123456782";
    for i in 0..9 {
        for d in b'0'..=b'9' {
            if d == good[i] {
                continue;
            }
            let mut s = *good;
            s[i] = d;
            assert!(
                Bsn::parse(std::str::from_utf8(&s).unwrap()).is_err(),
                "{}",
                String::from_utf8_lossy(&s)
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn eleven_test_matches_the_formula(n in 0u32..1_000_000_000) {
        let s = format!("{n:09}");
        let d: Vec<i64> = s.bytes().map(|b| i64::from(b - b'0')).collect();
        let sum: i64 = (0..8).map(|i| (9 - i as i64) * d[i]).sum::<i64>() - d[8];
        let expected = sum % 11 == 0 && n != 0;
        prop_assert_eq!(Bsn::parse(&s).is_ok(), expected);
    }

    #[test]
    fn synthetic_bsns_pass(i in 0u64..45_000_000) {
        let b = Bsn::synthetic(i);
        prop_assert_eq!(Bsn::parse(&b.to_string()), Ok(b));
    }
}

#[test]
fn svb_file_is_typed() {
    let data = "household_id;applicant_bsn;partner_bsn;household_type;aow_age_reached;lives_in_nl;already_aio;excluded;aow_gross_applicant_cents;aow_gross_partner_cents\r\n\
                H1;101234569;;single;1;1;0;0;130000;\r\n\
                \"H2\"; 102469131 ;103703706;Couple;ja;true;no;0;95000;95000\r\n";
    let v = read(PartyId::SVB, LinkageMode::Aligned, data);
    let PartyInput::Svb(svb) = v.input else {
        panic!()
    };
    assert_eq!(svb.households.len(), 2);
    let h1: &SvbRecord = &svb.households[0];
    assert_eq!(h1.household_id, "H1");
    assert_eq!(h1.partner_bsn, None);
    assert_eq!(h1.household.household_type, HouseholdType::Single);
    assert_eq!(h1.household.aow_gross_partner_cents, 0);
    let h2 = &svb.households[1];
    assert_eq!(h2.applicant_bsn.to_string(), "102469131");
    assert_eq!(
        h2.partner_bsn.map(|b| b.to_string()).as_deref(),
        Some("103703706")
    );
    assert_eq!(h2.household.household_type, HouseholdType::Couple);
    assert!(h2.household.aow_age_reached && h2.household.lives_in_nl && !h2.household.already_aio);
    assert_eq!(v.summary.rows, 2);
    assert_eq!(v.summary.delimiter, ';');
    let aow = v
        .summary
        .columns
        .iter()
        .find(|c| c.name == "aow_gross_applicant_cents")
        .unwrap();
    assert_eq!(
        (aow.min, aow.max, aow.filled),
        (Some(95000), Some(130000), 2)
    );
    let partner = v
        .summary
        .columns
        .iter()
        .find(|c| c.name == "partner_bsn")
        .unwrap();
    assert_eq!((partner.filled, partner.empty), (1, 1));
}

#[test]
fn optional_columns_may_be_absent() {
    let data = "household_id,applicant_bsn,household_type,aow_age_reached,lives_in_nl,already_aio,excluded,aow_gross_applicant_cents\n\
                H1,101234569,single,1,1,0,0,130000\n";
    let v = read(PartyId::SVB, LinkageMode::Linked, data);
    assert_eq!(v.input.len(), 1);
    assert!(
        !v.summary
            .columns
            .iter()
            .find(|c| c.name == "partner_bsn")
            .unwrap()
            .present
    );
}

#[test]
fn uwv_rows_are_summed_per_bsn_and_kind() {
    let data = "kind,bsn,monthly_gross_cents\n\
                wages,101234569,1000\n\
                pension,102469131,50000\n\
                wages,101234569,2500\n\
                pension,101234569,700\n\
                benefit,102469131,0\n\
                pension,102469131,4294917295\n";
    let v = read(PartyId::UWV, LinkageMode::Linked, data);
    let PartyInput::Uwv(UwvInput::Linked(persons)) = v.input else {
        panic!()
    };
    assert_eq!(v.summary.rows, 6);
    assert_eq!(v.summary.entries, 2);
    assert_eq!(persons.len(), 2);
    assert_eq!(persons[0].bsn.to_string(), "101234569");
    assert_eq!(persons[0].income.wages_cents, 3500);
    assert_eq!(persons[0].income.pensions_cents, 700);
    assert_eq!(persons[0].income.benefits_cents, 0);
    assert_eq!(
        persons[1].income.pensions_cents, 4_294_967_295,
        "a sum exactly at the maximum is accepted"
    );
    assert_eq!(
        IncomeKind::Pension.amount(&persons[1].income),
        4_294_967_295
    );
}

#[test]
fn bd_linked_and_aligned() {
    let v = read(
        PartyId::BELASTINGDIENST,
        LinkageMode::Linked,
        "bsn,assets_cents,debts_cents,woz_share_cents,mortgage_cents\n101234569,300000,0,25000000,10000000\n",
    );
    let PartyInput::Bd(BdInput::Linked(p)) = v.input else {
        panic!()
    };
    assert_eq!(p[0].wealth.box3_assets_cents, 300000);
    assert_eq!(p[0].wealth.woz_share_cents, 25_000_000);
    let header = "applicant_assets_cents,applicant_debts_cents,applicant_woz_share_cents,applicant_mortgage_cents,partner_assets_cents,partner_debts_cents,partner_woz_share_cents,partner_mortgage_cents";
    let v = read(
        PartyId::BELASTINGDIENST,
        LinkageMode::Aligned,
        &format!("{header}\n1,2,3,4,,,,\n5,6,7,8,9,10,11,12\n"),
    );
    let PartyInput::Bd(BdInput::Aligned(rows)) = v.input else {
        panic!()
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].partner, Default::default());
    assert_eq!(rows[1].partner.mortgage_cents, 12);
    assert_eq!(rows[1].applicant.box3_debts_cents, 6);
}

fn round_trip(mode: LinkageMode, n: usize, seed: u64) {
    let households = synth::generate(seed, n);
    let dir = tempfile::tempdir().unwrap();
    let paths = write::write_party_files(dir.path(), &households, mode).unwrap();
    let read_file = |party: PartyId| {
        let f = std::fs::File::open(&paths[party.index()]).unwrap();
        let rows = (mode == LinkageMode::Aligned).then_some(n as u64);
        read_input_from(
            f,
            &paths[party.index()],
            &expected_schema(party, mode),
            party,
            rows,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let PartyInput::Svb(svb) = read_file(PartyId::SVB).input else {
        panic!()
    };
    assert_eq!(svb.households.len(), n);
    for (i, (r, h)) in svb.households.iter().zip(&households).enumerate() {
        assert_eq!(r.household, h.svb);
        assert_eq!(r.household_id, SyntheticKeys::household_id(i));
        assert_eq!(r.applicant_bsn, SyntheticKeys::applicant_bsn(i));
    }
    let uwv = read_file(PartyId::UWV);
    let bd = read_file(PartyId::BELASTINGDIENST);
    // Rebuild each household's person records from the parsed files.
    let (uwv_rows, bd_rows): (Vec<PersonPair<_>>, Vec<PersonPair<_>>) = match (uwv.input, bd.input)
    {
        (PartyInput::Uwv(UwvInput::Aligned(u)), PartyInput::Bd(BdInput::Aligned(b))) => (u, b),
        (PartyInput::Uwv(UwvInput::Linked(u)), PartyInput::Bd(BdInput::Linked(b))) => {
            let u: std::collections::HashMap<_, _> =
                u.into_iter().map(|p| (p.bsn, p.income)).collect();
            let b: std::collections::HashMap<_, _> =
                b.into_iter().map(|p| (p.bsn, p.wealth)).collect();
            let pair = |r: &SvbRecord| {
                let get_u =
                    |bsn: Option<Bsn>| bsn.and_then(|x| u.get(&x).copied()).unwrap_or_default();
                let get_b =
                    |bsn: Option<Bsn>| bsn.and_then(|x| b.get(&x).copied()).unwrap_or_default();
                (
                    PersonPair {
                        applicant: get_u(Some(r.applicant_bsn)),
                        partner: get_u(r.partner_bsn),
                    },
                    PersonPair {
                        applicant: get_b(Some(r.applicant_bsn)),
                        partner: get_b(r.partner_bsn),
                    },
                )
            };
            svb.households.iter().map(pair).unzip()
        }
        _ => panic!("layouts differ"),
    };
    for (i, h) in households.iter().enumerate() {
        assert_eq!(uwv_rows[i].applicant, h.applicant.uwv, "household {i}");
        assert_eq!(bd_rows[i].applicant, h.applicant.bd, "household {i}");
        if h.svb.household_type.is_couple() {
            assert_eq!(uwv_rows[i].partner, h.partner.uwv, "household {i}");
            assert_eq!(bd_rows[i].partner, h.partner.bd, "household {i}");
        }
    }
}

#[test]
fn writer_files_read_back_aligned() {
    round_trip(LinkageMode::Aligned, 600, 1);
}

#[test]
fn writer_files_read_back_linked_with_split_relations() {
    round_trip(LinkageMode::Linked, 600, 2);
    // The linked UWV file really has split relations to sum.
    let households = synth::generate(2, 600);
    let relations = write::uwv_relations(&households);
    let mut keys: Vec<_> = relations.iter().map(|r| (r.bsn, r.kind)).collect();
    let total = keys.len();
    keys.sort_by_key(|(b, k)| (*b, *k as u8));
    keys.dedup();
    assert!(keys.len() < total, "no BSN has two relations of one kind");
}

/// The three aligned files, each turned back into households with only its own fields,
/// merge into exactly the generated households, and give the same circuit inputs.
#[test]
fn aligned_inputs_become_circuit_households() {
    use samen_circuits::aio::circuit::input_columns_of;
    use samen_circuits::PartyId;
    let households = synth::generate(5, 300);
    let dir = tempfile::tempdir().unwrap();
    let paths = write::write_party_files(dir.path(), &households, LinkageMode::Aligned).unwrap();
    let mut merged = vec![samen_circuits::aio::Household::default(); households.len()];
    for (party, circuit_party) in
        PartyId::ALL
            .into_iter()
            .zip([PartyId::SVB, PartyId::UWV, PartyId::BELASTINGDIENST])
    {
        let f = std::fs::File::open(&paths[party.index()]).unwrap();
        let v = read_input_from(
            f,
            &paths[party.index()],
            &expected_schema(party, LinkageMode::Aligned),
            party,
            None,
        )
        .unwrap();
        let own = v.input.aligned_households().unwrap();
        assert_eq!(
            input_columns_of(Some(circuit_party), &own),
            input_columns_of(Some(circuit_party), &households)
        );
        for (m, o) in merged.iter_mut().zip(own) {
            match party.index() {
                0 => m.svb = o.svb,
                1 => {
                    m.applicant.uwv = o.applicant.uwv;
                    m.partner.uwv = o.partner.uwv;
                }
                _ => {
                    m.applicant.bd = o.applicant.bd;
                    m.partner.bd = o.partner.bd;
                }
            }
        }
    }
    assert_eq!(merged, households);
    // Linked inputs are per person: no household view.
    let v = read(
        PartyId::UWV,
        LinkageMode::Linked,
        "bsn,kind,monthly_gross_cents\n101234569,wages,1\n",
    );
    assert!(v.input.aligned_households().is_none());
}
