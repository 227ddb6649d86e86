//! What lies over the 3D view: the legend and the alerts banner.

use super::*;
use crate::lang::tr;

pub(super) fn legend(ctx: &egui::Context) {
    egui::Area::new("legend".into())
        .anchor(egui::Align2::LEFT_BOTTOM, egui::vec2(10.0, -40.0))
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ramp_legend(ui, tr("legend.cable_loading"), &LOADING_STOPS, |v| {
                    qty(v, 0, Unit::Percent)
                });
                ramp_legend(ui, tr("legend.bus_voltage"), &VOLTAGE_STOPS, |v| {
                    qty(v, 2, Unit::Pu)
                });
                ui.label(tr("legend.dashes"));
                ui.label(egui::RichText::new(tr("legend.arcs")).color(c32(palette::GREEN)));
            });
        });
}

pub(super) fn ramp_legend(
    ui: &mut egui::Ui,
    title: &str,
    stops: &[(f64, Rgb8)],
    label: impl Fn(f64) -> String,
) {
    ui.strong(title);
    ui.horizontal(|ui| {
        for &(value, colour) in stops {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(18.0, 14.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 2.0, c32(colour));
            ui.label(label(value));
        }
    });
}

pub(super) fn alerts_banner(ctx: &egui::Context, live: &Live) {
    let list = alerts(
        &live.record,
        live.grid.mode,
        live.grid.economic,
        live.grid.stages_shed,
    );
    if list.is_empty() {
        return;
    }
    egui::Area::new("alerts".into())
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(-200.0, 110.0))
        .show(ctx, |ui| {
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
