//! Everything a user can do in the window, as [`Action`]s: the egui panels
//! and the keyboard only queue actions, and [`apply_actions`] carries them out
//! on the simulation through its public events. No render types here, so the
//! controls run (and are tested) headless.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use chrono::{NaiveTime, Timelike};

use super::{editing, long_work};
use crate::market::Mechanism;
use crate::sim::devices::{SetWeather, WeatherModel};
use crate::sim::grid_mode::GridState;
use crate::sim::island::SetGridOutage;
use crate::sim::market::{Market, SetMarket};
use crate::sim::prices::{CurrentPrices, SetPrice};
use crate::sim::{self, SimClock};

/// Speeds offered by the time controls, simulated seconds per real second.
pub const SPEEDS: [f64; 7] = [1.0, 10.0, 60.0, 300.0, 600.0, 1800.0, 3600.0];

/// The speed the window opens at: ten minutes a second, a day in 2.4 minutes.
pub const DEFAULT_SPEED: f64 = 600.0;

/// Import price the "price spike" shortcut sets, EUR/kWh.
pub const SPIKE_PRICE_EUR_PER_KWH: f64 = 1.50;

/// Times of day the "jump" control visits in turn.
pub const JUMP_HOURS: [u32; 4] = [6, 12, 18, 0];

/// Cloud cover the cloud shortcut cycles through (None: the weather model).
pub const CLOUD_PRESETS: [Option<f64>; 4] = [None, Some(0.0), Some(4.0), Some(8.0)];

/// Wind speeds the wind shortcut cycles through, m/s (None: the weather model).
pub const WIND_PRESETS: [Option<f64>; 4] = [None, Some(0.0), Some(6.0), Some(14.0)];

/// One thing the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Cut the grid, or give it back.
    ToggleOutage,
    /// Override the import price (EUR/kWh), or go back to the tariff.
    SetPrice(Option<f64>),
    /// Spike the price to [`SPIKE_PRICE_EUR_PER_KWH`], or end the spike.
    TogglePriceSpike,
    /// Pause or resume.
    TogglePause,
    /// Pause (`true`) or run.
    SetPaused(bool),
    /// Save the window as a PNG at this path.
    Screenshot(PathBuf),
    /// Run exactly one step (pauses first).
    StepOnce,
    /// Next speed up in [`SPEEDS`].
    Faster,
    /// Next speed down in [`SPEEDS`].
    Slower,
    /// Run at this speed (clamped by the clock).
    SetSpeed(f64),
    /// Run the simulation forward to the next time this hour of day strikes.
    JumpToHour(u32),
    /// Jump to the next of [`JUMP_HOURS`] after the current time.
    JumpToNext,
    /// Fix the cloud cover in oktas, or give it back to the weather model.
    SetClouds(Option<f64>),
    /// Next of [`CLOUD_PRESETS`].
    CycleClouds,
    /// Fix the wind speed in m/s, or give it back to the weather model.
    SetWind(Option<f64>),
    /// Next of [`WIND_PRESETS`].
    CycleWind,
    /// Open another scenario file; on errors the running one stays.
    LoadScenario(PathBuf),
    /// Load the running scenario's file again (after editing it).
    Reload,
    /// Price local trades by this mechanism from the next interval on.
    SetMarket(Mechanism),
    /// Next mechanism in [`MARKET_CYCLE`].
    CycleMarket,
    /// Change the neighbourhood while it runs (build mode, scripts).
    Edit(crate::scenario::edit::Edit),
    /// Predict what an edit would do now, without making it (see [`EditPreview`]).
    Preview(crate::scenario::edit::Edit),
    /// Take the last edit back.
    Undo,
    /// Do the last undone edit again.
    Redo,
    /// Write the edited neighbourhood over its file (not a shipped one).
    Save,
    /// Write the edited neighbourhood to this file, which becomes the running one's.
    SaveAs(PathBuf),
    /// Close the window.
    Quit,
    /// Close the window as its close button asks (held while edits are unsaved).
    CloseWindow,
    /// Go on with the action that was held for unsaved edits, dropping them.
    DiscardEdits,
    /// Keep the unsaved edits: the held action is dropped instead.
    KeepEdits,
    /// Stop a jump where it is.
    CancelJump,
    /// Close the error dialog and keep the running scenario as it is.
    DismissErrors,
    /// A step of the challenge being played (see [`super::challenge_mode`]).
    Challenge(super::challenge_mode::ChallengeAction),
    /// Open a challenge file (`*.challenge.ron`) and show its briefing.
    OpenChallenge(PathBuf),
    /// Turn the camera to a house, a turbine, a bus, a cable ("the cable A - B") or "the transformer".
    LookAt(String),
    /// Open a lesson file (`*.lesson.ron`) at its first step.
    OpenLesson(PathBuf),
    /// A step of the lesson being followed (see [`super::lesson`]).
    Lesson(super::lesson::LessonAction),
    /// A step of the public demo (see [`super::demo`]).
    Demo(super::demo::DemoAction),
    /// Show every text in this language from now on.
    SetLanguage(crate::lang::Lang),
    /// Draw the 3D view this way from now on (see [`super::graphics`]).
    SetGraphics(super::graphics::GraphicsSetting),
    /// Open a panel (scripts, tours; the keys toggle them directly).
    Show(Panel),
}

