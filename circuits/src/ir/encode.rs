//! Canonical byte encoding of a circuit, and validating decoding of untrusted bytes.
//!
//! Format, version 1 (all integers little-endian):
//!
//! ```text
//! magic    "SAMENCIR"                          8 bytes
//! version  u16 = 1
//! name     str                                 (str = u32 byte length, then UTF-8)
//! annots   u32 count, then (key str, value str) with keys strictly increasing
//! gates    u32 count, then per gate: tag u8, then
//!            0 input   owner u8, type, name str
//!            1 const   type, value u64
//!            2 share   x u32, type
//!            3 add 4 sub 6 mul 7 xor 8 and 10 lt 11 le 12 eq 16 bitmul   a u32, b u32
//!            5 neg 9 not 15 b2a                                          a u32
//!           13 mux     cond u32, a u32, b u32
//!           14 a2b     x u32, width u8
//! outputs  u32 count, then per output: wire u32, reveal mask u8 (bits 0..=2), name str
//! ```
//!
//! where `type` is two bytes: kind (0 = arith, 1 = bool) and width. Nothing may follow.
//! Result types of derived gates are not encoded: the decoder re-derives them with
//! [`super::infer`], so an encoding cannot contradict the typing rules. The encoding is
//! deterministic: equal circuits give equal bytes, and every accepted byte string
//! re-encodes to itself.
//!
//! Decoding never panics and never allocates more than the input's length justifies:
//! counts are not used for pre-allocation, and string lengths are checked against the
//! remaining bytes before copying.

use super::check_gate;
use super::op::{Gate, Op, WireId};
use super::types::{PartySet, WireType};
use super::{Circuit, CircuitError, Output};
use crate::party::PartyId;
use std::collections::BTreeMap;

/// Magic bytes at the start of every encoding.
pub const MAGIC: &[u8; 8] = b"SAMENCIR";
/// The encoding version this crate writes and reads.
pub const VERSION: u16 = 1;

/// Why bytes are not a valid circuit encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes end in the middle of a field.
    #[error("truncated: {what} at byte offset {offset}")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Where it starts.
        offset: usize,
    },
    /// The bytes do not start with `SAMENCIR`.
    #[error("not a Samen circuit encoding (bad magic)")]
    BadMagic,
    /// A version this crate does not read.
    #[error("unsupported encoding version {0} (this build reads version 1)")]
    UnsupportedVersion(u16),
    /// An unknown gate tag.
    #[error("gate {gate}: unknown op tag {tag}")]
    BadTag {
        /// Gate index.
        gate: u32,
        /// The tag byte.
        tag: u8,
    },
    /// An unknown type kind byte.
    #[error("gate {gate}: unknown type kind {kind}")]
    BadTypeKind {
        /// Gate index.
        gate: u32,
        /// The kind byte.
        kind: u8,
    },
    /// A party byte outside 0..=2.
    #[error("gate {gate}: party {party} is not 0, 1 or 2")]
    BadParty {
        /// Gate index.
        gate: u32,
        /// The byte.
        party: u8,
    },
    /// A reveal mask with bits above bit 2.
    #[error("output {output}: reveal mask {mask:#04x} names a party other than 0, 1, 2")]
    BadRevealSet {
        /// Output index.
        output: u32,
        /// The mask byte.
        mask: u8,
    },
    /// A string that is not UTF-8.
    #[error("{what} at byte offset {offset} is not UTF-8")]
    InvalidUtf8 {
        /// The field.
        what: &'static str,
        /// Where it starts.
        offset: usize,
    },
    /// Annotation keys not strictly increasing (not canonical).
    #[error("annotation keys are not strictly increasing (at `{0}`)")]
    AnnotationOrder(String),
    /// Bytes left after the last output.
    #[error("{0} trailing bytes after the circuit")]
    TrailingBytes(usize),
    /// Well-formed bytes describing an invalid circuit (types, order, names, outputs).
    #[error("invalid circuit: {0}")]
    Invalid(#[from] CircuitError),
}

