//! A deterministic synthetic population of SVB households (plaintext), for demos, tests and
//! benchmarks.
//!
//! Shares follow AIO-RULES.md ("Synthetic population"): about 3.58 million AOW recipients of
//! whom 3.2 million live in NL (so about 10.6% abroad), 62.6% of recipients on the couple
//! rate, 370 thousand of 3.2 million (11.6%) with incomplete AOW build-up (2% per missing
//! insured year), about 71 thousand receiving AIO (about 2% of recipients), low-income
//! households with little wealth (CBS 2018: median buffer about €900) while many non-takers
//! own their home. The mixture is tuned so that about 5–10% of households are flagged under the
//! default rules and policy (a demo needs visible output; the brief's 25–50 thousand eligible
//! non-takers is about 1–2% of households); `circuits/tests/aio_synth.rs` pins the realised shares
//! (about 7.7% flagged, 62.7% of recipients on the couple rate, 1.8% already AIO).
//!
//! Determinism: one ChaCha8 stream per seed, integer-only sampling (no floating point, so no
//! platform-dependent rounding), households drawn one after another, so
//! `generate(seed, n)` is a prefix of `generate(seed, m)` for `n ≤ m`. About 0.3 µs
//! per household. Nothing here is secret; nothing runs in MPC.

use super::household::{
    BdWealth, Household, HouseholdType, PersonRecords, SvbHousehold, UwvIncome,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Full monthly AOW gross for a single person, cents (generator assumption, not a rule:
/// about the 2025 amount).
pub const FULL_AOW_SINGLE_CENTS: u64 = 158_000;
/// Full monthly AOW gross per partner of a couple, cents (generator assumption).
pub const FULL_AOW_COUPLE_CENTS: u64 = 108_000;

/// Shares of the synthetic population, in parts per million (integers keep the generator
/// free of floating point).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// Households of type single.
    pub single_ppm: u32,
    /// Households of type single parent.
    pub single_parent_ppm: u32,
    /// Households of type couple with the partner below AOW age (the rest are couples with
    /// both partners of AOW age).
    pub couple_partner_below_aow_ppm: u32,
    /// Households living abroad.
    pub abroad_ppm: u32,
    /// Households whose applicant has not yet reached AOW age (records about to start).
    pub aow_age_not_reached_ppm: u32,
    /// Households with a known exclusion.
    pub excluded_ppm: u32,
    /// AOW persons with incomplete build-up.
    pub incomplete_buildup_ppm: u32,
    /// Among households with incomplete build-up, those with hardly any other income.
    pub low_income_if_incomplete_ppm: u32,
    /// Among households with full build-up, those with hardly any other income.
    pub low_income_if_complete_ppm: u32,
    /// Among low-income households, those already receiving AIO.
    pub already_aio_among_low_income_ppm: u32,
    /// Households that own their home.
    pub home_owner_ppm: u32,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            single_ppm: 525_000,
            single_parent_ppm: 5_000,
            couple_partner_below_aow_ppm: 50_000,
            abroad_ppm: 106_000,
            aow_age_not_reached_ppm: 3_000,
            excluded_ppm: 15_000,
            incomplete_buildup_ppm: 116_000,
            low_income_if_incomplete_ppm: 550_000,
            low_income_if_complete_ppm: 50_000,
            already_aio_among_low_income_ppm: 150_000,
            home_owner_ppm: 550_000,
        }
    }
}

/// `n` households from `seed` with the default shares.
pub fn generate(seed: u64, n: usize) -> Vec<Household> {
    generate_with(&SynthConfig::default(), seed, n)
}

/// `n` households from `seed` with the given shares.
pub fn generate_with(config: &SynthConfig, seed: u64, n: usize) -> Vec<Household> {
    let mut g = Generator::new(config.clone(), seed);
    (0..n).map(|_| g.next_household()).collect()
}

/// A streaming generator: the same sequence as [`generate_with`], one household at a time.
#[derive(Debug, Clone)]
pub struct Generator {
    config: SynthConfig,
    rng: ChaCha8Rng,
}

