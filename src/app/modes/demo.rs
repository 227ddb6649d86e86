//! The public demo: `microgrid demo [CONFIG]`. An attract loop plays tours
//! (the live simulation with large captions and camera flights); any key,
//! click or touch hands control to the visitor at that moment; after the
//! idle time a countdown asks "Still there?", then the demo goes back to
//! the attract loop with the scenario restored exactly. An operator's key
//! chord (Ctrl+Alt+O, with an optional PIN) opens a panel to quit, skip a
//! tour, change the idle time and read the counts.
//!
//! Tours are files (`scenes/tours/*.tour.ron`): steps of script actions
//! with a caption and a camera move, at wall-clock times. The config
//! (`scenes/demo/*.demo.ron`) holds the playlist, the idle time and the PIN.
//! Time here is wall time fed in by [`advance`], so tests drive it exactly.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use serde::{Deserialize, Deserializer, de::Error as _};

use crate::app::control::action::Action;
use crate::app::control::queue::{ApplyAction, Gate, PendingActions, add_gate};
use crate::app::control::script::ScriptAction;
use crate::app::world::camera::CameraHeld;
use crate::scenario::error::{Locator, ScenarioError, read_ron};
use crate::scenario::{Built, checked};
use crate::sim::SimClock;

/// Most tours a playlist may name.
pub const MAX_TOURS: usize = 20;
/// Most steps a tour may have.
pub const MAX_TOUR_STEPS: usize = 200;
/// How long a visitor's event (an outage they started) may hold the
/// countdown back, beyond the idle time, s.
pub const EVENT_HOLD_CAP_S: f64 = 120.0;
/// Seconds a camera flight takes.
pub const FLIGHT_S: f64 = 3.0;
/// Simulated seconds per real second during the visitor's mission.
pub const MISSION_SPEED: f64 = 300.0;

/// A demo's settings, as written in its file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "Demo")]
pub struct DemoConfig {
    /// Tours to play in turn, relative to the config file.
    pub playlist: Vec<String>,
    /// Seconds without input before the countdown (default 90).
    #[serde(default = "d_idle", deserialize_with = "idle_s")]
    pub idle_s: f64,
    /// Seconds the countdown lasts (at least 20, WCAG 2.2.1).
    #[serde(default = "d_countdown", deserialize_with = "countdown_s")]
    pub countdown_s: f64,
    /// Digits the operator types after Ctrl+Alt+O (none: the chord alone).
    #[serde(default)]
    pub pin: Option<String>,
    /// The window's language: "en" or "de" (default "en"; `--lang` wins).
    #[serde(default, deserialize_with = "language")]
    pub language: crate::lang::Lang,
    /// How the 3D view is drawn: "high", "low" or "auto" (default; `--graphics` wins).
    #[serde(default, deserialize_with = "graphics")]
    pub graphics: crate::app::world::graphics::GraphicsSetting,
}

fn d_idle() -> f64 {
    90.0
}
fn d_countdown() -> f64 {
    20.0
}
fn idle_s<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    checked::in_range(v, 10.0, 3600.0, "idle_s (seconds without input)").map_err(D::Error::custom)
}
fn language<'de, D: Deserializer<'de>>(d: D) -> Result<crate::lang::Lang, D::Error> {
    let code = String::deserialize(d)?;
    crate::lang::Lang::parse(&code).map_err(D::Error::custom)
}
fn graphics<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<crate::app::world::graphics::GraphicsSetting, D::Error> {
    let code = String::deserialize(d)?;
    crate::app::world::graphics::GraphicsSetting::parse(&code).map_err(D::Error::custom)
}
fn countdown_s<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    checked::in_range(v, 20.0, 300.0, "countdown_s (at least 20 s, WCAG 2.2.1)")
        .map_err(D::Error::custom)
}

