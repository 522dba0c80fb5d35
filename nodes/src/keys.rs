//! Node identity keys, approver keys and TLS certificates.
//!
//! Each agency's node has two secrets, made by `samen keygen --party P --out DIR`:
//! - an Ed25519 **node signing key** (ed25519-dalek), with which the node signs its
//!   transcripts, and
//! - a **TLS key and self-signed certificate** (rcgen, ECDSA P-256, subject alternative name
//!   `samen-<party>`, no CA), which the node presents on every QUIC connection. Peers pin
//!   the certificate by its fingerprint ([`cert_fingerprint`]); no hostname or CA is
//!   trusted.
//!
//! The privacy officer of each agency has a third, separate key, the Ed25519 **approver
//! key** (`samen keygen --approver --party P --out DIR`), with which they approve jobs.
//! It never needs to be on the node's machine.
//!
//! ## File formats
//! | file | content |
//! | --- | --- |
//! | `node-signing.key`, `approver.key` | TOML: `format = "samen-ed25519-secret-key/1"`, `party`, `role` (`node` or `approver`), `secret_key` (64 lowercase hex digits: the 32-byte Ed25519 seed) |
//! | `node-signing.pub`, `approver.pub` | TOML: `format = "samen-ed25519-public-key/1"`, `party`, `role`, `public_key` (64 hex digits) |
//! | `tls-key.pem` | PKCS#8 `PRIVATE KEY` PEM (ECDSA P-256) |
//! | `tls-cert.pem` | `CERTIFICATE` PEM, self-signed |
//!
//! Secret files are created with owner-only permissions (mode 0600 on Unix, set when the
//! file is created, never widened afterwards), are never overwritten, and are refused on
//! load when group or others may read them. Secret key material is held in zeroizing
//! buffers and never logged.
//!
//! **Certificate fingerprint**: the lowercase hex SHA-256 of the certificate's DER
//! encoding. **Public key**: the 32-byte compressed Edwards point, lowercase hex.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use samen_protocol::PartyId;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// File name of the node signing key in a key directory.
pub const NODE_SIGNING_KEY_FILE: &str = "node-signing.key";
/// File name of the node signing public key.
pub const NODE_SIGNING_PUB_FILE: &str = "node-signing.pub";
/// File name of the TLS private key (PKCS#8 PEM).
pub const TLS_KEY_FILE: &str = "tls-key.pem";
/// File name of the self-signed TLS certificate (PEM).
pub const TLS_CERT_FILE: &str = "tls-cert.pem";
/// File name of an approver secret key.
pub const APPROVER_KEY_FILE: &str = "approver.key";
/// File name of an approver public key.
pub const APPROVER_PUB_FILE: &str = "approver.pub";

const SECRET_FORMAT: &str = "samen-ed25519-secret-key/1";
const PUBLIC_FORMAT: &str = "samen-ed25519-public-key/1";
/// Largest key or certificate file we read (they are a few hundred bytes).
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// What an Ed25519 key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// The node's identity key: signs transcripts.
    Node,
    /// A privacy officer's key: approves jobs.
    Approver,
}

impl KeyRole {
    /// `node` or `approver`, as written in key files.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyRole::Node => "node",
            KeyRole::Approver => "approver",
        }
    }

    fn parse(s: &str) -> Option<KeyRole> {
        match s {
            "node" => Some(KeyRole::Node),
            "approver" => Some(KeyRole::Approver),
            _ => None,
        }
    }
}

impl fmt::Display for KeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong with a key or certificate file. Never contains key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file could not be read, or is too large to be a key file.
    #[error(transparent)]
    Read(#[from] crate::fsutil::ReadError),
    /// Refusing to overwrite an existing key or certificate.
    #[error("{path} already exists; refusing to overwrite a key (move it away first)")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The file is not in the expected format.
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A secret file that group or others may read.
    #[error(
        "{path}: permissions {mode:03o} let others read this secret key; run `chmod 600` on it"
    )]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key of the wrong role (for example a node key where an approver key is needed).
    #[error("{path}: this is a {found} key, but a {expected} key is needed")]
    WrongRole {
        /// The file.
        path: PathBuf,
        /// The role needed.
        expected: KeyRole,
        /// The role in the file.
        found: KeyRole,
    },
    /// Certificate generation failed.
    #[error("cannot make the TLS certificate: {0}")]
    Certificate(String),
}

