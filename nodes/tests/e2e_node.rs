//! End-to-end tests of `samen node run`: three separate processes of the `samen` binary
//! talking QUIC over 127.0.0.1, as three agencies would run them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use samen_circuits::aio::{golden, HomeRule as AioHomeRule, DEFAULT_RULES};
use samen_node::approval::{approval_path, approve};
use samen_node::federation::Federation;
use samen_node::input::schema::LinkageMode;
use samen_node::job::{HomeRule, Job, JobParams};
use samen_node::keys::{load_secret_key_with_role, KeyRole};
use samen_node::run::demo::{
    check_candidates, expected_candidates, launch, prepare, Launch, LocalSetup, PreparedFederation,
};
use samen_node::run::output::CANDIDATES_FILE;
use samen_node::run::progress::CRASH_AT_PHASE_VAR;
use samen_protocol::PartyId;

fn samen() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_samen"))
}

fn setup(dir: &Path, households: usize, extra: Vec<samen_circuits::aio::Household>) -> LocalSetup {
    LocalSetup {
        households,
        seed: 11,
        rules: DEFAULT_RULES.to_string(),
        tolerance_bp: 0,
        home_rule: HomeRule::Loan,
        dir: dir.join("fed"),
        extra_households: extra,
        linkage: LinkageMode::Aligned,
        count_to_all: false,
        padding: None,
    }
}

fn transcript_in(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("transcript-"))
        })
}

fn no_candidates(prepared: &PreparedFederation) -> bool {
    !prepared.output_dirs[0].join(CANDIDATES_FILE).exists()
}

#[test]
fn three_processes_over_quic_match_the_reference_on_synthetic_and_golden_households() {
    let tmp = tempfile::tempdir().unwrap();
    // The golden edge cases of the default rules and policy, hand-derived flags.
    let golden: Vec<_> = golden::golden_cases()
        .into_iter()
        .filter(|c| {
            c.rules == DEFAULT_RULES
                && c.policy.tolerance_bp == 0
                && c.policy.home_rule == AioHomeRule::Loan
        })
        // Only households an SVB file can hold: no partner data without a partner (the
        // input validation refuses that, and the screening of such rows is tested in
        // the circuits crate).
        .filter(|c| {
            let h = &c.household;
            h.svb.household_type.is_couple()
                || (h.svb.aow_gross_partner_cents == 0 && h.partner == Default::default())
        })
        .collect();
    assert!(
        golden.len() >= 20,
        "expected many golden cases for the default rules, got {}",
        golden.len()
    );
    let s = setup(
        tmp.path(),
        1000,
        golden.iter().map(|c| c.household.clone()).collect(),
    );
    let prepared = prepare(&s).unwrap();
    let exits = launch(&Launch::with_binary(
        samen(),
        &prepared,
        Duration::from_secs(300),
    ))
    .unwrap();
    for e in &exits.exits {
        assert!(e.success, "node {} failed:\n{}", e.party, e.log);
    }
    let expected = expected_candidates(&prepared, &s).unwrap();
    // The reference agrees with the hand-derived golden flags ...
    for (i, c) in golden.iter().enumerate() {
        let id = samen_node::input::write::SyntheticKeys::household_id(1000 + i);
        assert_eq!(
            expected.contains(&id),
            c.expected_flag,
            "golden case {}",
            c.name
        );
    }
    // ... and the MPC result is exactly the reference's set.
    let n = check_candidates(&prepared, &expected).unwrap();
    assert!(n > 0 && n < 1000 + golden.len());
    let report = samen_node::run::demo::audit(&prepared).unwrap();
    assert!(
        report.passed(),
        "{}",
        samen_node::audit::report_text::render(&report)
    );
}

#[test]
fn a_job_missing_an_approval_is_refused_before_anything_is_sent() {
    let tmp = tempfile::tempdir().unwrap();
    let prepared = prepare(&setup(tmp.path(), 50, Vec::new())).unwrap();
    std::fs::remove_file(approval_path(&prepared.job, PartyId::BELASTINGDIENST)).unwrap();
    let mut l = Launch::with_binary(samen(), &prepared, Duration::from_secs(60));
    l.extra_args = vec!["--connect-timeout".into(), "3".into()];
    let exits = launch(&l).unwrap();
    for e in &exits.exits {
        assert!(
            !e.success,
            "node {} ran a job without all approvals",
            e.party
        );
        assert!(
            e.log.contains("approv") && e.log.contains("Belastingdienst"),
            "unclear error at {}:\n{}",
            e.party,
            e.log
        );
        assert!(e.log.contains("nothing was sent"), "{}", e.log);
    }
    for dir in &prepared.output_dirs {
        assert!(
            transcript_in(dir).is_none(),
            "a refused job must not start a transcript"
        );
    }
    assert!(no_candidates(&prepared));
}

