//! # samen-protocol
//!
//! The sans-IO core of Samen: three-party replicated secret sharing with an honest
//! majority (Araki, Furukawa, Lindell, Nof, Ohara, CCS 2016; ABY3, Mohassel & Rindal,
//! CCS 2018). No sockets, no clocks, no files: a party talks to its peers only through a
//! [`Channel`], and every message passes through one choke point, [`Context::exchange`],
//! which counts bytes and rounds and lets a transcript observe each message.
//!
//! The types that matter:
//! - [`PartyId`]: party 0 (SVB), 1 (UWV), 2 (Belastingdienst), arithmetic mod 3;
//! - [`Context`]: one party's running job — channel, correlated randomness, counters;
//! - [`harness`]: three parties in one process, for tests and benchmarks;
//! - [`job`]: a whole job at one party (sizes or linkage, circuit, reveals), driven by
//!   `samen node run` over QUIC and by the tests in the harness.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod channel;
pub mod context;
pub mod error;
pub mod evaluator;
pub mod harness;
pub mod job;
pub mod linkage;
pub mod ops;
pub mod randomness;
pub mod share;
pub mod shuffle;
pub mod wire;

pub use channel::{Channel, ChannelError};
pub use context::{CommStats, Context, SecurityMode};
pub use error::ProtocolError;
/// The party type is the IR's: one type across the crates.
pub use samen_circuits::PartyId;
pub use share::{ArithColumn, BitSlicedColumn, ReplicatedWords, XorRowColumn};
