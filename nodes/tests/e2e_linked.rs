//! End-to-end tests of the linked mode (private record linkage, the default of
//! `samen demo`): three `samen node run` processes over loopback QUIC, with the UWV and
//! Belastingdienst files in their own order and holding persons outside the SVB's
//! households; the SVB's candidates must equal the plaintext reference and the audit
//! must pass.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use samen_circuits::aio::{golden, HomeRule as AioHomeRule, DEFAULT_RULES};
use samen_node::input::schema::LinkageMode;
use samen_node::job::{HomeRule, Job};
use samen_node::run::demo::{
    audit, check_candidates, expected_candidates, launch, prepare, Launch, LocalSetup,
};
use samen_node::run::output::CANDIDATES_FILE;

fn samen() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_samen"))
}

fn linked_setup(
    dir: &Path,
    households: usize,
    extra: Vec<samen_circuits::aio::Household>,
) -> LocalSetup {
    LocalSetup {
        households,
        seed: 23,
        rules: DEFAULT_RULES.to_string(),
        tolerance_bp: 0,
        home_rule: HomeRule::Loan,
        dir: dir.join("fed"),
        extra_households: extra,
        linkage: LinkageMode::Linked,
        count_to_all: false,
        padding: None,
    }
}

/// The BSNs in the first column of a CSV file (UWV and Belastingdienst linked layout).
fn first_column_bsns(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn linked_job_over_quic_matches_the_reference_with_extra_persons_and_own_file_orders() {
    let tmp = tempfile::tempdir().unwrap();
    let golden: Vec<_> = golden::golden_cases()
        .into_iter()
        .filter(|c| {
            c.rules == DEFAULT_RULES
                && c.policy.tolerance_bp == 0
                && c.policy.home_rule == AioHomeRule::Loan
        })
        .filter(|c| {
            let h = &c.household;
            h.svb.household_type.is_couple()
                || (h.svb.aow_gross_partner_cents == 0 && h.partner == Default::default())
        })
        .collect();
    let s = linked_setup(
        tmp.path(),
        1200,
        golden.iter().map(|c| c.household.clone()).collect(),
    );
    let prepared = prepare(&s).unwrap();
    let (job, _) = Job::load(&prepared.job).unwrap();
    assert_eq!(job.linkage.mode, LinkageMode::Linked);

    // The files are what real registers would hold: persons outside the SVB's population,
    // and not in the SVB's order.
    let svb_text = std::fs::read_to_string(&prepared.inputs[0]).unwrap();
    let svb_bsns: Vec<String> = svb_text
        .lines()
        .skip(1)
        .flat_map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            [cells[1].to_string(), cells[2].to_string()]
        })
        .filter(|b| !b.is_empty())
        .collect();
    let members: HashSet<&String> = svb_bsns.iter().collect();
    for party in [1, 2] {
        let bsns = first_column_bsns(&prepared.inputs[party]);
        let outside = bsns.iter().filter(|b| !members.contains(b)).count();
        assert!(
            outside * 100 >= bsns.len() * 10,
            "party {party}: only {outside} of {} rows outside the SVB's households",
            bsns.len()
        );
        let in_svb_order: Vec<&String> = svb_bsns.iter().filter(|b| bsns.contains(b)).collect();
        let in_file: Vec<&String> = bsns.iter().filter(|b| members.contains(b)).collect();
        assert_ne!(
            in_svb_order, in_file,
            "party {party}'s file follows the SVB's order"
        );
    }

    let exits = launch(&Launch::with_binary(
        samen(),
        &prepared,
        Duration::from_secs(600),
    ))
    .unwrap();
    for e in &exits.exits {
        assert!(e.success, "node {} failed:\n{}", e.party, e.log);
    }
    let expected = expected_candidates(&prepared, &s).unwrap();
    for (i, c) in golden.iter().enumerate() {
        let id = samen_node::input::write::SyntheticKeys::household_id(1200 + i);
        assert_eq!(
            expected.contains(&id),
            c.expected_flag,
            "golden case {}",
            c.name
        );
    }
    let n = check_candidates(&prepared, &expected).unwrap();
    assert!(n > 0 && n < expected.len() + 1 && n < 1200 + golden.len());
    for dir in &prepared.output_dirs[1..] {
        assert!(
            !dir.join(CANDIDATES_FILE).exists(),
            "only the SVB writes candidates"
        );
    }

    // The summaries name the phases of the linked mode and no aligned `sizes` phase.
    for e in &exits.exits {
        let s = e.summary.as_ref().unwrap();
        let names: Vec<&str> = s.phases.iter().map(|p| p.name.as_str()).collect();
        assert!(
            names.contains(&"linkage") && names.contains(&"evaluate") && names.contains(&"output"),
            "{names:?}"
        );
        assert!(!names.contains(&"sizes"), "{names:?}");
    }

    // The audit passes, permits the linked output label, and shows the linkage's
    // disclosure: the table sizes equal the files' populations.
    let report = audit(&prepared).unwrap();
    let text = samen_node::audit::report_text::render(&report);
    assert!(report.passed(), "{text}");
    assert!(
        text.contains(samen_node::audit::job::LINKAGE_OUTPUT),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "SVB households (with padding) = {}",
            1200 + golden.len()
        )),
        "{text}"
    );
    let bd_rows = first_column_bsns(&prepared.inputs[2]).len();
    assert!(
        text.contains(&format!(
            "Belastingdienst persons (with padding) = {bd_rows}"
        )),
        "{text}"
    );
    let uwv_persons: HashSet<String> = first_column_bsns(&prepared.inputs[1]).into_iter().collect();
    assert!(
        text.contains(&format!(
            "UWV persons (with padding) = {}",
            uwv_persons.len()
        )),
        "{text}"
    );
}

#[test]
fn a_duplicate_person_at_the_belastingdienst_stops_the_node_before_it_connects() {
    let tmp = tempfile::tempdir().unwrap();
    let prepared = prepare(&linked_setup(tmp.path(), 40, Vec::new())).unwrap();
    let bd = &prepared.inputs[2];
    let text = std::fs::read_to_string(bd).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let dup = lines[2];
    lines.push(dup);
    std::fs::write(bd, lines.join("\n") + "\n").unwrap();
    let mut l = Launch::with_binary(samen(), &prepared, Duration::from_secs(60));
    l.extra_args = vec!["--connect-timeout".into(), "3".into()];
    let exits = launch(&l).unwrap();
    let e = &exits.exits[2];
    assert!(!e.success);
    assert!(e.log.to_lowercase().contains("duplicate"), "{}", e.log);
    assert!(e.log.contains("nothing was sent"), "{}", e.log);
    assert!(!prepared.output_dirs[0].join(CANDIDATES_FILE).exists());
}
