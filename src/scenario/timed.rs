//! Actions at simulated times, for a run without a window: `microgrid run
//! SCENARIO --script STEPS.ron` plays them as the clock reaches each, and
//! a student in a class (`microgrid join --headless --script`) sends them to
//! the host, where the house `"mine"` is the student's own.
//!
//! ```ron
//! TimedScript(steps: [
//!     (at: "2025-06-21 08:00", edit: AddPv(house: "mine", kwp: 5.0)),
//!     (at: "2025-06-21 09:00", edit: SetOrder(house: "mine", ask_eur_per_kwh: 0.10, bid_eur_per_kwh: 0.25)),
//!     (at: "2025-06-21 12:00", control: GridOutage(true)),
//! ])
//! ```
//!
//! Each step has its time and one `edit` (an [`Edit`], as a script writes
//! it) or one `control` ([`TimedControl`]). Steps run in the order written,
//! which must be the order of their times; several at one time run in turn
//! before that step of the simulation.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::edit::Edit;
use super::error::{Locator, ScenarioError, parse_ron, read_text};
use super::{DateTime, checked};
use crate::market::Mechanism;

/// The house a student's script calls its own.
pub const MINE: &str = "mine";

/// Most steps a script may have (a timed one or a window's).
pub const MAX_STEPS: usize = 100_000;

/// What a timed step can do besides an edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TimedControl {
    /// The grid fails (`true`) or comes back (`false`).
    GridOutage(bool),
    /// Fix the import price, EUR/kWh, or `None` for the tariff.
    SetPrice(#[serde(deserialize_with = "checked::optional::price_eur_per_kwh")] Option<f64>),
    /// Price local trades by this mechanism from the next interval on.
    SetMarket(Mechanism),
    /// A student's window closes here and opens again: the house runs on
    /// autopilot meanwhile and is the student's again on rejoining (a
    /// class only; a run refuses it).
    Rejoin,
}

/// One step as written: a time and one of an edit or a control.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrittenStep {
    at: DateTime,
    #[serde(default)]
    edit: Option<Edit>,
    #[serde(default)]
    control: Option<TimedControl>,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Timed {
    /// A change to the neighbourhood.
    Edit(Edit),
    /// A control.
    Control(TimedControl),
}

/// One step: at this local time, do this.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "WrittenStep")]
pub struct TimedStep {
    /// When, local time.
    pub at: DateTime,
    /// What.
    pub act: Timed,
}

impl TryFrom<WrittenStep> for TimedStep {
    type Error = String;

    fn try_from(w: WrittenStep) -> Result<Self, String> {
        let act = match (w.edit, w.control) {
            (Some(e), None) => Timed::Edit(e),
            (None, Some(c)) => Timed::Control(c),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "the step at {} has both an edit and a control; give each its own step",
                    w.at
                ));
            }
            (None, None) => {
                return Err(format!(
                    "the step at {} does nothing; give it an `edit:` or a `control:`",
                    w.at
                ));
            }
        };
        Ok(Self { at: w.at, act })
    }
}

/// A timed script file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedScript {
    /// The steps, in the order of their times.
    pub steps: Vec<TimedStep>,
}

impl Timed {
    /// The house it acts on, if it acts on one house.
    pub fn house(&self) -> Option<&str> {
        match self {
            Timed::Edit(e) => e.house(),
            Timed::Control(_) => None,
        }
    }

    /// The same with the house `"mine"` read as `house`.
    pub fn for_house(&self, house: &str) -> Timed {
        match self {
            Timed::Edit(e) => Timed::Edit(e.with_house_named(MINE, house)),
            other => other.clone(),
        }
    }
}

/// Refuses a script (timed, or a window's) of more than [`MAX_STEPS`] steps.
pub fn check_step_count(steps: usize, file: &str) -> Result<(), ScenarioError> {
    if steps > MAX_STEPS {
        return Err(ScenarioError::file(
            file,
            format!("the script has {steps} steps, more than the limit of {MAX_STEPS}"),
        ));
    }
    Ok(())
}

/// Parses a timed script's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<TimedScript, ScenarioError> {
    let script: TimedScript =
        parse_ron(text, file, "TimedScript", "scenes/class/student.steps.ron")?;
    check_step_count(script.steps.len(), file)?;
    let loc = Locator::new(file, text);
    if let Some(step) = script
        .steps
        .iter()
        .find(|s| chrono::Timelike::second(&s.at.0) != 0)
    {
        let written = step.at.0.format("%Y-%m-%d %H:%M:%S").to_string();
        return Err(loc.error_at(
            "at",
            &written,
            0,
            format!("{written}: a step's time is to the minute; leave out the seconds"),
        ));
    }
    for (i, pair) in script.steps.windows(2).enumerate() {
        if pair[1].at < pair[0].at {
            let n = script.steps[..=i + 1]
                .iter()
                .filter(|s| s.at == pair[1].at)
                .count()
                - 1;
            return Err(loc.error_at(
                "at",
                &pair[1].at.to_string(),
                n,
                format!(
                    "step {} at {} comes before the step above it ({}): write the steps in the order of their times",
                    i + 2,
                    pair[1].at,
                    pair[0].at
                ),
            ));
        }
    }
    Ok(script)
}

/// Reads and parses a timed script file.
pub fn load(path: &Path) -> Result<TimedScript, ScenarioError> {
    let text = read_text(path)?;
    parse(&text, &path.display().to_string())
}
