//! The compact generated form: "40 streets of 25 houses, 60 % with PV ...".
//!
//! [`expand`] turns it into explicit feeders and houses, deterministically from
//! the scenario's seed. Layout: streets run east and west of a north-south
//! trunk through the transformer, 40 m apart; each house hangs off a street
//! bus by its own service cable, as in the Kerber reference grids.

use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use super::{
    Battery, BusSpec, Ev, Feeder, House, LV_BUSBAR_NAME, LineSpec, MAX_HOUSES, MAX_TURBINES,
    Position, Pv, Scenario, WindTurbine, checked,
};

/// Distance between neighbouring streets, m.
const STREET_PITCH_M: f64 = 40.0;

/// Parameters of a generated town.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generated {
    /// Number of streets, each its own feeder from the LV busbar.
    #[serde(deserialize_with = "streets")]
    pub streets: u32,
    /// Houses along each street.
    #[serde(deserialize_with = "houses_per_street")]
    pub houses_per_street: u32,
    /// Distance between neighbouring houses along a street, m.
    #[serde(default = "d_spacing", deserialize_with = "checked::spacing_m")]
    pub house_spacing_m: f64,
    /// Cable type along the streets.
    #[serde(default = "d_street_cable")]
    pub street_cable: String,
    /// Cable type from street to house.
    #[serde(default = "d_service_cable")]
    pub service_cable: String,
    /// Length of each service cable, m.
    #[serde(default = "d_service_length", deserialize_with = "checked::length_m")]
    pub service_length_m: f64,
    /// Yearly demand per house, drawn uniformly from this range (kWh).
    #[serde(default = "d_annual")]
    pub annual_kwh: Range,
    /// Share of houses with rooftop PV.
    #[serde(default = "d_pv_share", deserialize_with = "checked::share")]
    pub pv_share: f64,
    /// PV size drawn uniformly from this range (kWp).
    #[serde(default = "d_pv_kwp")]
    pub pv_kwp: Range,
    /// Share of houses with a home battery.
    #[serde(default = "d_battery_share", deserialize_with = "checked::share")]
    pub battery_share: f64,
    /// The home battery they get.
    #[serde(default = "d_battery")]
    pub battery: Battery,
    /// Share of houses with an electric car.
    #[serde(default = "d_ev_share", deserialize_with = "checked::share")]
    pub ev_share: f64,
    /// Share of those cars whose owners allow vehicle-to-grid.
    #[serde(default = "d_v2g_share", deserialize_with = "checked::share")]
    pub v2g_share: f64,
    /// Small wind turbines at the ends of the first streets.
    #[serde(default, deserialize_with = "turbines")]
    pub wind_turbines: u32,
    /// Their power-curve model.
    #[serde(default = "d_wind_model")]
    pub wind_model: String,
}

/// An inclusive range `(min, max)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
}

fn checked_u32<'de, D: Deserializer<'de>>(
    d: D,
    min: u32,
    max: u32,
    what: &str,
) -> Result<u32, D::Error> {
    let v = i64::deserialize(d)?;
    if v < i64::from(min) || v > i64::from(max) {
        return Err(D::Error::custom(format!(
            "{what} is {v}, outside the allowed range {min} to {max}; choose a value in that range"
        )));
    }
    Ok(v as u32)
}
fn streets<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    checked_u32(d, 1, 1_000, "streets")
}
fn houses_per_street<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    checked_u32(d, 1, 500, "houses_per_street")
}
fn turbines<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    checked_u32(d, 0, 100, "wind_turbines")
}
fn d_spacing() -> f64 {
    20.0
}
fn d_street_cable() -> String {
    "NAYY 4x150 SE".into()
}
fn d_service_cable() -> String {
    "NAYY 4x50 SE".into()
}
fn d_service_length() -> f64 {
    15.0
}
fn d_annual() -> Range {
    Range {
        min: 2_500.0,
        max: 5_000.0,
    }
}
fn d_pv_share() -> f64 {
    0.6
}
fn d_pv_kwp() -> Range {
    Range {
        min: 4.0,
        max: 10.0,
    }
}
fn d_battery_share() -> f64 {
    0.3
}
fn d_battery() -> Battery {
    Battery {
        capacity_kwh: 13.5,
        power_kw: 5.0,
        efficiency: 0.95,
        phase: Default::default(),
        locked: false,
    }
}
fn d_ev_share() -> f64 {
    0.25
}
fn d_v2g_share() -> f64 {
    0.5
}
fn d_wind_model() -> String {
    "Bergey Excel 10".into()
}

