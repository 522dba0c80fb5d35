//! Selection by a shared bit (MUX): `s ? a : b` for whole columns.
//!
//! Boolean: `b ⊕ s·(a ⊕ b)`, with `s` ANDed into every bit position: one AND layer, one
//! round, `width` bits per row per party. Arithmetic: `b + s·(a − b)` with the bit × value
//! protocol of ABY3 §5.4 ([`bit_times_value`]): one round. Both reveal nothing. Both run
//! the secure evaluator's `mux` step functions through the single-gadget executor.
//!
//! [`bit_times_value`]: super::convert::bit_times_value

use crate::context::Context;
use crate::evaluator::gadget;
use crate::evaluator::gates::{mux_arith as mux_a, mux_bool as mux_b, V};
use crate::share::{ArithColumn, BitSlicedColumn};
use crate::ProtocolError;

use super::same_shape;

/// `s ? a : b` row by row, for bit-sliced `a` and `b` of one width and a one-bit `s`.
pub fn mux_bool(
    ctx: &mut Context,
    s: &BitSlicedColumn,
    a: &BitSlicedColumn,
    b: &BitSlicedColumn,
) -> Result<BitSlicedColumn, ProtocolError> {
    same_shape("mux_bool", a, b)?;
    if s.width != 1 || s.rows != a.rows {
        return Err(ProtocolError::InvalidOperands(
            "mux_bool: the selector must be a one-bit column with the operands' rows".into(),
        ));
    }
    gadget::run(ctx, a.rows, |rt| async move {
        mux_b(&rt, s, &V::B(a), &V::B(b), a.width).await
    })
}

/// `s ? a : b` row by row, for arithmetic `a`, `b` and a one-bit `s`.
pub fn mux_arith(
    ctx: &mut Context,
    s: &BitSlicedColumn,
    a: &ArithColumn,
    b: &ArithColumn,
) -> Result<ArithColumn, ProtocolError> {
    super::same_len("mux_arith", a.rows(), b.rows())?;
    if s.width != 1 || s.rows != a.rows() {
        return Err(ProtocolError::InvalidOperands(
            "mux_arith: the selector must be a one-bit column with the operands' rows".into(),
        ));
    }
    gadget::run(ctx, a.rows(), |rt| async move {
        mux_a(&rt, s, &V::A(a), &V::A(b)).await
    })
}
