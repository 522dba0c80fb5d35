//! Typed errors of the protocol layer.

use crate::channel::ChannelError;
use crate::PartyId;

/// Why a protocol step failed. Every variant aborts the job: no output is released after
/// a protocol error.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The channel failed (peer gone, timeout, abort, oversized frame).
    #[error(transparent)]
    Channel(#[from] ChannelError),
    /// A peer's message did not have the shape the protocol step expects.
    #[error("malformed message from {from}: {reason}")]
    MalformedMessage {
        /// The sender.
        from: PartyId,
        /// What was wrong (lengths, never contents).
        reason: String,
    },
    /// Operands of an operation do not fit together (lengths, widths).
    #[error("invalid operands: {0}")]
    InvalidOperands(String),
    /// A consistency check failed: a party deviated or a message was altered.
    #[error("check failed: {0}")]
    CheckFailed(String),
}
