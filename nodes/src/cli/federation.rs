//! `samen federation check` and `samen federation ping`.

use std::path::PathBuf;

use super::{CliError, CliResult};
use crate::config::NodeConfig;
use crate::federation::Federation;

/// `samen federation …`
#[derive(Debug, clap::Subcommand)]
pub enum FederationCommand {
    /// Validate a federation file and print its fingerprint (every party must see the same).
    Check {
        /// The federation file.
        #[arg(default_value = "federation.toml")]
        federation: PathBuf,
    },
    /// From this node, check that both peers answer and present their pinned certificates.
    Ping {
        /// This node's configuration.
        #[arg(long, default_value = "node.toml")]
        config: PathBuf,
    },
}

/// Runs a `samen federation` command.
pub fn run(command: FederationCommand) -> CliResult {
    match command {
        FederationCommand::Check { federation } => check(&federation),
        FederationCommand::Ping { config } => ping(&config),
    }
}

fn check(path: &std::path::Path) -> CliResult {
    let federation = Federation::load(path)?;
    print!("{federation}");
    println!();
    println!("Federation fingerprint: {}", federation.fingerprint_hex());
    println!("Compare it with the other two parties (by phone or another channel) before you trust this file.");
    Ok(())
}

fn ping(config_path: &std::path::Path) -> CliResult {
    let config = NodeConfig::load(config_path)?;
    let federation = Federation::load(&config.federation)?;
    let transport = config.transport_config(&federation)?;
    println!(
        "{} ({}) pinging its peers from {} (federation {})",
        config.party.agency(),
        config.party.short_name(),
        config.listen,
        federation.fingerprint_hex()
    );
    let results = crate::transport::ping(&transport)
        .map_err(|e| CliError::new(format!("ping failed: {e}")))?;
    for (party, rtt) in results {
        println!(
            "  {} ({}) at {}: answered with the pinned certificate, round trip {:.1} ms",
            party.agency(),
            party.short_name(),
            federation.party(party).address,
            rtt.as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
