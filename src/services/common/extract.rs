//! Request extractors whose rejections are problem+json: JSON bodies,
//! query strings, path parameters and the caller's credentials. Handlers
//! use these, never axum's `Json`/`Query`/`Path` (whose rejections are
//! `text/plain`).

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::Problem;
use crate::auth::{self, AuthError, Claims, Role};

/// A JSON request body of at most [`JSON_BODY_LIMIT`] bytes whose
/// rejections are RFC 9457 problems: 400 for malformed JSON, 413 above the
/// limit (answered after reading the body, so the client hears it), 415
/// for a missing JSON content type, 422 for valid JSON of the wrong shape.
pub struct ApiJson<T>(pub T);

/// The body limit of [`ApiJson`] routes (axum's default, 2 MiB).
pub const JSON_BODY_LIMIT: usize = 2 * 1024 * 1024;

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        json_within(&parts.headers, body, JSON_BODY_LIMIT, "request body")
            .await
            .map(ApiJson)
    }
}

/// A JSON body of at most `limit` bytes, for routes whose limit is known
/// only per request or that must answer 413 readably: 415 without a JSON
/// content type, 413 above the limit (after reading up to [`DRAIN_CAP`] of
/// the body, so the client is still listening for the answer).
pub async fn json_body_within(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, Problem> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
        });
    if !json {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected a request with `Content-Type: application/json`",
        ));
    }
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body exceeds {limit} bytes"),
        )
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    use http_body_util::BodyExt;
    let mut body = body;
    let mut kept: Vec<u8> = Vec::new();
    let mut seen: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                format!("the request body could not be read: {e}"),
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len() as u64);
        if seen <= limit as u64 && declared.is_none_or(|len| len <= limit as u64) {
            kept.extend_from_slice(&data);
        } else if seen > DRAIN_CAP as u64 {
            // Past this, answer at once and let the connection close.
            return Err(too_large());
        }
    }
    if seen > limit as u64 || declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    Ok(axum::body::Bytes::from(kept))
}

/// [`json_body_within`], parsed as `T`: 400 for JSON that does not parse,
/// 422 for valid JSON of the wrong shape; `what` names the body in the
/// error.
pub async fn json_within<T: DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    limit: usize,
    what: &str,
) -> Result<T, Problem> {
    let bytes = json_body_within(headers, body, limit).await?;
    object_body(&bytes, what)?;
    parse_json(&bytes, what)
}

/// [`json_within`] for a body that may be any JSON value (the wallet's
/// `POST /transfers` takes one transfer or an array of them).
pub async fn json_any_within<T: DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    limit: usize,
    what: &str,
) -> Result<T, Problem> {
    let bytes = json_body_within(headers, body, limit).await?;
    parse_json(&bytes, what)
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // The error names the field it is about (`players: invalid type…`).
    let parsed: Result<T, (String, serde_json::Error)> =
        match serde_path_to_error::deserialize(&mut de) {
            Ok(v) => de.end().map(|()| v).map_err(|e| (".".to_string(), e)),
            Err(e) => Err((e.path().to_string(), e.into_inner())),
        };
    parsed.map_err(|(path, e)| {
        let at = if path == "." {
            String::new()
        } else {
            format!("{path}: ")
        };
        // Well-formed JSON of the wrong shape is a 422 whatever serde calls
        // the error (a number where an enum's name goes is a "syntax" error
        // to serde_json); only JSON that does not parse is a 400.
        if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("malformed {what}: {at}{e}"),
            )
        } else {
            Problem::new(
                StatusCode::BAD_REQUEST,
                format!("the {what} is not valid JSON: {e}"),
            )
        }
    })
}

/// Request bodies are JSON objects (but for [`json_any_within`]). serde would also
/// read a struct from an array of its fields in order (`[null, null]` as a
/// proposal), a shape no document allows: that is a 422, and JSON that
/// does not parse at all a 400.
fn object_body(bytes: &[u8], what: &str) -> Result<(), Problem> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return Ok(());
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        Ok(_) => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("malformed {what}: the body must be a JSON object"),
        )),
        Err(e) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the {what} is not valid JSON: {e}"),
        )),
    }
}

