//! An in-memory three-party harness: three threads, one [`Context`] each, connected by
//! in-process queues. For tests and benchmarks; the real node uses QUIC.
//!
//! ```
//! use samen_protocol::{harness, PartyId};
//! let [a, b, c] = harness::run_three(|ctx| ctx.party().index()).unwrap();
//! assert_eq!((a.output, b.output, c.output), (0, 1, 2));
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crate::channel::{Channel, ChannelError};
use crate::context::{CommStats, Context, MessageObserver, SecurityMode};
use crate::randomness::PartySeed;
use crate::{PartyId, ProtocolError};

/// How long an in-memory receive waits before reporting a timeout (a deadlock in a test
/// becomes an error instead of a hang).
pub const RECV_TIMEOUT: Duration = Duration::from_secs(120);

/// An in-memory channel endpoint of one party.
pub struct MemoryChannel {
    party: PartyId,
    senders: [Option<Sender<Vec<u8>>>; 3],
    receivers: [Option<Receiver<Vec<u8>>>; 3],
}

impl MemoryChannel {
    /// Three connected endpoints, indexed by party.
    pub fn triple() -> [MemoryChannel; 3] {
        let mut senders: [[Option<Sender<Vec<u8>>>; 3]; 3] = Default::default();
        let mut receivers: [[Option<Receiver<Vec<u8>>>; 3]; 3] = Default::default();
        for from in 0..3 {
            for to in 0..3 {
                if from != to {
                    let (s, r) = channel();
                    senders[from][to] = Some(s);
                    receivers[to][from] = Some(r);
                }
            }
        }
        let mut ends = Vec::new();
        for (i, (s, r)) in senders.into_iter().zip(receivers).enumerate() {
            ends.push(MemoryChannel {
                party: PartyId::ALL[i],
                senders: s,
                receivers: r,
            });
        }
        ends.try_into()
            .unwrap_or_else(|_| unreachable!("three endpoints"))
    }
}

impl Channel for MemoryChannel {
    fn send(&mut self, to: PartyId, message: Vec<u8>) -> Result<(), ChannelError> {
        let s = self.senders[to.index()]
            .as_ref()
            .ok_or(ChannelError::Transport {
                peer: to,
                reason: "no channel to self".into(),
            })?;
        s.send(message).map_err(|_| ChannelError::Closed {
            peer: to,
            reason: "in-memory peer dropped".into(),
        })
    }

    fn recv(&mut self, from: PartyId) -> Result<Vec<u8>, ChannelError> {
        let r = self.receivers[from.index()]
            .as_ref()
            .ok_or(ChannelError::Transport {
                peer: from,
                reason: "no channel from self".into(),
            })?;
        r.recv_timeout(RECV_TIMEOUT).map_err(|e| match e {
            RecvTimeoutError::Timeout => ChannelError::Timeout { peer: from },
            RecvTimeoutError::Disconnected => ChannelError::Closed {
                peer: from,
                reason: "in-memory peer dropped".into(),
            },
        })
    }
}

impl std::fmt::Debug for MemoryChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryChannel({})", self.party)
    }
}

/// What one party's run produced.
#[derive(Debug)]
pub struct PartyRun<R> {
    /// The closure's result.
    pub output: R,
    /// The party's communication counters for the whole run (set-up included).
    pub stats: CommStats,
    /// Counters per phase.
    pub phases: Vec<(String, CommStats)>,
}

/// Fresh seeds for the three parties of one test run: distinct in every call (a process-wide
/// counter and the process id, hashed with BLAKE3), so that runs draw different keys, and
/// reproducible from those two numbers. **For tests and benchmarks only**: a node draws
/// its seed from the operating system's generator.
pub fn test_seeds() -> [PartySeed; 3] {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    PartyId::ALL.map(|p| {
        let mut h = blake3::Hasher::new_derive_key("samen 2026 in-memory harness test seed");
        h.update(&u64::from(std::process::id()).to_le_bytes());
        h.update(&run.to_le_bytes());
        h.update(&[p.index() as u8]);
        PartySeed::from_bytes(*h.finalize().as_bytes())
    })
}

/// Runs `f` as each of the three parties in its own thread, semi-honest mode, with fresh
/// seeds ([`test_seeds`]). Returns the results in party order, or the first party's error.
pub fn run_three<F, R>(f: F) -> Result<[PartyRun<R>; 3], ProtocolError>
where
    F: Fn(&mut Context) -> R + Sync,
    R: Send,
{
    run_three_with(SecurityMode::SemiHonest, |_| None, |ctx| Ok(f(ctx)))
}

