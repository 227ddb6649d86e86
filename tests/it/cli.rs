//! The `microgrid` binary as a user runs it.

use std::process::Command;

use crate::common::{microgrid, repo, text};
use microgrid::report::PandapowerCase;

#[test]
fn check_summarises_every_shipped_scenario() {
    let out = microgrid(&[
        "check",
        "scenes/default.scenario.ron",
        "scenes/kerber-dorfnetz.scenario.ron",
        "scenes/town-1000.scenario.ron",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(stdout.contains("Lindenhof: 24 houses"), "{stdout}");
    assert!(stdout.contains("57 houses, 116 buses"), "{stdout}");
    assert!(stdout.contains("1000 houses, 2002 buses"), "{stdout}");
    for word in ["kWp PV", "kW wind", "kWh storage", "EVs"] {
        assert!(stdout.contains(word), "{stdout}");
    }
}

#[test]
fn check_rejects_a_broken_file_with_status_2_and_a_location() {
    let dir = std::env::temp_dir().join(format!("microgrid-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.scenario.ron");
    let written = crate::common::SMALL.replace("kwp: 6.0", "kwp: -6.0");
    std::fs::write(&bad, &written).expect("write");
    let out = microgrid(&["check", bad.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    crate::common::assert_located(&stderr, &bad.display().to_string(), &written, "kwp: -6.0");
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn powerflow_prints_a_table_and_json_that_pandapower_solves_alike() {
    let out = microgrid(&[
        "powerflow",
        "scenes/kerber-dorfnetz.scenario.ron",
        "--at",
        "2025-01-15 19:00",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("grid (PCC) importing") && table.contains("Branch 3"),
        "{table}"
    );

    let out = microgrid(&[
        "powerflow",
        "scenes/default.scenario.ron",
        "--at",
        "2025-06-21 13:00",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let case: PandapowerCase = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert!(case.converged);
    assert_eq!(case.time, "2025-06-21 13:00");
    assert_eq!(case.res_bus.len(), case.bus.len());
    assert_eq!(case.load.len(), 24);
    assert!(
        case.res_ext_grid[0].p_mw < 0.0,
        "a sunny midsummer noon exports"
    );
    // pandapower solved this very case (tools/make_fixtures.sh): the same
    // loads in, the same voltages out.
    let pp = crate::common::fixture("default_midday.json");
    assert_eq!(case.load.len(), pp.load.len());
    for (mine, theirs) in case.load.iter().zip(&pp.load) {
        assert!((mine.p_mw - theirs.p_mw).abs() < 1e-12, "{}", theirs.name);
    }
    let worst = case
        .res_bus
        .iter()
        .zip(&pp.res_bus)
        .map(|(a, b)| (a.vm_pu - b.vm_pu).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-4,
        "voltages differ from pandapower's by {worst} pu"
    );
}

#[test]
fn bad_arguments_get_clear_errors() {
    let out = microgrid(&[
        "powerflow",
        "scenes/default.scenario.ron",
        "--at",
        "tomorrow",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("YYYY-MM-DD HH:MM"),
        "{}",
        text(&out.stderr)
    );
    let out = microgrid(&["powerflow", "scenes/missing.scenario.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not exist"));
}

#[test]
fn open_refuses_bad_arguments_before_opening_a_window() {
    let cases: [(&[&str], &str); 5] = [
        (&["open", "--screenshot", "shot.jpg"], "must end in .png"),
        (&["open", "--speed", "0"], "not a speed from 1 to 3600"),
        (&["open", "--size", "10x10"], "not a window size"),
        (
            &["open", "--at", "2020-01-01 00:00"],
            "from the scenario's start",
        ),
        (&["open", "scenes/missing.scenario.ron"], "does not exist"),
    ];
    for (args, expected) in cases {
        let out = microgrid(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(expected),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn bench_prints_its_table_for_a_file() {
    let out = microgrid(&[
        "bench",
        "scenes/kerber-dorfnetz.scenario.ron",
        "--solves",
        "5",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let header: Vec<&str> = stdout
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "houses",
            "buses",
            "loops",
            "solve_us",
            "iterations",
            "per_phase_us",
            "phase_iter",
            "ratio"
        ]
    );
    let row: Vec<&str> = stdout
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(&row[..3], ["57", "116", "0"]);
    assert!(row[3].parse::<f64>().is_ok_and(|us| us > 0.0));
    // The same instant per phase, and how many times the balanced solve's.
    assert!(row[5].parse::<f64>().is_ok_and(|us| us > 0.0), "{row:?}");
    assert!(row[6].parse::<usize>().is_ok_and(|n| n > 0), "{row:?}");
    assert!(row[7].parse::<f64>().is_ok_and(|r| r > 0.0), "{row:?}");
}

#[test]
fn run_writes_its_csv_atomically_and_prints_a_summary() {
    let dir = std::env::temp_dir().join(format!("microgrid-cli-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let csv = dir.join("day.csv");
    let houses = dir.join("houses.csv");
    let out = microgrid(&[
        "run",
        "scenes/default.scenario.ron",
        "--days",
        "1",
        "--step",
        "5min",
        "--csv",
        csv.to_str().expect("utf-8"),
        "--per-house",
        houses.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for word in [
        "self-sufficiency",
        "imported",
        "exported",
        "peak import",
        "losses",
        "voltage",
        "transformer up to",
    ] {
        assert!(stdout.contains(word), "summary lacks {word}: {stdout}");
    }
    // Piped, so no progress bar.
    assert!(!text(&out.stderr).contains('%'), "{}", text(&out.stderr));
    let rows = std::fs::read_to_string(&csv).expect("written");
    assert_eq!(rows.lines().count(), 1 + 288);
    let per_house = std::fs::read_to_string(&houses).expect("written");
    assert_eq!(per_house.lines().count(), 1 + 96 * 24);
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    // A bad step is refused before anything is written.
    let out = microgrid(&[
        "run",
        "scenes/default.scenario.ron",
        "--step",
        "5 parsecs",
        "--csv",
        csv.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown unit"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&csv).expect("still there"),
        rows,
        "the earlier file is untouched"
    );
    let out = microgrid(&[
        "run",
        "scenes/default.scenario.ron",
        "--until",
        "2020-01-01 00:00",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not after the scenario's start"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn until_far_ahead_is_refused_with_the_limit() {
    let out = microgrid(&[
        "run",
        "scenes/default.scenario.ron",
        "--until",
        "9999-01-01 00:00",
        "--csv",
        "never.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--until") && stderr.contains("3660 days"),
        "{stderr}"
    );
    assert!(!repo("never.csv").exists());
}

#[test]
fn a_run_stopped_by_a_signal_leaves_no_temporary_file() {
    let dir = std::env::temp_dir().join(format!("microgrid-signal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for signal in ["-TERM", "-INT"] {
        let csv = dir.join("year.csv");
        let child = Command::new(env!("CARGO_BIN_EXE_microgrid"))
            .args([
                "run",
                "scenes/default.scenario.ron",
                "--days",
                "365",
                "--csv",
            ])
            .arg(&csv)
            .current_dir(repo(""))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("starts");
        let temporary = |dir: &std::path::Path| {
            std::fs::read_dir(dir)
                .expect("readable")
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .count()
        };
        // Wait (boundedly) until the run is writing.
        let mut waited = 0;
        while temporary(&dir) == 0 && waited < 3000 {
            std::thread::sleep(std::time::Duration::from_millis(10));
            waited += 1;
        }
        assert_eq!(temporary(&dir), 1, "the run never started writing");
        let killed = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let out = child.wait_with_output().expect("ends");
        // 128 and the signal's number, as a shell reports it.
        let expected = if signal == "-TERM" { 143 } else { 130 };
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{signal}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("interrupted"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(temporary(&dir), 0, "{signal} left a temporary file");
        assert!(!csv.exists(), "{signal} left a partial output");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Temporary files (`.NAME.PID.tmp`) in `dir`.
fn temporary_files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .expect("readable")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count()
}

#[test]
fn a_run_in_a_scripts_background_keeps_ignoring_ctrl_c_and_cleans_up_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    let dir = std::env::temp_dir().join(format!("microgrid-background-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let csv = dir.join("year.csv");
    let said = dir.join("stderr.txt");
    // A script's background job starts with SIGINT and SIGQUIT ignored.
    let script = format!(
        "\"$0\" run scenes/default.scenario.ron --days 365 --csv '{}' 2>'{}' & echo $!; wait $!; echo \"status $?\"",
        csv.display(),
        said.display()
    );
    let mut shell = Command::new("bash")
        .args(["-c", &script, env!("CARGO_BIN_EXE_microgrid")])
        .current_dir(repo(""))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("bash starts");
    let mut lines = BufReader::new(shell.stdout.take().expect("stdout"));
    let mut pid = String::new();
    lines.read_line(&mut pid).expect("the job's pid");
    let pid = pid.trim().to_owned();
    let mut waited = 0;
    while temporary_files_in(&dir) == 0 && waited < 3000 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    }
    assert_eq!(
        temporary_files_in(&dir),
        1,
        "the run is not writing (after {} ms); it said: {}",
        waited * 10,
        std::fs::read_to_string(&said).unwrap_or_default()
    );
    let kill = |signal: &str| {
        Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs")
            .success()
    };
    // Ignored, as the script asked: the run goes on writing.
    assert!(kill("-INT"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        kill("-0"),
        "SIGINT ended a job that started with it ignored"
    );
    assert_eq!(temporary_files_in(&dir), 1);
    assert!(kill("-TERM"));
    let mut rest = String::new();
    lines.read_to_string(&mut rest).expect("the status");
    shell.wait().expect("bash ends");
    assert_eq!(rest.trim(), "status 143");
    assert_eq!(temporary_files_in(&dir), 0, "SIGTERM left a temporary file");
    assert!(!csv.exists(), "SIGTERM left a partial output");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_8_mib_file_of_bad_names_is_answered_with_the_first_twenty() {
    let dir = std::env::temp_dir().join(format!("microgrid-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    // Cables between buses that do not exist, until the file is nearly 8 MiB.
    let mut lines = String::new();
    let mut k = 0;
    while lines.len() < 8 * 1024 * 1024 - 4096 {
        lines.push_str(&format!(
            "                (from: \"Nowhere {k}\", to: \"Elsewhere {k}\", cable: \"NAYY 4x150 SE\", length_m: 10.0),\n"
        ));
        k += 1;
    }
    let body = crate::common::SMALL.replacen(
        "            lines: [\n",
        &format!("            lines: [\n{lines}"),
        1,
    );
    assert!(body.len() > 8 * 1024 * 1024 - 8192 && body.len() < 8 * 1024 * 1024);
    let big = dir.join("big.scenario.ron");
    std::fs::write(&big, &body).expect("write");
    let out = microgrid(&["check", big.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("big.scenario.ron"))
        .collect();
    assert_eq!(errors.len(), 21, "{}", &stderr[..stderr.len().min(3000)]);
    assert!(
        errors[0].contains("\"Nowhere 0\" does not exist"),
        "{}",
        errors[0]
    );
    assert!(
        errors[20].contains(&format!("{} more problems", 2 * k - 20)),
        "{}",
        errors[20]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn powerflow_and_run_put_switches_from_the_command_line() {
    let out = microgrid(&[
        "powerflow",
        "tests/fixtures/default-ring.scenario.ron",
        "--switch",
        "L10:W6=open",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let case: microgrid::report::PandapowerCase =
        serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(case.switch.len(), 1);
    assert!(!case.switch[0].closed);
    assert_eq!(case.res_line[case.switch[0].element].i_ka, 0.0);
    for (bad, says) in [
        ("L10-W6=open", "write it as FROM:TO=open"),
        ("L10:W6=ajar", "\"ajar\" is not a switch position"),
        ("L10:B8=open", "there is no cable between L10 and B8"),
        ("B7:B8=open", "open switch may cut it off"),
    ] {
        let out = microgrid(&[
            "run",
            "tests/fixtures/default-ring.scenario.ron",
            "--days",
            "0.01",
            "--switch",
            bad,
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            text(&out.stderr).contains(says),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn import_writes_a_scenario_that_checks_and_refuses_what_it_cannot_model() {
    let dir = std::env::temp_dir().join(format!("microgrid-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out_file = dir.join("landnetz.scenario.ron");
    let out = microgrid(&[
        "import",
        "tests/fixtures/pandapower/kerber_landnetz_kabel_1.json",
        "-o",
        out_file.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("8 houses, 18 buses"),
        "{}",
        text(&out.stdout)
    );
    let check = microgrid(&["check", out_file.to_str().expect("utf-8")]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    let never = out_file.with_file_name("never.scenario.ron");
    let out = microgrid(&[
        "import",
        "tests/fixtures/pandapower/cigre_lv.json",
        "-o",
        never.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!never.exists(), "a refused import wrote its output");
    assert!(
        text(&out.stderr).contains("3 transformers in service"),
        "{}",
        text(&out.stderr)
    );
    let out = microgrid(&["import", "README.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("this is not JSON"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A scratch folder with a copy of the default scenario and of the
/// Greensboro one with its weather series.
fn scratch_with_scenarios(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("microgrid-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("weather")).expect("dir");
    for f in [
        "default.scenario.ron",
        "greensboro-tmy.scenario.ron",
        "weather/greensboro-june.csv",
    ] {
        std::fs::copy(repo(&format!("scenes/{f}")), dir.join(f)).expect("copy");
    }
    dir
}

/// Runs the binary in `dir`: its status and its stderr.
fn in_dir(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_microgrid"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs");
    (out.status.code(), text(&out.stderr))
}

#[test]
fn no_command_writes_over_a_file_it_reads_or_twice_to_one_file() {
    let dir = scratch_with_scenarios("over-inputs");
    let before = |f: &str| std::fs::read(dir.join(f)).expect("there");
    let scenario = before("default.scenario.ron");
    let series = before("weather/greensboro-june.csv");
    std::fs::create_dir_all(dir.join("start")).expect("dir");
    for f in [
        "01-first-light.challenge.ron",
        "start/sonnenweg.scenario.ron",
    ] {
        std::fs::copy(repo(&format!("scenes/challenges/{f}")), dir.join(f)).expect("copy");
    }
    let start = before("start/sonnenweg.scenario.ron");
    for (args, words) in [
        (
            vec![
                "run",
                "default.scenario.ron",
                "--csv",
                "default.scenario.ron",
            ],
            vec!["--csv default.scenario.ron would write over default.scenario.ron"],
        ),
        (
            vec![
                "run",
                "default.scenario.ron",
                "--events",
                "./default.scenario.ron",
            ],
            vec!["--events", "would write over default.scenario.ron"],
        ),
        (
            vec![
                "run",
                "greensboro-tmy.scenario.ron",
                "--csv",
                "weather/greensboro-june.csv",
            ],
            vec!["would write over", "greensboro-june.csv"],
        ),
        (
            vec![
                "run",
                "default.scenario.ron",
                "--csv",
                "x.csv",
                "--events",
                "./x.csv",
            ],
            vec!["--csv and --events both name ./x.csv"],
        ),
        (
            vec!["run", "default.scenario.ron", "--csv", "/proc/no/x.csv"],
            vec!["--csv /proc/no/x.csv", "does not exist"],
        ),
        (
            vec!["run", "default.scenario.ron", "--csv", "/proc/x.csv"],
            vec!["--csv /proc/x.csv: cannot write"],
        ),
        (
            vec!["run", "default.scenario.ron", "--csv", "weather"],
            vec!["is a folder"],
        ),
        (
            vec![
                "open",
                "default.scenario.ron",
                "--screenshot",
                "default.scenario.ron",
            ],
            vec!["--screenshot", "would write over"],
        ),
        // What the opened file reads is an input too: a scenario's series,
        // a challenge's scenario.
        (
            vec![
                "open",
                "greensboro-tmy.scenario.ron",
                "--screenshot",
                "x.png",
                "--dump-texts",
                "weather/greensboro-june.csv",
            ],
            vec!["--dump-texts", "would write over", "greensboro-june.csv"],
        ),
        (
            vec![
                "open",
                "01-first-light.challenge.ron",
                "--screenshot",
                "x.png",
                "--layout-report",
                "start/sonnenweg.scenario.ron",
            ],
            vec![
                "--layout-report",
                "would write over",
                "sonnenweg.scenario.ron",
            ],
        ),
        // A class's window, over the series its scenario reads.
        (
            vec![
                "host",
                "greensboro-tmy.scenario.ron",
                "--screenshot",
                "x.png",
                "--dump-texts",
                "weather/greensboro-june.csv",
            ],
            vec!["--dump-texts", "would write over", "greensboro-june.csv"],
        ),
    ] {
        let (code, stderr) = in_dir(&dir, &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        for w in words {
            assert!(stderr.contains(w), "{args:?}: {stderr}");
        }
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
    }
    assert_eq!(before("default.scenario.ron"), scenario);
    assert_eq!(before("weather/greensboro-june.csv"), series);
    assert_eq!(before("start/sonnenweg.scenario.ron"), start);
    assert!(!dir.join("x.csv").exists());
    assert!(!dir.join("x.png").exists());

    // import: not over the pandapower file it reads.
    std::fs::copy(
        repo("tests/fixtures/kerber_dorfnetz.json"),
        dir.join("k.json"),
    )
    .expect("copy");
    let json = before("k.json");
    let (code, stderr) = in_dir(&dir, &["import", "k.json", "-o", "k.json"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--output k.json would write over k.json"),
        "{stderr}"
    );
    assert_eq!(before("k.json"), json);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn devices_pipes_and_links_to_them_are_refused_at_once() {
    let dir = scratch_with_scenarios("not-files");
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.challenge.ron")).expect("link");
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.scenario.ron"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for (args, words) in [
        (
            vec!["check", "/dev/zero"],
            "/dev/zero: this is a device, not a file",
        ),
        (
            vec!["challenge", "zero.challenge.ron"],
            "zero.challenge.ron: this is a device, not a file",
        ),
        (
            vec!["check", "pipe.scenario.ron"],
            "pipe.scenario.ron: this is a named pipe, not a file",
        ),
        (vec!["run", "pipe.scenario.ron"], "this is a named pipe"),
        (vec!["import", "/dev/zero"], "this is a device"),
    ] {
        // A pipe would wait for a writer forever: the test would hang, not fail,
        // so a watchdog kills it after 20 s. Told when it ended, the watchdog
        // stands down (a late kill could hit a process that took its number).
        let child = Command::new(env!("CARGO_BIN_EXE_microgrid"))
            .args(&args)
            .current_dir(&dir)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        let id = child.id();
        let (ended, stand_down) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stand_down.recv_timeout(std::time::Duration::from_secs(20))
            {
                let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            }
        });
        let out = child.wait_with_output().expect("ends");
        let _ = ended.send(());
        watchdog.join().expect("the watchdog");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn smaller_findings_get_the_right_answer() {
    let dir = scratch_with_scenarios("smaller");
    // A UTF-8 byte-order mark (Windows Notepad) reads as the text it shows.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(std::fs::read(dir.join("default.scenario.ron")).expect("read"));
    std::fs::write(dir.join("bom.scenario.ron"), &bom).expect("write");
    let (code, stderr) = in_dir(&dir, &["check", "bom.scenario.ron"]);
    assert_eq!(code, Some(0), "{stderr}");
    // ... and an error after it is located as the editor shows it.
    let broken = String::from_utf8(bom)
        .expect("utf-8")
        .replacen("seed:", "sed:", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("sed:"))
        .expect("there")
        + 1;
    std::fs::write(dir.join("bom-broken.scenario.ron"), broken.as_bytes()).expect("write");
    let (code, stderr) = in_dir(&dir, &["check", "bom-broken.scenario.ron"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "bom-broken.scenario.ron:{line}:5: Unexpected field named `sed`"
        )),
        "{stderr}"
    );

    // An outage or a price spike wholly outside the run would change
    // nothing; a backwards price spike is called a price spike.
    for (option, interval, wanted) in [
        (
            "--outage",
            "2030-01-01 10:00..2030-01-01 12:00",
            "--outage 2030-01-01 10:00..2030-01-01 12:00 is outside the run, which goes from 2025-06-21 06:00 to 2025-06-22 06:00",
        ),
        (
            "--price",
            "2025-06-20 10:00..2025-06-21 06:00=2",
            "--price 2025-06-20 10:00..2025-06-21 06:00 is outside the run",
        ),
        (
            "--price",
            "2025-06-21 12:00..2025-06-21 10:00=1",
            "the price spike \"2025-06-21 12:00..2025-06-21 10:00\" ends before it starts",
        ),
    ] {
        let (code, stderr) = in_dir(&dir, &["run", "default.scenario.ron", option, interval]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(wanted), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_demo_soak_is_a_check_that_passes_on_the_demo() {
    let out = microgrid(&["demo", "--soak", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("3 cycles"), "{stdout}");
    // The same numbers each cycle: the entity column never grows.
    let entities: Vec<usize> = stdout
        .lines()
        .skip(1)
        .take(3)
        .filter_map(|l| l.split_whitespace().nth(2)?.parse().ok())
        .collect();
    assert_eq!(entities.len(), 3, "{stdout}");
    assert!(entities.windows(2).all(|w| w[0] == w[1]), "{stdout}");
}
