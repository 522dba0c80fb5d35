//! Input schemas: the columns each party's CSV file must have, their types, ranges and
//! widths. A job file carries one schema per party; the approvers see and sign it.
//!
//! Column types:
//! - `text`: an identifier of at most `max_len` characters from `A–Z a–z 0–9 . _ -`;
//! - `bsn`: a citizen service number, 9 digits passing the 11-test ([`super::bsn`]);
//! - `bool`: `0`/`1` (also `true`/`false`, `yes`/`no`, `ja`/`nee`, any case);
//! - `enum`: one of the listed `values`;
//! - `cents`: a whole number of euro cents in `min..=max`, carried in `bits` bits in the
//!   circuit (`max < 2^bits`).
//!
//! The schema in a job may narrow ranges and lengths, but its columns, types, widths and
//! required flags must be exactly those the circuit expects ([`expected_schema`],
//! checked by [`InputSchema::check_compatible`]).

use samen_protocol::PartyId;
use serde::{Deserialize, Serialize};

/// How records are matched across the parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkageMode {
    /// UWV and Belastingdienst files hold one row per SVB household, in SVB's order, with
    /// applicant and partner columns and no keys. Assumes the files were aligned
    /// beforehand; only row counts are checked.
    Aligned,
    /// Every party keys its rows by BSN; records are linked privately inside the job.
    Linked,
}

impl LinkageMode {
    /// `aligned` or `linked`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkageMode::Aligned => "aligned",
            LinkageMode::Linked => "linked",
        }
    }
}

/// What one row of a file stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowLayout {
    /// One row per household (SVB), keyed by `household_id`.
    Household,
    /// One row per income relation, keyed by `bsn` and `kind`; summed per BSN and kind.
    IncomeRelation,
    /// One row per person, keyed by `bsn`.
    Person,
    /// One row per SVB household in SVB's order, applicant and partner columns, no keys.
    AlignedHousehold,
}

impl RowLayout {
    /// A sentence for humans.
    pub fn describe(self) -> &'static str {
        match self {
            RowLayout::Household => "one row per household, keyed by household_id",
            RowLayout::IncomeRelation => {
                "one row per income relation, keyed by bsn; amounts summed per bsn and kind before the job"
            }
            RowLayout::Person => "one row per person, keyed by bsn",
            RowLayout::AlignedHousehold => {
                "one row per SVB household in SVB's row order (aligned beforehand), applicant and partner columns, no keys"
            }
        }
    }
}

/// The type of a column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// An identifier (restricted characters, bounded length).
    #[default]
    Text,
    /// A BSN (9 digits, 11-test).
    Bsn,
    /// A yes/no value.
    Bool,
    /// One of a fixed list of values.
    Enum,
    /// A whole number of euro cents.
    Cents,
}

/// One column of an input file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Column name, as in the CSV header.
    pub name: String,
    /// Column type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether every row must have a value (if not, empty means "none" or 0).
    pub required: bool,
    /// `cents`: smallest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// `cents`: largest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// `cents`: width in the circuit, in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// `text`: longest value, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// `enum`: the allowed values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// One party's input schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSchema {
    /// What one row stands for.
    pub rows: RowLayout,
    /// The columns (header order is free).
    pub columns: Vec<ColumnSpec>,
}

/// Household types of the AIO rules (AIO-RULES.md), as written in the SVB file.
pub const HOUSEHOLD_TYPES: [&str; 4] = [
    "single",
    "single_parent",
    "couple",
    "couple_partner_below_aow",
];
/// Income kinds in the UWV file.
pub const INCOME_KINDS: [&str; 3] = ["wages", "pension", "benefit"];

/// Largest monthly amount accepted (AOW, wages, pensions, benefits): the circuit's
/// declared range, below 2^32 cents (about €42.9 million a month).
pub const MAX_MONTHLY_CENTS: u64 = samen_circuits::aio::household::MAX_MONTHLY_CENTS - 1;
/// Circuit width of monthly amounts.
pub const MONTHLY_BITS: u32 = 32;
/// Largest wealth amount accepted (assets, debts, WOZ share, mortgage): the circuit's
/// declared range, below 2^40 cents (about €11 billion).
pub const MAX_WEALTH_CENTS: u64 = samen_circuits::aio::household::MAX_WEALTH_CENTS - 1;
/// Circuit width of wealth amounts.
pub const WEALTH_BITS: u32 = 40;
/// Longest household id.
pub const MAX_HOUSEHOLD_ID_LEN: u32 = 64;

