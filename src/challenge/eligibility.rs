//! Whether a design may enter a challenge: what it changed from the
//! starting design, part by part, set against the tools allowed, their
//! caps, the locks and the budget.
//!
//! The comparison reads the two scenarios, not the edits that led from one
//! to the other, so a design made in the window, by a script or in a text
//! editor is judged alike.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::lang::tr;
use crate::scenario::{Feeder, House, Scenario, prices};
use crate::tr;

/// A build tool, as a challenge allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tool {
    /// Add a house, or change one's demand.
    House,
    /// Add or change rooftop PV.
    Pv,
    /// Add or change a home battery.
    Battery,
    /// Add or change an electric car.
    Car,
    /// Add or change a wind turbine.
    Turbine,
    /// Lay or change a cable (and the bus at its end).
    Cable,
    /// Open or close a cable's switch.
    Switch,
    /// Move a house, turbine or bus.
    Move,
    /// Take a part away.
    Remove,
    /// Change the transformer.
    Transformer,
    /// Change the energy-management strategy.
    Controller,
    /// Change the local market.
    Market,
}

impl Tool {
    /// Every tool, in the toolbox's order.
    pub const ALL: [Tool; 12] = [
        Tool::House,
        Tool::Pv,
        Tool::Battery,
        Tool::Car,
        Tool::Turbine,
        Tool::Cable,
        Tool::Switch,
        Tool::Move,
        Tool::Remove,
        Tool::Transformer,
        Tool::Controller,
        Tool::Market,
    ];

    /// Its name for people, in the language in force.
    pub fn label(self) -> &'static str {
        tr(match self {
            Tool::House => "challenge.tool_house",
            Tool::Pv => "challenge.tool_pv",
            Tool::Battery => "challenge.tool_battery",
            Tool::Car => "challenge.tool_car",
            Tool::Turbine => "challenge.tool_turbine",
            Tool::Cable => "challenge.tool_cable",
            Tool::Switch => "challenge.tool_switch",
            Tool::Move => "challenge.tool_move",
            Tool::Remove => "challenge.tool_remove",
            Tool::Transformer => "challenge.tool_transformer",
            Tool::Controller => "challenge.tool_controller",
            Tool::Market => "challenge.tool_market",
        })
    }
}

/// How many times each tool was used, and on what.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolUse(pub BTreeMap<Tool, Vec<String>>);

impl ToolUse {
    fn add(&mut self, tool: Tool, what: impl Into<String>) {
        self.0.entry(tool).or_default().push(what.into());
    }

    /// Times `tool` was used.
    pub fn count(&self, tool: Tool) -> u32 {
        self.0.get(&tool).map_or(0, |v| v.len() as u32)
    }
}

