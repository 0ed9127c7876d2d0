//! What the command says about errors, in the language asked for: the library's errors are in
//! English, so the Chinese words are here.

use tuixin::{CodeError, DecodeError, Lang};

/// A code that is not one, said in `lang`.
pub fn code_error(error: &CodeError, lang: Lang) -> String {
    if lang == Lang::En {
        return error.to_string();
    }
    match error {
        CodeError::ReplyShape(text) => {
            format!("{text:?} 不是 SMTP 回复码\u{ff1a}回复码是三位数字\u{ff0c}例如 550")
        }
        CodeError::ReplyRange(text) => format!(
            "{text:?} 不是 SMTP 回复码\u{ff1a}第一位必须是 2、3、4 或 5\u{ff0c}第二位必须是 0 到 5"
        ),
        CodeError::EnhancedShape(text) => {
            format!("{text:?} 不是增强状态码\u{ff1a}格式为 类别.主题.细节\u{ff0c}例如 5.1.1")
        }
        CodeError::EnhancedClass(text) => {
            format!("{text:?} 不是增强状态码\u{ff1a}类别（第一个数字）必须是 2、4 或 5")
        }
        CodeError::EnhancedSubject(text) => {
            format!("{text:?} 不是增强状态码\u{ff1a}主题（第二个数字）必须是 0 到 7（RFC 3463）")
        }
    }
}

/// Why a message could not be decoded, said in `lang`.
pub fn decode_error(error: &DecodeError, lang: Lang) -> String {
    if lang == Lang::En {
        return error.to_string();
    }
    match error {
        DecodeError::Empty => "输入为空".to_owned(),
        DecodeError::NotAMessage => "不是邮件\u{ff1a}找不到邮件头".to_owned(),
        DecodeError::TooDeep { depth, limit } => {
            format!("MIME 嵌套 {depth} 层\u{ff0c}超过上限 {limit}")
        }
        DecodeError::HeaderLineTooLong { length, limit } => {
            format!("一行邮件头长 {length} 字节\u{ff0c}超过上限 {limit}")
        }
        DecodeError::TooManyParts { parts, limit } => {
            format!("{parts} 个 MIME 部分\u{ff0c}超过上限 {limit}")
        }
    }
}

/// "There is nothing to explain", in `lang`.
pub fn nothing_to_explain(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "nothing to explain: give a code (550, 5.1.1) or a bounce's diagnostic text",
        Lang::Zh => "没有可解释的内容\u{ff1a}请给出代码（550、5.1.1）或退信的诊断文字",
    }
}

/// An unknown provider, and the known ones, in `lang`.
pub fn unknown_provider(name: &str, known: &[&str], lang: Lang) -> String {
    match lang {
        Lang::En => format!("unknown provider {name:?}: known providers are {}", known.join(", ")),
        Lang::Zh => format!("未知的服务商 {name:?}\u{ff1a}已知服务商为 {}", known.join("、")),
    }
}

/// A rule file that cannot be read, in `lang`.
pub fn unreadable_rules(file: &std::path::Path, error: &std::io::Error, lang: Lang) -> String {
    match lang {
        Lang::En => format!("cannot read rule file {}: {error}", file.display()),
        Lang::Zh => format!("无法读取规则文件 {}\u{ff1a}{error}", file.display()),
    }
}

/// A rule file that holds an invalid rule, in `lang` (the parser's own words follow).
pub fn invalid_rules(error: &tuixin::classify::RuleError, lang: Lang) -> String {
    match lang {
        Lang::En => error.to_string(),
        Lang::Zh => format!("规则文件无效\u{ff1a}{error}"),
    }
}

/// How many rules a valid file holds, in `lang`.
pub fn rules_valid(file: &std::path::Path, count: usize, lang: Lang) -> String {
    match lang {
        Lang::En => {
            let rules = if count == 1 { "rule" } else { "rules" };
            format!("{}: {count} {rules}, all valid", file.display())
        }
        Lang::Zh => format!("{}\u{ff1a}{count} 条规则\u{ff0c}全部有效", file.display()),
    }
}

/// A policy file that cannot be read, in `lang`.
pub fn unreadable_policy(file: &std::path::Path, error: &std::io::Error, lang: Lang) -> String {
    match lang {
        Lang::En => format!("cannot read policy file {}: {error}", file.display()),
        Lang::Zh => format!("无法读取策略文件 {}\u{ff1a}{error}", file.display()),
    }
}

