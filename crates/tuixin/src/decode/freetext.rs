//! The generic decoder for plain-text bounces: find the lines that name a failed recipient,
//! then the server's words that follow each one.
//!
//! Most bounces in the wild are prose written by the sending MTA (Exim, qmail, Sendmail's
//! transcript, Gmail, DMA, ...). They share a shape: an address on a line of its own or after a
//! short label, and below it the remote server's reply. This decoder reads that shape; decoders
//! for particular MTAs handle what it cannot.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::address::{self, find_addresses};
use super::delivery::{
    Delivery, Report, command_in, labelled_command, transcript_command, truncate,
};
use super::mail::Mail;
use crate::code::{Code, EnhancedStatus, ReplyCode, codes};

/// Subject words of bounces, lowercased, in the languages seen in the wild.
const SUBJECTS: &[&str] = &[
    "undeliver", "undelivered", "delivery fail", "delivery status", "delivery notification",
    "delivery problem", "delivery report", "returned mail", "return mail", "failure notice",
    "mail delivery", "could not be delivered", "not delivered", "delivery has failed",
    "nondeliverable", "non-deliverable", "non delivery", "non-delivery", "rejected",
    "mail failure", "mail system error", "bounce", "warning: could not send", "failed delivery",
    "delivery error", "message not delivered", "unzustellbar", "nicht zustellbar", "non remis",
    "non recapitabile", "no se puede entregar", "onbestelbaar", "kan inte levereras", "退信",
    "退回", "投递失败", "发送失败", "未能送达", "無法傳遞", "配信不能", "不達", "error sending",
    "unable to deliver", "message delayed", "delayed mail", "mail could not", "notification",
    "permanent error", "mail error", "メールエラー", "エラー通知", "failed", "problem delivering",
];

/// Sender words of bounces, lowercased.
const SENDERS: &[&str] = &[
    "mailer-daemon", "post_master", "mailer daemon", "postmaster", "mail delivery",
    "mail administrator", "mail-daemon", "mailerdaemon", "mail system", "mail.delivery",
    "delivery subsystem", "bounce", "nobody@", "daemon@", "系统退信", "系统邮件",
];

/// Whether the headers look like a bounce at all.
pub(crate) fn claims(mail: &Mail<'_>, text: &str) -> bool {
    if mail.has_header("X-Failed-Recipients") {
        return true;
    }
    if mail.pasted {
        // No header to go by: the text must carry a server's failure code, not only words that
        // a note about a failed mail would use too.
        return has_failure_code(text);
    }
    let from = mail.sender_lower();
    if SENDERS.iter().any(|s| from.contains(s)) {
        return true;
    }
    let subject = mail.subject().to_lowercase();
    if SUBJECTS.iter().any(|s| subject.contains(s)) {
        return true;
    }
    // A notice that returns the original message and says it was not delivered.
    if mail.attached_original().is_some() {
        return crate::text::with_lowercase(text, |lower| BODY_MATCHER.is_match(lower));
    }
    false
}

/// Whether a bounce says that delivery failed: a failed-recipients header, a failure code or a
/// notice's words of failure. Such a notice is not an automatic reply, whatever its
/// `Auto-Submitted` says (Exim marks its bounces `auto-replied`).
pub(crate) fn says_failed(mail: &Mail<'_>, region: &str) -> bool {
    mail.has_header("X-Failed-Recipients")
        || has_failure_code(region)
        || crate::text::with_lowercase(region, |lower| BODY_MATCHER.is_match(lower))
}

/// What a delay warning says (lowercased): the message is still queued and will be retried.
const DELAY_WARNING: &[&str] = &[
    "this is a warning only", "only a warning", "warning message only", "will be retried for",
    "has been delayed", "will be retried until", "will keep trying", "will continue to try",
    "will continue trying", "delivery attempts will continue", "still being retried",
    "has not yet been delivered", "warning: could not send message for",
    "delivery status notification (delay)", "delivery delayed", "delayed mail",
    "will retry delivery", "will try again",
];

static DELAY_WARNING_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| matcher(DELAY_WARNING));

/// Whether a text says that the sending MTA stopped retrying (qmail's "this message has been in
/// the queue too long", Exim's "retry timeout exceeded").
pub(crate) fn says_gave_up(text: &str) -> bool {
    crate::text::with_lowercase(text, |lower| GIVEN_UP_MATCHER.is_match(lower))
}

/// Whether a notice says it is only a warning of a delay (by its subject or its text): its
/// records are not expired.
pub(crate) fn is_delay_warning(mail: &Mail<'_>, region: &str) -> bool {
    let warns = |text: &str| {
        crate::text::with_lowercase(text, |lower| DELAY_WARNING_MATCHER.is_match(lower))
    };
    warns(mail.subject()) || warns(region)
}

/// What a notice that returns a message says when that message was not delivered.
const BODY_PHRASES: &[&str] = &[
    "could not be delivered", "couldn't be delivered", "was not delivered", "delivery has failed",
    "delivery failed", "undeliverable", "permanent error", "permanent fatal error",
    "mailbox is full", "user unknown",
];

/// Whether a text carries a failure code: a 4xx/5xx reply or a 4.x.x/5.x.x status.
fn has_failure_code(text: &str) -> bool {
    codes(text).any(|found| match found.code {
        Code::Reply(r) => r.first_digit() >= 4,
        Code::Enhanced(s) => s.class >= 4,
    })
}

