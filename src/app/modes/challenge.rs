//! Playing a challenge in the window: the briefing, the design phase
//! (clock paused, build mode with the allowed tools and the budget), the
//! run with a live meter per goal, and the results.
//!
//! The phases change only through actions ([`ChallengeAction`]), so a
//! button, a key, a script and a test drive them alike. The live meters are
//! [`crate::challenge::Meter`]s fed after every simulation step; the
//! results are the same grade `microgrid challenge` prints, run headless on
//! the design as it was when Run was pressed.

use std::sync::Arc;

use bevy::prelude::*;

use super::build::BuildTool;
use crate::app::control::action::Action;
use crate::app::control::editing::EditHistory;
use crate::app::control::mode::{self, Building, Mode};
use crate::app::control::queue::{ApplyAction, Gate, add_gate};
use crate::app::control::source::LeavingNeighbourhood;
use crate::challenge::{self, Grade, Meter, Prepared, progress};
use crate::lang::tr;
use crate::scenario::Built;
use crate::sim::{Neighbourhood, SimClock, SimulationStep, SimulationSystems};

/// Where the player is in a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the briefing.
    Briefing,
    /// Building, with the clock paused at the start.
    Design,
    /// The events play out.
    Running,
    /// The goals are judged.
    Results,
}

pub use crate::app::control::action::ChallengeAction;

/// The challenge being played.
#[derive(Resource, Debug, Clone)]
pub struct ChallengeMode {
    /// The challenge and its starting design.
    pub prepared: Arc<Prepared>,
    /// Where the player is.
    pub phase: Phase,
    /// One live meter per goal (during and after a run).
    pub meters: Vec<Meter>,
    /// Events of the log already fed to the meters.
    seen: usize,
    /// The design as it was when Run was pressed.
    pub design: Option<Built>,
    /// The last run's grade.
    pub grade: Option<Grade>,
    /// The best so far, from the progress file.
    pub best: Option<progress::Best>,
    /// Simulated seconds per real second during a run.
    pub run_speed: f64,
    /// A new best was set by the last run.
    pub new_best: bool,
    /// Where the stars are kept ([`progress::path`]; tests point it elsewhere).
    pub progress_file: Option<std::path::PathBuf>,
}

impl ChallengeMode {
    /// A challenge about to be briefed.
    pub fn new(prepared: Prepared) -> Self {
        let progress_file = progress::path();
        let best = progress_file
            .as_deref()
            .map(progress::load_from)
            .and_then(|p| p.best.get(&prepared.stem()).copied());
        let hours = prepared.challenge.hours;
        Self {
            meters: prepared.meters(&prepared.start),
            prepared: Arc::new(prepared),
            phase: Phase::Briefing,
            seen: 0,
            design: None,
            grade: None,
            best,
            // A day in about 24 s; a week in about a minute.
            run_speed: if hours > 48.0 { 3600.0 * 3.0 } else { 3600.0 },
            new_best: false,
            progress_file,
        }
    }

    /// The steps a run takes.
    pub fn run_steps(&self) -> u64 {
        self.prepared
            .duration_s()
            .div_ceil(u64::from(challenge::STEP_S))
    }
}

pub(super) fn plugin(app: &mut App) {
    add_gate(app, refuse_during_a_run);
    app.add_observer(play_the_challenge);
    app.add_observer(leave_the_challenge);
    app.add_systems(
        SimulationStep,
        observe_step
            .after(SimulationSystems::Market)
            .run_if(resource_exists::<ChallengeMode>),
    );
    app.add_systems(
        Update,
        (finish_the_run, allow_the_tools)
            .in_set(crate::app::frame::AppSystems::Present)
            .run_if(resource_exists::<ChallengeMode>),
    );
}

/// Opening a challenge and its steps (briefing, design, run, results).
fn play_the_challenge(action: On<ApplyAction>, mut commands: Commands) {
    match &action.0 {
        Action::Challenge(step) => {
            let step = *step;
            commands.queue(move |world: &mut World| apply(world, step));
        }
        Action::OpenChallenge(path) => {
            let path = path.clone();
            commands.queue(move |world: &mut World| open(world, &path));
        }
        Action::ExportResults(student) => {
            let student = student.clone();
            commands.queue(move |world: &mut World| export_results(world, &student));
        }
        _ => {}
    }
}

