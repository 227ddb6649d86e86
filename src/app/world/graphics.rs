//! The graphics setting (`--graphics high|low|auto`, F9 in the window):
//! `high` draws the 3D view at the window's resolution with shadows and
//! MSAA; `low` at [`LOW_RENDER_SCALE`] of it without shadows or MSAA;
//! `auto` starts `low` on a software renderer and falls back to `low` when
//! frames stay slow, and says why.
//!
//! Either way the 3D camera draws into an image that egui, on a camera of
//! its own ([`UiCamera`]), paints under its panels at the window's
//! resolution (they stay sharp), and only the part the panels leave is
//! drawn. A click reaches the 3D view through a pointer of its own (the
//! mouse's, moved onto the image), so picking works as on a window.

use bevy::camera::visibility::RenderLayers;
use bevy::camera::{ImageRenderTarget, RenderTarget};
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::picking::PickingSystems;
use bevy::picking::backend::prelude::PointerId;
use bevy::picking::pointer::{Location, PointerInput, PointerLocation};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::{MonitorSelection, PrimaryWindow, WindowPosition};
use bevy_egui::{EguiContexts, EguiGlobalSettings, EguiTextureHandle, PrimaryEguiContext, egui};

use crate::app::capture::screenshot::FrameStats;
use crate::app::control::action::Action;
use crate::app::control::mode::Mode;
use crate::app::control::queue::ApplyAction;
use crate::app::control::requests::StatusNote;
use crate::app::control::view::ViewRect;
use crate::app::frame::AppSystems;

/// The share of the window's resolution the 3D view is drawn at in `low`.
pub const LOW_RENDER_SCALE: f32 = 0.5;
/// `auto` switches to `low` when frames in `high` average more than this, ms
/// (under 20 frames a second)...
pub const AUTO_SLOW_FRAME_MS: f64 = 50.0;
/// ...over this many frames after the first seconds.
pub const AUTO_FRAMES: u64 = 20;

pub use crate::app::control::action::GraphicsSetting;

/// Why `auto` chose `low`.
#[derive(Debug, Clone, PartialEq)]
pub enum LowBecause {
    /// The adapter is a software renderer (its name).
    Software(String),
    /// Frames in `high` took this long on average, ms.
    Slow(f64),
}

/// The graphics in force.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct Graphics {
    /// What was asked for.
    pub setting: GraphicsSetting,
    /// The 3D view is drawn the `low` way.
    pub low: bool,
    /// Why `auto` chose `low` (none: it was asked for, or it is `high`).
    pub because: Option<LowBecause>,
    /// `auto` has looked at the adapter.
    adapter_checked: bool,
    /// Frames counted (in `high`) when `auto` started watching them.
    watch_from: Option<(u64, f64)>,
}

impl Graphics {
    /// The graphics as asked for; `auto` starts `high` until it has looked.
    pub fn new(setting: GraphicsSetting) -> Graphics {
        Graphics {
            setting,
            low: setting == GraphicsSetting::Low,
            because: None,
            adapter_checked: false,
            watch_from: None,
        }
    }

    /// One line for the status bar and the operator: "Graphics: low
    /// (auto: software renderer llvmpipe)".
    pub fn describe(&self) -> String {
        let quality = if self.low {
            crate::lang::tr("graphics.low")
        } else {
            crate::lang::tr("graphics.high")
        };
        match (&self.because, self.setting) {
            (Some(LowBecause::Software(name)), _) => {
                crate::tr!("graphics.auto_software", quality = quality, name = name)
            }
            (Some(LowBecause::Slow(ms)), _) => crate::tr!(
                "graphics.auto_slow",
                quality = quality,
                ms = crate::lang::num(*ms, 0)
            ),
            (None, GraphicsSetting::Auto) => crate::tr!("graphics.auto", quality = quality),
            (None, _) => crate::tr!("graphics.chosen", quality = quality),
        }
    }
}

/// The camera egui draws with, over the 3D view.
#[derive(Component)]
pub struct UiCamera;

/// The pointer that carries the mouse onto the 3D view's image in `low`.
pub const VIEW_POINTER: PointerId = PointerId::Custom(bevy::asset::uuid::Uuid::from_u128(
    0x6d69_6372_6f67_7269_6476_6965_7770_7472,
));

