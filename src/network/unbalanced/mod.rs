//! Unbalanced three-phase power flow in the sequence frame.
//!
//! Why the sequence frame and not the phase frame: every cable and the
//! transformer are symmetric (their impedance matrices are the same under a
//! rotation of the phases), so in symmetrical components the zero-, positive-
//! and negative-sequence networks do not couple. Each is a tree with the
//! same buses as the balanced model, solved by the same backward/forward
//! sweep and loop compensation ([`super::powerflow`]); only the loads couple
//! them, through their phase currents. This is also the frame pandapower's
//! `runpp_3ph` works in, so the two solve the same equations and agree to
//! the solvers' tolerance. The neutral and earth are lumped into the zero
//! sequence (a cable's R0 holds the neutral's return), as in pandapower.
//!
//! Units: per unit on the balanced model's base ([`BASE_MVA`] for the three
//! phases together), so a phase that draws S MVA draws 3 S / [`BASE_MVA`] pu
//! and a balanced load gives exactly the balanced solver's voltages.
//!
//! Each sequence sees its own sources: the positive sequence the grid's set
//! voltage, the negative and zero sequences the grid's short-circuit
//! impedance ([`super::GridStrength`]), and the zero sequence of the
//! neighbourhood the transformer's earthed star (a Dyn transformer's delta
//! keeps zero-sequence current off the grid side).

mod fused;
mod results;

use std::f64::consts::PI;

use num_complex::Complex64;

use super::powerflow::{
    BranchFlow, Link, PowerFlow, loop_impedance_inverse, magnitude, transformer_pi_pu,
};
use super::{
    BASE_MVA, Bus, ExtGrid, Line, NOMINAL_FREQUENCY_HZ, Network, Transformer, TransformerType,
    VectorGroup,
};

/// The voltage factor pandapower applies to the grid's short-circuit
/// impedance (`c` = 1.1 in `_add_ext_grid_sc_impedance`).
const GRID_VOLTAGE_FACTOR: f64 = 1.1;

/// sqrt(3) / 2, the imaginary part of `a`.
const HALF_SQRT3: f64 = 0.866_025_403_784_438_6;

/// `j * HALF_SQRT3 * x`.
fn j_half_sqrt3(x: Complex64) -> Complex64 {
    Complex64::new(-HALF_SQRT3 * x.im, HALF_SQRT3 * x.re)
}

/// Zero-, positive- and negative-sequence components of three phase values.
/// With a = -1/2 + j sqrt(3)/2 written out: a xb + a^2 xc = -(xb + xc)/2 +
/// j sqrt(3)/2 (xb - xc), a few additions instead of four products (the
/// solve does this at every loaded bus in every sweep).
pub fn phase_to_sequence(x: [Complex64; 3]) -> [Complex64; 3] {
    three_times_sequence(x).map(|c| c * (1.0 / 3.0))
}

/// Three times [`phase_to_sequence`]: the solve folds the third into its
/// loads' per-unit powers (which carry a factor 3 that cancels it).
fn three_times_sequence([xa, xb, xc]: [Complex64; 3]) -> [Complex64; 3] {
    let half = xa - (xb + xc) * 0.5;
    let turn = j_half_sqrt3(xb - xc);
    [xa + xb + xc, half + turn, half - turn]
}

/// Phase values a, b, c of zero-, positive- and negative-sequence
/// components (`a` written out as in [`phase_to_sequence`]).
pub fn sequence_to_phase([x0, x1, x2]: [Complex64; 3]) -> [Complex64; 3] {
    let half = x0 - (x1 + x2) * 0.5;
    let turn = j_half_sqrt3(x1 - x2);
    [x0 + x1 + x2, half - turn, half + turn]
}

/// Which network element a tree branch stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    Line(usize),
    Transformer,
}

/// A branch's data in one sequence: series impedance (none when the
/// sequence has no path through it) and the shunt admittance at each end.
#[derive(Debug, Clone, Copy, Default)]
struct BranchData {
    z: Option<Complex64>,
    y_from: Complex64,
    y_to: Complex64,
}

/// One sequence network on the shared tree.
#[derive(Debug, Clone)]
struct Sequence {
    /// Series impedance of the branch to the parent; none where this
    /// sequence starts a tree of its own (the root, and a Dyn transformer's
    /// low-voltage side in the zero sequence).
    z: Vec<Option<Complex64>>,
    /// Shunt admittance of that branch at the parent's and at this bus's end.
    y_parent_end: Vec<Complex64>,
    y_child_end: Vec<Complex64>,
    /// A source's admittance to earth at the root of each tree (the grid's
    /// short-circuit admittance, a Dyn transformer's earthed star).
    y_source: Vec<Complex64>,
    /// A voltage that the source holds at the root, if it holds one.
    fixed_root: Option<Complex64>,
    /// The phase shift from the root, as a unit phasor.
    shift: Vec<Complex64>,
    links: Vec<Link>,
    link_inverse: Vec<Complex64>,
    /// The ladder's constants (they depend on the network only): each
    /// subtree's admittance seen from its parent, I = y_eq V_parent + J;
    /// 1 / (1 + Y z), which turns the subtree's injections into its J; and
    /// at a root, everything its trees' shunts draw per volt.
    y_eq: Vec<Complex64>,
    inv_d: Vec<Complex64>,
    y_root: Vec<Complex64>,
    /// Each bus's own shunt admittance (its branches' ends, and a source
    /// to earth below a tree's root).
    y_shunt: Vec<Complex64>,
}

