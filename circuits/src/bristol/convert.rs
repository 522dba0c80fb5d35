//! Conversion between Bristol Fashion circuits and the IR, and the bit-order helpers.

use super::{parse, BristolCircuit, BristolError, BristolGate};
use crate::builder::Builder;
use crate::ir::{Circuit, Op, PartyId, PartySet, WireId, WireType};
use std::collections::HashMap;

/// Options of [`to_circuit`].
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Owner of each input value; if shorter than the number of values, value `i` is owned
    /// by party `i mod 3`.
    pub owners: Vec<PartyId>,
    /// Who learns the outputs.
    pub reveal_to: PartySet,
    /// Share each input bit as soon as it is read (all gates secret, the literature's
    /// setting); otherwise leave placement to the builder (one-owner gates stay local).
    pub share_inputs: bool,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            owners: Vec::new(),
            reveal_to: PartySet::ALL,
            share_inputs: true,
        }
    }
}

/// Converts a checked Bristol circuit into the IR (see the module documentation).
pub fn to_circuit(
    b: &BristolCircuit,
    name: &str,
    opts: &ImportOptions,
) -> Result<Circuit, BristolError> {
    let mut bld = Builder::new(name);
    let mut map: HashMap<u32, WireId> = HashMap::new();
    let mut at = 0u32;
    for (i, &n) in b.inputs.iter().enumerate() {
        let owner = opts.owners.get(i).copied().unwrap_or(PartyId::ALL[i % 3]);
        for j in 0..n {
            let mut w = bld.input_bool(owner, format!("in{i}[{j}]"), 1)?;
            if opts.share_inputs {
                w = bld.share(w)?;
            }
            map.insert(at, w);
            at += 1;
        }
    }
    let get = |map: &HashMap<u32, WireId>, w: &u32| {
        map.get(w)
            .copied()
            .ok_or(BristolError::OutputUnassigned(*w))
    };
    for g in &b.gates {
        match g {
            BristolGate::Xor { a, b, out } => {
                let r = bld.xor(get(&map, a)?, get(&map, b)?)?;
                map.insert(*out, r);
            }
            BristolGate::And { a, b, out } => {
                let r = bld.and(get(&map, a)?, get(&map, b)?)?;
                map.insert(*out, r);
            }
            BristolGate::Inv { a, out } => {
                let r = bld.not(get(&map, a)?)?;
                map.insert(*out, r);
            }
            BristolGate::Eq { constant, out } => {
                let r = bld.constant_bool(u64::from(*constant), 1)?;
                map.insert(*out, r);
            }
            BristolGate::Eqw { a, out } => {
                let r = get(&map, a)?;
                map.insert(*out, r);
            }
            BristolGate::Mand { a, b, outs } => {
                for i in 0..outs.len() {
                    let r = bld.and(get(&map, &a[i])?, get(&map, &b[i])?)?;
                    map.insert(outs[i], r);
                }
            }
        }
    }
    let mut at = b.wires - b.outputs.iter().sum::<u32>();
    for (k, &n) in b.outputs.iter().enumerate() {
        for j in 0..n {
            bld.output(format!("out{k}[{j}]"), get(&map, &at)?, opts.reveal_to)?;
            at += 1;
        }
    }
    Ok(bld.finish()?)
}

/// Parses a Bristol Fashion text and converts it into the IR.
pub fn import(text: &str, name: &str, opts: &ImportOptions) -> Result<Circuit, BristolError> {
    to_circuit(&parse(text)?, name, opts)
}

/// The group of an input or output name: the part before `[`, so that `in0[0]`, `in0[1]`
/// form one Bristol value.
fn group(name: &str) -> &str {
    name.split('[').next().unwrap_or(name)
}

