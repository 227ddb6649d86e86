//! A class run from the teacher's window (`microgrid host` without
//! `--headless`): the window's simulation is the class's, at the speed the
//! teacher chooses, and every student's window runs a copy of it.
//!
//! Each copy starts from the same scenario and makes the same changes
//! before the same steps, so it stays equal to the host's (the simulation
//! is deterministic). The host records each change where it is made: an
//! edit as it is rebuilt ([`Reshaped`]), the grid, the price, the weather
//! and the market as their events fire. After each frame it sends the new
//! changes and the steps run; a student who comes (or comes back) gets the
//! start and every change so far.

use std::net::SocketAddr;
use std::time::Instant;

use bevy::prelude::*;
use bevy_replicon::prelude::*;

use super::host::{Host, HostOptions, Phase, SeatRun};
use super::protocol::{Change, Stamped, ToWindow, Welcome};
use super::report::HostReport;
use super::{door, net, queue, table};
use crate::scenario::Scenario;
use crate::scenario::edit::{self, Edit};
use crate::sim::devices::SetWeather;
use crate::sim::island::SetGridOutage;
use crate::sim::market::SetMarket;
use crate::sim::prices::SetPrice;
use crate::sim::rebuild::Reshaped;
use crate::sim::{Neighbourhood, SimClock};

/// A live class's systems: [`LiveSystems::Receive`] before the frame's
/// simulation (hellos, actions, carried out at once), [`LiveSystems::Publish`]
/// after it (the changes, the steps, the class table).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiveSystems {
    /// Who came, what they sent; their actions carried out.
    Receive,
    /// What the students' windows need to follow.
    Publish,
}

/// Every change made to the running class, for the students' windows.
#[derive(Resource, Debug, Clone)]
pub struct LiveLog {
    /// The scenario the class began with, as a file holds it.
    pub start: String,
    /// Every change, in order.
    pub changes: Vec<Stamped>,
    /// How many of them have gone out.
    sent: usize,
    /// The steps last announced.
    reached_sent: Option<u64>,
    /// The neighbourhood after the last change recorded.
    last: Scenario,
    /// A student's edit about to be rebuilt (certain: set just before).
    pub(super) expected: Option<Edit>,
    /// The teacher's edit the window is about to carry out (checked
    /// against what is rebuilt: the window may refuse it).
    pub teacher_edit: Option<Edit>,
}

impl LiveLog {
    fn push(&mut self, before_step: u64, change: Change) {
        self.changes.push(Stamped {
            before_step,
            change,
        });
    }

    /// The changes that have gone out to everyone (a newcomer's start
    /// holds these; the others reach them with everyone).
    pub fn sent(&self) -> &[Stamped] {
        &self.changes[..self.sent]
    }
}

/// Starts a class in an app that runs the simulation (the window): opens
/// the socket, seats students, carries out their actions as they come and
/// tells their windows every change. Gives the address it listens on.
pub fn start(app: &mut App, mut options: HostOptions) -> Result<SocketAddr, String> {
    // The teacher ends it: a year at most, as a run may be.
    options.duration_s = 365 * 86_400;
    options.students = 0;
    if options.built.weather_series.is_some() || options.built.price_series.is_some() {
        return Err(
            "a live class sends its scenario to the students' windows, but not yet its weather or price series files; use a scenario without them, or --headless".into(),
        );
    }
    let resume = options.resume.take();
    let record =
        match &resume {
            Some(session) => Some(session.live.clone().ok_or(
                "that class was saved by `microgrid host --headless`; go on with it there",
            )?),
            None => None,
        };
    net::add_transport(app);
    let addr = net::serve(app, options.bind, options.built.house_count() + 8)?;
    super::announce::start(app, addr, &options.announce);
    let start_text = match &record {
        // The class's own start, as its students' windows had it.
        Some(record) => record.start.clone(),
        None => edit::to_ron(&options.built.scenario)?,
    };
    if let (Some(session), Some(record)) = (&resume, &record) {
        // Played again before anything listens for the changes: they are
        // the log already.
        super::session::replay_live(app.world_mut(), session.steps_done, record)?;
    }
    let mut host = super::host::new_host(app.world_mut(), options);
    host.phase = Phase::Running;
    app.insert_resource(host);
    let last = app.world().resource::<Neighbourhood>().0.scenario.clone();
    let changes = record
        .as_ref()
        .map(|r| r.changes.clone())
        .unwrap_or_default();
    app.insert_resource(LiveLog {
        start: start_text,
        sent: changes.len(),
        reached_sent: resume.as_ref().map(|s| s.steps_done),
        changes,
        last,
        expected: None,
        teacher_edit: None,
    });
    if let (Some(session), Some(record)) = (&resume, &record) {
        super::host::seat_again(app.world_mut(), session)?;
        let mut host = app.world_mut().resource_mut::<Host>();
        host.building_locked = record.building_locked;
        host.banner = record.banner.clone();
        // At the speed, and paused or not, as the teacher left it.
        if let Some((speed, paused)) = record.clock {
            let mut clock = app.world_mut().resource_mut::<crate::sim::SimClock>();
            clock.set_speed(speed);
            clock.paused = paused;
        }
    }
    app.configure_sets(
        Update,
        (
            LiveSystems::Receive.before(crate::sim::SimulationFrame),
            LiveSystems::Publish.after(crate::sim::SimulationFrame),
        ),
    );
    app.add_systems(
        Update,
        (
            door::receive_hellos,
            door::close_doors,
            queue::receive,
            play_now,
        )
            .chain()
            .in_set(LiveSystems::Receive)
            .run_if(in_state(ServerState::Running)),
    );
    app.add_systems(
        Update,
        (
            broadcast,
            table::publish,
            super::host::save_when_due,
            super::announce::announce.run_if(resource_exists::<super::announce::Announcer>),
        )
            .chain()
            .in_set(LiveSystems::Publish)
            .run_if(in_state(ServerState::Running)),
    );
    // Closing the window saves where the class stands.
    app.add_systems(Last, save_on_exit);
    app.add_observer(door::came)
        .add_observer(door::crowded_away)
        .add_observer(door::left);
    app.add_observer(record_reshape)
        .add_observer(record_outage)
        .add_observer(record_price)
        .add_observer(record_weather)
        .add_observer(record_market);
    Ok(addr)
}

