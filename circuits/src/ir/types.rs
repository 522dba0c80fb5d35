//! Wire types, parties and placements: the static facts every gate of the IR carries.
//!
//! - [`WireType`]: an arithmetic ring value of Z_2^64 with a declared signed bit width, or a
//!   boolean vector of 1..=64 bits.
//! - [`PartySet`]: a set of the three parties ([`PartyId`]: 0 = SVB, 1 = UWV,
//!   2 = Belastingdienst).
//! - [`Placement`]: who knows a wire's value — public to all, local (plaintext) to one owner,
//!   or secret-shared among the three.

use std::fmt;

use crate::party::PartyId;

/// Largest bit width of any wire.
pub const MAX_WIDTH: u8 = 64;

/// The type of a wire: what kind of value it carries and its declared bit width.
///
/// Values of every type are stored as `u64` words:
/// - `Arith { width }`: an element of the ring Z_2^64, interpreted as a two's-complement
///   integer `v` with `-2^(width-1) <= v < 2^(width-1)`. The width is a *declaration*: inputs
///   are checked against it, and the builder derives every other width so that it is a true
///   bound (e.g. `add` gives `max + 1`). A width is capped at 64; a wire of width 64 may have
///   wrapped around the ring, so comparisons are exact only on wires whose declared widths
///   are below 64.
/// - `Bool { width }`: a vector of `width` bits in the low bits of the word; all higher bits
///   are zero. `Bool { width: 1 }` is a single bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WireType {
    /// A ring element of Z_2^64 with a declared signed width (1..=64).
    Arith {
        /// Declared two's-complement width in bits.
        width: u8,
    },
    /// A vector of `width` bits (1..=64), held in the low bits of a word.
    Bool {
        /// Number of bits.
        width: u8,
    },
}

impl WireType {
    /// A single bit, `Bool { width: 1 }`.
    pub const BIT: WireType = WireType::Bool { width: 1 };

    /// An arithmetic type of the given signed width.
    pub const fn arith(width: u8) -> WireType {
        WireType::Arith { width }
    }

    /// A boolean vector type of the given width.
    pub const fn boolean(width: u8) -> WireType {
        WireType::Bool { width }
    }

    /// The declared width in bits.
    pub const fn width(self) -> u8 {
        match self {
            WireType::Arith { width } | WireType::Bool { width } => width,
        }
    }

    /// Whether the type is arithmetic.
    pub const fn is_arith(self) -> bool {
        matches!(self, WireType::Arith { .. })
    }

    /// Whether the type is boolean.
    pub const fn is_bool(self) -> bool {
        matches!(self, WireType::Bool { .. })
    }

    /// Whether the width is in 1..=64.
    pub const fn width_in_range(self) -> bool {
        let w = self.width();
        w >= 1 && w <= MAX_WIDTH
    }

    /// Whether the word `value` is a valid value of this type: for `Arith`, its
    /// two's-complement interpretation lies within the declared width; for `Bool`, no bit
    /// at or above `width` is set.
    pub fn admits(self, value: u64) -> bool {
        match self {
            WireType::Arith { width } => signed_width(value) <= width,
            WireType::Bool { width } => value & !mask(width) == 0,
        }
    }
}

impl fmt::Display for WireType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireType::Arith { width } => write!(f, "arith<{width}>"),
            WireType::Bool { width } => write!(f, "bool<{width}>"),
        }
    }
}

/// The mask of the low `width` bits (`width` in 0..=64).
pub const fn mask(width: u8) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// The smallest signed width (>= 1) that holds the two's-complement value `value`.
pub const fn signed_width(value: u64) -> u8 {
    let v = value as i64;
    let magnitude_bits = if v < 0 {
        64 - (!v).leading_zeros()
    } else {
        64 - v.leading_zeros()
    };
    (magnitude_bits + 1) as u8
}

