//! The 3D neighbourhood: where things stand ([`layout`], [`placement`],
//! the town round it in [`scenery`]),
//! what is spawned for them ([`scene`]), how they show the simulation's
//! state ([`visuals`]; the unbalance view legible from far away,
//! [`legible`]) and the weather ([`weather`]), the camera, and how the view is drawn
//! ([`graphics`]). It reads the simulation and the control layer; it knows
//! nothing of the modes or the panels.

pub mod badges;
pub mod camera;
pub mod graphics;
pub mod layout;
pub mod legible;
pub mod money;
pub mod placement;
pub mod scene;
pub mod scenery;
pub mod sky;
pub mod traffic;
pub mod visuals;
pub mod weather;

use bevy::prelude::*;

/// The scene, its visuals, the camera and the graphics setting.
pub fn plugin(app: &mut App) {
    app.add_plugins((
        graphics::plugin,
        scene::plugin,
        visuals::plugin,
        weather::plugin,
        badges::plugin,
        traffic::plugin,
        sky::plugin,
        money::plugin,
        camera::plugin,
        legible::plugin,
    ));
}
