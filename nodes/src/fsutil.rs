//! Bounded file reads: the one way a node reads a whole file.
//!
//! Every file a node reads whole (node configuration, federation, job, keys, approvals,
//! Bristol circuits, dispute evidence, input salts, the demo's candidates and node
//! summaries) may come from someone else, so it is read through [`read_bounded`]: at most
//! `limit` bytes are ever allocated, and a larger file is refused with an error naming the
//! file and the limit instead of being read to the end (a regular file whose size already
//! exceeds the limit is refused before a byte is read). Files of unbounded size (input
//! CSV files, transcripts) are streamed by their parsers instead, with a bound per line.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused to open or read the file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is larger than the limit for its kind.
    #[error("{path}: larger than {limit} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{path}: not UTF-8 text")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
}

impl ReadError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Io { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::NotUtf8 { path } => path,
        }
    }
}

/// Reads the whole of `path` if it has at most `limit` bytes. A regular file whose size
/// is over the limit is refused without reading; otherwise at most `limit + 1` bytes are
/// read (the extra byte tells a file of exactly `limit` bytes from a larger one, and
/// catches a file that grows), so a huge or endless file (`/dev/zero`) costs no more than
/// the limit.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_large = || ReadError::TooLarge {
        path: path.to_path_buf(),
        limit,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_bounded`], then checks that the bytes are UTF-8 text.
pub fn read_text_bounded(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|_| ReadError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_one_byte_more() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abcd").unwrap();
        assert_eq!(read_bounded(&p, 4).unwrap(), b"abcd");
        assert_eq!(read_text_bounded(&p, 10).unwrap(), "abcd");
        let e = read_bounded(&p, 3).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { limit: 3, .. }), "{e}");
        assert_eq!(e.path(), p);
        assert!(e.to_string().contains("larger than 3 bytes"), "{e}");
    }

    #[test]
    fn missing_and_non_text_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        assert!(matches!(
            read_bounded(&missing, 10),
            Err(ReadError::Io { path, .. }) if path == missing
        ));
        let p = dir.path().join("bin");
        std::fs::write(&p, [0xff, 0xfe]).unwrap();
        assert!(read_bounded(&p, 10).is_ok());
        assert!(matches!(
            read_text_bounded(&p, 10),
            Err(ReadError::NotUtf8 { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_file_costs_only_the_limit() {
        let e = read_bounded(Path::new("/dev/zero"), 1000).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { limit: 1000, .. }));
    }

    /// Every loader of a file kind goes through the bound: a (sparse) 64 MiB file, larger
    /// than every kind's limit, is refused as too large, naming the file, before it is
    /// parsed. An unbounded read would reach the parser and fail differently.
    #[test]
    fn every_loader_refuses_an_oversized_file() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(64 << 20).unwrap();
        drop(f);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let too_large =
            |e: &ReadError| matches!(e, ReadError::TooLarge { path, .. } if path == &big);
        use crate::{approval, config, federation, job, keys};
        assert!(
            matches!(config::NodeConfig::load(&big), Err(config::ConfigError::Read(e)) if too_large(&e))
        );
        assert!(
            matches!(federation::Federation::load(&big), Err(federation::FederationError::Read(e)) if too_large(&e))
        );
        assert!(matches!(job::Job::load(&big), Err(job::JobError::Read(e)) if too_large(&e)));
        assert!(
            matches!(approval::Approval::load(&big), Err(approval::ApprovalFileError::Read(e)) if too_large(&e))
        );
        assert!(
            matches!(keys::load_public_key(&big), Err(keys::KeyError::Read(e)) if too_large(&e))
        );
        assert!(
            matches!(keys::load_secret_key(&big), Err(keys::KeyError::Read(e)) if too_large(&e))
        );
        assert!(
            matches!(keys::load_certificate_der(&big), Err(keys::KeyError::Read(e)) if too_large(&e))
        );
        assert!(
            matches!(keys::load_tls_private_key(&big), Err(keys::KeyError::Read(e)) if too_large(&e))
        );
    }
}
