//! Rules files: every embedded file parses and validates, hashes are BLAKE3 of the exact
//! bytes, errors name file, key and line, the AOW-age table works at its boundaries.

use samen_circuits::aio::golden::aow_age_cases;
use samen_circuits::aio::rules::{AioRules, RulesError, RulesHash, RULES_FILES};
use samen_circuits::aio::{Date, HouseholdType};

fn text(name: &str) -> &'static str {
    RULES_FILES.iter().find(|(n, _)| *n == name).unwrap().1
}

#[test]
fn every_embedded_file_parses_and_matches_the_file_on_disk() {
    assert_eq!(RULES_FILES.len(), 5);
    for (name, embedded) in RULES_FILES {
        let rules = AioRules::by_name(name).unwrap();
        assert_eq!(&rules.name, name);
        let path = format!("{}/rules/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(
            on_disk,
            embedded.as_bytes(),
            "{name}: embedded text differs from {path}"
        );
        assert_eq!(rules.hash(), RulesHash::of(&on_disk));
        assert_eq!(rules.hash().0, *blake3::hash(&on_disk).as_bytes());
        // Unsourced values in every file (disregard cap, gross-to-net): all unverified.
        assert!(!rules.verified, "{name}");
        assert!(rules.unverified.contains(&"gross_to_net".to_string()));
        assert!(rules.unverified.contains(&"earnings_disregard".to_string()));
        assert_eq!(rules.gross_to_net.breakpoints_annual_cents.len(), 4);
        assert!(rules.gross_to_net.is_concave());
        for (section, source) in &rules.sources {
            assert!(
                !source.trim().is_empty(),
                "{name}: {section} without source"
            );
        }
    }
    let hashes: std::collections::HashSet<_> = RULES_FILES
        .iter()
        .map(|(n, _)| AioRules::by_name(n).unwrap().hash())
        .collect();
    assert_eq!(hashes.len(), RULES_FILES.len());
}

#[test]
fn amounts_from_the_brief() {
    let r = AioRules::by_name("aio-2025-07").unwrap();
    assert_eq!(
        (r.norms.single_cents, r.norms.couple_cents),
        (153_021, 209_498)
    );
    assert_eq!(r.valid_from, Date::parse("2025-07-01").unwrap());
    assert_eq!(r.norm_cents(HouseholdType::SingleParent), 153_021);
    assert_eq!(r.norm_cents(HouseholdType::CouplePartnerBelowAow), 209_498);
    assert_eq!(r.wealth_limit_cents(HouseholdType::Single), 757_500);
    assert_eq!(r.wealth_limit_cents(HouseholdType::SingleParent), 1_515_000);
    assert_eq!(r.wealth_limits.home_equity_limit_cents, 6_390_000);
    assert_eq!(r.earnings_disregard.rate_bp, 2500);
    assert!(
        r.unverified.contains(&"wealth_limits".to_string()),
        "2025 wealth limits are 2024 placeholders"
    );
    let norms = |n: &str| {
        let r = AioRules::by_name(n).unwrap();
        (
            r.norms.single_cents,
            r.norms.couple_cents,
            r.unverified.contains(&"norms".to_string()),
        )
    };
    assert_eq!(norms("aio-2024-01"), (142_576, 193_398, false));
    assert_eq!(norms("aio-2024-07"), (145_685, 197_664, false));
    assert_eq!(norms("aio-2025-01"), (150_107, 205_348, false));
    assert!(norms("aio-2026-01").2, "2026 norms are not sourced");
    assert!(!AioRules::by_name("aio-2024-07")
        .unwrap()
        .unverified
        .contains(&"wealth_limits".to_string()));
}

#[test]
fn lookup_by_name_and_date() {
    let e = AioRules::by_name("aio-2023-01").unwrap_err();
    assert!(matches!(e, RulesError::Unknown { .. }));
    assert!(e.to_string().contains("aio-2025-07"));
    let on = |s| AioRules::in_force_on(Date::parse(s).unwrap()).map(|r| r.name);
    assert_eq!(on("2025-06-30").unwrap(), "aio-2025-01");
    assert_eq!(on("2025-07-01").unwrap(), "aio-2025-07");
    assert_eq!(on("2030-01-01").unwrap(), "aio-2026-01");
    assert!(on("2023-12-31").is_err());
    assert_eq!(AioRules::default_rules().name, "aio-2025-07");
}

#[track_caller]
fn invalid(edit: impl Fn(&str) -> String) -> RulesError {
    let t = edit(text("aio-2025-07"));
    AioRules::parse("aio-2025-07", &t).unwrap_err()
}

fn line_of(needle: &str) -> usize {
    text("aio-2025-07")
        .lines()
        .position(|l| l.starts_with(needle))
        .unwrap()
        + 1
}

