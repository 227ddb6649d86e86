//! The town round the grid, spawned from [`crate::app::world::scenery`]:
//! the houses' colours, trees, hedges round the gardens, pavements and
//! street lights. The parts of a kind in a square of the ground are
//! merged into one mesh a material, at two levels of detail ([`Lod`]).

use std::collections::BTreeMap;

use bevy::light::NotShadowCaster;
use bevy::prelude::*;

use super::lod::Lod;
use super::{LampGlow, Paint, PlacedPicks, StreetLamp, merged, tile_of};
use crate::app::theme::palette::Rgb8;
use crate::app::world::layout::to_world;
use crate::app::world::scenery::{HouseStyle, ROOFS, Scenery, TreeKind, WALLS};

/// The town's materials, each made once.
pub(super) struct TownPaints {
    walls: [Handle<Paint>; WALLS],
    roofs: [Handle<Paint>; ROOFS],
    trunk: Handle<Paint>,
    birch: Handle<Paint>,
    leaves: [Handle<Paint>; 3],
    hedge: Handle<Paint>,
    post: Handle<Paint>,
    chimney: Handle<Paint>,
    pavement: Handle<Paint>,
}

impl TownPaints {
    pub(super) fn new(materials: &mut Assets<Paint>, matte: impl Fn(Rgb8) -> Paint) -> Self {
        let mut add = |c: Rgb8| materials.add(matte(c));
        // A soft palette: warm whites and pastels for walls, clay,
        // brown, slate and anthracite for roofs, two greens for leaves.
        Self {
            walls: [
                add([236, 228, 212]),
                add([246, 242, 232]),
                add([238, 222, 170]),
                add([200, 212, 218]),
                add([222, 200, 172]),
                add([226, 184, 160]),
            ],
            roofs: [
                add([160, 74, 56]),
                add([72, 74, 80]),
                add([120, 82, 60]),
                add([110, 120, 130]),
            ],
            trunk: add([96, 70, 50]),
            birch: add([232, 230, 222]),
            leaves: [add([70, 128, 66]), add([96, 150, 74]), add([46, 98, 64])],
            hedge: add([58, 108, 58]),
            post: add([60, 64, 70]),
            chimney: add([140, 70, 58]),
            pavement: add([184, 180, 170]),
        }
    }

    /// A chimney's material.
    pub(super) fn chimney(&self) -> &Handle<Paint> {
        &self.chimney
    }

    /// A carport post's (and a lamp post's) material.
    pub(super) fn post(&self) -> &Handle<Paint> {
        &self.post
    }

    /// A house's wall and roof materials.
    pub(super) fn house(&self, style: &HouseStyle) -> (Handle<Paint>, Handle<Paint>) {
        (
            self.walls[style.wall % WALLS].clone(),
            self.roofs[style.roof % ROOFS].clone(),
        )
    }
}

/// A merged mesh that stands still, in `material`, under `root`: no
/// pointer hits it and it casts no shadow.
pub(super) fn spawn_static<M: Material>(
    commands: &mut Commands,
    root: Entity,
    meshes: &mut Assets<Mesh>,
    mesh: Mesh,
    material: &Handle<M>,
) -> Entity {
    let id = commands
        .spawn((
            Mesh3d(meshes.add(mesh)),
            MeshMaterial3d(material.clone()),
            Transform::default(),
            Pickable::IGNORE,
            NotShadowCaster,
        ))
        .id();
    commands.entity(root).add_child(id);
    id
}

/// [`spawn_static`], drawn only at `lod`'s distances from `square`.
pub(super) fn spawn_static_at(
    commands: &mut Commands,
    root: Entity,
    meshes: &mut Assets<Mesh>,
    (mesh, material): (Mesh, &Handle<Paint>),
    (lod, square): (Lod, (i32, i32)),
) -> Entity {
    let level = lod.at(square, &mesh);
    let id = spawn_static(commands, root, meshes, mesh, material);
    commands.entity(id).insert(level);
    id
}

