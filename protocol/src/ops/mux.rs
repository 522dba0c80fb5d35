//! Selection by a shared bit (MUX): `s ? a : b` for whole columns.
//!
//! Boolean: `b ⊕ s·(a ⊕ b)`, with `s` ANDed into every bit position: one AND layer, one
//! round, `width` bits per row per party. Arithmetic: `b + s·(a − b)` with the bit × value
//! protocol of ABY3 §5.4 ([`bit_times_value`]): one round. Both reveal nothing.
//!
//! [`bit_times_value`]: super::convert::bit_times_value

use crate::context::Context;
use crate::share::{ArithColumn, BitSlicedColumn};
use crate::ProtocolError;

use super::arith::{add, sub};
use super::boolean::{and, broadcast_bit, xor};
use super::convert::bit_times_value;
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
    let d = xor(a, b)?;
    let sel = and(ctx, &broadcast_bit(s, a.width)?, &d)?;
    xor(b, &sel)
}

/// `s ? a : b` row by row, for arithmetic `a`, `b` and a one-bit `s`.
pub fn mux_arith(
    ctx: &mut Context,
    s: &BitSlicedColumn,
    a: &ArithColumn,
    b: &ArithColumn,
) -> Result<ArithColumn, ProtocolError> {
    let d = sub(a, b)?;
    let sd = bit_times_value(ctx, s, &d)?;
    add(b, &sd)
}
