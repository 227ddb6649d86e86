//! Writing files so that nothing the user had is lost: through a temporary
//! file and a rename, with every temporary file removed when a signal ends
//! the process.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Temporary files being written now: a signal removes them before the
/// process ends (see [`remove_temporary_files_on_signal`]).
static TEMPORARY_FILES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn temporary_files() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARY_FILES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Exit status after a signal: 128 and its number, as shells report it
/// (130 after Ctrl+C, 143 after SIGTERM).
pub fn exit_status_after(signal: i32) -> i32 {
    128 + signal
}

/// The signals that end a headless command, less those the process was
/// started with ignored: a background job of a script (SIGINT ignored) or
/// a `nohup` (SIGHUP ignored) keeps ignoring them, as its starter asked,
/// and still cleans up on the others.
fn signals_to_catch(ignored: u64) -> Vec<i32> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|&s| ignored & (1 << (s - 1)) == 0)
        .collect()
}

/// The set of signals this process was started with ignored, as a mask
/// (bit `n - 1` for signal `n`), from `/proc/self/status`; none where
/// that cannot be read.
fn ignored_signals() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("SigIgn:"))
                .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        })
        .unwrap_or(0)
}

/// Makes Ctrl+C, SIGTERM and SIGHUP remove every temporary file being
/// written, then end the process with [`exit_status_after`] the signal: an
/// interrupted command leaves neither a half-written output nor a
/// `.NAME.PID.tmp` behind, also when it started with some signals ignored.
/// For the headless commands (the window has Bevy's own handler).
pub fn remove_temporary_files_on_signal() {
    let wanted = signals_to_catch(ignored_signals());
    let mut signals = match signal_hook::iterator::Signals::new(&wanted) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "warning: cannot catch Ctrl+C ({e}); an interrupted run may leave a .tmp file"
            );
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // The registry stays locked until the process ends, so no
                // new temporary file can start after the sweep.
                let mut files = temporary_files();
                let removed = !files.is_empty();
                for path in files.drain(..) {
                    let _ = std::fs::remove_file(path);
                }
                if removed {
                    eprintln!("interrupted: the unfinished output files were removed");
                } else {
                    eprintln!("interrupted");
                }
                std::process::exit(exit_status_after(signal));
            }
        });
    if let Err(e) = spawned {
        eprintln!("warning: cannot catch Ctrl+C ({e}); an interrupted run may leave a .tmp file");
    }
}

/// Writes a file through a temporary file and a rename, so a failed or
/// interrupted run never leaves a half-written file where the user's was.
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    /// Where the contents go.
    pub out: BufWriter<File>,
}

impl AtomicFile {
    /// Starts writing `path` (under a temporary name beside it).
    pub fn create(path: &Path) -> Result<Self, String> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let temp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let mut registry = temporary_files();
        let file =
            File::create(&temp).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        registry.push(temp.clone());
        drop(registry);
        Ok(Self {
            path: path.to_owned(),
            temp,
            out: BufWriter::with_capacity(1 << 16, file),
        })
    }

    /// Flushes the contents and puts them in place of the file.
    pub fn finish(mut self) -> Result<(), String> {
        let written = self
            .out
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()));
        // Renamed or removed under the registry's lock, so that a signal
        // never removes a finished file's temporary name after the rename
        // nor misses one before it.
        let mut registry = temporary_files();
        registry.retain(|p| *p != self.temp);
        let result = written.and_then(|()| {
            std::fs::rename(&self.temp, &self.path)
                .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        result
    }

    /// Drops the contents; the file stays as it was.
    pub fn abandon(self) {
        let mut registry = temporary_files();
        registry.retain(|p| *p != self.temp);
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut file = AtomicFile::create(path)?;
    if let Err(e) = file.out.write_all(bytes) {
        file.abandon();
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_signals_stay_ignored_and_the_others_are_caught() {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        assert_eq!(signals_to_catch(0), vec![SIGINT, SIGTERM, SIGHUP]);
        // A script's background job: SIGINT (2) and SIGQUIT (3) ignored.
        assert_eq!(signals_to_catch(0b110), vec![SIGTERM, SIGHUP]);
        // nohup: SIGHUP (1) ignored.
        assert_eq!(signals_to_catch(0b1), vec![SIGINT, SIGTERM]);
        assert_eq!(exit_status_after(SIGTERM), 143);
    }
}
