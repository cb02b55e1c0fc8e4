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

use reqwest::Method;
use reqwest::header::HeaderMap;

/// The longest a single request is held back.
const MAX_HOLD: Duration = Duration::from_secs(120);

/// The classes of routes a server may give budgets of their own: searches (Zenodo: 30 a
/// minute) and everything else (Zenodo: 1 000 a minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// A search: a `GET` of a collection (records, the user's records, versions,
    /// communities, requests, users).
    Search,
    /// Everything else.
    Other,
}

impl Route {
    /// The class of a request.
    pub(crate) fn of(method: &Method, path: &str) -> Route {
        let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        let collection = matches!(
            last,
            "records" | "versions" | "communities" | "requests" | "users"
        );
        if method == Method::GET && collection {
            Route::Search
        } else {
            Route::Other
        }
    }

    fn index(self) -> usize {
        match self {
            Route::Search => 0,
            Route::Other => 1,
        }
    }
}

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

/// A client's shared request budgets, one per [`Route`] class (shared by every clone of the
/// client).
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    budgets: Mutex<[Budget; 2]>,
}

/// A request's place in its budget: how long it must wait first. Given back when dropped
/// without an answer (a timeout, a cancelled future, an early return), so a request that
/// never came back is never counted as in flight forever.
#[derive(Debug)]
pub(crate) struct Reservation<'a> {
    pacer: &'a Pacer,
    route: Route,
    /// How long to wait before sending.
    pub(crate) wait: Duration,
    settled: bool,
}

impl Reservation<'_> {
    /// Takes the budget the server reported with the answer.
    pub(crate) fn answered(mut self, headers: &HeaderMap) {
        self.settled = true;
        self.pacer.observe(self.route, headers);
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.settled {
            let mut guard = self.pacer.budgets.lock().unwrap_or_else(|e| e.into_inner());
            let b = &mut guard[self.route.index()];
            b.in_flight = b.in_flight.saturating_sub(1);
        }
    }
}

impl Pacer {
    /// Reserves the next request's place in its route's budget.
    pub(crate) fn reserve(&self, route: Route) -> Reservation<'_> {
        let now = Instant::now();
        let mut guard = self.budgets.lock().unwrap_or_else(|e| e.into_inner());
        let budget = &mut guard[route.index()];
        budget.in_flight += 1;
        let wait = match budget.window.as_mut() {
            None => Duration::ZERO,
            Some(w) if now >= w.reset_at => {
                // The window is over; the next answer tells the new one.
                budget.window = None;
                Duration::ZERO
            }
            Some(w) => {
                let slot = w.next_slot.max(now);
                let (slot, interval) = if w.remaining == 0 {
                    // Nothing left: wait for the window to end (and a little more for clock
                    // skew).
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
        };
        Reservation {
            pacer: self,
            route,
            wait,
            settled: false,
        }
    }

    /// Takes the budget the server reported with an answer of this route.
    fn observe(&self, route: Route, headers: &HeaderMap) {
        let mut guard = self.budgets.lock().unwrap_or_else(|e| e.into_inner());
        let budget = &mut guard[route.index()];
        budget.in_flight = budget.in_flight.saturating_sub(1);
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
        let left = remaining.saturating_sub(budget.in_flight);
        let (left, next_slot) = match budget.window {
            // A late answer of a window that is already over tells nothing about this one.
            Some(w) if reset < w.reset => return,
            // Answers of one window arrive out of order: the lowest count is the truest.
            Some(w) if w.reset == reset && w.limit == limit => (w.remaining.min(left), w.next_slot),
            Some(w) => (left, w.next_slot),
            None => (left, now),
        };
        budget.window = Some(Window {
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

    /// A request sent and answered with these headers.
    fn answered(p: &Pacer, route: Route, h: &HeaderMap) -> Duration {
        let r = p.reserve(route);
        let w = r.wait;
        r.answered(h);
        w
    }

    #[test]
    fn plenty_left_means_no_wait() {
        let p = Pacer::default();
        assert_eq!(
            answered(&p, Route::Other, &headers(1000, 900, 60)),
            Duration::ZERO
        );
        for _ in 0..100 {
            assert_eq!(p.reserve(Route::Other).wait, Duration::ZERO);
        }
    }

    #[test]
    fn a_low_budget_is_spread_over_the_window() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(1000, 10, 30));
        let first = p.reserve(Route::Other);
        let second = p.reserve(Route::Other);
        let third = p.reserve(Route::Other);
        assert!(first.wait < Duration::from_millis(100), "{first:?}");
        // Ten requests over about 30 s: about 3 s apart, and each later than the one before.
        assert!(second.wait >= Duration::from_secs(2), "{second:?}");
        assert!(third.wait > second.wait, "{second:?} then {third:?}");
    }

    #[test]
    fn an_empty_budget_waits_for_the_window_to_end() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(30, 0, 5));
        let w = p.reserve(Route::Other).wait;
        // The window ends in 5 s by the server's whole seconds: up to 6 s, and a quarter of a
        // second more for clock skew.
        assert!(
            w > Duration::from_secs(6) && w <= Duration::from_millis(6_250),
            "{w:?}"
        );
    }

