//! The demo's screens: large captions over the attract loop, a visitor
//! panel of large targets (at least 48 px at 1080p), the "Still there?"
//! countdown and the operator panel. The sandbox's own panels (files,
//! saving, quitting) are not drawn in the demo.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use crate::app::control::action::Action;
use crate::app::control::queue::PendingActions;
use crate::app::modes::demo::{DemoAction, DemoMode, DemoPhase};
use crate::app::theme::palette;
use crate::app::world::graphics::{Graphics, GraphicsSetting};
use crate::lang::{Lang, num, tr};
use crate::tr;

use super::c32;

fn big(text: impl Into<String>, size: f32) -> egui::RichText {
    egui::RichText::new(text).size(size)
}

/// A large button: at least 128 x 56 points (nine fit across 1280).
fn target(ui: &mut egui::Ui, label: &str) -> bool {
    ui.add(egui::Button::new(big(label, 22.0).strong()).min_size(egui::vec2(128.0, 56.0)))
        .clicked()
}

/// Draws the demo (instead of the sandbox's panels).
pub(super) fn demo_ui(
    mut contexts: EguiContexts,
    mut mode: ResMut<DemoMode>,
    clock: Res<crate::sim::SimClock>,
    grid: Res<crate::sim::grid_mode::GridState>,
    frame: Res<crate::app::capture::screenshot::FrameStats>,
    mut actions: ResMut<PendingActions>,
    graphics: Option<Res<Graphics>>,
    (hood, prices, sign, badges): (
        Res<crate::sim::Neighbourhood>,
        Res<crate::sim::prices::CurrentPrices>,
        Res<crate::app::world::visuals::PriceSignAt>,
        Res<crate::app::world::badges::HouseBadges>,
    ),
) -> Result {
    let ctx = contexts.ctx_mut()?;
    // What each house does, over its roof.
    super::overlays::house_badges(ctx, &badges.0, ctx.content_rect());
    // The island's frequency, top right, clear of the clock.
    super::gauge::frequency_gauge(ctx, &grid, ctx.content_rect(), false);
    // The price at the grid link: a visitor's price spike shows there.
    super::overlays::price_sign(
        ctx,
        &hood,
        (prices.import_eur_per_kwh, grid.grid_available),
        sign.0,
        ctx.content_rect(),
    );
    status_area(ctx, &clock, &grid);
    // Captions and banners fit a small window too.
    let wide = (ctx.content_rect().width() - 80.0).clamp(300.0, 1100.0);
    match mode.phase {
        DemoPhase::Attract { .. } => attract_captions(ctx, mode.caption.clone(), wide),
        DemoPhase::Visitor { .. } => {
            visitor_panel(ctx, &grid, mode.mission.is_some(), &mut actions);
            if let Some(m) = mode.mission {
                mission_banner(ctx, &m);
            }
        }
        DemoPhase::Countdown { left_s } => countdown_window(ctx, left_s, &mut actions),
    }
    operator_panel(ctx, &mut mode, &frame, graphics.as_deref(), &mut actions);
    Ok(())
}

/// The clock and the state of the island, top left, for everyone watching.
fn status_area(
    ctx: &egui::Context,
    clock: &crate::sim::SimClock,
    grid: &crate::sim::grid_mode::GridState,
) {
    // The state of the island, for everyone watching.
    let (state, colour) = match grid.mode {
        crate::sim::grid_mode::GridMode::Connected => (tr("demo.on_grid"), palette::GREEN),
        crate::sim::grid_mode::GridMode::Islanded => (tr("demo.island"), palette::ORANGE),
        crate::sim::grid_mode::GridMode::Blackout => (tr("demo.blackout"), palette::VERMILLION),
    };
    egui::Area::new("demo status".into())
        .anchor(egui::Align2::LEFT_TOP, egui::vec2(20.0, 16.0))
        .show(ctx, |ui| {
            // On a dark ground, so that green reads over the green fields.
            egui::Frame::new()
                .fill(egui::Color32::from_black_alpha(190))
                .inner_margin(10.0)
                .corner_radius(8.0)
                .show(ui, |ui| {
                    ui.add(
                        egui::Label::new(
                            big(crate::lang::day_time(clock.now()), 30.0)
                                .color(egui::Color32::WHITE)
                                .strong(),
                        )
                        .extend(),
                    );
                    ui.add(egui::Label::new(big(state, 30.0).color(c32(colour)).strong()).extend());
                });
        });
}

