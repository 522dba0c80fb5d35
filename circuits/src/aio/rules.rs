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
use serde::Deserialize;
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
    hash: RulesHash,
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
        let raw: RawRules = toml::from_str(text).map_err(|e| RulesError::Syntax {
            file: file.to_string(),
            line: e.span().map(|s| line_of_offset(text, s.start)),
            message: e.message().to_string(),
        })?;
        validate(file, text, raw)
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

fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line of `key` inside the `nth` (0-based) `[section]` or `[[section]]` table (top level
/// when `section` is empty), if present.
fn line_of_key(text: &str, section: &str, key: &str, nth: usize) -> Option<usize> {
    let mut current = String::new();
    let mut seen = 0usize;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("[[").and_then(|h| h.split("]]").next()) {
            current = h.trim().to_string();
        } else if let Some(h) = t.strip_prefix('[').and_then(|h| h.split(']').next()) {
            current = h.trim().to_string();
        } else if current == section {
            if let Some((k, _)) = t.split_once('=') {
                if k.trim() == key {
                    if seen == nth {
                        return Some(i + 1);
                    }
                    seen += 1;
                }
            }
        }
    }
    None
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    name: String,
    valid_from: toml::value::Datetime,
    verified: bool,
    unverified: Vec<String>,
    norms: RawNorms,
    wealth_limits: RawWealth,
    earnings_disregard: RawDisregard,
    aow_age: RawAowAge,
    gross_to_net: RawGrossToNet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNorms {
    single_cents: u64,
    couple_cents: u64,
    verified: bool,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWealth {
    single_cents: u64,
    single_parent_or_couple_cents: u64,
    home_equity_limit_cents: u64,
    verified: bool,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisregard {
    rate_bp: u64,
    monthly_cap_cents: u64,
    verified: bool,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAowAge {
    verified: bool,
    source: String,
    band: Vec<RawBand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    born_from: toml::value::Datetime,
    born_through: toml::value::Datetime,
    years: u16,
    months: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrossToNet {
    breakpoints_annual_cents: Vec<u64>,
    marginal_net_rate_bp: Vec<u64>,
    verified: bool,
    source: String,
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    fn err(&self, section: &str, key: &str, message: impl Into<String>) -> RulesError {
        self.err_nth(section, key, 0, message)
    }

    /// An error about `key` in the `nth` table called `section` (for `[[aow_age.band]]`).
    fn err_nth(
        &self,
        section: &str,
        key: &str,
        nth: usize,
        message: impl Into<String>,
    ) -> RulesError {
        let base = key.split('[').next().unwrap_or(key);
        let line = line_of_key(self.text, section, base, nth);
        let key = match (section.is_empty(), section == "aow_age.band") {
            (true, _) => key.to_string(),
            (false, true) => format!("{section}[{nth}].{key}"),
            (false, false) => format!("{section}.{key}"),
        };
        RulesError::Invalid {
            file: self.file.to_string(),
            key,
            line,
            message: message.into(),
        }
    }

    fn range(&self, section: &str, key: &str, v: u64, lo: u64, hi: u64) -> Result<u64, RulesError> {
        self.range_nth(section, key, 0, v, lo, hi)
    }

    fn range_nth(
        &self,
        section: &str,
        key: &str,
        nth: usize,
        v: u64,
        lo: u64,
        hi: u64,
    ) -> Result<u64, RulesError> {
        if v < lo || v > hi {
            return Err(self.err_nth(section, key, nth, format!("must be in {lo}..={hi}")));
        }
        Ok(v)
    }

    fn date(
        &self,
        section: &str,
        key: &str,
        nth: usize,
        d: &toml::value::Datetime,
    ) -> Result<Date, RulesError> {
        match (d.date, d.time, d.offset) {
            (Some(x), None, None) => Date::new(x.year, x.month, x.day)
                .map_err(|e| self.err_nth(section, key, nth, e.to_string())),
            _ => Err(self.err_nth(
                section,
                key,
                nth,
                "must be a plain date (YYYY-MM-DD), without time",
            )),
        }
    }

    fn source(&self, section: &str, s: &str) -> Result<String, RulesError> {
        if s.trim().is_empty() {
            return Err(self.err(section, "source", "every section names its source"));
        }
        Ok(s.to_string())
    }
}

fn validate(file: &str, text: &str, raw: RawRules) -> Result<AioRules, RulesError> {
    let c = Checker { file, text };
    if raw.name != file {
        return Err(c.err(
            "",
            "name",
            format!("is `{}` but the file is `{file}`", raw.name),
        ));
    }
    let valid_from = c.date("", "valid_from", 0, &raw.valid_from)?;

    let n = &raw.norms;
    let norms = Norms {
        single_cents: c.range("norms", "single_cents", n.single_cents, 1, MAX_NORM_CENTS)?,
        couple_cents: c.range("norms", "couple_cents", n.couple_cents, 1, MAX_NORM_CENTS)?,
    };
    let w = &raw.wealth_limits;
    let s = "wealth_limits";
    let wealth_limits = WealthLimits {
        single_cents: c.range(s, "single_cents", w.single_cents, 0, MAX_AMOUNT_CENTS)?,
        single_parent_or_couple_cents: c.range(
            s,
            "single_parent_or_couple_cents",
            w.single_parent_or_couple_cents,
            0,
            MAX_AMOUNT_CENTS,
        )?,
        home_equity_limit_cents: c.range(
            s,
            "home_equity_limit_cents",
            w.home_equity_limit_cents,
            0,
            MAX_AMOUNT_CENTS,
        )?,
    };
    let d = &raw.earnings_disregard;
    let earnings_disregard = EarningsDisregard {
        rate_bp: c.range("earnings_disregard", "rate_bp", d.rate_bp, 0, BP)?,
        monthly_cap_cents: c.range(
            "earnings_disregard",
            "monthly_cap_cents",
            d.monthly_cap_cents,
            0,
            MAX_AMOUNT_CENTS,
        )?,
    };

    if raw.aow_age.band.is_empty() {
        return Err(c.err(
            "aow_age",
            "band",
            "the AOW-age table needs at least one band",
        ));
    }
    let mut aow_age: Vec<AowAgeBand> = Vec::with_capacity(raw.aow_age.band.len());
    for (i, b) in raw.aow_age.band.iter().enumerate() {
        let sb = "aow_age.band";
        let band = AowAgeBand {
            born_from: c.date(sb, "born_from", i, &b.born_from)?,
            born_through: c.date(sb, "born_through", i, &b.born_through)?,
            years: c.range_nth(sb, "years", i, u64::from(b.years), 60, 80)? as u16,
            months: c.range_nth(sb, "months", i, u64::from(b.months), 0, 11)? as u8,
        };
        if band.born_through < band.born_from {
            return Err(c.err_nth(sb, "born_through", i, "is before born_from"));
        }
        if let Some(prev) = aow_age.last() {
            if prev.born_through.succ() != Some(band.born_from) {
                return Err(c.err_nth(
                    sb,
                    "born_from",
                    i,
                    "bands must be contiguous: each starts the day after the previous one ends",
                ));
            }
        }
        aow_age.push(band);
    }

    let g = &raw.gross_to_net;
    let sg = "gross_to_net";
    let segments = g.breakpoints_annual_cents.len();
    if segments == 0 || segments > MAX_SEGMENTS {
        return Err(c.err(
            sg,
            "breakpoints_annual_cents",
            format!("needs 1..={MAX_SEGMENTS} breakpoints"),
        ));
    }
    if g.marginal_net_rate_bp.len() != segments {
        return Err(c.err(sg, "marginal_net_rate_bp", "needs one rate per breakpoint"));
    }
    if g.breakpoints_annual_cents[0] != 0 {
        return Err(c.err(
            sg,
            "breakpoints_annual_cents[0]",
            "the first breakpoint must be 0",
        ));
    }
    for j in 1..segments {
        let (a, b) = (
            g.breakpoints_annual_cents[j - 1],
            g.breakpoints_annual_cents[j],
        );
        if b <= a || b > MAX_BREAKPOINT_CENTS {
            return Err(c.err(
                sg,
                &format!("breakpoints_annual_cents[{j}]"),
                format!(
                    "breakpoints must increase strictly and stay at most {MAX_BREAKPOINT_CENTS}"
                ),
            ));
        }
    }
    for (j, &r) in g.marginal_net_rate_bp.iter().enumerate() {
        c.range(sg, &format!("marginal_net_rate_bp[{j}]"), r, 1, BP)?;
    }
    let gross_to_net = GrossToNet {
        breakpoints_annual_cents: g.breakpoints_annual_cents.clone(),
        marginal_net_rate_bp: g.marginal_net_rate_bp.clone(),
    };

    let sections = [
        ("norms", n.verified, &n.source),
        ("wealth_limits", w.verified, &w.source),
        ("earnings_disregard", d.verified, &d.source),
        ("aow_age", raw.aow_age.verified, &raw.aow_age.source),
        ("gross_to_net", g.verified, &g.source),
    ];
    let mut sources = Vec::new();
    let mut unverified = Vec::new();
    for (name, verified, source) in sections {
        sources.push((name.to_string(), c.source(name, source)?));
        if !verified {
            unverified.push(name.to_string());
        }
    }
    if raw.unverified != unverified {
        return Err(c.err(
            "",
            "unverified",
            format!("must list exactly the sections with `verified = false`: {unverified:?}"),
        ));
    }
    if raw.verified != unverified.is_empty() {
        return Err(c.err(
            "",
            "verified",
            "must be true exactly when every section is verified (unsourced values make a file unverified)",
        ));
    }

    Ok(AioRules {
        name: raw.name,
        valid_from,
        verified: raw.verified,
        unverified,
        norms,
        wealth_limits,
        earnings_disregard,
        aow_age,
        gross_to_net,
        sources,
        hash: RulesHash::of(text.as_bytes()),
    })
}
