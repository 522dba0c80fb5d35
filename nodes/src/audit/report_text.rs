//! The audit report as plain text, for the terminal and for filing.
//!
//! Text that comes from transcripts (labels, phase and output names, abort reasons) is
//! untrusted: control characters are shown escaped (`\u{1b}`), so a crafted transcript
//! cannot send escape sequences to the auditor's terminal.

use std::fmt::Write as _;

use samen_protocol::PartyId;

use super::report::{AuditReport, PhaseTraffic, Verdict};
use crate::transcript::format::Outcome;

/// Makes untrusted text safe to print: control characters are escaped.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The verdict line, e.g. `VERDICT: PASS`.
pub fn verdict_line(report: &AuditReport) -> String {
    match report.verdict {
        Verdict::Pass => "VERDICT: PASS — every check holds".to_string(),
        Verdict::Fail => format!("VERDICT: FAIL — {} problem(s) found", report.failures.len()),
    }
}

/// A human-readable byte count (`1.5 MiB`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// An outcome in words.
pub fn outcome_text(o: Option<&Outcome>) -> String {
    match o {
        Some(Outcome::Success) => "success".into(),
        Some(Outcome::Abort { reason }) => format!("aborted: {}", clean(reason)),
        None => "none recorded".into(),
    }
}

/// A phase cell: `sent / received, duration`.
pub fn traffic_text(t: &Option<PhaseTraffic>) -> String {
    match t {
        None => "—".into(),
        Some(t) => {
            let ms = t
                .duration_ms
                .map(|d| format!(", {d} ms"))
                .unwrap_or_default();
            format!(
                "{} out / {} in{ms}",
                bytes(t.bytes_sent),
                bytes(t.bytes_received)
            )
        }
    }
}

/// Renders the whole report.
pub fn render(report: &AuditReport) -> String {
    let mut s = String::new();
    let j = &report.job;
    let _ = writeln!(s, "Samen audit report");
    let _ = writeln!(s, "==================");
    let _ = writeln!(s, "{}", verdict_line(report));
    let _ = writeln!(s, "Outcome: {}", clean(&report.job_outcome));
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Approved job {}: {}",
        clean(&j.job_id),
        clean(&j.description)
    );
    let _ = writeln!(s, "  job hash               {}", j.job_hash);
    let _ = writeln!(s, "  circuit hash           {}", j.circuit_hash);
    let _ = writeln!(s, "  rules hash             {}", j.rules_hash);
    let _ = writeln!(s, "  federation fingerprint {}", j.federation_fingerprint);
    let _ = writeln!(s, "  output policy:");
    for line in &j.policy {
        let _ = writeln!(s, "    - {}", clean(line));
    }
    match &j.approvals {
        None => {
            let _ = writeln!(s, "  approvals: not checked by this audit");
        }
        Some(list) => {
            let _ = writeln!(s, "  approvals:");
            for a in list {
                let _ = writeln!(
                    s,
                    "    - {}: {}{}",
                    a.party.agency(),
                    if a.valid { "" } else { "INVALID: " },
                    clean(&a.detail)
                );
            }
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "Transcripts");
    for t in &report.transcripts {
        let _ = writeln!(
            s,
            "  {:<16} {} — {} records, last valid signed checkpoint {}, {}, outcome {}, input commitment {}",
            t.party.agency(),
            clean(&t.label),
            t.records,
            t.last_valid_checkpoint.map(|m| format!("record {m}")).unwrap_or_else(|| "none".into()),
            if t.complete { "complete" } else { "INCOMPLETE" },
            outcome_text(t.outcome.as_ref()),
            t.input_commitment.map(|c| hex::encode(&c[..8]) + "…").unwrap_or_else(|| "none".into()),
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Disclosure: what each party learned from the computation"
    );
    for p in PartyId::ALL {
        let rows: Vec<_> = report.disclosure.iter().filter(|r| r.party == p).collect();
        if rows.is_empty() {
            let _ = writeln!(
                s,
                "  {:<16} nothing (no values were opened to it)",
                p.agency()
            );
        }
        for r in rows {
            let _ = writeln!(
                s,
                "  {:<16} {} value(s) of `{}` in {} reveal(s), phase {}{}",
                p.agency(),
                r.values,
                clean(&r.output),
                r.reveals,
                clean(&r.phases.join(", ")),
                if r.permitted {
                    ""
                } else {
                    "  [NOT PERMITTED BY THE OUTPUT POLICY]"
                }
            );
        }
    }
    if !report.learned.is_empty() {
        let _ = writeln!(s, "  Numbers learned as documented protocol leakage:");
        for l in &report.learned {
            let _ = writeln!(
                s,
                "    {} = {} (learned by {}, phase {})",
                clean(&l.what),
                l.value,
                super::disclosure::names(&l.to),
                clean(&l.phase)
            );
        }
    }
    let _ = writeln!(
        s,
        "  (every party also learns the sizes and timing of the messages it receives)"
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "Phase timeline (bytes out / in per party)");
    let _ = writeln!(
        s,
        "  {:<24} {:<40} {:<40} {:<40}",
        "phase", "SVB", "UWV", "Belastingdienst"
    );
    for row in &report.timeline {
        let _ = writeln!(
            s,
            "  {:<24} {:<40} {:<40} {:<40}",
            clean(&row.phase),
            traffic_text(&row.parties[0]),
            traffic_text(&row.parties[1]),
            traffic_text(&row.parties[2])
        );
    }
    let _ = writeln!(s);
    if report.failures.is_empty() {
        let _ = writeln!(s, "Failures: none");
    } else {
        let _ = writeln!(s, "Failures ({})", report.failures.len());
        for (k, f) in report.failures.iter().enumerate() {
            let _ = writeln!(s, "  {}. [{:?}] {}", k + 1, f.kind, clean(&f.to_string()));
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(s, "Notes");
        for n in &report.notes {
            let _ = writeln!(s, "  - {}", clean(n));
        }
    }
    let _ = writeln!(s, "{}", verdict_line(report));
    s
}
