//! Who supplied whom: matching local trades along the feeder, and
//! curtailing a trade that a cable's limit could not carry.
//!
//! Matching is by electrical distance through the feeder's tree: on a
//! meshed network the tree of least cable impedance from the transformer. Walking the
//! buses from the ends of the streets towards the transformer, surplus and
//! deficit meet at the deepest bus they share: neighbours on one bus first,
//! then along the same branch, then across the busbar. At each meeting bus
//! the participants nearest to it (least cable impedance) are paired first.
//! This is how power spreads on a radial feeder - a house's surplus serves
//! the loads around it before it travels further - and it costs about one
//! pass over the tree per interval, so it scales to the 20,000-house limit,
//! where a pairwise search over all sellers and buyers would not. Pro rata
//! matching (every seller to every buyer) was the alternative; it gives
//! sellers x buyers trades per interval and says nothing about the cables.
//!
//! Trades are financial: the power flow carries the real flows. A trade whose
//! path crosses a cable loaded above its rating, in the trade's direction, in
//! the interval is curtailed to the share the cable could carry (rating over
//! the peak loading); the rest is settled with the grid instead.

use std::cmp::Reverse;

use crate::network::Network;

/// A local trade.
#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    /// Participant who sold.
    pub seller: usize,
    /// Participant who bought.
    pub buyer: usize,
    /// Energy, kWh (after curtailment).
    pub kwh: f64,
    /// Price, EUR/kWh.
    pub price_eur_per_kwh: f64,
    /// Energy the cables could not carry, settled with the grid instead, kWh.
    pub curtailed_kwh: f64,
    /// Cable impedance between the two, ohm.
    pub distance_ohm: f64,
}

impl Trade {
    /// What the buyer pays the seller, EUR.
    pub fn money_eur(&self) -> f64 {
        self.kwh * self.price_eur_per_kwh
    }
}

/// A heap key: distance from the root, then the bus.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64, usize);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// The feeder as a tree rooted at the grid, for distances and paths.
#[derive(Debug, Clone, PartialEq)]
pub struct FeederTree {
    /// Each bus's parent bus and the line to it (`None` for the transformer
    /// edge and the root).
    parent: Vec<Option<(usize, Option<usize>)>>,
    /// Cable impedance magnitude from the root, ohm.
    depth_ohm: Vec<f64>,
    /// Edges from the root.
    level: Vec<u32>,
    /// Buses from the root outwards (by impedance from the root).
    order: Vec<usize>,
}

