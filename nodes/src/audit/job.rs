//! From the federation file, the job file and its approvals to what the audit trusts
//! ([`ApprovedJob`]).
//!
//! The job hash is BLAKE3 of the job file's exact bytes ([`crate::job::job_hash`], the
//! value the nodes compare and write into their transcript headers). The circuit and rules
//! hashes and the federation fingerprint are the ones the job names. The node keys that
//! must have signed the transcripts come from the federation file. Each approval found is
//! checked on its own against the approver key of its party in the federation, so the
//! report can say which approvals hold.
//!
//! The output policy of an AIO job (`[output]` in the job file) becomes the list of
//! permitted reveals, under the labels the job protocol reveals with
//! ([`samen_protocol::job`]):
//! - [`OUTPUT_FLAGS`] (aligned mode) or [`LINKAGE_OUTPUT`] (linked mode): the per-household
//!   flags, to `flags_to` (SVB) only; one value per household — at most the job's
//!   `households` when it fixes that number, otherwise any number; one reveal;
//! - [`OUTPUT_FLAG_COUNT`]: the number of flagged households, to all three parties, one
//!   value, one reveal — only if the job sets `count_to_all`.
//!
//! Anything else opened during the job fails the audit.

use samen_protocol::PartyId;

use super::{ApprovalNote, ApprovedJob, CountRule, PermittedOutput};
use crate::approval::{Approval, APPROVAL_PREFIX};
use crate::federation::Federation;
use crate::input::schema::LinkageMode;
use crate::job::{job_hash, Job};

/// The reveal labels, defined once by the job protocol that reveals under them
/// ([`samen_protocol::job`]): the per-household flags in the aligned mode, in the linked
/// mode, and the number of flagged households.
pub use samen_protocol::job::{LINKAGE_OUTPUT, OUTPUT_FLAGS, OUTPUT_FLAG_COUNT};

/// The reveals `job`'s output policy permits.
pub fn output_policy(job: &Job) -> Vec<PermittedOutput> {
    let flags = match job.linkage.mode {
        LinkageMode::Aligned => OUTPUT_FLAGS,
        LinkageMode::Linked => LINKAGE_OUTPUT,
    };
    let mut out = vec![PermittedOutput {
        output: flags.to_string(),
        recipients: vec![job.output.flags_to.0],
        count: match job.linkage.households {
            Some(n) => CountRule::AtMost(n),
            None => CountRule::Any,
        },
        max_reveals: 1,
    }];
    if job.output.count_to_all {
        out.push(PermittedOutput {
            output: OUTPUT_FLAG_COUNT.to_string(),
            recipients: PartyId::ALL.to_vec(),
            count: CountRule::Exactly(1),
            max_reveals: 1,
        });
    }
    out
}

/// Checks each approval on its own: made with its party's approver key from the
/// federation, over this job file's exact bytes.
pub fn check_approvals(
    federation: &Federation,
    job_bytes: &[u8],
    approvals: &[Approval],
) -> Vec<ApprovalNote> {
    let mut message = APPROVAL_PREFIX.to_vec();
    message.extend_from_slice(job_bytes);
    approvals
        .iter()
        .map(|a| {
            let key = &federation.party(a.party).approver_key;
            let (valid, detail) = if &a.approver_key != key {
                (
                    false,
                    "made with a key that is not this party's approver key in the federation"
                        .to_string(),
                )
            } else if key.verify_strict(&message, &a.signature).is_err() {
                (
                    false,
                    "the signature does not match this job file".to_string(),
                )
            } else {
                (
                    true,
                    format!(
                        "valid signature by approver key {}",
                        hex::encode(key.as_bytes())
                    ),
                )
            };
            ApprovalNote {
                party: a.party,
                detail,
                valid,
            }
        })
        .collect()
}

impl ApprovedJob {
    /// What the audit trusts for `job` (parsed from `job_bytes`) in `federation`.
    /// `approvals`: `Some` to check and require the three approvals, `None` to audit
    /// without them (the report then says they were not checked).
    pub fn from_job(
        federation: &Federation,
        job: &Job,
        job_bytes: &[u8],
        approvals: Option<&[Approval]>,
    ) -> ApprovedJob {
        let keys = PartyId::ALL.map(|p| federation.party(p).signing_key);
        ApprovedJob {
            job_id: job.job_id.to_string(),
            description: job.description.clone(),
            job_hash: job_hash(job_bytes),
            circuit_hash: job.circuit.hash.0,
            rules_hash: job.rules.hash.0,
            federation_fingerprint: job.federation_fingerprint.0,
            signing_keys: keys,
            outputs: output_policy(job),
            approvals: approvals.map(|a| check_approvals(federation, job_bytes, a)),
        }
    }
}
