//! The plaintext reference of the AIO screening: the test oracle.
//!
//! Ordinary Rust over [`Household`] structs, written straight from AIO-RULES.md and
//! independent of the circuit builder: no saturation, no dropped breakpoints, no rescaling
//! tricks, all arithmetic in `i128` with the single scale factor 10,000 (one basis point).
//! The exact integer formulas are in the [module documentation of `aio`](super). Runs in the
//! clear; reveals nothing to anyone because it is only used in tests and tools.

use super::household::{Household, Person, Policy};
use super::rules::{AioRules, BP};
use super::HomeRule;

/// The screening result of one household with every intermediate value, for debugging.
///
/// Units: `_bp` = cents × 10,000; `_bp2` = cents × 10^8. Index 0 is the applicant, 1 the
/// partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    /// Earnings disregard per person, monthly cents × 10^4: `min(wages × rate_bp, cap × 10^4)`.
    pub disregard_bp: [i128; 2],
    /// Countable gross per person, monthly cents × 10^4:
    /// `10^4 × (wages + pensions + benefits + aow) − disregard_bp`.
    pub countable_gross_bp: [i128; 2],
    /// Net income per person, annual cents × 10^8: `pwl(12 × countable_gross_bp)`.
    pub net_annual_bp2: [i128; 2],
    /// Income threshold, annual cents × 10^8: `12 × 10^4 × norm × (10^4 + tolerance_bp)`.
    pub income_threshold_bp2: i128,
    /// `net_annual_bp2[0] + net_annual_bp2[1] ≤ income_threshold_bp2`.
    pub income_ok: bool,
    /// Wealth per person, cents: `assets − debts` (may be negative).
    pub wealth_cents: [i128; 2],
    /// Home equity per person, cents: `woz_share − mortgage` (may be negative).
    pub equity_cents: [i128; 2],
    /// Countable household wealth, cents.
    pub countable_wealth_cents: i128,
    /// The household's wealth limit, cents.
    pub wealth_limit_cents: i128,
    /// `countable_wealth_cents ≤ wealth_limit_cents`.
    pub wealth_ok: bool,
    /// `aow_age_reached ∧ lives_in_nl ∧ ¬already_aio ∧ ¬excluded`.
    pub eligible: bool,
    /// The screening flag: `eligible ∧ income_ok ∧ wealth_ok`.
    pub flag: bool,
}

impl Screening {
    /// Household net income per month in euro, rounded for display only (never for decisions).
    pub fn monthly_net_euro_for_display(&self) -> f64 {
        (self.net_annual_bp2[0] + self.net_annual_bp2[1]) as f64 / (12.0 * 1e8 * 100.0)
    }
}

/// Screens one household: the oracle's flag.
pub fn screen(rules: &AioRules, policy: &Policy, household: &Household) -> bool {
    screen_detailed(rules, policy, household).flag
}

/// Screens one household and returns every intermediate value.
pub fn screen_detailed(rules: &AioRules, policy: &Policy, household: &Household) -> Screening {
    let bp = i128::from(BP);
    let rate = i128::from(rules.earnings_disregard.rate_bp);
    let cap = i128::from(rules.earnings_disregard.monthly_cap_cents);

    let mut disregard_bp = [0i128; 2];
    let mut countable_gross_bp = [0i128; 2];
    let mut net_annual_bp2 = [0i128; 2];
    let mut wealth_cents = [0i128; 2];
    let mut equity_cents = [0i128; 2];
    for (i, p) in Person::BOTH.into_iter().enumerate() {
        let rec = household.person(p);
        let wages = i128::from(rec.uwv.wages_cents);
        let gross = wages
            + i128::from(rec.uwv.pensions_cents)
            + i128::from(rec.uwv.benefits_cents)
            + i128::from(household.aow_gross_cents(p));
        disregard_bp[i] = (wages * rate).min(cap * bp);
        countable_gross_bp[i] = gross * bp - disregard_bp[i];
        net_annual_bp2[i] = rules
            .gross_to_net
            .net_annual_scaled(12 * countable_gross_bp[i], bp);
        wealth_cents[i] =
            i128::from(rec.bd.box3_assets_cents) - i128::from(rec.bd.box3_debts_cents);
        equity_cents[i] = i128::from(rec.bd.woz_share_cents) - i128::from(rec.bd.mortgage_cents);
    }

    let t = household.svb.household_type;
    let norm = i128::from(rules.norm_cents(t));
    let income_threshold_bp2 = 12 * bp * norm * (bp + i128::from(policy.tolerance_bp));
    let income_ok = net_annual_bp2[0] + net_annual_bp2[1] <= income_threshold_bp2;

    let home_limit = i128::from(rules.wealth_limits.home_equity_limit_cents);
    let counted_equity = match policy.home_rule {
        HomeRule::Loan => 0,
        HomeRule::Count => (equity_cents[0] + equity_cents[1] - home_limit).max(0),
    };
    let countable_wealth_cents = wealth_cents[0] + wealth_cents[1] + counted_equity;
    let wealth_limit_cents = i128::from(rules.wealth_limit_cents(t));
    let wealth_ok = countable_wealth_cents <= wealth_limit_cents;

    let s = &household.svb;
    let eligible = s.aow_age_reached && s.lives_in_nl && !s.already_aio && !s.excluded;
    Screening {
        disregard_bp,
        countable_gross_bp,
        net_annual_bp2,
        income_threshold_bp2,
        income_ok,
        wealth_cents,
        equity_cents,
        countable_wealth_cents,
        wealth_limit_cents,
        wealth_ok,
        eligible,
        flag: eligible && income_ok && wealth_ok,
    }
}
