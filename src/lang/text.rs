//! A text written in a content file (a tour's caption, a title) in one
//! language or several: `"Evening."` or `{"en": "Evening.", "de": "Abend."}`.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::{Lang, current};

/// A content text, by language (English is always there).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// The languages given, English first.
    by_lang: Vec<(Lang, String)>,
}

impl Text {
    /// A text in English only.
    pub fn english(s: impl Into<String>) -> Text {
        Text {
            by_lang: vec![(Lang::En, s.into())],
        }
    }

    /// The text in `lang`, or in English where it has none.
    pub fn in_lang(&self, lang: Lang) -> &str {
        let want = if lang == Lang::Pseudo { Lang::En } else { lang };
        self.by_lang
            .iter()
            .find(|(l, _)| *l == want)
            .or_else(|| self.by_lang.first())
            .map_or("", |(_, s)| s.as_str())
    }

    /// The text in the language in force (wrapped in `⟪ ⟫` for the pseudo
    /// language: a content text, written by its author with its numbers).
    pub fn get(&self) -> String {
        let s = self.in_lang(current());
        if current() == Lang::Pseudo {
            format!("⟪{s}⟫")
        } else {
            s.to_owned()
        }
    }

    /// The languages it is written in.
    pub fn languages(&self) -> impl Iterator<Item = Lang> + '_ {
        self.by_lang.iter().map(|(l, _)| *l)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.by_lang.len() == 1 {
            s.serialize_str(self.in_lang(Lang::En))
        } else {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(self.by_lang.len()))?;
            for (l, t) in &self.by_lang {
                m.serialize_entry(l.code(), t)?;
            }
            m.end()
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a text, \"...\", or one per language, {\"en\": \"...\", \"de\": \"...\"}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text::english(v))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text::english(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut by_lang: Vec<(Lang, String)> = Vec::new();
                while let Some((code, text)) = map.next_entry::<String, String>()? {
                    let lang = Lang::parse(&code).map_err(de::Error::custom)?;
                    if lang == Lang::Pseudo {
                        return Err(de::Error::custom("\"xx\" is for tests, not for texts"));
                    }
                    if by_lang.iter().any(|(l, _)| *l == lang) {
                        return Err(de::Error::custom(format!("\"{code}\" is given twice")));
                    }
                    by_lang.push((lang, text));
                }
                if !by_lang.iter().any(|(l, _)| *l == Lang::En) {
                    return Err(de::Error::custom(
                        "the text needs its English (\"en\"), which the other languages fall back to",
                    ));
                }
                by_lang.sort_by_key(|(l, _)| *l != Lang::En);
                Ok(Text { by_lang })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_reads_as_one_string_or_one_per_language() {
        let t: Text = ron::from_str("\"Evening.\"").unwrap();
        assert_eq!(t.in_lang(Lang::De), "Evening.");
        let t: Text = ron::from_str("{\"de\": \"Abend.\", \"en\": \"Evening.\"}").unwrap();
        assert_eq!(
            (t.in_lang(Lang::En), t.in_lang(Lang::De)),
            ("Evening.", "Abend.")
        );
        let e = ron::from_str::<Text>("{\"de\": \"Abend.\"}").unwrap_err();
        assert!(e.to_string().contains("English"), "{e}");
        let e = ron::from_str::<Text>("{\"en\": \"a\", \"fr\": \"b\"}").unwrap_err();
        assert!(e.to_string().contains("\"fr\""), "{e}");
    }
}
