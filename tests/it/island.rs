//! Islanding: zero exchange, frequency limits, shedding order, critical
//! loads last, blackout and black start, and synchronised reconnection.

use bevy::prelude::*;
use chrono::Datelike;

use crate::common::{built, with_outages};
use microgrid::physics::frequency::SHED_STAGES_HZ;
use microgrid::run::simulate;
use microgrid::scenario::DeviceKind;
use microgrid::sim::devices::{DeviceIndex, DevicePower};
use microgrid::sim::grid_mode::{GridMode, GridState};
use microgrid::sim::island::{
    EventKind, SYNC_MAX_DF_HZ, SYNC_MAX_DPHASE_DEG, SYNC_MAX_DV_PU, SYNC_SLIP_HZ,
};
use microgrid::sim::metrics::{EnergyTotals, StepRecord};

#[test]
fn an_evening_outage_islands_with_zero_exchange_and_reconnects_in_step() {
    let b = built("scenes/default.scenario.ron");
    let mut islanded_steps = 0;
    let mut worst = 0.0f64;
    // Each house's bill before the step: (kWh bought, EUR paid).
    let mut bills: Vec<(f64, f64)> = Vec::new();
    let mut paid_on_grid = 0.0;
    let summary = simulate(
        &b,
        &with_outages(1.0, &["2025-06-21 18:00..2025-06-21 22:00"]),
        |world: &World| {
            let r = world.resource::<StepRecord>();
            // A house's meter pays the import price for what it bought, and
            // nothing while the island has no one to buy from.
            let totals = world.resource::<EnergyTotals>();
            for (h, e) in totals.houses.iter().enumerate() {
                let (kwh, eur) = bills.get(h).copied().unwrap_or_default();
                let step_eur = e.paid_eur - eur;
                if r.islanded {
                    assert_eq!(
                        step_eur, 0.0,
                        "house {h} paid in the island at {:?}",
                        r.time
                    );
                } else {
                    let expected = (e.import_kwh - kwh) * r.price_eur_per_kwh;
                    assert!(
                        (step_eur - expected).abs() < 1e-9,
                        "house {h}: {step_eur} {expected}"
                    );
                    paid_on_grid += step_eur;
                }
            }
            bills = totals
                .houses
                .iter()
                .map(|e| (e.import_kwh, e.paid_eur))
                .collect();
            let hour = chrono::Timelike::hour(&r.time.expect("time"));
            assert_eq!(r.islanded, (18..22).contains(&hour), "at {:?}", r.time);
            if r.islanded {
                islanded_steps += 1;
                assert_eq!(r.grid_import_kw, 0.0, "the breaker is open");
                assert!(r.frequency_hz > 47.5 && r.frequency_hz < 52.0);
            }
            // Energy still balances in the island: the units carry what is not served by PV.
            worst = worst.max(crate::common::relative_imbalance(world));
        },
    )
    .expect("runs");
    assert_eq!(islanded_steps, 240);
    assert!(
        paid_on_grid > 1.0,
        "the houses paid {paid_on_grid} EUR on the grid"
    );
    assert!(worst < 1e-6, "relative imbalance {worst}");
    assert!((summary.totals.hours_islanded - 4.0).abs() < 1e-9);
    let kinds: Vec<EventKind> = summary.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds.first(), Some(&EventKind::BreakerOpen));
    assert_eq!(kinds.last(), Some(&EventKind::BreakerClose));
}

