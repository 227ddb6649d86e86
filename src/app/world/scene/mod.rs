//! The 3D neighbourhood, modelled from the scenario: ground, streets with
//! their cables, low-poly houses with roof PV, home batteries, cars, wind
//! turbines, the transformer, the breaker at the point of common coupling and
//! the grid link leaving the neighbourhood. Rebuilt whenever another scenario
//! is loaded; [`crate::app::world::visuals`] animates it from the simulation.
//! This module holds the components, the resources and the plugin; `spawn`
//! builds the scene part by part, `grid_link` the substation's kiosk and
//! the line to the horizon, `town` the town round it (house extras,
//! trees, hedges, street lights), `lod` what is drawn simpler from afar
//! and `meshes` makes its custom meshes.

mod grid_link;
mod houses;
mod lod;
mod meshes;
mod paint;
mod spawn;
mod town;

use bevy::light::CascadeShadowConfigBuilder;
use bevy::prelude::*;

use crate::app::theme::palette::{
    self, LOADING_STOPS, RAMP_STEPS, Rgb8, UNBALANCE_STOPS, VOLTAGE_STOPS,
};
use crate::app::world::camera::{CameraPresets, OrbitCamera, presets};
use crate::sim::{Neighbourhood, NeighbourhoodChanged};

pub use meshes::{gable_roof, merged, window_panes, wire_transform};
pub use paint::{Paint, cast_shadows};
use spawn::spawn_scene;

/// What a click selects, for the inspector.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// A house (index into the scenario's houses).
    House(usize),
    /// A device that is not a house's (index into `Built::devices`): a turbine.
    Device(usize),
    /// A cable (index into the network's lines).
    Line(usize),
    /// A bus (index into the network's buses).
    Bus(usize),
    /// The transformer and the point of common coupling.
    Transformer,
}

/// What the inspector shows and the scene rings (a click on a part, the
/// build panel, Esc clears it).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Selection(pub Option<Pick>);

/// What a click or the pointer finds in the 3D view: the part's own
/// [`Pick`], its nearest ancestor's, or on a merged mesh the part nearest
/// to where the hit lands ([`PlacedPicks`]).
#[derive(bevy::ecs::system::SystemParam)]
pub struct Picker<'w, 's> {
    picks: Query<'w, 's, &'static Pick>,
    placed: Query<'w, 's, &'static PlacedPicks>,
    parents: Query<'w, 's, &'static ChildOf>,
}

impl Picker<'_, '_> {
    /// The pick of `entity`, hit at `at`, or of its nearest ancestor with
    /// one: a click on a roof, a wall or a blade means the house or
    /// turbine it belongs to.
    pub fn pick_of(&self, entity: Entity, at: Option<Vec3>) -> Option<Pick> {
        let mut entity = entity;
        loop {
            if let Ok(p) = self.picks.get(entity) {
                return Some(*p);
            }
            if let (Ok(placed), Some(at)) = (self.placed.get(entity), at) {
                return placed.nearest(at);
            }
            entity = self.parents.get(entity).ok()?.parent();
        }
    }

    /// The nearest part under the pointer, from bevy's hover map: the
    /// mouse's own hits where the camera draws to the window, the view
    /// pointer's where it draws to an image (`low`); egui's own hit over
    /// its panels is no part.
    pub fn hovered(&self, hover: &bevy::picking::hover::HoverMap) -> Option<Pick> {
        use bevy::picking::pointer::PointerId;
        [PointerId::Mouse, crate::app::world::graphics::VIEW_POINTER]
            .iter()
            .filter_map(|pointer| hover.get(pointer))
            .flat_map(|hits| hits.iter())
            .filter_map(|(e, hit)| Some((self.pick_of(*e, hit.position)?, hit.depth)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(pick, _)| pick)
    }
}

/// A mesh merged from many parts (the houses, the streets), with what
/// each part picks and where it lies on the ground, as a segment: a hit
/// on the mesh picks the part nearest to where it lands.
#[derive(Component, Debug, Clone, Default)]
pub struct PlacedPicks(std::sync::Arc<Vec<(Pick, (Vec2, Vec2))>>);

impl PlacedPicks {
    /// The parts and their segments on the ground (x, z).
    pub fn new(parts: Vec<(Pick, (Vec2, Vec2))>) -> Self {
        Self(std::sync::Arc::new(parts))
    }

