//! Finds service processes of a state dir by their command line, so `down`
//! stops them even when the supervisor that spawned them was killed.

use std::path::Path;

/// A `bitcraps serve …` process belonging to a state dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProcess {
    pub pid: u32,
    /// `validator-0`, `wallet`, `engine-0`, `gateway`.
    pub name: String,
}

/// Scans `/proc` for `serve` processes started with `--state-dir <root>`.
pub fn find(root: &Path) -> Vec<ServiceProcess> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let own = std::process::id();
    let root = root.to_string_lossy();
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            if pid == own {
                return None;
            }
            let raw = std::fs::read(e.path().join("cmdline")).ok()?;
            let args: Vec<String> = raw
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            match_service(&args, &root).map(|name| ServiceProcess { pid, name })
        })
        .collect()
}

/// Recognises `… serve KIND --index I … --state-dir ROOT` and names it.
pub fn match_service(args: &[String], root: &str) -> Option<String> {
    let serve = args.iter().position(|a| a == "serve")?;
    let kind = args.get(serve + 1)?;
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    if value_of("--state-dir")? != root {
        return None;
    }
    let index = value_of("--index").map(String::as_str).unwrap_or("0");
    match kind.as_str() {
        "consensus" => Some(format!("validator-{index}")),
        "engine" => Some(format!("engine-{index}")),
        // The index alone cannot tell a lone wallet (`wallet`) from the
        // first of several (`wallet-0`); index 0 is named as the lone one.
        "wallet" if index == "0" => Some("wallet".to_string()),
        "wallet" => Some(format!("wallet-{index}")),
        "gateway" => Some("gateway".to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn recognises_only_services_of_this_state_dir() {
        let a = args(
            "/usr/bin/bitcraps serve consensus --index 2 --listen 127.0.0.1:8084 --state-dir /s",
        );
        assert_eq!(match_service(&a, "/s").as_deref(), Some("validator-2"));
        assert_eq!(match_service(&a, "/other"), None);
        let g = args("bitcraps serve gateway --index 0 --state-dir /s");
        assert_eq!(match_service(&g, "/s").as_deref(), Some("gateway"));
        let w = args("bitcraps serve wallet --index 0 --listen 127.0.0.1:8090 --state-dir /s");
        assert_eq!(match_service(&w, "/s").as_deref(), Some("wallet"));
        assert_eq!(
            match_service(&args("bitcraps up --state-dir /s"), "/s"),
            None
        );
    }
}
