//! A whole job at one party, sans IO: given a [`Context`] (the channel to the peers, set
//! up by the caller), the job's compiled circuit, this party's table in protocol types and
//! the job's parameters, [`run_job`] runs every phase and returns this party's outputs.
//! `samen node run` drives it over QUIC; the tests drive it in the in-memory
//! [`crate::harness`]. Parsing files, checking approvals and writing outputs stay with the
//! caller.
//!
//! # Phases
//! **Aligned mode** ([`JobPlan::Aligned`]; every party's table has one row per SVB
//! household, in the SVB's order):
//! 1. `sizes` ([`agree_sizes`]): each party tells the others its row count and all check
//!    that they agree (public anyway: it is the size of every later message).
//! 2. `evaluate`: the circuit on the owners' plaintext columns
//!    ([`crate::evaluator::evaluate_shared`]).
//! 3. the optional flag count to all three ([`reveal_flag_count`], label
//!    [`OUTPUT_FLAG_COUNT`]), then the circuit's outputs to the parties the circuit names
//!    ([`crate::evaluator::reveal_outputs`]; the flags under [`OUTPUT_FLAGS`]).
//!
//! **Linked mode** ([`JobPlan::Linked`], [`linked`]): `linkage` (private record linkage,
//! whose disclosed numbers are recorded through [`Context::record_learned`]), `evaluate`
//! (the linked circuit on the shuffled households), `output` (the optional flag count,
//! then the flags back in the SVB's order, to the SVB only, label [`LINKAGE_OUTPUT`]).
//!
//! # What each party learns
//! The SVB the flags of its households; with `count_to_all`, every party the number of
//! flags; in the linked mode every party the linkage's documented leakage (the padded
//! table sizes and the histogram of match profiles, [`crate::linkage`]). Every reveal
//! and every learned number passes the context's observer under the labels of this
//! module, which an audit's output policy names.

mod count;
pub mod linked;
mod sizes;

use std::borrow::Cow;

use samen_circuits::Circuit;

use crate::evaluator::{self, EvaluatorError, LocalInputs};
use crate::linkage::{LinkageInput, LinkageSpec};
use crate::{Context, PartyId, ProtocolError};

pub use count::reveal_flag_count;
pub use linked::run_linked;
pub use samen_circuits::passes::linked::LinkedCircuit;
pub use sizes::agree_sizes;

/// The label of the per-household flags revealed to the SVB in the aligned mode (the
/// circuit's flag output).
pub const OUTPUT_FLAGS: &str = samen_circuits::aio::circuit::FLAG_OUTPUT;
/// The label of the per-household flags revealed to the SVB in the linked mode, after
/// the inverse shuffle.
pub const LINKAGE_OUTPUT: &str = crate::linkage::HOUSEHOLDS_OUTPUT;
/// The label of the number of flagged households, opened to all three parties.
pub const OUTPUT_FLAG_COUNT: &str = "flag_count";

/// The name of a party's linkage-disclosed number of rows (with padding).
pub(crate) const TABLE_SIZE_LABELS: [&str; 3] = [
    "linkage: SVB households (with padding)",
    "linkage: UWV persons (with padding)",
    "linkage: Belastingdienst persons (with padding)",
];

/// What a job runs at this party, with this party's table.
#[derive(Clone, Copy, Debug)]
pub enum JobPlan<'a> {
    /// Every party's table has one row per SVB household, in the SVB's order.
    Aligned {
        /// The job's (optimised) circuit.
        circuit: &'a Circuit,
        /// This party's plaintext input columns.
        columns: &'a LocalInputs,
        /// Rows (households).
        rows: usize,
    },
    /// Private record linkage first, then the linked circuit ([`linked`]).
    Linked {
        /// The job's split circuit (its `run` part is the approved circuit).
        circuit: &'a LinkedCircuit,
        /// The job's public linkage parameters ([`linked::linkage_spec`]).
        spec: &'a LinkageSpec,
        /// This party's table ([`linked::linkage_input`]).
        input: &'a LinkageInput,
    },
}

impl JobPlan<'_> {
    /// Rows of this party's own table (households at the SVB; in the linked mode persons
    /// at UWV and the Belastingdienst).
    pub fn rows(&self) -> usize {
        match self {
            JobPlan::Aligned { rows, .. } => *rows,
            JobPlan::Linked { input, .. } => input.rows(),
        }
    }
}

/// The job's parameters that change what the protocol does (from the job's output policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunParams {
    /// Open the number of flagged households to all three parties.
    pub count_to_all: bool,
}