/// The folder results are exported to for handing in (relative to the
/// working directory, beside `scenes/`).
pub const HAND_IN_FOLDER: &str = "hand-in";

/// A report card to show and photograph: the student, where its PNG goes,
/// and how many frames it has been drawn (the hud draws it, asks for the
/// picture once it is on screen, and drops it after).
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct ReportCard {
    /// The student's name as typed.
    pub student: String,
    /// Where the PNG goes.
    pub png: std::path::PathBuf,
    /// Frames drawn so far.
    pub frames: u32,
}

/// What the JSON of a hand-in holds: who, when, and the grade as
/// `microgrid challenge --json` writes it.
#[derive(serde::Serialize)]
struct HandIn<'a> {
    student: &'a str,
    exported: String,
    grade: &'a Grade,
}

/// `hand-in/<challenge>-<student>-<date and time>` (the student's name made
/// safe for a file name; "student" if it has no letter or digit).
pub fn hand_in_stem(challenge: &str, student: &str, now: chrono::NaiveDateTime) -> String {
    use crate::app::control::editing::slug;
    let who = Some(slug(student))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "student".to_owned());
    format!("{}-{who}-{}", slug(challenge), now.format("%Y%m%d-%H%M%S"))
}

/// Writes the last run's grade as JSON under [`HAND_IN_FOLDER`] and puts up
/// the report card for its PNG; without results, says so.
fn export_results(world: &mut World, student: &str) {
    let Some(grade) = world
        .get_resource::<ChallengeMode>()
        .and_then(|m| m.grade.clone())
    else {
        world
            .resource_mut::<EditHistory>()
            .refuse(tr("challenge.export_no_results").to_owned());
        return;
    };
    let now = chrono::Local::now().naive_local();
    let stem = hand_in_stem(&grade.challenge, student, now);
    let folder = std::path::Path::new(HAND_IN_FOLDER);
    let json = folder.join(format!("{stem}.json"));
    let hand_in = HandIn {
        student: student.trim(),
        exported: now.format("%Y-%m-%d %H:%M:%S").to_string(),
        grade: &grade,
    };
    let written = std::fs::create_dir_all(folder)
        .map_err(|e| e.to_string())
        .and_then(|()| serde_json::to_string_pretty(&hand_in).map_err(|e| e.to_string()))
        .and_then(|text| crate::files::write_atomically(&json, text.as_bytes()));
    let mut note = world.resource_mut::<crate::app::control::requests::StatusNote>();
    match written {
        Ok(()) => {
            note.say(crate::tr!(
                "challenge.exported",
                path = folder.join(&stem).display()
            ));
            world.insert_resource(ReportCard {
                student: student.trim().to_owned(),
                png: folder.join(format!("{stem}.png")),
                frames: 0,
            });
        }
        Err(e) => note.say(crate::tr!(
            "challenge.export_failed",
            path = json.display(),
            error = e
        )),
    }
}

/// Another neighbourhood opens: the challenge ends, the toolbox offers
/// every tool again.
fn leave_the_challenge(
    _: On<LeavingNeighbourhood>,
    mode: Option<Res<ChallengeMode>>,
    tool: Option<ResMut<BuildTool>>,
    mut commands: Commands,
) {
    if mode.is_none() {
        return;
    }
    commands.remove_resource::<ChallengeMode>();
    if let Some(mut tool) = tool {
        tool.allowed = None;
    }
    // At once (the opener's flush runs it), so that a mode opened next wins.
    commands.queue(|world: &mut World| mode::enter(world, Mode::Sandbox));
}

/// The gate: during a run nothing that changes the design or the events
/// (refused with a sentence in the build panel's message line).
fn refuse_during_a_run(world: &mut World, action: &Action) -> Gate {
    match allows(world, action) {
        Ok(()) => Gate::Pass,
        Err(why) => {
            world.resource_mut::<EditHistory>().refuse(why);
            Gate::Stop
        }
    }
}

/// The toolbox offers the challenge's tools, whichever way build mode was
/// opened.
fn allow_the_tools(mode: Res<ChallengeMode>, tool: Option<ResMut<BuildTool>>) {
    if let Some(mut tool) = tool {
        let tools = &mode.prepared.challenge.tools;
        if tool.allowed.as_ref() != Some(tools) {
            tool.allowed = Some(tools.clone());
        }
    }
}

