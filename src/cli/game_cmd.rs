//! `bitcraps game …`: play and verify games through the gateway.

use clap::Subcommand;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::gateway_client::{Gateway, Target};
use super::output::{self, OutputFormat};
use crate::services::game_engine::fairness::{RandomSource, Seeds, mix};
use crate::services::game_engine::games::cards::Card;

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

fn describe_event(e: &Value) -> String {
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
        GameCommand::Verify { id, round, target } => verify(g, &Api::new(g, target)?, id, *round),
    }
}

fn verify(g: &GlobalArgs, api: &Api, id: &str, round: Option<u64>) -> anyhow::Result<()> {
    let proof = api.call("GET", &format!("/api/v1/games/{id}/proof"), None)?;
    if proof["seed_scheme"] == "chain" {
        return verify_rounds(g, api, id, &proof, round);
    }
    if round.is_some() {
        return Err(fail(
            Code::VerifyFailed,
            format!(
                "{id} has no rounds: it was created before seed chains; verify it without --round"
            ),
        ));
    }
    let mut problems: Vec<String> = Vec::new();
    let mut checked = Vec::new();
    let Some(seed_hex) = proof["server_seed"].as_str() else {
        return Err(fail(
            Code::VerifyFailed,
            "the game is not finished: its server seed is not revealed yet, so nothing can be checked",
        ));
    };
    let seed: [u8; 32] = hex::decode(seed_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            fail(
                Code::VerifyFailed,
                "the revealed server seed is not 32 bytes of hex",
            )
        })?;
    let commitment = proof["commitment"].as_str().unwrap_or("");
    if hex::encode(Sha256::digest(seed)) != commitment {
        problems.push("the revealed seed does not hash to the commitment".into());
    }
    // The draws' client seed: the mix of the contributions, in order (a
    // game from before contributions keeps the one seed it was created with).
    let contributions: Vec<(String, String)> = proof["contributions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["player"].as_str().unwrap_or("").to_string(),
                c["client_seed"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let client_seed = if proof["seed_scheme"] == "legacy" {
        proof["client_seed"].as_str().unwrap_or("").to_string()
    } else {
        let mixed = mix(contributions.iter().map(|(p, s)| (p.as_str(), s.as_str())));
        if proof["client_seed"] != json!(mixed) {
            problems.push("the client seed is not the mix of the listed contributions".into());
        }
        mixed
    };
    let seeds = Seeds {
        server_seed: seed,
        client_seed,
    };
    // Anchored before the first draw: the engine draws nothing until the
    // commitment is in a committed block, whose height the proof gives.
    let draws = proof["draws"].as_array().map(Vec::len).unwrap_or(0);
    let commitment_anchor = proof["anchors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["what"] == "commitment");
    if draws > 0 && proof["seed_scheme"] != "legacy" {
        match (proof["commitment_height"].as_u64(), commitment_anchor) {
            (Some(h), Some(a)) if a["height"].as_u64() == Some(h) => {}
            _ => problems
                .push("the game drew without its commitment anchored in a committed block".into()),
        }
    }
    for d in proof["draws"].as_array().into_iter().flatten() {
        let nonce = d["nonce"].as_u64().unwrap_or(u64::MAX);
        let mine = match d["kind"].as_str() {
            Some("dice") => {
                let (a, b) = seeds.dice(nonce);
                json!([a, b])
            }
            Some("shuffle") => {
                let n = d["result"].as_array().map(|a| a.len()).unwrap_or(0);
                let mut cards: Vec<Card> = (0..n / 52).flat_map(|_| Card::deck()).collect();
                seeds.shuffle(nonce, &mut cards);
                serde_json::to_value(&cards).unwrap_or(Value::Null)
            }
            other => {
                problems.push(format!("draw {nonce}: unknown kind {other:?}"));
                continue;
            }
        };
        if mine != d["result"] {
            problems.push(format!(
                "draw {nonce} ({}) does not recompute",
                d["kind"].as_str().unwrap_or("")
            ));
        }
        checked.push(nonce);
    }
    let anchored = check_anchors(api, id, &proof, &mut problems);
    let ok = problems.is_empty();
    if g.output == OutputFormat::Json {
        output::print_json(
            &json!({"game_id": id, "verified": ok, "draws_checked": checked.len(),
                                   "contributions": contributions.len(),
                                   "anchors": anchored, "problems": problems}),
        )?;
    } else if ok {
        output::print(&format!(
            "{id}: verified — the seed matches the commitment, {} contributed client seeds, {} draws recompute, anchors: {}",
            contributions.len(),
            checked.len(),
            if anchored.is_empty() {
                "none".to_string()
            } else {
                anchored.join(", ")
            }
        ))?;
    }
    super::exit::verdict(id, &problems)
}

/// The anchors: the validators' blocks must carry this game's records.
fn check_anchors(api: &Api, id: &str, proof: &Value, problems: &mut Vec<String>) -> Vec<String> {
    let commitment = proof["commitment"].as_str().unwrap_or("");
    let link_of = |r: u64| {
        proof["rounds"]
            .as_array()
            .and_then(|rs| rs.iter().find(|x| x["round"] == json!(r)))
            .map(|x| x["link"].clone())
            .unwrap_or(Value::Null)
    };
    let mut anchored = Vec::new();
    for a in proof["anchors"].as_array().into_iter().flatten() {
        let h = a["height"].as_u64().unwrap_or(0);
        match api.get_committed(&format!("/api/v1/consensus/blocks/{h}")) {
            Ok(b) => {
                // The game's record is one entry of a batched `game.anchors` proposal.
                let found = b["block"]["proposals"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    // Only an engine may propose this kind: a record under
                    // any other kind proves nothing.
                    .filter(|p| p["id"] == a["proposal_id"] && p["kind"] == "game.anchors")
                    .flat_map(|p| {
                        p["payload"]["entries"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default()
                    })
                    .any(|e| {
                        // A round's record carries its link, a chain game's
                        // reveal its last link: the ones the proof reveals.
                        let link_ok = match a["round"].as_u64() {
                            Some(r) => e["round"] == json!(r) && e["link"] == link_of(r),
                            None if !e["last_link"].is_null() => e["last_round"]
                                .as_u64()
                                .is_some_and(|r| e["last_link"] == link_of(r)),
                            None => true,
                        };
                        e["game_id"] == json!(id)
                            && e["what"] == a["what"]
                            && e["commitment"] == json!(commitment)
                            && link_ok
                    });
                if b["hash"] != a["block_hash"] || !found {
                    problems.push(format!(
                        "anchor at height {h} does not match the validators' block"
                    ));
                } else {
                    let what = match a["round"].as_u64() {
                        Some(r) => format!("round {r}"),
                        None => a["what"].as_str().unwrap_or("").to_string(),
                    };
                    anchored.push(format!("{what} at height {h}"));
                }
            }
            Err(e) => problems.push(format!("anchor at height {h}: {e}")),
        }
    }
    anchored
}

/// A chain game: every ended round (or `--round R`) checked alone from its
/// own proof, payouts included, and the anchors against the blocks.
fn verify_rounds(
    g: &GlobalArgs,
    api: &Api,
    id: &str,
    proof: &Value,
    round: Option<u64>,
) -> anyhow::Result<()> {
    use crate::services::game_engine::verify::{verify_chain, verify_round};
    let mut report = verify_chain(proof);
    let ended: Vec<u64> = proof["rounds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["ended"] == json!(true))
        .filter_map(|r| r["round"].as_u64())
        .collect();
    let wanted: Vec<u64> = match round {
        Some(r) => vec![r],
        None => ended.clone(),
    };
    if wanted.is_empty() {
        return Err(fail(
            Code::VerifyFailed,
            format!(
                "{id}: no round has ended yet, so no link is revealed and nothing can be checked \
                 (a round ends at a seven-out or after 100 rolls, with a blackjack shoe, a hold'em \
                 hand, or the game)"
            ),
        ));
    }
    let mut draws = 0usize;
    for r in &wanted {
        let doc = api.call("GET", &format!("/api/v1/games/{id}/proof?round={r}"), None)?;
        draws += doc["round"]["draws"].as_array().map(Vec::len).unwrap_or(0);
        let rep = verify_round(&doc);
        report.notes.extend(rep.notes);
        report.problems.extend(rep.problems);
    }
    let mut problems = std::mem::take(&mut report.problems);
    let anchored = check_anchors(api, id, proof, &mut problems);
    let ok = problems.is_empty();
    if g.output == OutputFormat::Json {
        output::print_json(
            &json!({"game_id": id, "verified": ok, "rounds_checked": wanted,
                                   "draws_checked": draws, "notes": report.notes,
                                   "anchors": anchored, "problems": problems}),
        )?;
    } else if ok {
        output::print(&format!(
            "{id}: verified — {} round(s) chain to the commitment, {draws} draws recompute, every \
             payout replays, anchors: {}",
            wanted.len(),
            if anchored.is_empty() {
                "none".to_string()
            } else {
                anchored.join(", ")
            }
        ))?;
    }
    super::exit::verdict(id, &problems)
}
