//! A challenge's goals: each a rule over a run, shown in words and numbers,
//! and the meter that follows it step by step.
//!
//! A [`Meter`] sees one [`Observation`] per simulation step (a plain view of
//! what the step recorded) and keeps the value so far and, for a rule that
//! must hold throughout, when and where it first broke. The same meter
//! serves the live meters in the window and `microgrid challenge`.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::lang::{Lang, tr};
use crate::market::ledger::Ledger;
use crate::network::{Network, PowerFlow};
use crate::scenario::checked;
use crate::sim::island::{EventKind, LoggedEvent};
use crate::sim::metrics::{EnergyTotals, StepRecord};
use crate::tr;

/// Germany's grid carbon intensity in 2023, g CO2 per kWh (Umweltbundesamt,
/// "Entwicklung der spezifischen Treibhausgas-Emissionen des deutschen
/// Strommix", 2024: 380 g/kWh for 2023).
pub const GERMANY_2023_G_PER_KWH: f64 = 380.0;

/// One goal of a challenge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Goal {
    /// Demand not served (shed or dark) is at most `at_most_kwh`; with
    /// `critical_only`, only the houses' critical share counts.
    UnservedEnergy {
        /// Limit, kWh.
        #[serde(deserialize_with = "checked::limit_kwh")]
        at_most_kwh: f64,
        /// Count only critical demand (the share each house keeps to the last).
        #[serde(default)]
        critical_only: bool,
    },
    /// The island's frequency stays within `[low_hz, high_hz]` throughout
    /// (a dark island has none: 0 Hz).
    FrequencyBand {
        /// Lowest allowed, Hz.
        #[serde(deserialize_with = "checked::limit_hz")]
        low_hz: f64,
        /// Highest allowed, Hz.
        #[serde(deserialize_with = "checked::limit_hz")]
        high_hz: f64,
    },
    /// The lowest frequency (the nadir) is at least `at_least_hz`.
    FrequencyNadir {
        /// Limit, Hz.
        #[serde(deserialize_with = "checked::limit_hz")]
        at_least_hz: f64,
    },
    /// Every bus where houses connect stays within `[low_pu, high_pu]`
    /// throughout (EN 50160: 0.90 to 1.10).
    VoltageBand {
        /// Lowest allowed, per unit.
        #[serde(deserialize_with = "checked::limit_pu")]
        low_pu: f64,
        /// Highest allowed, per unit.
        #[serde(deserialize_with = "checked::limit_pu")]
        high_pu: f64,
    },
    /// No cable and not the transformer is loaded above `at_most_percent`.
    Loading {
        /// Limit, percent of the rating.
        #[serde(deserialize_with = "checked::limit_percent")]
        at_most_percent: f64,
    },
    /// Self-sufficiency (1 - import / demand) over the run is at least this.
    SelfSufficiency {
        /// Limit, percent.
        #[serde(deserialize_with = "checked::limit_percent_100")]
        at_least_percent: f64,
    },
    /// Energy bought from the grid is at most `at_most_kwh`.
    GridImport {
        /// Limit, kWh.
        #[serde(deserialize_with = "checked::limit_kwh")]
        at_most_kwh: f64,
    },
    /// The highest import at the point of common coupling is at most `at_most_kw`.
    PeakImport {
        /// Limit, kW.
        #[serde(deserialize_with = "checked::limit_kw")]
        at_most_kw: f64,
    },
    /// What the neighbourhood pays the grid less what it earns, over the
    /// whole run, is at most `at_most_eur` (judged at the end).
    NetCost {
        /// Limit, EUR (negative: it must earn).
        #[serde(deserialize_with = "checked::limit_eur")]
        at_most_eur: f64,
    },
    /// Every island ends with the breaker closing again (resynchronised),
    /// and no load is shed and no blackout happens on the way.
    Resynchronise,
    /// With the local market on, no house pays more than it would without
    /// sharing (each house's savings at least zero, to the cent).
    FairSharing,
    /// The grid's emissions for what the neighbourhood imports are at most
    /// `at_most_kg`.
    Co2 {
        /// Limit, kg CO2.
        #[serde(deserialize_with = "checked::limit_kg")]
        at_most_kg: f64,
        /// The grid's carbon intensity [default: Germany 2023, 380 g/kWh].
        #[serde(default)]
        intensity: Intensity,
    },
    /// No bus where houses connect has a voltage unbalance |V2|/|V1| above
    /// `at_most_percent` at any step (EN 50160's limit is 2 %; the
    /// scenario must be solved per phase).
    Unbalance {
        /// Limit, percent.
        #[serde(deserialize_with = "checked::limit_percent_100")]
        at_most_percent: f64,
    },
}

