//! The teacher's machine: the one simulation of the class, the students'
//! houses and the checks on everything they send.
//!
//! Headless (`microgrid host --headless`), the host waits for its students,
//! then simulates at full speed, but never past the earliest promise
//! ([`super::protocol::Horizon`]) its seated students have made: a scripted
//! class plays the same whatever the network does. A student who holds the
//! class longer than `grace_s` (their window closed, or they promise
//! nothing more) stops holding it; their house runs on autopilot.
//!
//! The door (`door.rs`) seats students, the queue ([`super::queue`])
//! checks and plays their actions, the table (`table.rs`) shows the class
//! to everyone.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_replicon::prelude::*;
use chrono::NaiveDateTime;

use super::protocol::{ClassClock, VERSION};
use super::report::{HostReport, StudentReport};
use super::seats::Seats;
use super::session::{Played, SavedSeat, Session};
use super::{door, net, queue, table};
use crate::scenario::timed::{Timed, TimedStep};
use crate::scenario::{Built, DateTime, Scenario};
use crate::sim::market::Market;
use crate::sim::metrics::EnergyTotals;
use crate::sim::{SimClock, SimulationPlugin};

/// How a headless class runs.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// The neighbourhood.
    pub built: Built,
    /// The class's name, shown to students.
    pub class: String,
    /// Where to listen.
    pub bind: SocketAddr,
    /// A PIN students must give, if set.
    pub pin: Option<String>,
    /// What each student may spend on their house, EUR.
    pub budget_eur: f64,
    /// Seconds per step.
    pub step_s: u32,
    /// Students to wait for.
    pub students: usize,
    /// Simulated seconds to run once they are here.
    pub duration_s: u64,
    /// Longest wait for the students, wall seconds.
    pub wait_s: f64,
    /// Longest one student may hold the class, wall seconds.
    pub grace_s: f64,
    /// Print who joins and leaves.
    pub verbose: bool,
    /// The teacher's steps (outages, prices, the market, edits), played at
    /// their times before the students' steps of the same time.
    pub teacher: Vec<TimedStep>,
    /// Where to save the session, and how often (besides when it stops).
    pub save: Option<(PathBuf, Duration)>,
    /// The scenario file the class began from, and its text (saved with
    /// the session, so that `--resume` can check it is unchanged).
    pub scenario_file: PathBuf,
    /// Its text.
    pub scenario_text: String,
    /// Stop the class at this time (it can be resumed later).
    pub stop_at: Option<NaiveDateTime>,
    /// A saved class to continue.
    pub resume: Option<Session>,
    /// Where to announce the class on the network (none: not announced).
    pub announce: Vec<SocketAddr>,
}

impl HostOptions {
    /// A class on `built` with the defaults: every address on port 5757,
    /// no PIN, the default budget, one-minute steps, one student, a day,
    /// a minute's wait, 30 s of grace, no teacher's steps, nothing saved.
    pub fn new(built: Built) -> Self {
        Self {
            built,
            class: "Our class".into(),
            bind: SocketAddr::from(([0, 0, 0, 0], super::commands::DEFAULT_PORT)),
            pin: None,
            budget_eur: super::seats::DEFAULT_BUDGET_EUR,
            step_s: 60,
            students: 1,
            duration_s: 86_400,
            wait_s: 60.0,
            grace_s: 30.0,
            verbose: false,
            teacher: Vec::new(),
            save: None,
            scenario_file: PathBuf::new(),
            scenario_text: String::new(),
            stop_at: None,
            resume: None,
            announce: Vec::new(),
        }
    }
}

/// What one student has promised to have sent.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) enum Promise {
    /// Not heard from yet.
    #[default]
    Absent,
    /// Everything before this time.
    Until(NaiveDateTime),
    /// Everything.
    All,
}

/// Who an action comes from: the teacher first at any time, then the
/// houses in the scenario's order.
pub(super) type Author = usize;

/// The teacher, as an [`Author`].
pub(super) const TEACHER: Author = 0;

/// A house's seat as an [`Author`].
pub(super) fn author_of(seat: usize) -> Author {
    seat + 1
}

/// A checked action waiting for its time.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub seq: u32,
    pub act: Timed,
    /// The student's connection to answer (none for the teacher).
    pub client: Option<Entity>,
}

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Phase {
    /// Waiting for the students, since then.
    Waiting(Instant),
    /// Simulating.
    Running,
    /// Done at this instant; the last table goes out before the host closes.
    Finished(Instant),
}

