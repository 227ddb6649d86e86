//! The window's controls on the headless simulation (the real window under
//! Xvfb is `tests/window_png.rs`).

use bevy::prelude::*;
use chrono::Timelike;

use crate::common::{act, built, repo, steps, window_app};
use microgrid::app::control;
use microgrid::app::control::action::Action;
use microgrid::app::control::queue::PendingActions;
use microgrid::app::control::source::ScenarioSource;
use microgrid::app::hud::history::ChartHistory;
use microgrid::app::{OpenOptions, headless_plugins};
use microgrid::sim::devices::{CurrentEnvironment, DeviceIndex};
use microgrid::sim::grid_mode::{GridMode, GridState};
use microgrid::sim::island::{EventKind, EventLog};
use microgrid::sim::metrics::StepRecord;
use microgrid::sim::prices::CurrentPrices;
use microgrid::sim::{self, Neighbourhood, SimClock};

#[test]
fn the_outage_toggle_islands_the_neighbourhood_and_gives_the_grid_back() {
    let mut app = window_app("scenes/default.scenario.ron");
    // Evening: the batteries carry the island.
    act(&mut app, Action::JumpToHour(19));
    assert_eq!(app.world().resource::<SimClock>().now().hour(), 19);
    act(&mut app, Action::ToggleOutage);
    steps(&mut app, 2);
    let grid = app.world().resource::<GridState>();
    assert!(grid.manual_outage);
    assert_eq!(grid.mode, GridMode::Islanded);
    let record = app.world().resource::<StepRecord>();
    assert!(record.islanded && record.grid_import_kw.abs() < 1e-9);
    let log = app.world().resource::<EventLog>();
    assert!(log.0.iter().any(|e| e.kind == EventKind::BreakerOpen));
    act(&mut app, Action::ToggleOutage);
    steps(&mut app, 10);
    assert_eq!(
        app.world().resource::<GridState>().mode,
        GridMode::Connected
    );
    let log = app.world().resource::<EventLog>();
    assert!(log.0.iter().any(|e| e.kind == EventKind::BreakerClose));
    // The charts saw every step, the island included.
    let history = app.world().resource::<ChartHistory>();
    assert!(history.samples.iter().any(|s| s.islanded));
    assert!(history.samples.len() > 12 * 60);
}

#[test]
fn price_weather_and_time_controls_reach_the_simulation() {
    let mut app = window_app("scenes/default.scenario.ron");
    act(&mut app, Action::TogglePriceSpike);
    act(&mut app, Action::SetClouds(Some(8.0)));
    act(&mut app, Action::SetWind(Some(14.0)));
    steps(&mut app, 1);
    let prices = app.world().resource::<CurrentPrices>();
    assert_eq!(
        prices.import_eur_per_kwh,
        control::action::SPIKE_PRICE_EUR_PER_KWH
    );
    assert_eq!(app.world().resource::<StepRecord>().price_eur_per_kwh, 1.5);
    let env = app.world().resource::<CurrentEnvironment>().0;
    assert_eq!(env.cloud_oktas, 8.0);
    assert_eq!(env.wind_m_s, 14.0);
    act(&mut app, Action::TogglePriceSpike);
    act(&mut app, Action::CycleClouds);
    steps(&mut app, 1);
    assert!(
        app.world()
            .resource::<CurrentPrices>()
            .override_import_eur_per_kwh
            .is_none()
    );
    // 8 oktas is the last preset: the cycle goes back to the weather model.
    let weather = app
        .world()
        .resource::<microgrid::sim::devices::WeatherModel>();
    assert_eq!(weather.cloud_override_oktas, None);
    assert_eq!(weather.wind_override_m_s, Some(14.0));
    // Speeds, pause and a single step.
    act(&mut app, Action::SetSpeed(600.0));
    act(&mut app, Action::Faster);
    assert_eq!(app.world().resource::<SimClock>().speed, 1800.0);
    let before = app.world().resource::<SimClock>().steps;
    act(&mut app, Action::StepOnce);
    let clock = app.world().resource::<SimClock>();
    assert!(clock.paused);
    assert_eq!(clock.steps, before + 1);
}

