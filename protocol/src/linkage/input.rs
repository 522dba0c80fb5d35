//! The owners' tables and their validation before linkage starts.
//!
//! SVB brings households (an applicant key and an optional partner key per row), UWV and
//! the Belastingdienst bring persons (one key per row); each also brings payload columns,
//! one `u64` per row per field, in the order the job's [`LinkageSpec`] lists them.
//! A key may occur at most once per table (for SVB: once over both key columns): several
//! rows per person (UWV's income relations) must be aggregated before linkage.
//! Validation runs at the owner before anything is sent; its errors name rows and
//! columns, never key values.
//!
//! [`LinkageSpec`]: super::LinkageSpec

use std::collections::HashMap;

use super::hash::Bsn;
use crate::PartyId;

/// The largest table (real plus dummy rows) linkage accepts.
pub const MAX_TABLE_ROWS: usize = 1 << 30;

/// One SVB household's keys: the applicant's BSN and, if any, the partner's (the household's
/// data is [`samen_circuits::aio::Household`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HouseholdKeys {
    /// The applicant's BSN.
    pub applicant: Bsn,
    /// The partner's BSN; `None` for a single-person household.
    pub partner: Option<Bsn>,
}

/// SVB's table: households and payload columns (`fields[f][row]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HouseholdTable {
    /// The households, in SVB's own order (the order of the revealed output).
    pub households: Vec<HouseholdKeys>,
    /// Payload columns, each with one value per household.
    pub fields: Vec<Vec<u64>>,
}

/// A person table (UWV or Belastingdienst): keys and payload columns (`fields[f][row]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonTable {
    /// One BSN per row, each at most once.
    pub persons: Vec<Bsn>,
    /// Payload columns, each with one value per person.
    pub fields: Vec<Vec<u64>>,
}

/// What one party brings to linkage: SVB (party 0) a household table, the others a
/// person table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkageInput {
    /// SVB's households.
    Households(HouseholdTable),
    /// UWV's or the Belastingdienst's persons.
    Persons(PersonTable),
}

/// Why an owner rejected its own table (locally, before linkage starts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkageInputError {
    /// SVB must bring households, the others persons.
    #[error("{party} must provide a {expected} table")]
    WrongTable {
        /// The party.
        party: PartyId,
        /// "household" or "person".
        expected: &'static str,
    },
    /// The number of payload columns differs from the job's.
    #[error("the job declares {expected} payload columns for {party}, the input has {got}")]
    FieldCount {
        /// The party.
        party: PartyId,
        /// Columns in the job.
        expected: usize,
        /// Columns given.
        got: usize,
    },
    /// A payload column has the wrong number of rows.
    #[error("payload column {field} has {got} rows, the table has {expected}")]
    FieldLength {
        /// Column index.
        field: usize,
        /// Rows of the table.
        expected: usize,
        /// Rows of the column.
        got: usize,
    },
    /// A key occurs twice in one table.
    #[error("duplicate key: the {column} of row {row} already occurs as the {first_column} of row {first_row}")]
    DuplicateKey {
        /// Row of the second occurrence (0-based).
        row: usize,
        /// Its key column ("key", "applicant" or "partner").
        column: &'static str,
        /// Row of the first occurrence.
        first_row: usize,
        /// Its key column.
        first_column: &'static str,
    },
    /// The table (with padding) exceeds [`MAX_TABLE_ROWS`].
    #[error("{rows} rows with padding exceed the limit of {limit}")]
    TooManyRows {
        /// Rows including padding.
        rows: usize,
        /// The limit.
        limit: usize,
    },
}

impl LinkageInput {
    /// Number of rows (households or persons).
    pub fn rows(&self) -> usize {
        match self {
            LinkageInput::Households(t) => t.households.len(),
            LinkageInput::Persons(t) => t.persons.len(),
        }
    }

    /// The payload columns.
    pub fn fields(&self) -> &[Vec<u64>] {
        match self {
            LinkageInput::Households(t) => &t.fields,
            LinkageInput::Persons(t) => &t.fields,
        }
    }

