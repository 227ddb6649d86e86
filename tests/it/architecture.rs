//! The shape of the code, held by a test: the window's folders import one
//! way (each only folders listed before it in [`LAYERS`]), and the
//! simulation's crates import nothing of the window. It reads the source
//! as text: `crate::app::<folder>` in code (not in comments) is an import.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::repo;

/// The folders of `src/app`, lowest first: a folder may import only the
/// ones before it. `docs/architecture.md` draws the same map.
const LAYERS: [&str; 6] = ["theme", "control", "capture", "world", "modes", "hud"];

/// Files of `src/app` outside the folders that folders may use: the
/// frame's order (it imports nothing of the app).
const SHARED_FILES: [&str; 1] = ["frame"];

/// The simulation's modules: no window, no egui, no rendering.
/// The class's session layer (`class`) draws nothing either.
const HEADLESS: [&str; 6] = ["sim", "physics", "network", "market", "scenario", "class"];

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The file's code without its comments.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    strip_comments(&text)
}

/// `text` without line and doc comments (the sources use no block comments).
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string ("http://") is rare in this code; the
            // check would only see less, never more.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names `prefix` is followed by in `code` (`crate::app::world::x`
/// gives `world`).
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    code.match_indices(prefix)
        .map(|(at, _)| {
            code[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// What each file of a folder of `src/app` imports of other folders (and
/// of the app's root), as (file, what) pairs.
fn app_imports(folder: &str) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for file in rust_files(&repo("src/app").join(folder)) {
        let code = code_of(&file);
        for name in names_after(&code, "crate::app::") {
            if name != folder {
                found.push((file.clone(), name));
            }
        }
        // `super::super::` may climb out of the folder without naming it:
        // the app's files name what they use from elsewhere by its path.
        if code.contains("super::super::") {
            found.push((file.clone(), "super::super".to_owned()));
        }
        let is_mod = file.file_name().is_some_and(|n| n == "mod.rs");
        let in_top = file.parent() == Some(&repo("src/app").join(folder));
        if is_mod && in_top {
            for name in names_after(&code, "super::") {
                found.push((file.clone(), name));
            }
        }
    }
    found
}

/// The folders of `src/app` as they are on disk.
fn folders_on_disk() -> BTreeSet<String> {
    std::fs::read_dir(repo("src/app"))
        .expect("src/app")
        .filter_map(|e| {
            let path = e.ok()?.path();
            path.is_dir()
                .then(|| path.file_name()?.to_str().map(str::to_owned))?
        })
        .collect()
}

#[test]
fn every_folder_of_the_app_is_a_layer() {
    let listed: BTreeSet<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        folders_on_disk(),
        listed,
        "a new folder of src/app goes into LAYERS (and docs/architecture.md)"
    );
}

#[test]
fn the_app_s_folders_import_only_the_layers_below() {
    let mut wrong = Vec::new();
    for (at, folder) in LAYERS.iter().enumerate() {
        let below: BTreeSet<&str> = LAYERS[..at].iter().copied().collect();
        for (file, name) in app_imports(folder) {
            if !below.contains(name.as_str()) && !SHARED_FILES.contains(&name.as_str()) {
                wrong.push(format!("{} imports app::{name}", file.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "folders of src/app import only the folders listed before them in LAYERS:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_frame_order_imports_nothing_of_the_app() {
    for name in SHARED_FILES {
        let code = code_of(&repo("src/app").join(format!("{name}.rs")));
        let names = names_after(&code, "crate::app::");
        assert!(names.is_empty(), "src/app/{name}.rs imports {names:?}");
    }
}

#[test]
fn the_simulation_imports_nothing_of_the_window() {
    let window = [
        "crate::app",
        "crate::cli",
        "bevy_egui",
        "egui",
        "bevy::render",
        "bevy::window",
        "bevy::pbr",
        "bevy::picking",
        "bevy::gizmos",
    ];
    let mut wrong = Vec::new();
    for module in HEADLESS {
        for file in rust_files(&repo("src").join(module)) {
            let code = code_of(&file);
            for w in window {
                let found = code.match_indices(w).any(|(at, _)| {
                    // A whole path segment, not a longer name.
                    let before = code[..at].chars().next_back();
                    let after = code[at + w.len()..].chars().next();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                        && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if found {
                    wrong.push(format!("{} uses {w}", file.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_an_import_in_code_and_not_in_a_comment() {
    let code =
        "/// See [`crate::app::world`].\nuse crate::app::hud::UiState; // crate::app::modes\n";
    assert_eq!(
        names_after(&strip_comments(code), "crate::app::"),
        BTreeSet::from(["hud".to_owned()])
    );
}
