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

/// Writes prefixed lines to stdout (colors stripped when stdout is not a
/// terminal, NO_COLOR is set, or `color` is false).
#[derive(Debug, Clone)]
pub struct Console {
    width: usize,
    color: bool,
}

impl Console {
    pub fn new(names: &[&str], color: bool) -> Console {
        Console {
            width: names.iter().map(|n| n.len()).max().unwrap_or(0),
            color,
        }
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
    fn supervisor_lines_are_json_the_renderer_reads() {
        let line = json_line("WARN", "engine-0 exited", &[("pid", "42".into())]);
        let r = render(&line);
        assert!(r.contains("WARN  engine-0 exited pid=42"), "{r}");
    }
}
