//! The build panel's tools for a house: its demand and critical share, its
//! PV, battery and car, and removing it.

use super::*;
use crate::challenge::realism;
use crate::scenario::edit::trimmed as num_trimmed;

/// A house's tools: its own fields, its PV, battery and car, and removing it.
pub(super) fn house_tools(
    ui: &mut egui::Ui,
    house: &crate::scenario::House,
    live: &Live,
    fields: &mut BuildFields,
    actions: &mut PendingActions,
) {
    let name = house.name.clone();
    ui.label(big(name.clone()).strong());
    if let Some(why) = crate::scenario::edit::house_lock(&live.hood.0.scenario, &name) {
        ui.label(big(tr!("build.house_locked", why = why)));
        return;
    }
    house_fields(ui, &name, live, &mut fields.draft, actions);
    if live.hood.0.scenario.phases == crate::scenario::PhaseModel::Unbalanced {
        phase_tools(ui, house, &name, live, actions);
    }
    ui.separator();
    pv_tools(ui, house, &name, live, fields, actions);
    ui.separator();
    battery_tools(ui, house, &name, live, fields, actions);
    ui.separator();
    car_tools(ui, house, &name, live, fields, actions);
    ui.separator();
    edit_button(
        ui,
        tr("build.remove_house"),
        Edit::RemoveHouse { house: name },
        live,
        actions,
    );
}

/// In a scenario solved per phase: the phase of the house's connection and
/// of each of its units, each other choice a button whose hover shows the
/// unbalance it would cause.
fn phase_tools(
    ui: &mut egui::Ui,
    house: &crate::scenario::House,
    name: &str,
    live: &Live,
    actions: &mut PendingActions,
) {
    use crate::scenario::Phase;
    use crate::scenario::edit::PhaseUnit;
    let units = [
        (
            tr("build.connection"),
            PhaseUnit::Connection,
            Some(house.phase),
        ),
        (tr("build.pv"), PhaseUnit::Pv, house.pv.map(|p| p.phase)),
        (
            tr("build.battery"),
            PhaseUnit::Battery,
            house.battery.map(|b| b.phase),
        ),
        (tr("build.car"), PhaseUnit::Car, house.ev.map(|e| e.phase)),
    ];
    for (label, unit, current) in units {
        let Some(current) = current else { continue };
        ui.horizontal(|ui| {
            ui.label(tr!("build.phase_of", what = label));
            for phase in [Phase::Three, Phase::A, Phase::B, Phase::C] {
                if phase == current {
                    ui.label(big(phase_label(phase)).strong().underline());
                } else if let Some(why) = phase_refused(house, unit, phase) {
                    // Said here, in the window's language, rather than
                    // refused after the click by the scenario's check.
                    ui.add_enabled(false, egui::Button::new(big(phase_label(phase))))
                        .on_disabled_hover_text(why);
                } else {
                    edit_button(
                        ui,
                        &phase_label(phase),
                        Edit::SetPhase {
                            house: name.to_owned(),
                            unit,
                            phase,
                        },
                        live,
                        actions,
                    );
                }
            }
        });
    }
}

/// Why the scenario's check would refuse putting `unit` of `house` on
/// `phase` (see `scenario::build::check_phases`), or `None`.
fn phase_refused(
    house: &crate::scenario::House,
    unit: crate::scenario::edit::PhaseUnit,
    phase: crate::scenario::Phase,
) -> Option<String> {
    use crate::scenario::SINGLE_PHASE_MAX_KVA;
    use crate::scenario::edit::PhaseUnit;
    let pv_kva = house.pv.map(|p| p.kwp / crate::physics::solar::DC_AC_RATIO);
    let battery_kva = house.battery.map(|b| b.power_kw);
    let car_kva = house.ev.map(|e| e.charger_kw);
    let moved: Vec<f64> = match unit {
        // A house put on one phase takes its units along.
        PhaseUnit::Connection => [pv_kva, battery_kva, car_kva]
            .into_iter()
            .flatten()
            .collect(),
        PhaseUnit::Pv => pv_kva.into_iter().collect(),
        PhaseUnit::Battery => battery_kva.into_iter().collect(),
        PhaseUnit::Car => car_kva.into_iter().collect(),
    };
    if unit != PhaseUnit::Connection && !house.phase.is_three() && phase != house.phase {
        return Some(tr!("build.phase_house_on_one", phase = house.phase.label()));
    }
    let largest = moved.into_iter().fold(0.0, f64::max);
    (!phase.is_three() && largest > SINGLE_PHASE_MAX_KVA + 1e-9).then(|| {
        tr!(
            "build.phase_too_big",
            kva = num(largest, 1),
            max = num(SINGLE_PHASE_MAX_KVA, 1)
        )
    })
}

