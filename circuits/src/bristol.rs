//! Bristol Fashion: the boolean circuit format of the MPC literature (SCALE-MAMBA,
//! MP-SPDZ, emp-toolkit; Bristol / KU Leuven circuit collection), import and export.
//!
//! Format: a header line `gates wires`; a line `niv n_1 … n_niv` (bits per input value);
//! a line `nov m_1 … m_nov` (bits per output value); then one gate per line,
//! `in out in-wires… out-wires… OP` with OP one of `XOR`, `AND`, `INV`, `EQ` (assign the
//! constant 0 or 1 given as the input), `EQW` (copy a wire) and `MAND` (`2k k a_1…a_k
//! b_1…b_k o_1…o_k`, `o_i = a_i ∧ b_i`). Input value `i` occupies the next `n_i` wires
//! from wire 0; the outputs are the last `Σ m_j` wires. Gates are in topological order.
//!
//! Bit order: wire `j` of an input or output value is bit `j` (least significant first) of
//! the value read as an integer, and a byte string such as an AES key or block is read as a
//! big-endian integer (as its hex is written): wire 0 is the least significant bit of the
//! *last* byte. [`bits_lsb_first`] and [`bytes_from_bits_lsb_first`] convert. For
//! `aes_128.txt` input 0 is the key and input 1 the plaintext; `tests/bristol_aes.rs`
//! checks this on the FIPS-197 vectors and checks that the other orders fail.
//!
//! Parsing untrusted text never panics; errors name the line. Nothing is allocated in
//! proportion to a header count: vectors grow with what is actually read, wire numbers are
//! checked against the header before use, the header's wire count must be backed by input
//! wires and gate outputs, and at most [`MAX_INPUT_BITS`] input bits are accepted.
//!
//! In the IR ([`to_circuit`]) each input bit becomes a `Bool{1}` input named `in{i}[{j}]`
//! of a chosen owner, shared at once (the standard benchmark setting: all gates secret);
//! each output bit becomes an output `out{k}[{j}]`. [`from_circuit`] exports circuits made
//! of boolean inputs, constants, shares, `xor`, `and`, `not` and boolean `mux`,
//! bit-blasting wider boolean wires.
//!
//! Format conversion of public circuit descriptions: reveals nothing. Evaluating AES-128 in
//! the IR costs 6,400 ANDs and 62 rounds per block (see [`crate::cost`]).

use crate::ir::CircuitError;
use std::collections::HashMap;
use std::fmt::Write as _;

mod convert;

pub use convert::{
    bits_lsb_first, bytes_from_bits_lsb_first, export, from_circuit, import, to_circuit,
    ImportOptions,
};

/// The most input bits a file may declare. Input wires are the only wires a file can
/// declare without writing a gate for each, so this bounds every allocation of the parser
/// and the importer by the text's size plus this constant.
pub const MAX_INPUT_BITS: u64 = 1 << 24;

/// One Bristol Fashion gate (wire numbers as in the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BristolGate {
    /// `out = a ⊕ b`.
    Xor {
        /// Inputs.
        a: u32,
        /// Second input.
        b: u32,
        /// Output.
        out: u32,
    },
    /// `out = a ∧ b`.
    And {
        /// Input.
        a: u32,
        /// Second input.
        b: u32,
        /// Output.
        out: u32,
    },
    /// `out = ¬a`.
    Inv {
        /// Input.
        a: u32,
        /// Output.
        out: u32,
    },
    /// `out = constant`.
    Eq {
        /// The constant bit.
        constant: bool,
        /// Output.
        out: u32,
    },
    /// `out = a`.
    Eqw {
        /// Input.
        a: u32,
        /// Output.
        out: u32,
    },
    /// `outs[i] = a[i] ∧ b[i]`.
    Mand {
        /// Left inputs.
        a: Vec<u32>,
        /// Right inputs.
        b: Vec<u32>,
        /// Outputs.
        outs: Vec<u32>,
    },
}

