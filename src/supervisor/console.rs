//! Rendering service log lines for people: `name | 12:00:01.234 INFO message
//! key=value`, with a colored prefix per service. Log files keep the raw
//! JSON lines; `up` in the foreground and `logs` show this form.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::time::Duration;

use anstyle::{AnsiColor, Style};

const PALETTE: &[AnsiColor] = &[
    AnsiColor::Cyan,
    AnsiColor::Green,
    AnsiColor::Yellow,
    AnsiColor::Magenta,
    AnsiColor::Blue,
    AnsiColor::BrightCyan,
    AnsiColor::BrightGreen,
    AnsiColor::BrightMagenta,
];

/// What the foreground console shows of the services' log lines (the log
/// files always keep everything the services write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Lifecycle events, warnings and errors: the supervisor's own lines,
    /// every line at WARN or above, and the services' INFO events — but not
    /// their access log (one line per request) nor the health checker's
    /// "instance healthy" (the supervisor reports readiness itself).
    Lifecycle,
    /// Every line the services write (`up --log-level …` or `RUST_LOG`).
    Full,
}

/// Targets whose INFO lines are chatter in [`Verbosity::Lifecycle`].
const CHATTER_TARGETS: &[&str] = &[
    crate::services::common::http::ACCESS_LOG_TARGET,
    "bitcraps::upstream::checker",
];

/// Whether the console shows `raw` (a service's JSON log line, or any other
/// text, which is always shown) at `verbosity`. Pure.
pub fn shows(raw: &str, verbosity: Verbosity) -> bool {
    if verbosity == Verbosity::Full {
        return true;
    }
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(borrow, default)]
        level: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default)]
        target: Option<std::borrow::Cow<'a, str>>,
    }
    let Ok(head) = serde_json::from_str::<Head>(raw) else {
        return true;
    };
    match head.level.as_deref() {
        Some("WARN" | "ERROR") | None => true,
        Some("INFO") => !head
            .target
            .as_deref()
            .is_some_and(|t| CHATTER_TARGETS.contains(&t)),
        Some(_) => false,
    }
}

/// Writes prefixed lines to stdout (colors stripped when stdout is not a
/// terminal, NO_COLOR is set, or `color` is false).
#[derive(Debug, Clone)]
pub struct Console {
    width: usize,
    color: bool,
    verbosity: Verbosity,
}

impl Console {
    pub fn new(names: &[&str], color: bool, verbosity: Verbosity) -> Console {
        Console {
            width: names.iter().map(|n| n.len()).max().unwrap_or(0),
            color,
            verbosity,
        }
    }

    /// Whether a line of a service is shown (see [`shows`]).
    pub fn shows(&self, raw: &str) -> bool {
        shows(raw, self.verbosity)
    }

    /// Style of a service's prefix, stable per name.
    pub fn style_for(&self, name: &str) -> Style {
        if name == "supervisor" {
            return Style::new().bold();
        }
        let h = name
            .bytes()
            .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize));
        Style::new().fg_color(Some(PALETTE[h % PALETTE.len()].into()))
    }

    pub fn line(&self, name: &str, raw: &str) {
        let text = render(raw);
        let style = self.style_for(name);
        let out = if self.color {
            format!("{style}{name:>w$} |{style:#} {text}\n", w = self.width)
        } else {
            format!("{name:>w$} | {text}\n", w = self.width)
        };
        let mut stdout = anstream::stdout().lock();
        // A closed stdout (e.g. `bitcraps logs | head`) is not an error here.
        let _ = stdout.write_all(out.as_bytes());
    }
}

/// A console that never blocks its callers: lines go through a bounded
/// queue to one writer thread, and are dropped (and counted) when the
/// terminal does not keep up — a paused `bitcraps up | less` must not stall
/// supervision or the services' log pipes.
#[derive(Clone)]
pub struct ConsoleQueue {
    tx: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
}

enum Message {
    Line(String, String),
    Flush(SyncSender<()>),
}

