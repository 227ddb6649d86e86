//! Where the neighbourhood meets the grid: the substation's kiosk round the
//! transformer, and the medium-voltage line from the breaker out to the
//! horizon on poles with crossarms and three wires. The wires are live
//! (pale steel) on the grid and dark while the neighbourhood runs on its
//! own; the first span, at the breaker, is cut ([`GridLinkSpan`]).

use bevy::prelude::*;

use super::town::spawn_static;
use super::{GridLinkSpan, GridLinkWires, Paint, Pick, merged, wire_transform};

/// The poles' height, metres (a 20 kV line's concrete poles).
pub const POLE_HEIGHT_M: f32 = 12.0;
/// Between two poles, metres.
const SPAN_M: f32 = 50.0;
/// Half a crossarm, metres: the outer wires hang this far to each side.
const ARM_M: f32 = 1.6;
/// A wire's thickness, metres (thicker than life, so it shows from afar).
const WIRE_M: f32 = 0.12;

/// The materials of the link and the kiosk.
pub(super) struct LinkPaints {
    /// Poles and crossarms.
    pub metal: Handle<Paint>,
    /// Live wires.
    pub live: Handle<Paint>,
    /// The kiosk's concrete walls, its roof, its doors and its warning sign.
    pub kiosk: [Handle<Paint>; 4],
}

/// The line from `breaker_at` along `out` for `reach` metres, merged into
/// one mesh for the poles and one for the wires beyond the first span;
/// returns its far end.
pub(super) fn spawn_grid_link(
    commands: &mut Commands,
    root: Entity,
    (breaker_at, out, reach): (Vec3, Vec3, f32),
    meshes: &mut Assets<Mesh>,
    paints: &LinkPaints,
) -> Vec3 {
    let link_end = breaker_at + out * reach;
    let side = Vec3::Y.cross(out).normalize_or_zero();
    let spans = (reach / SPAN_M).ceil().max(1.0) as usize;
    let (mut poles, mut arms, mut first, mut wires) = (vec![], vec![], vec![], vec![]);
    // The three phases leave the breaker's bushing together.
    let mut previous = [breaker_at + Vec3::Y * 2.0; 3];
    for k in 1..=spans {
        let base = breaker_at + (link_end - breaker_at) * (k as f32 / spans as f32);
        poles.push(
            Transform::from_translation(base + Vec3::Y * POLE_HEIGHT_M / 2.0)
                .with_scale(Vec3::new(0.32, POLE_HEIGHT_M, 0.32)),
        );
        let top = base + Vec3::Y * (POLE_HEIGHT_M - 0.4);
        arms.push(
            Transform::from_translation(top)
                .with_rotation(Quat::from_rotation_arc(Vec3::X, side))
                .with_scale(Vec3::new(2.0 * ARM_M + 0.4, 0.22, 0.22)),
        );
        let tips = [
            top + side * ARM_M + Vec3::Y * 0.2,
            top - side * ARM_M + Vec3::Y * 0.2,
            top + Vec3::Y * 0.8,
        ];
        for (from, to) in previous.iter().zip(&tips) {
            let wire = wire_transform(*from, *to, WIRE_M);
            if k == 1 { &mut first } else { &mut wires }.push(wire);
        }
        previous = tips;
    }
    let cube = Mesh::from(Cuboid::new(1.0, 1.0, 1.0));
    let cylinder = Mesh::from(Cylinder::new(0.5, 1.0).mesh().resolution(8));
    for (mesh, material) in [
        (merged(&cylinder, &poles), &paints.metal),
        (merged(&cube, &arms), &paints.metal),
    ] {
        if let Some(mesh) = mesh {
            spawn_static(commands, root, meshes, mesh, material);
        }
    }
    // The first span is cut while islanded; the rest go dark.
    if let Some(span) = merged(&cube, &first) {
        let id = spawn_static(commands, root, meshes, span, &paints.live);
        commands.entity(id).insert(GridLinkSpan);
    }
    if let Some(rest) = merged(&cube, &wires) {
        let id = spawn_static(commands, root, meshes, rest, &paints.live);
        commands.entity(id).insert(GridLinkWires);
    }
    link_end
}

/// The substation's kiosk at `at` (its foot), its doors facing `side`: a
/// concrete box with a flat roof, two steel doors with a yellow warning
/// sign, on a gravel pad. Every part picks the transformer.
pub(super) fn spawn_kiosk(
    commands: &mut Commands,
    root: Entity,
    (at, side): (Vec3, Vec3),
    unit_box: &Handle<Mesh>,
    paints: &LinkPaints,
) -> Entity {
    let [walls, roof, doors, sign] = &paints.kiosk;
    let facing = Quat::from_rotation_arc(Vec3::Z, side.normalize_or(Vec3::Z));
    // A part `size` across, its centre `offset` from the foot in the
    // kiosk's own frame (x along the line, z out of the doors).
    let part = |commands: &mut Commands,
                material: &Handle<Paint>,
                (offset, size): (Vec3, Vec3),
                turn: Quat| {
        let id = commands
            .spawn((
                Pick::Transformer,
                Mesh3d(unit_box.clone()),
                MeshMaterial3d(material.clone()),
                Transform::from_translation(at + facing * offset)
                    .with_rotation(facing * turn)
                    .with_scale(size),
            ))
            .id();
        commands.entity(root).add_child(id);
        id
    };
    let square = Quat::IDENTITY;
    let body = part(
        commands,
        walls,
        (Vec3::new(0.0, 1.7, 0.0), Vec3::new(5.0, 3.4, 3.6)),
        square,
    );
    for (material, shape) in [
        // The flat roof and the gravel pad.
        (roof, (Vec3::new(0.0, 3.55, 0.0), Vec3::new(5.5, 0.3, 4.1))),
        (roof, (Vec3::new(0.0, 0.03, 0.0), Vec3::new(8.0, 0.06, 6.5))),
        // The two doors.
        (
            doors,
            (Vec3::new(-1.1, 1.35, 1.82), Vec3::new(1.8, 2.6, 0.06)),
        ),
        (
            doors,
            (Vec3::new(1.1, 1.35, 1.82), Vec3::new(1.8, 2.6, 0.06)),
        ),
    ] {
        part(commands, material, shape, square);
    }
    // The warning sign, a yellow diamond on the left door.
    part(
        commands,
        sign,
        (Vec3::new(-1.1, 2.0, 1.87), Vec3::new(0.6, 0.6, 0.03)),
        Quat::from_rotation_z(std::f32::consts::FRAC_PI_4),
    );
    body
}
