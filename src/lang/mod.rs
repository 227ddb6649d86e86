//! The window's languages: every string a visitor, student or teacher reads
//! comes from a table (`en/*.ron`, `de/*.ron`, compiled in), looked up by key
//! with [`tr()`] or filled with [`tr!`](crate::tr!); numbers and dates are written the
//! language's way ([`num`], [`date_time`]: a decimal comma in German).
//!
//! The language in force is process-wide ([`set`], [`current`]): the window
//! has one, chosen by `--lang`, the demo's config or the operator panel.
//! [`Lang::Pseudo`] (`--lang xx`) is for tests: every table text is wrapped
//! in `⟦ ⟧`, every content text ([`Text`]) in `⟪ ⟫`, and decimals use a
//! comma, so a text in the window without the brackets, or a number with
//! a decimal point outside a content text, bypassed the table.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use chrono::{Datelike, NaiveDateTime};

mod text;
pub use text::Text;

/// A language of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// German.
    De,
    /// English wrapped in `⟦ ⟧`, for the test that finds texts bypassing the table.
    Pseudo,
}

impl Lang {
    /// The languages people choose from (not [`Lang::Pseudo`]).
    pub const CHOSEN: [Lang; 2] = [Lang::En, Lang::De];

    /// The code on the command line and in files: "en", "de" ("xx" for the test).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Pseudo => "xx",
        }
    }

    /// The language's own name, as the operator panel offers it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Pseudo => "⟦Pseudo⟧",
        }
    }

    /// Reads a code ("en", "de", "xx"), or says which there are.
    pub fn parse(code: &str) -> Result<Lang, String> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "de" | "german" | "deutsch" => Ok(Lang::De),
            "xx" => Ok(Lang::Pseudo),
            other => Err(format!(
                "\"{other}\" is not a language of the window: use \"en\" (English) or \"de\" (Deutsch)"
            )),
        }
    }

    fn index(self) -> u8 {
        match self {
            Lang::En => 0,
            Lang::De => 1,
            Lang::Pseudo => 2,
        }
    }

    fn from_index(i: u8) -> Lang {
        match i {
            1 => Lang::De,
            2 => Lang::Pseudo,
            _ => Lang::En,
        }
    }

    /// The decimal separator and the thousands separator.
    fn separators(self) -> (char, char) {
        match self {
            Lang::En => ('.', ','),
            Lang::De => (',', '.'),
            Lang::Pseudo => (',', '\u{202f}'),
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Puts `lang` in force for every text from now on.
pub fn set(lang: Lang) {
    CURRENT.store(lang.index(), Ordering::Relaxed);
}

thread_local! {
    /// A language put in force on this thread only ([`with`]).
    static ON_THIS_THREAD: std::cell::Cell<Option<Lang>> = const { std::cell::Cell::new(None) };
}

/// The language in force (on this thread).
pub fn current() -> Lang {
    ON_THIS_THREAD
        .with(std::cell::Cell::get)
        .unwrap_or_else(|| Lang::from_index(CURRENT.load(Ordering::Relaxed)))
}

/// Runs `work` with `lang` in force on this thread (a host writing what
/// it refuses in its student's language), then puts back what was; other
/// threads, the window's included, keep theirs.
pub fn with<T>(lang: Lang, work: impl FnOnce() -> T) -> T {
    /// Puts back the thread's language however `work` ends.
    struct Restore(Option<Lang>);
    impl Drop for Restore {
        fn drop(&mut self) {
            ON_THIS_THREAD.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(ON_THIS_THREAD.with(|l| l.replace(Some(lang))));
    work()
}

/// The English tables, by file (keys and texts); a language's table is
/// the union of its files, each key in one of them.
pub const EN_FILES: [(&str, &str); 7] = [
    ("en/common.ron", include_str!("en/common.ron")),
    ("en/demo.ron", include_str!("en/demo.ron")),
    ("en/panels.ron", include_str!("en/panels.ron")),
    ("en/build.ron", include_str!("en/build.ron")),
    ("en/lessons.ron", include_str!("en/lessons.ron")),
    ("en/why.ron", include_str!("en/why.ron")),
    ("en/class.ron", include_str!("en/class.ron")),
];
/// The German tables, by file.
pub const DE_FILES: [(&str, &str); 7] = [
    ("de/common.ron", include_str!("de/common.ron")),
    ("de/demo.ron", include_str!("de/demo.ron")),
    ("de/panels.ron", include_str!("de/panels.ron")),
    ("de/build.ron", include_str!("de/build.ron")),
    ("de/lessons.ron", include_str!("de/lessons.ron")),
    ("de/why.ron", include_str!("de/why.ron")),
    ("de/class.ron", include_str!("de/class.ron")),
];

type Table = HashMap<String, String>;

/// Reads a language's table files into one table, with the file, line and
/// column of a mistake and of a key given twice.
pub fn parse_table(files: &[(&str, &str)]) -> Result<Table, String> {
    let mut table = Table::new();
    for (name, source) in files {
        let part = ron::from_str::<Table>(source).map_err(|e| {
            format!(
                "src/lang/{name}:{}:{}: {}",
                e.span.start.line, e.span.start.col, e.code
            )
        })?;
        for (k, v) in part {
            if table.insert(k.clone(), v).is_some() {
                return Err(format!("src/lang/{name}: \"{k}\" is also in another file"));
            }
        }
    }
    Ok(table)
}

fn table(lang: Lang) -> &'static Table {
    static TABLES: OnceLock<[Table; 3]> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        // The tables are compiled in and parsed by a test, so a mistake in
        // one cannot reach a user; an empty table would show the keys.
        let en = parse_table(&EN_FILES).unwrap_or_default();
        let de = parse_table(&DE_FILES).unwrap_or_default();
        let pseudo = en
            .iter()
            .map(|(k, v)| (k.clone(), format!("⟦{v}⟧")))
            .collect();
        [en, de, pseudo]
    });
    &tables[usize::from(lang.index())]
}

/// The text of `key` in `lang` (English where `lang` lacks it, the key
/// itself where English does too: a test keeps both from happening).
pub fn text(lang: Lang, key: &str) -> &'static str {
    table(lang)
        .get(key)
        .or_else(|| table(Lang::En).get(key))
        .map_or_else(|| leak_key(key), String::as_str)
}

