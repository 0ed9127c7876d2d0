//! A lifecycle event: what one record (plus its provenance) means for its address.

use super::{Scope, Timestamp};
use crate::{Reason, Record, RuleKind};

/// How far a bounce's own date may lie after the time it was received (clock skew) before the
/// date is distrusted and the time of receipt used instead.
pub const FUTURE_SKEW: Timestamp = 3_600;

/// Headers of the original message that name a campaign, in the order they are asked.
const CAMPAIGN_HEADERS: &[&str] = &[
    "x-campaign-id", "x-campaign", "x-campaignid", "x-mailgun-campaign-id", "x-mc-campaign",
    "x-listmonk-campaign", "x-job",
];

/// What kind of thing happened to the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A failure report (DSN `failed`, a log's bounced status, an ESP bounce).
    Bounce,
    /// A delay warning: the message is still queued.
    Delay,
    /// The message was delivered.
    Delivery,
    /// A complaint (ARF report or an ESP's complaint event).
    Complaint,
    /// The recipient unsubscribed (RFC 8058 one-click, an ESP event).
    Unsubscribe,
    /// The sending provider refused because the address is on its own suppression list.
    UpstreamSuppressed,
    /// An automatic reply (vacation notice).
    AutoReply,
    /// A report that says nothing about the address (relayed, expanded).
    Other,
}

/// One event as the lifecycle sees it. Built from a record with [`LifecycleEvent::from_record`],
/// or directly by readers that make events without a record (an unsubscribe request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleEvent<'a> {
    /// The event's id (its idempotency key in the store).
    pub id: &'a str,
    /// The recipient address as received.
    pub address: &'a str,
    /// When it happened, in Unix seconds (the bounce's own time where it has one).
    pub at: Timestamp,
    /// Where it came from: `smtp`, `imap:<name>`, `webhook:ses`, `log:postfix`, ...
    pub source: &'a str,
    /// What happened.
    pub kind: EventKind,
    /// The record's reason.
    pub reason: Reason,
    /// The record's verdict that the address itself is bad.
    pub hard: bool,
    /// The status class (2, 4 or 5) from the enhanced status code, else the reply code.
    pub class: Option<u8>,
    /// Decided by the status code alone or by no rule: too weak to remove an address on.
    pub weak: bool,
    /// The scope of the mail that bounced (`all` when unknown).
    pub scope: Scope,
    /// The ARF feedback type (`abuse`, `not-spam`, ...), empty when none.
    pub feedback_type: &'a str,
    /// The sending domain or IP.
    pub sending: &'a str,
    /// The receiving provider or the recipient's domain.
    pub provider: &'a str,
    /// The campaign the message belonged to (from its `X-` headers or List-Id), empty if unknown.
    pub campaign: &'a str,
}

impl<'a> LifecycleEvent<'a> {
    /// The event a record makes, with its id, source and time of receipt. A record's own time
    /// is used when it has one and it is not more than [`FUTURE_SKEW`] after `received_at`.
    pub fn from_record(
        record: &'a Record,
        id: &'a str,
        source: &'a str,
        received_at: Timestamp,
    ) -> Self {
        let at = if record.timestamp > 0
            && record.timestamp <= received_at.saturating_add(FUTURE_SKEW)
        {
            record.timestamp
        } else {
            received_at
        };
        LifecycleEvent {
            id,
            address: &record.recipient,
            at,
            source,
            kind: kind_of(record),
            reason: record.reason,
            hard: record.hardbounce,
            class: class_of(&record.deliverystatus).or_else(|| class_of(&record.replycode)),
            weak: matches!(record.rulekind, RuleKind::Code | RuleKind::None),
            scope: Scope::All,
            feedback_type: &record.feedbacktype,
            sending: &record.senderdomain,
            provider: &record.destination,
            campaign: campaign_of(record),
        }
    }
}

impl EventKind {
    /// What a record with this action and reason reports about its address (the mapping
    /// [`LifecycleEvent::from_record`] uses; statistics count events by it too).
    pub fn of(action: &str, reason: Reason) -> EventKind {
        kind_of_parts(action, reason)
    }
}

fn kind_of(record: &Record) -> EventKind {
    kind_of_parts(&record.action, record.reason)
}

fn kind_of_parts(action: &str, reason: Reason) -> EventKind {
    let action = action.trim();
    let is = |name: &str| action.eq_ignore_ascii_case(name);
    if is("delayed") {
        return EventKind::Delay;
    }
    if is("unsubscribe") || is("unsubscribed") {
        return EventKind::Unsubscribe;
    }
    match reason {
        Reason::Feedback => EventKind::Complaint,
        Reason::Vacation => EventKind::AutoReply,
        Reason::Suppressed => EventKind::UpstreamSuppressed,
        // A relay or list expansion says the message went on, not that it arrived.
        Reason::Delivered if is("relayed") || is("expanded") => EventKind::Other,
        Reason::Delivered => EventKind::Delivery,
        // "delivered" beside a failure reason contradicts itself: the failure is what counts.
        _ => EventKind::Bounce,
    }
}

/// The class digit of a status or reply code (`5.1.1`, `550`).
fn class_of(code: &str) -> Option<u8> {
    match code.trim().as_bytes().first() {
        Some(b @ (b'2' | b'4' | b'5')) => Some(b - b'0'),
        _ => None,
    }
}

