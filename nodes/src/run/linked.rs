//! The linked mode of a node: private record linkage, then the circuit on the shuffled
//! households, then the flags back to the SVB in its own order.
//!
//! Each party brings its own table in its own order ([`linkage_input`]): the SVB its
//! households (applicant BSN, partner BSN or none), UWV and the Belastingdienst their
//! persons (BSN; UWV's rows already summed per BSN and kind by [`crate::input`]). The
//! payload of each row is what its owner computes from it in the clear before linkage
//! (the local part of the job's [`LinkedCircuit`]: the SVB per household, the others per
//! person). Then, over the QUIC mesh:
//!
//! 1. **linkage** ([`samen_protocol::linkage::link`]): the blinding chains and the secret
//!    shuffle of the payload; every party ends with shares of every household's applicant
//!    and partner payload at UWV and the Belastingdienst, in a shuffled household order no
//!    party knows. A person missing at a party contributes zeros. The numbers the linkage
//!    discloses (table sizes, the households' match profiles) are written into the
//!    transcript as learned values ([`record_disclosure`]), the same at every party.
//! 2. **evaluate**: the job's linked circuit ([`LinkedCircuit::run`], every input
//!    pre-shared) on the shuffled rows, stopping before the reveal
//!    ([`samen_protocol::evaluator::evaluate_shared`]).
//! 3. **output** ([`samen_protocol::linkage::unshuffle_households`]): the flag column is
//!    brought back to the SVB's order and opened to the SVB only, under the label
//!    [`samen_protocol::linkage::HOUSEHOLDS_OUTPUT`] — the constant the audit's output
//!    policy permits for linked jobs ([`crate::audit::job::LINKAGE_OUTPUT`]).
//!
//! **Reveals**: the flags to the SVB; to all three, the linkage's documented leakage (the
//! padded table sizes and the histogram of match profiles; `docs/linkage.md`). **Cost**:
//! the linkage's (one hash-to-point and three scalar multiplications per key over all
//! parties, three rounds) plus the linked circuit on the padded households (the ANDs and
//! rounds of the aligned mode's optimised circuit), plus one round of `2n` words for the
//! output.

use std::collections::BTreeMap;

use samen_circuits::aio::{self, Household};
use samen_circuits::{eval, WireType};
use samen_protocol::evaluator::{self, LocalInputs, SharedInputs, SharedOutput};
use samen_protocol::linkage::{
    self, Alignment, HouseholdTable, LinkageInput, LinkageSpec, LinkedHouseholds, PersonTable,
};
use samen_protocol::ops::convert::{to_bitsliced, to_xor_rows};
use samen_protocol::ops::input::SharedColumn;
use samen_protocol::shuffle::{ShareKind, ShuffleColumn};
use samen_protocol::{ArithColumn, Context, PartyId, XorRowColumn};

use crate::input::{BdInput, PartyInput, UwvInput};
use crate::job::Job;
use crate::transcript::SharedTranscript;

use super::circuit::LinkedCircuit;

fn share_kind(ty: WireType) -> ShareKind {
    match ty {
        WireType::Bool { .. } => ShareKind::Xor,
        WireType::Arith { .. } => ShareKind::Arith,
    }
}

/// Rows evaluated at once when an owner computes its payload (bounds the memory of the
/// plaintext evaluation, which keeps every wire of a chunk).
const PAYLOAD_CHUNK: usize = 1 << 15;

/// Why a linked job cannot start at this node (found before anything is sent).
#[derive(Debug, thiserror::Error)]
pub enum LinkedError {
    /// The input is in the aligned layout but the job runs in the linked mode.
    #[error("the input of {0} is in the aligned layout (one row per SVB household); this job runs in the linked mode, which takes one row per person")]
    AlignedLayout(PartyId),
    /// The owner's plaintext evaluation of its payload failed (a value outside its
    /// declared type: the input check should have caught it).
    #[error("computing the payload of {party}: {reason}")]
    Payload {
        /// The party.
        party: PartyId,
        /// What failed (names an input and row, never a value).
        reason: String,
    },
    /// A BSN outside nine digits (the input check should have caught it).
    #[error("row {row}: a BSN that is not nine digits")]
    Bsn {
        /// Row of the validated input (0-based).
        row: usize,
    },
}