/// What turning `before` into `after` used, tool by tool (both scenarios
/// expanded, as built).
pub fn tools_used(before: &Scenario, after: &Scenario) -> ToolUse {
    let mut used = ToolUse::default();
    let old_houses: BTreeMap<&str, &House> =
        before.houses.iter().map(|h| (h.name.as_str(), h)).collect();
    let new_houses: BTreeMap<&str, &House> =
        after.houses.iter().map(|h| (h.name.as_str(), h)).collect();
    for (name, h) in &new_houses {
        match old_houses.get(name) {
            None => {
                used.add(Tool::House, *name);
                if h.pv.is_some() {
                    used.add(Tool::Pv, *name);
                }
                if h.battery.is_some() {
                    used.add(Tool::Battery, *name);
                }
                if h.ev.is_some() {
                    used.add(Tool::Car, *name);
                }
            }
            Some(old) => {
                let part =
                    |used: &mut ToolUse, tool, was: bool, is: bool, same: bool| match (was, is) {
                        (true, false) => used.add(Tool::Remove, format!("{tool:?} of {name}")),
                        (_, true) if !same => used.add(tool, *name),
                        _ => {}
                    };
                part(
                    &mut used,
                    Tool::Pv,
                    old.pv.is_some(),
                    h.pv.is_some(),
                    unlocked(&old.pv) == unlocked(&h.pv),
                );
                part(
                    &mut used,
                    Tool::Battery,
                    old.battery.is_some(),
                    h.battery.is_some(),
                    unlocked(&old.battery) == unlocked(&h.battery),
                );
                part(
                    &mut used,
                    Tool::Car,
                    old.ev.is_some(),
                    h.ev.is_some(),
                    unlocked(&old.ev) == unlocked(&h.ev),
                );
                if old.position_m != h.position_m || old.bus != h.bus {
                    used.add(Tool::Move, *name);
                }
                if old.annual_kwh != h.annual_kwh
                    || old.critical_share != h.critical_share
                    || old.power_factor != h.power_factor
                    || old.phase != h.phase
                {
                    used.add(Tool::House, *name);
                }
            }
        }
    }
    for name in old_houses.keys().filter(|n| !new_houses.contains_key(*n)) {
        used.add(Tool::Remove, *name);
    }
    let old_t: BTreeMap<&str, _> = before
        .wind_turbines
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    let new_t: BTreeMap<&str, _> = after
        .wind_turbines
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    for (name, t) in &new_t {
        match old_t.get(name) {
            None => used.add(Tool::Turbine, *name),
            Some(old) => {
                if old.model != t.model || old.hub_height_m != t.hub_height_m {
                    used.add(Tool::Turbine, *name);
                }
                if old.position_m != t.position_m || old.bus != t.bus {
                    used.add(Tool::Move, *name);
                }
            }
        }
    }
    for name in old_t.keys().filter(|n| !new_t.contains_key(*n)) {
        used.add(Tool::Remove, *name);
    }
    let buses = |s: &Scenario| -> BTreeMap<String, Option<crate::scenario::Position>> {
        s.feeders
            .iter()
            .flat_map(|f| &f.buses)
            .map(|b| (b.name.clone(), b.position_m))
            .collect()
    };
    let (old_b, new_b) = (buses(before), buses(after));
    for (name, at) in &new_b {
        match old_b.get(name) {
            None => {}
            Some(was) if was != at => used.add(Tool::Move, name.clone()),
            Some(_) => {}
        }
    }
    for name in old_b.keys().filter(|n| !new_b.contains_key(*n)) {
        used.add(Tool::Remove, name.clone());
    }
    cable_uses(before, after, &mut used);
    if before.grid.transformer != after.grid.transformer {
        used.add(Tool::Transformer, after.grid.transformer.clone());
    }
    if before.controller != after.controller {
        used.add(Tool::Controller, format!("{:?}", after.controller.strategy));
    }
    if before.market != after.market {
        used.add(Tool::Market, format!("{:?}", after.market.mechanism));
    }
    used
}

/// Each pair of buses' cables (type, length, closed), before and after.
type Cables = BTreeMap<(String, String), Vec<(String, f64, bool)>>;

/// The cables of `s` by the pair of buses they join.
fn cables_by_pair(s: &Scenario) -> Cables {
    let mut out = Cables::new();
    for l in s.feeders.iter().flat_map(|f| &f.lines) {
        let key = if l.from <= l.to {
            (l.from.clone(), l.to.clone())
        } else {
            (l.to.clone(), l.from.clone())
        };
        let closed = !matches!(l.switch, Some(crate::scenario::SwitchState::Open));
        out.entry(key)
            .or_default()
            .push((l.cable.clone(), l.length_m, closed));
    }
    out
}

/// The cable, switch and remove tools' uses between each pair of buses:
/// a cable kept as it was uses nothing; one kept (same type and length)
/// but opened or closed uses the switch tool; every new cable, beside one
/// or not, and every cable of another type or length is one use of the
/// cable tool (and of the switch tool as well if it is opened or closed
/// with it); cables fewer than before are removals.
fn cable_uses(before: &Scenario, after: &Scenario, used: &mut ToolUse) {
    let (old_l, new_l) = (cables_by_pair(before), cables_by_pair(after));
    for (key, new) in &new_l {
        let what = format!("{} - {}", key.0, key.1);
        let mut old = old_l.get(key).cloned().unwrap_or_default();
        let mut new = new.clone();
        // The same cable in the same state first, then the same cable
        // switched: a pair's cables match whatever their order.
        for same_state in [true, false] {
            new.retain(|n| {
                let found = old
                    .iter()
                    .position(|o| o.0 == n.0 && o.1 == n.1 && (o.2 == n.2 || !same_state));
                match found {
                    Some(i) => {
                        if old.remove(i).2 != n.2 {
                            used.add(Tool::Switch, what.clone());
                        }
                        false
                    }
                    None => true,
                }
            });
        }
        // What is left is laid anew, in place of what was there as far as it goes.
        for (k, n) in new.iter().enumerate() {
            used.add(Tool::Cable, what.clone());
            if old.get(k).is_some_and(|o| o.2 != n.2) {
                used.add(Tool::Switch, what.clone());
            }
        }
        for _ in new.len()..old.len() {
            used.add(Tool::Remove, what.clone());
        }
    }
    for key in old_l.keys().filter(|k| !new_l.contains_key(*k)) {
        used.add(Tool::Remove, format!("{} - {}", key.0, key.1));
    }
}

