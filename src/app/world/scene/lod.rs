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

use bevy::camera::visibility::VisibilityRange;

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

    /// The distances it is drawn at, from the middle of its mesh's bounds
    /// (a merged mesh's origin is the world's), switching at once rather
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

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::prelude::*;

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
        // distance is taken from its bounds.
        let mut ranged = world.query::<&VisibilityRange>();
        assert!(ranged.iter(&world).all(|r| r.use_aabb));
    }

    /// The scene of a shipped scenario spawned into a bare world, for the
    /// tests here (no renderer: only its entities and meshes).
    fn spawned(file: &str) -> bevy::prelude::World {
        use bevy::ecs::system::RunSystemOnce;
        use bevy::ecs::world::CommandQueue;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let built = crate::scenario::load_and_build(&path).expect("a shipped scenario builds");
        let mut world = World::new();
        world.init_resource::<Assets<Mesh>>();
        world.init_resource::<Assets<StandardMaterial>>();
        world
            .run_system_once(crate::app::world::scene::setup_materials)
            .expect("materials");
        let shared = world
            .resource::<crate::app::world::scene::SceneMaterials>()
            .clone();
        let mut queue = CommandQueue::default();
        world.resource_scope(|world, mut meshes: Mut<Assets<Mesh>>| {
            world.resource_scope(|world, mut materials: Mut<Assets<StandardMaterial>>| {
                let mut commands = Commands::new(&mut queue, world);
                crate::app::world::scene::spawn::spawn_scene(
                    &mut commands,
                    &built,
                    &mut meshes,
                    &mut materials,
                    &shared,
                );
            });
        });
        queue.apply(&mut world);
        world
    }
}