#[test]
fn with_enough_storage_the_island_meets_en_50160_frequency_limits() {
    // EN 50160 for systems with no synchronous connection: 50 Hz +-2 % during
    // 95 % of the time, +-15 % always. Morning and evening outages in June,
    // when the batteries can both take the surplus and cover the deficit.
    let b = built("scenes/default.scenario.ron");
    let (mut steps, mut within_2_percent) = (0, 0);
    let outages = [
        "2025-06-21 07:00..2025-06-21 09:00",
        "2025-06-21 18:00..2025-06-21 21:00",
    ];
    let summary = simulate(&b, &with_outages(1.0, &outages), |world: &World| {
        let r = world.resource::<StepRecord>();
        if r.islanded {
            steps += 1;
            assert!(
                r.frequency_min_hz >= 42.5 && r.frequency_hz <= 57.5,
                "{r:?}"
            );
            if r.frequency_min_hz >= 49.0 && r.frequency_hz <= 51.0 {
                within_2_percent += 1;
            }
            assert!(r.shed_kw < 1e-9, "nothing is shed: {r:?}");
        }
    })
    .expect("runs");
    // 300 minutes of outage, plus at most a few while the controller brings
    // the island back in step before it closes the breaker.
    assert!((300..=306).contains(&steps), "{steps} islanded steps");
    assert!(
        within_2_percent as f64 >= 0.95 * steps as f64,
        "{within_2_percent} of {steps} steps within 49-51 Hz"
    );
    assert!(
        summary
            .events
            .iter()
            .all(|e| e.kind != EventKind::ShedStage && e.kind != EventKind::Blackout)
    );
    assert!(summary.totals.unserved_kwh < 1e-9);
}

#[test]
fn full_batteries_curtail_pv_by_raising_the_island_frequency() {
    let b = built("scenes/default.scenario.ron");
    let mut curtailing = 0;
    simulate(
        &b,
        &with_outages(1.0, &["2025-06-21 11:00..2025-06-21 14:00"]),
        |world: &World| {
            let r = world.resource::<StepRecord>();
            let grid = world.resource::<GridState>();
            if r.islanded {
                assert!(
                    r.frequency_hz < microgrid::physics::frequency::PV_TRIP_HZ,
                    "PV never trips: {r:?}"
                );
                assert!(r.shed_kw < 1e-9);
                if grid.pv_share < 0.99 {
                    curtailing += 1;
                    assert!(
                        r.frequency_hz > microgrid::physics::frequency::PV_CURTAIL_START_HZ,
                        "{r:?}"
                    );
                }
            }
        },
    )
    .expect("runs");
    assert!(
        curtailing > 30,
        "PV curtailed by frequency in {curtailing} steps"
    );
}

#[test]
fn a_gale_over_full_batteries_is_held_back_and_the_island_still_reconnects() {
    // A night gale (gusting to 20 m/s after midnight; a mean of 18 m/s
    // would stop the turbines above their 25 m/s cut-out): the turbines
    // give more than the island uses, and the batteries are full by the
    // small hours. Their inverters hold back
    // like PV (the frequency stays in the band, never at the trip), and
    // when the grid returns the resynchronising controller holds them
    // back too, so the island reaches 50 Hz and the breaker closes.
    let text = std::fs::read_to_string(crate::common::repo("scenes/default.scenario.ron"))
        .expect("the default");
    let gale = text.replace("mean_wind_m_s: 4.5", "mean_wind_m_s: 12.0");
    assert_ne!(gale, text, "the default names its wind");
    let b = crate::common::build_text(&gale, "gale.scenario.ron");
    let (mut held_back, mut worst) = (0, 0.0f64);
    let mut back_on_grid: Option<chrono::NaiveDateTime> = None;
    let summary = simulate(
        &b,
        &with_outages(1.0, &["2025-06-21 20:00..2025-06-22 03:00"]),
        |world: &World| {
            let r = world.resource::<StepRecord>();
            let grid = world.resource::<GridState>();
            if r.islanded {
                assert!(
                    r.frequency_hz < microgrid::physics::frequency::PV_TRIP_HZ,
                    "{r:?}"
                );
                if grid.pv_share < 0.99 {
                    held_back += 1;
                }
            } else if back_on_grid.is_none() && r.time.is_some_and(|t| t.date().day() == 22) {
                back_on_grid = r.time;
            }
            worst = worst.max(crate::common::relative_imbalance(world));
        },
    )
    .expect("runs");
    assert!(held_back > 30, "wind held back in {held_back} steps");
    assert!(worst < 1e-6, "relative imbalance {worst}");
    let closed = back_on_grid.expect("the breaker closes after the grid returns");
    assert!(
        closed
            < chrono::NaiveDateTime::parse_from_str("2025-06-22 03:30", "%Y-%m-%d %H:%M")
                .expect("a time"),
        "closed at {closed}"
    );
    assert_eq!(
        summary.events.last().map(|e| e.kind),
        Some(EventKind::BreakerClose)
    );
}

