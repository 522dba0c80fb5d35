//! What a node reports at the end of a job: per phase, the time, the bytes sent and
//! received and the rounds; as a table for people and as JSON for `samen bench`.

use serde::{Deserialize, Serialize};

/// One phase of a job at one node.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PhaseSummary {
    /// The phase name (`setup`, `sizes`, `share`, …).
    pub name: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Bytes sent to both peers.
    pub bytes_sent: u64,
    /// Bytes received from both peers.
    pub bytes_received: u64,
    /// Communication rounds.
    pub rounds: u64,
}

/// A node's report of one job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunSummary {
    /// The party, by short name.
    pub party: String,
    /// The job id.
    pub job_id: String,
    /// Rows (households) processed.
    pub rows: u64,
    /// Households flagged (known to the SVB only; `None` at the other nodes).
    pub flagged: Option<u64>,
    /// The number of flagged households opened to all three parties, when the job's
    /// output policy says so (`count_to_all`).
    #[serde(default)]
    pub flag_count: Option<u64>,
    /// Seconds for local checks (validation, circuit compilation) before connecting.
    pub prepare_seconds: f64,
    /// Seconds to build the QUIC mesh.
    pub connect_seconds: f64,
    /// The protocol phases.
    pub phases: Vec<PhaseSummary>,
    /// Seconds from start to the end of the job.
    pub total_seconds: f64,
    /// Seconds spent writing the transcript during the protocol (hashing every message,
    /// appending and flushing records, signing checkpoints): its overhead.
    #[serde(default)]
    pub transcript_seconds: f64,
}

impl RunSummary {
    /// Total bytes sent over all phases.
    pub fn bytes_sent(&self) -> u64 {
        self.phases.iter().map(|p| p.bytes_sent).sum()
    }

    /// Total rounds over all phases.
    pub fn rounds(&self) -> u64 {
        self.phases.iter().map(|p| p.rounds).sum()
    }

    /// Seconds spent in the protocol phases.
    pub fn protocol_seconds(&self) -> f64 {
        self.phases.iter().map(|p| p.seconds).sum()
    }

    /// A table for the terminal.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<12} {:>9} {:>14} {:>14} {:>7}\n",
            "phase", "seconds", "bytes sent", "bytes recv", "rounds"
        );
        for p in &self.phases {
            s.push_str(&format!(
                "{:<12} {:>9.3} {:>14} {:>14} {:>7}\n",
                p.name, p.seconds, p.bytes_sent, p.bytes_received, p.rounds
            ));
        }
        s.push_str(&format!(
            "{:<12} {:>9.3} {:>14} {:>14} {:>7}\n",
            "total",
            self.protocol_seconds(),
            self.bytes_sent(),
            self.phases.iter().map(|p| p.bytes_received).sum::<u64>(),
            self.rounds()
        ));
        s
    }
}
