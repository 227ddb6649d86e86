//! Two levels of detail for the town, a square of the ground at a time
//! (the squares of [`super::TILE_M`] the merged meshes are cut into):
//! near the camera every house has its chimney, dormer, carport and
//! twenty window panes, every street its pavements, every garden its
//! hedge, every tree its trunk and every street light its post; from
//! farther than [`DETAIL_M`] (the camera to the middle of a square's
//! mesh) those are left out or drawn simpler. From there a pavement is a
//! few pixels wide and a window pane two or three, so nothing that shows
//! the simulation's state is lost: the windows still light and go dark,
//! the street lights still glow, the cables and buses keep their colours.
//!
//! Under a software renderer each small triangle that covers a pixel costs
//! a block of shaded pixels, so the 1,000-house town seen whole was paying
//! for hundreds of thousands of triangles a few pixels across
//! (docs/speed.md has the figures).

use bevy::camera::primitives::Aabb;
use bevy::camera::visibility::{NoAutoAabb, VisibilityRange};
use bevy::prelude::*;

use super::TILE_M;

/// How far a square's parts may stand out of it, metres (a tree's crown
/// or a house's carport at its edge), and the tallest of them.
const SQUARE_MARGIN_M: f32 = 15.0;
const SQUARE_HEIGHT_M: f32 = 25.0;

/// The camera's distance, metres, from the middle of a square's mesh
/// beyond which the square is drawn simpler. A square is 250 m across, so
/// its nearest part is then at least about 270 m away, where a metre is
/// under three pixels at 1280x720.
pub const DETAIL_M: f32 = 450.0;

/// Which of the two levels a mesh belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Lod {
    /// Drawn while the camera is within [`DETAIL_M`].
    Near,
    /// Drawn while it is farther.
    Far,
}

impl Lod {
    /// Both levels, near first.
    pub(super) const BOTH: [Lod; 2] = [Lod::Near, Lod::Far];

    /// What `mesh`, of square `square` at this level, carries: its range,
    /// and the square's bounds (grown to hold the mesh, a long street's
    /// pavements) in place of its own, so that a square's near and far
    /// meshes (whose own bounds differ by centimetres) switch at the same
    /// distance: neither both drawn nor neither.
    pub(super) fn at(self, square: (i32, i32), mesh: &Mesh) -> (VisibilityRange, NoAutoAabb, Aabb) {
        let mut bounds = square_bounds(square);
        if let Some(own) = bevy::camera::primitives::MeshAabb::get_aabb(mesh) {
            bounds = Aabb::from_min_max(
                Vec3::from(own.min().min(bounds.min())),
                Vec3::from(own.max().max(bounds.max())),
            );
        }
        (self.range(), NoAutoAabb, bounds)
    }

    /// The distances it is drawn at, from the middle of its bounds (a
    /// merged mesh's origin is the world's), switching at once rather
    /// than dithering across (which would cost every pixel a discard).
    pub(super) fn range(self) -> VisibilityRange {
        let (from, to) = match self {
            Lod::Near => (0.0, DETAIL_M),
            Lod::Far => (DETAIL_M, f32::MAX),
        };
        VisibilityRange {
            use_aabb: true,
            ..VisibilityRange::abrupt(from, to)
        }
    }
}

