//! The only way a party talks to its peers.
//!
//! The protocol crate does no I/O. A [`Channel`] moves opaque byte messages between
//! this party and its two peers; the in-memory harness ([`crate::harness`]) and the QUIC
//! transport of the `samen` node implement it. Per peer, messages arrive in the order
//! they were sent. A channel never interprets a message; framing limits, timeouts and
//! authentication are the implementation's job.

use crate::PartyId;

/// Why a message could not be sent or received.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// The peer closed the connection or went away.
    #[error("connection to {peer} closed: {reason}")]
    Closed {
        /// The peer that went away.
        peer: PartyId,
        /// What the transport knows about why.
        reason: String,
    },
    /// No message arrived within the transport's timeout.
    #[error("timed out waiting for {peer}")]
    Timeout {
        /// The peer that did not answer.
        peer: PartyId,
    },
    /// A message exceeded the transport's maximum frame size.
    #[error("message from/to {peer} of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The peer involved.
        peer: PartyId,
        /// The announced or actual length.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The peer sent an explicit abort.
    #[error("{peer} aborted the job: {reason}")]
    PeerAborted {
        /// The party that aborted.
        peer: PartyId,
        /// Its stated reason.
        reason: String,
    },
    /// Any other transport failure.
    #[error("transport error with {peer}: {reason}")]
    Transport {
        /// The peer involved.
        peer: PartyId,
        /// A description.
        reason: String,
    },
}

/// A bidirectional, ordered, reliable message link from one party to its two peers.
pub trait Channel: Send {
    /// Queues `message` for `to`. May return before the peer has received it; must not
    /// block waiting for the peer to read (the peer may be sending at the same time).
    fn send(&mut self, to: PartyId, message: Vec<u8>) -> Result<(), ChannelError>;

    /// Blocks until the next message from `from` arrives.
    fn recv(&mut self, from: PartyId) -> Result<Vec<u8>, ChannelError>;

    /// Tells the transport that a new protocol phase begins (a transport may open a new
    /// stream per phase). The default does nothing.
    fn begin_phase(&mut self, _phase: &str) -> Result<(), ChannelError> {
        Ok(())
    }

    /// Tells both peers that this party aborts, with a reason; best effort.
    fn abort(&mut self, _reason: &str) {}
}
