//! The secure evaluator: runs any circuit of the `samen-circuits` IR on the engine, for
//! all rows at once, with every gate that becomes ready at the same round sharing that
//! round.
//!
//! # How a circuit runs
//! 1. **Clear text.** Each party checks its own input columns against the circuit
//!    ([`EvaluatorError`] names the input and row, never a value) and evaluates, in the
//!    clear, the public gates and the gates local to it (`Placement::Local(me)`), with the
//!    IR's reference semantics ([`samen_circuits::eval::apply`]). No communication.
//! 2. **Secret gates.** Every gate with a secret result is a step function over one shared
//!    round (`round`): it submits its ANDs, multiplications, input sharings or
//!    oblivious transfers and waits for the answer. Each round, every running gate submits
//!    its next step and every gate whose operands became available starts; everything
//!    submitted goes out in **one** exchange. `share` gates therefore all share round 1
//!    (every owner at once); a gate starts in the round after its last operand is ready;
//!    local gates (`add`, `xor`, multiplication by a constant, …) finish at once. The round
//!    count is the circuit's critical path in rounds — the `rounds` of
//!    `samen_circuits::cost` — and does not depend on the number of rows.
//! 3. **Outputs.** Each output is opened only to its `reveal_to` parties with the engine's
//!    reveal ([`crate::ops::reveal::reveal_words`]), which reports every opening to the
//!    context's observer ([`Context::record_reveal`]). All outputs of one sharing kind
//!    (arithmetic or boolean) for one recipient — or for all three parties at once — are
//!    opened together in one round: one round in total when every output goes to one party
//!    (or to all) and all are of one kind, as the AIO flags (boolean, to the SVB); an output
//!    for two of the three parties is opened to each of them separately.
//!
//! [`evaluate`] does all three; [`evaluate_shared`] stops before step 3 (for the linkage
//! mode, which inverse-shuffles the output shares first) and [`reveal_outputs`] does step 3.
//! [`SharedInputs`] lets some inputs arrive already secret-shared (the aligned columns of
//! the record linkage): a `share` gate of such an input becomes a conversion (none, A2B or
//! B2A); a pre-shared input may only be used by `share` gates, as in the circuits of
//! `samen_circuits::passes::all_secret`.
//!
//! # Cost
//! Per gate, the engine's protocols (Araki et al. CCS 2016 for AND and multiplication;
//! ABY3 §5 for A2B, MSB, comparisons, bit injection and bit × value): see the table in
//! `gates`. The rounds and the bits sent per row per party equal those of the cost model
//! `samen_circuits::cost` exactly — the model counts the same lane plans
//! (`samen_circuits::lanes`), knows the public-operand shortcuts (a `mux` between two
//! public values, a `bitmul` by a public value), skips dead gates as the executor does and
//! counts one reveal round per (recipients, kind) group. `tests/evaluator_gadget_cost.rs`
//! checks this per gadget and `tests/evaluator_cost.rs` on AES-128 and the AIO circuit.
//!
//! # One implementation
//! The modules below are the engine's only implementation of its protocols: `round`
//! (the shared round and input sharing), `products` (the one function that forms every
//! product: AND, multiplication, the ANDs of lane plans, OT messages — where malicious
//! checks will hook in), `lanes` (the lane-plan executor), `convert`, `compare` and
//! `gates`. `gadget` runs one step function on its own: the whole-column operations of
//! [`crate::ops`] are thin wrappers around it.
//!
//! # What it reveals
//! Only the circuit's outputs, each to its `reveal_to` parties. Everything else a party
//! receives is masked by fresh correlated randomness (see the engine modules this packs).
//! The number of rows, the circuit and the number of rounds and bytes are public.
//! Input validation errors stay local (the party aborts before sending anything).

pub(crate) mod compare;
pub(crate) mod convert;
pub(crate) mod gadget;
pub(crate) mod gates;
pub(crate) mod lanes;
pub(crate) mod products;
pub(crate) mod round;
mod run;
mod schedule;
mod values;