/// How much of a body over its limit is read (and dropped) before the 413
/// goes out: a server that answers before the client has sent its body and
/// then closes makes the client see a broken connection instead of the
/// answer (and a proxy streaming the body, a 502). Beyond this, abuse is
/// cut off with the connection.
const DRAIN_CAP: usize = 8 * 1024 * 1024;

/// What tokens are verified with (key set, revocations, cached verdicts),
/// taken from the router state (see [`auth::Verifier`]).
#[derive(Clone)]
pub struct TokenVerifier(pub std::sync::Arc<auth::Verifier>);

impl TokenVerifier {
    pub fn new(v: std::sync::Arc<auth::Verifier>) -> TokenVerifier {
        TokenVerifier(v)
    }

    /// Verifies a bearer token (see [`auth::verify`]).
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        self.0.verify(token)
    }
}

/// The authenticated caller (`Authorization: Bearer <jwt>`, or an API key
/// in `x-api-key`); 401 without valid credentials.
#[derive(Debug, Clone)]
pub struct Caller(pub Claims);

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.0.role == Role::Admin
    }

    /// Players act only as themselves; admins may act for anyone.
    pub fn may_act_as(&self, player: &str) -> Result<(), Problem> {
        if self.is_admin() || (self.0.role == Role::Player && self.0.sub == player) {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                format!(
                    "{} ({}) may not act as {player:?}: players act only as themselves",
                    self.0.sub, self.0.role
                ),
            ))
        }
    }

    /// Whose private state (hole cards) this caller may see: a player's own
    /// seat only; no other role, whatever its `sub` says.
    pub fn viewer(&self) -> Option<&str> {
        (self.0.role == Role::Player).then_some(self.0.sub.as_str())
    }

    pub fn require_admin(&self) -> Result<(), Problem> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                format!(
                    "this needs the admin role; {} is a {}",
                    self.0.sub, self.0.role
                ),
            ))
        }
    }
}

impl<S> FromRequestParts<S> for Caller
where
    TokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let secret = TokenVerifier::from_ref(state);
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        // An API key (`x-api-key`) when there is no bearer token.
        if header.is_none()
            && let Some(key) = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok())
        {
            return crate::apikeys::verify(key.trim())
                .map(Caller)
                .ok_or_else(|| {
                    Problem::new(StatusCode::UNAUTHORIZED, "unknown or revoked API key")
                });
        }
        let claims = auth::bearer(header)
            .and_then(|t| secret.verify(t))
            .map_err(|e: AuthError| Problem::new(StatusCode::UNAUTHORIZED, e.to_string()))?;
        Ok(Caller(claims))
    }
}

/// `Query<T>` whose rejection is a problem+json 400 naming the parameter,
/// not axum's `text/plain`.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(Problem::new(StatusCode::BAD_REQUEST, r.body_text())),
        }
    }
}

/// `Path<T>` whose rejection is a problem+json 400 naming the parameter
/// (`/blocks/-1`, an id that is not UTF-8), not axum's `text/plain`.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(r) => {
                // A route without the parameters it expects is our bug (500);
                // anything else is the client's path (400).
                let status = if r.status().is_server_error() {
                    r.status()
                } else {
                    StatusCode::BAD_REQUEST
                };
                Err(Problem::new(status, r.body_text()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(sub: &str, role: Role) -> Caller {
        Caller(auth::new_claims(
            "bitcraps",
            &auth::AUDIENCES,
            sub,
            role,
            0,
            60,
        ))
    }

    #[test]
    fn a_body_must_be_a_json_object() {
        let status = |b: &str| object_body(b.as_bytes(), "request body").map_err(|p| p.status);
        assert_eq!(status(" \n{\"a\": 1}"), Ok(()));
        for shaped_wrong in ["[null, null]", "null", "1", "\"x\"", " [ ]"] {
            assert_eq!(status(shaped_wrong), Err(422), "{shaped_wrong}");
        }
        for broken in ["", "nul", "[1,", "}"] {
            assert_eq!(status(broken), Err(400), "{broken}");
        }
    }

    #[test]
    fn only_a_player_sees_its_own_seat() {
        assert_eq!(caller("alice", Role::Player).viewer(), Some("alice"));
        for role in [
            Role::Admin,
            Role::Cashier,
            Role::Engine,
            Role::Wallet,
            Role::Validator,
        ] {
            assert_eq!(caller("alice", role).viewer(), None, "{role}");
        }
    }
}