/// Exports a boolean IR circuit as Bristol Fashion. Consecutive inputs (outputs) whose
/// names agree before `[` form one Bristol input (output) value; a `Bool{w}` wire is `w`
/// Bristol wires, least significant bit first. Placements are ignored.
pub fn from_circuit(c: &Circuit) -> Result<BristolCircuit, BristolError> {
    let mut wires_of: Vec<Vec<u32>> = vec![Vec::new(); c.len()];
    let mut next = 0u32;
    let mut inputs: Vec<u32> = Vec::new();
    let mut last_group: Option<String> = None;
    for i in c.inputs() {
        let WireType::Bool { width } = i.ty else {
            return Err(BristolError::Unsupported {
                gate: i.wire.0,
                op: "input (arith)",
            });
        };
        wires_of[i.wire.index()] = (next..next + width as u32).collect();
        next += width as u32;
        let g = group(i.name).to_string();
        match (&last_group, inputs.last_mut()) {
            (Some(l), Some(n)) if *l == g => *n += width as u32,
            _ => inputs.push(width as u32),
        }
        last_group = Some(g);
    }
    let mut gates = Vec::new();
    let fresh = |n: &mut u32| {
        let w = *n;
        *n += 1;
        w
    };
    for (k, g) in c.gates().iter().enumerate() {
        let ops = g.op.operands();
        let width = g.ty.width() as usize;
        let unsupported = || BristolError::Unsupported {
            gate: k as u32,
            op: g.op.mnemonic(),
        };
        if !g.ty.is_bool() || ops.iter().any(|o| !c.gate(*o).ty.is_bool()) {
            return Err(unsupported());
        }
        let out: Vec<u32> = match &g.op {
            Op::Input { .. } => continue,
            Op::Share { x, .. } => wires_of[x.index()].clone(),
            Op::Const { value, .. } => (0..width)
                .map(|j| {
                    let out = fresh(&mut next);
                    gates.push(BristolGate::Eq {
                        constant: value >> j & 1 == 1,
                        out,
                    });
                    out
                })
                .collect(),
            Op::Xor([a, b]) | Op::And([a, b]) => (0..width)
                .map(|j| {
                    let (a, b, out) = (
                        wires_of[a.index()][j],
                        wires_of[b.index()][j],
                        fresh(&mut next),
                    );
                    gates.push(match g.op {
                        Op::Xor(_) => BristolGate::Xor { a, b, out },
                        _ => BristolGate::And { a, b, out },
                    });
                    out
                })
                .collect(),
            Op::Not([a]) => (0..width)
                .map(|j| {
                    let out = fresh(&mut next);
                    gates.push(BristolGate::Inv {
                        a: wires_of[a.index()][j],
                        out,
                    });
                    out
                })
                .collect(),
            Op::Mux([s, a, b]) => {
                let s = wires_of[s.index()][0];
                (0..width)
                    .map(|j| {
                        let (a, b) = (wires_of[a.index()][j], wires_of[b.index()][j]);
                        let d = fresh(&mut next);
                        gates.push(BristolGate::Xor { a, b, out: d });
                        let t = fresh(&mut next);
                        gates.push(BristolGate::And { a: s, b: d, out: t });
                        let out = fresh(&mut next);
                        gates.push(BristolGate::Xor { a: b, b: t, out });
                        out
                    })
                    .collect()
            }
            _ => return Err(unsupported()),
        };
        wires_of[k] = out;
    }
    let mut outputs: Vec<u32> = Vec::new();
    let mut last_group: Option<String> = None;
    for o in c.outputs() {
        for &a in &wires_of[o.wire.index()].clone() {
            let out = fresh(&mut next);
            gates.push(BristolGate::Eqw { a, out });
        }
        let width = wires_of[o.wire.index()].len() as u32;
        let g = group(&o.name).to_string();
        match (&last_group, outputs.last_mut()) {
            (Some(l), Some(n)) if *l == g => *n += width,
            _ => outputs.push(width),
        }
        last_group = Some(g);
    }
    Ok(BristolCircuit {
        wires: next,
        inputs,
        outputs,
        gates,
    })
}

/// Exports a boolean IR circuit as Bristol Fashion text.
pub fn export(c: &Circuit) -> Result<String, BristolError> {
    Ok(from_circuit(c)?.to_text())
}

/// The bits of a byte string read as a big-endian integer, least significant bit first:
/// bit `j` is bit `j mod 8` of byte `len − 1 − ⌊j / 8⌋` (the Bristol wire order).
pub fn bits_lsb_first(bytes: &[u8]) -> Vec<bool> {
    let n = bytes.len();
    (0..n * 8)
        .map(|j| bytes[n - 1 - j / 8] >> (j % 8) & 1 == 1)
        .collect()
}

/// The inverse of [`bits_lsb_first`]: a big-endian byte string (a partial top byte is
/// zero-padded).
pub fn bytes_from_bits_lsb_first(bits: &[bool]) -> Vec<u8> {
    let n = bits.len().div_ceil(8);
    let mut out = vec![0u8; n];
    for (j, &b) in bits.iter().enumerate() {
        out[n - 1 - j / 8] |= u8::from(b) << (j % 8);
    }
    out
}