/// Each household's demand at every step of a connected day: household
/// demand follows its own random stream, whatever the grid does.
fn household_demand(b: &microgrid::scenario::Built, days: f64) -> Vec<Vec<f64>> {
    let mut demand = Vec::new();
    simulate(b, &with_outages(days, &[]), |world: &World| {
        let mut row = vec![0.0; b.devices.len()];
        let mut q = world
            .try_query::<(&DeviceIndex, &DevicePower)>()
            .expect("registered");
        for (i, p) in q.iter(world) {
            if matches!(b.devices[i.0].kind, DeviceKind::Household { .. }) {
                row[i.0] = p.p_kw;
            }
        }
        demand.push(row);
    })
    .expect("runs");
    demand
}

#[test]
fn when_storage_runs_short_stages_shed_in_order_and_critical_loads_stay() {
    // Without vehicle-to-grid the home batteries alone cannot carry a calm
    // June night (seed 9's: the turbines hardly turn): the cars charge as
    // non-critical load and the island sheds.
    let mut b = built("scenes/default.scenario.ron");
    b.scenario.seed = 9;
    for d in &mut b.devices {
        if let DeviceKind::Ev(e) = &mut d.kind {
            e.v2g = false;
        }
    }
    // What each house asked for, from a run without the outage.
    let demand = household_demand(&b, 1.0);
    let mut step = 0;
    let mut checked = 0;
    let summary = simulate(
        &b,
        &with_outages(1.0, &["2025-06-21 20:00..2025-06-22 05:00"]),
        |world: &World| {
            let at = step;
            step += 1;
            let grid = world.resource::<GridState>();
            if grid.mode != GridMode::Islanded || grid.stages_shed == 0 {
                return;
            }
            let r = world.resource::<StepRecord>();
            assert!(r.shed_kw > 0.0);
            // Served against asked: every house keeps its critical share, and
            // the non-critical part is served in the same share at every
            // house, no more than the stages in force leave.
            let stage_share = 1.0 - grid.stages_shed as f64 / SHED_STAGES_HZ.len() as f64;
            let mut shares = Vec::new();
            let mut q = world
                .try_query::<(&DeviceIndex, &DevicePower)>()
                .expect("registered");
            for (i, p) in q.iter(world) {
                let DeviceKind::Household { critical_share, .. } = b.devices[i.0].kind else {
                    continue;
                };
                let asked = demand[at][i.0];
                if asked < 1e-3 {
                    continue;
                }
                // (A watt of slack: what the loss estimate missed.)
                assert!(
                    p.p_kw >= critical_share * asked - 1e-3,
                    "{} served {:.3} of {:.3} kW, below its critical share {critical_share}",
                    b.devices[i.0].name,
                    p.p_kw,
                    asked
                );
                shares.push((p.p_kw - critical_share * asked) / ((1.0 - critical_share) * asked));
            }
            let (lo, hi) = shares
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            assert!(hi - lo < 1e-6, "non-critical shares differ: {lo} to {hi}");
            assert!(
                hi <= stage_share + 1e-9,
                "served {hi} with {} stages shed",
                grid.stages_shed
            );
            checked += 1;
        },
    )
    .expect("runs");
    assert!(checked > 0, "the night outage should need shedding");
    // Stages go in order: each shed is the next stage, each restore the last.
    let mut in_force = 0;
    for e in &summary.events {
        let stage = || -> usize {
            e.detail
                .split("stage ")
                .nth(1)
                .and_then(|t| t.split(' ').next())
                .and_then(|n| n.parse().ok())
                .expect("stage number")
        };
        match e.kind {
            EventKind::ShedStage => {
                assert_eq!(stage(), in_force + 1, "{}", e.detail);
                in_force += 1;
            }
            EventKind::RestoreStage => {
                assert_eq!(stage(), in_force, "{}", e.detail);
                in_force -= 1;
            }
            EventKind::Blackout | EventKind::BreakerClose => in_force = 0,
            // A black start energises the critical loads alone.
            EventKind::BlackStart => in_force = SHED_STAGES_HZ.len(),
            _ => {}
        }
    }
    let sheds: Vec<f64> = summary
        .events
        .iter()
        .filter(|e| e.kind == EventKind::ShedStage && e.detail.contains("shed at "))
        .map(|e| {
            e.detail
                .split("shed at ")
                .nth(1)
                .and_then(|t| t.split(' ').next())
                .and_then(|f| f.parse().ok())
                .expect("frequency")
        })
        .collect();
    assert!(!sheds.is_empty());
    for f in sheds {
        assert!(
            SHED_STAGES_HZ.iter().any(|s| (f - s).abs() < 0.05),
            "shed at {f} Hz, not a relay setting"
        );
    }
}

