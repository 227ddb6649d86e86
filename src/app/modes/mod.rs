//! The ways the window is used, one file each, each a plugin that enters
//! and leaves its [`crate::app::control::mode::Mode`] and carries out its
//! own actions: build mode ([`build`]), challenges ([`challenge`]),
//! guided lessons ([`lesson`]) and the public demo ([`demo`]). Their logic
//! runs headless; build mode's tool in the 3D view needs the window.

pub mod build;
pub mod challenge;
pub mod class;
pub mod demo;
pub mod lesson;

use bevy::prelude::*;

/// The modes' logic (headless too).
pub fn plugin(app: &mut App) {
    // The demo's gate before the challenge's (the demo refuses silently).
    app.add_plugins((
        build::plugin,
        demo::plugin,
        challenge::plugin,
        lesson::plugin,
    ));
}

/// What the modes add to the window: build mode's tool in the 3D view.
pub fn window_plugin(app: &mut App) {
    app.add_plugins(build::tool_plugin);
}