/// Feeds the step just run to the live meters.
fn observe_step(world: &mut World) {
    world.resource_scope(|world, mut mode: Mut<ChallengeMode>| {
        if mode.phase != Phase::Running {
            return;
        }
        let mode = &mut *mode;
        challenge::grade::observe(&mut mode.meters, world, &mut mode.seen);
    });
}

/// At the run's end: the clock stops and the design is graded.
fn finish_the_run(world: &mut World) {
    let done = {
        let mode = world.resource::<ChallengeMode>();
        mode.phase == Phase::Running && world.resource::<SimClock>().steps >= mode.run_steps()
    };
    if done {
        world.resource_mut::<SimClock>().paused = true;
        judge(world);
    }
}

/// Grades the design that was run (headless, as `microgrid challenge`
/// does), records the stars and shows the results.
fn judge(world: &mut World) {
    let Some(design) = world.resource::<ChallengeMode>().design.clone() else {
        return;
    };
    let prepared = world.resource::<ChallengeMode>().prepared.clone();
    let (reasons, spent, _) = challenge::eligibility::reasons(
        &prepared.start.scenario,
        &design.scenario,
        &prepared.challenge,
    );
    let goals = challenge::grade::run(&prepared, &design);
    let budget = prepared.challenge.budget_eur;
    let grade = match goals {
        Ok(goals) => {
            let eligible = reasons.is_empty();
            let (stars, score) = challenge::grade::stars_and_score(eligible, &goals, budget, spent);
            Grade {
                challenge: prepared.challenge.title.get(),
                design: tr("grade.this_design").to_owned(),
                eligible,
                reasons,
                stars,
                max_stars: goals.len() as u32,
                score,
                budget_eur: budget,
                spent_eur: spent,
                goals,
            }
        }
        Err(e) => Grade {
            challenge: prepared.challenge.title.get(),
            design: tr("grade.this_design").to_owned(),
            eligible: false,
            reasons: vec![crate::tr!("grade.not_run", why = e)],
            stars: 0,
            max_stars: prepared.challenge.goals.len() as u32,
            score: 0,
            budget_eur: budget,
            spent_eur: spent,
            goals: Vec::new(),
        },
    };
    let file = world.resource::<ChallengeMode>().progress_file.clone();
    let mut record = file.as_deref().map(progress::load_from).unwrap_or_default();
    let new_best = record.record(&prepared.stem(), grade.stars, grade.max_stars, grade.score);
    if new_best
        && let Some(file) = &file
        && let Err(why) = progress::save_to(&record, file)
    {
        eprintln!("the stars could not be saved: {why}");
    }
    let mut mode = world.resource_mut::<ChallengeMode>();
    mode.best = record.best.get(&prepared.stem()).copied();
    mode.new_best = new_best;
    mode.grade = Some(grade);
    mode.phase = Phase::Results;
}

/// Carries out a challenge action.
pub fn apply(world: &mut World, action: ChallengeAction) {
    let Some(phase) = world.get_resource::<ChallengeMode>().map(|m| m.phase) else {
        return;
    };
    match (action, phase) {
        (ChallengeAction::Begin, Phase::Briefing) => enter_design(world, None),
        (ChallengeAction::Briefing, Phase::Design) => {
            world.resource_mut::<ChallengeMode>().phase = Phase::Briefing;
        }
        (ChallengeAction::Run, Phase::Design) => {
            let design = world.resource::<Neighbourhood>().0.clone();
            start_run(world, design);
        }
        (ChallengeAction::TryAgain, Phase::Results | Phase::Running) => {
            let design = world.resource::<ChallengeMode>().design.clone();
            enter_design(world, design);
        }
        (ChallengeAction::Replay, Phase::Results) => {
            if let Some(design) = world.resource::<ChallengeMode>().design.clone() {
                start_run(world, design);
            }
        }
        _ => {}
    }
}

