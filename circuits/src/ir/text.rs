//! The readable text form of a circuit (`Display`), one line per gate:
//!
//! ```text
//! circuit "example" (4 gates, 1 output)
//!   @rules_hash = "…"
//!   w0 = input uwv "wages" : arith<40> @local(uwv)
//!   w1 = const 3 : arith<3> @public
//!   w2 = share w0 : arith<40> @secret
//!   w3 = lt w2 w1 : bool<1> @secret
//!   output "flag" = w3 -> {svb}
//! ```
//!
//! Constants of arith type print as signed decimals, boolean ones in hex.

use super::op::Op;
use super::types::WireType;
use super::Circuit;
use std::fmt;

impl fmt::Display for Circuit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "circuit {:?} ({} gates, {} outputs)",
            self.name,
            self.gates.len(),
            self.outputs.len()
        )?;
        for (k, v) in &self.annotations {
            writeln!(f, "  @{k} = {v:?}")?;
        }
        for (i, g) in self.gates.iter().enumerate() {
            write!(f, "  w{i} = {}", g.op.mnemonic())?;
            match &g.op {
                Op::Input { owner, name, .. } => write!(f, " {} {name:?}", owner.short_name())?,
                Op::Const { value, ty } => match ty {
                    WireType::Arith { .. } => write!(f, " {}", *value as i64)?,
                    WireType::Bool { .. } => write!(f, " {value:#x}")?,
                },
                Op::A2B { x, width } => write!(f, " {x} {width}")?,
                op => {
                    for w in op.operands() {
                        write!(f, " {w}")?;
                    }
                }
            }
            writeln!(f, " : {} @{}", g.ty, g.placement)?;
        }
        for o in &self.outputs {
            writeln!(f, "  output {:?} = {} -> {}", o.name, o.wire, o.reveal_to)?;
        }
        Ok(())
    }
}
