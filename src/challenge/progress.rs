//! The stars earned so far, remembered on disk between sessions: one RON
//! file in the user's data folder (`$XDG_DATA_HOME/microgrid/progress.ron`,
//! or `~/.local/share/microgrid/progress.ron`; `MICROGRID_PROGRESS` names
//! another file). Written atomically; a damaged file is set aside, not lost.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The best outcome of one challenge or lesson.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Best {
    /// Most stars earned in one run.
    pub stars: u32,
    /// Stars there are.
    pub max_stars: u32,
    /// Best score.
    pub score: u32,
}

/// Every challenge's and lesson's best, by file stem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// By the file stem (`01-first-light`).
    pub best: BTreeMap<String, Best>,
}

impl Progress {
    /// Records a run's outcome; true when it beat the best so far.
    pub fn record(&mut self, stem: &str, stars: u32, max_stars: u32, score: u32) -> bool {
        let best = self.best.entry(stem.to_owned()).or_default();
        let better = stars > best.stars || (stars == best.stars && score > best.score);
        best.max_stars = max_stars;
        if better {
            best.stars = stars;
            best.score = score;
        }
        better
    }
}

/// Where progress is kept.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MICROGRID_PROGRESS") {
        return Some(PathBuf::from(p));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("microgrid").join("progress.ron"))
}

/// Reads the progress file (empty when there is none yet, or it cannot be read).
pub fn load() -> Progress {
    path().map_or_else(Progress::default, |p| load_from(&p))
}

/// Reads the progress kept at `path`.
pub fn load_from(path: &std::path::Path) -> Progress {
    // Bounded like every file read: a progress file is a few KiB.
    let Ok(text) = crate::scenario::error::read_text_within(path, 1024 * 1024) else {
        return Progress::default();
    };
    ron::from_str(&text).unwrap_or_else(|_| {
        // Keep the damaged file for a look, and start afresh.
        let _ = std::fs::rename(path, path.with_extension("ron.damaged"));
        Progress::default()
    })
}

/// Writes the progress file atomically.
pub fn save(progress: &Progress) -> Result<(), String> {
    save_to(
        progress,
        &path().ok_or("no home folder to keep progress in")?,
    )
}

/// Writes the progress to `path` atomically.
pub fn save_to(progress: &Progress, path: &std::path::Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    }
    let text = ron::ser::to_string_pretty(progress, ron::ser::PrettyConfig::default())
        .map_err(|e| format!("cannot write the progress: {e}"))?;
    crate::files::write_atomically(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_run_is_kept() {
        let mut p = Progress::default();
        assert!(p.record("a", 2, 3, 200));
        assert!(!p.record("a", 1, 3, 100));
        assert!(p.record("a", 2, 3, 250));
        assert!(!p.record("a", 2, 3, 240));
        assert_eq!(
            p.best["a"],
            Best {
                stars: 2,
                max_stars: 3,
                score: 250
            }
        );
    }
}
