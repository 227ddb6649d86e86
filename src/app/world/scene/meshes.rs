//! Pure mesh builders for the scene: wires and strips, the gable roof, the
//! window panes, and the flat-shaded polygon mesh under them.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

/// Copies of `base`, each placed by one of `shapes`, as one mesh (none
/// for no shapes). The copies share their attributes, so merging cannot
/// fail; were it to, the copy is left out rather than the whole.
pub fn merged(base: &Mesh, shapes: &[Transform]) -> Option<Mesh> {
    shapes
        .iter()
        .map(|&shape| base.clone().transformed_by(shape))
        .reduce(|mut all, part| {
            let _ = all.merge(&part);
            all
        })
}

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
/// standing on y = 0), two floors, slightly proud of the walls: three a
/// floor on the long walls, two on the short ones.
pub fn window_panes(size: Vec3) -> Mesh {
    panes_on_walls(size, (&[-0.3, 0.0, 0.3], 1.2), (&[-0.22, 0.22], 1.2))
}

/// The panes as drawn from afar ([`super::lod`]): one a wall and floor,
/// twice as wide on the long walls, so a lit house still glows.
pub fn far_window_panes(size: Vec3) -> Mesh {
    panes_on_walls(size, (&[0.0], 2.4), (&[0.0], 1.2))
}

/// Panes 1.3 m high on each floor of a house body `size`: on the south and
/// north walls at `along_x` (shares of the width) `wide_x` wide, on the
/// east and west walls at `along_z` (shares of the depth) `wide_z` wide.
fn panes_on_walls(
    size: Vec3,
    (along_x, wide_x): (&[f32], f32),
    (along_z, wide_z): (&[f32], f32),
) -> Mesh {
    let (hw, hd) = (size.x / 2.0 + 0.03, size.z / 2.0 + 0.03);
    let mut faces: Vec<Vec<Vec3>> = Vec::new();
    let high = 1.3;
    for floor_y in [1.2, 3.6] {
        let (y0, y1) = (floor_y, floor_y + high);
        // South and north walls.
        for k in along_x {
            let x = k * size.x;
            let (x0, x1) = (x - wide_x / 2.0, x + wide_x / 2.0);
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
        // East and west walls.
        for k in along_z {
            let z = k * size.z;
            let (z0, z1) = (z - wide_z / 2.0, z + wide_z / 2.0);
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
    use crate::app::world::scene::HOUSE;

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
        let far = far_window_panes(HOUSE);
        let Some(bevy::mesh::VertexAttributeValues::Float32x3(far)) =
            far.attribute(Mesh::ATTRIBUTE_POSITION)
        else {
            panic!("panes have positions");
        };
        // From afar one pane a wall and floor.
        assert_eq!(far.len(), 2 * 4 * 4);
        for p in positions.iter().chain(far) {
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
