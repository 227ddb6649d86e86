//! The build panel (B): what a click selected, the buttons that add to it,
//! change it or take it away, the edit history with undo and redo, and Save
//! as. Every button queues one [`Action::Edit`] (or undo, redo, save); the
//! edit is checked as a scenario file would be, and a refusal says why here.

use super::*;
use crate::app::control::editing::MY_FOLDER;
use crate::lang::eur;
use crate::lang::{num, tr};
use crate::scenario::edit::{Edit, trimmed as num_trimmed};
use crate::tr;

/// Steps a preview stays good for while the clock runs.
const PREVIEW_FRESH_STEPS: u64 = 30;

/// The sizes the tools add, the Save as name, and the drafts of what is
/// selected (applied with one edit), kept between frames.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct BuildFields {
    /// PV to add, kWp.
    pub pv_kwp: f64,
    /// Battery to add, kWh.
    pub battery_kwh: f64,
    /// Its inverter, kW.
    pub battery_kw: f64,
    /// Cable type for new cables.
    pub cable: String,
    /// The Save as file.
    pub save_as: String,
    /// The selection's values as being edited.
    pub draft: Draft,
    /// What the draft was read from: the selection, and the edits done and undone then.
    pub draft_of: Option<(Pick, usize, usize)>,
}

/// The values of the selected object being edited, before "Apply".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    /// The house's demand, kWh/year, and critical share.
    pub house: (f64, f64),
    /// Its PV: kWp, tilt, azimuth.
    pub pv: (f64, f64, f64),
    /// Its battery: kWh, kW, efficiency.
    pub battery: (f64, f64, f64),
    /// Its car: battery kWh, charger kW, km a day.
    pub car: (f64, f64, f64),
    /// When the car comes home and leaves, "HH:MM".
    pub car_times: (String, String),
    /// A turbine's model and hub height.
    pub turbine: (String, f64),
    /// A cable's type.
    pub cable: String,
    /// The transformer's type.
    pub transformer: String,
    /// The controller's strategy and outage reserve (0 to 1).
    pub controller: (crate::scenario::tariff::Strategy, f64),
}

impl Default for BuildFields {
    fn default() -> Self {
        Self {
            pv_kwp: crate::app::world::placement::ROOF_PV_KWP,
            battery_kwh: 10.0,
            battery_kw: 5.0,
            cable: "NAYY 4x150 SE".to_owned(),
            save_as: String::new(),
            draft: Draft::default(),
            draft_of: None,
        }
    }
}

/// The draft read afresh from the neighbourhood for `pick`.
fn read_draft(built: &crate::scenario::Built, pick: Pick) -> Draft {
    let mut d = Draft::default();
    match pick {
        Pick::House(h) => {
            if let Some(house) = built.scenario.houses.get(h) {
                d.house = (house.annual_kwh, house.critical_share);
                if let Some(pv) = house.pv {
                    d.pv = (pv.kwp, pv.tilt_deg, pv.azimuth_deg);
                }
                if let Some(b) = house.battery {
                    d.battery = (b.capacity_kwh, b.power_kw, b.efficiency);
                }
                if let Some(e) = house.ev {
                    d.car = (e.battery_kwh, e.charger_kw, e.daily_km);
                    d.car_times = (
                        e.arrive.0.format("%H:%M").to_string(),
                        e.depart.0.format("%H:%M").to_string(),
                    );
                }
            }
        }
        Pick::Device(i) => {
            if let Some(t) = built.devices.get(i).and_then(|dev| {
                built
                    .scenario
                    .wind_turbines
                    .iter()
                    .find(|t| t.name == dev.name)
            }) {
                d.turbine = (t.model.clone(), t.hub_height_m);
            }
        }
        Pick::Line(l) => {
            if let Some(line) = built.network.lines.get(l) {
                d.cable = line.cable_name.clone();
            }
        }
        Pick::Transformer => {
            d.transformer = built.scenario.grid.transformer.clone();
            let c = &built.scenario.controller;
            d.controller = (c.strategy, c.outage_reserve);
        }
        Pick::Bus(_) => {}
    }
    d
}

fn big(text: impl Into<String>) -> egui::RichText {
    egui::RichText::new(text).size(16.0)
}