fn leak_key(key: &str) -> &'static str {
    static MISSING: OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut missing = MISSING
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    missing
        .entry(key.to_owned())
        .or_insert_with(|| Box::leak(key.to_owned().into_boxed_str()))
}

/// The text of `key` in the language in force.
pub fn tr(key: &str) -> &'static str {
    text(current(), key)
}

/// Fills a text's `{name}` places with the values given.
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(&v.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The names of the `{name}` places in a text.
pub fn places(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

/// `tr_in!(lang, "key", name = value, ...)`: [`tr!`](crate::tr!) in
/// `lang` rather than the language in force (a host's words to a student
/// who reads another language).
#[macro_export]
macro_rules! tr_in {
    ($lang:expr, $key:expr) => {
        $crate::lang::text($lang, $key)
    };
    ($lang:expr, $key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::lang::fill(
            $crate::lang::text($lang, $key),
            &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),+],
        )
    };
}

/// `tr!("key", name = value, ...)`: the text of `key` in the language in
/// force with its `{name}` places filled.
#[macro_export]
macro_rules! tr {
    ($key:expr) => {
        $crate::lang::tr($key)
    };
    ($key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::lang::fill(
            $crate::lang::tr($key),
            &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),+],
        )
    };
}

/// `x` with `decimals` places, written the way of the language in force
/// ("1,234.5" in English, "1.234,5" in German); "-" where it is not a number.
pub fn num(x: f64, decimals: usize) -> String {
    num_in(current(), x, decimals)
}

