//! Loading scenario files, and errors that point at the file, line and column.

use std::fmt;
use std::path::Path;

use super::{MAX_FILE_BYTES, Scenario};

/// One problem with a scenario, located where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line and column, when the problem comes from the text.
    pub position: Option<(usize, usize)>,
    /// What is wrong and how to fix it, in one sentence.
    pub message: String,
}

impl ScenarioError {
    /// An error about the whole file.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            position: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Reads a scenario file as text, refusing what cannot be a scenario.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    read_text_within(path, MAX_FILE_BYTES)
}

/// Reads a text file of the sandbox's kinds, at most `limit` bytes, with
/// located errors; a UTF-8 byte-order mark is dropped.
pub fn read_text_within(path: &Path, limit: u64) -> Result<String, ScenarioError> {
    use crate::files::Refusal;
    let file = path.display().to_string();
    let bytes = crate::files::read_bounded(path, limit).map_err(|e| {
        let why = match e {
            Refusal::Missing => {
                "this file does not exist; check the path (the shipped scenarios are in scenes/)"
                    .to_owned()
            }
            Refusal::Folder => {
                "this is a folder, not a file; name a .scenario.ron file inside it".to_owned()
            }
            Refusal::TooLarge(..) => {
                format!("{e}; use the `generated` form for large towns")
            }
            Refusal::NotAFile(_) | Refusal::Io(_) => e.to_string(),
        };
        ScenarioError::file(&file, why)
    })?;
    let bytes = crate::files::without_byte_order_mark(&bytes);
    if bytes.contains(&0) {
        return Err(ScenarioError::file(
            &file,
            "this is a binary file, not a scenario; scenarios are RON text files like scenes/default.scenario.ron",
        ));
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let (line, col) = position_of(&String::from_utf8_lossy(
            &e.as_bytes()[..e.utf8_error().valid_up_to()],
        ));
        ScenarioError {
            file: file.clone(),
            position: Some((line, col)),
            message: "the file is not valid UTF-8 text here; save it as UTF-8".to_owned(),
        }
    })
}

/// 1-based line and column just after `prefix`.
fn position_of(prefix: &str) -> (usize, usize) {
    let line = prefix.matches('\n').count() + 1;
    let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Parses scenario text. `file` names the source in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    parse_ron(text, file, "Scenario", "scenes/default.scenario.ron")
}

/// Parses RON text of any of the sandbox's file kinds: `kind` is the
/// name the text starts with (`Scenario`, `Challenge`), `example` a shipped
/// file to copy from, both for the hints.
pub fn parse_ron<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
    kind: &str,
    example: &str,
) -> Result<T, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError::file(
            file,
            format!("the file is empty; it starts with `{kind}(` (copy {example} to begin)"),
        ));
    }
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    options.from_str::<T>(text).map_err(|e| {
        let start = e.span.start;
        ScenarioError {
            file: file.to_owned(),
            position: Some((start.line, start.col)),
            message: friendly(&e.code, kind, example),
        }
    })
}

/// Reads and parses a file of one of the sandbox's kinds ([`parse_ron`]),
/// giving its text too, for a [`Locator`].
pub fn read_ron<T: serde::de::DeserializeOwned>(
    path: &Path,
    kind: &str,
    example: &str,
) -> Result<(T, String), Vec<ScenarioError>> {
    let text = read_text(path).map_err(|e| vec![e])?;
    let value =
        parse_ron(&text, &path.display().to_string(), kind, example).map_err(|e| vec![e])?;
    Ok((value, text))
}

/// RON's message with a hint on how to fix the common cases.
fn friendly(code: &ron::Error, kind: &str, example: &str) -> String {
    use ron::Error as E;
    let text = code.to_string();
    match code {
        E::MissingStructField { .. } => format!("{text}; add it (see {example})"),
        E::NoSuchStructField { .. } => format!("{text}; check the spelling or remove it"),
        E::DuplicateStructField { .. } => format!("{text}; keep only one"),
        E::ExpectedFloat | E::ExpectedInteger => format!("{text}; write a plain number"),
        E::ExpectedString | E::ExpectedStringEnd => {
            format!("{text}; names and type names go in double quotes")
        }
        E::Eof => format!("{text}; a closing bracket or parenthesis is probably missing"),
        E::ExpectedIdentifier | E::ExpectedComma => {
            format!("{text}; a `)`, `]` or `,` is probably missing just before this point")
        }
        E::ExpectedArrayEnd | E::ExpectedStructLikeEnd | E::ExpectedMapEnd => {
            format!("{text}; a comma between items or a closing bracket is probably missing")
        }
        E::ExpectedStructLike | E::ExpectedNamedStructLike(_) => {
            format!(
                "{text}; this value is a group of fields written in parentheses, like `(kwp: 5.0)`"
            )
        }
        E::TrailingCharacters => {
            format!("{text}; remove what follows the closing `)` of `{kind}(`")
        }
        E::ExceededRecursionLimit => {
            format!("{text}; the file nests brackets too deeply")
        }
        _ => text,
    }
}

