//! Scripted input: `microgrid open FILE --script SCRIPT.ron` plays timed
//! actions through the same queue as the mouse and the keys, every control
//! and every edit. For tests, demo tours, and teachers replaying a build.
//!
//! ```ron
//! Script(steps: [
//!     (after_s: 1.0, action: AddPv(house: "Lindenweg 9", kwp: 6.5, tilt_deg: 35.0, azimuth_deg: 180.0)),
//!     (after_s: 0.5, action: Undo),
//!     (after_s: 0.5, action: SaveAs("scenes/my/plus.scenario.ron")),
//!     (after_s: 0.5, action: Quit),
//! ])
//! ```
//!
//! `after_s` counts wall-clock seconds after the frame the previous step
//! played in (so steps more than 0 s apart never share a frame). The edits
//! are [`Edit`]'s variants, written as they are; the controls are
//! [`Control`]'s. A refused step is reported on stderr with its reason and
//! the script goes on; a malformed script is refused before the window
//! opens, with file:line:column.

use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};

use bevy::prelude::*;
use serde::de::{self, DeserializeSeed, EnumAccess, IntoDeserializer, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::action::{Action, ChallengeAction, GraphicsSetting, LessonAction};
use super::queue::PendingActions;
use crate::market::Mechanism;
use crate::scenario::edit::Edit;
use crate::scenario::{ScenarioError, checked, error::read_text};

/// The controls a script can use, besides the edits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Control {
    /// Grid outage on or off.
    ToggleOutage,
    /// Fix the import price (EUR/kWh), or `None` for the tariff.
    SetPrice(#[serde(deserialize_with = "checked::optional::price_eur_per_kwh")] Option<f64>),
    /// The 1.50 EUR/kWh spike on or off.
    TogglePriceSpike,
    /// Pause or run.
    TogglePause,
    /// Pause (whatever the clock did).
    Pause,
    /// Run (whatever the clock did).
    Run,
    /// One step.
    StepOnce,
    /// Simulated seconds per real second.
    SetSpeed(#[serde(deserialize_with = "checked::speed")] f64),
    /// Run ahead to the next stroke of this hour.
    JumpToHour(#[serde(deserialize_with = "checked::hour")] u32),
    /// Cloud cover in oktas, or `None` for the weather model.
    SetClouds(#[serde(deserialize_with = "checked::optional::oktas")] Option<f64>),
    /// Wind in m/s, or `None` for the weather model.
    SetWind(#[serde(deserialize_with = "checked::optional::wind_m_s")] Option<f64>),
    /// Open another scenario file.
    LoadScenario(PathBuf),
    /// Read the running scenario's file again.
    Reload,
    /// The market mechanism: `SupplyDemandRatio`, `MidMarketRate`, `BillSharing`, `Auction`, `None`.
    SetMarket(Mechanism),
    /// Take the last edit back.
    Undo,
    /// Do it again.
    Redo,
    /// Write over the running scenario's file (never a shipped one).
    Save,
    /// Write to this file.
    SaveAs(PathBuf),
    /// Save the window as a PNG here.
    Screenshot(PathBuf),
    /// Close the window.
    Quit,
    /// Go on with a load held for unsaved edits, dropping them.
    DiscardEdits,
    /// Keep the edits; the held load is dropped.
    KeepEdits,
    /// Open a challenge file and show its briefing.
    OpenChallenge(PathBuf),
    /// From the challenge's briefing to the design phase.
    BeginChallenge,
    /// Run the design through the challenge.
    RunChallenge,
    /// Back to the design after (or during) a run.
    TryAgain,
    /// Run the same design again.
    Replay,
    /// Turn the camera to a house, a turbine, a bus, "the cable A - B" or "the transformer".
    LookAt(String),
    /// Open a lesson file at its first step.
    OpenLesson(PathBuf),
    /// The lesson's next step.
    NextStep,
    /// The lesson's step before.
    StepBack,
    /// Perform the lesson step's "Show me".
    ShowMe,
    /// Open a panel: `Help`, `Build`, `Challenges`, `Charts` or `Key`.
    Show(super::action::Panel),
    /// The panels' size in percent: 100, 125, 150 or 200.
    SetUiSize(#[serde(deserialize_with = "ui_size")] u32),
    /// Presenter mode on (`true`) or off (`false`).
    SetPresenter(bool),
    /// Export the challenge's results under this student's name (`hand-in/`).
    ExportResults(String),
    /// Show the window in this language: `En` or `De`.
    SetLanguage(ScriptLang),
    /// Draw the 3D view this way: `High`, `Low` or `Auto`.
    SetGraphics(ScriptGraphics),
}

/// A language, as a script names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ScriptLang {
    /// English.
    En,
    /// German.
    De,
}

/// A graphics setting, as a script names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ScriptGraphics {
    /// Full resolution, shadows, MSAA.
    High,
    /// Half resolution, no shadows or MSAA.
    Low,
    /// Low on a software renderer or slow frames.
    Auto,
}

/// Names of [`Edit`]'s variants (a test holds this list to the enum).
pub const EDIT_NAMES: [&str; 26] = [
    "AddPv",
    "AddBattery",
    "AddCar",
    "AddHouse",
    "AddTurbine",
    "RemoveHouse",
    "RemovePv",
    "RemoveBattery",
    "RemoveCar",
    "RemoveTurbine",
    "SetHouse",
    "SetPv",
    "SetBattery",
    "SetCar",
    "SetPhase",
    "SetOrder",
    "ClearOrder",
    "SetTurbine",
    "SetTransformer",
    "SetController",
    "AddCable",
    "SetCable",
    "RemoveBus",
    "MoveHouse",
    "MoveTurbine",
    "SetSwitch",
];

/// Names of [`Control`]'s variants.
pub const CONTROL_NAMES: [&str; 38] = [
    "ToggleOutage",
    "SetPrice",
    "TogglePriceSpike",
    "TogglePause",
    "Pause",
    "Run",
    "StepOnce",
    "SetSpeed",
    "JumpToHour",
    "SetClouds",
    "SetWind",
    "LoadScenario",
    "Reload",
    "SetMarket",
    "Undo",
    "Redo",
    "Save",
    "SaveAs",
    "Screenshot",
    "Quit",
    "DiscardEdits",
    "KeepEdits",
    "OpenChallenge",
    "BeginChallenge",
    "RunChallenge",
    "TryAgain",
    "Replay",
    "LookAt",
    "OpenLesson",
    "NextStep",
    "StepBack",
    "ShowMe",
    "Show",
    "SetLanguage",
    "SetGraphics",
    "SetUiSize",
    "SetPresenter",
    "ExportResults",
];

/// Every action's name: the edits', then the controls'.
const ALL_NAMES: [&str; EDIT_NAMES.len() + CONTROL_NAMES.len()] = {
    let mut all = [""; EDIT_NAMES.len() + CONTROL_NAMES.len()];
    let mut i = 0;
    while i < all.len() {
        all[i] = if i < EDIT_NAMES.len() {
            EDIT_NAMES[i]
        } else {
            CONTROL_NAMES[i - EDIT_NAMES.len()]
        };
        i += 1;
    }
    all
};

/// One step's action: an edit or a control, written by its own name.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptAction {
    /// A change to the neighbourhood.
    Edit(Edit),
    /// A control.
    Control(Control),
}

/// An enum variant already named, replayed to another enum's deserialiser.
struct Replay<A> {
    name: String,
    variant: A,
}

impl<'de, A: VariantAccess<'de>> EnumAccess<'de> for Replay<A> {
    type Error = A::Error;
    type Variant = A;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, A), A::Error> {
        let name: de::value::StringDeserializer<A::Error> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, self.variant))
    }
}

