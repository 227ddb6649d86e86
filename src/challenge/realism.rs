//! What exists: the parts a design adds or changes must be parts one can
//! buy and lay. A cable is at least as long as the straight line between
//! its ends; two buses get a second cable only where the challenge allows
//! parallel cables; batteries, cars and roofs stay within the products
//! sold (docs/grading.md, "What exists", cites each range).
//!
//! Only what differs from the starting design is judged: the challenge's
//! own parts are its author's.

use std::collections::BTreeMap;

use crate::scenario::{LV_BUSBAR_NAME, LineSpec, Scenario};
use crate::tr;

/// Home batteries sold, usable kWh: from one small module (BYD Battery-Box
/// Premium HVS 5.1, 2.56 kWh a module) to a stack of four Tesla
/// Powerwall 3 units or a full BYD HVM stack (about 55-66 kWh).
pub const HOME_BATTERY_KWH: (f64, f64) = (2.5, 66.0);
/// Most inverter power per kWh of a home battery (1 C; Powerwall 3:
/// 11.5 kW for 13.5 kWh, 0.85 C; BYD HVS: up to 1 C continuous).
pub const HOME_BATTERY_MAX_C_RATE: f64 = 1.0;
/// Highest one-way efficiency of a home battery (96 % round trip at best,
/// the upper end of lithium-ion home systems in the HTW Berlin
/// Stromspeicher-Inspektion 2024; 0.98 x 0.98 = 0.96).
pub const HOME_BATTERY_MAX_EFFICIENCY: f64 = 0.98;
/// Car batteries sold, kWh: from the smallest city cars (Dacia Spring,
/// 26.8 kWh) to the largest pick-ups (GMC Hummer EV, about 212 kWh).
pub const CAR_BATTERY_KWH: (f64, f64) = (20.0, 215.0);
/// Most a home charger draws or feeds, kW (a 32 A three-phase wallbox, 22 kW).
pub const HOME_CHARGER_MAX_KW: f64 = 22.0;
/// Least a car drives a day, km: a car that never leaves is a battery on
/// wheels at a car battery's price (German cars average about 30 km a day,
/// KBA/MiD 2017; 5 km is a short errand).
pub const CAR_MIN_DAILY_KM: f64 = 5.0;
/// Most PV a house's roof holds, kWp: about 150 m² of modules at
/// 0.2 kWp/m², the top of the EEG's small-roof class (up to 30 kWp).
pub const ROOF_MAX_KWP: f64 = 30.0;

/// A cable by its ends, in a fixed order.
fn ends(from: &str, to: &str) -> (String, String) {
    if from <= to {
        (from.to_owned(), to.to_owned())
    } else {
        (to.to_owned(), from.to_owned())
    }
}

/// Cables between each pair of buses, each as written.
fn cables(s: &Scenario) -> BTreeMap<(String, String), Vec<&LineSpec>> {
    let mut out: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for l in s.feeders.iter().flat_map(|f| &f.lines) {
        out.entry(ends(&l.from, &l.to)).or_default().push(l);
    }
    out
}

/// Where each bus with a position stands (the busbar at the transformer).
fn positions(s: &Scenario) -> BTreeMap<String, (f64, f64)> {
    let mut out: BTreeMap<String, (f64, f64)> = s
        .feeders
        .iter()
        .flat_map(|f| &f.buses)
        .filter_map(|b| b.position_m.map(|p| (b.name.clone(), (p.0, p.1))))
        .collect();
    out.insert(LV_BUSBAR_NAME.to_owned(), (0.0, 0.0));
    out
}

/// The extra cables of `after` between buses that `before` joined with
/// fewer: (the pair, how many more).
fn parallel_additions(before: &Scenario, after: &Scenario) -> Vec<((String, String), usize)> {
    let (old, new) = (cables(before), cables(after));
    new.iter()
        .filter_map(|(pair, list)| {
            let had = old.get(pair).map_or(0, Vec::len).max(1);
            (list.len() > had).then(|| (pair.clone(), list.len() - had))
        })
        .collect()
}

