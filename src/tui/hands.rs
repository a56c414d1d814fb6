//! The dashboard's hands (the thin shell around the pure state): one thread
//! runs actions — through the supervisor's control socket, the services'
//! HTTP APIs, or this same binary's CLI for what the CLI already does (a
//! verification, a proposal, a deposit) — one follows the open log file,
//! and one follows the open game's event stream. None blocks the screen.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use serde_json::{Value, json};

use super::actions::{Action, Reply};
use super::report::{self, Ran};

/// Where the hands reach the system: as the dashboard does.
#[derive(Debug, Clone)]
pub struct Reach {
    pub state_dir: PathBuf,
    /// `-c FILE` and `--set K=V` the dashboard was started with, passed on
    /// to the CLI commands it runs.
    pub config: Option<PathBuf>,
    pub sets: Vec<String>,
    pub gateway: String,
    pub token: String,
}

pub type Outcome = Result<Reply, String>;

pub struct Hands {
    pub actions: mpsc::Sender<Action>,
    pub results: mpsc::Receiver<(Action, Outcome)>,
    pub tail: mpsc::Sender<Option<String>>,
    pub lines: mpsc::Receiver<(String, Result<Vec<String>, String>)>,
    /// The game whose events to follow (`None`: none).
    pub follow: mpsc::Sender<Option<String>>,
    pub events: mpsc::Receiver<(String, Result<Vec<String>, String>)>,
}

impl Hands {
    pub fn spawn(reach: Reach) -> anyhow::Result<Hands> {
        let http = crate::tls::transport()
            .blocking(
                crate::tls::Expect::AnyService,
                reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .connect_timeout(Duration::from_secs(2)),
            )
            .build()?;
        let (actions, todo) = mpsc::channel::<Action>();
        let (done, results) = mpsc::channel();
        let worker = Worker {
            reach: reach.clone(),
            http,
        };
        std::thread::spawn(move || {
            for action in todo {
                let outcome = worker.run(&action);
                if done.send((action, outcome)).is_err() {
                    return;
                }
            }
        });
        let (tail, follow_log) = mpsc::channel::<Option<String>>();
        let (out, lines) = mpsc::channel();
        let dir = reach.state_dir.clone();
        std::thread::spawn(move || tail_logs(&dir, &follow_log, &out));
        let (follow, games) = mpsc::channel::<Option<String>>();
        let (sink, events) = mpsc::channel();
        std::thread::spawn(move || follow_games(&reach, &games, &sink));
        Ok(Hands {
            actions,
            results,
            tail,
            lines,
            follow,
            events,
        })
    }
}

struct Worker {
    reach: Reach,
    http: reqwest::blocking::Client,
}

impl Worker {
    fn run(&self, action: &Action) -> Outcome {
        match action {
            Action::Service { action, name } => {
                let state = crate::supervisor::StateDir::existing(&self.reach.state_dir)
                    .filter(|s| s.running_supervisor().is_some())
                    .ok_or("no supervisor runs for this state dir")?;
                let reply = crate::supervisor::control::call(
                    &state,
                    &action.request(name),
                    action.timeout(),
                );
                match action.outcome(reply) {
                    Ok(services) => Ok(Reply::Said(
                        services
                            .iter()
                            .map(|s| action.done(s))
                            .collect::<Vec<_>>()
                            .join("; "),
                    )),
                    Err((_, message)) => Err(message),
                }
            }
            Action::ServiceDetail { addr, .. } => {
                let base = match addr {
                    Some(a) => crate::tls::transport().base(a),
                    None => self.reach.gateway.clone(),
                };
                // 503 with the same body when not ready: read it either way.
                let ready = self
                    .http
                    .get(format!("{base}/health/ready"))
                    .send()
                    .map_err(|e| e.to_string())
                    .and_then(|r| {
                        r.json::<Value>()
                            .map_err(|e| format!("unexpected answer: {e}"))
                    });
                Ok(Reply::Ready(ready))
            }
            Action::VerifyGame(id) => {
                let ran = self.cli(&["game", "verify", id])?;
                Ok(Reply::Report(report::game_verdict(id, &ran)))
            }
            Action::Blocks {
                validator,
                addr,
                names,
            } => {
                let base = crate::tls::transport().base(addr);
                let top = self.get(&format!("{base}/status"))?["last_committed_height"]
                    .as_u64()
                    .unwrap_or(0);
                let blocks: Vec<(u64, Result<Value, String>)> = (1..=top)
                    .rev()
                    .take(report::RECENT_BLOCKS as usize)
                    .map(|h| (h, self.get(&format!("{base}/blocks/{h}"))))
                    .collect();
                Ok(Reply::Report(report::recent_blocks(
                    validator, &blocks, names,
                )))
            }
            Action::Block {
                from,
                height,
                names,
            } => {
                let (source, served) = match from {
                    Some((name, addr)) => (
                        name.clone(),
                        self.get(&format!(
                            "{}/blocks/{height}",
                            crate::tls::transport().base(addr)
                        )),
                    ),
                    None => (
                        "the gateway".to_string(),
                        self.get(&format!(
                            "{}/api/v1/consensus/blocks/{height}",
                            self.reach.gateway
                        )),
                    ),
                };
                let verified =
                    self.cli(&["consensus", "verify", "--height", &height.to_string()])?;
                Ok(Reply::Report(report::block_detail(
                    &source, *height, &served, &verified, names,
                )))
            }
            Action::Cli { args, .. } => {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let ran = self.cli(&args)?;
                if ran.code != 0 {
                    let words = ran.stderr.trim();
                    return Err(words.strip_prefix("error: ").unwrap_or(words).to_string());
                }
                Ok(Reply::Said(said(&ran.stdout)))
            }
            Action::Drain {
                service,
                addr,
                drain,
            } => {
                let verb = if *drain { "drain" } else { "undrain" };
                let url = format!(
                    "{}/admin/upstreams/{service}/{addr}/{verb}",
                    self.reach.gateway
                );
                let body = self
                    .send(self.http.post(&url))
                    .map_err(|e| format!("the gateway: {e}"))?;
                Ok(Reply::Said(if body["drained"] == Value::Bool(true) {
                    "drained: no new work goes to it".into()
                } else {
                    "takes new work again".into()
                }))
            }
            Action::Fault {
                validator,
                addr,
                fault,
            } => {
                let url = format!("{}/fault", crate::tls::transport().base(addr));
                let body = self
                    .send(self.http.post(&url).json(&json!({ "fault": fault })))
                    .map_err(|e| format!("{validator}: {e}"))?;
                Ok(Reply::Said(format!("{validator} now: {}", body["fault"])))
            }
        }
    }

