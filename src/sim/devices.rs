//! Environment, device and control systems: the weather of the moment, each
//! device's power, and the batteries' dispatch, on entities the window can
//! pick and inspect.

use bevy::prelude::*;
use chrono::Datelike;
use num_complex::Complex64;
use rand::{SeedableRng, rngs::StdRng};

use super::snapshot::{Environment, device_power_facing};
use super::{Neighbourhood, SimClock, SimSettings, SimulationStep, SimulationSystems};
use crate::physics::demand::{HouseholdNoise, h0_dynamised_w, scaled_kw};
use crate::physics::ev::{EvSpec, EvState};
use crate::physics::solar;
use crate::physics::storage::{BatteryRating, self_consumption_kw};
use crate::physics::sun_track::SunTrack;
use crate::physics::weather::{WeatherState, cloudy_ghi_w_m2};
use crate::scenario::DeviceKind;

/// The environment at the current step.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct CurrentEnvironment(pub Environment);

/// The generated weather's state and random stream.
#[derive(Resource, Debug)]
pub struct WeatherModel {
    state: WeatherState,
    rng: StdRng,
    /// Cloud cover a user has set, oktas (replaces the generated clouds).
    pub cloud_override_oktas: Option<f64>,
    /// Wind a user has set at the reference height, m/s.
    pub wind_override_m_s: Option<f64>,
}

/// A request to set (or, with `None`, release) the clouds and the wind, as
/// the window's weather controls send it.
#[derive(Event, Debug, Clone, Copy, PartialEq)]
pub struct SetWeather {
    /// Cloud cover, oktas 0-8, or `None` for the generated clouds.
    pub cloud_oktas: Option<f64>,
    /// Wind at the reference height, m/s, or `None` for the generated wind.
    pub wind_m_s: Option<f64>,
}

/// The sun's track through the run (SPA on the hour, interpolated between:
/// see [`crate::physics::sun_track`]).
#[derive(Resource, Debug, Clone, Default)]
pub struct SunTracker(pub SunTrack);

/// A device of the neighbourhood: index into [`crate::scenario::Built::devices`].
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIndex(pub usize);

/// A device's power at the current step (consumer frame: positive consumes).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct DevicePower {
    /// Active power, kW.
    pub p_kw: f64,
    /// Reactive power, kvar.
    pub q_kvar: f64,
}

impl DevicePower {
    /// As a complex kVA value.
    pub fn kva(&self) -> Complex64 {
        Complex64::new(self.p_kw, self.q_kvar)
    }
}

/// A device's own random stream, so that one device's draws never shift another's.
#[derive(Component, Debug)]
pub struct DeviceRng(pub StdRng);

/// A household's demand noise.
#[derive(Component, Debug, Clone)]
pub struct HouseholdState(pub HouseholdNoise);

/// A home battery's stored energy.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct BatteryState {
    /// Ratings.
    pub rating: BatteryRating,
    /// Stored energy, kWh.
    pub soc_kwh: f64,
}

impl BatteryState {
    /// State of charge in percent.
    pub fn soc_percent(&self) -> f64 {
        self.soc_kwh / self.rating.capacity_kwh * 100.0
    }
}

/// An electric car's whereabouts and charge.
#[derive(Component, Debug, Clone)]
pub struct EvRuntime {
    /// Owner's habits and the car's battery.
    pub spec: EvSpec,
    /// Where it is and how full.
    pub state: EvState,
    /// Whether the owner allows vehicle-to-grid.
    pub v2g: bool,
    /// A visiting car's one stay (EV fleets); `None` for residents.
    pub visit: Option<crate::scenario::Visit>,
    /// Energy its trips have used since the start, kWh (what left the
    /// battery other than through the charger).
    pub driven_kwh: f64,
}