/// A panel a script can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Panel {
    /// The help overlay (F1).
    Help,
    /// Build mode (B).
    Build,
    /// The list of challenges and lessons (L).
    Challenges,
    /// The charts panel (Tab).
    Charts,
}

/// The mechanisms the M key cycles through.
pub const MARKET_CYCLE: [Mechanism; 5] = [
    Mechanism::SupplyDemandRatio,
    Mechanism::MidMarketRate,
    Mechanism::BillSharing,
    Mechanism::Auction,
    Mechanism::None,
];

/// An action held back because it would drop unsaved edits: the window asks
/// first ([`Action::DiscardEdits`] goes on, [`Action::KeepEdits`] does not).
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct HeldForUnsavedEdits {
    /// What was asked for (loading a scenario, reloading, closing the window).
    pub action: Action,
    /// How many edits would be lost.
    pub edits: usize,
}

/// The last edit previewed and what it would do (or why it cannot be made).
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct EditPreview {
    /// The edit.
    pub edit: crate::scenario::edit::Edit,
    /// Its predicted effect now.
    pub result: Result<crate::sim::preview::Preview, String>,
    /// The clock's step it was computed at.
    pub at_step: u64,
    /// How many edits had been made when it was computed (another edit makes it stale).
    pub at_edits: usize,
}

/// Whether `action` would drop the running neighbourhood's edits (it
/// replaces the neighbourhood or closes the window).
pub fn drops_edits(action: &Action) -> bool {
    matches!(
        action,
        Action::LoadScenario(_)
            | Action::Reload
            | Action::CloseWindow
            | Action::OpenChallenge(_)
            | Action::OpenLesson(_)
    )
}

/// Actions waiting for [`apply_actions`], in the order they were asked for.
#[derive(Resource, Debug, Default)]
pub struct PendingActions(pub Vec<Action>);

impl PendingActions {
    /// Queues an action.
    pub fn push(&mut self, action: Action) {
        self.0.push(action);
    }
}

/// The scenario file on show, the others the picker offers, and the errors
/// of the last file that failed to load.
#[derive(Resource, Debug, Clone, Default)]
pub struct ScenarioSource {
    /// File of the running scenario.
    pub path: PathBuf,
    /// Scenario files next to it (the picker's list).
    pub available: Vec<PathBuf>,
    /// Errors of the last failed load (file:line:column each), empty after a good one.
    pub errors: Vec<String>,
    /// The file those errors are about.
    pub failed_path: Option<PathBuf>,
    /// The folder the running scenario's series files are named from (the
    /// folder it was loaded from; a save elsewhere does not move it).
    pub series_base: PathBuf,
}

