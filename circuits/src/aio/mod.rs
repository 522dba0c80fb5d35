//! The AIO screening: rules files, household data, the plaintext reference (test oracle), a
//! synthetic population, golden cases and the screening circuit.
//!
//! Samen screens SVB households for probable entitlement to AIO (Aanvullende
//! Inkomensvoorziening Ouderen, Participatiewet art. 47a) so that the SVB can invite them to
//! apply; the rules and their sources are in the brief's AIO-RULES.md. Legal amounts come from a
//! versioned rules file ([`rules`]); the screening tolerance and the home-equity rule are job
//! policy ([`Policy`]).
//!
//! # Exact integer formulas
//!
//! Every quantity is an integer: euro cents, rates in basis points (bp, 1/10,000). Nothing is
//! ever rounded or divided; both sides of every comparison are scaled to the same unit. Per
//! person `p ∈ {applicant, partner}` (zeros for a missing partner or a missing record), with
//! `W, P, B, A` = monthly gross wages, pensions, benefits and AOW in cents, `ρ` the disregard
//! rate (bp), `cap` the monthly disregard cap (cents), breakpoints `b_0 = 0 < b_1 < … < b_{k-1}`
//! (annual cents) and marginal net rates `r_0 … r_{k-1}` (bp):
//!
//! ```text
//! disregard_bp(p)   = min(W·ρ, cap·10^4)                                  [monthly cents · 10^4]
//! countable_bp(p)   = 10^4·(W + P + B + A) − disregard_bp(p)              [monthly cents · 10^4]
//! net_bp2(p)        = Σ_j r_j · clamp(12·countable_bp(p) − 10^4·b_j, 0, 10^4·(b_{j+1} − b_j))
//!                     (last segment unbounded)                             [annual cents · 10^8]
//! income_ok         ⇔ net_bp2(applicant) + net_bp2(partner) ≤ 12 · 10^4 · norm[type] · (10^4 + tolerance_bp)
//! wealth(p)         = assets(p) − debts(p);   equity(p) = woz_share(p) − mortgage(p)   [cents]
//! countable_wealth  = Σ_p wealth(p) + (home_rule = count ? max(0, Σ_p equity(p) − home_limit) : 0)
//! wealth_ok         ⇔ countable_wealth ≤ wealth_limit[type]
//! flag              = aow_age_reached ∧ lives_in_nl ∧ ¬already_aio ∧ ¬excluded ∧ income_ok ∧ wealth_ok
//! ```
//!
//! This is AIO-RULES.md's `net(p) = pwl_net(12 × countable_gross(p)) / 12` and
//! `Σ net ≤ norm × (1 + tolerance)` with both sides multiplied by `12 · 10^8`. `norm[type]` is
//! the single norm for single and single parent, the couple norm for both couple types;
//! `wealth_limit[type]` is the single limit for single only. The plaintext reference
//! ([`reference`](mod@reference)) computes exactly these formulas in `i128`; the circuit ([`circuit`]) computes
//! an algebraically equal form in narrower integers (see its documentation) and is tested
//! against the reference.
//!
//! Declared ranges: monthly income amounts below 2^32 cents, wealth amounts below 2^40 cents
//! ([`household`]), rules amounts as bounded in [`rules`], tolerance at most 10,000 bp.

pub mod circuit;
pub mod date;
pub mod golden;
pub mod household;
pub mod reference;
pub mod rules;
mod rules_toml;
pub mod synth;

pub use date::Date;
pub use household::{
    BdWealth, HomeRule, Household, HouseholdType, Person, PersonRecords, Policy, SvbHousehold,
    UwvIncome,
};
pub use reference::{screen, screen_detailed, Screening};
pub use rules::{AioRules, RulesError, RulesHash, DEFAULT_RULES};
