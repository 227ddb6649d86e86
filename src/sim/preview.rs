//! What an edit would do at this instant, before it is made: a trial power
//! flow of the edited network with every device as it is now and the new
//! ones as they would start (a house at its profile's demand, PV and wind
//! in the weather of the moment, a battery serving its house, a car
//! charging if it is at home), against the same solve without the edit.
//! Nothing in the world changes.

use std::collections::HashMap;

use bevy::prelude::*;
use num_complex::Complex64;

use super::devices::{CurrentEnvironment, DeviceIndex, DevicePower};
use super::snapshot::{bus_consumption_mva, bus_phase_consumption_mva, device_power, start_power};
use super::{Neighbourhood, SimClock};
use crate::network::unbalanced::UnbalancedModel;
use crate::network::{PowerFlowModel, SolverOptions};
use crate::physics::storage::{BatteryRating, self_consumption_kw};
use crate::scenario::edit::{self, Edit};
use crate::scenario::{Built, DeviceKind, PhaseModel};

/// The power flow's figures an edit changes.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowFigures {
    /// Transformer loading, percent.
    pub transformer_percent: f64,
    /// Lowest voltage on the feeder the edit touches (else anywhere), pu.
    pub v_min_pu: f64,
    /// Highest voltage there, pu.
    pub v_max_pu: f64,
    /// The busiest cable and its loading, percent.
    pub busiest: Option<(String, f64)>,
    /// In a scenario solved per phase: the worst voltage unbalance on the
    /// feeder (else anywhere), percent.
    pub unbalance_percent: Option<f64>,
}

/// An edit's predicted effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// What the edit does.
    pub description: String,
    /// The feeder it touches, if one.
    pub feeder: Option<String>,
    /// Now, without the edit.
    pub before: FlowFigures,
    /// Now, with it.
    pub after: FlowFigures,
    /// What it would cost at the scenario's prices.
    pub spending: crate::scenario::prices::Spending,
}

/// The feeder (by index) of a house or turbine an edit names.
fn feeder_of(edit: &Edit, built: &Built) -> Option<usize> {
    let name = match edit {
        crate::house_edit!(house) => house.as_str(),
        Edit::AddHouse { bus, .. }
        | Edit::AddTurbine { bus, .. }
        | Edit::AddCable { from: bus, .. }
        | Edit::SetCable { from: bus, .. }
        | Edit::SetSwitch { from: bus, .. }
        | Edit::RemoveBus { bus } => {
            return built
                .network
                .bus_index(bus)
                .and_then(|b| built.network.buses[b].feeder);
        }
        Edit::RemoveTurbine { name }
        | Edit::SetTurbine { name, .. }
        | Edit::MoveTurbine { name, .. } => name.as_str(),
        Edit::SetTransformer { .. } | Edit::SetController { .. } => return None,
    };
    built
        .devices
        .iter()
        .find(|d| d.name == name)
        .and_then(|d| built.network.buses[d.bus].feeder)
}

