//! Command implementations of the `samen` binary, one module per command group. Each
//! command is a clap `Args` struct and a `run` function returning [`CliResult`];
//! `main.rs` only dispatches.

pub mod bench;
pub mod circuit;
pub mod demo;
pub mod federation;
pub mod input;
pub mod job;
pub mod keygen;
pub mod node;

use std::fmt;

/// A command's failure: a message for the operator and the process exit code.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong (printed as `samen: <message>`).
    pub message: String,
    /// The exit code (1 unless a command says otherwise).
    pub code: u8,
}

impl CliError {
    /// A failure with exit code 1.
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error> From<E> for CliError {
    fn from(e: E) -> CliError {
        CliError::new(e.to_string())
    }
}

/// What every command returns.
pub type CliResult = Result<(), CliError>;

/// Parses a party name for clap: `svb`, `uwv` or `bd`.
pub fn parse_party(s: &str) -> Result<samen_protocol::PartyId, UnknownParty> {
    match s {
        "svb" | "uwv" | "bd" => Ok(samen_protocol::PartyId::parse(s).expect("listed")),
        _ => Err(UnknownParty(s.to_string())),
    }
}

/// A party name that is not `svb`, `uwv` or `bd` ([`parse_party`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a party; use svb, uwv or bd")]
pub struct UnknownParty(pub String);
