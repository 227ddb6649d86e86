//! The app's modes as Bevy states, so that every folder can ask which one
//! is on with a run condition (`in_state(Mode::Demo)`) instead of looking
//! for another folder's resource. Each mode's plugin (in `modes/`) enters
//! and leaves its mode and keeps its own data.

use bevy::prelude::*;
use bevy::state::state::FreelyMutableState;

/// What the window is being used for.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Free play on a neighbourhood.
    #[default]
    Sandbox,
    /// A challenge: briefing, design, run, results.
    Challenge,
    /// A guided lesson, step by step.
    Lesson,
    /// The public demo: tours, visitors and the operator.
    Demo,
}

/// Build mode: the build panel is open and clicks select what to edit.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Building {
    /// Clicks inspect.
    #[default]
    Off,
    /// Clicks build.
    On,
}

pub(super) fn plugin(app: &mut App) {
    if !app.is_plugin_added::<bevy::state::app::StatesPlugin>() {
        app.add_plugins(bevy::state::app::StatesPlugin);
    }
    app.init_state::<Mode>();
    app.init_state::<Building>();
}

/// Moves to `state` now, running its `OnExit`/`OnEnter` at once, from code
/// that holds the world (an action being carried out): the rest of the
/// frame already sees the new state.
pub fn enter<S: FreelyMutableState>(world: &mut World, state: S) {
    let Some(current) = world.get_resource::<State<S>>() else {
        return;
    };
    if *current.get() == state {
        // Stay, and forget a move asked for earlier in the frame.
        world.resource_mut::<NextState<S>>().reset();
        return;
    }
    world.resource_mut::<NextState<S>>().set(state);
    let _ = world.try_run_schedule(StateTransition);
}
