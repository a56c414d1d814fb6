//! How CLI commands reach a running system: the gateway's URL, a bearer
//! token, and one JSON call that maps HTTP failures to documented exit codes.

use std::time::Duration;

use clap::Args;
use serde_json::Value;

use super::GlobalArgs;
use super::exit::{Code, fail};

#[derive(Debug, Args)]
pub struct Target {
    /// Gateway base URL (default: the configured gateway on 127.0.0.1).
    #[arg(long, env = "BITCRAPS_GATEWAY", value_name = "URL")]
    pub gateway: Option<String>,
    /// Bearer token (default: an admin token signed with the issuer key).
    #[arg(long, env = "BITCRAPS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// An admin token for `sub`, signed with the issuer key (HS256: the secret).
pub fn admin_token(
    g: &GlobalArgs,
    cfg: &crate::config::Config,
    sub: &str,
    ttl_secs: u64,
) -> anyhow::Result<String> {
    let (token, _) = crate::services::credentials::mint_user_token(
        cfg,
        &g.state_dir,
        true,
        sub,
        crate::auth::Role::Admin,
        &crate::auth::AUDIENCES,
        ttl_secs,
    )?;
    Ok(token)
}

#[derive(Clone)]
pub struct Gateway {
    base: String,
    /// What `base` is, for errors ("the gateway", "the wallet").
    name: &'static str,
    token: String,
    http: reqwest::blocking::Client,
}

/// One HTTP answer, success or not.
pub struct Reply {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    /// The JSON body (`Null` when there is none or it is not JSON).
    pub body: Value,
}

impl Reply {
    /// The problem+json `detail`, else the status's reason.
    pub fn detail(&self) -> &str {
        self.body["detail"]
            .as_str()
            .or(self.status.canonical_reason())
            .unwrap_or("")
    }

    /// The problem+json `type` (`about:blank` when there is none).
    pub fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or("about:blank")
    }
}

/// The exit code an HTTP error status maps to.
pub fn code_for_status(status: u16) -> Code {
    match status {
        401 | 403 => Code::Auth,
        404 => Code::NotFound,
        502..=504 => Code::Unavailable,
        _ => Code::Error,
    }
}

impl Gateway {
    /// From flags and environment, else the configured gateway on loopback
    /// and an admin token signed with the issuer key.
    pub fn new(g: &GlobalArgs, t: &Target) -> anyhow::Result<Gateway> {
        let loaded = super::load_config(g, &[])?;
        let base = match &t.gateway {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let mut a = loaded.config.gateway.listen_addr;
                if a.ip().is_unspecified() {
                    a.set_ip(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
                }
                format!("http://{a}")
            }
        };
        let token = match &t.token {
            Some(t) => t.clone(),
            None => admin_token(g, &loaded.config, "cli", 600)?,
        };
        Gateway::at(&base, &token)
    }

