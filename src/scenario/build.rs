//! From a parsed [`Scenario`] to the electrical [`Network`] and its devices,
//! checking every reference, name and the topology on the way (every bus
//! connected; loops allowed up to [`super::MAX_LOOPS`]).

use std::collections::HashMap;

use super::error::Locator;
use super::{
    Ev, HOUSEHOLD_HEAVY_PHASE_SHARE, House, LV_BUSBAR_NAME, MAX_BUSES, MAX_EVENTS, MAX_HOUSES,
    MAX_NAME_CHARS, MAX_TURBINES, MAX_VISITING_CARS, MV_BUS_NAME, Phase, PhaseModel, Pv,
    SINGLE_PHASE_MAX_KVA, Scenario, ScenarioError, WindTurbine, generate,
};
use crate::network::catalogue::{STANDARD_CABLES, STANDARD_TRANSFORMERS, standard_transformer};
use crate::network::{
    Bus, CableType, ExtGrid, Line, Network, TopologyError, Transformer, TransformerType,
    check_radial,
};
use crate::physics::wind::{PowerCurve, power_curve, turbine_models};

/// What a device is, with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceKind {
    /// Household demand (annual kWh, power factor, critical share).
    Household {
        /// Yearly energy, kWh.
        annual_kwh: f64,
        /// Inductive power factor.
        power_factor: f64,
        /// Share served to the last in an island.
        critical_share: f64,
    },
    /// Rooftop PV.
    Pv(Pv),
    /// Home battery.
    Battery(super::Battery),
    /// Electric car and charger.
    Ev(Ev),
    /// Wind turbine with its power curve and hub height.
    Wind {
        /// Interpolated power curve.
        curve: &'static PowerCurve,
        /// Hub height, m.
        hub_height_m: f64,
    },
}

/// A device placed in the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Name shown to users (the house's name for its PV, battery and car).
    pub name: String,
    /// Index of the house it belongs to, if any.
    pub house: Option<usize>,
    /// Bus it connects to.
    pub bus: usize,
    /// Position in metres.
    pub position_m: [f64; 2],
    /// What it is.
    pub kind: DeviceKind,
    /// For a visiting car (an EV fleet): when it is plugged in, and its
    /// state of charge on arrival.
    pub visit: Option<Visit>,
    /// Its share of its power on phases A, B and C (a third each in a
    /// balanced scenario).
    pub phases: [f64; 3],
}

impl Device {
    /// What makes a device the same device across an edit: its kind and
    /// its name (the house's for its PV, battery and car).
    pub fn identity(&self) -> (u8, &str) {
        let kind = match self.kind {
            DeviceKind::Household { .. } => 0,
            DeviceKind::Pv(_) => 1,
            DeviceKind::Battery(_) => 2,
            DeviceKind::Ev(_) => 3,
            DeviceKind::Wind { .. } => 4,
        };
        (kind, self.name.as_str())
    }
}

/// A car's one-off visit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visit {
    /// Arrival.
    pub from: chrono::NaiveDateTime,
    /// Departure.
    pub until: chrono::NaiveDateTime,
    /// State of charge on arrival, share of the battery.
    pub arrival_soc: f64,
}

/// A scenario made concrete: the network and everything connected to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    /// The scenario with any generated streets written out.
    pub scenario: Scenario,
    /// The electrical network.
    pub network: Network,
    /// Devices in a stable order (house by house, then turbines).
    pub devices: Vec<Device>,
    /// The weather series named by `weather.series`, once loaded (see [`super::load_and_build`]).
    pub weather_series: Option<std::sync::Arc<super::series::WeatherSeries>>,
    /// The price series named by `tariff.series`, once loaded.
    pub price_series: Option<std::sync::Arc<super::series::TimeSeries>>,
    /// The compact generated form the scenario was written in (and was
    /// not locked as a whole), so that saving can keep it compact while
    /// its part is not edited ([`super::generate::compact`]).
    pub generated_from: Option<super::generate::Generated>,
}

impl Built {
    /// `self` (an edited or switched copy of `from`'s scenario, built
    /// again) with what `from` had that the scenario text does not hold:
    /// its loaded series and the compact form it was written in.
    pub fn carrying_over(mut self, from: &Built) -> Self {
        self.weather_series = from.weather_series.clone();
        self.price_series = from.price_series.clone();
        self.generated_from = from.generated_from.clone();
        self
    }

