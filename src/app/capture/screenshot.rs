//! Screenshots and frame figures: F12 saves a PNG under `screenshots/` and
//! says where in the status bar; `microgrid open --screenshot FILE --after S`
//! saves one after S seconds, prints the frame figures and exits.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::render::view::screenshot::ScreenshotCaptured;

use super::layout_report::{DrawnLayout, LayoutReports, report_path_beside, write_report};
use crate::app::control::long_work::Jump;
use crate::app::control::requests::{ScreenshotRequest, StatusNote};
use crate::sim::{FrameSimCost, Neighbourhood};

/// Folder the screenshot key saves into (relative to the working directory).
pub const SCREENSHOT_DIR: &str = "screenshots";

/// A screenshot to take on its own, then exit (`open --screenshot`).
#[derive(Resource, Debug, Clone)]
pub struct AutoCapture {
    /// Where the PNG goes.
    pub path: PathBuf,
    /// Seconds of running (wall time) before it is taken.
    pub after_s: f64,
    /// It has been asked for.
    pub taken: bool,
}

/// Frame time and the simulation's share, smoothed for the status bar and
/// summed (after the first second) for the report at exit.
#[derive(Resource, Debug, Clone, Default)]
pub struct FrameStats {
    /// Smoothed frame time, ms.
    pub frame_ms: f64,
    /// Smoothed simulation time per frame, ms.
    pub sim_ms: f64,
    /// Smoothed simulation steps per frame.
    pub steps: f64,
    /// Frames summed.
    pub frames: u64,
    /// Sum of frame times, ms.
    pub total_frame_ms: f64,
    /// Sum of simulation times, ms.
    pub total_sim_ms: f64,
    /// Slowest simulation share of a frame, ms.
    pub max_sim_ms: f64,
    /// Steps summed.
    pub total_steps: u64,
    /// Smoothed steps dropped per frame to keep to the simulation's budget.
    pub dropped: f64,
}

impl FrameStats {
    /// Adds a frame of `frame_ms` and what its simulation cost.
    pub fn add(&mut self, frame_ms: f64, cost: FrameSimCost, counted: bool) {
        let (sim_ms, steps) = (cost.wall_ms, cost.steps);
        let k = if self.frame_ms == 0.0 { 1.0 } else { 0.05 };
        self.frame_ms += k * (frame_ms - self.frame_ms);
        self.sim_ms += k * (sim_ms - self.sim_ms);
        self.steps += k * (f64::from(steps) - self.steps);
        self.dropped += k * (f64::from(cost.dropped) - self.dropped);
        if counted {
            self.frames += 1;
            self.total_frame_ms += frame_ms;
            self.total_sim_ms += sim_ms;
            self.max_sim_ms = self.max_sim_ms.max(sim_ms);
            self.total_steps += u64::from(steps);
        }
    }

    /// One line for the report: mean frame, frames per second, the simulation's share.
    pub fn summary(&self) -> String {
        if self.frames == 0 {
            return "no frames measured".to_owned();
        }
        let n = self.frames as f64;
        let frame = self.total_frame_ms / n;
        format!(
            "{} frames: mean frame {:.1} ms ({:.1} fps); simulation {:.2} ms/frame mean, {:.2} ms max, {:.2} steps/frame ({:.1} % of the frame)",
            self.frames,
            frame,
            1000.0 / frame,
            self.total_sim_ms / n,
            self.max_sim_ms,
            self.total_steps as f64 / n,
            self.total_sim_ms / self.total_frame_ms * 100.0
        )
    }
}

/// Adds the screenshot key, the timed screenshot and the frame figures.
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ScreenshotRequest>();
    app.init_resource::<FrameStats>();
    app.add_systems(Last, (measure_frame, take_requested, take_timed));
}

fn measure_frame(
    time: Res<Time<Real>>,
    cost: Option<Res<FrameSimCost>>,
    mut stats: ResMut<FrameStats>,
) {
    let cost = cost.map(|c| *c).unwrap_or_default();
    let counted = time.elapsed_secs_f64() > 1.0;
    stats.add(time.delta_secs_f64() * 1e3, cost, counted);
}

/// `screenshots/microgrid-<scenario>-<local time>.png`.
pub fn screenshot_path(scenario_name: &str, now: chrono::NaiveDateTime) -> PathBuf {
    Path::new(SCREENSHOT_DIR).join(format!(
        "microgrid-{}-{}.png",
        crate::app::control::editing::slug(scenario_name),
        now.format("%Y%m%d-%H%M%S")
    ))
}

/// Encodes a captured frame, or its part `[x, y, w, h]` (clamped to it),
/// as PNG (RGB, alpha dropped) and writes it atomically.
pub fn save_png(image: Image, crop: Option<[u32; 4]>, path: &Path) -> Result<(), String> {
    let mut frame = image
        .try_into_dynamic()
        .map_err(|e| format!("cannot convert the frame: {e}"))?;
    if let Some([x, y, w, h]) = crop {
        let (fw, fh) = (frame.width(), frame.height());
        let (x, y) = (x.min(fw.saturating_sub(1)), y.min(fh.saturating_sub(1)));
        frame = frame.crop_imm(x, y, w.min(fw - x).max(1), h.min(fh - y).max(1));
    }
    let mut bytes = std::io::Cursor::new(Vec::new());
    frame
        .to_rgb8()
        .write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode PNG: {e}"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    crate::files::write_atomically(path, bytes.get_ref())
}

