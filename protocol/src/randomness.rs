//! Correlated randomness from pairwise PRF keys.
//!
//! Araki, Furukawa, Lindell, Nof, Ohara, "High-Throughput Semi-Honest Secure Three-Party
//! Computation with an Honest Majority" (CCS 2016), §2.2: party `i` holds two keys,
//! `k_i` (also held by party `i − 1`) and `k_{i+1}` (also held by party `i + 1`). With a
//! PRF `F`, the values
//!
//! ```text
//! α_i = F(k_i, ctr) − F(k_{i+1}, ctr)        (or ⊕ for boolean sharings)
//! ```
//!
//! are a three-out-of-three sharing of zero: the sum telescopes. Any two of them are
//! uniformly random to a single party, because it lacks one of the keys. The same keys
//! give, without communication, replicated sharings of random values (component `i` is
//! `F(k_i, ctr)`), randomness common to a pair, and — with a third key all parties hold —
//! randomness common to all three.
//!
//! The PRF is AES-128 in counter mode (the `aes` crate, which uses AES-NI when the CPU
//! has it), drawn a whole column at a time. Keys are fresh per job: [`setup`] samples them
//! from the operating system and exchanges them in one round when a [`Context`] is made.
//! Two holders of a key stay in step because every protocol draws from a key the same
//! amounts in the same order at both of its holders.
//!
//! [`Context`]: crate::Context

use aes::cipher::{KeyIvInit, StreamCipher};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroize;

use crate::PartyId;

type Aes128Ctr = ctr::Ctr128LE<aes::Aes128>;

/// A 128-bit PRF key.
#[derive(Clone)]
pub struct PrfKey([u8; 16]);

impl PrfKey {
    /// A fresh key from the operating system's generator.
    pub fn random() -> PrfKey {
        let mut k = [0u8; 16];
        OsRng.fill_bytes(&mut k);
        PrfKey(k)
    }

    /// The key's bytes (to be sent to the one peer that shares it, or kept as dispute
    /// evidence). Treat as secret.
    pub fn to_bytes(&self) -> [u8; 16] {
        self.0
    }

    /// A key from bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> PrfKey {
        PrfKey(bytes)
    }
}

impl Drop for PrfKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for PrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrfKey(<secret>)")
    }
}

/// An AES-128-CTR keystream read as 64-bit words: `F(k, 0), F(k, 1), …`.
pub struct PrfStream {
    cipher: Aes128Ctr,
    words_drawn: u64,
}

impl PrfStream {
    /// The stream of `key`, starting at counter 0.
    pub fn new(key: &PrfKey) -> PrfStream {
        PrfStream {
            cipher: Aes128Ctr::new(&key.0.into(), &[0u8; 16].into()),
            words_drawn: 0,
        }
    }

    /// Overwrites `out` with the next `out.len()` words of the stream.
    pub fn fill(&mut self, out: &mut [u64]) {
        out.fill(0);
        self.cipher
            .apply_keystream(bytemuck::cast_slice_mut::<u64, u8>(out));
        #[cfg(not(target_endian = "little"))]
        for w in out.iter_mut() {
            *w = u64::from_le(*w);
        }
        self.words_drawn += out.len() as u64;
    }

    /// XORs the next `out.len()` words of the stream into `out` in place (the same words
    /// [`PrfStream::fill`] would draw), without a separate buffer for the keystream.
    pub fn fill_xor(&mut self, out: &mut [u64]) {
        #[cfg(not(target_endian = "little"))]
        for w in out.iter_mut() {
            *w = w.to_le();
        }
        self.cipher
            .apply_keystream(bytemuck::cast_slice_mut::<u64, u8>(out));
        #[cfg(not(target_endian = "little"))]
        for w in out.iter_mut() {
            *w = u64::from_le(*w);
        }
        self.words_drawn += out.len() as u64;
    }

    /// The next `n` words.
    pub fn words(&mut self, n: usize) -> Vec<u64> {
        let mut v = vec![0u64; n];
        self.fill(&mut v);
        v
    }

