//! Scenarios: the neighbourhood a user describes in `scenes/*.scenario.ron`.
//!
//! [`Scenario`] is plain data parsed by [`parse`] (pure, tested); [`build()`]
//! checks it and turns it into the electrical [`crate::network::Network`]
//! and the list of devices. Every error carries the file, line and column
//! it comes from, and one sentence on how to fix it.

pub mod build;
pub mod checked;
pub mod edit;
pub mod error;
pub mod generate;
pub mod import;
pub mod prices;
pub mod series;
pub mod tariff;
pub mod timed;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{NaiveDateTime, NaiveTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

pub use build::{Built, Device, DeviceKind, Visit, build};

/// The scenario opened when none is named.
pub const DEFAULT_SCENARIO: &str = "scenes/default.scenario.ron";
pub use error::{ScenarioError, load, parse};

/// Loads a scenario file, checks and builds it, and loads the weather and
/// price series it names (relative to the scenario's folder).
pub fn load_and_build(path: &std::path::Path) -> Result<Built, Vec<ScenarioError>> {
    let (parsed, text) = load(path).map_err(|e| vec![e])?;
    let file = path.display().to_string();
    let mut built = build(&parsed, &file, &text)?;
    // A series named in the scenario: its path, or an error at the name.
    let loc = error::Locator::new(&file, &text);
    let series_file = |name: &str, what: &str| {
        loc.file_beside(path, "series", name, &format!("{what} series"))
            .map_err(|e| vec![e])
    };
    if let Some(name) = &parsed.weather.series {
        let series =
            series::WeatherSeries::load(&series_file(name, "weather")?).map_err(|e| vec![e])?;
        built.weather_series = Some(std::sync::Arc::new(series));
    }
    if let Some(name) = &parsed.tariff.series {
        let series = series::TimeSeries::load(&series_file(name, "price")?, &series::PRICE_COLUMNS)
            .map_err(|e| vec![e])?;
        built.price_series = Some(std::sync::Arc::new(series));
    }
    Ok(built)
}

use crate::network::{CableType, TransformerType};

/// Largest scenario file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Most houses a scenario may describe (explicit and generated together).
pub const MAX_HOUSES: usize = 20_000;
/// Most buses a scenario may describe.
pub const MAX_BUSES: usize = 50_000;
/// Most wind turbines a scenario may describe.
pub const MAX_TURBINES: usize = 1_000;
/// Most visiting cars all the EV fleets of a scenario may bring together.
pub const MAX_VISITING_CARS: usize = 20_000;
/// Most timeline events a scenario may list.
pub const MAX_EVENTS: usize = 10_000;
/// Most cables that close a loop (each adds a row and a column to the
/// loop impedance matrix the power flow inverts).
pub const MAX_LOOPS: usize = 200;
/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Name of the bus on the grid (medium-voltage) side of the transformer.
pub const MV_BUS_NAME: &str = "MV grid";
/// Name of the low-voltage busbar that feeders start from.
pub const LV_BUSBAR_NAME: &str = "LV busbar";

/// A neighbourhood: where it is, its grid connection, its feeders and its houses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name shown in the window title and reports.
    pub name: String,
    /// A sentence or two for the scenario picker.
    #[serde(default)]
    pub description: String,
    /// Where on Earth (for the sun).
    pub location: Location,
    /// Local date and time the simulation starts, `"YYYY-MM-DD HH:MM"`.
    pub start: DateTime,
    /// Seed of every random choice; the same seed gives the same run.
    #[serde(default)]
    pub seed: u64,
    /// The connection to the main grid.
    pub grid: GridConnection,
    /// `Balanced` (every device draws evenly from the three phases, the
    /// default) or `Unbalanced` (each phase solved: single-phase devices,
    /// household loads spread unevenly; see [`Phase`]).
    #[serde(default, skip_serializing_if = "PhaseModel::is_balanced")]
    pub phases: PhaseModel,
    /// Cable types this scenario adds to the standard ones, by name.
    #[serde(default)]
    pub cable_types: BTreeMap<String, CableSpec>,
    /// Transformer types this scenario adds to the standard ones, by name.
    #[serde(default)]
    pub transformer_types: BTreeMap<String, TransformerSpec>,
    /// Weather settings.
    #[serde(default)]
    pub weather: Weather,
    /// How electric cars charge at home: `Plain` (full power on arrival) or `Smart` (spread until departure).
    #[serde(default)]
    pub ev_charging: crate::physics::ev::Charging,
    /// Feeders written out bus by bus.
    #[serde(default)]
    pub feeders: Vec<Feeder>,
    /// Houses written out one by one.
    #[serde(default)]
    pub houses: Vec<House>,
    /// Small wind turbines.
    #[serde(default)]
    pub wind_turbines: Vec<WindTurbine>,
    /// Streets of houses generated from the seed (added to the explicit ones).
    #[serde(default)]
    pub generated: Option<generate::Generated>,
    /// What happens when: grid outages, price spikes.
    #[serde(default)]
    pub events: Vec<TimelineEvent>,
    /// Import and export prices.
    #[serde(default)]
    pub tariff: tariff::Tariff,
    /// The energy-management strategy and its thresholds.
    #[serde(default)]
    pub controller: tariff::ControllerSettings,
    /// The local peer-to-peer market between neighbours.
    #[serde(default)]
    pub market: crate::market::MarketSettings,
    /// Lock the whole neighbourhood as written: every feeder, house, device
    /// and turbine here cannot be changed or removed in build mode (new
    /// ones can be added). Expanded into the parts' own locks.
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    /// What parts cost, for the budget of build mode.
    #[serde(default)]
    pub prices: prices::PriceList,
    /// What build mode may spend on edits, EUR (no limit when not given).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "checked::write_budget",
        deserialize_with = "checked::budget_eur"
    )]
    pub budget_eur: Option<f64>,
}

