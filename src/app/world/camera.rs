//! The orbit camera: drag to orbit (left button) or pan (right or middle),
//! scroll to zoom; arrows pan, Q/E turn, PageUp/PageDown zoom, Home resets,
//! 1-4 pick a preset view. Input over an egui panel is left to egui.

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;

use crate::app::control::action::Action;
use crate::app::control::queue::ApplyAction;
use crate::app::control::view::ViewRect;
use bevy::window::PrimaryWindow;
use bevy_egui::EguiContexts;

/// Where the camera looks from: a point it orbits, angles and a distance.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct OrbitCamera {
    /// The point looked at (world).
    pub focus: Vec3,
    /// Turn about the vertical, radians (0 looks north).
    pub yaw: f32,
    /// Angle above the horizon, radians.
    pub pitch: f32,
    /// Distance from the focus, metres.
    pub distance: f32,
}

/// The views keys 1-4 (and Home, the first) go to.
#[derive(Component, Debug, Clone)]
pub struct CameraPresets(pub Vec<(&'static str, OrbitCamera)>);

impl OrbitCamera {
    /// Lowest and highest pitch, radians (never under the ground, never flipped).
    pub const PITCH_RANGE: (f32, f32) = (0.08, 1.55);
    /// Closest and farthest distance, metres.
    pub const DISTANCE_RANGE: (f32, f32) = (8.0, 6000.0);

    /// The camera's transform: on the sphere around the focus, looking at it.
    pub fn transform(&self) -> Transform {
        let pitch = self.pitch.clamp(Self::PITCH_RANGE.0, Self::PITCH_RANGE.1);
        let offset = Vec3::new(
            self.distance * pitch.cos() * self.yaw.sin(),
            self.distance * pitch.sin(),
            self.distance * pitch.cos() * self.yaw.cos(),
        );
        Transform::from_translation(self.focus + offset).looking_at(self.focus, Vec3::Y)
    }

    /// Orbits by `d_yaw`, `d_pitch` radians, keeping pitch in range.
    pub fn orbit(&mut self, d_yaw: f32, d_pitch: f32) {
        self.yaw += d_yaw;
        self.pitch = (self.pitch + d_pitch).clamp(Self::PITCH_RANGE.0, Self::PITCH_RANGE.1);
    }

    /// Moves the focus on the ground by `right`, `forward` screen-relative
    /// metres.
    pub fn pan(&mut self, right: f32, forward: f32) {
        let fwd = Vec3::new(-self.yaw.sin(), 0.0, -self.yaw.cos());
        let side = Vec3::new(self.yaw.cos(), 0.0, -self.yaw.sin());
        self.focus += side * right + fwd * forward;
    }

    /// Zooms by `factor` (below 1 moves closer), keeping the distance in range.
    pub fn zoom(&mut self, factor: f32) {
        self.distance =
            (self.distance * factor).clamp(Self::DISTANCE_RANGE.0, Self::DISTANCE_RANGE.1);
    }
}

/// The preset views for a scene centred on `centre` with radius `radius_m`:
/// overview, street level, the transformer, straight down.
pub fn presets(centre: Vec3, radius_m: f32, transformer: Vec3) -> Vec<(&'static str, OrbitCamera)> {
    vec![
        (
            "Overview",
            OrbitCamera {
                focus: centre,
                yaw: 0.35,
                pitch: 0.58,
                distance: radius_m * 1.3,
            },
        ),
        (
            "Street",
            OrbitCamera {
                focus: transformer + Vec3::new(35.0, 0.0, 10.0),
                yaw: 0.9,
                pitch: 0.18,
                distance: 60.0,
            },
        ),
        (
            "Transformer",
            OrbitCamera {
                focus: transformer,
                yaw: -0.6,
                pitch: 0.45,
                distance: 40.0,
            },
        ),
        (
            "Map",
            OrbitCamera {
                focus: centre,
                yaw: 0.0,
                pitch: OrbitCamera::PITCH_RANGE.1,
                distance: radius_m * 2.2,
            },
        ),
    ]
}

/// What holds the camera's usual input back, set each frame by whoever
/// needs the mouse or the keys for something else.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CameraHeld {
    /// The left button drags a part (build mode's move tool), not the view.
    pub mouse: bool,
    /// The digit keys type (the demo operator's PIN), not pick views.
    pub digits: bool,
}

/// Mouse, touch and keyboard move the camera; `LookAt` turns it.
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CameraHeld>();
    app.add_observer(look_at_when_asked);
    app.add_systems(
        Update,
        (control_camera, touch_camera, apply_orbit)
            .chain()
            .in_set(crate::app::frame::AppSystems::Present),
    );
}