impl ConsoleQueue {
    pub fn spawn(console: Console) -> ConsoleQueue {
        let (tx, rx) = sync_channel::<Message>(4096);
        let dropped = Arc::new(AtomicU64::new(0));
        let seen = dropped.clone();
        std::thread::spawn(move || {
            for msg in rx {
                match msg {
                    Message::Line(name, line) => {
                        if !console.shows(&line) {
                            continue;
                        }
                        let lost = seen.swap(0, Ordering::Relaxed);
                        if lost > 0 {
                            console.line(
                                "supervisor",
                                &format!("({lost} log lines not shown here: the terminal did not keep up; they are in the log files)"),
                            );
                        }
                        console.line(&name, &line);
                    }
                    Message::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        ConsoleQueue { tx, dropped }
    }

    pub fn line(&self, name: &str, raw: &str) {
        if self
            .tx
            .try_send(Message::Line(name.to_string(), raw.to_string()))
            .is_err()
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits, at most `within`, until every line queued so far is written.
    pub fn flush(&self, within: Duration) {
        let (tx, rx) = sync_channel(1);
        let deadline = std::time::Instant::now() + within;
        let mut msg = Message::Flush(tx);
        loop {
            match self.tx.try_send(msg) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) if std::time::Instant::now() < deadline => {
                    msg = m;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return,
            }
        }
        let _ = rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()));
    }
}

/// Renders one JSON log line compactly; anything else passes through.
pub fn render(raw: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(raw) else {
        return raw.to_string();
    };
    let time = map
        .get("timestamp")
        .and_then(|t| t.as_str())
        .and_then(|t| t.split('T').nth(1))
        .map(|t| t.trim_end_matches('Z').chars().take(12).collect::<String>())
        .unwrap_or_default();
    let level = map.get("level").and_then(|l| l.as_str()).unwrap_or("");
    let message = map
        .get("message")
        .or_else(|| map.get("fields").and_then(|f| f.get("message")))
        .and_then(|m| m.as_str())
        .unwrap_or("");
    let mut out = format!("{time} {level:<5} {message}");
    let mut fields: Vec<(String, String)> = map
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "timestamp" | "level" | "message" | "target" | "spans" | "span" | "fields"
            )
        })
        .map(|(k, v)| (k.clone(), value_text(v)))
        .collect();
    if let Some(serde_json::Value::Array(spans)) = map.get("spans") {
        for span in spans {
            if let Some(id) = span.get("request_id").and_then(|v| v.as_str()) {
                fields.push(("request_id".to_string(), id.to_string()));
            }
        }
    }
    for (k, v) in fields {
        out.push_str(&format!(" {k}={v}"));
    }
    out
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) if s.contains(' ') => format!("{s:?}"),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The one-screen summary the foreground `up` prints once every service is
/// ready: where each service listens and how to look, follow and stop.
/// `services` are (name, address) in start order; `state_flag` is the
/// `--state-dir …` the user must repeat in other terminals (empty for the
/// default). Pure.
pub fn ready_summary(
    services: &[(&str, std::net::SocketAddr)],
    elapsed_ms: u128,
    state_flag: &str,
    logs_dir: &std::path::Path,
) -> Vec<String> {
    let width = services.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = vec![format!(
        "all {} services ready in {elapsed_ms} ms",
        services.len()
    )];
    // The gateway first: it is where clients go.
    let mut listed: Vec<&(&str, std::net::SocketAddr)> = services.iter().collect();
    listed.sort_by_key(|(n, _)| *n != "gateway");
    for (name, addr) in listed {
        let what = match *name {
            "gateway" => "  <- clients: /api/v1/…, /openapi.json",
            _ => "",
        };
        out.push(format!("  {name:<width$}  http://{addr}{what}"));
    }
    let flag = if state_flag.is_empty() {
        String::new()
    } else {
        format!(" {state_flag}")
    };
    out.push(format!("  dashboard:  bitcraps{flag} tui"));
    out.push(format!(
        "  logs:       bitcraps{flag} logs -f [NAME]   (all detail in {})",
        logs_dir.display()
    ));
    out.push(format!("  stop:       Ctrl-C here, or bitcraps{flag} down"));
    out
}

