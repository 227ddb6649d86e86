//! The teacher's machine: the one simulation of the class, the students'
//! houses and the checks on everything they send.
//!
//! Headless (`microgrid host --headless`), the host waits for its students,
//! then simulates at full speed, but never past the earliest [`Horizon`]
//! any seated student has promised: a scripted class plays the same
//! whatever the network does. A student whose window closed holds the class
//! for `grace_s` at most; after that their house runs on autopilot.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_replicon::prelude::*;
use chrono::NaiveDateTime;

use super::net;
use super::protocol::{
    Act, Answer, ClassClock, Denied, Hello, Horizon, Outcome, Seat, VERSION, Welcome,
};
use super::report::{HostReport, StudentReport};
use super::seats::{Seats, check_budget, check_student_act, spent_on};
use crate::scenario::timed::{Timed, TimedStep};
use crate::scenario::{Built, DateTime, Scenario, edit};
use crate::sim::grid_mode::{GridMode, GridState};
use crate::sim::market::Market;
use crate::sim::metrics::EnergyTotals;
use crate::sim::{self, Neighbourhood, SimClock, SimulationPlugin};

/// Most actions one student may have waiting for their time.
pub const MAX_PENDING: usize = 1_000;

/// Most actions one student may send in a second; more are refused unread.
pub const MAX_ACTS_PER_S: u32 = 200;

/// Longest the simulation may hold a frame, so messages keep flowing.
const FRAME_BUDGET: Duration = Duration::from_millis(25);

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
    /// Longest a student whose window closed holds the class, wall seconds.
    pub grace_s: f64,
    /// Print who joins and leaves.
    pub verbose: bool,
    /// The teacher's steps (outages, prices, the market, any edit), played
    /// at their times before the students' steps of that time.
    pub teacher: Vec<TimedStep>,
}

/// What one student has promised to have sent.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Promise {
    /// Not heard from yet.
    Absent,
    /// Everything before this time.
    Until(NaiveDateTime),
    /// Everything.
    All,
}

/// A checked action waiting for its time.
#[derive(Debug, Clone)]
struct Pending {
    at: NaiveDateTime,
    seat: usize,
    seq: u32,
    act: Timed,
    client: Entity,
}

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Waiting for the students, since then.
    Waiting(Instant),
    /// Simulating.
    Running,
    /// Done at this instant; the last table goes out before the host closes.
    Finished(Instant),
}

/// The host's state, beside the simulation's resources.
#[derive(Resource)]
struct Host {
    options: HostOptions,
    start: Scenario,
    seats: Seats,
    promises: Vec<Promise>,
    left_at: Vec<Option<Instant>>,
    rejoined: Vec<bool>,
    by_client: HashMap<Entity, usize>,
    rate: HashMap<Entity, (Instant, u32)>,
    pending: Vec<Pending>,
    total_steps: u64,
    phase: Phase,
    step_wall_s: f64,
    trades: u64,
    cleared: u64,
    bytes_per_s: Vec<f64>,
    clock_entity: Entity,
    seat_entities: Vec<Entity>,
    published: Option<Instant>,
    /// Clients turned away, and when to close their connection (after the
    /// reason has had time to reach them).
    evict: Vec<(Entity, Instant)>,
    /// The teacher's next step, and those carried out.
    teacher_next: usize,
    teacher_applied: usize,
    island_steps: u64,
}

impl Host {
    /// The earliest time the seated students let the class reach.
    fn limit(&self, now: Instant) -> Option<NaiveDateTime> {
        let mut limit: Option<NaiveDateTime> = None;
        for (i, seat) in self.seats.seats.iter().enumerate() {
            if seat.student.is_none() {
                continue;
            }
            let gone_too_long = self.left_at[i]
                .is_some_and(|t| now.duration_since(t).as_secs_f64() > self.options.grace_s);
            if gone_too_long {
                continue;
            }
            let until = match self.promises[i] {
                Promise::All => continue,
                Promise::Until(t) => t,
                // Seated but not heard from: hold at the start.
                Promise::Absent => self.start.start.0,
            };
            limit = Some(limit.map_or(until, |l: NaiveDateTime| l.min(until)));
        }
        limit
    }