/// For `skip_serializing_if`: a lock that is off is not written.
fn is_false(b: &bool) -> bool {
    !*b
}

/// Something that happens during a run at set times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TimelineEvent {
    /// The switch on the cable between `from` and `to` is put `Open` or
    /// `Closed` at `at` (the cable gets a switch if it had none).
    SwitchLine {
        /// Local time of the switching.
        at: DateTime,
        /// One end of the cable.
        from: String,
        /// The other end.
        to: String,
        /// The new position.
        switch: SwitchState,
    },
    /// The main grid fails from `from` until `until`: the neighbourhood islands.
    GridOutage {
        /// Local time the grid fails.
        from: DateTime,
        /// Local time it returns.
        until: DateTime,
    },
    /// A cloud front: `cloud_oktas` of cover (0 clear, 8 overcast) from `from` until `until`.
    CloudFront {
        /// Local time the front arrives.
        from: DateTime,
        /// Local time it has passed.
        until: DateTime,
        /// Cloud cover, oktas.
        #[serde(deserialize_with = "checked::oktas")]
        cloud_oktas: f64,
    },
    /// A fleet of electric cars arrives at `bus` at `from` (a car park, a
    /// club evening), charges, and leaves at `until`.
    EvFleet {
        /// Local time the cars arrive.
        from: DateTime,
        /// Local time they leave.
        until: DateTime,
        /// The bus of their chargers.
        bus: String,
        /// How many cars.
        #[serde(deserialize_with = "checked::fleet_cars")]
        cars: f64,
        /// Battery of each car, kWh.
        #[serde(
            default = "default_fleet_battery",
            deserialize_with = "checked::ev_battery_kwh"
        )]
        battery_kwh: f64,
        /// Charger of each car, kW.
        #[serde(
            default = "default_fleet_charger",
            deserialize_with = "checked::power_kw"
        )]
        charger_kw: f64,
        /// State of charge on arrival, share of the battery.
        #[serde(default = "default_arrival_soc", deserialize_with = "checked::share")]
        arrival_soc: f64,
        /// Whether the owners allow vehicle-to-grid.
        #[serde(default)]
        v2g: bool,
    },
    /// The import price jumps to `import_eur_per_kwh` from `from` until `until`.
    PriceSpike {
        /// Local time the spike starts.
        from: DateTime,
        /// Local time it ends.
        until: DateTime,
        /// Import price during the spike, EUR/kWh.
        #[serde(deserialize_with = "checked::price_eur_per_kwh")]
        import_eur_per_kwh: f64,
    },
}