use std::borrow::Cow;
use std::collections::BTreeMap;

use samen_circuits::{Circuit, WireType};

use crate::context::Context;
use crate::ops::input::SharedColumn;
use crate::{PartyId, ProtocolError};

/// This party's plaintext input columns by input name: one word per row, only for the
/// inputs it owns (others' inputs are absent). Values are words of the input's declared
/// type (two's complement for arith inputs).
pub type LocalInputs = BTreeMap<String, Vec<u64>>;

/// Inputs that arrive already secret-shared, by input name (every party passes its shares
/// of the same inputs): an arithmetic column for an `Arith` input, a bit-sliced column of
/// the declared width for a `Bool` input.
pub type SharedInputs = BTreeMap<String, SharedColumn>;

/// An output before it is opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedOutput {
    /// A public constant (the optimiser folded the output): every row has this word.
    Public(u64),
    /// Secret-shared.
    Secret(SharedColumn),
}

/// All outputs of a run before they are opened, in declaration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedOutputs {
    rows: usize,
    outputs: Vec<(String, SharedOutput)>,
}

impl SharedOutputs {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The outputs in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SharedOutput)> {
        self.outputs.iter().map(|(n, o)| (n.as_str(), o))
    }

    /// Output `name`, if the circuit has it.
    pub fn get(&self, name: &str) -> Option<&SharedOutput> {
        self.outputs.iter().find(|(n, _)| n == name).map(|(_, o)| o)
    }

    /// Replaces output `name` (for example by its inverse-shuffled shares, which must keep
    /// the kind, width and row count). Returns whether the output exists.
    pub fn set(&mut self, name: &str, output: SharedOutput) -> bool {
        match self.outputs.iter_mut().find(|(n, _)| n == name) {
            Some((_, o)) => {
                *o = output;
                true
            }
            None => false,
        }
    }
}

/// The outputs this party learns: the plaintext columns of the outputs whose `reveal_to`
/// contains it, in declaration order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outputs {
    columns: Vec<(String, Vec<u64>)>,
}

impl Outputs {
    /// Output `name`, if this party learns it.
    pub fn get(&self, name: &str) -> Option<&[u64]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_slice())
    }

    /// The outputs this party learns, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u64])> {
        self.columns.iter().map(|(n, c)| (n.as_str(), c.as_slice()))
    }

    /// Number of outputs this party learns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether this party learns no output.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The columns by name.
    pub fn into_map(self) -> BTreeMap<String, Vec<u64>> {
        self.columns.into_iter().collect()
    }
}