/// Seeds a device's stream from the run's seed and the device's index.
pub fn device_rng(seed: u64, index: usize) -> StdRng {
    StdRng::seed_from_u64(seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

pub(super) fn plugin(app: &mut App) {
    reset(app.world_mut());
    app.add_observer(set_weather);
    app.add_systems(
        SimulationStep,
        (
            update_environment.in_set(SimulationSystems::Environment),
            (update_households, update_generation, update_evs).in_set(SimulationSystems::Devices),
        ),
    );
}

/// Spawns the device entities and the weather state for the [`Neighbourhood`]
/// (despawn the old devices first: see [`super::reset`]).
pub(super) fn reset(world: &mut World) {
    let built = world.resource::<Neighbourhood>().0.clone();
    let seed = world.resource::<SimSettings>().seed;
    let start = world.resource::<SimClock>().now();
    let mut weather_rng = StdRng::seed_from_u64(seed ^ 0x0077_6561_7468_6572);
    world.insert_resource(WeatherModel {
        state: WeatherState::new(&mut weather_rng),
        rng: weather_rng,
        cloud_override_oktas: None,
        wind_override_m_s: None,
    });
    world.insert_resource(CurrentEnvironment::default());
    world.insert_resource(SunTracker::default());
    for (i, device) in built.devices.iter().enumerate() {
        spawn_device(world, i, device, seed, start);
    }
}

/// Spawns device `index` as a scenario file starts it at `now`: a battery
/// half full, a car home overnight or mid-trip, its own random stream.
pub(super) fn spawn_device(
    world: &mut World,
    index: usize,
    device: &crate::scenario::Device,
    seed: u64,
    now: chrono::NaiveDateTime,
) -> Entity {
    let mut rng = device_rng(seed, index);
    let mut entity = world.spawn((
        Name::new(device.name.clone()),
        DeviceIndex(index),
        DevicePower::default(),
    ));
    match &device.kind {
        DeviceKind::Household { .. } => {
            entity.insert(HouseholdState(HouseholdNoise::new(&mut rng)));
        }
        DeviceKind::Battery(b) => {
            let rating = BatteryRating {
                capacity_kwh: b.capacity_kwh,
                power_kw: b.power_kw,
                efficiency: b.efficiency,
            };
            entity.insert(BatteryState {
                rating,
                soc_kwh: 0.5 * b.capacity_kwh,
            });
        }
        DeviceKind::Ev(e) => {
            let spec = EvSpec {
                battery_kwh: e.battery_kwh,
                charger_kw: e.charger_kw,
                depart: e.depart.0,
                arrive: e.arrive.0,
                daily_km: e.daily_km,
                kwh_per_km: e.kwh_per_km,
            };
            let state = match device.visit {
                // Away until the visit starts (or plugged in if it already has).
                Some(v) => EvState {
                    at_home: v.from <= now && now < v.until,
                    soc_kwh: v.arrival_soc * spec.battery_kwh,
                    next_change: if now < v.from { v.from } else { v.until },
                },
                None => EvState::start(&spec, now, &mut rng),
            };
            entity.insert(EvRuntime {
                spec,
                state,
                v2g: e.v2g,
                visit: device.visit,
                driven_kwh: 0.0,
            });
        }
        DeviceKind::Pv(_) | DeviceKind::Wind { .. } => {}
    }
    entity.insert(DeviceRng(rng));
    entity.id()
}

fn set_weather(event: On<SetWeather>, mut weather: ResMut<WeatherModel>) {
    weather.cloud_override_oktas = event
        .cloud_oktas
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 8.0));
    weather.wind_override_m_s = event
        .wind_m_s
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 40.0));
}

