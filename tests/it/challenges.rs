//! Challenges: every shipped one is solvable and not solved from the start;
//! each eligibility rule; each goal kind on a case whose outcome is known
//! without the goal's code; bad files located; the window's flow.

use std::path::{Path, PathBuf};

use microgrid::challenge::{self, Grade, Prepared, grade};

use super::common::{SMALL, act, repo, steps};

/// A fresh folder for a test's files.
fn folder(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("microgrid-challenge-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp folder");
    dir
}

/// Writes `scenario` and a challenge on it with `body` (fields after
/// `scenario:`) into `dir`; returns the challenge's path.
fn challenge_file(dir: &Path, scenario: &str, body: &str) -> PathBuf {
    std::fs::write(dir.join("start.scenario.ron"), scenario).expect("write scenario");
    let text = format!(
        "Challenge(\n    title: \"Test\",\n    briefing: \"A test.\",\n    scenario: \"start.scenario.ron\",\n{body}\n)\n"
    );
    let path = dir.join("test.challenge.ron");
    std::fs::write(&path, text).expect("write challenge");
    path
}

fn prepared(path: &Path) -> Prepared {
    Prepared::load(path).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn shipped() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo("scenes/challenges"))
        .expect("challenge folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".challenge.ron"))
        .collect();
    files.sort();
    files
}

fn solution_of(challenge: &Path) -> PathBuf {
    repo(&format!(
        "scenes/challenges/solutions/{}.scenario.ron",
        challenge::stem_of(challenge)
    ))
}

#[test]
fn every_shipped_challenge_is_solved_by_its_solution_and_not_by_its_start() {
    let files = shipped();
    assert!(files.len() >= 8, "at least eight challenges: {files:?}");
    let mut difficulties = Vec::new();
    for file in &files {
        let p = prepared(file);
        difficulties.push(p.challenge.difficulty);
        let start = grade(&p, None);
        assert!(start.eligible, "{}: the start is eligible", file.display());
        assert!(
            start.stars < start.max_stars,
            "{}: the unchanged start must not earn every star: {start:#?}",
            file.display()
        );
        let solution = solution_of(file);
        assert!(solution.is_file(), "{} has a solution", file.display());
        let g = grade(&p, Some(&solution));
        assert!(g.eligible, "{}: {:?}", solution.display(), g.reasons);
        assert_eq!(
            g.stars,
            g.max_stars,
            "{} earns every star: {g:#?}",
            solution.display()
        );
        assert!(g.spent_eur <= g.budget_eur);
        assert!(g.score > start.score);
    }
    // From easy to hard.
    assert!(difficulties.contains(&1) && difficulties.contains(&3));
    assert!(
        difficulties.windows(2).all(|w| w[0] <= w[1]),
        "{difficulties:?}"
    );
}

/// A design: the challenge's start scenario file with `change` applied to its text.
fn design(dir: &Path, name: &str, from: &Path, change: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(from).expect("scenario");
    let changed = change(text.clone());
    assert_ne!(changed, text, "the change applies");
    let path = dir.join(format!("{name}.scenario.ron"));
    std::fs::write(&path, changed).expect("write design");
    path
}

fn reasons(g: &Grade) -> String {
    g.reasons.join(" | ")
}

