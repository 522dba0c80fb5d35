//! Lane plans: the AND trees of the engine's comparisons and conversions, defined once.
//!
//! A bit-sliced column is a list of *lanes* (bit positions of all rows). The engine's
//! boolean gadgets — the full adder and Sklansky parallel prefix of A2B, the carry-out
//! tree of MSB and of bit-sliced `<`/`<=`, the AND tree of equality, the selector ANDs of a
//! boolean `mux` — are straight-line programs over lanes: local XOR and NOT, and layers of
//! ANDs that each take one communication round. A [`Plan`] is such a program over abstract
//! lane ids, with the gadget's public constants already folded in (an AND with a public 0
//! or 1 and an XOR with a public lane are decided when the plan is built, so they cost
//! nothing). Whether a lane is public depends only on public data (widths, constants), so
//! every party builds the same plan.
//!
//! The same plan drives both sides: the cost model ([`crate::cost`]) reads its ANDs
//! ([`Plan::and_gates`]) and rounds ([`Plan::rounds`]); the secure evaluator of
//! `samen-protocol` executes it layer by layer, sending each layer's ANDs in one round.
//! There is no second copy of any tree.
//!
//! | plan | inputs | ANDs | rounds |
//! | --- | --- | --- | --- |
//! | [`msb`] on `l` bits | the three one-component lanes of each bit | `(l−1) + (l−2) + tree(l−2)` (241 at 64) | `2 + ⌈log2(l−2)⌉` (`l ≥ 3`) |
//! | [`a2b`] on `w` bits | as for [`msb`] | `(w−1) + (w−2) + prefix(w−2)` | `2 + ⌈log2(w−2)⌉` (`w ≥ 3`) |
//! | [`compare_bool`] | lanes of the secret operands | `< 3w` | `≤ 1 + ⌈log2 w⌉` |
//! | [`ge_unsigned`] | lanes of `x` (and of a secret `y`) | `< 3w` | `≤ 1 + ⌈log2 w⌉` |
//! | [`equal_lanes`] | two lane lists | `n − 1` | `⌈log2 n⌉` |
//! | [`select`] | the selector and a secret difference | `w` | 1 |
//!
//! The algorithms follow ABY3 (Mohassel & Rindal, CCS 2018, §5.3): the full adder turns
//! the three arithmetic components into two summands, a generate/propagate layer and a
//! carry-out reduction tree or a Sklansky prefix add them. A calculation on public data:
//! reveals nothing.

/// A lane in a plan: a public constant (every row 0 or every row 1) or a secret lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneRef {
    /// Public 0 in every row.
    Zero,
    /// Public 1 in every row.
    One,
    /// The secret lane with this id: the plan's inputs are `0..inputs`, every later step
    /// defines the next id, in the order of [`Plan::pre`] and then, per layer, its ANDs
    /// followed by its locals.
    Id(u32),
}

/// A local step on secret lanes (no communication).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Local {
    /// XOR of two secret lanes.
    Xor(u32, u32),
    /// NOT of a secret lane.
    Not(u32),
}

/// One round: the ANDs of pairs of secret lanes, then local steps that may use them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layer {
    /// The AND pairs, all sent in one round.
    pub ands: Vec<(u32, u32)>,
    /// Local steps after the round.
    pub locals: Vec<Local>,
}

/// A straight-line program over lanes (see the module doc).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Number of secret input lanes (ids `0..inputs`).
    pub inputs: u32,
    /// Local steps before the first round.
    pub pre: Vec<Local>,
    /// The rounds, in order.
    pub layers: Vec<Layer>,
    /// The results.
    pub outputs: Vec<LaneRef>,
}

impl Plan {
    /// Communication rounds: one per layer.
    pub fn rounds(&self) -> u32 {
        self.layers.len() as u32
    }

    /// AND gates per row (each sends one bit per row per party).
    pub fn and_gates(&self) -> u64 {
        self.layers.iter().map(|l| l.ands.len() as u64).sum()
    }

    /// Number of ids the plan defines (inputs included).
    pub fn lanes(&self) -> usize {
        self.inputs as usize
            + self.pre.len()
            + self
                .layers
                .iter()
                .map(|l| l.ands.len() + l.locals.len())
                .sum::<usize>()
    }
}

/// Builds a [`Plan`], folding public constants.
#[derive(Debug)]
pub struct PlanBuilder {
    plan: Plan,
    next: u32,
}

