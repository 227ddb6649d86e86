//! The weather you can see: the wind sways the trees and, in a storm, bends
//! them; a storm darkens the clouds and the sky and brings rain. All of it
//! is read from the simulation's environment (its cloud cover and wind);
//! nothing here changes the simulation.
//!
//! The trees are merged into a few meshes (`scene/town.rs`), so they bend
//! by a morph target: each vertex moves downwind by the square of its
//! height, and one weight a group of trees says how far. The rain is one
//! mesh of streaks round the camera's focus, falling in a loop.

use bevy::light::NotShadowCaster;
use bevy::mesh::morph::{MeshMorphWeights, MorphAttributes};
use bevy::prelude::*;

use crate::app::world::camera::OrbitCamera;
use crate::app::world::scene::{Cloud, merged};
use crate::app::world::scenery::unit;
use crate::sim::devices::CurrentEnvironment;

/// How far a point of a tree moves downwind at the morph target's full
/// weight, per square metre of its height: a 10 m tree's top moves 4 m
/// (a lean of about 22 degrees).
pub const BEND_PER_M2: f32 = 0.04;

/// The wind (at the weather's reference height, m/s) at which trees lean
/// by the morph target's full weight: a gale, Beaufort 9.
pub const FULL_LEAN_WIND_M_S: f32 = 24.0;

/// The rain's scatter (any fixed number: the same rain every run).
const RAIN_SEED: u64 = 0x2545_f491;
/// Streaks of rain in the loop.
const RAIN_STREAKS: usize = 900;
/// The rain's box, metres before scaling: half its width and one layer's height.
const RAIN_HALF_WIDTH: f32 = 90.0;
const RAIN_LAYER: f32 = 80.0;
/// How fast the rain falls, layers a second.
const RAIN_LAYERS_PER_S: f32 = 0.45;

/// A group of trees swaying together, at its own phase.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Sway(pub f32);

/// The rain.
#[derive(Component, Debug, Clone, Copy)]
struct Rain;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (sway_the_trees, let_it_rain, darken_the_clouds)
            .in_set(crate::app::frame::AppSystems::Present),
    );
}

/// How stormy it is, 0 (fair, or only windy, or only grey) to 1 (overcast
/// with a gale): the product of how overcast (from 5 oktas, full at 8) and
/// how windy (from 8 m/s, full at 18 m/s).
pub fn storminess(cloud_oktas: f64, wind_m_s: f64) -> f32 {
    let overcast = ((cloud_oktas - 5.0) / 3.0).clamp(0.0, 1.0);
    let gale = ((wind_m_s - 8.0) / 10.0).clamp(0.0, 1.0);
    (overcast * gale) as f32
}

/// The morph target's weight for a group of trees at `phase` after `t`
/// seconds in a wind of `wind_m_s`: a steady lean that grows with the
/// square of the wind (as its force does) and gusts round it, larger and
/// quicker in a stronger wind.
pub fn lean(wind_m_s: f64, t: f32, phase: f32) -> f32 {
    let w = if wind_m_s.is_finite() {
        wind_m_s.clamp(0.0, 40.0) as f32
    } else {
        0.0
    };
    let steady = (w / FULL_LEAN_WIND_M_S).powi(2).min(1.0);
    let gust = 0.04 + 0.25 * steady;
    let quick = 0.8 + 0.06 * w;
    let swell = 0.6 + 0.4 * (0.37 * t + 1.7 * phase).sin();
    // Never more than a little past the full lean, so no crown stretches.
    (steady + gust * swell * (quick * t + phase).sin()).min(1.1)
}

