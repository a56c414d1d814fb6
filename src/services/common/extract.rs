//! Request extractors whose rejections are problem+json: JSON bodies and
//! the caller's credentials.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::Problem;
use crate::auth::{self, AuthError, Claims, Role};

/// `Json<T>` whose rejections are RFC 9457 problems: 400 for malformed
/// JSON, 415 for a missing JSON content type, 422 for valid JSON of the
/// wrong shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

fn json_problem(r: JsonRejection) -> Problem {
    let status = match &r {
        JsonRejection::JsonSyntaxError(_) => StatusCode::BAD_REQUEST,
        JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
        JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        // 413 for a body over the route's limit, 400 for one that broke off.
        _ => r.status(),
    };
    Problem::new(status, r.body_text())
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

/// [`json_body_within`], parsed as `T`: 400 for malformed JSON, 422 for
/// valid JSON of the wrong shape (as [`ApiJson`]); `what` names the body in
/// the error.
pub async fn json_within<T: DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    limit: usize,
    what: &str,
) -> Result<T, Problem> {
    let bytes = json_body_within(headers, body, limit).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let status = if e.is_data() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        };
        Problem::new(status, format!("malformed {what}: {e}"))
    })
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