impl TimelineEvent {
    /// The interval the event covers (an instant for a switching).
    pub fn interval(&self) -> (NaiveDateTime, NaiveDateTime) {
        match self {
            Self::SwitchLine { at, .. } => (at.0, at.0),
            Self::GridOutage { from, until }
            | Self::PriceSpike { from, until, .. }
            | Self::CloudFront { from, until, .. }
            | Self::EvFleet { from, until, .. } => (from.0, until.0),
        }
    }
}

fn default_fleet_battery() -> f64 {
    60.0
}
fn default_fleet_charger() -> f64 {
    11.0
}
fn default_arrival_soc() -> f64 {
    0.3
}

/// Geographic location and time zone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Degrees north (negative south).
    #[serde(deserialize_with = "checked::latitude_deg")]
    pub latitude_deg: f64,
    /// Degrees east (negative west).
    #[serde(deserialize_with = "checked::longitude_deg")]
    pub longitude_deg: f64,
    /// Offset of local clock time from UTC in hours (no daylight saving).
    #[serde(deserialize_with = "checked::utc_offset_hours")]
    pub utc_offset_hours: f64,
}

/// The point of common coupling: the transformer and the grid behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridConnection {
    /// Transformer type name: a pandapower standard type or one of `transformer_types`.
    pub transformer: String,
    /// Voltage the grid holds at the transformer's MV side, per unit.
    #[serde(default = "one", deserialize_with = "checked::vm_pu")]
    pub vm_pu: f64,
    /// MV voltage in kV; when given it must match the transformer's rating.
    #[serde(default, deserialize_with = "opt_mv_kv")]
    pub mv_kv: Option<f64>,
    /// The grid's short-circuit power at the transformer's grid side, MVA
    /// (100 if absent; see [`crate::network::GridStrength`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::s_sc_mva"
    )]
    pub s_sc_mva: Option<f64>,
    /// R/X of the grid's impedance (0.1 if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::grid_ratio"
    )]
    pub rx: Option<f64>,
    /// X0/X of the grid's impedance (1 if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::grid_x0x"
    )]
    pub x0x: Option<f64>,
    /// R0/X0 of the grid's impedance (0.1 if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::grid_ratio"
    )]
    pub r0x0: Option<f64>,
    /// The transformer cannot be changed in build mode.
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
}

impl GridConnection {
    /// The grid's short-circuit data, given or defaulted.
    pub fn strength(&self) -> crate::network::GridStrength {
        let d = crate::network::GridStrength::default();
        crate::network::GridStrength {
            s_sc_mva: self.s_sc_mva.unwrap_or(d.s_sc_mva),
            rx: self.rx.unwrap_or(d.rx),
            x0x: self.x0x.unwrap_or(d.x0x),
            r0x0: self.r0x0.unwrap_or(d.r0x0),
        }
    }
}

fn one() -> f64 {
    1.0
}

fn opt_mv_kv<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(d)?
        .map(|v| checked::in_range(v, 1.0, 110.0, "mv_kv (medium-voltage level in kV)"))
        .transpose()
        .map_err(D::Error::custom)
}

/// A cable type given by its parameters (pandapower's column names).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CableSpec {
    /// Series resistance, ohm per km.
    #[serde(deserialize_with = "checked::r_ohm_per_km")]
    pub r_ohm_per_km: f64,
    /// Series reactance, ohm per km.
    #[serde(deserialize_with = "checked::x_ohm_per_km")]
    pub x_ohm_per_km: f64,
    /// Shunt capacitance, nF per km.
    #[serde(deserialize_with = "checked::c_nf_per_km")]
    pub c_nf_per_km: f64,
    /// Current rating, kA.
    #[serde(deserialize_with = "checked::max_i_ka")]
    pub max_i_ka: f64,
    /// Zero-sequence resistance, ohm per km (4 x `r_ohm_per_km` if absent;
    /// see [`crate::network::catalogue::ZERO_SEQUENCE_IMPEDANCE_RATIO`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::r0_ohm_per_km"
    )]
    pub r0_ohm_per_km: Option<f64>,
    /// Zero-sequence reactance, ohm per km (4 x `x_ohm_per_km` if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::x0_ohm_per_km"
    )]
    pub x0_ohm_per_km: Option<f64>,
    /// Zero-sequence capacitance, nF per km (0.45 x `c_nf_per_km` if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::c0_nf_per_km"
    )]
    pub c0_nf_per_km: Option<f64>,
}