const TAG_INPUT: u8 = 0;
const TAG_CONST: u8 = 1;
const TAG_SHARE: u8 = 2;
const TAG_ADD: u8 = 3;
const TAG_SUB: u8 = 4;
const TAG_NEG: u8 = 5;
const TAG_MUL: u8 = 6;
const TAG_XOR: u8 = 7;
const TAG_AND: u8 = 8;
const TAG_NOT: u8 = 9;
const TAG_LT: u8 = 10;
const TAG_LE: u8 = 11;
const TAG_EQ: u8 = 12;
const TAG_MUX: u8 = 13;
const TAG_A2B: u8 = 14;
const TAG_B2A: u8 = 15;
const TAG_BITMUL: u8 = 16;

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn put_type(out: &mut Vec<u8>, ty: WireType) {
    match ty {
        WireType::Arith { width } => out.extend_from_slice(&[0, width]),
        WireType::Bool { width } => out.extend_from_slice(&[1, width]),
    }
}

fn put_wires(out: &mut Vec<u8>, ws: &[WireId]) {
    for w in ws {
        put_u32(out, w.0);
    }
}

/// The canonical encoding of `circuit`.
pub fn encode(circuit: &Circuit) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + circuit.gates.len() * 9);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    put_str(&mut out, &circuit.name);
    put_u32(&mut out, circuit.annotations.len() as u32);
    for (k, v) in &circuit.annotations {
        put_str(&mut out, k);
        put_str(&mut out, v);
    }
    put_u32(&mut out, circuit.gates.len() as u32);
    for g in &circuit.gates {
        match &g.op {
            Op::Input { owner, name, ty } => {
                out.extend_from_slice(&[TAG_INPUT, owner.index() as u8]);
                put_type(&mut out, *ty);
                put_str(&mut out, name);
            }
            Op::Const { value, ty } => {
                out.push(TAG_CONST);
                put_type(&mut out, *ty);
                out.extend_from_slice(&value.to_le_bytes());
            }
            Op::Share { x, ty } => {
                out.push(TAG_SHARE);
                put_u32(&mut out, x.0);
                put_type(&mut out, *ty);
            }
            Op::A2B { x, width } => {
                out.push(TAG_A2B);
                put_u32(&mut out, x.0);
                out.push(*width);
            }
            op => {
                let tag = match op {
                    Op::Add(_) => TAG_ADD,
                    Op::Sub(_) => TAG_SUB,
                    Op::Neg(_) => TAG_NEG,
                    Op::Mul(_) => TAG_MUL,
                    Op::Xor(_) => TAG_XOR,
                    Op::And(_) => TAG_AND,
                    Op::Not(_) => TAG_NOT,
                    Op::Lt(_) => TAG_LT,
                    Op::Le(_) => TAG_LE,
                    Op::Eq(_) => TAG_EQ,
                    Op::Mux(_) => TAG_MUX,
                    Op::B2A(_) => TAG_B2A,
                    Op::BitMul(_) => TAG_BITMUL,
                    Op::Input { .. } | Op::Const { .. } | Op::Share { .. } | Op::A2B { .. } => {
                        unreachable!()
                    }
                };
                out.push(tag);
                put_wires(&mut out, op.operands());
            }
        }
    }
    put_u32(&mut out, circuit.outputs.len() as u32);
    for o in &circuit.outputs {
        put_u32(&mut out, o.wire.0);
        out.push(o.reveal_to.bits());
        put_str(&mut out, &o.name);
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let offset = self.pos;
        let end = offset.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                self.pos = end;
                Ok(&self.bytes[offset..end])
            }
            None => Err(DecodeError::Truncated { what, offset }),
        }
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn wire(&mut self) -> Result<WireId, DecodeError> {
        Ok(WireId(self.u32("operand")?))
    }

    fn str(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let len = self.u32(what)? as usize;
        let offset = self.pos;
        // `take` checks the length against the remaining bytes before anything is copied.
        let b = self.take(len, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| DecodeError::InvalidUtf8 { what, offset })
    }

    fn ty(&mut self, gate: u32) -> Result<WireType, DecodeError> {
        let kind = self.u8("type kind")?;
        let width = self.u8("type width")?;
        match kind {
            0 => Ok(WireType::Arith { width }),
            1 => Ok(WireType::Bool { width }),
            kind => Err(DecodeError::BadTypeKind { gate, kind }),
        }
    }
}

