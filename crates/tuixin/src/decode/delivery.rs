//! What a decoder found about one recipient, and how it becomes a [`Record`].

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use sha1::{Digest, Sha1};

use super::original::Original;
use super::{Limits, address};
use crate::classify::{Classifier, Facts, RuleKind, Verdict};
use crate::code::{Code, EnhancedStatus, ReplyCode, find_codes};
use crate::reason::Reason;
use crate::record::Record;

/// One recipient as a decoder read it; empty strings where the bounce says nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Delivery {
    pub recipient: String,
    pub alias: String,
    pub action: String,
    pub status: String,
    pub reply_code: String,
    pub command: String,
    pub diagnostic: String,
    pub diagnostic_type: String,
    pub rhost: String,
    pub lhost: String,
    pub feedback_type: String,
    /// A date the report gives for this recipient (Last-Attempt-Date, Arrival-Date).
    pub date: Option<mail_parser::DateTime>,
    /// A reason the decoder knows from the report's kind (feedback, vacation, delivered).
    pub reason: Option<Reason>,
}

/// What one decoder read from one bounce.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub decoded_by: &'static str,
    pub deliveries: Vec<Delivery>,
}

/// Cuts a text to at most `max` bytes, at a character boundary.
pub(crate) fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let cut = text.floor_char_boundary(max);
        text.truncate(cut);
    }
}

/// Whitespace runs (line breaks included) as single spaces.
pub(crate) fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether a text is already one line of single-spaced words (most diagnostics are).
fn is_squeezed(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.is_ascii()
        && !bytes.first().is_some_and(u8::is_ascii_whitespace)
        && !bytes.last().is_some_and(u8::is_ascii_whitespace)
        && !bytes.iter().any(|&b| b.is_ascii_whitespace() && b != b' ')
        && !bytes.windows(2).any(|w| w == b"  ")
}

/// Whether a text holds a reply code written as the start of a multi-line reply (`550-`).
fn has_multiline_reply(text: &str) -> bool {
    text.as_bytes().windows(4).any(|w| w[3] == b'-' && w[..3].iter().all(u8::is_ascii_digit))
}

/// A multi-line SMTP reply as one: `550-5.7.1 Messages with multiple 550-5.7.1 addresses` has
/// its continuation prefixes dropped after the first, so that the server's sentence reads whole.
pub(crate) fn join_multiline_reply(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    // The first reply code written as the start of a multi-line reply: `550-` or `550-5.7.1`.
    let Some(first) = words.iter().position(|w| {
        w.len() >= 4 && w.as_bytes()[3] == b'-' && w[..3].bytes().all(|b| b.is_ascii_digit())
    }) else {
        return text.to_owned();
    };
    let code = &words[first][..3];
    let status = words[first][4..].to_owned();
    let mut out: Vec<&str> = words[..=first].to_vec();
    let mut i = first + 1;
    while i < words.len() {
        let w = words[i];
        let continuation =
            w.strip_prefix(code).is_some_and(|rest| rest.starts_with('-') || rest.is_empty());
        if continuation {
            // Drop `550-5.7.1`, `550-`, and the last line's `550 5.7.1`.
            let next_is_status = !status.is_empty() && words.get(i + 1) == Some(&status.as_str());
            i += if w == code && next_is_status { 2 } else { 1 };
            continue;
        }
        out.push(w);
        i += 1;
    }
    out.join(" ")
}

/// The SMTP command a diagnostic says failed, where it says.
pub(crate) fn command_in(text: &str) -> &'static str {
    crate::text::with_lowercase(text, |lower| {
        COMMAND_MATCHER.find(lower).map_or("", |m| COMMANDS[m.pattern().as_usize()].1)
    })
}