/// Shapes to merge, by the material they are drawn in.
#[derive(Default)]
pub(super) struct Batches(Vec<(Handle<Paint>, Mesh)>);

impl Batches {
    /// `base` placed by `shape`, merged into what `material` draws.
    pub(super) fn add(&mut self, material: &Handle<Paint>, base: &Mesh, shape: Transform) {
        let part = base.clone().transformed_by(shape);
        match self.0.iter_mut().find(|(m, _)| m == material) {
            // The parts share their attributes, so this cannot fail; were
            // it to, the part is left out rather than the town.
            Some((_, all)) => {
                let _ = all.merge(&part);
            }
            None => self.0.push((material.clone(), part)),
        }
    }

    /// One entity a material, under `root`, that casts shadows and picks
    /// by where a hit lands (`placed`); with `level`, drawn only at that
    /// level of detail of that square.
    pub(super) fn spawn_picked(
        self,
        commands: &mut Commands,
        root: Entity,
        meshes: &mut Assets<Mesh>,
        (placed, level): (&PlacedPicks, Option<(Lod, (i32, i32))>),
    ) {
        for (material, mesh) in self.0 {
            let range = level.map(|(lod, square)| lod.at(square, &mesh));
            let id = commands
                .spawn((
                    Mesh3d(meshes.add(mesh)),
                    MeshMaterial3d(material),
                    Transform::default(),
                    placed.clone(),
                ))
                .id();
            if let Some(range) = range {
                commands.entity(id).insert(range);
            }
            commands.entity(root).add_child(id);
        }
    }

    /// One entity a material, under `root`, that no pointer hits, drawn
    /// at `lod`'s distances from `square`; with `sway`, trees that the
    /// wind bends together at that phase.
    fn spawn(
        self,
        commands: &mut Commands,
        root: Entity,
        meshes: &mut Assets<Mesh>,
        (lod, square, sway): (Lod, (i32, i32), Option<f32>),
    ) {
        for (material, mesh) in self.0 {
            let mesh = match sway {
                Some(_) => crate::app::world::weather::with_bend(mesh),
                None => mesh,
            };
            let id = spawn_static_at(commands, root, meshes, (mesh, &material), (lod, square));
            if let Some(phase) = sway {
                commands.entity(id).insert((
                    crate::app::world::weather::Sway(phase),
                    crate::app::world::weather::still(),
                ));
            }
        }
    }
}

/// A tree's shapes at one level of detail: near, a trunk of
/// [`TRUNK_SIDES`], a crown of 80 faces or a cone of 12 sides; far, three
/// sides, 20 faces and 6 (a few pixels across, they read the same).
struct TreeShapes {
    trunk: Mesh,
    ball: Mesh,
    cone: Mesh,
}

impl TreeShapes {
    fn new(lod: Lod) -> Self {
        let (sides, ico, cone_sides) = match lod {
            Lod::Near => (TRUNK_SIDES, 1, 12),
            Lod::Far => (3, 0, 6),
        };
        Self {
            trunk: Mesh::from(Cylinder::new(0.5, 1.0).mesh().resolution(sides)),
            ball: Sphere::new(1.0)
                .mesh()
                .ico(ico)
                .expect("ico sphere of level 0 or 1"),
            cone: Mesh::from(
                Cone {
                    radius: 1.0,
                    height: 1.0,
                }
                .mesh()
                .resolution(cone_sides),
            ),
        }
    }
}

