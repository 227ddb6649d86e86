//! A student's window in a live class: it joins, runs its own copy of the
//! class's simulation step for step as the host runs it (the same start,
//! the same changes before the same steps: see [`super::live`]), and sends
//! the student's edits to the host instead of making them itself. Nothing
//! here draws; the window shows the copy as it shows any neighbourhood.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_replicon::prelude::*;

use super::protocol::{
    Act, Answer, Change, ClassClock, Denied, FromStudent, Hello, Outcome, Stamped, ToWindow,
    VERSION, Welcome,
};
use crate::scenario::edit::{self, Edit};
use crate::scenario::timed::Timed;
use crate::sim::devices::SetWeather;
use crate::sim::island::SetGridOutage;
use crate::sim::market::SetMarket;
use crate::sim::prices::SetPrice;
use crate::sim::{self, Neighbourhood, SimClock};

/// Longest a window works on catching up with the class in one frame.
const CATCH_UP_BUDGET: Duration = Duration::from_millis(30);

/// Where the student's window is in the class.
#[derive(Debug, Clone, PartialEq)]
pub enum Joining {
    /// No class picked yet: the window lists the classes announced on the
    /// network ([`super::announce::Listener`]) for the student to pick one.
    Choosing,
    /// Connecting and saying hello.
    Knocking,
    /// Seated; waiting for the class's neighbourhood.
    Seated,
    /// Following the class.
    Following,
    /// Turned away, with the reason.
    Denied(String),
    /// Sent out of the class after being in it (the teacher freed the
    /// student's house), with the reason.
    SentAway(String),
    /// The connection closed.
    Lost,
    /// This copy could not follow the class (a change it could not make).
    OutOfStep(String),
}

/// A student's window's view of the class.
#[derive(Resource, Debug, Clone)]
pub struct Mirror {
    /// The host.
    pub server: SocketAddr,
    /// The student's name.
    pub name: String,
    /// The class's PIN, if any.
    pub pin: Option<String>,
    /// The language the student reads (the host's refusals come in it):
    /// the window's own when not set.
    pub lang: Option<crate::lang::Lang>,
    /// Where it is.
    pub joining: Joining,
    /// The host's welcome: the class, the house, the budget.
    pub welcome: Option<Welcome>,
    /// The key to come back to the house with (from the welcome, or kept
    /// on this computer from a window before).
    pub key: Option<String>,
    /// Where the window keeps its key between windows (none: in memory).
    pub keys_file: Option<std::path::PathBuf>,
    /// Keeping the key failed: why (the window says so).
    pub key_problem: Option<String>,
    /// The UDP port classes are announced on (while the student picks one).
    pub announce_port: u16,
    /// The class was picked from the list (heard on this port): a refusal
    /// goes back to the list.
    picked_from: Option<u16>,
    /// Why the class last picked turned the student away (the list says so).
    pub refused_pick: Option<String>,
    /// Changes heard and not yet made, in order.
    queue: VecDeque<Stamped>,
    /// Steps the host has run.
    pub reached: u64,
    said_hello: bool,
    /// The language the host was last told.
    told_lang: Option<crate::lang::Lang>,
    was_connected: bool,
    /// The number of the student's last action.
    next_seq: u32,
    /// What the student sent and has no answer for yet, by number.
    pub sent: Vec<(u32, String)>,
    /// The host's answers not yet shown: what was asked, and what came of it.
    pub answers: VecDeque<(String, Outcome)>,
    /// The copy's neighbourhood was (re)started from the class's: the
    /// window turns to the student's house.
    pub started: u32,
    /// When to knock again (the host still held the old connection, or
    /// the connection was lost), and how often it has.
    retry_at: Option<Instant>,
    tries: u32,
    /// When the present connection was opened again (one that fails to
    /// come up in time is tried again).
    opened_at: Option<Instant>,
}

/// Most times a window knocks again before it gives up.
const MAX_TRIES: u32 = 20;

impl Mirror {
    /// A window about to join the class at `server` as `name`.
    pub fn new(server: SocketAddr, name: String, pin: Option<String>) -> Self {
        Self {
            server,
            name,
            pin,
            lang: None,
            joining: Joining::Knocking,
            welcome: None,
            key: None,
            keys_file: None,
            key_problem: None,
            announce_port: super::announce::ANNOUNCE_PORT,
            picked_from: None,
            refused_pick: None,
            queue: VecDeque::new(),
            reached: 0,
            said_hello: false,
            told_lang: None,
            was_connected: false,
            next_seq: 0,
            sent: Vec::new(),
            answers: VecDeque::new(),
            started: 0,
            retry_at: None,
            tries: 0,
            opened_at: None,
        }
    }

