//! Spawning the scene from a scenario: the repeated meshes and materials,
//! and one `spawn_*` helper per part (ground, streets, buses, houses,
//! devices, transformer, grid link, clouds).

use bevy::prelude::*;

use super::grid_link::{self, LinkPaints};
use super::town::{self, TownPaints};
use super::{
    BatteryCharge, BreakerVisual, BusVisual, CAR_PARKING_M, CLOUDS, CarVisual, Cloud, HOUSE,
    IslandEdge, LineVisual, Pick, PlacedPicks, ROOF_RISE_M, ScenarioVisuals, SceneLayout,
    SceneMaterials, TurbineRotor, color, houses, matte, merged, paint::Paint, tile_of,
};
use crate::app::theme::palette::{self, RAMP_STEPS, Rgb8};
use crate::app::world::layout::{bus_positions, extent, to_world};
use crate::app::world::scenery::scenery;
use crate::scenario::{Built, DeviceKind};

/// Sides of a bus's disc: twelve read as round from the street, where
/// Bevy's 32 gave the 1,000-house town's 2,000 buses a quarter of a
/// million triangles.
const DISC_SIDES: u32 = 12;

/// Heights of the flat parts on the ground, metres: the street's surface,
/// a cable's strip on it and a bus's disc on that (apart enough that the
/// depth buffer keeps them apart from far off).
const STREET_Y: f32 = 0.04;
const STRIP_Y: f32 = 0.12;
const DISC_Y: f32 = 0.17;

/// The meshes the scene repeats, made once per build.
struct Kit {
    unit_box: Handle<Mesh>,
    /// A square metre lying flat, facing up.
    flat: Handle<Mesh>,
    /// A disc of one metre's radius lying flat, facing up.
    disc: Handle<Mesh>,
    pole: Handle<Mesh>,
    sphere: Handle<Mesh>,
}

