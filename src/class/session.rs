//! A class on disk: what `microgrid host` saves every minute (and when it
//! stops) and `--resume` continues. The simulation is not stored; it is
//! played again: the scenario as the class began, every action the host
//! applied with the step it came before, and the step reached. The
//! simulation is deterministic, so playing them again gives the same state
//! to the last bit (the test stops a class at noon and resumes it).

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::protocol::VERSION;
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
}

impl Session {
    /// Writes it to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text =
            serde_json::to_string(self).map_err(|e| format!("cannot write the session: {e}"))?;
        crate::files::write_atomically(path, text.as_bytes())
    }

    /// Reads a session file, refusing another version's.
    pub fn load(path: &Path) -> Result<Session, String> {
        let bytes = crate::files::read_bounded(path, MAX_SESSION_BYTES)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let session: Session = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{}:{}:{}: not a class session: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if session.version != VERSION {
            return Err(format!(
                "{}: saved by microgrid {}; this is {VERSION}, which cannot continue it",
                path.display(),
                session.version
            ));
        }
        if session.steps_done >= session.total_steps {
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
