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
//!
//! This file runs the demo; `files.rs` reads and checks the config and
//! the tours, `mission.rs` plays the visitor's mission.

mod files;
mod mission;

use bevy::prelude::*;

use crate::app::control::action::Action;
use crate::app::control::queue::{ApplyAction, Gate, PendingActions, add_gate};
use crate::app::world::camera::CameraHeld;
use crate::sim::SimClock;

pub use files::{
    CameraMove, DemoConfig, MAX_TOUR_STEPS, MAX_TOURS, PreparedDemo, PreparedMission, PreparedTour,
    Tour, TourStep,
};
pub use mission::{Loss, LossCause, MISSION_SPEED, MISSION_START, Mission};
use mission::{run_mission, start_mission};

/// How long a visitor's event (an outage they started) may hold the
/// countdown back, beyond the idle time, s.
pub const EVENT_HOLD_CAP_S: f64 = 120.0;
/// Seconds a camera flight takes.
pub const FLIGHT_S: f64 = 3.0;

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
    /// This frame's keys were the operator's (the chord, the PIN's digits,
    /// the Escape that gave up): not a visitor's, not the camera's.
    pub took_keys: bool,
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

pub use crate::app::control::action::DemoAction;

pub(super) fn plugin(app: &mut App) {
    add_gate(app, refuse_in_the_demo);
    app.add_observer(run_when_asked);
    app.add_systems(
        Update,
        // Before the camera reads it (in `Present`).
        hold_the_digits
            .after(operator_keys)
            .in_set(crate::app::frame::AppSystems::Input)
            .run_if(resource_exists::<DemoMode>),
    );
    app.add_message::<bevy::input::keyboard::KeyboardInput>();
    app.add_systems(
        Update,
        (operator_keys, run_the_demo)
            .chain()
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
    match action.0 {
        Action::Demo(step) => commands.queue(move |world: &mut World| apply(world, step)),
        // A visitor's outage or price spike: the camera goes where it shows.
        Action::ToggleOutage => commands.queue(|world: &mut World| show_the_grid_link(world, true)),
        Action::TogglePriceSpike => {
            commands.queue(|world: &mut World| show_the_grid_link(world, false))
        }
        _ => {}
    }
}

/// The camera flies out to the whole neighbourhood and its island's edge
/// (`wide`, an outage) or to the price sign at the grid link (a price
/// spike), keeping its angle; only while a visitor plays.
fn show_the_grid_link(world: &mut World, wide: bool) {
    use crate::app::world::camera::OrbitCamera;
    let playing = world
        .get_resource::<DemoMode>()
        .is_some_and(|m| matches!(m.phase, DemoPhase::Visitor { .. }));
    let Some(layout) = world.get_resource::<crate::app::world::scene::SceneLayout>() else {
        return;
    };
    if !playing {
        return;
    }
    let (breaker, end) = layout.grid_link;
    let (focus, distance) = if wide {
        (layout.centre, layout.radius_m * 2.4)
    } else {
        (breaker + (end - breaker).normalize_or_zero() * 30.0, 90.0)
    };
    let Some(from) = world.query::<&OrbitCamera>().iter(world).next().copied() else {
        return;
    };
    let to = OrbitCamera {
        focus,
        distance: distance.clamp(OrbitCamera::DISTANCE_RANGE.0, OrbitCamera::DISTANCE_RANGE.1),
        ..from
    };
    world.resource_mut::<DemoMode>().flight = Some((from, to, 0.0));
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
        held.digits = mode.operator.asking_pin || mode.operator.took_keys;
    }
}

/// The operator's keys this frame, in the order they came.
fn operator_keys(
    mut mode: ResMut<DemoMode>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut presses: MessageReader<bevy::input::keyboard::KeyboardInput>,
) {
    let events: Vec<(KeyCode, bool)> = presses
        .read()
        .filter(|k| !k.repeat)
        .map(|k| (k.key_code, k.state.is_pressed()))
        .collect();
    let Some(keys) = keys else {
        return;
    };
    let chords = crate::app::control::keys::chords(&events, |k| keys.pressed(k));
    let pin = mode.demo.config.pin.clone();
    operator_sees(&mut mode.operator, pin.as_deref(), &chords);
}

/// The digit a key types (the top row or the number pad).
fn digit_of(key: KeyCode) -> Option<char> {
    use KeyCode::*;
    let digits = [
        [Digit0, Numpad0],
        [Digit1, Numpad1],
        [Digit2, Numpad2],
        [Digit3, Numpad3],
        [Digit4, Numpad4],
        [Digit5, Numpad5],
        [Digit6, Numpad6],
        [Digit7, Numpad7],
        [Digit8, Numpad8],
        [Digit9, Numpad9],
    ];
    digits
        .iter()
        .position(|pair| pair.contains(&key))
        .and_then(|n| char::from_digit(n as u32, 10))
}

