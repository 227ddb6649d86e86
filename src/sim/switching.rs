//! Switching on the timeline: a `SwitchLine` event opens or closes a
//! cable's switch at its time, and the run goes on with the switched
//! network from that instant (through [`super::rebuild`], as an edit does:
//! every device keeps its state, the market settles the interval so far).

use bevy::prelude::*;
use chrono::NaiveDateTime;

use super::{Neighbourhood, SimClock, rebuild};
use crate::scenario::edit::{self, Edit};
use crate::scenario::{SwitchState, TimelineEvent};

/// The timeline's switchings in time order, and how many have been done.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct SwitchPlan {
    /// (time, one end, the other end, the new position).
    pub items: Vec<(NaiveDateTime, String, String, SwitchState)>,
    /// The next item to carry out.
    pub next: usize,
}

impl SwitchPlan {
    /// The plan of `events`, from the start.
    pub fn new(events: &[TimelineEvent]) -> Self {
        let mut items: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                TimelineEvent::SwitchLine {
                    at,
                    from,
                    to,
                    switch,
                } => Some((at.0, from.clone(), to.clone(), *switch)),
                _ => None,
            })
            .collect();
        items.sort_by_key(|i| i.0);
        Self { items, next: 0 }
    }
}

/// The plan for the running neighbourhood, from its start (at load or reset).
pub fn reset(world: &mut World) {
    let plan = SwitchPlan::new(&world.resource::<Neighbourhood>().0.scenario.events);
    world.insert_resource(plan);
}

/// Carries out the switchings due by the step at the clock's instant.
pub fn apply_due(world: &mut World) {
    let Some(plan) = world.get_resource::<SwitchPlan>() else {
        return;
    };
    let now = world.resource::<SimClock>().now();
    let due: Vec<_> = plan.items[plan.next.min(plan.items.len())..]
        .iter()
        .take_while(|i| i.0 <= now)
        .cloned()
        .collect();
    if due.is_empty() {
        return;
    }
    world.resource_mut::<SwitchPlan>().next += due.len();
    // Each switching is the edit a click on the cable's switch makes.
    let running = &world.resource::<Neighbourhood>().0;
    let switched = due
        .iter()
        .try_fold(running.scenario.clone(), |s, (_, from, to, switch)| {
            let edit = Edit::SetSwitch {
                from: from.clone(),
                to: to.clone(),
                switch: Some(*switch),
            };
            edit::changed(&edit, &s)
        });
    // The build checked every switching state in turn, so this builds.
    let built = switched.and_then(|s| {
        crate::scenario::build(&s, "the switched scenario", "").map_err(|errors| {
            errors
                .first()
                .map_or_else(String::new, |e| e.message.clone())
        })
    });
    match built {
        Ok(built) => {
            let built = built.carrying_over(running);
            rebuild::rebuild_within_step(world, built);
        }
        Err(why) => warn!("a switching at {now} was not carried out: {why}"),
    }
}