impl BristolGate {
    fn inputs(&self) -> Vec<u32> {
        match self {
            BristolGate::Xor { a, b, .. } | BristolGate::And { a, b, .. } => vec![*a, *b],
            BristolGate::Inv { a, .. } | BristolGate::Eqw { a, .. } => vec![*a],
            BristolGate::Eq { .. } => vec![],
            BristolGate::Mand { a, b, .. } => a.iter().chain(b).copied().collect(),
        }
    }

    fn outputs(&self) -> Vec<u32> {
        match self {
            BristolGate::Xor { out, .. }
            | BristolGate::And { out, .. }
            | BristolGate::Inv { out, .. }
            | BristolGate::Eq { out, .. }
            | BristolGate::Eqw { out, .. } => vec![*out],
            BristolGate::Mand { outs, .. } => outs.clone(),
        }
    }
}

/// A parsed and checked Bristol Fashion circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BristolCircuit {
    /// Number of wires.
    pub wires: u32,
    /// Bits per input value.
    pub inputs: Vec<u32>,
    /// Bits per output value.
    pub outputs: Vec<u32>,
    /// Gates in topological order.
    pub gates: Vec<BristolGate>,
}

/// Why a Bristol Fashion text is rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BristolError {
    /// The text ends before the header or a gate is complete.
    #[error("line {line}: truncated ({what})")]
    Truncated {
        /// 1-based line number.
        line: usize,
        /// What was expected.
        what: &'static str,
    },
    /// A token that is not a number where one is expected.
    #[error("line {line}: `{token}` is not a number ({what})")]
    NotANumber {
        /// 1-based line number.
        line: usize,
        /// The token (truncated to 32 characters).
        token: String,
        /// What was expected.
        what: &'static str,
    },
    /// An unknown gate operation.
    #[error("line {line}: unknown gate `{op}`")]
    UnknownGate {
        /// 1-based line number.
        line: usize,
        /// The operation token (truncated to 32 characters).
        op: String,
    },
    /// A gate whose input/output counts do not fit its operation.
    #[error("line {line}: {op} with {inputs} inputs and {outputs} outputs")]
    Arity {
        /// 1-based line number.
        line: usize,
        /// The operation.
        op: String,
        /// Declared inputs.
        inputs: u64,
        /// Declared outputs.
        outputs: u64,
    },
    /// A gate line with more tokens than its counts announce.
    #[error("line {line}: trailing tokens after the gate")]
    TrailingTokens {
        /// 1-based line number.
        line: usize,
    },
    /// A wire number not below the header's wire count.
    #[error("line {line}: wire {wire} is out of range (the header declares {wires} wires)")]
    WireOutOfRange {
        /// 1-based line number.
        line: usize,
        /// The wire number.
        wire: u64,
        /// Declared wires.
        wires: u32,
    },
    /// An `EQ` constant other than 0 or 1.
    #[error("line {line}: EQ constant {value} is not 0 or 1")]
    BadConstant {
        /// 1-based line number.
        line: usize,
        /// The value.
        value: u64,
    },
    /// A wire assigned twice (or an input wire assigned by a gate).
    #[error("line {line}: wire {wire} is assigned more than once")]
    Reassigned {
        /// 1-based line number.
        line: usize,
        /// The wire.
        wire: u32,
    },
    /// A wire read before any gate assigns it: out of topological order, a cycle, or never
    /// assigned.
    #[error("line {line}: wire {wire} is read before it is assigned ({why})")]
    Unassigned {
        /// 1-based line number.
        line: usize,
        /// The wire.
        wire: u32,
        /// `cycle or gates out of order` or `never assigned`.
        why: &'static str,
    },
    /// Header counts that contradict the body.
    #[error("wrong counts: {0}")]
    Counts(String),
    /// An output wire that no gate assigns.
    #[error("output wire {0} is never assigned")]
    OutputUnassigned(u32),
    /// A circuit that cannot be exported (an op without a Bristol equivalent).
    #[error("gate {gate} (`{op}`) has no Bristol Fashion equivalent")]
    Unsupported {
        /// IR gate index.
        gate: u32,
        /// Its mnemonic.
        op: &'static str,
    },
    /// Wrong number of input values or bits for evaluation.
    #[error("evaluation inputs: {0}")]
    Inputs(String),
    /// The IR rejected the imported circuit (should not happen for a checked file).
    #[error("building the IR: {0}")]
    Ir(#[from] CircuitError),
}

