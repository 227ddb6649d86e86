//! What lies over the 3D view: the key to its colours (K) and the alerts banner.

use super::*;
use crate::lang::tr;

/// A key to the view's colours in a corner of the view, as wide as it fits.
fn key_area(
    ctx: &egui::Context,
    stage: Stage,
    id: &'static str,
    corner: egui::Align2,
    body: impl FnOnce(&mut egui::Ui),
) {
    let (align, offset) = stage.anchor(corner, 10.0);
    egui::Area::new(id.into())
        .anchor(align, offset)
        .constrain_to(stage.view)
        .show(ctx, |ui| {
            ui.set_max_width((stage.width() - 60.0).clamp(200.0, 560.0));
            egui::Frame::popup(ui.style()).show(ui, body);
        });
}

pub(super) fn legend(ctx: &egui::Context, stage: Stage) {
    key_area(ctx, stage, "legend", egui::Align2::LEFT_BOTTOM, |ui| {
        ramp_legend(ui, tr("legend.cable_loading"), &LOADING_STOPS, |v| {
            qty(v, 0, Unit::Percent)
        });
        ramp_legend(ui, tr("legend.bus_voltage"), &VOLTAGE_STOPS, |v| {
            qty(v, 2, Unit::Pu)
        });
        ui.label(tr("legend.dashes"));
        ui.label(tr("legend.badges"));
        ui.label(egui::RichText::new(tr("legend.arcs")).color(ink(ui, palette::GREEN)));
    });
}

/// The key in the unbalance view (V): what the colours now mean, or that
/// a balanced scenario has no unbalance to show. Bottom right: a lesson's
/// panel and the inspector keep the left.
pub(super) fn unbalance_legend(ctx: &egui::Context, stage: Stage, per_phase: bool) {
    key_area(
        ctx,
        stage,
        "unbalance legend",
        egui::Align2::RIGHT_BOTTOM,
        |ui| {
            if per_phase {
                ramp_legend(ui, tr("legend.unbalance"), &UNBALANCE_STOPS, |v| {
                    qty(v, 1, Unit::Percent)
                });
                ramp_legend(ui, tr("legend.neutral"), &palette::NEUTRAL_STOPS, |v| {
                    qty(v, 0, Unit::Percent)
                });
            } else {
                ui.label(tr("legend.balanced_scenario"));
            }
            ui.label(tr("legend.unbalance_off"));
        },
    );
}

/// The unbalance key in a row (two where the view is narrow), for the
/// top of build mode's toolbox: in build mode the corner key would lie
/// under the build panel or the toolbox at every window size.
pub(super) fn unbalance_key_row(ui: &mut egui::Ui, per_phase: bool) {
    if !per_phase {
        ui.label(tr("legend.balanced_scenario"));
        return;
    }
    let unbalance = |ui: &mut egui::Ui| {
        ui.strong(tr("legend.unbalance_short"));
        stop_swatches(ui, &UNBALANCE_STOPS, |v| qty(v, 1, Unit::Percent));
    };
    let neutral = |ui: &mut egui::Ui| {
        ui.strong(tr("legend.neutral_short"));
        stop_swatches(ui, &palette::NEUTRAL_STOPS, |v| qty(v, 0, Unit::Percent));
    };
    // Both ramps whole in one row where it fits (measured: the German
    // titles are longer), else a row a ramp.
    let one_row = ramp_width(ui, tr("legend.unbalance_short"), &UNBALANCE_STOPS, 1)
        + 12.0
        + ramp_width(ui, tr("legend.neutral_short"), &palette::NEUTRAL_STOPS, 0);
    if ui.available_width() >= one_row {
        ui.horizontal(|ui| {
            unbalance(ui);
            ui.add_space(12.0);
            neutral(ui);
        });
    } else {
        ui.horizontal_wrapped(unbalance);
        ui.horizontal_wrapped(neutral);
    }
}

/// The width of a ramp's row: its title, and each stop's swatch and value
/// (as [`stop_swatches`] lays them out), points.
fn ramp_width(ui: &egui::Ui, title: &str, stops: &[(f64, Rgb8)], decimals: usize) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let gap = ui.spacing().item_spacing.x;
    let text = |t: String| {
        ui.ctx().fonts_mut(|f| {
            f.layout_no_wrap(t, font.clone(), egui::Color32::WHITE)
                .size()
                .x
        })
    };
    let stops: f32 = stops
        .iter()
        .map(|&(v, _)| 22.0 + gap + text(qty(v, decimals, Unit::Percent)) + gap)
        .sum();
    text(title.to_owned()) + gap + stops
}

pub(super) fn ramp_legend(
    ui: &mut egui::Ui,
    title: &str,
    stops: &[(f64, Rgb8)],
    label: impl Fn(f64) -> String,
) {
    ui.strong(title);
    ui.horizontal_wrapped(|ui| stop_swatches(ui, stops, label));
}

