//! The headless simulation: a fixed-step pipeline over the neighbourhood.
//!
//! Nothing here imports rendering, windows or egui: the same plugin runs in
//! the window, in `microgrid` subcommands and in tests on `MinimalPlugins`.
//!
//! Each step runs the [`SimulationStep`] schedule once, for the instant
//! [`SimClock::now`], through the [`SimulationSystems`] sets in order, then
//! advances the clock by one step. In the app, [`run_due_steps`] runs as many
//! steps per frame as real time times the speed asks for; headless code calls
//! [`step`] directly, as fast as the machine allows.

pub mod devices;
pub mod grid_mode;
pub mod island;
pub mod market;
pub mod metrics;
pub mod network;
pub mod preview;
pub mod prices;
pub mod rebuild;
pub mod snapshot;
pub mod switching;
pub mod timed;
pub mod why;

use bevy::ecs::schedule::{ScheduleLabel, SingleThreadedExecutor};
use bevy::prelude::*;
use chrono::{Duration, NaiveDateTime};

use crate::scenario::Built;

/// The schedule that advances the simulation by one step.
#[derive(ScheduleLabel, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SimulationStep;

/// The stages of one simulation step, run in this order.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimulationSystems {
    /// Sun position, irradiance, air temperature and wind for [`SimClock::now`].
    Environment,
    /// Each device's power from the environment (PV, wind, demand, storage, EVs).
    Devices,
    /// The microgrid controller: battery and EV dispatch, islanding decisions.
    Control,
    /// AC power flow over the injections the devices settled on.
    Network,
    /// Island frequency and protection (load shedding, breaker).
    Protection,
    /// Energy counters and statistics.
    Metrics,
    /// The local peer-to-peer market: settles each interval on the metered
    /// energy once it is over, so it follows the meters.
    Market,
}

/// The frame's simulation steps ([`run_due_steps`]) in `Update`, for apps
/// to order their own systems around.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SimulationFrame;

/// Simulated time: where the simulation is, its step, pause and speed.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct SimClock {
    /// Local time of the first step.
    pub start: NaiveDateTime,
    /// Steps completed since the start.
    pub steps: u64,
    /// Simulated seconds per step.
    pub step_s: u32,
    /// Simulated seconds per real second (1 = real time, 3600 = an hour a second).
    pub speed: f64,
    /// When paused, [`run_due_steps`] runs nothing.
    pub paused: bool,
    /// Most wall time the simulation may take in one frame, ms (`None`:
    /// no limit). Steps over it are dropped: on a slow machine the
    /// simulation runs slower than `speed` rather than slowing every frame.
    pub frame_budget_ms: Option<f64>,
    /// The clock pauses itself on reaching this many steps (a challenge's
    /// end): [`run_due_steps`] runs no step past it.
    pub stop_at_step: Option<u64>,
    /// Real time owed to the simulation, in simulated seconds.
    backlog_s: f64,
    /// [`Self::now`] as of the last [`Self::advance`].
    at: StepTime,
}

/// The local time of a step, kept with the fields it was worked out from:
/// a step's systems ask for the time a dozen times, and each date
/// addition was 2.4 % of a simulated year. Used only while the fields
/// still match (they are public), and never part of a clock's equality.
#[derive(Debug, Clone, Copy, Default)]
struct StepTime {
    of: (NaiveDateTime, u64, u32),
    now: NaiveDateTime,
}

impl PartialEq for StepTime {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl SimClock {
    /// Largest speed the controls allow.
    pub const MAX_SPEED: f64 = 3600.0;
    /// Most steps run in one frame, so a slow frame cannot snowball.
    pub const MAX_STEPS_PER_FRAME: u32 = 240;

    /// A clock at `start` with `step_s` seconds a step, running at real time.
    pub fn new(start: NaiveDateTime, step_s: u32) -> Self {
        Self {
            start,
            steps: 0,
            step_s: step_s.max(1),
            speed: 1.0,
            paused: false,
            frame_budget_ms: None,
            stop_at_step: None,
            backlog_s: 0.0,
            at: StepTime::default(),
        }
    }

    /// One step on.
    pub fn advance(&mut self) {
        self.steps += 1;
        let of = (self.start, self.steps, self.step_s);
        self.at = StepTime {
            of,
            now: self.worked_out_now(),
        };
    }

    /// Local time of the step about to run (or running).
    pub fn now(&self) -> NaiveDateTime {
        if self.at.of == (self.start, self.steps, self.step_s) {
            self.at.now
        } else {
            self.worked_out_now()
        }
    }

    fn worked_out_now(&self) -> NaiveDateTime {
        self.start + Duration::seconds(self.elapsed_s() as i64)
    }

    /// Simulated seconds since the start.
    pub fn elapsed_s(&self) -> u64 {
        self.steps * u64::from(self.step_s)
    }

    /// Sets the speed, clamped to 0..=[`Self::MAX_SPEED`].
    pub fn set_speed(&mut self, speed: f64) {
        self.speed = if speed.is_finite() {
            speed.clamp(0.0, Self::MAX_SPEED)
        } else {
            1.0
        };
    }

