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
//! has it), drawn a whole column at a time. Keys are fresh per job and exchanged in one
//! round when a [`Context`] is made. Two holders of a key stay in step because every
//! protocol draws from a key the same amounts in the same order at both of its holders.
//!
//! # One seed per party and job
//!
//! Every random choice a party makes — its PRF key `k_i`, its contribution to the common
//! key, its private stream, the linkage's blinding exponent, dummy rows and private row
//! order — is derived from one 32-byte [`PartySeed`], drawn by the node from the
//! operating system once per job (this crate never touches the operating system's
//! generator). Each purpose ([`SeedPurpose`]) gets its own key by BLAKE3 in
//! key-derivation mode, `derive_key("samen 2026 party seed: <purpose>", use ‖ seed)`,
//! where `use` counts the earlier derivations of that purpose in the job (8 bytes,
//! little-endian). BLAKE3's key derivation is a PRF in the seed, so the derived keys are
//! independent uniform keys for distinct (purpose, use) pairs, as if sampled separately.
//!
//! Consequence: a party's messages are a deterministic function of its input, its seed and
//! the messages it received. The node's transcript commits to the seed and its dispute
//! evidence keeps it, so an auditor can re-execute the party's side (`samen audit
//! replay`), the linkage included.
//!
//! [`Context`]: crate::Context

use aes::cipher::{KeyIvInit, StreamCipher};
use zeroize::Zeroize;

use crate::PartyId;

type Aes128Ctr = ctr::Ctr128LE<aes::Aes128>;

/// A 128-bit PRF key.
#[derive(Clone)]
pub struct PrfKey([u8; 16]);

impl PrfKey {
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

/// What a key derived from a [`PartySeed`] is for (the domain separation of
/// [`PartySeed::derive`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SeedPurpose {
    /// `k_i`, the PRF key this party shares with the previous party.
    KeyWithPrev,
    /// This party's contribution to the common key.
    CommonContribution,
    /// The party's private stream ([`CorrelatedRandomness::private`]).
    Private,
    /// The linkage's blinding exponent.
    LinkageBlinding,
    /// The linkage's dummy rows and empty key slots (random points).
    LinkageDummies,
    /// The linkage owner's private row order σ.
    LinkageOrder,
}

impl SeedPurpose {
    /// The BLAKE3 key-derivation context of this purpose.
    pub fn context(self) -> &'static str {
        match self {
            SeedPurpose::KeyWithPrev => "samen 2026 party seed: PRF key with the previous party",
            SeedPurpose::CommonContribution => "samen 2026 party seed: common key contribution",
            SeedPurpose::Private => "samen 2026 party seed: private stream",
            SeedPurpose::LinkageBlinding => "samen 2026 party seed: linkage blinding exponent",
            SeedPurpose::LinkageDummies => "samen 2026 party seed: linkage dummy points",
            SeedPurpose::LinkageOrder => "samen 2026 party seed: linkage private order",
        }
    }
}

/// A party's secret seed for one job: the source of every random choice it makes (see the
/// [module](self) doc). 32 uniformly random bytes drawn by the node; `Debug` does not
/// print it; zeroised on drop. As secret as the party's PRF keys: the transcript holds
/// only a commitment, the dispute evidence the seed itself.
#[derive(Clone, PartialEq, Eq)]
pub struct PartySeed([u8; 32]);

impl PartySeed {
    /// A seed from its bytes (drawn by the caller from a cryptographic generator, or read
    /// back from evidence for a replay).
    pub fn from_bytes(bytes: [u8; 32]) -> PartySeed {
        PartySeed(bytes)
    }

    /// The seed's bytes (for the evidence file, or a commitment). Treat as secret.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The key of the `nth` use of `purpose`:
    /// `BLAKE3-derive_key(purpose.context(), nth (8 bytes LE) ‖ seed)`.
    pub fn derive(&self, purpose: SeedPurpose, nth: u64) -> [u8; 32] {
        let mut h = blake3::Hasher::new_derive_key(purpose.context());
        h.update(&nth.to_le_bytes());
        h.update(&self.0);
        *h.finalize().as_bytes()
    }

    /// The PRF key of the `nth` use of `purpose` (the first 16 bytes of [`PartySeed::derive`]).
    pub fn prf_key(&self, purpose: SeedPurpose, nth: u64) -> PrfKey {
        let mut d = self.derive(purpose, nth);
        let mut k = [0u8; 16];
        k.copy_from_slice(&d[..16]);
        d.zeroize();
        PrfKey(k)
    }
}