    fn arrived(&self) -> usize {
        self.promises
            .iter()
            .filter(|p| !matches!(p, Promise::Absent))
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
    let mut plugin = SimulationPlugin::new(options.built.clone(), options.step_s);
    plugin = plugin.with_built(options.built.clone());
    app.add_plugins(plugin);
    app.world_mut().resource_mut::<SimClock>().paused = true;
    let addr = net::serve(&mut app, options.bind, options.built.house_count() + 8)?;
    let start = options.built.scenario.clone();
    let seats = Seats::new(&start);
    let n = seats.seats.len();
    let clock_entity = app
        .world_mut()
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
            },
        ))
        .id();
    let seat_entities = seats
        .seats
        .iter()
        .map(|s| app.world_mut().spawn((Replicated, seat_row(&s.house))).id())
        .collect();
    let total_steps = options
        .duration_s
        .div_ceil(u64::from(options.step_s.max(1)))
        .max(1);
    app.insert_resource(Host {
        start,
        seats,
        promises: vec![Promise::Absent; n],
        left_at: vec![None; n],
        rejoined: vec![false; n],
        by_client: HashMap::new(),
        rate: HashMap::new(),
        pending: Vec::new(),
        total_steps,
        phase: Phase::Waiting(Instant::now()),
        step_wall_s: 0.0,
        trades: 0,
        cleared: 0,
        bytes_per_s: Vec::new(),
        clock_entity,
        seat_entities,
        published: None,
        evict: Vec::new(),
        teacher_next: 0,
        teacher_applied: 0,
        island_steps: 0,
        options,
    });
    app.add_systems(
        Update,
        (
            receive_hellos,
            evict,
            receive_acts,
            receive_horizons,
            advance,
            publish,
        )
            .chain()
            .run_if(in_state(ServerState::Running)),
    );
    app.add_observer(left);
    app.finish();
    app.cleanup();
    on_listening(addr);
    loop {
        app.update();
        let host = app.world().resource::<Host>();
        if let Phase::Finished(at) = host.phase
            && at.elapsed() > Duration::from_millis(600)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(report(app.world_mut()))
}

fn seat_row(house: &str) -> Seat {
    Seat {
        house: house.to_owned(),
        student: None,
        connected: false,
        bill_eur: 0.0,
        shared_kwh: 0.0,
        bought_local_kwh: 0.0,
        self_sufficiency: 0.0,
        spent_eur: 0.0,
        applied: 0,
        refused: 0,
    }
}

fn answer(
    answers: &mut MessageWriter<ToClients<Answer>>,
    client: Entity,
    seq: u32,
    outcome: Outcome,
) {
    answers.write(ToClients {
        targets: SendTargets::Single(ClientId::Client(client)),
        message: Answer { seq, outcome },
    });
}

/// Seats each student who says hello with the right version and PIN.
fn receive_hellos(
    mut hellos: MessageReader<FromClient<Hello>>,
    mut host: ResMut<Host>,
    mut welcomes: MessageWriter<ToClients<Welcome>>,
    mut denials: MessageWriter<ToClients<Denied>>,
) {
    for FromClient { client_id, message } in hellos.read() {
        let Some(client) = client_id.entity() else {
            continue;
        };
        let host = &mut *host;
        let outcome = if host.by_client.contains_key(&client) {
            Err("you are in the class already".to_owned())
        } else if message.version != VERSION {
            Err(format!(
                "the class runs microgrid {VERSION} and you have {}; use the same version as the teacher",
                message.version
            ))
        } else if host.options.pin.is_some() && message.pin != host.options.pin {
            Err("the PIN is not the class's; ask the teacher for it".to_owned())
        } else {
            host.seats.take(&message.name)
        };
        match outcome {
            Ok(taken) => {
                host.by_client.insert(client, taken.seat);
                host.left_at[taken.seat] = None;
                host.rejoined[taken.seat] |= taken.rejoined;
                let house = host.seats.seats[taken.seat].house.clone();
                if host.options.verbose {
                    eprintln!(
                        "{} {} {house}",
                        message.name,
                        if taken.rejoined { "is back at" } else { "has" }
                    );
                }
                welcomes.write(ToClients {
                    targets: SendTargets::Single(*client_id),
                    message: Welcome {
                        class: host.options.class.clone(),
                        house,
                        budget_eur: host.options.budget_eur,
                        rejoined: taken.rejoined,
                    },
                });
            }
            Err(reason) => {
                denials.write(ToClients {
                    targets: SendTargets::Single(*client_id),
                    message: Denied { reason },
                });
                host.evict
                    .push((client, Instant::now() + Duration::from_millis(500)));
            }
        }
    }
}