    /// Number of houses.
    pub fn house_count(&self) -> usize {
        self.scenario.houses.len()
    }

    /// House `house`'s demand device: where the house stands and its bus.
    pub fn household(&self, house: usize) -> Option<&Device> {
        self.devices
            .iter()
            .find(|d| d.house == Some(house) && matches!(d.kind, DeviceKind::Household { .. }))
    }
    /// One-line summary for `microgrid check`.
    pub fn summary(&self) -> String {
        let mut kwp = 0.0;
        let mut wind_kw = 0.0;
        let mut storage_kwh = 0.0;
        let mut evs = 0;
        for d in &self.devices {
            match &d.kind {
                DeviceKind::Pv(p) => kwp += p.kwp,
                DeviceKind::Wind { curve, .. } => wind_kw += curve.rated_kw,
                DeviceKind::Battery(b) => storage_kwh += b.capacity_kwh,
                DeviceKind::Ev(_) => evs += 1,
                DeviceKind::Household { .. } => {}
            }
        }
        format!(
            "{}: {} houses, {} buses, {:.1} kWp PV, {:.1} kW wind, {:.1} kWh storage, {} EVs",
            self.scenario.name,
            self.house_count(),
            self.network.buses.len(),
            kwp,
            wind_kw,
            storage_kwh,
            evs
        )
    }
}

/// Checks a scenario and builds its network. `file` and `text` locate errors;
/// pass an empty text for scenarios made in code. At most
/// [`super::error::MAX_ERRORS`] errors come back, the last saying how many
/// more there were.
pub fn build(scenario: &Scenario, file: &str, text: &str) -> Result<Built, Vec<ScenarioError>> {
    let loc = Locator::new(file, text);
    build_located(scenario, &loc).map_err(|errors| loc.bounded(errors))
}

