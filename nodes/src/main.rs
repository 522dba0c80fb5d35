//! The `samen` command-line tool. Each command is one enum variant here and one `run`
//! function in `samen_node::cli`; this file only parses and dispatches.
//!
//! The library forbids unsafe code; this binary denies it, with one documented exception:
//! the allocator tuning in `keep_freed_memory`.
#![deny(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use samen_node::cli::{self, CliResult};

/// Samen: three agencies compute together on data none of them may share.
#[derive(Debug, Parser)]
#[command(name = "samen", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make a node's signing key and TLS certificate, or (--approver) a privacy officer's approver key.
    Keygen(cli::keygen::KeygenArgs),
    /// Check the federation file, or ping the peers.
    #[command(subcommand)]
    Federation(cli::federation::FederationCommand),
    /// Make, show and approve job files.
    #[command(subcommand)]
    Job(cli::job::JobCommand),
    /// Validate an input file against a job, locally.
    #[command(subcommand)]
    Input(cli::input::InputCommand),
    /// Run a job at this node.
    #[command(subcommand)]
    Node(cli::node::NodeCommand),
    /// The whole job on synthetic data: three local nodes over QUIC, checked and audited.
    Demo(cli::demo::DemoArgs),
    /// End-to-end benchmark: three local nodes over QUIC on synthetic data.
    Bench(cli::bench::BenchArgs),
    /// Circuit tools: the cost report of a circuit.
    #[command(subcommand)]
    Circuit(cli::circuit::CircuitCommand),
    /// Check a job's three transcripts and report what each party learned.
    #[command(subcommand)]
    Audit(samen_node::audit::cli::AuditCommand),
}

fn dispatch(command: Command) -> CliResult {
    match command {
        Command::Keygen(args) => cli::keygen::run(args),
        Command::Federation(c) => cli::federation::run(c),
        Command::Job(c) => cli::job::run(c),
        Command::Input(c) => cli::input::run(c),
        Command::Node(c) => cli::node::run(c),
        Command::Demo(args) => cli::demo::run(args),
        Command::Bench(args) => cli::bench::run(args),
        Command::Circuit(c) => cli::circuit::run(c),
        Command::Audit(c) => samen_node::audit::cli::run(c),
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    let parsed = Cli::parse();
    init_logging();
    match dispatch(parsed.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("samen: {e}");
            ExitCode::from(e.code)
        }
    }
}

/// Structured logs on stderr, filtered by `RUST_LOG` (default: warnings).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Tells glibc's allocator to keep freed memory in the process instead of returning large
/// blocks to the kernel at once. A node allocates and frees columns and messages of tens
/// of megabytes every round; with glibc's defaults each is mapped afresh and its pages are
/// faulted in again, which measured as the largest single CPU cost of the circuit phase
/// (docs/benchmarks.md, "End to end": page faults). Memory use is bounded by the job's
/// largest working set either way.
///
/// This is the one `unsafe` block of the node (the library is `forbid(unsafe_code)`). It
/// is kept because it still pays, measured on 2026-12-05 (issue 9) in CPU-seconds, which
/// do not depend on the machine's load: `samen bench --aligned`, user + system seconds of
/// the three `samen node run` processes (`getrusage` at exit), the tuning switched off by
/// a local, uncommitted patch; 3 runs each, alternating, load average 7–9:
///
/// | households | with `mallopt` (user + sys) | without | difference |
/// | --- | --- | --- | --- |
/// | 200 000 | 1.09, 1.07, 1.14 s (sys 0.22–0.28) | 1.20, 1.13, 1.12 s (sys 0.25–0.29) | −5% (within noise) |
/// | 1 000 000 | 6.01, 7.16, 6.44 s (sys 1.13–1.29) | 6.99, 7.02, 7.78 s (sys 1.91–2.06) | −10%; system time −38% |
///
/// Cost: about 80 MB more peak RSS per node at 1M households (769–777 MB against
/// 685–706 MB); none at 200k. The same effect without `unsafe` needs the operator to set
/// `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=1073741824`
/// for every node; if the engine stops freeing and re-allocating its large buffers per
/// round, this function (and the `libc` dependency) should go and the binary become
/// `forbid(unsafe_code)` too.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes allocator thresholds; called once, before any thread
    // is started. Failure (return 0) leaves the defaults, which is harmless.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
