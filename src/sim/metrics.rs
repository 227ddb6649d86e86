//! The metrics set: what each step did (for the CSV and the charts) and the
//! running energy totals per neighbourhood and per house (for the summary).

use bevy::prelude::*;
use chrono::NaiveDateTime;

use super::devices::{BatteryState, DeviceIndex, DevicePower};
use super::grid_mode::{GridMode, GridState};
use super::network::NetworkState;
use super::{Neighbourhood, SimClock, SimulationStep, SimulationSystems};
use crate::scenario::DeviceKind;

/// EN 50160: LV voltage within +-10 % of nominal.
pub const VOLTAGE_BAND_PU: (f64, f64) = (0.9, 1.1);

/// The neighbourhood at the last step. Powers in kW, consumer frame for
/// `battery_kw` (positive charges); `grid_import_kw` is negative when exporting.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct StepRecord {
    /// Local time of the step.
    pub time: Option<NaiveDateTime>,
    /// PV output.
    pub pv_kw: f64,
    /// Wind output.
    pub wind_kw: f64,
    /// Household demand.
    pub load_kw: f64,
    /// Car charging.
    pub ev_kw: f64,
    /// Battery power (positive charges).
    pub battery_kw: f64,
    /// Power from the grid at the point of common coupling.
    pub grid_import_kw: f64,
    /// Line and transformer losses.
    pub losses_kw: f64,
    /// Lowest bus voltage, pu.
    pub v_min_pu: f64,
    /// Highest bus voltage, pu.
    pub v_max_pu: f64,
    /// Highest loading of any line or the transformer, percent.
    pub max_loading_percent: f64,
    /// Energy in all home batteries as a share of their capacity, percent.
    pub battery_soc_percent: f64,
    /// Whether the power flow had a solution (or the island was dark).
    pub power_flow_ok: bool,
    /// Breaker open (island or blackout).
    pub islanded: bool,
    /// Frequency at the end of the step, Hz (0 in a blackout).
    pub frequency_hz: f64,
    /// Lowest frequency during the step, Hz.
    pub frequency_min_hz: f64,
    /// Demand not served (shed or dark), kW.
    pub shed_kw: f64,
    /// The critical part of it, kW.
    pub critical_shed_kw: f64,
    /// Import price, EUR/kWh.
    pub price_eur_per_kwh: f64,
    /// What the step cost the neighbourhood at the PCC, EUR (negative: earned).
    pub cost_eur: f64,
    /// The worst voltage unbalance factor |V2|/|V1| of any customer bus,
    /// percent (0 in a balanced scenario).
    pub unbalance_percent: f64,
}

/// EN 50160: the negative-sequence voltage within 2 % of the positive for
/// 95 % of the 10-minute means of a week.
pub const UNBALANCE_LIMIT_PERCENT: f64 = 2.0;
/// EN 50160's averaging window, seconds.
pub const UNBALANCE_WINDOW_S: i64 = 600;

/// The 10-minute window of unbalance now being averaged, per bus: the sum
/// of the squared factors (IEC 61000-4-30 aggregates as an RMS) and the
/// seconds seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnbalanceWindow {
    slot: Option<i64>,
    sums: Vec<f64>,
    steps: u32,
    seconds: i64,
}

/// One house at the last step, kW (consumer frame).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HousePower {
    /// Household demand.
    pub load_kw: f64,
    /// PV output (positive produces).
    pub pv_kw: f64,
    /// Battery (positive charges).
    pub battery_kw: f64,
    /// Car charging.
    pub ev_kw: f64,
}

impl HousePower {
    /// What the house's meter sees: positive imports.
    pub fn net_kw(&self) -> f64 {
        self.load_kw + self.battery_kw + self.ev_kw - self.pv_kw
    }
}

/// Every house at the last step, in house order.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct HousePowers(pub Vec<HousePower>);

