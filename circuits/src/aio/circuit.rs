//! The AIO screening circuit, built with [`Builder`] from a rules file and the job policy.
//!
//! One row per SVB household. Inputs ([`INPUTS`], in this order) are owned by the party that
//! holds the data; amounts enter as unsigned boolean words of their declared width (monthly
//! income `Bool{32}`, wealth `Bool{40}`), so the declared type *is* the range check. One
//! output, [`FLAG_OUTPUT`] (`Bool{1}`), revealed to the SVB only. The rules hash, the rules
//! name and the policy are circuit annotations, so they are part of the canonical encoding and
//! of the circuit hash.
//!
//! # What is computed where
//!
//! The circuit computes the formulas of the [`aio` module](super) in an algebraically equal,
//! narrower form. Let `g = gcd(ρ, 10^4)`, `S = 10^4 / g`, `R = ρ / g` (for ρ = 25%: `S = 4`,
//! `R = 1`); all income is in units of cents / S, so the disregard is exact without the full
//! 10^4 scale. Per person `p`:
//!
//! - UWV, in the clear: `u(p) = S·(W + P + B) − min(W·R, cap·S)` (≥ 0), then
//!   `u'(p) = min(u(p), C)`, narrowed to `k = bitlen(C)` bits.
//! - SVB, in the clear: `a'(p) = min(S·A(p), C)` narrowed likewise; per kept breakpoint `j`:
//!   `v_j(p) = ⌊S·b_j / 12⌋ − a'(p)` and `12·a'(p) − S·b_j`; the household's income threshold
//!   `T = 12·S·norm[type]·(10^4 + tol)`, wealth limit `L = limit[type]`, and
//!   `eligible = aow_age_reached ∧ lives_in_nl ∧ ¬already_aio ∧ ¬excluded`.
//! - Belastingdienst, in the clear: `wealth(p) = assets − debts`, `equity(p) = woz − mortgage`.
//! - In MPC: `G'(p) = u'(p) + a'(p)`; `bit_j(p) = [v_j(p) < u'(p)] = [12·G'(p) > S·b_j]`;
//!   `N(p) = 12·r_0·G'(p) + Σ_{kept j ≥ 1} (r_j − r_{j−1})·bit_j(p)·(12·G'(p) − S·b_j)`;
//!   `income_ok = N(a)/d + N(b)/d ≤ ⌊T/d⌋` where `d` is the gcd of the coefficients `12·r_0`
//!   and `r_j − r_{j−1}` (so `N/d` is an integer and the comparison is exact; `d = 8` by
//!   default, three bits narrower);
//!   `D1 = (L − wealth(a)) − wealth(b)`, `wealth_ok = 0 ≤ D1` under `loan`, and under `count`
//!   also `0 ≤ ((D1 + H) − equity(a)) − equity(b)` (because `x + max(0, y) ≤ L ⇔ x ≤ L ∧ x + y ≤ L`);
//!   `flag = eligible ∧ wealth_ok ∧ income_ok`.
//!
//! Why this equals the reference exactly. `N(p)·g` is the reference's `net_bp2(p)` and `T·g`
//! its threshold (the PWL in marginal form: `Σ_j r_j·clamp(x − β_j, 0, β_{j+1} − β_j) =
//! r_0·x + Σ_{j≥1} (r_j − r_{j−1})·max(0, x − β_j)` for `x ≥ 0`). Saturation: `C` is the
//! smallest `G` with `N(G) > T_max = 12·S·max(norms)·(10^4 + tol)`; `N` is strictly increasing
//! (every rate ≥ 1 bp) and non-negative, so a person with `G ≥ C` fails the income test alone
//! whatever the household type, and `min(·, C)` on each party's part keeps `G' ≥ C` exactly
//! when `G ≥ C` (both parts are ≥ 0). Breakpoints: with `G' ≤ 2C`, a breakpoint with
//! `S·b_j ≥ 24·C` never contributes; when the rates never increase (concave), a breakpoint
//! with `S·b_j ≥ 12·C` only changes `N` at `G' ≥ C`, where dropping it can only raise `N`
//! (the steeper previous rate continues), and such a person fails either way. So both are
//! dropped. The property tests compare with the unsaturated reference on random and edge
//! households.
//!
//! Linkage: after record linkage no party knows which of its persons are partners, so no
//! party may combine the applicant's and the partner's values in the clear (the SVB can: it
//! holds the household). The circuit is written so that every cross-person sum of UWV or
//! Belastingdienst values involves another party's value first (`(L − wealth(a)) − wealth(b)`),
//! which keeps owner-local evaluation per person; [`cross_person_local_gates`] checks it.
//!
//! Cost (default rules, tolerance 0, after [`crate::passes::optimize`]): one kept breakpoint
//! per person, so two boolean comparisons of 22 bits, two bit × value products, one arithmetic
//! comparison of 40 bits for income and one (`loan`) or two (`count`) of 45 bits for wealth,
//! two or three ANDs: 430 ANDs (`loan`) or 608 (`count`) and 18 rounds per household; the full
//! tables are in `docs/circuits.md`. Reveals the flag to the SVB only; a count of flagged
//! households is not a per-row value and is left to the evaluator (sum of the flag shares).

