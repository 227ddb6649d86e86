//! Before a command starts its work: no output over one of its inputs, no
//! two outputs to one file, and every output writable. Files are compared
//! as the system knows them (the same file through a link, `./x` or
//! `../dir/x` is the same file), not as their names are spelled.

use std::path::{Path, PathBuf};

/// One file a command will write: the option that names it and its path.
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    /// How the user named it, e.g. `--csv`.
    pub option: &'a str,
    /// The path given.
    pub path: &'a Path,
    /// The writer makes the file's folder when it is missing (screenshots).
    pub makes_folder: bool,
}

impl<'a> Output<'a> {
    /// An output whose folder must exist.
    pub fn new(option: &'a str, path: &'a Path) -> Self {
        Self {
            option,
            path,
            makes_folder: false,
        }
    }
}

/// Which file a path is: the file itself where it exists, otherwise the
/// place it will be made (its folder, resolved, and its name).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    Place(PathBuf),
}

fn identity(path: &Path) -> Option<Identity> {
    if let Ok(meta) = std::fs::metadata(path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            return Some(Identity::Inode(meta.dev(), meta.ino()));
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            return std::fs::canonicalize(path).ok().map(Identity::Place);
        }
    }
    let folder = folder_of(path);
    let name = path.file_name()?;
    std::fs::canonicalize(folder)
        .ok()
        .map(|f| Identity::Place(f.join(name)))
}

/// The folder a path's file is in ("." for a bare name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Refuses, with the reason, before any work: an output that is one of
/// `inputs` (the files the command reads), two outputs that are one file,
/// an output that is a folder, a device or a pipe, and an output that
/// cannot be written (its folder missing or read-only; tried with the
/// temporary file the write would use, removed at once).
pub fn check(inputs: &[&Path], outputs: &[Output<'_>]) -> Result<(), String> {
    let inputs: Vec<(&Path, Option<Identity>)> = inputs.iter().map(|p| (*p, identity(p))).collect();
    let mut seen: Vec<(Output<'_>, Identity)> = Vec::new();
    for out in outputs {
        let shown = out.path.display();
        // "out.csv/" names a folder that is not there, not the file out.csv.
        let text = out.path.as_os_str().to_string_lossy();
        if text.is_empty() || text.ends_with(std::path::MAIN_SEPARATOR) || text.ends_with('/') {
            return Err(format!(
                "{} \"{shown}\" does not name a file (it ends in a folder separator); name a file to write",
                out.option
            ));
        }
        if let Ok(meta) = std::fs::metadata(out.path) {
            if meta.is_dir() {
                return Err(format!(
                    "{} {shown} is a folder; name a file to write",
                    out.option
                ));
            }
            if !meta.is_file() {
                return Err(format!(
                    "{} {shown} is not a regular file (a device or a pipe); name a file to write",
                    out.option
                ));
            }
        }
        let folder = folder_of(out.path);
        if out.makes_folder && !folder.exists() {
            // Made when written: the nearest folder that exists must be one.
            let nearest = folder.ancestors().find(|a| a.exists());
            if nearest.is_some_and(Path::is_dir) || nearest.is_none() {
                seen.push((
                    *out,
                    Identity::Place(
                        std::path::absolute(out.path).unwrap_or_else(|_| out.path.to_owned()),
                    ),
                ));
                continue;
            }
        }
        if !folder.is_dir() {
            return Err(format!(
                "{} {shown}: the folder {} does not exist; create it first or name another",
                out.option,
                folder.display()
            ));
        }
        let Some(id) = identity(out.path) else {
            return Err(format!("{} {shown} does not name a file", out.option));
        };
        if let Some((input, _)) = inputs.iter().find(|(_, i)| i.as_ref() == Some(&id)) {
            return Err(format!(
                "{} {shown} would write over {}, which this command reads; name another file",
                out.option,
                input.display()
            ));
        }
        if let Some((first, _)) = seen.iter().find(|(_, i)| *i == id) {
            return Err(format!(
                "{} and {} both name {shown}; give each its own file",
                first.option, out.option
            ));
        }
        super::write::AtomicFile::create(out.path)
            .map(super::write::AtomicFile::abandon)
            .map_err(|e| format!("{} {shown}: {e}", out.option))?;
        seen.push((*out, id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "microgrid-outputs-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn out<'a>(option: &'a str, path: &'a Path) -> Output<'a> {
        Output::new(option, path)
    }

    #[test]
    fn an_output_over_an_input_is_refused_however_it_is_spelled() {
        let dir = scratch();
        let scenario = dir.join("a.scenario.ron");
        std::fs::write(&scenario, "Scenario()").unwrap();
        let e = check(&[&scenario], &[out("--csv", &scenario)]).unwrap_err();
        assert!(e.contains("--csv") && e.contains("would write over"), "{e}");
        // The same file by another name.
        let other = dir.join(".").join("a.scenario.ron");
        let e = check(&[&scenario], &[out("--csv", &other)]).unwrap_err();
        assert!(
            e.contains(&format!("over {}, which", scenario.display())),
            "{e}"
        );
        #[cfg(unix)]
        {
            let link = dir.join("link.csv");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&scenario, &link).unwrap();
            assert!(check(&[&scenario], &[out("--events", &link)]).is_err());
        }
        assert_eq!(std::fs::read_to_string(&scenario).unwrap(), "Scenario()");
        check(&[&scenario], &[out("--csv", &dir.join("steps.csv"))]).unwrap();
        // The probe leaves nothing behind.
        assert!(!dir.join("steps.csv").exists());
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn two_outputs_to_one_file_are_refused_before_either_exists() {
        let dir = scratch();
        let a = dir.join("both.csv");
        let b = dir
            .join("..")
            .join(dir.file_name().unwrap())
            .join("both.csv");
        let e = check(&[], &[out("--csv", &a), out("--events", &b)]).unwrap_err();
        assert!(e.contains("--csv and --events both name"), "{e}");
    }

    #[test]
    fn a_trailing_separator_is_refused_and_a_screenshot_may_make_its_folder() {
        let dir = scratch();
        let e = check(&[], &[out("--csv", Path::new("out.csv/"))]).unwrap_err();
        assert!(e.contains("does not name a file"), "{e}");
        let shot = dir.join("new/folder/a.png");
        assert!(check(&[], &[out("--screenshot", &shot)]).is_err());
        let made = Output {
            makes_folder: true,
            ..out("--screenshot", &shot)
        };
        check(&[], &[made]).unwrap();
        assert!(!dir.join("new").exists(), "the check makes nothing");
    }

    #[test]
    fn folders_devices_and_missing_folders_are_refused() {
        let dir = scratch();
        let e = check(&[], &[out("--csv", &dir)]).unwrap_err();
        assert!(e.contains("is a folder"), "{e}");
        let e = check(&[], &[out("--csv", &dir.join("no/such/x.csv"))]).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
        #[cfg(unix)]
        {
            let e = check(&[], &[out("-o", Path::new("/dev/null"))]).unwrap_err();
            assert!(e.contains("not a regular file"), "{e}");
        }
    }
}