    /// How many words have been drawn so far (both holders of a key must agree).
    pub fn words_drawn(&self) -> u64 {
        self.words_drawn
    }
}

/// The keys of one party for one job, as agreed by [`setup`].
pub struct PartyKeys {
    /// `k_i`, shared with the previous party.
    pub with_prev: PrfKey,
    /// `k_{i+1}`, shared with the next party.
    pub with_next: PrfKey,
    /// The key all three parties hold.
    pub common: PrfKey,
}

/// One party's source of correlated randomness for one job.
pub struct CorrelatedRandomness {
    party: PartyId,
    with_prev: PrfStream,
    with_next: PrfStream,
    common: PrfStream,
    private: PrfStream,
}

impl CorrelatedRandomness {
    /// Builds the streams of `party` from its agreed keys; the private stream gets a fresh
    /// OS-random key.
    pub fn from_keys(party: PartyId, keys: &PartyKeys) -> CorrelatedRandomness {
        CorrelatedRandomness {
            party,
            with_prev: PrfStream::new(&keys.with_prev),
            with_next: PrfStream::new(&keys.with_next),
            common: PrfStream::new(&keys.common),
            private: PrfStream::new(&PrfKey::random()),
        }
    }

    /// The party these streams belong to.
    pub fn party(&self) -> PartyId {
        self.party
    }

    /// `n` values of an additive (mod 2^64) three-out-of-three sharing of zero:
    /// `F(k_i) − F(k_{i+1})`.
    pub fn zero_shares(&mut self, n: usize) -> Vec<u64> {
        let mut a = self.with_prev.words(n);
        let mut b = vec![0u64; n];
        self.with_next.fill(&mut b);
        for (x, y) in a.iter_mut().zip(&b) {
            *x = x.wrapping_sub(*y);
        }
        a
    }

    /// `n` words of an XOR three-out-of-three sharing of zero: `F(k_i) ⊕ F(k_{i+1})`.
    pub fn zero_shares_xor(&mut self, n: usize) -> Vec<u64> {
        let mut a = self.with_prev.words(n);
        let mut b = vec![0u64; n];
        self.with_next.fill(&mut b);
        for (x, y) in a.iter_mut().zip(&b) {
            *x ^= *y;
        }
        a
    }

    /// XORs `out.len()` words of an XOR three-out-of-three sharing of zero into `out` in
    /// place: the same words, drawn from the same streams, as
    /// [`CorrelatedRandomness::zero_shares_xor`]`(out.len())`.
    pub fn zero_shares_xor_into(&mut self, out: &mut [u64]) {
        self.with_prev.fill_xor(out);
        self.with_next.fill_xor(out);
    }

    /// Components `(r_i, r_{i+1})` of a replicated sharing of `n` uniformly random words
    /// (valid both additively and for XOR): no party knows the value.
    pub fn random_replicated(&mut self, n: usize) -> (Vec<u64>, Vec<u64>) {
        (self.with_prev.words(n), self.with_next.words(n))
    }

    /// `n` words known to this party and `peer` only. Both must call this at the same
    /// point of the protocol, each naming the other.
    ///
    /// # Panics
    /// If `peer` is this party (a programming error, never caused by input).
    pub fn shared_with(&mut self, peer: PartyId, n: usize) -> Vec<u64> {
        if peer == self.party.next() {
            self.with_next.words(n)
        } else if peer == self.party.prev() {
            self.with_prev.words(n)
        } else {
            panic!("shared_with: {peer} is not a peer of {}", self.party)
        }
    }

    /// `n` words known to all three parties (and nobody else).
    pub fn common(&mut self, n: usize) -> Vec<u64> {
        self.common.words(n)
    }

    /// `n` words known to this party only.
    pub fn private(&mut self, n: usize) -> Vec<u64> {
        self.private.words(n)
    }

    /// Fills `out` with words known to this party only.
    pub fn fill_private(&mut self, out: &mut [u64]) {
        self.private.fill(out)
    }
}