/// The trees, hedges and street lights under `root`, each kind merged into
/// one mesh a material and square of the ground: a few entities a square
/// rather than several a house. The trees bend in the wind by a morph
/// target (`world/weather.rs`), in three groups, and are drawn simpler
/// from afar; the hedges and the lamps' posts only near ([`Lod`]).
/// Street lights are merged by the shedding stage they go dark with.
pub(super) fn spawn_town(
    commands: &mut Commands,
    root: Entity,
    scenery: &Scenery,
    meshes: &mut Assets<Mesh>,
    paints: &TownPaints,
    lamp_off: &Handle<Paint>,
    glow: &Handle<StandardMaterial>,
) {
    let shapes = [TreeShapes::new(Lod::Near), TreeShapes::new(Lod::Far)];
    let cube = Mesh::from(Cuboid::new(1.0, 1.0, 1.0));
    // Trees by square, level and one of three groups that sway out of step.
    let mut groves: BTreeMap<((i32, i32), Lod, usize), Batches> = BTreeMap::new();
    for (k, tree) in scenery.trees.iter().enumerate() {
        let at = to_world(tree.at, 0.0);
        let h = tree.height_m as f32;
        let leaves = &paints.leaves[k % paints.leaves.len()];
        // Trunk material, radius and height; conifer, crown material,
        // centre, radius and height, as shares of the tree's height.
        let (bark, trunk_r, trunk_h, conifer, green, centre, radius, tall) = match tree.kind {
            TreeKind::Broadleaf => (&paints.trunk, 0.35, 0.45, false, leaves, 0.62, 0.38, 0.42),
            TreeKind::Conifer => (
                &paints.trunk,
                0.3,
                0.25,
                true,
                &paints.leaves[2],
                0.58,
                0.28,
                0.85,
            ),
            TreeKind::Birch => (
                &paints.birch,
                0.2,
                0.7,
                false,
                &paints.leaves[1],
                0.72,
                0.24,
                0.34,
            ),
        };
        let crown = Transform::from_translation(at + Vec3::Y * h * centre).with_scale(Vec3::new(
            h * radius,
            h * tall,
            h * radius,
        ));
        for (lod, shape) in Lod::BOTH.into_iter().zip(&shapes) {
            let grove = groves.entry((tile_of(at), lod, k % 3)).or_default();
            grove.add(bark, &shape.trunk, trunk(at, trunk_r, h * trunk_h));
            let ball_or_cone = if conifer { &shape.cone } else { &shape.ball };
            grove.add(green, ball_or_cone, crown);
        }
    }
    for ((square, lod, k), grove) in groves {
        grove.spawn(commands, root, meshes, (lod, square, Some(k as f32 * 2.1)));
    }
    // Near only: the hedges and the lamps' posts, by square.
    let mut near: BTreeMap<(i32, i32), Batches> = BTreeMap::new();
    for hedge in &scenery.hedges {
        let (a, b) = (to_world(hedge.from, 0.0), to_world(hedge.to, 0.0));
        let length = a.distance(b);
        if length < 0.5 {
            continue;
        }
        let shape = Transform::from_translation((a + b) / 2.0 + Vec3::Y * 0.6)
            .with_rotation(Quat::from_rotation_arc(Vec3::X, (b - a) / length))
            .with_scale(Vec3::new(length, 1.2, 0.8));
        near.entry(tile_of((a + b) / 2.0))
            .or_default()
            .add(&paints.hedge, &cube, shape);
    }
    for lamp in &scenery.lamps {
        let at = to_world(lamp.at, 0.0);
        near.entry(tile_of(at)).or_default().add(
            &paints.post,
            &shapes[0].trunk,
            trunk(at, 0.12, 5.0),
        );
    }
    for (square, batches) in near {
        batches.spawn(commands, root, meshes, (Lod::Near, square, None));
    }
    let crowns = [&shapes[0].ball, &shapes[1].ball];
    spawn_lamp_groups(commands, root, (scenery, crowns), meshes, lamp_off, glow);
}

/// Sides of a tree trunk or a lamp post: thin and far off, eight read as
/// round (a round cylinder's 32 cost the 1,000-house town 100,000
/// triangles that lavapipe shades every frame).
const TRUNK_SIDES: u32 = 8;

/// A pavement's width, metres, beside a 5 m street.
const PAVEMENT_M: f32 = 1.8;

