//! The egui layer: the outage toggle and price control always in view, time
//! and weather controls, the scenario picker, live charts, the legend,
//! alerts, the inspector and the help overlay, plus the keyboard shortcuts.
//! Every control queues an [`Action`]; nothing here touches the physics.

mod bars;
mod build;
mod challenge;
mod charts;
mod demo;
mod dialogs;
mod inspector;
mod lesson;
mod overlays;
mod side_panel;
mod toolbox;

pub mod history;

use bars::{PriceSlider, status_bar, top_bar};
pub use challenge::ChallengeList;
use dialogs::HelpPanel;
use dialogs::{errors_window, help_window, long_work_window};
use inspector::inspector;
use overlays::{alerts_banner, legend};
use side_panel::ChartsPanel;
use side_panel::side_panel;

use bevy::prelude::*;
use bevy::window::{MonitorSelection, PrimaryWindow, WindowMode};
use bevy_egui::{EguiContexts, egui};
use chrono::Duration;
use egui_plot::{HLine, Legend, Line, Plot};

use crate::app::capture::screenshot::FrameStats;
use crate::app::control::action::{Action, Panel, SPEEDS};
use crate::app::control::mode::{Building, Mode};
use crate::app::control::queue::{ApplyAction, PendingActions};
use crate::app::control::requests::{ScreenshotRequest, StatusNote};
use crate::app::control::source::ScenarioSource;
use crate::app::hud::history::{ChartHistory, Sample};
use crate::app::theme::names::market_name;
use crate::app::theme::palette::{self, LOADING_STOPS, Rgb8, VOLTAGE_STOPS};
use crate::app::world::graphics::ViewRect;
use crate::app::world::scene::{Pick, Selection};
use crate::app::world::visuals::{ShowTrades, house_served};
use crate::lang::{Lang, num, tr};
use crate::market::Mechanism;
use crate::physics::frequency::SHED_STAGES_HZ;
use crate::scenario::DeviceKind;
use crate::sim::devices::{BatteryState, CurrentEnvironment, DeviceIndex, DevicePower, EvRuntime};
use crate::sim::grid_mode::{GridMode, GridState};
use crate::sim::metrics::{EnergyTotals, HousePowers, StepRecord};
use crate::sim::network::NetworkState;
use crate::sim::prices::CurrentPrices;
use crate::sim::{Neighbourhood, SimClock};
use crate::tr;

/// Every keyboard shortcut, as the help overlay and docs/window.md list them:
/// the keys and what they do, both keys of the language tables (the
/// book's table is the English one, tested); [`shortcut_row`] gives the
/// texts.
pub const SHORTCUTS: [(&str, &str); 31] = [
    ("key.g", "help.outage"),
    ("key.p", "help.price_spike"),
    ("key.space", "help.pause"),
    ("key.n", "help.step"),
    ("key.faster", "help.faster"),
    ("key.slower", "help.slower"),
    ("key.j", "help.jump"),
    ("key.c", "help.clouds"),
    ("key.w", "help.wind"),
    ("key.r", "help.reload"),
    ("key.m", "help.market"),
    ("key.t", "help.trades"),
    ("key.mouse_left", "help.orbit"),
    ("key.mouse_right", "help.pan"),
    ("key.wheel", "help.zoom"),
    ("key.arrows", "help.pan"),
    ("key.q_e", "help.turn"),
    ("key.views", "help.views"),
    ("key.click", "help.inspect"),
    ("key.tab", "help.charts"),
    ("key.u", "help.ui_size"),
    ("key.f11", "help.fullscreen"),
    ("key.f12", "help.screenshot"),
    ("key.f9", "help.graphics"),
    ("key.b", "help.build"),
    ("key.l", "help.challenges"),
    ("key.ctrl_z", "help.undo"),
    ("key.redo", "help.redo"),
    ("key.ctrl_s", "help.save"),
    ("key.help", "help.help"),
    ("key.esc", "help.escape"),
];

