//! The night sky: stars on a dome round the camera and the moon where the
//! moonlight comes from (`visuals::light_the_sky`), shown after dusk and
//! hidden by cloud. Both are unlit and follow the camera, so they stay at
//! the horizon's distance wherever the view goes.

use bevy::light::NotShadowCaster;
use bevy::prelude::*;

use crate::app::world::scene::{Paint, merged};
use crate::app::world::scenery::unit;
use crate::sim::devices::CurrentEnvironment;

/// The stars' scatter (any fixed number: the same sky every run).
const STAR_SEED: u64 = 0x9e37_79b9;
/// Stars on the dome.
const STARS: usize = 420;
/// The dome's radius round the camera, metres (inside the far plane).
const DOME_M: f32 = 600.0;
/// Where the moonlight comes from (`visuals::light_the_sky` lights the
/// night from this direction).
pub const MOON_TOWARDS: Vec3 = Vec3::new(0.3, 0.8, 0.5);

/// A quarter of the stars: `Stars(k)` shows while more than `2k` oktas
/// of the sky are clear.
#[derive(Component, Debug, Clone, Copy)]
struct Stars(usize);

/// The quarters of the stars a sky of `cloud_oktas` lets through.
pub fn star_quarters(cloud_oktas: f64) -> usize {
    (((8.0 - cloud_oktas) / 2.0).ceil().clamp(0.0, 4.0)) as usize
}

/// The moon.
#[derive(Component, Debug, Clone, Copy)]
struct Moon;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        show_the_night_sky.in_set(crate::app::frame::AppSystems::Present),
    );
}

/// Whether the stars show: after nautical dusk (the sun 6 degrees under
/// the horizon), as many of them as the clouds leave ([`star_quarters`]).
pub fn stars_show(sun_elevation_deg: f64, cloud_oktas: f64) -> bool {
    sun_elevation_deg < -6.0 && star_quarters(cloud_oktas) > 0
}

/// Whether the moon shows: once the sun is down, under less than 7 oktas.
pub fn moon_shows(sun_elevation_deg: f64, cloud_oktas: f64) -> bool {
    sun_elevation_deg < -1.0 && cloud_oktas < 7.0
}

/// The stars' places on the dome, unit vectors above 4 degrees of
/// elevation, scattered the same every run.
pub fn star_directions(n: usize) -> Vec<Vec3> {
    (0..n as u64)
        .map(|k| {
            let azimuth = unit(STAR_SEED, k, 0) as f32 * std::f32::consts::TAU;
            // Even over the dome's area: sin(elevation) uniform.
            let up = 0.07 + 0.93 * unit(STAR_SEED, k, 1) as f32;
            let flat = (1.0 - up * up).sqrt();
            Vec3::new(flat * azimuth.cos(), up, flat * azimuth.sin())
        })
        .collect()
}

#[allow(clippy::type_complexity)]
fn show_the_night_sky(
    mut commands: Commands,
    env: Option<Res<CurrentEnvironment>>,
    meshes: Option<ResMut<Assets<Mesh>>>,
    materials: Option<ResMut<Assets<Paint>>>,
    cameras: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    mut stars: Query<(&Stars, &mut Transform, &mut Visibility), Without<Moon>>,
    mut moons: Query<(&mut Transform, &mut Visibility), (With<Moon>, Without<Stars>)>,
) {
    let (Some(env), Some(mut meshes), Some(mut materials)) = (env, meshes, materials) else {
        return;
    };
    let Some(eye) = cameras
        .iter()
        .find(|(c, _)| c.is_active)
        .map(|(_, t)| t.translation())
    else {
        return;
    };
    if stars.is_empty() {
        let star = Mesh::from(Cuboid::new(1.6, 1.6, 1.6));
        let white = materials.add(Paint::unlit(Color::srgb(0.92, 0.94, 1.0)));
        let directions = star_directions(STARS);
        for (k, quarter) in directions.chunks(STARS.div_ceil(4)).enumerate() {
            let places: Vec<Transform> = quarter
                .iter()
                .map(|d| Transform::from_translation(*d * DOME_M))
                .collect();
            if let Some(dome) = merged(&star, &places) {
                commands.spawn((
                    Stars(k),
                    Mesh3d(meshes.add(dome)),
                    MeshMaterial3d(white.clone()),
                    Transform::from_translation(eye),
                    Visibility::Hidden,
                    NotShadowCaster,
                    Pickable::IGNORE,
                ));
            }
        }
        commands.spawn((
            Moon,
            Mesh3d(meshes.add(Sphere::new(14.0).mesh().ico(2).expect("ico sphere"))),
            MeshMaterial3d(materials.add(Paint::unlit(Color::srgb(0.96, 0.94, 0.84)))),
            Transform::from_translation(eye + MOON_TOWARDS.normalize() * (DOME_M - 20.0)),
            Visibility::Hidden,
            NotShadowCaster,
            Pickable::IGNORE,
        ));
        return;
    }
    let e = env.0;
    let elevation = 90.0 - e.sun_zenith_deg;
    let shown = |on: bool| {
        if on {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        }
    };
    let quarters = star_quarters(e.cloud_oktas);
    for (quarter, mut t, mut v) in &mut stars {
        v.set_if_neq(shown(
            stars_show(elevation, e.cloud_oktas) && quarter.0 < quarters,
        ));
        // Only when the camera moved, so that a still view marks nothing changed.
        if t.translation != eye {
            t.translation = eye;
        }
    }
    for (mut t, mut v) in &mut moons {
        v.set_if_neq(shown(moon_shows(elevation, e.cloud_oktas)));
        let at = eye + MOON_TOWARDS.normalize() * (DOME_M - 20.0);
        if t.translation != at {
            t.translation = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_come_out_after_dusk_in_a_clear_sky() {
        assert!(!stars_show(10.0, 0.0), "by day");
        assert!(!stars_show(-3.0, 0.0), "at sunset");
        assert!(stars_show(-12.0, 2.0));
        assert!(!stars_show(-12.0, 8.0), "under an overcast sky");
        assert_eq!(star_quarters(0.0), 4);
        assert_eq!(star_quarters(6.6), 1, "a few through the gaps");
        assert_eq!(star_quarters(8.0), 0);
        assert!(moon_shows(-3.0, 2.0) && !moon_shows(5.0, 0.0));
    }

    #[test]
    fn the_stars_are_above_the_horizon_and_spread_round_it() {
        let stars = star_directions(400);
        assert_eq!(stars.len(), 400);
        assert!(
            stars
                .iter()
                .all(|d| (d.length() - 1.0).abs() < 1e-4 && d.y > 0.06)
        );
        for quadrant in 0..4 {
            let in_it = stars
                .iter()
                .filter(|d| {
                    let a = d.z.atan2(d.x).rem_euclid(std::f32::consts::TAU);
                    (a / std::f32::consts::FRAC_PI_2) as usize == quadrant
                })
                .count();
            assert!(in_it > 60, "quadrant {quadrant}: {in_it}");
        }
    }
}
