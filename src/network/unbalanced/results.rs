//! The solution's tables from the settled ladder. The ladder keeps each
//! bus's values in its own frame (as its phases see them): a physical
//! value is the own-frame value times the root's rotation. Magnitudes and
//! powers do not depend on the frame, so only the bus voltages are turned
//! (each branch's currents and powers come straight from the ladder's
//! values, in the frame of the end they are at). Everything is read by
//! breadth-first position, as in the sweeps.

use num_complex::Complex64;

use super::{PhaseFlow, UnbalancedFlow, UnbalancedModel, VectorGroup, sequence_to_phase};
use crate::network::BASE_MVA;

/// A branch's ends: the positions of its `from` and `to` buses and the
/// sequence currents into it at each, in the frame of the bus it is at.
type BranchEnds = (usize, usize, [Complex64; 3], [Complex64; 3]);

impl UnbalancedModel {
    /// The tables, from values by breadth-first position in each bus's own
    /// frame: phase and sequence voltages, the last sweep's subtree
    /// equivalents (which give each branch's series current) and each
    /// sequence's link currents.
    pub(super) fn results(
        &self,
        v_abc_own: &[[Complex64; 3]],
        v: &[[Complex64; 3]],
        j: &[[Complex64; 3]],
        link_current: &[Vec<Complex64>; 3],
        iterations: usize,
    ) -> UnbalancedFlow {
        let n = self.bus_count();
        let rot = self.root_rotation;
        // By bus (zero where the tree does not reach), turned by the root's
        // angle where it has one.
        let by_bus = |by_position: &[[Complex64; 3]]| -> Vec<[Complex64; 3]> {
            let position = &self.fused.position;
            (0..n)
                .map(|b| match by_position.get(position[b]) {
                    Some(x) if rot == Complex64::ONE => *x,
                    Some(x) => x.map(|x| x * rot),
                    None => [Complex64::ZERO; 3],
                })
                .collect()
        };
        let (v_abc, v_012) = (by_bus(v_abc_own), by_bus(v));
        let (lines, transformer) = self.branch_flows(v, j, link_current);
        // The root is position 0, in its own frame the root's: what its
        // trees draw.
        let mut ext_grid_mva = Complex64::ZERO;
        for s in 0..3 {
            ext_grid_mva += v[0][s] * self.fused.series(0, s, &v[0], v, j).conj();
        }
        UnbalancedFlow {
            iterations,
            v_abc,
            v_012,
            lines,
            transformer,
            ext_grid_mva: ext_grid_mva * BASE_MVA,
            low_voltage: (0..n)
                .map(|b| self.transformer.is_none_or(|(hv, _, _)| hv != b))
                .collect(),
        }
    }

    /// Each line's and the transformer's flows (zero where a line is open),
    /// in the lines' order.
    fn branch_flows(
        &self,
        v: &[[Complex64; 3]],
        j: &[[Complex64; 3]],
        link_current: &[Vec<Complex64>; 3],
    ) -> (Vec<PhaseFlow>, PhaseFlow) {
        let f = &self.fused;
        let line_count = self.line_max_i_ka.len();
        // A link joins two buses of one side (a cable never shifts): its
        // current is in their frame. Its sequences' ends, gathered first.
        let meshed = self.sequences.iter().any(|q| !q.links.is_empty());
        let mut link_ends: Vec<BranchEnds> = Vec::new();
        let mut link_of = vec![usize::MAX; if meshed { line_count } else { 0 }];
        for (s, (q, currents)) in self.sequences.iter().zip(link_current).enumerate() {
            for (l, c) in q.links.iter().zip(currents) {
                let (ka, kb) = (f.position[l.a], f.position[l.b]);
                if link_of[l.line] == usize::MAX {
                    link_of[l.line] = link_ends.len();
                    link_ends.push((ka, kb, [Complex64::ZERO; 3], [Complex64::ZERO; 3]));
                }
                let e = &mut link_ends[link_of[l.line]];
                e.2[s] = c + l.y_half * v[ka][s];
                e.3[s] = -c + l.y_half * v[kb][s];
            }
        }
        let lines = (0..line_count)
            .map(|l| {
                let ends = match f.line_at[l] {
                    usize::MAX => match link_of.get(l).and_then(|&at| link_ends.get(at)) {
                        Some(&ends) => ends,
                        None => return PhaseFlow::default(),
                    },
                    k => self.tree_ends(k, v, j),
                };
                let per_ka = 100.0 / self.line_max_i_ka[l];
                self.phase_flow(v, ends, [per_ka; 2])
            })
            .collect();
        let transformer = f.transformer_at.map_or_else(PhaseFlow::default, |k| {
            self.transformer_flow(v, self.tree_ends(k, v, j))
        });
        (lines, transformer)
    }