/// How much a diagnostic says: 4 with a 4xx/5xx reply code and a failure status, 3 with the
/// reply code, 2 with only the status, 1 with words of failure, 0 with none of these.
fn quality(text: &str) -> u8 {
    let (mut reply, mut status) = (false, false);
    for found in codes(text) {
        match found.code {
            Code::Reply(r) if r.first_digit() >= 4 => reply = true,
            Code::Enhanced(s) if s.class >= 4 => status = true,
            _ => {}
        }
        if reply && status {
            return 4;
        }
    }
    if reply {
        3
    } else if status {
        2
    } else if crate::text::with_lowercase(text, |lower| FAILURE_MATCHER.is_match(lower)) {
        1
    } else {
        0
    }
}

/// Words that a server's explanation of a failure uses, lowercased.
const FAILURE_WORDS: &[&str] = &[
    "unknown", "not found", "not recognized", "not listed", "no such", "does not exist", "invalid",
    "rejected", "refused", "denied", "blocked", "full", "quota", "exceed", "disabled", "unable",
    "failed", "failure", "error", "timed out", "expired", "not accept", "不存在", "拒绝", "失败",
    "已满", "ありません", "できません", "存在しない", "権限", "not exist", "permission",
    "could not", "giving up", "not deliver",
];

/// Literal phrases (lowercase) matched in one pass over lowercased text: a case-sensitive
/// automaton is smaller and has fast prefilters.
fn matcher(phrases: &[&str]) -> AhoCorasick {
    AhoCorasick::new(phrases).expect("the phrases are plain literals")
}

/// What a sending MTA says when it has stopped retrying, lowercased: the delivery failed even
/// where the last reply was a temporary 4xx.
const GIVEN_UP: &[&str] = &[
    "i've given up", "not going to try again", "has been in the queue too long",
    "retry timeout exceeded", "will be deleted from queue", "permanent delivery failure",
    "giving up on",
];

static BODY_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| matcher(BODY_PHRASES));
static GIVEN_UP_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| matcher(GIVEN_UP));
static FAILURE_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| matcher(FAILURE_WORDS));

/// A line that names a recipient, and where its address starts and ends on it.
#[derive(Debug, Clone)]
struct RecipientLine {
    line: usize,
    address: String,
    /// Where the address written on the line starts (its label is before).
    start: usize,
    after: usize,
    /// The address the message was delivered to, where the line names another, the one the
    /// sender used (Postfix's `<a@b> (expanded from <c@d>)`, Exim's `(generated from c@d)`).
    expanded: Option<String>,
}

/// Short labels that may stand before a recipient's address on its line, lowercased.
fn is_label(prefix: &str) -> bool {
    let p = prefix.trim().trim_end_matches(['<', '"', '\'', '(', '[', ',']).trim();
    // Bullets and transcript marks: `* a@b`, `- a@b`, `>>> a@b`, `554 <a@b>... Host unknown`.
    let p = p.trim_start_matches(['*', '-', '\u{2022}', '>', '#']).trim();
    if p.is_empty() || is_failure_reply_prefix(p) {
        return true;
    }
    // Senders, headers, and the addresses a notice gives for help (`Contact: help@b`,
    // `for assistance, send mail to postmaster@b`).
    const NOT_RECIPIENT: &[&str] = &[
        "from", "sender", "reply", "cc:", "message-id", "message id", "references", "return-path",
        "contact", "question", "assistance", "help", "support", "administrator",
    ];
    if NOT_RECIPIENT.iter().any(|w| p.contains(w)) {
        return false;
    }
    let topical =
        ["recipient", "address", "deliver", "fail", "error", "rcpt", "user", "mailbox", "to:"];
    if p.ends_with(':') || p.ends_with(';') {
        return p.len() <= 40 || (p.len() <= 100 && topical.iter().any(|w| p.contains(w)));
    }
    if p.starts_with("rcpt") {
        return true;
    }
    let verbs = ["deliver", "send", "sent", "message", "mail", "recipient", "address", "relay"];
    (p.ends_with(" to") || p.ends_with(" for") || p == "to" || p.ends_with("recipient"))
        && verbs.iter().any(|v| p.contains(v))
        && p.len() <= 120
}

/// A reply code, with or without its status, that opens a Sendmail summary line:
/// `554` or `550 5.1.2` before `<a@b>... Host unknown`.
fn is_failure_reply_prefix(p: &str) -> bool {
    let mut words = p.split_whitespace();
    let is_code = words
        .next()
        .and_then(|code| code.parse::<ReplyCode>().ok())
        .is_some_and(|code| code.first_digit() >= 4);
    let status_ok = words.next().is_none_or(|status| status.parse::<EnhancedStatus>().is_ok());
    is_code && status_ok && words.next().is_none()
}

/// Whether the words before an address say that it is the one a delivered-to address (or pipe
/// or file) was made from: Exim's `generated by a@b`, `(generated from a@b)`,
/// `(ultimately generated from a@b)`, PMDF's `Original address: a@b`, on the line below the
/// address it delivered to.
fn names_origin(prefix: &str) -> bool {
    let p = prefix.trim().trim_end_matches(['<', '"']).trim_end();
    // PMDF's and Sun/Oracle Messaging Server's "Original address:" under "Recipient address:".
    matches!(
        p,
        "generated by" | "(generated from" | "(ultimately generated from" | "original address:"
    )
}