/// Closes the connections of those turned away once their reason is out.
fn evict(mut host: ResMut<Host>, mut disconnects: MessageWriter<DisconnectRequest>) {
    let now = Instant::now();
    host.evict.retain(|&(client, at)| {
        if now < at {
            return true;
        }
        disconnects.write(DisconnectRequest { client });
        false
    });
}

/// Checks each student's action and queues it for its time.
fn receive_acts(
    mut acts: MessageReader<FromClient<Act>>,
    mut host: ResMut<Host>,
    clock: Res<SimClock>,
    mut answers: MessageWriter<ToClients<Answer>>,
) {
    let now = clock.now();
    for FromClient { client_id, message } in acts.read() {
        let Some(client) = client_id.entity() else {
            continue;
        };
        let host = &mut *host;
        let Some(&seat) = host.by_client.get(&client) else {
            answer(
                &mut answers,
                client,
                message.seq,
                Outcome::Refused("say hello first: the class does not know you yet".into()),
            );
            continue;
        };
        let rate = host.rate.entry(client).or_insert((Instant::now(), 0));
        if rate.0.elapsed() > Duration::from_secs(1) {
            *rate = (Instant::now(), 0);
        }
        rate.1 += 1;
        let own = host.seats.seats[seat].house.clone();
        let act = message.act.for_house(&own);
        let checked = if rate.1 > MAX_ACTS_PER_S {
            Err(format!(
                "too many actions at once: at most {MAX_ACTS_PER_S} a second"
            ))
        } else if host.pending.iter().filter(|p| p.seat == seat).count() >= MAX_PENDING {
            Err(format!(
                "you have {MAX_PENDING} actions waiting already; wait for them"
            ))
        } else {
            check_student_act(&act, &own).and_then(|()| match message.at {
                Some(at) if at.0 < now => Err(format!(
                    "the class is at {} already, past {at}",
                    DateTime(now)
                )),
                Some(at) => Ok(at.0),
                None => Ok(now),
            })
        };
        match checked {
            Ok(at) => {
                let p = Pending {
                    at,
                    seat,
                    seq: message.seq,
                    act,
                    client,
                };
                // Kept in (time, house, order sent): the order a
                // one-machine script plays them in.
                let i = host
                    .pending
                    .partition_point(|q| (q.at, q.seat) <= (p.at, p.seat));
                host.pending.insert(i, p);
                answer(&mut answers, client, message.seq, Outcome::Queued);
            }
            Err(why) => {
                host.seats.seats[seat].refused += 1;
                answer(&mut answers, client, message.seq, Outcome::Refused(why));
            }
        }
    }
}

/// Records each scripted student's promise.
fn receive_horizons(mut horizons: MessageReader<FromClient<Horizon>>, mut host: ResMut<Host>) {
    for FromClient { client_id, message } in horizons.read() {
        let Some(seat) = client_id
            .entity()
            .and_then(|c| host.by_client.get(&c).copied())
        else {
            continue;
        };
        host.promises[seat] = match message.until {
            Some(t) => Promise::Until(t.0),
            None => Promise::All,
        };
    }
}

/// A student's window closed: their house stays, on autopilot.
fn left(remove: On<Remove<ConnectedClient>>, mut host: ResMut<Host>) {
    let client = remove.entity;
    host.rate.remove(&client);
    if let Some(seat) = host.by_client.remove(&client) {
        host.seats.seats[seat].connected = false;
        host.left_at[seat] = Some(Instant::now());
        if host.options.verbose {
            eprintln!(
                "{} left; {} runs on autopilot",
                host.seats.seats[seat].student.as_deref().unwrap_or("?"),
                host.seats.seats[seat].house
            );
        }
    }
}

