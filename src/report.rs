//! Power-flow reports: pandapower-shaped JSON and a readable table.
//!
//! The JSON uses pandapower's table and column names and units, each table a
//! list of records and bus references zero-based positions in `bus`, so that
//! `tools/pandapower_reference.py` (or anyone) can rebuild the case in
//! pandapower and compare.

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use num_complex::Complex64;
use serde::{Deserialize, Serialize};

use crate::network::unbalanced::UnbalancedFlow;
use crate::network::{BASE_MVA, NOMINAL_FREQUENCY_HZ, PowerFlow, PowerFlowError};
use crate::scenario::{Built, DeviceKind};

/// A power-flow case and its results, in pandapower's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PandapowerCase {
    /// Local time of the snapshot.
    pub time: String,
    /// System frequency, Hz.
    pub f_hz: f64,
    /// Per-unit power base, MVA.
    pub sn_mva: f64,
    /// Buses.
    pub bus: Vec<BusRecord>,
    /// Lines.
    pub line: Vec<LineRecord>,
    /// Line switches (at each cable's `to` end), open or closed.
    #[serde(default)]
    pub switch: Vec<SwitchRecord>,
    /// Transformers.
    pub trafo: Vec<TrafoRecord>,
    /// The upstream grid.
    pub ext_grid: Vec<ExtGridRecord>,
    /// Household loads (consumer frame).
    pub load: Vec<PowerRecord>,
    /// PV and wind (generator frame: positive produces).
    pub sgen: Vec<PowerRecord>,
    /// Batteries and cars (consumer frame: positive charges).
    pub storage: Vec<PowerRecord>,
    /// Whether the power flow converged.
    pub converged: bool,
    /// Why not, if it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Sweeps used.
    pub iterations: usize,
    /// Bus results.
    pub res_bus: Vec<ResBus>,
    /// Line results.
    pub res_line: Vec<ResLine>,
    /// Transformer results.
    pub res_trafo: Vec<ResTrafo>,
    /// Grid exchange results.
    pub res_ext_grid: Vec<ResExtGrid>,
    /// Loads drawn unevenly from the phases (consumer frame, per phase).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asymmetric_load: Vec<AsymmetricRecord>,
    /// Generation fed unevenly into the phases (generator frame, per phase).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asymmetric_sgen: Vec<AsymmetricRecord>,
    /// Per-phase bus results of the unbalanced power flow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub res_bus_3ph: Vec<ResBus3ph>,
    /// Per-phase line results of the unbalanced power flow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub res_line_3ph: Vec<ResLine3ph>,
    /// Per-phase transformer results of the unbalanced power flow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub res_trafo_3ph: Vec<ResTrafo3ph>,
}

/// `asymmetric_load` or `asymmetric_sgen` record: power per phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsymmetricRecord {
    pub name: String,
    pub bus: usize,
    pub p_a_mw: f64,
    pub q_a_mvar: f64,
    pub p_b_mw: f64,
    pub q_b_mvar: f64,
    pub p_c_mw: f64,
    pub q_c_mvar: f64,
}

/// `res_bus_3ph` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResBus3ph {
    pub vm_a_pu: f64,
    pub va_a_degree: f64,
    pub vm_b_pu: f64,
    pub va_b_degree: f64,
    pub vm_c_pu: f64,
    pub va_c_degree: f64,
    pub unbalance_percent: f64,
}

/// `res_line_3ph` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResLine3ph {
    pub i_a_from_ka: f64,
    pub i_b_from_ka: f64,
    pub i_c_from_ka: f64,
    pub i_n_from_ka: f64,
    pub i_a_to_ka: f64,
    pub i_b_to_ka: f64,
    pub i_c_to_ka: f64,
    pub i_n_to_ka: f64,
    pub loading_percent: f64,
}

/// `res_trafo_3ph` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResTrafo3ph {
    pub i_a_hv_ka: f64,
    pub i_b_hv_ka: f64,
    pub i_c_hv_ka: f64,
    pub i_a_lv_ka: f64,
    pub i_b_lv_ka: f64,
    pub i_c_lv_ka: f64,
    pub loading_a_percent: f64,
    pub loading_b_percent: f64,
    pub loading_c_percent: f64,
    pub loading_percent: f64,
}