    /// Run condition: the clock is not paused.
    pub fn is_running(clock: Res<SimClock>) -> bool {
        !clock.paused
    }

    /// Steps due after `real_dt_s` of real time, capped per frame.
    fn take_due_steps(&mut self, real_dt_s: f64) -> u32 {
        if self.stop_at_step.is_some_and(|stop| self.steps >= stop) {
            self.paused = true;
        }
        if self.paused {
            self.backlog_s = 0.0;
            return 0;
        }
        self.backlog_s += real_dt_s.max(0.0) * self.speed;
        let step = f64::from(self.step_s);
        let due = (self.backlog_s / step)
            .floor()
            .min(f64::from(Self::MAX_STEPS_PER_FRAME));
        self.backlog_s -= due * step;
        // Never owe more than one frame's cap: drop time the machine could not keep up with.
        self.backlog_s = self
            .backlog_s
            .min(step * f64::from(Self::MAX_STEPS_PER_FRAME));
        let due = due as u32;
        match self.stop_at_step {
            Some(stop) => {
                due.min(u32::try_from(stop.saturating_sub(self.steps)).unwrap_or(u32::MAX))
            }
            None => due,
        }
    }
}

/// Choices that hold for a whole run.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct SimSettings {
    /// Seed of every random stream (weather, households, cars).
    pub seed: u64,
    /// How cars charge at home.
    pub charging: crate::physics::ev::Charging,
    /// Grid outages besides the scenario's timeline (from the command line).
    pub extra_outages: Vec<(NaiveDateTime, NaiveDateTime)>,
}

/// The neighbourhood being simulated.
#[derive(Resource, Debug, Clone)]
pub struct Neighbourhood(pub Built);

/// The [`Neighbourhood`] was replaced: a scenario loaded ([`reset`], the
/// run starts over) or edited while it runs ([`rebuild::rebuild`], the run
/// goes on). Readers redraw from it instead of watching the resource.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeighbourhoodChanged {
    /// Edited while running (true), or loaded afresh (false).
    pub edited: bool,
    /// Loaded afresh, but the same place started over (a challenge's run):
    /// views of it may stay.
    pub same_place: bool,
}

/// Adds the simulation: the step schedule, its ordered sets and the models.
///
/// Insert a [`Neighbourhood`] and a [`SimClock`] before the first step (see
/// [`SimulationPlugin::new`]).
pub struct SimulationPlugin {
    built: Built,
    step_s: u32,
    settings: SimSettings,
}

impl SimulationPlugin {
    /// Simulates `built` with steps of `step_s` seconds from the scenario's
    /// start, with the scenario's seed and charging mode.
    pub fn new(built: Built, step_s: u32) -> Self {
        let settings = SimSettings {
            seed: built.scenario.seed,
            charging: built.scenario.ev_charging,
            extra_outages: Vec::new(),
        };
        Self {
            built,
            step_s,
            settings,
        }
    }

    /// Uses another seed than the scenario's.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    /// Simulates another version of the neighbourhood (same step and settings).
    pub fn with_built(mut self, built: Built) -> Self {
        self.built = built;
        self
    }

    /// Adds grid outages to the scenario's timeline.
    pub fn with_outages(mut self, outages: Vec<(NaiveDateTime, NaiveDateTime)>) -> Self {
        self.settings.extra_outages.extend(outages);
        self
    }

    /// Uses another charging mode than the scenario's.
    pub fn with_charging(mut self, charging: crate::physics::ev::Charging) -> Self {
        self.settings.charging = charging;
        self
    }
}

impl Plugin for SimulationPlugin {
    fn build(&self, app: &mut App) {
        // One step is a short chain of small systems: the single-threaded
        // executor runs it with far less overhead per step than the
        // multi-threaded one, which matters at 500,000 steps a year.
        let mut schedule = Schedule::new(SimulationStep);
        schedule.set_executor(SingleThreadedExecutor::new());
        app.add_schedule(schedule);
        app.configure_sets(
            SimulationStep,
            (
                SimulationSystems::Environment,
                SimulationSystems::Devices,
                SimulationSystems::Control,
                SimulationSystems::Network,
                SimulationSystems::Protection,
                SimulationSystems::Metrics,
                SimulationSystems::Market,
            )
                .chain(),
        );
        app.insert_resource(SimClock::new(self.built.scenario.start.0, self.step_s));
        app.insert_resource(Neighbourhood(self.built.clone()));
        app.insert_resource(self.settings.clone());
        app.add_message::<NeighbourhoodChanged>();
        app.insert_resource(switching::SwitchPlan::new(&self.built.scenario.events));
        app.add_systems(Update, run_due_steps.in_set(SimulationFrame));
        app.add_plugins((
            devices::plugin,
            prices::plugin,
            island::plugin,
            network::plugin,
            metrics::plugin,
            market::plugin,
            why::plugin,
        ));
    }
}

/// Starts the simulation over on `built` (a reloaded or another scenario):
/// the old devices go, the clock returns to the scenario's start (keeping its
/// speed and pause) and every model starts as [`SimulationPlugin`] starts it.
pub fn reset(world: &mut World, built: Built) {
    reset_as(world, built, false);
}