/// How diagnostics name the SMTP command they answer, and the command.
const COMMANDS: &[(&str, &str)] = &[
    ("rcpt to", "RCPT"),
    (">>> rcpt", "RCPT"),
    ("rcpt_to", "RCPT"),
    ("after rcpt", "RCPT"),
    ("rcpt command", "RCPT"),
    ("does not like recipient", "RCPT"),
    ("smtp:rcpt", "RCPT"),
    ("rejected address", "RCPT"),
    // `MAIL FROM` as the command (`in reply to MAIL FROM command`, `MAIL FROM:<a@b>`), not
    // prose such as "undeliverable mail from a@b".
    ("mail from command", "MAIL"),
    ("reply to mail from", "MAIL"),
    ("mail from:", "MAIL"),
    ("mail from <", "MAIL"),
    (">>> mail", "MAIL"),
    ("after mail", "MAIL"),
    ("does not like sender", "MAIL"),
    ("smtp:mail", "MAIL"),
    ("end of data", "DATA"),
    ("after i sent the message", "DATA"),
    ("smtp:data", "DATA"),
    ("final data", "DATA"),
    ("after data", "DATA"),
    (">>> data", "DATA"),
    ("data command", "DATA"),
    ("message data", "DATA"),
    ("command: data", "DATA"),
    ("command: rcpt", "RCPT"),
    ("command: mail", "MAIL"),
    // HELO/EHLO in their contexts only: `HELO=[name]` and `(helo=name)` are parameters and
    // Received headers, not the failed command.
    (">>> ehlo", "EHLO"),
    (">>> helo", "HELO"),
    ("after ehlo", "EHLO"),
    ("after helo", "HELO"),
    ("to ehlo", "EHLO"),
    ("to helo", "HELO"),
    ("ehlo command", "EHLO"),
    ("helo command", "HELO"),
    ("second_ehlo", "EHLO"),
    ("helo handshake", "HELO"),
    ("ehlo handshake", "EHLO"),
];

/// The first mention of any command in one pass over lowercased text.
static COMMAND_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(COMMANDS.iter().map(|(needle, _)| needle))
        .expect("the commands are plain literals")
});

/// The command a notice names under a label of its own (m-FILTER's `-------SMTP command` with
/// `DATA` on the next line).
pub(crate) fn labelled_command(lines: &[&str]) -> &'static str {
    let mut lines = lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty());
    while let Some(line) = lines.next() {
        let label = line.trim_start_matches('-').trim_end_matches(':').trim();
        if label.eq_ignore_ascii_case("smtp command") || label.eq_ignore_ascii_case("command") {
            let word = lines.next().and_then(|l| l.split_whitespace().next()).unwrap_or("");
            return ["MAIL", "RCPT", "DATA", "EHLO", "HELO"]
                .into_iter()
                .find(|c| word.eq_ignore_ascii_case(c))
                .unwrap_or("");
        }
    }
    ""
}

/// The command an SMTP transcript shows failing: the last `>>> COMMAND` before the first
/// `<<< 4xx`/`<<< 5xx` reply; else the command the text names.
pub(crate) fn transcript_command(text: &str) -> &'static str {
    match session_command(text) {
        "" => command_in(text),
        command => command,
    }
}

/// The command an SMTP transcript shows failing, `""` where the text has no such transcript.
pub(crate) fn session_command(text: &str) -> &'static str {
    let mut last = "";
    for line in crate::text::lines(text).map(str::trim) {
        if let Some(sent) = line.strip_prefix(">>>") {
            last = command_in(&format!(">>> {}", sent.trim()));
        } else if let Some(reply) = line.strip_prefix("<<<") {
            let reply = reply.trim_start();
            if reply.starts_with(['4', '5']) && !last.is_empty() {
                return last;
            }
        }
    }
    ""
}

