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

/// What `tuixin db migrate` did, in `lang`.
pub fn migrated(db: &str, from: i64, to: i64, lang: Lang) -> String {
    match (lang, from == to) {
        (Lang::En, true) => format!("{db}: schema version {to}, already current"),
        (Lang::En, false) => format!("{db}: schema migrated from version {from} to {to}"),
        (Lang::Zh, true) => format!("{db}\u{ff1a}数据库结构版本 {to}\u{ff0c}已是最新"),
        (Lang::Zh, false) => format!("{db}\u{ff1a}数据库结构已从版本 {from} 升级到 {to}"),
    }
}

/// A `--source` name that is not one, in `lang`.
pub fn bad_source(source: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "invalid --source {source:?}: printable ASCII without spaces, at most 64 bytes (e.g. file, imap:bounces)"
        ),
        Lang::Zh => format!(
            "--source {source:?} 无效\u{ff1a}须为不含空格的可打印 ASCII 字符\u{ff0c}最多 64 字节\u{ff08}如 file、imap:bounces\u{ff09}"
        ),
    }
}

/// A time that cannot be read, in `lang`.
pub fn bad_time(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => {
            format!("invalid time {text:?}: give 2026-12-01, 2026-12-01T08:00:00Z or Unix seconds")
        }
        Lang::Zh => format!(
            "时间 {text:?} 无效\u{ff1a}请给出 2026-12-01、2026-12-01T08:00:00Z 或 Unix 秒数"
        ),
    }
}

/// The store's error, in `lang` (the store's own words are English; causes from the driver
/// follow as they are).
pub fn store_error(error: &tuixin_store::StoreError, lang: Lang) -> String {
    use tuixin_store::StoreError as E;
    if lang == Lang::En {
        return error.to_string();
    }
    match error {
        E::BadUrl { url, why } => format!(
            "不是数据库 URL\u{ff1a}{url}\u{ff08}{why}\u{ff09}\u{ff1b}请给出文件路径、sqlite:路径 或 postgres://..."
        ),
        E::Missing { path } => {
            format!("{path}\u{ff1a}没有这个数据库（tuixin ingest 或 tuixin db migrate 会创建它）")
        }
        E::NotTuixin { path, why } => format!("{path} 不是 tuixin 数据库\u{ff08}{why}\u{ff09}"),
        E::SchemaTooNew { db, found, known } => format!(
            "{db} 的数据库结构版本为 {found}\u{ff0c}比本 tuixin 所知的 {known} 更新\u{ff1a}请升级 tuixin\u{ff08}数据库未被改动\u{ff09}"
        ),
        E::Locked { path, waited_ms } => format!(
            "{path} 被其他进程锁定\u{ff08}已等待 {waited_ms} 毫秒\u{ff09}\u{ff1b}请稍后重试"
        ),
        E::Unreachable { url, cause } => format!("无法连接 {url}\u{ff1a}{cause}"),
        E::DiskFull { db } => format!("{db}\u{ff1a}磁盘已满\u{ff1b}本次事务未写入任何内容"),
        E::InvalidAddress { address, why } => format!("地址 {address:?} 无效\u{ff1a}{why}"),
        E::InvalidScope(scope) => format!(
            "范围 {scope:?} 无效\u{ff1a}请用 all、transactional、marketing 或流名称 [a-z0-9][a-z0-9_.-]*"
        ),
        E::Refused(refused) => {
            use tuixin::lifecycle::LifecycleError as L;
            match refused {
                L::NotFound(scope) => format!("范围 {scope} 内没有抑制条目"),
                L::Locked(scope) => {
                    format!("范围 {scope} 内的条目已锁定（投诉）\u{ff1a}移除需要 --admin")
                }
                L::NoteRequired => "需要用 --note 说明原因".to_owned(),
                L::ExpiryInPast { .. } => "到期时间必须晚于现在".to_owned(),
            }
        }
        E::Conflict { db, cause } => {
            format!("{db}\u{ff1a}与其他写入者冲突\u{ff0c}未写入任何内容\u{ff1a}{cause}")
        }
        other => format!("数据库错误\u{ff1a}{other}"),
    }
}

