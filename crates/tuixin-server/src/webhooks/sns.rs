//! Amazon SNS, which carries SES notifications: the envelope, its signature (RSA over the
//! canonical string, SHA-1 for SignatureVersion 1 and SHA-256 for 2, by the certificate at
//! `SigningCertURL`), and the subscription handshake.
//!
//! Certificates are fetched only from URLs whose origin matches the configured pattern (by
//! default `https://sns.<region>.amazonaws.com`), over TLS checked against Mozilla's roots,
//! at most 64 KiB, and kept in memory (a few at most: SNS signs with one per region).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use regex::Regex;
use serde::Deserialize;

use super::verify::{Refused, RsaHash, rsa};

/// Where SNS certificates and subscription URLs may be, unless configured otherwise.
pub const DEFAULT_HOST_PATTERN: &str = r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$";

/// Bytes of a certificate fetched at most.
const MAX_CERT_BYTES: usize = 64 << 10;

/// Certificates kept at most.
const MAX_CERTS: usize = 32;

/// Certificate fetches under way at once at most (calls naming certificates not yet fetched
/// wait their turn, so forged calls cannot make the server send requests without bound).
const MAX_FETCHES: usize = 2;

/// An SNS HTTP(S) message, as SNS posts it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Envelope {
    /// `Notification`, `SubscriptionConfirmation` or `UnsubscribeConfirmation`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// The message's id.
    pub message_id: String,
    /// The subscription token (confirmations only).
    pub token: Option<String>,
    /// The topic.
    pub topic_arn: String,
    /// The subject (notifications, when the publisher gave one).
    pub subject: Option<String>,
    /// The message: for SES, the notification as a JSON string.
    pub message: String,
    /// The URL that confirms the subscription (confirmations only).
    #[serde(rename = "SubscribeURL")]
    pub subscribe_url: Option<String>,
    /// When SNS published it (RFC 3339).
    pub timestamp: String,
    /// `1` (SHA-1) or `2` (SHA-256).
    pub signature_version: String,
    /// The base64 signature.
    pub signature: String,
    /// Where the signing certificate is.
    #[serde(rename = "SigningCertURL")]
    pub signing_cert_url: String,
}

impl Envelope {
    /// The envelope in `body`, when it is one (an object with `Type`, `Signature`, ...).
    pub fn read(body: &[u8]) -> Result<Envelope, String> {
        serde_json::from_slice(body).map_err(|e| format!("not an SNS message: {e}"))
    }

    /// The canonical string SNS signs for this message type.
    pub fn string_to_sign(&self) -> Result<String, Refused> {
        let mut out = String::with_capacity(self.message.len() + 512);
        let mut field = |name: &str, value: &str| {
            out.push_str(name);
            out.push('\n');
            out.push_str(value);
            out.push('\n');
        };
        match self.kind.as_str() {
            "Notification" => {
                field("Message", &self.message);
                field("MessageId", &self.message_id);
                if let Some(subject) = &self.subject {
                    field("Subject", subject);
                }
                field("Timestamp", &self.timestamp);
                field("TopicArn", &self.topic_arn);
                field("Type", &self.kind);
            }
            "SubscriptionConfirmation" | "UnsubscribeConfirmation" => {
                field("Message", &self.message);
                field("MessageId", &self.message_id);
                field(
                    "SubscribeURL",
                    self.subscribe_url.as_deref().ok_or(Refused::Missing("SubscribeURL"))?,
                );
                field("Timestamp", &self.timestamp);
                field("Token", self.token.as_deref().ok_or(Refused::Missing("Token"))?);
                field("TopicArn", &self.topic_arn);
                field("Type", &self.kind);
            }
            _ => return Err(Refused::Malformed("Type")),
        }
        Ok(out)
    }
}

/// Checks SNS messages: certificates by origin, kept once fetched.
#[derive(Debug)]
pub struct Sns {
    origin: Regex,
    client: reqwest::Client,
    certs: Mutex<HashMap<String, Vec<u8>>>,
    fetches: tokio::sync::Semaphore,
}