impl From<CableSpec> for CableType {
    fn from(c: CableSpec) -> Self {
        CableType {
            r_ohm_per_km: c.r_ohm_per_km,
            x_ohm_per_km: c.x_ohm_per_km,
            c_nf_per_km: c.c_nf_per_km,
            max_i_ka: c.max_i_ka,
            r0_ohm_per_km: c.r0_ohm_per_km,
            x0_ohm_per_km: c.x0_ohm_per_km,
            c0_nf_per_km: c.c0_nf_per_km,
        }
    }
}

/// A transformer type given by its nameplate (pandapower's column names).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerSpec {
    /// Rating, MVA.
    #[serde(deserialize_with = "checked::sn_mva")]
    pub sn_mva: f64,
    /// HV rated voltage, kV.
    #[serde(deserialize_with = "checked::vn_kv")]
    pub vn_hv_kv: f64,
    /// LV rated voltage, kV.
    #[serde(deserialize_with = "checked::vn_kv")]
    pub vn_lv_kv: f64,
    /// Short-circuit voltage, percent.
    #[serde(deserialize_with = "checked::vk_percent")]
    pub vk_percent: f64,
    /// Its resistive part, percent.
    #[serde(deserialize_with = "checked::percent_0_100")]
    pub vkr_percent: f64,
    /// Iron losses, kW.
    #[serde(deserialize_with = "checked::pfe_kw")]
    pub pfe_kw: f64,
    /// No-load current, percent.
    #[serde(deserialize_with = "checked::percent_0_100")]
    pub i0_percent: f64,
    /// Vector-group phase shift, degrees (150 for Dyn5).
    #[serde(default, deserialize_with = "checked::shift_degree")]
    pub shift_degree: f64,
    /// `Dyn` (default) or `YNyn` (with `shift_degree: 0`).
    #[serde(default, skip_serializing_if = "crate::network::VectorGroup::is_dyn")]
    pub vector_group: crate::network::VectorGroup,
    /// Zero-sequence short-circuit voltage, percent (`vk_percent` if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::vk0_percent"
    )]
    pub vk0_percent: Option<f64>,
    /// Its resistive part, percent (`vkr_percent` if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::percent_0_100"
    )]
    pub vkr0_percent: Option<f64>,
    /// Zero-sequence magnetising over short-circuit impedance, percent
    /// (1000 if absent; see [`crate::network::catalogue::MAG0_PERCENT`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::mag0_percent"
    )]
    pub mag0_percent: Option<f64>,
    /// R/X of that magnetising impedance (0 if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::mag0_rx"
    )]
    pub mag0_rx: Option<f64>,
    /// Share of the zero-sequence impedance on the grid side (0.9 if absent).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::optional::share_open"
    )]
    pub si0_hv_partial: Option<f64>,
}

impl From<TransformerSpec> for TransformerType {
    fn from(t: TransformerSpec) -> Self {
        TransformerType {
            sn_mva: t.sn_mva,
            vn_hv_kv: t.vn_hv_kv,
            vn_lv_kv: t.vn_lv_kv,
            vk_percent: t.vk_percent,
            vkr_percent: t.vkr_percent,
            pfe_kw: t.pfe_kw,
            i0_percent: t.i0_percent,
            shift_degree: t.shift_degree,
            vector_group: t.vector_group,
            vk0_percent: t.vk0_percent,
            vkr0_percent: t.vkr0_percent,
            mag0_percent: t.mag0_percent,
            mag0_rx: t.mag0_rx,
            si0_hv_partial: t.si0_hv_partial,
        }
    }
}

/// Weather settings for the generated weather (see [`crate::physics::weather`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weather {
    /// `Seasonal` (default), `SunnySummer`, `GreyWinter` or `Stormy`.
    #[serde(default)]
    pub pattern: crate::physics::weather::WeatherPattern,
    /// A CSV weather series to use instead of generated weather (path
    /// relative to the scenario file; see [`series::WeatherSeries`]).
    #[serde(default)]
    pub series: Option<String>,
    /// Mean wind speed at `wind_reference_height_m`, m/s.
    #[serde(default = "default_wind", deserialize_with = "checked::wind_m_s")]
    pub mean_wind_m_s: f64,
    /// Height at which `mean_wind_m_s` is measured, m.
    #[serde(default = "ten", deserialize_with = "checked::height_m")]
    pub wind_reference_height_m: f64,
    /// Hellmann shear exponent (1/7 open land, 0.2-0.3 suburbs).
    #[serde(
        default = "default_shear",
        deserialize_with = "checked::shear_exponent"
    )]
    pub shear_exponent: f64,
}

