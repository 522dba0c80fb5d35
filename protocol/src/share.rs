//! Column types of replicated secret sharing.
//!
//! A value `x` is split into three components with `x = x_0 + x_1 + x_2` (mod 2^64,
//! arithmetic) or `x = x_0 ⊕ x_1 ⊕ x_2` (boolean); party `i` holds `(x_i, x_{i+1})`.
//! Any one party's pair is uniformly random whatever `x` is (it lacks one component), and
//! any two parties together can reconstruct `x`.
//!
//! Samen's unit of work is a column: all rows of one wire of the circuit. Components are
//! stored as two word vectors, [`ReplicatedWords::own`] (`x_i`) and
//! [`ReplicatedWords::next`] (`x_{i+1}`).
//!
//! - [`ArithColumn`]: one word per row, additive sharing over Z_2^64.
//! - [`BitSlicedColumn`]: a boolean sharing of `width`-bit values, bit-sliced: one u64
//!   word carries one bit position of 64 consecutive rows, so one word operation is 64
//!   gates. Layout: bit `b` of row `r` is bit `r % 64` of word `b * words_per_bit + r / 64`
//!   where `words_per_bit = ceil(rows / 64)`. Bits of padding rows (beyond `rows` in the
//!   last word) are kept zero in every component.
//! - [`XorRowColumn`]: a boolean (XOR) sharing with one word per row, row-major, values up
//!   to 64 bits: what shuffles and linkage move around. Transposing each component locally
//!   turns it into a [`BitSlicedColumn`] without communication.

/// The two components a party holds of a replicated sharing of `len` words.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ReplicatedWords {
    /// Component `x_i` of party `i`.
    pub own: Vec<u64>,
    /// Component `x_{i+1}`.
    pub next: Vec<u64>,
}

impl ReplicatedWords {
    /// Components of length `len`, all zero (a sharing of zero, or of a constant after
    /// [`ArithColumn::add_public`]-style adjustment).
    pub fn zeros(len: usize) -> ReplicatedWords {
        ReplicatedWords { own: vec![0; len], next: vec![0; len] }
    }

    /// Number of words in each component.
    pub fn len(&self) -> usize {
        self.own.len()
    }

    /// Whether the components are empty.
    pub fn is_empty(&self) -> bool {
        self.own.is_empty()
    }
}

/// A column of `rows` values additively shared over Z_2^64.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ArithColumn {
    /// The components, one word per row.
    pub shares: ReplicatedWords,
}

impl ArithColumn {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.shares.len()
    }
}

/// A column of `rows` values of `width` bits, XOR-shared and bit-sliced.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BitSlicedColumn {
    /// Declared bit width, 1..=64.
    pub width: u32,
    /// Number of rows.
    pub rows: usize,
    /// The components, `width * words_per_bit(rows)` words, bit-major.
    pub shares: ReplicatedWords,
}

/// Words needed for one bit position of `rows` rows: `ceil(rows / 64)`.
pub const fn words_per_bit(rows: usize) -> usize {
    rows.div_ceil(64)
}

impl BitSlicedColumn {
    /// Words per bit position of this column.
    pub fn words_per_bit(&self) -> usize {
        words_per_bit(self.rows)
    }

    /// The component words of bit position `bit` (own, next).
    pub fn bit(&self, bit: u32) -> (&[u64], &[u64]) {
        let w = self.words_per_bit();
        let r = bit as usize * w..(bit as usize + 1) * w;
        (&self.shares.own[r.clone()], &self.shares.next[r])
    }
}

/// A column of `rows` values, XOR-shared, one word per row (row-major).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct XorRowColumn {
    /// The components, one word per row.
    pub shares: ReplicatedWords,
}
