//! Prices and the energy-management strategy, as the scenario's
//! [`crate::scenario::tariff`] sets them.
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
use chrono::NaiveDateTime;

use super::{Neighbourhood, SimClock, SimulationStep, SimulationSystems};
use crate::scenario::tariff::tariff_import_at;

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

impl CurrentPrices {
    /// What the neighbourhood pays the grid an hour at these prices for
    /// `grid_import_kw` (below zero: it earns), EUR/h.
    pub fn bill_rate_eur_per_h(&self, grid_import_kw: f64) -> f64 {
        grid_import_kw.max(0.0) * self.import_eur_per_kwh
            - (-grid_import_kw).max(0.0) * self.export_eur_per_kwh
    }
}

/// A user's request to set (or, with `None`, release) the import price.
#[derive(Event, Debug, Clone, Copy, PartialEq)]
pub struct SetPrice(pub Option<f64>);

/// Price spikes from the timeline: (from, until, import EUR/kWh).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct PriceSpikes(pub Vec<(NaiveDateTime, NaiveDateTime, f64)>);

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
    world.insert_resource(spikes(&scenario));
    world.insert_resource(CurrentPrices {
        import_eur_per_kwh: scenario.tariff.import_eur_per_kwh,
        export_eur_per_kwh: scenario.tariff.export_eur_per_kwh,
        override_import_eur_per_kwh: None,
    });
}

/// The price spikes on a scenario's timeline.
pub(super) fn spikes(scenario: &crate::scenario::Scenario) -> PriceSpikes {
    PriceSpikes(
        scenario
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
            .collect(),
    )
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