impl PandapowerCase {
    /// Consumption per bus and phase, MVA (consumer frame): the balanced
    /// tables split evenly over the three phases, the asymmetric ones as
    /// they are. pandapower's `runpp_3ph` leaves storage out, so a case
    /// meant for it carries its batteries as loads.
    pub fn phase_consumption_mva(&self) -> Vec<[Complex64; 3]> {
        let mut out = vec![[Complex64::ZERO; 3]; self.bus.len()];
        let mut add = |bus: usize, s: [Complex64; 3]| {
            if let Some(b) = out.get_mut(bus) {
                for k in 0..3 {
                    b[k] += s[k];
                }
            }
        };
        for (records, sign) in [(&self.load, 1.0), (&self.sgen, -1.0), (&self.storage, 1.0)] {
            for r in records {
                add(r.bus, [Complex64::new(r.p_mw, r.q_mvar) * sign / 3.0; 3]);
            }
        }
        for (records, sign) in [(&self.asymmetric_load, 1.0), (&self.asymmetric_sgen, -1.0)] {
            for r in records {
                add(
                    r.bus,
                    [
                        Complex64::new(r.p_a_mw, r.q_a_mvar) * sign,
                        Complex64::new(r.p_b_mw, r.q_b_mvar) * sign,
                        Complex64::new(r.p_c_mw, r.q_c_mvar) * sign,
                    ],
                );
            }
        }
        out
    }

    /// Writes an unbalanced solution into the `*_3ph` result tables.
    pub fn set_unbalanced_results(&mut self, flow: &UnbalancedFlow) {
        self.res_bus_3ph = (0..flow.v_abc.len())
            .map(|b| {
                let (vm, va) = (flow.vm_pu(b), flow.va_degree(b));
                ResBus3ph {
                    vm_a_pu: vm[0],
                    va_a_degree: va[0],
                    vm_b_pu: vm[1],
                    va_b_degree: va[1],
                    vm_c_pu: vm[2],
                    va_c_degree: va[2],
                    unbalance_percent: flow.unbalance_percent(b),
                }
            })
            .collect();
        self.res_line_3ph = flow
            .lines
            .iter()
            .map(|l| ResLine3ph {
                i_a_from_ka: l.i_from_ka[0],
                i_b_from_ka: l.i_from_ka[1],
                i_c_from_ka: l.i_from_ka[2],
                i_n_from_ka: l.i_n_from_ka,
                i_a_to_ka: l.i_to_ka[0],
                i_b_to_ka: l.i_to_ka[1],
                i_c_to_ka: l.i_to_ka[2],
                i_n_to_ka: l.i_n_to_ka,
                loading_percent: l.loading_percent,
            })
            .collect();
        let t = &flow.transformer;
        self.res_trafo_3ph = vec![ResTrafo3ph {
            i_a_hv_ka: t.i_from_ka[0],
            i_b_hv_ka: t.i_from_ka[1],
            i_c_hv_ka: t.i_from_ka[2],
            i_a_lv_ka: t.i_to_ka[0],
            i_b_lv_ka: t.i_to_ka[1],
            i_c_lv_ka: t.i_to_ka[2],
            loading_a_percent: t.loading_phase_percent[0],
            loading_b_percent: t.loading_phase_percent[1],
            loading_c_percent: t.loading_phase_percent[2],
            loading_percent: t.loading_percent,
        }];
    }
}

/// `bus` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusRecord {
    pub name: String,
    pub vn_kv: f64,
}

/// `line` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineRecord {
    pub name: String,
    pub std_type: String,
    pub from_bus: usize,
    pub to_bus: usize,
    pub length_km: f64,
    pub r_ohm_per_km: f64,
    pub x_ohm_per_km: f64,
    pub c_nf_per_km: f64,
    pub max_i_ka: f64,
    pub in_service: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r0_ohm_per_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x0_ohm_per_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c0_nf_per_km: Option<f64>,
}

/// `switch` record: a switch between `bus` and line `element` (`et` "l").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwitchRecord {
    pub bus: usize,
    pub element: usize,
    pub et: String,
    pub closed: bool,
}

/// `trafo` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafoRecord {
    pub name: String,
    pub std_type: String,
    pub hv_bus: usize,
    pub lv_bus: usize,
    pub sn_mva: f64,
    pub vn_hv_kv: f64,
    pub vn_lv_kv: f64,
    pub vk_percent: f64,
    pub vkr_percent: f64,
    pub pfe_kw: f64,
    pub i0_percent: f64,
    pub shift_degree: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk0_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vkr0_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mag0_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mag0_rx: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub si0_hv_partial: Option<f64>,
}

/// `ext_grid` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtGridRecord {
    pub bus: usize,
    pub vm_pu: f64,
    pub va_degree: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s_sc_max_mva: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx_max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x0x_max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r0x0_max: Option<f64>,
}

/// `load`, `sgen` or `storage` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerRecord {
    pub name: String,
    pub bus: usize,
    pub p_mw: f64,
    pub q_mvar: f64,
}