fn bsn(b: crate::input::Bsn, row: usize) -> Result<linkage::Bsn, LinkedError> {
    linkage::Bsn::new(b.value()).ok_or(LinkedError::Bsn { row })
}

/// The public parameters of `job`'s linkage: the job id, the payload kinds of the three
/// tables (from the linked circuit's payload fields), and the padding (none: the job
/// file has no padding field yet).
pub fn linkage_spec(job: &Job, circuit: &LinkedCircuit) -> LinkageSpec {
    let fields = PartyId::ALL.map(|p| {
        circuit
            .table_fields(p)
            .iter()
            .map(|f| share_kind(f.ty))
            .collect()
    });
    LinkageSpec {
        job_id: job.job_id.0.to_vec(),
        fields,
        padding: job
            .linkage
            .padding
            .map_or([0; 3], |p| p.map(|n| n as usize)),
    }
}

/// The payload columns of `party`'s table: each row (an SVB household, or a person
/// standing in both roles) evaluated in the clear on the local circuit, each field's
/// value XOR its offset.
fn payload(
    circuit: &LinkedCircuit,
    party: PartyId,
    rows: &[Household],
) -> Result<Vec<Vec<u64>>, LinkedError> {
    let fields = circuit.table_fields(party);
    let mut out: Vec<Vec<u64>> = fields
        .iter()
        .map(|_| Vec::with_capacity(rows.len()))
        .collect();
    for chunk in rows.chunks(PAYLOAD_CHUNK) {
        let columns = aio::circuit::input_columns(chunk);
        let ev = eval::evaluate(&circuit.local, &columns).map_err(|e| LinkedError::Payload {
            party,
            reason: e.to_string(),
        })?;
        for (col, f) in out.iter_mut().zip(&fields) {
            col.extend(ev.wire(f.source).iter().map(|v| v ^ f.offset));
        }
    }
    Ok(out)
}

/// This party's table for the linkage, from its validated input: keys, and the payload
/// columns of [`LinkedCircuit::table_fields`].
pub fn linkage_input(
    input: &PartyInput,
    circuit: &LinkedCircuit,
) -> Result<LinkageInput, LinkedError> {
    let party = input.party();
    let person = |f: &dyn Fn(&mut samen_circuits::aio::PersonRecords)| {
        let mut h = Household::default();
        f(&mut h.applicant);
        h.partner = h.applicant;
        h
    };
    Ok(match input {
        PartyInput::Svb(svb) => {
            let mut households = Vec::with_capacity(svb.households.len());
            for (row, r) in svb.households.iter().enumerate() {
                households.push(linkage::Household {
                    applicant: bsn(r.applicant_bsn, row)?,
                    partner: r.partner_bsn.map(|p| bsn(p, row)).transpose()?,
                });
            }
            let rows: Vec<Household> = svb
                .households
                .iter()
                .map(|r| Household {
                    svb: r.household.clone(),
                    ..Household::default()
                })
                .collect();
            LinkageInput::Households(HouseholdTable {
                households,
                fields: payload(circuit, party, &rows)?,
            })
        }
        PartyInput::Uwv(UwvInput::Linked(persons)) => {
            let keys = persons
                .iter()
                .enumerate()
                .map(|(row, p)| bsn(p.bsn, row))
                .collect::<Result<_, _>>()?;
            let rows: Vec<Household> = persons
                .iter()
                .map(|p| person(&|r| r.uwv = p.income))
                .collect();
            LinkageInput::Persons(PersonTable {
                persons: keys,
                fields: payload(circuit, party, &rows)?,
            })
        }
        PartyInput::Bd(BdInput::Linked(persons)) => {
            let keys = persons
                .iter()
                .enumerate()
                .map(|(row, p)| bsn(p.bsn, row))
                .collect::<Result<_, _>>()?;
            let rows: Vec<Household> = persons
                .iter()
                .map(|p| person(&|r| r.bd = p.wealth))
                .collect();
            LinkageInput::Persons(PersonTable {
                persons: keys,
                fields: payload(circuit, party, &rows)?,
            })
        }
        PartyInput::Uwv(UwvInput::Aligned(_)) | PartyInput::Bd(BdInput::Aligned(_)) => {
            return Err(LinkedError::AlignedLayout(party))
        }
    })
}

