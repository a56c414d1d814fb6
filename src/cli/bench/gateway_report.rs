//! `bitcraps bench gateway`'s report: the stable `-o json` shape, the
//! lines for people, percentiles from the HDR histogram, and the exit code
//! of a broken threshold.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::super::GlobalArgs;
use super::super::exit::{Code, fail};
use super::super::output::{self, OutputFormat};
use super::schedule::error_rate;

/// `--output json`: a stable shape (documented in the README).
#[derive(Debug, Serialize)]
pub struct GatewayReport {
    pub target: String,
    /// `open` (fixed rate) or `closed` (saturation).
    pub mode: &'static str,
    pub rate: Option<u64>,
    pub concurrency: u64,
    pub mix: String,
    pub games: u64,
    pub duration_seconds: f64,
    /// From the first send to the last answer.
    pub seconds: f64,
    pub requests: u64,
    pub errors: u64,
    /// Non-2xx answers by status code, and `connect`, `timeout`, `io`.
    pub errors_by_status: BTreeMap<String, u64>,
    pub requests_per_second: f64,
    pub latency_ms: LatencyMs,
    pub by_op: BTreeMap<&'static str, OpReport>,
    /// Open loop: how far behind schedule the generator itself sent.
    pub max_send_lag_ms: Option<f64>,
    pub thresholds: ThresholdReport,
}

