//! Job approvals: each party's privacy officer signs the job file with their own approver
//! key, and a node runs a job only with valid approvals from all three.
//!
//! An approval is a detached Ed25519 signature (ed25519-dalek, verified with
//! `verify_strict`) over the message `"samen job approval v1\n"` followed by the job
//! file's exact bytes. The prefix separates approvals from any other use of the key. The
//! approval file (`job.toml.<party>.sig`, [`approval_path`]) is TOML:
//!
//! ```toml
//! format = "samen-job-approval/1"
//! party = "uwv"
//! approver_key = "<64 hex: the approver's public key>"
//! job_hash = "<64 hex: BLAKE3 of the job file, informative>"
//! signature = "<128 hex>"
//! ```
//!
//! [`verify_approvals`] trusts only the approver keys in the federation file; the key and
//! party written in an approval file merely say which federation entry to check against.
//! Approvals are public: they reveal only that the officer approved this job.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, VerifyingKey};
use samen_protocol::PartyId;
use serde::Deserialize;

use crate::federation::Federation;
use crate::job::job_hash;
use crate::keys::{parse_public_key, SecretKeyFile};

/// The domain-separation prefix of the signed message.
pub const APPROVAL_PREFIX: &[u8] = b"samen job approval v1\n";
const APPROVAL_FORMAT: &str = "samen-job-approval/1";
const MAX_APPROVAL_BYTES: u64 = 16 * 1024;

/// One party's approval of a job file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// The party the approver speaks for.
    pub party: PartyId,
    /// The approver's public key.
    pub approver_key: VerifyingKey,
    /// BLAKE3 of the approved job file (informative; the signature is what counts).
    pub job_hash: [u8; 32],
    /// The signature over [`APPROVAL_PREFIX`] ‖ job bytes.
    pub signature: Signature,
}

/// Why approvals are not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApprovalError {
    /// No approval from this party.
    #[error("the job lacks an approval from {}'s approver ({})", .0.agency(), .0.short_name())]
    Missing(PartyId),
    /// The signature does not verify over this job file.
    #[error("the approval from {}'s approver does not match this job file (was the job changed after approval, or signed with another key?)", .0.agency())]
    BadSignature(PartyId),
    /// The approval is signed by a key that is not the party's approver key in the federation.
    #[error("the approval labelled {} is not made with {}'s approver key in the federation file", .0.short_name(), .0.agency())]
    NotFederationKey(PartyId),
    /// Two approvals for the same party.
    #[error("two approvals for {}", .0.agency())]
    Duplicate(PartyId),
}