/// A copy with its lock flag off (locks are the challenge's, not the design's).
fn unlocked<T: Clone + Lockable>(part: &Option<T>) -> Option<T> {
    part.clone().map(|mut p| {
        p.unlock();
        p
    })
}

/// A part with a lock flag.
trait Lockable {
    fn unlock(&mut self);
}

macro_rules! lockable {
    ($($t:ty),*) => {$(
        impl Lockable for $t {
            fn unlock(&mut self) {
                self.locked = false;
            }
        }
    )*};
}
lockable!(
    crate::scenario::Pv,
    crate::scenario::Battery,
    crate::scenario::Ev,
    House,
    crate::scenario::WindTurbine,
    Feeder
);

fn bare_house(h: &House) -> House {
    let mut h = h.clone();
    h.unlock();
    h.pv = unlocked(&h.pv);
    h.battery = unlocked(&h.battery);
    h.ev = unlocked(&h.ev);
    h
}

/// What makes `design` ineligible for a challenge whose starting design is
/// `start`, in words (empty: eligible). `design` has the challenge's
/// fixed settings (seed, start, events, budget) already.
pub fn reasons(
    start: &Scenario,
    design: &Scenario,
    challenge: &super::Challenge,
) -> (Vec<String>, f64, ToolUse) {
    let mut out = Vec::new();
    let used = tools_used(start, design);
    // Settings the build tools do not change.
    let fixed: [(&str, bool); 10] = [
        (
            "challenge.fixed_location",
            start.location == design.location,
        ),
        (
            "challenge.fixed_grid_voltage",
            start.grid.vm_pu == design.grid.vm_pu && start.grid.mv_kv == design.grid.mv_kv,
        ),
        (
            "challenge.fixed_grid_strength",
            start.grid.strength() == design.grid.strength() && start.phases == design.phases,
        ),
        (
            "challenge.fixed_cable_types",
            start.cable_types == design.cable_types,
        ),
        (
            "challenge.fixed_transformer_types",
            start.transformer_types == design.transformer_types,
        ),
        ("challenge.fixed_weather", start.weather == design.weather),
        (
            "challenge.fixed_ev_charging",
            start.ev_charging == design.ev_charging,
        ),
        ("challenge.fixed_tariff", start.tariff == design.tariff),
        ("challenge.fixed_prices", start.prices == design.prices),
        (
            "challenge.fixed_feeders",
            start
                .feeders
                .iter()
                .map(|f| &f.name)
                .collect::<BTreeSet<_>>()
                == design
                    .feeders
                    .iter()
                    .map(|f| &f.name)
                    .collect::<BTreeSet<_>>(),
        ),
    ];
    for (what, same) in fixed {
        if !same {
            out.push(tr(what).to_owned());
        }
    }
    // Locks.
    for h in start.houses.iter() {
        let after = design.houses.iter().find(|d| d.name == h.name);
        let broken = match after {
            None => {
                h.locked
                    || [
                        h.pv.map(|p| p.locked),
                        h.battery.map(|b| b.locked),
                        h.ev.map(|e| e.locked),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|l| l)
            }
            Some(d) => {
                let part_kept = |was: Option<bool>, same: bool| was != Some(true) || same;
                if h.locked {
                    bare_house(h) != bare_house(d)
                } else {
                    !(part_kept(h.pv.map(|p| p.locked), unlocked(&h.pv) == unlocked(&d.pv))
                        && part_kept(
                            h.battery.map(|p| p.locked),
                            unlocked(&h.battery) == unlocked(&d.battery),
                        )
                        && part_kept(h.ev.map(|p| p.locked), unlocked(&h.ev) == unlocked(&d.ev)))
                }
            }
        };
        if broken {
            out.push(tr!("challenge.reason_locked_house", name = h.name));
        }
    }
    for t in start.wind_turbines.iter().filter(|t| t.locked) {
        let mut t = t.clone();
        t.unlock();
        let kept = design.wind_turbines.iter().any(|d| {
            let mut d = d.clone();
            d.unlock();
            d == t
        });
        if !kept {
            out.push(tr!("challenge.reason_locked_turbine", name = t.name));
        }
    }
    for f in start.feeders.iter().filter(|f| f.locked) {
        let kept = design
            .feeders
            .iter()
            .find(|d| d.name == f.name)
            .is_some_and(|d| {
                f.buses.iter().all(|b| d.buses.contains(b))
                    && f.lines.iter().all(|l| d.lines.contains(l))
            });
        if !kept {
            out.push(tr!("challenge.reason_locked_feeder", name = f.name));
        }
    }
    if start.grid.locked && start.grid.transformer != design.grid.transformer {
        out.push(tr("challenge.reason_locked_transformer").to_owned());
    }
    // Parts that exist: lengths, product ranges, no second cable unasked.
    out.extend(super::realism::reasons(
        start,
        design,
        challenge.parallel_cables,
    ));
    // Tools and caps.
    for (tool, parts) in &used.0 {
        if !challenge.tools.contains(tool) {
            out.push(tr!(
                "challenge.reason_tool_not_allowed",
                tool = tool.label(),
                parts = list(parts)
            ));
        } else if let Some(&cap) = challenge.caps.get(tool)
            && parts.len() as u32 > cap
        {
            out.push(tr!(
                "challenge.reason_over_cap",
                tool = tool.label(),
                n = parts.len(),
                cap = cap
            ));
        }
    }
    // Budget, at the starting design's prices.
    let mut priced = design.clone();
    priced.prices = start.prices.clone();
    let spent = prices::spending(start, &priced).total();
    if spent > challenge.budget_eur + 0.5 {
        out.push(tr!(
            "challenge.reason_over_budget",
            spent = crate::lang::eur(spent),
            budget = crate::lang::eur(challenge.budget_eur)
        ));
    }
    (out, spent, used)
}

