//! CSV writers for the three parties' input files, in the formats [`super::read_input`]
//! reads: for `samen demo`, `samen bench` and tests, which generate synthetic AIO
//! households (`samen_circuits::aio::synth`) and need the files each agency would have.
//!
//! [`SyntheticKeys`] gives household `i` the id `H` followed by `i` in 9 digits, the
//! applicant BSN [`Bsn::synthetic`]`(2i)` and the partner BSN `Bsn::synthetic(2i + 1)`.
//! In linked layout the UWV file has one row per non-zero income relation (a pension of
//! every third household is split over two relations, so the node's per-BSN summing is
//! exercised) and the Belastingdienst file one row per person with any non-zero amount;
//! both are sorted by BSN, as a register would be, not in SVB's order. In aligned layout
//! both files have one row per household in SVB's order.
//!
//! Writers never log; files are written through a buffer and, in [`write_party_files`],
//! atomically (temporary file and rename).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use samen_circuits::aio::Household;
use samen_protocol::PartyId;

use super::schema::{LinkageMode, BD_PERSON_COLUMNS, UWV_ALIGNED_COLUMNS};
use super::*;

/// The SVB file's header, in the order the writer uses.
pub const SVB_HEADER: [&str; 10] = [
    "household_id",
    "applicant_bsn",
    "partner_bsn",
    "household_type",
    "aow_age_reached",
    "lives_in_nl",
    "already_aio",
    "excluded",
    "aow_gross_applicant_cents",
    "aow_gross_partner_cents",
];

/// Keys for synthetic households (see the module doc).
pub struct SyntheticKeys;

impl SyntheticKeys {
    /// The household id of household `i`.
    pub fn household_id(i: usize) -> String {
        format!("H{i:09}")
    }

    /// The applicant's BSN of household `i`.
    pub fn applicant_bsn(i: usize) -> Bsn {
        Bsn::synthetic(2 * i as u64)
    }

    /// The partner's BSN of household `i` (used only when the household has a partner).
    pub fn partner_bsn(i: usize) -> Bsn {
        Bsn::synthetic(2 * i as u64 + 1)
    }
}

/// The SVB rows of synthetic households.
pub fn svb_records(households: &[Household]) -> Vec<SvbRecord> {
    households
        .iter()
        .enumerate()
        .map(|(i, h)| SvbRecord {
            household_id: SyntheticKeys::household_id(i),
            applicant_bsn: SyntheticKeys::applicant_bsn(i),
            partner_bsn: h
                .svb
                .household_type
                .is_couple()
                .then(|| SyntheticKeys::partner_bsn(i)),
            household: h.svb.clone(),
        })
        .collect()
}

/// The UWV income relations of synthetic households (linked layout), sorted by BSN.
pub fn uwv_relations(households: &[Household]) -> Vec<IncomeRelation> {
    let mut out = Vec::new();
    for (i, h) in households.iter().enumerate() {
        for (bsn, income) in persons(i, h).map(|(bsn, p)| (bsn, p.uwv)) {
            for kind in IncomeKind::ALL {
                let amount = kind.amount(&income);
                if amount == 0 {
                    continue;
                }
                if kind == IncomeKind::Pension && i % 3 == 0 && amount >= 2 {
                    let first = amount / 3;
                    out.push(IncomeRelation {
                        bsn,
                        kind,
                        monthly_gross_cents: first,
                    });
                    out.push(IncomeRelation {
                        bsn,
                        kind,
                        monthly_gross_cents: amount - first,
                    });
                } else {
                    out.push(IncomeRelation {
                        bsn,
                        kind,
                        monthly_gross_cents: amount,
                    });
                }
            }
        }
    }
    out.sort_by_key(|r| r.bsn);
    out
}

/// The Belastingdienst rows of synthetic households (linked layout), sorted by BSN.
pub fn bd_persons(households: &[Household]) -> Vec<BdPerson> {
    let mut out: Vec<BdPerson> = households
        .iter()
        .enumerate()
        .flat_map(|(i, h)| persons(i, h).map(|(bsn, p)| BdPerson { bsn, wealth: p.bd }))
        .filter(|p| p.wealth != BdWealth::default())
        .collect();
    out.sort_by_key(|p| p.bsn);
    out
}

/// The persons of household `i` with their BSNs (the partner only in a couple).
fn persons(
    i: usize,
    h: &Household,
) -> impl Iterator<Item = (Bsn, &samen_circuits::aio::PersonRecords)> {
    let partner = h
        .svb
        .household_type
        .is_couple()
        .then(|| (SyntheticKeys::partner_bsn(i), &h.partner));
    std::iter::once((SyntheticKeys::applicant_bsn(i), &h.applicant)).chain(partner)
}

fn bool01(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

fn header(w: &mut impl Write, names: &[&str]) -> io::Result<()> {
    writeln!(w, "{}", names.join(","))
}

/// Writes the SVB file.
pub fn write_svb(mut w: impl Write, records: &[SvbRecord]) -> io::Result<()> {
    header(&mut w, &SVB_HEADER)?;
    for r in records {
        let h = &r.household;
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{}",
            r.household_id,
            r.applicant_bsn,
            r.partner_bsn.map(|b| b.to_string()).unwrap_or_default(),
            household_type_name(h.household_type),
            bool01(h.aow_age_reached),
            bool01(h.lives_in_nl),
            bool01(h.already_aio),
            bool01(h.excluded),
            h.aow_gross_applicant_cents,
            h.aow_gross_partner_cents,
        )?;
    }
    w.flush()
}

