//! Private record linkage: SVB's households, UWV's and the Belastingdienst's persons,
//! linked into secret-shared rows aligned to SVB's households, without any party
//! learning which of its records matched.
//!
//! An ECDH-style blinding chain on Ristretto255 (curve25519-dalek) in the honest-majority
//! setting, combined with the three-party shuffle of [`crate::shuffle`]; compare Meta's
//! Private-ID (Buddhavarapu et al.), Mohassel–Rindal–Rosulek (CCS 2020) and Sharemind's
//! oblivious join (Laur & Talviste 2013). `docs/linkage.md` states the protocol, the
//! leakage and the argument in full; this is the summary next to the code.
//!
//! # Protocol
//! 1. **Owner preparation** (`padding`): each owner validates its table (no duplicate
//!    key), appends the job's dummy rows, puts its rows in a private random order σ, and
//!    hashes each key to `H(bsn)` ([`hash`]: domain ‖ job id ‖ nine ASCII digits). An
//!    empty partner key or a dummy key becomes a fresh random point. `H(bsn)` never
//!    leaves its owner.
//! 2. **Chain per table** ([`chain`]): owner `o`, then `o + 1`, then `o + 2`; each hop
//!    raises every point to its party's secret scalar `k_i` ([`blind`]) and applies the
//!    pair permutation its recipient does not know: π1 = π_{o,o+2}, π2 = π_{o,o+1},
//!    π3 = π_{o+1,o+2}. The last hop sends the tags `k0·k1·k2·H(bsn)` to both others.
//!    The payload of the table is shuffled by the same π3 ∘ π2 ∘ π1 ∘ σ, secret-shared.
//! 3. **Join** ([`join`]): every party matches the tags and assembles, locally, shares
//!    of each household's applicant and partner payload at UWV and the Belastingdienst
//!    (zero where missing), in shuffled household order.
//! 4. The circuit runs on the shuffled rows; [`unshuffle_households`] undoes the SVB
//!    table's shuffle on an output column and reveals it to SVB in SVB's own row order.
//!
//! **Cost**: three rounds for all three tables; per key one hash-to-point and three
//! scalar multiplications over all parties (counted in [`CurveOps`]); 128 bytes of points
//! per key sent in total (32 per hop, 64 for the broadcast of tags); per payload field
//! and row 24 bytes. [`unshuffle_households`]: one round, 16 bytes per row and column.
//!
//! # Leakage
//! Each party learns the (padded) sizes of the three tables and the equality pattern of
//! the final tags: which shuffled SVB key equals which shuffled UWV or Belastingdienst
//! key, and which UWV and Belastingdienst keys are equal. That is the intersection sizes
//! and the histogram of per-household match profiles ([`Alignment::profile_histogram`]),
//! nothing about which of its own rows matched: no party knows the composite order of
//! any table. SVB learns the revealed output column, nothing else.
//!
//! # Security (semi-honest, honest majority)
//! For table `o`: party `o + 1` sees `k_o·H(·)` in order π1σ, with π1 and `k_o` unknown
//! to it; party `o + 2` sees `k_{o+1}k_o·H(·)` in order π2π1σ, with π2 unknown; all see
//! the tags in order π3π2π1σ, which the owner cannot undo (π3 unknown), `o + 1` can
//! undo only back to the hop-1 order (π1 unknown), and `o + 2` only back to the hop-2
//! order (π2 unknown). Linking a blinded point to a key it did not come from, or two
//! blindings of one key across hops, without the exponent is the decisional
//! Diffie–Hellman problem in Ristretto255 (with `H` a random oracle). The payload shares
//! each party receives are fresh uniformly random components.
//!
//! A deviating party could duplicate a row at its hop to single out its match profile:
//! every hop and every tag receiver aborts on a repeated point (implemented). It could
//! also drop or rescale rows, or (as owner) insert a rescaled copy of a chosen key to
//! probe whether that person is at UWV or the Belastingdienst; the malicious-mode checks
//! that stop these (a batched Chaum–Pedersen proof of one exponent per hop, a MAC-checked
//! shuffle, not showing an owner its own table's tags) are not implemented yet: see
//! `docs/linkage.md`.