    /// A window that lets the student pick a class announced on the
    /// network (heard on `announce_port`) before it joins as `name`.
    pub fn choosing(name: String, pin: Option<String>, announce_port: u16) -> Self {
        Self {
            joining: Joining::Choosing,
            announce_port,
            ..Self::new(SocketAddr::from(([0, 0, 0, 0], 0)), name, pin)
        }
    }

    /// Keeps the key in `file` between windows, and comes with the one
    /// kept there for this class and name, if any.
    pub fn with_keys_file(mut self, file: std::path::PathBuf) -> Self {
        self.key = super::keys::kept(&file, self.server, &self.name);
        self.keys_file = Some(file);
        self
    }

    /// Knocks again in `after` (at most [`MAX_TRIES`] times): `false` when
    /// it has given up.
    fn knock_again(&mut self, after: Duration) -> bool {
        if self.tries >= MAX_TRIES {
            return false;
        }
        self.retry_at = Some(Instant::now() + after);
        true
    }

    /// The language the student reads: the one set, else the window's.
    pub fn reads(&self) -> crate::lang::Lang {
        self.lang.unwrap_or_else(crate::lang::current)
    }

    /// The student's house, once seated.
    pub fn house(&self) -> Option<&str> {
        self.welcome.as_ref().map(|w| w.house.as_str())
    }

    /// Steps heard of and not yet run.
    pub fn behind(&self, steps: u64) -> u64 {
        self.reached.saturating_sub(steps)
    }
}

/// Connects a window's app to the class (or, while the student picks one,
/// listens for classes on its `announce_port`) and adds the systems that
/// follow it (before the frame's simulation, which the class's clock
/// drives).
pub fn start(app: &mut App, mirror: Mirror) -> Result<(), String> {
    super::net::add_transport(app);
    if mirror.joining == Joining::Choosing {
        app.insert_resource(super::announce::Listener::new(mirror.announce_port)?);
        app.add_systems(Update, hear_classes.before(crate::sim::SimulationFrame));
    } else {
        super::net::connect(app, mirror.server)?;
    }
    app.insert_resource(mirror);
    app.add_observer(|_: On<ProtocolMismatch>, mut mirror: ResMut<Mirror>| {
        mirror.joining = Joining::Denied(format!(
            "the class runs another version of microgrid (this is {VERSION}); use the teacher's version"
        ));
    });
    app.add_systems(
        Update,
        (reconnect, knock, listen, tell_the_language, follow)
            .chain()
            .before(crate::sim::SimulationFrame),
    );
    Ok(())
}

/// Hears the classes announced while the student picks one.
fn hear_classes(listener: Option<ResMut<super::announce::Listener>>) {
    if let Some(mut listener) = listener {
        listener.hear();
    }
}

/// The student picked the class at `target` (with its PIN, if it needs
/// one): the window stops listening and knocks there, with the key it
/// keeps for that class, if any.
pub fn pick(world: &mut World, target: SocketAddr, pin: Option<String>) -> Result<(), String> {
    if world.resource::<Mirror>().joining != Joining::Choosing {
        return Err("a class is already picked".into());
    }
    world.remove_resource::<super::announce::Listener>();
    let mut mirror = world.resource_mut::<Mirror>();
    mirror.server = target;
    if pin.is_some() {
        mirror.pin = pin;
    }
    if let Some(file) = mirror.keys_file.clone() {
        mirror.key = super::keys::kept(&file, target, &mirror.name);
    }
    mirror.joining = Joining::Knocking;
    mirror.picked_from = Some(mirror.announce_port);
    mirror.refused_pick = None;
    // The tries are counted from here.
    mirror.tries = 0;
    open_connection(world);
    Ok(())
}

/// Opens a new connection to the mirror's server: what the last one left
/// behind (the class's clock and table) goes, the new one brings them
/// anew, and the window says hello on it.
fn open_connection(world: &mut World) {
    let stale: Vec<Entity> = world
        .query_filtered::<Entity, Or<(With<ClassClock>, With<super::protocol::Seat>)>>()
        .iter(world)
        .collect();
    for entity in stale {
        world.despawn(entity);
    }
    let server = world.resource::<Mirror>().server;
    let connected = super::net::connect_world(world, server);
    let mut mirror = world.resource_mut::<Mirror>();
    mirror.said_hello = false;
    mirror.was_connected = false;
    mirror.opened_at = Some(Instant::now());
    if let Err(why) = connected {
        mirror.joining = Joining::Denied(why);
    }
}