/// A camera move: where to look and from how far.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraMove {
    /// A house, turbine, bus or "the transformer".
    pub focus: String,
    /// Distance from it, metres.
    #[serde(default = "d_distance")]
    pub distance_m: f64,
    /// Turn about the vertical, degrees (0 looks north).
    #[serde(default = "d_yaw")]
    pub yaw_deg: f64,
    /// Angle above the horizon, degrees.
    #[serde(default = "d_pitch")]
    pub pitch_deg: f64,
}

fn d_distance() -> f64 {
    120.0
}
fn d_yaw() -> f64 {
    30.0
}
fn d_pitch() -> f64 {
    35.0
}

/// One step of a tour.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TourStep {
    /// Wall-clock seconds after the previous step.
    pub after_s: f64,
    /// And not before the simulated clock reaches this time of day (after
    /// the previous step), so that captions match the sky on a slow PC.
    #[serde(default)]
    pub at: Option<crate::scenario::ClockTime>,
    /// The caption from now on (none: the last one stays), in one language
    /// or several (`{"en": "...", "de": "..."}`).
    #[serde(default)]
    pub caption: Option<crate::lang::Text>,
    /// A camera flight.
    #[serde(default)]
    pub camera: Option<CameraMove>,
    /// Script actions (controls and edits).
    #[serde(default)]
    pub actions: Vec<ScriptAction>,
}

/// A tour as written in its file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tour {
    /// Its name (for the operator), in one language or several.
    pub title: crate::lang::Text,
    /// The scenario it plays, relative to the tour file.
    pub scenario: String,
    /// The steps, in order.
    pub steps: Vec<TourStep>,
    /// Seconds the last step stays before the next tour.
    #[serde(default = "d_hold")]
    pub hold_s: f64,
}

fn d_hold() -> f64 {
    8.0
}

/// A checked tour with its scenario.
#[derive(Debug, Clone)]
pub struct PreparedTour {
    /// The tour file.
    pub file: PathBuf,
    /// What it says.
    pub tour: Tour,
    /// Its scenario file.
    pub scenario_file: PathBuf,
    /// Its scenario, built.
    pub start: Built,
}

