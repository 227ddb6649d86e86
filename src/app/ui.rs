//! The egui layer: the outage toggle and price control always in view, time
//! and weather controls, the scenario picker, live charts, the legend,
//! alerts, the inspector and the help overlay, plus the keyboard shortcuts.
//! Every control queues an [`Action`]; nothing here touches the physics.

use bevy::prelude::*;
use bevy::window::{MonitorSelection, PrimaryWindow, WindowMode};
use bevy_egui::{EguiContexts, egui};
use chrono::{Datelike, Duration};
use egui_plot::{HLine, Legend, Line, Plot};

use super::capture::{FrameStats, ScreenshotRequest};
use super::controls::{Action, PendingActions, SPEEDS, ScenarioSource};
use super::history::{ChartHistory, Sample};
use super::palette::{self, LOADING_STOPS, Rgb8, VOLTAGE_STOPS};
use super::scene::Pick;
use super::visuals::house_served;
use crate::market::Mechanism;
use crate::physics::frequency::SHED_STAGES_HZ;
use crate::scenario::DeviceKind;
use crate::sim::devices::{BatteryState, CurrentEnvironment, DeviceIndex, DevicePower, EvRuntime};
use crate::sim::grid_mode::{GridMode, GridState};
use crate::sim::metrics::{EnergyTotals, HousePowers, StepRecord};
use crate::sim::network::NetworkState;
use crate::sim::prices::CurrentPrices;
use crate::sim::{Neighbourhood, SimClock};

/// Every keyboard shortcut, as the help overlay and the README list them.
pub const SHORTCUTS: [(&str, &str); 25] = [
    ("G", "grid outage on / off"),
    ("P", "price spike (1.50 EUR/kWh) on / off"),
    ("Space", "pause / run"),
    ("N", "one step (pauses)"),
    ("] or +", "faster"),
    ("[ or -", "slower"),
    ("J", "jump to the next 06:00, 12:00, 18:00 or 00:00"),
    ("C", "clouds: weather model, clear, half, overcast"),
    ("W", "wind: weather model, calm, 6 m/s, 14 m/s"),
    ("R", "reload the scenario file"),
    (
        "M",
        "market: supply-demand ratio, mid-market, bill sharing, auction, none",
    ),
    ("T", "trades between neighbours on / off"),
    ("Mouse left drag", "orbit"),
    ("Mouse right drag", "pan"),
    ("Wheel / PageUp / PageDown", "zoom"),
    ("Arrows", "pan"),
    ("Q / E", "turn"),
    (
        "1 2 3 4 / Home",
        "overview, street, transformer, map / reset view",
    ),
    (
        "Click",
        "inspect a house, car, turbine, cable, bus or the transformer",
    ),
    ("Tab", "charts panel on / off"),
    ("U", "UI size: 100, 125, 150, 200 %"),
    ("F11", "fullscreen"),
    ("F12", "screenshot (saved under screenshots/)"),
    ("F1 or ?", "this help; Esc closes it"),
    ("Esc", "close help, clear the selection, cancel a jump"),
];

/// UI sizes the U key cycles through.
pub const UI_SCALES: [f32; 4] = [1.0, 1.25, 1.5, 2.0];

/// What the panels show, and what is selected.
#[derive(Resource, Debug, Clone)]
pub struct UiState {
    /// The help overlay is open.
    pub show_help: bool,
    /// The charts panel is open.
    pub show_charts: bool,
    /// The last interval's trades are drawn as arcs.
    pub show_trades: bool,
    /// UI zoom (one of [`UI_SCALES`]).
    pub ui_scale: f32,
    /// What the inspector shows.
    pub selected: Option<Pick>,
    /// A short note for the status bar (e.g. where a screenshot went).
    pub note: Option<String>,
    /// The price slider's value, EUR/kWh.
    pub price_slider: f64,
    style_set: bool,
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            show_help: false,
            show_charts: true,
            show_trades: true,
            ui_scale: 1.0,
            selected: None,
            note: None,
            price_slider: 0.40,
            style_set: false,
        }
    }
}

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Worth knowing (islanded on purpose).
    Notice,
    /// Something is wrong (shedding, limits).
    Warning,
    /// The lights are out.
    Critical,
}

