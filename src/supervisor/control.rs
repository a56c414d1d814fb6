//! The control socket protocol: one JSON request line, one JSON reply line.
//! `ps`, `restart`, `down`, `up --wait` and the TUI speak it.
//!
//! Every request but `status` carries the supervisor's control token,
//! which it writes at start to `run/control.token` (0600). A service's
//! sandbox cannot open that file, so a taken-over service that connects to
//! the socket (a pathname Unix socket, which Landlock before ABI 9 does not
//! guard) can read `ps` but cannot stop, restart or shut down anything.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::plan::ServiceKind;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    Status,
    /// Stops and starts the named services (a name or a kind), waiting
    /// until they are ready again.
    Restart {
        service: String,
    },
    /// Stops services (a name or a kind) and keeps them stopped (no
    /// restart) until a `start` or `restart`; the rest go on.
    Stop {
        service: String,
    },
    /// Starts services that are stopped or failed, waiting until they are
    /// ready; running ones are left alone.
    Start {
        service: String,
    },
    /// Stops every service (SIGTERM, then SIGKILL after `timeout_ms`) and
    /// then the supervisor.
    Shutdown {
        timeout_ms: u64,
    },
}

impl Request {
    /// Whether the request needs the control token (anything that acts).
    pub fn acts(&self) -> bool {
        !matches!(self, Request::Status)
    }
}

/// One request line: the request and, for one that acts, the token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(flatten)]
    pub request: Request,
}

/// Whether `presented` is the supervisor's `token` (compared through their
/// SHA-256, so the time taken says nothing about how much matched).
pub fn token_matches(token: &str, presented: Option<&str>) -> bool {
    use sha2::{Digest, Sha256};
    presented.is_some_and(|p| Sha256::digest(p.as_bytes()) == Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    Status(Status),
    Restarted { services: Vec<ServiceStatus> },
    Stopped { services: Vec<ServiceStatus> },
    Started { services: Vec<ServiceStatus> },
    ShuttingDown { pid: u32 },
    Error { kind: ErrorKind, message: String },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    NotFound,
    Unavailable,
    Failed,
    /// An acting request without the control token.
    Forbidden,
}

/// Where the supervisor is in its life.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Starting,
    Running,
    Stopping,
}

/// The reply to `Status`, and the body of `bitcraps ps --output json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    pub supervisor_pid: u32,
    pub state_dir: String,
    pub phase: Phase,
    pub uptime_seconds: f64,
    pub services: Vec<ServiceStatus>,
    /// Where the configuration the services run with came from.
    #[serde(default)]
    pub config: ConfigOrigin,
}

/// The configuration file the supervisor loaded (and passed on to every
/// service), and each key that is not at its default, with its source.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConfigOrigin {
    /// The file, resolved; none when the embedded defaults are used.
    pub file: Option<String>,
    /// The keys set by the file, the environment or a flag. Secrets read
    /// `<redacted>`.
    pub settings: Vec<Setting>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    /// `file PATH`, `env VAR` or `flag --NAME`.
    pub source: String,
}

/// The configuration section a service kind reads: `gateway`,
/// `game_engine`, `consensus`, `wallet`.
pub fn config_section(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Gateway => "gateway",
        ServiceKind::Engine => "game_engine",
        ServiceKind::Consensus => "consensus",
        ServiceKind::Wallet => "wallet",
    }
}

impl ConfigOrigin {
    /// The settings of one service kind's section ([`config_section`]),
    /// and how many others there are.
    pub fn for_kind(&self, kind: ServiceKind) -> (Vec<&Setting>, usize) {
        let prefix = format!("{}.", config_section(kind));
        let (mine, others): (Vec<&Setting>, Vec<&Setting>) = self
            .settings
            .iter()
            .partition(|s| s.key.starts_with(&prefix));
        (mine, others.len())
    }
}

/// One end of a service process, kept for `ps --output json` and the
/// dashboard's service detail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exit {
    /// Wall clock, ms since the Unix epoch.
    pub at_ms: u64,
    /// `exited with status 1`, `killed by SIGKILL`, `cannot spawn …`.
    pub why: String,
    /// How long that process ran.
    pub ran_seconds: f64,
    /// Stopped or restarted on request (not a crash).
    pub requested: bool,
}