/// Why a circuit could not be evaluated. Input errors name the input (and row), never a
/// value; they are found before anything is sent.
#[derive(Debug, thiserror::Error)]
pub enum EvaluatorError {
    /// An input of this party has no column.
    #[error("no column for input `{name}`")]
    MissingInput {
        /// The input's name.
        name: String,
    },
    /// A column names no input of the circuit.
    #[error("`{name}` is not an input of the circuit")]
    UnknownInput {
        /// The column's name.
        name: String,
    },
    /// A plaintext column for another party's input.
    #[error("input `{name}` belongs to {owner}, not to {party}")]
    NotOwner {
        /// The input's name.
        name: String,
        /// Its owner.
        owner: PartyId,
        /// This party.
        party: PartyId,
    },
    /// An input given both in plaintext and pre-shared.
    #[error("input `{name}` is given both in plaintext and pre-shared")]
    DuplicateInput {
        /// The input's name.
        name: String,
    },
    /// A column with the wrong number of rows.
    #[error("input `{name}` has {found} rows, expected {expected}")]
    RowCount {
        /// The input's name.
        name: String,
        /// The job's row count.
        expected: usize,
        /// Rows given.
        found: usize,
    },
    /// A value outside the input's declared type.
    #[error("input `{name}`, row {row}: value outside the declared type {ty}")]
    OutOfRange {
        /// The input's name.
        name: String,
        /// The first offending row.
        row: usize,
        /// The declared type.
        ty: WireType,
    },
    /// A pre-shared column of the wrong kind, width or row count.
    #[error("pre-shared input `{name}` must be a valid {ty} column of {rows} rows")]
    SharedInputShape {
        /// The input's name.
        name: String,
        /// The declared type.
        ty: WireType,
        /// The job's row count.
        rows: usize,
    },
    /// A pre-shared input used by a gate other than `share` (its owner cannot compute on
    /// it in the clear).
    #[error("pre-shared input `{name}` is used by a gate other than `share`")]
    SharedInputUse {
        /// The input's name.
        name: String,
    },
    /// The protocol failed (channel, malformed message, check).
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

impl From<EvaluatorError> for ProtocolError {
    fn from(e: EvaluatorError) -> ProtocolError {
        match e {
            EvaluatorError::Protocol(p) => p,
            other => ProtocolError::InvalidOperands(other.to_string()),
        }
    }
}

fn checked(
    ctx: &mut Context,
    circuit: &Circuit,
    inputs: &LocalInputs,
    shared: &SharedInputs,
    rows: usize,
) -> Result<(), EvaluatorError> {
    if let Err(e) = values::validate(circuit, ctx.party(), inputs, shared, rows) {
        ctx.abort("invalid circuit input");
        return Err(e);
    }
    Ok(())
}

/// Evaluates `circuit` on `rows` rows and reveals each output to its `reveal_to` parties.
/// Every party calls this with the same circuit and row count and its own plaintext
/// inputs; each gets the outputs it may learn.
pub fn evaluate(
    ctx: &mut Context,
    circuit: &Circuit,
    inputs: &LocalInputs,
    rows: usize,
) -> Result<Outputs, EvaluatorError> {
    evaluate_with(ctx, circuit, inputs, &SharedInputs::new(), rows)
}

/// [`evaluate`] with some inputs already secret-shared (see [`SharedInputs`]).
pub fn evaluate_with(
    ctx: &mut Context,
    circuit: &Circuit,
    inputs: &LocalInputs,
    shared: &SharedInputs,
    rows: usize,
) -> Result<Outputs, EvaluatorError> {
    let outputs = evaluate_shared(ctx, circuit, inputs, shared, rows)?;
    reveal_outputs(ctx, circuit, &outputs)
}

/// Evaluates `circuit` without opening anything: the outputs stay secret-shared.
pub fn evaluate_shared(
    ctx: &mut Context,
    circuit: &Circuit,
    inputs: &LocalInputs,
    shared: &SharedInputs,
    rows: usize,
) -> Result<SharedOutputs, EvaluatorError> {
    checked(ctx, circuit, inputs, shared, rows)?;
    Ok(run::run(ctx, circuit, Cow::Borrowed(inputs), shared, rows)?)
}

/// [`evaluate_shared`] taking the plaintext inputs by value: they are dropped as soon as
/// the clear-text pass (where every input gate is evaluated, before the first round) has
/// read them, so a node does not hold its input columns through the secret rounds.
/// Same messages and outputs as [`evaluate_shared`].
pub fn evaluate_shared_owned(
    ctx: &mut Context,
    circuit: &Circuit,
    inputs: LocalInputs,
    shared: &SharedInputs,
    rows: usize,
) -> Result<SharedOutputs, EvaluatorError> {
    checked(ctx, circuit, &inputs, shared, rows)?;
    Ok(run::run(ctx, circuit, Cow::Owned(inputs), shared, rows)?)
}

/// Opens `outputs` of `circuit`, each only to its `reveal_to` parties (see the module doc).
pub fn reveal_outputs(
    ctx: &mut Context,
    circuit: &Circuit,
    outputs: &SharedOutputs,
) -> Result<Outputs, EvaluatorError> {
    Ok(run::reveal(ctx, circuit, outputs)?)
}
