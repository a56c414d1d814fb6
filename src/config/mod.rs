//! Layered configuration: built-in defaults < TOML file < environment < flags.
//!
//! Loading is pure: the file's text and the environment come in as arguments,
//! so the layering is tested without touching the process environment. Every
//! effective value remembers where it came from, for `bitcraps config show`.

pub mod keys;

use std::collections::BTreeMap;
use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use keys::KeyDef;
pub use keys::{KEYS, Kind};

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    Default,
    File { path: PathBuf },
    Env { var: String },
    Flag { flag: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File { path } => write!(f, "file {}", path.display()),
            Source::Env { var } => write!(f, "env {var}"),
            Source::Flag { flag } => write!(f, "flag {flag}"),
        }
    }
}

/// A configuration problem, phrased for the user.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Invalid(Box<InvalidValue>),
    #[error("unknown key `{key}` in {}{}", path.display(), hint.as_ref().map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default())]
    UnknownKey {
        key: String,
        path: PathBuf,
        hint: Option<String>,
    },
    #[error(
        "unknown configuration key `{key}` given to {flag}; `bitcraps config show` lists the keys"
    )]
    UnknownFlagKey { key: String, flag: String },
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {} is not valid TOML: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Constraint(String),
}

/// A value that does not parse or is out of range.
#[derive(Debug, thiserror::Error)]
#[error("invalid value {value:?} for `{key}` (from {origin}): {reason}; expected {expected}")]
pub struct InvalidValue {
    pub key: String,
    pub value: String,
    pub origin: Source,
    pub reason: String,
    pub expected: String,
}

/// One raw effective value with its origin.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub value: String,
    pub source: Source,
}

/// All keys' raw values after layering, before typing.
#[derive(Debug, Clone)]
pub struct Layered {
    entries: BTreeMap<&'static str, Entry>,
}

/// Inputs to the layering. `env` is a lookup so tests can pass a map.
pub struct Layers<'a> {
    pub file: Option<(&'a Path, &'a str)>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// `(key, value, flag name)` from the command line, applied in order.
    pub flags: &'a [(String, String, String)],
}

impl Layered {
    pub fn load(layers: &Layers<'_>) -> Result<Layered, ConfigError> {
        let mut entries: BTreeMap<&'static str, Entry> = KEYS
            .iter()
            .map(|d| {
                (
                    d.key,
                    Entry {
                        value: d.default.to_string(),
                        source: Source::Default,
                    },
                )
            })
            .collect();
        if let Some((path, text)) = layers.file {
            for (key, value) in file_values(path, text)? {
                entries.insert(
                    key,
                    Entry {
                        value,
                        source: Source::File {
                            path: path.to_path_buf(),
                        },
                    },
                );
            }
        }
        for def in KEYS {
            if let Some(value) = (layers.env)(def.env) {
                entries.insert(
                    def.key,
                    Entry {
                        value,
                        source: Source::Env {
                            var: def.env.to_string(),
                        },
                    },
                );
            }
        }
        for (key, value, flag) in layers.flags {
            let def = keys::find(key).ok_or_else(|| ConfigError::UnknownFlagKey {
                key: key.clone(),
                flag: flag.clone(),
            })?;
            entries.insert(
                def.key,
                Entry {
                    value: value.clone(),
                    source: Source::Flag { flag: flag.clone() },
                },
            );
        }
        Ok(Layered { entries })
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// `(definition, entry)` in documentation order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static KeyDef, &Entry)> {
        KEYS.iter()
            .filter_map(|d| self.entries.get(d.key).map(|e| (d, e)))
    }

    fn raw(&self, key: &'static str) -> Result<(&'static KeyDef, &Entry), ConfigError> {
        let def = keys::find(key)
            .ok_or_else(|| ConfigError::Constraint(format!("internal: no key {key}")))?;
        let entry = self
            .entries
            .get(key)
            .ok_or_else(|| ConfigError::Constraint(format!("internal: no value for {key}")))?;
        Ok((def, entry))
    }

    fn invalid(def: &KeyDef, entry: &Entry, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid(Box::new(InvalidValue {
            key: def.key.to_string(),
            value: entry.value.clone(),
            origin: entry.source.clone(),
            reason: reason.into(),
            expected: def.kind.expected(),
        }))
    }

    fn addr(&self, key: &'static str) -> Result<SocketAddr, ConfigError> {
        let (def, e) = self.raw(key)?;
        parse_addr(&e.value).map_err(|r| Self::invalid(def, e, r))
    }

