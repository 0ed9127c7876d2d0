//! `POST /v1/webhooks/{provider}`: ESP webhook calls, each proven genuine its provider's way
//! ([`verify`], [`sns`]), read into records by the core's payload readers, and stored like any
//! other input (a redelivered call adds no event).

pub mod receive;
pub mod sns;
pub mod verify;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use tuixin::esp::Provider;

/// One provider's webhook settings, as `[webhooks.PROVIDER]` in the config file (its `Debug`
/// shows which secrets are set, never their values).
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Mailgun: the HTTP webhook signing key.
    pub signing_key: Option<String>,
    /// Resend (Svix): the endpoint's signing secret, `whsec_...`.
    pub secret: Option<String>,
    /// SendGrid: the verification public key (base64 DER or PEM); Postal: the server's public
    /// key (its DKIM-style `p=` value, or base64 DER, or PEM).
    pub public_key: Option<String>,
    /// Amazon SES over SNS: the topics accepted (all when empty).
    #[serde(default)]
    pub topic_arns: Vec<String>,
    /// Amazon SES over SNS: a regular expression the origin (`scheme://host[:port]`) of
    /// certificate and subscription URLs must match.
    pub host_pattern: Option<String>,
    /// Basic-auth user name the provider must send (with `password`).
    pub username: Option<String>,
    /// Basic-auth password.
    pub password: Option<String>,
    /// A shared secret the provider must send as `Authorization: Bearer TOKEN` or `?token=`.
    pub token: Option<String>,
    /// Seconds a signed timestamp may be from now before the call is refused as a replay.
    pub max_age_secs: Option<i64>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |secret: &Option<String>| secret.as_ref().map(|_| "<set>");
        f.debug_struct("WebhookConfig")
            .field("signing_key", &set(&self.signing_key))
            .field("secret", &set(&self.secret))
            .field("public_key", &self.public_key)
            .field("topic_arns", &self.topic_arns)
            .field("host_pattern", &self.host_pattern)
            .field("username", &self.username)
            .field("password", &set(&self.password))
            .field("token", &set(&self.token))
            .field("max_age_secs", &self.max_age_secs)
            .finish()
    }
}

/// A provider's webhook, ready to check calls.
#[derive(Debug)]
pub struct Webhook {
    /// The provider.
    pub provider: Provider,
    /// Its settings.
    pub config: WebhookConfig,
    /// Seconds a signed timestamp may be off.
    pub max_age: i64,
    /// The SNS checker (Amazon SES only).
    pub sns: Option<sns::Sns>,
    /// Mailgun's signature covers its timestamp and token, not the event: each token seen
    /// within `max_age` is kept with the hash of its body, and the token again with another
    /// body is refused (a redelivery, with the same body, is not).
    seen: std::sync::Mutex<std::collections::HashMap<String, ([u8; 32], i64)>>,
}

/// Mailgun tokens remembered at most (past it, those older than `max_age` are dropped, and if
/// all are newer, all are).
const MAX_SEEN_TOKENS: usize = 100_000;

impl Webhook {
    /// Remembers `token` as signing `body` at `now`; false when it already signed another body.
    pub fn first_use(&self, token: &str, body: &[u8], now: i64) -> bool {
        use sha2::Digest;
        let hash: [u8; 32] = sha2::Sha256::digest(body).into();
        let mut seen = self.seen.lock().expect("token cache");
        if seen.len() >= MAX_SEEN_TOKENS {
            let max_age = self.max_age;
            seen.retain(|_, (_, at)| now - *at <= max_age);
            if seen.len() >= MAX_SEEN_TOKENS {
                seen.clear();
            }
        }
        match seen.get(token) {
            Some((known, _)) => *known == hash,
            None => {
                seen.insert(token.to_owned(), (hash, now));
                true
            }
        }
    }
}

/// The configured webhooks, by provider.
#[derive(Debug, Clone, Default)]
pub struct Webhooks(Arc<BTreeMap<Provider, Webhook>>);

/// A `[webhooks]` section that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[webhooks.{provider}]: {why}")]
pub struct WebhookConfigError {
    /// The section's provider name.
    pub provider: String,
    /// What is wrong.
    pub why: String,
}

impl Webhooks {
    /// The webhooks of a config's `[webhooks.*]` sections, each checked for what its scheme
    /// needs: a provider without a signature scheme needs basic auth or a token.
    pub fn from_config(
        sections: &BTreeMap<String, WebhookConfig>,
    ) -> Result<Webhooks, WebhookConfigError> {
        let mut out = BTreeMap::new();
        for (name, config) in sections {
            let error =
                |why: &str| WebhookConfigError { provider: name.clone(), why: why.to_owned() };
            let provider: Provider = name.parse().map_err(|_| {
                let known: Vec<&str> = Provider::ALL.iter().map(|p| p.name()).collect();
                error(&format!("unknown provider; known: {}", known.join(", ")))
            })?;
            if config.username.is_some() != config.password.is_some() {
                return Err(error("username and password go together"));
            }
            let shared = config.password.is_some() || config.token.is_some();
            let needs = |field: &Option<String>, what: &str| {
                if field.as_deref().is_none_or(|v| v.trim().is_empty()) {
                    Err(error(&format!("{what} is required")))
                } else {
                    Ok(())
                }
            };
            match provider {
                Provider::Mailgun => needs(&config.signing_key, "signing_key")?,
                Provider::Resend => needs(&config.secret, "secret (whsec_...)")?,
                Provider::SendGrid | Provider::Postal => needs(&config.public_key, "public_key")?,
                Provider::Ses => {}
                _ if shared => {}
                _ => {
                    return Err(error(
                        "username and password, or token, are required (the provider signs nothing)",
                    ));
                }
            }
            let sns = match provider {
                Provider::Ses => Some(
                    sns::Sns::new(
                        config.host_pattern.as_deref().unwrap_or(sns::DEFAULT_HOST_PATTERN),
                    )
                    .map_err(|e| error(&e))?,
                ),
                _ => None,
            };
            let max_age = config.max_age_secs.unwrap_or(match provider {
                // SNS signs once and retries with the same signature for up to an hour.
                Provider::Ses => 3_600,
                // Svix's own libraries allow five minutes.
                Provider::Resend => 300,
                _ => 900,
            });
            if max_age <= 0 {
                return Err(error("max_age_secs must be above 0"));
            }
            out.insert(
                provider,
                Webhook {
                    provider,
                    config: config.clone(),
                    max_age,
                    sns,
                    seen: Default::default(),
                },
            );
        }
        Ok(Webhooks(Arc::new(out)))
    }

    /// The webhook configured for `provider`.
    pub fn get(&self, provider: Provider) -> Option<&Webhook> {
        self.0.get(&provider)
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let config = WebhookConfig {
            signing_key: Some("key-very-secret".into()),
            secret: Some("whsec_also-secret".into()),
            password: Some("hunter2".into()),
            token: Some("tok-secret".into()),
            username: Some("hook".into()),
            ..WebhookConfig::default()
        };
        let webhooks =
            Webhooks::from_config(&BTreeMap::from([("mailgun".to_owned(), config.clone())]))
                .unwrap();
        for shown in [format!("{config:?}"), format!("{webhooks:?}")] {
            for secret in ["key-very-secret", "whsec_also-secret", "hunter2", "tok-secret"] {
                assert!(!shown.contains(secret), "{shown}");
            }
            assert!(shown.contains("hook") && shown.contains("<set>"), "{shown}");
        }
    }
}