/// Why an approval file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalFileError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file could not be read, or is too large.
    #[error(transparent)]
    Read(#[from] crate::fsutil::ReadError),
    /// Not an approval file.
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

fn message(job_bytes: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(APPROVAL_PREFIX.len() + job_bytes.len());
    m.extend_from_slice(APPROVAL_PREFIX);
    m.extend_from_slice(job_bytes);
    m
}

/// Signs `job_bytes` with an approver key.
pub fn approve(key: &SecretKeyFile, job_bytes: &[u8]) -> Approval {
    Approval {
        party: key.party,
        approver_key: key.key.verifying_key(),
        job_hash: job_hash(job_bytes),
        signature: key.key.sign(&message(job_bytes)),
    }
}

/// Checks that `approvals` hold a valid approval of `job_bytes` from each of the three
/// approvers of `federation`, and nothing else.
pub fn verify_approvals(
    federation: &Federation,
    job_bytes: &[u8],
    approvals: &[Approval],
) -> Result<(), ApprovalError> {
    let msg = message(job_bytes);
    let mut seen = [false; 3];
    for a in approvals {
        let expected = &federation.party(a.party).approver_key;
        if &a.approver_key != expected {
            return Err(ApprovalError::NotFederationKey(a.party));
        }
        if seen[a.party.index()] {
            return Err(ApprovalError::Duplicate(a.party));
        }
        expected
            .verify_strict(&msg, &a.signature)
            .map_err(|_| ApprovalError::BadSignature(a.party))?;
        seen[a.party.index()] = true;
    }
    for party in PartyId::ALL {
        if !seen[party.index()] {
            return Err(ApprovalError::Missing(party));
        }
    }
    Ok(())
}

/// Where `samen job approve` puts `party`'s approval of `job_path`:
/// `<job_path>.<party>.sig`.
pub fn approval_path(job_path: &Path, party: PartyId) -> PathBuf {
    let mut name = job_path.as_os_str().to_os_string();
    name.push(format!(".{}.sig", party.short_name()));
    PathBuf::from(name)
}

impl Approval {
    /// The approval file's text.
    pub fn to_toml(&self) -> String {
        format!(
            "# Samen job approval: a detached Ed25519 signature over the job file's exact bytes.\n\
             format = \"{APPROVAL_FORMAT}\"\nparty = \"{}\"\napprover_key = \"{}\"\njob_hash = \"{}\"\nsignature = \"{}\"\n",
            self.party.short_name(),
            hex::encode(self.approver_key.as_bytes()),
            hex::encode(self.job_hash),
            hex::encode(self.signature.to_bytes()),
        )
    }

    /// Parses an approval file's text; `origin` names it in errors.
    pub fn parse(origin: &Path, text: &str) -> Result<Approval, ApprovalFileError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            format: String,
            party: String,
            approver_key: String,
            job_hash: String,
            signature: String,
        }
        let bad = |reason: String| ApprovalFileError::Format {
            path: origin.to_path_buf(),
            reason,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        if raw.format != APPROVAL_FORMAT {
            return Err(bad(format!(
                "format is `{}`, expected `{APPROVAL_FORMAT}`",
                raw.format
            )));
        }
        let party = match raw.party.as_str() {
            "svb" | "uwv" | "bd" => PartyId::parse(&raw.party).expect("listed"),
            other => return Err(bad(format!("party `{other}` is not svb, uwv or bd"))),
        };
        let approver_key =
            parse_public_key(&raw.approver_key).map_err(|r| bad(format!("`approver_key` {r}")))?;
        let job_hash = crate::keys::parse_hex32(&raw.job_hash)
            .ok_or_else(|| bad("`job_hash` must be 64 hex digits".into()))?;
        let mut sig = [0u8; 64];
        if raw.signature.len() != 128 || hex::decode_to_slice(&raw.signature, &mut sig).is_err() {
            return Err(bad("`signature` must be 128 hex digits".into()));
        }
        Ok(Approval {
            party,
            approver_key,
            job_hash,
            signature: Signature::from_bytes(&sig),
        })
    }

    /// Reads an approval file.
    pub fn load(path: &Path) -> Result<Approval, ApprovalFileError> {
        let text = crate::fsutil::read_text_bounded(path, MAX_APPROVAL_BYTES)?;
        Approval::parse(path, &text)
    }

    /// Writes the approval file atomically (temporary file, then rename), replacing an
    /// earlier approval of the same party.
    pub fn save(&self, path: &Path) -> Result<(), ApprovalFileError> {
        crate::config::write_atomic(path, self.to_toml().as_bytes()).map_err(|source| {
            ApprovalFileError::Io {
                path: path.to_path_buf(),
                source,
            }
        })
    }
}

/// Loads the approvals next to `job_path` (`<job_path>.<party>.sig` for each party that
/// has one). Missing files are skipped; [`verify_approvals`] reports them.
pub fn load_approvals_for(job_path: &Path) -> Result<Vec<Approval>, ApprovalFileError> {
    let mut out = Vec::new();
    for party in PartyId::ALL {
        let path = approval_path(job_path, party);
        if path.exists() {
            let a = Approval::load(&path)?;
            if a.party != party {
                return Err(ApprovalFileError::Format {
                    path,
                    reason: format!(
                        "holds an approval for {}, not {}",
                        a.party.short_name(),
                        party.short_name()
                    ),
                });
            }
            out.push(a);
        }
    }
    Ok(out)
}
