//! Students' actions from arrival to the simulation: each is checked when
//! it comes (their house, what a student may do, its time), waits for its
//! time in the order a one-machine script plays it, and is checked again
//! against the neighbourhood as it is then (the scenario's checks, the
//! budget) before it applies. The simulation advances as far as the
//! students' promises allow.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_replicon::prelude::*;
use chrono::NaiveDateTime;

use super::host::{Host, Pending, Phase, Promise, TEACHER, author_of};
use super::protocol::{Act, Answer, FromStudent, Outcome};
use super::seats::{check_budget, check_student_act};
use crate::scenario::timed::Timed;
use crate::scenario::{DateTime, edit};
use crate::sim::grid_mode::{GridMode, GridState};
use crate::sim::{self, Neighbourhood, SimClock};
use crate::tr_in;

/// Most actions one student may have waiting for their time.
pub const MAX_PENDING: usize = 1_000;

/// Most actions one student may send in a second; more are refused
/// without being checked.
pub const MAX_ACTS_PER_S: u32 = 200;

/// Most actions a student's window may send in a second in a live class
/// (a person clicks; every change goes to every window and into what a
/// newcomer replays).
pub const MAX_LIVE_ACTS_PER_S: u32 = 5;

/// Most changes a live class keeps for newcomers to replay; past it the
/// students' edits are refused (the teacher starts a new class).
pub const MAX_LIVE_CHANGES: usize = 20_000;

/// Longest the host works on the simulation in one frame, so messages keep
/// flowing.
const FRAME_BUDGET: Duration = Duration::from_millis(25);

fn answer(
    world_answers: &mut MessageWriter<ToClients<Answer>>,
    client: Entity,
    seq: u32,
    outcome: Outcome,
) {
    world_answers.write(ToClients {
        targets: SendTargets::Single(ClientId::Client(client)),
        message: Answer { seq, outcome },
    });
}

/// Reads what each student sends: actions are checked and queued,
/// promises recorded (only forward: a promise is never taken back).
pub(super) fn receive(
    mut from: MessageReader<FromClient<FromStudent>>,
    mut host: ResMut<Host>,
    clock: Res<SimClock>,
    mut answers: MessageWriter<ToClients<Answer>>,
    live: Option<Res<super::live::LiveLog>>,
) {
    let now = clock.now();
    let (most_per_s, full) = match &live {
        Some(log) => (MAX_LIVE_ACTS_PER_S, log.changes.len() >= MAX_LIVE_CHANGES),
        None => (MAX_ACTS_PER_S, false),
    };
    for FromClient { client_id, message } in from.read() {
        let Some(client) = client_id.entity() else {
            continue;
        };
        let host = &mut *host;
        let Some(&seat) = host.by_client.get(&client) else {
            continue;
        };
        match message {
            FromStudent::Horizon(h) => {
                let promise = match h.until {
                    Some(t) => Promise::Until(t.0),
                    None => Promise::All,
                };
                let forward = match (host.runs[seat].promise, promise) {
                    (Promise::All, _) => false,
                    (Promise::Until(old), Promise::Until(new)) => new > old,
                    _ => true,
                };
                if forward {
                    host.runs[seat].promise = promise;
                    host.runs[seat].holding_since = None;
                }
            }
            FromStudent::Language(code) => {
                // A code we do not know leaves the language as it was.
                if let Ok(lang) = crate::lang::Lang::parse(code.get(..8).unwrap_or(code)) {
                    host.seats.seats[seat].lang = lang;
                }
            }
            FromStudent::Act(act) => {
                let rate = host.rate.entry(client).or_insert((Instant::now(), 0));
                if rate.0.elapsed() > Duration::from_secs(1) {
                    *rate = (Instant::now(), 0);
                }
                rate.1 += 1;
                let lang = host.seats.seats[seat].lang;
                if rate.1 > most_per_s {
                    let why = tr_in!(lang, "class.too_fast", n = most_per_s);
                    answer(&mut answers, client, act.seq, Outcome::Refused(why));
                    continue;
                }
                if full {
                    let why = tr_in!(lang, "class.log_full", n = MAX_LIVE_CHANGES);
                    answer(&mut answers, client, act.seq, Outcome::Refused(why));
                    continue;
                }
                match check(host, seat, act, now) {
                    Ok((at, act)) => {
                        host.arrivals += 1;
                        host.runs[seat].pending += 1;
                        host.pending.insert(
                            (at, author_of(seat), host.arrivals),
                            Pending {
                                seq: act.seq,
                                act: act.act,
                                client: Some(client),
                            },
                        );
                        answer(&mut answers, client, act.seq, Outcome::Queued);
                    }
                    Err(why) => {
                        host.seats.seats[seat].refused += 1;
                        answer(&mut answers, client, act.seq, Outcome::Refused(why));
                    }
                }
            }
        }
    }
}