impl PlanBuilder {
    /// A builder with `inputs` secret input lanes, and those lanes.
    pub fn new(inputs: u32) -> (PlanBuilder, Vec<LaneRef>) {
        let b = PlanBuilder {
            plan: Plan {
                inputs,
                ..Plan::default()
            },
            next: inputs,
        };
        (b, (0..inputs).map(LaneRef::Id).collect())
    }

    fn local(&mut self, step: Local) -> LaneRef {
        match self.plan.layers.last_mut() {
            Some(l) => l.locals.push(step),
            None => self.plan.pre.push(step),
        }
        self.next += 1;
        LaneRef::Id(self.next - 1)
    }

    /// `a ⊕ b`.
    pub fn xor(&mut self, a: LaneRef, b: LaneRef) -> LaneRef {
        match (a, b) {
            (LaneRef::Zero, x) | (x, LaneRef::Zero) => x,
            (LaneRef::One, x) | (x, LaneRef::One) => self.not(x),
            (LaneRef::Id(x), LaneRef::Id(y)) => self.local(Local::Xor(x, y)),
        }
    }

    /// `¬a`.
    pub fn not(&mut self, a: LaneRef) -> LaneRef {
        match a {
            LaneRef::Zero => LaneRef::One,
            LaneRef::One => LaneRef::Zero,
            LaneRef::Id(x) => self.local(Local::Not(x)),
        }
    }