/// A policy file that cannot be used, in `lang` (the line, the field and the cause follow).
pub fn invalid_policy(
    file: &std::path::Path,
    error: &tuixin::lifecycle::PolicyError,
    lang: Lang,
) -> String {
    use tuixin::lifecycle::PolicyError;
    if lang == Lang::En {
        return format!("{}: {error}", file.display());
    }
    // The frame in Chinese; the parser's and the check's own words follow.
    let place = match error {
        PolicyError::Syntax { line, column, field, message } => {
            let field = field.as_ref().map(|f| format!("\u{ff08}{f}\u{ff09}")).unwrap_or_default();
            format!("第 {line} 行第 {column} 列{field}\u{ff1a}{message}")
        }
        PolicyError::Invalid { field, line, message } => {
            let line = line.map(|l| format!("第 {l} 行 ")).unwrap_or_default();
            format!("{line}{field}\u{ff1a}{message}")
        }
    };
    format!("策略文件 {} 无效\u{ff1a}{place}", file.display())
}

/// A valid policy file, in `lang`.
pub fn policy_valid(file: &std::path::Path, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{}: valid policy", file.display()),
        Lang::Zh => format!("{}\u{ff1a}策略有效", file.display()),
    }
}

/// An input that could not be read, in `lang` (the system's words follow).
pub fn unreadable(error: &str, lang: Lang) -> String {
    match lang {
        Lang::En => error.to_owned(),
        Lang::Zh => format!("无法读取\u{ff1a}{error}"),
    }
}

/// Why a folder walk left a path alone, in `lang`.
pub fn skipped(skip: &crate::inputs::Skip, lang: Lang) -> String {
    use crate::inputs::Skip;
    match (skip, lang) {
        (Skip::Again { folder, earlier }, Lang::En) => {
            let what = if *folder { "folder" } else { "file" };
            format!("skipped: the same {what} as {}, already read", earlier.display())
        }
        (Skip::Again { folder, earlier }, Lang::Zh) => {
            let what = if *folder { "文件夹" } else { "文件" };
            format!("已跳过\u{ff1a}与已读取的 {} 是同一个{what}", earlier.display())
        }
        (Skip::Special(kind), Lang::En) => {
            let kind = match *kind {
                "pipe" => "a named pipe",
                "socket" => "a socket",
                "device" => "a device",
                _ => "a special file",
            };
            format!("skipped: {kind}, not a regular file")
        }
        (Skip::Special(kind), Lang::Zh) => {
            let kind = match *kind {
                "pipe" => "命名管道",
                "socket" => "套接字",
                "device" => "设备",
                _ => "特殊文件",
            };
            format!("已跳过\u{ff1a}{kind}\u{ff0c}不是普通文件")
        }
    }
}

/// What a limit cut from a message.
pub enum Cut {
    /// A message of `size` bytes, decoded up to `limit`.
    Size { size: u64, limit: usize },
    /// A line longer than `limit`: the rest of the input is not read.
    RestUnread { limit: usize },
    /// More recipients than `max`: records for the first `max` only.
    Recipients { max: usize },
}

/// What a limit cut, in `lang`.
pub fn cut(cut: &Cut, lang: Lang) -> String {
    match (cut, lang) {
        (Cut::Size { size, limit }, Lang::En) => format!(
            "message of {size} bytes: only its first {limit} bytes decoded (--max-message-size)"
        ),
        (Cut::Size { size, limit }, Lang::Zh) => {
            format!("邮件长 {size} 字节\u{ff1a}只解析了前 {limit} 字节（--max-message-size）")
        }
        (Cut::RestUnread { limit }, Lang::En) => format!(
            "a line longer than {limit} bytes (--max-message-size): the rest of the input is not read"
        ),
        (Cut::RestUnread { limit }, Lang::Zh) => {
            format!("有一行超过 {limit} 字节（--max-message-size）\u{ff1a}该输入的其余部分未读取")
        }
        (Cut::Recipients { max }, Lang::En) => format!(
            "more than {max} recipients: records for the first {max} only (--max-recipients)"
        ),
        (Cut::Recipients { max }, Lang::Zh) => {
            format!("收件人超过 {max} 个\u{ff1a}只输出前 {max} 个的记录（--max-recipients）")
        }
    }
}
