//! Job files and approvals: round trip, approve/verify (valid, missing one, wrong key,
//! altered bytes, duplicates), approval files on disk, single-use job ids, refusals.

use ed25519_dalek::SigningKey;
use samen_node::approval::{self, approval_path, verify_approvals, Approval, ApprovalError};
use samen_node::federation::{Federation, PartyEntry};
use samen_node::input::schema::LinkageMode;
use samen_node::job::{
    check_and_mark_job_id, Hash32, HomeRule, Job, JobError, JobIdError, JobParams,
};
use samen_node::keys::{KeyRole, SecretKeyFile};
use samen_protocol::PartyId;

struct Setup {
    federation: Federation,
    approvers: Vec<SecretKeyFile>,
    node_keys: Vec<SecretKeyFile>,
}

fn setup() -> Setup {
    let mut rng = rand::rngs::OsRng;
    let mut entries = Vec::new();
    let mut approvers = Vec::new();
    let mut node_keys = Vec::new();
    for party in PartyId::ALL {
        let node = SigningKey::generate(&mut rng);
        let approver = SigningKey::generate(&mut rng);
        entries.push(PartyEntry {
            id: party,
            name: party.agency().into(),
            address: format!("127.0.0.1:{}", 7000 + party.index()),
            cert_fingerprint: [party.index() as u8 + 1; 32],
            signing_key: node.verifying_key(),
            approver_key: approver.verifying_key(),
        });
        approvers.push(SecretKeyFile {
            party,
            role: KeyRole::Approver,
            key: approver,
        });
        node_keys.push(SecretKeyFile {
            party,
            role: KeyRole::Node,
            key: node,
        });
    }
    Setup {
        federation: Federation::new(entries).unwrap(),
        approvers,
        node_keys,
    }
}

fn params() -> JobParams {
    JobParams {
        rules: "aio-2025-07".into(),
        tolerance_bp: 250,
        home_rule: HomeRule::Count,
        count_to_all: true,
        linkage: LinkageMode::Aligned,
        households: Some(1000),
        padding: None,
    }
}

fn job_bytes(s: &Setup) -> (Job, Vec<u8>) {
    let job = Job::from_parts(&s.federation, &params(), Hash32([7; 32]), Hash32([9; 32])).unwrap();
    let bytes = job.to_toml().into_bytes();
    (job, bytes)
}

#[test]
fn job_file_round_trips_and_ids_are_fresh() {
    let s = setup();
    let (job, bytes) = job_bytes(&s);
    let parsed = Job::parse(&bytes).unwrap();
    assert_eq!(parsed, job);
    assert_eq!(parsed.policy.tolerance_bp, 250);
    assert_eq!(parsed.linkage.households, Some(1000));
    assert_eq!(
        parsed.federation_fingerprint,
        Hash32(s.federation.fingerprint())
    );
    let (other, _) = job_bytes(&s);
    assert_ne!(other.job_id, job.job_id);
    let text = job.describe(&bytes);
    for needle in [
        "SVB",
        "250 basis points",
        "number of flagged households",
        "aligned",
        "applicant_bsn",
    ] {
        assert!(text.contains(needle), "describe lacks {needle}:\n{text}");
    }
}

#[test]
fn all_three_valid_approvals_pass() {
    let s = setup();
    let (_, bytes) = job_bytes(&s);
    let approvals: Vec<Approval> = s
        .approvers
        .iter()
        .map(|k| approval::approve(k, &bytes))
        .collect();
    verify_approvals(&s.federation, &bytes, &approvals).unwrap();
    // Order does not matter.
    let reversed: Vec<Approval> = approvals.iter().rev().cloned().collect();
    verify_approvals(&s.federation, &bytes, &reversed).unwrap();
}

#[test]
fn a_missing_approval_is_refused() {
    let s = setup();
    let (_, bytes) = job_bytes(&s);
    for missing in PartyId::ALL {
        let approvals: Vec<Approval> = s
            .approvers
            .iter()
            .filter(|k| k.party != missing)
            .map(|k| approval::approve(k, &bytes))
            .collect();
        assert_eq!(
            verify_approvals(&s.federation, &bytes, &approvals),
            Err(ApprovalError::Missing(missing))
        );
    }
    assert_eq!(
        verify_approvals(&s.federation, &bytes, &[]),
        Err(ApprovalError::Missing(PartyId::SVB))
    );
}