impl<'de, A: VariantAccess<'de>> Deserializer<'de> for Replay<A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// An enum variant's name, read as an identifier (as derived enums read it).
struct VariantName(String);

impl<'de> Deserialize<'de> for VariantName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = VariantName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "the name of an action")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<VariantName, E> {
                Ok(VariantName(v.to_owned()))
            }
        }
        d.deserialize_identifier(Name)
    }
}

struct ActionVisitor;

impl<'de> Visitor<'de> for ActionVisitor {
    type Value = ScriptAction;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "an edit such as AddPv(house: \"...\", kwp: 6.5) or a control such as Undo"
        )
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<ScriptAction, A::Error> {
        let (VariantName(name), variant) = data.variant()?;
        let replay = Replay {
            name: name.clone(),
            variant,
        };
        if EDIT_NAMES.contains(&name.as_str()) {
            Edit::deserialize(replay).map(ScriptAction::Edit)
        } else if CONTROL_NAMES.contains(&name.as_str()) {
            Control::deserialize(replay).map(ScriptAction::Control)
        } else {
            Err(de::Error::unknown_variant(&name, &ALL_NAMES))
        }
    }
}

impl<'de> Deserialize<'de> for ScriptAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_enum("ScriptAction", &ALL_NAMES, ActionVisitor)
    }
}

