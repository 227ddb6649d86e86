//! Everything a user can do, as one [`Action`] type: the buttons, the keys,
//! scripts, tours and lessons all queue these, and each concern's plugin
//! carries out its own (see [`super::queue`]). Data only: no systems here.

use std::path::PathBuf;

use crate::market::Mechanism;

/// Speeds offered by the time controls, simulated seconds per real second.
pub const SPEEDS: [f64; 7] = [1.0, 10.0, 60.0, 300.0, 600.0, 1800.0, 3600.0];

/// The speed the window opens at: ten minutes a second, a day in 2.4 minutes.
pub const DEFAULT_SPEED: f64 = 600.0;

/// Import price the "price spike" shortcut sets, EUR/kWh.
pub const SPIKE_PRICE_EUR_PER_KWH: f64 = 1.50;

/// Times of day the "jump" control visits in turn.
pub const JUMP_HOURS: [u32; 4] = [6, 12, 18, 0];

/// Cloud cover the cloud shortcut cycles through (None: the weather model).
pub const CLOUD_PRESETS: [Option<f64>; 4] = [None, Some(0.0), Some(4.0), Some(8.0)];

/// Wind speeds the wind shortcut cycles through, m/s (None: the weather model).
pub const WIND_PRESETS: [Option<f64>; 4] = [None, Some(0.0), Some(6.0), Some(14.0)];

/// The mechanisms the M key cycles through.
pub const MARKET_CYCLE: [Mechanism; 5] = [
    Mechanism::SupplyDemandRatio,
    Mechanism::MidMarketRate,
    Mechanism::BillSharing,
    Mechanism::Auction,
    Mechanism::None,
];

/// One thing the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Cut the grid, or give it back.
    ToggleOutage,
    /// Override the import price (EUR/kWh), or go back to the tariff.
    SetPrice(Option<f64>),
    /// Spike the price to [`SPIKE_PRICE_EUR_PER_KWH`], or end the spike.
    TogglePriceSpike,
    /// Pause or resume.
    TogglePause,
    /// Pause (`true`) or run.
    SetPaused(bool),
    /// Save the window as a PNG at this path.
    Screenshot(PathBuf),
    /// Run exactly one step (pauses first).
    StepOnce,
    /// Next speed up in [`SPEEDS`].
    Faster,
    /// Next speed down in [`SPEEDS`].
    Slower,
    /// Run at this speed (clamped by the clock).
    SetSpeed(f64),
    /// Run the simulation forward to the next time this hour of day strikes.
    JumpToHour(u32),
    /// Jump to the next of [`JUMP_HOURS`] after the current time.
    JumpToNext,
    /// Fix the cloud cover in oktas, or give it back to the weather model.
    SetClouds(Option<f64>),
    /// Next of [`CLOUD_PRESETS`].
    CycleClouds,
    /// Fix the wind speed in m/s, or give it back to the weather model.
    SetWind(Option<f64>),
    /// Next of [`WIND_PRESETS`].
    CycleWind,
    /// Open another scenario file; on errors the running one stays.
    LoadScenario(PathBuf),
    /// Load the running scenario's file again (after editing it).
    Reload,
    /// Price local trades by this mechanism from the next interval on.
    SetMarket(Mechanism),
    /// Next mechanism in [`MARKET_CYCLE`].
    CycleMarket,
    /// Change the neighbourhood while it runs (build mode, scripts).
    Edit(crate::scenario::edit::Edit),
    /// Predict what an edit would do now, without making it (see [`crate::app::control::editing::EditPreview`]).
    Preview(crate::scenario::edit::Edit),
    /// Take the last edit back.
    Undo,
    /// Do the last undone edit again.
    Redo,
    /// Write the edited neighbourhood over its file (not a shipped one).
    Save,
    /// Write the edited neighbourhood to this file, which becomes the running one's.
    SaveAs(PathBuf),
    /// Close the window.
    Quit,
    /// Close the window as its close button asks (held while edits are unsaved).
    CloseWindow,
    /// Go on with the action that was held for unsaved edits, dropping them.
    DiscardEdits,
    /// Keep the unsaved edits: the held action is dropped instead.
    KeepEdits,
    /// Stop a jump where it is.
    CancelJump,
    /// Close the error dialog and keep the running scenario as it is.
    DismissErrors,
    /// A step of the challenge being played (see `modes::challenge`).
    Challenge(ChallengeAction),
    /// Open a challenge file (`*.challenge.ron`) and show its briefing.
    OpenChallenge(PathBuf),
    /// Turn the camera to a house, a turbine, a bus, a cable ("the cable A - B") or "the transformer".
    LookAt(String),
    /// Open a lesson file (`*.lesson.ron`) at its first step.
    OpenLesson(PathBuf),
    /// A step of the lesson being followed (see `modes::lesson`).
    Lesson(LessonAction),
    /// A step of the public demo (see `modes::demo`).
    Demo(DemoAction),
    /// Show every text in this language from now on.
    SetLanguage(crate::lang::Lang),
    /// Draw the 3D view this way from now on (see `world::graphics`).
    SetGraphics(GraphicsSetting),
    /// Open a panel (scripts, tours; the keys toggle them directly).
    Show(Panel),
    /// Export the challenge's results for handing in, under this student's
    /// name: the grade as JSON and a report card as PNG in `hand-in/`.
    ExportResults(String),
    /// The panels' size, one of [`UI_SIZES_PERCENT`].
    SetUiSize(u32),
    /// Presenter mode on (`true`) or off.
    SetPresenter(bool),
    /// The teacher's control of a class (see `modes::class`).
    Class(ClassAction),
}