/// The host's state, beside the simulation's resources.
#[derive(Resource)]
pub(super) struct Host {
    pub options: HostOptions,
    /// The neighbourhood as the class began (what spending counts from).
    pub start: Scenario,
    pub seats: Seats,
    /// What the class keeps of each seat as it runs, in the seats' order.
    pub runs: Vec<SeatRun>,
    pub by_client: HashMap<Entity, usize>,
    /// Connections, when they came (to close those that never say hello)
    /// and from where (to bound how many one address holds).
    pub arrived_at: HashMap<Entity, door::Arrival>,
    /// Connections answered with a refusal (their later hellos are ignored).
    pub turned_away: HashSet<Entity>,
    /// Clients turned away, and when to close their connection (after the
    /// reason has had time to reach them).
    pub evict: Vec<(Entity, Instant)>,
    pub rate: HashMap<Entity, (Instant, u32)>,
    /// Checked actions by (time, author, arrival): the order a one-machine
    /// script plays them in.
    pub pending: BTreeMap<(NaiveDateTime, Author, u64), Pending>,
    pub arrivals: u64,
    /// The time of the last step run (an action for it or before is late).
    pub played_until: Option<NaiveDateTime>,
    pub total_steps: u64,
    pub phase: Phase,
    pub step_wall_s: f64,
    pub island_steps: u64,
    pub teacher_applied: usize,
    pub bytes_per_s: Vec<f64>,
    pub clock_entity: Entity,
    pub seat_entities: Vec<Entity>,
    pub published: Option<Instant>,
    /// Every action applied, in order, for the session file.
    pub played: Vec<Played>,
    pub saved: Option<Instant>,
    /// Why the last save failed (none once one succeeds).
    pub save_problem: Option<String>,
    /// Students may not build now (the teacher's window).
    pub building_locked: bool,
    /// The teacher's message to everyone.
    pub banner: Option<String>,
}

/// What the class keeps of one seat as it runs (its student and counts
/// are the [`Seats`]').
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct SeatRun {
    /// How far the student has promised to have sent their actions.
    pub promise: Promise,
    /// Since when the class has waited on that promise.
    pub holding_since: Option<Instant>,
    /// When the student's window closed (none: open, or never came).
    pub left_at: Option<Instant>,
    /// Actions of theirs waiting to be played.
    pub pending: usize,
    /// What has been spent on the house, EUR (kept as edits apply): the
    /// house's, so it stays when its student moves.
    pub spent: f64,
}

impl SeatRun {
    /// This run on a house that has had `spent` spent on it (a student who
    /// moves takes their run along; the spending stays with the house).
    pub fn with_spent(self, spent: f64) -> Self {
        Self { spent, ..self }
    }
}

impl Host {
    /// The class's end: the time after its last step.
    pub fn end(&self) -> NaiveDateTime {
        self.start.start.0
            + chrono::Duration::seconds((self.total_steps * u64::from(self.options.step_s)) as i64)
    }

    /// What each student has spent, again for the houses that `before` ->
    /// `after` changed (the teacher may build on a student's house too;
    /// the others' stay as they were, so a 1,000-house town costs a
    /// comparison a house).
    pub fn recount_spending(&mut self, before: &Scenario, after: &Scenario) {
        // Seats follow the scenario's houses in order; by name if they do not.
        fn house<'a>(s: &'a Scenario, i: usize, name: &str) -> Option<&'a crate::scenario::House> {
            match s.houses.get(i) {
                Some(h) if h.name == name => Some(h),
                _ => s.houses.iter().find(|h| h.name == name),
            }
        }
        for (i, seat) in self.seats.seats.iter().enumerate() {
            if house(before, i, &seat.house) != house(after, i, &seat.house) {
                self.runs[i].spent = super::seats::spent_on(&seat.house, &self.start, after);
            }
        }
    }

    /// Students who have promised something.
    pub fn arrived(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| !matches!(r.promise, Promise::Absent))
            .count()
    }
}