impl PreparedTour {
    /// Reads and checks a tour file and its scenario.
    pub fn load(path: &Path) -> Result<Self, Vec<ScenarioError>> {
        let file = path.display().to_string();
        let (tour, text): (Tour, _) =
            read_ron(path, "Tour", "scenes/tours/a-day-in-lindenhof.tour.ron")?;
        let loc = Locator::new(&file, &text);
        let mut errors = Vec::new();
        if tour.steps.is_empty() || tour.steps.len() > MAX_TOUR_STEPS {
            errors.push(loc.error_at_text(
                "steps",
                0,
                format!(
                    "a tour needs 1 to {MAX_TOUR_STEPS} steps; it has {}",
                    tour.steps.len()
                ),
            ));
        }
        for (n, s) in tour.steps.iter().enumerate() {
            if !(0.0..=600.0).contains(&s.after_s) {
                errors.push(loc.error_at_text(
                    "after_s",
                    n,
                    format!(
                        "step {}: after_s is {}, outside 0 to 600 seconds",
                        n + 1,
                        s.after_s
                    ),
                ));
            }
        }
        if !(0.0..=600.0).contains(&tour.hold_s) {
            errors.push(loc.error_at_text("hold_s", 0, "hold_s must be 0 to 600 seconds".into()));
        }
        let Some(scenario_file) = loc.scenario_beside(path, &tour.scenario, &mut errors) else {
            return Err(errors);
        };
        let start = crate::scenario::load_and_build(&scenario_file)?;
        for s in &tour.steps {
            if let Some(c) = &s.camera
                && crate::app::world::layout::place_position(&start, &c.focus).is_none()
            {
                errors.push(loc.error_at(
                    "focus",
                    &c.focus,
                    0,
                    format!(
                        "focus \"{}\" is no house, turbine, bus or \"the transformer\" of {}",
                        c.focus,
                        scenario_file.display()
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            file: path.to_path_buf(),
            tour,
            scenario_file,
            start,
        })
    }
}

/// A checked demo: its settings and its tours.
#[derive(Debug, Clone)]
pub struct PreparedDemo {
    /// The config file.
    pub file: PathBuf,
    /// What it says.
    pub config: DemoConfig,
    /// The playlist's tours, checked.
    pub tours: Vec<PreparedTour>,
}

impl PreparedDemo {
    /// Reads and checks a demo config and every tour it names; any error
    /// keeps the demo from starting.
    pub fn load(path: &Path) -> Result<Self, Vec<ScenarioError>> {
        let file = path.display().to_string();
        let (config, text): (DemoConfig, _) =
            read_ron(path, "Demo", "scenes/demo/museum.demo.ron")?;
        let loc = Locator::new(&file, &text);
        let mut errors = Vec::new();
        if config.playlist.is_empty() || config.playlist.len() > MAX_TOURS {
            errors.push(loc.error_at_text(
                "playlist",
                0,
                format!(
                    "the playlist needs 1 to {MAX_TOURS} tours; it has {}",
                    config.playlist.len()
                ),
            ));
        }
        if let Some(pin) = &config.pin
            && (pin.is_empty() || pin.len() > 12 || !pin.chars().all(|c| c.is_ascii_digit()))
        {
            errors.push(loc.error_at_text(
                &format!("\"{pin}\""),
                0,
                "the PIN must be 1 to 12 digits".into(),
            ));
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        let mut tours = Vec::new();
        for name in &config.playlist {
            let tour_path = folder.join(name);
            if !tour_path.is_file() {
                errors.push(loc.error_at_text(&format!("\"{name}\""), 0, format!(
                    "the tour \"{name}\" was not found at {}; paths are relative to the config file",
                    tour_path.display()
                )));
                continue;
            }
            match PreparedTour::load(&tour_path) {
                Ok(t) => tours.push(t),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            file: path.to_path_buf(),
            config,
            tours,
        })
    }
}

/// Where the demo is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DemoPhase {
    /// Playing tour `tour`; its next step is `step`, `waited_s` after the last.
    Attract {
        /// Index in the playlist.
        tour: usize,
        /// The next step to play.
        step: usize,
        /// Wall seconds since the last step played.
        waited_s: f64,
    },
    /// A visitor has control; `idle_s` since their last input.
    Visitor {
        /// Wall seconds without input.
        idle_s: f64,
    },
    /// "Still there?": `left_s` before the demo starts again.
    Countdown {
        /// Seconds left.
        left_s: f64,
    },
}

/// What the operator panel shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Operator {
    /// The panel is open (the PIN, if any, was typed).
    pub open: bool,
    /// Waiting for the PIN after the chord.
    pub asking_pin: bool,
    /// The digits typed so far.
    pub typed: String,
}

/// Counts since the demo started, for the operator.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DemoCounts {
    /// Visitors who took over.
    pub visitor_sessions: u32,
    /// Returns to the attract loop after a countdown.
    pub resets: u32,
    /// Tours played to their end.
    pub tours_played: u32,
}

/// The demo running in the window.
#[derive(Resource, Debug, Clone)]
pub struct DemoMode {
    /// Settings and tours.
    pub demo: PreparedDemo,
    /// Where it is.
    pub phase: DemoPhase,
    /// The caption shown.
    pub caption: Option<crate::lang::Text>,
    /// The operator panel.
    pub operator: Operator,
    /// Counts since the start.
    pub counts: DemoCounts,
    /// The idle time in force (the operator may change it).
    pub idle_s: f64,
    /// A camera flight in progress: from, to, seconds flown.
    pub flight: Option<(
        crate::app::world::camera::OrbitCamera,
        crate::app::world::camera::OrbitCamera,
        f64,
    )>,
    /// The simulated time when the last tour step played.
    pub anchor: Option<chrono::NaiveDateTime>,
    /// The visitor's mission, while it lasts.
    pub mission: Option<Mission>,
    /// The grid was down (by a tour) when the visitor took over: only an
    /// outage the visitor starts holds the countdown back.
    pub outage_at_takeover: bool,
}

impl DemoMode {
    /// A demo at the start of its playlist.
    pub fn new(demo: PreparedDemo) -> Self {
        let idle_s = demo.config.idle_s;
        Self {
            demo,
            phase: DemoPhase::Attract {
                tour: 0,
                step: 0,
                waited_s: 0.0,
            },
            caption: None,
            operator: Operator::default(),
            counts: DemoCounts::default(),
            idle_s,
            flight: None,
            anchor: None,
            mission: None,
            outage_at_takeover: false,
        }
    }
}

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

pub use crate::app::control::action::DemoAction;

pub(super) fn plugin(app: &mut App) {
    add_gate(app, refuse_in_the_demo);
    app.add_observer(run_when_asked);
    app.add_systems(
        Update,
        hold_the_digits
            .in_set(crate::app::frame::AppSystems::Present)
            .run_if(resource_exists::<DemoMode>),
    );
    app.add_systems(
        Update,
        run_the_demo
            .in_set(crate::app::frame::AppSystems::Input)
            .run_if(resource_exists::<DemoMode>),
    );
    app.add_systems(
        Update,
        fly_the_camera
            .in_set(crate::app::frame::AppSystems::Present)
            .run_if(resource_exists::<DemoMode>),
    );
}

/// Starts the demo on this window: its data, and its mode from now on.
pub fn begin(world: &mut World, prepared: PreparedDemo) {
    world.insert_resource(DemoMode::new(prepared));
    crate::app::control::mode::enter(world, crate::app::control::mode::Mode::Demo);
}

/// The demo's buttons and the operator's.
fn run_when_asked(action: On<ApplyAction>, mut commands: Commands) {
    if let Action::Demo(step) = action.0 {
        commands.queue(move |world: &mut World| apply(world, step));
    }
}

/// The gate: nothing that opens, saves or quits (silently: the visitor has
/// no such button).
fn refuse_in_the_demo(world: &mut World, action: &Action) -> Gate {
    match allows(world, action) {
        Ok(()) => Gate::Pass,
        Err(_) => Gate::Stop,
    }
}

/// The operator's PIN takes the digit keys from the camera's views.
fn hold_the_digits(mode: Res<DemoMode>, held: Option<ResMut<CameraHeld>>) {
    if let Some(mut held) = held {
        held.digits = mode.operator.asking_pin;
    }
}

/// One frame of the demo: the inputs, then the wall time.
fn run_the_demo(world: &mut World) {
    let dt = world
        .get_resource::<Time<Real>>()
        .map_or(0.0, |t| t.delta_secs_f64());
    // The operator's chord (Ctrl+Alt+...) and PIN are not a visitor.
    let operator_keys = world.resource::<DemoMode>().operator.asking_pin
        || world
            .get_resource::<ButtonInput<KeyCode>>()
            .is_some_and(|k| {
                k.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight])
                    && k.any_pressed([KeyCode::AltLeft, KeyCode::AltRight])
            });
    let input = world
        .get_resource::<ButtonInput<KeyCode>>()
        .is_some_and(|k| k.get_just_pressed().next().is_some() && !operator_keys)
        || world
            .get_resource::<ButtonInput<MouseButton>>()
            .is_some_and(|m| m.get_just_pressed().next().is_some())
        || world
            .get_resource::<Touches>()
            .is_some_and(|t| t.any_just_pressed());
    let operator_open = world.resource::<DemoMode>().operator.open;
    if input && !operator_open {
        apply(world, DemoAction::Input);
    }
    advance(world, dt);
}

