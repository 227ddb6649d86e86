//! The top bar (grid outage, price, clock and speed) and the status bar.

use super::*;

pub(super) fn top_bar(
    root: &mut egui::Ui,
    live: &Live,
    ui_state: &mut UiState,
    actions: &mut PendingActions,
) {
    egui::Panel::top("controls").show(root, |ui| {
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            let (label, fill) = if live.grid.manual_outage {
                ("GRID OUTAGE: on  (G)", c32(palette::VERMILLION))
            } else if !live.grid.grid_available {
                ("Grid down (timeline)  (G)", c32(palette::VERMILLION))
            } else {
                ("Grid outage  (G)", c32([60, 66, 76]))
            };
            let button = egui::Button::new(
                egui::RichText::new(label)
                    .size(22.0)
                    .strong()
                    .color(egui::Color32::WHITE),
            )
            .fill(fill)
            .min_size(egui::vec2(230.0, 44.0));
            if ui
                .add(button)
                .on_hover_text("Cut the neighbourhood off the main grid, or give the grid back")
                .clicked()
            {
                actions.push(Action::ToggleOutage);
            }
            let (mode_text, mode_colour) = match live.grid.mode {
                GridMode::Connected => ("ON GRID", palette::GREEN),
                GridMode::Islanded if live.grid.grid_available => {
                    ("ISLANDED · grid back, synchronising", palette::ORANGE)
                }
                GridMode::Islanded => ("ISLANDED", palette::ORANGE),
                GridMode::Blackout => ("BLACKOUT", palette::VERMILLION),
            };
            ui.label(
                egui::RichText::new(mode_text)
                    .size(22.0)
                    .strong()
                    .color(c32(mode_colour)),
            );
            ui.separator();
            ui.vertical(|ui| {
                let price = live.prices.import_eur_per_kwh;
                ui.label(
                    egui::RichText::new(format!("Grid price {:.2} EUR/kWh", price))
                        .size(17.0)
                        .strong(),
                );
                ui.horizontal(|ui| {
                    let mut overriding = live.prices.override_import_eur_per_kwh.is_some();
                    if let Some(p) = live.prices.override_import_eur_per_kwh {
                        ui_state.price_slider = p;
                    }
                    let slider = ui.add(
                        egui::Slider::new(&mut ui_state.price_slider, 0.0..=2.0)
                            .step_by(0.01)
                            .suffix(" EUR/kWh"),
                    );
                    if slider.changed() {
                        actions.push(Action::SetPrice(Some(ui_state.price_slider)));
                    }
                    if ui.checkbox(&mut overriding, "by hand").changed() {
                        actions.push(Action::SetPrice(
                            overriding.then_some(ui_state.price_slider),
                        ));
                    }
                });
            });
            ui.separator();
            ui.vertical(|ui| {
                let now = live.clock.now();
                ui.label(
                    egui::RichText::new(format!(
                        "{} {}",
                        weekday(now.weekday()),
                        now.format("%d %b %Y, %H:%M")
                    ))
                    .size(19.0)
                    .strong(),
                );
                ui.horizontal(|ui| {
                    let pause = if live.clock.paused { "Run" } else { "Pause" };
                    if ui.button(pause).clicked() {
                        actions.push(Action::TogglePause);
                    }
                    if ui
                        .button("Step")
                        .on_hover_text("One step (N); Space pauses and runs")
                        .clicked()
                    {
                        actions.push(Action::StepOnce);
                    }
                    ui.label("per second:");
                    for speed in SPEEDS {
                        let on = (live.clock.speed - speed).abs() < 1e-9;
                        if ui.selectable_label(on, speed_label(speed)).clicked() {
                            actions.push(Action::SetSpeed(speed));
                        }
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("Jump to (J):");
                    for hour in crate::app::controls::JUMP_HOURS {
                        if ui.button(format!("{hour:02}:00")).clicked() {
                            actions.push(Action::JumpToHour(hour));
                        }
                    }
                });
            });
            ui.separator();
            let build = egui::Button::selectable(
                ui_state.build_mode,
                egui::RichText::new("🔨 Build  (B)").size(20.0).strong(),
            )
            .min_size(egui::vec2(140.0, 44.0));
            if ui
                .add(build)
                .on_hover_text("Build mode: add, change, move and remove houses, PV, batteries, cars, turbines and cables")
                .clicked()
            {
                ui_state.build_mode = !ui_state.build_mode;
            }
            let challenges = egui::Button::selectable(
                ui_state.show_challenges,
                egui::RichText::new("★ Challenges  (L)").size(20.0).strong(),
            )
            .min_size(egui::vec2(160.0, 44.0));
            if ui
                .add(challenges)
                .on_hover_text("Goals to reach with a budget: pick a challenge")
                .clicked()
            {
                ui_state.show_challenges = !ui_state.show_challenges;
            }
        });
        ui.add_space(4.0);
    });
}

pub(super) fn status_bar(
    root: &mut egui::Ui,
    live: &Live,
    stats: &FrameStats,
    ui_state: &UiState,
    screenshot: &mut ScreenshotRequest,
) {
    egui::Panel::bottom("status").show(root, |ui| {
        ui.horizontal(|ui| {
            let r = &live.record;
            ui.label(format!(
                "PV {:.0} kW · wind {:.0} kW · demand {:.0} kW · grid {:+.0} kW · batteries {:.0} %",
                r.pv_kw, r.wind_kw, r.load_kw + r.ev_kw.max(0.0), r.grid_import_kw, r.battery_soc_percent
            ));
            ui.separator();
            ui.label(format!(
                "frame {:.1} ms · simulation {:.2} ms/frame ({:.1} steps)",
                stats.frame_ms, stats.sim_ms, stats.steps
            ));
            // Past its per-frame budget the simulation falls behind: say so.
            if stats.dropped > 0.5 {
                let achieved = stats.steps * f64::from(live.clock.step_s) / (stats.frame_ms / 1e3).max(1e-3);
                ui.label(
                    egui::RichText::new(format!(
                        "running at {achieved:.0}x, not {:.0}x: the machine is too slow",
                        live.clock.speed
                    ))
                    .color(c32(palette::ORANGE)),
                );
            }
            if ui.small_button("Screenshot (F12)").clicked() {
                screenshot.requested = true;
            }
            if let Some(note) = &ui_state.note {
                ui.separator();
                ui.label(note);
            }
        });
    });
}
