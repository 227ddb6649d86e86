//! `demo --memory-log FILE`: the window's resident memory and entity count
//! every minute (or `--memory-every` seconds), as CSV, for the windowed
//! soak (`tools/window-soak.sh`): a kiosk runs for days, and what a frame
//! or a visitor leaves behind shows as a slope.

use std::path::PathBuf;

use bevy::prelude::*;

/// Where and how often.
#[derive(Resource, Debug, Clone)]
pub struct MemoryLog {
    /// The CSV file (rewritten whole, atomically, at every sample).
    pub path: PathBuf,
    /// Seconds between samples (wall time).
    pub every_s: f64,
    /// Wall seconds of the next sample.
    pub next_at: f64,
    /// The rows so far, with the header.
    pub rows: String,
}

impl MemoryLog {
    /// A log to `path`, the first sample at once.
    pub fn new(path: PathBuf, every_s: f64) -> Self {
        Self {
            path,
            every_s,
            next_at: 0.0,
            rows: "elapsed_s,entities,rss_mib,frames\n".to_owned(),
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Last, sample.run_if(resource_exists::<MemoryLog>));
}

fn sample(world: &mut World) {
    let now = world
        .get_resource::<Time<Real>>()
        .map_or(0.0, |t| t.elapsed_secs_f64());
    if now < world.resource::<MemoryLog>().next_at {
        return;
    }
    let entities = world.entities().count_spawned();
    let frames = world
        .get_resource::<super::screenshot::FrameStats>()
        .map_or(0, |f| f.frames);
    let rss_mib = rss_kib() as f64 / 1024.0;
    let mut log = world.resource_mut::<MemoryLog>();
    use std::fmt::Write as _;
    let _ = writeln!(log.rows, "{now:.0},{entities},{rss_mib:.1},{frames}");
    log.next_at = now + log.every_s;
    if let Err(e) = crate::files::write_atomically(&log.path, log.rows.as_bytes()) {
        warn!("memory log: {e}");
    }
}

/// Resident memory of this process, KiB (Linux: /proc/self/status).
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}
