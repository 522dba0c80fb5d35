//! # samen-node
//!
//! The Samen node (work in progress): transport, federation, jobs, input validation,
//! orchestration, transcripts and audit. The `samen` binary is in `main.rs`.
#![warn(missing_docs)]

pub mod audit;
pub mod transcript;
pub mod transport;