/// Decodes and validates untrusted bytes into a circuit.
pub fn decode(bytes: &[u8]) -> Result<Circuit, DecodeError> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(MAGIC.len(), "magic")
        .map_err(|_| DecodeError::BadMagic)?
        != MAGIC
    {
        return Err(DecodeError::BadMagic);
    }
    let version = r.u16("version")?;
    if version != VERSION {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let name = r.str("circuit name")?;
    let n_annotations = r.u32("annotation count")?;
    let mut annotations = BTreeMap::new();
    let mut last: Option<String> = None;
    for _ in 0..n_annotations {
        let k = r.str("annotation key")?;
        let v = r.str("annotation value")?;
        if last.as_ref().is_some_and(|l| *l >= k) {
            return Err(DecodeError::AnnotationOrder(k));
        }
        last = Some(k.clone());
        annotations.insert(k, v);
    }
    let n_gates = r.u32("gate count")?;
    // No pre-allocation from the untrusted count: the vector grows with the bytes read.
    let mut gates: Vec<Gate> = Vec::new();
    for gate in 0..n_gates {
        let tag = r.u8("gate tag")?;
        let op = match tag {
            TAG_INPUT => {
                let p = r.u8("input owner")?;
                let owner = PartyId::new(p).ok_or(DecodeError::BadParty { gate, party: p })?;
                let ty = r.ty(gate)?;
                let name = r.str("input name")?;
                Op::Input { owner, name, ty }
            }
            TAG_CONST => {
                let ty = r.ty(gate)?;
                Op::Const {
                    value: r.u64("constant")?,
                    ty,
                }
            }
            TAG_SHARE => {
                let x = r.wire()?;
                Op::Share { x, ty: r.ty(gate)? }
            }
            TAG_A2B => {
                let x = r.wire()?;
                Op::A2B {
                    x,
                    width: r.u8("a2b width")?,
                }
            }
            TAG_ADD => Op::Add([r.wire()?, r.wire()?]),
            TAG_SUB => Op::Sub([r.wire()?, r.wire()?]),
            TAG_NEG => Op::Neg([r.wire()?]),
            TAG_MUL => Op::Mul([r.wire()?, r.wire()?]),
            TAG_XOR => Op::Xor([r.wire()?, r.wire()?]),
            TAG_AND => Op::And([r.wire()?, r.wire()?]),
            TAG_NOT => Op::Not([r.wire()?]),
            TAG_LT => Op::Lt([r.wire()?, r.wire()?]),
            TAG_LE => Op::Le([r.wire()?, r.wire()?]),
            TAG_EQ => Op::Eq([r.wire()?, r.wire()?]),
            TAG_MUX => Op::Mux([r.wire()?, r.wire()?, r.wire()?]),
            TAG_B2A => Op::B2A([r.wire()?]),
            TAG_BITMUL => Op::BitMul([r.wire()?, r.wire()?]),
            tag => return Err(DecodeError::BadTag { gate, tag }),
        };
        gates.push(check_gate(&gates, op)?);
    }
    let n_outputs = r.u32("output count")?;
    let mut outputs = Vec::new();
    for output in 0..n_outputs {
        let wire = r.wire()?;
        let mask = r.u8("reveal mask")?;
        let reveal_to =
            PartySet::from_bits(mask).ok_or(DecodeError::BadRevealSet { output, mask })?;
        let name = r.str("output name")?;
        outputs.push(Output {
            name,
            wire,
            reveal_to,
        });
    }
    if r.pos != bytes.len() {
        return Err(DecodeError::TrailingBytes(bytes.len() - r.pos));
    }
    Ok(Circuit::from_gates(name, annotations, gates, outputs)?)
}

#[cfg(test)]
mod tests {
    use crate::builder::Builder;
    use crate::ir::{Circuit, PartyId, PartySet};

    #[test]
    fn round_trip_small() {
        let mut b = Builder::new("small");
        b.annotate("rules", "abc");
        let x = b.input_arith(PartyId::SVB, "x", 8).unwrap();
        let y = b.input_bool(PartyId::UWV, "y", 8).unwrap();
        let xb = b.a2b(x, 8).unwrap();
        let z = b.xor(xb, y).unwrap();
        let c = b.constant_bool(3, 8).unwrap();
        let l = b.lt(z, c).unwrap();
        b.output("l", l, PartySet::only(PartyId::SVB)).unwrap();
        let circuit = b.finish().unwrap();
        let bytes = circuit.encode();
        let back = Circuit::decode(&bytes).unwrap();
        assert_eq!(back, circuit);
        assert_eq!(back.encode(), bytes);
        assert_eq!(back.hash(), circuit.hash());
        let text = circuit.to_string();
        assert!(text.contains("w5 = xor w3 w4"), "{text}");
    }
}