/// The remote host a diagnostic names: `host mx.example.com [192.0.2.1]`, `talking to ...`.
pub(crate) fn rhost_in(text: &str) -> String {
    /// The words that come right before a host name, most telling first.
    static ANCHORS: LazyLock<Vec<memchr::memmem::Finder<'static>>> = LazyLock::new(|| {
        ["remote host ", "host ", "talking to ", "from mta(", "remote-mta: dns; "]
            .iter()
            .map(|anchor| memchr::memmem::Finder::new(anchor.as_bytes()))
            .collect()
    });
    crate::text::with_lowercase(text, |lower| {
        for anchor in ANCHORS.iter() {
            for at in anchor.find_iter(lower.as_bytes()) {
                let start = at + anchor.needle().len();
                let token: String = text[start..]
                    .chars()
                    .take_while(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':')
                    })
                    .collect();
                let token = token.trim_matches(|c| matches!(c, '.' | ':' | '[' | ']'));
                if token.contains('.')
                    && token.chars().any(|c| c.is_ascii_alphabetic() || c.is_ascii_digit())
                {
                    return token.to_ascii_lowercase();
                }
            }
        }
        String::new()
    })
}

fn timezone(date: &mail_parser::DateTime) -> String {
    let sign = if date.tz_before_gmt { '-' } else { '+' };
    format!("{sign}{:02}{:02}", date.tz_hour, date.tz_minute)
}

/// Sisimai's token: SHA-1 over STX, addresser, RS, recipient, RS, timestamp, ETX, the
/// addresses lowercased, so that the same bounce gets the same id in both tools.
fn token(addresser: &str, recipient: &str, timestamp: i64) -> String {
    /// Feeds text to the hash ASCII-lowercased, a block at a time, without a lowercased copy.
    fn update_lowercase(hasher: &mut Sha1, text: &str) {
        let mut block = [0u8; 64];
        for chunk in text.as_bytes().chunks(block.len()) {
            let block = &mut block[..chunk.len()];
            block.copy_from_slice(chunk);
            block.make_ascii_lowercase();
            hasher.update(&*block);
        }
    }
    let mut hasher = Sha1::new();
    hasher.update(b"\x02");
    update_lowercase(&mut hasher, addresser);
    hasher.update(b"\x1e");
    update_lowercase(&mut hasher, recipient);
    hasher.update(b"\x1e");
    hasher.update(timestamp.to_string().as_bytes());
    hasher.update(b"\x03");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(40);
    for byte in hasher.finalize() {
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0xf)] as char);
    }
    out
}

/// The reply code and enhanced code a diagnostic carries: the first reply code with its
/// enhanced code beside it, else the first failure code of each kind. An expiry summary
/// (`554 4.4.7 Message expired <421 4.4.2 Connection timed out>`) gives way to the reply it
/// quotes, which is the remote server's answer.
pub(crate) fn codes_in(text: &str) -> (Option<ReplyCode>, Option<EnhancedStatus>) {
    let found = find_codes(text);
    let pairs: Vec<(ReplyCode, EnhancedStatus)> = found
        .windows(2)
        .filter_map(|w| match (w[0].code, w[1].code) {
            (Code::Reply(reply), Code::Enhanced(status))
                if w[1].start.saturating_sub(w[0].end) <= 3 =>
            {
                Some((reply, status))
            }
            _ => None,
        })
        .collect();
    let expiry = |s: &EnhancedStatus| s.subject == 4 && s.detail == 7;
    let failed = |r: &ReplyCode| r.first_digit() >= 4;
    if let Some(&(reply, status)) = pairs
        .iter()
        .find(|(r, s)| failed(r) && !expiry(s))
        .or_else(|| pairs.iter().find(|(r, _)| failed(r)))
        .or_else(|| pairs.first())
    {
        return (Some(reply), Some(status));
    }
    let replies: Vec<ReplyCode> = found
        .iter()
        .filter_map(|f| match f.code {
            Code::Reply(r) => Some(r),
            Code::Enhanced(_) => None,
        })
        .collect();
    let reply = replies.iter().find(|r| r.first_digit() >= 4).or(replies.first()).copied();
    let statuses: Vec<EnhancedStatus> = found
        .iter()
        .filter_map(|f| match f.code {
            Code::Enhanced(s) => Some(s),
            Code::Reply(_) => None,
        })
        .collect();
    let status = statuses.iter().find(|s| s.class >= 4).or(statuses.first()).copied();
    (reply, status)
}