/// The render layer of the UI camera, which nothing else is on.
const UI_LAYER: usize = 31;

pub(super) fn plugin(app: &mut App) {
    app.world_mut()
        .resource_mut::<EguiGlobalSettings>()
        .auto_create_primary_context = false;
    if !app.world().contains_resource::<Graphics>() {
        app.insert_resource(Graphics::new(GraphicsSetting::default()));
    }
    app.init_resource::<ViewRect>();
    app.add_observer(set_the_graphics);
    app.add_systems(Startup, spawn_ui_camera);
    app.add_systems(
        Update,
        (auto_choose, apply_graphics, fit_the_view, paint_the_view)
            .chain()
            .in_set(AppSystems::Present),
    );
    app.add_systems(
        Update,
        fit_the_window_to_the_screen
            .in_set(AppSystems::Present)
            .run_if(resource_exists::<FitToScreen>),
    );
    app.add_systems(
        Update,
        f9_changes_the_graphics
            .in_set(AppSystems::Input)
            .run_if(not(in_state(Mode::Demo))),
    );
    app.add_systems(
        PreUpdate,
        mouse_onto_the_view
            .after(PickingSystems::Input)
            .before(PickingSystems::ProcessInput),
    );
}

/// No window size was asked for: the window shrinks, once, to fit the
/// screen it opened on (a 1600x900 window on a 1280x720 projector would
/// hang off its edges).
#[derive(Resource, Debug, Clone, Copy)]
pub struct FitToScreen;

/// The most of a screen's width and height a window takes when it fits.
const SCREEN_SHARE: f32 = 0.92;

/// The size (logical pixels) that fits `window` on a `screen` of logical
/// pixels, keeping the window's shape; the window itself if it fits.
pub fn size_to_fit(window: Vec2, screen: Vec2) -> Vec2 {
    let room = screen * SCREEN_SHARE;
    let k = (room.x / window.x).min(room.y / window.y);
    if !k.is_finite() || k >= 1.0 || k <= 0.0 {
        return window;
    }
    (window * k).floor()
}

fn fit_the_window_to_the_screen(
    mut commands: Commands,
    monitors: Query<&bevy::window::Monitor, With<bevy::window::PrimaryMonitor>>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
) {
    let (Ok(monitor), Ok(mut window)) = (monitors.single(), windows.single_mut()) else {
        return;
    };
    commands.remove_resource::<FitToScreen>();
    let scale = monitor.scale_factor.max(0.1) as f32;
    let screen = Vec2::new(
        monitor.physical_width as f32,
        monitor.physical_height as f32,
    ) / scale;
    let now = Vec2::new(window.width(), window.height());
    let fit = size_to_fit(now, screen);
    if fit != now {
        window.resolution.set(fit.x, fit.y);
        window.position = WindowPosition::Centered(MonitorSelection::Primary);
    }
}

/// `SetGraphics` from a key, a button or a script.
fn set_the_graphics(action: On<ApplyAction>, mut commands: Commands) {
    if let Action::SetGraphics(setting) = action.0 {
        commands.insert_resource(Graphics::new(setting));
    }
}

/// egui's camera, which draws the window (the 3D view's image under the
/// panels; with no window, into the image drawn instead), and the pointer
/// that carries clicks onto the image.
fn spawn_ui_camera(
    mut commands: Commands,
    offscreen: Option<Res<crate::app::capture::offscreen::Offscreen>>,
) {
    let mut camera = commands.spawn((
        Name::new("UI camera"),
        UiCamera,
        Camera2d,
        Camera {
            order: 1,
            ..default()
        },
        Msaa::Off,
        Tonemapping::None,
        // It draws no meshes: the 3D view is the image.
        RenderLayers::layer(UI_LAYER),
        PrimaryEguiContext,
    ));
    // With no window, it draws the window's pixels into an image.
    if let Some(offscreen) = offscreen {
        camera.insert(RenderTarget::Image(ImageRenderTarget {
            handle: offscreen.image.clone(),
            scale_factor: 1.0,
        }));
    }
    commands.spawn((
        Name::new("View pointer"),
        VIEW_POINTER,
        PointerLocation::default(),
    ));
}