/// How many exits each service remembers.
pub const EXITS_KEPT: usize = 10;

impl Status {
    pub fn all_ready(&self) -> bool {
        !self.services.is_empty() && self.services.iter().all(|s| s.health == Health::Ready)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ProcState {
    /// Waiting for an earlier stage to become ready.
    Pending,
    /// Spawned, not yet ready.
    Starting,
    /// Spawned and has been ready.
    Running,
    /// Crashed; waiting out the restart delay.
    Backoff,
    Stopping,
    Stopped,
    /// Crashed too often in a row; no more restarts.
    Failed,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// `/health/ready` answered 200.
    Ready,
    /// The process serves but `/health/ready` answered 503.
    Unready,
    /// No answer (not running, or not listening yet).
    Down,
}

/// One service as `ps` shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceStatus {
    pub name: String,
    pub kind: ServiceKind,
    pub address: String,
    pub pid: Option<u32>,
    pub state: ProcState,
    pub health: Health,
    pub uptime_seconds: Option<f64>,
    /// Restarts after crashes plus deliberate restarts.
    pub restarts: u32,
    /// `exited with status 1`, `killed by SIGKILL`, … of the last exit.
    pub last_exit: Option<String>,
    /// The last exits, oldest first, at most [`EXITS_KEPT`].
    #[serde(default)]
    pub exits: Vec<Exit>,
    /// While in backoff: milliseconds until the next start.
    pub next_start_in_ms: Option<u64>,
}

/// Sends one request to `state`'s supervisor (with the control token when
/// the request acts) and reads the reply, with an overall timeout.
pub fn call(state: &super::StateDir, req: &Request, timeout: Duration) -> std::io::Result<Reply> {
    let token = if req.acts() {
        Some(
            std::fs::read_to_string(state.control_token_file())?
                .trim()
                .to_string(),
        )
    } else {
        None
    };
    let mut stream = UnixStream::connect(state.socket_path())?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let envelope = Envelope {
        token,
        request: req.clone(),
    };
    let mut line = serde_json::to_string(&envelope)?;
    line.push('\n');
    stream.write_all(line.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut reply = String::new();
    reader.read_line(&mut reply)?;
    if reply.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "supervisor closed the connection without a reply",
        ));
    }
    serde_json::from_str(&reply).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_is_tagged_json() {
        let r = serde_json::to_string(&Request::Restart {
            service: "engine-0".into(),
        })
        .unwrap();
        assert_eq!(r, r#"{"request":"restart","service":"engine-0"}"#);
        let back: Request = serde_json::from_str(r#"{"request":"status"}"#).unwrap();
        assert!(matches!(back, Request::Status));
        // On the wire, a request line is an envelope: the token beside
        // the tag, absent for a status.
        let line = serde_json::to_string(&Envelope {
            token: Some("t0k".into()),
            request: Request::Shutdown { timeout_ms: 5 },
        })
        .unwrap();
        assert_eq!(
            line,
            r#"{"token":"t0k","request":"shutdown","timeout_ms":5}"#
        );
        let back: Envelope = serde_json::from_str(&line).unwrap();
        assert_eq!(back.token.as_deref(), Some("t0k"));
        assert!(matches!(back.request, Request::Shutdown { timeout_ms: 5 }));
        let bare: Envelope = serde_json::from_str(r#"{"request":"status"}"#).unwrap();
        assert!(bare.token.is_none() && !bare.request.acts());
    }

    #[test]
    fn only_the_exact_token_lets_a_request_act() {
        assert!(token_matches("abc", Some("abc")));
        assert!(!token_matches("abc", Some("abd")));
        assert!(!token_matches("abc", Some("")));
        assert!(!token_matches("abc", None));
        assert!(
            Request::Stop {
                service: "x".into()
            }
            .acts()
        );
        assert!(!Request::Status.acts());
    }
}