/// "3~" for three-phase, else the phase's letter.
fn phase_label(phase: crate::scenario::Phase) -> String {
    if phase.is_three() {
        "3~".to_owned()
    } else {
        phase.label().to_owned()
    }
}

/// A field for one of a house's numbers, with its range, drag speed and unit.
fn value(
    ui: &mut egui::Ui,
    v: &mut f64,
    range: std::ops::RangeInclusive<f64>,
    speed: f64,
    unit: &str,
) {
    ui.add(drag(v).range(range).speed(speed).suffix(unit));
}

/// The house's own fields: its demand a year and its critical share.
fn house_fields(
    ui: &mut egui::Ui,
    name: &str,
    live: &Live,
    d: &mut Draft,
    actions: &mut PendingActions,
) {
    ui.horizontal(|ui| {
        ui.label(tr("build.demand"));
        value(
            ui,
            &mut d.house.0,
            0.0..=100_000.0,
            50.0,
            tr("build.kwh_a_year"),
        );
        ui.label(tr("build.critical"));
        value(ui, &mut d.house.1, 0.0..=1.0, 0.01, "");
        edit_button(
            ui,
            tr("build.apply"),
            Edit::SetHouse {
                house: name.to_owned(),
                annual_kwh: Some(d.house.0),
                critical_share: Some(d.house.1),
            },
            live,
            actions,
        );
    });
}

/// The house's PV: add it, or its size, tilt and azimuth and removing it.
fn pv_tools(
    ui: &mut egui::Ui,
    house: &crate::scenario::House,
    name: &str,
    live: &Live,
    fields: &mut BuildFields,
    actions: &mut PendingActions,
) {
    let d = &mut fields.draft;
    match house.pv {
        None => {
            ui.horizontal(|ui| {
                ui.label(tr("build.no_pv"));
                edit_button(
                    ui,
                    &tr!("build.add_pv", kwp = num_trimmed(fields.pv_kwp)),
                    Edit::AddPv {
                        house: name.to_owned(),
                        kwp: fields.pv_kwp,
                        tilt_deg: 30.0,
                        azimuth_deg: 180.0,
                    },
                    live,
                    actions,
                );
            });
        }
        Some(_) => {
            ui.horizontal(|ui| {
                ui.label(tr("build.pv"));
                value(ui, &mut d.pv.0, 0.5..=realism::ROOF_MAX_KWP, 0.1, " kWp");
                value(ui, &mut d.pv.1, 0.0..=90.0, 1.0, tr("build.tilt"));
                value(ui, &mut d.pv.2, 0.0..=360.0, 1.0, tr("build.azimuth"));
            });
            ui.horizontal(|ui| {
                edit_button(
                    ui,
                    tr("build.apply"),
                    Edit::SetPv {
                        house: name.to_owned(),
                        kwp: Some(d.pv.0),
                        tilt_deg: Some(d.pv.1),
                        azimuth_deg: Some(d.pv.2),
                    },
                    live,
                    actions,
                );
                edit_button(
                    ui,
                    tr("build.remove_pv"),
                    Edit::RemovePv {
                        house: name.to_owned(),
                    },
                    live,
                    actions,
                );
            });
        }
    }
}

