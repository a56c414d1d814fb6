//! Launching and supervising the services: spawn in dependency order, probe
//! readiness, restart with backoff, stop cleanly, and answer the control
//! socket. Everything is kept under the state dir.

pub mod backoff;
pub mod console;
pub mod control;
pub mod logfile;
pub mod orphans;
pub mod plan;
pub mod process;
pub mod runner;
pub mod state_dir;

pub use plan::{ServiceKind, ServiceSpec};
pub use state_dir::StateDir;

use crate::ports;

/// Why `up` cannot start; each names what to do.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error(
        "bitcraps is already running ({}state dir {dir}); use `bitcraps ps`, or `bitcraps down` first",
        pid.map(|p| format!("supervisor pid {p}, ")).unwrap_or_default()
    )]
    AlreadyRunning { pid: Option<u32>, dir: String },
    #[error(
        "services left running by a previous supervisor were found: {list}; run `bitcraps down` to stop them"
    )]
    Orphans { list: String },
    #[error("cannot start: {}", .0.join("; "))]
    PortsInUse(Vec<String>),
    #[error("{0}")]
    Io(String),
}

/// Checks, before anything is spawned, that `up` can succeed: no live
/// supervisor for this state dir, no orphans of a dead one, every port free.
/// Cleans stale pid files and sockets a killed supervisor left behind.
pub fn preflight(state: &StateDir, specs: &[ServiceSpec]) -> Result<Vec<String>, PreflightError> {
    // Hold the lock while looking and cleaning, so a concurrent `up` cannot
    // start in between and lose its fresh socket to our cleanup.
    let _guard = match state.try_lock() {
        Ok(Some(g)) => g,
        Ok(None) => {
            return Err(PreflightError::AlreadyRunning {
                pid: state_dir::read_pid(&state.supervisor_pid_file()),
                dir: state.root().display().to_string(),
            });
        }
        Err(e) => return Err(PreflightError::Io(format!("{e:#}"))),
    };
    let found = orphans::find(state.root());
    if !found.is_empty() {
        let list: Vec<String> = found
            .iter()
            .map(|o| format!("{} (pid {})", o.name, o.pid))
            .collect();
        return Err(PreflightError::Orphans {
            list: list.join(", "),
        });
    }
    let cleaned: Vec<String> = state
        .clean_stale()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let busy: Vec<String> = specs
        .iter()
        .filter(|s| !ports::is_free(s.addr))
        .map(|s| ports::in_use_message(s.addr, &s.name))
        .collect();
    if !busy.is_empty() {
        return Err(PreflightError::PortsInUse(busy));
    }
    Ok(cleaned)
}