/// Expiry and delay, told apart: a queue that gave up is `expired` and `failed`; a delay
/// warning (the message is still queued) is `delayed`, never `expired`.
///
/// - Words that say the sending MTA stopped retrying ("message expired", "retry timeout
///   exceeded") make a record whose action only its temporary code suggested `failed`; and a
///   failed record whose cause no words name (nothing, or a code alone, decided) is `expired`
///   where the notice's words say the MTA gave up (`gave_up`).
/// - In a notice that says it is only a warning, a record is `delayed` unless its code is
///   permanent; a timed-out connection is the network's trouble (`networkerror`), the words'
///   or the code's other reading gives the cause where it names one (`other_reading`: "Deferred:
///   Connection refused", `4.4.1` no answer from the host), and with no cause named the message
///   is held (`onhold`).
fn settle_expiry(
    verdict: Verdict,
    action: &mut String,
    action_given: bool,
    permanent: Option<bool>,
    warning: &dyn Fn() -> bool,
    gave_up: impl FnOnce() -> bool,
    other_reading: impl FnOnce() -> Verdict,
) -> Verdict {
    // Whether the notice is a warning is read only where it can change the record.
    if !action_given && permanent != Some(true) && warning() {
        *action = "delayed".to_owned();
    }
    if verdict.reason != Reason::Expired {
        // A failure whose cause no words name, that the sending MTA says it gave up on: the
        // queue expired. A cause the words name (no connection, a DNS failure) stays.
        let no_cause = matches!(verdict.reason, Reason::OnHold | Reason::Undefined)
            || verdict.kind == RuleKind::Code;
        if no_cause && *action == "failed" && gave_up() {
            // The words that say the MTA gave up decide, not the code.
            return Verdict {
                reason: Reason::Expired,
                rule: format!("{}+gave-up", verdict.rule),
                kind: RuleKind::Text,
                evidence: "the sending MTA says it gave up".into(),
            };
        }
        return verdict;
    }
    let timed_out = verdict.rule.starts_with("expired.timeout");
    // A report that says `Action: failed` is final, whatever warning words its prose has.
    if !warning() || (action_given && *action == "failed") {
        // The words that the MTA gave up outrank a report's `Action: delayed` too, where the
        // notice does not call itself a warning (OpenSMTPD 6.8 writes its "Envelope expired"
        // notice with its delay template's report fields).
        if action == "delayed" && !timed_out && (!action_given || verdict.kind == RuleKind::Text) {
            *action = "failed".to_owned();
        }
        return verdict;
    }
    if timed_out {
        return Verdict {
            reason: Reason::NetworkError,
            rule: format!("{}+warning", verdict.rule),
            ..verdict
        };
    }
    let other = other_reading();
    let names_a_cause = !matches!(
        other.reason,
        Reason::Expired | Reason::Undefined | Reason::OnHold | Reason::SyntaxError
    );
    if names_a_cause {
        return other;
    }
    // Still queued, and nothing says why: held.
    Verdict { reason: Reason::OnHold, rule: format!("{}+warning", verdict.rule), ..verdict }
}

/// Whether `host` is `domain` or a host inside it (`mx.example.org` in `example.org`).
fn serves_domain(host: &str, domain: &str) -> bool {
    let (host, domain) = (host.as_bytes(), domain.as_bytes());
    !domain.is_empty()
        && host.len() >= domain.len()
        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
        && (host.len() == domain.len() || host[host.len() - domain.len() - 1] == b'.')
}

