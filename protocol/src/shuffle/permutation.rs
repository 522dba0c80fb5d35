//! Permutations of table rows: the gather form, composition and inverse, and uniform
//! sampling by Fisher–Yates from a PRF stream.
//!
//! Index `j ≤ i` is taken as the top word of `w · (i + 1)` for a uniform 64-bit word `w`,
//! whose bias (at most n/2^64 in statistical distance per index) is negligible for tables
//! below 2^32 rows. Local: no communication.

use crate::randomness::{PrfKey, PrfStream};
use crate::ProtocolError;

/// A permutation of `n` rows in gather form: applying it to `x` gives `y[i] = x[map[i]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permutation {
    map: Vec<u32>,
}

impl Permutation {
    /// The identity on `n` rows.
    ///
    /// # Panics
    /// If `n` exceeds `u32::MAX` (tables are bounded well below).
    pub fn identity(n: usize) -> Permutation {
        assert!(n <= u32::MAX as usize, "permutation of more than 2^32 rows");
        Permutation {
            map: (0..n as u32).collect(),
        }
    }

    /// A permutation from its gather map; an error unless `map` holds each of `0..n`
    /// exactly once.
    pub fn from_map(map: Vec<u32>) -> Result<Permutation, ProtocolError> {
        let mut seen = vec![false; map.len()];
        for &m in &map {
            match seen.get_mut(m as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err(ProtocolError::InvalidOperands("not a permutation".into())),
            }
        }
        Ok(Permutation { map })
    }

    /// A uniformly random permutation of `n` rows drawn by Fisher–Yates from `stream`
    /// (`n − 1` words).
    ///
    /// # Panics
    /// If `n` exceeds `u32::MAX`.
    pub fn sample(stream: &mut PrfStream, n: usize) -> Permutation {
        let mut p = Permutation::identity(n);
        if n < 2 {
            return p;
        }
        let words = stream.words(n - 1);
        for (k, i) in (1..n).rev().enumerate() {
            let j = ((words[k] as u128 * (i as u128 + 1)) >> 64) as usize;
            p.map.swap(i, j);
        }
        p
    }

    /// A uniformly random permutation from a 16-byte seed (see [`Permutation::sample`]).
    pub fn from_seed(seed: [u8; 16], n: usize) -> Permutation {
        Permutation::sample(&mut PrfStream::new(&PrfKey::from_bytes(seed)), n)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether it permutes no rows.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The gather map.
    pub fn as_slice(&self) -> &[u32] {
        &self.map
    }

    /// `y[i] = x[map[i]]`.
    ///
    /// # Panics
    /// If `x.len() != self.len()` (a programming error: lengths are checked where
    /// untrusted input enters).
    pub fn apply<T: Copy>(&self, x: &[T]) -> Vec<T> {
        assert_eq!(
            x.len(),
            self.map.len(),
            "permutation applied to a vector of another length"
        );
        self.map.iter().map(|&m| x[m as usize]).collect()
    }

    /// Applies the permutation to rows of `width` consecutive elements each.
    ///
    /// # Panics
    /// If `x.len() != self.len() * width`.
    pub fn apply_rows<T: Copy>(&self, x: &[T], width: usize) -> Vec<T> {
        assert_eq!(
            x.len(),
            self.map.len() * width,
            "permutation applied to rows of another shape"
        );
        let mut y = Vec::with_capacity(x.len());
        for &m in &self.map {
            let m = m as usize;
            y.extend_from_slice(&x[m * width..(m + 1) * width]);
        }
        y
    }

    /// The inverse permutation: `self.inverse().apply(&self.apply(x)) == x`.
    pub fn inverse(&self) -> Permutation {
        let mut inv = vec![0u32; self.map.len()];
        for (i, &m) in self.map.iter().enumerate() {
            inv[m as usize] = i as u32;
        }
        Permutation { map: inv }
    }

    /// The composite "first `self`, then `next`": `self.then(next).apply(x) ==
    /// next.apply(&self.apply(x))`.
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn then(&self, next: &Permutation) -> Permutation {
        Permutation {
            map: next.apply(&self.map),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_inverse_and_composition() {
        let mut s = PrfStream::new(&PrfKey::from_bytes([7; 16]));
        let a = Permutation::sample(&mut s, 50);
        let b = Permutation::sample(&mut s, 50);
        assert_ne!(a, b);
        let x: Vec<u64> = (100..150).collect();
        assert_eq!(a.inverse().apply(&a.apply(&x)), x);
        assert_eq!(a.then(&b).apply(&x), b.apply(&a.apply(&x)));
        assert!(Permutation::from_map(a.as_slice().to_vec()).is_ok());
        assert!(Permutation::from_map(vec![0, 0]).is_err());
        assert!(Permutation::from_map(vec![2, 0]).is_err());
        let rows: Vec<u8> = (0..100).collect();
        let y = a.apply_rows(&rows, 2);
        for i in 0..50 {
            assert_eq!(y[2 * i] as u32, 2 * a.as_slice()[i]);
            assert_eq!(y[2 * i + 1] as u32, 2 * a.as_slice()[i] + 1);
        }
    }

    #[test]
    fn seeded_permutations_agree_and_small_sizes_work() {
        assert_eq!(
            Permutation::from_seed([1; 16], 30),
            Permutation::from_seed([1; 16], 30)
        );
        assert_ne!(
            Permutation::from_seed([1; 16], 30),
            Permutation::from_seed([2; 16], 30)
        );
        assert!(Permutation::from_seed([1; 16], 0).is_empty());
        assert_eq!(Permutation::from_seed([1; 16], 1).as_slice(), &[0]);
    }

    #[test]
    fn fisher_yates_is_roughly_uniform_on_three_elements() {
        let mut s = PrfStream::new(&PrfKey::from_bytes([3; 16]));
        let mut counts = std::collections::HashMap::new();
        for _ in 0..6000 {
            *counts
                .entry(Permutation::sample(&mut s, 3).as_slice().to_vec())
                .or_insert(0u32) += 1;
        }
        assert_eq!(counts.len(), 6);
        // each of the 6 permutations expected 1000 times; 5 sigma ≈ 150
        assert!(
            counts.values().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
    }
}