/// Samples this party's fresh key material: `k_i` (to send to the previous party) and a
/// contribution to the common key (to send to both).
pub(crate) fn sample_contribution() -> (PrfKey, PrfKey) {
    (PrfKey::random(), PrfKey::random())
}

/// Combines the three contributions to the common key.
///
/// Semi-honest: XOR of the three. (In malicious mode a rushing party could bias the key;
/// a commit-then-open round is needed there.)
pub(crate) fn combine_common(parts: [&[u8; 16]; 3]) -> PrfKey {
    let mut k = [0u8; 16];
    for p in parts {
        for (a, b) in k.iter_mut().zip(p.iter()) {
            *a ^= b;
        }
    }
    PrfKey(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> [PartyKeys; 3] {
        let k: Vec<PrfKey> = (0..3).map(|_| PrfKey::random()).collect();
        let c = PrfKey::random();
        std::array::from_fn(|i| PartyKeys {
            with_prev: k[i].clone(),
            with_next: k[(i + 1) % 3].clone(),
            common: c.clone(),
        })
    }

    #[test]
    fn zero_shares_sum_to_zero_and_are_not_zero() {
        let ks = keys();
        let mut r: Vec<_> = PartyId::ALL
            .iter()
            .map(|&p| CorrelatedRandomness::from_keys(p, &ks[p.index()]))
            .collect();
        let a: Vec<Vec<u64>> = r.iter_mut().map(|c| c.zero_shares(1000)).collect();
        let x: Vec<Vec<u64>> = r.iter_mut().map(|c| c.zero_shares_xor(1000)).collect();
        for j in 0..1000 {
            assert_eq!(a[0][j].wrapping_add(a[1][j]).wrapping_add(a[2][j]), 0);
            assert_eq!(x[0][j] ^ x[1][j] ^ x[2][j], 0);
        }
        assert!(a[0].iter().any(|&v| v != 0));
    }

    #[test]
    fn in_place_draws_equal_the_allocating_ones() {
        let ks = keys();
        for n in [0usize, 1, 2, 3, 7, 1000] {
            let mut a = CorrelatedRandomness::from_keys(PartyId::SVB, &ks[0]);
            let mut b = CorrelatedRandomness::from_keys(PartyId::SVB, &ks[0]);
            let base: Vec<u64> = (0..n as u64)
                .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
                .collect();
            // Two draws so that the second starts mid-block.
            let z = a.zero_shares_xor(n);
            let z2 = a.zero_shares_xor(n + 1);
            let mut out = base.clone();
            b.zero_shares_xor_into(&mut out);
            let mut out2 = vec![u64::MAX; n + 1];
            b.zero_shares_xor_into(&mut out2);
            let want: Vec<u64> = base.iter().zip(&z).map(|(x, y)| x ^ y).collect();
            assert_eq!(out, want);
            assert_eq!(out2, z2.iter().map(|y| !y).collect::<Vec<_>>());
            assert_eq!(a.with_prev.words_drawn(), b.with_prev.words_drawn());
            assert_eq!(a.with_next.words_drawn(), b.with_next.words_drawn());
        }
    }

    #[test]
    fn replicated_random_and_pair_random_agree() {
        let ks = keys();
        let mut r: Vec<_> = PartyId::ALL
            .iter()
            .map(|&p| CorrelatedRandomness::from_keys(p, &ks[p.index()]))
            .collect();
        let s: Vec<_> = r.iter_mut().map(|c| c.random_replicated(10)).collect();
        for i in 0..3 {
            // party i's second component is party i+1's first
            assert_eq!(s[i].1, s[(i + 1) % 3].0);
        }
        let a = r[0].shared_with(PartyId::UWV, 5);
        let b = r[1].shared_with(PartyId::SVB, 5);
        assert_eq!(a, b);
        let c: Vec<_> = r.iter_mut().map(|c| c.common(4)).collect();
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
    }
}
