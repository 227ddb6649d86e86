//! The houses, drawn as a town rather than a thousand models: in each
//! square of the ground, every house's walls and roof are merged into one
//! mesh a material, its chimney, dormer and carport into another that is
//! drawn only near the camera ([`Lod`]), and its windows into one mesh a
//! shedding stage (they go dark together when the island sheds that
//! stage), from afar one pane a wall and floor. A house keeps an
//! entity of its own, without a mesh, that its devices hang from; a hit
//! on the merged mesh finds its house by where it lands ([`PlacedPicks`]).
//! With the streets merged too, the 1,000-house town's 12,845 mesh
//! entities became 5,971.

use std::collections::BTreeMap;

use bevy::prelude::*;

use super::lod::Lod;
use super::meshes::far_window_panes;
use super::town::{Batches, TownPaints, spawn_static_at};
use super::{
    CAR_PARKING_M, HOUSE, HouseWindows, Pick, PlacedPicks, ROOF_RISE_M, SceneMaterials, gable_roof,
    tile_of, window_panes,
};
use crate::app::world::layout::to_world;
use crate::app::world::scenery::HouseStyle;
use crate::scenario::Built;

/// The shapes a house is made of, without texture coordinates (none of
/// its materials has a texture), so that boxes and roofs merge.
pub(super) struct HouseKit {
    body: Mesh,
    roof: Mesh,
    windows: Mesh,
    far_windows: Mesh,
    cube: Mesh,
    dormer_roof: Mesh,
}

impl HouseKit {
    pub(super) fn new() -> Self {
        let cube = || {
            let mut m = Mesh::from(Cuboid::new(1.0, 1.0, 1.0));
            m.remove_attribute(Mesh::ATTRIBUTE_UV_0);
            m
        };
        Self {
            body: cube().scaled_by(HOUSE),
            roof: gable_roof(HOUSE.x + 0.8, HOUSE.z + 0.8, ROOF_RISE_M),
            windows: window_panes(HOUSE),
            far_windows: far_window_panes(HOUSE),
            cube: cube(),
            dormer_roof: gable_roof(2.4, 2.2, 1.0),
        }
    }
}

/// The houses of `built` under `root` (one per house with a household),
/// their parts merged; returns each house's entity by house index, `None`
/// where it has no household.
pub(super) fn spawn_houses(
    commands: &mut Commands,
    root: Entity,
    built: &Built,
    styles: &[HouseStyle],
    meshes: &mut Assets<Mesh>,
    (paints, shared): (&TownPaints, &SceneMaterials),
) -> Vec<Option<Entity>> {
    let kit = HouseKit::new();
    // By square of the ground: the walls and roofs, the details drawn
    // near, and what they pick; the windows by shedding stage with a house
    // of that stage.
    type Square = (Batches, Batches, Vec<(Pick, (Vec2, Vec2))>);
    let mut squares: BTreeMap<(i32, i32), Square> = BTreeMap::new();
    let mut windows: BTreeMap<((i32, i32), usize), (usize, Vec<Transform>)> = BTreeMap::new();
    let mut roots = Vec::with_capacity(built.scenario.houses.len());
    for h in 0..built.scenario.houses.len() {
        let Some(household) = built.household(h) else {
            roots.push(None);
            continue;
        };
        let at = to_world(household.position_m, 0.0);
        let style = styles.get(h).copied().unwrap_or(HouseStyle::of(0, h));
        let square = squares.entry(tile_of(at)).or_default();
        add_house((&mut square.0, &mut square.1), at, &style, &kit, paints);
        square.2.push((Pick::House(h), footprint(at)));
        let stage = crate::sim::why::shed_stage_of_house(h);
        windows
            .entry((tile_of(at), stage))
            .or_insert_with(|| (h, Vec::new()))
            .1
            .push(Transform::from_translation(at));
        let house = commands
            .spawn((
                Name::new(household.name.clone()),
                Pick::House(h),
                Transform::from_translation(at),
                Visibility::default(),
            ))
            .id();
        commands.entity(root).add_child(house);
        roots.push(Some(house));
    }
    for (square, (parts, details, placed)) in squares {
        let placed = PlacedPicks::new(placed);
        parts.spawn_picked(commands, root, meshes, (&placed, None));
        details.spawn_picked(commands, root, meshes, (&placed, Some((Lod::Near, square))));
    }
    for ((square, _), (house, at_list)) in windows {
        for lod in Lod::BOTH {
            let panes = match lod {
                Lod::Near => &kit.windows,
                Lod::Far => &kit.far_windows,
            };
            if let Some(mesh) = super::merged(panes, &at_list) {
                let glass = (mesh, &shared.window_day);
                let id = spawn_static_at(commands, root, meshes, glass, (lod, square));
                commands.entity(id).insert(HouseWindows(house));
            }
        }
    }
    roots
}

