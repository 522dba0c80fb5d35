//! Blinding points with a party's secret exponent, in batches.
//!
//! A hop of the linkage chain maps every point `P` to `k·P` (written `P^k` in the
//! protocol description) for the party's secret scalar `k`, then compresses. Both steps
//! are batched and parallel (rayon, chunks of [`CHUNK`] points):
//!
//! - the scalar multiplication is curve25519-dalek's constant-time variable-base
//!   multiplication, by `k/2`;
//! - `RistrettoPoint::double_and_compress_batch` then compresses `2·(k/2)·P = k·P` for a
//!   whole chunk with one field inversion instead of one per point.
//!
//! Decompression of received bytes is per point (each needs a square root) and checks
//! every encoding: a non-canonical or off-curve encoding is a
//! [`ProtocolError::MalformedMessage`] naming the sender, the table and the position,
//! never a panic. Lengths are checked before anything is allocated.
//!
//! Cost per point and hop: one scalar multiplication, one (amortised) batch compression,
//! and, except at the owner, one decompression. [`CurveOps`] counts what was done.

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::{RistrettoPoint, Scalar};
use rayon::prelude::*;

use super::hash::{Bsn, KeyHasher};
use crate::randomness::PrfStream;
use crate::{PartyId, ProtocolError};

/// Points per parallel batch (one field inversion per batch when compressing).
pub const CHUNK: usize = 1024;

/// Bytes of a compressed Ristretto point.
pub const POINT_BYTES: usize = 32;

/// A party's secret blinding exponent for one job. Never leaves the party; `Debug` does
/// not print it. Zeroised on drop.
#[derive(Clone)]
pub struct BlindingKey {
    scalar: Scalar,
    half: Scalar,
}

impl BlindingKey {
    /// A uniformly random non-zero exponent drawn from `stream` (in the protocol: the
    /// party's [`SeedPurpose::LinkageBlinding`] stream, secret to it). Eight words (64
    /// bytes) are reduced modulo the group order ℓ ≈ 2^252, which is within 2^-250 of
    /// uniform; zero (probability about 2^-252) is skipped by drawing again.
    ///
    /// [`SeedPurpose::LinkageBlinding`]: crate::randomness::SeedPurpose::LinkageBlinding
    pub fn from_stream(stream: &mut PrfStream) -> BlindingKey {
        loop {
            let mut words = [0u64; 8];
            stream.fill(&mut words);
            let mut wide = [0u8; 64];
            for (chunk, w) in wide.chunks_exact_mut(8).zip(&words) {
                chunk.copy_from_slice(&w.to_le_bytes());
            }
            let s = Scalar::from_bytes_mod_order_wide(&wide);
            zeroize::Zeroize::zeroize(&mut wide);
            zeroize::Zeroize::zeroize(&mut words);
            if s != Scalar::ZERO {
                return BlindingKey::from_scalar(s);
            }
        }
    }

    /// An exponent from its canonical 32-byte encoding (for replay by an auditor, and
    /// tests); `None` for a non-canonical encoding or zero.
    pub fn from_bytes(bytes: [u8; 32]) -> Option<BlindingKey> {
        let s: Option<Scalar> = Scalar::from_canonical_bytes(bytes).into();
        s.filter(|s| *s != Scalar::ZERO)
            .map(BlindingKey::from_scalar)
    }

    fn from_scalar(scalar: Scalar) -> BlindingKey {
        BlindingKey {
            scalar,
            half: scalar * Scalar::from(2u8).invert(),
        }
    }

    /// `k·P` for one point (tests and audits; the protocol uses the batched form).
    pub fn blind(&self, point: &RistrettoPoint) -> RistrettoPoint {
        point * self.scalar
    }
}

impl Drop for BlindingKey {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.scalar.zeroize();
        self.half.zeroize();
    }
}

impl std::fmt::Debug for BlindingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindingKey(<secret>)")
    }
}

