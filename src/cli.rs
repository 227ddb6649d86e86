//! The `microgrid` command line: open, check, powerflow, bench.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDateTime;
use clap::{Parser, Subcommand};

use crate::network::{PowerFlowModel, SolverOptions};
use crate::report::{pandapower_case, snapshot_table};
use crate::scenario::{self, Built, ScenarioError};
use crate::sim::snapshot::{bus_consumption_mva, device_powers_at};

/// Exit status for bad input (a scenario, an argument).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit status when a power flow has no solution.
pub const EXIT_NO_SOLUTION: u8 = 3;

/// The scenario opened when none is named.
pub const DEFAULT_SCENARIO: &str = "scenes/default.scenario.ron";

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
  microgrid check scenes/default.scenario.ron
  microgrid powerflow scenes/kerber-dorfnetz.scenario.ron --at \"2025-06-21 13:00\"
  microgrid powerflow scenes/default.scenario.ron --json > case.json
  microgrid bench

Exit status: 0 fine, 1 not available yet, 2 bad input, 3 power flow has no solution.";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the 3D sandbox window on a scenario.
    Open {
        /// Scenario file [default: scenes/default.scenario.ron].
        file: Option<PathBuf>,
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
    },
}

fn parse_at(text: &str) -> Result<NaiveDateTime, String> {
    scenario::parse_date_time(text)
}

/// Runs the command line and returns the process's exit status.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        None => open(None),
        Some(Command::Open { file }) => open(file.as_deref()),
        Some(Command::Check { files }) => check(&files),
        Some(Command::Powerflow { file, at, json }) => powerflow(&file, at, json),
        Some(Command::Bench { file, solves }) => crate::bench::run(file.as_deref(), solves),
    }
}

/// Loads, checks and builds a scenario file; errors are ready to print.
pub fn load_built(path: &Path) -> Result<Built, Vec<ScenarioError>> {
    let (parsed, text) = scenario::load(path).map_err(|e| vec![e])?;
    scenario::build(&parsed, &path.display().to_string(), &text)
}

fn print_errors(errors: &[ScenarioError]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}

fn open(file: Option<&Path>) -> ExitCode {
    let path = file.unwrap_or(Path::new(DEFAULT_SCENARIO));
    if let Err(errors) = load_built(path) {
        print_errors(&errors);
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    eprintln!(
        "The sandbox window is not built yet; it comes in a later release.\n\
         Meanwhile try: microgrid powerflow {}",
        path.display()
    );
    ExitCode::from(1)
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        match load_built(path) {
            Ok(built) => println!("ok {}: {}", path.display(), built.summary()),
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

fn powerflow(path: &Path, at: Option<NaiveDateTime>, json: bool) -> ExitCode {
    let built = match load_built(path) {
        Ok(b) => b,
        Err(errors) => {
            print_errors(&errors);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let time = at.unwrap_or(built.scenario.start.0);
    let (_, powers) = device_powers_at(&built, time);
    let consumption = bus_consumption_mva(
        built.network.buses.len(),
        built.devices.iter().zip(&powers).map(|(d, p)| (d.bus, *p)),
    );
    let flow = PowerFlowModel::new(&built.network).solve(&consumption, &SolverOptions::default());
    if json {
        let case = pandapower_case(&built, time, &powers, &flow);
        match serde_json::to_string_pretty(&case) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: could not write JSON: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", snapshot_table(&built, time, &powers, &flow));
    }
    if flow.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NO_SOLUTION)
    }
}