/// Pavements along both sides of every street (`streets`: each one's
/// ends), raised a kerb's height above the road and stopping short of the
/// junctions, merged into one mesh a square of the ground and drawn only
/// near the camera (from afar they are a pixel or two beside the street).
pub(super) fn spawn_pavements(
    commands: &mut Commands,
    root: Entity,
    streets: &[(Vec3, Vec3)],
    meshes: &mut Assets<Mesh>,
    paints: &TownPaints,
) {
    let cube = Mesh::from(Cuboid::new(1.0, 1.0, 1.0));
    let offset = 2.5 + PAVEMENT_M / 2.0;
    let mut squares: BTreeMap<(i32, i32), Vec<Transform>> = BTreeMap::new();
    for &(a, b) in streets {
        let length = a.distance(b) - 2.0 * (2.5 + PAVEMENT_M);
        if length < 1.0 {
            continue;
        }
        let along = (b - a).normalize();
        let side = Vec3::Y.cross(along);
        let yaw = Quat::from_rotation_arc(Vec3::X, along);
        for s in [-1.0, 1.0] {
            squares.entry(tile_of((a + b) / 2.0)).or_default().push(
                Transform::from_translation((a + b) / 2.0 + side * s * offset + Vec3::Y * 0.07)
                    .with_rotation(yaw)
                    .with_scale(Vec3::new(length, 0.14, PAVEMENT_M)),
            );
        }
    }
    for (square, shapes) in squares {
        if let Some(mesh) = merged(&cube, &shapes) {
            let level = (Lod::Near, square);
            spawn_static_at(commands, root, meshes, (mesh, &paints.pavement), level);
        }
    }
}

/// The street lights' heads and pools of light, one entity each per
/// shedding stage (with a house of that stage, which they go dark with).
fn spawn_lamp_groups(
    commands: &mut Commands,
    root: Entity,
    (scenery, crowns): (&Scenery, [&Mesh; 2]),
    meshes: &mut Assets<Mesh>,
    lamp_off: &Handle<Paint>,
    glow: &Handle<StandardMaterial>,
) {
    // A lamp's head is a tree's crown at each level, 0.6 m across.
    let head_shapes = crowns.map(|ball| ball.clone().scaled_by(Vec3::splat(0.6)));
    // A flat disc facing up: only its top is ever seen.
    let pool = Mesh::from(Circle::new(5.0).mesh().resolution(16))
        .rotated_by(Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2));
    let stage = |house: Option<usize>| house.map(crate::sim::why::shed_stage_of_house);
    let mut stages: Vec<Option<usize>> = scenery.lamps.iter().map(|l| stage(l.house)).collect();
    stages.sort_unstable();
    stages.dedup();
    for s in stages {
        let group: Vec<&crate::app::world::scenery::Lamp> = scenery
            .lamps
            .iter()
            .filter(|l| stage(l.house) == s)
            .collect();
        let house = group.first().and_then(|l| l.house);
        // The heads by square of the ground, at both levels.
        let mut squares: BTreeMap<(i32, i32), Vec<Transform>> = BTreeMap::new();
        for l in &group {
            let at = to_world(l.at, 5.1);
            squares
                .entry(tile_of(at))
                .or_default()
                .push(Transform::from_translation(at));
        }
        for (&square, heads) in &squares {
            for (lod, head) in Lod::BOTH.into_iter().zip(&head_shapes) {
                if let Some(mesh) = merged(head, heads) {
                    let id =
                        spawn_static_at(commands, root, meshes, (mesh, lamp_off), (lod, square));
                    commands.entity(id).insert(StreetLamp(house));
                }
            }
        }
        let pools: Vec<Transform> = group
            .iter()
            .map(|l| Transform::from_translation(to_world(l.at, 0.06)))
            .collect();
        if let Some(pools) = merged(&pool, &pools) {
            let pools = spawn_static(commands, root, meshes, pools, glow);
            commands
                .entity(pools)
                .insert((Visibility::Hidden, LampGlow(house)));
        }
    }
}

/// A trunk or post of `radius_m` and `height_m` standing at `at`.
fn trunk(at: Vec3, radius_m: f32, height_m: f32) -> Transform {
    Transform::from_translation(at + Vec3::Y * height_m / 2.0).with_scale(Vec3::new(
        radius_m * 2.0,
        height_m,
        radius_m * 2.0,
    ))
}