#[test]
fn a_wrong_key_is_refused() {
    let s = setup();
    let (_, bytes) = job_bytes(&s);
    let mut approvals: Vec<Approval> = s
        .approvers
        .iter()
        .map(|k| approval::approve(k, &bytes))
        .collect();
    // UWV's node key (not its approver key) signs in UWV's name.
    let node_as_approver = SecretKeyFile {
        party: PartyId::UWV,
        role: KeyRole::Approver,
        key: s.node_keys[1].key.clone(),
    };
    approvals[1] = approval::approve(&node_as_approver, &bytes);
    assert_eq!(
        verify_approvals(&s.federation, &bytes, &approvals),
        Err(ApprovalError::NotFederationKey(PartyId::UWV))
    );
    // SVB's approver signs and claims to be the Belastingdienst.
    let mut approvals: Vec<Approval> = s
        .approvers
        .iter()
        .map(|k| approval::approve(k, &bytes))
        .collect();
    approvals[2] = approval::approve(&s.approvers[0], &bytes);
    approvals[2].party = PartyId::BELASTINGDIENST;
    assert_eq!(
        verify_approvals(&s.federation, &bytes, &approvals),
        Err(ApprovalError::NotFederationKey(PartyId::BELASTINGDIENST))
    );
    // The right public key with a signature made by another key.
    let mut approvals: Vec<Approval> = s
        .approvers
        .iter()
        .map(|k| approval::approve(k, &bytes))
        .collect();
    approvals[0].signature = approval::approve(&s.approvers[1], &bytes).signature;
    assert_eq!(
        verify_approvals(&s.federation, &bytes, &approvals),
        Err(ApprovalError::BadSignature(PartyId::SVB))
    );
}

#[test]
fn altered_job_bytes_are_refused() {
    let s = setup();
    let (_, bytes) = job_bytes(&s);
    let approvals: Vec<Approval> = s
        .approvers
        .iter()
        .map(|k| approval::approve(k, &bytes))
        .collect();
    // A changed tolerance.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let altered = text.replace("tolerance_bp = 250", "tolerance_bp = 900");
    assert_ne!(altered, text);
    assert_eq!(
        verify_approvals(&s.federation, altered.as_bytes(), &approvals),
        Err(ApprovalError::BadSignature(PartyId::SVB))
    );
    // Even a whitespace change counts.
    let mut spaced = bytes.clone();
    spaced.push(b'\n');
    assert!(verify_approvals(&s.federation, &spaced, &approvals).is_err());
    // One flipped bit anywhere.
    for i in [0, bytes.len() / 2, bytes.len() - 1] {
        let mut flipped = bytes.clone();
        flipped[i] ^= 1;
        assert!(
            verify_approvals(&s.federation, &flipped, &approvals).is_err(),
            "byte {i}"
        );
    }
}

#[test]
fn duplicate_approvals_are_refused() {
    let s = setup();
    let (_, bytes) = job_bytes(&s);
    let mut approvals: Vec<Approval> = s
        .approvers
        .iter()
        .map(|k| approval::approve(k, &bytes))
        .collect();
    approvals.push(approvals[1].clone());
    assert_eq!(
        verify_approvals(&s.federation, &bytes, &approvals),
        Err(ApprovalError::Duplicate(PartyId::UWV))
    );
}

#[test]
fn approval_files_round_trip_next_to_the_job() {
    let s = setup();
    let dir = tempfile::tempdir().unwrap();
    let job_path = dir.path().join("job.toml");
    let (_, bytes) = job_bytes(&s);
    std::fs::write(&job_path, &bytes).unwrap();
    for k in &s.approvers[..2] {
        approval::approve(k, &bytes)
            .save(&approval_path(&job_path, k.party))
            .unwrap();
    }
    assert_eq!(
        approval_path(&job_path, PartyId::UWV),
        dir.path().join("job.toml.uwv.sig")
    );
    let loaded = approval::load_approvals_for(&job_path).unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(
        verify_approvals(&s.federation, &bytes, &loaded),
        Err(ApprovalError::Missing(PartyId::BELASTINGDIENST))
    );
    approval::approve(&s.approvers[2], &bytes)
        .save(&approval_path(&job_path, PartyId::BELASTINGDIENST))
        .unwrap();
    let loaded = approval::load_approvals_for(&job_path).unwrap();
    verify_approvals(&s.federation, &bytes, &loaded).unwrap();
    // An approval file under another party's name is refused when loading.
    std::fs::copy(
        approval_path(&job_path, PartyId::SVB),
        approval_path(&job_path, PartyId::UWV),
    )
    .unwrap();
    assert!(approval::load_approvals_for(&job_path).is_err());
}

#[test]
fn job_ids_are_single_use() {
    let s = setup();
    let (job, _) = job_bytes(&s);
    let state = tempfile::tempdir().unwrap();
    check_and_mark_job_id(state.path(), &job.job_id).unwrap();
    let err = check_and_mark_job_id(state.path(), &job.job_id).unwrap_err();
    assert!(matches!(err, JobIdError::AlreadyUsed(id) if id == job.job_id));
    assert!(err.to_string().contains("already been run"));
    let (fresh, _) = job_bytes(&s);
    check_and_mark_job_id(state.path(), &fresh.job_id).unwrap();
}

