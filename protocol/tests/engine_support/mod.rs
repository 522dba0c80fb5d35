//! Helpers shared by the engine tests: run three parties, reconstruct shares (checking
//! that the replicated components agree), value strategies with edge cases.
#![allow(dead_code)]

use proptest::prelude::*;
use samen_protocol::ops::convert::unbitslice;
use samen_protocol::{harness, ArithColumn, BitSlicedColumn, Context, PartyId, ProtocolError};

/// Runs `f` at the three parties and returns the three outputs.
pub fn run<R: Send>(f: impl Fn(&mut Context) -> Result<R, ProtocolError> + Sync) -> [R; 3] {
    let runs = harness::try_run_three(f).expect("protocol run");
    runs.map(|r| r.output)
}

/// The owner's slice at the owner, `None` elsewhere.
pub fn at(ctx: &Context, owner: PartyId, v: &[u64]) -> Option<Vec<u64>> {
    (ctx.party() == owner).then(|| v.to_vec())
}

/// Reconstructs an arithmetic column from the three parties' shares, checking that
/// party i's second component is party i+1's first.
pub fn open_arith(s: &[ArithColumn; 3]) -> Vec<u64> {
    for i in 0..3 {
        assert_eq!(
            s[i].shares.next,
            s[(i + 1) % 3].shares.own,
            "replicated components disagree"
        );
    }
    (0..s[0].rows())
        .map(|r| {
            s[0].shares.own[r]
                .wrapping_add(s[1].shares.own[r])
                .wrapping_add(s[2].shares.own[r])
        })
        .collect()
}

/// Reconstructs a bit-sliced column, checking agreement, shape and zero padding.
pub fn open_bits(s: &[BitSlicedColumn; 3]) -> Vec<u64> {
    for i in 0..3 {
        assert_eq!(
            s[i].shares.next,
            s[(i + 1) % 3].shares.own,
            "replicated components disagree"
        );
        assert_eq!((s[i].width, s[i].rows), (s[0].width, s[0].rows));
        // Layout and padding invariant.
        BitSlicedColumn::new(s[i].width, s[i].rows, s[i].shares.clone())
            .expect("valid bit-sliced layout");
    }
    let words: Vec<u64> = (0..s[0].shares.len())
        .map(|k| s[0].shares.own[k] ^ s[1].shares.own[k] ^ s[2].shares.own[k])
        .collect();
    unbitslice(&words, s[0].width, s[0].rows)
}

/// Mask of the low `w` bits.
pub fn mask(w: u32) -> u64 {
    if w == 64 {
        u64::MAX
    } else {
        (1u64 << w) - 1
    }
}

/// Any u64 with edge values mixed in (0, 1, −1, extremes, the 2^63 boundary).
pub fn word() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => any::<u64>(),
        1 => prop::sample::select(vec![0u64, 1, u64::MAX, 1 << 63, (1 << 63) - 1, 2, u64::MAX - 1]),
    ]
}

/// Unsigned values of `w` bits with edges (0, 1, max, max − 1, the top bit alone).
pub fn unsigned(w: u32) -> impl Strategy<Value = u64> {
    let m = mask(w);
    prop_oneof![
        3 => 0..=m,
        1 => prop::sample::select(vec![0u64, 1 & m, m, m.saturating_sub(1), 1u64 << (w - 1)]),
    ]
}

/// Signed two's-complement `w`-bit values (1 ≤ w ≤ 63) as u64 words, with edges
/// (0, 1, −1, min, max).
pub fn signed(w: u32) -> impl Strategy<Value = u64> {
    let lo = -(1i64 << (w - 1));
    let hi = (1i64 << (w - 1)) - 1;
    prop_oneof![
        3 => (lo..=hi).prop_map(|v| v as u64),
        1 => prop::sample::select(vec![0i64, 1.min(hi), -1, lo, hi, lo + 1, hi - 1.min(hi)]).prop_map(|v| v as u64),
    ]
}

/// A row count: mostly small, sometimes 0, 1, 64, or not a multiple of 64.
pub fn rows() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0usize..200, 1 => prop::sample::select(vec![0usize, 1, 63, 64, 65, 128, 191, 300])]
}

/// A random owner.
pub fn owner() -> impl Strategy<Value = PartyId> {
    (0u8..3).prop_map(|i| PartyId::new(i).expect("index < 3"))
}
