//! The circuit IR: a DAG of typed, placed, word-level gates.
//!
//! A [`Circuit`] is a list of [`Gate`]s in topological order (gate `i` computes wire
//! `WireId(i)` from wires `< i`), a list of named [`Output`]s, a name and free-form
//! annotations (e.g. the hash of the rules file a circuit was built from). Every circuit
//! value is valid by construction: the [`crate::builder::Builder`], the decoder
//! ([`Circuit::decode`]) and [`Circuit::from_parts`] all check the typing rules of
//! [`op::infer`], topological order, unique names and output placements.
//!
//! Identity: [`Circuit::encode`] gives the canonical byte encoding (versioned,
//! deterministic); its BLAKE3 hash, [`Circuit::hash`], is the circuit hash that a job
//! approves. The `Display` impl prints a readable text form.
//!
//! This module reveals nothing and costs nothing: it is data. What each gate costs when
//! evaluated securely is in [`crate::cost`].

pub mod encode;
pub mod op;
mod text;
pub mod types;

pub use crate::party::PartyId;
pub use encode::DecodeError;
pub use op::{infer, Gate, Op, TypeError, WireId};
pub use types::{mask, sign_extend, signed_width, PartySet, Placement, WireType, MAX_WIDTH};

use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// A named output: a wire revealed to a set of parties.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Output {
    /// Unique output name.
    pub name: String,
    /// The wire revealed; its placement is `Secret` (or `Public` for a folded constant).
    pub wire: WireId,
    /// Who learns the value (never empty).
    pub reveal_to: PartySet,
}

/// A view of one input of a circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputRef<'a> {
    /// The input's wire.
    pub wire: WireId,
    /// The party that supplies it.
    pub owner: PartyId,
    /// Its name.
    pub name: &'a str,
    /// Its declared type.
    pub ty: WireType,
}

/// The BLAKE3 hash of a circuit's canonical encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CircuitHash(pub [u8; 32]);

impl fmt::Display for CircuitHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Why a list of gates and outputs is not a valid circuit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CircuitError {
    /// Gate `gate` is ill-typed.
    #[error("gate {gate}: {error}")]
    Type {
        /// The gate's index.
        gate: u32,
        /// The typing error.
        error: TypeError,
    },
    /// Gate `gate` uses a wire that is not computed before it (a forward reference, which
    /// is also how a cycle shows).
    #[error("gate {gate} uses wire {operand}, which is not computed before it (forward reference or cycle)")]
    ForwardReference {
        /// The gate's index.
        gate: u32,
        /// The offending operand.
        operand: u32,
    },
    /// Two inputs with the same name.
    #[error("duplicate input name `{0}`")]
    DuplicateInput(String),
    /// Two outputs with the same name.
    #[error("duplicate output name `{0}`")]
    DuplicateOutput(String),
    /// An empty input or output name.
    #[error("empty name (gate or output {0})")]
    EmptyName(u32),
    /// An output refers to a wire that does not exist.
    #[error("output `{name}` refers to wire {wire}, but the circuit has {gates} gates")]
    OutputOutOfRange {
        /// Output name.
        name: String,
        /// The wire index.
        wire: u32,
        /// Number of gates.
        gates: u32,
    },
    /// An output on a local wire (it must be shared first).
    #[error("output `{name}` is a {placement} wire; outputs must be secret (or public)")]
    OutputNotShared {
        /// Output name.
        name: String,
        /// The wire's placement.
        placement: Placement,
    },
    /// An output revealed to nobody.
    #[error("output `{0}` is revealed to no party")]
    EmptyRevealSet(String),
    /// More gates than wire ids can number.
    #[error("too many gates ({0}); at most 2^32 - 1")]
    TooManyGates(usize),
}

/// A valid circuit. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Circuit {
    name: String,
    annotations: BTreeMap<String, String>,
    gates: Vec<Gate>,
    outputs: Vec<Output>,
}

impl Circuit {
    /// Checks and assembles a circuit from ops (in topological order) and outputs.
    pub fn from_parts(
        name: impl Into<String>,
        annotations: BTreeMap<String, String>,
        ops: Vec<Op>,
        outputs: Vec<Output>,
    ) -> Result<Circuit, CircuitError> {
        let mut gates: Vec<Gate> = Vec::with_capacity(ops.len());
        for op in ops {
            let gate = check_gate(&gates, op)?;
            gates.push(gate);
        }
        Circuit::from_gates(name.into(), annotations, gates, outputs)
    }

