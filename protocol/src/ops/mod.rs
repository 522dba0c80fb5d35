//! Whole-column operations of replicated secret sharing.
//!
//! Every function here works on whole columns ([`ArithColumn`], [`BitSlicedColumn`]) or
//! on raw [`ReplicatedWords`], and every communication step is **one round for all rows**:
//! the round count of an operation depends on bit widths, never on the number of rows.
//! Functions that communicate take the party's [`Context`] and go through its one choke
//! point, [`Context::exchange`], where counters, transcripts and (later) the malicious
//! checks hook in. Local functions take only the shares (and the [`PartyId`] when a
//! public constant must be placed in component 0).
//!
//! | module | what | rounds |
//! | --- | --- | --- |
//! | [`input`] | an owner shares arithmetic or boolean (bit-sliced) columns | 1 |
//! | [`reveal`] | opening to one party or to all | 1 |
//! | [`arith`] | add, sub, neg, public constants (local); multiplication | 0 / 1 |
//! | [`boolean`] | XOR, NOT, public constants (local); AND | 0 / 1 |
//! | [`convert`] | transposes (local); A2B, MSB, B2A, bit × value | 0 / ≤ 8 / 1 / 1 |
//! | [`compare`] | `<`, `<=`, `==` for arithmetic and bit-sliced columns | ≤ 8 |
//! | [`mux`] | selection by a shared bit | 1 |
//!
//! **One implementation.** Every communicating function here except the reveal is a thin
//! wrapper: it runs the secure evaluator's step function for that gadget
//! ([`crate::evaluator`]) through the single-gadget executor, so a whole-column operation
//! and the same gate inside a circuit are one code, with the same rounds and bytes. All
//! products (AND, multiplication, the ANDs of A2B, MSB and comparisons, the OT messages of
//! B2A and bit × value) are formed by one function, the evaluator's product function
//! (`docs/protocol.md`, "The product function"). To put gates of different kinds into one
//! round, write them as a circuit and run [`crate::evaluator::evaluate`].
//!
//! The protocols follow Araki, Furukawa, Lindell, Nof, Ohara, "High-Throughput
//! Semi-Honest Secure Three-Party Computation with an Honest Majority" (CCS 2016) and
//! Mohassel & Rindal, "ABY3: A Mixed Protocol Framework for Machine Learning" (CCS 2018,
//! §5). `docs/protocol.md` gives every protocol with its cost and security argument.
//!
//! **What they reveal:** nothing, except the functions of [`reveal`], which open values to
//! the parties named by the caller and tell the observer ([`Context::record_reveal`]).
//! Every message sent before a reveal is masked by fresh correlated randomness, so it is
//! uniformly distributed whatever the secrets are (semi-honest security, one corrupt
//! party).
//!
//! [`Context`]: crate::Context
//! [`Context::exchange`]: crate::Context::exchange
//! [`Context::record_reveal`]: crate::Context::record_reveal
//! [`ArithColumn`]: crate::ArithColumn
//! [`BitSlicedColumn`]: crate::BitSlicedColumn
//! [`ReplicatedWords`]: crate::ReplicatedWords
//! [`PartyId`]: crate::PartyId

pub mod arith;
pub mod boolean;
pub mod compare;
pub mod convert;
pub mod input;
pub mod mux;
pub mod reveal;

use crate::{BitSlicedColumn, ProtocolError};

/// Checks that two bit-sliced columns have the same width and row count.
pub(crate) fn same_shape(
    op: &str,
    x: &BitSlicedColumn,
    y: &BitSlicedColumn,
) -> Result<(), ProtocolError> {
    if x.width != y.width || x.rows != y.rows {
        return Err(ProtocolError::InvalidOperands(format!(
            "{op}: operands are {}-bit × {} rows and {}-bit × {} rows",
            x.width, x.rows, y.width, y.rows
        )));
    }
    Ok(())
}

/// Checks that two word vectors have the same length.
pub(crate) fn same_len(op: &str, x: usize, y: usize) -> Result<(), ProtocolError> {
    if x != y {
        return Err(ProtocolError::InvalidOperands(format!(
            "{op}: operands have {x} and {y} rows"
        )));
    }
    Ok(())
}

/// Clears the padding bits (beyond `rows`) of every bit position of a bit-sliced buffer
/// (`k · words_per_bit(rows)` words): restores the [`BitSlicedColumn`] layout invariant
/// after the word-level ANDs. Local; both holders of a component clear the same bits.
pub fn clear_padding(words: &mut [u64], rows: usize) {
    let w = crate::share::words_per_bit(rows);
    if w == 0 {
        return;
    }
    let m = crate::share::last_word_mask(rows);
    if m == u64::MAX {
        return;
    }
    for chunk in words.chunks_exact_mut(w) {
        chunk[w - 1] &= m;
    }
}
