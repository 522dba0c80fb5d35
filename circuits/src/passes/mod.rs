//! The optimiser: constant folding, common sub-expression elimination, dead-code
//! elimination, and owner-local partial evaluation.
//!
//! Every pass maps a valid circuit to a valid circuit with the same inputs (names, owners,
//! types, order), the same outputs (names, reveal sets, order) and the same output values
//! on every input admitted by the declared types (checked by property tests against
//! [`crate::eval`]). Passes never remove inputs, so the input interface of a job does not
//! depend on the optimiser.
//!
//! - [`fold_constants`]: gates whose operands are all constants become constants (computed
//!   by [`crate::eval::apply`], the reference semantics); identities such as `x + 0`,
//!   `x · 1`, `x · 0`, `x ⊕ 0`, `x ∧ 1…1`, `¬¬x`, `mux` with a constant condition or equal
//!   branches, `x − x`, `x < x` are simplified.
//! - [`cse`]: gates with the same op and operands (commutative operands sorted) are merged.
//! - [`dce`]: gates that no output depends on are removed (inputs are kept).
//! - [`localize`]: owner-local partial evaluation. `share` gates are first made
//!   transparent (a change of form becomes an `a2b`/`b2a`), so every gate whose operands
//!   all belong to one party (or are public) becomes local to that party — computed by it
//!   in the clear before sharing — and a `share` is inserted exactly where a local value
//!   meets another party's value or a secret one. The form of each share is chosen to
//!   minimise ANDs and rounds: when a comparison (`lt`, `le`, `eq`) has two arith operands
//!   that are each local or public (different owners) and narrower than 64 bits, both are
//!   shared in boolean form at the wider of the two widths and compared as booleans (a
//!   comparator on two boolean sharings, no arithmetic-to-boolean conversion); every other
//!   use of a local arith value takes an arithmetic share (sums across parties stay
//!   additive and free). A value needed in both forms is shared twice. A local arith value
//!   that is a public affine image of another local arith value (`c·r`, `r ± k`, `k − r`)
//!   is not shared itself: its root is shared once and the affine step redone on the
//!   sharing (free), so several images of one value cost one input share (the AIO circuit:
//!   one share of each person's `a'` and `u'` instead of three; 128 bits per household
//!   less for the SVB and for the UWV).
//! - [`all_secret`]: the naive baseline: every input is shared as soon as it is read and
//!   everything else is computed under MPC. Used to show what [`optimize`] gains.
//! - [`optimize`]: the pipeline `localize` (with folding and CSE) then `dce`.
//! - [`linked`]: the linked mode's split of an optimised circuit into the owners' local
//!   part and the part that runs on linked rows (its own module).
//!
//! Passes run in the clear on the circuit description; they reveal nothing.

mod emit;
pub mod linked;

use crate::ir::{Circuit, CircuitError, Op, Output, Placement, WireId, WireType, MAX_WIDTH};
use emit::Emitter;
use std::collections::HashMap;

/// How a rebuild treats placements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Keep every gate's form; `share` gates stay where they are.
    Keep,
    /// Owner-local partial evaluation (see the module documentation).
    Localize,
    /// Share every input immediately; compute everything else under MPC.
    AllSecret,
}

struct Rebuild<'a> {
    src: &'a Circuit,
    em: Emitter,
    map: Vec<Option<WireId>>,
    shares: HashMap<(WireId, WireType), WireId>,
}

