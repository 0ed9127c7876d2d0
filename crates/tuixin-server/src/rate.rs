//! Per-token rate limits: a token bucket per token name, refilled at the configured rate; a
//! call past it is answered 429 with the seconds until a call is allowed again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// The buckets of all tokens.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// Calls per second allowed to each token, with bursts of up to `burst` calls.
    pub fn new(per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call from `token`'s bucket at `now`: Ok, or Err(seconds to wait).
    pub fn take(&self, token: &str, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = buckets.entry(token.to_owned()).or_insert((self.burst, now));
        let refill = now.saturating_duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refused_until_the_bucket_refills() {
        let limiter = RateLimiter::new(2, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("a", t0), Ok(()));
        }
        assert_eq!(limiter.take("a", t0), Err(1));
        // Another token has its own bucket.
        assert_eq!(limiter.take("b", t0), Ok(()));
        assert_eq!(limiter.take("a", t0 + Duration::from_millis(500)), Ok(()));
        assert!(limiter.take("a", t0 + Duration::from_millis(500)).is_err());
    }
}
