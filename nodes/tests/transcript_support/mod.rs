//! Shared helpers of the transcript and audit tests: realistic transcripts from a small
//! three-party protocol run through the in-memory harness, and re-signing tools that
//! simulate a party writing a transcript other than the honest one.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ed25519_dalek::SigningKey;
use samen_node::audit::{ApprovedJob, CountRule, PermittedOutput};
use samen_node::transcript::format::{Header, Outcome, Record, FORMAT_VERSION};
use samen_node::transcript::{
    commit_input, parse_bytes, InputSalt, SharedTranscript, TranscriptWriter,
};
use samen_protocol::context::{Direction, MessageObserver, MessageRecord, Round};
use samen_protocol::{harness, Context, PartyId, ProtocolError, SecurityMode};

/// Rows of the toy job.
pub const ROWS: usize = 12;

/// The federation's node keys of the tests.
pub fn node_keys() -> [SigningKey; 3] {
    [
        SigningKey::from_bytes(&[11; 32]),
        SigningKey::from_bytes(&[22; 32]),
        SigningKey::from_bytes(&[33; 32]),
    ]
}

/// A job whose policy permits what [`toy_protocol`] reveals: `flags` to SVB (at most
/// [`ROWS`] values, once) and `flag_count` to everyone (exactly one value, once).
pub fn approved_job(tag: u8) -> ApprovedJob {
    let keys = node_keys();
    ApprovedJob {
        job_id: format!("test-job-{tag}"),
        description: "toy screening for the transcript tests".into(),
        job_hash: [tag; 32],
        circuit_hash: [0xc1; 32],
        rules_hash: [0x5e; 32],
        federation_fingerprint: [0xfe; 32],
        signing_keys: [
            keys[0].verifying_key(),
            keys[1].verifying_key(),
            keys[2].verifying_key(),
        ],
        outputs: vec![
            PermittedOutput {
                output: "flags".into(),
                recipients: vec![PartyId::SVB],
                count: CountRule::AtMost(ROWS as u64),
                max_reveals: 1,
            },
            PermittedOutput {
                output: "flag_count".into(),
                recipients: PartyId::ALL.to_vec(),
                count: CountRule::Exactly(1),
                max_reveals: 1,
            },
        ],
        approvals: None,
    }
}

/// The header a party writes for `job`.
pub fn header(job: &ApprovedJob, party: PartyId) -> Header {
    Header {
        format: FORMAT_VERSION,
        party,
        job_id: job.job_id.clone(),
        job: job.job_hash,
        circuit: job.circuit_hash,
        rules: job.rules_hash,
        federation: job.federation_fingerprint,
        mode: SecurityMode::SemiHonest,
        // The harness draws its own test seeds; the audit does not open this commitment
        // (replay does: see `audit_replay.rs`).
        seed: [0x5e; 32],
        software: "samen test".into(),
        time_ms: 1_795_000_000_000,
    }
}

/// Party `p`'s toy input: ROWS words of at least 32 bits.
pub fn input_of(p: PartyId, salt: u64) -> Vec<u64> {
    (0..ROWS as u64)
        .map(|r| 0x1_0000_0000 + (p.index() as u64) * 0x10_0000 + r * 7919 + salt * 104_729)
        .collect()
}

/// A small protocol with the message pattern of a real job: additive sharing of each
/// party's input (phase `share`), a multiplication round (`multiply`), an opening of
/// per-row values to SVB (`flags`) and of one count to everyone (`flag_count`).
pub fn toy_protocol(ctx: &mut Context, salt: u64) -> Result<Vec<u64>, ProtocolError> {
    let p = ctx.party();
    let input = input_of(p, salt);
    ctx.begin_phase("share")?;
    // x = a + b with a sent to next: the mask is private randomness.
    let mask = ctx.randomness().private(ROWS);
    let masked: Vec<u64> = input
        .iter()
        .zip(&mask)
        .map(|(x, m)| x.wrapping_sub(*m))
        .collect();
    let got = ctx.exchange(Round {
        to_next: Some(&masked),
        from_prev: Some(ROWS),
        ..Round::default()
    })?;
    let from_prev = got.from_prev.unwrap_or_default();
    ctx.begin_phase("multiply")?;
    let z: Vec<u64> = mask
        .iter()
        .zip(&from_prev)
        .map(|(a, b)| a.wrapping_mul(*b) ^ ctx.party().index() as u64)
        .collect();
    let z_next = ctx.send_prev_recv_next(&z)?;
    ctx.begin_phase("output")?;
    let shares: Vec<u64> = z
        .iter()
        .zip(&z_next)
        .map(|(a, b)| a.wrapping_add(*b))
        .collect();
    let is_svb = p == PartyId::SVB;
    let to_svb = if is_svb { None } else { Some(&shares[..]) };
    let (to_next, to_prev) = match p.index() {
        1 => (None, to_svb),
        2 => (to_svb, None),
        _ => (None, None),
    };
    ctx.exchange(Round {
        to_next,
        to_prev,
        from_next: is_svb.then_some(ROWS),
        from_prev: is_svb.then_some(ROWS),
    })?;
    ctx.record_reveal("flags", &[PartyId::SVB], ROWS);
    let count = [shares.iter().fold(0u64, |a, b| a.wrapping_add(*b))];
    ctx.exchange(Round {
        to_next: Some(&count),
        to_prev: Some(&count),
        from_next: Some(1),
        from_prev: Some(1),
    })?;
    ctx.record_reveal("flag_count", &PartyId::ALL, 1);
    Ok(shares)
}

