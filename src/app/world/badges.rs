//! A small badge over each house (H toggles them): its panels producing,
//! its battery's charge as a ring, and whether it buys or sells through
//! its meter. This file says what each badge shows and where it goes on
//! the screen; the panels draw them (`hud/overlays.rs`).

use bevy::prelude::*;

use crate::app::world::layout::to_world;
use crate::sim::Neighbourhood;
use crate::sim::devices::{BatteryState, DeviceIndex};
use crate::sim::metrics::HousePowers;

/// Most badges drawn at once: the houses nearest the camera.
pub const MAX_BADGES: usize = 60;
/// Beyond this distance from the camera a badge would be too small to
/// read over its house, metres.
pub const BADGE_RANGE_M: f32 = 650.0;
/// A house's meter power that counts as buying or selling, kW.
pub const METER_DEADBAND_KW: f64 = 0.05;

/// Whether the badges are drawn (H).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowBadges(pub bool);

impl Default for ShowBadges {
    fn default() -> Self {
        Self(true)
    }
}

/// What a house does through its meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meter {
    /// It buys (from the grid or the neighbours).
    Buys,
    /// It sells.
    Sells,
    /// About even.
    Even,
}

/// One house's badge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Badge {
    /// Where it goes: over the roof, in the 3D view's pixels.
    pub at: Vec2,
    /// Its panels produce.
    pub pv: bool,
    /// Its battery's charge, 0 to 1 (none: no battery).
    pub charge: Option<f32>,
    /// Its meter.
    pub meter: Meter,
}

/// The badges this frame, nearest the camera last (drawn on top).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct HouseBadges(pub Vec<Badge>);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ShowBadges>();
    app.init_resource::<HouseBadges>();
    app.add_systems(
        Update,
        place_the_badges
            .run_if(resource_exists::<Neighbourhood>)
            .in_set(crate::app::frame::AppSystems::Present),
    );
}

/// The meter's state for a net power (positive imports), kW.
pub fn meter_of(net_kw: f64) -> Meter {
    if net_kw > METER_DEADBAND_KW {
        Meter::Buys
    } else if net_kw < -METER_DEADBAND_KW {
        Meter::Sells
    } else {
        Meter::Even
    }
}

/// Of `candidates` (house, distance from the camera), the nearest
/// `MAX_BADGES` within [`BADGE_RANGE_M`], farthest first.
pub fn nearest_houses(mut candidates: Vec<(usize, f32)>) -> Vec<usize> {
    candidates.retain(|&(_, d)| d.is_finite() && d <= BADGE_RANGE_M);
    candidates.sort_by(|a, b| a.1.total_cmp(&b.1));
    candidates.truncate(MAX_BADGES);
    candidates.reverse();
    candidates.into_iter().map(|(h, _)| h).collect()
}

fn place_the_badges(
    show: Res<ShowBadges>,
    hood: Res<Neighbourhood>,
    powers: Option<Res<HousePowers>>,
    batteries: Query<(&DeviceIndex, &BatteryState)>,
    cameras: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    mut badges: ResMut<HouseBadges>,
) {
    let Some((camera, eye)) = cameras.iter().find(|(c, _)| c.is_active) else {
        badges.0.clear();
        return;
    };
    if !show.0 {
        if !badges.0.is_empty() {
            badges.0.clear();
        }
        return;
    }
    let built = &hood.0;
    let mut charge: Vec<Option<f32>> = vec![None; built.scenario.houses.len()];
    for (index, state) in &batteries {
        if let Some(house) = built.devices.get(index.0).and_then(|d| d.house)
            && let Some(slot) = charge.get_mut(house)
        {
            *slot = Some((state.soc_percent() / 100.0).clamp(0.0, 1.0) as f32);
        }
    }
    let over_roof = |h: &crate::scenario::House| to_world(h.position_m.xy(), 13.0);
    let eye_at = eye.translation();
    let candidates = built
        .scenario
        .houses
        .iter()
        .enumerate()
        .map(|(k, h)| (k, over_roof(h).distance(eye_at)))
        .collect();
    let mut placed = Vec::new();
    for k in nearest_houses(candidates) {
        let house = &built.scenario.houses[k];
        let Ok(at) = camera.world_to_viewport(eye, over_roof(house)) else {
            continue;
        };
        let power = powers
            .as_ref()
            .and_then(|p| p.0.get(k))
            .copied()
            .unwrap_or_default();
        placed.push(Badge {
            at,
            pv: power.pv_kw > METER_DEADBAND_KW,
            charge: charge[k],
            meter: meter_of(power.net_kw()),
        });
    }
    badges.set_if_neq(HouseBadges(placed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_flow_either_way_reads_as_even() {
        assert_eq!(meter_of(0.3), Meter::Buys);
        assert_eq!(meter_of(-0.3), Meter::Sells);
        assert_eq!(meter_of(0.01), Meter::Even);
        assert_eq!(meter_of(f64::NAN), Meter::Even);
    }

    #[test]
    fn only_the_nearest_houses_in_range_get_badges_nearest_drawn_last() {
        let mut many: Vec<(usize, f32)> = (0..1000).map(|k| (k, 10.0 + k as f32)).collect();
        many.push((5000, f32::NAN));
        let chosen = nearest_houses(many);
        assert_eq!(chosen.len(), MAX_BADGES);
        assert_eq!(chosen.last(), Some(&0), "the nearest is drawn last, on top");
        assert_eq!(chosen.first(), Some(&(MAX_BADGES - 1)));
        let far = nearest_houses(vec![(1, BADGE_RANGE_M + 1.0), (2, 100.0)]);
        assert_eq!(far, vec![2]);
    }
}
