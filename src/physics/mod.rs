//! Physical models as pure functions over plain numbers: sun, PV, wind, demand.
//!
//! Nothing here knows about Bevy; the simulation's systems call these.

pub mod demand;
pub mod ev;
pub mod frequency;
pub mod solar;
pub mod storage;
pub mod sun_track;
pub mod weather;
pub mod wind;
