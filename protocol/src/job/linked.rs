//! The linked mode of a job: private record linkage, then the circuit on the shuffled
//! households, then the flags back to the SVB in its own order.
//!
//! Each party brings its own table in its own order ([`OwnerTable`], turned into a
//! [`LinkageInput`] by [`linkage_input`]): the SVB its households (applicant BSN, partner
//! BSN or none), UWV and the Belastingdienst their persons (BSN; one row per person). The
//! payload of each row is what its owner computes from it in the clear before linkage
//! (the local part of the job's [`LinkedCircuit`]: the SVB per household, the others per
//! person standing in both roles; [`samen_circuits::passes::linked`]). Then:
//!
//! 1. **linkage** ([`crate::linkage::link`]): the blinding chains and the secret shuffle
//!    of the payload; every party ends with shares of every household's applicant and
//!    partner payload at UWV and the Belastingdienst, in a shuffled household order no
//!    party knows. A person missing at a party contributes zeros. The numbers the linkage
//!    discloses ([`disclosure`]: table sizes, the households' match profiles) are
//!    recorded through [`Context::record_learned`], the same at every party.
//! 2. **evaluate**: the linked circuit ([`LinkedCircuit::run`], every input pre-shared,
//!    [`shared_inputs`]) on the shuffled rows, stopping before the reveal
//!    ([`crate::evaluator::evaluate_shared`]).
//! 3. **output**: the optional flag count to all three ([`super::reveal_flag_count`]),
//!    then the flag column brought back to the SVB's order and opened to the SVB only
//!    ([`crate::linkage::unshuffle_households`], label [`super::LINKAGE_OUTPUT`]).
//!
//! **Reveals**: the flags to the SVB; to all three, the linkage's documented leakage (the
//! padded table sizes and the histogram of match profiles; `docs/linkage.md`). **Cost**:
//! the linkage's (one hash-to-point and three scalar multiplications per key over all
//! parties, three rounds) plus the linked circuit on the padded households (the ANDs and
//! rounds of the aligned mode's optimised circuit), plus one round of `2n` words for the
//! output.

use samen_circuits::aio::{self, Household, PersonRecords, SvbHousehold};
use samen_circuits::{eval, WireType};

use crate::evaluator::{self, LocalInputs, SharedInputs, SharedOutput, SharedOutputs};
use crate::linkage::{
    self, Alignment, Bsn, HouseholdTable, LinkageInput, LinkageSpec, LinkedHouseholds, PersonTable,
};
use crate::ops::convert::{to_bitsliced, to_xor_rows};
use crate::ops::input::SharedColumn;
use crate::shuffle::{ShareKind, ShuffleColumn};
use crate::{ArithColumn, Context, PartyId, XorRowColumn};

use super::{
    reveal_flag_count, JobOutputs, JobRunError, LinkedCircuit, RunParams, TABLE_SIZE_LABELS,
};

/// Rows evaluated at once when an owner computes its payload (bounds the memory of the
/// plaintext evaluation, which keeps every wire of a chunk).
const PAYLOAD_CHUNK: usize = 1 << 15;

/// One party's own table of a linked job, parsed and validated by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnerTable {
    /// The SVB's households: per row the keys and the SVB's own data.
    Households {
        /// Applicant and partner keys, one per household.
        keys: Vec<linkage::HouseholdKeys>,
        /// The SVB's data of each household (same order).
        records: Vec<SvbHousehold>,
    },
    /// UWV's or the Belastingdienst's persons: per row a key and the owner's records
    /// (only the owner's part set: `uwv` at UWV, `bd` at the Belastingdienst).
    Persons {
        /// One key per person.
        keys: Vec<Bsn>,
        /// The person's records (same order).
        records: Vec<PersonRecords>,
    },
}

fn share_kind(ty: WireType) -> ShareKind {
    match ty {
        WireType::Bool { .. } => ShareKind::Xor,
        WireType::Arith { .. } => ShareKind::Arith,
    }
}

/// The public parameters of a job's linkage: the job id, the payload kinds of the three
/// tables (from the linked circuit's payload fields) and the dummy rows per table.
pub fn linkage_spec(job_id: &[u8], padding: [usize; 3], circuit: &LinkedCircuit) -> LinkageSpec {
    let fields = PartyId::ALL.map(|p| {
        circuit
            .table_fields(p)
            .iter()
            .map(|f| share_kind(f.ty))
            .collect()
    });
    LinkageSpec {
        job_id: job_id.to_vec(),
        fields,
        padding,
    }
}

/// The payload columns of `party`'s table: each row (an SVB household, or a person
/// standing in both roles) evaluated in the clear on the local circuit, each field's
/// value XOR its offset.
fn payload(
    circuit: &LinkedCircuit,
    party: PartyId,
    rows: &[Household],
) -> Result<Vec<Vec<u64>>, JobRunError> {
    let fields = circuit.table_fields(party);
    let mut out: Vec<Vec<u64>> = fields
        .iter()
        .map(|_| Vec::with_capacity(rows.len()))
        .collect();
    for chunk in rows.chunks(PAYLOAD_CHUNK) {
        let columns = aio::circuit::input_columns(chunk);
        let ev = eval::evaluate(&circuit.local, &columns)
            .map_err(|source| JobRunError::Payload { party, source })?;
        for (col, f) in out.iter_mut().zip(&fields) {
            col.extend(ev.wire(f.source).iter().map(|v| v ^ f.offset));
        }
    }
    Ok(out)
}

