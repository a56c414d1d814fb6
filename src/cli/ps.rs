//! `bitcraps ps`: the supervised services and their state.

use std::time::Duration;

use serde::Serialize;

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use crate::supervisor::control::{self, Reply, Request, ServiceStatus, Status};
use crate::supervisor::{StateDir, orphans};

/// `ps --output json` when the supervisor is not running.
#[derive(Debug, Serialize)]
struct NotRunning {
    running: bool,
    state_dir: String,
    orphans: Vec<Orphan>,
}

#[derive(Debug, Serialize)]
struct Orphan {
    name: String,
    pid: u32,
}

/// Asks the running supervisor for its status; `None` when none runs.
pub fn query(state: &StateDir) -> anyhow::Result<Option<Status>> {
    if state.running_supervisor().is_none() {
        return Ok(None);
    }
    match control::call(state, &Request::Status, Duration::from_secs(5)) {
        Ok(Reply::Status(s)) => Ok(Some(s)),
        Ok(other) => Err(anyhow::anyhow!(
            "unexpected reply from the supervisor: {other:?}"
        )),
        Err(e) => Err(fail(
            Code::Unavailable,
            format!(
                "the supervisor holds the lock but its control socket {} does not answer: {e}",
                state.socket_path().display()
            ),
        )),
    }
}

pub fn run(g: &GlobalArgs) -> anyhow::Result<()> {
    let Some(state) = StateDir::existing(&g.state_dir) else {
        return not_running(g, &g.state_dir.display().to_string(), Vec::new());
    };
    match query(&state)? {
        Some(status) => {
            if g.output == OutputFormat::Json {
                let mut v = serde_json::to_value(&status)?;
                v["running"] = serde_json::json!(true);
                output::print_json(&v)
            } else {
                print_status_table(&status)
            }
        }
        None => {
            let found = orphans::find(state.root())
                .into_iter()
                .map(|o| Orphan {
                    name: o.name,
                    pid: o.pid,
                })
                .collect();
            not_running(g, &state.root().display().to_string(), found)
        }
    }
}

fn not_running(g: &GlobalArgs, dir: &str, orphans: Vec<Orphan>) -> anyhow::Result<()> {
    if g.output == OutputFormat::Json {
        output::print_json(&NotRunning {
            running: false,
            state_dir: dir.to_string(),
            orphans,
        })?;
        return Err(fail(
            Code::Unavailable,
            format!("bitcraps is not running (state dir {dir})"),
        ));
    }
    let mut msg =
        format!("bitcraps is not running (state dir {dir}); start it with `bitcraps up -d --wait`");
    if !orphans.is_empty() {
        let list: Vec<String> = orphans
            .iter()
            .map(|o| format!("{} (pid {})", o.name, o.pid))
            .collect();
        msg.push_str(&format!(
            "\nservices left by a supervisor that was killed are still running: {}; `bitcraps down` stops them",
            list.join(", ")
        ));
    }
    Err(fail(Code::Unavailable, msg))
}

pub fn print_status_table(status: &Status) -> anyhow::Result<()> {
    let mut t = output::table(&[
        "NAME",
        "PID",
        "STATE",
        "HEALTH",
        "UPTIME",
        "RESTARTS",
        "ADDRESS",
        "LAST EXIT",
    ]);
    for s in &status.services {
        t.add_row(row(s));
    }
    output::print_table(&t)
}

fn row(s: &ServiceStatus) -> Vec<String> {
    let state = match (s.state, s.next_start_in_ms) {
        (control::ProcState::Backoff, Some(ms)) => format!("backoff ({ms}ms)"),
        (st, _) => enum_word(&st),
    };
    vec![
        s.name.clone(),
        s.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
        state,
        enum_word(&s.health),
        s.uptime_seconds
            .map(output::short_duration)
            .unwrap_or_else(|| "-".into()),
        s.restarts.to_string(),
        s.address.clone(),
        s.last_exit.clone().unwrap_or_else(|| "-".into()),
    ]
}

/// The serde name of a unit enum variant (`running`, `ready`).
fn enum_word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}
