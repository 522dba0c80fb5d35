//! The gate emitter shared by the passes: appends gates to a new circuit, optionally
//! folding constants and algebraic identities and merging common sub-expressions.

use crate::eval::apply;
use crate::ir::{
    check_gate, mask, op::const_arith_type, CircuitError, Gate, Op, Placement, WireId, WireType,
};
use std::collections::HashMap;

/// Appends gates with optional folding and CSE.
pub(crate) struct Emitter {
    pub(crate) gates: Vec<Gate>,
    fold: bool,
    cse: bool,
    memo: HashMap<Op, WireId>,
}

impl Emitter {
    pub(crate) fn new(fold: bool, cse: bool) -> Emitter {
        Emitter {
            gates: Vec::new(),
            fold,
            cse,
            memo: HashMap::new(),
        }
    }

    pub(crate) fn gate(&self, w: WireId) -> &Gate {
        &self.gates[w.index()]
    }

    fn constant_of(&self, w: WireId) -> Option<u64> {
        match self.gate(w).op {
            Op::Const { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Emits `op` (operands already renumbered), returning the wire that holds its value.
    pub(crate) fn emit(&mut self, mut op: Op) -> Result<WireId, CircuitError> {
        // A share to arith takes the (possibly narrowed by folding) width of its operand.
        if let Op::Share {
            x,
            ty: ty @ WireType::Arith { .. },
        } = &mut op
        {
            if let Some(from) = self.gates.get(x.index()).map(|g| g.ty) {
                *ty = match from {
                    WireType::Arith { .. } => from,
                    WireType::Bool { width } => WireType::arith((width + 1).min(64)),
                };
            }
        }
        if op.is_commutative() {
            let ops = op.operands_mut();
            if ops[0] > ops[1] {
                ops.swap(0, 1);
            }
        }
        if self.fold {
            if let Some(w) = self.simplify(&op)? {
                return Ok(w);
            }
        }
        if self.cse && !matches!(op, Op::Input { .. }) {
            if let Some(&w) = self.memo.get(&op) {
                return Ok(w);
            }
        }
        let gate = check_gate(&self.gates, op)?;
        let id = WireId(self.gates.len() as u32);
        if self.cse && !matches!(gate.op, Op::Input { .. }) {
            self.memo.insert(gate.op.clone(), id);
        }
        self.gates.push(gate);
        Ok(id)
    }

    /// A constant of type `ty` (arith constants get their minimal width).
    pub(crate) fn constant(&mut self, value: u64, ty: WireType) -> Result<WireId, CircuitError> {
        let ty = match ty {
            WireType::Arith { .. } => const_arith_type(value as i64),
            t => t,
        };
        self.emit(Op::Const { value, ty })
    }

    /// Constant folding and algebraic identities. Returns the replacement wire, if any.
    fn simplify(&mut self, op: &Op) -> Result<Option<WireId>, CircuitError> {
        let ops = op.operands().to_vec();
        if ops.is_empty() {
            return Ok(None);
        }
        let consts: Vec<Option<u64>> = ops.iter().map(|w| self.constant_of(*w)).collect();
        if let (Op::Share { ty, .. }, [Some(value)]) = (op, consts.as_slice()) {
            // A share of a wire that folded to a constant: the constant itself, converted.
            let from = self.gate(ops[0]).ty;
            let value = apply(op, *ty, &[from], &[*value]);
            return self.constant(value, *ty).map(Some);
        }
        // Type of the result, if the gate type-checks (otherwise leave it to `check_gate`).
        let Ok(gate) = check_gate(&self.gates, op.clone()) else {
            return Ok(None);
        };
        let ty = gate.ty;
        if consts.iter().all(Option::is_some) {
            let types: Vec<WireType> = ops.iter().map(|w| self.gate(*w).ty).collect();
            let args: Vec<u64> = consts.iter().map(|c| c.unwrap_or(0)).collect();
            let value = apply(op, ty, &types, &args);
            return self.constant(value, ty).map(Some);
        }
        let same = ops.len() >= 2 && ops[0] == ops[1];
        let ones = mask(ty.width());
        let r = match (op, consts.as_slice()) {
            (Op::Add(_), [_, Some(0)]) | (Op::Add(_), [Some(0), _]) => {
                Some(if consts[0].is_some() { ops[1] } else { ops[0] })
            }
            (Op::Sub(_), [_, Some(0)]) => Some(ops[0]),
            (Op::Sub(_), _) if same => Some(self.constant(0, ty)?),
            (Op::Mul(_), [_, Some(0)]) | (Op::Mul(_), [Some(0), _]) => Some(self.constant(0, ty)?),
            (Op::Mul(_), [_, Some(1)]) => Some(ops[0]),
            (Op::Mul(_), [Some(1), _]) => Some(ops[1]),
            (Op::Xor(_), [_, Some(0)]) => Some(ops[0]),
            (Op::Xor(_), [Some(0), _]) => Some(ops[1]),
            (Op::Xor(_), _) if same => Some(self.constant(0, ty)?),
            (Op::And(_), [_, Some(0)]) | (Op::And(_), [Some(0), _]) => Some(self.constant(0, ty)?),
            (Op::And(_), [_, Some(c)]) if *c == ones => Some(ops[0]),
            (Op::And(_), [Some(c), _]) if *c == ones => Some(ops[1]),
            (Op::And(_), _) if same => Some(ops[0]),
            (Op::Not(_), _) => match self.gate(ops[0]).op {
                Op::Not([x]) => Some(x),
                _ => None,
            },
            (Op::Lt(_), _) if same => Some(self.constant(0, ty)?),
            (Op::Le(_), _) | (Op::Eq(_), _) if same => Some(self.constant(1, ty)?),
            (Op::Mux(_), [Some(c), _, _]) => Some(if c & 1 == 1 { ops[1] } else { ops[2] }),
            (Op::Mux(_), _) if ops[1] == ops[2] => Some(ops[1]),
            (Op::BitMul(_), [Some(c), _]) => Some(if c & 1 == 1 {
                ops[1]
            } else {
                self.constant(0, ty)?
            }),
            (Op::BitMul(_), [_, Some(0)]) => Some(self.constant(0, ty)?),
            _ => None,
        };
        // An identity may only hand back a wire whose placement is compatible with the
        // gate's own (it always is: an operand is public or shares the gate's placement).
        if let Some(w) = r {
            let p = self.gate(w).placement;
            debug_assert!(p == Placement::Public || p == gate.placement);
        }
        Ok(r)
    }
}
