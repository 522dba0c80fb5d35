//! Malformed input files: every case gives an error that names the file, the row and the
//! column (where there is one) and the broken rule. Table-driven.

use std::path::Path;

use samen_node::input::schema::{expected_schema, LinkageMode};
use samen_node::input::{read_input_from, InputError, InputErrorKind as K};
use samen_protocol::PartyId;

const SVB_HEADER: &str = "household_id,applicant_bsn,partner_bsn,household_type,aow_age_reached,lives_in_nl,already_aio,excluded,aow_gross_applicant_cents,aow_gross_partner_cents";
const SVB_ROW2: &str = "H1,101234569,,single,1,1,0,0,130000,";
const SVB_ROW3: &str = "H2,102469131,103703706,couple,1,1,0,0,95000,95000";
const SVB_ROW4: &str = "H3,104938262,,single_parent,1,0,0,1,158000,0";

fn svb(rows: &[&str]) -> String {
    let mut s = String::from(SVB_HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn svb_with_row3(row3: &str) -> String {
    svb(&[SVB_ROW2, row3, SVB_ROW4])
}

struct Case {
    name: &'static str,
    party: PartyId,
    mode: LinkageMode,
    data: Vec<u8>,
    expected_rows: Option<u64>,
    row: Option<u64>,
    column: Option<&'static str>,
    kind: fn(&K) -> bool,
}

fn case(
    name: &'static str,
    data: impl Into<Vec<u8>>,
    row: Option<u64>,
    column: Option<&'static str>,
    kind: fn(&K) -> bool,
) -> Case {
    Case {
        name,
        party: PartyId::SVB,
        mode: LinkageMode::Linked,
        data: data.into(),
        expected_rows: None,
        row,
        column,
        kind,
    }
}

fn cases() -> Vec<Case> {
    let drop_excluded = {
        let strip = |line: &str| {
            let mut f: Vec<&str> = line.split(',').collect();
            f.remove(7);
            f.join(",")
        };
        let (h, r2) = (strip(SVB_HEADER), strip(SVB_ROW2));
        format!("{h}\n{r2}\n")
    };
    let long_id = format!("H{}", "x".repeat(64));
    let uwv = |rows: &str| format!("bsn,kind,monthly_gross_cents\n{rows}");
    let bd =
        |rows: &str| format!("bsn,assets_cents,debts_cents,woz_share_cents,mortgage_cents\n{rows}");
    let uwv_aligned_header =
        "applicant_wages_cents,applicant_pension_cents,applicant_benefit_cents,partner_wages_cents,partner_pension_cents,partner_benefit_cents";
    let mut v = vec![
        case(
            "missing column",
            drop_excluded,
            Some(1),
            Some("excluded"),
            |k| *k == K::MissingColumn,
        ),
        case(
            "unknown column",
            svb(&[]).replace("excluded,", "excluded,nickname,"),
            Some(1),
            Some("nickname"),
            |k| *k == K::UnknownColumn,
        ),
        case(
            "duplicate column",
            format!("{SVB_HEADER},excluded\n"),
            Some(1),
            Some("excluded"),
            |k| *k == K::DuplicateColumn,
        ),
        case(
            "extra field",
            svb_with_row3(&format!("{SVB_ROW3},7")),
            Some(3),
            None,
            |k| {
                *k == K::FieldCount {
                    expected: 10,
                    found: 11,
                }
            },
        ),
        case(
            "short row",
            svb_with_row3("H2,102469131"),
            Some(3),
            None,
            |k| matches!(k, K::FieldCount { found: 2, .. }),
        ),
        case(
            "BSN of 8 digits",
            svb_with_row3(&SVB_ROW3.replace("102469131", "10246913")),
            Some(3),
            Some("applicant_bsn"),
            |k| *k == K::BsnFormat,
        ),
        case(
            "BSN fails 11-test",
            svb_with_row3(&SVB_ROW3.replace("103703706", "103703707")),
            Some(3),
            Some("partner_bsn"),
            |k| *k == K::BsnCheck,
        ),
        case(
            "BSN with a letter",
            svb_with_row3(&SVB_ROW3.replace("102469131", "10246913x")),
            Some(3),
            Some("applicant_bsn"),
            |k| *k == K::BsnFormat,
        ),
        case(
            "missing applicant BSN",
            svb_with_row3(&SVB_ROW3.replace("102469131", "")),
            Some(3),
            Some("applicant_bsn"),
            |k| *k == K::MissingValue,
        ),
        case(
            "unknown household type",
            svb_with_row3(&SVB_ROW3.replace("couple", "widow")),
            Some(3),
            Some("household_type"),
            |k| matches!(k, K::NotInEnum { allowed } if allowed.len() == 4),
        ),
        case(
            "bool out of range",
            svb_with_row3("H2,102469131,103703706,couple,1,2,0,0,95000,95000"),
            Some(3),
            Some("lives_in_nl"),
            |k| *k == K::NotABool,
        ),
        case(
            "decimal amount",
            svb_with_row3(&SVB_ROW3.replacen("95000", "950.00", 1)),
            Some(3),
            Some("aow_gross_applicant_cents"),
            |k| *k == K::NotAnInteger,
        ),
        case(
            "negative amount",
            svb_with_row3(&SVB_ROW3.replacen("95000,95000", "95000,-5", 1)),
            Some(3),
            Some("aow_gross_partner_cents"),
            |k| *k == K::NotAnInteger,
        ),
        case(
            "amount above range",
            svb_with_row3(&SVB_ROW3.replacen("95000", "4294967296", 1)),
            Some(3),
            Some("aow_gross_applicant_cents"),
            |k| {
                matches!(
                    k,
                    K::OutOfRange {
                        max: 4294967295,
                        ..
                    }
                )
            },
        ),
        case(
            "amount beyond u64",
            svb_with_row3(&SVB_ROW3.replacen("95000", "123456789012345678901234", 1)),
            Some(3),
            Some("aow_gross_applicant_cents"),
            |k| matches!(k, K::OutOfRange { .. }),
        ),
        case(
            "duplicate household id",
            svb_with_row3(&SVB_ROW3.replace("H2", "H1")),
            Some(3),
            Some("household_id"),
            |k| matches!(k, K::Duplicate { first_row: 2, first_column } if first_column == "household_id"),
        ),
        case(
            "partner BSN is another household's applicant",
            svb_with_row3(&SVB_ROW3.replace("103703706", "101234569")),
            Some(3),
            Some("partner_bsn"),
            |k| matches!(k, K::Duplicate { first_row: 2, first_column } if first_column == "applicant_bsn"),
        ),
        case(
            "applicant BSN is another household's partner",
            svb(&[SVB_ROW3, &SVB_ROW2.replace("101234569", "103703706")]),
            Some(3),
            Some("applicant_bsn"),
            |k| matches!(k, K::Duplicate { first_row: 2, first_column } if first_column == "partner_bsn"),
        ),
        case(
            "partner is the applicant",
            svb_with_row3(&SVB_ROW3.replace("103703706", "102469131")),
            Some(3),
            Some("partner_bsn"),
            |k| matches!(k, K::Duplicate { first_row: 3, .. }),
        ),
        case(
            "couple without partner",
            svb_with_row3(&SVB_ROW3.replace("103703706", "")),
            Some(3),
            Some("partner_bsn"),
            |k| matches!(k, K::Inconsistent(r) if r.contains("needs a partner")),
        ),
        case(
            "single with partner",
            svb_with_row3(&SVB_ROW3.replace("couple", "single")),
            Some(3),
            Some("partner_bsn"),
            |k| matches!(k, K::Inconsistent(_)),
        ),
        case(
            "partner AOW without partner",
            svb_with_row3("H2,102469131,,single,1,1,0,0,95000,100"),
            Some(3),
            Some("aow_gross_partner_cents"),
            |k| matches!(k, K::Inconsistent(_)),
        ),
        case(
            "household id with a space",
            svb_with_row3(&SVB_ROW3.replace("H2", "H 2")),
            Some(3),
            Some("household_id"),
            |k| *k == K::BadCharacters,
        ),
        case(
            "household id too long",
            svb_with_row3(&SVB_ROW3.replace("H2", &long_id)),
            Some(3),
            Some("household_id"),
            |k| *k == K::TooLong { max: 64 },
        ),
        case(
            "blank line between rows",
            svb(&[SVB_ROW2, "", SVB_ROW4]),
            Some(3),
            None,
            |k| *k == K::BlankLine,
        ),
        case(
            "unterminated quote",
            svb_with_row3("\"H2,102469131,103703706,couple,1,1,0,0,95000,95000"),
            Some(3),
            None,
            |k| *k == K::BadQuoting,
        ),
        case(
            "both separators in the header",
            svb(&[SVB_ROW2]).replacen(",", ";", 1),
            Some(1),
            None,
            |k| *k == K::AmbiguousDelimiter,
        ),
        case("empty file", "", None, None, |k| *k == K::Empty),
        case("header only", format!("{SVB_HEADER}\n"), None, None, |k| {
            *k == K::NoRows
        }),
        case(
            "not UTF-8",
            svb(&[SVB_ROW2, "H2,\u{ff}"])
                .replace('\u{ff}', "\u{1}")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 1 { 0xff } else { b })
                .collect::<Vec<u8>>(),
            Some(3),
            None,
            |k| *k == K::NotUtf8,
        ),
        case(
            "line too long",
            svb_with_row3(&"9".repeat(10_000)),
            Some(3),
            None,
            |k| matches!(k, K::LineTooLong { .. }),
        ),
        case(
            "too many fields",
            svb_with_row3(&",".repeat(200)),
            Some(3),
            None,
            |k| matches!(k, K::TooManyFields { .. }),
        ),
        case(
            "empty header name",
            format!("{SVB_HEADER},\n{SVB_ROW2},\n"),
            Some(1),
            None,
            |k| *k == K::EmptyColumnName,
        ),
    ];
    let mut more = vec![
        Case {
            party: PartyId::UWV,
            ..case("unknown income kind", uwv("101234569,salary,1000\n"), Some(2), Some("kind"), |k| matches!(k, K::NotInEnum { .. }))
        },
        Case {
            party: PartyId::UWV,
            ..case(
                "UWV sum exceeds the range",
                uwv("101234569,pension,4000000000\n102469131,pension,5\n101234569,pension,400000000\n"),
                Some(4),
                Some("monthly_gross_cents"),
                |k| matches!(k, K::SumOutOfRange { max: 4294967295 }),
            )
        },
        Case {
            party: PartyId::UWV,
            ..case("UWV missing amount", uwv("101234569,wages,\n"), Some(2), Some("monthly_gross_cents"), |k| *k == K::MissingValue)
        },
        Case {
            party: PartyId::BELASTINGDIENST,
            ..case(
                "BD duplicate person",
                bd("101234569,1,2,3,4\n102469131,0,0,0,0\n101234569,1,2,3,4\n"),
                Some(4),
                Some("bsn"),
                |k| matches!(k, K::Duplicate { first_row: 2, .. }),
            )
        },
        Case {
            party: PartyId::BELASTINGDIENST,
            ..case("BD missing debts", bd("101234569,1,,3,4\n"), Some(2), Some("debts_cents"), |k| *k == K::MissingValue)
        },
        Case {
            party: PartyId::BELASTINGDIENST,
            ..case("BD wealth above range", bd("101234569,1099511627776,0,0,0\n"), Some(2), Some("assets_cents"), |k| {
                matches!(k, K::OutOfRange { max: 1099511627775, .. })
            })
        },
        Case {
            party: PartyId::UWV,
            mode: LinkageMode::Aligned,
            expected_rows: Some(3),
            ..case("aligned row count", format!("{uwv_aligned_header}\n1,2,3,,,\n0,0,0,0,0,0\n"), None, None, |k| {
                *k == K::RowCount { expected: 3, found: 2 }
            })
        },
        Case {
            party: PartyId::UWV,
            mode: LinkageMode::Aligned,
            ..case("aligned file with a key column", format!("bsn,{uwv_aligned_header}\n"), Some(1), Some("bsn"), |k| *k == K::UnknownColumn)
        },
        Case {
            party: PartyId::UWV,
            mode: LinkageMode::Aligned,
            ..case("aligned missing applicant value", format!("{uwv_aligned_header}\n1,,3,,,\n"), Some(2), Some("applicant_pension_cents"), |k| {
                *k == K::MissingValue
            })
        },
        Case {
            party: PartyId::BELASTINGDIENST,
            mode: LinkageMode::Aligned,
            ..case(
                "aligned BD with a linked header",
                bd("101234569,1,2,3,4\n"),
                Some(1),
                Some("bsn"),
                |k| *k == K::UnknownColumn,
            )
        },
    ];
    v.append(&mut more);
    v
}

fn check(c: &Case) -> InputError {
    let schema = expected_schema(c.party, c.mode);
    let file = Path::new("data/party.csv");
    match read_input_from(c.data.as_slice(), file, &schema, c.party, c.expected_rows) {
        Ok(_) => panic!("case `{}`: accepted", c.name),
        Err(e) => e,
    }
}

#[test]
fn malformed_files_name_row_column_and_rule() {
    let all = cases();
    assert!(all.len() >= 20);
    for c in &all {
        let e = check(c);
        assert!(
            (c.kind)(&e.kind),
            "case `{}`: wrong rule {:?} ({e})",
            c.name,
            e.kind
        );
        assert_eq!(e.row, c.row, "case `{}`: wrong row ({e})", c.name);
        assert_eq!(
            e.column.as_deref(),
            c.column,
            "case `{}`: wrong column ({e})",
            c.name
        );
        let msg = e.to_string();
        assert!(
            msg.starts_with("data/party.csv"),
            "case `{}`: {msg}",
            c.name
        );
        if let Some(row) = c.row {
            assert!(
                msg.contains(&format!("row {row}")),
                "case `{}`: {msg}",
                c.name
            );
        }
        if let Some(col) = c.column {
            assert!(
                msg.contains(&format!("column `{col}`")),
                "case `{}`: {msg}",
                c.name
            );
        }
        // The redacted form, for logs, never quotes the cell.
        if let Some(v) = &e.value {
            if !v.is_empty() {
                assert!(
                    !e.redacted().contains(&format!("{v:?}")),
                    "case `{}`",
                    c.name
                );
            }
        }
    }
}

#[test]
fn quoted_values_in_errors_are_truncated() {
    let long = "1".repeat(200);
    let data = svb_with_row3(&SVB_ROW3.replacen("95000", &long, 1));
    let e = read_input_from(
        data.as_bytes(),
        Path::new("svb.csv"),
        &expected_schema(PartyId::SVB, LinkageMode::Aligned),
        PartyId::SVB,
        None,
    )
    .unwrap_err();
    assert!(e.value.as_ref().unwrap().chars().count() <= 41);
    assert!(e.to_string().len() < 300);
}