#[test]
fn empty_storage_means_blackout_then_black_start_with_the_sun() {
    let mut b = built("scenes/default.scenario.ron");
    // Without the turbines (which can black-start the island on a windy
    // night) the island must wait for the sun.
    b.devices
        .retain(|d| !matches!(d.kind, DeviceKind::Wind { .. }));
    for d in &mut b.devices {
        match &mut d.kind {
            DeviceKind::Battery(bat) => bat.capacity_kwh = 1.0,
            DeviceKind::Ev(ev) => ev.v2g = false,
            _ => {}
        }
    }
    let summary = simulate(
        &b,
        &with_outages(2.0, &["2025-06-21 19:00..2025-06-22 14:00"]),
        |world: &World| {
            let r = world.resource::<StepRecord>();
            for v in [r.frequency_hz, r.shed_kw, r.load_kw, r.battery_kw] {
                assert!(v.is_finite());
            }
            if world.resource::<GridState>().mode == GridMode::Blackout {
                assert_eq!(r.load_kw, 0.0);
                assert_eq!(r.pv_kw, 0.0);
                assert!(r.shed_kw > 0.0);
            }
        },
    )
    .expect("runs without panicking");
    let kinds: Vec<EventKind> = summary.events.iter().map(|e| e.kind).collect();
    let blackout = kinds
        .iter()
        .position(|k| *k == EventKind::Blackout)
        .expect("a blackout");
    let black_start = kinds
        .iter()
        .position(|k| *k == EventKind::BlackStart)
        .expect("a black start");
    assert!(blackout < black_start);
    let start_hour = chrono::Timelike::hour(&summary.events[black_start].time);
    // Berlin's June sunrise is about 03:45 in standard time.
    assert!(
        (3..=12).contains(&start_hour),
        "black start with the sun, at {start_hour}:00"
    );
    let sun = microgrid::physics::solar::sun_position(
        summary.events[black_start].time,
        1.0,
        52.52,
        13.40,
    )
    .expect("in range");
    assert!(
        sun.elevation_deg() > 0.0,
        "the sun is up at the black start"
    );
    assert!(summary.totals.hours_blackout > 1.0);
    assert!(summary.totals.unserved_kwh > 0.0);
}

