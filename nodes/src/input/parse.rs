//! Typed validation of one party's CSV file against its input schema.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use samen_protocol::PartyId;

use super::bsn::{self, Bsn};
use super::csv::CsvReader;
use super::error::{InputError, InputErrorKind as K};
use super::records::*;
use super::schema::{ColumnSpec, InputSchema, RowLayout, BD_PERSON_COLUMNS, UWV_ALIGNED_COLUMNS};
use crate::job::Job;
use samen_circuits::aio::{BdWealth, HouseholdType, SvbHousehold, UwvIncome};

/// Validates `path` as `party`'s input for `job` (schema, linkage mode and, in aligned
/// mode, the job's household count).
pub fn read_input(job: &Job, party: PartyId, path: &Path) -> Result<ValidatedInput, InputError> {
    let file =
        std::fs::File::open(path).map_err(|e| InputError::new(path, K::Io(e.to_string())))?;
    read_input_from(
        file,
        path,
        job.inputs.of(party),
        party,
        job.linkage.households,
    )
}

/// Validates CSV bytes from `reader` as `party`'s input under `schema`; `file` names the
/// file in errors; with `expected_rows`, the number of data rows must match.
pub fn read_input_from(
    reader: impl Read,
    file: &Path,
    schema: &InputSchema,
    party: PartyId,
    expected_rows: Option<u64>,
) -> Result<ValidatedInput, InputError> {
    let mut p = Parser::new(BufReader::with_capacity(64 * 1024, reader), file, schema)?;
    p.reserve = expected_rows.map_or(0, |n| n.min(MAX_RESERVED_ROWS) as usize);
    let input = match (party.index(), schema.rows) {
        (0, RowLayout::Household) => PartyInput::Svb(parse_svb(&mut p)?),
        (1, RowLayout::IncomeRelation) => {
            PartyInput::Uwv(UwvInput::Linked(parse_uwv_linked(&mut p)?))
        }
        (1, RowLayout::AlignedHousehold) => {
            PartyInput::Uwv(UwvInput::Aligned(parse_uwv_aligned(&mut p)?))
        }
        (2, RowLayout::Person) => PartyInput::Bd(BdInput::Linked(parse_bd_linked(&mut p)?)),
        (2, RowLayout::AlignedHousehold) => {
            PartyInput::Bd(BdInput::Aligned(parse_bd_aligned(&mut p)?))
        }
        _ => {
            return Err(InputError::new(
                file,
                K::Inconsistent(format!(
                    "the schema's row layout {:?} is not one of {}'s",
                    schema.rows,
                    party.agency()
                )),
            ))
        }
    };
    if p.rows == 0 {
        return Err(InputError::new(file, K::NoRows));
    }
    if let Some(expected) = expected_rows {
        if p.rows != expected {
            return Err(InputError::new(
                file,
                K::RowCount {
                    expected,
                    found: p.rows,
                },
            ));
        }
    }
    let summary = InputSummary {
        rows: p.rows,
        entries: input.len() as u64,
        delimiter: p.csv.delimiter() as char,
        columns: p.stats,
    };
    Ok(ValidatedInput { input, summary })
}

/// Maps keyed by BSN and by household id with a fast multiplicative hash instead of
/// SipHash. The keys come from the party's own file, so collisions crafted against this
/// hash could only slow the party's own check.
type BsnMap<V> = HashMap<Bsn, V, std::hash::BuildHasherDefault<FastHasher>>;
type IdMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<FastHasher>>;

/// Multiply-rotate hashing (Fibonacci constant); one multiplication per `u32`.
#[derive(Default)]
struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Column `id` refers to `schema.columns[id]`.
type ColumnId = usize;

struct Parser<'s, R> {
    csv: CsvReader<R>,
    file: std::path::PathBuf,
    schema: &'s InputSchema,
    /// Position in the header of each schema column (None: absent, always empty).
    position: Vec<Option<usize>>,
    header_len: usize,
    line: u64,
    rows: u64,
    stats: Vec<ColumnSummary>,
    /// Rows to reserve up front for a per-household table: the job's household count,
    /// capped at [`MAX_RESERVED_ROWS`] (0 when the job does not fix it).
    reserve: usize,
}

