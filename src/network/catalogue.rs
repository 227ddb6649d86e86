//! Standard cable and transformer types, copied from pandapower's `std_types.py`.
//!
//! Names and values match pandapower 3.x so that a scenario can say
//! `cable: "NAYY 4x150 SE"` and mean exactly what pandapower means by it.
//! Scenarios may add their own types (see `Scenario::cable_types`).

use serde::{Deserialize, Serialize};

/// Electrical parameters of a cable or overhead line type, per kilometre.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CableType {
    /// Series resistance in ohm per km.
    pub r_ohm_per_km: f64,
    /// Series reactance in ohm per km.
    pub x_ohm_per_km: f64,
    /// Shunt capacitance in nF per km.
    pub c_nf_per_km: f64,
    /// Thermal current limit in kA.
    pub max_i_ka: f64,
}

/// Nameplate data of a two-winding transformer (pandapower's column names).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerType {
    /// Rated apparent power in MVA.
    pub sn_mva: f64,
    /// Rated high-voltage side voltage in kV.
    pub vn_hv_kv: f64,
    /// Rated low-voltage side voltage in kV.
    pub vn_lv_kv: f64,
    /// Short-circuit voltage in percent of rated voltage.
    pub vk_percent: f64,
    /// Real part of the short-circuit voltage in percent.
    pub vkr_percent: f64,
    /// Iron losses in kW.
    pub pfe_kw: f64,
    /// Open-circuit (magnetising) current in percent of rated current.
    pub i0_percent: f64,
    /// Phase shift of the vector group in degrees (150 for Dyn5).
    #[serde(default)]
    pub shift_degree: f64,
}

const fn cable(r: f64, x: f64, c: f64, max_i: f64) -> CableType {
    CableType {
        r_ohm_per_km: r,
        x_ohm_per_km: x,
        c_nf_per_km: c,
        max_i_ka: max_i,
    }
}

/// Low-voltage cable and line types of pandapower's standard library.
pub const STANDARD_CABLES: &[(&str, CableType)] = &[
    ("NAYY 4x50 SE", cable(0.642, 0.083, 210.0, 0.142)),
    ("NAYY 4x120 SE", cable(0.225, 0.080, 264.0, 0.242)),
    ("NAYY 4x150 SE", cable(0.208, 0.080, 261.0, 0.270)),
    ("15-AL1/3-ST1A 0.4", cable(1.8769, 0.35, 11.0, 0.105)),
    ("24-AL1/4-ST1A 0.4", cable(1.2012, 0.335, 11.25, 0.140)),
    ("48-AL1/8-ST1A 0.4", cable(0.5939, 0.30, 12.2, 0.210)),
    ("94-AL1/15-ST1A 0.4", cable(0.3060, 0.29, 13.2, 0.350)),
];

const fn dyn5(sn: f64, hv: f64, vk: f64, vkr: f64, pfe: f64, i0: f64) -> TransformerType {
    TransformerType {
        sn_mva: sn,
        vn_hv_kv: hv,
        vn_lv_kv: 0.4,
        vk_percent: vk,
        vkr_percent: vkr,
        pfe_kw: pfe,
        i0_percent: i0,
        shift_degree: 150.0,
    }
}

/// Distribution transformer types (10/0.4 and 20/0.4 kV, Dyn5) of pandapower's standard library.
pub const STANDARD_TRANSFORMERS: &[(&str, TransformerType)] = &[
    ("0.25 MVA 10/0.4 kV", dyn5(0.25, 10.0, 4.0, 1.2, 0.6, 0.24)),
    (
        "0.4 MVA 10/0.4 kV",
        dyn5(0.4, 10.0, 4.0, 1.325, 0.95, 0.2375),
    ),
    (
        "0.63 MVA 10/0.4 kV",
        dyn5(0.63, 10.0, 4.0, 1.0794, 1.18, 0.1873),
    ),
    ("0.25 MVA 20/0.4 kV", dyn5(0.25, 20.0, 6.0, 1.44, 0.8, 0.32)),
    (
        "0.4 MVA 20/0.4 kV",
        dyn5(0.4, 20.0, 6.0, 1.425, 1.35, 0.3375),
    ),
    (
        "0.63 MVA 20/0.4 kV",
        dyn5(0.63, 20.0, 6.0, 1.206, 1.65, 0.2619),
    ),
];

/// Looks up a standard cable type by its pandapower name.
pub fn standard_cable(name: &str) -> Option<CableType> {
    STANDARD_CABLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// Looks up a standard transformer type by its pandapower name.
pub fn standard_transformer(name: &str) -> Option<TransformerType> {
    STANDARD_TRANSFORMERS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}
