//! `POST /v1/webhooks/{provider}` on the real server over a real SQLite file: calls signed the
//! providers' ways end as suppressions; the same call with one byte changed, unsigned, stale or
//! with wrong credentials is refused with 401; a redelivery adds no event. The SNS signing
//! certificate and subscription URL are served by a second local server, as SNS would.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tuixin_server::token::{TokenScope, make};
use tuixin_server::webhooks::{WebhookConfig, Webhooks};
use tuixin_server::{App, Settings};
use tuixin_store::Store;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/webhooks");

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn rfc3339(ts: i64) -> String {
    tuixin_server::time::rfc3339(ts).replace('Z', ".000Z")
}

struct Server {
    base: String,
    check: String,
    read: String,
    http: Client,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(sections: BTreeMap<String, WebhookConfig>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db").display().to_string();
        let settings =
            Settings { webhooks: Webhooks::from_config(&sections).unwrap(), ..Settings::default() };
        let (app, (check, read)) = tokio::task::spawn_blocking(move || {
            let store = Store::open(&db).unwrap();
            let check = make("check", &[TokenScope::Check], 1_700_000_000).unwrap();
            store.token_create(&check.row).unwrap();
            let read = make("read", &[TokenScope::Read], 1_700_000_000).unwrap();
            store.token_create(&read.row).unwrap();
            (App::new(store, settings).unwrap(), (check.token, read.token))
        })
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(tuixin_server::serve(listener, app, std::future::pending()));
        Server { base, check, read, http: Client::new(), _dir: dir }
    }

    async fn post(
        &self,
        provider: &str,
        headers: &[(&str, String)],
        body: impl Into<Vec<u8>>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.post(format!("{}/v1/webhooks/{provider}", self.base));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.body(body.into()).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn allowed(&self, address: &str) -> bool {
        let r: Value = self
            .http
            .get(format!("{}/v1/check", self.base))
            .query(&[("address", address)])
            .bearer_auth(&self.check)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["allowed"].as_bool().unwrap()
    }
}

fn section(fields: Value) -> WebhookConfig {
    serde_json::from_value(fields).unwrap()
}

/// `body` with one byte changed (inside the JSON, so it still parses).
fn tampered(body: &[u8], needle: &str) -> Vec<u8> {
    let text = String::from_utf8(body.to_vec()).unwrap();
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle} not in the body"));
    let mut bytes = text.into_bytes();
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    bytes
}

fn rsa_key() -> rsa::PrivateKey {
    use rsa::pkcs8::DecodePrivateKey;
    let pem = std::fs::read_to_string(format!("{FIXTURES}/signing-key.pem")).unwrap();
    let base64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    rsa::PrivateKey::from_pkcs8_der(&BASE64.decode(base64).unwrap()).unwrap()
}

fn rsa_sign_sha256(text: &[u8]) -> String {
    use rsa::signature::{SignatureEncoding, Signer};
    let key = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa_key());
    BASE64.encode(key.sign(text).to_bytes())
}

fn rsa_sign_sha1(text: &[u8]) -> String {
    use rsa::signature::{SignatureEncoding, Signer};
    let key = rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(rsa_key());
    BASE64.encode(key.sign(text).to_bytes())
}