impl Sns {
    /// A checker that trusts certificate and subscription URLs whose origin
    /// (`scheme://host[:port]`) matches `host_pattern`.
    pub fn new(host_pattern: &str) -> Result<Sns, String> {
        let origin = Regex::new(host_pattern).map_err(|e| format!("host_pattern: {e}"))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Sns {
            origin,
            client,
            certs: Mutex::new(HashMap::new()),
            fetches: tokio::sync::Semaphore::new(MAX_FETCHES),
        })
    }

    /// Refuses a URL whose origin the pattern does not allow (or that carries credentials).
    pub fn allowed(&self, url: &str) -> Result<reqwest::Url, Refused> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|_| Refused::Certificate(format!("not a URL: {url:.200}")))?;
        let host = parsed.host_str().unwrap_or_default();
        let origin = match parsed.port() {
            Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
            None => format!("{}://{host}", parsed.scheme()),
        };
        if !parsed.username().is_empty()
            || parsed.password().is_some()
            || !self.origin.is_match(&origin)
        {
            return Err(Refused::Certificate(format!("{origin:.200} is not an allowed SNS host")));
        }
        Ok(parsed)
    }

    /// Checks the envelope's signature with its certificate (fetched once).
    pub async fn verify(&self, envelope: &Envelope) -> Result<(), Refused> {
        let hash = match envelope.signature_version.as_str() {
            "1" => RsaHash::Sha1,
            "2" => RsaHash::Sha256,
            _ => return Err(Refused::Malformed("SignatureVersion")),
        };
        let signature = BASE64
            .decode(envelope.signature.trim())
            .map_err(|_| Refused::Malformed("Signature"))?;
        let signed = envelope.string_to_sign()?;
        let key = self.public_key(&envelope.signing_cert_url).await?;
        rsa(&key, hash, &signature, signed.as_bytes())
    }

    /// Refuses a certificate URL that is not an allowed origin's
    /// `/SimpleNotificationService-NAME.pem` (the form SNS gives them), with no query.
    pub fn certificate_url(&self, url: &str) -> Result<reqwest::Url, Refused> {
        let parsed = self.allowed(url)?;
        let name = parsed.path().strip_prefix("/SimpleNotificationService-");
        let name = name.and_then(|n| n.strip_suffix(".pem")).unwrap_or_default();
        if name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_alphanumeric())
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err(Refused::Certificate(format!(
                "{url:.200} is not an SNS signing certificate"
            )));
        }
        Ok(parsed)
    }

    /// The subject public key (DER) of the certificate at `url`.
    async fn public_key(&self, url: &str) -> Result<Vec<u8>, Refused> {
        let parsed = self.certificate_url(url)?;
        if let Some(key) = self.certs.lock().expect("cert cache").get(url) {
            return Ok(key.clone());
        }
        let _turn =
            self.fetches.acquire().await.map_err(|_| Refused::Certificate("closed".into()))?;
        // Fetched by a call that held the turn before this one.
        if let Some(key) = self.certs.lock().expect("cert cache").get(url) {
            return Ok(key.clone());
        }
        let fetch_error = |e: String| Refused::Certificate(format!("fetching {url:.200}: {e}"));
        let mut response =
            self.client.get(parsed).send().await.map_err(|e| fetch_error(e.to_string()))?;
        if !response.status().is_success() {
            return Err(fetch_error(format!("HTTP {}", response.status())));
        }
        let mut pem = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fetch_error(e.to_string()))? {
            if pem.len() + chunk.len() > MAX_CERT_BYTES {
                return Err(fetch_error("larger than 64 KiB".to_owned()));
            }
            pem.extend_from_slice(&chunk);
        }
        let key = spki_of(&pem).map_err(fetch_error)?;
        let mut certs = self.certs.lock().expect("cert cache");
        if certs.len() >= MAX_CERTS {
            certs.clear();
        }
        certs.insert(url.to_owned(), key.clone());
        Ok(key)
    }

    /// Confirms a subscription by visiting its SubscribeURL (whose origin must be allowed).
    pub async fn confirm(&self, envelope: &Envelope) -> Result<(), String> {
        let url = envelope.subscribe_url.as_deref().ok_or("no SubscribeURL")?;
        let url = self.allowed(url).map_err(|e| e.to_string())?;
        let response = self.client.get(url).send().await.map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("SubscribeURL answered HTTP {}", response.status()))
        }
    }
}

