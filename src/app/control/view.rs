//! Where the 3D view is: the part of the window the panels leave to it.
//! The panels (`hud`) say so each frame; the camera's input, the build
//! tool, the 3D camera's viewport and the layout report read it.

use bevy::prelude::*;
use bevy_egui::egui;

/// The part of the window the panels leave to the 3D view, in egui points,
/// and egui's zoom; the panels say where they are each frame.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Default)]
pub struct ViewRect {
    /// The free rectangle (none before the panels are first drawn).
    pub rect: Option<egui::Rect>,
    /// egui's zoom (points to logical pixels).
    pub zoom: f32,
}

impl ViewRect {
    /// Whether `pos` (egui points) is in the 3D view (anywhere before the
    /// panels are first drawn).
    pub fn contains(&self, pos: egui::Pos2) -> bool {
        self.rect.is_none_or(|r| r.contains(pos))
    }

    /// Whether the window's logical pixel `px` (a cursor position) is in
    /// the 3D view: egui's points are pixels over its zoom.
    pub fn contains_px(&self, px: Vec2) -> bool {
        let zoom = if self.zoom > 0.0 { self.zoom } else { 1.0 };
        self.contains(egui::pos2(px.x / zoom, px.y / zoom))
    }
}

/// Whether the pointer at `cursor_px` (logical pixels) is egui's rather
/// than the 3D view's: outside the view, over a window or the toolbox, or
/// wanted by egui. Asked of where the panels were drawn too, since a
/// pointer that has just moved there is not known to egui yet.
pub fn pointer_over_panel(
    ctx: &egui::Context,
    view_rect: &ViewRect,
    cursor_px: Option<Vec2>,
) -> bool {
    let over_layer = cursor_px.is_some_and(|px| {
        let pos = egui::pos2(px.x, px.y) / ctx.zoom_factor();
        !view_rect.contains_px(px)
            || ctx
                .layer_id_at(pos)
                .is_some_and(|l| l.order != egui::Order::Background)
    });
    over_layer || ctx.egui_wants_pointer_input() || ctx.is_pointer_over_egui()
}