#[derive(Debug, Serialize)]
pub struct LatencyMs {
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

#[derive(Debug, Serialize)]
pub struct OpReport {
    pub requests: u64,
    pub errors: u64,
    pub latency_ms: LatencyMs,
}

#[derive(Debug, Serialize)]
pub struct ThresholdReport {
    pub max_p95_ms: Option<f64>,
    pub max_error_rate: Option<f64>,
    pub passed: bool,
    pub violations: Vec<String>,
}

pub(crate) fn histogram() -> Histogram<u64> {
    // 1 µs to 1 h at 3 significant figures; the bounds are valid constants.
    #[allow(clippy::expect_used)]
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

pub(crate) fn latency_ms(h: &Histogram<u64>) -> LatencyMs {
    let q = |p: f64| h.value_at_quantile(p) as f64 / 1000.0;
    LatencyMs {
        p50: q(0.50),
        p90: q(0.90),
        p95: q(0.95),
        p99: q(0.99),
        max: h.max() as f64 / 1000.0,
    }
}

/// The report for people.
pub fn lines(r: &GatewayReport) -> Vec<String> {
    let mode = match r.rate {
        Some(rate) => format!(
            "open loop at {rate} req/s (at most {} in flight)",
            r.concurrency
        ),
        None => format!("closed loop, {} workers", r.concurrency),
    };
    let mut lines = vec![format!(
        "{}: {mode}: {} requests in {:.1}s: {:.0} req/s, {} errors (error rate {:.4})",
        r.target,
        r.requests,
        r.seconds,
        r.requests_per_second,
        r.errors,
        error_rate(r.errors, r.requests)
    )];
    let l = &r.latency_ms;
    lines.push(format!(
        "latency ms{}: p50 {:.2}  p90 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
        if r.rate.is_some() {
            " (from each request's intended send time)"
        } else {
            ""
        },
        l.p50,
        l.p90,
        l.p95,
        l.p99,
        l.max
    ));
    if !r.errors_by_status.is_empty() {
        let by: Vec<String> = r
            .errors_by_status
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        lines.push(format!("errors by status: {}", by.join(", ")));
        if r.errors_by_status.contains_key("429") {
            lines.push(format!(
                "429s are the gateway's per-client rate limit (RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW for each of the {} players): raise it for the run, or lower --rate",
                r.games
            ));
        }
    }
    for (op, o) in &r.by_op {
        lines.push(format!(
            "  {op:<7} {:>8} requests {:>6} errors  p50 {:.2}  p99 {:.2} ms",
            o.requests, o.errors, o.latency_ms.p50, o.latency_ms.p99
        ));
    }
    if let Some(lag) = r.max_send_lag_ms {
        lines.push(format!(
            "generator: sent at most {lag:.1} ms behind schedule"
        ));
    }
    if !r.thresholds.violations.is_empty() {
        lines.push(format!(
            "thresholds failed: {}",
            r.thresholds.violations.join("; ")
        ));
    }
    lines
}

/// Prints the report, then fails (exit 6) if it broke a threshold.
pub fn print(g: &GlobalArgs, r: &GatewayReport) -> anyhow::Result<()> {
    if g.output == OutputFormat::Json {
        output::print_json(r)?;
    } else {
        output::print(&lines(r).join("\n"))?;
    }
    threshold_result(r)
}

pub fn threshold_result(r: &GatewayReport) -> anyhow::Result<()> {
    if r.thresholds.passed {
        Ok(())
    } else {
        Err(fail(
            Code::VerifyFailed,
            format!("thresholds not met: {}", r.thresholds.violations.join("; ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::schedule::DEFAULT_MIX;
    use super::*;

    fn report(violations: Vec<String>) -> GatewayReport {
        let mut h = histogram();
        for us in [900, 1_000, 2_000, 40_000] {
            h.saturating_record(us);
        }
        GatewayReport {
            target: "http://127.0.0.1:8080/api/v1".into(),
            mode: "open",
            rate: Some(100),
            concurrency: 16,
            mix: DEFAULT_MIX.into(),
            games: 16,
            duration_seconds: 1.0,
            seconds: 1.02,
            requests: 4,
            errors: 1,
            errors_by_status: BTreeMap::from([("503".to_string(), 1)]),
            requests_per_second: 3.9,
            latency_ms: latency_ms(&h),
            by_op: BTreeMap::from([(
                "get",
                OpReport {
                    requests: 4,
                    errors: 1,
                    latency_ms: latency_ms(&h),
                },
            )]),
            max_send_lag_ms: Some(0.5),
            thresholds: ThresholdReport {
                max_p95_ms: Some(500.0),
                max_error_rate: Some(0.01),
                passed: violations.is_empty(),
                violations,
            },
        }
    }

    /// The documented `-o json` shape: scripts rely on these names.
    #[test]
    fn json_report_keeps_its_documented_shape() {
        let v = serde_json::to_value(report(vec![])).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "target",
            "mode",
            "rate",
            "concurrency",
            "mix",
            "games",
            "duration_seconds",
            "seconds",
            "requests",
            "errors",
            "errors_by_status",
            "requests_per_second",
            "latency_ms",
            "by_op",
            "max_send_lag_ms",
            "thresholds",
        ];
        let mut got = keys.clone();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        let l = &v["latency_ms"];
        for k in ["p50", "p90", "p95", "p99", "max"] {
            assert!(l[k].is_f64(), "{k}: {l}");
        }
        // HDR values are within 0.1% of the recorded microseconds.
        assert!((l["max"].as_f64().unwrap() - 40.0).abs() < 0.05, "{l}");
        assert!((l["p50"].as_f64().unwrap() - 1.0).abs() < 0.002, "{l}");
        assert_eq!(v["by_op"]["get"]["errors"], 1);
        assert_eq!(v["errors_by_status"]["503"], 1);
        assert_eq!(v["thresholds"]["passed"], true);
    }

    #[test]
    fn a_broken_threshold_fails_with_exit_6_and_says_why() {
        let r = report(vec![
            "p95 latency 900.00 ms is over the limit 500.00 ms".into(),
        ]);
        let e = threshold_result(&r).unwrap_err();
        assert_eq!(super::super::super::exit::code_of(&e), Code::VerifyFailed);
        assert!(e.to_string().contains("p95 latency 900.00 ms"));
        assert!(lines(&r).iter().any(|l| l.starts_with("thresholds failed")));
        assert!(threshold_result(&report(vec![])).is_ok());
        let text = lines(&r).join("\n");
        assert!(text.contains("errors by status: 503: 1"), "{text}");
        assert!(
            text.contains("from each request's intended send time"),
            "{text}"
        );
    }
}
