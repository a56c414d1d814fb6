//! Logs and metrics shared by every service.
//!
//! Logs are tracing events written to stdout, JSON lines by default (the
//! supervisor captures them into per-service log files). Metrics live in one
//! Prometheus registry per process and are rendered in the text exposition
//! format at `GET /metrics`. Traces: see [`trace`].

pub mod trace;

use std::time::Duration;

use anyhow::Context;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::TelemetryConfig;

/// Installs the global tracing subscriber for a service process.
///
/// `json` writes one JSON object per event, with the fields of the enclosing
/// spans (so every line of a request carries its `request_id`).
pub fn init_logging(cfg: &TelemetryConfig, service: &str) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&cfg.log_level).with_context(|| {
        format!(
            "invalid log filter {:?} (telemetry.log_level / RUST_LOG)",
            cfg.log_level
        )
    })?;
    let registry = tracing_subscriber::registry().with(filter);
    let result = if cfg.log_format == "json" {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(true)
                    .with_target(true)
                    .with_writer(std::io::stdout),
            )
            .try_init()
    } else {
        registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stdout))
            .try_init()
    };
    // A second init (tests that start services in-process) is harmless.
    if let Err(e) = result {
        tracing::debug!(error = %e, "tracing subscriber already installed");
    }
    tracing::debug!(service, "logging initialised");
    Ok(())
}

/// Checks a log filter directive (telemetry.log_level / RUST_LOG).
pub fn check_filter(directive: &str) -> anyhow::Result<()> {
    EnvFilter::try_new(directive).map(|_| ()).with_context(|| {
        format!("invalid log filter {directive:?} (telemetry.log_level / RUST_LOG)")
    })
}

/// Latency buckets in seconds: 0.5 ms up to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The request metrics every service exports, plus its registry.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    ready: IntGaugeVec,
}

impl Metrics {
    /// Creates the registry with request, readiness and process metrics.
    pub fn new(service: &str) -> anyhow::Result<Metrics> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "bitcraps_http_requests_total",
                "HTTP requests served, by method, matched route and status code.",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "bitcraps_http_request_duration_seconds",
                "Time from request received to response headers sent, by method and matched route.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let in_flight = IntGauge::new(
            "bitcraps_http_requests_in_flight",
            "HTTP requests being served right now.",
        )?;
        let ready = IntGaugeVec::new(
            Opts::new(
                "bitcraps_dependency_up",
                "1 when a dependency of this service is usable, else 0.",
            ),
            &["dependency"],
        )?;
        let info = IntGaugeVec::new(
            Opts::new("bitcraps_build_info", "Always 1; labels carry the build."),
            &["service", "version"],
        )?;
        info.with_label_values(&[service, env!("CARGO_PKG_VERSION")])
            .set(1);
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(ready.clone()))?;
        registry.register(Box::new(info))?;
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            in_flight,
            ready,
        })
    }

    /// The registry, for service-specific metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn in_flight_guard(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    pub fn request_finished(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        // The status as text without formatting it (every standard code).
        let code = axum::http::StatusCode::from_u16(status).ok();
        let code_text = match &code {
            Some(c) => std::borrow::Cow::Borrowed(c.as_str()),
            None => std::borrow::Cow::Owned(status.to_string()),
        };
        self.requests
            .with_label_values(&[method, route, &code_text])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    pub fn set_dependency(&self, name: &str, up: bool) {
        self.ready.with_label_values(&[name]).set(i64::from(up));
    }

    /// Renders every metric in the Prometheus text format.
    pub fn render(&self) -> anyhow::Result<String> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        Ok(String::from_utf8(buf)?)
    }
}

/// Holds one unit of the in-flight gauge.
pub struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_metrics_have_help_type_and_histogram_series() {
        let m = Metrics::new("test").unwrap();
        drop(m.in_flight_guard());
        m.request_finished("GET", "/health", 200, Duration::from_millis(3));
        let text = m.render().unwrap();
        assert!(text.contains("# HELP bitcraps_http_requests_total"));
        assert!(text.contains("# TYPE bitcraps_http_requests_total counter"));
        assert!(text.contains(
            "bitcraps_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1"
        ));
        assert!(text.contains("# TYPE bitcraps_http_request_duration_seconds histogram"));
        assert!(text.contains("bitcraps_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 1"));
        assert!(text.contains("bitcraps_http_request_duration_seconds_sum"));
        assert!(text.contains("bitcraps_http_request_duration_seconds_count"));
        assert!(text.contains("bitcraps_http_requests_in_flight 0"));
        assert!(text.contains("process_resident_memory_bytes"));
    }
}