/// Carries out every checked action now, before the frame's steps.
fn play_now(world: &mut World) {
    if world.resource::<Host>().phase != Phase::Running {
        return;
    }
    let clock = world.resource::<SimClock>();
    let now = clock.now();
    let played =
        (clock.steps > 0).then(|| now - chrono::Duration::seconds(i64::from(clock.step_s)));
    world.resource_mut::<Host>().played_until = played;
    queue::play_due(world, now, Instant::now());
}

fn steps(world: &World) -> u64 {
    world.resource::<SimClock>().steps
}

/// The neighbourhood rebuilt: the edit it came from when that is known,
/// else the whole neighbourhood.
fn record_reshape(
    _: On<Reshaped>,
    hood: Res<Neighbourhood>,
    clock: Res<SimClock>,
    mut log: ResMut<LiveLog>,
    mut host: ResMut<Host>,
) {
    let after = &hood.0.scenario;
    host.recount_spending(&log.last, after);
    let expected = log.expected.take();
    let teacher = log
        .teacher_edit
        .take()
        .filter(|e| edit::apply(e, &log.last).is_ok_and(|built| built.scenario == *after));
    let change = match expected.or(teacher) {
        Some(e) => Change::Edit(e),
        None => match edit::to_ron(after) {
            Ok(text) => Change::Neighbourhood(text),
            Err(why) => {
                // The students' windows cannot follow this one: they say so
                // when the text does not read.
                eprintln!("warning: the class's neighbourhood could not be written out: {why}");
                Change::Neighbourhood(String::new())
            }
        },
    };
    log.last = after.clone();
    log.push(clock.steps, change);
}

fn record_outage(on: On<SetGridOutage>, clock: Res<SimClock>, mut log: ResMut<LiveLog>) {
    log.push(clock.steps, Change::Outage(on.0));
}

fn record_price(price: On<SetPrice>, clock: Res<SimClock>, mut log: ResMut<LiveLog>) {
    log.push(clock.steps, Change::Price(price.0));
}

fn record_weather(weather: On<SetWeather>, clock: Res<SimClock>, mut log: ResMut<LiveLog>) {
    log.push(
        clock.steps,
        Change::Weather {
            clouds: weather.cloud_oktas,
            wind: weather.wind_m_s,
        },
    );
}

fn record_market(market: On<SetMarket>, clock: Res<SimClock>, mut log: ResMut<LiveLog>) {
    log.push(clock.steps, Change::Market(market.0));
}

/// Sends the changes not yet out and the steps run, in that order on one
/// ordered channel: a window never steps past a change it has not heard.
pub(super) fn broadcast(world: &mut World) {
    let steps = steps(world);
    let (fresh, reached) = {
        let mut log = world.resource_mut::<LiveLog>();
        let fresh: Vec<Stamped> = log.changes[log.sent..].to_vec();
        log.sent = log.changes.len();
        let reached = (log.reached_sent != Some(steps)).then_some(steps);
        log.reached_sent = Some(steps);
        (fresh, reached)
    };
    for change in fresh {
        world.write_message(ToClients {
            targets: SendTargets::All,
            message: ToWindow::Change(change),
        });
    }
    if let Some(steps) = reached {
        world.write_message(ToClients {
            targets: SendTargets::All,
            message: ToWindow::Reached(steps),
        });
    }
}

/// What a newcomer's window starts from: the class's start and every
/// change that has gone out (the rest go out to everyone after it).
pub(super) fn start_message(log: &LiveLog, step_s: u32) -> ToWindow {
    ToWindow::Start {
        scenario: log.start.clone(),
        step_s,
        changes: log.sent().to_vec(),
        reached: log.reached_sent.unwrap_or(0),
    }
}