/// The morph target that bends a merged tree mesh standing on the ground:
/// each vertex moves downwind (east, +x, the way the clouds drift) by
/// [`BEND_PER_M2`] times the square of its height. A mesh without
/// positions is left as it is.
pub fn with_bend(mut mesh: Mesh) -> Mesh {
    let Some(positions) = mesh
        .attribute(Mesh::ATTRIBUTE_POSITION)
        .and_then(|a| a.as_float3())
    else {
        return mesh;
    };
    let bend: Vec<MorphAttributes> = positions
        .iter()
        .map(|p| {
            let y = p[1].max(0.0);
            MorphAttributes::new(Vec3::X * BEND_PER_M2 * y * y, Vec3::ZERO, Vec3::ZERO)
        })
        .collect();
    mesh.set_morph_targets(bend);
    mesh
}

/// The weight a group of trees at rest starts with.
pub fn still() -> MeshMorphWeights {
    MeshMorphWeights::Value { weights: vec![0.0] }
}

fn sway_the_trees(
    time: Res<Time<Real>>,
    env: Option<Res<CurrentEnvironment>>,
    mut trees: Query<(&Sway, &mut MeshMorphWeights)>,
) {
    let wind = env.map_or(0.0, |e| e.0.wind_m_s);
    let t = time.elapsed_secs();
    for (sway, mut weights) in &mut trees {
        if let MeshMorphWeights::Value { weights } = &mut *weights
            && let Some(w) = weights.first_mut()
        {
            *w = lean(wind, t, sway.0);
        }
    }
}

/// The rain's streaks: two identical layers, so that the loop falls
/// without a seam.
fn rain_mesh() -> Mesh {
    let streak = Mesh::from(Cuboid::new(0.14, 2.6, 0.14));
    let at = |k: usize, axis: u64| unit(RAIN_SEED, k as u64, axis) as f32;
    let shapes: Vec<Transform> = (0..RAIN_STREAKS)
        .flat_map(|k| {
            let x = (at(k, 0) * 2.0 - 1.0) * RAIN_HALF_WIDTH;
            let z = (at(k, 1) * 2.0 - 1.0) * RAIN_HALF_WIDTH;
            let y = at(k, 2) * RAIN_LAYER;
            [0.0, RAIN_LAYER].map(|layer| Transform::from_xyz(x, y + layer, z))
        })
        .collect();
    merged(&streak, &shapes).unwrap_or(streak)
}