/// The attract loop's caption (if any) and the invitation to take over.
fn attract_captions(ctx: &egui::Context, caption: Option<crate::lang::Text>, wide: f32) {
    if let Some(caption) = caption {
        egui::Area::new("demo caption".into())
            .anchor(egui::Align2::CENTER_BOTTOM, egui::vec2(0.0, -90.0))
            .show(ctx, |ui| {
                egui::Frame::new()
                    .fill(egui::Color32::from_black_alpha(190))
                    .inner_margin(18.0)
                    .corner_radius(10.0)
                    .show(ui, |ui| {
                        ui.set_max_width(wide);
                        ui.label(big(caption.get(), 38.0).color(egui::Color32::WHITE));
                    });
            });
    }
    egui::Area::new("demo invitation".into())
        .anchor(egui::Align2::CENTER_BOTTOM, egui::vec2(0.0, -24.0))
        .show(ctx, |ui| {
            ui.add(
                egui::Label::new(big(tr("demo.invitation"), 26.0).color(c32(palette::YELLOW)))
                    .extend(),
            );
        });
}

/// The "Still there?" countdown: keep playing or start again.
fn countdown_window(ctx: &egui::Context, left_s: f64, actions: &mut PendingActions) {
    egui::Window::new(big(tr("demo.still_there"), 40.0).strong())
        .id("demo countdown".into())
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(
                big(tr!("demo.starts_again_in", s = num(left_s.ceil(), 0)), 28.0)
                    .color(egui::Color32::WHITE),
            );
            ui.horizontal(|ui| {
                if target(ui, tr("demo.keep_playing")) {
                    actions.push(Action::Demo(DemoAction::Input));
                }
                if target(ui, tr("demo.start_again")) {
                    actions.push(Action::Demo(DemoAction::StartAgain));
                }
            });
        });
}

fn mission_banner(ctx: &egui::Context, m: &crate::app::modes::demo::Mission) {
    use crate::app::modes::demo::{LossCause, Mission};
    let (text, colour) = match (m.passed(), m.loss) {
        (Some(true), _) => (
            tr!("demo.mission_won", n = m.batteries.to_string()),
            palette::GREEN,
        ),
        (Some(false), loss) => {
            let at = loss.map_or_else(String::new, |l| l.at.format("%H:%M").to_string());
            let key = match loss.map(|l| l.cause) {
                Some(LossCause::NoStorage) => "demo.mission_lost_no_storage",
                Some(LossCause::TooMuchAtOnce) => "demo.mission_lost_too_much",
                Some(LossCause::Jolt) => "demo.mission_lost_jolt",
                Some(LossCause::RanLow) => "demo.mission_lost_ran_low",
                // Some demand went unserved without a relay's record.
                None => "demo.mission_lost",
            };
            (
                tr!(key, at = at, n = m.batteries.to_string()),
                palette::VERMILLION,
            )
        }
        (None, _) if m.elapsed_s < Mission::WARNING_S => (
            tr!(
                "demo.mission_warning",
                s = num((Mission::WARNING_S - m.elapsed_s).ceil(), 0)
            ),
            palette::YELLOW,
        ),
        (None, _) => (
            tr!(
                "demo.mission_storm",
                s = num(
                    (Mission::WARNING_S + Mission::STORM_S - m.elapsed_s).ceil(),
                    0
                )
            ),
            palette::ORANGE,
        ),
    };
    // Below the clock and the grid's state, which stay in view.
    let wide = (ctx.content_rect().width() - 80.0).clamp(300.0, 1100.0);
    egui::Area::new("demo mission".into())
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 130.0))
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(egui::Color32::from_black_alpha(210))
                .inner_margin(16.0)
                .corner_radius(10.0)
                .show(ui, |ui| {
                    ui.set_max_width(wide);
                    ui.add(egui::Label::new(
                        big(text, 34.0).color(c32(colour)).strong(),
                    ));
                });
        });
}

