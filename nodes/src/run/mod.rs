//! Running a job: one node's side (`samen node run`), and the local three-node
//! set-ups of `samen demo` and `samen bench`.
//!
//! A node runs a job in this order, and stops at the first failure:
//!
//! 1. **Local checks** (nothing leaves the machine): the node configuration, the federation
//!    file, the job file and its three approvals, the job id not used before, the circuit
//!    recompiled from the job's rules and policy with the approved hash, and the input file
//!    validated against the job's schema.
//! 2. **Connect** (QUIC, mutual TLS with pinned certificates; [`crate::transport`]): the
//!    peers prove they hold the pinned keys and run the same job hash.
//! 3. **Protocol** ([`samen_protocol::job::run_job`], sans IO, the same code the in-memory
//!    tests run): PRF key set-up, the public table sizes (or the private record linkage),
//!    the secret sharing of inputs, the circuit, the reveal of the outputs to the parties
//!    the output policy names. Every message, reveal and learned number passes through the
//!    transcript ([`crate::transcript`]), the context's observer.
//! 4. **Output**: only after the whole job succeeded and the peers said goodbye, the SVB
//!    node writes `candidates.csv` (atomically: a temporary file and a rename); the other
//!    nodes write nothing about individuals. Then the transcript is closed with its outcome
//!    and signature.
//!
//! On any failure after connecting, the node sends an abort with the reason to its peers,
//! writes the abort into its transcript and exits non-zero; no output file exists.

pub mod bench;
pub mod circuit;
pub mod columns;
pub mod demo;
pub mod error;
pub mod linked;
pub mod node;
pub mod output;
pub mod progress;
pub mod replay;
pub mod summary;
pub mod synthetic;

pub use error::{AbortError, LocalError, RunError};
pub use node::{run_node, RunOptions};
pub use summary::{PhaseSummary, RunSummary};
