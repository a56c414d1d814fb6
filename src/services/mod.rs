//! The three services. Each is an axum app behind the common base routes;
//! they never import each other, the gateway, or the CLI.

pub mod api_gateway;
pub mod common;
pub mod consensus;
pub mod credentials;
pub mod game_engine;
pub mod wallet;

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::upstream::UpstreamSet;

use common::Readiness;

/// How the supervisor (or a user) starts one service instance.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Listen address; `None` takes the configured one.
    pub listen: Option<SocketAddr>,
    /// Index of this instance among its kind (validator 0..n, engine 0..n).
    pub index: u16,
    /// The state dir (data, secrets). Services create what they need in it.
    pub state_dir: PathBuf,
}

impl ServeOptions {
    /// Data dir of this instance: `<state>/data/<name>`.
    pub fn data_dir(&self, name: &str) -> PathBuf {
        self.state_dir.join("data").join(name)
    }
}

/// Watches an upstream set: the dependency starts down ("not checked
/// yet"), so readiness is 503 until the first round of health checks has
/// seen enough healthy instances.
pub fn watch_upstream(
    readiness: &Readiness,
    dependency: &'static str,
    required: bool,
    needed: usize,
    set: UpstreamSet,
    interval: std::time::Duration,
) {
    readiness.set(
        dependency,
        required,
        false,
        format!(
            "not checked yet; {needed} of {} instances needed",
            set.len()
        ),
    );
    crate::upstream::spawn_health_checks(
        set,
        interval,
        crate::upstream::HealthPolicy::default(),
        track_upstream(readiness.clone(), dependency, required, needed),
    );
}

/// Watches an upstream set that is not required, except that readiness
/// waits for the first round of its health checks: a service that says it
/// is ready has looked at every upstream it routes to (so a request right
/// after readiness does not find the set still unprobed), while a
/// dependency that is down does not make it unready.
pub fn watch_optional_upstream(
    readiness: &Readiness,
    dependency: &'static str,
    needed: usize,
    set: UpstreamSet,
    interval: std::time::Duration,
) {
    readiness.set(
        dependency,
        true,
        false,
        format!(
            "not checked yet (required until checked once); {needed} of {} instances wanted",
            set.len()
        ),
    );
    crate::upstream::spawn_health_checks(
        set,
        interval,
        crate::upstream::HealthPolicy::default(),
        track_upstream(readiness.clone(), dependency, false, needed),
    );
}

/// Reports an upstream set's health as a readiness dependency that is up
/// while at least `needed` instances are healthy.
pub fn track_upstream(
    readiness: Readiness,
    dependency: &'static str,
    required: bool,
    needed: usize,
) -> impl Fn(&UpstreamSet) + Send + Sync + 'static {
    move |set: &UpstreamSet| {
        let healthy = set.healthy_count();
        readiness.set(
            dependency,
            required,
            healthy >= needed,
            format!(
                "{healthy} of {} instances healthy, {needed} needed",
                set.len()
            ),
        );
    }
}

/// Creates `dir` and proves it writable: the storage readiness check.
pub fn check_data_dir(dir: &std::path::Path) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let probe = dir.join(".write-probe");
    std::fs::write(&probe, b"ok").map_err(|e| format!("{} not writable: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(format!("{} writable", dir.display()))
}

pub use credentials::{jwt_secret, service_token, token_verifier};
