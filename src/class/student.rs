//! A student without a window (`microgrid join --headless --script`): joins
//! the class, sends their script's steps with their simulated times, and
//! promises the host each time it has sent everything up to a point (a
//! `Rejoin` step, or the end). At a `Rejoin` it leaves the class when the
//! class reaches that time and comes back under the same name.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_replicon::prelude::*;
use bevy_replicon_renet::RenetClient;

use super::net;
use super::protocol::{
    Act, Answer, ClassClock, Denied, FromStudent, Hello, Horizon, Outcome, Seat, Welcome,
};
use crate::scenario::timed::{Timed, TimedControl, TimedStep};

/// What a headless student does.
#[derive(Debug, Clone)]
pub struct StudentOptions {
    /// The host.
    pub server: SocketAddr,
    /// The student's name.
    pub name: String,
    /// The class's PIN, if it has one.
    pub pin: Option<String>,
    /// The steps, in time order.
    pub script: Vec<TimedStep>,
    /// Longest wait for the host to answer or the class to move, wall seconds.
    pub timeout_s: f64,
}

/// What came of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudentOutcome {
    /// The class's name.
    pub class: String,
    /// The student's house.
    pub house: String,
    /// Their row of the class table at the end.
    pub seat: Option<Seat>,
    /// Refusals the host sent back: the step's number and why.
    pub refused: Vec<(u32, String)>,
    /// Wall time from sending an action to the host's answer, ms.
    pub round_trip_ms: Vec<f64>,
    /// Times they rejoined.
    pub rejoins: u32,
    /// The key the host gave with the house (what a rejoin shows).
    pub key: Option<String>,
    /// Minutes the neighbourhood ran as an island, as the class's clock
    /// said at the end.
    pub island_minutes: f64,
}

enum SessionEnd {
    Finished,
    Rejoin,
}

/// Refuses a script the host could not take whole: more steps between two
/// `Rejoin`s than a student may have waiting ([`super::queue::MAX_PENDING`]).
pub fn check_script(script: &[TimedStep]) -> Result<(), String> {
    let mut from = 0;
    loop {
        let end = next_rejoin(script, from).unwrap_or(script.len());
        if end - from > super::queue::MAX_PENDING {
            return Err(format!(
                "{} steps before {}; a student may have at most {} waiting, so put a Rejoin between them or send fewer",
                end - from,
                script
                    .get(end)
                    .map_or("the end".to_owned(), |s| format!("the Rejoin at {}", s.at)),
                super::queue::MAX_PENDING
            ));
        }
        if end >= script.len() {
            return Ok(());
        }
        from = end + 1;
    }
}

/// Plays a student's script in the class at `options.server` until the
/// class ends.
pub fn run_headless(options: &StudentOptions) -> Result<StudentOutcome, String> {
    let mut outcome = StudentOutcome::default();
    let mut cursor = 0;
    loop {
        match session(options, &mut cursor, &mut outcome)? {
            SessionEnd::Finished => return Ok(outcome),
            SessionEnd::Rejoin => {
                outcome.rejoins += 1;
                std::thread::sleep(Duration::from_millis(300));
            }
        }
    }
}

fn drain<M: Message>(world: &mut World) -> Vec<M> {
    world.resource_mut::<Messages<M>>().drain().collect()
}

/// The next `Rejoin` at or after `from`, if any.
fn next_rejoin(script: &[TimedStep], from: usize) -> Option<usize> {
    script[from..]
        .iter()
        .position(|s| matches!(s.act, Timed::Control(TimedControl::Rejoin)))
        .map(|i| from + i)
}

/// Actions a student sends per pass of its loop (100 passes a second at
/// most): well under the host's limit of 200 a second.
const ACTS_PER_PASS: usize = 1;

/// How often a student tries again when the host still sees its old
/// connection after a `Rejoin`.
const REJOIN_TRIES: u32 = 20;