impl Kit {
    /// Makes the repeated meshes.
    fn new(meshes: &mut Assets<Mesh>) -> Self {
        Kit {
            unit_box: meshes.add(Cuboid::new(1.0, 1.0, 1.0)),
            flat: meshes.add(flat_square()),
            disc: meshes.add(
                Mesh::from(Circle::new(1.0).mesh().resolution(DISC_SIDES))
                    .rotated_by(Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2)),
            ),
            pole: meshes.add(Cylinder::new(1.0, 1.0).mesh().resolution(12)),
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
    ground: Handle<Paint>,
    road: Handle<Paint>,
    pv: Handle<Paint>,
    casing: Handle<Paint>,
    charge: Handle<Paint>,
    metal: Handle<Paint>,
    dark_metal: Handle<Paint>,
    cars: Vec<Handle<Paint>>,
    cloud: Handle<StandardMaterial>,
}

impl Paints {
    /// Makes the repeated materials, in the order the scene has always added them.
    fn new(materials: &mut Assets<Paint>, see_through: &mut Assets<StandardMaterial>) -> Self {
        let ground = add_matte(materials, [118, 146, 104]);
        let road = add_matte(materials, [88, 90, 96]);
        // Glass over the cells: a glint where the sun catches it.
        let pv = materials.add(Paint::shiny(Color::srgb_u8(24, 40, 84), 1.0));
        let casing = add_matte(materials, [205, 208, 212]);
        let charge = materials.add(Paint::matte(color(palette::GREEN)).glowing(6.0));
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
        let cloud = see_through.add(StandardMaterial {
            base_color: Color::srgba(1.0, 1.0, 1.0, 0.7),
            alpha_mode: AlphaMode::Blend,
            perceptual_roughness: 1.0,
            reflectance: 0.0,
            ..default()
        });
        Paints {
            ground,
            road,
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

/// A square metre lying flat, facing up: the streets, the cables' strips
/// (a box's sides, a few centimetres high, are never seen from where the
/// camera can be, and each long thin side is one more sliver that a
/// software renderer rasterizes along the whole street).
fn flat_square() -> Mesh {
    Plane3d::default().mesh().size(1.0, 1.0).into()
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
    town_paints: TownPaints,
    link_paints: LinkPaints,
}

/// A matte material of colour `c`, added to `materials`.
fn add_matte(materials: &mut Assets<Paint>, c: Rgb8) -> Handle<Paint> {
    materials.add(matte(c))
}

/// One flat part on the ground (no shadow to cast), as a child of `parent`.
fn spawn_flat(
    commands: &mut Commands,
    parent: Entity,
    bundle: (Handle<Mesh>, Handle<Paint>, Transform),
) -> Entity {
    let id = spawn_part(commands, parent, bundle);
    commands.entity(id).insert(bevy::light::NotShadowCaster);
    id
}

/// One mesh with its material and transform, as a child of `parent`.
fn spawn_part(
    commands: &mut Commands,
    parent: Entity,
    bundle: (Handle<Mesh>, Handle<Paint>, Transform),
) -> Entity {
    let id = commands
        .spawn((Mesh3d(bundle.0), MeshMaterial3d(bundle.1), bundle.2))
        .id();
    commands.entity(parent).add_child(id);
    id
}

/// The whole scene for `built` under a new root, part by part; returns where its parts are.
pub(super) fn spawn_scene(
    commands: &mut Commands,
    built: &Built,
    meshes: &mut Assets<Mesh>,
    (materials, see_through): (&mut Assets<Paint>, &mut Assets<StandardMaterial>),
    shared: &SceneMaterials,
) -> SceneLayout {
    let bus_xy = bus_positions(built);
    let buses: Vec<Vec3> = bus_xy.iter().map(|&p| to_world(p, 0.0)).collect();
    let (centre_xy, radius) = extent(built, &bus_xy);
    let kit = Kit::new(meshes);
    let paints = Paints::new(materials, see_through);
    let town_paints = TownPaints::new(materials, matte);
    let link_paints = LinkPaints {
        metal: paints.dark_metal.clone(),
        live: shared.wire_live.clone(),
        kiosk: [
            add_matte(materials, [214, 206, 188]),
            add_matte(materials, [88, 90, 96]),
            add_matte(materials, [70, 96, 84]),
            add_matte(materials, palette::YELLOW),
        ],
    };
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
        town_paints,
        link_paints,
    };

    spawn_ground(commands, &site);
    spawn_lines(commands, &site, meshes);
    let streets: Vec<(Vec3, Vec3)> = built
        .network
        .lines
        .iter()
        .map(|l| (site.buses[l.from_bus], site.buses[l.to_bus]))
        .collect();
    town::spawn_pavements(commands, site.root, &streets, meshes, &site.town_paints);
    spawn_buses(commands, &site);
    let (breaker_at, out) = spawn_transformer(commands, &site);
    // Out to where the ground ends, into the haze.
    let reach = (site.radius_m * 4.0 + 140.0).max(site.radius_m * 2.5 + 150.0);
    let link_end = grid_link::spawn_grid_link(
        commands,
        site.root,
        (breaker_at, out, reach),
        meshes,
        &site.link_paints,
    );
    // The town round the grid, clear of the streets, the link and the turbines.
    let on_ground = |p: Vec3| [f64::from(p.x), -f64::from(p.z)];
    let turbines: Vec<[f64; 2]> = built
        .devices
        .iter()
        .filter(|d| matches!(d.kind, DeviceKind::Wind { .. }))
        .map(|d| d.position_m)
        .collect();
    let town = scenery(
        built,
        &bus_xy,
        (on_ground(breaker_at), on_ground(link_end)),
        &turbines,
    );
    let house_roots = houses::spawn_houses(
        commands,
        site.root,
        built,
        &town.styles,
        meshes,
        (&site.town_paints, shared),
    );
    spawn_devices(commands, &site, &house_roots);
    town::spawn_town(
        commands,
        site.root,
        &town,
        meshes,
        &site.town_paints,
        &shared.window_dark,
        &shared.lamp_glow,
    );
    spawn_clouds(commands, &site);
    spawn_island_edge(commands, &site, meshes, materials);

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
    spawn_flat(
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

/// Each cable's strip along the middle of its street, coloured by
/// loading; the streets are one mesh, which picks the cable a hit lands
/// nearest to (it is the wider target).
fn spawn_lines(commands: &mut Commands, site: &Site, meshes: &mut Assets<Mesh>) {
    // By square of the ground: the streets and what they pick.
    type Square = (Vec<Transform>, Vec<(Pick, (Vec2, Vec2))>);
    let mut squares: std::collections::BTreeMap<(i32, i32), Square> = Default::default();
    for (i, line) in site.built.network.lines.iter().enumerate() {
        let (a, b) = (site.buses[line.from_bus], site.buses[line.to_bus]);
        let length = a.distance(b);
        if length < 0.1 {
            continue;
        }
        let mid = (a + b) / 2.0;
        let yaw = Quat::from_rotation_arc(Vec3::X, (b - a).normalize());
        let square = squares.entry(tile_of(mid)).or_default();
        square.0.push(
            Transform::from_translation(mid + Vec3::Y * STREET_Y)
                .with_rotation(yaw)
                .with_scale(Vec3::new(length + 5.0, 1.0, 5.0)),
        );
        square
            .1
            .push((Pick::Line(i), (Vec2::new(a.x, a.z), Vec2::new(b.x, b.z))));
        let strip = spawn_flat(
            commands,
            site.root,
            (
                site.kit.flat.clone(),
                site.shared.loading[0].clone(),
                Transform::from_translation(mid + Vec3::Y * STRIP_Y)
                    .with_rotation(yaw)
                    .with_scale(Vec3::new(length, 1.0, 1.6)),
            ),
        );
        commands
            .entity(strip)
            .insert((LineVisual(i), Pick::Line(i)));
    }
    let street = flat_square();
    for (streets, placed) in squares.into_values() {
        if let Some(mesh) = merged(&street, &streets) {
            let id = spawn_flat(
                commands,
                site.root,
                (
                    meshes.add(mesh),
                    site.paints.road.clone(),
                    Transform::default(),
                ),
            );
            commands.entity(id).insert(PlacedPicks::new(placed));
        }
    }
}

/// Each bus's disc on the street (all but the medium-voltage bus), coloured by voltage.
fn spawn_buses(commands: &mut Commands, site: &Site) {
    for (i, &p) in site.buses.iter().enumerate() {
        if i == site.built.network.transformer.hv_bus {
            continue;
        }
        let disc = spawn_flat(
            commands,
            site.root,
            (
                site.kit.disc.clone(),
                site.shared.voltage[RAMP_STEPS / 2].clone(),
                Transform::from_translation(p + Vec3::Y * DISC_Y)
                    .with_scale(Vec3::new(1.8, 1.0, 1.8)),
            ),
        );
        commands.entity(disc).insert((BusVisual(i), Pick::Bus(i)));
    }
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
    body_mat: Handle<Paint>,
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
    // Its concrete foundation: a target a click can find, the tower being thin.
    let foundation = commands
        .spawn((
            Mesh3d(site.kit.pole.clone()),
            MeshMaterial3d(site.paints.road.clone()),
            Transform::from_xyz(0.0, 0.05, 0.0).with_scale(Vec3::new(3.0, 0.1, 3.0)),
        ))
        .id();
    commands
        .entity(turbine)
        .add_children(&[tower, nacelle, rotor, foundation]);
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
fn spawn_transformer(commands: &mut Commands, site: &Site) -> (Vec3, Vec3) {
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
    let kiosk = grid_link::spawn_kiosk(
        commands,
        site.root,
        (trafo_at, out),
        &site.kit.unit_box,
        &site.link_paints,
    );
    commands.entity(kiosk).insert(Name::new(trafo.name.clone()));
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

/// The island's edge: an amber ring on the ground round the neighbourhood,
/// hidden until the breaker opens.
fn spawn_island_edge(
    commands: &mut Commands,
    site: &Site,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<Paint>,
) {
    let r = site.radius_m + 20.0;
    let amber = color(palette::ORANGE);
    let ring = commands
        .spawn((
            Name::new("island edge"),
            IslandEdge,
            Mesh3d(meshes.add(Annulus::new(r, r + 4.0))),
            MeshMaterial3d(materials.add(Paint::unlit(amber))),
            Transform::from_translation(site.centre + Vec3::Y * 0.2)
                .with_rotation(Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2)),
            Visibility::Hidden,
            bevy::light::NotShadowCaster,
            Pickable::IGNORE,
        ))
        .id();
    commands.entity(site.root).add_child(ring);
}
