//! Cars drive: when a household's car leaves (the simulation says it is
//! no longer home) it pulls out of its parking place and drives along the
//! streets, which follow the feeders, to the transformer and out of the
//! neighbourhood beside the grid link; when it comes home it drives the
//! same way back in and parks. The parked car stays hidden while its
//! double is on the road.

use std::collections::{HashMap, VecDeque};

use bevy::prelude::*;

use crate::app::world::scene::{CarVisual, Paint, SceneLayout};
use crate::sim::Neighbourhood;
use crate::sim::devices::{DeviceIndex, EvRuntime};

/// Seconds a trip takes on the screen, whatever its length.
pub const TRIP_S: f32 = 5.0;
/// How far out of the neighbourhood a car drives beside the grid link, m.
const OUT_M: f32 = 90.0;

/// A car on the road: the parked car it doubles, its way and how far along.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Trip {
    /// The parked car ([`CarVisual`]) it stands for.
    pub parked: Entity,
    /// The points it drives through.
    pub path: Vec<Vec3>,
    /// Metres driven.
    pub along_m: f32,
}

/// On a parked car while its double drives: it is not drawn.
#[derive(Component, Debug, Clone, Copy)]
pub struct OnTheRoad;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (start_trips, drive)
            .chain()
            .run_if(resource_exists::<SceneLayout>)
            .after(crate::app::world::scene::rebuild_on_new_scenario)
            .in_set(crate::app::frame::AppSystems::Present),
    );
}

/// The buses from `from` to `to` along the lines (`(from_bus, to_bus)`
/// pairs), by the fewest lines; just `from` when they are not connected.
pub fn bus_route(lines: &[(usize, usize)], from: usize, to: usize) -> Vec<usize> {
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    came_from.insert(from, from);
    while let Some(bus) = queue.pop_front() {
        if bus == to {
            break;
        }
        for &(a, b) in lines {
            let next = if a == bus {
                b
            } else if b == bus {
                a
            } else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(e) = came_from.entry(next) {
                e.insert(bus);
                queue.push_back(next);
            }
        }
    }
    if !came_from.contains_key(&to) {
        return vec![from];
    }
    let mut route = vec![to];
    while let Some(&back) = route.last().and_then(|b| came_from.get(b)) {
        if back == *route.last().unwrap_or(&back) {
            break;
        }
        route.push(back);
    }
    route.reverse();
    route
}

/// Where a point `along_m` metres along `path` is, and which way it faces.
pub fn point_along(path: &[Vec3], along_m: f32) -> Option<(Vec3, Vec3)> {
    let mut left = along_m.max(0.0);
    for pair in path.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let length = a.distance(b);
        if length < 1e-3 {
            continue;
        }
        let dir = (b - a) / length;
        if left <= length {
            return Some((a + dir * left, dir));
        }
        left -= length;
    }
    let last = *path.last()?;
    let before = path.iter().rev().find(|p| p.distance(last) > 1e-3)?;
    Some((last, (last - *before).normalize()))
}

/// A path's length, metres.
pub fn length(path: &[Vec3]) -> f32 {
    path.windows(2).map(|p| p[0].distance(p[1])).sum()
}