/// An Ed25519 secret key with the party and role it belongs to.
pub struct SecretKeyFile {
    /// The party whose key this is.
    pub party: PartyId,
    /// What the key is for.
    pub role: KeyRole,
    /// The key.
    pub key: SigningKey,
}

impl fmt::Debug for SecretKeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKeyFile")
            .field("party", &self.party)
            .field("role", &self.role)
            .field(
                "public_key",
                &hex::encode(self.key.verifying_key().as_bytes()),
            )
            .finish()
    }
}

/// An Ed25519 public key with the party and role it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyFile {
    /// The party whose key this is.
    pub party: PartyId,
    /// What the key is for.
    pub role: KeyRole,
    /// The key.
    pub key: VerifyingKey,
}

/// The result of `samen keygen --party P`: where the files are and the public values
/// that go into `federation.toml`.
#[derive(Clone, Debug)]
pub struct NodeKeys {
    /// The node signing key file.
    pub signing_key_path: PathBuf,
    /// The node signing public key file.
    pub signing_pub_path: PathBuf,
    /// The TLS private key file.
    pub tls_key_path: PathBuf,
    /// The TLS certificate file.
    pub tls_cert_path: PathBuf,
    /// The node signing public key.
    pub signing_public: VerifyingKey,
    /// SHA-256 of the certificate DER.
    pub cert_fingerprint: [u8; 32],
}

/// The result of `samen keygen --approver --party P`.
#[derive(Clone, Debug)]
pub struct ApproverKeys {
    /// The approver secret key file.
    pub key_path: PathBuf,
    /// The approver public key file.
    pub pub_path: PathBuf,
    /// The approver public key.
    pub public: VerifyingKey,
}