/// A house's energy so far, kWh.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HouseEnergy {
    /// Household demand.
    pub load_kwh: f64,
    /// PV produced.
    pub pv_kwh: f64,
    /// Net battery charging (negative if it gave more than it took).
    pub battery_kwh: f64,
    /// Car charging.
    pub ev_kwh: f64,
    /// Bought through its meter.
    pub import_kwh: f64,
    /// Sold through its meter.
    pub export_kwh: f64,
    /// Paid for what its meter bought, at the grid's import price, EUR
    /// (nothing while islanded: no one sells then unless neighbours trade,
    /// which the market's ledger settles).
    pub paid_eur: f64,
    /// Earned for what its meter sold, at the grid's export price, EUR.
    pub earned_eur: f64,
}

/// Running totals since the start of the run.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct EnergyTotals {
    /// Steps recorded.
    pub steps: u64,
    /// Simulated hours.
    pub hours: f64,
    /// PV energy, kWh.
    pub pv_kwh: f64,
    /// Wind energy, kWh.
    pub wind_kwh: f64,
    /// Household demand, kWh.
    pub load_kwh: f64,
    /// Car charging, kWh.
    pub ev_kwh: f64,
    /// Energy into batteries, kWh.
    pub battery_charge_kwh: f64,
    /// Energy out of batteries, kWh.
    pub battery_discharge_kwh: f64,
    /// Bought from the grid, kWh.
    pub import_kwh: f64,
    /// Sold to the grid, kWh.
    pub export_kwh: f64,
    /// Line and transformer losses, kWh.
    pub losses_kwh: f64,
    /// Largest import, kW.
    pub peak_import_kw: f64,
    /// Lowest bus voltage seen, pu.
    pub v_min_pu: f64,
    /// Highest bus voltage seen, pu.
    pub v_max_pu: f64,
    /// Highest line loading seen, percent.
    pub max_line_loading_percent: f64,
    /// Highest transformer loading seen, percent.
    pub max_trafo_loading_percent: f64,
    /// Hours with some bus outside the EN 50160 band.
    pub hours_outside_voltage_band: f64,
    /// Steps whose power flow had no solution.
    pub failed_steps: u64,
    /// Demand not served, kWh.
    pub unserved_kwh: f64,
    /// The critical part of it, kWh.
    pub critical_unserved_kwh: f64,
    /// Hours with the breaker open.
    pub hours_islanded: f64,
    /// Hours dark.
    pub hours_blackout: f64,
    /// Lowest island frequency, Hz (50 if never islanded).
    pub frequency_min_hz: f64,
    /// Highest island frequency, Hz.
    pub frequency_max_hz: f64,
    /// Paid for imports, EUR.
    pub import_cost_eur: f64,
    /// Earned for exports, EUR.
    pub export_revenue_eur: f64,
    /// Per house, in house order.
    pub houses: Vec<HouseEnergy>,
    /// The worst voltage unbalance factor of any customer bus, percent.
    pub unbalance_max_percent: f64,
    /// Complete 10-minute windows with a per-phase solution.
    pub unbalance_windows: u64,
    /// Those in which some bus's mean unbalance was over
    /// [`UNBALANCE_LIMIT_PERCENT`].
    pub unbalance_windows_above: u64,
    /// The window being averaged.
    pub unbalance_window: UnbalanceWindow,
}

impl Default for EnergyTotals {
    fn default() -> Self {
        Self {
            steps: 0,
            hours: 0.0,
            pv_kwh: 0.0,
            wind_kwh: 0.0,
            load_kwh: 0.0,
            ev_kwh: 0.0,
            battery_charge_kwh: 0.0,
            battery_discharge_kwh: 0.0,
            import_kwh: 0.0,
            export_kwh: 0.0,
            losses_kwh: 0.0,
            peak_import_kw: 0.0,
            v_min_pu: f64::INFINITY,
            v_max_pu: f64::NEG_INFINITY,
            max_line_loading_percent: 0.0,
            max_trafo_loading_percent: 0.0,
            hours_outside_voltage_band: 0.0,
            failed_steps: 0,
            unserved_kwh: 0.0,
            critical_unserved_kwh: 0.0,
            hours_islanded: 0.0,
            hours_blackout: 0.0,
            frequency_min_hz: crate::physics::frequency::F0_HZ,
            frequency_max_hz: crate::physics::frequency::F0_HZ,
            import_cost_eur: 0.0,
            export_revenue_eur: 0.0,
            houses: Vec::new(),
            unbalance_max_percent: 0.0,
            unbalance_windows: 0,
            unbalance_windows_above: 0,
            unbalance_window: UnbalanceWindow::default(),
        }
    }
}

