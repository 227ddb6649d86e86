//! The solve's hot loops: the three sequences' ladders side by side in
//! breadth-first positions (position k is bus `order[k]`), one pass up
//! and one pass down for all three, each loaded bus's phase currents taken
//! on the way up, each bus's values kept in its own frame (as its phases
//! see them: only the transformer turns what crosses it). Each array is
//! walked in order with no bus index between, as in the balanced solver
//! (issue 25: written a ladder a sequence in the root's frame, the
//! per-phase solve of the 1,000-house town took 8 times the balanced one).

use num_complex::Complex64;

use super::{UnbalancedFlow, UnbalancedModel, phase_to_sequence, sequence_to_phase};
use crate::network::BASE_MVA;
use crate::network::powerflow::{PowerFlowError, SolverOptions, compensate_links};

/// The ladder's data of the three sequences, by position.
#[derive(Debug, Clone, Default)]
pub(super) struct Fused {
    /// Each bus's position (`usize::MAX` where the tree does not reach).
    pub(super) position: Vec<usize>,
    /// The parent's position (the root's own at the root).
    pub(super) parent: Vec<usize>,
    /// Per sequence, whether the branch to the parent carries it (else a
    /// tree of that sequence starts here: the root, and a Dyn
    /// transformer's low-voltage side in the zero sequence).
    carries: Vec<[bool; 3]>,
    z: Vec<[Complex64; 3]>,
    y_eq: Vec<[Complex64; 3]>,
    inv_d: Vec<[Complex64; 3]>,
    /// At a tree's root: what its trees' shunts draw per volt, and that
    /// with the source's admittance to earth.
    y_root: Vec<[Complex64; 3]>,
    y_tree: Vec<[Complex64; 3]>,
    /// The positive and the negative sequence's shift from the root: the
    /// solve works in each bus's own frame (as its phases see it), so
    /// that a load's phase currents need no turning; only a branch with a
    /// shift between its ends (the transformer) turns what crosses it.
    shift: Vec<[Complex64; 2]>,
    /// The turn from the parent's frame into this bus's, where there is one.
    pub(super) turn: Vec<Option<[Complex64; 2]>>,
}

impl Fused {
    /// The positions of a model's tree and sequences.
    pub(super) fn new(model: &UnbalancedModel) -> Self {
        let n = model.parent.len();
        let mut position = vec![usize::MAX; n];
        for (k, &bus) in model.order.iter().enumerate() {
            position[bus] = k;
        }
        let q = &model.sequences;
        let per = |f: &dyn Fn(usize, usize) -> Complex64| -> Vec<[Complex64; 3]> {
            model
                .order
                .iter()
                .map(|&b| [0, 1, 2].map(|s| f(s, b)))
                .collect()
        };
        Self {
            parent: model
                .order
                .iter()
                .map(|&b| position[model.parent[b]])
                .collect(),
            carries: model
                .order
                .iter()
                .map(|&b| [0, 1, 2].map(|s| q[s].z[b].is_some()))
                .collect(),
            z: per(&|s, b| q[s].z[b].unwrap_or_default()),
            y_eq: per(&|s, b| q[s].y_eq[b]),
            inv_d: per(&|s, b| q[s].inv_d[b]),
            y_root: per(&|s, b| q[s].y_root[b]),
            y_tree: per(&|s, b| q[s].y_source[b] + q[s].y_root[b]),
            shift: model
                .order
                .iter()
                .map(|&b| [q[1].shift[b], q[2].shift[b]])
                .collect(),
            turn: model
                .order
                .iter()
                .map(|&b| {
                    let p = model.parent[b];
                    let turn = [1, 2].map(|s| q[s].shift[b] * q[s].shift[p].conj());
                    turn.iter()
                        .any(|t| (t - Complex64::ONE).norm() > 1e-15)
                        .then_some(turn)
                })
                .collect(),
            position,
        }
    }
}

/// Each position's phase voltages from its sequence voltages (own frame).
fn phases(v: &[[Complex64; 3]]) -> Vec<[Complex64; 3]> {
    v.iter().map(|x| sequence_to_phase(*x)).collect()
}

/// The collapse threshold squared (a threshold at or under zero, the
/// check off, stays off: squaring would turn -0.3 into 0.09).
fn collapse_sqr(options: &SolverOptions) -> f64 {
    let vm = options.collapse_vm_pu.max(0.0);
    vm * vm
}

