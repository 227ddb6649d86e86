//! Electric cars: seeded daily trips and home charging (plain or smart).
//!
//! Each day the car leaves around its owner's departure time (normal, sd
//! 1 h) and comes home around the arrival time (normal, sd 1.5 h), having
//! used `daily_km` x U(0.5, 1.5) x `kwh_per_km`. At home it charges:
//! plain charging at full charger power until full; smart charging spreads
//! the energy still needed evenly over the time left before departure.
//! Chargers are 92 % efficient. A car at home when a run starts has been
//! charging overnight (90-100 %); one away is mid-trip (50-80 %).

use chrono::{Duration, NaiveDateTime, NaiveTime};
use rand::{RngExt, rngs::StdRng};
use serde::{Deserialize, Serialize};

use super::weather::standard_normal;

/// Charger efficiency (grid to battery).
pub const CHARGER_EFFICIENCY: f64 = 0.92;
/// A car never drives below this share of its battery.
pub const SOC_FLOOR: f64 = 0.1;

/// How cars charge at home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Charging {
    /// Full power from arrival until full: the evening peak.
    #[default]
    Plain,
    /// The needed energy spread evenly until departure.
    Smart,
}

/// A car's owner and battery.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvSpec {
    /// Battery, kWh.
    pub battery_kwh: f64,
    /// Charger, kW.
    pub charger_kw: f64,
    /// Usual departure.
    pub depart: NaiveTime,
    /// Usual arrival.
    pub arrive: NaiveTime,
    /// Mean daily distance, km.
    pub daily_km: f64,
    /// Consumption, kWh/km.
    pub kwh_per_km: f64,
}

/// Share of a car's battery it never gives to the neighbourhood (vehicle-to-grid).
pub const V2G_FLOOR: f64 = 0.5;

impl EvSpec {
    /// The least a car that allows vehicle-to-grid keeps: half its battery,
    /// or enough for the longest trip its owner makes (1.5 x the daily
    /// distance) above the 10 % floor, whichever is more, kWh.
    pub fn v2g_floor_kwh(&self) -> f64 {
        (V2G_FLOOR * self.battery_kwh)
            .max(SOC_FLOOR * self.battery_kwh + 1.5 * self.daily_km * self.kwh_per_km)
            .min(self.battery_kwh)
    }
}

/// Where a car is and how full.
#[derive(Debug, Clone, PartialEq)]
pub struct EvState {
    /// At home, plugged in.
    pub at_home: bool,
    /// Energy in the battery, kWh.
    pub soc_kwh: f64,
    /// When it next leaves (if at home) or arrives (if away).
    pub next_change: NaiveDateTime,
}

fn jittered(day: NaiveDateTime, time: NaiveTime, sd_h: f64, rng: &mut StdRng) -> NaiveDateTime {
    let minutes = (standard_normal(rng) * sd_h * 60.0).clamp(-3.0 * sd_h * 60.0, 3.0 * sd_h * 60.0);
    day.date().and_time(time) + Duration::minutes(minutes.round() as i64)
}

impl EvState {
    /// The car's state at the start of a run: home overnight, away by day.
    pub fn start(spec: &EvSpec, now: NaiveDateTime, rng: &mut StdRng) -> Self {
        let t = now.time();
        let away = spec.depart < spec.arrive && t >= spec.depart && t < spec.arrive;
        // Home at the start: it has been plugged in overnight. Away: mid-trip.
        let soc_kwh = spec.battery_kwh
            * if away {
                rng.random_range(0.5..0.8)
            } else {
                rng.random_range(0.9..1.0)
            };
        let next_change = if away {
            jittered(now, spec.arrive, 1.5, rng).max(now + Duration::minutes(30))
        } else {
            let mut d = jittered(now, spec.depart, 1.0, rng);
            if d <= now {
                d = jittered(now + Duration::days(1), spec.depart, 1.0, rng);
            }
            d
        };
        Self {
            at_home: !away,
            soc_kwh,
            next_change,
        }
    }

