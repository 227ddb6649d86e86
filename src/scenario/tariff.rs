//! The tariff and the energy-management settings of a scenario file: what
//! grid energy costs and what the controller aims for. Plain data, checked
//! where it is read (see [`super::checked`]); [`crate::sim::prices`] applies it.

use chrono::{NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{ClockTime, checked};

/// Import and export prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tariff {
    /// Import price outside the peak, EUR/kWh (Germany 2024: 0.36-0.43).
    #[serde(default = "d_import", deserialize_with = "checked::price_eur_per_kwh")]
    pub import_eur_per_kwh: f64,
    /// Export (feed-in) price, EUR/kWh (Germany 2024: about 0.08).
    #[serde(default = "d_export", deserialize_with = "checked::price_eur_per_kwh")]
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
    pub from: ClockTime,
    /// End, "HH:MM".
    pub until: ClockTime,
    /// Import price in the peak, EUR/kWh.
    #[serde(deserialize_with = "checked::price_eur_per_kwh")]
    pub import_eur_per_kwh: f64,
}

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
    #[serde(default = "d_cheap", deserialize_with = "checked::price_eur_per_kwh")]
    pub cheap_eur_per_kwh: f64,
    /// Import above this triggers economic islanding, EUR/kWh.
    #[serde(default = "d_island", deserialize_with = "checked::price_eur_per_kwh")]
    pub island_above_eur_per_kwh: f64,
    /// Storage must carry the island's demand this long to island on purpose, hours.
    #[serde(default = "d_hours", deserialize_with = "checked::island_hours")]
    pub island_for_hours: f64,
    /// Share of battery energy kept for outages under the price strategies.
    #[serde(default = "d_reserve", deserialize_with = "checked::share")]
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
