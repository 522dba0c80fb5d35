//! A node's own configuration, `node.toml`:
//!
//! ```toml
//! party = "svb"                        # svb, uwv or bd
//! federation = "federation.toml"
//! signing_key = "keys/node-signing.key"
//! tls_key = "keys/tls-key.pem"
//! tls_cert = "keys/tls-cert.pem"
//! listen = "0.0.0.0:7000"               # address:port to accept peers on
//! output_dir = "out"
//! state_dir = "state"                  # optional; default: <output_dir>/.samen-state
//! ```
//!
//! Relative paths are relative to the directory of `node.toml`. [`NodeConfig::check`]
//! verifies that the node's keys are the ones the federation file names for its party.
//! The file holds paths, not secrets.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use samen_protocol::PartyId;
use serde::{Deserialize, Serialize};

use crate::federation::Federation;
use crate::keys::{self, KeyError, KeyRole};

/// The largest `node.toml` a node reads (a real one is well under a kilobyte).
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// A node's configuration, with paths resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeConfig {
    /// This node's party.
    pub party: PartyId,
    /// The federation file.
    pub federation: PathBuf,
    /// The node signing key file.
    pub signing_key: PathBuf,
    /// The TLS private key (PEM).
    pub tls_key: PathBuf,
    /// The TLS certificate (PEM).
    pub tls_cert: PathBuf,
    /// Where to accept peer connections.
    pub listen: SocketAddr,
    /// Where output files go.
    pub output_dir: PathBuf,
    /// Where the node keeps its state (used job ids).
    pub state_dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    party: String,
    federation: PathBuf,
    signing_key: PathBuf,
    tls_key: PathBuf,
    tls_cert: PathBuf,
    listen: String,
    output_dir: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state_dir: Option<PathBuf>,
}

/// What is wrong with the text of a `node.toml` ([`NodeConfig::parse`]).
#[derive(Debug, thiserror::Error)]
pub enum ConfigParseError {
    /// Not valid TOML, or not the expected fields.
    #[error("{}", .0.to_string().trim_end())]
    Toml(toml::de::Error),
    /// `party` is not one of the three.
    #[error("party `{0}` is not svb, uwv or bd")]
    Party(String),
    /// `listen` is not a socket address.
    #[error("listen `{0}` is not an IP address and port (for example 0.0.0.0:7000)")]
    Listen(String),
}

/// Why a node configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read, or is too large.
    #[error(transparent)]
    Read(#[from] crate::fsutil::ReadError),
    /// Not valid TOML, or a field is wrong.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: ConfigParseError,
    },
    /// A peer's address in the federation file does not resolve.
    #[error("{path}: address of {party} (`{address}`): {source}")]
    Resolve {
        /// The federation file.
        path: PathBuf,
        /// The peer.
        party: &'static str,
        /// Its address as written.
        address: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// A key file could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The node's keys are not the ones the federation names for its party.
    #[error("{what} of this node does not match the federation entry for {party}: {detail}")]
    FederationMismatch {
        /// `TLS certificate` or `signing key`.
        what: &'static str,
        /// The party.
        party: &'static str,
        /// What differs.
        detail: String,
    },
}

