//! The typed circuit builder.
//!
//! [`Builder`] appends gates one at a time and hands back [`WireId`]s; every call checks
//! the IR's typing rules ([`crate::ir::infer`]) and derives widths, so a finished
//! [`Circuit`] is valid by construction. Methods return `Result` so that a wrong operand
//! is an error at the line that caused it, never a panic.
//!
//! Placement is handled for the caller: inputs are local to their owner; an operation on
//! wires of one owner (and public constants) stays local to that owner; an operation that
//! mixes owners, or a local and a secret wire, first shares each local operand in its own
//! type (one `share` gate per wire, reused) and is then secret. Outputs on local wires are
//! shared too. The owner-local optimisation ([`crate::passes`]) later chooses better share
//! forms and moves as much work as possible into the owners' plaintext.
//!
//! Builds cost nothing and reveal nothing.

use crate::ir::{
    check_gate, op::const_arith_type, Circuit, CircuitError, Gate, Op, Output, PartyId, PartySet,
    Placement, WireId, WireType,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Errors of the builder: the same as those of a circuit's validation.
pub type BuildError = CircuitError;

/// Builds a [`Circuit`] gate by gate. See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    name: String,
    annotations: BTreeMap<String, String>,
    gates: Vec<Gate>,
    outputs: Vec<Output>,
    input_names: HashSet<String>,
    shares: HashMap<(WireId, WireType), WireId>,
    consts: HashMap<(u64, WireType), WireId>,
}

impl Builder {
    /// A new, empty builder for a circuit called `name`.
    pub fn new(name: impl Into<String>) -> Builder {
        Builder {
            name: name.into(),
            ..Builder::default()
        }
    }

    /// Adds an annotation (part of the circuit's identity), e.g. the rules hash.
    pub fn annotate(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.annotations.insert(key.into(), value.into());
    }

    /// The type of `wire`.
    ///
    /// # Panics
    /// If `wire` was not returned by this builder.
    pub fn ty(&self, wire: WireId) -> WireType {
        self.gates[wire.index()].ty
    }

    /// The placement of `wire`.
    ///
    /// # Panics
    /// If `wire` was not returned by this builder.
    pub fn placement(&self, wire: WireId) -> Placement {
        self.gates[wire.index()].placement
    }

    /// Number of gates so far.
    pub fn len(&self) -> usize {
        self.gates.len()
    }

    /// Whether no gate has been added.
    pub fn is_empty(&self) -> bool {
        self.gates.is_empty()
    }

    /// Appends an already-placed op without automatic sharing (the op must type-check as is).
    pub fn push(&mut self, op: Op) -> Result<WireId, BuildError> {
        let gate = check_gate(&self.gates, op)?;
        let id = WireId(self.gates.len() as u32);
        self.gates.push(gate);
        Ok(id)
    }

    /// A raw input of `owner` called `name` with declared type `ty` (local to `owner`).
    pub fn input(
        &mut self,
        owner: PartyId,
        name: impl Into<String>,
        ty: WireType,
    ) -> Result<WireId, BuildError> {
        let name = name.into();
        if name.is_empty() {
            return Err(CircuitError::EmptyName(self.gates.len() as u32));
        }
        if self.input_names.contains(&name) {
            return Err(CircuitError::DuplicateInput(name));
        }
        let w = self.push(Op::Input {
            owner,
            name: name.clone(),
            ty,
        })?;
        self.input_names.insert(name);
        Ok(w)
    }

    /// An arithmetic input of `width` signed bits.
    pub fn input_arith(
        &mut self,
        owner: PartyId,
        name: impl Into<String>,
        width: u8,
    ) -> Result<WireId, BuildError> {
        self.input(owner, name, WireType::arith(width))
    }

    /// A boolean input of `width` bits (`1` for a flag).
    pub fn input_bool(
        &mut self,
        owner: PartyId,
        name: impl Into<String>,
        width: u8,
    ) -> Result<WireId, BuildError> {
        self.input(owner, name, WireType::boolean(width))
    }

    /// A public constant of type `ty`.
    pub fn constant_typed(&mut self, value: u64, ty: WireType) -> Result<WireId, BuildError> {
        if let Some(&w) = self.consts.get(&(value, ty)) {
            return Ok(w);
        }
        let w = self.push(Op::Const { value, ty })?;
        self.consts.insert((value, ty), w);
        Ok(w)
    }

