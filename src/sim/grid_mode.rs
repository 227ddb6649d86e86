//! How the neighbourhood runs (on the grid, as an island, dark) and what the
//! island's grid-forming units left for the power flow to settle: shared by
//! [`super::island`], which decides them, and [`super::network`], which
//! solves the power flow around them, so that neither imports the other.

use bevy::prelude::*;
use rand::rngs::StdRng;

use crate::network::{Network, PowerFlowModel};
use crate::physics::frequency::FrequencyState;

/// How the neighbourhood is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GridMode {
    /// Breaker closed, the main grid holds voltage and frequency.
    #[default]
    Connected,
    /// Breaker open, grid-forming units hold the island.
    Islanded,
    /// Breaker open and the island is dark.
    Blackout,
}

/// The point of common coupling and the island's state.
#[derive(Resource, Debug)]
pub struct GridState {
    /// How the neighbourhood runs now.
    pub mode: GridMode,
    /// Whether the main grid is energised.
    pub grid_available: bool,
    /// Whether a user has switched the grid off.
    pub manual_outage: bool,
    /// Island frequency state (50 Hz when connected).
    pub frequency: FrequencyState,
    /// Lowest frequency during the step, Hz.
    pub f_min_hz: f64,
    /// Highest frequency during the step, Hz.
    pub f_max_hz: f64,
    /// Shedding stages in force.
    pub stages_shed: usize,
    /// Demand not served in the step, kW.
    pub unserved_kw: f64,
    /// The part of it that was critical demand, kW.
    pub critical_unserved_kw: f64,
    /// Share of available PV let through.
    pub pv_share: f64,
    /// The island is on purpose (economic islanding), not an outage.
    pub economic: bool,
    /// The grid is back but the island is out of step: the controller
    /// curtails PV directly (or sheds a stage) to bring it to 50 Hz.
    pub resync_pending: bool,
    /// The losses of the last power flow, kW: the dispatch plans for them.
    pub(super) losses_estimate_kw: f64,
    /// When a stage was last shed (stages are served again only after a hold).
    pub(super) last_shed: Option<chrono::NaiveDateTime>,
    /// Draws a black-started island's angle against the grid (unknown, so random).
    pub(super) rng: StdRng,
}

impl GridState {
    /// Switches to `mode` with a fresh 50 Hz frequency state and `stages_shed` stages shed.
    pub(super) fn enter(&mut self, mode: GridMode, stages_shed: usize) {
        self.mode = mode;
        self.frequency = FrequencyState::default();
        self.stages_shed = stages_shed;
    }
}

/// Run condition: the breaker is closed.
pub fn connected(state: Res<GridState>) -> bool {
    state.mode == GridMode::Connected
}

/// What one grid-forming unit may still do after the island's dispatch, kW.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitHeadroom {
    /// The unit's entity (a home battery or a car).
    pub entity: Entity,
    /// More it may give, within its inverter and its state-of-charge floor.
    pub give_kw: f64,
    /// More it may take, within its inverter and its state-of-charge ceiling.
    pub take_kw: f64,
}

/// The island's grid-forming units after this step's dispatch: the
/// reference unit (the power flow's slack, which settles what the loss
/// estimate missed) and what every unit may still give or take, the
/// reference first.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct IslandUnits {
    /// Device index and bus of the reference unit (`None`: no unit).
    pub reference: Option<(usize, usize)>,
    /// Each unit's headroom, the reference first.
    pub headroom: Vec<UnitHeadroom>,
    /// Each household's critical demand this step, kW: what is cut last
    /// when the units cannot carry the island.
    pub critical_kw: Vec<(Entity, f64)>,
}

/// The network compiled with the reference unit's bus as the slack (at
/// 1 pu), compiled again when another unit becomes the reference (which is
/// rare, and costs about one solve); one model at a time, so memory stays
/// that of one network.
#[derive(Resource, Debug, Clone, Default)]
pub struct IslandGridModel {
    model: Option<(usize, PowerFlowModel)>,
}

impl IslandGridModel {
    /// The model with `bus` as reference.
    pub fn with_reference(&mut self, network: &Network, bus: usize) -> &PowerFlowModel {
        if self.model.as_ref().is_some_and(|(b, _)| *b != bus) {
            self.model = None;
        }
        &self
            .model
            .get_or_insert_with(|| (bus, PowerFlowModel::with_root(network, bus, 1.0, 0.0)))
            .1
    }
}