/// Runs a class without a window: listens, seats students as they come,
/// waits for `students` of them (at most `wait_s`), simulates
/// `duration_s`, and gives the results. `on_listening` hears the address
/// it listens on (the port the system chose, for `--port 0`).
pub fn run_headless(
    options: HostOptions,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<HostReport, String> {
    crate::run::check_series_covers(&options.built, options.duration_s)?;
    let mut app = net::bare_app();
    app.add_plugins(SimulationPlugin::new(options.built.clone(), options.step_s));
    app.world_mut().resource_mut::<SimClock>().paused = true;
    let addr = net::serve(&mut app, options.bind, options.built.house_count() + 8)?;
    let resume = options.resume.clone();
    super::announce::start(&mut app, addr, &options.announce);
    let host = new_host(app.world_mut(), options);
    app.insert_resource(host);
    if let Some(session) = &resume {
        resume_from(app.world_mut(), session)?;
    }
    app.add_systems(
        Update,
        (
            door::receive_hellos,
            door::close_doors,
            queue::receive,
            queue::advance,
            table::publish,
            super::announce::announce.run_if(resource_exists::<super::announce::Announcer>),
        )
            .chain()
            .run_if(in_state(ServerState::Running)),
    );
    app.add_observer(door::came)
        .add_observer(door::crowded_away)
        .add_observer(door::left);
    app.finish();
    app.cleanup();
    on_listening(addr);
    let mut results = None;
    loop {
        app.update();
        std::thread::sleep(Duration::from_millis(2));
        save_when_due(app.world_mut());
        let Phase::Finished(at) = app.world().resource::<Host>().phase else {
            continue;
        };
        if at.elapsed() > Duration::from_millis(600) && results.is_none() {
            // The last table is out: the results as they stand, the
            // session saved, then every connection closed politely.
            results = Some(report(app.world_mut()));
            if let Err(e) = save(app.world_mut()) {
                eprintln!("warning: {e}");
            }
            door::close_all(app.world_mut());
        }
        if at.elapsed() > Duration::from_millis(800)
            && let Some(results) = results
        {
            return Ok(results);
        }
    }
}

/// The session as it stands.
pub(super) fn session(world: &World) -> Session {
    let host = world.resource::<Host>();
    Session {
        version: VERSION.to_owned(),
        class: host.options.class.clone(),
        scenario_file: host.options.scenario_file.clone(),
        scenario_text: host.options.scenario_text.clone(),
        market: host.start.market.mechanism,
        step_s: host.options.step_s,
        total_steps: host.total_steps,
        budget_eur: host.options.budget_eur,
        pin: host.options.pin.clone(),
        steps_done: world.resource::<SimClock>().steps,
        seats: host
            .seats
            .seats
            .iter()
            .map(|s| SavedSeat {
                house: s.house.clone(),
                student: s.student.clone(),
                applied: s.applied,
                refused: s.refused,
                rejoined: s.rejoined,
                key: s.key.clone(),
            })
            .collect(),
        played: host.played.clone(),
        teacher: host
            .options
            .teacher
            .iter()
            .map(|t| (t.at, t.act.clone()))
            .collect(),
        teacher_applied: host.teacher_applied,
        live: world
            .get_resource::<super::live::LiveLog>()
            .map(|log| super::session::LiveRecord {
                start: log.start.clone(),
                changes: log.changes.clone(),
                building_locked: host.building_locked,
                banner: host.banner.clone(),
                ended: matches!(host.phase, Phase::Finished(_)),
                clock: world
                    .get_resource::<crate::sim::SimClock>()
                    .map(|c| (c.speed, c.paused)),
            }),
    }
}

/// Saves the running session every `--autosave-s` (the first time at once).
pub(super) fn save_when_due(world: &mut World) {
    let host = world.resource::<Host>();
    let due = host
        .options
        .save
        .as_ref()
        .is_some_and(|(_, every)| host.saved.is_none_or(|t| t.elapsed() >= *every));
    if due && host.phase == Phase::Running {
        save_or_say(world);
        world.resource_mut::<Host>().saved = Some(Instant::now());
    }
}

/// Saves the session; a failure is said on stderr and kept for the
/// teacher's window ([`super::live::save_problem`]).
pub(super) fn save_or_say(world: &mut World) {
    let problem = save(world).err();
    if let Some(e) = &problem {
        eprintln!("warning: {e}");
    }
    world.resource_mut::<Host>().save_problem = problem;
}

/// Saves the session where the options say (nothing when they say nowhere).
pub(super) fn save(world: &mut World) -> Result<(), String> {
    let Some((path, _)) = world.resource::<Host>().options.save.clone() else {
        return Ok(());
    };
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot make {} for the session: {e}", folder.display()))?;
    }
    session(world).save(&path)
}

/// Continues a saved class: its actions played again to the step it had
/// reached, its seats back (their students away until they rejoin), the
/// teacher's steps still to come queued.
fn resume_from(world: &mut World, saved: &Session) -> Result<(), String> {
    super::session::replay(world, saved)?;
    seat_again(world, saved)
}