fn update_environment(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    mut weather: ResMut<WeatherModel>,
    mut sun_track: ResMut<SunTracker>,
    mut env: ResMut<CurrentEnvironment>,
) {
    let scenario = &hood.0.scenario;
    let now = clock.now();
    let w = &scenario.weather;
    let model = &mut *weather;
    // The generated weather always advances, so a series that ends hands
    // over to it seamlessly and the random streams stay aligned.
    let sample = model.state.advance(
        &mut model.rng,
        w.pattern,
        w.mean_wind_m_s,
        now.ordinal(),
        f64::from(clock.step_s),
    );
    let sun = sun_track
        .0
        .at(super::snapshot::observer(scenario), now)
        .unwrap_or(solar::SunPosition::BELOW_HORIZON);
    let clear = solar::clear_sky_ghi_w_m2(sun.zenith_deg);
    let hour = super::snapshot::hour_of_day(now);
    let climate_c = solar::typical_air_temperature_c(now.ordinal(), hour);
    let (mut ghi, mut cloud_oktas, mut wind_m_s, air_c) =
        match hood.0.weather_series.as_ref().and_then(|s| s.at(now)) {
            Some(m) => (
                m.ghi_w_m2,
                oktas_from_ghi(m.ghi_w_m2, clear),
                m.wind_m_s,
                m.air_c,
            ),
            None => (
                cloudy_ghi_w_m2(clear, sample.cloud_oktas),
                sample.cloud_oktas,
                sample.wind_m_s,
                climate_c + sample.temperature_anomaly_c,
            ),
        };
    // A user's setting wins over a cloud front from the timeline.
    let front = scenario.events.iter().find_map(|e| match e {
        crate::scenario::TimelineEvent::CloudFront {
            from,
            until,
            cloud_oktas,
        } if from.0 <= now && now < until.0 => Some(*cloud_oktas),
        _ => None,
    });
    if let Some(oktas) = model.cloud_override_oktas.or(front) {
        cloud_oktas = oktas;
        ghi = cloudy_ghi_w_m2(clear, oktas);
    }
    if let Some(wind) = model.wind_override_m_s {
        wind_m_s = wind;
    }
    let (dni, dhi) = solar::erbs(ghi, sun.zenith_deg, now.ordinal());
    env.0 = Environment {
        sun_zenith_deg: sun.zenith_deg,
        sun_azimuth_deg: sun.azimuth_deg,
        ghi_w_m2: ghi,
        dni_w_m2: dni,
        dhi_w_m2: dhi,
        air_c,
        wind_m_s,
        cloud_oktas,
    };
}

/// Cloud cover that would dim `clear` to `ghi` (Kasten-Czeplak inverted), oktas.
fn oktas_from_ghi(ghi: f64, clear: f64) -> f64 {
    if clear <= 1.0 {
        return 0.0;
    }
    let dimmed = ((1.0 - ghi / clear) / 0.75).clamp(0.0, 1.0);
    8.0 * dimmed.powf(1.0 / 3.4)
}

fn update_households(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    mut houses: Query<(
        &DeviceIndex,
        &mut HouseholdState,
        &mut DeviceRng,
        &mut DevicePower,
    )>,
) {
    let now = clock.now();
    let dt_s = f64::from(clock.step_s);
    let h0_w = h0_dynamised_w(now);
    for (index, mut noise, mut rng, mut power) in &mut houses {
        let Some(DeviceKind::Household {
            annual_kwh,
            power_factor,
            ..
        }) = hood.0.devices.get(index.0).map(|d| &d.kind)
        else {
            continue;
        };
        let p = noise
            .0
            .demand_kw(scaled_kw(h0_w, *annual_kwh), dt_s, &mut rng.0);
        let q = p * (1.0 / (power_factor * power_factor) - 1.0).max(0.0).sqrt();
        *power = DevicePower { p_kw: p, q_kvar: q };
    }
}

/// PV and wind: the devices with no state of their own.
type OnlyGenerators = (
    Without<HouseholdState>,
    Without<BatteryState>,
    Without<EvRuntime>,
);

fn update_generation(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    env: Res<CurrentEnvironment>,
    mut devices: Query<(&DeviceIndex, &mut DevicePower), OnlyGenerators>,
    mut panels: Local<Vec<Option<solar::Facing>>>,
) {
    // Each array's facing, worked out again only when the neighbourhood
    // changes (an edit, another scenario).
    if hood.is_changed() || panels.len() != hood.0.devices.len() {
        *panels = hood
            .0
            .devices
            .iter()
            .map(|d| match &d.kind {
                DeviceKind::Pv(pv) => Some(solar::Facing::new(pv.tilt_deg, pv.azimuth_deg)),
                _ => None,
            })
            .collect();
    }
    let now = clock.now();
    let sun = env.0.sun_facing();
    for (index, mut power) in &mut devices {
        let Some(device) = hood.0.devices.get(index.0) else {
            continue;
        };
        let panel = panels.get(index.0).and_then(Option::as_ref);
        let s = device_power_facing(device, &hood.0.scenario, &env.0, (&sun, panel), now);
        *power = DevicePower {
            p_kw: s.re,
            q_kvar: s.im,
        };
    }
}

