//! The plaintext data of one SVB household, as the screening sees it after record linkage,
//! and the job's policy parameters.
//!
//! One [`Household`] per SVB household: what the SVB knows ([`SvbHousehold`]), and per person
//! (applicant, partner) what UWV holds ([`UwvIncome`]) and what the Belastingdienst holds
//! ([`BdWealth`]). A missing partner, or a person without a record at a party, contributes
//! zeros: that is what `Default` gives. Amounts are integer euro cents; income amounts are
//! gross per month (UWV sums its rows per person before the job).
//!
//! Every amount has a declared range ([`MAX_MONTHLY_CENTS`], [`MAX_WEALTH_CENTS`]);
//! [`Household::validate`] checks it, and the circuit's input widths rely on it. These types
//! are plaintext: in a real job each party holds only its own part.

use std::fmt;

/// Exclusive upper bound of every monthly gross income amount (AOW, wages, pensions,
/// benefits): 2^32 cents, about 42.9 million euro a month.
pub const MAX_MONTHLY_CENTS: u64 = 1 << 32;
/// Exclusive upper bound of every wealth amount (box 3 assets, box 3 debts, WOZ share,
/// mortgage): 2^40 cents, about 11 billion euro.
pub const MAX_WEALTH_CENTS: u64 = 1 << 40;
/// Largest accepted screening tolerance: 10,000 bp (norm × 2).
pub const MAX_TOLERANCE_BP: u64 = 10_000;

/// Household type as the SVB records it (Pw art. 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HouseholdType {
    /// Single: single norm, single wealth limit.
    #[default]
    Single,
    /// Single parent: single norm, couple wealth limit.
    SingleParent,
    /// Couple, both partners of AOW age: couple norm and limit.
    Couple,
    /// Couple, the partner below AOW age: couple norm and limit (Pw art. 22 (c) = (b)).
    CouplePartnerBelowAow,
}

impl HouseholdType {
    /// All four types, in code order.
    pub const ALL: [HouseholdType; 4] = [
        HouseholdType::Single,
        HouseholdType::SingleParent,
        HouseholdType::Couple,
        HouseholdType::CouplePartnerBelowAow,
    ];

    /// The type's code in inputs and files: 0 single, 1 single parent, 2 couple,
    /// 3 couple with partner below AOW age.
    pub fn code(self) -> u8 {
        match self {
            HouseholdType::Single => 0,
            HouseholdType::SingleParent => 1,
            HouseholdType::Couple => 2,
            HouseholdType::CouplePartnerBelowAow => 3,
        }
    }

    /// The type with this code.
    pub fn from_code(code: u8) -> Option<HouseholdType> {
        HouseholdType::ALL.get(usize::from(code)).copied()
    }

    /// Whether the household has a partner.
    pub fn is_couple(self) -> bool {
        matches!(
            self,
            HouseholdType::Couple | HouseholdType::CouplePartnerBelowAow
        )
    }
}

/// What the SVB knows about a household.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SvbHousehold {
    /// Household type.
    pub household_type: HouseholdType,
    /// The applicant (and so the household) has reached AOW age.
    pub aow_age_reached: bool,
    /// The household lives in the Netherlands.
    pub lives_in_nl: bool,
    /// The household already receives AIO.
    pub already_aio: bool,
    /// Known exclusion: institution, detention, long stay abroad.
    pub excluded: bool,
    /// AOW gross per month of the applicant, cents.
    pub aow_gross_applicant_cents: u64,
    /// AOW gross per month of the partner (0 without partner or below AOW age), cents.
    pub aow_gross_partner_cents: u64,
}

/// What UWV holds about one person: gross per month, summed over the person's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UwvIncome {
    /// Wages (earnings from work), cents.
    pub wages_cents: u64,
    /// Pensions and annuities, cents.
    pub pensions_cents: u64,
    /// UWV benefits, cents.
    pub benefits_cents: u64,
}

/// What the Belastingdienst holds about one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BdWealth {
    /// Box 3 assets, cents.
    pub box3_assets_cents: u64,
    /// Box 3 debts, cents.
    pub box3_debts_cents: u64,
    /// The person's share of the WOZ value of the own home, cents.
    pub woz_share_cents: u64,
    /// The person's mortgage debt on the own home, cents.
    pub mortgage_cents: u64,
}

/// One person's records at UWV and the Belastingdienst (zeros when there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PersonRecords {
    /// UWV income.
    pub uwv: UwvIncome,
    /// Belastingdienst wealth.
    pub bd: BdWealth,
}

/// One SVB household after linkage, in plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Household {
    /// The SVB's data.
    pub svb: SvbHousehold,
    /// The applicant's UWV and Belastingdienst records.
    pub applicant: PersonRecords,
    /// The partner's records (zeros for a household without partner).
    pub partner: PersonRecords,
}