/// The ladder's constants of a sequence (see [`Sequence::y_eq`]).
fn ladder_constants(
    order: &[usize],
    parent: &[usize],
    z: &[Option<Complex64>],
    y_shunt: &[Complex64],
) -> (Vec<Complex64>, Vec<Complex64>, Vec<Complex64>) {
    let n = parent.len();
    let mut y_total = y_shunt.to_vec();
    let (mut y_eq, mut inv_d) = (vec![Complex64::ZERO; n], vec![Complex64::ONE; n]);
    for &c in order[1..].iter().rev() {
        if let Some(z) = z[c] {
            inv_d[c] = (Complex64::ONE + y_total[c] * z).inv();
            y_eq[c] = y_total[c] * inv_d[c];
            let p = parent[c];
            y_total[p] += y_eq[c];
        }
    }
    (y_eq, inv_d, y_total)
}

/// Currents at both ends of a line or the transformer, per phase.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PhaseFlow {
    /// Phase currents at the `from` (or HV) end, kA.
    pub i_from_ka: [f64; 3],
    /// Phase currents at the `to` (or LV) end, kA.
    pub i_to_ka: [f64; 3],
    /// Neutral current |Ia + Ib + Ic| at the `from` end, kA.
    pub i_n_from_ka: f64,
    /// Neutral current at the `to` end, kA.
    pub i_n_to_ka: f64,
    /// Loading of each phase in percent of the rating (the larger end).
    pub loading_phase_percent: [f64; 3],
    /// The most loaded phase, percent.
    pub loading_percent: f64,
    /// Power into the branch at its `from` end, three phases together, MVA.
    pub s_from_mva: Complex64,
    /// Power into the branch at its `to` end, MVA.
    pub s_to_mva: Complex64,
}

impl PhaseFlow {
    /// The three phases summed into the balanced solver's terms: powers
    /// and losses as totals, currents as the most loaded phase.
    pub fn as_branch_flow(&self) -> BranchFlow {
        let i_from = self.i_from_ka.iter().copied().fold(0.0, f64::max);
        let i_to = self.i_to_ka.iter().copied().fold(0.0, f64::max);
        BranchFlow {
            p_from_mw: self.s_from_mva.re,
            q_from_mvar: self.s_from_mva.im,
            p_to_mw: self.s_to_mva.re,
            q_to_mvar: self.s_to_mva.im,
            i_from_ka: i_from,
            i_to_ka: i_to,
            i_ka: i_from.max(i_to),
            loading_percent: self.loading_percent,
            pl_mw: self.s_from_mva.re + self.s_to_mva.re,
            ql_mvar: self.s_from_mva.im + self.s_to_mva.im,
        }
    }
}

/// A solved unbalanced operating point.
#[derive(Debug, Clone, PartialEq)]
pub struct UnbalancedFlow {
    /// Sweeps needed.
    pub iterations: usize,
    /// Phase voltages a, b, c per bus, pu of the phase-to-neutral voltage.
    pub v_abc: Vec<[Complex64; 3]>,
    /// Zero-, positive- and negative-sequence voltages per bus, pu.
    pub v_012: Vec<[Complex64; 3]>,
    /// Per line, in the network's line order.
    pub lines: Vec<PhaseFlow>,
    /// The transformer (`from` = HV side); zero if the model has none.
    pub transformer: PhaseFlow,
    /// Power drawn from the grid (or the grid-forming unit) at the
    /// reference bus, three phases together, MVA.
    pub ext_grid_mva: Complex64,
    /// Whether each bus is a customer bus (every bus but the transformer's grid side).
    pub low_voltage: Vec<bool>,
}

impl UnbalancedFlow {
    /// Phase voltage magnitudes of a bus, pu.
    pub fn vm_pu(&self, bus: usize) -> [f64; 3] {
        self.v_abc[bus].map(magnitude)
    }
    /// Phase voltage angles of a bus, degrees.
    pub fn va_degree(&self, bus: usize) -> [f64; 3] {
        self.v_abc[bus].map(|v| v.arg().to_degrees())
    }
    /// Voltage unbalance factor |V2| / |V1| of a bus, percent.
    pub fn unbalance_percent(&self, bus: usize) -> f64 {
        let [_, v1, v2] = self.v_012[bus];
        if v1.norm() > 0.0 {
            v2.norm() / v1.norm() * 100.0
        } else {
            0.0
        }
    }
    /// The solution in the balanced solver's terms, for everything that
    /// reads one: each bus at its phase farthest from 1 pu, phase A's
    /// angle, branches as [`PhaseFlow::as_branch_flow`], the customer
    /// voltage range over all phases.
    pub fn as_power_flow(&self) -> PowerFlow {
        // Each bus's phases once: the farthest from 1 pu, and both extremes.
        let n = self.v_abc.len();
        let (mut farthest, mut range) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut lv_range = (f64::INFINITY, f64::NEG_INFINITY);
        for b in 0..n {
            let vm = self.vm_pu(b);
            let lo = vm.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = vm.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            farthest.push(if (lo - 1.0).abs() >= (hi - 1.0).abs() {
                lo
            } else {
                hi
            });
            range.push((lo, hi));
            if self.low_voltage[b] {
                lv_range = (lv_range.0.min(lo), lv_range.1.max(hi));
            }
        }
        PowerFlow::from_parts(
            self.iterations,
            farthest,
            (0..n).map(|b| self.va_degree(b)[0]).collect(),
            self.lines.iter().map(PhaseFlow::as_branch_flow).collect(),
            self.transformer.as_branch_flow(),
            self.ext_grid_mva,
            lv_range,
            range,
        )
    }

