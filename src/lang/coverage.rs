//! The tables against each other and against the code: every key in every
//! language with the same `{places}`, every key the code asks for in the
//! tables, and no key in the tables that nothing asks for.

use std::collections::BTreeSet;
use std::path::Path;

use super::{DE_FILES, EN_FILES, parse_table, places};

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The string literals in `source` that look like keys ("area.name").
fn key_literals(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(i) = rest.find('"') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('"') else { break };
        let lit = &after[..j];
        if lit.contains('.')
            && !lit.starts_with('.')
            && !lit.ends_with('.')
            && lit
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        {
            out.push(lit.to_owned());
        }
        rest = &after[j + 1..];
    }
    out
}

/// The keys the code asks for: the first argument of `tr(`, `tr!(` and
/// `text(lang, `.
fn asked_for(source: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        // `tr_in!(lang, "key"`: the key after the language.
        let mut rest = line;
        while let Some(i) = rest.find("tr_in!(") {
            let after = &rest[i + "tr_in!(".len()..];
            // The language, then `, "key"` (not a string that mentions it).
            if let Some(open) = after.find('"')
                && after[..open].ends_with(", ")
                && let Some(close) = after[open + 1..].find('"')
            {
                out.push((after[open + 1..open + 1 + close].to_owned(), n + 1));
            }
            rest = after;
        }
        for pat in ["tr(\"", "tr!(\""] {
            let mut rest = line;
            while let Some(i) = rest.find(pat) {
                let after = &rest[i + pat.len()..];
                // `tr(` itself, not `write_str(` or `include_str!(`.
                let word = rest[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                if let (false, Some(j)) = (word, after.find('"')) {
                    out.push((after[..j].to_owned(), n + 1));
                }
                rest = after;
            }
        }
    }
    out
}

/// Each `tr!("key", name = value, ...)` in `source`, however it is wrapped
/// over lines: its key, the names it fills and its line. A `tr!` whose key
/// is not a literal is left out (the literals it chooses from are checked
/// as keys).
fn filled(source: &str) -> Vec<(String, BTreeSet<String>, usize)> {
    let mut out = Vec::new();
    // Spelled apart, so that this line is not taken for a call.
    for (pattern, language_first) in [(concat!("tr!", "("), false), (concat!("tr_in!", "("), true)]
    {
        out.extend(filled_by(source, pattern, language_first));
    }
    out
}

/// [`filled`] for one macro, `pattern` its name and parenthesis; with
/// `language_first`, its first argument is the language, not the key.
fn filled_by(
    source: &str,
    pattern: &str,
    language_first: bool,
) -> Vec<(String, BTreeSet<String>, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = source[from..].find(pattern) {
        let start = from + i + pattern.len();
        from = start;
        let word = source[..start - pattern.len()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let line_start = source[..start].rfind('\n').map_or(0, |n| n + 1);
        if word || source[line_start..start].trim_start().starts_with("//") {
            continue;
        }
        // The arguments at the top level, up to the closing parenthesis.
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        let mut args = vec![String::new()];
        for c in source[start..].chars() {
            if in_string {
                args.last_mut().expect("one").push(c);
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    args.push(String::new());
                    continue;
                }
                _ => {}
            }
            args.last_mut().expect("one").push(c);
        }
        if language_first {
            args.remove(0);
        }
        let Some(key) = args.first().map(|k| k.trim()) else {
            continue;
        };
        let Some(key) = key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) else {
            continue;
        };
        let names = args[1..]
            .iter()
            .filter_map(|a| {
                let (name, rest) = a.split_once('=')?;
                let name = name.trim();
                (!rest.starts_with('=')
                    && !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then(|| name.to_owned())
            })
            .collect();
        let line = source[..start].matches('\n').count() + 1;
        out.push((key.to_owned(), names, line));
    }
    out
}

