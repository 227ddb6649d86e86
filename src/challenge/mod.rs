//! Challenges: a neighbourhood to improve, a budget, the tools allowed,
//! the events that will happen, and goals that earn one star each.
//!
//! A challenge file (`scenes/challenges/*.challenge.ron`) names the
//! scenario it starts from; [`Prepared::load`] checks both and gives the
//! starting design: the scenario with the challenge's seed, start, events,
//! budget and locks. [`grade()`] runs a design through the challenge and
//! judges it ([`eligibility`] first: within budget, locks kept, tools
//! allowed). Nothing here draws: the window and `microgrid challenge` both
//! use it.

pub mod eligibility;
pub mod goals;
pub mod grade;
pub mod progress;
pub mod realism;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use crate::lang::{Lang, Text};
use crate::scenario::error::{Locator, ScenarioError, read_ron};
use crate::scenario::{self, Built, DateTime, TimelineEvent};

pub use eligibility::{Tool, ToolUse};
pub use goals::{Goal, Meter, Reading};
pub use grade::{GoalResult, Grade, grade};

/// Longest run a challenge may ask for, hours (four weeks).
pub const MAX_HOURS: f64 = 28.0 * 24.0;
/// Most goals a challenge may have.
pub const MAX_GOALS: usize = 12;
/// Longest briefing, characters.
pub const MAX_BRIEFING_CHARS: usize = 2_000;
/// The step a challenge is run at, seconds.
pub const STEP_S: u32 = 60;

/// A challenge as written in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Shown on the start screen and the briefing, in one language or
    /// several (`{"en": "...", "de": "..."}`).
    pub title: Text,
    /// What to do and why, a few short sentences fit for a projector, in
    /// one language or several.
    pub briefing: Text,
    /// 1 easy, 2 medium, 3 hard.
    #[serde(default = "one", deserialize_with = "difficulty")]
    pub difficulty: u8,
    /// The scenario it starts from, relative to the challenge file.
    pub scenario: String,
    /// The build tools allowed (none: the design cannot be changed).
    #[serde(default)]
    pub tools: Vec<Tool>,
    /// Most uses of a tool (parts added or changed with it).
    #[serde(default)]
    pub caps: BTreeMap<Tool, u32>,
    /// What may be spent, EUR (at the scenario's prices).
    #[serde(deserialize_with = "budget")]
    pub budget_eur: f64,
    /// A second cable may join two buses already joined (priced like any
    /// cable); without this, a parallel cable makes a design ineligible.
    #[serde(default)]
    pub parallel_cables: bool,
    /// Lock every part the scenario has: the transformer, the feeders, the
    /// turbines, and each house's PV, battery and car (a house may still
    /// be given what it lacks).
    #[serde(default)]
    pub lock_all: bool,
    /// Lock these houses, turbines and feeders, by name.
    #[serde(default)]
    pub locked: Vec<String>,
    /// Seed of the weather, households and cars: every student gets the same case.
    pub seed: u64,
    /// When it starts [default: the scenario's start].
    #[serde(default)]
    pub start: Option<DateTime>,
    /// How long it runs, hours.
    #[serde(deserialize_with = "hours")]
    pub hours: f64,
    /// What happens (added to the scenario's own timeline).
    #[serde(default)]
    pub events: Vec<TimelineEvent>,
    /// One star each.
    pub goals: Vec<Goal>,
}

fn one() -> u8 {
    1
}

fn difficulty<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let v = u8::deserialize(d)?;
    if (1..=3).contains(&v) {
        Ok(v)
    } else {
        Err(D::Error::custom(format!(
            "difficulty is {v}; write 1 (easy), 2 (medium) or 3 (hard)"
        )))
    }
}

fn budget<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    scenario::checked::in_range(v, 0.0, 10_000_000.0, "budget_eur").map_err(D::Error::custom)
}

fn hours<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    scenario::checked::in_range(v, 1.0, MAX_HOURS, "hours (how long the challenge runs)")
        .map_err(D::Error::custom)
}

/// A checked challenge with its starting design.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The challenge file.
    pub file: PathBuf,
    /// What it says.
    pub challenge: Challenge,
    /// The scenario file it starts from.
    pub scenario_file: PathBuf,
    /// The starting design: the scenario with the challenge's seed, start,
    /// events, budget and locks, built.
    pub start: Built,
    /// Loaded carbon-intensity series, by the name a goal gives.
    pub intensities: BTreeMap<String, Arc<scenario::series::TimeSeries>>,
}

impl Prepared {
    /// Reads and checks a challenge file and the scenario it names.
    pub fn load(path: &Path) -> Result<Self, Vec<ScenarioError>> {
        let (challenge, text): (Challenge, _) = read_ron(
            path,
            "Challenge",
            "scenes/challenges/01-first-light.challenge.ron",
        )?;
        Self::from_challenge(path, &text, challenge)
    }