/// One message as a party's observer saw it, bytes included (tests only).
#[derive(Clone, Debug)]
pub struct Captured {
    /// The observing party.
    pub party: PartyId,
    /// Sent or received.
    pub direction: Direction,
    /// The other party.
    pub peer: PartyId,
    /// Sequence number.
    pub seq: u64,
    /// The bytes.
    pub payload: Vec<u8>,
}

/// Forwards to the transcript and keeps every message (for the secrets scan).
pub struct Tee {
    /// The observing party.
    pub party: PartyId,
    /// The transcript.
    pub inner: SharedTranscript,
    /// Every message seen.
    pub captured: Arc<Mutex<Vec<Captured>>>,
}

impl MessageObserver for Tee {
    fn on_message(&mut self, record: &MessageRecord<'_>) {
        self.captured.lock().unwrap().push(Captured {
            party: self.party,
            direction: record.direction,
            peer: record.peer,
            seq: record.sequence,
            payload: record.payload.to_vec(),
        });
        self.inner.on_message(record);
    }
    fn on_phase(&mut self, phase: &str) {
        self.inner.on_phase(phase);
    }
    fn on_reveal(&mut self, output: &str, to: &[PartyId], count: usize) {
        self.inner.on_reveal(output, to, count);
    }
    fn on_learned(&mut self, what: &str, to: &[PartyId], value: u64) {
        self.inner.on_learned(what, to, value);
    }
}

/// The result of a toy run.
pub struct Run {
    /// The three transcript files, by party.
    pub paths: [PathBuf; 3],
    /// Every message any party sent or received, with its bytes (shares, set-up keys).
    pub captured: Vec<Captured>,
    /// The shares each party computed.
    pub outputs: Vec<Vec<u64>>,
}

/// Runs [`toy_protocol`] with transcripts in `dir`, signed with `keys`, for `job`.
pub fn run_job_with_keys(dir: &Path, job: &ApprovedJob, keys: &[SigningKey; 3], name: &str) -> Run {
    let paths: [PathBuf; 3] =
        PartyId::ALL.map(|p| dir.join(format!("{name}-{}.transcript", p.short_name())));
    let shared: Vec<SharedTranscript> = PartyId::ALL
        .iter()
        .map(|&p| {
            let w = TranscriptWriter::create(
                &paths[p.index()],
                header(job, p),
                keys[p.index()].clone(),
            )
            .unwrap();
            let t = SharedTranscript::new(w);
            let salt = InputSalt([p.index() as u8 + 1; 32]);
            let canonical: Vec<u8> = input_of(p, job.job_hash[0] as u64)
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect();
            t.commit_input(commit_input(&salt, &canonical)).unwrap();
            t
        })
        .collect();
    let captured = Arc::new(Mutex::new(Vec::new()));
    let salt = job.job_hash[0] as u64;
    let runs = harness::run_three_with(
        SecurityMode::SemiHonest,
        |p| {
            Some(Box::new(Tee {
                party: p,
                inner: shared[p.index()].clone(),
                captured: captured.clone(),
            }) as Box<dyn MessageObserver>)
        },
        |ctx| toy_protocol(ctx, salt),
    )
    .unwrap();
    for t in &shared {
        // What the node records when the linkage hands it the intersection sizes.
        t.record_learned("linkage/matched/uwv", &PartyId::ALL, 7);
        t.finish(Outcome::Success).unwrap();
    }
    let captured = captured.lock().unwrap().clone();
    Run {
        paths,
        captured,
        outputs: runs.into_iter().map(|r| r.output).collect(),
    }
}

/// [`run_job_with_keys`] with the federation's keys.
pub fn run_job(dir: &Path, job: &ApprovedJob, name: &str) -> Run {
    run_job_with_keys(dir, job, &node_keys(), name)
}

/// The records of a transcript file (checkpoints included).
pub fn records_of(path: &Path) -> Vec<Record> {
    let parsed = parse_bytes(&std::fs::read(path).unwrap());
    assert!(parsed.stop.is_none(), "{:?}", parsed.stop);
    parsed.entries.into_iter().map(|e| e.record).collect()
}

/// Writes `records` (checkpoints are dropped and re-made) as a fresh transcript at `path`,
/// signed with `key`: what a party that lies in its own transcript could produce.
pub fn rewrite(path: &Path, records: &[Record], key: &SigningKey) {
    let _ = std::fs::remove_file(path);
    let Record::Header(h) = &records[0] else {
        panic!("record 1 must be the header")
    };
    let mut w = TranscriptWriter::create(path, h.clone(), key.clone()).unwrap();
    for r in &records[1..] {
        match r {
            Record::Checkpoint(_) => {}
            Record::Input { commitment } => w.commit_input(*commitment).unwrap(),
            Record::Outcome { outcome, time_ms } => {
                w.finish_at(outcome.clone(), *time_ms).unwrap();
            }
            other => w.append_entry(other.clone()).unwrap(),
        }
    }
}

/// The lines of a file (without newlines).
pub fn lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let mut out: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(|l| l.to_vec()).collect();
    if out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// Joins lines back into file bytes.
pub fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}