/// A household amount outside its declared range; names the field, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("household field `{field}` is out of its declared range (must be below {bound})")]
pub struct HouseholdRangeError {
    /// The field, e.g. `partner.uwv.wages_cents`.
    pub field: &'static str,
    /// Its exclusive upper bound.
    pub bound: u64,
}

impl Household {
    /// Checks every amount against its declared range.
    pub fn validate(&self) -> Result<(), HouseholdRangeError> {
        let check = |field: &'static str, v: u64, bound: u64| {
            if v < bound {
                Ok(())
            } else {
                Err(HouseholdRangeError { field, bound })
            }
        };
        let m = MAX_MONTHLY_CENTS;
        let w = MAX_WEALTH_CENTS;
        check(
            "svb.aow_gross_applicant_cents",
            self.svb.aow_gross_applicant_cents,
            m,
        )?;
        check(
            "svb.aow_gross_partner_cents",
            self.svb.aow_gross_partner_cents,
            m,
        )?;
        for (who, p) in [("applicant", &self.applicant), ("partner", &self.partner)] {
            let f = |a: &'static str, b: &'static str| if who == "applicant" { a } else { b };
            check(
                f("applicant.uwv.wages_cents", "partner.uwv.wages_cents"),
                p.uwv.wages_cents,
                m,
            )?;
            check(
                f("applicant.uwv.pensions_cents", "partner.uwv.pensions_cents"),
                p.uwv.pensions_cents,
                m,
            )?;
            check(
                f("applicant.uwv.benefits_cents", "partner.uwv.benefits_cents"),
                p.uwv.benefits_cents,
                m,
            )?;
            check(
                f(
                    "applicant.bd.box3_assets_cents",
                    "partner.bd.box3_assets_cents",
                ),
                p.bd.box3_assets_cents,
                w,
            )?;
            check(
                f(
                    "applicant.bd.box3_debts_cents",
                    "partner.bd.box3_debts_cents",
                ),
                p.bd.box3_debts_cents,
                w,
            )?;
            check(
                f("applicant.bd.woz_share_cents", "partner.bd.woz_share_cents"),
                p.bd.woz_share_cents,
                w,
            )?;
            check(
                f("applicant.bd.mortgage_cents", "partner.bd.mortgage_cents"),
                p.bd.mortgage_cents,
                w,
            )?;
        }
        Ok(())
    }

    /// AOW gross of person `p`, cents.
    pub fn aow_gross_cents(&self, p: Person) -> u64 {
        match p {
            Person::Applicant => self.svb.aow_gross_applicant_cents,
            Person::Partner => self.svb.aow_gross_partner_cents,
        }
    }

    /// Records of person `p`.
    pub fn person(&self, p: Person) -> &PersonRecords {
        match p {
            Person::Applicant => &self.applicant,
            Person::Partner => &self.partner,
        }
    }
}

/// A person of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Person {
    /// The applicant (the AOW recipient the SVB household is keyed on).
    Applicant,
    /// The partner.
    Partner,
}

impl Person {
    /// Both persons, applicant first (the order of the circuit's inputs).
    pub const BOTH: [Person; 2] = [Person::Applicant, Person::Partner];

    /// `"applicant"` or `"partner"`.
    pub fn name(self) -> &'static str {
        match self {
            Person::Applicant => "applicant",
            Person::Partner => "partner",
        }
    }
}

/// What happens to equity in the own home above the home-equity limit (a job parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HomeRule {
    /// Equity only makes AIO a loan: it never counts as wealth for the screening.
    #[default]
    Loan,
    /// Equity above the limit counts as wealth.
    Count,
}

impl HomeRule {
    /// `"loan"` or `"count"`, as in job files.
    pub fn as_str(self) -> &'static str {
        match self {
            HomeRule::Loan => "loan",
            HomeRule::Count => "count",
        }
    }

    /// Parses `"loan"` or `"count"`.
    pub fn parse(s: &str) -> Option<HomeRule> {
        match s {
            "loan" => Some(HomeRule::Loan),
            "count" => Some(HomeRule::Count),
            _ => None,
        }
    }
}

impl fmt::Display for HomeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The job's policy parameters (approved with the job, not part of the rules file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Policy {
    /// Flag when household net income ≤ norm × (1 + tolerance_bp / 10,000). Default 0.
    pub tolerance_bp: u64,
    /// Home-equity rule. Default `loan`.
    pub home_rule: HomeRule,
}

/// A policy parameter out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("screening tolerance must be at most {MAX_TOLERANCE_BP} bp")]
pub struct PolicyError;

impl Policy {
    /// A policy with these parameters, checked.
    pub fn new(tolerance_bp: u64, home_rule: HomeRule) -> Result<Policy, PolicyError> {
        let p = Policy {
            tolerance_bp,
            home_rule,
        };
        p.validate()?;
        Ok(p)
    }

    /// Checks the tolerance range.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.tolerance_bp > MAX_TOLERANCE_BP {
            return Err(PolicyError);
        }
        Ok(())
    }
}
