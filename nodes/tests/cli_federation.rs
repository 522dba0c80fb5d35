//! Federation files: parse errors name the entry and field; the fingerprint is canonical.
//! Key files: owner-only permissions, refusal of readable secrets, no overwriting.

use ed25519_dalek::{SigningKey, VerifyingKey};
use samen_node::federation::{Federation, FederationError};
use samen_node::keys::{self, KeyError, KeyRole};
use samen_protocol::PartyId;

fn hex_key(k: &VerifyingKey) -> String {
    hex::encode(k.as_bytes())
}

/// A valid federation text with fresh keys.
fn federation_text() -> String {
    let mut rng = rand::rngs::OsRng;
    let mut out = String::from("# test federation\n");
    for party in PartyId::ALL {
        let i = party.index();
        out.push_str(&format!(
            "\n[[party]]\nid = {i}\nname = \"{}\"\naddress = \"node{i}.example.nl:{}\"\ncert_fingerprint = \"{}\"\nsigning_key = \"{}\"\napprover_key = \"{}\"\n",
            party.agency(),
            7000 + i,
            hex::encode([i as u8 + 10; 32]),
            hex_key(&SigningKey::generate(&mut rng).verifying_key()),
            hex_key(&SigningKey::generate(&mut rng).verifying_key()),
        ));
    }
    out
}

/// Replaces the value of `field` in the `entry`-th (0-based) party block.
fn set(text: &str, entry: usize, field: &str, value: &str) -> String {
    let mut blocks: Vec<String> = text.split("\n[[party]]\n").map(String::from).collect();
    let block = &mut blocks[entry + 1];
    let start = block
        .find(&format!("{field} = "))
        .unwrap_or_else(|| panic!("{field}"));
    let end = block[start..]
        .find('\n')
        .map(|e| start + e)
        .unwrap_or(block.len());
    block.replace_range(start..end, &format!("{field} = {value}"));
    blocks.join("\n[[party]]\n")
}

fn field_of(text: &str, entry: usize, field: &str) -> String {
    let block = text.split("\n[[party]]\n").nth(entry + 1).unwrap();
    let line = block
        .lines()
        .find(|l| l.starts_with(&format!("{field} = ")))
        .unwrap();
    line.split_once(" = ").unwrap().1.to_string()
}

/// 32 bytes that are not a valid compressed Edwards point.
fn off_curve() -> String {
    for b in 0u8..=255 {
        let mut bytes = [b; 32];
        bytes[31] &= 0x7f;
        if VerifyingKey::from_bytes(&bytes).is_err() {
            return hex::encode(bytes);
        }
    }
    panic!("no invalid point found")
}

#[test]
fn valid_federation_parses_and_fingerprint_is_canonical() {
    let text = federation_text();
    let f = Federation::parse(&text).unwrap();
    assert_eq!(f.party(PartyId::UWV).address, "node1.example.nl:7001");
    // Comments, whitespace and entry order do not change the fingerprint …
    let blocks: Vec<&str> = text.split("\n[[party]]\n").collect();
    let reordered = format!(
        "# other comment\n[[party]]\n{}\n[[party]]\n{}\n[[party]]\n{}",
        blocks[3], blocks[1], blocks[2]
    );
    let g = Federation::parse(&reordered).unwrap();
    assert_eq!(f.fingerprint(), g.fingerprint());
    assert_eq!(f, g);
    // … nor a round trip through to_toml; any value does.
    assert_eq!(
        Federation::parse(&f.to_toml()).unwrap().fingerprint(),
        f.fingerprint()
    );
    let renamed = Federation::parse(&set(&text, 0, "name", "\"SVB Amstelveen\"")).unwrap();
    assert_ne!(renamed.fingerprint(), f.fingerprint());
    let moved = Federation::parse(&set(&text, 2, "address", "\"node2.example.nl:7100\"")).unwrap();
    assert_ne!(moved.fingerprint(), f.fingerprint());
    assert_eq!(f.fingerprint_hex().len(), 64);
}

