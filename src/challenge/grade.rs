//! Running a design through a challenge and judging it: eligibility, each
//! goal's value against its limit, stars and score. `microgrid challenge`
//! prints these; the window's results screen shows them.

use std::path::Path;

use bevy::prelude::World;
use serde::Serialize;

use super::goals::{Meter, Observation, Reading};
use super::{Prepared, STEP_S, eligibility};
use crate::scenario::{self, Built};
use crate::sim::Neighbourhood;
use crate::sim::island::EventLog;
use crate::sim::metrics::{EnergyTotals, StepRecord};
use crate::sim::network::NetworkState;

/// Points per star.
pub const POINTS_PER_STAR: u32 = 100;
/// Most points for thrift (the share of the budget left, when every star is earned).
pub const THRIFT_POINTS: u32 = 100;

/// One goal's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalResult {
    /// Its short name.
    pub name: String,
    /// Its rule in words and numbers.
    pub rule: String,
    /// Whether it earned its star.
    pub passed: bool,
    /// The value reached.
    pub value: f64,
    /// The limit.
    pub limit: f64,
    /// The unit of both.
    pub unit: String,
    /// What happened, in words.
    pub note: String,
    /// When it first failed, local time.
    pub first_failed: Option<String>,
    /// Where it first failed (a bus or a cable).
    #[serde(rename = "where")]
    pub place: Option<String>,
}

impl GoalResult {
    /// From a meter's reading at the end of the run.
    pub fn from_meter(meter: &Meter, reading: &Reading) -> Self {
        Self {
            name: meter.goal.name(),
            rule: meter.goal.rule(),
            passed: reading.passed,
            value: tidy(reading.value),
            limit: tidy(reading.limit),
            unit: meter.goal.unit().to_owned(),
            note: reading.note.clone(),
            first_failed: reading
                .breach
                .as_ref()
                .map(|b| b.at.format("%Y-%m-%d %H:%M").to_string()),
            place: reading.breach.as_ref().and_then(|b| b.place.clone()),
        }
    }
}

/// A design's grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    /// The challenge's title.
    pub challenge: String,
    /// The design file (or "start" for the starting design).
    pub design: String,
    /// Whether it may earn stars.
    pub eligible: bool,
    /// Why not, in words.
    pub reasons: Vec<String>,
    /// Stars earned.
    pub stars: u32,
    /// Stars there are.
    pub max_stars: u32,
    /// 100 per star, and up to 100 for the budget left when every star is earned.
    pub score: u32,
    /// The budget.
    pub budget_eur: f64,
    /// What the design spent at the challenge's prices.
    pub spent_eur: f64,
    /// Each goal.
    pub goals: Vec<GoalResult>,
}

/// Rounded for stable, readable output (1e-4 of the unit).
fn tidy(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    (x * 1e4).round() / 1e4 + 0.0
}

/// The design as the challenge runs it: its parts, with the challenge's
/// seed, start, timeline and budget.
pub fn fixed(prepared: &Prepared, design: &scenario::Scenario) -> scenario::Scenario {
    let start = &prepared.start.scenario;
    let mut s = design.clone();
    s.seed = start.seed;
    s.start = start.start;
    s.events = start.events.clone();
    s.budget_eur = start.budget_eur;
    s
}

/// Feeds the step the world just ran to each meter. `seen` counts the
/// events already read from the log.
pub fn observe(meters: &mut [Meter], world: &World, seen: &mut usize) {
    let (Some(record), Some(totals), Some(state), Some(hood), Some(log)) = (
        world.get_resource::<StepRecord>(),
        world.get_resource::<EnergyTotals>(),
        world.get_resource::<NetworkState>(),
        world.get_resource::<Neighbourhood>(),
        world.get_resource::<EventLog>(),
    ) else {
        return;
    };
    let events = log.0.get(*seen..).unwrap_or(&[]);
    *seen = log.0.len();
    let step_h = world
        .get_resource::<crate::sim::SimClock>()
        .map_or(f64::from(STEP_S), |c| f64::from(c.step_s))
        / 3600.0;
    let o = Observation {
        record,
        totals,
        flow: if state.dark { None } else { state.solved() },
        dark: state.dark,
        network: &hood.0.network,
        events,
        step_h,
    };
    for m in meters {
        m.observe(&o);
    }
}

/// Stars and score from the goals' outcomes.
pub fn stars_and_score(
    eligible: bool,
    goals: &[GoalResult],
    budget_eur: f64,
    spent_eur: f64,
) -> (u32, u32) {
    if !eligible {
        return (0, 0);
    }
    let stars = goals.iter().filter(|g| g.passed).count() as u32;
    let mut score = stars * POINTS_PER_STAR;
    if stars as usize == goals.len() && budget_eur > 0.0 {
        let left = ((budget_eur - spent_eur) / budget_eur).clamp(0.0, 1.0);
        score += (left * f64::from(THRIFT_POINTS)).round() as u32;
    }
    (stars, score)
}

