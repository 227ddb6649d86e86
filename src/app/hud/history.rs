//! The live charts' memory: one sample per simulation step, the last two
//! simulated days, taken from the simulation's [`StepRecord`].

use std::collections::VecDeque;

use bevy::prelude::*;

use crate::sim::metrics::StepRecord;
use crate::sim::{NeighbourhoodChanged, SimClock};

/// What the charts plot at one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Hours since the scenario's start.
    pub hours: f64,
    /// PV, wind and battery discharge, kW.
    pub generation_kw: f64,
    /// Household demand, car charging and battery charging, kW.
    pub demand_kw: f64,
    /// Power from the grid, kW (negative: export).
    pub grid_kw: f64,
    /// Import price, EUR/kWh.
    pub price_eur_per_kwh: f64,
    /// State of charge of all home batteries together, percent.
    pub soc_percent: f64,
    /// Frequency, Hz (50 on the grid).
    pub frequency_hz: f64,
    /// Lowest frequency inside the step, Hz.
    pub frequency_min_hz: f64,
    /// Lowest LV bus voltage, per unit (NaN when dark).
    pub v_min_pu: f64,
    /// Highest LV bus voltage, per unit (NaN when dark).
    pub v_max_pu: f64,
    /// The neighbourhood was off the grid.
    pub islanded: bool,
}

impl Sample {
    /// The sample for `record`, `hours` after the start.
    pub fn from_record(record: &StepRecord, hours: f64) -> Self {
        let discharge = (-record.battery_kw).max(0.0) + (-record.ev_kw).max(0.0);
        let charge = record.battery_kw.max(0.0) + record.ev_kw.max(0.0);
        Self {
            hours,
            generation_kw: record.pv_kw + record.wind_kw + discharge,
            demand_kw: record.load_kw + charge,
            grid_kw: record.grid_import_kw,
            price_eur_per_kwh: record.price_eur_per_kwh,
            soc_percent: record.battery_soc_percent,
            frequency_hz: record.frequency_hz,
            frequency_min_hz: record.frequency_min_hz,
            v_min_pu: record.v_min_pu,
            v_max_pu: record.v_max_pu,
            islanded: record.islanded,
        }
    }
}

/// The samples on show, oldest first.
#[derive(Resource, Debug, Clone)]
pub struct ChartHistory {
    /// Samples kept, oldest first.
    pub samples: VecDeque<Sample>,
    /// Most samples kept.
    pub capacity: usize,
}

/// Simulated hours the charts remember.
pub const HISTORY_HOURS: f64 = 48.0;

