//! The 3D neighbourhood, modelled from the scenario: ground, streets with
//! their cables, low-poly houses with roof PV, home batteries, cars, wind
//! turbines, the transformer, the breaker at the point of common coupling and
//! the grid link leaving the neighbourhood. Rebuilt whenever another scenario
//! is loaded; [`crate::app::world::visuals`] animates it from the simulation.

use bevy::asset::RenderAssetUsages;
use bevy::light::CascadeShadowConfigBuilder;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

use crate::app::theme::palette::{self, LOADING_STOPS, RAMP_STEPS, Rgb8, VOLTAGE_STOPS};
use crate::app::world::camera::{CameraPresets, OrbitCamera, presets};
use crate::app::world::layout::{bus_positions, extent, to_world};
use crate::scenario::{Built, DeviceKind};
use crate::sim::{Neighbourhood, NeighbourhoodChanged};

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

/// The parent of everything built from the scenario (despawned on reload).
#[derive(Component)]
pub struct ScenarioVisuals;

/// A cable's strip on the street, coloured by loading.
#[derive(Component, Debug, Clone, Copy)]
pub struct LineVisual(pub usize);

/// A bus's disc, coloured by voltage.
#[derive(Component, Debug, Clone, Copy)]
pub struct BusVisual(pub usize);

/// A house's windows: lit at night when served, dark when shed or blacked out.
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

/// A cloud, drifting with the wind; shown in proportion to the cloud cover.
#[derive(Component, Debug, Clone, Copy)]
pub struct Cloud(pub usize);

/// The sun (a directional light moved by [`crate::app::world::visuals`]).
#[derive(Component, Debug, Clone, Copy)]
pub struct Sun;

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
    pub loading: Vec<Handle<StandardMaterial>>,
    /// Bus discs by voltage step.
    pub voltage: Vec<Handle<StandardMaterial>>,
    /// Buses and cables with no voltage (dark island).
    pub dead: Handle<StandardMaterial>,
    /// Windows lit at night.
    pub window_lit: Handle<StandardMaterial>,
    /// Windows by day.
    pub window_day: Handle<StandardMaterial>,
    /// Windows of a house without power.
    pub window_dark: Handle<StandardMaterial>,
    /// Breaker closed.
    pub breaker_closed: Handle<StandardMaterial>,
    /// Breaker open.
    pub breaker_open: Handle<StandardMaterial>,
}

/// Builds the scene for the first scenario and again for every new one.
pub fn plugin(app: &mut App) {
    app.add_systems(Startup, (setup_materials, spawn_camera_and_sun).chain());
    app.add_systems(
        Update,
        rebuild_on_new_scenario.in_set(crate::app::frame::AppSystems::Present),
    );
}

fn color(c: Rgb8) -> Color {
    Color::srgb_u8(c[0], c[1], c[2])
}

fn matte(c: Rgb8) -> StandardMaterial {
    StandardMaterial {
        base_color: color(c),
        perceptual_roughness: 0.9,
        ..default()
    }
}

