//! Build mode on the headless window: every edit as an action, live, with
//! undo, redo and save, and the round trip of every shipped scenario.

use bevy::prelude::*;

use crate::common::{act, built, repo, steps, window_app};
use microgrid::app::control::action::Action;
use microgrid::app::control::editing::EditHistory;
use microgrid::app::control::source::ScenarioSource;
use microgrid::scenario::edit::{self, Edit};
use microgrid::scenario::{self, DeviceKind};
use microgrid::sim::devices::{BatteryState, DeviceIndex, EvRuntime};
use microgrid::sim::market::Market;
use microgrid::sim::{Neighbourhood, SimClock};

fn scenario_of(app: &App) -> scenario::Scenario {
    app.world().resource::<Neighbourhood>().0.scenario.clone()
}

/// Stored energy of every battery by its house, and every car's state.
fn storage(app: &mut App) -> Vec<(String, f64)> {
    let world = app.world_mut();
    let built = world.resource::<Neighbourhood>().0.clone();
    let mut out: Vec<(String, f64)> = world
        .query::<(&DeviceIndex, &BatteryState)>()
        .iter(world)
        .map(|(i, b)| (format!("battery {}", built.devices[i.0].name), b.soc_kwh))
        .collect();
    out.extend(
        world
            .query::<(&DeviceIndex, &EvRuntime)>()
            .iter(world)
            .map(|(i, c)| (format!("car {}", built.devices[i.0].name), c.state.soc_kwh)),
    );
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn pv_of(app: &App, house: &str) -> Option<f64> {
    let b = &app.world().resource::<Neighbourhood>().0;
    b.devices.iter().find_map(|d| match &d.kind {
        DeviceKind::Pv(p) if d.name == house => Some(p.kwp),
        _ => None,
    })
}

#[test]
fn an_edit_applies_live_and_the_run_goes_on_with_every_state_kept() {
    let mut app = window_app("scenes/default.scenario.ron");
    act(&mut app, Action::JumpToHour(16));
    let before = storage(&mut app);
    let clock = app.world().resource::<SimClock>().steps;
    let trades = app.world().resource::<Market>().ledger.trades;
    assert_eq!(pv_of(&app, "Lindenweg 9"), None);
    act(
        &mut app,
        Action::Edit(Edit::AddPv {
            house: "Lindenweg 9".into(),
            kwp: 6.5,
            tilt_deg: 35.0,
            azimuth_deg: 180.0,
        }),
    );
    let history = app.world().resource::<EditHistory>();
    assert!(!history.refused, "{:?}", history.message);
    assert_eq!(history.done.len(), 1);
    assert_eq!(
        history.done[0].description,
        "Added 6.5 kWp PV to Lindenweg 9"
    );
    assert!(history.unsaved());
    // The neighbourhood has the PV, the clock has not moved, every battery
    // and car holds what it held, the market's ledger is still there.
    assert_eq!(pv_of(&app, "Lindenweg 9"), Some(6.5));
    assert_eq!(app.world().resource::<SimClock>().steps, clock);
    assert_eq!(storage(&mut app), before);
    assert_eq!(app.world().resource::<Market>().ledger.trades, trades);
    let world = app.world_mut();
    let devices = world.resource::<Neighbourhood>().0.devices.len();
    assert_eq!(world.query::<&DeviceIndex>().iter(world).count(), devices);
    // And the run goes on: the new roof produces in the afternoon sun.
    steps(&mut app, 30);
    let built = app.world().resource::<Neighbourhood>().0.clone();
    let world = app.world_mut();
    let pv = world
        .query::<(&DeviceIndex, &microgrid::sim::devices::DevicePower)>()
        .iter(world)
        .find(|(i, _)| {
            built.devices[i.0].name == "Lindenweg 9"
                && matches!(built.devices[i.0].kind, DeviceKind::Pv(_))
        })
        .map(|(_, p)| p.p_kw)
        .expect("the PV is a device");
    assert!(pv < -0.5, "6.5 kWp at 16:30 in June gives power: {pv} kW");
}

#[test]
fn a_refused_edit_changes_nothing_and_says_why() {
    let mut app = window_app("scenes/default.scenario.ron");
    let before = scenario_of(&app);
    for (edit, why) in [
        (
            Edit::AddPv {
                house: "Nowhere 1".into(),
                kwp: 5.0,
                tilt_deg: 30.0,
                azimuth_deg: 180.0,
            },
            "no house \"Nowhere 1\"",
        ),
        (
            Edit::AddPv {
                house: "Lindenweg 9".into(),
                kwp: -3.0,
                tilt_deg: 30.0,
                azimuth_deg: 180.0,
            },
            "outside the allowed range",
        ),
        (
            Edit::AddHouse {
                name: "Lindenweg 99".into(),
                bus: "No such bus".into(),
                annual_kwh: 3000.0,
                position_m: None,
            },
            "does not exist",
        ),
        (
            Edit::RemoveBattery {
                house: "Lindenweg 9".into(),
            },
            "has no battery",
        ),
        (
            Edit::SetTransformer {
                transformer: "1 GVA".into(),
            },
            "unknown",
        ),
    ] {
        act(&mut app, Action::Edit(edit.clone()));
        let history = app.world().resource::<EditHistory>();
        let message = history.message.clone().unwrap_or_default();
        assert!(history.refused, "{edit:?} was not refused");
        assert!(message.contains(why), "{edit:?}: {message}");
        // It says what could not be done, not that it was ("Added ...").
        assert!(
            message.starts_with(&format!("Could not {}", edit.to_do())),
            "{edit:?}: {message}"
        );
        assert!(history.done.is_empty());
        assert_eq!(scenario_of(&app), before, "{edit:?} changed the scenario");
    }
}

#[test]
fn undo_restores_exactly_and_redo_does_it_again() {
    let mut app = window_app("scenes/default.scenario.ron");
    steps(&mut app, 10);
    let start = scenario_of(&app);
    let edits = [
        Edit::AddBattery {
            house: "Birkenallee 2".into(),
            capacity_kwh: 11.0,
            power_kw: 5.0,
            efficiency: 0.95,
        },
        Edit::AddHouse {
            name: "Lindenweg 11".into(),
            bus: "L9".into(),
            annual_kwh: 4200.0,
            position_m: None,
        },
        Edit::AddCar {
            house: "Lindenweg 11".into(),
            battery_kwh: 60.0,
            charger_kw: 11.0,
            v2g: true,
            daily_km: 30.0,
        },
        Edit::SetHouse {
            house: "Lindenweg 1".into(),
            annual_kwh: Some(5000.0),
            critical_share: Some(0.5),
        },
        Edit::RemoveHouse {
            house: "Lindenweg 3".into(),
        },
    ];
    let mut after_each = Vec::new();
    for e in &edits {
        act(&mut app, Action::Edit(e.clone()));
        let history = app.world().resource::<EditHistory>();
        assert!(!history.refused, "{e:?}: {:?}", history.message);
        after_each.push(scenario_of(&app));
    }
    assert_eq!(
        app.world().resource::<EditHistory>().done.len(),
        edits.len()
    );
    for k in (0..edits.len()).rev() {
        act(&mut app, Action::Undo);
        let expected = if k == 0 { &start } else { &after_each[k - 1] };
        assert_eq!(&scenario_of(&app), expected, "undo {k}");
    }
    act(&mut app, Action::Undo);
    assert!(
        app.world().resource::<EditHistory>().refused,
        "nothing left to undo"
    );
    for (k, expected) in after_each.iter().enumerate() {
        act(&mut app, Action::Redo);
        assert_eq!(&scenario_of(&app), expected, "redo {k}");
    }
    // A new edit after an undo drops what could be redone.
    act(&mut app, Action::Undo);
    act(
        &mut app,
        Action::Edit(Edit::RemovePv {
            house: "Lindenweg 1".into(),
        }),
    );
    assert!(app.world().resource::<EditHistory>().undone.is_empty());
}

#[test]
fn a_saved_neighbourhood_loads_back_the_same_and_shipped_files_are_kept() {
    let dir = std::env::temp_dir().join(format!("microgrid-save-{}", std::process::id()));
    let mut app = window_app("scenes/default.scenario.ron");
    act(
        &mut app,
        Action::Edit(Edit::AddPv {
            house: "Lindenweg 9".into(),
            kwp: 6.5,
            tilt_deg: 35.0,
            azimuth_deg: 180.0,
        }),
    );
    // Never over a shipped scenario.
    let shipped = std::fs::read_to_string(repo("scenes/default.scenario.ron")).expect("shipped");
    act(&mut app, Action::Save);
    let history = app.world().resource::<EditHistory>();
    assert!(
        history.refused && history.unsaved(),
        "{:?}",
        history.message
    );
    assert!(
        history
            .message
            .as_deref()
            .is_some_and(|m| m.contains("ships")),
        "{:?}",
        history.message
    );
    let after = std::fs::read_to_string(repo("scenes/default.scenario.ron")).expect("shipped");
    assert_eq!(after, shipped);
    // Save as: the file is a scenario that loads to the same neighbourhood.
    let path = dir.join("lindenhof-plus.scenario.ron");
    act(&mut app, Action::SaveAs(path.clone()));
    let history = app.world().resource::<EditHistory>();
    assert!(!history.refused, "{:?}", history.message);
    assert!(!history.unsaved());
    assert_eq!(app.world().resource::<ScenarioSource>().path, path);
    let reloaded = scenario::load_and_build(&path).expect("the saved file loads");
    assert_eq!(reloaded.scenario, scenario_of(&app));
    assert_eq!(
        reloaded.network,
        app.world().resource::<Neighbourhood>().0.network
    );
    // Saving again goes to the same file; an undo past the save marks it unsaved.
    act(&mut app, Action::Save);
    assert!(!app.world().resource::<EditHistory>().unsaved());
    act(&mut app, Action::Undo);
    assert!(app.world().resource::<EditHistory>().unsaved());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_shipped_scenario_round_trips_through_its_file_form() {
    let files = crate::common::content_files("scenes", ".scenario.ron");
    assert!(files.len() >= 7, "{files:?}");
    for file in files {
        let relative = file
            .strip_prefix(crate::common::repo(""))
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        let name = relative.as_str();
        let b = built(name);
        let text = edit::to_ron(&b.scenario).expect("writes");
        let again = scenario::parse(&text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, b.scenario, "{name}");
        let rebuilt = edit::check(&again).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(rebuilt.network, b.network, "{name}");
        assert_eq!(rebuilt.devices, b.devices, "{name}");
    }
}

#[test]
fn an_edit_on_the_1000_house_town_keeps_the_run_and_reports_its_time() {
    let mut app = window_app("scenes/town-1000.scenario.ron");
    steps(&mut app, 5);
    let house = scenario_of(&app)
        .houses
        .iter()
        .find(|h| h.battery.is_none())
        .map(|h| h.name.clone())
        .expect("a house without a battery");
    let before = storage(&mut app);
    act(
        &mut app,
        Action::Edit(Edit::AddBattery {
            house: house.clone(),
            capacity_kwh: 10.0,
            power_kw: 5.0,
            efficiency: 0.95,
        }),
    );
    let history = app.world().resource::<EditHistory>();
    assert!(!history.refused, "{:?}", history.message);
    let ms = history.last_apply_ms.expect("timed");
    let after = storage(&mut app);
    assert_eq!(after.len(), before.len() + 1);
    assert!(
        before.iter().all(|b| after.contains(b)),
        "every other store kept its charge"
    );
    eprintln!("an edit on the 1,000-house town applied in {ms:.1} ms (checks, rebuild)");
}

#[test]
fn the_issues_script_parses_and_plays_through_the_action_queue() {
    use microgrid::app::control::script::{self, ScriptPlayer};
    let dir = std::env::temp_dir().join(format!("microgrid-script-{}", std::process::id()));
    let saved = dir.join("plus.scenario.ron");
    let text = format!(
        r#"Script(steps: [
    (after_s: 1.0, action: AddPv(house: "Lindenweg 9", kwp: 6.5, tilt_deg: 35.0, azimuth_deg: 180.0)),
    (after_s: 0.5, action: AddBattery(house: "Birkenallee 2", capacity_kwh: 11.0, power_kw: 5.0)),
    (after_s: 0.5, action: Undo),
    (after_s: 0.5, action: AddPv(house: "Nowhere", kwp: 1.0)),
    (after_s: 0.5, action: SaveAs("{}")),
    (after_s: 0.0, action: SetMarket(MidMarketRate)),
    (after_s: 0.5, action: Quit),
])"#,
        saved.display()
    );
    let parsed = script::parse(&text, "plus.script.ron").expect("parses");
    assert_eq!(parsed.steps.len(), 7);
    let mut app = window_app("scenes/default.scenario.ron");
    app.insert_resource(ScriptPlayer::new(parsed));
    // Wall-clock time in frames of 0.25 s: nothing before a second.
    let mut played = Vec::new();
    for _ in 0..20 {
        let due = app.world_mut().resource_mut::<ScriptPlayer>().advance(0.25);
        for a in due {
            played.push(a.clone());
            act(&mut app, a);
        }
        if played.len() == 1 {
            assert!(app.world().resource::<ScriptPlayer>().remaining() == 6);
        }
    }
    assert_eq!(played.len(), 7);
    assert_eq!(
        played[0],
        Action::Edit(Edit::AddPv {
            house: "Lindenweg 9".into(),
            kwp: 6.5,
            tilt_deg: 35.0,
            azimuth_deg: 180.0
        })
    );
    // The refused step said why and the script went on; the save has the PV, not the battery.
    let reloaded = scenario::load_and_build(&saved).expect("saved");
    let house = |n: &str| {
        reloaded
            .scenario
            .houses
            .iter()
            .find(|h| h.name == n)
            .cloned()
            .expect("house")
    };
    assert!(house("Lindenweg 9").pv.is_some());
    assert!(house("Birkenallee 2").battery.is_none());
    assert_eq!(
        app.world().resource::<Market>().settings.mechanism,
        microgrid::market::Mechanism::MidMarketRate
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_action_name_parses_and_a_malformed_script_is_located() {
    use microgrid::app::control::script::{self, CONTROL_NAMES, EDIT_NAMES};
    // Each edit with the fields it needs, each control with its argument.
    let edits = [
        r#"AddPv(house: "H", kwp: 1.0)"#,
        r#"AddBattery(house: "H", capacity_kwh: 5.0, power_kw: 2.0)"#,
        r#"AddCar(house: "H")"#,
        r#"AddHouse(name: "H", bus: "B")"#,
        r#"AddTurbine(name: "T", bus: "B")"#,
        r#"RemoveHouse(house: "H")"#,
        r#"RemovePv(house: "H")"#,
        r#"RemoveBattery(house: "H")"#,
        r#"RemoveCar(house: "H")"#,
        r#"RemoveTurbine(name: "T")"#,
        r#"SetHouse(house: "H", annual_kwh: 3000.0)"#,
        r#"SetPv(house: "H", kwp: 3.0)"#,
        r#"SetBattery(house: "H", power_kw: 3.0)"#,
        r#"SetCar(house: "H", v2g: true)"#,
        r#"SetPhase(house: "H", unit: Pv, phase: A)"#,
        r#"SetOrder(house: "H", ask_eur_per_kwh: 0.12, bid_eur_per_kwh: 0.25)"#,
        r#"ClearOrder(house: "H")"#,
        r#"SetTurbine(name: "T", hub_height_m: 30.0)"#,
        r#"SetTransformer(transformer: "0.4 MVA 10/0.4 kV")"#,
        r#"SetController(strategy: PriceAware, outage_reserve: Some(0.8))"#,
        r#"AddCable(from: "L10", to: "J1", position_m: Some((270.0, -8.0)))"#,
        r#"SetCable(from: "L1", to: "L2", cable: "NAYY 4x120 SE")"#,
        r#"RemoveBus(bus: "L10")"#,
        r#"MoveHouse(house: "H", position_m: (32.5, 2.0), bus: Some("L1"))"#,
        r#"MoveTurbine(name: "T", position_m: (150.0, 60.0))"#,
        r#"SetSwitch(from: "L1", to: "L2", switch: Some(Open))"#,
    ];
    let controls = [
        "ToggleOutage",
        "SetPrice(0.9)",
        "TogglePriceSpike",
        "TogglePause",
        "Pause",
        "Run",
        "StepOnce",
        "SetSpeed(600.0)",
        "JumpToHour(18)",
        "SetClouds(8.0)",
        "SetWind(None)",
        r#"LoadScenario("scenes/default.scenario.ron")"#,
        "Reload",
        "SetMarket(Auction)",
        "Undo",
        "Redo",
        "Save",
        r#"SaveAs("scenes/my/x.scenario.ron")"#,
        r#"Screenshot("shot.png")"#,
        "Quit",
        "DiscardEdits",
        "KeepEdits",
        r#"OpenChallenge("scenes/challenges/01-first-light.challenge.ron")"#,
        "BeginChallenge",
        "RunChallenge",
        "TryAgain",
        "Replay",
        r#"LookAt("the transformer")"#,
        r#"OpenLesson("scenes/lessons/01-one-customer.lesson.ron")"#,
        "NextStep",
        "StepBack",
        "ShowMe",
        "Show(Build)",
        "SetLanguage(De)",
        "SetGraphics(Low)",
        "SetUiSize(150)",
        "SetPresenter(true)",
        r#"ExportResults("Anna")"#,
    ];
    assert_eq!(edits.len(), EDIT_NAMES.len());
    assert_eq!(controls.len(), CONTROL_NAMES.len());
    for (action, name) in edits
        .iter()
        .zip(EDIT_NAMES)
        .chain(controls.iter().zip(CONTROL_NAMES))
    {
        assert!(action.starts_with(name), "{action} is not {name}");
        let text = format!("Script(steps: [(after_s: 0.5, action: {action})])");
        script::parse(&text, "t.script.ron").unwrap_or_else(|e| panic!("{action}: {e}"));
    }
    // A panel size the U key does not offer is refused, named.
    let e = script::parse(
        "Script(steps: [(after_s: 0.5, action: SetUiSize(90))])",
        "t.script.ron",
    )
    .expect_err("90 % is not a size");
    assert!(e.to_string().contains("SetUiSize(90)"), "{e}");
    // Unknown action, missing field, bad number: each at its line and column.
    for (bad, line, col, word) in [
        ("(after_s: 1.0, action: Explode)", 3, 28, "Explode"),
        ("(after_s: 1.0, action: AddPv(kwp: 2.0))", 3, 42, "house"),
        ("(after_s: -2.0, action: Undo)", 3, 15, "after_s"),
    ] {
        let text = format!("// a script\nScript(steps: [\n    {bad},\n])");
        let e = script::parse(&text, "bad.script.ron").expect_err("refused");
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("bad.script.ron:{line}:{col}:")),
            "{shown}"
        );
        assert!(shown.contains(word), "{shown}");
    }
}

