//! `samen audit`: checking the three transcripts of a job against the federation, the
//! approved job and each other, and reporting what each party learned.
//!
//! [`verify`](verify::verify) takes what the auditor trusts — the federation's signing
//! keys and the approved job's hashes and output policy, gathered in an [`ApprovedJob`] —
//! and the three transcript files, which it does not trust. It checks:
//!
//! 1. each transcript on its own ([`integrity`]): every line readable and canonical, in
//!    order, the records in an order the format allows, sequence numbers without gaps,
//!    the hash chain, and every checkpoint's Ed25519 signature with the party's key from
//!    the federation; a complete transcript ends with an outcome and a final checkpoint;
//! 2. that all three name the approved job, circuit, rules and federation;
//! 3. that every message one party recorded as sent to a peer was recorded as received by
//!    that peer, in the same phase, with the same sequence number, length and hash, and
//!    that nothing else was recorded as received;
//! 4. that the three parties recorded the same reveals, and that these match the output
//!    policy exactly: the output is permitted, to exactly the permitted recipients, in a
//!    permitted number of values and of reveals.
//!
//! The result is an [`AuditReport`]: a verdict, every failure named (kind, party, record),
//! the disclosure table (what each party learned), and a timeline of the phases with bytes
//! and times. [`report_text`] and [`report_html`] render it for a privacy officer.
//!
//! What the audit cannot see: the contents of messages (only their hashes) and so whether
//! a party computed correctly — that is what dispute replay is for (see
//! `docs/auditor-guide.md`) — and anything a party does outside the protocol with what it
//! legitimately learned.

pub mod cli;
pub mod disclosure;
pub mod integrity;
pub mod job;
pub mod replay;
mod report;
pub mod report_html;
pub mod report_text;
pub mod verify;

pub use report::{
    ApprovalNote, ApprovedJob, ApprovedJobSummary, AuditReport, CountRule, DisclosureRow, Failure,
    FailureKind, LearnedRow, PartySummary, PermittedOutput, PhaseRow, PhaseTraffic, Verdict,
};
pub use verify::{verify, verify_files, LabelledTranscript};