#[test]
fn every_key_is_in_every_language_with_the_same_places() {
    let en = parse_table(&EN_FILES).expect("the English table");
    let de = parse_table(&DE_FILES).expect("the German table");
    let mut problems = Vec::new();
    for (k, v) in &en {
        match de.get(k) {
            None => problems.push(format!("the German table lacks \"{k}\"")),
            Some(d) => {
                let a: BTreeSet<&str> = places(v).into_iter().collect();
                let b: BTreeSet<&str> = places(d).into_iter().collect();
                if a != b {
                    problems.push(format!("\"{k}\": en has {a:?}, de has {b:?}"));
                }
                if d.trim().is_empty() != v.trim().is_empty() {
                    problems.push(format!("\"{k}\" is empty in one language"));
                }
            }
        }
    }
    for k in de.keys() {
        if !en.contains_key(k) {
            problems.push(format!(
                "the German table has \"{k}\", which the English one does not"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_german_text_is_the_english_one_left_untranslated() {
    let en = parse_table(&EN_FILES).expect("the English table");
    let de = parse_table(&DE_FILES).expect("the German table");
    // Words, not a unit or a name: at least 12 characters besides the places.
    let words = |t: &str| {
        let mut out = String::new();
        let mut depth = 0;
        for c in t.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out.trim().chars().count()
    };
    let same: Vec<&String> = en
        .iter()
        .filter(|(k, v)| de.get(*k) == Some(*v) && words(v) >= 12)
        .map(|(k, _)| k)
        .collect();
    assert!(same.is_empty(), "German left in English: {same:?}");
}

#[test]
fn every_key_the_code_asks_for_is_in_the_table_and_every_key_is_asked_for() {
    let en = parse_table(&EN_FILES).expect("the English table");
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut mentioned = BTreeSet::new();
    let mut problems = Vec::new();
    // The tables' areas ("build", "challenge", ...): a literal in one of
    // them is a key, wherever the code writes it (a `tr(match ...)` arm).
    let areas: BTreeSet<&str> = en
        .keys()
        .filter_map(|k| k.split_once('.').map(|(area, _)| area))
        .collect();
    for f in &files {
        let source = std::fs::read_to_string(f).expect("read a source file");
        for (key, line) in asked_for(&source) {
            if !en.contains_key(&key) {
                problems.push(format!("{}:{line}: no key \"{key}\"", f.display()));
            }
        }
        let literals = key_literals(&source);
        for key in &literals {
            let area = key.split_once('.').map_or("", |(a, _)| a);
            if areas.contains(area) && !en.contains_key(key) {
                problems.push(format!(
                    "{}: \"{key}\" looks like a key of the table's \"{area}\" area, but there is no such key",
                    f.display()
                ));
            }
        }
        // The places a `tr!` fills are the places its text has.
        for (key, names, line) in filled(&source) {
            let Some(text) = en.get(&key) else { continue };
            let wanted: BTreeSet<String> = places(text).into_iter().map(str::to_owned).collect();
            if names != wanted {
                problems.push(format!(
                    "{}:{line}: tr!(\"{key}\") fills {names:?}, its text has {wanted:?}",
                    f.display()
                ));
            }
        }
        mentioned.extend(literals);
    }
    for k in en.keys() {
        if !mentioned.contains(k) {
            problems.push(format!("the English table: nothing asks for \"{k}\""));
        }
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scanners_find_what_they_are_for() {
    let source = "let a = tr!(\n    \"x.y\",\n    n = f(1, 2),\n    m = \"a, b\",\n);\n// tr!(\"no.no\", z = 1)\nlet b = tr!(\"p.q\");\nlet c = str!(\"r.s\", k = 1);\nif a == tr!(\"t.u\", v = w == 3) {}\nlet d = tr_in!(seat.lang(1), \"i.n\", w = 2);";
    let found = filled(source);
    let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(
        found,
        vec![
            ("x.y".to_owned(), names(&["n", "m"]), 1),
            ("p.q".to_owned(), names(&[]), 7),
            ("t.u".to_owned(), names(&["v"]), 9),
            ("i.n".to_owned(), names(&["w"]), 10),
        ]
    );
    assert_eq!(
        asked_for("x = tr_in!(lang, \"i.n\", w = 2); y = tr(\"p.q\");"),
        vec![("i.n".to_owned(), 1), ("p.q".to_owned(), 1)]
    );
    assert_eq!(
        key_literals("tr(match k { A => \"build.kind_car\", _ => \"museum.demo.ron\" })"),
        vec!["build.kind_car".to_owned(), "museum.demo.ron".to_owned()]
    );
}