fn setup_materials(mut commands: Commands, mut materials: ResMut<Assets<StandardMaterial>>) {
    let ramp = |stops: &[(f64, Rgb8)], materials: &mut Assets<StandardMaterial>| {
        (0..RAMP_STEPS)
            .map(|step| {
                let c = palette::ramp(stops, palette::ramp_step_value(stops, step));
                // Unlit: the data layer shows the legend's colours exactly,
                // by day and by night.
                materials.add(StandardMaterial {
                    base_color: color(c),
                    unlit: true,
                    ..default()
                })
            })
            .collect()
    };
    let glass = |c: Rgb8, glow: f32| StandardMaterial {
        base_color: color(c),
        emissive: color(c).to_linear() * glow,
        perceptual_roughness: 0.2,
        ..default()
    };
    commands.insert_resource(SceneMaterials {
        loading: ramp(&LOADING_STOPS, &mut materials),
        voltage: ramp(&VOLTAGE_STOPS, &mut materials),
        dead: materials.add(matte([70, 70, 75])),
        window_lit: materials.add(glass([255, 200, 110], 25.0)),
        window_day: materials.add(glass([120, 150, 175], 0.0)),
        window_dark: materials.add(glass([25, 28, 35], 0.0)),
        breaker_closed: materials.add(glass(palette::GREEN, 4.0)),
        breaker_open: materials.add(glass(palette::VERMILLION, 20.0)),
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
    mut materials: ResMut<Assets<StandardMaterial>>,
    shared: Res<SceneMaterials>,
    mut cameras: Query<(&mut OrbitCamera, &mut CameraPresets)>,
    mut suns: Query<Entity, With<Sun>>,
    mut changes: MessageReader<NeighbourhoodChanged>,
    mut built_once: Local<bool>,
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
    let layout = spawn_scene(&mut commands, &hood.0, &mut meshes, &mut materials, &shared);
    let transformer = layout.buses[hood.0.network.transformer.lv_bus];
    let views = presets(layout.centre, layout.radius_m, transformer);
    for (mut orbit, mut camera_presets) in &mut cameras {
        if !keep_view {
            *orbit = views[0].1;
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

/// The meshes the scene repeats, made once per build.
struct Kit {
    body: Handle<Mesh>,
    roof: Handle<Mesh>,
    windows: Handle<Mesh>,
    unit_box: Handle<Mesh>,
    disc: Handle<Mesh>,
    pole: Handle<Mesh>,
    sphere: Handle<Mesh>,
}

impl Kit {
    /// Makes the repeated meshes.
    fn new(meshes: &mut Assets<Mesh>) -> Self {
        Kit {
            body: meshes.add(Cuboid::new(HOUSE.x, HOUSE.y, HOUSE.z)),
            roof: meshes.add(gable_roof(HOUSE.x + 0.8, HOUSE.z + 0.8, ROOF_RISE_M)),
            windows: meshes.add(window_panes(HOUSE)),
            unit_box: meshes.add(Cuboid::new(1.0, 1.0, 1.0)),
            disc: meshes.add(Cylinder::new(1.0, 0.1)),
            pole: meshes.add(Cylinder::new(1.0, 1.0)),
            sphere: meshes.add(
                Sphere::new(1.0)
                    .mesh()
                    .ico(2)
                    .expect("ico sphere of level 2"),
            ),
        }
    }
}

/// The materials the scene repeats, made once per build.
struct Paints {
    ground: Handle<StandardMaterial>,
    road: Handle<StandardMaterial>,
    walls: [Handle<StandardMaterial>; 4],
    roof: Handle<StandardMaterial>,
    pv: Handle<StandardMaterial>,
    casing: Handle<StandardMaterial>,
    charge: Handle<StandardMaterial>,
    metal: Handle<StandardMaterial>,
    dark_metal: Handle<StandardMaterial>,
    cars: Vec<Handle<StandardMaterial>>,
    cloud: Handle<StandardMaterial>,
}

impl Paints {
    /// Makes the repeated materials, in the order the scene has always added them.
    fn new(materials: &mut Assets<StandardMaterial>) -> Self {
        let ground = add_matte(materials, [118, 146, 104]);
        let road = add_matte(materials, [88, 90, 96]);
        let walls = [
            add_matte(materials, [236, 228, 212]),
            add_matte(materials, [222, 214, 200]),
            add_matte(materials, [240, 236, 226]),
            add_matte(materials, [214, 206, 196]),
        ];
        let roof = add_matte(materials, [150, 78, 62]);
        let pv = materials.add(StandardMaterial {
            base_color: Color::srgb_u8(24, 40, 84),
            perceptual_roughness: 0.55,
            reflectance: 0.3,
            ..default()
        });
        let casing = add_matte(materials, [205, 208, 212]);
        let charge = materials.add(StandardMaterial {
            base_color: color(palette::GREEN),
            emissive: color(palette::GREEN).to_linear() * 6.0,
            ..default()
        });
        let metal = add_matte(materials, [190, 192, 196]);
        let dark_metal = add_matte(materials, [60, 64, 70]);
        let car_colours = [
            palette::SKY_BLUE,
            palette::ORANGE,
            palette::PURPLE,
            palette::YELLOW,
        ];
        let cars: Vec<_> = car_colours
            .iter()
            .map(|&c| add_matte(materials, c))
            .collect();
        let cloud = materials.add(StandardMaterial {
            base_color: Color::srgba(1.0, 1.0, 1.0, 0.7),
            alpha_mode: AlphaMode::Blend,
            perceptual_roughness: 1.0,
            reflectance: 0.0,
            ..default()
        });
        Paints {
            ground,
            road,
            walls,
            roof,
            pv,
            casing,
            charge,
            metal,
            dark_metal,
            cars,
            cloud,
        }
    }
}

/// What every part of one build shares: the scenario, the entity everything
/// hangs from, where the buses and the centre are, and the repeated assets.
struct Site<'a> {
    built: &'a Built,
    shared: &'a SceneMaterials,
    root: Entity,
    buses: Vec<Vec3>,
    centre: Vec3,
    radius_m: f32,
    kit: Kit,
    paints: Paints,
}

/// A matte material of colour `c`, added to `materials`.
fn add_matte(materials: &mut Assets<StandardMaterial>, c: Rgb8) -> Handle<StandardMaterial> {
    materials.add(matte(c))
}

/// One mesh with its material and transform, as a child of `parent`.
fn spawn_part(
    commands: &mut Commands,
    parent: Entity,
    bundle: (Handle<Mesh>, Handle<StandardMaterial>, Transform),
) -> Entity {
    let id = commands
        .spawn((Mesh3d(bundle.0), MeshMaterial3d(bundle.1), bundle.2))
        .id();
    commands.entity(parent).add_child(id);
    id
}

/// House body, metres: width (east-west), wall height, depth (north-south).
const HOUSE: Vec3 = Vec3::new(10.0, 5.6, 8.0);
/// Where a house's car parks, from the house's centre, metres.
pub const CAR_PARKING_M: Vec3 = Vec3::new(HOUSE.x / 2.0 + 2.2, 0.0, 0.5);
/// Ridge height above the walls, metres.
const ROOF_RISE_M: f32 = 3.0;

/// The whole scene for `built` under a new root, part by part; returns where its parts are.
fn spawn_scene(
    commands: &mut Commands,
    built: &Built,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
    shared: &SceneMaterials,
) -> SceneLayout {
    let bus_xy = bus_positions(built);
    let buses: Vec<Vec3> = bus_xy.iter().map(|&p| to_world(p, 0.0)).collect();
    let (centre_xy, radius) = extent(built, &bus_xy);
    let kit = Kit::new(meshes);
    let paints = Paints::new(materials);
    let root = spawn_root(commands, built);
    let site = Site {
        built,
        shared,
        root,
        buses,
        centre: to_world(centre_xy, 0.0),
        radius_m: radius as f32,
        kit,
        paints,
    };

    spawn_ground(commands, &site);
    spawn_lines(commands, &site);
    spawn_buses(commands, &site);
    let house_roots = spawn_houses(commands, &site);
    spawn_devices(commands, &site, &house_roots);
    let (breaker_at, out) = spawn_transformer(commands, &site, materials);
    let link_end = spawn_grid_link(commands, &site, breaker_at, out);
    spawn_clouds(commands, &site);

    SceneLayout {
        buses: site.buses,
        centre: site.centre,
        radius_m: site.radius_m,
        grid_link: (breaker_at, link_end),
    }
}

/// The scenario's root entity, which everything else in the scene hangs from.
fn spawn_root(commands: &mut Commands, built: &Built) -> Entity {
    commands
        .spawn((
            Name::new(format!("Scenario: {}", built.scenario.name)),
            ScenarioVisuals,
            Transform::default(),
            Visibility::default(),
        ))
        .id()
}

/// The ground, wide enough for the grid link and the horizon.
fn spawn_ground(commands: &mut Commands, site: &Site) {
    let ground_size = site.radius_m * 8.0 + 400.0;
    spawn_part(
        commands,
        site.root,
        (
            site.kit.unit_box.clone(),
            site.paints.ground.clone(),
            Transform::from_translation(site.centre - Vec3::Y * 0.5).with_scale(Vec3::new(
                ground_size,
                1.0,
                ground_size,
            )),
        ),
    );
}

/// Each cable's street with its strip along the middle, coloured by loading.
fn spawn_lines(commands: &mut Commands, site: &Site) {
    for (i, line) in site.built.network.lines.iter().enumerate() {
        let (a, b) = (site.buses[line.from_bus], site.buses[line.to_bus]);
        let length = a.distance(b);
        if length < 0.1 {
            continue;
        }
        let mid = (a + b) / 2.0;
        let yaw = Quat::from_rotation_arc(Vec3::X, (b - a).normalize());
        spawn_part(
            commands,
            site.root,
            (
                site.kit.unit_box.clone(),
                site.paints.road.clone(),
                Transform::from_translation(mid + Vec3::Y * 0.02)
                    .with_rotation(yaw)
                    .with_scale(Vec3::new(length + 5.0, 0.04, 5.0)),
            ),
        );
        let strip = spawn_part(
            commands,
            site.root,
            (
                site.kit.unit_box.clone(),
                site.shared.loading[0].clone(),
                Transform::from_translation(mid + Vec3::Y * 0.08)
                    .with_rotation(yaw)
                    .with_scale(Vec3::new(length, 0.08, 1.6)),
            ),
        );
        commands
            .entity(strip)
            .insert((LineVisual(i), Pick::Line(i)));
    }
}

/// Each bus's disc on the street (all but the medium-voltage bus), coloured by voltage.
fn spawn_buses(commands: &mut Commands, site: &Site) {
    for (i, &p) in site.buses.iter().enumerate() {
        if i == site.built.network.transformer.hv_bus {
            continue;
        }
        let disc = spawn_part(
            commands,
            site.root,
            (
                site.kit.disc.clone(),
                site.shared.voltage[RAMP_STEPS / 2].clone(),
                Transform::from_translation(p + Vec3::Y * 0.12)
                    .with_scale(Vec3::new(1.8, 1.0, 1.8)),
            ),
        );
        commands.entity(disc).insert((BusVisual(i), Pick::Bus(i)));
    }
}

/// The houses (one per house with a household); returns each house's entity
/// by house index, `None` where it has no household.
fn spawn_houses(commands: &mut Commands, site: &Site) -> Vec<Option<Entity>> {
    let houses = site.built.scenario.houses.len();
    let mut house_roots = Vec::with_capacity(houses);
    for h in 0..houses {
        let Some(household) = site.built.household(h) else {
            house_roots.push(None);
            continue;
        };
        house_roots.push(Some(spawn_house(commands, site, h, household)));
    }
    house_roots
}

/// One house under the root with its body, roof and windows; returns it.
fn spawn_house(
    commands: &mut Commands,
    site: &Site,
    h: usize,
    household: &crate::scenario::Device,
) -> Entity {
    let at = to_world(household.position_m, 0.0);
    let house = commands
        .spawn((
            Name::new(household.name.clone()),
            Pick::House(h),
            Transform::from_translation(at),
            Visibility::default(),
        ))
        .id();
    commands.entity(site.root).add_child(house);
    let walls = &site.paints.walls;
    let parts = [
        (
            site.kit.body.clone(),
            walls[h % walls.len()].clone(),
            Transform::from_xyz(0.0, HOUSE.y / 2.0, 0.0),
        ),
        (
            site.kit.roof.clone(),
            site.paints.roof.clone(),
            Transform::from_xyz(0.0, HOUSE.y, 0.0),
        ),
    ];
    for part in parts {
        spawn_part(commands, house, part);
    }
    spawn_windows(commands, site, house, h);
    house
}

/// A house's windows (day material until the visuals light them), under `house`.
fn spawn_windows(commands: &mut Commands, site: &Site, house: Entity, h: usize) {
    let windows = commands
        .spawn((
            Mesh3d(site.kit.windows.clone()),
            MeshMaterial3d(site.shared.window_day.clone()),
            Transform::default(),
            HouseWindows(h),
        ))
        .id();
    commands.entity(house).add_child(windows);
}

/// Each device's model: PV, battery and car on their house, turbines under the root.
fn spawn_devices(commands: &mut Commands, site: &Site, house_roots: &[Option<Entity>]) {
    let mut car_count = 0;
    for (i, device) in site.built.devices.iter().enumerate() {
        let house = device
            .house
            .and_then(|h| house_roots.get(h).copied().flatten());
        match (&device.kind, house) {
            (DeviceKind::Pv(pv), Some(house)) => spawn_pv(commands, site, house, pv),
            (DeviceKind::Battery(b), Some(house)) => spawn_battery(commands, site, house, i, b),
            (DeviceKind::Ev(_), Some(house)) => {
                let cars = &site.paints.cars;
                let body_mat = cars[car_count % cars.len()].clone();
                car_count += 1;
                spawn_car(commands, site, house, i, device, body_mat);
            }
            (DeviceKind::Wind { hub_height_m, .. }, _) => {
                spawn_turbine(commands, site, i, device, *hub_height_m);
            }
            _ => {}
        }
    }
}

/// A PV array on the house's roof slope that faces the array's azimuth.
fn spawn_pv(commands: &mut Commands, site: &Site, house: Entity, pv: &crate::scenario::Pv) {
    // Area from the rating at about 5.5 m2 per kWp, as far as the slope holds.
    let south = (90.0..=270.0).contains(&pv.azimuth_deg);
    let slope_len = ((HOUSE.z + 0.8) / 2.0).hypot(ROOF_RISE_M);
    let pitch = ROOF_RISE_M.atan2((HOUSE.z + 0.8) / 2.0);
    let area = (pv.kwp as f32 * 5.5).clamp(4.0, (HOUSE.x - 1.0) * (slope_len - 0.8));
    let along = (area / (slope_len - 0.8)).min(HOUSE.x - 1.0);
    let up = area / along;
    let sign = if south { 1.0 } else { -1.0 };
    let rotation = Quat::from_rotation_x(sign * pitch);
    let centre_local = Vec3::new(
        0.0,
        HOUSE.y + ROOF_RISE_M / 2.0 + 0.12,
        sign * (HOUSE.z + 0.8) / 4.0,
    );
    let id = commands
        .spawn((
            Mesh3d(site.kit.unit_box.clone()),
            MeshMaterial3d(site.paints.pv.clone()),
            Transform::from_translation(centre_local)
                .with_rotation(rotation)
                .with_scale(Vec3::new(along, 0.1, up)),
        ))
        .id();
    commands.entity(house).add_child(id);
}

/// A home battery beside the house: its casing and its charge bar (device `i`).
fn spawn_battery(
    commands: &mut Commands,
    site: &Site,
    house: Entity,
    i: usize,
    b: &crate::scenario::Battery,
) {
    let height = 0.9 + (b.capacity_kwh as f32 / 13.5).min(2.0) * 0.5;
    let base = Vec3::new(-HOUSE.x / 2.0 - 1.0, 0.0, 1.5);
    let casing_id = commands
        .spawn((
            Mesh3d(site.kit.unit_box.clone()),
            MeshMaterial3d(site.paints.casing.clone()),
            Transform::from_translation(base + Vec3::Y * height / 2.0)
                .with_scale(Vec3::new(0.6, height, 1.1)),
        ))
        .id();
    let charge_id = commands
        .spawn((
            Mesh3d(site.kit.unit_box.clone()),
            MeshMaterial3d(site.paints.charge.clone()),
            Transform::from_translation(base + Vec3::new(-0.31, height / 2.0, 0.0))
                .with_scale(Vec3::new(0.04, height * 0.9, 0.5)),
            BatteryCharge {
                device: i,
                full_height_m: height * 0.9,
            },
        ))
        .id();
    commands.entity(house).add_children(&[casing_id, charge_id]);
}

/// A car (device `i`) parked at the house: body and cabin in `body_mat`.
fn spawn_car(
    commands: &mut Commands,
    site: &Site,
    house: Entity,
    i: usize,
    device: &crate::scenario::Device,
    body_mat: Handle<StandardMaterial>,
) {
    let car = commands
        .spawn((
            Name::new(format!("{} (car)", device.name)),
            CarVisual(i),
            Pick::Device(i),
            Transform::from_translation(CAR_PARKING_M),
            Visibility::default(),
        ))
        .id();
    let body = commands
        .spawn((
            Mesh3d(site.kit.unit_box.clone()),
            MeshMaterial3d(body_mat.clone()),
            Transform::from_xyz(0.0, 0.65, 0.0).with_scale(Vec3::new(1.8, 0.8, 4.3)),
        ))
        .id();
    let cabin = commands
        .spawn((
            Mesh3d(site.kit.unit_box.clone()),
            MeshMaterial3d(body_mat),
            Transform::from_xyz(0.0, 1.3, 0.2).with_scale(Vec3::new(1.6, 0.6, 2.2)),
        ))
        .id();
    commands.entity(car).add_children(&[body, cabin]);
    commands.entity(house).add_child(car);
}

/// A wind turbine (device `i`) under the root: tower, nacelle and rotor.
fn spawn_turbine(
    commands: &mut Commands,
    site: &Site,
    i: usize,
    device: &crate::scenario::Device,
    hub_height_m: f64,
) {
    let hub = hub_height_m as f32;
    let at = to_world(device.position_m, 0.0);
    let turbine = commands
        .spawn((
            Name::new(device.name.clone()),
            Pick::Device(i),
            Transform::from_translation(at),
            Visibility::default(),
        ))
        .id();
    commands.entity(site.root).add_child(turbine);
    let tower = commands
        .spawn((
            Mesh3d(site.kit.pole.clone()),
            MeshMaterial3d(site.paints.metal.clone()),
            Transform::from_xyz(0.0, hub / 2.0, 0.0).with_scale(Vec3::new(0.35, hub, 0.35)),
        ))
        .id();
    let nacelle = commands
        .spawn((
            Mesh3d(site.kit.unit_box.clone()),
            MeshMaterial3d(site.paints.metal.clone()),
            Transform::from_xyz(0.0, hub, -0.4).with_scale(Vec3::new(0.8, 0.8, 2.0)),
        ))
        .id();
    let rotor = spawn_rotor(commands, site, i, hub);
    commands
        .entity(turbine)
        .add_children(&[tower, nacelle, rotor]);
    // Faces south-west, the prevailing wind in central Europe.
    commands
        .entity(turbine)
        .insert(Transform::from_translation(at).with_rotation(Quat::from_rotation_y(0.8)));
}

/// A turbine's rotor (device `i`) at hub height with its three blades; returns it.
fn spawn_rotor(commands: &mut Commands, site: &Site, i: usize, hub: f32) -> Entity {
    let rotor = commands
        .spawn((
            TurbineRotor(i),
            Transform::from_xyz(0.0, hub, 0.7),
            Visibility::default(),
        ))
        .id();
    for k in 0..3 {
        let angle = k as f32 * std::f32::consts::TAU / 3.0;
        let blade = commands
            .spawn((
                Mesh3d(site.kit.unit_box.clone()),
                MeshMaterial3d(site.paints.metal.clone()),
                Transform::from_rotation(Quat::from_rotation_z(angle))
                    * Transform::from_xyz(0.0, 1.8, 0.0).with_scale(Vec3::new(0.35, 3.5, 0.08)),
            ))
            .id();
        commands.entity(rotor).add_child(blade);
    }
    rotor
}

/// The transformer by the LV busbar and the breaker at the point of common
/// coupling; returns where the breaker stands and the way out of the neighbourhood.
fn spawn_transformer(
    commands: &mut Commands,
    site: &Site,
    materials: &mut Assets<StandardMaterial>,
) -> (Vec3, Vec3) {
    let trafo = &site.built.network.transformer;
    let lv = site.buses[trafo.lv_bus];
    let mut out = site.buses[trafo.hv_bus] - lv;
    out.y = 0.0;
    if out.length() < 1.0 {
        out = lv - site.centre;
        out.y = 0.0;
    }
    let out = if out.length() < 1.0 {
        Vec3::Z
    } else {
        out.normalize()
    };
    let side = Vec3::Y.cross(out);
    let trafo_at = lv + out * 4.0 + side * 5.0;
    let trafo_id = commands
        .spawn((
            Name::new(trafo.name.clone()),
            Pick::Transformer,
            Mesh3d(site.kit.unit_box.clone()),
            MeshMaterial3d(add_matte(materials, [96, 120, 104])),
            Transform::from_translation(trafo_at + Vec3::Y * 1.3)
                .with_scale(Vec3::new(3.0, 2.6, 2.4)),
        ))
        .id();
    commands.entity(site.root).add_child(trafo_id);
    let breaker_at = trafo_at + out * 4.0;
    let breaker = spawn_part(
        commands,
        site.root,
        (
            site.kit.unit_box.clone(),
            site.shared.breaker_closed.clone(),
            Transform::from_translation(breaker_at + Vec3::Y * 1.5)
                .with_scale(Vec3::new(2.0, 3.0, 2.0)),
        ),
    );
    commands
        .entity(breaker)
        .insert((BreakerVisual, Pick::Transformer));
    (breaker_at, out)
}

/// The medium-voltage link from the breaker out of the neighbourhood along
/// `out`: poles and the wires between them (the first span marked
/// [`GridLinkSpan`]); returns its far end.
fn spawn_grid_link(commands: &mut Commands, site: &Site, breaker_at: Vec3, out: Vec3) -> Vec3 {
    let link_end = breaker_at + out * (site.radius_m * 2.5 + 150.0);
    let pole_height = 10.0;
    let span_m = 40.0;
    let spans = ((link_end - breaker_at).length() / span_m).ceil().max(1.0) as usize;
    let mut previous = breaker_at + Vec3::Y * 2.0;
    for k in 1..=spans {
        let base = breaker_at + (link_end - breaker_at) * (k as f32 / spans as f32);
        spawn_part(
            commands,
            site.root,
            (
                site.kit.pole.clone(),
                site.paints.dark_metal.clone(),
                Transform::from_translation(base + Vec3::Y * pole_height / 2.0)
                    .with_scale(Vec3::new(0.18, pole_height, 0.18)),
            ),
        );
        let top = base + Vec3::Y * pole_height;
        let wire = spawn_part(
            commands,
            site.root,
            (
                site.kit.unit_box.clone(),
                site.paints.dark_metal.clone(),
                wire_transform(previous, top, 0.12),
            ),
        );
        if k == 1 {
            commands.entity(wire).insert(GridLinkSpan);
        }
        previous = top;
    }
    link_end
}

/// The clouds, hidden until the visuals show them in proportion to the cloud
/// cover and drift them with the wind; each a few overlapping puffs.
fn spawn_clouds(commands: &mut Commands, site: &Site) {
    for k in 0..CLOUDS {
        let angle = k as f32 * 2.39996;
        let r = site.radius_m * 1.2 * ((k as f32 + 0.5) / CLOUDS as f32).sqrt();
        let at = site.centre
            + Vec3::new(
                r * angle.cos(),
                115.0 + (k % 3) as f32 * 12.0,
                r * angle.sin(),
            );
        let cloud = commands
            .spawn((
                Cloud(k),
                Transform::from_translation(at),
                Visibility::Hidden,
            ))
            .id();
        commands.entity(site.root).add_child(cloud);
        for (offset, size) in [
            (Vec3::ZERO, Vec3::new(12.0, 5.0, 9.0)),
            (Vec3::new(10.0, -1.5, 2.0), Vec3::new(8.0, 4.0, 7.0)),
            (Vec3::new(-9.0, -2.0, -1.5), Vec3::new(7.5, 3.5, 6.0)),
        ] {
            let puff = commands
                .spawn((
                    Mesh3d(site.kit.sphere.clone()),
                    MeshMaterial3d(site.paints.cloud.clone()),
                    Transform::from_translation(offset).with_scale(size),
                    bevy::light::NotShadowCaster,
                ))
                .id();
            commands.entity(cloud).add_child(puff);
        }
    }
}

/// Number of cloud entities (all shown when overcast).
pub const CLOUDS: usize = 16;

/// A thin box from `a` to `b`, `thickness_m` across (a wire or a strip).
pub fn wire_transform(a: Vec3, b: Vec3, thickness_m: f32) -> Transform {
    let length = a.distance(b).max(1e-3);
    Transform::from_translation((a + b) / 2.0)
        .with_rotation(Quat::from_rotation_arc(Vec3::X, (b - a) / length))
        .with_scale(Vec3::new(length, thickness_m, thickness_m))
}

/// A gable roof, ridge along x: `width` along the ridge, `depth` across,
/// `rise` from eaves to ridge; eaves at y = 0.
pub fn gable_roof(width: f32, depth: f32, rise: f32) -> Mesh {
    let (hw, hd) = (width / 2.0, depth / 2.0);
    let ridge_w = Vec3::new(-hw, rise, 0.0);
    let ridge_e = Vec3::new(hw, rise, 0.0);
    let south_w = Vec3::new(-hw, 0.0, hd);
    let south_e = Vec3::new(hw, 0.0, hd);
    let north_w = Vec3::new(-hw, 0.0, -hd);
    let north_e = Vec3::new(hw, 0.0, -hd);
    // Faces listed counter-clockwise seen from outside.
    let faces: [&[Vec3]; 4] = [
        &[south_w, south_e, ridge_e, ridge_w],
        &[north_e, north_w, ridge_w, ridge_e],
        &[north_w, south_w, ridge_w],
        &[south_e, north_e, ridge_e],
    ];
    polygon_mesh(&faces)
}

/// Window panes on the four walls of a house body `size` (centred on x, z,
/// standing on y = 0), two floors, slightly proud of the walls.
pub fn window_panes(size: Vec3) -> Mesh {
    let (hw, hd) = (size.x / 2.0 + 0.03, size.z / 2.0 + 0.03);
    let mut faces: Vec<Vec<Vec3>> = Vec::new();
    let pane = (1.2, 1.3);
    for floor_y in [1.2, 3.6] {
        // South and north walls: three panes each.
        for k in [-1.0, 0.0, 1.0] {
            let x = k * size.x * 0.3;
            let (x0, x1, y0, y1) = (
                x - pane.0 / 2.0,
                x + pane.0 / 2.0,
                floor_y,
                floor_y + pane.1,
            );
            faces.push(vec![
                Vec3::new(x0, y0, hd),
                Vec3::new(x1, y0, hd),
                Vec3::new(x1, y1, hd),
                Vec3::new(x0, y1, hd),
            ]);
            faces.push(vec![
                Vec3::new(x1, y0, -hd),
                Vec3::new(x0, y0, -hd),
                Vec3::new(x0, y1, -hd),
                Vec3::new(x1, y1, -hd),
            ]);
        }
        // East and west walls: two panes each.
        for k in [-1.0, 1.0] {
            let z = k * size.z * 0.22;
            let (z0, z1, y0, y1) = (
                z - pane.0 / 2.0,
                z + pane.0 / 2.0,
                floor_y,
                floor_y + pane.1,
            );
            faces.push(vec![
                Vec3::new(hw, y0, z1),
                Vec3::new(hw, y0, z0),
                Vec3::new(hw, y1, z0),
                Vec3::new(hw, y1, z1),
            ]);
            faces.push(vec![
                Vec3::new(-hw, y0, z0),
                Vec3::new(-hw, y0, z1),
                Vec3::new(-hw, y1, z1),
                Vec3::new(-hw, y1, z0),
            ]);
        }
    }
    let refs: Vec<&[Vec3]> = faces.iter().map(Vec::as_slice).collect();
    polygon_mesh(&refs)
}

/// A flat-shaded mesh of convex polygons, each counter-clockwise from outside.
fn polygon_mesh(faces: &[&[Vec3]]) -> Mesh {
    let mut positions = Vec::new();
    let mut normals = Vec::new();
    let mut indices = Vec::new();
    for face in faces {
        let normal = (face[1] - face[0])
            .cross(face[2] - face[0])
            .normalize_or_zero();
        let first = positions.len() as u32;
        for p in *face {
            positions.push(p.to_array());
            normals.push(normal.to_array());
        }
        for k in 1..face.len() as u32 - 1 {
            indices.extend([first, first + k, first + k + 1]);
        }
    }
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_indices(Indices::U32(indices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roof_faces_point_outwards_and_up() {
        let roof = gable_roof(10.0, 8.0, 3.0);
        let Some(bevy::mesh::VertexAttributeValues::Float32x3(normals)) =
            roof.attribute(Mesh::ATTRIBUTE_NORMAL)
        else {
            panic!("roof has normals");
        };
        // South slope faces south (+z) and up; north slope north and up.
        assert!(
            normals[0][2] > 0.5 && normals[0][1] > 0.5,
            "{:?}",
            normals[0]
        );
        assert!(
            normals[4][2] < -0.5 && normals[4][1] > 0.5,
            "{:?}",
            normals[4]
        );
        // Gables face west and east.
        assert!(normals[8][0] < -0.99 && normals[11][0] > 0.99);
    }

    #[test]
    fn window_panes_sit_just_outside_the_walls() {
        let panes = window_panes(HOUSE);
        let Some(bevy::mesh::VertexAttributeValues::Float32x3(positions)) =
            panes.attribute(Mesh::ATTRIBUTE_POSITION)
        else {
            panic!("panes have positions");
        };
        assert_eq!(positions.len(), 2 * (6 + 4) * 4);
        for p in positions {
            let proud_x = (p[0].abs() - HOUSE.x / 2.0).abs() < 0.05;
            let proud_z = (p[2].abs() - HOUSE.z / 2.0).abs() < 0.05;
            assert!(proud_x || proud_z, "{p:?} is not on a wall");
            assert!(p[1] > 0.0 && p[1] < HOUSE.y);
        }
    }

    #[test]
    fn a_wire_spans_its_two_ends() {
        let (a, b) = (Vec3::new(0.0, 10.0, 0.0), Vec3::new(30.0, 10.0, 40.0));
        let t = wire_transform(a, b, 0.1);
        assert!((t.scale.x - 50.0).abs() < 1e-4);
        let end = t.transform_point(Vec3::new(0.5, 0.0, 0.0));
        assert!(end.distance(b) < 1e-3, "{end}");
    }
}
