//! Input: an owner secret-shares whole columns, arithmetic or boolean (bit-sliced at a
//! declared width), in one round.
//!
//! Protocol (owner `o`, replicated sharing as in Araki et al. CCS 2016; ABY3 §5.1's
//! input with the PRF trick): for each value `v` the three components are
//!
//! ```text
//! x_{o−1} = c           common randomness of all three parties (common key)
//! x_o     = r           randomness of the pair (o, o−1)  (key k_o)
//! x_{o+1} = v − r − c   (or v ⊕ r ⊕ c for boolean)       sent by o to o+1
//! ```
//!
//! Party `o` holds `(r, v − r − c)`, party `o + 1` holds `(v − r − c, c)`, party `o − 1`
//! holds `(c, r)`. One round, one message: the owner sends one word per arithmetic value,
//! or `width` bits per boolean value, to party `o + 1`; the others send nothing.
//!
//! **What it reveals:** party `o − 1` receives nothing and sees `(c, r)`, independent of
//! `v`. Party `o + 1` receives `v − r − c` where `r` comes from a key it does not hold, so
//! the message is uniformly random; its pair `(v − r − c, c)` is independent of `v`.
//! Component `c` is known to all parties, which is harmless: each single party still
//! misses one uniformly random component (`r` or `v − r − c`). Nothing is revealed to the
//! owner. Row counts and widths are public.
//!
//! [`input_many`] shares several columns of one owner in that one round. The protocol is
//! the secure evaluator's input round (`crate::evaluator::round`), run here through the
//! single-gadget executor: a circuit's `share` gates and these functions are one code.

use crate::context::Context;
use crate::evaluator::gadget;
use crate::evaluator::round::InputSpec;
use crate::share::{ArithColumn, BitSlicedColumn};
use crate::{PartyId, ProtocolError};

/// One column to be shared by its owner (see [`input_many`]).
#[derive(Clone, Copy, Debug)]
pub enum InputColumn<'a> {
    /// An arithmetic column: `values` (one per row) at the owner, `None` elsewhere.
    Arith {
        /// The plaintext at the owner.
        values: Option<&'a [u64]>,
        /// Number of rows (public, all parties pass the same).
        rows: usize,
    },
    /// A boolean column of `width`-bit values, shared bit-sliced.
    Bool {
        /// The plaintext at the owner; every value must fit in `width` bits.
        values: Option<&'a [u64]>,
        /// Number of rows.
        rows: usize,
        /// Declared bit width, 1..=64.
        width: u32,
    },
}

/// A shared column of either kind (what [`input_many`] returns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedColumn {
    /// An arithmetic column.
    Arith(ArithColumn),
    /// A bit-sliced boolean column.
    Bool(BitSlicedColumn),
}

impl SharedColumn {
    /// The arithmetic column, if it is one.
    pub fn into_arith(self) -> Option<ArithColumn> {
        match self {
            SharedColumn::Arith(a) => Some(a),
            SharedColumn::Bool(_) => None,
        }
    }

    /// The bit-sliced column, if it is one.
    pub fn into_bool(self) -> Option<BitSlicedColumn> {
        match self {
            SharedColumn::Bool(b) => Some(b),
            SharedColumn::Arith(_) => None,
        }
    }
}

impl InputColumn<'_> {
    fn values(&self) -> Option<&[u64]> {
        match *self {
            InputColumn::Arith { values, .. } | InputColumn::Bool { values, .. } => values,
        }
    }

    fn check(&self, index: usize, is_owner: bool) -> Result<(), ProtocolError> {
        let rows = match *self {
            InputColumn::Arith { rows, .. } => rows,
            InputColumn::Bool { rows, width, .. } => {
                if !(1..=64).contains(&width) {
                    return Err(ProtocolError::InvalidOperands(format!(
                        "input column {index}: bit width {width} is not in 1..=64"
                    )));
                }
                rows
            }
        };
        match (self.values(), is_owner) {
            (Some(v), true) if v.len() != rows => Err(ProtocolError::InvalidOperands(format!(
                "input column {index}: {} values for {rows} rows",
                v.len()
            ))),
            (None, true) => Err(ProtocolError::InvalidOperands(format!(
                "input column {index}: the owner must give values"
            ))),
            (Some(_), false) => Err(ProtocolError::InvalidOperands(format!(
                "input column {index}: only the owner gives values"
            ))),
            _ => {
                if let (
                    InputColumn::Bool {
                        values: Some(v),
                        width,
                        ..
                    },
                    true,
                ) = (self, is_owner)
                {
                    if *width < 64 {
                        if let Some(row) = v.iter().position(|&x| x >> width != 0) {
                            return Err(ProtocolError::InvalidOperands(format!(
                                "input column {index}, row {row}: value does not fit in {width} bits"
                            )));
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// Shares several columns of one `owner` in **one** round. Every party passes the same
/// column descriptions; only the owner passes values. Returns the shared columns in
/// order. Cost: one round; the owner sends 64 bits per arithmetic row and `width` bits
/// per boolean row to the next party; nothing else is sent.
pub fn input_many(
    ctx: &mut Context,
    owner: PartyId,
    columns: &[InputColumn<'_>],
) -> Result<Vec<SharedColumn>, ProtocolError> {
    let me = ctx.party();
    for (k, c) in columns.iter().enumerate() {
        if let Err(e) = c.check(k, me == owner) {
            ctx.abort("invalid input");
            return Err(e);
        }
    }
    let specs: Vec<InputSpec> = columns
        .iter()
        .map(|c| match *c {
            InputColumn::Arith { values, rows } => InputSpec {
                width: None,
                values: values.map(<[u64]>::to_vec),
                rows,
            },
            InputColumn::Bool {
                values,
                rows,
                width,
            } => InputSpec {
                width: Some(width),
                values: values.map(<[u64]>::to_vec),
                rows,
            },
        })
        .collect();
    gadget::run(ctx, 0, |rt| async move { Ok(rt.input(owner, specs).await) })
}

/// Shares an arithmetic column owned by `owner` (values at the owner, `None` elsewhere):
/// one round, 64 bits per row sent by the owner.
pub fn input_arith(
    ctx: &mut Context,
    owner: PartyId,
    values: Option<&[u64]>,
    rows: usize,
) -> Result<ArithColumn, ProtocolError> {
    let out = input_many(ctx, owner, &[InputColumn::Arith { values, rows }])?;
    Ok(out
        .into_iter()
        .next()
        .and_then(SharedColumn::into_arith)
        .expect("one arithmetic column"))
}

/// Shares a boolean column of `width`-bit values owned by `owner`, directly bit-sliced:
/// one round, `width` bits per row sent by the owner.
pub fn input_bool(
    ctx: &mut Context,
    owner: PartyId,
    values: Option<&[u64]>,
    rows: usize,
    width: u32,
) -> Result<BitSlicedColumn, ProtocolError> {
    let out = input_many(
        ctx,
        owner,
        &[InputColumn::Bool {
            values,
            rows,
            width,
        }],
    )?;
    Ok(out
        .into_iter()
        .next()
        .and_then(SharedColumn::into_bool)
        .expect("one boolean column"))
}