fn col(name: &str, ty: ColumnType, required: bool) -> ColumnSpec {
    ColumnSpec {
        name: name.into(),
        ty,
        required,
        min: None,
        max: None,
        bits: None,
        max_len: None,
        values: None,
    }
}

fn cents(name: &str, required: bool, max: u64, bits: u32) -> ColumnSpec {
    ColumnSpec {
        min: Some(0),
        max: Some(max),
        bits: Some(bits),
        ..col(name, ColumnType::Cents, required)
    }
}

fn enumeration(name: &str, values: &[&str]) -> ColumnSpec {
    ColumnSpec {
        values: Some(values.iter().map(|v| v.to_string()).collect()),
        ..col(name, ColumnType::Enum, true)
    }
}

/// UWV income columns per person, in the aligned layout's order.
pub const UWV_ALIGNED_COLUMNS: [&str; 6] = [
    "applicant_wages_cents",
    "applicant_pension_cents",
    "applicant_benefit_cents",
    "partner_wages_cents",
    "partner_pension_cents",
    "partner_benefit_cents",
];
/// Belastingdienst wealth columns per person (linked layout).
pub const BD_PERSON_COLUMNS: [&str; 4] = [
    "assets_cents",
    "debts_cents",
    "woz_share_cents",
    "mortgage_cents",
];

/// The schema the AIO circuit expects from `party` in `mode`, with the widest ranges.
pub fn expected_schema(party: PartyId, mode: LinkageMode) -> InputSchema {
    use ColumnType::*;
    match (party.index(), mode) {
        (0, _) => InputSchema {
            rows: RowLayout::Household,
            columns: vec![
                ColumnSpec {
                    max_len: Some(MAX_HOUSEHOLD_ID_LEN),
                    ..col("household_id", Text, true)
                },
                col("applicant_bsn", Bsn, true),
                col("partner_bsn", Bsn, false),
                enumeration("household_type", &HOUSEHOLD_TYPES),
                col("aow_age_reached", Bool, true),
                col("lives_in_nl", Bool, true),
                col("already_aio", Bool, true),
                col("excluded", Bool, true),
                cents(
                    "aow_gross_applicant_cents",
                    true,
                    MAX_MONTHLY_CENTS,
                    MONTHLY_BITS,
                ),
                cents(
                    "aow_gross_partner_cents",
                    false,
                    MAX_MONTHLY_CENTS,
                    MONTHLY_BITS,
                ),
            ],
        },
        (1, LinkageMode::Linked) => InputSchema {
            rows: RowLayout::IncomeRelation,
            columns: vec![
                col("bsn", Bsn, true),
                enumeration("kind", &INCOME_KINDS),
                cents("monthly_gross_cents", true, MAX_MONTHLY_CENTS, MONTHLY_BITS),
            ],
        },
        (1, LinkageMode::Aligned) => InputSchema {
            rows: RowLayout::AlignedHousehold,
            columns: UWV_ALIGNED_COLUMNS
                .iter()
                .map(|c| {
                    cents(
                        c,
                        c.starts_with("applicant"),
                        MAX_MONTHLY_CENTS,
                        MONTHLY_BITS,
                    )
                })
                .collect(),
        },
        (_, LinkageMode::Linked) => InputSchema {
            rows: RowLayout::Person,
            columns: std::iter::once(col("bsn", Bsn, true))
                .chain(
                    BD_PERSON_COLUMNS
                        .iter()
                        .map(|c| cents(c, true, MAX_WEALTH_CENTS, WEALTH_BITS)),
                )
                .collect(),
        },
        (_, LinkageMode::Aligned) => InputSchema {
            rows: RowLayout::AlignedHousehold,
            columns: ["applicant", "partner"]
                .iter()
                .flat_map(|who| {
                    BD_PERSON_COLUMNS.iter().map(move |c| {
                        cents(
                            &format!("{who}_{c}"),
                            *who == "applicant",
                            MAX_WEALTH_CENTS,
                            WEALTH_BITS,
                        )
                    })
                })
                .collect(),
        },
    }
}