#[test]
fn from_an_empty_street_a_class_builds_six_houses_and_islands_them() {
    use microgrid::sim::grid_mode::{GridMode, GridState};
    use microgrid::sim::metrics::StepRecord;
    let mut app = window_app("scenes/empty-street.scenario.ron");
    assert!(scenario_of(&app).houses.is_empty());
    for k in 1..=6 {
        let name = format!("Neue Strasse {k}");
        for edit in [
            Edit::AddHouse {
                name: name.clone(),
                bus: format!("N{k}"),
                annual_kwh: 3500.0,
                position_m: None,
            },
            Edit::AddPv {
                house: name.clone(),
                kwp: 6.0,
                tilt_deg: 30.0,
                azimuth_deg: 180.0,
            },
            Edit::AddBattery {
                house: name.clone(),
                capacity_kwh: 10.0,
                power_kw: 5.0,
                efficiency: 0.95,
            },
        ] {
            act(&mut app, Action::Edit(edit.clone()));
            let history = app.world().resource::<EditHistory>();
            assert!(!history.refused, "{edit:?}: {:?}", history.message);
        }
    }
    assert_eq!(app.world().resource::<EditHistory>().done.len(), 18);
    let b = app.world().resource::<Neighbourhood>().0.clone();
    assert_eq!(b.house_count(), 6);
    assert_eq!(b.devices.len(), 18);
    // Midday, then the grid fails: the six batteries form the island.
    act(&mut app, Action::JumpToHour(11));
    act(&mut app, Action::ToggleOutage);
    steps(&mut app, 120);
    assert_eq!(app.world().resource::<GridState>().mode, GridMode::Islanded);
    let r = app.world().resource::<StepRecord>();
    assert!(
        r.islanded && r.grid_import_kw == 0.0 && r.shed_kw < 1e-9,
        "{r:?}"
    );
    assert!(r.pv_kw > 1.0 && r.load_kw > 0.0, "{r:?}");
    // An edit inside the island: the edited network is solved at once,
    // around the same reference unit.
    act(
        &mut app,
        Action::Edit(Edit::SetHouse {
            house: "Neue Strasse 3".into(),
            annual_kwh: Some(5000.0),
            critical_share: None,
        }),
    );
    let network = app
        .world()
        .resource::<microgrid::sim::network::NetworkState>();
    assert!(
        network.solved().is_some(),
        "no power flow after an edit in the island"
    );
    steps(&mut app, 10);
    assert_eq!(app.world().resource::<GridState>().mode, GridMode::Islanded);
}