/// The columns the input commitment binds in the linked mode: the key columns
/// (`bsn`, or `applicant_bsn` and `partner_bsn` with 0 for none) and the payload columns
/// by the input of the linked circuit they feed; fed to
/// [`super::columns::canonical_input_bytes`].
pub fn commitment_columns(
    party: PartyId,
    input: &LinkageInput,
    circuit: &LinkedCircuit,
) -> LocalInputs {
    let mut out = BTreeMap::new();
    match input {
        LinkageInput::Households(t) => {
            out.insert(
                "applicant_bsn".to_string(),
                t.households
                    .iter()
                    .map(|h| u64::from(h.applicant.value()))
                    .collect(),
            );
            out.insert(
                "partner_bsn".to_string(),
                t.households
                    .iter()
                    .map(|h| h.partner.map_or(0, |p| u64::from(p.value())))
                    .collect(),
            );
        }
        LinkageInput::Persons(t) => {
            out.insert(
                "bsn".to_string(),
                t.persons.iter().map(|p| u64::from(p.value())).collect(),
            );
        }
    }
    for (f, col) in circuit.table_fields(party).into_iter().zip(input.fields()) {
        out.insert(f.input.clone(), col.clone());
    }
    out
}

fn to_shared(column: &ShuffleColumn, ty: WireType) -> Result<SharedColumn, String> {
    match (column, ty) {
        (ShuffleColumn::Xor(x), WireType::Bool { width }) => to_bitsliced(x, u32::from(width))
            .map(SharedColumn::Bool)
            .map_err(|e| e.to_string()),
        (ShuffleColumn::Arith(a), WireType::Arith { .. }) => Ok(SharedColumn::Arith(a.clone())),
        _ => Err("a linked column's sharing does not fit its circuit input".into()),
    }
}

/// The linked circuit's pre-shared inputs from the linked households: the SVB's payload,
/// and of each person table the applicant fields at the applicant's row and the partner
/// fields at the partner's.
pub fn shared_inputs(
    circuit: &LinkedCircuit,
    linked: &LinkedHouseholds,
) -> Result<SharedInputs, String> {
    let mut shared = SharedInputs::new();
    for (f, col) in circuit.svb.iter().zip(&linked.svb) {
        shared.insert(f.input.clone(), to_shared(col, f.ty)?);
    }
    for (fields, applicant, partner) in [
        (
            &circuit.persons[0],
            &linked.applicant_uwv,
            &linked.partner_uwv,
        ),
        (
            &circuit.persons[1],
            &linked.applicant_bd,
            &linked.partner_bd,
        ),
    ] {
        for (f, col) in fields.applicant.iter().zip(&applicant.fields) {
            shared.insert(f.input.clone(), to_shared(col, f.ty)?);
        }
        for (f, col) in fields
            .partner
            .iter()
            .zip(&partner.fields[fields.applicant.len()..])
        {
            shared.insert(f.input.clone(), to_shared(col, f.ty)?);
        }
    }
    Ok(shared)
}

const PROFILE_PARTS: [&str; 4] = [
    "applicant at UWV",
    "partner at UWV",
    "applicant at the Belastingdienst",
    "partner at the Belastingdienst",
];

/// The numbers the linkage disclosed to all three parties, named as the transcript
/// records them: the padded table sizes and the number of households per match profile
/// (profiles with no household are left out; they are implied by the others summing to
/// the household count).
pub fn disclosure(linked: &LinkedHouseholds) -> Vec<(String, u64)> {
    let mut out = vec![
        (
            "linkage: SVB households (with padding)".to_string(),
            linked.table_rows[0] as u64,
        ),
        (
            "linkage: UWV persons (with padding)".to_string(),
            linked.table_rows[1] as u64,
        ),
        (
            "linkage: Belastingdienst persons (with padding)".to_string(),
            linked.table_rows[2] as u64,
        ),
    ];
    let a: &Alignment = &linked.alignment;
    let matched = |v: &[Option<u32>]| v.iter().filter(|p| p.is_some()).count() as u64;
    out.push((
        "linkage: SVB persons found at UWV".to_string(),
        matched(&a.applicant_uwv) + matched(&a.partner_uwv),
    ));
    out.push((
        "linkage: SVB persons found at the Belastingdienst".to_string(),
        matched(&a.applicant_bd) + matched(&a.partner_bd),
    ));
    for (profile, &count) in a.profile_histogram().iter().enumerate() {
        if count == 0 {
            continue;
        }
        let parts: Vec<&str> = (0..4)
            .filter(|b| profile >> b & 1 == 1)
            .map(|b| PROFILE_PARTS[b])
            .collect();
        let what = if parts.is_empty() {
            "nobody found".to_string()
        } else {
            parts.join(", ")
        };
        out.push((
            format!("linkage: households with profile [{what}]"),
            count as u64,
        ));
    }
    out
}

