//! Edits as data: each [`Edit`] is a function from one [`Scenario`] to the
//! next, and [`apply`] puts the result through the very checks a scenario
//! file gets (it is written out as RON and read back), so that the mouse,
//! undo, save, scripts and tests share one path and a refused edit changes
//! nothing.

use serde::{Deserialize, Serialize};

use super::{
    Battery, ClockTime, Ev, House, Position, Pv, Scenario, ScenarioError, WindTurbine, parse,
};

/// One change to a neighbourhood. Houses and turbines are named as in the
/// scenario; a house's PV, battery and car are named by their house.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Edit {
    /// Rooftop PV on a house that has none.
    AddPv {
        /// The house.
        house: String,
        /// Peak power, kW.
        kwp: f64,
        /// Tilt from horizontal, degrees.
        #[serde(default = "default_tilt")]
        tilt_deg: f64,
        /// Azimuth clockwise from north, degrees (180 south).
        #[serde(default = "default_azimuth")]
        azimuth_deg: f64,
    },
    /// A home battery in a house that has none.
    AddBattery {
        /// The house.
        house: String,
        /// Usable energy, kWh.
        capacity_kwh: f64,
        /// Inverter power, kW.
        power_kw: f64,
        /// One-way efficiency.
        #[serde(default = "default_efficiency")]
        efficiency: f64,
    },
    /// An electric car for a house that has none.
    AddCar {
        /// The house.
        house: String,
        /// Battery, kWh.
        #[serde(default = "default_car_battery")]
        battery_kwh: f64,
        /// Home charger, kW.
        #[serde(default = "default_charger")]
        charger_kw: f64,
        /// Whether the owner allows vehicle-to-grid.
        #[serde(default)]
        v2g: bool,
        /// Distance driven a day, km.
        #[serde(default = "default_daily_km")]
        daily_km: f64,
    },
    /// A new house connected to an existing bus.
    AddHouse {
        /// Its name (unique).
        name: String,
        /// The bus its service cable joins.
        bus: String,
        /// Yearly demand, kWh.
        #[serde(default = "default_annual_kwh")]
        annual_kwh: f64,
        /// Where it stands, metres (next to its bus when not given).
        #[serde(default)]
        position_m: Option<(f64, f64)>,
    },
    /// A small wind turbine on an existing bus.
    AddTurbine {
        /// Its name (unique).
        name: String,
        /// The bus it feeds.
        bus: String,
        /// Power-curve model.
        #[serde(default = "default_turbine_model")]
        model: String,
        /// Hub height, m.
        #[serde(default = "default_hub_height")]
        hub_height_m: f64,
        /// Where it stands, metres (next to its bus when not given).
        #[serde(default)]
        position_m: Option<(f64, f64)>,
    },
    /// Takes a house away with its PV, battery and car.
    RemoveHouse {
        /// The house.
        house: String,
    },
    /// Takes a house's PV away.
    RemovePv {
        /// The house.
        house: String,
    },
    /// Takes a house's battery away.
    RemoveBattery {
        /// The house.
        house: String,
    },
    /// Takes a house's car away.
    RemoveCar {
        /// The house.
        house: String,
    },
    /// Takes a turbine away.
    RemoveTurbine {
        /// The turbine.
        name: String,
    },
    /// Changes what a house asks for.
    SetHouse {
        /// The house.
        house: String,
        /// Yearly demand, kWh.
        #[serde(default)]
        annual_kwh: Option<f64>,
        /// Share of the demand served to the last in an island.
        #[serde(default)]
        critical_share: Option<f64>,
    },
    /// Changes a house's PV.
    SetPv {
        /// The house.
        house: String,
        /// Peak power, kW.
        #[serde(default)]
        kwp: Option<f64>,
        /// Tilt, degrees.
        #[serde(default)]
        tilt_deg: Option<f64>,
        /// Azimuth, degrees.
        #[serde(default)]
        azimuth_deg: Option<f64>,
    },
    /// Changes a house's battery.
    SetBattery {
        /// The house.
        house: String,
        /// Usable energy, kWh.
        #[serde(default)]
        capacity_kwh: Option<f64>,
        /// Inverter power, kW.
        #[serde(default)]
        power_kw: Option<f64>,
        /// One-way efficiency.
        #[serde(default)]
        efficiency: Option<f64>,
    },
    /// Changes a house's car.
    SetCar {
        /// The house.
        house: String,
        /// Battery, kWh.
        #[serde(default)]
        battery_kwh: Option<f64>,
        /// Charger, kW.
        #[serde(default)]
        charger_kw: Option<f64>,
        /// Vehicle-to-grid allowed.
        #[serde(default)]
        v2g: Option<bool>,
        /// Distance a day, km.
        #[serde(default)]
        daily_km: Option<f64>,
    },
    /// Changes a turbine.
    SetTurbine {
        /// The turbine.
        name: String,
        /// Power-curve model.
        #[serde(default)]
        model: Option<String>,
        /// Hub height, m.
        #[serde(default)]
        hub_height_m: Option<f64>,
    },
    /// Puts in another transformer type.
    SetTransformer {
        /// A standard type or one of the scenario's `transformer_types`.
        transformer: String,
    },
}