#[test]
fn leaving_unsaved_edits_asks_first() {
    use microgrid::app::control::editing::HeldForUnsavedEdits;
    let mut app = window_app("scenes/default.scenario.ron");
    act(
        &mut app,
        Action::Edit(Edit::RemovePv {
            house: "Lindenweg 1".into(),
        }),
    );
    let edited = scenario_of(&app);
    let other = repo("scenes/kerber-dorfnetz.scenario.ron");
    for action in [
        Action::LoadScenario(other.clone()),
        Action::Reload,
        Action::CloseWindow,
    ] {
        act(&mut app, action.clone());
        let held = app.world().resource::<HeldForUnsavedEdits>();
        assert_eq!((&held.action, held.edits), (&action, 1));
        assert_eq!(scenario_of(&app), edited, "{action:?} went ahead");
        act(&mut app, Action::KeepEdits);
        assert!(!app.world().contains_resource::<HeldForUnsavedEdits>());
        assert_eq!(scenario_of(&app), edited);
    }
    // Discarding goes on with the load, and the edits go with their neighbourhood.
    act(&mut app, Action::LoadScenario(other));
    act(&mut app, Action::DiscardEdits);
    assert_eq!(
        scenario_of(&app).name,
        built("scenes/kerber-dorfnetz.scenario.ron").scenario.name
    );
    let history = app.world().resource::<EditHistory>();
    assert!(history.done.is_empty() && !history.unsaved());
    // With nothing unsaved nothing is asked.
    act(&mut app, Action::Reload);
    assert!(!app.world().contains_resource::<HeldForUnsavedEdits>());
}

