//! ESP webhook payloads into records: every provider on payloads written from its published
//! documentation (field names and shapes as the providers document them; addresses, hosts and
//! texts our own), and hostile payloads.

use tuixin::esp::{Payload, PayloadErrorKind, Provider, detect_provider, read_payload};
use tuixin::{Classifier, Reason};

fn read(provider: Provider, json: &str) -> Payload {
    read_payload(provider, json.as_bytes(), Classifier::builtin())
        .unwrap_or_else(|e| panic!("{provider}: {e}"))
}

/// What a user checks of each record: (event index, kind, recipient, action, status, hard,
/// reason).
type Row = (usize, String, String, String, String, bool, Reason);

fn rows(payload: &Payload) -> Vec<Row> {
    payload
        .events
        .iter()
        .flat_map(|e| {
            e.records.iter().map(move |r| {
                assert_eq!(r.message, e.index + 1);
                (
                    e.index,
                    e.kind.clone(),
                    r.recipient.clone(),
                    r.action.clone(),
                    r.deliverystatus.clone(),
                    r.hardbounce,
                    r.reason,
                )
            })
        })
        .collect()
}

fn row(
    i: usize,
    kind: &str,
    rcpt: &str,
    action: &str,
    status: &str,
    hard: bool,
    reason: Reason,
) -> Row {
    (i, kind.into(), rcpt.into(), action.into(), status.into(), hard, reason)
}

#[test]
fn ses_sns_envelope_bare_notifications_and_event_publishing() {
    // A bounce inside SNS's envelope: the notification is a JSON string in `Message`.
    let bounce = serde_json::json!({
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": "nobody@example.org", "action": "failed", "status": "5.1.1",
                 "diagnosticCode": "smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table"},
                {"emailAddress": "\"Full Box\" <full@example.org>", "action": "failed", "status": "5.2.2",
                 "diagnosticCode": "smtp; 552 5.2.2 Mailbox full"}
            ],
            "timestamp": "2026-12-07T05:50:00.000Z", "feedbackId": "0100018c-aaaa",
            "reportingMTA": "dsn; a8-12.smtp-out.amazonses.com", "remoteMtaIp": "192.0.2.10"
        },
        "mail": {
            "timestamp": "2026-12-07T05:49:58.000Z", "source": "news@example.net",
            "messageId": "0100018c-bbbb-000000", "destination": ["nobody@example.org", "full@example.org"],
            "commonHeaders": {"from": ["news@example.net"], "subject": "December news",
                              "messageId": "<20261207.1@example.net>"}
        }
    });
    let envelope = serde_json::json!({
        "Type": "Notification", "MessageId": "6f1c-uuid", "TopicArn": "arn:aws:sns:us-east-1:123456789012:bounces",
        "Message": bounce.to_string(), "Timestamp": "2026-12-07T05:50:01.000Z",
        "SignatureVersion": "1", "Signature": "c2ln", "SigningCertURL": "https://sns.us-east-1.amazonaws.com/x.pem"
    })
    .to_string();
    let payload = read(Provider::Ses, &envelope);
    assert_eq!(
        rows(&payload),
        [
            row(
                0,
                "Bounce/Permanent/General",
                "nobody@example.org",
                "failed",
                "5.1.1",
                true,
                Reason::UserUnknown
            ),
            row(
                0,
                "Bounce/Permanent/General",
                "full@example.org",
                "failed",
                "5.2.2",
                false,
                Reason::MailboxFull
            ),
        ]
    );
    let r = &payload.events[0].records[0];
    assert_eq!(r.decodedby, "esp.ses");
    assert_eq!(r.replycode, "550");
    assert_eq!(r.diagnostictype, "SMTP");
    assert!(r.diagnosticcode.starts_with("550 5.1.1 <nobody@example.org>"), "{}", r.diagnosticcode);
    assert_eq!(r.timestamp, 1_796_622_600);
    assert_eq!(r.messageid, "20261207.1@example.net");
    assert_eq!(r.addresser, "news@example.net");
    assert_eq!(r.subject, "December news");
    assert_eq!(r.origin, "");
    assert_eq!(detect_provider(envelope.as_bytes()), Some(Provider::Ses));

    // Event publishing through Firehose: one event a line, of every kind.
    let lines = [
        r#"{"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","bouncedRecipients":[{"emailAddress":"a@example.org"}],"timestamp":"2026-12-07T06:00:00Z"},"mail":{"source":"s@example.net","messageId":"m1","destination":["a@example.org"]}}"#,
        r#"{"eventType":"Bounce","bounce":{"bounceType":"Undetermined","bounceSubType":"Undetermined","bouncedRecipients":[{"emailAddress":"b@example.org"}],"timestamp":"2026-12-07T06:00:01Z"},"mail":{"source":"s@example.net","messageId":"m2"}}"#,
        r#"{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"Suppressed","bouncedRecipients":[{"emailAddress":"c@example.org","action":"failed","status":"5.1.1","diagnosticCode":"Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address."}],"timestamp":"2026-12-07T06:00:02Z"},"mail":{"source":"s@example.net","messageId":"m3"}}"#,
        r#"{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"d@example.org"}],"complaintFeedbackType":"abuse","timestamp":"2026-12-07T06:00:03Z","feedbackId":"f"},"mail":{"source":"s@example.net","messageId":"m4"}}"#,
        r#"{"eventType":"Delivery","delivery":{"timestamp":"2026-12-07T06:00:04Z","recipients":["e@example.org"],"smtpResponse":"250 2.6.0 Message received","reportingMTA":"a8-1.smtp-out.amazonses.com"},"mail":{"source":"s@example.net","messageId":"m5"}}"#,
        r#"{"eventType":"DeliveryDelay","deliveryDelay":{"timestamp":"2026-12-07T06:00:05Z","delayType":"TransientCommunicationFailure","expirationTime":"2026-12-07T20:00:05Z","delayedRecipients":[{"emailAddress":"f@example.org","status":"4.4.1","diagnosticCode":"smtp; 421 4.4.1 Unable to connect to remote host"}]},"mail":{"source":"s@example.net","messageId":"m6"}}"#,
        r#"{"eventType":"Reject","reject":{"reason":"Bad content"},"mail":{"source":"s@example.net","messageId":"m7","destination":["g@example.org"]}}"#,
        r#"{"eventType":"Open","open":{"timestamp":"2026-12-07T06:00:07Z","userAgent":"x"},"mail":{"source":"s@example.net","messageId":"m8"}}"#,
        r#"{"eventType":"Send","send":{},"mail":{"source":"s@example.net","messageId":"m9"}}"#,
    ]
    .join("\n");
    let payload = read(Provider::Ses, &lines);
    let got: Vec<(String, String, String, bool, Reason, String)> = payload
        .events
        .iter()
        .flat_map(|e| {
            e.records.iter().map(move |r| {
                (
                    e.kind.clone(),
                    r.recipient.clone(),
                    r.action.clone(),
                    r.hardbounce,
                    r.reason,
                    r.feedbacktype.clone(),
                )
            })
        })
        .collect();
    let want = [
        ("Bounce/Transient/MailboxFull", "a@example.org", "failed", false, Reason::MailboxFull, ""),
        (
            "Bounce/Undetermined/Undetermined",
            "b@example.org",
            "failed",
            false,
            Reason::Undefined,
            "",
        ),
        ("Bounce/Permanent/Suppressed", "c@example.org", "failed", false, Reason::Suppressed, ""),
        ("Complaint/abuse", "d@example.org", "", false, Reason::Feedback, "abuse"),
        ("Delivery", "e@example.org", "delivered", false, Reason::Delivered, ""),
        (
            "DeliveryDelay/TransientCommunicationFailure",
            "f@example.org",
            "delayed",
            false,
            Reason::NetworkError,
            "",
        ),
        ("Reject", "g@example.org", "failed", false, Reason::VirusDetected, ""),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(k, r, a, h, reason, f)| {
            (k.to_string(), r.to_string(), a.to_string(), *h, *reason, f.to_string())
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(payload.ignored, 2);
    assert!(payload.errors.is_empty(), "{:?}", payload.errors);
    assert_eq!(payload.events.iter().map(|e| e.index).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5, 6]);
    // An undetermined bounce with no words is never hard, and says so.
    assert_eq!(payload.events[1].records[0].rulekind, tuixin::RuleKind::None);

    // EventBridge's wrapper, and SNS's handshakes.
    let bridge = format!(
        r#"{{"version":"0","detail-type":"Email Bounced","source":"aws.ses","detail":{}}}"#,
        lines.lines().next().unwrap()
    );
    assert_eq!(rows(&read(Provider::Ses, &bridge))[0].6, Reason::MailboxFull);
    assert_eq!(detect_provider(bridge.as_bytes()), Some(Provider::Ses));
    let confirm = r#"{"Type":"SubscriptionConfirmation","MessageId":"x","Token":"t","TopicArn":"arn:aws:sns:x","Message":"You have chosen to subscribe","SubscribeURL":"https://sns.example/confirm","SignatureVersion":"1"}"#;
    let payload = read(Provider::Ses, confirm);
    assert_eq!((payload.events.len(), payload.ignored), (0, 1));
    // A bounce that names no recipient is an error of that event.
    let empty = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[]},"mail":{}}"#;
    let payload = read(Provider::Ses, empty);
    assert_eq!(payload.errors.len(), 1);
    assert_eq!(payload.errors[0].index, 0);
}