    /// Assembles a circuit from gates already checked with [`check_gate`] in order; checks
    /// names and outputs.
    pub(crate) fn from_gates(
        name: String,
        annotations: BTreeMap<String, String>,
        gates: Vec<Gate>,
        outputs: Vec<Output>,
    ) -> Result<Circuit, CircuitError> {
        let mut names = HashSet::new();
        for (i, g) in gates.iter().enumerate() {
            if let Op::Input { name, .. } = &g.op {
                if name.is_empty() {
                    return Err(CircuitError::EmptyName(i as u32));
                }
                if !names.insert(name.as_str()) {
                    return Err(CircuitError::DuplicateInput(name.clone()));
                }
            }
        }
        let mut out_names = HashSet::new();
        for (i, o) in outputs.iter().enumerate() {
            if o.name.is_empty() {
                return Err(CircuitError::EmptyName(i as u32));
            }
            if !out_names.insert(o.name.as_str()) {
                return Err(CircuitError::DuplicateOutput(o.name.clone()));
            }
            let Some(g) = gates.get(o.wire.index()) else {
                return Err(CircuitError::OutputOutOfRange {
                    name: o.name.clone(),
                    wire: o.wire.0,
                    gates: gates.len() as u32,
                });
            };
            if matches!(g.placement, Placement::Local(_)) {
                return Err(CircuitError::OutputNotShared {
                    name: o.name.clone(),
                    placement: g.placement,
                });
            }
            if o.reveal_to.is_empty() {
                return Err(CircuitError::EmptyRevealSet(o.name.clone()));
            }
        }
        Ok(Circuit {
            name,
            annotations,
            gates,
            outputs,
        })
    }

    /// The circuit's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Annotations (key → value), sorted by key; part of the circuit's identity.
    pub fn annotations(&self) -> &BTreeMap<String, String> {
        &self.annotations
    }

    /// The gates in topological order; gate `i` computes `WireId(i)`.
    pub fn gates(&self) -> &[Gate] {
        &self.gates
    }

    /// The gate computing `wire`.
    ///
    /// # Panics
    /// If `wire` is not a wire of this circuit.
    pub fn gate(&self, wire: WireId) -> &Gate {
        &self.gates[wire.index()]
    }

    /// Number of gates (= number of wires).
    pub fn len(&self) -> usize {
        self.gates.len()
    }

    /// Whether the circuit has no gates.
    pub fn is_empty(&self) -> bool {
        self.gates.is_empty()
    }

    /// The inputs, in wire order.
    pub fn inputs(&self) -> impl Iterator<Item = InputRef<'_>> {
        self.gates
            .iter()
            .enumerate()
            .filter_map(|(i, g)| match &g.op {
                Op::Input { owner, name, ty } => Some(InputRef {
                    wire: WireId(i as u32),
                    owner: *owner,
                    name,
                    ty: *ty,
                }),
                _ => None,
            })
    }

    /// The inputs of one party, in wire order.
    pub fn inputs_of(&self, party: PartyId) -> impl Iterator<Item = InputRef<'_>> {
        self.inputs().filter(move |i| i.owner == party)
    }

    /// The outputs, in declaration order.
    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// For each wire, how many gates and outputs use it.
    pub fn use_counts(&self) -> Vec<u32> {
        let mut uses = vec![0u32; self.gates.len()];
        for g in &self.gates {
            for w in g.op.operands() {
                uses[w.index()] += 1;
            }
        }
        for o in &self.outputs {
            uses[o.wire.index()] += 1;
        }
        uses
    }

    /// The canonical byte encoding (see [`encode`]).
    pub fn encode(&self) -> Vec<u8> {
        encode::encode(self)
    }

    /// Decodes and validates untrusted bytes (see [`encode`]).
    pub fn decode(bytes: &[u8]) -> Result<Circuit, DecodeError> {
        encode::decode(bytes)
    }

    /// The circuit hash: BLAKE3 of the canonical encoding.
    pub fn hash(&self) -> CircuitHash {
        CircuitHash(*blake3::hash(&self.encode()).as_bytes())
    }
}

/// Checks `op` as the next gate after `gates` (operands must be earlier wires) and returns
/// the typed gate.
pub fn check_gate(gates: &[Gate], op: Op) -> Result<Gate, CircuitError> {
    let index = gates.len();
    if index >= u32::MAX as usize {
        return Err(CircuitError::TooManyGates(index + 1));
    }
    for w in op.operands() {
        if w.index() >= index {
            return Err(CircuitError::ForwardReference {
                gate: index as u32,
                operand: w.0,
            });
        }
    }
    let operands = op.operands();
    let (ty, placement) = infer(&op, |i| {
        let g = &gates[operands[i].index()];
        (g.ty, g.placement)
    })
    .map_err(|error| CircuitError::Type {
        gate: index as u32,
        error,
    })?;
    Ok(Gate { op, ty, placement })
}