impl ScenarioSource {
    /// The running scenario at `path`, with the `*.scenario.ron` files in its folder.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            available: scenario_files(path.parent().unwrap_or(Path::new("."))),
            errors: Vec::new(),
            failed_path: None,
            series_base: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        }
    }
}

/// The `*.scenario.ron` files in `folder`, sorted by name (empty if unreadable).
pub fn scenario_files(folder: &Path) -> Vec<PathBuf> {
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".scenario.ron"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The next speed in [`SPEEDS`] above (`up`) or below the current one.
pub fn next_speed(current: f64, up: bool) -> f64 {
    if up {
        SPEEDS
            .iter()
            .copied()
            .find(|&s| s > current + 1e-9)
            .unwrap_or(SPEEDS[SPEEDS.len() - 1])
    } else {
        SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|&s| s < current - 1e-9)
            .unwrap_or(SPEEDS[0])
    }
}

/// Steps of `step_s` seconds from `now` until the clock first shows `hour`:00
/// (a full day when it shows it already).
pub fn steps_until_hour(now: NaiveTime, hour: u32, step_s: u32) -> u64 {
    let now_s = i64::from(now.num_seconds_from_midnight());
    let target_s = i64::from(hour % 24) * 3600;
    let mut wait_s = (target_s - now_s).rem_euclid(86_400);
    if wait_s == 0 {
        wait_s = 86_400;
    }
    (wait_s as u64).div_ceil(u64::from(step_s.max(1)))
}

/// The first of [`JUMP_HOURS`] strictly after `now` in the day's order.
pub fn next_jump_hour(now: NaiveTime) -> u32 {
    let h = now.hour();
    let mut sorted = JUMP_HOURS;
    sorted.sort_unstable();
    sorted.iter().copied().find(|&j| j > h).unwrap_or(sorted[0])
}

/// The preset after `current` in `presets` (the first if `current` is not one).
pub fn next_preset(presets: &[Option<f64>], current: Option<f64>) -> Option<f64> {
    let at = presets.iter().position(|&p| p == current);
    match at {
        Some(i) => presets[(i + 1) % presets.len()],
        None => presets[0],
    }
}

/// Adds the action queue and the system that carries it out before the
/// simulation's steps each frame.
pub fn plugin(app: &mut App) {
    app.init_resource::<PendingActions>();
    app.add_systems(
        Update,
        super::script::play_script.in_set(super::AppSystems::Input),
    );
    app.add_systems(
        Update,
        (apply_actions, run_long_work, quit_when_done)
            .chain()
            .in_set(super::AppSystems::ApplyActions),
    );
}

/// The window is to close once the screenshots asked for are written.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuitRequested;

/// Ends the app once quitting was asked for and no screenshot is pending.
pub fn quit_when_done(world: &mut World) {
    if !world.contains_resource::<QuitRequested>() {
        return;
    }
    let busy = world
        .get_resource::<super::capture::ScreenshotRequest>()
        .is_some_and(|r| r.requested || r.pending > 0);
    if !busy {
        world.remove_resource::<QuitRequested>();
        world.write_message(AppExit::Success);
    }
}

/// One frame's slice of the long work (exclusive system): a jump runs on,
/// a scenario that finished loading replaces the running one.
pub fn run_long_work(world: &mut World) {
    if let Some((path, result)) = long_work::advance(world) {
        apply_loaded(world, &path, result);
    }
}

/// Finishes every jump and load now (tests and the headless paths).
pub fn finish_long_work(world: &mut World) {
    while world.contains_resource::<long_work::Jump>()
        || world.contains_resource::<long_work::Loading>()
    {
        if let Some((path, result)) = long_work::finish(world) {
            apply_loaded(world, &path, result);
        }
    }
}

/// Carries out the queued actions, in order (exclusive system).
pub fn apply_actions(world: &mut World) {
    let actions = std::mem::take(&mut world.resource_mut::<PendingActions>().0);
    for action in actions {
        apply(world, action);
    }
}

