//! The `samen` binary end to end for set-up: keygen, federation check, job show and
//! approve, input check — exit codes and what they print.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use samen_node::approval::{self, approval_path};
use samen_node::federation::{Federation, PartyEntry};
use samen_node::job::{HomeRule, Job};
use samen_node::keys;
use samen_protocol::PartyId;

fn samen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_samen"))
        .args(args)
        .output()
        .expect("run samen")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "samen failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "samen succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs keygen for the three nodes and approvers; writes federation.toml from the public
/// files. Returns the federation path.
fn set_up(dir: &Path) -> PathBuf {
    let mut entries = Vec::new();
    for party in PartyId::ALL {
        let name = party.short_name();
        let node_dir = dir.join(name).join("node");
        let officer_dir = dir.join(name).join("officer");
        let out = ok(&samen(&["keygen", "--party", name, "--out", p(&node_dir)]));
        let node_pub = keys::load_public_key(&node_dir.join(keys::NODE_SIGNING_PUB_FILE)).unwrap();
        let der = keys::load_certificate_der(&node_dir.join(keys::TLS_CERT_FILE)).unwrap();
        let fp = keys::cert_fingerprint(&der);
        assert!(
            out.contains(&hex::encode(fp)),
            "keygen prints the certificate fingerprint:\n{out}"
        );
        assert!(out.contains(&hex::encode(node_pub.key.as_bytes())));
        ok(&samen(&[
            "keygen",
            "--approver",
            "--party",
            name,
            "--out",
            p(&officer_dir),
        ]));
        let approver_pub =
            keys::load_public_key(&officer_dir.join(keys::APPROVER_PUB_FILE)).unwrap();
        assert_eq!(approver_pub.party, party);
        entries.push(PartyEntry {
            id: party,
            name: party.agency().into(),
            address: format!("127.0.0.1:{}", 7400 + party.index()),
            cert_fingerprint: fp,
            signing_key: node_pub.key,
            approver_key: approver_pub.key,
        });
    }
    let federation = Federation::new(entries).unwrap();
    let path = dir.join("federation.toml");
    std::fs::write(&path, federation.to_toml()).unwrap();
    path
}