/// Writes [`disclosure`] into the transcript as learned by all three parties.
pub fn record_disclosure(transcript: &SharedTranscript, linked: &LinkedHouseholds) {
    for (what, value) in disclosure(linked) {
        transcript.record_learned(&what, &PartyId::ALL, value);
    }
}

/// The flag column of the evaluation as a shuffle column (XOR-shared, one word per row).
fn flag_column(ctx: &Context, outputs: &evaluator::SharedOutputs) -> Result<ShuffleColumn, String> {
    let flag = outputs
        .get(aio::circuit::FLAG_OUTPUT)
        .ok_or("the circuit has no flag output")?;
    Ok(match flag {
        SharedOutput::Secret(SharedColumn::Bool(b)) => ShuffleColumn::Xor(to_xor_rows(b)),
        SharedOutput::Secret(SharedColumn::Arith(_)) => {
            return Err("the flag output is not boolean".into())
        }
        SharedOutput::Public(c) => {
            // a folded constant: the trivial sharing (component 0 carries it)
            let shares = ArithColumn::public(ctx.party(), &vec![c & 1; outputs.rows()]).shares;
            ShuffleColumn::Xor(XorRowColumn { shares })
        }
    })
}

/// What a linked run produced at this party.
#[derive(Debug)]
pub struct LinkedRun {
    /// The flags in the SVB's input order (SVB only).
    pub flags: Option<Vec<bool>>,
    /// The flag count opened to all three (with `count_to_all`).
    pub flag_count: Option<u64>,
    /// Shuffled household rows the circuit ran on.
    pub households: usize,
    /// Keys linked over all three tables (two per SVB household, one per person).
    pub keys: u64,
}

/// The protocol of a linked job at one party, after the mesh and the context are up:
/// linkage, circuit, output (see the module documentation). `transcript`: where the
/// linkage's disclosed numbers are recorded (`None` in a replay, which only recomputes
/// messages). `samen audit replay` re-runs exactly this function.
pub fn run_linked(
    ctx: &mut Context,
    circuit: &LinkedCircuit,
    spec: &LinkageSpec,
    input: &LinkageInput,
    transcript: Option<&SharedTranscript>,
    count_to_all: bool,
) -> Result<LinkedRun, String> {
    let linked = linkage::link(ctx, spec, input).map_err(|e| e.to_string())?;
    if let Some(transcript) = transcript {
        record_disclosure(transcript, &linked);
    }
    let rows = linked.households;
    let shared = shared_inputs(circuit, &linked)?;
    ctx.begin_phase("evaluate").map_err(|e| e.to_string())?;
    let outputs = evaluator::evaluate_shared(ctx, &circuit.run, &LocalInputs::new(), &shared, rows)
        .map_err(|e| e.to_string())?;
    drop(shared);
    let flag = flag_column(ctx, &outputs)?;
    ctx.begin_phase("output").map_err(|e| e.to_string())?;
    // The count does not depend on the row order: it is opened from the shuffled shares.
    let flag_count = if count_to_all {
        Some(super::count::reveal_flag_count(ctx, &outputs)?)
    } else {
        None
    };
    let opened =
        linkage::unshuffle_households(ctx, &linked.order, &[flag]).map_err(|e| e.to_string())?;
    let flags = opened.map(|cols| {
        cols.into_iter()
            .next()
            .unwrap_or_default()
            .iter()
            .map(|&w| w & 1 == 1)
            .collect()
    });
    let [svb, uwv, bd] = linked.table_rows;
    Ok(LinkedRun {
        flags,
        flag_count,
        households: rows,
        keys: (2 * svb + uwv + bd) as u64,
    })
}
