//! Random circuits and inputs for property tests: of the optimiser and the encoding here,
//! and of the secure evaluator (which must agree with [`crate::eval`] on every circuit).
//!
//! [`random_circuit`] builds a well-typed circuit from a seed with every op of the IR,
//! inputs of all three parties (arith widths up to `max_arith_width`, boolean widths up to
//! `max_bool_width`), explicit shares in both forms, constants and several outputs.
//! [`random_inputs`] draws columns within the declared types, with edge values (the
//! extremes of each width, 0, ±1) in about a third of the rows. Deterministic per seed.

use crate::builder::Builder;
use crate::eval::Columns;
use crate::ir::{mask, sign_extend, Circuit, PartyId, PartySet, Placement, WireId, WireType};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shape of a random circuit.
#[derive(Clone, Debug)]
pub struct RandomCircuitConfig {
    /// Number of inputs.
    pub inputs: usize,
    /// Number of gate-building steps (some add more than one gate).
    pub steps: usize,
    /// Number of outputs (at most the number of wires).
    pub outputs: usize,
    /// Largest declared width of an arith input.
    pub max_arith_width: u8,
    /// Largest width of a boolean input.
    pub max_bool_width: u8,
}

impl Default for RandomCircuitConfig {
    fn default() -> RandomCircuitConfig {
        RandomCircuitConfig {
            inputs: 5,
            steps: 30,
            outputs: 4,
            max_arith_width: 40,
            max_bool_width: 12,
        }
    }
}

struct Gen<'a> {
    b: Builder,
    rng: ChaCha8Rng,
    wires: Vec<WireId>,
    cfg: &'a RandomCircuitConfig,
}

impl Gen<'_> {
    fn pick(&mut self, want: impl Fn(WireType) -> bool) -> Option<WireId> {
        let pool: Vec<WireId> = self
            .wires
            .iter()
            .copied()
            .filter(|w| want(self.b.ty(*w)))
            .collect();
        if pool.is_empty() {
            None
        } else {
            Some(pool[self.rng.gen_range(0..pool.len())])
        }
    }

    fn small_const(&mut self) -> i64 {
        match self.rng.gen_range(0..4) {
            0 => 0,
            1 => 1,
            2 => self.rng.gen_range(-1000..1000),
            _ => self.rng.gen_range(-(1i64 << 30)..(1i64 << 30)),
        }
    }

    fn arith(&mut self) -> WireId {
        if self.rng.gen_bool(0.85) {
            if let Some(w) = self.pick(WireType::is_arith) {
                return w;
            }
        }
        let c = self.small_const();
        self.b.constant(c)
    }

    fn boolean(&mut self, width: Option<u8>) -> WireId {
        let w = match width {
            Some(w) => w,
            None => match self.pick(WireType::is_bool) {
                Some(x) if self.rng.gen_bool(0.9) => return x,
                _ => self.rng.gen_range(1..=self.cfg.max_bool_width),
            },
        };
        if self.rng.gen_bool(0.85) {
            if let Some(x) = self.pick(|t| t == WireType::boolean(w)) {
                return x;
            }
        }
        let v = self.rng.gen::<u64>() & mask(w);
        self.b
            .constant_bool(v, w)
            .expect("a masked constant fits its width")
    }

    fn step(&mut self) {
        let k = self.rng.gen_range(0..22);
        let r = match k {
            0 => {
                let (x, y) = (self.arith(), self.arith());
                self.b.add(x, y)
            }
            1 => {
                let (x, y) = (self.arith(), self.arith());
                self.b.sub(x, y)
            }
            2 => {
                let x = self.arith();
                self.b.neg(x)
            }
            3 => {
                let (x, y) = (self.arith(), self.arith());
                self.b.mul(x, y)
            }
            4 => {
                let (x, c) = (self.arith(), self.small_const());
                self.b.mul_public(x, c)
            }
            5..=7 => {
                let (x, y) = if self.rng.gen_bool(0.6) {
                    (self.arith(), self.arith())
                } else {
                    let x = self.boolean(None);
                    let w = self.b.ty(x).width();
                    (x, self.boolean(Some(w)))
                };
                match k {
                    5 => self.b.lt(x, y),
                    6 => self.b.le(x, y),
                    _ => self.b.eq(x, y),
                }
            }
            8..=11 => {
                let x = self.boolean(None);
                let w = self.b.ty(x).width();
                let y = self.boolean(Some(w));
                match k {
                    8 => self.b.xor(x, y),
                    9 => self.b.and(x, y),
                    10 => self.b.or(x, y),
                    _ => self.b.not(x),
                }
            }
            12 | 13 => {
                let c = self.boolean(Some(1));
                let (x, y) = if k == 12 {
                    (self.arith(), self.arith())
                } else {
                    let x = self.boolean(None);
                    let w = self.b.ty(x).width();
                    (x, self.boolean(Some(w)))
                };
                self.b.mux(c, x, y)
            }
            14 => {
                let x = self.arith();
                let w = self.rng.gen_range(1..=(self.b.ty(x).width() + 2).min(64));
                self.b.a2b(x, w)
            }
            15 => {
                let x = self.boolean(None);
                self.b.b2a(x)
            }
            16 => {
                let (c, x) = (self.boolean(Some(1)), self.arith());
                self.b.bit_mul(c, x)
            }
            17 | 18 => {
                let (x, y) = (self.arith(), self.arith());
                if k == 17 {
                    self.b.min(x, y)
                } else {
                    self.b.max(x, y)
                }
            }
            _ => {
                // An explicit share of a local wire, in its own form or the other one.
                let Some(x) = self
                    .pick(|_| true)
                    .filter(|x| matches!(self.b.placement(*x), Placement::Local(_)))
                else {
                    return;
                };
                let ty = match self.b.ty(x) {
                    WireType::Arith { width } if self.rng.gen_bool(0.5) => {
                        WireType::boolean(self.rng.gen_range(1..=(width + 1).min(64)))
                    }
                    WireType::Bool { width } if self.rng.gen_bool(0.5) => {
                        WireType::arith((width + 1).min(64))
                    }
                    t => t,
                };
                self.b.share_as(x, ty)
            }
        };
        if let Ok(w) = r {
            self.wires.push(w);
        }
    }
}

