//! The typed rows of the three parties' files after validation ([`super::read_input`]):
//! what the rest of the node (sharing, the synthetic-data writer) works with.

use samen_protocol::PartyId;

use super::bsn::Bsn;
use super::schema;
use samen_circuits::aio::{BdWealth, Household, HouseholdType, SvbHousehold, UwvIncome};

/// The name of a household type in the SVB file ([`schema::HOUSEHOLD_TYPES`]).
pub fn household_type_name(t: HouseholdType) -> &'static str {
    schema::HOUSEHOLD_TYPES[usize::from(t.code())]
}

/// One row of the SVB file: the household's keys and what the SVB knows about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SvbRecord {
    /// SVB's own household identifier.
    pub household_id: String,
    /// The applicant's BSN.
    pub applicant_bsn: Bsn,
    /// The partner's BSN, if there is a partner.
    pub partner_bsn: Option<Bsn>,
    /// Household type, eligibility bits and AOW amounts, as the circuit takes them.
    pub household: SvbHousehold,
}

/// The SVB's validated input: households in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SvbInput {
    /// One entry per household, in the file's order (output comes back in this order).
    pub households: Vec<SvbRecord>,
}

/// A value for the applicant and one for the partner of one household.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PersonPair<T> {
    /// The applicant's value.
    pub applicant: T,
    /// The partner's value (zeros without a partner).
    pub partner: T,
}

/// A kind of income relation in the UWV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IncomeKind {
    /// Wages.
    Wages,
    /// Pension or annuity.
    Pension,
    /// UWV benefit.
    Benefit,
}

impl IncomeKind {
    /// All kinds, in the order of [`schema::INCOME_KINDS`].
    pub const ALL: [IncomeKind; 3] = [IncomeKind::Wages, IncomeKind::Pension, IncomeKind::Benefit];

    /// The name used in the UWV file.
    pub fn as_str(self) -> &'static str {
        schema::INCOME_KINDS[self as usize]
    }
}

impl IncomeKind {
    /// The amount of this kind in `income`.
    pub fn amount(self, income: &UwvIncome) -> u64 {
        match self {
            IncomeKind::Wages => income.wages_cents,
            IncomeKind::Pension => income.pensions_cents,
            IncomeKind::Benefit => income.benefits_cents,
        }
    }

    /// The amount of this kind in `income`, mutably.
    pub fn amount_mut(self, income: &mut UwvIncome) -> &mut u64 {
        match self {
            IncomeKind::Wages => &mut income.wages_cents,
            IncomeKind::Pension => &mut income.pensions_cents,
            IncomeKind::Benefit => &mut income.benefits_cents,
        }
    }
}

/// One person's summed UWV income (linked mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UwvPerson {
    /// The person.
    pub bsn: Bsn,
    /// Their income, summed over their rows per kind.
    pub income: UwvIncome,
}

/// One income relation: a row of the UWV file in linked layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IncomeRelation {
    /// The person.
    pub bsn: Bsn,
    /// What kind of income.
    pub kind: IncomeKind,
    /// Monthly gross amount.
    pub monthly_gross_cents: u64,
}

/// The UWV's validated input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UwvInput {
    /// Linked layout: one entry per person, in order of first appearance, rows summed.
    Linked(Vec<UwvPerson>),
    /// Aligned layout: one entry per SVB household, in the file's order.
    Aligned(Vec<PersonPair<UwvIncome>>),
}

/// One person's Belastingdienst data (linked mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BdPerson {
    /// The person.
    pub bsn: Bsn,
    /// Their wealth data.
    pub wealth: BdWealth,
}

/// The Belastingdienst's validated input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BdInput {
    /// Linked layout: one entry per person, in the file's order.
    Linked(Vec<BdPerson>),
    /// Aligned layout: one entry per SVB household, in the file's order.
    Aligned(Vec<PersonPair<BdWealth>>),
}

/// One party's validated input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartyInput {
    /// SVB.
    Svb(SvbInput),
    /// UWV.
    Uwv(UwvInput),
    /// Belastingdienst.
    Bd(BdInput),
}

impl PartyInput {
    /// The party whose input this is.
    pub fn party(&self) -> PartyId {
        match self {
            PartyInput::Svb(_) => PartyId::SVB,
            PartyInput::Uwv(_) => PartyId::UWV,
            PartyInput::Bd(_) => PartyId::BELASTINGDIENST,
        }
    }

    /// Entries after validation (households, persons, or aligned rows).
    pub fn len(&self) -> usize {
        match self {
            PartyInput::Svb(s) => s.households.len(),
            PartyInput::Uwv(UwvInput::Linked(v)) => v.len(),
            PartyInput::Uwv(UwvInput::Aligned(v)) => v.len(),
            PartyInput::Bd(BdInput::Linked(v)) => v.len(),
            PartyInput::Bd(BdInput::Aligned(v)) => v.len(),
        }
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// This party's rows as AIO households with only this party's fields filled (all
    /// others zero), one per household in file order: what
    /// `samen_circuits::aio::circuit::input_columns_of(Some(party), …)` takes. `None` for
    /// linked-layout UWV and Belastingdienst inputs, which are keyed by person, not by
    /// household. SVB input works in both modes.
    pub fn aligned_households(&self) -> Option<Vec<Household>> {
        use samen_circuits::aio::PersonRecords;
        let pair = |a: PersonRecords, p: PersonRecords| Household {
            applicant: a,
            partner: p,
            ..Household::default()
        };
        Some(match self {
            PartyInput::Svb(s) => s
                .households
                .iter()
                .map(|r| Household {
                    svb: r.household.clone(),
                    ..Household::default()
                })
                .collect(),
            PartyInput::Uwv(UwvInput::Aligned(rows)) => rows
                .iter()
                .map(|r| {
                    pair(
                        PersonRecords {
                            uwv: r.applicant,
                            ..Default::default()
                        },
                        PersonRecords {
                            uwv: r.partner,
                            ..Default::default()
                        },
                    )
                })
                .collect(),
            PartyInput::Bd(BdInput::Aligned(rows)) => rows
                .iter()
                .map(|r| {
                    pair(
                        PersonRecords {
                            bd: r.applicant,
                            ..Default::default()
                        },
                        PersonRecords {
                            bd: r.partner,
                            ..Default::default()
                        },
                    )
                })
                .collect(),
            PartyInput::Uwv(UwvInput::Linked(_)) | PartyInput::Bd(BdInput::Linked(_)) => {
                return None
            }
        })
    }
}

/// Statistics of one column, for `samen input check`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnSummary {
    /// The column.
    pub name: String,
    /// Its type.
    pub ty: schema::ColumnType,
    /// Whether the column was in the header.
    pub present: bool,
    /// Rows with a value.
    pub filled: u64,
    /// Rows without a value.
    pub empty: u64,
    /// Smallest value (cents columns).
    pub min: Option<u64>,
    /// Largest value (cents columns).
    pub max: Option<u64>,
    /// Rows with value 1 (bool columns).
    pub trues: u64,
    /// Rows per value (enum columns), in the schema's order.
    pub value_counts: Vec<(String, u64)>,
}

/// What validation saw, for `samen input check`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputSummary {
    /// Data rows in the file.
    pub rows: u64,
    /// Entries after validation (persons after UWV aggregation).
    pub entries: u64,
    /// The separator, `,` or `;`.
    pub delimiter: char,
    /// One entry per schema column.
    pub columns: Vec<ColumnSummary>,
}

/// A validated input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedInput {
    /// The typed rows.
    pub input: PartyInput,
    /// Statistics.
    pub summary: InputSummary,
}
