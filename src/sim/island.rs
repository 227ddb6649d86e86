//! Islanding: the breaker at the point of common coupling, the island's
//! grid-forming dispatch, frequency and load shedding, blackout, black
//! start, and resynchronisation before the breaker closes again.
//!
//! - The grid fails (scenario timeline, `--outage`, or the [`SetGridOutage`]
//!   event): the breaker opens in that step and the exchange is zero.
//! - Grid-forming units (home batteries, and cars at home whose owners allow
//!   vehicle-to-grid, down to what their owners need: [`crate::physics::ev::EvSpec::v2g_floor_kwh`]) carry the island. They
//!   share its net demand in proportion to their ratings (equal droop), and
//!   [`crate::physics::frequency::integrate`] follows the frequency through
//!   the step, shedding quarters of the non-critical load (each house keeps
//!   its critical share to the last) and curtailing PV by over-frequency.
//! - Every unit keeps to its inverter power and its state-of-charge floor
//!   (a car to what its owner needs): what the units cannot give is not
//!   served, and the frequency falls until the relays shed or the island
//!   goes dark. Energy is never made up.
//! - The power flow takes as reference the largest unit with room both
//!   ways ([`IslandUnits`]); what the estimate of losses missed lands on
//!   that unit within its limits, then on the others (the `Protection` set).
//! - Storage exhausted: the frequency collapses, the units trip, blackout.
//!   Black start: when the grid returns (dead-bus closing), or when PV and
//!   wind can carry the critical loads again in daylight.
//! - The grid returns to a live island: from the angle the island drifted to
//!   while apart (its frequency deviation's integral, [`FrequencyState::phase_deg`]),
//!   the controller slips it 0.1 Hz against the grid and closes the breaker only inside the IEEE
//!   1547-2018 window (|df| <= 0.3 Hz, |dV| <= 10 %, |dphase| <= 20 degrees).

use bevy::prelude::*;
use chrono::NaiveDateTime;
use rand::{RngExt, SeedableRng, rngs::StdRng};

use super::devices::{
    BatteryState, DeviceIndex, DevicePower, EvRuntime, HouseholdState, dispatch_batteries,
};
use super::grid_mode::{
    GridMode, GridState, IslandGridModel, IslandUnits, UnitHeadroom, connected,
};
use super::network::NetworkState;
use super::why::{BatteryDecision, Curtailed, DarkCause, Decisions, IslandCause, Shed};
use super::{Neighbourhood, SimClock, SimSettings, SimulationStep, SimulationSystems};
use crate::physics::frequency::{
    self, DroopParams, F0_HZ, FrequencyState, IslandBalance, SHED_STAGES_HZ, wrap_degrees,
};
use crate::physics::storage::BatteryRating;
use crate::scenario::DeviceKind;

/// IEEE 1547-2018 synchronisation limits (up to 500 kVA).
pub const SYNC_MAX_DF_HZ: f64 = 0.3;
/// Largest voltage difference for closing, per unit.
pub const SYNC_MAX_DV_PU: f64 = 0.10;
/// Largest phase difference for closing, degrees.
pub const SYNC_MAX_DPHASE_DEG: f64 = 20.0;
/// A shed stage is served again only this long after the last shed, s.
pub const RESTORE_HOLD_S: i64 = 300;
/// Slip the controller holds while it waits for the phases to meet, Hz.
pub const SYNC_SLIP_HZ: f64 = 0.1;

/// Outages planned for the run (scenario timeline and command line).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct OutageSchedule(pub Vec<(NaiveDateTime, NaiveDateTime)>);

impl OutageSchedule {
    /// Whether the grid is down at `t`.
    pub fn grid_down(&self, t: NaiveDateTime) -> bool {
        self.0.iter().any(|(from, until)| *from <= t && t < *until)
    }
}

/// A user's request to switch the main grid off (`true`) or back on.
#[derive(Event, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetGridOutage(pub bool);

/// What happened, for the events log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The breaker opened: the neighbourhood islands.
    BreakerOpen,
    /// The breaker closed: back on the grid.
    BreakerClose,
    /// The controller tried to synchronise but a limit was not met.
    ResyncAttempt,
    /// A stage of non-critical load was shed.
    ShedStage,
    /// A shed stage was served again.
    RestoreStage,
    /// The island went dark.
    Blackout,
    /// The island was started again from its own resources.
    BlackStart,
}

impl EventKind {
    /// Name in logs and CSVs.
    pub fn label(self) -> &'static str {
        match self {
            Self::BreakerOpen => "breaker_open",
            Self::BreakerClose => "breaker_close",
            Self::ResyncAttempt => "resync_attempt",
            Self::ShedStage => "shed_stage",
            Self::RestoreStage => "restore_stage",
            Self::Blackout => "blackout",
            Self::BlackStart => "black_start",
        }
    }
}

/// One logged event.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    /// When (within the step, for breaker closings).
    pub time: NaiveDateTime,
    /// What.
    pub kind: EventKind,
    /// Numbers that go with it, readable.
    pub detail: String,
    /// Frequency, voltage and phase differences at a breaker closing.
    pub sync: Option<(f64, f64, f64)>,
}

/// Every event so far.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct EventLog(pub Vec<LoggedEvent>);

pub(super) fn plugin(app: &mut App) {
    reset(app.world_mut());
    app.add_observer(|event: On<SetGridOutage>, mut state: ResMut<GridState>| {
        state.manual_outage = event.0
    });
    app.add_systems(
        SimulationStep,
        (
            (
                update_breaker,
                dispatch_batteries.run_if(connected),
                dispatch_island.run_if(not(connected)),
            )
                .chain()
                .in_set(SimulationSystems::Control),
            settle_island_slack.in_set(SimulationSystems::Protection),
        ),
    );
}