#[test]
fn without_grid_forming_units_an_outage_is_a_blackout_until_the_grid_returns() {
    let b = built("scenes/kerber-dorfnetz.scenario.ron");
    let summary = simulate(
        &b,
        &with_outages(1.0, &["2025-01-15 19:00..2025-01-15 21:00"]),
        |_| {},
    )
    .expect("runs");
    let kinds: Vec<EventKind> = summary.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::BreakerOpen,
            EventKind::Blackout,
            EventKind::BreakerClose
        ]
    );
    assert!((summary.totals.hours_blackout - 2.0).abs() < 1e-9);
}

#[test]
fn the_breaker_never_closes_outside_the_synchronisation_window() {
    let b = built("scenes/default.scenario.ron");
    let mut angles = Vec::new();
    for seed in 0..6 {
        let mut o = with_outages(
            2.0,
            &[
                "2025-06-21 09:00..2025-06-21 11:30",
                "2025-06-21 20:00..2025-06-22 02:00",
                "2025-06-22 12:00..2025-06-22 12:20",
            ],
        );
        o.seed = Some(seed);
        angles.extend(closings_measured(&b, &o).0);
    }
    // The islands drifted apart from the grid by angles of their own, not
    // one made up: most closings start out of the window.
    let outside = angles
        .iter()
        .filter(|a| a.abs() > SYNC_MAX_DPHASE_DEG)
        .count();
    assert!(
        outside * 2 >= angles.len(),
        "angles before closing {angles:?}"
    );
    assert!(
        angles.len() >= 12,
        "{} synchronised closings checked",
        angles.len()
    );
}

/// With two-second steps the phases take several steps to meet: each step
/// that ends without closing turns the angle by the controller's slip
/// alone (the island's own deviation is in its frequency), and the close
/// still lands where the island's own state says.
#[test]
fn in_short_steps_the_angle_slips_across_steps_to_the_close() {
    let b = built("scenes/default.scenario.ron");
    let mut o = microgrid::run::RunOptions::new(3 * 3600, 2);
    o.outages =
        vec![microgrid::run::parse_outage("2025-06-21 07:00..2025-06-21 07:20").expect("valid")];
    let mut slipped = 0;
    for seed in 0..4 {
        o.seed = Some(seed);
        let (angles, missed) = closings_measured(&b, &o);
        assert_eq!(angles.len(), 1, "seed {seed}: one closing");
        slipped += missed;
    }
    assert!(slipped > 0, "no step ended before the phases met");
}

