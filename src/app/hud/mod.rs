//! The egui layer: the outage toggle and price control always in view, time
//! and weather controls, the scenario picker, live charts, the legend,
//! alerts, the inspector and the help overlay, plus the keyboard shortcuts.
//! Every control queues an [`Action`]; nothing here touches the physics.

mod alerts;
mod bars;
mod build;
mod challenge;
mod charts;
mod class;
mod demo;
mod dialogs;
mod format;
mod gauge;
mod inspector;
mod lesson;
mod overlays;
mod picking;
mod shortcuts;
mod side_panel;
mod toolbox;

pub mod history;

pub use alerts::{Severity, alerts};
use bars::{BarToggles, PriceSlider, StripToggles, status_bar, top_bar};
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
use egui_plot::{HLine, Line, Plot};

use crate::app::capture::screenshot::FrameStats;
use crate::app::control::action::{Action, Panel, SPEEDS};
use crate::app::control::mode::{Building, Mode};
use crate::app::control::queue::{ApplyAction, PendingActions};
use crate::app::control::requests::{ScreenshotRequest, StatusNote};
use crate::app::control::source::ScenarioSource;
use crate::app::control::view::ViewRect;
use crate::app::hud::history::{ChartHistory, Sample};
use crate::app::theme::names::market_name;
use crate::app::theme::palette::{self, LOADING_STOPS, Rgb8, UNBALANCE_STOPS, VOLTAGE_STOPS};
use crate::app::theme::style;
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

/// Presenter mode (F5, `--presenter`): light panels, larger type, the
/// story in big readouts, no diagnostics.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Presenter(pub bool);

/// Presenter mode's type over the sandbox's (24 px body over 18).
pub const PRESENTER_ZOOM: f32 = 24.0 / 18.0;

/// The face is in egui's fonts: egui takes new fonts at the next pass, so
/// nothing is drawn in the frame that installs them.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
struct FaceReady(bool);

fn face_ready(ready: Res<FaceReady>) -> bool {
    ready.0
}

/// The key to the colours over the 3D view (K) is shown.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyShown(pub bool);

/// The diagnostics in the bottom strip (F3): frame times, steps, the renderer.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Diagnostics(pub bool);

/// Where windows that float over the 3D view go: the part of the window
/// the bars and the drawer leave to it, in egui points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Stage {
    view: egui::Rect,
    screen: egui::Rect,
}

impl Stage {
    /// The stage of this frame (the whole window before the bars are drawn).
    fn of(ctx: &egui::Context, view: &ViewRect) -> Stage {
        let screen = ctx.content_rect();
        Stage {
            view: view.rect.unwrap_or(screen),
            screen,
        }
    }

    /// An anchor that puts a window at `align` of the 3D view, `margin`
    /// points in from its edges.
    fn anchor(&self, align: egui::Align2, margin: f32) -> (egui::Align2, egui::Vec2) {
        use egui::Align;
        let (v, s) = (self.view, self.screen);
        let dx = match align.x() {
            Align::Min => v.left() - s.left() + margin,
            Align::Center => v.center().x - s.center().x,
            Align::Max => v.right() - s.right() - margin,
        };
        let dy = match align.y() {
            Align::Min => v.top() - s.top() + margin,
            Align::Center => v.center().y - s.center().y,
            Align::Max => v.bottom() - s.bottom() - margin,
        };
        (align, egui::vec2(dx, dy))
    }

    /// The 3D view's height, points (a window over it fits in this).
    fn height(&self) -> f32 {
        self.view.height()
    }

