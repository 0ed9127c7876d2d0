//! Telling inputs apart by their content: a mail message, a log of one of the known formats, or
//! JSON (a webhook payload).

use super::{LogFormat, LogReader};

/// What an input is, as its first bytes show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A mail message (a bounce, or a pasted bounce's text): read with [`crate::Decoder`].
    Mail,
    /// A log of the given format.
    Log(LogFormat),
    /// JSON that is not a known log: a webhook payload.
    Json,
}

/// Lines of the head that are looked at for a result line.
const MAX_LINES: usize = 2_000;

/// Bytes of the input that are looked at.
pub const DETECT_BYTES: usize = 256 << 10;

/// The formats whose first result line decides, tried on each line in this order. A bare SMTP
/// reply is tried only when no log format matches (any text may start with three digits).
const LOG_FORMATS: &[LogFormat] = &[
    LogFormat::Postfix,
    LogFormat::Exim,
    LogFormat::Sendmail,
    LogFormat::Qmail,
    LogFormat::KumoMta,
    LogFormat::Pmta,
];

/// What an input is, from its head (the first [`DETECT_BYTES`] are enough; more are ignored).
///
/// A log is recognised by its first line that one of the readers reads as a result (the line
/// shapes of the formats do not overlap); JSON that is no KumoMTA log is a payload; an input
/// whose first non-empty line is an SMTP reply and that holds no log result is a file of bare
/// replies; anything else is mail.
pub fn detect_input(head: &[u8]) -> InputKind {
    let head = &head[..head.len().min(DETECT_BYTES)];
    // A message header first is mail, whatever its body quotes; only a log line that looks like
    // a header field (`4A1B2C3D4E: to=<...>` without a syslog prefix) is read as a log.
    if crate::opens_with_header(head) {
        let first = head.trim_ascii_start().split(|&b| b == b'\n').next().unwrap_or_default();
        let first_is_result =
            LOG_FORMATS.iter().any(|&format| !LogReader::new(format).feed(1, first).is_empty());
        if !first_is_result {
            return InputKind::Mail;
        }
    }
    let mut readers: Vec<LogReader<'static>> =
        LOG_FORMATS.iter().map(|&f| LogReader::new(f)).collect();
    let lines = head.split(|&b| b == b'\n').take(MAX_LINES);
    for (i, line) in lines.enumerate() {
        for reader in &mut readers {
            if !reader.feed(i + 1, line).is_empty() {
                return InputKind::Log(reader.format());
            }
        }
    }
    let text = head.trim_ascii_start();
    if text.starts_with(b"{") || text.starts_with(b"[") {
        return InputKind::Json;
    }
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut replies = LogReader::new(LogFormat::SmtpReply);
    if !replies.feed(1, first).is_empty() || !replies.finish().is_empty() {
        return InputKind::Log(LogFormat::SmtpReply);
    }
    InputKind::Mail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_told_by_its_content() {
        let postfix = "Dec  7 05:50:01 mx postfix/smtpd[1]: connect from unknown[192.0.2.9]\nDec  7 05:50:02 mx postfix/smtp[2]: 4A1B2C3D4E: to=<a@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 unknown (in reply to RCPT TO command))\n";
        assert_eq!(detect_input(postfix.as_bytes()), InputKind::Log(LogFormat::Postfix));
        let exim = "2026-12-07 05:50:03 1vAbCd-000Ef1-Gh ** a@example.org: Unrouteable address\n";
        assert_eq!(detect_input(exim.as_bytes()), InputKind::Log(LogFormat::Exim));
        let sendmail = "Dec  7 05:50:02 mx sm-mta[802]: 5B7HQ1aB000801: to=<a@example.org>, delay=00:00:01, mailer=esmtp, pri=1, relay=mx.example.org. [192.0.2.10], dsn=5.1.1, stat=User unknown\n";
        assert_eq!(detect_input(sendmail.as_bytes()), InputKind::Log(LogFormat::Sendmail));
        let qmail = "@400000006933f5a2000000ac starting delivery 17: msg 1 to remote a@example.org\n@400000006933f5a3000000aa delivery 17: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/\n";
        assert_eq!(detect_input(qmail.as_bytes()), InputKind::Log(LogFormat::Qmail));
        let kumo = r#"{"type":"Bounce","sender":"s@example.net","recipient":"a@example.org","response":{"code":550,"content":"unknown user","command":"RCPT TO"},"timestamp":1}"#;
        assert_eq!(detect_input(kumo.as_bytes()), InputKind::Log(LogFormat::KumoMta));
        let pmta = "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag\nb,1,s@example.net,a@example.org,failed,5.1.1,smtp;550 5.1.1 unknown\n";
        assert_eq!(detect_input(pmta.as_bytes()), InputKind::Log(LogFormat::Pmta));
        let reply = "550 5.1.1 <a@example.org>: Recipient address rejected\n";
        assert_eq!(detect_input(reply.as_bytes()), InputKind::Log(LogFormat::SmtpReply));
        let ses = r#"[{"eventType":"Bounce","bounce":{"bounceType":"Permanent"}}]"#;
        assert_eq!(detect_input(ses.as_bytes()), InputKind::Json);
        let mail = "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail Returned to Sender\n\nhost mx.example.org said: 550 5.1.1 unknown\n";
        assert_eq!(detect_input(mail.as_bytes()), InputKind::Mail);
        let quoting = format!("From: a@example.org\nSubject: mail log\n\n{postfix}");
        assert_eq!(detect_input(quoting.as_bytes()), InputKind::Mail);
        let bare = "4A1B2C3D4E: to=<a@example.org>, relay=none, delay=1, delays=0/0/0/1, dsn=5.1.2, status=bounced (Host or domain name not found)\n";
        assert_eq!(detect_input(bare.as_bytes()), InputKind::Log(LogFormat::Postfix));
        assert_eq!(detect_input(b""), InputKind::Mail);
        assert_eq!(detect_input(b"\x00\xff\xfe junk"), InputKind::Mail);
    }
}