/// Every key the camera reads: arrows pan, Q and E turn, PageUp and
/// PageDown zoom, 1 to 4 and Home pick a view.
pub const CAMERA_KEYS: [KeyCode; 13] = [
    KeyCode::ArrowLeft,
    KeyCode::ArrowRight,
    KeyCode::ArrowUp,
    KeyCode::ArrowDown,
    KeyCode::KeyQ,
    KeyCode::KeyE,
    KeyCode::PageUp,
    KeyCode::PageDown,
    KeyCode::Digit1,
    KeyCode::Digit2,
    KeyCode::Digit3,
    KeyCode::Digit4,
    KeyCode::Home,
];

/// What the fingers on the screen ask of the camera between two frames.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TouchMove {
    /// One finger's drag, pixels: it orbits.
    pub drag: Vec2,
    /// Two fingers' pinch, as a factor on the distance (under 1: closer).
    pub zoom: f32,
    /// Two fingers' common move, pixels: it pans.
    pub pan: Vec2,
}

/// The camera's move for fingers at `before` and `now` (the same fingers
/// in the same order): one drags to orbit; two pinch to zoom, by how much
/// their spread changed, and pan by their midpoint's move. Three or more
/// do nothing.
pub fn touch_move(before: &[Vec2], now: &[Vec2]) -> TouchMove {
    match (before, now) {
        ([a], [b]) => TouchMove {
            drag: *b - *a,
            zoom: 1.0,
            pan: Vec2::ZERO,
        },
        ([a0, a1], [b0, b1]) => {
            let (was, is) = (a0.distance(*a1), b0.distance(*b1));
            TouchMove {
                drag: Vec2::ZERO,
                zoom: if was > 1.0 && is > 1.0 { was / is } else { 1.0 },
                pan: (*b0 + *b1) / 2.0 - (*a0 + *a1) / 2.0,
            }
        }
        _ => TouchMove {
            zoom: 1.0,
            ..default()
        },
    }
}

/// Drag to orbit, pinch to zoom, two fingers to pan, where the fingers
/// are on the 3D view (a panel's touches are the panel's).
fn touch_camera(
    touches: Option<Res<Touches>>,
    view_rect: Res<ViewRect>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    let Some(touches) = touches else {
        return;
    };
    let on_view: Vec<&bevy::input::touch::Touch> = touches
        .iter()
        .filter(|t| view_rect.contains_px(t.start_position()))
        .collect();
    if on_view.is_empty() {
        return;
    }
    let before: Vec<Vec2> = on_view.iter().map(|t| t.previous_position()).collect();
    let now: Vec<Vec2> = on_view.iter().map(|t| t.position()).collect();
    let m = touch_move(&before, &now);
    for mut orbit in &mut cameras {
        if m.drag != Vec2::ZERO {
            orbit.orbit(-m.drag.x * 0.005, m.drag.y * 0.004);
        }
        if m.zoom != 1.0 {
            orbit.zoom(m.zoom);
        }
        if m.pan != Vec2::ZERO {
            let scale = orbit.distance * 0.0015;
            orbit.pan(-m.pan.x * scale, m.pan.y * scale);
        }
    }
}