/// The subject public key (DER) of a PEM certificate that is valid now.
fn spki_of(pem: &[u8]) -> Result<Vec<u8>, String> {
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(pem).map_err(|e| format!("not a PEM certificate: {e}"))?;
    let cert = pem.parse_x509().map_err(|e| format!("not an X.509 certificate: {e}"))?;
    if !cert.validity().is_valid() {
        return Err("the certificate is not valid now".to_owned());
    }
    Ok(cert.public_key().raw.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(kind: &str, subject: Option<&str>) -> Envelope {
        Envelope {
            kind: kind.to_owned(),
            message_id: "m-1".to_owned(),
            token: Some("tok".to_owned()),
            topic_arn: "arn:aws:sns:eu-west-1:123456789012:bounces".to_owned(),
            subject: subject.map(str::to_owned),
            message: "{\"notificationType\":\"Bounce\"}".to_owned(),
            subscribe_url: Some(
                "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription".to_owned(),
            ),
            timestamp: "2026-12-07T10:00:00.000Z".to_owned(),
            signature_version: "2".to_owned(),
            signature: String::new(),
            signing_cert_url: "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem"
                .to_owned(),
        }
    }

    #[test]
    fn the_canonical_string_follows_the_message_type() {
        let n = envelope("Notification", None).string_to_sign().unwrap();
        assert_eq!(
            n,
            "Message\n{\"notificationType\":\"Bounce\"}\nMessageId\nm-1\nTimestamp\n2026-12-07T10:00:00.000Z\nTopicArn\narn:aws:sns:eu-west-1:123456789012:bounces\nType\nNotification\n"
        );
        let with_subject = envelope("Notification", Some("Hi")).string_to_sign().unwrap();
        assert!(
            with_subject.contains("MessageId\nm-1\nSubject\nHi\nTimestamp\n"),
            "{with_subject}"
        );
        let c = envelope("SubscriptionConfirmation", Some("ignored")).string_to_sign().unwrap();
        assert!(c.contains("SubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription\nTimestamp\n"), "{c}");
        assert!(c.contains("Token\ntok\nTopicArn\n") && !c.contains("Subject"), "{c}");
        assert_eq!(envelope("Other", None).string_to_sign(), Err(Refused::Malformed("Type")));
    }

    #[test]
    fn only_sns_certificate_names_are_fetched() {
        let sns = Sns::new(DEFAULT_HOST_PATTERN).unwrap();
        let base = "https://sns.eu-west-1.amazonaws.com";
        assert!(
            sns.certificate_url(&format!(
                "{base}/SimpleNotificationService-a86cb10b4e1f29c941702d737128f7b6.pem"
            ))
            .is_ok()
        );
        for bad in [
            "/SimpleNotificationService-.pem", "/SimpleNotificationService-abc.pem?x=1",
            "/SimpleNotificationService-abc.pem#x", "/SimpleNotificationService-a/b.pem",
            "/other.pem", "/SimpleNotificationService-abc.txt", "/",
        ] {
            assert!(sns.certificate_url(&format!("{base}{bad}")).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_allowed_origins_are_fetched() {
        let sns = Sns::new(DEFAULT_HOST_PATTERN).unwrap();
        assert!(
            sns.allowed("https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem")
                .is_ok()
        );
        assert!(sns.allowed("https://sns.cn-north-1.amazonaws.com.cn/x.pem").is_ok());
        for bad in [
            "http://sns.eu-west-1.amazonaws.com/x.pem",
            "https://sns.eu-west-1.amazonaws.com.evil.example/x.pem",
            "https://evil.example/sns.eu-west-1.amazonaws.com/x.pem",
            "https://user@sns.eu-west-1.amazonaws.com/x.pem",
            "https://sns.eu-west-1.amazonaws.com:8443/x.pem",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(sns.allowed(bad).is_err(), "{bad}");
        }
    }
}
