//! Completes a service's OpenAPI 3.1 document with what every route shares,
//! so each `#[utoipa::path]` says only what is its own:
//!
//! - security: operations that document a 401 take a bearer token or an
//!   API key (`x-api-key`), the two schemes of [`Caller`](super::extract::Caller);
//! - every error response carries the RFC 9457 [`Problem`] body as
//!   `application/problem+json`;
//! - the rejections of the extractor layer (see [`super::extract`]): 400
//!   for a bad path or query parameter; 400, 413, 415 and 422 for a JSON
//!   body; 401 for credentials;
//! - a schema for every path parameter (a string unless documented).
//!
//! It works on the document's JSON form: utoipa's builders have no way to
//! edit every operation at once.

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

use super::problem::Problem;

/// The HTTP methods an OpenAPI path item may hold.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The document with every operation completed (see the module docs).
pub fn finish(doc: OpenApi) -> OpenApi {
    let Ok(mut v) = serde_json::to_value(&doc) else {
        return doc;
    };
    finish_json(&mut v);
    serde_json::from_value(v).unwrap_or(doc)
}

/// [`finish`] on the document's JSON.
pub fn finish_json(doc: &mut Value) {
    let problem = <Problem as utoipa::PartialSchema>::schema();
    let schemas = &mut doc["components"]["schemas"];
    if !schemas.is_object() {
        *schemas = json!({});
    }
    if let (Some(map), Ok(p)) = (schemas.as_object_mut(), serde_json::to_value(problem)) {
        map.entry("Problem").or_insert(p);
    }
    doc["components"]["securitySchemes"] = json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A token from `bitcraps auth token` (ed25519 or HS256 JWT)"
        },
        "api_key": {
            "type": "apiKey",
            "in": "header",
            "name": "x-api-key",
            "description": "A key from `bitcraps auth apikey create`"
        }
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) {
                finish_operation(path, op);
            }
        }
    }
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": { "$ref": "#/components/schemas/Problem" }
            }
        }
    })
}

/// The template's parameter names (`/games/{id}/events` → `id`).
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

fn finish_operation(path: &str, op: &mut Map<String, Value>) {
    // Path parameters: each one named in the template, with a schema.
    let mut params: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for name in path_params(path) {
        let known = params
            .iter_mut()
            .find(|p| p["name"] == name && p["in"] == "path");
        match known {
            Some(p) => {
                if p.get("schema").is_none() {
                    p["schema"] = json!({ "type": "string" });
                }
            }
            None => params.push(json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": { "type": "string" }
            })),
        }
    }
    let has_params = !params.is_empty();
    if has_params {
        op.insert("parameters".into(), Value::Array(params));
    }
    let has_body = op.contains_key("requestBody");
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    let secured = responses.contains_key("401");
    let mut add = |status: &str, why: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem_response(why));
    };
    if has_params {
        add("400", "A path or query parameter that does not parse");
    }
    if has_body {
        add("400", "A body that is not JSON");
        add("413", "The body is over the route's limit");
        add("415", "No JSON content type");
        add(
            "422",
            "JSON of the wrong shape, or a value the route refuses",
        );
    }
    // Every error is a problem: give each its body.
    for (status, resp) in responses.iter_mut() {
        let error = status.starts_with('4') || status.starts_with('5');
        if !error || !resp.is_object() {
            continue;
        }
        let description = resp["description"]
            .as_str()
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| default_description(status).to_string());
        let keep_headers = resp.get("headers").cloned();
        *resp = problem_response(&description);
        if let Some(h) = keep_headers {
            resp["headers"] = h;
        }
    }
    for resp in responses.values_mut() {
        if resp["description"].as_str().is_none_or(str::is_empty) {
            resp["description"] = json!("Success");
        }
    }
    // An operation that says how it is authenticated (`security(())`:
    // not by a token) keeps its own.
    if secured && !op.contains_key("security") {
        op.insert(
            "security".into(),
            json!([{ "bearer": [] }, { "api_key": [] }]),
        );
    }
}

