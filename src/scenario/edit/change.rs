//! What each [`Edit`] does to a scenario, and the locks that refuse it.

use super::{Edit, PhaseUnit, Refusal};
use crate::lang::tr;
use crate::scenario::{
    Battery, BusSpec, ClockTime, Ev, Feeder, House, LV_BUSBAR_NAME, LineSpec, MV_BUS_NAME, Phase,
    Position, Pv, Scenario, WindTurbine,
};
use crate::tr;

fn house_mut<'a>(s: &'a mut Scenario, name: &str) -> Result<&'a mut House, Refusal> {
    s.houses
        .iter_mut()
        .find(|h| h.name == name)
        .ok_or_else(|| tr!("edit.no_house", name = name))
}

/// The cable between two buses (either way round).
fn line_mut<'a>(s: &'a mut Scenario, from: &str, to: &str) -> Result<&'a mut LineSpec, Refusal> {
    s.feeders
        .iter_mut()
        .flat_map(|f| f.lines.iter_mut())
        .find(|l| (l.from == from && l.to == to) || (l.from == to && l.to == from))
        .ok_or_else(|| tr!("edit.no_cable", from = from, to = to))
}

fn turbine_mut<'a>(s: &'a mut Scenario, name: &str) -> Result<&'a mut WindTurbine, Refusal> {
    s.wind_turbines
        .iter_mut()
        .find(|t| t.name == name)
        .ok_or_else(|| tr!("edit.no_turbine", name = name))
}

/// Why the house cannot be changed, if it is locked. (A locked
/// neighbourhood's houses carry their own locks once loaded, see
/// [`crate::scenario::generate::expand`]; what is added later is free.)
pub fn house_lock(s: &Scenario, name: &str) -> Option<String> {
    let house = s.houses.iter().find(|h| h.name == name)?;
    house.locked.then(|| tr!("edit.locked", name = name))
}

/// Why the turbine cannot be changed, if it is locked.
fn turbine_lock(s: &Scenario, name: &str) -> Option<String> {
    let t = s.wind_turbines.iter().find(|t| t.name == name)?;
    t.locked.then(|| tr!("edit.turbine_locked", name = name))
}

const PV_LOCKED: &str = "edit.pv_locked";
const BATTERY_LOCKED: &str = "edit.battery_locked";
const CAR_LOCKED: &str = "edit.car_locked";