/// The alerts for the latest step: islanding, shedding, blackout, voltage
/// outside the band, overloads, a power flow without a solution.
pub fn alerts(
    record: &StepRecord,
    mode: GridMode,
    economic: bool,
    stages_shed: usize,
) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    match mode {
        GridMode::Blackout => out.push((
            Severity::Critical,
            "BLACKOUT: the island went dark; it restarts when local generation can carry it"
                .to_owned(),
        )),
        GridMode::Islanded if economic => out.push((
            Severity::Notice,
            "ISLANDED by choice: grid power is dear, the neighbourhood runs on its own".to_owned(),
        )),
        GridMode::Islanded => out.push((
            Severity::Warning,
            "ISLANDED: no grid; batteries and V2G cars hold the frequency".to_owned(),
        )),
        GridMode::Connected => {}
    }
    if mode == GridMode::Islanded && stages_shed > 0 {
        out.push((
            Severity::Critical,
            format!(
                "LOAD SHEDDING: stage {stages_shed} of {}, {:.1} kW not served",
                SHED_STAGES_HZ.len(),
                record.shed_kw
            ),
        ));
    }
    if mode != GridMode::Blackout {
        if !record.power_flow_ok {
            out.push((
                Severity::Critical,
                "The power flow has no solution (voltage collapse)".to_owned(),
            ));
        }
        if record.v_max_pu > crate::sim::metrics::VOLTAGE_BAND_PU.1 {
            out.push((
                Severity::Warning,
                format!(
                    "OVER VOLTAGE: {:.3} pu at the worst bus (limit 1.10)",
                    record.v_max_pu
                ),
            ));
        }
        if record.v_min_pu < crate::sim::metrics::VOLTAGE_BAND_PU.0 {
            out.push((
                Severity::Warning,
                format!(
                    "UNDER VOLTAGE: {:.3} pu at the worst bus (limit 0.90)",
                    record.v_min_pu
                ),
            ));
        }
        if record.max_loading_percent > 100.0 {
            out.push((
                Severity::Warning,
                format!(
                    "OVERLOAD: a cable or the transformer at {:.0} %",
                    record.max_loading_percent
                ),
            ));
        }
    }
    out
}

/// Which action a key press asks for (None: not a shortcut of the controls).
pub fn action_for_key(key: KeyCode, shift: bool) -> Option<Action> {
    Some(match key {
        KeyCode::KeyG => Action::ToggleOutage,
        KeyCode::KeyP => Action::TogglePriceSpike,
        KeyCode::Space => Action::TogglePause,
        KeyCode::KeyN => Action::StepOnce,
        KeyCode::BracketRight | KeyCode::NumpadAdd => Action::Faster,
        KeyCode::Equal if shift => Action::Faster,
        KeyCode::BracketLeft | KeyCode::Minus | KeyCode::NumpadSubtract => Action::Slower,
        KeyCode::KeyJ => Action::JumpToNext,
        KeyCode::KeyC => Action::CycleClouds,
        KeyCode::KeyW => Action::CycleWind,
        KeyCode::KeyR => Action::Reload,
        KeyCode::KeyM => Action::CycleMarket,
        _ => return None,
    })
}

/// What a key press does in the window besides the controls' actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Shortcut {
    /// A control, through the action queue.
    Act(Action),
    /// The help overlay on or off.
    ToggleHelp,
    /// Close the help, clear the selection and cancel a jump.
    Escape,
    /// The charts panel on or off.
    ToggleCharts,
    /// The trade arcs on or off.
    ToggleTrades,
    /// The next UI size.
    CycleUiScale,
    /// Fullscreen or windowed.
    ToggleFullscreen,
    /// A screenshot.
    Screenshot,
}

/// What a key press does (None: not a shortcut; the camera's keys are in
/// [`super::camera::CAMERA_KEYS`]).
pub fn shortcut_for_key(key: KeyCode, shift: bool) -> Option<Shortcut> {
    if let Some(action) = action_for_key(key, shift) {
        return Some(Shortcut::Act(action));
    }
    Some(match key {
        KeyCode::F1 => Shortcut::ToggleHelp,
        KeyCode::Slash if shift => Shortcut::ToggleHelp,
        KeyCode::Escape => Shortcut::Escape,
        KeyCode::Tab => Shortcut::ToggleCharts,
        KeyCode::KeyT => Shortcut::ToggleTrades,
        KeyCode::KeyU => Shortcut::CycleUiScale,
        KeyCode::F11 => Shortcut::ToggleFullscreen,
        KeyCode::F12 => Shortcut::Screenshot,
        _ => return None,
    })
}

/// Adds the panels, the shortcuts and picking for the inspector.
pub fn plugin(app: &mut App) {
    app.init_resource::<UiState>();
    app.add_systems(bevy_egui::EguiPrimaryContextPass, draw_ui);
    app.add_systems(Update, (keyboard, pick_on_click));
}

fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    mut contexts: EguiContexts,
    mut actions: ResMut<PendingActions>,
    mut ui: ResMut<UiState>,
    mut screenshot: ResMut<ScreenshotRequest>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
) {
    if contexts
        .ctx_mut()
        .is_ok_and(|ctx| ctx.egui_wants_keyboard_input())
    {
        return;
    }
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    for &key in keys.get_just_pressed() {
        match shortcut_for_key(key, shift) {
            Some(Shortcut::Act(action)) => actions.push(action),
            Some(Shortcut::ToggleHelp) => ui.show_help = !ui.show_help,
            Some(Shortcut::Escape) => {
                ui.show_help = false;
                ui.selected = None;
                actions.push(Action::CancelJump);
            }
            Some(Shortcut::ToggleCharts) => ui.show_charts = !ui.show_charts,
            Some(Shortcut::ToggleTrades) => ui.show_trades = !ui.show_trades,
            Some(Shortcut::CycleUiScale) => {
                let at = UI_SCALES
                    .iter()
                    .position(|&s| s == ui.ui_scale)
                    .unwrap_or(0);
                ui.ui_scale = UI_SCALES[(at + 1) % UI_SCALES.len()];
            }
            Some(Shortcut::ToggleFullscreen) => {
                for mut window in &mut windows {
                    window.mode = match window.mode {
                        WindowMode::Windowed => {
                            WindowMode::BorderlessFullscreen(MonitorSelection::Current)
                        }
                        _ => WindowMode::Windowed,
                    };
                }
            }
            Some(Shortcut::Screenshot) => screenshot.requested = true,
            None => {}
        }
    }
}

fn pick_on_click(
    mut clicks: MessageReader<Pointer<Click>>,
    picks: Query<&Pick>,
    parents: Query<&ChildOf>,
    mut ui: ResMut<UiState>,
) {
    for click in clicks.read() {
        if click.event.button != PointerButton::Primary || click.event.duration.as_secs_f32() > 0.4
        {
            continue;
        }
        // The clicked part, or the nearest ancestor that is something to inspect.
        let mut entity = click.entity;
        let mut found = picks.get(entity).ok().copied();
        while found.is_none() {
            let Ok(parent) = parents.get(entity) else {
                break;
            };
            entity = parent.parent();
            found = picks.get(entity).ok().copied();
        }
        ui.selected = found;
    }
}

fn c32(c: Rgb8) -> egui::Color32 {
    egui::Color32::from_rgb(c[0], c[1], c[2])
}

/// The neighbourhood's live state the panels read, gathered in one place.
#[derive(bevy::ecs::system::SystemParam)]
struct Live<'w, 's> {
    clock: Res<'w, SimClock>,
    hood: Res<'w, Neighbourhood>,
    record: Res<'w, StepRecord>,
    grid: Res<'w, GridState>,
    prices: Res<'w, CurrentPrices>,
    env: Res<'w, CurrentEnvironment>,
    network: Res<'w, NetworkState>,
    houses: Res<'w, HousePowers>,
    totals: Res<'w, EnergyTotals>,
    history: Res<'w, ChartHistory>,
    weather: Res<'w, crate::sim::devices::WeatherModel>,
    market: Res<'w, crate::sim::market::Market>,
    devices: Query<
        'w,
        's,
        (
            &'static DeviceIndex,
            &'static DevicePower,
            Option<&'static BatteryState>,
            Option<&'static EvRuntime>,
        ),
    >,
}

fn draw_ui(
    mut contexts: EguiContexts,
    live: Live,
    source: Res<ScenarioSource>,
    stats: Res<FrameStats>,
    mut ui_state: ResMut<UiState>,
    mut actions: ResMut<PendingActions>,
    mut screenshot: ResMut<ScreenshotRequest>,
    jump: Option<Res<super::long_work::Jump>>,
    loading: Option<Res<super::long_work::Loading>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !ui_state.style_set {
        ui_state.style_set = true;
        ctx.global_style_mut(|style| {
            use egui::{FontFamily, FontId, TextStyle};
            style.text_styles = [
                (
                    TextStyle::Heading,
                    FontId::new(22.0, FontFamily::Proportional),
                ),
                (TextStyle::Body, FontId::new(15.0, FontFamily::Proportional)),
                (
                    TextStyle::Button,
                    FontId::new(15.0, FontFamily::Proportional),
                ),
                (
                    TextStyle::Small,
                    FontId::new(12.0, FontFamily::Proportional),
                ),
                (
                    TextStyle::Monospace,
                    FontId::new(14.0, FontFamily::Monospace),
                ),
            ]
            .into();
        });
    }
    if (ctx.zoom_factor() - ui_state.ui_scale).abs() > 1e-3 {
        ctx.set_zoom_factor(ui_state.ui_scale);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "sandbox".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    top_bar(&mut root, &live, &mut ui_state, &mut actions);
    status_bar(&mut root, &live, &stats, &ui_state, &mut screenshot);
    if ui_state.show_charts {
        egui::Panel::right("charts")
            .default_size(390.0)
            .resizable(true)
            .show(&mut root, |ui| {
                side_panel(ui, &live, &source, &mut ui_state, &mut actions)
            });
    }
    legend(ctx);
    alerts_banner(ctx, &live);
    inspector(ctx, &live, &mut ui_state);
    errors_window(ctx, &source, &mut actions);
    long_work_window(
        ctx,
        &live,
        jump.as_deref(),
        loading.as_deref(),
        &mut actions,
    );
    if ui_state.show_help {
        help_window(ctx, &mut ui_state);
    }
    Ok(())
}

fn top_bar(root: &mut egui::Ui, live: &Live, ui_state: &mut UiState, actions: &mut PendingActions) {
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
                    for hour in super::controls::JUMP_HOURS {
                        if ui.button(format!("{hour:02}:00")).clicked() {
                            actions.push(Action::JumpToHour(hour));
                        }
                    }
                });
            });
        });
        ui.add_space(4.0);
    });
}

