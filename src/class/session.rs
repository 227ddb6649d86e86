//! A class on disk: what `microgrid host` saves every minute (and when it
//! stops) and `--resume` continues. The simulation is not stored; it is
//! played again: the scenario as the class began, every action the host
//! applied with the step it came before, and the step reached. The
//! simulation is deterministic, so playing them again gives the same state
//! to the last bit (the test stops a class at noon and resumes it).

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::protocol::{Stamped, VERSION};
use crate::market::Mechanism;
use crate::scenario::DateTime;
use crate::scenario::timed::Timed;
use crate::sim::{self, SimClock};

/// Most bytes a session file may have (a class of a hundred with a
/// thousand actions each stays far below).
pub const MAX_SESSION_BYTES: u64 = 64 * 1024 * 1024;

/// One house's seat as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSeat {
    /// The house.
    pub house: String,
    /// Its student.
    pub student: Option<String>,
    /// Actions applied and refused so far.
    pub applied: u32,
    /// Refused.
    pub refused: u32,
    /// The student had left and come back.
    pub rejoined: bool,
    /// The key their window keeps to come back (none in a file saved
    /// before keys: the first to come under the name gets the house).
    #[serde(default)]
    pub key: Option<String>,
}

/// An action the host applied: before which step, by whom (0 the teacher,
/// else the house's index + 1), what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Played {
    /// The step it came before.
    pub before_step: u64,
    /// Who.
    pub author: usize,
    /// What.
    pub act: Timed,
}

/// A class as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The program that saved it.
    pub version: String,
    /// The class's name.
    pub class: String,
    /// The scenario file the class began from, and its text then.
    pub scenario_file: PathBuf,
    /// The file's text when the class began.
    pub scenario_text: String,
    /// The class's market.
    pub market: Mechanism,
    /// Seconds per step.
    pub step_s: u32,
    /// Steps the class runs in all.
    pub total_steps: u64,
    /// Each student's budget, EUR.
    pub budget_eur: f64,
    /// The class's PIN.
    pub pin: Option<String>,
    /// Steps run.
    pub steps_done: u64,
    /// The seats.
    pub seats: Vec<SavedSeat>,
    /// Every action applied, in order.
    pub played: Vec<Played>,
    /// The teacher's steps, all of them.
    pub teacher: Vec<(DateTime, Timed)>,
    /// The teacher's steps carried out.
    pub teacher_applied: usize,
    /// A class run live from the teacher's window: where it began and
    /// every change since (none for a headless class).
    #[serde(default)]
    pub live: Option<LiveRecord>,
}

/// What a live class keeps besides its seats: the neighbourhood it began
/// with and every change made to it, in order, each before its step (what
/// a student's window follows; see [`super::live`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveRecord {
    /// The neighbourhood as the class began, as a file holds it.
    pub start: String,
    /// Every change, in order.
    pub changes: Vec<Stamped>,
    /// Students could not build.
    pub building_locked: bool,
    /// The teacher's message to everyone.
    pub banner: Option<String>,
    /// The teacher ended the class.
    pub ended: bool,
    /// The class's speed (simulated seconds a real second) and whether it
    /// was paused, as the teacher left them (none: a session saved before
    /// they were kept, which goes on at real time).
    #[serde(default)]
    pub clock: Option<(f64, bool)>,
}

