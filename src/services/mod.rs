//! The three services. Each is an axum app behind the common base routes;
//! they never import each other, the gateway, or the CLI.

pub mod api_gateway;
pub mod common;
pub mod consensus;
pub mod game_engine;

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