fn clip(s: &str) -> String {
    s.chars().take(32).collect()
}

struct Lines<'a> {
    it: std::iter::Enumerate<std::str::Lines<'a>>,
}

impl<'a> Lines<'a> {
    /// The next non-blank line as (1-based number, tokens).
    fn next_tokens(&mut self) -> Option<(usize, Vec<&'a str>)> {
        for (i, l) in self.it.by_ref() {
            let toks: Vec<&str> = l.split_whitespace().collect();
            if !toks.is_empty() {
                return Some((i + 1, toks));
            }
        }
        None
    }
}

fn num(line: usize, tok: Option<&&str>, what: &'static str) -> Result<u64, BristolError> {
    let tok = tok.ok_or(BristolError::Truncated { line, what })?;
    tok.parse::<u64>().map_err(|_| BristolError::NotANumber {
        line,
        token: clip(tok),
        what,
    })
}

fn u32_count(line: usize, v: u64, what: &str) -> Result<u32, BristolError> {
    u32::try_from(v)
        .map_err(|_| BristolError::Counts(format!("line {line}: {what} {v} is too large")))
}

/// Parses and checks a Bristol Fashion text.
pub fn parse(text: &str) -> Result<BristolCircuit, BristolError> {
    let mut lines = Lines {
        it: text.lines().enumerate(),
    };
    let (l1, h) = lines.next_tokens().ok_or(BristolError::Truncated {
        line: 1,
        what: "header `gates wires`",
    })?;
    let n_gates = num(l1, h.first(), "gate count")?;
    let wires = u32_count(l1, num(l1, h.get(1), "wire count")?, "wire count")?;
    if h.len() > 2 {
        return Err(BristolError::TrailingTokens { line: l1 });
    }
    let mut values = |what: &'static str| -> Result<Vec<u32>, BristolError> {
        let (l, t) = lines
            .next_tokens()
            .ok_or(BristolError::Truncated { line: l1 + 1, what })?;
        let n = num(l, t.first(), what)?;
        if n != (t.len() as u64).saturating_sub(1) {
            return Err(BristolError::Counts(format!(
                "line {l}: {n} {what} announced, {} given",
                t.len().saturating_sub(1)
            )));
        }
        t[1..]
            .iter()
            .map(|tok| num(l, Some(tok), what).and_then(|v| u32_count(l, v, what)))
            .collect()
    };
    let inputs = values("input value sizes")?;
    let outputs = values("output value sizes")?;
    let in_bits: u64 = inputs.iter().map(|&v| v as u64).sum();
    let out_bits: u64 = outputs.iter().map(|&v| v as u64).sum();
    if in_bits > MAX_INPUT_BITS {
        return Err(BristolError::Counts(format!(
            "{in_bits} input bits; at most {MAX_INPUT_BITS} are accepted"
        )));
    }
    if in_bits > wires as u64 || out_bits > wires as u64 {
        return Err(BristolError::Counts(format!(
            "{in_bits} input and {out_bits} output bits but {wires} wires"
        )));
    }
    let mut gates = Vec::new();
    let mut lines_of = Vec::new();
    while let Some((l, t)) = lines.next_tokens() {
        gates.push(parse_gate(l, &t, wires)?);
        lines_of.push(l);
    }
    if gates.len() as u64 != n_gates {
        return Err(BristolError::Counts(format!(
            "header announces {n_gates} gates, the file has {}",
            gates.len()
        )));
    }
    // Assignment and order checks.
    let mut assigned_by: HashMap<u32, usize> = HashMap::new();
    for (k, g) in gates.iter().enumerate() {
        for w in g.outputs() {
            if (w as u64) < in_bits || assigned_by.insert(w, k).is_some() {
                return Err(BristolError::Reassigned {
                    line: lines_of[k],
                    wire: w,
                });
            }
        }
    }
    for (k, g) in gates.iter().enumerate() {
        for w in g.inputs() {
            if (w as u64) < in_bits {
                continue;
            }
            match assigned_by.get(&w) {
                Some(&by) if by < k => {}
                Some(_) => {
                    return Err(BristolError::Unassigned {
                        line: lines_of[k],
                        wire: w,
                        why: "cycle or gates out of order",
                    })
                }
                None => {
                    return Err(BristolError::Unassigned {
                        line: lines_of[k],
                        wire: w,
                        why: "never assigned",
                    })
                }
            }
        }
    }
    if out_bits > in_bits + assigned_by.len() as u64 {
        return Err(BristolError::Counts(format!(
            "{out_bits} output wires, but only {in_bits} input wires and {} gate outputs",
            assigned_by.len()
        )));
    }
    for w in (wires as u64 - out_bits)..wires as u64 {
        let w = w as u32;
        if (w as u64) >= in_bits && !assigned_by.contains_key(&w) {
            return Err(BristolError::OutputUnassigned(w));
        }
    }
    // Every wire is an input or assigned by a gate; this also bounds the header's wire
    // count (and every allocation by it) by the size of the text.
    if wires as u64 > in_bits + assigned_by.len() as u64 {
        return Err(BristolError::Counts(format!(
            "header declares {wires} wires, but the file has {in_bits} input wires and {} gate outputs",
            assigned_by.len()
        )));
    }
    Ok(BristolCircuit {
        wires,
        inputs,
        outputs,
        gates,
    })
}

