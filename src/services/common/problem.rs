//! RFC 9457 `application/problem+json` error bodies.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem detail. `type` is a stable URI-reference naming the kind of
/// problem (`about:blank` when the status says it all).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Seconds for a `Retry-After` header (not part of the body).
    #[serde(skip)]
    #[schema(ignore)]
    pub retry_after: Option<u64>,
    /// The dependency whose absence this problem reports (an
    /// [`DEPENDENCY_HEADER`] header, not part of the body).
    #[serde(skip)]
    #[schema(ignore)]
    pub dependency: Option<Dependency>,
    /// The methods a 405 names in its `Allow` header (RFC 9110 §15.5.6;
    /// not part of the body): a set of [`ALLOW_METHODS`] bits, so that a
    /// `Result<_, Problem>` stays small.
    #[serde(skip)]
    #[schema(ignore)]
    pub allow: u8,
}

/// A dependency whose failure a problem reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Wallet,
    Consensus,
}

impl Dependency {
    pub fn as_str(self) -> &'static str {
        match self {
            Dependency::Wallet => "wallet",
            Dependency::Consensus => "consensus",
        }
    }
}

/// Set on a 5xx answer that reports a dependency's failure, not the
/// answering instance's own: `wallet`, `consensus`. The gateway does not
/// count such an answer against the instance's circuit breaker (the
/// instance is healthy; opening its circuit would refuse every request it
/// could still serve, reads of open games included).
pub const DEPENDENCY_HEADER: &str = "x-bitcraps-dependency";

/// The methods an `Allow` header can name, in the order it names them.
pub const ALLOW_METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank".to_string(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            instance: None,
            retry_after: None,
            dependency: None,
            allow: 0,
        }
    }

    /// Marks the problem as `dependency`'s failure (see [`DEPENDENCY_HEADER`]).
    pub fn from_dependency(mut self, dependency: Dependency) -> Problem {
        self.dependency = Some(dependency);
        self
    }

    /// Answers with `Retry-After: secs` (at least 1).
    pub fn with_retry_after(mut self, secs: u64) -> Problem {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// A 405 naming the methods the resource does allow (`Allow` header);
    /// methods not in [`ALLOW_METHODS`] are left out.
    pub fn with_allow(mut self, methods: &[&str]) -> Problem {
        for m in methods {
            if let Some(i) = ALLOW_METHODS.iter().position(|a| a == m) {
                self.allow |= 1 << i;
            }
        }
        self
    }

    /// The `Allow` header's value, if any.
    pub fn allow_header(&self) -> Option<String> {
        let names: Vec<&str> = ALLOW_METHODS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.allow & (1 << i) != 0)
            .map(|(_, m)| *m)
            .collect();
        (!names.is_empty()).then(|| names.join(", "))
    }

    pub fn with_type(mut self, kind: &str) -> Problem {
        self.kind = kind.to_string();
        self
    }

    pub fn with_instance(mut self, instance: impl Into<String>) -> Problem {
        self.instance = Some(instance.into());
        self
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut resp = (status, body).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(a) = self
            .allow_header()
            .and_then(|a| HeaderValue::from_str(&a).ok())
        {
            resp.headers_mut().insert(header::ALLOW, a);
        }
        if let Some(d) = self.dependency {
            resp.headers_mut()
                .insert(DEPENDENCY_HEADER, HeaderValue::from_static(d.as_str()));
        }
        resp
    }
}
