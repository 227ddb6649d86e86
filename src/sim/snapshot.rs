//! The neighbourhood's state at one instant, as pure functions: the
//! environment (sun, air, wind) and each device's power.
//!
//! Until the time-series models land these are the deterministic "typical
//! day" versions: clear sky, the scenario's mean wind, the H0 mean demand,
//! and batteries and cars idle. The ECS pipeline and `microgrid powerflow`
//! both use them, so the window and the CLI agree.

use chrono::{Datelike, NaiveDateTime, Timelike};
use num_complex::Complex64;

use crate::physics::{demand, solar, wind};
use crate::scenario::{Built, Device, DeviceKind, Scenario};

/// Weather and sun at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Environment {
    /// Sun zenith angle, degrees (over 90 at night).
    pub sun_zenith_deg: f64,
    /// Sun azimuth, degrees clockwise from north.
    pub sun_azimuth_deg: f64,
    /// Global horizontal irradiance, W/m2.
    pub ghi_w_m2: f64,
    /// Direct normal irradiance, W/m2.
    pub dni_w_m2: f64,
    /// Diffuse horizontal irradiance, W/m2.
    pub dhi_w_m2: f64,
    /// Air temperature, C.
    pub air_c: f64,
    /// Wind speed at the scenario's reference height, m/s.
    pub wind_m_s: f64,
    /// Cloud cover, oktas (0 clear, 8 overcast).
    pub cloud_oktas: f64,
}

impl Environment {
    /// No light at all (night): every array gives nothing.
    pub fn is_dark(&self) -> bool {
        self.ghi_w_m2 <= 0.0 && self.dni_w_m2 <= 0.0 && self.dhi_w_m2 <= 0.0
    }

    /// The sun's direction as the plane-of-array geometry takes it.
    pub fn sun_facing(&self) -> solar::Facing {
        solar::Facing::new(self.sun_zenith_deg, self.sun_azimuth_deg)
    }
}

/// The sun over the scenario's location at local time `time` (below the
/// horizon, at zenith 180 degrees, for times SPA cannot handle).
pub fn sun_at(scenario: &Scenario, time: NaiveDateTime) -> solar::SunPosition {
    let loc = scenario.location;
    solar::sun_position(
        time,
        loc.utc_offset_hours,
        loc.latitude_deg,
        loc.longitude_deg,
    )
    .unwrap_or(solar::SunPosition::BELOW_HORIZON)
}

/// The scenario's place and clock, for a [`SunTrack`](crate::physics::sun_track::SunTrack).
pub fn observer(scenario: &Scenario) -> crate::physics::sun_track::Observer {
    let loc = scenario.location;
    crate::physics::sun_track::Observer {
        utc_offset_hours: loc.utc_offset_hours,
        latitude_deg: loc.latitude_deg,
        longitude_deg: loc.longitude_deg,
    }
}

/// Hours since midnight, with minutes as a fraction.
pub fn hour_of_day(time: NaiveDateTime) -> f64 {
    f64::from(time.hour()) + f64::from(time.minute()) / 60.0
}

/// The environment at local time `time` for a scenario (clear sky, mean wind).
pub fn environment_at(scenario: &Scenario, time: NaiveDateTime) -> Environment {
    let sun = sun_at(scenario, time);
    let ghi = solar::clear_sky_ghi_w_m2(sun.zenith_deg);
    let (dni, dhi) = solar::erbs(ghi, sun.zenith_deg, time.ordinal());
    let hour = hour_of_day(time);
    Environment {
        sun_zenith_deg: sun.zenith_deg,
        sun_azimuth_deg: sun.azimuth_deg,
        ghi_w_m2: ghi,
        dni_w_m2: dni,
        dhi_w_m2: dhi,
        air_c: solar::typical_air_temperature_c(time.ordinal(), hour),
        wind_m_s: scenario.weather.mean_wind_m_s,
        cloud_oktas: 0.0,
    }
}

