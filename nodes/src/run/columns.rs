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
    partial_households_in(input, 0..usize::MAX)
}

/// Rows of this party's table (households in the aligned layout).
fn row_count(input: &PartyInput) -> Result<usize, ColumnsError> {
    Ok(match input {
        PartyInput::Svb(s) => s.households.len(),
        PartyInput::Uwv(UwvInput::Aligned(rows)) => rows.len(),
        PartyInput::Bd(BdInput::Aligned(rows)) => rows.len(),
        PartyInput::Uwv(UwvInput::Linked(_)) | PartyInput::Bd(BdInput::Linked(_)) => {
            return Err(ColumnsError::LinkedLayout(input.party()))
        }
    })
}

/// [`partial_households`] of the rows in `range` (clipped to the table).
fn partial_households_in(
    input: &PartyInput,
    range: std::ops::Range<usize>,
) -> Result<Vec<Household>, ColumnsError> {
    fn clip<T>(rows: &[T], range: std::ops::Range<usize>) -> &[T] {
        let end = range.end.min(rows.len());
        &rows[range.start.min(end)..end]
    }
    Ok(match input {
        PartyInput::Svb(s) => clip(&s.households, range)
            .iter()
            .map(|r| Household {
                svb: r.household.clone(),
                ..Household::default()
            })
            .collect(),
        PartyInput::Uwv(UwvInput::Aligned(rows)) => clip(rows, range)
            .iter()
            .map(|p| {
                let mut h = Household::default();
                h.applicant.uwv = p.applicant;
                h.partner.uwv = p.partner;
                h
            })
            .collect(),
        PartyInput::Bd(BdInput::Aligned(rows)) => clip(rows, range)
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

/// Rows converted at a time by [`local_columns`]: the households of one block are the only
/// temporary copy of the input, instead of one `Household` per row for the whole table
/// (one `Household` per row).
const BLOCK_ROWS: usize = 1 << 16;

/// This party's circuit input columns, and the number of rows.
pub fn local_columns(input: &PartyInput) -> Result<(usize, LocalInputs), ColumnsError> {
    let rows = row_count(input)?;
    let mut columns = LocalInputs::new();
    for start in (0..rows.max(1)).step_by(BLOCK_ROWS) {
        let households = partial_households_in(input, start..start + BLOCK_ROWS)?;
        for (name, block) in aio::circuit::input_columns_of(Some(input.party()), &households) {
            columns
                .entry(name)
                .or_insert_with(|| Vec::with_capacity(rows))
                .extend_from_slice(&block);
        }
    }
    Ok((rows, columns))
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