    /// A client of the gateway at `base` with `token`, built without the
    /// CLI's arguments (the dashboard's hands, which hold both).
    pub fn at(base: &str, token: &str) -> anyhow::Result<Gateway> {
        Ok(Gateway {
            base: base.trim_end_matches('/').to_string(),
            name: "gateway",
            token: token.to_string(),
            // Long enough for `propose --wait` to see its commit.
            http: crate::tls::transport()
                .blocking(
                    crate::tls::Expect::AnyService,
                    reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)),
                )
                .build()?,
        })
    }

    /// The same credentials against another service's base URL (a wallet
    /// reached directly rather than through the gateway).
    pub fn with_base(mut self, base: &str, name: &'static str) -> Gateway {
        self.base = base.trim_end_matches('/').to_string();
        self.name = name;
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The bearer token requests carry.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Follows a server-sent event stream at `path`, calling `on_event`
    /// with each event's `(id, event, data)` until it returns false or the
    /// stream ends.
    pub fn stream(
        &self,
        path: &str,
        on_event: impl FnMut(&str, &str, &str) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        self.stream_until(path, &|| false, on_event)
    }

    /// [`Gateway::stream`] that also ends, quietly, once `stop` says so: it
    /// is asked at every line, keep-alives included, so a quiet stream
    /// notices within one keep-alive interval.
    pub fn stream_until(
        &self,
        path: &str,
        stop: &dyn Fn() -> bool,
        mut on_event: impl FnMut(&str, &str, &str) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        use std::io::BufRead;
        let url = format!("{}{path}", self.base);
        let resp = crate::tls::transport()
            .blocking(
                crate::tls::Expect::AnyService,
                reqwest::blocking::Client::builder(),
            )
            .build()?
            .get(&url)
            .bearer_auth(&self.token)
            .header("accept", "text/event-stream")
            .send()
            .map_err(|e| {
                fail(
                    Code::Unavailable,
                    format!("cannot reach the {} at {}: {e}", self.name, self.base),
                )
            })?;
        let status = resp.status();
        if !status.is_success() {
            let v: Value = resp.json().unwrap_or(Value::Null);
            return Err(fail(
                code_for_status(status.as_u16()),
                format!(
                    "{}: {}",
                    status.as_u16(),
                    v["detail"].as_str().unwrap_or("")
                ),
            ));
        }
        let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
        for line in std::io::BufReader::new(resp).lines() {
            if stop() {
                return Ok(());
            }
            let line =
                line.map_err(|e| fail(Code::Unavailable, format!("the stream broke: {e}")))?;
            if line.is_empty() {
                if !data.is_empty() && !on_event(&id, &event, &data)? {
                    return Ok(());
                }
                event.clear();
                data.clear();
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line.as_str(), ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => id = value.to_string(),
                "event" => event = value.to_string(),
                "data" => {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(value);
                }
                _ => {} // comments (keep-alives) and unknown fields
            }
        }
        Ok(())
    }

    /// The service keys of the key set the gateway publishes
    /// (`/.well-known/jwks.json`), to check who signed a record.
    pub fn service_keys(&self) -> anyhow::Result<crate::auth::ServiceKeys> {
        let set: crate::auth::keys::JwkSet =
            serde_json::from_value(self.call("GET", "/.well-known/jwks.json", None)?)?;
        Ok(crate::auth::ServiceKeys::from_set(&set))
    }

    /// `GET path` for something committed (a block): the gateway balances
    /// over validators, and the one it picks may not have applied the
    /// latest commit yet, so a 404 is asked again for up to about two
    /// seconds before it counts.
    pub fn get_committed(&self, path: &str) -> anyhow::Result<Value> {
        let mut wait = std::time::Duration::from_millis(25);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            match self.call("GET", path, None) {
                Err(e)
                    if e.downcast_ref::<super::exit::Fail>()
                        .is_some_and(|f| f.code == Code::NotFound)
                        && std::time::Instant::now() + wait < deadline =>
                {
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(std::time::Duration::from_millis(400));
                }
                r => return r,
            }
        }
    }

    /// `method path` with an optional JSON body; the answer's JSON, or an
    /// error whose exit code says what went wrong.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let r = self.send(method, path, body)?;
        if r.status.is_success() {
            return Ok(r.body);
        }
        Err(fail(
            code_for_status(r.status.as_u16()),
            format!(
                "{} {}: {}",
                r.status.as_u16(),
                r.status.canonical_reason().unwrap_or(""),
                r.body["detail"].as_str().unwrap_or("")
            ),
        ))
    }

    /// `method path` with an optional JSON body: any HTTP answer, with its
    /// status and headers; an error (exit 5) only when none came back.
    pub fn send(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Reply> {
        let url = format!("{}{path}", self.base);
        let mut req = if method == "POST" {
            self.http.post(&url)
        } else {
            self.http.get(&url)
        };
        req = req.bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().map_err(|e| {
            fail(
                Code::Unavailable,
                format!("cannot reach the {} at {}: {e}", self.name, self.base),
            )
        })?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body: Value = resp.json().unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}