/// Refuses an edit that would change or remove a locked part.
fn check_locks(edit: &Edit, s: &Scenario) -> Result<(), Refusal> {
    let house = |name: &str| house_lock(s, name).map_or(Ok(()), Err);
    // `what`: the key of "the PV of {name} is locked" and its like.
    let device_locked = |name: &str, which: fn(&House) -> bool, what: &str| {
        house(name)?;
        match s.houses.iter().find(|h| h.name == name) {
            Some(h) if which(h) => Err(tr!(what, name = name)),
            _ => Ok(()),
        }
    };
    match edit {
        Edit::AddPv { house: h, .. }
        | Edit::AddBattery { house: h, .. }
        | Edit::AddCar { house: h, .. }
        | Edit::SetHouse { house: h, .. }
        | Edit::SetOrder { house: h, .. }
        | Edit::ClearOrder { house: h } => house(h),
        // A house goes with what it has: none of it may be locked.
        Edit::RemoveHouse { house: h } => {
            device_locked(h, |x| x.pv.is_some_and(|d| d.locked), PV_LOCKED)?;
            device_locked(h, |x| x.battery.is_some_and(|d| d.locked), BATTERY_LOCKED)?;
            device_locked(h, |x| x.ev.is_some_and(|d| d.locked), CAR_LOCKED)
        }
        Edit::RemovePv { house: h }
        | Edit::SetPv { house: h, .. }
        | Edit::SetPhase {
            house: h,
            unit: PhaseUnit::Pv,
            ..
        } => device_locked(h, |x| x.pv.is_some_and(|d| d.locked), PV_LOCKED),
        Edit::SetPhase {
            house: h,
            unit: PhaseUnit::Connection,
            phase,
        } => {
            house(h)?;
            // Onto three phases no unit moves; onto one, every unit not on it.
            let moves = |locked: bool, on: Phase| locked && !phase.is_three() && on != *phase;
            let Some(x) = s.houses.iter().find(|x| &x.name == h) else {
                return Ok(());
            };
            for (locked_and_moved, what) in [
                (x.pv.is_some_and(|d| moves(d.locked, d.phase)), PV_LOCKED),
                (
                    x.battery.is_some_and(|d| moves(d.locked, d.phase)),
                    BATTERY_LOCKED,
                ),
                (x.ev.is_some_and(|d| moves(d.locked, d.phase)), CAR_LOCKED),
            ] {
                if locked_and_moved {
                    return Err(tr!(what, name = h));
                }
            }
            Ok(())
        }
        Edit::SetPhase {
            house: h,
            unit: PhaseUnit::Battery,
            ..
        } => device_locked(h, |x| x.battery.is_some_and(|d| d.locked), BATTERY_LOCKED),
        Edit::SetPhase {
            house: h,
            unit: PhaseUnit::Car,
            ..
        } => device_locked(h, |x| x.ev.is_some_and(|d| d.locked), CAR_LOCKED),
        Edit::RemoveBattery { house: h } | Edit::SetBattery { house: h, .. } => {
            device_locked(h, |x| x.battery.is_some_and(|d| d.locked), BATTERY_LOCKED)
        }
        Edit::RemoveCar { house: h } | Edit::SetCar { house: h, .. } => {
            device_locked(h, |x| x.ev.is_some_and(|d| d.locked), CAR_LOCKED)
        }
        Edit::RemoveTurbine { name } | Edit::SetTurbine { name, .. } => {
            turbine_lock(s, name).map_or(Ok(()), Err)
        }
        Edit::SetTransformer { .. } if s.grid.locked => {
            Err(tr("edit.transformer_locked").to_owned())
        }
        Edit::MoveHouse { house: h, .. } => house(h),
        Edit::MoveTurbine { name, .. } => turbine_lock(s, name).map_or(Ok(()), Err),
        Edit::SetCable { from, to, .. } | Edit::SetSwitch { from, to, .. } => {
            let locked = s.feeders.iter().find(|f| {
                f.lines
                    .iter()
                    .any(|l| (&l.from == from && &l.to == to) || (&l.from == to && &l.to == from))
            });
            match locked {
                Some(f) if f.locked => Err(tr!("edit.locked", name = f.name)),
                _ => Ok(()),
            }
        }
        // New houses and turbines may go anywhere, locked streets included.
        _ => Ok(()),
    }
}

/// Where a bus stands, if the scenario says.
fn bus_position(s: &Scenario, bus: &str) -> Option<Position> {
    s.feeders
        .iter()
        .flat_map(|f| &f.buses)
        .find(|b| b.name == bus)
        .and_then(|b| b.position_m)
}

/// Where a new house or turbine stands: where the edit says, else
/// `north_m` north of its bus (of the busbar when the bus has no position).
fn stands_at(s: &Scenario, bus: &str, position_m: Option<(f64, f64)>, north_m: f64) -> Position {
    position_m.map(|(x, y)| Position(x, y)).unwrap_or_else(|| {
        bus_position(s, bus).map_or(Position(0.0, north_m), |p| Position(p.0, p.1 + north_m))
    })
}

