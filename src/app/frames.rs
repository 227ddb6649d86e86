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

/// Runs the cases in turn and prints the table.
pub fn run(scenario: &Path, size: (u32, u32), seconds: f64) -> ExitCode {
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
    let bare = |extra: &[&str]| {
        let mut a = vec!["bare-scene".into(), "--size".into(), size_arg.clone()];
        a.extend(["--seconds".into(), secs.clone()]);
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a
    };
    let ours = |graphics: &str| {
        vec![
            "open".into(),
            scenario.display().to_string(),
            "--size".into(),
            size_arg.clone(),
            "--graphics".into(),
            graphics.into(),
            "--screenshot".into(),
            shot.display().to_string(),
            "--after".into(),
            secs.clone(),
        ]
    };
    let cases = [
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
    ];
    outln!(
        "{} at {size_arg}, {seconds} s a case (the first second not counted)",
        scenario.display()
    );
    outln!("| case | mean frame | fps | vs bare scene |");
    outln!("|---|---|---|---|");
    let mut floor = None;
    let mut failed = false;
    for case in cases {
        let out = Command::new(&exe).args(&case.args).output();
        let text = out
            .as_ref()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        match (
            out.as_ref().map(|o| o.status.success()),
            mean_frame_ms(&text),
        ) {
            (Ok(true), Some(ms)) => {
                let base = *floor.get_or_insert(ms);
                outln!(
                    "| {} | {ms:.1} ms | {:.1} | {:.2}x |",
                    case.name,
                    1000.0 / ms,
                    ms / base
                );
            }
            _ => {
                failed = true;
                let why = match &out {
                    Err(e) => e.to_string(),
                    Ok(o) => String::from_utf8_lossy(&o.stderr)
                        .lines()
                        .rfind(|l| !l.contains("WARN"))
                        .unwrap_or("no frame line")
                        .to_owned(),
                };
                outln!("| {} | failed: {why} | | |", case.name);
            }
        }
    }
    let _ = std::fs::remove_file(&shot);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_frame_line_is_read_back() {
        let line = "saved x.png (1280x720)\n84 frames: mean frame 217.3 ms (4.6 fps); simulation 0.00 ms/frame";
        assert_eq!(super::mean_frame_ms(line), Some(217.3));
        assert_eq!(super::mean_frame_ms("no frames measured"), None);
    }
}
