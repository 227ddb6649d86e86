//! The class's clock and table, replicated to every student: a row per
//! house with its bill, what it shared, its self-sufficiency and what its
//! student spent. Sent a few times a second, and only rows that changed.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_replicon::prelude::*;

use super::host::{Host, Phase};
use super::protocol::{ClassClock, Seat};
use crate::scenario::DateTime;
use crate::sim::SimClock;
use crate::sim::grid_mode::{GridMode, GridState};
use crate::sim::market::Market;
use crate::sim::metrics::EnergyTotals;

/// How often the class table goes out while the class runs.
const PUBLISH_EVERY: Duration = Duration::from_millis(500);

/// A house's row before anything happened.
pub(super) fn empty_row(house: &str) -> Seat {
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

/// Puts the clock and the class table where the students see them, a few
/// times a second (and every frame once the class is over).
pub(super) fn publish(world: &mut World) {
    let host = world.resource::<Host>();
    let finished = matches!(host.phase, Phase::Finished(_));
    if !finished && host.published.is_some_and(|t| t.elapsed() < PUBLISH_EVERY) {
        return;
    }
    let clock = world.resource::<SimClock>();
    let class_clock = ClassClock {
        class: host.options.class.clone(),
        now: DateTime(clock.now()),
        steps: clock.steps,
        step_s: host.options.step_s,
        // A live class runs until the teacher ends it.
        total_steps: (!world.contains_resource::<super::live::LiveLog>())
            .then_some(host.total_steps),
        finished,
        islanded: world.resource::<GridState>().mode != GridMode::Connected,
        island_steps: host.island_steps,
        building_locked: host.building_locked,
        banner: host.banner.clone(),
    };
    let rows: Vec<Seat> = (0..host.seats.seats.len()).map(|i| row(world, i)).collect();
    let (clock_entity, seat_entities) = (host.clock_entity, host.seat_entities.clone());
    let sent: Vec<f64> = world
        .query::<&ConnectedClientStats>()
        .iter(world)
        .map(|s| s.sent_bps)
        .collect();
    let mut host = world.resource_mut::<Host>();
    host.published = Some(Instant::now());
    if !sent.is_empty() && !finished {
        host.bytes_per_s
            .push(sent.iter().sum::<f64>() / sent.len() as f64);
    }
    if let Some(mut c) = world.get_mut::<ClassClock>(clock_entity)
        && *c != class_clock
    {
        *c = class_clock;
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
pub(super) fn row(world: &World, i: usize) -> Seat {
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
        spent_eur: host.runs[i].spent,
        applied: seat.applied,
        refused: seat.refused,
    }
}