#[test]
fn peers_running_different_jobs_abort() {
    let tmp = tempfile::tempdir().unwrap();
    let prepared = prepare(&setup(tmp.path(), 50, Vec::new())).unwrap();
    // A second, equally approved job with another tolerance.
    let federation = Federation::load(&prepared.federation).unwrap();
    let params = JobParams {
        rules: DEFAULT_RULES.into(),
        tolerance_bp: 500,
        home_rule: HomeRule::Loan,
        count_to_all: false,
        linkage: LinkageMode::Aligned,
        households: Some(50),
        padding: None,
    };
    let other = Job::new(&federation, &params).unwrap();
    let other_path = prepared.dir.join("other-job.toml");
    let bytes = other.to_toml().into_bytes();
    std::fs::write(&other_path, &bytes).unwrap();
    for party in PartyId::ALL {
        let key = load_secret_key_with_role(
            &prepared
                .dir
                .join(party.short_name())
                .join("approver")
                .join("approver.key"),
            KeyRole::Approver,
        )
        .unwrap();
        approve(&key, &bytes)
            .save(&approval_path(&other_path, party))
            .unwrap();
    }
    let mut l = Launch::with_binary(samen(), &prepared, Duration::from_secs(120));
    l.jobs[2] = other_path;
    l.extra_args = vec!["--connect-timeout".into(), "10".into()];
    let exits = launch(&l).unwrap();
    for e in &exits.exits {
        assert!(
            !e.success,
            "node {} ran with a peer on another job",
            e.party
        );
        assert!(e.log.contains("job aborted"), "{}:\n{}", e.party, e.log);
    }
    assert!(
        exits.exits[2].log.contains("different job")
            || exits.exits[0].log.contains("different job"),
        "no node named the job mismatch"
    );
    assert!(no_candidates(&prepared));
}

#[test]
fn a_node_killed_mid_run_makes_the_others_abort_with_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let prepared = prepare(&setup(tmp.path(), 2000, Vec::new())).unwrap();
    let mut l = Launch::with_binary(samen(), &prepared, Duration::from_secs(120));
    l.extra_args = vec!["--recv-timeout".into(), "20".into()];
    // UWV dies at the start of the circuit phase (after the key set-up and sizes).
    let exits = {
        // Only the UWV process gets the crash variable: launch a wrapper that sets it.
        let wrapper = tmp.path().join("crash-uwv.sh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\ncase \"$*\" in *uwv/node.toml*) export {CRASH_AT_PHASE_VAR}=evaluate;; *) unset {CRASH_AT_PHASE_VAR};; esac\nexec '{}' \"$@\"\n",
                samen().display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        l.exe = wrapper;
        launch(&l).unwrap()
    };
    assert!(
        !exits.exits[1].success && exits.exits[1].log.contains("crashing on purpose"),
        "{}",
        exits.exits[1].log
    );
    for i in [0, 2] {
        let e = &exits.exits[i];
        assert!(!e.success, "node {} finished although UWV died", e.party);
        assert!(
            e.log.contains("job aborted") && e.log.contains("no output was written"),
            "{}:\n{}",
            e.party,
            e.log
        );
    }
    assert!(
        exits.seconds < 100.0,
        "the survivors took {} s to give up",
        exits.seconds
    );
    assert!(no_candidates(&prepared));
    // Their transcripts are complete and record the abort.
    for i in [0, 2] {
        let t = transcript_in(&prepared.output_dirs[i]).expect("a transcript of the aborted job");
        let text = std::fs::read_to_string(t).unwrap();
        assert!(
            text.to_lowercase().contains("abort"),
            "transcript of {} does not record the abort",
            PartyId::ALL[i]
        );
    }
}

#[test]
fn malformed_input_stops_the_node_before_it_connects() {
    let tmp = tempfile::tempdir().unwrap();
    let prepared = prepare(&setup(tmp.path(), 30, Vec::new())).unwrap();
    // Corrupt one amount of UWV's file (row 4, a negative number of cents).
    let uwv = &prepared.inputs[1];
    let text = std::fs::read_to_string(uwv).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let cells: Vec<&str> = lines[3].split(',').collect();
    let mut cells: Vec<String> = cells.iter().map(|s| s.to_string()).collect();
    let last = cells.len() - 1;
    cells[last] = "-5".into();
    lines[3] = cells.join(",");
    std::fs::write(uwv, lines.join("\n") + "\n").unwrap();
    let mut l = Launch::with_binary(samen(), &prepared, Duration::from_secs(60));
    l.extra_args = vec!["--connect-timeout".into(), "3".into()];
    let exits = launch(&l).unwrap();
    let e = &exits.exits[1];
    assert!(!e.success);
    assert!(
        e.log.contains("row 4") || e.log.contains("line 4"),
        "the error must name the row:\n{}",
        e.log
    );
    assert!(e.log.contains("nothing was sent"), "{}", e.log);
    assert!(transcript_in(&prepared.output_dirs[1]).is_none());
    // The two others never got a connection from UWV: their transcripts hold no message.
    for i in [0, 2] {
        assert!(!exits.exits[i].success);
        let t = transcript_in(&prepared.output_dirs[i]).expect("transcript");
        let parsed = samen_node::transcript::read_file(&t).unwrap();
        let messages = parsed
            .entries
            .iter()
            .filter(|e| matches!(e.record, samen_node::transcript::Record::Message(_)))
            .count();
        assert_eq!(
            messages,
            0,
            "{} exchanged messages although UWV never connected",
            PartyId::ALL[i]
        );
    }
    assert!(no_candidates(&prepared));
}