impl NodeConfig {
    /// Reads `node.toml`, resolving relative paths against its directory.
    pub fn load(path: &Path) -> Result<NodeConfig, ConfigError> {
        let text = crate::fsutil::read_text_bounded(path, MAX_CONFIG_BYTES)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base).map_err(|reason| ConfigError::Invalid {
            path: path.into(),
            reason,
        })
    }

    /// Parses `node.toml` text; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<NodeConfig, ConfigParseError> {
        let raw: RawConfig = toml::from_str(text).map_err(ConfigParseError::Toml)?;
        let party = match raw.party.as_str() {
            "svb" | "uwv" | "bd" => PartyId::parse(&raw.party).expect("listed"),
            other => return Err(ConfigParseError::Party(other.to_string())),
        };
        let listen: SocketAddr = raw
            .listen
            .parse()
            .map_err(|_| ConfigParseError::Listen(raw.listen.clone()))?;
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let output_dir = resolve(&raw.output_dir);
        let state_dir = raw
            .state_dir
            .as_deref()
            .map(resolve)
            .unwrap_or_else(|| output_dir.join(".samen-state"));
        Ok(NodeConfig {
            party,
            federation: resolve(&raw.federation),
            signing_key: resolve(&raw.signing_key),
            tls_key: resolve(&raw.tls_key),
            tls_cert: resolve(&raw.tls_cert),
            listen,
            output_dir,
            state_dir,
        })
    }

    /// The configuration as TOML (paths written as they are held).
    pub fn to_toml(&self) -> String {
        let raw = RawConfig {
            party: self.party.short_name().into(),
            federation: self.federation.clone(),
            signing_key: self.signing_key.clone(),
            tls_key: self.tls_key.clone(),
            tls_cert: self.tls_cert.clone(),
            listen: self.listen.to_string(),
            output_dir: self.output_dir.clone(),
            state_dir: Some(self.state_dir.clone()),
        };
        format!(
            "# Samen node configuration.\n{}",
            toml::to_string(&raw).expect("config serialises")
        )
    }

    /// Checks that the TLS certificate and signing key are the ones `federation` names
    /// for this node's party (and that the key files are readable and private).
    pub fn check(&self, federation: &Federation) -> Result<(), ConfigError> {
        let entry = federation.party(self.party);
        let der = keys::load_certificate_der(&self.tls_cert)?;
        let fp = keys::cert_fingerprint(&der);
        if fp != entry.cert_fingerprint {
            return Err(ConfigError::FederationMismatch {
                what: "TLS certificate",
                party: self.party.short_name(),
                detail: format!(
                    "fingerprint {} here, {} in the federation",
                    hex::encode(fp),
                    hex::encode(entry.cert_fingerprint)
                ),
            });
        }
        keys::load_tls_private_key(&self.tls_key)?;
        let signing = keys::load_secret_key_with_role(&self.signing_key, KeyRole::Node)?;
        if signing.party != self.party || signing.key.verifying_key() != entry.signing_key {
            return Err(ConfigError::FederationMismatch {
                what: "signing key",
                party: self.party.short_name(),
                detail: "the public key differs from `signing_key` in the federation".into(),
            });
        }
        Ok(())
    }
}

/// Resolves a federation address (`host:port`) to a socket address (the first one the
/// resolver returns).
pub fn resolve_address(address: &str) -> std::io::Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    address.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("`{address}` resolves to no address"),
        )
    })
}