    /// The ends of the tree's branch from position k's parent to k, in
    /// its `from`-`to` order.
    #[inline(always)]
    fn tree_ends(&self, k: usize, v: &[[Complex64; 3]], j: &[[Complex64; 3]]) -> BranchEnds {
        let f = &self.fused;
        let parent_is_from = f.element[k].is_some_and(|(_, parent_is_from)| parent_is_from);
        let kp = f.parent[k];
        let [y_parent, y_child] = &f.ends_y[k];
        let mut at_parent = [Complex64::ZERO; 3];
        let mut at_child = [Complex64::ZERO; 3];
        if f.explicit && f.plain[k] {
            // The usual case: `j` holds the series currents, no turn.
            for s in 0..3 {
                let i = j[k][s];
                at_parent[s] = i + y_parent[s] * v[kp][s];
                at_child[s] = y_child[s] * v[k][s] - i;
            }
        } else {
            let above = f.above(v, k);
            // Into the parent's frame across a shift (the transformer).
            let back = match f.turn[k] {
                Some([t1, t2]) => [Complex64::ONE, t1.conj(), t2.conj()],
                None => [Complex64::ONE; 3],
            };
            for s in 0..3 {
                let i = if f.carries[k][s] {
                    f.series(k, s, &above, v, j)
                } else {
                    Complex64::ZERO
                };
                at_parent[s] = i * back[s] + y_parent[s] * v[kp][s];
                at_child[s] = -i + y_child[s] * v[k][s];
            }
        }
        if parent_is_from {
            (kp, k, at_parent, at_child)
        } else {
            (k, kp, at_child, at_parent)
        }
    }

    /// The transformer's flow; a Dyn transformer's earthed star carries
    /// the LV side's zero-sequence current to earth.
    fn transformer_flow(
        &self,
        v: &[[Complex64; 3]],
        (from, to, mut i_from, mut i_to): BranchEnds,
    ) -> PhaseFlow {
        let Some((hv, lv, params)) = self.transformer else {
            return PhaseFlow::default();
        };
        let position = &self.fused.position;
        if params.vector_group == VectorGroup::Dyn {
            // `from` is the HV side (the tree may run either way).
            let earth = self.transformer_earth * v[position[lv]][0];
            if from == position[hv] {
                (i_from[0], i_to[0]) = (Complex64::ZERO, earth);
            } else {
                (i_from[0], i_to[0]) = (earth, Complex64::ZERO);
            }
        }
        let per_ka = |k: usize| {
            let vn = if k == position[hv] {
                params.vn_hv_kv
            } else {
                params.vn_lv_kv
            };
            vn * 3f64.sqrt() / params.sn_mva * 100.0
        };
        self.phase_flow(v, (from, to, i_from, i_to), [per_ka(from), per_ka(to)])
    }

    /// A branch's phase currents, neutral currents, loading and powers from
    /// its ends' sequence currents; `rating` turns each end's phase
    /// currents (kA) into percent of what it may carry. Inlined, so that
    /// a line's square roots overlap the next line's arithmetic.
    #[inline(always)]
    fn phase_flow(
        &self,
        v: &[[Complex64; 3]],
        (from, to, seq_from, seq_to): BranchEnds,
        percent_per_ka: [f64; 2],
    ) -> PhaseFlow {
        let i_from = sequence_to_phase(seq_from);
        let i_to = sequence_to_phase(seq_to);
        // The eight magnitudes squared side by side, then their roots (in
        // pairs where the processor can). The neutral carries Ia + Ib + Ic
        // = 3 I0.
        let sqr = [
            i_from[0].norm_sqr(),
            i_from[1].norm_sqr(),
            i_from[2].norm_sqr(),
            (seq_from[0] * 3.0).norm_sqr(),
            i_to[0].norm_sqr(),
            i_to[1].norm_sqr(),
            i_to[2].norm_sqr(),
            (seq_to[0] * 3.0).norm_sqr(),
        ];
        let [fa, fb, fc, fn_, ta, tb, tc, tn] = sqr.map(f64::sqrt);
        let (base_from, base_to) = (self.fused.i_base_ka[from], self.fused.i_base_ka[to]);
        let i_from_ka = [fa, fb, fc].map(|i| i * base_from);
        let i_to_ka = [ta, tb, tc].map(|i| i * base_to);
        let mut loading_phase_percent = [0.0; 3];
        for k in 0..3 {
            loading_phase_percent[k] =
                (i_from_ka[k] * percent_per_ka[0]).max(i_to_ka[k] * percent_per_ka[1]);
        }
        // Power into the branch, V I* summed over the sequences.
        let power = |k: usize, i: [Complex64; 3]| {
            let v = v[k];
            (v[0] * i[0].conj() + v[1] * i[1].conj() + v[2] * i[2].conj()) * BASE_MVA
        };
        PhaseFlow {
            s_from_mva: power(from, seq_from),
            s_to_mva: power(to, seq_to),
            i_from_ka,
            i_to_ka,
            i_n_from_ka: fn_ * base_from,
            i_n_to_ka: tn * base_to,
            loading_phase_percent,
            loading_percent: loading_phase_percent[0]
                .max(loading_phase_percent[1])
                .max(loading_phase_percent[2]),
        }
    }
}
