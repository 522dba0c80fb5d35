//! Parsing and validation of AIO rules files (TOML): the raw file shape, range and
//! consistency checks, and error locations (file, key, line). See [`super::rules`] for the
//! validated types and the checks' list. Runs on public files only; nothing secret.

use super::date::Date;
use super::rules::{
    AioRules, AowAgeBand, EarningsDisregard, GrossToNet, Norms, RulesError, RulesHash,
    WealthLimits, BP, MAX_AMOUNT_CENTS, MAX_BREAKPOINT_CENTS, MAX_NORM_CENTS, MAX_SEGMENTS,
};
use serde::Deserialize;

/// Parses and validates `text`, naming it `file` in errors.
pub(super) fn parse(file: &str, text: &str) -> Result<AioRules, RulesError> {
    let raw: RawRules = toml::from_str(text).map_err(|e| RulesError::Syntax {
        file: file.to_string(),
        line: e.span().map(|s| line_of_offset(text, s.start)),
        message: e.message().to_string(),
    })?;
    validate(file, text, raw)
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
