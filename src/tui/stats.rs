//! Rates and percentiles from two successive snapshots (pure): CPU per pid,
//! requests and errors per second, p50/p99 latency per instance and of the
//! gateway, consensus commit latency and blocks per second.

use std::collections::BTreeMap;

use super::data::{Fetched, Snapshot};
use super::procfs;
use super::prom::{Buckets, Sample, Scrape};

const REQUESTS: &str = "bitcraps_http_requests_total";
const LATENCY: &str = "bitcraps_http_request_duration_seconds";
const UPSTREAM_RESPONSES: &str = "bitcraps_gateway_upstream_responses_total";
const COMMIT_LATENCY: &str = "bitcraps_consensus_commit_latency_seconds";

/// Requests per second and latency percentiles (seconds) over an interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    pub per_second: Option<f64>,
    pub errors_per_second: Option<f64>,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
}

/// Everything computed from the last two snapshots.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    /// CPU percent of one core, by pid.
    pub cpu: BTreeMap<u32, f64>,
    /// API traffic the gateway served.
    pub gateway: Rates,
    /// By instance address (`127.0.0.1:8081`): requests the gateway sent
    /// there per second, and the instance's own latency percentiles.
    pub instances: BTreeMap<String, Rates>,
    pub commit_p50: Option<f64>,
    pub commit_p99: Option<f64>,
    pub blocks_per_second: Option<f64>,
}

/// Routes that carry users' traffic: not the probes and scrapes the
/// supervisor, the gateway and this dashboard make themselves.
fn is_api(s: &Sample) -> bool {
    s.label("route")
        .is_some_and(|r| !r.starts_with("/health") && r != "/metrics")
}

fn is_5xx(s: &Sample) -> bool {
    s.label("status").is_some_and(|c| c.starts_with('5'))
}

/// `(later - earlier) / seconds`, `None` across a counter reset.
fn rate(earlier: f64, later: f64, seconds: f64) -> Option<f64> {
    (seconds > 0.0 && later >= earlier).then(|| (later - earlier) / seconds)
}

fn both<'a>(
    a: Option<&'a Fetched<Scrape>>,
    b: Option<&'a Fetched<Scrape>>,
) -> Option<(&'a Scrape, &'a Scrape)> {
    match (a?, b?) {
        (Ok(x), Ok(y)) => Some((x, y)),
        _ => None,
    }
}

/// Percentiles of the requests served between two scrapes.
fn latency(prev: &Scrape, cur: &Scrape) -> (Option<f64>, Option<f64>) {
    let d = cur
        .buckets(LATENCY, is_api)
        .since(&prev.buckets(LATENCY, is_api));
    (d.quantile(0.5), d.quantile(0.99))
}

/// Adds two sets of cumulative buckets with the same bounds.
fn plus(a: &Buckets, b: &Buckets) -> Buckets {
    if a.0.is_empty() {
        return b.clone();
    }
    Buckets(
        a.0.iter()
            .map(|(le, n)| {
                let m = b.0.iter().find(|(l, _)| l == le).map_or(0.0, |(_, m)| *m);
                (*le, n + m)
            })
            .collect(),
    )
}

