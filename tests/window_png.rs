//! The real window under Xvfb with Mesa's software Vulkan (lavapipe): it
//! renders the default scene at noon, saves a PNG and exits, and the PNG is
//! a picture, not a blank frame.
//!
//! A test binary of its own without the libtest harness (`harness = false`),
//! so that where Xvfb is missing it reports the test as ignored, with the
//! reason, instead of passing it. In CI (`MICROGRID_WINDOW_TEST=1`, set by
//! `.ci/run` after installing Xvfb and lavapipe) it must run. It only starts
//! the `microgrid` binary, so it does not link Bevy.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

const NAME: &str = "the_window_renders_the_default_scene_to_a_png";

/// Why the test cannot run here, if it cannot.
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
        println!("{NAME}: test");
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
    let matches = |f: &String| {
        if exact {
            NAME == f
        } else {
            NAME.contains(f.as_str())
        }
    };
    let filtered_out = (!filters.is_empty() && !filters.iter().any(matches))
        || skips.iter().any(|s| NAME.contains(s.as_str()));
    let started = Instant::now();
    let summary = |passed: u32, failed: u32, ignored: u32, filtered: u32| {
        println!(
            "\ntest result: {}. {passed} passed; {failed} failed; {ignored} ignored; 0 measured; {filtered} filtered out; finished in {:.2}s\n",
            if failed == 0 { "ok" } else { "FAILED" },
            started.elapsed().as_secs_f64()
        );
    };
    if filtered_out {
        println!("\nrunning 0 tests");
        summary(0, 0, 0, 1);
        return ExitCode::SUCCESS;
    }
    println!("\nrunning 1 test");
    let required = std::env::var("MICROGRID_WINDOW_TEST").is_ok_and(|v| v == "1");
    if let Some(why) = missing_tools() {
        if required {
            println!("test {NAME} ... FAILED\n\nMICROGRID_WINDOW_TEST=1 but {why}");
            summary(0, 1, 0, 0);
            return ExitCode::from(101);
        }
        println!("test {NAME} ... ignored, {why}");
        summary(0, 0, 1, 0);
        return ExitCode::SUCCESS;
    }
    match std::panic::catch_unwind(render_the_default_scene) {
        Ok(()) => {
            println!("test {NAME} ... ok");
            summary(1, 0, 0, 0);
            ExitCode::SUCCESS
        }
        Err(_) => {
            println!("test {NAME} ... FAILED");
            summary(0, 1, 0, 0);
            ExitCode::from(101)
        }
    }
}

fn render_the_default_scene() {
    let dir = std::env::temp_dir().join(format!("microgrid-shot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let png = dir.join("default.png");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_microgrid"))
        .args([
            "open",
            "scenes/default.scenario.ron",
            "--size",
            "1280x720",
            "--after",
            "2",
        ])
        .args(["--at", "2025-06-21 12:00", "--screenshot"])
        .arg(&png)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("xvfb-run runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("mean frame"), "{stdout}");
    let image = image::open(&png).expect("a PNG was written").to_rgb8();
    assert_eq!(image.dimensions(), (1280, 720));
    check_not_blank(&image, &png);
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