/// F9: high, low, auto in turn (the demo's operator has buttons instead).
fn f9_changes_the_graphics(
    keys: Res<ButtonInput<KeyCode>>,
    graphics: Res<Graphics>,
    mut actions: ResMut<crate::app::control::queue::PendingActions>,
) {
    if keys.just_pressed(KeyCode::F9) {
        let next = match graphics.setting {
            GraphicsSetting::High => GraphicsSetting::Low,
            GraphicsSetting::Low => GraphicsSetting::Auto,
            GraphicsSetting::Auto => GraphicsSetting::High,
        };
        actions.push(crate::app::control::action::Action::SetGraphics(next));
    }
}

/// The short name of a software renderer ("llvmpipe (LLVM 15.0.6, 256
/// bits)" reads "llvmpipe"), or none for a GPU.
fn software_renderer(name: &str, cpu: bool) -> Option<String> {
    let lower = name.to_lowercase();
    let software = cpu
        || [
            "llvmpipe",
            "lavapipe",
            "softpipe",
            "swiftshader",
            "microsoft basic render",
        ]
        .iter()
        .any(|s| lower.contains(s));
    software.then(|| name.split(" (").next().unwrap_or(name).trim().to_owned())
}

/// `auto`: `low` on a software renderer, or once frames stay slow in `high`.
fn auto_choose(
    mut graphics: ResMut<Graphics>,
    adapter: Option<Res<RenderAdapterInfo>>,
    frames: Res<FrameStats>,
) {
    if graphics.setting != GraphicsSetting::Auto || graphics.low {
        return;
    }
    if !graphics.adapter_checked
        && let Some(info) = adapter
    {
        graphics.bypass_change_detection().adapter_checked = true;
        let cpu = format!("{:?}", info.device_type) == "Cpu";
        if let Some(short) = software_renderer(&info.name, cpu) {
            graphics.low = true;
            graphics.because = Some(LowBecause::Software(short));
            return;
        }
    }
    // Frames after the first second (what FrameStats counts).
    match graphics.watch_from {
        None if frames.frames > 0 => {
            graphics.bypass_change_detection().watch_from =
                Some((frames.frames, frames.total_frame_ms));
        }
        Some((n0, ms0)) if frames.frames >= n0 + AUTO_FRAMES => {
            let mean = (frames.total_frame_ms - ms0) / (frames.frames - n0) as f64;
            if mean > AUTO_SLOW_FRAME_MS {
                graphics.low = true;
                graphics.because = Some(LowBecause::Slow(mean));
            } else {
                graphics.bypass_change_detection().watch_from =
                    Some((frames.frames, frames.total_frame_ms));
            }
        }
        _ => {}
    }
}

/// The 3D view's image, as egui knows it.
#[derive(Resource, Debug, Clone)]
struct ViewImage {
    image: Handle<Image>,
    texture: egui::TextureId,
}