/// The island model, outage schedule, a closed breaker and an empty log for
/// the [`Neighbourhood`].
pub(super) fn reset(world: &mut World) {
    let built = world.resource::<Neighbourhood>().0.clone();
    let seed = world.resource::<SimSettings>().seed;
    world.insert_resource(IslandGridModel::default());
    world.insert_resource(IslandUnits::default());
    let schedule = outage_schedule(&built, world.resource::<SimSettings>());
    world.insert_resource(schedule);
    world.insert_resource(GridState {
        mode: GridMode::Connected,
        grid_available: true,
        manual_outage: false,
        frequency: FrequencyState::default(),
        f_min_hz: F0_HZ,
        f_max_hz: F0_HZ,
        stages_shed: 0,
        unserved_kw: 0.0,
        critical_unserved_kw: 0.0,
        pv_share: 1.0,
        resync_pending: false,
        economic: false,
        losses_estimate_kw: 0.0,
        last_shed: None,
        rng: StdRng::seed_from_u64(seed ^ 0x0073_796e_6368_726f),
    });
    world.insert_resource(EventLog::default());
}

/// The scenario's outages and the run's extra ones.
pub(super) fn outage_schedule(
    built: &crate::scenario::Built,
    settings: &SimSettings,
) -> OutageSchedule {
    let mut outages: Vec<_> = built
        .scenario
        .events
        .iter()
        .filter(|e| matches!(e, crate::scenario::TimelineEvent::GridOutage { .. }))
        .map(|e| e.interval())
        .collect();
    outages.extend(settings.extra_outages.iter().copied());
    OutageSchedule(outages)
}

fn log(events: &mut EventLog, time: NaiveDateTime, kind: EventKind, detail: String) {
    events.0.push(LoggedEvent {
        time,
        kind,
        detail,
        sync: None,
    });
}

/// Opens the breaker when the grid fails; closes it when the grid is back
/// and the island is in step (or dark); black-starts a dark island.
#[expect(
    clippy::too_many_arguments,
    reason = "a Bevy system's parameters are the data it reads and writes"
)]
fn update_breaker(
    clock: Res<SimClock>,
    schedule: Res<OutageSchedule>,
    hood: Res<Neighbourhood>,
    network: Res<NetworkState>,
    mut state: ResMut<GridState>,
    mut events: ResMut<EventLog>,
    devices: Query<(&DeviceIndex, &DevicePower)>,
    formers: Query<(Option<&BatteryState>, Option<&EvRuntime>)>,
    prices: Res<super::prices::CurrentPrices>,
    mut decisions: ResMut<Decisions>,
) {
    // Something must form the grid: a home battery, or a V2G car at home
    // (as the island's dispatch counts them).
    let dt_h = f64::from(clock.step_s) / 3600.0;
    let has_grid_former = formers
        .iter()
        .any(|(battery, car)| battery.is_some() || car.is_some_and(car_forms_island));
    let now = clock.now();
    let available = !state.manual_outage && !schedule.grid_down(now);
    state.grid_available = available;
    state.f_min_hz = state.frequency.f_hz;
    state.f_max_hz = state.frequency.f_hz;
    // Economic islanding: is the grid dear enough, and can storage carry the island?
    let controller = &hood.0.scenario.controller;
    let dear = controller.strategy == crate::scenario::tariff::Strategy::EconomicIslanding
        && prices.import_eur_per_kwh > controller.island_above_eur_per_kwh;
    // Only a dear grid calls for sizing up the storage (a walk over every device).
    let (mut stored_kwh, mut discharge_power_kw, mut island_demand_kw) = (0.0, 0.0, 0.0);
    if dear {
        for (battery, car) in &formers {
            let capability = battery
                .map(|b| Capability::battery(b, dt_h))
                .or_else(|| car.and_then(|c| Capability::car(c, dt_h)));
            if let Some(c) = capability {
                stored_kwh += c.stored_kwh;
                discharge_power_kw += c.discharge_kw;
            }
        }
        island_demand_kw = state.losses_estimate_kw
            + devices
                .iter()
                .filter(|(i, _)| {
                    !matches!(
                        hood.0.devices.get(i.0).map(|d| &d.kind),
                        Some(DeviceKind::Battery(_)) | None
                    )
                })
                .map(|(_, p)| p.p_kw)
                .sum::<f64>();
    }
    // Power matters as much as energy: an island on purpose must never shed load.
    let storage_holds = |hours: f64, power_margin: f64| {
        has_grid_former
            && stored_kwh >= island_demand_kw.max(0.0) * hours
            && discharge_power_kw >= power_margin * island_demand_kw
    };
    if state.mode == GridMode::Connected
        && available
        && dear
        && storage_holds(controller.island_for_hours, 1.5)
    {
        state.enter(GridMode::Islanded, 0);
        state.economic = true;
        decisions.island = Some((
            now,
            IslandCause::Dear {
                price: prices.import_eur_per_kwh,
                above: controller.island_above_eur_per_kwh,
            },
        ));
        log(
            &mut events,
            now,
            EventKind::BreakerOpen,
            format!(
                "economic island: import at {:.2} EUR/kWh is above {:.2}; storage holds {stored_kwh:.1} kWh{}",
                prices.import_eur_per_kwh,
                controller.island_above_eur_per_kwh,
                if island_demand_kw > 0.1 {
                    format!(
                        ", about {:.1} h of the island's demand",
                        stored_kwh / island_demand_kw
                    )
                } else {
                    ", and local generation covers the demand now".to_owned()
                }
            ),
        );
        return;
    }
    if state.economic
        && state.mode == GridMode::Islanded
        && available
        && dear
        && state.stages_shed == 0
        && storage_holds(0.5, 1.1)
    {
        return; // stay on purpose
    }
    if !available {
        if state.economic && state.mode != GridMode::Connected {
            // An island on purpose becomes an outage when the grid fails.
            decisions.island = Some((now, IslandCause::Outage));
        }
        state.economic = false;
    }
    match (state.mode, available) {
        (GridMode::Connected, false) => {
            state.enter(GridMode::Islanded, 0);
            decisions.island = Some((now, IslandCause::Outage));
            log(
                &mut events,
                now,
                EventKind::BreakerOpen,
                "grid lost: the breaker opens, the neighbourhood runs as an island".into(),
            );
        }
        (GridMode::Islanded, true) => try_resynchronise(
            now,
            &hood,
            &network,
            &mut state,
            &mut events,
            f64::from(clock.step_s),
        ),
        (GridMode::Blackout, true) => {
            state.enter(GridMode::Connected, 0);
            log(
                &mut events,
                now,
                EventKind::BreakerClose,
                "grid back: the breaker closes onto the dark island (dead-bus closing)".into(),
            );
        }
        (GridMode::Blackout, false) => {
            // Black start when local generation can carry the critical loads.
            let (mut generation, mut critical) = (0.0, 0.0);
            for (i, p) in &devices {
                match hood.0.devices.get(i.0).map(|d| &d.kind) {
                    Some(DeviceKind::Pv(_) | DeviceKind::Wind { .. }) => generation -= p.p_kw,
                    Some(DeviceKind::Household { critical_share, .. }) => {
                        critical += critical_share * p.p_kw
                    }
                    _ => {}
                }
            }
            if has_grid_former
                && generation > 1.2 * (critical + state.losses_estimate_kw)
                && critical > 0.0
            {
                state.enter(GridMode::Islanded, SHED_STAGES_HZ.len());
                // A dark island started anew keeps no angle against the grid's.
                state.frequency.phase_deg = state.rng.random_range(-180.0..180.0);
                // Every stage starts shed: the relays' earlier records no longer say why.
                decisions.dark = None;
                decisions.stages = Default::default();
                decisions.black_start = Some(now);
                log(
                    &mut events,
                    now,
                    EventKind::BlackStart,
                    format!(
                        "black start: {generation:.1} kW of local generation energises the critical loads ({critical:.1} kW)"
                    ),
                );
            }
        }
        _ => {}
    }
    if !available {
        state.resync_pending = false;
    }
    if state.mode == GridMode::Connected {
        decisions.reconnected();
        state.frequency = FrequencyState::default();
        state.stages_shed = 0;
        state.unserved_kw = 0.0;
        state.critical_unserved_kw = 0.0;
        state.pv_share = 1.0;
    }
}

