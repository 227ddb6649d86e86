//! Parts the network's unit tests build their networks from.

use super::{Bus, CableType};

/// A bus with no position or feeder.
pub(crate) fn bus(name: &str, vn_kv: f64) -> Bus {
    Bus {
        name: name.into(),
        vn_kv,
        position_m: None,
        feeder: None,
    }
}

/// NAYY 4x150 SE's positive-sequence data (pandapower's standard type),
/// without zero-sequence data.
pub(crate) const NAYY150: CableType = CableType {
    r_ohm_per_km: 0.208,
    x_ohm_per_km: 0.080,
    c_nf_per_km: 261.0,
    max_i_ka: 0.27,
    r0_ohm_per_km: None,
    x0_ohm_per_km: None,
    c0_nf_per_km: None,
};