#[test]
fn sendgrid_event_arrays() {
    let json = r#"[
      {"email":"nobody@example.org","timestamp":1796622600,"smtp-id":"<20261207.2@example.net>","event":"bounce","type":"bounce","status":"5.1.1","reason":"550 5.1.1 The email account that you tried to reach does not exist.","sg_event_id":"ev1","sg_message_id":"msg1.filter"},
      {"email":"blocked@example.org","timestamp":1796622601,"event":"bounce","type":"blocked","status":"5.7.1","reason":"550 5.7.1 Service unavailable; client host [192.0.2.7] blocked using zen.spamhaus.org","sg_event_id":"ev2"},
      {"email":"later@example.org","timestamp":1796622602,"event":"deferred","response":"452 4.2.2 Mailbox full","attempt":"2","sg_event_id":"ev3"},
      {"email":"ok@example.org","timestamp":1796622603,"event":"delivered","response":"250 2.0.0 OK 1796622603 queued","sg_event_id":"ev4"},
      {"email":"angry@example.org","timestamp":1796622604,"event":"spamreport","sg_event_id":"ev5"},
      {"email":"gone@example.org","timestamp":1796622605,"event":"dropped","reason":"Bounced Address","sg_event_id":"ev6"},
      {"email":"x@example.org","timestamp":1796622606,"event":"processed","sg_event_id":"ev7"},
      {"email":"x@example.org","timestamp":1796622607,"event":"open","sg_event_id":"ev8"},
      {"email":"nostatus@example.org","timestamp":1796622608,"event":"bounce","sg_event_id":"ev9"},
      {"timestamp":1796622609,"event":"bounce","type":"bounce","sg_event_id":"ev10"},
      {"email":"classified@example.org","timestamp":1796622610,"event":"bounce","type":"bounce","bounce_classification":"Invalid Address","reason":"rejected","sg_event_id":"ev11"},
      {"email":"classblock@example.org","timestamp":1796622611,"event":"bounce","type":"blocked","bounce_classification":"Invalid Address","reason":"rejected","sg_event_id":"ev12"}
    ]"#;
    let payload = read(Provider::SendGrid, json);
    assert_eq!(
        rows(&payload),
        [
            row(
                0,
                "bounce/bounce",
                "nobody@example.org",
                "failed",
                "5.1.1",
                true,
                Reason::UserUnknown
            ),
            row(
                1,
                "bounce/blocked",
                "blocked@example.org",
                "failed",
                "5.7.1",
                false,
                Reason::Blocked
            ),
            row(2, "deferred", "later@example.org", "delayed", "4.2.2", false, Reason::MailboxFull),
            row(3, "delivered", "ok@example.org", "delivered", "2.0.0", false, Reason::Delivered),
            row(4, "spamreport", "angry@example.org", "", "", false, Reason::Feedback),
            row(
                5,
                "dropped/Bounced Address",
                "gone@example.org",
                "failed",
                "",
                false,
                Reason::Suppressed
            ),
            row(8, "bounce", "nostatus@example.org", "failed", "", false, Reason::Undefined),
            row(
                10,
                "bounce/bounce",
                "classified@example.org",
                "failed",
                "",
                true,
                Reason::UserUnknown
            ),
            row(
                11,
                "bounce/blocked",
                "classblock@example.org",
                "failed",
                "",
                false,
                Reason::Blocked
            ),
        ]
    );
    assert_eq!(payload.ignored, 2);
    assert_eq!(payload.errors.len(), 1);
    assert_eq!(payload.errors[0].index, 9);
    assert!(payload.errors[0].why.contains("email"), "{}", payload.errors[0].why);
    let first = &payload.events[0].records[0];
    assert_eq!(
        (first.messageid.as_str(), first.timestamp),
        ("20261207.2@example.net", 1_796_622_600)
    );
    assert_eq!(payload.events[4].records[0].feedbacktype, "abuse");
    assert_eq!(detect_provider(json.as_bytes()), Some(Provider::SendGrid));
}

