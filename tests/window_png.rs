//! The real window under Xvfb with Mesa's software Vulkan (lavapipe): it
//! renders the default scene at noon, saves a PNG and exits, and the PNG is
//! a picture, not a blank frame; and a script edits, saves and takes a
//! screenshot through the window's own action queue.
//!
//! A test binary of its own without the libtest harness (`harness = false`),
//! so that where Xvfb is missing it reports the test as ignored, with the
//! reason, instead of passing it. In CI (`MICROGRID_WINDOW_TEST=1`, set by
//! `.ci/run` after installing Xvfb and lavapipe) it must run. It only starts
//! the `microgrid` binary, so it does not link Bevy.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

/// The tests, by name.
const TESTS: [(&str, fn()); 6] = [
    (
        "the_window_in_german_draws_no_english_from_the_table",
        the_window_in_german,
    ),
    (
        "the_window_renders_the_default_scene_to_a_png",
        render_the_default_scene,
    ),
    (
        "a_script_edits_saves_and_screenshots_in_the_real_window",
        script_in_the_real_window,
    ),
    (
        "every_text_the_window_draws_comes_from_the_language_table",
        every_text_from_the_table,
    ),
    (
        "the_screen_leaves_the_stage_to_the_neighbourhood_at_every_size",
        the_screen_leaves_the_stage,
    ),
    (
        "with_no_display_the_window_and_the_frames_are_drawn_into_an_image",
        drawn_with_no_display,
    ),
];

