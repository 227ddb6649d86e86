//! `microgrid import`: a pandapower network (`pandapower.to_json`) as a
//! scenario. Buses, lines with their parameters, the one transformer (its
//! HV side the grid connection), the external grid's voltage, loads as
//! houses, static generators as rooftop PV, storage as home batteries, and
//! line switches (open ones honoured). What the sandbox cannot model is
//! refused with the element named.
//!
//! The rules (docs/import.md):
//! - a load becomes a house on its bus; its `p_mw` is taken as the house's
//!   peak on the BDEW H0 profile, so its yearly demand is `p_mw` times the
//!   profile's full-load hours (its yearly energy over its peak);
//!   `q_mvar` gives the power factor;
//! - a static generator becomes PV of `sn_mva` (else `p_mw`) on a house at
//!   its bus (a house of no demand when the bus has none free);
//! - a storage unit becomes a battery of `max_e_mwh`, rated at `sn_mva`
//!   (else `|p_mw|`, else a two-hour rating), likewise;
//! - a line out of service, or with an open switch, is a cable with an open switch;
//! - bus positions come from the `geo` column (degrees are projected to
//!   metres), else from a tree layout: each feeder fans out from the
//!   busbar, 25 m a cable, its branches stacked 15 m apart.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::Value;

use super::{
    Battery, BusSpec, CableSpec, Feeder, GridConnection, House, LV_BUSBAR_NAME, LineSpec, Location,
    Position, Pv, Scenario, SwitchState, TransformerSpec,
};

/// A pandapower table in pandas' "split" orientation.
struct Table {
    columns: Vec<String>,
    index: Vec<i64>,
    data: Vec<Vec<Value>>,
}

impl Table {
    fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    fn rows(&self) -> usize {
        self.data.len()
    }

    /// A number in row `r`, column `name` (none when missing or null).
    fn num(&self, r: usize, name: &str) -> Option<f64> {
        let c = self.col(name)?;
        self.data.get(r)?.get(c)?.as_f64()
    }

    fn text(&self, r: usize, name: &str) -> Option<String> {
        let c = self.col(name)?;
        self.data
            .get(r)?
            .get(c)?
            .as_str()
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    }

    fn flag(&self, r: usize, name: &str) -> Option<bool> {
        let c = self.col(name)?;
        self.data.get(r)?.get(c)?.as_bool()
    }

    /// An optional number (a missing column, null or NaN is none), held to
    /// the range a scenario file would be.
    fn optional(
        &self,
        table: &str,
        r: usize,
        name: &str,
        min: f64,
        max: f64,
    ) -> Result<Option<f64>, String> {
        self.num(r, name)
            .filter(|x| !x.is_nan())
            .map(|x| {
                super::checked::in_range(x, min, max, name).map_err(|why| {
                    format!(
                        "{table} {}: {why}",
                        self.index.get(r).copied().unwrap_or(r as i64)
                    )
                })
            })
            .transpose()
    }

    /// A required number, or why it is missing.
    fn need(&self, table: &str, r: usize, name: &str) -> Result<f64, String> {
        self.num(r, name).filter(|x| x.is_finite()).ok_or_else(|| {
            format!(
                "{table} {} has no number in its column \"{name}\"",
                self.index.get(r).copied().unwrap_or(r as i64)
            )
        })
    }
}

/// The active and reactive power of each phase of an asymmetric element, MW and Mvar.
fn phase_powers(t: &Table, table: &str, r: usize) -> Result<([f64; 3], [f64; 3]), String> {
    let mut p = [0.0; 3];
    let mut q = [0.0; 3];
    for (k, phase) in ["a", "b", "c"].iter().enumerate() {
        p[k] = t.need(table, r, &format!("p_{phase}_mw"))?;
        q[k] = t
            .num(r, &format!("q_{phase}_mvar"))
            .filter(|x| x.is_finite())
            .unwrap_or(0.0);
    }
    Ok((p, q))
}

/// The one phase a per-phase power uses, or three-phase if it uses more.
fn one_phase(p: &[f64; 3]) -> super::Phase {
    use super::Phase;
    match p.map(|x| x.abs() > 1e-12) {
        [true, false, false] => Phase::A,
        [false, true, false] => Phase::B,
        [false, false, true] => Phase::C,
        _ => Phase::Three,
    }
}

/// Whether an imported value is the one the sandbox would derive anyway.
fn same(given: Option<f64>, derived: f64) -> bool {
    given.is_some_and(|g| (g - derived).abs() <= 1e-9 * derived.abs().max(1.0))
}

/// The cable with the zero-sequence values it would get anyway left out,
/// so a network exported by `powerflow --json` imports as it was.
fn without_default_zero_sequence(mut c: CableSpec) -> CableSpec {
    let (r0, x0, c0) = crate::network::CableType::from(CableSpec {
        r0_ohm_per_km: None,
        x0_ohm_per_km: None,
        c0_nf_per_km: None,
        ..c
    })
    .zero_sequence();
    for (given, derived) in [
        (&mut c.r0_ohm_per_km, r0),
        (&mut c.x0_ohm_per_km, x0),
        (&mut c.c0_nf_per_km, c0),
    ] {
        if same(*given, derived) {
            *given = None;
        }
    }
    c
}