    /// The largest voltage unbalance factor over the customer buses, percent.
    pub fn worst_customer_unbalance_percent(&self) -> f64 {
        self.worst_unbalance_percent((0..self.v_abc.len()).filter(|&b| self.low_voltage[b]))
    }

    /// The largest voltage unbalance factor over the given buses, percent.
    pub fn worst_unbalance_percent(&self, buses: impl IntoIterator<Item = usize>) -> f64 {
        buses
            .into_iter()
            .map(|b| self.unbalance_percent(b))
            .fold(0.0, f64::max)
    }
}

/// A network compiled for repeated unbalanced solving.
#[derive(Debug, Clone)]
pub struct UnbalancedModel {
    root: usize,
    /// The positive-sequence set point at the root, pu, and its angle.
    root_vm_pu: f64,
    root_rotation: Complex64,
    order: Vec<usize>,
    parent: Vec<usize>,
    /// Element of the branch to the parent, and whether the parent is its `from` end.
    element: Vec<Option<(Element, bool)>>,
    sequences: [Sequence; 3],
    i_base_ka: Vec<f64>,
    line_max_i_ka: Vec<f64>,
    /// The transformer's buses (HV, LV), rated voltages and rating.
    transformer: Option<(usize, usize, TransformerType)>,
    /// A Dyn transformer's zero-sequence admittance to earth at its LV side, pu.
    transformer_earth: Complex64,
    /// The ladders' data in breadth-first positions, for the solve.
    fused: fused::Fused,
}

/// The grid's short-circuit admittance in the negative and zero sequence, pu.
fn grid_admittances(grid: &ExtGrid) -> (Complex64, Complex64) {
    let g = &grid.strength;
    let z = GRID_VOLTAGE_FACTOR / (g.s_sc_mva / BASE_MVA);
    let x = z / (g.rx * g.rx + 1.0).sqrt();
    let z2 = Complex64::new(g.rx * x, x);
    let x0 = g.x0x * x;
    let z0 = Complex64::new(g.r0x0 * x0, x0);
    (z2.inv(), z0.inv())
}

/// A transformer's zero-sequence T model reduced to a pi (pandapower's
/// `_add_trafo_sc_impedance_zero`): the transfer admittance between HV and
/// LV and the admittances to earth at the HV and LV ends.
fn transformer_zero_pi(t: &TransformerType) -> (Complex64, Complex64, Complex64) {
    let z0 = t.zero_sequence();
    let z_sc = z0.vk0_percent / 100.0 * BASE_MVA / t.sn_mva;
    let r_sc = z0.vkr0_percent / 100.0 * BASE_MVA / t.sn_mva;
    let z0_k = Complex64::new(r_sc, (z_sc * z_sc - r_sc * r_sc).max(0.0).sqrt());
    let z_m = z_sc * z0.mag0_percent / 100.0;
    let x_m = z_m / (z0.mag0_rx * z0.mag0_rx + 1.0).sqrt();
    let z3 = Complex64::new(x_m * z0.mag0_rx, x_m);
    let z1 = z0_k * z0.si0_hv_partial;
    let z2 = z0_k * (1.0 - z0.si0_hv_partial);
    let z_temp = z1 * z2 + z2 * z3 + z1 * z3;
    (
        (z_temp / z3).inv(),
        (z_temp / z2).inv(),
        (z_temp / z1).inv(),
    )
}

impl UnbalancedModel {
    /// Compiles a network with the upstream grid as its source.
    pub fn new(network: &Network) -> Self {
        Self::from_parts(
            &network.buses,
            &network.lines,
            Some(&network.transformer),
            &network.ext_grid,
        )
    }

    /// Compiles buses, lines, an optional transformer and the grid (a
    /// network with the grid on a low-voltage bus and no transformer, as in
    /// pandapower's two-bus check against PowerFactory).
    pub fn from_parts(
        buses: &[Bus],
        lines: &[Line],
        transformer: Option<&Transformer>,
        grid: &ExtGrid,
    ) -> Self {
        let (y2, y0) = grid_admittances(grid);
        Self::build(
            buses,
            lines,
            transformer,
            grid.bus,
            grid.vm_pu,
            grid.va_degree,
            [Some(y0), None, Some(y2)],
        )
    }