#[test]
fn keygen_federation_job_and_input_check() {
    let dir = tempfile::tempdir().unwrap();
    let fed_path = set_up(dir.path());
    let federation = Federation::load(&fed_path).unwrap();

    // federation check prints the fingerprint.
    let out = ok(&samen(&["federation", "check", p(&fed_path)]));
    assert!(out.contains(&federation.fingerprint_hex()), "{out}");

    // keygen refuses to overwrite.
    let err = fails(&samen(&[
        "keygen",
        "--party",
        "svb",
        "--out",
        p(&dir.path().join("svb/node")),
    ]));
    assert!(err.contains("already exists"), "{err}");
    // An unknown party is refused by the argument parser.
    fails(&samen(&[
        "keygen",
        "--party",
        "cbs",
        "--out",
        p(dir.path()),
    ]));

    // A job.
    let job_path = dir.path().join("job.toml");
    let out = ok(&samen(&[
        "job",
        "new",
        "--federation",
        p(&fed_path),
        "--rules",
        "aio-2025-07",
        "--tolerance-bp",
        "150",
        "--home-rule",
        "count",
        "--linkage",
        "aligned",
        "--out",
        p(&job_path),
    ]));
    let (job, _) = Job::load(&job_path).unwrap();
    assert!(out.contains(&job.job_id.to_string()), "{out}");
    assert_eq!(job.policy.tolerance_bp, 150);
    assert_eq!(job.policy.home_rule, HomeRule::Count);
    job.check_against(&federation).unwrap();
    // job new never overwrites.
    let err = fails(&samen(&[
        "job",
        "new",
        "--federation",
        p(&fed_path),
        "--out",
        p(&job_path),
    ]));
    assert!(err.contains("already exists"), "{err}");

    let out = ok(&samen(&["job", "show", p(&job_path)]));
    assert!(
        out.contains(&job.job_id.to_string()) && out.contains("Who learns what"),
        "{out}"
    );

    // Approve with each officer's key; a node key is refused.
    let err = fails(&samen(&[
        "job",
        "approve",
        "--key",
        p(&dir.path().join("uwv/node/node-signing.key")),
        p(&job_path),
    ]));
    assert!(err.contains("approver key is needed"), "{err}");
    for party in [PartyId::SVB, PartyId::UWV] {
        let key = dir
            .path()
            .join(party.short_name())
            .join("officer")
            .join(keys::APPROVER_KEY_FILE);
        let out = ok(&samen(&["job", "approve", "--key", p(&key), p(&job_path)]));
        assert!(out.contains(party.agency()), "{out}");
        assert!(approval_path(&job_path, party).exists());
    }
    // Before the last approval, `job show --federation` reports it missing and fails.
    let err = fails(&samen(&[
        "job",
        "show",
        "--federation",
        p(&fed_path),
        p(&job_path),
    ]));
    assert!(
        err.contains("lacks an approval from Belastingdienst"),
        "{err}"
    );
    let key = dir
        .path()
        .join("bd")
        .join("officer")
        .join(keys::APPROVER_KEY_FILE);
    ok(&samen(&[
        "job",
        "approve",
        "--federation",
        p(&fed_path),
        "--key",
        p(&key),
        p(&job_path),
    ]));
    let out = ok(&samen(&[
        "job",
        "show",
        "--federation",
        p(&fed_path),
        p(&job_path),
    ]));
    assert!(out.contains("all three approvals"), "{out}");
    let bytes = std::fs::read(&job_path).unwrap();
    let approvals = approval::load_approvals_for(&job_path).unwrap();
    approval::verify_approvals(&federation, &bytes, &approvals).unwrap();
    // An approver of another federation's key is refused by approve --federation.
    let stranger = dir.path().join("stranger");
    ok(&samen(&[
        "keygen",
        "--approver",
        "--party",
        "uwv",
        "--out",
        p(&stranger),
    ]));
    let err = fails(&samen(&[
        "job",
        "approve",
        "--federation",
        p(&fed_path),
        "--key",
        p(&stranger.join(keys::APPROVER_KEY_FILE)),
        "--out",
        p(&dir.path().join("stranger.sig")),
        p(&job_path),
    ]));
    assert!(err.contains("not UWV's approver key"), "{err}");
    // A job changed after approval no longer runs.
    let edited = String::from_utf8(bytes.clone())
        .unwrap()
        .replace("tolerance_bp = 150", "tolerance_bp = 151");
    std::fs::write(&job_path, edited).unwrap();
    let err = fails(&samen(&[
        "job",
        "show",
        "--federation",
        p(&fed_path),
        p(&job_path),
    ]));
    assert!(err.contains("circuit hash"), "{err}");
    std::fs::write(&job_path, &bytes).unwrap();

    // input check: a valid file passes with a summary, a broken one fails naming row and column.
    let good = dir.path().join("svb.csv");
    std::fs::write(
        &good,
        "household_id,applicant_bsn,partner_bsn,household_type,aow_age_reached,lives_in_nl,already_aio,excluded,aow_gross_applicant_cents,aow_gross_partner_cents\n\
         H1,101234569,,single,1,1,0,0,130000,\n",
    )
    .unwrap();
    let out = ok(&samen(&[
        "input",
        "check",
        "--job",
        p(&job_path),
        "--party",
        "svb",
        p(&good),
    ]));
    assert!(out.contains("data rows       1"), "{out}");
    let bad = dir.path().join("uwv.csv");
    std::fs::write(
        &bad,
        "applicant_wages_cents,applicant_pension_cents,applicant_benefit_cents\n100,abc,0\n",
    )
    .unwrap();
    let err = fails(&samen(&[
        "input",
        "check",
        "--job",
        p(&job_path),
        "--party",
        "uwv",
        p(&bad),
    ]));
    assert!(
        err.contains("row 2") && err.contains("column `applicant_pension_cents`"),
        "{err}"
    );
}

#[test]
fn federation_check_reports_errors_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("federation.toml");
    std::fs::write(&path, "[[party]]\nid = 0\n").unwrap();
    let err = fails(&samen(&["federation", "check", p(&path)]));
    assert!(err.contains("federation.toml"), "{err}");
    let err = fails(&samen(&[
        "federation",
        "check",
        p(&dir.path().join("missing.toml")),
    ]));
    assert!(err.contains("missing.toml"), "{err}");
}

