//! A neighbourhood changed while it runs (an edit, an undo): the simulation
//! goes on from the same instant with the new neighbourhood. Devices that
//! are still there, unchanged, keep their entity and so their state (a
//! battery's charge, a car away on a trip, its random stream); new or
//! changed ones start as a scenario file starts them; the clock, the grid's
//! state, the weather, the totals, the events log and the market's ledger go
//! on. Compare [`super::reset`], which starts everything over.

use std::collections::HashMap;

use bevy::prelude::*;

use super::devices::{CurrentEnvironment, DeviceIndex, DevicePower, spawn_device};
use super::grid_mode::{IslandGridModel, IslandUnits};
use super::market::Market;
use super::metrics::{EnergyTotals, HousePowers};
use super::network::{GridModel, NetworkState};
use super::snapshot::start_power;
use super::{Neighbourhood, SimClock, SimSettings};
use crate::network::PowerFlowModel;
use crate::scenario::Built;

/// Per-house values of `old` rearranged for `new`'s houses, by name (a new
/// house starts at the default).
fn by_house<T: Copy + Default>(values: &[T], old: &Built, new: &Built) -> Vec<T> {
    let index: HashMap<&str, usize> = old
        .scenario
        .houses
        .iter()
        .enumerate()
        .map(|(i, h)| (h.name.as_str(), i))
        .collect();
    new.scenario
        .houses
        .iter()
        .map(|h| {
            index
                .get(h.name.as_str())
                .and_then(|&j| values.get(j).copied())
                .unwrap_or_default()
        })
        .collect()
}

/// Whether `new` differs from `old` in the houses' market orders alone.
fn only_orders_changed(old: &Built, new: &Built) -> bool {
    let mut a = old.scenario.clone();
    let mut b = new.scenario.clone();
    if a.houses.len() != b.houses.len() {
        return false;
    }
    for h in a.houses.iter_mut().chain(b.houses.iter_mut()) {
        h.order = None;
    }
    a == b
}

/// What [`rebuild`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Devices that kept their state.
    pub kept: usize,
    /// Devices started afresh (new or changed).
    pub started: usize,
    /// Devices taken away (removed or changed).
    pub removed: usize,
}

/// The neighbourhood was changed from outside a step (an edit, an undo, a
/// student's action): triggered by [`rebuild`] once the new one runs, so
/// that a class's host can tell its students' windows. A step's own
/// switching does not announce itself: every copy of the simulation
/// switches alike.
#[derive(Event, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reshaped;

/// Replaces the running neighbourhood by `built` at the same instant,
/// keeping the state of every device that is still there unchanged, and
/// announces it ([`Reshaped`]).
pub fn rebuild(world: &mut World, built: Built) -> Rebuilt {
    let done = rebuild_within_step(world, built);
    world.trigger(Reshaped);
    done
}