/// `res_bus` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResBus {
    pub vm_pu: f64,
    pub va_degree: f64,
}

/// `res_line` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResLine {
    pub p_from_mw: f64,
    pub q_from_mvar: f64,
    pub p_to_mw: f64,
    pub q_to_mvar: f64,
    pub pl_mw: f64,
    pub i_ka: f64,
    pub loading_percent: f64,
}

/// `res_trafo` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResTrafo {
    pub p_hv_mw: f64,
    pub q_hv_mvar: f64,
    pub p_lv_mw: f64,
    pub q_lv_mvar: f64,
    pub pl_mw: f64,
    pub loading_percent: f64,
}

/// `res_ext_grid` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResExtGrid {
    pub p_mw: f64,
    pub q_mvar: f64,
}

/// Builds the case for `built` at `time` with device powers (kW, kvar,
/// consumer frame, in `built.devices` order) and the solver's outcome.
pub fn pandapower_case(
    built: &Built,
    time: NaiveDateTime,
    device_kva: &[Complex64],
    flow: &Result<PowerFlow, PowerFlowError>,
) -> PandapowerCase {
    let net = &built.network;
    let mut load = Vec::new();
    let mut sgen = Vec::new();
    let mut storage = Vec::new();
    let mut asymmetric_load = Vec::new();
    let mut asymmetric_sgen = Vec::new();
    for (d, s) in built.devices.iter().zip(device_kva) {
        let record = |sign: f64| PowerRecord {
            name: d.name.clone(),
            bus: d.bus,
            p_mw: sign * s.re / 1000.0,
            q_mvar: sign * s.im / 1000.0,
        };
        // A device drawn unevenly from the phases goes in pandapower's
        // asymmetric tables (storage has none: its phases are a load's).
        if d.phases.iter().any(|x| (x - 1.0 / 3.0).abs() > 1e-12) {
            let per_phase = |sign: f64| {
                let [a, b, c] = d.phases.map(|x| *s * x * sign / 1000.0);
                AsymmetricRecord {
                    name: d.name.clone(),
                    bus: d.bus,
                    p_a_mw: a.re,
                    q_a_mvar: a.im,
                    p_b_mw: b.re,
                    q_b_mvar: b.im,
                    p_c_mw: c.re,
                    q_c_mvar: c.im,
                }
            };
            match d.kind {
                DeviceKind::Pv(_) | DeviceKind::Wind { .. } => {
                    asymmetric_sgen.push(per_phase(-1.0))
                }
                _ => asymmetric_load.push(per_phase(1.0)),
            }
            continue;
        }
        match d.kind {
            DeviceKind::Household { .. } => load.push(record(1.0)),
            DeviceKind::Pv(_) | DeviceKind::Wind { .. } => sgen.push(record(-1.0)),
            DeviceKind::Battery(_) | DeviceKind::Ev(_) => storage.push(record(1.0)),
        }
    }
    let t = &net.transformer;
    let zero = t.params.zero_sequence();
    let mut case = PandapowerCase {
        time: time.format("%Y-%m-%d %H:%M").to_string(),
        f_hz: NOMINAL_FREQUENCY_HZ,
        sn_mva: BASE_MVA,
        bus: net
            .buses
            .iter()
            .map(|b| BusRecord {
                name: b.name.clone(),
                vn_kv: b.vn_kv,
            })
            .collect(),
        line: net
            .lines
            .iter()
            .map(|l| (l, l.cable.zero_sequence()))
            .map(|(l, (r0, x0, c0))| LineRecord {
                name: l.name.clone(),
                std_type: l.cable_name.clone(),
                from_bus: l.from_bus,
                to_bus: l.to_bus,
                length_km: l.length_km,
                r_ohm_per_km: l.cable.r_ohm_per_km,
                x_ohm_per_km: l.cable.x_ohm_per_km,
                c_nf_per_km: l.cable.c_nf_per_km,
                max_i_ka: l.cable.max_i_ka,
                in_service: true,
                r0_ohm_per_km: Some(r0),
                x0_ohm_per_km: Some(x0),
                c0_nf_per_km: Some(c0),
            })
            .collect(),
        switch: net
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                l.switch_closed.map(|closed| SwitchRecord {
                    bus: l.to_bus,
                    element: i,
                    et: "l".into(),
                    closed,
                })
            })
            .collect(),
        trafo: vec![TrafoRecord {
            name: t.name.clone(),
            std_type: t.type_name.clone(),
            hv_bus: t.hv_bus,
            lv_bus: t.lv_bus,
            sn_mva: t.params.sn_mva,
            vn_hv_kv: t.params.vn_hv_kv,
            vn_lv_kv: t.params.vn_lv_kv,
            vk_percent: t.params.vk_percent,
            vkr_percent: t.params.vkr_percent,
            pfe_kw: t.params.pfe_kw,
            i0_percent: t.params.i0_percent,
            shift_degree: t.params.shift_degree,
            vector_group: Some(t.params.vector_group.pandapower_name().to_owned()),
            vk0_percent: Some(zero.vk0_percent),
            vkr0_percent: Some(zero.vkr0_percent),
            mag0_percent: Some(zero.mag0_percent),
            mag0_rx: Some(zero.mag0_rx),
            si0_hv_partial: Some(zero.si0_hv_partial),
        }],
        ext_grid: vec![ExtGridRecord {
            bus: net.ext_grid.bus,
            vm_pu: net.ext_grid.vm_pu,
            va_degree: net.ext_grid.va_degree,
            s_sc_max_mva: Some(net.ext_grid.strength.s_sc_mva),
            rx_max: Some(net.ext_grid.strength.rx),
            x0x_max: Some(net.ext_grid.strength.x0x),
            r0x0_max: Some(net.ext_grid.strength.r0x0),
        }],
        load,
        sgen,
        storage,
        converged: false,
        error: None,
        iterations: 0,
        res_bus: Vec::new(),
        res_line: Vec::new(),
        res_trafo: Vec::new(),
        res_ext_grid: Vec::new(),
        asymmetric_load,
        asymmetric_sgen,
        res_bus_3ph: Vec::new(),
        res_line_3ph: Vec::new(),
        res_trafo_3ph: Vec::new(),
    };
    match flow {
        Ok(f) => {
            case.converged = true;
            case.iterations = f.iterations;
            case.res_bus = f
                .vm_pu
                .iter()
                .zip(f.va_degree())
                .map(|(&vm_pu, &va_degree)| ResBus { vm_pu, va_degree })
                .collect();
            case.res_line = f
                .lines
                .iter()
                .map(|l| ResLine {
                    p_from_mw: l.p_from_mw,
                    q_from_mvar: l.q_from_mvar,
                    p_to_mw: l.p_to_mw,
                    q_to_mvar: l.q_to_mvar,
                    pl_mw: l.pl_mw,
                    i_ka: l.i_ka,
                    loading_percent: l.loading_percent,
                })
                .collect();
            let tr = &f.transformer;
            case.res_trafo = vec![ResTrafo {
                p_hv_mw: tr.p_from_mw,
                q_hv_mvar: tr.q_from_mvar,
                p_lv_mw: tr.p_to_mw,
                q_lv_mvar: tr.q_to_mvar,
                pl_mw: tr.pl_mw,
                loading_percent: tr.loading_percent,
            }];
            case.res_ext_grid = vec![ResExtGrid {
                p_mw: f.ext_grid_p_mw,
                q_mvar: f.ext_grid_q_mvar,
            }];
        }
        Err(e) => case.error = Some(e.to_string()),
    }
    case
}

