//! The top bar, one row: the grid's state and the outage button, the clock
//! and its speed, the grid price, and the Build, Challenges and Help
//! buttons. The bottom strip: the neighbourhood's readouts in words, the
//! key to the colours and the charts drawer's tab, and (F3) the
//! diagnostics that students need not see.

use super::*;
use crate::app::theme::style::bold;
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

/// Below this many points of width the top bar writes the clock short.
const WIDE_BAR_PT: f32 = 1200.0;
/// Below this many points presenter mode's bill leaves out its hourly rate.
const PRESENTER_RATE_PT: f32 = 1000.0;
/// Below this many points the price's slider folds into a menu under it.
const ROOMY_BAR_PT: f32 = 1100.0;

/// The top bar's toggles: build mode, the challenges and the help.
pub(super) struct BarToggles<'a> {
    pub building: &'a mut bool,
    pub challenges: &'a mut ChallengeList,
    pub help: &'a mut HelpPanel,
}

pub(super) fn top_bar(
    root: &mut egui::Ui,
    live: &Live,
    price_slider: &mut PriceSlider,
    toggles: BarToggles,
    actions: &mut PendingActions,
) {
    egui::Panel::top("controls").show(root, |ui| {
        ui.add_space(1.0);
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            // A reading never breaks over two lines (the second would be
            // cut off under the bar, losing a digit).
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
            let width = ui.available_width();
            grid_state_group(ui, live, actions);
            ui.separator();
            clock_and_speed_group(ui, live, width >= WIDE_BAR_PT, actions);
            ui.separator();
            if width >= ROOMY_BAR_PT {
                price_group(ui, live, price_slider, actions);
            } else {
                let price = tr!(
                    "bar.grid_price",
                    price = num(live.prices.import_eur_per_kwh, 2)
                );
                ui.menu_button(egui::RichText::new(price).font(bold(18.0)), |ui| {
                    price_group(ui, live, price_slider, actions);
                })
                .response
                .on_hover_text(tr("bar.price_hover"));
            }
            ui.separator();
            mode_buttons(ui, toggles);
        });
        ui.add_space(1.0);
    });
}

/// The window is a student's in a class (the class's controls are the
/// teacher's: the bar shows their state without them).
fn is_student(live: &Live) -> bool {
    live.class
        .as_deref()
        .is_some_and(|c| *c == crate::app::modes::class::ClassRole::Student)
}

/// A button at least as tall as the bar's row.
fn bar_button(text: egui::RichText, selected: bool) -> egui::Button<'static> {
    egui::Button::selectable(selected, text).min_size(egui::vec2(0.0, 40.0))
}

/// The grid's state: its words and colour.
fn grid_state(live: &Live) -> (&'static str, Rgb8) {
    match live.grid.mode {
        GridMode::Connected => (tr("bar.on_grid"), palette::GREEN),
        GridMode::Islanded if live.grid.grid_available => {
            (tr("bar.islanded_syncing"), palette::ORANGE)
        }
        GridMode::Islanded => (tr("bar.islanded"), palette::ORANGE),
        GridMode::Blackout => (tr("bar.blackout"), palette::VERMILLION),
    }
}

/// The grid's state (on grid, islanded, blackout) and the outage button.
fn grid_state_group(ui: &mut egui::Ui, live: &Live, actions: &mut PendingActions) {
    let (mode_text, mode_colour) = grid_state(live);
    // White on the state's colour, darkened to keep 4.5:1.
    egui::Frame::new()
        .fill(c32(palette::darker(mode_colour)))
        .corner_radius(6.0)
        .inner_margin(egui::Margin::symmetric(10, 6))
        .show(ui, |ui| {
            ui.label(
                egui::RichText::new(mode_text)
                    .font(bold(20.0))
                    .color(egui::Color32::WHITE),
            );
        })
        .response
        .on_hover_text(tr("bar.state_hover"));
    // A student sees the grid's state; the outage is the teacher's.
    if is_student(live) {
        return;
    }
    let (label, fill) = if live.grid.manual_outage {
        (
            tr("bar.outage_on"),
            c32(palette::darker(palette::VERMILLION)),
        )
    } else if !live.grid.grid_available {
        (
            tr("bar.grid_down_timeline"),
            c32(palette::darker(palette::VERMILLION)),
        )
    } else {
        (tr("bar.outage"), c32([60, 66, 76]))
    };
    let button = egui::Button::new(
        egui::RichText::new(label)
            .font(bold(18.0))
            .color(egui::Color32::WHITE),
    )
    .fill(fill)
    .min_size(egui::vec2(0.0, 40.0));
    if ui
        .add(button)
        .on_hover_text(tr("bar.outage_hover"))
        .clicked()
    {
        actions.push(Action::ToggleOutage);
    }
}

