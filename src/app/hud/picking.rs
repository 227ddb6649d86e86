//! Clicks in the 3D view select what the inspector shows, and a selection
//! that no longer points at what was picked goes. What the pointer rests
//! on is known too, for its card.

use bevy::picking::hover::HoverMap;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::EguiContexts;

use crate::app::control::view::{ViewRect, pointer_over_panel};

use crate::app::world::scene::{Pick, Selection, hovered_part, pick_of};
use crate::sim::Neighbourhood;

pub(super) fn pick_on_click(
    mut clicks: MessageReader<PointerClick>,
    picks: Query<&Pick>,
    parents: Query<&ChildOf>,
    tool: Option<Res<crate::app::modes::build::BuildTool>>,
    time: Res<Time<Real>>,
    mut selection: ResMut<Selection>,
) {
    // A click is a short press; on a slow machine a frame or two of it.
    let longest_s = 0.4f32.max(2.5 * time.delta_secs());
    // With a build tool in hand a click is the tool's.
    if tool.is_some_and(|t| t.state.is_some()) {
        clicks.clear();
        return;
    }
    for click in clicks.read() {
        if click.button != PointerButton::Primary || click.duration.as_secs_f32() > longest_s {
            continue;
        }
        // The clicked part, or the nearest ancestor that is something to inspect.
        selection.0 = pick_of(click.entity, &picks, &parents);
    }
}

/// A selection that no longer points at what was picked goes: all of it
/// when another scenario loads, and after an edit what fell out of range
/// (and a house whose neighbours moved up because one was removed).
pub(super) fn forget_stale_selection(
    mut changes: MessageReader<crate::sim::NeighbourhoodChanged>,
    hood: Res<Neighbourhood>,
    mut selection: ResMut<Selection>,
    mut houses_before: Local<Option<(usize, usize)>>,
) {
    let counts = (hood.0.scenario.houses.len(), hood.0.devices.len());
    let previous = houses_before.replace(counts);
    for change in changes.read() {
        let built = &hood.0;
        // Indices hold while the lists keep their length (an edit to a
        // house's own devices); after an add, remove or undo they may name
        // something else, and the selection goes.
        let keep = change.edited
            && match selection.0 {
                Some(Pick::House(h)) => h < counts.0 && previous.is_none_or(|p| p.0 == counts.0),
                Some(Pick::Device(d)) => d < counts.1 && previous.is_none_or(|p| p == counts),
                Some(Pick::Line(l)) => l < built.network.lines.len(),
                Some(Pick::Bus(b)) => b < built.network.buses.len(),
                Some(Pick::Transformer) | None => true,
            };
        if !keep {
            selection.0 = None;
        }
    }
}

/// What the pointer rests on in the 3D view this frame (not over a panel),
/// and where, in logical pixels.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct Hovered {
    /// The part under the pointer, nearest first.
    pub pick: Option<Pick>,
    /// The pointer.
    pub at_px: Vec2,
}

/// Finds the part under the pointer: the nearest hit's pick or its ancestor's.
pub(super) fn track_the_hover(
    hover: Res<HoverMap>,
    picks: Query<&Pick>,
    parents: Query<&ChildOf>,
    windows: Query<&Window, With<PrimaryWindow>>,
    view_rect: Res<ViewRect>,
    mut contexts: EguiContexts,
    mut hovered: ResMut<Hovered>,
) {
    let cursor_px = windows.iter().next().and_then(Window::cursor_position);
    let over_panel = contexts
        .ctx_mut()
        .is_ok_and(|ctx| pointer_over_panel(ctx, &view_rect, cursor_px));
    let pick = if over_panel {
        None
    } else {
        hovered_part(&hover, &picks, &parents)
    };
    hovered.set_if_neq(Hovered {
        pick,
        at_px: cursor_px.unwrap_or_default(),
    });
}
