//! What the window is asked to do beyond the simulation: close, take a
//! screenshot, say a short note in the status bar. The requests live here
//! so that anything may ask; `capture` and `hud` fulfil them.

use std::path::PathBuf;

use bevy::prelude::*;

use super::action::Action;
use super::queue::ApplyAction;

/// The screenshot key or button was pressed (`capture` takes it).
#[derive(Resource, Debug, Default)]
pub struct ScreenshotRequest {
    /// Take one at the end of this frame.
    pub requested: bool,
    /// Where (a script's `Screenshot`), else a dated name under `screenshots/`.
    pub path: Option<PathBuf>,
    /// Screenshots asked for and not yet written (quitting waits for them).
    pub pending: u32,
    /// Only this part of the window, physical pixels `[x, y, w, h]` (a
    /// report card), else all of it.
    pub crop: Option<[u32; 4]>,
}

/// A short note for the status bar (where a screenshot went, which
/// graphics were chosen); the newest wins.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct StatusNote(pub Option<String>);

impl StatusNote {
    /// Says `note` from now on.
    pub fn say(&mut self, note: String) {
        self.0 = Some(note);
    }
}

pub(super) fn plugin(app: &mut App) {
    // The request itself comes with `capture`: without it (headless) a
    // screenshot is not asked for, and quitting does not wait for one.
    app.init_resource::<StatusNote>();
    app.add_observer(quit_and_screenshot);
}

/// Quitting, closing the window and a screenshot to a named file.
fn quit_and_screenshot(
    action: On<ApplyAction>,
    request: Option<ResMut<ScreenshotRequest>>,
    mut commands: Commands,
) {
    match &action.0 {
        Action::Quit | Action::CloseWindow => commands.insert_resource(QuitRequested),
        Action::Screenshot(path) => {
            if let Some(mut request) = request {
                request.requested = true;
                request.path = Some(path.clone());
            }
        }
        _ => {}
    }
}

/// The window is to close once the screenshots asked for are written.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuitRequested;

/// Ends the app once quitting was asked for and no screenshot is pending.
pub fn quit_when_done(world: &mut World) {
    if !world.contains_resource::<QuitRequested>() {
        return;
    }
    let busy = world
        .get_resource::<ScreenshotRequest>()
        .is_some_and(|r| r.requested || r.pending > 0);
    if !busy {
        world.remove_resource::<QuitRequested>();
        world.write_message(AppExit::Success);
    }
}
