//! The audit reports: the text report names verdict, disclosure and failures; the HTML
//! report is self-contained, escapes everything, and renders in headless Chromium with
//! the verdict visible.
//!
//! The Chromium test needs Debian's `chromium` package (`apt-get install -y chromium`);
//! without it the test fails and says so.

mod transcript_support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use samen_node::audit::{report_html, report_text, verify_files, AuditReport, FailureKind};
use samen_node::transcript::format::{Outcome, Record};
use samen_protocol::PartyId;
use transcript_support::*;

fn honest_report(dir: &Path, tag: u8) -> AuditReport {
    let job = approved_job(tag);
    let run = run_job(dir, &job, "run");
    verify_files(&job, &run.paths).unwrap()
}

/// A failing audit whose transcripts carry markup in every free-text field.
fn hostile_report(dir: &Path) -> AuditReport {
    let mut job = approved_job(40);
    job.description = "<b>bold</b> & \"quoted\"".into();
    let run = run_job(dir, &job, "run");
    for p in PartyId::ALL {
        let path = &run.paths[p.index()];
        let mut records = records_of(path);
        for r in records.iter_mut() {
            match r {
                Record::Phase { name, .. } if name == "multiply" => {
                    *name = "<script>alert(1)</script>".into()
                }
                Record::Message(m) if m.phase == "multiply" => {
                    m.phase = "<script>alert(1)</script>".into()
                }
                Record::Outcome { outcome, .. } if p == PartyId::UWV => {
                    *outcome = Outcome::Abort {
                        reason: "<img src=x onerror=alert(2)>\u{1b}[31m".into(),
                    }
                }
                _ => {}
            }
        }
        rewrite(path, &records, &node_keys()[p.index()]);
    }
    // And one transcript altered after signing.
    let mut l = lines(&run.paths[2]);
    l.swap(5, 6);
    std::fs::write(&run.paths[2], join(&l)).unwrap();
    verify_files(&job, &run.paths).unwrap()
}

#[test]
fn the_text_report_states_verdict_job_disclosure_and_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let report = honest_report(dir.path(), 30);
    let text = report_text::render(&report);
    assert!(text.starts_with("Samen audit report"));
    assert!(text.contains("VERDICT: PASS"));
    assert!(text.contains(&hex::encode([30u8; 32])), "the job hash");
    let line_of = |who: &str, what: &str| {
        text.lines()
            .any(|l| l.trim_start().starts_with(who) && l.contains(what))
    };
    assert!(
        line_of(
            "SVB ",
            &format!("{ROWS} value(s) of `flags` in 1 reveal(s)")
        ),
        "{text}"
    );
    assert!(line_of("UWV ", "1 value(s) of `flag_count`"), "{text}");
    assert!(!line_of("UWV ", "`flags`"), "{text}");
    assert!(
        text.contains("linkage/matched/uwv = 7 (learned by SVB, UWV and Belastingdienst"),
        "{text}"
    );
    assert!(text.contains("multiply"));
    assert!(text.contains("approvals: not checked by this audit"));
    assert!(text.contains("Failures: none"));
}

#[test]
fn the_text_report_names_failures_and_escapes_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let report = hostile_report(dir.path());
    assert!(report.has_failure(FailureKind::RecordOrder));
    let text = report_text::render(&report);
    assert!(text.contains("VERDICT: FAIL"));
    assert!(
        text.contains("[RecordOrder] Belastingdienst transcript, record 6"),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no raw escape character reaches the terminal"
    );
    assert!(text.contains("\\u{1b}[31m"));
}

#[test]
fn the_html_report_is_self_contained_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let html = report_html::render(&hostile_report(dir.path()));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("VERDICT: FAIL"));
    for forbidden in [
        "<script", "<img", "<link", "src=\"", "href=", "url(", "@import", "http://", "https://",
        "<b>",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} in the page");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"));
    assert!(html.contains("default-src 'none'"));
}

/// Where Chromium is: `/usr/bin/chromium`, or `chromium` on the PATH.
fn chromium() -> PathBuf {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return fixed;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let c = dir.join("chromium");
            if c.is_file() {
                return c;
            }
        }
    }
    panic!(
        "headless Chromium is needed for this test but was not found at /usr/bin/chromium or on PATH; \
         install it with `apt-get update && apt-get install -y chromium`"
    );
}

/// Renders `page` in headless Chromium and returns the DOM after rendering.
fn render_in_chromium(page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .env("HOME", profile.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match child.try_wait().unwrap() {
            Some(_) => break,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish rendering within 120 s");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    reader.join().unwrap()
}

#[test]
fn the_html_report_renders_in_headless_chromium_and_shows_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let pass = honest_report(&dir.path().join("pass").tap_mkdir(), 31);
    let fail = hostile_report(&dir.path().join("fail").tap_mkdir());
    for (report, verdict) in [(pass, "VERDICT: PASS"), (fail, "VERDICT: FAIL")] {
        let page = dir.path().join(format!("{}.html", &verdict[9..]));
        std::fs::write(&page, report_html::render(&report)).unwrap();
        // To look at the pages: SAMEN_AUDIT_REPORT_DIR=/some/dir cargo test ...
        if let Some(keep) = std::env::var_os("SAMEN_AUDIT_REPORT_DIR") {
            std::fs::copy(&page, Path::new(&keep).join(page.file_name().unwrap())).unwrap();
        }
        let dom = render_in_chromium(&page);
        assert!(
            dom.contains("<body"),
            "chromium produced no DOM: {dom:.200}"
        );
        let verdict_div = dom
            .find("id=\"verdict\"")
            .expect("the verdict element is in the rendered DOM");
        assert!(dom[verdict_div..].contains(verdict), "{verdict} not shown");
        assert!(dom.contains("Disclosure: what each party learned"));
        // The markup in transcript text stayed text.
        assert!(!dom.contains("<script"));
        assert!(!dom.contains("<img"));
    }
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