impl Generated {
    /// Houses this form expands to.
    pub fn house_count(&self) -> usize {
        self.streets as usize * self.houses_per_street as usize
    }

    /// Range and size problems that deserialisation cannot see, as messages.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, r, lo, hi) in [
            ("annual_kwh", self.annual_kwh, 0.0, 1_000_000.0),
            ("pv_kwp", self.pv_kwp, 0.01, 10_000.0),
        ] {
            let ok = r.min.is_finite()
                && r.max.is_finite()
                && lo <= r.min
                && r.min <= r.max
                && r.max <= hi;
            if !ok {
                out.push(format!(
                    "generated.{name} is (min: {}, max: {}); both must be numbers from {lo} to {hi} with min <= max",
                    r.min, r.max
                ));
            }
        }
        if self.house_count() > MAX_HOUSES {
            out.push(format!(
                "generated asks for {} houses ({} streets of {}), more than the limit of {MAX_HOUSES}; use fewer streets or houses",
                self.house_count(),
                self.streets,
                self.houses_per_street
            ));
        }
        if self.wind_turbines as usize > MAX_TURBINES.min(self.streets as usize) {
            out.push(format!(
                "generated.wind_turbines is {} but there are {} streets; place at most one turbine per street",
                self.wind_turbines, self.streets
            ));
        }
        out
    }
}

/// Appends the generated streets, houses and turbines to a copy of the
/// scenario and clears its `generated` field. The same seed gives the same town.
///
/// Call only after [`Generated::problems`] came back empty.
pub fn expand(scenario: &Scenario) -> Scenario {
    let mut out = expand_streets(scenario);
    // A lock on the whole neighbourhood becomes each part's own lock, so
    // that what is added later stays free (and a saved file says which).
    if std::mem::take(&mut out.locked) {
        out.grid.locked = true;
        out.feeders.iter_mut().for_each(|f| f.locked = true);
        out.wind_turbines.iter_mut().for_each(|t| t.locked = true);
        for h in &mut out.houses {
            h.locked = true;
            h.pv.iter_mut().for_each(|d| d.locked = true);
            h.battery.iter_mut().for_each(|d| d.locked = true);
            h.ev.iter_mut().for_each(|d| d.locked = true);
        }
    }
    out
}

/// The generated streets, houses and turbines first, then the explicit
/// ones (so that parts added later come after the town, as edits add them).
fn expand_streets(scenario: &Scenario) -> Scenario {
    let mut out = scenario.clone();
    let Some(g) = out.generated.take() else {
        return out;
    };
    let explicit = (
        std::mem::take(&mut out.feeders),
        std::mem::take(&mut out.houses),
        std::mem::take(&mut out.wind_turbines),
    );
    let mut rng = StdRng::seed_from_u64(scenario.seed ^ 0x6d69_6372_6f67_7269);
    let streets = g.streets as usize;
    let rows = streets.div_ceil(2);
    for s in 0..streets {
        let side = if s % 2 == 0 { 1.0 } else { -1.0 };
        let row = (s / 2) as f64 - (rows as f64 - 1.0) / 2.0;
        let y = row * STREET_PITCH_M;
        let street = format!("Street {}", s + 1);
        let mut feeder = Feeder {
            name: street.clone(),
            buses: Vec::with_capacity(2 * g.houses_per_street as usize),
            lines: Vec::with_capacity(2 * g.houses_per_street as usize),
            locked: false,
        };
        let mut previous = LV_BUSBAR_NAME.to_owned();
        for h in 0..g.houses_per_street as usize {
            let x = side * (g.house_spacing_m * (h as f64 + 1.0));
            let joint = format!("S{}-{}", s + 1, h + 1);
            // The first cable runs along the trunk to the street, then along it.
            let length_m = if h == 0 {
                y.abs() + g.house_spacing_m
            } else {
                g.house_spacing_m
            };
            feeder.buses.push(BusSpec {
                name: joint.clone(),
                position_m: Some(Position(x, y)),
            });
            feeder.lines.push(LineSpec {
                from: previous.clone(),
                to: joint.clone(),
                cable: g.street_cable.clone(),
                length_m,
                switch: None,
            });
            let north = if h % 2 == 0 { 1.0 } else { -1.0 };
            let house_pos = Position(x, y + north * g.service_length_m.min(STREET_PITCH_M / 2.5));
            let house_bus = format!("H{}-{}", s + 1, h + 1);
            feeder.buses.push(BusSpec {
                name: house_bus.clone(),
                position_m: Some(house_pos),
            });
            feeder.lines.push(LineSpec {
                from: joint.clone(),
                to: house_bus.clone(),
                cable: g.service_cable.clone(),
                length_m: g.service_length_m,
                switch: None,
            });
            out.houses.push(random_house(
                &mut rng,
                &g,
                format!("{street} No. {}", h + 1),
                house_bus,
                house_pos,
            ));
            previous = joint;
        }
        if s < g.wind_turbines as usize {
            out.wind_turbines.push(WindTurbine {
                name: format!("Turbine {}", s + 1),
                bus: previous.clone(),
                model: g.wind_model.clone(),
                hub_height_m: 24.0,
                position_m: Position(
                    side * g.house_spacing_m * (g.houses_per_street as f64 + 1.5),
                    y,
                ),
                locked: false,
            });
        }
        out.feeders.push(feeder);
    }
    out.feeders.extend(explicit.0);
    out.houses.extend(explicit.1);
    out.wind_turbines.extend(explicit.2);
    out
}

