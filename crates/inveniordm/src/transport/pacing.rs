//! Rate pacing from the server's `X-RateLimit-*` headers.
//!
//! InvenioRDM (flask-limiter) sends `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (the end of the window, in Unix seconds) on every answer. While plenty
//! of the budget is left nothing is delayed. When less than a tenth is left, the remaining
//! requests are spread evenly over what is left of the window, and when none is left the
//! next request waits for the window to end. The budget is one per client and counted locally
//! between answers, so concurrent requests share it instead of each spending it.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// The longest a single request is held back.
const MAX_HOLD: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy)]
struct Window {
    limit: u64,
    remaining: u64,
    /// The server's end of the window (Unix seconds): the same value means the same window.
    reset: u64,
    reset_at: Instant,
    /// The earliest moment the next request may go.
    next_slot: Instant,
}

#[derive(Debug, Default)]
struct Budget {
    window: Option<Window>,
    /// Requests sent and not answered yet: the server has not counted them in the
    /// `Remaining` it reports, but will.
    in_flight: u64,
}

/// A client's shared request budget.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    budget: Mutex<Budget>,
}

impl Pacer {
    /// How long the next request has to wait; reserves its place in the budget.
    pub(crate) fn reserve(&self) -> Duration {
        let now = Instant::now();
        let mut guard = self.budget.lock().unwrap_or_else(|e| e.into_inner());
        guard.in_flight += 1;
        let Some(w) = guard.window.as_mut() else {
            return Duration::ZERO;
        };
        if now >= w.reset_at {
            // The window is over; the next answer tells the new one.
            guard.window = None;
            return Duration::ZERO;
        }
        let slot = w.next_slot.max(now);
        let (slot, interval) = if w.remaining == 0 {
            // Nothing left: wait for the window to end (and a little more for clock skew).
            (w.reset_at + Duration::from_millis(250), Duration::ZERO)
        } else if w.remaining.saturating_mul(10) < w.limit.max(1) {
            let left = w.reset_at.saturating_duration_since(slot);
            (slot, left / (w.remaining as u32).max(1))
        } else {
            (slot, Duration::ZERO)
        };
        w.remaining = w.remaining.saturating_sub(1);
        w.next_slot = slot + interval;
        slot.saturating_duration_since(now).min(MAX_HOLD)
    }

    /// A request failed without an answer: it is no longer in flight.
    pub(crate) fn forget(&self) {
        let mut guard = self.budget.lock().unwrap_or_else(|e| e.into_inner());
        guard.in_flight = guard.in_flight.saturating_sub(1);
    }

    /// Takes the budget the server reported with an answer.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let mut guard = self.budget.lock().unwrap_or_else(|e| e.into_inner());
        guard.in_flight = guard.in_flight.saturating_sub(1);
        let num = |name: &str| -> Option<u64> {
            headers
                .get(name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
                .map(|f| f as u64)
        };
        let (Some(limit), Some(remaining), Some(reset)) = (
            num("x-ratelimit-limit"),
            num("x-ratelimit-remaining"),
            num("x-ratelimit-reset"),
        ) else {
            return;
        };
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        // A Unix time, or (some servers) seconds from now.
        let (reset, secs_left) = if reset > 1_000_000_000 {
            (reset, reset.saturating_sub(now_unix))
        } else {
            (now_unix + reset, reset)
        };
        let now = Instant::now();
        // Whole seconds round down, so the window is taken to end up to a second late: safe.
        let reset_at = now + Duration::from_secs(secs_left.min(3600) + 1);
        // What is left once the requests still in flight are counted too.
        let left = remaining.saturating_sub(guard.in_flight);
        let (left, next_slot) = match guard.window {
            // A late answer of a window that is already over tells nothing about this one.
            Some(w) if reset < w.reset => return,
            // Answers of one window arrive out of order: the lowest count is the truest.
            Some(w) if w.reset == reset => (w.remaining.min(left), w.next_slot),
            Some(w) => (left, w.next_slot),
            None => (left, now),
        };
        guard.window = Some(Window {
            limit,
            remaining: left,
            reset,
            reset_at,
            next_slot,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(limit: u64, remaining: u64, reset_in: u64) -> HeaderMap {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from(limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(now + reset_in));
        h
    }

    #[test]
    fn plenty_left_means_no_wait() {
        let p = Pacer::default();
        assert_eq!(p.reserve(), Duration::ZERO, "nothing known yet");
        p.observe(&headers(1000, 900, 60));
        for _ in 0..100 {
            assert_eq!(p.reserve(), Duration::ZERO);
        }
    }

    #[test]
    fn a_low_budget_is_spread_over_the_window() {
        let p = Pacer::default();
        p.observe(&headers(1000, 10, 30));
        let first = p.reserve();
        let second = p.reserve();
        let third = p.reserve();
        assert!(first < Duration::from_millis(100), "{first:?}");
        // Ten requests over about 30 s: about 3 s apart, and each later than the one before.
        assert!(second >= Duration::from_secs(2), "{second:?}");
        assert!(third > second, "{second:?} then {third:?}");
    }

    #[test]
    fn an_empty_budget_waits_for_the_window_to_end() {
        let p = Pacer::default();
        p.observe(&headers(30, 0, 5));
        let w = p.reserve();
        assert!(
            w >= Duration::from_secs(3) && w <= Duration::from_secs(7),
            "{w:?}"
        );
    }

    #[test]
    fn a_late_answer_of_an_ended_window_is_ignored() {
        let p = Pacer::default();
        p.observe(&headers(100, 90, 60));
        let now_window = p.budget.lock().expect("lock").window.expect("window").reset;
        p.observe(&headers(100, 0, 0));
        let w = p.budget.lock().expect("lock").window.expect("window");
        assert_eq!(w.reset, now_window, "the current window stays");
        assert_eq!(w.remaining, 90);
    }

    #[test]
    fn concurrent_requests_share_the_budget() {
        let p = Pacer::default();
        p.observe(&headers(100, 12, 60));
        // 12 left: the first four go at once (the budget is not under a tenth yet), then the
        // rest are spaced over the minute.
        let waits: Vec<Duration> = (0..5).map(|_| p.reserve()).collect();
        assert!(
            waits[..4].iter().all(|w| *w < Duration::from_millis(100)),
            "{waits:?}"
        );
        assert!(waits[4] > Duration::from_secs(5), "{waits:?}");
        // A late answer reporting more than the local count does not give the budget back.
        p.observe(&headers(100, 12, 60));
        let w = p.budget.lock().expect("lock").window.expect("window");
        // 12 reported, 4 of the 5 sent still in flight when the answer came: 8 left at most,
        // and the local count (7) is lower still.
        assert_eq!(w.remaining, 7);
    }
}