#[allow(clippy::type_complexity)]
fn start_trips(
    mut commands: Commands,
    hood: Res<Neighbourhood>,
    layout: Res<SceneLayout>,
    evs: Query<(&DeviceIndex, &EvRuntime)>,
    cars: Query<(Entity, &CarVisual, &GlobalTransform, &Children, &ChildOf)>,
    parts: Query<(&Mesh3d, &MeshMaterial3d<Paint>, &Transform)>,
    roots: Query<&ChildOf, Without<CarVisual>>,
    trips: Query<(Entity, &Trip)>,
    mut was_home: Local<HashMap<Entity, bool>>,
) {
    let home: HashMap<usize, bool> = evs.iter().map(|(i, ev)| (i.0, ev.state.at_home)).collect();
    let built = &hood.0;
    let lines = || -> Vec<(usize, usize)> {
        built
            .network
            .lines
            .iter()
            .map(|l| (l.from_bus, l.to_bus))
            .collect()
    };
    let (breaker, link_end) = layout.grid_link;
    let out = breaker + (link_end - breaker).normalize_or_zero() * OUT_M;
    let mut seen = HashMap::new();
    for (entity, car, at, children, house) in &cars {
        let now_home = home.get(&car.0).copied().unwrap_or(true);
        seen.insert(entity, now_home);
        let Some(before) = was_home.get(&entity).copied() else {
            continue;
        };
        if before == now_home {
            continue;
        }
        // A car that turns back before its last trip ended (at a fast
        // clock) has one double on the road, not two.
        for (old, trip) in &trips {
            if trip.parked == entity {
                commands.entity(old).despawn();
            }
        }
        let Some(device) = built.devices.get(car.0) else {
            continue;
        };
        // Made only when a car sets off, not every frame.
        let buses = bus_route(&lines(), device.bus, built.network.transformer.lv_bus);
        let mut path = vec![at.translation()];
        path.extend(buses.iter().filter_map(|&b| layout.buses.get(b).copied()));
        path.extend([breaker, out]);
        for p in &mut path {
            p.y = 0.0;
        }
        if now_home {
            path.reverse();
        }
        // The double is a sibling of the house, under the scene's root.
        let Ok(root) = roots.get(house.parent()) else {
            continue;
        };
        let Some((start, dir)) = point_along(&path, 0.0) else {
            continue;
        };
        let double = commands
            .spawn((
                Trip {
                    parked: entity,
                    path,
                    along_m: 0.0,
                },
                Transform::from_translation(start)
                    .with_rotation(Quat::from_rotation_arc(Vec3::Z, dir)),
                Visibility::default(),
            ))
            .id();
        for part in children.iter() {
            if let Ok((mesh, material, t)) = parts.get(part) {
                let id = commands
                    .spawn((mesh.clone(), material.clone(), *t, Pickable::IGNORE))
                    .id();
                commands.entity(double).add_child(id);
            }
        }
        commands.entity(root.parent()).add_child(double);
        commands.entity(entity).insert(OnTheRoad);
    }
    *was_home = seen;
}

fn drive(
    mut commands: Commands,
    time: Res<Time<Real>>,
    mut trips: Query<(Entity, &mut Trip, &mut Transform)>,
) {
    for (entity, mut trip, mut transform) in &mut trips {
        let total = length(&trip.path);
        trip.along_m += total / TRIP_S * time.delta_secs();
        if trip.along_m >= total {
            commands.entity(entity).despawn();
            commands.entity(trip.parked).try_remove::<OnTheRoad>();
            continue;
        }
        if let Some((at, dir)) = point_along(&trip.path, trip.along_m) {
            transform.translation = at;
            transform.rotation = Quat::from_rotation_arc(Vec3::Z, dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_car_drives_by_the_streets_to_the_transformer() {
        // 0 is the transformer; 1-2-3 one feeder, 4 another off 0.
        let lines = [(0, 1), (1, 2), (2, 3), (0, 4)];
        assert_eq!(bus_route(&lines, 3, 0), vec![3, 2, 1, 0]);
        assert_eq!(bus_route(&lines, 4, 0), vec![4, 0]);
        assert_eq!(bus_route(&lines, 0, 0), vec![0]);
        assert_eq!(bus_route(&lines, 7, 0), vec![7], "not connected");
    }

    #[test]
    fn a_point_along_the_way_faces_the_way() {
        let path = [
            Vec3::ZERO,
            Vec3::new(10.0, 0.0, 0.0),
            Vec3::new(10.0, 0.0, 10.0),
        ];
        assert_eq!(length(&path), 20.0);
        let (at, dir) = point_along(&path, 15.0).expect("on the way");
        assert!((at - Vec3::new(10.0, 0.0, 5.0)).length() < 1e-5);
        assert!((dir - Vec3::Z).length() < 1e-5);
        let (end, _) = point_along(&path, 99.0).expect("the end");
        assert_eq!(end, path[2]);
        assert!(point_along(&[], 1.0).is_none());
    }
}
