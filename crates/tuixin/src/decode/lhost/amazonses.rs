//! Amazon SES event notifications delivered by email through SNS: a JSON document with
//! `notificationType` Bounce, Complaint or Delivery, sometimes wrapped in SNS's own envelope
//! (`{"Type": "Notification", "Message": "<the JSON as a string>"}`).

use serde_json::Value;

use super::Lhost;
use crate::Reason;
use crate::decode::delivery::{Delivery, Report};
use crate::decode::mail::Mail;
use crate::decode::original::Original;

/// SES notifications, recognized by the SNS sender or subject.
pub(crate) struct AmazonSes;

/// The JSON object in the text: the notification itself, or the one inside SNS's envelope.
fn notification(text: &str) -> Option<Value> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    // SNS folds long lines of the JSON when it mails it; the line breaks are not content.
    let joined: String = text.get(start..=end)?.split(['\r', '\n']).collect();
    let value: Value = serde_json::from_str(&joined).ok()?;
    if value.get("notificationType").is_some() || value.get("eventType").is_some() {
        return Some(value);
    }
    let inner = value.get("Message")?.as_str()?;
    serde_json::from_str(inner).ok()
}

fn text_of(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

/// What SES's bounce subtypes say of the address.
fn bounce_reason(subtype: &str) -> Option<Reason> {
    match subtype {
        "Suppressed" | "OnAccountSuppressionList" => Some(Reason::Suppressed),
        "NoEmail" => Some(Reason::UserUnknown),
        "MailboxFull" => Some(Reason::MailboxFull),
        "MessageTooLarge" => Some(Reason::MesgTooBig),
        _ => None,
    }
}

impl Lhost for AmazonSes {
    fn name(&self) -> &'static str {
        "AmazonSES"
    }

    fn claims(&self, mail: &Mail<'_>) -> bool {
        mail.sender_lower().contains("@sns.amazonaws.com")
            || mail.subject().eq_ignore_ascii_case("AWS Notification Message")
            || mail.has_header("X-Amz-Sns-Message-Type")
    }

    fn decode(
        &self,
        _mail: &Mail<'_>,
        text: &str,
        _region: &str,
        original: &mut Original,
    ) -> Option<Report> {
        let value = notification(text)?;
        let kind = value
            .get("notificationType")
            .or_else(|| value.get("eventType"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let mail = value.get("mail").cloned().unwrap_or(Value::Null);
        original.addresser = text_of(&mail, "source");
        original.message_id = text_of(&mail, "messageId");
        if let Some(subject) = mail.pointer("/commonHeaders/subject").and_then(Value::as_str) {
            original.subject = subject.to_owned();
        }

        let mut deliveries = Vec::new();
        match kind {
            "Bounce" => {
                let bounce = value.get("bounce").cloned().unwrap_or(Value::Null);
                let subtype = text_of(&bounce, "bounceSubType");
                let lhost = text_of(&bounce, "reportingMTA").trim_start_matches("dns; ").to_owned();
                let transient = text_of(&bounce, "bounceType") == "Transient";
                for r in
                    bounce.get("bouncedRecipients").and_then(Value::as_array).into_iter().flatten()
                {
                    deliveries.push(Delivery {
                        recipient: text_of(r, "emailAddress"),
                        action: match text_of(r, "action") {
                            a if a.is_empty() && transient => "delayed".to_owned(),
                            a if a.is_empty() => "failed".to_owned(),
                            a => a,
                        },
                        status: text_of(r, "status"),
                        diagnostic: text_of(r, "diagnosticCode"),
                        diagnostic_type: "SMTP".to_owned(),
                        lhost: lhost.clone(),
                        reason: bounce_reason(&subtype),
                        ..Delivery::default()
                    });
                }
            }
            "Complaint" => {
                let complaint = value.get("complaint").cloned().unwrap_or(Value::Null);
                let feedback = match text_of(&complaint, "complaintFeedbackType") {
                    t if t.is_empty() => "abuse".to_owned(),
                    t => t,
                };
                for r in complaint
                    .get("complainedRecipients")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    deliveries.push(Delivery {
                        recipient: text_of(r, "emailAddress"),
                        feedback_type: feedback.clone(),
                        reason: Some(Reason::Feedback),
                        ..Delivery::default()
                    });
                }
            }
            "Delivery" => {
                let delivery = value.get("delivery").cloned().unwrap_or(Value::Null);
                let response = text_of(&delivery, "smtpResponse");
                let lhost = text_of(&delivery, "reportingMTA");
                for r in delivery.get("recipients").and_then(Value::as_array).into_iter().flatten()
                {
                    deliveries.push(Delivery {
                        recipient: r.as_str().unwrap_or("").to_owned(),
                        action: "delivered".to_owned(),
                        diagnostic: response.clone(),
                        diagnostic_type: "SMTP".to_owned(),
                        lhost: lhost.clone(),
                        reason: Some(Reason::Delivered),
                        ..Delivery::default()
                    });
                }
            }
            _ => return None,
        }
        (!deliveries.is_empty()).then_some(Report { decoded_by: self.name(), deliveries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_notification_inside_an_sns_envelope() {
        let inner = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent"}}"#;
        let envelope = serde_json::json!({"Type": "Notification", "Message": inner}).to_string();
        assert_eq!(notification(&envelope).unwrap()["notificationType"], "Bounce");
    }
}
