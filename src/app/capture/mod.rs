//! What the window records of itself: screenshots (F12, a script's, the
//! timed one of `open --screenshot`), the frame figures, the dump of every
//! text drawn (`--dump-texts`), the report of the drawn layout
//! (`--layout-report`), the memory log of a soak (`--memory-log`), and
//! `microgrid frames`, which times the sandbox
//! against a bare Bevy scene, in a window or drawn into an image with no
//! window at all (`--offscreen`).

pub mod bare_scene;
pub mod frames;
pub mod layout_report;
pub mod memory_log;
pub mod offscreen;
pub mod screenshot;
pub mod text_dump;

use bevy::prelude::*;

/// Screenshots, frame figures, the texts dump and the layout report.
pub fn plugin(app: &mut App) {
    app.add_plugins((
        screenshot::plugin,
        text_dump::plugin,
        layout_report::plugin,
        memory_log::plugin,
    ));
}