/// What a bounce says as a whole, the same for each of its recipients.
pub(crate) struct Notice<'a> {
    /// The decoder that read it.
    pub decoded_by: &'a str,
    /// What it returns of the original message.
    pub original: &'a Original,
    /// Its own date.
    pub date: Option<mail_parser::DateTime>,
    /// Its prose, where it speaks for the recipient (it has only one); else empty.
    pub prose: &'a str,
    /// Whether it says it is only a warning of a delay (read on demand, once).
    pub warning: &'a dyn Fn() -> bool,
}

impl Delivery {
    /// Fills what the diagnostic text implies and makes the record.
    pub fn into_record(
        mut self,
        notice: &Notice<'_>,
        classifier: &Classifier,
        limits: &Limits,
    ) -> Record {
        let Notice { decoded_by, original, date: bounce_date, prose: bounce_text, warning } =
            *notice;
        // Whitespace is squeezed first, so look at no more than a few times the limit.
        truncate(&mut self.diagnostic, limits.max_diagnostic_bytes.saturating_mul(4));
        if !is_squeezed(&self.diagnostic) {
            self.diagnostic = squeeze(&self.diagnostic);
        }
        if has_multiline_reply(&self.diagnostic) {
            self.diagnostic = join_multiline_reply(&self.diagnostic);
        }
        truncate(&mut self.diagnostic, limits.max_diagnostic_bytes);
        let (text_reply, text_status) = codes_in(&self.diagnostic);
        // The remote server's own words are more precise than the reporting MTA's summary
        // (`Status: 4.4.7` over `450 4.7.1 Access denied`), so the diagnostic's code wins.
        let status: Option<EnhancedStatus> = text_status
            .or_else(|| self.status.split_whitespace().next().and_then(|s| s.parse().ok()));
        let reply: Option<ReplyCode> = text_reply.or_else(|| {
            let given = self.reply_code.trim();
            if given.is_empty() { None } else { given.parse().ok() }
        });

        if self.command.is_empty() {
            self.command = command_in(&self.diagnostic).to_owned();
        }
        if self.diagnostic_type.is_empty() && (text_reply.is_some() || text_status.is_some()) {
            // The words are an SMTP server's reply even where the bounce does not say so.
            self.diagnostic_type = "SMTP".to_owned();
        }
        if self.rhost.is_empty() {
            self.rhost = rhost_in(&self.diagnostic);
        }
        let permanent = status.map(|s| s.is_permanent()).or(reply.map(|r| r.is_permanent()));
        let action_given = !self.action.is_empty();
        if self.action.is_empty() && self.reason.is_none() {
            self.action = match permanent {
                Some(false)
                    if status.is_some_and(|s| s.class == 4)
                        || reply.is_some_and(|r| r.is_transient()) =>
                {
                    "delayed"
                }
                _ => "failed",
            }
            .to_owned();
        }
        let status_text = status.map(|s| s.to_string()).unwrap_or_default();
        let reply_text = reply.map(|r| r.to_string()).unwrap_or_default();
        let recipient = address::clean(&self.recipient);
        let destination = address::domain_of(&recipient);
        let known = self.reason.or(match self.action.as_str() {
            "delivered" | "relayed" | "expanded" => Some(Reason::Delivered),
            _ => None,
        });
        let facts = Facts {
            diagnostic: &self.diagnostic,
            status: &status_text,
            reply: &reply_text,
            rhost: &self.rhost,
            destination: &destination,
            command: &self.command,
        };
        let mut verdict = match known {
            Some(reason) => Verdict {
                reason,
                rule: format!("decoder.{}", decoded_by.to_ascii_lowercase()),
                kind: RuleKind::Decoder,
                evidence: String::new(),
            },
            None => classifier.classify(&facts),
        };
        // A diagnostic that no rule reads (empty, `5.0.0`, a bare exit status): the bounce's own
        // prose may say why (Exim's "pipe to |...", Lotus Notes' failure reasons).
        if matches!(verdict.reason, Reason::OnHold | Reason::Undefined)
            && let Some(from_text) = classifier.classify_text(bounce_text)
        {
            verdict = from_text;
        }
        if known.is_none() {
            verdict = settle_expiry(
                verdict,
                &mut self.action,
                action_given,
                permanent,
                warning,
                || {
                    super::freetext::says_gave_up(facts.diagnostic)
                        || super::freetext::says_gave_up(bounce_text)
                },
                || classifier.classify_without(&facts, Reason::Expired),
            );
        }
        let from_code_only = verdict.kind == RuleKind::Code;
        if (from_code_only
            || matches!(verdict.reason, Reason::OnHold | Reason::Undefined | Reason::SystemError))
            && self.diagnostic_type.eq_ignore_ascii_case("x-unix")
        {
            // An `X-Unix` diagnostic is a local delivery program's exit status (`127`, `77`, or
            // "temporary failure" for EX_TEMPFAIL, Postfix's "unknown mail system error N");
            // its status code is only that exit status mapped (4.3.0), so unless the words
            // name a cause at the recipient (unknown user, full mailbox), the program failed.
            verdict = Verdict {
                reason: Reason::MailerError,
                rule: "mailererror.x-unix".into(),
                kind: RuleKind::Decoder,
                evidence: self.diagnostic_type.clone(),
            };
        }
        if verdict.reason == Reason::HostUnknown && serves_domain(&self.lhost, &destination) {
            // The host that wrote the bounce is in the recipient's domain, so the domain
            // exists: a failure to route the address there (Exim's "Unrouteable address" for a
            // local domain) is about the mailbox.
            verdict = Verdict {
                reason: Reason::UserUnknown,
                rule: format!("{}+own-domain", verdict.rule),
                ..verdict
            };
        }
        let reason = verdict.reason;
        let hardbounce = reason.is_hard(permanent.unwrap_or(true));

        let date = self.date.or(bounce_date).or(original.date);
        let timestamp = date.map_or(0, |d| d.to_timestamp());
        let addresser = original.addresser.clone();
        Record {
            origin: String::new(),
            message: 1,
            destination,
            senderdomain: address::domain_of(&addresser),
            token: token(&addresser, &recipient, timestamp),
            recipient,
            addresser,
            alias: address::clean(&self.alias),
            action: self.action,
            deliverystatus: status_text,
            replycode: reply_text,
            command: self.command,
            diagnosticcode: self.diagnostic,
            diagnostictype: self.diagnostic_type,
            rhost: self.rhost,
            lhost: self.lhost,
            feedbacktype: self.feedback_type,
            messageid: original.message_id.clone(),
            subject: original.subject.clone(),
            listid: original.list_id.clone(),
            timestamp,
            timezoneoffset: date.map(|d| timezone(&d)).unwrap_or_default(),
            decodedby: decoded_by.to_owned(),
            reason,
            hardbounce,
            category: reason.category(),
            rule: verdict.rule,
            rulekind: verdict.kind,
            evidence: verdict.evidence,
            headers: original.headers.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_serves_its_own_domain() {
        assert!(serves_domain("mx.example.org", "example.org"));
        assert!(serves_domain("EXAMPLE.org", "example.org"));
        assert!(!serves_domain("mx.notexample.org", "example.org"));
        assert!(!serves_domain("example.org", ""));
        assert!(!serves_domain("mx.exämple.org", "ple.org"));
    }

    #[test]
    fn finds_command_and_host_in_diagnostics() {
        let exim = "SMTP error from remote mail server after RCPT TO:<a@b.jp>: host mx.b.jp [192.0.2.1]: 550 5.1.1 unknown";
        assert_eq!(command_in(exim), "RCPT");
        assert_eq!(rhost_in(exim), "mx.b.jp");
        let sendmail = "... while talking to mx.example.org.: >>> DATA <<< 554 rejected";
        assert_eq!(command_in(sendmail), "DATA");
        assert_eq!(rhost_in(sendmail), "mx.example.org");
        // Exim's and qmail's wording, and Yahoo's tag.
        assert_eq!(command_in("SMTP error from remote server after RCPT command"), "RCPT");
        assert_eq!(command_in("192.0.2.1 does not like recipient."), "RCPT");
        assert_eq!(command_in("550 5.1.1 <a@b.jp>... User Unknown [RCPT_TO]"), "RCPT");
        assert_eq!(command_in("SMTP error from remote mail server after MAIL FROM"), "MAIL");
        assert_eq!(command_in("550 denied (in reply to MAIL FROM\n    command)"), "MAIL");
        assert_eq!(command_in("Undeliverable mail from a@b.example: 554 rejected"), "");
        assert_eq!(command_in("192.0.2.1 failed after I sent the message."), "DATA");
        assert_eq!(command_in("SMTP:RCPT host 192.0.2.8: 553 5.3.0 No such user"), "RCPT");
        assert_eq!(command_in("550 Blacklisted URL X=a [192.0.2.1] HELO=[mail.example.com]"), "");
        assert_eq!(command_in("while performing the HELO handshake"), "HELO");
    }

    #[test]
    fn the_remote_servers_code_wins() {
        let (reply, status) = codes_in(
            "554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>",
        );
        assert_eq!((reply.unwrap().value(), status.unwrap().to_string()), (421, "4.4.2".into()));
        let (reply, status) =
            codes_in("5.1.0 - Unknown address error 550-'5.7.1 <x@y.z>... Access denied'");
        assert_eq!((reply.unwrap().value(), status.unwrap().to_string()), (550, "5.7.1".into()));
        let (reply, status) = codes_in(
            "(reason: 550 5.1.1 <a@b.c>... User unknown) >>> DATA <<< 503 5.0.0 Need RCPT",
        );
        assert_eq!((reply.unwrap().value(), status.unwrap().to_string()), (550, "5.1.1".into()));
        let (reply, status) = codes_in("550 Host unknown (#5.1.2)");
        assert_eq!((reply.unwrap().value(), status.unwrap().to_string()), (550, "5.1.2".into()));
    }

    #[test]
    fn command_needles_are_lowercase_for_the_lowercased_search() {
        assert!(COMMANDS.iter().all(|(needle, _)| *needle == needle.to_ascii_lowercase()));
        assert_eq!(command_in("In Reply To RCPT TO Command"), "RCPT");
    }

    #[test]
    fn the_transcript_names_the_failed_command() {
        let t = "... while talking to mx.example.jp.:\n>>> MAIL From:<a@b.example>\n<<< 250 ok\n>>> DATA\n<<< 550 Unknown user";
        assert_eq!(transcript_command(t), "DATA");
        assert_eq!(
            transcript_command("(reason: 550 5.1.1 user unknown in reply to RCPT TO command)"),
            "RCPT"
        );
    }

    #[test]
    fn multi_line_replies_read_as_one_sentence() {
        assert_eq!(
            join_multiline_reply(
                "550-5.7.1 Messages with multiple 550-5.7.1 addresses in From: 550 5.7.1 header are not accepted."
            ),
            "550-5.7.1 Messages with multiple addresses in From: header are not accepted."
        );
        assert_eq!(join_multiline_reply("550 5.1.1 user unknown"), "550 5.1.1 user unknown");
    }

    #[test]
    fn token_is_stable() {
        assert_eq!(token("a@b.jp", "c@d.jp", 1), token("a@b.jp", "c@d.jp", 1));
        assert_ne!(token("a@b.jp", "c@d.jp", 1), token("a@b.jp", "c@d.jp", 2));
        assert_eq!(token("a", "b", 0).len(), 40);
        // SHA-1 of "\x02a\x1eb\x1e0\x03", as `printf '\x02a\x1eb\x1e0\x03' | sha1sum` gives.
        assert_eq!(token("A", "b", 0), "700d0249eaf651b51a7ba60df61a4c8b5b47cbad");
    }
}
