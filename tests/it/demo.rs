//! The public demo on `MinimalPlugins`: the attract loop plays its tours
//! and loops, a visitor takes over at once, idle time brings the countdown
//! and then the attract loop with the scenario restored exactly.

use microgrid::app::control::action::Action;
use microgrid::app::modes::demo::{self, DemoAction, DemoMode, DemoPhase, PreparedDemo};

use super::common::{act, repo, steps, window_app};

fn demo_app() -> bevy::prelude::App {
    let prepared = PreparedDemo::load(&repo("scenes/demo/museum.demo.ron"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut app = window_app("scenes/default.scenario.ron");
    app.insert_resource(DemoMode::new(prepared));
    demo::start_tour(app.world_mut(), 0);
    app
}

/// `seconds` of wall time in frames of 0.5 s: the simulation's steps for
/// the frame at the clock's speed, the demo, then the queue.
fn wait(app: &mut bevy::prelude::App, seconds: f64) {
    let mut left = seconds;
    while left > 1e-9 {
        let dt = left.min(0.5);
        let clock = app.world().resource::<microgrid::sim::SimClock>();
        if !clock.paused {
            // Whole steps; a part step carries to the next frame, as the clock's does.
            let due = dt * clock.speed / f64::from(clock.step_s)
                + app.world().get_resource::<PartStep>().map_or(0.0, |c| c.0);
            let n = (due + 1e-9).floor();
            app.world_mut().insert_resource(PartStep(due - n));
            steps(app, n as usize);
        }
        demo::advance(app.world_mut(), dt);
        microgrid::app::control::queue::apply_actions(app.world_mut());
        microgrid::app::control::source::finish_long_work(app.world_mut());
        left -= dt;
    }
}

/// The part of a step that the last frame left over.
#[derive(bevy::prelude::Resource)]
struct PartStep(f64);

fn phase(app: &bevy::prelude::App) -> DemoPhase {
    app.world().resource::<DemoMode>().phase
}

#[test]
fn the_attract_loop_plays_its_tours_with_captions_and_loops() {
    let mut app = demo_app();
    let caption = |app: &bevy::prelude::App| {
        app.world()
            .resource::<DemoMode>()
            .caption
            .as_ref()
            .map(|t| t.in_lang(microgrid::lang::Lang::En).to_owned())
            .unwrap_or_default()
    };
    wait(&mut app, 0.1);
    assert!(caption(&app).contains("24 homes"), "{}", caption(&app));
    // The tour's actions ran: the clock runs at 1800 s per second.
    let clock = app.world().resource::<microgrid::sim::SimClock>();
    assert_eq!((clock.speed, clock.paused), (1800.0, false));
    wait(&mut app, 9.0);
    assert!(caption(&app).starts_with("Morning"), "{}", caption(&app));
    // "By noon" waits for 12:00 on the simulated clock (06:00 + 12 s at 30 min/s).
    wait(&mut app, 2.5);
    assert!(
        caption(&app).starts_with("Morning"),
        "{} at 11:45",
        caption(&app)
    );
    wait(&mut app, 1.0);
    let now = app.world().resource::<microgrid::sim::SimClock>().now();
    assert!(
        caption(&app).starts_with("By noon"),
        "{} at {now}",
        caption(&app)
    );
    // The first tour lasts 28 s and holds 8 s; then the second begins.
    wait(&mut app, 41.0);
    assert!(
        matches!(phase(&app), DemoPhase::Attract { tour: 1, .. }),
        "{:?}",
        phase(&app)
    );
    // The storm tour fails the grid.
    wait(&mut app, 7.0);
    assert!(
        app.world()
            .resource::<microgrid::sim::grid_mode::GridState>()
            .manual_outage
    );
    // Both tours played: back to the first.
    wait(&mut app, 70.0);
    assert!(
        matches!(phase(&app), DemoPhase::Attract { tour: 0, .. }),
        "{:?}",
        phase(&app)
    );
    assert_eq!(app.world().resource::<DemoMode>().counts.tours_played, 2);
}

#[test]
fn a_visitor_takes_over_and_idle_time_restores_the_scenario_exactly() {
    let mut app = demo_app();
    let original = app
        .world()
        .resource::<microgrid::sim::Neighbourhood>()
        .0
        .scenario
        .clone();
    wait(&mut app, 20.0);
    let clock_before = app.world().resource::<microgrid::sim::SimClock>().steps;
    // A touch: the visitor has control at once, nothing is reset.
    act(&mut app, Action::Demo(DemoAction::Input));
    assert!(matches!(phase(&app), DemoPhase::Visitor { .. }));
    assert_eq!(
        app.world().resource::<DemoMode>().counts.visitor_sessions,
        1
    );
    assert_eq!(
        app.world().resource::<microgrid::sim::SimClock>().steps,
        clock_before
    );
    // One tap adds solar, and the camera goes to the house that got it.
    act(&mut app, Action::Demo(DemoAction::AddSolar));
    let hood = &app.world().resource::<microgrid::sim::Neighbourhood>().0;
    let got = hood
        .scenario
        .houses
        .iter()
        .zip(&original.houses)
        .find(|(now, before)| now.pv.is_some() && before.pv.is_none())
        .map(|(h, _)| h.name.clone())
        .expect("a house got PV");
    let focus = microgrid::app::world::camera::focus_of(hood, &got).expect("the house");
    let flight = app.world().resource::<DemoMode>().flight;
    assert!(
        flight.is_some_and(|(_, to, _)| to.focus.distance(focus) < 0.5),
        "{flight:?} should end at {got} ({focus})"
    );
    act(&mut app, Action::Demo(DemoAction::AddBattery));
    let edited = &app
        .world()
        .resource::<microgrid::sim::Neighbourhood>()
        .0
        .scenario;
    assert_ne!(*edited, original);
    // Files and quitting are not the visitor's.
    act(&mut app, Action::Quit);
    assert!(
        !app.world()
            .contains_resource::<microgrid::app::control::requests::QuitRequested>()
    );
    // An outage the visitor started holds the countdown back...
    act(&mut app, Action::ToggleOutage);
    wait(&mut app, 95.0);
    assert!(
        matches!(phase(&app), DemoPhase::Visitor { .. }),
        "{:?}",
        phase(&app)
    );
    act(&mut app, Action::ToggleOutage);
    // ... and without it, 90 s idle bring "Still there?".
    wait(&mut app, 1.0);
    assert!(
        matches!(phase(&app), DemoPhase::Countdown { .. }),
        "{:?}",
        phase(&app)
    );
    // 20 s later the attract loop starts again on the scenario as written.
    wait(&mut app, 20.5);
    assert!(
        matches!(phase(&app), DemoPhase::Attract { tour: 0, .. }),
        "{:?}",
        phase(&app)
    );
    let restored = &app
        .world()
        .resource::<microgrid::sim::Neighbourhood>()
        .0
        .scenario;
    assert_eq!(*restored, original);
    assert!(
        !app.world()
            .resource::<microgrid::sim::grid_mode::GridState>()
            .manual_outage
    );
    assert_eq!(app.world().resource::<DemoMode>().counts.resets, 1);
    // "Keep playing" in a countdown goes back to the visitor.
    act(&mut app, Action::Demo(DemoAction::Input));
    wait(&mut app, 91.0);
    assert!(matches!(phase(&app), DemoPhase::Countdown { .. }));
    act(&mut app, Action::Demo(DemoAction::Input));
    assert!(matches!(phase(&app), DemoPhase::Visitor { .. }));
}

#[test]
fn a_bad_demo_config_is_located_and_the_demo_does_not_start() {
    let dir = std::env::temp_dir().join(format!("microgrid-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let path = dir.join("bad.demo.ron");
    let tours = repo("scenes/tours").display().to_string();
    for (text, wanted, needle) in [
        (
            format!("Demo(playlist: [\"{tours}/a-day-in-lindenhof.tour.ron\"], idle_s: 5)"),
            "outside the allowed range",
            "idle_s: 5",
        ),
        (
            format!("Demo(playlist: [\"{tours}/nowhere.tour.ron\"])"),
            "was not found",
            // The playlist's entry, from its opening quote.
            "[\"",
        ),
        (
            format!(
                "Demo(playlist: [\"{tours}/a-day-in-lindenhof.tour.ron\"], pin: Some(\"12a4\"))"
            ),
            "1 to 12 digits",
            "\"12a4\"",
        ),
        (
            "Demo(playlist: [], colour: 1)".to_owned(),
            "colour",
            "colour",
        ),
        (
            format!("Demo(playlist: [\"{tours}/a-day-in-lindenhof.tour.ron\"], language: \"fr\")"),
            "\"fr\" is not a language of the window",
            "\"fr\"",
        ),
        (
            format!(
                "Demo(playlist: [\"{tours}/a-day-in-lindenhof.tour.ron\"], graphics: \"ultra\")"
            ),
            "use high, low or auto",
            "\"ultra\"",
        ),
    ] {
        std::fs::write(&path, &text).expect("write");
        let errors = PreparedDemo::load(&path).expect_err(&text);
        let all = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(all.contains(wanted), "{text} -> {all}");
        let error = errors
            .iter()
            .map(ToString::to_string)
            .find(|e| e.contains(wanted))
            .expect("the error");
        super::common::assert_located(&error, "bad.demo.ron", &text, needle);
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_microgrid"))
        .args(["demo"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cycles_of_the_demo_leave_nothing_behind() {
    let prepared = PreparedDemo::load(&repo("scenes/demo/museum.demo.ron"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut app = microgrid::app::soak::headless_demo(prepared);
    let samples = microgrid::app::soak::soak(&mut app, 4);
    // Each cycle: the playlist, a visitor's solar, battery and outage, the
    // countdown and the reset. The world has as many entities after each.
    assert!(
        samples.iter().all(|s| s.entities == samples[0].entities),
        "{samples:?}"
    );
    assert!(samples[3].simulated_days > samples[0].simulated_days);
    assert_eq!(app.world().resource::<DemoMode>().counts.resets, 4);
    assert_eq!(
        app.world().resource::<DemoMode>().counts.visitor_sessions,
        4
    );
}

/// Plays the mission from its button to its outcome, pressing + Battery
/// `batteries` times in the warning, and gives the outcome.
fn play_mission(app: &mut bevy::prelude::App, batteries: usize) -> demo::Mission {
    use microgrid::app::modes::demo::{MISSION_START, Mission};
    act(app, Action::Demo(DemoAction::Mission));
    assert!(matches!(phase(app), DemoPhase::Visitor { .. }));
    let now = app.world().resource::<microgrid::sim::SimClock>().now();
    assert_eq!(now.time(), MISSION_START, "the street opens at dusk");
    for _ in 0..batteries {
        wait(app, 1.0);
        act(app, Action::Demo(DemoAction::AddBattery));
    }
    wait(app, Mission::WARNING_S + 1.0 - batteries as f64);
    // The storm is not the visitor's to end, nor its clock to change.
    for refused in [Action::ToggleOutage, Action::Faster, Action::CycleWind] {
        act(app, refused);
    }
    assert_eq!(
        app.world().resource::<microgrid::sim::SimClock>().speed,
        microgrid::app::modes::demo::MISSION_SPEED,
        "Faster is refused"
    );
    let weather = app
        .world()
        .resource::<microgrid::sim::devices::WeatherModel>();
    assert_eq!(
        (weather.cloud_override_oktas, weather.wind_override_m_s),
        (Some(8.0), Some(22.0)),
        "the storm blows"
    );
    assert!(
        app.world()
            .resource::<microgrid::sim::grid_mode::GridState>()
            .manual_outage,
        "the storm breaks the power line"
    );
    wait(app, Mission::STORM_S);
    let m = app
        .world()
        .resource::<DemoMode>()
        .mission
        .expect("the outcome shows");
    assert!(
        !app.world()
            .resource::<microgrid::sim::grid_mode::GridState>()
            .manual_outage
    );
    // The mission held the idle countdown back; it ends after its outcome.
    wait(app, Mission::RESULT_S + 1.0);
    assert!(app.world().resource::<DemoMode>().mission.is_none());
    assert!(matches!(phase(app), DemoPhase::Visitor { .. }));
    m
}

#[test]
fn the_visitor_mission_is_won_with_storage_and_lost_without() {
    use microgrid::app::modes::demo::LossCause;
    // The museum's mission street has solar and no storage: with nothing
    // added it goes dark the moment the storm breaks the line.
    let mut app = demo_app();
    wait(&mut app, 1.0);
    let m = play_mission(&mut app, 0);
    assert_eq!(m.passed(), Some(false), "{m:?}");
    assert!(m.unserved_kwh.is_some_and(|u| u > 1.0), "{m:?}");
    let loss = m.loss.expect("when and why the lights went out");
    assert_eq!(loss.cause, LossCause::NoStorage, "{m:?}");
    assert_eq!(loss.at.format("%H:%M").to_string(), "19:45", "{m:?}");
    assert_eq!(m.batteries, 0);

    // Two batteries, half full, give 10 kW at most: the street asks more
    // than that soon after the storm strikes, so the relays shed the
    // washing machines. It is power that is short, not stored energy; and
    // less goes unserved than with none.
    let unserved_without = m.unserved_kwh.expect("an outcome");
    let m = play_mission(&mut app, 2);
    assert_eq!(m.passed(), Some(false), "{m:?}");
    assert_eq!(m.batteries, 2);
    let loss = m.loss.expect("when and why the lights went out");
    assert_eq!(loss.cause, LossCause::TooMuchAtOnce, "{m:?}");
    assert!(
        m.unserved_kwh.expect("an outcome") < unserved_without / 2.0,
        "{m:?}"
    );

    // Three give the power, but not the energy for three hours of evening:
    // late in the storm they run low.
    let m = play_mission(&mut app, 3);
    assert_eq!(m.passed(), Some(false), "{m:?}");
    assert_eq!(m.loss.map(|l| l.cause), Some(LossCause::RanLow), "{m:?}");
    assert!(m.loss.is_some_and(|l| l.at > loss.at), "{m:?}");

    // Four carry it through: every light stays on.
    let m = play_mission(&mut app, 4);
    assert_eq!(m.passed(), Some(true), "{m:?}");
    assert_eq!(m.loss, None, "{m:?}");
    assert_eq!(m.batteries, 4);

    // A demo that names no mission street plays it on its first tour's:
    // Lindenhof's batteries and V2G cars carry the storm.
    let dir = std::env::temp_dir().join(format!("microgrid-mission-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let scenario = repo("scenes/default.scenario.ron").display().to_string();
    std::fs::write(
        dir.join("t.tour.ron"),
        format!(
            "Tour(title: \"T\", scenario: \"{scenario}\", steps: [(after_s: 0.0, actions: [Run])])"
        ),
    )
    .expect("tour");
    std::fs::write(dir.join("d.demo.ron"), "Demo(playlist: [\"t.tour.ron\"])").expect("demo");
    let prepared = PreparedDemo::load(&dir.join("d.demo.ron")).unwrap_or_else(|e| panic!("{e:?}"));
    let mut app = window_app("scenes/default.scenario.ron");
    app.insert_resource(DemoMode::new(prepared));
    demo::start_tour(app.world_mut(), 0);
    wait(&mut app, 1.0);
    let m = play_mission(&mut app, 0);
    assert_eq!(m.passed(), Some(true), "{m:?}");
    assert!(m.batteries > 3, "{m:?}");
}

#[test]
fn the_operators_chord_is_not_a_visitor_but_any_other_key_is() {
    use bevy::prelude::{ButtonInput, KeyCode};
    let prepared = PreparedDemo::load(&repo("scenes/demo/museum.demo.ron"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut app = microgrid::app::soak::headless_demo(prepared);
    app.insert_resource(ButtonInput::<KeyCode>::default());
    app.update();
    type_keys(
        &mut app,
        &[KeyCode::ControlLeft, KeyCode::AltLeft, KeyCode::KeyO],
    );
    app.update();
    let mode = app.world().resource::<DemoMode>();
    assert!(
        matches!(mode.phase, DemoPhase::Attract { .. }),
        "{:?}",
        mode.phase
    );
    assert_eq!(mode.counts.visitor_sessions, 0);
    assert!(mode.operator.asking_pin, "{:?}", mode.operator);
    // Escape gives up the PIN; then a key is a visitor.
    {
        let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
        keys.release_all();
        keys.clear();
    }
    type_keys(&mut app, &[KeyCode::Escape]);
    app.update();
    let mode = app.world().resource::<DemoMode>();
    assert!(!mode.operator.asking_pin);
    // The Escape that gave up the PIN was the operator's, not a visitor's.
    assert_eq!(mode.counts.visitor_sessions, 0);
    assert!(
        matches!(mode.phase, DemoPhase::Attract { .. }),
        "{:?}",
        mode.phase
    );
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .clear();
    type_keys(&mut app, &[KeyCode::KeyG]);
    app.update();
    let mode = app.world().resource::<DemoMode>();
    assert!(
        matches!(mode.phase, DemoPhase::Visitor { .. }),
        "{:?}",
        mode.phase
    );
    assert_eq!(mode.counts.visitor_sessions, 1);
}

#[test]
fn the_operators_quick_chord_and_pin_open_the_panel_headless() {
    use bevy::prelude::{ButtonInput, KeyCode};
    let prepared = PreparedDemo::load(&repo("scenes/demo/museum.demo.ron"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(prepared.config.pin.as_deref(), Some("2468"));
    let mut app = microgrid::app::soak::headless_demo(prepared);
    app.insert_resource(ButtonInput::<KeyCode>::default());
    app.update();
    // Ctrl let go before the O within one frame: no chord.
    key_events(
        &mut app,
        &[
            (KeyCode::ControlLeft, true),
            (KeyCode::AltLeft, true),
            (KeyCode::ControlLeft, false),
            (KeyCode::KeyO, true),
            (KeyCode::KeyO, false),
            (KeyCode::AltLeft, false),
        ],
    );
    app.update();
    assert!(
        !app.world().resource::<DemoMode>().operator.asking_pin,
        "Alt+O is no chord"
    );
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .clear();
    // A quick chord at 5 frames a second: pressed and released between two frames.
    key_events(
        &mut app,
        &[
            (KeyCode::ControlLeft, true),
            (KeyCode::AltLeft, true),
            (KeyCode::KeyO, true),
            (KeyCode::KeyO, false),
            (KeyCode::AltLeft, false),
            (KeyCode::ControlLeft, false),
        ],
    );
    app.update();
    let mode = app.world().resource::<DemoMode>();
    assert!(
        mode.operator.asking_pin,
        "the chord asks for the PIN: {:?}",
        mode.operator
    );
    assert!(!mode.operator.open);
    assert_eq!(
        mode.counts.visitor_sessions, 0,
        "the chord is not a visitor"
    );
    // A slip, then the PIN, all typed within one slow frame, in order.
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .clear();
    type_keys(
        &mut app,
        &[
            KeyCode::Digit9,
            KeyCode::Digit2,
            KeyCode::Digit4,
            KeyCode::Numpad6,
            KeyCode::Digit8,
        ],
    );
    app.update();
    let mode = app.world().resource::<DemoMode>();
    assert!(mode.operator.open, "{:?}", mode.operator);
    assert!(!mode.operator.asking_pin);
    assert_eq!(mode.counts.visitor_sessions, 0, "the PIN is not a visitor");
    assert!(
        matches!(mode.phase, DemoPhase::Attract { .. }),
        "{:?}",
        mode.phase
    );
    // A wrong PIN does not open it; Escape gives up.
    let pin = Some("2468");
    let mut operator = microgrid::app::modes::demo::Operator::default();
    let chords = |keys: &[KeyCode]| {
        let events: Vec<(KeyCode, bool)> = keys.iter().map(|&k| (k, true)).collect();
        microgrid::app::control::keys::chords(&events, |_| false)
    };
    let opened = chords(&[KeyCode::ControlRight, KeyCode::AltRight, KeyCode::KeyO]);
    microgrid::app::modes::demo::operator_sees(&mut operator, pin, &opened);
    let wrong = chords(&[
        KeyCode::Digit2,
        KeyCode::Digit4,
        KeyCode::Digit6,
        KeyCode::Digit9,
    ]);
    microgrid::app::modes::demo::operator_sees(&mut operator, pin, &wrong);
    assert!(!operator.open && operator.asking_pin, "{operator:?}");
    microgrid::app::modes::demo::operator_sees(&mut operator, pin, &chords(&[KeyCode::Escape]));
    assert!(!operator.open && !operator.asking_pin, "{operator:?}");
}

/// Keys typed within one frame, in order: their messages (as the window
/// sends them) and their state.
fn type_keys(app: &mut bevy::prelude::App, keys: &[bevy::prelude::KeyCode]) {
    let down: Vec<_> = keys.iter().map(|&k| (k, true)).collect();
    key_events(app, &down);
}

/// Keys going down (true) and up within one frame, in order: their
/// messages and their state.
fn key_events(app: &mut bevy::prelude::App, events: &[(bevy::prelude::KeyCode, bool)]) {
    use bevy::input::ButtonState;
    use bevy::input::keyboard::{Key, KeyboardInput, NativeKey};
    for &(key, down) in events {
        app.world_mut().write_message(KeyboardInput {
            key_code: key,
            logical_key: Key::Unidentified(NativeKey::Unidentified),
            state: if down {
                ButtonState::Pressed
            } else {
                ButtonState::Released
            },
            text: None,
            repeat: false,
            window: bevy::prelude::Entity::PLACEHOLDER,
        });
        let mut keys = app
            .world_mut()
            .resource_mut::<bevy::prelude::ButtonInput<bevy::prelude::KeyCode>>();
        if down {
            keys.press(key);
        } else {
            keys.release(key);
        }
    }
}
