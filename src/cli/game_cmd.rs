//! `bitcraps game …`: play and verify games through the gateway.

use clap::Subcommand;
use serde_json::{Value, json};

mod verify;

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::gateway_client::{Gateway, Target};
use super::output::{self, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum GameCommand {
    /// Create a game: `--player alice:1000 --player bob:500`.
    Create {
        #[arg(long = "type", default_value = "craps", value_parser = ["craps", "blackjack", "poker"])]
        game_type: String,
        /// NAME[:BUYIN] (default buy-in 1000); repeat for more players.
        #[arg(long = "player", required = true)]
        players: Vec<String>,
        #[arg(long)]
        min_bet: Option<u64>,
        #[arg(long)]
        max_bet: Option<u64>,
        /// A client seed for the first player, contributed once the game's
        /// commitment is published (mixed into every draw).
        #[arg(long)]
        seed: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// List games.
    List {
        #[arg(long = "type")]
        game_type: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Follow a game's events live (JSON lines with --output json); ends
    /// when the game finishes.
    Watch {
        id: String,
        /// Start after this event number (0 = from the beginning).
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[command(flatten)]
        target: Target,
    },
    /// Show one game.
    Show {
        id: String,
        #[command(flatten)]
        target: Target,
    },
    /// Place a craps bet: `--player alice --on pass --amount 10`.
    Bet {
        id: String,
        #[arg(long)]
        player: String,
        #[arg(long)]
        on: String,
        #[arg(long)]
        amount: u64,
        #[command(flatten)]
        target: Target,
    },
    /// Roll the dice (the shooter).
    Roll {
        id: String,
        #[arg(long)]
        player: String,
        #[command(flatten)]
        target: Target,
    },
    /// Any action: `act ID --player P hit`, `act ID --player P raise 40`,
    /// `act ID --player P seed MY-CLIENT-SEED`.
    Act {
        id: String,
        #[arg(long)]
        player: String,
        /// The action word, then its amount where it takes one.
        #[arg(required = true, num_args = 1..=2)]
        action: Vec<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Check a finished game: the seed against the commitment, every roll
    /// and shuffle recomputed, and the anchors against the validators.
    Verify {
        id: String,
        /// Check one round of a chain game alone (its link, contributions,
        /// draws and every payout); by default every round that has ended.
        #[arg(long)]
        round: Option<u64>,
        /// The chain's genesis, to check the validators' certificates on
        /// the anchoring blocks (default: the state dir's genesis.json).
        #[arg(long, value_name = "FILE")]
        genesis: Option<std::path::PathBuf>,
        #[command(flatten)]
        target: Target,
    },
}

/// The games API through the gateway.
struct Api(Gateway);

impl std::ops::Deref for Api {
    type Target = Gateway;
    fn deref(&self) -> &Gateway {
        &self.0
    }
}

impl Api {
    fn new(g: &GlobalArgs, t: &Target) -> anyhow::Result<Api> {
        Ok(Api(Gateway::new(g, t)?))
    }

    fn act(&self, id: &str, player: &str, action: Value) -> anyhow::Result<Value> {
        self.call(
            "POST",
            &format!("/api/v1/games/{id}/actions"),
            Some(json!({ "player_id": player, "action": action })),
        )
    }
}

fn summary(g: &GlobalArgs, v: &Value) -> anyhow::Result<()> {
    if g.output == OutputFormat::Json {
        return output::print_json(v);
    }
    let game = if v.get("game").is_some() {
        &v["game"]
    } else {
        v
    };
    let mut lines = Vec::new();
    for e in v["events"].as_array().into_iter().flatten() {
        lines.push(describe_event(e));
    }
    lines.push(format!(
        "{} {} ({}), version {}: {}",
        game["game_type"].as_str().unwrap_or(""),
        game["id"].as_str().unwrap_or(""),
        game["status"].as_str().unwrap_or(""),
        game["version"],
        game["players"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| format!("{} {}", p["id"].as_str().unwrap_or(""), p["balance"]))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    output::print(&lines.join("\n"))
}

/// One event of a game's stream on one line (`game show`, the dashboard's
/// live events).
pub fn describe_event(e: &Value) -> String {
    let kind = e["kind"].as_str().unwrap_or("");
    let who = e["player"].as_str().unwrap_or("");
    match kind {
        "rolled" => {
            let o = &e["data"]["outcome"];
            let net: i64 = o["settled"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let amount = s["amount"].as_i64().unwrap_or(0);
                    let returned = s["returned"].as_i64().unwrap_or(0);
                    let won = s["won"].as_i64().unwrap_or(0);
                    if s["stays_up"] == true {
                        won
                    } else {
                        returned + won - amount
                    }
                })
                .sum();
            format!(
                "#{} {who} rolled {}+{} = {}{}{} (net to players {net:+})",
                e["seq"],
                o["roll"]["die1"],
                o["roll"]["die2"],
                o["total"],
                if o["point_made"] == true {
                    ", point made"
                } else {
                    ""
                },
                if o["seven_out"] == true {
                    ", seven out"
                } else {
                    ""
                },
            )
        }
        _ => format!("#{} {kind} {who} {}", e["seq"], e["data"]),
    }
}

pub fn run(g: &GlobalArgs, cmd: &GameCommand) -> anyhow::Result<()> {
    match cmd {
        GameCommand::Create {
            game_type,
            players,
            min_bet,
            max_bet,
            seed,
            target,
        } => {
            let api = Api::new(g, target)?;
            let mut ps = Vec::new();
            for p in players {
                let (name, buy_in) = match p.split_once(':') {
                    Some((n, b)) => (
                        n.to_string(),
                        b.parse::<u64>().map_err(|_| {
                            fail(
                                Code::Usage,
                                format!("--player {p:?}: the buy-in must be a whole number"),
                            )
                        })?,
                    ),
                    None => (p.clone(), 1000),
                };
                ps.push(json!({"id": name, "buy_in": buy_in}));
            }
            let mut config = serde_json::Map::new();
            if let Some(m) = min_bet {
                config.insert("min_bet".into(), json!(m));
            }
            if let Some(m) = max_bet {
                config.insert("max_bet".into(), json!(m));
            }
            let body = json!({"game_type": game_type, "players": ps, "config": config});
            let mut v = api.call("POST", "/api/v1/games", Some(body))?;
            // The seed goes in only once the commitment exists (the answer
            // above carries it), so the server could not have chosen its
            // seed knowing this one.
            if let Some(s) = seed {
                let id = v["id"].as_str().unwrap_or("").to_string();
                let first = ps
                    .first()
                    .and_then(|p| p["id"].as_str())
                    .unwrap_or("")
                    .to_string();
                let r = api.act(&id, &first, json!({"type": "seed", "client_seed": s}))?;
                v = r["game"].clone();
            }
            if g.output == OutputFormat::Json {
                return output::print_json(&v);
            }
            if g.quiet {
                return output::print(v["id"].as_str().unwrap_or(""));
            }
            let id = v["id"].as_str().unwrap_or("");
            let seeds = match v["seed_contributions"].as_array().map(Vec::len) {
                Some(n) if n > 0 => format!(
                    "client seed {} (the mix of {n} contribution(s); more may be added until the first draw)",
                    v["client_seed"].as_str().unwrap_or("")
                ),
                _ => format!(
                    "no client seed yet: players add theirs with `bitcraps game act {id} --player P seed S` before the first draw"
                ),
            };
            output::print(&format!(
                "created {game_type} {id}\ncommitment {} (SHA-256 of the server seed, revealed when the game ends)\n{seeds}",
                v["commitment"].as_str().unwrap_or(""),
            ))
        }
        GameCommand::List {
            game_type,
            status,
            target,
        } => {
            let api = Api::new(g, target)?;
            let mut q = vec!["limit=500".to_string()];
            if let Some(t) = game_type {
                q.push(format!("game_type={t}"));
            }
            if let Some(s) = status {
                q.push(format!("status={s}"));
            }
            let v = api.call("GET", &format!("/api/v1/games?{}", q.join("&")), None)?;
            if g.output == OutputFormat::Json {
                return output::print_json(&v);
            }
            let mut t = output::table(&["ID", "TYPE", "STATUS", "PLAYERS", "VERSION"]);
            for x in v["games"].as_array().into_iter().flatten() {
                t.add_row(vec![
                    x["id"].as_str().unwrap_or("").to_string(),
                    x["game_type"].as_str().unwrap_or("").to_string(),
                    x["status"].as_str().unwrap_or("").to_string(),
                    x["players"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    x["version"].to_string(),
                ]);
            }
            output::print_table(&t)
        }
        GameCommand::Watch { id, after, target } => {
            let gw = super::gateway_client::Gateway::new(g, target)?;
            gw.stream(
                &format!("/api/v1/games/{id}/events?after={after}"),
                |seq, kind, data| {
                    if g.output == OutputFormat::Json {
                        output::print(data)?;
                    } else {
                        let ev: Value = serde_json::from_str(data).unwrap_or(Value::Null);
                        let who = ev["player"]
                            .as_str()
                            .map(|p| format!(" {p}"))
                            .unwrap_or_default();
                        let chips: i64 = ev["moves"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|m| m["amount"].as_i64())
                            .sum();
                        let moves = if chips != 0 {
                            format!(" ({chips} chips moved)")
                        } else {
                            String::new()
                        };
                        output::print(&format!("#{seq} {kind}{who} {}{moves}", ev["data"]))?;
                    }
                    Ok(kind != "finished")
                },
            )
        }
        GameCommand::Show { id, target } => {
            let api = Api::new(g, target)?;
            let v = api.call("GET", &format!("/api/v1/games/{id}"), None)?;
            if g.output == OutputFormat::Json {
                return output::print_json(&v);
            }
            summary(g, &v)
        }
        GameCommand::Bet {
            id,
            player,
            on,
            amount,
            target,
        } => {
            let api = Api::new(g, target)?;
            let v = api.act(
                id,
                player,
                json!({"type": "bet", "bet": on, "amount": amount}),
            )?;
            summary(g, &v)
        }
        GameCommand::Roll { id, player, target } => {
            let api = Api::new(g, target)?;
            let v = api.act(id, player, json!({"type": "roll"}))?;
            summary(g, &v)
        }
        GameCommand::Act {
            id,
            player,
            action,
            target,
        } => {
            let api = Api::new(g, target)?;
            let word = action[0].replace('-', "_");
            let mut a = json!({"type": word});
            if let (Some(s), "seed") = (action.get(1), word.as_str()) {
                a["client_seed"] = json!(s);
            } else if let Some(n) = action.get(1) {
                let n: u64 = n.parse().map_err(|_| {
                    fail(Code::Usage, format!("{n:?} is not a whole number of chips"))
                })?;
                let field = match word.as_str() {
                    "raise" => "to",
                    "join" => "buy_in",
                    _ => "amount",
                };
                a[field] = json!(n);
            }
            let v = api.act(id, player, a)?;
            summary(g, &v)
        }
        GameCommand::Verify {
            id,
            round,
            genesis,
            target,
        } => verify::verify(g, &Api::new(g, target)?, genesis.as_deref(), id, *round),
    }
}
