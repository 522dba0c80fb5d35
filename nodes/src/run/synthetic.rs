//! Synthetic input files for the linked mode of `samen demo` and `samen bench`: each
//! agency's file in its own order and with its own population, as real registers are.
//!
//! The SVB file is the same as in the aligned mode (households in generation order, see
//! [`crate::input::write`]). The UWV file holds one row per income relation of the
//! households' persons (a pension of every third household split over two relations)
//! plus the relations of *extra persons* who are in no SVB household; the
//! Belastingdienst file one row per person with any wealth data, plus extra persons. Both
//! are shuffled with a fixed seed (UWV per relation, so one person's relations are
//! scattered over the file and the node's per-BSN summing is exercised), so neither is in
//! the SVB's order, and neither file says who belongs to which household.
//!
//! Extra persons get BSNs after all household BSNs (`Bsn::synthetic(2·households + j)`),
//! are present at UWV and at the Belastingdienst independently (each with probability
//! 3/4), and have random amounts within the schema's ranges. They never reach the result:
//! the plaintext reference does not see them, and the linkage finds no household for them.
//!
//! Deterministic for a given seed; generated data only, never real persons.

use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use samen_circuits::aio::Household;
use samen_protocol::PartyId;

use crate::input::write::{
    bd_persons, party_file_name, svb_records, uwv_relations, write_bd_linked, write_svb,
    write_uwv_linked,
};
use crate::input::{BdPerson, BdWealth, Bsn, IncomeKind, IncomeRelation};

/// Extra persons (outside the SVB's population) as a percentage of the households'
/// persons, unless told otherwise.
pub const DEFAULT_EXTRA_PERCENT: u32 = 20;

/// How the linked-mode files are generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkedFiles {
    /// Seed of the file orders and the extra persons.
    pub seed: u64,
    /// Extra persons as a percentage of the persons in the SVB's households.
    pub extra_percent: u32,
}

impl Default for LinkedFiles {
    fn default() -> Self {
        LinkedFiles {
            seed: 0x5a3e_2026,
            extra_percent: DEFAULT_EXTRA_PERCENT,
        }
    }
}

/// The persons of `households` (applicant, and partner in a couple).
pub fn household_persons(households: &[Household]) -> usize {
    households
        .iter()
        .map(|h| 1 + usize::from(h.svb.household_type.is_couple()))
        .sum()
}

/// The UWV and Belastingdienst rows of the extra persons.
pub fn extra_persons(
    households: usize,
    persons: usize,
    spec: &LinkedFiles,
    rng: &mut impl Rng,
) -> (Vec<IncomeRelation>, Vec<BdPerson>) {
    let extras = persons * spec.extra_percent as usize / 100;
    let mut uwv = Vec::new();
    let mut bd = Vec::new();
    for j in 0..extras {
        let bsn = Bsn::synthetic((2 * households + j) as u64);
        if rng.gen_ratio(3, 4) {
            for kind in IncomeKind::ALL {
                if rng.gen_ratio(1, 2) {
                    uwv.push(IncomeRelation {
                        bsn,
                        kind,
                        monthly_gross_cents: rng.gen_range(1..600_000),
                    });
                }
            }
        }
        if rng.gen_ratio(3, 4) {
            bd.push(BdPerson {
                bsn,
                wealth: BdWealth {
                    box3_assets_cents: rng.gen_range(0..10_000_000),
                    box3_debts_cents: rng.gen_range(0..1_000_000),
                    woz_share_cents: rng.gen_range(0..40_000_000),
                    mortgage_cents: rng.gen_range(0..30_000_000),
                },
            });
        }
    }
    (uwv, bd)
}

/// Writes the three parties' linked-layout files for `households` into `dir` (created if
/// missing), each atomically; returns their paths indexed by party. See the module
/// documentation for what the files hold.
pub fn write_linked_files(
    dir: &Path,
    households: &[Household],
    spec: &LinkedFiles,
) -> io::Result<[PathBuf; 3]> {
    std::fs::create_dir_all(dir)?;
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let (extra_uwv, extra_bd) = extra_persons(
        households.len(),
        household_persons(households),
        spec,
        &mut rng,
    );
    let mut uwv = uwv_relations(households);
    uwv.extend(extra_uwv);
    uwv.shuffle(&mut rng);
    let mut bd = bd_persons(households);
    bd.extend(extra_bd);
    bd.shuffle(&mut rng);
    let mut paths: [PathBuf; 3] = Default::default();
    for party in PartyId::ALL {
        let path = dir.join(party_file_name(party));
        crate::config::write_atomic_with(&path, |file| {
            let w = BufWriter::with_capacity(1 << 16, file);
            match party.index() {
                0 => write_svb(w, &svb_records(households)),
                1 => write_uwv_linked(w, &uwv),
                _ => write_bd_linked(w, &bd),
            }
        })?;
        paths[party.index()] = path;
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::write::SyntheticKeys;

    #[test]
    fn files_hold_extra_persons_in_their_own_order() {
        let dir = tempfile::tempdir().unwrap();
        let households = samen_circuits::aio::synth::generate(3, 400);
        let spec = LinkedFiles::default();
        let paths = write_linked_files(dir.path(), &households, &spec).unwrap();
        let again = tempfile::tempdir().unwrap();
        let paths2 = write_linked_files(again.path(), &households, &spec).unwrap();
        for (a, b) in paths.iter().zip(&paths2) {
            assert_eq!(
                std::fs::read(a).unwrap(),
                std::fs::read(b).unwrap(),
                "deterministic"
            );
        }
        let members: std::collections::HashSet<Bsn> = (0..households.len())
            .flat_map(|i| {
                [
                    SyntheticKeys::applicant_bsn(i),
                    SyntheticKeys::partner_bsn(i),
                ]
            })
            .collect();
        let uwv = std::fs::read_to_string(&paths[1]).unwrap();
        let bd = std::fs::read_to_string(&paths[2]).unwrap();
        let bsns = |text: &str| -> Vec<Bsn> {
            text.lines()
                .skip(1)
                .map(|l| Bsn::parse(l.split(',').next().unwrap()).unwrap())
                .collect()
        };
        for list in [bsns(&uwv), bsns(&bd)] {
            let outside = list.iter().filter(|b| !members.contains(b)).count();
            assert!(
                outside * 100 >= list.len() * 5,
                "extra persons present: {outside} of {}",
                list.len()
            );
            assert!(list.windows(2).any(|w| w[0] > w[1]), "not sorted by BSN");
        }
    }
}
