//! Base routes (`/health`, `/health/ready`, `/metrics`, `/openapi.json`) and
//! the middleware stack every service runs behind.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use opentelemetry::KeyValue;
use opentelemetry::context::FutureExt as _;
use serde::{Deserialize, Serialize};
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tracing::Instrument;
use utoipa::{OpenApi, ToSchema};

use super::problem::Problem;
use super::readiness::{Readiness, ReadyReport};
use crate::telemetry::{Metrics, trace};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// State shared by the base routes of one service process.
#[derive(Clone)]
pub struct ServiceContext {
    pub service: &'static str,
    pub instance: String,
    pub metrics: Metrics,
    pub readiness: Readiness,
    pub started: Instant,
    pub openapi: Arc<utoipa::openapi::OpenApi>,
}

impl ServiceContext {
    /// `extra` is the service's own OpenAPI document, merged with the base routes.
    pub fn new(
        service: &'static str,
        instance: String,
        metrics: Metrics,
        extra: utoipa::openapi::OpenApi,
    ) -> ServiceContext {
        let mut doc = BaseApi::openapi();
        doc.merge(extra);
        doc.info.title = format!("BitCraps {service}");
        doc.info.version = env!("CARGO_PKG_VERSION").to_string();
        let readiness = Readiness::new(service, &instance, metrics.clone());
        ServiceContext {
            service,
            instance,
            metrics,
            readiness,
            started: Instant::now(),
            openapi: Arc::new(super::openapi::finish(doc)),
        }
    }
}

/// Body of `GET /health`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Liveness {
    pub status: String,
    pub service: String,
    pub instance: String,
    pub pid: u32,
    pub version: String,
    pub uptime_seconds: f64,
}

#[derive(OpenApi)]
#[openapi(
    paths(health, ready, metrics, openapi_json),
    components(schemas(Liveness, ReadyReport, Problem))
)]
struct BaseApi;

/// Liveness: 200 while the process serves.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "The process is serving", body = Liveness)))]
async fn health(State(ctx): State<ServiceContext>) -> Json<Liveness> {
    Json(Liveness {
        status: "ok".to_string(),
        service: ctx.service.to_string(),
        instance: ctx.instance.clone(),
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_seconds: ctx.started.elapsed().as_secs_f64(),
    })
}

/// Readiness: 200 when every required dependency is up, else 503.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready to take traffic", body = ReadyReport),
        (status = 503, description = "Not ready; the body says which dependency is down", body = ReadyReport)))]
async fn ready(State(ctx): State<ServiceContext>) -> Response {
    let report = ctx.readiness.report();
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain")))]
async fn metrics(State(ctx): State<ServiceContext>) -> Response {
    match ctx.metrics.render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            )],
            text,
        )
            .into_response(),
        Err(e) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot render metrics: {e}"),
        )
        .into_response(),
    }
}

/// This service's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/openapi.json", tag = "health",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json(State(ctx): State<ServiceContext>) -> Json<utoipa::openapi::OpenApi> {
    Json((*ctx.openapi).clone())
}

async fn not_found(req: Request) -> Problem {
    Problem::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.uri().path()
    ))
    .with_instance(req.uri().path().to_string())
}

async fn method_not_allowed(req: Request) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
    .with_instance(req.uri().path().to_string())
}

/// Routes that only continue a caller's trace and never start one: the
/// validators' own transport carries many untraced messages a second.
const CONTINUE_ONLY: &[&str] = &["/peer"];

/// Target of the access log lines (`request finished`, one per request):
/// `RUST_LOG=bitcraps::access=warn` silences them.
pub const ACCESS_LOG_TARGET: &str = "bitcraps::access";

