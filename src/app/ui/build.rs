//! The build panel (B): what a click selected, the buttons that add to it,
//! change it or take it away, the edit history with undo and redo, and Save
//! as. Every button queues one [`Action::Edit`] (or undo, redo, save); the
//! edit is checked as a scenario file would be, and a refusal says why here.

use super::*;
use crate::app::editing::MY_FOLDER;
use crate::scenario::edit::Edit;

/// Steps a preview stays good for while the clock runs.
const PREVIEW_FRESH_STEPS: u64 = 30;

/// The sizes the buttons add and the Save as name, kept between frames.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildFields {
    /// PV to add, kWp.
    pub pv_kwp: f64,
    /// Battery to add, kWh.
    pub battery_kwh: f64,
    /// Its inverter, kW.
    pub battery_kw: f64,
    /// A house's yearly demand as edited, kWh.
    pub annual_kwh: f64,
    /// For which house `annual_kwh` was read.
    pub annual_for: Option<String>,
    /// The Save as file.
    pub save_as: String,
}

impl Default for BuildFields {
    fn default() -> Self {
        Self {
            pv_kwp: 6.5,
            battery_kwh: 10.0,
            battery_kw: 5.0,
            annual_kwh: 3500.0,
            annual_for: None,
            save_as: String::new(),
        }
    }
}

fn big(text: impl Into<String>) -> egui::RichText {
    egui::RichText::new(text).size(16.0)
}

/// A name for a new house at `bus` that no house has.
fn new_house_name(built: &crate::scenario::Built, bus: &str) -> String {
    (1..)
        .map(|n| format!("New house {n} at {bus}"))
        .find(|name| built.scenario.houses.iter().all(|h| &h.name != name))
        .unwrap_or_else(|| format!("New house at {bus}"))
}

/// The predicted effect of an edit, as the tooltip of its button.
fn preview_ui(ui: &mut egui::Ui, preview: &crate::app::controls::EditPreview) {
    match &preview.result {
        Err(why) => {
            ui.label(egui::RichText::new(why).color(c32(palette::VERMILLION)));
        }
        Ok(p) => {
            ui.label(
                egui::RichText::new(format!("{}: what it would do now", p.description)).strong(),
            );
            egui::Grid::new("preview").num_columns(2).show(ui, |ui| {
                ui.label("Transformer");
                ui.label(format!(
                    "{:.0} % -> {:.0} %",
                    p.before.transformer_percent, p.after.transformer_percent
                ));
                ui.end_row();
                ui.label(p.feeder.clone().unwrap_or_else(|| "Voltages".to_owned()));
                ui.label(format!(
                    "{:.3}-{:.3} pu -> {:.3}-{:.3} pu",
                    p.before.v_min_pu, p.before.v_max_pu, p.after.v_min_pu, p.after.v_max_pu
                ));
                ui.end_row();
                if let (Some((a, x)), Some((b, y))) = (&p.before.busiest, &p.after.busiest) {
                    ui.label("Busiest cable");
                    ui.label(if a == b {
                        format!("{a}: {x:.0} % -> {y:.0} %")
                    } else {
                        format!("{a} {x:.0} % -> {b} {y:.0} %")
                    });
                    ui.end_row();
                }
            });
        }
    }
}

/// A button that makes `edit`; hovered, it shows what the edit would do now.
fn edit_button(
    ui: &mut egui::Ui,
    label: &str,
    edit: Edit,
    live: &Live,
    actions: &mut PendingActions,
) {
    let response = ui.button(big(label));
    if response.hovered() {
        // Fresh for this edit, the neighbourhood as it is, and the last
        // half hour or so of simulated time (a running clock need not
        // recompute it every frame).
        let fresh = live.preview.as_deref().filter(|p| {
            p.edit == edit
                && p.at_edits == live.edits.done.len()
                && live.clock.steps.saturating_sub(p.at_step) < PREVIEW_FRESH_STEPS
        });
        match fresh {
            Some(p) => {
                response.clone().on_hover_ui(|ui| preview_ui(ui, p));
            }
            None => actions.push(Action::Preview(edit.clone())),
        }
    }
    if response.clicked() {
        actions.push(Action::Edit(edit));
    }
}