    /// The 3D view's width, points.
    fn width(&self) -> f32 {
        self.view.width()
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
    key: ResMut<'w, KeyShown>,
    diagnostics: ResMut<'w, Diagnostics>,
    presenter: ResMut<'w, Presenter>,
}

/// egui's font atlas grows as new glyphs are drawn, by writing into its
/// texture (`update_egui_textures_system`, in egui's `PostProcessOutput`).
/// Bevy announces a changed image to the renderer in `AssetEventSystems`;
/// the two sets were unordered, and when the write came after the
/// announcement the frame was drawn with the old atlas: the new letters and
/// digits were missing for a frame ("Monday 0  :00" under lavapipe, "not
/// ser ed"). Ordered, a new glyph shows in the frame that first draws it.
pub fn glyphs_upload_in_their_frame(app: &mut App) {
    app.configure_sets(
        PostUpdate,
        bevy_egui::EguiPostUpdateSet::PostProcessOutput.before(bevy::asset::AssetEventSystems),
    );
}

/// Adds the panels, the shortcuts and picking for the inspector.
pub fn plugin(app: &mut App) {
    glyphs_upload_in_their_frame(app);
    app.init_resource::<HelpPanel>()
        .init_resource::<picking::Hovered>()
        .init_resource::<picking::Explained>()
        .init_resource::<ChartsPanel>()
        .init_resource::<ChallengeList>()
        .init_resource::<UiScale>()
        .init_resource::<Presenter>()
        .init_resource::<challenge::StudentName>()
        .init_resource::<FaceReady>()
        .init_resource::<KeyShown>()
        .init_resource::<Diagnostics>()
        .init_resource::<PriceSlider>()
        .init_resource::<class::OfferFields>()
        .init_resource::<class::BannerField>()
        .init_resource::<build::BuildFields>();
    app.add_observer(show_a_panel);
    // The demo draws its own screens instead of the sandbox's panels.
    let sandbox = not(in_state(Mode::Demo));
    app.add_systems(
        bevy_egui::EguiPrimaryContextPass,
        (
            keep_the_look,
            (
                (
                    draw_ui,
                    challenge::challenge_ui,
                    lesson::lesson_ui,
                    class::class_ui,
                )
                    .chain()
                    .run_if(sandbox.clone()),
                demo::demo_ui.run_if(resource_exists::<crate::app::modes::demo::DemoMode>),
            )
                .run_if(face_ready),
        )
            .chain(),
    );
    app.add_systems(
        Update,
        (
            shortcuts::keyboard.run_if(not(in_state(Mode::Demo))),
            picking::pick_on_click.run_if(not(in_state(Mode::Demo))),
            picking::track_the_hover,
            close_through_the_queue,
        )
            .in_set(crate::app::frame::AppSystems::Input),
    );
    app.add_systems(
        Update,
        (
            picking::forget_stale_selection,
            picking::explain_what_is_pointed_at.after(picking::forget_stale_selection),
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
    mut key: ResMut<KeyShown>,
    mut scale: ResMut<UiScale>,
    mut presenter: ResMut<Presenter>,
    mut unbalance: ResMut<crate::app::world::visuals::ShowUnbalance>,
) {
    match action.0 {
        Action::Show(Panel::Unbalance) => unbalance.0 = true,
        Action::Show(Panel::Help) => help.0 = true,
        Action::Show(Panel::Challenges) => list.0 = true,
        Action::Show(Panel::Charts) => charts.0 = true,
        Action::Show(Panel::Key) => key.0 = true,
        Action::SetUiSize(percent) => scale.0 = percent as f32 / 100.0,
        Action::SetPresenter(on) => presenter.0 = on,
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

/// A state colour as text on `ui`'s panels: moved just far enough toward
/// white or black to read at 4.5:1 in the dark and the light (presenter) look.
fn ink(ui: &egui::Ui, c: Rgb8) -> egui::Color32 {
    style::readable(c32(c), ui.visuals().panel_fill)
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
    class: Option<Res<'w, crate::app::modes::class::ClassRole>>,
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
    mut dialogs_before: Local<(bool, bool)>,
    (time, mut note_since): (Res<Time<Real>>, Local<Option<(String, f64)>>),
    mut actions: ResMut<PendingActions>,
    mut screenshot: ResMut<ScreenshotRequest>,
    held: Option<Res<crate::app::control::editing::HeldForUnsavedEdits>>,
    jump: Option<Res<crate::app::control::long_work::Jump>>,
    loading: Option<Res<crate::app::control::long_work::Loading>>,
    graphics: Option<Res<crate::app::world::graphics::Graphics>>,
    (mut tool, marks): (
        Option<ResMut<crate::app::modes::build::BuildTool>>,
        Option<Res<crate::app::modes::build::BuildMarks>>,
    ),
) -> Result {
    let ctx = contexts.ctx_mut()?;
    one_dialog_at_a_time(&mut panels, &mut dialogs_before);
    let mut root = sandbox_root(ctx);
    let was_building = *shared.building.get() == Building::On;
    let mut building = was_building;
    let mut selected = shared.selection.0;
    let mut show_trades = shared.trades.0;
    let note = shared.note.0.clone();
    if panels.presenter.0 {
        bars::presenter_bar(&mut root, &live, &mut panels.help, &mut actions);
    } else {
        top_bar(
            &mut root,
            &live,
            &mut panels.price,
            BarToggles {
                building: &mut building,
                challenges: &mut panels.list,
                help: &mut panels.help,
            },
            &mut actions,
        );
        status_bar(
            &mut root,
            &live,
            &stats,
            StripToggles {
                key: &mut panels.key.0,
                drawer: &mut panels.charts.0,
                diagnostics: panels.diagnostics.0.then(|| {
                    graphics
                        .as_deref()
                        .map(|g| g.describe())
                        .unwrap_or_default()
                }),
            },
            &mut screenshot,
        );
    }
    if panels.charts.0 {
        charts_panel(
            &mut root,
            &live,
            &source,
            &mut panels.charts,
            &mut show_trades,
            &mut actions,
        );
    }
    let view_rect = root.available_rect_before_wrap();
    shared.view_rect.set_if_neq(ViewRect {
        rect: Some(view_rect),
        zoom: ctx.zoom_factor(),
    });
    let stage = Stage::of(ctx, &shared.view_rect);
    // The ghost's label has the pointer while a build tool is in hand.
    let hovered = if tool.as_ref().is_some_and(|t| t.state.is_some()) {
        picking::Hovered::default()
    } else {
        *shared.hovered
    };
    // In build mode the unbalance key goes into the toolbox.
    let toolbox_shown = was_building && tool.is_some();
    view_overlays(
        ctx,
        &live,
        stage,
        (
            panels.key.0 && !shared.unbalance.0,
            shared.unbalance.0 && !toolbox_shown,
        ),
        (&mut selected, hovered),
        (&shared.explained, shared.sign.0, &shared.badges.0),
    );
    overlays::note_toast(
        ctx,
        stage,
        note.as_deref(),
        time.elapsed_secs_f64(),
        &mut note_since,
    );
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
            shared
                .unbalance
                .0
                .then_some(live.hood.0.scenario.phases == crate::scenario::PhaseModel::Unbalanced),
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

/// The face, the look (presenter or not) and the zoom: the panels' size
/// (U) times what the window's size gives ([`style::auto_zoom`]) times
/// presenter mode's larger type. Runs in every mode, the demo's too.
fn keep_the_look(
    mut contexts: EguiContexts,
    scale: Res<UiScale>,
    presenter: Res<Presenter>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut fonts_in: Local<bool>,
    mut ready: ResMut<FaceReady>,
    mut look: Local<Option<style::Look>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !*fonts_in {
        *fonts_in = true;
        style::install_fonts(ctx);
        return Ok(());
    }
    ready.set_if_neq(FaceReady(true));
    let want = if presenter.0 {
        style::Look::Presenter
    } else {
        style::Look::Desk
    };
    if *look != Some(want) {
        *look = Some(want);
        style::apply(ctx, want);
    }
    let (auto, most) = windows.single().map_or((1.0, 4.0), |w| {
        (
            style::auto_zoom(w.width(), w.height()),
            style::most_zoom(w.width(), w.height()),
        )
    });
    let extra = if presenter.0 { PRESENTER_ZOOM } else { 1.0 };
    let zoom = (scale.0 * auto * extra).min(most);
    if (ctx.zoom_factor() - zoom).abs() > 1e-3 {
        ctx.set_zoom_factor(zoom);
    }
    Ok(())
}

/// The help and the list of challenges both sit in the middle of the
/// window: the one opened last closes the other (by key, button or script).
fn one_dialog_at_a_time(panels: &mut Panels, before: &mut (bool, bool)) {
    let (help, list) = (panels.help.0, panels.list.0);
    if help && list {
        if before.0 {
            panels.help.0 = false;
        } else {
            panels.list.0 = false;
        }
    }
    *before = (panels.help.0, panels.list.0);
}

/// The sandbox's root Ui over the whole window.
fn sandbox_root(ctx: &egui::Context) -> egui::Ui {
    egui::Ui::new(
        ctx.clone(),
        "sandbox".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    )
}

/// The drawer on the right (Tab): the charts and the settings.
fn charts_panel(
    root: &mut egui::Ui,
    live: &Live,
    source: &ScenarioSource,
    drawer: &mut ChartsPanel,
    show_trades: &mut bool,
    actions: &mut PendingActions,
) {
    // At most a bit over a third of the window, so the view keeps half of
    // it even in presenter mode on a 4:3 projector; a fixed width, so what
    // is in it is laid out to fit it.
    let width =
        side_panel::DRAWER_WIDTH_PT.min((root.ctx().content_rect().width() * 0.36).max(240.0));
    egui::Panel::right("charts")
        .exact_size(width)
        .resizable(false)
        .show(root, |ui| {
            side_panel(ui, live, source, drawer, show_trades, actions)
        });
}

/// Over the 3D view: the key to the colours (K), the alerts and the inspector.
fn view_overlays(
    ctx: &egui::Context,
    live: &Live,
    stage: Stage,
    (key, unbalance): (bool, bool),
    (selected, hovered): (&mut Option<Pick>, picking::Hovered),
    (explained, sign, badges): (
        &picking::Explained,
        Option<Vec2>,
        &[crate::app::world::badges::Badge],
    ),
) {
    overlays::house_badges(ctx, badges, stage.view);
    // Top right: the inspector opens top left.
    gauge::frequency_gauge(ctx, &live.grid, stage.view, false);
    overlays::price_sign(
        ctx,
        &live.hood,
        (live.prices.import_eur_per_kwh, live.grid.grid_available),
        sign,
        stage.view,
    );
    if unbalance {
        overlays::unbalance_legend(
            ctx,
            stage,
            live.hood.0.scenario.phases == crate::scenario::PhaseModel::Unbalanced,
        );
    } else if key {
        legend(ctx, stage);
    }
    alerts_banner(ctx, live, stage);
    inspector(ctx, live, stage, selected, &explained.selected);
    inspector::hover_card(ctx, live, hovered, &explained.hovered);
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
    marks: Option<&crate::app::modes::build::BuildMarks>,
    view_rect: egui::Rect,
    unbalance_key: Option<bool>,
) {
    let stage = Stage {
        view: view_rect,
        screen: ctx.content_rect(),
    };
    build::build_panel(
        ctx,
        live,
        source,
        &mut panels.build,
        stage,
        selected,
        actions,
    );
    if let Some(tool) = tool {
        toolbox::toolbox(
            ctx,
            live,
            &mut panels.build,
            tool,
            marks,
            stage,
            unbalance_key,
        );
        toolbox::ghost_label(ctx, live, tool);
    }
    if let Some(marks) = marks {
        toolbox::build_marks(ctx, marks, Some(view_rect));
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
    hovered: Res<'w, picking::Hovered>,
    explained: Res<'w, picking::Explained>,
    sign: Res<'w, crate::app::world::visuals::PriceSignAt>,
    badges: Res<'w, crate::app::world::badges::HouseBadges>,
    unbalance: Res<'w, crate::app::world::visuals::ShowUnbalance>,
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
