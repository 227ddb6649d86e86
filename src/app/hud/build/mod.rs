//! The build panel (B): what a click selected, the buttons that add to it,
//! change it or take it away, the edit history with undo and redo, and Save
//! as. Every button queues one [`Action::Edit`] (or undo, redo, save); the
//! edit is checked as a scenario file would be, and a refusal says why here.
//!
//! The tools for what is selected are in `selection.rs`, a house's own
//! (its fields, PV, battery and car) in `house.rs`.

mod house;
mod selection;

use super::*;
use crate::app::control::editing::my_file;
use crate::lang::eur;
use crate::lang::{num, tr};
use crate::scenario::edit::Edit;
use crate::tr;
use selection::selection_tools;

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
    /// The name Save as gives the file (in `scenes/my/`).
    pub save_as: String,
    /// Save as found a file of that name: the question "Replace it?" is open.
    pub replace: Option<std::path::PathBuf>,
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
            replace: None,
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

/// A kind of part in the spending ("PV", "battery") as the window names it.
pub(super) fn kind_name(kind: &str) -> &str {
    match kind {
        "house" => tr("build.kind_house"),
        "PV" => tr("build.kind_pv"),
        "battery" => tr("build.kind_battery"),
        "car" => tr("build.kind_car"),
        "turbine" => tr("build.kind_turbine"),
        "cable" => tr("build.kind_cable"),
        "phase" => tr("build.kind_phase"),
        other => other,
    }
}

/// The predicted effect of an edit, as the tooltip of its button.
fn preview_ui(ui: &mut egui::Ui, preview: &crate::app::control::editing::EditPreview) {
    match &preview.result {
        Err(why) => {
            ui.label(egui::RichText::new(why).color(ink(ui, palette::VERMILLION)));
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
        if let (Some(x), Some(y)) = (p.before.unbalance_percent, p.after.unbalance_percent) {
            ui.label(tr("build.unbalance"));
            ui.label(format!("{} % -> {} %", num(x, 2), num(y, 2)));
            ui.end_row();
        }
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

/// Another neighbourhood (another file, a challenge, a lesson) starts the
/// Save as field afresh from its name, so that one challenge's file name
/// does not carry into the next; a challenge's run of the same place keeps it.
pub(super) fn forget_the_file_name(
    mut changes: MessageReader<crate::sim::NeighbourhoodChanged>,
    mut fields: ResMut<BuildFields>,
) {
    if changes.read().any(|c| !c.edited && !c.same_place) {
        fields.save_as.clear();
        fields.replace = None;
    }
}

/// The build window: the selection's tools, the message, the budget, the history and Save as.
pub(super) fn build_panel(
    ctx: &egui::Context,
    live: &Live,
    source: &ScenarioSource,
    fields: &mut BuildFields,
    stage: Stage,
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
        fields.save_as = tr!("build.save_default", name = stem);
    }
    // The draft follows the selection and every edit, undo and redo.
    let key = selected.map(|pick| (pick, edits.done.len(), edits.undone.len()));
    if fields.draft_of != key {
        fields.draft_of = key;
        if let Some((pick, ..)) = key {
            fields.draft = read_draft(built, pick);
        }
    }
    // At the right of the 3D view (beside the drawer), clear of the inspector on the left.
    let (align, offset) = stage.anchor(egui::Align2::RIGHT_TOP, 10.0);
    egui::Window::new(egui::RichText::new(tr("build.title")).strong().size(20.0))
        .id("build".into())
        .anchor(align, offset)
        .resizable(false)
        .collapsible(true)
        .default_width(380.0)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical()
                .max_height((stage.height() - 330.0).max(120.0))
                .show(ui, |ui| {
                    selection_tools(ui, live, fields, selected, actions);
                });
            ui.separator();
            if let Some(message) = &edits.message {
                let colour = if edits.refused {
                    ink(ui, palette::VERMILLION)
                } else {
                    ink(ui, palette::GREEN)
                };
                ui.label(big(message.clone()).color(colour));
            }
            budget(ui, live);
            history_tools(ui, live, actions);
            ui.separator();
            save_tools(ui, live, source, fields, actions);
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
    source: &ScenarioSource,
    fields: &mut BuildFields,
    actions: &mut PendingActions,
) {
    let edits = &live.edits;
    // A name, not a path: the file goes to the students' folder.
    ui.horizontal(|ui| {
        ui.label(tr("build.save_name"));
        ui.add(egui::TextEdit::singleline(&mut fields.save_as).desired_width(220.0));
    });
    let target = my_file(&fields.save_as);
    match &target {
        Some(path) => ui.small(tr!("build.save_goes_to", path = path.display())),
        None => ui.small(tr("build.save_needs_name")),
    };
    if let (Some(asked), Some(path)) = (&fields.replace, &target)
        && asked == path
    {
        // Never over another file without asking.
        ui.label(
            egui::RichText::new(tr!("build.replace_question", path = path.display()))
                .color(ink(ui, palette::ORANGE)),
        );
        ui.horizontal(|ui| {
            if ui.button(tr("build.replace")).clicked() {
                actions.push(Action::SaveAs(path.clone()));
                fields.replace = None;
            }
            if ui.button(tr("build.keep_it")).clicked() {
                fields.replace = None;
            }
        });
    }
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                target.is_some(),
                egui::Button::new(big(tr("build.save_as"))),
            )
            .clicked()
            && let Some(path) = &target
        {
            // Saving over the file this neighbourhood came from is Save.
            if path.exists() && *path != source.path {
                fields.replace = Some(path.clone());
            } else {
                actions.push(Action::SaveAs(path.clone()));
            }
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
