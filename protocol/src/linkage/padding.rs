//! The owner's preparation: dummy rows and a private random order.
//!
//! Before its first hop an owner
//! 1. appends `padding` dummy rows (count set by the job) whose key slots are fresh
//!    random points and whose payload is zero: a dummy never matches anything (a
//!    collision with a real tag has probability about n²/2^252), so dummies blur the
//!    table size seen by the other parties but not the match profiles;
//! 2. turns every empty key slot (a single-person household's partner) into a fresh
//!    random point, never a fixed value, so that empty slots neither match each other
//!    nor stand out;
//! 3. puts the padded rows in a private uniformly random order σ of its own.
//!
//! The order σ makes the position of a row in everything the owner sends independent of
//! the order of its file (files are often sorted by BSN or date), whatever else is known
//! about the pair permutations. Randomness: two private streams derived from the
//! owner's seed, never shared ([`SeedPurpose::LinkageDummies`] for the random points,
//! [`SeedPurpose::LinkageOrder`] for σ), so that a replay of the owner reproduces both.
//! No communication.
//!
//! [`SeedPurpose::LinkageDummies`]: crate::randomness::SeedPurpose::LinkageDummies
//! [`SeedPurpose::LinkageOrder`]: crate::randomness::SeedPurpose::LinkageOrder

use super::blind::Slot;
use super::input::LinkageInput;
use crate::randomness::PrfStream;
use crate::shuffle::Permutation;

/// An owner's table ready for its first hop, in its private order.
pub(crate) struct PreparedTable {
    /// Key slots per row: 2 for households (applicant, partner), 1 for persons.
    pub width: usize,
    /// `rows × width` slots, row-major.
    pub slots: Vec<Slot>,
    /// Payload columns, zero on dummy rows.
    pub fields: Vec<Vec<u64>>,
    /// For each row of the private order, its row in the input (values `≥ real_rows`
    /// are dummy rows).
    pub origin: Permutation,
    /// Rows of the input.
    pub real_rows: usize,
}

impl PreparedTable {
    /// Rows including dummies.
    pub fn rows(&self) -> usize {
        self.origin.len()
    }
}

fn random_bytes(rand: &mut PrfStream) -> [u8; 64] {
    let w = rand.words(8);
    let mut b = [0u8; 64];
    for (chunk, v) in b.chunks_exact_mut(8).zip(w) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    b
}

/// Pads, fills empty slots with random points (from `dummies`), and orders privately at
/// random (σ from `order`). The input must have been validated.
pub(crate) fn prepare(
    input: &LinkageInput,
    padding: usize,
    dummies: &mut PrfStream,
    order: &mut PrfStream,
) -> PreparedTable {
    let rand = dummies;
    let real_rows = input.rows();
    let rows = real_rows + padding;
    let (width, mut slots): (usize, Vec<Slot>) = match input {
        LinkageInput::Households(t) => {
            let mut s = Vec::with_capacity(rows * 2);
            for h in &t.households {
                s.push(Slot::Key(h.applicant));
                s.push(match h.partner {
                    Some(p) => Slot::Key(p),
                    None => Slot::Random(random_bytes(rand)),
                });
            }
            (2, s)
        }
        LinkageInput::Persons(t) => (1, t.persons.iter().map(|&p| Slot::Key(p)).collect()),
    };
    for _ in 0..padding * width {
        slots.push(Slot::Random(random_bytes(rand)));
    }
    let sigma = Permutation::sample(order, rows);
    let slots = sigma.apply_rows(&slots, width);
    let fields = input
        .fields()
        .iter()
        .map(|col| {
            let mut padded = col.clone();
            padded.resize(rows, 0);
            sigma.apply(&padded)
        })
        .collect();
    PreparedTable {
        width,
        slots,
        fields,
        origin: sigma,
        real_rows,
    }
}