fn ui_size<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let p = u32::deserialize(d)?;
    let sizes = super::action::UI_SIZES_PERCENT;
    if !sizes.contains(&p) {
        return Err(de::Error::custom(format!(
            "SetUiSize({p}): the panels' size is one of {sizes:?} percent"
        )));
    }
    Ok(p)
}

/// Where a lesson or a tour (content someone else wrote) may write: inside
/// the user's folder ([`super::editing::MY_FOLDER`]), by a relative path
/// that does not climb out of it. A script the user runs may write where
/// the user says.
pub fn content_may_write(action: &ScriptAction) -> Result<(), String> {
    let ScriptAction::Control(Control::SaveAs(path) | Control::Screenshot(path)) = action else {
        return Ok(());
    };
    let folder = Path::new(super::editing::MY_FOLDER);
    let inside = path.starts_with(folder)
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if inside {
        Ok(())
    } else {
        Err(format!(
            "a lesson or a tour writes only inside {}/; \"{}\" is outside it",
            folder.display(),
            path.display()
        ))
    }
}

/// [`content_may_write`] for each of a content file's actions, each
/// refusal located at its path in the file's text.
pub fn check_content_writes<'a>(
    actions: impl Iterator<Item = &'a ScriptAction>,
    loc: &crate::scenario::error::Locator<'_>,
    errors: &mut Vec<ScenarioError>,
) {
    for action in actions {
        if let Err(why) = content_may_write(action) {
            let written = match action {
                ScriptAction::Control(Control::SaveAs(p) | Control::Screenshot(p)) => {
                    p.display().to_string()
                }
                _ => String::new(),
            };
            errors.push(loc.error_at_text(&written, 0, why));
        }
    }
}

fn after_s<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    checked::in_range(v, 0.0, 3600.0, "after_s (seconds after the previous step)")
        .map_err(de::Error::custom)
}

/// One timed step.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Wall-clock seconds after the previous step.
    #[serde(deserialize_with = "after_s")]
    pub after_s: f64,
    /// What to do.
    pub action: ScriptAction,
}

/// A script file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// Most steps a script may have.
pub use crate::scenario::timed::MAX_STEPS;

/// Parses script text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Script, ScenarioError> {
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let script: Script = options.from_str(text).map_err(|e| ScenarioError {
        file: file.to_owned(),
        position: Some((e.span.start.line, e.span.start.col)),
        message: format!(
            "{}; a script is Script(steps: [(after_s: 1.0, action: Undo), ...])",
            e.code
        ),
    })?;
    crate::scenario::timed::check_step_count(script.steps.len(), file)?;
    Ok(script)
}

/// Reads and parses a script file.
pub fn load(path: &Path) -> Result<Script, ScenarioError> {
    let text = read_text(path)?;
    parse(&text, &path.display().to_string())
}