/// A row of [`SHORTCUTS`] in `lang`: the keys and what they do, the
/// numbers in them written the language's way.
pub fn shortcut_row(lang: Lang, (keys, what): (&str, &str)) -> (String, String) {
    let spike = crate::lang::num_in(
        lang,
        crate::app::control::action::SPIKE_PRICE_EUR_PER_KWH,
        2,
    );
    (
        crate::lang::text(lang, keys).to_owned(),
        crate::lang::fill(crate::lang::text(lang, what), &[("price", &spike)]),
    )
}

/// UI sizes the U key cycles through.
pub const UI_SCALES: [f32; 4] = [1.0, 1.25, 1.5, 2.0];

/// The panels' zoom (U), one of [`UI_SCALES`].
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct UiScale(pub f32);

impl Default for UiScale {
    fn default() -> Self {
        Self(1.0)
    }
}

/// Each panel's own state, for the system that draws them all. What other
/// folders read of the panels lives with them: the selection
/// ([`Selection`]), build mode ([`Building`]), the 3D view's rectangle
/// ([`ViewRect`]), the trade arcs ([`ShowTrades`]) and the status note
/// ([`StatusNote`]).
#[derive(bevy::ecs::system::SystemParam)]
struct Panels<'w> {
    help: ResMut<'w, HelpPanel>,
    charts: ResMut<'w, ChartsPanel>,
    list: ResMut<'w, ChallengeList>,
    scale: ResMut<'w, UiScale>,
    price: ResMut<'w, PriceSlider>,
    build: ResMut<'w, build::BuildFields>,
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
        GridMode::Blackout => out.push((Severity::Critical, tr("alert.blackout").to_owned())),
        GridMode::Islanded if economic => {
            out.push((Severity::Notice, tr("alert.islanded_by_choice").to_owned()))
        }
        GridMode::Islanded => out.push((Severity::Warning, tr("alert.islanded").to_owned())),
        GridMode::Connected => {}
    }
    if mode == GridMode::Islanded && stages_shed > 0 {
        out.push((
            Severity::Critical,
            tr!(
                "alert.shedding",
                stage = stages_shed,
                stages = SHED_STAGES_HZ.len(),
                kw = num(record.shed_kw, 1)
            ),
        ));
    }
    // Before the first step there is nothing to judge yet.
    let (v_low, v_high) = crate::sim::metrics::VOLTAGE_BAND_PU;
    if mode != GridMode::Blackout && record.time.is_some() {
        if !record.power_flow_ok {
            out.push((Severity::Critical, tr("alert.no_solution").to_owned()));
        }
        if record.v_max_pu > v_high {
            out.push((
                Severity::Warning,
                tr!(
                    "alert.over_voltage",
                    pu = num(record.v_max_pu, 3),
                    limit = num(v_high, 2)
                ),
            ));
        }
        if record.v_min_pu < v_low {
            out.push((
                Severity::Warning,
                tr!(
                    "alert.under_voltage",
                    pu = num(record.v_min_pu, 3),
                    limit = num(v_low, 2)
                ),
            ));
        }
        if record.max_loading_percent > 100.0 {
            out.push((
                Severity::Warning,
                tr!(
                    "alert.overload",
                    percent = num(record.max_loading_percent, 0)
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
    /// Build mode on or off.
    ToggleBuild,
    /// The list of challenges on or off.
    ToggleChallenges,
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
/// [`crate::app::world::camera::CAMERA_KEYS`]). With Ctrl held only the editing keys
/// count: Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo, Ctrl+S save.
pub fn shortcut_for_key(key: KeyCode, shift: bool, ctrl: bool) -> Option<Shortcut> {
    if ctrl {
        return Some(Shortcut::Act(match key {
            KeyCode::KeyZ if shift => Action::Redo,
            KeyCode::KeyZ => Action::Undo,
            KeyCode::KeyY if !shift => Action::Redo,
            KeyCode::KeyS if !shift => Action::Save,
            _ => return None,
        }));
    }
    if let Some(action) = action_for_key(key, shift) {
        return Some(Shortcut::Act(action));
    }
    Some(match key {
        KeyCode::KeyB => Shortcut::ToggleBuild,
        KeyCode::KeyL => Shortcut::ToggleChallenges,
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
    app.init_resource::<HelpPanel>()
        .init_resource::<ChartsPanel>()
        .init_resource::<ChallengeList>()
        .init_resource::<UiScale>()
        .init_resource::<PriceSlider>()
        .init_resource::<build::BuildFields>();
    app.add_observer(show_a_panel);
    // The demo draws its own screens instead of the sandbox's panels.
    let sandbox = not(in_state(Mode::Demo));
    app.add_systems(
        bevy_egui::EguiPrimaryContextPass,
        (
            (draw_ui, challenge::challenge_ui, lesson::lesson_ui)
                .chain()
                .run_if(sandbox.clone()),
            demo::demo_ui.run_if(resource_exists::<crate::app::modes::demo::DemoMode>),
        ),
    );
    app.add_systems(
        Update,
        (
            keyboard.run_if(not(in_state(Mode::Demo))),
            pick_on_click.run_if(not(in_state(Mode::Demo))),
            close_through_the_queue,
        )
            .in_set(crate::app::frame::AppSystems::Input),
    );
    app.add_systems(
        Update,
        (forget_stale_selection, title_marks_unsaved_edits)
            .in_set(crate::app::frame::AppSystems::Present),
    );
}

/// A script's or a tour's `Show` opens a panel (build mode is the build
/// mode's own).
fn show_a_panel(
    action: On<ApplyAction>,
    mut help: ResMut<HelpPanel>,
    mut list: ResMut<ChallengeList>,
    mut charts: ResMut<ChartsPanel>,
) {
    match action.0 {
        Action::Show(Panel::Help) => help.0 = true,
        Action::Show(Panel::Challenges) => list.0 = true,
        Action::Show(Panel::Charts) => charts.0 = true,
        _ => {}
    }
}

/// The window's close button becomes an action, so that unsaved edits are
/// asked about first (the window plugin does not close by itself).
fn close_through_the_queue(
    mut requests: MessageReader<bevy::window::WindowCloseRequested>,
    mut actions: ResMut<PendingActions>,
) {
    if requests.read().count() > 0 {
        actions.push(Action::CloseWindow);
    }
}

/// A selection that no longer points at what was picked goes: all of it
/// when another scenario loads, and after an edit what fell out of range
/// (and a house whose neighbours moved up because one was removed).
fn forget_stale_selection(
    mut changes: MessageReader<crate::sim::NeighbourhoodChanged>,
    hood: Res<Neighbourhood>,
    mut selection: ResMut<Selection>,
    mut houses_before: Local<Option<(usize, usize)>>,
) {
    let counts = (hood.0.scenario.houses.len(), hood.0.devices.len());
    let previous = houses_before.replace(counts);
    for change in changes.read() {
        let built = &hood.0;
        // Indices hold while the lists keep their length (an edit to a
        // house's own devices); after an add, remove or undo they may name
        // something else, and the selection goes.
        let keep = change.edited
            && match selection.0 {
                Some(Pick::House(h)) => h < counts.0 && previous.is_none_or(|p| p.0 == counts.0),
                Some(Pick::Device(d)) => d < counts.1 && previous.is_none_or(|p| p == counts),
                Some(Pick::Line(l)) => l < built.network.lines.len(),
                Some(Pick::Bus(b)) => b < built.network.buses.len(),
                Some(Pick::Transformer) | None => true,
            };
        if !keep {
            selection.0 = None;
        }
    }
}

/// The window's title carries the scenario's name and "(unsaved edits)".
fn title_marks_unsaved_edits(
    hood: Res<Neighbourhood>,
    edits: Res<crate::app::control::editing::EditHistory>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
) {
    let name = tr!("window.title", name = hood.0.scenario.name);
    let title = if edits.unsaved() {
        tr!("panel.title_unsaved", title = name)
    } else {
        name
    };
    for mut window in &mut windows {
        if window.title != title {
            window.title = title.clone();
        }
    }
}

/// The key as its label reads, for the shortcuts: a letter, `?`, `+`, `-`,
/// `[` or `]` by the character the layout gives it (Ctrl+Z is undo where Z
/// is printed, on a German keyboard too), other keys by their place.
pub fn key_by_label(key: &bevy::input::keyboard::KeyboardInput) -> KeyCode {
    const LETTERS: [KeyCode; 26] = [
        KeyCode::KeyA,
        KeyCode::KeyB,
        KeyCode::KeyC,
        KeyCode::KeyD,
        KeyCode::KeyE,
        KeyCode::KeyF,
        KeyCode::KeyG,
        KeyCode::KeyH,
        KeyCode::KeyI,
        KeyCode::KeyJ,
        KeyCode::KeyK,
        KeyCode::KeyL,
        KeyCode::KeyM,
        KeyCode::KeyN,
        KeyCode::KeyO,
        KeyCode::KeyP,
        KeyCode::KeyQ,
        KeyCode::KeyR,
        KeyCode::KeyS,
        KeyCode::KeyT,
        KeyCode::KeyU,
        KeyCode::KeyV,
        KeyCode::KeyW,
        KeyCode::KeyX,
        KeyCode::KeyY,
        KeyCode::KeyZ,
    ];
    let bevy::input::keyboard::Key::Character(text) = &key.logical_key else {
        return key.key_code;
    };
    let mut chars = text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return key.key_code;
    };
    match c.to_ascii_lowercase() {
        l @ 'a'..='z' => LETTERS[(l as u8 - b'a') as usize],
        '?' => KeyCode::Slash,
        '+' => KeyCode::NumpadAdd,
        '-' => KeyCode::Minus,
        '[' => KeyCode::BracketLeft,
        ']' => KeyCode::BracketRight,
        _ => key.key_code,
    }
}

fn keyboard(
    mut presses: MessageReader<bevy::input::keyboard::KeyboardInput>,
    keys: Res<ButtonInput<KeyCode>>,
    mut contexts: EguiContexts,
    mut actions: ResMut<PendingActions>,
    mut panels: Panels,
    mut screenshot: ResMut<ScreenshotRequest>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
    mut tool: Option<ResMut<crate::app::modes::build::BuildTool>>,
    (building, mut next_building, mut selection, mut trades): (
        Res<State<Building>>,
        ResMut<NextState<Building>>,
        ResMut<Selection>,
        ResMut<ShowTrades>,
    ),
) {
    let pressed: Vec<KeyCode> = presses
        .read()
        .filter(|k| k.state.is_pressed() && !k.repeat)
        .map(key_by_label)
        .collect();
    if contexts
        .ctx_mut()
        .is_ok_and(|ctx| ctx.egui_wants_keyboard_input())
    {
        return;
    }
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]);
    for key in pressed {
        match shortcut_for_key(key, shift, ctrl) {
            Some(Shortcut::ToggleBuild) => next_building.set(match building.get() {
                Building::On => Building::Off,
                Building::Off => Building::On,
            }),
            Some(Shortcut::ToggleChallenges) => panels.list.0 = !panels.list.0,
            Some(Shortcut::Act(action)) => actions.push(action),
            Some(Shortcut::ToggleHelp) => panels.help.0 = !panels.help.0,
            Some(Shortcut::Escape) if tool.as_ref().is_some_and(|t| t.state.is_some()) => {
                if let Some(tool) = tool.as_mut() {
                    tool.step_back();
                }
            }
            Some(Shortcut::Escape) => {
                panels.help.0 = false;
                selection.0 = None;
                actions.push(Action::CancelJump);
            }
            Some(Shortcut::ToggleCharts) => panels.charts.0 = !panels.charts.0,
            Some(Shortcut::ToggleTrades) => trades.0 = !trades.0,
            Some(Shortcut::CycleUiScale) => {
                let at = UI_SCALES
                    .iter()
                    .position(|&s| s == panels.scale.0)
                    .unwrap_or(0);
                panels.scale.0 = UI_SCALES[(at + 1) % UI_SCALES.len()];
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
    mut clicks: MessageReader<PointerClick>,
    picks: Query<&Pick>,
    parents: Query<&ChildOf>,
    tool: Option<Res<crate::app::modes::build::BuildTool>>,
    time: Res<Time<Real>>,
    mut selection: ResMut<Selection>,
) {
    // A click is a short press; on a slow machine a frame or two of it.
    let longest_s = 0.4f32.max(2.5 * time.delta_secs());
    // With a build tool in hand a click is the tool's.
    if tool.is_some_and(|t| t.state.is_some()) {
        clicks.clear();
        return;
    }
    for click in clicks.read() {
        if click.button != PointerButton::Primary || click.duration.as_secs_f32() > longest_s {
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
        selection.0 = found;
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
    edits: Res<'w, crate::app::control::editing::EditHistory>,
    preview: Option<Res<'w, crate::app::control::editing::EditPreview>>,
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

/// Draws the sandbox's bars, panels, overlays and dialogs, in that order.
fn draw_ui(
    mut contexts: EguiContexts,
    live: Live,
    source: Res<ScenarioSource>,
    stats: Res<FrameStats>,
    mut panels: Panels,
    mut shared: Shared,
    mut style_set: Local<bool>,
    mut actions: ResMut<PendingActions>,
    mut screenshot: ResMut<ScreenshotRequest>,
    held: Option<Res<crate::app::control::editing::HeldForUnsavedEdits>>,
    jump: Option<Res<crate::app::control::long_work::Jump>>,
    loading: Option<Res<crate::app::control::long_work::Loading>>,
    (mut tool, marks): (
        Option<ResMut<crate::app::modes::build::BuildTool>>,
        Option<Res<crate::app::modes::build::LockMarks>>,
    ),
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !*style_set {
        *style_set = true;
        set_text_styles(ctx);
    }
    let mut root = sandbox_root(ctx, panels.scale.0);
    let was_building = *shared.building.get() == Building::On;
    let mut building = was_building;
    let mut selected = shared.selection.0;
    let mut show_trades = shared.trades.0;
    top_bar(
        &mut root,
        &live,
        &mut panels.price,
        &mut panels.list,
        &mut building,
        &mut actions,
    );
    let note = shared.note.0.clone();
    status_bar(&mut root, &live, &stats, note.as_deref(), &mut screenshot);
    if panels.charts.0 {
        charts_panel(
            &mut root,
            &live,
            &source,
            &mut panels.help,
            &mut show_trades,
            &mut actions,
        );
    }
    let view_rect = root.available_rect_before_wrap();
    shared.view_rect.set_if_neq(ViewRect {
        rect: Some(view_rect),
        zoom: panels.scale.0,
    });
    view_overlays(ctx, &live, was_building, &mut selected);
    if was_building {
        build_mode_panels(
            ctx,
            &live,
            &source,
            &mut panels,
            &mut selected,
            &mut actions,
            tool.as_deref_mut(),
            marks.as_deref(),
            view_rect,
        );
    }
    dialog_windows(
        ctx,
        &live,
        &source,
        &mut panels,
        held.as_deref(),
        jump.as_deref(),
        loading.as_deref(),
        &mut actions,
    );
    shared.write_back(building, selected, show_trades);
    Ok(())
}

/// The sandbox's root Ui over the whole window, at the panels' zoom (U).
fn sandbox_root(ctx: &egui::Context, scale: f32) -> egui::Ui {
    if (ctx.zoom_factor() - scale).abs() > 1e-3 {
        ctx.set_zoom_factor(scale);
    }
    egui::Ui::new(
        ctx.clone(),
        "sandbox".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    )
}

/// The charts panel on the right (Tab).
fn charts_panel(
    root: &mut egui::Ui,
    live: &Live,
    source: &ScenarioSource,
    help: &mut HelpPanel,
    show_trades: &mut bool,
    actions: &mut PendingActions,
) {
    egui::Panel::right("charts")
        .default_size(390.0)
        .resizable(true)
        .show(root, |ui| {
            side_panel(ui, live, source, help, show_trades, actions)
        });
}

/// Over the 3D view: the legend (not in build mode), the alerts and the inspector.
fn view_overlays(
    ctx: &egui::Context,
    live: &Live,
    was_building: bool,
    selected: &mut Option<Pick>,
) {
    if !was_building {
        legend(ctx);
    }
    alerts_banner(ctx, live);
    inspector(ctx, live, selected);
}

/// The panels' text sizes, set once.
fn set_text_styles(ctx: &egui::Context) {
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

/// Build mode's panels: the build panel, the toolbox, the ghost's label and the padlocks.
fn build_mode_panels(
    ctx: &egui::Context,
    live: &Live,
    source: &ScenarioSource,
    panels: &mut Panels,
    selected: &mut Option<Pick>,
    actions: &mut PendingActions,
    tool: Option<&mut crate::app::modes::build::BuildTool>,
    marks: Option<&crate::app::modes::build::LockMarks>,
    view_rect: egui::Rect,
) {
    build::build_panel(
        ctx,
        live,
        source,
        &mut panels.build,
        panels.charts.0,
        selected,
        actions,
    );
    if let Some(tool) = tool {
        let charts_width = if panels.charts.0 { 390.0 } else { 0.0 };
        let view_width = view_rect.width();
        toolbox::toolbox(ctx, live, &mut panels.build, tool, charts_width, view_width);
        toolbox::ghost_label(ctx, live, tool);
    }
    if let Some(marks) = marks {
        toolbox::lock_marks(ctx, marks, Some(view_rect));
    }
}

/// The dialogs: scenario errors, unsaved edits, long work and the help.
fn dialog_windows(
    ctx: &egui::Context,
    live: &Live,
    source: &ScenarioSource,
    panels: &mut Panels,
    held: Option<&crate::app::control::editing::HeldForUnsavedEdits>,
    jump: Option<&crate::app::control::long_work::Jump>,
    loading: Option<&crate::app::control::long_work::Loading>,
    actions: &mut PendingActions,
) {
    errors_window(ctx, source, actions);
    if let Some(held) = held {
        dialogs::unsaved_edits_window(ctx, held, actions);
    }
    long_work_window(ctx, live, jump, loading, actions);
    if panels.help.0 {
        help_window(ctx, &mut panels.help);
    }
}

/// What the panels read and change that other folders own, for one
/// frame's drawing: changed values are written back once, at the end.
#[derive(bevy::ecs::system::SystemParam)]
struct Shared<'w> {
    selection: ResMut<'w, Selection>,
    note: Res<'w, StatusNote>,
    building: Res<'w, State<Building>>,
    next_building: ResMut<'w, NextState<Building>>,
    view_rect: ResMut<'w, ViewRect>,
    trades: ResMut<'w, ShowTrades>,
}

impl Shared<'_> {
    fn write_back(&mut self, building: bool, selected: Option<Pick>, show_trades: bool) {
        if building != (*self.building.get() == Building::On) {
            self.next_building.set(if building {
                Building::On
            } else {
                Building::Off
            });
        }
        self.selection.set_if_neq(Selection(selected));
        self.trades.set_if_neq(ShowTrades(show_trades));
    }
}

fn speed_label(speed: f64) -> String {
    match speed {
        s if s >= 3600.0 => tr!("bar.speed_h", n = num(s / 3600.0, 0)),
        s if s >= 60.0 => tr!("bar.speed_min", n = num(s / 60.0, 0)),
        s => tr!("bar.speed_s", n = num(s, 0)),
    }
}

/// A unit the panels write a number in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Kw,
    Percent,
    Pu,
    Hz,
    Volt,
    Ampere,
    Metre,
    MetrePerS,
    Eur,
}

/// A number already written, with its unit ("1,23 kW"), the unit as the
/// language writes it.
fn with_unit(value: impl std::fmt::Display, unit: Unit) -> String {
    let template = match unit {
        Unit::Kw => tr("panel.unit_kw"),
        Unit::Percent => tr("panel.unit_percent"),
        Unit::Pu => tr("panel.unit_pu"),
        Unit::Hz => tr("panel.unit_hz"),
        Unit::Volt => tr("panel.unit_volt"),
        Unit::Ampere => tr("panel.unit_ampere"),
        Unit::Metre => tr("panel.unit_metre"),
        Unit::MetrePerS => tr("panel.unit_metre_per_s"),
        Unit::Eur => tr("panel.unit_eur"),
    };
    crate::lang::fill(template, &[("v", &value)])
}

/// `x` with `decimals` places and its unit.
fn qty(x: f64, decimals: usize, unit: Unit) -> String {
    with_unit(num(x, decimals), unit)
}

/// `x` with `decimals` places and a sign ("+1,20", "-0,50"), the way
/// `{:+.2}` writes it.
fn signed(x: f64, decimals: usize) -> String {
    let s = num(x, decimals);
    if !x.is_finite() || s.starts_with('-') {
        s
    } else {
        format!("+{s}")
    }
}

/// Reads a number typed into a slider in `lang`'s way: English groups
/// thousands with commas; German writes a decimal comma and groups with
/// points, though a German "1.5" with no comma reads as 1.5.
fn parse_number(lang: Lang, text: &str) -> Option<f64> {
    let t = text.trim();
    let plain = match lang {
        Lang::En => t.replace(',', ""),
        Lang::De | Lang::Pseudo if t.contains(',') => t.replace('.', "").replace(',', "."),
        Lang::De | Lang::Pseudo => t.to_owned(),
    };
    plain.parse().ok()
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_name_islanding_shedding_and_limits() {
        let ok = StepRecord {
            time: crate::scenario::parse_date_time("2025-06-21 12:00").ok(),
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

    #[test]
    fn typed_numbers_read_the_languages_way() {
        assert_eq!(parse_number(Lang::En, "1,234.5"), Some(1234.5));
        assert_eq!(parse_number(Lang::De, "1.234,5"), Some(1234.5));
        assert_eq!(parse_number(Lang::De, " 0,75 "), Some(0.75));
        assert_eq!(parse_number(Lang::De, "1.5"), Some(1.5));
        assert_eq!(parse_number(Lang::En, "x"), None);
    }

    #[test]
    fn signed_numbers_keep_their_plus() {
        assert_eq!(signed(1.234, 2).replace(',', "."), "+1.23");
        assert_eq!(signed(0.0, 0), "+0");
        assert!(signed(-2.0, 1).starts_with('-'));
    }

    #[test]
    fn the_help_fills_the_spike_price_the_languages_way() {
        let row = SHORTCUTS[1];
        assert_eq!(
            shortcut_row(Lang::En, row).1,
            "price spike (1.50 EUR/kWh) on / off"
        );
        assert!(shortcut_row(Lang::De, row).1.contains("1,50"));
        // Every row has both texts in both languages.
        for row in SHORTCUTS {
            for lang in Lang::CHOSEN {
                let (keys, what) = shortcut_row(lang, row);
                // A missing key would come back as itself.
                assert!(keys != row.0 && what != row.1, "{row:?}");
                assert!(!what.contains('{'), "{what}");
            }
        }
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

    // Long: most of it is one table, every key a keyboard offers (76 rows,
    // one a line), which the single loop below checks against the help.
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
            .flat_map(|(k, _)| {
                crate::lang::text(Lang::En, k)
                    .split([' ', '/'])
                    .filter(|t| !t.is_empty() && *t != "or")
            })
            .collect();
        let mut used = 0;
        for key in keys {
            for (shift, ctrl) in [(false, false), (true, false), (false, true), (true, true)] {
                let camera =
                    !shift && !ctrl && crate::app::world::camera::CAMERA_KEYS.contains(&key);
                if shortcut_for_key(key, shift, ctrl).is_none() && !camera {
                    continue;
                }
                used += 1;
                let names: Vec<String> = help_names(key)
                    .into_iter()
                    .map(|n| match (ctrl, shift) {
                        (true, true) => format!("Ctrl+Shift+{n}"),
                        (true, false) => format!("Ctrl+{n}"),
                        _ => n,
                    })
                    .collect();
                assert!(
                    names.iter().any(|n| listed.contains(&n.as_str())),
                    "{key:?} (shift {shift}) does something but the help does not list it as any of {names:?}"
                );
            }
        }
        // Every control, M for the market among them, and the camera.
        assert!(used >= 30, "{used}");
        assert_eq!(
            shortcut_for_key(K::KeyM, false, false),
            Some(Shortcut::Act(Action::CycleMarket))
        );
        assert_eq!(action_for_key(K::Equal, true), Some(Action::Faster));
        assert_eq!(action_for_key(K::KeyZ, false), None);
    }
}
