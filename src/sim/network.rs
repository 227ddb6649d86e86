//! The network set: sums device powers per bus and solves the AC power flow
//! every step; the metrics set keeps the extremes seen.

use bevy::prelude::*;
use chrono::NaiveDateTime;

use super::devices::{DeviceIndex, DevicePower};
use super::snapshot::bus_consumption_mva;
use super::{Neighbourhood, SimClock, SimulationStep, SimulationSystems};
use crate::network::{PowerFlow, PowerFlowError, PowerFlowModel, SolverOptions};

/// The compiled network the solver walks each step.
#[derive(Resource, Debug, Clone)]
pub struct GridModel(pub PowerFlowModel);

/// The latest power flow: a solution, or why there is none.
#[derive(Resource, Debug, Clone, Default)]
pub struct NetworkState {
    /// Time of the step solved.
    pub time: Option<NaiveDateTime>,
    /// The operating point, or the reason it could not be found.
    pub flow: Option<Result<PowerFlow, PowerFlowError>>,
}

impl NetworkState {
    /// The solution, if the last step converged.
    pub fn solved(&self) -> Option<&PowerFlow> {
        self.flow.as_ref().and_then(|r| r.as_ref().ok())
    }
}

/// Running extremes over the steps so far.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct NetworkMetrics {
    /// Steps solved.
    pub steps: u64,
    /// Steps whose power flow had no solution.
    pub failed_steps: u64,
    /// Lowest bus voltage seen, pu.
    pub vm_min_pu: f64,
    /// Highest bus voltage seen, pu.
    pub vm_max_pu: f64,
    /// Highest line loading seen, percent.
    pub max_line_loading_percent: f64,
}

impl Default for NetworkMetrics {
    fn default() -> Self {
        Self {
            steps: 0,
            failed_steps: 0,
            vm_min_pu: f64::INFINITY,
            vm_max_pu: f64::NEG_INFINITY,
            max_line_loading_percent: 0.0,
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    let model = PowerFlowModel::new(&app.world().resource::<Neighbourhood>().0.network);
    app.insert_resource(GridModel(model));
    app.init_resource::<NetworkState>()
        .init_resource::<NetworkMetrics>();
    app.add_systems(
        SimulationStep,
        (
            solve_power_flow.in_set(SimulationSystems::Network),
            record_network_metrics.in_set(SimulationSystems::Metrics),
        ),
    );
}

fn solve_power_flow(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    grid: Res<GridModel>,
    devices: Query<(&DeviceIndex, &DevicePower)>,
    mut state: ResMut<NetworkState>,
) {
    let built = &hood.0;
    let consumption = bus_consumption_mva(
        built.network.buses.len(),
        devices
            .iter()
            .filter_map(|(i, p)| built.devices.get(i.0).map(|d| (d.bus, p.kva()))),
    );
    state.time = Some(clock.now());
    state.flow = Some(grid.0.solve(&consumption, &SolverOptions::default()));
}

fn record_network_metrics(state: Res<NetworkState>, mut metrics: ResMut<NetworkMetrics>) {
    metrics.steps += 1;
    match state.solved() {
        Some(flow) => {
            metrics.vm_min_pu = metrics.vm_min_pu.min(flow.vm_min_pu());
            metrics.vm_max_pu = metrics.vm_max_pu.max(flow.vm_max_pu());
            metrics.max_line_loading_percent = metrics
                .max_line_loading_percent
                .max(flow.max_line_loading_percent());
        }
        None => metrics.failed_steps += 1,
    }
}
