//! Reading a file the user named, bounded before it starts: a folder, a
//! device, a pipe or a socket is refused without being opened (a pipe
//! would wait for a writer, `/dev/zero` would fill the memory), and a
//! regular file larger than the limit is refused by its size; the read
//! itself stops at the limit, should the file grow meanwhile.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing there.
    Missing,
    /// A folder.
    Folder,
    /// Something that is not a regular file: what it is.
    NotAFile(&'static str),
    /// Larger than the limit (bytes, limit).
    TooLarge(u64, u64),
    /// The system refused (permissions and the like).
    Io(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => write!(f, "this file does not exist; check the path"),
            Self::Folder => write!(f, "this is a folder, not a file"),
            Self::NotAFile(what) => {
                write!(f, "this is {what}, not a file; name a file saved on disk")
            }
            Self::TooLarge(bytes, limit) => write!(
                f,
                "the file is {} ({bytes} bytes), more than the limit of {} for this kind of file",
                readable_size(*bytes),
                readable_size(*limit)
            ),
            Self::Io(e) => write!(f, "cannot read this file ({e}); check its permissions"),
        }
    }
}

/// Bytes as a person reads them: "512 bytes", "8 MiB", "15.2 MiB".
pub fn readable_size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else if bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB)
    }
}

/// What a path is, when it is not a regular file or a folder.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    let _ = meta;
    "not a regular file"
}

/// Reads at most `limit` bytes of the regular file at `path` (through any
/// links), refusing anything else before opening it.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, Refusal> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Refusal::Missing,
        _ => Refusal::Io(e.to_string()),
    })?;
    if meta.is_dir() {
        return Err(Refusal::Folder);
    }
    if !meta.is_file() {
        return Err(Refusal::NotAFile(kind_of(&meta)));
    }
    if meta.len() > limit {
        return Err(Refusal::TooLarge(meta.len(), limit));
    }
    let file = std::fs::File::open(path).map_err(|e| Refusal::Io(e.to_string()))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Refusal::Io(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(Refusal::TooLarge(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// The UTF-8 byte-order mark some editors (Windows Notepad) put first.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a leading UTF-8 byte-order mark, so that a file saved
/// "UTF-8 with BOM" reads as the text it shows.
pub fn without_byte_order_mark(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("microgrid-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn a_device_is_refused_without_reading_it() {
        #[cfg(unix)]
        {
            let e = read_bounded(Path::new("/dev/zero"), 1024).unwrap_err();
            assert_eq!(e, Refusal::NotAFile("a device"));
            assert!(e.to_string().contains("a device, not a file"), "{e}");
        }
    }

    #[test]
    fn a_link_to_a_device_is_refused_too() {
        #[cfg(unix)]
        {
            let link = scratch("zero.scenario.ron");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            assert_eq!(
                read_bounded(&link, 1024),
                Err(Refusal::NotAFile("a device"))
            );
        }
    }

    #[test]
    fn files_over_the_limit_are_refused_with_both_sizes() {
        let path = scratch("big.csv");
        std::fs::write(&path, vec![b'x'; 3000]).unwrap();
        let e = read_bounded(&path, 2048).unwrap_err();
        assert_eq!(e, Refusal::TooLarge(3000, 2048));
        assert!(e.to_string().contains("3 KiB (3000 bytes)"), "{e}");
        assert!(e.to_string().contains("limit of 2 KiB"), "{e}");
        assert_eq!(read_bounded(&path, 3000).unwrap().len(), 3000);
        assert_eq!(
            read_bounded(&scratch("none.csv"), 10),
            Err(Refusal::Missing)
        );
        assert_eq!(
            read_bounded(path.parent().unwrap(), 10),
            Err(Refusal::Folder)
        );
    }

    #[test]
    fn the_byte_order_mark_is_dropped_and_nothing_else() {
        assert_eq!(
            without_byte_order_mark(b"\xEF\xBB\xBFScenario("),
            b"Scenario("
        );
        assert_eq!(without_byte_order_mark(b"Scenario("), b"Scenario(");
        assert_eq!(readable_size(8 * 1024 * 1024), "8 MiB");
        assert_eq!(readable_size(15_938_355), "15.2 MiB");
    }
}
