//! SimulationPlugin on MinimalPlugins: the pipeline runs headless, in order,
//! deterministically, and agrees with the pure snapshot path.

use bevy::prelude::*;
use num_complex::Complex64;

use crate::common::built;
use microgrid::network::{PowerFlowModel, SolverOptions};
use microgrid::sim::devices::{CurrentEnvironment, DevicePower};
use microgrid::sim::metrics::EnergyTotals;
use microgrid::sim::network::NetworkState;
use microgrid::sim::snapshot::{bus_consumption_mva, device_powers_at};
use microgrid::sim::{self, SimClock, SimulationPlugin};

fn app(scenario: &str, step_s: u32) -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        SimulationPlugin::new(built(scenario), step_s),
    ));
    app
}

#[test]
fn steps_advance_the_clock_and_solve_the_network() {
    let mut app = app("scenes/default.scenario.ron", 900);
    let start = app.world().resource::<SimClock>().now();
    for _ in 0..8 {
        sim::step(app.world_mut());
    }
    let clock = app.world().resource::<SimClock>();
    assert_eq!(clock.now() - start, chrono::Duration::hours(2));
    let state = app.world().resource::<NetworkState>();
    assert_eq!(state.time, Some(start + chrono::Duration::minutes(105)));
    let flow = state.solved().expect("the default neighbourhood solves");
    assert!(flow.vm_min_pu() > 0.9 && flow.vm_max_pu() < 1.1);
    assert_eq!(app.world().resource::<EnergyTotals>().steps, 8);
}

#[test]
fn the_network_set_solves_exactly_the_device_powers() {
    let mut app = app("scenes/default.scenario.ron", 3600);
    for _ in 0..7 {
        sim::step(app.world_mut()); // 06:00 .. 12:00
    }
    let b = built("scenes/default.scenario.ron");
    let time = app
        .world()
        .resource::<NetworkState>()
        .time
        .expect("solved once");
    assert_eq!(time.format("%H:%M").to_string(), "12:00");
    let mut q = app
        .world_mut()
        .query::<(&microgrid::sim::devices::DeviceIndex, &DevicePower)>();
    let powers: Vec<(usize, Complex64)> = q
        .iter(app.world())
        .map(|(i, p)| (b.devices[i.0].bus, p.kva()))
        .collect();
    let s = bus_consumption_mva(b.network.buses.len(), powers);
    let expected = PowerFlowModel::new(&b.network)
        .solve(&s, &SolverOptions::default())
        .expect("solves");
    let got = app
        .world()
        .resource::<NetworkState>()
        .solved()
        .expect("solves")
        .clone();
    assert_eq!(got.vm_pu, expected.vm_pu);
    // Midsummer noon: unless the sky is overcast the roofs produce tens of kW.
    let env = app.world().resource::<CurrentEnvironment>().0;
    let pv_kw: f64 = q
        .iter(app.world())
        .filter(|(i, _)| matches!(b.devices[i.0].kind, microgrid::scenario::DeviceKind::Pv(_)))
        .map(|(_, p)| -p.p_kw)
        .sum();
    assert!(
        env.ghi_w_m2 > 100.0 && pv_kw > 10.0,
        "GHI {} W/m2, PV {pv_kw} kW",
        env.ghi_w_m2
    );
    let (clear, _) = device_powers_at(&b, time);
    assert!(
        env.ghi_w_m2 <= clear.ghi_w_m2 + 1e-9,
        "clouds never brighten the clear sky"
    );
}

#[test]
fn paused_clock_runs_no_steps_and_runs_are_deterministic() {
    let mut a = app("scenes/default.scenario.ron", 600);
    a.world_mut().resource_mut::<SimClock>().paused = true;
    a.update();
    a.update();
    assert_eq!(a.world().resource::<SimClock>().steps, 0);
    let run = || {
        let mut app = app("scenes/kerber-dorfnetz.scenario.ron", 600);
        for _ in 0..12 {
            sim::step(app.world_mut());
        }
        app.world()
            .resource::<NetworkState>()
            .solved()
            .expect("solves")
            .vm_pu
            .clone()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_collapsing_network_is_a_reported_state() {
    let mut b = built("scenes/default.scenario.ron");
    // Make every household absurdly large: the feeder cannot carry it.
    for d in &mut b.devices {
        if let microgrid::scenario::DeviceKind::Household { annual_kwh, .. } = &mut d.kind {
            *annual_kwh = 50_000_000.0;
        }
    }
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SimulationPlugin::new(b, 3600)));
    sim::step(app.world_mut());
    let state = app.world().resource::<NetworkState>();
    assert!(
        matches!(state.flow, Some(Err(_))),
        "{:?}",
        state
            .flow
            .as_ref()
            .map(|r| r.as_ref().map(|f| f.vm_min_pu()))
    );
    assert_eq!(app.world().resource::<EnergyTotals>().failed_steps, 1);
}

#[test]
fn a_frame_budget_stops_the_steps_but_always_runs_one() {
    let mut app = app("scenes/default.scenario.ron", 60);
    assert_eq!(sim::run_steps_within(app.world_mut(), 50, None), 50);
    assert_eq!(app.world().resource::<SimClock>().steps, 50);
    // A budget already spent: one step, so a slow machine still moves on.
    assert_eq!(sim::run_steps_within(app.world_mut(), 50, Some(0.0)), 1);
    assert_eq!(app.world().resource::<SimClock>().steps, 51);
    assert_eq!(sim::run_steps_within(app.world_mut(), 0, Some(0.0)), 0);
}
