//! `samen job show`: a job described for a human approver.

use samen_protocol::PartyId;

use super::{job_hash, HomeRule, Job, JobSecurityMode};
use crate::input::schema::{ColumnType, LinkageMode};

impl Job {
    /// A description for a human approver: what is computed, who learns what, the hashes.
    pub fn describe(&self, job_bytes: &[u8]) -> String {
        describe(self, job_bytes)
    }
}

/// Writes `out` with a line per item.
fn push_line(out: &mut String, line: impl std::fmt::Display) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "{line}");
}

/// The description printed by `samen job show`.
fn describe(job: &Job, job_bytes: &[u8]) -> String {
    let mut out = String::new();
    let line = |out: &mut String, s: String| push_line(out, s);
    line(&mut out, format!("Samen job {}", job.job_id));
    line(&mut out, format!("  {}", job.description));
    line(&mut out, String::new());

    line(&mut out, "What is computed".into());
    line(
        &mut out,
        format!(
            "  circuit       {} (hash {})",
            job.circuit.name, job.circuit.hash
        ),
    );
    line(
        &mut out,
        format!(
            "  rules         {} (hash {})",
            job.rules.name, job.rules.hash
        ),
    );
    let tol = job.policy.tolerance_bp;
    line(
        &mut out,
        format!(
            "  tolerance     {tol} basis points: flag when household net income <= norm x {}.{:02}%",
            (10_000 + tol) / 100,
            (10_000 + tol) % 100
        ),
    );
    line(
        &mut out,
        match job.policy.home_rule {
            HomeRule::Loan => "  home equity   rule `loan`: equity in the own home is not counted (AIO would be a loan)".into(),
            HomeRule::Count => "  home equity   rule `count`: equity above the limit counts as wealth".into(),
        },
    );
    line(
        &mut out,
        match job.security_mode {
            JobSecurityMode::SemiHonest => {
                "  security      semi-honest: private as long as at most one party is curious and all follow the protocol".into()
            }
            JobSecurityMode::Malicious => {
                // Unreachable for a loaded job (`Job::validate` refuses it); says nothing
                // it cannot back up.
                "  security      malicious: NOT AVAILABLE in this version; this job cannot run".into()
            }
        },
    );
    line(&mut out, String::new());

    line(&mut out, "Who learns what".into());
    line(&mut out, "  SVB              the flag (probably entitled or not) of each of its own households, in its own row order".into());
    if job.output.count_to_all {
        line(
            &mut out,
            "  all three        the number of flagged households".into(),
        );
        line(
            &mut out,
            "  UWV, Belastingdienst  nothing about individuals".into(),
        );
    } else {
        line(
            &mut out,
            "  UWV, Belastingdienst  nothing about individuals".into(),
        );
    }
    line(
        &mut out,
        "  every party      the number of rows of each party's input (table sizes)".into(),
    );
    if job.linkage.mode == LinkageMode::Linked {
        line(
            &mut out,
            "  every party      from the record linkage: how many SVB persons were found at UWV and at the".into(),
        );
        line(
            &mut out,
            "                   Belastingdienst, and how many households have each match profile (e.g. applicant".into(),
        );
        line(
            &mut out,
            "                   at UWV and both partners at the Belastingdienst) -- counts only, never which ones".into(),
        );
    }
    line(&mut out, String::new());

    line(&mut out, format!("Linkage: {}", job.linkage.mode.as_str()));
    match job.linkage.mode {
        LinkageMode::Aligned => {
            line(
                &mut out,
                "  ASSUMES the UWV and Belastingdienst files were aligned beforehand: row i of each file is SVB household i.".into(),
            );
            line(&mut out, "  Only row counts are checked; a misaligned file gives wrong flags without any error.".into());
            if let Some(n) = job.linkage.households {
                line(
                    &mut out,
                    format!("  Every file must have exactly {n} rows."),
                );
            }
        }
        LinkageMode::Linked => {
            line(
                &mut out,
                "  Rows are matched by BSN inside the computation.".into(),
            );
            match job.linkage.padding {
                Some([s, u, b]) => line(
                    &mut out,
                    format!("  Dummy rows added before linkage (blur the disclosed table sizes): SVB {s}, UWV {u}, Belastingdienst {b}."),
                ),
                None => line(
                    &mut out,
                    "  No dummy rows: the exact table sizes are disclosed to all three parties.".into(),
                ),
            }
        }
    }
    line(&mut out, String::new());

    line(&mut out, "Inputs".into());
    for party in PartyId::ALL {
        let schema = job.inputs.of(party);
        line(
            &mut out,
            format!(
                "  {} ({}): {}",
                party.agency(),
                party.short_name(),
                schema.rows.describe()
            ),
        );
        for c in &schema.columns {
            let ty = match c.ty {
                ColumnType::Text => format!("text, at most {} characters", c.max_len.unwrap_or(0)),
                ColumnType::Bsn => "BSN (9 digits, 11-test)".into(),
                ColumnType::Bool => "0 or 1".into(),
                ColumnType::Enum => format!(
                    "one of {}",
                    c.values.as_deref().unwrap_or_default().join(", ")
                ),
                ColumnType::Cents => format!(
                    "euro cents {}..={} ({} bits)",
                    c.min.unwrap_or(0),
                    c.max.unwrap_or(0),
                    c.bits.unwrap_or(0)
                ),
            };
            let req = if c.required { "required" } else { "optional" };
            line(&mut out, format!("    {:<28} {ty}; {req}", c.name));
        }
    }
    line(&mut out, String::new());

    line(&mut out, "Hashes".into());
    line(
        &mut out,
        format!("  federation    {}", job.federation_fingerprint),
    );
    line(
        &mut out,
        format!(
            "  job file      {} (BLAKE3 of the file's bytes)",
            hex::encode(job_hash(job_bytes))
        ),
    );
    out
}
