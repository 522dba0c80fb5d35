//! Writing the SVB's result file, atomically.
//!
//! `candidates.csv` lists the flagged households in the SVB's input order: household id,
//! applicant BSN, partner BSN (empty for none). It is written to a temporary file in the
//! same directory, flushed and synced, then renamed: a reader sees no file or the whole
//! file, never a part.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::fsutil::{read_text_bounded, ReadError};
use crate::input::SvbInput;

/// The name of the SVB's result file in its output directory.
pub const CANDIDATES_FILE: &str = "candidates.csv";

/// Writes `contents` to `path` atomically (temporary file + rename; see
/// [`crate::config::write_atomic_with`]).
/// The file is readable by its owner only (it holds BSNs).
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    crate::config::write_atomic_with(path, |f| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(contents)
    })
}

/// The candidates file for `flags` (one per SVB household, in input order).
pub fn candidates_csv(svb: &SvbInput, flags: &[bool]) -> Vec<u8> {
    let mut out = String::from("household_id,applicant_bsn,partner_bsn\n");
    for (record, _) in svb.households.iter().zip(flags).filter(|(_, &f)| f) {
        out.push_str(&record.household_id);
        out.push(',');
        out.push_str(&record.applicant_bsn.to_string());
        out.push(',');
        if let Some(p) = record.partner_bsn {
            out.push_str(&p.to_string());
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Writes the candidates file into `dir`; returns its path.
pub fn write_candidates(dir: &Path, svb: &SvbInput, flags: &[bool]) -> std::io::Result<PathBuf> {
    let path = dir.join(CANDIDATES_FILE);
    write_atomically(&path, &candidates_csv(svb, flags))?;
    Ok(path)
}

/// The largest candidates file [`read_candidate_ids`] reads: 1 GiB (a line is at most
/// about 50 bytes, a household id and two BSNs, so this is over 20 million flagged
/// households).
pub const CANDIDATES_LIMIT: u64 = 1 << 30;

/// Reads back the household ids of a candidates file (for the demo's check), at most
/// [`CANDIDATES_LIMIT`] bytes.
pub fn read_candidate_ids(path: &Path) -> Result<Vec<String>, ReadError> {
    let text = read_text_bounded(path, CANDIDATES_LIMIT)?;
    Ok(text
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        write_atomically(&p, b"a\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"a\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
