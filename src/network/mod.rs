//! The electrical network: buses, cables and the transformer, in pandapower's terms.
//!
//! A [`Network`] is plain data built from a scenario (see
//! [`crate::scenario::build()`]); [`powerflow`] solves it.

pub mod catalogue;
pub mod powerflow;
#[cfg(test)]
mod test_parts;
pub mod unbalanced;

pub use catalogue::{CableType, TransformerType, VectorGroup};
pub use powerflow::{BranchFlow, PowerFlow, PowerFlowError, PowerFlowModel, SolverOptions};

/// Nominal system frequency in Hz (Europe).
pub const NOMINAL_FREQUENCY_HZ: f64 = 50.0;
/// Per-unit power base in MVA, as pandapower's default `sn_mva`.
pub const BASE_MVA: f64 = 1.0;

/// A node of the network at one voltage level.
#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    /// Human-readable name, unique in the network.
    pub name: String,
    /// Nominal line-to-line voltage in kV.
    pub vn_kv: f64,
    /// Position on the ground plane in metres (x east, y north), where known.
    pub position_m: Option<[f64; 2]>,
    /// Index of the feeder this bus belongs to, if any (the busbars belong to none).
    pub feeder: Option<usize>,
}

/// A cable or overhead line, modelled as a pi section.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Human-readable name.
    pub name: String,
    /// Index of the bus at the `from` end.
    pub from_bus: usize,
    /// Index of the bus at the `to` end.
    pub to_bus: usize,
    /// Length in km.
    pub length_km: f64,
    /// Name of the cable type (standard or scenario-defined).
    pub cable_name: String,
    /// Electrical parameters of the cable type.
    pub cable: CableType,
    /// Its switch: none, closed (`Some(true)`) or open (`Some(false)`). An
    /// open switch takes the cable out of the network.
    pub switch_closed: Option<bool>,
}

impl Line {
    /// Whether the cable carries current (no switch, or a closed one).
    pub fn in_service(&self) -> bool {
        self.switch_closed != Some(false)
    }
}

/// The distribution transformer between the grid (HV) and the neighbourhood (LV).
#[derive(Debug, Clone, PartialEq)]
pub struct Transformer {
    /// Human-readable name.
    pub name: String,
    /// Index of the high-voltage bus (the point of common coupling).
    pub hv_bus: usize,
    /// Index of the low-voltage busbar.
    pub lv_bus: usize,
    /// Name of the transformer type.
    pub type_name: String,
    /// Nameplate data.
    pub params: TransformerType,
}

/// The upstream grid at the point of common coupling: a voltage source (slack).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtGrid {
    /// Index of the bus the grid connects to.
    pub bus: usize,
    /// Voltage magnitude set point in per unit.
    pub vm_pu: f64,
    /// Voltage angle in degrees.
    pub va_degree: f64,
    /// Its short-circuit strength, which sets how far unbalanced currents
    /// pull its negative- and zero-sequence voltages.
    pub strength: GridStrength,
}

/// The upstream grid's short-circuit data (pandapower's `s_sc_max_mva`,
/// `rx_max`, `x0x_max`, `r0x0_max`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridStrength {
    /// Short-circuit power at the point of common coupling, MVA.
    pub s_sc_mva: f64,
    /// R/X of its impedance.
    pub rx: f64,
    /// X0/X.
    pub x0x: f64,
    /// R0/X0.
    pub r0x0: f64,
}

impl Default for GridStrength {
    /// A 10-20 kV distribution grid at a village substation: 100 MVA
    /// (medium-voltage networks are built for 250-500 MVA at the primary
    /// substation and less out along the feeder); the ratios are pandapower's
    /// defaults (`add_zero_impedance_parameters`).
    fn default() -> Self {
        Self {
            s_sc_mva: 100.0,
            rx: 0.1,
            x0x: 1.0,
            r0x0: 0.1,
        }
    }
}

/// A low-voltage network behind one transformer (radial, or meshed by a few
/// cables that close loops).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Buses; index 0 is the grid side (MV) of the transformer.
    pub buses: Vec<Bus>,
    /// Cables and lines.
    pub lines: Vec<Line>,
    /// The transformer at the point of common coupling.
    pub transformer: Transformer,
    /// The upstream grid.
    pub ext_grid: ExtGrid,
}

impl Network {
    /// Bus `b`'s nominal voltage between phases, kV (0.4, the street's,
    /// for a bus out of range).
    pub fn nominal_kv(&self, b: usize) -> f64 {
        self.buses.get(b).map_or(0.4, |bus| bus.vn_kv)
    }

    /// Bus `b`'s phase-to-neutral voltages in volts, from their magnitudes
    /// in per unit (400 V between phases is 231 V from each to the neutral).
    pub fn phase_volts(&self, b: usize, vm_pu: [f64; 3]) -> [f64; 3] {
        let phase_v = self.nominal_kv(b) * 1000.0 / 3f64.sqrt();
        vm_pu.map(|v| v * phase_v)
    }

    /// Index of a bus by name.
    pub fn bus_index(&self, name: &str) -> Option<usize> {
        self.buses.iter().position(|b| b.name == name)
    }

    /// Total cable length in km.
    pub fn total_line_length_km(&self) -> f64 {
        self.lines.iter().map(|l| l.length_km).sum()
    }
}

/// What keeps a network from being a single radial tree (a loop is allowed
/// and solved by compensation; the others are errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologyError {
    /// A line closes a loop; `line` is the index of the first line that does.
    Loop { line: usize },
    /// A bus has no path to the transformer.
    Disconnected { bus: usize },
    /// A line starts and ends at the same bus.
    SelfLoop { line: usize },
}

/// Checks that the lines and the transformer connect every bus to the grid
/// bus, and names the lines that close loops.
///
/// Returns every problem found (each loop once, each unreachable bus once).
pub fn check_radial(network: &Network) -> Vec<TopologyError> {
    let n = network.buses.len();
    let mut errors = Vec::new();
    // Union-find detects the line that closes each loop, independent of order.
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let t = &network.transformer;
    let (a, b) = (find(&mut parent, t.hv_bus), find(&mut parent, t.lv_bus));
    parent[a] = b;
    for (i, line) in network.lines.iter().enumerate() {
        if !line.in_service() {
            continue;
        }
        if line.from_bus == line.to_bus {
            errors.push(TopologyError::SelfLoop { line: i });
            continue;
        }
        let (a, b) = (
            find(&mut parent, line.from_bus),
            find(&mut parent, line.to_bus),
        );
        if a == b {
            errors.push(TopologyError::Loop { line: i });
        } else {
            parent[a] = b;
        }
    }
    let root = find(&mut parent, network.ext_grid.bus);
    for bus in 0..n {
        if find(&mut parent, bus) != root {
            errors.push(TopologyError::Disconnected { bus });
        }
    }
    errors
}
