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
fn every_key_the_code_asks_for_is_in_the_table_and_every_key_is_asked_for() {
    let en = parse_table(&EN_FILES).expect("the English table");
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut mentioned = BTreeSet::new();
    let mut problems = Vec::new();
    for f in &files {
        let source = std::fs::read_to_string(f).expect("read a source file");
        for (key, line) in asked_for(&source) {
            if !en.contains_key(&key) {
                problems.push(format!("{}:{line}: no key \"{key}\"", f.display()));
            }
        }
        mentioned.extend(key_literals(&source));
    }
    for k in en.keys() {
        if !mentioned.contains(k) {
            problems.push(format!("the English table: nothing asks for \"{k}\""));
        }
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
