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
    /// Zero-sequence series resistance in ohm per km (unbalanced power flow);
    /// without it, [`CableType::zero_sequence`] derives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r0_ohm_per_km: Option<f64>,
    /// Zero-sequence series reactance in ohm per km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x0_ohm_per_km: Option<f64>,
    /// Zero-sequence shunt capacitance in nF per km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c0_nf_per_km: Option<f64>,
}

/// Zero-sequence resistance and reactance of a four-core low-voltage cable
/// whose neutral has the phases' cross-section, over their positive-sequence
/// values: the zero-sequence current returns through the neutral, so
/// R0 = R + 3 R_N = 4 R, and the loop's reactance grows alike. The 0.6/1 kV
/// cable of pandapower's check against PowerFactory
/// (`test_3ph_two_bus_line_powerfactory`) has exactly these ratios
/// (R0 = 0.4053 = 4 x 0.1013, X0 = 0.2765 = 4 x 0.0691 ohm/km).
pub const ZERO_SEQUENCE_IMPEDANCE_RATIO: f64 = 4.0;
/// Zero-sequence over positive-sequence capacitance of such a cable (the
/// same cable: C0 = 312.4 nF/km against C = 690 nF/km).
pub const ZERO_SEQUENCE_CAPACITANCE_RATIO: f64 = 312.4 / 690.0;

impl CableType {
    /// R0 and X0 in ohm per km and C0 in nF per km: the type's own values,
    /// or those derived by [`ZERO_SEQUENCE_IMPEDANCE_RATIO`] and
    /// [`ZERO_SEQUENCE_CAPACITANCE_RATIO`].
    pub fn zero_sequence(&self) -> (f64, f64, f64) {
        (
            self.r0_ohm_per_km
                .unwrap_or(self.r_ohm_per_km * ZERO_SEQUENCE_IMPEDANCE_RATIO),
            self.x0_ohm_per_km
                .unwrap_or(self.x_ohm_per_km * ZERO_SEQUENCE_IMPEDANCE_RATIO),
            self.c0_nf_per_km
                .unwrap_or(self.c_nf_per_km * ZERO_SEQUENCE_CAPACITANCE_RATIO),
        )
    }
}

/// How a transformer's windings are connected, as far as the zero sequence
/// cares (the phase shift is [`TransformerType::shift_degree`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum VectorGroup {
    /// Delta on the grid side, earthed star on the neighbourhood's: the
    /// delta closes the zero-sequence path, so the low-voltage side sees the
    /// short-circuit impedance to earth and the grid side sees nothing.
    #[default]
    Dyn,
    /// Earthed star on both sides: zero-sequence current passes through.
    YNyn,
}

impl VectorGroup {
    /// Whether it is the default, Dyn.
    pub fn is_dyn(&self) -> bool {
        *self == VectorGroup::Dyn
    }

    /// pandapower's name (`net.trafo.vector_group`).
    pub fn pandapower_name(self) -> &'static str {
        match self {
            VectorGroup::Dyn => "Dyn",
            VectorGroup::YNyn => "YNyn",
        }
    }
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
    /// Winding connection (Dyn unless named).
    #[serde(default)]
    pub vector_group: VectorGroup,
    /// Zero-sequence short-circuit voltage in percent (`vk_percent` if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk0_percent: Option<f64>,
    /// Its resistive part in percent (`vkr_percent` if absent or 0, as in pandapower).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vkr0_percent: Option<f64>,
    /// Zero-sequence magnetising impedance over the zero-sequence
    /// short-circuit impedance, percent ([`MAG0_PERCENT`] if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mag0_percent: Option<f64>,
    /// R/X of the zero-sequence magnetising impedance (0 if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mag0_rx: Option<f64>,
    /// Share of the zero-sequence short-circuit impedance on the grid side
    /// ([`SI0_HV_PARTIAL`] if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub si0_hv_partial: Option<f64>,
}

/// Default zero-sequence magnetising impedance, in percent of the
/// zero-sequence short-circuit impedance. A delta winding lets the
/// zero-sequence current circulate, so a Dyn distribution transformer shows
/// about its short-circuit impedance to a fault on the low-voltage side; with
/// this value and [`SI0_HV_PARTIAL`] it shows 0.93 of it (pandapower's own
/// suggestion, 100 %, would make it 0.58).
pub const MAG0_PERCENT: f64 = 1000.0;
/// Default share of the zero-sequence short-circuit impedance on the grid
/// side (pandapower's suggested value).
pub const SI0_HV_PARTIAL: f64 = 0.9;

/// A transformer's zero-sequence data in pandapower's terms, with the
/// defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformerZeroSequence {
    /// Zero-sequence short-circuit voltage, percent.
    pub vk0_percent: f64,
    /// Its resistive part, percent.
    pub vkr0_percent: f64,
    /// Magnetising over short-circuit impedance, percent.
    pub mag0_percent: f64,
    /// R/X of the magnetising impedance.
    pub mag0_rx: f64,
    /// Share of the short-circuit impedance on the grid side.
    pub si0_hv_partial: f64,
}

impl TransformerType {
    /// The zero-sequence data, given or defaulted.
    pub fn zero_sequence(&self) -> TransformerZeroSequence {
        TransformerZeroSequence {
            // As pandapower: a zero means "as the positive sequence".
            vk0_percent: self
                .vk0_percent
                .filter(|v| *v > 1e-8)
                .unwrap_or(self.vk_percent),
            vkr0_percent: self
                .vkr0_percent
                .filter(|v| *v > 1e-8)
                .unwrap_or(self.vkr_percent),
            mag0_percent: self.mag0_percent.unwrap_or(MAG0_PERCENT),
            mag0_rx: self.mag0_rx.unwrap_or(0.0),
            si0_hv_partial: self.si0_hv_partial.unwrap_or(SI0_HV_PARTIAL),
        }
    }
}

const fn cable(r: f64, x: f64, c: f64, max_i: f64) -> CableType {
    CableType {
        r_ohm_per_km: r,
        x_ohm_per_km: x,
        c_nf_per_km: c,
        max_i_ka: max_i,
        r0_ohm_per_km: None,
        x0_ohm_per_km: None,
        c0_nf_per_km: None,
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
        vector_group: VectorGroup::Dyn,
        vk0_percent: None,
        vkr0_percent: None,
        mag0_percent: None,
        mag0_rx: None,
        si0_hv_partial: None,
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