fn speed_label(speed: f64) -> String {
    match speed {
        s if s >= 3600.0 => format!("{:.0} h", s / 3600.0),
        s if s >= 60.0 => format!("{:.0} min", s / 60.0),
        s => format!("{s:.0} s"),
    }
}

fn weekday(d: chrono::Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.num_days_from_monday() as usize]
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn status_bar(
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

fn side_panel(
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
        charts(ui, live);
    });
}

/// The local market: mechanism, the last interval, the ledger so far.
fn market_section(
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

fn weather_slider(
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

/// Hours of history the charts show.
const CHART_HOURS: f64 = 24.0;

fn charts(ui: &mut egui::Ui, live: &Live) {
    let history = &live.history;
    let latest = history.latest().map_or(0.0, |s| s.hours);
    let start = live.clock.start;
    let recent = |f: fn(&Sample) -> f64| -> Vec<[f64; 2]> {
        history
            .series(f)
            .into_iter()
            .filter(|p| p[0] >= latest - CHART_HOURS)
            .collect()
    };
    let height = 80.0;
    let plot = |id: &str, unit: &str| {
        Plot::new(id.to_owned())
            .height(height)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .link_axis("charts", [true, false])
            .y_axis_label(unit.to_owned())
            .x_axis_formatter(move |mark, _| {
                let t = start + Duration::seconds((mark.value * 3600.0) as i64);
                t.format("%H:%M").to_string()
            })
    };
    let legend = || Legend::default().position(egui_plot::Corner::LeftTop);
    let line = |name: &str, points: Vec<[f64; 2]>, colour: Rgb8| {
        Line::new(name.to_owned(), points)
            .color(c32(colour))
            .width(2.0)
    };

    ui.strong("Generation and demand");
    plot("power", "kW").legend(legend()).show(ui, |p| {
        p.line(line(
            "generation",
            recent(|s| s.generation_kw),
            palette::ORANGE,
        ));
        p.line(line("demand", recent(|s| s.demand_kw), palette::BLUE));
    });
    ui.strong("Grid exchange (+ import, − export)");
    plot("grid", "kW").show(ui, |p| {
        p.hline(HLine::new("", 0.0).color(egui::Color32::GRAY));
        p.line(line("grid", recent(|s| s.grid_kw), palette::SKY_BLUE));
    });
    ui.strong("Import price");
    plot("price", "EUR/kWh").include_y(0.0).show(ui, |p| {
        p.line(line(
            "price",
            recent(|s| s.price_eur_per_kwh),
            palette::VERMILLION,
        ));
    });
    ui.strong("Battery state of charge");
    plot("soc", "%")
        .include_y(0.0)
        .include_y(100.0)
        .show(ui, |p| {
            p.line(line(
                "all home batteries",
                recent(|s| s.soc_percent),
                palette::GREEN,
            ));
        });
    ui.strong("Frequency");
    plot("frequency", "Hz")
        .legend(legend())
        .include_y(49.8)
        .include_y(50.2)
        .show(ui, |p| {
            p.hline(
                HLine::new("shedding starts", SHED_STAGES_HZ[0]).color(c32(palette::VERMILLION)),
            );
            p.line(line(
                "frequency",
                recent(|s| s.frequency_hz),
                palette::PURPLE,
            ));
            p.line(line(
                "lowest in step",
                recent(|s| s.frequency_min_hz),
                palette::SKY_BLUE,
            ));
        });
    ui.strong("Voltage, lowest and highest bus");
    plot("voltage", "pu")
        .legend(legend())
        .include_y(0.9)
        .include_y(1.1)
        .show(ui, |p| {
            p.hline(HLine::new("band 0.90-1.10", 0.9).color(egui::Color32::GRAY));
            p.hline(HLine::new("", 1.1).color(egui::Color32::GRAY));
            p.line(line("max", recent(|s| s.v_max_pu), palette::VERMILLION));
            p.line(line("min", recent(|s| s.v_min_pu), palette::BLUE));
        });
    let t = &live.totals;
    ui.separator();
    ui.label(format!(
        "Since the start: PV {:.0} kWh · demand {:.0} kWh · import {:.0} kWh · export {:.0} kWh · self-sufficiency {:.0} % · islanded {:.1} h · not served {:.1} kWh",
        t.pv_kwh,
        t.load_kwh,
        t.import_kwh,
        t.export_kwh,
        t.self_sufficiency() * 100.0,
        t.hours_islanded,
        t.unserved_kwh
    ));
}

fn legend(ctx: &egui::Context) {
    egui::Area::new("legend".into())
        .anchor(egui::Align2::LEFT_BOTTOM, egui::vec2(10.0, -40.0))
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ramp_legend(ui, "Cable loading", &LOADING_STOPS, |v| format!("{v:.0} %"));
                ramp_legend(ui, "Bus voltage", &VOLTAGE_STOPS, |v| format!("{v:.2} pu"));
                ui.label("Moving dashes: power flow, faster and denser with more power");
                ui.label(
                    egui::RichText::new(
                        "Green arcs: who sold to whom in the last market interval (bead runs to the buyer)",
                    )
                    .color(c32(palette::GREEN)),
                );
            });
        });
}