impl EnergyTotals {
    /// Adds a step of `step_s` seconds with its per-bus unbalance (percent)
    /// at `time`; a step in a new 10-minute slot closes the one before.
    /// Returns the step's worst.
    pub fn add_unbalance(
        &mut self,
        time: NaiveDateTime,
        step_s: u32,
        per_bus: impl Iterator<Item = f64>,
    ) -> f64 {
        let slot = time.and_utc().timestamp().div_euclid(UNBALANCE_WINDOW_S);
        if self.unbalance_window.slot != Some(slot) {
            self.close_unbalance_window();
            self.unbalance_window.slot = Some(slot);
        }
        let w = &mut self.unbalance_window;
        let mut worst = 0.0f64;
        for (k, x) in per_bus.enumerate() {
            if k >= w.sums.len() {
                w.sums.resize(k + 1, 0.0);
            }
            w.sums[k] += x * x;
            worst = worst.max(x);
        }
        w.steps += 1;
        w.seconds += i64::from(step_s);
        self.unbalance_max_percent = self.unbalance_max_percent.max(worst);
        worst
    }

    /// Counts the open window if it was seen whole (a run that starts in
    /// the middle of a slot, or a window partly dark, is not a measurement).
    fn close_unbalance_window(&mut self) {
        let w = std::mem::take(&mut self.unbalance_window);
        if w.steps == 0 || w.seconds < UNBALANCE_WINDOW_S {
            return;
        }
        self.unbalance_windows += 1;
        let worst_rms = w
            .sums
            .iter()
            .fold(0.0f64, |m, s| m.max((s / f64::from(w.steps)).sqrt()));
        if worst_rms > UNBALANCE_LIMIT_PERCENT {
            self.unbalance_windows_above += 1;
        }
    }

    /// Forgets the window being averaged (the network changed under it).
    pub fn restart_unbalance_window(&mut self) {
        self.unbalance_window = UnbalanceWindow::default();
    }

    /// Complete 10-minute windows and those above the limit, the open one
    /// counted if it is complete.
    pub fn unbalance_windows(&self) -> (u64, u64) {
        let mut done = self.clone();
        done.close_unbalance_window();
        (done.unbalance_windows, done.unbalance_windows_above)
    }