#[allow(clippy::type_complexity)]
fn let_it_rain(
    mut commands: Commands,
    time: Res<Time<Real>>,
    env: Option<Res<CurrentEnvironment>>,
    meshes: Option<ResMut<Assets<Mesh>>>,
    materials: Option<ResMut<Assets<StandardMaterial>>>,
    cameras: Query<&OrbitCamera>,
    mut rain: Query<
        (
            &mut Transform,
            &mut Visibility,
            &MeshMaterial3d<StandardMaterial>,
        ),
        With<Rain>,
    >,
    mut fallen: Local<f32>,
) {
    let (Some(env), Some(mut meshes), Some(mut materials)) = (env, meshes, materials) else {
        return;
    };
    let storm = storminess(env.0.cloud_oktas, env.0.wind_m_s);
    let Ok((mut transform, mut visibility, material)) = rain.single_mut() else {
        if storm > 0.0 {
            commands.spawn((
                Rain,
                Mesh3d(meshes.add(rain_mesh())),
                MeshMaterial3d(materials.add(StandardMaterial {
                    base_color: Color::srgba(0.78, 0.84, 0.95, 0.0),
                    alpha_mode: AlphaMode::Blend,
                    unlit: true,
                    ..default()
                })),
                Transform::default(),
                Visibility::Hidden,
                NotShadowCaster,
                Pickable::IGNORE,
            ));
        }
        return;
    };
    let wanted = if storm > 0.05 {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    if *visibility != wanted {
        *visibility = wanted;
    }
    if wanted == Visibility::Hidden {
        return;
    }
    if let Some(mut m) = materials.get_mut(&material.0) {
        let alpha = 0.25 + 0.45 * storm;
        if (m.base_color.alpha() - alpha).abs() > 0.01 {
            m.base_color.set_alpha(alpha);
        }
    }
    let (focus, distance) = cameras
        .iter()
        .next()
        .map_or((Vec3::ZERO, 100.0), |c| (c.focus, c.distance));
    // The box grows with the view, so the rain fills it near and far.
    let scale = (distance / 100.0).clamp(0.3, 4.0);
    *fallen = (*fallen + RAIN_LAYERS_PER_S * time.delta_secs()).fract();
    // Slanted downwind (east) by the wind over the fall speed (~9 m/s).
    let slant = (env.0.wind_m_s as f32 / 9.0).atan().min(0.7);
    // It falls along its own slant, so that the loop wraps without a jump.
    let rotation = Quat::from_rotation_z(-slant);
    *transform = Transform::from_translation(
        Vec3::new(focus.x, 0.0, focus.z) + rotation * (Vec3::NEG_Y * *fallen * RAIN_LAYER * scale),
    )
    .with_rotation(rotation)
    .with_scale(Vec3::splat(scale));
}

/// Storm clouds: darker the stormier it is.
fn darken_the_clouds(
    env: Option<Res<CurrentEnvironment>>,
    clouds: Query<&Children, With<Cloud>>,
    puffs: Query<&MeshMaterial3d<StandardMaterial>>,
    materials: Option<ResMut<Assets<StandardMaterial>>>,
) {
    let (Some(env), Some(mut materials)) = (env, materials) else {
        return;
    };
    let storm = storminess(env.0.cloud_oktas, env.0.wind_m_s);
    let Some(handle) = clouds
        .iter()
        .flat_map(|c| c.iter())
        .find_map(|p| puffs.get(p).ok())
    else {
        return;
    };
    let grey = 1.0 - 0.68 * storm;
    let wanted = Color::srgba(grey, grey, (grey * 1.04).min(1.0), 0.7 + 0.25 * storm);
    if let Some(m) = materials.get(&handle.0)
        && m.base_color != wanted
        && let Some(mut m) = materials.get_mut(&handle.0)
    {
        m.base_color = wanted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storm_needs_both_cloud_and_wind() {
        assert_eq!(storminess(8.0, 3.0), 0.0, "grey and calm");
        assert_eq!(storminess(1.0, 25.0), 0.0, "clear and windy");
        assert!((storminess(8.0, 18.0) - 1.0).abs() < 1e-6);
        let some = storminess(7.0, 14.0);
        assert!(some > 0.2 && some < 0.6, "{some}");
    }

    #[test]
    fn trees_lean_more_and_sway_wider_in_a_stronger_wind() {
        let range = |wind: f64| {
            let samples: Vec<f32> = (0..400).map(|k| lean(wind, k as f32 * 0.05, 0.3)).collect();
            let lo = samples.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = samples.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (lo, hi)
        };
        let (calm_lo, calm_hi) = range(2.0);
        let (gale_lo, gale_hi) = range(24.0);
        assert!(calm_hi < 0.1 && calm_lo > -0.1, "{calm_lo}..{calm_hi}");
        assert!(gale_lo > 0.5, "a gale bends them over: {gale_lo}");
        assert!(gale_hi - gale_lo > 3.0 * (calm_hi - calm_lo));
        assert!(lean(f64::NAN, 1.0, 0.0).is_finite());
    }

    #[test]
    fn the_bend_moves_the_top_of_a_tree_and_not_its_foot() {
        let mesh = with_bend(
            Mesh::from(Cuboid::new(1.0, 10.0, 1.0))
                .transformed_by(Transform::from_xyz(3.0, 5.0, 0.0)),
        );
        let targets = mesh.morph_targets().expect("a morph target");
        let positions = mesh
            .attribute(Mesh::ATTRIBUTE_POSITION)
            .and_then(|a| a.as_float3())
            .expect("positions");
        assert_eq!(targets.len(), positions.len());
        for (p, t) in positions.iter().zip(targets) {
            let want = if p[1] > 9.0 { 4.0 } else { 0.0 };
            assert!((t.position.x - want).abs() < 1e-4, "{p:?} {t:?}");
            assert_eq!(t.position.y, 0.0);
        }
    }
}