/// A suppression reason that is not one, in `lang`.
pub fn bad_reason(reason: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "invalid reason {reason:?}: use hard_bounce, soft_bounce_threshold, complaint, unsubscribe, manual or provider"
        ),
        Lang::Zh => format!(
            "原因 {reason:?} 无效\u{ff1a}请用 hard_bounce、soft_bounce_threshold、complaint、unsubscribe、manual 或 provider"
        ),
    }
}

/// An import file without the columns it needs, in `lang`.
pub fn bad_import_header(lang: Lang) -> String {
    match lang {
        Lang::En => "the CSV header needs at least the columns address and reason (address,reason,created_at,code,error)".to_owned(),
        Lang::Zh => "CSV 表头至少需要 address 和 reason 两列（address,reason,created_at,code,error）".to_owned(),
    }
}

/// An entry added, in `lang`.
pub fn added(address: &str, scope: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{address}: suppressed ({scope}, manual)"),
        Lang::Zh => format!("{address}\u{ff1a}已抑制\u{ff08}{scope}\u{ff0c}手动\u{ff09}"),
    }
}

/// An entry removed, in `lang`.
pub fn removed(address: &str, scope: &str, reason: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{address}: {reason} entry in {scope} removed"),
        Lang::Zh => format!("{address}\u{ff1a}已移除 {scope} 范围内的 {reason} 条目"),
    }
}

/// What an import did, in `lang`.
pub fn imported(done: usize, failed: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("tuixin: {done} entries imported, {failed} rows refused"),
        Lang::Zh => format!("tuixin\u{ff1a}导入 {done} 条\u{ff0c}拒绝 {failed} 行"),
    }
}

/// An address the store never saw, in `lang`.
pub fn unknown_address(address: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("tuixin: {address}: never seen (no events, no entries)"),
        Lang::Zh => {
            format!("tuixin\u{ff1a}{address}\u{ff1a}从未出现过（没有事件\u{ff0c}没有条目）")
        }
    }
}

/// A config file that cannot be read or parsed.
pub fn unreadable_config(file: &std::path::Path, error: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{}: cannot read the config file: {error}", file.display()),
        Lang::Zh => format!("{}\u{ff1a}无法读取配置文件\u{ff1a}{error}", file.display()),
    }
}

/// `--http` that is no ADDR:PORT.
pub fn bad_listen_address(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("--http {text:?} is not ADDR:PORT (e.g. 127.0.0.1:8080)"),
        Lang::Zh => format!("--http {text:?} 不是 地址:端口（例如 127.0.0.1:8080）"),
    }
}

/// The listen address is taken or not ours.
pub fn cannot_listen(addr: &str, error: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("cannot listen on {addr}: {error}"),
        Lang::Zh => format!("无法监听 {addr}\u{ff1a}{error}"),
    }
}

/// Where the server can be reached.
pub fn listening(url: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("tuixin serve: listening on {url}"),
        Lang::Zh => format!("tuixin serve\u{ff1a}正在监听 {url}"),
    }
}

/// The line before the first admin token.
pub fn first_token(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "No API token existed, so an admin token was made; it is shown only now (sign in on the page with it, or send Authorization: Bearer <token>):"
        }
        Lang::Zh => {
            "尚无 API 令牌\u{ff0c}已创建一个管理员令牌\u{ff1b}它只显示这一次（用它在网页上登录\u{ff0c}或发送 Authorization: Bearer <令牌>）\u{ff1a}"
        }
    }
}

/// A token that cannot be made.
pub fn token_error(error: &tuixin_server::token::TokenError, lang: Lang) -> String {
    use tuixin_server::token::TokenError;
    if lang == Lang::En {
        return error.to_string();
    }
    match error {
        TokenError::BadScope(s) => {
            format!("未知的令牌范围 {s:?}\u{ff1a}可用 check、read、write、admin")
        }
        TokenError::NoScope => "令牌至少需要一个范围（check、read、write、admin）".to_owned(),
        TokenError::BadName => "令牌名称须为 1 到 100 个可打印字符".to_owned(),
        TokenError::Random(e) => format!("无法取得随机数生成令牌\u{ff1a}{e}"),
    }
}

/// A token was made (stderr; the token itself is on stdout).
pub fn token_made(id: &str, name: &str, scopes: &str, lang: Lang) -> String {
    match lang {
        Lang::En => {
            format!("token {id} ({name:?}, scopes {scopes}) made; it is shown only this once")
        }
        Lang::Zh => {
            format!("已创建令牌 {id}（{name:?}\u{ff0c}范围 {scopes}）\u{ff1b}它只显示这一次")
        }
    }
}