    /// Local generation, kWh.
    pub fn generation_kwh(&self) -> f64 {
        self.pv_kwh + self.wind_kwh
    }
    /// Share of demand not bought from the grid: 1 - import / demand.
    pub fn self_sufficiency(&self) -> f64 {
        let demand = self.load_kwh + self.ev_kwh;
        if demand > 0.0 {
            1.0 - self.import_kwh / demand
        } else {
            0.0
        }
    }
    /// Share of local generation used locally: 1 - export / generation.
    pub fn self_consumption(&self) -> f64 {
        let generation = self.generation_kwh();
        if generation > 0.0 {
            1.0 - self.export_kwh / generation
        } else {
            0.0
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    reset(app.world_mut());
    app.add_systems(
        SimulationStep,
        record_step.in_set(SimulationSystems::Metrics),
    );
}

/// Zeroed records and counters for the [`Neighbourhood`].
pub(super) fn reset(world: &mut World) {
    let houses = world.resource::<Neighbourhood>().0.house_count();
    world.insert_resource(StepRecord::default());
    world.insert_resource(HousePowers(vec![HousePower::default(); houses]));
    world.insert_resource(EnergyTotals {
        houses: vec![HouseEnergy::default(); houses],
        ..default()
    });
}

#[expect(
    clippy::too_many_arguments,
    reason = "a Bevy system's parameters are the data it reads and writes"
)]
fn record_step(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    state: Res<NetworkState>,
    grid: Res<GridState>,
    prices: Res<super::prices::CurrentPrices>,
    devices: Query<(&DeviceIndex, &DevicePower)>,
    batteries: Query<&BatteryState>,
    mut record: ResMut<StepRecord>,
    mut houses: ResMut<HousePowers>,
    mut totals: ResMut<EnergyTotals>,
    mut sums: Local<DeviceSums>,
) {
    let built = &hood.0;
    let dt_h = f64::from(clock.step_s) / 3600.0;
    let mut r = StepRecord {
        time: Some(clock.now()),
        ..default()
    };
    if hood.is_changed() || sums.slots.len() != built.devices.len() || sums.houses != houses.0.len()
    {
        sums.houses = houses.0.len();
        sums.slots = SumSlot::of(built, sums.houses);
    }
    let sums = sums.add(&devices, &mut houses.0);
    [r.load_kw, r.pv_kw, r.wind_kw, r.battery_kw, r.ev_kw] = sums;
    let (stored, capacity) = batteries.iter().fold((0.0, 0.0), |(s, c), b| {
        (s + b.soc_kwh, c + b.rating.capacity_kwh)
    });
    r.battery_soc_percent = if capacity > 0.0 {
        stored / capacity * 100.0
    } else {
        0.0
    };
    r.islanded = grid.mode != GridMode::Connected;
    r.frequency_hz = grid.frequency.f_hz;
    r.frequency_min_hz = grid.f_min_hz.min(grid.frequency.f_hz);
    r.shed_kw = if r.islanded { grid.unserved_kw } else { 0.0 };
    r.critical_shed_kw = if r.islanded {
        grid.critical_unserved_kw
    } else {
        0.0
    };
    if r.islanded {
        totals.hours_islanded += dt_h;
        totals.unserved_kwh += r.shed_kw * dt_h;
        totals.critical_unserved_kwh += r.critical_shed_kw * dt_h;
        if grid.mode == GridMode::Blackout {
            totals.hours_blackout += dt_h;
        } else {
            totals.frequency_min_hz = totals.frequency_min_hz.min(r.frequency_min_hz);
            totals.frequency_max_hz = totals.frequency_max_hz.max(grid.f_max_hz);
        }
    }
    match state.solved() {
        _ if state.dark => {
            // A dark neighbourhood: no voltage, no flows, nothing to fail.
            r.power_flow_ok = true;
            totals.hours_outside_voltage_band += dt_h;
        }
        Some(flow) => {
            r.power_flow_ok = true;
            if let Some(phases) = &state.phases {
                r.unbalance_percent = totals.add_unbalance(
                    clock.now(),
                    clock.step_s,
                    (0..phases.v_abc.len())
                        .filter(|&b| phases.low_voltage[b])
                        .map(|b| phases.unbalance_percent(b)),
                );
            }
            // Islanded, the breaker carries nothing: the "grid" in the island
            // model is the reference unit, already settled into battery_kw.
            r.grid_import_kw = if r.islanded {
                0.0
            } else {
                flow.ext_grid_p_mw * 1000.0
            };
            r.losses_kw = flow.losses_mw() * 1000.0;
            r.v_min_pu = flow.vm_min_pu();
            r.v_max_pu = flow.vm_max_pu();
            r.max_loading_percent = flow
                .max_line_loading_percent()
                .max(flow.transformer.loading_percent);
            totals.max_line_loading_percent = totals
                .max_line_loading_percent
                .max(flow.max_line_loading_percent());
            totals.max_trafo_loading_percent = totals
                .max_trafo_loading_percent
                .max(flow.transformer.loading_percent);
            totals.v_min_pu = totals.v_min_pu.min(r.v_min_pu);
            totals.v_max_pu = totals.v_max_pu.max(r.v_max_pu);
            if r.v_min_pu < VOLTAGE_BAND_PU.0 || r.v_max_pu > VOLTAGE_BAND_PU.1 {
                totals.hours_outside_voltage_band += dt_h;
            }
        }
        None => {
            // No operating point: report the lossless balance and flag the
            // step (an island exchanges nothing with the grid, solved or not).
            r.grid_import_kw = if r.islanded {
                0.0
            } else {
                r.load_kw + r.ev_kw + r.battery_kw - r.pv_kw - r.wind_kw
            };
            totals.failed_steps += 1;
            totals.hours_outside_voltage_band += dt_h;
        }
    }
    totals.steps += 1;
    totals.hours += dt_h;
    totals.pv_kwh += r.pv_kw * dt_h;
    totals.wind_kwh += r.wind_kw * dt_h;
    totals.load_kwh += r.load_kw * dt_h;
    totals.ev_kwh += r.ev_kw * dt_h;
    totals.battery_charge_kwh += r.battery_kw.max(0.0) * dt_h;
    totals.battery_discharge_kwh += (-r.battery_kw).max(0.0) * dt_h;
    totals.import_kwh += r.grid_import_kw.max(0.0) * dt_h;
    totals.export_kwh += (-r.grid_import_kw).max(0.0) * dt_h;
    totals.losses_kwh += r.losses_kw * dt_h;
    totals.peak_import_kw = totals.peak_import_kw.max(r.grid_import_kw);
    r.price_eur_per_kwh = prices.import_eur_per_kwh;
    let paid = r.grid_import_kw.max(0.0) * dt_h * prices.import_eur_per_kwh;
    let earned = (-r.grid_import_kw).max(0.0) * dt_h * prices.export_eur_per_kwh;
    r.cost_eur = paid - earned;
    totals.import_cost_eur += paid;
    totals.export_revenue_eur += earned;
    for (h, e) in houses.0.iter().zip(totals.houses.iter_mut()) {
        e.load_kwh += h.load_kw * dt_h;
        e.pv_kwh += h.pv_kw * dt_h;
        e.battery_kwh += h.battery_kw * dt_h;
        e.ev_kwh += h.ev_kw * dt_h;
        let (bought, sold) = (h.net_kw().max(0.0) * dt_h, (-h.net_kw()).max(0.0) * dt_h);
        e.import_kwh += bought;
        e.export_kwh += sold;
        if !r.islanded {
            e.paid_eur += bought * prices.import_eur_per_kwh;
            e.earned_eur += sold * prices.export_eur_per_kwh;
        }
    }
    *record = r;
}