/// What a job produced at this party.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobOutputs {
    /// The flags in the SVB's input order (at the SVB only).
    pub flags: Option<Vec<bool>>,
    /// The number of flags, opened to all three (with [`RunParams::count_to_all`]).
    pub flag_count: Option<u64>,
}

/// Why a job failed at this party. Every variant aborts the job; no output is released.
#[derive(Debug, thiserror::Error)]
pub enum JobRunError {
    /// A protocol step failed (channel, malformed message, operands).
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The circuit could not be evaluated on this party's inputs.
    #[error(transparent)]
    Evaluator(#[from] EvaluatorError),
    /// A peer's table has another number of rows (aligned mode).
    #[error("{peer} has {theirs} rows and {party} has {ours}: the aligned mode needs one row per SVB household in every file, in the SVB's order")]
    SizeMismatch {
        /// The peer.
        peer: PartyId,
        /// The peer's rows.
        theirs: u64,
        /// This party.
        party: PartyId,
        /// This party's rows.
        ours: usize,
    },
    /// The circuit has no flag output, or not a one-bit boolean one.
    #[error("the circuit's flag output `{OUTPUT_FLAGS}` is missing or not boolean")]
    FlagOutput,
    /// A linked payload column does not fit the circuit input it feeds.
    #[error("the linked column for `{0}` is not shared as its circuit input's type")]
    LinkedColumn(String),
    /// The owner's plaintext payload could not be computed (a value outside its declared
    /// type: the input check should have caught it).
    #[error("computing the payload of {party}: {source}")]
    Payload {
        /// The party.
        party: PartyId,
        /// What failed (names an input and row, never a value).
        source: samen_circuits::eval::EvalError,
    },
    /// This party's table does not fit its role (an SVB household table at UWV, …).
    #[error("{0} brought a table of the wrong kind for its role")]
    TableKind(PartyId),
}

/// Runs the whole job at this party (see the module documentation for the phases) and
/// returns its outputs. On error the caller aborts the context (tells the peers).
pub fn run_job(
    ctx: &mut Context,
    plan: &JobPlan<'_>,
    params: &RunParams,
) -> Result<JobOutputs, JobRunError> {
    match *plan {
        JobPlan::Aligned {
            circuit,
            columns,
            rows,
        } => run_aligned(ctx, circuit, columns, rows, params),
        JobPlan::Linked {
            circuit,
            spec,
            input,
        } => run_linked(ctx, circuit, spec, input, params),
    }
}

/// The aligned job: table sizes, the circuit, the optional count, the outputs.
pub fn run_aligned(
    ctx: &mut Context,
    circuit: &Circuit,
    columns: &LocalInputs,
    rows: usize,
    params: &RunParams,
) -> Result<JobOutputs, JobRunError> {
    aligned(ctx, circuit, Cow::Borrowed(columns), rows, params)
}

/// [`run_aligned`] taking this party's columns by value: the evaluator frees them once
/// its clear-text pass has read them (before the first secret round), instead of the
/// caller holding them through the whole evaluation. Same messages and outputs.
pub fn run_aligned_owned(
    ctx: &mut Context,
    circuit: &Circuit,
    columns: LocalInputs,
    rows: usize,
    params: &RunParams,
) -> Result<JobOutputs, JobRunError> {
    aligned(ctx, circuit, Cow::Owned(columns), rows, params)
}

fn aligned(
    ctx: &mut Context,
    circuit: &Circuit,
    columns: Cow<'_, LocalInputs>,
    rows: usize,
    params: &RunParams,
) -> Result<JobOutputs, JobRunError> {
    agree_sizes(ctx, rows)?;
    ctx.begin_phase("evaluate")?;
    let no_shared = evaluator::SharedInputs::new();
    let shared = match columns {
        Cow::Borrowed(c) => evaluator::evaluate_shared(ctx, circuit, c, &no_shared, rows)?,
        Cow::Owned(c) => evaluator::evaluate_shared_owned(ctx, circuit, c, &no_shared, rows)?,
    };
    let flag_count = if params.count_to_all {
        Some(reveal_flag_count(ctx, &shared)?)
    } else {
        None
    };
    let outputs = evaluator::reveal_outputs(ctx, circuit, &shared)?;
    let flags = outputs
        .get(OUTPUT_FLAGS)
        .map(|col| col.iter().map(|&w| w & 1 == 1).collect());
    Ok(JobOutputs { flags, flag_count })
}