/// The certificate fingerprint Samen pins: SHA-256 of the certificate's DER encoding.
pub fn cert_fingerprint(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// The subject alternative name in a party's certificate: `samen-<short name>`.
pub fn cert_subject_name(party: PartyId) -> String {
    format!("samen-{}", party.short_name())
}

/// Generates a node signing key and a TLS key and certificate for `party` in `dir`
/// (created if missing). Refuses to overwrite any existing file.
pub fn generate_node_keys(party: PartyId, dir: &Path) -> Result<NodeKeys, KeyError> {
    fs::create_dir_all(dir).map_err(|source| KeyError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let paths = [
        NODE_SIGNING_KEY_FILE,
        NODE_SIGNING_PUB_FILE,
        TLS_KEY_FILE,
        TLS_CERT_FILE,
    ]
    .map(|name| dir.join(name));
    for path in &paths {
        if path.exists() {
            return Err(KeyError::Exists { path: path.clone() });
        }
    }
    let [signing_key_path, signing_pub_path, tls_key_path, tls_cert_path] = paths;

    let signing = SigningKey::generate(&mut rand::rngs::OsRng);
    write_secret_key(&signing_key_path, party, KeyRole::Node, &signing)?;
    write_public_key(
        &signing_pub_path,
        party,
        KeyRole::Node,
        &signing.verifying_key(),
    )?;

    let certified = rcgen::generate_simple_self_signed(vec![cert_subject_name(party)])
        .map_err(|e| KeyError::Certificate(e.to_string()))?;
    let key_pem = Zeroizing::new(certified.key_pair.serialize_pem());
    write_new_file(&tls_key_path, key_pem.as_bytes(), true)?;
    write_new_file(&tls_cert_path, certified.cert.pem().as_bytes(), false)?;

    Ok(NodeKeys {
        signing_key_path,
        signing_pub_path,
        tls_key_path,
        tls_cert_path,
        signing_public: signing.verifying_key(),
        cert_fingerprint: cert_fingerprint(certified.cert.der()),
    })
}

/// Generates an approver key for `party`'s privacy officer in `dir`. Refuses to
/// overwrite existing files.
pub fn generate_approver_key(party: PartyId, dir: &Path) -> Result<ApproverKeys, KeyError> {
    fs::create_dir_all(dir).map_err(|source| KeyError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let key_path = dir.join(APPROVER_KEY_FILE);
    let pub_path = dir.join(APPROVER_PUB_FILE);
    for path in [&key_path, &pub_path] {
        if path.exists() {
            return Err(KeyError::Exists { path: path.clone() });
        }
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    write_secret_key(&key_path, party, KeyRole::Approver, &key)?;
    write_public_key(&pub_path, party, KeyRole::Approver, &key.verifying_key())?;
    Ok(ApproverKeys {
        key_path,
        pub_path,
        public: key.verifying_key(),
    })
}

/// Writes an Ed25519 secret key file (owner-only, never overwriting).
pub fn write_secret_key(
    path: &Path,
    party: PartyId,
    role: KeyRole,
    key: &SigningKey,
) -> Result<(), KeyError> {
    let seed = Zeroizing::new(key.to_bytes());
    let seed_hex = Zeroizing::new(hex::encode(*seed));
    let text = Zeroizing::new(format!(
        "# Samen Ed25519 secret key. Keep it private: owner-only permissions, never share.\n\
         format = \"{SECRET_FORMAT}\"\nparty = \"{}\"\nrole = \"{}\"\nsecret_key = \"{}\"\n",
        party.short_name(),
        role.as_str(),
        seed_hex.as_str()
    ));
    write_new_file(path, text.as_bytes(), true)
}

/// Writes an Ed25519 public key file (never overwriting).
pub fn write_public_key(
    path: &Path,
    party: PartyId,
    role: KeyRole,
    key: &VerifyingKey,
) -> Result<(), KeyError> {
    let text = format!(
        "# Samen Ed25519 public key.\nformat = \"{PUBLIC_FORMAT}\"\nparty = \"{}\"\nrole = \"{}\"\npublic_key = \"{}\"\n",
        party.short_name(),
        role.as_str(),
        hex::encode(key.as_bytes())
    );
    write_new_file(path, text.as_bytes(), false)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeyFile {
    format: String,
    party: String,
    role: String,
    #[serde(default)]
    secret_key: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
}

impl Drop for RawKeyFile {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let Some(s) = self.secret_key.as_mut() {
            s.zeroize();
        }
    }
}

fn parse_key_header(
    path: &Path,
    raw: &RawKeyFile,
    format: &str,
) -> Result<(PartyId, KeyRole), KeyError> {
    let bad = |reason: String| KeyError::Format {
        path: path.to_path_buf(),
        reason,
    };
    if raw.format != format {
        return Err(bad(format!(
            "format is `{}`, expected `{format}`",
            raw.format
        )));
    }
    let party = PartyId::parse(&raw.party)
        .ok_or_else(|| bad(format!("party `{}` is not svb, uwv or bd", raw.party)))?;
    let role = KeyRole::parse(&raw.role)
        .ok_or_else(|| bad(format!("role `{}` is not `node` or `approver`", raw.role)))?;
    Ok((party, role))
}

/// Loads an Ed25519 secret key file, refusing files that others may read.
pub fn load_secret_key(path: &Path) -> Result<SecretKeyFile, KeyError> {
    check_owner_only(path)?;
    let text = Zeroizing::new(read_small_text(path)?);
    let raw: RawKeyFile = toml::from_str(&text).map_err(|e| KeyError::Format {
        path: path.to_path_buf(),
        reason: toml_reason(&e),
    })?;
    let (party, role) = parse_key_header(path, &raw, SECRET_FORMAT)?;
    let hex_seed = raw.secret_key.as_deref().ok_or_else(|| KeyError::Format {
        path: path.to_path_buf(),
        reason: "missing `secret_key`".into(),
    })?;
    let seed = Zeroizing::new(parse_hex32(hex_seed).ok_or_else(|| KeyError::Format {
        path: path.to_path_buf(),
        reason: "`secret_key` must be 64 hex digits".into(),
    })?);
    Ok(SecretKeyFile {
        party,
        role,
        key: SigningKey::from_bytes(&seed),
    })
}

/// Loads a secret key and checks its role.
pub fn load_secret_key_with_role(path: &Path, role: KeyRole) -> Result<SecretKeyFile, KeyError> {
    let file = load_secret_key(path)?;
    if file.role != role {
        return Err(KeyError::WrongRole {
            path: path.to_path_buf(),
            expected: role,
            found: file.role,
        });
    }
    Ok(file)
}

/// Loads an Ed25519 public key file.
pub fn load_public_key(path: &Path) -> Result<PublicKeyFile, KeyError> {
    let text = read_small_text(path)?;
    let raw: RawKeyFile = toml::from_str(&text).map_err(|e| KeyError::Format {
        path: path.to_path_buf(),
        reason: toml_reason(&e),
    })?;
    let (party, role) = parse_key_header(path, &raw, PUBLIC_FORMAT)?;
    let hex_key = raw.public_key.as_deref().ok_or_else(|| KeyError::Format {
        path: path.to_path_buf(),
        reason: "missing `public_key`".into(),
    })?;
    let key = parse_public_key(hex_key).map_err(|reason| KeyError::Format {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    })?;
    Ok(PublicKeyFile { party, role, key })
}

/// Parses a hex Ed25519 public key, rejecting points that are not on the curve and
/// weak (small-order) keys.
pub fn parse_public_key(hex_key: &str) -> Result<VerifyingKey, PublicKeyError> {
    let bytes = parse_hex32(hex_key).ok_or(PublicKeyError::NotHex)?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| PublicKeyError::NotAKey)?;
    if key.is_weak() {
        return Err(PublicKeyError::Weak);
    }
    Ok(key)
}

/// Why a hex Ed25519 public key was refused ([`parse_public_key`]); the messages read
/// after the field's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// Not 32 bytes of lowercase hex.
    #[error("must be 64 lowercase hex digits (32 bytes)")]
    NotHex,
    /// Not a point of the curve.
    #[error("is not a valid Ed25519 public key")]
    NotAKey,
    /// A small-order point.
    #[error("is a weak (small-order) Ed25519 key")]
    Weak,
}

/// Loads the (first) certificate of a PEM file as DER.
pub fn load_certificate_der(path: &Path) -> Result<CertificateDer<'static>, KeyError> {
    let text = read_small_text(path)?;
    CertificateDer::from_pem_slice(text.as_bytes()).map_err(|e| KeyError::Format {
        path: path.to_path_buf(),
        reason: format!("no PEM certificate found ({e})"),
    })
}

/// Loads the TLS private key (PKCS#8 PEM), refusing files that others may read.
pub fn load_tls_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, KeyError> {
    check_owner_only(path)?;
    let text = Zeroizing::new(read_small_text(path)?);
    PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|_| KeyError::Format {
        path: path.to_path_buf(),
        reason: "no PEM private key found".into(),
    })
}

