//! Distributed tracing: W3C Trace Context in and out of every service, one
//! span per hop, exported over OTLP/HTTP (protobuf) when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//! is set.
//!
//! A request's trace context is the caller's `traceparent` (and
//! `tracestate`), or a new trace when it sent none or a malformed one. Each
//! service opens a server span per request and a client span per outbound
//! call, and sends the client span's `traceparent` on. The trace id is on
//! every log line of the request (`trace_id`).
//!
//! Without an endpoint nothing is recorded — no SDK, no exporter thread, no
//! span objects — and the context passes through unchanged, so a traced
//! caller's trace still reaches the next service and its logs.

use std::sync::OnceLock;

use anyhow::Context as _;
use axum::http::HeaderMap;
pub use opentelemetry::Context;
use opentelemetry::KeyValue;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{
    Link, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState,
    Tracer as _, TracerProvider as _,
};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

/// The tracer, set once at start when an OTLP endpoint is configured.
static TRACER: OnceLock<SdkTracer> = OnceLock::new();

/// Where spans go, in the order the OpenTelemetry specification reads them.
pub const ENDPOINT_VARS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];
const PROTOCOL_VARS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
];

/// The configured OTLP endpoint, if any (`get` reads the environment).
pub fn configured_endpoint(get: impl Fn(&str) -> Option<String>) -> Option<(String, String)> {
    ENDPOINT_VARS.iter().find_map(|k| {
        get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(|v| (k.to_string(), v))
    })
}

/// Checks the OTLP settings this build can honour: HTTP with protobuf.
pub fn check_protocol(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    for k in PROTOCOL_VARS {
        if let Some(v) = get(k).filter(|v| !v.trim().is_empty())
            && v.trim() != "http/protobuf"
        {
            anyhow::bail!(
                "invalid value {v:?} for {k}: this build exports traces over OTLP/HTTP only; use http/protobuf or unset it"
            );
        }
    }
    Ok(())
}

/// The span exporter of a service process; `shutdown` sends what is queued.
pub struct Exporter {
    provider: SdkTracerProvider,
}

impl Exporter {
    /// Flushes queued spans (bounded by the exporter's timeout) and stops.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::warn!(error = %e, "could not send the last spans");
        }
    }
}

/// Starts exporting spans when an OTLP endpoint is configured; `None` (and
/// no cost) otherwise. Call outside any tokio runtime: the exporter runs on
/// its own thread with a blocking HTTP client.
pub fn init(service: &str, instance: &str) -> anyhow::Result<Option<Exporter>> {
    let env = |k: &str| std::env::var(k).ok();
    let Some((var, endpoint)) = configured_endpoint(env) else {
        return Ok(None);
    };
    check_protocol(env)?;
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .build()
        .with_context(|| format!("cannot export traces to {endpoint:?} (from {var})"))?;
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name(format!("bitcraps-{service}"));
    }
    let resource = resource
        .with_attribute(KeyValue::new("service.instance.id", instance.to_string()))
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    if TRACER.set(provider.tracer("bitcraps")).is_err() {
        tracing::debug!("tracer already installed");
    }
    tracing::info!(endpoint, from = var, "exporting traces over OTLP/HTTP");
    Ok(Some(Exporter { provider }))
}

/// Whether this process records and exports spans.
pub fn exporting() -> bool {
    TRACER.get().is_some()
}

/// The caller's trace context from `traceparent` / `tracestate`; carries no
/// valid span when the headers are absent or malformed.
pub fn extract(headers: &HeaderMap) -> Context {
    let well_formed = headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .is_some_and(traceparent_is_well_formed);
    if !well_formed {
        // The propagator alone lets some malformed values through (short ids).
        return Context::new();
    }
    TraceContextPropagator::new().extract(&HeaderExtractor(headers))
}