/// The transformer with the zero-sequence values it would get anyway left out.
fn without_default_transformer_zero_sequence(mut t: TransformerSpec) -> TransformerSpec {
    use crate::network::catalogue::{MAG0_PERCENT, SI0_HV_PARTIAL};
    for (given, derived) in [
        (&mut t.vk0_percent, t.vk_percent),
        (&mut t.vkr0_percent, t.vkr_percent),
        (&mut t.mag0_percent, MAG0_PERCENT),
        (&mut t.mag0_rx, 0.0),
        (&mut t.si0_hv_partial, SI0_HV_PARTIAL),
    ] {
        if same(*given, derived) {
            *given = None;
        }
    }
    t
}

/// A transformer's vector group by pandapower's name (`Dyn`, `Dyn5`,
/// `YNyn`, `YNyn0`; none means Dyn), or why the sandbox cannot model it.
fn vector_group(name: Option<&str>) -> Result<crate::network::VectorGroup, String> {
    use crate::network::VectorGroup;
    let Some(name) = name else {
        return Ok(VectorGroup::Dyn);
    };
    let letters = name.trim_end_matches(|c: char| c.is_ascii_digit());
    match letters.to_ascii_lowercase().as_str() {
        "dyn" => Ok(VectorGroup::Dyn),
        "ynyn" => Ok(VectorGroup::YNyn),
        _ => Err(format!(
            "the transformer's vector group \"{name}\" is not one the sandbox models; it models Dyn and YNyn"
        )),
    }
}

