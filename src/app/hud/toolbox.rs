//! The toolbox along the bottom in build mode (each tool's icon, name and
//! price), the label that follows a tool's ghost (what a click would do, at
//! what cost, and its predicted effect on the power flow; or why not), and
//! the padlocks over locked parts.

use super::*;
use crate::app::modes::build::{BuildMarks, BuildTool, Mark};
use crate::app::world::placement::{CAR_BATTERY_KWH, ROOF_PV_KWP, Tool};
use crate::challenge::realism;
use crate::lang::eur;
use crate::lang::{num, tr};
use crate::scenario::edit::trimmed;
use crate::tr;

fn icon(tool: Tool) -> &'static str {
    match tool {
        Tool::House => "🏠",
        Tool::Pv => "☀",
        Tool::Battery => "🔋",
        Tool::Car { v2g: false } => "🚗",
        Tool::Car { v2g: true } => "🔌",
        Tool::Turbine => "💨",
        Tool::Cable => "⚡",
        Tool::Move => "✋",
        Tool::Remove => "🗑",
    }
}

/// What the tool's part costs at the scenario's prices, in a few words.
fn price(tool: Tool, live: &Live, fields: &build::BuildFields) -> String {
    let p = &live.hood.0.scenario.prices;
    match tool {
        Tool::House => tr!("toolbox.price_house", eur = eur(p.house_connection_eur)),
        Tool::Pv => format!(
            "{} / kWp · {} kWp {}",
            eur(p.pv_eur_per_kwp),
            trimmed(fields.pv_kwp),
            eur(fields.pv_kwp * p.pv_eur_per_kwp)
        ),
        Tool::Battery => format!(
            "{} / kWh · {} kWh {}",
            eur(p.battery_eur_per_kwh),
            trimmed(fields.battery_kwh),
            eur(p.battery(fields.battery_kwh, fields.battery_kw))
        ),
        Tool::Car { .. } => tr!(
            "toolbox.price_car",
            kwh = trimmed(CAR_BATTERY_KWH),
            eur = eur(p.car(CAR_BATTERY_KWH))
        ),
        Tool::Turbine => format!("{} kW {}", num(8.9, 1), eur(p.turbine("Bergey Excel 10"))),
        Tool::Cable => tr!(
            "toolbox.price_cable",
            eur = eur(p.cable_per_m(&fields.cable))
        ),
        Tool::Move => tr("toolbox.price_move").to_owned(),
        Tool::Remove => tr("toolbox.price_remove").to_owned(),
    }
}

/// A big square button: the icon above, the name below.
fn tool_button(ui: &mut egui::Ui, chosen: bool, icon: &str, name: &str) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(104.0, 74.0), egui::Sense::click());
    let v = ui.style().interact_selectable(&response, chosen);
    let painter = ui.painter();
    painter.rect(
        rect,
        6.0,
        v.weak_bg_fill,
        v.bg_stroke,
        egui::StrokeKind::Inside,
    );
    painter.text(
        rect.center_top() + egui::vec2(0.0, 26.0),
        egui::Align2::CENTER_CENTER,
        icon,
        egui::FontId::proportional(32.0),
        v.text_color(),
    );
    painter.text(
        rect.center_bottom() - egui::vec2(0.0, 15.0),
        egui::Align2::CENTER_CENTER,
        name,
        egui::FontId::proportional(16.0),
        v.text_color(),
    );
    response
}

/// The row of tools at the bottom of the view.
pub(super) fn toolbox(
    ctx: &egui::Context,
    live: &Live,
    fields: &mut build::BuildFields,
    tool: &mut BuildTool,
    marks: Option<&BuildMarks>,
    stage: Stage,
    unbalance_key: Option<bool>,
) {
    let (align, offset) = stage.anchor(egui::Align2::CENTER_BOTTOM, 10.0);
    let view_width = stage.width();
    egui::Window::new(tr("toolbox.title"))
        .id("toolbox".into())
        .title_bar(false)
        .resizable(false)
        // Centred at the foot of the 3D view, clear of the drawer.
        .anchor(align, offset)
        .show(ctx, |ui| {
            // Wraps to two rows where the view is narrow (a large UI size).
            ui.set_max_width((view_width - 40.0).max(300.0));
            // The unbalance view's key (V), here where build mode leaves it room.
            if let Some(per_phase) = unbalance_key {
                super::overlays::unbalance_key_row(ui, per_phase);
                ui.separator();
            }
            let hovered = tool_buttons(ui, fields, tool);
            if let Some(t) = hovered {
                ui.horizontal_wrapped(|ui| {
                    ui.label(egui::RichText::new(t.name()).strong().size(15.0));
                    ui.label(egui::RichText::new(t.hint()).size(15.0));
                    ui.label(egui::RichText::new(price(t, live, fields)).size(15.0));
                });
                return;
            }
            tool_settings(ui, live, fields, tool);
            if let Some((can, of)) = marks.and_then(|m| m.takers) {
                ui.label(tr!("toolbox.takers", can = can, of = of));
            }
            // The sizes follow the fields into the tool in hand.
            if let Some(s) = tool.state.as_mut() {
                s.pv_kwp = fields.pv_kwp;
                s.battery = (fields.battery_kwh, fields.battery_kw);
                s.cable = fields.cable.clone();
            }
        });
}

