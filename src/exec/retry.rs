//! Which failures are tried again and how long to wait first: a node's retry policy (its
//! own, else the flow's setting for its kind) applied to a failure's cause. Pure decisions;
//! the executor schedules the waits (see `executor/attempts.rs`) and batch items wait on
//! their own thread (see `batch.rs`).

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::model::{Flow, Retry, RetryOn};
use crate::nodes::{FailureCause, NodeError};

/// The retry policy in force for the node at `node_index`: its own, else the flow's
/// setting for its kind. `None` (or one attempt) means no retry.
pub(crate) fn policy_for(flow: &Flow, node_index: usize) -> Option<&Retry> {
    let node = flow.nodes.get(node_index)?;
    (node.retry.as_ref())
        .or_else(|| flow.settings.retry.get(&node.kind))
        .filter(|policy| policy.attempts > 1)
}

/// Whether `policy` tries again after `error` (never after a Stop).
pub(crate) fn retries(policy: &Retry, error: &NodeError) -> bool {
    if matches!(error, NodeError::Cancelled) {
        return false;
    }
    if policy.on.is_empty() {
        return true;
    }
    let Some(cause) = error.cause() else {
        return false;
    };
    policy.on.iter().any(|on| matches(*on, cause))
}

fn matches(on: RetryOn, cause: FailureCause) -> bool {
    match (on, cause) {
        (RetryOn::Timeout, FailureCause::Timeout) => true,
        (RetryOn::Exit(want), FailureCause::Exit(code)) => want == code,
        (RetryOn::Http5xx, FailureCause::Http { status, .. }) => (500..=599).contains(&status),
        (RetryOn::Http429, FailureCause::Http { status, .. }) => status == 429,
        _ => false,
    }
}

/// The wait before the next attempt, after `failed` attempts failed (the last with
/// `error`), in milliseconds: the server's `Retry-After` when it gave one, else the
/// policy's backoff with jitter; never more than `max_delay_ms`.
pub(crate) fn delay_ms(policy: &Retry, failed: u32, error: &NodeError) -> u64 {
    if let Some(FailureCause::Http {
        retry_after_ms: Some(wait_ms),
        ..
    }) = error.cause()
    {
        return wait_ms.min(policy.max_delay_ms);
    }
    let base_ms = policy.base_delay_ms(failed);
    let jitter = policy.jitter.clamp(0.0, 1.0);
    if jitter == 0.0 || base_ms == 0 {
        return base_ms;
    }
    // A share from -jitter to +jitter of the wait.
    let shift = (unit_random() * 2.0 - 1.0) * jitter;
    let jittered = (base_ms as f64 * (1.0 + shift)).round();
    (jittered.max(0.0) as u64).min(policy.max_delay_ms)
}

/// A number in [0, 1) that differs between calls (no cryptographic claim: it only spreads
/// retries out). The standard library's hasher keys are random per process and per
/// `RandomState`, and the clock adds the rest.
fn unit_random() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    hasher.write_u32(nanos);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// How a wait reads for people: `500 ms`, `4 s`, `1.5 s`, `2 m 05 s`.
pub fn format_wait_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 && ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        super::format_duration_ms(ms as f64)
    }
}

/// The failure of an attempt stopped at its time limit of `limit_ms`.
pub(crate) fn timed_out(limit_ms: u64) -> NodeError {
    NodeError::failed_with(
        format!("timed out after {}", format_wait_ms(limit_ms)),
        FailureCause::Timeout,
    )
}

/// Parses a time limit written for people: `500ms`, `90s`, `10m`, `1h` (a bare number is
/// seconds).
pub fn parse_time_limit(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a time like 500ms, 90s, 10m or 1h"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}` (use ms, s, m or h)"
            ))
        }
    };
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(format!("`{text}` must be more than zero"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, retry_after_ms: Option<u64>) -> NodeError {
        NodeError::failed_with(
            "HTTP",
            FailureCause::Http {
                status,
                retry_after_ms,
            },
        )
    }

    #[test]
    fn a_policy_limited_to_causes_retries_only_those() {
        let policy = Retry {
            on: vec![RetryOn::Exit(3), RetryOn::Http5xx, RetryOn::Timeout],
            ..Retry::new(3)
        };
        assert!(retries(&policy, &http(503, None)));
        assert!(!retries(&policy, &http(404, None)));
        assert!(!retries(&policy, &http(429, None)));
        let exit = |code| NodeError::failed_with("x", FailureCause::Exit(code));
        assert!(retries(&policy, &exit(3)));
        assert!(!retries(&policy, &exit(1)));
        assert!(retries(&policy, &timed_out(10)));
        assert!(!retries(&policy, &NodeError::failed("no cause")));
        assert!(!retries(&Retry::new(3), &NodeError::Cancelled));
        assert!(retries(&Retry::new(3), &NodeError::failed("any")));
    }

    #[test]
    fn retry_after_wins_over_the_backoff_but_not_over_the_maximum() {
        let policy = Retry {
            delay_ms: 100,
            max_delay_ms: 5000,
            ..Retry::new(3)
        };
        assert_eq!(delay_ms(&policy, 1, &http(429, Some(2000))), 2000);
        assert_eq!(delay_ms(&policy, 1, &http(429, Some(90_000))), 5000);
        assert_eq!(delay_ms(&policy, 2, &http(503, None)), 200);
    }

    #[test]
    fn jitter_stays_within_its_share() {
        let policy = Retry {
            delay_ms: 1000,
            jitter: 0.2,
            ..Retry::new(3)
        };
        let waits: Vec<u64> = (0..200)
            .map(|_| delay_ms(&policy, 1, &NodeError::failed("x")))
            .collect();
        assert!(waits.iter().all(|w| (800..=1200).contains(w)), "{waits:?}");
        assert!(waits.iter().any(|w| *w != waits[0]), "no jitter at all");
    }

    #[test]
    fn time_limits_read_with_units() {
        let secs = |text| parse_time_limit(text).map(|d| d.as_secs_f64());
        assert_eq!(secs("90s"), Ok(90.0));
        assert_eq!(secs("10m"), Ok(600.0));
        assert_eq!(secs("1h"), Ok(3600.0));
        assert_eq!(secs("500ms"), Ok(0.5));
        assert_eq!(secs("2"), Ok(2.0));
        assert!(parse_time_limit("10 parsecs").is_err());
        assert!(parse_time_limit("0s").is_err());
        assert!(parse_time_limit("soon").is_err());
    }

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(format_wait_ms(500), "500 ms");
        assert_eq!(format_wait_ms(4000), "4 s");
        assert_eq!(format_wait_ms(1500), "1.5 s");
        assert_eq!(timed_out(30_000).to_string(), "timed out after 30 s");
    }
}
