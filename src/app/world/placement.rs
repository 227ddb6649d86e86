//! Where a build tool's ghost goes: the cursor's point on the ground
//! snapped to a place the part can go (a house to a free plot along a
//! street, PV, a battery or a car to a house, a turbine to free ground, a
//! cable from a bus to a new joint or another bus), the edit a click would
//! make there, or why it cannot go there. Pure geometry on the built
//! neighbourhood, in scenario metres (x east, y north); no Bevy types.

use crate::lang::tr;
use crate::scenario::Built;
use crate::scenario::edit::Edit;
use crate::tr;

/// The build tools, in the toolbox's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// A house on a free plot along a street.
    House,
    /// Rooftop PV on a house without.
    Pv,
    /// A home battery in a house without.
    Battery,
    /// An electric car for a house without.
    Car {
        /// Whether it feeds back (vehicle-to-grid).
        v2g: bool,
    },
    /// A small wind turbine on free ground.
    Turbine,
    /// A cable from a bus to a new joint or another bus.
    Cable,
    /// Pick up a house or turbine and put it on another plot.
    Move,
    /// Take something away with what hangs off it.
    Remove,
}

impl Tool {
    /// The tool as a challenge names it.
    pub fn kind(self) -> crate::challenge::Tool {
        use crate::challenge::Tool as T;
        match self {
            Tool::House => T::House,
            Tool::Pv => T::Pv,
            Tool::Battery => T::Battery,
            Tool::Car { .. } => T::Car,
            Tool::Turbine => T::Turbine,
            Tool::Cable => T::Cable,
            Tool::Move => T::Move,
            Tool::Remove => T::Remove,
        }
    }

    /// Every tool, for the toolbox.
    pub const ALL: [Tool; 9] = [
        Tool::House,
        Tool::Pv,
        Tool::Battery,
        Tool::Car { v2g: false },
        Tool::Car { v2g: true },
        Tool::Turbine,
        Tool::Cable,
        Tool::Move,
        Tool::Remove,
    ];

    /// Its name in the toolbox.
    pub fn name(self) -> &'static str {
        tr(match self {
            Tool::House => "place.tool_house",
            Tool::Pv => "place.tool_pv",
            Tool::Battery => "place.tool_battery",
            Tool::Car { v2g: false } => "place.tool_car",
            Tool::Car { v2g: true } => "place.tool_v2g_car",
            Tool::Turbine => "place.tool_turbine",
            Tool::Cable => "place.tool_cable",
            Tool::Move => "place.tool_move",
            Tool::Remove => "place.tool_remove",
        })
    }

    /// What it does, in a few words, for the toolbox's tooltip.
    pub fn hint(self) -> &'static str {
        tr(match self {
            Tool::House => "place.hint_house",
            Tool::Pv => "place.hint_pv",
            Tool::Battery => "place.hint_battery",
            Tool::Car { v2g: false } => "place.hint_car",
            Tool::Car { v2g: true } => "place.hint_v2g_car",
            Tool::Turbine => "place.hint_turbine",
            Tool::Cable => "place.hint_cable",
            Tool::Move => "place.hint_move",
            Tool::Remove => "place.hint_remove",
        })
    }
}

/// Distance of a house from its street's cable, m (as the shipped streets).
pub const SETBACK_M: f64 = 10.0;
/// Plots along a street are this far apart, m.
pub const PLOT_PITCH_M: f64 = 12.5;
/// Farthest a house may stand from a street's cable, m.
const MAX_FROM_STREET_M: f64 = 40.0;
/// Houses closer than this (centre to centre), m, would overlap.
const HOUSE_CLEARANCE_M: f64 = 14.0;
/// A turbine keeps this far from houses, m.
const TURBINE_FROM_HOUSE_M: f64 = 20.0;
/// And from other turbines, m.
const TURBINE_FROM_TURBINE_M: f64 = 25.0;
/// Farthest a turbine may stand from a cable joint, m.
const MAX_TURBINE_FROM_BUS_M: f64 = 150.0;
/// A click this close to a bus or house means that one, m.
pub const SNAP_M: f64 = 8.0;
/// PV that fills the sunny face of a drawn roof (10 m by 4.6 m at 30 deg) at
/// about 0.175 kWp per m² after edge margins.
pub const ROOF_PV_KWP: f64 = 8.0;