pub mod blind;
pub mod chain;
pub mod hash;
pub mod input;
pub mod join;
mod padding;

pub use blind::{BlindingKey, CurveOps};
pub use hash::{Bsn, KeyHasher};
pub use input::{
    HouseholdKeys, HouseholdTable, LinkageInput, LinkageInputError, PersonTable, MAX_TABLE_ROWS,
};
pub use join::{Alignment, MatchProfile, PersonColumns};

/// The label under which [`unshuffle_households`] records its reveal to SVB (what an
/// audit's output policy must permit for a linked job).
pub const HOUSEHOLDS_OUTPUT: &str = "linkage/households";

use crate::randomness::SeedPurpose;
use crate::shuffle::{permute_and_reveal, Pair, Permutation, ShareKind, ShuffleColumn};
use crate::{Context, PartyId, ProtocolError};

/// The public parameters of a linkage: the same at all three parties.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkageSpec {
    /// The job id, bound into every key hash.
    pub job_id: Vec<u8>,
    /// How each table's payload columns are to be shared, in input order:
    /// `[SVB, UWV, Belastingdienst]`.
    pub fields: [Vec<ShareKind>; 3],
    /// Dummy rows each owner adds to its table to blur its size.
    pub padding: [usize; 3],
}

/// One party's result: shares aligned to SVB's households, in shuffled order.
///
/// Row `h` of every column is the same household. Columns hold this party's two
/// components; the kinds are those of the [`LinkageSpec`]. SVB's dummy rows are
/// households too (with nobody found anywhere); [`unshuffle_households`] drops them.
#[derive(Clone, Debug)]
pub struct LinkedHouseholds {
    /// Shuffled household rows (SVB's households plus its dummy rows).
    pub households: usize,
    /// SVB's payload columns.
    pub svb: Vec<ShuffleColumn>,
    /// The applicant's UWV payload and presence.
    pub applicant_uwv: PersonColumns,
    /// The partner's UWV payload and presence.
    pub partner_uwv: PersonColumns,
    /// The applicant's Belastingdienst payload and presence.
    pub applicant_bd: PersonColumns,
    /// The partner's Belastingdienst payload and presence.
    pub partner_bd: PersonColumns,
    /// The public match pattern (known to all three parties; the protocol's leakage).
    pub alignment: Alignment,
    /// Rows of each table with padding, `[SVB, UWV, Belastingdienst]` (public).
    pub table_rows: [usize; 3],
    /// The handle to bring an output column back to SVB's order.
    pub order: HouseholdOrder,
    /// Curve operations this party performed.
    pub curve_ops: CurveOps,
}

/// What a party knows of the SVB table's shuffle: enough to undo it for an output column
/// and reveal that to SVB in SVB's own order.
///
/// UWV and the Belastingdienst hold the last step π3 = π_{UWV,BD}; SVB holds the map from
/// the order before that step back to its input rows (σ, π1, π2) and which rows were
/// dummies.
#[derive(Clone, Debug)]
pub struct HouseholdOrder {
    rows: usize,
    real_rows: usize,
    last_step: Option<Permutation>,
    svb_rows: Option<Permutation>,
}

impl HouseholdOrder {
    /// Shuffled household rows (with dummies).
    pub fn rows(&self) -> usize {
        self.rows
    }
}

/// Links the three tables: this party's `input`, the job's `spec`, and a blinding key
/// drawn from the party's seed ([`SeedPurpose::LinkageBlinding`], a fresh derivation per
/// call). Begins the phase `linkage`; three rounds. See [`link_with_key`].
pub fn link(
    ctx: &mut Context,
    spec: &LinkageSpec,
    input: &LinkageInput,
) -> Result<LinkedHouseholds, ProtocolError> {
    let key = BlindingKey::from_stream(
        &mut ctx
            .randomness()
            .purpose_stream(SeedPurpose::LinkageBlinding),
    );
    link_with_key(ctx, spec, input, &key)
}

