//! A timed step ([`crate::scenario::timed`]) carried out on the running
//! simulation: an edit rebuilds the neighbourhood at the same instant (as
//! build mode does), a control triggers the simulation's own event. The
//! headless run and a class's host both go through [`apply`], so a step
//! means the same in either.

use bevy::prelude::*;

use super::Neighbourhood;
use super::island::SetGridOutage;
use super::market::SetMarket;
use super::prices::SetPrice;
use super::rebuild::rebuild;
use crate::scenario::edit;
use crate::scenario::timed::{Timed, TimedControl};

/// Carries `act` out now, or says why not (the simulation unchanged).
pub fn apply(world: &mut World, act: &Timed) -> Result<(), String> {
    match act {
        Timed::Edit(e) => {
            let running = &world.resource::<Neighbourhood>().0;
            let built = edit::apply(e, &running.scenario)?.carrying_over(running);
            rebuild(world, built);
        }
        Timed::Control(TimedControl::GridOutage(on)) => world.trigger(SetGridOutage(*on)),
        Timed::Control(TimedControl::SetPrice(p)) => world.trigger(SetPrice(*p)),
        Timed::Control(TimedControl::SetMarket(m)) => world.trigger(SetMarket(*m)),
        Timed::Control(TimedControl::Rejoin) => {
            return Err(
                "Rejoin is a student's step in a class; a run has no window to close".into(),
            );
        }
    }
    Ok(())
}