/// The battery of a car the car tool adds, kWh (a mid-size EV's).
pub const CAR_BATTERY_KWH: f64 = 60.0;

/// What a ghost looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A house outline.
    House,
    /// A turbine outline.
    Turbine,
    /// A part on a house (PV, battery, car): the house is outlined.
    OnHouse,
    /// A cable with its new joint.
    Cable,
    /// Something to be taken away, outlined.
    Remove,
}

/// A ghost: where it stands, what joins it, and what a click would do.
#[derive(Debug, Clone, PartialEq)]
pub struct Ghost {
    /// Its shape.
    pub shape: Shape,
    /// Where it stands, m.
    pub at: [f64; 2],
    /// The bus its cable joins, m (a house's or turbine's, or a cable's start).
    pub link: Option<[f64; 2]>,
    /// The edit a click makes, or why the part cannot go here.
    pub edit: Result<Edit, String>,
    /// What a click takes up instead of editing: a cable's start, or the
    /// house or turbine to move.
    pub take: Option<Take>,
}

/// What a click can take up.
#[derive(Debug, Clone, PartialEq)]
pub enum Take {
    /// Start a cable at this bus.
    CableFrom(String),
    /// Pick up this house (false) or turbine (true) to move it.
    Hold(String, bool),
}

/// What the tools need besides the cursor: the sizes to add and the
/// cable tool's start.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolState {
    /// The tool.
    pub tool: Tool,
    /// PV to add, kWp.
    pub pv_kwp: f64,
    /// Battery to add, kWh and kW.
    pub battery: (f64, f64),
    /// Cable type for new cables.
    pub cable: String,
    /// The cable tool's start, once clicked (a bus's name).
    pub cable_from: Option<String>,
    /// What the move tool holds (a house's or turbine's name, and whether a turbine).
    pub holding: Option<(String, bool)>,
}

/// What the cursor is over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    /// Its point on the ground, m.
    pub ground: [f64; 2],
    /// The house under it (index), if any.
    pub house: Option<usize>,
    /// The bus under it, if any.
    pub bus: Option<usize>,
    /// The device (a turbine) under it, if any.
    pub device: Option<usize>,
    /// The cable under it, if any.
    pub line: Option<usize>,
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The house under the cursor, or the nearest within [`SNAP_M`] of its point.
fn house_at(built: &Built, cursor: &Cursor) -> Option<usize> {
    cursor.house.or_else(|| {
        built
            .scenario
            .houses
            .iter()
            .enumerate()
            .map(|(i, h)| (i, dist(h.position_m.xy(), cursor.ground)))
            .filter(|(_, d)| *d < SNAP_M)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    })
}

/// The bus under the cursor, or the nearest placed street bus within [`SNAP_M`].
fn bus_at(built: &Built, buses: &[[f64; 2]], cursor: &Cursor) -> Option<usize> {
    let hv = built.network.transformer.hv_bus;
    cursor.bus.filter(|&b| b != hv).or_else(|| {
        buses
            .iter()
            .enumerate()
            .filter(|(b, _)| *b != hv)
            .map(|(b, p)| (b, dist(*p, cursor.ground)))
            .filter(|(_, d)| *d < SNAP_M)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(b, _)| b)
    })
}

