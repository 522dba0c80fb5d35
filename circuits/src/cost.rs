//! The cost model: AND gates, multiplications, rounds on the critical path and bits sent
//! per party, per circuit row, of evaluating a circuit with the engine of `samen-protocol`
//! (replicated sharing, Araki et al. CCS 2016; conversions and comparisons of ABY3 §5).
//!
//! Every number comes from ONE place, [`CostTable`] and its [`CostTable::gate`] method.
//! The AND trees (full adder, carry trees, prefix, equality, boolean `mux`) are not
//! re-implemented here: the model counts the lane plans of [`crate::lanes`], which the
//! engine executes, so constants and widths give exact counts. Bits are per row: a boolean gate on
//! a bit-sliced column sends one bit per row per party, amortised over 64 rows per word.
//! Gates whose operands are public or local cost nothing (owners compute them in the clear).
//!
//! | IR gate (secret operands) | engine operation | ANDs | rounds | bits sent per row |
//! | --- | --- | --- | --- | --- |
//! | `share` arith / `Bool{w}` | `input` (owner `o` → `o+1`) | 0 | 1 | owner: 64 / `w` |
//! | `add`, `sub`, `neg`, `xor`, `not`, with a public operand: `mul`, `and` | local | 0 | 0 | 0 |
//! | `mul` | multiplication | 0 (1 mult) | 1 | 64 each |
//! | `and` on `Bool{w}` | AND | `w` | 1 | `w` each |
//! | `lt`/`le` arith, `l = min(64, max(wa, wb) + 1)` | MSB of the difference on `l` bits | `(l−1) + (l−2) + tree(l−2)` (241 at `l = 64`) | `2 + ⌈log2(l−2)⌉` (8 at 64) | ANDs each |
//! | `eq` arith | `P_0` inputs `d_0 + d_1` on `l` bits, AND tree | `l − 1` | `1 + ⌈log2 l⌉` | ANDs each, `P_0` `+ l` |
//! | `lt`/`le` `Bool{w}`, both secret | flip sign bits; generate layer + carry tree | `w + 2(w−1) − ⌈log2 w⌉` | `1 + ⌈log2 w⌉` | ANDs each |
//! | `lt`/`le` `Bool{w}` vs public `c` | carry tree of `x + (2^w − c)`, constant-aware | `< 2w` | `≤ ⌈log2 w⌉` | ANDs each |
//! | `eq` `Bool{w}` | AND tree over XNOR bits | `w − 1` | `⌈log2 w⌉` | ANDs each |
//! | `mux` `Bool{w}` | `b ⊕ s·(a ⊕ b)` | `w` (0 if `a`, `b` public) | 1 (0) | `w` each |
//! | `mux` arith, `bitmul` | bit × value (two-round 3-party OT after ABY3 §5.4, senders `P_0`, `P_2`) | 0 (1 injection) | 2 | 192 / 128 / 192 |
//! | the same with `a`, `b` (resp. the value) public | one OT, sender `P_0` | 0 (1 injection) | 2 | 128 / 64 / 64 |
//! | `mux`, `bitmul` with a public selector | a copy | 0 | 0 | 0 |
//! | `b2a` `Bool{w}` | `w` bit injections | 0 (`w` injections) | 2 | `128w` / `64w` / `64w` |
//! | `a2b{w}` | full adder + Sklansky prefix | `(w−1) + (w−2) + prefix(w−2)` | `2 + ⌈log2(w−2)⌉` (`w ≥ 3`) | ANDs each |
//! | output to party `j` | reveal (`j−1` → `j`) | 0 | 1 | sender: 64 / `w` |
//!
//! Rounds on the critical path assume all gates whose operands are ready are batched into
//! the same rounds: a gate finishes `rounds(gate)` after the latest of its operands, and the
//! circuit's rounds are the latest output plus one reveal round per group of secret outputs
//! opened together (one group per sharing kind for outputs to all three parties, one per
//! kind and recipient otherwise). A public operand is a `const` gate or a public gate of
//! public operands. Only live gates (some output depends on them) cost anything, as only
//! they run. `protocol/tests/evaluator_gadget_cost.rs` and `evaluator_cost.rs` check that
//! the model equals the bytes and rounds the engine's channels carry, per gadget and on
//! the AIO and AES circuits; adjust [`CostTable`] if the engine changes.
//!
//! A calculation on the public circuit description: reveals nothing.

use crate::ir::{Circuit, Op, PartyId, Placement, WireId, WireType};
use crate::lanes::{self, Cmp, Operand, Plan};
use std::collections::BTreeMap;
use std::fmt;