/// Ends the class: the simulation stops, students' actions are refused
/// from now on, and the results are what they are now.
pub fn end(world: &mut World) -> HostReport {
    world.resource_mut::<SimClock>().paused = true;
    // The market's last interval settles, as at the end of a headless class.
    crate::sim::market::close_open_interval(world);
    world.resource_mut::<Host>().phase = Phase::Finished(Instant::now());
    // Saved as ended: `--resume` refuses it rather than starting it again.
    super::host::save_or_say(world);
    super::host::report(world)
}

/// The window is closing: the class is saved where it stands.
fn save_on_exit(world: &mut World) {
    let leaving = world
        .get_resource::<Messages<AppExit>>()
        .is_some_and(|m| !m.is_empty());
    let running = world.resource::<Host>().phase == Phase::Running;
    if leaving && running {
        super::host::save_or_say(world);
    }
}

/// Why the class's last save failed, if it did (the teacher's window says
/// so: a class that is not saved cannot be resumed).
pub fn save_problem(world: &World) -> Option<String> {
    world.get_resource::<Host>()?.save_problem.clone()
}

/// Stops students' building (`true`) or lets them build again; told to
/// every window with the class's clock.
pub fn lock_building(world: &mut World, locked: bool) {
    world.resource_mut::<Host>().building_locked = locked;
}

/// Shows `text` to everyone (at most [`super::protocol::MAX_BANNER_CHARS`]
/// characters, one line), or takes the message down.
pub fn show_banner(world: &mut World, text: Option<&str>) {
    let text = text
        .map(|t| {
            t.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(super::protocol::MAX_BANNER_CHARS)
                .collect::<String>()
        })
        .filter(|t| !t.is_empty());
    world.resource_mut::<Host>().banner = text;
}

/// The connection of a seat's student, if their window is open.
fn client_of(host: &Host, seat: usize) -> Option<Entity> {
    host.by_client
        .iter()
        .find(|&(_, &s)| s == seat)
        .map(|(&client, _)| client)
}

/// The teacher moves the student `name` to the free house `house`: their
/// window (if open) is told and turns to it, the house they leave is free
/// for another student, built as it is. Refused, with the reason in the
/// teacher's language, while actions of theirs wait.
pub fn move_student(world: &mut World, name: &str, house: &str) -> Result<(), String> {
    let mut host = world.resource_mut::<Host>();
    let host = &mut *host;
    if let Some(seat) = host.seats.of(name)
        && host.runs[seat].pending > 0
    {
        return Err(crate::tr!(
            "class.move_waiting",
            name = name,
            n = host.runs[seat].pending
        ));
    }
    let (from, to) = host.seats.move_to(name, house)?;
    for client_seat in host.by_client.values_mut() {
        if *client_seat == from {
            *client_seat = to;
        }
    }
    // The student's run goes with them; each house keeps its spending.
    let (left, spent_there) = (host.runs[from].spent, host.runs[to].spent);
    host.runs[to] = host.runs[from].with_spent(spent_there);
    host.runs[from] = SeatRun::default().with_spent(left);
    let Some(client) = client_of(host, to) else {
        return Ok(());
    };
    let welcome = Welcome {
        class: host.options.class.clone(),
        house: house.to_owned(),
        budget_eur: host.options.budget_eur,
        rejoined: host.seats.seats[to].rejoined,
        key: host.seats.seats[to].key.clone().unwrap_or_default(),
    };
    world.write_message(ToClients {
        targets: SendTargets::Single(ClientId::Client(client)),
        message: welcome,
    });
    Ok(())
}

/// The teacher frees `house` of its student `student` (as the teacher's
/// table showed it: refused if someone else is there by now): the
/// student's window (if open) is sent away with the reason, the house
/// stays as built.
pub fn free_house(world: &mut World, student: &str, house: &str) -> Result<(), String> {
    let host = world.resource::<Host>();
    let seat = host
        .seats
        .seats
        .iter()
        .position(|s| s.house == house && s.student.as_deref() == Some(student))
        .ok_or_else(|| crate::tr!("class.free_empty", house = house, name = student))?;
    if let Some(client) = client_of(host, seat) {
        let why = crate::tr_in!(host.seats.seats[seat].lang, "class.freed_you").to_owned();
        door::send_away(world, client, why);
    }
    let mut host = world.resource_mut::<Host>();
    let author = super::host::author_of(seat);
    host.pending.retain(|&(_, a, _), _| a != author);
    // The house stays as built, and so does what was spent on it.
    let spent = host.runs[seat].spent;
    host.runs[seat] = SeatRun::default().with_spent(spent);
    host.seats.free(seat);
    Ok(())
}

/// Lets the away student `name` back in from any window: the first to come
/// under the name gets the house (and a new key).
pub fn let_in_again(world: &mut World, name: &str) -> Result<(), String> {
    world
        .resource_mut::<Host>()
        .seats
        .let_in_again(name)
        .map(|_| ())
}

/// The class's results as they stand (the window's table).
pub fn results(world: &mut World) -> HostReport {
    super::host::report(world)
}

/// Whether the class is over.
pub fn is_over(world: &World) -> bool {
    world
        .get_resource::<Host>()
        .is_some_and(|h| matches!(h.phase, Phase::Finished(_)))
}