#[test]
fn mailgun_event_data() {
    let failed = r#"{
      "signature": {"timestamp": "1796622600", "token": "abc", "signature": "def"},
      "event-data": {
        "event": "failed", "severity": "permanent", "reason": "bounce", "log-level": "error",
        "timestamp": 1796622600.25, "id": "e1", "recipient": "nobody@example.org",
        "envelope": {"sender": "bounce@mg.example.net", "targets": "nobody@example.org"},
        "message": {"headers": {"message-id": "20261207.3@mg.example.net", "from": "News <news@example.net>", "subject": "Hello"}},
        "delivery-status": {"code": 550, "message": "5.1.1 The email account that you tried to reach does not exist.", "description": "", "mx-host": "mx.example.org", "attempt-no": 1}
      }
    }"#;
    let payload = read(Provider::Mailgun, failed);
    assert_eq!(
        rows(&payload),
        [row(
            0,
            "failed/permanent",
            "nobody@example.org",
            "failed",
            "5.1.1",
            true,
            Reason::UserUnknown
        )]
    );
    let r = &payload.events[0].records[0];
    assert_eq!(
        r.diagnosticcode,
        "550 5.1.1 The email account that you tried to reach does not exist."
    );
    assert_eq!((r.replycode.as_str(), r.rhost.as_str()), ("550", "mx.example.org"));
    assert_eq!(
        (r.addresser.as_str(), r.messageid.as_str(), r.timestamp),
        ("bounce@mg.example.net", "20261207.3@mg.example.net", 1_796_622_600)
    );
    assert_eq!(detect_provider(failed.as_bytes()), Some(Provider::Mailgun));

    let temporary = r#"{"signature":{},"event-data":{"event":"failed","severity":"temporary","reason":"generic","recipient":"full@example.org","timestamp":1796622601,"delivery-status":{"code":452,"message":"4.2.2 The email account that you tried to reach is over quota.","mx-host":"mx.example.org"}}}"#;
    assert_eq!(
        rows(&read(Provider::Mailgun, temporary)),
        [row(
            0,
            "failed/temporary",
            "full@example.org",
            "delayed",
            "4.2.2",
            false,
            Reason::MailboxFull
        )]
    );
    let suppressed = r#"{"signature":{},"event-data":{"event":"failed","severity":"permanent","reason":"suppress-bounce","recipient":"gone@example.org","timestamp":1796622602,"delivery-status":{"code":605,"message":"","description":"Not delivering to previously bounced address"}}}"#;
    assert_eq!(rows(&read(Provider::Mailgun, suppressed))[0].6, Reason::Suppressed);
    let complained = r#"{"signature":{},"event-data":{"event":"complained","recipient":"angry@example.org","timestamp":1796622603}}"#;
    assert_eq!(
        rows(&read(Provider::Mailgun, complained)),
        [row(0, "complained", "angry@example.org", "", "", false, Reason::Feedback)]
    );
    let delivered = r#"{"signature":{},"event-data":{"event":"delivered","recipient":"ok@example.org","timestamp":1796622604,"delivery-status":{"code":250,"message":"OK","mx-host":"mx.example.org"}}}"#;
    assert_eq!(rows(&read(Provider::Mailgun, delivered))[0].3, "delivered");
    let opened = r#"{"signature":{},"event-data":{"event":"opened","recipient":"ok@example.org","timestamp":1796622605}}"#;
    assert_eq!(read(Provider::Mailgun, opened).ignored, 1);
    // Not Mailgun's shape at all: the whole payload is refused, naming the field.
    let err =
        read_payload(Provider::Mailgun, br#"{"signature":{}}"#, Classifier::builtin()).unwrap_err();
    assert!(matches!(err.kind, PayloadErrorKind::Shape { .. }), "{err}");
    assert!(err.to_string().contains("event-data"), "{err}");
}