/// Moves the demo on by `dt` wall seconds.
pub fn advance(world: &mut World, dt: f64) {
    let phase = world.resource::<DemoMode>().phase;
    match phase {
        DemoPhase::Attract {
            tour,
            step,
            waited_s,
        } => advance_attract(world, tour, step, waited_s, dt),
        DemoPhase::Visitor { idle_s } => advance_visitor(world, idle_s, dt),
        DemoPhase::Countdown { left_s } => advance_countdown(world, left_s, dt),
    }
}

/// The attract loop: plays tour `tour`'s steps as they fall due, then the next tour.
fn advance_attract(world: &mut World, tour: usize, step: usize, waited_s: f64, dt: f64) {
    let waited_s = waited_s + dt;
    let now = world.get_resource::<SimClock>().map(SimClock::now);
    // The anchor is the clock once the last step's actions (a jump
    // to an hour, say) are done.
    let busy = world.contains_resource::<crate::app::control::long_work::Jump>()
        || world.contains_resource::<crate::app::control::long_work::Loading>();
    if world.resource::<DemoMode>().anchor.is_none() && !busy && step > 0 {
        world.resource_mut::<DemoMode>().anchor = now;
    }
    let (steps, hold_s, due) = {
        let mode = world.resource::<DemoMode>();
        let t = &mode.demo.tours[tour].tour;
        let due = t.steps.get(step).map(|s| {
            // Not before its time of day, when it names one.
            let time_ok = match (s.at, now, mode.anchor) {
                (Some(at), Some(now), Some(anchor)) => {
                    now >= crate::app::modes::lesson::next_at(anchor, at)
                }
                (Some(_), _, None) => false,
                (None, ..) | (Some(_), None, _) => true,
            };
            (s.after_s, time_ok)
        });
        (t.steps.len(), t.hold_s, due)
    };
    match due {
        Some((after, true)) if waited_s + 1e-9 >= after => {
            world.resource_mut::<DemoMode>().anchor = None;
            play_step(world, tour, step);
            world.resource_mut::<DemoMode>().phase = DemoPhase::Attract {
                tour,
                step: step + 1,
                waited_s: waited_s - after,
            };
            // A step due at once after this one plays in the same frame.
            advance(world, 0.0);
        }
        Some(_) => {
            world.resource_mut::<DemoMode>().phase = DemoPhase::Attract {
                tour,
                step,
                waited_s,
            };
        }
        None if step >= steps && waited_s >= hold_s => {
            let next = {
                let mut mode = world.resource_mut::<DemoMode>();
                mode.counts.tours_played += 1;
                (tour + 1) % mode.demo.tours.len()
            };
            start_tour(world, next);
        }
        None => {
            world.resource_mut::<DemoMode>().phase = DemoPhase::Attract {
                tour,
                step,
                waited_s,
            };
        }
    }
}

