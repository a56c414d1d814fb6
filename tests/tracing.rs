//! Distributed tracing across real processes: a local OTLP/HTTP receiver
//! (protobuf, decoded with opentelemetry-proto) stands in for a collector,
//! the services export to it, and a request with a known `traceparent`
//! must come back as one trace: gateway → engine → validator → validator,
//! each hop a child of the one before.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::post;
use bitcraps::auth::Role;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;
use serde_json::{Value, json};
use support::{Sandbox, Tokens, http, wait_for};

/// One span as the receiver got it.
#[derive(Debug, Clone)]
struct Got {
    service: String,
    instance: String,
    trace_id: String,
    span_id: String,
    parent: String,
    name: String,
    /// OTLP SpanKind: 2 server, 3 client.
    kind: i32,
}

#[derive(Clone, Default)]
struct Receiver {
    spans: Arc<Mutex<Vec<Got>>>,
    posts: Arc<Mutex<usize>>,
}

fn attr(attrs: &[opentelemetry_proto::tonic::common::v1::KeyValue], key: &str) -> String {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
        .map(|v| match v {
            AnyValue::StringValue(s) => s.clone(),
            other => format!("{other:?}"),
        })
        .unwrap_or_default()
}

async fn v1_traces(
    State(r): State<Receiver>,
    body: Bytes,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], Vec<u8>) {
    *r.posts.lock().unwrap() += 1;
    let Ok(req) = ExportTraceServiceRequest::decode(body) else {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain")],
            b"not an ExportTraceServiceRequest".to_vec(),
        );
    };
    let mut got = r.spans.lock().unwrap();
    for rs in req.resource_spans {
        let attrs = rs.resource.map(|r| r.attributes).unwrap_or_default();
        let service = attr(&attrs, "service.name");
        let instance = attr(&attrs, "service.instance.id");
        for ss in rs.scope_spans {
            for s in ss.spans {
                got.push(Got {
                    service: service.clone(),
                    instance: instance.clone(),
                    trace_id: hex::encode(&s.trace_id),
                    span_id: hex::encode(&s.span_id),
                    parent: hex::encode(&s.parent_span_id),
                    name: s.name,
                    kind: s.kind,
                });
            }
        }
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

/// Starts the receiver on `addr` in a thread of its own.
fn start_receiver(addr: SocketAddr) -> Receiver {
    let r = Receiver::default();
    let app = Router::new()
        .route("/v1/traces", post(v1_traces))
        .with_state(r.clone());
    let listener = std::net::TcpListener::bind(addr).unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    r
}

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN: &str = "b7ad6b7169203331";

fn create_game(sb: &Sandbox, traceparent: Option<&str>) -> (Value, String) {
    let token = Tokens::of(sb).mint("alice", Role::Player);
    let mut req = http()
        .post(format!("http://{}/api/v1/games", sb.gateway()))
        .bearer_auth(token)
        .header("tracestate", "congo=t61rcWkgMzE")
        .json(&json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 100}]}));
    if let Some(tp) = traceparent {
        req = req.header("traceparent", tp);
    }
    let resp = req.send().unwrap();
    assert_eq!(resp.status(), 201);
    let rid = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    (resp.json().unwrap(), rid)
}