    fn host_port(&self, key: &'static str) -> Result<String, ConfigError> {
        let (def, e) = self.raw(key)?;
        let v = e.value.trim();
        match v.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(v.to_string())
            }
            _ => Err(Self::invalid(def, e, "not host:port")),
        }
    }

    fn duration(&self, key: &'static str) -> Result<Duration, ConfigError> {
        let (def, e) = self.raw(key)?;
        let d = humantime::parse_duration(e.value.trim())
            .map_err(|err| Self::invalid(def, e, err.to_string()))?;
        if d.is_zero() {
            return Err(Self::invalid(def, e, "must be longer than zero"));
        }
        Ok(d)
    }

    fn int(&self, key: &'static str) -> Result<u64, ConfigError> {
        let (def, e) = self.raw(key)?;
        let n: u64 = e
            .value
            .trim()
            .parse()
            .map_err(|_| Self::invalid(def, e, "not a whole number"))?;
        if let Kind::Int { min, max } = def.kind
            && !(min..=max).contains(&n)
        {
            return Err(Self::invalid(def, e, "out of range"));
        }
        Ok(n)
    }

    fn choice(&self, key: &'static str) -> Result<String, ConfigError> {
        let (def, e) = self.raw(key)?;
        let v = e.value.trim().to_ascii_lowercase();
        match def.kind {
            Kind::Choice(words) if words.contains(&v.as_str()) => Ok(v),
            _ => Err(Self::invalid(def, e, "not a known name")),
        }
    }

    fn boolean(&self, key: &'static str) -> Result<bool, ConfigError> {
        let (def, e) = self.raw(key)?;
        match e.value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(Self::invalid(def, e, "not a boolean")),
        }
    }

    fn route_limits(&self, key: &'static str) -> Result<Vec<RouteLimit>, ConfigError> {
        let (def, e) = self.raw(key)?;
        e.value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| RouteLimit::parse(s).map_err(|r| Self::invalid(def, e, r)))
            .collect()
    }

    fn text(&self, key: &'static str) -> Result<String, ConfigError> {
        Ok(self.raw(key)?.1.value.clone())
    }

    fn addr_list(&self, key: &'static str) -> Result<Vec<SocketAddr>, ConfigError> {
        let (def, e) = self.raw(key)?;
        e.value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| parse_addr(s).map_err(|r| Self::invalid(def, e, format!("{s:?}: {r}"))))
            .collect()
    }

    /// Types and cross-checks every value.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        let cfg = Config {
            gateway: GatewayConfig {
                listen_addr: self.addr("gateway.listen_addr")?,
                listen_addr_explicit: self.is_explicit("gateway.listen_addr"),
                request_timeout: self.duration("gateway.request_timeout")?,
                load_balancing: self.choice("gateway.load_balancing")?,
                health_check_interval: self.duration("gateway.health_check_interval")?,
                health_check_interval_explicit: self.is_explicit("gateway.health_check_interval"),
                circuit_breaker: BreakerConfig {
                    failure_threshold: self.int("gateway.circuit_breaker.failure_threshold")?
                        as u32,
                    cool_down: self.duration("gateway.circuit_breaker.cool_down")?,
                    half_open_probes: self.int("gateway.circuit_breaker.half_open_probes")? as u32,
                },
                rate_limit: RateLimitConfig {
                    max_requests: self.int("gateway.rate_limit.max_requests")?,
                    window: self.duration("gateway.rate_limit.window")?,
                    by_ip: self.boolean("gateway.rate_limit.by_ip")?,
                    by_api_key: self.boolean("gateway.rate_limit.by_api_key")?,
                    routes: self.route_limits("gateway.rate_limit.routes")?,
                },
                auth: AuthConfig {
                    jwt_secret: non_empty(self.text("gateway.auth.jwt_secret")?),
                    jwt_secret_file: non_empty(self.text("gateway.auth.jwt_secret_file")?)
                        .map(PathBuf::from),
                    hs256: self.choice("gateway.auth.algorithm")? == "hs256",
                    issuer: self.text("gateway.auth.issuer")?,
                    jwks_file: non_empty(self.text("gateway.auth.jwks_file")?).map(PathBuf::from),
                    issuer_key_file: non_empty(self.text("gateway.auth.issuer_key_file")?)
                        .map(PathBuf::from),
                    service_key_file: non_empty(self.text("gateway.auth.service_key_file")?)
                        .map(PathBuf::from),
                },
                tls: GatewayTls {
                    cert: non_empty(self.text("gateway.tls.cert")?).map(PathBuf::from),
                    key: non_empty(self.text("gateway.tls.key")?).map(PathBuf::from),
                },
            },
            service_discovery: DiscoveryConfig {
                method: self.choice("service_discovery.method")?,
                consul_address: self.host_port("service_discovery.consul_address")?,
                advertise_host: self
                    .text("service_discovery.advertise_host")?
                    .trim()
                    .to_string(),
                kubernetes_api: self
                    .text("service_discovery.kubernetes_api")?
                    .trim()
                    .to_string(),
                kubernetes_service_account_dir: PathBuf::from(
                    self.text("service_discovery.kubernetes_service_account_dir")?,
                ),
                kubernetes_namespace: self
                    .text("service_discovery.kubernetes_namespace")?
                    .trim()
                    .to_string(),
                game_engine_service: self
                    .text("service_discovery.service_names.game_engine")?
                    .trim()
                    .to_string(),
                consensus_service: self
                    .text("service_discovery.service_names.consensus")?
                    .trim()
                    .to_string(),
                gateway_service: self
                    .text("service_discovery.service_names.gateway")?
                    .trim()
                    .to_string(),
                wallet_service: self
                    .text("service_discovery.service_names.wallet")?
                    .trim()
                    .to_string(),
                game_engine: self.addr_list("service_discovery.static_services.game_engine")?,
                consensus: self.addr_list("service_discovery.static_services.consensus")?,
                wallet: self.addr_list("service_discovery.static_services.wallet")?,
            },
            game_engine: EngineConfig {
                addr: self.addr("game_engine.addr")?,
                instances: self.int("game_engine.instances")? as u16,
                max_concurrent_games: self.int("game_engine.max_concurrent_games")? as u32,
                max_players_per_game: self.int("game_engine.max_players_per_game")? as u32,
                table_bankroll: self.int("game_engine.table_bankroll")?,
                max_tables_per_player: self.int("game_engine.max_tables_per_player")? as u32,
                stored_idle: self.duration("game_engine.stored_idle")?,
                turn_timeout: self.duration("game_engine.turn_timeout")?,
            },
            consensus: ConsensusConfig {
                addr: self.addr("consensus.addr")?,
                validators: self.int("consensus.validators")? as u16,
                byzantine_threshold: self.int("consensus.byzantine_threshold")? as u16,
                round_timeout: self.duration("consensus.round_timeout")?,
                algorithm: self.choice("consensus.algorithm")?,
                fault_injection: self.choice("consensus.fault_injection")? == "on",
                faults: self.text("consensus.faults")?,
                client_max_pending: self.int("consensus.client_max_pending")? as u32,
            },
            wallet: WalletConfig {
                addr: self.addr("wallet.addr")?,
                instances: self.int("wallet.instances")? as u16,
                database_url: self.text("wallet.database_url")?.trim().to_string(),
                database_ca: non_empty(self.text("wallet.database_ca")?).map(PathBuf::from),
            },
            supervisor: SupervisorConfig {
                restart_initial_backoff: self.duration("supervisor.restart_initial_backoff")?,
                restart_max_backoff: self.duration("supervisor.restart_max_backoff")?,
                stable_after: self.duration("supervisor.stable_after")?,
                max_restarts: self.int("supervisor.max_restarts")? as u32,
                ready_timeout: self.duration("supervisor.ready_timeout")?,
                stop_timeout: self.duration("supervisor.stop_timeout")?,
            },
            telemetry: TelemetryConfig {
                log_format: self.choice("telemetry.log_format")?,
                log_level: self.text("telemetry.log_level")?,
            },
            tls: TlsConfig {
                insecure_plaintext: self.boolean("tls.insecure_plaintext")?,
                dir: non_empty(self.text("tls.dir")?).map(PathBuf::from),
            },
            sandbox: SandboxConfig {
                mode: self.choice("sandbox.mode")?,
            },
        };
        cfg.check(self)?;
        Ok(cfg)
    }

    fn is_explicit(&self, key: &str) -> bool {
        self.entries
            .get(key)
            .is_some_and(|e| e.source != Source::Default)
    }

    fn describe(&self, key: &str) -> String {
        match self.entries.get(key) {
            Some(e) => format!("`{key}` = {} (from {})", e.value, e.source),
            None => format!("`{key}`"),
        }
    }
}

