//! # samen-circuits
//!
//! Circuits for Samen (work in progress): builder, IR, optimiser, cost model, plaintext
//! evaluator, Bristol Fashion, and the AIO screening circuit. Depends on no other crate of
//! the workspace.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