/// Why the tests cannot run here, if they cannot.
fn missing_tools() -> Option<&'static str> {
    let found = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    (!found).then_some("no xvfb-run here: install xvfb and mesa-vulkan-drivers, or run .ci/run")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in TESTS {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    // Filters as libtest takes them: names (substrings, or the whole name
    // with --exact) and --skip; the values of other flags are not names.
    let (mut filters, mut skips, mut exact) = (Vec::new(), Vec::new(), false);
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--exact" => exact = true,
            "--skip" => skips.extend(rest.next().cloned()),
            "--test-threads" | "--logfile" | "--color" | "--format" | "-Z" | "--shuffle-seed" => {
                rest.next();
            }
            flag if flag.starts_with('-') => {}
            name => filters.push(name.to_owned()),
        }
    }
    let selected = |name: &str| {
        let matches = |f: &String| {
            if exact {
                name == f
            } else {
                name.contains(f.as_str())
            }
        };
        (filters.is_empty() || filters.iter().any(matches))
            && !skips.iter().any(|s| name.contains(s.as_str()))
    };
    let started = Instant::now();
    let chosen: Vec<(&str, fn())> = TESTS.into_iter().filter(|(n, _)| selected(n)).collect();
    let filtered = TESTS.len() - chosen.len();
    println!(
        "\nrunning {} test{}",
        chosen.len(),
        if chosen.len() == 1 { "" } else { "s" }
    );
    let required = std::env::var("MICROGRID_WINDOW_TEST").is_ok_and(|v| v == "1");
    let (mut passed, mut failed, mut ignored) = (0, 0, 0);
    for (name, test) in chosen {
        if let Some(why) = missing_tools() {
            if required {
                println!("test {name} ... FAILED\n\nMICROGRID_WINDOW_TEST=1 but {why}");
                failed += 1;
            } else {
                println!("test {name} ... ignored, {why}");
                ignored += 1;
            }
            continue;
        }
        if std::panic::catch_unwind(test).is_ok() {
            println!("test {name} ... ok");
            passed += 1;
        } else {
            println!("test {name} ... FAILED");
            failed += 1;
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed; {ignored} ignored; 0 measured; {filtered} filtered out; finished in {:.2}s\n",
        if failed == 0 { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}

/// The issue's script in the real window: two edits, an undo, a refused
/// edit, Save as, a screenshot, Quit; the saved file has the first edit and
/// not the undone one, the PNG is a picture.
fn script_in_the_real_window() {
    let dir = std::env::temp_dir().join(format!("microgrid-script-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let saved = dir.join("plus.scenario.ron");
    let png = dir.join("plus.png");
    let script = dir.join("plus.script.ron");
    std::fs::write(
        &script,
        format!(
            r#"Script(steps: [
    (after_s: 1.0, action: AddPv(house: "Lindenweg 9", kwp: 6.5, tilt_deg: 35.0, azimuth_deg: 180.0)),
    (after_s: 0.5, action: AddBattery(house: "Birkenallee 2", capacity_kwh: 11.0, power_kw: 5.0)),
    (after_s: 0.5, action: Undo),
    (after_s: 0.5, action: AddPv(house: "Nowhere", kwp: 1.0)),
    (after_s: 0.5, action: SaveAs({saved:?})),
    (after_s: 0.5, action: Screenshot({png:?})),
    (after_s: 2.0, action: Quit),
])
"#
        ),
    )
    .expect("script written");
    let out = open_the_default(&["--script".as_ref(), script.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("refused: Could not add 1 kWp PV to Nowhere: there is no house"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&saved).expect("the script saved the scenario");
    let house = house_text(&text, "Lindenweg 9");
    assert!(house.contains("kwp: 6.5"), "{house}");
    let house = house_text(&text, "Birkenallee 2");
    assert!(
        !house.contains("capacity_kwh: 11.0"),
        "the undone battery was saved: {house}"
    );
    let image = image::open(&png)
        .expect("the script's screenshot")
        .to_rgb8();
    assert_eq!(image.dimensions(), (1280, 720));
    check_not_blank(&image, &png);
    std::fs::remove_dir_all(&dir).ok();
}

/// The window in the pseudo language (`--lang xx`: every table text in
/// `⟦ ⟧`, every content text in `⟪ ⟫`, decimal commas), through the main
/// view, the help, build mode, the list of challenges, a challenge's
/// briefing and design, a lesson, and the demo's attract loop: every text
/// egui drew (`--dump-texts`) is in brackets but for numbers, times, unit
/// symbols and names from the scenario files, and no number outside a
/// content text has a decimal point.
fn every_text_from_the_table() {
    only_names_from_the_scene_files_may_be_drawn_as_they_are();
    let dir = std::env::temp_dir().join(format!("microgrid-texts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sandbox = dir.join("sandbox.txt");
    let script = dir.join("tour.script.ron");
    std::fs::write(
        &script,
        r#"Script(steps: [
    (after_s: 2.0, action: Show(Charts)),
    (after_s: 1.0, action: Show(Key)),
    (after_s: 1.0, action: SetPresenter(true)),
    (after_s: 2.0, action: SetPresenter(false)),
    (after_s: 2.0, action: Show(Help)),
    (after_s: 2.0, action: Show(Build)),
    (after_s: 1.0, action: ToggleOutage),
    (after_s: 2.0, action: Show(Challenges)),
    (after_s: 2.0, action: OpenChallenge("scenes/challenges/02-keep-the-lights-on.challenge.ron")),
    (after_s: 2.0, action: BeginChallenge),
    (after_s: 2.0, action: OpenLesson("scenes/lessons/03-storage-runs-out.lesson.ron")),
    (after_s: 2.0, action: NextStep),
    (after_s: 2.0, action: Quit),
])
"#,
    )
    .expect("script written");
    let out = open_the_default(&[
        "--lang".as_ref(),
        "xx".as_ref(),
        "--at".as_ref(),
        "2025-06-21 18:00".as_ref(),
        "--dump-texts".as_ref(),
        sandbox.as_os_str(),
        "--script".as_ref(),
        script.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let demo = dir.join("demo.txt");
    let png = dir.join("demo.png");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_microgrid"))
        .args(["demo", "--windowed", "--size", "1280x720", "--lang", "xx"])
        .arg("--dump-texts")
        .arg(&demo)
        .arg("--screenshot")
        .arg(&png)
        .args(["--after", "12"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("xvfb-run runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = content_names();
    let mut bypassed = Vec::new();
    let mut counted = 0;
    for file in [&sandbox, &demo] {
        let text = std::fs::read_to_string(file).expect("the window wrote its texts");
        for line in text.lines() {
            counted += 1;
            if let Some(why) = bypasses_the_table(line, &names) {
                bypassed.push(format!("{}: {line:?}: {why}", file.display()));
            }
        }
    }
    // The dumps saw the panels (not an empty window).
    assert!(counted > 150, "only {counted} texts drawn");
    assert!(bypassed.is_empty(), "{}", bypassed.join("\n"));
    std::fs::remove_dir_all(&dir).ok();
}

/// The window in German end to end, through the same views as the pseudo
/// language's test and a challenge run to its results: no drawn text holds
/// a piece of an English table text (12 characters or more between its
/// places) that its German text does not have too.
fn the_window_in_german() {
    let dir = std::env::temp_dir().join(format!("microgrid-german-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let dump = dir.join("de.txt");
    let script = dir.join("de.script.ron");
    std::fs::write(
        &script,
        r#"Script(steps: [
    (after_s: 2.0, action: Show(Charts)),
    (after_s: 1.0, action: Show(Key)),
    (after_s: 2.0, action: Show(Help)),
    (after_s: 2.0, action: Show(Build)),
    (after_s: 1.0, action: ToggleOutage),
    (after_s: 2.0, action: Show(Challenges)),
    (after_s: 2.0, action: OpenChallenge("scenes/challenges/02-keep-the-lights-on.challenge.ron")),
    (after_s: 2.0, action: BeginChallenge),
    (after_s: 1.0, action: AddBattery(house: "Sonnenweg 2", capacity_kwh: 8.0, power_kw: 5.0)),
    (after_s: 1.0, action: RunChallenge),
    (after_s: 25.0, action: OpenLesson("scenes/lessons/03-storage-runs-out.lesson.ron")),
    (after_s: 2.0, action: NextStep),
    (after_s: 2.0, action: Quit),
])
"#,
    )
    .expect("script written");
    // The challenge's stars go to this test's folder, not the user's.
    let out = open_the_default_with(
        &[
            "--lang".as_ref(),
            "de".as_ref(),
            "--speed".as_ref(),
            "3600".as_ref(),
            "--dump-texts".as_ref(),
            dump.as_os_str(),
            "--script".as_ref(),
            script.as_os_str(),
        ],
        &[("XDG_DATA_HOME", dir.as_os_str())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let en = microgrid::lang::parse_table(&microgrid::lang::EN_FILES).expect("English");
    let de = microgrid::lang::parse_table(&microgrid::lang::DE_FILES).expect("German");
    // The pieces of English that only English has.
    let mut english: Vec<(String, String)> = Vec::new();
    for (key, text) in &en {
        let german = de.get(key).map(String::as_str).unwrap_or("");
        for piece in text.split(['{', '}']).step_by(2) {
            let piece = piece.trim();
            if piece.chars().count() >= 12 && !german.contains(piece) {
                english.push((key.clone(), piece.to_owned()));
            }
        }
    }
    assert!(english.len() > 500, "only {} English pieces", english.len());
    let drawn = std::fs::read_to_string(&dump).expect("the window wrote its texts");
    let lines: Vec<&str> = drawn.lines().collect();
    assert!(lines.len() > 150, "only {} texts drawn", lines.len());
    let mut found = Vec::new();
    for line in &lines {
        for (key, piece) in &english {
            if line.contains(piece.as_str()) {
                found.push(format!("{line:?} has {key}'s English {piece:?}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    // And it is German: the challenge's results were drawn in it.
    let title = de.get("challenge.results_title").expect("a results title");
    let results = title.rsplit('}').next().expect("after the title").trim();
    assert!(
        lines.iter().any(|l| l.contains(results)),
        "no {results:?} among the texts"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Words the window may draw as they are: the names in the shipped scenario,
/// challenge, lesson and tour files (only names: of houses, buses, cables
/// and their types, turbines, places looked at; not titles, captions or
/// other English a file may hold), and unit symbols.
fn content_names() -> std::collections::BTreeSet<String> {
    let mut words: std::collections::BTreeSet<String> = [
        "kW", "kWh", "kWp", "MW", "MWh", "EUR", "ct", "Hz", "pu", "kV", "m/s", "W/m2", "km", "min",
        "mm", "kVA", "MVA", "NAYY", "SE", "A",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut files = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ron") {
                files.push(p);
            }
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        words.extend(names_in(&text).iter().flat_map(|n| letter_words(n)));
        if let Some(name) = f.file_name() {
            words.extend(letter_words(&name.to_string_lossy()));
        }
    }
    words
}

/// The quoted strings of a RON file that are names: the value of a field
/// that names something, or a map's key (a cable or transformer type).
fn names_in(text: &str) -> Vec<String> {
    const NAMING: [&str; 13] = [
        "name",
        "bus",
        "from",
        "to",
        "cable",
        "model",
        "transformer",
        "focus",
        "house",
        "street_cable",
        "service_cable",
        "feeder",
        "LookAt",
    ];
    let parts: Vec<&str> = text.split('"').collect();
    let mut out = Vec::new();
    for i in (1..parts.len()).step_by(2) {
        let before = parts[i - 1].trim_end();
        let before = before.strip_suffix("Some(").unwrap_or(before).trim_end();
        let before = before.strip_suffix('(').unwrap_or(before).trim_end();
        let field = before
            .strip_suffix(':')
            .unwrap_or(before)
            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        // A type's name keys its data; a language's code keys a text.
        let map_key = parts.get(i + 1).is_some_and(|after| {
            after
                .trim_start()
                .strip_prefix(':')
                .is_some_and(|v| v.trim_start().starts_with('('))
        });
        if NAMING.contains(&field) && (before.ends_with(':') || field == "LookAt") || map_key {
            out.push(parts[i].to_owned());
        }
    }
    out
}

/// The runs of two or more letters in `s`.
fn letter_words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_owned)
        .collect()
}

/// [`names_in`] takes names and nothing else (checked first by
/// [`every_text_from_the_table`]).
fn only_names_from_the_scene_files_may_be_drawn_as_they_are() {
    let text = r#"houses: [(name: "Lindenweg 2", bus: "L2", pv: (kwp: 4.0))],
    title: {"en": "Keep the lights on", "de": "Licht an"},
    cable_types: {"NAYY 4x150 SE": (r_ohm_per_km: 0.2)},
    camera: Some((focus: "the transformer", distance_m: 60.0)),
    caption: Some("The grid fails!"),"#;
    assert_eq!(
        names_in(text),
        ["Lindenweg 2", "L2", "NAYY 4x150 SE", "the transformer"]
    );
}

/// Why a drawn text bypassed the table, if it did.
fn bypasses_the_table(line: &str, names: &std::collections::BTreeSet<String>) -> Option<String> {
    // Outside every bracket: what the table did not give.
    let mut outside = String::new();
    // Outside content texts: where a number must have a decimal comma.
    let mut not_content = String::new();
    let (mut table, mut content) = (0usize, 0usize);
    for c in line.chars() {
        match c {
            '⟦' => table += 1,
            '⟧' => table = table.saturating_sub(1),
            '⟪' => content += 1,
            '⟫' => content = content.saturating_sub(1),
            _ => {
                if table == 0 && content == 0 {
                    outside.push(c);
                }
                if content == 0 {
                    not_content.push(c);
                }
            }
        }
        if content == 0 && matches!(c, '⟪' | '⟫') {
            not_content.push(' ');
        }
    }
    // A file's path (the Save as field, the scenario's file) is the user's.
    let outside: String = outside
        .split_whitespace()
        .filter(|t| !(t.contains('/') || t.ends_with(".ron")))
        .collect::<Vec<_>>()
        .join(" ");
    let stray: Vec<String> = letter_words(&outside)
        .into_iter()
        .filter(|w| !names.contains(w))
        .collect();
    if !stray.is_empty() {
        return Some(format!("words outside the table: {stray:?}"));
    }
    let chars: Vec<char> = not_content.chars().collect();
    let point = chars
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == '.' && w[2].is_ascii_digit());
    point.then(|| "a decimal point: a number not written the language's way".to_owned())
}

/// `microgrid open` on the default at 1280x720 under Xvfb, with `extra` arguments.
fn open_the_default(extra: &[&std::ffi::OsStr]) -> std::process::Output {
    open_the_default_with(extra, &[])
}

/// [`open_the_default`] with these environment variables set.
fn open_the_default_with(
    extra: &[&std::ffi::OsStr],
    env: &[(&str, &std::ffi::OsStr)],
) -> std::process::Output {
    Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_microgrid"))
        .args(["open", "scenes/default.scenario.ron", "--size", "1280x720"])
        .args(extra)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("xvfb-run runs")
}

/// A saved scenario's text from house `name` to the next name.
fn house_text<'a>(text: &'a str, name: &str) -> &'a str {
    let from = text
        .split(&format!("name: \"{name}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("{name} was not saved"));
    &from[..from.find("name: ").unwrap_or(from.len())]
}

fn render_the_default_scene() {
    let dir = std::env::temp_dir().join(format!("microgrid-shot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let png = dir.join("default.png");
    let out = open_the_default(&[
        "--after".as_ref(),
        "2".as_ref(),
        "--at".as_ref(),
        "2025-06-21 12:00".as_ref(),
        "--screenshot".as_ref(),
        png.as_os_str(),
    ]);
    screenshot_of(&out, &png, (1280, 720));
    std::fs::remove_dir_all(&dir).ok();
}

/// The PNG a timed screenshot run saved, once the run is seen to have
/// succeeded and printed its frame figures: `size` pixels and a picture.
fn screenshot_of(out: &std::process::Output, png: &Path, size: (u32, u32)) -> image::RgbImage {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("mean frame"), "{stdout}");
    let image = image::open(png).expect("a PNG was written").to_rgb8();
    assert_eq!(image.dimensions(), size);
    check_not_blank(&image, png);
    image
}

/// `open --offscreen` and `frames --offscreen` with no display at all (no
/// Xvfb, DISPLAY and WAYLAND_DISPLAY unset): the screenshot is the whole
/// window, the 3D view under the panels, at the size asked for; `frames`
/// times every case.
fn drawn_with_no_display() {
    let dir = std::env::temp_dir().join(format!("microgrid-offscreen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let png = dir.join("offscreen.png");
    // A frame that never comes would hang the suite: 5 minutes at most.
    let no_display = |args: &[&std::ffi::OsStr]| {
        Command::new("timeout")
            .arg("300")
            .arg(env!("CARGO_BIN_EXE_microgrid"))
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("microgrid runs")
    };
    let out = no_display(&[
        "open".as_ref(),
        "scenes/default.scenario.ron".as_ref(),
        "--offscreen".as_ref(),
        "--size".as_ref(),
        "1024x768".as_ref(),
        "--at".as_ref(),
        "2025-06-21 12:00".as_ref(),
        "--after".as_ref(),
        "3".as_ref(),
        "--screenshot".as_ref(),
        png.as_os_str(),
    ]);
    let image = screenshot_of(&out, &png, (1024, 768));
    // egui's layer is in it: the top bar is dark across the window, over
    // a 3D view that is daylight green.
    let mean_luma = |rows: std::ops::Range<u32>| {
        let px: Vec<f64> = rows
            .flat_map(|y| (0..1024).map(move |x| (x, y)))
            .map(|(x, y)| {
                let p = image.get_pixel(x, y);
                0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])
            })
            .collect();
        px.iter().sum::<f64>() / px.len() as f64
    };
    let (bar, view) = (mean_luma(2..12), mean_luma(300..400));
    assert!(
        bar < 60.0 && view > bar + 60.0,
        "{}: top bar {bar:.0}, view {view:.0}: no panels over the view?",
        png.display()
    );
    // Every case of `frames` is timed, the bare scene's too.
    let out = no_display(&[
        "frames".as_ref(),
        "scenes/default.scenario.ron".as_ref(),
        "--offscreen".as_ref(),
        "--size".as_ref(),
        "640x360".as_ref(),
        "--seconds".as_ref(),
        "2.5".as_ref(),
        "--rounds".as_ref(),
        "1".as_ref(),
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{table}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let timed = table
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(" ms | ") && l.ends_with("x |"))
        .count();
    assert_eq!(timed, 5, "{table}");
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

/// The layout cases each window size is tried in, in the order the script
/// reaches them (each adds to the one before), and the least share of the
/// window the free 3D view keeps in each.
const LAYOUT_CASES: [(&str, &[&str], f64, f64); 7] = [
    ("default", &[], 2.0, 0.75),
    ("ui150", &["SetUiSize(150)"], 2.0, 0.50),
    ("german", &["SetUiSize(100)", "SetLanguage(De)"], 2.0, 0.75),
    // Once the last screenshot's note (a toast for 4 s after the PNG is
    // written, which takes seconds at 4K) has gone.
    ("presenter", &["SetPresenter(true)"], 9.0, 0.90),
    ("drawer", &["Show(Charts)"], 2.0, 0.0),
    ("key", &["Show(Key)"], 2.0, 0.0),
    // Seconds on, running, with a note in the strip: nothing has grown.
    ("settled", &["SetPresenter(false)", "Run"], 6.0, 0.0),
];

/// The panels' zoom in a case: 150 %, or presenter mode's larger type.
fn case_scale(case: &str) -> f64 {
    match case {
        "ui150" => 1.5,
        "presenter" | "drawer" | "key" => 24.0 / 18.0,
        // The drawer and the key are open, in German.
        _ => 1.0,
    }
}

/// The window at 1024x768, 1280x720, 1920x1080 and 3840x2160, through the
/// cases above, each with its layout report (`--layout-report`): every
/// text and button inside the window, no two buttons overlapping, no text
/// under 14 px and body text at 18 px or more at 100 %, the top bar in one
/// row no taller than 56 px at 100 % (readings on one line each), and the
/// free 3D view at least the case's share of the window (90 % in presenter
/// mode with the drawer shut).
fn the_screen_leaves_the_stage() {
    let dir = std::env::temp_dir().join(format!("microgrid-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut failures = Vec::new();
    for (w, h) in [(1024, 768), (1280, 720), (1920, 1080), (3840, 2160)] {
        let shot = |case: &str| dir.join(format!("{w}x{h}-{case}.png"));
        let mut steps = String::new();
        for (case, actions, wait_s, _) in LAYOUT_CASES {
            for action in actions {
                steps += &format!("    (after_s: 0.5, action: {action}),\n");
            }
            steps += &format!(
                "    (after_s: {wait_s:.1}, action: Screenshot({:?})),\n",
                shot(case)
            );
        }
        let script = dir.join(format!("{w}x{h}.script.ron"));
        std::fs::write(
            &script,
            format!("Script(steps: [\n{steps}    (after_s: 3.0, action: Quit),\n])\n"),
        )
        .expect("script written");
        let size = format!("{w}x{h}");
        let out = Command::new("xvfb-run")
            .args(["-a", "-s", &format!("-screen 0 {w}x{h}x24")])
            .arg(env!("CARGO_BIN_EXE_microgrid"))
            .args(["open", "scenes/default.scenario.ron", "--size", &size])
            // In the evening, running: the street buys, so the bill's
            // longest words ("now paying ... EUR/h") are on screen.
            .args([
                "--graphics",
                "low",
                "--at",
                "2025-06-21 20:30",
                "--layout-report",
            ])
            .arg(dir.join("unused.json"))
            .arg("--script")
            .arg(&script)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("xvfb-run runs");
        assert!(
            out.status.success(),
            "{size}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (case, _, _, least_share) in LAYOUT_CASES {
            let report = shot(case).with_extension("layout.json");
            let text = std::fs::read_to_string(&report)
                .unwrap_or_else(|e| panic!("{}: {e}", report.display()));
            let json: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
            // 150 % keeps half the window for the view from 1280x720 up (the
            // issue's bar); on 1024x768, 683 points wide, two rows of bar and
            // two of readouts leave it 49.6 %.
            let least_share = if case == "ui150" && w < 1280 {
                0.45
            } else {
                least_share
            };
            failures.extend(
                layout_failures(&json, (w, h), case_scale(case), least_share)
                    .into_iter()
                    .map(|f| format!("{size} {case}: {f}")),
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A rectangle [x, y, w, h] from a report.
fn rect_of(v: &serde_json::Value) -> [f64; 4] {
    let a = v.as_array().expect("a rectangle");
    std::array::from_fn(|i| a[i].as_f64().expect("a number"))
}

/// What is wrong with one layout report of a `window`-sized window whose
/// panels are at `scale` (1.5 for 150 %).
fn layout_failures(
    json: &serde_json::Value,
    window: (u32, u32),
    scale: f64,
    least_share: f64,
) -> Vec<String> {
    let mut out = Vec::new();
    let (ww, wh) = (f64::from(window.0), f64::from(window.1));
    let inside = |r: [f64; 4]| {
        r[0] >= -1.0 && r[1] >= -1.0 && r[0] + r[2] <= ww + 1.0 && r[1] + r[3] <= wh + 1.0
    };
    // Type grows with the window: 18 px body at 1280x720, more on larger ones.
    // ...and never so large that under 800 x 450 points are left.
    let most = (ww / 800.0).min(wh / 450.0).max(1.0);
    let zoom = ((ww / 1280.0).min(wh / 720.0).clamp(1.0, 4.0) * scale).min(most);
    let texts = json["texts"].as_array().expect("texts");
    let mut sizes = Vec::new();
    let view = rect_of(&json["view3d"]);
    for t in texts {
        let (text, r) = (t["text"].as_str().unwrap_or(""), rect_of(&t["rect"]));
        let size = t["size_px"].as_f64().expect("size");
        sizes.push(size);
        if !inside(r) {
            out.push(format!("text {text:?} at {r:?} is outside the window"));
        }
        if size < 14.0 * zoom - 0.5 {
            out.push(format!("text {text:?} is {size} px, under {}", 14.0 * zoom));
        }
        // Above the 3D view: the top bar's readings stay on one line.
        if r[1] + r[3] <= view[1] + 1.0 && t["lines"].as_u64() != Some(1) {
            out.push(format!("{text:?} in the top bar broke over lines"));
        }
    }
    sizes.sort_by(f64::total_cmp);
    let median = sizes.get(sizes.len() / 2).copied().unwrap_or(0.0);
    if median < 18.0 * zoom - 0.5 {
        out.push(format!("body text is {median} px, under {}", 18.0 * zoom));
    }
    let widgets: Vec<(String, [f64; 4])> = json["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .map(|w| {
            (
                w["label"].as_str().unwrap_or("").to_owned(),
                rect_of(&w["rect"]),
            )
        })
        .collect();
    for (i, (a, ra)) in widgets.iter().enumerate() {
        if !inside(*ra) {
            out.push(format!("button {a:?} at {ra:?} is outside the window"));
        }
        for (b, rb) in &widgets[i + 1..] {
            let dx = (ra[0] + ra[2]).min(rb[0] + rb[2]) - ra[0].max(rb[0]);
            let dy = (ra[1] + ra[3]).min(rb[1] + rb[3]) - ra[1].max(rb[1]);
            let contains = |p: [f64; 4], q: [f64; 4]| {
                p[0] <= q[0] + 0.5
                    && p[1] <= q[1] + 0.5
                    && p[0] + p[2] >= q[0] + q[2] - 0.5
                    && p[1] + p[3] >= q[1] + q[3] - 0.5
            };
            // A scroll area or a window holds its buttons: that is not an overlap.
            if dx > 1.0 && dy > 1.0 && !contains(*ra, *rb) && !contains(*rb, *ra) {
                out.push(format!("buttons {a:?} {ra:?} and {b:?} {rb:?} overlap"));
            }
        }
    }
    if scale != 1.5 && view[1] > 56.0 * zoom + 0.5 {
        out.push(format!("the top bar is {} px tall", view[1]));
    }
    // The docked bars and the drawer leave the 3D view most of the height
    // and half the width, whatever is open.
    if scale != 1.5 && (view[3] < 0.6 * wh || view[2] < 0.5 * ww) {
        out.push(format!("the 3D view shrank to {view:?}"));
    }
    let share = json["view3d_free_share"].as_f64().expect("share");
    if share < least_share {
        out.push(format!(
            "the free 3D view is {:.0} % of the window",
            share * 100.0
        ));
    }
    out
}
