//! Scanning a transcript for values it must never contain: input values, share words,
//! PRF keys, signing keys.
//!
//! A transcript records hashes and lengths, never payloads, so no secret should appear in
//! it in any form. These functions are the test for that claim: give them the bytes of a
//! transcript and the secrets of the run that wrote it, and they report every place a
//! secret appears as
//! - a 64-bit word in little- or big-endian bytes ([`Form::LittleEndian`], [`Form::BigEndian`]),
//! - a decimal number token, i.e. a maximal run of digits ([`Form::Decimal`]),
//! - 16 hex digits anywhere inside a run of hex digits, either case ([`Form::Hex16`]), or a
//!   whole hex token in its shortest form ([`Form::HexShort`]),
//! - for byte strings (keys): the raw bytes ([`Form::Raw`]) or their hex, either case
//!   ([`Form::HexBytes`]).
//!
//! Small values occur in any file by chance (a sequence number 3 is not a leaked share 3),
//! so callers should scan for words of 32 bits or more (see [`significant_words`]).
//! Cost: linear in the transcript size (one hash-set lookup per byte offset for the binary
//! forms); a finding names the offset and the index of the secret, never its value.

use std::collections::HashSet;

/// How a secret was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// The word's 8 little-endian bytes.
    LittleEndian,
    /// The word's 8 big-endian bytes.
    BigEndian,
    /// The word as a whole decimal token.
    Decimal,
    /// The word as 16 hex digits (either case) inside a hex run.
    Hex16,
    /// The word as a whole hex token without leading zeros.
    HexShort,
    /// A byte string's raw bytes.
    Raw,
    /// A byte string's hex encoding (either case).
    HexBytes,
}

/// One occurrence of a secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    /// Byte offset in the transcript.
    pub offset: usize,
    /// Line number (1-based) of that offset.
    pub line: u64,
    /// In what form.
    pub form: Form,
    /// Index of the secret in the list scanned for.
    pub secret: usize,
}

/// The words of `words` that are at least 2^31 (that is, of 32 significant bits or more):
/// the ones whose appearance in a transcript cannot be chance.
pub fn significant_words(words: &[u64]) -> Vec<u64> {
    words.iter().copied().filter(|&w| w >= 1 << 31).collect()
}

/// Every occurrence of any of `words` in `transcript` (see the module doc for the forms).
pub fn scan_for_words(transcript: &[u8], words: &[u64]) -> Vec<Finding> {
    let mut index_of = std::collections::HashMap::with_capacity(words.len());
    for (k, &w) in words.iter().enumerate() {
        index_of.entry(w).or_insert(k);
    }
    let lines = LineIndex::new(transcript);
    let mut found = HashSet::new();
    let mut hit = |offset: usize, form: Form, w: u64| {
        if let Some(&k) = index_of.get(&w) {
            found.insert(Finding {
                offset,
                line: lines.line_of(offset),
                form,
                secret: k,
            });
        }
    };
    for (offset, window) in transcript.windows(8).enumerate() {
        let b: [u8; 8] = window.try_into().unwrap_or([0; 8]);
        hit(offset, Form::LittleEndian, u64::from_le_bytes(b));
        hit(offset, Form::BigEndian, u64::from_be_bytes(b));
    }
    for (start, token) in runs(transcript, |b| b.is_ascii_digit()) {
        if token.len() <= 20 {
            if let Some(v) = std::str::from_utf8(token)
                .ok()
                .and_then(|t| t.parse::<u64>().ok())
            {
                hit(start, Form::Decimal, v);
            }
        }
    }
    for (start, token) in runs(transcript, |b| b.is_ascii_hexdigit()) {
        if token.len() <= 16 {
            if let Some(v) = parse_hex(token) {
                hit(start, Form::HexShort, v);
            }
        }
        for (k, w) in token.windows(16).enumerate() {
            if let Some(v) = parse_hex(w) {
                hit(start + k, Form::Hex16, v);
            }
        }
    }
    let mut out: Vec<Finding> = found.into_iter().collect();
    out.sort_by_key(|f| (f.offset, f.secret));
    out
}

