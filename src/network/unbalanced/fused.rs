//! The solve's hot loops: the three sequences' ladders side by side in
//! breadth-first positions (position k is bus `order[k]`), one pass up
//! and one pass down for all three (each bus's injection worked out on the
//! way down, right after its new voltage, so that the way up is a sum),
//! each bus's values kept in its own frame (as its phases see them: only
//! the transformer turns what crosses it). Each array is
//! walked in order with no bus index between, as in the balanced solver
//! (issue 25: written a ladder a sequence in the root's frame, the
//! per-phase solve of the 1,000-house town took 8 times the balanced one).

use num_complex::Complex64;

use super::{Element, UnbalancedFlow, UnbalancedModel, sequence_to_phase, three_times_sequence};
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
    pub(super) carries: Vec<[bool; 3]>,
    z: Vec<[Complex64; 3]>,
    y_eq: Vec<[Complex64; 3]>,
    inv_d: Vec<[Complex64; 3]>,
    /// At a tree's root: what its trees' shunts draw per volt.
    y_root: Vec<[Complex64; 3]>,
    /// The positive and the negative sequence's shift from the root: the
    /// solve works in each bus's own frame (as its phases see it), so
    /// that a load's phase currents need no turning; only a branch with a
    /// shift between its ends (the transformer) turns what crosses it.
    shift: Vec<[Complex64; 2]>,
    /// The turn from the parent's frame into this bus's, where there is one.
    pub(super) turn: Vec<Option<[Complex64; 2]>>,
    /// Whether a position is plain: every sequence carried from its
    /// parent, with no turn (all but a tree's root and the transformer's
    /// lower end), so that the sweeps need no per-sequence test there.
    pub(super) plain: Vec<bool>,
    /// For the results: the branch to the parent (its element, and whether
    /// the parent is its `from` end), its shunt admittances per sequence
    /// at the parent's and at this end, and the bus's base current, kA.
    pub(super) element: Vec<Option<(Element, bool)>>,
    pub(super) ends_y: Vec<[[Complex64; 3]; 2]>,
    pub(super) i_base_ka: Vec<f64>,
    /// Each line's position in the tree (`usize::MAX` where it closes a
    /// loop or is open), and the transformer's.
    pub(super) line_at: Vec<usize>,
    pub(super) transformer_at: Option<usize>,
    /// Whether every shunt is weak enough to be taken explicitly (its
    /// current at the last voltages, as the balanced solver does): three
    /// complex products a bus and a sweep fewer. See [`SHUNT_CONTRACTION`].
    pub(super) explicit: bool,
    /// Each position's own shunt admittance, and the source's admittance
    /// to earth where a tree starts.
    y_shunt: Vec<[Complex64; 3]>,
    y_source: Vec<[Complex64; 3]>,
}

/// The most that shunts taken explicitly may add to a sweep's contraction
/// (the factor by which the error may shrink at worst, per sweep): a tree's
/// largest path impedance from its root times all its shunt admittance,
/// plus that admittance over its source's where the root is not held. The
/// cables' capacitance and the transformer's magnetising branch add a few
/// thousandths; a Dyn transformer's earthed star seen from an island's
/// forming unit (whose zero sequence has no source) would add without bound.
const SHUNT_CONTRACTION: f64 = 0.02;