/// Says hello once the connection is up and the class's clock has come.
fn knock(
    state: Res<State<ClientState>>,
    clocks: Query<&ClassClock>,
    mut mirror: ResMut<Mirror>,
    mut hellos: MessageWriter<Hello>,
) {
    match state.get() {
        ClientState::Connected => mirror.was_connected = true,
        ClientState::Disconnected if mirror.retry_at.is_none() => {
            // Dropped, or a new try that did not come up within netcode's
            // time to connect.
            let failed_try = mirror
                .opened_at
                .is_some_and(|t| t.elapsed() > Duration::from_secs(6));
            if !(mirror.was_connected || failed_try) {
                return;
            }
            mirror.was_connected = false;
            mirror.opened_at = None;
            let over = clocks.iter().any(|c| c.finished);
            let knocking = matches!(
                mirror.joining,
                Joining::Following | Joining::Seated | Joining::Lost | Joining::Knocking
            );
            if knocking && !over {
                // Knock again: the house is kept under the student's name.
                mirror.joining = if mirror.knock_again(Duration::from_secs(2)) {
                    Joining::Lost
                } else {
                    Joining::Denied(format!(
                        "no answer from the class at {} after {MAX_TRIES} tries",
                        mirror.server
                    ))
                };
            }
            return;
        }
        _ => return,
    }
    if mirror.said_hello || clocks.is_empty() {
        return;
    }
    // The window's language as it knocks (`--lang` is in force by then).
    let lang = mirror.reads();
    hellos.write(Hello {
        name: mirror.name.clone(),
        pin: mirror.pin.clone(),
        version: VERSION.to_owned(),
        lang: lang.code().to_owned(),
        key: mirror.key.clone(),
    });
    mirror.said_hello = true;
    mirror.told_lang = Some(lang);
}

/// Tells the host when the student chooses another language in the
/// window after joining.
fn tell_the_language(mut mirror: ResMut<Mirror>, mut says: MessageWriter<FromStudent>) {
    let lang = mirror.reads();
    let seated = matches!(mirror.joining, Joining::Seated | Joining::Following);
    if seated && mirror.told_lang.is_some_and(|told| told != lang) {
        says.write(FromStudent::Language(lang.code().to_owned()));
        mirror.told_lang = Some(lang);
    }
}

/// Reads what the host says: the welcome, a refusal, the class's start,
/// its changes and steps, and answers to the student's actions.
fn listen(
    mut welcomes: MessageReader<Welcome>,
    mut denials: MessageReader<Denied>,
    mut windows: MessageReader<ToWindow>,
    mut answers: MessageReader<Answer>,
    mut mirror: ResMut<Mirror>,
    mut commands: Commands,
) {
    for welcome in welcomes.read() {
        let moved = mirror.joining == Joining::Following
            && mirror.house().is_some_and(|h| h != welcome.house);
        mirror.welcome = Some(welcome.clone());
        if mirror.key.as_deref() != Some(welcome.key.as_str()) {
            mirror.key = Some(welcome.key.clone());
            if let Some(file) = &mirror.keys_file {
                mirror.key_problem =
                    super::keys::keep(file, mirror.server, &mirror.name, &welcome.key).err();
            }
        }
        if moved {
            // The teacher moved the student: the copy follows on, the
            // window turns to the new house.
            mirror.started += 1;
        } else {
            mirror.joining = Joining::Seated;
        }
    }
    for denied in denials.read() {
        // The host may still hold this student's old connection: it says
        // to try again in a moment.
        if denied.retry && mirror.knock_again(Duration::from_secs(1)) {
            mirror.joining = Joining::Knocking;
        } else if matches!(mirror.joining, Joining::Following | Joining::Seated) {
            // The house is someone else's now: the window says so and
            // stops being anyone's.
            mirror.joining = Joining::SentAway(denied.reason.clone());
            mirror.welcome = None;
        } else if let Some(port) = mirror.picked_from.take() {
            // Picked from the list and turned away (a wrong PIN, a full
            // class): back to the list, with the reason, to try again.
            match super::announce::Listener::new(port) {
                Ok(listener) => {
                    commands.insert_resource(listener);
                    mirror.joining = Joining::Choosing;
                    mirror.refused_pick = Some(denied.reason.clone());
                }
                Err(_) => mirror.joining = Joining::Denied(denied.reason.clone()),
            }
        } else {
            mirror.joining = Joining::Denied(denied.reason.clone());
        }
    }
    // A start makes the window follow at once: the changes after it in
    // the same batch are kept (they went out after it on one channel).
    let mut following = mirror.joining == Joining::Following;
    for message in windows.read() {
        match message {
            ToWindow::Start {
                scenario,
                step_s,
                changes,
                reached,
            } => {
                let (scenario, step_s) = (scenario.clone(), *step_s);
                mirror.queue = changes.iter().cloned().collect();
                mirror.reached = *reached;
                following = true;
                commands.queue(move |world: &mut World| begin(world, &scenario, step_s));
            }
            // Before its start a window keeps nothing: the start holds it.
            ToWindow::Change(c) if following => mirror.queue.push_back(c.clone()),
            ToWindow::Reached(steps) if following => {
                mirror.reached = mirror.reached.max(*steps);
            }
            _ => {}
        }
    }
    for answer in answers.read() {
        if answer.outcome == Outcome::Queued {
            continue;
        }
        let asked = mirror
            .sent
            .iter()
            .position(|(seq, _)| *seq == answer.seq)
            .map(|i| mirror.sent.remove(i).1)
            .unwrap_or_default();
        mirror.answers.push_back((asked, answer.outcome.clone()));
    }
}