fn ramp_legend(
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

fn alerts_banner(ctx: &egui::Context, live: &Live) {
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

fn inspector(ctx: &egui::Context, live: &Live, ui_state: &mut UiState) {
    let Some(pick) = ui_state.selected else {
        return;
    };
    let built = &live.hood.0;
    let flow = live.network.solved();
    let mut open = true;
    let title = match pick {
        Pick::House(h) => built
            .scenario
            .houses
            .get(h)
            .map_or("House".to_owned(), |x| x.name.clone()),
        Pick::Device(d) => built
            .devices
            .get(d)
            .map_or("Device".to_owned(), |x| x.name.clone()),
        Pick::Line(l) => built
            .network
            .lines
            .get(l)
            .map_or("Cable".to_owned(), |x| format!("Cable {}", x.name)),
        Pick::Bus(b) => built
            .network
            .buses
            .get(b)
            .map_or("Bus".to_owned(), |x| format!("Bus {}", x.name)),
        Pick::Transformer => format!("Transformer {}", built.network.transformer.name),
    };
    egui::Window::new(egui::RichText::new(title).strong())
        .id("inspector".into())
        .open(&mut open)
        .anchor(egui::Align2::LEFT_TOP, egui::vec2(10.0, 120.0))
        .resizable(false)
        .show(ctx, |ui| {
            egui::Grid::new("numbers")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    let mut row = |k: &str, v: String| {
                        ui.label(k);
                        ui.label(egui::RichText::new(v).monospace());
                        ui.end_row();
                    };
                    match pick {
                        Pick::House(h) => {
                            if let Some(p) = live.houses.0.get(h) {
                                row("Demand", format!("{:.2} kW", p.load_kw));
                                row("PV", format!("{:.2} kW", p.pv_kw));
                                if p.battery_kw != 0.0
                                    || has_device(built, h, |k| matches!(k, DeviceKind::Battery(_)))
                                {
                                    row("Battery", format!("{:+.2} kW (+ charging)", p.battery_kw));
                                }
                                if has_device(built, h, |k| matches!(k, DeviceKind::Ev(_))) {
                                    row("Car", format!("{:+.2} kW (+ charging)", p.ev_kw));
                                }
                                row("Net from the grid", format!("{:+.2} kW", p.net_kw()));
                            }
                            if live.market.is_trading()
                                && let Some(a) = live.market.ledger.accounts.get(h)
                            {
                                row(
                                    "Shared so far",
                                    format!(
                                        "bought {:.2} kWh, sold {:.2} kWh",
                                        a.bought_local_kwh, a.sold_local_kwh
                                    ),
                                );
                                row("Saved by sharing", format!("{:+.2} EUR", a.savings_eur()));
                            }
                            for (index, _, battery, car) in &live.devices {
                                if built.devices.get(index.0).and_then(|d| d.house) != Some(h) {
                                    continue;
                                }
                                if let Some(b) = battery {
                                    row(
                                        "Battery charge",
                                        format!(
                                            "{:.0} % of {:.1} kWh",
                                            b.soc_percent(),
                                            b.rating.capacity_kwh
                                        ),
                                    );
                                }
                                if let Some(c) = car {
                                    let place = if c.state.at_home {
                                        "home, plugged in"
                                    } else {
                                        "away"
                                    };
                                    row(
                                        "Car charge",
                                        format!(
                                            "{:.0} % ({place})",
                                            c.state.soc_kwh / c.spec.battery_kwh * 100.0
                                        ),
                                    );
                                }
                            }
                            if let Some(e) = live.totals.houses.get(h) {
                                row(
                                    "Since start",
                                    format!("{:.1} kWh used, {:.1} kWh PV", e.load_kwh, e.pv_kwh),
                                );
                                row(
                                    "Grid",
                                    format!(
                                        "{:.1} kWh in, {:.1} kWh out",
                                        e.import_kwh, e.export_kwh
                                    ),
                                );
                            }
                            let bus = built.household(h).map(|d| d.bus);
                            if let (Some(bus), Some(flow)) = (bus, flow) {
                                row(
                                    "Voltage",
                                    format!(
                                        "{:.3} pu ({:.0} V)",
                                        flow.vm_pu[bus],
                                        flow.vm_pu[bus] * 400.0
                                    ),
                                );
                            }
                            let served = house_served(h, live.grid.mode, live.grid.stages_shed);
                            row(
                                "Supply",
                                if served {
                                    "served".to_owned()
                                } else {
                                    "shed / dark".to_owned()
                                },
                            );
                        }
                        Pick::Device(d) => {
                            for (index, power, _, car) in &live.devices {
                                if index.0 != d {
                                    continue;
                                }
                                row("Power", format!("{:+.2} kW (+ consumes)", power.p_kw));
                                if let Some(c) = car {
                                    row(
                                        "At home",
                                        if c.state.at_home {
                                            "yes".to_owned()
                                        } else {
                                            "no".to_owned()
                                        },
                                    );
                                    row(
                                        "Charge",
                                        format!(
                                            "{:.1} of {:.0} kWh",
                                            c.state.soc_kwh, c.spec.battery_kwh
                                        ),
                                    );
                                    row(
                                        "Vehicle-to-grid",
                                        if c.v2g {
                                            "yes".to_owned()
                                        } else {
                                            "no".to_owned()
                                        },
                                    );
                                }
                            }
                            if let Some(DeviceKind::Wind {
                                curve,
                                hub_height_m,
                            }) = built.devices.get(d).map(|x| &x.kind)
                            {
                                row(
                                    "Model",
                                    format!("{} ({:.0} kW)", curve.model, curve.rated_kw),
                                );
                                row("Hub height", format!("{hub_height_m:.0} m"));
                                row(
                                    "Wind (reference)",
                                    format!("{:.1} m/s", live.env.0.wind_m_s),
                                );
                            }
                        }
                        Pick::Line(l) => {
                            if let Some(line) = built.network.lines.get(l) {
                                row(
                                    "From / to",
                                    format!(
                                        "{} → {}",
                                        built.network.buses[line.from_bus].name,
                                        built.network.buses[line.to_bus].name
                                    ),
                                );
                                row(
                                    "Cable",
                                    format!(
                                        "{}, {:.0} m",
                                        line.cable_name,
                                        line.length_km * 1000.0
                                    ),
                                );
                            }
                            if let Some(b) = flow.and_then(|f| f.lines.get(l)) {
                                row("Power", format!("{:+.2} kW", b.p_from_mw * 1000.0));
                                row("Current", format!("{:.1} A", b.i_ka * 1000.0));
                                row("Loading", format!("{:.1} %", b.loading_percent));
                                row("Losses", format!("{:.3} kW", b.pl_mw * 1000.0));
                            }
                        }
                        Pick::Bus(b) => {
                            if let Some(flow) = flow {
                                row(
                                    "Voltage",
                                    format!(
                                        "{:.4} pu ({:.1} V)",
                                        flow.vm_pu[b],
                                        flow.vm_pu[b] * 400.0
                                    ),
                                );
                                row("Angle", format!("{:.3}°", flow.va_degree[b]));
                            } else {
                                row("Voltage", "none (dark)".to_owned());
                            }
                        }
                        Pick::Transformer => {
                            let t = &built.network.transformer;
                            row("Type", t.type_name.clone());
                            row(
                                "Breaker",
                                if live.grid.mode == GridMode::Connected {
                                    "closed".to_owned()
                                } else {
                                    "open".to_owned()
                                },
                            );
                            row(
                                "From the grid",
                                format!("{:+.1} kW", live.record.grid_import_kw),
                            );
                            if let Some(flow) = flow {
                                row(
                                    "Loading",
                                    format!("{:.1} %", flow.transformer.loading_percent),
                                );
                            }
                            row("Frequency", format!("{:.3} Hz", live.record.frequency_hz));
                            row(
                                "Price",
                                format!(
                                    "{:.2} EUR/kWh in, {:.2} out",
                                    live.prices.import_eur_per_kwh, live.prices.export_eur_per_kwh
                                ),
                            );
                        }
                    }
                });
        });
    if !open {
        ui_state.selected = None;
    }
}