    fn get(&self, url: &str) -> Result<Value, String> {
        self.send(self.http.get(url))
    }

    /// Sends `req` with the token; the JSON answer, or `HTTP status detail`.
    fn send(&self, req: reqwest::blocking::RequestBuilder) -> Result<Value, String> {
        let r = req
            .bearer_auth(&self.reach.token)
            .send()
            .map_err(|e| e.to_string())?;
        let status = r.status();
        if !status.is_success() {
            let body: Value = r.json().unwrap_or(Value::Null);
            return Err(format!(
                "HTTP {} {}",
                status.as_u16(),
                body["detail"].as_str().unwrap_or("")
            ));
        }
        r.json().map_err(|e| format!("unexpected answer: {e}"))
    }

    /// This binary's `ARGS -o json`, with the dashboard's state dir,
    /// configuration, gateway and token (the token through the
    /// environment: a command line is visible to every local user).
    fn cli(&self, args: &[&str]) -> Result<Ran, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
        let mut c = std::process::Command::new(exe);
        c.arg("--state-dir").arg(&self.reach.state_dir);
        if let Some(cfg) = &self.reach.config {
            c.arg("--config").arg(cfg);
        }
        for s in &self.reach.sets {
            c.arg("--set").arg(s);
        }
        c.args(["--output", "json", "--color", "never"])
            .args(args)
            .env("BITCRAPS_GATEWAY", &self.reach.gateway)
            .env("BITCRAPS_TOKEN", &self.reach.token)
            .stdin(std::process::Stdio::null());
        let out = c
            .output()
            .map_err(|e| format!("cannot run bitcraps: {e}"))?;
        Ok(Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// A CLI command's JSON answer in a footer's few words.
fn said(stdout: &str) -> String {
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    let mut parts = Vec::new();
    for key in [
        "status", "height", "epoch", "account", "balance", "amount", "id",
    ] {
        if let Some(x) = v.get(key).filter(|x| !x.is_null() && !x.is_object()) {
            let x = x.as_str().map_or_else(|| x.to_string(), str::to_string);
            parts.push(format!("{key} {x}"));
        }
    }
    if parts.is_empty() {
        super::ui::fit(stdout.trim(), 100)
    } else {
        parts.join(", ")
    }
}

/// Follows `logs/<service>.log` of the service chosen last: first its last
/// 64 KiB (from the first whole line), then what is appended, every 200 ms;
/// a rotation (the file got shorter) starts over at the new file's
/// beginning.
fn tail_logs(
    state_dir: &Path,
    follow: &mpsc::Receiver<Option<String>>,
    out: &mpsc::Sender<(String, Result<Vec<String>, String>)>,
) {
    use std::io::{Read, Seek, SeekFrom};
    const BACKLOG: u64 = 64 * 1024;
    let mut current: Option<(String, u64)> = None;
    let mut partial = String::new();
    // Whether what was read so far starts mid-line (the backlog's cut).
    let mut skip_first = false;
    loop {
        match follow.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(name)) => {
                current = Some((name, u64::MAX));
                partial.clear();
            }
            Ok(None) => current = None,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        let Some((name, offset)) = &mut current else {
            continue;
        };
        let path = state_dir.join("logs").join(format!("{name}.log"));
        let read = (|| -> std::io::Result<Vec<String>> {
            let mut f = std::fs::File::open(&path)?;
            let len = f.metadata()?.len();
            if *offset == u64::MAX {
                *offset = len.saturating_sub(BACKLOG);
                skip_first = *offset > 0;
            } else if len < *offset {
                *offset = 0;
                skip_first = false;
                partial.clear();
            }
            if len == *offset {
                return Ok(Vec::new());
            }
            f.seek(SeekFrom::Start(*offset))?;
            let mut buf = Vec::new();
            f.take(4 * 1024 * 1024).read_to_end(&mut buf)?;
            *offset += buf.len() as u64;
            partial.push_str(&String::from_utf8_lossy(&buf));
            Ok(whole_lines(&mut partial, &mut skip_first))
        })();
        let sent = match read {
            Ok(l) if l.is_empty() => Ok(()),
            Ok(l) => out.send((name.clone(), Ok(l))),
            Err(e) => out.send((name.clone(), Err(format!("{}: {e}", path.display())))),
        };
        if sent.is_err() {
            return;
        }
    }
}

/// Takes the complete lines out of `partial` (what is left is the start of
/// the next line). With `skip_first`, the first line is the tail of a line
/// cut by where reading began: it is dropped, once a newline shows where it
/// ends.
fn whole_lines(partial: &mut String, skip_first: &mut bool) -> Vec<String> {
    let mut lines: Vec<String> = partial.split('\n').map(str::to_string).collect();
    *partial = lines.pop().unwrap_or_default();
    if *skip_first && !lines.is_empty() {
        lines.remove(0);
        *skip_first = false;
    }
    lines
}

/// Follows the event stream (`GET /api/v1/games/{id}/events`, server-sent
/// events) of the game chosen last, from its first event, each event as a
/// line as `bitcraps game watch` shows it. Each game is read on a thread of
/// its own, told to stop when another is chosen; it notices at its next
/// event or keep-alive (every 15 s).
fn follow_games(
    reach: &Reach,
    games: &mpsc::Receiver<Option<String>>,
    sink: &mpsc::Sender<(String, Result<Vec<String>, String>)>,
) {
    let mut stop = Arc::new(AtomicBool::new(false));
    for chosen in games {
        stop.store(true, Ordering::Relaxed);
        stop = Arc::new(AtomicBool::new(false));
        let Some(id) = chosen else { continue };
        let (reach, sink, stop) = (reach.clone(), sink.clone(), stop.clone());
        std::thread::spawn(move || {
            let r = stream_events(&reach, &id, &stop, &sink);
            if let Err(e) = r
                && !stop.load(Ordering::Relaxed)
            {
                let _ = sink.send((id, Err(e)));
            }
        });
    }
    stop.store(true, Ordering::Relaxed);
}

fn stream_events(
    reach: &Reach,
    id: &str,
    stop: &AtomicBool,
    sink: &mpsc::Sender<(String, Result<Vec<String>, String>)>,
) -> Result<(), String> {
    let gateway = crate::cli::gateway_client::Gateway::at(&reach.gateway, &reach.token)
        .map_err(|e| e.to_string())?;
    let mut finished = false;
    gateway
        .stream_until(
            &format!("/api/v1/games/{id}/events?after=0"),
            &|| stop.load(Ordering::Relaxed),
            |_, _, data| {
                let ev: Value = serde_json::from_str(data).unwrap_or(Value::Null);
                finished |= ev["kind"] == "finished";
                let text = crate::cli::game_cmd::describe_event(&ev);
                Ok(sink.send((id.to_string(), Ok(vec![text]))).is_ok())
            },
        )
        .map_err(|e| format!("events: {e:#}"))?;
    // The engine ends a finished game's stream: nothing more will come.
    if finished || stop.load(Ordering::Relaxed) {
        return Ok(());
    }
    Err("the event stream ended".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backlog_cut_mid_line_drops_the_cut_line_and_keeps_the_rest() {
        let mut partial = String::from("tail of a cut line\n{\"a\":1}\n{\"b\"");
        let mut skip = true;
        assert_eq!(whole_lines(&mut partial, &mut skip), vec!["{\"a\":1}"]);
        assert_eq!(partial, "{\"b\"");
        assert!(!skip);
        partial.push_str(":2}\n");
        assert_eq!(whole_lines(&mut partial, &mut skip), vec!["{\"b\":2}"]);
        // A cut line not ended yet waits for its newline before it goes.
        let mut partial = String::from("half");
        let mut skip = true;
        assert!(whole_lines(&mut partial, &mut skip).is_empty());
        assert!(skip);
        partial.push_str(" line\nnext\n");
        assert_eq!(whole_lines(&mut partial, &mut skip), vec!["next"]);
    }

    #[test]
    fn a_cli_answer_is_said_in_a_few_words() {
        assert_eq!(
            said(r#"{"status":"committed","height":12,"proposal_id":"p"}"#),
            "status committed, height 12"
        );
        assert_eq!(said("plain words"), "plain words");
    }
}