    /// The ANDs of all pairs: with a public operand decided now, the secret pairs in one
    /// new round (none if there are none).
    pub fn and_layer(&mut self, pairs: &[(LaneRef, LaneRef)]) -> Vec<LaneRef> {
        let mut ands = Vec::new();
        let out: Vec<Option<LaneRef>> = pairs
            .iter()
            .map(|p| match *p {
                (LaneRef::Zero, _) | (_, LaneRef::Zero) => Some(LaneRef::Zero),
                (LaneRef::One, x) | (x, LaneRef::One) => Some(x),
                (LaneRef::Id(x), LaneRef::Id(y)) => {
                    ands.push((x, y));
                    None
                }
            })
            .collect();
        let first = self.next;
        self.next += ands.len() as u32;
        if !ands.is_empty() {
            self.plan.layers.push(Layer {
                ands,
                locals: Vec::new(),
            });
        }
        let mut k = first;
        out.into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    k += 1;
                    LaneRef::Id(k - 1)
                })
            })
            .collect()
    }

    /// The finished plan with these results.
    pub fn finish(mut self, outputs: Vec<LaneRef>) -> Plan {
        self.plan.outputs = outputs;
        self.plan
    }

    /// Carry out of an adder from (generate, propagate) leaves, lowest first: a reduction
    /// tree of ⌈log2 n⌉ levels; the lowest group's propagate is never computed.
    pub fn carry_out(&mut self, leaves: Vec<(LaneRef, LaneRef)>) -> LaneRef {
        let mut groups: Vec<(LaneRef, Option<LaneRef>)> = leaves
            .into_iter()
            .enumerate()
            .map(|(i, (g, p))| (g, (i > 0).then_some(p)))
            .collect();
        if groups.is_empty() {
            return LaneRef::Zero;
        }
        while groups.len() > 1 {
            let mut reqs = Vec::new();
            for pair in groups.chunks(2) {
                if let [lo, hi] = pair {
                    let p_hi = hi.1.expect("only the lowest group lacks P");
                    reqs.push((p_hi, lo.0));
                    if let Some(p_lo) = lo.1 {
                        reqs.push((p_hi, p_lo));
                    }
                }
            }
            let mut res = self.and_layer(&reqs).into_iter();
            let mut next = Vec::with_capacity(groups.len().div_ceil(2));
            let mut it = groups.into_iter();
            while let Some(lo) = it.next() {
                match it.next() {
                    Some(hi) => {
                        let t = res.next().expect("G request");
                        let g = self.xor(hi.0, t);
                        let p = lo.1.map(|_| res.next().expect("P request"));
                        next.push((g, p));
                    }
                    None => next.push(lo),
                }
            }
            groups = next;
        }
        groups[0].0
    }

    /// Sklansky parallel prefix: for every position `j`, the generate of positions `0..=j`.
    pub fn prefix(&mut self, leaves: Vec<(LaneRef, LaneRef)>) -> Vec<LaneRef> {
        let n = leaves.len();
        let mut g: Vec<LaneRef> = leaves.iter().map(|l| l.0).collect();
        let mut p: Vec<Option<LaneRef>> = leaves
            .iter()
            .enumerate()
            .map(|(i, l)| (i > 0).then_some(l.1))
            .collect();
        let mut half = 1;
        while half < n {
            let mut steps = Vec::new();
            let mut b = 0;
            while b < n {
                let m = b + half - 1;
                for j in (m + 1)..(b + 2 * half).min(n) {
                    steps.push((j, m, b != 0));
                }
                b += 2 * half;
            }
            let mut reqs = Vec::new();
            for &(j, m, keep_p) in &steps {
                let pj = p[j].expect("a group not starting at 0 keeps P");
                reqs.push((pj, g[m]));
                if keep_p {
                    reqs.push((pj, p[m].expect("a group not starting at 0 keeps P")));
                }
            }
            let mut res = self.and_layer(&reqs).into_iter();
            for &(j, _, keep_p) in &steps {
                let t = res.next().expect("G request");
                g[j] = self.xor(g[j], t);
                p[j] = keep_p.then(|| res.next().expect("P request"));
            }
            half *= 2;
        }
        g
    }

    /// The AND of all lanes: a tree of ⌈log2 n⌉ levels, `n − 1` ANDs; 1 for no lanes.
    pub fn and_all(&mut self, mut lanes: Vec<LaneRef>) -> LaneRef {
        if lanes.is_empty() {
            return LaneRef::One;
        }
        while lanes.len() > 1 {
            let reqs: Vec<(LaneRef, LaneRef)> = lanes
                .chunks(2)
                .filter_map(|c| if let [a, b] = c { Some((*a, *b)) } else { None })
                .collect();
            let odd = (lanes.len() % 2 == 1).then(|| lanes[lanes.len() - 1]);
            lanes = self.and_layer(&reqs);
            lanes.extend(odd);
        }
        lanes[0]
    }

    /// Unsigned `x ≥ y` for lanes of one width: the carry out of `x + ¬y + 1` (a generate
    /// layer, then [`PlanBuilder::carry_out`]).
    pub fn ge_shared(&mut self, x: &[LaneRef], y: &[LaneRef]) -> LaneRef {
        let ny: Vec<LaneRef> = y.iter().map(|l| self.not(*l)).collect();
        let reqs: Vec<(LaneRef, LaneRef)> = x.iter().copied().zip(ny.iter().copied()).collect();
        let g = self.and_layer(&reqs);
        let mut leaves: Vec<(LaneRef, LaneRef)> = g
            .into_iter()
            .zip(reqs)
            .map(|(g, (a, b))| (g, self.xor(a, b)))
            .collect();
        // Fold the carry-in 1 into position 0: G_0 = g_0 ⊕ p_0 (its P is never needed).
        if let Some((g0, p0)) = leaves.first().copied() {
            leaves[0] = (self.xor(g0, p0), p0);
        }
        self.carry_out(leaves)
    }

    /// Unsigned `x ≥ k` for a public `k`: the carry out of `x + (2^w − k)`; the generate
    /// and propagate bits are local (public bits of `2^w − k`).
    pub fn ge_const(&mut self, x: &[LaneRef], k: u64) -> LaneRef {
        let l = x.len() as u32;
        if k == 0 {
            return LaneRef::One;
        }
        if l < 64 && k >> l != 0 {
            return LaneRef::Zero;
        }
        let m = k.wrapping_neg() & crate::ir::mask(l as u8);
        let leaves: Vec<(LaneRef, LaneRef)> = x
            .iter()
            .enumerate()
            .map(|(j, &xj)| {
                if m >> j & 1 == 1 {
                    (xj, self.not(xj))
                } else {
                    (LaneRef::Zero, xj)
                }
            })
            .collect();
        self.carry_out(leaves)
    }

    /// The full adder of three one-component lanes per bit (`x0`, `x1`, `x2`, each of
    /// `bits` lanes): sum lanes `s_j = x0_j ⊕ x1_j ⊕ x2_j` and carry lanes shifted up by
    /// one, `c_0 = 0`, `c_{j+1} = maj(x0_j, x1_j, x2_j) = ((x0 ⊕ x2) ∧ (x1 ⊕ x2)) ⊕ x2`:
    /// one round of `bits − 1` ANDs of two genuine sharings.
    fn full_adder(&mut self, x: &[LaneRef], bits: usize) -> (Vec<LaneRef>, Vec<LaneRef>) {
        let (x0, x1, x2) = (&x[..bits], &x[bits..2 * bits], &x[2 * bits..3 * bits]);
        let s: Vec<LaneRef> = (0..bits)
            .map(|j| {
                let t = self.xor(x0[j], x1[j]);
                self.xor(t, x2[j])
            })
            .collect();
        let pairs: Vec<(LaneRef, LaneRef)> = (0..bits - 1)
            .map(|j| (self.xor(x0[j], x2[j]), self.xor(x1[j], x2[j])))
            .collect();
        let m = self.and_layer(&pairs);
        let mut c = vec![LaneRef::Zero];
        c.extend(m.into_iter().zip(x2).map(|(m, t)| self.xor(m, *t)));
        (s, c)
    }

    /// Generate/propagate leaves of `s + c` for positions `1..bits − 1` (one round).
    fn leaves(&mut self, s: &[LaneRef], c: &[LaneRef], bits: usize) -> Vec<(LaneRef, LaneRef)> {
        let reqs: Vec<(LaneRef, LaneRef)> = (1..bits - 1).map(|j| (s[j], c[j])).collect();
        let g = self.and_layer(&reqs);
        g.into_iter()
            .zip(reqs)
            .map(|(g, (a, b))| (g, self.xor(a, b)))
            .collect()
    }
}