fn has_device(
    built: &crate::scenario::Built,
    house: usize,
    kind: impl Fn(&DeviceKind) -> bool,
) -> bool {
    built
        .devices
        .iter()
        .any(|d| d.house == Some(house) && kind(&d.kind))
}

fn errors_window(ctx: &egui::Context, source: &ScenarioSource, actions: &mut PendingActions) {
    if source.errors.is_empty() {
        return;
    }
    let file = source
        .failed_path
        .as_deref()
        .map(file_name)
        .unwrap_or_default();
    egui::Window::new(
        egui::RichText::new(format!("{file} has errors; the running scenario stays")).strong(),
    )
    .id("errors".into())
    .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
    .collapsible(false)
    .show(ctx, |ui| {
        for e in &source.errors {
            ui.label(
                egui::RichText::new(e)
                    .monospace()
                    .color(c32(palette::VERMILLION)),
            );
        }
        ui.horizontal(|ui| {
            if let Some(path) = &source.failed_path
                && ui.button("Try again").clicked()
            {
                actions.push(Action::LoadScenario(path.clone()));
            }
            if ui.button("Keep the running scenario").clicked() {
                actions.push(Action::DismissErrors);
            }
        });
    });
}

/// Progress of a jump (with Cancel) or of a scenario being read.
fn long_work_window(
    ctx: &egui::Context,
    live: &Live,
    jump: Option<&super::long_work::Jump>,
    loading: Option<&super::long_work::Loading>,
    actions: &mut PendingActions,
) {
    if jump.is_none() && loading.is_none() {
        return;
    }
    egui::Window::new(egui::RichText::new("Working").strong())
        .id("long work".into())
        .title_bar(false)
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 90.0))
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            if let Some(loading) = loading {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(
                        egui::RichText::new(format!(
                            "Reading {} ({:.0} s)",
                            file_name(&loading.path),
                            loading.started.elapsed().as_secs_f64()
                        ))
                        .size(18.0),
                    );
                });
            }
            if let Some(jump) = jump {
                let done = jump.progress(live.clock.steps);
                ui.label(egui::RichText::new(&jump.label).size(18.0).strong());
                ui.label(
                    egui::RichText::new(format!(
                        "now {}",
                        live.clock.now().format("%a %d %b %Y %H:%M")
                    ))
                    .size(16.0),
                );
                ui.add(
                    egui::ProgressBar::new(done as f32)
                        .show_percentage()
                        .desired_width(360.0),
                );
                if ui
                    .button(egui::RichText::new("Cancel (Esc)").size(16.0))
                    .clicked()
                {
                    actions.push(Action::CancelJump);
                }
            }
        });
}