fn default_description(status: &str) -> &'static str {
    match status {
        "400" => "Bad request",
        "401" => "No or bad credentials: send `Authorization: Bearer <token>` or `x-api-key`",
        "403" => "The caller's role may not do this",
        "404" => "Not found",
        "409" => "Conflicts with the current state",
        "413" => "The body is over the route's limit",
        "415" => "No JSON content type",
        "422" => "A value the route refuses",
        "429" => "Rate limited; see Retry-After",
        "502" => "The upstream could not be reached",
        "503" => "Unavailable; see Retry-After where given",
        "504" => "Not answered in time",
        _ => "Error",
    }
}

/// Adds every path of `upstream` to `doc` under `prefix` (the gateway's
/// `/api/v1/...`), with operation ids prefixed by `tag_prefix` and the
/// statuses the gateway itself adds (`extra`); merges the component
/// schemas. Returns the names of schemas that differ between the two
/// documents under one name (the first is kept).
pub fn merge_under(
    doc: &mut Value,
    upstream: &Value,
    prefix: &str,
    id_prefix: &str,
    skip: &[&str],
    extra: &[(&str, &str)],
) -> Vec<String> {
    let mut clashes = Vec::new();
    if let Some(schemas) = upstream["components"]["schemas"].as_object() {
        if !doc["components"]["schemas"].is_object() {
            doc["components"]["schemas"] = json!({});
        }
        if let Some(mine) = doc["components"]["schemas"].as_object_mut() {
            for (name, schema) in schemas {
                match mine.get(name) {
                    Some(have) if have != schema => clashes.push(name.clone()),
                    Some(_) => {}
                    None => {
                        mine.insert(name.clone(), schema.clone());
                    }
                }
            }
        }
    }
    let Some(paths) = upstream["paths"].as_object() else {
        return clashes;
    };
    if !doc["paths"].is_object() {
        doc["paths"] = json!({});
    }
    for (path, item) in paths {
        if skip.contains(&path.as_str()) {
            continue;
        }
        let mut item = item.clone();
        for method in METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                let id = format!("{id_prefix}{id}");
                op.insert("operationId".into(), json!(id));
            }
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, why) in extra {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem_response(why));
            }
        }
        doc["paths"][format!("{prefix}{path}")] = item;
    }
    clashes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `finish` rebuilds the document from JSON; a schema utoipa cannot
    /// read back would silently lose every finished operation.
    #[test]
    fn every_service_document_survives_finishing() {
        use crate::services::{consensus, game_engine, wallet};
        use utoipa::OpenApi as _;
        for (name, doc) in [
            ("validator", consensus::http::ConsensusApi::openapi()),
            ("engine", game_engine::http::EngineApi::openapi()),
            ("wallet", wallet::http::WalletApi::openapi()),
        ] {
            let mut v = serde_json::to_value(&doc).unwrap();
            finish_json(&mut v);
            if let Err(e) = serde_json::from_value::<OpenApi>(v) {
                panic!("{name}: the finished document does not rebuild: {e}");
            }
        }
    }

    #[test]
    fn every_operation_gets_its_rejections_and_security() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/things/{id}": {
                    "post": {
                        "requestBody": {"content": {"application/json": {}}},
                        "responses": {"200": {"description": "ok"}, "401": {"description": ""}}
                    },
                    "get": {"responses": {"200": {"description": "ok"}}}
                }
            }
        });
        finish_json(&mut doc);
        let post = &doc["paths"]["/things/{id}"]["post"];
        for s in ["400", "401", "413", "415", "422"] {
            assert_eq!(
                post["responses"][s]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{s}"
            );
        }
        assert_eq!(post["security"][1]["api_key"], json!([]));
        assert_eq!(post["parameters"][0]["schema"]["type"], "string");
        let get = &doc["paths"]["/things/{id}"]["get"];
        assert!(get.get("security").is_none(), "no 401, no security");
        assert!(get["responses"].get("415").is_none());
        assert!(doc["components"]["schemas"]["Problem"].is_object());
    }
}