fn campaign_of(record: &Record) -> &str {
    CAMPAIGN_HEADERS
        .iter()
        .find_map(|wanted| {
            record
                .headers
                .iter()
                .find(|(name, value)| name.eq_ignore_ascii_case(wanted) && !value.trim().is_empty())
                .map(|(_, value)| value.trim())
        })
        .unwrap_or(record.listid.trim())
}

/// A record with the given verdict, for tests.
#[cfg(test)]
pub(crate) fn test_record(
    reason: Reason,
    action: &str,
    status: &str,
    reply: &str,
    kind: RuleKind,
) -> Record {
    Record {
        origin: "bounce.eml".into(),
        message: 1,
        recipient: "Alice@Example.org".into(),
        addresser: "news@sender.test".into(),
        senderdomain: "sender.test".into(),
        destination: "example.org".into(),
        alias: String::new(),
        action: action.into(),
        deliverystatus: status.into(),
        replycode: reply.into(),
        command: "RCPT".into(),
        diagnosticcode: String::new(),
        diagnostictype: "SMTP".into(),
        rhost: String::new(),
        lhost: String::new(),
        feedbacktype: String::new(),
        messageid: String::new(),
        subject: String::new(),
        listid: String::new(),
        timestamp: 1_700_000_000,
        timezoneoffset: "+0000".into(),
        decodedby: "rfc3464".into(),
        token: String::new(),
        reason,
        hardbounce: reason.is_hard(!status.starts_with('4')),
        category: reason.category(),
        rule: String::new(),
        rulekind: kind,
        evidence: String::new(),
        headers: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::test_record as record;
    use super::*;

    #[test]
    fn a_record_becomes_an_event_with_its_own_time_class_and_strength() {
        let r = record(Reason::UserUnknown, "failed", "5.1.1", "550", RuleKind::Text);
        let e = LifecycleEvent::from_record(&r, "id1", "smtp", 1_700_000_500);
        assert_eq!(
            (e.kind, e.at, e.class, e.weak, e.hard),
            (EventKind::Bounce, 1_700_000_000, Some(5), false, true)
        );
        assert_eq!(
            (e.address, e.sending, e.provider, e.scope),
            ("Alice@Example.org", "sender.test", "example.org", Scope::All)
        );
        let r = record(Reason::UserUnknown, "failed", "", "450", RuleKind::Code);
        let e = LifecycleEvent::from_record(&r, "id1", "smtp", 1_700_000_500);
        assert_eq!((e.class, e.weak), (Some(4), true));
        let r = record(Reason::Undefined, "failed", "", "", RuleKind::None);
        let e = LifecycleEvent::from_record(&r, "id1", "smtp", 1_700_000_500);
        assert_eq!((e.class, e.weak), (None, true));
    }

    #[test]
    fn a_date_far_after_receipt_or_missing_is_replaced_by_the_time_of_receipt() {
        let mut r = record(Reason::MailboxFull, "failed", "4.2.2", "452", RuleKind::Text);
        r.timestamp = 1_700_000_000 + FUTURE_SKEW + 1;
        assert_eq!(LifecycleEvent::from_record(&r, "i", "smtp", 1_700_000_000).at, 1_700_000_000);
        r.timestamp = 1_700_000_000 + FUTURE_SKEW;
        assert_eq!(LifecycleEvent::from_record(&r, "i", "smtp", 1_700_000_000).at, r.timestamp);
        r.timestamp = 0;
        assert_eq!(LifecycleEvent::from_record(&r, "i", "smtp", 1_700_000_000).at, 1_700_000_000);
    }

    #[test]
    fn kinds_follow_the_action_and_the_reason() {
        let cases = [
            (Reason::Feedback, "failed", EventKind::Complaint),
            (Reason::Vacation, "failed", EventKind::AutoReply),
            (Reason::Delivered, "delivered", EventKind::Delivery),
            (Reason::Delivered, "relayed", EventKind::Other),
            (Reason::Delivered, "expanded", EventKind::Other),
            (Reason::MailboxFull, "delayed", EventKind::Delay),
            (Reason::Suppressed, "failed", EventKind::UpstreamSuppressed),
            (Reason::Undefined, "unsubscribed", EventKind::Unsubscribe),
            (Reason::Blocked, "failed", EventKind::Bounce),
        ];
        for (reason, action, kind) in cases {
            let r = record(reason, action, "", "", RuleKind::Decoder);
            assert_eq!(
                LifecycleEvent::from_record(&r, "i", "s", 0).kind,
                kind,
                "{reason} {action}"
            );
        }
    }

    #[test]
    fn the_campaign_comes_from_x_headers_then_the_list_id() {
        let mut r = record(Reason::SpamDetected, "failed", "5.7.1", "550", RuleKind::Text);
        r.listid = "<weekly.sender.test>".into();
        assert_eq!(LifecycleEvent::from_record(&r, "i", "s", 0).campaign, "<weekly.sender.test>");
        r.headers.insert("X-Campaign-ID".into(), " spring-2026 ".into());
        assert_eq!(LifecycleEvent::from_record(&r, "i", "s", 0).campaign, "spring-2026");
    }
}
