//! Output formats and helpers shared by every command.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts (JSON lines when streaming).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color stdout: `auto` colors a terminal unless NO_COLOR is set.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// Writes to stdout; a closed pipe surfaces as an error main exits on quietly.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    print(&serde_json::to_string_pretty(value)?)
}

/// A borderless table that fits the terminal width.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(|h| h.to_string()));
    t
}

pub fn print_table(t: &Table) -> anyhow::Result<()> {
    let text = t.to_string();
    let trimmed: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
    print(&trimmed.join("\n"))
}

/// Parses a user's timeout (`10s`, `500ms`, `2m`), at most one hour.
pub fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let d =
        humantime::parse_duration(s).map_err(|e| format!("{e}; expected e.g. 500ms, 10s, 2m"))?;
    if d > std::time::Duration::from_secs(3600) {
        return Err("at most 1h".to_string());
    }
    Ok(d)
}

/// `1h2m`, `3m04s`, `12.3s`: short uptimes for tables.
pub fn short_duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else if s < 86_400.0 {
        format!(
            "{}h{:02}m",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    } else {
        format!(
            "{}d{:02}h",
            (s / 86_400.0) as u64,
            ((s % 86_400.0) / 3600.0) as u64
        )
    }
}

/// A spinner on stderr for a long wait (`{spinner} {msg} ({elapsed})`),
/// hidden when stderr is not a terminal or when `hidden` (quiet or JSON).
pub fn spinner(hidden: bool) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let visible = std::io::stderr().is_terminal() && !hidden;
    let pb = ProgressBar::with_draw_target(
        None,
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        pb.set_style(style);
    }
    pb.enable_steady_tick(std::time::Duration::from_millis(80));
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_durations() {
        assert_eq!(short_duration(3.21), "3.2s");
        assert_eq!(short_duration(184.0), "3m04s");
        assert_eq!(short_duration(7300.0), "2h01m");
        assert_eq!(short_duration(90_000.0), "1d01h");
    }
}