fn try_resynchronise(
    now: NaiveDateTime,
    hood: &Neighbourhood,
    network: &NetworkState,
    state: &mut GridState,
    events: &mut EventLog,
    step_s: f64,
) {
    let df = state.frequency.f_hz - F0_HZ;
    // The island's voltage at the PCC (the MV side of the transformer) against the grid's.
    let v_island = network
        .solved()
        .map_or(1.0, |f| f.vm_pu.first().copied().unwrap_or(1.0));
    let dv = v_island - hood.0.network.ext_grid.vm_pu;
    if df.abs() > SYNC_MAX_DF_HZ - SYNC_SLIP_HZ || dv.abs() > SYNC_MAX_DV_PU {
        state.resync_pending = true;
        events.0.push(LoggedEvent {
            time: now,
            kind: EventKind::ResyncAttempt,
            detail: format!("grid back, not yet in step: df {df:+.2} Hz, dV {:+.1} %; the island's controller corrects first", tidy_percent(dv)),
            sync: Some((df, dv, f64::NAN)),
        });
        return;
    }
    // Slip the island against the grid, from the angle it drifted to while
    // apart, until the phases meet inside the window (entering it at 80 %).
    let slip = df + SYNC_SLIP_HZ.copysign(df);
    let phase0 = state.frequency.phase_deg;
    let degrees_per_s = 360.0 * slip;
    let entry = -0.8 * SYNC_MAX_DPHASE_DEG.copysign(slip);
    let wait_s = if phase0.abs() <= SYNC_MAX_DPHASE_DEG * 0.8 {
        0.0
    } else {
        ((entry - phase0) / degrees_per_s).rem_euclid(360.0 / degrees_per_s.abs())
    };
    let phase = wrap_degrees(phase0 + degrees_per_s * wait_s.min(step_s));
    if wait_s > step_s || slip.abs() > SYNC_MAX_DF_HZ || phase.abs() > SYNC_MAX_DPHASE_DEG {
        // The step ends with the island slipped on: its angle moved by the
        // controller's extra slip (the island's own deviation is integrated
        // with its frequency, in the dispatch).
        state.frequency.phase_deg =
            wrap_degrees(phase0 + 360.0 * SYNC_SLIP_HZ.copysign(df) * step_s);
        events.0.push(LoggedEvent {
            time: now,
            kind: EventKind::ResyncAttempt,
            detail: format!(
                "phases did not meet in this step (df {slip:+.2} Hz, dphase {phase:+.1} deg)"
            ),
            sync: Some((slip, dv, phase)),
        });
        return;
    }
    state.mode = GridMode::Connected;
    state.resync_pending = false;
    let ending = if state.economic {
        "economic island ends: "
    } else {
        ""
    };
    state.economic = false;
    events.0.push(LoggedEvent {
        time: now + chrono::Duration::milliseconds((wait_s * 1000.0) as i64),
        kind: EventKind::BreakerClose,
        detail: format!(
            "{ending}resynchronised after {wait_s:.1} s: df {slip:+.2} Hz, dV {:+.1} %, dphase {phase:+.1} deg; the breaker closes",
            tidy_percent(dv)
        ),
        sync: Some((slip, dv, phase)),
    });
}