/// The most rows reserved from the job's household count before any row is read; beyond
/// it the table grows as rows arrive, so a job file cannot make a node allocate for rows
/// that are not there. Reserving saves the doubling growth's copies and slack: at 1M
/// households the SVB's records (64 bytes a row) take 64 MB, where growing them ended in a
/// 67 MB buffer copied from a 34 MB one.
const MAX_RESERVED_ROWS: u64 = 1 << 22;

impl<'s, R: BufRead> Parser<'s, R> {
    fn new(reader: R, file: &Path, schema: &'s InputSchema) -> Result<Self, InputError> {
        let mut csv = CsvReader::new(reader, file);
        let header = csv.header()?;
        let err = |kind, col: &str| InputError::new(file, kind).at_row(1).in_column(col);
        let mut position = vec![None; schema.columns.len()];
        for (i, name) in header.iter().enumerate() {
            if name.is_empty() {
                return Err(InputError::new(file, K::EmptyColumnName).at_row(1));
            }
            let id = schema
                .columns
                .iter()
                .position(|c| &c.name == name)
                .ok_or_else(|| err(K::UnknownColumn, name))?;
            if position[id].is_some() {
                return Err(err(K::DuplicateColumn, name));
            }
            position[id] = Some(i);
        }
        for (c, pos) in schema.columns.iter().zip(&position) {
            if c.required && pos.is_none() {
                return Err(err(K::MissingColumn, &c.name));
            }
        }
        let stats = schema
            .columns
            .iter()
            .zip(&position)
            .map(|(c, pos)| ColumnSummary {
                name: c.name.clone(),
                ty: c.ty,
                present: pos.is_some(),
                value_counts: c.values.iter().flatten().map(|v| (v.clone(), 0)).collect(),
                ..ColumnSummary::default()
            })
            .collect();
        Ok(Parser {
            csv,
            file: file.to_path_buf(),
            schema,
            position,
            header_len: header.len(),
            line: 1,
            rows: 0,
            stats,
            reserve: 0,
        })
    }