pub(super) fn build_panel(
    ctx: &egui::Context,
    live: &Live,
    source: &ScenarioSource,
    ui_state: &mut UiState,
    actions: &mut PendingActions,
) {
    let built = &live.hood.0;
    let edits = &live.edits;
    if ui_state.build.save_as.is_empty() {
        let stem = source
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".scenario.ron"))
            .unwrap_or("my");
        ui_state.build.save_as = format!("{MY_FOLDER}/{stem}-edited.scenario.ron");
    }
    // Beside the charts panel, clear of the inspector on the left.
    let right = if ui_state.show_charts { -420.0 } else { -10.0 };
    egui::Window::new(egui::RichText::new("Build").strong().size(20.0))
        .id("build".into())
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(right, 90.0))
        .resizable(false)
        .collapsible(true)
        .default_width(360.0)
        .show(ctx, |ui| {
            let selected = ui_state.selected;
            match selected {
                Some(Pick::House(h)) => {
                    if let Some(house) = built.scenario.houses.get(h).cloned() {
                        house_tools(ui, &house, live, ui_state, actions);
                    }
                }
                Some(Pick::Bus(b)) => {
                    if let Some(bus) = built.network.buses.get(b)
                        && bus.feeder.is_some()
                    {
                        ui.label(big(format!("Bus {}", bus.name)).strong());
                        edit_button(ui, "Add a house here", Edit::AddHouse {
                                name: new_house_name(built, &bus.name),
                                bus: bus.name.clone(),
                                annual_kwh: 3500.0,
                                position_m: None,
                            }, live, actions);
                        if ui.button(big("Add a wind turbine here")).clicked() {
                            let name = (1..)
                                .map(|n| format!("Turbine {n} at {}", bus.name))
                                .find(|n| built.scenario.wind_turbines.iter().all(|t| &t.name != n))
                                .unwrap_or_default();
                            actions.push(Action::Edit(Edit::AddTurbine {
                                name,
                                bus: bus.name.clone(),
                                model: "Bergey Excel 10".into(),
                                hub_height_m: 24.0,
                                position_m: None,
                            }));
                        }
                    } else {
                        ui.label("Houses and turbines go on a street's buses.");
                    }
                }
                Some(Pick::Device(d)) => {
                    if let Some(device) = built.devices.get(d)
                        && matches!(device.kind, DeviceKind::Wind { .. })
                    {
                        ui.label(big(device.name.clone()).strong());
                        edit_button(ui, "Remove this turbine", Edit::RemoveTurbine {
                                name: device.name.clone(),
                            }, live, actions);
                    }
                }
                _ => {
                    ui.label(big(
                        "Click a house to give it PV, a battery or a car; click a bus disc on a street to add a house or a turbine there.",
                    ));
                }
            }
            ui.separator();
            if let Some(message) = &edits.message {
                let colour = if edits.refused {
                    c32(palette::VERMILLION)
                } else {
                    c32(palette::GREEN)
                };
                ui.label(big(message.clone()).color(colour));
            }
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!edits.done.is_empty(), egui::Button::new(big("Undo (Ctrl+Z)")))
                    .clicked()
                {
                    actions.push(Action::Undo);
                }
                if ui
                    .add_enabled(!edits.undone.is_empty(), egui::Button::new(big("Redo (Ctrl+Y)")))
                    .clicked()
                {
                    actions.push(Action::Redo);
                }
            });
            if !edits.done.is_empty() {
                ui.label(egui::RichText::new("Edits").strong());
                egui::ScrollArea::vertical()
                    .max_height(120.0)
                    .stick_to_bottom(true)
                    .show(ui, |ui| {
                        for (k, done) in edits.done.iter().enumerate() {
                            ui.label(format!("{}. {}", k + 1, done.description));
                        }
                    });
            }
            ui.separator();
            ui.horizontal(|ui| {
                ui.label("Save as");
                ui.add(
                    egui::TextEdit::singleline(&mut ui_state.build.save_as).desired_width(240.0),
                );
            });
            ui.horizontal(|ui| {
                if ui.button(big("Save as")).clicked() {
                    actions.push(Action::SaveAs(ui_state.build.save_as.clone().into()));
                }
                let unsaved = if edits.unsaved() {
                    "unsaved edits"
                } else {
                    "saved"
                };
                ui.label(unsaved);
                if let Some(ms) = edits.last_apply_ms {
                    ui.label(egui::RichText::new(format!("last edit {ms:.0} ms")).small());
                }
            });
        });
}