fn default_wind() -> f64 {
    5.0
}
fn ten() -> f64 {
    10.0
}
fn default_shear() -> f64 {
    0.2
}

impl Default for Weather {
    fn default() -> Self {
        Self {
            pattern: Default::default(),
            series: None,
            mean_wind_m_s: default_wind(),
            wind_reference_height_m: ten(),
            shear_exponent: default_shear(),
        }
    }
}

/// A feeder: buses and the cables between them, radiating from the LV busbar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feeder {
    /// Street or feeder name.
    pub name: String,
    /// Buses (cable joints and house connections).
    pub buses: Vec<BusSpec>,
    /// Cables; `from` and `to` name buses (the busbar is `"LV busbar"`).
    pub lines: Vec<LineSpec>,
    /// Its buses and cables cannot be changed or removed in build mode
    /// (houses and turbines carry their own locks; new ones may join it).
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
}

/// A bus of a feeder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusSpec {
    /// Unique name.
    pub name: String,
    /// Position (x east, y north) in metres from the transformer.
    #[serde(default)]
    pub position_m: Option<Position>,
}

/// A point on the ground plane in metres (x east, y north).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position(
    #[serde(deserialize_with = "checked::coordinate_m")] pub f64,
    #[serde(deserialize_with = "checked::coordinate_m")] pub f64,
);

impl Position {
    /// As `[x, y]`, metres.
    pub fn xy(&self) -> [f64; 2] {
        [self.0, self.1]
    }
}

/// A cable between two buses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    /// Bus at the end nearer the transformer.
    pub from: String,
    /// Bus at the far end.
    pub to: String,
    /// Cable type name: a pandapower standard type or one of `cable_types`.
    pub cable: String,
    /// Length in metres.
    #[serde(deserialize_with = "checked::length_m")]
    pub length_m: f64,
    /// A switch on the cable, `Open` or `Closed` (none when not given): an
    /// open one is the normally-open point of a ring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch: Option<SwitchState>,
}

/// The position of a cable's switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SwitchState {
    /// The cable carries no current.
    Open,
    /// The cable is in service.
    Closed,
}

/// A household with its optional rooftop PV, home battery and electric car.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct House {
    /// Unique name (an address reads well).
    pub name: String,
    /// The bus the house connects to.
    pub bus: String,
    /// Yearly electricity demand in kWh (EU average about 3,500).
    #[serde(deserialize_with = "checked::annual_kwh")]
    pub annual_kwh: f64,
    /// Position in metres.
    pub position_m: Position,
    /// Share of the demand that is critical (served to the last in an island).
    #[serde(default = "default_critical", deserialize_with = "checked::share")]
    pub critical_share: f64,
    /// Power factor of the household load (inductive).
    #[serde(default = "default_pf", deserialize_with = "checked::power_factor")]
    pub power_factor: f64,
    /// Rooftop PV.
    #[serde(default)]
    pub pv: Option<Pv>,
    /// Home battery.
    #[serde(default)]
    pub battery: Option<Battery>,
    /// Electric car.
    #[serde(default)]
    pub ev: Option<Ev>,
    /// Its connection: `Three` (three-phase, the default in Germany) or one
    /// phase, `A`, `B` or `C` (only with `phases: Unbalanced`).
    #[serde(default, skip_serializing_if = "Phase::is_three")]
    pub phase: Phase,
    /// It and what it has cannot be changed or removed in build mode.
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
    /// The prices it trades at in the local double auction (a student's
    /// order in a class); none: its limit is drawn each interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    /// A three-phase house's load over phases A, B and C, each 0 to 1 and
    /// together 1, as measured or imported (`(0.5, 0.5, 0.0)`: two
    /// phases); none: the seeded spread of [`HOUSEHOLD_HEAVY_PHASE_SHARE`].
    /// Only with `phases: Unbalanced`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_shares: Option<[f64; 3]>,
}