/// A ramp's stops: a swatch and its value each.
fn stop_swatches(ui: &mut egui::Ui, stops: &[(f64, Rgb8)], label: impl Fn(f64) -> String) {
    for &(value, colour) in stops {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(22.0, 18.0), egui::Sense::hover());
        ui.painter().rect_filled(rect, 2.0, c32(colour));
        ui.label(label(value));
    }
}

pub(super) fn alerts_banner(ctx: &egui::Context, live: &Live, stage: Stage) {
    let list = alerts(
        &live.record,
        live.grid.mode,
        live.grid.economic,
        live.grid.stages_shed,
    );
    if list.is_empty() {
        return;
    }
    // At the top of the 3D view, under the bar's buttons, never over them.
    let (align, offset) = stage.anchor(egui::Align2::CENTER_TOP, 8.0);
    egui::Area::new("alerts".into())
        .anchor(align, offset)
        .interactable(false)
        .show(ctx, |ui| {
            ui.set_max_width((stage.width() - 40.0).clamp(200.0, 720.0));
            for (severity, text) in list {
                let fill = match severity {
                    Severity::Notice => c32([0, 90, 140]),
                    Severity::Warning => c32([170, 110, 0]),
                    Severity::Critical => c32([180, 60, 0]),
                };
                egui::Frame::new()
                    .fill(fill)
                    .corner_radius(6.0)
                    .inner_margin(8.0)
                    .show(ui, |ui| {
                        ui.label(
                            egui::RichText::new(text)
                                .size(18.0)
                                .strong()
                                .color(egui::Color32::WHITE),
                        );
                    });
                ui.add_space(4.0);
            }
        });
}

/// Seconds a note (a screenshot saved, the graphics changed) stays up.
const NOTE_SECONDS: f64 = 4.0;

/// The status note as a toast at the foot of the 3D view, for a few
/// seconds after it changes; it never takes a row of the bars.
pub(super) fn note_toast(
    ctx: &egui::Context,
    stage: Stage,
    note: Option<&str>,
    now_s: f64,
    since: &mut Option<(String, f64)>,
) {
    let Some(note) = note else {
        return;
    };
    if since.as_ref().is_none_or(|(n, _)| n != note) {
        *since = Some((note.to_owned(), now_s));
    }
    if since
        .as_ref()
        .is_some_and(|(_, t)| now_s - t > NOTE_SECONDS)
    {
        return;
    }
    // Painted where its own size puts it, in the bottom right of the view:
    // an anchored area would be placed by the size it had the frame
    // before, wrong in the frame the stage narrows.
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Foreground, "note".into()));
    let style = ctx.global_style();
    let font = egui::TextStyle::Body.resolve(&style);
    let wrap = (stage.width() * 0.6).max(200.0);
    let galley = painter.layout(note.to_owned(), font, style.visuals.text_color(), wrap);
    let pad = egui::vec2(10.0, 8.0);
    let size = galley.size() + pad * 2.0;
    let corner = stage.view.right_bottom() - egui::vec2(10.0, 10.0);
    let rect = egui::Rect::from_min_size(corner - size, size);
    painter.rect_filled(rect, 6.0, style.visuals.window_fill);
    painter.rect_stroke(
        rect,
        6.0,
        style.visuals.window_stroke,
        egui::StrokeKind::Inside,
    );
    painter.galley(rect.min + pad, galley, style.visuals.text_color());
}

/// The price at the grid link, as a sign over its first pole in the 3D
/// view: green when the controller calls it cheap, vermillion when it is
/// dear enough to island on purpose (or over 1 EUR/kWh), slate between,
/// grey with "No grid" when the grid is down. `at` is where the pole's top
/// is on the screen (logical pixels); the sign stays inside `view`.
pub(super) fn price_sign(
    ctx: &egui::Context,
    hood: &crate::sim::Neighbourhood,
    (price, grid_up): (f64, bool),
    at: Option<Vec2>,
    view: egui::Rect,
) {
    let Some(px) = at else {
        return;
    };
    let pos = egui::pos2(px.x, px.y) / ctx.zoom_factor();
    if !view.shrink(40.0).contains(pos) {
        return;
    }
    let controller = &hood.0.scenario.controller;
    let said = || crate::tr!("sign.price", price = crate::lang::num(price, 2));
    let (text, fill) = if !grid_up {
        (
            tr("sign.no_grid").to_owned(),
            egui::Color32::from_rgb(70, 72, 78),
        )
    } else if price <= controller.cheap_eur_per_kwh {
        (said(), c32(palette::darker(palette::GREEN)))
    } else if price >= controller.island_above_eur_per_kwh.min(1.0) {
        (said(), c32(palette::darker(palette::VERMILLION)))
    } else {
        (said(), egui::Color32::from_rgb(44, 52, 64))
    };
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Background,
        "price sign".into(),
    ));
    let galley =
        painter.layout_no_wrap(text, egui::FontId::proportional(18.0), egui::Color32::WHITE);
    let size = galley.size() + egui::vec2(16.0, 10.0);
    let rect = egui::Rect::from_min_size(pos - egui::vec2(size.x / 2.0, size.y), size);
    // Wholly inside the view, over nothing of the panels.
    let view = view.shrink(4.0);
    let dx = (view.left() - rect.left()).max(0.0) + (view.right() - rect.right()).min(0.0);
    let dy = (view.top() - rect.top()).max(0.0) + (view.bottom() - rect.bottom()).min(0.0);
    let rect = rect.translate(egui::vec2(dx, dy));
    painter.rect_filled(rect, 6.0, fill);
    painter.rect_stroke(
        rect,
        6.0,
        egui::Stroke::new(1.5, egui::Color32::WHITE),
        egui::StrokeKind::Inside,
    );
    painter.galley(
        rect.min + egui::vec2(8.0, 5.0),
        galley,
        egui::Color32::WHITE,
    );
}