/// Curve operations one party performed (counted, not assumed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CurveOps {
    /// Keys hashed to points.
    pub hashes_to_point: u64,
    /// Fresh random points (empty partner keys, dummy rows): one Elligator map pair each,
    /// the cost of a hash.
    pub random_points: u64,
    /// Variable-base scalar multiplications.
    pub scalar_mults: u64,
    /// Points compressed (in batches).
    pub compressions: u64,
    /// Points decompressed.
    pub decompressions: u64,
}

impl CurveOps {
    /// Adds `other` into `self`.
    pub fn accumulate(&mut self, other: &CurveOps) {
        self.hashes_to_point += other.hashes_to_point;
        self.random_points += other.random_points;
        self.scalar_mults += other.scalar_mults;
        self.compressions += other.compressions;
        self.decompressions += other.decompressions;
    }
}

/// What an owner puts into one key slot of its table before the first hop.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Slot {
    /// A real key: hashed and blinded.
    Key(Bsn),
    /// No key (an empty partner, a dummy row): a fresh random point from these 64
    /// uniform bytes, which must never match anything.
    Random([u8; 64]),
}

fn compress_chunk(points: &[RistrettoPoint], out: &mut Vec<u8>) {
    for c in RistrettoPoint::double_and_compress_batch(points) {
        out.extend_from_slice(c.as_bytes());
    }
}

/// The owner's hop: `k·H(bsn)` for every key slot, a fresh random point for every empty
/// slot, compressed, in slot order (32 bytes each).
pub(crate) fn hash_blind_compress(
    hasher: &KeyHasher,
    key: &BlindingKey,
    slots: &[Slot],
    ops: &mut CurveOps,
) -> Vec<u8> {
    let chunks: Vec<Vec<u8>> = slots
        .par_chunks(CHUNK)
        .map(|chunk| {
            let points: Vec<RistrettoPoint> = chunk
                .iter()
                .map(|s| match s {
                    Slot::Key(b) => hasher.hash(*b) * key.half,
                    // doubled by the batch compression: still uniform
                    Slot::Random(bytes) => RistrettoPoint::from_uniform_bytes(bytes),
                })
                .collect();
            let mut out = Vec::with_capacity(chunk.len() * POINT_BYTES);
            compress_chunk(&points, &mut out);
            out
        })
        .collect();
    let keys = slots.iter().filter(|s| matches!(s, Slot::Key(_))).count() as u64;
    ops.hashes_to_point += keys;
    ops.scalar_mults += keys;
    ops.random_points += slots.len() as u64 - keys;
    ops.compressions += slots.len() as u64;
    chunks.concat()
}

/// A later hop: decompresses `bytes` (untrusted, from `from`), multiplies every point by
/// `key`, compresses. `what` names the table and hop in errors.
pub(crate) fn decompress_blind_compress(
    bytes: &[u8],
    from: PartyId,
    what: &str,
    key: &BlindingKey,
    ops: &mut CurveOps,
) -> Result<Vec<u8>, ProtocolError> {
    if bytes.len() % POINT_BYTES != 0 {
        return Err(ProtocolError::MalformedMessage {
            from,
            reason: format!(
                "{what}: {} bytes is not a whole number of points",
                bytes.len()
            ),
        });
    }
    let n = bytes.len() / POINT_BYTES;
    let chunks: Vec<Result<Vec<u8>, usize>> = bytes
        .par_chunks(CHUNK * POINT_BYTES)
        .enumerate()
        .map(|(c, chunk)| {
            let mut points = Vec::with_capacity(chunk.len() / POINT_BYTES);
            for (j, enc) in chunk.chunks_exact(POINT_BYTES).enumerate() {
                let enc: [u8; 32] = enc.try_into().expect("chunks_exact yields 32 bytes");
                match CompressedRistretto(enc).decompress() {
                    Some(p) => points.push(p * key.half),
                    None => return Err(c * CHUNK + j),
                }
            }
            let mut out = Vec::with_capacity(chunk.len());
            compress_chunk(&points, &mut out);
            Ok(out)
        })
        .collect();
    let mut out = Vec::with_capacity(bytes.len());
    for c in chunks {
        match c {
            Ok(v) => out.extend_from_slice(&v),
            Err(j) => {
                return Err(ProtocolError::MalformedMessage {
                    from,
                    reason: format!("{what}: invalid Ristretto encoding at point {j}"),
                })
            }
        }
    }
    ops.decompressions += n as u64;
    ops.scalar_mults += n as u64;
    ops.compressions += n as u64;
    Ok(out)
}