/// What a grid-forming unit can do over the next `dt_h` hours.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Capability {
    /// Inverter rating, kW (its share of the droop).
    rating_kw: f64,
    /// Most it can give now, kW.
    discharge_kw: f64,
    /// Most it can take now, kW.
    charge_kw: f64,
    /// Energy it may still give, kWh.
    stored_kwh: f64,
    /// Energy it may give when full, kWh.
    capacity_kwh: f64,
}

impl Capability {
    /// A home battery, down to its minimum state of charge.
    fn battery(b: &BatteryState, dt_h: f64) -> Self {
        Self {
            rating_kw: b.rating.power_kw,
            discharge_kw: b.rating.max_discharge_kw(b.soc_kwh, dt_h),
            charge_kw: b.rating.max_charge_kw(b.soc_kwh, dt_h),
            stored_kwh: (b.soc_kwh - crate::physics::storage::SOC_MIN * b.rating.capacity_kwh)
                .max(0.0),
            capacity_kwh: (1.0 - crate::physics::storage::SOC_MIN) * b.rating.capacity_kwh,
        }
    }

    /// A car that allows vehicle-to-grid and is plugged in at home, down to
    /// what its owner needs; `None` for any other car.
    fn car(ev: &EvRuntime, dt_h: f64) -> Option<Self> {
        if !(ev.v2g && ev.state.at_home) {
            return None;
        }
        let rating = car_rating(ev);
        let stored_kwh = (ev.state.soc_kwh - ev.spec.v2g_floor_kwh()).max(0.0);
        Some(Self {
            rating_kw: ev.spec.charger_kw,
            discharge_kw: (stored_kwh * rating.efficiency / dt_h).min(rating.power_kw),
            charge_kw: rating.max_charge_kw(ev.state.soc_kwh, dt_h),
            stored_kwh,
            capacity_kwh: (ev.spec.battery_kwh - ev.spec.v2g_floor_kwh()).max(0.0),
        })
    }
}

/// Whether a car forms the island this step: vehicle-to-grid allowed and
/// plugged in at home. Its charger holds the island's voltage whatever the
/// car holds: it gives only what is above its owner's floor, and takes a
/// surplus (its own charging schedule gives way to the island's dispatch).
fn car_forms_island(ev: &EvRuntime) -> bool {
    ev.v2g && ev.state.at_home
}

/// A car's battery behind its bidirectional charger.
fn car_rating(ev: &EvRuntime) -> BatteryRating {
    BatteryRating {
        capacity_kwh: ev.spec.battery_kwh,
        power_kw: ev.spec.charger_kw,
        efficiency: crate::physics::ev::CHARGER_EFFICIENCY,
    }
}

/// A grid-forming unit's share of the island for one step.
struct Unit {
    entity: Entity,
    device: usize,
    rating_kw: f64,
    discharge_kw: f64,
    charge_kw: f64,
    stored_kwh: f64,
    capacity_kwh: f64,
}

impl Unit {
    fn new(entity: Entity, device: usize, c: Capability) -> Self {
        Self {
            entity,
            device,
            rating_kw: c.rating_kw,
            discharge_kw: c.discharge_kw,
            charge_kw: c.charge_kw,
            stored_kwh: c.stored_kwh,
            capacity_kwh: c.capacity_kwh,
        }
    }
}

/// Home batteries (disjoint from the other device queries).
type OnlyBatteries = (Without<EvRuntime>, Without<HouseholdState>);
/// Cars.
type OnlyCars = (Without<BatteryState>, Without<HouseholdState>);
/// Households.
type OnlyHouseholds = (
    With<HouseholdState>,
    Without<BatteryState>,
    Without<EvRuntime>,
);
/// PV and wind.
type OnlyGenerators = (
    Without<HouseholdState>,
    Without<BatteryState>,
    Without<EvRuntime>,
);

/// Cuts `kw` of demand from `loads` (each with the part of it that is
/// critical, kW): the non-critical parts first, in proportion to what each
/// draws, then the critical parts alike. Returns what was cut (less than
/// `kw` when they draw less) and the critical part of that.
fn shed_demand(mut loads: Vec<(Mut<DevicePower>, f64)>, kw: f64) -> (f64, f64) {
    let mut left = kw.max(0.0);
    let mut critical_cut = 0.0;
    for critical_pass in [false, true] {
        let part = |p: &DevicePower, critical_kw: f64| {
            let critical = critical_kw.clamp(0.0, p.p_kw.max(0.0));
            if critical_pass {
                critical
            } else {
                p.p_kw.max(0.0) - critical
            }
        };
        let total: f64 = loads.iter().map(|(p, c)| part(p, *c)).sum();
        if total <= 0.0 || left <= 0.0 {
            continue;
        }
        let cut = left.min(total);
        for (p, c) in &mut loads {
            let before = p.p_kw;
            let reduce = part(p, *c) * cut / total;
            if before > 0.0 {
                p.q_kvar *= (before - reduce) / before;
            }
            p.p_kw = before - reduce;
        }
        left -= cut;
        if critical_pass {
            critical_cut = cut;
        }
    }
    (kw.max(0.0) - left, critical_cut)
}

