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
        ReplicatedWords {
            own: vec![0; len],
            next: vec![0; len],
        }
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

/// Mask of the valid row bits in the last word of a bit position of `rows` rows (all ones
/// when `rows` is a multiple of 64; unused when `rows == 0`).
pub const fn last_word_mask(rows: usize) -> u64 {
    if rows % 64 == 0 {
        u64::MAX
    } else {
        (1u64 << (rows % 64)) - 1
    }
}

impl ReplicatedWords {
    /// Components from two vectors of equal length.
    ///
    /// # Panics
    /// If the lengths differ (a programming error).
    pub fn new(own: Vec<u64>, next: Vec<u64>) -> ReplicatedWords {
        assert_eq!(
            own.len(),
            next.len(),
            "replicated components must have equal length"
        );
        ReplicatedWords { own, next }
    }

    /// The words `range` of both components.
    pub fn slice(&self, range: std::ops::Range<usize>) -> ReplicatedWords {
        ReplicatedWords {
            own: self.own[range.clone()].to_vec(),
            next: self.next[range].to_vec(),
        }
    }

    /// Appends `other`'s words to both components.
    pub fn extend(&mut self, other: &ReplicatedWords) {
        self.own.extend_from_slice(&other.own);
        self.next.extend_from_slice(&other.next);
    }
}

impl ArithColumn {
    /// A column from its components (one word per row).
    pub fn new(shares: ReplicatedWords) -> ArithColumn {
        ArithColumn { shares }
    }

    /// The sharing of a public column `values` (component 0 holds the values, the others
    /// zero): no communication, no secrecy. `party` is the caller.
    pub fn public(party: crate::PartyId, values: &[u64]) -> ArithColumn {
        let zeros = vec![0u64; values.len()];
        let (own, next) = match party.index() {
            0 => (values.to_vec(), zeros),
            2 => (zeros, values.to_vec()),
            _ => (zeros.clone(), zeros),
        };
        ArithColumn {
            shares: ReplicatedWords { own, next },
        }
    }

    /// `x + c` for a public constant `c` in every row: component 0 changes (local; see
    /// [`crate::ops::arith::add_public`]). `party` is the caller.
    pub fn add_public(&self, party: crate::PartyId, c: u64) -> ArithColumn {
        crate::ops::arith::add_public(party, self, c)
    }

    /// The rows of several columns one after another (to run one operation on all of them
    /// in one round); undo with [`ArithColumn::split`].
    pub fn concat(columns: &[&ArithColumn]) -> ArithColumn {
        let mut shares = ReplicatedWords::default();
        for c in columns {
            shares.extend(&c.shares);
        }
        ArithColumn { shares }
    }

    /// Splits the rows into consecutive columns of `rows[k]` rows each.
    ///
    /// # Panics
    /// If the row counts do not add up to [`ArithColumn::rows`].
    pub fn split(&self, rows: &[usize]) -> Vec<ArithColumn> {
        assert_eq!(
            rows.iter().sum::<usize>(),
            self.rows(),
            "split row counts must add up"
        );
        let mut at = 0;
        rows.iter()
            .map(|&n| {
                let c = ArithColumn {
                    shares: self.shares.slice(at..at + n),
                };
                at += n;
                c
            })
            .collect()
    }
}

impl BitSlicedColumn {
    /// A column from its components, checking the layout: `width` in 1..=64, `width *
    /// words_per_bit(rows)` words per component, padding bits zero.
    pub fn new(
        width: u32,
        rows: usize,
        shares: ReplicatedWords,
    ) -> Result<BitSlicedColumn, crate::ProtocolError> {
        if !(1..=64).contains(&width) {
            return Err(crate::ProtocolError::InvalidOperands(format!(
                "bit width {width} is not in 1..=64"
            )));
        }
        let w = words_per_bit(rows);
        if shares.own.len() != width as usize * w || shares.next.len() != shares.own.len() {
            return Err(crate::ProtocolError::InvalidOperands(format!(
                "a {width}-bit column of {rows} rows needs {} words per component",
                width as usize * w
            )));
        }
        let col = BitSlicedColumn {
            width,
            rows,
            shares,
        };
        if w > 0 {
            let m = !last_word_mask(rows);
            for b in 0..width as usize {
                let i = b * w + w - 1;
                if col.shares.own[i] & m != 0 || col.shares.next[i] & m != 0 {
                    return Err(crate::ProtocolError::InvalidOperands(
                        "padding bits of a bit-sliced column must be zero".into(),
                    ));
                }
            }
        }
        Ok(col)
    }