#[test]
fn postmark_record_types() {
    let hard = r#"{"RecordType":"Bounce","MessageStream":"outbound","ID":4323372036854775807,"Type":"HardBounce","TypeCode":1,"Name":"Hard bounce","Tag":"welcome","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483","Description":"The server was unable to deliver your message (ex: unknown user, mailbox not found).","Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist.","Email":"nobody@example.org","From":"news@example.net","BouncedAt":"2026-12-07T05:50:00.9070259Z","Inactive":true,"CanActivate":true,"Subject":"Welcome"}"#;
    let payload = read(Provider::Postmark, hard);
    assert_eq!(
        rows(&payload),
        [row(
            0,
            "Bounce/HardBounce",
            "nobody@example.org",
            "failed",
            "5.1.1",
            true,
            Reason::UserUnknown
        )]
    );
    let r = &payload.events[0].records[0];
    assert_eq!((r.diagnostictype.as_str(), r.replycode.as_str()), ("SMTP", "550"));
    assert_eq!(
        (r.timestamp, r.messageid.as_str()),
        (1_796_622_600, "883953f4-6105-42a2-a16a-77a8eac79483")
    );
    assert_eq!(detect_provider(hard.as_bytes()), Some(Provider::Postmark));
    // A hard bounce whose words no rule reads: Postmark's type decides.
    let test_hook = r#"{"RecordType":"Bounce","Type":"HardBounce","TypeCode":1,"Details":"Test bounce details","Email":"john@example.com","BouncedAt":"2026-12-07T05:50:00Z"}"#;
    let r = &read(Provider::Postmark, test_hook).events[0].records[0];
    assert_eq!(
        (r.reason, r.hardbounce, r.rule.as_str(), r.evidence.as_str()),
        (Reason::UserUnknown, true, "esp.postmark.type", "Bounce/HardBounce")
    );
    let soft = r#"{"RecordType":"Bounce","Type":"SoftBounce","TypeCode":4096,"Details":"Unknown reason","Email":"soft@example.org","BouncedAt":"2026-12-07T05:50:01Z"}"#;
    let r = &read(Provider::Postmark, soft).events[0].records[0];
    assert_eq!((r.action.as_str(), r.hardbounce), ("failed", false));
    let transient = r#"{"RecordType":"Bounce","Type":"Transient","TypeCode":2,"Details":"smtp;421 4.4.2 Connection timed out","Email":"slow@example.org","BouncedAt":"2026-12-07T05:50:02Z"}"#;
    assert_eq!(
        rows(&read(Provider::Postmark, transient)),
        [row(
            0,
            "Bounce/Transient",
            "slow@example.org",
            "delayed",
            "4.4.2",
            false,
            Reason::NetworkError
        )]
    );
    let complaint = r#"{"RecordType":"SpamComplaint","ID":42,"Type":"SpamComplaint","TypeCode":100001,"Email":"angry@example.org","From":"news@example.net","BouncedAt":"2026-12-07T05:50:03Z","MessageID":"m"}"#;
    let r = &read(Provider::Postmark, complaint).events[0].records[0];
    assert_eq!((r.reason, r.feedbacktype.as_str()), (Reason::Feedback, "abuse"));
    let delivery = r#"{"RecordType":"Delivery","ServerID":23,"MessageStream":"outbound","MessageID":"00000000-0000-0000-0000-000000000000","Recipient":"ok@example.org","Tag":"welcome","DeliveredAt":"2026-12-07T05:50:04Z","Details":"Test delivery webhook details"}"#;
    assert_eq!(
        rows(&read(Provider::Postmark, delivery)),
        [row(0, "Delivery", "ok@example.org", "delivered", "", false, Reason::Delivered)]
    );
    // A suppression lifted again is of no interest; an unsubscribe is read in the next test.
    let change = r#"{"RecordType":"SubscriptionChange","MessageID":"m","Recipient":"x@example.org","SuppressSending":false,"SuppressionReason":"ManualSuppression"}"#;
    assert_eq!(read(Provider::Postmark, change).ignored, 1);
    let deactivated = r#"{"RecordType":"Bounce","Type":"ManuallyDeactivated","TypeCode":100002,"Email":"off@example.org","Details":"","BouncedAt":"2026-12-07T05:50:05Z"}"#;
    assert_eq!(rows(&read(Provider::Postmark, deactivated))[0].6, Reason::Suppressed);
    let no_type = r#"{"RecordType":"Bounce","Email":"x@example.org"}"#;
    assert_eq!(read(Provider::Postmark, no_type).errors.len(), 1);
}

#[test]
fn unsubscribes_become_records_the_lifecycle_suppresses_for_marketing() {
    use tuixin::lifecycle::{EventKind, LifecycleEvent};
    let cases = [
        (
            Provider::SendGrid,
            r#"[{"email":"a@example.org","timestamp":1765086600,"event":"unsubscribe","sg_event_id":"u1"},{"email":"b@example.org","timestamp":1765086600,"event":"group_unsubscribe","asm_group_id":7,"sg_event_id":"u2"},{"email":"c@example.org","timestamp":1765086600,"event":"group_resubscribe","asm_group_id":7}]"#,
            vec!["a@example.org", "b@example.org"],
        ),
        (
            Provider::Mailgun,
            r#"{"signature":{"timestamp":"1765086600","token":"t","signature":"s"},"event-data":{"event":"unsubscribed","timestamp":1765086600.1,"recipient":"d@example.org","message":{"headers":{"message-id":"m1@example.net"}}}}"#,
            vec!["d@example.org"],
        ),
        (
            Provider::Mailjet,
            r#"[{"event":"unsub","time":1765086600,"MessageID":1,"email":"e@example.org","mj_list_id":2,"ip":"192.0.2.1","agent":"x"}]"#,
            vec!["e@example.org"],
        ),
        (
            Provider::Brevo,
            r#"{"event":"unsubscribed","email":"f@example.org","id":1,"date":"2026-12-07 06:00:00","ts_event":1765086600,"message-id":"<m2@example.net>"}"#,
            vec!["f@example.org"],
        ),
        (
            Provider::SparkPost,
            r#"[{"msys":{"unsubscribe_event":{"type":"list_unsubscribe","rcpt_to":"g@example.org","timestamp":"1765086600","message_id":"0001"}}},{"msys":{"unsubscribe_event":{"type":"link_unsubscribe","rcpt_to":"h@example.org","timestamp":"1765086600","message_id":"0002"}}}]"#,
            vec!["g@example.org", "h@example.org"],
        ),
        (
            Provider::Postmark,
            r#"{"RecordType":"SubscriptionChange","MessageID":"m","Recipient":"i@example.org","ChangedAt":"2026-12-07T06:00:00Z","SuppressSending":true,"SuppressionReason":"ManualSuppression","MessageStream":"broadcast"}"#,
            vec!["i@example.org"],
        ),
    ];
    for (provider, json, expected) in cases {
        let payload = read(provider, json);
        let records: Vec<_> = payload.events.iter().flat_map(|e| &e.records).collect();
        let found: Vec<&str> = records.iter().map(|r| r.recipient.as_str()).collect();
        assert_eq!(found, expected, "{provider}");
        for r in records {
            assert_eq!(r.action, "unsubscribed", "{provider}");
            assert!(!r.hardbounce, "{provider}");
            let event = LifecycleEvent::from_record(r, "id", "webhook", 0);
            assert_eq!(event.kind, EventKind::Unsubscribe, "{provider}");
        }
    }
}