impl UnbalancedModel {
    /// Solves for the given consumption per bus and phase (MW + j Mvar per
    /// phase, consumer frame: loads positive, generation negative), each
    /// phase drawn between its conductor and the neutral.
    pub fn solve(
        &self,
        phase_mva: &[[Complex64; 3]],
        options: &SolverOptions,
    ) -> Result<UnbalancedFlow, PowerFlowError> {
        let f = &self.fused;
        let (n, m) = (self.bus_count(), self.order.len());
        let s_pu: Vec<[Complex64; 3]> = self
            .order
            .iter()
            .map(|&i| {
                phase_mva
                    .get(i)
                    .copied()
                    .unwrap_or_default()
                    .map(|s| s * 3.0 / BASE_MVA)
            })
            .collect();
        let loaded: Vec<bool> = s_pu
            .iter()
            .map(|s| s.iter().any(|x| *x != Complex64::ZERO))
            .collect();
        // Flat: the root's set point, turned into each bus's frame.
        let mut v: Vec<[Complex64; 3]> = f
            .shift
            .iter()
            .map(|[sh1, _]| [Complex64::ZERO, sh1 * self.root_vm_pu, Complex64::ZERO])
            .collect();
        let mut j = vec![[Complex64::ZERO; 3]; m];
        let mut link_current = self
            .sequences
            .each_ref()
            .map(|q| vec![Complex64::ZERO; q.links.len()]);
        let meshed = self.sequences.iter().any(|q| !q.links.is_empty());
        let mut v_bus = vec![Complex64::ZERO; if meshed { n } else { 0 }];
        let collapse_sqr = collapse_sqr(options);
        let mut iterations = 0;
        let mut last_change = f64::INFINITY;
        loop {
            iterations += 1;
            j.fill([Complex64::ZERO; 3]);
            for (s, q) in self.sequences.iter().enumerate() {
                for (l, c) in q.links.iter().zip(&link_current[s]) {
                    j[f.position[l.a]][s] += c;
                    j[f.position[l.b]][s] -= c;
                }
            }
            // Up, from the leaves: each loaded bus's phase currents from the
            // last voltages, then each subtree as the current it draws, a
            // linear function of its parent's voltage (I = y_eq V + J).
            // The lowest loaded phase (squared) is watched on the way: a
            // phase sinking alone hardly moves the positive sequence.
            let mut sagging_phase = (0, f64::INFINITY);
            for k in (0..m).rev() {
                let mut jk = j[k];
                if loaded[k] {
                    let v_abc = sequence_to_phase(v[k]);
                    let mut i_abc = [Complex64::ZERO; 3];
                    for p in 0..3 {
                        let s = s_pu[k][p];
                        if s != Complex64::ZERO {
                            let vm_sqr = v_abc[p].norm_sqr();
                            if vm_sqr.is_nan() || vm_sqr < sagging_phase.1 {
                                sagging_phase = (k, vm_sqr);
                            }
                            // conj(s / v) = conj(s) v / |v|^2
                            i_abc[p] = s.conj() * v_abc[p] * vm_sqr.recip();
                        }
                    }
                    let i012 = phase_to_sequence(i_abc);
                    for s in 0..3 {
                        jk[s] += i012[s];
                    }
                }
                if k > 0 {
                    let p = f.parent[k];
                    let back = f.turn[k].map(|[t1, t2]| [Complex64::ONE, t1.conj(), t2.conj()]);
                    for s in 0..3 {
                        if f.carries[k][s] {
                            let equivalent = jk[s] * f.inv_d[k][s];
                            // Into the parent's frame across a shift.
                            j[p][s] += match back {
                                Some(b) => equivalent * b[s],
                                None => equivalent,
                            };
                            jk[s] = equivalent;
                        }
                    }
                }
                j[k] = jk;
            }
            // Down, from the roots: the voltages follow, every shunt taken
            // implicitly (a strong one far from the root, as a Dyn
            // transformer's earthed star seen from an island's forming
            // unit, would make a plain sweep diverge).
            let mut max_change_sqr = 0.0f64;
            let mut weakest = (0, f64::INFINITY);
            for k in 0..m {
                let mut above = v[f.parent[k]];
                if let Some([t1, t2]) = f.turn[k] {
                    above[1] *= t1;
                    above[2] *= t2;
                }
                let mut new_v = [Complex64::ZERO; 3];
                for s in 0..3 {
                    // The branch's series current is needed only once
                    // settled (`series_currents`).
                    let vs = if f.carries[k][s] {
                        above[s] - f.z[k][s] * (f.y_eq[k][s] * above[s] + j[k][s])
                    } else {
                        self.tree_root_voltage(k, s, j[k][s])
                    };
                    let change_sqr = (vs - v[k][s]).norm_sqr();
                    if change_sqr > max_change_sqr {
                        max_change_sqr = change_sqr;
                    }
                    new_v[s] = vs;
                }
                v[k] = new_v;
                let vm_sqr = new_v[1].norm_sqr();
                if vm_sqr.is_nan() || vm_sqr < weakest.1 {
                    weakest = (k, vm_sqr);
                }
            }
            let mut max_change = max_change_sqr.sqrt();
            if meshed {
                for (s, q) in self.sequences.iter().enumerate() {
                    if q.links.is_empty() {
                        continue;
                    }
                    for (k, &bus) in self.order.iter().enumerate() {
                        v_bus[bus] = v[k][s];
                    }
                    max_change = max_change.max(compensate_links(
                        &q.links,
                        &q.link_inverse,
                        &v_bus,
                        &mut link_current[s],
                    ));
                }
            }
            // A cheap watch while iterating (the positive sequence and the
            // loaded phases, squared); every phase of every bus is checked
            // once the voltages have settled, or when the solver gives up.
            let sagging = [weakest, sagging_phase]
                .into_iter()
                .find(|(_, vm_sqr)| vm_sqr.is_nan() || *vm_sqr < collapse_sqr);
            if let Some((k, vm_sqr)) = sagging {
                return Err(self.collapse(iterations, k, vm_sqr));
            }
            if !max_change.is_finite() {
                return Err(PowerFlowError::VoltageCollapse {
                    iterations,
                    bus: self.root,
                    vm_pu: 0.0,
                });
            }
            // The balanced solver's stop (a radial ladder contracts too).
            if options.settled(max_change, last_change, !meshed) {
                break;
            }
            last_change = max_change;
            if iterations >= options.max_iterations {
                // Given up: a phase that sank under the threshold is a
                // collapse at its bus (the watch above sees only the
                // positive sequence, which one phase alone hardly moves).
                self.collapsed_phase(&phases(&v), iterations, options)?;
                return Err(PowerFlowError::NotConverged {
                    iterations,
                    last_change_pu: max_change,
                });
            }
        }
        // Settled: no phase may be below the collapse threshold either.
        let v_abc = phases(&v);
        self.collapsed_phase(&v_abc, iterations, options)?;
        // The last sweep's currents are the series currents of its voltages.
        let series = self.series_currents(&v, &j);
        Ok(self.results(&v_abc, &v, &series, &link_current, iterations))
    }