/// Sign-extends the low `width` bits of `value` to a full word (`width` in 1..=64).
pub const fn sign_extend(value: u64, width: u8) -> u64 {
    if width >= 64 {
        value
    } else {
        let shift = 64 - width as u32;
        (((value << shift) as i64) >> shift) as u64
    }
}

/// A set of parties, as a bit mask (bit `i` = party `i`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PartySet(u8);

impl PartySet {
    /// The empty set.
    pub const EMPTY: PartySet = PartySet(0);
    /// All three parties.
    pub const ALL: PartySet = PartySet(0b111);

    /// The set holding only `party`.
    pub const fn only(party: PartyId) -> PartySet {
        PartySet(1 << party.index())
    }

    /// The set with bit mask `bits`, if no bit above bit 2 is set.
    pub const fn from_bits(bits: u8) -> Option<PartySet> {
        if bits & !0b111 == 0 {
            Some(PartySet(bits))
        } else {
            None
        }
    }

    /// The bit mask.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// This set with `party` added.
    pub const fn with(self, party: PartyId) -> PartySet {
        PartySet(self.0 | 1 << party.index())
    }

    /// Whether `party` is in the set.
    pub const fn contains(self, party: PartyId) -> bool {
        self.0 & (1 << party.index()) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The parties of the set in index order.
    pub fn iter(self) -> impl Iterator<Item = PartyId> {
        PartyId::ALL.into_iter().filter(move |p| self.contains(*p))
    }

    /// Number of parties in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }
}

impl FromIterator<PartyId> for PartySet {
    fn from_iter<I: IntoIterator<Item = PartyId>>(iter: I) -> Self {
        iter.into_iter().fold(PartySet::EMPTY, PartySet::with)
    }
}

impl fmt::Display for PartySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, p) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(p.short_name())?;
        }
        f.write_str("}")
    }
}

/// Who knows the value of a wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placement {
    /// A public constant, the same for every row and known to every party.
    Public,
    /// Plaintext known only to its owner, who computes it in the clear before sharing.
    Local(PartyId),
    /// Secret-shared among the three parties (replicated sharing), in the wire type's form:
    /// additive over Z_2^64 for `Arith`, XOR (bit-sliced) for `Bool`.
    Secret,
}

impl Placement {
    /// The owner of a local wire.
    pub const fn owner(self) -> Option<PartyId> {
        match self {
            Placement::Local(p) => Some(p),
            _ => None,
        }
    }

    /// Whether the wire is secret-shared.
    pub const fn is_secret(self) -> bool {
        matches!(self, Placement::Secret)
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Public => f.write_str("public"),
            Placement::Local(p) => write!(f, "local({})", p.short_name()),
            Placement::Secret => f.write_str("secret"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_widths() {
        assert_eq!(signed_width(0), 1);
        assert_eq!(signed_width(u64::MAX), 1); // -1
        assert_eq!(signed_width(1), 2);
        assert_eq!(signed_width((-2i64) as u64), 2);
        assert_eq!(signed_width(127), 8);
        assert_eq!(signed_width(128), 9);
        assert_eq!(signed_width((-128i64) as u64), 8);
        assert_eq!(signed_width((-129i64) as u64), 9);
        assert_eq!(signed_width(i64::MAX as u64), 64);
        assert_eq!(signed_width(i64::MIN as u64), 64);
    }

    #[test]
    fn sign_extension() {
        assert_eq!(sign_extend(0b1111, 4) as i64, -1);
        assert_eq!(sign_extend(0b0111, 4), 7);
        assert_eq!(sign_extend(1, 1) as i64, -1);
        assert_eq!(sign_extend(5, 64), 5);
    }

    #[test]
    fn admits() {
        assert!(WireType::arith(8).admits(127));
        assert!(!WireType::arith(8).admits(128));
        assert!(WireType::arith(8).admits((-128i64) as u64));
        assert!(WireType::boolean(3).admits(7));
        assert!(!WireType::boolean(3).admits(8));
        assert!(WireType::boolean(64).admits(u64::MAX));
    }
}