fn non_empty(s: String) -> Option<String> {
    if s.trim().is_empty() { None } else { Some(s) }
}

fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    // Allow host names such as `localhost:8080`, resolved once at load time.
    match s.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => s
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve: {e}"))?
            .next()
            .ok_or_else(|| "resolves to no address".to_string()),
        _ => Err("not host:port".to_string()),
    }
}

/// Flattens a TOML document into `(dotted key, text value)`.
fn file_values(path: &Path, text: &str) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })?;
    let mut out = Vec::new();
    flatten(path, "", &table, &mut out)?;
    Ok(out)
}

fn flatten(
    path: &Path,
    prefix: &str,
    table: &toml::Table,
    out: &mut Vec<(&'static str, String)>,
) -> Result<(), ConfigError> {
    for (k, v) in table {
        let full = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if let toml::Value::Table(t) = v
            && keys::find(&full).is_none()
        {
            if !KEYS.iter().any(|d| d.key.starts_with(&format!("{full}."))) {
                return Err(unknown(path, &full));
            }
            flatten(path, &full, t, out)?;
            continue;
        }
        let def = keys::find(&full).ok_or_else(|| unknown(path, &full))?;
        let text = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Table(rules) if def.kind == Kind::RouteLimits => {
                route_table(path, &full, rules)?
            }
            toml::Value::Array(items) if def.kind == Kind::AddrList => items
                .iter()
                .map(|i| match i {
                    toml::Value::String(s) => Ok(s.clone()),
                    other => Err(ConfigError::Invalid(Box::new(InvalidValue {
                        key: full.clone(),
                        value: other.to_string(),
                        origin: Source::File {
                            path: path.to_path_buf(),
                        },
                        reason: "list items must be strings".into(),
                        expected: def.kind.expected(),
                    }))),
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            other => {
                return Err(ConfigError::Invalid(Box::new(InvalidValue {
                    key: full.clone(),
                    value: other.to_string(),
                    origin: Source::File {
                        path: path.to_path_buf(),
                    },
                    reason: format!("a TOML {} is not accepted here", other.type_str()),
                    expected: def.kind.expected(),
                })));
            }
        };
        out.push((def.key, text));
    }
    Ok(())
}

/// `{ "POST /api/v1/games" = "10/1m", "/x" = { max_requests = 5, window = "1s" } }`
/// as the environment's text form.
fn route_table(path: &Path, key: &str, rules: &toml::Table) -> Result<String, ConfigError> {
    let bad = |value: String, reason: &str| {
        ConfigError::Invalid(Box::new(InvalidValue {
            key: key.to_string(),
            value,
            origin: Source::File {
                path: path.to_path_buf(),
            },
            reason: reason.to_string(),
            expected: Kind::RouteLimits.expected(),
        }))
    };
    let mut items = Vec::new();
    for (route, v) in rules {
        let limit = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Table(t) => {
                let max = t.get("max_requests").and_then(toml::Value::as_integer);
                let window = t.get("window").and_then(toml::Value::as_str);
                match (max, window, t.len()) {
                    (Some(m), Some(w), 2) => format!("{m}/{w}"),
                    _ => {
                        return Err(bad(
                            format!("{route} = {v}"),
                            "a route's table needs exactly max_requests and window",
                        ));
                    }
                }
            }
            other => {
                return Err(bad(
                    format!("{route} = {other}"),
                    "a route's limit is \"MAX/WINDOW\" or { max_requests, window }",
                ));
            }
        };
        if route.contains(',') || route.contains('=') {
            return Err(bad(route.clone(), "a route may not contain ',' or '='"));
        }
        items.push(format!("{route}={limit}"));
    }
    Ok(items.join(","))
}

fn unknown(path: &Path, key: &str) -> ConfigError {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let hint = KEYS
        .iter()
        .find(|d| d.key.rsplit('.').next() == Some(leaf) || edit_distance(d.key, key) <= 3)
        .map(|d| d.key.to_string());
    ConfigError::UnknownKey {
        key: key.to_string(),
        path: path.to_path_buf(),
        hint,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The typed, checked configuration every part of BitCraps reads.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub gateway: GatewayConfig,
    pub service_discovery: DiscoveryConfig,
    pub game_engine: EngineConfig,
    pub consensus: ConsensusConfig,
    pub wallet: WalletConfig,
    pub supervisor: SupervisorConfig,
    pub telemetry: TelemetryConfig,
    #[serde(skip)]
    pub tls: TlsConfig,
    pub sandbox: SandboxConfig,
}

/// `[sandbox]`: how each service confines itself (see [`crate::sandbox`]).
#[derive(Debug, Clone, Serialize)]
pub struct SandboxConfig {
    pub mode: String,
}

/// Transport security between the services (see [`crate::tls`]).
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// Plain HTTP between services (debugging only).
    pub insecure_plaintext: bool,
    /// This instance's identity directory; None: `<state>/tls/<instance>`.
    pub dir: Option<PathBuf>,
}

/// The gateway's client-facing TLS (both set, or neither).
#[derive(Debug, Clone, Default)]
pub struct GatewayTls {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GatewayConfig {
    pub listen_addr: SocketAddr,
    /// False when the address is the built-in default (`up` then binds loopback).
    #[serde(skip)]
    pub listen_addr_explicit: bool,
    #[serde(with = "duration_text")]
    pub request_timeout: Duration,
    pub load_balancing: String,
    #[serde(with = "duration_text")]
    pub health_check_interval: Duration,
    #[serde(skip)]
    pub health_check_interval_explicit: bool,
    pub circuit_breaker: BreakerConfig,
    pub rate_limit: RateLimitConfig,
    #[serde(skip)]
    pub auth: AuthConfig,
    #[serde(skip)]
    pub tls: GatewayTls,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakerConfig {
    pub failure_threshold: u32,
    #[serde(with = "duration_text")]
    pub cool_down: Duration,
    pub half_open_probes: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RateLimitConfig {
    pub max_requests: u64,
    #[serde(with = "duration_text")]
    pub window: Duration,
    pub by_ip: bool,
    pub by_api_key: bool,
    /// Per-route overrides, in the order written.
    pub routes: Vec<RouteLimit>,
}

/// One per-route rate limit: requests whose path starts with `prefix` (and
/// whose method is `method`, when given) get their own quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteLimit {
    pub method: Option<String>,
    pub prefix: String,
    pub max_requests: u64,
    #[serde(with = "duration_text")]
    pub window: Duration,
}

impl RouteLimit {
    /// Parses `[METHOD ]/prefix=MAX/WINDOW`.
    pub fn parse(item: &str) -> Result<RouteLimit, String> {
        let (route, limit) = item
            .rsplit_once('=')
            .ok_or_else(|| format!("{item:?}: expected ROUTE=MAX/WINDOW"))?;
        let route = route.trim().trim_matches('"');
        let (method, prefix) = match route.split_once(' ') {
            Some((m, p)) => (Some(m.trim()), p.trim()),
            None => (None, route),
        };
        if !prefix.starts_with('/') {
            return Err(format!(
                "{route:?}: the route must be a path prefix starting with /"
            ));
        }
        let method = match method {
            Some(m) if !m.is_empty() && m.chars().all(|c| c.is_ascii_alphabetic()) => {
                Some(m.to_ascii_uppercase())
            }
            Some(m) => return Err(format!("{m:?} is not an HTTP method")),
            None => None,
        };
        let (max, window) = limit
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{limit:?}: expected MAX/WINDOW, e.g. 10/1m"))?;
        let max_requests: u64 = max
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=1_000_000_000).contains(n))
            .ok_or_else(|| format!("{max:?}: the request count must be from 1 to 1000000000"))?;
        let window =
            humantime::parse_duration(window.trim()).map_err(|e| format!("{window:?}: {e}"))?;
        if window.is_zero() {
            return Err(format!("{route:?}: the window must be longer than zero"));
        }
        Ok(RouteLimit {
            method,
            prefix: prefix.to_string(),
            max_requests,
            window,
        })
    }
}

#[derive(Clone, Default)]
pub struct AuthConfig {
    pub jwt_secret: Option<String>,
    pub jwt_secret_file: Option<PathBuf>,
    /// `gateway.auth.algorithm = "hs256"`: the shared-secret opt-in.
    pub hs256: bool,
    pub issuer: String,
    pub jwks_file: Option<PathBuf>,
    pub issuer_key_file: Option<PathBuf>,
    pub service_key_file: Option<PathBuf>,
}

impl AuthConfig {
    /// The key set: configured, else the state dir's.
    pub fn jwks_path(&self, state_dir: &std::path::Path) -> PathBuf {
        self.jwks_file
            .clone()
            .unwrap_or_else(|| crate::auth::keys::default_jwks_path(state_dir))
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwt_secret_file", &self.jwt_secret_file)
            .field("hs256", &self.hs256)
            .field("issuer", &self.issuer)
            .field("jwks_file", &self.jwks_file)
            .field("issuer_key_file", &self.issuer_key_file)
            .field("service_key_file", &self.service_key_file)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DiscoveryConfig {
    pub method: String,
    pub consul_address: String,
    /// Host registered in Consul (empty: derived from the listen address).
    pub advertise_host: String,
    /// Kubernetes API server URL (empty: from the pod's environment).
    pub kubernetes_api: String,
    pub kubernetes_service_account_dir: PathBuf,
    /// Empty: the service account's namespace.
    pub kubernetes_namespace: String,
    pub game_engine_service: String,
    pub consensus_service: String,
    pub gateway_service: String,
    pub wallet_service: String,
    /// Explicit static engine instances (empty: derived from `game_engine`).
    pub game_engine: Vec<SocketAddr>,
    /// Explicit static validators (empty: derived from `consensus`).
    pub consensus: Vec<SocketAddr>,
    /// Explicit static wallet instances (empty: derived from `wallet`).
    pub wallet: Vec<SocketAddr>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EngineConfig {
    pub addr: SocketAddr,
    pub instances: u16,
    pub max_concurrent_games: u32,
    pub max_players_per_game: u32,
    /// Most chips a table takes from `house` to pay winners.
    pub table_bankroll: u64,
    /// Open tables one player may sit at (per engine) to create another.
    pub max_tables_per_player: u32,
    /// How long a finished game read back from the store stays in memory.
    #[serde(with = "duration_text")]
    pub stored_idle: Duration,
    /// How long a card table waits on the player to act (zero: forever).
    #[serde(with = "duration_text")]
    pub turn_timeout: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct WalletConfig {
    pub addr: SocketAddr,
    /// Instances `up` starts (more than one only with a shared database).
    pub instances: u16,
    /// Empty: embedded SQLite; else a PostgreSQL URL.
    pub database_url: String,
    /// The CA that signs the database server's certificate: TLS, verified.
    pub database_ca: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsensusConfig {
    pub addr: SocketAddr,
    pub validators: u16,
    pub byzantine_threshold: u16,
    #[serde(with = "duration_text")]
    pub round_timeout: Duration,
    pub algorithm: String,
    /// POST /fault is accepted (also when `faults` is not empty).
    pub fault_injection: bool,
    /// `validator-N=FAULT` entries, comma-separated.
    pub faults: String,
    /// Most proposals one client (a player or cashier) may have waiting at
    /// a validator.
    pub client_max_pending: u32,
}

impl ConsensusConfig {
    /// Members the set must keep for f = `byzantine_threshold`: 3f+1. A new
    /// genesis records it; from then on the chain's value rules.
    pub fn min_validators(&self) -> usize {
        3 * usize::from(self.byzantine_threshold) + 1
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SupervisorConfig {
    #[serde(with = "duration_text")]
    pub restart_initial_backoff: Duration,
    #[serde(with = "duration_text")]
    pub restart_max_backoff: Duration,
    #[serde(with = "duration_text")]
    pub stable_after: Duration,
    pub max_restarts: u32,
    #[serde(with = "duration_text")]
    pub ready_timeout: Duration,
    #[serde(with = "duration_text")]
    pub stop_timeout: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct TelemetryConfig {
    pub log_format: String,
    pub log_level: String,
}

impl Config {
    /// Built-in defaults only (for tests and standalone helpers).
    pub fn defaults() -> Result<Config, ConfigError> {
        Layered::load(&Layers {
            file: None,
            env: &|_| None,
            flags: &[],
        })?
        .resolve()
    }

    /// One writer per SQLite ledger: several wallet instances need a
    /// shared PostgreSQL (`wallet.database_url`). Checked where the
    /// ledger's URL is known — by `up` and `config check` before anything
    /// starts, and by the wallet itself — not by the other services, which
    /// the supervisor never gives the URL (it is the wallet's alone).
    pub fn check_wallet_store(&self, layered: &Layered) -> Result<(), ConfigError> {
        if self.wallet_addrs().len() > 1 && self.wallet.database_url.is_empty() {
            return Err(ConfigError::Constraint(format!(
                "{} wallet instances cannot share the embedded SQLite ledger (one writer); \
                 set `wallet.database_url` (WALLET_DATABASE_URL) to a PostgreSQL URL, or run one: {}{}",
                self.wallet_addrs().len(),
                layered.describe("wallet.instances"),
                if self.service_discovery.wallet.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", {}",
                        layered.describe("service_discovery.static_services.wallet")
                    )
                },
            )));
        }
        Ok(())
    }

    fn check(&self, layered: &Layered) -> Result<(), ConfigError> {
        if self.gateway.tls.cert.is_some() != self.gateway.tls.key.is_some() {
            return Err(ConfigError::Constraint(format!(
                "the gateway's client-facing TLS needs both a certificate and a key: set {} and {} \
                 together (or neither)",
                layered.describe("gateway.tls.cert"),
                layered.describe("gateway.tls.key"),
            )));
        }
        let f = u32::from(self.consensus.byzantine_threshold);
        let n = self.validator_addrs().len() as u32;
        if n < 3 * f + 1 {
            return Err(ConfigError::Constraint(format!(
                "{n} validators cannot tolerate f = {f} Byzantine members: BFT needs n >= 3f+1 = {}. \
                 Raise {} or lower {}",
                3 * f + 1,
                layered.describe("consensus.validators"),
                layered.describe("consensus.byzantine_threshold"),
            )));
        }
        if let Err(e) = crate::services::consensus::fault::validate(
            &self.consensus.faults,
            self.consensus.validators,
        ) {
            return Err(ConfigError::Constraint(format!(
                "{}: {e}",
                layered.describe("consensus.faults")
            )));
        }
        for (key, base, count) in [
            (
                "consensus.addr",
                self.consensus.addr,
                self.consensus.validators,
            ),
            (
                "game_engine.addr",
                self.game_engine.addr,
                self.game_engine.instances,
            ),
            ("wallet.addr", self.wallet.addr, self.wallet.instances),
        ] {
            if u32::from(base.port()) + u32::from(count) > 65_536 || base.port() == 0 {
                return Err(ConfigError::Constraint(format!(
                    "{} leaves no room for {count} consecutive ports",
                    layered.describe(key)
                )));
            }
        }
        // Every service needs its own port: validators, engines and the
        // gateway must not overlap (e.g. two engines from 8081 would take
        // validator-0's 8082).
        let mut taken: Vec<(std::net::SocketAddr, String)> = Vec::new();
        let gateway = {
            let mut g = self.gateway.listen_addr;
            if !self.gateway.listen_addr_explicit {
                g.set_ip(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
            }
            g
        };
        let all = self
            .validator_addrs()
            .into_iter()
            .enumerate()
            .map(|(i, a)| (a, format!("validator-{i}")))
            .chain(
                self.engine_addrs()
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| (a, format!("engine-{i}"))),
            )
            .chain(
                self.wallet_addrs()
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| (a, wallet_name(i as u16, self.wallet_addrs().len()))),
            )
            .chain([(gateway, "gateway".to_string())]);
        for (addr, name) in all {
            if let Some((_, other)) = taken.iter().find(|(a, _)| {
                a.port() == addr.port()
                    && (a.ip() == addr.ip()
                        || a.ip().is_unspecified()
                        || addr.ip().is_unspecified())
            }) {
                return Err(ConfigError::Constraint(format!(
                    "{name} and {other} would both listen on port {}: engines take consecutive ports from {}, validators from {} and wallets from {}; \
                     move one range (e.g. GAME_ENGINE_ADDR=127.0.0.1:8100)",
                    addr.port(),
                    layered.describe("game_engine.addr"),
                    layered.describe("consensus.addr"),
                    layered.describe("wallet.addr"),
                )));
            }
            taken.push((addr, name));
        }
        if self.supervisor.restart_initial_backoff > self.supervisor.restart_max_backoff {
            return Err(ConfigError::Constraint(format!(
                "{} is longer than {}",
                layered.describe("supervisor.restart_initial_backoff"),
                layered.describe("supervisor.restart_max_backoff"),
            )));
        }
        let sd = &self.service_discovery;
        for (key, name) in [
            (
                "service_discovery.service_names.game_engine",
                &sd.game_engine_service,
            ),
            (
                "service_discovery.service_names.consensus",
                &sd.consensus_service,
            ),
            (
                "service_discovery.service_names.gateway",
                &sd.gateway_service,
            ),
            ("service_discovery.service_names.wallet", &sd.wallet_service),
        ] {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            {
                return Err(ConfigError::Constraint(format!(
                    "{}: a service name needs letters, digits, '-', '_' or '.'",
                    layered.describe(key)
                )));
            }
        }
        Ok(())
    }

    /// Addresses of every validator: explicit static list, else consecutive ports.
    pub fn validator_addrs(&self) -> Vec<SocketAddr> {
        if !self.service_discovery.consensus.is_empty() {
            return self.service_discovery.consensus.clone();
        }
        consecutive(self.consensus.addr, self.consensus.validators)
    }

    /// Addresses of every engine instance: explicit static list, else consecutive ports.
    pub fn engine_addrs(&self) -> Vec<SocketAddr> {
        if !self.service_discovery.game_engine.is_empty() {
            return self.service_discovery.game_engine.clone();
        }
        consecutive(self.game_engine.addr, self.game_engine.instances)
    }

    /// Addresses of every wallet instance: explicit static list, else consecutive ports.
    pub fn wallet_addrs(&self) -> Vec<SocketAddr> {
        if !self.service_discovery.wallet.is_empty() {
            return self.service_discovery.wallet.clone();
        }
        consecutive(self.wallet.addr, self.wallet.instances)
    }
}

/// The name of wallet instance `index` of `count`: `wallet` when it runs
/// alone (its log `logs/wallet.log`), `wallet-N` among several.
pub fn wallet_name(index: u16, count: usize) -> String {
    if count <= 1 {
        "wallet".to_string()
    } else {
        format!("wallet-{index}")
    }
}

fn consecutive(base: SocketAddr, count: u16) -> Vec<SocketAddr> {
    (0..count)
        .filter_map(|i| {
            base.port().checked_add(i).map(|p| {
                let mut a = base;
                a.set_port(p);
                a
            })
        })
        .collect()
}

/// Serializes durations as the text a user writes (`30s`, `500ms`).
pub mod duration_text {
    use serde::Serializer;
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(
        file: Option<&str>,
        env: &[(&str, &str)],
        flags: &[(&str, &str)],
    ) -> Result<(Layered, Config), ConfigError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |k: &str| env.get(k).cloned();
        let flags: Vec<(String, String, String)> = flags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string(), format!("--set {k}")))
            .collect();
        let path = Path::new("test.toml");
        let layered = Layered::load(&Layers {
            file: file.map(|t| (path, t)),
            env: &lookup,
            flags: &flags,
        })?;
        let cfg = layered.resolve()?;
        Ok((layered, cfg))
    }

    #[test]
    fn defaults_match_the_design_document() {
        let (_, c) = load(None, &[], &[]).unwrap();
        assert_eq!(c.gateway.listen_addr.to_string(), "0.0.0.0:8080");
        assert_eq!(c.gateway.request_timeout, Duration::from_secs(30));
        assert_eq!(c.gateway.rate_limit.max_requests, 1000);
        assert_eq!(c.gateway.rate_limit.window, Duration::from_secs(60));
        assert_eq!(c.game_engine.addr.to_string(), "127.0.0.1:8081");
        assert_eq!(c.game_engine.max_concurrent_games, 100);
        assert_eq!(c.game_engine.max_players_per_game, 8);
        assert_eq!(c.consensus.addr.to_string(), "127.0.0.1:8082");
        assert_eq!(c.consensus.byzantine_threshold, 1);
        assert_eq!(c.consensus.round_timeout, Duration::from_secs(15));
        assert_eq!(c.consensus.algorithm, "pbft");
        assert_eq!(c.service_discovery.method, "static");
        assert_eq!(c.validator_addrs().len(), 4);
        assert_eq!(c.validator_addrs()[3].port(), 8085);
        assert!(!c.gateway.listen_addr_explicit);
    }

    #[test]
    fn each_layer_overrides_the_one_below_and_records_its_source() {
        let file = "[gateway]\nrequest_timeout = \"5s\"\nlisten_addr = \"127.0.0.1:9000\"\n\
                    [consensus]\nalgorithm = \"tendermint\"\nround_timeout = \"2s\"\n";
        let (l, c) = load(
            Some(file),
            &[
                ("GATEWAY_LISTEN_ADDR", "127.0.0.1:9100"),
                ("CONSENSUS_ALGORITHM", "hotstuff"),
            ],
            &[("consensus.algorithm", "pbft")],
        )
        .unwrap();
        // file only
        assert_eq!(c.gateway.request_timeout, Duration::from_secs(5));
        assert!(matches!(
            l.entry("gateway.request_timeout").unwrap().source,
            Source::File { .. }
        ));
        // env beats file
        assert_eq!(c.gateway.listen_addr.port(), 9100);
        assert_eq!(
            l.entry("gateway.listen_addr").unwrap().source,
            Source::Env {
                var: "GATEWAY_LISTEN_ADDR".into()
            }
        );
        assert!(c.gateway.listen_addr_explicit);
        // flag beats env beats file
        assert_eq!(c.consensus.algorithm, "pbft");
        assert!(matches!(
            l.entry("consensus.algorithm").unwrap().source,
            Source::Flag { .. }
        ));
        // untouched keys stay default
        assert_eq!(l.entry("game_engine.addr").unwrap().source, Source::Default);
        assert_eq!(c.consensus.round_timeout, Duration::from_secs(2));
    }

    #[test]
    fn bad_values_name_key_value_source_and_what_is_allowed() {
        let err = load(None, &[("CONSENSUS_ALGORITHM", "raft")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("consensus.algorithm"), "{err}");
        assert!(err.contains("\"raft\""), "{err}");
        assert!(err.contains("env CONSENSUS_ALGORITHM"), "{err}");
        assert!(err.contains("pbft, tendermint, hotstuff"), "{err}");

        let err = load(Some("[gateway]\nrequest_timeout = \"soon\"\n"), &[], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("gateway.request_timeout"), "{err}");
        assert!(err.contains("500ms, 30s or 2m"), "{err}");

        let err = load(None, &[("RATE_LIMIT_MAX_REQUESTS", "-3")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("gateway.rate_limit.max_requests"), "{err}");

        let err = load(None, &[("GAME_ENGINE_ADDR", "nowhere")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("game_engine.addr"), "{err}");
    }

    #[test]
    fn unknown_file_keys_are_errors_with_a_hint() {
        let err = load(Some("[gateway]\nrequest_timout = \"5s\"\n"), &[], &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown key `gateway.request_timout`"),
            "{err}"
        );
        assert!(err.contains("gateway.request_timeout"), "{err}");
        let err = load(Some("[nonsense]\nx = 1\n"), &[], &[]).unwrap_err();
        assert!(matches!(err, ConfigError::UnknownKey { .. }));
        let err = load(Some("not = [toml"), &[], &[]).unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }));
    }

    #[test]
    fn validator_count_must_tolerate_the_byzantine_threshold() {
        let err = load(None, &[("BYZANTINE_THRESHOLD", "2")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("n >= 3f+1 = 7"), "{err}");
        assert!(err.contains("consensus.validators"), "{err}");
        let (_, c) = load(
            None,
            &[("BYZANTINE_THRESHOLD", "2")],
            &[("consensus.validators", "7")],
        )
        .unwrap();
        assert_eq!(c.validator_addrs().len(), 7);
    }

    #[test]
    fn static_lists_come_from_toml_arrays_or_comma_separated_env() {
        let file = "[service_discovery.static_services]\ngame_engine = [\"127.0.0.1:7001\", \"127.0.0.1:7002\"]\n";
        let (_, c) = load(Some(file), &[], &[]).unwrap();
        assert_eq!(c.engine_addrs().len(), 2);
        let (_, c) = load(
            None,
            &[(
                "CONSENSUS_UPSTREAMS",
                "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103,127.0.0.1:7104",
            )],
            &[],
        )
        .unwrap();
        assert_eq!(c.validator_addrs()[3].port(), 7104);
    }

    #[test]
    fn overlapping_port_ranges_are_refused() {
        let err = load(None, &[], &[("game_engine.instances", "2")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("engine-1 and validator-0") || err.contains("validator-0"),
            "{err}"
        );
        assert!(err.contains("port 8082"), "{err}");
        let (_, c) = load(
            None,
            &[("GAME_ENGINE_ADDR", "127.0.0.1:8100")],
            &[("game_engine.instances", "2")],
        )
        .unwrap();
        assert_eq!(c.engine_addrs()[1].port(), 8101);
        let err = load(None, &[("GATEWAY_LISTEN_ADDR", "0.0.0.0:8083")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("gateway"), "{err}");
    }

    #[test]
    fn several_wallets_need_a_shared_database() {
        let (_, c) = load(None, &[], &[]).unwrap();
        assert_eq!(c.wallet_addrs(), vec![c.wallet.addr]);
        assert_eq!(c.service_discovery.wallet_service, "bitcraps-wallet");
        // Several wallets need a shared database: checked by `up`,
        // `config check` and the wallet (the others never see the URL).
        let wallet_store = |env: &[(&str, &str)]| {
            let (l, c) = load(None, env, &[]).expect("valid for every other service");
            c.check_wallet_store(&l).unwrap_err().to_string()
        };
        let err = wallet_store(&[("WALLET_INSTANCES", "2")]);
        assert!(err.contains("embedded SQLite"), "{err}");
        assert!(err.contains("wallet.instances"), "{err}");
        let err = wallet_store(&[("WALLET_UPSTREAMS", "127.0.0.1:7201,127.0.0.1:7202")]);
        assert!(err.contains("static_services.wallet"), "{err}");
        let (_, c) = load(
            None,
            &[
                ("WALLET_INSTANCES", "2"),
                (
                    "WALLET_DATABASE_URL",
                    "postgres://bitcraps@db:5432/bitcraps",
                ),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.wallet_addrs()[1].port(), 8091);
        assert_eq!(wallet_name(1, 2), "wallet-1");
        assert_eq!(wallet_name(0, 1), "wallet");
        // The wallet's ports are checked against the others' too.
        let err = load(None, &[("WALLET_ADDR", "127.0.0.1:8083")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("wallet and validator-1"), "{err}");
    }

    #[test]
    fn flag_with_unknown_key_is_refused() {
        let err = load(None, &[], &[("gateway.nope", "1")]).unwrap_err();
        assert!(matches!(err, ConfigError::UnknownFlagKey { .. }));
    }

    #[test]
    fn durations_round_trip_as_user_text() {
        let (_, c) = load(None, &[("GATEWAY_REQUEST_TIMEOUT", "500ms")], &[]).unwrap();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["gateway"]["request_timeout"], "500ms");
        assert_eq!(json["consensus"]["round_timeout"], "15s");
    }

    #[test]
    fn route_limits_come_from_a_toml_table_or_the_environment() {
        let file = "[gateway.rate_limit]\nby_ip = false\n\
                    [gateway.rate_limit.routes]\n\"post /api/v1/games\" = \"10/1m\"\n\
                    \"/api/v1/consensus\" = { max_requests = 5, window = \"2s\" }\n";
        let (_, c) = load(Some(file), &[], &[]).unwrap();
        let rl = &c.gateway.rate_limit;
        assert!(!rl.by_ip);
        assert!(rl.by_api_key);
        assert_eq!(rl.routes.len(), 2);
        let games = rl
            .routes
            .iter()
            .find(|r| r.prefix == "/api/v1/games")
            .unwrap();
        assert_eq!(games.method.as_deref(), Some("POST"));
        assert_eq!(
            (games.max_requests, games.window),
            (10, Duration::from_secs(60))
        );
        let cons = rl
            .routes
            .iter()
            .find(|r| r.prefix == "/api/v1/consensus")
            .unwrap();
        assert_eq!((cons.method.clone(), cons.max_requests), (None, 5));

        let (_, c) = load(
            None,
            &[
                ("RATE_LIMIT_ROUTES", "GET /api/v1/games=3/1s, /admin=1/10s"),
                ("RATE_LIMIT_BY_API_KEY", "false"),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.gateway.rate_limit.routes.len(), 2);
        assert!(!c.gateway.rate_limit.by_api_key);
    }

    #[test]
    fn bad_route_limits_name_the_key_and_the_problem() {
        for (value, says) in [
            ("/api=0/1m", "from 1 to"),
            ("api=5/1m", "starting with /"),
            ("/api=5", "MAX/WINDOW"),
            ("/api=5/soon", "soon"),
            ("P0ST /api=5/1m", "not an HTTP method"),
            ("/api", "ROUTE=MAX/WINDOW"),
        ] {
            let err = load(None, &[("RATE_LIMIT_ROUTES", value)], &[])
                .unwrap_err()
                .to_string();
            assert!(err.contains("gateway.rate_limit.routes"), "{err}");
            assert!(err.contains(says), "{value}: {err}");
        }
        let err = load(
            Some("[gateway.rate_limit.routes]\n\"/x\" = { max_requests = 5 }\n"),
            &[],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("max_requests and window"), "{err}");
        let err = load(None, &[("RATE_LIMIT_BY_IP", "maybe")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("true or false"), "{err}");
    }

    #[test]
    fn consul_and_kubernetes_discovery_are_accepted() {
        for m in ["consul", "kubernetes"] {
            let (_, c) = load(None, &[("SERVICE_DISCOVERY_METHOD", m)], &[]).unwrap();
            assert_eq!(c.service_discovery.method, m);
        }
        let err = load(None, &[("GAME_ENGINE_SERVICE_NAME", "a b")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("service_names.game_engine"), "{err}");
    }
}