/// A household's standing order in the local double auction, EUR/kWh.
/// Each interval the house offers its surplus at `ask` or bids for its
/// deficit at `bid`; a price outside the grid's (the feed-in tariff to the
/// import price) acts at the grid's, since nobody pays more than the grid
/// asks nor sells for less than it pays.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// The least it takes for a kWh it sells.
    #[serde(deserialize_with = "checked::price_eur_per_kwh")]
    pub ask_eur_per_kwh: f64,
    /// The most it pays for a kWh it buys.
    #[serde(deserialize_with = "checked::price_eur_per_kwh")]
    pub bid_eur_per_kwh: f64,
}

impl Order {
    /// The limit price of a house whose interval ends at `net_kwh` (positive
    /// a deficit), within the grid's prices `[export, import]`.
    pub fn limit_eur_per_kwh(&self, net_kwh: f64, export: f64, import: f64) -> f64 {
        let price = if net_kwh < 0.0 {
            self.ask_eur_per_kwh
        } else {
            self.bid_eur_per_kwh
        };
        price.clamp(export.min(import), import.max(export))
    }
}

/// How the power flow treats the three phases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhaseModel {
    /// Every device draws evenly from the three phases: one balanced solve.
    #[default]
    Balanced,
    /// Each phase solved: single-phase inverters and chargers on their
    /// phase, each three-phase house's load spread unevenly
    /// ([`HOUSEHOLD_HEAVY_PHASE_SHARE`]).
    Unbalanced,
}

impl PhaseModel {
    /// Whether it is the default, balanced model.
    pub fn is_balanced(&self) -> bool {
        *self == PhaseModel::Balanced
    }
}

/// Which phases a connection or a device uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// All three, evenly (a three-phase inverter or charger).
    #[default]
    Three,
    /// Phase A (L1) and the neutral.
    A,
    /// Phase B (L2) and the neutral.
    B,
    /// Phase C (L3) and the neutral.
    C,
}

impl Phase {
    /// Whether it is three-phase (the default).
    pub fn is_three(&self) -> bool {
        *self == Phase::Three
    }
    /// Its share of the power on phases A, B and C.
    pub fn shares(self) -> [f64; 3] {
        match self {
            Phase::Three => [1.0 / 3.0; 3],
            Phase::A => [1.0, 0.0, 0.0],
            Phase::B => [0.0, 1.0, 0.0],
            Phase::C => [0.0, 0.0, 1.0],
        }
    }
    /// The phase's letter, or "3" for three-phase.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Three => "3",
            Phase::A => "A",
            Phase::B => "B",
            Phase::C => "C",
        }
    }
}

/// The most a single-phase inverter or charger may feed or draw, kVA
/// (VDE-AR-N 4105: a connection's imbalance at most 4.6 kVA; chargers are
/// sold at 3.7 and 4.6 kW single-phase).
pub const SINGLE_PHASE_MAX_KVA: f64 = 4.6;

/// In an unbalanced scenario, the share of a three-phase house's load on
/// its busiest phase (the rest split evenly over the other two). Circuits
/// are wired to phases at installation, and the big single-phase loads
/// (oven, kettle, washing machine) cluster on one; which one is drawn
/// from the scenario's seed and the house.
pub const HOUSEHOLD_HEAVY_PHASE_SHARE: f64 = 0.5;

fn default_critical() -> f64 {
    0.3
}
fn default_pf() -> f64 {
    0.97
}

/// Rooftop PV array.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pv {
    /// DC peak power in kW.
    #[serde(deserialize_with = "checked::kwp")]
    pub kwp: f64,
    /// Tilt from horizontal in degrees.
    #[serde(default = "default_tilt", deserialize_with = "checked::tilt_deg")]
    pub tilt_deg: f64,
    /// Azimuth in degrees clockwise from north (180 = south).
    #[serde(default = "default_azimuth", deserialize_with = "checked::azimuth_deg")]
    pub azimuth_deg: f64,
    /// `Three` (default) or the one phase, `A`, `B` or `C`, it is on (a
    /// single-phase unit is at most 4.6 kVA; only with `phases: Unbalanced`).
    #[serde(default, skip_serializing_if = "Phase::is_three")]
    pub phase: Phase,
    /// It cannot be changed or removed in build mode.
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
}