#[test]
fn a_broken_scenario_leaves_the_running_one_and_a_good_one_replaces_it() {
    let mut app = window_app("scenes/default.scenario.ron");
    steps(&mut app, 30);
    let dir = std::env::temp_dir().join(format!("microgrid-window-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let broken = dir.join("broken.scenario.ron");
    let text = std::fs::read_to_string(repo("scenes/default.scenario.ron")).expect("default");
    let text = text.replacen("annual_kwh: 2800", "annual_kwh: -5", 1);
    std::fs::write(&broken, &text).expect("write");
    act(&mut app, Action::LoadScenario(broken.clone()));
    let source = app.world().resource::<ScenarioSource>();
    assert_eq!(source.errors.len(), 1, "{:?}", source.errors);
    crate::common::assert_located(
        &source.errors[0],
        "broken.scenario.ron",
        &text,
        "annual_kwh: -5",
    );
    assert_eq!(source.path, repo("scenes/default.scenario.ron"));
    assert_eq!(
        app.world().resource::<Neighbourhood>().0.scenario.name,
        "Lindenhof"
    );
    assert_eq!(app.world().resource::<SimClock>().steps, 30);

    act(
        &mut app,
        Action::LoadScenario(repo("scenes/kerber-dorfnetz.scenario.ron")),
    );
    let world = app.world_mut();
    assert!(world.resource::<ScenarioSource>().errors.is_empty());
    let devices = world.resource::<Neighbourhood>().0.devices.len();
    let entities = world.query::<&DeviceIndex>().iter(world).count();
    assert_eq!(entities, devices, "old devices despawned, new ones spawned");
    assert_eq!(world.resource::<SimClock>().steps, 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_reloaded_scenario_runs_exactly_as_a_fresh_one() {
    let mut fresh = window_app("scenes/default.scenario.ron");
    let mut reloaded = window_app("scenes/default.scenario.ron");
    steps(&mut reloaded, 100);
    act(&mut reloaded, Action::Reload);
    for _ in 0..240 {
        sim::step(fresh.world_mut());
        sim::step(reloaded.world_mut());
        assert_eq!(
            fresh.world().resource::<StepRecord>(),
            reloaded.world().resource::<StepRecord>()
        );
    }
}

#[test]
fn the_charts_open_with_the_hours_run_to_at() {
    let scenario = "scenes/default.scenario.ron";
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    let options = OpenOptions {
        paused: true,
        at: Some(microgrid::scenario::parse_date_time("2025-06-21 12:00").expect("valid")),
        ..OpenOptions::new(repo(scenario))
    };
    headless_plugins(&mut app, built(scenario), &options);
    app.update();
    control::source::finish_long_work(app.world_mut());
    // 06:00 to 12:00 in 1-minute steps.
    assert_eq!(app.world().resource::<ChartHistory>().samples.len(), 360);
}

#[test]
fn the_market_control_switches_mechanism_and_settles_the_interval_so_far() {
    use microgrid::market::Mechanism;
    use microgrid::sim::market::Market;
    let mut app = window_app("scenes/default.scenario.ron");
    let mechanism = |app: &App| app.world().resource::<Market>().settings.mechanism;
    assert_eq!(mechanism(&app), Mechanism::SupplyDemandRatio);
    act(&mut app, Action::JumpToHour(12));
    let cleared = app.world().resource::<Market>().cleared;
    assert!(cleared >= 24, "six hours of 15-minute intervals: {cleared}");
    // Midway through an interval: switching settles the part so far.
    steps(&mut app, 5);
    act(&mut app, Action::CycleMarket);
    assert_eq!(mechanism(&app), Mechanism::MidMarketRate);
    let market = app.world().resource::<Market>();
    assert_eq!(market.cleared, cleared + 1);
    let last = market.last.as_ref().expect("cleared");
    assert_eq!((last.end - last.start).num_minutes(), 5);
    steps(&mut app, 3);
    act(&mut app, Action::SetMarket(Mechanism::None));
    steps(&mut app, 30);
    let market = app.world().resource::<Market>();
    assert!(!market.is_trading() && market.cleared == cleared + 2);
    assert!(market.ledger.balance_eur().abs() < 1e-9);
}

#[test]
fn the_readme_lists_every_shortcut_the_help_shows() {
    let readme = std::fs::read_to_string(repo("docs/window.md")).expect("docs/window.md");
    for row in microgrid::app::hud::SHORTCUTS {
        let (key, what) = microgrid::app::hud::shortcut_row(microgrid::lang::Lang::En, row);
        let row = format!("| {key} | {what} |");
        assert!(readme.contains(&row), "docs/window.md lacks `{row}`");
    }
}

#[test]
fn a_jump_runs_in_slices_over_frames_and_can_be_cancelled() {
    use microgrid::app::control::long_work::Jump;
    let mut app = window_app("scenes/default.scenario.ron");
    app.world_mut().resource_mut::<SimClock>().paused = false;
    app.world_mut()
        .resource_mut::<PendingActions>()
        .push(Action::JumpToHour(18));
    control::queue::apply_actions(app.world_mut());
    // The jump holds the clock and says where it goes; frames carry it on.
    let jump = app.world().resource::<Jump>().clone();
    assert!(app.world().resource::<SimClock>().paused);
    assert_eq!(jump.target_step - jump.first_step, 12 * 60);
    assert_eq!(jump.progress(jump.first_step), 0.0);
    let mut frames = 0;
    while app.world().contains_resource::<Jump>() {
        control::source::run_long_work(app.world_mut());
        frames += 1;
        assert!(frames < 100_000, "the jump never ends");
    }
    let clock = app.world().resource::<SimClock>();
    assert_eq!(clock.now().hour(), 18);
    assert_eq!(clock.steps, jump.target_step);
    assert!(!clock.paused, "the clock runs again as before the jump");
    // A cancelled jump stops where it is.
    app.world_mut()
        .resource_mut::<PendingActions>()
        .push(Action::JumpToHour(6));
    control::queue::apply_actions(app.world_mut());
    act(&mut app, Action::CancelJump);
    assert!(!app.world().contains_resource::<Jump>());
    assert_eq!(app.world().resource::<SimClock>().now().hour(), 18);
}

#[test]
fn keeping_the_running_scenario_after_an_error_keeps_it_as_it_is() {
    let mut app = window_app("scenes/default.scenario.ron");
    steps(&mut app, 45);
    act(
        &mut app,
        Action::LoadScenario(repo("scenes/no-such.scenario.ron")),
    );
    let source = app.world().resource::<ScenarioSource>();
    assert_eq!(source.errors.len(), 1, "{:?}", source.errors);
    assert!(source.errors[0].contains("does not exist"));
    act(&mut app, Action::DismissErrors);
    let source = app.world().resource::<ScenarioSource>();
    assert!(source.errors.is_empty() && source.failed_path.is_none());
    // Not reloaded: the clock and the run go on from where they were.
    assert_eq!(app.world().resource::<SimClock>().steps, 45);
}

/// A glyph egui adds to its font atlas is announced to the renderer in the
/// frame that adds it: a change to an image made in egui's output set
/// shows up as an asset event in the same update (with the two sets
/// unordered it came a frame late, and new digits were missing for a frame).
#[test]
fn a_new_glyph_reaches_the_renderer_in_the_frame_that_draws_it() {
    use bevy::asset::{AssetEvent, AssetPlugin};
    use bevy::image::Image;
    use bevy_egui::EguiPostUpdateSet;

    #[derive(Resource)]
    struct Atlas(Handle<Image>);

    fn grow_the_atlas(atlas: Res<Atlas>, mut images: ResMut<Assets<Image>>) {
        if let Some(mut image) = images.get_mut(atlas.0.id()) {
            image.data = Some(vec![255; 4]);
        }
    }

    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<Image>();
    microgrid::app::hud::glyphs_upload_in_their_frame(&mut app);
    let handle = app
        .world_mut()
        .resource_mut::<Assets<Image>>()
        .add(Image::default());
    app.insert_resource(Atlas(handle.clone()));
    app.add_systems(
        PostUpdate,
        grow_the_atlas.in_set(EguiPostUpdateSet::PostProcessOutput),
    );
    // The order is in the schedule, not left to chance (Bevy lets any two
    // writers of `Assets` run in either order without a warning).
    {
        use bevy::ecs::schedule::{NodeId, ScheduleLabel, SystemSet};
        let schedules = app.world().resource::<Schedules>();
        let graph = schedules
            .get(PostUpdate.intern())
            .expect("PostUpdate")
            .graph();
        let node = |set: bevy::ecs::intern::Interned<dyn SystemSet>| {
            NodeId::Set(
                graph
                    .system_sets
                    .get_key(set)
                    .expect("the set is in PostUpdate"),
            )
        };
        assert!(
            graph.dependency().graph().contains_edge(
                node(EguiPostUpdateSet::PostProcessOutput.intern()),
                node(bevy::asset::AssetEventSystems.intern())
            ),
            "egui's texture writes are not ordered before the asset events"
        );
    }
    // The first frame announces the image's arrival; the second its change.
    app.update();
    app.update();
    let events = app.world().resource::<Messages<AssetEvent<Image>>>();
    let modified = events
        .iter_current_update_messages()
        .any(|e| *e == AssetEvent::Modified { id: handle.id() });
    assert!(
        modified,
        "the atlas's change was not announced in its frame"
    );
}