use super::household::{HomeRule, Household, Person, Policy, PolicyError};
use super::rules::{AioRules, BP};
use crate::builder::{BuildError, Builder};
use crate::eval::{Columns, Evaluation};
use crate::ir::{Circuit, Op, PartyId, PartySet, Placement, WireId, WireType};

/// Name of the flag output (`Bool{1}`, revealed to the SVB).
pub const FLAG_OUTPUT: &str = "flag";
/// Width of a monthly income amount input (unsigned, `Bool{32}`).
pub const MONTHLY_BITS: u8 = 32;
/// Width of a wealth amount input (unsigned, `Bool{40}`).
pub const WEALTH_BITS: u8 = 40;

/// The circuit's inputs in declaration order: name, owner, type. Every input is one word per
/// household row; see [`input_value`] for how a [`Household`] fills it.
pub const INPUTS: [(&str, PartyId, WireType); 21] = [
    ("svb.household_type", PartyId::SVB, WireType::boolean(2)),
    ("svb.aow_age_reached", PartyId::SVB, WireType::BIT),
    ("svb.lives_in_nl", PartyId::SVB, WireType::BIT),
    ("svb.already_aio", PartyId::SVB, WireType::BIT),
    ("svb.excluded", PartyId::SVB, WireType::BIT),
    (
        "svb.applicant.aow_gross",
        PartyId::SVB,
        WireType::boolean(MONTHLY_BITS),
    ),
    (
        "svb.partner.aow_gross",
        PartyId::SVB,
        WireType::boolean(MONTHLY_BITS),
    ),
    (
        "uwv.applicant.wages",
        PartyId::UWV,
        WireType::boolean(MONTHLY_BITS),
    ),
    (
        "uwv.applicant.pensions",
        PartyId::UWV,
        WireType::boolean(MONTHLY_BITS),
    ),
    (
        "uwv.applicant.benefits",
        PartyId::UWV,
        WireType::boolean(MONTHLY_BITS),
    ),
    (
        "uwv.partner.wages",
        PartyId::UWV,
        WireType::boolean(MONTHLY_BITS),
    ),
    (
        "uwv.partner.pensions",
        PartyId::UWV,
        WireType::boolean(MONTHLY_BITS),
    ),
    (
        "uwv.partner.benefits",
        PartyId::UWV,
        WireType::boolean(MONTHLY_BITS),
    ),
    (
        "bd.applicant.box3_assets",
        PartyId::BELASTINGDIENST,
        WireType::boolean(WEALTH_BITS),
    ),
    (
        "bd.applicant.box3_debts",
        PartyId::BELASTINGDIENST,
        WireType::boolean(WEALTH_BITS),
    ),
    (
        "bd.applicant.woz_share",
        PartyId::BELASTINGDIENST,
        WireType::boolean(WEALTH_BITS),
    ),
    (
        "bd.applicant.mortgage",
        PartyId::BELASTINGDIENST,
        WireType::boolean(WEALTH_BITS),
    ),
    (
        "bd.partner.box3_assets",
        PartyId::BELASTINGDIENST,
        WireType::boolean(WEALTH_BITS),
    ),
    (
        "bd.partner.box3_debts",
        PartyId::BELASTINGDIENST,
        WireType::boolean(WEALTH_BITS),
    ),
    (
        "bd.partner.woz_share",
        PartyId::BELASTINGDIENST,
        WireType::boolean(WEALTH_BITS),
    ),
    (
        "bd.partner.mortgage",
        PartyId::BELASTINGDIENST,
        WireType::boolean(WEALTH_BITS),
    ),
];