/// The visitor's turn: counts their idle time and starts the countdown after it.
fn advance_visitor(world: &mut World, idle_s: f64, dt: f64) {
    // A mission in play is not idleness, nor an operator at the panel.
    let operator = {
        let o = &world.resource::<DemoMode>().operator;
        o.open || o.asking_pin
    };
    let idle_s = if world.resource::<DemoMode>().mission.is_some() {
        run_mission(world, dt);
        0.0
    } else if operator {
        0.0
    } else {
        idle_s + dt
    };
    let limit = world.resource::<DemoMode>().idle_s;
    // An outage the visitor started holds the countdown back while
    // it plays out, up to a cap.
    let outage = world
        .get_resource::<crate::sim::grid_mode::GridState>()
        .is_some_and(|g| g.manual_outage);
    if !outage {
        // The tour's outage is over: the next one is the visitor's.
        world.resource_mut::<DemoMode>().outage_at_takeover = false;
    }
    let event_on = outage && !world.resource::<DemoMode>().outage_at_takeover;
    let wait = if event_on {
        limit + EVENT_HOLD_CAP_S
    } else {
        limit
    };
    let countdown = world.resource::<DemoMode>().demo.config.countdown_s;
    world.resource_mut::<DemoMode>().phase = if idle_s >= wait {
        DemoPhase::Countdown { left_s: countdown }
    } else {
        DemoPhase::Visitor { idle_s }
    };
}