/// The grid's carbon intensity for a [`Goal::Co2`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Intensity {
    /// The same all the time, g CO2 per kWh.
    Constant(#[serde(deserialize_with = "checked::limit_g_per_kwh")] f64),
    /// A CSV series with a `g_co2_per_kwh` column (path relative to the
    /// challenge file); each value holds until the next row.
    Series(String),
}

impl Default for Intensity {
    fn default() -> Self {
        Self::Constant(GERMANY_2023_G_PER_KWH)
    }
}

/// The column of a carbon-intensity series.
pub const INTENSITY_COLUMNS: [crate::scenario::series::Column; 1] =
    [crate::scenario::series::Column {
        name: "g_co2_per_kwh",
        min: 0.0,
        max: 2_000.0,
        required: true,
    }];

impl Goal {
    /// Its kind's name as written in challenge files.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnservedEnergy { .. } => "UnservedEnergy",
            Self::FrequencyBand { .. } => "FrequencyBand",
            Self::FrequencyNadir { .. } => "FrequencyNadir",
            Self::VoltageBand { .. } => "VoltageBand",
            Self::Loading { .. } => "Loading",
            Self::SelfSufficiency { .. } => "SelfSufficiency",
            Self::GridImport { .. } => "GridImport",
            Self::PeakImport { .. } => "PeakImport",
            Self::NetCost { .. } => "NetCost",
            Self::Resynchronise => "Resynchronise",
            Self::FairSharing => "FairSharing",
            Self::Co2 { .. } => "Co2",
            Self::Unbalance { .. } => "Unbalance",
        }
    }

    /// A short name for a star, in the language in force.
    pub fn name(&self) -> String {
        tr(match self {
            Self::UnservedEnergy {
                critical_only: true,
                ..
            } => "goal.critical_served",
            Self::UnservedEnergy { .. } => "goal.lights_on",
            Self::FrequencyBand { .. } => "goal.steady_frequency",
            Self::FrequencyNadir { .. } => "goal.frequency_nadir",
            Self::VoltageBand { .. } => "goal.voltage_in_band",
            Self::Loading { .. } => "goal.no_overloads",
            Self::SelfSufficiency { .. } => "goal.self_sufficient",
            Self::GridImport { .. } => "goal.little_grid_energy",
            Self::PeakImport { .. } => "goal.low_peak_import",
            Self::NetCost { .. } => "goal.low_bill",
            Self::Resynchronise => "goal.smooth_reconnection",
            Self::FairSharing => "goal.fair_sharing",
            Self::Co2 { .. } => "goal.low_carbon",
            Self::Unbalance { .. } => "goal.balanced_phases",
        })
        .to_owned()
    }

    /// The rule in words and numbers, in the language in force.
    pub fn rule(&self) -> String {
        match self {
            Self::UnservedEnergy {
                at_most_kwh,
                critical_only: true,
            } => tr!("goal.rule_critical_unserved", kwh = num(*at_most_kwh)),
            Self::UnservedEnergy { at_most_kwh, .. } => {
                tr!("goal.rule_unserved", kwh = num(*at_most_kwh))
            }
            Self::FrequencyBand { low_hz, high_hz } => tr!(
                "goal.rule_frequency_band",
                low = num(*low_hz),
                high = num(*high_hz)
            ),
            Self::FrequencyNadir { at_least_hz } => {
                tr!("goal.rule_frequency_nadir", hz = num(*at_least_hz))
            }
            Self::VoltageBand { low_pu, high_pu } => tr!(
                "goal.rule_voltage_band",
                low = num(*low_pu),
                high = num(*high_pu)
            ),
            Self::Loading { at_most_percent } => {
                tr!("goal.rule_loading", percent = num(*at_most_percent))
            }
            Self::SelfSufficiency { at_least_percent } => tr!(
                "goal.rule_self_sufficiency",
                percent = num(*at_least_percent)
            ),
            Self::GridImport { at_most_kwh } => {
                tr!("goal.rule_grid_import", kwh = num(*at_most_kwh))
            }
            Self::PeakImport { at_most_kw } => {
                tr!("goal.rule_peak_import", kw = num(*at_most_kw))
            }
            Self::NetCost { at_most_eur } => tr!("goal.rule_net_cost", eur = num(*at_most_eur)),
            Self::Resynchronise => tr("goal.rule_resynchronise").to_owned(),
            Self::FairSharing => tr("goal.rule_fair_sharing").to_owned(),
            Self::Co2 {
                at_most_kg,
                intensity,
            } => tr!(
                "goal.rule_co2",
                kg = num(*at_most_kg),
                intensity = match intensity {
                    Intensity::Constant(g) => tr!("goal.intensity_constant", g = num(*g)),
                    Intensity::Series(file) => tr!("goal.intensity_series", file = file),
                }
            ),
            Self::Unbalance { at_most_percent } => {
                tr!("goal.rule_unbalance", percent = num(*at_most_percent))
            }
        }
    }

    /// The unit of its value and limit (a symbol, or a word in the
    /// language in force).
    pub fn unit(&self) -> &'static str {
        match self {
            Self::UnservedEnergy { .. } | Self::GridImport { .. } => "kWh",
            Self::FrequencyBand { .. } | Self::FrequencyNadir { .. } => "Hz",
            Self::VoltageBand { .. } => "pu",
            Self::Loading { .. } | Self::SelfSufficiency { .. } | Self::Unbalance { .. } => "%",
            Self::PeakImport { .. } => "kW",
            Self::NetCost { .. } | Self::FairSharing => "EUR",
            Self::Resynchronise => tr("goal.unit_events"),
            Self::Co2 { .. } => "kg",
        }
    }
}

