//! Text for people: explanations and the code table, in English or Chinese, coloured on a terminal.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;
use tuixin::registry::CodeKind;
use tuixin::{Explanation, Lang, Severity};

use crate::output::visible;

/// The classifier's verdict on a pasted diagnostic line.
#[derive(Serialize)]
pub struct Classification<'a> {
    /// Why the message bounced.
    pub reason: tuixin::Reason,
    /// Whose problem it is.
    pub category: tuixin::Category,
    /// Whether the address itself is bad.
    pub hardbounce: bool,
    /// The rule that decided.
    pub rule: String,
    /// The text the rule matched.
    pub evidence: String,
    /// One line for the sender.
    pub advice: &'a str,
    /// The reason's title.
    pub title: &'a str,
}

const CODE: Style = Style::new().bold();
const LABEL: Style = Style::new().dimmed();
const HEADING: Style = Style::new().bold().underline();

fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Success => AnsiColor::Green,
        Severity::Intermediate => AnsiColor::Cyan,
        Severity::Transient => AnsiColor::Yellow,
        Severity::Permanent => AnsiColor::Red,
    };
    Style::new().fg_color(Some(color.into()))
}

/// The words of the interface in one language.
struct Words {
    meaning: &'static str,
    cause: &'static str,
    action: &'static str,
    reply_code: &'static str,
    enhanced_code: &'static str,
    unregistered: &'static str,
    as_used_by: &'static str,
    registry_says: &'static str,
    reply_codes: &'static str,
    enhanced_codes: &'static str,
    separator: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            meaning: "Meaning",
            cause: "Likely cause",
            action: "What to do",
            reply_code: "SMTP reply code",
            enhanced_code: "enhanced status code",
            unregistered: "not registered: explained from its digits",
            as_used_by: "as used by",
            registry_says: "registry",
            reply_codes: "SMTP reply codes (RFC 5321 and extensions)",
            enhanced_codes: "Enhanced status codes (RFC 3463 and the IANA registry)",
            separator: ": ",
        },
        Lang::Zh => Words {
            meaning: "含义",
            cause: "常见原因",
            action: "建议操作",
            reply_code: "SMTP 回复码",
            enhanced_code: "增强状态码",
            unregistered: "未注册\u{ff1a}根据各位数字的含义解释",
            as_used_by: "服务商含义",
            registry_says: "注册含义",
            reply_codes: "SMTP 回复码\u{ff08}RFC 5321 及扩展\u{ff09}",
            enhanced_codes: "增强状态码\u{ff08}RFC 3463 及 IANA 注册表\u{ff09}",
            separator: "\u{ff1a}",
        },
    }
}

fn severity_name(severity: Severity, lang: Lang) -> &'static str {
    match (lang, severity) {
        (Lang::En, Severity::Success) => "success",
        (Lang::En, Severity::Intermediate) => "intermediate",
        (Lang::En, Severity::Transient) => "temporary failure",
        (Lang::En, Severity::Permanent) => "permanent failure",
        (Lang::Zh, Severity::Success) => "成功",
        (Lang::Zh, Severity::Intermediate) => "中间状态",
        (Lang::Zh, Severity::Transient) => "临时性失败",
        (Lang::Zh, Severity::Permanent) => "永久性失败",
    }
}

