//! The AIO screening circuit (rules files, plaintext reference oracle, synthetic data, and
//! the circuit built with [`crate::builder::Builder`]). Owned by the AIO work; empty for now.