fn parse_gate(line: usize, t: &[&str], wires: u32) -> Result<BristolGate, BristolError> {
    let n_in = num(line, t.first(), "gate input count")?;
    let n_out = num(line, t.get(1), "gate output count")?;
    let op = *t
        .last()
        .ok_or(BristolError::Truncated { line, what: "gate" })?;
    if t.len() <= 2 || op.parse::<u64>().is_ok() {
        return Err(BristolError::Truncated {
            line,
            what: "gate operation",
        });
    }
    let arity_ok = match op {
        "XOR" | "AND" => n_in == 2 && n_out == 1,
        "INV" | "EQ" | "EQW" => n_in == 1 && n_out == 1,
        "MAND" => n_out >= 1 && n_in == 2 * n_out,
        _ => return Err(BristolError::UnknownGate { line, op: clip(op) }),
    };
    if !arity_ok {
        return Err(BristolError::Arity {
            line,
            op: op.to_string(),
            inputs: n_in,
            outputs: n_out,
        });
    }
    let needed = 2 + n_in + n_out + 1;
    if (t.len() as u64) < needed {
        return Err(BristolError::Truncated {
            line,
            what: "gate wires",
        });
    }
    if t.len() as u64 > needed {
        return Err(BristolError::TrailingTokens { line });
    }
    let body = &t[2..t.len() - 1];
    if op == "EQ" {
        let value = num(line, body.first(), "EQ constant")?;
        let out = wire(line, body.get(1), wires)?;
        return match value {
            0 | 1 => Ok(BristolGate::Eq {
                constant: value == 1,
                out,
            }),
            value => Err(BristolError::BadConstant { line, value }),
        };
    }
    let ws: Vec<u32> = body
        .iter()
        .map(|tok| wire(line, Some(tok), wires))
        .collect::<Result<_, _>>()?;
    let n_in = n_in as usize;
    Ok(match op {
        "XOR" => BristolGate::Xor {
            a: ws[0],
            b: ws[1],
            out: ws[2],
        },
        "AND" => BristolGate::And {
            a: ws[0],
            b: ws[1],
            out: ws[2],
        },
        "INV" => BristolGate::Inv {
            a: ws[0],
            out: ws[1],
        },
        "EQW" => BristolGate::Eqw {
            a: ws[0],
            out: ws[1],
        },
        _ => {
            let k = n_in / 2;
            BristolGate::Mand {
                a: ws[..k].to_vec(),
                b: ws[k..n_in].to_vec(),
                outs: ws[n_in..].to_vec(),
            }
        }
    })
}

