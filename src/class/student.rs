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
use super::protocol::{Act, Answer, ClassClock, Denied, Hello, Horizon, Outcome, Seat, Welcome};
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
    /// Minutes the neighbourhood ran as an island, as the class's clock
    /// said at the end.
    pub island_minutes: f64,
}

enum SessionEnd {
    Finished,
    Rejoin,
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

/// One connection, from hello to the class's end or the next `Rejoin`.
fn session(
    options: &StudentOptions,
    cursor: &mut usize,
    outcome: &mut StudentOutcome,
) -> Result<SessionEnd, String> {
    let mut app = net::bare_app();
    app.add_observer(|_: On<ProtocolMismatch>, mut commands: Commands| {
        commands.insert_resource(Mismatch);
    });
    net::connect(&mut app, options.server)?;
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
    loop {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
        let world = app.world_mut();
        if world.contains_resource::<Mismatch>() {
            return Err(format!(
                "the host at {} runs another version of microgrid (this is {}); use the teacher's version",
                options.server,
                super::protocol::VERSION
            ));
        }
        if let Some(denied) = drain::<Denied>(world).into_iter().next() {
            return Err(format!("the class turned you away: {}", denied.reason));
        }
        let state = *world.resource::<State<ClientState>>().get();
        if state == ClientState::Connected {
            was_connected = true;
        } else if was_connected && state == ClientState::Disconnected {
            return Err(format!(
                "the host at {} closed the connection",
                options.server
            ));
        }
        let clock = world.query::<&ClassClock>().iter(world).next().cloned();
        if clock.is_none() && started.elapsed().as_secs_f64() > options.timeout_s {
            return Err(format!(
                "no class answered at {} within {:.0} s: is the host running, and is the address right?",
                options.server, options.timeout_s
            ));
        }
        let Some(clock) = clock else { continue };
        if !said_hello && state == ClientState::Connected {
            world.write_message(Hello {
                name: options.name.clone(),
                pin: options.pin.clone(),
                version: super::protocol::VERSION.to_owned(),
            });
            said_hello = true;
        }
        for welcome in drain::<Welcome>(world) {
            welcomed = true;
            outcome.class = welcome.class;
            outcome.house = welcome.house;
            let end = rejoin_at.unwrap_or(options.script.len());
            for (i, step) in options.script[*cursor..end].iter().enumerate() {
                let seq = (*cursor + i + 1) as u32;
                world.write_message(Act {
                    seq,
                    at: Some(step.at),
                    act: step.act.clone(),
                });
                sent.insert(seq, Instant::now());
            }
            *cursor = end;
            world.write_message(Horizon {
                until: rejoin_at.map(|r| options.script[r].at),
            });
        }
        for Answer { seq, outcome: o } in drain::<Answer>(world) {
            if let Some(t) = sent.remove(&seq) {
                outcome.round_trip_ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            if let Outcome::Refused(why) = o {
                outcome.refused.push((seq, why));
            }
        }
        if clock.steps != last_steps {
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
                return Ok(SessionEnd::Finished);
            }
            if let Some(r) = rejoin_at
                && clock.now >= options.script[r].at
            {
                *cursor = r + 1;
                leave(&mut app);
                return Ok(SessionEnd::Rejoin);
            }
        }
        if last_progress.elapsed().as_secs_f64() > options.timeout_s.max(30.0) * 4.0 {
            return Err(format!(
                "the class at {} has not moved for {:.0} s",
                options.server,
                last_progress.elapsed().as_secs_f64()
            ));
        }
    }
}

/// Marks that the host said the versions differ.
#[derive(Resource)]
struct Mismatch;

/// Says goodbye properly, so the host frees the seat at once.
fn leave(app: &mut App) {
    if let Some(mut client) = app.world_mut().get_resource_mut::<RenetClient>() {
        client.disconnect();
    }
    for _ in 0..5 {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
}
