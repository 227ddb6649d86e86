//! What travels between a class's host and its students: messages each
//! way and the replicated class table. Registered in one order on both
//! sides by [`register`]; the protocol hash carries the program's version,
//! so a student of another version is turned away before anything else.

use bevy::prelude::*;
use bevy_replicon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::scenario::DateTime;
use crate::scenario::timed::Timed;

/// netcode's protocol id: "mgclass" and the class protocol's number.
pub const NETCODE_PROTOCOL_ID: u64 = 0x6d67_636c_6173_7301;

/// The program's version, which host and students must share.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Longest student name, characters.
pub const MAX_NAME_CHARS: usize = 40;

/// A student's first message: who they are and what opens the door.
#[derive(Message, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    /// The name the class knows them by (their house comes back to them
    /// under it when they rejoin).
    pub name: String,
    /// The class's PIN, when the host set one.
    pub pin: Option<String>,
    /// The student's program version.
    pub version: String,
    /// The language the student's window reads ("en", "de"): what the
    /// host refuses them is said in it.
    pub lang: String,
    /// The key the host gave this window with its house, when it comes
    /// back (without it, an away student's house stays theirs).
    pub key: Option<String>,
}

/// What a student sends after the host's [`Welcome`]: actions and
/// promises on one ordered channel, so a promise never overtakes the
/// actions sent before it.
#[derive(Message, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromStudent {
    /// An action.
    Act(Act),
    /// A promise: everything before its time has been sent.
    Horizon(Horizon),
    /// The language the student's window reads now ("en", "de"), chosen
    /// after its hello: what the host refuses them is said in it.
    Language(String),
}

/// A student's action: an edit of their house (or a control, which the
/// host refuses from a student).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Act {
    /// The student's own number for it, echoed in the [`Answer`].
    pub seq: u32,
    /// The simulated time it is for (a script's step), or `None`: now.
    pub at: Option<DateTime>,
    /// What.
    pub act: Timed,
}

/// A scripted student's promise: every action before `until` has been
/// sent (`None`: every action). The host does not simulate past the
/// earliest promise of the class, so a script plays the same however the
/// network delays it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Horizon {
    /// Sent everything before this time.
    pub until: Option<DateTime>,
}

/// The host's answer to a [`Hello`]: the student's house.
#[derive(Message, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    /// The class's name.
    pub class: String,
    /// The student's house.
    pub house: String,
    /// What the student may spend on it, EUR.
    pub budget_eur: f64,
    /// The house was theirs before (a rejoin).
    pub rejoined: bool,
    /// What the window shows to come back to the house.
    pub key: String,
}

/// The host turns a student away (the connection closes after it).
#[derive(Message, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Denied {
    /// Why, in words.
    pub reason: String,
    /// Trying again in a moment may work (the student's old connection
    /// has not closed yet).
    pub retry: bool,
}

/// What became of an [`Act`].
#[derive(Message, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The act's `seq`.
    pub seq: u32,
    /// What became of it.
    pub outcome: Outcome,
}

/// What became of an [`Act`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// Checked and waiting for its time.
    Queued,
    /// Carried out.
    Applied,
    /// Refused, with the reason.
    Refused(String),
}

/// What a student's window hears so that it runs the class's
/// neighbourhood step for step as the host does (the simulation is
/// deterministic: the same start and the same changes before the same
/// steps give the same state). Sent on one ordered channel, so a
/// [`ToWindow::Reached`] never overtakes the changes before it.
#[derive(Message, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWindow {
    /// After the [`Welcome`]: the neighbourhood as the class began (a
    /// scenario file's text), the step, and every change so far.
    Start {
        /// The scenario as a file would hold it.
        scenario: String,
        /// Simulated seconds per step.
        step_s: u32,
        /// Every change since the start, in order.
        changes: Vec<Stamped>,
        /// The steps the host had run when those were all (the window may
        /// run this far at once).
        reached: u64,
    },
    /// A change, as it happens.
    Change(Stamped),
    /// The host has run this many steps.
    Reached(u64),
}

/// A change to the running neighbourhood, before a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    /// Steps run when it was made (it comes before the next one).
    pub before_step: u64,
    /// What changed.
    pub change: Change,
}

/// What can change in a running class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// An edit of the neighbourhood (a student's or the teacher's).
    Edit(crate::scenario::edit::Edit),
    /// The whole neighbourhood anew (the teacher's undo or redo), as a
    /// scenario file's text.
    Neighbourhood(String),
    /// The grid fails (`true`) or comes back.
    Outage(bool),
    /// The import price fixed, EUR/kWh, or back to the tariff.
    Price(Option<f64>),
    /// The clouds (oktas) and the wind (m/s) fixed, or back to the weather.
    Weather {
        /// Cloud cover, oktas.
        clouds: Option<f64>,
        /// Wind, m/s.
        wind: Option<f64>,
    },
    /// The market's mechanism.
    Market(crate::market::Mechanism),
}

/// The class's clock, one entity.
#[derive(Component, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassClock {
    /// The class's name.
    pub class: String,
    /// The simulated time of the next step.
    pub now: DateTime,
    /// Steps run.
    pub steps: u64,
    /// Simulated seconds per step.
    pub step_s: u32,
    /// Steps the session runs (headless), or `None`: until the teacher ends it.
    pub total_steps: Option<u64>,
    /// The session is over: the results are final.
    pub finished: bool,
    /// The neighbourhood runs as an island (the breaker to the grid is open).
    pub islanded: bool,
    /// Steps it has run as an island so far.
    pub island_steps: u64,
    /// The teacher has stopped students' building for now.
    pub building_locked: bool,
    /// The teacher's message to everyone, if one is shown.
    pub banner: Option<String>,
}

/// Longest message the teacher can show to everyone, characters.
pub const MAX_BANNER_CHARS: usize = 200;

/// One house of the class table, one entity each.
#[derive(Component, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seat {
    /// The house.
    pub house: String,
    /// The student it belongs to, if any.
    pub student: Option<String>,
    /// The student's window is open.
    pub connected: bool,
    /// Net cost so far: the grid and the neighbours, earnings off, EUR.
    pub bill_eur: f64,
    /// Sold to neighbours, kWh.
    pub shared_kwh: f64,
    /// Bought from neighbours, kWh.
    pub bought_local_kwh: f64,
    /// Of its own demand, the share not bought through its meter.
    pub self_sufficiency: f64,
    /// Spent on the house, EUR.
    pub spent_eur: f64,
    /// The student's actions carried out.
    pub applied: u32,
    /// The student's actions refused.
    pub refused: u32,
}

/// Registers the messages and the replicated components, in one order
/// for host and students, with the program's version in the protocol hash.
pub fn register(app: &mut App) {
    app.add_client_message::<Hello>(Channel::Ordered)
        .add_client_message::<FromStudent>(Channel::Ordered)
        .add_server_message::<Welcome>(Channel::Ordered)
        .add_server_message::<Denied>(Channel::Ordered)
        .add_server_message::<Answer>(Channel::Ordered)
        .add_server_message::<ToWindow>(Channel::Ordered)
        .replicate::<ClassClock>()
        .replicate::<Seat>();
    app.world_mut()
        .resource_mut::<ProtocolHasher>()
        .add_custom(VERSION);
}
