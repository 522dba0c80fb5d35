//! What the parties learned: the reveals checked against each other and against the job's
//! output policy, the learned numbers (protocol leakage) checked between the parties that
//! learned them, and the disclosure table of the report.
//!
//! The policy is exact: an output the policy does not name, a recipient set other than
//! the permitted one, more values than permitted in total, more reveals than permitted, or
//! (for a successful job) fewer values than an `Exactly` rule requires, are failures.

use std::collections::BTreeMap;

use samen_protocol::PartyId;

use super::integrity::Failures;
use super::integrity::TranscriptFacts;
use super::report::{
    ApprovedJob, ApprovedJobSummary, CountRule, DisclosureRow, FailureKind, LearnedRow,
};
use crate::transcript::format::{Outcome, RevealEntry};

pub(super) fn check_reveals_agree(
    p: PartyId,
    f: &TranscriptFacts,
    reference: &[RevealEntry],
    out: &mut Failures,
) {
    let complete_run = f.outcome == Some(Outcome::Success);
    for (k, (record, r)) in f.reveals.iter().enumerate() {
        if reference.get(k) != Some(r) {
            out.push(
                FailureKind::RevealMismatch,
                Some(p),
                Some(*record),
                format!(
                    "{} recorded reveal {} as {} value(s) of `{}` to {}, which the other parties did not record",
                    p.agency(),
                    k + 1,
                    r.count,
                    r.output,
                    names(&r.to)
                ),
            );
            return;
        }
    }
    if complete_run && f.reveals.len() < reference.len() {
        let r = &reference[f.reveals.len()];
        out.push(
            FailureKind::RevealMismatch,
            Some(p),
            None,
            format!(
                "{} did not record the reveal of `{}` to {} that another party recorded",
                p.agency(),
                r.output,
                names(&r.to)
            ),
        );
    }
}

/// Every number a party recorded as learned must be recorded alike by every other intact
/// party that the record says learned it (and only recipients record it).
pub(super) fn check_learned(
    parties: &[(PartyId, &TranscriptFacts)],
    out: &mut Failures,
) -> Vec<LearnedRow> {
    let mut rows: Vec<LearnedRow> = Vec::new();
    for (p, f) in parties {
        for (record, l) in &f.learned {
            if !l.to.contains(p) {
                out.push(
                    FailureKind::LearnedMismatch,
                    Some(*p),
                    Some(*record),
                    format!(
                        "{} recorded learning `{}` but is not among its recipients",
                        p.agency(),
                        l.what
                    ),
                );
                continue;
            }
            for (q, g) in parties {
                let expected = l.to.contains(q) && g.outcome == Some(Outcome::Success);
                if q != p
                    && expected
                    && !g
                        .learned
                        .iter()
                        .any(|(_, m)| m.what == l.what && m.to == l.to && m.value == l.value)
                {
                    out.push(
                        FailureKind::LearnedMismatch,
                        Some(*q),
                        None,
                        format!("{} recorded learning `{}` = {} with {}, but {} did not record the same", p.agency(), l.what, l.value, q.agency(), q.agency()),
                    );
                }
            }
            if !rows
                .iter()
                .any(|r| r.what == l.what && r.to == l.to && r.value == l.value)
            {
                rows.push(LearnedRow {
                    what: l.what.clone(),
                    to: l.to.clone(),
                    value: l.value,
                    phase: l.phase.clone(),
                });
            }
        }
    }
    rows
}

/// What the reveals of one output opened, summed over the transcript.
struct Opened {
    /// Values opened.
    values: u64,
    /// Reveals.
    reveals: u64,
    /// Phases the reveals were in.
    phases: Vec<String>,
    /// Recipients (the union if they changed).
    to: Vec<PartyId>,
}

