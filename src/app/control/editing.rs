//! Build mode's data: edits applied live, their history for undo and redo,
//! and saving the edited neighbourhood. Every edit comes as an
//! [`super::action::Action`] and goes through [`crate::scenario::edit`]
//! (the checks of a scenario file) and [`crate::sim::rebuild`] (the run goes
//! on from the same instant); no render types here, so it runs headless.
//! Its gates hold an action that would drop unsaved edits (the window asks
//! first) and refuse edits while another file is being read.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bevy::prelude::*;

use super::action::{Action, drops_edits};
use super::queue::{ApplyAction, Gate, add_gate};
use crate::lang::tr;
use crate::scenario::edit::{self, Edit};
use crate::scenario::{Built, Scenario};
use crate::sim::{Neighbourhood, rebuild};
use crate::tr;

/// Folder "Save as" suggests, relative to the working directory.
pub const MY_FOLDER: &str = "scenes/my";

/// One edit that was applied: what it did and the neighbourhood before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// For the history list ("Added 6.5 kWp PV to Lindenweg 9"), in the
    /// language of the moment it was made.
    pub description: String,
    /// The edit (the window describes it in the language in force).
    pub edit: Edit,
    /// The scenario before the edit.
    pub before: Scenario,
    /// The scenario after it.
    pub after: Scenario,
}

/// The edits so far, the ones undone (for redo), and the last outcome.
#[derive(Resource, Debug, Clone, Default)]
pub struct EditHistory {
    /// Applied, oldest first.
    pub done: Vec<Done>,
    /// Undone, most recent last (redo takes from the end).
    pub undone: Vec<Done>,
    /// How many of `done` the file on disk holds (None: it holds none of them
    /// since an undo went past the save).
    pub saved: Option<usize>,
    /// What the last edit, undo, redo or save said (a refusal says why).
    pub message: Option<String>,
    /// Whether that message is a refusal.
    pub refused: bool,
    /// Wall time the last edit took to apply, ms (checks and rebuild).
    pub last_apply_ms: Option<f64>,
    /// What the edits so far have spent against the scenario as loaded.
    pub spending: crate::scenario::prices::Spending,
}

impl EditHistory {
    /// Whether there are edits the file on disk does not have.
    pub fn unsaved(&self) -> bool {
        self.saved != Some(self.done.len())
    }

    /// Edits the file on disk does not have.
    pub fn unsaved_count(&self) -> usize {
        match self.saved {
            Some(n) if n <= self.done.len() => self.done.len() - n,
            _ => self.done.len(),
        }
    }

    /// Says why something was refused (on stderr too, for scripts).
    pub fn refuse(&mut self, why: String) {
        self.say(why, true);
    }

    /// Says `message` where edits are said (not a refusal).
    pub fn tell(&mut self, message: String) {
        self.say(message, false);
    }

    fn say(&mut self, message: String, refused: bool) {
        if refused {
            eprintln!("refused: {message}");
        }
        self.message = Some(message);
        self.refused = refused;
    }
}

/// Adds the edit history (cleared when another scenario loads), its gates
/// and the observer that carries out the edit actions.
pub(super) fn plugin(app: &mut App) {
    app.insert_resource(EditHistory {
        saved: Some(0),
        ..default()
    });
    add_gate(app, hold_for_unsaved_edits);
    add_gate(app, refuse_edits_while_reading);
    app.add_observer(edit_undo_save);
}

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

/// Holds an action that would drop unsaved edits until the user says
/// whether to discard them.
fn hold_for_unsaved_edits(world: &mut World, action: &Action) -> Gate {
    if !drops_edits(action) {
        return Gate::Pass;
    }
    let edits = world.resource::<EditHistory>();
    if edits.unsaved() && !edits.done.is_empty() {
        let edits = edits.unsaved_count();
        let action = action.clone();
        world.insert_resource(HeldForUnsavedEdits { action, edits });
        return Gate::Stop;
    }
    Gate::Pass
}