    /// A collapse at the bus with the lowest phase voltage if that is under
    /// the threshold or not a number (a NaN phase makes its bus's minimum
    /// NaN); `Ok` otherwise. Squared magnitudes, in each bus's own frame.
    fn collapsed_phase(
        &self,
        v_abc: &[[Complex64; 3]],
        iterations: usize,
        options: &SolverOptions,
    ) -> Result<(), PowerFlowError> {
        let mut weakest = (0, f64::INFINITY);
        for (k, phases) in v_abc.iter().enumerate() {
            for x in phases {
                let vm_sqr = x.norm_sqr();
                if vm_sqr.is_nan() || vm_sqr < weakest.1 {
                    weakest = (k, vm_sqr);
                }
            }
            if weakest.1.is_nan() {
                break;
            }
        }
        let (k, vm_sqr) = weakest;
        if vm_sqr.is_nan() || vm_sqr < collapse_sqr(options) {
            return Err(self.collapse(iterations, k, vm_sqr));
        }
        Ok(())
    }

    /// Each branch's series current from the parent into its bus (at a
    /// tree's root: what all its trees draw), from the settled voltages and
    /// the last sweep's subtree equivalents: what the sweep down computed
    /// on its way, but needed only once.
    fn series_currents(&self, v: &[[Complex64; 3]], j: &[[Complex64; 3]]) -> Vec<[Complex64; 3]> {
        let f = &self.fused;
        (0..v.len())
            .map(|k| {
                let mut above = v[f.parent[k]];
                if let Some([t1, t2]) = f.turn[k] {
                    above[1] *= t1;
                    above[2] *= t2;
                }
                [0, 1, 2].map(|s| {
                    if f.carries[k][s] {
                        f.y_eq[k][s] * above[s] + j[k][s]
                    } else {
                        f.y_root[k][s] * v[k][s] + j[k][s]
                    }
                })
            })
            .collect()
    }

    /// A voltage collapse at position `k`, whose phase or sequence sank to
    /// `vm_sqr` (squared; not a number: 0 pu).
    fn collapse(&self, iterations: usize, k: usize, vm_sqr: f64) -> PowerFlowError {
        PowerFlowError::VoltageCollapse {
            iterations,
            bus: self.order[k],
            vm_pu: if vm_sqr.is_finite() {
                vm_sqr.sqrt()
            } else {
                0.0
            },
        }
    }

    /// The voltage at position `k` where sequence `s` starts a tree: the
    /// root's set point where its source holds one, else what balances
    /// the source's admittance to earth against what the trees draw.
    fn tree_root_voltage(&self, k: usize, s: usize, j: Complex64) -> Complex64 {
        if k == 0
            && let Some(fixed) = self.sequences[s].fixed_root
        {
            return fixed;
        }
        let y = self.fused.y_tree[k][s];
        if y == Complex64::ZERO {
            Complex64::ZERO
        } else {
            -j / y
        }
    }
}
