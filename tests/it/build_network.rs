//! Build mode's network edits and budget, as actions on the headless
//! window: cables to new joints, loops refused, joints removed with what
//! hangs off them, cable types, moves, and the price list against a budget.

use bevy::prelude::*;

use crate::common::{act, steps, window_app};
use microgrid::app::control::action::Action;
use microgrid::app::control::editing::EditHistory;
use microgrid::scenario::edit::Edit;
use microgrid::scenario::{self, prices};
use microgrid::sim::{Neighbourhood, SimClock};

fn scenario_of(app: &App) -> scenario::Scenario {
    app.world().resource::<Neighbourhood>().0.scenario.clone()
}

fn message(app: &App) -> (bool, String) {
    let h = app.world().resource::<EditHistory>();
    (h.refused, h.message.clone().unwrap_or_default())
}

fn app_on(text: &str, name: &str) -> App {
    let dir = std::env::temp_dir().join(format!("microgrid-net-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(format!("{name}.scenario.ron"));
    std::fs::write(&file, text).expect("write");
    crate::common::window_app_on(&file)
}

/// The default with `extra` before its closing parenthesis.
fn default_with(extra: &str) -> String {
    crate::common::scenario_with("scenes/default.scenario.ron", extra)
}

#[test]
fn a_cable_extends_a_street_to_a_new_joint_and_another_closes_a_ring() {
    let mut app = window_app("scenes/default.scenario.ron");
    act(&mut app, Action::JumpToHour(12));
    let steps_before = app.world().resource::<SimClock>().steps;
    act(
        &mut app,
        Action::Edit(Edit::AddCable {
            from: "L10".into(),
            to: "J1".into(),
            cable: "NAYY 4x150 SE".into(),
            position_m: Some((275.0, -8.0)),
            length_m: None,
        }),
    );
    assert_eq!(
        message(&app),
        (false, "Laid a NAYY 4x150 SE cable from L10 to J1".into())
    );
    let s = scenario_of(&app);
    let lindenweg = s
        .feeders
        .iter()
        .find(|f| f.name == "Lindenweg")
        .expect("street");
    assert!(lindenweg.buses.iter().any(|b| b.name == "J1"));
    let line = lindenweg
        .lines
        .iter()
        .find(|l| l.to == "J1")
        .expect("the new cable");
    assert_eq!(line.length_m, 30.0, "the length follows its ends");
    // A house on the new joint is served through it.
    act(
        &mut app,
        Action::Edit(Edit::AddHouse {
            name: "Lindenweg 11".into(),
            bus: "J1".into(),
            annual_kwh: 4000.0,
            position_m: Some((275.0, -18.0)),
        }),
    );
    assert!(!message(&app).0, "{:?}", message(&app));
    steps(&mut app, 5);
    let built = app.world().resource::<Neighbourhood>().0.clone();
    let j1 = built.network.bus_index("J1").expect("J1 is built");
    let flow = app
        .world()
        .resource::<microgrid::sim::network::NetworkState>();
    let v = flow.solved().expect("solved").vm_pu[j1];
    assert!(v > 0.9 && v < 1.1, "J1 at {v} pu");
    assert!(app.world().resource::<SimClock>().steps > steps_before);

    // From the street's end to another street closes a ring: a meshed network,
    // solved at once, the current now shared between both ways round.
    act(
        &mut app,
        Action::Edit(Edit::AddCable {
            from: "J1".into(),
            to: "B8".into(),
            cable: "NAYY 4x150 SE".into(),
            position_m: None,
            length_m: None,
        }),
    );
    assert!(!message(&app).0, "{:?}", message(&app));
    steps(&mut app, 3);
    let built = app.world().resource::<Neighbourhood>().0.clone();
    let ring = built
        .network
        .lines
        .iter()
        .position(|l| l.name == "J1 - B8")
        .expect("the ring cable");
    let flow = app
        .world()
        .resource::<microgrid::sim::network::NetworkState>();
    let carried = flow.solved().expect("solved").lines[ring].i_ka;
    assert!(carried > 1e-4, "the ring cable carries {carried} kA");
    // A new joint with nowhere to stand is refused too.
    act(
        &mut app,
        Action::Edit(Edit::AddCable {
            from: "J1".into(),
            to: "J2".into(),
            cable: "NAYY 4x150 SE".into(),
            position_m: None,
            length_m: None,
        }),
    );
    assert!(
        message(&app)
            .1
            .contains("say where the new joint J2 stands"),
        "{:?}",
        message(&app)
    );
}

#[test]
fn a_joint_goes_with_what_hangs_off_it_but_not_while_it_feeds_others() {
    let mut app = window_app("scenes/default.scenario.ron");
    let before = scenario_of(&app);
    act(&mut app, Action::Edit(Edit::RemoveBus { bus: "L9".into() }));
    let (refused, why) = message(&app);
    assert!(
        refused && why.contains("L9 still feeds L10, which would be cut off"),
        "{why}"
    );
    assert_eq!(scenario_of(&app), before);
    let on_l10: Vec<String> = before
        .houses
        .iter()
        .filter(|h| h.bus == "L10")
        .map(|h| h.name.clone())
        .collect();
    assert!(!on_l10.is_empty());
    act(
        &mut app,
        Action::Edit(Edit::RemoveBus { bus: "L10".into() }),
    );
    assert!(!message(&app).0, "{:?}", message(&app));
    let after = scenario_of(&app);
    assert!(after.houses.iter().all(|h| !on_l10.contains(&h.name)));
    assert!(
        after
            .feeders
            .iter()
            .flat_map(|f| &f.lines)
            .all(|l| l.to != "L10")
    );
    steps(&mut app, 3);
    act(&mut app, Action::Undo);
    assert_eq!(
        scenario_of(&app),
        before,
        "undo puts the joint and its houses back"
    );
    // The transformer's busbar stays.
    act(
        &mut app,
        Action::Edit(Edit::RemoveBus {
            bus: "LV busbar".into(),
        }),
    );
    assert!(message(&app).0);
}

#[test]
fn a_cable_type_and_a_move_change_the_network_and_the_run_goes_on() {
    let mut app = window_app("scenes/default.scenario.ron");
    act(
        &mut app,
        Action::Edit(Edit::SetCable {
            from: "L2".into(),
            to: "L1".into(),
            cable: "NAYY 4x50 SE".into(),
        }),
    );
    assert!(!message(&app).0, "{:?}", message(&app));
    let built = app.world().resource::<Neighbourhood>().0.clone();
    let line = built
        .network
        .lines
        .iter()
        .find(|l| l.name == "L1 - L2")
        .expect("L1 - L2");
    assert_eq!(line.cable_name, "NAYY 4x50 SE");
    assert_eq!(line.length_km, 0.025, "the length stays");
    act(
        &mut app,
        Action::Edit(Edit::MoveHouse {
            house: "Lindenweg 9".into(),
            position_m: (32.5, 2.0),
            bus: Some("L1".into()),
        }),
    );
    assert!(!message(&app).0, "{:?}", message(&app));
    let house = scenario_of(&app)
        .houses
        .into_iter()
        .find(|h| h.name == "Lindenweg 9")
        .expect("house");
    assert_eq!((house.bus.as_str(), house.position_m.0), ("L1", 32.5));
    steps(&mut app, 3);
    act(
        &mut app,
        Action::Edit(Edit::SetCable {
            from: "L1".into(),
            to: "B8".into(),
            cable: "NAYY 4x50 SE".into(),
        }),
    );
    assert!(message(&app).1.contains("no cable between L1 and B8"));
}

#[test]
fn edits_are_priced_and_a_budget_refuses_what_it_cannot_pay() {
    let mut app = app_on(&default_with("budget_eur: 10000.0,"), "budget");
    act(
        &mut app,
        Action::Edit(Edit::AddPv {
            house: "Lindenweg 9".into(),
            kwp: 6.5,
            tilt_deg: 30.0,
            azimuth_deg: 180.0,
        }),
    );
    assert!(!message(&app).0, "{:?}", message(&app));
    let spent = app.world().resource::<EditHistory>().spending.clone();
    // 6.5 kWp at the default 1,300 EUR/kWp.
    assert!((spent.total() - 8450.0).abs() < 1e-6, "{spent:?}");
    assert_eq!(spent.spent.get("PV").copied(), Some(8450.0));
    let before = scenario_of(&app);
    act(
        &mut app,
        Action::Edit(Edit::AddBattery {
            house: "Birkenallee 2".into(),
            capacity_kwh: 11.0,
            power_kw: 5.0,
            efficiency: 0.95,
        }),
    );
    let (refused, why) = message(&app);
    assert!(refused, "{why}");
    assert!(
        why.contains("16,150 EUR, over the budget of 10,000 EUR by 6,150 EUR"),
        "{why}"
    );
    assert_eq!(scenario_of(&app), before);
    // Taking something away is always allowed, and not refunded.
    act(
        &mut app,
        Action::Edit(Edit::RemoveCar {
            house: "Lindenweg 2".into(),
        }),
    );
    assert!(!message(&app).0, "{:?}", message(&app));
    let spent = app.world().resource::<EditHistory>().spending.clone();
    assert_eq!(spent.total(), 8450.0);
    // Its 7.4 kW charger (2,000 EUR) and its 58 kWh battery at 130 EUR/kWh.
    assert_eq!(
        spent.removed.get("car").copied(),
        Some(2000.0 + 58.0 * 130.0)
    );
    // Undo gives the money back.
    act(&mut app, Action::Undo);
    act(&mut app, Action::Undo);
    assert_eq!(app.world().resource::<EditHistory>().spending.total(), 0.0);
}

#[test]
fn the_price_list_is_read_checked_and_compared_part_by_part() {
    let text = default_with(
        "prices: (pv_eur_per_kwp: 1000.0, cable_type_eur_per_m: {\"NAYY 4x50 SE\": 40.0}),",
    );
    let built = crate::common::build_text(&text, "prices.scenario.ron");
    assert_eq!(built.scenario.prices.pv_eur_per_kwp, 1000.0);
    assert_eq!(
        built.scenario.prices.battery_eur_per_kwh, 700.0,
        "defaults fill the rest"
    );
    let errors = crate::common::errors_of(&default_with("prices: (pv_eur_per_kwp: -5.0),"));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("a price in EUR is -5, outside")),
        "{errors:?}"
    );
    let errors = crate::common::errors_of(&default_with("budget_eur: -1.0,"));
    assert!(
        errors.iter().any(|e| e.contains("budget_eur")),
        "{errors:?}"
    );
    // Part by part: a bigger array costs its extra kWp, a new cable its metres.
    let before = built.scenario.clone();
    let mut after = before.clone();
    let pv = after
        .houses
        .iter_mut()
        .find_map(|h| h.pv.as_mut())
        .expect("a PV");
    pv.kwp += 2.0;
    after.feeders[0].lines[0].cable = "NAYY 4x50 SE".into();
    let length = after.feeders[0].lines[0].length_m;
    let s = prices::spending(&before, &after);
    assert_eq!(s.spent.get("PV").copied(), Some(2000.0));
    assert_eq!(
        s.removed.get("cable").copied(),
        Some(length * (80.0 - 40.0))
    );
}