#[test]
fn each_eligibility_rule_refuses_with_its_reason() {
    let dir = folder("eligibility");
    let keep = repo("scenes/challenges/02-keep-the-lights-on.challenge.ron");
    let p = prepared(&keep);
    let solution = solution_of(&keep);
    // Over budget: a 40 kWh battery at 700 EUR/kWh is 28,000 EUR.
    let over = design(&dir, "over", &solution, |t| {
        t.replacen("capacity_kwh: 8.0", "capacity_kwh: 40.0", 1)
    });
    let g = grade(&p, Some(&over));
    assert!(
        !g.eligible && reasons(&g).contains("over the budget"),
        "{}",
        reasons(&g)
    );
    assert_eq!((g.stars, g.score), (0, 0), "no stars when not eligible");
    // A locked part changed: the PV of Sonnenweg 1 (locked by lock_all).
    let locked = design(&dir, "locked", &solution, |t| {
        t.replacen("kwp: 4.0", "kwp: 9.0", 1)
    });
    let g = grade(&p, Some(&locked));
    assert!(
        reasons(&g).contains("Sonnenweg 1, which is locked"),
        "{}",
        reasons(&g)
    );
    // A tool not allowed: a turbine.
    let turbine = design(&dir, "turbine", &solution, |t| {
        t.replacen(
            "    market: (",
            "    wind_turbines: [(name: \"T\", bus: \"S8\", model: \"Bergey Excel 10\", hub_height_m: 18.0, position_m: (210.0, 10.0))],\n    market: (",
            1,
        )
    });
    let g = grade(&p, Some(&turbine));
    assert!(
        reasons(&g).contains("the wind turbine tool (T), which this challenge does not allow"),
        "{}",
        reasons(&g)
    );
    // A setting no tool changes.
    let weather = design(&dir, "weather", &solution, |t| {
        t.replacen("pattern: SunnySummer", "pattern: GreyWinter", 1)
    });
    let g = grade(&p, Some(&weather));
    assert!(
        reasons(&g).contains("changes the weather"),
        "{}",
        reasons(&g)
    );
    // A cap: "Hold the frequency" allows four batteries.
    let hold = repo("scenes/challenges/03-hold-the-frequency.challenge.ron");
    let five = design(&dir, "five", &solution_of(&hold), |t| {
        let mut t = t;
        for h in ["Sonnenweg 1\"", "Sonnenweg 3\""] {
            let at = t.find(h).expect("house");
            let end = at + t[at..].find("),\n").expect("end of house");
            t.insert_str(end, ", battery: (capacity_kwh: 1.0, power_kw: 1.0)");
        }
        t
    });
    let g = grade(&prepared(&hold), Some(&five));
    assert!(
        reasons(&g).contains("the battery tool 5 times, more than the cap of 4"),
        "{}",
        reasons(&g)
    );
    // The seed, start and timeline are the challenge's, whatever the file says.
    let seeded = design(&dir, "seeded", &solution, |t| {
        t.replacen("seed: 14,", "seed: 999,", 1)
    });
    let (a, b) = (grade(&p, Some(&solution)), grade(&p, Some(&seeded)));
    assert!(b.eligible);
    assert_eq!(a.goals, b.goals);
    // A design that is not a scenario: not eligible, with its error located.
    let broken = dir.join("broken.scenario.ron");
    let nonsense = "Scenario(name: \"x\", nonsense: 1)";
    std::fs::write(&broken, nonsense).expect("write");
    let g = grade(&p, Some(&broken));
    assert!(!g.eligible && g.goals.is_empty());
    super::common::assert_located(&reasons(&g), "broken.scenario.ron", nonsense, "nonsense");
}

/// The small scenario without PV, on a flat tariff of `price` EUR/kWh.
fn plain(price: f64) -> String {
    SMALL.replace(", pv: (kwp: 6.0)", "").replace(
        "    houses: [",
        &format!(
            "    tariff: (import_eur_per_kwh: {price}, export_eur_per_kwh: 0.08),\n    houses: ["
        ),
    )
}

fn goal<'a>(g: &'a Grade, name: &str) -> &'a challenge::GoalResult {
    g.goals
        .iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("goal {name} in {g:#?}"))
}

#[test]
fn a_blackout_of_known_demand_and_length_gives_its_unserved_energy() {
    // The demand of the two hours, measured on the grid without an outage.
    let scenario = plain(0.40);
    let built = super::common::build_text(&scenario, "small");
    let mut demand_kwh = 0.0;
    let options = microgrid::run::RunOptions::new(4 * 3600, 60);
    let from = microgrid::scenario::parse_date_time("2025-06-21 13:00").expect("time");
    let until = microgrid::scenario::parse_date_time("2025-06-21 15:00").expect("time");
    microgrid::run::simulate(&built, &options, |world| {
        let r = world.resource::<microgrid::sim::metrics::StepRecord>();
        if let Some(t) = r.time
            && t >= from
            && t < until
        {
            demand_kwh += r.load_kw / 60.0;
        }
    })
    .expect("runs");
    assert!(demand_kwh > 0.5, "the houses use something: {demand_kwh}");
    // No battery, no V2G car: the island goes dark for the two hours.
    let dir = folder("blackout");
    let path = challenge_file(
        &dir,
        &scenario,
        r#"    budget_eur: 0, seed: 7, hours: 4,
    events: [GridOutage(from: "2025-06-21 13:00", until: "2025-06-21 15:00")],
    goals: [
        UnservedEnergy(at_most_kwh: 0),
        UnservedEnergy(at_most_kwh: 0, critical_only: true),
        FrequencyNadir(at_least_hz: 49.0),
        FrequencyBand(low_hz: 49.0, high_hz: 51.0),
        VoltageBand(low_pu: 0.9, high_pu: 1.1),
        Resynchronise,
    ],"#,
    );
    let g = grade(&prepared(&path), None);
    let lights = goal(&g, "Lights on");
    assert!(!lights.passed);
    assert!(
        (lights.value - demand_kwh).abs() < 1e-3 * demand_kwh + 1e-3,
        "unserved {} kWh against a demand of {demand_kwh} kWh",
        lights.value
    );
    assert_eq!(lights.first_failed.as_deref(), Some("2025-06-21 13:00"));
    // Critical: each house keeps 30 % (the default share) to the last.
    let critical = goal(&g, "Critical loads served");
    assert!((critical.value - 0.3 * demand_kwh).abs() < 1e-3 * demand_kwh + 1e-3);
    // A dark island has no frequency and no voltage.
    assert_eq!(goal(&g, "Frequency nadir").value, 0.0);
    assert!(!goal(&g, "Steady frequency").passed);
    assert!(!goal(&g, "Voltage in band").passed);
    assert!(!goal(&g, "Smooth reconnection").passed);
    assert_eq!(g.stars, 0);
}

