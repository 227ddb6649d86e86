//! Edits as data: each [`Edit`] is a function from one [`Scenario`] to the
//! next, and [`apply`] puts the result through the very checks a scenario
//! file gets (it is written out as RON and read back), so that the mouse,
//! undo, save, scripts and tests share one path and a refused edit changes
//! nothing.

use serde::{Deserialize, Serialize};

use super::{ClockTime, Scenario, ScenarioError, parse};
use crate::lang::tr;
use crate::tr;

mod change;

use change::change;
pub use change::house_lock;

/// What of a house [`Edit::SetPhase`] puts on a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhaseUnit {
    /// The house's connection (and with it, on one phase, its units).
    Connection,
    /// Its PV inverter.
    Pv,
    /// Its battery's inverter.
    Battery,
    /// Its car's charger.
    Car,
}

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
        #[serde(deserialize_with = "crate::scenario::checked::kwp")]
        kwp: f64,
        /// Tilt from horizontal, degrees.
        #[serde(
            default = "default_tilt",
            deserialize_with = "crate::scenario::checked::tilt_deg"
        )]
        tilt_deg: f64,
        /// Azimuth clockwise from north, degrees (180 south).
        #[serde(
            default = "default_azimuth",
            deserialize_with = "crate::scenario::checked::azimuth_deg"
        )]
        azimuth_deg: f64,
    },
    /// A home battery in a house that has none.
    AddBattery {
        /// The house.
        house: String,
        /// Usable energy, kWh.
        #[serde(deserialize_with = "crate::scenario::checked::capacity_kwh")]
        capacity_kwh: f64,
        /// Inverter power, kW.
        #[serde(deserialize_with = "crate::scenario::checked::power_kw")]
        power_kw: f64,
        /// One-way efficiency.
        #[serde(
            default = "default_efficiency",
            deserialize_with = "crate::scenario::checked::efficiency"
        )]
        efficiency: f64,
    },
    /// An electric car for a house that has none.
    AddCar {
        /// The house.
        house: String,
        /// Battery, kWh.
        #[serde(
            default = "default_car_battery",
            deserialize_with = "crate::scenario::checked::ev_battery_kwh"
        )]
        battery_kwh: f64,
        /// Home charger, kW.
        #[serde(
            default = "default_charger",
            deserialize_with = "crate::scenario::checked::power_kw"
        )]
        charger_kw: f64,
        /// Whether the owner allows vehicle-to-grid.
        #[serde(default)]
        v2g: bool,
        /// Distance driven a day, km.
        #[serde(
            default = "default_daily_km",
            deserialize_with = "crate::scenario::checked::daily_km"
        )]
        daily_km: f64,
    },
    /// A new house connected to an existing bus.
    AddHouse {
        /// Its name (unique).
        name: String,
        /// The bus its service cable joins.
        bus: String,
        /// Yearly demand, kWh.
        #[serde(
            default = "default_annual_kwh",
            deserialize_with = "crate::scenario::checked::annual_kwh"
        )]
        annual_kwh: f64,
        /// Where it stands, metres (next to its bus when not given).
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::position"
        )]
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
        #[serde(
            default = "default_hub_height",
            deserialize_with = "crate::scenario::checked::hub_height_m"
        )]
        hub_height_m: f64,
        /// Where it stands, metres (next to its bus when not given).
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::position"
        )]
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
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::annual_kwh"
        )]
        annual_kwh: Option<f64>,
        /// Share of the demand served to the last in an island.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::share"
        )]
        critical_share: Option<f64>,
    },
    /// Changes a house's PV.
    SetPv {
        /// The house.
        house: String,
        /// Peak power, kW.
        #[serde(default, deserialize_with = "crate::scenario::checked::optional::kwp")]
        kwp: Option<f64>,
        /// Tilt, degrees.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::tilt_deg"
        )]
        tilt_deg: Option<f64>,
        /// Azimuth, degrees.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::azimuth_deg"
        )]
        azimuth_deg: Option<f64>,
    },
    /// Changes a house's battery.
    SetBattery {
        /// The house.
        house: String,
        /// Usable energy, kWh.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::capacity_kwh"
        )]
        capacity_kwh: Option<f64>,
        /// Inverter power, kW.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::power_kw"
        )]
        power_kw: Option<f64>,
        /// One-way efficiency.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::efficiency"
        )]
        efficiency: Option<f64>,
    },
    /// Changes a house's car.
    SetCar {
        /// The house.
        house: String,
        /// Battery, kWh.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::ev_battery_kwh"
        )]
        battery_kwh: Option<f64>,
        /// Charger, kW.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::power_kw"
        )]
        charger_kw: Option<f64>,
        /// Vehicle-to-grid allowed.
        #[serde(default)]
        v2g: Option<bool>,
        /// Distance a day, km.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::daily_km"
        )]
        daily_km: Option<f64>,
        /// When it comes home, "HH:MM".
        #[serde(default)]
        arrive: Option<ClockTime>,
        /// When it leaves, "HH:MM".
        #[serde(default)]
        depart: Option<ClockTime>,
    },
    /// Puts a house's connection or one of its units on a phase (in a
    /// scenario solved per phase). A house put on one phase takes its
    /// units with it.
    SetPhase {
        /// The house.
        house: String,
        /// What moves: `Connection`, `Pv`, `Battery` or `Car`.
        unit: PhaseUnit,
        /// `Three`, `A`, `B` or `C`.
        phase: crate::scenario::Phase,
    },
    /// Puts a standing order for a house in the local double auction: it
    /// sells its surplus for at least `ask_eur_per_kwh` and buys for at
    /// most `bid_eur_per_kwh` (see [`crate::scenario::Order`]).
    SetOrder {
        /// The house.
        house: String,
        /// The least it takes for a kWh, EUR/kWh.
        #[serde(deserialize_with = "crate::scenario::checked::price_eur_per_kwh")]
        ask_eur_per_kwh: f64,
        /// The most it pays for a kWh, EUR/kWh.
        #[serde(deserialize_with = "crate::scenario::checked::price_eur_per_kwh")]
        bid_eur_per_kwh: f64,
    },
    /// Takes a house's standing order back: its limit is drawn again.
    ClearOrder {
        /// The house.
        house: String,
    },
    /// Changes a turbine.
    SetTurbine {
        /// The turbine.
        name: String,
        /// Power-curve model.
        #[serde(default)]
        model: Option<String>,
        /// Hub height, m.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::hub_height_m"
        )]
        hub_height_m: Option<f64>,
    },
    /// Puts in another transformer type.
    SetTransformer {
        /// A standard type or one of the scenario's `transformer_types`.
        transformer: String,
    },
    /// Sets the energy-management strategy (and the share of each battery
    /// kept for outages, when given).
    SetController {
        /// The strategy.
        strategy: crate::scenario::tariff::Strategy,
        /// Share of each battery kept for outages (0 to 1).
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::share"
        )]
        outage_reserve: Option<f64>,
    },
    /// A cable from a bus to a new joint (extending a street, or a new
    /// street from the busbar) or to another bus (which closes a loop: a
    /// ring, solved as a meshed network).
    AddCable {
        /// The bus it starts from.
        from: String,
        /// The bus it ends at: a new joint of this name, or an existing bus.
        to: String,
        /// Cable type.
        #[serde(default = "default_street_cable")]
        cable: String,
        /// Where a new joint stands, metres.
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::position"
        )]
        position_m: Option<(f64, f64)>,
        /// Length, m (the distance between its ends when not given).
        #[serde(
            default,
            deserialize_with = "crate::scenario::checked::optional::length_m"
        )]
        length_m: Option<f64>,
    },
    /// Puts in another type for the cable between two buses.
    SetCable {
        /// One end.
        from: String,
        /// The other end.
        to: String,
        /// The new type.
        cable: String,
    },
    /// Takes away a cable joint at the end of a street with the cable into
    /// it and what hangs off it (its houses and turbines); a joint that
    /// still feeds others stays.
    RemoveBus {
        /// The bus.
        bus: String,
    },
    /// Fits, opens or closes a switch on the cable between two buses (or
    /// takes it out): an open switch in a ring is its normally-open point.
    SetSwitch {
        /// One end.
        from: String,
        /// The other end.
        to: String,
        /// `Some(Open)`, `Some(Closed)`, or `None` for no switch.
        switch: Option<super::SwitchState>,
    },
    /// Moves a house to another plot (its devices go with it).
    MoveHouse {
        /// The house.
        house: String,
        /// Where it stands now, metres.
        #[serde(deserialize_with = "crate::scenario::checked::position")]
        position_m: (f64, f64),
        /// The bus it connects to there (the same one when not given).
        #[serde(default)]
        bus: Option<String>,
    },
    /// Moves a wind turbine.
    MoveTurbine {
        /// The turbine.
        name: String,
        /// Where it stands now, metres.
        #[serde(deserialize_with = "crate::scenario::checked::position")]
        position_m: (f64, f64),
        /// The bus it feeds from there (the same one when not given).
        #[serde(default)]
        bus: Option<String>,
    },
}