/// Writes the layout of the frame a screenshot was asked in, when
/// `--layout-report` asked for them: to `to`, or beside the PNG.
fn report_the_layout(
    reports: Option<&LayoutReports>,
    drawn: &DrawnLayout,
    png: &Path,
    to: Option<&Path>,
) {
    let Some(reports) = reports else {
        return;
    };
    let path = match to {
        Some(p) => p.to_path_buf(),
        None if reports.beside_screenshots => report_path_beside(png),
        None => return,
    };
    let Some(snapshot) = &drawn.0 else {
        eprintln!("no layout to report yet for {}", path.display());
        return;
    };
    if let Err(e) = write_report(&path, snapshot) {
        eprintln!("error: {}: {e}", path.display());
    }
}

fn take_requested(
    mut commands: Commands,
    offscreen: Option<Res<super::offscreen::Offscreen>>,
    mut request: ResMut<ScreenshotRequest>,
    hood: Res<Neighbourhood>,
    reports: Option<Res<LayoutReports>>,
    drawn: Res<DrawnLayout>,
) {
    if !std::mem::take(&mut request.requested) {
        return;
    }
    let path = request.path.take().unwrap_or_else(|| {
        screenshot_path(&hood.0.scenario.name, chrono::Local::now().naive_local())
    });
    report_the_layout(reports.as_deref(), &drawn, &path, None);
    let crop = request.crop.take();
    request.pending += 1;
    commands
        .spawn(super::offscreen::screenshot_of_the_window(
            offscreen.as_deref(),
        ))
        .observe(
            move |captured: On<ScreenshotCaptured>,
                  mut note: ResMut<StatusNote>,
                  mut request: ResMut<ScreenshotRequest>| {
                request.pending = request.pending.saturating_sub(1);
                note.say(match save_png(captured.image.clone(), crop, &path) {
                    Ok(()) => crate::tr!("note.saved", path = path.display()),
                    Err(e) => {
                        eprintln!("screenshot failed: {e}");
                        crate::tr!("note.screenshot_failed", error = e)
                    }
                });
            },
        );
}

fn take_timed(
    mut commands: Commands,
    offscreen: Option<Res<super::offscreen::Offscreen>>,
    time: Res<Time<Real>>,
    auto: Option<ResMut<AutoCapture>>,
    jump: Option<Res<Jump>>,
    reports: Option<Res<LayoutReports>>,
    drawn: Res<DrawnLayout>,
) {
    let Some(mut auto) = auto else {
        return;
    };
    // A run to `--at` finishes before the picture is taken.
    if auto.taken || jump.is_some() || time.elapsed_secs_f64() < auto.after_s {
        return;
    }
    auto.taken = true;
    let path = auto.path.clone();
    if let Some(reports) = reports.as_deref() {
        report_the_layout(Some(reports), &drawn, &path, reports.timed.as_deref());
    }
    commands
        .spawn(super::offscreen::screenshot_of_the_window(
            offscreen.as_deref(),
        ))
        .observe(
            move |captured: On<ScreenshotCaptured>,
                  stats: Res<FrameStats>,
                  mut exit: MessageWriter<AppExit>| {
                match save_png(captured.image.clone(), None, &path) {
                    Ok(()) => {
                        outln!(
                            "saved {} ({}x{})",
                            path.display(),
                            captured.image.width(),
                            captured.image.height()
                        );
                        outln!("{}", stats.summary());
                        exit.write(AppExit::Success);
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        exit.write(AppExit::error());
                    }
                }
            },
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screenshot_names_are_safe_and_dated() {
        let t = crate::scenario::parse_date_time("2026-11-24 09:05").expect("valid");
        let path = screenshot_path("Neustadt (1,000 houses)", t);
        assert_eq!(
            path,
            Path::new("screenshots/microgrid-neustadt-1-000-houses-20261124-090500.png")
        );
    }

    #[test]
    fn frame_figures_average_only_what_was_counted() {
        let mut stats = FrameStats::default();
        let cost = |wall_ms, steps, dropped| FrameSimCost {
            steps,
            wall_ms,
            dropped,
        };
        stats.add(100.0, cost(50.0, 10, 4), false);
        // The first frame sets the smoothed values; later ones move them 5 %.
        assert_eq!(stats.dropped, 4.0);
        stats.add(20.0, cost(1.0, 1, 0), true);
        stats.add(10.0, cost(3.0, 3, 0), true);
        assert_eq!(stats.frames, 2);
        assert!((stats.dropped - 4.0 * 0.95 * 0.95).abs() < 1e-12);
        assert!(stats.summary().starts_with("2 frames: mean frame 15.0 ms (66.7 fps); simulation 2.00 ms/frame mean, 3.00 ms max, 2.00 steps/frame"), "{}", stats.summary());
    }
}