/// The 3D camera draws into an image ([`ViewImage`]) of the window's size
/// times the render scale, which egui paints under its panels; kept to
/// the graphics and the window's size. The camera is made afresh when
/// they change: changing the target and MSAA of the running camera left
/// its meshes undrawn (Bevy 0.19 under lavapipe). egui keeps its own camera
/// throughout: moving its context between cameras left the window blank.
#[allow(clippy::too_many_arguments)]
fn apply_graphics(
    mut commands: Commands,
    graphics: Res<Graphics>,
    windows: Query<&Window, With<PrimaryWindow>>,
    views: Query<
        (
            Entity,
            &crate::app::world::camera::OrbitCamera,
            &crate::app::world::camera::CameraPresets,
            &Transform,
        ),
        With<Camera3d>,
    >,
    view: Option<Res<ViewImage>>,
    mut images: ResMut<Assets<Image>>,
    mut contexts: EguiContexts,
    mut note: ResMut<StatusNote>,
    mut applied: Local<Option<(bool, UVec2)>>,
) {
    let Ok(window) = windows.single() else {
        return;
    };
    let physical = UVec2::new(window.physical_width(), window.physical_height()).max(UVec2::ONE);
    // Say so when the setting or the way changes, not at the start: the
    // renderer's name is for the diagnostics (F3), not for students.
    if graphics.is_changed() && applied.is_some() {
        note.say(crate::tr!(
            "graphics.key_note",
            graphics = graphics.describe()
        ));
    }
    let want = (graphics.low, physical);
    if *applied == Some(want) {
        return;
    }
    *applied = Some(want);
    if let Some(old) = view {
        contexts.remove_image(old.image.id());
        images.remove(&old.image);
        commands.remove_resource::<ViewImage>();
    }
    let (scale, msaa) = if graphics.low {
        (LOW_RENDER_SCALE, Msaa::Off)
    } else {
        (1.0, Msaa::Sample4)
    };
    let size = (physical.as_vec2() * scale)
        .round()
        .as_uvec2()
        .max(UVec2::ONE);
    let handle = images.add(view_image(size));
    // The image's logical size is the window's, so that a cursor position
    // in the window is one on the image (the build tool's rays, picking).
    let scale_factor = window.scale_factor() * size.x as f32 / physical.x as f32;
    respawn_the_cameras(&mut commands, &views, &handle, scale_factor, msaa);
    let texture = contexts.add_image(EguiTextureHandle::Strong(handle.clone()));
    commands.insert_resource(ViewImage {
        image: handle,
        texture,
    });
}