/// [`link`] with a given blinding exponent (tests). The key must be fresh and secret:
/// reusing it across jobs makes tags comparable across jobs. The dummy rows and the
/// owner's private order still come from the party's seed.
///
/// An input error is found before anything is sent: the party aborts (telling the
/// peers only that its input was rejected) and returns
/// [`ProtocolError::InvalidOperands`] with the details.
pub fn link_with_key(
    ctx: &mut Context,
    spec: &LinkageSpec,
    input: &LinkageInput,
    key: &BlindingKey,
) -> Result<LinkedHouseholds, ProtocolError> {
    let me = ctx.party();
    if let Err(e) = input.validate(me, spec.fields[me.index()].len(), spec.padding[me.index()]) {
        ctx.abort("linkage input rejected by its owner");
        return Err(ProtocolError::InvalidOperands(format!(
            "linkage input of {me}: {e}"
        )));
    }
    ctx.begin_phase("linkage")?;
    let mut dummies = ctx.randomness().purpose_stream(SeedPurpose::LinkageDummies);
    let mut order = ctx.randomness().purpose_stream(SeedPurpose::LinkageOrder);
    let prepared = padding::prepare(input, spec.padding[me.index()], &mut dummies, &mut order);
    let hasher = KeyHasher::new(&spec.job_id);
    let out = chain::run(ctx, &spec.fields, &prepared, &hasher, key)?;
    let alignment = join::align(&out.tags)?;
    let [svb_payload, uwv, bd] = out.payload;
    let order = HouseholdOrder {
        rows: out.rows[0],
        real_rows: if me == PartyId::SVB {
            prepared.real_rows
        } else {
            0
        },
        last_step: out.svb_known[2].clone(),
        svb_rows: match &out.svb_known {
            [Some(p1), Some(p2), None] => Some(prepared.origin.then(p1).then(p2)),
            _ => None,
        },
    };
    Ok(LinkedHouseholds {
        households: out.rows[0],
        svb: svb_payload,
        applicant_uwv: join::assemble(&uwv, &alignment.applicant_uwv),
        partner_uwv: join::assemble(&uwv, &alignment.partner_uwv),
        applicant_bd: join::assemble(&bd, &alignment.applicant_bd),
        partner_bd: join::assemble(&bd, &alignment.partner_bd),
        alignment,
        table_rows: out.rows,
        order,
        curve_ops: out.ops,
    })
}

/// Undoes the SVB table's shuffle on `columns` (output columns in shuffled household
/// order) and reveals them to SVB only, in SVB's input row order, dummy rows dropped.
///
/// UWV and the Belastingdienst undo π3 (which SVB must not learn) with the pair step of
/// [`permute_and_reveal`], which opens the values to SVB in the order before π3; SVB
/// then undoes π2, π1 and σ, which it knows, locally. The same result as a full inverse
/// shuffle followed by a reveal, in one round and `2n` words per column instead of four
/// rounds and `8n`. Returns `Some(columns)` (one `Vec` per column, one value per input
/// household) at SVB, `None` at the others; the reveal is recorded as
/// `linkage/households`.
pub fn unshuffle_households(
    ctx: &mut Context,
    order: &HouseholdOrder,
    columns: &[ShuffleColumn],
) -> Result<Option<Vec<Vec<u64>>>, ProtocolError> {
    for (i, c) in columns.iter().enumerate() {
        if c.rows() != order.rows {
            return Err(ProtocolError::InvalidOperands(format!(
                "output column {i} has {} rows, the linked households {}",
                c.rows(),
                order.rows
            )));
        }
    }
    let inverse = order.last_step.as_ref().map(Permutation::inverse);
    let opened = permute_and_reveal(
        ctx,
        Pair::without(PartyId::SVB),
        inverse.as_ref(),
        columns,
        HOUSEHOLDS_OUTPUT,
    )?;
    let (Some(opened), Some(map)) = (opened, order.svb_rows.as_ref()) else {
        return Ok(None);
    };
    Ok(Some(
        opened
            .into_iter()
            .map(|values| {
                let mut out = vec![0u64; order.real_rows];
                for (&row, v) in map.as_slice().iter().zip(values) {
                    if let Some(slot) = out.get_mut(row as usize) {
                        *slot = v;
                    }
                }
                out
            })
            .collect(),
    ))
}