/// The grid price: what it is now, a slider that sets it by hand, and a
/// button back to the tariff while it is set by hand.
fn price_group(
    ui: &mut egui::Ui,
    live: &Live,
    price_slider: &mut PriceSlider,
    actions: &mut PendingActions,
) {
    let price = live.prices.import_eur_per_kwh;
    ui.label(egui::RichText::new(tr!("bar.grid_price", price = num(price, 2))).font(bold(18.0)))
        .on_hover_text(tr("bar.price_hover"));
    // A student reads the price; setting it is the teacher's.
    if is_student(live) {
        return;
    }
    let overriding = live.prices.override_import_eur_per_kwh;
    if let Some(p) = overriding {
        price_slider.0 = p;
    }
    ui.spacing_mut().slider_width = 80.0;
    let slider = ui
        .add(
            egui::Slider::new(&mut price_slider.0, 0.0..=2.0)
                .step_by(0.01)
                .show_value(false),
        )
        .on_hover_text(tr("bar.price_slider_hover"));
    if slider.changed() {
        actions.push(Action::SetPrice(Some(price_slider.0)));
    }
    // Back to the tariff: a small button, so the bar keeps one row.
    if overriding.is_some()
        && ui
            .add(egui::Button::new("↺").min_size(egui::vec2(32.0, 32.0)))
            .on_hover_text(tr("bar.tariff_hover"))
            .clicked()
    {
        actions.push(Action::SetPrice(None));
    }
}

/// The clock, pause, and a menu of the speeds, a step and the jumps.
fn clock_and_speed_group(ui: &mut egui::Ui, live: &Live, wide: bool, actions: &mut PendingActions) {
    let now = live.clock.now();
    let clock = if wide {
        crate::lang::date_time(now)
    } else {
        crate::lang::short_day_time(now)
    };
    ui.label(egui::RichText::new(clock).font(bold(22.0)))
        .on_hover_text(crate::lang::date_time(now));
    // A student's clock is the class's: the teacher runs it.
    if is_student(live) {
        ui.label(egui::RichText::new(tr("class.clock")).size(16.0))
            .on_hover_text(tr("class.clock_hover"));
        return;
    }
    let (icon, hover) = if live.clock.paused {
        ("▶", tr("bar.run"))
    } else {
        ("⏸", tr("bar.pause"))
    };
    if ui
        .add(
            bar_button(egui::RichText::new(icon).size(20.0), false)
                .min_size(egui::vec2(40.0, 40.0)),
        )
        .on_hover_text(hover)
        .clicked()
    {
        actions.push(Action::TogglePause);
    }
    let speed = tr!("bar.speed_menu", speed = speed_label(live.clock.speed));
    ui.menu_button(egui::RichText::new(speed).size(18.0), |ui| {
        ui.label(tr("bar.per_second"));
        for speed in SPEEDS {
            let on = (live.clock.speed - speed).abs() < 1e-9;
            if ui.selectable_label(on, speed_label(speed)).clicked() {
                actions.push(Action::SetSpeed(speed));
            }
        }
        ui.separator();
        if ui
            .button(tr("bar.step"))
            .on_hover_text(tr("bar.step_hover"))
            .clicked()
        {
            actions.push(Action::StepOnce);
        }
        ui.label(tr("bar.jump_to"));
        ui.horizontal(|ui| {
            for hour in crate::app::control::action::JUMP_HOURS {
                if ui.button(format!("{hour:02}:00")).clicked() {
                    actions.push(Action::JumpToHour(hour));
                }
            }
        });
    })
    .response
    .on_hover_text(tr("bar.speed_hover"));
}

