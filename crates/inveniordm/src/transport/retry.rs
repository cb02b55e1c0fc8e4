//! The retry policy: which failures are retried, how often and how long to wait. It is the
//! only one in the library: requests, streamed uploads and interrupted download bodies all
//! count their attempts and waits through [`Backoff`].

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;

/// Retry policy: which failures are retried, how often and how long to wait.
///
/// Idempotent requests (GET, PUT, DELETE, HEAD) are retried on network errors (timeouts
/// included) and on 408, 429, 500, 502, 503 and 504. Non-idempotent ones (POST: create,
/// publish, new version, …) are retried only when the server cannot have acted: a connection
/// that was never established, or 429. The wait grows with decorrelated jitter, honours
/// `Retry-After` (seconds or an HTTP date), and stops at `max_elapsed`. A download whose body
/// breaks off is continued within the same limits.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Retries after the first attempt (0 disables retries).
    pub max_retries: u32,
    /// First wait.
    pub base_delay: Duration,
    /// Longest single wait.
    pub max_delay: Duration,
    /// Give up when this much time has passed since the first attempt (for transfers: since
    /// the last attempt that moved bytes).
    pub max_elapsed: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}

/// The state of one operation's retries under a [`RetryConfig`].
#[derive(Debug)]
pub(crate) struct Backoff<'a> {
    cfg: &'a RetryConfig,
    start: Instant,
    delay: Duration,
    attempt: u32,
}

impl<'a> Backoff<'a> {
    pub(crate) fn new(cfg: &'a RetryConfig) -> Self {
        Self {
            cfg,
            start: Instant::now(),
            delay: cfg.base_delay,
            attempt: 0,
        }
    }

    /// Attempts made after the first.
    pub(crate) fn retries(&self) -> u32 {
        self.attempt
    }

    /// Restarts the time budget (a transfer that moved bytes is making progress).
    pub(crate) fn progressed(&mut self) {
        self.start = Instant::now();
    }

    /// The wait before the next attempt, or `None` when the policy is spent. Counts the
    /// attempt.
    pub(crate) fn next(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        let elapsed = self.start.elapsed();
        if self.attempt >= self.cfg.max_retries || elapsed >= self.cfg.max_elapsed {
            return None;
        }
        let wait = next_delay(&mut self.delay, self.cfg, retry_after);
        if elapsed + wait >= self.cfg.max_elapsed {
            return None;
        }
        self.attempt += 1;
        Some(wait)
    }
}

/// Decorrelated jitter: next = random(base, 3 × previous), capped at `max_delay`; a
/// `Retry-After` is honoured (up to five minutes) even above the cap.
pub(crate) fn next_delay(
    delay: &mut Duration,
    retry: &RetryConfig,
    retry_after: Option<Duration>,
) -> Duration {
    let base = retry.base_delay.as_millis() as u64;
    let upper = (delay.as_millis() as u64).saturating_mul(3).max(base + 1);
    let pick = rand::random_range(base..=upper);
    let mut d = Duration::from_millis(pick).min(retry.max_delay);
    *delay = d;
    if let Some(s) = retry_after {
        let s = s.min(Duration::from_secs(300));
        d = d.max(s);
    }
    d
}

/// `Retry-After` as a wait: delta seconds, or an HTTP date (a date in the past is no wait).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(90);
        let date = httpdate::fmt_http_date(later);
        h.insert(RETRY_AFTER, HeaderValue::from_str(&date).expect("header"));
        let wait = retry_after(&h).expect("a date is understood");
        assert!(
            wait > Duration::from_secs(80) && wait <= Duration::from_secs(90),
            "{wait:?}"
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn waits_honour_retry_after_and_the_caps() {
        let cfg = RetryConfig {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            max_elapsed: Duration::from_secs(600),
        };
        let mut b = Backoff::new(&cfg);
        let w = b.next(Some(Duration::from_secs(2))).expect("first retry");
        assert!(w >= Duration::from_secs(2), "Retry-After honoured: {w:?}");
        let w = b.next(None).expect("second retry");
        assert!(w <= Duration::from_millis(40), "capped: {w:?}");
        assert!(b.next(None).is_some());
        assert_eq!(b.next(None), None, "three retries at most");
        assert_eq!(b.retries(), 3);
        let short = RetryConfig {
            max_elapsed: Duration::from_secs(1),
            ..cfg
        };
        let mut b = Backoff::new(&short);
        assert_eq!(
            b.next(Some(Duration::from_secs(5))),
            None,
            "a wait past the time budget is not taken"
        );
    }
}
