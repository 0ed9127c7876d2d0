//! The signature schemes ESPs sign their webhook calls with, as pure checks over the bytes
//! received: HMAC-SHA256 (Mailgun, Svix), ECDSA P-256 (SendGrid) and RSA PKCS#1 v1.5 (Amazon
//! SNS, Postal), and the staleness of a signed timestamp.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Why a call was refused as not genuine (answered 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A header or field the scheme needs is not there.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// A value is not in the scheme's form (not base64, not a number, ...).
    #[error("{0} is malformed")]
    Malformed(&'static str),
    /// The signature does not match the body.
    #[error("the signature does not match")]
    BadSignature,
    /// The signed time is too far from now: a replay, or a clock far off.
    #[error("the signed timestamp is {0} s from now, more than the {1} s allowed")]
    Stale(i64, i64),
    /// A signature already seen over another body.
    #[error("the signature's token was already used for another body")]
    Replayed,
    /// The credentials (basic auth or shared token) are wrong or missing.
    #[error("wrong or missing credentials")]
    Credentials,
    /// The signing certificate is not one we may trust or fetch.
    #[error("signing certificate refused: {0}")]
    Certificate(String),
    /// The message comes from a topic or sender not configured.
    #[error("{0} is not among those configured")]
    NotConfigured(&'static str),
}

/// Refuses a signed time more than `max_age` seconds from `now` (either way).
pub fn fresh(signed_at: i64, now: i64, max_age: i64) -> Result<(), Refused> {
    let off = now.saturating_sub(signed_at);
    if off.abs() > max_age { Err(Refused::Stale(off, max_age)) } else { Ok(()) }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    for part in parts {
        mac.update(part);
    }
    mac
}

/// Mailgun: `signature` is the hex HMAC-SHA256, keyed with the webhook signing key, of
/// `timestamp` followed by `token`.
pub fn mailgun(
    signing_key: &str,
    timestamp: &str,
    token: &str,
    signature: &str,
) -> Result<(), Refused> {
    let expected = decode_hex(signature).ok_or(Refused::Malformed("signature.signature"))?;
    hmac_sha256(signing_key.as_bytes(), &[timestamp.as_bytes(), token.as_bytes()])
        .verify_slice(&expected)
        .map_err(|_| Refused::BadSignature)
}

/// Svix (Resend): `svix-signature` holds space-separated `v1,BASE64` signatures; one must be
/// the HMAC-SHA256, keyed with the secret (`whsec_` and base64), of `id.timestamp.body`.
pub fn svix(
    secret: &str,
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
) -> Result<(), Refused> {
    let key = BASE64
        .decode(secret.trim().strip_prefix("whsec_").unwrap_or(secret.trim()))
        .map_err(|_| Refused::Malformed("the configured secret"))?;
    let mac = hmac_sha256(&key, &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body]);
    let mut any = false;
    for signature in signatures.split_ascii_whitespace() {
        let Some(value) = signature.strip_prefix("v1,") else { continue };
        any = true;
        if let Ok(bytes) = BASE64.decode(value)
            && mac.clone().verify_slice(&bytes).is_ok()
        {
            return Ok(());
        }
    }
    if any { Err(Refused::BadSignature) } else { Err(Refused::Malformed("svix-signature")) }
}

/// SendGrid: the base64 DER ECDSA P-256/SHA-256 signature of the timestamp header followed by
/// the body, checked with the base64 DER public key from SendGrid's settings.
pub fn sendgrid(
    public_key: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
) -> Result<(), Refused> {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;
    let der = BASE64
        .decode(strip_pem(public_key))
        .map_err(|_| Refused::Malformed("the configured public key"))?;
    let key = VerifyingKey::from_public_key_der(&der)
        .map_err(|_| Refused::Malformed("the configured public key"))?;
    let signature = BASE64
        .decode(signature.trim())
        .ok()
        .and_then(|der| Signature::from_der(&der).ok())
        .ok_or(Refused::Malformed("X-Twilio-Email-Event-Webhook-Signature"))?;
    let mut signed = Vec::with_capacity(timestamp.len() + body.len());
    signed.extend_from_slice(timestamp.as_bytes());
    signed.extend_from_slice(body);
    key.verify(&signed, &signature).map_err(|_| Refused::BadSignature)
}

/// The hash an RSA signature was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaHash {
    /// SHA-1 (SNS SignatureVersion 1, Postal's `X-Postal-Signature`).
    Sha1,
    /// SHA-256 (SNS SignatureVersion 2, Postal's `X-Postal-Signature-256`).
    Sha256,
}