/// A saved class's seats back on a simulation played again to where it
/// was (their students away until they rejoin), what each has spent, and
/// the actions and teacher's steps already played.
pub(super) fn seat_again(world: &mut World, saved: &Session) -> Result<(), String> {
    let now = world.resource::<SimClock>().now();
    let scenario = world
        .resource::<crate::sim::Neighbourhood>()
        .0
        .scenario
        .clone();
    let step = chrono::Duration::seconds(i64::from(saved.step_s));
    let mut host = world.resource_mut::<Host>();
    if host.seats.seats.len() != saved.seats.len() {
        return Err("the saved class has another number of houses than its scenario".into());
    }
    for (i, seat) in saved.seats.iter().enumerate() {
        let s = &mut host.seats.seats[i];
        s.student = seat.student.clone();
        s.applied = seat.applied;
        s.refused = seat.refused;
        s.connected = false;
        s.rejoined = seat.rejoined;
        s.key = seat.key.clone();
        if seat.student.is_some() {
            // Away since before the grace: they hold nothing until they
            // rejoin and promise again.
            let grace = Duration::from_secs_f64(host.options.grace_s + 1.0);
            host.runs[i].left_at = Some(
                Instant::now()
                    .checked_sub(grace)
                    .unwrap_or_else(Instant::now),
            );
        }
    }
    for i in 0..host.seats.seats.len() {
        host.runs[i].spent =
            super::seats::spent_on(&host.seats.seats[i].house, &host.start, &scenario);
    }
    host.played = saved.played.clone();
    host.teacher_applied = saved.teacher_applied;
    host.played_until = (saved.steps_done > 0).then(|| now - step);
    let played_until = host.played_until;
    host.pending
        .retain(|&(at, _, _), _| played_until.is_none_or(|p| at > p));
    Ok(())
}

/// The host's state for `options`, with the class's clock and table
/// spawned for replication and the teacher's steps queued.
pub(super) fn new_host(world: &mut World, options: HostOptions) -> Host {
    let start = options.built.scenario.clone();
    let seats = Seats::new(&start);
    let n = seats.seats.len();
    let clock_entity = world
        .spawn((
            Replicated,
            ClassClock {
                class: options.class.clone(),
                now: DateTime(start.start.0),
                steps: 0,
                step_s: options.step_s,
                total_steps: None,
                finished: false,
                islanded: false,
                island_steps: 0,
                building_locked: false,
                banner: None,
            },
        ))
        .id();
    let seat_entities = seats
        .seats
        .iter()
        .map(|s| world.spawn((Replicated, table::empty_row(&s.house))).id())
        .collect();
    let total_steps = options
        .duration_s
        .div_ceil(u64::from(options.step_s.max(1)))
        .max(1);
    let mut pending = BTreeMap::new();
    for (i, step) in options.teacher.iter().enumerate() {
        pending.insert(
            (step.at.0, TEACHER, i as u64),
            Pending {
                seq: i as u32 + 1,
                act: step.act.clone(),
                client: None,
            },
        );
    }
    Host {
        start,
        seats,
        runs: vec![SeatRun::default(); n],
        by_client: HashMap::new(),
        arrived_at: HashMap::new(),
        turned_away: HashSet::new(),
        evict: Vec::new(),
        rate: HashMap::new(),
        arrivals: pending.len() as u64,
        pending,
        played_until: None,
        total_steps,
        phase: Phase::Waiting(Instant::now()),
        step_wall_s: 0.0,
        island_steps: 0,
        teacher_applied: 0,
        bytes_per_s: Vec::new(),
        clock_entity,
        seat_entities,
        published: None,
        played: Vec::new(),
        saved: None,
        save_problem: None,
        building_locked: false,
        banner: None,
        options,
    }
}

/// The session's results.
pub(super) fn report(world: &mut World) -> HostReport {
    let host = world.resource::<Host>();
    let students = host
        .seats
        .seats
        .iter()
        .enumerate()
        .filter(|(_, s)| s.student.is_some())
        .map(|(i, s)| {
            let row = table::row(world, i);
            StudentReport {
                name: s.student.clone().unwrap_or_default(),
                house: s.house.clone(),
                applied: s.applied,
                refused: s.refused,
                bill_eur: row.bill_eur,
                shared_kwh: row.shared_kwh,
                bought_local_kwh: row.bought_local_kwh,
                self_sufficiency: row.self_sufficiency,
                spent_eur: row.spent_eur,
                connected: s.connected,
                rejoined: s.rejoined,
            }
        })
        .collect();
    let clock = world.resource::<SimClock>();
    let totals = world.resource::<EnergyTotals>();
    let steps = clock.steps;
    HostReport {
        class: host.options.class.clone(),
        version: VERSION.to_owned(),
        scenario: host.start.name.clone(),
        start: DateTime(host.start.start.0).to_string(),
        end: DateTime(clock.now()).to_string(),
        steps,
        students,
        trades: world.resource::<Market>().trades_matched,
        teacher_steps: host.teacher_applied,
        import_kwh: totals.import_kwh,
        export_kwh: totals.export_kwh,
        pv_kwh: totals.pv_kwh,
        unserved_kwh: totals.unserved_kwh,
        step_us: if steps > 0 {
            host.step_wall_s * 1e6 / steps as f64
        } else {
            0.0
        },
        bytes_per_s_per_student: if host.bytes_per_s.is_empty() {
            0.0
        } else {
            host.bytes_per_s.iter().sum::<f64>() / host.bytes_per_s.len() as f64
        },
    }
}