pub fn derive(prev: &Snapshot, cur: &Snapshot) -> Derived {
    let seconds = cur.at_ms.saturating_sub(prev.at_ms) as f64 / 1000.0;
    let mut d = Derived::default();
    if seconds <= 0.0 {
        return d;
    }
    for (pid, now) in &cur.procs {
        if let Some(before) = prev.procs.get(pid)
            && let Some(p) = procfs::cpu_percent(before.cpu_ticks, now.cpu_ticks, seconds)
        {
            d.cpu.insert(*pid, p);
        }
    }
    if let Some((p, c)) = both(prev.scrapes.get("gateway"), cur.scrapes.get("gateway")) {
        let (p50, p99) = latency(p, c);
        d.gateway = Rates {
            per_second: rate(p.sum(REQUESTS, is_api), c.sum(REQUESTS, is_api), seconds),
            errors_per_second: rate(
                p.sum(REQUESTS, |s| is_api(s) && is_5xx(s)),
                c.sum(REQUESTS, |s| is_api(s) && is_5xx(s)),
                seconds,
            ),
            p50,
            p99,
        };
        // Every instance the gateway reports, and every one it has counted:
        // an instance that got no request in the interval shows 0/s.
        let mut addrs: Vec<String> = c
            .samples
            .iter()
            .filter(|s| s.name == UPSTREAM_RESPONSES)
            .filter_map(|s| s.label("instance").map(str::to_string))
            .collect();
        if let Ok(groups) = &cur.upstreams {
            addrs.extend(
                groups
                    .iter()
                    .flat_map(|g| g.instances.iter().map(|i| i.addr.clone())),
            );
        }
        addrs.sort();
        addrs.dedup();
        for addr in addrs {
            let of = |s: &Sample| s.label("instance") == Some(addr.as_str());
            let r = rate(
                p.sum(UPSTREAM_RESPONSES, of),
                c.sum(UPSTREAM_RESPONSES, of),
                seconds,
            );
            d.instances.entry(addr.clone()).or_default().per_second = r;
        }
    }
    let mut commits = Buckets::default();
    for e in &cur.endpoints {
        let Some((p, c)) = both(prev.scrapes.get(&e.name), cur.scrapes.get(&e.name)) else {
            continue;
        };
        if c.has(&format!("{LATENCY}_bucket")) {
            let (p50, p99) = latency(p, c);
            let r = d.instances.entry(e.addr.to_string()).or_default();
            r.p50 = p50;
            r.p99 = p99;
        }
        let b = c
            .buckets(COMMIT_LATENCY, |_| true)
            .since(&p.buckets(COMMIT_LATENCY, |_| true));
        commits = plus(&commits, &b);
    }
    d.commit_p50 = commits.quantile(0.5);
    d.commit_p99 = commits.quantile(0.99);
    if let (Ok(a), Ok(b)) = (&prev.consensus, &cur.consensus) {
        d.blocks_per_second = rate(a.height as f64, b.height as f64, seconds);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::plan::ServiceKind;
    use crate::tui::data::{ConsensusStatus, Endpoint};
    use crate::tui::procfs::ProcSample;

    fn gateway_metrics(api: u64, errors: u64, health: u64, to_engine: u64, slow: u64) -> String {
        format!(
            "bitcraps_http_requests_total{{method=\"GET\",route=\"/api/v1/games\",status=\"200\"}} {api}\n\
             bitcraps_http_requests_total{{method=\"GET\",route=\"/api/v1/games/{{id}}\",status=\"503\"}} {errors}\n\
             bitcraps_http_requests_total{{method=\"GET\",route=\"/health\",status=\"200\"}} {health}\n\
             bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/games\",le=\"0.01\"}} {fast}\n\
             bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/games\",le=\"0.1\"}} {all}\n\
             bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/games\",le=\"+Inf\"}} {all}\n\
             bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/health\",le=\"0.01\"}} {health}\n\
             bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/health\",le=\"+Inf\"}} {health}\n\
             bitcraps_gateway_upstream_responses_total{{upstream=\"game_engine\",instance=\"127.0.0.1:8081\",outcome=\"ok\"}} {to_engine}\n\
             bitcraps_gateway_upstream_responses_total{{upstream=\"game_engine\",instance=\"127.0.0.1:8081\",outcome=\"error\"}} 1\n",
            fast = api + errors - slow,
            all = api + errors,
        )
    }

    fn validator_metrics(fast: u64, slow: u64) -> String {
        format!(
            "bitcraps_consensus_commit_latency_seconds_bucket{{le=\"0.01\"}} {fast}\n\
             bitcraps_consensus_commit_latency_seconds_bucket{{le=\"0.1\"}} {all}\n\
             bitcraps_consensus_commit_latency_seconds_bucket{{le=\"+Inf\"}} {all}\n",
            all = fast + slow
        )
    }

    fn snap(at_ms: u64, gw: String, v: String, height: u64, ticks: u64) -> Snapshot {
        let mut s = Snapshot::empty(at_ms);
        s.endpoints = vec![
            Endpoint {
                name: "gateway".into(),
                kind: ServiceKind::Gateway,
                addr: "127.0.0.1:8080".parse().unwrap(),
            },
            Endpoint {
                name: "validator-0".into(),
                kind: ServiceKind::Consensus,
                addr: "127.0.0.1:8082".parse().unwrap(),
            },
        ];
        s.scrapes.insert("gateway".into(), Ok(Scrape::parse(&gw)));
        s.scrapes
            .insert("validator-0".into(), Ok(Scrape::parse(&v)));
        s.consensus = Ok(ConsensusStatus {
            height,
            ..Default::default()
        });
        s.procs.insert(
            7,
            ProcSample {
                cpu_ticks: ticks,
                rss_bytes: 1,
            },
        );
        s
    }

    #[test]
    fn rates_and_percentiles_come_from_the_difference_of_two_scrapes() {
        let a = snap(
            1_000,
            gateway_metrics(100, 0, 50, 100, 0),
            validator_metrics(10, 0),
            5,
            100,
        );
        // Two seconds later: 20 more API requests (4 of them 503s, 2 slow),
        // 40 health probes that must not count, 10 more commits of which 1 slow.
        let b = snap(
            3_000,
            gateway_metrics(116, 4, 90, 118, 2),
            validator_metrics(19, 1),
            9,
            150,
        );
        let d = derive(&a, &b);
        assert_eq!(d.gateway.per_second, Some(10.0));
        assert_eq!(d.gateway.errors_per_second, Some(2.0));
        // 18 of 20 under 10 ms: the median interpolates inside the first bucket.
        let p50 = d.gateway.p50.unwrap();
        assert!((p50 - 0.01 * 10.0 / 18.0).abs() < 1e-9, "{p50}");
        // p99 (rank 19.8) lies in the 10..100 ms bucket.
        let p99 = d.gateway.p99.unwrap();
        assert!(p99 > 0.01 && p99 <= 0.1, "{p99}");
        assert_eq!(d.instances["127.0.0.1:8081"].per_second, Some(9.0));
        assert_eq!(d.blocks_per_second, Some(2.0));
        assert_eq!(d.cpu[&7], 25.0);
        let c50 = d.commit_p50.unwrap();
        assert!(c50 <= 0.01, "{c50}");
        assert!(d.commit_p99.unwrap() > 0.01);
    }

    #[test]
    fn nothing_is_made_up_without_two_readings() {
        let a = snap(
            1_000,
            gateway_metrics(1, 0, 1, 1, 0),
            validator_metrics(1, 0),
            1,
            1,
        );
        let mut b = snap(
            2_000,
            gateway_metrics(1, 0, 2, 1, 0),
            validator_metrics(1, 0),
            1,
            1,
        );
        b.scrapes.insert("validator-0".into(), Err("down".into()));
        let d = derive(&a, &b);
        assert_eq!(d.gateway.per_second, Some(0.0));
        assert_eq!(d.gateway.p50, None, "no API request in the interval");
        assert_eq!(d.commit_p50, None, "the only validator is down");
        assert_eq!(derive(&a, &a), Derived::default(), "no time passed");
    }

    #[test]
    fn a_restarted_service_does_not_give_negative_rates() {
        let a = snap(
            1_000,
            gateway_metrics(500, 9, 10, 500, 0),
            validator_metrics(50, 0),
            40,
            900,
        );
        let b = snap(
            2_000,
            gateway_metrics(3, 0, 1, 3, 0),
            validator_metrics(1, 0),
            41,
            5,
        );
        let d = derive(&a, &b);
        assert_eq!(d.gateway.per_second, None);
        assert_eq!(d.instances["127.0.0.1:8081"].per_second, None);
        assert!(!d.cpu.contains_key(&7));
        assert!(
            d.commit_p50.is_some(),
            "counts after a reset are new observations"
        );
    }
}