fn default_street_cable() -> String {
    "NAYY 4x150 SE".to_owned()
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

/// Trims a number for a description: "6.5", "11", "0.95" ("6,5" in German).
pub fn trimmed(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if crate::lang::current() == crate::lang::Lang::En {
        s.to_owned()
    } else {
        s.replace('.', ",")
    }
}

/// A strategy's name inside a description ("self-consumption").
fn strategy_name(strategy: crate::scenario::tariff::Strategy) -> &'static str {
    use crate::scenario::tariff::Strategy;
    tr(match strategy {
        Strategy::SelfConsumption => "edit.self_consumption",
        Strategy::PriceAware => "edit.price_aware",
        Strategy::EconomicIslanding => "edit.economic_islanding",
    })
}

/// An edit in words: the key of what it did, the key of what it would do,
/// and the places both fill.
type Phrase = (&'static str, &'static str, Vec<(&'static str, String)>);

/// The pattern of every edit of one house and what it has, binding the
/// house's name to `$house`: the one list [`Edit::house`],
/// [`Edit::with_house_named`] and the preview read.
#[macro_export]
macro_rules! house_edit {
    ($house:ident) => {
        $crate::scenario::edit::Edit::AddPv { house: $house, .. }
            | $crate::scenario::edit::Edit::AddBattery { house: $house, .. }
            | $crate::scenario::edit::Edit::AddCar { house: $house, .. }
            | $crate::scenario::edit::Edit::RemoveHouse { house: $house }
            | $crate::scenario::edit::Edit::RemovePv { house: $house }
            | $crate::scenario::edit::Edit::RemoveBattery { house: $house }
            | $crate::scenario::edit::Edit::RemoveCar { house: $house }
            | $crate::scenario::edit::Edit::SetHouse { house: $house, .. }
            | $crate::scenario::edit::Edit::SetPv { house: $house, .. }
            | $crate::scenario::edit::Edit::SetBattery { house: $house, .. }
            | $crate::scenario::edit::Edit::SetCar { house: $house, .. }
            | $crate::scenario::edit::Edit::SetPhase { house: $house, .. }
            | $crate::scenario::edit::Edit::SetOrder { house: $house, .. }
            | $crate::scenario::edit::Edit::ClearOrder { house: $house }
            | $crate::scenario::edit::Edit::MoveHouse { house: $house, .. }
    };
}

impl Edit {
    /// The house it changes, for an edit of one house and what it has.
    pub fn house(&self) -> Option<&str> {
        match self {
            crate::house_edit!(house) => Some(house),
            _ => None,
        }
    }

    /// The same edit with the house `from` read as `to` (a student's
    /// script names its own house "mine").
    pub fn with_house_named(&self, from: &str, to: &str) -> Edit {
        let mut e = self.clone();
        if let crate::house_edit!(house) = &mut e
            && house == from
        {
            *house = to.to_owned();
        }
        e
    }

    /// What the edit does, for the history list ("Added 6.5 kWp PV to
    /// Lindenweg 9"), in the language in force.
    pub fn describe(&self) -> String {
        let (done, _, places) = self.phrase();
        fill_places(done, &places)
    }

    /// What the edit would do, as a build tool's label says it beside its
    /// ghost ("add house Lindenweg 25 at L1") and a refusal names what
    /// could not be done.
    pub fn to_do(&self) -> String {
        let (_, to_do, places) = self.phrase();
        fill_places(to_do, &places)
    }

    /// The edit's two texts and their places, named once for both.
    fn phrase(&self) -> Phrase {
        let house = |h: &str| vec![("house", h.to_owned())];
        let name = |n: &str| vec![("name", n.to_owned())];
        let span = |from: &str, to: &str| vec![("from", from.to_owned()), ("to", to.to_owned())];
        match self {
            Self::AddPv { house, kwp, .. } => (
                "edit.added_pv",
                "edit.add_pv",
                vec![("kwp", trimmed(*kwp)), ("house", house.clone())],
            ),
            Self::AddBattery {
                house,
                capacity_kwh,
                power_kw,
                ..
            } => (
                "edit.added_battery",
                "edit.add_battery",
                vec![
                    ("kwh", trimmed(*capacity_kwh)),
                    ("kw", trimmed(*power_kw)),
                    ("house", house.clone()),
                ],
            ),
            Self::AddCar { house: h, v2g, .. } if *v2g => {
                ("edit.added_v2g_car", "edit.add_v2g_car", house(h))
            }
            Self::AddCar { house: h, .. } => ("edit.added_car", "edit.add_car", house(h)),
            Self::AddHouse { name, bus, .. } => (
                "edit.added_house",
                "edit.add_house",
                vec![("name", name.clone()), ("bus", bus.clone())],
            ),
            Self::AddTurbine { name, bus, .. } => (
                "edit.added_turbine",
                "edit.add_turbine",
                vec![("name", name.clone()), ("bus", bus.clone())],
            ),
            Self::RemoveHouse { house: h } => ("edit.removed_house", "edit.remove_house", house(h)),
            Self::RemovePv { house: h } => ("edit.removed_pv", "edit.remove_pv", house(h)),
            Self::RemoveBattery { house: h } => {
                ("edit.removed_battery", "edit.remove_battery", house(h))
            }
            Self::RemoveCar { house: h } => ("edit.removed_car", "edit.remove_car", house(h)),
            Self::RemoveTurbine { name: n } => {
                ("edit.removed_turbine", "edit.remove_turbine", name(n))
            }
            Self::SetHouse { house: h, .. } => {
                ("edit.changed_house", "edit.change_house", house(h))
            }
            Self::SetPv { house: h, .. } => ("edit.changed_pv", "edit.change_pv", house(h)),
            Self::SetBattery { house: h, .. } => {
                ("edit.changed_battery", "edit.change_battery", house(h))
            }
            Self::SetCar { house: h, .. } => ("edit.changed_car", "edit.change_car", house(h)),
            Self::SetPhase {
                house: h,
                unit,
                phase,
            } => (
                "edit.put_on_phase",
                "edit.put_on_phase_to_do",
                vec![
                    ("house", h.clone()),
                    (
                        "unit",
                        tr(match unit {
                            PhaseUnit::Connection => "edit.unit_connection",
                            PhaseUnit::Pv => "edit.unit_pv",
                            PhaseUnit::Battery => "edit.unit_battery",
                            PhaseUnit::Car => "edit.unit_car",
                        })
                        .to_owned(),
                    ),
                    (
                        "phase",
                        if phase.is_three() {
                            tr("edit.three_phases").to_owned()
                        } else {
                            crate::tr!("edit.one_phase", phase = phase.label())
                        },
                    ),
                ],
            ),
            Self::SetOrder {
                house: h,
                ask_eur_per_kwh,
                bid_eur_per_kwh,
            } => (
                "edit.set_order",
                "edit.set_order_to_do",
                vec![
                    ("house", h.clone()),
                    ("ask", trimmed(*ask_eur_per_kwh)),
                    ("bid", trimmed(*bid_eur_per_kwh)),
                ],
            ),
            Self::ClearOrder { house: h } => ("edit.cleared_order", "edit.clear_order", house(h)),
            Self::SetTurbine { name: n, .. } => {
                ("edit.changed_turbine", "edit.change_turbine", name(n))
            }
            Self::SetTransformer { transformer } => (
                "edit.put_in_transformer",
                "edit.put_in_transformer_to_do",
                vec![("transformer", transformer.clone())],
            ),
            Self::SetController {
                strategy,
                outage_reserve: Some(r),
            } => (
                "edit.set_strategy_reserve",
                "edit.set_strategy_reserve_to_do",
                vec![
                    ("name", strategy_name(*strategy).to_owned()),
                    ("percent", trimmed(r * 100.0)),
                ],
            ),
            Self::SetController { strategy, .. } => (
                "edit.set_strategy",
                "edit.set_strategy_to_do",
                vec![("name", strategy_name(*strategy).to_owned())],
            ),
            Self::AddCable {
                from, to, cable, ..
            }
            | Self::SetCable { from, to, cable } => {
                let (done, to_do) = if matches!(self, Self::AddCable { .. }) {
                    ("edit.laid_cable", "edit.lay_cable")
                } else {
                    ("edit.put_in_cable", "edit.put_in_cable_to_do")
                };
                let mut places = span(from, to);
                places.push(("cable", cable.clone()));
                (done, to_do, places)
            }
            Self::RemoveBus { bus } => (
                "edit.removed_joint",
                "edit.remove_joint",
                vec![("bus", bus.clone())],
            ),
            Self::SetSwitch { from, to, switch } => {
                let (done, to_do) = match switch {
                    Some(super::SwitchState::Open) => ("edit.opened_switch", "edit.open_switch"),
                    Some(super::SwitchState::Closed) => ("edit.closed_switch", "edit.close_switch"),
                    None => ("edit.took_switch_off", "edit.take_switch_off"),
                };
                (done, to_do, span(from, to))
            }
            Self::MoveHouse { house: h, .. } => ("edit.moved_house", "edit.move_house", house(h)),
            Self::MoveTurbine { name: n, .. } => {
                ("edit.moved_turbine", "edit.move_turbine", name(n))
            }
        }
    }
}

/// The text of `key` in the language in force with `places` filled.
fn fill_places(key: &str, places: &[(&'static str, String)]) -> String {
    let args: Vec<(&str, &dyn std::fmt::Display)> = places
        .iter()
        .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
        .collect();
    crate::lang::fill(tr(key), &args)
}

/// A refused edit: one sentence on why.
pub type Refusal = String;

/// The scenario as a file would hold it (RON, with field names).
pub fn to_ron(s: &Scenario) -> Result<String, String> {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(4)
        .struct_names(false)
        .separate_tuple_members(false)
        .compact_arrays(false);
    ron::ser::to_string_pretty(s, config)
        .map(|body| format!("Scenario{body}\n"))
        .map_err(|e| tr!("edit.cannot_write_out", e = e))
}

/// [`to_ron`] for a file: refused, with both sizes, when the text would be
/// larger than a scenario file may be ([`crate::scenario::MAX_FILE_BYTES`]),
/// so that what is written (`import`, Save) is what `check` reads.
pub fn to_file_text(s: &Scenario, header: &str) -> Result<String, String> {
    let text = format!("{header}{}", to_ron(s)?);
    let limit = crate::scenario::MAX_FILE_BYTES;
    if text.len() as u64 > limit {
        return Err(tr!(
            "edit.file_too_large",
            size = crate::files::read::readable_size(text.len() as u64),
            limit = crate::files::read::readable_size(limit)
        ));
    }
    Ok(text)
}

/// Why `edit` would be refused before anything is built (a lock, a part
/// the house has already), if it would: cheap, for showing where a tool
/// can go before the click. [`apply`] refuses the same and more.
pub fn refused_outright(edit: &Edit, s: &Scenario) -> Result<(), Refusal> {
    change::refused_outright(edit, s)
}

/// `edit` applied to `s`, before the checks: what it would make, or why
/// it is refused outright (a lock, a missing name).
pub fn changed(edit: &Edit, s: &Scenario) -> Result<Scenario, Refusal> {
    change(edit, s)
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
            .map_or_else(|| tr("edit.was_refused").to_owned(), sentence)
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
            .map_or_else(|| tr("edit.was_refused").to_owned(), sentence)
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

#[cfg(test)]
mod tests {
    use super::Edit;

    fn edit(text: &str) -> Edit {
        ron::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn each_edit_says_what_it_did_and_what_it_would_do() {
        for (text, done, to_do) in [
            (
                r#"AddCar(house: "Lindenweg 9", v2g: true)"#,
                "Added an electric car (vehicle-to-grid) to Lindenweg 9",
                "add an electric car (vehicle-to-grid) to Lindenweg 9",
            ),
            (
                r#"AddCable(from: "L1", to: "J1", cable: "NAYY 4x150 SE")"#,
                "Laid a NAYY 4x150 SE cable from L1 to J1",
                "lay a NAYY 4x150 SE cable from L1 to J1",
            ),
            (
                r#"SetCable(from: "L1", to: "L2", cable: "NAYY 4x240 SE")"#,
                "Put in NAYY 4x240 SE between L1 and L2",
                "put in NAYY 4x240 SE between L1 and L2",
            ),
            (
                r#"SetSwitch(from: "L1", to: "L2", switch: None)"#,
                "Took the switch off the cable between L1 and L2",
                "take the switch off the cable between L1 and L2",
            ),
            (
                r#"SetController(strategy: EconomicIslanding, outage_reserve: Some(0.3))"#,
                "Set the strategy to economic islanding, keeping 30 % for outages",
                "set the strategy to economic islanding, keeping 30 % for outages",
            ),
            (
                r#"RemoveBattery(house: "Lindenweg 9")"#,
                "Removed the battery of Lindenweg 9",
                "remove the battery of Lindenweg 9",
            ),
        ] {
            let e = edit(text);
            assert_eq!(
                (e.describe(), e.to_do()),
                (done.to_owned(), to_do.to_owned())
            );
        }
    }
}
