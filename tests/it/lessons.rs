//! Lessons: the shipped class sequence loads, and each step's condition
//! moves the lesson on when scripted input makes it true.

use microgrid::app::control::action::Action;
use microgrid::app::modes::lesson::{LessonAction, LessonMode, PreparedLesson};

use super::common::{act, repo, steps, window_app};

fn step_of(app: &bevy::prelude::App) -> usize {
    app.world().resource::<LessonMode>().step
}

/// One frame: the lesson's check runs after the simulation.
fn frame(app: &mut bevy::prelude::App) {
    app.update();
    microgrid::app::control::queue::apply_actions(app.world_mut());
    microgrid::app::control::source::finish_long_work(app.world_mut());
}

fn opened(lesson: &str) -> bevy::prelude::App {
    let mut app = window_app("scenes/default.scenario.ron");
    act(&mut app, Action::OpenLesson(repo(lesson)));
    // Keep the lesson's record out of the user's files; no least time a
    // step is shown (the window's is a few seconds of wall time).
    let mut mode = app.world_mut().resource_mut::<LessonMode>();
    mode.progress_file = None;
    mode.min_dwell_s = 0.0;
    app
}

#[test]
fn the_class_sequence_is_nine_lessons_of_about_45_minutes() {
    let files = crate::common::content_files("scenes/lessons", ".lesson.ron");
    assert_eq!(files.len(), 9, "{files:?}");
    let mut minutes = 0;
    for f in &files {
        let l = PreparedLesson::load(f).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(l.lesson.steps.len() >= 3, "{}", f.display());
        minutes += l.lesson.minutes;
    }
    assert!((40..=50).contains(&minutes), "{minutes} minutes");
}

#[test]
fn an_outage_moves_the_lesson_on_and_show_me_acts_through_the_script_path() {
    let mut app = opened("scenes/lessons/02-grid-fails.lesson.ron");
    assert_eq!(step_of(&app), 0);
    frame(&mut app);
    assert_eq!(step_of(&app), 0, "nothing has happened yet");
    // The user presses G: the grid is down.
    act(&mut app, Action::ToggleOutage);
    frame(&mut app);
    assert_eq!(step_of(&app), 1);
    // A Next step waits for the button, the island formed or not.
    steps(&mut app, 5);
    frame(&mut app);
    assert_eq!(step_of(&app), 1);
    act(&mut app, Action::Lesson(LessonAction::Next));
    act(&mut app, Action::Lesson(LessonAction::Next));
    assert_eq!(step_of(&app), 3);
    // A step gone back to waits for Next, even while its condition holds.
    act(&mut app, Action::Lesson(LessonAction::Back));
    frame(&mut app);
    assert_eq!(step_of(&app), 2);
    act(&mut app, Action::Lesson(LessonAction::Next));
    assert_eq!(step_of(&app), 3);
    // "Show me" brings the grid back (ToggleOutage), and the island resynchronises.
    act(&mut app, Action::Lesson(LessonAction::ShowMe));
    for _ in 0..30 {
        steps(&mut app, 1);
        frame(&mut app);
    }
    let mode = app.world().resource::<LessonMode>();
    assert!(
        mode.finished,
        "the reconnection ends the lesson at step {}",
        mode.step
    );
}

#[test]
fn skipping_a_step_that_waits_for_an_hour_runs_the_clock_there() {
    use chrono::Timelike;
    // Lesson 1's second step waits for 10:00 from a 06:00 start.
    let mut app = opened("scenes/lessons/01-one-customer.lesson.ron");
    act(&mut app, Action::Lesson(LessonAction::Next));
    assert_eq!(step_of(&app), 1);
    act(&mut app, Action::Lesson(LessonAction::Next));
    assert_eq!(step_of(&app), 2, "Skip shows the next step");
    // ...and runs the clock to 10:00 as a jump (`act` sees it through).
    microgrid::app::control::source::finish_long_work(app.world_mut());
    let clock = app.world().resource::<microgrid::sim::SimClock>();
    let now = clock.now();
    assert_eq!((now.hour(), now.minute()), (10, 0), "{now}");
    // The third step waits for 19:00: the clock runs on after the jump.
    assert!(!clock.paused);
    // Skipping a step that reads at the class's pace runs nothing.
    let before = clock.steps;
    let mut app2 = opened("scenes/lessons/01-one-customer.lesson.ron");
    act(&mut app2, Action::Lesson(LessonAction::Next));
    assert!(
        app2.world()
            .get_resource::<microgrid::app::control::long_work::Jump>()
            .is_none()
    );
    assert!(before > 0);
}