/// Opens a new connection when it is time to knock again (the old one's
/// class table goes: the new connection brings it anew).
fn reconnect(world: &mut World) {
    let due = world
        .resource::<Mirror>()
        .retry_at
        .is_some_and(|t| Instant::now() >= t);
    if !due {
        return;
    }
    let mut mirror = world.resource_mut::<Mirror>();
    mirror.retry_at = None;
    mirror.tries += 1;
    open_connection(world);
}

/// The copy starts from the class's start.
fn begin(world: &mut World, text: &str, step_s: u32) {
    let built = crate::scenario::parse(text, "the class's neighbourhood")
        .map_err(|e| e.to_string())
        .and_then(|s| edit::check(&s));
    let mut mirror = world.resource_mut::<Mirror>();
    match built {
        Ok(built) => {
            mirror.joining = Joining::Following;
            mirror.started += 1;
            mirror.tries = 0;
            world.resource_mut::<SimClock>().step_s = step_s.max(1);
            sim::reset(world, built);
            world.resource_mut::<SimClock>().paused = true;
        }
        Err(why) => {
            mirror.joining =
                Joining::OutOfStep(format!("the class's neighbourhood does not read: {why}"))
        }
    }
}

/// Runs the copy up to the host's steps, each change before its step,
/// within the frame's budget (a newcomer catches up over a few frames).
pub fn follow(world: &mut World) {
    if world.resource::<Mirror>().joining != Joining::Following {
        return;
    }
    // The class's clock runs the copy, not the window's.
    world.resource_mut::<SimClock>().paused = true;
    let frame = Instant::now();
    loop {
        let steps = world.resource::<SimClock>().steps;
        // The changes due before the next step.
        loop {
            let due = {
                let mut mirror = world.resource_mut::<Mirror>();
                match mirror.queue.front() {
                    Some(c) if c.before_step <= steps => mirror.queue.pop_front(),
                    _ => None,
                }
            };
            let Some(due) = due else { break };
            if let Err(why) = apply(world, &due.change) {
                world.resource_mut::<Mirror>().joining = Joining::OutOfStep(why);
                return;
            }
            if frame.elapsed() >= CATCH_UP_BUDGET {
                return;
            }
        }
        if steps >= world.resource::<Mirror>().reached || frame.elapsed() >= CATCH_UP_BUDGET {
            return;
        }
        sim::step(world);
    }
}

/// Makes one change of the class on the copy.
pub fn apply(world: &mut World, change: &Change) -> Result<(), String> {
    match change {
        Change::Edit(e) => {
            let running = &world.resource::<Neighbourhood>().0;
            let built = edit::apply(e, &running.scenario)
                .map_err(|why| format!("an edit of the class did not apply here: {why}"))?
                .carrying_over(running);
            sim::rebuild::rebuild(world, built);
        }
        Change::Neighbourhood(text) => {
            let running = &world.resource::<Neighbourhood>().0;
            let built = crate::scenario::parse(text, "the class's neighbourhood")
                .map_err(|e| e.to_string())
                .and_then(|s| edit::check(&s))
                .map_err(|why| format!("the class's neighbourhood does not read: {why}"))?
                .carrying_over(running);
            sim::rebuild::rebuild(world, built);
        }
        Change::Outage(on) => world.trigger(SetGridOutage(*on)),
        Change::Price(p) => {
            if p.is_some_and(|p| !p.is_finite()) {
                return Err("the class sent a price that is not a number".into());
            }
            world.trigger(SetPrice(*p));
        }
        Change::Weather { clouds, wind } => {
            let bad = clouds.is_some_and(|c| !(0.0..=8.0).contains(&c))
                || wind.is_some_and(|w| !(0.0..=60.0).contains(&w));
            if bad {
                return Err("the class sent weather out of range".into());
            }
            world.trigger(SetWeather {
                cloud_oktas: *clouds,
                wind_m_s: *wind,
            });
        }
        Change::Market(m) => world.trigger(SetMarket(*m)),
    }
    Ok(())
}

/// Sends the student's edit to the host (what it is, in words, for the
/// answer); gives its number.
pub fn send(world: &mut World, edit: Edit, what: String) -> u32 {
    let mut mirror = world.resource_mut::<Mirror>();
    mirror.next_seq += 1;
    let seq = mirror.next_seq;
    mirror.sent.push((seq, what));
    world.write_message(FromStudent::Act(Act {
        seq,
        at: None,
        act: Timed::Edit(edit),
    }));
    seq
}