/// The row of tool buttons (a press takes the tool); returns the one hovered.
fn tool_buttons(
    ui: &mut egui::Ui,
    fields: &build::BuildFields,
    tool: &mut BuildTool,
) -> Option<Tool> {
    let mut hovered = None;
    ui.horizontal_wrapped(|ui| {
        let allowed = tool.allowed.clone();
        for t in Tool::ALL {
            if allowed.as_ref().is_some_and(|a| !a.contains(&t.kind())) {
                continue;
            }
            let chosen = tool.state.as_ref().is_some_and(|s| s.tool == t);
            let response = tool_button(ui, chosen, icon(t), t.name());
            if response.hovered() {
                hovered = Some(t);
            }
            // Taken on the press, not the release: a slow frame
            // cannot lose it, and no tooltip can come between.
            let pressed = response.contains_pointer() && ui.input(|i| i.pointer.primary_pressed());
            if pressed {
                tool.choose(
                    t,
                    fields.pv_kwp,
                    (fields.battery_kwh, fields.battery_kw),
                    &fields.cable,
                );
            }
        }
    });
    hovered
}

/// The tool in hand's settings (size, cable type) and price, or a hint.
fn tool_settings(
    ui: &mut egui::Ui,
    live: &Live,
    fields: &mut build::BuildFields,
    tool: &BuildTool,
) {
    ui.horizontal(|ui| match tool.state.as_ref().map(|s| s.tool) {
        Some(t @ (Tool::Pv | Tool::Battery)) => {
            if t == Tool::Pv {
                ui.label(tr("toolbox.pv_size"));
                ui.add(
                    build::drag(&mut fields.pv_kwp)
                        .range(0.5..=30.0)
                        .speed(0.1)
                        .suffix(" kWp"),
                );
                if ui
                    .small_button(tr!("toolbox.fill_roof", kwp = trimmed(ROOF_PV_KWP)))
                    .clicked()
                {
                    fields.pv_kwp = ROOF_PV_KWP;
                }
            } else {
                ui.label(tr("toolbox.battery"));
                ui.add(
                    build::drag(&mut fields.battery_kwh)
                        .range(realism::HOME_BATTERY_KWH.0..=realism::HOME_BATTERY_KWH.1)
                        .speed(0.5)
                        .suffix(" kWh"),
                );
                ui.add(
                    build::drag(&mut fields.battery_kw)
                        .range(0.5..=fields.battery_kwh * realism::HOME_BATTERY_MAX_C_RATE)
                        .speed(0.1)
                        .suffix(" kW"),
                );
            }
            ui.label(price(t, live, fields));
        }
        Some(Tool::Cable) => {
            ui.label(tr("toolbox.cable_type"));
            egui::ComboBox::from_id_salt("new cable")
                .selected_text(fields.cable.clone())
                .show_ui(ui, |ui| {
                    for (name, _) in crate::network::catalogue::STANDARD_CABLES {
                        ui.selectable_value(&mut fields.cable, (*name).to_owned(), *name);
                    }
                });
            ui.label(price(Tool::Cable, live, fields));
        }
        Some(t) => {
            ui.label(egui::RichText::new(t.hint()).size(15.0));
        }
        None => {
            ui.label(egui::RichText::new(tr("toolbox.pick_a_tool")).size(15.0));
        }
    });
}