impl Session {
    /// Writes it to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text =
            serde_json::to_string(self).map_err(|e| format!("cannot write the session: {e}"))?;
        // What could not be read back is not written (the last save stays).
        if text.len() as u64 > MAX_SESSION_BYTES {
            return Err(format!(
                "the class is too large to save ({} MiB; at most {} MiB): {} keeps its last save",
                text.len() >> 20,
                MAX_SESSION_BYTES >> 20,
                path.display()
            ));
        }
        crate::files::write_atomically(path, text.as_bytes())
    }

    /// Reads a session file as it is (any version, over or not).
    fn read(path: &Path) -> Result<Session, String> {
        let bytes = crate::files::read_bounded(path, MAX_SESSION_BYTES)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{}:{}:{}: not a class session: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })
    }

    /// Whether the class has ended (the teacher ended it, or its steps ran).
    pub fn is_over(&self) -> bool {
        self.live.as_ref().is_some_and(|l| l.ended) || self.steps_done >= self.total_steps
    }

    /// Whether a new class may save to `path`: nothing there, or a class
    /// of this version that has ended. A class that could go on, another
    /// version's, or a file that is not a session is not written over.
    pub fn may_write_over(path: &Path) -> Result<(), String> {
        if std::fs::symlink_metadata(path).is_err() {
            return Ok(());
        }
        let p = path.display();
        match Session::read(path) {
            Ok(old) if old.version == VERSION && old.is_over() => Ok(()),
            Ok(old) if old.version == VERSION => Err(format!(
                "{p} holds a class that has not ended; go on with it (microgrid host{h} --resume {p}), or save this one elsewhere with --session FILE",
                h = if old.live.is_some() {
                    ""
                } else {
                    " --headless"
                }
            )),
            Ok(old) => Err(format!(
                "{p} holds a class saved by microgrid {}; save this one elsewhere with --session FILE, or move that file away",
                old.version
            )),
            Err(e) => Err(format!(
                "{p} is there and is not a class session ({e}); save this class elsewhere with --session FILE"
            )),
        }
    }

    /// Reads a session file, refusing another version's and one that is over.
    pub fn load(path: &Path) -> Result<Session, String> {
        let session = Session::read(path)?;
        if session.version != VERSION {
            return Err(format!(
                "{}: saved by microgrid {}; this is {VERSION}, which cannot continue it",
                path.display(),
                session.version
            ));
        }
        if session.is_over() {
            return Err(format!(
                "{}: that class is over ({} of {} steps); start a new one",
                path.display(),
                session.steps_done,
                session.total_steps
            ));
        }
        Ok(session)
    }
}

/// Plays a saved class again on a fresh simulation of its scenario: its
/// actions before their steps, up to the step it had reached.
pub fn replay(world: &mut World, session: &Session) -> Result<(), String> {
    let mut played = session.played.iter().peekable();
    for step in 0..session.steps_done {
        while let Some(p) = played.next_if(|p| p.before_step == step) {
            sim::timed::apply(world, &p.act).map_err(|e| {
                format!("the saved class cannot be played again before step {step}: {e}")
            })?;
        }
        sim::step(world);
    }
    debug_assert_eq!(world.resource::<SimClock>().steps, session.steps_done);
    Ok(())
}

/// Plays a saved live class again on a fresh simulation of its start:
/// each change before its step, as a student's window follows the class,
/// up to the step it had reached (and the changes made after it).
pub fn replay_live(world: &mut World, steps_done: u64, live: &LiveRecord) -> Result<(), String> {
    let mut changes = live.changes.iter().peekable();
    let mut schedule_steps = 0;
    loop {
        let step = world.resource::<SimClock>().steps;
        while let Some(c) = changes.next_if(|c| c.before_step <= step) {
            super::mirror::apply(world, &c.change).map_err(|e| {
                format!("the saved class cannot be played again before step {step}: {e}")
            })?;
        }
        if step >= steps_done {
            break;
        }
        // Steps between changes in one go, the schedule taken out once.
        let next = changes
            .peek()
            .map_or(steps_done, |c| c.before_step.min(steps_done));
        world.schedule_scope(sim::SimulationStep, |world, schedule| {
            while world.resource::<SimClock>().steps < next {
                sim::step_with(world, schedule);
                schedule_steps += 1;
            }
        });
    }
    if changes.next().is_some() {
        return Err("the saved class has changes after its last step".into());
    }
    debug_assert_eq!(schedule_steps, steps_done);
    Ok(())
}