fn update_evs(
    clock: Res<SimClock>,
    settings: Res<SimSettings>,
    mut cars: Query<(&mut EvRuntime, &mut DeviceRng, &mut DevicePower)>,
) {
    let now = clock.now();
    let dt_h = f64::from(clock.step_s) / 3600.0;
    for (mut ev, mut rng, mut power) in &mut cars {
        let ev = &mut *ev;
        match ev.visit {
            Some(v) => {
                let present = v.from <= now && now < v.until;
                if present != ev.state.at_home {
                    ev.state.at_home = present;
                    ev.state.next_change = if present {
                        v.until
                    } else {
                        v.until + chrono::Duration::days(36_500)
                    };
                }
            }
            None => {
                ev.driven_kwh += ev.state.update_location(&ev.spec, now, &mut rng.0);
            }
        }
        let p = ev.state.charging_kw(&ev.spec, settings.charging, now, dt_h);
        ev.state.charge(&ev.spec, p, dt_h);
        *power = DevicePower {
            p_kw: p,
            q_kvar: 0.0,
        };
    }
}

/// The batteries while connected: self-consumption behind each house's
/// meter, or the price strategies of [`super::prices`].
pub(super) fn dispatch_batteries(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    prices: Res<super::prices::CurrentPrices>,
    others: Query<(&DeviceIndex, &DevicePower), Without<BatteryState>>,
    mut batteries: Query<(&DeviceIndex, &mut BatteryState, &mut DevicePower)>,
    mut decisions: ResMut<super::why::Decisions>,
    mut house_net_kw: Local<Vec<f64>>,
) {
    use super::why::BatteryDecision;
    use crate::scenario::tariff::Strategy;
    let dt_h = f64::from(clock.step_s) / 3600.0;
    let controller = &hood.0.scenario.controller;
    house_net_kw.clear();
    house_net_kw.resize(hood.0.house_count(), 0.0);
    for (index, power) in &others {
        if let Some(h) = hood.0.devices.get(index.0).and_then(|d| d.house) {
            house_net_kw[h] += power.p_kw;
        }
    }
    for (index, mut battery, mut power) in &mut batteries {
        let net = hood
            .0
            .devices
            .get(index.0)
            .and_then(|d| d.house)
            .map_or(0.0, |h| house_net_kw[h]);
        let rating = battery.rating;
        let mut p = self_consumption_kw(&rating, battery.soc_kwh, net, dt_h);
        let mut decision = None;
        if controller.strategy != Strategy::SelfConsumption {
            if prices.import_eur_per_kwh <= controller.cheap_eur_per_kwh {
                // Cheap grid power: fill up.
                p = rating.max_charge_kw(battery.soc_kwh, dt_h);
                if p > 0.01 {
                    decision = Some(BatteryDecision::FillsCheap {
                        price: prices.import_eur_per_kwh,
                        cheap: controller.cheap_eur_per_kwh,
                    });
                }
            } else if p < 0.0 {
                // Never below the outage reserve.
                let reserve_kwh = controller.outage_reserve * rating.capacity_kwh;
                let available_kw =
                    ((battery.soc_kwh - reserve_kwh).max(0.0) * rating.efficiency / dt_h).min(-p);
                p = -available_kw;
                if available_kw < 0.01 {
                    decision = Some(BatteryDecision::HoldsReserve {
                        reserve: controller.outage_reserve,
                        soc_percent: battery.soc_percent(),
                        price: prices.import_eur_per_kwh,
                    });
                }
            }
        }
        decisions.battery(
            index.0,
            decision.unwrap_or_else(|| match p {
                p if p < -0.01 => BatteryDecision::Covers { kw: -p },
                p if p > 0.01 => BatteryDecision::Stores { kw: p },
                _ if net < -0.01 => BatteryDecision::Full,
                _ if net > 0.01 => BatteryDecision::Empty,
                _ => BatteryDecision::Idle,
            }),
        );
        battery.soc_kwh = rating.next_soc_kwh(battery.soc_kwh, p, dt_h);
        *power = DevicePower {
            p_kw: p,
            q_kvar: 0.0,
        };
    }
}
