//! The one queue of [`Action`]s and how it is carried out. Buttons, keys,
//! scripts, tours and lessons push actions; once a frame [`apply_actions`]
//! takes them in order, asks every gate whether the action may go ahead
//! (unsaved edits, a file being read, a challenge's run, the demo), then
//! triggers [`ApplyAction`]: each concern's plugin observes it and carries
//! out the actions that are its own, with the system parameters it needs.

use bevy::prelude::*;

use super::action::Action;

/// Actions waiting for [`apply_actions`], in the order they were asked for.
#[derive(Resource, Debug, Default)]
pub struct PendingActions(pub Vec<Action>);

impl PendingActions {
    /// Queues an action.
    pub fn push(&mut self, action: Action) {
        self.0.push(action);
    }
}

/// An action that passed every gate: the plugin whose concern it is
/// carries it out (every observer sees every action and matches its own).
#[derive(Event, Debug, Clone, PartialEq)]
pub struct ApplyAction(pub Action);

/// What a gate says of an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    /// Let it go on to the next gate.
    Pass,
    /// Stop it here (the gate has said why, or kept it for later).
    Stop,
}

/// A check an action must pass before it is carried out. It gets the whole
/// world because what it weighs (unsaved edits, a challenge's phase) lives
/// in different plugins; it may hold the action or say why not.
pub type GateFn = fn(&mut World, &Action) -> Gate;

/// The gates, in the order their plugins added them.
#[derive(Resource, Debug, Default, Clone)]
pub struct ActionGates(pub Vec<GateFn>);

/// Adds a gate every action passes before it is carried out.
pub fn add_gate(app: &mut App, gate: GateFn) {
    app.init_resource::<ActionGates>();
    app.world_mut().resource_mut::<ActionGates>().0.push(gate);
}

/// Adds the queue and the system that carries it out.
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PendingActions>();
    app.init_resource::<ActionGates>();
}

/// Carries out the queued actions, in order (exclusive system).
pub fn apply_actions(world: &mut World) {
    let actions = std::mem::take(&mut world.resource_mut::<PendingActions>().0);
    for action in actions {
        submit(world, action);
    }
}

/// Passes `action` through the gates, then carries it out.
pub fn submit(world: &mut World, action: Action) {
    let gates = world.resource::<ActionGates>().0.clone();
    for gate in gates {
        if gate(world, &action) == Gate::Stop {
            return;
        }
    }
    carry_out(world, action);
}

/// Carries out `action` past the gates (an action held for unsaved edits
/// and then let go): every plugin's observer sees it, and what they queued
/// is done before the next action.
pub fn carry_out(world: &mut World, action: Action) {
    world.trigger(ApplyAction(action));
    world.flush();
}