/// Runs `design` (the starting design when `None`) through the challenge.
/// `name` is what the grade calls the design.
pub fn grade(prepared: &Prepared, design: Option<&Path>) -> Grade {
    let title = prepared.challenge.title.get();
    let budget = prepared.challenge.budget_eur;
    let name = design.map_or_else(|| "start".to_owned(), |p| p.display().to_string());
    let not_run = |reasons: Vec<String>| Grade {
        challenge: title.clone(),
        design: name.clone(),
        eligible: false,
        reasons,
        stars: 0,
        max_stars: prepared.challenge.goals.len() as u32,
        score: 0,
        budget_eur: budget,
        spent_eur: 0.0,
        goals: Vec::new(),
    };
    let built = match design {
        None => prepared.start.clone(),
        Some(path) => match scenario::load_and_build(path) {
            Ok(b) => b,
            Err(errors) => {
                return not_run(errors.iter().map(ToString::to_string).collect());
            }
        },
    };
    let scenario = fixed(prepared, &built.scenario);
    let built = match scenario::build(&scenario, &name, "") {
        Ok(b) => b.carrying_over(&built),
        Err(errors) => {
            return not_run(
                errors
                    .iter()
                    .map(|e| crate::tr!("grade.with_timeline", why = e.message))
                    .collect(),
            );
        }
    };
    let (reasons, spent, _) = eligibility::reasons(
        &prepared.start.scenario,
        &built.scenario,
        &prepared.challenge,
    );
    match run(prepared, &built) {
        Ok(goals) => {
            let eligible = reasons.is_empty();
            let (stars, score) = stars_and_score(eligible, &goals, budget, spent);
            Grade {
                challenge: title,
                design: name,
                eligible,
                reasons,
                stars,
                max_stars: goals.len() as u32,
                score,
                budget_eur: tidy(budget),
                spent_eur: tidy(spent),
                goals,
            }
        }
        Err(e) => {
            let mut reasons = reasons;
            reasons.push(crate::tr!("grade.not_run", why = e));
            not_run(reasons)
        }
    }
}

/// Runs a built design (the challenge's settings applied) and reads every goal.
pub fn run(prepared: &Prepared, built: &Built) -> Result<Vec<GoalResult>, String> {
    let mut meters = prepared.meters(built);
    let mut seen = 0;
    let options = crate::run::RunOptions::new(prepared.duration_s(), STEP_S);
    let summary = crate::run::simulate(built, &options, |world| {
        observe(&mut meters, world, &mut seen);
    })?;
    if let Some(market) = &summary.market {
        let names: Vec<String> = built
            .scenario
            .houses
            .iter()
            .map(|h| h.name.clone())
            .collect();
        for m in &mut meters {
            m.settle(&market.ledger, &names);
        }
    }
    Ok(meters
        .iter()
        .map(|m| GoalResult::from_meter(m, &m.reading(true)))
        .collect())
}

/// A grade as readable lines.
pub fn report_text(g: &Grade) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "{} - {}", g.challenge, g.design);
    if g.eligible {
        let _ = writeln!(
            s,
            "  eligible: spent {} of {}",
            scenario::prices::eur_text(g.spent_eur),
            scenario::prices::eur_text(g.budget_eur)
        );
    } else {
        let _ = writeln!(s, "  NOT ELIGIBLE (no stars):");
        for r in &g.reasons {
            let _ = writeln!(s, "    - {r}");
        }
    }
    for goal in &g.goals {
        let _ = write!(
            s,
            "  [{}] {}: {} -- {}",
            if goal.passed { "*" } else { " " },
            goal.name,
            goal.rule,
            goal.note
        );
        if let Some(when) = &goal.first_failed {
            let _ = write!(s, "; first failed {when}");
            if let Some(place) = &goal.place {
                let _ = write!(s, " at {place}");
            }
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "  stars {}/{}, score {}", g.stars, g.max_stars, g.score);
    s
}

/// Grades as a table, one row each (for a folder of designs).
pub fn table_text(grades: &[Grade]) -> String {
    use std::fmt::Write as _;
    let width = grades
        .iter()
        .map(|g| g.design.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<width$}  eligible  stars  score  spent_eur  goals (* passed)",
        "design"
    );
    for g in grades {
        let marks: String = g
            .goals
            .iter()
            .map(|goal| if goal.passed { '*' } else { '.' })
            .collect();
        let _ = writeln!(
            s,
            "{:<width$}  {:<8}  {:>2}/{:<2}  {:>5}  {:>9.0}  {}{}",
            g.design,
            if g.eligible { "yes" } else { "no" },
            g.stars,
            g.max_stars,
            g.score,
            g.spent_eur,
            marks,
            g.reasons
                .first()
                .map(|r| format!("  ({r})"))
                .unwrap_or_default()
        );
    }
    s
}
