//! The state dir (`./.bitcraps` by default): pids, logs, data, secrets, the
//! supervisor's lock and control socket.

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Context;
use nix::fcntl::{Flock, FlockArg};

/// Unix socket paths are limited to 108 bytes (`sun_path`).
const MAX_SOCKET_PATH: usize = 100;

#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

/// Held for the supervisor's lifetime; proves it is the one running.
pub struct SupervisorLock {
    _lock: Flock<File>,
}

impl StateDir {
    /// Opens (creating) the state dir, made absolute so children and the
    /// orphan scan see one spelling of it.
    pub fn open(path: &Path) -> anyhow::Result<StateDir> {
        std::fs::create_dir_all(path)
            .with_context(|| format!("cannot create state dir {}", path.display()))?;
        let root = path
            .canonicalize()
            .with_context(|| format!("cannot resolve state dir {}", path.display()))?;
        for sub in ["logs", "run", "data"] {
            std::fs::create_dir_all(root.join(sub))
                .with_context(|| format!("cannot create {}", root.join(sub).display()))?;
        }
        Ok(StateDir { root })
    }

    /// Resolves the path without creating anything (for read-only commands).
    pub fn existing(path: &Path) -> Option<StateDir> {
        path.canonicalize().ok().map(|root| StateDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn log_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    pub fn log_file(&self, service: &str) -> PathBuf {
        self.log_dir().join(format!("{service}.log"))
    }

    pub fn pid_file(&self, service: &str) -> PathBuf {
        self.root.join("run").join(format!("{service}.pid"))
    }

    /// The live supervisor's control token (0600): what lets a request on
    /// the control socket act (see [`super::control`]).
    pub fn control_token_file(&self) -> PathBuf {
        self.root.join("run").join("control.token")
    }

    pub fn supervisor_pid_file(&self) -> PathBuf {
        self.root.join("supervisor.pid")
    }

    pub fn secret_file(&self) -> PathBuf {
        self.root.join("secrets").join("jwt_secret")
    }

    fn lock_file(&self) -> PathBuf {
        self.root.join("supervisor.lock")
    }

    /// The control socket. Inside the state dir when the path fits in a
    /// socket address, else under the temp dir, named after the state dir.
    pub fn socket_path(&self) -> PathBuf {
        let inside = self.root.join("supervisor.sock");
        if inside.as_os_str().len() <= MAX_SOCKET_PATH {
            return inside;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.root.hash(&mut h);
        std::env::temp_dir().join(format!("bitcraps-{:016x}.sock", h.finish()))
    }

    /// Takes the supervisor lock; `None` when another supervisor holds it.
    pub fn try_lock(&self) -> anyhow::Result<Option<SupervisorLock>> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.lock_file())
            .with_context(|| format!("cannot open {}", self.lock_file().display()))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => Ok(Some(SupervisorLock { _lock: lock })),
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => Ok(None),
            Err((_, e)) => Err(anyhow::anyhow!(
                "cannot lock {}: {e}",
                self.lock_file().display()
            )),
        }
    }

    /// Pid of the live supervisor, if one holds the lock (0 when it has not
    /// written its pid file yet).
    pub fn running_supervisor(&self) -> Option<u32> {
        match self.try_lock() {
            Ok(None) => read_pid(&self.supervisor_pid_file()).or(Some(0)),
            _ => None,
        }
    }

    /// Removes the socket and pid files a dead supervisor left behind, if
    /// no supervisor holds the lock (it is held while cleaning). Returns
    /// what was removed.
    pub fn clean_stale_if_dead(&self) -> Vec<PathBuf> {
        match self.try_lock() {
            Ok(Some(_guard)) => self.clean_stale(),
            _ => Vec::new(),
        }
    }

    /// Removes the socket and pid files a dead supervisor left behind.
    /// The caller holds the supervisor lock.
    pub fn clean_stale(&self) -> Vec<PathBuf> {
        let mut removed = Vec::new();
        let mut candidates = vec![self.socket_path(), self.supervisor_pid_file()];
        if let Ok(entries) = std::fs::read_dir(self.root.join("run")) {
            candidates.extend(entries.flatten().map(|e| e.path()));
        }
        for p in candidates {
            if p.exists() && std::fs::remove_file(&p).is_ok() {
                removed.push(p);
            }
        }
        removed
    }
}

pub fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::open(dir.path()).unwrap();
        let held = sd.try_lock().unwrap().expect("first lock");
        assert!(sd.try_lock().unwrap().is_none(), "second lock refused");
        assert!(sd.running_supervisor().is_some());
        drop(held);
        assert!(sd.try_lock().unwrap().is_some());
        assert!(sd.running_supervisor().is_none());
    }

    #[test]
    fn long_state_dirs_get_a_short_socket_path() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a".repeat(120));
        let sd = StateDir::open(&deep).unwrap();
        assert!(sd.socket_path().as_os_str().len() <= MAX_SOCKET_PATH + 8);
        assert!(!sd.socket_path().starts_with(sd.root()));
    }

    #[test]
    fn stale_files_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::open(dir.path()).unwrap();
        std::fs::write(sd.supervisor_pid_file(), "999999").unwrap();
        std::fs::write(sd.pid_file("gateway"), "999998").unwrap();
        std::fs::write(sd.socket_path(), "").unwrap();
        assert_eq!(sd.clean_stale().len(), 3);
        assert!(!sd.pid_file("gateway").exists());
    }
}