/// Waits for the class, then simulates as far as the promises allow
/// within the frame's budget.
fn advance(world: &mut World) {
    let frame = Instant::now();
    let phase = world.resource::<Host>().phase;
    match phase {
        Phase::Waiting(since) => {
            let host = world.resource::<Host>();
            let waited = since.elapsed().as_secs_f64();
            if host.arrived() >= host.options.students || waited > host.options.wait_s {
                if host.arrived() < host.options.students {
                    eprintln!(
                        "warning: {} of {} students came within {:.0} s; the class starts without the others",
                        host.arrived(),
                        host.options.students,
                        host.options.wait_s
                    );
                }
                world.resource_mut::<Host>().phase = Phase::Running;
            }
            return;
        }
        Phase::Finished(_) => return,
        Phase::Running => {}
    }
    while frame.elapsed() < FRAME_BUDGET {
        let (steps, total) = (
            world.resource::<SimClock>().steps,
            world.resource::<Host>().total_steps,
        );
        if steps >= total {
            world.resource_mut::<Host>().phase = Phase::Finished(Instant::now());
            return;
        }
        let now = world.resource::<SimClock>().now();
        if world
            .resource::<Host>()
            .limit(Instant::now())
            .is_some_and(|limit| now >= limit)
        {
            return;
        }
        play_due(world, now);
        let t = Instant::now();
        sim::step(world);
        if steps + 1 == total {
            sim::market::close_open_interval(world);
        }
        let dt = t.elapsed().as_secs_f64();
        let islanded = world.resource::<GridState>().mode != GridMode::Connected;
        let cleared = world.resource::<Market>().cleared;
        let trades = world
            .resource::<Market>()
            .last
            .as_ref()
            .map_or(0, |l| l.trades.len() as u64);
        let mut host = world.resource_mut::<Host>();
        host.step_wall_s += dt;
        host.island_steps += u64::from(islanded);
        if cleared != host.cleared {
            host.cleared = cleared;
            host.trades += trades;
        }
    }
}

/// Carries out the actions due by `now`, in order, each checked again
/// against the neighbourhood as it is then (the scenario's checks and the
/// student's budget).
fn play_due(world: &mut World, now: NaiveDateTime) {
    play_teachers(world, now);
    loop {
        let next = {
            let mut host = world.resource_mut::<Host>();
            match host.pending.first() {
                Some(p) if p.at <= now => Some(host.pending.remove(0)),
                _ => None,
            }
        };
        let Some(p) = next else { return };
        let outcome = apply_checked(world, &p);
        let mut host = world.resource_mut::<Host>();
        let seat = &mut host.seats.seats[p.seat];
        let outcome = match outcome {
            Ok(()) => {
                seat.applied += 1;
                Outcome::Applied
            }
            Err(why) => {
                seat.refused += 1;
                Outcome::Refused(why)
            }
        };
        world.write_message(ToClients {
            targets: SendTargets::Single(ClientId::Client(p.client)),
            message: Answer {
                seq: p.seq,
                outcome,
            },
        });
    }
}

/// Carries out the teacher's steps due by `now` (the teacher may do
/// anything a script may; a refused step is printed).
fn play_teachers(world: &mut World, now: NaiveDateTime) {
    loop {
        let next = {
            let mut host = world.resource_mut::<Host>();
            let i = host.teacher_next;
            let due = host
                .options
                .teacher
                .get(i)
                .filter(|step| step.at.0 <= now)
                .cloned();
            if due.is_some() {
                host.teacher_next += 1;
            }
            due
        };
        let Some(step) = next else { return };
        match sim::timed::apply(world, &step.act) {
            Ok(()) => world.resource_mut::<Host>().teacher_applied += 1,
            Err(why) => eprintln!("teacher's step at {}: refused: {why}", step.at),
        }
    }
}

fn apply_checked(world: &mut World, p: &Pending) -> Result<(), String> {
    if let Timed::Edit(e) = &p.act {
        let host = world.resource::<Host>();
        let house = host.seats.seats[p.seat].house.clone();
        let built = edit::apply(e, &world.resource::<Neighbourhood>().0.scenario)?;
        check_budget(
            &house,
            &host.start,
            &built.scenario,
            host.options.budget_eur,
        )?;
        sim::rebuild::rebuild(world, built);
        return Ok(());
    }
    sim::timed::apply(world, &p.act)
}

