//! The optional output of a job's policy "the number of flagged households, to all three
//! parties" (`count_to_all`).
//!
//! The flags stay secret: each flag bit is converted to an arithmetic share (B2A, one
//! round; ABY3 §5.4), every party adds up its own components over all rows (local; the
//! sum of sharings is a sharing of the sum), and only that one sum is opened to all three
//! (one round). Nobody learns more than the count; the reveal is recorded under the label
//! the audit's output policy expects ([`crate::audit::job::OUTPUT_FLAG_COUNT`]).

use samen_protocol::evaluator::{SharedOutput, SharedOutputs};
use samen_protocol::ops::convert::b2a;
use samen_protocol::ops::input::SharedColumn;
use samen_protocol::ops::reveal::reveal_arith_all;
use samen_protocol::{ArithColumn, Context, ReplicatedWords};

use crate::audit::job::OUTPUT_FLAG_COUNT;

/// Opens the number of set flags of the circuit's flag output to all three parties.
pub fn reveal_flag_count(ctx: &mut Context, outputs: &SharedOutputs) -> Result<u64, String> {
    let flag = outputs
        .get(samen_circuits::aio::circuit::FLAG_OUTPUT)
        .ok_or("the circuit has no flag output")?;
    let total = match flag {
        SharedOutput::Secret(SharedColumn::Bool(bits)) => {
            let a = b2a(ctx, bits).map_err(|e| e.to_string())?;
            let own = a.shares.own.iter().fold(0u64, |s, &x| s.wrapping_add(x));
            let next = a.shares.next.iter().fold(0u64, |s, &x| s.wrapping_add(x));
            ArithColumn {
                shares: ReplicatedWords {
                    own: vec![own],
                    next: vec![next],
                },
            }
        }
        SharedOutput::Secret(SharedColumn::Arith(_)) => {
            return Err("the flag output is not boolean".into())
        }
        // A flag folded to a constant: the count is public already; open the trivial
        // sharing so that every job with this policy has the same single reveal.
        SharedOutput::Public(c) => ArithColumn::public(
            ctx.party(),
            &[if c & 1 == 1 { outputs.rows() as u64 } else { 0 }],
        ),
    };
    let opened = reveal_arith_all(ctx, &total, OUTPUT_FLAG_COUNT).map_err(|e| e.to_string())?;
    opened
        .first()
        .copied()
        .ok_or_else(|| "no count was opened".to_string())
}
