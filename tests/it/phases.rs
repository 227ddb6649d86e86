//! Scenarios solved per phase (`phases: Unbalanced`): what a file may say,
//! and what a run of it measures.

use crate::common::{SMALL, built, errors_of, relative_imbalance};
use microgrid::run::{RunOptions, simulate, summary_text};
use microgrid::scenario::{self, Phase, PhaseModel};
use microgrid::sim::metrics::{EnergyTotals, StepRecord};
use microgrid::sim::network::NetworkState;

/// `SMALL` solved per phase, with `extra` replacing House A's PV.
fn small_unbalanced(house_a: &str) -> String {
    SMALL
        .replace(
            r#"grid: (transformer: "0.25 MVA 10/0.4 kV"),"#,
            r#"grid: (transformer: "0.25 MVA 10/0.4 kV"), phases: Unbalanced,"#,
        )
        .replace(
            r#"position_m: (10.0, 5.0), pv: (kwp: 6.0)),"#,
            &format!("position_m: (10.0, 5.0), {house_a}),"),
        )
}

#[test]
fn phases_are_checked_where_the_file_names_them() {
    // A single phase in a balanced scenario: it would be silently ignored.
    let balanced = SMALL.replace("pv: (kwp: 6.0)", "pv: (kwp: 4.0, phase: A)");
    let e = errors_of(&balanced).join("\n");
    assert!(e.contains("add `phases: Unbalanced`"), "{e}");
    assert!(e.contains("House A"), "{e}");
    // The same file per phase is fine.
    assert!(errors_of(&small_unbalanced("pv: (kwp: 4.0, phase: A)")).is_empty());
    // A single-phase inverter over 4.6 kVA (6 kWp is 5.5 kVA of AC).
    let e = errors_of(&small_unbalanced("pv: (kwp: 6.0, phase: B)")).join("\n");
    assert!(e.contains("at most 4.6 kVA") && e.contains("5.5"), "{e}");
    // A house on phase C cannot host a unit on A, nor a three-phase one.
    let e = errors_of(&small_unbalanced("phase: C, pv: (kwp: 4.0, phase: A)")).join("\n");
    assert!(e.contains("must be on phase C too, not phase A"), "{e}");
    let e = errors_of(&small_unbalanced("phase: C, pv: (kwp: 4.0)")).join("\n");
    assert!(e.contains("not three-phase"), "{e}");
    // A charger: 3.7 kW on one phase is a product, 11 kW is not.
    let car = "ev: (battery_kwh: 60, charger_kw: 11.0, phase: A)";
    let e = errors_of(&small_unbalanced(car)).join("\n");
    assert!(e.contains("single-phase car charger is at most 4.6"), "{e}");
    let car = "ev: (battery_kwh: 60, charger_kw: 3.7, phase: A)";
    assert!(errors_of(&small_unbalanced(car)).is_empty());
    // A phase that is not one.
    let e = errors_of(&small_unbalanced("pv: (kwp: 4.0, phase: D)")).join("\n");
    assert!(
        e.contains("test.scenario.ron:18:") && e.contains("`D`") && e.contains("`C`"),
        "{e}"
    );
}