/// "Still there?": counts down, then goes back to the first tour.
fn advance_countdown(world: &mut World, left_s: f64, dt: f64) {
    let left_s = left_s - dt;
    if left_s <= 0.0 {
        world.resource_mut::<DemoMode>().counts.resets += 1;
        // The operator's panel (and its Quit) is not left to visitors.
        world.resource_mut::<DemoMode>().operator = Default::default();
        start_tour(world, 0);
    } else {
        world.resource_mut::<DemoMode>().phase = DemoPhase::Countdown { left_s };
    }
}

/// Moves the mission on: the storm after the warning, its end, the outcome.
fn run_mission(world: &mut World, dt: f64) {
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

/// Starts tour `n` from its scenario as written: every edit and control
/// of a visitor is gone.
pub fn start_tour(world: &mut World, n: usize) {
    let (file, start) = {
        let tour = &world.resource::<DemoMode>().demo.tours[n];
        (tour.scenario_file.clone(), tour.start.clone())
    };
    crate::app::control::clock::clear_manual_controls(world);
    crate::app::control::source::open_neighbourhood(world, &file, start);
    if let Some(mut clock) = world.get_resource_mut::<SimClock>() {
        clock.paused = false;
    }
    let mut mode = world.resource_mut::<DemoMode>();
    mode.phase = DemoPhase::Attract {
        tour: n,
        step: 0,
        waited_s: 0.0,
    };
    mode.caption = None;
    mode.flight = None;
    mode.anchor = None;
    mode.mission = None;
}

/// Plays step `step` of tour `tour`: its caption, camera and actions.
fn play_step(world: &mut World, tour: usize, step: usize) {
    let s = world.resource::<DemoMode>().demo.tours[tour].tour.steps[step].clone();
    if let Some(caption) = &s.caption {
        world.resource_mut::<DemoMode>().caption = Some(caption.clone());
    }
    if let Some(c) = &s.camera {
        let target = {
            let hood = &world.resource::<crate::sim::Neighbourhood>().0;
            crate::app::world::layout::place_position(hood, &c.focus)
        };
        if let Some(p) = target {
            let to = crate::app::world::camera::OrbitCamera {
                focus: crate::app::world::layout::to_world(p, 0.0),
                yaw: (c.yaw_deg as f32).to_radians(),
                pitch: (c.pitch_deg as f32).to_radians().clamp(
                    crate::app::world::camera::OrbitCamera::PITCH_RANGE.0,
                    crate::app::world::camera::OrbitCamera::PITCH_RANGE.1,
                ),
                distance: (c.distance_m as f32).clamp(
                    crate::app::world::camera::OrbitCamera::DISTANCE_RANGE.0,
                    crate::app::world::camera::OrbitCamera::DISTANCE_RANGE.1,
                ),
            };
            let from = world
                .query::<&crate::app::world::camera::OrbitCamera>()
                .iter(world)
                .next()
                .copied()
                .unwrap_or(to);
            world.resource_mut::<DemoMode>().flight = Some((from, to, 0.0));
        }
    }
    let mut pending = world.resource_mut::<PendingActions>();
    for a in &s.actions {
        pending.push(a.to_action());
    }
}

/// Eases the camera along its flight.
fn fly_the_camera(
    time: Res<Time<Real>>,
    mut mode: ResMut<DemoMode>,
    mut cameras: Query<&mut crate::app::world::camera::OrbitCamera>,
) {
    let Some((from, to, flown)) = mode.flight else {
        return;
    };
    let flown = flown + time.delta_secs_f64();
    let t = (flown / FLIGHT_S).clamp(0.0, 1.0) as f32;
    let ease = t * t * (3.0 - 2.0 * t);
    for mut c in &mut cameras {
        c.focus = from.focus.lerp(to.focus, ease);
        c.yaw = from.yaw + (to.yaw - from.yaw) * ease;
        c.pitch = from.pitch + (to.pitch - from.pitch) * ease;
        c.distance = from.distance + (to.distance - from.distance) * ease;
    }
    mode.flight = (t < 1.0).then_some((from, to, flown));
}

/// Carries out a demo action.
pub fn apply(world: &mut World, action: DemoAction) {
    let phase = world.resource::<DemoMode>().phase;
    match action {
        DemoAction::Input => {
            let outage = world
                .get_resource::<crate::sim::grid_mode::GridState>()
                .is_some_and(|g| g.manual_outage);
            let mut mode = world.resource_mut::<DemoMode>();
            if matches!(phase, DemoPhase::Attract { .. }) {
                mode.outage_at_takeover = outage;
                mode.counts.visitor_sessions += 1;
                mode.caption = None;
                mode.flight = None;
            }
            mode.phase = DemoPhase::Visitor { idle_s: 0.0 };
        }
        DemoAction::StartAgain => {
            world.resource_mut::<DemoMode>().counts.resets += 1;
            world.resource_mut::<DemoMode>().operator = Default::default();
            start_tour(world, 0);
        }
        DemoAction::NextTour => {
            let next = match phase {
                DemoPhase::Attract { tour, .. } => tour + 1,
                _ => 0,
            } % world.resource::<DemoMode>().demo.tours.len();
            start_tour(world, next);
        }
        DemoAction::Mission => start_mission(world),
        DemoAction::AddSolar | DemoAction::AddBattery => {
            let edit = house_edit(world, action);
            if let Some(edit) = edit {
                crate::app::control::editing::apply_edit(world, &edit);
            }
            apply(world, DemoAction::Input);
        }
    }
}

/// The mission button: the visitor takes over and, unless a mission is on,
/// the clock runs fast and the mission begins.
fn start_mission(world: &mut World) {
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

/// The edit that adds PV (`AddSolar`) or a battery to the first unlocked
/// house without one (none: every house has one).
fn house_edit(world: &World, action: DemoAction) -> Option<crate::scenario::edit::Edit> {
    let s = &world.resource::<crate::sim::Neighbourhood>().0.scenario;
    let solar = action == DemoAction::AddSolar;
    s.houses
        .iter()
        .find(|h| {
            !h.locked
                && if solar {
                    h.pv.is_none()
                } else {
                    h.battery.is_none()
                }
        })
        .map(|h| {
            if solar {
                crate::scenario::edit::Edit::AddPv {
                    house: h.name.clone(),
                    kwp: crate::app::world::placement::ROOF_PV_KWP,
                    tilt_deg: 30.0,
                    azimuth_deg: 180.0,
                }
            } else {
                crate::scenario::edit::Edit::AddBattery {
                    house: h.name.clone(),
                    capacity_kwh: 10.0,
                    power_kw: 5.0,
                    efficiency: 0.95,
                }
            }
        })
}

/// Whether `action` may be carried out in the demo: nothing that opens,
/// saves or quits (the operator panel quits through its own button).
pub fn allows(world: &World, action: &Action) -> Result<(), String> {
    let Some(mode) = world.get_resource::<DemoMode>() else {
        return Ok(());
    };
    let closed = crate::app::control::action::drops_edits(action)
        || matches!(
            action,
            Action::Save | Action::SaveAs(_) | Action::Undo | Action::Redo
        )
        || (matches!(action, Action::Quit) && !mode.operator.open);
    if closed {
        Err("not in the demo".into())
    } else {
        Ok(())
    }
}