/// The forms in which Exim names a delivery to a pipe, a file or an autoreply, in place of an
/// address: `pipe to |/usr/bin/prog`, `save to /var/mail/x`, `mail to ...`.
fn is_local_delivery(line: &str) -> bool {
    let line = line.trim_start();
    ["pipe to ", "save to ", "mail to "].iter().any(|p| line.starts_with(p))
        || line.starts_with('|')
}

/// Whether a line labelled `To:`/`Cc:` stands among the header fields a notice quotes to say
/// which message it is about (`Subject:`, `Sent:`, `Date:` on the lines around it).
fn in_message_summary(lines: &[&str], index: usize, label: &str) -> bool {
    let starts = |text: &str, word: &str| {
        text.get(..word.len()).is_some_and(|head| head.eq_ignore_ascii_case(word))
    };
    let label = label.trim();
    ["to:", "cc:", "bcc:"].iter().any(|name| label.eq_ignore_ascii_case(name))
        && lines[index.saturating_sub(2)..(index + 3).min(lines.len())]
            .iter()
            .any(|l| ["subject:", "sent:", "date:"].iter().any(|f| starts(l.trim_start(), f)))
}

fn recipient_lines(lines: &[&str], exclude: &[String]) -> Vec<RecipientLine> {
    let mut found: Vec<RecipientLine> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let addresses = find_addresses(line);
        let Some(mut first) = addresses.first() else {
            continue;
        };
        if index > 0 && crate::text::with_lowercase(&line[..first.start], names_origin) {
            let above = index - 1;
            let origin = first.address.to_owned();
            match found.last_mut() {
                // The address above was made from this one, which the sender used.
                Some(last) if last.line == above => {
                    let expanded = std::mem::replace(&mut last.address, origin);
                    last.expanded.get_or_insert(expanded);
                }
                // `pipe to |prog` above: the failed delivery belongs to this address.
                _ if is_local_delivery(lines[above]) => found.push(RecipientLine {
                    line: above,
                    address: origin,
                    start: 0,
                    after: 0,
                    expanded: None,
                }),
                _ => {}
            }
            continue;
        }
        if !crate::text::with_lowercase(&line[..first.start], is_label) {
            continue;
        }
        if in_message_summary(lines, index, &line[..first.start]) {
            // `To: a@b` beside `Subject:` and `Sent:`: the notice's summary of the returned
            // message (Exchange's "Your message ... did not reach"), not a failed recipient.
            continue;
        }
        let mut expanded = None;
        if let Some(second) = addresses.get(1) {
            let between = &line[first.end..second.start];
            // `a@b <c@d>: malformed address`: in `phrase <addr>` the address is the bracketed one.
            if between.trim() == "<" {
                first = second;
            } else if crate::text::with_lowercase(between, |b| {
                b.trim_start_matches(['>', ' ']).starts_with("(expanded from")
            }) {
                // Postfix: `<a@b> (expanded from <c@d>): ...`: the sender wrote c@d.
                expanded = Some(first.address.to_owned());
                first = second;
            }
        }
        let lower = first.address.to_ascii_lowercase();
        if exclude.contains(&lower) {
            continue;
        }
        found.push(RecipientLine {
            line: index,
            address: first.address.to_owned(),
            start: first.start,
            after: first.end,
            expanded,
        });
    }
    found
}

/// Whether a recipient's line is Sendmail's summary of it, `554 <a@b>... Remote protocol error`:
/// a reply code before the address and `...` after it.
fn is_summary(line: &str, start: &RecipientLine) -> bool {
    let before = line[..start.start].trim();
    let before = before.trim_end_matches('<').trim_end();
    let after = line[start.after..].trim_start_matches('>');
    is_failure_reply_prefix(before) && after.starts_with("...")
}

/// The SMTP session that a transcript shows above a summary line (lines `above`): the command
/// last sent (`>>> MAIL From:<a@b>`) and the replies to it (`<<< 550 Insecure Mail Relay`).
fn session_above<'a>(above: &[&'a str]) -> Option<(&'static str, Vec<&'a str>)> {
    let sent = above.iter().rposition(|l| l.trim_start().starts_with(">>>"))?;
    let replies: Vec<&str> = above[sent + 1..]
        .iter()
        .filter_map(|l| l.trim_start().strip_prefix("<<<"))
        .map(str::trim)
        .collect();
    if replies.is_empty() {
        return None;
    }
    let command = above[sent].trim_start().trim_start_matches('>').trim();
    Some((command_in(&format!(">>> {command}")), replies))
}

/// A section heading framed by dashes or equals signs: `----- Transcript of session follows -----`.
fn is_heading(line: &str) -> bool {
    let line = line.trim();
    let framed = |c: char| line.len() > 6 && line.starts_with([c; 3]) && line.ends_with([c; 3]);
    framed('-') || framed('=')
}

/// A line drawn of one character and nothing else (`-----…`, `=====…`): a frame, no heading.
fn is_rule(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 10 && (line.bytes().all(|b| b == b'-') || line.bytes().all(|b| b == b'='))
}

/// Longest diagnostic the text decoders build for one recipient.
const MAX_DIAGNOSTIC: usize = 4096;