/// A local stand-in for SNS's certificate host: serves the signing certificate and counts
/// visits to the subscription URL.
async fn sns_host() -> (String, Arc<AtomicUsize>) {
    use axum::routing::get;
    let cert = std::fs::read_to_string(format!("{FIXTURES}/signing-cert.pem")).unwrap();
    let confirmed = Arc::new(AtomicUsize::new(0));
    let seen = confirmed.clone();
    let router = axum::Router::new()
        .route("/SimpleNotificationService-test.pem", get(move || async move { cert }))
        .route(
            "/confirm",
            get(move || async move {
                seen.fetch_add(1, Ordering::SeqCst);
                "<ConfirmSubscriptionResponse/>"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, confirmed)
}

const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:ses-bounces";

/// An SNS message of `kind` carrying `message`, signed (SignatureVersion 2) over SNS's
/// canonical string.
fn sns_envelope(kind: &str, message: &str, timestamp: &str, cert_base: &str) -> Value {
    let mut envelope = json!({
        "Type": kind,
        "MessageId": "6f1d8a4e-0000-4000-8000-000000000001",
        "TopicArn": TOPIC,
        "Message": message,
        "Timestamp": timestamp,
        "SignatureVersion": "2",
        "SigningCertURL": format!("{cert_base}/SimpleNotificationService-test.pem"),
    });
    let mut signed =
        format!("Message\n{message}\nMessageId\n6f1d8a4e-0000-4000-8000-000000000001\n");
    if kind == "SubscriptionConfirmation" {
        let url = format!("{cert_base}/confirm?Action=ConfirmSubscription&Token=t0k");
        signed.push_str(&format!("SubscribeURL\n{url}\nTimestamp\n{timestamp}\nToken\nt0k\n"));
        envelope["SubscribeURL"] = json!(url);
        envelope["Token"] = json!("t0k");
    } else {
        signed.push_str(&format!("Timestamp\n{timestamp}\n"));
    }
    signed.push_str(&format!("TopicArn\n{TOPIC}\nType\n{kind}\n"));
    envelope["Signature"] = json!(rsa_sign_sha256(signed.as_bytes()));
    envelope
}

fn ses_bounce(recipient: &str, at: i64) -> String {
    json!({
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{
                "emailAddress": recipient,
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 <".to_owned() + recipient + ">: Recipient address rejected: User unknown in local recipient table"
            }],
            "timestamp": rfc3339(at),
            "feedbackId": "0102017f-1111-2222-3333-444444444444-000000",
            "reportingMTA": "dsn; a27-1.smtp-out.eu-west-1.amazonses.com"
        },
        "mail": {
            "timestamp": rfc3339(at - 2),
            "source": "news@example.net",
            "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/example.net",
            "sendingAccountId": "123456789012",
            "messageId": "0102017f-aaaa-bbbb-cccc-dddddddddddd-000000",
            "destination": [recipient]
        }
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_ses_bounce_over_sns_suppresses_and_a_changed_byte_is_refused() {
    let (cert_base, confirmed) = sns_host().await;
    let pattern = format!("^{}$", regex::escape(&cert_base));
    let sections = BTreeMap::from([(
        "ses".to_owned(),
        section(json!({"host_pattern": pattern, "topic_arns": [TOPIC]})),
    )]);
    let s = Server::start(sections).await;
    let at = now();
    let envelope =
        sns_envelope("Notification", &ses_bounce("jane@example.org", at), &rfc3339(at), &cert_base);
    let body = envelope.to_string().into_bytes();
    let headers = [("x-amz-sns-message-type", "Notification".to_owned())];

    let (status, first) = s.post("ses", &headers, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        (first["new_events"].as_u64(), first["suppressions_added"].as_u64()),
        (Some(1), Some(1)),
        "{first}"
    );
    assert!(!s.allowed("jane@example.org").await);
    // SNS redelivers the same message: 200, nothing new.
    let (status, again) = s.post("ses", &headers, body.clone()).await;
    assert_eq!(
        (status, again["new_events"].as_u64(), again["duplicates"].as_u64()),
        (StatusCode::OK, Some(0), Some(1)),
        "{again}"
    );

    // One byte of the notification changed: refused, and nothing about that address stored.
    let changed = tampered(&body, "jane@example.org").to_vec();
    let (status, refused) = s.post("ses", &headers, changed).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    assert_eq!(refused["error"]["code"], "unauthorized");
    // Signed, but published two hours ago: a replay.
    let old = sns_envelope(
        "Notification",
        &ses_bounce("old@example.org", at - 7200),
        &rfc3339(at - 7200),
        &cert_base,
    );
    let (status, stale) = s.post("ses", &headers, old.to_string()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{stale}");
    assert!(stale["error"]["message"].as_str().unwrap().contains("timestamp"), "{stale}");
    assert!(s.allowed("old@example.org").await);
    // A certificate from a host not allowed is never fetched.
    let mut elsewhere = envelope.clone();
    elsewhere["SigningCertURL"] =
        json!("https://certs.example.com/SimpleNotificationService-test.pem");
    let (status, refused) = s.post("ses", &headers, elsewhere.to_string()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    // Unsigned SES JSON is not taken when no shared credentials are configured.
    let (status, _) = s.post("ses", &[], ses_bounce("bare@example.org", at)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(s.allowed("bare@example.org").await);

    // The subscription handshake: checked, then confirmed by visiting SubscribeURL once.
    let confirm = sns_envelope(
        "SubscriptionConfirmation",
        "You have chosen to subscribe",
        &rfc3339(at),
        &cert_base,
    );
    let (status, answer) = s.post("ses", &[], confirm.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(confirmed.load(Ordering::SeqCst), 1);
    let forged = tampered(confirm.to_string().as_bytes(), "subscribe");
    assert_eq!(s.post("ses", &[], forged).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(confirmed.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_sendgrid_bounce_suppresses_and_a_changed_byte_is_refused() {
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};
    use p256::pkcs8::EncodePublicKey;
    let key = SigningKey::from_slice(&[0x5a; 32]).unwrap();
    let public = BASE64.encode(key.verifying_key().to_public_key_der().unwrap().as_bytes());
    let s = Server::start(BTreeMap::from([(
        "sendgrid".to_owned(),
        section(json!({"public_key": public})),
    )]))
    .await;
    let at = now();
    let body = json!([
        {"email": "bob@example.org", "timestamp": at, "event": "bounce", "type": "bounce",
         "status": "5.1.1", "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
         "sg_event_id": "ZGVsaXZlcmVkLTAtMjQ", "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"},
        {"email": "amy@example.org", "timestamp": at, "event": "open", "sg_event_id": "b3Blbi0xMjM"}
    ])
    .to_string();
    let sign = |stamp: &str, body: &[u8]| {
        let mut signed = stamp.as_bytes().to_vec();
        signed.extend_from_slice(body);
        let signature: Signature = key.sign(&signed);
        BASE64.encode(signature.to_der().as_bytes())
    };
    let stamp = at.to_string();
    let headers = |signature: String, stamp: &str| {
        vec![
            ("X-Twilio-Email-Event-Webhook-Signature", signature),
            ("X-Twilio-Email-Event-Webhook-Timestamp", stamp.to_owned()),
        ]
    };
    let (status, first) =
        s.post("sendgrid", &headers(sign(&stamp, body.as_bytes()), &stamp), body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        (first["new_events"].as_u64(), first["ignored"].as_u64()),
        (Some(1), Some(1)),
        "{first}"
    );
    assert!(!s.allowed("bob@example.org").await);
    let (status, again) =
        s.post("sendgrid", &headers(sign(&stamp, body.as_bytes()), &stamp), body.clone()).await;
    assert_eq!((status, again["new_events"].as_u64()), (StatusCode::OK, Some(0)));

    let changed = tampered(body.as_bytes(), "5.1.1");
    let (status, refused) =
        s.post("sendgrid", &headers(sign(&stamp, body.as_bytes()), &stamp), changed).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    // Signed with the timestamp of an hour ago: a replay.
    let old = (at - 3600).to_string();
    let (status, _) =
        s.post("sendgrid", &headers(sign(&old, body.as_bytes()), &old), body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, missing) = s.post("sendgrid", &[], body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(missing["error"]["message"].as_str().unwrap().contains("missing"), "{missing}");

    // The source's health: its events, and the refusals (written at most once in 10 s).
    let sources: Value = s
        .http
        .get(format!("{}/v1/stats/sources", s.base))
        .bearer_auth(&s.read)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sendgrid =
        sources["data"].as_array().unwrap().iter().find(|x| x["source"] == "webhook:sendgrid");
    let sendgrid = sendgrid.unwrap_or_else(|| panic!("{sources}"));
    assert!(sendgrid["last_event_at"].is_string(), "{sendgrid}");
    assert_eq!(sendgrid["failures"], 1, "{sendgrid}");
    assert!(
        sendgrid["last_failure"]["error"].as_str().unwrap().starts_with("refused: "),
        "{sendgrid}"
    );
}

fn mailgun_body(key: &str, at: i64, token: &str, recipient: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{at}{token}").as_bytes());
    let signature: String =
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "signature": {"timestamp": at.to_string(), "token": token, "signature": signature},
        "event-data": {
            "id": "G9Bn5sl1TC6nu79C8C0bwg",
            "timestamp": at as f64 + 0.25,
            "event": "failed",
            "severity": "permanent",
            "reason": "bounce",
            "recipient": recipient,
            "recipient-domain": "example.org",
            "delivery-status": {
                "code": 550,
                "message": "5.1.1 The email account that you tried to reach does not exist.",
                "description": "",
                "mx-host": "mx.example.org",
                "attempt-no": 1
            },
            "message": {"headers": {"message-id": "20261207100000.1.ABC@mg.example.net", "from": "news@example.net", "to": recipient, "subject": "December news"}}
        }
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_mailgun_failure_suppresses_and_a_changed_byte_is_refused() {
    let key = "key-2f1e0d9c8b7a";
    let s = Server::start(BTreeMap::from([(
        "mailgun".to_owned(),
        section(json!({"signing_key": key})),
    )]))
    .await;
    let at = now();
    let body = mailgun_body(
        key,
        at,
        "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0",
        "carol@example.org",
    );
    let (status, first) = s.post("mailgun", &[], body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["new_events"], 1, "{first}");
    assert!(!s.allowed("carol@example.org").await);
    assert_eq!(s.post("mailgun", &[], body.clone()).await.1["new_events"], 0);
    // A changed byte in the event data, or in the signature itself.
    assert_eq!(
        s.post("mailgun", &[], tampered(body.as_bytes(), "5.1.1")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let other = mailgun_body("key-wrong", at, "tok", "dan@example.org");
    assert_eq!(s.post("mailgun", &[], other).await.0, StatusCode::UNAUTHORIZED);
    assert!(s.allowed("dan@example.org").await);
    let old = mailgun_body(key, at - 86_400, "tok", "dan@example.org");
    assert_eq!(s.post("mailgun", &[], old).await.0, StatusCode::UNAUTHORIZED);
    // Not JSON at all: refused before it is read (the signature is inside the body).
    assert_eq!(s.post("mailgun", &[], "event=failed").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_over_svix_and_postal_signed_with_rsa() {
    use hmac::{KeyInit, Mac};
    let secret_bytes = b"a resend secret.";
    let public = std::fs::read_to_string(format!("{FIXTURES}/signing-public.pem")).unwrap();
    let sections = BTreeMap::from([
        (
            "resend".to_owned(),
            section(json!({"secret": format!("whsec_{}", BASE64.encode(secret_bytes))})),
        ),
        ("postal".to_owned(), section(json!({"public_key": public}))),
    ]);
    let s = Server::start(sections).await;
    let at = now();
    let resend = json!({
        "type": "email.bounced",
        "created_at": rfc3339(at),
        "data": {
            "email_id": "56761188-7520-42d8-8898-ff6fc54ce618",
            "from": "news@example.net",
            "to": ["dave@example.org"],
            "subject": "December news",
            "created_at": rfc3339(at - 5),
            "bounce": {"message": "550 5.1.1 <dave@example.org>: Recipient address rejected: User unknown", "type": "Permanent", "subType": "General"}
        }
    })
    .to_string();
    let svix = |id: &str, stamp: &str, body: &[u8]| {
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret_bytes).unwrap();
        mac.update(format!("{id}.{stamp}.").as_bytes());
        mac.update(body);
        vec![
            ("svix-id", id.to_owned()),
            ("svix-timestamp", stamp.to_owned()),
            ("svix-signature", format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))),
        ]
    };
    let stamp = at.to_string();
    let (status, first) =
        s.post("resend", &svix("msg_2a", &stamp, resend.as_bytes()), resend.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(!s.allowed("dave@example.org").await);
    let changed = tampered(resend.as_bytes(), "5.1.1");
    assert_eq!(
        s.post("resend", &svix("msg_2a", &stamp, resend.as_bytes()), changed).await.0,
        StatusCode::UNAUTHORIZED
    );
    let old = (at - 600).to_string();
    assert_eq!(
        s.post("resend", &svix("msg_2a", &old, resend.as_bytes()), resend.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );

    let postal = json!({
        "event": "MessageDeliveryFailed",
        "timestamp": at as f64 + 0.5,
        "uuid": "0c0a1a7e-0000-4000-8000-00000000000a",
        "payload": {
            "status": "HardFail",
            "details": "Permanent SMTP delivery error when sending to mx.example.org",
            "output": "550 5.1.1 <erin@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
            "sent_with_ssl": true,
            "timestamp": at as f64,
            "time": 0.4,
            "message": {"id": 42, "token": "Xe2kq", "direction": "outgoing", "message_id": "m42@example.net",
                        "to": "erin@example.org", "from": "news@example.net", "subject": "December news",
                        "timestamp": at as f64 - 10.0, "spam_status": "NotChecked", "tag": null}
        }
    })
    .to_string();
    let signed = [("X-Postal-Signature-256", rsa_sign_sha256(postal.as_bytes()))];
    let (status, first) = s.post("postal", &signed, postal.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(!s.allowed("erin@example.org").await);
    // The older SHA-1 header alone is still taken; either over a changed body is not.
    let sha1 = [("X-Postal-Signature", rsa_sign_sha1(postal.as_bytes()))];
    assert_eq!(s.post("postal", &sha1, postal.clone()).await.0, StatusCode::OK);
    assert_eq!(
        s.post("postal", &sha1, tampered(postal.as_bytes(), "5.1.1")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.post("postal", &signed, tampered(postal.as_bytes(), "5.1.1")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(s.post("postal", &[], postal).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_without_signatures_need_their_credentials_and_unknown_ones_are_404() {
    let sections = BTreeMap::from([
        ("postmark".to_owned(), section(json!({"username": "hook", "password": "s3cret pass"}))),
        ("azure".to_owned(), section(json!({"token": "azure-shared-token"}))),
    ]);
    let s = Server::start(sections).await;
    let postmark = json!({
        "RecordType": "Bounce", "ID": 4323372036854775807u64, "Type": "HardBounce", "TypeCode": 1,
        "Name": "Hard bounce", "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "frank@example.org", "From": "news@example.net", "BouncedAt": rfc3339(now()),
        "Inactive": true, "CanActivate": true, "Subject": "December news", "MessageStream": "outbound"
    })
    .to_string();
    let basic = |user: &str, password: &str| {
        vec![("Authorization", format!("Basic {}", BASE64.encode(format!("{user}:{password}"))))]
    };
    assert_eq!(s.post("postmark", &[], postmark.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        s.post("postmark", &basic("hook", "s3cret pasS"), postmark.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(s.allowed("frank@example.org").await);
    let (status, first) = s.post("postmark", &basic("hook", "s3cret pass"), postmark.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(!s.allowed("frank@example.org").await);

    // Event Grid's handshake is answered once the token is right; then a bounce suppresses.
    let validation = json!([{
        "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66", "topic": "/subscriptions/x", "subject": "",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": rfc3339(now()), "metadataVersion": "1", "dataVersion": "1"
    }])
    .to_string();
    assert_eq!(s.post("azure", &[], validation.clone()).await.0, StatusCode::UNAUTHORIZED);
    let (status, answer) = s.post("azure?token=azure-shared-token", &[], validation).await;
    assert_eq!(
        (status, answer["validationResponse"].as_str()),
        (StatusCode::OK, Some("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"))
    );
    let bounce = json!([{
        "id": "00000000-0000-0000-0000-000000000001", "topic": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Communication/CommunicationServices/c",
        "subject": "sender/news@example.net/message/11111111-2222-3333-4444-555555555555",
        "data": {"sender": "news@example.net", "recipient": "gina@example.org",
                 "messageId": "11111111-2222-3333-4444-555555555555", "status": "Bounced",
                 "deliveryStatusDetails": {"statusMessage": "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"},
                 "deliveryAttemptTimeStamp": rfc3339(now())},
        "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
        "dataVersion": "1.0", "metadataVersion": "1", "eventTime": rfc3339(now())
    }])
    .to_string();
    let bearer = [("Authorization", "Bearer azure-shared-token".to_owned())];
    let (status, first) = s.post("azure", &bearer, bounce).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(!s.allowed("gina@example.org").await);
    // A body that is not the provider's: 400 naming what is wrong.
    let (status, bad) = s.post("azure", &bearer, "{\"truncated\": [1, 2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert!(bad["error"]["message"].as_str().unwrap().contains("azure"), "{bad}");

    // Unknown providers, and known ones not configured here: 404.
    let (status, unknown) = s.post("pigeon", &[], "{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    let (status, unconfigured) = s.post("mailgun", &[], "{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        unconfigured["error"]["message"].as_str().unwrap().contains("[webhooks.mailgun]"),
        "{unconfigured}"
    );
}

#[test]
fn a_config_missing_what_the_scheme_needs_is_refused_at_start() {
    let refused = |name: &str, fields: Value| {
        Webhooks::from_config(&BTreeMap::from([(name.to_owned(), section(fields))]))
            .unwrap_err()
            .to_string()
    };
    assert!(refused("mailgun", json!({})).contains("signing_key"));
    assert!(refused("sendgrid", json!({})).contains("public_key"));
    assert!(refused("postmark", json!({})).contains("token"));
    assert!(refused("postmark", json!({"username": "u"})).contains("together"));
    assert!(refused("carrier-pigeon", json!({"token": "t"})).contains("unknown provider"));
    assert!(refused("ses", json!({"host_pattern": "(["})).contains("host_pattern"));
}