fn visitor_panel(
    ctx: &egui::Context,
    grid: &crate::sim::grid_mode::GridState,
    in_mission: bool,
    actions: &mut PendingActions,
) {
    egui::Area::new("demo visitor".into())
        .anchor(egui::Align2::CENTER_BOTTOM, egui::vec2(0.0, -20.0))
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(egui::Color32::from_black_alpha(200))
                .inner_margin(14.0)
                .corner_radius(10.0)
                .show(ui, |ui| {
                    // As many a row as the window takes: two at 1280 px, one at 1920.
                    ui.set_max_width((ctx.content_rect().width() - 68.0).max(300.0));
                    ui.horizontal_wrapped(|ui| {
                        // The mission comes first and stands out: it is the game.
                        let mission = egui::Button::new(
                            big(tr("demo.mission"), 22.0)
                                .strong()
                                .color(egui::Color32::BLACK),
                        )
                        .fill(c32(palette::YELLOW))
                        .min_size(egui::vec2(128.0, 56.0));
                        if !in_mission && ui.add(mission).clicked() {
                            actions.push(Action::Demo(DemoAction::Mission));
                        }
                        if target(ui, tr("demo.add_battery")) {
                            actions.push(Action::Demo(DemoAction::AddBattery));
                        }
                        if target(ui, tr("demo.add_solar")) {
                            actions.push(Action::Demo(DemoAction::AddSolar));
                        }
                        // The mission's storm, clock and weather are not
                        // the visitor's to end early.
                        if in_mission {
                            return;
                        }
                        let outage = if grid.manual_outage {
                            tr("demo.grid_back")
                        } else {
                            tr("demo.grid_outage")
                        };
                        if target(ui, outage) {
                            actions.push(Action::ToggleOutage);
                        }
                        if target(ui, tr("demo.sun_clouds")) {
                            actions.push(Action::CycleClouds);
                        }
                        if target(ui, tr("demo.wind")) {
                            actions.push(Action::CycleWind);
                        }
                        if target(ui, tr("demo.price_spike")) {
                            actions.push(Action::TogglePriceSpike);
                        }
                        if target(ui, tr("demo.faster")) {
                            actions.push(Action::Faster);
                        }
                        if target(ui, tr("demo.slower")) {
                            actions.push(Action::Slower);
                        }
                    });
                });
        });
}

fn operator_panel(
    ctx: &egui::Context,
    mode: &mut DemoMode,
    frame: &crate::app::capture::screenshot::FrameStats,
    graphics: Option<&Graphics>,
    actions: &mut PendingActions,
) {
    if mode.operator.asking_pin {
        pin_window(ctx, mode);
        return;
    }
    if !mode.operator.open {
        return;
    }
    egui::Window::new(big(tr("demo.operator"), 24.0).strong())
        .id("demo operator".into())
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-20.0, 20.0))
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            operator_counts(ui, mode, frame);
            operator_settings(ui, mode, graphics, actions);
            operator_playlist(ui, mode, actions);
        });
}

/// The operator's PIN: as many stars as digits typed so far (the demo
/// reads the keys, [`crate::app::modes::demo::operator_sees`]).
fn pin_window(ctx: &egui::Context, mode: &DemoMode) {
    egui::Window::new(big(tr("demo.operator_pin"), 24.0))
        .id("demo pin".into())
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .collapsible(false)
        .show(ctx, |ui| {
            ui.label(big("*".repeat(mode.operator.typed.len()), 28.0));
            ui.label(big(tr("demo.type_pin"), 16.0));
        });
}