#[test]
fn a_turned_array_gives_what_its_new_facing_gets() {
    // The step keeps each array's facing between steps: after an edit that
    // turns one (the same devices, so only the edit can tell it), the
    // array gives what the turned plane gets, to the last bit.
    use microgrid::sim::devices::{CurrentEnvironment, DevicePower};
    let mut app = window_app("scenes/default.scenario.ron");
    act(&mut app, Action::JumpToHour(12));
    let pv_of = |app: &mut App| {
        let world = app.world_mut();
        let built = world.resource::<Neighbourhood>().0.clone();
        let i = built
            .devices
            .iter()
            .position(|d| d.name.starts_with("Lindenweg 10") && matches!(d.kind, DeviceKind::Pv(_)))
            .expect("an array");
        let p = world
            .query::<(&DeviceIndex, &DevicePower)>()
            .iter(world)
            .find(|(d, _)| d.0 == i)
            .map(|(_, p)| p.p_kw)
            .expect("its power");
        let clock = world.resource::<SimClock>();
        let ran = clock.now() - chrono::Duration::seconds(i64::from(clock.step_s));
        let env = world.resource::<CurrentEnvironment>().0;
        let fresh =
            microgrid::sim::snapshot::device_power(&built.devices[i], &built.scenario, &env, ran);
        (p, fresh.re)
    };
    act(&mut app, Action::StepOnce);
    let (south, expected) = pv_of(&mut app);
    assert!(
        south < -1.0 && south == expected,
        "{south} kW, {expected} kW"
    );
    act(
        &mut app,
        Action::Edit(Edit::SetPv {
            house: "Lindenweg 10".into(),
            kwp: None,
            tilt_deg: Some(90.0),
            azimuth_deg: Some(0.0),
        }),
    );
    act(&mut app, Action::StepOnce);
    let (north, expected) = pv_of(&mut app);
    assert_eq!(north, expected, "a north wall at noon");
    assert!(
        north > 0.5 * south,
        "{north} kW against {south} kW facing south"
    );
}