/// An action's first check, on arrival: the student's own house, what a
/// student may do, and a time the class has not played yet. Why not, in
/// the student's language.
fn check(
    host: &Host,
    seat: usize,
    act: &Act,
    now: NaiveDateTime,
) -> Result<(NaiveDateTime, Act), String> {
    let lang = host.seats.seats[seat].lang;
    if matches!(host.phase, Phase::Finished(_)) {
        return Err(tr_in!(lang, "class.ended").to_owned());
    }
    if host.building_locked {
        return Err(tr_in!(lang, "class.locked").to_owned());
    }
    if host.runs[seat].pending >= MAX_PENDING {
        return Err(tr_in!(lang, "class.waiting_many", n = MAX_PENDING));
    }
    let own = &host.seats.seats[seat].house;
    let resolved = Act {
        act: act.act.for_house(own),
        ..act.clone()
    };
    check_student_act(&resolved.act, own, lang)?;
    let at = act.at.map_or(now, |t| t.0);
    if host.played_until.is_some_and(|played| at <= played) {
        return Err(tr_in!(
            lang,
            "class.past",
            now = DateTime(now),
            at = DateTime(at)
        ));
    }
    if at >= host.end() {
        return Err(tr_in!(
            lang,
            "class.after_end",
            end = DateTime(host.end()),
            at = DateTime(at)
        ));
    }
    Ok((at, resolved))
}

/// The earliest time the seated students let the class reach now. A seat
/// that has held the class (or been gone) for longer than the grace stops
/// holding it until it promises more.
fn limit(host: &mut Host, sim_now: NaiveDateTime) -> Option<NaiveDateTime> {
    let wall = Instant::now();
    let grace = Duration::from_secs_f64(host.options.grace_s);
    let mut limit: Option<NaiveDateTime> = None;
    for i in 0..host.seats.seats.len() {
        if host.seats.seats[i].student.is_none() {
            continue;
        }
        if host.runs[i]
            .left_at
            .is_some_and(|t| wall.duration_since(t) > grace)
        {
            continue;
        }
        let until = match host.runs[i].promise {
            Promise::All => continue,
            Promise::Until(t) => t,
            // Seated but not heard from: hold at the start.
            Promise::Absent => host.start.start.0,
        };
        if sim_now >= until {
            let since = *host.runs[i].holding_since.get_or_insert(wall);
            if wall.duration_since(since) > grace {
                continue;
            }
        }
        limit = Some(limit.map_or(until, |l: NaiveDateTime| l.min(until)));
    }
    limit
}

/// Waits for the class, then simulates as far as the promises allow
/// within the frame's budget.
pub(super) fn advance(world: &mut World) {
    let frame = Instant::now();
    match world.resource::<Host>().phase {
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
        let steps = world.resource::<SimClock>().steps;
        let total = world.resource::<Host>().total_steps;
        if steps >= total {
            world.resource_mut::<Host>().phase = Phase::Finished(Instant::now());
            return;
        }
        let now = world.resource::<SimClock>().now();
        if world
            .resource::<Host>()
            .options
            .stop_at
            .is_some_and(|stop| now >= stop)
        {
            // Stopped for today: the session is saved and can go on later.
            sim::market::close_open_interval(world);
            world.resource_mut::<Host>().phase = Phase::Finished(Instant::now());
            return;
        }
        let held = limit(&mut world.resource_mut::<Host>(), now).is_some_and(|l| now >= l);
        if held || !play_due(world, now, frame) {
            return;
        }
        let t = Instant::now();
        sim::step(world);
        if steps + 1 == total {
            sim::market::close_open_interval(world);
        }
        let dt = t.elapsed().as_secs_f64();
        let islanded = world.resource::<GridState>().mode != GridMode::Connected;
        let mut host = world.resource_mut::<Host>();
        host.step_wall_s += dt;
        host.island_steps += u64::from(islanded);
        host.played_until = Some(now);
    }
}

