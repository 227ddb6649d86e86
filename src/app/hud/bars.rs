//! The top bar (grid outage, price, clock and speed) and the status bar.

use super::*;
use crate::lang::{num, tr};
use crate::tr;

/// The price slider's value, EUR/kWh (what its "set" button sends).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct PriceSlider(pub f64);

impl Default for PriceSlider {
    fn default() -> Self {
        Self(0.40)
    }
}

pub(super) fn top_bar(
    root: &mut egui::Ui,
    live: &Live,
    price_slider: &mut PriceSlider,
    challenge_list: &mut ChallengeList,
    building: &mut bool,
    actions: &mut PendingActions,
) {
    egui::Panel::top("controls").show(root, |ui| {
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            grid_state_group(ui, live, actions);
            ui.separator();
            price_group(ui, live, price_slider, actions);
            ui.separator();
            clock_and_speed_group(ui, live, actions);
            ui.separator();
            mode_buttons(ui, building, challenge_list);
        });
        ui.add_space(4.0);
    });
}

/// The outage button and the grid's state (on grid, islanded, blackout).
fn grid_state_group(ui: &mut egui::Ui, live: &Live, actions: &mut PendingActions) {
    let (label, fill) = if live.grid.manual_outage {
        (tr("bar.outage_on"), c32(palette::VERMILLION))
    } else if !live.grid.grid_available {
        (tr("bar.grid_down_timeline"), c32(palette::VERMILLION))
    } else {
        (tr("bar.outage"), c32([60, 66, 76]))
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
        .on_hover_text(tr("bar.outage_hover"))
        .clicked()
    {
        actions.push(Action::ToggleOutage);
    }
    let (mode_text, mode_colour) = match live.grid.mode {
        GridMode::Connected => (tr("bar.on_grid"), palette::GREEN),
        GridMode::Islanded if live.grid.grid_available => {
            (tr("bar.islanded_syncing"), palette::ORANGE)
        }
        GridMode::Islanded => (tr("bar.islanded"), palette::ORANGE),
        GridMode::Blackout => (tr("bar.blackout"), palette::VERMILLION),
    };
    ui.label(
        egui::RichText::new(mode_text)
            .size(22.0)
            .strong()
            .color(c32(mode_colour)),
    );
}

/// The grid price, its slider and the "by hand" override.
fn price_group(
    ui: &mut egui::Ui,
    live: &Live,
    price_slider: &mut PriceSlider,
    actions: &mut PendingActions,
) {
    ui.vertical(|ui| {
        let price = live.prices.import_eur_per_kwh;
        ui.label(
            egui::RichText::new(tr!("bar.grid_price", price = num(price, 2)))
                .size(17.0)
                .strong(),
        );
        ui.horizontal(|ui| {
            let mut overriding = live.prices.override_import_eur_per_kwh.is_some();
            if let Some(p) = live.prices.override_import_eur_per_kwh {
                price_slider.0 = p;
            }
            let slider = ui.add(
                egui::Slider::new(&mut price_slider.0, 0.0..=2.0)
                    .step_by(0.01)
                    .custom_formatter(|v, _| num(v, 2))
                    .custom_parser(|t| parse_number(crate::lang::current(), t))
                    .suffix(tr("bar.eur_per_kwh_suffix")),
            );
            if slider.changed() {
                actions.push(Action::SetPrice(Some(price_slider.0)));
            }
            if ui.checkbox(&mut overriding, tr("bar.by_hand")).changed() {
                actions.push(Action::SetPrice(overriding.then_some(price_slider.0)));
            }
        });
    });
}

/// The clock, pause and step, the speeds and the jumps to an hour.
fn clock_and_speed_group(ui: &mut egui::Ui, live: &Live, actions: &mut PendingActions) {
    ui.vertical(|ui| {
        let now = live.clock.now();
        ui.label(
            egui::RichText::new(crate::lang::date_time(now))
                .size(19.0)
                .strong(),
        );
        ui.horizontal(|ui| {
            let pause = if live.clock.paused {
                tr("bar.run")
            } else {
                tr("bar.pause")
            };
            if ui.button(pause).clicked() {
                actions.push(Action::TogglePause);
            }
            if ui
                .button(tr("bar.step"))
                .on_hover_text(tr("bar.step_hover"))
                .clicked()
            {
                actions.push(Action::StepOnce);
            }
            ui.label(tr("bar.per_second"));
            for speed in SPEEDS {
                let on = (live.clock.speed - speed).abs() < 1e-9;
                if ui.selectable_label(on, speed_label(speed)).clicked() {
                    actions.push(Action::SetSpeed(speed));
                }
            }
        });
        ui.horizontal(|ui| {
            ui.label(tr("bar.jump_to"));
            for hour in crate::app::control::action::JUMP_HOURS {
                if ui.button(format!("{hour:02}:00")).clicked() {
                    actions.push(Action::JumpToHour(hour));
                }
            }
        });
    });
}

/// The build mode and challenges buttons.
fn mode_buttons(ui: &mut egui::Ui, building: &mut bool, challenge_list: &mut ChallengeList) {
    let build = egui::Button::selectable(
        *building,
        egui::RichText::new(tr("bar.build")).size(20.0).strong(),
    )
    .min_size(egui::vec2(140.0, 44.0));
    if ui.add(build).on_hover_text(tr("bar.build_hover")).clicked() {
        *building = !*building;
    }
    let challenges = egui::Button::selectable(
        challenge_list.0,
        egui::RichText::new(tr("bar.challenges"))
            .size(20.0)
            .strong(),
    )
    .min_size(egui::vec2(160.0, 44.0));
    if ui
        .add(challenges)
        .on_hover_text(tr("bar.challenges_hover"))
        .clicked()
    {
        challenge_list.0 = !challenge_list.0;
    }
}

pub(super) fn status_bar(
    root: &mut egui::Ui,
    live: &Live,
    stats: &FrameStats,
    note: Option<&str>,
    screenshot: &mut ScreenshotRequest,
) {
    egui::Panel::bottom("status").show(root, |ui| {
        ui.horizontal(|ui| {
            let r = &live.record;
            ui.label(tr!(
                "bar.status_powers",
                pv = num(r.pv_kw, 0),
                wind = num(r.wind_kw, 0),
                demand = num(r.load_kw + r.ev_kw.max(0.0), 0),
                grid = signed(r.grid_import_kw, 0),
                soc = num(r.battery_soc_percent, 0)
            ));
            ui.separator();
            ui.label(tr!(
                "bar.status_frame",
                frame = num(stats.frame_ms, 1),
                sim = num(stats.sim_ms, 2),
                steps = num(stats.steps, 1)
            ));
            // Past its per-frame budget the simulation falls behind: say so.
            if stats.dropped > 0.5 {
                let achieved =
                    stats.steps * f64::from(live.clock.step_s) / (stats.frame_ms / 1e3).max(1e-3);
                ui.label(
                    egui::RichText::new(tr!(
                        "bar.too_slow",
                        achieved = num(achieved, 0),
                        speed = num(live.clock.speed, 0)
                    ))
                    .color(c32(palette::ORANGE)),
                );
            }
            if ui.small_button(tr("bar.screenshot")).clicked() {
                screenshot.requested = true;
            }
            if let Some(note) = note {
                ui.separator();
                ui.label(note);
            }
        });
    });
}
