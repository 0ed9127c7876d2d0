//! The web page's two languages: every UI string, one TOML table per language compiled into
//! the binary, and which language a request gets (the `lang` cookie, else `Accept-Language`).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, header};

/// A language the web page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
}

const EN_TOML: &str = include_str!("../../templates/i18n/en.toml");
const ZH_TOML: &str = include_str!("../../templates/i18n/zh.toml");

/// Reads one language's table: flat `key = "text"` lines (dotted keys allowed).
fn table(text: &str, name: &str) -> HashMap<String, String> {
    fn walk(name: &str, prefix: &str, value: &toml::Value, out: &mut HashMap<String, String>) {
        match value {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(name, &key, v, out);
                }
            }
            toml::Value::String(s) => {
                out.insert(prefix.to_owned(), s.clone());
            }
            other => panic!("{name}: {prefix} is not a string but {other:?}"),
        }
    }
    let value: toml::Value =
        toml::from_str(text).unwrap_or_else(|e| panic!("the {name} UI strings do not parse: {e}"));
    let mut out = HashMap::new();
    walk(name, "", &value, &mut out);
    out
}

static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| table(EN_TOML, "en.toml"));
static ZH: LazyLock<HashMap<String, String>> = LazyLock::new(|| table(ZH_TOML, "zh.toml"));

impl Lang {
    /// Its tag for `<html lang>` and the `lang` cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language named by a tag (`en`, `zh`, `zh-CN`, ...), if it is one of ours.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The other language (what the switch offers).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// Its name in itself, for the switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "中文",
        }
    }

    /// The UI string `key` in this language; `?` when missing (a test keeps
    /// every key used in the templates present in both tables).
    pub fn t(self, key: &str) -> &'static str {
        let map: &'static HashMap<String, String> = match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        };
        match map.get(key) {
            Some(text) => text.as_str(),
            None => {
                tracing::warn!(key, lang = self.tag(), "missing UI string");
                "?"
            }
        }
    }

    /// The language for a request: the `lang` cookie if it names one of ours, else the best
    /// of ours in `Accept-Language` by its q-values, else English.
    pub fn of_request(headers: &HeaderMap) -> Lang {
        if let Some(lang) = super::cookie(headers, "lang").and_then(|v| Lang::from_tag(&v)) {
            return lang;
        }
        let accept = headers
            .get_all(header::ACCEPT_LANGUAGE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let mut best: Option<(f32, Lang)> = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else { continue };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn every_key_is_in_both_languages_and_none_is_empty() {
        let en: std::collections::BTreeSet<_> = EN.keys().collect();
        let zh: std::collections::BTreeSet<_> = ZH.keys().collect();
        assert_eq!(en.difference(&zh).collect::<Vec<_>>(), Vec::<&&String>::new(), "only in en");
        assert_eq!(zh.difference(&en).collect::<Vec<_>>(), Vec::<&&String>::new(), "only in zh");
        for (k, v) in EN.iter().chain(ZH.iter()) {
            assert!(!v.trim().is_empty(), "{k} is empty");
        }
    }

    #[test]
    fn every_key_the_templates_and_pages_use_is_in_the_tables() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
        let mut used = Vec::new();
        for folder in [dir, src] {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, _) in text.match_indices("t(\"") {
                    let rest = &text[i + 3..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if key.contains('.') {
                        used.push((path.display().to_string(), key.to_owned()));
                    }
                }
            }
        }
        assert!(used.len() > 10, "the scan found the keys: {used:?}");
        for (file, key) in used {
            assert!(EN.contains_key(&key), "{file} uses {key}, missing from en.toml");
            assert!(ZH.contains_key(&key), "{file} uses {key}, missing from zh.toml");
        }
    }

    #[test]
    fn the_cookie_wins_then_the_highest_q_of_ours() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of_request(&h), Lang::En);
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr, zh-CN;q=0.8, en;q=0.5"));
        assert_eq!(Lang::of_request(&h), Lang::Zh);
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("zh;q=0.3, en-GB;q=0.9"));
        assert_eq!(Lang::of_request(&h), Lang::En);
        h.insert(header::COOKIE, HeaderValue::from_static("a=b; lang=zh"));
        assert_eq!(Lang::of_request(&h), Lang::Zh);
        assert_eq!(Lang::Zh.t("nav.overview"), "概览");
    }
}