#[test]
fn errors_name_file_key_and_line() {
    // Syntax error: the line is reported.
    let e = invalid(|t| t.replace("couple_cents = 209498", "couple_cents = = 209498"));
    let RulesError::Syntax { file, line, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(file, "aio-2025-07");
    assert_eq!(*line, Some(line_of("couple_cents = 209498")));
    assert!(e.to_string().starts_with("aio-2025-07: line "), "{e}");

    // Unknown key.
    let e = invalid(|t| t.replace("rate_bp = 2500", "rate_bps = 2500"));
    assert!(matches!(e, RulesError::Syntax { .. }), "{e}");
    assert!(e.to_string().contains("rate_bp"), "{e}");

    let check = |e: RulesError, key: &str, needle: &str| {
        let RulesError::Invalid {
            file, key: k, line, ..
        } = &e
        else {
            panic!("{e}")
        };
        assert_eq!(file, "aio-2025-07");
        assert_eq!(k, key, "{e}");
        assert_eq!(*line, Some(line_of(needle)), "{e}");
    };
    check(
        invalid(|t| t.replace("rate_bp = 2500", "rate_bp = 10001")),
        "earnings_disregard.rate_bp",
        "rate_bp = ",
    );
    check(
        invalid(|t| t.replace("single_cents = 153021", "single_cents = 0")),
        "norms.single_cents",
        "single_cents = 153021",
    );
    check(
        invalid(|t| t.replace("[9474, 7682, 7365, 5409]", "[9474, 7682, 0, 5409]")),
        "gross_to_net.marginal_net_rate_bp[2]",
        "marginal_net_rate_bp =",
    );
    check(
        invalid(|t| {
            t.replace(
                "[0, 1992746, 2840600, 3844100]",
                "[0, 1992746, 1992746, 3844100]",
            )
        }),
        "gross_to_net.breakpoints_annual_cents[2]",
        "breakpoints_annual_cents =",
    );
    check(
        invalid(|t| {
            t.replace(
                "[0, 1992746, 2840600, 3844100]",
                "[1, 1992746, 2840600, 3844100]",
            )
        }),
        "gross_to_net.breakpoints_annual_cents[0]",
        "breakpoints_annual_cents =",
    );
    check(
        invalid(|t| t.replace("[0, 1992746, 2840600, 3844100]", "[0, 1992746, 2840600]")),
        "gross_to_net.marginal_net_rate_bp",
        "marginal_net_rate_bp =",
    );
    check(
        invalid(|t| t.replace("name = \"aio-2025-07\"", "name = \"aio-2025-01\"")),
        "name",
        "name = ",
    );
    // Second band: not contiguous; the error points at the second band's line.
    let e = invalid(|t| t.replace("born_from = 1961-01-01", "born_from = 1961-01-02"));
    check(e, "aow_age.band[1].born_from", "born_from = 1961-01-01");
    check(
        invalid(|t| t.replace("months = 3", "months = 12")),
        "aow_age.band[1].months",
        "months = 3",
    );
    check(
        invalid(|t| {
            t.replace(
                "valid_from = 2025-07-01",
                "valid_from = 2025-07-01T00:00:00",
            )
        }),
        "valid_from",
        "valid_from",
    );
    // Verification bookkeeping: a section marked verified while the file lists it, and a
    // file claiming `verified = true` with unverified sections.
    check(
        invalid(|t| {
            t.replacen(
                "verified = false\nsource = \"NOT SOURCED: the 2025 wealth",
                "verified = true\nsource = \"NOT SOURCED: the 2025 wealth",
                1,
            )
        }),
        "unverified",
        "unverified = ",
    );
    check(
        invalid(|t| {
            t.replace(
                "\nverified = false\nunverified",
                "\nverified = true\nunverified",
            )
        }),
        "verified",
        "verified = false",
    );
    let norms_source = "source = \"AIO-RULES.md, Parameters, norms table: row valid from 2025-07-01 (gemeente Hof van Twente norm table)\"";
    check(
        invalid(|t| t.replace(norms_source, "source = \"  \"")),
        "norms.source",
        norms_source,
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for t in [
        "",
        "\u{0}",
        "name = 1",
        "[norms",
        "name = \"aio-2025-07\"\n",
        "a\nb\nc = [1,",
    ] {
        assert!(AioRules::parse("aio-2025-07", t).is_err());
    }
    let full = text("aio-2025-07");
    for cut in (0..full.len()).step_by(97) {
        if full.is_char_boundary(cut) {
            let _ = AioRules::parse("aio-2025-07", &full[..cut]);
        }
    }
}

#[test]
fn aow_age_table() {
    for c in aow_age_cases() {
        let rules = AioRules::by_name(c.rules).unwrap();
        match (rules.aow_age_reached(c.birth, c.on), c.expected) {
            (Ok(got), Some(want)) => assert_eq!(got, want, "born {} on {}", c.birth, c.on),
            (Err(e), None) => {
                assert!(matches!(e, RulesError::BirthDateNotCovered { .. }));
                assert!(
                    !e.to_string().contains(&c.birth.to_string()),
                    "error must not contain the birth date"
                );
            }
            (got, want) => panic!("born {} on {}: got {got:?}, want {want:?}", c.birth, c.on),
        }
    }
}