/// A field for a number, written and read the language's way (a decimal
/// comma in German).
pub(super) fn drag(v: &mut f64) -> egui::DragValue<'_> {
    let d = egui::DragValue::new(v).custom_formatter(|n, decimals| {
        let s = egui::emath::format_with_decimals_in_range(n, decimals);
        if crate::lang::current() == crate::lang::Lang::En {
            s
        } else {
            s.replace('.', ",")
        }
    });
    if crate::lang::current() == crate::lang::Lang::En {
        d
    } else {
        d.custom_parser(|s| s.trim().replace(',', ".").parse().ok())
    }
}

/// A name for a new house at `bus` that no house has.
fn new_house_name(built: &crate::scenario::Built, bus: &str) -> String {
    (1..)
        .map(|n| tr!("build.new_house_name", n = n, bus = bus))
        .find(|name| built.scenario.houses.iter().all(|h| &h.name != name))
        .unwrap_or_else(|| tr!("build.new_house_name", n = "", bus = bus))
}

/// A kind of part in the spending ("PV", "battery") as the window names it.
fn kind_name(kind: &str) -> &str {
    match kind {
        "house" => tr("build.kind_house"),
        "PV" => tr("build.kind_pv"),
        "battery" => tr("build.kind_battery"),
        "charger" => tr("build.kind_charger"),
        "turbine" => tr("build.kind_turbine"),
        "cable" => tr("build.kind_cable"),
        other => other,
    }
}

/// The predicted effect of an edit, as the tooltip of its button.
fn preview_ui(ui: &mut egui::Ui, preview: &crate::app::control::editing::EditPreview) {
    match &preview.result {
        Err(why) => {
            ui.label(egui::RichText::new(why).color(c32(palette::VERMILLION)));
        }
        Ok(p) => {
            ui.label(
                egui::RichText::new(tr!("build.would_do_now", what = preview.edit.describe()))
                    .strong(),
            );
            let cost = p.spending.total();
            if cost > 0.5 {
                ui.label(tr!("build.costs", eur = eur(cost)));
            }
            flow_grid(ui, p);
        }
    }
}

/// Before and after at this instant: transformer, voltages, busiest cable.
pub(super) fn flow_grid(ui: &mut egui::Ui, p: &crate::sim::preview::Preview) {
    egui::Grid::new("preview").num_columns(2).show(ui, |ui| {
        ui.label(tr("build.transformer"));
        ui.label(format!(
            "{} % -> {} %",
            num(p.before.transformer_percent, 0),
            num(p.after.transformer_percent, 0)
        ));
        ui.end_row();
        ui.label(
            p.feeder
                .clone()
                .unwrap_or_else(|| tr("build.voltages").to_owned()),
        );
        ui.label(format!(
            "{}-{} pu -> {}-{} pu",
            num(p.before.v_min_pu, 3),
            num(p.before.v_max_pu, 3),
            num(p.after.v_min_pu, 3),
            num(p.after.v_max_pu, 3)
        ));
        ui.end_row();
        if let (Some((a, x)), Some((b, y))) = (&p.before.busiest, &p.after.busiest) {
            ui.label(tr("build.busiest_cable"));
            let (x, y) = (num(*x, 0), num(*y, 0));
            ui.label(if a == b {
                format!("{a}: {x} % -> {y} %")
            } else {
                format!("{a} {x} % -> {b} {y} %")
            });
            ui.end_row();
        }
    });
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

/// The build window: the selection's tools, the message, the budget, the history and Save as.
pub(super) fn build_panel(
    ctx: &egui::Context,
    live: &Live,
    source: &ScenarioSource,
    fields: &mut BuildFields,
    charts_open: bool,
    selected: &mut Option<Pick>,
    actions: &mut PendingActions,
) {
    let built = &live.hood.0;
    let edits = &live.edits;
    if fields.save_as.is_empty() {
        let stem = source
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".scenario.ron"))
            .unwrap_or("my");
        fields.save_as = format!("{MY_FOLDER}/{stem}-edited.scenario.ron");
    }
    // The draft follows the selection and every edit, undo and redo.
    let key = selected.map(|pick| (pick, edits.done.len(), edits.undone.len()));
    if fields.draft_of != key {
        fields.draft_of = key;
        if let Some((pick, ..)) = key {
            fields.draft = read_draft(built, pick);
        }
    }
    // Beside the charts panel, clear of the inspector on the left.
    let right = if charts_open { -420.0 } else { -10.0 };
    egui::Window::new(egui::RichText::new(tr("build.title")).strong().size(20.0))
        .id("build".into())
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(right, 90.0))
        .resizable(false)
        .collapsible(true)
        .default_width(380.0)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical()
                .max_height(ctx.content_rect().height() - 330.0)
                .show(ui, |ui| {
                    selection_tools(ui, live, fields, selected, actions);
                });
            ui.separator();
            if let Some(message) = &edits.message {
                let colour = if edits.refused {
                    c32(palette::VERMILLION)
                } else {
                    c32(palette::GREEN)
                };
                ui.label(big(message.clone()).color(colour));
            }
            budget(ui, live);
            history_tools(ui, live, actions);
            ui.separator();
            save_tools(ui, live, fields, actions);
        });
}

