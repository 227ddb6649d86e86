//! The network set: sums device powers per bus and solves the AC power flow
//! every step.

use bevy::prelude::*;
use chrono::NaiveDateTime;

use super::devices::{DeviceIndex, DevicePower};
use super::grid_mode::{GridMode, GridState, IslandGridModel, IslandUnits};
use super::snapshot::{bus_consumption_mva, bus_phase_consumption_mva};
use super::{Neighbourhood, SimClock, SimulationStep, SimulationSystems};
use crate::network::unbalanced::{UnbalancedFlow, UnbalancedModel};
use crate::network::{PowerFlow, PowerFlowError, PowerFlowModel, SolverOptions};
use crate::scenario::PhaseModel;

/// The compiled network the solver walks each step.
#[derive(Resource, Debug, Clone)]
pub struct GridModel(pub PowerFlowModel);

/// The network compiled for the per-phase solver, in a scenario with
/// `phases: Unbalanced`: grid-connected, and with the island's reference
/// bus (compiled again when the reference moves).
#[derive(Resource, Debug, Clone, Default)]
pub struct UnbalancedGridModel {
    connected: Option<UnbalancedModel>,
    island: Option<(usize, UnbalancedModel)>,
}

impl UnbalancedGridModel {
    pub(super) fn for_built(built: &crate::scenario::Built) -> Self {
        Self {
            connected: (built.scenario.phases == PhaseModel::Unbalanced)
                .then(|| UnbalancedModel::new(&built.network)),
            island: None,
        }
    }
}

/// The latest power flow: a solution, or why there is none.
#[derive(Resource, Debug, Clone, Default)]
pub struct NetworkState {
    /// Time of the step solved.
    pub time: Option<NaiveDateTime>,
    /// The operating point, or the reason it could not be found.
    pub flow: Option<Result<PowerFlow, PowerFlowError>>,
    /// The neighbourhood is dark (blackout): nothing to solve.
    pub dark: bool,
    /// In an unbalanced scenario, the solution per phase (`flow` is its
    /// summary: each bus at its worst phase, powers summed).
    pub phases: Option<UnbalancedFlow>,
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
    mut phases: ResMut<UnbalancedGridModel>,
    units: Res<IslandUnits>,
    grid_state: Res<GridState>,
    devices: Query<(&DeviceIndex, &DevicePower)>,
    mut state: ResMut<NetworkState>,
) {
    let built = &hood.0;
    state.time = Some(clock.now());
    state.dark = grid_state.mode == GridMode::Blackout;
    state.phases = None;
    if phases.connected.is_some() {
        solve_per_phase(
            built,
            &grid_state,
            &units,
            &mut phases,
            &devices,
            &mut state,
        );
        return;
    }
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

/// The per-phase solve of an unbalanced scenario, with its summary as the flow.
fn solve_per_phase(
    built: &crate::scenario::Built,
    grid_state: &GridState,
    units: &IslandUnits,
    phases: &mut UnbalancedGridModel,
    devices: &Query<(&DeviceIndex, &DevicePower)>,
    state: &mut NetworkState,
) {
    let model = match (grid_state.mode, units.reference) {
        (GridMode::Connected, _) => phases.connected.as_ref(),
        (GridMode::Islanded, Some((_, bus))) => {
            if phases.island.as_ref().is_some_and(|(b, _)| *b != bus) {
                phases.island = None;
            }
            Some(
                &phases
                    .island
                    .get_or_insert_with(|| {
                        (
                            bus,
                            UnbalancedModel::with_root(&built.network, bus, 1.0, 0.0),
                        )
                    })
                    .1,
            )
        }
        _ => None,
    };
    let Some(model) = model else {
        state.flow = None;
        return;
    };
    let consumption = bus_phase_consumption_mva(
        built.network.buses.len(),
        devices
            .iter()
            .filter_map(|(i, p)| built.devices.get(i.0).map(|d| (d.bus, d.phases, p.kva()))),
    );
    match model.solve(&consumption, &SolverOptions::default()) {
        Ok(flow) => {
            state.flow = Some(Ok(flow.as_power_flow()));
            state.phases = Some(flow);
        }
        Err(e) => state.flow = Some(Err(e)),
    }
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
    let built = &world.resource::<Neighbourhood>().0;
    let model = PowerFlowModel::new(&built.network);
    let phases = UnbalancedGridModel::for_built(built);
    world.insert_resource(GridModel(model));
    world.insert_resource(phases);
    world.insert_resource(NetworkState::default());
}