fn apply(world: &mut World, action: Action) {
    if drops_edits(&action) {
        let edits = world.resource::<editing::EditHistory>();
        if edits.unsaved() && !edits.done.is_empty() {
            let edits = edits.unsaved_count();
            world.insert_resource(HeldForUnsavedEdits { action, edits });
            return;
        }
    }
    // A scenario being read replaces the running one when it lands: an edit
    // made meanwhile would be lost.
    if matches!(action, Action::Edit(_) | Action::Undo | Action::Redo)
        && world.contains_resource::<long_work::Loading>()
    {
        world
            .resource_mut::<editing::EditHistory>()
            .refuse(crate::lang::tr("control.file_being_read").to_owned());
        return;
    }
    if super::demo::allows(world, &action).is_err() {
        return;
    }
    if let Err(why) = super::challenge_mode::allows(world, &action) {
        world.resource_mut::<editing::EditHistory>().refuse(why);
        return;
    }
    apply_now(world, action);
}

/// Carries out `action` without asking about unsaved edits.
fn apply_now(world: &mut World, action: Action) {
    match action {
        Action::ToggleOutage => {
            let on = world.resource::<GridState>().manual_outage;
            world.trigger(SetGridOutage(!on));
        }
        Action::SetPrice(price) => world.trigger(SetPrice(price)),
        Action::TogglePriceSpike => {
            let spiking = world
                .resource::<CurrentPrices>()
                .override_import_eur_per_kwh
                .is_some();
            world.trigger(SetPrice((!spiking).then_some(SPIKE_PRICE_EUR_PER_KWH)));
        }
        Action::TogglePause => {
            let mut clock = world.resource_mut::<SimClock>();
            clock.paused = !clock.paused;
        }
        Action::SetPaused(paused) => world.resource_mut::<SimClock>().paused = paused,
        Action::Screenshot(path) => {
            if let Some(mut request) = world.get_resource_mut::<super::capture::ScreenshotRequest>()
            {
                request.requested = true;
                request.path = Some(path);
            }
        }
        Action::StepOnce => {
            world.resource_mut::<SimClock>().paused = true;
            sim::step(world);
        }
        Action::Faster | Action::Slower => {
            let mut clock = world.resource_mut::<SimClock>();
            let speed = next_speed(clock.speed, action == Action::Faster);
            clock.set_speed(speed);
        }
        Action::SetSpeed(speed) => world.resource_mut::<SimClock>().set_speed(speed),
        Action::JumpToHour(hour) => jump_to_hour(world, hour),
        Action::JumpToNext => {
            let now = world.resource::<SimClock>().now().time();
            jump_to_hour(world, next_jump_hour(now));
        }
        Action::SetClouds(oktas) => world.trigger(SetWeather {
            cloud_oktas: oktas,
            wind_m_s: world.resource::<WeatherModel>().wind_override_m_s,
        }),
        Action::CycleClouds => {
            let current = world.resource::<WeatherModel>().cloud_override_oktas;
            apply(
                world,
                Action::SetClouds(next_preset(&CLOUD_PRESETS, current)),
            );
        }
        Action::SetWind(speed) => world.trigger(SetWeather {
            cloud_oktas: world.resource::<WeatherModel>().cloud_override_oktas,
            wind_m_s: speed,
        }),
        Action::CycleWind => {
            let current = world.resource::<WeatherModel>().wind_override_m_s;
            apply(world, Action::SetWind(next_preset(&WIND_PRESETS, current)));
        }
        Action::LoadScenario(path) => long_work::start_loading(world, path),
        Action::Reload => {
            let path = world.resource::<ScenarioSource>().path.clone();
            long_work::start_loading(world, path);
        }
        Action::Edit(edit) => editing::apply_edit(world, &edit),
        Action::Preview(edit) => {
            let result = crate::sim::preview::preview(world, &edit);
            let at_step = world.resource::<SimClock>().steps;
            let at_edits = world.resource::<editing::EditHistory>().done.len();
            world.insert_resource(EditPreview {
                edit,
                result,
                at_step,
                at_edits,
            });
        }
        Action::Undo => editing::undo(world),
        Action::Redo => editing::redo(world),
        Action::Save => {
            let path = world.resource::<ScenarioSource>().path.clone();
            save(world, &path);
        }
        Action::SaveAs(path) => save(world, &path),
        Action::Quit | Action::CloseWindow => {
            world.insert_resource(QuitRequested);
        }
        Action::DiscardEdits => {
            // The edits go when the new neighbourhood arrives (a file that
            // fails to load leaves them, still unsaved).
            if let Some(held) = world.remove_resource::<HeldForUnsavedEdits>() {
                apply_now(world, held.action);
            }
        }
        Action::KeepEdits => {
            world.remove_resource::<HeldForUnsavedEdits>();
        }
        Action::CancelJump => long_work::cancel_jump(world),
        Action::DismissErrors => {
            let mut source = world.resource_mut::<ScenarioSource>();
            source.errors.clear();
            source.failed_path = None;
        }
        Action::Challenge(step) => super::challenge_mode::apply(world, step),
        Action::OpenChallenge(path) => super::challenge_mode::open(world, &path),
        Action::LookAt(place) => super::camera::look_at(world, &place),
        Action::SetLanguage(lang) => crate::lang::set(lang),
        Action::Show(panel) => {
            if let Some(mut ui) = world.get_resource_mut::<super::ui::UiState>() {
                match panel {
                    Panel::Help => ui.show_help = true,
                    Panel::Build => ui.build_mode = true,
                    Panel::Challenges => ui.show_challenges = true,
                    Panel::Charts => ui.show_charts = true,
                }
            }
        }
        Action::SetGraphics(setting) => {
            world.insert_resource(super::graphics::Graphics::new(setting));
        }
        Action::OpenLesson(path) => super::lesson::open(world, &path),
        Action::Lesson(step) => super::lesson::apply(world, step),
        Action::Demo(step) => super::demo::apply(world, step),
        Action::SetMarket(mechanism) => world.trigger(SetMarket(mechanism)),
        Action::CycleMarket => {
            let current = world.resource::<Market>().settings.mechanism;
            let at = MARKET_CYCLE.iter().position(|&m| m == current);
            let next = MARKET_CYCLE[at.map_or(0, |i| (i + 1) % MARKET_CYCLE.len())];
            world.trigger(SetMarket(next));
        }
    }
}