/// Curtails `kw` of generation, PV first and then wind, in proportion to
/// what each gives; returns what was curtailed.
fn curtail_generation<'a>(
    built: &crate::scenario::Built,
    generators: impl Iterator<Item = (&'a DeviceIndex, Mut<'a, DevicePower>)>,
    kw: f64,
) -> f64 {
    let (mut pv, mut wind): (Vec<Mut<DevicePower>>, Vec<Mut<DevicePower>>) =
        (Vec::new(), Vec::new());
    for (i, p) in generators {
        if p.p_kw >= 0.0 {
            continue;
        }
        match built.devices.get(i.0).map(|d| &d.kind) {
            Some(DeviceKind::Pv(_)) => pv.push(p),
            _ => wind.push(p),
        }
    }
    let mut left = kw.max(0.0);
    for group in [&mut pv, &mut wind] {
        let total: f64 = group.iter().map(|p| -p.p_kw).sum();
        if total <= 0.0 || left <= 0.0 {
            continue;
        }
        let cut = left.min(total);
        let keep = 1.0 - cut / total;
        for p in group.iter_mut() {
            p.p_kw *= keep;
            p.q_kvar *= keep;
        }
        left -= cut;
    }
    kw.max(0.0) - left
}

#[expect(
    clippy::too_many_arguments,
    reason = "a Bevy system's parameters are the data it reads and writes"
)]
fn dispatch_island(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    mut state: ResMut<GridState>,
    mut events: ResMut<EventLog>,
    mut island_units: ResMut<IslandUnits>,
    mut batteries: Query<
        (Entity, &DeviceIndex, &mut BatteryState, &mut DevicePower),
        OnlyBatteries,
    >,
    mut cars: Query<(Entity, &DeviceIndex, &mut EvRuntime, &mut DevicePower), OnlyCars>,
    mut households: Query<(Entity, &DeviceIndex, &mut DevicePower), OnlyHouseholds>,
    mut generators: Query<(&DeviceIndex, &mut DevicePower), OnlyGenerators>,
    mut decisions: ResMut<Decisions>,
) {
    let now = clock.now();
    let dt_h = f64::from(clock.step_s) / 3600.0;
    let eff = crate::physics::ev::CHARGER_EFFICIENCY;
    let built = &hood.0;
    *island_units = IslandUnits::default();
    // PV held back this step, as a share of what the sun allows: by the
    // resynchronising controller, the inverters' droop, and because the
    // units can take no more (each recorded below).
    decisions.curtailed = None;
    let mut resync_kept = 1.0;
    // A car that allows vehicle-to-grid and has energy above its owner's
    // floor forms the island through its bidirectional charger: its own
    // charging schedule gives way to the island's dispatch (undo what the
    // charger took this step). Other cars charge as non-critical load.
    let mut unit_cars = Vec::new();
    for (e, i, mut ev, mut p) in &mut cars {
        if car_forms_island(&ev) {
            ev.state.soc_kwh -= p.p_kw * eff * dt_h;
            *p = DevicePower::default();
            unit_cars.push((e, i.0));
        }
    }
    // Demand, split into what stays and what can be shed.
    let (mut firm, mut sheddable) = (state.losses_estimate_kw, 0.0);
    let mut critical_kw = Vec::new();
    for (e, i, p) in &households {
        if let Some(DeviceKind::Household { critical_share, .. }) =
            built.devices.get(i.0).map(|d| &d.kind)
        {
            firm += critical_share * p.p_kw;
            sheddable += (1.0 - critical_share) * p.p_kw;
            critical_kw.push((e, critical_share * p.p_kw));
        }
    }
    let ev_demand: f64 = cars.iter().map(|(_, _, _, p)| p.p_kw).sum();
    sheddable += ev_demand;
    let (mut pv, mut wind) = (0.0, 0.0);
    for (i, p) in &generators {
        match built.devices.get(i.0).map(|d| &d.kind) {
            Some(DeviceKind::Pv(_)) => pv -= p.p_kw,
            _ => wind -= p.p_kw,
        }
    }
    // Grid-forming units and what each can do in this step.
    let mut units: Vec<Unit> = batteries
        .iter()
        .map(|(e, i, b, _)| Unit::new(e, i.0, Capability::battery(b, dt_h)))
        .collect();
    for &(e, device) in &unit_cars {
        if let Ok((_, _, ev, _)) = cars.get(e)
            && let Some(c) = Capability::car(ev, dt_h)
        {
            units.push(Unit::new(e, device, c));
        }
    }
    let rating: f64 = units.iter().map(|u| u.rating_kw).sum();
    let discharge_limit: f64 = units.iter().map(|u| u.discharge_kw).sum();
    let charge_limit: f64 = units.iter().map(|u| u.charge_kw).sum();
    let quarter = sheddable / SHED_STAGES_HZ.len() as f64;
    // How full the units are, percent, and what the island asks of them, kW
    // (for the shedding's explanation).
    let stored_percent = {
        let (stored, capacity) = units.iter().fold((0.0, 0.0), |(s, c), u| {
            (s + u.stored_kwh, c + u.capacity_kwh)
        });
        if capacity > 0.0 {
            100.0 * stored / capacity
        } else {
            0.0
        }
    };
    // What the island asks of its units with `already` stages shed.
    let shed_record = move |f_hz: f64, for_resync: bool, already: usize, pv: f64| Shed {
        since: now,
        f_hz,
        stored_percent,
        give_kw: discharge_limit,
        asked_kw: {
            let served = 1.0 - already as f64 / SHED_STAGES_HZ.len() as f64;
            (firm + sheddable * served - pv - wind).max(0.0)
        },
        for_resync,
    };
    // Serve shed stages again when the units have room for them, and the
    // island has held for a while since the last shed (no flicker).
    let held = state
        .last_shed
        .is_none_or(|t| now - t >= chrono::Duration::seconds(RESTORE_HOLD_S));
    while held && state.mode == GridMode::Islanded && state.stages_shed > 0 {
        let served = firm + sheddable - quarter * (state.stages_shed - 1) as f64;
        if discharge_limit + pv + wind < 1.1 * served {
            break;
        }
        state.stages_shed -= 1;
        log(
            &mut events,
            now,
            EventKind::RestoreStage,
            format!("stage {} served again", state.stages_shed + 1),
        );
    }
    if state.resync_pending {
        if state.frequency.f_hz > F0_HZ {
            // Curtail PV and the turbines' inverters directly to what the
            // island can use, so that the units need not raise the
            // frequency to curtail them (and can bring it to 50 Hz).
            let usable = (firm
                + sheddable * (1.0 - state.stages_shed as f64 / SHED_STAGES_HZ.len() as f64)
                + charge_limit)
                .max(0.0);
            if pv + wind > usable {
                let kept = usable / (pv + wind);
                resync_kept = kept;
                for (i, mut p) in &mut generators {
                    if matches!(
                        built.devices.get(i.0).map(|d| &d.kind),
                        Some(DeviceKind::Pv(_) | DeviceKind::Wind { .. })
                    ) {
                        p.p_kw *= kept;
                    }
                }
                pv *= kept;
                wind *= kept;
            }
        } else if state.stages_shed < SHED_STAGES_HZ.len() {
            state.stages_shed += 1;
            state.last_shed = Some(now);
            decisions.stages[state.stages_shed - 1] = Some(shed_record(
                state.frequency.f_hz,
                true,
                state.stages_shed - 1,
                pv,
            ));
            log(
                &mut events,
                now,
                EventKind::ShedStage,
                format!(
                    "stage {} shed by the controller to bring the island to 50 Hz for resynchronisation",
                    state.stages_shed
                ),
            );
        }
    }
    let balance = IslandBalance {
        firm_load_kw: firm,
        sheddable_load_kw: sheddable,
        stages_shed: state.stages_shed,
        pv_available_kw: pv,
        other_generation_kw: wind,
        rating_kw: rating,
        discharge_limit_kw: discharge_limit,
        charge_limit_kw: charge_limit,
    };
    let outcome = if rating > 0.0 {
        frequency::integrate(
            state.frequency,
            &balance,
            &DroopParams::default(),
            f64::from(clock.step_s),
        )
    } else {
        frequency::FrequencyOutcome {
            blackout: true,
            ..frequency::integrate(state.frequency, &balance, &DroopParams::default(), 0.0)
        }
    };
    state.f_min_hz = state.f_min_hz.min(outcome.f_min_hz);
    state.f_max_hz = state.f_max_hz.max(outcome.f_max_hz);
    for (stage, f) in outcome.shed_at_hz.iter().enumerate() {
        if let Some(f) = f {
            state.last_shed = Some(now);
            decisions.stages[stage] = Some(shed_record(*f, false, stage, pv));
            log(
                &mut events,
                now,
                EventKind::ShedStage,
                format!(
                    "stage {} shed at {f:.2} Hz ({:.1} kW of non-critical load)",
                    stage + 1,
                    quarter
                ),
            );
        }
    }
    let demand = firm - state.losses_estimate_kw + sheddable;
    // Critical loads are served to the last: when the units cannot carry
    // them and the losses with what the sun and wind give, the island goes
    // dark rather than serve them in part.
    let firm_short_kw = firm - (pv + wind) * outcome.pv_share - discharge_limit;
    let cannot_carry = !outcome.blackout && rating > 0.0 && firm_short_kw > 1e-6;
    if outcome.blackout || cannot_carry || state.mode == GridMode::Blackout {
        if state.mode != GridMode::Blackout {
            let cause = if cannot_carry {
                DarkCause::Short {
                    give_kw: discharge_limit,
                    short_kw: firm_short_kw,
                }
            } else if rating > 0.0 {
                DarkCause::Collapsed {
                    f_hz: outcome.f_min_hz.max(0.0),
                }
            } else {
                DarkCause::NoFormer
            };
            decisions.dark = Some((now, cause));
            decisions.batteries.clear();
            decisions.curtailed = None;
            log(
                &mut events,
                now,
                EventKind::Blackout,
                if cannot_carry {
                    format!(
                        "blackout: the grid-forming units can give {discharge_limit:.1} kW, {firm_short_kw:.1} kW short of the critical loads; {demand:.1} kW unserved"
                    )
                } else if rating > 0.0 {
                    format!(
                        "blackout: the grid-forming units cannot hold the island (frequency fell to {:.2} Hz); {:.1} kW unserved",
                        outcome.f_min_hz.max(0.0),
                        demand
                    )
                } else {
                    format!(
                        "blackout: no battery or vehicle-to-grid car can form the island; {demand:.1} kW unserved"
                    )
                },
            );
        }
        state.mode = GridMode::Blackout;
        state.frequency = FrequencyState {
            f_hz: 0.0,
            p_set_kw: 0.0,
            phase_deg: 0.0,
        };
        state.stages_shed = SHED_STAGES_HZ.len();
        state.unserved_kw = demand;
        state.critical_unserved_kw = firm - state.losses_estimate_kw;
        state.pv_share = 0.0;
        for (_, _, mut p) in &mut households {
            *p = DevicePower::default();
        }
        for (_, mut p) in &mut generators {
            *p = DevicePower::default();
        }
        for (_, _, mut ev, mut p) in &mut cars {
            // Dark: the charger delivered nothing (grid-forming cars gave way above).
            ev.state.soc_kwh -= p.p_kw * eff * dt_h;
            *p = DevicePower::default();
        }
        for (_, _, _, mut p) in &mut batteries {
            *p = DevicePower::default();
        }
        return;
    }
    state.frequency = outcome.end;
    state.stages_shed = outcome.stages_shed;
    state.pv_share = outcome.pv_share;
    for stage in &mut decisions.stages[state.stages_shed..] {
        *stage = None;
    }
    let mut full_kept = 1.0;
    let served_share = 1.0 - state.stages_shed as f64 / SHED_STAGES_HZ.len() as f64;
    let mut served = 0.0;
    for (_, i, mut p) in &mut households {
        if let Some(DeviceKind::Household { critical_share, .. }) =
            built.devices.get(i.0).map(|d| &d.kind)
        {
            let k = critical_share + (1.0 - critical_share) * served_share;
            p.p_kw *= k;
            p.q_kvar *= k;
            served += p.p_kw;
        }
    }
    // The over-frequency droop holds back PV and the turbines' inverters alike.
    for (i, mut p) in &mut generators {
        if matches!(
            built.devices.get(i.0).map(|d| &d.kind),
            Some(DeviceKind::Pv(_) | DeviceKind::Wind { .. })
        ) {
            p.p_kw *= outcome.pv_share;
        }
    }
    // Cars: charging is served like other non-critical load; undo what was not delivered.
    for (_, _, mut ev, mut p) in &mut cars {
        let delivered = p.p_kw * served_share;
        ev.state.soc_kwh -= (p.p_kw - delivered) * eff * dt_h;
        p.p_kw = delivered;
        served += delivered;
    }
    // The units give what is left, within their limits. What they cannot
    // give is not served (the frequency falls and the relays act in the
    // steps that follow); a surplus they cannot take is curtailed.
    let mut needed = served + state.losses_estimate_kw - (pv + wind) * outcome.pv_share;
    let mut critical_cut = 0.0;
    if needed > discharge_limit {
        let short = needed - discharge_limit;
        // Cars' charging first (it is non-critical), then the households.
        let mut cut = 0.0;
        for (_, _, mut ev, mut p) in &mut cars {
            let c = p.p_kw.max(0.0).min(short - cut);
            p.p_kw -= c;
            ev.state.soc_kwh -= c * eff * dt_h;
            cut += c;
        }
        let critical: std::collections::HashMap<Entity, f64> =
            critical_kw.iter().copied().collect();
        let loads = households
            .iter_mut()
            .map(|(e, _, p)| (p, critical.get(&e).copied().unwrap_or(0.0)))
            .collect();
        let (households_cut, critical) = shed_demand(loads, short - cut);
        cut += households_cut;
        critical_cut = critical;
        served -= cut;
        needed -= cut;
    } else if needed < -charge_limit {
        let cut = curtail_generation(built, generators.iter_mut(), -charge_limit - needed);
        needed += cut;
        let let_through = pv * outcome.pv_share;
        if let_through > 0.0 {
            full_kept = 1.0 - (cut / let_through).min(1.0);
        }
    }
    let share = resync_kept * outcome.pv_share * full_kept;
    if pv + wind > 0.0 && share < 0.999 {
        decisions.curtailed = Some(Curtailed {
            share,
            f_hz: state.f_max_hz,
            for_resync: resync_kept < 0.999,
            by_droop: outcome.pv_share < 0.999,
        });
    }
    state.unserved_kw = (demand - served).max(0.0);
    state.critical_unserved_kw = critical_cut;
    let needed = needed.clamp(-charge_limit, discharge_limit);
    let shares = share_by_rating(&units, needed);
    let mut headroom = Vec::with_capacity(units.len());
    for (unit, kw) in units.iter().zip(shares) {
        if let Ok((_, _, mut b, mut p)) = batteries.get_mut(unit.entity) {
            let rating = b.rating;
            b.soc_kwh = rating.next_soc_kwh(b.soc_kwh, -kw, dt_h);
            let soc_percent = b.soc_percent();
            decisions.battery(
                unit.device,
                BatteryDecision::HoldsIsland { kw, soc_percent },
            );
            p.p_kw = -kw;
            p.q_kvar = 0.0;
        } else if let Ok((_, _, mut ev, mut p)) = cars.get_mut(unit.entity) {
            let rating = car_rating(&ev);
            ev.state.soc_kwh += rating.stored_delta_kwh(-kw, dt_h);
            p.p_kw = -kw;
            p.q_kvar = 0.0;
        }
        headroom.push((
            unit,
            UnitHeadroom {
                entity: unit.entity,
                give_kw: (unit.discharge_kw - kw).max(0.0),
                take_kw: (unit.charge_kw + kw).max(0.0),
            },
        ));
    }
    // The reference: the largest unit with room both ways (else the largest
    // with any room, else the largest), so that the power flow's slack is a
    // unit that can carry it.
    let room = |h: &UnitHeadroom, u: &Unit| {
        let both = h.give_kw.min(h.take_kw) > 1e-3 * u.rating_kw;
        let any = h.give_kw.max(h.take_kw) > 1e-9;
        (u8::from(both), u8::from(any))
    };
    if let Some(best) = (0..headroom.len()).max_by(|&a, &b| {
        let (ua, ha) = headroom[a];
        let (ub, hb) = headroom[b];
        room(&ha, ua)
            .cmp(&room(&hb, ub))
            .then(ua.rating_kw.total_cmp(&ub.rating_kw))
            .then(b.cmp(&a))
    }) {
        headroom.swap(0, best);
        let reference = headroom[0].0.device;
        island_units.reference = built.devices.get(reference).map(|d| (reference, d.bus));
    }
    island_units.headroom = headroom.into_iter().map(|(_, h)| h).collect();
    island_units.critical_kw = critical_kw;
}

