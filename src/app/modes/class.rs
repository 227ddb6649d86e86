//! A class in the window: the teacher's window hosts it (its simulation
//! is the class's, see [`crate::class::live`]), a student's window follows
//! it (a copy run step for step, see [`crate::class::mirror`]).
//!
//! Every control still becomes an [`Action`]; a gate decides what each
//! side may do. The teacher keeps every control but those that would
//! leave or rewind the class (another file, a challenge, undo); the
//! student's edits of their own house go to the host instead of being
//! made here, and the controls of the whole class are the teacher's.

use bevy::prelude::*;

use crate::app::control::action::{Action, ClassAction};
use crate::app::control::editing::EditHistory;
use crate::app::control::queue::{ApplyAction, Gate, PendingActions, add_gate};
use crate::app::control::requests::StatusNote;
use crate::app::frame::AppSystems;
use crate::class::host::HostOptions;
use crate::class::live::{self, LiveLog};
use crate::class::mirror::{self, Joining, Mirror};
use crate::class::protocol::Outcome;
use crate::class::report::HostReport;
use crate::lang::tr;
use crate::scenario::timed::Timed;
use crate::tr;

/// Which side of a class the window is.
#[derive(Debug, Clone)]
pub enum ClassWindow {
    /// The teacher's: hosts the class.
    Host(Box<HostOptions>),
    /// A student's: joins it.
    Join(Box<Mirror>),
}

/// The window is in a class, as the teacher (with what students type to
/// join) or as a student.
#[derive(Resource, Debug, Clone, PartialEq)]
pub enum ClassRole {
    /// The teacher's window.
    Teacher {
        /// The class's name.
        class: String,
        /// The join code (or address) students type.
        join: String,
        /// The class's results once it has ended.
        results: Option<Box<HostReport>>,
        /// Where they were saved (CSV, JSON, PNG), or why not.
        saved: Option<Result<String, String>>,
        /// Why the class itself (its session, for `--resume`) could not
        /// be saved last time, if it could not.
        not_saved: Option<String>,
    },
    /// A student's window.
    Student,
}

/// Starts the class in the window's app: the teacher's listens and prints
/// how to join, a student's connects. Refused (before the window opens)
/// when the port is taken or the address is wrong.
pub fn begin(app: &mut App, class: ClassWindow) -> Result<(), String> {
    match class {
        ClassWindow::Host(options) => {
            let mut options = *options;
            options.step_s = crate::app::frame::WINDOW_STEP_S;
            let name = options.class.clone();
            let saved_to = options.save.as_ref().map(|(path, _)| path.clone());
            let resumed = options.resume.is_some();
            if let Some(session) = &options.resume {
                // Seconds for a long class, before the window opens.
                println!(
                    "Playing the class again to where it was saved ({} steps)...",
                    session.steps_done
                );
            }
            let announced = !options.announce.is_empty();
            let addr = live::start(app, options)?;
            println!("{}", crate::class::commands::joining_text(&name, addr));
            if announced {
                println!("{}", crate::class::commands::ANNOUNCED);
            }
            if resumed {
                println!(
                    "  the class goes on where it was saved; students rejoin under their names"
                );
            }
            if let Some(path) = saved_to {
                println!(
                    "  saved every minute to {p}; after a crash: microgrid host --resume {p}",
                    p = path.display()
                );
            }
            app.insert_resource(ClassRole::Teacher {
                class: name,
                join: join_words(addr),
                results: None,
                saved: None,
                not_saved: None,
            });
            app.init_resource::<ResultsShot>();
            app.add_systems(
                Update,
                (photograph_the_results, watch_the_save).in_set(AppSystems::Present),
            );
            app.configure_sets(
                Update,
                (
                    live::LiveSystems::Receive.in_set(AppSystems::ApplyActions),
                    live::LiveSystems::Publish.in_set(AppSystems::Present),
                ),
            );
            app.add_observer(run_the_class);
        }
        ClassWindow::Join(mirror) => {
            mirror::start(app, *mirror)?;
            app.insert_resource(ClassRole::Student);
            app.init_resource::<Turned>();
            app.add_systems(
                Update,
                (tell_the_answers, turn_to_my_house).in_set(AppSystems::Present),
            );
        }
    }
    // First of the gates: a class refuses what would leave it before the
    // unsaved edits' question can hold it (and "discard" let it through).
    add_gate(app, class_gate);
    let mut gates = app
        .world_mut()
        .resource_mut::<crate::app::control::queue::ActionGates>();
    if let Some(last) = gates.0.pop() {
        gates.0.insert(0, last);
    }
    Ok(())
}

/// What students type to join the class at `addr`: its code where it has
/// one (an IPv4 address), else the address.
fn join_words(addr: std::net::SocketAddr) -> String {
    match crate::class::commands::reachable(addr) {
        std::net::SocketAddr::V4(v4) if !v4.ip().is_unspecified() => crate::class::code::encode(v4),
        _ => format!("ADDRESS:{}", addr.port()),
    }
}

