//! The simulation's controls: the clock (pause, step, speed, jumps), the
//! grid outage, the price, the weather overrides, the market's mechanism
//! and the language. They act on the simulation only through its public
//! events and resources.

use bevy::prelude::*;
use chrono::{NaiveTime, Timelike};

use super::action::{
    Action, CLOUD_PRESETS, JUMP_HOURS, MARKET_CYCLE, SPEEDS, SPIKE_PRICE_EUR_PER_KWH, WIND_PRESETS,
};
use super::queue::ApplyAction;
use crate::sim::devices::{SetWeather, WeatherModel};
use crate::sim::grid_mode::GridState;
use crate::sim::island::SetGridOutage;
use crate::sim::market::{Market, SetMarket};
use crate::sim::prices::{CurrentPrices, SetPrice};
use crate::sim::{self, SimClock};

pub(super) fn plugin(app: &mut App) {
    app.add_observer(control_the_simulation);
}

/// Carries out the actions on the clock, the grid, the price, the weather,
/// the market and the language.
fn control_the_simulation(
    action: On<ApplyAction>,
    mut clock: ResMut<SimClock>,
    grid: Res<GridState>,
    prices: Res<CurrentPrices>,
    weather: Res<WeatherModel>,
    market: Res<Market>,
    mut commands: Commands,
) {
    match &action.0 {
        Action::ToggleOutage => commands.trigger(SetGridOutage(!grid.manual_outage)),
        Action::SetPrice(price) => commands.trigger(SetPrice(*price)),
        Action::TogglePriceSpike => {
            // Only the spike ends the spike: a price set by hand (the
            // slider) is replaced by the spike, not taken for it.
            let spiking = prices
                .override_import_eur_per_kwh
                .is_some_and(|p| (p - SPIKE_PRICE_EUR_PER_KWH).abs() < 1e-9);
            commands.trigger(SetPrice((!spiking).then_some(SPIKE_PRICE_EUR_PER_KWH)));
        }
        Action::TogglePause => clock.paused = !clock.paused,
        Action::SetPaused(paused) => clock.paused = *paused,
        Action::StepOnce => {
            clock.paused = true;
            commands.queue(|world: &mut World| sim::step(world));
        }
        Action::Faster | Action::Slower => {
            let speed = next_speed(clock.speed, action.0 == Action::Faster);
            clock.set_speed(speed);
        }
        Action::SetSpeed(speed) => clock.set_speed(*speed),
        Action::JumpToHour(hour) => {
            let hour = *hour;
            commands.queue(move |world: &mut World| jump_to_hour(world, hour));
        }
        Action::JumpToNext => {
            let hour = next_jump_hour(clock.now().time());
            commands.queue(move |world: &mut World| jump_to_hour(world, hour));
        }
        Action::CancelJump => commands.queue(crate::app::control::long_work::cancel_jump),
        Action::SetClouds(oktas) => commands.trigger(SetWeather {
            cloud_oktas: *oktas,
            wind_m_s: weather.wind_override_m_s,
        }),
        Action::CycleClouds => commands.trigger(SetWeather {
            cloud_oktas: next_preset(&CLOUD_PRESETS, weather.cloud_override_oktas),
            wind_m_s: weather.wind_override_m_s,
        }),
        Action::SetWind(speed) => commands.trigger(SetWeather {
            cloud_oktas: weather.cloud_override_oktas,
            wind_m_s: *speed,
        }),
        Action::CycleWind => commands.trigger(SetWeather {
            cloud_oktas: weather.cloud_override_oktas,
            wind_m_s: next_preset(&WIND_PRESETS, weather.wind_override_m_s),
        }),
        Action::SetMarket(mechanism) => commands.trigger(SetMarket(*mechanism)),
        Action::CycleMarket => {
            let current = market.settings.mechanism;
            let at = MARKET_CYCLE.iter().position(|&m| m == current);
            let next = MARKET_CYCLE[at.map_or(0, |i| (i + 1) % MARKET_CYCLE.len())];
            commands.trigger(SetMarket(next));
        }
        Action::SetLanguage(lang) => crate::lang::set(*lang),
        _ => {}
    }
}