    /// A public arithmetic constant, with the smallest width that holds it.
    pub fn constant(&mut self, value: i64) -> WireId {
        self.constant_typed(value as u64, const_arith_type(value))
            .expect("a constant of its own minimal width always type-checks")
    }

    /// A public boolean constant of `width` bits.
    pub fn constant_bool(&mut self, value: u64, width: u8) -> Result<WireId, BuildError> {
        self.constant_typed(value, WireType::boolean(width))
    }

    /// Shares a local wire in its own type (explicit boundary; usually automatic).
    pub fn share(&mut self, x: WireId) -> Result<WireId, BuildError> {
        let ty = self.gate_of(x)?.ty;
        self.share_as(x, ty)
    }

    /// Shares a local wire in form `ty` (see [`Op::Share`]); reuses an existing share.
    pub fn share_as(&mut self, x: WireId, ty: WireType) -> Result<WireId, BuildError> {
        if let Some(&w) = self.shares.get(&(x, ty)) {
            return Ok(w);
        }
        let w = self.push(Op::Share { x, ty })?;
        self.shares.insert((x, ty), w);
        Ok(w)
    }

    fn gate_of(&self, w: WireId) -> Result<&Gate, BuildError> {
        self.gates
            .get(w.index())
            .ok_or(CircuitError::ForwardReference {
                gate: self.gates.len() as u32,
                operand: w.0,
            })
    }

    /// Appends `op`, first sharing local operands if the operands' placements do not agree.
    fn op(&mut self, mut op: Op) -> Result<WireId, BuildError> {
        let mut owners = HashSet::new();
        let mut secret = false;
        for &w in op.operands() {
            match self.gate_of(w)?.placement {
                Placement::Public => {}
                Placement::Local(p) => {
                    owners.insert(p);
                }
                Placement::Secret => secret = true,
            }
        }
        if owners.len() > 1 || (secret && !owners.is_empty()) {
            for w in op.operands_mut() {
                if matches!(self.gates[w.index()].placement, Placement::Local(_)) {
                    *w = self.share(*w)?;
                }
            }
        }
        self.push(op)
    }