/// What the operator's keys do: Ctrl+Alt+O opens the panel, or asks for
/// the PIN when there is one (a chord pressed and released within one slow
/// frame counts, and only with Ctrl and Alt down as the O went down,
/// [`crate::app::control::keys::chords`]); while asked, the keys that
/// went down this frame type their digits in order (the last as many as
/// the PIN has count, so a slip is typed over), Escape gives up.
pub fn operator_sees(
    operator: &mut Operator,
    pin: Option<&str>,
    chords: &[crate::app::control::keys::Chord],
) {
    operator.took_keys = false;
    if chords
        .iter()
        .any(|c| c.key == KeyCode::KeyO && c.ctrl && c.alt)
    {
        operator.open = pin.is_none();
        operator.asking_pin = pin.is_some();
        operator.typed.clear();
        operator.took_keys = true;
        return;
    }
    if !operator.asking_pin {
        return;
    }
    operator.took_keys = !chords.is_empty();
    for key in chords.iter().map(|c| c.key) {
        if key == KeyCode::Escape {
            operator.asking_pin = false;
            operator.typed.clear();
            return;
        }
        operator.typed.extend(digit_of(key));
    }
    if let Some(pin) = pin {
        let extra = operator
            .typed
            .chars()
            .count()
            .saturating_sub(pin.chars().count());
        operator.typed.drain(..extra);
        if operator.typed == pin {
            operator.asking_pin = false;
            operator.open = true;
            operator.typed.clear();
        }
    }
}

/// One frame of the demo: the inputs, then the wall time.
fn run_the_demo(world: &mut World) {
    let dt = world
        .get_resource::<Time<Real>>()
        .map_or(0.0, |t| t.delta_secs_f64());
    // The operator's chord (Ctrl+Alt+...) and PIN are not a visitor.
    let operator = &world.resource::<DemoMode>().operator;
    let operator_keys = operator.asking_pin
        || operator.took_keys
        || world
            .get_resource::<ButtonInput<KeyCode>>()
            .is_some_and(|k| {
                use crate::app::control::keys::{ALT, CTRL, held};
                held(k, CTRL) && held(k, ALT)
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
            apply(world, DemoAction::Input);
            if let Some(edit) = edit {
                crate::app::control::editing::apply_edit(world, &edit);
                fly_to_the_house(world, &edit);
            }
        }
    }
}

/// The camera flies to the house that `edit` changed, close enough to see
/// its new panels or battery, keeping its angle.
fn fly_to_the_house(world: &mut World, edit: &crate::scenario::edit::Edit) {
    use crate::scenario::edit::Edit;
    let (Edit::AddPv { house, .. } | Edit::AddBattery { house, .. }) = edit else {
        return;
    };
    let focus = {
        let hood = &world.resource::<crate::sim::Neighbourhood>().0;
        crate::app::world::camera::focus_of(hood, house)
    };
    let Some(focus) = focus else {
        return;
    };
    let from = world
        .query::<&crate::app::world::camera::OrbitCamera>()
        .iter(world)
        .next()
        .copied();
    // Headless there is no camera: the flight starts where it ends, as a tour's does.
    let to = crate::app::world::camera::OrbitCamera {
        focus,
        distance: 45.0,
        ..from.unwrap_or(crate::app::world::camera::OrbitCamera {
            focus,
            yaw: 0.6,
            pitch: 0.6,
            distance: 45.0,
        })
    };
    world.resource_mut::<DemoMode>().flight = Some((from.unwrap_or(to), to, 0.0));
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
/// saves or quits (the operator panel quits through its own button), and
/// nothing that ends the mission's storm early or changes its clock.
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
    // The mission's storm, clock and weather play out as set.
    let mission_runs = mode.mission.is_some()
        && matches!(
            action,
            Action::ToggleOutage
                | Action::TogglePriceSpike
                | Action::SetPrice(_)
                | Action::CycleClouds
                | Action::SetClouds(_)
                | Action::CycleWind
                | Action::SetWind(_)
                | Action::Faster
                | Action::Slower
                | Action::SetSpeed(_)
                | Action::TogglePause
                | Action::SetPaused(_)
                | Action::JumpToHour(_)
                | Action::JumpToNext
        );
    if closed {
        Err("not in the demo".into())
    } else if mission_runs {
        Err("not during the mission".into())
    } else {
        Ok(())
    }
}