impl Generator {
    /// A generator for `seed`.
    pub fn new(config: SynthConfig, seed: u64) -> Generator {
        Generator {
            config,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn chance(&mut self, ppm: u32) -> bool {
        self.rng.gen_range(0..1_000_000u32) < ppm
    }

    /// Roughly log-uniform between `lo` and `hi` cents (integer only): a uniform octave, then
    /// uniform inside it.
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(0 < lo && lo < hi);
        // Octaves [lo·2^k, min(lo·2^(k+1), hi)], k < n, the last one clipped to hi.
        let (mut n, mut x) = (0u32, lo);
        while x < hi {
            x = x.saturating_mul(2);
            n += 1;
        }
        let k = self.rng.gen_range(0..n);
        let from = lo << k;
        self.rng.gen_range(from..=(from.saturating_mul(2)).min(hi))
    }

    fn aow_gross(&mut self, full: u64) -> (u64, bool) {
        if self.chance(self.config.incomplete_buildup_ppm) {
            // 2% per missing insured year; migrants often miss many years.
            let missing = self.rng.gen_range(1..=40u64);
            (full * (50 - missing) / 50, true)
        } else {
            (full, false)
        }
    }

    fn pension(&mut self, low_income: bool) -> u64 {
        if low_income {
            if self.chance(700_000) {
                0
            } else {
                self.rng.gen_range(0..=12_000)
            }
        } else {
            self.log_uniform(10_000, 600_000)
        }
    }

    fn wages(&mut self, below_aow: bool) -> u64 {
        let (p, lo, hi) = if below_aow {
            (600_000, 50_000, 450_000)
        } else {
            (110_000, 2_000, 300_000)
        };
        if self.chance(p) {
            self.log_uniform(lo, hi)
        } else {
            0
        }
    }

    fn benefits(&mut self, below_aow: bool) -> u64 {
        let p = if below_aow { 120_000 } else { 10_000 };
        if self.chance(p) {
            self.log_uniform(20_000, 200_000)
        } else {
            0
        }
    }

    /// Box 3 assets and debts for one person.
    fn box3(&mut self, low_income: bool) -> (u64, u64) {
        let assets = if low_income {
            // Little wealth: median buffer about 900 euro; a few with real savings.
            if self.chance(900_000) {
                self.log_uniform(1_000, 400_000)
            } else {
                self.log_uniform(400_000, 4_000_000)
            }
        } else if self.chance(150_000) {
            self.log_uniform(1_000, 500_000)
        } else {
            self.log_uniform(200_000, 100_000_000)
        };
        let debts = if self.chance(80_000) {
            self.log_uniform(10_000, 2_000_000)
        } else {
            0
        };
        (assets, debts)
    }

    /// The next household of the stream.
    pub fn next_household(&mut self) -> Household {
        let c = &self.config;
        let (s, sp, cb) = (
            c.single_ppm,
            c.single_parent_ppm,
            c.couple_partner_below_aow_ppm,
        );
        let u = self.rng.gen_range(0..1_000_000u32);
        let household_type = if u < s {
            HouseholdType::Single
        } else if u < s + sp {
            HouseholdType::SingleParent
        } else if u < s + sp + cb {
            HouseholdType::CouplePartnerBelowAow
        } else {
            HouseholdType::Couple
        };
        let couple = household_type.is_couple();
        let lives_in_nl = !self.chance(self.config.abroad_ppm);
        let aow_age_reached = !self.chance(self.config.aow_age_not_reached_ppm);
        let excluded = self.chance(self.config.excluded_ppm);

        let full = if couple {
            FULL_AOW_COUPLE_CENTS
        } else {
            FULL_AOW_SINGLE_CENTS
        };
        let (aow_a, incomplete_a) = self.aow_gross(full);
        let (aow_p, incomplete_p) = match household_type {
            HouseholdType::Couple => self.aow_gross(full),
            _ => (0, false),
        };
        let partner_below = household_type == HouseholdType::CouplePartnerBelowAow;
        // Low-income households (hardly any supplementary pension): most of those with
        // incomplete AOW build-up, a few of the others.
        let low_income = if incomplete_a || incomplete_p {
            self.chance(self.config.low_income_if_incomplete_ppm)
        } else {
            self.chance(self.config.low_income_if_complete_ppm)
        };

        let mut applicant = PersonRecords {
            uwv: UwvIncome {
                wages_cents: self.wages(false),
                pensions_cents: self.pension(low_income),
                benefits_cents: self.benefits(false),
            },
            bd: BdWealth::default(),
        };
        let mut partner = PersonRecords::default();
        if couple {
            partner.uwv = UwvIncome {
                wages_cents: self.wages(partner_below),
                pensions_cents: if partner_below {
                    0
                } else {
                    self.pension(low_income)
                },
                benefits_cents: self.benefits(partner_below),
            };
        }
        let (a, d) = self.box3(low_income);
        applicant.bd.box3_assets_cents = a;
        applicant.bd.box3_debts_cents = d;
        if couple {
            let (a, d) = self.box3(low_income);
            partner.bd.box3_assets_cents = a / 2;
            partner.bd.box3_debts_cents = d;
        }
        let owner_ppm = if low_income {
            300_000
        } else {
            self.config.home_owner_ppm
        };
        if self.chance(owner_ppm) {
            let woz = self.log_uniform(15_000_000, 60_000_000);
            let mortgage = if self.chance(300_000) {
                self.rng.gen_range(0..=woz * 6 / 10)
            } else {
                0
            };
            if couple {
                for (p, share) in [(&mut applicant, woz / 2), (&mut partner, woz - woz / 2)] {
                    p.bd.woz_share_cents = share;
                    p.bd.mortgage_cents = mortgage / 2;
                }
            } else {
                applicant.bd.woz_share_cents = woz;
                applicant.bd.mortgage_cents = mortgage;
            }
        }
        let already_aio =
            low_income && lives_in_nl && self.chance(self.config.already_aio_among_low_income_ppm);
        Household {
            svb: SvbHousehold {
                household_type,
                aow_age_reached,
                lives_in_nl,
                already_aio,
                excluded,
                aow_gross_applicant_cents: aow_a,
                aow_gross_partner_cents: aow_p,
            },
            applicant,
            partner,
        }
    }
}

impl Iterator for Generator {
    type Item = Household;

    fn next(&mut self) -> Option<Household> {
        Some(self.next_household())
    }
}
