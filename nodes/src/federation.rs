//! The federation file: who the three parties are and how to recognise them.
//!
//! `federation.toml` names each party's id (0 = SVB, 1 = UWV, 2 = Belastingdienst), a
//! display name, its network address (`host:port`), the fingerprint of its TLS
//! certificate (SHA-256 of the DER, see [`crate::keys::cert_fingerprint`]), its node
//! signing public key and the public key of its privacy officer's approver key:
//!
//! ```toml
//! [[party]]
//! id = 0
//! name = "SVB"
//! address = "svb.example.nl:7000"
//! cert_fingerprint = "<64 hex>"
//! signing_key = "<64 hex>"
//! approver_key = "<64 hex>"
//! # ... and the same for id = 1 and id = 2
//! ```
//!
//! [`Federation::parse`] refuses anything but exactly three parties with ids 0, 1 and 2,
//! well-formed (lowercase hex, valid Ed25519 points, not small-order) keys and
//! fingerprints, and distinct names, addresses, certificates and keys (an approver key may
//! not also be a node key).
//!
//! ## Fingerprint
//! Every party compares [`Federation::fingerprint`] before trusting the file, and each job
//! names it. It is BLAKE3 in key-derivation mode with context
//! `"samen federation v1"` over the canonical encoding [`Federation::canonical_bytes`]:
//! for each party in id order, the id as one byte, the name and the address each as a
//! 4-byte little-endian length and UTF-8 bytes, then the 32-byte certificate fingerprint,
//! the 32-byte signing key and the 32-byte approver key. It covers every value in the
//! file and nothing else: comments, order of keys and whitespace do not change it.
//!
//! This file holds only public values; nothing here is secret.

use std::fmt;
use std::path::Path;

use ed25519_dalek::VerifyingKey;
use samen_protocol::PartyId;
use serde::Deserialize;

use crate::keys::{parse_hex32, parse_public_key};

/// The BLAKE3 key-derivation context of the federation fingerprint.
pub const FEDERATION_FINGERPRINT_CONTEXT: &str = "samen federation v1";
/// Largest federation file read.
const MAX_FEDERATION_BYTES: u64 = 1 << 20;

/// One party of the federation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyEntry {
    /// The party's id.
    pub id: PartyId,
    /// Display name (for example "SVB").
    pub name: String,
    /// Network address, `host:port`.
    pub address: String,
    /// SHA-256 of the party's TLS certificate DER.
    pub cert_fingerprint: [u8; 32],
    /// The node's Ed25519 signing key (transcripts).
    pub signing_key: VerifyingKey,
    /// The privacy officer's Ed25519 approver key (jobs).
    pub approver_key: VerifyingKey,
}

/// A validated federation of exactly three parties, indexed by [`PartyId`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Federation {
    parties: [PartyEntry; 3],
}