/// The step's sums a device's power goes into, in [`DeviceSums::add`]'s order.
const LOAD: usize = 0;
const PV: usize = 1;
const WIND: usize = 2;
const BATTERY: usize = 3;
const EV: usize = 4;

/// Where a device's power goes in a step's sums: which sum, the sign that
/// makes it count as the sum counts (generation positive), and its house's
/// row (one past the houses where it has none, or where a turbine's power
/// counts for the neighbourhood only).
#[derive(Debug, Clone, Copy)]
struct SumSlot {
    sum: usize,
    sign: f64,
    row: usize,
}

impl SumSlot {
    /// Each device's slot, by device index.
    fn of(built: &crate::scenario::Built, houses: usize) -> Vec<Self> {
        built
            .devices
            .iter()
            .map(|d| {
                let (sum, sign) = match d.kind {
                    DeviceKind::Household { .. } => (LOAD, 1.0),
                    DeviceKind::Pv(_) => (PV, -1.0),
                    DeviceKind::Wind { .. } => (WIND, -1.0),
                    DeviceKind::Battery(_) => (BATTERY, 1.0),
                    DeviceKind::Ev(_) => (EV, 1.0),
                };
                let row = match d.house {
                    Some(h) if h < houses && sum != WIND => h,
                    _ => houses,
                };
                Self { sum, sign, row }
            })
            .collect()
    }
}