/// The house's battery: add one, or its capacity, power and efficiency and removing it.
fn battery_tools(
    ui: &mut egui::Ui,
    house: &crate::scenario::House,
    name: &str,
    live: &Live,
    fields: &mut BuildFields,
    actions: &mut PendingActions,
) {
    let build = &*fields;
    match house.battery {
        None => {
            ui.horizontal(|ui| {
                ui.label(tr("build.no_battery"));
                edit_button(
                    ui,
                    &tr!(
                        "build.add_battery",
                        kwh = num_trimmed(build.battery_kwh),
                        kw = num_trimmed(build.battery_kw)
                    ),
                    Edit::AddBattery {
                        house: name.to_owned(),
                        capacity_kwh: build.battery_kwh,
                        power_kw: build.battery_kw,
                        efficiency: 0.95,
                    },
                    live,
                    actions,
                );
            });
        }
        Some(_) => {
            let d = &mut fields.draft;
            ui.horizontal(|ui| {
                ui.label(tr("build.battery"));
                // Within the products sold, as a challenge grades them.
                let (min, max) = realism::HOME_BATTERY_KWH;
                value(ui, &mut d.battery.0, min..=max, 0.5, " kWh");
                let most_kw = d.battery.0 * realism::HOME_BATTERY_MAX_C_RATE;
                value(ui, &mut d.battery.1, 0.5..=most_kw, 0.1, " kW");
                value(
                    ui,
                    &mut d.battery.2,
                    0.5..=realism::HOME_BATTERY_MAX_EFFICIENCY,
                    0.005,
                    tr("build.efficiency"),
                );
            });
            ui.horizontal(|ui| {
                edit_button(
                    ui,
                    tr("build.apply"),
                    Edit::SetBattery {
                        house: name.to_owned(),
                        capacity_kwh: Some(d.battery.0),
                        power_kw: Some(d.battery.1),
                        efficiency: Some(d.battery.2),
                    },
                    live,
                    actions,
                );
                edit_button(
                    ui,
                    tr("build.remove_battery"),
                    Edit::RemoveBattery {
                        house: name.to_owned(),
                    },
                    live,
                    actions,
                );
            });
        }
    }
}

/// The house's car: add one (with V2G or without), or its own tools.
fn car_tools(
    ui: &mut egui::Ui,
    house: &crate::scenario::House,
    name: &str,
    live: &Live,
    fields: &mut BuildFields,
    actions: &mut PendingActions,
) {
    match house.ev {
        None => {
            ui.horizontal(|ui| {
                ui.label(tr("build.no_car"));
                for (label, v2g) in [
                    (tr("build.add_car"), false),
                    (tr("build.add_v2g_car"), true),
                ] {
                    edit_button(
                        ui,
                        label,
                        Edit::AddCar {
                            house: name.to_owned(),
                            battery_kwh: crate::app::world::placement::CAR_BATTERY_KWH,
                            charger_kw: 11.0,
                            v2g,
                            daily_km: 40.0,
                        },
                        live,
                        actions,
                    );
                }
            });
        }
        Some(e) => car_fields(ui, e, name, live, &mut fields.draft, actions),
    }
}