/// Every occurrence of any of `secrets` (keys and other byte strings, each at least 8
/// bytes long; shorter ones are skipped) in `transcript`, raw or hex-encoded.
pub fn scan_for_bytes(transcript: &[u8], secrets: &[&[u8]]) -> Vec<Finding> {
    let lines = LineIndex::new(transcript);
    let lower = transcript.to_ascii_lowercase();
    let mut out = Vec::new();
    for (k, secret) in secrets.iter().enumerate() {
        if secret.len() < 8 {
            continue;
        }
        for offset in find_all(transcript, secret) {
            out.push(Finding {
                offset,
                line: lines.line_of(offset),
                form: Form::Raw,
                secret: k,
            });
        }
        let hex = hex::encode(secret).into_bytes();
        for offset in find_all(&lower, &hex) {
            out.push(Finding {
                offset,
                line: lines.line_of(offset),
                form: Form::HexBytes,
                secret: k,
            });
        }
    }
    out.sort_by_key(|f| (f.offset, f.secret));
    out
}

fn parse_hex(digits: &[u8]) -> Option<u64> {
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// Maximal runs of bytes satisfying `class`, with their start offsets.
fn runs(bytes: &[u8], class: impl Fn(u8) -> bool) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut start = None;
    for (k, &b) in bytes.iter().enumerate() {
        match (class(b), start) {
            (true, None) => start = Some(k),
            (false, Some(s)) => {
                out.push((s, &bytes[s..k]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &bytes[s..]));
    }
    out
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return Vec::new();
    }
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(k, _)| k)
        .collect()
}

struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(bytes: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(k, _)| k + 1),
        );
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> u64 {
        self.starts.partition_point(|&s| s <= offset) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_form_of_a_word() {
        let w: u64 = 0x0123_4567_89ab_cdef;
        let mut t = b"{\"a\":1}\n".to_vec();
        t.extend_from_slice(&w.to_le_bytes());
        t.push(b' ');
        t.extend_from_slice(&w.to_be_bytes());
        t.extend_from_slice(format!(" {w} ").as_bytes());
        t.extend_from_slice(format!("\n\"aa{w:016X}bb\" {w:x}\n").as_bytes());
        let forms: HashSet<Form> = scan_for_words(&t, &[5, w])
            .into_iter()
            .filter(|f| f.secret == 1)
            .map(|f| f.form)
            .collect();
        for f in [
            Form::LittleEndian,
            Form::BigEndian,
            Form::Decimal,
            Form::Hex16,
            Form::HexShort,
        ] {
            assert!(forms.contains(&f), "{f:?} not found");
        }
        let lines: Vec<u64> = scan_for_words(&t, &[w]).iter().map(|f| f.line).collect();
        assert!(lines.contains(&2) && lines.contains(&3));
    }

    #[test]
    fn decimal_matches_whole_tokens_only_and_clean_text_is_clean() {
        let t = b"{\"i\":12345678901,\"t\":99}";
        assert!(scan_for_words(t, &[2345678901]).is_empty());
        assert_eq!(scan_for_words(t, &[12345678901]).len(), 1);
        assert_eq!(
            significant_words(&[1, 1 << 31, u64::MAX]),
            vec![1 << 31, u64::MAX]
        );
    }

    #[test]
    fn finds_keys_raw_and_in_hex() {
        let key = [0xa5u8; 16];
        let mut t = b"x".to_vec();
        t.extend_from_slice(&key);
        t.extend_from_slice(hex::encode_upper(key).as_bytes());
        let f = scan_for_bytes(&t, &[&key]);
        assert_eq!(
            f.iter().map(|f| f.form).collect::<Vec<_>>(),
            vec![Form::Raw, Form::HexBytes]
        );
        assert!(scan_for_bytes(b"nothing here at all", &[&key]).is_empty());
    }
}