/// The server's words for one recipient: the rest of its line, then the paragraph with codes.
/// `above` is where the lines that belong to no earlier recipient start.
fn diagnostic(lines: &[&str], start: &RecipientLine, above: usize, end: usize) -> String {
    let line = lines[start.line];
    let rest = line[start.after..].trim_start_matches(['>', ')', ':', '.', ' ', '\t', ',']).trim();
    if is_summary(line, start) {
        // Sendmail's summary sums up the session above it, whose replies are the server's
        // words. Without a session, the summary line itself is, code and all
        // (`550 5.1.2 <a@b>... Host unknown`), unless its rest quotes the remote's reply.
        // The lines below it are the next recipient's.
        let mut text = match session_above(&lines[above..start.line]) {
            Some((_, replies)) => {
                let mut text = rest.to_owned();
                for reply in replies {
                    text.push(' ');
                    text.push_str(reply);
                }
                text
            }
            None => {
                // A local delivery agent's words just above, in the same block
                // (`mail.local: unknown user: a`, `maildrop: maildir over quota.`).
                let block = &lines[above..start.line];
                let from = block
                    .iter()
                    .rposition(|l| l.trim().is_empty() || is_heading(l))
                    .map_or(0, |i| i + 1);
                // Other summary lines (`550 example.org (smtp)... 550 Host unknown`) are not.
                let mut text: Vec<&str> = block[from..]
                    .iter()
                    .map(|l| l.trim())
                    .filter(|l| !is_failure_reply_prefix(l.split(' ').next().unwrap_or("")))
                    .collect();
                // `554 <a@b>... 550 Host unknown`: the remote's code is in the rest.
                text.push(if quality(rest) >= 3 { rest } else { line.trim() });
                text.join(" ")
            }
        };
        truncate(&mut text, MAX_DIAGNOSTIC);
        return text;
    }
    // A label with words before the address is part of what the server said:
    // `Unknown user: a@b`, `Could not be delivered to: <a@b>` (a bare `554 <a@b>...` is not).
    let label_words = line[..start.start].chars().any(|c| c.is_alphabetic());
    let first_rest = if label_words { line.trim() } else { rest };
    let mut paragraphs: Vec<Vec<&str>> = vec![Vec::new()];
    if !first_rest.is_empty() {
        paragraphs[0].push(first_rest);
    }
    for line in &lines[start.line + 1..end] {
        if is_rule(line) {
            // A bare rule closes the section of failed recipients (Courier frames it with
            // them); what follows is the notice's own boilerplate.
            break;
        }
        if is_heading(line) {
            // `----- Transcript of session follows -----` names what follows; it says nothing.
            continue;
        }
        if line.trim().is_empty() {
            if !paragraphs.last().is_some_and(Vec::is_empty) {
                paragraphs.push(Vec::new());
            }
        } else {
            paragraphs.last_mut().expect("one paragraph at least").push(line.trim());
        }
    }
    paragraphs.retain(|p| !p.is_empty());
    let has_code = |p: &Vec<&str>| p.iter().any(|l| has_failure_code(l));
    let mut chosen: Vec<&str> = Vec::new();
    if let Some(first) = paragraphs.first() {
        chosen.extend(first.iter().copied());
        // `because:` / `Reason:` on its own: the explanation is the next paragraph.
        if first.last().is_some_and(|l| l.ends_with(':') || l.ends_with('\u{ff1a}'))
            && let Some(next) = paragraphs.get(1)
        {
            chosen.extend(next.iter().copied());
        }
    }
    // Where the recipient's own lines carry no code, the explanation is in a later paragraph:
    // the first with a code, else the first that says more than they do.
    if !paragraphs.first().is_some_and(has_code) {
        // The recipient's line alone says only that delivery failed: any later word counts.
        let alone = paragraphs.first().is_some_and(|p| p.len() == 1);
        let first = if alone { 0 } else { paragraphs.first().map_or(0, |p| quality(&p.join(" "))) };
        let mut later = paragraphs.iter().skip(1);
        let better = later
            .clone()
            .find(|p| has_code(p))
            .or_else(|| later.find(|p| quality(&p.join(" ")) > first));
        if let Some(better) = better {
            chosen.extend(better.iter().copied());
        }
    }
    let mut text = chosen.join(" ");
    truncate(&mut text, MAX_DIAGNOSTIC);
    text
}

/// The reason a notice writes on its own line right above a recipient's address that says
/// nothing after it (Lotus SMTP MTA: "------- Failure Reasons --------", a blank line, "User not
/// listed in public Name & Address Book", then the address). Not a heading, not a label
/// (`...failed:`), not a line of another address, and alone in its block; `floor` is where the
/// lines of earlier recipients end.
fn reason_above<'t>(lines: &[&'t str], at: usize, floor: usize) -> Option<&'t str> {
    let prev = at.checked_sub(1).filter(|&p| p >= floor)?;
    let line = lines[prev].trim();
    let blank_or_heading = |l: &str| l.trim().is_empty() || is_heading(l);
    // The notice's own words about failed recipients are a label, not a reason.
    let label = || {
        crate::text::with_lowercase(line, |lower| {
            BODY_MATCHER.is_match(lower)
                || ["following", "recipient"].iter().any(|w| lower.contains(w))
        })
    };
    if blank_or_heading(line)
        || line.ends_with([':', '\u{ff1a}'])
        || !find_addresses(line).is_empty()
        || label()
    {
        return None;
    }
    let alone = prev == 0 || blank_or_heading(lines[prev - 1]);
    alone.then_some(line)
}

