//! The sandbox window: the headless [`SimulationPlugin`] unchanged, with a 3D
//! scene, egui panels and charts on top. It owns no physics: it sends the
//! simulation events and reads its results.
//!
//! One folder per concern, each a plugin, imports running one way (a
//! folder imports only those listed before it; `tests/it/architecture.rs`
//! holds it so):
//! - [`theme`]: the palette every folder shares.
//! - [`control`]: the one queue of actions and what it does headless (the
//!   clock, the grid, files, edits, scripts), and the modes as states.
//! - [`capture`]: screenshots, frame figures, the texts dump.
//! - [`world`]: the 3D neighbourhood, its camera and graphics.
//! - [`modes`]: build mode, challenges, lessons, the demo.
//! - [`hud`]: the egui panels and the keyboard shortcuts.
//!
//! [`frame`] orders the frame; [`soak`] runs the demo headless for days.

pub mod capture;
pub mod control;
pub mod frame;
pub mod hud;
pub mod modes;
pub mod soak;
pub mod theme;
pub mod world;

use std::path::PathBuf;

use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::window::WindowResolution;
use bevy_egui::EguiPlugin;

use crate::scenario::Built;
use crate::sim::{SimClock, SimulationPlugin};
use control::action::{Action, DEFAULT_SPEED, GraphicsSetting};
use control::queue::PendingActions;
use frame::{SIM_BUDGET_MS_PER_FRAME, WINDOW_STEP_S};

/// How `microgrid open` runs the window.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// The scenario file (for reloading and the picker).
    pub scenario_path: PathBuf,
    /// Save a screenshot here and exit.
    pub screenshot: Option<PathBuf>,
    /// Wall seconds before that screenshot.
    pub after_s: f64,
    /// Simulated seconds per real second at the start.
    pub speed: f64,
    /// Start paused.
    pub paused: bool,
    /// Window size in logical pixels.
    pub size: (u32, u32),
    /// Grid outages besides the scenario's timeline.
    pub outages: Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)>,
    /// Run the simulation (headless, at full speed) to this time before showing it.
    pub at: Option<chrono::NaiveDateTime>,
    /// Timed actions to play (`--script`).
    pub script: Option<control::script::Script>,
    /// A challenge to play on the scenario (its starting design).
    pub challenge: Option<crate::challenge::Prepared>,
    /// A lesson file to follow (opened at the first frame).
    pub lesson: Option<PathBuf>,
    /// Open on the list of challenges and lessons (no file was named).
    pub start_screen: bool,
    /// Run the public demo (`microgrid demo`): its tours and settings.
    pub demo: Option<modes::demo::PreparedDemo>,
    /// Fullscreen (the demo's default).
    pub fullscreen: bool,
    /// Write every text drawn to this file (`--dump-texts`, for tests).
    pub dump_texts: Option<PathBuf>,
    /// How the 3D view is drawn (`--graphics`).
    pub graphics: GraphicsSetting,
    /// Write the layout report here with the timed screenshot, and one
    /// beside each other screenshot (`--layout-report`).
    pub layout_report: Option<PathBuf>,
    /// Start in presenter mode (`--presenter`).
    pub presenter: bool,
    /// No size was asked for: shrink the window to fit the screen.
    pub fit_screen: bool,
    /// Draw into an image, with no window and no display
    /// ([`capture::offscreen`]); takes a screenshot and exits.
    pub offscreen: bool,
    /// Log resident memory and entities to this CSV every so many seconds.
    pub memory_log: Option<(PathBuf, f64)>,
    /// Host or join a class (`microgrid host`, `microgrid join`).
    pub class: Option<modes::class::ClassWindow>,
}

/// The window's size when none is asked for (shrunk to fit the screen).
pub const DEFAULT_WINDOW: (u32, u32) = (1600, 900);

impl OpenOptions {
    /// The window on `scenario_path` as `microgrid open` opens it by default.
    pub fn new(scenario_path: PathBuf) -> Self {
        Self {
            scenario_path,
            screenshot: None,
            after_s: 3.0,
            speed: DEFAULT_SPEED,
            paused: false,
            size: DEFAULT_WINDOW,
            outages: Vec::new(),
            at: None,
            script: None,
            challenge: None,
            lesson: None,
            start_screen: false,
            demo: None,
            fullscreen: false,
            dump_texts: None,
            memory_log: None,
            graphics: GraphicsSetting::Auto,
            layout_report: None,
            presenter: false,
            fit_screen: true,
            offscreen: false,
            class: None,
        }
    }
}

