//! Integration tests in one binary (each test binary links Bevy, so there is one).

mod bad_input;
mod cli;
mod common;
mod island;
mod market;
mod powerflow_reference;
mod run;
mod scenarios;
mod simulation;
mod solar_reference;
mod window;
