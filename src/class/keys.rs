//! The rejoin keys a student's windows keep on this computer, one per
//! class (its address) and name: a window opened again after a crash shows
//! it and gets the house back, and a classmate who types the same name on
//! another computer does not (docs/class.md).

use std::net::SocketAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Where a student's window keeps its keys by default.
pub const KEYS_FILE: &str = "scenes/my/class-keys.json";

/// Most keys kept: the oldest goes first.
pub const MAX_KEYS: usize = 64;

/// Largest keys file read, bytes (64 keys take about 8 KiB).
const MAX_BYTES: u64 = 64 * 1024;

/// One kept key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Kept {
    /// The class's address.
    class: String,
    /// The student's name in it.
    name: String,
    /// The key the host gave.
    key: String,
}

/// The key kept in `file` for `name` in the class at `server`, else the
/// newest kept for `name` in a class on the same machine (a class resumed
/// on another port; never another machine's, which could be anyone's);
/// none when there is none, or the file cannot be read (the window then
/// comes as someone new, and the host says if the name is kept for
/// another).
pub fn kept(file: &Path, server: SocketAddr, name: &str) -> Option<String> {
    let bytes = crate::files::read::read_bounded(file, MAX_BYTES).ok()?;
    let keys: Vec<Kept> = serde_json::from_slice(&bytes).ok()?;
    let class = server.to_string();
    let same_machine = |k: &Kept| {
        k.class
            .parse::<SocketAddr>()
            .is_ok_and(|a| a.ip() == server.ip())
    };
    let named = || keys.iter().rev().filter(|k| k.name == name);
    named()
        .find(|k| k.class == class)
        .or_else(|| named().find(|k| same_machine(k)))
        .map(|k| k.key.clone())
}

/// Keeps `key` for `name` in the class at `server` in `file` (written
/// through a temporary file; at most [`MAX_KEYS`], the newest last).
pub fn keep(file: &Path, server: SocketAddr, name: &str, key: &str) -> Result<(), String> {
    let class = server.to_string();
    let mut keys: Vec<Kept> = crate::files::read::read_bounded(file, MAX_BYTES)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    keys.retain(|k| !(k.class == class && k.name == name));
    keys.push(Kept {
        class,
        name: name.to_owned(),
        key: key.to_owned(),
    });
    let over = keys.len().saturating_sub(MAX_KEYS);
    keys.drain(..over);
    if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot make {}: {e}", folder.display()))?;
    }
    let text = serde_json::to_vec_pretty(&keys).map_err(|e| e.to_string())?;
    crate::files::write::write_atomically(file, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_kept_per_class_and_name_and_the_oldest_go() {
        let dir = std::env::temp_dir().join(format!("microgrid-keys-{}", std::process::id()));
        let file = dir.join("my").join("keys.json");
        let a: SocketAddr = "127.0.0.1:5757".parse().expect("address");
        let b: SocketAddr = "10.0.0.2:5757".parse().expect("address");
        assert_eq!(kept(&file, a, "Anna"), None, "no file yet");
        keep(&file, a, "Anna", "k1").expect("kept");
        keep(&file, b, "Anna", "k2").expect("kept");
        keep(&file, a, "Ben", "k3").expect("kept");
        keep(&file, a, "Anna", "k4").expect("kept again");
        assert_eq!(kept(&file, a, "Anna").as_deref(), Some("k4"));
        assert_eq!(kept(&file, b, "Anna").as_deref(), Some("k2"));
        assert_eq!(kept(&file, a, "Ben").as_deref(), Some("k3"));
        // Ben's class came back on another port of its machine: his key;
        // another machine's class never hears it.
        let a_again: SocketAddr = "127.0.0.1:5800".parse().expect("address");
        assert_eq!(kept(&file, a_again, "Ben").as_deref(), Some("k3"));
        assert_eq!(kept(&file, b, "Ben"), None);
        assert_eq!(kept(&file, b, "Cem"), None);
        for i in 0..MAX_KEYS {
            keep(&file, a, &format!("S{i}"), "k").expect("kept");
        }
        assert_eq!(kept(&file, b, "Anna"), None, "the oldest went");
        assert_eq!(
            kept(&file, a, &format!("S{}", MAX_KEYS - 1)).as_deref(),
            Some("k")
        );
        // A file that is not keys reads as none, and is written over whole.
        std::fs::write(&file, "not json").expect("written");
        assert_eq!(kept(&file, a, "Anna"), None);
        keep(&file, a, "Anna", "k5").expect("kept");
        assert_eq!(kept(&file, a, "Anna").as_deref(), Some("k5"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