/// Access log, metrics and the server span of one request. Records count,
/// latency and the in-flight gauge under the matched route (never the raw
/// path, which would make one series per id), and runs the request inside a
/// span carrying its `request_id` and `trace_id`, so every log line of the
/// request has them, with the request's trace context current (outbound
/// calls made while serving it become child spans). Probes of the health
/// and metrics routes log at debug level and are not traced.
async fn observe_request(State(ctx): State<ServiceContext>, req: Request, next: Next) -> Response {
    // Borrowed and cheaply cloned, not formatted: this runs on every request.
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let request_id = req.extensions().get::<RequestId>().cloned();
    let method = req.method().clone();
    let probe = route.starts_with("/health") || route == "/metrics";
    let cx = if probe {
        trace::Context::new()
    } else {
        // Names and attributes only for spans that are recorded.
        let (name, attributes) = if trace::exporting() {
            (
                format!("{method} {route}"),
                vec![
                    KeyValue::new("http.request.method", method.to_string()),
                    KeyValue::new("http.route", route.to_string()),
                    KeyValue::new("url.path", req.uri().path().to_string()),
                    KeyValue::new("service.instance.id", ctx.instance.clone()),
                ],
            )
        } else {
            (String::new(), Vec::new())
        };
        if CONTINUE_ONLY.contains(&route) {
            trace::continued_server_span(req.headers(), name, attributes)
        } else {
            trace::server_span(req.headers(), name, attributes)
        }
    };
    let span = tracing::info_span!(
        "request",
        request_id = request_id
            .as_ref()
            .and_then(|id| id.header_value().to_str().ok())
            .unwrap_or("-"),
        trace_id = tracing::field::Empty,
        method = %method,
        path = %req.uri().path(),
    );
    if !span.is_disabled()
        && let Some(id) = trace::trace_id(&cx)
    {
        span.record("trace_id", id.as_str());
    }
    let start = Instant::now();
    // Decrements the in-flight gauge even when the client goes away and the
    // request future is dropped mid-way.
    let guard = ctx.metrics.in_flight_guard();
    let resp = next
        .run(req)
        .instrument(span.clone())
        .with_context(cx.clone())
        .await;
    drop(guard);
    let elapsed = start.elapsed();
    let status = resp.status().as_u16();
    trace::finish(&cx, Some(status), None);
    ctx.metrics
        .request_finished(method.as_str(), route, status, elapsed);
    let _enter = span.enter();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    // The access log has its own target, so a filter (and `up`'s console,
    // which hides it by default) can tell it from the service's events.
    if probe {
        tracing::debug!(target: ACCESS_LOG_TARGET, status, latency_ms, "request finished");
    } else {
        tracing::info!(target: ACCESS_LOG_TARGET, status, latency_ms, "request finished");
    }
    resp
}

/// Wraps the service's own `routes` with the base routes and middleware:
/// request ids (taken from the request or made, echoed on the response and
/// carried by every log line of the request), access logs, metrics, and
/// problem+json for unknown routes and methods.
pub fn base_router(ctx: ServiceContext, routes: Router<ServiceContext>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_json))
        .merge(routes)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(ctx.clone(), observe_request))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(ctx)
}

/// Resolves when the process gets SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!(signal = "SIGINT", "shutting down; finishing in-flight requests"),
        () = term => tracing::info!(signal = "SIGTERM", "shutting down; finishing in-flight requests"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    fn app() -> (Router, ServiceContext) {
        let metrics = Metrics::new("test").unwrap();
        let ctx = ServiceContext::new(
            "test",
            "test-0".into(),
            metrics,
            utoipa::openapi::OpenApiBuilder::new().build(),
        );
        (base_router(ctx.clone(), Router::new()), ctx)
    }

    async fn send(app: &Router, req: axum::http::Request<Body>) -> Response {
        app.clone().oneshot(req).await.unwrap()
    }

    fn get_req(path: &str) -> axum::http::Request<Body> {
        axum::http::Request::get(path).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn request_id_is_echoed_or_made() {
        let (app, _) = app();
        let req = axum::http::Request::get("/health")
            .header("x-request-id", "abc-123")
            .body(Body::empty())
            .unwrap();
        let resp = send(&app, req).await;
        assert_eq!(resp.headers()["x-request-id"], "abc-123");
        let resp = send(&app, get_req("/health")).await;
        let made = resp.headers()["x-request-id"].to_str().unwrap();
        assert!(uuid::Uuid::parse_str(made).is_ok(), "{made}");
    }

    #[tokio::test]
    async fn readiness_is_503_until_dependencies_are_up() {
        let (app, ctx) = app();
        assert_eq!(
            send(&app, get_req("/health/ready")).await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        ctx.readiness.set("self", true, true, "started");
        assert_eq!(
            send(&app, get_req("/health/ready")).await.status(),
            StatusCode::OK
        );
    }

    #[tokio::test]
    async fn unknown_routes_get_problem_json_404_and_are_counted_as_unmatched() {
        let (app, ctx) = app();
        let resp = send(&app, get_req("/nope/123")).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            resp.headers()["content-type"],
            super::super::problem::CONTENT_TYPE
        );
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let p: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(p.status, 404);
        let resp = send(
            &app,
            axum::http::Request::delete("/health")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        let text = ctx.metrics.render().unwrap();
        assert!(
            text.contains("route=\"unmatched\",status=\"404\""),
            "{text}"
        );
    }

    #[tokio::test]
    async fn openapi_lists_base_routes_as_3_1() {
        let (app, _) = app();
        let resp = send(&app, get_req("/openapi.json")).await;
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for p in ["/health", "/health/ready", "/metrics", "/openapi.json"] {
            assert!(doc["paths"][p].is_object(), "{p} missing");
        }
    }
}