/// A token in the list that may be used.
pub fn token_live(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "live",
        Lang::Zh => "有效",
    }
}

/// A token in the list that was revoked.
pub fn token_revoked_at(at: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("revoked {at}"),
        Lang::Zh => format!("已于 {at} 撤销"),
    }
}

/// No live token has that id or name.
pub fn no_such_token(token: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("no live token has the id or name {token:?} (tuixin token list)"),
        Lang::Zh => format!("没有 id 或名称为 {token:?} 的有效令牌（见 tuixin token list）"),
    }
}

/// Tokens revoked.
pub fn token_revoked(token: &str, n: u64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("revoked {n} token(s) named or numbered {token:?}"),
        Lang::Zh => format!("已撤销 {n} 个 id 或名称为 {token:?} 的令牌"),
    }
}

/// JSON that `--input auto` found to match no webhook provider's shape, in `lang`.
pub fn payload_unknown(path: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{path}: JSON that matches no webhook provider's shape (name one with --input ses, sendgrid, mailgun, postmark, sparkpost, mailjet, brevo, resend, postal or azure)"
        ),
        Lang::Zh => format!(
            "{path}\u{ff1a}该 JSON 不符合任何 webhook 服务商的格式\u{ff08}可用 --input ses、sendgrid、mailgun、postmark、sparkpost、mailjet、brevo、resend、postal 或 azure 指定\u{ff09}"
        ),
    }
}

/// A webhook payload that cannot be read as a whole, in `lang` (the reader's words follow).
pub fn payload_error(path: &str, error: &tuixin::esp::PayloadError, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{path}: {error}"),
        Lang::Zh => format!(
            "{path}\u{ff1a}无法读取 {} 的 webhook 数据\u{ff1a}{}",
            error.provider, error.kind
        ),
    }
}

/// One event of a payload that looks like the provider's but cannot be read, in `lang`.
pub fn payload_item_error(path: &str, error: &tuixin::esp::ItemError, lang: Lang) -> String {
    match lang {
        Lang::En => {
            format!("{path}: event {} (from 0) could not be read: {}", error.index, error.why)
        }
        Lang::Zh => format!(
            "{path}\u{ff1a}第 {} 个事件\u{ff08}从 0 起\u{ff09}无法读取\u{ff1a}{}",
            error.index, error.why
        ),
    }
}

/// A log line that looks like a result of its format but could not be read, in `lang` (the
/// reader's own words on the cause follow).
pub fn log_line_error(error: &tuixin::logs::LineError, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{}: looks like a result line ({}) but could not be read: {}",
            error.line, error.format, error.why
        ),
        Lang::Zh => format!(
            "{}\u{ff1a}看似 {} 的投递结果行\u{ff0c}但无法读取\u{ff1a}{}",
            error.line, error.format, error.why
        ),
    }
}

/// `--follow` given something other than one log file, in `lang`.
pub fn follow_needs_one_log(lang: Lang) -> String {
    match lang {
        Lang::En => "--follow takes one MTA log file (its format named with --input, or told by its content)".to_owned(),
        Lang::Zh => "--follow 只接受一个 MTA 日志文件\u{ff08}用 --input 指定格式\u{ff0c}或按内容识别\u{ff09}".to_owned(),
    }
}

/// A followed log being read from a line on, in `lang`.
pub fn following(path: &str, line: usize, lang: Lang) -> String {
    match lang {
        Lang::En if line == 0 => format!("following {path} from its start"),
        Lang::En => format!("following {path} after line {line}"),
        Lang::Zh if line == 0 => format!("从头跟踪 {path}"),
        Lang::Zh => format!("从第 {line} 行之后跟踪 {path}"),
    }
}

/// What a followed log's new lines stored, in `lang`.
pub fn followed(path: &str, line: usize, done: &tuixin_store::IngestSummary, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{path}: up to line {line}: {} new event(s), {} suppression(s) added",
            done.new_events, done.suppressions_added
        ),
        Lang::Zh => format!(
            "{path}\u{ff1a}至第 {line} 行\u{ff1a}新事件 {} 个\u{ff0c}新增抑制 {} 条",
            done.new_events, done.suppressions_added
        ),
    }
}
