//! [`Paint`], the material of everything solid in the town: a surface lit
//! by the sun or the moon (with its shadows) and the sky, with an
//! optional glint (glass, solar panels) and glow (lit windows, the
//! breaker), or a flat colour (the data layer's cables and buses).
//!
//! Bevy's standard material works out far more for every pixel (the
//! clustered lights' lookup and loops, its texture flags, Burley diffuse
//! and GGX specular light, debanding), and a software renderer pays it
//! for each small triangle's block of pixels: on the 1,000-house town
//! under lavapipe the frame in `high` went from 637 to 307 ms
//! (docs/speed.md). What the town shows needs none of it: its matte
//! colours look the same (the diffuse and ambient terms are about Bevy's
//! for a rough surface), the shadows are Bevy's own shadow map, and tone
//! mapping is Bevy's. Transparent things (clouds, rain, pools of lamp
//! light) keep Bevy's material.

use bevy::mesh::MeshVertexBufferLayoutRef;
use bevy::pbr::{MaterialPipeline, MaterialPipelineKey};
use bevy::prelude::*;
use bevy::render::render_resource::{
    AsBindGroup, RenderPipelineDescriptor, SpecializedMeshPipelineError,
};
use bevy::shader::ShaderRef;

/// The town's material (`paint.wesl`).
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
#[bind_group_data(PaintKey)]
pub struct Paint {
    /// The surface's colour (its alpha is not used: paint is opaque).
    #[uniform(0)]
    pub base_color: LinearRgba,
    /// Light it gives off, added after lighting.
    #[uniform(0)]
    pub emissive: LinearRgba,
    /// 0 for a matte surface; up to 1 for a sharp glint of the sun.
    #[uniform(0)]
    pub shine: f32,
    /// The colour as it is, not lit (the data layer's legend colours).
    pub unlit: bool,
    /// The sun casts shadows now (the scene's light sets it on every
    /// paint, [`cast_shadows`]): without, the shader has no shadow code.
    pub shadows: bool,
}

/// What picks a paint's shader: each is a shader of its own, since a
/// software renderer runs every branch of a shader for every pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaintKey {
    unlit: bool,
    shine: bool,
    shadows: bool,
}

impl From<&Paint> for PaintKey {
    fn from(paint: &Paint) -> Self {
        // An unlit paint has no light, so no shadow: one shader either way.
        PaintKey {
            unlit: paint.unlit,
            shine: paint.shine > 0.0 && !paint.unlit,
            shadows: paint.shadows && !paint.unlit,
        }
    }
}

/// Tells every lit paint whether the sun casts shadows now; only those
/// that change are touched (each is prepared again for the renderer).
pub fn cast_shadows(paints: &mut Assets<Paint>, shadows: bool) {
    let stale: Vec<AssetId<Paint>> = paints
        .iter()
        .filter(|(_, p)| !p.unlit && p.shadows != shadows)
        .map(|(id, _)| id)
        .collect();
    for id in stale {
        if let Some(mut paint) = paints.get_mut(id) {
            paint.shadows = shadows;
        }
    }
}

impl Paint {
    /// A matte surface of `colour`.
    pub fn matte(colour: Color) -> Paint {
        Paint {
            base_color: colour.to_linear(),
            emissive: LinearRgba::BLACK,
            shine: 0.0,
            unlit: false,
            shadows: false,
        }
    }

    /// `colour` as it is, unlit.
    pub fn unlit(colour: Color) -> Paint {
        Paint {
            unlit: true,
            ..Paint::matte(colour)
        }
    }

    /// A surface of `colour` with a glint of the sun, `shine` from 0 to 1.
    pub fn shiny(colour: Color, shine: f32) -> Paint {
        Paint {
            shine,
            ..Paint::matte(colour)
        }
    }

    /// This paint, giving off `glow` times its colour as light.
    pub fn glowing(self, glow: f32) -> Paint {
        Paint {
            emissive: self.base_color * glow,
            ..self
        }
    }
}

