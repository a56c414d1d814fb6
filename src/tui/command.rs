//! The command line (`:` as in k9s and vim): the dashboard's actions by
//! name, with completion of command words, service names, game ids,
//! validators and fault modes. Pure: parsing and completion take the names
//! known now as arguments.

use super::app::Tab;
use crate::cli::lifecycle::ServiceAction;

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Service(ServiceAction, String),
    Logs(String),
    Panel(Tab),
    Quit,
    /// Verify a game, line by line.
    Verify(String),
    /// A validator's recent blocks.
    Blocks(String),
    /// One block, verified.
    Block(u64),
    /// A validator and the fault to inject (`none` heals).
    Fault(String, String),
    /// A CLI command: what the footer calls it, its arguments, and whether
    /// it asks first.
    Cli {
        what: String,
        args: Vec<String>,
        confirm: bool,
    },
}

/// The names the command line knows now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub services: Vec<String>,
    pub validators: Vec<String>,
    pub games: Vec<String>,
}

/// Every command word, for completion and `?`.
pub const WORDS: &[&str] = &[
    "restart",
    "stop",
    "start",
    "logs",
    "verify",
    "blocks",
    "block",
    "propose",
    "deposit",
    "withdraw",
    "fault",
    "power",
    "remove",
    "add",
    "services",
    "games",
    "validators",
    "gateway",
    "metrics",
    "wallet",
    "quit",
];

/// Fault modes, for completion (`slow:DURATION` also parses).
const FAULTS: &[&str] = &["none", "silent", "slow", "equivocate", "fail_safety_record"];