/// Saves to `path`; the file becomes the running scenario's.
fn save(world: &mut World, path: &Path) {
    let outcome = editing::save_as(world, path);
    let mut history = world.resource_mut::<editing::EditHistory>();
    match outcome {
        Ok(saved) => {
            history.saved = Some(history.done.len());
            history.message = Some(crate::tr!("save.saved", path = saved.display()));
            history.refused = false;
            // The file is the running scenario's now; its series stay named
            // from the folder it was loaded from (`series_base`).
            let mut source = world.resource_mut::<ScenarioSource>();
            source.path = saved;
        }
        Err(why) => {
            eprintln!("refused: {why}");
            history.message = Some(why);
            history.refused = true;
        }
    }
}

/// Runs the simulation ahead, headless and in slices, up to `hour`:00.
fn jump_to_hour(world: &mut World, hour: u32) {
    let clock = world.resource::<SimClock>();
    let steps = steps_until_hour(clock.now().time(), hour, clock.step_s);
    let at = format!("{:02}:00", hour % 24);
    long_work::start_jump(world, crate::tr!("control.jumping_to", at = at), steps);
}

/// A scenario file read: a good one replaces the running scenario, a bad one
/// leaves it running and keeps the errors for the window to show.
fn apply_loaded(
    world: &mut World,
    path: &Path,
    result: Result<crate::scenario::Built, Vec<crate::scenario::ScenarioError>>,
) {
    match result {
        Ok(built) => open_neighbourhood(world, path, built),
        Err(errors) => show_load_errors(world, path, &errors),
    }
}

