//! The executor: evaluates the clear-text gates, then drives every secret gate's step
//! function, one shared round at a time, and finally reveals the outputs.
//!
//! Each round: (1) every running gate is resumed with its answer from the last round and
//! runs until it submits its next request or finishes; (2) every gate whose operands are
//! now all available starts, in wire order, and does the same (a gate that needs no round —
//! `add`, `xor`, a comparison whose tree levels are all constant — finishes at once and may
//! start later gates in the same pass); (3) all submitted requests go out in one
//! [`Context::exchange`]. So a gate starts in the round after its last operand is ready and
//! takes exactly its own number of rounds: the run's round count is the circuit's critical
//! path in rounds, whatever the number of rows or gates.
//!
//! Wires are freed as soon as their last user has started; outputs are kept. Plaintext
//! inputs read only by local gates are read in place from the caller's columns, not copied,
//! and so is an owner's `b2a` (the same words as its boolean operand): it shares its
//! operand's column.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use samen_circuits::{Circuit, Op, Placement, WireId, WireType};

use crate::context::Context;
use crate::ops::input::SharedColumn;
use crate::ops::reveal::{reveal_words, Sharing};
use crate::share::ReplicatedWords;
use crate::{PartyId, ProtocolError};

use super::gates::secure_gate;
use super::round::Runtime;
use super::schedule::needed;
use super::values::{clear_gate, Plain, Value};
use super::{Outputs, SharedOutput, SharedOutputs};

type GateFuture = Pin<Box<dyn Future<Output = Result<Value, ProtocolError>>>>;

/// Our futures never wait on anything but the round, which the executor drives itself, so
/// the waker has nothing to do.
struct NoWake;

impl Wake for NoWake {
    fn wake(self: Arc<Self>) {}
}

struct Wires {
    values: Vec<Option<Rc<Value>>>,
    remaining: Vec<u32>,
    is_output: Vec<bool>,
}

impl Wires {
    /// Takes a use of `w`: a handle on its value; frees the wire after its last use.
    fn take(&mut self, w: WireId) -> Option<Rc<Value>> {
        let i = w.index();
        let v = self.values[i].clone();
        self.remaining[i] = self.remaining[i].saturating_sub(1);
        if self.remaining[i] == 0 && !self.is_output[i] {
            self.values[i] = None;
        }
        v
    }
}