/// Writes the UWV file in linked layout (one row per income relation).
pub fn write_uwv_linked(mut w: impl Write, relations: &[IncomeRelation]) -> io::Result<()> {
    header(&mut w, &["bsn", "kind", "monthly_gross_cents"])?;
    for r in relations {
        writeln!(w, "{},{},{}", r.bsn, r.kind.as_str(), r.monthly_gross_cents)?;
    }
    w.flush()
}

/// Writes the UWV file in aligned layout (one row per household, in the given order).
pub fn write_uwv_aligned(mut w: impl Write, rows: &[PersonPair<UwvIncome>]) -> io::Result<()> {
    header(&mut w, &UWV_ALIGNED_COLUMNS)?;
    for r in rows {
        let (a, p) = (&r.applicant, &r.partner);
        writeln!(
            w,
            "{},{},{},{},{},{}",
            a.wages_cents,
            a.pensions_cents,
            a.benefits_cents,
            p.wages_cents,
            p.pensions_cents,
            p.benefits_cents
        )?;
    }
    w.flush()
}

/// Writes the Belastingdienst file in linked layout (one row per person).
pub fn write_bd_linked(mut w: impl Write, persons: &[BdPerson]) -> io::Result<()> {
    let mut names = vec!["bsn"];
    names.extend(BD_PERSON_COLUMNS);
    header(&mut w, &names)?;
    for p in persons {
        let b = &p.wealth;
        writeln!(
            w,
            "{},{},{},{},{}",
            p.bsn, b.box3_assets_cents, b.box3_debts_cents, b.woz_share_cents, b.mortgage_cents
        )?;
    }
    w.flush()
}

/// Writes the Belastingdienst file in aligned layout (one row per household).
pub fn write_bd_aligned(mut w: impl Write, rows: &[PersonPair<BdWealth>]) -> io::Result<()> {
    let names: Vec<String> = ["applicant", "partner"]
        .iter()
        .flat_map(|who| BD_PERSON_COLUMNS.iter().map(move |c| format!("{who}_{c}")))
        .collect();
    writeln!(w, "{}", names.join(","))?;
    for r in rows {
        let (a, p) = (&r.applicant, &r.partner);
        writeln!(
            w,
            "{},{},{},{},{},{},{},{}",
            a.box3_assets_cents,
            a.box3_debts_cents,
            a.woz_share_cents,
            a.mortgage_cents,
            p.box3_assets_cents,
            p.box3_debts_cents,
            p.woz_share_cents,
            p.mortgage_cents
        )?;
    }
    w.flush()
}

/// The aligned UWV rows of households.
pub fn uwv_aligned(households: &[Household]) -> Vec<PersonPair<UwvIncome>> {
    households
        .iter()
        .map(|h| PersonPair {
            applicant: h.applicant.uwv,
            partner: h.partner.uwv,
        })
        .collect()
}

/// The aligned Belastingdienst rows of households.
pub fn bd_aligned(households: &[Household]) -> Vec<PersonPair<BdWealth>> {
    households
        .iter()
        .map(|h| PersonPair {
            applicant: h.applicant.bd,
            partner: h.partner.bd,
        })
        .collect()
}

/// Writes `party`'s file for `households` in `mode` to `w`.
pub fn write_party(
    w: impl Write,
    party: PartyId,
    households: &[Household],
    mode: LinkageMode,
) -> io::Result<()> {
    let w = io::BufWriter::with_capacity(1 << 16, w);
    match (party.index(), mode) {
        (0, _) => write_svb(w, &svb_records(households)),
        (1, LinkageMode::Linked) => write_uwv_linked(w, &uwv_relations(households)),
        (1, LinkageMode::Aligned) => write_uwv_aligned(w, &uwv_aligned(households)),
        (_, LinkageMode::Linked) => write_bd_linked(w, &bd_persons(households)),
        (_, LinkageMode::Aligned) => write_bd_aligned(w, &bd_aligned(households)),
    }
}

/// The default file name of `party`'s input: `svb.csv`, `uwv.csv` or `bd.csv`.
pub fn party_file_name(party: PartyId) -> String {
    format!("{}.csv", party.short_name())
}

/// Writes the three parties' files for `households` into `dir` (created if missing),
/// each atomically; returns their paths indexed by party.
pub fn write_party_files(
    dir: &Path,
    households: &[Household],
    mode: LinkageMode,
) -> io::Result<[PathBuf; 3]> {
    std::fs::create_dir_all(dir)?;
    let mut paths: [PathBuf; 3] = Default::default();
    for party in PartyId::ALL {
        let path = dir.join(party_file_name(party));
        crate::config::write_atomic_with(&path, |file| write_party(file, party, households, mode))?;
        paths[party.index()] = path;
    }
    Ok(paths)
}
