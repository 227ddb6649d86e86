//! Drawing with no window (`open --offscreen`, `frames --offscreen`): the
//! window is a size and nothing more (no display, no winit), egui's camera
//! draws into an image of that size as it would into the window, and the
//! screenshot is taken of that image. Each frame waits until the GPU has
//! finished it, so a frame's time is its drawing's, as on a screen that
//! presents it; a machine with a GPU and no display (whose driver cannot
//! present to a virtual one) can time the window's frames this way.

use std::time::Duration;

use bevy::app::ScheduleRunnerPlugin;
use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::renderer::RenderDevice;
use bevy::render::view::screenshot::Screenshot;
use bevy::render::{Render, RenderApp, RenderSystems};

/// The image the window's pixels go to instead of a window.
#[derive(Resource, Debug, Clone)]
pub struct Offscreen {
    /// What egui's camera draws into (the window's size).
    pub image: Handle<Image>,
}

/// Adds `plugins` (`DefaultPlugins` as the caller set them) to `app`: as
/// they are for a window, or, when `offscreen` gives the window's size,
/// with no window: winit taken out, the app looping as fast as its frames
/// allow, the image of that size its frames are drawn into, and the wait
/// for the GPU at the end of each frame.
pub fn add_plugins_for(
    app: &mut App,
    plugins: bevy::app::PluginGroupBuilder,
    offscreen: Option<(u32, u32)>,
) {
    let Some(size) = offscreen else {
        app.add_plugins(plugins);
        return;
    };
    app.add_plugins((
        plugins.disable::<bevy::winit::WinitPlugin>(),
        ScheduleRunnerPlugin::run_loop(Duration::ZERO),
    ));
    let image = app
        .world_mut()
        .resource_mut::<Assets<Image>>()
        .add(target_image(size));
    app.insert_resource(Offscreen { image });
    if let Some(render) = app.get_sub_app_mut(RenderApp) {
        render.add_systems(Render, wait_for_the_gpu.in_set(RenderSystems::Cleanup));
    }
}

/// An image a camera can draw into and a screenshot can read, `size`
/// pixels, in the format egui draws images in.
pub fn target_image(size: (u32, u32)) -> Image {
    let mut image = Image::new_fill(
        Extent3d {
            width: size.0.max(1),
            height: size.1.max(1),
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        &[0, 0, 0, 255],
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::default(),
    );
    image.texture_descriptor.usage = TextureUsages::TEXTURE_BINDING
        | TextureUsages::COPY_SRC
        | TextureUsages::COPY_DST
        | TextureUsages::RENDER_ATTACHMENT;
    image
}

/// The screenshot of what the window shows: the window's, or with no
/// window the image drawn instead.
pub fn screenshot_of_the_window(offscreen: Option<&Offscreen>) -> Screenshot {
    match offscreen {
        Some(o) => Screenshot::image(o.image.clone()),
        None => Screenshot::primary_window(),
    }
}

/// Waits until the GPU has drawn the frame (no window's present paces it).
fn wait_for_the_gpu(device: Res<RenderDevice>) {
    if let Err(e) = device.poll(bevy::render::render_resource::PollType::wait_indefinitely()) {
        warn!("waiting for the GPU: {e}");
    }
}