#[test]
fn evidence_replay_clears_honest_parties_and_catches_an_altered_input() {
    use samen_node::run::node::evidence_file_name;
    use samen_node::run::replay::{replay_party, ReplayOptions};
    let tmp = tempfile::tempdir().unwrap();
    let prepared = prepare(&setup(tmp.path(), 300, Vec::new())).unwrap();
    let mut l = Launch::with_binary(samen(), &prepared, Duration::from_secs(120));
    l.extra_args = vec!["--keep-evidence".into()];
    let exits = launch(&l).unwrap();
    for e in &exits.exits {
        assert!(e.success, "node {} failed:\n{}", e.party, e.log);
    }
    let job = samen_node::job::Job::load(&prepared.job).unwrap().0;
    let job_id = hex::encode(job.job_id.0);
    let options = |party: PartyId, input: PathBuf| ReplayOptions {
        config: prepared.node_configs[party.index()].clone(),
        job: prepared.job.clone(),
        input,
        transcript: transcript_in(&prepared.output_dirs[party.index()]).unwrap(),
        evidence: prepared.output_dirs[party.index()].join(evidence_file_name(party, &job_id)),
    };
    // Every honest party's replay recomputes its sent messages and they all match.
    for party in PartyId::ALL {
        let report = replay_party(&options(party, prepared.inputs[party.index()].clone())).unwrap();
        assert!(report.passed, "{party}: {:?}", report.problems);
        assert!(report.compared > 0, "{party}: nothing compared");
    }
    // A party that claims another input than the one it used: its messages do not follow.
    let altered = tmp.path().join("uwv-altered.csv");
    let text = std::fs::read_to_string(&prepared.inputs[1]).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
    let last = cells.len() - 1;
    cells[last] = (cells[last].parse::<u64>().unwrap() + 100).to_string();
    lines[1] = cells.join(",");
    std::fs::write(&altered, lines.join("\n") + "\n").unwrap();
    let report = replay_party(&options(PartyId::UWV, altered)).unwrap();
    assert!(!report.passed, "a replay from another input must fail");
    assert!(!report.problems.is_empty());
}

#[test]
fn count_to_all_opens_the_number_of_flagged_households_to_every_party_in_both_modes() {
    for linkage in [LinkageMode::Aligned, LinkageMode::Linked] {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = setup(tmp.path(), 400, Vec::new());
        s.linkage = linkage;
        s.count_to_all = true;
        let prepared = prepare(&s).unwrap();
        let exits = launch(&Launch::with_binary(
            samen(),
            &prepared,
            Duration::from_secs(300),
        ))
        .unwrap();
        for e in &exits.exits {
            assert!(
                e.success,
                "{linkage:?}: node {} failed:\n{}",
                e.party, e.log
            );
        }
        let expected = expected_candidates(&prepared, &s).unwrap();
        assert_eq!(
            check_candidates(&prepared, &expected).unwrap(),
            expected.len()
        );
        for e in &exits.exits {
            let summary = e.summary.as_ref().unwrap();
            assert_eq!(
                summary.flag_count,
                Some(expected.len() as u64),
                "{linkage:?}: count at {}",
                e.party
            );
        }
        // The audit accepts exactly this extra disclosure under the job's output policy.
        let report = samen_node::run::demo::audit(&prepared).unwrap();
        assert!(
            report.passed(),
            "{linkage:?}:\n{}",
            samen_node::audit::report_text::render(&report)
        );
    }
}

#[test]
fn padding_blurs_the_disclosed_table_sizes_and_changes_no_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = setup(tmp.path(), 300, Vec::new());
    s.linkage = LinkageMode::Linked;
    s.count_to_all = true;
    s.padding = Some([17, 40, 25]);
    let prepared = prepare(&s).unwrap();
    let exits = launch(&Launch::with_binary(
        samen(),
        &prepared,
        Duration::from_secs(300),
    ))
    .unwrap();
    for e in &exits.exits {
        assert!(e.success, "node {} failed:\n{}", e.party, e.log);
    }
    // Dummy rows change no flag and no count ...
    let expected = expected_candidates(&prepared, &s).unwrap();
    assert_eq!(
        check_candidates(&prepared, &expected).unwrap(),
        expected.len()
    );
    for e in &exits.exits {
        assert_eq!(
            e.summary.as_ref().unwrap().flag_count,
            Some(expected.len() as u64)
        );
    }
    // ... and the disclosed SVB table size includes them.
    let report = samen_node::run::demo::audit(&prepared).unwrap();
    assert!(
        report.passed(),
        "{}",
        samen_node::audit::report_text::render(&report)
    );
    let text = samen_node::audit::report_text::render(&report);
    assert!(
        text.contains("SVB households (with padding) = 317"),
        "{text}"
    );
}