/// Refuses an edit that adds a part to a house that has one already.
fn check_free_place(edit: &Edit, s: &Scenario) -> Result<(), Refusal> {
    let has =
        |name: &str, which: fn(&House) -> bool| s.houses.iter().any(|h| h.name == name && which(h));
    match edit {
        Edit::AddPv { house, .. } if has(house, |h| h.pv.is_some()) => {
            Err(tr!("edit.has_pv", house = house))
        }
        Edit::AddBattery { house, .. } if has(house, |h| h.battery.is_some()) => {
            Err(tr!("edit.has_battery", house = house))
        }
        Edit::AddCar { house, .. } if has(house, |h| h.ev.is_some()) => {
            Err(tr!("edit.has_car", house = house))
        }
        _ => Ok(()),
    }
}

/// Why `edit` is refused before anything is changed or built (a lock, a
/// part the house has already), if it is: cheap enough to ask of every
/// house while a tool is in hand.
pub(super) fn refused_outright(edit: &Edit, s: &Scenario) -> Result<(), Refusal> {
    check_locks(edit, s)?;
    check_free_place(edit, s)
}

/// The edit applied to `s`, before the checks (see [`apply`]).
pub(super) fn change(edit: &Edit, s: &Scenario) -> Result<Scenario, Refusal> {
    refused_outright(edit, s)?;
    let mut s = s.clone();
    match edit.clone() {
        Edit::AddPv {
            house,
            kwp,
            tilt_deg,
            azimuth_deg,
        } => {
            let h = house_mut(&mut s, &house)?;
            h.pv = Some(Pv {
                kwp,
                tilt_deg,
                azimuth_deg,
                // On a single-phase house a unit is on its phase.
                phase: h.phase,
                locked: false,
            });
        }
        Edit::AddBattery {
            house,
            capacity_kwh,
            power_kw,
            efficiency,
        } => {
            let h = house_mut(&mut s, &house)?;
            h.battery = Some(Battery {
                capacity_kwh,
                power_kw,
                efficiency,
                phase: h.phase,
                locked: false,
            });
        }
        Edit::AddCar {
            house,
            battery_kwh,
            charger_kw,
            v2g,
            daily_km,
        } => {
            let h = house_mut(&mut s, &house)?;
            h.ev = Some(Ev {
                battery_kwh,
                charger_kw,
                v2g,
                arrive: ClockTime(chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default()),
                depart: ClockTime(chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap_or_default()),
                daily_km,
                kwh_per_km: 0.18,
                phase: h.phase,
                locked: false,
            });
        }
        Edit::AddHouse {
            name,
            bus,
            annual_kwh,
            position_m,
        } => {
            if s.houses.iter().any(|h| h.name == name) {
                return Err(tr!("edit.house_exists", name = name));
            }
            let position = stands_at(&s, &bus, position_m, 10.0);
            s.houses.push(House {
                name,
                bus,
                annual_kwh,
                position_m: position,
                critical_share: 0.3,
                power_factor: 0.97,
                pv: None,
                battery: None,
                ev: None,
                phase: Default::default(),
                locked: false,
                order: None,
                load_shares: None,
            });
        }
        Edit::AddTurbine {
            name,
            bus,
            model,
            hub_height_m,
            position_m,
        } => {
            if s.wind_turbines.iter().any(|t| t.name == name) {
                return Err(tr!("edit.turbine_exists", name = name));
            }
            let position = stands_at(&s, &bus, position_m, 20.0);
            s.wind_turbines.push(WindTurbine {
                name,
                bus,
                model,
                hub_height_m,
                position_m: position,
                locked: false,
            });
        }
        Edit::RemoveHouse { house } => {
            let before = s.houses.len();
            s.houses.retain(|h| h.name != house);
            if s.houses.len() == before {
                return Err(tr!("edit.no_house", name = house));
            }
        }
        Edit::RemovePv { house } => {
            if house_mut(&mut s, &house)?.pv.take().is_none() {
                return Err(tr!("edit.no_pv_to_remove", house = house));
            }
        }
        Edit::RemoveBattery { house } => {
            if house_mut(&mut s, &house)?.battery.take().is_none() {
                return Err(tr!("edit.no_battery_to_remove", house = house));
            }
        }
        Edit::RemoveCar { house } => {
            if house_mut(&mut s, &house)?.ev.take().is_none() {
                return Err(tr!("edit.no_car_to_remove", house = house));
            }
        }
        Edit::RemoveTurbine { name } => {
            let before = s.wind_turbines.len();
            s.wind_turbines.retain(|t| t.name != name);
            if s.wind_turbines.len() == before {
                return Err(tr!("edit.no_turbine", name = name));
            }
        }
        Edit::SetHouse {
            house,
            annual_kwh,
            critical_share,
        } => {
            let h = house_mut(&mut s, &house)?;
            h.annual_kwh = annual_kwh.unwrap_or(h.annual_kwh);
            h.critical_share = critical_share.unwrap_or(h.critical_share);
        }
        Edit::SetPv {
            house,
            kwp,
            tilt_deg,
            azimuth_deg,
        } => {
            let h = house_mut(&mut s, &house)?;
            let pv =
                h.pv.as_mut()
                    .ok_or_else(|| tr!("edit.no_pv", house = house))?;
            pv.kwp = kwp.unwrap_or(pv.kwp);
            pv.tilt_deg = tilt_deg.unwrap_or(pv.tilt_deg);
            pv.azimuth_deg = azimuth_deg.unwrap_or(pv.azimuth_deg);
        }
        Edit::SetBattery {
            house,
            capacity_kwh,
            power_kw,
            efficiency,
        } => {
            let h = house_mut(&mut s, &house)?;
            let b = h
                .battery
                .as_mut()
                .ok_or_else(|| tr!("edit.no_battery", house = house))?;
            b.capacity_kwh = capacity_kwh.unwrap_or(b.capacity_kwh);
            b.power_kw = power_kw.unwrap_or(b.power_kw);
            b.efficiency = efficiency.unwrap_or(b.efficiency);
        }
        Edit::SetCar {
            house,
            battery_kwh,
            charger_kw,
            v2g,
            daily_km,
            arrive,
            depart,
        } => {
            let h = house_mut(&mut s, &house)?;
            let e =
                h.ev.as_mut()
                    .ok_or_else(|| tr!("edit.no_car", house = house))?;
            e.battery_kwh = battery_kwh.unwrap_or(e.battery_kwh);
            e.charger_kw = charger_kw.unwrap_or(e.charger_kw);
            e.v2g = v2g.unwrap_or(e.v2g);
            e.daily_km = daily_km.unwrap_or(e.daily_km);
            e.arrive = arrive.unwrap_or(e.arrive);
            e.depart = depart.unwrap_or(e.depart);
        }
        Edit::SetOrder {
            house,
            ask_eur_per_kwh,
            bid_eur_per_kwh,
        } => {
            house_mut(&mut s, &house)?.order = Some(crate::scenario::Order {
                ask_eur_per_kwh,
                bid_eur_per_kwh,
            });
        }
        Edit::ClearOrder { house } => {
            house_mut(&mut s, &house)?.order = None;
        }
        Edit::SetPhase { house, unit, phase } => {
            let h = house_mut(&mut s, &house)?;
            let missing = |what: &str| tr!(what, house = house);
            match unit {
                PhaseUnit::Connection => {
                    h.phase = phase;
                    if !phase.is_three() {
                        // All of its load is on the one phase now.
                        h.load_shares = None;
                        for p in [
                            h.pv.as_mut().map(|x| &mut x.phase),
                            h.battery.as_mut().map(|x| &mut x.phase),
                            h.ev.as_mut().map(|x| &mut x.phase),
                        ]
                        .into_iter()
                        .flatten()
                        {
                            *p = phase;
                        }
                    }
                }
                PhaseUnit::Pv => {
                    h.pv.as_mut().ok_or_else(|| missing("edit.no_pv"))?.phase = phase;
                }
                PhaseUnit::Battery => {
                    h.battery
                        .as_mut()
                        .ok_or_else(|| missing("edit.no_battery"))?
                        .phase = phase;
                }
                PhaseUnit::Car => {
                    h.ev.as_mut().ok_or_else(|| missing("edit.no_car"))?.phase = phase;
                }
            }
        }
        Edit::SetTurbine {
            name,
            model,
            hub_height_m,
        } => {
            let t = turbine_mut(&mut s, &name)?;
            t.model = model.unwrap_or_else(|| t.model.clone());
            t.hub_height_m = hub_height_m.unwrap_or(t.hub_height_m);
        }
        Edit::SetTransformer { transformer } => {
            s.grid.transformer = transformer;
            // A given MV level must still match: it follows the new type.
            s.grid.mv_kv = None;
        }
        Edit::SetController {
            strategy,
            outage_reserve,
        } => {
            s.controller.strategy = strategy;
            if let Some(r) = outage_reserve {
                s.controller.outage_reserve = r;
            }
        }
        Edit::AddCable {
            from,
            to,
            cable,
            position_m,
            length_m,
        } => add_cable(&mut s, &from, &to, cable, position_m, length_m)?,
        Edit::SetSwitch { from, to, switch } => line_mut(&mut s, &from, &to)?.switch = switch,
        Edit::SetCable { from, to, cable } => line_mut(&mut s, &from, &to)?.cable = cable,
        Edit::RemoveBus { bus } => remove_bus(&mut s, &bus)?,
        Edit::MoveHouse {
            house,
            position_m,
            bus,
        } => {
            let h = house_mut(&mut s, &house)?;
            h.position_m = Position(position_m.0, position_m.1);
            if let Some(bus) = bus {
                h.bus = bus;
            }
        }
        Edit::MoveTurbine {
            name,
            position_m,
            bus,
        } => {
            let t = turbine_mut(&mut s, &name)?;
            t.position_m = Position(position_m.0, position_m.1);
            if let Some(bus) = bus {
                t.bus = bus;
            }
        }
    }
    Ok(s)
}

