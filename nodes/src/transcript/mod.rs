//! Signed, hash-chained transcripts: what each node writes about every job it runs, so
//! that a privacy officer can later check what was exchanged and what was disclosed.
//!
//! Every node writes one transcript per job, aborted jobs included. It records the
//! approved job (hashes of the job file, circuit, rules and federation), a commitment to
//! the party's input, one record per message sent or received (peer, phase, sequence
//! number, length and the BLAKE3 hash of the bytes — never the bytes, which are shares),
//! one per reveal (which output, to whom, how many values), the phase boundaries and the
//! outcome. Records are hash-chained and the chain head is signed with the node's Ed25519
//! key at every phase boundary and at the end. The idea follows the tamper-evident logs
//! of Schneier and Kelsey ("Secure audit logs to support computer forensics", ACM TISSEC
//! 1999) and Crosby and Wallach (USENIX Security 2009), applied to one party's view of an
//! MPC job; the audit in [`crate::audit`] then checks the three views against each other.
//!
//! - [`format`](mod@format): the versioned record types and their canonical encoding (the
//!   specification of the file format);
//! - [`writer`]: [`TranscriptWriter`] and [`SharedTranscript`], the protocol observer;
//! - [`line`](mod@line): strict parsing of one line into a record;
//! - [`reader`]: parsing untrusted transcript files;
//! - [`scan`]: checking a transcript for secrets it must not contain;
//! - [`evidence`]: the optional dispute evidence (the party's seed and the received
//!   messages).
//!
//! What a transcript reveals: to whoever holds it, the job's message pattern (sizes and
//! timing of every message, which follow from the public circuit and the public table
//! sizes), the reveals' names and counts, and the outcome. It does not reveal inputs,
//! shares or keys: message hashes are BLAKE3 of uniformly masked shares, the input
//! commitment is keyed with a 256-bit salt the party keeps, and the seed commitment is a
//! hash of a 256-bit uniformly random seed ([`format::commit_seed`]).

pub mod evidence;
pub mod format;
pub mod line;
pub mod reader;
pub mod scan;
pub mod writer;

use std::path::PathBuf;

pub use format::{commit_seed, Digest, Header, Outcome, Record, FORMAT_VERSION};
pub use reader::{parse_bytes, read_file, ParsedTranscript};
pub use writer::{SharedTranscript, TranscriptSummary, TranscriptWriter};

use rand_core::{OsRng, RngCore};
use samen_protocol::randomness::PartySeed;
use zeroize::Zeroize;

/// Draws a party's seed for one job from the operating system's generator: the one place
/// a node's protocol randomness comes from (`samen_protocol::randomness`). Called once per
/// `samen node run`; the transcript header commits to it ([`commit_seed`]) and
/// `--keep-evidence` keeps it.
pub fn draw_party_seed() -> PartySeed {
    let mut s = os_random_32();
    let seed = PartySeed::from_bytes(s);
    s.zeroize();
    seed
}

/// 32 bytes from the operating system's generator (the party seed and the input salt).
fn os_random_32() -> [u8; 32] {
    let mut s = [0u8; 32];
    OsRng.fill_bytes(&mut s);
    s
}

/// Errors of writing or reading a transcript file.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The file could not be created, written or read.
    #[error("transcript {path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The writer was used out of order (a programming error in the caller).
    #[error("transcript misuse: {0}")]
    Misuse(String),
}

/// The file name under which `samen node run` keeps the salt of its input commitment (hex,
/// beside the transcript; `samen audit replay` reads it from the transcript's folder).
pub fn salt_file_name(party: samen_protocol::PartyId, job_id_hex: &str) -> String {
    format!("input-salt-{}-{}.hex", party.short_name(), job_id_hex)
}

/// The secret salt of an input commitment. Keep it with the input (it is needed to open
/// the commitment to an auditor) and never publish it: with the salt, anyone could test
/// guesses of the input against the commitment.
#[derive(Clone, PartialEq, Eq)]
pub struct InputSalt(pub [u8; 32]);

impl InputSalt {
    /// A fresh salt from the operating system's random number generator.
    pub fn random() -> InputSalt {
        InputSalt(os_random_32())
    }
}

impl Drop for InputSalt {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for InputSalt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InputSalt(..)")
    }
}

/// The commitment to a party's input: keyed BLAKE3 of the canonical input bytes with the
/// salt as key, `BLAKE3-keyed(salt, input)`. Hiding (without the salt it says nothing
/// about the input) and binding (no second input has the same commitment). What the
/// "canonical input bytes" are is the input module's definition (the validated rows in a
/// fixed encoding); the same bytes and salt must be kept to open the commitment.
pub fn commit_input(salt: &InputSalt, canonical_input: &[u8]) -> Digest {
    *blake3::keyed_hash(&salt.0, canonical_input).as_bytes()
}

/// Incremental form of [`commit_input`], for inputs produced row by row.
pub struct InputCommitter(blake3::Hasher);

impl InputCommitter {
    /// Starts a commitment under `salt`.
    pub fn new(salt: &InputSalt) -> InputCommitter {
        InputCommitter(blake3::Hasher::new_keyed(&salt.0))
    }

    /// Adds the next canonical input bytes.
    pub fn update(&mut self, bytes: &[u8]) -> &mut InputCommitter {
        self.0.update(bytes);
        self
    }

    /// The commitment.
    pub fn finish(&self) -> Digest {
        *self.0.finalize().as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitment_depends_on_salt_and_input_and_streams() {
        let s = InputSalt([7; 32]);
        let c = commit_input(&s, b"rows");
        assert_ne!(c, commit_input(&InputSalt([8; 32]), b"rows"));
        assert_ne!(c, commit_input(&s, b"rowt"));
        assert_eq!(
            c,
            InputCommitter::new(&s).update(b"ro").update(b"ws").finish()
        );
        assert_ne!(InputSalt::random(), InputSalt::random());
        assert_eq!(format!("{s:?}"), "InputSalt(..)");
    }
}