fn control_camera(
    mut contexts: EguiContexts,
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    time: Res<Time<Real>>,
    mut cameras: Query<(&mut OrbitCamera, &CameraPresets)>,
    held: Res<CameraHeld>,
    (windows, view_rect, mut drag_began_in_view): (
        Query<&Window, With<PrimaryWindow>>,
        Res<ViewRect>,
        Local<bool>,
    ),
) {
    let dragging = held.mouse;
    let typing_pin = held.digits;
    // The wheel and drags belong to the 3D view only where the docked
    // panels leave it and no floating one (the help, a lesson, the
    // inspector) lies over it, as egui says: scrolling the charts or the
    // help does not zoom, dragging on a panel's empty part does not orbit.
    let over_a_window = contexts
        .ctx_mut()
        .is_ok_and(|ctx| ctx.is_pointer_over_egui());
    let in_view = !over_a_window
        && windows
            .single()
            .ok()
            .and_then(Window::cursor_position)
            .is_some_and(|px| view_rect.contains_px(px));
    if buttons.any_just_pressed([MouseButton::Left, MouseButton::Right, MouseButton::Middle]) {
        *drag_began_in_view = in_view;
    }
    let (egui_pointer, egui_keys) = contexts
        .ctx_mut()
        .map(|ctx| {
            (
                ctx.egui_wants_pointer_input(),
                // Only a text field keeps the keys (a button's Tab focus is
                // let go by the shortcuts).
                ctx.text_edit_focused(),
            )
        })
        .unwrap_or((false, false));
    let dt = time.delta_secs().min(0.1);
    for (mut orbit, presets) in &mut cameras {
        if !egui_pointer {
            let delta = motion.delta;
            // A drag that began on a panel is the panel's.
            let drags = *drag_began_in_view;
            if drags && buttons.pressed(MouseButton::Left) && !dragging {
                orbit.orbit(-delta.x * 0.005, delta.y * 0.004);
            } else if drags
                && (buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle))
            {
                let scale = orbit.distance * 0.0015;
                orbit.pan(-delta.x * scale, delta.y * scale);
            }
            let lines = match scroll.unit {
                MouseScrollUnit::Line => scroll.delta.y,
                MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
            };
            if lines != 0.0 && in_view {
                orbit.zoom(0.88_f32.powf(lines));
            }
        }
        if egui_keys {
            continue;
        }
        let speed = orbit.distance * 0.8 * dt;
        let axis = |neg: KeyCode, pos: KeyCode| {
            f32::from(u8::from(keys.pressed(pos))) - f32::from(u8::from(keys.pressed(neg)))
        };
        orbit.pan(
            axis(KeyCode::ArrowLeft, KeyCode::ArrowRight) * speed,
            axis(KeyCode::ArrowDown, KeyCode::ArrowUp) * speed,
        );
        orbit.orbit(axis(KeyCode::KeyE, KeyCode::KeyQ) * 1.2 * dt, 0.0);
        let zoom = axis(KeyCode::PageUp, KeyCode::PageDown);
        if zoom != 0.0 {
            orbit.zoom(1.0 + zoom * 1.5 * dt);
        }
        for (key, (_, preset)) in CAMERA_KEYS[8..12].iter().zip(&presets.0) {
            if keys.just_pressed(*key) && !typing_pin {
                *orbit = *preset;
            }
        }
        if keys.just_pressed(KeyCode::Home)
            && let Some((_, first)) = presets.0.first()
        {
            *orbit = *first;
        }
    }
}

fn apply_orbit(mut cameras: Query<(&OrbitCamera, &mut Transform), Changed<OrbitCamera>>) {
    for (orbit, mut transform) in &mut cameras {
        *transform = orbit.transform();
    }
}

/// `LookAt` from a results screen, a script or a tour.
fn look_at_when_asked(action: On<ApplyAction>, mut commands: Commands) {
    if let Action::LookAt(place) = &action.0 {
        let place = place.clone();
        commands.queue(move |world: &mut World| look_at(world, &place));
    }
}

/// Where the camera was last turned, and in which frame: a neighbourhood
/// opened in the same frame (a lesson's first step) starts at its
/// overview when the scene is rebuilt later in the frame, and then turns
/// here again instead of losing the focus.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct LookedAt {
    /// The place, as `LookAt` names it.
    pub place: String,
    /// The frame it was asked in.
    pub frame: u32,
}

