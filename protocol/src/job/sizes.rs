//! The aligned mode's size agreement: every table has one row per SVB household, so each
//! party tells the others its row count and all check that the counts agree. The count
//! is public in any case (it is the size of every later message); one round, 8 bytes to
//! each peer.

use crate::context::BytesRound;
use crate::{Context, ProtocolError};

use super::JobRunError;

/// Phase `sizes`: sends this party's row count to both peers and checks theirs.
pub fn agree_sizes(ctx: &mut Context, rows: usize) -> Result<(), JobRunError> {
    ctx.begin_phase("sizes")?;
    let me = (rows as u64).to_le_bytes().to_vec();
    let got = ctx.exchange_bytes(BytesRound {
        to_next: Some(me.clone()),
        to_prev: Some(me),
        from_next: true,
        from_prev: true,
    })?;
    let party = ctx.party();
    for (peer, bytes) in [(party.next(), got.from_next), (party.prev(), got.from_prev)] {
        let bytes = bytes.unwrap_or_default();
        let theirs: [u8; 8] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| ProtocolError::MalformedMessage {
                    from: peer,
                    reason: format!("a size message of {} bytes, not 8", bytes.len()),
                })?;
        let theirs = u64::from_le_bytes(theirs);
        if theirs != rows as u64 {
            return Err(JobRunError::SizeMismatch {
                peer,
                theirs,
                party,
                ours: rows,
            });
        }
    }
    Ok(())
}
