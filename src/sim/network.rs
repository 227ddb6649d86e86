//! The network set: sums device powers per bus and solves the AC power flow
//! every step.

use bevy::prelude::*;
use chrono::NaiveDateTime;

use super::devices::{DeviceIndex, DevicePower};
use super::grid_mode::{GridMode, GridState, IslandGridModel, IslandUnits};
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
    /// The neighbourhood is dark (blackout): nothing to solve.
    pub dark: bool,
}

impl NetworkState {
    /// The solution, if the last step converged.
    pub fn solved(&self) -> Option<&PowerFlow> {
        self.flow.as_ref().and_then(|r| r.as_ref().ok())
    }
}

pub(super) fn plugin(app: &mut App) {
    reset(app.world_mut());
    app.add_systems(
        SimulationStep,
        solve_power_flow.in_set(SimulationSystems::Network),
    );
}

fn solve_power_flow(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    grid: Res<GridModel>,
    mut island: ResMut<IslandGridModel>,
    units: Res<IslandUnits>,
    grid_state: Res<GridState>,
    devices: Query<(&DeviceIndex, &DevicePower)>,
    mut state: ResMut<NetworkState>,
) {
    let built = &hood.0;
    state.time = Some(clock.now());
    state.dark = grid_state.mode == GridMode::Blackout;
    let model = match grid_state.mode {
        GridMode::Connected => &grid.0,
        // The reference unit's bus holds the island's voltage and angle.
        GridMode::Islanded => match units.reference {
            Some((_, bus)) => island.with_reference(&built.network, bus),
            None => {
                state.flow = None;
                return;
            }
        },
        GridMode::Blackout => {
            state.flow = None;
            return;
        }
    };
    let consumption = bus_consumption_mva(
        built.network.buses.len(),
        devices
            .iter()
            .filter_map(|(i, p)| built.devices.get(i.0).map(|d| (d.bus, p.kva()))),
    );
    state.flow = Some(model.solve(&consumption, &SolverOptions::default()));
}

/// Solves the power flow now, for the devices' present powers (after an
/// edit, so that the window shows the edited network before the next step).
pub fn solve_now(world: &mut World) {
    use bevy::ecs::system::RunSystemOnce;
    if let Err(e) = world.run_system_once(solve_power_flow) {
        warn!("the power flow could not be solved now: {e}");
    }
}

/// The compiled network and no solution yet, for the [`Neighbourhood`].
pub(super) fn reset(world: &mut World) {
    let model = PowerFlowModel::new(&world.resource::<Neighbourhood>().0.network);
    world.insert_resource(GridModel(model));
    world.insert_resource(NetworkState::default());
}
