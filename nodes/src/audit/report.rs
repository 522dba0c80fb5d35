//! The audit's vocabulary: what the auditor trusts ([`ApprovedJob`] and the permitted
//! outputs), the failures it can find, and the [`AuditReport`] it produces. Every audit
//! file uses these types; none of them uses the others through `mod.rs`.

use ed25519_dalek::VerifyingKey;
use samen_protocol::PartyId;

use crate::transcript::format::{Digest, Outcome};

/// How many values of one output a policy allows in total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountRule {
    /// Exactly this many when the job succeeds (at most this many if it aborted).
    Exactly(u64),
    /// At most this many.
    AtMost(u64),
    /// Any number (the count depends on the data, e.g. one flag per linked household when
    /// the number of households is not fixed by the job).
    Any,
}

/// One output the policy permits: what may be opened, to whom, how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermittedOutput {
    /// The output's name as the protocol records it in reveals.
    pub output: String,
    /// Exactly who may learn it (ascending).
    pub recipients: Vec<PartyId>,
    /// How many values in total.
    pub count: CountRule,
    /// How many separate reveals of this output are allowed.
    pub max_reveals: u64,
}

/// A job approval, as listed in the report (the approvals themselves are checked by the
/// job module; the audit only shows them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalNote {
    /// The party whose privacy officer approved.
    pub party: PartyId,
    /// A description: the approver key, or what is wrong.
    pub detail: String,
    /// Whether the approval verified against the federation's approver key.
    pub valid: bool,
}

/// What the auditor trusts: the approved job and the federation's node keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedJob {
    /// The job id (for the report).
    pub job_id: String,
    /// A one-line description of the job (for the report).
    pub description: String,
    /// BLAKE3 of the job file's exact bytes.
    pub job_hash: Digest,
    /// The circuit hash named by the job.
    pub circuit_hash: Digest,
    /// The rules hash named by the job.
    pub rules_hash: Digest,
    /// The federation fingerprint named by the job.
    pub federation_fingerprint: Digest,
    /// Each party's node signing key from the federation, indexed by party.
    pub signing_keys: [VerifyingKey; 3],
    /// The output policy.
    pub outputs: Vec<PermittedOutput>,
    /// The approvals found, each checked; `None` if the audit runs without approvals
    /// (then it does not require them and the report says so).
    pub approvals: Option<Vec<ApprovalNote>>,
}

/// What kind of problem a failure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureKind {
    /// An approval of the job is missing or does not verify.
    Approval,
    /// Fewer or more than one transcript per party.
    MissingTranscript,
    /// A line could not be read: not a canonical record (edited), or cut off.
    Unreadable,
    /// Record positions out of order: records deleted, inserted or reordered.
    RecordOrder,
    /// The transcript ends without outcome and final checkpoint (crash or cut).
    Truncated,
    /// The records do not hash to the head a checkpoint signed: records were altered.
    ChainMismatch,
    /// A checkpoint signature does not verify with the party's key from the federation.
    BadSignature,
    /// Records in an order the format does not allow.
    Structure,
    /// The transcript names another job.
    WrongJob,
    /// The transcript names another circuit.
    WrongCircuit,
    /// The transcript names other rules.
    WrongRules,
    /// The transcript names another federation.
    WrongFederation,
    /// No input commitment in a successful job.
    MissingInputCommitment,
    /// Sequence numbers with a gap or repetition.
    Sequence,
    /// A message recorded as sent was not recorded as received.
    SentNotReceived,
    /// A message recorded as received was not recorded as sent.
    ReceivedNotSent,
    /// Sender and receiver recorded different phase, length or hash for one message.
    MessageMismatch,
    /// The parties recorded different reveals.
    RevealMismatch,
    /// The parties recorded different numbers learned from the protocol's leakage.
    LearnedMismatch,
    /// A reveal the output policy does not permit (output or recipients).
    RevealNotPermitted,
    /// More values or reveals of an output than the policy permits (or fewer than it
    /// requires).
    RevealCount,
}