fn table(net: &serde_json::Map<String, Value>, name: &str) -> Result<Option<Table>, String> {
    let Some(t) = net.get(name) else {
        return Ok(None);
    };
    // `microgrid powerflow --json` writes each table as a list of records.
    if let Some(records) = t.as_array() {
        let mut columns: Vec<String> = Vec::new();
        for r in records.iter().filter_map(Value::as_object) {
            for k in r.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
        let data = records
            .iter()
            .map(|r| {
                columns
                    .iter()
                    .map(|c| r.get(c).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        return Ok(Some(Table {
            columns,
            index: (0..records.len() as i64).collect(),
            data,
        }));
    }
    let inner = t.get("_object").and_then(Value::as_str).ok_or_else(|| {
        format!("the table \"{name}\" is not a pandas DataFrame as pandapower writes it")
    })?;
    let v: Value = serde_json::from_str(inner)
        .map_err(|e| format!("the table \"{name}\" is not readable JSON ({e})"))?;
    let strings = |key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let columns = strings("columns");
    let index = v
        .get("index")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let data: Vec<Vec<Value>> = v
        .get("data")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .map(|r| r.as_array().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(Table {
        columns,
        index,
        data,
    }))
}

fn required(net: &serde_json::Map<String, Value>, name: &str) -> Result<Table, String> {
    table(net, name)?.ok_or_else(|| {
        format!("the network has no \"{name}\" table; write it with pandapower.to_json(net, path)")
    })
}

/// Rows of a table that are in service.
fn in_service(t: &Table) -> Vec<usize> {
    (0..t.rows())
        .filter(|&r| t.flag(r, "in_service").unwrap_or(true))
        .collect()
}

/// Yearly demand per kW of peak on the BDEW H0 profile (its full-load hours).
pub fn h0_full_load_hours() -> f64 {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let peak = (0..365 * 96)
        .map(|k| {
            crate::physics::demand::household_kw(1000.0, start + chrono::Duration::minutes(15 * k))
        })
        .fold(0.0, f64::max);
    if peak > 0.0 { 1000.0 / peak } else { 1000.0 }
}

/// The scenario a pandapower network describes, or why it cannot be one.
pub fn import(text: &str, name: &str) -> Result<Scenario, String> {
    import_with(text, name, None)
}

/// As [`import`], of the part of the network behind one of its
/// transformers (by name or index) when it has several.
pub fn import_with(text: &str, name: &str, transformer: Option<&str>) -> Result<Scenario, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "line {}, column {}: this is not JSON ({e}); export the network with pandapower.to_json",
            e.line(),
            e.column()
        )
    })?;
    // pandapower's own file, or the tables `microgrid powerflow --json` writes.
    let own = root
        .get("_object")
        .and_then(Value::as_object)
        .filter(|_| root.get("_class").and_then(Value::as_str) == Some("pandapowerNet"));
    let case = root.as_object().filter(|o| {
        o.get("bus").is_some_and(Value::is_array) && o.get("line").is_some_and(Value::is_array)
    });
    let net = own.or(case).ok_or(
        "this JSON is not a pandapower network (no pandapowerNet object); write it with pandapower.to_json",
    )?;
    // What the sandbox cannot model, named.
    for (t, what) in [
        ("trafo3w", "three-winding transformers"),
        ("gen", "voltage-controlled generators (gen)"),
        ("impedance", "impedance elements"),
        ("ward", "ward equivalents"),
        ("xward", "extended ward equivalents"),
        ("dcline", "DC lines"),
        ("shunt", "shunts"),
        ("motor", "motors"),
    ] {
        if let Some(tab) = table(net, t)?
            && !in_service(&tab).is_empty()
        {
            return Err(format!(
                "the network has {} in its \"{t}\" table; the sandbox has none of {what}: take them out or replace them",
                in_service(&tab).len()
            ));
        }
    }
    let bus = required(net, "bus")?;
    let line = required(net, "line")?;
    let trafo = required(net, "trafo")?;
    let ext_grid = required(net, "ext_grid")?;
    // Closed bus-bus switches join their buses into one; open ones cannot be modelled.
    let switches = table(net, "switch")?;
    let mut alias: HashMap<i64, i64> = HashMap::new();
    if let Some(sw) = &switches {
        for r in 0..sw.rows() {
            if sw.text(r, "et").as_deref() == Some("b") {
                if !sw.flag(r, "closed").unwrap_or(true) {
                    return Err(format!(
                        "switch {} is an open bus-bus switch; the sandbox has switches on cables only",
                        sw.index[r]
                    ));
                }
                let a = sw.need("switch", r, "bus")? as i64;
                let b = sw.need("switch", r, "element")? as i64;
                let (ra, rb) = (root_of(&alias, a), root_of(&alias, b));
                if ra != rb {
                    alias.insert(ra.max(rb), ra.min(rb));
                }
            }
        }
    }
    let find = |id: i64| root_of(&alias, id);
    let all = in_service(&trafo);
    let label = |r: usize| {
        format!(
            "{} \"{}\"",
            trafo.index[r],
            trafo.text(r, "name").unwrap_or_default()
        )
    };
    let trafos: Vec<usize> = match transformer {
        None => all.clone(),
        Some(pick) => all
            .iter()
            .copied()
            .filter(|&r| {
                trafo.index[r].to_string() == pick || trafo.text(r, "name").as_deref() == Some(pick)
            })
            .collect(),
    };
    if trafos.len() != 1 {
        let list: Vec<String> = all.iter().map(|&r| label(r)).collect();
        return Err(match transformer {
            Some(pick) => format!(
                "there is no transformer \"{pick}\" in service; the network has {}",
                list.join(", ")
            ),
            None => format!(
                "the network has {} transformers in service ({}); the sandbox models one neighbourhood behind one transformer: choose one with --transformer",
                all.len(),
                list.join(", ")
            ),
        });
    }
    let chosen = transformer.is_some();
    let grids = in_service(&ext_grid);
    if grids.len() != 1 {
        return Err(format!(
            "the network has {} external grids in service; the sandbox has one grid connection",
            grids.len()
        ));
    }
    let t = trafos[0];
    let hv = find(trafo.need("trafo", t, "hv_bus")? as i64);
    let lv = find(trafo.need("trafo", t, "lv_bus")? as i64);
    let g = grids[0];
    if find(ext_grid.need("ext_grid", g, "bus")? as i64) != hv {
        return Err("the external grid is not on the transformer's high-voltage bus; the sandbox feeds the neighbourhood through its transformer".to_owned());
    }
    let tap_off = trafo
        .num(t, "tap_pos")
        .zip(trafo.num(t, "tap_neutral"))
        .is_some_and(|(p, n)| p != n)
        && trafo.num(t, "tap_step_percent").is_some_and(|s| s != 0.0);
    if tap_off {
        return Err("the transformer's tap is off its neutral position; the sandbox has no tap changer: set tap_pos to tap_neutral".to_owned());
    }

    // Bus names: their own where unique, else "bus N"; the transformer's buses are the sandbox's.
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut taken: HashMap<String, usize> = HashMap::new();
    for r in 0..bus.rows() {
        if let Some(n) = bus.text(r, "name") {
            *taken.entry(n).or_default() += 1;
        }
    }
    let mut vn: HashMap<i64, f64> = HashMap::new();
    for r in 0..bus.rows() {
        let id = bus.index[r];
        if find(id) != id {
            continue;
        }
        let own = bus
            .text(r, "name")
            .filter(|n| taken.get(n) == Some(&1) && n != LV_BUSBAR_NAME && n != super::MV_BUS_NAME);
        names.insert(id, own.unwrap_or_else(|| format!("bus {id}")));
        vn.insert(id, bus.need("bus", r, "vn_kv")?);
    }
    names.insert(lv, LV_BUSBAR_NAME.to_owned());
    names.insert(hv, super::MV_BUS_NAME.to_owned());
    let name_of = |id: i64, what: &str| {
        names
            .get(&find(id))
            .cloned()
            .ok_or_else(|| format!("{what} names bus {id}, which is not in the bus table"))
    };

    // Switches on lines; bus-bus switches cannot be modelled.
    let mut line_switch: HashMap<i64, SwitchState> = HashMap::new();
    if let Some(sw) = &switches {
        for r in 0..sw.rows() {
            let et = sw.text(r, "et").unwrap_or_default();
            let closed = sw.flag(r, "closed").unwrap_or(true);
            match et.as_str() {
                "l" => {
                    let element = sw.need("switch", r, "element")? as i64;
                    let state = if closed {
                        SwitchState::Closed
                    } else {
                        SwitchState::Open
                    };
                    // An open switch at either end opens the line.
                    line_switch
                        .entry(element)
                        .and_modify(|s| {
                            if state == SwitchState::Open {
                                *s = SwitchState::Open;
                            }
                        })
                        .or_insert(state);
                }
                "t" if closed => {}
                "b" => {}
                other => {
                    return Err(format!(
                        "switch {} is a {} switch{}; the sandbox has switches on cables only",
                        sw.index[r],
                        match other {
                            "b" => "bus-bus",
                            "t" => "transformer",
                            _ => "an unknown kind of",
                        },
                        if other == "t" { " and open" } else { "" }
                    ));
                }
            }
        }
    }

    // Lines and their cable types (one per distinct set of parameters).
    let mut cable_types: BTreeMap<String, CableSpec> = BTreeMap::new();
    let mut lines: Vec<(String, String, LineSpec)> = Vec::new();
    for r in 0..line.rows() {
        let id = line.index[r];
        if line.num(r, "parallel").is_some_and(|p| p != 1.0) {
            return Err(format!(
                "line {id} stands for parallel cables; write each as a line of its own"
            ));
        }
        let spec = CableSpec {
            r_ohm_per_km: line.need("line", r, "r_ohm_per_km")?,
            x_ohm_per_km: line.need("line", r, "x_ohm_per_km")?,
            c_nf_per_km: line.need("line", r, "c_nf_per_km")?,
            max_i_ka: line.need("line", r, "max_i_ka")?,
            r0_ohm_per_km: line.optional("line", r, "r0_ohm_per_km", 0.0001, 400.0)?,
            x0_ohm_per_km: line.optional("line", r, "x0_ohm_per_km", 0.0, 400.0)?,
            c0_nf_per_km: line.optional("line", r, "c0_nf_per_km", 0.0, 10_000.0)?,
        };
        let spec = without_default_zero_sequence(spec);
        let stem = line
            .text(r, "std_type")
            .unwrap_or_else(|| "imported cable".to_owned());
        let cable = (1..)
            .map(|k| {
                if k == 1 {
                    stem.clone()
                } else {
                    format!("{stem} ({k})")
                }
            })
            .find(|n| cable_types.get(n).is_none_or(|c| *c == spec))
            .unwrap_or(stem);
        cable_types.insert(cable.clone(), spec);
        let from = name_of(
            line.need("line", r, "from_bus")? as i64,
            &format!("line {id}"),
        )?;
        let to = name_of(
            line.need("line", r, "to_bus")? as i64,
            &format!("line {id}"),
        )?;
        let out = !line.flag(r, "in_service").unwrap_or(true);
        let switch = if out {
            Some(SwitchState::Open)
        } else {
            line_switch.get(&id).copied()
        };
        let length_m = line.need("line", r, "length_km")? * 1000.0;
        lines.push((
            from.clone(),
            to.clone(),
            LineSpec {
                from,
                to,
                cable,
                length_m,
                switch,
            },
        ));
    }

    // Feeders: each cable from the busbar starts one; a bus joins the
    // feeder that reaches it first (breadth first).
    let mut adjacent: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, (a, b, _)) in lines.iter().enumerate() {
        adjacent.entry(a).or_default().push(k);
        adjacent.entry(b).or_default().push(k);
    }
    let mut feeder_of: HashMap<String, usize> = HashMap::new();
    let mut depth: HashMap<String, usize> = HashMap::new();
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    let mut feeders: Vec<Feeder> = Vec::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    depth.insert(LV_BUSBAR_NAME.to_owned(), 0);
    for &k in adjacent.get(LV_BUSBAR_NAME).into_iter().flatten() {
        let (a, b, _) = &lines[k];
        let other = if a == LV_BUSBAR_NAME { b } else { a };
        if feeder_of.contains_key(other) || other == LV_BUSBAR_NAME {
            continue;
        }
        feeder_of.insert(other.clone(), feeders.len());
        depth.insert(other.clone(), 1);
        children
            .entry(LV_BUSBAR_NAME.to_owned())
            .or_default()
            .push(other.clone());
        feeders.push(Feeder {
            name: format!("Feeder {} ({other})", feeders.len() + 1),
            buses: Vec::new(),
            lines: Vec::new(),
            locked: false,
        });
        queue.push_back(other.clone());
    }
    while let Some(b) = queue.pop_front() {
        let f = feeder_of[&b];
        for &k in adjacent.get(b.as_str()).into_iter().flatten() {
            let (x, y, _) = &lines[k];
            let other = if *x == b { y } else { x };
            if other == LV_BUSBAR_NAME || feeder_of.contains_key(other) {
                continue;
            }
            feeder_of.insert(other.clone(), f);
            depth.insert(other.clone(), depth[&b] + 1);
            children.entry(b.clone()).or_default().push(other.clone());
            queue.push_back(other.clone());
        }
    }

    // Positions: geodata, else the tree layout. Geodata that is not in
    // degrees (a schematic drawing) is scaled so that the cables' drawn
    // lengths match their lengths on average.
    let mut geo = geodata(&bus, &names);
    let (drawn, real): (f64, f64) = lines
        .iter()
        .filter_map(|(a, b, spec)| {
            let (p, q) = (geo.get(a)?, geo.get(b)?);
            Some(((p[0] - q[0]).hypot(p[1] - q[1]), spec.length_m))
        })
        .fold((0.0, 0.0), |(d, r), (x, y)| (d + x, r + y));
    let in_degrees = geodata_in_degrees(&bus);
    if drawn > 0.0 && real > 0.0 && !in_degrees {
        let scale = real / drawn;
        for p in geo.values_mut() {
            p[0] *= scale;
            p[1] *= scale;
        }
    }
    let layout = tree_layout(&children);
    let position = |n: &str| -> Option<Position> {
        geo.get(n)
            .or_else(|| layout.get(n))
            .map(|p| Position(p[0], p[1]))
    };
    for r in 0..bus.rows() {
        let Some(n) = names.get(&bus.index[r]) else {
            continue;
        };
        if chosen && !feeder_of.contains_key(n) && n != LV_BUSBAR_NAME && n != super::MV_BUS_NAME {
            // Behind another transformer: not this neighbourhood.
            continue;
        }
        if let Some(&f) = feeder_of.get(n) {
            feeders[f].buses.push(BusSpec {
                name: n.clone(),
                position_m: position(n),
            });
        } else if n != LV_BUSBAR_NAME && n != super::MV_BUS_NAME {
            return Err(format!(
                "bus \"{n}\" has no chain of lines to the transformer's low-voltage bus; the sandbox has nothing else to feed it"
            ));
        }
        if vn
            .get(&bus.index[r])
            .is_some_and(|v| (v - trafo.num(t, "vn_lv_kv").unwrap_or(0.4)).abs() > 1e-6)
            && n != super::MV_BUS_NAME
        {
            return Err(format!(
                "bus \"{n}\" is at {} kV, not the transformer's low voltage; the sandbox's feeders are all at one voltage",
                vn[&bus.index[r]]
            ));
        }
    }
    for (a, b, spec) in lines {
        let kept = |n: &str| feeder_of.contains_key(n) || n == LV_BUSBAR_NAME;
        if chosen && !(kept(&a) && kept(&b)) {
            continue;
        }
        let f = feeder_of
            .get(&a)
            .or_else(|| feeder_of.get(&b))
            .copied()
            .unwrap_or(0);
        if let Some(feeder) = feeders.get_mut(f) {
            feeder.lines.push(spec);
        }
    }

    // Loads as houses, generators as PV, storage as batteries.
    let hours = h0_full_load_hours();
    let mut houses: Vec<House> = Vec::new();
    let mut house_names: HashMap<String, usize> = HashMap::new();
    let mut unique = |stem: String| {
        let n = house_names.entry(stem.clone()).or_default();
        *n += 1;
        if *n == 1 {
            stem
        } else {
            format!("{stem} ({n})")
        }
    };
    let at_bus = |n: &str, k: usize| {
        let p = position(n).unwrap_or(Position(0.0, 0.0));
        Position(p.0 + 6.0 * k as f64, p.1 + 8.0)
    };
    // Loads as houses; a load drawn unevenly from the phases (an
    // asymmetric_load) puts its house on the one phase it uses, or makes it
    // three-phase with the file's share on each phase, and the scenario is
    // then solved per phase.
    let mut per_phase = false;
    for (name, asymmetric) in [("load", false), ("asymmetric_load", true)] {
        let Some(load) = table(net, name)? else {
            continue;
        };
        for r in in_service(&load) {
            let bus_name = name_of(
                load.need(name, r, "bus")? as i64,
                &format!("{name} {}", load.index[r]),
            )?;
            if chosen && !feeder_of.contains_key(&bus_name) {
                continue;
            }
            let scaling = load.num(r, "scaling").unwrap_or(1.0);
            let (p_kw, q_kvar, phase, load_shares) = if asymmetric {
                per_phase = true;
                let (p, q) = phase_powers(&load, name, r)?;
                if p.iter().any(|x| *x < 0.0) {
                    return Err(format!(
                        "asymmetric_load {} draws less than nothing on a phase; write generation as an asymmetric_sgen",
                        load.index[r]
                    ));
                }
                let total = p.iter().sum::<f64>();
                let phase = one_phase(&p);
                (
                    total * 1000.0 * scaling,
                    q.iter().sum::<f64>() * 1000.0 * scaling,
                    phase,
                    (phase.is_three() && total > 0.0).then(|| p.map(|x| x / total)),
                )
            } else {
                let p_kw = load.need(name, r, "p_mw")? * 1000.0 * scaling;
                if p_kw < 0.0 {
                    return Err(format!(
                        "load {} draws {p_kw} kW, less than nothing; write generation as an sgen",
                        load.index[r]
                    ));
                }
                let q_kvar = load.num(r, "q_mvar").unwrap_or(0.0) * 1000.0 * scaling;
                (p_kw, q_kvar, super::Phase::Three, None)
            };
            let power_factor = if p_kw > 0.0 {
                (p_kw / p_kw.hypot(q_kvar)).clamp(0.5, 1.0)
            } else {
                1.0
            };
            let on_bus = houses.iter().filter(|h| h.bus == bus_name).count();
            houses.push(House {
                name: unique(
                    load.text(r, "name")
                        .unwrap_or_else(|| format!("House at {bus_name}")),
                ),
                bus: bus_name.clone(),
                annual_kwh: ((p_kw * hours) / 10.0).round() * 10.0,
                position_m: at_bus(&bus_name, on_bus),
                critical_share: 0.3,
                power_factor,
                pv: None,
                battery: None,
                ev: None,
                phase,
                locked: false,
                order: None,
                load_shares,
            });
        }
    }
    // A house on `bus` without `has`, or a new one of no demand.
    let mut house_for = |houses: &mut Vec<House>, bus_name: &str, has: &dyn Fn(&House) -> bool| {
        if let Some(i) = houses.iter().position(|h| h.bus == bus_name && !has(h)) {
            return i;
        }
        let on_bus = houses.iter().filter(|h| h.bus == bus_name).count();
        houses.push(House {
            name: unique(format!("Plant at {bus_name}")),
            bus: bus_name.to_owned(),
            annual_kwh: 0.0,
            position_m: at_bus(bus_name, on_bus),
            critical_share: 0.3,
            power_factor: 1.0,
            pv: None,
            battery: None,
            ev: None,
            phase: Default::default(),
            locked: false,
            order: None,
            load_shares: None,
        });
        houses.len() - 1
    };
    // Generators as PV; an asymmetric one on the one phase it uses.
    for (name, asymmetric) in [("sgen", false), ("asymmetric_sgen", true)] {
        let Some(sgen) = table(net, name)? else {
            continue;
        };
        for r in in_service(&sgen) {
            let bus_name = name_of(
                sgen.need(name, r, "bus")? as i64,
                &format!("{name} {}", sgen.index[r]),
            )?;
            if chosen && !feeder_of.contains_key(&bus_name) {
                continue;
            }
            let (p_mw, phase) = if asymmetric {
                per_phase = true;
                let (p, _) = phase_powers(&sgen, name, r)?;
                (Some(p.iter().sum::<f64>()), one_phase(&p))
            } else {
                (sgen.num(r, "p_mw"), super::Phase::Three)
            };
            let kwp = sgen
                .num(r, "sn_mva")
                .filter(|s| s.is_finite() && *s > 0.0)
                .or(p_mw)
                .unwrap_or(0.0)
                * 1000.0;
            if kwp <= 0.0 {
                continue;
            }
            // On a house with no PV that is three-phase or on this phase.
            let i = house_for(&mut houses, &bus_name, &|h| {
                h.pv.is_some() || (!h.phase.is_three() && h.phase != phase)
            });
            houses[i].pv = Some(Pv {
                kwp,
                tilt_deg: 30.0,
                azimuth_deg: 180.0,
                phase,
                locked: false,
            });
        }
    }
    if let Some(storage) = table(net, "storage")? {
        for r in in_service(&storage) {
            let bus_name = name_of(
                storage.need("storage", r, "bus")? as i64,
                &format!("storage {}", storage.index[r]),
            )?;
            if chosen && !feeder_of.contains_key(&bus_name) {
                continue;
            }
            let kwh = storage.need("storage", r, "max_e_mwh")? * 1000.0;
            let kw = storage
                .num(r, "sn_mva")
                .filter(|s| s.is_finite() && *s > 0.0)
                .or_else(|| storage.num(r, "p_mw").map(f64::abs).filter(|p| *p > 0.0))
                .map_or(kwh / 2.0, |x| x * 1000.0);
            let i = house_for(&mut houses, &bus_name, &|h| {
                h.battery.is_some() || !h.phase.is_three()
            });
            houses[i].battery = Some(Battery {
                capacity_kwh: kwh,
                power_kw: kw,
                efficiency: 0.95,
                phase: Default::default(),
                locked: false,
            });
        }
    }

    let type_name = trafo
        .text(t, "std_type")
        .unwrap_or_else(|| "imported transformer".to_owned());
    let mut transformer_types = BTreeMap::new();
    let spec = TransformerSpec {
        sn_mva: trafo.need("trafo", t, "sn_mva")?,
        vn_hv_kv: trafo.need("trafo", t, "vn_hv_kv")?,
        vn_lv_kv: trafo.need("trafo", t, "vn_lv_kv")?,
        vk_percent: trafo.need("trafo", t, "vk_percent")?,
        vkr_percent: trafo.need("trafo", t, "vkr_percent")?,
        pfe_kw: trafo.need("trafo", t, "pfe_kw")?,
        i0_percent: trafo.need("trafo", t, "i0_percent")?,
        shift_degree: trafo.num(t, "shift_degree").unwrap_or(0.0),
        vector_group: vector_group(trafo.text(t, "vector_group").as_deref())?,
        // pandapower reads a zero here as "as the positive sequence".
        vk0_percent: trafo
            .optional("trafo", t, "vk0_percent", 0.0, 30.0)?
            .filter(|v| *v > 1e-8),
        vkr0_percent: trafo
            .optional("trafo", t, "vkr0_percent", 0.0, 100.0)?
            .filter(|v| *v > 1e-8),
        mag0_percent: trafo.optional("trafo", t, "mag0_percent", 1.0, 100_000.0)?,
        mag0_rx: trafo.optional("trafo", t, "mag0_rx", 0.0, 100.0)?,
        si0_hv_partial: trafo.optional("trafo", t, "si0_hv_partial", 0.01, 0.99)?,
    };
    let spec = without_default_transformer_zero_sequence(spec);
    let type_name = if type_name.ends_with("(imported)") {
        type_name
    } else {
        format!("{type_name} (imported)")
    };
    transformer_types.insert(type_name.clone(), spec);
    let start = super::parse_date_time("2025-06-21 06:00").unwrap_or_default();
    if per_phase {
        // A symmetric load draws evenly from the three phases, as
        // runpp_3ph draws it (not the seeded spread of a house without
        // shares); a house of no demand has nothing to spread.
        for h in houses
            .iter_mut()
            .filter(|h| h.phase.is_three() && h.annual_kwh > 0.0)
        {
            h.load_shares.get_or_insert([1.0 / 3.0; 3]);
        }
    }
    Ok(Scenario {
        phases: if per_phase {
            super::PhaseModel::Unbalanced
        } else {
            super::PhaseModel::Balanced
        },
        name: net
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map_or_else(|| name.to_owned(), str::to_owned),
        description: format!("Imported from the pandapower network {name}."),
        location: Location {
            latitude_deg: 52.52,
            longitude_deg: 13.40,
            utc_offset_hours: 1.0,
        },
        start: super::DateTime(start),
        seed: 1,
        grid: GridConnection {
            transformer: type_name,
            vm_pu: ext_grid.num(g, "vm_pu").unwrap_or(1.0),
            mv_kv: None,
            s_sc_mva: ext_grid.optional("ext_grid", g, "s_sc_max_mva", 1.0, 100_000.0)?,
            rx: ext_grid.optional("ext_grid", g, "rx_max", 0.0, 10.0)?,
            x0x: ext_grid.optional("ext_grid", g, "x0x_max", 0.1, 10.0)?,
            r0x0: ext_grid.optional("ext_grid", g, "r0x0_max", 0.0, 10.0)?,
            locked: false,
        },
        cable_types,
        transformer_types,
        weather: Default::default(),
        ev_charging: Default::default(),
        feeders,
        houses,
        wind_turbines: Vec::new(),
        generated: None,
        events: Vec::new(),
        tariff: Default::default(),
        controller: Default::default(),
        market: Default::default(),
        locked: false,
        prices: Default::default(),
        budget_eur: None,
    })
}

