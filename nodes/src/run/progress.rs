//! Phase timings and the terminal progress display of a running node.
//!
//! [`PhaseClock`] is a protocol observer that forwards everything to the transcript and
//! notes when each phase begins; the byte and round counters come from the protocol's
//! [`samen_protocol::Context`] itself. The display is an indicatif spinner per phase with
//! the bytes moved so far; it shows sizes and phase names only, never values.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use samen_protocol::context::{Direction, MessageObserver, MessageRecord};
use samen_protocol::PartyId;

/// Start times of the phases, shared between the observer and the node.
#[derive(Clone, Default)]
pub struct PhaseTimes(Arc<Mutex<Vec<(String, Instant)>>>);

impl PhaseTimes {
    /// Durations per phase, in order; the last phase ends at `end`.
    pub fn durations(&self, end: Instant) -> Vec<(String, Duration)> {
        let v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        v.iter()
            .enumerate()
            .map(|(i, (name, start))| {
                let stop = v.get(i + 1).map(|(_, s)| *s).unwrap_or(end);
                (name.clone(), stop.saturating_duration_since(*start))
            })
            .collect()
    }

    fn begin(&self, phase: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push((phase.to_string(), Instant::now()));
    }
}

/// The environment variable that makes a node crash (abort the process, no goodbye to the
/// peers) when the named protocol phase begins. A fault-injection hook for the tests of
/// what the other nodes do when a peer dies mid-run; it changes nothing else.
pub const CRASH_AT_PHASE_VAR: &str = "SAMEN_TEST_CRASH_AT_PHASE";

/// Forwards to an inner observer (the transcript), times the phases, drives a spinner.
pub struct PhaseClock {
    inner: Option<Box<dyn MessageObserver>>,
    times: PhaseTimes,
    bar: Option<ProgressBar>,
    bytes: u64,
    party: PartyId,
    observer_time: std::sync::Arc<std::sync::atomic::AtomicU64>,
    crash_at: Option<String>,
}

impl PhaseClock {
    /// A clock around `inner`; with `show`, a spinner on standard error.
    pub fn new(party: PartyId, inner: Option<Box<dyn MessageObserver>>, times: PhaseTimes, show: bool) -> PhaseClock {
        let bar = show.then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            b.set_prefix(format!("{}", party));
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        PhaseClock { inner, times, bar, bytes: 0, party, observer_time: Default::default(), crash_at: std::env::var(CRASH_AT_PHASE_VAR).ok() }
    }

    /// A handle on the nanoseconds spent inside the inner observer (the transcript): the
    /// transcript's overhead, as reported by `samen bench`.
    pub fn observer_nanos(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.observer_time.clone()
    }

    fn timed(&mut self, f: impl FnOnce(&mut dyn MessageObserver)) {
        if let Some(i) = self.inner.as_mut() {
            let t = Instant::now();
            f(i.as_mut());
            self.observer_time.fetch_add(t.elapsed().as_nanos() as u64, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Stops the spinner, leaving a final line.
    pub fn finish(&self, message: &str) {
        if let Some(b) = &self.bar {
            b.finish_with_message(message.to_string());
        }
    }

    /// The party this clock belongs to.
    pub fn party(&self) -> PartyId {
        self.party
    }
}

impl MessageObserver for PhaseClock {
    fn on_message(&mut self, record: &MessageRecord<'_>) {
        self.timed(|i| i.on_message(record));
        self.bytes += record.payload.len() as u64;
        if let Some(b) = &self.bar {
            let dir = if record.direction == Direction::Sent { "↑" } else { "↓" };
            b.set_message(format!("phase {} {dir} {:.1} MB moved", record.phase, self.bytes as f64 / 1e6));
        }
    }

    fn on_phase(&mut self, phase: &str) {
        if self.crash_at.as_deref() == Some(phase) {
            eprintln!("{CRASH_AT_PHASE_VAR}={phase}: crashing on purpose");
            std::process::abort();
        }
        self.times.begin(phase);
        self.timed(|i| i.on_phase(phase));
        if let Some(b) = &self.bar {
            b.set_message(format!("phase {phase}"));
        }
    }

    fn on_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        self.timed(|i| i.on_reveal(output, to, count));
    }
}
