//! `samen bench` (to be written).
