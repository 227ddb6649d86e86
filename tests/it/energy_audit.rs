//! The energy audit: a year of the default neighbourhood with outages in
//! every season, checked step by step from the devices themselves. Each
//! battery's and car's stored energy changes by exactly what its power and
//! efficiency say (less what the car's trips used), no state of charge
//! leaves its bounds, no unit exceeds its inverter, and an island's balance
//! closes from its parts: generation - demand - storage - losses = 0.

use std::collections::HashMap;

use bevy::prelude::*;

use crate::common::built;
use microgrid::network::{PowerFlowModel, SolverOptions};
use microgrid::physics::ev::CHARGER_EFFICIENCY;
use microgrid::physics::storage::{SOC_MAX, SOC_MIN};
use microgrid::run::{RunOptions, parse_outage, simulate};
use microgrid::sim::devices::{BatteryState, DeviceIndex, DevicePower, EvRuntime};
use microgrid::sim::grid_mode::{GridMode, GridState, IslandUnits};
use microgrid::sim::metrics::StepRecord;
use microgrid::sim::network::NetworkState;
use microgrid::sim::snapshot::bus_consumption_mva;

/// What a storage device held after the last step.
#[derive(Debug, Clone, Copy)]
struct Held {
    soc_kwh: f64,
    driven_kwh: f64,
}

/// Stored energy change of a car at `p_kw` (positive charges) for `dt_h`.
fn car_stored_kwh(p_kw: f64, dt_h: f64) -> f64 {
    if p_kw >= 0.0 {
        p_kw * CHARGER_EFFICIENCY * dt_h
    } else {
        p_kw / CHARGER_EFFICIENCY * dt_h
    }
}

#[derive(Debug, Default)]
struct Audit {
    steps: usize,
    island_steps: usize,
    dark_steps: usize,
    battery_checks: usize,
    car_checks: usize,
    v2g_giving: usize,
    worst_soc_error_kwh: f64,
    worst_island_imbalance_kw: f64,
    worst_resolved_slack_kw: f64,
    largest_settled_kw: f64,
    lowest_battery_soc: f64,
}