impl InputSchema {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Checks that this schema is usable for the circuit: the same layout and columns
    /// (names, types, widths, required flags, enum values) as `expected`, with ranges and
    /// lengths inside the expected ones. The error names the first problem.
    pub fn check_compatible(&self, expected: &InputSchema) -> Result<(), SchemaMismatch> {
        if self.rows != expected.rows {
            return Err(SchemaMismatch::Rows {
                found: self.rows,
                expected: expected.rows,
            });
        }
        for (i, c) in self.columns.iter().enumerate() {
            if self.columns[..i].iter().any(|d| d.name == c.name) {
                return Err(SchemaMismatch::Duplicate(c.name.clone()));
            }
            if expected.column(&c.name).is_none() {
                return Err(SchemaMismatch::NotAnInput(c.name.clone()));
            }
        }
        for e in &expected.columns {
            let c = self
                .column(&e.name)
                .ok_or_else(|| SchemaMismatch::Missing(e.name.clone()))?;
            let what = |what: &'static str| SchemaMismatch::Differs {
                column: e.name.clone(),
                what,
            };
            if c.ty != e.ty {
                return Err(what("type"));
            }
            if c.required != e.required {
                return Err(what("required"));
            }
            if c.bits != e.bits {
                return Err(what("bits"));
            }
            if c.values != e.values {
                return Err(what("the list of values"));
            }
            if e.ty == ColumnType::Cents {
                let (min, max) = (
                    c.min.ok_or_else(|| what("min"))?,
                    c.max.ok_or_else(|| what("max"))?,
                );
                let (lo, hi) = (e.min.unwrap_or(0), e.max.unwrap_or(u64::MAX));
                if min < lo || max > hi || min > max {
                    return Err(SchemaMismatch::Range {
                        column: e.name.clone(),
                        min,
                        max,
                        lo,
                        hi,
                    });
                }
            } else if c.min.is_some() || c.max.is_some() {
                return Err(SchemaMismatch::RangeOnNonCents(e.name.clone()));
            }
            match (c.max_len, e.max_len) {
                (None, None) => {}
                (Some(l), Some(m)) if l >= 1 && l <= m => {}
                _ => return Err(what("max_len")),
            }
        }
        Ok(())
    }
}

/// Why a job's input schema does not fit the circuit ([`InputSchema::check_compatible`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaMismatch {
    /// The row layout differs.
    #[error("rows are {found:?}, the circuit expects {expected:?}")]
    Rows {
        /// The schema's layout.
        found: RowLayout,
        /// The circuit's.
        expected: RowLayout,
    },
    /// A column is listed twice.
    #[error("column `{0}` is listed twice")]
    Duplicate(String),
    /// A column the circuit does not read.
    #[error("column `{0}` is not an input of the circuit")]
    NotAnInput(String),
    /// A column the circuit reads is missing.
    #[error("column `{0}` is missing")]
    Missing(String),
    /// A property of a column differs from the circuit's.
    #[error("column `{column}`: {what} differs from what the circuit expects")]
    Differs {
        /// The column.
        column: String,
        /// The property (`type`, `required`, `bits`, …).
        what: &'static str,
    },
    /// A cents column's range is not inside the circuit's.
    #[error("column `{column}`: range {min}..={max} is not inside {lo}..={hi}")]
    Range {
        /// The column.
        column: String,
        /// The schema's minimum.
        min: u64,
        /// The schema's maximum.
        max: u64,
        /// The circuit's minimum.
        lo: u64,
        /// The circuit's maximum.
        hi: u64,
    },
    /// `min`/`max` on a column that is not cents.
    #[error("column `{0}`: min and max apply to cents columns only")]
    RangeOnNonCents(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_schemas_are_compatible_with_themselves() {
        for party in PartyId::ALL {
            for mode in [LinkageMode::Aligned, LinkageMode::Linked] {
                let s = expected_schema(party, mode);
                s.check_compatible(&s).unwrap();
                for c in &s.columns {
                    if let (Some(max), Some(bits)) = (c.max, c.bits) {
                        assert!(bits < 64 && max == (1u64 << bits) - 1, "{}", c.name);
                    }
                }
            }
        }
    }

    #[test]
    fn narrowing_is_allowed_widening_is_not() {
        let e = expected_schema(PartyId::UWV, LinkageMode::Linked);
        let mut s = e.clone();
        s.columns[2].max = Some(500_000);
        s.check_compatible(&e).unwrap();
        s.columns[2].max = Some(MAX_MONTHLY_CENTS + 1);
        assert!(s.check_compatible(&e).is_err());
        let mut s = e.clone();
        s.columns[0].required = false;
        assert!(s.check_compatible(&e).is_err());
        let mut s = e.clone();
        s.columns.pop();
        assert!(s
            .check_compatible(&e)
            .unwrap_err()
            .to_string()
            .contains("missing"));
    }
}
