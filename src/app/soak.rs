//! The demo's soak: the attract loop, a visitor and the idle reset, over
//! and over, headless (on `MinimalPlugins`, as the tests drive the window),
//! with the entity count and the resident memory after every cycle. A
//! kiosk runs for days; what one cycle leaves behind, thousands pile up.

use bevy::prelude::*;

use super::control::action::Action;
use super::control::{queue, source};
use super::modes::demo::{self, DemoAction, DemoMode, DemoPhase, PreparedDemo};

/// What one cycle left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoakSample {
    /// Entities in the world.
    pub entities: usize,
    /// Resident memory of the process, KiB (0 where it cannot be read).
    pub rss_kib: u64,
    /// Simulated days so far.
    pub simulated_days: f64,
}

pub use super::capture::memory_log::rss_kib;

/// The demo's app without a window: the simulation, the controls and the
/// demo, as [`super::headless_plugins`] gives them to the tests.
pub fn headless_demo(prepared: PreparedDemo) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    let built = prepared.tours[0].start.clone();
    let options = super::OpenOptions::new(prepared.tours[0].file.clone());
    super::headless_plugins(&mut app, built, &options);
    demo::begin(app.world_mut(), prepared);
    demo::start_tour(app.world_mut(), 0);
    app
}

/// `seconds` of wall time in frames of `frame_s`: the frame's simulation
/// steps at the clock's speed, the demo, then the action queue. Returns
/// the simulation steps run.
pub fn wait(app: &mut App, seconds: f64, frame_s: f64) -> u64 {
    let mut run = 0;
    let mut left = seconds;
    while left > 1e-9 {
        let dt = left.min(frame_s);
        let due = {
            let clock = app.world().resource::<crate::sim::SimClock>();
            if clock.paused {
                0
            } else {
                (dt * clock.speed / f64::from(clock.step_s)).round() as u64
            }
        };
        for _ in 0..due {
            crate::sim::step(app.world_mut());
        }
        run += due;
        demo::advance(app.world_mut(), dt);
        queue::apply_actions(app.world_mut());
        source::finish_long_work(app.world_mut());
        // The frame's own systems too, and the end of the frame: messages
        // are kept for two frames and then dropped, as in the window.
        app.update();
        left -= dt;
    }
    run
}

fn push(app: &mut App, action: Action) {
    app.world_mut()
        .resource_mut::<queue::PendingActions>()
        .push(action);
    queue::apply_actions(app.world_mut());
    source::finish_long_work(app.world_mut());
}

/// One cycle: the whole playlist in the attract loop, a visitor who adds
/// solar and a battery and fails the grid, then the idle time and the
/// countdown back to the loop. Returns the simulation steps run (a jump
/// to an hour in a tour is not counted).
pub fn cycle(app: &mut App) -> u64 {
    let playlist_s: f64 = app
        .world()
        .resource::<DemoMode>()
        .demo
        .tours
        .iter()
        .map(|t| t.tour.steps.iter().map(|s| s.after_s).sum::<f64>() + t.tour.hold_s + 5.0)
        .sum();
    let mut run = wait(app, playlist_s, 0.5);
    push(app, Action::Demo(DemoAction::Input));
    push(app, Action::Demo(DemoAction::AddSolar));
    push(app, Action::Demo(DemoAction::AddBattery));
    let outage = |app: &App| {
        app.world()
            .resource::<crate::sim::grid_mode::GridState>()
            .manual_outage
    };
    // The visitor fails the grid (a tour may have done it already), then
    // brings it back.
    if !outage(app) {
        push(app, Action::ToggleOutage);
    }
    run += wait(app, 30.0, 0.5);
    if outage(app) {
        push(app, Action::ToggleOutage);
    }
    let (idle, countdown) = {
        let mode = app.world().resource::<DemoMode>();
        (mode.idle_s, mode.demo.config.countdown_s)
    };
    run += wait(app, idle + countdown + 1.0, 0.5);
    debug_assert!(matches!(
        app.world().resource::<DemoMode>().phase,
        DemoPhase::Attract { .. }
    ));
    run
}

/// Runs `cycles` cycles and samples after each.
pub fn soak(app: &mut App, cycles: usize) -> Vec<SoakSample> {
    let mut out = Vec::with_capacity(cycles);
    let mut simulated_s = 0.0;
    let step_s = f64::from(app.world().resource::<crate::sim::SimClock>().step_s);
    for _ in 0..cycles {
        simulated_s += cycle(app) as f64 * step_s;
        let entities = app.world().entities().len() as usize;
        out.push(SoakSample {
            entities,
            rss_kib: rss_kib(),
            simulated_days: simulated_s / 86_400.0,
        });
    }
    out
}