    /// The sharing of the public value `value` (its low `width` bits) in every row:
    /// component 0 holds it, the others are zero. `party` is the caller.
    ///
    /// # Panics
    /// If `width` is not in 1..=64.
    pub fn public(party: crate::PartyId, width: u32, rows: usize, value: u64) -> BitSlicedColumn {
        assert!((1..=64).contains(&width), "bit width must be in 1..=64");
        let w = words_per_bit(rows);
        let mut plain = vec![0u64; width as usize * w];
        if w > 0 {
            let last = last_word_mask(rows);
            for b in 0..width as usize {
                if value >> b & 1 == 1 {
                    let words = &mut plain[b * w..(b + 1) * w];
                    words.fill(u64::MAX);
                    words[w - 1] = last;
                }
            }
        }
        let zeros = vec![0u64; plain.len()];
        let (own, next) = match party.index() {
            0 => (plain, zeros),
            2 => (zeros, plain),
            _ => (zeros.clone(), zeros),
        };
        BitSlicedColumn {
            width,
            rows,
            shares: ReplicatedWords { own, next },
        }
    }

    /// Mask of the valid bits in the last word of each bit position.
    pub fn last_word_mask(&self) -> u64 {
        last_word_mask(self.rows)
    }

    /// The one-bit column holding bit position `bit` of this column (no communication).
    ///
    /// # Panics
    /// If `bit >= width`.
    pub fn bit_column(&self, bit: u32) -> BitSlicedColumn {
        assert!(bit < self.width, "bit position out of range");
        let (o, n) = self.bit(bit);
        BitSlicedColumn {
            width: 1,
            rows: self.rows,
            shares: ReplicatedWords {
                own: o.to_vec(),
                next: n.to_vec(),
            },
        }
    }

    /// The rows of several columns of one width one after another (to run one operation on
    /// all of them in one round); undo with [`BitSlicedColumn::split`]. Local.
    pub fn concat(columns: &[&BitSlicedColumn]) -> Result<BitSlicedColumn, crate::ProtocolError> {
        let width = columns.first().map_or(1, |c| c.width);
        if columns.iter().any(|c| c.width != width) {
            return Err(crate::ProtocolError::InvalidOperands(
                "concatenated bit-sliced columns must have one width".into(),
            ));
        }
        let rows: usize = columns.iter().map(|c| c.rows).sum();
        let w = words_per_bit(rows);
        let mut own = vec![0u64; width as usize * w];
        let mut next = vec![0u64; width as usize * w];
        for b in 0..width {
            let dst = b as usize * w..(b as usize + 1) * w;
            let mut at = 0;
            for c in columns {
                let (o, n) = c.bit(b);
                copy_bits(&mut own[dst.clone()], at, o, c.rows);
                copy_bits(&mut next[dst.clone()], at, n, c.rows);
                at += c.rows;
            }
        }
        Ok(BitSlicedColumn {
            width,
            rows,
            shares: ReplicatedWords { own, next },
        })
    }

    /// Splits the rows into consecutive columns of `rows[k]` rows each. Local.
    ///
    /// # Panics
    /// If the row counts do not add up to [`BitSlicedColumn::rows`].
    pub fn split(&self, rows: &[usize]) -> Vec<BitSlicedColumn> {
        assert_eq!(
            rows.iter().sum::<usize>(),
            self.rows,
            "split row counts must add up"
        );
        let mut at = 0;
        rows.iter()
            .map(|&n| {
                let w = words_per_bit(n);
                let mut own = vec![0u64; self.width as usize * w];
                let mut next = vec![0u64; self.width as usize * w];
                for b in 0..self.width {
                    let (o, x) = self.bit(b);
                    let dst = b as usize * w..(b as usize + 1) * w;
                    extract_bits(&mut own[dst.clone()], o, at, n);
                    extract_bits(&mut next[dst], x, at, n);
                }
                at += n;
                BitSlicedColumn {
                    width: self.width,
                    rows: n,
                    shares: ReplicatedWords { own, next },
                }
            })
            .collect()
    }
}

/// ORs the first `len` bits of `src` into `dst` starting at bit `at` (dst bits there are
/// zero).
fn copy_bits(dst: &mut [u64], at: usize, src: &[u64], len: usize) {
    if len == 0 {
        return;
    }
    let (word, shift) = (at / 64, at % 64);
    let full = len.div_ceil(64);
    for (k, &s) in src[..full].iter().enumerate() {
        let s = if k == full - 1 {
            s & last_word_mask(len)
        } else {
            s
        };
        dst[word + k] |= s << shift;
        if shift != 0 && word + k + 1 < dst.len() {
            dst[word + k + 1] |= s >> (64 - shift);
        }
    }
}

/// Writes bits `at..at + len` of `src` into `dst` from bit 0 (dst has `ceil(len/64)` words).
fn extract_bits(dst: &mut [u64], src: &[u64], at: usize, len: usize) {
    let (word, shift) = (at / 64, at % 64);
    for (k, d) in dst.iter_mut().enumerate() {
        let lo = src.get(word + k).copied().unwrap_or(0) >> shift;
        let hi = if shift != 0 {
            src.get(word + k + 1).copied().unwrap_or(0) << (64 - shift)
        } else {
            0
        };
        *d = lo | hi;
    }
    if let Some(last) = dst.last_mut() {
        *last &= last_word_mask(len);
    }
}