    fn from_challenge(
        path: &Path,
        text: &str,
        challenge: Challenge,
    ) -> Result<Self, Vec<ScenarioError>> {
        let file = path.display().to_string();
        let loc = Locator::new(&file, text);
        let folder = path.parent().unwrap_or(Path::new("."));
        let mut errors = check_fields(&challenge, &loc);
        let Some(scenario_file) = loc.scenario_beside(path, &challenge.scenario, &mut errors)
        else {
            return Err(errors);
        };
        let base = scenario::load_and_build(&scenario_file)?;
        // Unbalance is only measured where the phases are solved apart.
        if base.scenario.phases == scenario::PhaseModel::Balanced
            && let Some(n) = challenge
                .goals
                .iter()
                .position(|g| matches!(g, Goal::Unbalance { .. }))
        {
            let nth = challenge.goals[..n]
                .iter()
                .filter(|g| matches!(g, Goal::Unbalance { .. }))
                .count();
            errors.push(loc.error_at_text(
                "Unbalance",
                nth,
                "the goal Unbalance needs a scenario solved per phase (`phases: Unbalanced`); this one is balanced, so it would be a free star".to_owned(),
            ));
        }
        let mut s = base.scenario.clone();
        s.seed = challenge.seed;
        if let Some(start) = challenge.start {
            s.start = start;
        }
        s.events.extend(challenge.events.iter().cloned());
        s.budget_eur = Some(challenge.budget_eur);
        lock_parts(&mut s, &challenge, &loc, &mut errors);
        let run_end = s.start.0 + chrono::Duration::seconds((challenge.hours * 3600.0) as i64);
        for (n, e) in challenge.events.iter().enumerate() {
            let (from, _) = e.interval();
            if from >= run_end || from < s.start.0 {
                let when = DateTime(from).to_string();
                errors.push(loc.error_at_text(&when, 0, format!(
                    "event {} starts at {when}, outside the challenge's run ({} for {} hours); move it inside",
                    n + 1,
                    s.start,
                    goals::decimals_in(Lang::En, challenge.hours, 3)
                )));
            }
        }
        let mut intensities = BTreeMap::new();
        for goal in &challenge.goals {
            match goal {
                Goal::FairSharing if s.market.mechanism == crate::market::Mechanism::None => {
                    errors.push(loc.error_at_text("FairSharing", 0, format!(
                        "FairSharing needs the local market, but {} has none; give the scenario `market: (mechanism: SupplyDemandRatio)` or drop the goal",
                        scenario_file.display()
                    )));
                }
                Goal::Co2 {
                    intensity: goals::Intensity::Series(name),
                    ..
                } => {
                    let series_path = folder.join(name);
                    match scenario::series::TimeSeries::load(
                        &series_path,
                        &goals::INTENSITY_COLUMNS,
                    ) {
                        Ok(series) => {
                            let (first, last) = series.span();
                            if first > s.start.0 || last < run_end {
                                errors.push(loc.error_at_text(name, 0, format!(
                                    "the carbon-intensity series {name} covers {} to {}, not the whole run ({} to {})",
                                    DateTime(first),
                                    DateTime(last),
                                    s.start,
                                    DateTime(run_end)
                                )));
                            }
                            intensities.insert(name.clone(), Arc::new(series));
                        }
                        Err(e) => errors.push(e),
                    }
                }
                _ => {}
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // The merged timeline and the locks are checked like a scenario
        // file, with errors pointing into the challenge.
        let start = scenario::build(&s, &file, text)?.carrying_over(&base);
        Ok(Self {
            file: path.to_path_buf(),
            challenge,
            scenario_file,
            start,
            intensities,
        })
    }

    /// The challenge's name for files and the progress record: its file
    /// stem without `.challenge`.
    pub fn stem(&self) -> String {
        stem_of(&self.file)
    }

    /// The end of the run.
    pub fn end(&self) -> chrono::NaiveDateTime {
        self.start.scenario.start.0
            + chrono::Duration::seconds((self.challenge.hours * 3600.0) as i64)
    }

    /// The run's length in seconds.
    pub fn duration_s(&self) -> u64 {
        (self.challenge.hours * 3600.0).round() as u64
    }

    /// A meter per goal for a run of `design`.
    pub fn meters(&self, design: &Built) -> Vec<Meter> {
        let mut customer: Vec<usize> = design
            .devices
            .iter()
            .filter(|d| matches!(d.kind, scenario::DeviceKind::Household { .. }))
            .map(|d| d.bus)
            .collect();
        customer.sort_unstable();
        customer.dedup();
        self.challenge
            .goals
            .iter()
            .map(|g| {
                let series = match g {
                    Goal::Co2 {
                        intensity: goals::Intensity::Series(name),
                        ..
                    } => self.intensities.get(name).cloned(),
                    _ => None,
                };
                Meter::new(g.clone(), customer.clone(), series)
            })
            .collect()
    }
}

/// `name` from `folder/name.challenge.ron` (or `name.lesson.ron`, or any stem).
pub fn stem_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in [".challenge.ron", ".lesson.ron", ".scenario.ron", ".ron"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem.to_owned();
        }
    }
    name
}