/// Splits `total_kw` (positive: the units give) among the units in
/// proportion to their ratings, passing on what a unit at its limit cannot take.
fn share_by_rating(units: &[Unit], total_kw: f64) -> Vec<f64> {
    let mut out = vec![0.0; units.len()];
    let mut left = total_kw;
    let mut open: Vec<usize> = (0..units.len()).collect();
    for _ in 0..units.len().max(1) {
        let rating: f64 = open.iter().map(|&i| units[i].rating_kw).sum();
        if open.is_empty() || rating <= 0.0 || left.abs() < 1e-12 {
            break;
        }
        let mut next = Vec::new();
        let mut given = 0.0;
        for &i in &open {
            let want = out[i] + left * units[i].rating_kw / rating;
            let capped = want.clamp(-units[i].charge_kw, units[i].discharge_kw);
            given += capped - out[i];
            out[i] = capped;
            if (capped - want).abs() < 1e-12 {
                next.push(i);
            }
        }
        left -= given;
        open = next;
    }
    out
}

/// The island's slack: what the loss estimate missed lands on the reference
/// unit (the power flow's reference), within its limits, then on the other
/// units within theirs; what none can give is not served, what none can
/// take is curtailed. Energy is never made up. The estimate for the next
/// step is updated.
#[expect(
    clippy::too_many_arguments,
    reason = "a Bevy system's parameters are the data it reads and writes"
)]
fn settle_island_slack(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    network: Res<NetworkState>,
    units: Res<IslandUnits>,
    mut state: ResMut<GridState>,
    mut batteries: Query<(&mut BatteryState, &mut DevicePower), OnlyBatteries>,
    mut cars: Query<(Entity, &mut EvRuntime, &mut DevicePower), OnlyCars>,
    mut households: Query<(Entity, &mut DevicePower), OnlyHouseholds>,
    mut generators: Query<(&DeviceIndex, &mut DevicePower), OnlyGenerators>,
) {
    let Some(flow) = network.solved() else {
        return;
    };
    state.losses_estimate_kw = flow.losses_mw() * 1000.0;
    if state.mode != GridMode::Islanded {
        return;
    }
    // In the island model the "grid" is the reference bus: its exchange is
    // what the units must give beyond their set points.
    let mut residual_kw = flow.ext_grid_p_mw * 1000.0;
    let dt_h = f64::from(clock.step_s) / 3600.0;
    for h in &units.headroom {
        if residual_kw.abs() < 1e-12 {
            break;
        }
        let take = residual_kw.clamp(-h.take_kw, h.give_kw);
        if let Ok((mut b, mut p)) = batteries.get_mut(h.entity) {
            let rating = b.rating;
            b.soc_kwh += rating.stored_delta_kwh(p.p_kw - take, dt_h)
                - rating.stored_delta_kwh(p.p_kw, dt_h);
            p.p_kw -= take;
        } else if let Ok((_, mut ev, mut p)) = cars.get_mut(h.entity) {
            let rating = car_rating(&ev);
            ev.state.soc_kwh += rating.stored_delta_kwh(p.p_kw - take, dt_h)
                - rating.stored_delta_kwh(p.p_kw, dt_h);
            p.p_kw -= take;
        } else {
            continue;
        }
        residual_kw -= take;
    }
    if residual_kw > 0.0 {
        // Cars' charging first (the forming cars are units, not loads), then
        // the households' non-critical demand, their critical demand last.
        let eff = crate::physics::ev::CHARGER_EFFICIENCY;
        let forming: Vec<Entity> = units.headroom.iter().map(|h| h.entity).collect();
        let mut cut = 0.0;
        for (e, mut ev, mut p) in &mut cars {
            if forming.contains(&e) || p.p_kw <= 0.0 || cut >= residual_kw {
                continue;
            }
            let c = p.p_kw.min(residual_kw - cut);
            p.p_kw -= c;
            ev.state.soc_kwh -= c * eff * dt_h;
            cut += c;
        }
        let critical: std::collections::HashMap<Entity, f64> =
            units.critical_kw.iter().copied().collect();
        let loads = households
            .iter_mut()
            .map(|(e, p)| (p, critical.get(&e).copied().unwrap_or(0.0)))
            .collect();
        let (households_cut, critical) = shed_demand(loads, residual_kw - cut);
        state.unserved_kw += cut + households_cut;
        state.critical_unserved_kw += critical;
    } else if residual_kw < 0.0 {
        curtail_generation(&hood.0, generators.iter_mut(), -residual_kw);
    }
}

/// A per-unit difference as percent rounded to 0.1, never "-0.0".
fn tidy_percent(pu: f64) -> f64 {
    (pu * 1000.0).round() / 10.0 + 0.0
}