/// The last paragraph of the text with words of failure, for notices that carry no code.
fn paragraph_with_words(lines: &[&str]) -> String {
    let text = lines.join("\n");
    // The last such paragraph: notices open with boilerplate and end with the specifics.
    let paragraphs: Vec<&str> = text.split("\n\n").map(str::trim).collect();
    paragraphs
        .into_iter()
        .rfind(|p| quality(p) >= 1)
        .map(|p| {
            let mut p = p.split_whitespace().collect::<Vec<_>>().join(" ");
            truncate(&mut p, MAX_DIAGNOSTIC);
            p
        })
        .unwrap_or_default()
}

/// An `X-` header field of a quoted message (`X-Mailer: Notes 5.0.8`, `X-MIMETrack: ...`):
/// whatever numbers it holds are no reply of a server.
fn is_extension_header(line: &str) -> bool {
    let line = line.trim_start();
    line.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("x-"))
        && line.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The first paragraph of the text that carries a code: the diagnostic when no recipient line
/// has one of its own.
fn paragraph_with_code(lines: &[&str]) -> String {
    let mut paragraph: Vec<&str> = Vec::new();
    let mut has_code = false;
    for line in lines {
        if line.trim().is_empty() {
            if has_code {
                break;
            }
            paragraph.clear();
            continue;
        }
        has_code |= !is_extension_header(line) && has_failure_code(line);
        paragraph.push(line.trim());
    }
    if has_code { paragraph.join(" ") } else { String::new() }
}

/// The human text of a bounce (before the returned message), split into lines, with the lines
/// that name recipients found once.
pub(crate) struct TextIndex<'t> {
    lines: Vec<&'t str>,
    found: Vec<RecipientLine>,
    /// For each address (lowercased), where it appears in `found`: lookups stay constant-time
    /// in reports with thousands of recipients.
    by_address: HashMap<String, Vec<usize>>,
}

impl<'t> TextIndex<'t> {
    /// Indexes the text before the returned message.
    pub fn new(region: &'t str) -> TextIndex<'t> {
        let lines: Vec<&str> = crate::text::lines(region).collect();
        let found = recipient_lines(&lines, &[]);
        let mut by_address: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, line) in found.iter().enumerate() {
            by_address.entry(line.address.to_ascii_lowercase()).or_default().push(i);
        }
        TextIndex { lines, found, by_address }
    }

    fn occurrences(&self, recipient: &str) -> &[usize] {
        self.by_address.get(&recipient.to_ascii_lowercase()).map_or(&[], Vec::as_slice)
    }

    fn end_of(&self, i: usize) -> usize {
        self.found.get(i + 1).map_or(self.lines.len(), |next| next.line)
    }

    /// Where the lines that belong to no recipient before `i` start.
    fn above(&self, i: usize) -> usize {
        i.checked_sub(1).map_or(0, |prev| self.found[prev].line + 1)
    }

    /// The diagnostic for a known recipient, for reports that leave it out.
    pub fn text_for(&self, recipient: &str) -> String {
        // The occurrence that says the most: `<a@b>` alone under "permanent fatal errors", then
        // `<a@b>... Deferred: host name lookup failure` in the transcript.
        let mut own = String::new();
        for &i in self.occurrences(recipient) {
            let text = diagnostic(&self.lines, &self.found[i], self.above(i), self.end_of(i));
            if own.is_empty() || quality(&text) > quality(&own) {
                own = text;
            }
        }
        if quality(&own) >= 3 {
            return own;
        }
        // The recipient's own lines carry no reply code: add the text's first paragraph with one.
        let coded = paragraph_with_code(&self.lines);
        let coded = if quality(&coded) > quality(&own) { coded } else { String::new() };
        match (own.is_empty(), coded.is_empty()) {
            (true, _) => coded,
            (false, true) => own,
            (false, false) => format!("{own} {coded}"),
        }
    }

    /// Everything the text says below a recipient, up to the next one: its transcript too.
    /// A recipient named on several lines (`<a@b>: host said: 550` then `<a@b>... User unknown
    /// (in reply to RCPT TO command)`) has all its blocks, in order.
    pub fn block_for(&self, recipient: &str) -> String {
        let mut blocks: Vec<&str> = Vec::new();
        for &i in self.occurrences(recipient) {
            let found = &self.found[i];
            if is_summary(self.lines[found.line], found) {
                // Sendmail's summary line: its session is above it.
                blocks.extend_from_slice(&self.lines[self.above(i)..=found.line]);
            } else {
                blocks.extend_from_slice(&self.lines[found.line..self.end_of(i)]);
            }
        }
        blocks.join("\n")
    }
}

