//! Hot reload: on SIGHUP, or when the configuration file's content changes
//! (checked every second), the gateway loads its configuration again and
//! swaps rate limits, per-route limits, static instances, load balancing,
//! breaker policy and request timeout in place. Requests in flight keep
//! the state they hold. A configuration that does not load is refused with
//! a logged error and the active one stays.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::proxy::{Proxy, Tuning, Upstream};
use super::ratelimit::Limits;
use crate::config::Config;
use crate::upstream::discovery::{Service, Watcher};

/// `GET /admin/config`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConfigView {
    /// 1 for the configuration the gateway started with, +1 per applied reload.
    pub generation: u64,
    /// When the active configuration was loaded (RFC 3339, UTC).
    pub loaded_at: String,
    pub loaded_at_unix_ms: u64,
    /// The file it came from, if any.
    pub file: Option<String>,
    /// Reloads refused because the new configuration was invalid.
    pub refused: u64,
    /// Why the last reload was refused.
    pub last_error: Option<String>,
    /// What the last applied reload changed.
    pub last_changes: Vec<String>,
}

/// The generation counter behind `/admin/config`.
pub struct Generations(Mutex<ConfigView>);

fn now() -> (String, u64) {
    let t = SystemTime::now();
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    (humantime::format_rfc3339_millis(t).to_string(), ms)
}

impl Generations {
    pub fn new(file: Option<PathBuf>) -> Generations {
        let (loaded_at, loaded_at_unix_ms) = now();
        Generations(Mutex::new(ConfigView {
            generation: 1,
            loaded_at,
            loaded_at_unix_ms,
            file: file.map(|f| f.display().to_string()),
            refused: 0,
            last_error: None,
            last_changes: Vec::new(),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ConfigView> {
        match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    pub fn view(&self) -> ConfigView {
        self.lock().clone()
    }

    fn applied(&self, changes: Vec<String>) {
        let mut v = self.lock();
        let (at, ms) = now();
        v.generation += 1;
        v.loaded_at = at;
        v.loaded_at_unix_ms = ms;
        v.last_error = None;
        v.last_changes = changes;
    }

    fn refused(&self, error: String) {
        let mut v = self.lock();
        v.refused += 1;
        v.last_error = Some(error);
    }
}

/// Everything a reload reaches.
pub struct Live {
    pub engines: Arc<Upstream>,
    pub validators: Arc<Upstream>,
    pub wallets: Arc<Upstream>,
    pub proxy: Arc<Proxy>,
    pub limits: Arc<Limits>,
    pub watchers: Vec<(Service, Watcher)>,
    pub generations: Arc<Generations>,
    /// The configuration now active.
    pub active: Mutex<Config>,
}

/// Upstream tuning from a configuration.
pub fn tuning(cfg: &Config) -> anyhow::Result<Tuning> {
    Ok(Tuning {
        strategy: cfg
            .gateway
            .load_balancing
            .parse()
            .map_err(|e: String| anyhow::anyhow!(e))?,
        policy: crate::upstream::breaker::BreakerPolicy {
            failure_threshold: cfg.gateway.circuit_breaker.failure_threshold,
            cool_down_ms: cfg.gateway.circuit_breaker.cool_down.as_millis() as u64,
            half_open_probes: cfg.gateway.circuit_breaker.half_open_probes,
        },
    })
}

impl Live {
    /// Applies `cfg`; returns what changed (empty: nothing did).
    pub fn apply(&self, cfg: Config) -> anyhow::Result<Vec<String>> {
        let tuning = tuning(&cfg)?;
        let mut active = match self.active.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut changes = Vec::new();
        if self.limits.apply(&cfg.gateway.rate_limit) {
            changes.push("rate limits".to_string());
        }
        if self.engines.tuning() != tuning {
            self.engines.set_tuning(tuning);
            self.validators.set_tuning(tuning);
            self.wallets.set_tuning(tuning);
            changes.push("load balancing / circuit breakers".to_string());
        }
        if active.gateway.request_timeout != cfg.gateway.request_timeout {
            self.proxy.set_timeout(cfg.gateway.request_timeout);
            changes.push("request timeout".to_string());
        }
        for (service, watcher) in &self.watchers {
            let (old, new) = (
                service.static_instances(&active),
                service.static_instances(&cfg),
            );
            if old != new && watcher.set_static(new) {
                changes.push(format!("{service:?} instances"));
            }
        }
        // Read once at start: a change needs a restart; say so.
        let fixed = [
            (
                "gateway.listen_addr",
                active.gateway.listen_addr != cfg.gateway.listen_addr,
            ),
            (
                "gateway.health_check_interval",
                active.gateway.health_check_interval != cfg.gateway.health_check_interval,
            ),
            (
                "service_discovery.method",
                active.service_discovery.method != cfg.service_discovery.method,
            ),
            // Credentials: the key set and revocation list reload by
            // themselves; which of them (and the HS256 secret) is used does not.
            (
                "gateway.auth.algorithm",
                active.gateway.auth.hs256 != cfg.gateway.auth.hs256,
            ),
            (
                "gateway.auth.jwt_secret",
                active.gateway.auth.jwt_secret != cfg.gateway.auth.jwt_secret,
            ),
            (
                "gateway.auth.jwt_secret_file",
                active.gateway.auth.jwt_secret_file != cfg.gateway.auth.jwt_secret_file,
            ),
            (
                "gateway.auth.issuer",
                active.gateway.auth.issuer != cfg.gateway.auth.issuer,
            ),
            (
                "gateway.auth.jwks_file",
                active.gateway.auth.jwks_file != cfg.gateway.auth.jwks_file,
            ),
        ];
        for (key, changed) in fixed {
            if changed {
                tracing::warn!(
                    key,
                    "this setting changed but takes effect only after a restart"
                );
            }
        }
        *active = cfg;
        Ok(changes)
    }
}

/// Reloads on SIGHUP and when `file`'s content changes; `load` loads the
/// whole configuration again (defaults < file < environment < flags).
pub fn spawn_reloader<F>(live: Arc<Live>, file: Option<PathBuf>, load: F)
where
    F: Fn() -> anyhow::Result<Config> + Send + Sync + 'static,
{
    let load = Arc::new(load);
    tokio::spawn(async move {
        let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP; reloading on file changes only");
                None
            }
        };
        let digest = |f: &Option<PathBuf>| {
            f.as_ref()
                .and_then(|p| std::fs::read(p).ok())
                .map(|b| Sha256::digest(&b).to_vec())
        };
        let mut seen = digest(&file);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let why = tokio::select! {
                _ = tick.tick() => {
                    let now = digest(&file);
                    if now == seen || now.is_none() {
                        continue;
                    }
                    seen = now;
                    "the configuration file changed"
                }
                Some(()) = async {
                    match hangup.as_mut() {
                        Some(h) => h.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    seen = digest(&file);
                    "SIGHUP"
                }
            };
            let load = load.clone();
            let loaded = tokio::task::spawn_blocking(move || load())
                .await
                .map_err(anyhow::Error::from)
                .and_then(|r| r);
            match loaded.and_then(|cfg| live.apply(cfg)) {
                Ok(changes) => {
                    tracing::info!(reason = why, ?changes, "configuration reloaded");
                    live.generations.applied(changes);
                }
                Err(e) => {
                    let msg = format!("{e:#}");
                    tracing::error!(reason = why, error = %msg,
                        "configuration reload refused; the active configuration stays");
                    live.generations.refused(msg);
                }
            }
        }
    });
}
