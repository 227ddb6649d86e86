//! The right panel: scenario picker, market, weather controls and the charts.

use super::*;

pub(super) fn side_panel(
    ui: &mut egui::Ui,
    live: &Live,
    source: &ScenarioSource,
    ui_state: &mut UiState,
    actions: &mut PendingActions,
) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading(&live.hood.0.scenario.name);
            if ui.button("Help (F1)").clicked() {
                ui_state.show_help = !ui_state.show_help;
            }
        });
        ui.horizontal(|ui| {
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
                .button("Reload (R)")
                .on_hover_text("Read the scenario file again")
                .clicked()
            {
                actions.push(Action::Reload);
            }
        });
        ui.separator();
        market_section(ui, live, ui_state, actions);
        ui.separator();
        ui.heading("Weather");
        let env = live.env.0;
        ui.label(format!(
            "Sun {:.0} deg up · {:.0} W/m2 · {:.1} C · clouds {:.1}/8 · wind {:.1} m/s",
            (90.0 - env.sun_zenith_deg).max(-90.0),
            env.ghi_w_m2,
            env.air_c,
            env.cloud_oktas,
            env.wind_m_s
        ));
        weather_slider(
            ui,
            "Clouds (C)",
            live.weather.cloud_override_oktas,
            0.0..=8.0,
            " oktas",
            |v| {
                actions.push(Action::SetClouds(v));
            },
        );
        weather_slider(
            ui,
            "Wind (W)",
            live.weather.wind_override_m_s,
            0.0..=25.0,
            " m/s",
            |v| {
                actions.push(Action::SetWind(v));
            },
        );
        ui.separator();
        super::charts::charts(ui, live);
    });
}

/// The local market: mechanism, the last interval, the ledger so far.
pub(super) fn market_section(
    ui: &mut egui::Ui,
    live: &Live,
    ui_state: &mut UiState,
    actions: &mut PendingActions,
) {
    use crate::app::controls::MARKET_CYCLE;
    let market = &*live.market;
    ui.horizontal(|ui| {
        ui.heading("Sharing");
        egui::ComboBox::from_id_salt("market")
            .selected_text(market.settings.mechanism.label())
            .show_ui(ui, |ui| {
                for m in MARKET_CYCLE {
                    if ui
                        .selectable_label(m == market.settings.mechanism, m.label())
                        .clicked()
                    {
                        actions.push(Action::SetMarket(m));
                    }
                }
            })
            .response
            .on_hover_text("How neighbours price what they share (M)");
        ui.checkbox(&mut ui_state.show_trades, "arcs (T)");
    });
    if !market.is_trading() {
        ui.label("No market: every house buys and sells with the grid alone.");
        return;
    }
    match &market.last {
        Some(last) => {
            let price = match last.trades.first() {
                None => String::new(),
                // Bill sharing has no local price: the bill is split instead.
                Some(_) if !last.islanded && last.mechanism == Mechanism::BillSharing => {
                    ", the bill shared".to_owned()
                }
                Some(t) => format!(" at {:.1} ct/kWh", t.price_eur_per_kwh * 100.0),
            };
            ui.label(format!(
                "{}-{}{}: {:.2} kWh shared in {} trades{price}; offered {:.2}, wanted {:.2} kWh",
                last.start.format("%H:%M"),
                last.end.format("%H:%M"),
                if last.islanded { " (island)" } else { "" },
                last.local_kwh(),
                last.trades.len(),
                last.offered_kwh,
                last.bid_kwh
            ));
        }
        None => {
            ui.label(format!(
                "First interval clears after {} minutes.",
                market.settings.interval_min
            ));
        }
    }
    let houses = market.total(true);
    ui.label(format!(
        "So far: {:.1} kWh shared; houses paid {:.2} EUR, {:.2} EUR less than without sharing",
        market.ledger.local_kwh,
        houses.net_cost_eur(),
        houses.savings_eur()
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
        let slider = ui.add_enabled(by_hand, egui::Slider::new(&mut value, range).suffix(suffix));
        if slider.changed() {
            set(Some(value));
        }
        if !by_hand {
            ui.label("(weather model)");
        }
    });
}