/// Records from a plain-text bounce; `None` when no recipient can be found.
/// `region` is the text before the returned message.
pub(crate) fn decode(mail: &Mail<'_>, region: &str) -> Option<Report> {
    let lines: Vec<&str> = crate::text::lines(region).collect();

    let mut exclude: Vec<String> = ["From", "To", "Reply-To", "Sender"]
        .iter()
        .filter_map(|h| mail.header(h))
        .map(|v| address::clean(&v).to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .collect();
    exclude.sort();
    exclude.dedup();

    let failed: Vec<String> = mail
        .headers_named("X-Failed-Recipients")
        .iter()
        .flat_map(|v| {
            find_addresses(v).into_iter().map(|f| f.address.to_owned()).collect::<Vec<_>>()
        })
        .collect();

    let mut found = recipient_lines(&lines, &exclude);

    if found.is_empty() && failed.is_empty() {
        found = recipient_lines(&lines, &[]);
    }

    // X-Failed-Recipients (Exim) says which of the text's addresses failed; where it names
    // none of them, the header disagrees with the text and the text wins.
    let failed_set: HashSet<String> = failed.iter().map(|f| f.to_ascii_lowercase()).collect();
    let listed = |line: &RecipientLine| {
        std::iter::once(&line.address)
            .chain(&line.expanded)
            .any(|a| failed_set.contains(&a.to_ascii_lowercase()))
    };
    let filter = !failed.is_empty() && found.iter().any(listed);
    let mut deliveries: Vec<Delivery> = Vec::new();
    // Where each address's delivery is, so that thousands of recipients stay linear.
    let mut position: HashMap<String, usize> = HashMap::new();
    for (i, line) in found.iter().enumerate() {
        if filter && !listed(line) {
            continue;
        }
        let end = found.get(i + 1).map_or(lines.len(), |next| next.line);
        let above = i.checked_sub(1).map_or(0, |prev| found[prev].line + 1);
        let mut text = diagnostic(&lines, line, above, end);
        if text.is_empty()
            && let Some(reason) = reason_above(&lines, line.line, above)
        {
            // Lotus's "Failure Reasons": the reason stands on the line above the address.
            text = reason.to_owned();
        }
        let session = is_summary(lines[line.line], line)
            .then(|| session_above(&lines[above..line.line]))
            .flatten();
        let command = match session {
            Some((command, _)) => command,
            None => match (labelled_command(&lines[line.line..end]), command_in(&text)) {
                // Exim's "SMTP error from remote mail server after RCPT TO:" above the reply,
                // where the diagnostic itself names no command.
                ("", "") => transcript_command(&lines[line.line..end].join("\n")),
                ("", named) => named,
                (labelled, _) => labelled,
            },
        };
        match position.get(&line.address.to_ascii_lowercase()) {
            Some(&at) => {
                let delivery = &mut deliveries[at];
                if quality(&text) > quality(&delivery.diagnostic) {
                    delivery.diagnostic = text;
                    if !command.is_empty() {
                        delivery.command = command.to_owned();
                    }
                } else if delivery.command.is_empty() {
                    delivery.command = command.to_owned();
                }
            }
            None => {
                position.insert(line.address.to_ascii_lowercase(), deliveries.len());
                if let Some(expanded) = &line.expanded {
                    // X-Failed-Recipients names the expanded address: the same delivery.
                    position.entry(expanded.to_ascii_lowercase()).or_insert(deliveries.len());
                }
                deliveries.push(Delivery {
                    recipient: line.address.clone(),
                    alias: line.expanded.clone().unwrap_or_default(),
                    diagnostic: text,
                    command: command.to_owned(),
                    ..Delivery::default()
                });
            }
        }
    }
    for address in failed.iter().filter(|_| filter || found.is_empty()) {
        if let std::collections::hash_map::Entry::Vacant(slot) =
            position.entry(address.to_ascii_lowercase())
        {
            slot.insert(deliveries.len());
            deliveries.push(Delivery { recipient: address.clone(), ..Delivery::default() });
        }
    }
    if deliveries.is_empty() {
        return None;
    }
    // Read only when a recipient's own lines carry no code: the text's first paragraph with
    // one, and the recipients it names (it is theirs, not another's, with several).
    let fallback = std::cell::OnceCell::new();
    let recipients: HashSet<String> = if deliveries.len() > 1 {
        deliveries.iter().map(|d| d.recipient.to_ascii_lowercase()).collect()
    } else {
        HashSet::new()
    };
    for delivery in &mut deliveries {
        if !has_failure_code(&delivery.diagnostic) {
            let (fallback, names): &(String, Vec<String>) = fallback.get_or_init(|| {
                let text = paragraph_with_code(&lines);
                let names = find_addresses(&text)
                    .iter()
                    .map(|f| f.address.to_ascii_lowercase())
                    .filter(|a| recipients.contains(a))
                    .collect();
                (text, names)
            });
            let own = delivery.recipient.to_ascii_lowercase();
            let anothers = !names.is_empty() && !names.contains(&own);
            if anothers {
                // Another recipient's reply says nothing about this one.
            } else if delivery.diagnostic.is_empty() {
                delivery.diagnostic = fallback.clone();
            } else if !fallback.is_empty() {
                delivery.diagnostic = format!("{} {}", delivery.diagnostic, fallback);
            }
        }
        if delivery.diagnostic.is_empty() {
            // No code anywhere (Google Groups, list servers): the prose that explains.
            delivery.diagnostic = paragraph_with_words(&lines);
        }
    }
    // qmail's "I'm not going to try again; this message has been in the queue too long" after a
    // 4xx reply: the message was given up, not delayed.
    let temporary = |d: &Delivery| {
        codes(&d.diagnostic).any(|f| match f.code {
            Code::Reply(r) => r.first_digit() == 4,
            Code::Enhanced(s) => s.class == 4,
        })
    };
    if deliveries.iter().any(temporary)
        && (crate::text::with_lowercase(region, |lower| GIVEN_UP_MATCHER.is_match(lower))
            || crate::text::with_lowercase(mail.subject(), |lower| {
                GIVEN_UP_MATCHER.is_match(lower)
            }))
    {
        for delivery in &mut deliveries {
            delivery.action = "failed".to_owned();
        }
    }
    Some(Report { decoded_by: "FreeText", deliveries })
}

/// One record for a recipient known from elsewhere (the returned message), with the text's
/// first paragraph that carries a code as its diagnostic.
pub(crate) fn for_recipient(region: &str, recipient: &str) -> Report {
    let lines: Vec<&str> = crate::text::lines(region).collect();
    Report {
        decoded_by: "FreeText",
        deliveries: vec![Delivery {
            recipient: recipient.to_owned(),
            diagnostic: paragraph_with_code(&lines),
            ..Delivery::default()
        }],
    }
}

#[cfg(test)]
mod tests {
    use crate::decode::decode;

    fn bounce(body: &str) -> Vec<crate::Record> {
        let mail = format!(
            "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\nTo: a@example.jp\nSubject: Returned mail: see transcript\n\n{body}"
        );
        decode(mail.as_bytes()).unwrap()
    }

    #[test]
    fn sendmail_summaries_sum_up_the_session_above_them() {
        let records = bounce(
            "   ----- Transcript of session follows -----\nWhile talking to mx.example.edu:\n>>> MAIL From:<a@example.jp>\n<<< 550 Insecure Mail Relay\n554 <b@example.edu>... Remote protocol error\n550 example.org (smtp)... 550 Host unknown\n554 <c@example.org>... 550 Host unknown (Authoritative answer from name server)\n",
        );
        let got: Vec<_> = records
            .iter()
            .map(|r| (r.recipient.as_str(), r.replycode.as_str(), r.command.as_str()))
            .collect();
        assert_eq!(got, [("b@example.edu", "550", "MAIL"), ("c@example.org", "550", "")]);
        assert_eq!(records[0].diagnosticcode, "Remote protocol error 550 Insecure Mail Relay");
        assert_eq!(
            records[1].diagnosticcode,
            "550 Host unknown (Authoritative answer from name server)"
        );
    }

    #[test]
    fn phrases_are_lowercase_for_the_lowercased_search() {
        let lower = |p: &&str| *p == p.to_ascii_lowercase();
        assert!(super::BODY_PHRASES.iter().all(lower));
        assert!(super::FAILURE_WORDS.iter().all(lower));
        assert!(super::GIVEN_UP.iter().all(lower));
        assert!(super::DELAY_WARNING.iter().all(lower));
    }

    #[test]
    fn a_message_given_up_after_a_temporary_reply_failed() {
        let records = bounce(
            "Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<b@example.org>:\n192.0.2.1 failed after I sent the message.\nRemote host said: 452 4.2.2 Mailbox full\nI'm not going to try again; this message has been in the queue too long.\n",
        );
        assert_eq!(records[0].action, "failed");
        assert_eq!(records[0].reason, crate::Reason::MailboxFull);
        // A 4xx reply with nothing given up is a delay.
        let records = bounce("<b@example.org>:\nRemote host said: 452 4.2.2 Mailbox full\n");
        assert_eq!(records[0].action, "delayed");
    }

    #[test]
    fn a_delay_warning_is_delayed_and_names_the_network_not_expiry() {
        // Postfix's warning: still queued, and the connection is what failed.
        let warning = "This is the mail system at host mx.example.net.\n\n####################################################################\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n####################################################################\n\nYour message could not be delivered for more than 4 hour(s).\nIt will be retried until it is 5 day(s) old.\n\n<b@example.org>: connect to mx.example.org[192.0.2.1]:25: Connection timed out\n";
        let records = bounce(warning);
        assert_eq!(
            (records[0].action.as_str(), records[0].reason),
            ("delayed", crate::Reason::NetworkError)
        );
        // The queue gave up on the same trouble: expired.
        let gave_up = "This is the mail system at host mx.example.net.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<b@example.org>: message expired: connect to mx.example.org[192.0.2.1]:25: Connection timed out\n";
        let records = bounce(gave_up);
        assert_eq!(
            (records[0].action.as_str(), records[0].reason),
            ("failed", crate::Reason::Expired)
        );
        // Given up on with no cause named: the queue expired.
        let records = bounce(
            "<b@example.org>:\n192.0.2.1 does not like recipient.\nRemote host said: 450 4.0.0 Try later\nI'm not going to try again; this message has been in the queue too long.\n",
        );
        assert_eq!(
            (records[0].action.as_str(), records[0].reason),
            ("failed", crate::Reason::Expired)
        );
        // A warning that names no cause: held, not expired.
        let records = bounce(
            "THIS IS A WARNING MESSAGE ONLY.\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\n\nDelivery to the following recipients has been delayed.\n\n       b@example.org\n\nMessage will be retried for 2 more day(s)\n",
        );
        assert_eq!(
            (records[0].action.as_str(), records[0].reason),
            ("delayed", crate::Reason::OnHold)
        );
    }

    #[test]
    fn a_command_under_its_own_label_counts() {
        let records = bounce(
            "b@example.com

-------server message
550 b@example.com... No such user

-------SMTP command
DATA

-------original message
Received: from x (HELO y)
",
        );
        assert_eq!(records[0].command, "DATA");
        assert_eq!(records[0].reason, crate::Reason::Filtered);
    }

    #[test]
    fn a_summary_without_a_session_keeps_its_code_and_the_agent_words_above_it() {
        let records = bounce(
            "   ----- Transcript of session follows -----\nmail.local: unknown user: b\n554 <b@example.net>... Service unavailable\n",
        );
        assert_eq!(
            records[0].diagnosticcode,
            "mail.local: unknown user: b 554 <b@example.net>... Service unavailable"
        );
        assert_eq!(records[0].reason, crate::Reason::UserUnknown);
        let records = bounce(
            "   ----- Transcript of session follows -----\n550 5.1.2 <c@example.org>... Host unknown (Name server: mx.example.org: no data known)\n",
        );
        assert_eq!(records[0].deliverystatus, "5.1.2");
        assert_eq!(records[0].reason, crate::Reason::HostUnknown);
    }

    #[test]
    fn only_addresses_the_notice_says_failed_get_records() {
        // The returned message's header block, with no line to announce it, and the address
        // a notice gives for help.
        let records = bounce(
            "Your message could not be delivered.\n\n<b@example.org>... 550 User unknown\n\nContact: help@example.net\nFor assistance, send mail to postmaster@example.net\n\nReceived: from x by y; Mon, 2 Dec 2024 10:00:00 +0000\nFrom: a@example.jp\nTo: c@example.org\nSubject: hi\n\nhello\n",
        );
        let got: Vec<_> = records.iter().map(|r| r.recipient.as_str()).collect();
        assert_eq!(got, ["b@example.org"]);
    }

    #[test]
    fn pmdf_recipient_blocks_each_keep_their_own_reason() {
        // PMDF / Sun Messaging Server: a block per recipient, the original address under the
        // delivered-to one, and a block with no code that must not borrow another's reply.
        let records = bounce(
            "This report relates to a message you sent with the following header fields:\n\n  Message-id: <1@example.jp>\n  Date: Mon, 02 Dec 2024 09:00:00 +0000\n  From: a@example.jp\n  To: b@example.edu, c@example.edu\n  Subject: hello\n\nYour message cannot be delivered to the following recipients:\n\n  Recipient address: b@mail.example.edu\n  Original address: b@example.edu\n  Reason: Remote SMTP server has rejected address\n  Diagnostic code: smtp;550 5.1.1 unknown or illegal alias: b@mail.example.edu\n  Remote system: dns;mx.example.edu (TCP|192.0.2.1|25)\n\n  Recipient address: c@example.edu\n  Reason: Illegal host/domain name found\n",
        );
        let got: Vec<_> =
            records.iter().map(|r| (r.recipient.as_str(), r.alias.as_str(), r.reason)).collect();
        assert_eq!(
            got,
            [
                ("b@example.edu", "b@mail.example.edu", crate::Reason::UserUnknown),
                ("c@example.edu", "", crate::Reason::HostUnknown),
            ]
        );
    }

    #[test]
    fn a_reason_above_the_address_is_its_diagnostic() {
        let records = bounce(
            "------- Failure Reasons  --------\n\nUser  not listed in public Name & Address Book\nb@example.com\n\n\n------- Returned Message --------\nFrom: a@example.jp\nTo: b@example.com\nSubject: hi\n",
        );
        assert_eq!(records[0].diagnosticcode, "User not listed in public Name & Address Book");
        assert_eq!(records[0].reason, crate::Reason::UserUnknown);
        // A label above an address is no reason.
        let records = bounce("The following address failed:\nb@example.com\n");
        assert_ne!(records[0].diagnosticcode, "The following address failed:");
    }

    #[test]
    fn the_notice_s_summary_of_the_message_names_no_failed_recipient() {
        // Exchange's "Your message / To: / Subject: / Sent: / did not reach the following
        // recipient(s):": the To: line says which message, the list below who failed.
        let records = bounce(
            "Your message\n\n  To:      c@example.net\n  Subject: hi\n  Sent:    Thu, 29 Apr 2005 23:34:45 +0000\n\ndid not reach the following recipient(s):\n\nb@example.org on Thu, 29 Apr 2005 23:34:45 +0000\n    The recipient name is not recognized\n",
        );
        let got: Vec<_> = records.iter().map(|r| (r.recipient.as_str(), r.reason)).collect();
        assert_eq!(got, [("b@example.org", crate::Reason::UserUnknown)]);
        // A notice that names its recipient only in the returned message's headers.
        let records = bounce(
            "Message could not be delivered to mobile.\nError: No valid recipients for this MM\n\nOriginal Message:\nFrom: a <a@example.jp>\nTo: 0000@mms.example.com\nSubject: test\nDate: Wed, 20 Jun 2013 10:29:52 +0000\n",
        );
        let got: Vec<_> = records.iter().map(|r| r.recipient.as_str()).collect();
        assert_eq!(got, ["0000@mms.example.com"]);
    }

    #[test]
    fn a_phrase_before_a_bracketed_address_is_not_the_address() {
        let records = bounce(
            "  b@example.com <c@example.net>: malformed address: <c@example.net> may not follow b@example.com\n\n------ This is a copy of your message, including all the headers. ------\n\nTo: d@example.net\nSubject: hi\n",
        );
        let got: Vec<_> = records.iter().map(|r| r.recipient.as_str()).collect();
        assert_eq!(got, ["c@example.net"]);
    }
}