    /// The id of the schema column `name` (the schema was checked against the circuit's).
    fn id(&self, name: &str) -> Result<ColumnId, InputError> {
        self.schema
            .columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                InputError::new(
                    &self.file,
                    K::Inconsistent(format!("the job's schema lacks column `{name}`")),
                )
            })
    }

    /// Advances to the next data row; false at end of file.
    fn next(&mut self) -> Result<bool, InputError> {
        match self.csv.next_record()? {
            None => Ok(false),
            Some(line) => {
                self.line = line;
                self.rows += 1;
                let found = self.csv.fields().len();
                if found != self.header_len {
                    return Err(self.err(K::FieldCount {
                        expected: self.header_len,
                        found,
                    }));
                }
                Ok(true)
            }
        }
    }

    fn err(&self, kind: K) -> InputError {
        InputError::new(&self.file, kind).at_row(self.line)
    }

    fn cell_err(&self, id: ColumnId, kind: K) -> InputError {
        let e = self.err(kind).in_column(&self.schema.columns[id].name);
        match self.position[id] {
            Some(pos) => e.with_value(&self.csv.fields()[pos]),
            None => e,
        }
    }

    /// The header position of the cell when it has a value, `None` when it is empty
    /// (an error when empty and required).
    fn present(&mut self, id: ColumnId) -> Result<Option<usize>, InputError> {
        match self.position[id] {
            Some(pos) if !self.csv.fields()[pos].is_empty() => {
                self.stats[id].filled += 1;
                Ok(Some(pos))
            }
            _ if self.schema.columns[id].required => Err(self.cell_err(id, K::MissingValue)),
            _ => {
                self.stats[id].empty += 1;
                Ok(None)
            }
        }
    }

    fn spec(&self, id: ColumnId) -> &'s ColumnSpec {
        &self.schema.columns[id]
    }

    fn cents(&mut self, id: ColumnId) -> Result<Option<u64>, InputError> {
        let Some(pos) = self.present(id)? else {
            return Ok(None);
        };
        let s = &self.csv.fields()[pos];
        let (min, max) = (
            self.spec(id).min.unwrap_or(0),
            self.spec(id).max.unwrap_or(u64::MAX),
        );
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.cell_err(id, K::NotAnInteger));
        }
        let value = match s.parse::<u64>() {
            Ok(v) if v >= min && v <= max => v,
            _ => return Err(self.cell_err(id, K::OutOfRange { min, max })),
        };
        let st = &mut self.stats[id];
        st.min = Some(st.min.map_or(value, |m| m.min(value)));
        st.max = Some(st.max.map_or(value, |m| m.max(value)));
        Ok(Some(value))
    }

    fn cents_or_zero(&mut self, id: ColumnId) -> Result<u64, InputError> {
        Ok(self.cents(id)?.unwrap_or(0))
    }

    fn boolean(&mut self, id: ColumnId) -> Result<Option<bool>, InputError> {
        let Some(pos) = self.present(id)? else {
            return Ok(None);
        };
        let s = &self.csv.fields()[pos];
        let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(s));
        let value = if is(&["1", "true", "yes", "ja", "j", "y"]) {
            true
        } else if is(&["0", "false", "no", "nee", "n"]) {
            false
        } else {
            return Err(self.cell_err(id, K::NotABool));
        };
        self.stats[id].trues += u64::from(value);
        Ok(Some(value))
    }

    fn choice(&mut self, id: ColumnId) -> Result<Option<usize>, InputError> {
        let Some(pos) = self.present(id)? else {
            return Ok(None);
        };
        let s = &self.csv.fields()[pos];
        let values = self.spec(id).values.as_deref().unwrap_or_default();
        match values.iter().position(|v| v.eq_ignore_ascii_case(s)) {
            Some(i) => {
                self.stats[id].value_counts[i].1 += 1;
                Ok(Some(i))
            }
            None => {
                let allowed = values.to_vec();
                Err(self.cell_err(id, K::NotInEnum { allowed }))
            }
        }
    }

    fn text(&mut self, id: ColumnId) -> Result<Option<String>, InputError> {
        let max = self.spec(id).max_len.unwrap_or(u32::MAX);
        let Some(pos) = self.present(id)? else {
            return Ok(None);
        };
        let s = &self.csv.fields()[pos];
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(self.cell_err(id, K::BadCharacters));
        }
        if s.len() > max as usize {
            return Err(self.cell_err(id, K::TooLong { max }));
        }
        Ok(Some(s.to_string()))
    }

    fn bsn(&mut self, id: ColumnId) -> Result<Option<Bsn>, InputError> {
        let Some(pos) = self.present(id)? else {
            return Ok(None);
        };
        let s = &self.csv.fields()[pos];
        match Bsn::parse(s) {
            Ok(b) => Ok(Some(b)),
            Err(bsn::BsnError::Format) => Err(self.cell_err(id, K::BsnFormat)),
            Err(bsn::BsnError::CheckDigit) => Err(self.cell_err(id, K::BsnCheck)),
        }
    }

    /// A required cell: the schema guarantees `required`, so `None` cannot come back;
    /// this turns the impossible case into an error rather than a panic.
    fn need<T>(&self, id: ColumnId, v: Option<T>) -> Result<T, InputError> {
        v.ok_or_else(|| self.cell_err(id, K::MissingValue))
    }
}