fn build_located(scenario: &Scenario, loc: &Locator) -> Result<Built, Vec<ScenarioError>> {
    let mut errors = Vec::new();

    if let Some(g) = &scenario.generated {
        errors.extend(g.problems().into_iter().map(|m| loc.error(m)));
        let explicit = scenario.houses.len();
        if explicit + g.house_count() > MAX_HOUSES && explicit <= MAX_HOUSES {
            errors.push(loc.error(format!(
                "the scenario has {} houses with the generated ones, more than the limit of {MAX_HOUSES}",
                explicit + g.house_count()
            )));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let s = generate::expand(scenario);
    errors.extend(s.prices.problems().into_iter().map(|m| loc.error(m)));
    check_counts(&s, loc, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }

    let transformer = resolve_transformer(&s, loc, &mut errors);
    let mut cables: HashMap<&str, CableType> =
        STANDARD_CABLES.iter().map(|(n, c)| (*n, *c)).collect();
    for (name, spec) in &s.cable_types {
        cables.insert(name.as_str(), (*spec).into());
    }

    // Buses: the MV side of the transformer, the LV busbar, then every feeder's buses.
    let lv_kv = transformer.map_or(0.4, |t| t.vn_lv_kv);
    let mut buses = vec![
        Bus {
            name: MV_BUS_NAME.into(),
            vn_kv: transformer.map_or(10.0, |t| t.vn_hv_kv),
            position_m: Some([0.0, -12.0]),
            feeder: None,
        },
        Bus {
            name: LV_BUSBAR_NAME.into(),
            vn_kv: lv_kv,
            position_m: Some([0.0, 0.0]),
            feeder: None,
        },
    ];
    let mut bus_index: HashMap<&str, usize> = HashMap::new();
    bus_index.insert(MV_BUS_NAME, 0);
    bus_index.insert(LV_BUSBAR_NAME, 1);
    let mut seen_count: HashMap<&str, usize> = HashMap::new();
    for (f, feeder) in s.feeders.iter().enumerate() {
        check_name(&feeder.name, "feeder", loc, &mut errors);
        for bus in &feeder.buses {
            check_name(&bus.name, "bus", loc, &mut errors);
            let n = seen_count.entry(bus.name.as_str()).or_insert(0);
            *n += 1;
            if bus_index.contains_key(bus.name.as_str()) {
                let reserved = bus.name == MV_BUS_NAME || bus.name == LV_BUSBAR_NAME;
                errors.push(loc.error_at(
                    "name",
                    &bus.name,
                    *n - 1,
                    if reserved {
                        format!("bus name \"{}\" is reserved for the transformer's buses; rename this bus", bus.name)
                    } else {
                        format!("bus name \"{}\" is used twice; give every bus its own name", bus.name)
                    },
                ));
                continue;
            }
            bus_index.insert(bus.name.as_str(), buses.len());
            buses.push(Bus {
                name: bus.name.clone(),
                vn_kv: lv_kv,
                position_m: bus.position_m.map(|p| [p.0, p.1]),
                feeder: Some(f),
            });
        }
    }

    let mut lines = Vec::new();
    let mut line_counts: HashMap<(&str, &str), usize> = HashMap::new();
    for feeder in &s.feeders {
        for spec in &feeder.lines {
            let nth = line_counts
                .entry((spec.from.as_str(), spec.to.as_str()))
                .or_insert(0);
            let occurrence = *nth;
            *nth += 1;
            let mut ends = [0usize; 2];
            let mut ok = true;
            for (k, (key, name)) in [("from", &spec.from), ("to", &spec.to)]
                .into_iter()
                .enumerate()
            {
                match bus_index.get(name.as_str()) {
                    Some(&0) => {
                        ok = false;
                        errors.push(loc.error_at(key, name, occurrence, format!(
                            "a cable cannot connect to \"{MV_BUS_NAME}\" (the transformer's grid side); start feeders at \"{LV_BUSBAR_NAME}\""
                        )));
                    }
                    Some(&i) => ends[k] = i,
                    None => {
                        ok = false;
                        errors.push(loc.error_at(key, name, occurrence, format!(
                            "cable {key} bus \"{name}\" does not exist; declare it in a feeder's `buses` or use \"{LV_BUSBAR_NAME}\"{}",
                            did_you_mean(loc, name, bus_index.keys().copied())
                        )));
                    }
                }
            }
            let cable = match cables.get(spec.cable.as_str()) {
                Some(c) => *c,
                None => {
                    errors.push(loc.error_at("cable", &spec.cable, 0, format!(
                        "cable type \"{}\" is unknown; use a standard type ({}) or define it in `cable_types`",
                        spec.cable,
                        STANDARD_CABLES.iter().map(|(n, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                    )));
                    continue;
                }
            };
            if ok {
                lines.push(Line {
                    name: format!("{} - {}", spec.from, spec.to),
                    from_bus: ends[0],
                    to_bus: ends[1],
                    length_km: spec.length_m / 1000.0,
                    cable_name: spec.cable.clone(),
                    cable,
                    switch_closed: spec.switch.map(|s| s == super::SwitchState::Closed),
                });
            }
        }
    }

    // Devices.
    let mut devices = Vec::new();
    let mut house_names: HashMap<&str, usize> = HashMap::new();
    for (h, house) in s.houses.iter().enumerate() {
        check_name(&house.name, "house", loc, &mut errors);
        let n = house_names.entry(house.name.as_str()).or_insert(0);
        *n += 1;
        if *n > 1 {
            errors.push(loc.error_at(
                "name",
                &house.name,
                *n - 1,
                format!(
                    "house name \"{}\" is used twice; give every house its own name",
                    house.name
                ),
            ));
        }
        let Some(bus) = device_bus(
            &house.bus,
            &house.name,
            "house",
            &bus_index,
            loc,
            &mut errors,
        ) else {
            continue;
        };
        check_phases(house, s.phases, loc, &mut errors);
        devices.extend(house_devices(house, h, bus, s.phases, s.seed));
    }
    for turbine in &s.wind_turbines {
        check_name(&turbine.name, "wind turbine", loc, &mut errors);
        let curve = power_curve(&turbine.model);
        if curve.is_none() {
            errors.push(loc.error_at(
                "model",
                &turbine.model,
                0,
                format!(
                "wind turbine model \"{}\" is unknown; use one of {}",
                turbine.model,
                turbine_models().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
            ),
            ));
        }
        let bus = device_bus(
            &turbine.bus,
            &turbine.name,
            "wind turbine",
            &bus_index,
            loc,
            &mut errors,
        );
        if let (Some(curve), Some(bus)) = (curve, bus) {
            devices.push(turbine_device(turbine, curve, bus));
        }
    }

    for event in &s.events {
        let super::TimelineEvent::EvFleet {
            from,
            until,
            bus,
            cars,
            battery_kwh,
            charger_kw,
            arrival_soc,
            v2g,
        } = event
        else {
            continue;
        };
        let Some(b) = device_bus(
            bus,
            &format!("arriving {from}"),
            "EV fleet",
            &bus_index,
            loc,
            &mut errors,
        ) else {
            continue;
        };
        let position_m = buses
            .get(b)
            .and_then(|x| x.position_m)
            .unwrap_or([0.0, 0.0]);
        for k in 0..(*cars as usize) {
            devices.push(Device {
                name: format!("Fleet car {} at {bus}", k + 1),
                house: None,
                bus: b,
                position_m,
                kind: DeviceKind::Ev(Ev {
                    battery_kwh: *battery_kwh,
                    charger_kw: *charger_kw,
                    v2g: *v2g,
                    arrive: super::ClockTime(from.0.time()),
                    depart: super::ClockTime(until.0.time()),
                    daily_km: 0.0,
                    kwh_per_km: 0.18,
                    phase: Default::default(),
                    locked: false,
                }),
                visit: Some(Visit {
                    from: from.0,
                    until: until.0,
                    arrival_soc: *arrival_soc,
                }),
                phases: Phase::Three.shares(),
            });
        }
    }
    let Some(transformer) = transformer else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let network = Network {
        buses,
        lines,
        transformer: Transformer {
            name: "Transformer".into(),
            hv_bus: 0,
            lv_bus: 1,
            type_name: s.grid.transformer.clone(),
            params: transformer,
        },
        ext_grid: ExtGrid {
            bus: 0,
            vm_pu: s.grid.vm_pu,
            va_degree: 0.0,
            strength: s.grid.strength(),
        },
    };
    check_topology(&network, &devices, loc, &mut errors);
    if errors.is_empty() {
        check_switchings(&s, &network, loc, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Built {
        scenario: s,
        network,
        devices,
        weather_series: None,
        price_series: None,
        generated_from: scenario.generated.clone().filter(|_| !scenario.locked),
    })
}

fn check_counts(s: &Scenario, loc: &Locator, errors: &mut Vec<ScenarioError>) {
    for event in &s.events {
        let (from, until) = event.interval();
        if until <= from && !matches!(event, super::TimelineEvent::SwitchLine { .. }) {
            errors.push(loc.error_at(
                "until",
                &until.format("%Y-%m-%d %H:%M").to_string(),
                0,
                format!(
                    "an event ends ({}) before it starts ({}); make `until` later than `from`",
                    until.format("%Y-%m-%d %H:%M"),
                    from.format("%Y-%m-%d %H:%M")
                ),
            ));
        }
    }
    if s.events.len() > MAX_EVENTS {
        errors.push(loc.error(format!(
            "the scenario has {} events, more than the limit of {MAX_EVENTS}; join or remove some",
            s.events.len()
        )));
    }
    // Every fleet car becomes a device of its own: count them before any is made.
    let visiting: f64 = s
        .events
        .iter()
        .map(|e| match e {
            super::TimelineEvent::EvFleet { cars, .. } => cars.floor(),
            _ => 0.0,
        })
        .sum();
    if visiting > MAX_VISITING_CARS as f64 {
        errors.push(loc.error(format!(
            "the EV fleets bring {visiting:.0} cars in all, more than the limit of {MAX_VISITING_CARS}; use fewer or smaller fleets"
        )));
    }
    let buses: usize = s.feeders.iter().map(|f| f.buses.len()).sum::<usize>() + 2;
    if buses > MAX_BUSES {
        errors.push(loc.error(format!(
            "the scenario has {buses} buses, more than the limit of {MAX_BUSES}"
        )));
    }
    if s.houses.len() > MAX_HOUSES {
        errors.push(loc.error(format!(
            "the scenario has {} houses, more than the limit of {MAX_HOUSES}",
            s.houses.len()
        )));
    }
    if s.wind_turbines.len() > MAX_TURBINES {
        errors.push(loc.error(format!(
            "the scenario has {} wind turbines, more than the limit of {MAX_TURBINES}",
            s.wind_turbines.len()
        )));
    }
    check_name(&s.name, "scenario", loc, errors);
}

fn check_name(name: &str, what: &str, loc: &Locator, errors: &mut Vec<ScenarioError>) {
    if name.trim().is_empty() {
        errors.push(loc.error_at(
            "name",
            name,
            0,
            format!("a {what} has an empty name; give it a name"),
        ));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(loc.error(format!(
            "a {what} name is longer than {MAX_NAME_CHARS} characters; shorten it"
        )));
    }
}

fn resolve_transformer(
    s: &Scenario,
    loc: &Locator,
    errors: &mut Vec<ScenarioError>,
) -> Option<TransformerType> {
    let name = &s.grid.transformer;
    let t = s
        .transformer_types
        .get(name)
        .map(|t| TransformerType::from(*t))
        .or_else(|| standard_transformer(name));
    let Some(t) = t else {
        errors.push(loc.error_at("transformer", name, 0, format!(
            "transformer type \"{name}\" is unknown; use a standard type ({}) or define it in `transformer_types`",
            STANDARD_TRANSFORMERS.iter().map(|(n, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
        )));
        return None;
    };
    if t.vkr_percent >= t.vk_percent {
        errors.push(loc.error(format!(
            "transformer type \"{name}\" has vkr_percent {} not below vk_percent {}; the resistive part must be smaller",
            t.vkr_percent, t.vk_percent
        )));
    }
    if t.vn_lv_kv >= t.vn_hv_kv {
        errors.push(loc.error(format!(
            "transformer type \"{name}\" has vn_lv_kv {} not below vn_hv_kv {}; swap them",
            t.vn_lv_kv, t.vn_hv_kv
        )));
    }
    let zero = t.zero_sequence();
    if zero.vkr0_percent >= zero.vk0_percent {
        errors.push(loc.error(format!(
            "transformer type \"{name}\" has a zero-sequence vkr0_percent {} not below vk0_percent {}; the resistive part must be smaller",
            zero.vkr0_percent, zero.vk0_percent
        )));
    }
    if t.vector_group == crate::network::VectorGroup::YNyn
        && t.shift_degree.rem_euclid(360.0) != 0.0
    {
        errors.push(loc.error(format!(
            "transformer type \"{name}\" is YNyn with a phase shift of {} degrees; the sandbox models YNyn0 only (shift_degree 0)",
            t.shift_degree
        )));
    }
    if let Some(mv) = s.grid.mv_kv
        && (mv - t.vn_hv_kv).abs() > 1e-9
    {
        errors.push(loc.error(format!(
            "grid.mv_kv is {mv} kV but transformer \"{name}\" is rated {} kV on its grid side; choose a {mv} kV transformer or remove mv_kv",
            t.vn_hv_kv
        )));
    }
    Some(t)
}

fn device_bus(
    bus: &str,
    owner: &str,
    what: &str,
    bus_index: &HashMap<&str, usize>,
    loc: &Locator,
    errors: &mut Vec<ScenarioError>,
) -> Option<usize> {
    match bus_index.get(bus) {
        Some(&0) => {
            errors.push(loc.error_at("bus", bus, 0, format!(
                "{what} \"{owner}\" is on \"{MV_BUS_NAME}\", the grid side of the transformer; connect it to a low-voltage bus"
            )));
            None
        }
        Some(&i) => Some(i),
        None => {
            errors.push(loc.error_at("bus", bus, 0, format!(
                "{what} \"{owner}\" is on bus \"{bus}\", which does not exist; declare the bus in a feeder{}",
                did_you_mean(loc, bus, bus_index.keys().copied())
            )));
            None
        }
    }
}

fn house_devices(
    house: &House,
    index: usize,
    bus: usize,
    model: PhaseModel,
    seed: u64,
) -> Vec<Device> {
    let pos = house.position_m.xy();
    let device = |kind, phase: Phase| Device {
        name: house.name.clone(),
        house: Some(index),
        bus,
        position_m: pos,
        kind,
        visit: None,
        phases: match model {
            PhaseModel::Balanced => Phase::Three.shares(),
            PhaseModel::Unbalanced => phase.shares(),
        },
    };
    let mut household = device(
        DeviceKind::Household {
            annual_kwh: house.annual_kwh,
            power_factor: house.power_factor,
            critical_share: house.critical_share,
        },
        house.phase,
    );
    if model == PhaseModel::Unbalanced && house.phase == Phase::Three {
        household.phases = house
            .load_shares
            .unwrap_or_else(|| household_phase_shares(seed, &house.name));
    }
    let mut out = vec![household];
    out.extend(house.pv.map(|p| device(DeviceKind::Pv(p), p.phase)));
    out.extend(
        house
            .battery
            .map(|b| device(DeviceKind::Battery(b), b.phase)),
    );
    out.extend(house.ev.map(|e| device(DeviceKind::Ev(e), e.phase)));
    out
}

/// A three-phase house's load over phases A, B and C in an unbalanced
/// scenario: [`HOUSEHOLD_HEAVY_PHASE_SHARE`] on the phase drawn from the
/// seed and the house's name (so it stays when other houses come or go),
/// the rest split over the other two.
pub fn household_phase_shares(seed: u64, house: &str) -> [f64; 3] {
    // FNV-1a over the name, then SplitMix64's finaliser with the seed.
    let name = house.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    });
    let mut z = seed ^ name.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let mut shares = [(1.0 - HOUSEHOLD_HEAVY_PHASE_SHARE) / 2.0; 3];
    shares[(z % 3) as usize] = HOUSEHOLD_HEAVY_PHASE_SHARE;
    shares
}

/// A house's phases: single phases only in an unbalanced scenario, a
/// single-phase house's units on its phase, single-phase units within
/// [`SINGLE_PHASE_MAX_KVA`].
fn check_phases(house: &House, model: PhaseModel, loc: &Locator, errors: &mut Vec<ScenarioError>) {
    let mut problem = |message: String| {
        errors.push(loc.error_at("name", &house.name, 0, message));
    };
    let name = &house.name;
    let units = [
        (
            "PV inverter",
            house
                .pv
                .map(|p| (p.phase, p.kwp / crate::physics::solar::DC_AC_RATIO)),
        ),
        ("battery", house.battery.map(|b| (b.phase, b.power_kw))),
        ("car charger", house.ev.map(|e| (e.phase, e.charger_kw))),
    ];
    let single = !house.phase.is_three()
        || units
            .iter()
            .any(|(_, u)| u.is_some_and(|(phase, _)| !phase.is_three()));
    if model == PhaseModel::Balanced && single {
        problem(format!(
            "house \"{name}\" puts something on one phase, but the scenario is balanced (every device draws evenly from the three phases); add `phases: Unbalanced` to the scenario"
        ));
        return;
    }
    if let Some(shares) = house.load_shares {
        let each = shares
            .iter()
            .all(|s| s.is_finite() && (0.0..=1.0).contains(s));
        if model == PhaseModel::Balanced {
            problem(format!(
                "house \"{name}\" spreads its load over the phases (load_shares), but the scenario is balanced; add `phases: Unbalanced` to the scenario"
            ));
        } else if !house.phase.is_three() {
            problem(format!(
                "house \"{name}\" is connected on phase {} only, so it has no load_shares to give",
                house.phase.label()
            ));
        } else if !each || (shares.iter().sum::<f64>() - 1.0).abs() > 1e-6 {
            problem(format!(
                "house \"{name}\": load_shares {shares:?} must each be 0 to 1 and add up to 1"
            ));
        }
    }
    for (what, unit) in units {
        let Some((phase, kva)) = unit else { continue };
        if !house.phase.is_three() && phase != house.phase {
            problem(format!(
                "house \"{name}\" is connected on phase {} only, so its {what} must be on phase {} too, not {}",
                house.phase.label(),
                house.phase.label(),
                if phase.is_three() {
                    "three-phase".to_owned()
                } else {
                    format!("phase {}", phase.label())
                }
            ));
        }
        if !phase.is_three() && kva > SINGLE_PHASE_MAX_KVA + 1e-9 {
            problem(format!(
                "house \"{name}\": a single-phase {what} is at most {SINGLE_PHASE_MAX_KVA} kVA (VDE-AR-N 4105), this one is {kva:.1}; make it three-phase or smaller"
            ));
        }
    }
}

fn turbine_device(t: &WindTurbine, curve: &'static PowerCurve, bus: usize) -> Device {
    Device {
        phases: Phase::Three.shares(),
        name: t.name.clone(),
        house: None,
        bus,
        position_m: t.position_m.xy(),
        kind: DeviceKind::Wind {
            curve,
            hub_height_m: t.hub_height_m,
        },
        visit: None,
    }
}

/// Each `SwitchLine` event names a cable, and no switching state on the
/// timeline cuts a bus off (checked in time order, each from the last).
fn check_switchings(
    s: &Scenario,
    network: &Network,
    loc: &Locator,
    errors: &mut Vec<ScenarioError>,
) {
    let mut events: Vec<(&super::DateTime, &str, &str, super::SwitchState)> = s
        .events
        .iter()
        .filter_map(|e| match e {
            super::TimelineEvent::SwitchLine {
                at,
                from,
                to,
                switch,
            } => Some((at, from.as_str(), to.as_str(), *switch)),
            _ => None,
        })
        .collect();
    if events.is_empty() {
        return;
    }
    events.sort_by_key(|e| e.0.0);
    let mut net = network.clone();
    for (nth, (at, from, to, switch)) in events.into_iter().enumerate() {
        let found = net.lines.iter().position(|l| {
            let (a, b) = (&net.buses[l.from_bus].name, &net.buses[l.to_bus].name);
            (a == from && b == to) || (a == to && b == from)
        });
        let Some(k) = found else {
            errors.push(loc.error_at("from", from, 0, format!(
                "SwitchLine number {} names a cable from \"{from}\" to \"{to}\" that does not exist; name the two buses of a cable",
                nth + 1
            )));
            continue;
        };
        net.lines[k].switch_closed = Some(switch == super::SwitchState::Closed);
        let cut: Vec<&str> = check_radial(&net)
            .iter()
            .filter_map(|p| match p {
                TopologyError::Disconnected { bus } => Some(net.buses[*bus].name.as_str()),
                _ => None,
            })
            .take(3)
            .collect();
        if !cut.is_empty() {
            errors.push(loc.error_at("from", from, 0, format!(
                "opening the switch between \"{from}\" and \"{to}\" at {} would cut off {}; close another switch first or switch elsewhere",
                at.0.format("%Y-%m-%d %H:%M"),
                cut.join(", ")
            )));
            return;
        }
    }
}

fn check_topology(
    network: &Network,
    devices: &[Device],
    loc: &Locator,
    errors: &mut Vec<ScenarioError>,
) {
    let problems = check_radial(network);
    let mut disconnected = vec![false; network.buses.len()];
    let mut loops = 0usize;
    let any_open = network.lines.iter().any(|l| !l.in_service());
    for p in &problems {
        match *p {
            TopologyError::SelfLoop { line } => {
                let l = &network.lines[line];
                errors.push(loc.error_at("to", &network.buses[l.to_bus].name, 0, format!(
                    "the cable \"{}\" starts and ends at the same bus; connect two different buses", l.name
                )));
            }
            // A meshed network is solved by compensation; only their number is capped.
            TopologyError::Loop { line } => {
                loops += 1;
                if loops == super::MAX_LOOPS + 1 {
                    let l = &network.lines[line];
                    errors.push(loc.error_at("to", &network.buses[l.to_bus].name, 0, format!(
                        "the cable from \"{}\" to \"{}\" closes loop number {}, more than the limit of {}; remove some of the cables that close loops",
                        network.buses[l.from_bus].name, network.buses[l.to_bus].name, loops, super::MAX_LOOPS
                    )));
                }
            }
            TopologyError::Disconnected { bus } => disconnected[bus] = true,
        }
    }
    for (i, bus) in network.buses.iter().enumerate() {
        if disconnected[i] {
            errors.push(loc.error_at("name", &bus.name, 0, format!(
                "bus \"{}\" is not connected to \"{LV_BUSBAR_NAME}\" by any chain of cables{}; add a cable to it or remove it",
                bus.name,
                if any_open { " in service (an open switch may cut it off: close it)" } else { "" }
            )));
        }
    }
    for d in devices {
        if disconnected[d.bus]
            && !matches!(
                d.kind,
                DeviceKind::Pv(_) | DeviceKind::Battery(_) | DeviceKind::Ev(_)
            )
        {
            errors.push(loc.error_at("name", &d.name, 0, format!(
                "\"{}\" is connected to bus \"{}\", which has no cable path to the transformer, so it would be disconnected; connect the bus",
                d.name, network.buses[d.bus].name
            )));
        }
    }
}

/// ", did you mean \"X\"?" for the closest known name, if close enough
/// (nothing once the locator is full: the error will not be shown).
fn did_you_mean<'a>(loc: &Locator, name: &str, known: impl Iterator<Item = &'a str>) -> String {
    if loc.is_full() {
        return String::new();
    }
    let lower = name.to_lowercase();
    known
        .map(|k| (edit_distance(&lower, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| format!(" (did you mean \"{k}\"?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