/// Whether the `geo` column holds longitude and latitude (see [`geodata`]).
fn geodata_in_degrees(bus: &Table) -> bool {
    let points: Vec<[f64; 2]> = (0..bus.rows())
        .filter_map(|r| {
            let v: Value = serde_json::from_str(&bus.text(r, "geo")?).ok()?;
            let c = v.get("coordinates")?.as_array()?;
            Some([c.first()?.as_f64()?, c.get(1)?.as_f64()?])
        })
        .collect();
    degrees(&points)
}

/// Longitude and latitude: within their ranges and spread over less than
/// a tenth of a degree (a few kilometres), as a low-voltage network is.
fn degrees(points: &[[f64; 2]]) -> bool {
    let spread = |k: usize| {
        let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p[k]), hi.max(p[k]))
        });
        hi - lo
    };
    !points.is_empty()
        && points
            .iter()
            .all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
        && spread(0) < 0.1
        && spread(1) < 0.1
}

/// The bus a bus is joined to by closed bus-bus switches (the lowest index).
fn root_of(alias: &HashMap<i64, i64>, mut id: i64) -> i64 {
    let mut steps = 0;
    while let Some(&next) = alias.get(&id) {
        id = next;
        steps += 1;
        if steps > alias.len() {
            break;
        }
    }
    id
}

