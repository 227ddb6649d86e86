//! The `microgrid` command line: open, check, powerflow, run, bench.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDateTime;
use clap::{Parser, Subcommand};

use crate::network::unbalanced::UnbalancedModel;
use crate::network::{PowerFlowModel, SolverOptions};
use crate::report::{pandapower_case, snapshot_table};
use crate::scenario::{self, Built, ScenarioError};
use crate::sim::snapshot::{bus_consumption_mva, device_powers_at};

/// Exit status for bad input (a scenario, an argument).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit status when a power flow has no solution.
pub const EXIT_NO_SOLUTION: u8 = 3;

pub use crate::scenario::DEFAULT_SCENARIO;

/// The demo's settings when none are named.
pub const DEFAULT_DEMO: &str = "scenes/demo/museum.demo.ron";

/// A neighbourhood microgrid sandbox: rooftop solar, small wind, home
/// batteries and electric cars on a 0.4 kV feeder, with a real AC power flow.
#[derive(Debug, Parser)]
#[command(name = "microgrid", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do (without one, opens the sandbox window).
    #[command(subcommand)]
    pub command: Option<Command>,
}

const EXAMPLES: &str = "Examples:
  microgrid open scenes/town-1000.scenario.ron --speed 3600
  microgrid open --screenshot shot.png --after 5
  microgrid open scenes/challenges/02-keep-the-lights-on.challenge.ron
  microgrid open scenes/lessons/01-one-customer.lesson.ron
  microgrid check scenes/default.scenario.ron
  microgrid run scenes/default.scenario.ron --days 7 --csv week.csv
  microgrid run scenes/default.scenario.ron --days 7 --market sdr --trades trades.csv
  microgrid powerflow scenes/kerber-dorfnetz.scenario.ron --at \"2025-06-21 13:00\"
  microgrid powerflow scenes/default.scenario.ron --json > case.json
  microgrid challenge scenes/challenges/01-first-light.challenge.ron --design my-design.scenario.ron
  microgrid challenge scenes/challenges/01-first-light.challenge.ron --design class-7b/ --json
  microgrid demo                       # fullscreen public demo; Ctrl+Alt+O for the operator
  microgrid bench