impl ScriptAction {
    /// The window's action for this step.
    pub fn to_action(&self) -> Action {
        match self.clone() {
            Self::Edit(e) => Action::Edit(e),
            Self::Control(c) => match c {
                Control::ToggleOutage => Action::ToggleOutage,
                Control::SetPrice(p) => Action::SetPrice(p),
                Control::TogglePriceSpike => Action::TogglePriceSpike,
                Control::TogglePause => Action::TogglePause,
                Control::Pause => Action::SetPaused(true),
                Control::Run => Action::SetPaused(false),
                Control::StepOnce => Action::StepOnce,
                Control::SetSpeed(s) => Action::SetSpeed(s),
                Control::JumpToHour(h) => Action::JumpToHour(h),
                Control::SetClouds(c) => Action::SetClouds(c),
                Control::SetWind(w) => Action::SetWind(w),
                Control::LoadScenario(p) => Action::LoadScenario(p),
                Control::Reload => Action::Reload,
                Control::SetMarket(m) => Action::SetMarket(m),
                Control::Undo => Action::Undo,
                Control::Redo => Action::Redo,
                Control::Save => Action::Save,
                Control::SaveAs(p) => Action::SaveAs(p),
                Control::Screenshot(p) => Action::Screenshot(p),
                Control::Quit => Action::Quit,
                Control::DiscardEdits => Action::DiscardEdits,
                Control::KeepEdits => Action::KeepEdits,
                Control::OpenChallenge(p) => Action::OpenChallenge(p),
                Control::BeginChallenge => Action::Challenge(ChallengeAction::Begin),
                Control::RunChallenge => Action::Challenge(ChallengeAction::Run),
                Control::TryAgain => Action::Challenge(ChallengeAction::TryAgain),
                Control::Replay => Action::Challenge(ChallengeAction::Replay),
                Control::LookAt(place) => Action::LookAt(place),
                Control::OpenLesson(p) => Action::OpenLesson(p),
                Control::NextStep => Action::Lesson(LessonAction::Next),
                Control::StepBack => Action::Lesson(LessonAction::Back),
                Control::ShowMe => Action::Lesson(LessonAction::ShowMe),
                Control::Show(panel) => Action::Show(panel),
                Control::SetUiSize(p) => Action::SetUiSize(p),
                Control::SetPresenter(on) => Action::SetPresenter(on),
                Control::ExportResults(name) => Action::ExportResults(name),
                Control::SetLanguage(l) => Action::SetLanguage(match l {
                    ScriptLang::En => crate::lang::Lang::En,
                    ScriptLang::De => crate::lang::Lang::De,
                }),
                Control::SetGraphics(g) => Action::SetGraphics(match g {
                    ScriptGraphics::High => GraphicsSetting::High,
                    ScriptGraphics::Low => GraphicsSetting::Low,
                    ScriptGraphics::Auto => GraphicsSetting::Auto,
                }),
            },
        }
    }
}

/// A script being played.
#[derive(Resource, Debug, Clone, Default)]
pub struct ScriptPlayer {
    steps: VecDeque<Step>,
    waited_s: f64,
}

impl ScriptPlayer {
    /// A player for `script`, from its first step.
    pub fn new(script: Script) -> Self {
        Self {
            steps: script.steps.into(),
            waited_s: 0.0,
        }
    }

    /// Steps still to play.
    pub fn remaining(&self) -> usize {
        self.steps.len()
    }

    /// The actions due after `real_dt_s` more seconds of wall-clock time.
    pub fn advance(&mut self, real_dt_s: f64) -> Vec<Action> {
        self.waited_s += real_dt_s.max(0.0);
        let mut due = Vec::new();
        while let Some(step) = self.steps.front() {
            if self.waited_s + 1e-9 < step.after_s {
                break;
            }
            // The next step waits from this frame on: a slow frame never
            // plays two timed steps at once (a screenshot and the change
            // after it), only steps 0 s apart.
            self.waited_s = 0.0;
            due.push(step.action.to_action());
            self.steps.pop_front();
        }
        if self.steps.is_empty() {
            self.waited_s = 0.0;
        }
        due
    }
}

/// Plays a script's due steps into the action queue (before they are applied).
pub fn play_script(
    time: Res<Time<Real>>,
    player: Option<ResMut<ScriptPlayer>>,
    jump: Option<Res<crate::app::control::long_work::Jump>>,
    loading: Option<Res<crate::app::control::long_work::Loading>>,
    mut actions: ResMut<PendingActions>,
) {
    let Some(mut player) = player else {
        return;
    };
    // The script's clock stands still while a jump or a load is under way,
    // so that the next step meets what the last one asked for.
    if jump.is_some() || loading.is_some() {
        return;
    }
    for action in player.advance(time.delta_secs_f64()) {
        actions.push(action);
    }
}