fn wire(line: usize, tok: Option<&&str>, wires: u32) -> Result<u32, BristolError> {
    let w = num(line, tok, "wire number")?;
    if w >= wires as u64 {
        return Err(BristolError::WireOutOfRange {
            line,
            wire: w,
            wires,
        });
    }
    Ok(w as u32)
}

impl BristolCircuit {
    /// Number of AND gates (MAND counts each of its ANDs).
    pub fn and_count(&self) -> usize {
        self.gates
            .iter()
            .map(|g| match g {
                BristolGate::And { .. } => 1,
                BristolGate::Mand { outs, .. } => outs.len(),
                _ => 0,
            })
            .sum()
    }

    /// Evaluates in the clear: one bit vector per input value, one per output value.
    pub fn evaluate(&self, inputs: &[Vec<bool>]) -> Result<Vec<Vec<bool>>, BristolError> {
        if inputs.len() != self.inputs.len() {
            return Err(BristolError::Inputs(format!(
                "{} values given, {} expected",
                inputs.len(),
                self.inputs.len()
            )));
        }
        let mut v: Vec<bool> = vec![false; self.wires as usize];
        let mut at = 0;
        for (i, (bits, &n)) in inputs.iter().zip(&self.inputs).enumerate() {
            if bits.len() != n as usize {
                return Err(BristolError::Inputs(format!(
                    "value {i} has {} bits, {n} expected",
                    bits.len()
                )));
            }
            v[at..at + bits.len()].copy_from_slice(bits);
            at += bits.len();
        }
        for g in &self.gates {
            match g {
                BristolGate::Xor { a, b, out } => {
                    v[*out as usize] = v[*a as usize] ^ v[*b as usize]
                }
                BristolGate::And { a, b, out } => {
                    v[*out as usize] = v[*a as usize] & v[*b as usize]
                }
                BristolGate::Inv { a, out } => v[*out as usize] = !v[*a as usize],
                BristolGate::Eq { constant, out } => v[*out as usize] = *constant,
                BristolGate::Eqw { a, out } => v[*out as usize] = v[*a as usize],
                BristolGate::Mand { a, b, outs } => {
                    for i in 0..outs.len() {
                        v[outs[i] as usize] = v[a[i] as usize] & v[b[i] as usize];
                    }
                }
            }
        }
        let mut at = self.wires as usize - self.outputs.iter().map(|&n| n as usize).sum::<usize>();
        Ok(self
            .outputs
            .iter()
            .map(|&n| {
                let o = v[at..at + n as usize].to_vec();
                at += n as usize;
                o
            })
            .collect())
    }

    /// The text form.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{} {}", self.gates.len(), self.wires);
        let list = |v: &[u32]| v.iter().map(|n| format!(" {n}")).collect::<String>();
        let _ = writeln!(s, "{}{}", self.inputs.len(), list(&self.inputs));
        let _ = writeln!(s, "{}{}\n", self.outputs.len(), list(&self.outputs));
        for g in &self.gates {
            let _ = match g {
                BristolGate::Xor { a, b, out } => writeln!(s, "2 1 {a} {b} {out} XOR"),
                BristolGate::And { a, b, out } => writeln!(s, "2 1 {a} {b} {out} AND"),
                BristolGate::Inv { a, out } => writeln!(s, "1 1 {a} {out} INV"),
                BristolGate::Eq { constant, out } => {
                    writeln!(s, "1 1 {} {out} EQ", u8::from(*constant))
                }
                BristolGate::Eqw { a, out } => writeln!(s, "1 1 {a} {out} EQW"),
                BristolGate::Mand { a, b, outs } => {
                    writeln!(
                        s,
                        "{} {}{}{}{} MAND",
                        2 * outs.len(),
                        outs.len(),
                        list(a),
                        list(b),
                        list(outs)
                    )
                }
            };
        }
        s
    }
}