/// The teacher's controls of the class: the banner, building, the end.
fn run_the_class(action: On<ApplyAction>, mut commands: Commands) {
    let Action::Class(asked) = &action.0 else {
        return;
    };
    match asked.clone() {
        ClassAction::LockBuilding(locked) => {
            commands.queue(move |world: &mut World| live::lock_building(world, locked));
        }
        ClassAction::Banner(text) => {
            commands.queue(move |world: &mut World| live::show_banner(world, text.as_deref()));
        }
        ClassAction::Move { student, house } => commands.queue(move |world: &mut World| {
            let said = live::move_student(world, &student, &house)
                .map(|()| tr!("class.moved", name = student, house = house));
            tell(world, said);
        }),
        // A student's window's (its gate carries it out).
        ClassAction::Pick { .. } => {}
        ClassAction::LetIn { student } => commands.queue(move |world: &mut World| {
            let said = live::let_in_again(world, &student)
                .map(|()| tr!("class.let_in_done", name = student));
            tell(world, said);
        }),
        ClassAction::Free { student, house } => commands.queue(move |world: &mut World| {
            let said = live::free_house(world, &student, &house)
                .map(|()| tr!("class.freed", house = house));
            tell(world, said);
        }),
        ClassAction::End => commands.queue(|world: &mut World| {
            if live::is_over(world) {
                return;
            }
            let report = live::end(world);
            let stem = results_stem();
            let written = save_results(&report, &stem);
            if written.is_ok() {
                world.resource_mut::<ResultsShot>().0 = Some((0, stem.with_extension("png")));
            }
            if let Some(ClassRole::Teacher { results, saved, .. }) =
                world.get_resource_mut::<ClassRole>().as_deref_mut()
            {
                *results = Some(Box::new(report));
                *saved = Some(written);
            }
        }),
    }
}

/// Says what came of the teacher's step where edits are said and as the
/// window's note (the class panel is open, build mode may not be).
fn tell(world: &mut World, said: Result<String, String>) {
    let note = match &said {
        Ok(text) | Err(text) => text.clone(),
    };
    world.resource_mut::<StatusNote>().0 = Some(note);
    let mut edits = world.resource_mut::<EditHistory>();
    match said {
        Ok(done) => edits.tell(done),
        Err(why) => edits.refuse(why),
    }
}

/// Where a class's results go: `scenes/my/class-YYYY-MM-DD-HHMM` (the
/// wall clock's minute, so that no earlier class's results are written over).
fn results_stem() -> std::path::PathBuf {
    let now = chrono::Local::now().format("%Y-%m-%d-%H%M%S");
    std::path::PathBuf::from("scenes/my").join(format!("class-{now}"))
}

/// Writes the results beside `stem` as CSV and JSON; says where.
fn save_results(report: &HostReport, stem: &std::path::Path) -> Result<String, String> {
    if let Some(folder) = stem.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot make {}: {e}", folder.display()))?;
    }
    for (ext, text) in [("csv", report.to_csv()), ("json", report.to_json())] {
        crate::files::write_atomically(&stem.with_extension(ext), text.as_bytes())?;
    }
    Ok(stem.display().to_string())
}

/// The results' picture: frames since the class ended, and where it goes.
#[derive(Resource, Debug, Default)]
struct ResultsShot(Option<(u32, std::path::PathBuf)>);

/// A few frames after the class ends (the results drawn), the window is
/// saved as a picture beside the CSV.
fn photograph_the_results(mut shot: ResMut<ResultsShot>, mut actions: ResMut<PendingActions>) {
    let Some((frames, path)) = &mut shot.0 else {
        return;
    };
    *frames += 1;
    if *frames == 4 {
        actions.push(Action::Screenshot(path.clone()));
        shot.0 = None;
    }
}

/// Keeps the teacher's panel told whether the class could be saved.
fn watch_the_save(world: &mut World) {
    let problem = live::save_problem(world);
    if let Some(ClassRole::Teacher { not_saved, .. }) =
        world.get_resource_mut::<ClassRole>().as_deref_mut()
        && *not_saved != problem
    {
        *not_saved = problem;
    }
}

/// What each side may do in a class.
fn class_gate(world: &mut World, action: &Action) -> Gate {
    let Some(role) = world.get_resource::<ClassRole>() else {
        return Gate::Pass;
    };
    let why = match role {
        ClassRole::Teacher { .. } => teacher_may(world, action),
        ClassRole::Student => student_may(world, action),
    };
    match why {
        Ok(gate) => gate,
        Err(why) => {
            world.resource_mut::<EditHistory>().refuse(why);
            Gate::Stop
        }
    }
}