/// The label beside the ghost.
pub(super) fn ghost_label(ctx: &egui::Context, live: &Live, tool: &BuildTool) {
    let (Some(g), Some(px), Some(state)) = (&tool.ghost, tool.cursor_px, &tool.state) else {
        return;
    };
    egui::Area::new("ghost label".into())
        .fixed_pos(egui::pos2(px.x + 18.0, px.y + 18.0))
        .interactable(false)
        .order(egui::Order::Tooltip)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(380.0);
                ui.label(
                    egui::RichText::new(format!("{} {}", icon(state.tool), state.tool.name()))
                        .strong()
                        .size(16.0),
                );
                match &g.edit {
                    Err(why) => {
                        let colour = if g.take.is_some() {
                            palette::BLUE
                        } else {
                            palette::VERMILLION
                        };
                        ui.label(egui::RichText::new(why).color(ink(ui, colour)).size(15.0));
                    }
                    Ok(edit) => {
                        let fresh = live
                            .preview
                            .as_deref()
                            .filter(|p| &p.edit == edit && p.at_edits == live.edits.done.len());
                        match fresh.map(|p| &p.result) {
                            Some(Ok(p)) => {
                                let cost = p.spending.total();
                                let taken = p.spending.total_removed();
                                ui.label(
                                    egui::RichText::new(tr!(
                                        "toolbox.click_to",
                                        what = edit.to_do()
                                    ))
                                    .size(15.0),
                                );
                                if cost > 0.5 {
                                    ui.label(
                                        egui::RichText::new(tr!("build.costs", eur = eur(cost)))
                                            .size(15.0),
                                    );
                                }
                                if taken > 0.5 {
                                    ui.label(tr!("toolbox.takes_away", eur = eur(taken)));
                                }
                                build::flow_grid(ui, p);
                            }
                            Some(Err(why)) => {
                                ui.label(
                                    egui::RichText::new(tr!("toolbox.cannot", why = why))
                                        .color(ink(ui, palette::VERMILLION))
                                        .size(15.0),
                                );
                            }
                            None => {
                                ui.label(edit.to_do());
                                ui.label(egui::RichText::new(tr("toolbox.working_out")).small());
                            }
                        }
                    }
                }
            });
        });
}

/// The marks over the parts in build mode: a padlock (a shackle and a
/// body) over each locked part; with a tool for houses in hand a green
/// disc with a plus over each house that can take it and a grey disc with
/// a bar over each that has one already. Shape tells them apart as well as
/// colour.
pub(super) fn build_marks(ctx: &egui::Context, marks: &BuildMarks, view: Option<egui::Rect>) {
    if marks.marks.is_empty() {
        return;
    }
    let zoom = ctx.zoom_factor();
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Background, "marks".into()));
    let dark = egui::Color32::from_rgb(40, 40, 40);
    let white = egui::Color32::WHITE;
    let gold = c32(palette::YELLOW);
    let green = c32(palette::darker(palette::GREEN));
    let grey = egui::Color32::from_rgb(120, 120, 120);
    for (p, mark) in &marks.marks {
        let c = egui::pos2(p.x, p.y) / zoom;
        // Only over the 3D view, not over the panels beside it.
        if view.is_some_and(|r| !r.shrink(8.0).contains(c)) {
            continue;
        }
        match mark {
            Mark::Lock => {
                let body =
                    egui::Rect::from_center_size(c + egui::vec2(0.0, 4.0), egui::vec2(16.0, 12.0));
                painter.circle_stroke(c + egui::vec2(0.0, -2.0), 5.0, egui::Stroke::new(3.0, dark));
                painter.rect_filled(body, 2.0, gold);
                painter.rect_stroke(
                    body,
                    2.0,
                    egui::Stroke::new(1.5, dark),
                    egui::StrokeKind::Outside,
                );
            }
            Mark::Takes | Mark::Full => {
                let (fill, r) = if *mark == Mark::Takes {
                    (green, 12.0)
                } else {
                    (grey, 9.0)
                };
                painter.circle(c, r, fill, egui::Stroke::new(2.0, white));
                let arm = r * 0.55;
                let stroke = egui::Stroke::new(3.0, white);
                painter.line_segment([c - egui::vec2(arm, 0.0), c + egui::vec2(arm, 0.0)], stroke);
                if *mark == Mark::Takes {
                    painter
                        .line_segment([c - egui::vec2(0.0, arm), c + egui::vec2(0.0, arm)], stroke);
                }
            }
        }
    }
}
