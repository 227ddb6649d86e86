//! The visitor's mission: a street opens at dusk as a storm rolls in; after
//! a warning the storm breaks the power line for three hours, into the night.
//! The street has solar panels and no storage, so without batteries its
//! lights go out; the visitor adds them (+ Battery) while there is time.
//! The outcome says when the lights went out and why, from the island's
//! own decisions.

use bevy::prelude::*;
use chrono::{NaiveDateTime, NaiveTime};

use super::{DemoMode, apply};
use crate::app::control::action::DemoAction;
use crate::sim::SimClock;
use crate::sim::devices::SetWeather;
use crate::sim::island::SetGridOutage;
use crate::sim::why::{DarkCause, Decisions};

/// Simulated seconds per real second during the visitor's mission: the
/// 60-second storm lasts three hours.
pub const MISSION_SPEED: f64 = 180.0;

/// The time of day the mission's street opens at.
pub const MISSION_START: NaiveTime = match NaiveTime::from_hms_opt(19, 0, 0) {
    Some(t) => t,
    None => panic!("19:00 is a time"),
};

/// Cloud cover and wind while the storm rolls in, then when it breaks
/// (oktas, m/s at the weather's reference height).
pub const GATHERING: (f64, f64) = (8.0, 14.0);
pub const STORM: (f64, f64) = (8.0, 22.0);

/// Why the lights went out in the storm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossCause {
    /// No battery (or vehicle-to-grid car) was there to run the street.
    NoStorage,
    /// The batteries ran low, and the relays switched homes off.
    RanLow,
    /// The homes asked more power than the batteries could give at once.
    TooMuchAtOnce,
    /// They could give it, but the jolt as the island took the load made
    /// the frequency dip under the relays' setting: more inverters share
    /// the jolt and hold it steadier.
    Jolt,
}

/// When the lights first went out in the storm, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loss {
    /// The simulated time.
    pub at: NaiveDateTime,
    /// The cause.
    pub cause: LossCause,
}

/// The visitor's 90-second mission.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mission {
    /// Wall seconds since it began.
    pub elapsed_s: f64,
    /// Unserved energy when the storm struck, kWh.
    pub unserved_at_start_kwh: Option<f64>,
    /// The outcome: energy not served during the storm, kWh.
    pub unserved_kwh: Option<f64>,
    /// When the lights first went out in the storm, and why.
    pub loss: Option<Loss>,
    /// Home batteries in the street when the storm passed.
    pub batteries: usize,
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
        world.trigger(SetWeather {
            cloud_oktas: Some(STORM.0),
            wind_m_s: Some(STORM.1),
        });
        world.trigger(SetGridOutage(true));
    }
    if m.elapsed_s >= storm_at && m.unserved_kwh.is_none() && m.loss.is_none() {
        m.loss = lights_out(world);
    }
    if before < calm_at && m.elapsed_s >= calm_at {
        m.unserved_kwh = Some(unserved - m.unserved_at_start_kwh.unwrap_or(unserved));
        m.batteries = batteries(world);
        world.trigger(SetGridOutage(false));
        world.trigger(SetWeather {
            cloud_oktas: None,
            wind_m_s: None,
        });
    }
    let over = m.elapsed_s >= calm_at + Mission::RESULT_S;
    world.resource_mut::<DemoMode>().mission = (!over).then_some(m);
}

/// Home batteries in the neighbourhood.
fn batteries(world: &World) -> usize {
    world
        .resource::<crate::sim::Neighbourhood>()
        .0
        .scenario
        .houses
        .iter()
        .filter(|h| h.battery.is_some())
        .count()
}

/// Whether lights are out now, and why, from the island's decisions: a
/// dark island names its cause; a shed stage was shed for want of power
/// (more asked than the units could give), of stored energy (the store
/// below a third), or else in the jolt of taking the load (the frequency's
/// dip through the units' droop and the island's inertia).
pub fn lights_out(world: &World) -> Option<Loss> {
    let d = world.get_resource::<Decisions>()?;
    if let Some((at, cause)) = d.dark {
        let cause = match cause {
            DarkCause::NoFormer => LossCause::NoStorage,
            // Short of power: for want of inverters, or because the
            // batteries have sunk so low that they can give little.
            DarkCause::Short { .. } if stored_percent(d) < 33.0 => LossCause::RanLow,
            DarkCause::Short { .. } => LossCause::TooMuchAtOnce,
            DarkCause::Collapsed { .. } => LossCause::RanLow,
        };
        return Some(Loss { at, cause });
    }
    let shed = d
        .stages
        .iter()
        .flatten()
        .filter(|s| !s.for_resync)
        .min_by_key(|s| s.since)?;
    let cause = if shed.asked_kw > shed.give_kw {
        LossCause::TooMuchAtOnce
    } else if shed.stored_percent < 33.0 {
        LossCause::RanLow
    } else {
        LossCause::Jolt
    };
    Some(Loss {
        at: shed.since,
        cause,
    })
}

/// How full the island's stores were at its latest shedding record
/// (100 without one).
fn stored_percent(d: &Decisions) -> f64 {
    d.stages
        .iter()
        .flatten()
        .max_by_key(|s| s.since)
        .map_or(100.0, |s| s.stored_percent)
}

/// The mission button: the visitor takes over and, unless a mission is
/// on, the demo's mission street opens at dusk with a storm rolling in
/// and the clock running fast.
pub(super) fn start_mission(world: &mut World) {
    apply(world, DemoAction::Input);
    if world.resource::<DemoMode>().mission.is_some() {
        return;
    }
    let (file, mut built) = {
        let demo = &world.resource::<DemoMode>().demo;
        match &demo.mission {
            Some(m) => (m.scenario_file.clone(), m.start.clone()),
            None => (
                demo.tours[0].scenario_file.clone(),
                demo.tours[0].start.clone(),
            ),
        }
    };
    built.scenario.start.0 = built.scenario.start.0.date().and_time(MISSION_START);
    crate::app::control::clock::clear_manual_controls(world);
    crate::app::control::source::open_neighbourhood(world, &file, built);
    world.trigger(SetWeather {
        cloud_oktas: Some(GATHERING.0),
        wind_m_s: Some(GATHERING.1),
    });
    if let Some(mut clock) = world.get_resource_mut::<SimClock>() {
        clock.set_speed(MISSION_SPEED);
        clock.paused = false;
    }
    let mut mode = world.resource_mut::<DemoMode>();
    mode.flight = None;
    mode.mission = Some(Mission {
        elapsed_s: 0.0,
        unserved_at_start_kwh: None,
        unserved_kwh: None,
        loss: None,
        batteries: 0,
    });
}