/// Decompresses untrusted bytes into points (for checks and tests), with the same
/// errors as the hops.
pub fn decompress_all(
    bytes: &[u8],
    from: PartyId,
    what: &str,
) -> Result<Vec<RistrettoPoint>, ProtocolError> {
    if bytes.len() % POINT_BYTES != 0 {
        return Err(ProtocolError::MalformedMessage {
            from,
            reason: format!(
                "{what}: {} bytes is not a whole number of points",
                bytes.len()
            ),
        });
    }
    bytes
        .par_chunks_exact(POINT_BYTES)
        .enumerate()
        .map(|(j, enc)| {
            let enc: [u8; 32] = enc.try_into().expect("chunks_exact yields 32 bytes");
            CompressedRistretto(enc)
                .decompress()
                .ok_or_else(|| ProtocolError::MalformedMessage {
                    from,
                    reason: format!("{what}: invalid Ristretto encoding at point {j}"),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::randomness::PrfKey;

    fn key(k: u8) -> BlindingKey {
        BlindingKey::from_stream(&mut PrfStream::new(&PrfKey::from_bytes([k; 16])))
    }

    #[test]
    fn batched_blinding_equals_plain_multiplication() {
        let hasher = KeyHasher::new(b"t");
        let key2 = key(2);
        let key = key(1);
        let slots: Vec<Slot> = (0..2500u32)
            .map(|i| {
                if i % 7 == 3 {
                    Slot::Random([i as u8; 64])
                } else {
                    Slot::Key(Bsn::new(i * 31).unwrap())
                }
            })
            .collect();
        let mut ops = CurveOps::default();
        let hop1 = hash_blind_compress(&hasher, &key, &slots, &mut ops);
        assert_eq!(hop1.len(), slots.len() * 32);
        for (i, s) in slots.iter().enumerate() {
            if let Slot::Key(b) = s {
                assert_eq!(
                    &hop1[i * 32..(i + 1) * 32],
                    key.blind(&hasher.hash(*b)).compress().as_bytes()
                );
            }
        }
        let hop2 = decompress_blind_compress(&hop1, PartyId::SVB, "test", &key2, &mut ops).unwrap();
        for (i, s) in slots.iter().enumerate() {
            if let Slot::Key(b) = s {
                assert_eq!(
                    &hop2[i * 32..(i + 1) * 32],
                    key2.blind(&key.blind(&hasher.hash(*b)))
                        .compress()
                        .as_bytes()
                );
            }
        }
        let keys = slots.iter().filter(|s| matches!(s, Slot::Key(_))).count() as u64;
        assert_eq!(ops.hashes_to_point, keys);
        assert_eq!(ops.scalar_mults, keys + slots.len() as u64);
        assert_eq!(ops.decompressions, slots.len() as u64);
    }

    #[test]
    fn invalid_encodings_are_errors() {
        let key = key(3);
        let mut ops = CurveOps::default();
        let mut bytes = RistrettoPoint::from_uniform_bytes(&[5; 64])
            .compress()
            .as_bytes()
            .repeat(3);
        assert!(decompress_blind_compress(&bytes, PartyId::UWV, "t", &key, &mut ops).is_ok());
        bytes[32 + 31] |= 0x80; // not canonical
        let e = decompress_blind_compress(&bytes, PartyId::UWV, "t", &key, &mut ops).unwrap_err();
        assert!(e.to_string().contains("point 1"), "{e}");
        assert!(
            decompress_blind_compress(&bytes[..40], PartyId::UWV, "t", &key, &mut ops).is_err()
        );
        assert!(decompress_all(&[0xff; 32], PartyId::UWV, "t").is_err());
        assert!(BlindingKey::from_bytes([0; 32]).is_none());
        assert!(BlindingKey::from_bytes([0xff; 32]).is_none());
    }
}