/// A black image of `size` pixels for the 3D camera to draw into.
fn view_image(size: UVec2) -> Image {
    let mut image = Image::new_fill(
        Extent3d {
            width: size.x,
            height: size.y,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        &[0, 0, 0, 255],
        TextureFormat::Bgra8UnormSrgb,
        bevy::asset::RenderAssetUsages::default(),
    );
    image.sampler = bevy::image::ImageSampler::linear();
    image.texture_descriptor.usage =
        TextureUsages::TEXTURE_BINDING | TextureUsages::COPY_DST | TextureUsages::RENDER_ATTACHMENT;
    image
}

/// Each 3D camera made afresh, as it was, drawing into the image `handle`.
fn respawn_the_cameras(
    commands: &mut Commands,
    views: &Query<
        (
            Entity,
            &crate::app::world::camera::OrbitCamera,
            &crate::app::world::camera::CameraPresets,
            &Transform,
        ),
        With<Camera3d>,
    >,
    handle: &Handle<Image>,
    scale_factor: f32,
    msaa: Msaa,
) {
    for (entity, orbit, presets, transform) in views {
        commands.entity(entity).despawn();
        commands.spawn((
            Name::new("Camera"),
            Camera3d::default(),
            *transform,
            *orbit,
            presets.clone(),
            RenderTarget::Image(ImageRenderTarget {
                handle: handle.clone(),
                scale_factor,
            }),
            msaa,
            // One filtered sample of the shadow map a pixel rather than
            // Bevy's Gaussian default: the same shadows at this scene's
            // scale, and a sixth of the default town's frame in `high`
            // under a software renderer (docs/speed.md).
            bevy::light::ShadowFilteringMethod::Hardware2x2,
        ));
    }
}

/// The 3D camera draws only the part of the window the panels leave
/// ([`ViewRect`]), so that no pixel is shaded under the bars and
/// the charts; on a software renderer shading pixels is most of the frame.
fn fit_the_view(
    view_rect: Res<ViewRect>,
    windows: Query<&Window, With<PrimaryWindow>>,
    graphics: Res<Graphics>,
    mut cameras: Query<&mut Camera, (With<Camera3d>, Without<UiCamera>)>,
) {
    let Ok(window) = windows.single() else {
        return;
    };
    let target = UVec2::new(window.physical_width(), window.physical_height()).max(UVec2::ONE);
    let scale = if graphics.low { LOW_RENDER_SCALE } else { 1.0 };
    let target = (target.as_vec2() * scale)
        .round()
        .as_uvec2()
        .max(UVec2::ONE);
    let viewport = view_rect
        .rect
        .map(|r| (r, view_rect.zoom))
        .map(|(r, zoom)| {
            // egui points -> the target's pixels.
            let k = zoom * window.scale_factor() * scale;
            let min = (Vec2::new(r.min.x, r.min.y) * k)
                .floor()
                .max(Vec2::ZERO)
                .as_uvec2();
            let max = (Vec2::new(r.max.x, r.max.y) * k)
                .ceil()
                .as_uvec2()
                .min(target);
            let min = min.min(max.saturating_sub(UVec2::ONE));
            bevy::camera::Viewport {
                physical_position: min,
                physical_size: (max - min).max(UVec2::ONE),
                ..default()
            }
        });
    for mut camera in &mut cameras {
        let same = match (&camera.viewport, &viewport) {
            (Some(a), Some(b)) => {
                a.physical_position == b.physical_position && a.physical_size == b.physical_size
            }
            (None, None) => true,
            _ => false,
        };
        if !same {
            camera.viewport = viewport.clone();
        }
    }
}

/// The 3D view's image under everything egui draws, over the
/// whole window (painted before the panels, in egui's background).
fn paint_the_view(view: Option<Res<ViewImage>>, mut contexts: EguiContexts) {
    let Some(view) = view else {
        return;
    };
    let Ok(ctx) = contexts.ctx_mut() else {
        return;
    };
    let rect = ctx.content_rect();
    ctx.layer_painter(egui::LayerId::background()).image(
        view.texture,
        rect,
        egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
        egui::Color32::WHITE,
    );
}

/// The mouse's moves and presses also go to [`VIEW_POINTER`] on
/// the 3D view's image (not a press over egui's panels).
fn mouse_onto_the_view(
    mut inputs: ResMut<Messages<PointerInput>>,
    mut cursor: Local<bevy::ecs::message::MessageCursor<PointerInput>>,
    views: Query<&RenderTarget, With<Camera3d>>,
    mut contexts: EguiContexts,
) {
    let mine: Vec<PointerInput> = cursor
        .read(&inputs)
        .filter(|i| i.pointer_id == PointerId::Mouse)
        .cloned()
        .collect();
    let Some(RenderTarget::Image(image)) = views.iter().next() else {
        return;
    };
    let Some(target) = RenderTarget::Image(image.clone()).normalize(None) else {
        return;
    };
    let over_egui = contexts
        .ctx_mut()
        .is_ok_and(|ctx| ctx.is_pointer_over_egui() || ctx.egui_wants_pointer_input());
    for input in mine {
        let pressing = matches!(
            input.action,
            bevy::picking::pointer::PointerAction::Press(_)
        );
        if pressing && over_egui {
            continue;
        }
        inputs.write(PointerInput::new(
            VIEW_POINTER,
            Location {
                target: target.clone(),
                position: input.location.position,
            },
            input.action,
        ));
    }
}

#[cfg(test)]
mod tests {
    use bevy::ecs::system::RunSystemOnce;

    use super::*;

    fn frames(world: &mut World, n: u64, ms: f64) {
        let mut stats = world.resource_mut::<FrameStats>();
        for _ in 0..n {
            stats.add(ms, Default::default(), true);
        }
    }

    #[test]
    fn a_window_too_big_for_the_screen_shrinks_and_keeps_its_shape() {
        let fit = size_to_fit(Vec2::new(1600.0, 900.0), Vec2::new(1280.0, 720.0));
        assert!(
            fit.x <= 1280.0 * SCREEN_SHARE && fit.y <= 720.0 * SCREEN_SHARE,
            "{fit}"
        );
        assert!((fit.x / fit.y - 16.0 / 9.0).abs() < 0.01, "{fit}");
        // One that fits is left alone, and nonsense leaves it too.
        let small = Vec2::new(1024.0, 768.0);
        assert_eq!(size_to_fit(small, Vec2::new(1920.0, 1080.0)), small);
        assert_eq!(size_to_fit(small, Vec2::ZERO), small);
    }

    #[test]
    fn the_view_is_where_the_panels_leave_it_at_any_zoom() {
        let view = ViewRect {
            rect: Some(egui::Rect::from_min_max(
                egui::pos2(0.0, 56.0),
                egui::pos2(800.0, 600.0),
            )),
            zoom: 1.5,
        };
        // 1.5 logical pixels to a point: the view ends at x = 1200 px.
        assert!(view.contains_px(Vec2::new(1000.0, 300.0)));
        assert!(!view.contains_px(Vec2::new(1250.0, 300.0)));
        // The top bar (under 56 points, 84 px) is not the view.
        assert!(!view.contains_px(Vec2::new(400.0, 70.0)));
        // Before the panels are drawn, and in the demo, all of it is.
        assert!(ViewRect::default().contains_px(Vec2::new(1250.0, 10.0)));
    }

    #[test]
    fn auto_knows_a_software_renderer_by_its_name_or_its_kind() {
        assert_eq!(
            software_renderer("llvmpipe (LLVM 15.0.6, 256 bits)", false).as_deref(),
            Some("llvmpipe")
        );
        assert_eq!(
            software_renderer("Microsoft Basic Render Driver", false).as_deref(),
            Some("Microsoft Basic Render Driver")
        );
        assert_eq!(software_renderer("NVIDIA H200", false), None);
        assert_eq!(software_renderer("AMD Radeon 780M", false), None);
        // Any adapter that says it is the CPU.
        assert_eq!(
            software_renderer("Some CPU", true).as_deref(),
            Some("Some CPU")
        );
    }

    #[test]
    fn f9_steps_through_high_low_and_auto() {
        use crate::app::control::action::Action;
        use crate::app::control::queue::PendingActions;
        for (now, next) in [
            (GraphicsSetting::High, GraphicsSetting::Low),
            (GraphicsSetting::Low, GraphicsSetting::Auto),
            (GraphicsSetting::Auto, GraphicsSetting::High),
        ] {
            let mut world = World::new();
            world.insert_resource(Graphics::new(now));
            world.init_resource::<PendingActions>();
            let mut keys = ButtonInput::<KeyCode>::default();
            keys.press(KeyCode::F9);
            world.insert_resource(keys);
            world.run_system_once(f9_changes_the_graphics).unwrap();
            let pending: Vec<Action> = world.resource::<PendingActions>().0.to_vec();
            assert_eq!(pending, vec![Action::SetGraphics(next)], "from {now:?}");
        }
        // Without F9, nothing.
        let mut world = World::new();
        world.insert_resource(Graphics::new(GraphicsSetting::High));
        world.init_resource::<PendingActions>();
        world.insert_resource(ButtonInput::<KeyCode>::default());
        world.run_system_once(f9_changes_the_graphics).unwrap();
        assert!(world.resource::<PendingActions>().0.is_empty());
    }

    #[test]
    fn auto_goes_low_when_frames_stay_slow_and_stays_high_when_they_do_not() {
        for (ms, low) in [(80.0, true), (30.0, false)] {
            let mut world = World::new();
            world.insert_resource(Graphics::new(GraphicsSetting::Auto));
            world.init_resource::<FrameStats>();
            frames(&mut world, 1, ms);
            world.run_system_once(auto_choose).unwrap();
            frames(&mut world, AUTO_FRAMES, ms);
            world.run_system_once(auto_choose).unwrap();
            let g = world.resource::<Graphics>();
            assert_eq!(g.low, low, "{ms} ms");
            if low {
                assert!(matches!(g.because, Some(LowBecause::Slow(m)) if (m - ms).abs() < 1e-9));
                assert!(g.describe().contains("80 ms"), "{}", g.describe());
            }
        }
    }

    #[test]
    fn high_and_low_stay_as_asked_and_bad_settings_say_what_there_is() {
        for setting in [GraphicsSetting::High, GraphicsSetting::Low] {
            let mut world = World::new();
            world.insert_resource(Graphics::new(setting));
            world.init_resource::<FrameStats>();
            frames(&mut world, 1, 500.0);
            world.run_system_once(auto_choose).unwrap();
            frames(&mut world, 2 * AUTO_FRAMES, 500.0);
            world.run_system_once(auto_choose).unwrap();
            assert_eq!(
                world.resource::<Graphics>().low,
                setting == GraphicsSetting::Low
            );
        }
        for s in ["high", "low", "auto"] {
            assert_eq!(GraphicsSetting::parse(s).map(GraphicsSetting::code), Ok(s));
        }
        assert!(GraphicsSetting::parse("ultra").is_err_and(|e| e.contains("high, low or auto")));
    }
}