/// One connection, from hello to the class's end or the next `Rejoin`.
fn session(
    options: &StudentOptions,
    cursor: &mut usize,
    outcome: &mut StudentOutcome,
) -> Result<SessionEnd, String> {
    let mut tries = 0;
    loop {
        match connection(options, cursor, outcome) {
            Err(Retry(why)) if tries < REJOIN_TRIES => {
                tries += 1;
                let _ = why;
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(Retry(why)) => return Err(format!("the class turned you away: {why}")),
            Ok(end) => return end,
        }
    }
}

/// A refusal worth trying again in a moment.
struct Retry(String);

/// One connection's life: `Err(Retry)` when the host asks to try again.
fn connection(
    options: &StudentOptions,
    cursor: &mut usize,
    outcome: &mut StudentOutcome,
) -> Result<Result<SessionEnd, String>, Retry> {
    let mut app = net::bare_app();
    app.add_observer(|_: On<ProtocolMismatch>, mut commands: Commands| {
        commands.insert_resource(Mismatch);
    });
    if let Err(e) = net::connect(&mut app, options.server) {
        return Ok(Err(e));
    }
    app.finish();
    app.cleanup();
    let started = Instant::now();
    let mut last_progress = Instant::now();
    let mut last_steps = 0;
    let mut said_hello = false;
    let mut welcomed = false;
    let mut was_connected = false;
    let mut sent: std::collections::HashMap<u32, Instant> = std::collections::HashMap::new();
    let rejoin_at = next_rejoin(&options.script, *cursor);
    let end = rejoin_at.unwrap_or(options.script.len());
    let mut promised = false;
    loop {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
        let world = app.world_mut();
        if world.contains_resource::<Mismatch>() {
            return Ok(Err(format!(
                "the host at {} runs another version of microgrid (this is {}); use the teacher's version",
                options.server,
                super::protocol::VERSION
            )));
        }
        if let Some(denied) = drain::<Denied>(world).into_iter().next() {
            if denied.retry && outcome.rejoins > 0 {
                return Err(Retry(denied.reason));
            }
            return Ok(Err(format!("the class turned you away: {}", denied.reason)));
        }
        let state = *world.resource::<State<ClientState>>().get();
        if state == ClientState::Connected {
            was_connected = true;
        } else if was_connected && state == ClientState::Disconnected {
            return Ok(Err(format!(
                "the host at {} closed the connection",
                options.server
            )));
        }
        let clock = world.query::<&ClassClock>().iter(world).next().cloned();
        if clock.is_none() && started.elapsed().as_secs_f64() > options.timeout_s {
            return Ok(Err(format!(
                "no class answered at {} within {:.0} s: is the host running, and is the address right?",
                options.server, options.timeout_s
            )));
        }
        let Some(clock) = clock else { continue };
        if !said_hello && state == ClientState::Connected {
            world.write_message(Hello {
                name: options.name.clone(),
                pin: options.pin.clone(),
                version: super::protocol::VERSION.to_owned(),
                lang: crate::lang::current().code().to_owned(),
                key: outcome.key.clone(),
            });
            said_hello = true;
        }
        for welcome in drain::<Welcome>(world) {
            welcomed = true;
            outcome.class = welcome.class;
            outcome.house = welcome.house;
            outcome.key = Some(welcome.key);
        }
        // The steps up to the next Rejoin, a few a pass, then the promise.
        if welcomed && !promised {
            for step in options.script[*cursor..end].iter().take(ACTS_PER_PASS) {
                *cursor += 1;
                let seq = *cursor as u32;
                world.write_message(FromStudent::Act(Act {
                    seq,
                    at: Some(step.at),
                    act: step.act.clone(),
                }));
                sent.insert(seq, Instant::now());
            }
            if *cursor == end {
                world.write_message(FromStudent::Horizon(Horizon {
                    until: rejoin_at.map(|r| options.script[r].at),
                }));
                promised = true;
            }
        }
        for Answer { seq, outcome: o } in drain::<Answer>(world) {
            if let Some(t) = sent.remove(&seq) {
                outcome.round_trip_ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            if let Outcome::Refused(why) = o {
                outcome.refused.push((seq, why));
            }
        }
        // Waiting for the class to start is not standing still.
        if clock.steps != last_steps || clock.steps == 0 {
            last_steps = clock.steps;
            last_progress = Instant::now();
        }
        if welcomed {
            let seat = world
                .query::<&Seat>()
                .iter(world)
                .find(|s| s.house == outcome.house)
                .cloned();
            if clock.finished {
                outcome.seat = seat;
                outcome.island_minutes = clock.island_steps as f64 * f64::from(clock.step_s) / 60.0;
                return Ok(Ok(SessionEnd::Finished));
            }
            if let Some(r) = rejoin_at
                && promised
                && clock.now >= options.script[r].at
            {
                *cursor = r + 1;
                leave(&mut app);
                return Ok(Ok(SessionEnd::Rejoin));
            }
        }
        if last_progress.elapsed().as_secs_f64() > options.timeout_s.max(30.0) * 4.0 {
            return Ok(Err(format!(
                "the class at {} has not moved for {:.0} s",
                options.server,
                last_progress.elapsed().as_secs_f64()
            )));
        }
    }
}

/// Marks that the host said the versions differ.
#[derive(Resource)]
struct Mismatch;

/// Says goodbye properly, so the host frees the seat at once (what was
/// written is sent first).
fn leave(app: &mut App) {
    app.update();
    if let Some(mut client) = app.world_mut().get_resource_mut::<RenetClient>() {
        client.disconnect();
    }
    for _ in 0..5 {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
}