/// Solves `built` with `powers` (kW, kvar per device) and reads the figures.
fn figures(
    built: &Built,
    powers: &[Complex64],
    feeder: Option<usize>,
) -> Result<FlowFigures, String> {
    let no_solution = |e| format!("the edited network has no power-flow solution ({e})");
    let on_feeder = |bus: usize| match feeder {
        Some(f) => built.network.buses[bus].feeder == Some(f),
        None => bus != built.network.transformer.hv_bus,
    };
    let (flow, phases) = if built.scenario.phases == PhaseModel::Unbalanced {
        let consumption = bus_phase_consumption_mva(
            built.network.buses.len(),
            built
                .devices
                .iter()
                .zip(powers)
                .map(|(d, p)| (d.bus, d.phases, *p)),
        );
        let phases = UnbalancedModel::new(&built.network)
            .solve(&consumption, &SolverOptions::default())
            .map_err(no_solution)?;
        (phases.as_power_flow(), Some(phases))
    } else {
        let consumption = bus_consumption_mva(
            built.network.buses.len(),
            built.devices.iter().zip(powers).map(|(d, p)| (d.bus, *p)),
        );
        let flow = PowerFlowModel::new(&built.network)
            .solve(&consumption, &SolverOptions::default())
            .map_err(no_solution)?;
        (flow, None)
    };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for b in (0..flow.vm_pu.len()).filter(|&b| on_feeder(b)) {
        // Per phase, both extremes: a bus may be high on one and low on another.
        let vms = phases.as_ref().map_or([flow.vm_pu[b]; 3], |p| p.vm_pu(b));
        for v in vms {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let unbalance_percent = phases.as_ref().map(|p| {
        let on: Vec<usize> = (0..p.v_abc.len()).filter(|&b| on_feeder(b)).collect();
        if on.is_empty() {
            p.worst_customer_unbalance_percent()
        } else {
            p.worst_unbalance_percent(on)
        }
    });
    if !lo.is_finite() {
        (lo, hi) = (flow.vm_min_pu(), flow.vm_max_pu());
    }
    let busiest = flow
        .lines
        .iter()
        .zip(&built.network.lines)
        .max_by(|a, b| a.0.loading_percent.total_cmp(&b.0.loading_percent))
        .map(|(f, l)| (l.name.clone(), f.loading_percent));
    Ok(FlowFigures {
        transformer_percent: flow.transformer.loading_percent,
        v_min_pu: lo,
        v_max_pu: hi,
        busiest,
        unbalance_percent,
    })
}

/// `edit`'s predicted effect on the running neighbourhood at this instant.
pub fn preview(world: &mut World, edit: &Edit) -> Result<Preview, String> {
    let mut present = Vec::new();
    for (i, p) in world.query::<(&DeviceIndex, &DevicePower)>().iter(world) {
        if present.len() <= i.0 {
            present.resize(i.0 + 1, Complex64::ZERO);
        }
        present[i.0] = p.kva();
    }
    let running = &world.resource::<Neighbourhood>().0;
    present.resize(running.devices.len(), Complex64::ZERO);
    // Only the structural change and the build: the click's full checks
    // come when the edit is made.
    let edited = edit::preview_build(edit, &running.scenario)?;
    let now = world.resource::<SimClock>().now();
    let env = world.resource::<CurrentEnvironment>().0;
    // A house, PV or turbine added while paused has not had a step yet
    // (its power reads exactly zero): take it as it would start.
    for (i, d) in running.devices.iter().enumerate() {
        if present[i] == Complex64::ZERO
            && let Some(start) = start_power(d, &running.scenario, &env, now)
        {
            present[i] = start;
        }
    }
    let mut by_identity: HashMap<(u8, &str), Vec<usize>> = HashMap::new();
    for (i, d) in running.devices.iter().enumerate().rev() {
        by_identity.entry(d.identity()).or_default().push(i);
    }
    // Each device of the edited neighbourhood: as it is now if it was
    // there, unchanged; else (`None`) as it would start.
    let kept: Vec<Option<usize>> = edited
        .devices
        .iter()
        .map(|d| {
            by_identity
                .get_mut(&d.identity())
                .and_then(|list| list.pop())
                .filter(|&i| running.devices[i].kind == d.kind)
        })
        .collect();
    let mut powers: Vec<Complex64> = edited
        .devices
        .iter()
        .zip(&kept)
        .map(|(d, k)| {
            k.map_or_else(
                || device_power(d, &edited.scenario, &env, now),
                |i| present[i],
            )
        })
        .collect();
    // A new battery serves its house (self-consumption at half charge); a
    // new car charges at its charger's power if it would be at home.
    let dt_h = 1.0 / 60.0;
    for (i, d) in edited.devices.iter().enumerate() {
        if kept[i].is_some() {
            continue;
        }
        match &d.kind {
            DeviceKind::Battery(b) => {
                let house_net: f64 = edited
                    .devices
                    .iter()
                    .zip(&powers)
                    .filter(|(o, _)| {
                        o.house == d.house && !matches!(o.kind, DeviceKind::Battery(_))
                    })
                    .map(|(_, p)| p.re)
                    .sum();
                let rating = BatteryRating {
                    capacity_kwh: b.capacity_kwh,
                    power_kw: b.power_kw,
                    efficiency: b.efficiency,
                };
                let p = self_consumption_kw(&rating, 0.5 * b.capacity_kwh, house_net, dt_h);
                powers[i] = Complex64::new(p, 0.0);
            }
            DeviceKind::Ev(e) => {
                let t = now.time();
                let home = if e.arrive.0 > e.depart.0 {
                    t >= e.arrive.0 || t < e.depart.0
                } else {
                    t >= e.arrive.0 && t < e.depart.0
                };
                if home {
                    powers[i] = Complex64::new(e.charger_kw, 0.0);
                }
            }
            _ => {}
        }
    }
    let feeder = feeder_of(edit, &edited).or_else(|| feeder_of(edit, running));
    let before = figures(running, &present, feeder)?;
    let after = figures(&edited, &powers, feeder)?;
    Ok(Preview {
        description: edit.describe(),
        feeder: feeder.and_then(|f| edited.scenario.feeders.get(f).map(|x| x.name.clone())),
        before,
        after,
        spending: crate::scenario::prices::spending(&running.scenario, &edited.scenario),
    })
}