Exit status: 0 fine, 1 the window failed, 2 bad input, 3 power flow has no solution.";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the 3D sandbox window on a scenario or a challenge (F1 in the window lists the keys).
    Open {
        /// Scenario file, a challenge (`*.challenge.ron`) or a lesson (`*.lesson.ron`) [default: scenes/default.scenario.ron].
        file: Option<PathBuf>,
        /// Save a PNG of the window here after --after seconds, print the
        /// frame figures and exit.
        #[arg(long, value_name = "PNG")]
        screenshot: Option<PathBuf>,
        /// Seconds (wall time) the window runs before --screenshot is taken.
        #[arg(long, value_name = "SECONDS", default_value = "3", value_parser = parse_after)]
        after: f64,
        /// Simulated seconds per real second at the start (1 to 3600).
        #[arg(long, default_value = "600", value_parser = parse_speed)]
        speed: f64,
        /// Start paused.
        #[arg(long)]
        paused: bool,
        /// Window size in pixels, WIDTHxHEIGHT [default: 1600x900, or less to fit the screen].
        #[arg(long, value_parser = parse_size)]
        size: Option<(u32, u32)>,
        /// Run to this local time first, "YYYY-MM-DD HH:MM" (within a year of the start).
        #[arg(long, value_parser = parse_at)]
        at: Option<NaiveDateTime>,
        /// A grid outage, as for `run` (repeatable).
        #[arg(long, value_parser = crate::run::parse_outage, value_name = "FROM..UNTIL")]
        outage: Vec<(NaiveDateTime, NaiveDateTime)>,
        /// Play timed actions, every control and every edit (see docs/scripts.md).
        #[arg(long, value_name = "SCRIPT.ron")]
        script: Option<PathBuf>,
        /// Draw into an image instead of a window: no display is needed (a
        /// GPU machine without one); with --screenshot, which saves it.
        #[arg(long, requires = "screenshot")]
        offscreen: bool,
        #[command(flatten)]
        window: WindowArgs,
    },
    /// Turn a pandapower network (pandapower.to_json) into a scenario file.
    ///
    /// Loads become houses, static generators PV, storage batteries; open
    /// line switches stay open. What the sandbox cannot model is refused
    /// with the element named (docs/import.md).
    Import {
        /// The pandapower JSON file.
        file: PathBuf,
        /// The scenario to write [default: the same name, .scenario.ron].
        #[arg(short, long, value_name = "OUT.scenario.ron")]
        output: Option<PathBuf>,
        /// Give every house with a load this yearly demand instead of the
        /// rule's (a planning peak such as Kerber's 8 kW makes a large house).
        #[arg(long, value_name = "KWH")]
        annual_kwh: Option<f64>,
        /// Of a network with several transformers, import the part behind
        /// this one (its name or index in the trafo table).
        #[arg(long, value_name = "NAME_OR_INDEX")]
        transformer: Option<String>,
    },
    /// The public demo: fullscreen, an attract loop of tours, visitor play,
    /// idle reset; Ctrl+Alt+O opens the operator's panel (docs/demo.md).
    Demo {
        /// The demo's settings [default: scenes/demo/museum.demo.ron].
        config: Option<PathBuf>,
        /// In a window instead of fullscreen (for trying it out).
        #[arg(long)]
        windowed: bool,
        /// Window size in pixels, WIDTHxHEIGHT (with --windowed).
        #[arg(long, default_value = "1600x900", value_parser = parse_size)]
        size: (u32, u32),
        /// Save a PNG of the window here after --after seconds and exit.
        #[arg(long, value_name = "PNG")]
        screenshot: Option<PathBuf>,
        /// Seconds (wall time) before --screenshot is taken.
        #[arg(long, value_name = "SECONDS", default_value = "3", value_parser = parse_after)]
        after: f64,
        /// Instead of a window: run this many cycles of attract loop,
        /// visitor and idle reset headless, and print the entity count and
        /// resident memory after each.
        #[arg(long, value_name = "CYCLES", value_parser = clap::value_parser!(u32).range(1..=100_000))]
        soak: Option<u32>,
        /// With a window: write the resident memory and the entity count to
        /// this CSV every --memory-every seconds (tools/window-soak.sh).
        #[arg(long, value_name = "CSV", conflicts_with = "soak")]
        memory_log: Option<PathBuf>,
        /// Seconds between the memory log's samples.
        #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = parse_after)]
        memory_every: f64,
        #[command(flatten)]
        window: WindowArgs,
    },
    /// Run a challenge and grade designs: eligibility, goals, stars, score.
    ///
    /// Each design is a scenario file (a student's saved design); a folder
    /// stands for every *.scenario.ron in it. Without --design, grades the
    /// starting design. One design prints its report, several a table.
    Challenge {
        /// The challenge file (`*.challenge.ron`).
        file: PathBuf,
        /// A design to grade: a scenario file or a folder of them (repeatable).
        #[arg(long, value_name = "SCENARIO")]
        design: Vec<PathBuf>,
        /// Print JSON: one object for one design, an array for several.
        #[arg(long)]
        json: bool,
    },
    /// Check scenario files and summarise each on one line.
    Check {
        /// Scenario files (`*.scenario.ron`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Solve the AC power flow at one instant and print the result.
    ///
    /// Demand follows the BDEW H0 profile, PV a clear sky and wind the
    /// scenario's mean speed; batteries and cars are idle in a snapshot.
    Powerflow {
        /// Scenario file.
        file: PathBuf,
        /// Local time of the snapshot, "YYYY-MM-DD HH:MM" [default: the scenario's start].
        #[arg(long, value_parser = parse_at)]
        at: Option<NaiveDateTime>,
        /// Print pandapower-style JSON tables instead of the readable table.
        #[arg(long)]
        json: bool,
        /// Put a cable's switch open or closed first, "FROM:TO=open" (repeatable).
        #[arg(long, value_parser = parse_switch, value_name = "FROM:TO=open|closed")]
        switch: Vec<(String, String, scenario::SwitchState)>,
    },
    /// Say in plain words why a house, a cable or the transformer is as it
    /// is at a moment.
    ///
    /// Runs the scenario to --at (with --outage as for `run`) and prints the
    /// cause from the simulation's own decisions: the controller's, the
    /// island's dispatch and its relays (docs/why.md).
    Why {
        /// Scenario file.
        file: PathBuf,
        #[command(flatten)]
        asked: WhyAsked,
    },
    /// Run the neighbourhood through days, headless and as fast as possible.
    ///
    /// Prints a summary (energy, self-sufficiency, voltages, loadings);
    /// --csv writes one row per step, --per-house each house's 15-minute
    /// mean power and energy so far. Files are replaced only when the run
    /// succeeds.
    Run {
        /// Scenario file.
        file: PathBuf,
        /// Days to simulate from the scenario's start [default: 1].
        #[arg(long, conflicts_with = "until")]
        days: Option<f64>,
        /// Simulate until this local time, "YYYY-MM-DD HH:MM".
        #[arg(long, value_parser = parse_at)]
        until: Option<NaiveDateTime>,
        /// Simulated time per step: 30s, 1min, 15min, 1h.
        #[arg(long, default_value = "1min", value_parser = crate::run::parse_step)]
        step: u32,
        /// Seed of the weather, households and cars [default: the scenario's].
        #[arg(long)]
        seed: Option<u64>,
        /// How cars charge [default: the scenario's].
        #[arg(long, value_enum)]
        charging: Option<ChargingArg>,
        /// Write one row per step to this CSV file.
        #[arg(long, value_name = "OUT")]
        csv: Option<PathBuf>,
        /// Write each house's power and energy to this CSV file.
        #[arg(long, value_name = "OUT")]
        per_house: Option<PathBuf>,
        /// A grid outage, "YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM" (repeat for more).
        #[arg(long, value_parser = crate::run::parse_outage, value_name = "FROM..UNTIL")]
        outage: Vec<(NaiveDateTime, NaiveDateTime)>,
        /// Put a cable's switch open or closed from the start, "FROM:TO=open" (repeatable).
        #[arg(long, value_parser = parse_switch, value_name = "FROM:TO=open|closed")]
        switch: Vec<(String, String, scenario::SwitchState)>,
        /// Write the events log (breaker, shedding, blackout) to this CSV file.
        #[arg(long, value_name = "OUT")]
        events: Option<PathBuf>,
        /// An import price spike, "YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM=EUR_PER_KWH" (repeat for more).
        #[arg(long, value_parser = crate::run::parse_price, value_name = "FROM..UNTIL=EUR")]
        price: Vec<(NaiveDateTime, NaiveDateTime, f64)>,
        /// Energy management [default: the scenario's].
        #[arg(long, value_enum)]
        strategy: Option<StrategyArg>,
        /// Local market between neighbours: sdr, mmr, bill-sharing, auction
        /// or none [default: the scenario's].
        #[arg(long, value_parser = crate::market::Mechanism::from_cli, value_name = "MECHANISM")]
        market: Option<crate::market::Mechanism>,
        /// Minutes per market interval (divides an hour) [default: the scenario's, 15].
        #[arg(long, value_parser = parse_market_interval, value_name = "MINUTES")]
        market_interval: Option<u32>,
        /// Write one row per local trade to this CSV file (needs a market).
        #[arg(long, value_name = "OUT")]
        trades: Option<PathBuf>,
        /// Write each house's market account to this CSV file (needs a market).
        #[arg(long, value_name = "OUT")]
        ledger: Option<PathBuf>,
        /// Play edits and controls at simulated times (a TimedScript file,
        /// docs/class.md): what a class's students did, on one machine.
        #[arg(long, value_name = "STEPS")]
        script: Option<PathBuf>,
    },
    /// Host a class: the one simulation each student joins with their own
    /// house (docs/class.md).
    Host {
        #[command(flatten)]
        args: crate::class::commands::HostArgs,
        #[command(flatten)]
        shown: ClassWindowArgs,
    },
    /// Join a class with the code the teacher shows, or HOST:PORT.
    Join {
        #[command(flatten)]
        args: crate::class::commands::JoinArgs,
        #[command(flatten)]
        shown: ClassWindowArgs,
    },
    /// Time the power flow: a table of houses, buses, solve_us and iterations.
    ///
    /// Without FILE, on generated towns of 10, 100, 1,000 and 10,000 houses.
    /// Build with --release for meaningful numbers.
    Bench {
        /// Scenario file to time instead of the generated towns.
        file: Option<PathBuf>,
        /// Smallest number of solves to average over.
        #[arg(long, default_value_t = 200)]
        solves: u32,
        /// Instead: a class of this many scripted students on loopback, a
        /// simulated day (repeatable, side by side); FILE or a generated
        /// town of 125 houses.
        #[arg(long, value_name = "STUDENTS")]
        class: Vec<usize>,
    },
    /// Time the window's frames against a bare Bevy scene, in one run (needs a display, or --offscreen).
    ///
    /// Runs in turn: the bare scene (a ground plane to the horizon, 24
    /// cubes, one shadowed light, default MSAA; then without MSAA; then
    /// without shadows or MSAA), and the sandbox on the scenario with
    /// --graphics high and low; prints each mean frame and its ratio to
    /// the bare scene. Build with --release for meaningful numbers.
    Frames {
        /// Scenario to open [default: scenes/default.scenario.ron].
        file: Option<PathBuf>,
        /// Window size in pixels, WIDTHxHEIGHT.
        #[arg(long, default_value = "1280x720", value_parser = parse_size)]
        size: (u32, u32),
        /// Wall seconds each run lasts (the first second is not counted).
        #[arg(long, default_value = "20", value_parser = parse_after)]
        seconds: f64,
        /// Times each case runs (round-robin); the table gives the median.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
        rounds: u32,
        /// Draw every case into an image instead of a window (no display
        /// needed; each frame waits for the GPU to finish it).
        #[arg(long)]
        offscreen: bool,
    },
    /// The bare scene alone (what `frames` runs).
    #[command(hide = true)]
    BareScene {
        #[arg(long, default_value = "1280x720", value_parser = parse_size)]
        size: (u32, u32),
        #[arg(long, default_value = "20", value_parser = parse_after)]
        seconds: f64,
        #[arg(long)]
        no_msaa: bool,
        #[arg(long)]
        no_shadows: bool,
        #[arg(long)]
        offscreen: bool,
    },
}

