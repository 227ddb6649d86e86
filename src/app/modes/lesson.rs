//! Guided lessons: a teacher's sequence of steps over a scenario, each with
//! large-type text, an optional camera focus, a "Show me" that performs
//! the step's actions through the script path, and a condition that moves
//! the lesson on (the outage is on, the neighbourhood islanded, a battery
//! was added, the clock reached 19:00, or the user pressed Next).
//!
//! `scenes/lessons/*.lesson.ron`; docs/writing-lessons.md explains each
//! field. Conditions are judged by [`met`], a pure function of a
//! [`Snapshot`] of the simulation and the [`Baseline`] taken when the step
//! began.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::app::control::action::Action;
use crate::app::control::mode::{self, Mode};
use crate::app::control::queue::{ApplyAction, PendingActions};
use crate::app::control::script::ScriptAction;
use crate::app::control::source::LeavingNeighbourhood;
use crate::challenge::Tool;
use crate::lang::{Text, tr};
use crate::market::Mechanism;
use crate::scenario::error::{Locator, ScenarioError, read_ron};
use crate::scenario::{Built, ClockTime, Scenario};
use crate::sim::grid_mode::{GridMode, GridState};
use crate::sim::island::{EventKind, EventLog};
use crate::sim::{Neighbourhood, SimClock};

/// Most steps a lesson may have.
pub const MAX_STEPS: usize = 60;
/// Longest text of a step, characters (it must fit on a projector).
pub const MAX_TEXT_CHARS: usize = 700;

/// A lesson as written in its file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Shown in the list and above every step, in one language or several
    /// (`{"en": "...", "de": "..."}`).
    pub title: Text,
    /// The scenario it runs on, relative to the lesson file.
    pub scenario: String,
    /// About how long it takes in class, minutes.
    #[serde(default, deserialize_with = "crate::scenario::checked::count")]
    pub minutes: u32,
    /// The steps, in order.
    pub steps: Vec<LessonStep>,
}

/// One step of a lesson.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonStep {
    /// What to read, a few sentences, in one language or several.
    pub text: Text,
    /// Turn the camera to this: a bus, a house, a turbine or "the transformer".
    #[serde(default)]
    pub focus: Option<String>,
    /// Done when the step begins (set the speed, jump to an hour). A step
    /// that waits for Next stops the clock first, any other runs it.
    #[serde(default)]
    pub on_enter: Vec<ScriptAction>,
    /// What "Show me" does, through the script path.
    #[serde(default)]
    pub show_me: Vec<ScriptAction>,
    /// What moves the lesson on [default: the Next button].
    #[serde(default)]
    pub until: Until,
}

