//! The audit report as one self-contained HTML page, for a privacy officer's file.
//!
//! One file, no external assets: inline CSS only, no scripts, no images, no fonts, and a
//! Content-Security-Policy that forbids loading anything, so the page shows the same
//! offline, archived, or opened years later. Every piece of text is HTML-escaped (names
//! and reasons come from transcripts, which are untrusted). Sections: the verdict, the
//! approved job and its approvals, the outcome, the transcripts, the disclosure table,
//! the phase timeline with bytes (with bars scaled to the largest phase), the failures
//! and notes.

use std::fmt::Write as _;

use samen_protocol::PartyId;

use super::disclosure::names;
use super::report::{AuditReport, Verdict};
use super::report_text::{bytes, outcome_text, verdict_line};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:72em;color:#1b1b1b;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
.verdict{font-size:1.4em;font-weight:bold;padding:.6em 1em;border-radius:.3em;margin:1em 0}
.pass{background:#e3f4e3;color:#114d11;border:2px solid #2e7d32}.fail{background:#fbe5e5;color:#7a0c0c;border:2px solid #c62828}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
.bar{display:inline-block;height:.7em;background:#5c7cba;vertical-align:middle;margin-right:.4em}
.bad{color:#a00;font-weight:bold}.muted{color:#666}
";

fn party_cell(p: PartyId) -> String {
    format!(
        "{} <span class=\"muted\">(party {})</span>",
        escape(p.agency()),
        p.index()
    )
}

/// Renders the whole report as an HTML document.
pub fn render(report: &AuditReport) -> String {
    let mut s = String::with_capacity(16 * 1024);
    let j = &report.job;
    let pass = report.verdict == Verdict::Pass;
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
    let _ = write!(
        s,
        "<title>Samen audit: {} — {}</title>",
        escape(&j.job_id),
        if pass { "PASS" } else { "FAIL" }
    );
    let _ = write!(s, "<style>{STYLE}</style></head><body>");
    s.push_str("<h1>Samen audit report</h1>");
    let _ = write!(
        s,
        "<div id=\"verdict\" class=\"verdict {}\">{}</div>",
        if pass { "pass" } else { "fail" },
        escape(&verdict_line(report))
    );
    let _ = write!(
        s,
        "<p id=\"outcome\"><strong>Outcome:</strong> {}</p>",
        escape(&report.job_outcome)
    );

    s.push_str("<h2>The approved job</h2><table>");
    let rows = [
        ("Job id", escape(&j.job_id)),
        ("Description", escape(&j.description)),
        (
            "Job hash (BLAKE3 of the job file)",
            format!("<code>{}</code>", escape(&j.job_hash)),
        ),
        (
            "Circuit hash",
            format!("<code>{}</code>", escape(&j.circuit_hash)),
        ),
        (
            "Rules hash",
            format!("<code>{}</code>", escape(&j.rules_hash)),
        ),
        (
            "Federation fingerprint",
            format!("<code>{}</code>", escape(&j.federation_fingerprint)),
        ),
    ];
    for (k, v) in rows {
        let _ = write!(s, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    s.push_str("<tr><th>Output policy</th><td><ul>");
    for line in &j.policy {
        let _ = write!(s, "<li>{}</li>", escape(line));
    }
    s.push_str("</ul></td></tr></table>");

    s.push_str("<h2>Approvals</h2>");
    match &j.approvals {
        None => s.push_str("<p class=\"muted\">Not checked by this audit.</p>"),
        Some(list) => {
            s.push_str("<table><tr><th>Party</th><th>Approval</th></tr>");
            for a in list {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}{}</td></tr>",
                    party_cell(a.party),
                    if a.valid {
                        ""
                    } else {
                        "<span class=\"bad\">INVALID:</span> "
                    },
                    escape(&a.detail)
                );
            }
            if list.is_empty() {
                s.push_str("<tr><td colspan=\"2\" class=\"bad\">No approvals found.</td></tr>");
            }
            s.push_str("</table>");
        }
    }

    s.push_str("<h2>Transcripts</h2><table><tr><th>Party</th><th>File</th><th>Records</th><th>Last valid signed checkpoint</th><th>Complete</th><th>Outcome</th><th>Input commitment</th></tr>");
    for t in &report.transcripts {
        let _ = write!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            party_cell(t.party),
            escape(&t.label),
            t.records,
            t.last_valid_checkpoint.map(|m| format!("record {m}")).unwrap_or_else(|| "none".into()),
            if t.complete { "yes" } else { "<span class=\"bad\">no</span>" },
            escape(&outcome_text(t.outcome.as_ref())),
            t.input_commitment.map(hex::encode).unwrap_or_else(|| "none".into()),
        );
    }
    s.push_str("</table>");

    s.push_str("<h2>Disclosure: what each party learned</h2>");
    s.push_str("<table id=\"disclosure\"><tr><th>Party</th><th>Output</th><th>Values</th><th>Reveals</th><th>Phase</th><th>Permitted by the policy</th></tr>");
    for p in PartyId::ALL {
        let rows: Vec<_> = report.disclosure.iter().filter(|r| r.party == p).collect();
        if rows.is_empty() {
            let _ = write!(
                s,
                "<tr><td>{}</td><td colspan=\"5\">nothing: no values were opened to it</td></tr>",
                party_cell(p)
            );
        }
        for r in rows {
            let _ = write!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                party_cell(p),
                escape(&r.output),
                r.values,
                r.reveals,
                escape(&r.phases.join(", ")),
                if r.permitted { "yes" } else { "<span class=\"bad\">NO</span>" }
            );
        }
    }
    s.push_str("</table>");
    if !report.learned.is_empty() {
        s.push_str("<p>Numbers learned as documented protocol leakage (for example intersection sizes in record linkage):</p>");
        s.push_str("<table><tr><th>What</th><th>Value</th><th>Learned by</th><th>Phase</th></tr>");
        for l in &report.learned {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(&l.what),
                l.value,
                escape(&names(&l.to)),
                escape(&l.phase)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("<p class=\"muted\">Every party also learns the sizes and timing of the messages it receives; these follow from the public circuit and the table sizes.</p>");

    s.push_str("<h2>Phase timeline</h2>");
    let max = report
        .timeline
        .iter()
        .flat_map(|r| r.parties.iter().flatten().map(|t| t.bytes_sent))
        .max()
        .unwrap_or(0)
        .max(1);
    s.push_str("<table id=\"timeline\"><tr><th>Phase</th>");
    for p in PartyId::ALL {
        let _ = write!(
            s,
            "<th>{} sent</th><th>received</th><th>time</th>",
            escape(p.agency())
        );
    }
    s.push_str("</tr>");
    for row in &report.timeline {
        let _ = write!(s, "<tr><td>{}</td>", escape(&row.phase));
        for t in &row.parties {
            match t {
                None => s.push_str("<td colspan=\"3\" class=\"muted\">—</td>"),
                Some(t) => {
                    let width = (t.bytes_sent as f64 / max as f64 * 6.0).max(0.1);
                    let _ = write!(
                        s,
                        "<td class=\"num\"><span class=\"bar\" style=\"width:{width:.2}em\"></span>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                        escape(&bytes(t.bytes_sent)),
                        escape(&bytes(t.bytes_received)),
                        t.duration_ms.map(|d| format!("{d} ms")).unwrap_or_else(|| "—".into())
                    );
                }
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");

    let _ = write!(s, "<h2>Failures ({})</h2>", report.failures.len());
    if report.failures.is_empty() {
        s.push_str("<p>None: every check holds.</p>");
    } else {
        s.push_str("<ol id=\"failures\">");
        for f in &report.failures {
            let _ = write!(
                s,
                "<li><strong>{}</strong>: {}</li>",
                escape(&format!("{:?}", f.kind)),
                escape(&f.to_string())
            );
        }
        s.push_str("</ol>");
    }
    if !report.notes.is_empty() {
        s.push_str("<h2>Notes</h2><ul>");
        for n in &report.notes {
            let _ = write!(s, "<li>{}</li>", escape(n));
        }
        s.push_str("</ul>");
    }
    let _ = write!(
        s,
        "<p class=\"verdict {}\">{}</p>",
        if pass { "pass" } else { "fail" },
        escape(&verdict_line(report))
    );
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("<script>\"a\"&'b'</script>"),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(escape("x\u{1b}[31m"), "x\\u{1b}[31m");
    }
}