fn default_tilt() -> f64 {
    30.0
}
fn default_azimuth() -> f64 {
    180.0
}

/// Home battery.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Battery {
    /// Usable energy in kWh.
    #[serde(deserialize_with = "checked::capacity_kwh")]
    pub capacity_kwh: f64,
    /// Continuous inverter power in kW.
    #[serde(deserialize_with = "checked::power_kw")]
    pub power_kw: f64,
    /// One-way efficiency (charge and discharge each).
    #[serde(default = "default_eff", deserialize_with = "checked::efficiency")]
    pub efficiency: f64,
    /// `Three` (default) or the one phase, `A`, `B` or `C`, it is on (a
    /// single-phase unit is at most 4.6 kVA; only with `phases: Unbalanced`).
    #[serde(default, skip_serializing_if = "Phase::is_three")]
    pub phase: Phase,
    /// It cannot be changed or removed in build mode.
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
}

fn default_eff() -> f64 {
    0.95
}

/// Electric car with its home charger.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ev {
    /// Battery energy in kWh.
    #[serde(deserialize_with = "checked::ev_battery_kwh")]
    pub battery_kwh: f64,
    /// Home charger power in kW (3.7, 7.4, 11 or 22 for AC).
    #[serde(deserialize_with = "checked::power_kw")]
    pub charger_kw: f64,
    /// Whether the owner lets the car feed the neighbourhood (vehicle-to-grid).
    #[serde(default)]
    pub v2g: bool,
    /// Usual arrival at home, `"HH:MM"`.
    #[serde(default = "default_arrive")]
    pub arrive: ClockTime,
    /// Usual departure, `"HH:MM"`.
    #[serde(default = "default_depart")]
    pub depart: ClockTime,
    /// Distance driven per day, km.
    #[serde(default = "default_km", deserialize_with = "checked::daily_km")]
    pub daily_km: f64,
    /// Consumption, kWh per km.
    #[serde(
        default = "default_kwh_per_km",
        deserialize_with = "checked::kwh_per_km"
    )]
    pub kwh_per_km: f64,
    /// `Three` (default) or the one phase, `A`, `B` or `C`, it is on (a
    /// single-phase unit is at most 4.6 kVA; only with `phases: Unbalanced`).
    #[serde(default, skip_serializing_if = "Phase::is_three")]
    pub phase: Phase,
    /// It cannot be changed or removed in build mode.
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
}

fn default_arrive() -> ClockTime {
    ClockTime(NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default())
}
fn default_depart() -> ClockTime {
    ClockTime(NaiveTime::from_hms_opt(7, 30, 0).unwrap_or_default())
}
fn default_km() -> f64 {
    40.0
}
fn default_kwh_per_km() -> f64 {
    0.18
}

/// A small wind turbine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindTurbine {
    /// Unique name.
    pub name: String,
    /// The bus it connects to.
    pub bus: String,
    /// Power-curve model (see `microgrid check --help` for the list).
    pub model: String,
    /// Hub height in metres.
    #[serde(deserialize_with = "checked::hub_height_m")]
    pub hub_height_m: f64,
    /// Position in metres.
    pub position_m: Position,
    /// It cannot be changed or removed in build mode.
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
}

/// A local date and time, written `"YYYY-MM-DD HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub NaiveDateTime);

/// Parses `"YYYY-MM-DD HH:MM"` (seconds optional).
pub fn parse_date_time(text: &str) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S"))
        .map_err(|_| {
            format!("\"{text}\" is not a date and time; write it as \"YYYY-MM-DD HH:MM\", e.g. \"2025-06-21 12:00\"")
        })
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d %H:%M"))
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_date_time(&text)
            .map(DateTime)
            .map_err(D::Error::custom)
    }
}

/// A time of day, written `"HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(pub NaiveTime);

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.format("%H:%M"))
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(text.trim(), "%H:%M")
            .map(ClockTime)
            .map_err(|_| {
                D::Error::custom(format!(
                    "\"{text}\" is not a time of day; write it as \"HH:MM\", e.g. \"07:30\""
                ))
            })
    }
}