/// Undo and redo, and the list of the edits done.
fn history_tools(ui: &mut egui::Ui, live: &Live, actions: &mut PendingActions) {
    let edits = &live.edits;
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                !edits.done.is_empty(),
                egui::Button::new(big(tr("build.undo"))),
            )
            .clicked()
        {
            actions.push(Action::Undo);
        }
        if ui
            .add_enabled(
                !edits.undone.is_empty(),
                egui::Button::new(big(tr("build.redo"))),
            )
            .clicked()
        {
            actions.push(Action::Redo);
        }
    });
    if !edits.done.is_empty() {
        ui.label(egui::RichText::new(tr("build.edits")).strong());
        egui::ScrollArea::vertical()
            .id_salt("edit list")
            .max_height(110.0)
            .stick_to_bottom(true)
            .show(ui, |ui| {
                for (k, done) in edits.done.iter().enumerate() {
                    ui.label(format!("{}. {}", k + 1, done.edit.describe()));
                }
            });
    }
}

/// The Save as file, its button, whether the edits are saved, and the last edit's time.
fn save_tools(
    ui: &mut egui::Ui,
    live: &Live,
    fields: &mut BuildFields,
    actions: &mut PendingActions,
) {
    let edits = &live.edits;
    ui.horizontal(|ui| {
        ui.label(tr("build.save_as"));
        ui.add(egui::TextEdit::singleline(&mut fields.save_as).desired_width(300.0));
    });
    ui.horizontal(|ui| {
        if ui.button(big(tr("build.save_as"))).clicked() {
            actions.push(Action::SaveAs(fields.save_as.clone().into()));
        }
        let unsaved = if edits.unsaved() {
            tr("build.unsaved")
        } else if edits.done.is_empty() && edits.undone.is_empty() {
            tr("build.no_edits")
        } else {
            tr("build.saved")
        };
        ui.label(unsaved);
        if let Some(ms) = edits.last_apply_ms {
            ui.label(egui::RichText::new(tr!("build.last_edit_ms", ms = num(ms, 0))).small());
        }
    });
}

/// What the edits have cost against the scenario as loaded, and the budget.
fn budget(ui: &mut egui::Ui, live: &Live) {
    let spending = &live.edits.spending;
    let spent = spending.total();
    let line = match live.hood.0.scenario.budget_eur {
        Some(budget) => tr!(
            "build.spent_of",
            spent = eur(spent),
            budget = eur(budget),
            left = eur((budget - spent).max(0.0))
        ),
        None => tr!("build.edits_cost", eur = eur(spent)),
    };
    ui.label(big(line)).on_hover_ui(|ui| {
        ui.label(tr("build.prices_note"));
        for (kind, x) in &spending.spent {
            ui.label(format!("{}: {}", kind_name(kind), eur(*x)));
        }
        if spending.total_removed() > 0.5 {
            ui.label(tr!("build.taken_away", eur = eur(spending.total_removed())));
        }
    });
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

/// What can be done to the selection.
fn selection_tools(
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

/// A house's tools: its own fields, its PV, battery and car, and removing it.
fn house_tools(
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
                value(ui, &mut d.pv.0, 0.5..=30.0, 0.1, " kWp");
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
                value(ui, &mut d.battery.0, 1.0..=50.0, 0.5, " kWh");
                value(ui, &mut d.battery.1, 0.5..=20.0, 0.1, " kW");
                value(
                    ui,
                    &mut d.battery.2,
                    0.5..=1.0,
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
                            battery_kwh: 60.0,
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
        value(ui, &mut d.car.0, 5.0..=250.0, 1.0, " kWh");
        value(ui, &mut d.car.1, 1.0..=22.0, 0.1, tr("build.kw_charger"));
        value(ui, &mut d.car.2, 0.0..=1000.0, 1.0, tr("build.km_a_day"));
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
            ui.label(egui::RichText::new(tr("build.times_hint")).color(c32(palette::VERMILLION)));
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