#[test]
fn energy_cost_and_carbon_goals_add_up_what_the_grid_sold() {
    let dir = folder("energy");
    let path = challenge_file(
        &dir,
        &plain(0.50),
        r#"    budget_eur: 0, seed: 7, hours: 6,
    goals: [
        GridImport(at_most_kwh: 1000),
        NetCost(at_most_eur: 1000),
        Co2(at_most_kg: 1000),
        PeakImport(at_most_kw: 1000),
        SelfSufficiency(at_least_percent: 1),
        Loading(at_most_percent: 100),
        FrequencyNadir(at_least_hz: 49.8),
    ],"#,
    );
    let g = grade(&prepared(&path), None);
    let import = goal(&g, "Little grid energy").value;
    assert!(import > 0.5);
    // Nothing is exported without generation: the bill is import x price,
    // the carbon import x 380 g/kWh.
    assert!((goal(&g, "Low bill").value - 0.50 * import).abs() < 1e-3);
    assert!((goal(&g, "Low carbon").value - 0.380 * import).abs() < 1e-3);
    // The peak is at least the mean.
    assert!(goal(&g, "Low peak import").value >= import / 6.0);
    // Without local generation nothing of the demand is covered locally
    // (and the grid also covers the losses): self-sufficiency at most 0.
    let ss = goal(&g, "Self-sufficient");
    assert!(ss.value <= 0.0 && !ss.passed);
    // Never islanded: the frequency stays at 50 Hz.
    assert!(goal(&g, "Frequency nadir").passed);
    assert!(goal(&g, "No overloads").passed);
    assert_eq!(g.stars, 6);
    // A carbon series: 0 g/kWh for three hours, then 1,000 g/kWh.
    std::fs::write(
        dir.join("carbon.csv"),
        "time,g_co2_per_kwh\n2025-06-21 12:00,0\n2025-06-21 15:00,1000\n2025-06-21 18:00,1000\n",
    )
    .expect("write series");
    let text = std::fs::read_to_string(&path).expect("challenge").replace(
        "Co2(at_most_kg: 1000)",
        "Co2(at_most_kg: 1000, intensity: Series(\"carbon.csv\"))",
    );
    std::fs::write(&path, text).expect("write");
    let series = grade(&prepared(&path), None);
    let first_half = {
        let until_three = dir.join("three.challenge.ron");
        let t = std::fs::read_to_string(&path)
            .expect("challenge")
            .replace("hours: 6", "hours: 3");
        std::fs::write(&until_three, t).expect("write");
        goal(&grade(&prepared(&until_three), None), "Little grid energy").value
    };
    let carbon = goal(&series, "Low carbon").value;
    assert!(
        (carbon - (import - first_half)).abs() < 1e-3,
        "{carbon} kg for {} kWh after 15:00",
        import - first_half
    );
}

#[test]
fn voltage_and_loading_goals_say_where_they_failed() {
    let p = prepared(&repo("scenes/challenges/07-too-much-sun.challenge.ron"));
    let g = grade(&p, None);
    let v = goal(&g, "Voltage in band");
    assert!(!v.passed && v.value > 1.1);
    // The rise is largest at the line's far end.
    assert_eq!(v.place.as_deref(), Some("F6"));
    let l = goal(&g, "No overloads");
    assert!(!l.passed);
    // The first span carries the most.
    assert_eq!(l.place.as_deref(), Some("the cable LV busbar - F1"));
}

