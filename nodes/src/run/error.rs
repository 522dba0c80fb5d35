//! Why `samen node run` did not complete: [`RunError`], either a [`LocalError`] (found
//! before anything was sent) or an [`AbortError`] (after connecting; the peers were told).
//! Each names its typed source; none carries a value of the input.

use std::path::PathBuf;

use samen_protocol::job::JobRunError;
use samen_protocol::linkage::LinkageInputError;
use samen_protocol::{PartyId, ProtocolError};

use crate::approval::{ApprovalError, ApprovalFileError};
use crate::config::ConfigError;
use crate::federation::FederationError;
use crate::input::InputError;
use crate::job::{JobError, JobIdError};
use crate::keys::KeyError;
use crate::transcript::TranscriptError;
use crate::transport::TransportError;

use super::columns::ColumnsError;
use super::linked::LinkedError;

/// Why a job did not complete. Every variant means: no output was written. (The local
/// error is boxed: it is large and the `Ok` side of a run is small.)
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A local check failed before anything was sent.
    #[error("{0}\n(nothing was sent to the other parties)")]
    Local(Box<LocalError>),
    /// The job failed after connecting; the peers were told.
    #[error("job aborted: {0}\n(no output was written)")]
    Aborted(#[from] AbortError),
}

impl From<LocalError> for RunError {
    fn from(e: LocalError) -> RunError {
        RunError::Local(Box::new(e))
    }
}

/// A check before anything was sent: the node's files, the job, the input.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The node configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The federation file.
    #[error(transparent)]
    Federation(#[from] FederationError),
    /// The job file, its rules or its circuit.
    #[error(transparent)]
    Job(#[from] JobError),
    /// The job's approval files could not be read.
    #[error(transparent)]
    ApprovalFile(#[from] ApprovalFileError),
    /// The job's approvals do not verify.
    #[error("job {path}: {source}")]
    Approval {
        /// The job file.
        path: PathBuf,
        /// What is wrong with the approvals.
        source: ApprovalError,
    },
    /// The input file.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The input's layout does not fit the aligned mode.
    #[error(transparent)]
    Columns(#[from] ColumnsError),
    /// The input's layout does not fit the linked mode.
    #[error(transparent)]
    Linked(#[from] LinkedError),
    /// This party's linkage table could not be computed from its input.
    #[error(transparent)]
    Table(#[from] JobRunError),
    /// This party's linkage table does not fit the job's linkage.
    #[error("{path}: {source}")]
    LinkageTable {
        /// The input file.
        path: PathBuf,
        /// What does not fit.
        source: LinkageInputError,
    },
    /// A key or certificate file.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The signing key belongs to another party.
    #[error("{path}: this is the signing key of {key_party}, but the node is {party}")]
    SigningKeyParty {
        /// The key file.
        path: PathBuf,
        /// The party the key file names.
        key_party: PartyId,
        /// This node's party.
        party: PartyId,
    },
    /// The signing key is not the federation's.
    #[error("{path}: the signing key is not the one the federation file lists for {party}")]
    SigningKeyUnknown {
        /// The key file.
        path: PathBuf,
        /// This node's party.
        party: PartyId,
    },
    /// The TLS certificate is not the federation's.
    #[error("{path}: this certificate is not the one the federation file pins for {party}")]
    CertificateNotPinned {
        /// The certificate file.
        path: PathBuf,
        /// This node's party.
        party: PartyId,
    },
    /// A peer's address does not resolve.
    #[error("federation address `{address}`: {source}")]
    Address {
        /// The address as the federation file gives it.
        address: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// A peer's address resolves to no socket address.
    #[error("federation address `{address}` resolves to nothing")]
    AddressEmpty {
        /// The address as the federation file gives it.
        address: String,
    },
    /// A directory could not be created.
    #[error("{path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The job id was used before (or the record of used ids failed).
    #[error(transparent)]
    JobId(#[from] JobIdError),
    /// Creating the transcript, the evidence file or the input commitment.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
}

/// A failure after connecting; the peers were told (best effort).
#[derive(Debug, thiserror::Error)]
pub enum AbortError {
    /// The mesh did not come up.
    #[error("connecting to the peers: {0}")]
    Connect(#[source] TransportError),
    /// The key set-up of the protocol context failed.
    #[error("key set-up: {0}")]
    KeySetup(#[source] ProtocolError),
    /// The job's protocol failed.
    #[error(transparent)]
    Protocol(#[from] JobRunError),
    /// The goodbye with the peers failed.
    #[error("closing the connections: {0}")]
    Close(#[source] TransportError),
    /// The output file could not be written.
    #[error("writing {path}: {source}")]
    Output {
        /// The output directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The dispute evidence could not be written.
    #[error("writing the dispute evidence: {0}")]
    Evidence(#[source] TranscriptError),
    /// The transcript could not be closed.
    #[error("closing the transcript: {0}")]
    Transcript(#[source] TranscriptError),
}