fn default_tilt() -> f64 {
    30.0
}
fn default_azimuth() -> f64 {
    180.0
}
fn default_efficiency() -> f64 {
    0.95
}
fn default_car_battery() -> f64 {
    60.0
}
fn default_charger() -> f64 {
    11.0
}
fn default_daily_km() -> f64 {
    40.0
}
fn default_annual_kwh() -> f64 {
    3500.0
}
fn default_turbine_model() -> String {
    "Bergey Excel 10".to_owned()
}
fn default_hub_height() -> f64 {
    24.0
}

/// Trims a number for a description: "6.5", "11", "0.95".
fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl Edit {
    /// What the edit does, for the history list ("Added 6.5 kWp PV to Lindenweg 9").
    pub fn describe(&self) -> String {
        match self {
            Self::AddPv { house, kwp, .. } => format!("Added {} kWp PV to {house}", num(*kwp)),
            Self::AddBattery {
                house,
                capacity_kwh,
                power_kw,
                ..
            } => format!(
                "Added a {} kWh / {} kW battery to {house}",
                num(*capacity_kwh),
                num(*power_kw)
            ),
            Self::AddCar { house, v2g, .. } => format!(
                "Added an electric car{} to {house}",
                if *v2g { " (vehicle-to-grid)" } else { "" }
            ),
            Self::AddHouse { name, bus, .. } => format!("Added house {name} at {bus}"),
            Self::AddTurbine { name, bus, .. } => format!("Added wind turbine {name} at {bus}"),
            Self::RemoveHouse { house } => format!("Removed {house}"),
            Self::RemovePv { house } => format!("Removed the PV of {house}"),
            Self::RemoveBattery { house } => format!("Removed the battery of {house}"),
            Self::RemoveCar { house } => format!("Removed the car of {house}"),
            Self::RemoveTurbine { name } => format!("Removed wind turbine {name}"),
            Self::SetHouse { house, .. } => format!("Changed {house}"),
            Self::SetPv { house, .. } => format!("Changed the PV of {house}"),
            Self::SetBattery { house, .. } => format!("Changed the battery of {house}"),
            Self::SetCar { house, .. } => format!("Changed the car of {house}"),
            Self::SetTurbine { name, .. } => format!("Changed wind turbine {name}"),
            Self::SetTransformer { transformer } => format!("Put in a {transformer} transformer"),
        }
    }
}

/// A refused edit: one sentence on why.
pub type Refusal = String;

fn house_mut<'a>(s: &'a mut Scenario, name: &str) -> Result<&'a mut House, Refusal> {
    s.houses
        .iter_mut()
        .find(|h| h.name == name)
        .ok_or_else(|| format!("there is no house \"{name}\""))
}

