//! The window's controls on the headless simulation, and the real window
//! under Xvfb with Mesa's software Vulkan (lavapipe): it renders the default
//! scene, saves a PNG and exits.

use std::path::Path;
use std::process::Command;

use bevy::prelude::*;
use chrono::Timelike;

use crate::common::{built, repo};
use microgrid::app::controls::{self, Action, PendingActions, ScenarioSource};
use microgrid::app::history::ChartHistory;
use microgrid::app::{OpenOptions, headless_plugins};
use microgrid::sim::devices::{CurrentEnvironment, DeviceIndex};
use microgrid::sim::island::{EventKind, EventLog, GridMode, GridState};
use microgrid::sim::metrics::StepRecord;
use microgrid::sim::prices::CurrentPrices;
use microgrid::sim::{self, Neighbourhood, SimClock};

fn window_app(scenario: &str) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    let options = OpenOptions {
        paused: true,
        ..OpenOptions::new(repo(scenario))
    };
    headless_plugins(&mut app, built(scenario), &options);
    app
}

fn act(app: &mut App, action: Action) {
    app.world_mut()
        .resource_mut::<PendingActions>()
        .push(action);
    controls::apply_actions(app.world_mut());
}

fn steps(app: &mut App, n: usize) {
    for _ in 0..n {
        sim::step(app.world_mut());
    }
}

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
    assert_eq!(prices.import_eur_per_kwh, controls::SPIKE_PRICE_EUR_PER_KWH);
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
    std::fs::write(
        &broken,
        text.replacen("annual_kwh: 2800", "annual_kwh: -5", 1),
    )
    .expect("write");
    act(&mut app, Action::LoadScenario(broken.clone()));
    let source = app.world().resource::<ScenarioSource>();
    assert_eq!(source.errors.len(), 1, "{:?}", source.errors);
    assert!(
        source.errors[0].contains("broken.scenario.ron:"),
        "{}",
        source.errors[0]
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

/// Where the screenshot test runs: always in CI (`MICROGRID_WINDOW_TEST=1`,
/// set by `.ci/run` after installing Xvfb and lavapipe); elsewhere only when
/// `xvfb-run` is there.
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

fn xvfb_available() -> bool {
    let required = std::env::var("MICROGRID_WINDOW_TEST").is_ok_and(|v| v == "1");
    let found = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || !required,
        "MICROGRID_WINDOW_TEST=1 but xvfb-run is missing"
    );
    found
}

#[test]
fn the_window_renders_the_default_scene_to_a_png() {
    if !xvfb_available() {
        eprintln!("skipped: no xvfb-run (install xvfb and mesa-vulkan-drivers, or run .ci/run)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("microgrid-shot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let png = dir.join("default.png");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_microgrid"))
        .args([
            "open",
            "scenes/default.scenario.ron",
            "--size",
            "1280x720",
            "--after",
            "2",
        ])
        .args(["--at", "2025-06-21 12:00", "--screenshot"])
        .arg(&png)
        .current_dir(repo(""))
        .output()
        .expect("xvfb-run runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("mean frame"), "{stdout}");
    let image = image::open(&png).expect("a PNG was written").to_rgb8();
    assert_eq!(image.dimensions(), (1280, 720));
    check_not_blank(&image, &png);
    std::fs::remove_dir_all(&dir).ok();
}

/// A rendered frame has many colours and real contrast; a blank or failed
/// one is uniform.
fn check_not_blank(image: &image::RgbImage, path: &Path) {
    let luma: Vec<f64> = image
        .pixels()
        .map(|p| 0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]))
        .collect();
    let mean = luma.iter().sum::<f64>() / luma.len() as f64;
    let sd = (luma.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luma.len() as f64).sqrt();
    let mut colours: Vec<[u8; 3]> = image
        .pixels()
        .map(|p| [p[0] >> 3, p[1] >> 3, p[2] >> 3])
        .collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        sd > 20.0,
        "{}: luminance s.d. {sd:.1}: blank?",
        path.display()
    );
    assert!(
        colours.len() > 300,
        "{}: {} colours: blank?",
        path.display(),
        colours.len()
    );
    // The 3D view (left of the charts) has the green ground and the streets.
    let green = image
        .enumerate_pixels()
        .filter(|(x, _, p)| {
            *x < 800
                && u16::from(p[1]) > u16::from(p[0]) + 10
                && u16::from(p[1]) > u16::from(p[2]) + 10
        })
        .count();
    assert!(
        green > 20_000,
        "{}: {green} green pixels: no ground?",
        path.display()
    );
}

#[test]
fn the_readme_lists_every_shortcut_the_help_shows() {
    let readme = std::fs::read_to_string(repo("README.md")).expect("README");
    for (key, what) in microgrid::app::ui::SHORTCUTS {
        let row = format!("| {key} | {what} |");
        assert!(readme.contains(&row), "README lacks `{row}`");
    }
}