impl Rebuild<'_> {
    fn mapped(&self, w: WireId) -> WireId {
        self.map[w.index()].expect("operands are rebuilt before their users")
    }

    fn share_as(&mut self, w: WireId, ty: WireType) -> Result<WireId, CircuitError> {
        if let Some(&s) = self.shares.get(&(w, ty)) {
            return Ok(s);
        }
        let s = self.em.emit(Op::Share { x: w, ty })?;
        self.shares.insert((w, ty), s);
        Ok(s)
    }

    /// A `share` made transparent: the same value in form `ty`, in `v`'s placement.
    fn convert(&mut self, v: WireId, ty: WireType) -> Result<WireId, CircuitError> {
        let from = self.em.gate(v).ty;
        // Folding may have narrowed an arith operand; a same-kind share is the identity.
        match (from, ty) {
            (WireType::Arith { .. }, WireType::Bool { width }) => {
                self.em.emit(Op::A2B { x: v, width })
            }
            (WireType::Bool { .. }, WireType::Arith { .. }) => self.em.emit(Op::B2A([v])),
            _ => Ok(v),
        }
    }

    /// Emits `op` (operands renumbered), inserting shares where placements conflict.
    fn emit_placed(&mut self, mut op: Op, mode: Mode) -> Result<WireId, CircuitError> {
        let placements: Vec<Placement> = op
            .operands()
            .iter()
            .map(|w| self.em.gate(*w).placement)
            .collect();
        let mut owners = placements
            .iter()
            .filter_map(|p| p.owner())
            .collect::<Vec<_>>();
        owners.dedup();
        let secret = placements.contains(&Placement::Secret);
        let conflict = owners.iter().any(|o| *o != owners[0]) || (secret && !owners.is_empty());
        if !conflict || mode == Mode::Keep {
            return self.em.emit(op);
        }
        // The identities whose operands can conflict (a `mux` with equal branches or a
        // constant condition): apply them before sharing, so that the chosen branch keeps
        // its owner (and gets its best share form later).
        if let Op::Mux([c, a, b]) = op {
            if a == b {
                return Ok(a);
            }
            if let Op::Const { value, .. } = self.em.gate(c).op {
                return Ok(if value & 1 == 1 { a } else { b });
            }
        }
        // Comparison of two non-secret arith values of different owners: boolean form.
        if let Op::Lt(ab) | Op::Le(ab) | Op::Eq(ab) = &mut op {
            let (ta, tb) = (self.em.gate(ab[0]).ty, self.em.gate(ab[1]).ty);
            let w = ta.width().max(tb.width());
            if !secret && ta.is_arith() && tb.is_arith() && w < MAX_WIDTH {
                let ty = WireType::boolean(w);
                for x in ab.iter_mut() {
                    *x = match self.em.gate(*x).op {
                        Op::Const { value, .. } => {
                            self.em.constant(value & crate::ir::mask(w), ty)?
                        }
                        _ => self.share_as(*x, ty)?,
                    };
                }
                return self.em.emit(op);
            }
        }
        for x in op.operands_mut() {
            if let Placement::Local(_) = self.em.gate(*x).placement {
                *x = self.share_local(*x)?;
            }
        }
        self.em.emit(op)
    }

    /// A secret copy of the local wire `x` in its own form. An arith `x` that is a public
    /// affine image `c·r`, `r + k`, `r − k` or `k − r` of another local arith wire `r`
    /// (recursively) is not shared itself: its root is shared once and the affine step
    /// is redone on the sharing, which is free (local additions and public products), so
    /// that `14211·a`, `12·a` and `12·a − β` of one local `a` cost one input share, not
    /// three. Never costs more than sharing `x`: one arith share either way, fewer when
    /// several images of one root are shared.
    fn share_local(&mut self, x: WireId) -> Result<WireId, CircuitError> {
        let g = self.em.gate(x);
        let ty = g.ty;
        if !ty.is_arith() {
            return self.share_as(x, ty);
        }
        let is_local_arith = |em: &Emitter, w: WireId| {
            let g = em.gate(w);
            g.ty.is_arith() && matches!(g.placement, Placement::Local(_))
        };
        let is_const = |em: &Emitter, w: WireId| matches!(em.gate(w).op, Op::Const { .. });
        let affine = match g.op {
            Op::Mul([a, b]) | Op::Add([a, b]) | Op::Sub([a, b]) => {
                if is_local_arith(&self.em, a) && is_const(&self.em, b) {
                    Some((g.op.clone(), 0))
                } else if is_const(&self.em, a) && is_local_arith(&self.em, b) {
                    Some((g.op.clone(), 1))
                } else {
                    None
                }
            }
            _ => None,
        };
        let Some((mut op, at)) = affine else {
            return self.share_as(x, ty);
        };
        let root = op.operands()[at];
        op.operands_mut()[at] = self.share_local(root)?;
        self.em.emit(op)
    }

    fn run(mut self, mode: Mode, live: Option<&[bool]>) -> Result<Circuit, CircuitError> {
        for (i, g) in self.src.gates().iter().enumerate() {
            if live.is_some_and(|l| !l[i]) {
                continue;
            }
            let mut op = g.op.clone();
            for x in op.operands_mut() {
                *x = self.mapped(*x);
            }
            let w = match (&op, mode) {
                (Op::Input { .. }, Mode::AllSecret) => {
                    let w = self.em.emit(op)?;
                    let ty = self.em.gate(w).ty;
                    self.share_as(w, ty)?
                }
                (Op::Share { x, ty }, Mode::Localize | Mode::AllSecret) => self.convert(*x, *ty)?,
                (_, Mode::Keep) => self.em.emit(op)?,
                _ => self.emit_placed(op, mode)?,
            };
            self.map[i] = Some(w);
        }
        let mut outputs = Vec::with_capacity(self.src.outputs().len());
        for o in self.src.outputs() {
            let mut wire = self.mapped(o.wire);
            if let Placement::Local(_) = self.em.gate(wire).placement {
                let ty = self.em.gate(wire).ty;
                wire = self.share_as(wire, ty)?;
            }
            outputs.push(Output {
                name: o.name.clone(),
                wire,
                reveal_to: o.reveal_to,
            });
        }
        Circuit::from_gates(
            self.src.name().to_string(),
            self.src.annotations().clone(),
            self.em.gates,
            outputs,
        )
    }
}

