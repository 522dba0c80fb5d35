//! # samen-circuits
//!
//! Circuits for Samen. Depends on no other crate of the workspace.
//!
//! - [`party`]: [`PartyId`], the one party type of every crate (re-exported by
//!   `samen-protocol`).
//! - [`ir`]: the circuit IR — [`ir::Circuit`], a DAG of typed, placed word-level
//!   [`ir::Gate`]s in topological order, with a canonical encoding and a BLAKE3 hash.
//! - [`builder`]: [`builder::Builder`], the typed way to write circuits.
//! - [`eval`]: the plaintext evaluator, the reference semantics of the IR.
//! - [`passes`]: the optimiser (folding, CSE, DCE, owner-local partial evaluation).
//! - [`bristol`]: Bristol Fashion import and export.
//! - [`cost`]: the cost model (ANDs, multiplications, rounds, bits per party per row).
//! - [`lanes`]: the lane plans (AND trees of comparisons and conversions), shared by the
//!   cost model and the secure evaluator.
//! - [`testing`]: random circuits and inputs for property tests (here and in `protocol/`).
//!
//! The contract with the secure evaluator in `samen-protocol` is [`ir::Circuit::gates`]:
//! each gate's [`ir::Op`], result [`ir::WireType`] and [`ir::Placement`]; see
//! `docs/circuits.md`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod aio;
pub mod bristol;
pub mod builder;
pub mod cost;
pub mod eval;
pub mod ir;
pub mod lanes;
pub mod party;
pub mod passes;
pub mod report;
pub mod testing;

pub use builder::{BuildError, Builder};
pub use ir::{
    Circuit, CircuitHash, Gate, Op, Output, PartyId, PartySet, Placement, WireId, WireType,
};