/// A scenario being read replaces the running one when it lands: an edit
/// made meanwhile would be lost.
fn refuse_edits_while_reading(world: &mut World, action: &Action) -> Gate {
    if matches!(action, Action::Edit(_) | Action::Undo | Action::Redo)
        && world.contains_resource::<crate::app::control::long_work::Loading>()
    {
        world
            .resource_mut::<EditHistory>()
            .refuse(tr("control.file_being_read").to_owned());
        return Gate::Stop;
    }
    Gate::Pass
}

/// Edits, previews, undo and redo, saving, and the answer to the
/// unsaved-edits question.
fn edit_undo_save(action: On<ApplyAction>, mut commands: Commands) {
    let action = action.0.clone();
    match action {
        Action::Edit(edit) => commands.queue(move |world: &mut World| apply_edit(world, &edit)),
        Action::Preview(edit) => commands.queue(move |world: &mut World| preview(world, edit)),
        Action::Undo => commands.queue(undo),
        Action::Redo => commands.queue(redo),
        Action::Save => commands.queue(|world: &mut World| {
            let path = world
                .resource::<super::source::ScenarioSource>()
                .path
                .clone();
            save(world, &path);
        }),
        Action::SaveAs(path) => commands.queue(move |world: &mut World| save(world, &path)),
        // The edits go when the new neighbourhood arrives (a file that
        // fails to load leaves them, still unsaved).
        Action::DiscardEdits => commands.queue(|world: &mut World| {
            if let Some(held) = world.remove_resource::<HeldForUnsavedEdits>() {
                super::queue::carry_out(world, held.action);
            }
        }),
        Action::KeepEdits => commands.remove_resource::<HeldForUnsavedEdits>(),
        _ => {}
    }
}

/// Predicts what `edit` would do now and keeps it for the build panel.
fn preview(world: &mut World, edit: Edit) {
    let result = crate::sim::preview::preview(world, &edit);
    let at_step = world.resource::<crate::sim::SimClock>().steps;
    let at_edits = world.resource::<EditHistory>().done.len();
    world.insert_resource(EditPreview {
        edit,
        result,
        at_step,
        at_edits,
    });
}

/// Saves to `path`; the file becomes the running scenario's.
fn save(world: &mut World, path: &Path) {
    let outcome = save_as(world, path);
    let mut history = world.resource_mut::<EditHistory>();
    match outcome {
        Ok(saved) => {
            history.saved = Some(history.done.len());
            history.message = Some(crate::tr!("save.saved", path = saved.display()));
            history.refused = false;
            // The file is the running scenario's now; its series stay named
            // from the folder it was loaded from (`series_base`).
            let mut source = world.resource_mut::<super::source::ScenarioSource>();
            source.path = saved;
        }
        Err(why) => {
            eprintln!("refused: {why}");
            history.message = Some(why);
            history.refused = true;
        }
    }
}

/// A checked scenario with the running one's series (they cannot be edited).
fn with_series(built: Built, world: &World) -> Built {
    built.carrying_over(&world.resource::<Neighbourhood>().0)
}

/// Applies `edit` to the running neighbourhood, or says why not (nothing changes then).
pub fn apply_edit(world: &mut World, edit: &Edit) {
    let started = Instant::now();
    let before = world.resource::<Neighbourhood>().0.scenario.clone();
    match edit::apply(edit, &before).and_then(|built| within_budget(world, built)) {
        Ok(built) => {
            let after = built.scenario.clone();
            let built = with_series(built, world);
            rebuild::rebuild(world, built);
            let ms = started.elapsed().as_secs_f64() * 1e3;
            let mut history = world.resource_mut::<EditHistory>();
            history.done.push(Done {
                description: edit.describe(),
                edit: edit.clone(),
                before,
                after,
            });
            history.undone.clear();
            history.last_apply_ms = Some(ms);
            refresh_spending(world);
            let mut history = world.resource_mut::<EditHistory>();
            history.say(edit.describe(), false);
        }
        Err(why) => world
            .resource_mut::<EditHistory>()
            .say(tr!("edit.refused", what = edit.to_do(), why = why), true),
    }
}

