//! Household demand from the BDEW H0 standard load profile.
//!
//! The profile (assets/profiles/bdew_h0.csv, extracted by tools/extract_h0.py)
//! gives mean power per quarter hour for 1000 kWh/a, by season and day type;
//! the BDEW dynamisation factor scales it over the year. Public holidays are
//! treated as the weekday they fall on (a simplification).

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};

/// BDEW season.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    /// 1 Nov - 20 Mar.
    Winter,
    /// 21 Mar - 14 May and 15 Sep - 31 Oct.
    Transition,
    /// 15 May - 14 Sep.
    Summer,
}

/// BDEW day type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayType {
    /// Monday to Friday.
    Workday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

/// The BDEW season of a date.
pub fn season(date: NaiveDateTime) -> Season {
    let (m, d) = (date.month(), date.day());
    match (m, d) {
        (11 | 12 | 1 | 2, _) | (3, 1..=20) => Season::Winter,
        (5, 15..) | (6..=8, _) | (9, ..=14) => Season::Summer,
        _ => Season::Transition,
    }
}

/// The BDEW day type of a date.
pub fn day_type(date: NaiveDateTime) -> DayType {
    match date.weekday() {
        Weekday::Sat => DayType::Saturday,
        Weekday::Sun => DayType::Sunday,
        _ => DayType::Workday,
    }
}

/// BDEW dynamisation factor for day of year `t` (1-366).
pub fn dynamisation_factor(day_of_year: u32) -> f64 {
    let t = f64::from(day_of_year);
    -3.92e-10 * t.powi(4) + 3.2e-7 * t.powi(3) - 7.02e-5 * t.powi(2) + 2.1e-3 * t + 1.24
}

type Table = [[[f64; 96]; 3]; 3];

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        parse_table(include_str!("../../assets/profiles/bdew_h0.csv"))
            .expect("the bundled H0 table is well-formed (a unit test checks it)")
    })
}

fn parse_table(text: &str) -> Result<Table, String> {
    let mut out = [[[0.0; 96]; 3]; 3];
    let mut filled = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cells = line.split(',');
        let s = match cells.next() {
            Some("winter") => 0,
            Some("transition") => 1,
            Some("summer") => 2,
            other => return Err(format!("unknown season {other:?}")),
        };
        let d = match cells.next() {
            Some("workday") => 0,
            Some("saturday") => 1,
            Some("sunday") => 2,
            other => return Err(format!("unknown day type {other:?}")),
        };
        let values: Vec<f64> = cells
            .map(|c| c.trim().parse::<f64>().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        if values.len() != 96 {
            return Err(format!("{} values instead of 96", values.len()));
        }
        out[s][d].copy_from_slice(&values);
        filled += 1;
    }
    if filled != 9 {
        Err(format!("{filled} profiles instead of 9"))
    } else {
        Ok(out)
    }
}

/// H0 mean power in W for 1000 kWh/a in the quarter hour containing `time`,
/// before dynamisation.
pub fn h0_static_w(time: NaiveDateTime) -> f64 {
    let s = season(time) as usize;
    let d = day_type(time) as usize;
    let quarter = (time.hour() * 4 + time.minute() / 15) as usize;
    table()[s][d][quarter]
}

/// Mean household demand in kW at `time` for a house using `annual_kwh` a year.
pub fn household_kw(annual_kwh: f64, time: NaiveDateTime) -> f64 {
    h0_static_w(time) * dynamisation_factor(time.ordinal()) / 1000.0 * annual_kwh / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|x| x.and_hms_opt(h, min, 0))
            .expect("valid")
    }

    #[test]
    fn bundled_table_parses() {
        assert!(parse_table(include_str!("../../assets/profiles/bdew_h0.csv")).is_ok());
    }

    #[test]
    fn seasons_follow_bdew_dates() {
        assert_eq!(season(at(2025, 3, 20, 0, 0)), Season::Winter);
        assert_eq!(season(at(2025, 3, 21, 0, 0)), Season::Transition);
        assert_eq!(season(at(2025, 5, 15, 0, 0)), Season::Summer);
        assert_eq!(season(at(2025, 9, 14, 0, 0)), Season::Summer);
        assert_eq!(season(at(2025, 9, 15, 0, 0)), Season::Transition);
        assert_eq!(season(at(2025, 11, 1, 0, 0)), Season::Winter);
    }

    #[test]
    fn one_year_of_h0_is_about_the_annual_energy() {
        // Integrate 2025 at 15-minute steps: the dynamised profile sums to ~1000 kWh.
        let mut t = at(2025, 1, 1, 0, 0);
        let mut kwh = 0.0;
        while t < at(2026, 1, 1, 0, 0) {
            kwh += household_kw(1000.0, t) * 0.25;
            t += chrono::Duration::minutes(15);
        }
        assert!((kwh - 1000.0).abs() < 15.0, "{kwh} kWh");
    }

    #[test]
    fn winter_evening_peak_exceeds_night() {
        let night = household_kw(3500.0, at(2025, 1, 15, 3, 30));
        let evening = household_kw(3500.0, at(2025, 1, 15, 19, 0));
        assert!(evening > 3.0 * night, "night {night} evening {evening}");
    }
}