/// A number without trailing zeros: 0.9, 49.5, 120 (0,9 in German).
pub fn num(x: f64) -> String {
    decimals(x, 3)
}

/// `x` with at most `places` decimals, trailing zeros dropped, with the
/// decimal separator of the language in force.
pub fn decimals(x: f64, places: usize) -> String {
    decimals_in(crate::lang::current(), x, places)
}

/// [`decimals`] in a given language (English for error messages).
pub fn decimals_in(lang: Lang, x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    let s = if s == "-0" { "0" } else { s };
    if lang == Lang::En {
        s.to_owned()
    } else {
        s.replace('.', ",")
    }
}

/// What one simulation step recorded, as a goal meter reads it.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The step's record (its time, powers, frequency, shedding).
    pub record: &'a StepRecord,
    /// The totals so far, this step included.
    pub totals: &'a EnergyTotals,
    /// The power flow of the step (none when it failed or was dark).
    pub flow: Option<&'a PowerFlow>,
    /// The neighbourhood was dark.
    pub dark: bool,
    /// The network solved (for bus and cable names).
    pub network: &'a Network,
    /// Events logged in this step.
    pub events: &'a [LoggedEvent],
    /// Length of the step, hours.
    pub step_h: f64,
}

/// When and where a rule that must hold throughout first broke.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    /// The step's time.
    pub at: NaiveDateTime,
    /// A bus or cable name (none for the neighbourhood as a whole).
    pub place: Option<String>,
}

/// The outcome of a goal so far (live) or at the end.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The value reached, in the goal's unit.
    pub value: f64,
    /// The limit it is held to.
    pub limit: f64,
    /// Whether the goal holds (so far, for a live meter).
    pub passed: bool,
    /// When and where it first failed.
    pub breach: Option<Breach>,
    /// A sentence for the results screen (what happened).
    pub note: String,
}