/// What `open` and `demo` both take: the language and the graphics.
#[derive(Debug, Clone, clap::Args)]
pub struct WindowArgs {
    /// The window's language: en (English) or de (Deutsch) [default: en, or the demo config's].
    #[arg(long, value_parser = crate::lang::Lang::parse, value_name = "en|de")]
    lang: Option<crate::lang::Lang>,
    /// How the 3D view is drawn: high (full resolution, shadows, MSAA), low (half resolution, no shadows or MSAA), auto (low on a software renderer or slow frames) [default: auto, or the demo config's].
    #[arg(long, value_parser = crate::app::world::graphics::GraphicsSetting::parse, value_name = "high|low|auto")]
    graphics: Option<crate::app::world::graphics::GraphicsSetting>,
    /// Write every distinct text the window draws to this file at exit (for tests).
    #[arg(long, value_name = "FILE", hide = true)]
    dump_texts: Option<PathBuf>,
    /// With --screenshot, write what was drawn where (texts, their sizes,
    /// buttons, the free 3D view) as JSON to this file; a script's
    /// screenshots get one beside them (x.png: x.layout.json).
    #[arg(long, value_name = "JSON")]
    layout_report: Option<PathBuf>,
    /// Start in presenter mode (F5): light panels, large type, big readouts.
    #[arg(long)]
    presenter: bool,
}

/// How a class's window opens (`host` and `join` without `--headless`).
#[derive(Debug, clap::Args)]
pub struct ClassWindowArgs {
    /// Window size in pixels, WIDTHxHEIGHT [default: 1600x900, or less to fit the screen].
    #[arg(long, value_parser = parse_size)]
    size: Option<(u32, u32)>,
    /// Save a PNG of the window here after --after seconds and leave the class.
    #[arg(long, value_name = "PNG")]
    screenshot: Option<PathBuf>,
    /// Seconds (wall time) the window runs before --screenshot is taken.
    #[arg(long, value_name = "SECONDS", default_value = "3", value_parser = parse_after)]
    after: f64,
    /// Play the window's timed actions (as `open --script`, in wall
    /// seconds): a student's edits go to the host like clicks.
    #[arg(long, value_name = "SCRIPT.ron")]
    window_script: Option<PathBuf>,
    #[command(flatten)]
    window: WindowArgs,
}

/// The controller's strategy, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StrategyArg {
    /// Batteries serve their own house.
    SelfConsumption,
    /// Charge when cheap, discharge when dear, keep an outage reserve.
    PriceAware,
    /// Price-aware, and island on purpose when the grid is dear.
    EconomicIslanding,
}

impl From<StrategyArg> for crate::scenario::tariff::Strategy {
    fn from(s: StrategyArg) -> Self {
        match s {
            StrategyArg::SelfConsumption => Self::SelfConsumption,
            StrategyArg::PriceAware => Self::PriceAware,
            StrategyArg::EconomicIslanding => Self::EconomicIslanding,
        }
    }
}

/// How cars charge, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChargingArg {
    /// Full power from arrival until full.
    Plain,
    /// Spread evenly until departure.
    Smart,
}

impl From<ChargingArg> for crate::physics::ev::Charging {
    fn from(c: ChargingArg) -> Self {
        match c {
            ChargingArg::Plain => Self::Plain,
            ChargingArg::Smart => Self::Smart,
        }
    }
}

fn parse_at(text: &str) -> Result<NaiveDateTime, String> {
    scenario::parse_date_time(text)
}

