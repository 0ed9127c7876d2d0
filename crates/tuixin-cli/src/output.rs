//! How records are printed: for people, or as JSON, JSON Lines or CSV. Chosen once per run.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;
use tuixin::{Code, Explanation, Lang, Record, Registry};

/// Output formats of `tuixin parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Per recipient: address, reason, codes and their meaning, what to do
    Human,
    /// One JSON array of records
    Json,
    /// One JSON object per record per line
    Jsonl,
    /// CSV with a header row
    Csv,
}

/// The registry's explanation of a record's codes.
#[derive(Debug, Serialize)]
struct Explained {
    #[serde(skip_serializing_if = "Option::is_none")]
    deliverystatus: Option<Explanation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replycode: Option<Explanation>,
}

#[derive(Serialize)]
struct WithExplanation<'a> {
    #[serde(flatten)]
    record: &'a Record,
    /// One line for the sender, in the chosen language.
    advice: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<Explained>,
}

fn explain(record: &Record, lang: Lang) -> Explained {
    let registry = Registry::builtin();
    let get = |text: &str| Code::parse(text).ok().map(|code| registry.explain(code, lang));
    Explained { deliverystatus: get(&record.deliverystatus), replycode: get(&record.replycode) }
}

const CSV_FIELDS: &[&str] = &[
    "origin", "message", "recipient", "addresser", "senderdomain", "destination", "alias",
    "action", "deliverystatus", "replycode", "command", "diagnosticcode", "diagnostictype",
    "rhost", "lhost", "feedbacktype", "messageid", "subject", "listid", "timestamp",
    "timezoneoffset", "decodedby", "token", "reason", "hardbounce", "category", "rule", "rulekind",
    "evidence", "advice",
];

/// Writes records in one format.
pub struct Printer<W: Write> {
    out: W,
    format: Format,
    lang: Lang,
    explain: bool,
    why: bool,
    count: usize,
}

impl<W: Write> Printer<W> {
    /// A printer; `explain` adds the registry's explanation of each record's codes.
    /// `why` shows people the rule that decided each reason.
    pub fn new(out: W, format: Format, lang: Lang, explain: bool, why: bool) -> Printer<W> {
        Printer { out, format, lang, explain, why, count: 0 }
    }

    /// Writes one record.
    pub fn record(&mut self, record: &Record) -> io::Result<()> {
        match self.format {
            Format::Jsonl | Format::Json => {
                if self.format == Format::Json {
                    self.out.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
                }
                let explanation = self.explain.then(|| explain(record, self.lang));
                let advice = record.reason.text(self.lang).advice.as_str();
                serde_json::to_writer(
                    &mut self.out,
                    &WithExplanation { record, advice, explanation },
                )?;
                if self.format == Format::Jsonl {
                    self.out.write_all(b"\n")?;
                }
            }
            Format::Csv => self.csv_row(record)?,
            Format::Human => self.human(record)?,
        }
        self.count += 1;
        Ok(())
    }

    fn csv_row(&mut self, r: &Record) -> io::Result<()> {
        let explain = self.explain;
        let mut writer = csv::Writer::from_writer(Vec::new());
        if self.count == 0 {
            let mut header: Vec<&str> = CSV_FIELDS.to_vec();
            if explain {
                header.extend(["status_meaning", "status_action", "replycode_meaning"]);
            }
            writer.write_record(&header)?;
        }
        let mut row: Vec<String> = vec![
            r.origin.clone(),
            r.message.to_string(),
            r.recipient.clone(),
            r.addresser.clone(),
            r.senderdomain.clone(),
            r.destination.clone(),
            r.alias.clone(),
            r.action.clone(),
            r.deliverystatus.clone(),
            r.replycode.clone(),
            r.command.clone(),
            r.diagnosticcode.clone(),
            r.diagnostictype.clone(),
            r.rhost.clone(),
            r.lhost.clone(),
            r.feedbacktype.clone(),
            r.messageid.clone(),
            r.subject.clone(),
            r.listid.clone(),
            r.timestamp.to_string(),
            r.timezoneoffset.clone(),
            r.decodedby.clone(),
            r.token.clone(),
            r.reason.to_string(),
            r.hardbounce.to_string(),
            r.category.as_str().to_owned(),
            r.rule.clone(),
            r.rulekind.name().to_owned(),
            r.evidence.clone(),
            r.reason.text(self.lang).advice.clone(),
        ];
        if explain {
            let e = self::explain(r, self.lang);
            let status = e.deliverystatus.as_ref();
            row.push(status.map(|s| s.meaning.clone()).unwrap_or_default());
            row.push(status.map(|s| s.action.clone()).unwrap_or_default());
            row.push(e.replycode.map(|s| s.meaning).unwrap_or_default());
        }
        writer.write_record(&row)?;
        let bytes = writer.into_inner().map_err(|e| e.into_error())?;
        self.out.write_all(&bytes)
    }

