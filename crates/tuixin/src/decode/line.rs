//! A diagnostic line on its own, as a user pastes it: the facts a bounce would give around it
//! (codes, remote host, recipient's domain, failed command) read from the line itself, then
//! classified as `parse` classifies a record.

use super::Decoder;
use super::address::{self, find_addresses};
use super::delivery::{codes_in, command_in, rhost_in};
use crate::classify::{Facts, Verdict};

/// What a diagnostic line says, and the verdict on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The enhanced status code the line carries, or empty.
    pub status: String,
    /// The reply code the line carries, or empty.
    pub reply: String,
    /// The host whose provider's rules applied (named in the line, or given), or empty.
    pub rhost: String,
    /// The domain of the first address in the line, or empty.
    pub destination: String,
    /// The SMTP command the line names, or empty.
    pub command: String,
    /// Whether the codes say the failure is permanent (none: no code).
    pub permanent: Option<bool>,
    /// The reason, and the rule that decided.
    pub verdict: Verdict,
}

impl Decoder<'_> {
    /// Classifies one diagnostic line as a record's diagnostic is classified. `host` stands for
    /// the remote host where the line names none (a provider's, to apply its rules).
    pub fn diagnose(&self, line: &str, host: Option<&str>) -> Diagnosis {
        let (reply, status) = codes_in(line);
        let status_text = status.map(|s| s.to_string()).unwrap_or_default();
        let reply_text = reply.map(|r| r.to_string()).unwrap_or_default();
        let destination = find_addresses(line)
            .first()
            .map(|found| address::domain_of(found.address))
            .unwrap_or_default();
        let rhost = match host {
            Some(host) => host.to_ascii_lowercase(),
            None => {
                let named = rhost_in(line);
                if named.is_empty() { self.provider_host_in(line) } else { named }
            }
        };
        let command = command_in(line).to_owned();
        let verdict = self.classifier.classify(&Facts {
            diagnostic: line,
            status: &status_text,
            reply: &reply_text,
            rhost: &rhost,
            destination: &destination,
            command: &command,
        });
        let permanent = status.map(|s| s.is_permanent()).or(reply.map(|r| r.is_permanent()));
        Diagnosis {
            status: status_text,
            reply: reply_text,
            rhost,
            destination,
            command,
            permanent,
            verdict,
        }
    }

    /// The first host name in a text (a word with dots, in a URL or not) that belongs to a
    /// provider tuixin has rules for: `http://service.mail.qq.com/...` names Tencent.
    fn provider_host_in(&self, text: &str) -> String {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
            .map(|word| word.trim_matches('.').to_ascii_lowercase())
            .filter(|word| word.contains('.') && word.bytes().any(|b| b.is_ascii_alphabetic()))
            .find(|word| self.classifier.provider_of(word).is_some())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Decoder, Reason};

    #[test]
    fn a_line_is_classified_as_parse_classifies_it() {
        let decoder = Decoder::default();
        // No code at all: the words decide.
        let d = decoder.diagnose("很抱歉您的邮件被退回。原因：收件人邮箱空间已满", None);
        assert_eq!(d.verdict.reason, Reason::MailboxFull);
        // A provider named by a host in the text, and one given.
        let qq = "550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726";
        let d = decoder.diagnose(qq, None);
        assert_eq!(
            (d.rhost.as_str(), d.verdict.reason),
            ("service.mail.qq.com", Reason::SpamDetected)
        );
        let d = decoder.diagnose("550 Mail content denied.", Some("mx3.qq.com"));
        assert_eq!(d.verdict.reason, Reason::SpamDetected);
        assert_eq!(d.reply, "550");
    }
}