/// The trace ids on `service`'s log lines of the request `rid`.
fn logged_trace_ids(sb: &Sandbox, service: &str, rid: &str) -> Vec<String> {
    let log = std::fs::read_to_string(sb.state_dir().join(format!("logs/{service}.log")))
        .unwrap_or_default();
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| {
            let span = v["spans"]
                .as_array()?
                .iter()
                .find(|s| s["name"] == "request")?
                .clone();
            (span["request_id"] == rid).then(|| span["trace_id"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

/// Every line of any validator's log for a `/propose` request in `trace`.
fn validator_logged(sb: &Sandbox, trace: &str) -> bool {
    (0..sb.validators).any(|i| {
        std::fs::read_to_string(sb.state_dir().join(format!("logs/validator-{i}.log")))
            .unwrap_or_default()
            .lines()
            .any(|l| l.contains("/propose") && l.contains(&format!("\"trace_id\":\"{trace}\"")))
    })
}

#[test]
fn one_request_is_one_trace_across_gateway_engine_and_validators() {
    let port = support::free_port_block(1);
    let rx = start_receiver(support::addr(port));
    let sb = Sandbox::new()
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            &format!("http://127.0.0.1:{port}"),
        )
        .env("OTEL_BSP_SCHEDULE_DELAY", "100");
    sb.up_funded();
    let tp = format!("00-{TRACE}-{CALLER_SPAN}-01");
    let (game, rid) = create_game(&sb, Some(&tp));
    let id = game["id"].as_str().unwrap();

    // The game's commitment is anchored in the background; once its anchor
    // is in the game, every span of the chain has ended.
    let token = Tokens::of(&sb).mint("alice", Role::Player);
    wait_for("the commitment anchor", Duration::from_secs(30), || {
        let g: Value = http()
            .get(format!("http://{}/api/v1/games/{id}/proof", sb.gateway()))
            .bearer_auth(&token)
            .send()
            .ok()?
            .json()
            .ok()?;
        (!g["anchors"].as_array()?.is_empty()).then_some(())
    });

    // Spans of one trace: find each hop as the child of the previous one.
    let find = |spans: &[Got], service: &str, kind: i32, parent: &str, name: &str| {
        spans
            .iter()
            .find(|s| {
                s.service == service
                    && s.kind == kind
                    && s.parent == parent
                    && s.name.contains(name)
            })
            .cloned()
    };
    let chain = wait_for("the trace's spans", Duration::from_secs(30), || {
        let spans: Vec<Got> = rx
            .spans
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.trace_id == TRACE)
            .cloned()
            .collect();
        let gw_server = find(
            &spans,
            "bitcraps-gateway",
            2,
            CALLER_SPAN,
            "POST /api/v1/games",
        )?;
        let gw_client = find(&spans, "bitcraps-gateway", 3, &gw_server.span_id, "POST")?;
        let engine = find(
            &spans,
            "bitcraps-engine",
            2,
            &gw_client.span_id,
            "POST /games",
        )?;
        let anchor = find(&spans, "bitcraps-engine", 3, &engine.span_id, "POST")?;
        let proposer = find(
            &spans,
            "bitcraps-consensus",
            2,
            &anchor.span_id,
            "POST /propose",
        )?;
        let to_peer = find(&spans, "bitcraps-consensus", 3, &proposer.span_id, "POST")?;
        let peer = find(
            &spans,
            "bitcraps-consensus",
            2,
            &to_peer.span_id,
            "POST /peer",
        )?;
        Some(vec![
            gw_server, gw_client, engine, anchor, proposer, to_peer, peer,
        ])
    });
    let names: Vec<String> = chain
        .iter()
        .map(|s| format!("{} {} {}", s.instance, s.kind, s.name))
        .collect();
    assert_eq!(chain[0].instance, "gateway", "{names:?}");
    assert_eq!(chain[2].instance, "engine-0", "{names:?}");
    assert!(chain[4].instance.starts_with("validator-"), "{names:?}");
    // The message went to another validator.
    assert!(
        chain[6].instance.starts_with("validator-") && chain[6].instance != chain[4].instance,
        "{names:?}"
    );
    // Ids are unique within the trace.
    let mut ids: Vec<&str> = chain.iter().map(|s| s.span_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), chain.len(), "{names:?}");

    // Log lines of the request carry its trace id, in every service.
    for service in ["gateway", "engine-0"] {
        let ids = wait_for("the request's log lines", Duration::from_secs(10), || {
            let ids = logged_trace_ids(&sb, service, &rid);
            (!ids.is_empty()).then_some(ids)
        });
        assert!(ids.iter().all(|t| t == TRACE), "{service}: {ids:?}");
    }
}

#[test]
fn without_an_endpoint_nothing_is_exported_and_the_trace_still_propagates() {
    // OTLP/HTTP's default port: an exporter that ran by default would post here.
    let default_port = std::net::TcpListener::bind("127.0.0.1:4318")
        .map(drop)
        .is_ok();
    let rx = default_port.then(|| start_receiver(support::addr(4318)));
    let sb = Sandbox::new()
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100");
    sb.up_funded();
    let tp = format!("00-{TRACE}-{CALLER_SPAN}-01");
    let (_, rid) = create_game(&sb, Some(&tp));
    // The caller's trace id reaches the engine and, with the anchor, a
    // validator; every log line of the request carries it.
    let engine = wait_for("the engine's request log", Duration::from_secs(10), || {
        let ids = logged_trace_ids(&sb, "engine-0", &rid);
        (!ids.is_empty()).then_some(ids)
    });
    assert!(engine.iter().all(|t| t == TRACE), "{engine:?}");
    wait_for(
        "a validator's log in the trace",
        Duration::from_secs(30),
        || validator_logged(&sb, TRACE).then_some(()),
    );

    // Without a traceparent the gateway starts a trace, and the engine
    // continues it.
    let (_, rid) = create_game(&sb, None);
    // The gateway's log line may still be on its way to the log file.
    let gw = wait_for("the gateway's request log", Duration::from_secs(10), || {
        let ids = logged_trace_ids(&sb, "gateway", &rid);
        (!ids.is_empty()).then_some(ids)
    });
    let started = gw.first().cloned().unwrap_or_default();
    assert_eq!(started.len(), 32, "{gw:?}");
    assert_ne!(started, TRACE);
    let engine = wait_for("the engine's request log", Duration::from_secs(10), || {
        let ids = logged_trace_ids(&sb, "engine-0", &rid);
        (!ids.is_empty()).then_some(ids)
    });
    assert!(
        engine.iter().all(|t| *t == started),
        "{engine:?} vs {started}"
    );

    // Nothing was exported, and no service says it exports.
    drop(sb.run(&["down"]));
    if let Some(rx) = rx {
        assert_eq!(
            *rx.posts.lock().unwrap(),
            0,
            "spans were exported by default"
        );
    } else {
        eprintln!("port 4318 is taken here; the default-endpoint check was skipped");
    }
    for f in std::fs::read_dir(sb.state_dir().join("logs")).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains("exporting traces"), "{text}");
    }
}