/// Carries out the actions due by `now`, in order, while the frame lasts;
/// whether all of them are done (the step may run).
pub(super) fn play_due(world: &mut World, now: NaiveDateTime, frame: Instant) -> bool {
    loop {
        let next = {
            let mut host = world.resource_mut::<Host>();
            match host.pending.first_key_value() {
                Some((&(at, _, _), _)) if at <= now => host.pending.pop_first(),
                _ => return true,
            }
        };
        let Some(((_, author, _), p)) = next else {
            return true;
        };
        // A student's action is refused in their language (the scenario's
        // checks speak the language in force).
        let lang = match author {
            TEACHER => crate::lang::current(),
            seat => world.resource::<Host>().seats.seats[seat - 1].lang,
        };
        let outcome = crate::lang::with(lang, || apply_checked(world, author, &p));
        let before_step = world.resource::<SimClock>().steps;
        let mut host = world.resource_mut::<Host>();
        if outcome.is_ok() {
            host.played.push(super::session::Played {
                before_step,
                author,
                act: p.act.clone(),
            });
        }
        if author == TEACHER {
            match outcome {
                Ok(()) => host.teacher_applied += 1,
                Err(why) => eprintln!("the teacher's step {}: refused: {why}", p.seq),
            }
        } else {
            let seat = author - 1;
            host.runs[seat].pending -= 1;
            let outcome = match outcome {
                Ok(()) => {
                    host.seats.seats[seat].applied += 1;
                    Outcome::Applied
                }
                Err(why) => {
                    host.seats.seats[seat].refused += 1;
                    Outcome::Refused(why)
                }
            };
            if let Some(client) = p.client {
                world.write_message(ToClients {
                    targets: SendTargets::Single(ClientId::Client(client)),
                    message: Answer {
                        seq: p.seq,
                        outcome,
                    },
                });
            }
        }
        if frame.elapsed() >= FRAME_BUDGET {
            return false;
        }
    }
}

/// Applies one action: a student's edit within their budget (spending
/// kept up to date), the teacher's step as a run plays it.
fn apply_checked(world: &mut World, author: usize, p: &Pending) -> Result<(), String> {
    let Timed::Edit(e) = &p.act else {
        return sim::timed::apply(world, &p.act);
    };
    let built = {
        let running = &world.resource::<Neighbourhood>().0;
        edit::apply(e, &running.scenario)?.carrying_over(running)
    };
    let host = world.resource::<Host>();
    if author != TEACHER {
        let seat = author - 1;
        let house = host.seats.seats[seat].house.clone();
        let spent = check_budget(
            &house,
            &host.start,
            &built.scenario,
            host.options.budget_eur,
        )?;
        // A live class tells its students' windows this edit.
        if let Some(mut log) = world.get_resource_mut::<super::live::LiveLog>() {
            log.expected = Some(e.clone());
        }
        sim::rebuild::rebuild(world, built);
        world.resource_mut::<Host>().runs[seat].spent = spent;
        return Ok(());
    }
    let before = world.resource::<Neighbourhood>().0.scenario.clone();
    if let Some(mut log) = world.get_resource_mut::<super::live::LiveLog>() {
        log.expected = Some(e.clone());
    }
    sim::rebuild::rebuild(world, built);
    // The teacher may change a student's house: its spending again.
    let now = world.resource::<Neighbourhood>().0.scenario.clone();
    world.resource_mut::<Host>().recount_spending(&before, &now);
    Ok(())
}
