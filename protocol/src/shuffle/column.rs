//! The columns a shuffle moves: one word per row, shared additively over Z_2^64 or by XOR
//! ([`ShareKind`], [`ShuffleColumn`]). Local operations only.

use crate::{ArithColumn, ReplicatedWords, XorRowColumn};

/// How a column is shared: additively over Z_2^64 or by XOR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShareKind {
    /// Additive sharing mod 2^64 ([`ArithColumn`]).
    Arith,
    /// XOR sharing, one word per row ([`XorRowColumn`]).
    Xor,
}

impl ShareKind {
    /// `a + b` (or `a ⊕ b`).
    #[inline]
    pub fn combine(self, a: u64, b: u64) -> u64 {
        match self {
            ShareKind::Arith => a.wrapping_add(b),
            ShareKind::Xor => a ^ b,
        }
    }

    /// `a − b` (or `a ⊕ b`).
    #[inline]
    pub fn remove(self, a: u64, b: u64) -> u64 {
        match self {
            ShareKind::Arith => a.wrapping_sub(b),
            ShareKind::Xor => a ^ b,
        }
    }

    /// Reconstructs a value from its three components.
    pub fn reconstruct(self, c: [u64; 3]) -> u64 {
        self.combine(self.combine(c[0], c[1]), c[2])
    }
}

/// A shared column that can be shuffled: arithmetic or XOR, one word per row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShuffleColumn {
    /// Additively shared.
    Arith(ArithColumn),
    /// XOR-shared, row-major.
    Xor(XorRowColumn),
}

impl ShuffleColumn {
    /// A column of `kind` from this party's two components.
    pub fn from_shares(kind: ShareKind, shares: ReplicatedWords) -> ShuffleColumn {
        match kind {
            ShareKind::Arith => ShuffleColumn::Arith(ArithColumn { shares }),
            ShareKind::Xor => ShuffleColumn::Xor(XorRowColumn { shares }),
        }
    }

    /// How the column is shared.
    pub fn kind(&self) -> ShareKind {
        match self {
            ShuffleColumn::Arith(_) => ShareKind::Arith,
            ShuffleColumn::Xor(_) => ShareKind::Xor,
        }
    }

    /// This party's components.
    pub fn shares(&self) -> &ReplicatedWords {
        match self {
            ShuffleColumn::Arith(c) => &c.shares,
            ShuffleColumn::Xor(c) => &c.shares,
        }
    }

    /// This party's components, mutably.
    pub fn shares_mut(&mut self) -> &mut ReplicatedWords {
        match self {
            ShuffleColumn::Arith(c) => &mut c.shares,
            ShuffleColumn::Xor(c) => &mut c.shares,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.shares().len()
    }

    /// The arithmetic column, if it is one.
    pub fn into_arith(self) -> Option<ArithColumn> {
        match self {
            ShuffleColumn::Arith(c) => Some(c),
            ShuffleColumn::Xor(_) => None,
        }
    }

    /// The XOR column, if it is one.
    pub fn into_xor(self) -> Option<XorRowColumn> {
        match self {
            ShuffleColumn::Xor(c) => Some(c),
            ShuffleColumn::Arith(_) => None,
        }
    }

    /// Keeps the rows at `positions` (in that order); a `None` position becomes a row
    /// shared as zero. Local: every party must pass the same positions.
    ///
    /// # Panics
    /// If a position is out of range (positions come from this party's own matching).
    pub fn gather(&self, positions: &[Option<u32>]) -> ShuffleColumn {
        let s = self.shares();
        let pick = |v: &[u64]| {
            positions
                .iter()
                .map(|p| p.map_or(0, |i| v[i as usize]))
                .collect::<Vec<u64>>()
        };
        ShuffleColumn::from_shares(
            self.kind(),
            ReplicatedWords {
                own: pick(&s.own),
                next: pick(&s.next),
            },
        )
    }
}

impl From<ArithColumn> for ShuffleColumn {
    fn from(c: ArithColumn) -> ShuffleColumn {
        ShuffleColumn::Arith(c)
    }
}

impl From<XorRowColumn> for ShuffleColumn {
    fn from(c: XorRowColumn) -> ShuffleColumn {
        ShuffleColumn::Xor(c)
    }
}