#[test]
fn federation_errors_name_the_entry_and_field() {
    let text = federation_text();
    let uwv_signing = field_of(&text, 1, "signing_key");
    let svb_address = field_of(&text, 0, "address");
    let svb_fp = field_of(&text, 0, "cert_fingerprint");
    let cases: Vec<(String, &str)> = vec![
        (set(&text, 1, "id", "3"), "`id`"),
        (set(&text, 1, "id", "-1"), "`id`"),
        (set(&text, 1, "id", "0"), "same id"),
        (
            set(&text, 0, "cert_fingerprint", "\"abcd\""),
            "`cert_fingerprint`",
        ),
        (
            set(
                &text,
                0,
                "cert_fingerprint",
                &format!("\"{}\"", "AB".repeat(32)),
            ),
            "`cert_fingerprint`",
        ),
        (
            set(&text, 2, "signing_key", &format!("\"{}\"", off_curve())),
            "`signing_key`",
        ),
        (
            set(
                &text,
                2,
                "approver_key",
                &format!("\"01{}\"", "00".repeat(31)),
            ),
            "weak",
        ),
        (set(&text, 2, "approver_key", "\"xyz\""), "`approver_key`"),
        (
            set(&text, 2, "address", "\"node2.example.nl\""),
            "`address`",
        ),
        (
            set(&text, 2, "address", "\"node2.example.nl:0\""),
            "`address`",
        ),
        (set(&text, 2, "address", &svb_address), "same address"),
        (
            set(&text, 2, "cert_fingerprint", &svb_fp),
            "same certificate fingerprint",
        ),
        (
            set(&text, 2, "approver_key", &uwv_signing),
            "same Ed25519 key",
        ),
        (set(&text, 2, "name", "\"SVB\""), "same name"),
        (set(&text, 2, "name", "\"\""), "`name`"),
        (text.replacen("address", "adres", 1), "adres"),
        (
            text.split("\n[[party]]\n")
                .take(3)
                .collect::<Vec<_>>()
                .join("\n[[party]]\n"),
            "exactly three",
        ),
        (
            format!(
                "{text}\n[[party]]\n{}",
                text.split("\n[[party]]\n").nth(1).unwrap()
            ),
            "exactly three",
        ),
        ("[[party]\n".to_string(), "federation"),
        (String::new(), "party"),
    ];
    for (bad, needle) in cases {
        let err: FederationError = Federation::parse(&bad).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(needle), "expected `{needle}` in: {msg}");
    }
    // Entry numbers point at the right block.
    let msg = Federation::parse(&set(&text, 1, "cert_fingerprint", "\"00\""))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("entry 2"), "{msg}");
}

#[cfg(unix)]
#[test]
fn key_files_are_owner_only_and_never_overwritten() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let node = keys::generate_node_keys(PartyId::UWV, dir.path()).unwrap();
    let approver = keys::generate_approver_key(PartyId::UWV, dir.path()).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&node.signing_key_path), 0o600);
    assert_eq!(mode(&node.tls_key_path), 0o600);
    assert_eq!(mode(&approver.key_path), 0o600);
    assert_eq!(
        mode(&node.tls_cert_path) & 0o077,
        0o044,
        "public files stay readable"
    );

    // Loading works and gives the same public values.
    let signing = keys::load_secret_key_with_role(&node.signing_key_path, KeyRole::Node).unwrap();
    assert_eq!(signing.key.verifying_key(), node.signing_public);
    assert_eq!(signing.party, PartyId::UWV);
    let public = keys::load_public_key(&node.signing_pub_path).unwrap();
    assert_eq!(public.key, node.signing_public);
    let der = keys::load_certificate_der(&node.tls_cert_path).unwrap();
    assert_eq!(keys::cert_fingerprint(&der), node.cert_fingerprint);
    keys::load_tls_private_key(&node.tls_key_path).unwrap();

    // A node key is not an approver key, and vice versa.
    assert!(matches!(
        keys::load_secret_key_with_role(&node.signing_key_path, KeyRole::Approver),
        Err(KeyError::WrongRole { .. })
    ));
    let ap = keys::load_secret_key_with_role(&approver.key_path, KeyRole::Approver).unwrap();
    assert_eq!(ap.key.verifying_key(), approver.public);

    // Readable by others: refused, for both Ed25519 and TLS keys.
    for path in [&node.signing_key_path, &node.tls_key_path] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    assert!(matches!(
        keys::load_secret_key(&node.signing_key_path),
        Err(KeyError::Permissions { mode: 0o644, .. })
    ));
    assert!(matches!(
        keys::load_tls_private_key(&node.tls_key_path),
        Err(KeyError::Permissions { .. })
    ));

    // Never overwritten.
    assert!(matches!(
        keys::generate_node_keys(PartyId::UWV, dir.path()),
        Err(KeyError::Exists { .. })
    ));
    assert!(matches!(
        keys::generate_approver_key(PartyId::SVB, dir.path()),
        Err(KeyError::Exists { .. })
    ));
}

#[test]
fn certificates_are_distinct_and_self_signed_for_the_party() {
    let dir = tempfile::tempdir().unwrap();
    let a = keys::generate_node_keys(PartyId::SVB, &dir.path().join("a")).unwrap();
    let b = keys::generate_node_keys(PartyId::SVB, &dir.path().join("b")).unwrap();
    assert_ne!(a.cert_fingerprint, b.cert_fingerprint);
    assert_ne!(a.signing_public, b.signing_public);
    let pem = std::fs::read_to_string(&a.tls_cert_path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let der = keys::load_certificate_der(&a.tls_cert_path).unwrap();
    // The SAN `samen-svb` is in the DER as an IA5String.
    assert!(der.windows(9).any(|w| w == b"samen-svb"));
    // Key files hold no key material in their public counterparts.
    let secret = std::fs::read_to_string(&a.signing_key_path).unwrap();
    let public = std::fs::read_to_string(&a.signing_pub_path).unwrap();
    let secret_hex = secret
        .lines()
        .find(|l| l.starts_with("secret_key"))
        .unwrap()
        .split('"')
        .nth(1)
        .unwrap()
        .to_string();
    assert!(!public.contains(&secret_hex));
}