/// The cost of one gate, per row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GateCost {
    /// AND gates (boolean multiplications).
    pub and_gates: u64,
    /// Secret × secret ring multiplications.
    pub multiplications: u64,
    /// Bit injections (bit × value products by 3-party OT).
    pub bit_injections: u64,
    /// Rounds from the latest operand to the result.
    pub rounds: u32,
    /// Bits sent by each party (index = party).
    pub bits_sent: [u64; 3],
}

impl GateCost {
    fn ands(ands: u64, rounds: u32) -> GateCost {
        GateCost {
            and_gates: ands,
            rounds,
            bits_sent: [ands; 3],
            ..GateCost::default()
        }
    }
}

/// Per-op constants of the engine protocol. The formulas are in [`CostTable::gate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostTable {
    /// Bits of a ring element (arith share components, multiplication messages).
    pub word_bits: u64,
    /// Bits sent by each party in one B2A bit injection (`P_0` is the OT sender).
    pub b2a_bits: [u64; 3],
    /// Rounds of a bit injection (the OT of `samen-protocol`'s product function).
    pub ot_rounds: u32,
    /// Bits sent by each party in one bit × value product (senders `P_0` and `P_2`).
    pub bit_times_value_bits: [u64; 3],
}

impl Default for CostTable {
    fn default() -> CostTable {
        CostTable {
            word_bits: 64,
            b2a_bits: [128, 64, 64],
            ot_rounds: 2,
            bit_times_value_bits: [192, 128, 192],
        }
    }
}

impl CostTable {
    fn plan(plan: &Plan) -> GateCost {
        GateCost::ands(plan.and_gates(), plan.rounds())
    }

    /// The cost of gate `wire` of `circuit`, per row (see the module table).
    pub fn gate(&self, circuit: &Circuit, wire: WireId) -> GateCost {
        let g = circuit.gate(wire);
        let ops = g.op.operands();
        let ty = |i: usize| circuit.gate(ops[i]).ty;
        let public = |i: usize| public_value(circuit, ops[i]);
        let operand = |i: usize| match public(i) {
            Some(c) => Operand::Public(c),
            None => Operand::Secret,
        };
        if let Op::Share { x, ty } = &g.op {
            let mut c = GateCost {
                rounds: 1,
                ..GateCost::default()
            };
            if let Some(owner) = circuit.gate(*x).placement.owner() {
                c.bits_sent[owner.index()] = self.value_bits(*ty);
            }
            return c;
        }
        if g.placement != Placement::Secret {
            return GateCost::default();
        }
        let any_public = (0..ops.len()).any(|i| public(i).is_some());
        match &g.op {
            Op::Mul(_) if !any_public => GateCost {
                multiplications: 1,
                rounds: 1,
                bits_sent: [self.word_bits; 3],
                ..GateCost::default()
            },
            Op::And(_) if !any_public => GateCost::ands(g.ty.width() as u64, 1),
            Op::Lt(_) | Op::Le(_) | Op::Eq(_) => {
                let cmp = match g.op {
                    Op::Lt(_) => Cmp::Lt,
                    Op::Le(_) => Cmp::Le,
                    _ => Cmp::Eq,
                };
                match ty(0) {
                    WireType::Arith { width: wa } => {
                        let l = (wa.max(ty(1).width()) as u32 + 1).min(64);
                        if cmp == Cmp::Eq {
                            // `P_0` inputs `d_0 + d_1` on `l` bits, then the AND tree.
                            let mut c = CostTable::plan(&lanes::equal_lanes(l));
                            c.rounds += 1;
                            c.bits_sent[PartyId::SVB.index()] += l as u64;
                            c
                        } else {
                            CostTable::plan(&lanes::msb(l))
                        }
                    }
                    WireType::Bool { width } => {
                        lanes::compare_bool(cmp, width as u32, operand(0), operand(1))
                            .map(|p| CostTable::plan(&p))
                            .unwrap_or_default()
                    }
                }
            }
            Op::Mux(_) if public(0).is_some() => GateCost::default(),
            Op::Mux(_) => match g.ty {
                WireType::Bool { width } => {
                    let d = match (public(1), public(2)) {
                        (Some(a), Some(b)) => Operand::Public(a ^ b),
                        _ => Operand::Secret,
                    };
                    CostTable::plan(&lanes::select(width as u32, d))
                }
                WireType::Arith { .. } => {
                    self.bit_times_value(public(1).is_some() && public(2).is_some())
                }
            },
            Op::BitMul(_) if public(0).is_some() => GateCost::default(),
            Op::BitMul(_) => self.bit_times_value(public(1).is_some()),
            Op::A2B { width, .. } => CostTable::plan(&lanes::a2b(*width as u32)),
            Op::B2A(_) => {
                let w = ty(0).width() as u64;
                GateCost {
                    bit_injections: w,
                    rounds: self.ot_rounds,
                    bits_sent: self.b2a_bits.map(|b| b * w),
                    ..GateCost::default()
                }
            }
            _ => GateCost::default(),
        }
    }

