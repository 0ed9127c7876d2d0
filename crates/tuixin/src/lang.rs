//! The languages that explanations are written in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language that every explanation is available in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

/// A language name that tuixin does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: use \"en\" or \"zh\"")]
pub struct LangError(pub String);

impl Lang {
    /// The language a POSIX locale name asks for (`zh_CN.UTF-8` is Chinese, anything else English).
    pub fn from_locale(locale: &str) -> Lang {
        let lower = locale.trim().to_ascii_lowercase();
        if lower.starts_with("zh") { Lang::Zh } else { Lang::En }
    }

    /// The language the environment asks for: the first set of `LC_ALL`, `LC_MESSAGES`, `LANG`.
    pub fn from_env_vars<'a>(mut get: impl FnMut(&str) -> Option<String> + 'a) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| get(name).filter(|value| !value.trim().is_empty()))
            .map(|value| Lang::from_locale(&value))
            .unwrap_or_default()
    }

    /// The short name: `en` or `zh`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

impl FromStr for Lang {
    type Err = LangError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let primary = lower.split(['-', '_', '.']).next().unwrap_or("");
        match primary {
            "en" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            _ => Err(LangError(s.to_owned())),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_names_pick_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("zh_TW"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::from_locale("de_DE"), Lang::En);
    }

    #[test]
    fn lc_all_wins_over_lang_and_empty_values_are_skipped() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(
            Lang::from_env_vars(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "zh_CN.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_env_vars(env(&[("LC_ALL", ""), ("LC_MESSAGES", "zh_CN.UTF-8")])),
            Lang::Zh
        );
        assert_eq!(Lang::from_env_vars(env(&[("LANG", "zh_SG.GBK")])), Lang::Zh);
        assert_eq!(Lang::from_env_vars(env(&[])), Lang::En);
    }

    #[test]
    fn parses_short_and_long_names() {
        assert_eq!("zh".parse::<Lang>(), Ok(Lang::Zh));
        assert_eq!("zh-CN".parse::<Lang>(), Ok(Lang::Zh));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
    }
}