fn house_tools(
    ui: &mut egui::Ui,
    house: &crate::scenario::House,
    live: &Live,
    ui_state: &mut UiState,
    actions: &mut PendingActions,
) {
    let name = house.name.clone();
    if let Some(why) = crate::scenario::edit::house_lock(&live.hood.0.scenario, &name) {
        ui.label(big(name).strong());
        ui.label(big(format!(
            "Locked: {why}; it cannot be changed or removed."
        )));
        return;
    }
    let fields = &mut ui_state.build;
    if fields.annual_for.as_deref() != Some(name.as_str()) {
        fields.annual_for = Some(name.clone());
        fields.annual_kwh = house.annual_kwh;
    }
    ui.label(big(name.clone()).strong());
    ui.horizontal(|ui| {
        ui.label("Demand");
        ui.add(
            egui::DragValue::new(&mut fields.annual_kwh)
                .range(0.0..=100_000.0)
                .speed(50.0)
                .suffix(" kWh/year"),
        );
        if ui.button("Set").clicked() {
            actions.push(Action::Edit(Edit::SetHouse {
                house: name.clone(),
                annual_kwh: Some(fields.annual_kwh),
                critical_share: None,
            }));
        }
    });
    ui.horizontal(|ui| match house.pv {
        None => {
            ui.add(
                egui::DragValue::new(&mut fields.pv_kwp)
                    .range(0.5..=30.0)
                    .speed(0.1)
                    .suffix(" kWp"),
            );
            edit_button(
                ui,
                "Add PV",
                Edit::AddPv {
                    house: name.clone(),
                    kwp: fields.pv_kwp,
                    tilt_deg: 30.0,
                    azimuth_deg: 180.0,
                },
                live,
                actions,
            );
        }
        Some(pv) => {
            ui.label(format!("PV {:.1} kWp", pv.kwp));
            edit_button(
                ui,
                "Remove PV",
                Edit::RemovePv {
                    house: name.clone(),
                },
                live,
                actions,
            );
        }
    });
    ui.horizontal(|ui| match house.battery {
        None => {
            ui.add(
                egui::DragValue::new(&mut fields.battery_kwh)
                    .range(1.0..=50.0)
                    .speed(0.5)
                    .suffix(" kWh"),
            );
            ui.add(
                egui::DragValue::new(&mut fields.battery_kw)
                    .range(0.5..=20.0)
                    .speed(0.1)
                    .suffix(" kW"),
            );
            edit_button(
                ui,
                "Add battery",
                Edit::AddBattery {
                    house: name.clone(),
                    capacity_kwh: fields.battery_kwh,
                    power_kw: fields.battery_kw,
                    efficiency: 0.95,
                },
                live,
                actions,
            );
        }
        Some(b) => {
            ui.label(format!(
                "Battery {:.1} kWh / {:.1} kW",
                b.capacity_kwh, b.power_kw
            ));
            edit_button(
                ui,
                "Remove battery",
                Edit::RemoveBattery {
                    house: name.clone(),
                },
                live,
                actions,
            );
        }
    });
    ui.horizontal(|ui| match house.ev {
        None => {
            for (label, v2g) in [("Add car", false), ("Add V2G car", true)] {
                edit_button(
                    ui,
                    label,
                    Edit::AddCar {
                        house: name.clone(),
                        battery_kwh: 60.0,
                        charger_kw: 11.0,
                        v2g,
                        daily_km: 40.0,
                    },
                    live,
                    actions,
                );
            }
        }
        Some(e) => {
            ui.label(format!(
                "Car {:.0} kWh{}",
                e.battery_kwh,
                if e.v2g { ", V2G" } else { "" }
            ));
            let toggle = if e.v2g { "V2G off" } else { "V2G on" };
            if ui.button(big(toggle)).clicked() {
                actions.push(Action::Edit(Edit::SetCar {
                    house: name.clone(),
                    battery_kwh: None,
                    charger_kw: None,
                    v2g: Some(!e.v2g),
                    daily_km: None,
                }));
            }
            edit_button(
                ui,
                "Remove car",
                Edit::RemoveCar {
                    house: name.clone(),
                },
                live,
                actions,
            );
        }
    });
    edit_button(
        ui,
        "Remove this house",
        Edit::RemoveHouse { house: name },
        live,
        actions,
    );
}