    fn human(&mut self, r: &Record) -> io::Result<()> {
        let zh = self.lang == Lang::Zh;
        let bold = Style::new().bold();
        let dim = Style::new().dimmed();
        let place = if r.message > 1 {
            format!("{}#{}", visible(&r.origin), r.message)
        } else {
            visible(&r.origin).into_owned()
        };
        if self.count > 0 {
            writeln!(self.out)?;
        }
        writeln!(self.out, "{dim}{place}{dim:#}")?;
        let (style, kind) = disposition(r, self.lang);
        // The reason's name in the reader's language, its token (for searching) beside it.
        let reason = match self.lang {
            Lang::En => r.reason.to_string(),
            Lang::Zh => format!("{}\u{ff08}{}\u{ff09}", r.reason.text(self.lang).title, r.reason),
        };
        writeln!(
            self.out,
            "  {bold}{}{bold:#}  {style}{reason} · {kind}{style:#}",
            visible(&r.recipient),
        )?;
        let codes = [r.replycode.as_str(), r.deliverystatus.as_str()]
            .iter()
            .filter(|c| !c.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        if !r.diagnosticcode.is_empty() {
            let (label, sep) =
                if zh { ("服务器原文", "\u{ff1a}") } else { ("Server said", ": ") };
            writeln!(self.out, "  {dim}{label}{sep}{dim:#}{}", visible(&r.diagnosticcode))?;
        } else if !codes.is_empty() {
            writeln!(self.out, "  {}", visible(&codes))?;
        }
        let sep = if zh { "\u{ff1a}" } else { ": " };
        let reason = r.reason.text(self.lang);
        let (reason_label, meaning_label, cause_label, advice_label) = if zh {
            ("退信原因", "含义", "常见原因", "建议操作")
        } else {
            ("Reason", "Meaning", "Likely cause", "What to do")
        };
        writeln!(self.out, "  {dim}{reason_label}{sep}{dim:#}{}", reason.title)?;
        let e = explain(r, self.lang);
        // The codes' meaning is background; with --explain each code, and what usually
        // causes it. What to do is said once, by the reason (the most specific knowledge).
        let codes: Vec<&tuixin::Explanation> = if self.explain {
            e.deliverystatus.iter().chain(e.replycode.iter()).collect()
        } else {
            e.deliverystatus.as_ref().or(e.replycode.as_ref()).into_iter().collect()
        };
        for code in codes {
            writeln!(
                self.out,
                "  {dim}{meaning_label}{sep}{dim:#}{} {}{sep}{}",
                code.code, code.title, code.meaning
            )?;
            if self.explain {
                writeln!(self.out, "  {dim}{cause_label}{sep}{dim:#}{}", code.cause)?;
            }
        }
        writeln!(self.out, "  {dim}{advice_label}{sep}{dim:#}{}", reason.advice)?;
        if self.why {
            let (rule_label, matched) = if zh { ("规则", "匹配") } else { ("Rule", "matched") };
            let evidence = if r.evidence.is_empty() {
                String::new()
            } else {
                format!(" ({matched} \"{}\")", visible(&r.evidence))
            };
            let kind = match (r.rulekind, zh) {
                (tuixin::RuleKind::Code, false) => {
                    " · the code alone decided: no wording recognised"
                }
                (tuixin::RuleKind::Code, true) => " · 仅凭状态码判定\u{ff1a}未识别出措辞",
                _ => "",
            };
            writeln!(
                self.out,
                "  {dim}{rule_label}{sep}{dim:#}{}{evidence}{kind}",
                visible(&r.rule)
            )?;
        }
        Ok(())
    }

    /// Hands what is written so far to the output (at the end of each batch).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Ends the output (closes a JSON array).
    pub fn finish(&mut self) -> io::Result<()> {
        if self.format == Format::Json {
            self.out.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}

/// Text from the input made safe to show on a terminal: control characters (C0, DEL, C1) and
/// the bidirectional overrides are written as escapes (`\x1b`, `\u{202e}`), so that only our own
/// styling reaches the terminal, whatever the colour setting. Tabs become `\t`, line breaks
/// `\n` and `\r`, so each record stays on its lines.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 && needs_escape(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What a record means for the address, in a few words, and its colour: hard bounce (remove),
/// soft (retry), a problem on the sender's side (the address is fine), a complaint, an
/// auto-reply, a delivery.
fn disposition(r: &Record, lang: Lang) -> (Style, &'static str) {
    use tuixin::{Category, Reason};
    let color = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    let zh = lang == Lang::Zh;
    let (style, en, cn) = if r.reason == Reason::Delivered {
        (color(AnsiColor::Green), "delivered: no failure", "已投递\u{ff1a}没有失败")
    } else if r.hardbounce {
        (color(AnsiColor::Red), "hard bounce: remove the address", "硬退信\u{ff1a}请删除该地址")
    } else {
        match r.category {
            Category::Complaint => (
                color(AnsiColor::Red),
                "complaint: stop sending marketing mail to this address",
                "投诉\u{ff1a}停止向该地址发送营销邮件",
            ),
            Category::Autoreply => (
                color(AnsiColor::Green),
                "auto-reply: not a bounce; the address works",
                "自动回复\u{ff1a}不是退信\u{ff0c}地址可用",
            ),
            Category::Sender | Category::Message => (
                color(AnsiColor::Magenta),
                "sender-side problem: fix your setup or message; the address is fine",
                "发件方问题\u{ff1a}请修正发送配置或邮件内容\u{ff1b}地址本身没有问题",
            ),
            _ => (
                color(AnsiColor::Yellow),
                "soft bounce: retry later; the address may be fine",
                "软退信\u{ff1a}稍后重试\u{ff1b}地址本身可能没有问题",
            ),
        }
    };
    (style, if zh { cn } else { en })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_borrowed() {
        assert!(matches!(visible("550 5.1.1 user unknown"), Cow::Borrowed(_)));
        assert_eq!(visible("a\x1b]0;t\x07b"), r"a\x1b]0;t\x07b");
        assert_eq!(visible("x\u{9b}2J\u{202e}y\tz\r\n"), r"x\u{9b}2J\u{202e}y\tz\r\n");
        assert_eq!(visible("系统退信 ok"), "系统退信 ok");
    }
}
