//! `microgrid frames`: the window's frame times against the renderer's
//! floor, in one run. Each case is a child process of this program (a
//! window of its own), so that one cannot warm or slow another; each
//! prints its frame line, which is read back here.

use std::path::Path;
use std::process::{Command, ExitCode};

/// One case: its name and the arguments of this program that run it.
struct Case {
    name: &'static str,
    args: Vec<String>,
}

/// The mean frame, ms, from a frame line ("... mean frame 123.4 ms ...").
pub fn mean_frame_ms(output: &str) -> Option<f64> {
    let line = output.lines().find(|l| l.contains("mean frame"))?;
    let after = line.split("mean frame").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}

/// The median of some numbers (none for none).
pub fn median(xs: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Runs the cases in turn, `rounds` times round-robin (a shared machine's
/// speed drifts; each case sees the same drift), and prints the table of
/// each case's median.
pub fn run(
    scenario: &Path,
    size: (u32, u32),
    (seconds, rounds): (f64, u32),
    offscreen: bool,
) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot find this program to run the cases: {e}");
            return ExitCode::FAILURE;
        }
    };
    let size_arg = format!("{}x{}", size.0, size.1);
    let secs = format!("{seconds}");
    let shot = std::env::temp_dir().join(format!("microgrid-frames-{}.png", std::process::id()));
    let mut cases = the_cases(scenario, &size_arg, &secs, &shot);
    if offscreen {
        for case in &mut cases {
            case.args.push("--offscreen".into());
        }
    }
    outln!(
        "{} at {size_arg}, {seconds} s a case (the first second not counted), {rounds} rounds, median{}",
        scenario.display(),
        if offscreen {
            ", drawn into an image (no window)"
        } else {
            ""
        }
    );
    let (means, failures) = run_the_cases(&exe, &cases, rounds);
    let failed = print_the_table(&cases, &means, &failures);
    let _ = std::fs::remove_file(&shot);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The cases: the bare scene three ways, then the sandbox high and low
/// (which saves a screenshot to `shot`).
fn the_cases(scenario: &Path, size_arg: &str, secs: &str, shot: &Path) -> [Case; 5] {
    let bare = |extra: &[&str]| {
        let mut a = vec!["bare-scene".into(), "--size".into(), size_arg.to_owned()];
        a.extend(["--seconds".into(), secs.to_owned()]);
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a
    };
    let ours = |graphics: &str| {
        vec![
            "open".into(),
            scenario.display().to_string(),
            "--size".into(),
            size_arg.to_owned(),
            "--graphics".into(),
            graphics.into(),
            "--screenshot".into(),
            shot.display().to_string(),
            "--after".into(),
            secs.to_owned(),
        ]
    };
    [
        Case {
            name: "bare scene (shadows, MSAA)",
            args: bare(&[]),
        },
        Case {
            name: "bare scene, no MSAA",
            args: bare(&["--no-msaa"]),
        },
        Case {
            name: "bare scene, no shadows or MSAA",
            args: bare(&["--no-msaa", "--no-shadows"]),
        },
        Case {
            name: "sandbox --graphics high",
            args: ours("high"),
        },
        Case {
            name: "sandbox --graphics low",
            args: ours("low"),
        },
    ]
}

/// Runs each case `rounds` times round-robin: each case's mean frames, ms,
/// and why it last failed (if it did).
fn run_the_cases(exe: &Path, cases: &[Case], rounds: u32) -> (Vec<Vec<f64>>, Vec<Option<String>>) {
    let mut means: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut failures: Vec<Option<String>> = vec![None; cases.len()];
    for round in 0..rounds {
        for (i, case) in cases.iter().enumerate() {
            eprintln!("round {} of {rounds}: {}", round + 1, case.name);
            let out = Command::new(exe).args(&case.args).output();
            let text = out
                .as_ref()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            match (
                out.as_ref().map(|o| o.status.success()),
                mean_frame_ms(&text),
            ) {
                (Ok(true), Some(ms)) => means[i].push(ms),
                _ => {
                    failures[i] = Some(match &out {
                        Err(e) => e.to_string(),
                        Ok(o) => String::from_utf8_lossy(&o.stderr)
                            .lines()
                            .rfind(|l| !l.contains("WARN"))
                            .unwrap_or("no frame line")
                            .to_owned(),
                    });
                }
            }
        }
    }
    (means, failures)
}

/// Prints the table of each case's median against the bare scene's;
/// whether any case failed.
fn print_the_table(cases: &[Case], means: &[Vec<f64>], failures: &[Option<String>]) -> bool {
    outln!("| case | mean frame (median) | range | fps | vs bare scene |");
    outln!("|---|---|---|---|---|");
    let floor = median(&means[0]);
    let mut failed = false;
    for (i, case) in cases.iter().enumerate() {
        match (median(&means[i]), &failures[i]) {
            (Some(ms), None) => {
                let lo = means[i].iter().copied().fold(f64::INFINITY, f64::min);
                let hi = means[i].iter().copied().fold(0.0, f64::max);
                let ratio = floor.map_or_else(|| "-".to_owned(), |f| format!("{:.2}x", ms / f));
                outln!(
                    "| {} | {ms:.1} ms | {lo:.0}-{hi:.0} ms | {:.1} | {ratio} |",
                    case.name,
                    1000.0 / ms
                );
            }
            (_, why) => {
                failed = true;
                let why = why.clone().unwrap_or_else(|| "no frame line".to_owned());
                outln!("| {} | failed: {why} | | | |", case.name);
            }
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_frame_line_is_read_back() {
        let line = "saved x.png (1280x720)\n84 frames: mean frame 217.3 ms (4.6 fps); simulation 0.00 ms/frame";
        assert_eq!(super::mean_frame_ms(line), Some(217.3));
        assert_eq!(super::mean_frame_ms("no frames measured"), None);
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(super::median(&[4.0, 1.0]), Some(2.5));
        assert_eq!(super::median(&[]), None);
    }
}