/// The word of input `name` for one household, or `None` for an unknown name. The
/// household must satisfy [`Household::validate`] for the word to fit the declared type.
pub fn input_value(name: &str, h: &Household) -> Option<u64> {
    let s = &h.svb;
    let (a, p) = (&h.applicant, &h.partner);
    Some(match name {
        "svb.household_type" => u64::from(s.household_type.code()),
        "svb.aow_age_reached" => u64::from(s.aow_age_reached),
        "svb.lives_in_nl" => u64::from(s.lives_in_nl),
        "svb.already_aio" => u64::from(s.already_aio),
        "svb.excluded" => u64::from(s.excluded),
        "svb.applicant.aow_gross" => s.aow_gross_applicant_cents,
        "svb.partner.aow_gross" => s.aow_gross_partner_cents,
        "uwv.applicant.wages" => a.uwv.wages_cents,
        "uwv.applicant.pensions" => a.uwv.pensions_cents,
        "uwv.applicant.benefits" => a.uwv.benefits_cents,
        "uwv.partner.wages" => p.uwv.wages_cents,
        "uwv.partner.pensions" => p.uwv.pensions_cents,
        "uwv.partner.benefits" => p.uwv.benefits_cents,
        "bd.applicant.box3_assets" => a.bd.box3_assets_cents,
        "bd.applicant.box3_debts" => a.bd.box3_debts_cents,
        "bd.applicant.woz_share" => a.bd.woz_share_cents,
        "bd.applicant.mortgage" => a.bd.mortgage_cents,
        "bd.partner.box3_assets" => p.bd.box3_assets_cents,
        "bd.partner.box3_debts" => p.bd.box3_debts_cents,
        "bd.partner.woz_share" => p.bd.woz_share_cents,
        "bd.partner.mortgage" => p.bd.mortgage_cents,
        _ => return None,
    })
}

/// Input columns of `households` for every input (all parties), for the plaintext evaluator.
pub fn input_columns(households: &[Household]) -> Columns {
    input_columns_of(None, households)
}

/// Input columns of `households` for the inputs of one party (`Some(party)`) or of all.
pub fn input_columns_of(party: Option<PartyId>, households: &[Household]) -> Columns {
    INPUTS
        .iter()
        .filter(|(_, owner, _)| party.map_or(true, |p| p == *owner))
        .map(|(name, _, _)| {
            let col = households
                .iter()
                .map(|h| input_value(name, h).expect("every INPUTS name is known"))
                .collect();
            (name.to_string(), col)
        })
        .collect()
}

/// The flag column of an evaluation of an AIO circuit.
pub fn flags(evaluation: &Evaluation) -> Option<Vec<bool>> {
    Some(
        evaluation
            .output(FLAG_OUTPUT)?
            .iter()
            .map(|&w| w & 1 == 1)
            .collect(),
    )
}

