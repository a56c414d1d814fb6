//! The command line (`:` as in k9s and vim): the dashboard's actions by
//! name, with completion of command and service names. Pure: parsing and
//! completion take the names known now as arguments.

use super::app::Tab;
use crate::cli::lifecycle::ServiceAction;

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Service(ServiceAction, String),
    Logs(String),
    Panel(Tab),
    Quit,
}

/// Every command word, for completion and `?`.
pub const WORDS: &[&str] = &[
    "restart",
    "stop",
    "start",
    "logs",
    "services",
    "games",
    "validators",
    "gateway",
    "metrics",
    "wallet",
    "quit",
];

/// Words that take a service name.
fn takes_service(word: &str) -> bool {
    matches!(word, "restart" | "stop" | "start" | "logs")
}

/// Parses a command line against the services known now.
pub fn parse(line: &str, services: &[String]) -> Result<Command, String> {
    let mut parts = line.split_whitespace();
    let Some(word) = parts.next() else {
        return Err("type a command: restart, stop, start, logs NAME; a panel name; quit".into());
    };
    let arg = parts.next();
    if let Some(extra) = parts.next() {
        return Err(format!("{word}: unexpected {extra:?}"));
    }
    let service = |arg: Option<&str>| -> Result<String, String> {
        let name = arg.ok_or_else(|| format!("{word} what? {word} NAME (Tab completes)"))?;
        if services.iter().any(|s| s == name) {
            Ok(name.to_string())
        } else {
            Err(format!(
                "no service named {name:?}; services: {}",
                services.join(", ")
            ))
        }
    };
    let panel = |tab: Tab| -> Result<Command, String> {
        match arg {
            None => Ok(Command::Panel(tab)),
            Some(a) => Err(format!("{word} takes no argument (got {a:?})")),
        }
    };
    match word {
        "restart" => Ok(Command::Service(ServiceAction::Restart, service(arg)?)),
        "stop" => Ok(Command::Service(ServiceAction::Stop, service(arg)?)),
        "start" => Ok(Command::Service(ServiceAction::Start, service(arg)?)),
        "logs" | "log" => Ok(Command::Logs(service(arg)?)),
        "services" => panel(Tab::Services),
        "games" => panel(Tab::Games),
        "validators" => panel(Tab::Validators),
        "gateway" => panel(Tab::Gateway),
        "metrics" => panel(Tab::Metrics),
        "wallet" => panel(Tab::Wallet),
        "quit" | "q" => panel(Tab::Services).map(|_| Command::Quit),
        other => Err(format!(
            "unknown command {other:?}; commands: {}",
            WORDS.join(", ")
        )),
    }
}

/// Completes the last word of `line`: the longest prefix every candidate
/// shares (a unique candidate gets a trailing space). Returns the new line
/// and the candidates, for the footer.
pub fn complete(line: &str, services: &[String]) -> (String, Vec<String>) {
    let ends_in_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    let (done, partial): (Vec<&str>, &str) = match (words.split_last(), ends_in_space) {
        (None, _) => (Vec::new(), ""),
        (Some(_), true) => (words.clone(), ""),
        (Some((last, rest)), false) => (rest.to_vec(), last),
    };
    let pool: Vec<String> = match done.as_slice() {
        [] => WORDS.iter().map(|w| w.to_string()).collect(),
        [w] if takes_service(w) => services.to_vec(),
        _ => Vec::new(),
    };
    let candidates: Vec<String> = pool
        .into_iter()
        .filter(|c| c.starts_with(partial))
        .collect();
    let Some(first) = candidates.first() else {
        return (line.to_string(), candidates);
    };
    let common = candidates.iter().fold(first.clone(), |acc, c| {
        acc.chars()
            .zip(c.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    });
    let mut out = done.join(" ");
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(&common);
    if candidates.len() == 1 {
        out.push(' ');
    }
    (out, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services() -> Vec<String> {
        ["gateway", "engine-0", "engine-1", "wallet", "validator-0"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn parses_actions_panels_and_says_what_is_wrong() {
        let s = services();
        assert_eq!(
            parse("restart engine-1", &s),
            Ok(Command::Service(ServiceAction::Restart, "engine-1".into()))
        );
        assert_eq!(
            parse("  stop   wallet ", &s),
            Ok(Command::Service(ServiceAction::Stop, "wallet".into()))
        );
        assert_eq!(
            parse("logs gateway", &s),
            Ok(Command::Logs("gateway".into()))
        );
        assert_eq!(parse("validators", &s), Ok(Command::Panel(Tab::Validators)));
        assert_eq!(parse("q", &s), Ok(Command::Quit));
        let e = parse("restart nginx", &s).unwrap_err();
        assert!(
            e.contains("no service named \"nginx\"") && e.contains("engine-0"),
            "{e}"
        );
        assert!(parse("restart", &s).unwrap_err().contains("restart NAME"));
        assert!(
            parse("reboot", &s)
                .unwrap_err()
                .contains("commands: restart")
        );
        assert!(
            parse("games now", &s)
                .unwrap_err()
                .contains("takes no argument")
        );
        assert!(
            parse("stop wallet gateway", &s)
                .unwrap_err()
                .contains("unexpected")
        );
        assert!(parse("", &s).is_err());
    }

    #[test]
    fn completes_commands_then_service_names() {
        let s = services();
        assert_eq!(complete("res", &s).0, "restart ");
        let (line, c) = complete("st", &s);
        assert_eq!(line, "st", "stop and start share only st");
        assert_eq!(c, ["stop", "start"]);
        assert_eq!(complete("restart e", &s).0, "restart engine-");
        assert_eq!(complete("restart engine-1", &s).0, "restart engine-1 ");
        let (line, c) = complete("logs ", &s);
        assert_eq!(line, "logs ");
        assert_eq!(c.len(), s.len(), "every service");
        let (line, c) = complete("games x", &s);
        assert_eq!(
            (line.as_str(), c.len()),
            ("games x", 0),
            "nothing to complete"
        );
        assert_eq!(complete("", &s).1.len(), WORDS.len());
    }
}