/// [`reset`] for the same neighbourhood started over from its start (a
/// challenge's run, "try again"): the window keeps its view of it.
pub fn restart(world: &mut World, built: Built) {
    reset_as(world, built, true);
}

fn reset_as(world: &mut World, built: Built, same_place: bool) {
    let old: Vec<Entity> = world
        .query_filtered::<Entity, With<devices::DeviceIndex>>()
        .iter(world)
        .collect();
    for entity in old {
        world.despawn(entity);
    }
    let mut clock = SimClock::new(built.scenario.start.0, world.resource::<SimClock>().step_s);
    let old_clock = world.resource::<SimClock>();
    clock.speed = old_clock.speed;
    clock.paused = old_clock.paused;
    let mut settings = world.resource::<SimSettings>().clone();
    settings.seed = built.scenario.seed;
    settings.charging = built.scenario.ev_charging;
    world.insert_resource(settings);
    world.insert_resource(clock);
    world.insert_resource(Neighbourhood(built));
    devices::reset(world);
    prices::reset(world);
    island::reset(world);
    network::reset(world);
    metrics::reset(world);
    market::reset(world);
    switching::reset(world);
    why::reset(world);
    world.write_message(NeighbourhoodChanged {
        edited: false,
        same_place,
    });
}

/// Runs one simulation step and advances the clock.
pub fn step(world: &mut World) {
    world.schedule_scope(SimulationStep, step_with);
}

/// [`step`] with the [`SimulationStep`] schedule already out of the world
/// (`World::schedule_scope`), for a loop of many steps.
pub fn step_with(world: &mut World, schedule: &mut Schedule) {
    switching::apply_due(world);
    schedule.run(world);
    world.resource_mut::<SimClock>().advance();
}

/// What the simulation cost in the last frame (for the window's frame figures).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameSimCost {
    /// Steps run in the frame.
    pub steps: u32,
    /// Wall time those steps took, ms.
    pub wall_ms: f64,
    /// Steps that were due but dropped to keep to the frame budget.
    pub dropped: u32,
}

/// Runs the steps that real time and the speed call for (exclusive system, `Update`).
pub fn run_due_steps(world: &mut World) {
    let real_dt_s = world
        .get_resource::<Time<Real>>()
        .map_or(0.0, |t| t.delta_secs_f64());
    let due = world.resource_mut::<SimClock>().take_due_steps(real_dt_s);
    let budget_ms = world.resource::<SimClock>().frame_budget_ms;
    let started = std::time::Instant::now();
    let steps = run_steps_within(world, due, budget_ms);
    world.insert_resource(FrameSimCost {
        steps,
        wall_ms: started.elapsed().as_secs_f64() * 1e3,
        dropped: due - steps,
    });
}

/// Runs up to `due` steps, stopping once `budget_ms` of wall time is spent
/// (at least one step runs); returns the steps run.
pub fn run_steps_within(world: &mut World, due: u32, budget_ms: Option<f64>) -> u32 {
    let started = std::time::Instant::now();
    for done in 1..=due {
        step(world);
        if budget_ms.is_some_and(|b| started.elapsed().as_secs_f64() * 1e3 >= b) {
            return done;
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_runs_speed_times_real_time_and_caps_a_slow_frame() {
        let start = crate::scenario::parse_date_time("2025-06-21 00:00").expect("valid");
        let mut clock = SimClock::new(start, 60);
        clock.set_speed(3600.0);
        // 1/60 s of real time at 3600x is 60 simulated seconds: one step.
        assert_eq!(clock.take_due_steps(1.0 / 60.0), 1);
        // A 10 s hitch owes 600 steps; the frame runs at most the cap.
        assert_eq!(clock.take_due_steps(10.0), SimClock::MAX_STEPS_PER_FRAME);
        clock.paused = true;
        assert_eq!(clock.take_due_steps(1.0), 0);
        clock.set_speed(f64::NAN);
        assert_eq!(clock.speed, 1.0);
    }

    #[test]
    fn the_time_kept_by_a_step_follows_a_clock_changed_by_hand() {
        let at = |t: &str| crate::scenario::parse_date_time(t).expect("valid");
        let mut clock = SimClock::new(at("2025-06-21 00:00"), 60);
        clock.advance();
        clock.advance();
        assert_eq!(clock.now(), at("2025-06-21 00:02"));
        // The fields are public: a mirror sets the step, a challenge the start.
        clock.step_s = 900;
        assert_eq!(clock.now(), at("2025-06-21 00:30"));
        clock.start = at("2025-12-24 18:00");
        assert_eq!(clock.now(), at("2025-12-24 18:30"));
        clock.steps = 4;
        assert_eq!(clock.now(), at("2025-12-24 19:00"));
        clock.advance();
        assert_eq!(clock.now(), at("2025-12-24 19:15"));
        // Equal clocks whatever each last worked out.
        let mut fresh = SimClock::new(clock.start, 900);
        fresh.steps = 5;
        assert_eq!(fresh, clock);
    }
}