/// The outage, weather and price set by hand go back to the scenario's
/// (a challenge's run and the demo's tours are the scenario's own).
pub fn clear_manual_controls(world: &mut World) {
    world.trigger(SetGridOutage(false));
    world.trigger(SetWeather {
        cloud_oktas: None,
        wind_m_s: None,
    });
    world.trigger(SetPrice(None));
}

/// The next speed in [`SPEEDS`] above (`up`) or below the current one.
pub fn next_speed(current: f64, up: bool) -> f64 {
    if up {
        SPEEDS
            .iter()
            .copied()
            .find(|&s| s > current + 1e-9)
            .unwrap_or(SPEEDS[SPEEDS.len() - 1])
    } else {
        SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|&s| s < current - 1e-9)
            .unwrap_or(SPEEDS[0])
    }
}

/// Steps of `step_s` seconds from `now` until the clock first shows `hour`:00
/// (a full day when it shows it already).
pub fn steps_until_hour(now: NaiveTime, hour: u32, step_s: u32) -> u64 {
    let now_s = i64::from(now.num_seconds_from_midnight());
    let target_s = i64::from(hour % 24) * 3600;
    let mut wait_s = (target_s - now_s).rem_euclid(86_400);
    if wait_s == 0 {
        wait_s = 86_400;
    }
    (wait_s as u64).div_ceil(u64::from(step_s.max(1)))
}

/// The first of [`JUMP_HOURS`] strictly after `now` in the day's order.
pub fn next_jump_hour(now: NaiveTime) -> u32 {
    let h = now.hour();
    let mut sorted = JUMP_HOURS;
    sorted.sort_unstable();
    sorted.iter().copied().find(|&j| j > h).unwrap_or(sorted[0])
}

/// The preset after `current` in `presets` (the first if `current` is not one).
pub fn next_preset(presets: &[Option<f64>], current: Option<f64>) -> Option<f64> {
    let at = presets.iter().position(|&p| p == current);
    match at {
        Some(i) => presets[(i + 1) % presets.len()],
        None => presets[0],
    }
}

/// Runs the simulation ahead, headless and in slices, up to `hour`:00.
fn jump_to_hour(world: &mut World, hour: u32) {
    let clock = world.resource::<SimClock>();
    let steps = steps_until_hour(clock.now().time(), hour, clock.step_s);
    let at = format!("{:02}:00", hour % 24);
    crate::app::control::long_work::start_jump(
        world,
        crate::tr!("control.jumping_to", at = at),
        steps,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    #[test]
    fn speeds_step_through_the_list_and_stop_at_its_ends() {
        assert_eq!(next_speed(600.0, true), 1800.0);
        assert_eq!(next_speed(600.0, false), 300.0);
        assert_eq!(next_speed(3600.0, true), 3600.0);
        assert_eq!(next_speed(1.0, false), 1.0);
        // A speed between presets goes to the neighbouring preset.
        assert_eq!(next_speed(100.0, true), 300.0);
        assert_eq!(next_speed(100.0, false), 60.0);
    }

    #[test]
    fn a_jump_waits_for_the_next_stroke_of_the_hour() {
        assert_eq!(steps_until_hour(at(6, 0), 18, 60), 12 * 60);
        assert_eq!(steps_until_hour(at(19, 30), 6, 60), 10 * 60 + 30);
        // Already there: a whole day, not nothing.
        assert_eq!(steps_until_hour(at(12, 0), 12, 900), 96);
        // A step that does not divide the wait lands just after the hour.
        assert_eq!(steps_until_hour(at(11, 59), 12, 900), 1);
        assert_eq!(next_jump_hour(at(5, 0)), 6);
        assert_eq!(next_jump_hour(at(6, 0)), 12);
        assert_eq!(next_jump_hour(at(20, 0)), 0);
    }

    #[test]
    fn presets_cycle_and_unknown_values_restart_the_cycle() {
        assert_eq!(next_preset(&CLOUD_PRESETS, None), Some(0.0));
        assert_eq!(next_preset(&CLOUD_PRESETS, Some(8.0)), None);
        assert_eq!(next_preset(&CLOUD_PRESETS, Some(3.3)), None);
    }
}