fn turbine_mut<'a>(s: &'a mut Scenario, name: &str) -> Result<&'a mut WindTurbine, Refusal> {
    s.wind_turbines
        .iter_mut()
        .find(|t| t.name == name)
        .ok_or_else(|| format!("there is no wind turbine \"{name}\""))
}

/// Why the house cannot be changed, if it is locked. (A locked
/// neighbourhood's houses carry their own locks once loaded, see
/// [`super::generate::expand`]; what is added later is free.)
pub fn house_lock(s: &Scenario, name: &str) -> Option<String> {
    let house = s.houses.iter().find(|h| h.name == name)?;
    house.locked.then(|| format!("{name} is locked"))
}

/// Why the turbine cannot be changed, if it is locked.
fn turbine_lock(s: &Scenario, name: &str) -> Option<String> {
    let t = s.wind_turbines.iter().find(|t| t.name == name)?;
    t.locked.then(|| format!("wind turbine {name} is locked"))
}

/// Refuses an edit that would change or remove a locked part.
fn check_locks(edit: &Edit, s: &Scenario) -> Result<(), Refusal> {
    let house = |name: &str| house_lock(s, name).map_or(Ok(()), Err);
    let device_locked = |name: &str, which: fn(&House) -> bool, what: &str| {
        house(name)?;
        match s.houses.iter().find(|h| h.name == name) {
            Some(h) if which(h) => Err(format!("the {what} of {name} is locked")),
            _ => Ok(()),
        }
    };
    match edit {
        Edit::AddPv { house: h, .. }
        | Edit::AddBattery { house: h, .. }
        | Edit::AddCar { house: h, .. }
        | Edit::SetHouse { house: h, .. } => house(h),
        // A house goes with what it has: none of it may be locked.
        Edit::RemoveHouse { house: h } => {
            device_locked(h, |x| x.pv.is_some_and(|d| d.locked), "PV")?;
            device_locked(h, |x| x.battery.is_some_and(|d| d.locked), "battery")?;
            device_locked(h, |x| x.ev.is_some_and(|d| d.locked), "car")
        }
        Edit::RemovePv { house: h } | Edit::SetPv { house: h, .. } => {
            device_locked(h, |x| x.pv.is_some_and(|d| d.locked), "PV")
        }
        Edit::RemoveBattery { house: h } | Edit::SetBattery { house: h, .. } => {
            device_locked(h, |x| x.battery.is_some_and(|d| d.locked), "battery")
        }
        Edit::RemoveCar { house: h } | Edit::SetCar { house: h, .. } => {
            device_locked(h, |x| x.ev.is_some_and(|d| d.locked), "car")
        }
        Edit::RemoveTurbine { name } | Edit::SetTurbine { name, .. } => {
            turbine_lock(s, name).map_or(Ok(()), Err)
        }
        Edit::SetTransformer { .. } if s.grid.locked => Err("the transformer is locked".to_owned()),
        // New houses and turbines may go anywhere, locked streets included.
        _ => Ok(()),
    }
}

/// Where a bus stands, if the scenario says.
fn bus_position(s: &Scenario, bus: &str) -> Option<Position> {
    s.feeders
        .iter()
        .flat_map(|f| &f.buses)
        .find(|b| b.name == bus)
        .and_then(|b| b.position_m)
}