fn parse_svb<R: BufRead>(p: &mut Parser<'_, R>) -> Result<SvbInput, InputError> {
    let c_id = p.id("household_id")?;
    let c_app = p.id("applicant_bsn")?;
    let c_par = p.id("partner_bsn")?;
    let c_type = p.id("household_type")?;
    let c_flags = [
        p.id("aow_age_reached")?,
        p.id("lives_in_nl")?,
        p.id("already_aio")?,
        p.id("excluded")?,
    ];
    let c_aow_a = p.id("aow_gross_applicant_cents")?;
    let c_aow_p = p.id("aow_gross_partner_cents")?;

    let mut ids: IdMap<u64> = IdMap::default();
    let mut bsns: BsnMap<(u64, ColumnId)> = BsnMap::default();
    let mut households = Vec::with_capacity(p.reserve);
    while p.next()? {
        let household_id = p.text(c_id)?;
        let household_id = p.need(c_id, household_id)?;
        let applicant_bsn = p.bsn(c_app)?;
        let applicant_bsn = p.need(c_app, applicant_bsn)?;
        let partner_bsn = p.bsn(c_par)?;
        let ty = p.choice(c_type)?;
        let household_type = HouseholdType::ALL[p.need(c_type, ty)?];
        let mut flags = [false; 4];
        for (f, c) in flags.iter_mut().zip(c_flags) {
            let v = p.boolean(c)?;
            *f = p.need(c, v)?;
        }
        let aow_a = p.cents(c_aow_a)?;
        let aow_gross_applicant_cents = p.need(c_aow_a, aow_a)?;
        let aow_gross_partner_cents = p.cents_or_zero(c_aow_p)?;

        match (household_type.is_couple(), partner_bsn.is_some()) {
            (true, false) => {
                return Err(p.cell_err(
                    c_par,
                    K::Inconsistent(format!(
                        "household type `{}` needs a partner BSN",
                        household_type_name(household_type)
                    )),
                ))
            }
            (false, true) => {
                return Err(p.cell_err(
                    c_par,
                    K::Inconsistent(format!(
                        "household type `{}` has no partner; leave partner_bsn empty",
                        household_type_name(household_type)
                    )),
                ))
            }
            _ => {}
        }
        if partner_bsn.is_none() && aow_gross_partner_cents != 0 {
            return Err(p.cell_err(
                c_aow_p,
                K::Inconsistent("AOW for a partner, but the household has no partner".into()),
            ));
        }
        match ids.entry(household_id) {
            Entry::Occupied(e) => {
                let kind = K::Duplicate {
                    first_row: *e.get(),
                    first_column: "household_id".into(),
                };
                return Err(p.cell_err(c_id, kind));
            }
            Entry::Vacant(e) => {
                let household_id = e.key().clone();
                e.insert(p.line);
                for (bsn, col) in [(Some(applicant_bsn), c_app), (partner_bsn, c_par)] {
                    let Some(bsn) = bsn else { continue };
                    if let Some((first_row, first_col)) = bsns.insert(bsn, (p.line, col)) {
                        let first_column = p.spec(first_col).name.clone();
                        return Err(p.cell_err(
                            col,
                            K::Duplicate {
                                first_row,
                                first_column,
                            },
                        ));
                    }
                }
                households.push(SvbRecord {
                    household_id,
                    applicant_bsn,
                    partner_bsn,
                    household: SvbHousehold {
                        household_type,
                        aow_age_reached: flags[0],
                        lives_in_nl: flags[1],
                        already_aio: flags[2],
                        excluded: flags[3],
                        aow_gross_applicant_cents,
                        aow_gross_partner_cents,
                    },
                });
            }
        }
    }
    Ok(SvbInput { households })
}