/// The scenario as loaded, before any edit still applied.
pub fn as_loaded(world: &World) -> &Scenario {
    let history = world.resource::<EditHistory>();
    history
        .done
        .first()
        .map_or(&world.resource::<Neighbourhood>().0.scenario, |d| &d.before)
}

/// What the edits have spent against the scenario as loaded.
pub fn spending(world: &World) -> crate::scenario::prices::Spending {
    crate::scenario::prices::spending(
        as_loaded(world),
        &world.resource::<Neighbourhood>().0.scenario,
    )
}

/// `built` if the edits that made it stay within the scenario's budget.
fn within_budget(world: &World, built: Built) -> Result<Built, String> {
    let Some(budget) = built.scenario.budget_eur else {
        return Ok(built);
    };
    let spent = crate::scenario::prices::spending(as_loaded(world), &built.scenario).total();
    let before = spending(world).total();
    // An edit that spends nothing (a removal, a smaller part) is always allowed.
    if spent > budget + 0.5 && spent > before + 0.5 {
        return Err(tr!(
            "edit.over_budget",
            spent = crate::lang::eur(spent),
            budget = crate::lang::eur(budget),
            over = crate::lang::eur(spent - budget)
        ));
    }
    Ok(built)
}

/// Puts `scenario` in place of the running one (undo, redo), through the same checks.
fn restore(world: &mut World, scenario: &Scenario) -> Result<(), String> {
    let built = with_series(edit::check(scenario)?, world);
    rebuild::rebuild(world, built);
    Ok(())
}

/// Undoes the last edit.
pub fn undo(world: &mut World) {
    travel(world, true);
}

/// Does the last undone edit again.
pub fn redo(world: &mut World) {
    travel(world, false);
}

/// One step back through the history (`back`: undo) or forward (redo):
/// the edit moves from one stack to the other once its neighbourhood is in
/// place, and stays where it was if that is refused.
fn travel(world: &mut World, back: bool) {
    let taken = {
        let mut history = world.resource_mut::<EditHistory>();
        if back {
            history.done.pop()
        } else {
            history.undone.pop()
        }
    };
    let Some(edit) = taken else {
        let nothing = if back {
            tr("save.nothing_to_undo")
        } else {
            tr("save.nothing_to_redo")
        };
        world
            .resource_mut::<EditHistory>()
            .say(nothing.to_owned(), true);
        return;
    };
    let target = if back { &edit.before } else { &edit.after };
    let outcome = restore(world, target);
    let mut history = world.resource_mut::<EditHistory>();
    let arrived = outcome.is_ok();
    let what = edit.edit.describe();
    match (outcome, back) {
        (Ok(()), true) => history.say(tr!("save.undone", what = what), false),
        (Ok(()), false) => history.say(tr!("save.redone", what = what), false),
        (Err(why), true) => history.say(tr!("save.cannot_undo", why = why), true),
        (Err(why), false) => history.say(tr!("save.cannot_redo", why = why), true),
    }
    // Undone past the save: the file no longer holds what runs.
    if back && arrived && history.saved.is_some_and(|n| n > history.done.len()) {
        history.saved = None;
    }
    if back == arrived {
        history.undone.push(edit);
    } else {
        history.done.push(edit);
    }
    refresh_spending(world);
}

/// Counts again what the edits have spent (after an edit, undo or redo).
fn refresh_spending(world: &mut World) {
    let spent = spending(world);
    world.resource_mut::<EditHistory>().spending = spent;
}

/// Whether `path` is one of the scenarios the project ships (`scenes/*.scenario.ron`),
/// which Save never overwrites.
pub fn is_shipped(path: &Path) -> bool {
    // Folded first, so that scenes/my/../default.scenario.ron is seen for what it is.
    let path = &normalised(path);
    let in_scenes = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "scenes");
    in_scenes
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".scenario.ron"))
}

/// A file name's stem from what someone typed ("Anna's street 2" gives
/// "anna-s-street-2"): ASCII letters and digits kept in lower case, every
/// other run of characters one hyphen, at most 60 characters; empty when
/// nothing usable is left.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Where Save as puts a neighbourhood named `name` (`scenes/my/NAME.scenario.ron`),
/// or none when the name has no letter or digit.
pub fn my_file(name: &str) -> Option<PathBuf> {
    let stem = slug(name);
    (!stem.is_empty()).then(|| Path::new(MY_FOLDER).join(format!("{stem}.scenario.ron")))
}

