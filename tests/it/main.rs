//! Integration tests in one binary (each test binary links Bevy, so there is one).

mod architecture;
mod bad_input;
mod build_mode;
mod build_network;
mod challenges;
mod class;
mod cli;
mod common;
mod demo;
mod energy_audit;
mod import;
mod island;
mod lessons;
mod market;
mod mutants;
mod phases;
mod powerflow_reference;
mod run;
mod scenarios;
mod simulation;
mod solar_reference;
mod unbalanced_reference;
mod why;
mod window;
