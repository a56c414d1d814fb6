//! Property-based API test against real running services: requests are
//! generated from the services' own OpenAPI documents (the engine, a
//! validator, the wallet, and the gateway's), valid ones within the
//! documented bounds and mutated ones (wrong types, out-of-range numbers,
//! junk path parameters, missing or non-JSON bodies, no credentials), sent
//! as an admin, a player or nobody. Every answer must be:
//!
//! - never a 500 (any other 5xx only where documented, e.g. 503);
//! - a status the document lists for that operation;
//! - a 2xx whose JSON body validates against the documented schema;
//! - a 4xx that is `application/problem+json` validating against `Problem`.
//!
//! `API_FUZZ_CASES=N` runs N cases (default 1000, about 15 s in debug on
//! two cores).

#![allow(clippy::unwrap_used)]

mod support;

use bitcraps::auth::Role;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use support::Sandbox;

/// One documented operation of one service.
struct Op {
    base: String,
    method: String,
    path: String,
    op: Value,
    /// The document's components, for resolving `$ref`s.
    doc: std::sync::Arc<Value>,
}

/// Operations that are not fuzzed: `POST /fault` can silence the only
/// validator (it is 404 unless fault injection is on, but a sandbox could
/// enable it), which would stop the sandbox from answering the rest.
fn excluded(method: &str, path: &str) -> bool {
    method == "post" && path.ends_with("/fault")
}

/// A tiny deterministic generator driven by one proptest-chosen seed, so a
/// failing case is reproduced (and shrunk) by its seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or("");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// A value for `schema`: valid within its bounds when `valid`, else one
/// of the usual mistakes.
fn value_for(g: &mut Gen, doc: &Value, schema: &Value, valid: bool, depth: u32) -> Value {
    let schema = resolve(doc, schema);
    if !valid {
        return g
            .pick(&[
                json!(-1),
                json!("abc"),
                json!(1.5),
                json!(null),
                json!([]),
                json!({}),
                json!(u64::MAX),
                json!("9999999999999999999999"),
                json!(true),
            ])
            .clone();
    }
    if let Some(options) = schema["enum"].as_array().filter(|o| !o.is_empty()) {
        return g.pick(options).clone();
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_string(),
        _ => {
            if let Some(one) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
                if let Some(s) = one.get(g.below(one.len() as u64) as usize) {
                    return value_for(g, doc, s, true, depth + 1);
                }
            }
            "object".to_string()
        }
    };
    match ty.as_str() {
        "integer" | "number" => {
            let min = schema["minimum"].as_u64().unwrap_or(0);
            let max = schema["maximum"].as_u64().unwrap_or(min + 1000);
            json!(min + g.below(max.saturating_sub(min) + 1))
        }
        "boolean" => json!(g.below(2) == 1),
        "string" => {
            if let Some(p) = schema["pattern"].as_str() {
                // The documented alternatives of a `^(a|b|c…)$` pattern.
                let inner = p.trim_start_matches("^(").trim_end_matches(")$");
                let alt = g.pick(&inner.split('|').collect::<Vec<_>>()).to_string();
                return json!(alt.replace(".+", "alice"));
            }
            json!(
                g.pick(&["alice", "bob", "e0-1", "house", "x", "player:alice"])
                    .to_string()
            )
        }
        "array" if depth < 3 => {
            let n = g.below(3);
            json!(
                (0..n)
                    .map(|_| value_for(g, doc, &schema["items"], true, depth + 1))
                    .collect::<Vec<_>>()
            )
        }
        "object" if depth < 3 => {
            let mut m = Map::new();
            if let Some(props) = schema["properties"].as_object() {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (k, s) in props {
                    if required.contains(&k.as_str()) || g.below(2) == 1 {
                        m.insert(k.clone(), value_for(g, doc, s, true, depth + 1));
                    }
                }
            }
            Value::Object(m)
        }
        _ => Value::Null,
    }
}

#[derive(Debug, Clone, Copy)]
enum Mutation {
    Valid,
    WrongType,
    JunkPath,
    TextBody,
    NoBody,
    DropRequired,
}

const MUTATIONS: &[Mutation] = &[
    Mutation::Valid,
    Mutation::Valid,
    Mutation::WrongType,
    Mutation::JunkPath,
    Mutation::TextBody,
    Mutation::NoBody,
    Mutation::DropRequired,
];

