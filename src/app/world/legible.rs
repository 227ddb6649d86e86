//! The unbalance view (V) stays legible from far away: its bus discs and
//! cable strips, which carry the unbalance and neutral-current colours,
//! grow with the camera's distance once it is beyond the overview of a
//! small neighbourhood, so that a village's overview (Kerber Dorfnetz)
//! still shows each bus's colour; close up, and in the usual view (where
//! a town of pale discs at nominal voltage would only crowd the picture),
//! they keep their size on the street.

use bevy::prelude::*;

use crate::app::world::camera::OrbitCamera;
use crate::app::world::scene::{BusVisual, LineVisual, SceneLayout};
use crate::app::world::visuals::ShowUnbalance;

/// A bus disc's radius and a cable strip's width on the street, metres.
pub const NEAR_SIZE_M: (f32, f32) = (1.8, 1.6);
/// The largest they grow to, metres: a disc about a house's width across,
/// a strip within its 5 m street.
pub const FAR_SIZE_M: (f32, f32) = (5.0, 4.2);
/// Camera distance, metres, up to which they keep their street size.
pub const GROW_FROM_M: f32 = 200.0;

/// The disc's radius and the strip's width, metres, seen from `distance_m`.
pub fn sizes_at(distance_m: f32) -> (f32, f32) {
    let k = (distance_m / GROW_FROM_M).max(1.0);
    (
        (NEAR_SIZE_M.0 * k).min(FAR_SIZE_M.0),
        (NEAR_SIZE_M.1 * k).min(FAR_SIZE_M.1),
    )
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        size_the_network
            .run_if(resource_exists::<SceneLayout>)
            .in_set(crate::app::frame::AppSystems::Present),
    );
}

/// Sizes the discs and strips for the camera's distance in the unbalance
/// view, when it has changed by more than a few per cent, the view was
/// turned on or off, or the scene was built anew.
fn size_the_network(
    show: Res<ShowUnbalance>,
    cameras: Query<&OrbitCamera, With<Camera3d>>,
    new_parts: Query<(), Or<(Added<BusVisual>, Added<LineVisual>)>>,
    mut discs: Query<&mut Transform, (With<BusVisual>, Without<LineVisual>)>,
    mut strips: Query<&mut Transform, (With<LineVisual>, Without<BusVisual>)>,
    mut sized_for: Local<Option<(f32, f32)>>,
) {
    let Some(distance) = cameras.iter().next().map(|c| c.distance) else {
        return;
    };
    let sizes = if show.0 {
        sizes_at(distance)
    } else {
        NEAR_SIZE_M
    };
    let unchanged = sized_for
        .is_some_and(|(r, w)| (r - sizes.0).abs() < 0.03 * r && (w - sizes.1).abs() < 0.03 * w);
    if unchanged && new_parts.is_empty() {
        return;
    }
    *sized_for = Some(sizes);
    for mut t in &mut discs {
        t.scale.x = sizes.0;
        t.scale.z = sizes.0;
    }
    for mut t in &mut strips {
        t.scale.z = sizes.1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_grows_from_far_away_within_its_street() {
        assert_eq!(sizes_at(50.0), NEAR_SIZE_M);
        assert_eq!(sizes_at(GROW_FROM_M), NEAR_SIZE_M);
        let (r, w) = sizes_at(2.0 * GROW_FROM_M);
        assert!((r - 2.0 * NEAR_SIZE_M.0).abs() < 1e-4 && (w - 2.0 * NEAR_SIZE_M.1).abs() < 1e-4);
        assert_eq!(sizes_at(1e5), FAR_SIZE_M);
        // A strip never spills out of its 5 m street.
        assert!(FAR_SIZE_M.1 < 5.0);
    }
}