fn help_window(ctx: &egui::Context, ui_state: &mut UiState) {
    let mut open = true;
    egui::Window::new(egui::RichText::new("Keyboard and mouse").strong())
        .id("help".into())
        .open(&mut open)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .collapsible(false)
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (key, what) in SHORTCUTS {
                        ui.label(egui::RichText::new(key).strong().monospace());
                        ui.label(what);
                        ui.end_row();
                    }
                });
            ui.separator();
            ui.label("Cables are coloured by loading, bus discs by voltage (legend bottom left).");
            ui.label("Windows light up at night; a house shed or in a blackout goes dark.");
        });
    if !open {
        ui_state.show_help = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_name_islanding_shedding_and_limits() {
        let ok = StepRecord {
            power_flow_ok: true,
            v_min_pu: 0.97,
            v_max_pu: 1.02,
            max_loading_percent: 40.0,
            ..default()
        };
        assert!(alerts(&ok, GridMode::Connected, false, 0).is_empty());
        let island = alerts(&ok, GridMode::Islanded, false, 2);
        assert_eq!(island.len(), 2);
        assert!(island[1].1.contains("stage 2 of 4"), "{island:?}");
        assert_eq!(
            alerts(&ok, GridMode::Islanded, true, 0)[0].0,
            Severity::Notice
        );
        let stressed = StepRecord {
            v_max_pu: 1.12,
            max_loading_percent: 130.0,
            ..ok
        };
        let list = alerts(&stressed, GridMode::Connected, false, 0);
        assert_eq!(list.len(), 2);
        assert!(list[0].1.contains("OVER VOLTAGE") && list[1].1.contains("130 %"));
        // A blackout says so, and nothing about voltages it does not have.
        let dark = alerts(&StepRecord::default(), GridMode::Blackout, false, 4);
        assert_eq!(dark.len(), 1);
        assert_eq!(dark[0].0, Severity::Critical);
    }

    /// The names the help's key column gives a key.
    fn help_names(key: KeyCode) -> Vec<String> {
        let debug = format!("{key:?}");
        let plain = debug
            .strip_prefix("Key")
            .or_else(|| debug.strip_prefix("Digit"))
            .unwrap_or(&debug)
            .to_owned();
        let mut names = vec![plain];
        names.extend(
            match key {
                KeyCode::BracketRight => Some("]"),
                KeyCode::BracketLeft => Some("["),
                KeyCode::Minus | KeyCode::NumpadSubtract => Some("-"),
                KeyCode::Equal | KeyCode::NumpadAdd => Some("+"),
                KeyCode::Slash => Some("?"),
                KeyCode::Escape => Some("Esc"),
                KeyCode::ArrowLeft
                | KeyCode::ArrowRight
                | KeyCode::ArrowUp
                | KeyCode::ArrowDown => Some("Arrows"),
                _ => None,
            }
            .map(str::to_owned),
        );
        names
    }

    #[test]
    fn every_shortcut_is_in_the_help() {
        use KeyCode as K;
        // Every key a keyboard offers that the window might use.
        let keys = [
            K::KeyA,
            K::KeyB,
            K::KeyC,
            K::KeyD,
            K::KeyE,
            K::KeyF,
            K::KeyG,
            K::KeyH,
            K::KeyI,
            K::KeyJ,
            K::KeyK,
            K::KeyL,
            K::KeyM,
            K::KeyN,
            K::KeyO,
            K::KeyP,
            K::KeyQ,
            K::KeyR,
            K::KeyS,
            K::KeyT,
            K::KeyU,
            K::KeyV,
            K::KeyW,
            K::KeyX,
            K::KeyY,
            K::KeyZ,
            K::Digit0,
            K::Digit1,
            K::Digit2,
            K::Digit3,
            K::Digit4,
            K::Digit5,
            K::Digit6,
            K::Digit7,
            K::Digit8,
            K::Digit9,
            K::F1,
            K::F2,
            K::F3,
            K::F4,
            K::F5,
            K::F6,
            K::F7,
            K::F8,
            K::F9,
            K::F10,
            K::F11,
            K::F12,
            K::Space,
            K::Tab,
            K::Escape,
            K::Enter,
            K::Backspace,
            K::Delete,
            K::Insert,
            K::Home,
            K::End,
            K::PageUp,
            K::PageDown,
            K::ArrowLeft,
            K::ArrowRight,
            K::ArrowUp,
            K::ArrowDown,
            K::BracketLeft,
            K::BracketRight,
            K::Minus,
            K::Equal,
            K::Slash,
            K::Backslash,
            K::Comma,
            K::Period,
            K::Semicolon,
            K::Quote,
            K::Backquote,
            K::NumpadAdd,
            K::NumpadSubtract,
        ];
        let listed: Vec<&str> = SHORTCUTS
            .iter()
            .flat_map(|(k, _)| k.split([' ', '/']).filter(|t| !t.is_empty() && *t != "or"))
            .collect();
        let mut used = 0;
        for key in keys {
            for shift in [false, true] {
                let camera = !shift && crate::app::camera::CAMERA_KEYS.contains(&key);
                if shortcut_for_key(key, shift).is_none() && !camera {
                    continue;
                }
                used += 1;
                let names = help_names(key);
                assert!(
                    names.iter().any(|n| listed.contains(&n.as_str())),
                    "{key:?} (shift {shift}) does something but the help does not list it as any of {names:?}"
                );
            }
        }
        // Every control, M for the market among them, and the camera.
        assert!(used >= 30, "{used}");
        assert_eq!(
            shortcut_for_key(K::KeyM, false),
            Some(Shortcut::Act(Action::CycleMarket))
        );
        assert_eq!(action_for_key(K::Equal, true), Some(Action::Faster));
        assert_eq!(action_for_key(K::KeyZ, false), None);
    }
}
