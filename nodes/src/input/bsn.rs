//! The BSN (burgerservicenummer), the Dutch citizen service number.
//!
//! A BSN has 9 digits d1…d9 and passes the 11-test ("elfproef"):
//! 9·d1 + 8·d2 + 7·d3 + 6·d4 + 5·d5 + 4·d6 + 3·d7 + 2·d8 − 1·d9 ≡ 0 (mod 11).
//! `000000000` passes the test but is not a BSN and is refused.

use std::fmt;

/// A BSN that passed the format and 11-test checks.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bsn(u32);

/// Why a string is not a BSN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BsnError {
    /// Not exactly nine digits.
    Format,
    /// Nine digits that fail the 11-test (or all zeros).
    CheckDigit,
}

/// The 11-test weighted sum mod 11 of nine digits (0 means the test passes).
pub fn eleven_test_remainder(digits: &[u8; 9]) -> u32 {
    let mut sum: i64 = 0;
    for (i, d) in digits[..8].iter().enumerate() {
        sum += (9 - i as i64) * i64::from(*d);
    }
    sum -= i64::from(digits[8]);
    sum.rem_euclid(11) as u32
}

impl Bsn {
    /// Parses nine ASCII digits and applies the 11-test.
    pub fn parse(s: &str) -> Result<Bsn, BsnError> {
        let bytes = s.as_bytes();
        if bytes.len() != 9 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(BsnError::Format);
        }
        let mut digits = [0u8; 9];
        for (d, b) in digits.iter_mut().zip(bytes) {
            *d = b - b'0';
        }
        Bsn::from_digits(&digits)
    }

    fn from_digits(digits: &[u8; 9]) -> Result<Bsn, BsnError> {
        if digits.iter().all(|d| *d == 0) || eleven_test_remainder(digits) != 0 {
            return Err(BsnError::CheckDigit);
        }
        Ok(Bsn(digits
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(*d))))
    }

    /// The BSN as a number (0 … 999 999 999).
    pub fn value(self) -> u32 {
        self.0
    }

    /// A valid BSN from a number, if the number is one.
    pub fn from_value(value: u32) -> Option<Bsn> {
        if value > 999_999_999 {
            return None;
        }
        Bsn::parse(&format!("{value:09}")).ok()
    }

    /// The `index`-th synthetic BSN, for generated test data. Digits d1…d7 are
    /// `1000000 + index mod 9 000 000`; d8 is `2k` with `k = index / 9 000 000`, or
    /// `2k + 1` when `2k` leaves no valid check digit; d9 makes the 11-test pass.
    /// Injective for `index < 45 000 000`; larger indices wrap around.
    pub fn synthetic(index: u64) -> Bsn {
        let index = index % 45_000_000;
        let k = (index / 9_000_000) as u8;
        let counter = 1_000_000 + (index % 9_000_000) as u32;
        let mut digits = [0u8; 9];
        let mut c = counter;
        for i in (0..7).rev() {
            digits[i] = (c % 10) as u8;
            c /= 10;
        }
        let s7: u32 = (0..7).map(|i| (9 - i as u32) * u32::from(digits[i])).sum();
        // Need s7 + 2·d8 − d9 ≡ 0 (mod 11), i.e. d9 = (s7 + 2·d8) mod 11, which must be ≤ 9.
        for d8 in [2 * k, 2 * k + 1] {
            let d9 = (s7 + 2 * u32::from(d8)) % 11;
            if d9 <= 9 {
                digits[7] = d8;
                digits[8] = d9 as u8;
                return Bsn::from_digits(&digits).expect("constructed to pass the 11-test");
            }
        }
        unreachable!("d8 and d8 + 1 shift the remainder by 2, so one of them leaves d9 <= 9")
    }
}

impl fmt::Display for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:09}", self.0)
    }
}

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bsn({:09})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_and_invalid() {
        // 111222333: 9+8+7+12+10+8+9+6-3 = 66 = 6·11.
        assert!(Bsn::parse("111222333").is_ok());
        assert!(Bsn::parse("123456782").is_ok());
        assert_eq!(Bsn::parse("123456789"), Err(BsnError::CheckDigit));
        assert_eq!(Bsn::parse("000000000"), Err(BsnError::CheckDigit));
        assert_eq!(Bsn::parse("12345678"), Err(BsnError::Format));
        assert_eq!(Bsn::parse("1234567820"), Err(BsnError::Format));
        assert_eq!(Bsn::parse("12345678a"), Err(BsnError::Format));
        assert_eq!(Bsn::parse(" 23456782"), Err(BsnError::Format));
        assert_eq!(Bsn::parse("１２３４５６７８２"), Err(BsnError::Format));
    }

    #[test]
    fn leading_zeros_are_kept() {
        // 8·1 − 8 = 0.
        let b = Bsn::parse("010000008").unwrap();
        assert_eq!(b.to_string(), "010000008");
        assert_eq!(b.value(), 10_000_008);
        assert_eq!(Bsn::from_value(10_000_008), Some(b));
    }

    #[test]
    fn synthetic_bsns_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in (0..20_000)
            .chain(8_999_990..9_000_010)
            .chain(44_999_990..45_000_000)
        {
            let b = Bsn::synthetic(i);
            assert_eq!(Bsn::parse(&b.to_string()), Ok(b));
            assert!(seen.insert(b), "duplicate at {i}");
        }
    }

    #[test]
    fn exactly_one_check_digit_or_none() {
        // For any 8-digit prefix at most one ninth digit passes.
        for prefix in 10_000_000u32..10_000_200 {
            let ok = (0..10)
                .filter(|d| Bsn::parse(&format!("{prefix}{d}")).is_ok())
                .count();
            assert!(ok <= 1);
        }
    }
}