#[test]
fn a_job_for_another_federation_is_refused() {
    let s = setup();
    let other = setup();
    let (job, _) = job_bytes(&s);
    assert!(matches!(
        job.check_against(&other.federation),
        Err(JobError::FederationMismatch { .. })
    ));
}

#[test]
fn malformed_job_files_are_refused_with_the_field() {
    let s = setup();
    let (_, bytes) = job_bytes(&s);
    let text = String::from_utf8(bytes).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (
            text.replace("format = \"samen-job/1\"", "format = \"samen-job/9\""),
            "format",
        ),
        (
            text.replace("tolerance_bp = 250", "tolerance_bp = 20000"),
            "tolerance_bp",
        ),
        (
            text.replace("flags_to = \"svb\"", "flags_to = \"uwv\""),
            "flags_to",
        ),
        (
            text.replace("home_rule = \"count\"", "home_rule = \"maybe\""),
            "home_rule",
        ),
        (
            text.replace(
                "security_mode = \"semi-honest\"",
                "security_mode = \"trusting\"",
            ),
            "security_mode",
        ),
        (
            text.replacen("max = 4294967295", "max = 4294967296", 1),
            "range",
        ),
        (
            text.replacen("name = \"applicant_bsn\"", "name = \"applicant_id\"", 1),
            "applicant_id",
        ),
        (
            text.replace("households = 1000", "households = 0"),
            "households",
        ),
        (format!("{text}\nextra = 1\n"), "extra"),
        (
            text.replace("count_to_all = true", "count_to_all = \"yes\""),
            "count_to_all",
        ),
        ("not toml at all [".to_string(), "job file"),
        (
            text.replace("mode = \"aligned\"", "mode = \"linked\""),
            "households",
        ),
        (
            text.replace("mode = \"aligned\"", "mode = \"linked\"")
                .replace("households = 1000\n", ""),
            "inputs.uwv",
        ),
    ];
    for (bad, needle) in cases {
        let err = Job::parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
    }
    let id_start = text.find("job_id = \"").unwrap() + 10;
    let mut short_id = text.clone();
    short_id.replace_range(id_start..id_start + 2, "");
    assert!(Job::parse(short_id.as_bytes())
        .unwrap_err()
        .to_string()
        .contains("hex"));
}

#[test]
fn job_new_compiles_the_circuit_and_nodes_recompute_it() {
    let s = setup();
    let job = Job::new(&s.federation, &params()).unwrap();
    job.check_against(&s.federation).unwrap();
    assert_eq!(
        job.circuit.hash.0,
        samen_node::job::expected_circuit_hash(&job).unwrap()
    );
    // Another policy is another circuit: a job whose policy was edited after its circuit
    // hash was computed is refused.
    let mut edited = job.clone();
    edited.policy.tolerance_bp += 1;
    assert!(matches!(
        edited.check_against(&s.federation),
        Err(JobError::HashMismatch {
            what: "circuit",
            ..
        })
    ));
    let mut edited = job.clone();
    edited.policy.home_rule = HomeRule::Loan;
    assert!(matches!(
        edited.check_against(&s.federation),
        Err(JobError::HashMismatch {
            what: "circuit",
            ..
        })
    ));
    // Other rules, other hash.
    let mut older = params();
    older.rules = "aio-2024-07".into();
    let old = Job::new(&s.federation, &older).unwrap();
    assert_ne!(old.rules.hash, job.rules.hash);
    assert_ne!(old.circuit.hash, job.circuit.hash);
}

#[test]
fn builtin_rules_hash_is_checked() {
    let s = setup();
    // The job names real rules but with a wrong hash: refused.
    let (job, _) = job_bytes(&s);
    match job.check_against(&s.federation) {
        Err(JobError::HashMismatch { what: "rules", .. }) => {}
        other => panic!("expected a rules hash mismatch, got {other:?}"),
    }
    let mut unknown = params();
    unknown.rules = "aio-1999-01".into();
    assert!(matches!(
        samen_node::job::builtin_rules_hash(&unknown.rules),
        Err(JobError::UnknownRules { .. })
    ));
    let names = samen_node::job::builtin_rules_names();
    assert!(names.iter().any(|n| n == "aio-2025-07"), "{names:?}");
    let h = samen_node::job::builtin_rules_hash("aio-2025-07").unwrap();
    assert_eq!(
        h,
        *blake3::hash(include_bytes!("../../circuits/rules/aio-2025-07.toml")).as_bytes()
    );
}
