//! The visitor's mission: a storm takes the grid away after a warning;
//! the visitor keeps every light on until it passes.

use bevy::prelude::*;

use super::{DemoMode, apply};
use crate::app::control::action::DemoAction;
use crate::sim::SimClock;

/// Simulated seconds per real second during the visitor's mission.
pub const MISSION_SPEED: f64 = 300.0;

/// The visitor's 90-second mission: a storm takes the grid away after a
/// warning; keep every light on until it passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mission {
    /// Wall seconds since it began.
    pub elapsed_s: f64,
    /// Unserved energy when the storm struck, kWh.
    pub unserved_at_start_kwh: Option<f64>,
    /// The outcome: energy not served during the storm, kWh.
    pub unserved_kwh: Option<f64>,
}

impl Mission {
    /// Seconds of warning before the storm.
    pub const WARNING_S: f64 = 15.0;
    /// Seconds the storm lasts.
    pub const STORM_S: f64 = 60.0;
    /// Seconds the outcome is shown.
    pub const RESULT_S: f64 = 15.0;

    /// Whether every light stayed on (within 10 Wh).
    pub fn passed(&self) -> Option<bool> {
        self.unserved_kwh.map(|u| u <= 0.01)
    }
}

/// Moves the mission on: the storm after the warning, its end, the outcome.
pub(super) fn run_mission(world: &mut World, dt: f64) {
    let Some(mut m) = world.resource::<DemoMode>().mission else {
        return;
    };
    let before = m.elapsed_s;
    m.elapsed_s += dt;
    let unserved = world
        .get_resource::<crate::sim::metrics::EnergyTotals>()
        .map_or(0.0, |t| t.unserved_kwh);
    let storm_at = Mission::WARNING_S;
    let calm_at = Mission::WARNING_S + Mission::STORM_S;
    if before < storm_at && m.elapsed_s >= storm_at {
        m.unserved_at_start_kwh = Some(unserved);
        world.trigger(crate::sim::island::SetGridOutage(true));
    }
    if before < calm_at && m.elapsed_s >= calm_at {
        m.unserved_kwh = Some(unserved - m.unserved_at_start_kwh.unwrap_or(unserved));
        world.trigger(crate::sim::island::SetGridOutage(false));
    }
    let over = m.elapsed_s >= calm_at + Mission::RESULT_S;
    world.resource_mut::<DemoMode>().mission = (!over).then_some(m);
}

/// The mission button: the visitor takes over and, unless a mission is on,
/// the clock runs fast and the mission begins.
pub(super) fn start_mission(world: &mut World) {
    apply(world, DemoAction::Input);
    if world.resource::<DemoMode>().mission.is_some() {
        return;
    }
    // Five simulated minutes a second: the storm lasts five hours.
    if let Some(mut clock) = world.get_resource_mut::<SimClock>() {
        clock.set_speed(MISSION_SPEED);
        clock.paused = false;
    }
    let mut mode = world.resource_mut::<DemoMode>();
    {
        mode.mission = Some(Mission {
            elapsed_s: 0.0,
            unserved_at_start_kwh: None,
            unserved_kwh: None,
        });
    }
}
