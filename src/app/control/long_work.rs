//! Work too long for one frame, done in slices so that the window never
//! freezes: a jump of the clock (the J key, `open --at`) runs a few
//! milliseconds of steps each frame with the clock held, and a scenario file
//! is read and checked on a thread of its own. The window shows the
//! progress and can cancel a jump; tests finish the work at once with
//! [`finish`].

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Instant;

use bevy::prelude::*;

use crate::scenario::{Built, ScenarioError};
use crate::sim::{self, SimClock};

/// Most wall time a slice of a jump may take in one frame, ms: the frame
/// stays under about 100 ms on a GPU, and a software renderer's slow
/// frames still leave the jump a fair share.
pub const SLICE_MS: f64 = 80.0;

/// A jump in progress: the simulation runs ahead, headless, to a set step.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct Jump {
    /// What the window says it is doing ("Jumping to 18:00").
    pub label: String,
    /// Step count of the clock to reach.
    pub target_step: u64,
    /// Step count when the jump began.
    pub first_step: u64,
    /// Whether the clock was paused before (it is paused during the jump
    /// and given back its state after).
    pub was_paused: bool,
}

impl Jump {
    /// Share done, 0 to 1, at the clock's `step`.
    pub fn progress(&self, step: u64) -> f64 {
        let total = self.target_step.saturating_sub(self.first_step).max(1);
        (step.saturating_sub(self.first_step) as f64 / total as f64).clamp(0.0, 1.0)
    }
}

/// A scenario file being read and checked on a thread.
#[derive(Resource, Debug)]
pub struct Loading {
    /// The file.
    pub path: PathBuf,
    /// When it began.
    pub started: Instant,
    /// In a mutex only so that the resource is `Sync`; one system reads it.
    result: std::sync::Mutex<Receiver<Result<Built, Vec<ScenarioError>>>>,
}

/// Starts a jump of `steps` steps from now (replacing one in progress).
pub fn start_jump(world: &mut World, label: String, steps: u64) {
    let was_paused = match world.get_resource::<Jump>() {
        Some(jump) => jump.was_paused,
        None => world.resource::<SimClock>().paused,
    };
    let mut clock = world.resource_mut::<SimClock>();
    clock.paused = true;
    let first_step = clock.steps;
    world.insert_resource(Jump {
        label,
        target_step: first_step + steps,
        first_step,
        was_paused,
    });
}

/// Stops a jump where it is; the clock gets back its pause state (unless
/// the user let it run during the jump).
pub fn cancel_jump(world: &mut World) {
    if let Some(jump) = world.remove_resource::<Jump>() {
        let mut clock = world.resource_mut::<SimClock>();
        if clock.paused {
            clock.paused = jump.was_paused;
        }
    }
}

/// Starts reading `path` on a thread; [`advance`] applies it with `apply`'s
/// caller once it is ready.
pub fn start_loading(world: &mut World, path: PathBuf) {
    let (send, result) = std::sync::mpsc::channel();
    let file = path.clone();
    std::thread::spawn(move || {
        let _ = send.send(crate::scenario::load_and_build(&file));
    });
    world.insert_resource(Loading {
        path,
        started: Instant::now(),
        result: std::sync::Mutex::new(result),
    });
}

/// A finished load: the file and what reading it gave.
pub type Loaded = (PathBuf, Result<Built, Vec<ScenarioError>>);

/// Runs the jump for up to `budget_ms` (all of it with `None`); returns
/// whether it is over.
fn run_jump(world: &mut World, budget_ms: Option<f64>) -> bool {
    let Some(target) = world.get_resource::<Jump>().map(|j| j.target_step) else {
        return true;
    };
    let started = Instant::now();
    while world.resource::<SimClock>().steps < target {
        sim::step(world);
        if budget_ms.is_some_and(|b| started.elapsed().as_secs_f64() * 1e3 >= b) {
            return false;
        }
    }
    cancel_jump(world);
    true
}

/// Takes a finished load, waiting for it when `wait` is set.
fn take_loaded(world: &mut World, wait: bool) -> Option<Loaded> {
    let loading = world.get_resource::<Loading>()?;
    let outcome = {
        let receiver = loading
            .result
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if wait {
            receiver.recv().map_err(|_| TryRecvError::Disconnected)
        } else {
            receiver.try_recv()
        }
    };
    let path = loading.path.clone();
    let result = match outcome {
        Ok(result) => result,
        Err(TryRecvError::Empty) => return None,
        Err(TryRecvError::Disconnected) => Err(vec![ScenarioError::file(
            &path.display().to_string(),
            crate::lang::tr("note.reading_stopped"),
        )]),
    };
    world.remove_resource::<Loading>();
    Some((path, result))
}

/// One frame's slice of the long work: a load that is ready, and up to
/// [`SLICE_MS`] of a jump. Returns the finished load for the caller to apply.
pub fn advance(world: &mut World) -> Option<Loaded> {
    let loaded = take_loaded(world, false);
    run_jump(world, Some(SLICE_MS));
    loaded
}

/// Finishes all long work now, waiting for a load (tests, and the headless
/// paths that have no frames). Returns the finished load.
pub fn finish(world: &mut World) -> Option<Loaded> {
    let loaded = take_loaded(world, true);
    run_jump(world, None);
    loaded
}