/// A device's power in kW and kvar, consumer frame (positive consumes,
/// negative generates).
pub fn device_power(
    device: &Device,
    scenario: &Scenario,
    env: &Environment,
    time: NaiveDateTime,
) -> Complex64 {
    device_power_facing(device, scenario, env, (&env.sun_facing(), None), time)
}

/// What a household, PV array or turbine gives from the moment it is
/// placed, before its first step (`None` for a battery or a car, which
/// start idle): an edit's preview and a paused window's rebuild both
/// take a new device as this.
pub fn start_power(
    device: &Device,
    scenario: &Scenario,
    env: &Environment,
    time: NaiveDateTime,
) -> Option<Complex64> {
    matches!(
        device.kind,
        DeviceKind::Household { .. } | DeviceKind::Pv(_) | DeviceKind::Wind { .. }
    )
    .then(|| device_power(device, scenario, env, time))
}

/// [`device_power`] with the sun's direction worked out once for many
/// devices, and a PV array's own facing too (`panel`; from its tilt and
/// azimuth where `None`): the same figure, without two sines and cosines
/// an array and a step (4 % of a year).
pub fn device_power_facing(
    device: &Device,
    scenario: &Scenario,
    env: &Environment,
    (sun, panel): (&solar::Facing, Option<&solar::Facing>),
    time: NaiveDateTime,
) -> Complex64 {
    match &device.kind {
        DeviceKind::Household {
            annual_kwh,
            power_factor,
            ..
        } => {
            let p = demand::household_kw(*annual_kwh, time);
            let q = p * (1.0 / (power_factor * power_factor) - 1.0).max(0.0).sqrt();
            Complex64::new(p, q)
        }
        DeviceKind::Pv(_) if env.is_dark() => Complex64::ZERO,
        DeviceKind::Pv(pv) => {
            let poa = solar::irradiance_on(
                env.ghi_w_m2,
                env.dni_w_m2,
                env.dhi_w_m2,
                sun,
                &panel
                    .copied()
                    .unwrap_or_else(|| solar::Facing::new(pv.tilt_deg, pv.azimuth_deg)),
            );
            Complex64::new(-solar::pv_ac_kw(poa, env.air_c, pv.kwp), 0.0)
        }
        DeviceKind::Wind {
            curve,
            hub_height_m,
        } => {
            let w = &scenario.weather;
            let v = wind::wind_at_height(
                env.wind_m_s,
                w.wind_reference_height_m,
                *hub_height_m,
                w.shear_exponent,
            );
            Complex64::new(-curve.power_at_kw(v), 0.0)
        }
        DeviceKind::Battery(_) | DeviceKind::Ev(_) => Complex64::ZERO,
    }
}

/// Every device's power at `time`, in the order of `built.devices`.
pub fn device_powers_at(built: &Built, time: NaiveDateTime) -> (Environment, Vec<Complex64>) {
    let env = environment_at(&built.scenario, time);
    let powers = built
        .devices
        .iter()
        .map(|d| device_power(d, &built.scenario, &env, time))
        .collect();
    (env, powers)
}

/// Sums device powers (kW, kvar) into per-bus consumption in MVA for the solver.
pub fn bus_consumption_mva(
    bus_count: usize,
    devices: impl IntoIterator<Item = (usize, Complex64)>,
) -> Vec<Complex64> {
    let mut out = vec![Complex64::ZERO; bus_count];
    for (bus, kva) in devices {
        if let Some(slot) = out.get_mut(bus) {
            *slot += kva / 1000.0;
        }
    }
    out
}

/// Per-bus, per-phase consumption in MW + j Mvar from device powers in kVA,
/// each spread over the phases by its shares.
pub fn bus_phase_consumption_mva(
    bus_count: usize,
    devices: impl IntoIterator<Item = (usize, [f64; 3], Complex64)>,
) -> Vec<[Complex64; 3]> {
    let mut out = vec![[Complex64::ZERO; 3]; bus_count];
    for (bus, shares, kva) in devices {
        if let Some(slot) = out.get_mut(bus) {
            for (phase, share) in slot.iter_mut().zip(shares) {
                *phase += kva * share / 1000.0;
            }
        }
    }
    out
}