/// Loads and parses a scenario file.
pub fn load(path: &Path) -> Result<(Scenario, String), ScenarioError> {
    let text = read_text(path)?;
    let scenario = parse(&text, &path.display().to_string())?;
    Ok((scenario, text))
}

/// Most problems reported for one file: past them the checks still run
/// (so the answer stays the same) but no more are located or explained, and
/// one line says how many more there are. Locating an error scans the text,
/// so this keeps the report linear in the file's size.
pub const MAX_ERRORS: usize = 20;

/// Finds where a `key: "value"` pair is written, to point errors at it.
pub struct Locator<'a> {
    file: &'a str,
    text: &'a str,
    made: std::cell::Cell<usize>,
}

impl<'a> Locator<'a> {
    /// A locator over a scenario's text (empty text locates nothing).
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            text,
            made: std::cell::Cell::new(0),
        }
    }

    /// Whether [`MAX_ERRORS`] errors have been made: later ones need no
    /// position or hint, since they will not be shown.
    pub fn is_full(&self) -> bool {
        self.made.get() >= MAX_ERRORS
    }

    /// At most [`MAX_ERRORS`] of `errors`, and a last line for the rest.
    pub fn bounded(&self, mut errors: Vec<ScenarioError>) -> Vec<ScenarioError> {
        if errors.len() > MAX_ERRORS {
            let more = errors.len() - MAX_ERRORS;
            errors.truncate(MAX_ERRORS);
            errors.push(self.error(format!(
                "... and {more} more problems like these; fix the ones above first"
            )));
        }
        errors
    }

    /// Positions of every `key: "value"` in the text, in order.
    pub fn find_all(&self, key: &str, value: &str) -> Vec<(usize, usize)> {
        let quoted = format!("\"{value}\"");
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(rel) = self.text[from..].find(&quoted) {
            let at = from + rel;
            from = at + quoted.len();
            let before = self.text[..at].trim_end();
            let Some(before) = before.strip_suffix(':') else {
                continue;
            };
            if before.trim_end().ends_with(key) {
                found.push(position_of(&self.text[..at]));
            }
        }
        found
    }

    /// An error at the `n`th `key: "value"` (or the last one, or the file).
    pub fn error_at(&self, key: &str, value: &str, n: usize, message: String) -> ScenarioError {
        let position = if self.is_full() {
            None
        } else {
            let all = self.find_all(key, value);
            all.get(n).or(all.last()).copied()
        };
        self.made.set(self.made.get() + 1);
        ScenarioError {
            file: self.file.to_owned(),
            position,
            message,
        }
    }

    /// An error at the `n`th place `needle` is written (or the last one,
    /// or the file): for values that are not a `key: "value"` pair, such
    /// as a name in a list or a goal's kind.
    pub fn error_at_text(&self, needle: &str, n: usize, message: String) -> ScenarioError {
        let position = if self.is_full() || needle.is_empty() {
            None
        } else {
            let all: Vec<usize> = self.text.match_indices(needle).map(|(i, _)| i).collect();
            all.get(n)
                .or(all.last())
                .map(|&at| position_of(&self.text[..at]))
        };
        self.made.set(self.made.get() + 1);
        ScenarioError {
            file: self.file.to_owned(),
            position,
            message,
        }
    }

    /// `name` (the value of `key`) relative to the folder of `of`, the file
    /// being read, when it is a file there; otherwise an error at
    /// `key: "name"` saying where it was looked for. `what` names it
    /// ("scenario", "weather series").
    pub fn file_beside(
        &self,
        of: &std::path::Path,
        key: &str,
        name: &str,
        what: &str,
    ) -> Result<std::path::PathBuf, ScenarioError> {
        let path = of.parent().unwrap_or(std::path::Path::new(".")).join(name);
        if path.is_file() {
            return Ok(path);
        }
        Err(self.error_at(
            key,
            name,
            0,
            format!(
                "the {what} \"{name}\" was not found at {}; paths are relative to this file",
                path.display()
            ),
        ))
    }

    /// The scenario a challenge, lesson or tour names (`scenario: "..."`,
    /// beside it): its path when it is there and `errors` has none so far;
    /// otherwise none, with the missing file added to `errors`.
    pub fn scenario_beside(
        &self,
        of: &std::path::Path,
        name: &str,
        errors: &mut Vec<ScenarioError>,
    ) -> Option<std::path::PathBuf> {
        match self.file_beside(of, "scenario", name, "scenario") {
            Ok(path) => errors.is_empty().then_some(path),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    }

    /// An error about the file as a whole.
    pub fn error(&self, message: String) -> ScenarioError {
        self.made.set(self.made.get() + 1);
        ScenarioError::file(self.file, message)
    }
}