    /// `s · v` by three-party OT: one OT with sender `P_0` for a public `v` (the cost of
    /// one B2A injection), two (senders `P_0` and `P_2`) for a secret one.
    fn bit_times_value(&self, public_value: bool) -> GateCost {
        GateCost {
            bit_injections: 1,
            rounds: self.ot_rounds,
            bits_sent: if public_value {
                self.b2a_bits
            } else {
                self.bit_times_value_bits
            },
            ..GateCost::default()
        }
    }

    /// Bits of one value of type `ty` on the wire: 64 for arith, `w` for `Bool{w}`.
    pub fn value_bits(&self, ty: WireType) -> u64 {
        match ty {
            WireType::Arith { .. } => self.word_bits,
            WireType::Bool { width } => width as u64,
        }
    }
}

/// When each gate's result is ready, in rounds from the start (local gates: when their
/// operands are).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Per gate: the round after which its result is available.
    pub ready: Vec<u32>,
    /// Rounds of the whole circuit, including the final reveal.
    pub rounds: u32,
}

impl Schedule {
    /// The interactive gates grouped by the round in which they start (the latest ready
    /// time of their operands): gates of one group can be batched together.
    pub fn layers(&self, circuit: &Circuit, table: &CostTable) -> Vec<Vec<WireId>> {
        let mut layers: Vec<Vec<WireId>> = Vec::new();
        for (i, g) in circuit.gates().iter().enumerate() {
            let w = WireId(i as u32);
            if table.gate(circuit, w).rounds == 0 {
                continue;
            }
            let start =
                g.op.operands()
                    .iter()
                    .map(|x| self.ready[x.index()])
                    .max()
                    .unwrap_or(0) as usize;
            if layers.len() <= start {
                layers.resize(start + 1, Vec::new());
            }
            layers[start].push(w);
        }
        layers
    }
}

/// The round schedule of `circuit` under `table`.
pub fn schedule(circuit: &Circuit, table: &CostTable) -> Schedule {
    let mut ready = Vec::with_capacity(circuit.len());
    for (i, g) in circuit.gates().iter().enumerate() {
        let start =
            g.op.operands()
                .iter()
                .map(|x| ready[x.index()])
                .max()
                .unwrap_or(0);
        ready.push(start + table.gate(circuit, WireId(i as u32)).rounds);
    }
    // Secret outputs are opened after the last gate, one round per (recipients, sharing
    // kind) group: all outputs for all three parties of one kind together, and outputs for
    // one or two parties to each recipient separately.
    let mut groups = std::collections::BTreeSet::new();
    for o in circuit.outputs() {
        let g = circuit.gate(o.wire);
        if g.placement != Placement::Secret {
            continue;
        }
        let boolean = matches!(g.ty, WireType::Bool { .. });
        if o.reveal_to.len() == 3 {
            groups.insert((3, boolean));
        } else {
            groups.extend(o.reveal_to.iter().map(|p| (p.index(), boolean)));
        }
    }
    let last = circuit
        .outputs()
        .iter()
        .map(|o| ready[o.wire.index()])
        .max()
        .unwrap_or(0);
    let rounds = last + groups.len() as u32;
    Schedule { ready, rounds }
}

/// Totals for one op kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpTally {
    /// Gates of this kind.
    pub count: u64,
    /// Of which with secret results (or `share`).
    pub secret: u64,
    /// Summed cost.
    pub cost: GateCost,
}

/// The cost report of a circuit, per row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CostReport {
    /// All gates.
    pub gates: u64,
    /// Gates computed locally by an owner in the clear.
    pub local_gates: u64,
    /// Gates with secret results.
    pub secret_gates: u64,
    /// AND gates.
    pub and_gates: u64,
    /// Secret × secret multiplications.
    pub multiplications: u64,
    /// Bit injections (bit × value, B2A).
    pub bit_injections: u64,
    /// Rounds on the critical path, including input sharing and the final reveal.
    pub rounds: u32,
    /// Bits sent by each party, in total (gates, inputs and reveals).
    pub bits_sent: [u64; 3],
    /// Of which for sharing inputs.
    pub input_bits: [u64; 3],
    /// Of which for revealing outputs.
    pub reveal_bits: [u64; 3],
    /// Per op kind (by mnemonic).
    pub by_op: BTreeMap<&'static str, OpTally>,
}