/// The nearest street bus (on a feeder) to `p`, and its distance.
fn nearest_street_bus(built: &Built, buses: &[[f64; 2]], p: [f64; 2]) -> Option<(usize, f64)> {
    buses
        .iter()
        .enumerate()
        .filter(|(b, _)| built.network.buses[*b].feeder.is_some())
        .map(|(b, q)| (b, dist(*q, p)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// A free plot along the street nearest `p`: on the cursor's side of the
/// cable, [`SETBACK_M`] from it, at a multiple of [`PLOT_PITCH_M`] along it,
/// joined to the nearer end of that cable. `ignore` is a house being moved.
fn house_plot(
    built: &Built,
    buses: &[[f64; 2]],
    p: [f64; 2],
    ignore: Option<&str>,
) -> Result<([f64; 2], usize), ([f64; 2], String)> {
    let net = &built.network;
    let mut best: Option<(f64, [f64; 2], usize)> = None;
    for line in &net.lines {
        let (a, b) = (buses[line.from_bus], buses[line.to_bus]);
        let along = [b[0] - a[0], b[1] - a[1]];
        let len = along[0].hypot(along[1]);
        if len < 1.0 {
            continue;
        }
        let u = [along[0] / len, along[1] / len];
        let rel = [p[0] - a[0], p[1] - a[1]];
        let t = (rel[0] * u[0] + rel[1] * u[1]).clamp(0.0, len);
        let side = rel[0] * -u[1] + rel[1] * u[0];
        let d = (rel[0] - t * u[0]).hypot(rel[1] - t * u[1]);
        if best.is_some_and(|(bd, ..)| bd <= d) {
            continue;
        }
        let t = ((t / PLOT_PITCH_M).round() * PLOT_PITCH_M).min(len);
        let s = if side >= 0.0 { SETBACK_M } else { -SETBACK_M };
        let plot = [a[0] + t * u[0] - s * u[1], a[1] + t * u[1] + s * u[0]];
        // The nearer end that is a street's bus.
        let ends = [(line.from_bus, t), (line.to_bus, len - t)];
        let Some(&(bus, _)) = ends
            .iter()
            .filter(|(e, _)| net.buses[*e].feeder.is_some())
            .min_by(|x, y| x.1.total_cmp(&y.1))
        else {
            continue;
        };
        best = Some((d, plot, bus));
    }
    let Some((d, plot, bus)) = best else {
        return Err((p, tr("place.no_street").to_owned()));
    };
    if d > MAX_FROM_STREET_M {
        return Err((
            p,
            tr!(
                "place.too_far_from_street",
                m = crate::lang::num(MAX_FROM_STREET_M, 0)
            ),
        ));
    }
    let taken = built
        .scenario
        .houses
        .iter()
        .filter(|h| Some(h.name.as_str()) != ignore)
        .find(|h| dist(h.position_m.xy(), plot) < HOUSE_CLEARANCE_M);
    if let Some(h) = taken {
        return Err((
            plot,
            tr!(
                "place.too_close_to_house",
                name = h.name,
                m = crate::lang::num(HOUSE_CLEARANCE_M, 0)
            ),
        ));
    }
    if let Some(t) = built
        .scenario
        .wind_turbines
        .iter()
        .find(|t| dist(t.position_m.xy(), plot) < TURBINE_FROM_HOUSE_M)
    {
        return Err((plot, tr!("place.too_close_to_turbine", name = t.name)));
    }
    Ok((plot, bus))
}

/// Free ground for a turbine at `p` (rounded to a metre), joined to the
/// nearest street bus. `ignore` is a turbine being moved.
fn turbine_plot(
    built: &Built,
    buses: &[[f64; 2]],
    p: [f64; 2],
    ignore: Option<&str>,
) -> Result<([f64; 2], usize), ([f64; 2], String)> {
    let at = [p[0].round(), p[1].round()];
    let Some((bus, d)) = nearest_street_bus(built, buses, at) else {
        return Err((at, tr("place.no_street").to_owned()));
    };
    if d > MAX_TURBINE_FROM_BUS_M {
        return Err((
            at,
            tr!(
                "place.too_far_from_joint",
                m = crate::lang::num(MAX_TURBINE_FROM_BUS_M, 0)
            ),
        ));
    }
    if let Some(h) = built
        .scenario
        .houses
        .iter()
        .find(|h| dist(h.position_m.xy(), at) < TURBINE_FROM_HOUSE_M)
    {
        return Err((
            at,
            tr!(
                "place.turbine_too_close_to_house",
                name = h.name,
                m = crate::lang::num(TURBINE_FROM_HOUSE_M, 0)
            ),
        ));
    }
    if let Some(t) = built.scenario.wind_turbines.iter().find(|t| {
        Some(t.name.as_str()) != ignore && dist(t.position_m.xy(), at) < TURBINE_FROM_TURBINE_M
    }) {
        return Err((at, tr!("place.too_close_to_turbine", name = t.name)));
    }
    Ok((at, bus))
}

/// A name of the form `stem` and a number that `taken` does not hold.
fn free_name(stem: &str, taken: impl Fn(&str) -> bool) -> String {
    (1..)
        .map(|n| format!("{stem}{n}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| stem.to_owned())
}

/// "Lindenweg " for a bus on Lindenweg: new houses are numbered along their street.
fn street_stem(built: &Built, bus: usize) -> String {
    built.network.buses[bus]
        .feeder
        .and_then(|f| built.scenario.feeders.get(f))
        .map_or_else(
            || tr("place.house_stem").to_owned(),
            |f| format!("{} ", f.name),
        )
}

/// The ghost of `state`'s tool with the cursor at `cursor`. `buses` are the
/// buses' positions as drawn ([`crate::app::world::layout::bus_positions`]).
pub fn ghost(built: &Built, buses: &[[f64; 2]], state: &ToolState, cursor: &Cursor) -> Ghost {
    match state.tool {
        Tool::House => house_ghost(built, buses, cursor),
        Tool::Pv | Tool::Battery | Tool::Car { .. } => on_house_ghost(built, cursor, state),
        Tool::Turbine => turbine_ghost(built, buses, cursor),
        Tool::Cable => cable_ghost(built, buses, state, cursor),
        Tool::Move => move_ghost(built, buses, state, cursor),
        Tool::Remove => remove_ghost(built, buses, cursor),
    }
}

/// The edit that puts the tool's part (PV, a battery, a car) on `house`;
/// `None` for tools that do not go on a house.
fn on_house_edit(state: &ToolState, house: String) -> Option<Edit> {
    Some(match state.tool {
        Tool::Pv => Edit::AddPv {
            house,
            kwp: state.pv_kwp,
            tilt_deg: 30.0,
            azimuth_deg: 180.0,
        },
        Tool::Battery => Edit::AddBattery {
            house,
            capacity_kwh: state.battery.0,
            power_kw: state.battery.1,
            efficiency: 0.95,
        },
        Tool::Car { v2g } => Edit::AddCar {
            house,
            battery_kwh: CAR_BATTERY_KWH,
            charger_kw: 11.0,
            v2g,
            daily_km: 40.0,
        },
        _ => return None,
    })
}

/// For a tool that goes on a house: whether each house (in the
/// scenario's order) can take it, or why not (a lock, one there already),
/// so the houses can be marked before the click. Empty for other tools.
pub fn takers(built: &Built, state: &ToolState) -> Vec<Result<(), String>> {
    let s = &built.scenario;
    s.houses
        .iter()
        .map_while(|h| on_house_edit(state, h.name.clone()))
        .map(|edit| crate::scenario::edit::refused_outright(&edit, s))
        .collect()
}

/// The tool's part on the house pointed at (PV, a battery, a car), or why
/// it cannot go there (no house, a lock, one there already).
fn on_house_ghost(built: &Built, cursor: &Cursor, state: &ToolState) -> Ghost {
    let s = &built.scenario;
    let house_pos = |h: usize| {
        let p = &s.houses[h].position_m;
        [p.0, p.1]
    };
    let edit = |h: usize| {
        let edit = on_house_edit(state, s.houses[h].name.clone())
            .ok_or_else(|| tr("place.point_at_house").to_owned())?;
        crate::scenario::edit::refused_outright(&edit, s)
            .map_err(|why| tr!("toolbox.cannot", why = why))?;
        Ok(edit)
    };
    match house_at(built, cursor) {
        Some(h) => Ghost {
            shape: Shape::OnHouse,
            take: None,
            at: house_pos(h),
            link: None,
            edit: edit(h),
        },
        None => Ghost {
            shape: Shape::OnHouse,
            take: None,
            at: cursor.ground,
            link: None,
            edit: Err(tr("place.point_at_house").to_owned()),
        },
    }
}

/// A new house on the free plot nearest the cursor, numbered along its street.
fn house_ghost(built: &Built, buses: &[[f64; 2]], cursor: &Cursor) -> Ghost {
    let s = &built.scenario;
    let net = &built.network;
    match house_plot(built, buses, cursor.ground, None) {
        Ok((at, bus)) => Ghost {
            shape: Shape::House,
            take: None,
            at,
            link: Some(buses[bus]),
            edit: Ok(Edit::AddHouse {
                name: free_name(&street_stem(built, bus), |n| {
                    s.houses.iter().any(|h| h.name == n)
                }),
                bus: net.buses[bus].name.clone(),
                annual_kwh: 3500.0,
                position_m: Some((at[0], at[1])),
            }),
        },
        Err((at, why)) => Ghost {
            shape: Shape::House,
            take: None,
            at,
            link: None,
            edit: Err(why),
        },
    }
}

/// A new turbine on free ground at the cursor.
fn turbine_ghost(built: &Built, buses: &[[f64; 2]], cursor: &Cursor) -> Ghost {
    let s = &built.scenario;
    let net = &built.network;
    match turbine_plot(built, buses, cursor.ground, None) {
        Ok((at, bus)) => Ghost {
            shape: Shape::Turbine,
            take: None,
            at,
            link: Some(buses[bus]),
            edit: Ok(Edit::AddTurbine {
                name: free_name(tr("place.turbine_stem"), |n| {
                    s.wind_turbines.iter().any(|t| t.name == n)
                }),
                bus: net.buses[bus].name.clone(),
                model: "Bergey Excel 10".into(),
                hub_height_m: 24.0,
                position_m: Some((at[0], at[1])),
            }),
        },
        Err((at, why)) => Ghost {
            shape: Shape::Turbine,
            take: None,
            at,
            link: None,
            edit: Err(why),
        },
    }
}

fn cable_ghost(built: &Built, buses: &[[f64; 2]], state: &ToolState, cursor: &Cursor) -> Ghost {
    let net = &built.network;
    let hovered = bus_at(built, buses, cursor);
    let Some(from) = state.cable_from.as_deref().and_then(|n| net.bus_index(n)) else {
        return match hovered {
            Some(b) => Ghost {
                shape: Shape::Cable,
                take: Some(Take::CableFrom(net.buses[b].name.clone())),
                at: buses[b],
                link: None,
                edit: Err(tr!("place.start_cable_at", bus = net.buses[b].name)),
            },
            None => Ghost {
                shape: Shape::Cable,
                take: None,
                at: cursor.ground,
                link: None,
                edit: Err(tr("place.click_a_joint").to_owned()),
            },
        };
    };
    let start = buses[from];
    let (to, at, position_m) = match hovered.filter(|&b| b != from) {
        Some(b) => (net.buses[b].name.clone(), buses[b], None),
        None => {
            let at = [cursor.ground[0].round(), cursor.ground[1].round()];
            let name = free_name("J", |n| net.bus_index(n).is_some());
            (name, at, Some((at[0], at[1])))
        }
    };
    let length = dist(start, at);
    let edit = if length < 3.0 {
        Err(tr("place.too_short").to_owned())
    } else if length > 500.0 {
        Err(tr("place.too_long").to_owned())
    } else {
        Ok(Edit::AddCable {
            from: net.buses[from].name.clone(),
            to,
            cable: state.cable.clone(),
            position_m,
            length_m: None,
        })
    };
    Ghost {
        shape: Shape::Cable,
        take: None,
        at,
        link: Some(start),
        edit,
    }
}

/// The move tool: what a click would pick up, or where what is held would go.
fn move_ghost(built: &Built, buses: &[[f64; 2]], state: &ToolState, cursor: &Cursor) -> Ghost {
    let net = &built.network;
    let Some((name, turbine)) = &state.holding else {
        return pick_up_ghost(built, cursor);
    };
    let plot = if *turbine {
        turbine_plot(built, buses, cursor.ground, Some(name))
    } else {
        house_plot(built, buses, cursor.ground, Some(name))
    };
    let shape = if *turbine {
        Shape::Turbine
    } else {
        Shape::House
    };
    match plot {
        Ok((at, bus)) => Ghost {
            shape,
            take: None,
            at,
            link: Some(buses[bus]),
            edit: Ok(if *turbine {
                Edit::MoveTurbine {
                    name: name.clone(),
                    position_m: (at[0], at[1]),
                    bus: Some(net.buses[bus].name.clone()),
                }
            } else {
                Edit::MoveHouse {
                    house: name.clone(),
                    position_m: (at[0], at[1]),
                    bus: Some(net.buses[bus].name.clone()),
                }
            }),
        },
        Err((at, why)) => Ghost {
            shape,
            take: None,
            at,
            link: None,
            edit: Err(why),
        },
    }
}

/// The move tool with nothing held yet: the house or turbine a click would
/// pick up (or why not).
fn pick_up_ghost(built: &Built, cursor: &Cursor) -> Ghost {
    let s = &built.scenario;
    // Nothing held yet: what a click would pick up.
    let turbine = cursor
        .device
        .and_then(|d| built.devices.get(d))
        .filter(|d| matches!(d.kind, crate::scenario::DeviceKind::Wind { .. }));
    let (at, why, take) = match (house_at(built, cursor), turbine) {
        (Some(h), _) if s.houses[h].locked => (
            s.houses[h].position_m.xy(),
            tr!("edit.locked", name = s.houses[h].name),
            None,
        ),
        (Some(h), _) => (
            s.houses[h].position_m.xy(),
            tr!("place.pick_up", name = s.houses[h].name),
            Some(Take::Hold(s.houses[h].name.clone(), false)),
        ),
        (None, Some(t)) if s.wind_turbines.iter().any(|w| w.name == t.name && w.locked) => (
            t.position_m,
            tr!("edit.turbine_locked", name = t.name),
            None,
        ),
        (None, Some(t)) => (
            t.position_m,
            tr!("place.pick_up", name = t.name),
            Some(Take::Hold(t.name.clone(), true)),
        ),
        _ => (
            cursor.ground,
            tr("place.point_at_house_or_turbine").to_owned(),
            None,
        ),
    };
    Ghost {
        shape: Shape::OnHouse,
        take,
        at,
        link: None,
        edit: Err(why),
    }
}

fn remove_ghost(built: &Built, buses: &[[f64; 2]], cursor: &Cursor) -> Ghost {
    let s = &built.scenario;
    let net = &built.network;
    let none = |why: &str| Ghost {
        shape: Shape::Remove,
        take: None,
        at: cursor.ground,
        link: None,
        edit: Err(why.to_owned()),
    };
    if let Some(h) = house_at(built, cursor) {
        let p = &s.houses[h].position_m;
        return Ghost {
            shape: Shape::Remove,
            take: None,
            at: [p.0, p.1],
            link: None,
            edit: Ok(Edit::RemoveHouse {
                house: s.houses[h].name.clone(),
            }),
        };
    }
    if let Some(d) = cursor.device.and_then(|d| built.devices.get(d))
        && matches!(d.kind, crate::scenario::DeviceKind::Wind { .. })
    {
        return Ghost {
            shape: Shape::Remove,
            take: None,
            at: d.position_m,
            link: None,
            edit: Ok(Edit::RemoveTurbine {
                name: d.name.clone(),
            }),
        };
    }
    // A cable means the joint at its far end (from the transformer).
    let bus = bus_at(built, buses, cursor).or_else(|| cursor.line.map(|l| net.lines[l].to_bus));
    match bus {
        Some(b) if net.buses[b].feeder.is_some() => Ghost {
            shape: Shape::Remove,
            take: None,
            at: buses[b],
            link: None,
            edit: Ok(Edit::RemoveBus {
                bus: net.buses[b].name.clone(),
            }),
        },
        Some(_) => none(tr("place.transformer_stays")),
        None => none(tr("place.point_at_removable")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_built() -> Built {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/default.scenario.ron");
        crate::scenario::load_and_build(&path).expect("default builds")
    }

    fn at(ground: [f64; 2]) -> Cursor {
        Cursor {
            ground,
            house: None,
            bus: None,
            device: None,
            line: None,
        }
    }

    fn state(tool: Tool) -> ToolState {
        ToolState {
            tool,
            pv_kwp: ROOF_PV_KWP,
            battery: (10.0, 5.0),
            cable: "NAYY 4x150 SE".into(),
            cable_from: None,
            holding: None,
        }
    }

    #[test]
    fn a_house_snaps_to_a_free_plot_across_the_street_and_joins_the_nearer_joint() {
        let built = default_built();
        let buses = crate::app::world::layout::bus_positions(&built);
        // Lindenweg runs along y = -8 with its houses at y = -18; north of
        // it is free. A point near (33, 0) snaps to the plot at x = 32.5.
        let g = ghost(&built, &buses, &state(Tool::House), &at([33.4, -1.0]));
        assert_eq!(g.at, [32.5, 2.0]);
        match g.edit {
            Ok(Edit::AddHouse {
                bus, position_m, ..
            }) => {
                assert!(bus == "L1" || bus == "L2", "{bus}");
                assert_eq!(position_m, Some((32.5, 2.0)));
            }
            other => panic!("{other:?}"),
        }
        // South of the street, at x = 45, stands Lindenweg 2 already.
        let g = ghost(&built, &buses, &state(Tool::House), &at([45.0, -17.0]));
        let why = g.edit.expect_err("taken");
        assert!(why.contains("too close to Lindenweg 2"), "{why}");
        // Far out in the fields there is no street.
        let g = ghost(&built, &buses, &state(Tool::House), &at([100.0, 300.0]));
        assert!(g.edit.expect_err("too far").contains("too far"));
    }

    #[test]
    fn a_turbine_keeps_clear_of_houses_and_a_cable_starts_at_a_joint() {
        let built = default_built();
        let buses = crate::app::world::layout::bus_positions(&built);
        let g = ghost(&built, &buses, &state(Tool::Turbine), &at([45.0, -20.0]));
        assert!(g.edit.expect_err("near a house").contains("too close"));
        let g = ghost(&built, &buses, &state(Tool::Turbine), &at([150.0, 60.0]));
        assert!(
            matches!(g.edit, Ok(Edit::AddTurbine { .. })),
            "{:?}",
            g.edit
        );
        // The cable tool first wants a joint, then lays to the cursor.
        let l10 = buses[built.network.bus_index("L10").expect("L10")];
        let g = ghost(
            &built,
            &buses,
            &state(Tool::Cable),
            &at([l10[0] + 1.0, l10[1]]),
        );
        assert_eq!(g.take, Some(Take::CableFrom("L10".into())));
        assert!(g.edit.expect_err("start").contains("start a cable at L10"));
        let mut s = state(Tool::Cable);
        s.cable_from = Some("L10".into());
        let g = ghost(&built, &buses, &s, &at([l10[0] + 30.0, l10[1]]));
        match g.edit {
            Ok(Edit::AddCable {
                from,
                to,
                position_m,
                ..
            }) => {
                assert_eq!((from.as_str(), to.as_str()), ("L10", "J1"));
                assert_eq!(position_m, Some((275.0, -8.0)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pv_goes_to_the_house_pointed_at_and_remove_names_what_goes() {
        let built = default_built();
        let buses = crate::app::world::layout::bus_positions(&built);
        let h = built.scenario.houses[3].position_m;
        let g = ghost(&built, &buses, &state(Tool::Pv), &at([h.0 + 2.0, h.1]));
        assert!(
            matches!(&g.edit, Ok(Edit::AddPv { house, kwp, .. }) if *house == built.scenario.houses[3].name && *kwp == ROOF_PV_KWP)
        );
        let g = ghost(&built, &buses, &state(Tool::Remove), &at([h.0, h.1 - 1.0]));
        assert!(matches!(g.edit, Ok(Edit::RemoveHouse { .. })));
        let g = ghost(&built, &buses, &state(Tool::Pv), &at([0.0, 300.0]));
        assert!(g.edit.is_err());
    }

    #[test]
    fn the_houses_that_can_take_a_part_are_known_before_the_click() {
        let mut built = default_built();
        // A house that is locked cannot take anything.
        let locked = built.scenario.houses.iter().position(|h| h.pv.is_none());
        let locked = locked.expect("a house without PV");
        built.scenario.houses[locked].locked = true;
        let pv = takers(&built, &state(Tool::Pv));
        assert_eq!(pv.len(), built.scenario.houses.len());
        for (h, took) in built.scenario.houses.iter().zip(&pv) {
            let free = h.pv.is_none() && !h.locked;
            assert_eq!(took.is_ok(), free, "{}: {took:?}", h.name);
        }
        let with_pv = built.scenario.houses.iter().position(|h| h.pv.is_some());
        let with_pv = with_pv.expect("a house with PV");
        assert!(
            pv[with_pv]
                .as_ref()
                .expect_err("has PV")
                .contains("already has PV")
        );
        assert!(pv[locked].as_ref().expect_err("locked").contains("locked"));
        assert!(pv.iter().any(Result::is_ok), "some house can take PV");
        // The ghost over a house with PV says so before the click.
        let buses = crate::app::world::layout::bus_positions(&built);
        let h = built.scenario.houses[with_pv].position_m;
        let g = ghost(&built, &buses, &state(Tool::Pv), &at([h.0 + 2.0, h.1]));
        assert!(g.edit.expect_err("has PV").contains("already has PV"));
        // Another tool asks after its own part.
        let batteries = takers(&built, &state(Tool::Battery));
        for (h, took) in built.scenario.houses.iter().zip(&batteries) {
            assert_eq!(took.is_ok(), h.battery.is_none() && !h.locked, "{}", h.name);
        }
        assert!(takers(&built, &state(Tool::Turbine)).is_empty());
    }
}