/// What moves a lesson on to its next step.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
pub enum Until {
    /// The user presses Next.
    #[default]
    Next,
    /// The main grid is down (by the G key or the timeline).
    OutageOn,
    /// The breaker is open: an island (or a blackout).
    Islanded,
    /// The breaker closed again after this step began.
    Reconnected,
    /// A stage of load was shed after this step began.
    Shedding,
    /// The island went dark.
    Blackout,
    /// The clock passed this time of day after the step began.
    ClockAt(ClockTime),
    /// A part of this kind was added (a battery, PV, a car, a turbine, a house, a cable).
    Added(Tool),
    /// The import price is at least this, EUR/kWh.
    PriceAbove(#[serde(deserialize_with = "crate::scenario::checked::price_eur_per_kwh")] f64),
    /// The local market uses this mechanism.
    Market(Mechanism),
    /// The highest bus voltage is at least this, per unit.
    VoltageAbove(#[serde(deserialize_with = "crate::scenario::checked::voltage_pu")] f64),
    /// The home batteries hold at most this share of their capacity, percent.
    BatteryBelow(#[serde(deserialize_with = "crate::scenario::checked::percent_0_100")] f64),
    /// The worst voltage unbalance at a house is at least this, percent
    /// (a scenario solved per phase).
    UnbalanceAbove(#[serde(deserialize_with = "crate::scenario::checked::percent_0_100")] f64),
    /// The worst voltage unbalance at a house is below this, percent.
    UnbalanceBelow(#[serde(deserialize_with = "crate::scenario::checked::percent_0_100")] f64),
}

impl Until {
    /// What the user is waiting for, for the panel, in the language in force.
    pub fn hint(&self) -> String {
        use crate::lang::num;
        use crate::tr;
        match self {
            Until::Next => tr("lesson.until_next").to_owned(),
            Until::OutageOn => tr("lesson.until_outage").to_owned(),
            Until::Islanded => tr("lesson.until_islanded").to_owned(),
            Until::Reconnected => tr("lesson.until_reconnected").to_owned(),
            Until::Shedding => tr("lesson.until_shedding").to_owned(),
            Until::Blackout => tr("lesson.until_blackout").to_owned(),
            Until::ClockAt(t) => tr!("lesson.until_clock", at = t.0.format("%H:%M")),
            Until::Added(tool) => tr!("lesson.until_added", tool = tool.label()),
            Until::PriceAbove(p) => tr!("lesson.until_price", eur = num(*p, 2)),
            Until::Market(m) => tr!(
                "lesson.until_market",
                market = crate::app::theme::names::market_name(*m)
            ),
            Until::VoltageAbove(v) => tr!("lesson.until_voltage", pu = num(*v, 2)),
            Until::BatteryBelow(s) => tr!("lesson.until_battery", percent = num(*s, 0)),
            Until::UnbalanceAbove(u) => tr!("lesson.until_unbalance_above", percent = num(*u, 1)),
            Until::UnbalanceBelow(u) => tr!("lesson.until_unbalance_below", percent = num(*u, 1)),
        }
    }
}

/// What the conditions read from the simulation, now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// The clock.
    pub now: Option<NaiveDateTime>,
    /// How the neighbourhood runs.
    pub mode: Option<GridMode>,
    /// The main grid is energised.
    pub grid_available: bool,
    /// Length of the event log.
    pub events: usize,
    /// Breaker closings logged since the step began.
    pub breaker_closings: usize,
    /// Shed stages logged since the step began.
    pub sheddings: usize,
    /// Parts of each kind.
    pub parts: [usize; 6],
    /// Import price, EUR/kWh.
    pub price: f64,
    /// The market's mechanism.
    pub market: Option<Mechanism>,
    /// Highest bus voltage of the last step, pu.
    pub v_max_pu: f64,
    /// Stored energy of the home batteries, percent.
    pub battery_percent: f64,
    /// The worst voltage unbalance at a house now, percent (none unless
    /// the scenario is solved per phase and powered).
    pub unbalance_percent: Option<f64>,
}

/// The snapshot when a step began.
pub type Baseline = Snapshot;

/// The part kinds [`Snapshot::parts`] counts, in order.
const COUNTED: [Tool; 6] = [
    Tool::Pv,
    Tool::Battery,
    Tool::Car,
    Tool::Turbine,
    Tool::House,
    Tool::Cable,
];

/// How many parts of each counted kind `s` has.
fn parts(s: &Scenario) -> [usize; 6] {
    [
        s.houses.iter().filter(|h| h.pv.is_some()).count(),
        s.houses.iter().filter(|h| h.battery.is_some()).count(),
        s.houses.iter().filter(|h| h.ev.is_some()).count(),
        s.wind_turbines.len(),
        s.houses.len(),
        s.feeders.iter().map(|f| f.lines.len()).sum(),
    ]
}

impl Snapshot {
    /// Reads the simulation; events are counted from the log's `since`th
    /// (the length when the step began: a frame reads only what is new).
    pub fn of(world: &World, since: usize) -> Self {
        let mut s = Snapshot::default();
        if let Some(clock) = world.get_resource::<SimClock>() {
            s.now = Some(clock.now());
        }
        if let Some(g) = world.get_resource::<GridState>() {
            s.mode = Some(g.mode);
            s.grid_available = g.grid_available && !g.manual_outage;
        }
        if let Some(log) = world.get_resource::<EventLog>() {
            s.events = log.0.len();
            let new = log.0.get(since..).unwrap_or(&[]);
            let count = |kind| new.iter().filter(|e| e.kind == kind).count();
            s.breaker_closings = count(EventKind::BreakerClose);
            s.sheddings = count(EventKind::ShedStage);
        }
        if let Some(hood) = world.get_resource::<Neighbourhood>() {
            s.parts = parts(&hood.0.scenario);
        }
        if let Some(p) = world.get_resource::<crate::sim::prices::CurrentPrices>() {
            s.price = p.import_eur_per_kwh;
        }
        if let Some(m) = world.get_resource::<crate::sim::market::Market>() {
            s.market = Some(m.settings.mechanism);
        }
        if let Some(r) = world.get_resource::<crate::sim::metrics::StepRecord>() {
            s.v_max_pu = r.v_max_pu;
            s.battery_percent = r.battery_soc_percent;
        }
        // From the solution itself, which an edit solves again at once.
        if let Some(n) = world.get_resource::<crate::sim::network::NetworkState>() {
            s.unbalance_percent = n
                .phases
                .as_ref()
                .map(|p| p.worst_customer_unbalance_percent());
        }
        s
    }
}

/// The first instant at or after `from` whose time of day is `at`.
pub fn next_at(from: NaiveDateTime, at: ClockTime) -> NaiveDateTime {
    let same_day = from.date().and_time(at.0);
    if same_day >= from {
        same_day
    } else {
        same_day + chrono::Duration::days(1)
    }
}

/// Whether `until` holds now (`now`) for a step that began at `base`.
pub fn met(until: &Until, now: &Snapshot, base: &Baseline) -> bool {
    match until {
        Until::Next => false,
        Until::OutageOn => !now.grid_available,
        Until::Islanded => now.mode.is_some_and(|m| m != GridMode::Connected),
        Until::Reconnected => now.breaker_closings > base.breaker_closings,
        Until::Shedding => now.sheddings > base.sheddings,
        Until::Blackout => now.mode == Some(GridMode::Blackout),
        Until::ClockAt(at) => match (now.now, base.now) {
            (Some(t), Some(began)) => t >= next_at(began, *at) && t > began,
            _ => false,
        },
        Until::Added(tool) => COUNTED
            .iter()
            .position(|t| t == tool)
            .is_some_and(|i| now.parts[i] > base.parts[i]),
        Until::PriceAbove(p) => now.price >= *p,
        Until::Market(m) => now.market == Some(*m),
        Until::VoltageAbove(v) => now.v_max_pu >= *v,
        Until::BatteryBelow(s) => now.battery_percent <= *s,
        Until::UnbalanceAbove(u) => now.unbalance_percent.is_some_and(|x| x >= *u),
        Until::UnbalanceBelow(u) => now.unbalance_percent.is_some_and(|x| x < *u),
    }
}

/// A checked lesson with the scenario it runs on.
#[derive(Debug, Clone)]
pub struct PreparedLesson {
    /// The lesson file.
    pub file: PathBuf,
    /// What it says.
    pub lesson: Lesson,
    /// The scenario file.
    pub scenario_file: PathBuf,
    /// The scenario, built.
    pub start: Built,
}

impl PreparedLesson {
    /// Reads and checks a lesson file and its scenario.
    pub fn load(path: &Path) -> Result<Self, Vec<ScenarioError>> {
        let file = path.display().to_string();
        let (lesson, text): (Lesson, _) =
            read_ron(path, "Lesson", "scenes/lessons/01-one-customer.lesson.ron")?;
        let loc = Locator::new(&file, &text);
        let mut errors = Vec::new();
        if lesson.steps.is_empty() || lesson.steps.len() > MAX_STEPS {
            errors.push(loc.error_at_text(
                "steps",
                0,
                format!(
                    "a lesson needs 1 to {MAX_STEPS} steps; it has {}",
                    lesson.steps.len()
                ),
            ));
        }
        for (n, step) in lesson.steps.iter().enumerate() {
            for lang in step.text.languages() {
                let chars = step.text.in_lang(lang).chars().count();
                if chars > MAX_TEXT_CHARS {
                    errors.push(loc.error_at_text("text", n, format!(
                        "step {} has {chars} characters of text in \"{}\", more than {MAX_TEXT_CHARS}; split it into two steps",
                        n + 1,
                        lang.code()
                    )));
                }
            }
        }
        let actions = lesson
            .steps
            .iter()
            .flat_map(|s| s.on_enter.iter().chain(&s.show_me));
        crate::app::control::script::check_content_writes(actions, &loc, &mut errors);
        let Some(scenario_file) = loc.scenario_beside(path, &lesson.scenario, &mut errors) else {
            return Err(errors);
        };
        let start = crate::scenario::load_and_build(&scenario_file)?;
        for step in &lesson.steps {
            if let Some(focus) = &step.focus
                && crate::app::world::layout::place_position(&start, focus).is_none()
            {
                errors.push(loc.error_at_text(
                    &format!("\"{focus}\""),
                    0,
                    format!(
                        "focus \"{focus}\" is no bus, house, turbine or \"the transformer\" of {}",
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
            lesson,
            scenario_file,
            start,
        })
    }
}

pub use crate::app::control::action::LessonAction;

/// The lesson being followed.
#[derive(Resource, Debug, Clone)]
pub struct LessonMode {
    /// The lesson.
    pub prepared: PreparedLesson,
    /// The step shown (0-based).
    pub step: usize,
    /// The simulation when the step began.
    pub base: Baseline,
    /// Every step was reached.
    pub finished: bool,
    /// Where a finished lesson is recorded ([`crate::challenge::progress::path`]).
    pub progress_file: Option<PathBuf>,
    /// The step moves on by itself when its condition holds (not after Back).
    pub auto: bool,
    /// When the step began, wall seconds (the app's real time).
    pub entered_s: f64,
    /// Least time a step is shown before its condition moves it on, so that
    /// a condition already true does not skip it unread (tests set 0).
    pub min_dwell_s: f64,
}

/// Least wall time a step is shown before its condition moves it on, s.
pub const MIN_DWELL_S: f64 = 8.0;

fn real_now(world: &World) -> f64 {
    world
        .get_resource::<Time<Real>>()
        .map_or(0.0, |t| t.elapsed_secs_f64())
}

pub(super) fn plugin(app: &mut App) {
    app.add_observer(follow_when_asked);
    app.add_observer(leave_the_lesson);
    app.add_systems(
        Update,
        follow_the_lesson
            .in_set(crate::app::frame::AppSystems::Present)
            .run_if(resource_exists::<LessonMode>),
    );
}

/// Opening a lesson and its buttons (next, back, show me, close).
fn follow_when_asked(action: On<ApplyAction>, mut commands: Commands) {
    match &action.0 {
        Action::OpenLesson(path) => {
            let path = path.clone();
            commands.queue(move |world: &mut World| open(world, &path));
        }
        Action::Lesson(step) => {
            let step = *step;
            commands.queue(move |world: &mut World| apply(world, step));
        }
        _ => {}
    }
}

/// Another neighbourhood opens: the lesson ends.
fn leave_the_lesson(
    _: On<LeavingNeighbourhood>,
    lesson: Option<Res<LessonMode>>,
    mut commands: Commands,
) {
    if lesson.is_some() {
        commands.remove_resource::<LessonMode>();
        // At once (the opener's flush runs it), so that a mode opened next wins.
        commands.queue(|world: &mut World| mode::enter(world, Mode::Sandbox));
    }
}

/// Moves the lesson on when its step's condition holds.
fn follow_the_lesson(world: &mut World) {
    let since = world.resource::<LessonMode>().base.events;
    let now = Snapshot::of(world, since);
    let shown_s = real_now(world) - world.resource::<LessonMode>().entered_s;
    let moves_on = {
        let mode = world.resource::<LessonMode>();
        let step = &mode.prepared.lesson.steps[mode.step];
        mode.auto
            && !mode.finished
            && shown_s >= mode.min_dwell_s
            && met(&step.until, &now, &mode.base)
    };
    if moves_on {
        apply(world, LessonAction::Next);
    }
}

/// Opens the lesson at `path`: its scenario replaces the running one and
/// the first step shows. A bad file leaves everything as it is and shows
/// its errors.
pub fn open(world: &mut World, path: &Path) {
    match PreparedLesson::load(path) {
        Ok(prepared) => {
            let (scenario_file, start) = (prepared.scenario_file.clone(), prepared.start.clone());
            crate::app::control::source::open_neighbourhood(world, &scenario_file, start);
            world.insert_resource(LessonMode {
                prepared,
                step: 0,
                base: Snapshot::default(),
                finished: false,
                progress_file: crate::challenge::progress::path(),
                auto: true,
                entered_s: 0.0,
                min_dwell_s: MIN_DWELL_S,
            });
            mode::enter(world, Mode::Lesson);
            enter(world, 0, true);
        }
        Err(errors) => crate::app::control::source::show_load_errors(world, path, &errors),
    }
}

/// Shows step `n`: its camera focus, its entry actions, a fresh baseline;
/// `auto`: its condition may move it on (not when it was gone back to).
fn enter(world: &mut World, n: usize, auto: bool) {
    let entered_s = real_now(world);
    let step = {
        let mut mode = world.resource_mut::<LessonMode>();
        mode.step = n;
        mode.auto = auto;
        mode.entered_s = entered_s;
        mode.prepared.lesson.steps[n].clone()
    };
    if let Some(place) = &step.focus {
        crate::app::world::camera::look_at(world, place);
    }
    // A step read at the class's pace waits with the clock stopped; a step
    // waiting for something to happen runs it (its own entry actions may
    // say otherwise).
    world
        .resource_mut::<PendingActions>()
        .push(Action::SetPaused(step.until == Until::Next));
    queue(world, &step.on_enter);
    // The entry actions run before the baseline is taken (next frame's
    // check compares with the world they made).
    crate::app::control::queue::apply_actions(world);
    let events = world.get_resource::<EventLog>().map_or(0, |l| l.0.len());
    let base = Snapshot::of(world, events);
    world.resource_mut::<LessonMode>().base = base;
}

fn queue(world: &mut World, actions: &[ScriptAction]) {
    let mut pending = world.resource_mut::<PendingActions>();
    for a in actions {
        pending.push(a.to_action());
    }
}

/// Skipping a step that waits for a time of day runs the clock there
/// first (a jump, with its progress bar), so the next step's words meet
/// the hour they speak of; returns whether a jump started.
fn catch_up_the_clock(world: &mut World) -> bool {
    let (until, began) = {
        let mode = world.resource::<LessonMode>();
        (mode.prepared.lesson.steps[mode.step].until, mode.base.now)
    };
    let (Until::ClockAt(at), Some(began)) = (until, began) else {
        return false;
    };
    let clock = world.resource::<SimClock>();
    let now = clock.now();
    let target = next_at(began, at);
    if now >= target {
        return false;
    }
    let seconds = u64::try_from((target - now).num_seconds()).unwrap_or(0);
    let steps = seconds.div_ceil(u64::from(clock.step_s.max(1)));
    crate::app::control::long_work::start_jump(
        world,
        crate::tr!("control.jumping_to", at = at.0.format("%H:%M")),
        steps,
    );
    true
}

/// The next step's pause (a step read at the class's pace stops the
/// clock, one that waits runs it) waits for the jump's end; during the
/// jump the clock stays stopped, so no step is run twice.
fn hold_the_pause_for_the_jump(world: &mut World) {
    let wanted = world.resource::<SimClock>().paused;
    if let Some(mut jump) = world.get_resource_mut::<crate::app::control::long_work::Jump>() {
        jump.was_paused = wanted;
        world.resource_mut::<SimClock>().paused = true;
    }
}

/// Carries out a lesson action.
pub fn apply(world: &mut World, action: LessonAction) {
    let Some((step, count)) = world
        .get_resource::<LessonMode>()
        .map(|m| (m.step, m.prepared.lesson.steps.len()))
    else {
        return;
    };
    match action {
        LessonAction::Next if step + 1 < count => {
            let jumping = catch_up_the_clock(world);
            enter(world, step + 1, true);
            if jumping {
                hold_the_pause_for_the_jump(world);
            }
        }
        LessonAction::Next => {
            let (stem, file) = {
                let mut mode = world.resource_mut::<LessonMode>();
                mode.finished = true;
                (
                    crate::challenge::stem_of(&mode.prepared.file),
                    mode.progress_file.clone(),
                )
            };
            if let Some(file) = file {
                let mut record = crate::challenge::progress::load_from(&file);
                if record.record(&stem, 1, 1, 0) {
                    let _ = crate::challenge::progress::save_to(&record, &file);
                }
            }
        }
        LessonAction::Back if step > 0 => enter(world, step - 1, false),
        LessonAction::Back => {}
        LessonAction::ShowMe => {
            let show = world.resource::<LessonMode>().prepared.lesson.steps[step]
                .show_me
                .clone();
            queue(world, &show);
        }
        LessonAction::Close => {
            world.remove_resource::<LessonMode>();
            mode::enter(world, Mode::Sandbox);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<NaiveDateTime> {
        crate::scenario::parse_date_time(text).ok()
    }

    #[test]
    fn conditions_compare_now_with_the_step_s_start() {
        let base = Snapshot {
            now: at("2025-06-21 18:30"),
            mode: Some(GridMode::Connected),
            grid_available: true,
            ..Snapshot::default()
        };
        let mut now = base.clone();
        assert!(!met(&Until::Next, &now, &base));
        assert!(!met(&Until::OutageOn, &now, &base));
        now.grid_available = false;
        assert!(met(&Until::OutageOn, &now, &base));
        assert!(!met(&Until::Islanded, &now, &base));
        now.mode = Some(GridMode::Islanded);
        assert!(met(&Until::Islanded, &now, &base));
        let seven = Until::ClockAt(ClockTime(
            chrono::NaiveTime::from_hms_opt(19, 0, 0).unwrap_or_default(),
        ));
        now.now = at("2025-06-21 18:59");
        assert!(!met(&seven, &now, &base));
        now.now = at("2025-06-21 19:00");
        assert!(met(&seven, &now, &base));
        // Begun after 19:00, the clock must reach the next day's.
        let late = Snapshot {
            now: at("2025-06-21 20:00"),
            ..base.clone()
        };
        now.now = at("2025-06-21 20:30");
        assert!(!met(&seven, &now, &late));
        now.now = at("2025-06-22 19:00");
        assert!(met(&seven, &now, &late));
        now.parts[1] = 1;
        assert!(met(&Until::Added(Tool::Battery), &now, &base));
        assert!(!met(&Until::Added(Tool::Pv), &now, &base));
        now.breaker_closings = 1;
        assert!(met(&Until::Reconnected, &now, &base));
    }
}
