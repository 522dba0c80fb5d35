//! The synthetic population: deterministic, valid, and with the brief's shares.

use samen_circuits::aio::synth::{generate, Generator, SynthConfig};
use samen_circuits::aio::{screen, AioRules, HouseholdType, Policy};

const N: usize = 100_000;

#[test]
fn deterministic_and_prefix_stable() {
    let a = generate(7, 2_000);
    assert_eq!(a, generate(7, 2_000));
    assert_eq!(&generate(7, 500)[..], &a[..500]);
    assert_ne!(a, generate(8, 2_000));
    let streamed: Vec<_> = Generator::new(SynthConfig::default(), 7)
        .take(2_000)
        .collect();
    assert_eq!(streamed, a);
}

#[test]
fn shares_follow_the_brief() {
    let hs = generate(2025, N);
    let rules = AioRules::default_rules();
    let share = |f: &dyn Fn(&samen_circuits::aio::Household) -> bool| {
        hs.iter().filter(|h| f(h)).count() as f64 / N as f64
    };
    for h in &hs {
        h.validate().unwrap();
        if !h.svb.household_type.is_couple() {
            assert_eq!(h.partner, Default::default());
            assert_eq!(h.svb.aow_gross_partner_cents, 0);
        }
    }
    // AOW recipients on the couple rate: both partners of a couple, the AOW partner of a
    // couple with a partner below AOW age.
    let mut recipients = 0usize;
    let mut couple_rate = 0usize;
    for h in &hs {
        match h.svb.household_type {
            HouseholdType::Couple => {
                recipients += 2;
                couple_rate += 2;
            }
            HouseholdType::CouplePartnerBelowAow => {
                recipients += 1;
                couple_rate += 1;
            }
            _ => recipients += 1,
        }
    }
    let couple_rate_share = couple_rate as f64 / recipients as f64;
    assert!(
        (0.60..0.65).contains(&couple_rate_share),
        "couple rate share {couple_rate_share}"
    );

    let abroad = share(&|h| !h.svb.lives_in_nl);
    assert!((0.09..0.12).contains(&abroad), "abroad {abroad}");
    let aio = share(&|h| h.svb.already_aio);
    assert!((0.015..0.035).contains(&aio), "already AIO {aio}");
    let full_single = samen_circuits::aio::synth::FULL_AOW_SINGLE_CENTS;
    let full_couple = samen_circuits::aio::synth::FULL_AOW_COUPLE_CENTS;
    let incomplete = share(&|h| {
        let a = h.svb.aow_gross_applicant_cents;
        a != full_single && a != full_couple
    });
    assert!(
        (0.09..0.14).contains(&incomplete),
        "incomplete build-up {incomplete}"
    );
    let owners = share(&|h| h.applicant.bd.woz_share_cents > 0);
    assert!((0.4..0.6).contains(&owners), "home owners {owners}");

    let policy = Policy::default();
    let flagged = share(&|h| screen(&rules, &policy, h));
    assert!((0.05..0.10).contains(&flagged), "flagged {flagged}");
    // Many flagged non-takers own their home (equity makes AIO a loan under `loan`).
    let flagged_owners =
        share(&|h| screen(&rules, &policy, h) && h.applicant.bd.woz_share_cents > 0);
    assert!(
        flagged_owners > 0.1 * flagged,
        "flagged owners {flagged_owners}"
    );
    // Low income goes with little wealth: median box 3 assets of flagged households is small.
    let mut assets: Vec<u64> = hs
        .iter()
        .filter(|h| screen(&rules, &policy, h))
        .map(|h| h.applicant.bd.box3_assets_cents + h.partner.bd.box3_assets_cents)
        .collect();
    assets.sort_unstable();
    let median = assets[assets.len() / 2];
    assert!(
        median < 300_000,
        "median assets of flagged households {median}"
    );
    eprintln!(
        "couple-rate {couple_rate_share:.3} abroad {abroad:.3} aio {aio:.3} incomplete {incomplete:.3} owners {owners:.3} flagged {flagged:.3} flagged-owners {flagged_owners:.3} median-assets {median}"
    );
}
