//! Microgrid sandbox: a neighbourhood microgrid with AC power flow, islanding
//! and peer-to-peer sharing, as a library of Bevy plugins and pure models.
//!
//! - [`scenario`]: the scenario format, its checks and its expansion.
//! - [`network`]: the electrical network and the AC power flow.
//! - [`physics`]: sun, PV, wind and demand models as pure functions.
//! - [`market`]: the local peer-to-peer market: pricing, matching, settlement.
//! - [`sim`]: the headless [`sim::SimulationPlugin`] and its fixed-step pipeline.
//! - [`challenge`]: challenges: goals over a run, eligibility, stars and grading.
//! - [`report`]: pandapower-compatible JSON and readable tables.
//! - [`app`]: the sandbox window (3D scene, controls, charts) over the simulation.
//! - [`lang`]: the window's languages: the text tables, numbers and dates.
//! - [`cli`]: the `microgrid` command line.
//! - [`files`]: reading within limits, writing atomically, no output over an input.

/// `println!` for the command line's results: when the reader has gone (a
/// closed pipe, as in `microgrid bench | head -2`), the program ends quietly
/// instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout().lock(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// `print!` counterpart of [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if write!(stdout, $($arg)*).and_then(|()| stdout.flush()).is_err() {
            std::process::exit(0);
        }
    }};
}

pub mod app;
pub mod bench;
pub mod challenge;
pub mod class;
pub mod cli;
pub mod files;
pub mod lang;
pub mod market;
pub mod network;
pub mod physics;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