/// Where a house's parts lie on the ground: from its west wall to its
/// carport, along its middle (a hit is on the house nearest to it).
fn footprint(at: Vec3) -> (Vec2, Vec2) {
    let ground = Vec2::new(at.x, at.z);
    let east = CAR_PARKING_M.x + 1.6;
    (
        ground + Vec2::new(-HOUSE.x / 2.0, 0.0),
        ground + Vec2::new(east, 0.0),
    )
}

/// A house at `at` in `style`: its body and roof into `parts`, and by its
/// style a chimney and a dormer on the north slope (the south one is for
/// PV) and a carport over the parking place into `details`.
fn add_house(
    (parts, details): (&mut Batches, &mut Batches),
    at: Vec3,
    style: &HouseStyle,
    kit: &HouseKit,
    paints: &TownPaints,
) {
    let (wall, roof) = paints.house(style);
    let place = |local: Transform| Transform::from_translation(at) * local;
    parts.add(
        &wall,
        &kit.body,
        place(Transform::from_xyz(0.0, HOUSE.y / 2.0, 0.0)),
    );
    parts.add(
        &roof,
        &kit.roof,
        place(Transform::from_xyz(0.0, HOUSE.y, 0.0)),
    );
    let north_mid = -(HOUSE.z + 0.8) / 4.0;
    if style.chimney {
        details.add(
            paints.chimney(),
            &kit.cube,
            place(
                Transform::from_xyz(-HOUSE.x * 0.3, HOUSE.y + ROOF_RISE_M * 0.7, north_mid * 0.6)
                    .with_scale(Vec3::new(0.7, 2.4, 0.7)),
            ),
        );
    }
    if style.dormer {
        let dormer = Vec3::new(HOUSE.x * 0.18, HOUSE.y + 0.6, north_mid - 0.4);
        details.add(
            &wall,
            &kit.cube,
            place(Transform::from_translation(dormer).with_scale(Vec3::new(2.0, 1.6, 2.0))),
        );
        details.add(
            &roof,
            &kit.dormer_roof,
            // Its ridge runs north-south, out of the main roof.
            place(
                Transform::from_translation(dormer + Vec3::Y * 0.8)
                    .with_rotation(Quat::from_rotation_y(std::f32::consts::FRAC_PI_2)),
            ),
        );
    }
    if style.carport {
        let over = CAR_PARKING_M;
        details.add(
            &roof,
            &kit.cube,
            place(
                Transform::from_translation(over + Vec3::Y * 2.6)
                    .with_scale(Vec3::new(3.2, 0.15, 5.6)),
            ),
        );
        for (dx, dz) in [(1.4, 2.6), (1.4, -2.6)] {
            details.add(
                paints.post(),
                &kit.cube,
                place(
                    Transform::from_translation(over + Vec3::new(dx, 1.3, dz))
                        .with_scale(Vec3::new(0.15, 2.6, 0.15)),
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_house_and_its_carport_lie_within_its_footprint() {
        let at = Vec3::new(40.0, 0.0, -12.0);
        let (west, east) = footprint(at);
        assert!(west.x <= at.x - HOUSE.x / 2.0 && west.y == at.z);
        // The carport's far posts stand inside it.
        assert!(east.x >= at.x + CAR_PARKING_M.x + 1.4);
    }

    #[test]
    fn a_hit_on_the_merged_houses_picks_the_house_it_lands_on() {
        // Two houses 16 m apart, the first with its carport towards the second.
        let (a, b) = (Vec3::new(0.0, 0.0, 0.0), Vec3::new(16.0, 0.0, 0.0));
        let placed = PlacedPicks::new(vec![
            (Pick::House(3), footprint(a)),
            (Pick::House(7), footprint(b)),
        ]);
        let carport_roof = a + CAR_PARKING_M + Vec3::new(1.5, 2.6, 2.5);
        assert_eq!(placed.nearest(carport_roof), Some(Pick::House(3)));
        let west_wall = b + Vec3::new(-HOUSE.x / 2.0, 2.0, -3.5);
        assert_eq!(placed.nearest(west_wall), Some(Pick::House(7)));
        let ridge = b + Vec3::new(4.0, HOUSE.y + ROOF_RISE_M, 0.0);
        assert_eq!(placed.nearest(ridge), Some(Pick::House(7)));
        assert_eq!(PlacedPicks::default().nearest(ridge), None);
    }

    #[test]
    fn the_house_shapes_merge_whole() {
        let kit = HouseKit::new();
        let mut all = kit.cube.clone();
        for part in [&kit.body, &kit.roof, &kit.dormer_roof] {
            all.merge(part).expect("same attributes");
        }
        let n = all.count_vertices();
        let Some(normals) = all.attribute(Mesh::ATTRIBUTE_NORMAL) else {
            panic!("normals");
        };
        assert_eq!(normals.len(), n);
        assert!(all.attribute(Mesh::ATTRIBUTE_UV_0).is_none());
    }
}