/// How often the class table goes out while the class runs.
const PUBLISH_EVERY: Duration = Duration::from_millis(500);

/// Puts the clock and the class table where the students see them, a few
/// times a second (and at once when the class ends).
fn publish(world: &mut World) {
    let now = world.resource::<SimClock>().now();
    let steps = world.resource::<SimClock>().steps;
    let host = world.resource::<Host>();
    let finished = matches!(host.phase, Phase::Finished(_));
    if !finished && host.published.is_some_and(|t| t.elapsed() < PUBLISH_EVERY) {
        return;
    }
    world.resource_mut::<Host>().published = Some(Instant::now());
    let host = world.resource::<Host>();
    let clock = ClassClock {
        class: host.options.class.clone(),
        now: DateTime(now),
        steps,
        step_s: host.options.step_s,
        total_steps: Some(host.total_steps),
        finished,
        islanded: world.resource::<GridState>().mode != GridMode::Connected,
        island_steps: host.island_steps,
    };
    let rows: Vec<Seat> = (0..host.seats.seats.len())
        .map(|i| seat_now(world, i))
        .collect();
    let (clock_entity, seat_entities) = (host.clock_entity, host.seat_entities.clone());
    let mut bps = Vec::new();
    let mut clients = world.query::<&ConnectedClientStats>();
    for stats in clients.iter(world) {
        bps.push(stats.sent_bps);
    }
    if !bps.is_empty() && !finished {
        let mean = bps.iter().sum::<f64>() / bps.len() as f64;
        world.resource_mut::<Host>().bytes_per_s.push(mean);
    }
    if let Some(mut c) = world.get_mut::<ClassClock>(clock_entity)
        && *c != clock
    {
        *c = clock;
    }
    for (e, row) in seat_entities.into_iter().zip(rows) {
        if let Some(mut s) = world.get_mut::<Seat>(e)
            && *s != row
        {
            *s = row;
        }
    }
}

/// One row of the class table as it stands.
fn seat_now(world: &World, i: usize) -> Seat {
    let host = world.resource::<Host>();
    let seat = &host.seats.seats[i];
    let market = world.resource::<Market>();
    let account = market
        .participants
        .iter()
        .position(|p| p.house == Some(i))
        .and_then(|p| market.ledger.accounts.get(p).copied());
    let energy = world
        .resource::<EnergyTotals>()
        .houses
        .get(i)
        .cloned()
        .unwrap_or_default();
    let bill_eur = match (market.is_trading(), account) {
        (true, Some(a)) => a.net_cost_eur(),
        _ => energy.paid_eur - energy.earned_eur,
    };
    let demand = energy.load_kwh + energy.ev_kwh;
    Seat {
        house: seat.house.clone(),
        student: seat.student.clone(),
        connected: seat.connected,
        bill_eur,
        shared_kwh: account.map_or(0.0, |a| a.sold_local_kwh),
        bought_local_kwh: account.map_or(0.0, |a| a.bought_local_kwh),
        self_sufficiency: if demand > 0.0 {
            (1.0 - energy.import_kwh / demand).clamp(0.0, 1.0)
        } else {
            0.0
        },
        spent_eur: spent_on(
            &seat.house,
            &host.start,
            &world.resource::<Neighbourhood>().0.scenario,
        ),
        applied: seat.applied,
        refused: seat.refused,
    }
}

/// The session's results.
fn report(world: &mut World) -> HostReport {
    let host = world.resource::<Host>();
    let students = host
        .seats
        .seats
        .iter()
        .enumerate()
        .filter(|(_, s)| s.student.is_some())
        .map(|(i, s)| {
            let row = seat_now(world, i);
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
                rejoined: host.rejoined[i],
            }
        })
        .collect();
    let clock = world.resource::<SimClock>();
    let totals = world.resource::<EnergyTotals>();
    let steps = clock.steps;
    HostReport {
        class: host.options.class.clone(),
        scenario: host.start.name.clone(),
        start: DateTime(host.start.start.0).to_string(),
        end: DateTime(clock.now()).to_string(),
        steps,
        students,
        trades: host.trades,
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