/// The build mode, challenges and help buttons.
fn mode_buttons(ui: &mut egui::Ui, toggles: BarToggles) {
    let BarToggles {
        building,
        challenges,
        help,
    } = toggles;
    let big = |key| egui::RichText::new(tr(key)).font(bold(18.0));
    if ui
        .add(bar_button(big("bar.build"), *building))
        .on_hover_text(tr("bar.build_hover"))
        .clicked()
    {
        *building = !*building;
    }
    if ui
        .add(bar_button(big("bar.challenges"), challenges.0))
        .on_hover_text(tr("bar.challenges_hover"))
        .clicked()
    {
        challenges.0 = !challenges.0;
    }
    if ui
        .add(bar_button(big("bar.help"), help.0).min_size(egui::vec2(40.0, 40.0)))
        .on_hover_text(tr("bar.help_hover"))
        .clicked()
    {
        help.0 = !help.0;
    }
}

/// The bottom strip's toggles: the key to the colours, the charts drawer,
/// the diagnostics.
pub(super) struct StripToggles<'a> {
    pub key: &'a mut bool,
    pub drawer: &'a mut bool,
    /// The diagnostics, with the graphics' line, when they are on (F3).
    pub diagnostics: Option<String>,
}

pub(super) fn status_bar(
    root: &mut egui::Ui,
    live: &Live,
    stats: &FrameStats,
    toggles: StripToggles,
    screenshot: &mut ScreenshotRequest,
) {
    if let Some(graphics) = toggles.diagnostics {
        egui::Panel::bottom("diagnostics").show(root, |ui| {
            ui.horizontal_wrapped(|ui| diagnostics(ui, live, stats, graphics, screenshot));
        });
    }
    egui::Panel::bottom("status").show(root, |ui| {
        // The drawer's tab at the right end of the first row; the readouts
        // wrap to a second row beside it where the window is narrow or the
        // type large. (A centred layout given the panel's whole height
        // would claim it all and grow the panel frame by frame.)
        let full = ui.available_rect_before_wrap();
        let tab = egui::WidgetText::from(tr("bar.charts")).into_galley(
            ui,
            Some(egui::TextWrapMode::Extend),
            f32::INFINITY,
            egui::TextStyle::Button,
        );
        let tab_size = egui::vec2(
            tab.size().x + 2.0 * ui.spacing().button_padding.x,
            ui.spacing().interact_size.y,
        );
        // The readouts first, in a row that starts one button tall and
        // grows by the rows it wraps to (as `horizontal_wrapped` does).
        ui.allocate_ui_with_layout(
            egui::vec2(full.width() - tab_size.x - 8.0, tab_size.y),
            egui::Layout::left_to_right(egui::Align::Center).with_main_wrap(true),
            |ui| {
                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                if ui
                    .add(egui::Button::selectable(*toggles.key, tr("bar.key")))
                    .on_hover_text(tr("bar.key_hover"))
                    .clicked()
                {
                    *toggles.key = !*toggles.key;
                }
                let r = &live.record;
                ui.label(tr!(
                    "bar.status_powers",
                    pv = num(r.pv_kw, 0),
                    wind = num(r.wind_kw, 0),
                    demand = num(r.load_kw + r.ev_kw.max(0.0), 0),
                    grid = signed(r.grid_import_kw, 0),
                    soc = num(r.battery_soc_percent, 0)
                ))
                .on_hover_text(tr("bar.status_powers_hover"));
                ui.separator();
                bill(ui, live, 18.0, true);
            },
        );
        let tab_rect =
            egui::Rect::from_min_size(egui::pos2(full.right() - tab_size.x, full.top()), tab_size);
        if ui
            .put(
                tab_rect,
                egui::Button::selectable(*toggles.drawer, tr("bar.charts")),
            )
            .on_hover_text(tr("bar.charts_hover"))
            .clicked()
        {
            *toggles.drawer = !*toggles.drawer;
        }
    });
}