    #[test]
    fn a_window_that_ended_holds_nothing_back() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(30, 0, 0));
        std::thread::sleep(Duration::from_millis(1_100));
        assert_eq!(p.reserve(Route::Other).wait, Duration::ZERO);
    }

    #[test]
    fn requests_without_an_answer_yet_count_against_the_budget() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(100, 100, 60));
        // Five sent, none answered; then an answer says five are left: four of them are
        // still on their way, so one is left, for the rest of the minute.
        let flying: Vec<Reservation<'_>> = (0..5).map(|_| p.reserve(Route::Other)).collect();
        let mut it = flying.into_iter();
        it.next().expect("one").answered(&headers(100, 5, 60));
        let next = p.reserve(Route::Other);
        let after = p.reserve(Route::Other);
        assert!(next.wait < Duration::from_millis(100), "{next:?}");
        assert!(after.wait > Duration::from_secs(30), "{after:?}");
    }

    #[test]
    fn spacing_starts_under_a_tenth_of_the_budget() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(100, 10, 60));
        // A tenth left is not yet under a tenth: the first two go at once.
        let waits: Vec<Duration> = (0..2).map(|_| p.reserve(Route::Other).wait).collect();
        assert!(waits.iter().all(|w| w.is_zero()), "{waits:?}");
        assert!(p.reserve(Route::Other).wait > Duration::from_secs(2));
    }

    #[test]
    fn a_later_answer_that_says_the_budget_is_spent_is_heeded() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(100, 90, 60));
        answered(&p, Route::Other, &headers(100, 0, 60));
        assert!(p.reserve(Route::Other).wait > Duration::from_secs(30));
    }

    #[test]
    fn a_stale_count_of_the_same_window_does_not_give_the_budget_back() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(100, 12, 60));
        // Three sent: 9 left locally, under a tenth.
        let flying: Vec<Reservation<'_>> = (0..3).map(|_| p.reserve(Route::Other)).collect();
        let mut it = flying.into_iter();
        // An answer counted before the other two were: 12 less the 2 still in flight is 10.
        it.next().expect("one").answered(&headers(100, 12, 60));
        // The lower count (9) stands: the next request after this one is spaced out.
        let _first = p.reserve(Route::Other);
        assert!(p.reserve(Route::Other).wait > Duration::from_secs(2));
    }

    #[test]
    fn a_reset_in_seconds_from_now_names_the_same_window_as_its_unix_time() {
        let p = Pacer::default();
        let mut relative = HeaderMap::new();
        relative.insert("x-ratelimit-limit", HeaderValue::from(100));
        relative.insert("x-ratelimit-remaining", HeaderValue::from(0));
        relative.insert("x-ratelimit-reset", HeaderValue::from(30));
        let (a, b) = (p.reserve(Route::Other), p.reserve(Route::Other));
        a.answered(&relative);
        // The same window told as a Unix time, with a stale count: still spent.
        b.answered(&headers(100, 50, 30));
        assert!(p.reserve(Route::Other).wait > Duration::from_secs(20));
    }

    #[test]
    fn a_new_window_brings_a_new_budget() {
        let p = Pacer::default();
        let (a, b) = (p.reserve(Route::Other), p.reserve(Route::Other));
        a.answered(&headers(100, 0, 5));
        // The next window (a later reset) has 90 left: nothing of the spent one carries over.
        b.answered(&headers(100, 90, 65));
        assert_eq!(p.reserve(Route::Other).wait, Duration::ZERO);
    }

    #[test]
    fn a_late_answer_of_an_ended_window_does_not_empty_the_current_one() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(100, 90, 60));
        answered(&p, Route::Other, &headers(100, 0, 0));
        assert_eq!(p.reserve(Route::Other).wait, Duration::ZERO);
    }

    #[test]
    fn requests_sent_at_once_share_the_budget() {
        let p = Pacer::default();
        answered(&p, Route::Other, &headers(100, 12, 60));
        // 12 left: the first go at once (the budget is not under a tenth yet), then the
        // rest are spaced over the minute.
        let waits: Vec<Reservation<'_>> = (0..5).map(|_| p.reserve(Route::Other)).collect();
        assert!(
            waits[..3]
                .iter()
                .all(|r| r.wait < Duration::from_millis(100)),
            "{waits:?}"
        );
        assert!(waits[4].wait > Duration::from_secs(5), "{waits:?}");
        // A late answer reporting the old count does not give the spent budget back: the next
        // request is still spaced out.
        let mut it = waits.into_iter();
        it.next().expect("one").answered(&headers(100, 12, 60));
        assert!(p.reserve(Route::Other).wait > Duration::from_secs(5));
    }

    #[test]
    fn cancelled_requests_give_their_place_back() {
        let p = Pacer::default();
        // 100 searches that never got an answer (dropped futures, timeouts, a stream the
        // caller stopped reading): none of them is in flight any more.
        for _ in 0..100 {
            drop(p.reserve(Route::Search));
        }
        // A full window then: its whole budget goes at once.
        answered(&p, Route::Search, &headers(30, 30, 60));
        let waits: Vec<Duration> = (0..3).map(|_| p.reserve(Route::Search).wait).collect();
        assert!(waits.iter().all(|w| w.is_zero()), "{waits:?}");
    }

    #[test]
    fn searches_and_other_requests_have_budgets_of_their_own() {
        let p = Pacer::default();
        // Zenodo's windows, ending together: 30 searches and 1 000 requests a minute.
        answered(&p, Route::Search, &headers(30, 0, 60));
        answered(&p, Route::Other, &headers(1000, 990, 60));
        // Searches wait for their window; nothing else is held to it.
        assert!(p.reserve(Route::Search).wait > Duration::from_secs(30));
        for _ in 0..50 {
            assert_eq!(p.reserve(Route::Other).wait, Duration::ZERO);
        }
        assert_eq!(Route::of(&Method::GET, "/api/records"), Route::Search);
        assert_eq!(Route::of(&Method::GET, "/api/user/records"), Route::Search);
        assert_eq!(Route::of(&Method::GET, "/api/requests/"), Route::Search);
        assert_eq!(Route::of(&Method::GET, "/api/records/abc"), Route::Other);
        assert_eq!(Route::of(&Method::POST, "/api/records"), Route::Other);
    }
}
