//! The egui layer: the outage toggle and price control always in view, time
//! and weather controls, the scenario picker, live charts, the legend,
//! alerts, the inspector and the help overlay, plus the keyboard shortcuts.
//! Every control queues an [`Action`]; nothing here touches the physics.

mod alerts;
mod bars;
mod build;
mod challenge;
mod charts;
mod demo;
mod dialogs;
mod format;
mod inspector;
mod lesson;
mod overlays;
mod picking;
mod shortcuts;
mod side_panel;
mod toolbox;

pub mod history;

pub use alerts::{Severity, alerts};
use bars::{PriceSlider, status_bar, top_bar};
pub use challenge::ChallengeList;
use dialogs::HelpPanel;
use dialogs::{errors_window, help_window, long_work_window};
use format::{Unit, file_name, has_device, parse_number, qty, signed, speed_label, with_unit};
use inspector::inspector;
use overlays::{alerts_banner, legend};
pub use shortcuts::{
    SHORTCUTS, Shortcut, UI_SCALES, action_for_key, key_by_label, shortcut_for_key, shortcut_row,
};
use side_panel::ChartsPanel;
use side_panel::side_panel;

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
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
            shortcuts::keyboard.run_if(not(in_state(Mode::Demo))),
            picking::pick_on_click.run_if(not(in_state(Mode::Demo))),
            close_through_the_queue,
        )
            .in_set(crate::app::frame::AppSystems::Input),
    );
    app.add_systems(
        Update,
        (
            picking::forget_stale_selection,
            title_marks_unsaved_edits,
            build::forget_the_file_name,
        )
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