#[test]
fn the_clock_an_added_battery_and_the_market_move_lessons_on() {
    // Lesson 1: ClockAt("10:00") from a 06:00 start.
    let mut app = opened("scenes/lessons/01-one-customer.lesson.ron");
    assert!(
        app.world().resource::<microgrid::sim::SimClock>().paused,
        "a Next step stops the clock"
    );
    act(&mut app, Action::Lesson(LessonAction::Next));
    assert_eq!(step_of(&app), 1);
    assert!(
        !app.world().resource::<microgrid::sim::SimClock>().paused,
        "a step that waits runs it"
    );
    // The test steps the clock itself.
    act(&mut app, Action::SetPaused(true));
    steps(&mut app, 3 * 60 + 59);
    frame(&mut app);
    assert_eq!(step_of(&app), 1, "09:59");
    steps(&mut app, 1);
    frame(&mut app);
    assert_eq!(step_of(&app), 2, "10:00");
    // Lesson 8: Added(Battery), by an edit as the build tool makes it.
    let mut app = opened("scenes/lessons/08-grey-winter.lesson.ron");
    frame(&mut app);
    assert_eq!(step_of(&app), 0);
    act(
        &mut app,
        Action::Edit(microgrid::scenario::edit::Edit::AddBattery {
            house: "Sonnenweg 1".into(),
            capacity_kwh: 5.0,
            power_kw: 2.0,
            efficiency: 0.95,
        }),
    );
    frame(&mut app);
    assert_eq!(step_of(&app), 1);
    // Lesson 6: the market mechanism.
    let mut app = opened("scenes/lessons/06-sharing.lesson.ron");
    act(&mut app, Action::Lesson(LessonAction::Next));
    act(
        &mut app,
        Action::SetMarket(microgrid::market::Mechanism::MidMarketRate),
    );
    frame(&mut app);
    assert_eq!(step_of(&app), 2);
    // Back goes back; Close leaves the scenario running.
    act(&mut app, Action::Lesson(LessonAction::Back));
    assert_eq!(step_of(&app), 1);
    act(&mut app, Action::Lesson(LessonAction::Close));
    assert!(app.world().get_resource::<LessonMode>().is_none());
}