/// Problems in the challenge's own fields.
fn check_fields(c: &Challenge, loc: &Locator) -> Vec<ScenarioError> {
    let mut errors = Vec::new();
    for lang in c.title.languages() {
        let title = c.title.in_lang(lang);
        if title.trim().is_empty() || title.chars().count() > scenario::MAX_NAME_CHARS {
            errors.push(loc.error_at(
                "title",
                title,
                0,
                format!(
                    "the title ({}) must have 1 to {} characters",
                    lang.code(),
                    scenario::MAX_NAME_CHARS
                ),
            ));
        }
    }
    for lang in c.briefing.languages() {
        let chars = c.briefing.in_lang(lang).chars().count();
        if chars > MAX_BRIEFING_CHARS {
            errors.push(loc.error_at_text("briefing", 0, format!(
                "the briefing ({}) has {chars} characters, more than {MAX_BRIEFING_CHARS}; keep it short enough to read from the back of a class",
                lang.code()
            )));
        }
    }
    if c.goals.is_empty() || c.goals.len() > MAX_GOALS {
        errors.push(loc.error_at_text(
            "goals",
            0,
            format!(
                "a challenge needs 1 to {MAX_GOALS} goals (one star each); it has {}",
                c.goals.len()
            ),
        ));
    }
    for (n, g) in c.goals.iter().enumerate() {
        let nth = c.goals[..n].iter().filter(|x| x.kind() == g.kind()).count();
        let wrong = match g {
            Goal::FrequencyBand { low_hz, high_hz } if low_hz >= high_hz => {
                Some("low_hz must be below high_hz")
            }
            Goal::VoltageBand { low_pu, high_pu } if low_pu >= high_pu => {
                Some("low_pu must be below high_pu")
            }
            _ => None,
        };
        if let Some(why) = wrong {
            errors.push(loc.error_at_text(g.kind(), nth, format!("{}: {why}", g.kind())));
        }
    }
    // A cap is a count of parts: no design has more than the scenario's limits.
    for (tool, cap) in c.caps.iter().filter(|(_, cap)| **cap > 1_000) {
        errors.push(loc.error_at_text(&format!("{tool:?}: {cap}"), 0, format!(
            "the cap of {cap} on {tool:?} is more than 1000 parts; write a smaller number or leave the cap out"
        )));
    }
    for (tool, _) in c.caps.iter().filter(|(t, _)| !c.tools.contains(t)) {
        errors.push(loc.error_at_text(&format!("{tool:?}"), 1, format!(
            "caps names {tool:?}, which is not among the tools; add it to `tools` or remove the cap"
        )));
    }
    if c.events.len() > scenario::MAX_EVENTS {
        errors.push(loc.error(format!(
            "the challenge lists {} events, more than {}",
            c.events.len(),
            scenario::MAX_EVENTS
        )));
    }
    errors
}

/// Sets the locks the challenge asks for; a name that is no part is an error.
fn lock_parts(
    s: &mut scenario::Scenario,
    c: &Challenge,
    loc: &Locator,
    errors: &mut Vec<ScenarioError>,
) {
    if c.lock_all {
        // Every part, but not the houses as such: new parts may be added
        // to them (which the tools allowed still govern).
        s.grid.locked = true;
        s.feeders.iter_mut().for_each(|f| f.locked = true);
        s.wind_turbines.iter_mut().for_each(|t| t.locked = true);
        for h in &mut s.houses {
            h.pv.iter_mut().for_each(|d| d.locked = true);
            h.battery.iter_mut().for_each(|d| d.locked = true);
            h.ev.iter_mut().for_each(|d| d.locked = true);
        }
    }
    for name in &c.locked {
        let mut found = false;
        for h in s.houses.iter_mut().filter(|h| &h.name == name) {
            h.locked = true;
            found = true;
        }
        for t in s.wind_turbines.iter_mut().filter(|t| &t.name == name) {
            t.locked = true;
            found = true;
        }
        for f in s.feeders.iter_mut().filter(|f| &f.name == name) {
            f.locked = true;
            found = true;
        }
        if !found {
            errors.push(loc.error_at_text(
                &format!("\"{name}\""),
                0,
                format!(
                    "locked names \"{name}\", which is no house, turbine or feeder of the scenario"
                ),
            ));
        }
    }
}
