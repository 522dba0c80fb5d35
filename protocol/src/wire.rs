//! Encoding of bulk share vectors on the wire: raw little-endian 64-bit words.
//!
//! No per-element framing: a column of `n` words is `8 n` bytes. Decoding untrusted
//! bytes checks the length against what the protocol step expects and never panics.

use crate::{PartyId, ProtocolError};

/// Encodes words as little-endian bytes.
pub fn encode_words(words: &[u64]) -> Vec<u8> {
    #[cfg(target_endian = "little")]
    {
        bytemuck::cast_slice::<u64, u8>(words).to_vec()
    }
    #[cfg(not(target_endian = "little"))]
    {
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }
}

/// Decodes exactly `expected` little-endian words received from `from`.
pub fn decode_words(
    from: PartyId,
    bytes: &[u8],
    expected: usize,
) -> Result<Vec<u64>, ProtocolError> {
    if bytes.len() != expected.saturating_mul(8) {
        return Err(ProtocolError::MalformedMessage {
            from,
            reason: format!(
                "expected {} words ({} bytes), got {} bytes",
                expected,
                expected.saturating_mul(8),
                bytes.len()
            ),
        });
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("chunks_exact yields 8 bytes")))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_length_is_checked() {
        let w = vec![0u64, 1, u64::MAX, 0x0123_4567_89ab_cdef];
        let b = encode_words(&w);
        assert_eq!(b.len(), 32);
        assert_eq!(b[8], 1);
        assert_eq!(decode_words(PartyId::SVB, &b, 4).unwrap(), w);
        assert!(decode_words(PartyId::SVB, &b, 3).is_err());
        assert!(decode_words(PartyId::SVB, &b[..31], 4).is_err());
    }
}
