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
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((phase.to_string(), Instant::now()));
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
    rows: u64,
    phase: Option<(String, Instant, u64)>,
}

impl PhaseClock {
    /// A clock around `inner`; with `show`, a spinner on standard error.
    ///
    /// `rows` is the number of rows this node processes (households at the SVB or in the
    /// aligned mode, persons at UWV and the Belastingdienst in the linked mode): each
    /// finished phase is printed with its rows per second.
    pub fn new(
        party: PartyId,
        inner: Option<Box<dyn MessageObserver>>,
        times: PhaseTimes,
        show: bool,
        rows: u64,
    ) -> PhaseClock {
        let bar = show.then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_prefix(format!("{}", party));
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        PhaseClock {
            inner,
            times,
            bar,
            bytes: 0,
            party,
            observer_time: Default::default(),
            crash_at: std::env::var(CRASH_AT_PHASE_VAR).ok(),
            rows,
            phase: None,
        }
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
            self.observer_time.fetch_add(
                t.elapsed().as_nanos() as u64,
                std::sync::atomic::Ordering::Relaxed,
            );
        }
    }

    /// Stops the spinner, leaving a final line.
    pub fn finish(&mut self, message: &str) {
        self.close_phase();
        if let Some(b) = &self.bar {
            b.finish_with_message(message.to_string());
        }
    }

    /// Prints the line of the phase that just ended: time, rows per second, bytes moved.
    fn close_phase(&mut self) {
        if let (Some(b), Some((name, start, bytes_at_start))) = (&self.bar, self.phase.take()) {
            let secs = start.elapsed().as_secs_f64();
            let rate = if secs > 0.0 {
                self.rows as f64 / secs
            } else {
                0.0
            };
            b.println(format!(
                "{} phase {name:<9} {secs:>8.3} s {rate:>12.0} rows/s {:>10.1} MB moved",
                self.party,
                (self.bytes - bytes_at_start) as f64 / 1e6
            ));
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
            let dir = if record.direction == Direction::Sent {
                "↑"
            } else {
                "↓"
            };
            b.set_message(format!(
                "phase {} {dir} {:.1} MB moved",
                record.phase,
                self.bytes as f64 / 1e6
            ));
        }
    }

    fn on_phase(&mut self, phase: &str) {
        if self.crash_at.as_deref() == Some(phase) {
            eprintln!("{CRASH_AT_PHASE_VAR}={phase}: crashing on purpose");
            std::process::abort();
        }
        self.times.begin(phase);
        self.timed(|i| i.on_phase(phase));
        self.close_phase();
        self.phase = Some((phase.to_string(), Instant::now(), self.bytes));
        if let Some(b) = &self.bar {
            b.set_message(format!("phase {phase}"));
        }
    }

    fn on_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        self.timed(|i| i.on_reveal(output, to, count));
    }

    fn on_learned(&mut self, what: &str, to: &[PartyId], value: u64) {
        self.timed(|i| i.on_learned(what, to, value));
    }
}

impl Drop for PhaseClock {
    /// The last phase ends when the protocol lets go of its observer: print its line and
    /// remove the spinner.
    fn drop(&mut self) {
        self.close_phase();
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