/// Why a federation file was refused.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// The file could not be read, or is too large.
    #[error(transparent)]
    Read(#[from] crate::fsutil::ReadError),
    /// Not valid TOML or not the expected fields.
    #[error("{origin}: {reason}")]
    Syntax {
        /// The file (or `<text>`).
        origin: String,
        /// The TOML parser's message.
        reason: String,
    },
    /// Not exactly three `[[party]]` entries.
    #[error("{origin}: a federation has exactly three [[party]] entries, found {found}")]
    PartyCount {
        /// The file.
        origin: String,
        /// How many were found.
        found: usize,
    },
    /// A field of one party entry is invalid.
    #[error("{origin}: [[party]] entry {entry} (id {id}): `{field}` {reason}")]
    Field {
        /// The file.
        origin: String,
        /// 1-based position of the entry in the file.
        entry: usize,
        /// The id written in the entry.
        id: i64,
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Two parties share a value that must be unique.
    #[error("{origin}: parties {a} and {b} have the same {what}")]
    Duplicate {
        /// The file.
        origin: String,
        /// One party.
        a: String,
        /// The other.
        b: String,
        /// What they share.
        what: &'static str,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFederation {
    party: Vec<RawParty>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParty {
    id: i64,
    name: String,
    address: String,
    cert_fingerprint: String,
    signing_key: String,
    approver_key: String,
}

impl Federation {
    /// Builds a federation from three entries (in any order), with the same checks as
    /// [`Federation::parse`].
    pub fn new(entries: Vec<PartyEntry>) -> Result<Federation, FederationError> {
        Self::from_entries("<federation>", entries)
    }

    /// Reads and validates a federation file.
    pub fn load(path: &Path) -> Result<Federation, FederationError> {
        let text = crate::fsutil::read_text_bounded(path, MAX_FEDERATION_BYTES)?;
        Self::parse_named(&path.display().to_string(), &text)
    }

    /// Parses and validates federation TOML text.
    pub fn parse(text: &str) -> Result<Federation, FederationError> {
        Self::parse_named("<federation>", text)
    }

    fn parse_named(origin: &str, text: &str) -> Result<Federation, FederationError> {
        let raw: RawFederation = toml::from_str(text).map_err(|e| FederationError::Syntax {
            origin: origin.to_string(),
            reason: e.to_string().trim_end().to_string(),
        })?;
        let mut entries = Vec::with_capacity(3);
        if raw.party.len() != 3 {
            return Err(FederationError::PartyCount {
                origin: origin.into(),
                found: raw.party.len(),
            });
        }
        for (i, p) in raw.party.into_iter().enumerate() {
            let field = |field: &'static str, reason: String| FederationError::Field {
                origin: origin.to_string(),
                entry: i + 1,
                id: p.id,
                field,
                reason,
            };
            let id = u8::try_from(p.id)
                .ok()
                .and_then(PartyId::new)
                .ok_or_else(|| {
                    field(
                        "id",
                        "must be 0 (SVB), 1 (UWV) or 2 (Belastingdienst)".into(),
                    )
                })?;
            let cert_fingerprint = parse_hex32(&p.cert_fingerprint).ok_or_else(|| {
                field(
                    "cert_fingerprint",
                    "must be 64 lowercase hex digits (SHA-256 of the certificate DER)".into(),
                )
            })?;
            let signing_key = parse_public_key(&p.signing_key)
                .map_err(|r| field("signing_key", r.to_string()))?;
            let approver_key = parse_public_key(&p.approver_key)
                .map_err(|r| field("approver_key", r.to_string()))?;
            entries.push(PartyEntry {
                id,
                name: p.name.clone(),
                address: p.address.clone(),
                cert_fingerprint,
                signing_key,
                approver_key,
            });
        }
        Self::from_entries(origin, entries)
    }

    fn from_entries(origin: &str, entries: Vec<PartyEntry>) -> Result<Federation, FederationError> {
        if entries.len() != 3 {
            return Err(FederationError::PartyCount {
                origin: origin.into(),
                found: entries.len(),
            });
        }
        for (i, e) in entries.iter().enumerate() {
            let field = |field: &'static str, reason: &str| FederationError::Field {
                origin: origin.to_string(),
                entry: i + 1,
                id: e.id.index() as i64,
                field,
                reason: reason.to_string(),
            };
            if e.name.trim().is_empty()
                || e.name.len() > 100
                || e.name.chars().any(char::is_control)
            {
                return Err(field("name", "must be 1 to 100 printable characters"));
            }
            check_address(&e.address).map_err(|r| field("address", &r.to_string()))?;
        }
        let label = |e: &PartyEntry| format!("{} ({})", e.id.index(), e.id.short_name());
        for (i, a) in entries.iter().enumerate() {
            for b in &entries[i + 1..] {
                let dup = |what| FederationError::Duplicate {
                    origin: origin.into(),
                    a: label(a),
                    b: label(b),
                    what,
                };
                if a.id == b.id {
                    return Err(dup("id"));
                }
                if a.name == b.name {
                    return Err(dup("name"));
                }
                if a.address.eq_ignore_ascii_case(&b.address) {
                    return Err(dup("address"));
                }
                if a.cert_fingerprint == b.cert_fingerprint {
                    return Err(dup("certificate fingerprint"));
                }
            }
        }
        // Every Ed25519 key (3 signing, 3 approver) must be distinct.
        let keys: Vec<(String, &VerifyingKey)> = entries
            .iter()
            .flat_map(|e| {
                [
                    (format!("{} signing_key", label(e)), &e.signing_key),
                    (format!("{} approver_key", label(e)), &e.approver_key),
                ]
            })
            .collect();
        for (i, (a, ka)) in keys.iter().enumerate() {
            for (b, kb) in &keys[i + 1..] {
                if ka == kb {
                    return Err(FederationError::Duplicate {
                        origin: origin.into(),
                        a: a.clone(),
                        b: b.clone(),
                        what: "Ed25519 key",
                    });
                }
            }
        }
        let mut entries = entries;
        entries.sort_by_key(|e| e.id);
        let parties: [PartyEntry; 3] = entries.try_into().expect("three entries checked above");
        Ok(Federation { parties })
    }

    /// The entry of party `id`.
    pub fn party(&self, id: PartyId) -> &PartyEntry {
        &self.parties[id.index()]
    }

    /// All three entries in id order.
    pub fn parties(&self) -> &[PartyEntry; 3] {
        &self.parties
    }

    /// The canonical encoding the fingerprint is computed over (see the module doc).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in &self.parties {
            out.push(p.id.index() as u8);
            for s in [&p.name, &p.address] {
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            out.extend_from_slice(&p.cert_fingerprint);
            out.extend_from_slice(p.signing_key.as_bytes());
            out.extend_from_slice(p.approver_key.as_bytes());
        }
        out
    }

    /// The federation fingerprint: BLAKE3 (derive-key mode, context
    /// [`FEDERATION_FINGERPRINT_CONTEXT`]) of [`Federation::canonical_bytes`].
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new_derive_key(FEDERATION_FINGERPRINT_CONTEXT);
        hasher.update(&self.canonical_bytes());
        *hasher.finalize().as_bytes()
    }

    /// The fingerprint as lowercase hex.
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint())
    }

    /// The federation as TOML, in the format [`Federation::parse`] reads.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Samen federation: the three parties, their addresses and public keys.\n",
        );
        for p in &self.parties {
            out.push_str(&format!(
                "\n[[party]]\nid = {}\nname = {}\naddress = {}\ncert_fingerprint = \"{}\"\nsigning_key = \"{}\"\napprover_key = \"{}\"\n",
                p.id.index(),
                toml_string(&p.name),
                toml_string(&p.address),
                hex::encode(p.cert_fingerprint),
                hex::encode(p.signing_key.as_bytes()),
                hex::encode(p.approver_key.as_bytes()),
            ));
        }
        out
    }
}

