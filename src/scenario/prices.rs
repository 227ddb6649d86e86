//! What the parts of a neighbourhood cost, and what a set of edits spent:
//! the price list a scenario carries (defaults from 2023-2024 German market
//! prices; docs/build-mode.md, "Prices and a budget", cites each), and the
//! item-by-item comparison of two scenarios that build mode shows against
//! the budget.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Scenario, checked};

/// Installed prices, EUR, net of VAT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceList {
    /// Rooftop PV, per kWp (Fraunhofer ISE 2024: 900-1,600 for systems up to 30 kWp).
    #[serde(default = "d_pv", deserialize_with = "eur")]
    pub pv_eur_per_kwp: f64,
    /// Home battery, per kWh of capacity, inverter included (retail surveys 2024: 400-1,000).
    #[serde(default = "d_battery_kwh", deserialize_with = "eur")]
    pub battery_eur_per_kwh: f64,
    /// Home battery, per kW of inverter power beyond the
    /// [`INCLUDED_KW_PER_KWH`] the kWh price includes (hybrid inverters
    /// 2024: about 150-300 EUR/kW).
    #[serde(default = "d_battery_kw", deserialize_with = "eur")]
    pub battery_eur_per_kw: f64,
    /// Small wind turbine, per kW of rated power (klein-windkraftanlagen.com 2023: 3,000-10,000).
    #[serde(default = "d_wind", deserialize_with = "eur")]
    pub wind_eur_per_kw: f64,
    /// A home charger (11 kW wallbox) with its installation (ADAC 2023: box 500-1,000, fitting 500-2,300).
    #[serde(default = "d_charger", deserialize_with = "eur")]
    pub charger_eur: f64,
    /// A car's battery, per kWh, when a design adds a car or a larger one
    /// (BloombergNEF 2023 pack price survey: 139 USD/kWh, about 130 EUR).
    #[serde(default = "d_car_battery", deserialize_with = "eur")]
    pub car_battery_eur_per_kwh: f64,
    /// Low-voltage cable laid in the ground with its trench, per metre (dena 2012: 60 rural to 100 urban).
    #[serde(default = "d_cable", deserialize_with = "eur")]
    pub cable_eur_per_m: f64,
    /// Per metre for named cable types, where they differ from `cable_eur_per_m`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cable_type_eur_per_m: BTreeMap<String, f64>,
    /// A house's connection to the street, per house (network operators' flat rates: about 1,600-2,000).
    #[serde(default = "d_connection", deserialize_with = "eur")]
    pub house_connection_eur: f64,
    /// Putting a house's connection, inverter or charger on another phase:
    /// an electrician's visit of an hour or two at the meter cabinet (an
    /// estimate: German trade rates 2024, 60-90 EUR an hour, plus travel).
    #[serde(default = "d_phase_move", deserialize_with = "eur")]
    pub phase_move_eur: f64,
}

impl Default for PriceList {
    fn default() -> Self {
        Self {
            pv_eur_per_kwp: d_pv(),
            battery_eur_per_kwh: d_battery_kwh(),
            battery_eur_per_kw: d_battery_kw(),
            wind_eur_per_kw: d_wind(),
            charger_eur: d_charger(),
            car_battery_eur_per_kwh: d_car_battery(),
            cable_eur_per_m: d_cable(),
            cable_type_eur_per_m: BTreeMap::new(),
            house_connection_eur: d_connection(),
            phase_move_eur: d_phase_move(),
        }
    }
}

fn d_pv() -> f64 {
    1_300.0
}
fn d_battery_kwh() -> f64 {
    700.0
}
fn d_battery_kw() -> f64 {
    250.0
}
fn d_car_battery() -> f64 {
    130.0
}
fn d_wind() -> f64 {
    6_000.0
}
fn d_charger() -> f64 {
    2_000.0
}
fn d_cable() -> f64 {
    80.0
}
fn d_connection() -> f64 {
    2_000.0
}
fn d_phase_move() -> f64 {
    200.0
}

fn eur<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    use serde::de::Error;
    let v = f64::deserialize(d)?;
    checked::in_range(v, 0.0, 10_000_000.0, "a price in EUR").map_err(D::Error::custom)
}

impl PriceList {
    /// Per metre of a cable type.
    pub fn cable_per_m(&self, cable: &str) -> f64 {
        self.cable_type_eur_per_m
            .get(cable)
            .copied()
            .unwrap_or(self.cable_eur_per_m)
    }

    /// A home battery of `capacity_kwh` with `power_kw` of inverter: the
    /// kWh price, and the inverter power beyond what it includes.
    pub fn battery(&self, capacity_kwh: f64, power_kw: f64) -> f64 {
        capacity_kwh * self.battery_eur_per_kwh
            + (power_kw - capacity_kwh * INCLUDED_KW_PER_KWH).max(0.0) * self.battery_eur_per_kw
    }

    /// A car's charger and its battery of `battery_kwh`.
    pub fn car(&self, battery_kwh: f64) -> f64 {
        self.charger_eur + battery_kwh * self.car_battery_eur_per_kwh
    }

    /// A turbine of `model` (its rated power from the power curve).
    pub fn turbine(&self, model: &str) -> f64 {
        crate::physics::wind::power_curve(model).map_or(0.0, |c| c.rated_kw * self.wind_eur_per_kw)
    }

    /// Problems in the per-type prices (the others are checked as read).
    pub fn problems(&self) -> Vec<String> {
        self.cable_type_eur_per_m
            .iter()
            .filter_map(|(name, &p)| {
                checked::in_range(p, 0.0, 10_000_000.0, "a price in EUR")
                    .err()
                    .map(|e| format!("cable_type_eur_per_m \"{name}\": {e}"))
            })
            .collect()
    }
}

