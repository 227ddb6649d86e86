//! The window's frame in `Update`: one chained set, so that a frame never
//! shows half an update. Every folder of the app puts its systems in one of
//! these; this file imports nothing of the app.

use bevy::prelude::*;

/// The window's frame in `Update`, in this order.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Keys, clicks, the close button and a script's due steps become actions.
    Input,
    /// The queued actions are carried out (edits, loads, controls), then a
    /// slice of any long work.
    ApplyActions,
    /// The simulation's steps for the frame ([`crate::sim::SimulationFrame`]).
    Simulate,
    /// Everything drawn from the results: the scene, its animation, the
    /// charts' bookkeeping, the camera, the title.
    Present,
}

/// Chains [`AppSystems`] in `Update` around the simulation's steps.
pub fn order_the_frame(app: &mut App) {
    app.configure_sets(
        Update,
        (
            AppSystems::Input,
            AppSystems::ApplyActions,
            AppSystems::Simulate,
            AppSystems::Present,
        )
            .chain(),
    );
    app.configure_sets(
        Update,
        crate::sim::SimulationFrame.in_set(AppSystems::Simulate),
    );
}

/// Simulated seconds per step in the window.
pub const WINDOW_STEP_S: u32 = 60;

/// Most wall time the simulation may take of a frame, ms: beyond it the
/// simulation falls behind the chosen speed instead of slowing the window.
pub const SIM_BUDGET_MS_PER_FRAME: f64 = 4.0;