/// Writes each explanation as a block: code and title, what kind, then meaning, cause, action.
/// `with_action`: false where a classification of the text follows and says what to do (the
/// most specific knowledge speaks once; the codes' meanings stay as background).
pub fn explanations(
    out: &mut impl Write,
    list: &[Explanation],
    lang: Lang,
    with_action: bool,
) -> io::Result<()> {
    let w = words(lang);
    for (i, e) in list.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{CODE}{}{CODE:#}  {}", e.code, e.title)?;
        let style = severity_style(e.severity);
        let mut facts = vec![format!("{style}{}{style:#}", severity_name(e.severity, lang))];
        facts.push(
            match e.kind {
                CodeKind::Reply => w.reply_code,
                CodeKind::Enhanced => w.enhanced_code,
            }
            .to_owned(),
        );
        if let (CodeKind::Enhanced, Some(subject)) = (e.kind, &e.subject) {
            facts.push(format!("X.{} {}", subject.digit, subject.title));
        }
        if let Some(provider) = &e.provider {
            facts.push(format!("{} {provider}", w.as_used_by));
        }
        if e.registered || e.provider.is_some() {
            facts.extend(e.references.iter().cloned());
        } else {
            facts.push(w.unregistered.to_owned());
        }
        writeln!(out, "  {}", facts.join(" · "))?;
        if let Some(title) = &e.registry_title {
            writeln!(out, "  {LABEL}{}{}{LABEL:#}{title}", w.registry_says, w.separator)?;
        }
        let action = with_action.then_some((w.action, &e.action));
        for (label, text) in
            [(w.meaning, &e.meaning), (w.cause, &e.cause)].into_iter().chain(action)
        {
            writeln!(out, "  {LABEL}{label}{}{LABEL:#}{text}", w.separator)?;
        }
    }
    Ok(())
}

/// Writes the registry as a table grouped like the reference page: reply codes by first digit,
/// enhanced codes by class and subject.
pub fn code_table(out: &mut impl Write, list: &[Explanation], lang: Lang) -> io::Result<()> {
    let w = words(lang);
    let mut group: Option<(CodeKind, u16, u16)> = None;
    for e in list {
        let subject = e.subject.as_ref().map_or(0, |s| s.digit);
        let key = match e.kind {
            CodeKind::Reply => (CodeKind::Reply, e.class.digit, 0),
            CodeKind::Enhanced => (CodeKind::Enhanced, e.class.digit, subject),
        };
        if group.map(|g| g.0) != Some(key.0) {
            if group.is_some() {
                writeln!(out)?;
            }
            let heading = match key.0 {
                CodeKind::Reply => w.reply_codes,
                CodeKind::Enhanced => w.enhanced_codes,
            };
            writeln!(out, "{HEADING}{heading}{HEADING:#}")?;
        }
        if group != Some(key) {
            let style = severity_style(e.severity);
            let name = match (e.kind, &e.subject) {
                (CodeKind::Enhanced, Some(s)) => {
                    format!("{}{}{}", e.class.title, w.separator, s.title)
                }
                _ => e.class.title.clone(),
            };
            let label = match e.kind {
                CodeKind::Reply => format!("{}xx", e.class.digit),
                CodeKind::Enhanced => format!("{}.{}.x", e.class.digit, subject),
            };
            writeln!(out, "{style}{label:<9}{name}{style:#}")?;
            group = Some(key);
        }
        writeln!(out, "  {CODE}{:<9}{CODE:#}{}", e.code, e.title)?;
    }
    Ok(())
}

/// Writes the classifier's verdict on a pasted diagnostic: reason, whose problem, advice, rule.
pub fn classification(out: &mut impl Write, c: &Classification<'_>, lang: Lang) -> io::Result<()> {
    let sep = words(lang).separator;
    let (reason, advice, rule, matched) = match lang {
        Lang::En => ("Reason", "What to do", "Rule", "matched"),
        Lang::Zh => ("退信原因", "建议操作", "规则", "匹配"),
    };
    let evidence = if c.evidence.is_empty() {
        String::new()
    } else {
        format!(" ({matched} \"{}\")", visible(&c.evidence))
    };
    writeln!(
        out,
        "{CODE}{reason}{sep}{}{CODE:#} ({}, {})",
        c.title,
        c.reason,
        c.category.as_str()
    )?;
    writeln!(out, "  {LABEL}{advice}{sep}{LABEL:#}{}", c.advice)?;
    writeln!(out, "  {LABEL}{rule}{sep}{LABEL:#}{}{evidence}", visible(&c.rule))?;
    Ok(())
}