/// The teacher keeps the class on its neighbourhood and its history.
fn teacher_may(world: &mut World, action: &Action) -> Result<Gate, String> {
    // Once over, the class's results stand: looking only.
    if live::is_over(world) && !looks_only(action) {
        return Err(tr("class.is_over").to_owned());
    }
    match action {
        Action::LoadScenario(_)
        | Action::Reload
        | Action::OpenChallenge(_)
        | Action::OpenLesson(_)
        | Action::Challenge(_)
        | Action::Lesson(_)
        | Action::Demo(_) => Err(tr("class.teacher_stays").to_owned()),
        Action::Undo | Action::Redo => Err(tr("class.no_undo").to_owned()),
        // The class table follows the houses the class began with.
        Action::Edit(
            crate::scenario::edit::Edit::AddHouse { .. }
            | crate::scenario::edit::Edit::RemoveHouse { .. }
            | crate::scenario::edit::Edit::RemoveBus { .. },
        ) => Err(tr("class.houses_stay").to_owned()),
        Action::Edit(e) => {
            // Told to the students' windows as this edit once it is made.
            world.resource_mut::<LiveLog>().teacher_edit = Some(e.clone());
            Ok(Gate::Pass)
        }
        _ => Ok(Gate::Pass),
    }
}

/// A student looks, builds on their own house (through the host) and
/// leaves the class's controls to the teacher.
fn student_may(world: &mut World, action: &Action) -> Result<Gate, String> {
    match action {
        Action::Edit(e) => {
            let mirror = world.resource::<Mirror>();
            let Some(own) = mirror.house().map(str::to_owned) else {
                return Err(tr("class.not_seated").to_owned());
            };
            if mirror.joining != Joining::Following {
                return Err(tr("class.not_following").to_owned());
            }
            let locked = world
                .query::<&crate::class::protocol::ClassClock>()
                .iter(world)
                .any(|c| c.building_locked);
            if locked {
                return Err(tr("class.locked").to_owned());
            }
            // A script's "mine" is the student's own house.
            let e = e.with_house_named(crate::scenario::timed::MINE, &own);
            crate::class::seats::check_student_act(
                &Timed::Edit(e.clone()),
                &own,
                crate::lang::current(),
            )?;
            let what = e.to_do();
            mirror::send(world, e, what.clone());
            world
                .resource_mut::<EditHistory>()
                .tell(tr!("class.sent", what = what));
            Ok(Gate::Stop)
        }
        Action::Class(ClassAction::Pick { target, pin }) => {
            mirror::pick(world, *target, pin.clone())?;
            Ok(Gate::Stop)
        }
        _ if looks_only(action) => Ok(Gate::Pass),
        _ => Err(tr("class.teachers_control").to_owned()),
    }
}

/// Whether `action` changes nothing of the class: looking, the window's
/// own settings, closing it.
fn looks_only(action: &Action) -> bool {
    matches!(
        action,
        Action::Screenshot(_)
            | Action::LookAt(_)
            | Action::SetLanguage(_)
            | Action::SetGraphics(_)
            | Action::Quit
            | Action::CloseWindow
            | Action::DiscardEdits
            | Action::KeepEdits
            | Action::DismissErrors
            | Action::Preview(_)
            | Action::Show(_)
            | Action::SetUiSize(_)
            | Action::SetPresenter(_)
    )
}

/// The host's answers to the student's edits, said where edits are said.
fn tell_the_answers(mut mirror: ResMut<Mirror>, mut edits: ResMut<EditHistory>) {
    while let Some((what, outcome)) = mirror.answers.pop_front() {
        match outcome {
            Outcome::Applied => edits.tell(tr!("class.applied", what = what)),
            Outcome::Refused(why) => edits.refuse(tr!("class.refused", what = what, why = why)),
            Outcome::Queued => {}
        }
    }
}

/// How often the window has turned to the student's house, and to which.
#[derive(Resource, Debug, Default)]
struct Turned(u32, Option<String>);

/// Once the class's neighbourhood is here, the camera turns to the
/// student's house (and again, with a word, when the teacher moves them).
fn turn_to_my_house(
    mirror: Res<Mirror>,
    mut turned: ResMut<Turned>,
    mut actions: ResMut<PendingActions>,
    mut edits: ResMut<EditHistory>,
    mut note: ResMut<StatusNote>,
) {
    if mirror.started == turned.0 {
        return;
    }
    if let Some(house) = mirror.house() {
        if turned.1.as_deref().is_some_and(|before| before != house) {
            let moved = tr!("class.you_moved", house = house);
            note.0 = Some(moved.clone());
            edits.tell(moved);
        }
        *turned = Turned(mirror.started, Some(house.to_owned()));
        actions.push(Action::LookAt(house.to_owned()));
    }
}
