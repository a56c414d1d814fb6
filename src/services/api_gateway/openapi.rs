//! The proxied routes in the gateway's OpenAPI document, built from the
//! engine's, the validators' and the wallet's own documents (the same
//! utoipa types their handlers use): each upstream path under its
//! `/api/v1/...` prefix, its schemas merged into the gateway's components,
//! and the statuses the gateway itself may answer added to every operation.

use axum::http::Method;
use serde_json::{Value, json};
use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;

use super::routes::{self, Need};
use crate::services::common::openapi::{finish, merge_under};

/// What the gateway may answer on any proxied route, before or instead of
/// the upstream.
const GATEWAY_STATUSES: &[(&str, &str)] = &[
    ("429", "Rate limited; see Retry-After"),
    ("502", "The upstream could not be reached"),
    (
        "503",
        "No healthy instance, or its circuit is open; see Retry-After where given",
    ),
    ("504", "The upstream did not answer in time"),
];

/// The upstream documents and where the gateway serves them: (document,
/// path prefix, operation id prefix).
fn upstreams() -> Vec<(OpenApi, &'static str, &'static str)> {
    use crate::services::{consensus, game_engine, wallet};
    vec![
        (
            game_engine::http::EngineApi::openapi(),
            "/api/v1",
            "engine_",
        ),
        (
            consensus::http::ConsensusApi::openapi(),
            "/api/v1/consensus",
            "consensus_",
        ),
        (
            wallet::http::WalletApi::openapi(),
            "/api/v1/wallet",
            "wallet_",
        ),
    ]
}

/// `doc` with every proxied route added, and the names of schemas that
/// two documents define differently (none, checked by a test).
pub fn with_proxied(doc: OpenApi) -> (OpenApi, Vec<String>) {
    let Ok(mut v) = serde_json::to_value(&doc) else {
        return (doc, Vec::new());
    };
    let mut clashes = Vec::new();
    for (upstream, prefix, id_prefix) in upstreams() {
        let Ok(up) = serde_json::to_value(finish(upstream)) else {
            continue;
        };
        clashes.extend(merge_under(
            &mut v,
            &up,
            prefix,
            id_prefix,
            &[],
            GATEWAY_STATUSES,
        ));
    }
    gateway_rules(&mut v);
    match serde_json::from_value(v) {
        Ok(d) => (d, clashes),
        Err(e) => {
            tracing::error!(error = %e, "the gateway's OpenAPI document does not rebuild");
            (doc, clashes)
        }
    }
}

/// Whether the gateway forwards `method` on the documented `path`, and to
/// whom: the allow-list in `routes` decides, with every `{param}` taken as
/// a plain id. `None` for paths the gateway serves itself.
fn forwarded(method: &str, path: &str) -> Option<Result<Need, ()>> {
    let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
        return Some(Err(()));
    };
    let concrete: Vec<&str> = path
        .split('/')
        .map(|s| if s.starts_with('{') { "id" } else { s })
        .collect();
    let concrete = concrete.join("/");
    let route = if let Some(rest) = concrete.strip_prefix("/api/v1/consensus/") {
        routes::consensus(&method, rest)
    } else if let Some(rest) = concrete.strip_prefix("/api/v1/wallet/") {
        routes::wallet(&method, rest)
    } else if let Some(rest) = concrete.strip_prefix("/api/v1/games/") {
        match rest.split_once('/') {
            Some((id, rest)) => routes::game(&method, id, Some(rest)),
            None => routes::game(&method, rest, None),
        }
    } else {
        return None;
    };
    Some(route.map(|r| r.need).map_err(|_| ()))
}

/// What the gateway checks itself on top of the upstream's rules.
fn gateway_rules(v: &mut Value) {
    let Some(paths) = v["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for method in crate::services::common::openapi::METHODS {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            if !item.contains_key(*method) {
                continue;
            }
            let need = match forwarded(method, path) {
                // An upstream route the gateway does not forward (a
                // validator's /peer and /fault) is not in its document.
                Some(Err(())) => {
                    item.remove(*method);
                    continue;
                }
                Some(Ok(need)) => need,
                None => Need::Anyone,
            };
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            // Every proxied route needs credentials at the gateway, even
            // one the upstream serves to anyone (a validator's `/status`).
            op.remove("security");
            if let Some(r) = op.get_mut("responses").and_then(Value::as_object_mut) {
                r.insert(
                    "401".into(),
                    json!({ "description": "No or bad credentials" }),
                );
                let role = match need {
                    Need::Anyone => None,
                    Need::Admin => Some("Needs the admin role here"),
                    Need::Validator => Some("Needs the validator role here"),
                };
                if let Some(role) = role {
                    r.insert("403".into(), json!({ "description": role }));
                }
            }
        }
    }
    paths.retain(|_, item| {
        item.as_object().is_none_or(|o| {
            crate::services::common::openapi::METHODS
                .iter()
                .any(|m| o.contains_key(*m))
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upstream_documents_merge_without_clashes() {
        let (doc, clashes) = with_proxied(OpenApi::default());
        assert!(clashes.is_empty(), "schemas defined twice: {clashes:?}");
        let v = serde_json::to_value(finish(doc)).unwrap();
        for (path, method) in [
            ("/api/v1/games", "get"),
            ("/api/v1/games/{id}/actions", "post"),
            ("/api/v1/consensus/proposals/{id}", "get"),
            ("/api/v1/consensus/validators", "get"),
            ("/api/v1/wallet/transfers", "post"),
        ] {
            let op = &v["paths"][path][method];
            assert!(op.is_object(), "{method} {path}");
            assert!(op["responses"]["429"].is_object(), "{method} {path}");
        }
        for path in ["/api/v1/consensus/peer", "/api/v1/consensus/fault"] {
            assert!(v["paths"].get(path).is_none(), "{path} is not forwarded");
        }
        assert!(v["paths"]["/api/v1/consensus/vote"]["post"]["responses"]["403"].is_object());
        for path in ["/api/v1/consensus/validators", "/api/v1/consensus/status"] {
            let get = &v["paths"][path]["get"];
            assert_eq!(get["security"][0]["bearer"], json!([]), "{path}");
            assert_eq!(get["security"][1]["api_key"], json!([]), "{path}");
        }
    }
}