/// An RSA PKCS#1 v1.5 signature (raw bytes) of `signed`, by the key in `spki_der`.
pub fn rsa(spki_der: &[u8], hash: RsaHash, signature: &[u8], signed: &[u8]) -> Result<(), Refused> {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    let key = rsa::PublicKey::from_public_key_der(spki_der)
        .map_err(|_| Refused::Malformed("the RSA public key"))?;
    let signature =
        Signature::try_from(signature).map_err(|_| Refused::Malformed("the signature"))?;
    let checked = match hash {
        RsaHash::Sha1 => VerifyingKey::<sha1::Sha1>::new(key).verify(signed, &signature),
        RsaHash::Sha256 => VerifyingKey::<Sha256>::new(key).verify(signed, &signature),
    };
    checked.map_err(|_| Refused::BadSignature)
}

/// Postal: `X-Postal-Signature-256` (RSA-SHA256) or the older `X-Postal-Signature`
/// (RSA-SHA1), base64, over the body, by the key Postal publishes as its DKIM-style `p=` value.
pub fn postal(
    public_key: &str,
    sha256: Option<&str>,
    sha1: Option<&str>,
    body: &[u8],
) -> Result<(), Refused> {
    let key = public_key.trim();
    let key = key.rsplit("p=").next().unwrap_or(key).trim_end_matches(';');
    let der = BASE64
        .decode(strip_pem(key))
        .map_err(|_| Refused::Malformed("the configured public key"))?;
    let (hash, signature) = match (sha256, sha1) {
        (Some(s), _) => (RsaHash::Sha256, s),
        (None, Some(s)) => (RsaHash::Sha1, s),
        (None, None) => return Err(Refused::Missing("X-Postal-Signature-256")),
    };
    let signature =
        BASE64.decode(signature.trim()).map_err(|_| Refused::Malformed("X-Postal-Signature"))?;
    rsa(&der, hash, &signature, body)
}

/// A key given as PEM or as bare base64: the base64 alone, whitespace removed.
fn strip_pem(key: &str) -> String {
    key.lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars())
        .filter(|c| !c.is_ascii_whitespace())
        .collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| {
            let digit = |c: u8| (c as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

/// Equal in constant time (for shared tokens and passwords).
pub fn same(a: &str, b: &str) -> bool {
    use sha2::Digest;
    use subtle::ConstantTimeEq;
    Sha256::digest(a.as_bytes()).as_slice().ct_eq(Sha256::digest(b.as_bytes()).as_slice()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailgun_signatures_are_checked_byte_for_byte() {
        let key = "key-7e4d1b2a";
        let mac = hmac_sha256(key.as_bytes(), &[b"1733560000", b"a1b2c3"]).finalize().into_bytes();
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(mailgun(key, "1733560000", "a1b2c3", &hex), Ok(()));
        assert_eq!(mailgun(key, "1733560001", "a1b2c3", &hex), Err(Refused::BadSignature));
        assert_eq!(mailgun("other", "1733560000", "a1b2c3", &hex), Err(Refused::BadSignature));
        assert_eq!(
            mailgun(key, "1733560000", "a1b2c3", "zz"),
            Err(Refused::Malformed("signature.signature"))
        );
    }

    #[test]
    fn svix_takes_any_of_several_v1_signatures() {
        let secret = format!("whsec_{}", BASE64.encode(b"sixteen byte key"));
        let mac = hmac_sha256(b"sixteen byte key", &[b"msg_1.1733560000.{\"a\":1}"])
            .finalize()
            .into_bytes();
        let good = format!("v1,{}", BASE64.encode(mac));
        let body = br#"{"a":1}"#;
        assert_eq!(svix(&secret, "msg_1", "1733560000", &format!("v1,AAAA {good}"), body), Ok(()));
        assert_eq!(svix(&secret, "msg_2", "1733560000", &good, body), Err(Refused::BadSignature));
        assert_eq!(
            svix(&secret, "msg_1", "1733560000", &good, br#"{"a":2}"#),
            Err(Refused::BadSignature)
        );
        assert_eq!(
            svix(&secret, "msg_1", "1733560000", "v2,xyz", body),
            Err(Refused::Malformed("svix-signature"))
        );
    }

    #[test]
    fn staleness_counts_both_ways() {
        assert_eq!(fresh(1000, 1200, 300), Ok(()));
        assert_eq!(fresh(1000, 1400, 300), Err(Refused::Stale(400, 300)));
        assert_eq!(fresh(1400, 1000, 300), Err(Refused::Stale(-400, 300)));
    }

    #[test]
    fn hex_and_pem_forms() {
        assert_eq!(decode_hex("0aFf"), Some(vec![10, 255]));
        assert_eq!(decode_hex("0a f"), None);
        assert_eq!(
            strip_pem("-----BEGIN PUBLIC KEY-----\nAB\nCD\n-----END PUBLIC KEY-----\n"),
            "ABCD"
        );
        assert!(same("secret", "secret") && !same("secret", "secreT"));
    }
}
