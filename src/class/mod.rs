//! A class on the network: every student a neighbour in one microgrid.
//!
//! The teacher's machine hosts the one simulation (`microgrid host`); each
//! student joins it (`microgrid join`) and builds on their own house. A
//! student's action travels as the same [`crate::scenario::edit::Edit`]
//! the window and scripts use, and the host checks it (their house, their
//! budget, the scenario's own checks) before it applies it. Transport and
//! messages are Replicon over renet's netcode (UDP), not a protocol of our
//! own; see docs/class.md.
//!
//! Nothing here draws: the window's presenter and student views build on
//! these apps.

pub mod announce;
pub mod code;
pub mod commands;
mod door;
pub mod host;
pub mod keys;
pub mod live;
pub mod load;
pub mod mirror;
pub mod net;
pub mod protocol;
pub mod queue;
pub mod report;
pub mod seats;
pub mod session;
pub mod student;
mod table;

pub use door::MAX_PER_ADDRESS;