/// MSB (ABY3 §5.3) of an arithmetic sharing read as `bits` bits (1..=64): bit `bits − 1`
/// of `x_0 + x_1 + x_2`. Inputs: the lanes of component 0, then 1, then 2 (`bits` each,
/// lowest first; component `k` as a sharing whose other components are zero). One output.
/// Only the carry into the top bit is computed (a reduction tree).
pub fn msb(bits: u32) -> Plan {
    let n = bits as usize;
    let (mut b, x) = PlanBuilder::new(3 * bits);
    let (s, c) = b.full_adder(&x, n);
    let carry = if n >= 3 {
        let l = b.leaves(&s, &c, n);
        b.carry_out(l)
    } else {
        LaneRef::Zero
    };
    let t = b.xor(s[n - 1], c[n - 1]);
    let out = b.xor(t, carry);
    b.finish(vec![out])
}

/// A2B (ABY3 §5.3): the low `bits` bits (1..=64) of an arithmetic sharing, lowest first.
/// Inputs as for [`msb`]. A Sklansky prefix adds the two summands of the full adder
/// (position 0 never generates: `2c` is even).
pub fn a2b(bits: u32) -> Plan {
    let n = bits as usize;
    let (mut b, x) = PlanBuilder::new(3 * bits);
    let (s, c) = b.full_adder(&x, n);
    let carry_in: Vec<LaneRef> = if n >= 3 {
        let l = b.leaves(&s, &c, n);
        let mut ci = vec![LaneRef::Zero, LaneRef::Zero];
        ci.extend(b.prefix(l).into_iter().take(n - 2));
        ci
    } else {
        vec![LaneRef::Zero; n]
    };
    let out = (0..n)
        .map(|j| {
            let t = b.xor(s[j], c[j]);
            b.xor(t, carry_in[j])
        })
        .collect();
    b.finish(out)
}

/// A comparison kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `x < y`.
    Lt,
    /// `x ≤ y`.
    Le,
    /// `x = y`.
    Eq,
}

/// An operand of a plan: secret (its lanes are inputs of the plan) or a public word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// Secret: contributes its lanes to the plan's inputs.
    Secret,
    /// A public constant.
    Public(u64),
}

/// `[x == y]` for two lane lists of one length: the AND tree of the XNOR bits. Inputs: the
/// lanes of `x`, then those of `y`.
pub fn equal_lanes(n: u32) -> Plan {
    let (mut b, v) = PlanBuilder::new(2 * n);
    let xnor: Vec<LaneRef> = (0..n as usize)
        .map(|j| {
            let d = b.xor(v[j], v[n as usize + j]);
            b.not(d)
        })
        .collect();
    let r = b.and_all(xnor);
    b.finish(vec![r])
}

