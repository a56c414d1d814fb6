//! `bitcraps down` and `bitcraps restart`.

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
        match control::call(&state.socket_path(), &req, Duration::from_secs(5)) {
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

pub fn restart(g: &GlobalArgs, args: &RestartArgs) -> anyhow::Result<()> {
    let state = StateDir::existing(&g.state_dir)
        .filter(|s| s.running_supervisor().is_some())
        .ok_or_else(|| {
            fail(
                Code::Unavailable,
                "bitcraps is not running; start it with `bitcraps up -d --wait`",
            )
        })?;
    let mut restarted = Vec::new();
    for service in &args.services {
        let req = Request::Restart {
            service: service.clone(),
        };
        match control::call(&state.socket_path(), &req, Duration::from_secs(120)) {
            Ok(Reply::Restarted { services }) => restarted.extend(services),
            Ok(Reply::Error { kind, message }) => {
                let code = match kind {
                    ErrorKind::NotFound => Code::NotFound,
                    ErrorKind::Unavailable => Code::Unavailable,
                    ErrorKind::Failed => Code::Error,
                };
                return Err(fail(code, message));
            }
            Ok(other) => anyhow::bail!("unexpected reply from the supervisor: {other:?}"),
            Err(e) => return Err(fail(Code::Unavailable, format!("control socket: {e}"))),
        }
    }
    if g.output == OutputFormat::Json {
        return output::print_json(&restarted);
    }
    if !g.quiet {
        for s in &restarted {
            eprintln!(
                "restarted {} (pid {}), ready",
                s.name,
                s.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into())
            );
        }
    }
    Ok(())
}