impl fmt::Display for Federation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parties {
            writeln!(
                f,
                "party {} ({}): {}",
                p.id.index(),
                p.id.short_name(),
                p.name
            )?;
            writeln!(f, "  address           {}", p.address)?;
            writeln!(f, "  cert fingerprint  {}", hex::encode(p.cert_fingerprint))?;
            writeln!(
                f,
                "  signing key       {}",
                hex::encode(p.signing_key.as_bytes())
            )?;
            writeln!(
                f,
                "  approver key      {}",
                hex::encode(p.approver_key.as_bytes())
            )?;
        }
        Ok(())
    }
}

/// A TOML basic string literal.
pub(crate) fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Checks `host:port` syntax: a DNS name, IPv4 address or bracketed IPv6 address, and a
/// port 1–65535. Does not resolve the name.
pub fn check_address(address: &str) -> Result<(), AddressError> {
    let bad = |problem| AddressError {
        address: address.to_string(),
        problem,
    };
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| bad(AddressProblem::NotHostPort))?;
    match port.parse::<u16>() {
        Ok(p) if p != 0 && !port.starts_with('+') => {}
        _ => return Err(bad(AddressProblem::Port)),
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner
            .parse::<std::net::Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| bad(AddressProblem::Ipv6(inner.to_string())));
    }
    let valid_name = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid_name {
        Ok(())
    } else {
        Err(bad(AddressProblem::Host))
    }
}

/// Why a federation address was refused ([`check_address`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{address}`{problem}")]
pub struct AddressError {
    /// The address as written.
    pub address: String,
    /// What is wrong with it.
    pub problem: AddressProblem,
}

/// What is wrong with a federation address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressProblem {
    /// No `:port`.
    #[error(" is not host:port")]
    NotHostPort,
    /// The port is not 1–65535.
    #[error(": port must be 1 to 65535")]
    Port,
    /// The bracketed host is not an IPv6 address.
    #[error(": `{0}` is not an IPv6 address")]
    Ipv6(String),
    /// The host is not a DNS name or IPv4 address.
    #[error(": host must be a DNS name, an IPv4 address or [IPv6]")]
    Host,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for ok in [
            "127.0.0.1:7000",
            "svb.example.nl:443",
            "[::1]:7001",
            "localhost:1",
        ] {
            assert!(check_address(ok).is_ok(), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "host:0",
            "host:70000",
            ":7000",
            "ho st:1",
            "::1:7000",
            "a..b:1",
            "[zz]:1",
        ] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
    }
}
