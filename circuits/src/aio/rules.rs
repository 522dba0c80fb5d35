//! Versioned AIO rules files: parse, validate, hash, look up by name.
//!
//! The legal amounts of the AIO screening (norms, wealth limits, home-equity limit, earnings
//! disregard, AOW age by birth date, the gross-to-net approximation) live in TOML files under
//! `circuits/rules/`, one per period (`aio-2025-07.toml`, ...). The files are embedded into the
//! binary with `include_str!` and looked up by name ([`AioRules::by_name`]); a custom file can be
//! parsed with [`AioRules::parse`]. The rules hash ([`RulesHash`]) is BLAKE3 over the file's
//! exact bytes; it is part of the screening circuit's identity, so a job that approves a circuit
//! approves the rules it was built from.
//!
//! Validation: unknown keys are errors; every amount is bounded (so that the circuit's declared
//! widths hold); the AOW-age bands are contiguous; the gross-to-net breakpoints start at 0 and
//! increase strictly, rates are in 1..=10,000 bp; a section with `verified = false` must be named
//! in the file's `unverified` list, and then the file says `verified = false`. Errors name the
//! file and the key and, where it can be found, the line. Nothing here is secret.

use super::date::Date;
use std::fmt;

/// Name of the rules file used when a job does not name one.
pub const DEFAULT_RULES: &str = "aio-2025-07";

/// The embedded rules files as `(name, exact file text)`, oldest first.
pub const RULES_FILES: &[(&str, &str)] = &[
    ("aio-2024-01", include_str!("../../rules/aio-2024-01.toml")),
    ("aio-2024-07", include_str!("../../rules/aio-2024-07.toml")),
    ("aio-2025-01", include_str!("../../rules/aio-2025-01.toml")),
    ("aio-2025-07", include_str!("../../rules/aio-2025-07.toml")),
    ("aio-2026-01", include_str!("../../rules/aio-2026-01.toml")),
];

/// Largest accepted norm, wealth limit or cap in a rules file (2^40 cents, about 11 billion
/// euro): keeps every derived quantity far inside the integer types of oracle and circuit.
pub const MAX_AMOUNT_CENTS: u64 = 1 << 40;
/// Largest accepted monthly norm (10^7 cents, 100,000 euro a month).
pub const MAX_NORM_CENTS: u64 = 10_000_000;
/// Largest accepted gross-to-net breakpoint (2^36 cents a year).
pub const MAX_BREAKPOINT_CENTS: u64 = 1 << 36;
/// At most this many gross-to-net segments.
pub const MAX_SEGMENTS: usize = 8;
/// 100% in basis points.
pub const BP: u64 = 10_000;

/// BLAKE3 of a rules file's exact bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RulesHash(pub [u8; 32]);

impl RulesHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> RulesHash {
        RulesHash(*blake3::hash(bytes).as_bytes())
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for RulesHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RulesHash({})", self.to_hex())
    }
}

impl fmt::Display for RulesHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A rules file that cannot be used. Messages name the file, the key and (where known) the
/// line; they never contain personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// No embedded rules file has this name.
    #[error("no rules file named `{name}` is built in (known: {known})")]
    Unknown {
        /// The requested name.
        name: String,
        /// The built-in names, comma-separated.
        known: String,
    },
    /// The file is not valid TOML or does not have the expected shape.
    #[error("{file}: {}syntax: {message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Syntax {
        /// File name.
        file: String,
        /// 1-based line, when the parser reports one.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("{file}: {}key `{key}`: {message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Invalid {
        /// File name.
        file: String,
        /// Dotted key path, e.g. `gross_to_net.marginal_net_rate_bp[2]`.
        key: String,
        /// 1-based line of the key, when it can be found.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A birth date outside every band of the AOW-age table.
    #[error("{file}: the AOW-age table covers births from {from} through {through}; this birth date is outside it")]
    BirthDateNotCovered {
        /// File name.
        file: String,
        /// First birth date covered.
        from: Date,
        /// Last birth date covered.
        through: Date,
    },
}

/// Monthly norms (net, including holiday allowance), euro cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Norms {
    /// Single and single parent.
    pub single_cents: u64,
    /// Couple (both of AOW age, or one partner below it).
    pub couple_cents: u64,
}

/// Household wealth limits, euro cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WealthLimits {
    /// Single.
    pub single_cents: u64,
    /// Single parent or couple.
    pub single_parent_or_couple_cents: u64,
    /// Equity in the own home up to this amount never counts.
    pub home_equity_limit_cents: u64,
}

/// Earnings disregard: `min(wages × rate_bp / 10,000, monthly_cap_cents)` per person per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarningsDisregard {
    /// Share of monthly gross wages disregarded, basis points.
    pub rate_bp: u64,
    /// Monthly cap, euro cents.
    pub monthly_cap_cents: u64,
}

/// One band of the AOW-age table: births from `born_from` through `born_through` reach AOW
/// age at `years` years and `months` months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AowAgeBand {
    /// First birth date of the band (inclusive).
    pub born_from: Date,
    /// Last birth date of the band (inclusive).
    pub born_through: Date,
    /// Whole years of the AOW age.
    pub years: u16,
    /// Extra months of the AOW age, 0..=11.
    pub months: u8,
}