/// `current` written in the compact form `g` when the generated part of it
/// is exactly what `g` makes (the parts added or changed elsewhere written
/// out); none when an edit touched the generated part. The result expands
/// to `current` exactly, or it is not given.
pub fn compact(g: &Generated, current: &Scenario) -> Option<Scenario> {
    let town = expand_streets(&Scenario {
        feeders: Vec::new(),
        houses: Vec::new(),
        wind_turbines: Vec::new(),
        generated: Some(g.clone()),
        locked: false,
        ..current.clone()
    });
    let (f, h, t) = (
        town.feeders.len(),
        town.houses.len(),
        town.wind_turbines.len(),
    );
    let same = current.feeders.get(..f) == Some(&town.feeders[..])
        && current.houses.get(..h) == Some(&town.houses[..])
        && current.wind_turbines.get(..t) == Some(&town.wind_turbines[..]);
    if !same || current.generated.is_some() || current.locked {
        return None;
    }
    let mut out = current.clone();
    out.feeders.drain(..f);
    out.houses.drain(..h);
    out.wind_turbines.drain(..t);
    out.generated = Some(g.clone());
    (expand(&out) == *current).then_some(out)
}

fn random_house(
    rng: &mut StdRng,
    g: &Generated,
    name: String,
    bus: String,
    position_m: Position,
) -> House {
    let uniform = |rng: &mut StdRng, r: Range| {
        if r.max > r.min {
            rng.random_range(r.min..=r.max)
        } else {
            r.min
        }
    };
    let annual_kwh = (uniform(rng, g.annual_kwh) / 10.0).round() * 10.0;
    let pv = rng.random_bool(g.pv_share).then(|| Pv {
        kwp: (uniform(rng, g.pv_kwp) * 10.0).round() / 10.0,
        tilt_deg: rng.random_range(20.0..=45.0f64).round(),
        azimuth_deg: rng.random_range(120.0..=240.0f64).round(),
        phase: Default::default(),
        locked: false,
    });
    let battery = rng.random_bool(g.battery_share).then_some(g.battery);
    let ev = rng.random_bool(g.ev_share).then(|| Ev {
        battery_kwh: [50.0, 60.0, 77.0][rng.random_range(0..3usize)],
        charger_kw: [3.7, 7.4, 11.0][rng.random_range(0..3usize)],
        v2g: rng.random_bool(g.v2g_share),
        arrive: super::default_arrive(),
        depart: super::default_depart(),
        daily_km: rng.random_range(15.0..=70.0f64).round(),
        kwh_per_km: 0.18,
        phase: Default::default(),
        locked: false,
    });
    House {
        name,
        bus,
        annual_kwh,
        position_m,
        critical_share: 0.3,
        power_factor: 0.97,
        pv,
        battery,
        ev,
        phase: Default::default(),
        locked: false,
        order: None,
        load_shares: None,
    }
}
