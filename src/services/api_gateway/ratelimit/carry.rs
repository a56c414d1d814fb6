//! What a configuration reload does to the clients' buckets, so that a
//! client cannot reset its limit by timing a reload:
//!
//! - a bucket whose quota is unchanged is kept exactly as it was;
//! - a bucket whose quota changed keeps the requests it still counts (under
//!   the old quota), re-counted under the new one and clamped to the new
//!   burst: a client that sent 10 requests of a `100/1m` quota a second ago
//!   and now falls under `3/1m` is at its limit, one that falls under
//!   `1000/1m` has 990 left;
//! - a bucket whose route rule is gone (or that is full again) is dropped.
//!
//! Route rules are matched across a reload by method and prefix, not by
//! their position in the list. Pure: time comes in as an argument.

use super::{Gcra, Policy};

/// The bucket key of a client (`who`) under a route rule (`None`: the
/// default quota): `d|who` or `r<i>|who`.
pub fn key(rule: Option<usize>, who: &str) -> String {
    match rule {
        Some(i) => format!("r{i}|{who}"),
        None => format!("d|{who}"),
    }
}

/// Splits a bucket key into its rule and client; `None` for a key this
/// module did not make.
pub fn parse_key(key: &str) -> Option<(Option<usize>, &str)> {
    let (rule, who) = key.split_once('|')?;
    match rule {
        "d" => Some((None, who)),
        _ => Some((Some(rule.strip_prefix('r')?.parse().ok()?), who)),
    }
}

/// The quota of `rule` under `policy` (`None`: the default).
fn quota(policy: &Policy, rule: Option<usize>) -> Option<Gcra> {
    match rule {
        None => Some(policy.default),
        Some(i) => policy.routes.get(i).map(|(_, g)| *g),
    }
}

/// The rule of `new` that takes over `rule` of `old`: the default stays
/// the default, a route rule is the new rule with the same method and
/// prefix. `None`: the rule is gone.
pub fn map_rule(old: &Policy, new: &Policy, rule: Option<usize>) -> Option<Option<usize>> {
    let Some(i) = rule else {
        return Some(None);
    };
    let (r, _) = old.routes.get(i)?;
    let same = |x: &crate::config::RouteLimit| {
        x.method == r.method && x.prefix.trim_end_matches('/') == r.prefix.trim_end_matches('/')
    };
    new.routes.iter().position(|(x, _)| same(x)).map(Some)
}

/// The requests a bucket with theoretical arrival time `tat` still counts
/// at `now` under `gcra` (rounded up: a part-refilled request still counts).
pub fn counted(gcra: Gcra, tat: u64, now: u64) -> u64 {
    tat.saturating_sub(now).div_ceil(gcra.period_ns.max(1))
}

/// A bucket's `tat` under quota `old` carried to quota `new` at `now`;
/// `None` when the bucket is full (there is nothing to carry).
pub fn carry_tat(old: Gcra, new: Gcra, tat: u64, now: u64) -> Option<u64> {
    if tat <= now {
        return None;
    }
    if old == new {
        return Some(tat);
    }
    let n = counted(old, tat, now).min(new.burst);
    Some(now.saturating_add(n.saturating_mul(new.period_ns)))
}

