//! Shared helpers for Samen's criterion benchmarks (the benchmarks are in `benches/`).
#![warn(missing_docs)]
