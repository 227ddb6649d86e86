//! The neighbourhood on show and where it came from: its file, the other
//! scenario files beside it, reading a file in the background and the
//! errors of one that failed. Opening another neighbourhood announces
//! [`LeavingNeighbourhood`] first, so that a mode can leave with it.

use std::path::{Path, PathBuf};

use bevy::prelude::*;

use super::action::Action;
use super::queue::ApplyAction;
use crate::sim::{self, SimClock};

/// The running neighbourhood is about to be replaced (another file, a
/// challenge's or a lesson's start): a jump, a challenge or a lesson on it
/// ends now. Its observers run before the new one arrives.
#[derive(Event, Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeavingNeighbourhood;

pub(super) fn plugin(app: &mut App) {
    app.add_observer(load_and_reload);
}

/// Opening a file, reading the running one again, closing the errors.
fn load_and_reload(
    action: On<ApplyAction>,
    mut source: Option<ResMut<ScenarioSource>>,
    mut commands: Commands,
) {
    match &action.0 {
        Action::LoadScenario(path) => {
            let path = path.clone();
            commands.queue(move |world: &mut World| {
                crate::app::control::long_work::start_loading(world, path)
            });
        }
        Action::Reload => {
            if let Some(path) = source.as_ref().map(|s| s.path.clone()) {
                commands.queue(move |world: &mut World| {
                    crate::app::control::long_work::start_loading(world, path)
                });
            }
        }
        Action::DismissErrors => {
            if let Some(source) = source.as_mut() {
                source.errors.clear();
                source.failed_path = None;
            }
        }
        _ => {}
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

/// One frame's slice of the long work (exclusive system): a jump runs on,
/// a scenario that finished loading replaces the running one.
pub fn run_long_work(world: &mut World) {
    if let Some((path, result)) = crate::app::control::long_work::advance(world) {
        apply_loaded(world, &path, result);
    }
}

/// Finishes every jump and load now (tests and the headless paths).
pub fn finish_long_work(world: &mut World) {
    while world.contains_resource::<crate::app::control::long_work::Jump>()
        || world.contains_resource::<crate::app::control::long_work::Loading>()
    {
        if let Some((path, result)) = crate::app::control::long_work::finish(world) {
            apply_loaded(world, &path, result);
        }
    }
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
    crate::app::control::long_work::cancel_jump(world);
    world.trigger(LeavingNeighbourhood);
    world.flush();
    if let Some(mut clock) = world.get_resource_mut::<SimClock>() {
        clock.stop_at_step = None;
    }
    sim::reset(world, built);
    world.insert_resource(crate::app::control::editing::EditHistory {
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