/// Checks reveals against the output policy and builds the disclosure table.
pub(super) fn check_policy(
    job: &ApprovedJob,
    reveals: &[RevealEntry],
    all_succeeded: bool,
    out: &mut Failures,
) -> Vec<DisclosureRow> {
    let mut per_output: BTreeMap<&str, Opened> = BTreeMap::new();
    for r in reveals {
        let e = per_output
            .entry(r.output.as_str())
            .or_insert_with(|| Opened {
                values: 0,
                reveals: 0,
                phases: Vec::new(),
                to: r.to.clone(),
            });
        e.values = e.values.saturating_add(r.count);
        e.reveals += 1;
        if !e.phases.contains(&r.phase) {
            e.phases.push(r.phase.clone());
        }
        let permitted = job.outputs.iter().find(|o| o.output == r.output);
        match permitted {
            None => out.push(
                FailureKind::RevealNotPermitted,
                None,
                None,
                format!(
                    "`{}` was opened to {} but the output policy has no such output",
                    r.output,
                    names(&r.to)
                ),
            ),
            Some(o) if o.recipients != r.to => out.push(
                FailureKind::RevealNotPermitted,
                None,
                None,
                format!(
                    "`{}` was opened to {} but the output policy allows only {}",
                    r.output,
                    names(&r.to),
                    names(&o.recipients)
                ),
            ),
            _ => {}
        }
        if r.to != e.to {
            // Recipients changed between reveals of one output: list under the union.
            for p in &r.to {
                if !e.to.contains(p) {
                    e.to.push(*p);
                }
            }
            e.to.sort();
        }
    }
    for o in &job.outputs {
        let (values, count) = per_output
            .get(o.output.as_str())
            .map(|e| (e.values, e.reveals))
            .unwrap_or((0, 0));
        if count > o.max_reveals {
            out.push(
                FailureKind::RevealCount,
                None,
                None,
                format!(
                    "`{}` was revealed {} times; the policy allows {}",
                    o.output, count, o.max_reveals
                ),
            );
        }
        let problem = match o.count {
            CountRule::Exactly(n) if values > n || (all_succeeded && values != n) => {
                Some(format!("exactly {n}"))
            }
            CountRule::AtMost(n) if values > n => Some(format!("at most {n}")),
            _ => None,
        };
        if let Some(allowed) = problem {
            out.push(
                FailureKind::RevealCount,
                None,
                None,
                format!(
                    "{} value(s) of `{}` were revealed; the policy allows {allowed}",
                    values, o.output
                ),
            );
        }
    }
    let mut rows = Vec::new();
    for p in PartyId::ALL {
        for (output, opened) in &per_output {
            if opened.to.contains(&p) {
                let permitted = job
                    .outputs
                    .iter()
                    .any(|o| o.output == *output && o.recipients.contains(&p));
                rows.push(DisclosureRow {
                    party: p,
                    output: output.to_string(),
                    values: opened.values,
                    reveals: opened.reveals,
                    phases: opened.phases.clone(),
                    permitted,
                });
            }
        }
    }
    rows
}

/// `SVB`, `SVB and UWV`, `SVB, UWV and Belastingdienst`, or `nobody`.
pub fn names(parties: &[PartyId]) -> String {
    let n: Vec<&str> = parties.iter().map(|p| p.agency()).collect();
    match n.len() {
        0 => "nobody".into(),
        1 => n[0].into(),
        k => format!("{} and {}", n[..k - 1].join(", "), n[k - 1]),
    }
}

pub(super) fn summarise_job(job: &ApprovedJob) -> ApprovedJobSummary {
    let policy = job
        .outputs
        .iter()
        .map(|o| {
            let count = match o.count {
                CountRule::Exactly(n) => format!("exactly {n} value(s)"),
                CountRule::AtMost(n) => format!("at most {n} value(s)"),
                CountRule::Any => "any number of values".to_string(),
            };
            format!(
                "`{}` to {}: {count}, in at most {} reveal(s)",
                o.output,
                names(&o.recipients),
                o.max_reveals
            )
        })
        .collect();
    ApprovedJobSummary {
        job_id: job.job_id.clone(),
        description: job.description.clone(),
        job_hash: hex::encode(job.job_hash),
        circuit_hash: hex::encode(job.circuit_hash),
        rules_hash: hex::encode(job.rules_hash),
        federation_fingerprint: hex::encode(job.federation_fingerprint),
        policy,
        approvals: job.approvals.clone(),
    }
}