    /// Leaves or arrives when due. Returns the trip energy used on arrival, kWh.
    pub fn update_location(&mut self, spec: &EvSpec, now: NaiveDateTime, rng: &mut StdRng) -> f64 {
        if now < self.next_change {
            return 0.0;
        }
        if self.at_home {
            self.at_home = false;
            let mut arrive = jittered(now, spec.arrive, 1.5, rng);
            if arrive <= now + Duration::hours(1) {
                arrive = now + Duration::hours(1) + Duration::minutes(rng.random_range(0..240));
            }
            self.next_change = arrive;
            0.0
        } else {
            self.at_home = true;
            let trip = spec.daily_km * rng.random_range(0.5..1.5) * spec.kwh_per_km;
            let used = trip.min((self.soc_kwh - SOC_FLOOR * spec.battery_kwh).max(0.0));
            self.soc_kwh -= used;
            let mut depart = jittered(now, spec.depart, 1.0, rng);
            while depart <= now + Duration::hours(2) {
                depart += Duration::days(1);
            }
            self.next_change = depart;
            used
        }
    }

    /// Charging power from the grid, kW, for the next `dt_h` hours.
    pub fn charging_kw(&self, spec: &EvSpec, mode: Charging, now: NaiveDateTime, dt_h: f64) -> f64 {
        if !self.at_home {
            return 0.0;
        }
        let needed_kwh = (spec.battery_kwh - self.soc_kwh).max(0.0) / CHARGER_EFFICIENCY;
        let to_full = needed_kwh / dt_h;
        match mode {
            Charging::Plain => spec.charger_kw.min(to_full),
            Charging::Smart => {
                let hours_left = ((self.next_change - now).num_seconds() as f64 / 3600.0).max(dt_h);
                (needed_kwh / hours_left).min(spec.charger_kw).min(to_full)
            }
        }
    }

    /// Adds what the charger delivered over `dt_h` hours.
    pub fn charge(&mut self, spec: &EvSpec, power_kw: f64, dt_h: f64) {
        self.soc_kwh = (self.soc_kwh + power_kw * CHARGER_EFFICIENCY * dt_h).min(spec.battery_kwh);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn spec() -> EvSpec {
        EvSpec {
            battery_kwh: 60.0,
            charger_kw: 11.0,
            depart: NaiveTime::from_hms_opt(7, 30, 0).expect("valid"),
            arrive: NaiveTime::from_hms_opt(18, 0, 0).expect("valid"),
            daily_km: 40.0,
            kwh_per_km: 0.18,
        }
    }

    #[test]
    fn a_week_of_trips_comes_and_goes_and_charges() {
        let s = spec();
        let mut rng = StdRng::seed_from_u64(9);
        let mut now = crate::scenario::parse_date_time("2025-03-03 00:00").expect("valid");
        let mut ev = EvState::start(&s, now, &mut rng);
        assert!(ev.at_home);
        let (mut trips, mut charged, mut home_steps) = (0.0, 0.0, 0);
        let dt_h = 1.0 / 60.0;
        for _ in 0..7 * 24 * 60 {
            trips += ev.update_location(&s, now, &mut rng);
            let p = ev.charging_kw(&s, Charging::Smart, now, dt_h);
            assert!((0.0..=s.charger_kw).contains(&p));
            ev.charge(&s, p, dt_h);
            charged += p * dt_h;
            home_steps += usize::from(ev.at_home);
            assert!(ev.soc_kwh >= 0.0 && ev.soc_kwh <= s.battery_kwh + 1e-9);
            now += Duration::minutes(1);
        }
        // About 7.2 kWh a day for seven days; away roughly 10 h a day.
        assert!((30.0..=75.0).contains(&trips), "{trips} kWh driven");
        assert!(charged > 0.8 * trips, "{charged} kWh charged");
        assert!(
            (7 * 24 * 60 * 45 / 100..=7 * 24 * 60 * 75 / 100).contains(&home_steps),
            "{home_steps}"
        );
    }

    #[test]
    fn v2g_keeps_what_the_owner_needs() {
        let mut s = spec();
        assert_eq!(s.v2g_floor_kwh(), 30.0);
        s.daily_km = 200.0;
        assert!((s.v2g_floor_kwh() - (6.0 + 54.0)).abs() < 1e-9);
    }

    #[test]
    fn smart_charging_spreads_what_plain_charging_bunches() {
        let s = spec();
        let now = crate::scenario::parse_date_time("2025-03-03 18:00").expect("valid");
        let ev = EvState {
            at_home: true,
            soc_kwh: 40.0,
            next_change: now + Duration::hours(13),
        };
        assert_eq!(ev.charging_kw(&s, Charging::Plain, now, 1.0 / 60.0), 11.0);
        let smart = ev.charging_kw(&s, Charging::Smart, now, 1.0 / 60.0);
        assert!(
            (smart - 20.0 / CHARGER_EFFICIENCY / 13.0).abs() < 1e-9,
            "{smart}"
        );
    }
}
