//! Each service's `/openapi.json`, as served by a running installation, is
//! a valid OpenAPI 3.1 document (checked against the OpenAPI Initiative's
//! schema, vendored in tests/data/, and each component schema against
//! JSON Schema 2020-12), and describes exactly the routes the service
//! serves: every documented operation is routed (it is not answered by the
//! unknown-route or wrong-method fallback), and every route registered in
//! the source is documented. The gateway's document holds every upstream
//! operation under its `/api/v1/...` prefix.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::Sandbox;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

fn oas_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(support::repo_root().join("tests/data/oas-3.1.schema.json"))
        .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// `(METHOD, path)` of every operation in `doc`.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if item.get(*m).is_some() {
                ops.insert((m.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// Problems with one document: schema errors, path parameters without a
/// schema, error responses that are not problem+json, secured operations
/// without both schemes.
fn check_document(name: &str, doc: &Value, oas: &jsonschema::Validator) -> Vec<String> {
    let mut bad: Vec<String> = oas
        .iter_errors(doc)
        .map(|e| format!("{name}: {} at {}", e, e.instance_path()))
        .collect();
    assert_eq!(doc["openapi"].as_str().unwrap().get(..4), Some("3.1."));
    for (schema_name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Err(e) = jsonschema::meta::validate(schema) {
            bad.push(format!("{name}: schema {schema_name}: {e}"));
        }
    }
    let mut ids = BTreeSet::new();
    for (m, path) in operations(doc) {
        let op = &doc["paths"][&path][m.to_ascii_lowercase()];
        if let Some(id) = op["operationId"].as_str()
            && !ids.insert(id.to_string())
        {
            bad.push(format!("{name}: operationId {id} twice"));
        }
        for seg in path.split('/') {
            let Some(p) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                continue;
            };
            let found = op["parameters"].as_array().and_then(|ps| {
                ps.iter()
                    .find(|x| x["name"] == p && x["in"] == "path" && x["schema"].is_object())
            });
            if found.is_none() {
                bad.push(format!(
                    "{name}: {m} {path}: path parameter {p} has no schema"
                ));
            }
        }
        for (status, resp) in op["responses"].as_object().unwrap() {
            if (status.starts_with('4') || status.starts_with('5'))
                && resp["content"]["application/problem+json"]["schema"]["$ref"]
                    != "#/components/schemas/Problem"
            {
                bad.push(format!("{name}: {m} {path} {status} is not problem+json"));
            }
        }
        if op["responses"].get("401").is_some() && op.get("security").is_none() {
            bad.push(format!(
                "{name}: {m} {path} answers 401 but names no security"
            ));
        }
    }
    bad
}

/// Routes registered with `.route("PATH", get(..).post(..))` in `file`.
fn source_routes(file: &str) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(support::repo_root().join(file)).unwrap();
    let mut out = BTreeSet::new();
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in flat.split(".route(").skip(1) {
        let Some(rest) = part.strip_prefix('"') else {
            continue;
        };
        let Some((path, handlers)) = rest.split_once('"') else {
            continue;
        };
        // The handlers up to the call's closing parenthesis.
        let mut depth = 1;
        let mut end = handlers.len();
        for (i, c) in handlers.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let handlers = &handlers[..end];
        for m in ["get", "post", "put", "delete", "patch", "any"] {
            let called = handlers.starts_with(&format!(", {m}("))
                || handlers.contains(&format!(".{m}("))
                || handlers.contains(&format!(" {m}("));
            if called {
                out.insert((m.to_ascii_uppercase(), path.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_document_is_valid_openapi_3_1_and_matches_the_routes() {
    let sb = Sandbox::sized(1, 1).env("BYZANTINE_THRESHOLD", "0");
    sb.up();
    let oas = oas_validator();
    let http = support::http();
    let admin = support::Tokens::of(&sb).mint("admin", bitcraps::auth::Role::Admin);
    let fetch = |addr: std::net::SocketAddr| -> Value {
        http.get(format!("{}/openapi.json", sb.base(addr)))
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let services = [
        ("gateway", sb.gateway()),
        ("engine", sb.engine()),
        ("validator", sb.validator(0)),
        ("wallet", sb.wallet()),
    ];
    let docs: Vec<(&str, std::net::SocketAddr, Value)> =
        services.iter().map(|(n, a)| (*n, *a, fetch(*a))).collect();
    // The validator does find problems (a control).
    assert!(!oas.is_valid(&serde_json::json!({"openapi": "3.1.0", "paths": {}})));
    if let Ok(dir) = std::env::var("OPENAPI_DUMP") {
        for (name, _, doc) in &docs {
            let text = serde_json::to_string_pretty(doc).unwrap();
            std::fs::write(format!("{dir}/{name}.json"), text).unwrap();
        }
    }
    let mut bad = Vec::new();
    for (name, addr, doc) in &docs {
        bad.extend(check_document(name, doc, &oas));
        // Every documented operation is routed: asked with no credentials
        // and no body, it is never the unknown-route or wrong-method answer.
        for (m, path) in operations(doc) {
            let concrete: String = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "1" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let method = reqwest::Method::from_bytes(m.as_bytes()).unwrap();
            let r = http
                .request(method, format!("{}{concrete}", sb.base(*addr)))
                .send()
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().unwrap_or(Value::Null);
            let detail = body["detail"].as_str().unwrap_or("");
            if detail.starts_with("no route for")
                || detail.contains("is not allowed on")
                || detail.contains("is not a route the gateway forwards")
            {
                bad.push(format!(
                    "{name}: documented {m} {path} is not routed: {status} {detail}"
                ));
            }
        }
    }
    // Every route in the source is documented.
    let base = source_routes("src/services/common/http.rs");
    let doc_of = |n: &str| &docs.iter().find(|(x, _, _)| *x == n).unwrap().2;
    for (name, file) in [
        ("engine", "src/services/game_engine/http.rs"),
        ("validator", "src/services/consensus/http.rs"),
        ("wallet", "src/services/wallet/http.rs"),
    ] {
        let documented = operations(doc_of(name));
        for route in source_routes(file).iter().chain(base.iter()) {
            if !documented.contains(route) {
                bad.push(format!(
                    "{name}: route {} {} is not documented",
                    route.0, route.1
                ));
            }
        }
    }
    let gateway = operations(doc_of("gateway"));
    for file in [
        "src/services/api_gateway/mod.rs",
        "src/services/api_gateway/jwks.rs",
    ] {
        for (m, path) in source_routes(file) {
            if path.contains("{*rest}") || path.contains("{id}") || path == "/api/v1/games" {
                continue; // proxied: checked against the upstream documents below
            }
            if !gateway.contains(&(m.clone(), path.clone())) {
                bad.push(format!("gateway: route {m} {path} is not documented"));
            }
        }
    }
    for route in &base {
        if !gateway.contains(route) {
            bad.push(format!(
                "gateway: route {} {} is not documented",
                route.0, route.1
            ));
        }
    }
    // The gateway describes every upstream operation it forwards under its
    // prefix; one it does not document it must refuse as no route of its
    // own (a validator's /peer and /fault).
    let gateway_addr = docs.iter().find(|(x, _, _)| *x == "gateway").unwrap().1;
    let base_paths: BTreeSet<&str> = base.iter().map(|(_, p)| p.as_str()).collect();
    for (name, prefix) in [
        ("engine", "/api/v1"),
        ("validator", "/api/v1/consensus"),
        ("wallet", "/api/v1/wallet"),
    ] {
        for (m, path) in operations(doc_of(name)) {
            if base_paths.contains(path.as_str()) {
                continue;
            }
            let proxied = format!("{prefix}{path}");
            if gateway.contains(&(m.clone(), proxied.clone())) {
                continue;
            }
            let method = reqwest::Method::from_bytes(m.as_bytes()).unwrap();
            let r = http
                .request(method, format!("http://{gateway_addr}{proxied}"))
                .bearer_auth(&admin)
                .send()
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().unwrap_or(Value::Null);
            let detail = body["detail"].as_str().unwrap_or("");
            if status != 404 || !detail.contains("is not a route the gateway forwards") {
                bad.push(format!(
                    "gateway: {m} {proxied} ({name} {path}) is neither documented nor refused: \
                     {status} {detail}"
                ));
            }
        }
    }
    // A real answer matches its documented schema: a committed block as
    // GET /blocks/{height} serves it (BlockAnswer, with its $refs).
    let validator = sb.validator(0);
    let committed: Value = http
        .post(format!("{}/propose?wait=true", sb.base(validator)))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "payload": { "openapi": "block schema" } }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let height = committed["height"].as_u64().unwrap();
    let id = committed["proposal_id"].as_str().unwrap();
    let get = |path: &str| -> Value {
        http.get(format!("{}{path}", sb.base(validator)))
            .bearer_auth(&admin)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let schema_of = |name: &str| {
        jsonschema::validator_for(&serde_json::json!({
            "$ref": format!("#/components/schemas/{name}"),
            "components": doc_of("validator")["components"],
        }))
        .unwrap()
    };
    for (path, name, answer) in [
        (
            format!("/blocks/{height}"),
            "BlockAnswer",
            get(&format!("/blocks/{height}")),
        ),
        (
            format!("/proposals/{id}"),
            "ProposalAnswer",
            get(&format!("/proposals/{id}")),
        ),
        (
            "/validators".to_string(),
            "ValidatorsAnswer",
            get("/validators"),
        ),
        ("/status".to_string(), "StatusAnswer", get("/status")),
        ("/evidence".to_string(), "EvidenceAnswer", get("/evidence")),
    ] {
        let check = schema_of(name);
        bad.extend(
            check
                .iter_errors(&answer)
                .map(|e| format!("validator: GET {path} does not match {name}: {e}")),
        );
        // Each schema refuses what is not such an answer (a control).
        assert!(
            !check.is_valid(&serde_json::json!({ "height": "seven" })),
            "{name}"
        );
    }
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