impl Material for Paint {
    fn fragment_shader() -> ShaderRef {
        "embedded://microgrid/app/world/scene/paint.wesl".into()
    }

    /// Forward only: the shader is the main pass's, with no deferred one.
    fn opaque_render_method(&self) -> bevy::material::OpaqueRendererMethod {
        bevy::material::OpaqueRendererMethod::Forward
    }

    fn specialize(
        _pipeline: &MaterialPipeline,
        descriptor: &mut RenderPipelineDescriptor,
        _layout: &MeshVertexBufferLayoutRef,
        key: MaterialPipelineKey<Self>,
    ) -> Result<(), SpecializedMeshPipelineError> {
        let PaintKey {
            unlit,
            shine,
            shadows,
        } = key.bind_group_data;
        if let Some(fragment) = descriptor.fragment.as_mut() {
            for (on, def) in [
                (unlit, "PAINT_UNLIT"),
                (shine, "PAINT_SHINE"),
                (shadows, "PAINT_SHADOWS"),
            ] {
                if on {
                    fragment.shader_defs.push(def.into());
                }
            }
        }
        Ok(())
    }
}

pub(super) fn plugin(app: &mut App) {
    bevy::asset::embedded_asset!(app, "paint.wesl");
    app.add_plugins(MaterialPlugin::<Paint>::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_paint_has_a_shader_of_its_own_and_follows_the_sun() {
        let grey = Color::srgb(0.5, 0.5, 0.5);
        let mut paints = Assets::<Paint>::default();
        let kinds = [
            Paint::matte(grey),
            Paint::unlit(grey),
            Paint::shiny(grey, 1.0),
            Paint::matte(grey).glowing(4.0),
        ];
        let handles: Vec<Handle<Paint>> = kinds.iter().cloned().map(|p| paints.add(p)).collect();
        let keys = |paints: &Assets<Paint>| -> Vec<PaintKey> {
            handles
                .iter()
                .map(|h| PaintKey::from(paints.get(h).expect("added")))
                .collect()
        };
        let before = keys(&paints);
        // Matte, unlit and shiny each pick their own shader; a glow is only
        // a colour, so the glowing paint shares the matte one's.
        assert_ne!(before[0], before[1]);
        assert_ne!(before[0], before[2]);
        assert_ne!(before[1], before[2]);
        assert_eq!(before[0], before[3]);
        assert!(before.iter().all(|k| !k.shadows));
        // The sun casts shadows: every lit paint's shader has the shadow
        // code, and only that changed; the unlit one has no light to shade.
        cast_shadows(&mut paints, true);
        let after = keys(&paints);
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(a.shadows, !b.unlit);
            assert_eq!((a.unlit, a.shine), (b.unlit, b.shine));
        }
        cast_shadows(&mut paints, false);
        assert_eq!(keys(&paints), before);
    }

    /// Every solid part of a shipped town is in paint; Bevy's material is
    /// left only to what is seen through (the clouds, the lamps' pools).
    #[test]
    fn every_solid_surface_of_the_town_is_painted() {
        let mut world =
            crate::app::world::scene::lod::tests::spawned("scenes/default.scenario.ron");
        let mut painted = world.query::<&MeshMaterial3d<Paint>>();
        let painted = painted.iter(&world).count();
        let mut others = world.query::<&MeshMaterial3d<StandardMaterial>>();
        let others: Vec<Handle<StandardMaterial>> =
            others.iter(&world).map(|m| m.0.clone()).collect();
        let materials = world.resource::<Assets<StandardMaterial>>();
        let solid = others
            .iter()
            .filter(|h| {
                materials
                    .get(*h)
                    .is_none_or(|m| matches!(m.alpha_mode, AlphaMode::Opaque))
            })
            .count();
        assert!(painted > 100, "{painted} painted meshes");
        assert!(!others.is_empty(), "no see-through parts at all?");
        assert_eq!(solid, 0, "{solid} solid meshes in Bevy's material");
    }
}
