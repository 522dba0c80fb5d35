//! The three parties of a Samen federation: one type, [`PartyId`], for every crate (the
//! IR names a gate's owner and an output's recipients with it; `samen-protocol`
//! re-exports it).
//!
//! Samen's protocols are three-party protocols with an honest majority. Parties are
//! numbered 0, 1, 2 and all index arithmetic is modulo 3: in replicated secret sharing
//! party `i` holds components `i` and `i + 1` of every sharing, so "next" and "previous"
//! are the two relations every protocol step is written in.

use std::fmt;

/// One of the three parties: 0 = SVB, 1 = UWV, 2 = Belastingdienst.
///
/// The agency names are the flagship deployment's; the protocols themselves only
/// care about the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartyId(u8);

impl PartyId {
    /// Party 0, the SVB: holds the household table and is the only output party for
    /// individual results.
    pub const SVB: PartyId = PartyId(0);
    /// Party 1, the UWV: holds the payroll and pension register.
    pub const UWV: PartyId = PartyId(1);
    /// Party 2, the Belastingdienst: holds wealth, home value and mortgage.
    pub const BELASTINGDIENST: PartyId = PartyId(2);
    /// All three parties in index order.
    pub const ALL: [PartyId; 3] = [PartyId(0), PartyId(1), PartyId(2)];

    /// The party with index `index`, or `None` unless `index < 3`.
    pub const fn new(index: u8) -> Option<PartyId> {
        if index < 3 {
            Some(PartyId(index))
        } else {
            None
        }
    }

    /// The index 0, 1 or 2.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// Party `i + 1 mod 3`: the party that holds this party's second component as its
    /// first.
    pub const fn next(self) -> PartyId {
        PartyId((self.0 + 1) % 3)
    }

    /// Party `i - 1 mod 3`.
    pub const fn prev(self) -> PartyId {
        PartyId((self.0 + 2) % 3)
    }

    /// The short name used in files and on the command line: `svb`, `uwv` or `bd`.
    pub const fn short_name(self) -> &'static str {
        match self.0 {
            0 => "svb",
            1 => "uwv",
            _ => "bd",
        }
    }

    /// The agency's full name.
    pub const fn agency(self) -> &'static str {
        match self.0 {
            0 => "SVB",
            1 => "UWV",
            _ => "Belastingdienst",
        }
    }

    /// Parses `svb`, `uwv`, `bd` (or `belastingdienst`) or an index `0`–`2`.
    pub fn parse(name: &str) -> Option<PartyId> {
        match name.trim().to_ascii_lowercase().as_str() {
            "svb" | "0" => Some(PartyId::SVB),
            "uwv" | "1" => Some(PartyId::UWV),
            "bd" | "belastingdienst" | "2" => Some(PartyId::BELASTINGDIENST),
            _ => None,
        }
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{} ({})", self.0, self.agency())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_and_prev_are_inverse_and_cycle() {
        for p in PartyId::ALL {
            assert_eq!(p.next().prev(), p);
            assert_eq!(p.next().next().next(), p);
            assert_ne!(p.next(), p);
            assert_ne!(p.prev(), p);
            assert_ne!(p.next(), p.prev());
        }
        assert_eq!(PartyId::SVB.next(), PartyId::UWV);
        assert_eq!(PartyId::SVB.prev(), PartyId::BELASTINGDIENST);
    }

    #[test]
    fn parse_round_trips() {
        for p in PartyId::ALL {
            assert_eq!(PartyId::parse(p.short_name()), Some(p));
        }
        assert_eq!(PartyId::parse("x"), None);
        assert_eq!(PartyId::new(3), None);
    }
}