/// The houses' badges (H), from [`crate::app::world::badges`]: one small
/// dark disc over each roof, so that neighbours' badges do not cover each
/// other. An arrow in it, up and green when the house sells, down and
/// orange when it buys; round it the battery's charge as a ring; on its
/// shoulder a sun when the panels produce. Under the panels, inside `view`.
pub(super) fn house_badges(
    ctx: &egui::Context,
    badges: &[crate::app::world::badges::Badge],
    view: egui::Rect,
) {
    use crate::app::world::badges::Meter;
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Background,
        "house badges".into(),
    ));
    let r = 13.0;
    for b in badges {
        let at = egui::pos2(b.at.x, b.at.y) / ctx.zoom_factor();
        if !view.shrink(18.0).contains(at) {
            continue;
        }
        painter.circle_filled(at, r, egui::Color32::from_black_alpha(180));
        if let Some(charge) = b.charge {
            charge_ring(&painter, at, r - 2.5, charge);
        }
        match b.meter {
            Meter::Buys => arrow_icon(&painter, at, r * 0.6, false),
            Meter::Sells => arrow_icon(&painter, at, r * 0.6, true),
            Meter::Even => {
                painter.circle_filled(at, 2.5, egui::Color32::from_gray(200));
            }
        }
        if b.pv {
            let shoulder = at + egui::vec2(r * 0.85, -r * 0.85);
            painter.circle_filled(shoulder, 6.5, egui::Color32::from_black_alpha(180));
            sun_icon(&painter, shoulder, 6.5);
        }
    }
}

/// A yellow sun: a disc and eight rays, `r` in radius.
fn sun_icon(painter: &egui::Painter, at: egui::Pos2, r: f32) {
    let colour = c32(palette::YELLOW);
    painter.circle_filled(at, r * 0.45, colour);
    for k in 0..8 {
        let a = k as f32 * std::f32::consts::FRAC_PI_4;
        let dir = egui::vec2(a.cos(), a.sin());
        painter.line_segment(
            [at + dir * r * 0.62, at + dir * r * 0.95],
            egui::Stroke::new(1.6, colour),
        );
    }
}

/// A battery's charge as a ring filled clockwise from the top: green from
/// half full, yellow from a fifth, vermillion below.
fn charge_ring(painter: &egui::Painter, at: egui::Pos2, r: f32, charge: f32) {
    painter.circle_stroke(at, r, egui::Stroke::new(3.0, egui::Color32::from_gray(80)));
    let colour = if charge >= 0.5 {
        palette::GREEN
    } else if charge >= 0.2 {
        palette::YELLOW
    } else {
        palette::VERMILLION
    };
    let steps = (charge.clamp(0.0, 1.0) * 32.0).ceil() as usize;
    if steps == 0 {
        return;
    }
    let points: Vec<egui::Pos2> = (0..=steps)
        .map(|k| {
            let a = -std::f32::consts::FRAC_PI_2
                + std::f32::consts::TAU * charge.clamp(0.0, 1.0) * k as f32 / steps as f32;
            at + egui::vec2(a.cos(), a.sin()) * r
        })
        .collect();
    painter.add(egui::Shape::line(
        points,
        egui::Stroke::new(3.0, c32(colour)),
    ));
}

/// An arrow: up and green (`up`, selling) or down and orange (buying).
fn arrow_icon(painter: &egui::Painter, at: egui::Pos2, r: f32, up: bool) {
    let (colour, s) = if up {
        (palette::GREEN, -1.0)
    } else {
        (palette::ORANGE, 1.0)
    };
    let tip = at + egui::vec2(0.0, s * r * 0.9);
    let head = vec![
        tip,
        at + egui::vec2(r * 0.75, s * r * 0.05),
        at + egui::vec2(-r * 0.75, s * r * 0.05),
    ];
    painter.add(egui::Shape::convex_polygon(
        head,
        c32(colour),
        egui::Stroke::NONE,
    ));
    painter.line_segment(
        [
            at + egui::vec2(0.0, -s * r * 0.9),
            at + egui::vec2(0.0, s * r * 0.1),
        ],
        egui::Stroke::new(3.5, c32(colour)),
    );
}