/// The names a command's argument number `n` (0 = first) completes from.
fn pool(word: &str, n: usize, known: &Known) -> Vec<String> {
    match (word, n) {
        ("restart" | "stop" | "start" | "logs" | "log", 0) => known.services.clone(),
        ("verify", 0) => known.games.clone(),
        ("blocks" | "fault" | "power" | "remove", 0) => known.validators.clone(),
        ("fault", 1) => FAULTS.iter().map(|f| f.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Parses a command line against the names known now.
pub fn parse(line: &str, known: &Known) -> Result<Command, String> {
    let mut parts = line.split_whitespace();
    let Some(word) = parts.next() else {
        return Err("type a command (Tab lists them), a panel name, or quit".into());
    };
    let args: Vec<&str> = parts.collect();
    let count = |min: usize, max: usize, usage: &str| -> Result<(), String> {
        if args.len() < min {
            Err(format!("{word} what? {usage} (Tab completes)"))
        } else if args.len() > max {
            Err(format!("{word}: unexpected {:?}; {usage}", args[max]))
        } else {
            Ok(())
        }
    };
    let named = |name: &str, pool: &[String], what: &str| -> Result<String, String> {
        if pool.iter().any(|s| s == name) {
            Ok(name.to_string())
        } else {
            Err(format!(
                "no {what} named {name:?}; {what}s: {}",
                pool.join(", ")
            ))
        }
    };
    let number = |s: &str, what: &str| -> Result<u64, String> {
        s.parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{word}: {what} must be a whole number above 0, not {s:?}"))
    };
    let panel = |tab: Tab| -> Result<Command, String> {
        match args.first() {
            None => Ok(Command::Panel(tab)),
            Some(a) => Err(format!("{word} takes no argument (got {a:?})")),
        }
    };
    let cli = |what: String, args: Vec<String>, confirm: bool| Command::Cli {
        what,
        args,
        confirm,
    };
    match word {
        "restart" | "stop" | "start" | "logs" | "log" => {
            count(1, 1, &format!("{word} NAME"))?;
            let name = named(args[0], &known.services, "service")?;
            Ok(match word {
                "restart" => Command::Service(ServiceAction::Restart, name),
                "stop" => Command::Service(ServiceAction::Stop, name),
                "start" => Command::Service(ServiceAction::Start, name),
                _ => Command::Logs(name),
            })
        }
        // Any id: the game may be older than the list's newest 100.
        "verify" => {
            count(1, 1, "verify GAME")?;
            Ok(Command::Verify(args[0].to_string()))
        }
        "blocks" => {
            count(1, 1, "blocks VALIDATOR")?;
            Ok(Command::Blocks(named(
                args[0],
                &known.validators,
                "validator",
            )?))
        }
        "block" => {
            count(1, 1, "block HEIGHT")?;
            Ok(Command::Block(number(args[0], "the height")?))
        }
        "fault" => {
            count(
                2,
                2,
                "fault VALIDATOR none|silent|slow[:DURATION]|equivocate|fail_safety_record",
            )?;
            let v = named(args[0], &known.validators, "validator")?;
            let mode = args[1]
                .parse::<crate::services::consensus::fault::Fault>()?
                .to_string();
            Ok(Command::Fault(v, mode))
        }
        "propose" => {
            if args.is_empty() {
                return Err("propose what? propose TEXT (a JSON value, or text)".into());
            }
            let text = args.join(" ");
            Ok(cli(
                format!("propose {}", super::ui::fit(&text, 40)),
                vec!["consensus".into(), "propose".into(), "--wait".into(), text],
                false,
            ))
        }
        "deposit" | "withdraw" => {
            count(2, 2, &format!("{word} ACCOUNT AMOUNT"))?;
            let amount = number(args[1], "the amount")?;
            Ok(cli(
                format!("{word} {amount} for {}", args[0]),
                vec![
                    "wallet".into(),
                    word.into(),
                    args[0].into(),
                    amount.to_string(),
                ],
                true,
            ))
        }
        "power" => {
            count(2, 2, "power VALIDATOR N")?;
            let v = named(args[0], &known.validators, "validator")?;
            let power = number(args[1], "the power")?;
            Ok(cli(
                format!("set {v}'s power to {power}"),
                vec![
                    "consensus".into(),
                    "validators".into(),
                    "set-power".into(),
                    v,
                    power.to_string(),
                ],
                true,
            ))
        }
        "remove" => {
            count(1, 1, "remove VALIDATOR")?;
            let v = named(args[0], &known.validators, "validator")?;
            Ok(cli(
                format!("remove {v} from the validator set"),
                vec!["consensus".into(), "validators".into(), "remove".into(), v],
                true,
            ))
        }
        "add" => {
            count(2, 4, "add ID PUBLIC_KEY [POWER] [HOST:PORT]")?;
            let mut a: Vec<String> = vec![
                "consensus".into(),
                "validators".into(),
                "add".into(),
                args[0].into(),
                "--public-key".into(),
                args[1].into(),
            ];
            if let Some(p) = args.get(2) {
                a.extend(["--power".into(), number(p, "the power")?.to_string()]);
            }
            if let Some(addr) = args.get(3) {
                a.extend(["--address".into(), (*addr).into()]);
            }
            Ok(cli(format!("add validator {}", args[0]), a, true))
        }
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
pub fn complete(line: &str, known: &Known) -> (String, Vec<String>) {
    let ends_in_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    let (done, partial): (Vec<&str>, &str) = match (words.split_last(), ends_in_space) {
        (None, _) => (Vec::new(), ""),
        (Some(_), true) => (words.clone(), ""),
        (Some((last, rest)), false) => (rest.to_vec(), last),
    };
    let pool: Vec<String> = match done.split_first() {
        None => WORDS.iter().map(|w| w.to_string()).collect(),
        Some((w, rest)) => pool(w, rest.len(), known),
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

    fn known() -> Known {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Known {
            services: v(&["gateway", "engine-0", "engine-1", "wallet", "validator-0"]),
            validators: v(&["validator-0", "validator-1"]),
            games: v(&["e0-craps-1", "e0-blackjack-2"]),
        }
    }

    #[test]
    fn parses_actions_panels_and_says_what_is_wrong() {
        let s = known();
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
    fn parses_the_consensus_wallet_and_game_commands() {
        let s = known();
        assert_eq!(
            parse("verify e0-craps-1", &s),
            Ok(Command::Verify("e0-craps-1".into()))
        );
        assert_eq!(
            parse("blocks validator-1", &s),
            Ok(Command::Blocks("validator-1".into()))
        );
        assert!(
            parse("blocks engine-0", &s)
                .unwrap_err()
                .contains("no validator named")
        );
        assert_eq!(parse("block 12", &s), Ok(Command::Block(12)));
        assert!(parse("block tip", &s).unwrap_err().contains("whole number"));
        assert_eq!(
            parse("fault validator-1 slow:2s", &s),
            Ok(Command::Fault("validator-1".into(), "slow:2000ms".into()))
        );
        assert!(
            parse("fault validator-1 crash", &s)
                .unwrap_err()
                .contains("unknown fault")
        );
        let Ok(Command::Cli { args, confirm, .. }) = parse("propose {\"x\": 1}", &s) else {
            panic!("propose");
        };
        assert_eq!(args, ["consensus", "propose", "--wait", "{\"x\": 1}"]);
        assert!(!confirm, "a proposal needs no confirmation");
        let Ok(Command::Cli { args, confirm, .. }) = parse("deposit alice 500", &s) else {
            panic!("deposit");
        };
        assert_eq!(args, ["wallet", "deposit", "alice", "500"]);
        assert!(confirm, "money moves only after y");
        assert!(
            parse("withdraw alice 0", &s)
                .unwrap_err()
                .contains("above 0")
        );
        assert!(
            parse("withdraw alice", &s)
                .unwrap_err()
                .contains("ACCOUNT AMOUNT")
        );
        let Ok(Command::Cli { args, confirm, .. }) = parse("power validator-0 3", &s) else {
            panic!("power");
        };
        assert_eq!(
            args,
            ["consensus", "validators", "set-power", "validator-0", "3"]
        );
        assert!(confirm);
        let Ok(Command::Cli { args, .. }) = parse("add validator-4 abcd 2 127.0.0.1:9000", &s)
        else {
            panic!("add");
        };
        assert_eq!(
            args,
            [
                "consensus",
                "validators",
                "add",
                "validator-4",
                "--public-key",
                "abcd",
                "--power",
                "2",
                "--address",
                "127.0.0.1:9000"
            ]
        );
    }

    #[test]
    fn completes_commands_then_names_then_fault_modes() {
        let s = known();
        assert_eq!(complete("res", &s).0, "restart ");
        let (line, c) = complete("st", &s);
        assert_eq!(line, "st", "stop and start share only st");
        assert_eq!(c, ["stop", "start"]);
        assert_eq!(complete("restart e", &s).0, "restart engine-");
        assert_eq!(complete("restart engine-1", &s).0, "restart engine-1 ");
        let (line, c) = complete("logs ", &s);
        assert_eq!(line, "logs ");
        assert_eq!(c.len(), s.services.len(), "every service");
        let (line, c) = complete("games x", &s);
        assert_eq!(
            (line.as_str(), c.len()),
            ("games x", 0),
            "nothing to complete"
        );
        assert_eq!(complete("", &s).1.len(), WORDS.len());
        assert_eq!(complete("verify e0-c", &s).0, "verify e0-craps-1 ");
        assert_eq!(
            complete("fault validator-1 eq", &s).0,
            "fault validator-1 equivocate "
        );
        assert_eq!(complete("blocks validator-", &s).1.len(), 2);
    }
}
