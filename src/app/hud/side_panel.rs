//! The drawer on the right (Tab): the charts, and the neighbourhood's
//! settings (its file, the market, the weather). Closed at the start, so
//! the 3D view has the window; its tab is in the bottom strip.

use super::*;
use crate::lang::{num, tr};
use crate::tr;

/// The drawer (Tab) is open, and on which page.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChartsPanel(pub bool, pub DrawerPage);

/// The drawer's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DrawerPage {
    /// The live charts.
    #[default]
    Charts,
    /// The file, the market and the weather.
    Settings,
}

/// The drawer's width in points.
pub(super) const DRAWER_WIDTH_PT: f32 = 360.0;

pub(super) fn side_panel(
    ui: &mut egui::Ui,
    live: &Live,
    source: &ScenarioSource,
    drawer: &mut ChartsPanel,
    show_trades: &mut bool,
    actions: &mut PendingActions,
) {
    ui.horizontal_wrapped(|ui| {
        if ui.button("×").on_hover_text(tr("side.close")).clicked() {
            drawer.0 = false;
        }
        ui.selectable_value(&mut drawer.1, DrawerPage::Charts, tr("side.charts_page"));
        ui.selectable_value(
            &mut drawer.1,
            DrawerPage::Settings,
            tr("side.settings_page"),
        );
    });
    ui.separator();
    match drawer.1 {
        DrawerPage::Charts => super::charts::charts(ui, live),
        DrawerPage::Settings => {
            // The scroll bar takes its own room, not the charts' edge.
            ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
            egui::ScrollArea::vertical().show(ui, |ui| {
                settings_page(ui, live, source, show_trades, actions);
                ui.separator();
                super::charts::more_charts(ui, live);
            });
        }
    }
}

/// The neighbourhood's file, its market and the weather.
fn settings_page(
    ui: &mut egui::Ui,
    live: &Live,
    source: &ScenarioSource,
    show_trades: &mut bool,
    actions: &mut PendingActions,
) {
    ui.heading(&live.hood.0.scenario.name);
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::from_id_salt("scenario")
            .selected_text(file_name(&source.path))
            .show_ui(ui, |ui| {
                for path in &source.available {
                    if ui
                        .selectable_label(*path == source.path, file_name(path))
                        .clicked()
                    {
                        actions.push(Action::LoadScenario(path.clone()));
                    }
                }
            });
        if ui
            .button(tr("side.reload"))
            .on_hover_text(tr("side.reload_hover"))
            .clicked()
        {
            actions.push(Action::Reload);
        }
    });
    ui.separator();
    market_section(ui, live, show_trades, actions);
    ui.separator();
    ui.heading(tr("side.weather"));
    let env = live.env.0;
    ui.label(tr!(
        "side.weather_now",
        sun = num((90.0 - env.sun_zenith_deg).max(-90.0), 0),
        ghi = num(env.ghi_w_m2, 0),
        air = num(env.air_c, 1),
        clouds = num(env.cloud_oktas, 1),
        wind = num(env.wind_m_s, 1)
    ));
    weather_slider(
        ui,
        tr("side.clouds"),
        live.weather.cloud_override_oktas,
        0.0..=8.0,
        tr("side.oktas_suffix"),
        |v| {
            actions.push(Action::SetClouds(v));
        },
    );
    weather_slider(
        ui,
        tr("side.wind"),
        live.weather.wind_override_m_s,
        0.0..=25.0,
        tr("side.m_s_suffix"),
        |v| {
            actions.push(Action::SetWind(v));
        },
    );
}

/// The local market: mechanism, the last interval, the ledger so far.
pub(super) fn market_section(
    ui: &mut egui::Ui,
    live: &Live,
    show_trades: &mut bool,
    actions: &mut PendingActions,
) {
    use crate::app::control::action::MARKET_CYCLE;
    let market = &*live.market;
    ui.horizontal(|ui| {
        ui.heading(tr("side.sharing"));
        egui::ComboBox::from_id_salt("market")
            .selected_text(market_name(market.settings.mechanism))
            .show_ui(ui, |ui| {
                for m in MARKET_CYCLE {
                    if ui
                        .selectable_label(m == market.settings.mechanism, market_name(m))
                        .clicked()
                    {
                        actions.push(Action::SetMarket(m));
                    }
                }
            })
            .response
            .on_hover_text(tr("side.market_hover"));
        ui.checkbox(show_trades, tr("side.arcs"));
    });
    if !market.is_trading() {
        ui.label(tr("side.no_market"));
        return;
    }
    match &market.last {
        Some(last) => {
            let price = match last.trades.first() {
                None => String::new(),
                // Bill sharing has no local price: the bill is split instead.
                Some(_) if !last.islanded && last.mechanism == Mechanism::BillSharing => {
                    tr("side.bill_shared").to_owned()
                }
                Some(t) => tr!("side.at_price", ct = num(t.price_eur_per_kwh * 100.0, 1)),
            };
            ui.label(tr!(
                "side.last_interval",
                start = last.start.format("%H:%M"),
                end = last.end.format("%H:%M"),
                island = if last.islanded {
                    tr("side.island_suffix")
                } else {
                    ""
                },
                kwh = num(last.local_kwh(), 2),
                trades = last.trades.len(),
                price = price,
                offered = num(last.offered_kwh, 2),
                wanted = num(last.bid_kwh, 2)
            ));
        }
        None => {
            ui.label(tr!(
                "side.first_interval",
                min = market.settings.interval_min
            ));
        }
    }
    let houses = market.total(true);
    ui.label(tr!(
        "side.so_far",
        kwh = num(market.ledger.local_kwh, 1),
        paid = num(houses.net_cost_eur(), 2),
        saved = num(houses.savings_eur(), 2)
    ));
}

pub(super) fn weather_slider(
    ui: &mut egui::Ui,
    label: &str,
    current: Option<f64>,
    range: std::ops::RangeInclusive<f64>,
    suffix: &str,
    mut set: impl FnMut(Option<f64>),
) {
    ui.horizontal(|ui| {
        let mut by_hand = current.is_some();
        if ui.checkbox(&mut by_hand, label).changed() {
            set(by_hand.then(|| current.unwrap_or(*range.start())));
        }
        let mut value = current.unwrap_or(*range.start());
        let slider = ui.add_enabled(
            by_hand,
            egui::Slider::new(&mut value, range)
                .suffix(suffix)
                .custom_formatter(|v, _| num(v, 1))
                .custom_parser(|t| parse_number(crate::lang::current(), t)),
        );
        if slider.changed() {
            set(Some(value));
        }
        if !by_hand {
            ui.label(tr("side.weather_model"));
        }
    });
}