fn parse_uwv_linked<R: BufRead>(p: &mut Parser<'_, R>) -> Result<Vec<UwvPerson>, InputError> {
    let c_bsn = p.id("bsn")?;
    let c_kind = p.id("kind")?;
    let c_amount = p.id("monthly_gross_cents")?;
    let max = p.spec(c_amount).max.unwrap_or(u64::MAX);
    let mut index: BsnMap<usize> = BsnMap::default();
    let mut persons: Vec<UwvPerson> = Vec::new();
    while p.next()? {
        let bsn = p.bsn(c_bsn)?;
        let bsn = p.need(c_bsn, bsn)?;
        let kind = p.choice(c_kind)?;
        let kind = IncomeKind::ALL[p.need(c_kind, kind)?];
        let amount = p.cents(c_amount)?;
        let amount = p.need(c_amount, amount)?;
        let i = *index.entry(bsn).or_insert_with(|| {
            persons.push(UwvPerson {
                bsn,
                income: UwvIncome::default(),
            });
            persons.len() - 1
        });
        let slot = kind.amount_mut(&mut persons[i].income);
        match slot.checked_add(amount) {
            Some(sum) if sum <= max => *slot = sum,
            _ => return Err(p.cell_err(c_amount, K::SumOutOfRange { max })),
        }
    }
    Ok(persons)
}

fn parse_uwv_aligned<R: BufRead>(
    p: &mut Parser<'_, R>,
) -> Result<Vec<PersonPair<UwvIncome>>, InputError> {
    let mut ids = [0; 6];
    for (id, name) in ids.iter_mut().zip(UWV_ALIGNED_COLUMNS) {
        *id = p.id(name)?;
    }
    let mut out = Vec::with_capacity(p.reserve);
    while p.next()? {
        let mut v = [0u64; 6];
        for (x, id) in v.iter_mut().zip(ids) {
            *x = p.cents_or_zero(id)?;
        }
        let income = |a: &[u64]| UwvIncome {
            wages_cents: a[0],
            pensions_cents: a[1],
            benefits_cents: a[2],
        };
        out.push(PersonPair {
            applicant: income(&v[..3]),
            partner: income(&v[3..]),
        });
    }
    Ok(out)
}

fn wealth(a: &[u64]) -> BdWealth {
    BdWealth {
        box3_assets_cents: a[0],
        box3_debts_cents: a[1],
        woz_share_cents: a[2],
        mortgage_cents: a[3],
    }
}

fn parse_bd_linked<R: BufRead>(p: &mut Parser<'_, R>) -> Result<Vec<BdPerson>, InputError> {
    let c_bsn = p.id("bsn")?;
    let mut ids = [0; 4];
    for (id, name) in ids.iter_mut().zip(BD_PERSON_COLUMNS) {
        *id = p.id(name)?;
    }
    let mut seen: BsnMap<u64> = BsnMap::default();
    let mut out = Vec::new();
    while p.next()? {
        let bsn = p.bsn(c_bsn)?;
        let bsn = p.need(c_bsn, bsn)?;
        if let Some(first_row) = seen.insert(bsn, p.line) {
            return Err(p.cell_err(
                c_bsn,
                K::Duplicate {
                    first_row,
                    first_column: "bsn".into(),
                },
            ));
        }
        let mut v = [0u64; 4];
        for (x, id) in v.iter_mut().zip(ids) {
            *x = p.cents_or_zero(id)?;
        }
        out.push(BdPerson {
            bsn,
            wealth: wealth(&v),
        });
    }
    Ok(out)
}

fn parse_bd_aligned<R: BufRead>(
    p: &mut Parser<'_, R>,
) -> Result<Vec<PersonPair<BdWealth>>, InputError> {
    let mut ids = [0; 8];
    let names = ["applicant", "partner"]
        .iter()
        .flat_map(|w| BD_PERSON_COLUMNS.iter().map(move |c| format!("{w}_{c}")));
    for (id, name) in ids.iter_mut().zip(names) {
        *id = p.id(&name)?;
    }
    let mut out = Vec::with_capacity(p.reserve);
    while p.next()? {
        let mut v = [0u64; 8];
        for (x, id) in v.iter_mut().zip(ids) {
            *x = p.cents_or_zero(id)?;
        }
        out.push(PersonPair {
            applicant: wealth(&v[..4]),
            partner: wealth(&v[4..]),
        });
    }
    Ok(out)
}