    /// Checks the table of `party` against the job: table kind, payload shape, no
    /// duplicate key, size limit with `padding` dummy rows.
    pub fn validate(
        &self,
        party: PartyId,
        fields: usize,
        padding: usize,
    ) -> Result<(), LinkageInputError> {
        match (self, party == PartyId::SVB) {
            (LinkageInput::Households(_), true) | (LinkageInput::Persons(_), false) => {}
            _ => {
                return Err(LinkageInputError::WrongTable {
                    party,
                    expected: if party == PartyId::SVB {
                        "household"
                    } else {
                        "person"
                    },
                })
            }
        }
        let rows = self.rows();
        let padded = rows.saturating_add(padding);
        if padded > MAX_TABLE_ROWS {
            return Err(LinkageInputError::TooManyRows {
                rows: padded,
                limit: MAX_TABLE_ROWS,
            });
        }
        if self.fields().len() != fields {
            return Err(LinkageInputError::FieldCount {
                party,
                expected: fields,
                got: self.fields().len(),
            });
        }
        for (field, col) in self.fields().iter().enumerate() {
            if col.len() != rows {
                return Err(LinkageInputError::FieldLength {
                    field,
                    expected: rows,
                    got: col.len(),
                });
            }
        }
        let mut seen: HashMap<Bsn, (usize, &'static str)> = HashMap::with_capacity(rows * 2);
        let mut check =
            |bsn: Bsn, row: usize, column: &'static str| match seen.insert(bsn, (row, column)) {
                Some((first_row, first_column)) => Err(LinkageInputError::DuplicateKey {
                    row,
                    column,
                    first_row,
                    first_column,
                }),
                None => Ok(()),
            };
        match self {
            LinkageInput::Households(t) => {
                for (row, h) in t.households.iter().enumerate() {
                    check(h.applicant, row, "applicant")?;
                    if let Some(p) = h.partner {
                        check(p, row, "partner")?;
                    }
                }
            }
            LinkageInput::Persons(t) => {
                for (row, &p) in t.persons.iter().enumerate() {
                    check(p, row, "key")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(v: u32) -> Bsn {
        Bsn::new(v).unwrap()
    }

    #[test]
    fn duplicates_and_shapes_are_rejected() {
        let ok = LinkageInput::Households(HouseholdTable {
            households: vec![
                HouseholdKeys {
                    applicant: b(1),
                    partner: Some(b(2)),
                },
                HouseholdKeys {
                    applicant: b(3),
                    partner: None,
                },
            ],
            fields: vec![vec![5, 6]],
        });
        assert_eq!(ok.validate(PartyId::SVB, 1, 0), Ok(()));
        assert!(matches!(
            ok.validate(PartyId::UWV, 1, 0),
            Err(LinkageInputError::WrongTable { .. })
        ));
        assert!(matches!(
            ok.validate(PartyId::SVB, 2, 0),
            Err(LinkageInputError::FieldCount { .. })
        ));
        assert!(matches!(
            ok.validate(PartyId::SVB, 1, MAX_TABLE_ROWS),
            Err(LinkageInputError::TooManyRows { .. })
        ));
        let dup = LinkageInput::Households(HouseholdTable {
            households: vec![
                HouseholdKeys {
                    applicant: b(1),
                    partner: Some(b(2)),
                },
                HouseholdKeys {
                    applicant: b(2),
                    partner: None,
                },
            ],
            fields: vec![],
        });
        let e = dup.validate(PartyId::SVB, 0, 0).unwrap_err();
        assert_eq!(
            e,
            LinkageInputError::DuplicateKey {
                row: 1,
                column: "applicant",
                first_row: 0,
                first_column: "partner"
            }
        );
        let self_partner = LinkageInput::Households(HouseholdTable {
            households: vec![HouseholdKeys {
                applicant: b(7),
                partner: Some(b(7)),
            }],
            fields: vec![],
        });
        assert!(self_partner.validate(PartyId::SVB, 0, 0).is_err());
        let persons = LinkageInput::Persons(PersonTable {
            persons: vec![b(1), b(1)],
            fields: vec![vec![0, 0]],
        });
        assert!(matches!(
            persons.validate(PartyId::UWV, 1, 0),
            Err(LinkageInputError::DuplicateKey {
                row: 1,
                first_row: 0,
                ..
            })
        ));
        let short = LinkageInput::Persons(PersonTable {
            persons: vec![b(1), b(2)],
            fields: vec![vec![0]],
        });
        assert!(matches!(
            short.validate(PartyId::BELASTINGDIENST, 1, 0),
            Err(LinkageInputError::FieldLength { .. })
        ));
    }
}