/// A JSON log line in the services' format, for the supervisor's own events.
pub fn json_line(level: &str, message: &str, fields: &[(&str, String)]) -> String {
    let mut map = serde_json::Map::new();
    map.insert(
        "timestamp".into(),
        humantime::format_rfc3339_micros(std::time::SystemTime::now())
            .to_string()
            .into(),
    );
    map.insert("level".into(), level.into());
    map.insert("message".into(), message.into());
    for (k, v) in fields {
        map.insert((*k).to_string(), v.clone().into());
    }
    map.insert("target".into(), "bitcraps::supervisor".into());
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_json_events_compactly_with_request_id() {
        let raw = r#"{"timestamp":"2026-11-27T16:27:46.123456Z","level":"INFO","message":"request finished","status":200,"target":"x","spans":[{"name":"request","request_id":"abc"}]}"#;
        assert_eq!(
            render(raw),
            "16:27:46.123 INFO  request finished status=200 request_id=abc"
        );
        assert_eq!(render("plain text"), "plain text");
    }

    #[test]
    fn lifecycle_console_hides_the_access_log_and_health_chatter_only() {
        let line = |level: &str, target: &str, msg: &str| {
            format!(
                r#"{{"timestamp":"2026-11-27T16:27:46.123456Z","level":"{level}","message":"{msg}","target":"{target}"}}"#
            )
        };
        let l = Verbosity::Lifecycle;
        // Per request and per health probe: hidden at INFO and below.
        assert!(!shows(
            &line("INFO", "bitcraps::access", "request finished"),
            l
        ));
        assert!(!shows(
            &line("DEBUG", "bitcraps::access", "request finished"),
            l
        ));
        assert!(!shows(
            &line("INFO", "bitcraps::upstream::checker", "instance healthy"),
            l
        ));
        assert!(!shows(&line("DEBUG", "bitcraps::services::x", "detail"), l));
        // Events, warnings and errors: shown, whatever the target.
        assert!(shows(
            &line("INFO", "bitcraps::services::wallet", "wallet listening"),
            l
        ));
        assert!(shows(&line("WARN", "bitcraps::access", "slow request"), l));
        assert!(shows(
            &line("WARN", "bitcraps::upstream::checker", "instance unhealthy"),
            l
        ));
        assert!(shows(&line("ERROR", "x", "boom"), l));
        assert!(shows(&json_line("INFO", "service ready", &[]), l));
        // Not JSON (a panic message, a summary line): always shown.
        assert!(shows("thread 'main' panicked at src/main.rs:1:1", l));
        // Full shows everything.
        assert!(shows(
            &line("INFO", "bitcraps::access", "request finished"),
            Verbosity::Full
        ));
    }

    #[test]
    fn the_ready_summary_names_every_address_and_how_to_stop() {
        let a = |p: u16| std::net::SocketAddr::from(([127, 0, 0, 1], p));
        let lines = ready_summary(
            &[
                ("validator-0", a(8082)),
                ("engine-0", a(8081)),
                ("gateway", a(8080)),
            ],
            1234,
            "--state-dir /tmp/x",
            std::path::Path::new("/tmp/x/logs"),
        );
        assert_eq!(lines[0], "all 3 services ready in 1234 ms");
        assert_eq!(
            lines[1],
            "  gateway      http://127.0.0.1:8080  <- clients: /api/v1/…, /openapi.json"
        );
        assert_eq!(lines[2], "  validator-0  http://127.0.0.1:8082");
        assert_eq!(lines[3], "  engine-0     http://127.0.0.1:8081");
        assert_eq!(lines[4], "  dashboard:  bitcraps --state-dir /tmp/x tui");
        assert!(lines[5].contains("logs -f [NAME]") && lines[5].contains("/tmp/x/logs"));
        assert_eq!(
            lines[6],
            "  stop:       Ctrl-C here, or bitcraps --state-dir /tmp/x down"
        );
        let plain = ready_summary(&[("gateway", a(1))], 1, "", std::path::Path::new("l"));
        assert!(
            plain.iter().any(|l| l == "  dashboard:  bitcraps tui"),
            "{plain:?}"
        );
    }

    #[test]
    fn supervisor_lines_are_json_the_renderer_reads() {
        let line = json_line("WARN", "engine-0 exited", &[("pid", "42".into())]);
        let r = render(&line);
        assert!(r.contains("WARN  engine-0 exited pid=42"), "{r}");
    }
}
