//! The build panel's tools for what is selected: a joint, a wind turbine,
//! a cable and its switch, the transformer and the controller; a house's
//! tools are in `house.rs`.

use super::house::house_tools;
use super::*;

/// What can be done to the selection.
pub(super) fn selection_tools(
    ui: &mut egui::Ui,
    live: &Live,
    fields: &mut BuildFields,
    selected: &mut Option<Pick>,
    actions: &mut PendingActions,
) {
    let built = &live.hood.0;
    match *selected {
        Some(Pick::House(h)) => {
            if let Some(house) = built.scenario.houses.get(h).cloned() {
                house_tools(ui, &house, live, fields, actions);
            }
        }
        Some(Pick::Bus(b)) => bus_tools(ui, live, b, actions),
        Some(Pick::Device(d)) => device_tools(ui, live, fields, selected, d, actions),
        Some(Pick::Line(l)) => cable_tools(ui, live, fields, l, actions),
        Some(Pick::Transformer) => transformer_tools(ui, live, fields, actions),
        None => {
            ui.label(big(tr("build.nothing_selected")));
        }
    }
}

/// A name for a new house at `bus` that no house has.
fn new_house_name(built: &crate::scenario::Built, bus: &str) -> String {
    (1..)
        .map(|n| tr!("build.new_house_name", n = n, bus = bus))
        .find(|name| built.scenario.houses.iter().all(|h| &h.name != name))
        .unwrap_or_else(|| tr!("build.new_house_name", n = "", bus = bus))
}

/// A joint (bus `b`) on a feeder: add a house there or take the joint away.
fn bus_tools(ui: &mut egui::Ui, live: &Live, b: usize, actions: &mut PendingActions) {
    let built = &live.hood.0;
    if let Some(bus) = built.network.buses.get(b)
        && bus.feeder.is_some()
    {
        ui.label(big(tr!("build.joint", name = bus.name)).strong());
        edit_button(
            ui,
            tr("build.add_house_here"),
            Edit::AddHouse {
                name: new_house_name(built, &bus.name),
                bus: bus.name.clone(),
                annual_kwh: 3500.0,
                position_m: None,
            },
            live,
            actions,
        );
        edit_button(
            ui,
            tr("build.remove_joint"),
            Edit::RemoveBus {
                bus: bus.name.clone(),
            },
            live,
            actions,
        );
        ui.label(tr("build.cable_from_here"));
    } else {
        ui.label(tr("build.joints_only"));
    }
}

/// Device `d`: a wind turbine's model, hub height and removal; a house's device selects its house.
fn device_tools(
    ui: &mut egui::Ui,
    live: &Live,
    fields: &mut BuildFields,
    selected: &mut Option<Pick>,
    d: usize,
    actions: &mut PendingActions,
) {
    let built = &live.hood.0;
    if let Some(device) = built.devices.get(d)
        && matches!(device.kind, DeviceKind::Wind { .. })
    {
        let name = device.name.clone();
        ui.label(big(name.clone()).strong());
        if let Some(why) = built
            .scenario
            .wind_turbines
            .iter()
            .find(|t| t.name == name && t.locked)
        {
            ui.label(big(tr!("build.turbine_locked", name = why.name)));
            return;
        }
        let draft = &mut fields.draft;
        ui.horizontal(|ui| {
            ui.label(tr("build.model"));
            egui::ComboBox::from_id_salt("turbine model")
                .selected_text(draft.turbine.0.clone())
                .show_ui(ui, |ui| {
                    for m in crate::physics::wind::turbine_models() {
                        ui.selectable_value(&mut draft.turbine.0, m.to_owned(), m);
                    }
                });
        });
        ui.horizontal(|ui| {
            ui.label(tr("build.hub_height"));
            ui.add(
                drag(&mut draft.turbine.1)
                    .range(5.0..=60.0)
                    .speed(0.5)
                    .suffix(" m"),
            );
            edit_button(
                ui,
                tr("build.apply"),
                Edit::SetTurbine {
                    name: name.clone(),
                    model: Some(draft.turbine.0.clone()),
                    hub_height_m: Some(draft.turbine.1),
                },
                live,
                actions,
            );
        });
        edit_button(
            ui,
            tr("build.remove_turbine"),
            Edit::RemoveTurbine { name },
            live,
            actions,
        );
    } else if let Some(device) = built.devices.get(d)
        && let Some(h) = device.house
    {
        ui.label(tr!("build.belongs_to_house", name = device.name));
        *selected = Some(Pick::House(h));
    }
}