/// The gross-to-net approximation: continuous, piecewise linear in annual gross income.
///
/// `net_annual_cents × 10,000 = Σ_j rate_bp[j] × clamp(gross − breakpoint[j], 0, breakpoint[j+1] − breakpoint[j])`
/// with the last segment unbounded; see [`GrossToNet::net_annual_scaled`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrossToNet {
    /// Segment starts in annual cents; the first is 0, strictly increasing.
    pub breakpoints_annual_cents: Vec<u64>,
    /// Marginal net rate per segment, basis points, 1..=10,000.
    pub marginal_net_rate_bp: Vec<u64>,
}

impl GrossToNet {
    /// Net annual income times `10,000 × scale` for a gross annual income of
    /// `gross_annual_scaled / scale` cents, exactly (no rounding): breakpoints are scaled by
    /// `scale`. Used by the plaintext reference with `scale = 10,000`.
    pub fn net_annual_scaled(&self, gross_annual_scaled: i128, scale: i128) -> i128 {
        let b = &self.breakpoints_annual_cents;
        let mut net = 0i128;
        for (j, &rate) in self.marginal_net_rate_bp.iter().enumerate() {
            let lo = i128::from(b[j]) * scale;
            let above = (gross_annual_scaled - lo).max(0);
            let part = match b.get(j + 1) {
                Some(&hi) => above.min(i128::from(hi) * scale - lo),
                None => above,
            };
            net += i128::from(rate) * part;
        }
        net
    }

    /// True when the marginal rates never increase (the function is concave).
    pub fn is_concave(&self) -> bool {
        self.marginal_net_rate_bp.windows(2).all(|w| w[1] <= w[0])
    }
}

/// One validated rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AioRules {
    /// The file's name, e.g. `aio-2025-07`.
    pub name: String,
    /// First day the rules apply.
    pub valid_from: Date,
    /// True only when every value is sourced.
    pub verified: bool,
    /// Section names with unsourced values.
    pub unverified: Vec<String>,
    /// Monthly norms.
    pub norms: Norms,
    /// Wealth limits.
    pub wealth_limits: WealthLimits,
    /// Earnings disregard.
    pub earnings_disregard: EarningsDisregard,
    /// AOW age by birth date, contiguous bands, oldest births first.
    pub aow_age: Vec<AowAgeBand>,
    /// Gross-to-net approximation.
    pub gross_to_net: GrossToNet,
    /// Per section, its `source` text.
    pub sources: Vec<(String, String)>,
    pub(super) hash: RulesHash,
}

impl AioRules {
    /// The embedded rules file called `name` (e.g. `"aio-2025-07"`).
    pub fn by_name(name: &str) -> Result<AioRules, RulesError> {
        match RULES_FILES.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => AioRules::parse(n, text),
            None => Err(RulesError::Unknown {
                name: name.to_string(),
                known: RULES_FILES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The default rules ([`DEFAULT_RULES`]).
    pub fn default_rules() -> AioRules {
        AioRules::by_name(DEFAULT_RULES).expect("the embedded default rules file is valid")
    }

    /// The embedded rules file in force on `date`: the latest `valid_from` not after it.
    pub fn in_force_on(date: Date) -> Result<AioRules, RulesError> {
        let mut best: Option<AioRules> = None;
        for (name, text) in RULES_FILES {
            let rules = AioRules::parse(name, text)?;
            if rules.valid_from <= date
                && best
                    .as_ref()
                    .map_or(true, |b| rules.valid_from > b.valid_from)
            {
                best = Some(rules);
            }
        }
        best.ok_or_else(|| RulesError::Unknown {
            name: format!("(rules in force on {date})"),
            known: RULES_FILES
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Parses and validates a rules file; `file` names it in errors and must equal its `name`.
    pub fn parse(file: &str, text: &str) -> Result<AioRules, RulesError> {
        super::rules_toml::parse(file, text)
    }

    /// BLAKE3 of the file's exact bytes.
    pub fn hash(&self) -> RulesHash {
        self.hash
    }

    /// The monthly norm for a household type, euro cents.
    pub fn norm_cents(&self, t: super::HouseholdType) -> u64 {
        use super::HouseholdType::*;
        match t {
            Single | SingleParent => self.norms.single_cents,
            Couple | CouplePartnerBelowAow => self.norms.couple_cents,
        }
    }

    /// The wealth limit for a household type, euro cents.
    pub fn wealth_limit_cents(&self, t: super::HouseholdType) -> u64 {
        match t {
            super::HouseholdType::Single => self.wealth_limits.single_cents,
            _ => self.wealth_limits.single_parent_or_couple_cents,
        }
    }

    /// The date on which a person born on `birth` reaches AOW age.
    pub fn aow_age_date(&self, birth: Date) -> Result<Date, RulesError> {
        let not_covered = || RulesError::BirthDateNotCovered {
            file: self.name.clone(),
            from: self.aow_age[0].born_from,
            through: self.aow_age[self.aow_age.len() - 1].born_through,
        };
        let band = self
            .aow_age
            .iter()
            .find(|b| b.born_from <= birth && birth <= b.born_through)
            .ok_or_else(not_covered)?;
        birth
            .add_years_months(band.years, band.months)
            .ok_or_else(not_covered)
    }

    /// Whether a person born on `birth` has reached AOW age on `on` (on the day itself: yes).
    pub fn aow_age_reached(&self, birth: Date, on: Date) -> Result<bool, RulesError> {
        Ok(self.aow_age_date(birth)? <= on)
    }
}