#[test]
fn a_generated_town_is_saved_compact_until_an_edit_touches_it() {
    let dir = std::env::temp_dir().join(format!("microgrid-compact-{}", std::process::id()));
    let mut app = window_app("scenes/town-1000.scenario.ron");
    steps(&mut app, 2);
    // A new street off the busbar and a house on it: the town is untouched.
    act(
        &mut app,
        Action::Edit(Edit::AddCable {
            from: "LV busbar".into(),
            to: "J1".into(),
            cable: "NAYY 4x150 SE".into(),
            position_m: Some((0.0, 450.0)),
            length_m: None,
        }),
    );
    act(
        &mut app,
        Action::Edit(Edit::AddHouse {
            name: "Schoolhouse".into(),
            bus: "J1".into(),
            annual_kwh: 12000.0,
            position_m: Some((10.0, 460.0)),
        }),
    );
    assert!(!message(&app).0, "{:?}", message(&app));
    let path = dir.join("town-plus.scenario.ron");
    act(&mut app, Action::SaveAs(path.clone()));
    assert!(!message(&app).0, "{:?}", message(&app));
    let text = std::fs::read_to_string(&path).expect("saved");
    assert!(text.contains("streets: 40") && text.contains("Schoolhouse"));
    assert!(text.len() < 20_000, "compact: {} bytes", text.len());
    let reloaded = scenario::load_and_build(&path).expect("the saved file loads");
    let live = app.world().resource::<Neighbourhood>().0.clone();
    assert_eq!(
        reloaded.scenario, live.scenario,
        "the same neighbourhood, in order"
    );
    assert_eq!(reloaded.network, live.network);
    assert_eq!(reloaded.devices, live.devices);

    // A battery in a generated house: the town is written out house by house.
    let house = live
        .scenario
        .houses
        .iter()
        .find(|h| h.battery.is_none())
        .map(|h| h.name.clone())
        .expect("a house without a battery");
    act(
        &mut app,
        Action::Edit(Edit::AddBattery {
            house,
            capacity_kwh: 10.0,
            power_kw: 5.0,
            efficiency: 0.95,
        }),
    );
    act(&mut app, Action::Save);
    assert!(!message(&app).0, "{:?}", message(&app));
    let text = std::fs::read_to_string(&path).expect("saved");
    assert!(
        !text.contains("streets: 40") && text.len() > 100_000,
        "{} bytes",
        text.len()
    );
    let reloaded = scenario::load_and_build(&path).expect("the saved file loads");
    assert_eq!(
        reloaded.scenario,
        app.world().resource::<Neighbourhood>().0.scenario
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_preview_counts_what_was_built_while_paused() {
    use microgrid::app::control::editing::EditPreview;
    let mut app = window_app("scenes/empty-street.scenario.ron");
    act(&mut app, Action::JumpToHour(12));
    for (k, bus) in ["N1", "N2", "N3"].into_iter().enumerate() {
        act(
            &mut app,
            Action::Edit(Edit::AddHouse {
                name: format!("Neue Strasse {}", k + 1),
                bus: bus.into(),
                annual_kwh: 4000.0,
                position_m: None,
            }),
        );
        act(
            &mut app,
            Action::Edit(Edit::AddPv {
                house: format!("Neue Strasse {}", k + 1),
                kwp: 8.0,
                tilt_deg: 30.0,
                azimuth_deg: 180.0,
            }),
        );
    }
    assert!(!message(&app).0, "{:?}", message(&app));
    // No step has run since: the preview still sees 24 kWp in the noon sun.
    act(
        &mut app,
        Action::Preview(Edit::AddBattery {
            house: "Neue Strasse 1".into(),
            capacity_kwh: 10.0,
            power_kw: 5.0,
            efficiency: 0.95,
        }),
    );
    let p = app
        .world()
        .resource::<EditPreview>()
        .result
        .clone()
        .expect("previewed");
    assert!(p.before.transformer_percent > 3.0, "{p:?}");
    assert!(p.before.v_max_pu > 1.0005, "{p:?}");
}

#[test]
fn a_switch_opens_and_closes_a_ring_live() {
    use microgrid::scenario::SwitchState;
    let mut app = crate::common::window_app("tests/fixtures/default-ring.scenario.ron");
    act(&mut app, Action::JumpToHour(13));
    let ring_flow = |app: &App| {
        let built = &app.world().resource::<Neighbourhood>().0;
        let k = built
            .network
            .lines
            .iter()
            .position(|l| l.name == "L10 - W6")
            .expect("the ring cable");
        let flow = app
            .world()
            .resource::<microgrid::sim::network::NetworkState>();
        flow.solved().expect("solved").lines[k].p_from_mw
    };
    assert!(ring_flow(&app).abs() > 1e-4);
    let switch = |app: &mut App, s| {
        act(
            app,
            Action::Edit(Edit::SetSwitch {
                from: "W6".into(),
                to: "L10".into(),
                switch: s,
            }),
        );
        assert!(!message(app).0, "{:?}", message(app));
        steps(app, 2);
    };
    switch(&mut app, Some(SwitchState::Open));
    assert_eq!(message(&app).1, "Opened the switch between W6 and L10");
    assert_eq!(ring_flow(&app), 0.0);
    switch(&mut app, Some(SwitchState::Closed));
    assert!(ring_flow(&app).abs() > 1e-4);
    // Opening the only cable to a street's end cuts it off: refused, with why.
    act(
        &mut app,
        Action::Edit(Edit::SetSwitch {
            from: "L1".into(),
            to: "LV busbar".into(),
            switch: Some(SwitchState::Open),
        }),
    );
    assert!(
        !message(&app).0,
        "a ring still feeds Lindenweg: {:?}",
        message(&app)
    );
    act(
        &mut app,
        Action::Edit(Edit::SetSwitch {
            from: "B7".into(),
            to: "B8".into(),
            switch: Some(SwitchState::Open),
        }),
    );
    let (refused, why) = message(&app);
    assert!(
        refused && why.contains("open switch may cut it off"),
        "{why}"
    );
}

/// The default with a ring, and `events` on its timeline.
fn ring_with(events: &str) -> String {
    crate::common::scenario_with(
        "tests/fixtures/default-ring.scenario.ron",
        &format!("events: [{events}],"),
    )
}

#[test]
fn a_switching_on_the_timeline_opens_the_ring_at_its_time() {
    let text = ring_with(
        r#"SwitchLine(at: "2025-06-21 12:00", from: "W6", to: "L10", switch: Open),
           SwitchLine(at: "2025-06-21 14:00", from: "L10", to: "W6", switch: Closed)"#,
    );
    let b = crate::common::build_text(&text, "switching.scenario.ron");
    let k = b
        .network
        .lines
        .iter()
        .position(|l| l.name == "L10 - W6")
        .expect("ring");
    let mut seen = Vec::new();
    let options = microgrid::run::RunOptions::new(9 * 3600, 60);
    microgrid::run::simulate(&b, &options, |world: &World| {
        let r = world.resource::<microgrid::sim::metrics::StepRecord>();
        let flow = world.resource::<microgrid::sim::network::NetworkState>();
        let p = flow.solved().expect("solved").lines[k].p_from_mw;
        let hour = chrono::Timelike::hour(&r.time.expect("time"));
        seen.push((hour, p));
    })
    .expect("runs");
    for (hour, p) in &seen {
        if (12..14).contains(hour) {
            assert_eq!(*p, 0.0, "at {hour}:00 the ring is open");
        } else {
            assert!(p.abs() > 1e-6, "at {hour}:00 the ring carries {p} MW");
        }
    }
    assert!(seen.iter().any(|(h, _)| *h == 13) && seen.iter().any(|(h, _)| *h == 14));
}

#[test]
fn bad_switchings_are_refused_with_where_and_why() {
    let errors = crate::common::errors_of(&ring_with(
        r#"SwitchLine(at: "2025-06-21 12:00", from: "L10", to: "B8", switch: Open)"#,
    ));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("names a cable from \"L10\" to \"B8\" that does not exist")),
        "{errors:?}"
    );
    let errors = crate::common::errors_of(&ring_with(
        r#"SwitchLine(at: "2025-06-21 12:00", from: "L10", to: "W6", switch: Open),
           SwitchLine(at: "2025-06-21 13:00", from: "B7", to: "B8", switch: Open)"#,
    ));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("at 2025-06-21 13:00 would cut off B8")),
        "{errors:?}"
    );
}
