//! Single-use job ids: a node records every job id it runs in its state directory and
//! refuses one it has seen.

use std::path::{Path, PathBuf};

use super::id::JobId;

/// Why a job id is refused.
#[derive(Debug, thiserror::Error)]
pub enum JobIdError {
    /// The id was used before on this node.
    #[error("job id {0} has already been run on this node (job ids are single use); make a new job with `samen job new`")]
    AlreadyUsed(JobId),
    /// The state directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// The directory under a node's state dir that records used job ids, one empty file
/// per id.
pub const USED_JOBS_DIR: &str = "used-jobs";

/// Whether `id` is recorded as used in `state_dir`.
pub fn is_job_id_used(state_dir: &Path, id: &JobId) -> bool {
    state_dir.join(USED_JOBS_DIR).join(id.to_string()).exists()
}

/// Records `id` as used in `state_dir`, or refuses if it was recorded before. Atomic:
/// the record is created with create-new semantics, so two runs of the same job id on
/// one node cannot both pass. Call it before the job starts, so even a job that fails
/// midway is never run again.
pub fn check_and_mark_job_id(state_dir: &Path, id: &JobId) -> Result<(), JobIdError> {
    let dir = state_dir.join(USED_JOBS_DIR);
    std::fs::create_dir_all(&dir).map_err(|source| JobIdError::Io {
        path: dir.clone(),
        source,
    })?;
    let path = dir.join(id.to_string());
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file
            .sync_all()
            .map_err(|source| JobIdError::Io { path, source }),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(JobIdError::AlreadyUsed(*id))
        }
        Err(source) => Err(JobIdError::Io { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_id_reuse_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let id = JobId::random();
        assert!(!is_job_id_used(dir.path(), &id));
        check_and_mark_job_id(dir.path(), &id).unwrap();
        assert!(is_job_id_used(dir.path(), &id));
        assert!(
            matches!(check_and_mark_job_id(dir.path(), &id), Err(JobIdError::AlreadyUsed(x)) if x == id)
        );
        check_and_mark_job_id(dir.path(), &JobId::random()).unwrap();
    }
}
