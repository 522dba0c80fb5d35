//! The optional output of a job's policy "the number of flagged households, to all three
//! parties" (`count_to_all`).
//!
//! The flags stay secret: each flag bit is converted to an arithmetic share (B2A, one
//! round; ABY3 §5.4, Mohassel & Rindal, CCS 2018), every party adds up its own components
//! over all rows (local; the sum of sharings is a sharing of the sum), and only that one
//! sum is opened to all three (one round). Nobody learns more than the count; the reveal
//! is recorded under [`super::OUTPUT_FLAG_COUNT`], the label the audit's output policy
//! expects. The count does not depend on the row order, so the linked mode opens it from
//! the shuffled shares.

use crate::evaluator::{SharedOutput, SharedOutputs};
use crate::ops::convert::b2a;
use crate::ops::input::SharedColumn;
use crate::ops::reveal::reveal_arith_all;
use crate::{ArithColumn, Context, ProtocolError, ReplicatedWords};

use super::{JobRunError, OUTPUT_FLAGS, OUTPUT_FLAG_COUNT};

/// Opens the number of set flags of the circuit's flag output to all three parties.
pub fn reveal_flag_count(ctx: &mut Context, outputs: &SharedOutputs) -> Result<u64, JobRunError> {
    let flag = outputs.get(OUTPUT_FLAGS).ok_or(JobRunError::FlagOutput)?;
    let total = match flag {
        SharedOutput::Secret(SharedColumn::Bool(bits)) => {
            let a = b2a(ctx, bits)?;
            let own = a.shares.own.iter().fold(0u64, |s, &x| s.wrapping_add(x));
            let next = a.shares.next.iter().fold(0u64, |s, &x| s.wrapping_add(x));
            ArithColumn {
                shares: ReplicatedWords {
                    own: vec![own],
                    next: vec![next],
                },
            }
        }
        SharedOutput::Secret(SharedColumn::Arith(_)) => return Err(JobRunError::FlagOutput),
        // A flag folded to a constant: the count is public already; open the trivial
        // sharing so that every job with this policy has the same single reveal.
        SharedOutput::Public(c) => ArithColumn::public(
            ctx.party(),
            &[if c & 1 == 1 { outputs.rows() as u64 } else { 0 }],
        ),
    };
    let opened = reveal_arith_all(ctx, &total, OUTPUT_FLAG_COUNT)?;
    Ok(opened
        .first()
        .copied()
        .ok_or_else(|| ProtocolError::InvalidOperands("the count reveal opened no value".into()))?)
}
