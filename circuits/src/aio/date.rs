//! Calendar dates for the rules files: validity dates and the AOW-age table by birth date.
//!
//! A deliberately small proleptic-Gregorian date type (no time zone, no time of day); enough
//! for "valid from" and for adding the AOW age (years and months) to a birth date. Pure
//! arithmetic on public or owner-local values: nothing here runs inside MPC and nothing is
//! revealed to anyone.

use std::fmt;

/// A calendar date (proleptic Gregorian), always valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a date could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid calendar date (year 1..=9999, month 1..=12, day within the month)")]
pub struct InvalidDate;

fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

impl Date {
    /// The date `year-month-day`, or an error when no such day exists.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, InvalidDate> {
        if year == 0 || year > 9999 || !(1..=12).contains(&month) {
            return Err(InvalidDate);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(InvalidDate);
        }
        Ok(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Date, InvalidDate> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(InvalidDate);
        }
        let num = |s: &str| -> Result<u16, InvalidDate> {
            if s.bytes().all(|c| c.is_ascii_digit()) {
                s.parse().map_err(|_| InvalidDate)
            } else {
                Err(InvalidDate)
            }
        };
        let year = num(&text[0..4])?;
        let month = u8::try_from(num(&text[5..7])?).map_err(|_| InvalidDate)?;
        let day = u8::try_from(num(&text[8..10])?).map_err(|_| InvalidDate)?;
        Date::new(year, month, day)
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1..=12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1..=31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The day after this one, if it is still within year 9999.
    pub fn succ(self) -> Option<Date> {
        if self.day < days_in_month(self.year, self.month) {
            Some(Date {
                day: self.day + 1,
                ..self
            })
        } else if self.month < 12 {
            Some(Date {
                month: self.month + 1,
                day: 1,
                ..self
            })
        } else if self.year < 9999 {
            Some(Date {
                year: self.year + 1,
                month: 1,
                day: 1,
            })
        } else {
            None
        }
    }

    /// This date plus `years` years and `months` months. When the day does not exist in the
    /// target month (born 31 March, plus 3 months) the last day of that month is taken.
    /// `None` past year 9999.
    pub fn add_years_months(self, years: u16, months: u8) -> Option<Date> {
        let total = u32::from(self.month - 1) + u32::from(months);
        let year = u32::from(self.year) + u32::from(years) + total / 12;
        let year = u16::try_from(year).ok().filter(|y| *y <= 9999)?;
        let month = (total % 12) as u8 + 1;
        let day = self.day.min(days_in_month(year, month));
        Some(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_validate() {
        assert_eq!(
            Date::parse("2025-07-01").unwrap(),
            Date::new(2025, 7, 1).unwrap()
        );
        assert!(Date::parse("2025-02-29").is_err());
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("1900-02-29").is_err());
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(Date::parse("2025-13-01").is_err());
        assert!(Date::parse("2025-7-01").is_err());
        assert!(Date::parse("+025-07-01").is_err());
        assert!(Date::parse("0000-01-01").is_err());
        assert_eq!(Date::new(2025, 7, 1).unwrap().to_string(), "2025-07-01");
    }

    #[test]
    fn successor_and_month_arithmetic() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(d("1960-12-31").succ(), Some(d("1961-01-01")));
        assert_eq!(d("2024-02-28").succ(), Some(d("2024-02-29")));
        assert_eq!(d("9999-12-31").succ(), None);
        assert_eq!(
            d("1961-03-31").add_years_months(67, 3),
            Some(d("2028-06-30"))
        );
        assert_eq!(
            d("1961-09-30").add_years_months(67, 3),
            Some(d("2028-12-30"))
        );
        assert_eq!(
            d("1961-11-15").add_years_months(67, 3),
            Some(d("2029-02-15"))
        );
        assert_eq!(
            d("1960-02-29").add_years_months(67, 0),
            Some(d("2027-02-28"))
        );
        assert_eq!(d("9990-01-01").add_years_months(67, 0), None);
    }
}
