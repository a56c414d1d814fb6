//! `bitcraps down`, `restart`, `stop` and `start`.

use std::time::{Duration, Instant};

use clap::Args;

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use crate::supervisor::control::{self, ErrorKind, Reply, Request};
use crate::supervisor::{StateDir, orphans, process};

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Grace period after SIGTERM before SIGKILL (at most 1h).
    #[arg(long, value_parser = super::output::parse_timeout, default_value = "10s", value_name = "DURATION")]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Service names (validator-0, wallet, engine-0, gateway) or kinds (validators, wallets, engines).
    #[arg(required = true, value_name = "SERVICE")]
    pub services: Vec<String>,
}

pub fn down(g: &GlobalArgs, args: &DownArgs) -> anyhow::Result<()> {
    let Some(state) = StateDir::existing(&g.state_dir) else {
        if !g.quiet {
            eprintln!(
                "bitcraps is not running (no state dir {})",
                g.state_dir.display()
            );
        }
        return Ok(());
    };
    let began = Instant::now();
    let mut stopped_supervisor = None;
    if let Some(pid) = state.running_supervisor() {
        let req = Request::Shutdown {
            timeout_ms: args.timeout.as_millis() as u64,
        };
        match control::call(&state, &req, Duration::from_secs(5)) {
            Ok(Reply::ShuttingDown { pid: p }) => stopped_supervisor = Some(p),
            Ok(other) => anyhow::bail!("unexpected reply from the supervisor: {other:?}"),
            Err(e) => {
                // A wedged supervisor: stop it by signal; its services are
                // swept below as orphans.
                eprintln!(
                    "warning: control socket did not answer ({e}); sending SIGTERM to supervisor pid {pid}"
                );
                if pid != 0 {
                    process::stop_pids(&[pid], args.timeout);
                }
                stopped_supervisor = Some(pid);
            }
        }
        // Each stage gets the grace period; allow for all three, then some.
        let deadline = Instant::now() + args.timeout.saturating_mul(3) + Duration::from_secs(5);
        while state.running_supervisor().is_some() {
            if Instant::now() > deadline {
                return Err(fail(
                    Code::Unavailable,
                    format!("the supervisor (pid {pid}) did not stop in time"),
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let found = orphans::find(state.root());
    if !found.is_empty() {
        let pids: Vec<u32> = found.iter().map(|o| o.pid).collect();
        if !g.quiet {
            let list: Vec<String> = found
                .iter()
                .map(|o| format!("{} (pid {})", o.name, o.pid))
                .collect();
            eprintln!(
                "stopping services left without a supervisor: {}",
                list.join(", ")
            );
        }
        process::stop_pids(&pids, args.timeout);
    }
    state.clean_stale_if_dead();
    let took = began.elapsed();
    if g.output == OutputFormat::Json {
        return output::print_json(&serde_json::json!({
            "stopped_supervisor": stopped_supervisor,
            "stopped_orphans": found.iter().map(|o| serde_json::json!({"name": o.name, "pid": o.pid})).collect::<Vec<_>>(),
            "took_ms": took.as_millis() as u64,
        }));
    }
    if !g.quiet {
        match (stopped_supervisor, found.len()) {
            (None, 0) => eprintln!("bitcraps is not running"),
            _ => eprintln!("stopped in {} ms", took.as_millis()),
        }
    }
    Ok(())
}

/// What `restart`, `stop` and `start` ask the supervisor, and how they say
/// what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceAction {
    Restart,
    Stop,
    Start,
}

impl ServiceAction {
    pub fn request(self, service: &str) -> Request {
        let service = service.to_string();
        match self {
            ServiceAction::Restart => Request::Restart { service },
            ServiceAction::Stop => Request::Stop { service },
            ServiceAction::Start => Request::Start { service },
        }
    }

    /// The services a reply says were acted on, or the error to report
    /// (with its exit code).
    pub fn outcome(
        self,
        reply: std::io::Result<Reply>,
    ) -> Result<Vec<control::ServiceStatus>, (Code, String)> {
        match reply {
            Ok(Reply::Restarted { services }) if self == ServiceAction::Restart => Ok(services),
            Ok(Reply::Stopped { services }) if self == ServiceAction::Stop => Ok(services),
            Ok(Reply::Started { services }) if self == ServiceAction::Start => Ok(services),
            Ok(Reply::Error { kind, message }) => {
                let code = match kind {
                    ErrorKind::NotFound => Code::NotFound,
                    ErrorKind::Unavailable => Code::Unavailable,
                    ErrorKind::Failed => Code::Error,
                    ErrorKind::Forbidden => Code::Auth,
                };
                Err((code, message))
            }
            Ok(other) => Err((
                Code::Error,
                format!("unexpected reply from the supervisor: {other:?}"),
            )),
            Err(e) => Err((Code::Unavailable, format!("control socket: {e}"))),
        }
    }

    /// How long the supervisor may take: a stop waits for the grace period,
    /// a start or restart for readiness.
    pub fn timeout(self) -> Duration {
        Duration::from_secs(120)
    }

    /// One line saying what happened to `s`.
    pub fn done(self, s: &control::ServiceStatus) -> String {
        let pid = s.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
        match self {
            ServiceAction::Restart => format!("restarted {} (pid {pid}), ready", s.name),
            ServiceAction::Start => format!("{} running (pid {pid}), ready", s.name),
            ServiceAction::Stop => format!(
                "stopped {}; `bitcraps start {}` brings it back",
                s.name, s.name
            ),
        }
    }
}

pub fn restart(g: &GlobalArgs, args: &RestartArgs) -> anyhow::Result<()> {
    act(g, &args.services, ServiceAction::Restart)
}

pub fn stop(g: &GlobalArgs, args: &RestartArgs) -> anyhow::Result<()> {
    act(g, &args.services, ServiceAction::Stop)
}

pub fn start(g: &GlobalArgs, args: &RestartArgs) -> anyhow::Result<()> {
    act(g, &args.services, ServiceAction::Start)
}

fn act(g: &GlobalArgs, names: &[String], action: ServiceAction) -> anyhow::Result<()> {
    let state = StateDir::existing(&g.state_dir)
        .filter(|s| s.running_supervisor().is_some())
        .ok_or_else(|| {
            fail(
                Code::Unavailable,
                "bitcraps is not running; start it with `bitcraps up -d --wait`",
            )
        })?;
    let mut acted = Vec::new();
    for service in names {
        let reply = control::call(&state, &action.request(service), action.timeout());
        match action.outcome(reply) {
            Ok(services) => acted.extend(services),
            Err((code, message)) => return Err(fail(code, message)),
        }
    }
    if g.output == OutputFormat::Json {
        return output::print_json(&acted);
    }
    if !g.quiet {
        for s in &acted {
            eprintln!("{}", action.done(s));
        }
    }
    Ok(())
}