#[test]
fn a_preview_predicts_the_flow_and_changes_nothing() {
    use microgrid::app::control::editing::EditPreview;
    let mut app = window_app("scenes/default.scenario.ron");
    act(&mut app, Action::JumpToHour(13));
    let before = scenario_of(&app);
    let stores = storage(&mut app);
    // Midday sun on 25 kWp more at the far end of Lindenweg: voltage rises there.
    act(
        &mut app,
        Action::Preview(Edit::SetPv {
            house: "Lindenweg 10".into(),
            kwp: Some(25.0),
            tilt_deg: None,
            azimuth_deg: None,
        }),
    );
    let preview = app.world().resource::<EditPreview>().clone();
    let p = preview.result.expect("previewed");
    assert_eq!(p.feeder.as_deref(), Some("Lindenweg"));
    assert!(p.after.v_max_pu > p.before.v_max_pu + 1e-3, "{p:?}");
    assert!(
        p.after.transformer_percent != p.before.transformer_percent,
        "{p:?}"
    );
    assert_eq!(preview.at_step, app.world().resource::<SimClock>().steps);
    // Nothing was edited.
    assert_eq!(scenario_of(&app), before);
    assert_eq!(storage(&mut app), stores);
    assert!(app.world().resource::<EditHistory>().done.is_empty());
    // A house in the evening peak loads the transformer more.
    act(&mut app, Action::JumpToHour(19));
    act(
        &mut app,
        Action::Preview(Edit::AddHouse {
            name: "Lindenweg 12".into(),
            bus: "L10".into(),
            annual_kwh: 20_000.0,
            position_m: None,
        }),
    );
    let p = app
        .world()
        .resource::<EditPreview>()
        .result
        .clone()
        .expect("previewed");
    assert!(
        p.after.transformer_percent > p.before.transformer_percent,
        "{p:?}"
    );
    assert!(p.after.v_min_pu < p.before.v_min_pu, "{p:?}");
    // An edit that cannot be made says why.
    act(
        &mut app,
        Action::Preview(Edit::RemovePv {
            house: "Nowhere".into(),
        }),
    );
    let r = app.world().resource::<EditPreview>().result.clone();
    assert!(r.is_err_and(|e| e.contains("no house")));
}

