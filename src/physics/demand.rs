//! Household demand from the BDEW H0 standard load profile.
//!
//! The profile (assets/profiles/bdew_h0.csv, extracted by tools/extract_h0.py)
//! gives mean power per quarter hour for 1000 kWh/a, by season and day type;
//! the BDEW dynamisation factor scales it over the year. Public holidays are
//! treated as the weekday they fall on (a simplification).
//!
//! One house is not the profile: [`HouseholdNoise`] splits the mean into a
//! base load (60 % of the energy) with log-normal AR(1) noise and appliance
//! events (40 %: 1.5-6 kW for 3-25 minutes at random), so single houses are
//! spiky while the sum of many stays close to the smooth H0 shape.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};
use rand::{RngExt, rngs::StdRng};

use super::weather::{Ar1Step, standard_normal};

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
    scaled_kw(h0_dynamised_w(time), annual_kwh)
}

/// H0 mean power in W for 1000 kWh/a at `time`, dynamised: the same for
/// every house at one time (see [`scaled_kw`]).
pub fn h0_dynamised_w(time: NaiveDateTime) -> f64 {
    h0_static_w(time) * dynamisation_factor(time.ordinal())
}

/// A house's mean demand in kW from [`h0_dynamised_w`] and its annual energy.
pub fn scaled_kw(h0_dynamised_w: f64, annual_kwh: f64) -> f64 {
    h0_dynamised_w / 1000.0 * annual_kwh / 1000.0
}

/// Share of household energy in appliance events.
const EVENT_SHARE: f64 = 0.4;
/// Log-normal spread of the base load.
const BASE_SIGMA: f64 = 0.5;
const BASE_TAU_S: f64 = 20.0 * 60.0;
const EVENT_KW: (f64, f64) = (1.5, 6.0);
const EVENT_S: (f64, f64) = (180.0, 1500.0);

/// A household's noise between steps.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdNoise {
    z: f64,
    event_kw: f64,
    event_left_s: f64,
    /// The base load's AR(1) step, kept while the step length stays.
    base_step: Option<Ar1Step>,
}

impl HouseholdNoise {
    /// Fresh noise state.
    pub fn new(rng: &mut StdRng) -> Self {
        Self {
            z: standard_normal(rng),
            event_kw: 0.0,
            event_left_s: 0.0,
            base_step: None,
        }
    }

    /// The house's mean power over the next `dt_s` seconds, kW, when the
    /// H0 mean is `mean_kw`. Its expectation is `mean_kw`.
    pub fn demand_kw(&mut self, mean_kw: f64, dt_s: f64, rng: &mut StdRng) -> f64 {
        let step = match self.base_step {
            Some(step) if step.dt_s == dt_s => step,
            _ => *self.base_step.insert(Ar1Step::new(dt_s, BASE_TAU_S)),
        };
        self.z = step.next(self.z, rng);
        let base = (1.0 - EVENT_SHARE)
            * mean_kw
            * (BASE_SIGMA * self.z - BASE_SIGMA * BASE_SIGMA / 2.0).exp();
        if self.event_left_s <= 0.0 {
            // Share of time an event must be on for its energy share, and the
            // start rate that gives it when events never overlap.
            let mean_event_kw = (EVENT_KW.0 + EVENT_KW.1) / 2.0;
            let mean_event_s = (EVENT_S.0 + EVENT_S.1) / 2.0;
            let on = (EVENT_SHARE * mean_kw / mean_event_kw).min(0.9);
            let rate_per_s = on / (mean_event_s * (1.0 - on));
            if rng.random::<f64>() < rate_per_s * dt_s {
                self.event_kw = rng.random_range(EVENT_KW.0..EVENT_KW.1);
                self.event_left_s = rng.random_range(EVENT_S.0..EVENT_S.1);
            }
        }
        let mut event = 0.0;
        if self.event_left_s > 0.0 {
            let on_s = self.event_left_s.min(dt_s);
            event = self.event_kw * on_s / dt_s;
            self.event_left_s -= on_s;
        }
        base + event
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rand::SeedableRng;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|x| x.and_hms_opt(h, min, 0))
            .expect("valid")
    }

    #[test]
    fn one_house_is_spiky_and_many_are_smooth_with_the_right_mean() {
        let mut rng = StdRng::seed_from_u64(5);
        let mean_kw = 0.5;
        let n_houses = 200;
        let mut houses: Vec<HouseholdNoise> = (0..n_houses)
            .map(|_| HouseholdNoise::new(&mut rng))
            .collect();
        let (mut one, mut sum) = (Vec::new(), Vec::new());
        for _ in 0..7 * 24 * 60 {
            let powers: Vec<f64> = houses
                .iter_mut()
                .map(|h| h.demand_kw(mean_kw, 60.0, &mut rng))
                .collect();
            one.push(powers[0]);
            sum.push(powers.iter().sum::<f64>());
        }
        let stats = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
            (m, sd / m)
        };
        let (mean_sum, cv_sum) = stats(&sum);
        let (_, cv_one) = stats(&one);
        let mean_all = mean_sum / n_houses as f64;
        assert!(
            (mean_all - mean_kw).abs() < 0.02 * mean_kw,
            "mean {mean_all}"
        );
        let one_max = one.iter().copied().fold(0.0, f64::max);
        assert!(one_max > 4.0, "a single house peaks at {one_max} kW");
        // Independent houses: the sum's relative spread shrinks about as 1/sqrt(n).
        assert!(cv_one > 1.0, "one house varies by {cv_one}");
        assert!(cv_sum < cv_one / 8.0, "sum cv {cv_sum} vs one {cv_one}");
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