/// The first few names of a list, and how many more.
fn list(parts: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut s = parts
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if parts.len() > SHOWN {
        s.push_str(&tr!("challenge.and_more", n = parts.len() - SHOWN));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Challenge 02's starting design, as built.
    fn start() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenes/challenges/02-keep-the-lights-on.challenge.ron");
        let prepared = super::super::Prepared::load(&path).unwrap_or_else(|e| panic!("{e:?}"));
        prepared.start.scenario.clone()
    }

    #[test]
    fn a_cable_beside_one_of_another_type_is_one_use_of_the_cable_tool() {
        let before = start();
        let first = before.feeders[0].lines[1].clone();
        // Beside S1 - S2, a thinner cable.
        let mut beside = before.clone();
        let mut thin = first.clone();
        thin.cable = "NAYY 4x50 SE".into();
        beside.feeders[0].lines.push(thin.clone());
        let used = tools_used(&before, &beside);
        assert_eq!(used.count(Tool::Cable), 1, "{used:?}");
        assert_eq!(used.count(Tool::Remove), 0, "{used:?}");
        // Beside it, the same type: one use too.
        let mut same = before.clone();
        same.feeders[0].lines.push(first.clone());
        assert_eq!(tools_used(&before, &same).count(Tool::Cable), 1);
        // Put in its place: one use, nothing removed.
        let mut swapped = before.clone();
        swapped.feeders[0].lines[1] = thin;
        let used = tools_used(&before, &swapped);
        assert_eq!((used.count(Tool::Cable), used.count(Tool::Remove)), (1, 0));
        // One of two taken away again is a removal; opening one is a switch.
        let used = tools_used(&beside, &before);
        assert_eq!((used.count(Tool::Cable), used.count(Tool::Remove)), (0, 1));
        let mut opened = before.clone();
        opened.feeders[0].lines[1].switch = Some(crate::scenario::SwitchState::Open);
        let used = tools_used(&before, &opened);
        assert_eq!((used.count(Tool::Cable), used.count(Tool::Switch)), (0, 1));
        // Another type, laid open: the cable tool and the switch tool.
        let mut swapped_open = swapped.clone();
        swapped_open.feeders[0].lines[1].switch = Some(crate::scenario::SwitchState::Open);
        let used = tools_used(&before, &swapped_open);
        assert_eq!((used.count(Tool::Cable), used.count(Tool::Switch)), (1, 1));
        // Of two alike, the open one taken away, or the closed one: a
        // removal and nothing else, whichever way round they are listed.
        let mut two = opened.clone();
        two.feeders[0].lines.push(first.clone());
        for after in [&opened, &before] {
            let used = tools_used(&two, after);
            assert_eq!(
                (used.count(Tool::Remove), used.count(Tool::Switch)),
                (1, 0),
                "{used:?}"
            );
        }
    }
}