/// A readable report of one snapshot: totals, the point of common
/// coupling, the extremes, and each feeder's weakest bus and busiest cable.
pub fn snapshot_table(
    built: &Built,
    time: NaiveDateTime,
    device_kva: &[Complex64],
    flow: &Result<PowerFlow, PowerFlowError>,
) -> String {
    let mut out = String::new();
    let (mut load_kw, mut pv_kw, mut wind_kw) = (0.0, 0.0, 0.0);
    for (d, s) in built.devices.iter().zip(device_kva) {
        match d.kind {
            DeviceKind::Household { .. } => load_kw += s.re,
            DeviceKind::Pv(_) => pv_kw -= s.re,
            DeviceKind::Wind { .. } => wind_kw -= s.re,
            _ => {}
        }
    }
    let _ = writeln!(
        out,
        "{} at {}",
        built.scenario.name,
        time.format("%Y-%m-%d %H:%M")
    );
    let _ = writeln!(
        out,
        "  demand {load_kw:.1} kW   PV {pv_kw:.1} kW   wind {wind_kw:.1} kW   (clear sky, mean wind; batteries and EVs idle)"
    );
    let flow = match flow {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(out, "  POWER FLOW FAILED: {e}");
            return out;
        }
    };
    let net = &built.network;
    let grid_kw = flow.ext_grid_p_mw * 1000.0;
    let direction = if grid_kw >= 0.0 {
        "importing"
    } else {
        "exporting"
    };
    let _ = writeln!(
        out,
        "  grid (PCC) {direction} {:.1} kW, {:.1} kvar   losses {:.2} kW   converged in {} sweeps",
        grid_kw.abs(),
        flow.ext_grid_q_mvar * 1000.0,
        flow.losses_mw() * 1000.0,
        flow.iterations
    );
    let _ = writeln!(
        out,
        "  transformer {} loaded {:.1} %   LV voltage {:.4} to {:.4} pu",
        net.transformer.type_name,
        flow.transformer.loading_percent,
        flow.vm_min_pu(),
        flow.vm_max_pu()
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<22} {:>6} {:>10} {:>10} {:<24} {:>10}",
        "feeder", "buses", "min V pu", "max V pu", "busiest cable", "loading %"
    );
    for (f, feeder) in built.scenario.feeders.iter().enumerate() {
        let buses: Vec<usize> = (0..net.buses.len())
            .filter(|&b| net.buses[b].feeder == Some(f))
            .collect();
        if buses.is_empty() {
            continue;
        }
        let vmin = buses
            .iter()
            .map(|&b| flow.vm_pu[b])
            .fold(f64::INFINITY, f64::min);
        let vmax = buses
            .iter()
            .map(|&b| flow.vm_pu[b])
            .fold(f64::NEG_INFINITY, f64::max);
        let busiest = net
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                net.buses[l.to_bus].feeder == Some(f) || net.buses[l.from_bus].feeder == Some(f)
            })
            .max_by(|a, b| {
                flow.lines[a.0]
                    .loading_percent
                    .total_cmp(&flow.lines[b.0].loading_percent)
            });
        let (name, loading) = busiest.map_or(("-".to_owned(), 0.0), |(i, l)| {
            (l.name.clone(), flow.lines[i].loading_percent)
        });
        let _ = writeln!(
            out,
            "  {:<22} {:>6} {:>10.4} {:>10.4} {:<24} {:>10.1}",
            clip(&feeder.name, 22),
            buses.len(),
            vmin,
            vmax,
            clip(&name, 24),
            loading
        );
    }
    let warnings: Vec<String> = [
        (flow.vm_min_pu() < 0.9).then(|| {
            format!(
                "undervoltage: {:.3} pu is below the EN 50160 limit of 0.90 pu",
                flow.vm_min_pu()
            )
        }),
        (flow.vm_max_pu() > 1.1).then(|| {
            format!(
                "overvoltage: {:.3} pu is above the EN 50160 limit of 1.10 pu",
                flow.vm_max_pu()
            )
        }),
        (flow.max_line_loading_percent() > 100.0).then(|| {
            format!(
                "a cable is overloaded ({:.0} %)",
                flow.max_line_loading_percent()
            )
        }),
        (flow.transformer.loading_percent > 100.0).then(|| {
            format!(
                "the transformer is overloaded ({:.0} %)",
                flow.transformer.loading_percent
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    for w in warnings {
        let _ = writeln!(out, "  WARNING: {w}");
    }
    out
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('~')).collect()
    }
}

/// The per-phase solution in a few lines: the extreme phase voltages, the
/// worst unbalance against EN 50160's 2 %, the largest neutral current.
pub fn phase_lines(built: &Built, flow: &UnbalancedFlow) -> String {
    let net = &built.network;
    let customer = |b: &usize| flow.low_voltage[*b];
    let buses: Vec<usize> = (0..flow.v_abc.len()).filter(customer).collect();
    let extreme = |pick: fn(f64, f64) -> f64, start: f64| {
        buses.iter().flat_map(|&b| flow.vm_pu(b)).fold(start, pick)
    };
    let worst = buses.iter().copied().max_by(|&a, &b| {
        flow.unbalance_percent(a)
            .total_cmp(&flow.unbalance_percent(b))
    });
    let neutral = flow.lines.iter().enumerate().max_by(|a, b| {
        a.1.i_n_from_ka
            .max(a.1.i_n_to_ka)
            .total_cmp(&b.1.i_n_from_ka.max(b.1.i_n_to_ka))
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  per phase        phase voltages {:.4} to {:.4} pu",
        extreme(f64::min, f64::INFINITY),
        extreme(f64::max, f64::NEG_INFINITY)
    );
    if let Some(b) = worst {
        let _ = writeln!(
            out,
            "  unbalance        worst {:.2} % at {} (|V2|/|V1|; EN 50160: at most 2 %)",
            flow.unbalance_percent(b),
            net.buses[b].name
        );
    }
    if let Some((l, f)) = neutral {
        let _ = writeln!(
            out,
            "  neutral          up to {:.1} A, in {}",
            f.i_n_from_ka.max(f.i_n_to_ka) * 1000.0,
            net.lines[l].name
        );
    }
    out
}