/// The simulation with its controls and chart history, and no rendering:
/// what the window adds to the headless simulation, for tests on
/// `MinimalPlugins`.
pub fn headless_plugins(app: &mut App, built: Built, options: &OpenOptions) {
    app.add_plugins(
        SimulationPlugin::new(built, WINDOW_STEP_S).with_outages(options.outages.clone()),
    );
    frame::order_the_frame(app);
    // The charts record the run to `at` too, so they open with its history.
    app.add_plugins((control::plugin, hud::history::plugin, modes::plugin));
    let (now, step_s) = {
        let mut clock = app.world_mut().resource_mut::<SimClock>();
        clock.set_speed(options.speed);
        clock.paused = options.paused;
        clock.frame_budget_ms = Some(SIM_BUDGET_MS_PER_FRAME);
        (clock.now(), clock.step_s)
    };
    // A run ahead to `at` goes in slices, with the window open and showing it.
    if let Some(at) = options.at {
        let seconds = (at - now).num_seconds().max(0) as u64;
        control::long_work::start_jump(
            app.world_mut(),
            crate::tr!("work.running_to", at = crate::lang::date_time(at)),
            seconds.div_ceil(u64::from(step_s)),
        );
    }
    app.insert_resource(control::source::ScenarioSource::new(&options.scenario_path));
    if let Some(script) = &options.script {
        app.insert_resource(control::script::ScriptPlayer::new(script.clone()));
    }
    if let Some(lesson) = &options.lesson {
        app.world_mut()
            .resource_mut::<PendingActions>()
            .push(Action::OpenLesson(lesson.clone()));
    }
    if let Some(prepared) = &options.challenge {
        app.insert_resource(modes::challenge::ChallengeMode::new(prepared.clone()));
        control::mode::enter(app.world_mut(), control::mode::Mode::Challenge);
    }
    if let Some(prepared) = &options.demo {
        modes::demo::begin(app.world_mut(), prepared.clone());
        app.world_mut().resource_mut::<SimClock>().paused = false;
    }
}

/// Opens the window and runs until it is closed (or the timed screenshot is saved).
pub fn open(built: Built, mut options: OpenOptions) -> AppExit {
    let title = crate::tr!("window.title", name = built.scenario.name);
    let mut app = App::new();
    let plugins = DefaultPlugins
        .set(WindowPlugin {
            primary_window: Some(Window {
                title,
                resolution: WindowResolution::new(options.size.0, options.size.1),
                mode: if options.fullscreen {
                    bevy::window::WindowMode::BorderlessFullscreen(
                        bevy::window::MonitorSelection::Primary,
                    )
                } else {
                    bevy::window::WindowMode::Windowed
                },
                // A timed run (`--screenshot`, what `frames` runs) is not
                // held to the display's refresh, so its figures are the frames'.
                present_mode: if options.screenshot.is_some() {
                    bevy::window::PresentMode::AutoNoVsync
                } else {
                    bevy::window::PresentMode::default()
                },
                ..default()
            }),
            // Closing asks first while there are unsaved edits (see `ui`).
            close_when_requested: false,
            ..default()
        })
        .set(LogPlugin {
            filter: "wgpu=error,naga=warn,bevy_render=warn,bevy_winit=warn,offset_allocator=warn"
                .into(),
            level: bevy::log::Level::WARN,
            ..default()
        });
    capture::offscreen::add_plugins_for(
        &mut app,
        plugins,
        options.offscreen.then_some(options.size),
    );
    app.add_plugins((EguiPlugin::default(), MeshPickingPlugin));
    app.insert_resource(world::graphics::Graphics::new(options.graphics));
    headless_plugins(&mut app, built, &options);
    app.add_plugins((
        world::plugin,
        capture::plugin,
        modes::window_plugin,
        hud::plugin,
    ));
    if let Some(class) = options.class.take() {
        // A class runs at a simulated minute a second until the teacher
        // changes it (a resumed one at the speed the teacher left it).
        app.world_mut().resource_mut::<SimClock>().set_speed(60.0);
        if let Err(e) = modes::class::begin(&mut app, class) {
            eprintln!("error: {e}");
            return AppExit::from_code(2);
        }
    }
    if let Some(path) = options.dump_texts.clone() {
        app.insert_resource(capture::text_dump::TextDump {
            path,
            texts: Default::default(),
            dirty: true,
            written_at: 0.0,
        });
    }
    if let Some((path, every_s)) = options.memory_log.clone() {
        app.insert_resource(capture::memory_log::MemoryLog::new(path, every_s));
    }
    if options.start_screen {
        app.world_mut().resource_mut::<hud::ChallengeList>().0 = true;
    }
    if let Some(path) = options.layout_report {
        let timed = options.screenshot.is_some().then_some(path);
        app.insert_resource(capture::layout_report::LayoutReports {
            timed,
            beside_screenshots: true,
        });
    }
    app.world_mut().resource_mut::<hud::Presenter>().0 = options.presenter;
    if options.fit_screen && !options.offscreen {
        app.insert_resource(world::graphics::FitToScreen);
    }
    if let Some(path) = options.screenshot {
        app.insert_resource(capture::screenshot::AutoCapture {
            path,
            after_s: options.after_s,
            taken: false,
        });
    }
    app.run()
}
