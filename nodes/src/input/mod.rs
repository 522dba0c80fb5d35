//! Input files: each party's CSV, validated against the job's schema before anything is
//! sent, and turned into typed rows ready for sharing.
//!
//! | party | layout (linked) | layout (aligned) |
//! | --- | --- | --- |
//! | SVB | one row per household: `household_id`, `applicant_bsn`, `partner_bsn` (or empty), `household_type`, `aow_age_reached`, `lives_in_nl`, `already_aio`, `excluded`, `aow_gross_applicant_cents`, `aow_gross_partner_cents` | the same |
//! | UWV | one row per income relation: `bsn`, `kind` (`wages`, `pension`, `benefit`), `monthly_gross_cents`; summed per BSN and kind | one row per SVB household: `applicant_{wages,pension,benefit}_cents`, `partner_…` |
//! | Belastingdienst | one row per person: `bsn`, `assets_cents`, `debts_cents`, `woz_share_cents`, `mortgage_cents` | one row per SVB household: `applicant_assets_cents`, …, `partner_mortgage_cents` |
//!
//! Validation ([`read_input`]) checks the header (unknown, duplicate and missing
//! columns), every cell (types, ranges, lengths, BSN 11-test, missing values), keys
//! (duplicate household ids; a BSN at most once across SVB's two BSN columns, once per
//! Belastingdienst file), cross-column rules (a couple has a partner, a single does not),
//! UWV sums (no overflow, within the column's range) and row counts. The first problem
//! stops validation with an [`InputError`] naming file, row, column and rule. Nothing is
//! written and nothing is sent.
//!
//! Nothing here logs; error messages may quote a cell of the party's own file
//! ([`InputError::redacted`] does not).

pub mod bsn;
pub mod csv;
pub mod error;
mod parse;
mod records;
pub mod schema;
pub mod write;

pub use bsn::Bsn;
pub use error::{InputError, InputErrorKind};
pub use parse::{read_input, read_input_from};
pub use records::{
    household_type_name, BdInput, BdPerson, ColumnSummary, IncomeKind, IncomeRelation,
    InputSummary, PartyInput, PersonPair, SvbInput, SvbRecord, UwvInput, UwvPerson, ValidatedInput,
};

pub use samen_circuits::aio::{BdWealth, Household, HouseholdType, SvbHousehold, UwvIncome};