/// The bounds of square `square` of the ground (see [`super::tile_of`]),
/// with room for what stands out of it.
fn square_bounds((x, z): (i32, i32)) -> Aabb {
    let min = Vec3::new(x as f32 * TILE_M, 0.0, z as f32 * TILE_M) - Vec3::splat(SQUARE_MARGIN_M);
    let max = Vec3::new(
        (x + 1) as f32 * TILE_M,
        SQUARE_HEIGHT_M,
        (z + 1) as f32 * TILE_M,
    ) + Vec3::new(SQUARE_MARGIN_M, 0.0, SQUARE_MARGIN_M);
    Aabb::from_min_max(min, max)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn the_two_levels_meet_without_a_gap_or_an_overlap() {
        let (near, far) = (Lod::Near.range(), Lod::Far.range());
        for d in [0.0, 100.0, DETAIL_M - 0.01, DETAIL_M, DETAIL_M + 0.01, 1e6] {
            assert!(
                near.is_visible_at_all(d) != far.is_visible_at_all(d),
                "at {d} m: near {} far {}",
                near.is_visible_at_all(d),
                far.is_visible_at_all(d)
            );
        }
        // Abrupt, so no pipeline dithers them.
        assert!(near.is_abrupt() && far.is_abrupt());
        assert!(near.use_aabb && far.use_aabb);
    }

    /// Triangles of the meshes drawn from `lod`'s side of [`DETAIL_M`],
    /// and the windows' and street lights' groups drawn there.
    fn drawn_at(world: &mut World, lod: Lod) -> (usize, Vec<usize>, Vec<Option<usize>>) {
        let mut q = world.query::<(
            &Mesh3d,
            Option<&VisibilityRange>,
            Option<&crate::app::world::scene::HouseWindows>,
            Option<&crate::app::world::scene::StreetLamp>,
        )>();
        let meshes = world.resource::<Assets<Mesh>>();
        let (mut triangles, mut windows, mut lamps) = (0, Vec::new(), Vec::new());
        for (mesh, range, window, lamp) in q.iter(world) {
            if range.is_some_and(|r| *r != lod.range()) {
                continue;
            }
            let mesh = meshes.get(&mesh.0).expect("a spawned mesh");
            triangles += mesh.indices().map_or(mesh.count_vertices(), |i| i.len()) / 3;
            windows.extend(window.map(|w| w.0));
            lamps.extend(lamp.map(|l| l.0));
        }
        windows.sort_unstable();
        lamps.sort_unstable();
        (triangles, windows, lamps)
    }

    #[test]
    fn from_afar_the_town_has_under_two_fifths_of_its_triangles_and_every_light() {
        let mut world = spawned("scenes/town-1000.scenario.ron");
        let (near, near_windows, near_lamps) = drawn_at(&mut world, Lod::Near);
        let (far, far_windows, far_lamps) = drawn_at(&mut world, Lod::Far);
        assert!(
            far * 5 < near * 2,
            "{far} triangles from afar against {near} near"
        );
        // Every shedding stage's windows and street lights are drawn at
        // both distances (they show who has power).
        assert!(!near_windows.is_empty() && !near_lamps.is_empty());
        assert_eq!(near_windows, far_windows);
        assert_eq!(near_lamps, far_lamps);
        // Every mesh with a range is merged at the world's origin, so its
        // distance is taken from its bounds: its square's, grown to hold
        // the mesh's own, so nothing in view is culled; and a square's near
        // and far meshes share them, so they switch at one distance.
        let mut ranged = world.query::<(&VisibilityRange, &Mesh3d, &Aabb, Has<NoAutoAabb>)>();
        let meshes = world.resource::<Assets<Mesh>>();
        let mut centres = std::collections::BTreeMap::new();
        for (range, mesh, square, fixed) in ranged.iter(&world) {
            assert!(range.use_aabb && fixed);
            let own = meshes
                .get(&mesh.0)
                .and_then(bevy::camera::primitives::MeshAabb::get_aabb)
                .expect("bounds");
            // (Within a millimetre: the bounds are kept as centre and half.)
            let mm = bevy::math::Vec3A::splat(1e-3);
            assert!(
                (own.min().cmpge(square.min() - mm) & own.max().cmple(square.max() + mm)).all(),
                "{own:?} out of {square:?}"
            );
            let key = square.center.to_array().map(f32::to_bits);
            let near = *range == Lod::Near.range();
            *centres.entry(key).or_insert(false) |= near;
        }
        // Every square with a far mesh has its near ones about the same
        // middle.
        let lone = centres.values().filter(|&&near| !near).count();
        assert_eq!(lone, 0, "far meshes with no near one about their middle");
    }

    /// The scene of a shipped scenario spawned into a bare world, for the
    /// tests here (no renderer: only its entities and meshes).
    pub(in crate::app::world::scene) fn spawned(file: &str) -> bevy::prelude::World {
        use bevy::ecs::system::RunSystemOnce;
        use bevy::ecs::world::CommandQueue;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let built = crate::scenario::load_and_build(&path).expect("a shipped scenario builds");
        let mut world = World::new();
        world.init_resource::<Assets<Mesh>>();
        world.init_resource::<Assets<crate::app::world::scene::Paint>>();
        world.init_resource::<Assets<StandardMaterial>>();
        world
            .run_system_once(crate::app::world::scene::setup_materials)
            .expect("materials");
        let shared = world
            .resource::<crate::app::world::scene::SceneMaterials>()
            .clone();
        let mut queue = CommandQueue::default();
        world.resource_scope(|world, mut meshes: Mut<Assets<Mesh>>| {
            world.resource_scope(
                |world, mut paints: Mut<Assets<crate::app::world::scene::Paint>>| {
                    world.resource_scope(|world, mut others: Mut<Assets<StandardMaterial>>| {
                        let mut commands = Commands::new(&mut queue, world);
                        crate::app::world::scene::spawn::spawn_scene(
                            &mut commands,
                            &built,
                            &mut meshes,
                            (&mut paints, &mut others),
                            &shared,
                        );
                    });
                },
            );
        });
        queue.apply(&mut world);
        world
    }
}