/// Signed (two's-complement) `lt`/`le`/`eq` of `Bool{w}` operands, at least one secret:
/// flip the sign bits, then `x ≥ y` as the carry of `x + ¬y + 1`, `x ≥ k` as the carry of
/// `x + (2^w − k)`, equality as an AND tree of XNOR bits. Inputs: the `w` lanes of each
/// secret operand, `x` first. One output. `None` if both are public.
pub fn compare_bool(op: Cmp, w: u32, x: Operand, y: Operand) -> Option<Plan> {
    let secret = u32::from(x == Operand::Secret) + u32::from(y == Operand::Secret);
    if secret == 0 {
        return None;
    }
    let n = w as usize;
    let (mut b, v) = PlanBuilder::new(secret * w);
    let sign = 1u64 << (w - 1);
    let m = crate::ir::mask(w as u8);
    let flipped = |b: &mut PlanBuilder, lanes: &[LaneRef]| {
        let mut l = lanes.to_vec();
        l[n - 1] = b.not(l[n - 1]);
        l
    };
    let r = match (op, x, y) {
        (Cmp::Eq, Operand::Secret, Operand::Secret) => {
            let xnor: Vec<LaneRef> = (0..n)
                .map(|j| {
                    let d = b.xor(v[j], v[n + j]);
                    b.not(d)
                })
                .collect();
            b.and_all(xnor)
        }
        (Cmp::Eq, Operand::Secret, Operand::Public(c))
        | (Cmp::Eq, Operand::Public(c), Operand::Secret) => {
            if w < 64 && c >> w != 0 {
                LaneRef::Zero
            } else {
                let xnor = (0..n)
                    .map(|j| if c >> j & 1 == 1 { v[j] } else { b.not(v[j]) })
                    .collect();
                b.and_all(xnor)
            }
        }
        (Cmp::Lt, Operand::Secret, Operand::Secret) => {
            let (fx, fy) = (flipped(&mut b, &v[..n]), flipped(&mut b, &v[n..]));
            let ge = b.ge_shared(&fx, &fy);
            b.not(ge)
        }
        (Cmp::Le, Operand::Secret, Operand::Secret) => {
            let (fx, fy) = (flipped(&mut b, &v[..n]), flipped(&mut b, &v[n..]));
            b.ge_shared(&fy, &fx)
        }
        // x < c ⇔ ¬(x ≥ c);  x ≤ c ⇔ ¬(x ≥ c + 1).
        (Cmp::Lt, Operand::Secret, Operand::Public(c)) => {
            let fx = flipped(&mut b, &v);
            let ge = b.ge_const(&fx, (c ^ sign) & m);
            b.not(ge)
        }
        (Cmp::Le, Operand::Secret, Operand::Public(c)) => match ((c ^ sign) & m).checked_add(1) {
            Some(k) => {
                let fx = flipped(&mut b, &v);
                let ge = b.ge_const(&fx, k);
                b.not(ge)
            }
            None => LaneRef::One,
        },
        // c < y ⇔ y ≥ c + 1;  c ≤ y ⇔ y ≥ c.
        (Cmp::Lt, Operand::Public(c), Operand::Secret) => match ((c ^ sign) & m).checked_add(1) {
            Some(k) => {
                let fy = flipped(&mut b, &v);
                b.ge_const(&fy, k)
            }
            None => LaneRef::Zero,
        },
        (Cmp::Le, Operand::Public(c), Operand::Secret) => {
            let fy = flipped(&mut b, &v);
            b.ge_const(&fy, (c ^ sign) & m)
        }
        (_, Operand::Public(_), Operand::Public(_)) => unreachable!("checked: one is secret"),
    };
    Some(b.finish(vec![r]))
}

/// Unsigned `x ≥ y` of `w`-bit lanes (`y` secret: the carry of `x + ¬y + 1`) or `x ≥ k`
/// for a public `k` (any `u64`; the carry of `x + (2^w − k)`). Inputs: the lanes of `x`,
/// then those of a secret `y`. One output.
pub fn ge_unsigned(w: u32, y: Operand) -> Plan {
    let n = w as usize;
    match y {
        Operand::Secret => {
            let (mut b, v) = PlanBuilder::new(2 * w);
            let r = b.ge_shared(&v[..n], &v[n..]);
            b.finish(vec![r])
        }
        Operand::Public(k) => {
            let (mut b, v) = PlanBuilder::new(w);
            let r = b.ge_const(&v, k);
            b.finish(vec![r])
        }
    }
}

/// The selector ANDs of a boolean `mux` `s ? a : b = b ⊕ s·(a ⊕ b)` on `w` bits: `s ∧ d_j`
/// for every lane of `d = a ⊕ b`. Inputs: the selector lane, then the `w` lanes of `d` if
/// it is secret; for a public `d` the ANDs are local (no round).
pub fn select(w: u32, d: Operand) -> Plan {
    match d {
        Operand::Secret => {
            let (mut b, v) = PlanBuilder::new(1 + w);
            let pairs: Vec<(LaneRef, LaneRef)> = v[1..].iter().map(|l| (v[0], *l)).collect();
            let out = b.and_layer(&pairs);
            b.finish(out)
        }
        Operand::Public(c) => {
            let (mut b, v) = PlanBuilder::new(1);
            let pairs: Vec<(LaneRef, LaneRef)> = (0..w)
                .map(|j| {
                    let l = if c >> j & 1 == 1 {
                        LaneRef::One
                    } else {
                        LaneRef::Zero
                    };
                    (v[0], l)
                })
                .collect();
            let out = b.and_layer(&pairs);
            b.finish(out)
        }
    }
}
