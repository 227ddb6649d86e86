//! Clicks in the 3D view select what the inspector shows, and a selection
//! that no longer points at what was picked goes. What the pointer rests
//! on is known too, for its card.

use bevy::picking::hover::HoverMap;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::EguiContexts;

use crate::app::control::view::{ViewRect, pointer_over_panel};

use crate::app::world::scene::{Pick, Picker, Selection};
use crate::sim::Neighbourhood;

pub(super) fn pick_on_click(
    mut clicks: MessageReader<PointerClick>,
    picker: Picker,
    tool: Option<Res<crate::app::modes::build::BuildTool>>,
    time: Res<Time<Real>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    view_rect: Res<ViewRect>,
    mut contexts: EguiContexts,
    mut selection: ResMut<Selection>,
) {
    // A click is a short press; on a slow machine a frame or two of it.
    let longest_s = 0.4f32.max(2.5 * time.delta_secs());
    // With a build tool in hand a click is the tool's; over a panel it is
    // the panel's (a quick click on a panel's button reached the 3D view
    // too, as a click on nothing, and put the selection away before the
    // button could act on it).
    let cursor_px = windows.iter().next().and_then(Window::cursor_position);
    let over_panel = contexts
        .ctx_mut()
        .is_ok_and(|ctx| pointer_over_panel(ctx, &view_rect, cursor_px));
    if over_panel || tool.is_some_and(|t| t.state.is_some()) {
        clicks.clear();
        return;
    }
    for click in clicks.read() {
        if click.button != PointerButton::Primary || click.duration.as_secs_f32() > longest_s {
            continue;
        }
        // The clicked part, or the nearest ancestor that is something to inspect.
        selection.0 = picker.pick_of(click.entity, click.hit.position);
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
    picker: Picker,
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
        picker.hovered(&hover)
    };
    hovered.set_if_neq(Hovered {
        pick,
        at_px: cursor_px.unwrap_or_default(),
    });
}

/// What the pointer rests on and what is selected, explained in plain
/// sentences from the simulation's decisions (see [`crate::sim::why`]).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Explained {
    /// For the card under the pointer.
    pub hovered: Vec<String>,
    /// For the inspector.
    pub selected: Vec<String>,
}

/// What `pick` is, for an explanation (a joint has none of its own).
fn subject_of(pick: Pick) -> Option<crate::sim::why::Subject> {
    use crate::sim::why::Subject;
    match pick {
        Pick::House(h) => Some(Subject::House(h)),
        Pick::Device(d) => Some(Subject::Device(d)),
        Pick::Line(l) => Some(Subject::Line(l)),
        Pick::Transformer => Some(Subject::Transformer),
        Pick::Bus(_) => None,
    }
}

/// Explains what is hovered and what is selected, each frame.
pub(super) fn explain_what_is_pointed_at(world: &mut World) {
    let hovered = world.get_resource::<Hovered>().and_then(|h| h.pick);
    let selected = world.get_resource::<Selection>().and_then(|s| s.0);
    let say = |pick: Option<Pick>| {
        pick.and_then(subject_of)
            .map(|s| crate::sim::why::explain(world, s))
            .unwrap_or_default()
    };
    let explained = Explained {
        hovered: say(hovered),
        selected: say(selected),
    };
    if world.get_resource::<Explained>() != Some(&explained) {
        world.insert_resource(explained);
    }
}
