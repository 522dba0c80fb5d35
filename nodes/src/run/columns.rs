//! From a validated input file to the circuit's input columns of one party.
//!
//! In the aligned mode every party's file has one row per SVB household, in the SVB's
//! order; row `r` of every column belongs to household `r`. The names and meaning of the
//! columns are those of [`samen_circuits::aio::circuit::INPUTS`].
//!
//! The canonical input bytes (what the input commitment in the transcript binds) are the
//! party's columns in circuit order: for each column its name, a zero byte, the row count
//! as u64 little-endian and the words little-endian.

use samen_circuits::aio::{self, Household};
use samen_protocol::evaluator::LocalInputs;
use samen_protocol::PartyId;

use crate::input::{BdInput, PartyInput, UwvInput};

/// Why an input cannot be turned into circuit columns.
#[derive(Debug, thiserror::Error)]
pub enum ColumnsError {
    /// The input is in the linked layout but the job runs in the aligned mode (or the
    /// other way round).
    #[error(
        "the input of {0} is in the per-person (linked) layout; this job runs in the aligned mode"
    )]
    LinkedLayout(PartyId),
}

/// Households holding only this party's fields (the rest zero), one per row.
pub fn partial_households(input: &PartyInput) -> Result<Vec<Household>, ColumnsError> {
    Ok(match input {
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
            .map(|p| {
                let mut h = Household::default();
                h.applicant.uwv = p.applicant;
                h.partner.uwv = p.partner;
                h
            })
            .collect(),
        PartyInput::Bd(BdInput::Aligned(rows)) => rows
            .iter()
            .map(|p| {
                let mut h = Household::default();
                h.applicant.bd = p.applicant;
                h.partner.bd = p.partner;
                h
            })
            .collect(),
        PartyInput::Uwv(UwvInput::Linked(_)) | PartyInput::Bd(BdInput::Linked(_)) => {
            return Err(ColumnsError::LinkedLayout(input.party()))
        }
    })
}

/// This party's circuit input columns, and the number of rows.
pub fn local_columns(input: &PartyInput) -> Result<(usize, LocalInputs), ColumnsError> {
    let households = partial_households(input)?;
    let columns = aio::circuit::input_columns_of(Some(input.party()), &households);
    Ok((households.len(), columns.into_iter().collect()))
}

/// The canonical bytes of a party's columns (see the module documentation), fed to `sink`
/// piece by piece so that no second copy of the input is made.
pub fn canonical_input_bytes(columns: &LocalInputs, mut sink: impl FnMut(&[u8])) {
    for (name, words) in columns {
        sink(name.as_bytes());
        sink(&[0]);
        sink(&(words.len() as u64).to_le_bytes());
        for chunk in words.chunks(4096) {
            sink(&samen_protocol::wire::encode_words(chunk));
        }
    }
}