#[test]
fn sparkpost_msys_arrays() {
    let json = r#"[
      {"msys":{"message_event":{"type":"bounce","bounce_class":"10","error_code":"550","raw_reason":"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown","reason":"550 5.1.1 ...","rcpt_to":"nobody@example.org","raw_rcpt_to":"nobody@example.org","friendly_from":"news@example.net","message_id":"0e0d94b7-9085-4e3c-ab30-e3f2cd9c273e","subject":"Hi","timestamp":"1796622600"}}},
      {"msys":{"message_event":{"type":"delay","bounce_class":"22","error_code":"452","raw_reason":"452 4.2.2 Mailbox full","rcpt_to":"full@example.org","timestamp":"1796622601"}}},
      {"msys":{"message_event":{"type":"delivery","rcpt_to":"ok@example.org","timestamp":"1796622602","message_id":"m"}}},
      {"msys":{"message_event":{"type":"spam_complaint","fbtype":"abuse","rcpt_to":"angry@example.org","timestamp":"1796622603"}}},
      {"msys":{"message_event":{"type":"out_of_band","bounce_class":"10","raw_reason":"","rcpt_to":"oob@example.org","timestamp":"1796622604"}}},
      {"msys":{"message_event":{"type":"policy_rejection","reason":"550 5.7.1 Message generation rejected","error_code":"554","rcpt_to":"policy@example.org","timestamp":"1796622605"}}},
      {"msys":{"track_event":{"type":"open","rcpt_to":"ok@example.org","timestamp":"1796622606"}}},
      {"msys":{}},
      {"msys":{"message_event":{"type":"bounce","bounce_class":"1","raw_reason":"","rcpt_to":"odd@example.org","timestamp":"1796622607"}}}
    ]"#;
    let payload = read(Provider::SparkPost, json);
    let got = rows(&payload);
    assert_eq!(
        got[0],
        row(0, "bounce/10", "nobody@example.org", "failed", "5.1.1", true, Reason::UserUnknown)
    );
    assert_eq!(
        got[1],
        row(1, "delay", "full@example.org", "delayed", "4.2.2", false, Reason::MailboxFull)
    );
    assert_eq!(
        got[2],
        row(2, "delivery", "ok@example.org", "delivered", "", false, Reason::Delivered)
    );
    assert_eq!(
        got[3],
        row(3, "spam_complaint/abuse", "angry@example.org", "", "", false, Reason::Feedback)
    );
    // An out-of-band bounce with no words: class 10 decides.
    assert_eq!(
        got[4],
        row(4, "out_of_band/10", "oob@example.org", "failed", "", true, Reason::UserUnknown)
    );
    assert_eq!((got[5].3.as_str(), got[5].5), ("failed", false));
    // An unknown class with no words is never hard.
    assert_eq!(
        got[6],
        row(8, "bounce/1", "odd@example.org", "failed", "", false, Reason::Undefined)
    );
    assert_eq!(payload.ignored, 2);
    assert_eq!(payload.events[0].records[0].addresser, "news@example.net");
    assert_eq!(detect_provider(json.as_bytes()), Some(Provider::SparkPost));
}

#[test]
fn mailjet_events() {
    let json = r#"[
      {"event":"bounce","time":1796622600,"MessageID":13792286917004336,"Message_GUID":"1ab23cd-e45f-4g67-h8i9-j0k1l2m3n4o5","email":"nobody@example.org","mj_campaign_id":0,"mj_contact_id":0,"customcampaign":"","CustomID":"","Payload":"","blocked":false,"hard_bounce":true,"error_related_to":"recipient","error":"user unknown","comment":"Host or domain name not found. Name service error for name=example.org type=A: Host not found"},
      {"event":"bounce","time":1796622601,"MessageID":2,"email":"soft@example.org","hard_bounce":false,"error_related_to":"recipient","error":"user unknown","comment":""},
      {"event":"blocked","time":1796622602,"MessageID":3,"email":"pre@example.org","error_related_to":"recipient","error":"preblocked"},
      {"event":"blocked","time":1796622603,"MessageID":4,"email":"dup@example.org","error_related_to":"mailjet","error":"duplicate in campaign"},
      {"event":"spam","time":1796622604,"MessageID":5,"email":"angry@example.org","source":"JMRPP"},
      {"event":"sent","time":1796622605,"MessageID":6,"email":"ok@example.org","mj_message_id":"6","smtp_reply":"sent (250 2.0.0 OK 1796622605 queued)"},
      {"event":"open","time":1796622606,"MessageID":7,"email":"ok@example.org"}
    ]"#;
    let payload = read(Provider::Mailjet, json);
    assert_eq!(
        rows(&payload),
        [
            row(
                0,
                "bounce/recipient/user unknown",
                "nobody@example.org",
                "failed",
                "",
                true,
                Reason::HostUnknown
            ),
            row(
                1,
                "bounce/recipient/user unknown",
                "soft@example.org",
                "failed",
                "",
                true,
                Reason::UserUnknown
            ),
            row(
                2,
                "blocked/recipient/preblocked",
                "pre@example.org",
                "failed",
                "",
                false,
                Reason::Suppressed
            ),
            row(4, "spam", "angry@example.org", "", "", false, Reason::Feedback),
            row(5, "sent", "ok@example.org", "delivered", "2.0.0", false, Reason::Delivered),
        ]
    );
    assert_eq!(payload.ignored, 2);
    assert_eq!(payload.events[0].records[0].messageid, "1ab23cd-e45f-4g67-h8i9-j0k1l2m3n4o5");
    assert_eq!(detect_provider(json.as_bytes()), Some(Provider::Mailjet));
    // A soft bounce whose words no rule reads is not made hard by Mailjet's table.
    let soft = r#"{"event":"bounce","time":1,"MessageID":8,"email":"s@example.org","hard_bounce":false,"error_related_to":"recipient","error":"user unknown","comment":"try later"}"#;
    let r = &read(Provider::Mailjet, soft).events[0].records[0];
    assert!(!r.hardbounce, "{r:?}");
}