/// Runs `o` on `b` and checks each synchronised closing against the
/// island's own state at the end of the step before, measured outside the
/// resynchronising code (its frequency, its angle against the grid, its
/// voltage at the PCC): the angles it closed from, and how many attempts
/// ended a step before the phases met.
fn closings_measured(
    b: &microgrid::scenario::Built,
    o: &microgrid::run::RunOptions,
) -> (Vec<f64>, usize) {
    let step = chrono::Duration::seconds(i64::from(o.step_s));
    // Each island step's end: time, frequency, angle, voltage, and its
    // lowest and highest frequency on the way.
    let mut island: Vec<(chrono::NaiveDateTime, f64, f64, f64, (f64, f64))> = Vec::new();
    let summary = simulate(b, o, |world: &World| {
        let grid = world.resource::<GridState>();
        let r = world.resource::<StepRecord>();
        let v_pcc = world
            .resource::<microgrid::sim::network::NetworkState>()
            .solved()
            .and_then(|f| f.vm_pu.first().copied());
        if let (GridMode::Islanded, Some(t), Some(v)) = (grid.mode, r.time, v_pcc) {
            let range = (grid.f_min_hz, grid.f_max_hz);
            island.push((t, grid.frequency.f_hz, grid.frequency.phase_deg, v, range));
        }
    })
    .expect("runs");
    let mut angles = Vec::new();
    for e in summary
        .events
        .iter()
        .filter(|e| e.kind == EventKind::BreakerClose)
    {
        let Some((df, dv, dphase)) = e.sync else {
            continue;
        };
        // What the island was at the end of the step before the close.
        let &(t, f_hz, angle, v_pu, _) = island
            .iter()
            .rev()
            .find(|(t, ..)| *t < e.time)
            .expect("an island before the close");
        let measured_df = f_hz - 50.0 + SYNC_SLIP_HZ.copysign(f_hz - 50.0);
        let measured_dv = v_pu - b.network.ext_grid.vm_pu;
        // The angle it closes at: where it was, turned by the slip until the close.
        let waited_s = (e.time - t - step).as_seconds_f64();
        let wrap = |deg: f64| (deg + 180.0).rem_euclid(360.0) - 180.0;
        let measured_dphase = wrap(angle + 360.0 * measured_df * waited_s);
        let off = wrap(measured_dphase - dphase);
        assert!(
            (df - measured_df).abs() < 1e-9 && (dv - measured_dv).abs() < 1e-9,
            "{e:?}: the island was at {f_hz} Hz and {v_pu} pu before it closed"
        );
        // The close's time is logged to the millisecond: 0.3 Hz x 1 ms is 0.11 degrees.
        assert!(
            off.abs() < 0.2,
            "{e:?}: the island was at {angle} deg and slipped {waited_s} s"
        );
        assert!(
            measured_df.abs() <= SYNC_MAX_DF_HZ
                && measured_dv.abs() <= SYNC_MAX_DV_PU
                && measured_dphase.abs() <= SYNC_MAX_DPHASE_DEG + 0.2,
            "{e:?}"
        );
        angles.push(angle);
    }
    // A step that ended before the phases met: the angle turned by the
    // controller's slip and by the island's own deviation over the step.
    let mut missed = 0;
    for e in summary.events.iter().filter(|e| {
        e.kind == EventKind::ResyncAttempt && e.detail.starts_with("phases did not meet")
    }) {
        let at = |when| island.iter().find(|(t, ..)| *t == when);
        let (Some(&(_, f0, a0, ..)), Some(&(_, _, a1, _, (f_min, f_max)))) =
            (at(e.time - step), at(e.time))
        else {
            continue;
        };
        let wrap = |deg: f64| (deg + 180.0).rem_euclid(360.0) - 180.0;
        let s = o.step_s as f64;
        // The island's own part of the turn lies between its lowest and
        // highest deviation during the step held over the whole step;
        // counting the deviation twice lands a whole step's deviation
        // outside. (Within half a turn: 2 s steps turn at most 144 degrees.)
        let own = wrap(a1 - a0 - 360.0 * SYNC_SLIP_HZ.copysign(f0 - 50.0) * s);
        let (f_min, f_max) = (f_min.min(f0), f_max.max(f0));
        let (lo, hi) = (360.0 * (f_min - 50.0) * s, 360.0 * (f_max - 50.0) * s);
        assert!(
            own > lo - 0.5 && own < hi + 0.5,
            "{e:?}: from {a0} deg to {a1} deg, {f_min} to {f_max} Hz, turned {own} deg of its own"
        );
        missed += 1;
    }
    (angles, missed)
}

#[test]
fn cars_that_allow_vehicle_to_grid_hold_an_island_without_batteries() {
    let mut b = built("scenes/default.scenario.ron");
    b.devices
        .retain(|d| !matches!(d.kind, DeviceKind::Battery(_)));
    let mut worst = 0.0f64;
    let summary = simulate(
        &b,
        &with_outages(1.0, &["2025-06-21 18:00..2025-06-21 22:00"]),
        |world: &World| {
            worst = worst.max(crate::common::relative_imbalance(world));
        },
    )
    .expect("runs");
    assert_eq!(
        summary.totals.failed_steps, 0,
        "every island step has a power flow"
    );
    assert_eq!(summary.totals.hours_blackout, 0.0);
    assert!(worst < 1e-6, "relative imbalance {worst}");
    assert!(
        summary.totals.unserved_kwh > 0.0,
        "two cars cannot carry the whole evening"
    );
}