impl FeederTree {
    /// The tree of least cable impedance from the grid (the network itself
    /// when it is radial).
    pub fn new(network: &Network) -> Self {
        let n = network.buses.len();
        let mut adjacent: Vec<Vec<(usize, Option<usize>, f64)>> = vec![Vec::new(); n];
        for (i, line) in network
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.in_service())
        {
            let z = line.length_km * line.cable.r_ohm_per_km.hypot(line.cable.x_ohm_per_km);
            adjacent[line.from_bus].push((line.to_bus, Some(i), z));
            adjacent[line.to_bus].push((line.from_bus, Some(i), z));
        }
        let t = &network.transformer;
        adjacent[t.hv_bus].push((t.lv_bus, None, 0.0));
        adjacent[t.lv_bus].push((t.hv_bus, None, 0.0));
        let mut tree = Self {
            parent: vec![None; n],
            depth_ohm: vec![0.0; n],
            level: vec![0; n],
            order: Vec::with_capacity(n),
        };
        let mut seen = vec![false; n];
        let root = network.ext_grid.bus.min(n.saturating_sub(1));
        if n == 0 {
            return tree;
        }
        // Least cable impedance from the root (Dijkstra): on a radial
        // feeder the tree itself; on a meshed one each bus is reached the
        // way of least impedance, and trades follow those paths.
        let mut best = vec![f64::INFINITY; n];
        best[root] = 0.0;
        let mut heap = std::collections::BinaryHeap::new();
        heap.push(Reverse(Key(0.0, root)));
        while let Some(Reverse(Key(d, bus))) = heap.pop() {
            if seen[bus] {
                continue;
            }
            seen[bus] = true;
            tree.depth_ohm[bus] = d;
            tree.order.push(bus);
            for &(other, line, z) in &adjacent[bus] {
                if !seen[other] && d + z < best[other] {
                    best[other] = d + z;
                    tree.parent[other] = Some((bus, line));
                    tree.level[other] = tree.level[bus] + 1;
                    heap.push(Reverse(Key(d + z, other)));
                }
            }
        }
        tree
    }

    /// Cable impedance between two buses, ohm.
    pub fn distance_ohm(&self, a: usize, b: usize) -> f64 {
        let meet = self.meeting_bus(a, b);
        self.depth_ohm[a] + self.depth_ohm[b] - 2.0 * self.depth_ohm[meet]
    }

    /// The deepest bus on both buses' paths to the root.
    fn meeting_bus(&self, mut a: usize, mut b: usize) -> usize {
        while self.level[a] > self.level[b] {
            a = self.parent[a].map_or(a, |p| p.0);
        }
        while self.level[b] > self.level[a] {
            b = self.parent[b].map_or(b, |p| p.0);
        }
        while a != b {
            match (self.parent[a], self.parent[b]) {
                (Some(pa), Some(pb)) => (a, b) = (pa.0, pb.0),
                _ => break,
            }
        }
        a
    }

    /// The lines from bus `from` to bus `to`, each with whether the path runs
    /// along the line's own direction (its `from_bus` to its `to_bus`).
    pub fn path(&self, network: &Network, from: usize, to: usize) -> Vec<(usize, bool)> {
        let meet = self.meeting_bus(from, to);
        let mut path = self.climb(network, from, meet);
        // Going down is climbing backwards.
        let down = self.climb(network, to, meet);
        path.extend(down.into_iter().rev().map(|(l, along)| (l, !along)));
        path
    }

    /// The lines from `bus` up to its ancestor `top`, each with whether the
    /// climb runs along the line's own direction.
    fn climb(&self, network: &Network, mut bus: usize, top: usize) -> Vec<(usize, bool)> {
        let mut lines = Vec::new();
        while bus != top {
            let Some((parent, line)) = self.parent[bus] else {
                break;
            };
            if let Some(l) = line {
                lines.push((l, network.lines[l].from_bus == bus));
            }
            bus = parent;
        }
        lines
    }

    /// Pairs each kWh sold locally with a kWh bought locally, nearest first
    /// (see the module notes). `bus_of[p]` is participant `p`'s bus; returns
    /// (seller, buyer, kWh, distance in ohm).
    pub fn match_nearest(
        &self,
        bus_of: &[usize],
        sell_kwh: &[f64],
        buy_kwh: &[f64],
    ) -> Vec<(usize, usize, f64, f64)> {
        let n = self.parent.len();
        let mut sellers: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        let mut buyers: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for (p, &bus) in bus_of.iter().enumerate() {
            if bus >= n {
                continue;
            }
            if sell_kwh[p] > super::KWH_EPSILON {
                sellers[bus].push((p, sell_kwh[p]));
            }
            if buy_kwh[p] > super::KWH_EPSILON {
                buyers[bus].push((p, buy_kwh[p]));
            }
        }
        let nearest_first = |list: &mut Vec<(usize, f64)>| {
            list.sort_by(|a, b| {
                self.depth_ohm[bus_of[a.0]]
                    .total_cmp(&self.depth_ohm[bus_of[b.0]])
                    .then(a.0.cmp(&b.0))
            });
        };
        let mut trades = Vec::new();
        for &bus in self.order.iter().rev() {
            let mut s = std::mem::take(&mut sellers[bus]);
            let mut b = std::mem::take(&mut buyers[bus]);
            if !s.is_empty() && !b.is_empty() {
                nearest_first(&mut s);
                nearest_first(&mut b);
                let (mut i, mut j) = (0, 0);
                while i < s.len() && j < b.len() {
                    let q = s[i].1.min(b[j].1);
                    let (seller, buyer) = (s[i].0, b[j].0);
                    let distance = self.depth_ohm[bus_of[seller]] + self.depth_ohm[bus_of[buyer]]
                        - 2.0 * self.depth_ohm[bus];
                    trades.push((seller, buyer, q, distance));
                    s[i].1 -= q;
                    b[j].1 -= q;
                    if s[i].1 <= super::KWH_EPSILON {
                        i += 1;
                    }
                    if b[j].1 <= super::KWH_EPSILON {
                        j += 1;
                    }
                }
                s.drain(..i);
                b.drain(..j);
            }
            if let Some((parent, _)) = self.parent[bus] {
                sellers[parent].append(&mut s);
                buyers[parent].append(&mut b);
            }
        }
        trades
    }
}