#[test]
fn brevo_events() {
    let hard = r#"{"event":"hard_bounce","email":"nobody@example.org","id":26224,"date":"2026-12-07 06:50:00","ts":1796622600,"message-id":"<202612070650.12345@smtp-relay.example.net>","ts_event":1796622600,"subject":"Welcome","tag":"","sending_ip":"192.0.2.20","ts_epoch":1796622600123,"reason":"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown"}"#;
    let payload = read(Provider::Brevo, hard);
    assert_eq!(
        rows(&payload),
        [row(0, "hard_bounce", "nobody@example.org", "failed", "5.1.1", true, Reason::UserUnknown)]
    );
    let r = &payload.events[0].records[0];
    assert_eq!(
        (r.messageid.as_str(), r.timestamp),
        ("202612070650.12345@smtp-relay.example.net", 1_796_622_600)
    );
    assert_eq!(detect_provider(hard.as_bytes()), Some(Provider::Brevo));
    let soft = r#"{"event":"soft_bounce","email":"soft@example.org","ts_event":1796622601,"message-id":"<a@b>","reason":"Unable to deliver the message right now"}"#;
    let r = &read(Provider::Brevo, soft).events[0].records[0];
    assert_eq!((r.action.as_str(), r.hardbounce), ("failed", false));
    let blocked = r#"{"event":"blocked","email":"bl@example.org","ts_event":1796622602,"message-id":"<c@d>","reason":"blocked : due to blacklist user"}"#;
    assert_eq!(rows(&read(Provider::Brevo, blocked))[0].6, Reason::Suppressed);
    let deferred = r#"{"event":"deferred","email":"later@example.org","ts_event":1796622603,"message-id":"<e@f>","reason":"421 4.7.0 Try again later, closing connection."}"#;
    assert_eq!(rows(&read(Provider::Brevo, deferred))[0].3, "delayed");
    let spam = r#"{"event":"spam","email":"angry@example.org","ts_event":1796622604,"message-id":"<g@h>"}"#;
    assert_eq!(rows(&read(Provider::Brevo, spam))[0].6, Reason::Feedback);
    let delivered = r#"{"event":"delivered","email":"ok@example.org","ts_event":1796622605,"message-id":"<i@j>"}"#;
    assert_eq!(rows(&read(Provider::Brevo, delivered))[0].6, Reason::Delivered);
    let opened =
        r#"{"event":"opened","email":"ok@example.org","ts_event":1796622606,"message-id":"<k@l>"}"#;
    assert_eq!(read(Provider::Brevo, opened).ignored, 1);
}

#[test]
fn resend_events() {
    let bounced = r#"{"type":"email.bounced","created_at":"2026-12-07T05:50:00.000Z","data":{"broadcast_id":"8b146471-e88e-4322-86af-016cd36fd216","created_at":"2026-12-07T05:49:58.000Z","email_id":"56761188-7520-42d8-8898-ff6fc54ce618","from":"Acme <onboarding@example.net>","to":["nobody@example.org"],"subject":"Sending this example","bounce":{"message":"The recipient's email address is on the suppression list because it has a recent history of producing hard bounces.","subType":"Suppressed","type":"Permanent"}}}"#;
    let payload = read(Provider::Resend, bounced);
    assert_eq!(
        rows(&payload),
        [row(
            0,
            "email.bounced/Permanent/Suppressed",
            "nobody@example.org",
            "failed",
            "",
            false,
            Reason::Suppressed
        )]
    );
    let r = &payload.events[0].records[0];
    assert_eq!((r.addresser.as_str(), r.timestamp), ("onboarding@example.net", 1_796_622_600));
    assert_eq!(detect_provider(bounced.as_bytes()), Some(Provider::Resend));
    let general = r#"{"type":"email.bounced","created_at":"2026-12-07T05:50:01Z","data":{"email_id":"x","to":["a@example.org","b@example.org"],"bounce":{"message":"smtp; 550 5.1.1 user unknown","subType":"General","type":"Permanent"}}}"#;
    let got = rows(&read(Provider::Resend, general));
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|r| r.5 && r.6 == Reason::UserUnknown && r.4 == "5.1.1"), "{got:?}");
    let delayed = r#"{"type":"email.delivery_delayed","created_at":"2026-12-07T05:50:02Z","data":{"email_id":"x","to":["later@example.org"]}}"#;
    assert_eq!(rows(&read(Provider::Resend, delayed))[0].3, "delayed");
    let complained = r#"{"type":"email.complained","created_at":"2026-12-07T05:50:03Z","data":{"email_id":"x","to":["angry@example.org"]}}"#;
    assert_eq!(rows(&read(Provider::Resend, complained))[0].6, Reason::Feedback);
    let delivered = r#"{"type":"email.delivered","created_at":"2026-12-07T05:50:04Z","data":{"email_id":"x","to":["ok@example.org"]}}"#;
    assert_eq!(rows(&read(Provider::Resend, delivered))[0].6, Reason::Delivered);
    let opened = r#"{"type":"email.opened","created_at":"2026-12-07T05:50:05Z","data":{"email_id":"x","to":["ok@example.org"]}}"#;
    assert_eq!(read(Provider::Resend, opened).ignored, 1);
    let undetermined = r#"{"type":"email.bounced","created_at":"2026-12-07T05:50:06Z","data":{"email_id":"x","to":["u@example.org"],"bounce":{"message":"","subType":"Undetermined","type":"Undetermined"}}}"#;
    assert!(!rows(&read(Provider::Resend, undetermined))[0].5);
    let no_to =
        r#"{"type":"email.bounced","created_at":"2026-12-07T05:50:06Z","data":{"email_id":"x"}}"#;
    assert_eq!(read(Provider::Resend, no_to).errors.len(), 1);
}