/// Where a bus stands: the busbar at the origin, a feeder's bus if placed.
fn placed(s: &Scenario, bus: &str) -> Option<(f64, f64)> {
    if bus == LV_BUSBAR_NAME {
        return Some((0.0, 0.0));
    }
    bus_position(s, bus).map(|p| (p.0, p.1))
}

fn bus_exists(s: &Scenario, bus: &str) -> bool {
    bus == LV_BUSBAR_NAME
        || bus == MV_BUS_NAME
        || s.feeders
            .iter()
            .flat_map(|f| &f.buses)
            .any(|b| b.name == bus)
}

/// The feeder holding a bus, by index.
fn feeder_of(s: &Scenario, bus: &str) -> Option<usize> {
    s.feeders
        .iter()
        .position(|f| f.buses.iter().any(|b| b.name == bus))
}

fn add_cable(
    s: &mut Scenario,
    from: &str,
    to: &str,
    cable: String,
    position_m: Option<(f64, f64)>,
    length_m: Option<f64>,
) -> Result<(), Refusal> {
    if !bus_exists(s, from) {
        return Err(tr!("edit.no_bus_to_start", from = from));
    }
    if from == to {
        return Err(tr("edit.two_ends").to_owned());
    }
    let new_joint = !bus_exists(s, to);
    let end = if new_joint {
        Some(position_m.ok_or_else(|| tr!("edit.say_where", to = to))?)
    } else {
        placed(s, to)
    };
    let length_m = match (length_m, placed(s, from), end) {
        (Some(l), _, _) => l,
        (None, Some(a), Some(b)) => ((a.0 - b.0).hypot(a.1 - b.1)).max(1.0),
        _ => {
            return Err(tr!("edit.give_length", from = from, to = to));
        }
    };
    let line = LineSpec {
        from: from.to_owned(),
        to: to.to_owned(),
        cable,
        length_m: (length_m * 10.0).round() / 10.0,
        switch: None,
    };
    // A new joint extends its street unless that street is locked or the
    // cable leaves the busbar: then it starts a street of its own.
    let feeder = feeder_of(s, from).filter(|&f| !s.feeders[f].locked);
    let f = match feeder {
        Some(f) => f,
        None => {
            let name = (1..)
                .map(|n| tr!("edit.new_street", n = n))
                .find(|n| s.feeders.iter().all(|f| &f.name != n))
                .unwrap_or_default();
            s.feeders.push(Feeder {
                name,
                buses: Vec::new(),
                lines: Vec::new(),
                locked: false,
            });
            s.feeders.len() - 1
        }
    };
    if new_joint {
        s.feeders[f].buses.push(BusSpec {
            name: to.to_owned(),
            position_m: end.map(|(x, y)| Position(x, y)),
        });
    }
    s.feeders[f].lines.push(line);
    Ok(())
}