/// [`rebuild`] without the announcement, for a step's own switching.
pub(super) fn rebuild_within_step(world: &mut World, built: Built) -> Rebuilt {
    if only_orders_changed(&world.resource::<Neighbourhood>().0, &built) {
        // A house's market order changes no device and no cable: the
        // market clears the interval open now with it, and nothing else
        // (the interval's energy and everyone's draws) is touched.
        let kept = built.devices.len();
        world.resource_mut::<Market>().set_orders(&built);
        world.insert_resource(Neighbourhood(built));
        world.write_message(super::NeighbourhoodChanged {
            edited: true,
            same_place: true,
        });
        return Rebuilt {
            kept,
            started: 0,
            removed: 0,
        };
    }
    let old = world.resource::<Neighbourhood>().0.clone();
    let seed = world.resource::<SimSettings>().seed;
    let now = world.resource::<SimClock>().now();
    // Old entities by identity, in device order (fleet cars share a name
    // per fleet: matched in turn).
    let mut by_identity: HashMap<(u8, String), Vec<(Entity, usize)>> = HashMap::new();
    let mut entities: Vec<(Entity, usize)> = world
        .query::<(Entity, &DeviceIndex)>()
        .iter(world)
        .map(|(e, i)| (e, i.0))
        .collect();
    entities.sort_by_key(|&(_, i)| std::cmp::Reverse(i));
    for (e, i) in entities {
        if let Some(d) = old.devices.get(i) {
            let (kind, name) = d.identity();
            by_identity
                .entry((kind, name.to_owned()))
                .or_default()
                .push((e, i));
        }
    }
    let mut done = Rebuilt::default();
    let mut fresh = Vec::new();
    for (i, d) in built.devices.iter().enumerate() {
        let (kind, name) = d.identity();
        let same = by_identity
            .get_mut(&(kind, name.to_owned()))
            .and_then(|list| list.pop())
            .and_then(|(e, oi)| {
                // The same parameters (where it stands may change).
                let before = &old.devices[oi];
                if before.kind == d.kind && before.visit == d.visit {
                    Some(e)
                } else {
                    world.despawn(e);
                    done.removed += 1;
                    None
                }
            });
        match same {
            Some(e) => {
                world.entity_mut(e).insert(DeviceIndex(i));
                done.kept += 1;
            }
            None => fresh.push(i),
        }
    }
    // In the old devices' order (the map's order differs from run to run,
    // and the order of despawns orders what is left, and so its sums).
    let mut gone: Vec<(Entity, usize)> = by_identity.into_values().flatten().collect();
    gone.sort_by_key(|&(_, i)| i);
    for (e, _) in gone {
        world.despawn(e);
        done.removed += 1;
    }
    // Until its first step a new household, array or turbine draws or gives
    // what it would start with (as the edit's preview said), not nothing: a
    // paused window shows the edit's effect at once.
    let env = world.resource::<CurrentEnvironment>().0;
    for &i in &fresh {
        let device = &built.devices[i];
        let entity = spawn_device(world, i, device, seed, now);
        if let Some(kva) = start_power(device, &built.scenario, &env, now) {
            world.entity_mut(entity).insert(DevicePower {
                p_kw: kva.re,
                q_kvar: kva.im,
            });
        }
        done.started += 1;
    }

    // Per-house figures follow their house by name.
    let houses = by_house(&world.resource::<EnergyTotals>().houses, &old, &built);
    world.resource_mut::<EnergyTotals>().houses = houses;
    let powers = by_house(&world.resource::<HousePowers>().0, &old, &built);
    world.insert_resource(HousePowers(powers));

    // The network anew, solved below for the present powers; the grid's state goes on.
    world.insert_resource(GridModel(PowerFlowModel::new(&built.network)));
    world.insert_resource(super::network::UnbalancedGridModel::for_built(&built));
    world
        .resource_mut::<EnergyTotals>()
        .restart_unbalance_window();
    world.insert_resource(NetworkState::default());
    world.insert_resource(IslandGridModel::default());
    // An island's units go on; the reference follows its device to the new
    // index (a removed reference leaves none until the next dispatch).
    let units = world.resource::<IslandUnits>().clone();
    let reference = units.reference.and_then(|(i, _)| {
        let key = old.devices.get(i)?.identity();
        built
            .devices
            .iter()
            .position(|d| d.identity() == key)
            .map(|j| (j, built.devices[j].bus))
    });
    let alive = |e: Entity| world.get_entity(e).is_ok();
    let units = IslandUnits {
        reference,
        headroom: units
            .headroom
            .into_iter()
            .filter(|h| alive(h.entity))
            .collect(),
        critical_kw: units
            .critical_kw
            .into_iter()
            .filter(|(e, _)| alive(*e))
            .collect(),
    };
    world.insert_resource(units);
    // The batteries' decisions follow their devices to the new indices
    // (a new battery has none until the next step).
    let before = std::mem::take(&mut world.resource_mut::<super::why::Decisions>().batteries);
    let mut decisions = world.resource_mut::<super::why::Decisions>();
    for (i, decision) in before.into_iter().enumerate() {
        let key = old.devices.get(i).map(|d| d.identity());
        let moved = key.and_then(|key| built.devices.iter().position(|d| d.identity() == key));
        if let (Some(j), Some(decision)) = (moved, decision) {
            decisions.battery(j, decision);
        }
    }
    let settings = world.resource::<SimSettings>().clone();
    world.insert_resource(super::island::outage_schedule(&built, &settings));
    world.insert_resource(super::prices::spikes(&built.scenario));

    // The market: the interval so far settles among those who metered it,
    // then the new participants take over the ledger.
    let mut market = Market::new(&built, seed);
    if let Some(mut before) = world.remove_resource::<Market>() {
        before.close_interval(&old.network, now);
        market.carry_over(before);
    }
    world.insert_resource(market);
    world.insert_resource(Neighbourhood(built));
    super::network::solve_now(world);
    world.write_message(super::NeighbourhoodChanged {
        edited: true,
        same_place: true,
    });
    done
}
