//! `bitcraps logs [-f] [-n N] [SERVICE…]`: read the per-service log files
//! under the state dir. Reading files (not the supervisor) means logs stay
//! readable after a crash or `down`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use crate::supervisor::console::{self, Console};
use crate::supervisor::{StateDir, logfile};

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Keep printing new lines as they are written.
    #[arg(short, long)]
    pub follow: bool,
    /// Lines to show from the end of each log.
    #[arg(short = 'n', long = "lines", default_value_t = 100, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub lines: u32,
    /// Print the raw JSON lines as the services wrote them.
    #[arg(long)]
    pub raw: bool,
    /// Services (validator-0, wallet, engine-0, gateway, supervisor) or
    /// kinds (validators, wallets, engines); default: all.
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Every log under `logs/`, by service name.
fn available(state: &StateDir) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(state.log_dir()) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(service) = name.strip_suffix(".log") {
                out.insert(service.to_string(), e.path());
            }
        }
    }
    out
}

fn matches(service: &str, arg: &str) -> bool {
    let kind = match arg {
        "validators" | "validator" | "consensus" => "validator-",
        "engines" | "engine" => "engine-",
        "wallets" | "wallet" => return service == "wallet" || service.starts_with("wallet-"),
        _ => return service == arg,
    };
    service.starts_with(kind)
}

pub fn run(g: &GlobalArgs, args: &LogsArgs) -> anyhow::Result<()> {
    let state = StateDir::existing(&g.state_dir).ok_or_else(|| {
        fail(
            Code::NotFound,
            format!(
                "no state dir {}; nothing has run there yet",
                g.state_dir.display()
            ),
        )
    })?;
    let all = available(&state);
    let chosen: Vec<(String, PathBuf)> = if args.services.is_empty() {
        all.clone().into_iter().collect()
    } else {
        let mut v = Vec::new();
        for arg in &args.services {
            let hits: Vec<_> = all.iter().filter(|(s, _)| matches(s, arg)).collect();
            if hits.is_empty() {
                let names: Vec<&str> = all.keys().map(String::as_str).collect();
                return Err(fail(
                    Code::NotFound,
                    format!("no logs for {arg:?}; available: {}", names.join(", ")),
                ));
            }
            for (s, p) in hits {
                if !v.iter().any(|(n, _): &(String, PathBuf)| n == s) {
                    v.push((s.clone(), p.clone()));
                }
            }
        }
        v
    };
    let names: Vec<&str> = chosen.iter().map(|(n, _)| n.as_str()).collect();
    let printer = Printer {
        console: Console::new(
            &names,
            g.color.enabled(),
            crate::supervisor::console::Verbosity::Full,
        ),
        json: g.output == OutputFormat::Json,
        raw: args.raw,
    };

    // The tails, merged by timestamp so services interleave as they ran.
    let mut merged: Vec<(String, usize, String, String)> = Vec::new();
    for (i, (name, path)) in chosen.iter().enumerate() {
        let mut last_ts = String::new();
        for line in logfile::tail(path, args.lines as usize) {
            if let Some(ts) = timestamp(&line) {
                last_ts = ts;
            }
            merged.push((last_ts.clone(), i, name.clone(), line));
        }
    }
    merged.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    for (_, _, name, line) in &merged {
        printer.line(name, line)?;
    }
    if !args.follow {
        return Ok(());
    }
    let mut offsets: Vec<u64> = chosen.iter().map(|(_, p)| logfile::size(p)).collect();
    loop {
        for (i, (name, path)) in chosen.iter().enumerate() {
            let (lines, next) = logfile::read_new(path, offsets[i]);
            offsets[i] = next;
            for line in lines {
                printer.line(name, &line)?;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn timestamp(line: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v.get("timestamp")?.as_str().map(str::to_string)
}

struct Printer {
    console: Console,
    json: bool,
    raw: bool,
}

impl Printer {
    fn line(&self, service: &str, line: &str) -> anyhow::Result<()> {
        if self.json {
            let event = serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|_| serde_json::json!({ "text": line }));
            return output::print(
                &serde_json::json!({ "service": service, "event": event }).to_string(),
            );
        }
        if self.raw {
            return output::print(&format!("{service} | {line}"));
        }
        let _ = console::render;
        self.console.line(service, line);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn names_match_exactly_and_kinds_match_their_members() {
        assert!(matches("validator-2", "validators"));
        assert!(matches("engine-0", "engine"));
        assert!(matches("wallet", "wallet"));
        assert!(matches("wallet-1", "wallets"));
        assert!(!matches("wallet", "engines"));
        assert!(matches("supervisor", "supervisor"));
        assert!(!matches("gateway", "wallet"));
    }
}