/// Follows one goal over a run.
#[derive(Debug, Clone)]
pub struct Meter {
    /// The goal followed.
    pub goal: Goal,
    /// Buses where houses connect (for the voltage band).
    customer_buses: Vec<usize>,
    /// The intensity series of a CO2 goal, loaded.
    intensity: Option<std::sync::Arc<crate::scenario::series::TimeSeries>>,
    value: f64,
    breach: Option<Breach>,
    // Resynchronise: islands begun, reconnections, shed stages and blackouts.
    islands: u32,
    reconnections: u32,
    shed_events: u32,
    // FairSharing: the worst extra a house paid, EUR, and which house.
    worst_house: Option<String>,
    steps: u64,
}

impl Meter {
    /// A meter for `goal` on a network whose houses connect at `customer_buses`.
    pub fn new(
        goal: Goal,
        customer_buses: Vec<usize>,
        intensity: Option<std::sync::Arc<crate::scenario::series::TimeSeries>>,
    ) -> Self {
        let value = match &goal {
            Goal::FrequencyBand { .. } | Goal::FrequencyNadir { .. } => {
                crate::physics::frequency::F0_HZ
            }
            Goal::VoltageBand { .. } => 1.0,
            _ => 0.0,
        };
        Self {
            goal,
            customer_buses,
            intensity,
            value,
            breach: None,
            islands: 0,
            reconnections: 0,
            shed_events: 0,
            worst_house: None,
            steps: 0,
        }
    }