/// The cost report of `circuit` under the default [`CostTable`].
pub fn cost(circuit: &Circuit) -> CostReport {
    cost_with(circuit, &CostTable::default())
}

/// The cost report of `circuit` under `table`.
pub fn cost_with(circuit: &Circuit, table: &CostTable) -> CostReport {
    let mut r = CostReport {
        gates: circuit.len() as u64,
        ..CostReport::default()
    };
    let live = live(circuit);
    for (i, g) in circuit.gates().iter().enumerate() {
        // The engine computes only the gates some output depends on.
        let c = if live[i] {
            table.gate(circuit, WireId(i as u32))
        } else {
            GateCost::default()
        };
        match g.placement {
            Placement::Local(_) => r.local_gates += 1,
            Placement::Secret => r.secret_gates += 1,
            Placement::Public => {}
        }
        r.and_gates += c.and_gates;
        r.multiplications += c.multiplications;
        r.bit_injections += c.bit_injections;
        for p in 0..3 {
            r.bits_sent[p] += c.bits_sent[p];
            if let Op::Share { .. } = g.op {
                r.input_bits[p] += c.bits_sent[p];
            }
        }
        let t = r.by_op.entry(g.op.mnemonic()).or_default();
        t.count += 1;
        t.secret += u64::from(g.placement == Placement::Secret);
        t.cost.and_gates += c.and_gates;
        t.cost.multiplications += c.multiplications;
        t.cost.bit_injections += c.bit_injections;
        t.cost.rounds = t.cost.rounds.max(c.rounds);
        for p in 0..3 {
            t.cost.bits_sent[p] += c.bits_sent[p];
        }
    }
    for o in circuit.outputs() {
        let g = circuit.gate(o.wire);
        if g.placement != Placement::Secret {
            continue;
        }
        for to in o.reveal_to.iter() {
            let sender = (to.index() + 2) % 3;
            let bits = table.value_bits(g.ty);
            r.bits_sent[sender] += bits;
            r.reveal_bits[sender] += bits;
        }
    }
    r.rounds = schedule(circuit, table).rounds;
    r
}

impl fmt::Display for CostReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "gates            {:>10}  (local {}, secret {})",
            self.gates, self.local_gates, self.secret_gates
        )?;
        writeln!(f, "AND gates        {:>10}", self.and_gates)?;
        writeln!(f, "multiplications  {:>10}", self.multiplications)?;
        writeln!(f, "bit injections   {:>10}", self.bit_injections)?;
        writeln!(f, "rounds           {:>10}", self.rounds)?;
        for p in PartyId::ALL {
            let i = p.index();
            writeln!(
                f,
                "bits sent {:<4}   {:>10}  (inputs {}, reveals {})",
                p.short_name(),
                self.bits_sent[i],
                self.input_bits[i],
                self.reveal_bits[i]
            )?;
        }
        writeln!(
            f,
            "per op: count (secret)  ANDs  mults  injections  max rounds  bits svb/uwv/bd"
        )?;
        for (op, t) in &self.by_op {
            writeln!(
                f,
                "  {:<8} {:>6} ({:>6})  {:>6} {:>5} {:>5} {:>3}  {}/{}/{}",
                op,
                t.count,
                t.secret,
                t.cost.and_gates,
                t.cost.multiplications,
                t.cost.bit_injections,
                t.cost.rounds,
                t.cost.bits_sent[0],
                t.cost.bits_sent[1],
                t.cost.bits_sent[2]
            )?;
        }
        Ok(())
    }
}

/// For each wire, whether some output depends on it: the gates a run computes (the others
/// cost nothing).
pub fn live(circuit: &Circuit) -> Vec<bool> {
    let mut live = vec![false; circuit.len()];
    for o in circuit.outputs() {
        live[o.wire.index()] = true;
    }
    for (i, g) in circuit.gates().iter().enumerate().rev() {
        if live[i] {
            for w in g.op.operands() {
                live[w.index()] = true;
            }
        }
    }
    live
}

/// The public value of `wire`, if the gate is public: a `const`, or a public gate whose
/// operands are all public (evaluated with the IR semantics, as the engine does in the
/// clear).
fn public_value(circuit: &Circuit, wire: WireId) -> Option<u64> {
    let g = circuit.gate(wire);
    match (&g.op, g.placement) {
        (Op::Const { value, .. }, _) => Some(*value),
        (op, Placement::Public) => {
            let args: Option<Vec<u64>> = op
                .operands()
                .iter()
                .map(|w| public_value(circuit, *w))
                .collect();
            let types: Vec<WireType> = op.operands().iter().map(|w| circuit.gate(*w).ty).collect();
            Some(crate::eval::apply(op, g.ty, &types, &args?))
        }
        _ => None,
    }
}
