//! The town round the grid, spawned from [`crate::app::world::scenery`]:
//! the houses' colours, trees, hedges round the gardens, pavements and
//! street lights. Every part of a kind shares
//! one mesh and one material, so the renderer draws each kind in a batch.

use bevy::light::NotShadowCaster;
use bevy::prelude::*;

use super::{LampGlow, PlacedPicks, StreetLamp, merged};
use crate::app::theme::palette::Rgb8;
use crate::app::world::layout::to_world;
use crate::app::world::scenery::{HouseStyle, ROOFS, Scenery, TreeKind, WALLS};

/// The town's materials, each made once.
pub(super) struct TownPaints {
    walls: [Handle<StandardMaterial>; WALLS],
    roofs: [Handle<StandardMaterial>; ROOFS],
    trunk: Handle<StandardMaterial>,
    birch: Handle<StandardMaterial>,
    leaves: [Handle<StandardMaterial>; 3],
    hedge: Handle<StandardMaterial>,
    post: Handle<StandardMaterial>,
    chimney: Handle<StandardMaterial>,
    pavement: Handle<StandardMaterial>,
}

impl TownPaints {
    pub(super) fn new(
        materials: &mut Assets<StandardMaterial>,
        matte: impl Fn(Rgb8) -> StandardMaterial,
    ) -> Self {
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
    pub(super) fn chimney(&self) -> &Handle<StandardMaterial> {
        &self.chimney
    }

    /// A carport post's (and a lamp post's) material.
    pub(super) fn post(&self) -> &Handle<StandardMaterial> {
        &self.post
    }

    /// A house's wall and roof materials.
    pub(super) fn house(
        &self,
        style: &HouseStyle,
    ) -> (Handle<StandardMaterial>, Handle<StandardMaterial>) {
        (
            self.walls[style.wall % WALLS].clone(),
            self.roofs[style.roof % ROOFS].clone(),
        )
    }
}

/// A merged mesh that stands still, in `material`, under `root`: no
/// pointer hits it and it casts no shadow.
pub(super) fn spawn_static(
    commands: &mut Commands,
    root: Entity,
    meshes: &mut Assets<Mesh>,
    mesh: Mesh,
    material: &Handle<StandardMaterial>,
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

/// Shapes to merge, by the material they are drawn in.
#[derive(Default)]
pub(super) struct Batches(Vec<(Handle<StandardMaterial>, Mesh)>);

impl Batches {
    /// `base` placed by `shape`, merged into what `material` draws.
    pub(super) fn add(
        &mut self,
        material: &Handle<StandardMaterial>,
        base: &Mesh,
        shape: Transform,
    ) {
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
    /// by where a hit lands (`placed`).
    pub(super) fn spawn_picked(
        self,
        commands: &mut Commands,
        root: Entity,
        meshes: &mut Assets<Mesh>,
        placed: &PlacedPicks,
    ) {
        for (material, mesh) in self.0 {
            let id = commands
                .spawn((
                    Mesh3d(meshes.add(mesh)),
                    MeshMaterial3d(material),
                    Transform::default(),
                    placed.clone(),
                ))
                .id();
            commands.entity(root).add_child(id);
        }
    }

    /// One entity a material, under `root`, that no pointer hits; with
    /// `sway`, trees that the wind bends together at that phase.
    fn spawn(
        self,
        commands: &mut Commands,
        root: Entity,
        meshes: &mut Assets<Mesh>,
        sway: Option<f32>,
    ) {
        for (material, mesh) in self.0 {
            let mesh = match sway {
                Some(_) => crate::app::world::weather::with_bend(mesh),
                None => mesh,
            };
            let id = spawn_static(commands, root, meshes, mesh, &material);
            if let Some(phase) = sway {
                commands.entity(id).insert((
                    crate::app::world::weather::Sway(phase),
                    crate::app::world::weather::still(),
                ));
            }
        }
    }
}

/// The trees, hedges and street lights under `root`, each kind merged into
/// one mesh a material: a handful of entities for the whole town rather
/// than several a house. The trees bend in the wind by a morph target
/// (`world/weather.rs`), in three groups. (Under lavapipe the frames
/// did not change with it: the cost there is the pixels, docs/speed.md.)
/// Street lights are merged by the shedding stage they go dark with.
pub(super) fn spawn_town(
    commands: &mut Commands,
    root: Entity,
    scenery: &Scenery,
    meshes: &mut Assets<Mesh>,
    paints: &TownPaints,
    lamp_off: &Handle<StandardMaterial>,
    glow: &Handle<StandardMaterial>,
) {
    let cylinder = Mesh::from(Cylinder::new(0.5, 1.0).mesh().resolution(TRUNK_SIDES));
    let ball = Sphere::new(1.0)
        .mesh()
        .ico(1)
        .expect("ico sphere of level 1");
    let cone = Mesh::from(
        Cone {
            radius: 1.0,
            height: 1.0,
        }
        .mesh()
        .resolution(12),
    );
    let cube = Mesh::from(Cuboid::new(1.0, 1.0, 1.0));
    let mut batches = Batches::default();
    // Trees in three groups that sway out of step.
    let mut groves: [Batches; 3] = Default::default();
    for (k, tree) in scenery.trees.iter().enumerate() {
        let grove = &mut groves[k % 3];
        let at = to_world(tree.at, 0.0);
        let h = tree.height_m as f32;
        let leaves = &paints.leaves[k % paints.leaves.len()];
        // Trunk material, radius and height; crown mesh and material,
        // centre, radius and height, as shares of the tree's height.
        let (bark, trunk_r, trunk_h, crown, green, centre, radius, tall) = match tree.kind {
            TreeKind::Broadleaf => (&paints.trunk, 0.35, 0.45, &ball, leaves, 0.62, 0.38, 0.42),
            TreeKind::Conifer => (
                &paints.trunk,
                0.3,
                0.25,
                &cone,
                &paints.leaves[2],
                0.58,
                0.28,
                0.85,
            ),
            TreeKind::Birch => (
                &paints.birch,
                0.2,
                0.7,
                &ball,
                &paints.leaves[1],
                0.72,
                0.24,
                0.34,
            ),
        };
        grove.add(bark, &cylinder, trunk(at, trunk_r, h * trunk_h));
        let shape = Transform::from_translation(at + Vec3::Y * h * centre).with_scale(Vec3::new(
            h * radius,
            h * tall,
            h * radius,
        ));
        grove.add(green, crown, shape);
    }
    for (k, grove) in groves.into_iter().enumerate() {
        grove.spawn(commands, root, meshes, Some(k as f32 * 2.1));
    }
    for hedge in &scenery.hedges {
        let (a, b) = (to_world(hedge.from, 0.0), to_world(hedge.to, 0.0));
        let length = a.distance(b);
        if length < 0.5 {
            continue;
        }
        let shape = Transform::from_translation((a + b) / 2.0 + Vec3::Y * 0.6)
            .with_rotation(Quat::from_rotation_arc(Vec3::X, (b - a) / length))
            .with_scale(Vec3::new(length, 1.2, 0.8));
        batches.add(&paints.hedge, &cube, shape);
    }
    for lamp in &scenery.lamps {
        batches.add(
            &paints.post,
            &cylinder,
            trunk(to_world(lamp.at, 0.0), 0.12, 5.0),
        );
    }
    batches.spawn(commands, root, meshes, None);
    spawn_lamp_groups(commands, root, scenery, meshes, lamp_off, glow);
}

/// Sides of a tree trunk or a lamp post: thin and far off, eight read as
/// round (a round cylinder's 32 cost the 1,000-house town 100,000
/// triangles that lavapipe shades every frame).
const TRUNK_SIDES: u32 = 8;

/// A pavement's width, metres, beside a 5 m street.
const PAVEMENT_M: f32 = 1.8;

/// Pavements along both sides of every street (`streets`: each one's
/// ends), raised a kerb's height above the road and stopping short of the
/// junctions, merged into one mesh.
pub(super) fn spawn_pavements(
    commands: &mut Commands,
    root: Entity,
    streets: &[(Vec3, Vec3)],
    meshes: &mut Assets<Mesh>,
    paints: &TownPaints,
) {
    let cube = Mesh::from(Cuboid::new(1.0, 1.0, 1.0));
    let offset = 2.5 + PAVEMENT_M / 2.0;
    let mut shapes = Vec::new();
    for &(a, b) in streets {
        let length = a.distance(b) - 2.0 * (2.5 + PAVEMENT_M);
        if length < 1.0 {
            continue;
        }
        let along = (b - a).normalize();
        let side = Vec3::Y.cross(along);
        let yaw = Quat::from_rotation_arc(Vec3::X, along);
        for s in [-1.0, 1.0] {
            shapes.push(
                Transform::from_translation((a + b) / 2.0 + side * s * offset + Vec3::Y * 0.07)
                    .with_rotation(yaw)
                    .with_scale(Vec3::new(length, 0.14, PAVEMENT_M)),
            );
        }
    }
    if let Some(mesh) = merged(&cube, &shapes) {
        spawn_static(commands, root, meshes, mesh, &paints.pavement);
    }
}

/// The street lights' heads and pools of light, one entity each per
/// shedding stage (with a house of that stage, which they go dark with).
fn spawn_lamp_groups(
    commands: &mut Commands,
    root: Entity,
    scenery: &Scenery,
    meshes: &mut Assets<Mesh>,
    lamp_off: &Handle<StandardMaterial>,
    glow: &Handle<StandardMaterial>,
) {
    let head = Sphere::new(0.6)
        .mesh()
        .ico(1)
        .expect("ico sphere of level 1");
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
        let heads: Vec<Transform> = group
            .iter()
            .map(|l| Transform::from_translation(to_world(l.at, 5.1)))
            .collect();
        let pools: Vec<Transform> = group
            .iter()
            .map(|l| Transform::from_translation(to_world(l.at, 0.06)))
            .collect();
        if let (Some(heads), Some(pools)) = (merged(&head, &heads), merged(&pool, &pools)) {
            let heads = spawn_static(commands, root, meshes, heads, lamp_off);
            commands.entity(heads).insert(StreetLamp(house));
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