#[test]
fn household_loads_are_spread_over_the_phases_from_the_seed() {
    let b = built("scenes/default-unbalanced.scenario.ron");
    assert_eq!(b.scenario.phases, PhaseModel::Unbalanced);
    let mut heavy = [0usize; 3];
    for d in b
        .devices
        .iter()
        .filter(|d| matches!(d.kind, scenario::DeviceKind::Household { .. }))
    {
        assert!((d.phases.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let k = (0..3)
            .max_by(|&x, &y| d.phases[x].total_cmp(&d.phases[y]))
            .expect("three");
        assert_eq!(d.phases[k], scenario::HOUSEHOLD_HEAVY_PHASE_SHARE);
        heavy[k] += 1;
    }
    // 24 houses: every phase is some house's busiest.
    assert!(heavy.iter().all(|&n| n >= 3), "{heavy:?}");
    // The same seed, the same spread; the balanced default draws evenly.
    // By the seed and the house's name: another seed changes some houses.
    let share = |seed, name| scenario::build::household_phase_shares(seed, name);
    let names: Vec<String> = (0..24).map(|k| format!("House {k}")).collect();
    assert!(names.iter().any(|n| share(42, n) != share(43, n)));
    assert!(names.iter().any(|n| share(42, n) != share(42, &names[0])));
    let balanced = built("scenes/default.scenario.ron");
    assert!(
        balanced
            .devices
            .iter()
            .all(|d| d.phases == Phase::Three.shares())
    );
    // Single-phase PV is on its phase.
    let pv_on_a = b
        .devices
        .iter()
        .filter(|d| matches!(d.kind, scenario::DeviceKind::Pv(p) if p.phase == Phase::A))
        .count();
    // Lindenweg 1, Birkenallee 2 and Am Windrad 4.
    assert_eq!(pv_on_a, 3);
}

/// Kerber Dorfnetz per phase on a winter day from 18:00, every house
/// connected on `phase(k)` and using 8,000 kWh a year (a heat pump's
/// household); one day at one-minute steps.
fn kerber_evening(
    phase: impl Fn(usize) -> &'static str,
) -> (String, EnergyTotals, Vec<StepRecord>, f64) {
    let text = std::fs::read_to_string(crate::common::repo(
        "scenes/kerber-dorfnetz-unbalanced.scenario.ron",
    ))
    .expect("shipped");
    let mut k = 0;
    let text: String = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("(name: \"House ") {
                let out = line.replacen(
                    "annual_kwh: 3500",
                    &format!("phase: {}, annual_kwh: 8000", phase(k)),
                    1,
                );
                k += 1;
                out
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(k, 57);
    let b = crate::common::build_text(&text, "kerber.scenario.ron");
    let mut records = Vec::new();
    let mut worst_imbalance = 0.0f64;
    let summary = simulate(&b, &RunOptions::new(86_400, 60), |world| {
        let r = world.resource::<StepRecord>().clone();
        worst_imbalance = worst_imbalance.max(relative_imbalance(world));
        let state = world.resource::<NetworkState>();
        if let (Some(phases), Some(flow)) = (&state.phases, state.solved()) {
            // The summary the rest of the simulation reads is the per-phase
            // solution's: its extremes over every phase.
            let lowest = (0..phases.v_abc.len())
                .filter(|&b| phases.low_voltage[b])
                .flat_map(|b| phases.vm_pu(b))
                .fold(f64::INFINITY, f64::min);
            assert!((flow.vm_min_pu() - lowest).abs() < 1e-12);
        }
        records.push(r);
    })
    .expect("runs");
    (
        summary_text(&b, &summary),
        summary.totals,
        records,
        worst_imbalance,
    )
}

#[test]
fn every_house_on_one_phase_breaks_en_50160_and_rotating_them_mends_it() {
    let (text, one, records, worst_imbalance) = kerber_evening(|_| "A");
    eprintln!("{text}");
    assert!(
        one.unbalance_max_percent > 2.0,
        "{}",
        one.unbalance_max_percent
    );
    let (windows, above) = one.unbalance_windows();
    assert_eq!(windows, 144);
    assert!(above > 0, "{above} of {windows}");
    assert!(text.contains("10-minute values above 2 %"), "{text}");
    // The steps' worst unbalance is in the CSV's record, and energy balances
    // on every step (the grid exchange against the devices and the losses
    // of every sequence's currents).
    assert!(records.iter().any(|r| r.unbalance_percent > 2.0));
    assert!(
        worst_imbalance < 1e-6,
        "relative imbalance {worst_imbalance}"
    );
    // The same houses rotated over A, B, C: the unbalance falls well under.
    let (_, rotated, _, _) = kerber_evening(|k| ["A", "B", "C"][k % 3]);
    let (_, above_rotated) = rotated.unbalance_windows();
    eprintln!(
        "all on A: worst {:.2} %, {above} windows above; rotated: worst {:.2} %, {above_rotated} above",
        one.unbalance_max_percent, rotated.unbalance_max_percent
    );
    assert!(rotated.unbalance_max_percent < one.unbalance_max_percent / 2.0);
    assert!(above_rotated < above);
}

#[test]
fn a_balanced_scenario_measures_no_unbalance() {
    let b = built("scenes/default.scenario.ron");
    let summary = simulate(&b, &RunOptions::new(6 * 3600, 60), |world| {
        assert!(world.resource::<NetworkState>().phases.is_none());
    })
    .expect("runs");
    assert_eq!(summary.totals.unbalance_max_percent, 0.0);
    assert!(!summary_text(&b, &summary).contains("unbalance"));
}

#[test]
fn an_island_is_solved_per_phase_from_its_balanced_forming_unit() {
    let b = built("scenes/default-unbalanced.scenario.ron");
    let options = crate::common::with_outages(1.0, &["2025-06-21 17:00..2025-06-21 21:00"]);
    let mut islanded = 0;
    simulate(&b, &options, |world| {
        let r = world.resource::<StepRecord>();
        let state = world.resource::<NetworkState>();
        let units = world.resource::<microgrid::sim::grid_mode::IslandUnits>();
        if !r.islanded || state.dark {
            return;
        }
        let (Some(phases), Some((_, bus))) = (&state.phases, units.reference) else {
            panic!(
                "an island with power is solved per phase: {:?} {:?} {:?}",
                r.time,
                units.reference,
                state.flow.as_ref().map(|f| f.as_ref().err())
            );
        };
        islanded += 1;
        // The forming unit holds a balanced voltage at its bus; the houses'
        // single-phase PV and uneven loads unbalance the rest.
        assert!(phases.unbalance_percent(bus) < 1e-9);
        assert!(relative_imbalance(world) < 1e-6, "{r:?}");
    })
    .expect("runs");
    assert!(islanded > 100, "{islanded} island steps");
}

#[test]
fn build_mode_puts_units_on_phases_and_previews_the_unbalance_it_causes() {
    use microgrid::app::control::action::Action;
    use microgrid::app::control::editing::EditPreview;
    use microgrid::scenario::edit::{Edit, PhaseUnit};
    let mut app = crate::common::window_app("scenes/default-unbalanced.scenario.ron");
    crate::common::act(&mut app, Action::JumpToHour(13));
    // Paused at noon, as a teacher would stop to show it.
    crate::common::act(&mut app, Action::SetPaused(true));
    let house = |app: &bevy::prelude::App, name: &str| {
        app.world()
            .resource::<microgrid::sim::Neighbourhood>()
            .0
            .scenario
            .houses
            .iter()
            .find(|h| h.name == name)
            .cloned()
            .expect("still there")
    };
    let hood = |app: &bevy::prelude::App| {
        app.world()
            .resource::<microgrid::sim::Neighbourhood>()
            .0
            .clone()
    };
    // The eight single-phase arrays; the three on Am Windrad, the old
    // overhead lane, go onto phase A: each hover first shows what the move
    // would do (issue 25's walk).
    let single: Vec<String> = hood(&app)
        .scenario
        .houses
        .iter()
        .filter(|h| h.pv.is_some_and(|p| !p.phase.is_three()))
        .map(|h| h.name.clone())
        .collect();
    assert_eq!(single.len(), 8, "{single:?}");
    let preview = |app: &mut bevy::prelude::App, house: &str, phase: Phase| {
        let edit = Edit::SetPhase {
            house: house.to_owned(),
            unit: PhaseUnit::Pv,
            phase,
        };
        crate::common::act(app, Action::Preview(edit.clone()));
        let p = app
            .world()
            .resource::<EditPreview>()
            .clone()
            .result
            .expect("previewed");
        let (before, after) = (
            p.before.unbalance_percent.expect("per phase"),
            p.after.unbalance_percent.expect("per phase"),
        );
        eprintln!("{house}'s PV onto {phase:?}: worst unbalance {before:.3} % -> {after:.3} %");
        crate::common::act(app, Action::Edit(edit));
        // Paused, the world shows at once what the preview said (a moved
        // array is a new device: it gives from the click, not the next step).
        let now = app
            .world()
            .resource::<microgrid::sim::network::NetworkState>()
            .phases
            .as_ref()
            .map(|p| p.worst_customer_unbalance_percent())
            .expect("solved per phase");
        assert!(
            (now - after).abs() < 1e-6,
            "{house}: previewed {after} %, shows {now} %"
        );
        (before, after)
    };
    // Am Windrad 4 is on A; 5 (on B) and 6 (on C) join it.
    let (first, _) = preview(&mut app, "Am Windrad 5", Phase::A);
    let (_, all_on_a) = preview(&mut app, "Am Windrad 6", Phase::A);
    assert!(first < 1.0, "as shipped: {first} %");
    assert!(all_on_a > 2.0, "three on A at noon: {all_on_a} %");
    // The far house says why, in plain words.
    let why = |app: &bevy::prelude::App| {
        let h = hood(app)
            .scenario
            .houses
            .iter()
            .position(|h| h.name == "Am Windrad 6")
            .expect("there");
        microgrid::sim::why::explain(app.world(), microgrid::sim::why::Subject::House(h)).join(" ")
    };
    let said = why(&app);
    assert!(
        said.contains("over EN 50160's 2 %") && said.contains("fed in on phase A"),
        "{said}"
    );
    let on_a = |app: &bevy::prelude::App| {
        hood(app)
            .scenario
            .houses
            .iter()
            .filter(|h| h.pv.is_some_and(|p| p.phase == Phase::A))
            .count()
    };
    assert_eq!(on_a(&app), 5);
    // Spread again, the unbalance falls back under the line.
    let (_, one_moved) = preview(&mut app, "Am Windrad 5", Phase::B);
    let (_, spread) = preview(&mut app, "Am Windrad 6", Phase::C);
    assert!(
        one_moved < all_on_a && spread < one_moved,
        "{all_on_a} -> {one_moved} -> {spread} %"
    );
    assert!(
        (spread - first).abs() < 1e-6,
        "{spread} % back to {first} %"
    );
    assert!(!why(&app).contains("EN 50160"), "{}", why(&app));
    assert_eq!(on_a(&app), 3);
    // A house put on phase C takes its units with it; back on three phases
    // they stay on C.
    let name = "Lindenweg 9".to_owned();
    crate::common::act(
        &mut app,
        Action::Edit(Edit::AddPv {
            house: name.clone(),
            kwp: 4.0,
            tilt_deg: 30.0,
            azimuth_deg: 180.0,
        }),
    );
    crate::common::act(
        &mut app,
        Action::Edit(Edit::SetPhase {
            house: name.clone(),
            unit: PhaseUnit::Connection,
            phase: Phase::C,
        }),
    );
    let h = house(&app, &name);
    assert_eq!((h.phase, h.pv.map(|p| p.phase)), (Phase::C, Some(Phase::C)));
    // A locked unit keeps its phase: the house may go onto that phase or
    // back onto three (which moves no unit), not onto another.
    let now = hood(&app).scenario.clone();
    let connect = |house: &str, phase: Phase| Edit::SetPhase {
        house: house.into(),
        unit: PhaseUnit::Connection,
        phase,
    };
    // A house with a single-phase array whose connection may go onto its phase.
    let (name, on) = now
        .houses
        .iter()
        .filter_map(|h| Some((h.name.clone(), h.pv.filter(|p| !p.phase.is_three())?.phase)))
        .find(|(n, on)| microgrid::scenario::edit::apply(&connect(n, *on), &now).is_ok())
        .expect("a house that can go onto its array's phase");
    let mut locked = now.clone();
    let h = locked
        .houses
        .iter_mut()
        .find(|h| h.name == name)
        .expect("the house");
    h.pv.as_mut().expect("its PV").locked = true;
    let other = [Phase::A, Phase::B, Phase::C]
        .into_iter()
        .find(|&p| p != on)
        .expect("another phase");
    let e = microgrid::scenario::edit::apply(&connect(&name, other), &locked).expect_err("refused");
    assert!(format!("{e:?}").contains("locked"), "{name}: {e:?}");
    let on_its_phase = microgrid::scenario::edit::apply(&connect(&name, on), &locked)
        .unwrap_or_else(|e| panic!("{name} onto its PV's phase: {e}"));
    microgrid::scenario::edit::apply(&connect(&name, Phase::Three), &on_its_phase.scenario)
        .unwrap_or_else(|e| panic!("{name} back onto three phases: {e}"));
    // Undo brings the connection back; a balanced scenario refuses a phase.
    crate::common::act(&mut app, Action::Undo);
    let h = house(&app, &name);
    assert_eq!(h.phase, Phase::Three);
    let balanced = built("scenes/default.scenario.ron");
    let e = microgrid::scenario::edit::apply(
        &Edit::SetPhase {
            house: "Lindenweg 1".into(),
            unit: PhaseUnit::Pv,
            phase: Phase::B,
        },
        &balanced.scenario,
    )
    .expect_err("refused");
    assert!(format!("{e:?}").contains("phases: Unbalanced"), "{e:?}");
}

#[test]
fn an_unbalance_goal_on_a_balanced_scenario_is_refused() {
    let dir = std::env::temp_dir().join(format!("microgrid-phases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let text = std::fs::read_to_string(crate::common::repo(
        "scenes/challenges/09-too-much-on-one-phase.challenge.ron",
    ))
    .expect("shipped")
    .replace(
        "start/dorfstrasse.scenario.ron",
        &crate::common::repo("scenes/challenges/start/sonnenweg.scenario.ron").to_string_lossy(),
    );
    let file = dir.join("balanced.challenge.ron");
    std::fs::write(&file, &text).expect("write");
    let Err(errors) = microgrid::challenge::Prepared::load(&file) else {
        panic!("an Unbalance goal on a balanced scenario loaded");
    };
    let errors = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(errors.contains("free star"), "{errors}");
    crate::common::assert_located(&errors, "balanced.challenge.ron", &text, "Unbalance(");
    std::fs::remove_dir_all(&dir).ok();
}