/// Why the AIO circuit cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AioCircuitError {
    /// The policy is out of range.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The builder rejected a gate (a bug, or rules far outside their declared ranges).
    #[error("building the AIO circuit: {0}")]
    Build(#[from] BuildError),
    /// A comparison would need 64 bits or more (rules far outside their declared ranges).
    #[error("the rules make `{0}` too wide for an exact comparison")]
    TooWide(&'static str),
}

/// The public constants the circuit derives from rules and policy (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AioCircuitParams {
    /// `S = 10^4 / gcd(rate, 10^4)`: income is in units of cents / S.
    pub scale: u64,
    /// `R = rate / gcd(rate, 10^4)`: the disregard is `min(W·R, cap·S)`.
    pub disregard_factor: u64,
    /// `T_max = 12·S·max(norms)·(10^4 + tol)`.
    pub income_threshold_max: i64,
    /// `C`: the smallest `G` (cents / S, monthly) with `N(G) > T_max`.
    pub saturation: u64,
    /// `k = bitlen(C)`: width of the saturated per-party income parts.
    pub saturation_bits: u8,
    /// Gross-to-net breakpoints kept after the first (the others never change the flag).
    pub kept_breakpoints: Vec<u64>,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl AioCircuitParams {
    /// Derives the parameters; every constant is checked to fit its use.
    pub fn derive(rules: &AioRules, policy: &Policy) -> Result<AioCircuitParams, AioCircuitError> {
        policy.validate()?;
        let rate = rules.earnings_disregard.rate_bp;
        let g = gcd(rate, BP).max(1);
        let (scale, disregard_factor) = if rate == 0 {
            (1, 0)
        } else {
            (BP / g, rate / g)
        };
        let s = i128::from(scale);
        let norm = i128::from(rules.norms.single_cents.max(rules.norms.couple_cents));
        let t_max = 12 * s * norm * (i128::from(BP) + i128::from(policy.tolerance_bp));
        let income_threshold_max =
            i64::try_from(t_max).map_err(|_| AioCircuitError::TooWide("income threshold"))?;
        let g2n = &rules.gross_to_net;
        // N(G) in units of (cents / S)·bp, annual: the PWL of 12·G with breakpoints scaled by S.
        let net = |gs: i128| g2n.net_annual_scaled(12 * gs, s);
        // N(G) ≥ 12·G (every rate ≥ 1 bp), so G = T_max / 12 + 1 exceeds T_max.
        let (mut lo, mut hi) = (0i128, t_max / 12 + 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if net(mid) > t_max {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let saturation =
            u64::try_from(lo).map_err(|_| AioCircuitError::TooWide("income saturation"))?;
        let saturation_bits = (64 - saturation.leading_zeros()) as u8;
        if saturation_bits > 48 {
            return Err(AioCircuitError::TooWide("income saturation"));
        }
        let limit = if g2n.is_concave() { 12 * lo } else { 24 * lo };
        let kept_breakpoints = g2n.breakpoints_annual_cents[1..]
            .iter()
            .copied()
            .filter(|&b| i128::from(b) * s < limit)
            .collect();
        Ok(AioCircuitParams {
            scale,
            disregard_factor,
            income_threshold_max,
            saturation,
            saturation_bits,
            kept_breakpoints,
        })
    }
}

/// Builds the AIO screening circuit for `rules` and `policy` (not yet optimised: run
/// [`crate::passes::optimize`] for the circuit a job runs).
pub fn build(rules: &AioRules, policy: &Policy) -> Result<Circuit, AioCircuitError> {
    Ok(build_with_params(rules, policy)?.0)
}

/// [`build`], also returning the derived parameters.
pub fn build_with_params(
    rules: &AioRules,
    policy: &Policy,
) -> Result<(Circuit, AioCircuitParams), AioCircuitError> {
    let params = AioCircuitParams::derive(rules, policy)?;
    let mut b = Builder::new(format!("aio-screening/{}", rules.name));
    b.annotate("aio.rules.name", rules.name.clone());
    b.annotate("aio.rules.blake3", rules.hash().to_hex());
    b.annotate("aio.policy.tolerance_bp", policy.tolerance_bp.to_string());
    b.annotate("aio.policy.home_rule", policy.home_rule.as_str());
    let mut inputs = Vec::with_capacity(INPUTS.len());
    for (name, owner, ty) in INPUTS {
        inputs.push(b.input(owner, name, ty)?);
    }
    let input = |name: &str| {
        inputs[INPUTS
            .iter()
            .position(|(n, _, _)| *n == name)
            .expect("known input")]
    };
    let c = Consts::new(rules, policy, &params)?;

    // SVB, per household.
    let t = input("svb.household_type");
    let code = |b: &mut Builder, v: u64| b.constant_bool(v, 2);
    let (c0, c1) = (code(&mut b, 0)?, code(&mut b, 1)?);
    let is_single = b.eq(t, c0)?;
    let is_single_parent = b.eq(t, c1)?;
    let single_norm = b.or(is_single, is_single_parent)?;
    let (t_single, t_couple) = (
        b.constant(c.threshold_single),
        b.constant(c.threshold_couple),
    );
    let threshold = b.mux(single_norm, t_single, t_couple)?;
    let (l_single, l_couple) = (b.constant(c.limit_single), b.constant(c.limit_couple));
    let limit = b.mux(is_single, l_single, l_couple)?;
    let not_aio = b.not(input("svb.already_aio"))?;
    let not_excluded = b.not(input("svb.excluded"))?;
    let e1 = b.and(input("svb.aow_age_reached"), input("svb.lives_in_nl"))?;
    let e2 = b.and(not_aio, not_excluded)?;
    let eligible = b.and(e1, e2)?;

    // Income, per person.
    let mut net = Vec::with_capacity(2);
    for p in Person::BOTH {
        let who = p.name();
        let aow = b.b2a(input(&format!("svb.{who}.aow_gross")))?;
        let aow_scaled = b.mul_public(aow, c.scale)?;
        let a = saturate(&mut b, aow_scaled, &c)?;

        let wages = b.b2a(input(&format!("uwv.{who}.wages")))?;
        let pensions = b.b2a(input(&format!("uwv.{who}.pensions")))?;
        let benefits = b.b2a(input(&format!("uwv.{who}.benefits")))?;
        let s1 = b.add(wages, pensions)?;
        let gross = b.add(s1, benefits)?;
        let gross_scaled = b.mul_public(gross, c.scale)?;
        let rate_part = b.mul_public(wages, c.disregard_factor)?;
        let cap = b.constant(c.cap_scaled);
        let disregard = b.min(rate_part, cap)?;
        let uwv_part = b.sub(gross_scaled, disregard)?;
        let u = saturate(&mut b, uwv_part, &c)?;

        // N(p)/d = (12·r0/d)·(u + a) + Σ_j ((r_j − r_{j−1})/d)·[v_j < u]·(12·u + (12·a − β_j)).
        let u12r0 = b.mul_public(u, c.net_base)?;
        let a12r0 = b.mul_public(a, c.net_base)?;
        let mut n = b.add(u12r0, a12r0)?;
        let u12 = b.mul_public(u, 12)?;
        let a12 = b.mul_public(a, 12)?;
        for (j, &beta) in c.breakpoints_scaled.iter().enumerate() {
            let floor = b.constant(beta / 12);
            let v = b.sub(floor, a)?;
            let above = b.lt(v, u)?;
            let a_part = b.add_public(a12, -beta)?;
            let excess = b.add(u12, a_part)?;
            let kept = b.bit_mul(above, excess)?;
            let term = b.mul_public(kept, c.net_steps[j])?;
            n = b.add(n, term)?;
        }
        net.push(n);
    }
    let household_net = b.add(net[0], net[1])?;
    check_width(&b, household_net, "household net income")?;
    let income_ok = b.le(household_net, threshold)?;

    // Wealth: never add the two persons' Belastingdienst values before another party's.
    let mut wealth = Vec::with_capacity(2);
    let mut equity = Vec::with_capacity(2);
    for p in Person::BOTH {
        let who = p.name();
        let field = |b: &mut Builder, f: &str| b.b2a(input(&format!("bd.{who}.{f}")));
        let assets = field(&mut b, "box3_assets")?;
        let debts = field(&mut b, "box3_debts")?;
        let woz = field(&mut b, "woz_share")?;
        let mortgage = field(&mut b, "mortgage")?;
        wealth.push(b.sub(assets, debts)?);
        equity.push(b.sub(woz, mortgage)?);
    }
    let zero = b.constant(0);
    let d1a = b.sub(limit, wealth[0])?;
    let d1 = b.sub(d1a, wealth[1])?;
    check_width(&b, d1, "wealth margin")?;
    let mut wealth_ok = b.le(zero, d1)?;
    if policy.home_rule == HomeRule::Count {
        let d2h = b.add_public(d1, c.home_limit)?;
        let d2a = b.sub(d2h, equity[0])?;
        let d2 = b.sub(d2a, equity[1])?;
        check_width(&b, d2, "wealth margin with home equity")?;
        let ok2 = b.le(zero, d2)?;
        wealth_ok = b.and(wealth_ok, ok2)?;
    }
    let eligible_and_wealth = b.and(eligible, wealth_ok)?;
    let flag = b.and(eligible_and_wealth, income_ok)?;
    b.output(FLAG_OUTPUT, flag, PartySet::only(PartyId::SVB))?;
    Ok((b.finish()?, params))
}

/// The constants of one build, as `i64` for the builder.
struct Consts {
    scale: i64,
    disregard_factor: i64,
    cap_scaled: i64,
    saturation: i64,
    saturation_bits: u8,
    /// `12·r_0 / d`, the coefficient of `G'` in `N / d`.
    net_base: i64,
    /// `(r_{j+1} − r_j) / d` per kept breakpoint.
    net_steps: Vec<i64>,
    breakpoints_scaled: Vec<i64>,
    threshold_single: i64,
    threshold_couple: i64,
    limit_single: i64,
    limit_couple: i64,
    home_limit: i64,
}

impl Consts {
    fn new(
        rules: &AioRules,
        policy: &Policy,
        p: &AioCircuitParams,
    ) -> Result<Consts, AioCircuitError> {
        let wide = |what| move |_| AioCircuitError::TooWide(what);
        let i = |v: u64, what: &'static str| i64::try_from(v).map_err(wide(what));
        let scale = i(p.scale, "scale")?;
        let tol = BP as i64 + i(policy.tolerance_bp, "tolerance")?;
        let threshold = |norm: u64| -> Result<i64, AioCircuitError> {
            12i64
                .checked_mul(scale)
                .and_then(|x| x.checked_mul(i64::try_from(norm).ok()?))
                .and_then(|x| x.checked_mul(tol))
                .ok_or(AioCircuitError::TooWide("income threshold"))
        };
        let rates = &rules.gross_to_net.marginal_net_rate_bp;
        let r = |j: usize| rates[j] as i64;
        let net_base = 12 * r(0);
        let net_steps: Vec<i64> = (0..p.kept_breakpoints.len())
            .map(|j| r(j + 1) - r(j))
            .collect();
        // N is a multiple of d = gcd of its coefficients: compare N/d with ⌊T/d⌋ (exact).
        let d = net_steps
            .iter()
            .fold(net_base as u64, |g, &x| gcd(g, x.unsigned_abs()))
            .max(1) as i64;
        let breakpoints_scaled = p
            .kept_breakpoints
            .iter()
            .map(|&b| {
                i(b, "breakpoint").and_then(|b| {
                    b.checked_mul(scale)
                        .ok_or(AioCircuitError::TooWide("breakpoint"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Consts {
            scale,
            disregard_factor: i(p.disregard_factor, "disregard")?,
            cap_scaled: i(rules.earnings_disregard.monthly_cap_cents, "disregard cap")?
                .checked_mul(scale)
                .ok_or(AioCircuitError::TooWide("disregard cap"))?,
            saturation: i(p.saturation, "saturation")?,
            saturation_bits: p.saturation_bits.max(1),
            net_base: net_base / d,
            net_steps: net_steps.iter().map(|x| x / d).collect(),
            breakpoints_scaled,
            threshold_single: threshold(rules.norms.single_cents)? / d,
            threshold_couple: threshold(rules.norms.couple_cents)? / d,
            limit_single: i(rules.wealth_limits.single_cents, "wealth limit")?,
            limit_couple: i(
                rules.wealth_limits.single_parent_or_couple_cents,
                "wealth limit",
            )?,
            home_limit: i(
                rules.wealth_limits.home_equity_limit_cents,
                "home-equity limit",
            )?,
        })
    }
}

/// `min(x, C)` for a local `x ≥ 0`, narrowed to `k` bits (exact: the value is below 2^k), so
/// that everything downstream has tight widths. Local to `x`'s owner: free.
fn saturate(b: &mut Builder, x: WireId, c: &Consts) -> Result<WireId, BuildError> {
    let cap = b.constant(c.saturation);
    let m = b.min(x, cap)?;
    let bits = b.a2b(m, c.saturation_bits)?;
    b.b2a(bits)
}

fn check_width(b: &Builder, w: WireId, what: &'static str) -> Result<(), AioCircuitError> {
    if b.ty(w).width() >= 63 {
        return Err(AioCircuitError::TooWide(what));
    }
    Ok(())
}

/// Gates that are local to UWV or the Belastingdienst and depend on both an `applicant` and a
/// `partner` input of that party: such a value could not be computed by its owner, which does
/// not know who is whose partner after linkage. Must be empty for a circuit a job runs.
pub fn cross_person_local_gates(circuit: &Circuit) -> Vec<WireId> {
    // Bit 0: depends on an applicant input; bit 1: on a partner input.
    let mut deps = vec![0u8; circuit.len()];
    let mut bad = Vec::new();
    for (i, g) in circuit.gates().iter().enumerate() {
        let d = match &g.op {
            Op::Input { name, .. } if name.contains(".applicant.") => 1,
            Op::Input { name, .. } if name.contains(".partner.") => 2,
            op => op.operands().iter().fold(0, |acc, w| acc | deps[w.index()]),
        };
        deps[i] = d;
        if let Placement::Local(p) = g.placement {
            if p != PartyId::SVB && d == 3 {
                bad.push(WireId(i as u32));
            }
        }
    }
    bad
}