#[test]
fn the_same_files_give_the_same_bytes() {
    let exe = env!("CARGO_BIN_EXE_microgrid");
    let file = repo("scenes/challenges/05-buy-cheap-island-dear.challenge.ron");
    let run = || {
        std::process::Command::new(exe)
            .args(["challenge", &file.display().to_string(), "--json"])
            .arg("--design")
            .arg(solution_of(&file))
            .output()
            .expect("runs")
    };
    let (a, b) = (run(), run());
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let json: serde_json::Value = serde_json::from_slice(&a.stdout).expect("JSON");
    for key in [
        "challenge",
        "design",
        "eligible",
        "reasons",
        "stars",
        "max_stars",
        "score",
        "budget_eur",
        "spent_eur",
        "goals",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
    for key in ["name", "passed", "value", "limit", "unit"] {
        assert!(json["goals"][0].get(key).is_some(), "goals[].{key}");
    }
}

#[test]
fn a_teacher_grades_a_folder_in_one_command() {
    let dir = folder("class");
    let file = repo("scenes/challenges/02-keep-the-lights-on.challenge.ron");
    let solution = solution_of(&file);
    std::fs::copy(&solution, dir.join("anna.scenario.ron")).expect("copy");
    std::fs::copy(
        repo("scenes/challenges/start/sonnenweg-solar.scenario.ron"),
        dir.join("ben.scenario.ron"),
    )
    .expect("copy");
    let over = std::fs::read_to_string(&solution)
        .expect("solution")
        .replacen("capacity_kwh: 8.0", "capacity_kwh: 40.0", 1);
    std::fs::write(dir.join("cleo.scenario.ron"), over).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_microgrid"))
        .args(["challenge", &file.display().to_string(), "--design"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[0].contains("anna") && rows[0].contains("yes") && rows[0].contains("2/2"));
    assert!(rows[1].contains("ben") && rows[1].contains("0/2"));
    assert!(
        rows[2].contains("cleo") && rows[2].contains(" no ") && rows[2].contains("over the budget")
    );
}

#[test]
fn bad_challenge_files_are_located() {
    let dir = folder("bad");
    let cases: [(&str, &str, &str); 8] = [
        (
            "    tools: [Battery], caps: {Battery: 4000000000},\n    budget_eur: 100, seed: 1, hours: 2,\n    goals: [Resynchronise],",
            "more than 1000 parts",
            "Battery: 4000000000",
        ),
        (
            "    budget_eur: 100, seed: 1, hours: 2, colour: 3,\n    goals: [Resynchronise],",
            "field named `colour`",
            "colour",
        ),
        (
            "    budget_eur: 100, seed: 1, hours: 2,\n    goals: [FrequencyBand(low_hz: 50.5, high_hz: 49.5)],",
            "low_hz must be below high_hz",
            "FrequencyBand",
        ),
        (
            "    budget_eur: 100, seed: 1, hours: 2,\n    goals: [VoltageBand(low_pu: 0.2, high_pu: 1.1)],",
            "outside the allowed range",
            "low_pu: 0.2",
        ),
        (
            "    tools: [Pv], caps: {Battery: 2},\n    budget_eur: 100, seed: 1, hours: 2,\n    goals: [Resynchronise],",
            "caps names Battery",
            "Battery: 2",
        ),
        (
            "    locked: [\"Nobody\"],\n    budget_eur: 100, seed: 1, hours: 2,\n    goals: [Resynchronise],",
            "\"Nobody\", which is no house",
            "\"Nobody\"",
        ),
        (
            "    budget_eur: 100, seed: 1, hours: 2,\n    events: [GridOutage(from: \"2025-06-22 13:00\", until: \"2025-06-22 15:00\")],\n    goals: [Resynchronise],",
            "outside the challenge's run",
            "GridOutage(from: \"2025-06-22 13:00\"",
        ),
        (
            "    budget_eur: 100, seed: 1, hours: 2,\n    goals: [FairSharing],",
            "FairSharing needs the local market",
            "FairSharing",
        ),
    ];
    for (body, wanted, needle) in cases {
        let path = challenge_file(&dir, SMALL, body);
        let errors = Prepared::load(&path).expect_err(body);
        let text = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains(wanted), "{body}\n-> {text}");
        // Located at a line and column in the challenge file, at the problem.
        let written = std::fs::read_to_string(&path).expect("read");
        let error = errors
            .iter()
            .map(ToString::to_string)
            .find(|e| e.contains(wanted))
            .expect("the error");
        super::common::assert_located(&error, "test.challenge.ron", &written, needle);
    }
    // A missing scenario, and an empty file.
    let path = dir.join("lost.challenge.ron");
    std::fs::write(
        &path,
        "Challenge(title: \"x\", briefing: \"\", scenario: \"nowhere.scenario.ron\", budget_eur: 0, seed: 1, hours: 1, goals: [Resynchronise])",
    )
    .expect("write");
    let e = Prepared::load(&path).expect_err("missing scenario");
    let written = std::fs::read_to_string(&path).expect("read");
    super::common::assert_located(
        &e[0].to_string(),
        "lost.challenge.ron",
        &written,
        "\"nowhere.scenario.ron\"",
    );
    std::fs::write(&path, "  ").expect("write");
    let e = Prepared::load(&path).expect_err("empty");
    assert!(
        e[0].to_string().contains("starts with `Challenge(`"),
        "{}",
        e[0]
    );
}

#[test]
fn the_window_plays_a_challenge_from_briefing_to_results() {
    use microgrid::app::control::action::Action;
    use microgrid::app::modes::challenge::{ChallengeAction as C, ChallengeMode, Phase};
    let dir = folder("window");
    let file = repo("scenes/challenges/02-keep-the-lights-on.challenge.ron");
    let mut app = super::common::window_app("scenes/default.scenario.ron");
    act(&mut app, Action::OpenChallenge(file.clone()));
    let phase = |app: &bevy::prelude::App| app.world().resource::<ChallengeMode>().phase;
    assert_eq!(phase(&app), Phase::Briefing);
    // The clock waits in the briefing and the design phase.
    act(&mut app, Action::TogglePause);
    assert!(app.world().resource::<microgrid::sim::SimClock>().paused);
    // Edits wait for the design phase.
    let add = |house: &str| {
        Action::Edit(microgrid::scenario::edit::Edit::AddBattery {
            house: house.into(),
            capacity_kwh: 8.0,
            power_kw: 5.0,
            efficiency: 0.95,
        })
    };
    act(&mut app, add("Sonnenweg 2"));
    let batteries = |app: &bevy::prelude::App| {
        app.world()
            .resource::<microgrid::sim::Neighbourhood>()
            .0
            .scenario
            .houses
            .iter()
            .filter(|h| h.battery.is_some())
            .count()
    };
    assert_eq!(batteries(&app), 0);
    act(&mut app, Action::Challenge(C::Begin));
    assert_eq!(phase(&app), Phase::Design);
    for (house, kwh) in [
        ("Sonnenweg 2", 8.0),
        ("Sonnenweg 5", 8.0),
        ("Sonnenweg 7", 8.0),
    ] {
        act(
            &mut app,
            Action::Edit(microgrid::scenario::edit::Edit::AddBattery {
                house: house.into(),
                capacity_kwh: kwh,
                power_kw: 5.0,
                efficiency: 0.95,
            }),
        );
    }
    act(&mut app, Action::Challenge(C::Run));
    assert_eq!(phase(&app), Phase::Running);
    // Edits and the outage button wait for the results.
    act(&mut app, Action::ToggleOutage);
    assert!(
        !app.world()
            .resource::<microgrid::sim::grid_mode::GridState>()
            .manual_outage
    );
    let run_steps = app.world().resource::<ChallengeMode>().run_steps() as usize;
    steps(&mut app, run_steps);
    // The stars go to this test's folder, not the user's.
    let progress = dir.join("progress.ron");
    app.world_mut()
        .resource_mut::<ChallengeMode>()
        .progress_file = Some(progress.clone());
    app.update();
    assert_eq!(phase(&app), Phase::Results);
    let mode = app.world().resource::<ChallengeMode>();
    let window = mode.grade.clone().expect("graded");
    // The live meters agree with the grade.
    for (m, g) in mode.meters.iter().zip(&window.goals) {
        assert_eq!(m.reading(true).passed, g.passed, "{}", g.name);
    }
    // The same as `microgrid challenge` on the saved design.
    let saved = dir.join("design.scenario.ron");
    act(&mut app, Action::SaveAs(saved.clone()));
    let cli = grade(&prepared(&file), Some(&saved));
    assert_eq!(window.goals, cli.goals);
    assert_eq!((window.stars, window.score), (cli.stars, cli.score));
    // The run the player watched against an independent command.
    let json = watched_equals_the_command_line(&app, &file, &saved);
    assert_eq!(json["stars"].as_u64(), Some(u64::from(window.stars)));
    assert_eq!(window.stars, 2);
    let kept = microgrid::challenge::progress::load_from(&progress);
    assert_eq!(kept.best["02-keep-the-lights-on"].stars, 2);
    // Try again: the design as it was run, the clock paused at the start.
    act(&mut app, Action::Challenge(C::TryAgain));
    assert_eq!(phase(&app), Phase::Design);
    let hood = &app.world().resource::<microgrid::sim::Neighbourhood>().0;
    assert_eq!(
        hood.scenario
            .houses
            .iter()
            .filter(|h| h.battery.is_some())
            .count(),
        3
    );
    assert_eq!(app.world().resource::<microgrid::sim::SimClock>().steps, 0);
    // One battery only: the lights go out, and the watched run's unserved
    // energy, to the watt-hour, is what the command line finds.
    for house in ["Sonnenweg 5", "Sonnenweg 7"] {
        act(
            &mut app,
            Action::Edit(microgrid::scenario::edit::Edit::RemoveBattery {
                house: house.into(),
            }),
        );
    }
    act(&mut app, Action::Challenge(C::Run));
    steps(&mut app, run_steps);
    app.update();
    assert_eq!(phase(&app), Phase::Results);
    let one = dir.join("one-battery.scenario.ron");
    act(&mut app, Action::SaveAs(one.clone()));
    let json = watched_equals_the_command_line(&app, &file, &one);
    let unserved = json["goals"][1]["value"].as_f64().expect("a value");
    assert!(unserved > 0.5, "the lights went out: {json}");
}

/// The run the player watched (the live meters, stepped by the window)
/// against an independent `microgrid challenge` process on the saved
/// design, goal by goal, with values; the command's JSON.
fn watched_equals_the_command_line(
    app: &bevy::prelude::App,
    challenge: &Path,
    saved: &Path,
) -> serde_json::Value {
    use microgrid::app::modes::challenge::ChallengeMode;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_microgrid"))
        .args([
            "challenge",
            challenge.to_str().expect("utf-8"),
            "--json",
            "--design",
        ])
        .arg(saved)
        .output()
        .expect("the command runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let goals = json["goals"].as_array().expect("goals");
    let mode = app.world().resource::<ChallengeMode>();
    assert_eq!(goals.len(), mode.meters.len());
    for (m, g) in mode.meters.iter().zip(goals) {
        let watched = m.reading(true);
        let value = g["value"].as_f64().expect("a value");
        assert_eq!(Some(watched.passed), g["passed"].as_bool(), "{g}");
        assert!(
            // The JSON gives four decimals.
            (watched.value - value).abs() <= 0.5e-4 + 1e-9 * value.abs(),
            "{}: watched {} but the command line says {value}",
            g["name"],
            watched.value
        );
    }
    json
}

#[test]
fn every_shipped_challenge_lesson_and_tour_has_every_text_in_every_language() {
    use microgrid::lang::{Lang, Text};
    let mut problems = Vec::new();
    let mut check = |file: &std::path::Path, what: String, text: &Text| {
        let langs: Vec<Lang> = text.languages().collect();
        for lang in Lang::CHOSEN {
            if !langs.contains(&lang) || text.in_lang(lang).trim().is_empty() {
                problems.push(format!(
                    "{}: {what} has no \"{}\" text",
                    file.display(),
                    lang.code()
                ));
            }
        }
    };
    fn read<T: serde::de::DeserializeOwned>(file: &std::path::Path, kind: &str) -> T {
        let text = std::fs::read_to_string(file).expect("read");
        microgrid::scenario::error::parse_ron(&text, &file.display().to_string(), kind, "")
            .unwrap_or_else(|e| panic!("{e}"))
    }
    for file in super::common::content_files("scenes/challenges", ".challenge.ron") {
        let c: microgrid::challenge::Challenge = read(&file, "Challenge");
        check(&file, "the title".into(), &c.title);
        check(&file, "the briefing".into(), &c.briefing);
    }
    for file in super::common::content_files("scenes/lessons", ".lesson.ron") {
        let l: microgrid::app::modes::lesson::Lesson = read(&file, "Lesson");
        check(&file, "the title".into(), &l.title);
        for (n, step) in l.steps.iter().enumerate() {
            check(&file, format!("step {}", n + 1), &step.text);
        }
    }
    for file in super::common::content_files("scenes/tours", ".tour.ron") {
        let t: microgrid::app::modes::demo::Tour = read(&file, "Tour");
        check(&file, "the title".into(), &t.title);
        for (n, step) in t.steps.iter().enumerate() {
            if let Some(caption) = &step.caption {
                check(&file, format!("the caption of step {}", n + 1), caption);
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_modes_are_states_entered_and_left_at_once() {
    use bevy::prelude::State;
    use microgrid::app::control::action::{Action, LessonAction};
    use microgrid::app::control::mode::{Building, Mode};
    use microgrid::app::modes::challenge::{ChallengeAction as C, ChallengeMode};
    let mut app = super::common::window_app("scenes/default.scenario.ron");
    let mode = |app: &bevy::prelude::App| *app.world().resource::<State<Mode>>().get();
    let building = |app: &bevy::prelude::App| *app.world().resource::<State<Building>>().get();
    assert_eq!((mode(&app), building(&app)), (Mode::Sandbox, Building::Off));
    let challenge = repo("scenes/challenges/02-keep-the-lights-on.challenge.ron");
    act(&mut app, Action::OpenChallenge(challenge));
    assert_eq!(
        (mode(&app), building(&app)),
        (Mode::Challenge, Building::Off)
    );
    // The design phase opens build mode, the run closes it.
    act(&mut app, Action::Challenge(C::Begin));
    assert_eq!(building(&app), Building::On);
    act(&mut app, Action::Challenge(C::Run));
    assert_eq!(building(&app), Building::Off);
    // A lesson opened from the challenge: the challenge is left, the lesson entered.
    let lesson = repo("scenes/lessons/01-one-customer.lesson.ron");
    act(&mut app, Action::OpenLesson(lesson));
    assert!(!app.world().contains_resource::<ChallengeMode>());
    assert_eq!(mode(&app), Mode::Lesson);
    act(&mut app, Action::Lesson(LessonAction::Close));
    assert_eq!(mode(&app), Mode::Sandbox);
    // Another file during a challenge leaves it in the same frame.
    let challenge = repo("scenes/challenges/01-first-light.challenge.ron");
    act(&mut app, Action::OpenChallenge(challenge));
    assert_eq!(mode(&app), Mode::Challenge);
    act(
        &mut app,
        Action::LoadScenario(repo("scenes/default.scenario.ron")),
    );
    assert_eq!(mode(&app), Mode::Sandbox);
    assert!(!app.world().contains_resource::<ChallengeMode>());
}

#[test]
fn designs_are_graded_on_parts_that_exist() {
    let dir = folder("exists");
    // The reference solution of "Too much sun" with its 300 m cable written 0.1 m.
    let sun = repo("scenes/challenges/07-too-much-sun.challenge.ron");
    let short = design(&dir, "short", &solution_of(&sun), |t| {
        t.replacen("length_m: 300.0", "length_m: 0.1", 1)
    });
    let g = grade(&prepared(&sun), Some(&short));
    assert!(!g.eligible, "{g:#?}");
    assert!(
        reasons(&g)
            .contains("the cable LV busbar - F4 is 0.1 m long, but its ends are 280 m apart"),
        "{}",
        reasons(&g)
    );
    assert_eq!((g.stars, g.score), (0, 0));
    // The same through a new bus without a position: two 1 m cables.
    let unplaced = design(&dir, "unplaced", &solution_of(&sun), |t| {
        t.replacen(
            "                (name: \"F6\", position_m: (420.0, -8.0)),\n",
            "                (name: \"F6\", position_m: (420.0, -8.0)),\n                (name: \"Y\"),\n",
            1,
        )
        .replacen(
            "(from: \"LV busbar\", to: \"F4\", cable: \"NAYY 4x150 SE\", length_m: 300.0)",
            "(from: \"LV busbar\", to: \"Y\", cable: \"NAYY 4x150 SE\", length_m: 1.0), (from: \"Y\", to: \"F4\", cable: \"NAYY 4x150 SE\", length_m: 1.0)",
            1,
        )
    });
    let g = grade(&prepared(&sun), Some(&unplaced));
    assert!(!g.eligible, "{g:#?}");
    assert!(
        reasons(&g).contains("joins the bus Y, which has no position"),
        "{}",
        reasons(&g)
    );

    // "Keep the lights on" allows no cables and locks the feeder: eight 0.1 m
    // cables beside existing ones are new cables, too short and parallel.
    let keep = repo("scenes/challenges/02-keep-the-lights-on.challenge.ron");
    let p = prepared(&keep);
    let parallel = design(&dir, "parallel", &solution_of(&keep), |t| {
        let beside: String = (1..=8)
            .map(|n| {
                let from = if n == 1 { "LV busbar".to_owned() } else { format!("S{}", n - 1) };
                format!("                (from: \"{from}\", to: \"S{n}\", cable: \"NAYY 4x150 SE\", length_m: 0.1),\n")
            })
            .collect();
        let at = t
            .find("                (from: \"LV busbar\", to: \"S1\"")
            .expect("first cable");
        let mut t = t;
        t.insert_str(at, &beside);
        t
    });
    let g = grade(&p, Some(&parallel));
    assert!(!g.eligible);
    let r = reasons(&g);
    assert!(
        r.contains("it lays a second cable between S1 and S2"),
        "{r}"
    );
    assert!(r.contains("which this challenge does not allow"), "{r}");
    assert!(
        r.contains("the cable S1 - S2 is 0.1 m long, but its ends are 25 m apart"),
        "{r}"
    );

    // Two 250 kWh "cars" that never leave: no car has such a battery, and
    // a car's battery is priced (32,500 EUR each at 130 EUR/kWh).
    let cars = design(&dir, "cars", &solution_of(&keep), |t| {
        let mut t = t.replace(
            ", battery: (capacity_kwh: 8.0, power_kw: 5.0, efficiency: 0.95)",
            "",
        );
        for h in ["Sonnenweg 2\"", "Sonnenweg 5\""] {
            let at = t.find(h).expect("house");
            let end = at + t[at..].find("),\n").expect("end of house");
            t.insert_str(
                end,
                ", ev: (battery_kwh: 250, charger_kw: 11, v2g: true, daily_km: 0)",
            );
        }
        t
    });
    let g = grade(&p, Some(&cars));
    let r = reasons(&g);
    assert!(
        r.contains(
            "the car of Sonnenweg 2 has a 250 kWh battery; cars are sold with 20 to 215 kWh"
        ),
        "{r}"
    );
    assert!(r.contains("over the budget"), "{r}");
    assert!(
        g.spent_eur >= 2.0 * (250.0 * 130.0 + 2_000.0) - 1.0,
        "{}",
        g.spent_eur
    );
    assert!(
        r.contains("the car of Sonnenweg 2 drives 0 km a day"),
        "{r}"
    );
    // A car that drives is a car: a 60 kWh V2G car driving 40 km is eligible here.
    let driven = design(&dir, "driven", &solution_of(&keep), |t| {
        let at = t.find("Sonnenweg 1\"").expect("house");
        let end = at + t[at..].find("),\n").expect("end of house");
        let mut t = t;
        t.insert_str(
            end,
            ", ev: (battery_kwh: 60, charger_kw: 11, v2g: true, daily_km: 40)",
        );
        t
    });
    let g = grade(&p, Some(&driven));
    assert!(!reasons(&g).contains("km a day"), "{}", reasons(&g));

    // "Hold the frequency" with a 5,000 kW inverter at 100 % efficiency.
    let hold = repo("scenes/challenges/03-hold-the-frequency.challenge.ron");
    let huge = design(&dir, "huge", &solution_of(&hold), |t| {
        t.replacen(
            "battery: (capacity_kwh: 8.0, power_kw: 5.0, efficiency: 0.95)",
            "battery: (capacity_kwh: 8.0, power_kw: 5000.0, efficiency: 1.0)",
            1,
        )
    });
    let g = grade(&prepared(&hold), Some(&huge));
    let r = reasons(&g);
    assert!(!g.eligible);
    assert!(
        r.contains("gives 5000 kW from 8 kWh; home batteries give at most 8 kW"),
        "{r}"
    );
    assert!(
        r.contains("one-way efficiency of 1; the best home batteries reach 0.98"),
        "{r}"
    );
    assert!(
        r.contains("over the budget"),
        "{r}: inverter power is priced"
    );

    // A challenge that allows parallel cables prices them instead.
    let text = std::fs::read_to_string(&keep).expect("challenge");
    let allowing = dir.join("allowing.challenge.ron");
    std::fs::write(
        &allowing,
        text.replace(
            "tools: [Battery, Car]",
            "tools: [Battery, Car, Cable],\n    parallel_cables: true",
        )
        .replace(
            "scenario: \"start/",
            &format!("scenario: \"{}/start/", repo("scenes/challenges").display()),
        ),
    )
    .expect("write");
    let g = grade(&prepared(&allowing), Some(&parallel));
    let r = reasons(&g);
    assert!(!r.contains("second cable"), "{r}");
    assert!(r.contains("0.1 m long"), "{r}: still too short");
}