/// The buses that would lose their last path to the busbar without `bus`
/// (none for a joint at a street's end, or one in a ring).
fn cut_off_by_removing(s: &Scenario, bus: &str) -> Vec<String> {
    use std::collections::{HashMap, VecDeque};
    let mut adjacent: HashMap<&str, Vec<&str>> = HashMap::new();
    for l in s.feeders.iter().flat_map(|f| &f.lines) {
        if l.from != bus && l.to != bus {
            adjacent.entry(&l.from).or_default().push(&l.to);
            adjacent.entry(&l.to).or_default().push(&l.from);
        }
    }
    let mut reached: std::collections::HashSet<&str> = [LV_BUSBAR_NAME].into();
    let mut queue: VecDeque<&str> = [LV_BUSBAR_NAME].into();
    while let Some(b) = queue.pop_front() {
        for &n in adjacent.get(b).into_iter().flatten() {
            if reached.insert(n) {
                queue.push_back(n);
            }
        }
    }
    s.feeders
        .iter()
        .flat_map(|f| &f.buses)
        .filter(|b| b.name != bus && !reached.contains(b.name.as_str()))
        .map(|b| b.name.clone())
        .collect()
}

fn remove_bus(s: &mut Scenario, bus: &str) -> Result<(), Refusal> {
    if bus == LV_BUSBAR_NAME || bus == MV_BUS_NAME {
        return Err(tr("edit.transformer_buses").to_owned());
    }
    let f = feeder_of(s, bus).ok_or_else(|| tr!("edit.no_bus", bus = bus))?;
    if s.feeders[f].locked {
        return Err(tr!("edit.locked", name = s.feeders[f].name));
    }
    let cut_off = cut_off_by_removing(s, bus);
    if !cut_off.is_empty() {
        let shown: Vec<&str> = cut_off.iter().take(4).map(String::as_str).collect();
        let shown = shown.join(", ");
        let more = cut_off.len() - cut_off.len().min(4);
        return Err(if more > 0 {
            tr!("edit.still_feeds_more", bus = bus, buses = shown, n = more)
        } else {
            tr!("edit.still_feeds", bus = bus, buses = shown)
        });
    }
    for h in s.houses.iter().filter(|h| h.bus == bus) {
        if let Some(why) = house_lock(s, &h.name) {
            return Err(tr!("edit.hangs_off", why = why, bus = bus));
        }
    }
    if let Some(t) = s.wind_turbines.iter().find(|t| t.bus == bus && t.locked) {
        return Err(tr!(
            "edit.hangs_off",
            why = tr!("edit.turbine_locked", name = t.name),
            bus = bus
        ));
    }
    s.houses.retain(|h| h.bus != bus);
    s.wind_turbines.retain(|t| t.bus != bus);
    for feeder in &mut s.feeders {
        feeder.buses.retain(|b| b.name != bus);
        feeder.lines.retain(|l| l.from != bus && l.to != bus);
    }
    // A street left empty goes with its last joint.
    s.feeders
        .retain(|f| !f.buses.is_empty() || !f.lines.is_empty());
    Ok(())
}