/// Why the parts `design` adds or changes do not exist, in words (empty:
/// every one does). `parallel_allowed`: the challenge allows (and prices)
/// a second cable between two buses.
pub fn reasons(start: &Scenario, design: &Scenario, parallel_allowed: bool) -> Vec<String> {
    let mut out = Vec::new();
    cable_reasons(start, design, parallel_allowed, &mut out);
    let old: BTreeMap<&str, _> = start.houses.iter().map(|h| (h.name.as_str(), h)).collect();
    for h in &design.houses {
        let was = old.get(h.name.as_str());
        let changed = |now: Option<String>, before: Option<String>| now.is_some() && now != before;
        let part = |f: &dyn Fn(&crate::scenario::House) -> Option<String>| {
            changed(f(h), was.and_then(|w| f(w)))
        };
        if let Some(pv) = &h.pv
            && part(&|x| {
                x.pv.map(|p| format!("{} {} {}", p.kwp, p.tilt_deg, p.azimuth_deg))
            })
            && pv.kwp > ROOF_MAX_KWP
        {
            out.push(tr!(
                "challenge.reason_roof",
                house = h.name,
                kwp = pv.kwp,
                max = ROOF_MAX_KWP
            ));
        }
        if let Some(b) = &h.battery
            && part(&|x| {
                x.battery
                    .map(|b| format!("{} {} {}", b.capacity_kwh, b.power_kw, b.efficiency))
            })
        {
            let (min, max) = HOME_BATTERY_KWH;
            if !(min..=max).contains(&b.capacity_kwh) {
                out.push(tr!(
                    "challenge.reason_battery_size",
                    house = h.name,
                    kwh = b.capacity_kwh,
                    min = min,
                    max = max
                ));
            }
            if b.power_kw > b.capacity_kwh * HOME_BATTERY_MAX_C_RATE + 1e-9 {
                out.push(tr!(
                    "challenge.reason_battery_power",
                    house = h.name,
                    kw = b.power_kw,
                    kwh = b.capacity_kwh,
                    max = b.capacity_kwh * HOME_BATTERY_MAX_C_RATE
                ));
            }
            if b.efficiency > HOME_BATTERY_MAX_EFFICIENCY + 1e-9 {
                out.push(tr!(
                    "challenge.reason_battery_efficiency",
                    house = h.name,
                    efficiency = b.efficiency,
                    max = HOME_BATTERY_MAX_EFFICIENCY
                ));
            }
        }
        if let Some(ev) = &h.ev
            && part(&|x| {
                x.ev.map(|e| {
                    format!(
                        "{} {} {} {}",
                        e.battery_kwh, e.charger_kw, e.v2g, e.daily_km
                    )
                })
            })
        {
            let (min, max) = CAR_BATTERY_KWH;
            if !(min..=max).contains(&ev.battery_kwh) {
                out.push(tr!(
                    "challenge.reason_car_battery",
                    house = h.name,
                    kwh = ev.battery_kwh,
                    min = min,
                    max = max
                ));
            }
            if ev.daily_km < CAR_MIN_DAILY_KM {
                out.push(tr!(
                    "challenge.reason_car_parked",
                    house = h.name,
                    km = ev.daily_km,
                    min = CAR_MIN_DAILY_KM
                ));
            }
            if ev.charger_kw > HOME_CHARGER_MAX_KW {
                out.push(tr!(
                    "challenge.reason_car_charger",
                    house = h.name,
                    kw = ev.charger_kw,
                    max = HOME_CHARGER_MAX_KW
                ));
            }
        }
    }
    out
}

/// Cables shorter than the distance between their ends, and second cables
/// between two buses.
fn cable_reasons(
    start: &Scenario,
    design: &Scenario,
    parallel_allowed: bool,
    out: &mut Vec<String>,
) {
    let (old, new) = (cables(start), cables(design));
    let (was_at, at) = (positions(start), positions(design));
    let old_buses: std::collections::BTreeSet<&str> = start
        .feeders
        .iter()
        .flat_map(|f| &f.buses)
        .map(|b| b.name.as_str())
        .chain([LV_BUSBAR_NAME])
        .collect();
    for ((a, b), list) in &new {
        let before = old.get(&(a.clone(), b.clone()));
        let kept = |line: &LineSpec| {
            before.is_some_and(|was| {
                was.iter()
                    .any(|w| w.cable == line.cable && w.length_m == line.length_m)
            })
        };
        let (Some(pa), Some(pb)) = (at.get(a), at.get(b)) else {
            // A length cannot be checked without both ends' places: a new
            // bus, or one that lost its position, must say where it is.
            let unplaced = [a, b].into_iter().find(|n| {
                !at.contains_key(*n) && (!old_buses.contains(n.as_str()) || was_at.contains_key(*n))
            });
            if let Some(bus) = unplaced
                && list.iter().any(|l| !kept(l))
            {
                out.push(tr!(
                    "challenge.reason_cable_unplaced",
                    from = a,
                    to = b,
                    bus = bus
                ));
            }
            continue;
        };
        let moved = was_at.get(a) != Some(pa) || was_at.get(b) != Some(pb);
        let distance = (pa.0 - pb.0).hypot(pa.1 - pb.1);
        for line in list {
            let kept = kept(line);
            // Half a metre for rounding in files written by hand.
            if (moved || !kept) && line.length_m + 0.5 < distance {
                out.push(tr!(
                    "challenge.reason_cable_short",
                    from = line.from,
                    to = line.to,
                    length = crate::lang::num(line.length_m, 1),
                    distance = crate::lang::num(distance, 0)
                ));
            }
        }
    }
    if !parallel_allowed {
        for ((a, b), _) in parallel_additions(start, design) {
            out.push(tr!("challenge.reason_parallel", from = a, to = b));
        }
    }
}