/// Like [`run_three`], for closures that return protocol results.
pub fn try_run_three<F, R>(f: F) -> Result<[PartyRun<R>; 3], ProtocolError>
where
    F: Fn(&mut Context) -> Result<R, ProtocolError> + Sync,
    R: Send,
{
    run_three_with(SecurityMode::SemiHonest, |_| None, f)
}

/// The general form: a security mode, an optional observer per party, a fallible closure;
/// fresh seeds ([`test_seeds`]).
pub fn run_three_with<F, O, R>(
    mode: SecurityMode,
    observer: O,
    f: F,
) -> Result<[PartyRun<R>; 3], ProtocolError>
where
    F: Fn(&mut Context) -> Result<R, ProtocolError> + Sync,
    O: Fn(PartyId) -> Option<Box<dyn MessageObserver>> + Sync,
    R: Send,
{
    run_three_seeded(test_seeds(), mode, observer, f)
}

/// [`run_three_with`] with the parties' seeds given (indexed by party), for tests that
/// replay a party or need the same randomness twice.
pub fn run_three_seeded<F, O, R>(
    seeds: [PartySeed; 3],
    mode: SecurityMode,
    observer: O,
    f: F,
) -> Result<[PartyRun<R>; 3], ProtocolError>
where
    F: Fn(&mut Context) -> Result<R, ProtocolError> + Sync,
    O: Fn(PartyId) -> Option<Box<dyn MessageObserver>> + Sync,
    R: Send,
{
    let ends = MemoryChannel::triple();
    let results: Vec<Result<PartyRun<R>, ProtocolError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ends
            .into_iter()
            .zip(seeds)
            .enumerate()
            .map(|(i, (end, seed))| {
                let f = &f;
                let observer = &observer;
                scope.spawn(move || {
                    let party = PartyId::ALL[i];
                    let mut ctx =
                        Context::start(party, mode, Box::new(end), observer(party), seed)?;
                    let output = f(&mut ctx)?;
                    Ok(PartyRun {
                        output,
                        stats: ctx.stats().clone(),
                        phases: ctx.phase_stats().to_vec(),
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut out = Vec::with_capacity(3);
    for r in results {
        out.push(r?);
    }
    Ok(out
        .try_into()
        .unwrap_or_else(|_| unreachable!("three parties")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Round;

    #[test]
    fn setup_is_one_round_and_rounds_are_counted_per_exchange() {
        let runs = try_run_three(|ctx| {
            ctx.begin_phase("test")?;
            let v = vec![ctx.party().index() as u64; 4];
            let got = ctx.send_prev_recv_next(&v)?;
            let _ = ctx.exchange(Round::default())?;
            Ok(got)
        })
        .unwrap();
        for (i, r) in runs.iter().enumerate() {
            assert_eq!(r.output, vec![((i + 1) % 3) as u64; 4]);
            assert_eq!(r.stats.rounds, 3);
            assert_eq!(r.phases[0].0, "setup");
            assert_eq!(r.phases[0].1.rounds, 1);
            assert_eq!(r.phases[1].1.rounds, 2);
            assert_eq!(r.phases[1].1.total_sent(), 32);
        }
    }

    #[test]
    fn common_randomness_agrees_after_setup() {
        let runs = run_three(|ctx| ctx.randomness().common(3)).unwrap();
        assert_eq!(runs[0].output, runs[1].output);
        assert_eq!(runs[1].output, runs[2].output);
    }

    #[test]
    fn runs_are_fresh_unless_seeded_alike() {
        let draw = || run_three(|ctx| ctx.randomness().private(2)).unwrap();
        let (a, b) = (draw(), draw());
        assert_ne!(a[0].output, b[0].output);
        assert_ne!(a[0].output, a[1].output);
        let seeds = || PartyId::ALL.map(|p| PartySeed::from_bytes([p.index() as u8; 32]));
        let seeded = || {
            run_three_seeded(
                seeds(),
                SecurityMode::SemiHonest,
                |_| None,
                |ctx| {
                    let c = ctx.randomness().common(2);
                    let r = ctx.randomness().zero_shares(2);
                    Ok((c, r, ctx.randomness().private(2)))
                },
            )
            .unwrap()
        };
        let (c, d) = (seeded(), seeded());
        for i in 0..3 {
            assert_eq!(c[i].output, d[i].output);
        }
    }

    #[test]
    fn wrong_length_is_an_error_not_a_panic() {
        let r = try_run_three(|ctx| {
            let n = if ctx.party() == PartyId::SVB { 3 } else { 4 };
            let v = vec![0u64; n];
            ctx.send_prev_recv_next(&v)
        });
        assert!(matches!(r, Err(ProtocolError::MalformedMessage { .. })));
    }
}