#[test]
fn a_bad_lesson_is_located() {
    let dir = std::env::temp_dir().join(format!("microgrid-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let path = dir.join("bad.lesson.ron");
    let scenario = repo("scenes/default.scenario.ron").display().to_string();
    let write = |body: &str| {
        std::fs::write(
            &path,
            format!("Lesson(\n    title: \"Bad\",\n    scenario: \"{scenario}\",\n    steps: [\n{body}\n    ],\n)\n"),
        )
        .expect("write");
    };
    write("        (text: \"Look\", focus: Some(\"Nowhere\")),");
    let e = PreparedLesson::load(&path).expect_err("unknown focus");
    let written = std::fs::read_to_string(&path).expect("read");
    crate::common::assert_located(&e[0].to_string(), "bad.lesson.ron", &written, "\"Nowhere\"");
    assert!(
        e[0].to_string().contains("\"Nowhere\" is no bus"),
        "{}",
        e[0]
    );
    write("        (text: \"Look\", until: Sunset),");
    let e = PreparedLesson::load(&path).expect_err("unknown condition");
    let written = std::fs::read_to_string(&path).expect("read");
    crate::common::assert_located(&e[0].to_string(), "bad.lesson.ron", &written, "Sunset");
    write("        (text: \"Look\", show_me: [Fly]),");
    let e = PreparedLesson::load(&path).expect_err("unknown action");
    assert!(e[0].to_string().contains("Fly"), "{}", e[0]);
}

#[test]
fn every_number_and_every_write_in_a_lesson_or_a_tour_is_checked_where_it_is_written() {
    let dir = std::env::temp_dir().join(format!("microgrid-content-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let scenario = repo("scenes/default.scenario.ron").display().to_string();
    let lesson = dir.join("numbers.lesson.ron");
    // The step is on line 5; `at` is the column the error must point at
    // (where the bad value starts or ends, as the parser reports it).
    let cases: [(&str, &str, &[&str]); 9] = [
        (
            "(text: \"a\", until: PriceAbove(NaN)),",
            "NaN",
            &["a price in EUR/kWh must be a finite number"],
        ),
        (
            "(text: \"a\", until: BatteryBelow(200)),",
            "200",
            &["a percentage is 200, outside the allowed range 0 to 100"],
        ),
        (
            "(text: \"a\", on_enter: [SetSpeed(NaN)]),",
            "NaN",
            &["a speed", "finite"],
        ),
        (
            "(text: \"a\", on_enter: [JumpToHour(25)]),",
            "25",
            &["an hour of the day is 0 to 23, found 25"],
        ),
        (
            "(text: \"a\", show_me: [AddPv(house: \"Lindenweg 9\", kwp: NaN)]),",
            "NaN",
            &["kwp (PV peak power in kW) must be a finite number"],
        ),
        (
            "(text: \"a\", show_me: [AddBattery(house: \"Lindenweg 9\", capacity_kwh: 10, power_kw: 5, efficiency: 2)]),",
            "2)",
            &["efficiency (one-way, 0.5 to 1) is 2, outside"],
        ),
        (
            "(text: \"a\", show_me: [SetClouds(Some(9))]),",
            "9",
            &["cloud_oktas", "is 9, outside"],
        ),
        (
            "(text: \"a\", show_me: [SaveAs(\"/tmp/evil.scenario.ron\")]),",
            "/tmp/evil",
            &[
                "a lesson or a tour writes only inside scenes/my/; \"/tmp/evil.scenario.ron\" is outside it",
            ],
        ),
        (
            "(text: \"a\", show_me: [Screenshot(\"scenes/my/../../x.png\")]),",
            "scenes/my/../",
            &["writes only inside scenes/my/"],
        ),
    ];
    for (step, at, words) in cases {
        std::fs::write(
            &lesson,
            format!("Lesson(\n    title: \"Numbers\",\n    scenario: \"{scenario}\",\n    steps: [\n        {step}\n    ],\n)\n"),
        )
        .expect("write");
        let e = PreparedLesson::load(&lesson).expect_err(step);
        let e = e[0].to_string();
        let col = 9 + step.find(at).expect("marker");
        let end = col + at.len();
        let (line, column) = {
            let mut parts = e.split(':').skip(1);
            (
                parts.next().and_then(|l| l.parse::<usize>().ok()),
                parts.next().and_then(|c| c.parse::<usize>().ok()),
            )
        };
        assert_eq!(line, Some(5), "{step}: {e}");
        let column = column.expect("a column");
        assert!(
            (col..=end).contains(&column),
            "{step}: column {column} is not at {at} ({col} to {end}): {e}"
        );
        for w in words {
            assert!(e.contains(w), "{step}: {e}");
        }
    }
    // Inside the user's folder it loads.
    std::fs::write(
        &lesson,
        format!("Lesson(\n    title: \"Numbers\",\n    scenario: \"{scenario}\",\n    minutes: 5,\n    steps: [\n        (text: \"a\", show_me: [SaveAs(\"scenes/my/mine.scenario.ron\"), SetSpeed(600)]),\n    ],\n)\n"),
    )
    .expect("write");
    PreparedLesson::load(&lesson).expect("writes inside scenes/my");

    // A tour's camera.
    let tour = dir.join("numbers.tour.ron");
    for (camera, words) in [
        (
            "distance_m: NaN",
            "distance_m (the camera's distance in metres) must be a finite number",
        ),
        (
            "pitch_deg: 999",
            "pitch_deg (the camera's angle above the horizon, 1 to 89 degrees) is 999, outside",
        ),
    ] {
        std::fs::write(
            &tour,
            format!("Tour(\n    title: \"Numbers\",\n    scenario: \"{scenario}\",\n    steps: [\n        (after_s: 1, camera: Some((focus: \"the transformer\", {camera}))),\n    ],\n)\n"),
        )
        .expect("write");
        let e = microgrid::app::modes::demo::PreparedTour::load(&tour).expect_err(camera);
        let e = e[0].to_string();
        let written = std::fs::read_to_string(&tour).expect("read");
        crate::common::assert_located(&e, "numbers.tour.ron", &written, camera);
        assert!(e.contains(words), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_shipped_lesson_plays_to_its_end_for_a_student_who_presses_show_me() {
    use microgrid::app::modes::lesson::Until;
    let files = crate::common::content_files("scenes/lessons", ".lesson.ron");
    for file in &files {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let mut app = opened(&format!("scenes/lessons/{name}"));
        let count = app
            .world()
            .resource::<LessonMode>()
            .prepared
            .lesson
            .steps
            .len();
        let mut shown = Vec::new();
        while !app.world().resource::<LessonMode>().finished {
            let step = step_of(&app);
            shown.push(step);
            assert!(
                shown.len() <= 3 * count,
                "{name}: going round in circles: {shown:?}"
            );
            let until = app.world().resource::<LessonMode>().prepared.lesson.steps[step].until;
            // The student reads the step while the clock runs (a few
            // seconds at the lesson's speed)...
            steps(&mut app, 10);
            frame(&mut app);
            if step_of(&app) != step || app.world().resource::<LessonMode>().finished {
                continue;
            }
            // ... and, not knowing what to do, presses "Show me".
            act(&mut app, Action::Lesson(LessonAction::ShowMe));
            frame(&mut app);
            if step_of(&app) != step || app.world().resource::<LessonMode>().finished {
                continue;
            }
            if until == Until::Next {
                act(&mut app, Action::Lesson(LessonAction::Next));
                frame(&mut app);
                assert!(
                    step_of(&app) == step + 1 || app.world().resource::<LessonMode>().finished,
                    "{name}: Next on step {} did nothing",
                    step + 1
                );
                continue;
            }
            // Then waits, while the clock runs: at most two simulated days.
            let moved = |app: &bevy::prelude::App| {
                step_of(app) != step || app.world().resource::<LessonMode>().finished
            };
            let mut minutes = 0;
            while !moved(&app) && minutes < 2 * 24 * 60 {
                steps(&mut app, 10);
                frame(&mut app);
                minutes += 10;
            }
            assert!(
                moved(&app),
                "{name}: step {} waits for {until:?}, which Show me and two days did not bring",
                step + 1
            );
        }
        eprintln!(
            "{name}: steps shown {shown:?}, ended at {}",
            app.world().resource::<microgrid::sim::SimClock>().now()
        );
        assert_eq!(
            shown.iter().max().copied(),
            Some(count - 1),
            "{name}: every step shown: {shown:?}"
        );
    }
}