/// The edit applied to `s`, before the checks (see [`apply`]).
fn change(edit: &Edit, s: &Scenario) -> Result<Scenario, Refusal> {
    check_locks(edit, s)?;
    let mut s = s.clone();
    match edit.clone() {
        Edit::AddPv {
            house,
            kwp,
            tilt_deg,
            azimuth_deg,
        } => {
            let h = house_mut(&mut s, &house)?;
            if h.pv.is_some() {
                return Err(format!("{house} already has PV; change it instead"));
            }
            h.pv = Some(Pv {
                kwp,
                tilt_deg,
                azimuth_deg,
                locked: false,
            });
        }
        Edit::AddBattery {
            house,
            capacity_kwh,
            power_kw,
            efficiency,
        } => {
            let h = house_mut(&mut s, &house)?;
            if h.battery.is_some() {
                return Err(format!("{house} already has a battery; change it instead"));
            }
            h.battery = Some(Battery {
                capacity_kwh,
                power_kw,
                efficiency,
                locked: false,
            });
        }
        Edit::AddCar {
            house,
            battery_kwh,
            charger_kw,
            v2g,
            daily_km,
        } => {
            let h = house_mut(&mut s, &house)?;
            if h.ev.is_some() {
                return Err(format!("{house} already has a car; change it instead"));
            }
            h.ev = Some(Ev {
                battery_kwh,
                charger_kw,
                v2g,
                arrive: ClockTime(chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default()),
                depart: ClockTime(chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap_or_default()),
                daily_km,
                kwh_per_km: 0.18,
                locked: false,
            });
        }
        Edit::AddHouse {
            name,
            bus,
            annual_kwh,
            position_m,
        } => {
            if s.houses.iter().any(|h| h.name == name) {
                return Err(format!(
                    "there is a house \"{name}\" already; choose another name"
                ));
            }
            let position = position_m.map(|(x, y)| Position(x, y)).unwrap_or_else(|| {
                bus_position(&s, &bus).map_or(Position(0.0, 10.0), |p| Position(p.0, p.1 + 10.0))
            });
            s.houses.push(House {
                name,
                bus,
                annual_kwh,
                position_m: position,
                critical_share: 0.3,
                power_factor: 0.97,
                pv: None,
                battery: None,
                ev: None,
                locked: false,
            });
        }
        Edit::AddTurbine {
            name,
            bus,
            model,
            hub_height_m,
            position_m,
        } => {
            if s.wind_turbines.iter().any(|t| t.name == name) {
                return Err(format!(
                    "there is a wind turbine \"{name}\" already; choose another name"
                ));
            }
            let position = position_m.map(|(x, y)| Position(x, y)).unwrap_or_else(|| {
                bus_position(&s, &bus).map_or(Position(0.0, 20.0), |p| Position(p.0, p.1 + 20.0))
            });
            s.wind_turbines.push(WindTurbine {
                name,
                bus,
                model,
                hub_height_m,
                position_m: position,
                locked: false,
            });
        }
        Edit::RemoveHouse { house } => {
            let before = s.houses.len();
            s.houses.retain(|h| h.name != house);
            if s.houses.len() == before {
                return Err(format!("there is no house \"{house}\""));
            }
        }
        Edit::RemovePv { house } => {
            if house_mut(&mut s, &house)?.pv.take().is_none() {
                return Err(format!("{house} has no PV to remove"));
            }
        }
        Edit::RemoveBattery { house } => {
            if house_mut(&mut s, &house)?.battery.take().is_none() {
                return Err(format!("{house} has no battery to remove"));
            }
        }
        Edit::RemoveCar { house } => {
            if house_mut(&mut s, &house)?.ev.take().is_none() {
                return Err(format!("{house} has no car to remove"));
            }
        }
        Edit::RemoveTurbine { name } => {
            let before = s.wind_turbines.len();
            s.wind_turbines.retain(|t| t.name != name);
            if s.wind_turbines.len() == before {
                return Err(format!("there is no wind turbine \"{name}\""));
            }
        }
        Edit::SetHouse {
            house,
            annual_kwh,
            critical_share,
        } => {
            let h = house_mut(&mut s, &house)?;
            h.annual_kwh = annual_kwh.unwrap_or(h.annual_kwh);
            h.critical_share = critical_share.unwrap_or(h.critical_share);
        }
        Edit::SetPv {
            house,
            kwp,
            tilt_deg,
            azimuth_deg,
        } => {
            let h = house_mut(&mut s, &house)?;
            let pv =
                h.pv.as_mut()
                    .ok_or_else(|| format!("{house} has no PV; add it first"))?;
            pv.kwp = kwp.unwrap_or(pv.kwp);
            pv.tilt_deg = tilt_deg.unwrap_or(pv.tilt_deg);
            pv.azimuth_deg = azimuth_deg.unwrap_or(pv.azimuth_deg);
        }
        Edit::SetBattery {
            house,
            capacity_kwh,
            power_kw,
            efficiency,
        } => {
            let h = house_mut(&mut s, &house)?;
            let b = h
                .battery
                .as_mut()
                .ok_or_else(|| format!("{house} has no battery; add one first"))?;
            b.capacity_kwh = capacity_kwh.unwrap_or(b.capacity_kwh);
            b.power_kw = power_kw.unwrap_or(b.power_kw);
            b.efficiency = efficiency.unwrap_or(b.efficiency);
        }
        Edit::SetCar {
            house,
            battery_kwh,
            charger_kw,
            v2g,
            daily_km,
        } => {
            let h = house_mut(&mut s, &house)?;
            let e =
                h.ev.as_mut()
                    .ok_or_else(|| format!("{house} has no car; add one first"))?;
            e.battery_kwh = battery_kwh.unwrap_or(e.battery_kwh);
            e.charger_kw = charger_kw.unwrap_or(e.charger_kw);
            e.v2g = v2g.unwrap_or(e.v2g);
            e.daily_km = daily_km.unwrap_or(e.daily_km);
        }
        Edit::SetTurbine {
            name,
            model,
            hub_height_m,
        } => {
            let t = turbine_mut(&mut s, &name)?;
            t.model = model.unwrap_or_else(|| t.model.clone());
            t.hub_height_m = hub_height_m.unwrap_or(t.hub_height_m);
        }
        Edit::SetTransformer { transformer } => {
            s.grid.transformer = transformer;
            // A given MV level must still match: it follows the new type.
            s.grid.mv_kv = None;
        }
    }
    Ok(s)
}

