//! Everything a user can do, headless: the [`action::Action`] type and its
//! one queue, the gates an action passes, and what the control layer
//! carries out itself (the clock, the grid, prices and weather, loading a
//! file, long jumps, edits with undo and save, scripts, quitting). The
//! modes are states here ([`mode::Mode`]) so that every folder can ask.
//! No render types: it runs on `MinimalPlugins` in the tests.
//!
//! Folders above it (`capture`, `world`, `modes`, `hud`) observe
//! [`queue::ApplyAction`] for the actions of their own concern.

pub mod action;
pub mod clock;
pub mod editing;
pub mod keys;
pub mod long_work;
pub mod mode;
pub mod queue;
pub mod requests;
pub mod script;
pub mod source;
pub mod view;

use bevy::prelude::*;

use crate::app::frame::AppSystems;

/// The queue, its gates, the control layer's observers, and the systems
/// that carry the queue out before the simulation's steps each frame.
pub fn plugin(app: &mut App) {
    app.add_plugins((
        mode::plugin,
        queue::plugin,
        requests::plugin,
        clock::plugin,
        source::plugin,
        editing::plugin,
    ));
    app.add_systems(Update, script::play_script.in_set(AppSystems::Input));
    app.add_systems(
        Update,
        (
            queue::apply_actions,
            source::run_long_work,
            requests::quit_when_done,
        )
            .chain()
            .in_set(AppSystems::ApplyActions),
    );
}