fn rebuild(
    c: &Circuit,
    fold: bool,
    cse: bool,
    mode: Mode,
    live: Option<&[bool]>,
) -> Result<Circuit, CircuitError> {
    let r = Rebuild {
        src: c,
        em: Emitter::new(fold, cse),
        map: vec![None; c.len()],
        shares: HashMap::new(),
    };
    r.run(mode, live)
}

/// Constant folding and algebraic identities.
pub fn fold_constants(c: &Circuit) -> Result<Circuit, CircuitError> {
    rebuild(c, true, false, Mode::Keep, None)
}

/// Common sub-expression elimination.
pub fn cse(c: &Circuit) -> Result<Circuit, CircuitError> {
    rebuild(c, false, true, Mode::Keep, None)
}

/// Dead-code elimination: keeps the inputs and the gates some output depends on.
pub fn dce(c: &Circuit) -> Result<Circuit, CircuitError> {
    let mut live = vec![false; c.len()];
    for o in c.outputs() {
        live[o.wire.index()] = true;
    }
    for (i, g) in c.gates().iter().enumerate().rev() {
        if matches!(g.op, Op::Input { .. }) {
            live[i] = true;
        }
        if live[i] {
            for w in g.op.operands() {
                live[w.index()] = true;
            }
        }
    }
    rebuild(c, false, false, Mode::Keep, Some(&live))
}

/// Owner-local partial evaluation with share-form choice (see the module documentation),
/// folding and CSE on the fly.
pub fn localize(c: &Circuit) -> Result<Circuit, CircuitError> {
    rebuild(c, true, true, Mode::Localize, None)
}

/// The naive baseline: every input shared at once, everything else under MPC (with
/// folding and CSE, so the comparison with [`optimize`] isolates the placement).
pub fn all_secret(c: &Circuit) -> Result<Circuit, CircuitError> {
    let r = rebuild(c, true, true, Mode::AllSecret, None)?;
    dce(&r)
}

/// The full optimiser: [`localize`] (with folding and CSE), then [`dce`].
pub fn optimize(c: &Circuit) -> Result<Circuit, CircuitError> {
    dce(&localize(c)?)
}
