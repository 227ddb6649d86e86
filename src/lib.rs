//! Microgrid sandbox: a neighbourhood microgrid with AC power flow, islanding
//! and peer-to-peer sharing, as a library of Bevy plugins and pure models.
//!
//! - [`scenario`]: the scenario format, its checks and its expansion.
//! - [`network`]: the electrical network and the AC power flow.
//! - [`physics`]: sun, PV, wind and demand models as pure functions.
//! - [`sim`]: the headless [`sim::SimulationPlugin`] and its fixed-step pipeline.
//! - [`report`]: pandapower-compatible JSON and readable tables.
//! - [`cli`]: the `microgrid` command line.

pub mod bench;
pub mod cli;
pub mod network;
pub mod physics;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
