//! Hashing a BSN to a Ristretto255 point, bound to the job.
//!
//! `H(bsn) = RistrettoPoint::from_uniform_bytes(XOF_64(domain ‖ len(job id) ‖ job id ‖
//! bsn as 9 ASCII digits))`, where the XOF is BLAKE3 in key-derivation mode with the
//! context string [`DOMAIN`] and the job id is prefixed by its length (8 bytes, little
//! endian) so that no two (job id, BSN) pairs give the same input. `from_uniform_bytes`
//! applies the Ristretto Elligator map twice and adds the results (RFC 9496 §4.3.4), so
//! `H` is a random oracle onto the group under the usual assumptions, and nobody knows a
//! discrete logarithm relation between hashed points.
//!
//! Binding to the job id means tags of different jobs cannot be compared, even by
//! parties who kept them. The BSN space is small (about 10^8 valid numbers), so an
//! unblinded `H(bsn)` is as sensitive as the BSN itself: it never leaves its owner (see
//! the module doc of [`crate::linkage`]).
//!
//! Cost: one hash-to-point (two Elligator maps, about 12 µs on the reference machine).

use curve25519_dalek::RistrettoPoint;

/// The BLAKE3 key-derivation context of Samen's BSN hash.
pub const DOMAIN: &str = "samen 2026-11 private record linkage: BSN to Ristretto255 v1";

/// A citizen service number (burgerservicenummer): nine decimal digits, leading zeros
/// allowed. `Debug` does not print the number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bsn(u32);

impl Bsn {
    /// A BSN from its numeric value; `None` unless it has at most nine digits.
    /// Does not apply the 11-test (see [`Bsn::passes_eleven_test`]): the input check of
    /// a job decides whether to enforce it.
    pub const fn new(value: u32) -> Option<Bsn> {
        if value < 1_000_000_000 {
            Some(Bsn(value))
        } else {
            None
        }
    }

    /// Parses exactly nine ASCII digits that pass the 11-test.
    pub fn parse(text: &str) -> Option<Bsn> {
        let b = text.as_bytes();
        if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        Some(Bsn(v)).filter(|bsn| bsn.passes_eleven_test())
    }

    /// The numeric value.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// The nine ASCII digits, with leading zeros.
    pub fn digits(self) -> [u8; 9] {
        let mut out = [b'0'; 9];
        let mut v = self.0;
        for d in out.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out
    }

    /// The BSN "elfproef": with digits d1..d9, 9·d1 + 8·d2 + … + 2·d8 − d9 is divisible
    /// by 11 (and the number is not zero).
    pub fn passes_eleven_test(self) -> bool {
        if self.0 == 0 {
            return false;
        }
        let d = self.digits();
        let mut sum: i64 = 0;
        for (i, &c) in d[..8].iter().enumerate() {
            sum += (9 - i as i64) * i64::from(c - b'0');
        }
        sum -= i64::from(d[8] - b'0');
        sum % 11 == 0
    }
}

impl std::fmt::Debug for Bsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bsn(<redacted>)")
    }
}

/// `H(domain ‖ job id ‖ ·)` for one job: the prefix is absorbed once and cloned per key.
#[derive(Clone)]
pub struct KeyHasher {
    prefix: blake3::Hasher,
}

impl KeyHasher {
    /// The hasher of the job `job_id`.
    pub fn new(job_id: &[u8]) -> KeyHasher {
        let mut prefix = blake3::Hasher::new_derive_key(DOMAIN);
        prefix.update(&(job_id.len() as u64).to_le_bytes());
        prefix.update(job_id);
        KeyHasher { prefix }
    }

    /// `H(bsn)`: never send this point anywhere.
    pub fn hash(&self, bsn: Bsn) -> RistrettoPoint {
        let mut h = self.prefix.clone();
        h.update(&bsn.digits());
        let mut wide = [0u8; 64];
        h.finalize_xof().fill(&mut wide);
        RistrettoPoint::from_uniform_bytes(&wide)
    }
}

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHasher")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_eleven_test() {
        assert_eq!(&Bsn::new(1234).unwrap().digits(), b"000001234");
        assert_eq!(Bsn::new(1_000_000_000), None);
        // 111222333: 9+8+7+12+10+8+9+6 − 3 = 66, divisible by 11
        assert!(Bsn::new(111_222_333).unwrap().passes_eleven_test());
        assert!(!Bsn::new(111_222_334).unwrap().passes_eleven_test());
        assert_eq!(Bsn::parse("111222333"), Bsn::new(111_222_333));
        assert_eq!(Bsn::parse("111222334"), None);
        assert_eq!(Bsn::parse("11122233"), None);
        assert_eq!(Bsn::parse("11122233x"), None);
        assert!(!format!("{:?}", Bsn::new(111_222_333).unwrap()).contains("111"));
    }

    #[test]
    fn hash_depends_on_job_and_key() {
        let a = KeyHasher::new(b"job-1");
        let b = KeyHasher::new(b"job-2");
        let x = Bsn::new(111_222_333).unwrap();
        let y = Bsn::new(123_456_782).unwrap();
        assert_eq!(a.hash(x), a.hash(x));
        assert_ne!(a.hash(x), a.hash(y));
        assert_ne!(a.hash(x), b.hash(x));
        // the length prefix separates job ids that are prefixes of each other
        assert_ne!(
            KeyHasher::new(b"job").hash(x),
            KeyHasher::new(b"job1").hash(x)
        );
    }
}