#[test]
fn postal_events() {
    let failed = r#"{"event":"MessageDeliveryFailed","timestamp":1796622600.5,"uuid":"62498fda-ffc5-42f9-b23e-cea5274c513a","payload":{"status":"HardFail","details":"Permanent SMTP delivery error when sending to mx.example.org (192.0.2.10)","output":"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown","sent_with_ssl":true,"timestamp":1796622600.4,"time":0.4,"message":{"id":12345,"token":"abcdef123","direction":"outgoing","message_id":"5817a64332f44_4ec93ff59e79d154565eb@app34.mail","to":"nobody@example.org","from":"sales@example.net","subject":"Welcome","timestamp":1796622590.1,"spam_status":"NotSpam","tag":"welcome"}}}"#;
    let payload = read(Provider::Postal, failed);
    assert_eq!(
        rows(&payload),
        [row(
            0,
            "MessageDeliveryFailed/HardFail",
            "nobody@example.org",
            "failed",
            "5.1.1",
            true,
            Reason::UserUnknown
        )]
    );
    let r = &payload.events[0].records[0];
    assert_eq!(
        (r.rhost.as_str(), r.timestamp, r.addresser.as_str()),
        ("mx.example.org", 1_796_622_600, "sales@example.net")
    );
    assert_eq!(detect_provider(failed.as_bytes()), Some(Provider::Postal));
    let sent = r#"{"event":"MessageSent","timestamp":1796622601,"payload":{"status":"Sent","details":"Message sent by SMTP to mx.example.org (192.0.2.10) (from 192.0.2.1)","output":"250 2.0.0 OK queued","message":{"message_id":"m","to":"ok@example.org","from":"sales@example.net"}}}"#;
    let r = &read(Provider::Postal, sent).events[0].records[0];
    assert_eq!((r.action.as_str(), r.rhost.as_str()), ("delivered", "mx.example.org"));
    let delayed = r#"{"event":"MessageDelayed","timestamp":1796622602,"payload":{"status":"SoftFail","details":"Temporary SMTP delivery error","output":"451 4.7.1 Greylisting in action, please come back later","message":{"to":"later@example.org"}}}"#;
    assert_eq!(rows(&read(Provider::Postal, delayed))[0].3, "delayed");
    let held = r#"{"event":"MessageHeld","timestamp":1796622603,"payload":{"status":"Held","details":"Credential is configured to hold all messages","output":"","message":{"to":"held@example.org"}}}"#;
    let r = &read(Provider::Postal, held).events[0].records[0];
    assert_eq!((r.action.as_str(), r.reason, r.hardbounce), ("delayed", Reason::OnHold, false));
    let bounced = r#"{"event":"MessageBounced","timestamp":1796622604,"payload":{"original_message":{"message_id":"m2","to":"b@example.org","from":"sales@example.net"},"bounce":{"message_id":"b","to":"bounces@example.net","from":"mailer-daemon@example.org"}}}"#;
    let r = &read(Provider::Postal, bounced).events[0].records[0];
    assert_eq!(
        (r.recipient.as_str(), r.action.as_str(), r.hardbounce),
        ("b@example.org", "failed", false)
    );
    let clicked = r#"{"event":"MessageLinkClicked","timestamp":1796622605,"payload":{"url":"https://example.net","message":{"to":"ok@example.org"}}}"#;
    assert_eq!(read(Provider::Postal, clicked).ignored, 1);
}

#[test]
fn azure_event_grid_and_cloud_events() {
    let json = r#"[
      {"id":"00000000-0000-0000-0000-000000000001","topic":"/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/CommunicationServices/z","subject":"sender/news@example.net/message/m1","data":{"sender":"news@example.net","recipient":"nobody@example.org","messageId":"m1","internetMessageId":"<20261207.5@example.net>","status":"Bounced","deliveryStatusDetails":{"statusMessage":"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"},"deliveryAttemptTimeStamp":"2026-12-07T05:50:00.000Z"},"eventType":"Microsoft.Communication.EmailDeliveryReportReceived","dataVersion":"1.0","metadataVersion":"1","eventTime":"2026-12-07T05:50:01Z"},
      {"id":"2","subject":"s","data":{"sender":"news@example.net","recipient":"ok@example.org","messageId":"m2","status":"Delivered","deliveryStatusDetails":{"statusMessage":"No error."},"deliveryAttemptTimeStamp":"2026-12-07T05:50:02Z"},"eventType":"Microsoft.Communication.EmailDeliveryReportReceived","eventTime":"2026-12-07T05:50:02Z"},
      {"id":"3","subject":"s","data":{"sender":"news@example.net","recipient":"sup@example.org","messageId":"m3","status":"Suppressed","deliveryStatusDetails":{"statusMessage":"The email was not sent because the recipient is on the suppression list."},"deliveryAttemptTimeStamp":"2026-12-07T05:50:03Z"},"eventType":"Microsoft.Communication.EmailDeliveryReportReceived","eventTime":"2026-12-07T05:50:03Z"},
      {"id":"4","subject":"s","data":{"sender":"news@example.net","recipient":"odd@example.org","messageId":"m4","status":"Failed","deliveryStatusDetails":{"statusMessage":""},"deliveryAttemptTimeStamp":"2026-12-07T05:50:04Z"},"eventType":"Microsoft.Communication.EmailDeliveryReportReceived","eventTime":"2026-12-07T05:50:04Z"},
      {"id":"5","subject":"s","data":{"engagementType":"view","recipient":"ok@example.org"},"eventType":"Microsoft.Communication.EmailEngagementTrackingReportReceived","eventTime":"2026-12-07T05:50:05Z"},
      {"id":"6","subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6","validationUrl":"https://rp-eastus2.eventgrid.azure.net/validate"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-12-07T05:50:06Z"}
    ]"#;
    let payload = read(Provider::Azure, json);
    assert_eq!(
        rows(&payload),
        [
            row(
                0,
                "EmailDeliveryReportReceived/Bounced",
                "nobody@example.org",
                "failed",
                "5.1.1",
                true,
                Reason::UserUnknown
            ),
            row(
                1,
                "EmailDeliveryReportReceived/Delivered",
                "ok@example.org",
                "delivered",
                "",
                false,
                Reason::Delivered
            ),
            row(
                2,
                "EmailDeliveryReportReceived/Suppressed",
                "sup@example.org",
                "failed",
                "",
                false,
                Reason::Suppressed
            ),
            row(
                3,
                "EmailDeliveryReportReceived/Failed",
                "odd@example.org",
                "failed",
                "",
                false,
                Reason::Undefined
            ),
        ]
    );
    assert_eq!(payload.ignored, 2);
    let r = &payload.events[0].records[0];
    assert_eq!((r.messageid.as_str(), r.timestamp), ("20261207.5@example.net", 1_796_622_600));
    assert_eq!(detect_provider(json.as_bytes()), Some(Provider::Azure));
    let cloud = r#"{"specversion":"1.0","type":"Microsoft.Communication.EmailDeliveryReportReceived","source":"/subscriptions/x","id":"7","time":"2026-12-07T05:50:07Z","data":{"sender":"news@example.net","recipient":"spam@example.org","messageId":"m7","status":"FilteredSpam","deliveryStatusDetails":{"statusMessage":""}}}"#;
    let r = &read(Provider::Azure, cloud).events[0].records[0];
    assert_eq!((r.reason, r.hardbounce, r.timestamp), (Reason::SpamDetected, false, 1_796_622_607));
}

#[test]
fn the_same_payload_read_twice_gives_equal_records() {
    let json = r#"[{"email":"a@example.org","timestamp":1796622600,"event":"bounce","type":"bounce","status":"5.1.1","reason":"550 5.1.1 no such user","sg_event_id":"e"},{"email":"b@example.org","timestamp":1796622601,"event":"deferred","response":"451 try later","sg_event_id":"f"}]"#;
    let once = read(Provider::SendGrid, json);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let twice = read(Provider::SendGrid, json);
    assert_eq!(once, twice);
    assert!(!once.events.is_empty());
}