impl Drop for PartySeed {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for PartySeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartySeed(<secret>)")
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
        // Zeroed by the allocator: the keystream is XORed straight in (no second zeroing).
        let mut v = vec![0u64; n];
        self.fill_xor(&mut v);
        v
    }

    /// How many words have been drawn so far (both holders of a key must agree).
    pub fn words_drawn(&self) -> u64 {
        self.words_drawn
    }
}

/// The keys of one party for one job, as agreed by [`Context::start`](crate::Context::start).
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
    seed: PartySeed,
    uses: std::collections::BTreeMap<SeedPurpose, u64>,
}

impl CorrelatedRandomness {
    /// Builds the streams of `party` from its agreed keys; the private stream and every
    /// [`CorrelatedRandomness::purpose_stream`] come from `seed`.
    pub fn from_keys(party: PartyId, keys: &PartyKeys, seed: &PartySeed) -> CorrelatedRandomness {
        CorrelatedRandomness {
            party,
            with_prev: PrfStream::new(&keys.with_prev),
            with_next: PrfStream::new(&keys.with_next),
            common: PrfStream::new(&keys.common),
            private: PrfStream::new(&seed.prf_key(SeedPurpose::Private, 0)),
            seed: seed.clone(),
            uses: std::collections::BTreeMap::new(),
        }
    }

    /// A fresh private stream for `purpose`, known to this party only: the key of the
    /// next unused derivation of `purpose` from the party's seed ([`PartySeed::prf_key`]),
    /// so two calls never return the same stream. Deterministic given the seed and the
    /// order of calls, which the protocol fixes.
    pub fn purpose_stream(&mut self, purpose: SeedPurpose) -> PrfStream {
        let nth = self.uses.entry(purpose).or_insert(0);
        let key = self.seed.prf_key(purpose, *nth);
        *nth += 1;
        PrfStream::new(&key)
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

/// This party's key material for the set-up round, from its seed: `k_i` (to send to the
/// previous party) and a contribution to the common key (to send to both).
pub(crate) fn sample_contribution(seed: &PartySeed) -> (PrfKey, PrfKey) {
    (
        seed.prf_key(SeedPurpose::KeyWithPrev, 0),
        seed.prf_key(SeedPurpose::CommonContribution, 0),
    )
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

    fn seed() -> PartySeed {
        PartySeed::from_bytes([42; 32])
    }

    fn keys() -> [PartyKeys; 3] {
        let k: Vec<PrfKey> = (0..3u8).map(|i| PrfKey::from_bytes([i + 1; 16])).collect();
        let c = PrfKey::from_bytes([9; 16]);
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
            .map(|&p| CorrelatedRandomness::from_keys(p, &ks[p.index()], &seed()))
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
            let mut a = CorrelatedRandomness::from_keys(PartyId::SVB, &ks[0], &seed());
            let mut b = CorrelatedRandomness::from_keys(PartyId::SVB, &ks[0], &seed());
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
            .map(|&p| CorrelatedRandomness::from_keys(p, &ks[p.index()], &seed()))
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

    #[test]
    fn seed_derivations_are_separated_by_purpose_and_use() {
        let s = seed();
        let all = [
            SeedPurpose::KeyWithPrev,
            SeedPurpose::CommonContribution,
            SeedPurpose::Private,
            SeedPurpose::LinkageBlinding,
            SeedPurpose::LinkageDummies,
            SeedPurpose::LinkageOrder,
        ];
        let mut seen = std::collections::HashSet::new();
        for p in all {
            for nth in 0..3 {
                assert!(seen.insert(s.derive(p, nth)), "{p:?} {nth}");
            }
        }
        assert_ne!(
            s.derive(SeedPurpose::Private, 0),
            PartySeed::from_bytes([43; 32]).derive(SeedPurpose::Private, 0)
        );
        let ks = keys();
        let mut r = CorrelatedRandomness::from_keys(PartyId::UWV, &ks[1], &s);
        let mut r2 = CorrelatedRandomness::from_keys(PartyId::UWV, &ks[1], &s);
        let a = r.purpose_stream(SeedPurpose::LinkageOrder).words(4);
        let b = r.purpose_stream(SeedPurpose::LinkageOrder).words(4);
        assert_ne!(a, b, "a second use gets a fresh stream");
        assert_eq!(a, r2.purpose_stream(SeedPurpose::LinkageOrder).words(4));
        assert_eq!(r.private(3), r2.private(3), "deterministic given the seed");
        assert_eq!(format!("{s:?}"), "PartySeed(<secret>)");
    }
}