/// The car `e`: battery, charger, km a day, when home, V2G on or off, and removing it.
fn car_fields(
    ui: &mut egui::Ui,
    e: crate::scenario::Ev,
    name: &str,
    live: &Live,
    d: &mut Draft,
    actions: &mut PendingActions,
) {
    ui.horizontal(|ui| {
        ui.label(if e.v2g {
            tr("build.v2g_car")
        } else {
            tr("build.car")
        });
        let (min, max) = realism::CAR_BATTERY_KWH;
        value(ui, &mut d.car.0, min..=max, 1.0, " kWh");
        let most_kw = realism::HOME_CHARGER_MAX_KW;
        value(ui, &mut d.car.1, 1.0..=most_kw, 0.1, tr("build.kw_charger"));
        value(
            ui,
            &mut d.car.2,
            realism::CAR_MIN_DAILY_KM..=1000.0,
            1.0,
            tr("build.km_a_day"),
        );
    });
    let time_ok = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
    ui.horizontal(|ui| {
        ui.label(tr("build.home_from"));
        ui.add(egui::TextEdit::singleline(&mut d.car_times.0).desired_width(50.0));
        ui.label(tr("build.leaves_at"));
        ui.add(egui::TextEdit::singleline(&mut d.car_times.1).desired_width(50.0));
    });
    let (arrive, depart) = (time_ok(&d.car_times.0), time_ok(&d.car_times.1));
    ui.horizontal(|ui| {
        if arrive.is_none() || depart.is_none() {
            ui.label(
                egui::RichText::new(tr("build.times_hint")).color(ink(ui, palette::VERMILLION)),
            );
        } else {
            edit_button(
                ui,
                tr("build.apply"),
                Edit::SetCar {
                    house: name.to_owned(),
                    battery_kwh: Some(d.car.0),
                    charger_kw: Some(d.car.1),
                    v2g: None,
                    daily_km: Some(d.car.2),
                    arrive: arrive.map(crate::scenario::ClockTime),
                    depart: depart.map(crate::scenario::ClockTime),
                },
                live,
                actions,
            );
        }
        let toggle = if e.v2g {
            tr("build.v2g_off")
        } else {
            tr("build.v2g_on")
        };
        edit_button(
            ui,
            toggle,
            Edit::SetCar {
                house: name.to_owned(),
                battery_kwh: None,
                charger_kw: None,
                v2g: Some(!e.v2g),
                daily_km: None,
                arrive: None,
                depart: None,
            },
            live,
            actions,
        );
        edit_button(
            ui,
            tr("build.remove_car"),
            Edit::RemoveCar {
                house: name.to_owned(),
            },
            live,
            actions,
        );
    });
}

#[cfg(test)]
mod tests {
    use super::phase_refused;
    use crate::scenario::edit::{Edit, PhaseUnit, changed, preview_build};
    use crate::scenario::{Phase, Scenario};

    fn scenario(file: &str) -> Scenario {
        let text = std::fs::read_to_string(file).expect("shipped");
        crate::scenario::parse(&text, file).expect("parses")
    }

    /// The buttons the panel greys out are the ones the scenario's check
    /// refuses, for every house, unit and phase of the shipped per-phase
    /// scenes, and again with a house on one phase.
    #[test]
    fn a_phase_button_is_greyed_out_exactly_when_the_check_would_refuse_it() {
        let mut cases = Vec::new();
        for file in [
            "scenes/default-unbalanced.scenario.ron",
            "scenes/kerber-dorfnetz-unbalanced.scenario.ron",
        ] {
            let s = scenario(file);
            // And the first house put on phase B, where it goes.
            let first = s.houses[0].name.clone();
            let on_b = Edit::SetPhase {
                house: first,
                unit: PhaseUnit::Connection,
                phase: Phase::B,
            };
            cases.push(s.clone());
            if let Ok(moved) = changed(&on_b, &s).and_then(|m| preview_build(&on_b, &s).map(|_| m))
            {
                cases.push(moved);
            }
        }
        let (mut greyed, mut allowed) = (0, 0);
        for s in &cases {
            for house in &s.houses {
                for unit in [
                    PhaseUnit::Connection,
                    PhaseUnit::Pv,
                    PhaseUnit::Battery,
                    PhaseUnit::Car,
                ] {
                    for phase in [Phase::Three, Phase::A, Phase::B, Phase::C] {
                        let edit = Edit::SetPhase {
                            house: house.name.clone(),
                            unit,
                            phase,
                        };
                        let Ok(after) = changed(&edit, s) else {
                            continue; // no such unit, or the same phase
                        };
                        if after == *s {
                            continue;
                        }
                        let refused = preview_build(&edit, s).is_err();
                        let why = phase_refused(house, unit, phase);
                        assert_eq!(
                            why.is_some(),
                            refused,
                            "{} {unit:?} on {phase:?}: panel says {why:?}, check refuses: {refused}",
                            house.name
                        );
                        if refused {
                            greyed += 1;
                        } else {
                            allowed += 1;
                        }
                    }
                }
            }
        }
        assert!(
            greyed > 0 && allowed > 0,
            "{greyed} greyed, {allowed} allowed"
        );
    }
}