/// `built`, read from `path`, replaces the running neighbourhood: a jump
/// and the edits belong to the one they were made on, and a challenge or
/// a lesson being followed is left (the caller starts its own).
pub fn open_neighbourhood(world: &mut World, path: &Path, built: crate::scenario::Built) {
    long_work::cancel_jump(world);
    leave_challenge_and_lesson(world);
    sim::reset(world, built);
    world.insert_resource(editing::EditHistory {
        saved: Some(0),
        ..default()
    });
    let mut source = ScenarioSource::new(path);
    if source.available.is_empty()
        && let Some(old) = world.get_resource::<ScenarioSource>()
    {
        source.available = old.available.clone();
    }
    world.insert_resource(source);
}

/// A file that could not be opened: the running neighbourhood stays and
/// the window shows the errors (on stderr too, for scripts).
pub fn show_load_errors(world: &mut World, path: &Path, errors: &[crate::scenario::ScenarioError]) {
    for e in errors {
        eprintln!("refused: {e}");
    }
    let mut source = world.resource_mut::<ScenarioSource>();
    source.errors = errors.iter().map(ToString::to_string).collect();
    source.failed_path = Some(path.to_path_buf());
}

/// The outage, weather and price set by hand go back to the scenario's
/// (a challenge's run and the demo's tours are the scenario's own).
pub fn clear_manual_controls(world: &mut World) {
    world.trigger(SetGridOutage(false));
    world.trigger(SetWeather {
        cloud_oktas: None,
        wind_m_s: None,
    });
    world.trigger(SetPrice(None));
}

/// Leaves the challenge or lesson being followed: the toolbox offers every
/// tool again and the clock runs on past a challenge's end.
pub fn leave_challenge_and_lesson(world: &mut World) {
    world.remove_resource::<super::lesson::LessonMode>();
    world.remove_resource::<super::challenge_mode::ChallengeMode>();
    if let Some(mut tool) = world.get_resource_mut::<super::build_tool::BuildTool>() {
        tool.allowed = None;
    }
    if let Some(mut clock) = world.get_resource_mut::<SimClock>() {
        clock.stop_at_step = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    #[test]
    fn speeds_step_through_the_list_and_stop_at_its_ends() {
        assert_eq!(next_speed(600.0, true), 1800.0);
        assert_eq!(next_speed(600.0, false), 300.0);
        assert_eq!(next_speed(3600.0, true), 3600.0);
        assert_eq!(next_speed(1.0, false), 1.0);
        // A speed between presets goes to the neighbouring preset.
        assert_eq!(next_speed(100.0, true), 300.0);
        assert_eq!(next_speed(100.0, false), 60.0);
    }

    #[test]
    fn a_jump_waits_for_the_next_stroke_of_the_hour() {
        assert_eq!(steps_until_hour(at(6, 0), 18, 60), 12 * 60);
        assert_eq!(steps_until_hour(at(19, 30), 6, 60), 10 * 60 + 30);
        // Already there: a whole day, not nothing.
        assert_eq!(steps_until_hour(at(12, 0), 12, 900), 96);
        // A step that does not divide the wait lands just after the hour.
        assert_eq!(steps_until_hour(at(11, 59), 12, 900), 1);
        assert_eq!(next_jump_hour(at(5, 0)), 6);
        assert_eq!(next_jump_hour(at(6, 0)), 12);
        assert_eq!(next_jump_hour(at(20, 0)), 0);
    }

    #[test]
    fn presets_cycle_and_unknown_values_restart_the_cycle() {
        assert_eq!(next_preset(&CLOUD_PRESETS, None), Some(0.0));
        assert_eq!(next_preset(&CLOUD_PRESETS, Some(8.0)), None);
        assert_eq!(next_preset(&CLOUD_PRESETS, Some(3.3)), None);
    }
}