    /// The part whose segment is nearest to `at` on the ground.
    pub fn nearest(&self, at: Vec3) -> Option<Pick> {
        let p = Vec2::new(at.x, at.z);
        self.0
            .iter()
            .map(|&(pick, (a, b))| (pick, distance_to_segment(p, a, b)))
            .min_by(|x, y| x.1.total_cmp(&y.1))
            .map(|(pick, _)| pick)
    }
}

/// Side of the squares the merged meshes (houses, windows, streets, the
/// town's trees, hedges, street lights and pavements) are cut into,
/// metres: the renderer leaves out a square outside the view or a shadow
/// cascade and draws a far one simpler ([`lod`]), and a pointer's ray
/// tests only the squares it crosses, while a whole town stays a few
/// hundred entities.
const TILE_M: f32 = 250.0;

/// The square of the ground `at` stands on.
fn tile_of(at: Vec3) -> (i32, i32) {
    (
        (at.x / TILE_M).floor() as i32,
        (at.z / TILE_M).floor() as i32,
    )
}

/// The distance from `p` to the segment from `a` to `b`.
fn distance_to_segment(p: Vec2, a: Vec2, b: Vec2) -> f32 {
    let ab = b - a;
    let t = if ab.length_squared() > 0.0 {
        ((p - a).dot(ab) / ab.length_squared()).clamp(0.0, 1.0)
    } else {
        0.0
    };
    p.distance(a + ab * t)
}

/// The parent of everything built from the scenario (despawned on reload).
#[derive(Component)]
pub struct ScenarioVisuals;

/// A cable's strip on the street, coloured by loading.
#[derive(Component, Debug, Clone, Copy)]
pub struct LineVisual(pub usize);

/// A bus's disc, coloured by voltage.
#[derive(Component, Debug, Clone, Copy)]
pub struct BusVisual(pub usize);

/// The windows of every house in the shedding stage of a house (the one
/// named): lit at night when served, dark when shed or blacked out.
#[derive(Component, Debug, Clone, Copy)]
pub struct HouseWindows(pub usize);

/// The charge bar on a home battery, scaled by its state of charge.
#[derive(Component, Debug, Clone, Copy)]
pub struct BatteryCharge {
    /// The battery (index into `Built::devices`).
    pub device: usize,
    /// Height of the bar when full, metres.
    pub full_height_m: f32,
}

/// A car (device index), parked while it is home.
#[derive(Component, Debug, Clone, Copy)]
pub struct CarVisual(pub usize);

/// A turbine rotor (device index), turning with its output.
#[derive(Component, Debug, Clone, Copy)]
pub struct TurbineRotor(pub usize);

/// The breaker at the point of common coupling.
#[derive(Component, Debug, Clone, Copy)]
pub struct BreakerVisual;

/// The span of the grid link that is cut while the neighbourhood is islanded.
#[derive(Component, Debug, Clone, Copy)]
pub struct GridLinkSpan;

/// The grid link's wires beyond the first span: live on the grid, dark
/// while the neighbourhood runs on its own.
#[derive(Component, Debug, Clone, Copy)]
pub struct GridLinkWires;

/// A cloud, drifting with the wind; shown in proportion to the cloud cover.
#[derive(Component, Debug, Clone, Copy)]
pub struct Cloud(pub usize);

/// The sun (a directional light moved by [`crate::app::world::visuals`]).
#[derive(Component, Debug, Clone, Copy)]
pub struct Sun;

/// A street light's head, with the house nearest to it: it is lit at night
/// while that house has power.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreetLamp(pub Option<usize>);

/// A street light's pool of light on the ground, with the house nearest
/// to it: shown while the lamp is lit.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct LampGlow(pub Option<usize>);

/// The island's edge: a ring round the neighbourhood, shown while it runs
/// on its own.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct IslandEdge;

/// Where the scene's parts are, for the visuals and the camera.
#[derive(Resource, Debug, Clone)]
pub struct SceneLayout {
    /// World position of each bus (ground level).
    pub buses: Vec<Vec3>,
    /// Centre of the neighbourhood (ground level).
    pub centre: Vec3,
    /// Radius that holds every bus and device, metres.
    pub radius_m: f32,
    /// Where the grid link leaves the neighbourhood, breaker end and far end.
    pub grid_link: (Vec3, Vec3),
}

/// Shared materials: one per colour, swapped on entities as values change.
#[derive(Resource, Debug, Clone)]
pub struct SceneMaterials {
    /// Cable strips by loading step.
    pub loading: Vec<Handle<Paint>>,
    /// Bus discs by voltage step.
    pub voltage: Vec<Handle<Paint>>,
    /// Bus discs by unbalance step (the unbalance view, V).
    pub unbalance: Vec<Handle<Paint>>,
    /// Buses and cables with no voltage (dark island).
    pub dead: Handle<Paint>,
    /// Windows lit at night.
    pub window_lit: Handle<Paint>,
    /// Windows by day.
    pub window_day: Handle<Paint>,
    /// Windows of a house without power.
    pub window_dark: Handle<Paint>,
    /// Breaker closed.
    pub breaker_closed: Handle<Paint>,
    /// Breaker open.
    pub breaker_open: Handle<Paint>,
    /// The grid link's wires while live.
    pub wire_live: Handle<Paint>,
    /// A street light's pool of light on the ground.
    pub lamp_glow: Handle<StandardMaterial>,
}

/// House body, metres: width (east-west), wall height, depth (north-south).
const HOUSE: Vec3 = Vec3::new(10.0, 5.6, 8.0);
/// Where a house's car parks, from the house's centre, metres.
pub const CAR_PARKING_M: Vec3 = Vec3::new(HOUSE.x / 2.0 + 2.2, 0.0, 0.5);
/// Ridge height above the walls, metres.
const ROOF_RISE_M: f32 = 3.0;

/// Number of cloud entities (all shown when overcast).
pub const CLOUDS: usize = 16;

/// Builds the scene for the first scenario and again for every new one.
pub fn plugin(app: &mut App) {
    paint::plugin(app);
    app.add_systems(Startup, (setup_materials, spawn_camera_and_sun).chain());
    app.add_systems(
        Update,
        rebuild_on_new_scenario.in_set(crate::app::frame::AppSystems::Present),
    );
}

fn color(c: Rgb8) -> Color {
    Color::srgb_u8(c[0], c[1], c[2])
}

fn matte(c: Rgb8) -> Paint {
    Paint::matte(color(c))
}

fn setup_materials(
    mut commands: Commands,
    mut materials: ResMut<Assets<Paint>>,
    mut see_through: ResMut<Assets<StandardMaterial>>,
) {
    let ramp = |stops: &[(f64, Rgb8)], materials: &mut Assets<Paint>| {
        (0..RAMP_STEPS)
            .map(|step| {
                let c = palette::ramp(stops, palette::ramp_step_value(stops, step));
                // Unlit: the data layer shows the legend's colours exactly,
                // by day and by night.
                materials.add(Paint::unlit(color(c)))
            })
            .collect()
    };
    let glass = |c: Rgb8, glow: f32| Paint::shiny(color(c), 1.0).glowing(glow);
    commands.insert_resource(SceneMaterials {
        loading: ramp(&LOADING_STOPS, &mut materials),
        voltage: ramp(&VOLTAGE_STOPS, &mut materials),
        unbalance: ramp(&UNBALANCE_STOPS, &mut materials),
        dead: materials.add(matte([70, 70, 75])),
        window_lit: materials.add(glass([255, 200, 110], 25.0)),
        window_day: materials.add(glass([120, 150, 175], 0.0)),
        window_dark: materials.add(glass([25, 28, 35], 0.0)),
        breaker_closed: materials.add(glass(palette::GREEN, 4.0)),
        breaker_open: materials.add(glass(palette::VERMILLION, 20.0)),
        wire_live: materials.add(glass([190, 215, 240], 1.5)),
        lamp_glow: see_through.add(StandardMaterial {
            base_color: Color::srgba(1.0, 0.82, 0.5, 0.35),
            alpha_mode: AlphaMode::Blend,
            unlit: true,
            ..default()
        }),
    });
}

fn spawn_camera_and_sun(mut commands: Commands) {
    let start = OrbitCamera {
        focus: Vec3::ZERO,
        yaw: 0.35,
        pitch: 0.62,
        distance: 300.0,
    };
    commands.spawn((
        Name::new("Camera"),
        Camera3d::default(),
        start.transform(),
        start,
        CameraPresets(Vec::new()),
    ));
    commands.spawn((
        Name::new("Sun"),
        Sun,
        DirectionalLight {
            shadow_maps_enabled: true,
            ..default()
        },
        Transform::from_xyz(100.0, 200.0, 100.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
}

pub(super) fn rebuild_on_new_scenario(
    mut commands: Commands,
    hood: Res<Neighbourhood>,
    old: Query<Entity, With<ScenarioVisuals>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: (ResMut<Assets<Paint>>, ResMut<Assets<StandardMaterial>>),
    shared: Res<SceneMaterials>,
    mut cameras: Query<(&mut OrbitCamera, &mut CameraPresets)>,
    mut suns: Query<Entity, With<Sun>>,
    mut changes: MessageReader<NeighbourhoodChanged>,
    mut built_once: Local<bool>,
    (looked_at, frame): (
        Option<Res<crate::app::world::camera::LookedAt>>,
        Res<bevy::diagnostic::FrameCount>,
    ),
) {
    // The first frame, and whenever a scenario loads or an edit lands.
    let changes: Vec<NeighbourhoodChanged> = changes.read().copied().collect();
    if *built_once && changes.is_empty() {
        return;
    }
    // An edit (or the same place started over) keeps the view; a new
    // scenario starts at its overview.
    let keep_view = *built_once && changes.iter().all(|c| c.same_place);
    *built_once = true;
    for entity in &old {
        commands.entity(entity).despawn();
    }
    let layout = spawn_scene(
        &mut commands,
        &hood.0,
        &mut meshes,
        (&mut materials.0, &mut materials.1),
        &shared,
    );
    let transformer = layout.buses[hood.0.network.transformer.lv_bus];
    let views = presets(layout.centre, layout.radius_m, transformer);
    // A `LookAt` of this frame (a lesson's first step opening its
    // neighbourhood) holds over the new overview.
    let focus = looked_at
        .filter(|l| l.frame == frame.0)
        .and_then(|l| crate::app::world::camera::focus_of(&hood.0, &l.place));
    for (mut orbit, mut camera_presets) in &mut cameras {
        if !keep_view {
            *orbit = views[0].1;
            if let Some(target) = focus {
                crate::app::world::camera::turn_to(&mut orbit, target);
            }
        }
        camera_presets.0 = views.clone();
    }
    for sun in &mut suns {
        commands.entity(sun).insert(
            CascadeShadowConfigBuilder {
                num_cascades: 2,
                maximum_distance: layout.radius_m * 5.0,
                first_cascade_far_bound: layout.radius_m * 1.2,
                ..default()
            }
            .build(),
        );
    }
    commands.insert_resource(layout);
}
