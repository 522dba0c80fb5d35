//! The three-hop blinding chain of every table, with the payload shuffle riding on it.
//!
//! Table `T` is owned by party `o = T`. Its shuffle steps, in order, are the pairs that
//! exclude `o + 1`, `o + 2` and `o` (π1 = π_{o,o+2}, π2 = π_{o,o+1}, π3 = π_{o+1,o+2}):
//! at each hop the sender applies the pair permutation its recipient does not know.
//!
//! | round | owner o | party o + 1 | party o + 2 |
//! | --- | --- | --- | --- |
//! | 1 | hashes, blinds (k_o), applies σ, π1; sends points to o+1. Applies σ, π1, π2 to its payload and sends o+2 the half `b = w − a` of a two-out-of-two sharing (`a` from the pair {o, o+1}'s stream) | receives points | receives `b` |
//! | 2 | receives its fresh payload shares | blinds (k_{o+1}), applies π2, sends points to o+2; payload step π3 as member p (half `a`) | payload step π3 as member q (half `b`) |
//! | 3 | receives tags | receives tags | blinds (k_{o+2}), applies π3: the final tags, sent to both |
//!
//! All three tables run at once: in every round each party plays a different role for
//! each table, so a round carries one message per direction for all three chains, and
//! the curve work of a round is spread over the three parties. Three rounds in all.
//!
//! The payload shuffle is the composite π3 ∘ π2 ∘ π1 ∘ σ of the tags: the owner applies
//! the parts it knows (σ, π1, π2) to its plaintext before sharing, and the one step it
//! must not know (π3) is the secret-shared pair step of [`crate::shuffle`] on a
//! two-out-of-two sharing. That costs `3n` words per payload column instead of `2n` for
//! input and `6n` for a full three-step shuffle, with the same result: shares of the
//! payload in tag order, fresh to every party.
//!
//! Every length is checked against the announced table size before anything is parsed;
//! a table size is announced in an 8-byte header of the owner's round-1 messages.

use super::blind::{
    decompress_blind_compress, hash_blind_compress, BlindingKey, CurveOps, POINT_BYTES,
};
use super::hash::KeyHasher;
use super::input::MAX_TABLE_ROWS;
use super::join::check_distinct;
use super::padding::PreparedTable;
use crate::context::BytesRound;
use crate::randomness::{PrfKey, PrfStream};
use crate::shuffle::{
    pair_seed, step_p_side, step_q_side, Pair, Permutation, ShareKind, ShuffleColumn,
};
use crate::wire::{decode_words, encode_words};
use crate::{Context, PartyId, ProtocolError, ReplicatedWords};

/// Key slots per row of each table: SVB households have two (applicant, partner).
pub(crate) const WIDTH: [usize; 3] = [2, 1, 1];

/// The table names used in errors.
pub(crate) const TABLE: [&str; 3] = ["SVB household", "UWV", "Belastingdienst"];

/// The pair steps of the table owned by `owner`, first to last.
pub fn step_order(owner: PartyId) -> [Pair; 3] {
    [
        Pair::without(owner.next()),
        Pair::without(owner.prev()),
        Pair::without(owner),
    ]
}

/// One party's result of the three chains.
pub(crate) struct ChainOutput {
    /// Rows of each table, dummies included.
    pub rows: [usize; 3],
    /// Final tags of each table, compressed, `rows × WIDTH` points row-major.
    pub tags: [Vec<u8>; 3],
    /// Each table's payload shares, in tag order.
    pub payload: [Vec<ShuffleColumn>; 3],
    /// The permutations of the SVB table's steps this party knows.
    pub svb_known: [Option<Permutation>; 3],
    /// Curve operations done here.
    pub ops: CurveOps,
}

fn stream(seed: [u8; 16]) -> PrfStream {
    PrfStream::new(&PrfKey::from_bytes(seed))
}

fn with_header(rows: usize, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(8 + body.len());
    m.extend_from_slice(&(rows as u64).to_le_bytes());
    m.extend_from_slice(body);
    m
}

/// Splits an owner's round-1 message into (rows, body), checking the body has
/// `rows × bytes_per_row` bytes.
fn parse_header(
    msg: &[u8],
    from: PartyId,
    table: usize,
    bytes_per_row: usize,
) -> Result<(usize, &[u8]), ProtocolError> {
    let bad = |reason: String| ProtocolError::MalformedMessage { from, reason };
    if msg.len() < 8 {
        return Err(bad(format!(
            "{} table: message of {} bytes has no size header",
            TABLE[table],
            msg.len()
        )));
    }
    let rows = u64::from_le_bytes(msg[..8].try_into().expect("8 bytes"));
    if rows > MAX_TABLE_ROWS as u64 {
        return Err(bad(format!(
            "{} table: announced {rows} rows, limit {MAX_TABLE_ROWS}",
            TABLE[table]
        )));
    }
    let rows = rows as usize;
    let body = &msg[8..];
    if body.len() != rows * bytes_per_row {
        return Err(bad(format!(
            "{} table: {} bytes for {rows} rows, expected {}",
            TABLE[table],
            body.len(),
            rows * bytes_per_row
        )));
    }
    Ok((rows, body))
}

