//! The solution's tables from the settled ladder. The ladder keeps each
//! bus's values in its own frame (as its phases see them): a physical
//! value is the own-frame value times the root's rotation. Magnitudes and
//! powers do not depend on the frame, so only the bus voltages are turned
//! (each branch's currents and powers come straight from the ladder's
//! values, in the frame of the end they are at).

use num_complex::Complex64;

use super::{Element, PhaseFlow, UnbalancedFlow, UnbalancedModel, VectorGroup, sequence_to_phase};
use crate::network::BASE_MVA;
use crate::network::powerflow::magnitude;

/// A branch's ends: its `from` and `to` buses and the sequence currents
/// into it at each, in the frame of the bus it is at.
type BranchEnds = (usize, usize, [Complex64; 3], [Complex64; 3]);

impl UnbalancedModel {
    /// The tables, from values by breadth-first position in each bus's own
    /// frame: phase and sequence voltages, each branch's series current
    /// (in its lower bus's frame; at a tree's root what its trees draw),
    /// and each sequence's link currents.
    pub(super) fn results(
        &self,
        v_abc_own: &[[Complex64; 3]],
        v: &[[Complex64; 3]],
        series: &[[Complex64; 3]],
        link_current: &[Vec<Complex64>; 3],
        iterations: usize,
    ) -> UnbalancedFlow {
        let n = self.bus_count();
        let rot = self.root_rotation;
        let (mut v_abc, mut v_012) = (vec![[Complex64::ZERO; 3]; n], vec![[Complex64::ZERO; 3]; n]);
        for (k, &bus) in self.order.iter().enumerate() {
            v_abc[bus] = v_abc_own[k].map(|x| x * rot);
            v_012[bus] = v[k].map(|x| x * rot);
        }
        let (lines, transformer) = self.branch_flows(v, series, link_current);
        // The root is position 0, in its own frame the root's.
        let ext_grid_mva = (0..3)
            .map(|s| v[0][s] * series[0][s].conj())
            .sum::<Complex64>()
            * BASE_MVA;
        UnbalancedFlow {
            iterations,
            v_abc,
            v_012,
            lines,
            transformer,
            ext_grid_mva,
            low_voltage: (0..n)
                .map(|b| self.transformer.is_none_or(|(hv, _, _)| hv != b))
                .collect(),
        }
    }

    /// Each line's and the transformer's flows (zero where a line is open).
    fn branch_flows(
        &self,
        v: &[[Complex64; 3]],
        series: &[[Complex64; 3]],
        link_current: &[Vec<Complex64>; 3],
    ) -> (Vec<PhaseFlow>, PhaseFlow) {
        let f = &self.fused;
        let mut lines = vec![PhaseFlow::default(); self.line_max_i_ka.len()];
        let mut transformer = PhaseFlow::default();
        for (k, &c) in self.order.iter().enumerate().skip(1) {
            let Some((el, parent_is_from)) = self.element[c] else {
                continue;
            };
            let (p, kp) = (self.parent[c], f.parent[k]);
            // Into the parent's frame across a shift (the transformer).
            let back = match f.turn[k] {
                Some([t1, t2]) => [Complex64::ONE, t1.conj(), t2.conj()],
                None => [Complex64::ONE; 3],
            };
            let mut at_parent = [Complex64::ZERO; 3];
            let mut at_child = [Complex64::ZERO; 3];
            for s in 0..3 {
                let q = &self.sequences[s];
                let i = if q.z[c].is_some() {
                    series[k][s]
                } else {
                    Complex64::ZERO
                };
                at_parent[s] = i * back[s] + q.y_parent_end[c] * v[kp][s];
                at_child[s] = -i + q.y_child_end[c] * v[k][s];
            }
            let ends = if parent_is_from {
                (p, c, at_parent, at_child)
            } else {
                (c, p, at_child, at_parent)
            };
            match el {
                Element::Line(l) => {
                    let per_ka = 100.0 / self.line_max_i_ka[l];
                    lines[l] = self.phase_flow(v, ends, [per_ka; 2]);
                }
                Element::Transformer => transformer = self.transformer_flow(v, ends),
            }
        }
        // A link joins two buses of one side (a cable never shifts): its
        // current is in their frame. Its sequences' ends, gathered first.
        let mut link_ends: Vec<BranchEnds> = Vec::new();
        let mut link_of = vec![usize::MAX; self.line_max_i_ka.len()];
        for (s, (q, currents)) in self.sequences.iter().zip(link_current).enumerate() {
            for (l, j) in q.links.iter().zip(currents) {
                if link_of[l.line] == usize::MAX {
                    link_of[l.line] = link_ends.len();
                    link_ends.push((l.a, l.b, [Complex64::ZERO; 3], [Complex64::ZERO; 3]));
                }
                let e = &mut link_ends[link_of[l.line]];
                let (ka, kb) = (f.position[l.a], f.position[l.b]);
                e.2[s] = j + l.y_half * v[ka][s];
                e.3[s] = -j + l.y_half * v[kb][s];
            }
        }
        for (line, &at) in link_of.iter().enumerate() {
            if let Some(&ends) = link_ends.get(at) {
                let per_ka = 100.0 / self.line_max_i_ka[line];
                lines[line] = self.phase_flow(v, ends, [per_ka; 2]);
            }
        }
        (lines, transformer)
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
        if params.vector_group == VectorGroup::Dyn {
            // `from` is the HV side (the tree may run either way).
            let earth = self.transformer_earth * v[self.fused.position[lv]][0];
            if from == hv {
                (i_from[0], i_to[0]) = (Complex64::ZERO, earth);
            } else {
                (i_from[0], i_to[0]) = (earth, Complex64::ZERO);
            }
        }
        let per_ka = |bus: usize| {
            let vn = if bus == hv {
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
    /// currents (kA) into percent of what it may carry.
    fn phase_flow(
        &self,
        v: &[[Complex64; 3]],
        (from, to, seq_from, seq_to): BranchEnds,
        percent_per_ka: [f64; 2],
    ) -> PhaseFlow {
        let i_from = sequence_to_phase(seq_from);
        let i_to = sequence_to_phase(seq_to);
        let (base_from, base_to) = (self.i_base_ka[from], self.i_base_ka[to]);
        let i_from_ka = i_from.map(|i| magnitude(i) * base_from);
        let i_to_ka = i_to.map(|i| magnitude(i) * base_to);
        let mut loading_phase_percent = [0.0; 3];
        for k in 0..3 {
            loading_phase_percent[k] =
                (i_from_ka[k] * percent_per_ka[0]).max(i_to_ka[k] * percent_per_ka[1]);
        }
        // Power into the branch, V I* summed over the sequences.
        let power = |bus: usize, i: [Complex64; 3]| {
            let v = v[self.fused.position[bus]];
            (v[0] * i[0].conj() + v[1] * i[1].conj() + v[2] * i[2].conj()) * BASE_MVA
        };
        PhaseFlow {
            s_from_mva: power(from, seq_from),
            s_to_mva: power(to, seq_to),
            i_from_ka,
            i_to_ka,
            i_n_from_ka: magnitude(i_from[0] + i_from[1] + i_from[2]) * base_from,
            i_n_to_ka: magnitude(i_to[0] + i_to[1] + i_to[2]) * base_to,
            loading_phase_percent,
            loading_percent: loading_phase_percent[0]
                .max(loading_phase_percent[1])
                .max(loading_phase_percent[2]),
        }
    }
}