/// [`num`] in a given language.
pub fn num_in(lang: Lang, x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    let plain = format!("{:.*}", decimals, x.abs());
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let (point, group) = lang.separators();
    let mut out = String::with_capacity(plain.len() + 4);
    // "-0.0" reads as 0.
    if x < 0.0 && plain.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    let digits = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (digits - i) % 3 == 0 && digits > 3 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A sum in whole euros, the language's way ("16,150 EUR", "16.150 EUR").
pub fn eur(x: f64) -> String {
    eur_in(current(), x)
}

/// [`eur`] in a given language (the command line's reports are English).
pub fn eur_in(lang: Lang, x: f64) -> String {
    fill(
        text(lang, "common.eur"),
        &[("amount", &num_in(lang, x.round(), 0))],
    )
}

/// The weekday's short name ("Mon", "Mo").
pub fn weekday_short(d: chrono::Weekday) -> &'static str {
    tr(match d {
        chrono::Weekday::Mon => "date.mon",
        chrono::Weekday::Tue => "date.tue",
        chrono::Weekday::Wed => "date.wed",
        chrono::Weekday::Thu => "date.thu",
        chrono::Weekday::Fri => "date.fri",
        chrono::Weekday::Sat => "date.sat",
        chrono::Weekday::Sun => "date.sun",
    })
}

/// The weekday's full name ("Monday", "Montag").
pub fn weekday_long(d: chrono::Weekday) -> &'static str {
    tr(match d {
        chrono::Weekday::Mon => "date.monday",
        chrono::Weekday::Tue => "date.tuesday",
        chrono::Weekday::Wed => "date.wednesday",
        chrono::Weekday::Thu => "date.thursday",
        chrono::Weekday::Fri => "date.friday",
        chrono::Weekday::Sat => "date.saturday",
        chrono::Weekday::Sun => "date.sunday",
    })
}

/// The month's short name ("Jun", "Juni").
pub fn month_short(month: u32) -> &'static str {
    const KEYS: [&str; 12] = [
        "date.jan", "date.feb", "date.mar", "date.apr", "date.may", "date.jun", "date.jul",
        "date.aug", "date.sep", "date.oct", "date.nov", "date.dec",
    ];
    tr(KEYS[(month.clamp(1, 12) - 1) as usize])
}

/// "Sat 21 Jun 2025, 13:00" ("Sa 21. Juni 2025, 13:00").
pub fn date_time(t: NaiveDateTime) -> String {
    crate::tr!(
        "date.date_time",
        wd = weekday_short(t.weekday()),
        d = t.day(),
        mon = month_short(t.month()),
        y = t.year(),
        hm = t.format("%H:%M")
    )
}

/// "Saturday 13:00" ("Samstag 13:00").
pub fn day_time(t: NaiveDateTime) -> String {
    crate::tr!(
        "date.day_time",
        wd = weekday_long(t.weekday()),
        hm = t.format("%H:%M")
    )
}

/// "Sat 13:00" ("Sa 13:00").
pub fn short_day_time(t: NaiveDateTime) -> String {
    crate::tr!(
        "date.short_day_time",
        wd = weekday_short(t.weekday()),
        hm = t.format("%H:%M")
    )
}

#[cfg(test)]
mod coverage;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_languages_way() {
        assert_eq!(num_in(Lang::En, 1234.56, 1), "1,234.6");
        assert_eq!(num_in(Lang::De, 1234.56, 1), "1.234,6");
        assert_eq!(num_in(Lang::De, -0.04, 1), "0,0");
        assert_eq!(num_in(Lang::En, -16150.0, 0), "-16,150");
        assert_eq!(num_in(Lang::De, 999.0, 0), "999");
        assert_eq!(num_in(Lang::De, 1_000_000.0, 2), "1.000.000,00");
        assert_eq!(num_in(Lang::En, f64::NAN, 1), "-");
        assert_eq!(eur_in(Lang::En, 16_150.4), "16,150 EUR");
        assert_eq!(eur_in(Lang::De, -16_150.6), "-16.151 EUR");
        assert_eq!(eur_in(Lang::De, -0.4), "0 EUR");
    }

    #[test]
    fn places_are_filled_by_name() {
        let s = fill("{a} of {b}, {a} {c}", &[("a", &1), ("b", &"two")]);
        assert_eq!(s, "1 of two, 1 {c}");
        assert_eq!(places("x {a} y {b}"), vec!["a", "b"]);
    }

    #[test]
    fn codes_read_back_and_bad_ones_say_what_there_is() {
        for l in Lang::CHOSEN {
            assert_eq!(Lang::parse(l.code()), Ok(l));
        }
        assert!(Lang::parse("fr").is_err_and(|e| e.contains("\"de\"")));
    }
}