/// The renderer, frame times and steps (F3): for whoever looks after the machine.
fn diagnostics(
    ui: &mut egui::Ui,
    live: &Live,
    stats: &FrameStats,
    graphics: String,
    screenshot: &mut ScreenshotRequest,
) {
    ui.label(graphics);
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
            .color(ink(ui, palette::ORANGE)),
        );
    }
    if ui.button(tr("bar.screenshot")).clicked() {
        screenshot.requested = true;
    }
}

/// The running bill: paid to the grid so far less earned from it, and what
/// it pays an hour now, so that moving the price visibly moves money.
fn bill(ui: &mut egui::Ui, live: &Live, size: f32, with_rate: bool) {
    let t = &live.totals;
    let net = t.import_cost_eur - t.export_revenue_eur;
    let rate = live.prices.bill_rate_eur_per_h(live.record.grid_import_kw);
    let so_far = if net >= 0.0 {
        tr!("bar.paid_short", eur = num(net, 2))
    } else {
        tr!("bar.earned_short", eur = num(-net, 2))
    };
    // The hour's rate in words of its own: paying and earning are never a sign.
    let now = if rate > 0.005 {
        tr!("bar.paying_now", rate = num(rate, 2))
    } else if rate < -0.005 {
        tr!("bar.earning_now", rate = num(-rate, 2))
    } else {
        tr("bar.nothing_now").to_owned()
    };
    let text = if with_rate {
        tr!("bar.bill_line", so_far = so_far, now = now)
    } else {
        so_far
    };
    ui.label(egui::RichText::new(text).font(bold(size)))
        .on_hover_text(tr("bar.bill_hover"));
}

/// Presenter mode's one bar (F5): the story in a few big readouts (the
/// grid's state, the clock, buying or selling, the batteries, the bill),
/// the outage button and the help; everything else by its key.
pub(super) fn presenter_bar(
    root: &mut egui::Ui,
    live: &Live,
    help: &mut HelpPanel,
    actions: &mut PendingActions,
) {
    egui::Panel::top("presenter").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 12.0;
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
            let wide = ui.available_width() >= PRESENTER_RATE_PT;
            // The state is the outage button here (G): one thing fewer in the row.
            let (state, colour) = grid_state(live);
            let badge = egui::Button::new(
                egui::RichText::new(state)
                    .font(bold(20.0))
                    .color(egui::Color32::WHITE),
            )
            .fill(c32(palette::darker(colour)))
            .min_size(egui::vec2(0.0, 40.0));
            if ui
                .add(badge)
                .on_hover_text(tr("bar.outage_hover"))
                .clicked()
            {
                actions.push(Action::ToggleOutage);
            }
            let big = |text: String| egui::RichText::new(text).font(bold(22.0));
            ui.label(big(crate::lang::short_day_time(live.clock.now())))
                .on_hover_text(crate::lang::date_time(live.clock.now()));
            let grid = live.record.grid_import_kw;
            let exchange = if grid.abs() < 0.5 {
                tr("bar.no_exchange").to_owned()
            } else if grid > 0.0 {
                tr!("bar.buying", kw = num(grid, 0))
            } else {
                tr!("bar.selling", kw = num(-grid, 0))
            };
            ui.label(big(exchange))
                .on_hover_text(tr("bar.status_powers_hover"));
            ui.label(big(tr!(
                "bar.batteries",
                soc = num(live.record.battery_soc_percent, 0)
            )))
            .on_hover_text(tr("bar.batteries_hover"));
            // The hourly rate where the row has room for it.
            bill(ui, live, 22.0, wide);
            if ui
                .add(bar_button(
                    egui::RichText::new(tr("bar.help")).font(bold(18.0)),
                    help.0,
                ))
                .on_hover_text(tr("bar.help_hover"))
                .clicked()
            {
                help.0 = !help.0;
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bill_runs_at_the_import_price_when_buying_and_the_export_price_when_selling() {
        let prices = CurrentPrices {
            import_eur_per_kwh: 0.40,
            export_eur_per_kwh: 0.08,
            override_import_eur_per_kwh: None,
        };
        assert!((prices.bill_rate_eur_per_h(10.0) - 4.0).abs() < 1e-12);
        assert!((prices.bill_rate_eur_per_h(-10.0) + 0.8).abs() < 1e-12);
        assert_eq!(prices.bill_rate_eur_per_h(0.0), 0.0);
    }
}