/// Writes the running neighbourhood to `path` atomically (refusing a
/// shipped scenario and names that are not `*.scenario.ron`); on success
/// the file is what a reload gives.
pub fn save_as(world: &mut World, path: &Path) -> Result<PathBuf, String> {
    let name_ok = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".scenario.ron") && n.len() > ".scenario.ron".len());
    if !name_ok {
        return Err(tr!(
            "save.not_a_scenario_name",
            path = path.display(),
            folder = MY_FOLDER
        ));
    }
    if is_shipped(path) {
        return Err(tr!(
            "save.shipped",
            path = path.display(),
            folder = MY_FOLDER
        ));
    }
    let running = &world.resource::<Neighbourhood>().0;
    // A generated town stays in its compact form while no edit touched it.
    let mut scenario = running
        .generated_from
        .as_ref()
        .and_then(|g| crate::scenario::generate::compact(g, &running.scenario))
        .unwrap_or_else(|| running.scenario.clone());
    // Series files are named relative to the scenario: name them from the new place.
    if let Some(source) = world.get_resource::<super::source::ScenarioSource>() {
        let from = source.series_base.as_path();
        let to = path.parent().unwrap_or(Path::new("."));
        for series in [&mut scenario.weather.series, &mut scenario.tariff.series]
            .into_iter()
            .flatten()
        {
            *series = relative_to(&from.join(&*series), to);
        }
    }
    let text = edit::to_file_text(&scenario, "")?;
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| tr!("save.cannot_make_folder", folder = folder.display(), e = e))?;
    }
    crate::files::write_atomically(path, text.as_bytes())?;
    Ok(path.to_path_buf())
}

/// `p` made absolute with "." dropped and ".." folded.
fn normalised(p: &Path) -> PathBuf {
    std::path::absolute(p)
        .map(|a| {
            let mut parts: Vec<std::path::Component> = Vec::new();
            for c in a.components() {
                match c {
                    std::path::Component::CurDir => {}
                    std::path::Component::ParentDir => {
                        parts.pop();
                    }
                    other => parts.push(other),
                }
            }
            parts.iter().collect::<PathBuf>()
        })
        .unwrap_or_else(|_| p.to_path_buf())
}

/// `target` named from the folder `base` (both made absolute first), with
/// `/` between parts: "../weather/june.csv".
fn relative_to(target: &Path, base: &Path) -> String {
    let (target, base) = (normalised(target), normalised(base));
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); b.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_name_becomes_a_safe_file_in_the_students_folder() {
        assert_eq!(slug("Anna's street 2"), "anna-s-street-2");
        assert_eq!(slug("  ../../etc/passwd "), "etc-passwd");
        assert_eq!(slug("Straße"), "stra-e");
        assert_eq!(slug("!!!"), "");
        assert_eq!(slug(&"x".repeat(200)).len(), 60);
        assert_eq!(
            my_file("My street"),
            Some(Path::new("scenes/my/my-street.scenario.ron").to_path_buf())
        );
        assert_eq!(my_file("///"), None);
    }

    #[test]
    fn series_paths_follow_a_saved_scenario() {
        assert_eq!(
            relative_to(Path::new("scenes/weather/june.csv"), Path::new("scenes/my")),
            "../weather/june.csv"
        );
        assert_eq!(
            relative_to(Path::new("scenes/./weather/june.csv"), Path::new("scenes")),
            "weather/june.csv"
        );
    }

    #[test]
    fn shipped_scenarios_are_never_saved_over() {
        assert!(is_shipped(Path::new("scenes/default.scenario.ron")));
        assert!(is_shipped(Path::new("/x/y/scenes/town-1000.scenario.ron")));
        assert!(!is_shipped(Path::new("scenes/my/default.scenario.ron")));
        assert!(is_shipped(Path::new("scenes/my/../default.scenario.ron")));
    }
}
