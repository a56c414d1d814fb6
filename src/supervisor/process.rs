//! Spawning a service process in its own process group, and stopping it:
//! SIGTERM to the group, a grace period, then SIGKILL.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

use super::StateDir;
use super::plan::ServiceSpec;

/// Starts `exe serve KIND --index I --listen ADDR --state-dir ROOT` with
/// piped output, in a new process group so signals reach the whole service
/// and a Ctrl-C at the terminal reaches only the supervisor.
pub fn spawn(
    exe: &Path,
    spec: &ServiceSpec,
    state: &StateDir,
    env: &[(String, String)],
) -> std::io::Result<Child> {
    let mut cmd = Command::new(exe);
    cmd.arg("serve")
        .arg(spec.kind.serve_arg())
        .arg("--index")
        .arg(spec.index.to_string())
        .arg("--listen")
        .arg(spec.addr.to_string())
        .arg("--state-dir")
        .arg(state.root())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if spec.kind != super::plan::ServiceKind::Wallet {
        // The ledger's database credentials are the wallet's alone: any
        // other service that held them could rewrite the ledger around the
        // wallet (its sandbox bounds files, not connections). The
        // environment outranks the configuration file, so this also hides
        // a URL written there.
        cmd.env("WALLET_DATABASE_URL", "");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false);
    cmd.spawn()
}

/// Sends `signal` to the process group led by `pid`. Returns false when the
/// group no longer exists.
pub fn signal_group(pid: u32, signal: Signal) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    killpg(Pid::from_raw(raw), signal).is_ok()
}

/// True while a process with this pid exists and has not exited (a zombie
/// waiting to be reaped by someone else counts as gone).
pub fn alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if nix::sys::signal::kill(Pid::from_raw(raw), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) if running(&stat) => true,
        // A killed multi-threaded process shows its leader as a zombie while
        // its other threads are still exiting — still holding its files,
        // locks and sockets. It is gone when no thread is left running.
        Ok(_) => std::fs::read_dir(format!("/proc/{pid}/task")).is_ok_and(|tasks| {
            tasks
                .flatten()
                .any(|t| std::fs::read_to_string(t.path().join("stat")).is_ok_and(|s| running(&s)))
        }),
        Err(_) => false,
    }
}

/// Whether a `/proc/…/stat` line shows a task that has not exited (the
/// state follows the parenthesised command name).
fn running(stat: &str) -> bool {
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_none_or(|state| state != "Z" && state != "X")
}

/// Stops a child: SIGTERM to its group, up to `grace` to exit, then SIGKILL.
/// Returns how it ended.
pub async fn stop(child: &mut Child, grace: Duration) -> std::io::Result<ExitStatus> {
    if let Some(status) = child.try_wait()? {
        return Ok(status);
    }
    if let Some(pid) = child.id() {
        signal_group(pid, Signal::SIGTERM);
    }
    match tokio::time::timeout(grace, child.wait()).await {
        Ok(status) => status,
        Err(_) => {
            if let Some(pid) = child.id() {
                signal_group(pid, Signal::SIGKILL);
            }
            child.wait().await
        }
    }
}

/// Stops processes the supervisor does not own (orphans of a killed
/// supervisor): SIGTERM to each group, wait, SIGKILL what is left.
/// Orphans are not our children, so `alive` turns false once they exit.
pub fn stop_pids(pids: &[u32], grace: Duration) -> usize {
    for pid in pids {
        if !signal_group(*pid, Signal::SIGTERM) {
            let _ = nix::sys::signal::kill(Pid::from_raw(*pid as i32), Signal::SIGTERM);
        }
    }
    let deadline = std::time::Instant::now() + grace;
    while pids.iter().any(|p| alive(*p)) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    for pid in pids.iter().filter(|p| alive(**p)) {
        if !signal_group(*pid, Signal::SIGKILL) {
            let _ = nix::sys::signal::kill(Pid::from_raw(*pid as i32), Signal::SIGKILL);
        }
    }
    while pids.iter().any(|p| alive(*p)) && std::time::Instant::now() < deadline + grace {
        std::thread::sleep(Duration::from_millis(10));
    }
    pids.len()
}

/// `exited with status 1`, `killed by SIGKILL`.
pub fn describe_exit(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    match status.signal() {
        Some(sig) => match Signal::try_from(sig) {
            Ok(s) => format!("killed by {}", s.as_str()),
            Err(_) => format!("killed by signal {sig}"),
        },
        None => "exited".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::plan::ServiceKind;

    #[tokio::test]
    async fn only_the_wallet_is_given_the_ledgers_database_url() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::open(&dir.path().join("state")).unwrap();
        // A stand-in for the binary that writes out the environment it got.
        let exe = dir.path().join("fake-bitcraps");
        std::fs::write(&exe, "#!/bin/sh\nenv > \"$OUT\"\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let url = "postgres://bitcraps:hunter2@db:5432/bitcraps";
        for (kind, gets_it) in [
            (ServiceKind::Wallet, true),
            (ServiceKind::Engine, false),
            (ServiceKind::Consensus, false),
            (ServiceKind::Gateway, false),
        ] {
            let out = dir.path().join(format!("{kind:?}.env"));
            let spec = ServiceSpec {
                name: format!("{kind:?}"),
                kind,
                index: 0,
                addr: "127.0.0.1:1".parse().unwrap(),
            };
            let env = [
                ("WALLET_DATABASE_URL".to_string(), url.to_string()),
                ("OUT".to_string(), out.display().to_string()),
            ];
            let status = spawn(&exe, &spec, &state, &env)
                .unwrap()
                .wait()
                .await
                .unwrap();
            assert!(status.success());
            let seen = std::fs::read_to_string(&out).unwrap();
            assert_eq!(seen.contains("hunter2"), gets_it, "{kind:?}: {seen}");
        }
    }

    #[test]
    fn task_states_after_the_command_name_decide_running() {
        assert!(running("42 (bitcraps) S 1 42 42 0"));
        assert!(running("42 (odd) name) R 1"));
        assert!(!running("42 (bitcraps) Z 1 42"));
        assert!(!running("42 (a) b) X 1"));
        // This test's own process is running; a pid that cannot exist is not.
        assert!(alive(std::process::id()));
        assert!(!alive(u32::MAX));
    }

    #[test]
    fn exit_descriptions_name_status_or_signal() {
        assert_eq!(
            describe_exit(&ExitStatus::from_raw(1 << 8)),
            "exited with status 1"
        );
        assert_eq!(describe_exit(&ExitStatus::from_raw(9)), "killed by SIGKILL");
        assert_eq!(
            describe_exit(&ExitStatus::from_raw(15)),
            "killed by SIGTERM"
        );
    }
}