    /// Takes in one step.
    pub fn observe(&mut self, o: &Observation) {
        self.steps += 1;
        let at = o.record.time.unwrap_or_default();
        let broke = |place: Option<String>, breach: &mut Option<Breach>| {
            if breach.is_none() {
                *breach = Some(Breach { at, place });
            }
        };
        match &self.goal {
            Goal::UnservedEnergy {
                at_most_kwh,
                critical_only,
            } => {
                self.value = if *critical_only {
                    o.totals.critical_unserved_kwh
                } else {
                    o.totals.unserved_kwh
                };
                if self.value > at_most_kwh + 1e-9 {
                    broke(None, &mut self.breach);
                }
            }
            Goal::FrequencyBand { low_hz, high_hz } => {
                if o.record.islanded {
                    let low = o.record.frequency_min_hz;
                    let high = o.record.frequency_hz.max(low);
                    // Keep the value furthest outside (or nearest the edge).
                    let below = low_hz - low;
                    let above = high - high_hz;
                    let worst_now = if below >= above { low } else { high };
                    let excess = |f: f64| (low_hz - f).max(f - high_hz);
                    if excess(worst_now) > excess(self.value) {
                        self.value = worst_now;
                    }
                    if low < low_hz - 1e-9 || high > high_hz + 1e-9 {
                        broke(None, &mut self.breach);
                    }
                }
            }
            Goal::FrequencyNadir { at_least_hz } => {
                if o.record.islanded {
                    self.value = self.value.min(o.record.frequency_min_hz);
                    if self.value < at_least_hz - 1e-9 {
                        broke(None, &mut self.breach);
                    }
                }
            }
            Goal::VoltageBand { low_pu, high_pu } => {
                let (low_pu, high_pu) = (*low_pu, *high_pu);
                let excess = |v: f64| (low_pu - v).max(v - high_pu);
                match o.flow {
                    Some(flow) => {
                        for &b in &self.customer_buses {
                            if b >= flow.vm_pu.len() {
                                continue;
                            }
                            // Both of a bus's extreme phases (equal when balanced).
                            let (lo, hi) = flow.bus_range_pu(b);
                            let v = if excess(lo) >= excess(hi) { lo } else { hi };
                            if excess(v) > excess(self.value) {
                                self.value = v;
                            }
                            if excess(v) > 1e-9 {
                                let name = o.network.buses.get(b).map(|b| b.name.clone());
                                broke(name, &mut self.breach);
                            }
                        }
                    }
                    None => {
                        // A dark or unsolved neighbourhood has no voltage to hold.
                        self.value = 0.0;
                        broke(None, &mut self.breach);
                    }
                }
            }
            Goal::Loading { at_most_percent } => {
                if let Some(flow) = o.flow {
                    let mut worst = (flow.transformer.loading_percent, None);
                    for (i, l) in flow.lines.iter().enumerate() {
                        if l.loading_percent > worst.0 {
                            worst = (l.loading_percent, Some(i));
                        }
                    }
                    self.value = self.value.max(worst.0);
                    if worst.0 > at_most_percent + 1e-9 {
                        let place = match worst.1 {
                            None => "the transformer".to_owned(),
                            Some(i) => o.network.lines.get(i).map_or_else(String::new, |l| {
                                let name = |b: usize| {
                                    o.network.buses.get(b).map_or("?", |b| b.name.as_str())
                                };
                                format!("the cable {} - {}", name(l.from_bus), name(l.to_bus))
                            }),
                        };
                        broke(Some(place), &mut self.breach);
                    }
                }
            }
            Goal::SelfSufficiency { .. } => {
                self.value = o.totals.self_sufficiency() * 100.0;
            }
            Goal::GridImport { at_most_kwh } => {
                self.value = o.totals.import_kwh;
                if self.value > at_most_kwh + 1e-9 {
                    broke(None, &mut self.breach);
                }
            }
            Goal::PeakImport { at_most_kw } => {
                self.value = o.totals.peak_import_kw;
                if self.value > at_most_kw + 1e-9 {
                    broke(None, &mut self.breach);
                }
            }
            Goal::NetCost { .. } => {
                // Judged at the end: a day's bill rises and falls.
                self.value = o.totals.import_cost_eur - o.totals.export_revenue_eur;
            }
            Goal::Resynchronise => {
                for e in o.events {
                    match e.kind {
                        EventKind::BreakerOpen => self.islands += 1,
                        EventKind::BreakerClose => self.reconnections += 1,
                        EventKind::ShedStage | EventKind::Blackout => {
                            self.shed_events += 1;
                            if self.breach.is_none() {
                                self.breach = Some(Breach {
                                    at: e.time,
                                    place: None,
                                });
                            }
                        }
                        _ => {}
                    }
                }
                self.value = f64::from(self.shed_events);
            }
            Goal::FairSharing => {}
            Goal::Co2 { at_most_kg, .. } => {
                let g = match &self.intensity {
                    Some(series) => series.hold(0, at).unwrap_or(0.0),
                    None => match &self.goal {
                        Goal::Co2 {
                            intensity: Intensity::Constant(g),
                            ..
                        } => *g,
                        _ => 0.0,
                    },
                };
                self.value += o.record.grid_import_kw.max(0.0) * o.step_h * g / 1000.0;
                if self.value > at_most_kg + 1e-9 {
                    broke(None, &mut self.breach);
                }
            }
            Goal::Unbalance { at_most_percent } => {
                self.value = self.value.max(o.record.unbalance_percent);
                // A dark or unsolved step has no unbalance to hold.
                if o.flow.is_none() || o.record.unbalance_percent > at_most_percent + 1e-9 {
                    broke(None, &mut self.breach);
                }
            }
        }
    }

    /// Takes in the market's settlement (for [`Goal::FairSharing`]): the
    /// house that paid most over its no-sharing baseline.
    pub fn settle(&mut self, ledger: &Ledger, house_names: &[String]) {
        if !matches!(self.goal, Goal::FairSharing) {
            return;
        }
        self.value = 0.0;
        self.worst_house = None;
        for (account, name) in ledger.accounts.iter().zip(house_names) {
            let extra = -account.savings_eur();
            if extra > self.value {
                self.value = extra;
                self.worst_house = Some(name.clone());
            }
        }
    }