/// Bus positions from the `geo` column (GeoJSON points), metres from the
/// busbar; degrees (longitude, latitude) are projected (equirectangular).
fn geodata(bus: &Table, names: &HashMap<i64, String>) -> HashMap<String, [f64; 2]> {
    let mut points: Vec<(String, [f64; 2])> = Vec::new();
    for r in 0..bus.rows() {
        let Some(text) = bus.text(r, "geo") else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let c = v.get("coordinates").and_then(Value::as_array);
        let x = c.and_then(|c| c.first()).and_then(Value::as_f64);
        let y = c.and_then(|c| c.get(1)).and_then(Value::as_f64);
        if let (Some(x), Some(y), Some(n)) = (x, y, names.get(&bus.index[r])) {
            points.push((n.clone(), [x, y]));
        }
    }
    if points.len() < 2 {
        return HashMap::new();
    }
    let degrees = degrees(&points.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    let origin = points
        .iter()
        .find(|(n, _)| n == LV_BUSBAR_NAME)
        .map_or(points[0].1, |p| p.1);
    points
        .into_iter()
        .map(|(n, p)| {
            let m = if degrees {
                let k = 111_320.0;
                [
                    (p[0] - origin[0]) * k * origin[1].to_radians().cos(),
                    (p[1] - origin[1]) * k,
                ]
            } else {
                [p[0] - origin[0], p[1] - origin[1]]
            };
            (n, m)
        })
        .collect()
}

/// A tidy tree: depth along x (25 m a cable), leaves stacked 15 m apart,
/// each bus level with the middle of its children.
fn tree_layout(children: &HashMap<String, Vec<String>>) -> HashMap<String, [f64; 2]> {
    fn place(
        bus: &str,
        depth: usize,
        children: &HashMap<String, Vec<String>>,
        next_row: &mut f64,
        out: &mut HashMap<String, [f64; 2]>,
    ) -> f64 {
        let kids = children.get(bus).cloned().unwrap_or_default();
        let y = if kids.is_empty() {
            let y = *next_row;
            *next_row -= 15.0;
            y
        } else {
            let ys: Vec<f64> = kids
                .iter()
                .map(|k| place(k, depth + 1, children, next_row, out))
                .collect();
            (ys[0] + ys[ys.len() - 1]) / 2.0
        };
        out.insert(bus.to_owned(), [depth as f64 * 25.0, y]);
        y
    }
    let mut out = HashMap::new();
    let mut row = 0.0;
    place(LV_BUSBAR_NAME, 0, children, &mut row, &mut out);
    // The busbar sits at the origin, as the sandbox draws it.
    let shift = out.get(LV_BUSBAR_NAME).copied().unwrap_or([0.0, 0.0]);
    for p in out.values_mut() {
        p[0] -= shift[0];
        p[1] -= shift[1];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geodata_in_degrees_is_projected_to_metres_from_the_busbar() {
        let point = |x: f64, y: f64| {
            Value::String(format!(
                "{{\"coordinates\": [{x}, {y}], \"type\": \"Point\"}}"
            ))
        };
        let bus = Table {
            columns: vec!["name".into(), "geo".into()],
            index: vec![0, 1],
            data: vec![
                vec![Value::Null, point(13.4, 52.5)],
                vec![Value::Null, point(13.401, 52.501)],
            ],
        };
        let names: HashMap<i64, String> =
            [(0, LV_BUSBAR_NAME.to_owned()), (1, "A".to_owned())].into();
        let geo = geodata(&bus, &names);
        assert_eq!(geo[LV_BUSBAR_NAME], [0.0, 0.0]);
        // 0.001 degrees: 111 m north, 68 m east at 52.5 degrees north.
        let a = geo["A"];
        assert!(
            (a[1] - 111.32).abs() < 0.01 && (a[0] - 67.77).abs() < 0.01,
            "{a:?}"
        );
    }

    #[test]
    fn the_tree_layout_puts_depth_along_x_and_branches_apart() {
        let children: HashMap<String, Vec<String>> = [
            (
                LV_BUSBAR_NAME.to_owned(),
                vec!["A".to_owned(), "B".to_owned()],
            ),
            ("A".to_owned(), vec!["A1".to_owned()]),
        ]
        .into();
        let p = tree_layout(&children);
        assert_eq!(p[LV_BUSBAR_NAME], [0.0, 0.0]);
        assert_eq!(p["A"][0], 25.0);
        assert_eq!(p["A1"][0], 50.0);
        assert!((p["A"][1] - p["B"][1]).abs() >= 15.0);
    }
}
