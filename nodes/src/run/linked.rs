//! The linked mode at the node's boundary: this party's validated input file becomes its
//! table in protocol types ([`owner_table`], then
//! [`samen_protocol::job::linked::linkage_input`]), and the columns its input commitment
//! binds ([`commitment_columns`]). The protocol itself — linkage, the linked circuit,
//! the flags back in the SVB's order, and the numbers the linkage discloses — is
//! [`samen_protocol::job::linked`].

use std::collections::BTreeMap;

use samen_circuits::aio::PersonRecords;
use samen_protocol::evaluator::LocalInputs;
use samen_protocol::job::linked::OwnerTable;
use samen_protocol::job::LinkedCircuit;
use samen_protocol::linkage::{self, LinkageInput};
use samen_protocol::PartyId;

use crate::input::{BdInput, PartyInput, UwvInput};

/// Why a linked job cannot start at this node (found before anything is sent).
#[derive(Debug, thiserror::Error)]
pub enum LinkedError {
    /// The input is in the aligned layout but the job runs in the linked mode.
    #[error("the input of {0} is in the aligned layout (one row per SVB household); this job runs in the linked mode, which takes one row per person")]
    AlignedLayout(PartyId),
    /// A BSN outside nine digits (the input check should have caught it).
    #[error("row {row}: a BSN that is not nine digits")]
    Bsn {
        /// Row of the validated input (0-based).
        row: usize,
    },
}

fn bsn(b: crate::input::Bsn, row: usize) -> Result<linkage::Bsn, LinkedError> {
    linkage::Bsn::new(b.value()).ok_or(LinkedError::Bsn { row })
}

/// This party's table in protocol types, from its validated input: the keys, and the
/// SVB's household data or the person's records (the payload is computed from them by
/// [`samen_protocol::job::linked::linkage_input`]).
pub fn owner_table(input: &PartyInput) -> Result<OwnerTable, LinkedError> {
    let keys = |bsns: &mut dyn Iterator<Item = crate::input::Bsn>| {
        bsns.enumerate()
            .map(|(row, b)| bsn(b, row))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match input {
        PartyInput::Svb(svb) => {
            let mut households = Vec::with_capacity(svb.households.len());
            for (row, r) in svb.households.iter().enumerate() {
                households.push(linkage::HouseholdKeys {
                    applicant: bsn(r.applicant_bsn, row)?,
                    partner: r.partner_bsn.map(|p| bsn(p, row)).transpose()?,
                });
            }
            OwnerTable::Households {
                keys: households,
                records: svb.households.iter().map(|r| r.household.clone()).collect(),
            }
        }
        PartyInput::Uwv(UwvInput::Linked(persons)) => OwnerTable::Persons {
            keys: keys(&mut persons.iter().map(|p| p.bsn))?,
            records: persons
                .iter()
                .map(|p| PersonRecords {
                    uwv: p.income,
                    ..PersonRecords::default()
                })
                .collect(),
        },
        PartyInput::Bd(BdInput::Linked(persons)) => OwnerTable::Persons {
            keys: keys(&mut persons.iter().map(|p| p.bsn))?,
            records: persons
                .iter()
                .map(|p| PersonRecords {
                    bd: p.wealth,
                    ..PersonRecords::default()
                })
                .collect(),
        },
        PartyInput::Uwv(UwvInput::Aligned(_)) | PartyInput::Bd(BdInput::Aligned(_)) => {
            return Err(LinkedError::AlignedLayout(input.party()))
        }
    })
}

/// The columns the input commitment binds in the linked mode: the key columns
/// (`bsn`, or `applicant_bsn` and `partner_bsn` with 0 for none) and the payload columns
/// by the input of the linked circuit they feed; fed to
/// [`super::columns::canonical_input_bytes`].
pub fn commitment_columns(
    party: PartyId,
    input: &LinkageInput,
    circuit: &LinkedCircuit,
) -> LocalInputs {
    let mut out = BTreeMap::new();
    match input {
        LinkageInput::Households(t) => {
            out.insert(
                "applicant_bsn".to_string(),
                t.households
                    .iter()
                    .map(|h| u64::from(h.applicant.value()))
                    .collect(),
            );
            out.insert(
                "partner_bsn".to_string(),
                t.households
                    .iter()
                    .map(|h| h.partner.map_or(0, |p| u64::from(p.value())))
                    .collect(),
            );
        }
        LinkageInput::Persons(t) => {
            out.insert(
                "bsn".to_string(),
                t.persons.iter().map(|p| u64::from(p.value())).collect(),
            );
        }
    }
    for (f, col) in circuit.table_fields(party).into_iter().zip(input.fields()) {
        out.insert(f.input.clone(), col.clone());
    }
    out
}