/// The operator panel's counts: visitors, returns, tours and frame times.
fn operator_counts(
    ui: &mut egui::Ui,
    mode: &DemoMode,
    frame: &crate::app::capture::screenshot::FrameStats,
) {
    let c = mode.counts;
    ui.label(big(
        tr!("demo.visitor_sessions", n = c.visitor_sessions),
        18.0,
    ));
    ui.label(big(tr!("demo.returns", n = c.resets), 18.0));
    ui.label(big(tr!("demo.tours_played", n = c.tours_played), 18.0));
    ui.label(big(
        {
            let mean = frame.total_frame_ms / frame.frames.max(1) as f64;
            tr!(
                "demo.frames",
                n = frame.frames,
                ms = num(mean, 0),
                fps = num(1000.0 / mean.max(1e-9), 1)
            )
        },
        16.0,
    ));
}

/// The operator panel's settings: the idle time, the language and the graphics.
fn operator_settings(
    ui: &mut egui::Ui,
    mode: &mut DemoMode,
    graphics: Option<&Graphics>,
    actions: &mut PendingActions,
) {
    ui.add(
        egui::Slider::new(&mut mode.idle_s, 10.0..=600.0)
            .step_by(10.0)
            .suffix(tr("demo.idle_suffix")),
    );
    ui.horizontal(|ui| {
        ui.label(big(tr("demo.language"), 18.0));
        for lang in Lang::CHOSEN {
            let on = crate::lang::current() == lang;
            if ui.selectable_label(on, big(lang.name(), 18.0)).clicked() && !on {
                actions.push(Action::SetLanguage(lang));
            }
        }
    });
    if let Some(g) = graphics {
        ui.label(big(g.describe(), 16.0));
        ui.horizontal(|ui| {
            for (setting, key) in [
                (GraphicsSetting::High, "graphics.high"),
                (GraphicsSetting::Low, "graphics.low"),
                (GraphicsSetting::Auto, "graphics.auto_choice"),
            ] {
                let on = g.setting == setting;
                if ui.selectable_label(on, big(tr(key), 18.0)).clicked() && !on {
                    actions.push(Action::SetGraphics(setting));
                }
            }
        });
    }
}

