//! The demo's files: its config (`scenes/demo/*.demo.ron`) and its tours
//! (`scenes/tours/*.tour.ron`), how they are read and checked.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, de::Error as _};

use crate::app::control::script::ScriptAction;
use crate::scenario::error::{Locator, ScenarioError, read_ron};
use crate::scenario::{Built, checked};

/// Most tours a playlist may name.
pub const MAX_TOURS: usize = 20;
/// Most steps a tour may have.
pub const MAX_TOUR_STEPS: usize = 200;

/// A demo's settings, as written in its file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "Demo")]
pub struct DemoConfig {
    /// Tours to play in turn, relative to the config file.
    pub playlist: Vec<String>,
    /// Seconds without input before the countdown (default 90).
    #[serde(default = "d_idle", deserialize_with = "idle_s")]
    pub idle_s: f64,
    /// Seconds the countdown lasts (at least 20, WCAG 2.2.1).
    #[serde(default = "d_countdown", deserialize_with = "countdown_s")]
    pub countdown_s: f64,
    /// Digits the operator types after Ctrl+Alt+O (none: the chord alone).
    #[serde(default)]
    pub pin: Option<String>,
    /// The window's language: "en" or "de" (default "en"; `--lang` wins).
    #[serde(default, deserialize_with = "language")]
    pub language: crate::lang::Lang,
    /// How the 3D view is drawn: "high", "low" or "auto" (default; `--graphics` wins).
    #[serde(default, deserialize_with = "graphics")]
    pub graphics: crate::app::world::graphics::GraphicsSetting,
    /// The street the visitor's storm mission plays on, relative to the
    /// config file (none: the first tour's).
    #[serde(default)]
    pub mission: Option<String>,
}

fn d_idle() -> f64 {
    90.0
}
fn d_countdown() -> f64 {
    20.0
}
fn idle_s<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    checked::in_range(v, 10.0, 3600.0, "idle_s (seconds without input)").map_err(D::Error::custom)
}
fn language<'de, D: Deserializer<'de>>(d: D) -> Result<crate::lang::Lang, D::Error> {
    let code = String::deserialize(d)?;
    crate::lang::Lang::parse(&code).map_err(D::Error::custom)
}
fn graphics<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<crate::app::world::graphics::GraphicsSetting, D::Error> {
    let code = String::deserialize(d)?;
    crate::app::world::graphics::GraphicsSetting::parse(&code).map_err(D::Error::custom)
}
fn countdown_s<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    checked::in_range(v, 20.0, 300.0, "countdown_s (at least 20 s, WCAG 2.2.1)")
        .map_err(D::Error::custom)
}

/// A camera move: where to look and from how far.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraMove {
    /// A house, turbine, bus or "the transformer".
    pub focus: String,
    /// Distance from it, metres.
    #[serde(
        default = "d_distance",
        deserialize_with = "checked::camera_distance_m"
    )]
    pub distance_m: f64,
    /// Turn about the vertical, degrees (0 looks north).
    #[serde(default = "d_yaw", deserialize_with = "checked::yaw_deg")]
    pub yaw_deg: f64,
    /// Angle above the horizon, degrees.
    #[serde(default = "d_pitch", deserialize_with = "checked::pitch_deg")]
    pub pitch_deg: f64,
}

fn d_distance() -> f64 {
    120.0
}
fn d_yaw() -> f64 {
    30.0
}
fn d_pitch() -> f64 {
    35.0
}

/// One step of a tour.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TourStep {
    /// Wall-clock seconds after the previous step.
    pub after_s: f64,
    /// And not before the simulated clock reaches this time of day (after
    /// the previous step), so that captions match the sky on a slow PC.
    #[serde(default)]
    pub at: Option<crate::scenario::ClockTime>,
    /// The caption from now on (none: the last one stays), in one language
    /// or several (`{"en": "...", "de": "..."}`).
    #[serde(default)]
    pub caption: Option<crate::lang::Text>,
    /// A camera flight.
    #[serde(default)]
    pub camera: Option<CameraMove>,
    /// Script actions (controls and edits).
    #[serde(default)]
    pub actions: Vec<ScriptAction>,
}

/// A tour as written in its file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tour {
    /// Its name (for the operator), in one language or several.
    pub title: crate::lang::Text,
    /// The scenario it plays, relative to the tour file.
    pub scenario: String,
    /// The steps, in order.
    pub steps: Vec<TourStep>,
    /// Seconds the last step stays before the next tour.
    #[serde(default = "d_hold")]
    pub hold_s: f64,
}

fn d_hold() -> f64 {
    8.0
}

/// A checked tour with its scenario.
#[derive(Debug, Clone)]
pub struct PreparedTour {
    /// The tour file.
    pub file: PathBuf,
    /// What it says.
    pub tour: Tour,
    /// Its scenario file.
    pub scenario_file: PathBuf,
    /// Its scenario, built.
    pub start: Built,
}