/// The design phase: the clock paused at the start, build mode open with
/// the allowed tools. `design` replaces the running neighbourhood (the one
/// that was run, for "try again").
fn enter_design(world: &mut World, design: Option<Built>) {
    if let Some(design) = design {
        crate::sim::restart(world, design);
    }
    let allowed = world
        .resource::<ChallengeMode>()
        .prepared
        .challenge
        .tools
        .clone();
    {
        let mut clock = world.resource_mut::<SimClock>();
        clock.paused = true;
        clock.stop_at_step = None;
    }
    if let Some(mut tool) = world.get_resource_mut::<BuildTool>() {
        tool.allowed = Some(allowed);
    }
    mode::enter(world, Building::On);
    let mut mode = world.resource_mut::<ChallengeMode>();
    mode.phase = Phase::Design;
}

/// Runs `design` from the challenge's start with its fixed settings; the
/// manual controls (outage, weather, price) are cleared so that the run
/// is the challenge's.
fn start_run(world: &mut World, design: Built) {
    let prepared = world.resource::<ChallengeMode>().prepared.clone();
    let fixed = challenge::grade::fixed(&prepared, &design.scenario);
    let run = match crate::scenario::build(&fixed, "the design", "") {
        Ok(b) => b.carrying_over(&design),
        Err(errors) => {
            if let Some(mut h) = world.get_resource_mut::<EditHistory>() {
                h.refuse(
                    errors
                        .first()
                        .map_or_else(|| tr("grade.cannot_run").to_owned(), |e| e.message.clone()),
                );
            }
            return;
        }
    };
    crate::app::control::clock::clear_manual_controls(world);
    crate::sim::restart(world, run.clone());
    let (meters, steps, speed) = {
        let mode = world.resource::<ChallengeMode>();
        (prepared.meters(&run), mode.run_steps(), mode.run_speed)
    };
    {
        let mut clock = world.resource_mut::<SimClock>();
        clock.stop_at_step = Some(steps);
        clock.set_speed(speed);
        clock.paused = false;
    }
    mode::enter(world, Building::Off);
    if let Some(mut tool) = world.get_resource_mut::<BuildTool>() {
        tool.state = None;
    }
    let mut mode = world.resource_mut::<ChallengeMode>();
    mode.meters = meters;
    mode.seen = 0;
    // The design as the challenge runs it (its seed, start and timeline).
    mode.design = Some(run);
    mode.grade = None;
    mode.new_best = false;
    mode.phase = Phase::Running;
}

/// Whether `action` may be carried out now: during a run, nothing that
/// changes the design or the events (the run is the challenge's).
pub fn allows(world: &World, action: &Action) -> Result<(), String> {
    use Action as A;
    let Some(mode) = world.get_resource::<ChallengeMode>() else {
        return Ok(());
    };
    // What the challenge's timeline decides, what makes the design, and
    // what starts the clock.
    let events = matches!(
        action,
        A::ToggleOutage
            | A::SetPrice(_)
            | A::TogglePriceSpike
            | A::SetClouds(_)
            | A::CycleClouds
            | A::SetWind(_)
            | A::CycleWind
            | A::JumpToHour(_)
            | A::JumpToNext
    );
    let design = matches!(
        action,
        A::Edit(_) | A::Undo | A::Redo | A::SetMarket(_) | A::CycleMarket | A::Reload
    );
    let clock = matches!(action, A::TogglePause | A::SetPaused(false) | A::StepOnce);
    match mode.phase {
        Phase::Running | Phase::Results if events || design => {
            Err(tr("challenge.refuse_running").to_owned())
        }
        Phase::Briefing if design => Err(tr("challenge.refuse_briefing").to_owned()),
        Phase::Briefing | Phase::Design if events || clock => {
            Err(tr("challenge.refuse_design").to_owned())
        }
        _ => Ok(()),
    }
}

/// Opens the challenge at `path` on the running window: its starting
/// design replaces the neighbourhood and the briefing shows. A bad file
/// leaves everything as it is and shows its errors.
pub fn open(world: &mut World, path: &std::path::Path) {
    match Prepared::load(path) {
        Ok(prepared) => {
            let (scenario_file, start) = (prepared.scenario_file.clone(), prepared.start.clone());
            crate::app::control::source::open_neighbourhood(world, &scenario_file, start);
            world.insert_resource(ChallengeMode::new(prepared));
            mode::enter(world, Mode::Challenge);
            world.resource_mut::<SimClock>().paused = true;
        }
        Err(errors) => crate::app::control::source::show_load_errors(world, path, &errors),
    }
}