/// The operator panel's playlist and its buttons: next tour, close, quit.
fn operator_playlist(ui: &mut egui::Ui, mode: &mut DemoMode, actions: &mut PendingActions) {
    ui.label(big(tr("demo.playlist"), 18.0));
    for t in &mode.demo.tours {
        ui.label(big(format!("- {}", t.tour.title.get()), 16.0));
    }
    ui.horizontal(|ui| {
        if ui.button(big(tr("demo.next_tour"), 18.0)).clicked() {
            actions.push(Action::Demo(DemoAction::NextTour));
        }
        if ui.button(big(tr("demo.close_panel"), 18.0)).clicked() {
            mode.operator.open = false;
        }
        if ui.button(big(tr("demo.quit"), 18.0)).clicked() {
            actions.push(Action::Quit);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::capture::screenshot::FrameStats;
    use crate::app::modes::demo::PreparedDemo;

    /// The texts one egui pass drew, each with where it stands.
    type Drawn = Vec<(String, egui::Rect)>;

    /// One pass of the operator's screens at 1280x720 with `events`: what
    /// it drew and the actions it queued.
    fn pass(
        ctx: &egui::Context,
        mode: &mut DemoMode,
        graphics: &Graphics,
        events: Vec<egui::Event>,
    ) -> (Drawn, Vec<Action>) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 720.0),
            )),
            events,
            ..Default::default()
        };
        let frame = FrameStats {
            frames: 40,
            total_frame_ms: 10_000.0,
            ..Default::default()
        };
        let mut actions = PendingActions::default();
        let mut out = ctx.run_ui(input, |ui| {
            operator_panel(ui.ctx(), mode, &frame, Some(graphics), &mut actions)
        });
        out.textures_delta.clear();
        let mut drawn = Vec::new();
        let mut shapes: Vec<egui::Shape> = out.shapes.into_iter().map(|c| c.shape).collect();
        while let Some(shape) = shapes.pop() {
            match shape {
                egui::Shape::Vec(inner) => shapes.extend(inner),
                egui::Shape::Text(t) => drawn.push((
                    t.galley.text().to_owned(),
                    t.galley.rect.translate(t.pos.to_vec2()),
                )),
                _ => {}
            }
        }
        (drawn, actions.0)
    }

    /// A click (press, then release in the next pass) on the text `label`.
    fn click(
        ctx: &egui::Context,
        mode: &mut DemoMode,
        graphics: &Graphics,
        label: &str,
    ) -> Vec<Action> {
        let (drawn, _) = pass(ctx, mode, graphics, Vec::new());
        let Some((_, rect)) = drawn.iter().find(|(text, _)| text == label) else {
            panic!("no \"{label}\" drawn: {drawn:?}");
        };
        let at = rect.center();
        let button = |pressed| egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        };
        let (_, mut actions) = pass(
            ctx,
            mode,
            graphics,
            vec![egui::Event::PointerMoved(at), button(true)],
        );
        actions.extend(pass(ctx, mode, graphics, vec![button(false)]).1);
        actions
    }

    fn texts(drawn: &Drawn) -> Vec<&str> {
        drawn.iter().map(|(t, _)| t.as_str()).collect()
    }

    #[test]
    fn the_operator_panel_shows_the_counts_and_its_buttons_act() {
        let demo = PreparedDemo::load(std::path::Path::new("scenes/demo/museum.demo.ron"))
            .expect("the shipped demo loads");
        let mut mode = DemoMode::new(demo);
        mode.counts.visitor_sessions = 7;
        let graphics = Graphics::new(GraphicsSetting::High);
        let ctx = egui::Context::default();

        // The chord asks for the PIN first: stars as digits are typed, no panel.
        mode.operator.asking_pin = true;
        mode.operator.typed = "24".into();
        let (drawn, _) = pass(&ctx, &mut mode, &graphics, Vec::new());
        let (drawn_again, _) = pass(&ctx, &mut mode, &graphics, Vec::new());
        assert!(texts(&drawn_again).contains(&"**"), "{drawn:?}");
        assert!(!texts(&drawn_again).contains(&tr("demo.next_tour")));

        // The PIN typed: the counts, the frames, the playlist and the buttons.
        mode.operator.asking_pin = false;
        mode.operator.open = true;
        pass(&ctx, &mut mode, &graphics, Vec::new());
        let (drawn, _) = pass(&ctx, &mut mode, &graphics, Vec::new());
        let shown = texts(&drawn);
        let sessions = tr!("demo.visitor_sessions", n = 7);
        let frames = tr!("demo.frames", n = 40, ms = num(250.0, 0), fps = num(4.0, 1));
        for expected in [sessions.as_str(), frames.as_str(), tr("demo.quit")] {
            assert!(shown.contains(&expected), "{expected:?} in {shown:?}");
        }
        for tour in &mode.demo.tours {
            let line = format!("- {}", tour.tour.title.get());
            assert!(shown.contains(&line.as_str()), "{line:?} in {shown:?}");
        }
        // Everything on the screen.
        let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 720.0));
        for (text, rect) in &drawn {
            assert!(screen.contains_rect(*rect), "{text:?} at {rect:?}");
        }

        // Each button queues its action, and only its own.
        let next = click(&ctx, &mut mode, &graphics, tr("demo.next_tour"));
        assert_eq!(next, [Action::Demo(DemoAction::NextTour)]);
        let low = click(&ctx, &mut mode, &graphics, tr("graphics.low"));
        assert_eq!(low, [Action::SetGraphics(GraphicsSetting::Low)]);
        let other = Lang::CHOSEN
            .into_iter()
            .find(|l| *l != crate::lang::current())
            .expect("two languages");
        let language = click(&ctx, &mut mode, &graphics, other.name());
        assert_eq!(language, [Action::SetLanguage(other)]);
        let quit = click(&ctx, &mut mode, &graphics, tr("demo.quit"));
        assert_eq!(quit, [Action::Quit]);
        assert!(mode.operator.open);
        let close = click(&ctx, &mut mode, &graphics, tr("demo.close_panel"));
        assert!(close.is_empty(), "{close:?}");
        assert!(!mode.operator.open, "Close panel closes it");
        let (drawn, _) = pass(&ctx, &mut mode, &graphics, Vec::new());
        assert!(!texts(&drawn).contains(&tr("demo.quit")), "{drawn:?}");
    }
}