/// The scenario as a file would hold it (RON, with field names).
pub fn to_ron(s: &Scenario) -> Result<String, String> {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(4)
        .struct_names(false)
        .separate_tuple_members(false)
        .compact_arrays(false);
    ron::ser::to_string_pretty(s, config)
        .map(|body| format!("Scenario{body}\n"))
        .map_err(|e| format!("the scenario cannot be written out ({e})"))
}

/// `edit` applied to `s` and put through a scenario file's checks: the
/// result is written out as RON and read back (ranges, names, types), then
/// built (references, caps, topology). The built neighbourhood, or why not
/// in one sentence.
pub fn apply(edit: &Edit, s: &Scenario) -> Result<super::Built, Refusal> {
    let changed = change(edit, s)?;
    check(&changed)
}

/// `edit` applied and built, without the file's round trip (ranges are not
/// checked): fast enough to preview an edit as the pointer moves. The edit
/// itself goes through [`apply`].
pub fn preview_build(edit: &Edit, s: &Scenario) -> Result<super::Built, Refusal> {
    let changed = change(edit, s)?;
    super::build(&changed, "the edited scenario", "").map_err(|errors| {
        errors
            .first()
            .map_or_else(|| "the edit was refused".to_owned(), sentence)
    })
}

/// A scenario made in code, through the checks of a file (see [`apply`]).
pub fn check(s: &Scenario) -> Result<super::Built, Refusal> {
    let text = to_ron(s)?;
    let file = "the edited scenario";
    let parsed = parse(&text, file).map_err(|e| sentence(&e))?;
    super::build(&parsed, file, "").map_err(|errors| {
        errors
            .first()
            .map_or_else(|| "the edit was refused".to_owned(), sentence)
    })
}

/// An error's message without its file and position (they are the edit's, not the user's).
fn sentence(e: &ScenarioError) -> String {
    let mut m = e.message.clone();
    if let Some(first) = m.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    m
}