/// One named failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What kind.
    pub kind: FailureKind,
    /// Whose transcript, if it concerns one.
    pub party: Option<PartyId>,
    /// Which record (1-based line), if it concerns one.
    pub record: Option<u64>,
    /// A sentence for the auditor (never contains secret values: transcripts hold none).
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.party, self.record) {
            (Some(p), Some(r)) => write!(
                f,
                "{} transcript, record {}: {}",
                p.agency(),
                r,
                self.message
            ),
            (Some(p), None) => write!(f, "{} transcript: {}", p.agency(), self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// The audit's conclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every check holds.
    Pass,
    /// At least one check failed; see the failures.
    Fail,
}

/// One transcript's summary in the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartySummary {
    /// The party (from the transcript's header).
    pub party: PartyId,
    /// The file or label the transcript came from.
    pub label: String,
    /// Records read.
    pub records: u64,
    /// Position of the last checkpoint whose signature and chain verified.
    pub last_valid_checkpoint: Option<u64>,
    /// Whether the transcript ends with an outcome and a final checkpoint.
    pub complete: bool,
    /// The recorded outcome, if any.
    pub outcome: Option<Outcome>,
    /// The input commitment, if recorded.
    pub input_commitment: Option<Digest>,
    /// Whether this transcript passed all its own checks.
    pub intact: bool,
}

/// What one party learned: one row of the disclosure table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisclosureRow {
    /// Who learned it.
    pub party: PartyId,
    /// Which output.
    pub output: String,
    /// How many values in total.
    pub values: u64,
    /// In how many reveals.
    pub reveals: u64,
    /// The phases in which it was revealed.
    pub phases: Vec<String>,
    /// Whether the output policy permits it.
    pub permitted: bool,
}

/// A number some parties learned as documented protocol leakage (e.g. a linkage
/// intersection size): one row of the leakage table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnedRow {
    /// What it is.
    pub what: String,
    /// Who learned it.
    pub to: Vec<PartyId>,
    /// The number.
    pub value: u64,
    /// The phase.
    pub phase: String,
}

/// One party's traffic in one phase.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhaseTraffic {
    /// Bytes sent to both peers.
    pub bytes_sent: u64,
    /// Bytes received from both peers.
    pub bytes_received: u64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages received.
    pub messages_received: u64,
    /// Wall-clock duration of the phase at this party, if its end was recorded.
    pub duration_ms: Option<u64>,
}

/// One row of the phase timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhaseRow {
    /// The phase name.
    pub phase: String,
    /// Traffic per party (`None`: the party has no such phase).
    pub parties: [Option<PhaseTraffic>; 3],
}

/// The result of an audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    /// Pass or fail.
    pub verdict: Verdict,
    /// The job as approved.
    pub job: ApprovedJobSummary,
    /// How the job ended, in one sentence (e.g. "completed at all three parties").
    pub job_outcome: String,
    /// Every failure found, in the order found.
    pub failures: Vec<Failure>,
    /// Observations that are not failures (e.g. messages not received because the
    /// receiver aborted).
    pub notes: Vec<String>,
    /// One summary per transcript read.
    pub transcripts: Vec<PartySummary>,
    /// What each party learned from reveals.
    pub disclosure: Vec<DisclosureRow>,
    /// Numbers learned as protocol leakage (sizes from linkage).
    pub learned: Vec<LearnedRow>,
    /// Phases with bytes and times.
    pub timeline: Vec<PhaseRow>,
}

/// The approved job as shown in a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedJobSummary {
    /// Job id.
    pub job_id: String,
    /// Description.
    pub description: String,
    /// Job hash, hex.
    pub job_hash: String,
    /// Circuit hash, hex.
    pub circuit_hash: String,
    /// Rules hash, hex.
    pub rules_hash: String,
    /// Federation fingerprint, hex.
    pub federation_fingerprint: String,
    /// The output policy in words, one line per permitted output.
    pub policy: Vec<String>,
    /// Approvals (`None`: not checked).
    pub approvals: Option<Vec<ApprovalNote>>,
}

impl AuditReport {
    /// Whether the verdict is [`Verdict::Pass`] (the CLI exits 0 only then).
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }

    /// Whether some failure has kind `kind`.
    pub fn has_failure(&self, kind: FailureKind) -> bool {
        self.failures.iter().any(|f| f.kind == kind)
    }
}
