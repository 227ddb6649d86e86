//! Money flowing at the meter: gold coins along the grid link, out to
//! the grid while the neighbourhood pays for what it buys and in while it
//! earns for what it sells (against the power's own pulses), quicker and
//! closer the more an hour it is.

use bevy::prelude::*;

use crate::app::theme::palette;
use crate::app::world::scene::SceneLayout;
use crate::sim::grid_mode::{GridMode, GridState};
use crate::sim::metrics::StepRecord;
use crate::sim::prices::CurrentPrices;

/// How far along the link the coins go, metres from the breaker.
const REACH_M: f32 = 150.0;
/// Their height over the ground, metres (under the wires).
const HEIGHT_M: f32 = 6.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        show_the_money
            .run_if(resource_exists::<SceneLayout>)
            .in_set(crate::app::frame::AppSystems::Present),
    );
}

/// The coins' speed (m/s on the screen) and spacing (m) for a bill of
/// `eur_per_h` either way: none under a cent an hour; more and quicker
/// coins for more money, up to 10 EUR/h.
pub fn coin_speed_and_spacing(eur_per_h: f64) -> Option<(f32, f32)> {
    let r = eur_per_h.abs();
    if !r.is_finite() || r < 0.01 {
        return None;
    }
    let t = (r / 10.0).min(1.0) as f32;
    Some((8.0 + 16.0 * t, 30.0 - 20.0 * t))
}

fn show_the_money(
    time: Res<Time<Real>>,
    layout: Res<SceneLayout>,
    grid: Option<Res<GridState>>,
    record: Option<Res<StepRecord>>,
    prices: Option<Res<CurrentPrices>>,
    mut travelled: Local<f32>,
    mut gizmos: Gizmos,
) {
    let (Some(grid), Some(record), Some(prices)) = (grid, record, prices) else {
        return;
    };
    if grid.mode != GridMode::Connected {
        return;
    }
    let rate = prices.bill_rate_eur_per_h(record.grid_import_kw);
    let Some((speed, spacing)) = coin_speed_and_spacing(rate) else {
        return;
    };
    let (breaker, end) = layout.grid_link;
    let out = (end - breaker).normalize_or_zero();
    let side = Vec3::Y.cross(out).normalize_or(Vec3::X);
    *travelled = (*travelled + speed * time.delta_secs()).rem_euclid(spacing);
    // Paying: the money goes out to the grid; earning: it comes in.
    let (from, dir) = if rate > 0.0 {
        (breaker, out)
    } else {
        (breaker + out * REACH_M, -out)
    };
    let gold = Color::srgb_u8(palette::YELLOW[0], palette::YELLOW[1], palette::YELLOW[2]);
    let facing = Quat::from_rotation_arc(Vec3::Z, side);
    let mut along = *travelled;
    while along < REACH_M {
        let at = from + dir * along + Vec3::Y * HEIGHT_M + side * 3.0;
        let coin = Isometry3d::new(at, facing);
        gizmos.circle(coin, 1.3, gold);
        gizmos.circle(coin, 0.8, gold);
        along += spacing;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_money_flows_quicker_and_closer() {
        assert_eq!(coin_speed_and_spacing(0.001), None);
        assert_eq!(coin_speed_and_spacing(f64::NAN), None);
        let (slow, sparse) = coin_speed_and_spacing(0.5).expect("coins");
        let (fast, dense) = coin_speed_and_spacing(-8.0).expect("coins either way");
        assert!(fast > slow && dense < sparse);
        assert_eq!(coin_speed_and_spacing(50.0), coin_speed_and_spacing(10.0));
    }
}