    /// The reading now; `finished` when the run is over (goals judged on
    /// the whole run, such as self-sufficiency, are only passed then).
    pub fn reading(&self, finished: bool) -> Reading {
        let value = self.value;
        let (limit, passed, note) = match &self.goal {
            Goal::UnservedEnergy { at_most_kwh, .. } => (
                *at_most_kwh,
                self.breach.is_none(),
                tr!("goal.note_unserved", kwh = decimals(value, 2)),
            ),
            Goal::FrequencyBand { low_hz, high_hz } => {
                let limit = if value < (low_hz + high_hz) / 2.0 {
                    *low_hz
                } else {
                    *high_hz
                };
                let note = if self.breach.is_none() {
                    tr!("goal.note_within_band", hz = decimals(value, 2))
                } else if value <= 0.0 {
                    tr("goal.note_dark_frequency").to_owned()
                } else {
                    tr!("goal.note_reached_hz", hz = decimals(value, 2))
                };
                (limit, self.breach.is_none(), note)
            }
            Goal::FrequencyNadir { at_least_hz } => (
                *at_least_hz,
                self.breach.is_none(),
                tr!("goal.note_lowest_hz", hz = decimals(value, 2)),
            ),
            Goal::VoltageBand { low_pu, high_pu } => {
                let limit = if value < (low_pu + high_pu) / 2.0 {
                    *low_pu
                } else {
                    *high_pu
                };
                let note = if value <= 0.0 {
                    tr("goal.note_dark_voltage").to_owned()
                } else {
                    tr!("goal.note_furthest_pu", pu = decimals(value, 3))
                };
                (limit, self.breach.is_none(), note)
            }
            Goal::Loading { at_most_percent } => (
                *at_most_percent,
                self.breach.is_none(),
                tr!("goal.note_highest_loading", percent = decimals(value, 1)),
            ),
            Goal::SelfSufficiency { at_least_percent } => (
                *at_least_percent,
                finished && value >= at_least_percent - 1e-9,
                if value < 0.0 {
                    tr!(
                        "goal.note_self_sufficient_losses",
                        percent = decimals(value, 1)
                    )
                } else {
                    tr!("goal.note_self_sufficient", percent = decimals(value, 1))
                },
            ),
            Goal::GridImport { at_most_kwh } => (
                *at_most_kwh,
                self.breach.is_none(),
                tr!("goal.note_bought", kwh = decimals(value, 1)),
            ),
            Goal::PeakImport { at_most_kw } => (
                *at_most_kw,
                self.breach.is_none(),
                tr!("goal.note_peak", kw = decimals(value, 1)),
            ),
            Goal::NetCost { at_most_eur } => (
                *at_most_eur,
                finished && value <= at_most_eur + 1e-9,
                tr!("goal.note_bill", eur = decimals(value, 2)),
            ),
            Goal::Resynchronise => {
                let reconnected = self.islands > 0 && self.reconnections >= self.islands;
                let note = if self.islands == 0 {
                    tr("goal.note_never_islanded").to_owned()
                } else if self.shed_events > 0 {
                    tr!("goal.note_shed_events", n = self.shed_events)
                } else if reconnected {
                    if self.reconnections == 1 {
                        tr("goal.note_reconnected_once").to_owned()
                    } else {
                        tr!("goal.note_reconnected", n = self.reconnections)
                    }
                } else {
                    tr("goal.note_still_islanded").to_owned()
                };
                let passed = self.shed_events == 0 && (!finished || reconnected);
                (0.0, passed, note)
            }
            Goal::FairSharing => {
                let note = match &self.worst_house {
                    Some(h) => tr!("goal.note_paid_more", house = h, eur = decimals(value, 2)),
                    None => tr("goal.note_fair").to_owned(),
                };
                (0.0, finished && value <= 0.005, note)
            }
            Goal::Co2 { at_most_kg, .. } => (
                *at_most_kg,
                self.breach.is_none(),
                tr!("goal.note_co2", kg = decimals(value, 1)),
            ),
            Goal::Unbalance { at_most_percent } => (
                *at_most_percent,
                self.breach.is_none(),
                tr!("goal.note_unbalance", percent = decimals(value, 2)),
            ),
        };
        Reading {
            value,
            limit,
            passed,
            breach: self.breach.clone(),
            note,
        }
    }
}