impl ChartHistory {
    /// An empty history keeping `hours` of steps of `step_s` seconds.
    pub fn new(hours: f64, step_s: u32) -> Self {
        let capacity = ((hours * 3600.0 / f64::from(step_s.max(1))).ceil() as usize).max(2);
        Self {
            samples: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Adds a sample, forgetting the oldest beyond the capacity.
    pub fn push(&mut self, sample: Sample) {
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    /// The latest sample.
    pub fn latest(&self) -> Option<&Sample> {
        self.samples.back()
    }

    /// `(hours, value)` points of one quantity, skipping NaN.
    pub fn series(&self, value: impl Fn(&Sample) -> f64) -> Vec<[f64; 2]> {
        self.samples
            .iter()
            .map(|s| [s.hours, value(s)])
            .filter(|p| p[1].is_finite())
            .collect()
    }

    /// The points of one quantity from `from_hours` on, thinned to at most
    /// two a bucket of `buckets` across their span (each bucket's lowest
    /// and highest, in time order): a chart a few hundred pixels wide shows
    /// the same line, peaks and dips included, from a fraction of the
    /// points (a day of one-minute steps is 1,440).
    pub fn series_for_chart(
        &self,
        value: impl Fn(&Sample) -> f64,
        from_hours: f64,
        buckets: usize,
    ) -> Vec<[f64; 2]> {
        let first = self.samples.partition_point(|s| s.hours < from_hours);
        let points: Vec<[f64; 2]> = self
            .samples
            .range(first..)
            .map(|s| [s.hours, value(s)])
            .filter(|p| p[1].is_finite())
            .collect();
        thin(&points, buckets)
    }
}

/// Each of `buckets` equal spans of x keeps its lowest and highest point,
/// in x order (the first and last points always stay).
pub fn thin(points: &[[f64; 2]], buckets: usize) -> Vec<[f64; 2]> {
    let buckets = buckets.max(1);
    if points.len() <= 2 * buckets + 2 {
        return points.to_vec();
    }
    let (x0, x1) = (points[0][0], points[points.len() - 1][0]);
    let span = (x1 - x0).max(f64::MIN_POSITIVE);
    let bucket_of = |x: f64| (((x - x0) / span * buckets as f64) as usize).min(buckets - 1);
    let mut out = Vec::with_capacity(2 * buckets + 2);
    out.push(points[0]);
    let mut i = 1;
    let last = points.len() - 1;
    while i < last {
        let b = bucket_of(points[i][0]);
        let (mut lo, mut hi) = (i, i);
        let mut j = i;
        while j < last && bucket_of(points[j][0]) == b {
            if points[j][1] < points[lo][1] {
                lo = j;
            }
            if points[j][1] > points[hi][1] {
                hi = j;
            }
            j += 1;
        }
        let (a, c) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push(points[a]);
        if c != a {
            out.push(points[c]);
        }
        i = j;
    }
    out.push(points[last]);
    out
}

/// Records a sample after every step the frame ran; starts over with a new scenario.
pub fn plugin(app: &mut App) {
    let step_s = app.world().resource::<SimClock>().step_s;
    app.insert_resource(ChartHistory::new(HISTORY_HOURS, step_s));
    app.add_systems(
        crate::sim::SimulationStep,
        record_sample.after(crate::sim::SimulationSystems::Metrics),
    );
    app.add_systems(
        Update,
        forget_on_new_scenario.in_set(crate::app::frame::AppSystems::Present),
    );
}

fn record_sample(clock: Res<SimClock>, record: Res<StepRecord>, mut history: ResMut<ChartHistory>) {
    let hours = clock.elapsed_s() as f64 / 3600.0;
    history.push(Sample::from_record(&record, hours));
}

/// A scenario loaded afresh starts the charts over; an edited one goes on.
fn forget_on_new_scenario(
    mut changes: MessageReader<NeighbourhoodChanged>,
    clock: Res<SimClock>,
    mut history: ResMut<ChartHistory>,
) {
    if changes.read().any(|c| !c.edited) {
        *history = ChartHistory::new(HISTORY_HOURS, clock.step_s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_peaks_the_ends_and_the_order() {
        // A day of minutes: a slow wave with one sharp spike and one dip.
        let mut points: Vec<[f64; 2]> = (0..1440)
            .map(|i| {
                let h = f64::from(i) / 60.0;
                [h, (h / 24.0 * std::f64::consts::TAU).sin()]
            })
            .collect();
        points[700][1] = 9.0;
        points[701][1] = -7.0;
        let thin = thin(&points, 100);
        assert!(thin.len() <= 202, "{} points", thin.len());
        assert!(thin.len() > 150, "{} points", thin.len());
        assert_eq!(thin.first(), points.first());
        assert_eq!(thin.last(), points.last());
        assert!(thin.windows(2).all(|w| w[0][0] < w[1][0]));
        assert!(thin.contains(&points[700]) && thin.contains(&points[701]));
        // Every kept point is one of the originals.
        assert!(thin.iter().all(|p| points.contains(p)));
        // Few points stay as they are.
        assert_eq!(super::thin(&points[..50], 100), points[..50].to_vec());
    }

    #[test]
    fn history_keeps_the_last_samples_in_order() {
        let mut history = ChartHistory::new(1.0, 900);
        assert_eq!(history.capacity, 4);
        for i in 0..6 {
            history.push(Sample::from_record(&StepRecord::default(), f64::from(i)));
        }
        let hours: Vec<f64> = history.samples.iter().map(|s| s.hours).collect();
        assert_eq!(hours, [2.0, 3.0, 4.0, 5.0]);
        assert_eq!(history.latest().map(|s| s.hours), Some(5.0));
    }

    #[test]
    fn samples_count_discharge_as_generation_and_charging_as_demand() {
        let record = StepRecord {
            pv_kw: 10.0,
            wind_kw: 2.0,
            load_kw: 5.0,
            battery_kw: -3.0,
            ev_kw: 7.0,
            v_min_pu: f64::NAN,
            ..default()
        };
        let s = Sample::from_record(&record, 0.0);
        assert_eq!(s.generation_kw, 15.0);
        assert_eq!(s.demand_kw, 12.0);
        let mut history = ChartHistory::new(1.0, 60);
        history.push(s);
        assert!(history.series(|s| s.v_min_pu).is_empty());
        assert_eq!(history.series(|s| s.generation_kw), [[0.0, 15.0]]);
    }
}
