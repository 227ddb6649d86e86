//! Prices and the energy-management strategy.
//!
//! The tariff gives the import and export price at each step: flat, with an
//! optional time-of-use peak, price spikes from the timeline, and a live
//! override (the [`SetPrice`] event, as the window's price control sends).
//! The strategy decides what the home batteries do while connected and
//! whether to island on purpose:
//!
//! - `SelfConsumption`: batteries store each house's surplus and cover its deficit.
//! - `PriceAware`: as self-consumption, but charge from the grid when import
//!   is cheap and keep an outage reserve (30 %) when it is not dear.
//! - `EconomicIslanding`: as price-aware, and island on purpose while the
//!   import price is above the threshold, if storage can carry the island's
//!   expected demand for the chosen hours; reconnect when it falls.

use bevy::prelude::*;
use chrono::{NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{Neighbourhood, SimClock, SimulationStep, SimulationSystems};

/// Import and export prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tariff {
    /// Import price outside the peak, EUR/kWh (Germany 2024: 0.36-0.43).
    #[serde(default = "d_import")]
    pub import_eur_per_kwh: f64,
    /// Export (feed-in) price, EUR/kWh (Germany 2024: about 0.08).
    #[serde(default = "d_export")]
    pub export_eur_per_kwh: f64,
    /// An optional daily peak with its own import price.
    #[serde(default)]
    pub peak: Option<PeakPrice>,
    /// A real-time price CSV (path relative to the scenario file) with
    /// `time`, `import_eur_per_kwh` and optionally `export_eur_per_kwh`;
    /// each row holds until the next and replaces the prices above.
    #[serde(default)]
    pub series: Option<String>,
}

fn d_import() -> f64 {
    0.38
}
fn d_export() -> f64 {
    0.08
}

impl Default for Tariff {
    fn default() -> Self {
        Self {
            import_eur_per_kwh: d_import(),
            export_eur_per_kwh: d_export(),
            peak: None,
            series: None,
        }
    }
}

/// A daily time-of-use peak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeakPrice {
    /// Start, "HH:MM".
    pub from: crate::scenario::ClockTime,
    /// End, "HH:MM".
    pub until: crate::scenario::ClockTime,
    /// Import price in the peak, EUR/kWh.
    pub import_eur_per_kwh: f64,
}

/// What the controller aims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Strategy {
    /// Batteries serve their own house.
    #[default]
    SelfConsumption,
    /// Charge when cheap, discharge when dear, keep an outage reserve.
    PriceAware,
    /// Price-aware, and island on purpose when the grid is dear.
    EconomicIslanding,
}

/// Settings of the controller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerSettings {
    /// The strategy.
    #[serde(default)]
    pub strategy: Strategy,
    /// Import at or below this is cheap: price-aware batteries charge from the grid, EUR/kWh.
    #[serde(default = "d_cheap")]
    pub cheap_eur_per_kwh: f64,
    /// Import above this triggers economic islanding, EUR/kWh.
    #[serde(default = "d_island")]
    pub island_above_eur_per_kwh: f64,
    /// Storage must carry the island's demand this long to island on purpose, hours.
    #[serde(default = "d_hours")]
    pub island_for_hours: f64,
    /// Share of battery energy kept for outages under the price strategies.
    #[serde(default = "d_reserve")]
    pub outage_reserve: f64,
}

fn d_cheap() -> f64 {
    0.20
}
fn d_island() -> f64 {
    0.60
}
fn d_hours() -> f64 {
    2.0
}
fn d_reserve() -> f64 {
    0.3
}

impl Default for ControllerSettings {
    fn default() -> Self {
        Self {
            strategy: Strategy::default(),
            cheap_eur_per_kwh: d_cheap(),
            island_above_eur_per_kwh: d_island(),
            island_for_hours: d_hours(),
            outage_reserve: d_reserve(),
        }
    }
}

/// The prices now.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct CurrentPrices {
    /// Import, EUR/kWh.
    pub import_eur_per_kwh: f64,
    /// Export, EUR/kWh.
    pub export_eur_per_kwh: f64,
    /// A user's import price override, EUR/kWh.
    pub override_import_eur_per_kwh: Option<f64>,
}

/// A user's request to set (or, with `None`, release) the import price.
#[derive(Event, Debug, Clone, Copy, PartialEq)]
pub struct SetPrice(pub Option<f64>);

/// Price spikes from the timeline: (from, until, import EUR/kWh).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct PriceSpikes(pub Vec<(NaiveDateTime, NaiveDateTime, f64)>);

/// The import price of a tariff at `t`, before spikes and overrides.
pub fn tariff_import_at(tariff: &Tariff, t: NaiveDateTime) -> f64 {
    match &tariff.peak {
        Some(peak) if in_daily_window(t.time(), peak.from.0, peak.until.0) => {
            peak.import_eur_per_kwh
        }
        _ => tariff.import_eur_per_kwh,
    }
}

fn in_daily_window(t: NaiveTime, from: NaiveTime, until: NaiveTime) -> bool {
    if from <= until {
        from <= t && t < until
    } else {
        t >= from || t < until
    }
}

pub(super) fn plugin(app: &mut App) {
    reset(app.world_mut());
    app.add_observer(|event: On<SetPrice>, mut prices: ResMut<CurrentPrices>| {
        prices.override_import_eur_per_kwh = event
            .0
            .filter(|p| p.is_finite())
            .map(|p| p.clamp(-1.0, 100.0));
    });
    app.add_systems(
        SimulationStep,
        update_prices.in_set(SimulationSystems::Environment),
    );
}

/// The tariff, spikes and a cleared price override for the [`Neighbourhood`].
pub(super) fn reset(world: &mut World) {
    let scenario = world.resource::<Neighbourhood>().0.scenario.clone();
    let spikes = scenario
        .events
        .iter()
        .filter_map(|e| match e {
            crate::scenario::TimelineEvent::PriceSpike {
                from,
                until,
                import_eur_per_kwh,
            } => Some((from.0, until.0, *import_eur_per_kwh)),
            _ => None,
        })
        .collect();
    world.insert_resource(PriceSpikes(spikes));
    world.insert_resource(CurrentPrices {
        import_eur_per_kwh: scenario.tariff.import_eur_per_kwh,
        export_eur_per_kwh: scenario.tariff.export_eur_per_kwh,
        override_import_eur_per_kwh: None,
    });
}

fn update_prices(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    spikes: Res<PriceSpikes>,
    mut prices: ResMut<CurrentPrices>,
) {
    let now = clock.now();
    let tariff = &hood.0.scenario.tariff;
    let series = hood.0.price_series.as_ref();
    let spike = spikes
        .0
        .iter()
        .filter(|(from, until, _)| *from <= now && now < *until)
        .map(|s| s.2)
        .fold(None, |a: Option<f64>, p| Some(a.map_or(p, |a| a.max(p))));
    let base_import = series
        .and_then(|s| s.hold(0, now))
        .unwrap_or_else(|| tariff_import_at(tariff, now));
    prices.import_eur_per_kwh = prices
        .override_import_eur_per_kwh
        .or(spike)
        .unwrap_or(base_import);
    prices.export_eur_per_kwh = series
        .and_then(|s| s.hold(1, now))
        .filter(|p| p.is_finite())
        .unwrap_or(tariff.export_eur_per_kwh);
}