/// Inverter power a home battery's kWh price includes, kW per kWh (a
/// 10 kWh battery with a 5 kW inverter, as most are sold).
pub const INCLUDED_KW_PER_KWH: f64 = 0.5;

/// One priced part and what it is worth, EUR.
fn items(s: &Scenario, p: &PriceList) -> BTreeMap<(&'static str, String), f64> {
    let mut out = BTreeMap::new();
    for h in &s.houses {
        out.insert(("house", h.name.clone()), p.house_connection_eur);
        if let Some(pv) = &h.pv {
            out.insert(("PV", h.name.clone()), pv.kwp * p.pv_eur_per_kwp);
        }
        if let Some(b) = &h.battery {
            out.insert(
                ("battery", h.name.clone()),
                p.battery(b.capacity_kwh, b.power_kw),
            );
        }
        if let Some(ev) = &h.ev {
            out.insert(("car", h.name.clone()), p.car(ev.battery_kwh));
        }
    }
    for t in &s.wind_turbines {
        out.insert(("turbine", t.name.clone()), p.turbine(&t.model));
    }
    for l in s.feeders.iter().flat_map(|f| &f.lines) {
        let key = ("cable", format!("{} - {}", l.from, l.to));
        *out.entry(key).or_insert(0.0) += l.length_m * p.cable_per_m(&l.cable);
    }
    out
}

/// What edits spent, EUR, against the neighbourhood as loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spending {
    /// New parts and the growth of old ones (more kWp, a longer cable), by kind.
    pub spent: BTreeMap<&'static str, f64>,
    /// What was taken away or made smaller (not refunded), by kind.
    pub removed: BTreeMap<&'static str, f64>,
}

impl Spending {
    /// All that was spent, EUR.
    pub fn total(&self) -> f64 {
        self.spent.values().sum()
    }

    /// All that was taken away, EUR.
    pub fn total_removed(&self) -> f64 {
        self.removed.values().sum()
    }
}

/// What turning `before` into `after` spends, part by part, at `after`'s
/// prices (both scenarios expanded, as built).
pub fn spending(before: &Scenario, after: &Scenario) -> Spending {
    let prices = &after.prices;
    let (old, new) = (items(before, prices), items(after, prices));
    let mut out = Spending::default();
    let keys: std::collections::BTreeSet<_> = old.keys().chain(new.keys()).collect();
    for key in keys {
        let d = new.get(key).copied().unwrap_or(0.0) - old.get(key).copied().unwrap_or(0.0);
        if d > 1e-9 {
            *out.spent.entry(key.0).or_insert(0.0) += d;
        } else if d < -1e-9 {
            *out.removed.entry(key.0).or_insert(0.0) -= d;
        }
    }
    // A house or unit that stays but moves to another phase: a visit each.
    for after_house in &after.houses {
        let Some(before_house) = before.houses.iter().find(|h| h.name == after_house.name) else {
            continue;
        };
        let moved = [
            (Some(before_house.phase), Some(after_house.phase)),
            (
                before_house.pv.map(|x| x.phase),
                after_house.pv.map(|x| x.phase),
            ),
            (
                before_house.battery.map(|x| x.phase),
                after_house.battery.map(|x| x.phase),
            ),
            (
                before_house.ev.map(|x| x.phase),
                after_house.ev.map(|x| x.phase),
            ),
        ]
        .iter()
        .filter(|(a, b)| matches!((a, b), (Some(a), Some(b)) if a != b))
        .count();
        // One visit rewires whatever of the house moves.
        if moved > 0 {
            *out.spent.entry("phase").or_insert(0.0) += prices.phase_move_eur;
        }
    }
    out
}

/// Euros in English, as the command line reports them: "12,350 EUR"
/// (the window writes them in its language, [`crate::lang::eur`]).
pub fn eur_text(x: f64) -> String {
    crate::lang::eur_in(crate::lang::Lang::En, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_to_another_phase_is_an_electrician_s_visit() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenes/challenges/start/dorfstrasse.scenario.ron"
        ))
        .expect("shipped");
        let before = crate::scenario::parse(&text, "dorfstrasse").expect("parses");
        let mut after = before.clone();
        let visit = before.prices.phase_move_eur;
        assert_eq!(spending(&before, &after).total(), 0.0);
        // Two arrays onto B and C: two visits, nothing else spent.
        for (h, phase) in [(1, super::super::Phase::B), (2, super::super::Phase::C)] {
            if let Some(pv) = after.houses[h].pv.as_mut() {
                pv.phase = phase;
            }
        }
        let s = spending(&before, &after);
        assert_eq!(s.spent.get("phase"), Some(&(2.0 * visit)));
        assert_eq!(s.total(), 2.0 * visit);
        // A bigger array on the same phase is PV, not a move.
        let mut bigger = before.clone();
        if let Some(pv) = bigger.houses[0].pv.as_mut() {
            pv.kwp += 1.0;
        }
        assert!(!spending(&before, &bigger).spent.contains_key("phase"));
    }

    #[test]
    fn euros_are_grouped_in_thousands() {
        assert_eq!(eur_text(0.0), "0 EUR");
        assert_eq!(eur_text(999.6), "1,000 EUR");
        assert_eq!(eur_text(1_234_567.0), "1,234,567 EUR");
        assert_eq!(eur_text(-8450.0), "-8,450 EUR");
    }
}
