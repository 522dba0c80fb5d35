//! `samen keygen`: a node's signing key and TLS certificate, or a privacy officer's
//! approver key.

use std::path::PathBuf;

use samen_protocol::PartyId;

use super::{parse_party, CliResult};
use crate::keys;

/// Arguments of `samen keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// The party the keys are for: svb, uwv or bd.
    #[arg(long, value_parser = parse_party)]
    pub party: PartyId,
    /// Make a privacy officer's approver key (for `samen job approve`) instead of node keys.
    #[arg(long)]
    pub approver: bool,
    /// Directory for the key files (created if missing; existing keys are never overwritten).
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `samen keygen`.
pub fn run(args: KeygenArgs) -> CliResult {
    let party = args.party;
    if args.approver {
        let k = keys::generate_approver_key(party, &args.out)?;
        println!(
            "Approver key for {} ({}):",
            party.agency(),
            party.short_name()
        );
        println!(
            "  secret key   {}  (owner-only; keep it with the privacy officer, not on the node)",
            k.key_path.display()
        );
        println!("  public key   {}", k.pub_path.display());
        println!();
        println!(
            "For federation.toml, in the [[party]] entry with id = {}:",
            party.index()
        );
        println!("approver_key = \"{}\"", hex::encode(k.public.as_bytes()));
        return Ok(());
    }
    let k = keys::generate_node_keys(party, &args.out)?;
    println!("Node keys for {} ({}):", party.agency(), party.short_name());
    println!(
        "  signing key        {}  (owner-only)",
        k.signing_key_path.display()
    );
    println!("  signing public key {}", k.signing_pub_path.display());
    println!(
        "  TLS key            {}  (owner-only)",
        k.tls_key_path.display()
    );
    println!(
        "  TLS certificate    {}  (self-signed, name {})",
        k.tls_cert_path.display(),
        keys::cert_subject_name(party)
    );
    println!();
    println!(
        "Certificate fingerprint (SHA-256 of the DER): {}",
        hex::encode(k.cert_fingerprint)
    );
    println!(
        "Signing public key:                           {}",
        hex::encode(k.signing_public.as_bytes())
    );
    println!();
    println!("For federation.toml (fill in the address and the approver key from `samen keygen --approver`):");
    println!("[[party]]");
    println!("id = {}", party.index());
    println!("name = \"{}\"", party.agency());
    println!("address = \"HOST:PORT\"");
    println!("cert_fingerprint = \"{}\"", hex::encode(k.cert_fingerprint));
    println!(
        "signing_key = \"{}\"",
        hex::encode(k.signing_public.as_bytes())
    );
    println!("approver_key = \"...\"");
    Ok(())
}