impl PreparedTour {
    /// Reads and checks a tour file and its scenario.
    pub fn load(path: &Path) -> Result<Self, Vec<ScenarioError>> {
        let file = path.display().to_string();
        let (tour, text): (Tour, _) =
            read_ron(path, "Tour", "scenes/tours/a-day-in-lindenhof.tour.ron")?;
        let loc = Locator::new(&file, &text);
        let mut errors = Vec::new();
        if tour.steps.is_empty() || tour.steps.len() > MAX_TOUR_STEPS {
            errors.push(loc.error_at_text(
                "steps",
                0,
                format!(
                    "a tour needs 1 to {MAX_TOUR_STEPS} steps; it has {}",
                    tour.steps.len()
                ),
            ));
        }
        for (n, s) in tour.steps.iter().enumerate() {
            if !(0.0..=600.0).contains(&s.after_s) {
                errors.push(loc.error_at_text(
                    "after_s",
                    n,
                    format!(
                        "step {}: after_s is {}, outside 0 to 600 seconds",
                        n + 1,
                        s.after_s
                    ),
                ));
            }
        }
        if !(0.0..=600.0).contains(&tour.hold_s) {
            errors.push(loc.error_at_text("hold_s", 0, "hold_s must be 0 to 600 seconds".into()));
        }
        let actions = tour.steps.iter().flat_map(|s| &s.actions);
        crate::app::control::script::check_content_writes(actions, &loc, &mut errors);
        let Some(scenario_file) = loc.scenario_beside(path, &tour.scenario, &mut errors) else {
            return Err(errors);
        };
        let start = crate::scenario::load_and_build(&scenario_file)?;
        for s in &tour.steps {
            if let Some(c) = &s.camera
                && crate::app::world::layout::place_position(&start, &c.focus).is_none()
            {
                errors.push(loc.error_at(
                    "focus",
                    &c.focus,
                    0,
                    format!(
                        "focus \"{}\" is no house, turbine, bus or \"the transformer\" of {}",
                        c.focus,
                        scenario_file.display()
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            file: path.to_path_buf(),
            tour,
            scenario_file,
            start,
        })
    }
}

/// A checked demo: its settings and its tours.
#[derive(Debug, Clone)]
pub struct PreparedDemo {
    /// The config file.
    pub file: PathBuf,
    /// What it says.
    pub config: DemoConfig,
    /// The playlist's tours, checked.
    pub tours: Vec<PreparedTour>,
    /// The mission's street, checked (none: the first tour's).
    pub mission: Option<PreparedMission>,
}

/// The street of the visitor's mission.
#[derive(Debug, Clone)]
pub struct PreparedMission {
    /// Its scenario file.
    pub scenario_file: PathBuf,
    /// Its scenario, built.
    pub start: Built,
}

impl PreparedDemo {
    /// Reads and checks a demo config and every tour it names; any error
    /// keeps the demo from starting.
    pub fn load(path: &Path) -> Result<Self, Vec<ScenarioError>> {
        let file = path.display().to_string();
        let (config, text): (DemoConfig, _) =
            read_ron(path, "Demo", "scenes/demo/museum.demo.ron")?;
        let loc = Locator::new(&file, &text);
        let mut errors = Vec::new();
        if config.playlist.is_empty() || config.playlist.len() > MAX_TOURS {
            errors.push(loc.error_at_text(
                "playlist",
                0,
                format!(
                    "the playlist needs 1 to {MAX_TOURS} tours; it has {}",
                    config.playlist.len()
                ),
            ));
        }
        if let Some(pin) = &config.pin
            && (pin.is_empty() || pin.len() > 12 || !pin.chars().all(|c| c.is_ascii_digit()))
        {
            errors.push(loc.error_at_text(
                &format!("\"{pin}\""),
                0,
                "the PIN must be 1 to 12 digits".into(),
            ));
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        let mut tours = Vec::new();
        for name in &config.playlist {
            let tour_path = folder.join(name);
            if !tour_path.is_file() {
                errors.push(loc.error_at_text(&format!("\"{name}\""), 0, format!(
                    "the tour \"{name}\" was not found at {}; paths are relative to the config file",
                    tour_path.display()
                )));
                continue;
            }
            match PreparedTour::load(&tour_path) {
                Ok(t) => tours.push(t),
                Err(e) => errors.extend(e),
            }
        }
        let mut mission = None;
        if let Some(name) = &config.mission {
            match loc.file_beside(path, "mission", name, "scenario") {
                Ok(scenario_file) => match crate::scenario::load_and_build(&scenario_file) {
                    Ok(start) => {
                        mission = Some(PreparedMission {
                            scenario_file,
                            start,
                        })
                    }
                    Err(e) => errors.extend(e),
                },
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            file: path.to_path_buf(),
            config,
            tours,
            mission,
        })
    }
}