/// Whether shunts may be taken explicitly: per sequence and tree, the
/// largest path impedance times the tree's shunt admittance (and that over
/// the source's admittance where the root is not held) under
/// [`SHUNT_CONTRACTION`]. By position: `parent`, `carries`, `z`, `y_shunt`,
/// `y_source`; `fixed[s]`: whether sequence s's source holds the root.
fn shunts_are_weak(
    parent: &[usize],
    carries: &[[bool; 3]],
    z: &[[Complex64; 3]],
    y_shunt: &[[Complex64; 3]],
    y_source: &[[Complex64; 3]],
    fixed: [bool; 3],
) -> bool {
    let m = parent.len();
    (0..3).all(|s| {
        // Each position's tree root and path impedance (parents come first).
        let (mut tree, mut path) = (vec![0; m], vec![0.0f64; m]);
        let (mut z_max, mut y_sum) = (vec![0.0f64; m], vec![0.0f64; m]);
        for k in 0..m {
            if carries[k][s] {
                tree[k] = tree[parent[k]];
                path[k] = path[parent[k]] + z[k][s].norm();
            } else {
                tree[k] = k;
            }
            z_max[tree[k]] = z_max[tree[k]].max(path[k]);
            y_sum[tree[k]] += y_shunt[k][s].norm();
        }
        (0..m).filter(|&k| tree[k] == k).all(|r| {
            let held = r == 0 && fixed[s];
            let source = y_source[r][s].norm();
            let at_root = if held || y_sum[r] == 0.0 {
                0.0
            } else {
                y_sum[r] / source
            };
            z_max[r] * y_sum[r] + at_root < SHUNT_CONTRACTION
        })
    })
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
        let parent: Vec<usize> = model
            .order
            .iter()
            .map(|&b| position[model.parent[b]])
            .collect();
        let carries: Vec<[bool; 3]> = model
            .order
            .iter()
            .map(|&b| [0, 1, 2].map(|s| q[s].z[b].is_some()))
            .collect();
        let z = per(&|s, b| q[s].z[b].unwrap_or_default());
        let y_shunt = per(&|s, b| q[s].y_shunt[b]);
        let y_source = per(&|s, b| q[s].y_source[b]);
        let fixed = q.each_ref().map(|q| q.fixed_root.is_some());
        let turn: Vec<Option<[Complex64; 2]>> = model
            .order
            .iter()
            .map(|&b| {
                let p = model.parent[b];
                let turn = [1, 2].map(|s| q[s].shift[b] * q[s].shift[p].conj());
                turn.iter()
                    .any(|t| (t - Complex64::ONE).norm() > 1e-15)
                    .then_some(turn)
            })
            .collect();
        let mut line_at = vec![usize::MAX; model.line_max_i_ka.len()];
        let mut transformer_at = None;
        for (k, &b) in model.order.iter().enumerate() {
            match model.element[b] {
                Some((Element::Line(l), _)) => line_at[l] = k,
                Some((Element::Transformer, _)) => transformer_at = Some(k),
                None => {}
            }
        }
        Self {
            plain: (0..carries.len())
                .map(|k| carries[k] == [true; 3] && turn[k].is_none())
                .collect(),
            turn,
            explicit: shunts_are_weak(&parent, &carries, &z, &y_shunt, &y_source, fixed),
            parent,
            carries,
            z,
            y_shunt,
            y_source,
            y_eq: per(&|s, b| q[s].y_eq[b]),
            inv_d: per(&|s, b| q[s].inv_d[b]),
            y_root: per(&|s, b| q[s].y_root[b]),
            shift: model
                .order
                .iter()
                .map(|&b| [q[1].shift[b], q[2].shift[b]])
                .collect(),
            element: model.order.iter().map(|&b| model.element[b]).collect(),
            ends_y: model
                .order
                .iter()
                .map(|&b| {
                    [
                        q.each_ref().map(|q| q.y_parent_end[b]),
                        q.each_ref().map(|q| q.y_child_end[b]),
                    ]
                })
                .collect(),
            i_base_ka: model.order.iter().map(|&b| model.i_base_ka[b]).collect(),
            line_at,
            transformer_at,
            position,
        }
    }

    /// `v[parent of k]` in position k's frame.
    #[inline(always)]
    pub(super) fn above(&self, v: &[[Complex64; 3]], k: usize) -> [Complex64; 3] {
        let mut above = v[self.parent[k]];
        if let Some([t1, t2]) = self.turn[k] {
            above[1] *= t1;
            above[2] *= t2;
        }
        above
    }

    /// The series current of sequence `s` from position k's parent into
    /// its subtree (at a tree's root: what its trees draw), from settled
    /// voltages and the last sweep's subtree equivalents.
    #[inline(always)]
    pub(super) fn series(
        &self,
        k: usize,
        s: usize,
        above: &[Complex64; 3],
        v: &[[Complex64; 3]],
        j: &[[Complex64; 3]],
    ) -> Complex64 {
        if self.explicit {
            j[k][s]
        } else if self.carries[k][s] {
            self.y_eq[k][s] * above[s] + j[k][s]
        } else {
            self.y_root[k][s] * v[k][s] + j[k][s]
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
        if self.fused.explicit {
            self.solve_ladder::<true>(phase_mva, options)
        } else {
            self.solve_ladder::<false>(phase_mva, options)
        }
    }

    /// [`Self::solve`] with the shunts taken explicitly or implicitly.
    fn solve_ladder<const EXPLICIT: bool>(
        &self,
        phase_mva: &[[Complex64; 3]],
        options: &SolverOptions,
    ) -> Result<UnbalancedFlow, PowerFlowError> {
        let f = &self.fused;
        let (n, m) = (self.bus_count(), self.order.len());
        // Each phase's power in pu of the base: in the sequence frame's per
        // unit (three phases on one base) it is three times that, and the
        // phase-to-sequence transform divides its currents by three, so the
        // two factors cancel (`three_times_sequence`).
        let s_pu: Vec<[Complex64; 3]> = self
            .order
            .iter()
            .map(|&i| {
                phase_mva
                    .get(i)
                    .copied()
                    .unwrap_or_default()
                    .map(|s| s / BASE_MVA)
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
        // Each position's own injection (its loads, and its shunt where
        // shunts are explicit) at the flat start.
        let mut j: Vec<[Complex64; 3]> = (0..m)
            .map(|k| {
                let unwatched = &mut (0, f64::INFINITY);
                self.injection::<EXPLICIT>(k, &s_pu[k], loaded[k], &v[k], unwatched)
            })
            .collect();
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
            self.add_links(&link_current, &mut j);
            self.sweep_up::<EXPLICIT>(&mut j);
            let (max_change_sqr, weakest, sagging_phase) =
                self.sweep_down::<EXPLICIT>(&s_pu, &loaded, &mut v, &mut j);
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
        // The injections at the settled voltages, gathered once more, give
        // each branch's series current (`Fused::series`).
        self.add_links(&link_current, &mut j);
        self.sweep_up::<EXPLICIT>(&mut j);
        Ok(self.results(&v_abc, &v, &j, &link_current, iterations))
    }

    /// A link's current leaves at its `a` bus and arrives at its `b` bus.
    fn add_links(&self, link_current: &[Vec<Complex64>; 3], j: &mut [[Complex64; 3]]) {
        let position = &self.fused.position;
        for (s, q) in self.sequences.iter().enumerate() {
            for (l, c) in q.links.iter().zip(&link_current[s]) {
                j[position[l.a]][s] += c;
                j[position[l.b]][s] -= c;
            }
        }
    }

    /// Position k's own injection at its voltages `v` (sequence frame):
    /// its loads' currents, and with explicit shunts its shunt's. The
    /// lowest loaded phase (squared) is watched on the way (`sagging`,
    /// with its position): a phase sinking alone hardly moves the
    /// positive sequence.
    #[inline(always)]
    fn injection<const EXPLICIT: bool>(
        &self,
        k: usize,
        s_pu: &[Complex64; 3],
        loaded: bool,
        v: &[Complex64; 3],
        sagging: &mut (usize, f64),
    ) -> [Complex64; 3] {
        let mut jk = [Complex64::ZERO; 3];
        if loaded {
            let v_abc = sequence_to_phase(*v);
            let mut i_abc = [Complex64::ZERO; 3];
            for p in 0..3 {
                let s = s_pu[p];
                if s != Complex64::ZERO {
                    let vm_sqr = v_abc[p].norm_sqr();
                    if vm_sqr.is_nan() || vm_sqr < sagging.1 {
                        *sagging = (k, vm_sqr);
                    }
                    // conj(s / v) = conj(s) v / |v|^2
                    i_abc[p] = s.conj() * v_abc[p] * vm_sqr.recip();
                }
            }
            jk = three_times_sequence(i_abc);
        }
        if EXPLICIT {
            let y = &self.fused.y_shunt[k];
            for s in 0..3 {
                jk[s] += y[s] * v[s];
            }
        }
        jk
    }

    /// Up, from the leaves: each subtree as the current it draws, from its
    /// positions' injections; with implicit shunts a linear function of
    /// its parent's voltage (I = y_eq V + J, `j` becoming J), with
    /// explicit ones the series current itself.
    fn sweep_up<const EXPLICIT: bool>(&self, j: &mut [[Complex64; 3]]) {
        let f = &self.fused;
        for k in (1..j.len()).rev() {
            let p = f.parent[k];
            if f.plain[k] {
                let mut equivalent = j[k];
                if !EXPLICIT {
                    for (e, inv_d) in equivalent.iter_mut().zip(&f.inv_d[k]) {
                        *e *= inv_d;
                    }
                    j[k] = equivalent;
                }
                for (into, e) in j[p].iter_mut().zip(equivalent) {
                    *into += e;
                }
                continue;
            }
            let back = f.turn[k].map(|[t1, t2]| [Complex64::ONE, t1.conj(), t2.conj()]);
            for s in 0..3 {
                if f.carries[k][s] {
                    let equivalent = if EXPLICIT {
                        j[k][s]
                    } else {
                        j[k][s] * f.inv_d[k][s]
                    };
                    // Into the parent's frame across a shift.
                    j[p][s] += match back {
                        Some(b) => equivalent * b[s],
                        None => equivalent,
                    };
                    j[k][s] = equivalent;
                }
            }
        }
    }

    /// Down, from the roots: the voltages follow, and each position's
    /// injection at its new voltages replaces its subtree's current in
    /// `j` (read just before). Returns the largest change (squared), the
    /// weakest positive sequence and the lowest loaded phase (squared,
    /// with their positions). Implicit shunts are for a strong one far
    /// from the root, as a Dyn transformer's earthed star seen from an
    /// island's forming unit, which would make a plain sweep diverge.
    fn sweep_down<const EXPLICIT: bool>(
        &self,
        s_pu: &[[Complex64; 3]],
        loaded: &[bool],
        v: &mut [[Complex64; 3]],
        j: &mut [[Complex64; 3]],
    ) -> (f64, (usize, f64), (usize, f64)) {
        let f = &self.fused;
        let mut max_change_sqr = 0.0f64;
        let mut weakest = (0, f64::INFINITY);
        let mut sagging = (0, f64::INFINITY);
        for k in 0..v.len() {
            let plain = f.plain[k];
            let above = if plain { v[f.parent[k]] } else { f.above(v, k) };
            let mut new_v = [Complex64::ZERO; 3];
            for s in 0..3 {
                let vs = if !plain && !f.carries[k][s] {
                    self.tree_root_voltage::<EXPLICIT>(k, s, j[k][s])
                } else if EXPLICIT {
                    above[s] - f.z[k][s] * j[k][s]
                } else {
                    above[s] - f.z[k][s] * (f.y_eq[k][s] * above[s] + j[k][s])
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
            j[k] = self.injection::<EXPLICIT>(k, &s_pu[k], loaded[k], &new_v, &mut sagging);
        }
        (max_change_sqr, weakest, sagging)
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
    /// the source's admittance to earth against what the trees draw (with
    /// explicit shunts `j` holds their currents too).
    fn tree_root_voltage<const EXPLICIT: bool>(
        &self,
        k: usize,
        s: usize,
        j: Complex64,
    ) -> Complex64 {
        if k == 0
            && let Some(fixed) = self.sequences[s].fixed_root
        {
            return fixed;
        }
        let f = &self.fused;
        let y = if EXPLICIT {
            f.y_source[k][s]
        } else {
            f.y_source[k][s] + f.y_root[k][s]
        };
        if y == Complex64::ZERO {
            Complex64::ZERO
        } else {
            -j / y
        }
    }
}