#[test]
fn a_year_with_outages_keeps_every_kwh_accounted_for() {
    let b = built("scenes/default.scenario.ron");
    let step_s = 900;
    let dt_h = f64::from(step_s) / 3600.0;
    let outages = [
        // A summer night and a day and a night: the batteries and cars carry it.
        "2025-07-10 18:00..2025-07-12 06:00",
        // Early autumn, a day and a half.
        "2025-09-01 00:00..2025-09-02 12:00",
        // A winter evening and night: storage runs out, the island goes dark.
        "2025-12-05 16:00..2025-12-06 10:00",
        // Spring, by day.
        "2026-03-20 08:00..2026-03-20 20:00",
    ];
    let options = RunOptions {
        outages: outages
            .iter()
            .map(|o| parse_outage(o).expect("valid outage"))
            .collect(),
        ..RunOptions::new(365 * 86_400, step_s)
    };
    let mut held: HashMap<usize, Held> = HashMap::new();
    let mut audit = Audit {
        lowest_battery_soc: f64::MAX,
        ..Audit::default()
    };
    let summary = simulate(&b, &options, |world: &World| {
        audit.steps += 1;
        let mut batteries = world
            .try_query::<(&DeviceIndex, &BatteryState, &DevicePower)>()
            .expect("registered");
        for (i, battery, p) in batteries.iter(world) {
            let r = battery.rating;
            let cap = r.capacity_kwh;
            assert!(
                battery.soc_kwh >= SOC_MIN * cap - 1e-9 && battery.soc_kwh <= SOC_MAX * cap + 1e-9,
                "{}: battery at {:.4} of {cap} kWh",
                b.devices[i.0].name,
                battery.soc_kwh
            );
            assert!(
                p.p_kw.abs() <= r.power_kw + 1e-9,
                "{}: battery at {:.3} kW beyond its {} kW inverter",
                b.devices[i.0].name,
                p.p_kw,
                r.power_kw
            );
            audit.lowest_battery_soc = audit.lowest_battery_soc.min(battery.soc_kwh / cap);
            if let Some(before) = held.get(&i.0) {
                let expected = r.stored_delta_kwh(p.p_kw, dt_h);
                let error = (battery.soc_kwh - before.soc_kwh - expected).abs();
                assert!(
                    error < 1e-9 * cap.max(1.0),
                    "{}: stored energy changed by {:.6} kWh, its power {:.4} kW says {expected:.6}",
                    b.devices[i.0].name,
                    battery.soc_kwh - before.soc_kwh,
                    p.p_kw
                );
                audit.worst_soc_error_kwh = audit.worst_soc_error_kwh.max(error);
                audit.battery_checks += 1;
            }
            held.insert(
                i.0,
                Held {
                    soc_kwh: battery.soc_kwh,
                    driven_kwh: 0.0,
                },
            );
        }
        let mut cars = world
            .try_query::<(&DeviceIndex, &EvRuntime, &DevicePower)>()
            .expect("registered");
        for (i, car, p) in cars.iter(world) {
            let full = car.spec.battery_kwh;
            assert!(
                car.state.soc_kwh >= -1e-9 && car.state.soc_kwh <= full + 1e-9,
                "{}: car at {:.4} of {full} kWh",
                b.devices[i.0].name,
                car.state.soc_kwh
            );
            assert!(
                p.p_kw.abs() <= car.spec.charger_kw + 1e-9,
                "{}: car at {:.3} kW beyond its {} kW charger",
                b.devices[i.0].name,
                p.p_kw,
                car.spec.charger_kw
            );
            if p.p_kw < -1e-9 {
                audit.v2g_giving += 1;
                assert!(car.v2g && car.state.at_home, "{}", b.devices[i.0].name);
                assert!(
                    car.state.soc_kwh >= car.spec.v2g_floor_kwh() - 1e-9,
                    "{}: gave below what its owner needs",
                    b.devices[i.0].name
                );
            }
            if let Some(before) = held.get(&i.0) {
                let driven = car.driven_kwh - before.driven_kwh;
                let expected = car_stored_kwh(p.p_kw, dt_h) - driven;
                let error = (car.state.soc_kwh - before.soc_kwh - expected).abs();
                assert!(
                    error < 1e-9 * full,
                    "{}: stored energy changed by {:.6} kWh; its power {:.4} kW and {driven:.3} kWh of driving say {expected:.6}",
                    b.devices[i.0].name,
                    car.state.soc_kwh - before.soc_kwh,
                    p.p_kw
                );
                audit.worst_soc_error_kwh = audit.worst_soc_error_kwh.max(error);
                audit.car_checks += 1;
            }
            held.insert(
                i.0,
                Held {
                    soc_kwh: car.state.soc_kwh,
                    driven_kwh: car.driven_kwh,
                },
            );
        }
        // The island's balance from its parts, each of them audited above or
        // measured at the device: no slack term to close it.
        let grid = world.resource::<GridState>();
        let r = world.resource::<StepRecord>();
        match grid.mode {
            GridMode::Islanded => {
                audit.island_steps += 1;
                assert_eq!(r.grid_import_kw, 0.0);
                let imbalance =
                    r.pv_kw + r.wind_kw - r.load_kw - r.ev_kw - r.battery_kw - r.losses_kw;
                let scale = r.load_kw + r.ev_kw.abs() + r.battery_kw.abs() + r.pv_kw + r.wind_kw;
                assert!(
                    imbalance.abs() <= 1e-6 * scale.max(1.0),
                    "island at {:?}: generation - demand - storage - losses = {imbalance:.6} kW ({r:?})",
                    r.time
                );
                audit.worst_island_imbalance_kw = audit.worst_island_imbalance_kw.max(imbalance.abs());
                // The balance above rests on the settling that put the first
                // flow's slack into the units; so solve the island again with
                // the powers the units ended with: it must need nothing more
                // from its reference (an island has no grid to lean on).
                let units = world.resource::<IslandUnits>();
                let (_, bus) = units.reference.expect("an island has a forming unit");
                let model = PowerFlowModel::with_root(&b.network, bus, 1.0, 0.0);
                let mut devices = world
                    .try_query::<(&DeviceIndex, &DevicePower)>()
                    .expect("registered");
                let consumption = bus_consumption_mva(
                    b.network.buses.len(),
                    devices
                        .iter(world)
                        .filter_map(|(i, p)| b.devices.get(i.0).map(|d| (d.bus, p.kva()))),
                );
                let again = model
                    .solve(&consumption, &SolverOptions::default())
                    .expect("the settled island solves");
                let left_kw = again.ext_grid_p_mw * 1000.0;
                let settled_kw = world
                    .resource::<NetworkState>()
                    .solved()
                    .map_or(0.0, |f| f.ext_grid_p_mw * 1000.0);
                // What settling moved changes the losses a little, nothing more.
                assert!(
                    left_kw.abs() <= 0.01 * settled_kw.abs() + 2e-4,
                    "island at {:?}: after settling {settled_kw:.4} kW into the units, the island still needs {left_kw:.4} kW from nowhere",
                    r.time
                );
                audit.worst_resolved_slack_kw = audit.worst_resolved_slack_kw.max(left_kw.abs());
                audit.largest_settled_kw = audit.largest_settled_kw.max(settled_kw.abs());
            }
            GridMode::Blackout => {
                audit.dark_steps += 1;
                assert!(r.pv_kw.abs() + r.load_kw + r.battery_kw.abs() < 1e-12, "{r:?}");
            }
            GridMode::Connected => {}
        }
    })
    .expect("runs");
    eprintln!("energy audit: {audit:?}");
    assert_eq!(audit.steps, 365 * 96);
    // The outages happened and the storage was used, all the way down.
    assert!(audit.island_steps > 300, "{audit:?}");
    assert!(
        audit.dark_steps > 0,
        "the winter night should run the storage out: {audit:?}"
    );
    assert!(audit.v2g_giving > 0, "{audit:?}");
    assert!(audit.battery_checks > 100_000 && audit.car_checks > 100_000);
    assert!(
        audit.lowest_battery_soc < SOC_MIN + 0.01,
        "a battery ran down to its floor: lowest {:.4}",
        audit.lowest_battery_soc
    );
    assert!(summary.totals.unserved_kwh > 0.0);
    // Settling had work to do (tens of watts, the dispatch having foreseen
    // the losses), well beyond what the check above lets pass (0.2 W).
    assert!(audit.largest_settled_kw > 0.01, "{audit:?}");
}