/// What [`record_step`] keeps between steps to add up the devices.
#[derive(Debug, Default)]
struct DeviceSums {
    /// By device index (made again when the neighbourhood changes).
    slots: Vec<SumSlot>,
    /// The houses the slots were made for.
    houses: usize,
    /// Each house's sums, and a last row for what counts for no house.
    rows: Vec<[f64; 5]>,
}

impl DeviceSums {
    /// The neighbourhood's load, PV, wind, battery and car power (in that
    /// order), and each house's into `houses`. Indexed sums, not a branch
    /// a device: the kinds' jump was most of a step's bookkeeping (a year
    /// of the default records 525,600 steps of some 50 devices each).
    fn add(
        &mut self,
        devices: &Query<(&DeviceIndex, &DevicePower)>,
        houses: &mut [HousePower],
    ) -> [f64; 5] {
        let mut sums = [0.0f64; 5];
        self.rows.clear();
        self.rows.resize(houses.len() + 1, [0.0; 5]);
        for (index, power) in devices {
            let Some(slot) = self.slots.get(index.0) else {
                continue;
            };
            let p = slot.sign * power.p_kw;
            sums[slot.sum] += p;
            self.rows[slot.row][slot.sum] += p;
        }
        for (h, row) in houses.iter_mut().zip(&self.rows) {
            *h = HousePower {
                load_kw: row[LOAD],
                pv_kw: row[PV],
                battery_kw: row[BATTERY],
                ev_kw: row[EV],
            };
        }
        sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 6, 21)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("valid")
            + chrono::Duration::minutes(minute)
    }

    #[test]
    fn unbalance_is_judged_on_each_bus_s_ten_minute_mean() {
        let mut t = EnergyTotals::default();
        // A run that starts at 11:57: three minutes of a window, not counted.
        for m in -3..0 {
            t.add_unbalance(at(m), 60, [9.0, 9.0].into_iter());
        }
        // Window 12:00-12:10: bus 0 at 2.5 % for 5 minutes, then 0: an RMS
        // of 1.77 %, under the limit although its worst minutes are over.
        for m in 0..10 {
            let x = if m < 5 { 2.5 } else { 0.0 };
            t.add_unbalance(at(m), 60, [x, 0.5].into_iter());
        }
        // Window 12:10-12:20: bus 1 at 2.1 % throughout: over.
        for m in 10..20 {
            t.add_unbalance(at(m), 60, [0.1, 2.1].into_iter());
        }
        // Three minutes of a fourth window: not complete.
        for m in 20..23 {
            t.add_unbalance(at(m), 60, [9.0, 9.0].into_iter());
        }
        assert_eq!(t.unbalance_windows(), (2, 1));
        assert_eq!(t.unbalance_max_percent, 9.0);
        // Seven more minutes complete it, over the limit.
        for m in 23..30 {
            t.add_unbalance(at(m), 60, [3.0, 0.0].into_iter());
        }
        assert_eq!(t.unbalance_windows(), (3, 2));
        // RMS, not the mean: 3.6 % for 3 minutes and 0.5 % for 7 is a mean
        // of 1.43 % but an RMS of 2.02 %: over.
        let mut u = EnergyTotals::default();
        for m in 0..10 {
            let x = if m < 3 { 3.6 } else { 0.5 };
            u.add_unbalance(at(m), 60, [x].into_iter());
        }
        assert_eq!(u.unbalance_windows(), (1, 1));
        // At 15-minute steps a single step is a whole window.
        let mut v = EnergyTotals::default();
        v.add_unbalance(at(0), 900, [2.5].into_iter());
        v.add_unbalance(at(15), 900, [1.0].into_iter());
        assert_eq!(v.unbalance_windows(), (2, 1));
        // Each step says its worst bus.
        assert_eq!(
            v.add_unbalance(at(30), 900, [0.4, 1.5, 0.2].into_iter()),
            1.5
        );
    }
}
