//! `GET /.well-known/jwks.json`: the public keys tokens are verified with
//! (RFC 7517), with each key's scope, for clients and other verifiers. No
//! credentials: it holds nothing secret.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::services::common::extract::TokenVerifier;

/// The key set (empty under the HS256 opt-in, whose secret is never served).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JWK Set: OKP/Ed25519 public keys with kid, alg EdDSA, use sig, and their scope (bitcraps_roles, bitcraps_sub)",
               content_type = "application/jwk-set+json", body = Object)))]
pub async fn jwks(State(v): State<TokenVerifier>) -> Response {
    let body = serde_json::to_vec(&v.0.jwks()).unwrap_or_else(|_| b"{\"keys\":[]}".to_vec());
    (
        [
            (header::CONTENT_TYPE, "application/jwk-set+json"),
            (header::CACHE_CONTROL, "max-age=60"),
        ],
        body,
    )
        .into_response()
}

pub fn routes<S: Clone + Send + Sync + 'static>(v: TokenVerifier) -> Router<S> {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(v)
}