/// Runs the command line and returns the process's exit status.
pub fn run(cli: Cli) -> ExitCode {
    if !matches!(
        cli.command,
        None | Some(Command::Open { .. }) | Some(Command::Demo { .. })
    ) {
        crate::files::remove_temporary_files_on_signal();
    }
    match cli.command {
        None => open(crate::app::OpenOptions {
            start_screen: true,
            ..crate::app::OpenOptions::new(DEFAULT_SCENARIO.into())
        }),
        Some(Command::Open {
            file,
            screenshot,
            after,
            speed,
            paused,
            size,
            at,
            outage,
            script,
            offscreen,
            window,
        }) => {
            let WindowArgs {
                lang,
                graphics,
                dump_texts,
                layout_report,
                presenter,
            } = window;
            crate::lang::set(lang.unwrap_or_default());
            let opened = file.clone().unwrap_or_else(|| DEFAULT_SCENARIO.into());
            let script = match window_files(
                &opened,
                script.as_deref(),
                &screenshot,
                &dump_texts,
                &layout_report,
            ) {
                Ok(s) => s,
                Err(code) => return code,
            };
            // Without a file, the list of challenges and lessons greets a
            // person (not a screenshot or a script).
            let start_screen = file.is_none() && screenshot.is_none() && script.is_none();
            open(crate::app::OpenOptions {
                start_screen,
                screenshot,
                after_s: after,
                speed,
                paused,
                size: size.unwrap_or(crate::app::DEFAULT_WINDOW),
                fit_screen: size.is_none(),
                offscreen,
                at,
                outages: outage,
                dump_texts,
                layout_report,
                presenter,
                graphics: graphics.unwrap_or_default(),
                script,
                ..crate::app::OpenOptions::new(file.unwrap_or_else(|| DEFAULT_SCENARIO.into()))
            })
        }
        Some(Command::Check { files }) => check(&files),
        Some(Command::Challenge { file, design, json }) => challenge(&file, &design, json),
        Some(Command::Demo {
            config,
            windowed,
            size,
            screenshot,
            after,
            soak,
            memory_log,
            memory_every,
            window,
        }) => {
            let WindowArgs {
                lang,
                graphics,
                dump_texts,
                layout_report,
                presenter,
            } = window;
            let path = config.unwrap_or_else(|| DEFAULT_DEMO.into());
            let demo = match crate::app::modes::demo::PreparedDemo::load(&path) {
                Ok(d) => d,
                Err(errors) => {
                    print_errors(&errors);
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            };
            // The demo reads its tours, the mission, their scenarios and series.
            let mut files: Vec<&Path> = vec![&path];
            let mut builts = Vec::new();
            for tour in &demo.tours {
                files.extend([tour.file.as_path(), tour.scenario_file.as_path()]);
                builts.push(&tour.start);
            }
            if let Some(mission) = &demo.mission {
                files.push(&mission.scenario_file);
                builts.push(&mission.start);
            }
            let read = files_read(&files, builts);
            let read: Vec<&Path> = read.iter().map(PathBuf::as_path).collect();
            if let Err(code) = window_outputs(
                &read,
                &[
                    ("--screenshot", &screenshot, true),
                    ("--dump-texts", &dump_texts, false),
                    ("--layout-report", &layout_report, false),
                    ("--memory-log", &memory_log, false),
                ],
            ) {
                return code;
            }
            crate::lang::set(lang.unwrap_or(demo.config.language));
            if let Some(cycles) = soak {
                return soak_demo(demo, cycles as usize);
            }
            let built = demo.tours[0].start.clone();
            let scenario_path = demo.tours[0].file.clone();
            let options = crate::app::OpenOptions {
                size,
                screenshot,
                after_s: after,
                fullscreen: !windowed,
                graphics: graphics.unwrap_or(demo.config.graphics),
                demo: Some(demo),
                dump_texts,
                layout_report,
                presenter,
                memory_log: memory_log.map(|p| (p, memory_every)),
                ..crate::app::OpenOptions::new(scenario_path)
            };
            match crate::app::open(built, options) {
                bevy::app::AppExit::Success => ExitCode::SUCCESS,
                bevy::app::AppExit::Error(code) => ExitCode::from(code.get()),
            }
        }
        Some(Command::Import {
            file,
            output,
            annual_kwh,
            transformer,
        }) => import(&file, output, annual_kwh, transformer.as_deref()),
        Some(Command::Powerflow {
            file,
            at,
            json,
            switch,
        }) => powerflow(&file, at, json, &switch),
        Some(Command::Why { file, asked }) => match built_or_exit(&file) {
            Ok(built) => why(&built, asked),
            Err(code) => code,
        },
        Some(Command::Host { args, .. }) if args.headless => crate::class::commands::host(args),
        Some(Command::Join { args, .. }) if args.headless => crate::class::commands::join(args),
        Some(Command::Host { args, shown }) => {
            let options = match crate::class::commands::host_options(&args) {
                Ok(o) => o,
                Err(code) => return code,
            };
            let file = options.scenario_file.clone();
            let built = options.built.clone();
            class_window(
                shown,
                file,
                built,
                crate::app::modes::class::ClassWindow::Host(Box::new(options)),
            )
        }
        Some(Command::Join { args, shown }) => {
            // Without a code the window lists the classes announced on the
            // network, and the student picks one.
            let server = match crate::class::commands::join_checks(&args) {
                Ok(s) => s,
                Err(code) => return code,
            };
            // The window opens on the default neighbourhood and turns to
            // the class's as soon as the host sends it.
            let file = PathBuf::from(DEFAULT_SCENARIO);
            let built = match load_built(&file) {
                Ok(b) => b,
                Err(errors) => {
                    print_errors(&errors);
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            };
            let keys = PathBuf::from(crate::class::keys::KEYS_FILE);
            let mirror = match server {
                Some(server) => crate::class::mirror::Mirror::new(server, args.name, args.pin)
                    .with_keys_file(keys),
                None => {
                    let mut m = crate::class::mirror::Mirror::choosing(
                        args.name,
                        args.pin,
                        args.announce_port,
                    );
                    m.keys_file = Some(keys);
                    m
                }
            };
            class_window(
                shown,
                file,
                built,
                crate::app::modes::class::ClassWindow::Join(Box::new(mirror)),
            )
        }
        Some(Command::Bench {
            file,
            solves: _,
            class,
        }) if !class.is_empty() => crate::bench::class(file.as_deref(), &class),
        Some(Command::Bench { file, solves, .. }) => crate::bench::run(file.as_deref(), solves),
        Some(Command::Frames {
            file,
            size,
            seconds,
            rounds,
            offscreen,
        }) => crate::app::capture::frames::run(
            &file.unwrap_or_else(|| DEFAULT_SCENARIO.into()),
            size,
            (seconds, rounds),
            offscreen,
        ),
        Some(Command::BareScene {
            size,
            seconds,
            no_msaa,
            no_shadows,
            offscreen,
        }) => {
            let exit =
                crate::app::capture::bare_scene::run(crate::app::capture::bare_scene::BareScene {
                    size,
                    seconds,
                    msaa: !no_msaa,
                    shadows: !no_shadows,
                    offscreen,
                });
            if exit == bevy::app::AppExit::Success {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Some(Command::Run {
            file,
            days,
            until,
            step,
            seed,
            charging,
            csv,
            per_house,
            outage,
            switch,
            events,
            price,
            strategy,
            market,
            market_interval,
            trades,
            ledger,
            script,
        }) => {
            let built = match built_or_exit(&file) {
                Ok(b) => b,
                Err(code) => return code,
            };
            let built = match with_switches(built, &switch).map_err(bad_input) {
                Ok(b) => b,
                Err(code) => return code,
            };
            let duration = match until {
                Some(t) => crate::run::duration_until(built.scenario.start.0, t),
                None => crate::run::duration_days(days.unwrap_or(1.0)),
            };
            let duration =
                duration.and_then(|d| crate::run::check_series_covers(&built, d).map(|()| d));
            let mechanism = market.unwrap_or(built.scenario.market.mechanism);
            let duration = duration.and_then(|d| {
                crate::run::check_market_outputs(mechanism, trades.is_some() || ledger.is_some())
                    .map(|()| d)
            });
            let start = built.scenario.start.0;
            let spikes: Vec<_> = price
                .iter()
                .map(|&(from, until, _)| (from, until))
                .collect();
            let duration = duration.and_then(|d| {
                crate::run::check_within_run("--outage", &outage, start, d)?;
                crate::run::check_within_run("--price", &spikes, start, d)?;
                Ok(d)
            });
            let steps = match script.as_deref().map(crate::scenario::timed::load) {
                Some(Err(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
                Some(Ok(s)) => s.steps,
                None => Vec::new(),
            };
            let duration = duration.and_then(|d| {
                crate::run::check_timed_steps(&steps, start, d).map_err(|e| {
                    format!(
                        "{}: {e}",
                        script.as_deref().unwrap_or(Path::new("")).display()
                    )
                })?;
                Ok(d)
            });
            // No output over the scenario or its series, none twice, each writable.
            let inputs: Vec<PathBuf> = std::iter::once(file.clone())
                .chain(script.clone())
                .chain(built.weather_series.iter().map(|s| PathBuf::from(&s.file)))
                .chain(built.price_series.iter().map(|s| PathBuf::from(&s.file)))
                .collect();
            let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
            let outputs: Vec<crate::files::Output<'_>> = [
                ("--csv", &csv),
                ("--per-house", &per_house),
                ("--events", &events),
                ("--trades", &trades),
                ("--ledger", &ledger),
            ]
            .into_iter()
            .filter_map(|(option, path)| {
                path.as_deref()
                    .map(|path| crate::files::Output::new(option, path))
            })
            .collect();
            let duration =
                duration.and_then(|d| crate::files::check_outputs(&inputs, &outputs).map(|()| d));
            let duration_s = match duration {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            };
            let options = crate::run::RunOptions {
                duration_s,
                step_s: step,
                seed,
                charging: charging.map(Into::into),
                csv,
                per_house,
                progress: true,
                outages: outage,
                events: events.clone(),
                price_spikes: price,
                strategy: strategy.map(Into::into),
                market,
                market_interval_min: market_interval,
                trades,
                ledger,
                script: steps,
            };
            match crate::run::simulate(&built, &options, |_| {}) {
                Ok(summary) => {
                    out!("{}", crate::run::summary_text(&built, &summary));
                    for (what, path) in [
                        ("steps", &options.csv),
                        ("houses", &options.per_house),
                        ("events", &options.events),
                        ("trades", &options.trades),
                        ("ledger", &options.ledger),
                    ] {
                        if let Some(p) = path {
                            outln!("  wrote {what} to {}", p.display());
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Refuses (exit 2) a window's output files (each with the option that
/// names it, and whether its writer makes a missing folder: a screenshot's
/// does) over its inputs, twice the same, or not writable, before the
/// window opens.
/// A window's outputs checked against what it reads (the scenario and the
/// script), and its script read: both refused before any window opens.
fn window_files(
    opened: &Path,
    script: Option<&Path>,
    screenshot: &Option<PathBuf>,
    dump_texts: &Option<PathBuf>,
    layout_report: &Option<PathBuf>,
) -> Result<Option<crate::app::control::script::Script>, ExitCode> {
    let inputs: Vec<&Path> = std::iter::once(opened).chain(script).collect();
    window_outputs(
        &inputs,
        &[
            ("--screenshot", screenshot, true),
            ("--dump-texts", dump_texts, false),
            ("--layout-report", layout_report, false),
        ],
    )?;
    script
        .map(crate::app::control::script::load)
        .transpose()
        .map_err(|e| {
            eprintln!("{e}");
            ExitCode::from(EXIT_BAD_INPUT)
        })
}

/// The files a window reads: `files`, and the weather and price series of
/// each of `builts`.
fn files_read<'a>(files: &[&Path], builts: impl IntoIterator<Item = &'a Built>) -> Vec<PathBuf> {
    let mut read: Vec<PathBuf> = files.iter().map(|f| f.to_path_buf()).collect();
    for built in builts {
        read.extend(built.weather_series.iter().map(|s| PathBuf::from(&s.file)));
        read.extend(built.price_series.iter().map(|s| PathBuf::from(&s.file)));
    }
    read
}

/// A window's outputs checked against `files` and the series `built` reads.
fn outputs_clear_of(
    options: &crate::app::OpenOptions,
    files: &[&Path],
    built: &Built,
) -> Result<(), ExitCode> {
    let read = files_read(files, [built]);
    let read: Vec<&Path> = read.iter().map(PathBuf::as_path).collect();
    window_outputs(
        &read,
        &[
            ("--screenshot", &options.screenshot, true),
            ("--dump-texts", &options.dump_texts, false),
            ("--layout-report", &options.layout_report, false),
        ],
    )
}

fn window_outputs(
    inputs: &[&Path],
    outputs: &[(&'static str, &Option<PathBuf>, bool)],
) -> Result<(), ExitCode> {
    let outputs: Vec<crate::files::Output<'_>> = outputs
        .iter()
        .filter_map(|&(option, path, makes_folder)| {
            path.as_deref().map(|path| crate::files::Output {
                makes_folder,
                ..crate::files::Output::new(option, path)
            })
        })
        .collect();
    crate::files::check_outputs(inputs, &outputs).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

/// `microgrid demo --soak N`: the demo's cycles headless, with the entity
/// count and the resident memory after each.
fn soak_demo(demo: crate::app::modes::demo::PreparedDemo, cycles: usize) -> ExitCode {
    let started = std::time::Instant::now();
    let mut app = crate::app::soak::headless_demo(demo);
    let rss_start = crate::app::soak::rss_kib();
    outln!("cycle  simulated_days  entities  rss_mib");
    let mut samples = Vec::with_capacity(cycles);
    for n in 1..=cycles {
        let s = crate::app::soak::soak(&mut app, 1)[0];
        let days = samples
            .last()
            .map_or(0.0, |p: &crate::app::soak::SoakSample| p.simulated_days)
            + s.simulated_days;
        let s = crate::app::soak::SoakSample {
            simulated_days: days,
            ..s
        };
        if n <= 3 || n % (cycles / 10).max(1) == 0 || n == cycles {
            outln!(
                "{n:>5}  {:>14.1}  {:>8}  {:>7.1}",
                s.simulated_days,
                s.entities,
                s.rss_kib as f64 / 1024.0
            );
        }
        samples.push(s);
    }
    let first = samples.first().map_or(0, |s| s.entities);
    let (min_e, max_e) = samples.iter().fold((usize::MAX, 0), |(a, b), s| {
        (a.min(s.entities), b.max(s.entities))
    });
    let rss: Vec<f64> = samples.iter().map(|s| s.rss_kib as f64 / 1024.0).collect();
    let mid = rss.get(rss.len() / 2).copied().unwrap_or(0.0);
    outln!(
        "{cycles} cycles, {:.1} simulated days in {:.1} s: entities {min_e} to {max_e} (first {first}); resident memory {:.1} MiB at the start, {:.1} after the first cycle, {mid:.1} half-way, {:.1} at the end",
        samples.last().map_or(0.0, |s| s.simulated_days),
        started.elapsed().as_secs_f64(),
        rss_start as f64 / 1024.0,
        rss.first().copied().unwrap_or(0.0),
        rss.last().copied().unwrap_or(0.0)
    );
    match soak_verdict(first, max_e, &rss) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: the soak failed: {why}");
            ExitCode::FAILURE
        }
    }
}

/// What a soak must show: no entity more after any cycle than after the
/// first, and resident memory after the first cycle grown by no more than
/// 16 MiB or 10 % (allocators keep some slack), whichever is more.
fn soak_verdict(
    first_entities: usize,
    most_entities: usize,
    rss_mib: &[f64],
) -> Result<(), String> {
    if most_entities > first_entities {
        return Err(format!(
            "{} entities after a cycle, {first_entities} after the first: something is left behind",
            most_entities
        ));
    }
    if let (Some(&start), Some(&end)) = (rss_mib.first(), rss_mib.last()) {
        let allowed = (start * 0.1).max(16.0);
        if end - start > allowed {
            return Err(format!(
                "resident memory grew from {start:.1} MiB after the first cycle to {end:.1} MiB, more than {allowed:.1} MiB"
            ));
        }
    }
    Ok(())
}

/// `microgrid challenge`: grades each design (a folder stands for its
/// scenario files, in name order).
fn challenge(file: &Path, designs: &[PathBuf], json: bool) -> ExitCode {
    let prepared = match crate::challenge::Prepared::load(file) {
        Ok(p) => p,
        Err(errors) => {
            print_errors(&errors);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let mut files: Vec<Option<PathBuf>> = Vec::new();
    for d in designs {
        if d.is_dir() {
            let mut inside: Vec<PathBuf> = match std::fs::read_dir(d) {
                Ok(entries) => entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().ends_with(".scenario.ron"))
                    .collect(),
                Err(e) => {
                    eprintln!("error: cannot read the folder {}: {e}", d.display());
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            };
            if inside.is_empty() {
                eprintln!(
                    "error: the folder {} has no .scenario.ron files to grade",
                    d.display()
                );
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            inside.sort();
            files.extend(inside.into_iter().map(Some));
        } else {
            files.push(Some(d.clone()));
        }
    }
    if files.is_empty() {
        files.push(None);
    }
    let grades: Vec<crate::challenge::Grade> = files
        .iter()
        .map(|f| crate::challenge::grade(&prepared, f.as_deref()))
        .collect();
    if json {
        let text = if grades.len() == 1 {
            serde_json::to_string_pretty(&grades[0])
        } else {
            serde_json::to_string_pretty(&grades)
        };
        match text {
            Ok(t) => outln!("{t}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else if grades.len() == 1 {
        out!("{}", crate::challenge::grade::report_text(&grades[0]));
    } else {
        out!("{}", crate::challenge::grade::table_text(&grades));
    }
    // A design that could not be read is bad input, after every row is shown.
    let unreadable = grades.iter().any(|g| g.goals.is_empty() && !g.eligible);
    if unreadable {
        ExitCode::from(EXIT_BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// Loads, checks and builds a scenario file; errors are ready to print.
/// Parses `--switch FROM:TO=open|closed`.
fn parse_switch(text: &str) -> Result<(String, String, scenario::SwitchState), String> {
    let usage =
        "write it as FROM:TO=open or FROM:TO=closed, the two buses of a cable, e.g. L10:W6=open";
    let (ends, state) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("\"{text}\": {usage}"))?;
    let (from, to) = ends
        .split_once(':')
        .ok_or_else(|| format!("\"{text}\": {usage}"))?;
    let state = match state.trim().to_ascii_lowercase().as_str() {
        "open" => scenario::SwitchState::Open,
        "closed" | "close" => scenario::SwitchState::Closed,
        other => return Err(format!("\"{other}\" is not a switch position; {usage}")),
    };
    if from.trim().is_empty() || to.trim().is_empty() {
        return Err(format!("\"{text}\": {usage}"));
    }
    Ok((from.trim().to_owned(), to.trim().to_owned(), state))
}

/// `built` with its cables' switches put as `--switch` says, through the
/// edit's checks (a switch that would cut buses off is refused).
fn with_switches(
    built: Built,
    switches: &[(String, String, scenario::SwitchState)],
) -> Result<Built, String> {
    let mut out = built;
    for (from, to, state) in switches {
        let edit = scenario::edit::Edit::SetSwitch {
            from: from.clone(),
            to: to.clone(),
            switch: Some(*state),
        };
        out = scenario::edit::apply(&edit, &out.scenario)
            .map_err(|why| format!("--switch {from}:{to}: {why}"))?
            .carrying_over(&out);
    }
    Ok(out)
}

/// The scenario at `path`, built; or its errors printed and the exit
/// status for bad input.
fn built_or_exit(path: &Path) -> Result<Built, ExitCode> {
    load_built(path).map_err(|errors| {
        print_errors(&errors);
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

/// A bad argument's message printed, and the exit status for bad input.
fn bad_input(message: String) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

pub fn load_built(path: &Path) -> Result<Built, Vec<ScenarioError>> {
    scenario::load_and_build(path)
}

fn print_errors(errors: &[ScenarioError]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}

/// Opens a class's window (the teacher's or a student's) on `built`.
fn class_window(
    shown: ClassWindowArgs,
    file: PathBuf,
    built: crate::scenario::Built,
    class: crate::app::modes::class::ClassWindow,
) -> ExitCode {
    let ClassWindowArgs {
        size,
        screenshot,
        after,
        window_script,
        window,
    } = shown;
    let WindowArgs {
        lang,
        graphics,
        dump_texts,
        layout_report,
        presenter,
    } = window;
    crate::lang::set(lang.unwrap_or_default());
    let script = match window_files(
        &file,
        window_script.as_deref(),
        &screenshot,
        &dump_texts,
        &layout_report,
    ) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let options = crate::app::OpenOptions {
        screenshot,
        after_s: after,
        size: size.unwrap_or(crate::app::DEFAULT_WINDOW),
        fit_screen: size.is_none(),
        dump_texts,
        layout_report,
        presenter,
        graphics: graphics.unwrap_or_default(),
        script,
        class: Some(class),
        ..crate::app::OpenOptions::new(file.clone())
    };
    // Nor over the series the class's scenario reads.
    if let Err(code) = outputs_clear_of(&options, &[&file], &built) {
        return code;
    }
    match crate::app::open(built, options) {
        bevy::app::AppExit::Success => ExitCode::SUCCESS,
        bevy::app::AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

fn open(mut options: crate::app::OpenOptions) -> ExitCode {
    let path = options.scenario_path.clone();
    // A challenge opens on its starting design, with the briefing.
    let loaded = if path.to_string_lossy().ends_with(".lesson.ron") {
        crate::app::modes::lesson::PreparedLesson::load(&path).map(|lesson| {
            options.scenario_path = lesson.scenario_file.clone();
            options.lesson = Some(path.clone());
            lesson.start
        })
    } else if path.to_string_lossy().ends_with(".challenge.ron") {
        crate::challenge::Prepared::load(&path).map(|prepared| {
            let built = prepared.start.clone();
            options.scenario_path = prepared.scenario_file.clone();
            options.paused = true;
            options.challenge = Some(prepared);
            built
        })
    } else {
        load_built(&path)
    };
    let built = match loaded {
        Ok(b) => b,
        Err(errors) => {
            print_errors(&errors);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    // No output over what a challenge or a lesson reads too: its scenario,
    // the series they name and a challenge's carbon intensities.
    let intensities: Vec<PathBuf> = options
        .challenge
        .iter()
        .flat_map(|p| p.intensities.values().map(|s| PathBuf::from(&s.file)))
        .collect();
    let mut files: Vec<&Path> = vec![&path, &options.scenario_path];
    files.extend(intensities.iter().map(PathBuf::as_path));
    if let Err(code) = outputs_clear_of(&options, &files, &built) {
        return code;
    }
    if let Some(png) = &options.screenshot
        && !png
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        eprintln!(
            "error: --screenshot {}: the file name must end in .png",
            png.display()
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if let Some(at) = options.at {
        let start = built.scenario.start.0;
        if at < start || at > start + chrono::Duration::days(366) {
            eprintln!(
                "error: --at {}: must be from the scenario's start ({}) to a year after it",
                at.format("%Y-%m-%d %H:%M"),
                start.format("%Y-%m-%d %H:%M")
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    }
    match crate::app::open(built, options) {
        bevy::app::AppExit::Success => ExitCode::SUCCESS,
        bevy::app::AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

fn parse_market_interval(text: &str) -> Result<u32, String> {
    let minutes: u32 = text
        .trim()
        .trim_end_matches("min")
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of minutes; write e.g. 15"))?;
    crate::market::check_interval_min(minutes)
}

fn parse_after(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=3600.0).contains(&s) => Ok(s),
        _ => Err(format!(
            "`{text}` is not a number of seconds from 0 to 3600"
        )),
    }
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && (1.0..=crate::sim::SimClock::MAX_SPEED).contains(&s) => Ok(s),
        _ => Err(format!(
            "`{text}` is not a speed from 1 to {} (simulated seconds per real second)",
            crate::sim::SimClock::MAX_SPEED
        )),
    }
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let parsed = text
        .trim()
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((w, h)) if (320..=8192).contains(&w) && (240..=8192).contains(&h) => Ok((w, h)),
        _ => Err(format!(
            "`{text}` is not a window size like 1600x900 (320x240 to 8192x8192)"
        )),
    }
}

/// Largest pandapower file read, bytes.
const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

fn import(
    path: &Path,
    output: Option<PathBuf>,
    annual_kwh: Option<f64>,
    transformer: Option<&str>,
) -> ExitCode {
    let fail = |why: String| {
        eprintln!("error: {}: {why}", path.display());
        ExitCode::from(EXIT_BAD_INPUT)
    };
    if let Some(kwh) = annual_kwh
        && let Err(why) = scenario::checked::in_range(kwh, 0.0, 1_000_000.0, "--annual-kwh")
    {
        eprintln!("error: {why}");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.strip_suffix(".json").unwrap_or(n).to_owned())
        .unwrap_or_else(|| "imported".to_owned());
    let out = output.unwrap_or_else(|| path.with_file_name(format!("{stem}.scenario.ron")));
    if let Err(why) =
        crate::files::check_outputs(&[path], &[crate::files::Output::new("--output", &out)])
    {
        eprintln!("error: {why}");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let bytes = match crate::files::read_bounded(path, MAX_IMPORT_BYTES) {
        Ok(b) => b,
        Err(e) => return fail(e.to_string()),
    };
    let Ok(text) = String::from_utf8(crate::files::without_byte_order_mark(&bytes).to_vec()) else {
        return fail("is not UTF-8 text; give the JSON pandapower.to_json writes".to_owned());
    };
    let mut scenario = match scenario::import::import_with(&text, &stem, transformer) {
        Ok(s) => s,
        Err(why) => return fail(why),
    };
    if let Some(kwh) = annual_kwh {
        for h in scenario.houses.iter_mut().filter(|h| h.annual_kwh > 0.0) {
            h.annual_kwh = kwh;
        }
    }
    // The scenario's own checks, as a file would get them.
    let built = match scenario::edit::check(&scenario) {
        Ok(b) => b,
        Err(why) => return fail(format!("the imported scenario does not check: {why}")),
    };
    let header = format!(
        "// Imported by `microgrid import` from {}.\n",
        path.display()
    );
    let text = match scenario::edit::to_file_text(&built.scenario, &header) {
        Ok(t) => t,
        Err(e) => {
            return fail(format!(
                "{e} (`check` and the window would refuse it); import a part of it with --transformer"
            ));
        }
    };
    if let Err(e) = crate::files::write_atomically(&out, text.as_bytes()) {
        return fail(e);
    }
    outln!("wrote {}: {}", out.display(), built.summary());
    ExitCode::SUCCESS
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        match load_built(path) {
            Ok(built) => outln!("ok {}: {}", path.display(), built.summary()),
            Err(errors) => {
                failed = true;
                print_errors(&errors);
            }
        }
    }
    if failed {
        ExitCode::from(EXIT_BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// What `why` is asked: the moment, the one thing, and the run's settings.
#[derive(clap::Args, Debug)]
pub struct WhyAsked {
    /// The moment, local time "YYYY-MM-DD HH:MM" (after the scenario's start).
    #[arg(long, value_parser = parse_at)]
    pub at: NaiveDateTime,
    /// A house, by name.
    #[arg(long, value_name = "NAME")]
    pub house: Option<String>,
    /// A cable, by the buses at its ends.
    #[arg(long, value_name = "FROM-TO")]
    pub line: Option<String>,
    /// The transformer and the breaker at the grid link.
    #[arg(long)]
    pub transformer: bool,
    /// A grid outage, "YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM" (repeat for more).
    #[arg(long, value_parser = crate::run::parse_outage, value_name = "FROM..UNTIL")]
    pub outage: Vec<(NaiveDateTime, NaiveDateTime)>,
    /// An import price spike, "YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM=EUR_PER_KWH" (repeat for more).
    #[arg(long, value_parser = crate::run::parse_price, value_name = "FROM..UNTIL=EUR")]
    pub price: Vec<(NaiveDateTime, NaiveDateTime, f64)>,
    /// Energy management [default: the scenario's].
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// Simulated time per step: 30s, 1min, 15min, 1h.
    #[arg(long, default_value = "1min", value_parser = crate::run::parse_step)]
    pub step: u32,
    /// The language: en (English) or de (Deutsch).
    #[arg(long, value_parser = crate::lang::Lang::parse, value_name = "en|de", default_value = "en")]
    pub lang: crate::lang::Lang,
}

/// `why`: runs to the moment and prints the explanation.
fn why(built: &Built, asked: WhyAsked) -> ExitCode {
    use crate::sim::why::{Subject, explain, subject_named};
    let subject = match subject_named(
        built,
        asked.house.as_deref(),
        asked.line.as_deref(),
        asked.transformer,
    )
    .map_err(bad_input)
    {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Up to and with the step at --at.
    let duration = crate::run::duration_until(built.scenario.start.0, asked.at)
        .map(|d| d + u64::from(asked.step))
        .and_then(|d| crate::run::check_series_covers(built, d).map(|()| d));
    let duration = match duration.map_err(|e| bad_input(e.replace("--until", "--at"))) {
        Ok(d) => d,
        Err(code) => return code,
    };
    crate::lang::set(asked.lang);
    let options = crate::run::RunOptions {
        outages: asked.outage,
        price_spikes: asked.price,
        strategy: asked.strategy.map(Into::into),
        ..crate::run::RunOptions::new(duration, asked.step)
    };
    let steps = duration.div_ceil(u64::from(asked.step));
    let (mut seen, mut said, mut when) = (0u64, Vec::new(), None);
    let run = crate::run::simulate(built, &options, |world| {
        seen += 1;
        if seen == steps {
            said = explain(world, subject);
            when = world.resource::<crate::sim::metrics::StepRecord>().time;
        }
    });
    if let Err(e) = run {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_NO_SOLUTION);
    }
    let name = match subject {
        Subject::House(h) => built.scenario.houses[h].name.clone(),
        Subject::Line(l) => {
            let line = &built.network.lines[l];
            format!(
                "{}-{}",
                built.network.buses[line.from_bus].name, built.network.buses[line.to_bus].name
            )
        }
        Subject::Device(d) => built.devices[d].name.clone(),
        Subject::Transformer => crate::lang::tr("why.the_transformer").to_owned(),
    };
    let when = when.map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M").to_string());
    println!("{}", crate::tr!("why.header", name = name, when = when));
    if said.is_empty() {
        said.push(crate::lang::tr("why.nothing").to_owned());
    }
    for sentence in said {
        println!("  {sentence}");
    }
    ExitCode::SUCCESS
}

fn powerflow(
    path: &Path,
    at: Option<NaiveDateTime>,
    json: bool,
    switches: &[(String, String, scenario::SwitchState)],
) -> ExitCode {
    let built = match built_or_exit(path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let built = match with_switches(built, switches).map_err(bad_input) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let time = at.unwrap_or(built.scenario.start.0);
    let (_, powers) = device_powers_at(&built, time);
    let consumption = bus_consumption_mva(
        built.network.buses.len(),
        built.devices.iter().zip(&powers).map(|(d, p)| (d.bus, *p)),
    );
    let flow = PowerFlowModel::new(&built.network).solve(&consumption, &SolverOptions::default());
    if json {
        let mut case = pandapower_case(&built, time, &powers, &flow);
        // Beside the balanced tables, the same case per phase.
        if flow.is_ok()
            && let Ok(phases) = UnbalancedModel::new(&built.network)
                .solve(&case.phase_consumption_mva(), &SolverOptions::default())
        {
            case.set_unbalanced_results(&phases);
        }
        match serde_json::to_string_pretty(&case) {
            Ok(text) => outln!("{text}"),
            Err(e) => {
                eprintln!("error: could not write JSON: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        out!("{}", snapshot_table(&built, time, &powers, &flow));
        if built.scenario.phases == scenario::PhaseModel::Unbalanced {
            let case = pandapower_case(&built, time, &powers, &flow);
            match UnbalancedModel::new(&built.network)
                .solve(&case.phase_consumption_mva(), &SolverOptions::default())
            {
                Ok(phases) => out!("{}", crate::report::phase_lines(&built, &phases)),
                Err(e) => {
                    outln!("  PER-PHASE POWER FLOW FAILED: {e}");
                    return ExitCode::from(EXIT_NO_SOLUTION);
                }
            }
        }
    }
    if flow.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NO_SOLUTION)
    }
}

#[cfg(test)]
mod tests {
    use super::soak_verdict;

    #[test]
    fn a_soak_fails_on_what_it_leaves_behind() {
        assert_eq!(soak_verdict(256, 256, &[60.6, 60.7, 60.7]), Ok(()));
        // An entity more after some cycle.
        let e = soak_verdict(256, 257, &[60.6, 60.7]).unwrap_err();
        assert!(e.contains("257 entities"), "{e}");
        // Memory growing by more than 16 MiB (or 10 %).
        let e = soak_verdict(256, 256, &[60.0, 70.0, 80.0]).unwrap_err();
        assert!(e.contains("60.0 MiB") && e.contains("80.0 MiB"), "{e}");
        assert_eq!(soak_verdict(256, 256, &[400.0, 430.0]), Ok(()));
        assert!(soak_verdict(256, 256, &[400.0, 450.0]).is_err());
    }
}