/// Carries every bucket of `old` to `new` at `now`: the `(key, tat)` pairs
/// the new limiter starts with.
pub fn carry<'a>(
    old: &Policy,
    new: &Policy,
    buckets: impl IntoIterator<Item = (&'a str, u64)>,
    now: u64,
) -> Vec<(String, u64)> {
    buckets
        .into_iter()
        .filter_map(|(k, tat)| {
            let (rule, who) = parse_key(k)?;
            let to = map_rule(old, new, rule)?;
            let tat = carry_tat(quota(old, rule)?, quota(new, to)?, tat, now)?;
            Some((key(to, who), tat))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::super::Decision;
    use super::*;
    use crate::config::{RateLimitConfig, RouteLimit};

    const S: u64 = 1_000_000_000;

    fn policy(max: u64, window_s: u64, routes: &[&str]) -> Policy {
        Policy::new(&RateLimitConfig {
            max_requests: max,
            window: Duration::from_secs(window_s),
            by_ip: true,
            by_api_key: true,
            routes: routes
                .iter()
                .map(|s| RouteLimit::parse(s).unwrap())
                .collect(),
        })
    }

    /// Sends requests at `times` (absolute), returning which were allowed
    /// and the final `tat`.
    fn run(g: Gcra, mut tat: Option<u64>, times: &[u64]) -> (Vec<bool>, Option<u64>) {
        let mut out = Vec::new();
        for &t in times {
            let (d, next) = g.check(tat, t);
            let ok = matches!(d, Decision::Allow { .. });
            if ok {
                tat = Some(next);
            }
            out.push(ok);
        }
        (out, tat)
    }

    fn times(start: u64, gaps: &[u64]) -> Vec<u64> {
        gaps.iter()
            .scan(start, |t, g| {
                *t += g;
                Some(*t)
            })
            .collect()
    }

    #[test]
    fn keys_round_trip() {
        assert_eq!(parse_key(&key(None, "sub:a|b")), Some((None, "sub:a|b")));
        assert_eq!(
            parse_key(&key(Some(12), "ip:::1")),
            Some((Some(12), "ip:::1"))
        );
        assert_eq!(parse_key("x|y"), None);
        assert_eq!(parse_key("nobar"), None);
    }

    #[test]
    fn rules_follow_their_method_and_prefix_not_their_position() {
        let old = policy(
            3,
            60,
            &["POST /api/v1/games=1/1m", "/api/v1/consensus/=2/1m"],
        );
        let new = policy(
            3,
            60,
            &[
                "GET /x=5/1s",
                "/api/v1/consensus=2/1m",
                "/api/v1/games=1/1m",
            ],
        );
        assert_eq!(map_rule(&old, &new, None), Some(None));
        assert_eq!(map_rule(&old, &new, Some(1)), Some(Some(1)));
        // `POST /api/v1/games` is gone (a rule without a method is another rule).
        assert_eq!(map_rule(&old, &new, Some(0)), None);
        assert_eq!(map_rule(&old, &new, Some(7)), None);
    }

    #[test]
    fn a_tighter_quota_counts_the_requests_already_sent() {
        let now = 1000 * S;
        // 10 requests of 100/1m in the last moment: 10 still count.
        let old = Gcra::new(100, Duration::from_secs(60));
        let (_, tat) = run(old, None, &[now; 10]);
        let tat = tat.unwrap();
        assert_eq!(counted(old, tat, now), 10);
        // Under 3/1m the client is at its limit…
        let tight = Gcra::new(3, Duration::from_secs(60));
        let carried = carry_tat(old, tight, tat, now);
        assert_eq!(
            tight.check(carried, now).0,
            Decision::Deny { wait_ns: 20 * S }
        );
        // …under 1000/1m it has 990 left.
        let loose = Gcra::new(1000, Duration::from_secs(60));
        let carried = carry_tat(old, loose, tat, now);
        assert_eq!(
            loose.check(carried, now).0,
            Decision::Allow { remaining: 989 }
        );
        // A full bucket carries nothing.
        assert_eq!(carry_tat(old, tight, tat, now + 60 * S), None);
    }

    proptest! {
        /// An unchanged quota: a reload anywhere in a run of requests
        /// changes no decision, whatever happened to the other rules.
        #[test]
        fn an_unchanged_quota_keeps_every_decision(
            max in 1u64..20, window_s in 1u64..120,
            gaps in proptest::collection::vec(0u64..3 * S, 1..200),
            at in 0usize..200, reorder in any::<bool>(),
        ) {
            let rule = format!("POST /api/v1/games={max}/{window_s}s");
            let old = policy(7, 60, &["/a=1/1s", &rule]);
            let new = if reorder {
                policy(9, 10, &[&rule, "/b=4/1m"])
            } else {
                policy(7, 60, &["/a=2/1s", &rule])
            };
            let g = old.routes[1].1;
            let ts = times(5 * S, &gaps);
            let at = at.min(ts.len());
            let (want, _) = run(g, None, &ts);
            let (mut got, tat) = run(g, None, &ts[..at]);
            let reload = ts[..at].last().copied().unwrap_or(5 * S);
            let k = key(Some(1), "sub:alice");
            let carried = carry(&old, &new, tat.map(|t| (k.as_str(), t)), reload);
            let to = new.routes.iter().position(|(r, _)| r.method.as_deref() == Some("POST")).unwrap();
            let tat = carried.iter().find(|(k, _)| *k == key(Some(to), "sub:alice")).map(|(_, t)| *t);
            prop_assert_eq!(tat.is_some(), carried.len() == 1);
            let (after, _) = run(new.routes[to].1, tat, &ts[at..]);
            got.extend(after);
            prop_assert_eq!(got, want);
        }

        /// A changed quota: right after the reload the client has the new
        /// burst less the requests the old quota still counted (never less
        /// than nothing), and from then on it never gets more than a fresh
        /// client under the new quota would.
        #[test]
        fn a_changed_quota_carries_what_was_counted(
            old_max in 1u64..50, old_s in 1u64..120, new_max in 1u64..50, new_s in 1u64..120,
            before in proptest::collection::vec(0u64..S, 0..100),
            after in proptest::collection::vec(0u64..3 * S, 1..100),
        ) {
            let old = Gcra::new(old_max, Duration::from_secs(old_s));
            let new = Gcra::new(new_max, Duration::from_secs(new_s));
            prop_assume!(old != new);
            let ts = times(5 * S, &before);
            let (_, tat) = run(old, None, &ts);
            let now = ts.last().copied().unwrap_or(5 * S);
            let carried = tat.and_then(|t| carry_tat(old, new, t, now));
            let counted = tat.map(|t| counted(old, t, now)).unwrap_or(0);
            prop_assert!(carried.is_none_or(|t| t <= now + new.period_ns * new.burst));
            let burst = run(new, carried, &vec![now; 100]).0.iter().filter(|ok| **ok).count() as u64;
            prop_assert_eq!(burst, new.burst.saturating_sub(counted));
            let later = times(now, &after);
            let (with, _) = run(new, carried, &later);
            let (fresh, _) = run(new, None, &later);
            let n = |v: &[bool]| v.iter().filter(|ok| **ok).count();
            prop_assert!(n(&with) <= n(&fresh));
        }
    }
}