/// Cable `l`: its type, its switch, and taking it away with its far joint.
fn cable_tools(
    ui: &mut egui::Ui,
    live: &Live,
    fields: &mut BuildFields,
    l: usize,
    actions: &mut PendingActions,
) {
    let built = &live.hood.0;
    if let Some(line) = built.network.lines.get(l) {
        let (from, to) = (
            built.network.buses[line.from_bus].name.clone(),
            built.network.buses[line.to_bus].name.clone(),
        );
        ui.label(big(tr!("build.cable", from = from, to = to)).strong());
        ui.label(tr!(
            "build.cable_length",
            m = num(line.length_km * 1000.0, 0),
            cable = line.cable_name
        ));
        let draft = &mut fields.draft;
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("cable type")
                .selected_text(draft.cable.clone())
                .show_ui(ui, |ui| {
                    for (n, c) in crate::network::catalogue::STANDARD_CABLES {
                        ui.selectable_value(
                            &mut draft.cable,
                            (*n).to_owned(),
                            format!("{n} ({} A)", num(c.max_i_ka * 1000.0, 0)),
                        );
                    }
                    for n in built.scenario.cable_types.keys() {
                        ui.selectable_value(&mut draft.cable, n.clone(), n);
                    }
                });
            edit_button(
                ui,
                tr("build.apply"),
                Edit::SetCable {
                    from: from.clone(),
                    to: to.clone(),
                    cable: draft.cable.clone(),
                },
                live,
                actions,
            );
        });
        switch_row(ui, line.switch_closed, &from, &to, live, actions);
        edit_button(
            ui,
            &tr!("build.remove_joint_and_cable", to = to),
            Edit::RemoveBus { bus: to },
            live,
            actions,
        );
    }
}

/// A cable's switch and the edits that fit, open, close or take it off.
fn switch_row(
    ui: &mut egui::Ui,
    closed: Option<bool>,
    from: &str,
    to: &str,
    live: &Live,
    actions: &mut PendingActions,
) {
    use crate::scenario::SwitchState::{self, Closed, Open};
    let (state, choices): (&str, Vec<(&str, Option<SwitchState>)>) = match closed {
        None => (
            tr("build.no_switch"),
            vec![(tr("build.fit_switch"), Some(Closed))],
        ),
        Some(true) => (
            tr("build.switch_closed"),
            vec![
                (tr("build.open_switch"), Some(Open)),
                (tr("build.take_switch_off"), None),
            ],
        ),
        Some(false) => (
            tr("build.switch_open"),
            vec![
                (tr("build.close_switch"), Some(Closed)),
                (tr("build.take_switch_off"), None),
            ],
        ),
    };
    ui.horizontal(|ui| {
        ui.label(big(state));
        for (label, switch) in choices {
            let edit = Edit::SetSwitch {
                from: from.to_owned(),
                to: to.to_owned(),
                switch,
            };
            edit_button(ui, label, edit, live, actions);
        }
    });
}

/// The transformer: the controller's tools, then its type unless it is locked.
fn transformer_tools(
    ui: &mut egui::Ui,
    live: &Live,
    fields: &mut BuildFields,
    actions: &mut PendingActions,
) {
    let built = &live.hood.0;
    controller_tools(ui, live, fields, actions);
    ui.separator();
    ui.label(big(tr("build.transformer")).strong());
    if built.scenario.grid.locked {
        ui.label(big(tr("build.transformer_locked")));
        return;
    }
    let draft = &mut fields.draft;
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("transformer type")
            .selected_text(draft.transformer.clone())
            .show_ui(ui, |ui| {
                for (n, _) in crate::network::catalogue::STANDARD_TRANSFORMERS {
                    ui.selectable_value(&mut draft.transformer, (*n).to_owned(), *n);
                }
                for n in built.scenario.transformer_types.keys() {
                    ui.selectable_value(&mut draft.transformer, n.clone(), n);
                }
            });
        edit_button(
            ui,
            tr("build.apply"),
            Edit::SetTransformer {
                transformer: draft.transformer.clone(),
            },
            live,
            actions,
        );
    });
}

/// The controller at the point of common coupling: its strategy and the
/// share of each battery it keeps for outages.
fn controller_tools(
    ui: &mut egui::Ui,
    live: &Live,
    fields: &mut BuildFields,
    actions: &mut PendingActions,
) {
    use crate::scenario::tariff::Strategy;
    ui.label(big(tr("build.energy_management")).strong());
    let draft = &mut fields.draft;
    let name = |s: Strategy| match s {
        Strategy::SelfConsumption => tr("build.self_consumption"),
        Strategy::PriceAware => tr("build.price_aware"),
        Strategy::EconomicIslanding => tr("build.economic_islanding"),
    };
    egui::ComboBox::from_id_salt("controller strategy")
        .selected_text(big(name(draft.controller.0)))
        .show_ui(ui, |ui| {
            for s in [
                Strategy::SelfConsumption,
                Strategy::PriceAware,
                Strategy::EconomicIslanding,
            ] {
                ui.selectable_value(&mut draft.controller.0, s, big(name(s)));
            }
        });
    ui.label(big(match draft.controller.0 {
        Strategy::SelfConsumption => tr("build.self_consumption_note"),
        Strategy::PriceAware => tr("build.price_aware_note"),
        Strategy::EconomicIslanding => tr("build.economic_islanding_note"),
    }));
    let mut percent = draft.controller.1 * 100.0;
    ui.add(
        egui::Slider::new(&mut percent, 0.0..=100.0)
            .step_by(5.0)
            .suffix(tr("build.kept_for_outages")),
    );
    draft.controller.1 = percent / 100.0;
    let edit = Edit::SetController {
        strategy: draft.controller.0,
        outage_reserve: Some(draft.controller.1),
    };
    edit_button(ui, tr("build.apply_strategy"), edit, live, actions);
}