impl NodeConfig {
    /// The transport configuration of this node: its certificate and TLS key, its listen
    /// address, and its two peers with their resolved addresses and pinned certificate
    /// fingerprints from `federation`. Checks the node's keys against the federation
    /// first ([`NodeConfig::check`]).
    pub fn transport_config(
        &self,
        federation: &Federation,
    ) -> Result<crate::transport::TransportConfig, ConfigError> {
        self.check(federation)?;
        let cert_der = keys::load_certificate_der(&self.tls_cert)?.to_vec();
        let key = keys::load_tls_private_key(&self.tls_key)?;
        let key_der = key.secret_der().to_vec();
        let mut peers = Vec::with_capacity(2);
        for entry in federation.parties().iter().filter(|p| p.id != self.party) {
            let address =
                resolve_address(&entry.address).map_err(|source| ConfigError::Resolve {
                    path: self.federation.clone(),
                    party: entry.id.short_name(),
                    address: entry.address.clone(),
                    source,
                })?;
            peers.push(crate::transport::PeerConfig {
                party: entry.id,
                address,
                fingerprint: entry.cert_fingerprint,
            });
        }
        Ok(crate::transport::TransportConfig::new(
            self.party,
            self.listen,
            cert_der,
            key_der,
            peers,
        ))
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced,
/// then renamed over `path`. Readers see the old file or the whole new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Like [`write_atomic`], with the contents streamed by `write` into the temporary file;
/// if `write` fails, the temporary file is removed and `path` is untouched.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use rand::RngCore;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{:016x}", rand::rngs::OsRng.next_u64()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        write(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "party = \"uwv\"\nfederation = \"../federation.toml\"\nsigning_key = \"keys/node-signing.key\"\n\
                          tls_key = \"/abs/tls-key.pem\"\ntls_cert = \"keys/tls-cert.pem\"\nlisten = \"0.0.0.0:7001\"\noutput_dir = \"out\"\n";

    #[test]
    fn paths_resolve_against_the_config_directory() {
        let c = NodeConfig::parse(CONFIG, Path::new("/etc/samen")).unwrap();
        assert_eq!(c.party, PartyId::UWV);
        assert_eq!(c.federation, Path::new("/etc/samen/../federation.toml"));
        assert_eq!(c.tls_key, Path::new("/abs/tls-key.pem"));
        assert_eq!(c.state_dir, Path::new("/etc/samen/out/.samen-state"));
        assert_eq!(c.listen.port(), 7001);
        let again = NodeConfig::parse(&c.to_toml(), Path::new("/elsewhere")).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn bad_configs_are_refused() {
        for (bad, needle) in [
            (CONFIG.replace("\"uwv\"", "\"cbs\""), "party"),
            (CONFIG.replace("0.0.0.0:7001", "localhost:7001"), "listen"),
            (CONFIG.replace("output_dir", "outdir"), "outdir"),
            (
                CONFIG.replace("signing_key = \"keys/node-signing.key\"\n", ""),
                "signing_key",
            ),
        ] {
            let err = NodeConfig::parse(&bad, Path::new("."))
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn keys_must_match_the_federation() {
        use crate::federation::PartyEntry;
        let dir = tempfile::tempdir().unwrap();
        let mut entries = Vec::new();
        for party in PartyId::ALL {
            let k = keys::generate_node_keys(party, &dir.path().join(party.short_name())).unwrap();
            let a =
                keys::generate_approver_key(party, &dir.path().join(party.short_name()).join("a"))
                    .unwrap();
            entries.push(PartyEntry {
                id: party,
                name: party.agency().into(),
                address: format!("127.0.0.1:{}", 7100 + party.index()),
                cert_fingerprint: k.cert_fingerprint,
                signing_key: k.signing_public,
                approver_key: a.public,
            });
        }
        let federation = Federation::new(entries).unwrap();
        let config = |party: PartyId, key_dir: &str| NodeConfig {
            party,
            federation: dir.path().join("federation.toml"),
            signing_key: dir.path().join(key_dir).join(keys::NODE_SIGNING_KEY_FILE),
            tls_key: dir.path().join(key_dir).join(keys::TLS_KEY_FILE),
            tls_cert: dir.path().join(key_dir).join(keys::TLS_CERT_FILE),
            listen: "127.0.0.1:0".parse().unwrap(),
            output_dir: dir.path().join("out"),
            state_dir: dir.path().join("state"),
        };
        config(PartyId::UWV, "uwv").check(&federation).unwrap();
        // UWV's node pointed at SVB's keys.
        let err = config(PartyId::UWV, "svb").check(&federation).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::FederationMismatch {
                    what: "TLS certificate",
                    ..
                }
            ),
            "{err}"
        );
        // The right certificate but another party's signing key.
        let mut mixed = config(PartyId::BELASTINGDIENST, "bd");
        mixed.signing_key = dir.path().join("svb").join(keys::NODE_SIGNING_KEY_FILE);
        let err = mixed.check(&federation).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::FederationMismatch {
                    what: "signing key",
                    ..
                }
            ),
            "{err}"
        );
    }
}