/// Builds, sends and checks one request; `Err` says what broke the contract.
fn run_case(
    http: &reqwest::blocking::Client,
    ops: &[Op],
    tokens: &[Option<String>],
    validators: &ValidatorCache,
    (index, who, mutation, seed): (usize, usize, usize, u64),
) -> Result<(), String> {
    let op = &ops[index % ops.len()];
    let mutation = MUTATIONS[mutation % MUTATIONS.len()];
    let mut g = Gen(seed | 1);
    let doc = &*op.doc;
    let valid = !matches!(mutation, Mutation::WrongType);
    let mut path = op.path.clone();
    let mut query: Vec<(String, String)> = Vec::new();
    for p in op.op["parameters"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or("");
        let v = value_for(&mut g, doc, &p["schema"], valid, 0);
        let text = match &v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match p["in"].as_str() {
            Some("path") => {
                let text = if matches!(mutation, Mutation::JunkPath) {
                    g.pick(&["-1", "%FF", "..", "%20", "abc", "99999999999999999999999"])
                        .to_string()
                } else {
                    text
                };
                path = path.replace(&format!("{{{name}}}"), &text);
            }
            Some("query") if valid || g.below(2) == 1 => query.push((name.to_string(), text)),
            _ => {}
        }
    }
    let method = reqwest::Method::from_bytes(op.method.to_ascii_uppercase().as_bytes()).unwrap();
    let url = format!("{}{path}", op.base);
    let mut req = http.request(method.clone(), &url).query(&query);
    if let Some(t) = &tokens[who % tokens.len()] {
        req = req.bearer_auth(t);
    }
    let body_schema = &op.op["requestBody"]["content"]["application/json"]["schema"];
    let mut sent_body = Value::Null;
    if !body_schema.is_null() {
        let mut body = value_for(&mut g, doc, body_schema, true, 0);
        match mutation {
            Mutation::NoBody => {}
            Mutation::TextBody => req = req.header("content-type", "text/plain").body("{}"),
            Mutation::WrongType => {
                if let Some(m) = body.as_object_mut()
                    && let Some(k) = m.keys().next().cloned()
                {
                    m.insert(k, value_for(&mut g, doc, &Value::Null, false, 0));
                }
                req = req.json(&body);
            }
            Mutation::DropRequired => {
                if let Some(m) = body.as_object_mut() {
                    let first = m.keys().next().cloned();
                    if let Some(k) = first {
                        m.remove(&k);
                    }
                }
                req = req.json(&body);
            }
            _ => req = req.json(&body),
        }
        sent_body = body;
    }
    let what = format!(
        "{method} {url} ?{query:?} ({mutation:?}, who {}) body {sent_body}",
        who % tokens.len()
    );
    let resp = req.send().map_err(|e| format!("{what}: no answer: {e}"))?;
    let status = resp.status().as_u16();
    *validators.seen.lock().unwrap().entry(status).or_default() += 1;
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // An event stream is documented as such and never read to its end.
    if kind.starts_with("text/event-stream") {
        return if status == 200 {
            Ok(())
        } else {
            Err(format!("{what}: {status} event stream"))
        };
    }
    let text = resp.text().unwrap_or_default();
    if status == 500 || status == 501 {
        return Err(format!("{what}: {status}: {text}"));
    }
    let documented = &op.op["responses"][status.to_string()];
    if !documented.is_object() {
        return Err(format!("{what}: undocumented status {status}: {text}"));
    }
    if status >= 400 {
        if kind != "application/problem+json" {
            return Err(format!("{what}: {status} as {kind:?}: {text}"));
        }
        let body: Value =
            serde_json::from_str(&text).map_err(|e| format!("{what}: {status} not JSON: {e}"))?;
        validators
            .check(doc, "#/components/schemas/Problem", &body)
            .map_err(|e| format!("{what}: {status} not a Problem: {e}: {text}"))?;
    } else if let Some(schema) = documented["content"]["application/json"]["schema"].as_object() {
        let body: Value =
            serde_json::from_str(&text).map_err(|e| format!("{what}: {status} not JSON: {e}"))?;
        let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
            return Ok(());
        };
        validators
            .check(doc, r, &body)
            .map_err(|e| format!("{what}: {status} body does not match {r}: {e}: {text}"))?;
    }
    Ok(())
}

/// Compiled validators of `#/components/schemas/X` per document.
#[derive(Default)]
struct ValidatorCache {
    compiled: std::sync::Mutex<std::collections::HashMap<(usize, String), jsonschema::Validator>>,
    /// How many answers of each status the run saw (printed at the end).
    seen: std::sync::Mutex<std::collections::BTreeMap<u16, usize>>,
}

impl ValidatorCache {
    fn check(&self, doc: &Value, r: &str, v: &Value) -> Result<(), String> {
        let key = (doc as *const Value as usize, r.to_string());
        let mut map = self.compiled.lock().unwrap();
        if !map.contains_key(&key) {
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$ref": r,
                "components": doc["components"].clone(),
            });
            let compiled = jsonschema::validator_for(&root).map_err(|e| e.to_string())?;
            map.insert(key.clone(), compiled);
        }
        let errors: Vec<String> = map[&key].iter_errors(v).map(|e| e.to_string()).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

#[test]
fn generated_requests_get_documented_answers() {
    let sb = Sandbox::sized(1, 1)
        .env("BYZANTINE_THRESHOLD", "0")
        .env("RATE_LIMIT_MAX_REQUESTS", "1000000000");
    sb.up_funded();
    let t = support::Tokens::of(&sb);
    let tokens = vec![
        Some(t.mint("admin", Role::Admin)),
        Some(t.mint("alice", Role::Player)),
        None,
    ];
    let http = support::http_builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let mut ops = Vec::new();
    for addr in [sb.gateway(), sb.engine(), sb.validator(0), sb.wallet()] {
        let base = sb.base(addr);
        let doc: Value = http
            .get(format!("{base}/openapi.json"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let doc = std::sync::Arc::new(doc);
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if !["get", "post", "put", "delete", "patch"].contains(&method.as_str())
                    || excluded(method, path)
                {
                    continue;
                }
                ops.push(Op {
                    base: base.clone(),
                    method: method.clone(),
                    path: path.clone(),
                    op: op.clone(),
                    doc: doc.clone(),
                });
            }
        }
    }
    assert!(ops.len() > 60, "only {} operations", ops.len());
    let cases = std::env::var("API_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let validators = ValidatorCache::default();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        0..ops.len(),
        0..tokens.len(),
        0..MUTATIONS.len(),
        any::<u64>(),
    );
    let result = runner.run(&strategy, |case| {
        run_case(&http, &ops, &tokens, &validators, case).map_err(TestCaseError::fail)
    });
    eprintln!(
        "api_fuzz: {cases} cases, statuses {:?}",
        validators.seen.lock().unwrap()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