/// Evaluates `circuit` up to its outputs, which stay secret (or public).
pub(crate) fn run(
    ctx: &mut Context,
    circuit: &Circuit,
    inputs_owned: Cow<'_, BTreeMap<String, Vec<u64>>>,
    shared: &BTreeMap<String, SharedColumn>,
    rows: usize,
) -> Result<SharedOutputs, ProtocolError> {
    let inputs = &*inputs_owned;
    let me = ctx.party();
    let n = circuit.len();
    let live = needed(circuit);
    let mut remaining = vec![0u32; n];
    for (i, g) in circuit.gates().iter().enumerate() {
        if live[i] {
            for w in g.op.operands() {
                remaining[w.index()] += 1;
            }
        }
    }
    let mut is_output = vec![false; n];
    for o in circuit.outputs() {
        is_output[o.wire.index()] = true;
    }
    // Plaintext inputs that only local gates read are never copied into a wire: those
    // gates read the caller's column in place (`clear_gate`). An input an output or a
    // secret gate reads directly gets its wire value as before.
    let mut read_by_secret = is_output.clone();
    for (i, g) in circuit.gates().iter().enumerate() {
        if live[i] && g.placement == Placement::Secret {
            for w in g.op.operands() {
                read_by_secret[w.index()] = true;
            }
        }
    }
    let mut wires = Wires {
        values: vec![None; n],
        remaining,
        is_output,
    };

    // Clear-text gates: inputs, public constants, the owner's local gates. `in_place`:
    // wires whose plaintext is one of the caller's input columns, read where it is.
    let own = Placement::Local(me);
    let mut in_place: Vec<Option<&[u64]>> = vec![None; n];
    let mut secret_gates: Vec<usize> = Vec::new();
    for (i, g) in circuit.gates().iter().enumerate() {
        if !live[i] {
            continue;
        }
        if g.placement == Placement::Secret && !matches!(g.op, Op::Input { .. }) {
            secret_gates.push(i);
            continue;
        }
        if let Op::Input { name, .. } = &g.op {
            if let (false, Some(col)) = (read_by_secret[i], inputs.get(name)) {
                // Read in place by its (local) users; nothing to hold.
                in_place[i] = Some(&col[..]);
                wires.values[i] = Some(Rc::new(Value::Absent));
                continue;
            }
        }
        if let (Op::B2A([x]), true) = (&g.op, g.placement == own) {
            // Same words as its boolean operand: no new column.
            if let (false, Some(col)) = (read_by_secret[i], in_place[x.index()]) {
                in_place[i] = Some(col);
                wires.take(*x);
                wires.values[i] = Some(Rc::new(Value::Absent));
                continue;
            }
            if let Some(Value::Local(_)) = wires.values[x.index()].as_deref() {
                let v = wires.take(*x).expect("present");
                wires.values[i] = Some(v);
                continue;
            }
        }
        let v = clear_gate(
            circuit,
            WireId(i as u32),
            me,
            &wires.values,
            Plain {
                inputs,
                in_place: &in_place,
            },
            shared,
            rows,
        )
        .ok_or_else(|| {
            ProtocolError::InvalidOperands(format!("gate {i} has no clear-text value"))
        })?;
        for w in g.op.operands() {
            wires.take(*w);
        }
        wires.values[i] = Some(Rc::new(v));
    }

    // The plaintext columns are last read above (every input gate, shared or not, is
    // evaluated in the clear-text pass): free them now if the caller handed them over.
    drop(in_place);
    drop(inputs_owned);

    // Secret gates, round by round.
    let rt = Runtime::new(me, rows);
    let waker = Waker::from(Arc::new(NoWake));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut running: Vec<(usize, GateFuture)> = Vec::new();
    let mut waiting = secret_gates;
    loop {
        let mut still = Vec::with_capacity(running.len());
        for (i, mut f) in running.drain(..) {
            match f.as_mut().poll(&mut cx) {
                Poll::Ready(v) => wires.values[i] = Some(Rc::new(v?)),
                Poll::Pending => still.push((i, f)),
            }
        }
        running = still;
        let mut later = Vec::with_capacity(waiting.len());
        for i in waiting {
            let g = &circuit.gates()[i];
            if g.op
                .operands()
                .iter()
                .any(|w| wires.values[w.index()].is_none())
            {
                later.push(i);
                continue;
            }
            let operands: Vec<Rc<Value>> =
                g.op.operands()
                    .iter()
                    .map(|w| wires.take(*w).expect("checked present"))
                    .collect();
            let types: Vec<WireType> =
                g.op.operands()
                    .iter()
                    .map(|w| circuit.gate(*w).ty)
                    .collect();
            let owner = match g.op {
                Op::Share { x, .. } => circuit.gate(x).placement.owner(),
                _ => None,
            };
            let mut f: GateFuture = Box::pin(secure_gate(
                rt.clone(),
                g.op.clone(),
                g.ty,
                types,
                owner,
                operands,
            ));
            match f.as_mut().poll(&mut cx) {
                Poll::Ready(v) => wires.values[i] = Some(Rc::new(v?)),
                Poll::Pending => running.push((i, f)),
            }
        }
        waiting = later;
        if !rt.has_pending() {
            if running.is_empty() && waiting.is_empty() {
                break;
            }
            return Err(ProtocolError::InvalidOperands(
                "secure evaluator: no gate can make progress".into(),
            ));
        }
        rt.exchange(ctx)?;
    }

    let outputs = circuit
        .outputs()
        .iter()
        .map(|o| {
            let v = wires.values[o.wire.index()].as_deref();
            let out = match v {
                Some(Value::Public(c)) => SharedOutput::Public(*c),
                Some(Value::Arith(a)) => SharedOutput::Secret(SharedColumn::Arith(a.clone())),
                Some(Value::Bool(b)) => SharedOutput::Secret(SharedColumn::Bool(b.clone())),
                _ => {
                    return Err(ProtocolError::InvalidOperands(format!(
                        "output `{}` was not computed",
                        o.name
                    )))
                }
            };
            Ok((o.name.clone(), out))
        })
        .collect::<Result<Vec<_>, ProtocolError>>()?;
    Ok(SharedOutputs { rows, outputs })
}