#[test]
fn in_a_price_spike_economic_islanding_costs_less_than_staying_connected() {
    use microgrid::scenario::tariff::Strategy;
    let b = built("scenes/default.scenario.ron");
    let run = |strategy| {
        let mut o = with_outages(1.0, &[]);
        o.seed = Some(11);
        o.strategy = Some(strategy);
        o.price_spikes = vec![
            microgrid::run::parse_price("2025-06-21 17:00..2025-06-21 21:00=1.50").expect("valid"),
        ];
        simulate(&b, &o, |world: &World| {
            let r = world.resource::<StepRecord>();
            if r.islanded {
                assert_eq!(r.cost_eur, 0.0, "an island pays nothing at the PCC");
            }
        })
        .expect("runs")
    };
    let connected = run(Strategy::SelfConsumption);
    let island = run(Strategy::EconomicIslanding);
    let net =
        |s: &microgrid::run::RunSummary| s.totals.import_cost_eur - s.totals.export_revenue_eur;
    assert_eq!(connected.totals.hours_islanded, 0.0);
    assert!(island.totals.hours_islanded > 1.0, "it islanded on purpose");
    assert!(
        net(&island) < net(&connected),
        "economic island {:.2} EUR vs connected {:.2} EUR",
        net(&island),
        net(&connected)
    );
    assert!(island.totals.unserved_kwh < 1e-9, "and kept the lights on");
    assert!(
        island
            .events
            .iter()
            .any(|e| e.kind == EventKind::BreakerOpen && e.detail.starts_with("economic island"))
    );
    assert!(island.events.iter().any(|e| {
        e.kind == EventKind::BreakerClose && e.detail.starts_with("economic island ends")
    }));
}