/// The peak loading of each line in each direction over an interval.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineHeadroom {
    /// Peak loading with power flowing from the line's `from_bus` to its `to_bus`, percent.
    pub forward_percent: Vec<f64>,
    /// Peak loading with power flowing the other way, percent.
    pub backward_percent: Vec<f64>,
}

impl LineHeadroom {
    /// Empty peaks for `lines` lines.
    pub fn new(lines: usize) -> Self {
        Self {
            forward_percent: vec![0.0; lines],
            backward_percent: vec![0.0; lines],
        }
    }

    /// Notes one step's flow on line `line`: power entering at its `from`
    /// end `p_from_mw` and its loading.
    pub fn observe(&mut self, line: usize, p_from_mw: f64, loading_percent: f64) {
        let peak = if p_from_mw >= 0.0 {
            self.forward_percent.get_mut(line)
        } else {
            self.backward_percent.get_mut(line)
        };
        if let Some(peak) = peak {
            *peak = peak.max(loading_percent);
        }
    }

    /// Whether any line ran above its rating in the interval.
    pub fn any_overload(&self) -> bool {
        self.forward_percent
            .iter()
            .chain(&self.backward_percent)
            .any(|&p| p > 100.0)
    }

    /// Forgets the interval.
    pub fn clear(&mut self) {
        self.forward_percent.fill(0.0);
        self.backward_percent.fill(0.0);
    }

    /// Share of a trade along `path` (from [`FeederTree::path`]) the cables
    /// could carry: 1 unless a line on it ran above 100 % in the trade's direction.
    pub fn carried_share(&self, path: &[(usize, bool)]) -> f64 {
        path.iter()
            .map(|&(line, forward)| {
                let peak = if forward {
                    self.forward_percent[line]
                } else {
                    self.backward_percent[line]
                };
                if peak > 100.0 { 100.0 / peak } else { 1.0 }
            })
            .fold(1.0, f64::min)
    }
}