    /// Compiles a network run as an island from a grid-forming unit at
    /// `root`: a three-phase unit that holds a balanced voltage (its
    /// negative-sequence voltage zero) and, wired without a neutral, offers
    /// the zero sequence no path: the transformer's earthed star stays the
    /// only one. The grid is off.
    pub fn with_root(network: &Network, root: usize, vm_pu: f64, va_degree: f64) -> Self {
        Self::build(
            &network.buses,
            &network.lines,
            Some(&network.transformer),
            root,
            vm_pu,
            va_degree,
            [Some(Complex64::ZERO), None, None],
        )
    }

    /// `grid_admittance[s]`: the source's admittance at the root in sequence
    /// s, or none where the source holds the root's voltage (the positive
    /// sequence always; every sequence of a grid-forming unit).
    fn build(
        buses: &[Bus],
        lines: &[Line],
        transformer: Option<&Transformer>,
        root: usize,
        vm_pu: f64,
        va_degree: f64,
        grid_admittance: [Option<Complex64>; 3],
    ) -> Self {
        let n = buses.len();
        let omega = 2.0 * PI * NOMINAL_FREQUENCY_HZ;
        // Per element, per sequence: (from, to, data).
        let mut branches: Vec<(Element, usize, usize, [BranchData; 3])> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if !line.in_service() || line.from_bus == line.to_bus {
                continue;
            }
            let vn = buses[line.from_bus].vn_kv;
            let z_base = vn * vn / BASE_MVA;
            let c = &line.cable;
            let (r0, x0, c0) = c.zero_sequence();
            let data = |r: f64, x: f64, c_nf: f64| {
                let y_half =
                    Complex64::new(0.0, omega * c_nf * 1e-9 * line.length_km * z_base / 2.0);
                BranchData {
                    z: Some(Complex64::new(r, x) * line.length_km / z_base),
                    y_from: y_half,
                    y_to: y_half,
                }
            };
            let positive = data(c.r_ohm_per_km, c.x_ohm_per_km, c.c_nf_per_km);
            branches.push((
                Element::Line(i),
                line.from_bus,
                line.to_bus,
                [data(r0, x0, c0), positive, positive],
            ));
        }
        let mut y_source = [
            vec![Complex64::ZERO; n],
            vec![Complex64::ZERO; n],
            vec![Complex64::ZERO; n],
        ];
        let mut transformer_earth = Complex64::ZERO;
        for (s, y) in grid_admittance.iter().enumerate() {
            if let Some(y) = y {
                y_source[s][root] += y;
            }
        }
        if let Some(t) = transformer {
            let (z_t, y_hv, y_lv) = transformer_pi_pu(&t.params);
            let positive = BranchData {
                z: Some(z_t),
                y_from: y_hv,
                y_to: y_lv,
            };
            let (y_ab, y_an, y_bn) = transformer_zero_pi(&t.params);
            let zero = match t.params.vector_group {
                // The delta closes the zero-sequence loop: the LV side sees
                // its earthed star, the HV side nothing.
                VectorGroup::Dyn => {
                    transformer_earth = y_ab + y_bn;
                    y_source[0][t.lv_bus] += transformer_earth;
                    BranchData::default()
                }
                VectorGroup::YNyn => BranchData {
                    z: Some(y_ab.inv()),
                    y_from: y_an,
                    y_to: y_bn,
                },
            };
            branches.push((
                Element::Transformer,
                t.hv_bus,
                t.lv_bus,
                [zero, positive, positive],
            ));
        }
        let mut adjacent: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (k, &(_, f, t, _)) in branches.iter().enumerate() {
            adjacent[f].push(k);
            adjacent[t].push(k);
        }
        let shift_of = |el: Element, from_is_parent: bool, s: usize| -> f64 {
            let Some(t) = transformer.filter(|_| el == Element::Transformer) else {
                return 0.0;
            };
            // Dyn5: the positive sequence lags on the LV side, the negative leads.
            let lag = match s {
                1 => -t.params.shift_degree,
                2 => t.params.shift_degree,
                _ => 0.0,
            };
            if from_is_parent { lag } else { -lag }
        };
        let mut parent: Vec<usize> = (0..n).collect();
        let mut element = vec![None; n];
        let mut data = vec![[BranchData::default(); 3]; n];
        let mut shift_degree = vec![[0.0f64; 3]; n];
        let mut visited = vec![false; n];
        let mut in_tree = vec![false; branches.len()];
        let mut order = Vec::with_capacity(n);
        visited[root] = true;
        order.push(root);
        let mut head = 0;
        while head < order.len() {
            let p = order[head];
            head += 1;
            for &k in &adjacent[p] {
                let (el, f, t, d) = branches[k];
                let (c, parent_is_from) = if f == p { (t, true) } else { (f, false) };
                if visited[c] {
                    continue;
                }
                visited[c] = true;
                in_tree[k] = true;
                parent[c] = p;
                element[c] = Some((el, parent_is_from));
                // Oriented parent end first.
                data[c] = d.map(|b| {
                    if parent_is_from {
                        b
                    } else {
                        BranchData {
                            z: b.z,
                            y_from: b.y_to,
                            y_to: b.y_from,
                        }
                    }
                });
                let above = shift_degree[p];
                shift_degree[c] = [0, 1, 2].map(|s| above[s] + shift_of(el, parent_is_from, s));
                order.push(c);
            }
        }
        let sequences = [0, 1, 2].map(|s| {
            let mut y_shunt = vec![Complex64::ZERO; n];
            let mut z = vec![None; n];
            let mut y_parent_end = vec![Complex64::ZERO; n];
            let mut y_child_end = vec![Complex64::ZERO; n];
            for &c in &order[1..] {
                let b = data[c][s];
                z[c] = b.z;
                y_parent_end[c] = b.y_from;
                y_child_end[c] = b.y_to;
                y_shunt[parent[c]] += b.y_from;
                y_shunt[c] += b.y_to;
            }
            let links: Vec<Link> = branches
                .iter()
                .enumerate()
                .filter(|&(k, &(el, f, t, d))| {
                    !in_tree[k]
                        && matches!(el, Element::Line(_))
                        && visited[f]
                        && visited[t]
                        && d[s].z.is_some()
                })
                .filter_map(|(_, &(el, f, t, d))| {
                    let Element::Line(line) = el else { return None };
                    Some(Link {
                        line,
                        a: f,
                        b: t,
                        z: d[s].z?,
                        y_half: d[s].y_from,
                    })
                })
                .collect();
            for l in &links {
                y_shunt[l.a] += l.y_half;
                y_shunt[l.b] += l.y_half;
            }
            let fixed_root = match (s, grid_admittance[s]) {
                (1, _) => Some(Complex64::new(vm_pu, 0.0)),
                (_, None) => Some(Complex64::ZERO),
                (_, Some(_)) => None,
            };
            // A source to earth below a tree's root is a shunt like any other.
            let mut y_source = y_source[s].clone();
            for &i in &order {
                if z[i].is_some() || (i == root && fixed_root.is_some()) {
                    y_shunt[i] += y_source[i];
                    y_source[i] = Complex64::ZERO;
                }
            }
            let z_path: Vec<Complex64> = z.iter().map(|x| x.unwrap_or_default()).collect();
            // A branch without a path counts as zero: a loop's two paths share it or neither does.
            let link_inverse = loop_impedance_inverse(&links, &order, &parent, &z_path);
            let (y_eq, inv_d, y_root) = ladder_constants(&order, &parent, &z, &y_shunt);
            Sequence {
                z,
                y_parent_end,
                y_child_end,
                y_source,
                fixed_root,
                shift: shift_degree
                    .iter()
                    .map(|sh| Complex64::from_polar(1.0, sh[s].to_radians()))
                    .collect(),
                links,
                link_inverse,
                y_eq,
                inv_d,
                y_root,
                y_shunt,
            }
        });
        let mut model = Self {
            root,
            root_vm_pu: vm_pu,
            root_rotation: Complex64::from_polar(1.0, va_degree.to_radians()),
            order,
            parent,
            element,
            sequences,
            i_base_ka: buses
                .iter()
                .map(|b| BASE_MVA / (3f64.sqrt() * b.vn_kv))
                .collect(),
            line_max_i_ka: lines.iter().map(|l| l.cable.max_i_ka).collect(),
            transformer: transformer.map(|t| (t.hv_bus, t.lv_bus, t.params)),
            transformer_earth,
            fused: fused::Fused::default(),
        };
        model.fused = fused::Fused::new(&model);
        model
    }

    /// Number of buses.
    pub fn bus_count(&self) -> usize {
        self.parent.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::powerflow::{PowerFlowError, SolverOptions};
    use crate::network::test_parts::{NAYY150, bus};
    use crate::network::{CableType, GridStrength, PowerFlowModel, catalogue};

    fn line(from_bus: usize, to_bus: usize, length_km: f64, cable: CableType) -> Line {
        Line {
            name: format!("{from_bus}-{to_bus}"),
            from_bus,
            to_bus,
            length_km,
            cable_name: "test".into(),
            cable,
            switch_closed: None,
        }
    }

    /// grid - transformer - busbar - a - b - c, with a branch busbar - d.
    fn feeder() -> Network {
        let trafo = catalogue::standard_transformer("0.25 MVA 10/0.4 kV").expect("standard");
        Network {
            buses: vec![
                bus("grid", 10.0),
                bus("busbar", 0.4),
                bus("a", 0.4),
                bus("b", 0.4),
                bus("c", 0.4),
                bus("d", 0.4),
            ],
            lines: vec![
                line(1, 2, 0.1, NAYY150),
                line(3, 2, 0.08, NAYY150),
                line(3, 4, 0.12, NAYY150),
                line(1, 5, 0.05, NAYY150),
            ],
            transformer: Transformer {
                name: "t".into(),
                hv_bus: 0,
                lv_bus: 1,
                type_name: "t".into(),
                params: trafo,
            },
            ext_grid: ExtGrid {
                bus: 0,
                vm_pu: 1.02,
                va_degree: 0.0,
                strength: GridStrength::default(),
            },
        }
    }

    /// Three-phase consumption per bus of [`feeder`], MW + j Mvar (bus 4 feeds in).
    const BALANCED_LOADS: [Complex64; 6] = [
        Complex64::ZERO,
        Complex64::ZERO,
        Complex64::new(0.012, 0.003),
        Complex64::new(0.02, 0.004),
        Complex64::new(-0.015, 0.0),
        Complex64::new(0.009, 0.002),
    ];

    /// Per-phase consumption of [`feeder`], MW + j Mvar: 20 kW on phase A
    /// at the far end, 4 kW fed in on phase B on the branch, 3 kW a phase
    /// near the busbar.
    fn uneven_loads() -> Vec<[Complex64; 3]> {
        let mut loads = vec![[Complex64::ZERO; 3]; 6];
        loads[4][0] = Complex64::new(0.02, 0.002);
        loads[5][1] = Complex64::new(-0.004, 0.0);
        loads[2] = [Complex64::new(0.003, 0.0); 3];
        loads
    }

    #[test]
    fn the_sequence_transforms_are_fortescues_matrix() {
        // The textbook form, with a computed, against the written-out one.
        let a = Complex64::from_polar(1.0, 120f64.to_radians());
        let a2 = a * a;
        let x = [
            Complex64::new(1.02, -0.31),
            Complex64::new(-0.47, -0.83),
            Complex64::new(-0.55, 0.88),
        ];
        let seq = [
            (x[0] + x[1] + x[2]) / 3.0,
            (x[0] + a * x[1] + a2 * x[2]) / 3.0,
            (x[0] + a2 * x[1] + a * x[2]) / 3.0,
        ];
        let phase = [
            x[0] + x[1] + x[2],
            x[0] + a2 * x[1] + a * x[2],
            x[0] + a * x[1] + a2 * x[2],
        ];
        for k in 0..3 {
            assert!((phase_to_sequence(x)[k] - seq[k]).norm() < 1e-15, "{k}");
            assert!((sequence_to_phase(x)[k] - phase[k]).norm() < 1e-15, "{k}");
            assert!((sequence_to_phase(phase_to_sequence(x))[k] - x[k]).norm() < 1e-15);
        }
        // A balanced set is all positive sequence.
        let balanced =
            [0.0, -120.0, 120.0].map(|d: f64| Complex64::from_polar(1.0, d.to_radians()));
        let s = phase_to_sequence(balanced);
        assert!(s[0].norm() < 1e-15 && (s[1] - 1.0).norm() < 1e-15 && s[2].norm() < 1e-15);
    }

    #[test]
    fn balanced_loads_give_the_balanced_solution() {
        let net = feeder();
        let three_phase = BALANCED_LOADS;
        let balanced = PowerFlowModel::new(&net)
            .solve(&three_phase, &SolverOptions::default())
            .expect("converges");
        let per_phase: Vec<[Complex64; 3]> = three_phase.iter().map(|s| [*s / 3.0; 3]).collect();
        let flow = UnbalancedModel::new(&net)
            .solve(&per_phase, &SolverOptions::default())
            .expect("converges");
        for b in 0..net.buses.len() {
            let vm = flow.vm_pu(b);
            let va = flow.va_degree(b);
            assert!((vm[0] - balanced.vm_pu[b]).abs() < 1e-9, "bus {b}: {vm:?}");
            assert!((vm[1] - vm[2]).abs() < 1e-9 && (vm[0] - vm[1]).abs() < 1e-9);
            let d = (va[0] - balanced.va_degree()[b] + 540.0).rem_euclid(360.0) - 180.0;
            assert!(
                d.abs() < 1e-7,
                "bus {b}: {va:?} against {}",
                balanced.va_degree()[b]
            );
            assert!(flow.unbalance_percent(b) < 1e-9);
        }
        for (l, (ours, theirs)) in flow.lines.iter().zip(&balanced.lines).enumerate() {
            assert!(
                (ours.i_from_ka[1] - theirs.i_from_ka).abs() < 1e-9,
                "line {l}: {ours:?} against {theirs:?}"
            );
            assert!(ours.i_n_from_ka < 1e-9);
        }
        assert!(
            (flow.transformer.loading_percent - balanced.transformer.loading_percent).abs() < 1e-7
        );
        // Summed over the phases, the same powers, losses and grid exchange:
        // within a milliwatt, as two solvers that each stop 1e-10 pu from
        // their fixed point can promise (6e-11 MW apart here).
        let summary = flow.as_power_flow();
        let mw = 1e-9;
        assert!((summary.ext_grid_p_mw - balanced.ext_grid_p_mw).abs() < mw);
        assert!((summary.ext_grid_q_mvar - balanced.ext_grid_q_mvar).abs() < mw);
        assert!((summary.losses_mw() - balanced.losses_mw()).abs() < mw);
        assert!((summary.vm_min_pu() - balanced.vm_min_pu()).abs() < 1e-9);
        for (ours, theirs) in summary.lines.iter().zip(&balanced.lines) {
            assert!((ours.p_from_mw - theirs.p_from_mw).abs() < mw);
            assert!((ours.q_to_mvar - theirs.q_to_mvar).abs() < mw);
        }
    }

    #[test]
    fn an_island_from_a_forming_unit_matches_the_balanced_island() {
        let net = feeder();
        let three_phase = BALANCED_LOADS;
        let balanced = PowerFlowModel::with_root(&net, 4, 1.0, 0.0)
            .solve(&three_phase, &SolverOptions::default())
            .expect("converges");
        let per_phase: Vec<[Complex64; 3]> = three_phase.iter().map(|s| [*s / 3.0; 3]).collect();
        let summary = UnbalancedModel::with_root(&net, 4, 1.0, 0.0)
            .solve(&per_phase, &SolverOptions::default())
            .expect("converges")
            .as_power_flow();
        assert!(
            (summary.ext_grid_p_mw - balanced.ext_grid_p_mw).abs() < 1e-9,
            "{} against {}",
            summary.ext_grid_p_mw,
            balanced.ext_grid_p_mw
        );
        for b in 0..net.buses.len() {
            assert!(
                (summary.vm_pu[b] - balanced.vm_pu[b]).abs() < 1e-9,
                "bus {b}"
            );
        }
    }

    #[test]
    fn unbalanced_power_is_conserved() {
        // What the grid gives is what the loads take plus every loss.
        let net = feeder();
        let loads = uneven_loads();
        let taken: f64 = loads.iter().flatten().map(|s| s.re).sum();
        // The grid, and an island formed at bus 3 (its zero sequence earthed
        // only at the transformer, far from the forming unit).
        for model in [
            UnbalancedModel::new(&net),
            UnbalancedModel::with_root(&net, 3, 1.0, 0.0),
        ] {
            let flow = model
                .solve(&loads, &SolverOptions::default())
                .expect("converges");
            let summary = flow.as_power_flow();
            // Line and transformer losses from their two ends' powers: an
            // independent sum over every branch, against the source's figure.
            let gap = summary.ext_grid_p_mw - taken - summary.losses_mw();
            assert!(gap.abs() < 1e-9, "{gap} MW unaccounted for");
            assert!(summary.losses_mw() > 0.0);
            assert!(flow.iterations < 30, "{} sweeps", flow.iterations);
        }
    }

    #[test]
    fn explicit_and_implicit_shunts_reach_the_same_solution() {
        // Grid-connected the shunts are weak (cables, the transformer's
        // magnetising branch, its earthed star at a zero-sequence tree's
        // root) and are taken explicitly; in an island the earthed star
        // sits far below a forming unit whose zero sequence has no source,
        // which only the implicit ladder can take.
        let net = feeder();
        let loads = uneven_loads();
        let grid = UnbalancedModel::new(&net);
        let island = UnbalancedModel::with_root(&net, 3, 1.0, 0.0);
        assert!(grid.fused.explicit && !island.fused.explicit);
        let mut implicit = grid.clone();
        implicit.fused.explicit = false;
        let options = SolverOptions::default();
        let a = grid.solve(&loads, &options).expect("converges");
        let b = implicit.solve(&loads, &options).expect("converges");
        let unbalance = a.unbalance_percent(4);
        assert!(unbalance > 0.1, "{unbalance} %");
        for bus in 0..net.buses.len() {
            for p in 0..3 {
                let d = (a.v_abc[bus][p] - b.v_abc[bus][p]).norm();
                assert!(d < 1e-9, "bus {bus} phase {p}: {d} pu apart");
            }
        }
        for (x, y) in a
            .lines
            .iter()
            .chain([&a.transformer])
            .zip(b.lines.iter().chain([&b.transformer]))
        {
            for p in 0..3 {
                assert!((x.i_from_ka[p] - y.i_from_ka[p]).abs() < 1e-9);
                assert!((x.i_to_ka[p] - y.i_to_ka[p]).abs() < 1e-9);
            }
            assert!((x.i_n_from_ka - y.i_n_from_ka).abs() < 1e-9);
            assert!((x.s_from_mva - y.s_from_mva).norm() < 1e-9);
        }
        assert!((a.ext_grid_mva - b.ext_grid_mva).norm() < 1e-9);
    }

    #[test]
    fn one_phase_load_unbalances_the_far_end_most_and_drives_the_neutral() {
        let net = feeder();
        let mut loads = vec![[Complex64::ZERO; 3]; net.buses.len()];
        loads[4] = [Complex64::new(0.02, 0.0), Complex64::ZERO, Complex64::ZERO];
        let flow = UnbalancedModel::new(&net)
            .solve(&loads, &SolverOptions::default())
            .expect("converges");
        let vm = flow.vm_pu(4);
        assert!(
            vm[0] < vm[1] && vm[0] < vm[2],
            "the loaded phase sags: {vm:?}"
        );
        assert!(flow.unbalance_percent(4) > flow.unbalance_percent(2));
        assert!(flow.unbalance_percent(2) > flow.unbalance_percent(1));
        // Phase a's current returns in the neutral: In = Ia on the last cable.
        let last = flow.lines[2];
        assert!((last.i_n_to_ka - last.i_to_ka[0]).abs() < 1e-3 * last.i_to_ka[0]);
        // 20 kW at about 230 V is about 87 A.
        assert!((0.080..0.095).contains(&last.i_to_ka[0]), "{last:?}");
        // The summary keeps both extreme phases of every bus, not only the
        // one farthest from 1 pu.
        let summary = flow.as_power_flow();
        let (lo, hi) = summary.bus_range_pu(4);
        assert_eq!(lo, vm[0]);
        assert_eq!(hi, vm[1].max(vm[2]));
        assert!(hi > 1.0 && lo < 1.0, "{vm:?}");
        let balanced = PowerFlowModel::new(&net)
            .solve(&[Complex64::ZERO; 6], &SolverOptions::default())
            .expect("converges");
        assert_eq!(
            balanced.bus_range_pu(4),
            (balanced.vm_pu[4], balanced.vm_pu[4])
        );
        // The Dyn transformer keeps the zero sequence off the grid side.
        assert!(flow.v_012[0][0].norm() < 1e-12);
    }

    #[test]
    fn an_absurd_load_is_a_collapse_not_a_panic_or_nan() {
        let net = feeder();
        let mut loads = vec![[Complex64::ZERO; 3]; net.buses.len()];
        loads[4] = [Complex64::new(5.0, 1.0), Complex64::ZERO, Complex64::ZERO];
        for model in [
            UnbalancedModel::new(&net),
            UnbalancedModel::with_root(&net, 2, 1.0, 0.0),
        ] {
            // One phase sinks: a collapse, named at a bus, not "no
            // convergence" (the positive sequence alone hardly moves).
            match model.solve(&loads, &SolverOptions::default()) {
                Err(PowerFlowError::VoltageCollapse { vm_pu, .. }) => {
                    assert!(vm_pu.is_finite() && vm_pu < 0.3, "{vm_pu}")
                }
                other => panic!("5 MW on one phase of a 250 kVA feeder: {other:?}"),
            }
        }
        // NaN consumption is refused the same way.
        loads[4] = [Complex64::new(f64::NAN, 0.0); 3];
        assert!(
            UnbalancedModel::new(&net)
                .solve(&loads, &SolverOptions::default())
                .is_err()
        );
    }

    #[test]
    fn phase_volts_are_of_each_bus_nominal_voltage() {
        let net = feeder();
        // The busbar: 400 V between phases, 231 V to the neutral.
        let [a, _, c] = net.phase_volts(1, [1.0, 1.0, 0.95]);
        assert!((a - 400.0 / 3f64.sqrt()).abs() < 1e-9, "{a}");
        assert!((c - 0.95 * 400.0 / 3f64.sqrt()).abs() < 1e-9, "{c}");
        // The grid side of the transformer is at 10 kV, not 400 V.
        let [g, ..] = net.phase_volts(0, [1.02; 3]);
        assert!((g - 1.02 * 10_000.0 / 3f64.sqrt()).abs() < 1e-6, "{g}");
    }

    /// pandapower's own check against PowerFactory
    /// (`test_3ph_two_bus_line_powerfactory`): bus 2's phase voltages.
    #[test]
    fn two_bus_case_matches_powerfactory() {
        let cable = CableType {
            r_ohm_per_km: 0.1013,
            x_ohm_per_km: 0.06911504,
            c_nf_per_km: 690.0,
            max_i_ka: 0.44,
            r0_ohm_per_km: Some(0.4053),
            x0_ohm_per_km: Some(0.2764602),
            c0_nf_per_km: Some(312.4),
        };
        let buses = [bus("1", 0.4), bus("2", 0.4)];
        let grid = ExtGrid {
            bus: 0,
            vm_pu: 1.0,
            va_degree: 0.0,
            strength: GridStrength {
                s_sc_mva: 10.0,
                rx: 0.1,
                x0x: 1.0,
                r0x0: 0.1,
            },
        };
        let model = UnbalancedModel::from_parts(&buses, &[line(0, 1, 0.4, cable)], None, &grid);
        let balanced = Complex64::new(0.010, 0.010) / 3.0;
        let loads = [
            [Complex64::ZERO; 3],
            [
                balanced + Complex64::new(0.020, 0.010),
                balanced + Complex64::new(0.015, 0.005),
                balanced + Complex64::new(0.025, 0.010),
            ],
        ];
        let flow = model
            .solve(&loads, &SolverOptions::default())
            .expect("converges");
        let powerfactory = [0.97401782343, 0.98945593737, 0.96329605983];
        let vm = flow.vm_pu(1);
        eprintln!("two-bus case: {vm:?} against PowerFactory's {powerfactory:?}");
        for k in 0..3 {
            assert!(
                (vm[k] - powerfactory[k]).abs() < 4e-6,
                "phase {k}: {} against PowerFactory's {}",
                vm[k],
                powerfactory[k]
            );
        }
    }
}