/// Reveals secret outputs to their `reveal_to` parties with the engine's reveal: one round
/// per (recipient, sharing kind) group that has outputs — one round when all outputs go to
/// the same parties and are of one kind.
pub(crate) fn reveal(
    ctx: &mut Context,
    circuit: &Circuit,
    outputs: &SharedOutputs,
) -> Result<Outputs, ProtocolError> {
    let me = ctx.party();
    let rows = outputs.rows;
    // (target: 3 = all, else party index; sharing: 0 additive, 1 xor) -> output indices
    let mut groups: BTreeMap<(usize, u8), Vec<usize>> = BTreeMap::new();
    for (k, (name, out)) in outputs.outputs.iter().enumerate() {
        let Some(decl) = circuit.outputs().iter().find(|o| &o.name == name) else {
            return Err(ProtocolError::InvalidOperands(format!(
                "`{name}` is not an output of the circuit"
            )));
        };
        let SharedOutput::Secret(col) = out else {
            continue;
        };
        let kind = u8::from(matches!(col, SharedColumn::Bool(_)));
        if decl.reveal_to.len() == 3 {
            groups.entry((3, kind)).or_default().push(k);
        } else {
            for p in decl.reveal_to.iter() {
                groups.entry((p.index(), kind)).or_default().push(k);
            }
        }
    }
    let mut revealed: Vec<Option<Vec<u64>>> = vec![None; outputs.outputs.len()];
    for ((target, kind), members) in &groups {
        let mut words = ReplicatedWords::default();
        let mut sizes = Vec::with_capacity(members.len());
        for &k in members {
            let s = match &outputs.outputs[k].1 {
                SharedOutput::Secret(SharedColumn::Arith(a)) => &a.shares,
                SharedOutput::Secret(SharedColumn::Bool(b)) => &b.shares,
                SharedOutput::Public(_) => unreachable!("only secret outputs are grouped"),
            };
            words.extend(s);
            sizes.push(s.len());
        }
        let label = members
            .iter()
            .map(|&k| outputs.outputs[k].0.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let to = (*target < 3).then(|| PartyId::ALL[*target]);
        let sharing = if *kind == 0 {
            Sharing::Additive
        } else {
            Sharing::Xor
        };
        let Some(plain) = reveal_words(ctx, &words, sharing, to, &label, rows * members.len())?
        else {
            continue;
        };
        let mut at = 0;
        for (&k, &n) in members.iter().zip(&sizes) {
            let part = &plain[at..at + n];
            at += n;
            revealed[k] = Some(match &outputs.outputs[k].1 {
                SharedOutput::Secret(SharedColumn::Bool(b)) => {
                    super::lanes::unbitslice_values(part, b.width, rows)
                }
                _ => part.to_vec(),
            });
        }
    }
    let mut result = Vec::new();
    for (k, (name, out)) in outputs.outputs.iter().enumerate() {
        let Some(decl) = circuit.outputs().iter().find(|o| &o.name == name) else {
            continue;
        };
        if !decl.reveal_to.contains(me) {
            continue;
        }
        let col = match out {
            SharedOutput::Public(c) => vec![*c; rows],
            SharedOutput::Secret(_) => revealed[k].take().ok_or_else(|| {
                ProtocolError::InvalidOperands(format!("output `{name}` was not revealed"))
            })?,
        };
        result.push((name.clone(), col));
    }
    Ok(Outputs { columns: result })
}