    /// `a + b`.
    pub fn add(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Add([a, b]))
    }

    /// `a - b`.
    pub fn sub(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Sub([a, b]))
    }

    /// `-a`.
    pub fn neg(&mut self, a: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Neg([a]))
    }

    /// `a · b` (secret × secret costs one multiplication).
    pub fn mul(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Mul([a, b]))
    }

    /// `a + c` for a public integer `c`.
    pub fn add_public(&mut self, a: WireId, c: i64) -> Result<WireId, BuildError> {
        let c = self.constant(c);
        self.add(a, c)
    }

    /// `a · c` for a public integer `c` (local, no communication).
    pub fn mul_public(&mut self, a: WireId, c: i64) -> Result<WireId, BuildError> {
        let c = self.constant(c);
        self.mul(a, c)
    }

    /// Bitwise `a ⊕ b`.
    pub fn xor(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Xor([a, b]))
    }

    /// Bitwise `a ∧ b`.
    pub fn and(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::And([a, b]))
    }

    /// Bitwise `¬a`.
    pub fn not(&mut self, a: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Not([a]))
    }

    /// Bitwise `a ∨ b`, lowered to `(a ⊕ b) ⊕ (a ∧ b)` (one AND per bit).
    pub fn or(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        let x = self.xor(a, b)?;
        let n = self.and(a, b)?;
        self.xor(x, n)
    }

    /// Signed `a < b` (`Bool{1}`).
    pub fn lt(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Lt([a, b]))
    }

    /// Signed `a <= b`.
    pub fn le(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Le([a, b]))
    }

    /// Signed `a > b` (as `b < a`).
    pub fn gt(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.lt(b, a)
    }

    /// Signed `a >= b` (as `b <= a`).
    pub fn ge(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.le(b, a)
    }

    /// `a == b`.
    pub fn eq(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Eq([a, b]))
    }

    /// `a != b` (as `¬(a == b)`).
    pub fn ne(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        let e = self.eq(a, b)?;
        self.not(e)
    }

    /// `cond ? a : b` with `cond: Bool{1}`.
    pub fn mux(&mut self, cond: WireId, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        self.op(Op::Mux([cond, a, b]))
    }

    /// `min(a, b)`, lowered to `mux(a < b, a, b)`.
    pub fn min(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        let c = self.lt(a, b)?;
        self.mux(c, a, b)
    }

    /// `max(a, b)`, lowered to `mux(a < b, b, a)`.
    pub fn max(&mut self, a: WireId, b: WireId) -> Result<WireId, BuildError> {
        let c = self.lt(a, b)?;
        self.mux(c, b, a)
    }

    /// The low `width` bits of an arith wire, as a boolean vector.
    pub fn a2b(&mut self, a: WireId, width: u8) -> Result<WireId, BuildError> {
        self.op(Op::A2B { x: a, width })
    }

    /// A boolean vector read as an unsigned integer.
    pub fn b2a(&mut self, a: WireId) -> Result<WireId, BuildError> {
        self.op(Op::B2A([a]))
    }

    /// `bit · value` for `bit: Bool{1}` and an arith `value`.
    pub fn bit_mul(&mut self, bit: WireId, value: WireId) -> Result<WireId, BuildError> {
        self.op(Op::BitMul([bit, value]))
    }

    /// Declares output `name` = `wire`, revealed to `reveal_to`. A local wire is shared.
    pub fn output(
        &mut self,
        name: impl Into<String>,
        wire: WireId,
        reveal_to: PartySet,
    ) -> Result<(), BuildError> {
        let name = name.into();
        let wire = match self.gate_of(wire)?.placement {
            Placement::Local(_) => self.share(wire)?,
            _ => wire,
        };
        if self.outputs.iter().any(|o| o.name == name) {
            return Err(CircuitError::DuplicateOutput(name));
        }
        if reveal_to.is_empty() {
            return Err(CircuitError::EmptyRevealSet(name));
        }
        self.outputs.push(Output {
            name,
            wire,
            reveal_to,
        });
        Ok(())
    }

    /// Finishes the circuit.
    pub fn finish(self) -> Result<Circuit, BuildError> {
        Circuit::from_gates(self.name, self.annotations, self.gates, self.outputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_share_and_placement() {
        let mut b = Builder::new("t");
        let x = b.input_arith(PartyId::SVB, "x", 10).unwrap();
        let y = b.input_arith(PartyId::SVB, "y", 12).unwrap();
        let z = b.input_arith(PartyId::UWV, "z", 8).unwrap();
        let s = b.add(x, y).unwrap();
        assert_eq!(b.placement(s), Placement::Local(PartyId::SVB));
        assert_eq!(b.ty(s), WireType::arith(13));
        let t = b.add(s, z).unwrap();
        assert_eq!(b.placement(t), Placement::Secret);
        assert_eq!(b.ty(t), WireType::arith(14));
        let c = b.lt(t, x).unwrap();
        assert_eq!(b.ty(c), WireType::BIT);
        b.output("c", c, PartySet::only(PartyId::SVB)).unwrap();
        let circuit = b.finish().unwrap();
        // x, y, z, s, share(s), share(z), t, share(x), c
        assert_eq!(
            circuit
                .gates()
                .iter()
                .filter(|g| matches!(g.op, Op::Share { .. }))
                .count(),
            3
        );
    }

    #[test]
    fn type_errors_are_errors() {
        let mut b = Builder::new("t");
        let x = b.input_arith(PartyId::SVB, "x", 10).unwrap();
        let f = b.input_bool(PartyId::SVB, "f", 1).unwrap();
        let g = b.input_bool(PartyId::SVB, "g", 2).unwrap();
        assert!(b.add(x, f).is_err());
        assert!(b.xor(f, g).is_err());
        assert!(b.mux(x, x, x).is_err());
        assert!(b.input_arith(PartyId::UWV, "x", 3).is_err());
        assert!(b.input_arith(PartyId::UWV, "w", 65).is_err());
        assert!(b.input_arith(PartyId::UWV, "w0", 0).is_err());
        assert!(b.add(x, WireId(999)).is_err());
    }
}
