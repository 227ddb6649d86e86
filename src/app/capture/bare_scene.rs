//! The renderer's floor for `microgrid frames`: a bare Bevy scene built
//! with this program's Bevy and features (a ground plane to the horizon,
//! 24 cubes, one shadowed directional light, default MSAA), timed the way
//! the sandbox's frames are ([`super::screenshot::FrameStats`]: frames after
//! the first second), printed as one line, then the window closes.

use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::window::WindowResolution;

use super::screenshot::FrameStats;

/// How the bare scene is drawn (the variants the issue measured).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BareScene {
    /// Window size in pixels.
    pub size: (u32, u32),
    /// Wall seconds to run.
    pub seconds: f64,
    /// MSAA (Bevy's default, 4 samples).
    pub msaa: bool,
    /// The light casts shadows.
    pub shadows: bool,
    /// Drawn into an image, with no window ([`super::offscreen`]).
    pub offscreen: bool,
}

#[derive(Resource, Clone, Copy)]
struct RunFor(f64);

/// Opens the bare scene, runs it, prints its frame line and returns.
pub fn run(bare: BareScene) -> AppExit {
    let mut app = App::new();
    let plugins = DefaultPlugins
        .set(WindowPlugin {
            primary_window: Some(Window {
                title: "microgrid bare scene".into(),
                resolution: WindowResolution::new(bare.size.0, bare.size.1),
                // Timed, not held to the display's refresh.
                present_mode: bevy::window::PresentMode::AutoNoVsync,
                ..default()
            }),
            ..default()
        })
        .set(LogPlugin {
            filter: "wgpu=error,naga=warn,bevy_render=warn,bevy_winit=warn".into(),
            level: bevy::log::Level::WARN,
            ..default()
        });
    super::offscreen::add_plugins_for(&mut app, plugins, bare.offscreen.then_some(bare.size));
    app.insert_resource(RunFor(bare.seconds));
    app.init_resource::<FrameStats>();
    let scene = move |commands: Commands,
                      meshes: ResMut<Assets<Mesh>>,
                      materials: ResMut<Assets<StandardMaterial>>,
                      offscreen: Option<Res<super::offscreen::Offscreen>>| {
        let image = offscreen.map(|o| o.image.clone());
        spawn(commands, meshes, materials, (bare, image));
    };
    app.add_systems(Startup, scene);
    app.add_systems(Last, measure);
    app.run()
}

fn spawn(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    (bare, offscreen): (BareScene, Option<Handle<Image>>),
) {
    // A ground plane that reaches the horizon in every direction.
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::default().mesh().size(20_000.0, 20_000.0))),
        MeshMaterial3d(materials.add(Color::srgb(0.45, 0.6, 0.4))),
    ));
    let cube = meshes.add(Cuboid::new(8.0, 6.0, 8.0));
    let colour = materials.add(Color::srgb(0.85, 0.8, 0.75));
    for i in 0..24 {
        let (row, col) = (i / 6, i % 6);
        commands.spawn((
            Mesh3d(cube.clone()),
            MeshMaterial3d(colour.clone()),
            Transform::from_xyz(col as f32 * 25.0 - 62.5, 3.0, row as f32 * 25.0 - 37.5),
        ));
    }
    commands.spawn((
        DirectionalLight {
            shadow_maps_enabled: bare.shadows,
            illuminance: 8000.0,
            ..default()
        },
        Transform::from_xyz(100.0, 200.0, 100.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    // Looking over the cubes to the horizon, as the sandbox's overview does.
    let mut camera = commands.spawn((
        Camera3d::default(),
        Transform::from_xyz(0.0, 120.0, 220.0).looking_at(Vec3::new(0.0, 0.0, -40.0), Vec3::Y),
    ));
    if !bare.msaa {
        camera.insert(Msaa::Off);
    }
    if let Some(handle) = offscreen {
        camera.insert(bevy::camera::RenderTarget::Image(handle.into()));
    }
}

fn measure(
    time: Res<Time<Real>>,
    run_for: Res<RunFor>,
    mut stats: ResMut<FrameStats>,
    mut exit: MessageWriter<AppExit>,
    mut done: Local<bool>,
) {
    let counted = time.elapsed_secs_f64() > 1.0;
    stats.add(time.delta_secs_f64() * 1e3, Default::default(), counted);
    if !*done && time.elapsed_secs_f64() >= run_for.0 {
        *done = true;
        outln!("{}", stats.summary());
        exit.write(AppExit::Success);
    }
}
