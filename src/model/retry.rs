//! A node's retry policy: how many attempts, how long to wait between them, and which
//! failures are worth another attempt. Written on a node (`retry: Some(Retry(..))`) or as a
//! flow setting for every node of a kind; the executor applies it (see `exec::retry`).

use serde::{Deserialize, Serialize};

/// How a failing step is tried again.
///
/// The wait before attempt `n + 1` (after `n` failed) is `delay_ms * factor^(n-1)`, at most
/// `max_delay_ms`, then moved by up to `jitter` of itself either way. An HTTP failure that
/// says `Retry-After` waits that long instead (still at most `max_delay_ms`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// How many attempts in all, the first included (1: no retry).
    pub attempts: u32,
    /// The wait before the second attempt, in milliseconds.
    #[serde(default = "default_delay_ms")]
    pub delay_ms: u64,
    /// Each further wait is the previous one times this (1.0: a fixed delay).
    #[serde(default = "default_factor")]
    pub factor: f64,
    /// No wait is longer than this, in milliseconds.
    #[serde(default = "default_max_delay_ms")]
    pub max_delay_ms: u64,
    /// A fraction from 0 to 1: each wait is moved at random by up to this share of itself,
    /// so retries from many steps do not arrive together.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub jitter: f64,
    /// The failures that are retried; empty: any failure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<RetryOn>,
}

/// A kind of failure a retry policy may be limited to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetryOn {
    /// The step ran past its `timeout_ms`.
    Timeout,
    /// A command exited with this code.
    Exit(i32),
    /// An HTTP server answered with a 5xx status.
    Http5xx,
    /// An HTTP server answered 429 Too Many Requests.
    Http429,
}

fn default_delay_ms() -> u64 {
    1000
}

fn default_factor() -> f64 {
    2.0
}

fn default_max_delay_ms() -> u64 {
    60_000
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

impl Retry {
    /// A policy of `attempts` attempts with the default waits (1 s, doubling, at most 60 s).
    pub fn new(attempts: u32) -> Self {
        Self {
            attempts,
            delay_ms: default_delay_ms(),
            factor: default_factor(),
            max_delay_ms: default_max_delay_ms(),
            jitter: 0.0,
            on: Vec::new(),
        }
    }

    /// The wait before the attempt after `failed` failed attempts (from 1), before jitter,
    /// in milliseconds.
    pub fn base_delay_ms(&self, failed: u32) -> u64 {
        let exponent = failed.saturating_sub(1).min(1024) as i32;
        let delay = self.delay_ms as f64 * self.factor.max(0.0).powi(exponent);
        let capped = delay.min(self.max_delay_ms as f64);
        if capped.is_finite() && capped > 0.0 {
            capped.round() as u64
        } else {
            0
        }
    }

    /// The policy's problems, for people (empty when it is valid).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.attempts == 0 {
            problems.push("`attempts` must be at least 1".to_owned());
        }
        if !(self.factor.is_finite() && self.factor >= 1.0) {
            problems.push(format!("`factor` must be 1.0 or more, not {}", self.factor));
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            problems.push(format!(
                "`jitter` must be from 0.0 to 1.0, not {}",
                self.jitter
            ));
        }
        if self.max_delay_ms < self.delay_ms {
            problems.push(format!(
                "`max_delay_ms` ({}) is below `delay_ms` ({})",
                self.max_delay_ms, self.delay_ms
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_by_the_factor_up_to_the_maximum() {
        let retry = Retry {
            delay_ms: 500,
            factor: 2.0,
            max_delay_ms: 3000,
            ..Retry::new(10)
        };
        let waits: Vec<u64> = (1..=6).map(|n| retry.base_delay_ms(n)).collect();
        assert_eq!(waits, [500, 1000, 2000, 3000, 3000, 3000]);
    }

    #[test]
    fn a_huge_attempt_count_does_not_overflow_the_wait() {
        let retry = Retry::new(u32::MAX);
        assert_eq!(retry.base_delay_ms(u32::MAX), 60_000);
    }

    #[test]
    fn bad_values_are_named() {
        let retry = Retry {
            attempts: 0,
            factor: 0.5,
            jitter: 2.0,
            delay_ms: 10,
            max_delay_ms: 5,
            on: Vec::new(),
        };
        let problems = retry.problems().join("; ");
        for field in ["attempts", "factor", "jitter", "max_delay_ms"] {
            assert!(problems.contains(field), "{problems}");
        }
        assert!(Retry::new(3).problems().is_empty());
    }
}