/// W3C Trace Context §3.2: `version-traceid-parentid-flags`, lowercase hex,
/// version not `ff`, ids not all zeros; version 00 has exactly these four
/// fields, a later version may append more after a `-`.
pub fn traceparent_is_well_formed(v: &str) -> bool {
    let v = v.trim_matches([' ', '\t']);
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let (Some(head), rest) = (v.get(..55), v.get(55..).unwrap_or("")) else {
        return false;
    };
    let mut parts = head.split('-');
    let (Some(version), Some(trace), Some(parent), Some(flags), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let zeros = |s: &str| s.bytes().all(|b| b == b'0');
    hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && !zeros(trace)
        && hex(parent, 16)
        && !zeros(parent)
        && hex(flags, 2)
        && (rest.is_empty() || (version != "00" && rest.starts_with('-')))
}

/// Sets `traceparent` (and `tracestate`) for `cx`, replacing the caller's;
/// removes them when `cx` carries no valid span.
pub fn inject(cx: &Context, headers: &mut HeaderMap) {
    headers.remove("traceparent");
    headers.remove("tracestate");
    TraceContextPropagator::new().inject_context(cx, &mut HeaderInjector(headers));
}

/// The hex trace id of `cx`, if it carries a valid span.
pub fn trace_id(cx: &Context) -> Option<String> {
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// Opens the server span of a request: a child of the caller's context, or
/// the root of a new trace.
pub fn server_span(headers: &HeaderMap, name: String, attributes: Vec<KeyValue>) -> Context {
    let parent = extract(headers);
    let cx = start(
        TRACER.get(),
        &parent,
        name,
        SpanKind::Server,
        attributes,
        Vec::new(),
    );
    if cx.span().span_context().is_valid() {
        cx
    } else {
        // Not exporting and no caller context: start a trace anyway, so the
        // logs of every service this request reaches share one id.
        Context::new().with_remote_span_context(new_root())
    }
}

/// Continues the caller's trace only: a server span when the request came
/// with a valid `traceparent`, else nothing (for chatty internal routes).
pub fn continued_server_span(
    headers: &HeaderMap,
    name: String,
    attributes: Vec<KeyValue>,
) -> Context {
    let parent = extract(headers);
    if !parent.span().span_context().is_valid() {
        return Context::new();
    }
    start(
        TRACER.get(),
        &parent,
        name,
        SpanKind::Server,
        attributes,
        Vec::new(),
    )
}

/// Opens a client span for one outbound call, a child of `parent`; `links`
/// name other contexts the call also serves (a batch of records).
pub fn client_span(
    parent: &Context,
    name: String,
    attributes: Vec<KeyValue>,
    links: &[Context],
) -> Context {
    let links = links
        .iter()
        .map(|c| c.span().span_context().clone())
        .filter(SpanContext::is_valid)
        .map(Link::with_context)
        .collect();
    start(
        TRACER.get(),
        parent,
        name,
        SpanKind::Client,
        attributes,
        links,
    )
}

/// Ends the span in `cx` with the HTTP status it saw (`None`: no answer,
/// with `error` saying why). Server spans are errors on 5xx, client spans
/// on any status ≥ 400 (OpenTelemetry's HTTP conventions).
pub fn finish(cx: &Context, status: Option<u16>, error: Option<&str>) {
    let span = cx.span();
    if !span.is_recording() {
        return;
    }
    let client = matches!(span_kind(cx), Some(SpanKind::Client));
    if let Some(code) = status {
        span.set_attribute(KeyValue::new("http.response.status_code", i64::from(code)));
        if code >= 500 || (client && code >= 400) {
            span.set_status(Status::error(format!("HTTP {code}")));
        }
    }
    if let Some(e) = error {
        span.set_attribute(KeyValue::new("error.type", e.to_string()));
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
}

/// The kind a span in `cx` was opened with, if this module opened it.
fn span_kind(cx: &Context) -> Option<SpanKind> {
    cx.get::<Kind>().map(|k| k.0.clone())
}

/// Remembers a span's kind in its context (the span API does not expose it).
#[derive(Debug)]
struct Kind(SpanKind);

fn start(
    tracer: Option<&SdkTracer>,
    parent: &Context,
    name: String,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    links: Vec<Link>,
) -> Context {
    match tracer {
        Some(t) => {
            let span = t
                .span_builder(name)
                .with_kind(kind.clone())
                .with_attributes(attributes)
                .with_links(links)
                .start_with_context(t, parent);
            parent.with_span(span).with_value(Kind(kind))
        }
        // Not exporting: the caller's context goes on unchanged.
        None => parent.clone(),
    }
}

/// A new trace's first context: random non-zero ids, sampled.
fn new_root() -> SpanContext {
    let trace_id = loop {
        let id: u128 = rand::random();
        if id != 0 {
            break id;
        }
    };
    let span_id = loop {
        let id: u64 = rand::random();
        if id != 0 {
            break id;
        }
    };
    SpanContext::new(
        TraceId::from(trace_id),
        SpanId::from(span_id),
        TraceFlags::SAMPLED,
        false,
        TraceState::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SpanData, SpanExporter};
    use proptest::prelude::*;
    use std::sync::{Arc, Mutex};

    fn headers(tp: &str, ts: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("traceparent", HeaderValue::from_str(tp).unwrap());
        if let Some(ts) = ts {
            h.insert("tracestate", HeaderValue::from_str(ts).unwrap());
        }
        h
    }

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_is_extracted_with_its_tracestate() {
        let cx = extract(&headers(TP, Some("vendor=abc,other=1")));
        let sc = cx.span().span_context().clone();
        assert!(sc.is_valid() && sc.is_remote() && sc.is_sampled());
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(sc.trace_state().header(), "vendor=abc,other=1");
    }

    #[test]
    fn malformed_traceparents_are_ignored() {
        for bad in [
            "",
            "garbage",
            // all-zero trace id, all-zero span id
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            // version ff is forbidden; short ids; non-hex
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01",
            // version 00 has exactly four fields; hex is lowercase
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(!traceparent_is_well_formed(bad), "{bad:?}");
            let cx = extract(&headers(bad, None));
            assert!(!cx.span().span_context().is_valid(), "{bad:?} accepted");
        }
    }

    #[test]
    fn without_an_exporter_a_request_passes_its_context_through_unchanged() {
        let incoming = headers(TP, Some("vendor=abc"));
        let cx = server_span(&incoming, "GET /x".into(), Vec::new());
        let out = client_span(&cx, "GET".into(), Vec::new(), &[]);
        let mut h = HeaderMap::new();
        inject(&out, &mut h);
        assert_eq!(h["traceparent"], TP);
        assert_eq!(h["tracestate"], "vendor=abc");
        assert_eq!(trace_id(&cx).unwrap(), "4bf92f3577b34da6a3ce929d0e0e4736");
        finish(&out, Some(200), None);
        finish(&cx, Some(200), None);
    }

    #[test]
    fn without_a_caller_context_a_new_trace_is_started() {
        let a = server_span(&HeaderMap::new(), "GET /x".into(), Vec::new());
        let b = server_span(&headers("junk", None), "GET /x".into(), Vec::new());
        let (ta, tb) = (trace_id(&a).unwrap(), trace_id(&b).unwrap());
        assert_eq!(ta.len(), 32);
        assert_ne!(ta, tb);
        let mut h = HeaderMap::new();
        inject(&a, &mut h);
        let tp = h["traceparent"].to_str().unwrap();
        assert!(
            tp.starts_with(&format!("00-{ta}-")) && tp.ends_with("-01"),
            "{tp}"
        );
        // Internal routes only continue traces.
        let none = continued_server_span(&HeaderMap::new(), "POST /peer".into(), Vec::new());
        assert!(trace_id(&none).is_none());
        let mut h = headers(TP, None);
        inject(&none, &mut h);
        assert!(
            h.get("traceparent").is_none(),
            "a stale traceparent was kept"
        );
    }

    /// Collects finished spans in memory.
    #[derive(Debug, Clone, Default)]
    struct Collect(Arc<Mutex<Vec<SpanData>>>);

    impl SpanExporter for Collect {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            self.0.lock().unwrap().extend(batch);
            Ok(())
        }
    }

    #[test]
    fn with_an_exporter_each_hop_is_a_child_span_in_the_callers_trace() {
        let spans = Collect::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(spans.clone())
            .build();
        let tracer = provider.tracer("test");
        let parent = extract(&headers(TP, Some("vendor=abc")));
        let server = start(
            Some(&tracer),
            &parent,
            "POST /games".into(),
            SpanKind::Server,
            Vec::new(),
            Vec::new(),
        );
        let other = Context::new().with_remote_span_context(new_root());
        let client = {
            let links = [other.clone()];
            let links = links
                .iter()
                .map(|c| Link::with_context(c.span().span_context().clone()))
                .collect();
            start(
                Some(&tracer),
                &server,
                "POST".into(),
                SpanKind::Client,
                Vec::new(),
                links,
            )
        };
        let mut out = HeaderMap::new();
        inject(&client, &mut out);
        let downstream = extract(&out);
        finish(&client, Some(503), None);
        finish(&server, Some(201), None);
        let got = spans.0.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        let (c, s) = (&got[0], &got[1]);
        let trace = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
        assert_eq!(s.span_context.trace_id(), trace);
        assert_eq!(c.span_context.trace_id(), trace);
        assert_eq!(
            s.parent_span_id,
            SpanId::from_hex("00f067aa0ba902b7").unwrap()
        );
        assert_eq!(c.parent_span_id, s.span_context.span_id());
        assert_eq!(s.span_kind, SpanKind::Server);
        assert_eq!(c.span_kind, SpanKind::Client);
        // The next hop's parent is the client span; tracestate goes along.
        let d = downstream.span().span_context().clone();
        assert_eq!(d.span_id(), c.span_context.span_id());
        assert_eq!(d.trace_state().header(), "vendor=abc");
        // A 503 seen by a client is an error; a 201 served is not.
        assert!(matches!(c.status, Status::Error { .. }));
        assert_eq!(s.status, Status::Unset);
        assert_eq!(
            c.links.links[0].span_context.trace_id(),
            other.span().span_context().trace_id()
        );
        let code = c
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "http.response.status_code")
            .map(|kv| kv.value.clone());
        assert_eq!(code, Some(opentelemetry::Value::I64(503)));
    }

    #[test]
    fn only_http_protobuf_is_accepted_and_empty_endpoints_are_unset() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(check_protocol(env(&[])).is_ok());
        assert!(check_protocol(env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")])).is_ok());
        let e = check_protocol(env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])).unwrap_err();
        assert!(e.to_string().contains("OTEL_EXPORTER_OTLP_PROTOCOL"), "{e}");
        assert_eq!(
            configured_endpoint(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")])),
            None
        );
        assert_eq!(
            configured_endpoint(env(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"),
                (
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    "http://b:4318/v1/traces"
                ),
            ])),
            Some((
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT".to_string(),
                "http://b:4318/v1/traces".to_string()
            ))
        );
    }

    #[test]
    fn later_versions_may_append_fields() {
        assert!(traceparent_is_well_formed(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next"
        ));
        assert!(!traceparent_is_well_formed(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"
        ));
        assert!(traceparent_is_well_formed(TP));
    }

    proptest! {
        /// Whatever the check accepts, the propagator reads the same ids.
        #[test]
        fn well_formed_values_extract_to_their_ids(v in "[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}") {
            let ok = traceparent_is_well_formed(&v);
            let cx = extract(&headers(&v, None));
            let sc = cx.span().span_context().clone();
            prop_assert_eq!(ok, sc.is_valid(), "{}", v);
            if ok {
                prop_assert_eq!(sc.trace_id().to_string(), &v[3..35]);
                prop_assert_eq!(sc.span_id().to_string(), &v[36..52]);
            }
        }

        /// No input string panics the check.
        #[test]
        fn the_check_never_panics(v in "\\PC{0,80}") {
            let _ = traceparent_is_well_formed(&v);
        }

        #[test]
        fn any_valid_traceparent_passes_through_unchanged(
            trace in 1u128..,
            span in 1u64..,
            sampled in any::<bool>(),
        ) {
            let tp = format!("00-{trace:032x}-{span:016x}-{:02x}", u8::from(sampled));
            let cx = server_span(&headers(&tp, None), "GET /x".into(), Vec::new());
            let mut h = HeaderMap::new();
            inject(&client_span(&cx, "GET".into(), Vec::new(), &[]), &mut h);
            prop_assert_eq!(h["traceparent"].to_str().unwrap(), tp.as_str());
            prop_assert_eq!(trace_id(&cx), Some(format!("{trace:032x}")));
        }
    }
}