/// Matches the local volumes nearest first and curtails what the cables
/// could not carry; every trade at `price_eur_per_kwh`.
pub fn trades(
    network: &Network,
    tree: &FeederTree,
    headroom: &LineHeadroom,
    bus_of: &[usize],
    clearing: &super::Clearing,
) -> Vec<Trade> {
    // Paths are walked only when some cable ran above its rating.
    let overloaded = headroom.any_overload();
    tree.match_nearest(bus_of, &clearing.sell_kwh, &clearing.buy_kwh)
        .into_iter()
        .map(|(seller, buyer, kwh, distance_ohm)| {
            let share = if overloaded {
                headroom.carried_share(&tree.path(network, bus_of[seller], bus_of[buyer]))
            } else {
                1.0
            };
            Trade {
                seller,
                buyer,
                kwh: kwh * share,
                price_eur_per_kwh: clearing.local_price_eur_per_kwh,
                curtailed_kwh: kwh * (1.0 - share),
                distance_ohm,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Bus, CableType, ExtGrid, Line, Transformer, TransformerType};

    /// grid(0) - busbar(1); busbar - A(2) - B(3); busbar - C(4). Each cable 1 ohm.
    fn network() -> Network {
        let bus = |name: &str| Bus {
            name: name.into(),
            vn_kv: 0.4,
            position_m: None,
            feeder: None,
        };
        let cable = CableType {
            r_ohm_per_km: 0.6,
            x_ohm_per_km: 0.8,
            c_nf_per_km: 0.0,
            max_i_ka: 0.2,
            r0_ohm_per_km: None,
            x0_ohm_per_km: None,
            c0_nf_per_km: None,
        };
        let line = |from, to| Line {
            name: format!("{from}-{to}"),
            from_bus: from,
            to_bus: to,
            length_km: 1.0,
            cable_name: "test".into(),
            cable,
            switch_closed: None,
        };
        Network {
            buses: ["grid", "busbar", "A", "B", "C"].map(bus).to_vec(),
            lines: vec![line(1, 2), line(3, 2), line(1, 4)],
            transformer: Transformer {
                name: "T".into(),
                hv_bus: 0,
                lv_bus: 1,
                type_name: "t".into(),
                params: TransformerType {
                    sn_mva: 0.25,
                    vn_hv_kv: 10.0,
                    vn_lv_kv: 0.4,
                    vk_percent: 4.0,
                    vkr_percent: 1.2,
                    pfe_kw: 0.6,
                    i0_percent: 0.24,
                    shift_degree: 150.0,
                    vector_group: crate::network::VectorGroup::Dyn,
                    vk0_percent: None,
                    vkr0_percent: None,
                    mag0_percent: None,
                    mag0_rx: None,
                    si0_hv_partial: None,
                },
            },
            ext_grid: ExtGrid {
                bus: 0,
                vm_pu: 1.0,
                va_degree: 0.0,
                strength: Default::default(),
            },
        }
    }

    #[test]
    fn on_a_ring_trades_take_the_way_of_least_impedance() {
        // Close a ring C(4) - B(3) with a short cable (0.2 ohm): B is then
        // 1.2 ohm from the busbar through C, not 2 through A.
        let mut net = network();
        let mut short = net.lines[0].clone();
        (short.from_bus, short.to_bus, short.length_km) = (4, 3, 0.2);
        net.lines.push(short);
        let tree = FeederTree::new(&net);
        assert!((tree.distance_ohm(1, 3) - 1.2).abs() < 1e-12);
        assert_eq!(tree.path(&net, 1, 3), vec![(2, true), (3, true)]);
        // A stays on its own cable; A to B goes round by the busbar and C.
        assert!((tree.distance_ohm(2, 3) - 2.2).abs() < 1e-12);
        // An open switch on the short cable gives the radial tree back.
        net.lines[3].switch_closed = Some(false);
        let tree = FeederTree::new(&net);
        assert!((tree.distance_ohm(2, 3) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn distances_and_paths_follow_the_tree() {
        let net = network();
        let tree = FeederTree::new(&net);
        assert!((tree.distance_ohm(3, 4) - 3.0).abs() < 1e-12);
        assert!((tree.distance_ohm(2, 3) - 1.0).abs() < 1e-12);
        assert_eq!(tree.distance_ohm(4, 4), 0.0);
        // B -> C: up the line 3-2 (its own direction), up 1-2 (against), down 1-4 (along).
        assert_eq!(
            tree.path(&net, 3, 4),
            vec![(1, true), (0, false), (2, true)]
        );
        assert_eq!(
            tree.path(&net, 4, 3),
            vec![(2, false), (0, true), (1, false)]
        );
    }

    #[test]
    fn neighbours_on_a_branch_are_matched_first() {
        let net = network();
        let tree = FeederTree::new(&net);
        // Participants: 0 sells 2 at B, 1 buys 1 at A, 2 buys 2 at C.
        let bus_of = [3, 2, 4];
        let m = tree.match_nearest(&bus_of, &[2.0, 0.0, 0.0], &[0.0, 1.0, 1.0]);
        assert_eq!(m, vec![(0, 1, 1.0, 1.0), (0, 2, 1.0, 3.0)]);
        // Totals are kept whatever the order.
        let m = tree.match_nearest(&[2, 3, 4, 4], &[0.5, 0.0, 1.5, 0.0], &[0.0, 1.0, 0.0, 1.0]);
        let sold: f64 = m.iter().map(|t| t.2).sum();
        assert!((sold - 2.0).abs() < 1e-12);
        // Same bus first: C's seller serves C's buyer (distance 0).
        assert!(m.contains(&(2, 3, 1.0, 0.0)), "{m:?}");
    }

    #[test]
    fn an_overloaded_cable_curtails_trades_across_it() {
        let net = network();
        let tree = FeederTree::new(&net);
        let mut headroom = LineHeadroom::new(net.lines.len());
        // Line 1-4 ran at 125 % towards C, and at 300 % the other way.
        headroom.observe(2, 0.1, 125.0);
        headroom.observe(2, -0.1, 300.0);
        let clearing = crate::market::Clearing {
            local_price_eur_per_kwh: 0.2,
            sell_kwh: vec![2.0, 0.0],
            buy_kwh: vec![0.0, 2.0],
        };
        let t = trades(&net, &tree, &headroom, &[3, 4], &clearing);
        assert_eq!(t.len(), 1);
        assert!((t[0].kwh - 1.6).abs() < 1e-12 && (t[0].curtailed_kwh - 0.4).abs() < 1e-12);
        // Within branch A-B nothing crosses the overloaded line.
        let t = trades(&net, &tree, &headroom, &[3, 2], &clearing);
        assert_eq!((t[0].kwh, t[0].curtailed_kwh), (2.0, 0.0));
    }
}