/// `party`'s input to the linkage: its keys, and the payload columns of
/// [`LinkedCircuit::table_fields`] computed from its own rows.
pub fn linkage_input(
    party: PartyId,
    table: &OwnerTable,
    circuit: &LinkedCircuit,
) -> Result<LinkageInput, JobRunError> {
    Ok(match (party.index(), table) {
        (0, OwnerTable::Households { keys, records }) => {
            let rows: Vec<Household> = records
                .iter()
                .map(|r| Household {
                    svb: r.clone(),
                    ..Household::default()
                })
                .collect();
            LinkageInput::Households(HouseholdTable {
                households: keys.clone(),
                fields: payload(circuit, party, &rows)?,
            })
        }
        (1 | 2, OwnerTable::Persons { keys, records }) => {
            let rows: Vec<Household> = records
                .iter()
                .map(|&r| Household {
                    applicant: r,
                    partner: r,
                    ..Household::default()
                })
                .collect();
            LinkageInput::Persons(PersonTable {
                persons: keys.clone(),
                fields: payload(circuit, party, &rows)?,
            })
        }
        _ => return Err(JobRunError::TableKind(party)),
    })
}

fn to_shared(
    column: &ShuffleColumn,
    ty: WireType,
    input: &str,
) -> Result<SharedColumn, JobRunError> {
    match (column, ty) {
        (ShuffleColumn::Xor(x), WireType::Bool { width }) => {
            Ok(SharedColumn::Bool(to_bitsliced(x, u32::from(width))?))
        }
        (ShuffleColumn::Arith(a), WireType::Arith { .. }) => Ok(SharedColumn::Arith(a.clone())),
        _ => Err(JobRunError::LinkedColumn(input.to_string())),
    }
}

/// The linked circuit's pre-shared inputs from the linked households: the SVB's payload,
/// and of each person table the applicant fields at the applicant's row and the partner
/// fields at the partner's.
pub fn shared_inputs(
    circuit: &LinkedCircuit,
    linked: &LinkedHouseholds,
) -> Result<SharedInputs, JobRunError> {
    let mut shared = SharedInputs::new();
    for (f, col) in circuit.svb.iter().zip(&linked.svb) {
        shared.insert(f.input.clone(), to_shared(col, f.ty, &f.input)?);
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
            shared.insert(f.input.clone(), to_shared(col, f.ty, &f.input)?);
        }
        for (f, col) in fields
            .partner
            .iter()
            .zip(partner.fields.iter().skip(fields.applicant.len()))
        {
            shared.insert(f.input.clone(), to_shared(col, f.ty, &f.input)?);
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
/// records them: the padded table sizes, the persons found per owner, and the number of
/// households per match profile (profiles with no household are left out; they are
/// implied by the others summing to the household count).
pub fn disclosure(linked: &LinkedHouseholds) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = TABLE_SIZE_LABELS
        .iter()
        .zip(linked.table_rows)
        .map(|(label, rows)| (label.to_string(), rows as u64))
        .collect();
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

/// The flag column of the evaluation as a shuffle column (XOR-shared, one word per row).
fn flag_column(ctx: &Context, outputs: &SharedOutputs) -> Result<ShuffleColumn, JobRunError> {
    let flag = outputs
        .get(super::OUTPUT_FLAGS)
        .ok_or(JobRunError::FlagOutput)?;
    Ok(match flag {
        SharedOutput::Secret(SharedColumn::Bool(b)) => ShuffleColumn::Xor(to_xor_rows(b)),
        SharedOutput::Secret(SharedColumn::Arith(_)) => return Err(JobRunError::FlagOutput),
        SharedOutput::Public(c) => {
            // a folded constant: the trivial sharing (component 0 carries it)
            let shares = ArithColumn::public(ctx.party(), &vec![c & 1; outputs.rows()]).shares;
            ShuffleColumn::Xor(XorRowColumn { shares })
        }
    })
}

/// The linked job at one party, after the context is up: linkage, circuit, output (see
/// the module documentation).
pub fn run_linked(
    ctx: &mut Context,
    circuit: &LinkedCircuit,
    spec: &LinkageSpec,
    input: &LinkageInput,
    params: &RunParams,
) -> Result<JobOutputs, JobRunError> {
    let linked = linkage::link(ctx, spec, input)?;
    for (what, value) in disclosure(&linked) {
        ctx.record_learned(&what, &PartyId::ALL, value);
    }
    let rows = linked.households;
    let shared = shared_inputs(circuit, &linked)?;
    ctx.begin_phase("evaluate")?;
    let outputs =
        evaluator::evaluate_shared(ctx, &circuit.run, &LocalInputs::new(), &shared, rows)?;
    drop(shared);
    let flag = flag_column(ctx, &outputs)?;
    ctx.begin_phase("output")?;
    let flag_count = if params.count_to_all {
        Some(reveal_flag_count(ctx, &outputs)?)
    } else {
        None
    };
    let opened = linkage::unshuffle_households(ctx, &linked.order, &[flag])?;
    let flags = opened.map(|cols| {
        cols.into_iter()
            .next()
            .unwrap_or_default()
            .iter()
            .map(|&w| w & 1 == 1)
            .collect()
    });
    Ok(JobOutputs { flags, flag_count })
}