#[test]
fn detection_says_none_for_json_of_no_provider() {
    assert_eq!(detect_provider(br#"{"hello":"world"}"#), None);
    assert_eq!(detect_provider(br#"[1,2,3]"#), None);
    assert_eq!(detect_provider(b"not json"), None);
    assert_eq!(detect_provider(b""), None);
    // A head cut in the middle of a large array still shows its first event.
    let head = r#"[{"msys":{"message_event":{"type":"delivery","rcpt_to":"a@example.org"}}},{"msys":{"mess"#;
    assert_eq!(detect_provider(head.as_bytes()), Some(Provider::SparkPost));
}

#[test]
fn broken_payloads_are_refused_with_where() {
    let err = |provider: Provider, bytes: &[u8]| {
        read_payload(provider, bytes, Classifier::builtin()).unwrap_err()
    };
    let cut = err(Provider::SendGrid, b"[{\"email\":\"a@example.org\",\n\"event\":\"bou");
    assert!(matches!(cut.kind, PayloadErrorKind::Truncated { line: 2, .. }), "{cut}");
    assert!(cut.to_string().contains("truncated"), "{cut}");
    let bytes = b"{\"RecordType\":\"Bounce\",\n\"Email\":\"a\xff@example.org\"}";
    let bad = err(Provider::Postmark, bytes);
    assert_eq!(bad.kind, PayloadErrorKind::NotUtf8 { line: 2, column: 11, offset: 34 });
    let syntax = err(Provider::Mailgun, b"{\"event-data\": {,}}");
    assert!(matches!(syntax.kind, PayloadErrorKind::Syntax { line: 1, .. }), "{syntax}");
    assert!(matches!(err(Provider::Ses, b"   ").kind, PayloadErrorKind::Shape { .. }));
    assert!(matches!(err(Provider::Ses, b"42").kind, PayloadErrorKind::Syntax { .. }));
    // An array of which nothing has SendGrid's shape is not a SendGrid payload.
    let shape = err(Provider::SendGrid, br#"[{"foo":1},{"bar":2}]"#);
    assert!(shape.to_string().contains("\"event\""), "{shape}");
    let big = vec![b' '; tuixin::esp::MAX_PAYLOAD_BYTES + 1];
    assert!(err(Provider::Ses, &big).is_too_large());
    // An empty array is read: nothing in it.
    assert_eq!(read(Provider::SendGrid, "[]"), Payload::default());
}

#[test]
fn hostile_payloads_are_bounded() {
    // A 1 MB string: the record keeps a bounded diagnostic.
    let long = "x".repeat(1 << 20);
    let json = format!(
        r#"[{{"email":"a@example.org","timestamp":1,"event":"bounce","type":"bounce","reason":"550 5.1.1 {long}","sg_event_id":"e"}}]"#
    );
    let payload = read(Provider::SendGrid, &json);
    let r = &payload.events[0].records[0];
    assert!(r.diagnosticcode.len() <= 4096, "{}", r.diagnosticcode.len());
    let subject = format!(
        r#"{{"RecordType":"Bounce","Type":"HardBounce","Email":"a@example.org","Subject":"{long}"}}"#
    );
    assert!(
        read(Provider::Postmark, &subject).events[0].records[0].subject.len()
            <= tuixin::esp::MAX_FIELD_BYTES
    );

    // Nesting deeper than the parser's recursion limit: an error, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let unread = |bytes: &[u8]| match read_payload(Provider::SendGrid, bytes, Classifier::builtin())
    {
        Err(_) => true,
        Ok(p) => p.events.is_empty() && !p.errors.is_empty(),
    };
    assert!(unread(deep.as_bytes()));
    let deep_inside = format!(
        r#"[{{"event":"bounce","email":"a@example.org","x":{}{}}}]"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(unread(deep_inside.as_bytes()));

    // 200,000 elements: every one read, in order.
    let one =
        r#"{"email":"x@example.org","timestamp":1796622600,"event":"open","sg_event_id":"e"}"#;
    let mut big = String::from("[");
    for i in 0..200_000 {
        if i > 0 {
            big.push(',');
        }
        big.push_str(one);
    }
    big.push_str(r#",{"email":"last@example.org","timestamp":1796622600,"event":"delivered","sg_event_id":"z"}]"#);
    let payload = read(Provider::SendGrid, &big);
    assert_eq!(payload.ignored, 200_000);
    assert_eq!(payload.events.len(), 1);
    assert_eq!(payload.events[0].index, 200_000);

    // A recipient list past the cap is cut and said so.
    let many: Vec<String> = (0..1_500).map(|i| format!("\"r{i}@example.org\"")).collect();
    let json = format!(
        r#"{{"type":"email.delivered","created_at":"2026-12-07T05:50:00Z","data":{{"to":[{}]}}}}"#,
        many.join(",")
    );
    let payload = read(Provider::Resend, &json);
    assert_eq!(payload.events[0].records.len(), tuixin::esp::MAX_RECIPIENTS);
    assert!(payload.errors[0].why.contains("500 recipients"), "{:?}", payload.errors);
}

#[test]
fn every_provider_survives_every_other_providers_payload_and_junk() {
    let samples: [&[u8]; 8] = [
        br#"{"Type":"Notification","Message":"{not json"}"#,
        br#"{"Type":"Notification","Message":"{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":[{}]}}"}"#,
        br#"[{"msys":{"message_event":{"type":"bounce"}}}, null, 3, "x", [], {}]"#,
        br#"{"event-data":{"event":"failed","recipient":17}}"#,
        br#"{"RecordType":"Bounce","Type":"HardBounce","Email":["a@b"],"BouncedAt":-1}"#,
        br#"{"type":"email.bounced","data":{"to":"a@example.org, b@example.org","bounce":null}}"#,
        br#"[{"eventType":"Microsoft.Communication.EmailDeliveryReportReceived","data":{"status":7}}]"#,
        br#"{"event":"MessageSent","payload":{"message":{"to":[1,{"email":"x@example.org"}]}}}"#,
    ];
    for provider in Provider::ALL {
        for sample in samples {
            // Any outcome but a panic; a second read is equal.
            let once = read_payload(*provider, sample, Classifier::builtin());
            let twice = read_payload(*provider, sample, Classifier::builtin());
            assert_eq!(once, twice);
        }
    }
}