/// Turns the camera to `place` (see [`crate::app::world::layout::place_position`]), close enough to read.
pub fn look_at(world: &mut World, place: &str) {
    let frame = world
        .get_resource::<bevy::diagnostic::FrameCount>()
        .map_or(0, |f| f.0);
    world.insert_resource(LookedAt {
        place: place.to_owned(),
        frame,
    });
    let Some(target) = focus_of(&world.resource::<crate::sim::Neighbourhood>().0, place) else {
        return;
    };
    let mut cameras = world.query::<&mut OrbitCamera>();
    for mut camera in cameras.iter_mut(world) {
        turn_to(&mut camera, target);
    }
}

/// The point the camera turns to for `place` in `built`.
pub fn focus_of(built: &crate::scenario::Built, place: &str) -> Option<Vec3> {
    crate::app::world::layout::place_position(built, place)
        .map(|p| crate::app::world::layout::to_world(p, 0.0))
}

/// The camera's focus on `target`, close enough to read.
pub fn turn_to(camera: &mut OrbitCamera, target: Vec3) {
    camera.focus = target;
    camera.distance = camera.distance.min(90.0);
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_finger_orbits_and_two_pinch_and_pan() {
        use super::{TouchMove, touch_move};
        use bevy::prelude::Vec2;
        let one = touch_move(&[Vec2::new(10.0, 10.0)], &[Vec2::new(30.0, 5.0)]);
        assert_eq!(one.drag, Vec2::new(20.0, -5.0));
        assert_eq!(one.zoom, 1.0);
        // Fingers spreading from 100 to 200 px apart: half the distance.
        let pinch = touch_move(
            &[Vec2::new(0.0, 0.0), Vec2::new(100.0, 0.0)],
            &[Vec2::new(-50.0, 10.0), Vec2::new(150.0, 10.0)],
        );
        assert!((pinch.zoom - 0.5).abs() < 1e-6, "{pinch:?}");
        assert_eq!(pinch.pan, Vec2::new(0.0, 10.0));
        assert_eq!(pinch.drag, Vec2::ZERO);
        // Fingers on top of each other, or three, do nothing.
        let same = touch_move(&[Vec2::ZERO, Vec2::ZERO], &[Vec2::ZERO, Vec2::ONE]);
        assert_eq!(same.zoom, 1.0);
        let three = [Vec2::ZERO; 3];
        assert_eq!(
            touch_move(&three, &three),
            TouchMove {
                zoom: 1.0,
                ..Default::default()
            }
        );
    }

    use super::*;

    #[test]
    fn the_camera_looks_at_its_focus_from_its_distance() {
        let orbit = OrbitCamera {
            focus: Vec3::new(10.0, 0.0, -5.0),
            yaw: 0.7,
            pitch: 0.5,
            distance: 100.0,
        };
        let t = orbit.transform();
        assert!((t.translation.distance(orbit.focus) - 100.0).abs() < 1e-3);
        let towards = (orbit.focus - t.translation).normalize();
        assert!(t.forward().dot(towards) > 0.9999);
        assert!(t.translation.y > 0.0);
    }

    #[test]
    fn orbit_and_zoom_stay_in_range_and_pan_keeps_the_height() {
        let mut orbit = OrbitCamera {
            focus: Vec3::ZERO,
            yaw: 0.0,
            pitch: 0.5,
            distance: 100.0,
        };
        orbit.orbit(0.0, 10.0);
        assert_eq!(orbit.pitch, OrbitCamera::PITCH_RANGE.1);
        orbit.orbit(0.0, -10.0);
        assert_eq!(orbit.pitch, OrbitCamera::PITCH_RANGE.0);
        orbit.zoom(1e-6);
        assert_eq!(orbit.distance, OrbitCamera::DISTANCE_RANGE.0);
        // Yaw 0 looks north (-z): "forward" pans north, "right" pans east.
        orbit.pan(3.0, 4.0);
        assert!((orbit.focus - Vec3::new(3.0, 0.0, -4.0)).length() < 1e-5);
    }
}