/// A random well-typed circuit (deterministic per seed).
pub fn random_circuit(seed: u64, cfg: &RandomCircuitConfig) -> Circuit {
    let mut g = Gen {
        b: Builder::new(format!("random-{seed}")),
        rng: ChaCha8Rng::seed_from_u64(seed),
        wires: Vec::new(),
        cfg,
    };
    for i in 0..cfg.inputs.max(1) {
        let owner = PartyId::ALL[g.rng.gen_range(0..3)];
        let ty = if g.rng.gen_bool(0.65) {
            WireType::arith(g.rng.gen_range(1..=cfg.max_arith_width.clamp(1, 64)))
        } else {
            WireType::boolean(g.rng.gen_range(1..=cfg.max_bool_width.clamp(1, 64)))
        };
        let w =
            g.b.input(owner, format!("{}.x{i}", owner.short_name()), ty)
                .expect("fresh name, valid width");
        g.wires.push(w);
    }
    for _ in 0..cfg.steps {
        g.step();
    }
    let n = g.wires.len();
    for k in 0..cfg.outputs.clamp(1, n) {
        // Prefer late wires (deep expressions), but any wire can be an output.
        let w = if k == 0 {
            g.wires[n - 1]
        } else {
            g.wires[g.rng.gen_range(0..n)]
        };
        let reveal = PartySet::from_bits(g.rng.gen_range(1..8)).expect("1..8 is a party mask");
        g.b.output(format!("o{k}"), w, reveal)
            .expect("fresh output name");
    }
    g.b.finish().expect("the builder keeps circuits valid")
}

/// A value of type `ty`: an edge value about a third of the time, else uniform.
pub fn random_value(rng: &mut impl Rng, ty: WireType) -> u64 {
    let w = ty.width();
    let raw = if rng.gen_bool(0.35) {
        let top = 1u64 << (w - 1).min(63);
        match rng.gen_range(0..5) {
            0 => 0,
            1 => 1,
            2 => u64::MAX,
            3 => top,
            _ => top.wrapping_sub(1),
        }
    } else {
        rng.gen()
    };
    match ty {
        WireType::Arith { width } => sign_extend(raw & mask(width), width),
        WireType::Bool { width } => raw & mask(width),
    }
}

/// Random input columns of `rows` rows for `circuit`, within the declared types.
pub fn random_inputs(circuit: &Circuit, rows: usize, seed: u64) -> Columns {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    circuit
        .inputs()
        .map(|i| {
            (
                i.name.to_string(),
                (0..rows).map(|_| random_value(&mut rng, i.ty)).collect(),
            )
        })
        .collect()
}
