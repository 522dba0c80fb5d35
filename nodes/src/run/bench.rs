//! `samen bench`: the end-to-end benchmark. Three nodes as separate processes on this
//! machine over loopback QUIC (the same set-up as `samen demo`), synthetic households,
//! linked mode by default (aligned with `--aligned`); prints per-phase time, bytes and
//! rounds per party, households per second of the circuit phase, for the linkage phase
//! keys per second and bytes per key, and the transcript's share of the protocol time — as
//! a table and as JSON. The result is checked against the plaintext reference, so a fast wrong answer
//! is not a benchmark result.

use serde::{Deserialize, Serialize};

use super::demo::LocalRun;
use super::summary::RunSummary;

/// The benchmark's report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchReport {
    /// Households.
    pub households: u64,
    /// Logical CPUs of the machine (all three nodes share it).
    pub cpus: usize,
    /// Wall-clock seconds from starting the three processes to the last exit.
    pub wall_seconds: f64,
    /// Seconds of the circuit phase (`evaluate`, slowest party).
    pub circuit_seconds: f64,
    /// Households per second in the circuit phase.
    pub circuit_households_per_second: f64,
    /// Seconds of all protocol phases (slowest party).
    pub protocol_seconds: f64,
    /// Bytes sent per household per party in the circuit phase (largest party).
    pub circuit_bytes_per_household: f64,
    /// Rounds of the circuit phase.
    pub circuit_rounds: u64,
    /// The transcript's share of the protocol time (largest party), in percent.
    pub transcript_overhead_percent: f64,
    /// Whether the candidates equal the plaintext reference.
    pub matches_reference: bool,
    /// Keys linked over the three tables (two per SVB household, one per UWV or
    /// Belastingdienst person); 0 in the aligned mode.
    #[serde(default)]
    pub linked_keys: u64,
    /// Seconds of the linkage phase (slowest party); 0 in the aligned mode.
    #[serde(default)]
    pub linkage_seconds: f64,
    /// Keys per second in the linkage phase, over the three tables.
    #[serde(default)]
    pub linkage_keys_per_second: f64,
    /// Bytes sent by all three parties in the linkage phase per key (points and payload
    /// shares).
    #[serde(default)]
    pub linkage_bytes_per_key: f64,
    /// The three nodes' own summaries.
    pub parties: Vec<RunSummary>,
}

fn phase<'a>(s: &'a RunSummary, name: &str) -> Option<&'a super::summary::PhaseSummary> {
    s.phases.iter().find(|p| p.name == name)
}

impl BenchReport {
    /// Builds the report from a finished local run.
    pub fn from_run(households: u64, run: &LocalRun, matches_reference: bool) -> BenchReport {
        let max = |f: &dyn Fn(&RunSummary) -> f64| run.summaries.iter().map(f).fold(0.0, f64::max);
        let circuit_seconds = max(&|s| phase(s, "evaluate").map_or(0.0, |p| p.seconds));
        let protocol_seconds = max(&|s| s.protocol_seconds());
        let bytes = max(&|s| phase(s, "evaluate").map_or(0.0, |p| p.bytes_sent as f64));
        let overhead = max(&|s| {
            if s.protocol_seconds() > 0.0 {
                100.0 * s.transcript_seconds / s.protocol_seconds()
            } else {
                0.0
            }
        });
        let linkage_seconds = max(&|s| phase(s, "linkage").map_or(0.0, |p| p.seconds));
        let linked = run.summaries.iter().any(|s| phase(s, "linkage").is_some());
        // in the linked mode a node's `rows` are those of its own table
        let linked_keys: u64 = if linked {
            run.summaries
                .iter()
                .map(|s| if s.party == "svb" { 2 * s.rows } else { s.rows })
                .sum()
        } else {
            0
        };
        let linkage_bytes: u64 = run
            .summaries
            .iter()
            .filter_map(|s| phase(s, "linkage"))
            .map(|p| p.bytes_sent)
            .sum();
        BenchReport {
            households,
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            wall_seconds: run.seconds,
            circuit_seconds,
            circuit_households_per_second: if circuit_seconds > 0.0 {
                households as f64 / circuit_seconds
            } else {
                0.0
            },
            protocol_seconds,
            circuit_bytes_per_household: if households > 0 {
                bytes / households as f64
            } else {
                0.0
            },
            circuit_rounds: run
                .summaries
                .iter()
                .filter_map(|s| phase(s, "evaluate"))
                .map(|p| p.rounds)
                .max()
                .unwrap_or(0),
            transcript_overhead_percent: overhead,
            matches_reference,
            linked_keys,
            linkage_seconds,
            linkage_keys_per_second: if linkage_seconds > 0.0 {
                linked_keys as f64 / linkage_seconds
            } else {
                0.0
            },
            linkage_bytes_per_key: if linked_keys > 0 {
                linkage_bytes as f64 / linked_keys as f64
            } else {
                0.0
            },
            parties: run.summaries.clone(),
        }
    }

    /// The table for the terminal.
    pub fn table(&self) -> String {
        let mut s = String::new();
        for p in &self.parties {
            s.push_str(&format!(
                "--- {} (prepare {:.2} s, connect {:.2} s, transcript {:.3} s) ---\n",
                p.party, p.prepare_seconds, p.connect_seconds, p.transcript_seconds
            ));
            s.push_str(&p.table());
        }
        s.push_str(&format!(
            "households {} | circuit {:.3} s = {:.0} households/s | {:.1} B sent per household per party | {} rounds | protocol {:.3} s | wall {:.2} s | transcript {:.2}% | {} CPUs | reference {}\n",
            self.households,
            self.circuit_seconds,
            self.circuit_households_per_second,
            self.circuit_bytes_per_household,
            self.circuit_rounds,
            self.protocol_seconds,
            self.wall_seconds,
            self.transcript_overhead_percent,
            self.cpus,
            if self.matches_reference { "matches" } else { "DIFFERS" }
        ));
        if self.linked_keys > 0 {
            s.push_str(&format!(
                "linkage: {} keys in {:.3} s = {:.0} keys/s | {:.1} B sent per key (all parties)\n",
                self.linked_keys,
                self.linkage_seconds,
                self.linkage_keys_per_second,
                self.linkage_bytes_per_key
            ));
        }
        s
    }
}