/// Three `samen federation ping` processes on loopback: each reaches both peers with the
/// pinned certificates, from nothing but the files `samen keygen` wrote and a node.toml.
#[test]
fn federation_ping_between_three_local_nodes() {
    let dir = tempfile::tempdir().unwrap();
    // Free UDP ports on loopback.
    let ports: Vec<u16> = (0..3)
        .map(|_| {
            std::net::UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let mut entries = Vec::new();
    for party in PartyId::ALL {
        let name = party.short_name();
        let node_dir = dir.path().join(name);
        ok(&samen(&["keygen", "--party", name, "--out", p(&node_dir)]));
        ok(&samen(&[
            "keygen",
            "--approver",
            "--party",
            name,
            "--out",
            p(&node_dir.join("officer")),
        ]));
        let der = keys::load_certificate_der(&node_dir.join(keys::TLS_CERT_FILE)).unwrap();
        entries.push(PartyEntry {
            id: party,
            name: party.agency().into(),
            address: format!("127.0.0.1:{}", ports[party.index()]),
            cert_fingerprint: keys::cert_fingerprint(&der),
            signing_key: keys::load_public_key(&node_dir.join(keys::NODE_SIGNING_PUB_FILE))
                .unwrap()
                .key,
            approver_key: keys::load_public_key(
                &node_dir.join("officer").join(keys::APPROVER_PUB_FILE),
            )
            .unwrap()
            .key,
        });
        std::fs::write(
            node_dir.join("node.toml"),
            format!(
                "party = \"{name}\"\nfederation = \"../federation.toml\"\nsigning_key = \"node-signing.key\"\n\
                 tls_key = \"tls-key.pem\"\ntls_cert = \"tls-cert.pem\"\nlisten = \"127.0.0.1:{}\"\noutput_dir = \"out\"\n",
                ports[party.index()]
            ),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("federation.toml"),
        Federation::new(entries).unwrap().to_toml(),
    )
    .unwrap();

    let children: Vec<_> = PartyId::ALL
        .iter()
        .map(|party| {
            let config = dir.path().join(party.short_name()).join("node.toml");
            Command::new(env!("CARGO_BIN_EXE_samen"))
                .args(["federation", "ping", "--config", p(&config)])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (party, child) in PartyId::ALL.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        let stdout = ok(&out);
        for peer in PartyId::ALL.iter().filter(|p| *p != party) {
            assert!(
                stdout.contains(&format!("{} ({}) at", peer.agency(), peer.short_name()))
                    && stdout.contains("pinned certificate"),
                "{party:?}: {stdout}"
            );
        }
    }

    // A node whose certificate is not the one in the federation is refused before it
    // sends anything.
    let svb_config = dir.path().join("svb").join("node.toml");
    let text = std::fs::read_to_string(&svb_config)
        .unwrap()
        .replace("tls-cert.pem", "../uwv/tls-cert.pem");
    std::fs::write(&svb_config, text).unwrap();
    let err = fails(&samen(&["federation", "ping", "--config", p(&svb_config)]));
    assert!(
        err.contains("TLS certificate of this node does not match"),
        "{err}"
    );
}

/// A hand-edited job file that asks for malicious mode is refused by every command that
/// loads a job — `job show`, `job approve`, `input check`, `node run` — with a message
/// that says the mode does not exist yet, and nothing prints a protection claim.
#[test]
fn malicious_mode_is_refused_until_it_exists() {
    let dir = tempfile::tempdir().unwrap();
    let fed_path = set_up(dir.path());
    let job_path = dir.path().join("job.toml");
    ok(&samen(&[
        "job",
        "new",
        "--federation",
        p(&fed_path),
        "--linkage",
        "aligned",
        "--out",
        p(&job_path),
    ]));
    let text = std::fs::read_to_string(&job_path).unwrap();
    assert!(text.contains("security_mode = \"semi-honest\""), "{text}");
    let edited = text.replace(
        "security_mode = \"semi-honest\"",
        "security_mode = \"malicious\"",
    );
    std::fs::write(&job_path, edited.as_bytes()).unwrap();

    let err = Job::load(&job_path).unwrap_err().to_string();
    assert!(
        err.contains("malicious mode is not available in this version"),
        "{err}"
    );

    let key = dir.path().join("svb/officer").join(keys::APPROVER_KEY_FILE);
    let csv = dir.path().join("svb.csv");
    std::fs::write(&csv, "x\n").unwrap();
    let config = dir.path().join("svb/node.toml");
    let runs: Vec<Vec<&str>> = vec![
        vec!["job", "show", p(&job_path)],
        vec!["job", "approve", "--key", p(&key), p(&job_path)],
        vec![
            "input",
            "check",
            "--job",
            p(&job_path),
            "--party",
            "svb",
            p(&csv),
        ],
        vec![
            "node",
            "run",
            "--config",
            p(&config),
            "--job",
            p(&job_path),
            "--input",
            p(&csv),
        ],
    ];
    for args in runs {
        let out = samen(&args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let err = fails(&out);
        assert!(
            err.contains("malicious mode is not available in this version") || args[0] == "node",
            "{args:?}: {err}"
        );
        assert!(
            !stdout.contains("caught") && !err.contains("caught"),
            "{args:?} claims a protection: {stdout}{err}"
        );
    }
}
