//! Matching the final tags and assembling aligned shares, locally.
//!
//! After the chains every party holds the final tags `k0·k1·k2·H(bsn)` of all three
//! tables in shuffled order, and shares of every table's payload in the same order. Two
//! tags are equal exactly when the keys are (the probability of a collision between
//! different keys, or with a random point, is about n²/2^252): matching the SVB tags
//! against the UWV and Belastingdienst tags gives, for every shuffled household, the
//! positions of its applicant's and partner's rows at UWV and at the Belastingdienst,
//! or none. Ristretto encodings are canonical, so equal points have equal bytes and
//! the match runs on the 32-byte encodings.
//!
//! All three parties compute the same [`Alignment`] (it is the leakage of the protocol:
//! public to the three, in shuffled order) and each picks its own components of the
//! matched rows: picking the same rows of a replicated sharing at every party is a
//! replicated sharing of the picked values, so there is no communication. A person
//! missing at a party contributes a sharing of zero; whether a person was found is the
//! public [`Alignment`] itself.
//!
//! A tag that occurs twice within a table (or, for SVB, over both key columns) means a
//! duplicate key the owner did not catch or a party that deviated: an error.

use std::collections::HashMap;

use super::blind::POINT_BYTES;
use super::chain::TABLE;
use crate::shuffle::ShuffleColumn;
use crate::{PartyId, ProtocolError};

/// The public match pattern, per shuffled SVB household: the position of the matching
/// row in the shuffled UWV and Belastingdienst tables, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alignment {
    /// The applicant's UWV row.
    pub applicant_uwv: Vec<Option<u32>>,
    /// The partner's UWV row.
    pub partner_uwv: Vec<Option<u32>>,
    /// The applicant's Belastingdienst row.
    pub applicant_bd: Vec<Option<u32>>,
    /// The partner's Belastingdienst row.
    pub partner_bd: Vec<Option<u32>>,
}

/// A household's match profile: which of (applicant at UWV, partner at UWV, applicant at
/// the Belastingdienst, partner at the Belastingdienst) were found.
pub type MatchProfile = [bool; 4];

impl Alignment {
    /// Number of (shuffled) households.
    pub fn households(&self) -> usize {
        self.applicant_uwv.len()
    }

    /// The match profile of shuffled household `h`.
    pub fn profile(&self, h: usize) -> MatchProfile {
        [
            self.applicant_uwv[h].is_some(),
            self.partner_uwv[h].is_some(),
            self.applicant_bd[h].is_some(),
            self.partner_bd[h].is_some(),
        ]
    }

    /// How many households have each profile (index: the profile's bits, applicant-UWV
    /// as bit 0 … partner-Belastingdienst as bit 3): the histogram every party learns.
    pub fn profile_histogram(&self) -> [usize; 16] {
        let mut h = [0usize; 16];
        for i in 0..self.households() {
            let p = self.profile(i);
            h[p.iter()
                .enumerate()
                .map(|(b, &x)| usize::from(x) << b)
                .sum::<usize>()] += 1;
        }
        h
    }
}

fn tag(bytes: &[u8], i: usize) -> [u8; 32] {
    bytes[i * POINT_BYTES..(i + 1) * POINT_BYTES]
        .try_into()
        .expect("length checked by the chain")
}

/// Checks that the points of a received hop message are pairwise distinct (canonical
/// encodings: equal points have equal bytes). Distinct keys and fresh random points
/// never collide, so a repeat means the sender duplicated a row: abort before the
/// duplicate can reach the final tags, where its match pattern would single the row out.
pub(crate) fn check_distinct(
    points: &[u8],
    from: PartyId,
    what: &str,
) -> Result<(), ProtocolError> {
    let n = points.len() / POINT_BYTES;
    let mut seen = std::collections::HashSet::with_capacity(n);
    for i in 0..n {
        if !seen.insert(tag(points, i)) {
            return Err(ProtocolError::CheckFailed(format!(
                "{what} from {from}: a point occurs twice (a duplicated row)"
            )));
        }
    }
    Ok(())
}

fn index_table(tags: &[u8], table: usize) -> Result<HashMap<[u8; 32], u32>, ProtocolError> {
    let n = tags.len() / POINT_BYTES;
    let mut map = HashMap::with_capacity(n);
    for i in 0..n {
        if map.insert(tag(tags, i), i as u32).is_some() {
            return Err(ProtocolError::CheckFailed(format!("{} table: two rows have the same linkage tag (a duplicate key, or a party deviated)", TABLE[table])));
        }
    }
    Ok(map)
}

/// Matches the tags of the three tables (`tags[1]`, `tags[2]`: one point per row;
/// `tags[0]`: two per household).
pub(crate) fn align(tags: &[Vec<u8>; 3]) -> Result<Alignment, ProtocolError> {
    let svb = index_table(&tags[0], 0)?;
    let uwv = index_table(&tags[1], 1)?;
    let bd = index_table(&tags[2], 2)?;
    drop(svb);
    let households = tags[0].len() / (2 * POINT_BYTES);
    let mut a = Alignment::default();
    for h in 0..households {
        let (app, partner) = (tag(&tags[0], 2 * h), tag(&tags[0], 2 * h + 1));
        a.applicant_uwv.push(uwv.get(&app).copied());
        a.partner_uwv.push(uwv.get(&partner).copied());
        a.applicant_bd.push(bd.get(&app).copied());
        a.partner_bd.push(bd.get(&partner).copied());
    }
    Ok(a)
}

/// One person's columns aligned to the shuffled households.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonColumns {
    /// The owner's payload columns (in the job's order and kinds), zero where the person
    /// is missing (whether it is: the public [`Alignment`]).
    pub fields: Vec<ShuffleColumn>,
}

/// Picks this party's components of the matched rows of `columns`.
pub(crate) fn assemble(columns: &[ShuffleColumn], positions: &[Option<u32>]) -> PersonColumns {
    PersonColumns {
        fields: columns.iter().map(|c| c.gather(positions)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(ids: &[u8]) -> Vec<u8> {
        ids.iter().flat_map(|&i| [i; 32]).collect()
    }

    #[test]
    fn matching_and_duplicate_tags() {
        let a = align(&[tags(&[1, 2, 3, 4]), tags(&[4, 9, 1]), tags(&[2])]).unwrap();
        assert_eq!(a.applicant_uwv, vec![Some(2), None]);
        assert_eq!(a.partner_uwv, vec![None, Some(0)]);
        assert_eq!(a.applicant_bd, vec![None, None]);
        assert_eq!(a.partner_bd, vec![Some(0), None]);
        assert_eq!(a.profile(0), [true, false, false, true]);
        let h = a.profile_histogram();
        assert_eq!((h[0b1001], h[0b0010], h.iter().sum::<usize>()), (1, 1, 2));
        assert!(align(&[tags(&[1, 1]), tags(&[]), tags(&[])]).is_err());
        assert!(align(&[tags(&[1, 2]), tags(&[3, 3]), tags(&[])]).is_err());
        assert!(align(&[tags(&[]), tags(&[]), tags(&[5, 6, 5])]).is_err());
        assert!(check_distinct(&tags(&[1, 2, 3]), PartyId::SVB, "t").is_ok());
        assert!(check_distinct(&tags(&[1, 2, 1]), PartyId::SVB, "t").is_err());
    }
}