/// What the teacher's window asks of a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassAction {
    /// End the class: the results are final, shown and saved.
    End,
    /// Stop the students' building (`true`), or let them build again.
    LockBuilding(bool),
    /// Show a message to everyone, or take it down.
    Banner(Option<String>),
    /// Move a student to a free house.
    Move {
        /// The student, by name.
        student: String,
        /// The free house.
        house: String,
    },
    /// A student's window picks the class announced at `target` (with the
    /// class's PIN, if it needs one).
    Pick {
        /// Where the class listens.
        target: std::net::SocketAddr,
        /// The PIN typed.
        pin: Option<String>,
    },
    /// Let an away student back in from any window (another computer):
    /// the key their house waits for is forgotten.
    LetIn {
        /// The student, by name.
        student: String,
    },
    /// Free a house for another student (its student leaves the class).
    Free {
        /// The student now there (nothing is done if another is).
        student: String,
        /// The house.
        house: String,
    },
}

/// A panel a script can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Panel {
    /// The help overlay (F1).
    Help,
    /// Build mode (B).
    Build,
    /// The list of challenges and lessons (L).
    Challenges,
    /// The charts drawer (Tab).
    Charts,
    /// The key to the 3D view's colours (K).
    Key,
    /// The network coloured by phase unbalance (V).
    Unbalance,
}

/// The panels' sizes, percent (U cycles through them).
pub const UI_SIZES_PERCENT: [u32; 4] = [100, 125, 150, 200];

/// What a challenge's buttons and keys ask for (`modes::challenge` carries them out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChallengeAction {
    /// From the briefing to the design phase.
    Begin,
    /// Show the briefing again.
    Briefing,
    /// Run the design through the challenge's events.
    Run,
    /// Back to the design phase with the design as it was run.
    TryAgain,
    /// Run the same design again.
    Replay,
}

/// What a lesson's buttons ask for (`modes::lesson` carries them out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum LessonAction {
    /// On to the next step.
    Next,
    /// Back to the step before.
    Back,
    /// Perform this step's actions.
    ShowMe,
    /// Close the lesson (the scenario stays).
    Close,
}

/// What the demo's buttons and the operator ask for (`modes::demo` carries them out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoAction {
    /// A visitor's input: take control (or keep it).
    Input,
    /// "Start again" in the countdown, or the operator's reset.
    StartAgain,
    /// The operator: the next tour now.
    NextTour,
    /// Add rooftop solar to the first house without.
    AddSolar,
    /// Add a home battery to the first house without.
    AddBattery,
    /// Start the 90-second mission: keep the lights on through a storm.
    Mission,
}

/// How the 3D view is to be drawn, as the user asked (`world::graphics` draws it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GraphicsSetting {
    /// Full resolution, shadows, MSAA.
    High,
    /// Reduced resolution, no shadows, no MSAA.
    Low,
    /// `low` on a software renderer or when frames stay slow, else `high`.
    #[default]
    Auto,
}

impl GraphicsSetting {
    /// Reads "high", "low" or "auto".
    pub fn parse(s: &str) -> Result<GraphicsSetting, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "high" => Ok(GraphicsSetting::High),
            "low" => Ok(GraphicsSetting::Low),
            "auto" => Ok(GraphicsSetting::Auto),
            other => Err(format!(
                "\"{other}\" is not a graphics setting: use high, low or auto"
            )),
        }
    }

    /// Its name on the command line.
    pub fn code(self) -> &'static str {
        match self {
            GraphicsSetting::High => "high",
            GraphicsSetting::Low => "low",
            GraphicsSetting::Auto => "auto",
        }
    }
}

/// Whether `action` would drop the running neighbourhood's edits (it
/// replaces the neighbourhood or closes the window).
pub fn drops_edits(action: &Action) -> bool {
    matches!(
        action,
        Action::LoadScenario(_)
            | Action::Reload
            | Action::CloseWindow
            | Action::OpenChallenge(_)
            | Action::OpenLesson(_)
    )
}