/// Parses exactly 64 lowercase hex digits.
pub fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// Creates `path` with `contents`; never overwrites. With `secret`, the file is created
/// with mode 0600 (Unix) so the contents are never readable by others.
pub fn write_new_file(path: &Path, contents: &[u8], secret: bool) -> Result<(), KeyError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            KeyError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    file.write_all(contents)
        .and_then(|_| file.sync_all())
        .map_err(|source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn check_owner_only(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(path).map_err(|source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Permissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn read_small_text(path: &Path) -> Result<String, KeyError> {
    Ok(crate::fsutil::read_text_bounded(path, MAX_KEY_FILE_BYTES)?)
}

/// A TOML error's message without quoting the offending source line (which, for a
/// secret key file, could contain key material).
pub(crate) fn toml_reason(e: &toml::de::Error) -> String {
    e.message().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex32_is_strict() {
        assert!(parse_hex32(&"ab".repeat(32)).is_some());
        assert!(parse_hex32(&"AB".repeat(32)).is_none());
        assert!(parse_hex32(&"ab".repeat(31)).is_none());
        assert!(parse_hex32(&"zz".repeat(32)).is_none());
    }

    #[test]
    fn fingerprint_is_sha256_of_der() {
        // SHA-256 of the empty string.
        assert_eq!(
            hex::encode(cert_fingerprint(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn weak_public_keys_are_refused() {
        // The identity point (small order).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(parse_public_key(&hex::encode(identity)).is_err());
    }
}
