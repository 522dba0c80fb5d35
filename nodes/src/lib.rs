//! # samen-node
//!
//! The Samen node (work in progress): transport, federation, jobs, input validation,
//! orchestration, transcripts and audit. The `samen` binary is in `main.rs`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod approval;
pub mod audit;
pub mod cli;
pub mod config;
pub mod federation;
pub mod fsutil;
pub mod input;
pub mod job;
pub mod keys;
pub mod run;
pub mod transcript;
pub mod transport;