#[test]
fn a_locked_layout_keeps_its_parts_and_lets_a_class_add_its_own() {
    let dir = std::env::temp_dir().join(format!("microgrid-locks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let locked_file = dir.join("locked.scenario.ron");
    let text = crate::common::scenario_with("scenes/default.scenario.ron", "locked: true,");
    std::fs::write(&locked_file, text).expect("write");
    let mut app = crate::common::window_app_on(&locked_file);
    let before = scenario_of(&app);
    assert!(before.houses.iter().all(|h| h.locked) && before.grid.locked);
    for edit in [
        Edit::AddBattery {
            house: "Lindenweg 9".into(),
            capacity_kwh: 10.0,
            power_kw: 5.0,
            efficiency: 0.95,
        },
        Edit::RemoveHouse {
            house: "Lindenweg 1".into(),
        },
        Edit::RemovePv {
            house: "Lindenweg 1".into(),
        },
        Edit::RemoveTurbine {
            name: before.wind_turbines[0].name.clone(),
        },
        Edit::SetTransformer {
            transformer: "0.4 MVA 10/0.4 kV".into(),
        },
    ] {
        act(&mut app, Action::Edit(edit.clone()));
        let history = app.world().resource::<EditHistory>();
        assert!(history.refused, "{edit:?} went through a lock");
        assert!(
            history
                .message
                .as_deref()
                .is_some_and(|m| m.contains("locked")),
            "{:?}",
            history.message
        );
        assert_eq!(scenario_of(&app), before);
    }
    // A new house on a locked street is the class's own: it can be built on.
    for edit in [
        Edit::AddHouse {
            name: "Our house".into(),
            bus: "L10".into(),
            annual_kwh: 3000.0,
            position_m: None,
        },
        Edit::AddPv {
            house: "Our house".into(),
            kwp: 5.0,
            tilt_deg: 30.0,
            azimuth_deg: 180.0,
        },
        Edit::RemovePv {
            house: "Our house".into(),
        },
    ] {
        act(&mut app, Action::Edit(edit.clone()));
        let history = app.world().resource::<EditHistory>();
        assert!(!history.refused, "{edit:?}: {:?}", history.message);
    }
    // The locks travel with a saved file, part by part.
    let saved = dir.join("ours.scenario.ron");
    act(&mut app, Action::SaveAs(saved.clone()));
    let reloaded = scenario::load_and_build(&saved).expect("loads");
    assert_eq!(reloaded.scenario, scenario_of(&app));
    let ours = reloaded
        .scenario
        .houses
        .iter()
        .find(|h| h.name == "Our house")
        .expect("saved");
    assert!(!ours.locked);
    assert!(reloaded.scenario.houses.iter().filter(|h| h.locked).count() == 24);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_ledger_still_balances_after_houses_come_and_go() {
    let mut app = window_app("scenes/default.scenario.ron");
    act(&mut app, Action::JumpToHour(12));
    steps(&mut app, 7);
    for edit in [
        Edit::RemoveHouse {
            house: "Lindenweg 3".into(),
        },
        Edit::AddHouse {
            name: "Lindenweg 11".into(),
            bus: "L10".into(),
            annual_kwh: 3000.0,
            position_m: None,
        },
        Edit::AddPv {
            house: "Lindenweg 11".into(),
            kwp: 8.0,
            tilt_deg: 30.0,
            azimuth_deg: 180.0,
        },
    ] {
        act(&mut app, Action::Edit(edit));
        steps(&mut app, 11);
    }
    act(&mut app, Action::Undo);
    steps(&mut app, 40);
    microgrid::sim::market::close_open_interval(app.world_mut());
    let ledger = &app.world().resource::<Market>().ledger;
    assert!(
        ledger.departed_net_eur != 0.0,
        "the removed house had paid something"
    );
    assert!(
        ledger.balance_eur().abs() < 1e-6,
        "balance {} EUR after the edits",
        ledger.balance_eur()
    );
}

#[test]
fn a_misspelt_edit_field_is_refused_not_ignored() {
    use microgrid::app::control::script;
    let text =
        r#"Script(steps: [(after_s: 1.0, action: AddPv(house: "H", kwp: 2.0, tilt: 35.0))])"#;
    let e = script::parse(text, "typo.script.ron").expect_err("refused");
    assert!(e.to_string().contains("tilt"), "{e}");
}