#[test]
fn a_real_time_price_series_sets_the_prices_and_a_cloud_front_darkens_the_sky() {
    let dir = std::env::temp_dir().join(format!("microgrid-prices-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("prices")).expect("dir");
    std::fs::write(
        dir.join("prices/day.csv"),
        "time,import_eur_per_kwh,export_eur_per_kwh\n2025-06-21 00:00,0.30,0.05\n2025-06-21 12:00,0.10,0.02\n2025-06-21 18:00,0.90,0.12\n2025-06-22 12:00,0.30,0.05\n",
    )
    .expect("write");
    let scenario = std::fs::read_to_string(crate::common::repo("scenes/default.scenario.ron"))
        .expect("read")
        .replacen(
            "    feeders: [",
            "    tariff: (series: \"prices/day.csv\"),\n    events: [CloudFront(from: \"2025-06-21 10:00\", until: \"2025-06-21 11:00\", cloud_oktas: 8.0)],\n    feeders: [",
            1,
        );
    std::fs::write(dir.join("s.scenario.ron"), scenario).expect("write");
    let b = microgrid::scenario::load_and_build(&dir.join("s.scenario.ron"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut seen = 0;
    simulate(&b, &with_outages(1.0, &[]), |world: &World| {
        let r = world.resource::<StepRecord>();
        let t = r.time.expect("time");
        let h = chrono::Timelike::hour(&t);
        let expected = if h < 12 {
            0.30
        } else if h < 18 {
            0.10
        } else {
            0.90
        };
        let expected =
            if t >= microgrid::scenario::parse_date_time("2025-06-22 00:00").expect("valid") {
                0.90
            } else {
                expected
            };
        assert_eq!(r.price_eur_per_kwh, expected, "at {t}");
        let env = world
            .resource::<microgrid::sim::devices::CurrentEnvironment>()
            .0;
        if h == 10 {
            assert_eq!(env.cloud_oktas, 8.0);
            let clear = microgrid::physics::solar::clear_sky_ghi_w_m2(env.sun_zenith_deg);
            assert!((env.ghi_w_m2 - 0.25 * clear).abs() < 1e-9);
        }
        seen += 1;
    })
    .expect("runs");
    assert_eq!(seen, 1440);
    let too_long =
        simulate(&b, &with_outages(3.0, &[]), |_| {}).expect_err("the price series ends");
    assert!(too_long.contains("price series"), "{too_long}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_ev_fleet_arrives_charges_and_leaves_on_the_timeline() {
    let text =
        std::fs::read_to_string(crate::common::repo("scenes/default.scenario.ron")).expect("read");
    let with_fleet = text.replacen(
        "    feeders: [",
        "    events: [EvFleet(from: \"2025-06-21 18:00\", until: \"2025-06-21 22:00\", bus: \"L5\", cars: 8, charger_kw: 11.0, arrival_soc: 0.2)],\n    feeders: [",
        1,
    );
    let parse = |t: &str| crate::common::build_text(t, "fleet");
    let base = parse(&text);
    let fleet = parse(&with_fleet);
    assert_eq!(fleet.devices.len(), base.devices.len() + 8);
    let mut during = 0.0f64;
    let mut after = 0.0f64;
    let run = |b: &microgrid::scenario::Built, during: &mut f64, after: &mut f64| {
        simulate(b, &with_outages(1.0, &[]), |world: &World| {
            let r = world.resource::<StepRecord>();
            let t = r.time.expect("time").format("%H:%M").to_string();
            if t == "18:05" {
                *during = r.ev_kw;
            }
            if t == "22:05" {
                *after = r.ev_kw;
            }
        })
        .expect("runs")
    };
    let (mut d0, mut a0) = (0.0, 0.0);
    let without = run(&base, &mut d0, &mut a0);
    let with = run(&fleet, &mut during, &mut after);
    // Eight cars at 11 kW plug in at 18:00 and are gone at 22:00.
    assert!(
        during - d0 > 87.0 && during - d0 < 89.0,
        "fleet adds {} kW",
        during - d0
    );
    assert!((after - a0).abs() < 1e-9, "gone at 22:00");
    // Four hours at 88 kW is 352 kWh, less than the 8 x 48 kWh / 0.92 they need.
    let extra = with.totals.ev_kwh - without.totals.ev_kwh;
    assert!((extra - 352.0).abs() < 1.0, "the fleet charged {extra} kWh");
    // A fleet at a bus that does not exist is refused with its place.
    let bad = with_fleet.replace("bus: \"L5\", cars", "bus: \"L55\", cars");
    let s = microgrid::scenario::parse(&bad, "fleet").expect("parses");
    let errors = microgrid::scenario::build(&s, "fleet", &bad).expect_err("unknown bus");
    assert!(
        errors[0].to_string().contains("EV fleet") && errors[0].position.is_some(),
        "{}",
        errors[0]
    );
}

#[test]
fn a_meshed_neighbourhood_islands_and_its_ring_carries_current() {
    let b = built("tests/fixtures/default-ring.scenario.ron");
    let ring = b
        .network
        .lines
        .iter()
        .position(|l| l.name == "L10 - W6")
        .expect("the ring cable");
    let (mut islanded, mut ring_kw) = (0, 0.0f64);
    let mut worst = 0.0f64;
    simulate(
        &b,
        &with_outages(1.0, &["2025-06-21 18:00..2025-06-21 21:00"]),
        |world: &World| {
            let r = world.resource::<StepRecord>();
            if r.islanded {
                islanded += 1;
                assert_eq!(r.grid_import_kw, 0.0);
                assert!(r.frequency_hz > 47.5 && r.frequency_hz < 52.0);
                let flow = world.resource::<microgrid::sim::network::NetworkState>();
                let p = flow.solved().expect("the island is solved").lines[ring].p_from_mw;
                ring_kw = ring_kw.max(p.abs() * 1e3);
            }
            worst = worst.max(crate::common::relative_imbalance(world));
        },
    )
    .expect("runs");
    assert_eq!(islanded, 180);
    assert!(worst < 1e-6, "relative imbalance {worst}");
    assert!(
        ring_kw > 0.1,
        "the ring carried at most {ring_kw} kW in the island"
    );
}