fn expect_len(msg: &[u8], expected: usize, from: PartyId, what: &str) -> Result<(), ProtocolError> {
    if msg.len() != expected {
        return Err(ProtocolError::MalformedMessage {
            from,
            reason: format!("{what}: {} bytes, expected {expected}", msg.len()),
        });
    }
    Ok(())
}

/// Splits `fields × n` words into `fields` columns of `n` (the length was checked).
fn split_columns(words: &[u64], n: usize, fields: usize) -> Vec<Vec<u64>> {
    (0..fields)
        .map(|f| words[f * n..(f + 1) * n].to_vec())
        .collect()
}

/// Runs the chains of all three tables; `mine` is this party's prepared table.
pub(crate) fn run(
    ctx: &mut Context,
    kinds: &[Vec<ShareKind>; 3],
    mine: &PreparedTable,
    hasher: &KeyHasher,
    key: &BlindingKey,
) -> Result<ChainOutput, ProtocolError> {
    let me = ctx.party();
    let (nxt, prv) = (me.next(), me.prev());
    let own = me.index();
    // the table I am the second hop of (owner me − 1) and the third hop of (owner me + 1)
    let (ta, tb) = (prv.index(), nxt.index());
    let mut ops = CurveOps::default();

    // Seeds of every pair step this party is in, in a fixed order (fixed sizes: no
    // table size is needed yet, so both members of each pair stay in step).
    let mut seeds: [[Option<[u8; 16]>; 3]; 3] = [[None; 3]; 3];
    for (t, table_seeds) in seeds.iter_mut().enumerate() {
        for (k, pair) in step_order(PartyId::ALL[t]).iter().enumerate() {
            if let Some(peer) = pair.peer_of(me) {
                table_seeds[k] = Some(pair_seed(ctx, peer));
            }
        }
    }
    let seed = |t: usize, k: usize| {
        seeds[t][k]
            .ok_or_else(|| ProtocolError::InvalidOperands("linkage: missing pair seed".into()))
    };

    // ---- Round 1: the owner's hop, and the owner's two-out-of-two payload sharing.
    let n_own = mine.rows();
    let mut s1 = stream(seed(own, 0)?);
    let pi1 = Permutation::sample(&mut s1, n_own);
    let mut s2 = stream(seed(own, 1)?);
    let pi2 = Permutation::sample(&mut s2, n_own);
    let hop1 = hash_blind_compress(hasher, key, &mine.slots, &mut ops);
    let hop1 = pi1.apply_rows(&hop1, mine.width * POINT_BYTES);
    let mut halves_b = Vec::with_capacity(n_own * kinds[own].len());
    for (col, &kind) in mine.fields.iter().zip(&kinds[own]) {
        let w = pi2.apply(&pi1.apply(col));
        let a = s2.words(n_own);
        halves_b.extend(w.iter().zip(&a).map(|(&w, &a)| kind.remove(w, a)));
    }
    let got = ctx.exchange_bytes(BytesRound {
        to_next: Some(with_header(n_own, &hop1)),
        to_prev: Some(with_header(n_own, &encode_words(&halves_b))),
        from_next: true,
        from_prev: true,
    })?;
    let (m_next, m_prev) = (
        got.from_next.unwrap_or_default(),
        got.from_prev.unwrap_or_default(),
    );
    let (n_b, b_bytes) = parse_header(&m_next, nxt, tb, kinds[tb].len() * 8)?;
    let (n_a, hop1_a) = parse_header(&m_prev, prv, ta, WIDTH[ta] * POINT_BYTES)?;
    let halves_b_tb = split_columns(
        &decode_words(nxt, b_bytes, n_b * kinds[tb].len())?,
        n_b,
        kinds[tb].len(),
    );
    let mut rows = [0usize; 3];
    rows[own] = n_own;
    rows[ta] = n_a;
    rows[tb] = n_b;

    // ---- Round 2: second hop of table ta; payload step π3 of ta (as p) and tb (as q).
    let mut s2a = stream(seed(ta, 1)?);
    let pi2_a = Permutation::sample(&mut s2a, n_a);
    let halves_a_ta: Vec<Vec<u64>> = kinds[ta].iter().map(|_| s2a.words(n_a)).collect();
    let mut s3a = stream(seed(ta, 2)?);
    let pi3_a = Permutation::sample(&mut s3a, n_a);
    let mut s3b = stream(seed(tb, 2)?);
    let pi3_b = Permutation::sample(&mut s3b, n_b);

    let mut payload_a = Vec::with_capacity(kinds[ta].len());
    let mut to_prev_words = Vec::with_capacity(n_a * kinds[ta].len());
    for (half, &kind) in halves_a_ta.iter().zip(&kinds[ta]) {
        let fresh = step_p_side(kind, half, &pi3_a, &mut s3a);
        to_prev_words.extend_from_slice(&fresh.own);
        payload_a.push(ShuffleColumn::from_shares(kind, fresh));
    }
    let mut payload_b = Vec::with_capacity(kinds[tb].len());
    let mut c_t_words = Vec::with_capacity(n_b * kinds[tb].len());
    for (half, &kind) in halves_b_tb.iter().zip(&kinds[tb]) {
        let fresh = step_q_side(kind, half, &pi3_b, &mut s3b);
        c_t_words.extend_from_slice(&fresh.next);
        payload_b.push(ShuffleColumn::from_shares(kind, fresh));
    }
    check_distinct(hop1_a, prv, &format!("{} table, first hop", TABLE[ta]))?;
    let hop2 = decompress_blind_compress(
        hop1_a,
        prv,
        &format!("{} table, first hop", TABLE[ta]),
        key,
        &mut ops,
    )?;
    let mut to_next = pi2_a.apply_rows(&hop2, WIDTH[ta] * POINT_BYTES);
    to_next.extend_from_slice(&encode_words(&c_t_words));
    let got = ctx.exchange_bytes(BytesRound {
        to_next: Some(to_next),
        to_prev: Some(encode_words(&to_prev_words)),
        from_next: true,
        from_prev: true,
    })?;
    let (m_next, m_prev) = (
        got.from_next.unwrap_or_default(),
        got.from_prev.unwrap_or_default(),
    );
    let f_own = kinds[own].len();
    let c_p_own = split_columns(&decode_words(nxt, &m_next, n_own * f_own)?, n_own, f_own);
    let hop2_bytes = n_b * WIDTH[tb] * POINT_BYTES;
    expect_len(
        &m_prev,
        hop2_bytes + n_own * f_own * 8,
        prv,
        &format!(
            "{} table second hop and {} table payload",
            TABLE[tb], TABLE[own]
        ),
    )?;
    let c_t_own = split_columns(
        &decode_words(prv, &m_prev[hop2_bytes..], n_own * f_own)?,
        n_own,
        f_own,
    );
    let payload_own: Vec<ShuffleColumn> = kinds[own]
        .iter()
        .zip(c_t_own.into_iter().zip(c_p_own))
        .map(|(&kind, (c_t, c_p))| {
            ShuffleColumn::from_shares(
                kind,
                ReplicatedWords {
                    own: c_t,
                    next: c_p,
                },
            )
        })
        .collect();

    // ---- Round 3: third hop of table tb, broadcast of its final tags.
    check_distinct(
        &m_prev[..hop2_bytes],
        prv,
        &format!("{} table, second hop", TABLE[tb]),
    )?;
    let hop3 = decompress_blind_compress(
        &m_prev[..hop2_bytes],
        prv,
        &format!("{} table, second hop", TABLE[tb]),
        key,
        &mut ops,
    )?;
    let tags_b = pi3_b.apply_rows(&hop3, WIDTH[tb] * POINT_BYTES);
    let got = ctx.exchange_bytes(BytesRound {
        to_next: Some(tags_b.clone()),
        to_prev: Some(tags_b.clone()),
        from_next: true,
        from_prev: true,
    })?;
    let (tags_a, tags_own) = (
        got.from_next.unwrap_or_default(),
        got.from_prev.unwrap_or_default(),
    );
    expect_len(
        &tags_a,
        n_a * WIDTH[ta] * POINT_BYTES,
        nxt,
        &format!("{} table tags", TABLE[ta]),
    )?;
    expect_len(
        &tags_own,
        n_own * WIDTH[own] * POINT_BYTES,
        prv,
        &format!("{} table tags", TABLE[own]),
    )?;

    let mut tags: [Vec<u8>; 3] = Default::default();
    tags[own] = tags_own;
    tags[ta] = tags_a;
    tags[tb] = tags_b;
    let mut payload: [Vec<ShuffleColumn>; 3] = Default::default();
    payload[own] = payload_own;
    payload[ta] = payload_a;
    payload[tb] = payload_b;

    // What this party knows of the SVB table's shuffle (for the inverse at the end).
    let svb_known = match me.index() {
        0 => [Some(pi1), Some(pi2), None],
        1 => [None, Some(pi2_a), Some(pi3_a)],
        _ => [
            Some(Permutation::sample(&mut stream(seed(0, 0)?), n_b)),
            None,
            Some(pi3_b),
        ],
    };
    Ok(ChainOutput {
        rows,
        tags,
        payload,
        svb_known,
        ops,
    })
}
