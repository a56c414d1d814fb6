//! `cargo run --example microservices_demo`: starts every service on free
//! ports in a temporary state dir, plays craps, blackjack and hold'em
//! through the gateway, orders a proposal through the validators, verifies
//! a finished game, prints where to look, and stops everything.
//!
//! The example binary is also a full `bitcraps` CLI (it hands any
//! subcommand to the library), so the supervisor can spawn it as the
//! services.

use std::net::TcpListener;
use std::process::{Command, ExitCode};
use std::time::Duration;

use serde_json::{Value, json};

fn main() -> ExitCode {
    if std::env::args().len() > 1 {
        return bitcraps::cli::main();
    }
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `n` consecutive free loopback ports.
fn free_ports(n: u16) -> anyhow::Result<u16> {
    for base in (21_000u16..60_000).step_by(97) {
        if (0..n).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return Ok(base);
        }
    }
    anyhow::bail!("no {n} free consecutive ports")
}

struct Demo {
    exe: std::path::PathBuf,
    state: tempfile::TempDir,
    base: u16,
    http: reqwest::blocking::Client,
    gateway: String,
    token: String,
}

impl Demo {
    fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(&self.exe)
            .args(args)
            .env("BITCRAPS_STATE_DIR", self.state.path())
            .env("GATEWAY_LISTEN_ADDR", format!("127.0.0.1:{}", self.base))
            .env("GAME_ENGINE_ADDR", format!("127.0.0.1:{}", self.base + 1))
            .env("CONSENSUS_ADDR", format!("127.0.0.1:{}", self.base + 2))
            .env("WALLET_ADDR", format!("127.0.0.1:{}", self.base + 6))
            .env("NO_COLOR", "1")
            .output()?;
        if !out.status.success() {
            anyhow::bail!(
                "bitcraps {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.gateway);
        let mut r = if method == "POST" {
            self.http.post(url)
        } else {
            self.http.get(url)
        };
        r = r.bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send()?;
        let status = resp.status();
        let v: Value = resp.json().unwrap_or(Value::Null);
        if !status.is_success() {
            anyhow::bail!("{method} {path}: {status} {v}");
        }
        Ok(v)
    }

    fn act(&self, id: &str, player: &str, action: Value) -> anyhow::Result<Value> {
        self.call(
            "POST",
            &format!("/api/v1/games/{id}/actions"),
            Some(json!({"player_id": player, "action": action})),
        )
    }

    fn create(
        &self,
        game_type: &str,
        players: &[(&str, u64)],
        config: Value,
    ) -> anyhow::Result<String> {
        let players: Vec<Value> = players
            .iter()
            .map(|(p, b)| json!({"id": p, "buy_in": b}))
            .collect();
        let g = self.call(
            "POST",
            "/api/v1/games",
            Some(json!({"game_type": game_type, "players": players, "config": config})),
        )?;
        Ok(g["id"].as_str().unwrap_or_default().to_string())
    }

    fn game(&self, id: &str) -> anyhow::Result<Value> {
        self.call("GET", &format!("/api/v1/games/{id}"), None)
    }
}

fn demo() -> anyhow::Result<()> {
    let base = free_ports(7)?;
    let mut d = Demo {
        exe: std::env::current_exe()?,
        state: tempfile::Builder::new().prefix("bcdemo").tempdir()?,
        base,
        http: reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        gateway: format!("http://127.0.0.1:{base}"),
        token: String::new(),
    };
    println!(
        "starting 4 validators, the wallet, an engine and the gateway on ports {base}..{} ...",
        base + 6
    );
    let started = std::time::Instant::now();
    d.cli(&["up", "-d", "--wait", "-q", "--demo-funds"])?;
    println!(
        "all ready in {} ms (state dir {})\n",
        started.elapsed().as_millis(),
        d.state.path().display()
    );
    d.token = d
        .cli(&["auth", "token", "--sub", "demo", "--role", "admin"])?
        .trim()
        .to_string();
    let result = play(&d);
    let _ = d.cli(&["down", "-q"]);
    result?;
    println!("\nstopped everything; done.");
    Ok(())
}

fn play(d: &Demo) -> anyhow::Result<()> {
    // Craps: a pass bet and a field bet, rolled until the pass bet is decided.
    let id = d.create(
        "craps",
        &[("alice", 500), ("bob", 500)],
        json!({"min_bet": 5}),
    )?;
    println!("craps {id}");
    d.act(
        &id,
        "alice",
        json!({"type": "bet", "bet": "pass", "amount": 10}),
    )?;
    for _ in 0..30 {
        d.act(
            &id,
            "bob",
            json!({"type": "bet", "bet": "field", "amount": 5}),
        )?;
        let shooter = d.game(&id)?["table"]["shooter"]
            .as_str()
            .unwrap_or("alice")
            .to_string();
        let r = d.act(&id, &shooter, json!({"type": "roll"}))?;
        let o = &r["events"][0]["data"]["outcome"];
        println!(
            "  {shooter} rolls {}+{} = {}",
            o["roll"]["die1"], o["roll"]["die2"], o["total"]
        );
        if d.game(&id)?["table"]["bets"]
            .as_array()
            .is_none_or(|b| b.is_empty())
        {
            break;
        }
    }
    for p in ["alice", "bob"] {
        d.act(&id, p, json!({"type": "leave"}))?;
    }
    let g = d.game(&id)?;
    println!(
        "  finished; the house holds {} (its bankroll was 1000000, from the wallet's house account)",
        g["house"]
    );

    // Blackjack: one round, standing on whatever comes.
    let bj = d.create("blackjack", &[("carol", 300)], json!({"min_bet": 5}))?;
    d.act(&bj, "carol", json!({"type": "bet", "amount": 20}))?;
    d.act(&bj, "carol", json!({"type": "deal"}))?;
    loop {
        let g = d.game(&bj)?;
        let action = match g["table"]["phase"].as_str() {
            Some("insurance") => json!({"type": "decline_insurance"}),
            Some("player_turns") => json!({"type": "stand"}),
            _ => break,
        };
        d.act(&bj, "carol", action)?;
    }
    let g = d.game(&bj)?;
    println!(
        "blackjack {bj}: carol holds {} against the dealer's {} -> balance {}",
        g["table"]["seats"][0]["hands"][0]["cards"],
        g["table"]["dealer"]["cards"],
        g["players"][0]["balance"]
    );

    // Hold'em: three players check and call down one hand.
    let pk = d.create(
        "poker",
        &[("dave", 200), ("erin", 200), ("bob", 200)],
        json!({"small_blind": 1, "big_blind": 2}),
    )?;
    d.act(&pk, "dave", json!({"type": "deal"}))?;
    for _ in 0..40 {
        let g = d.game(&pk)?;
        let Some(who) = g["table"]["to_act"].as_str() else {
            break;
        };
        let a = if g["table"]["to_call"].as_u64().unwrap_or(0) > 0 {
            "call"
        } else {
            "check"
        };
        d.act(&pk, who, json!({"type": a}))?;
    }
    let g = d.game(&pk)?;
    println!("hold'em {pk}: board {}", g["table"]["board"]);
    for a in g["table"]["awards"].as_array().into_iter().flatten() {
        println!(
            "  pot of {} won by {} ({})",
            a["amount"],
            a["winners"],
            a["hand"].as_str().unwrap_or("no showdown")
        );
    }

    // Consensus: order a proposal and check its certificate.
    let r = d.call(
        "POST",
        "/api/v1/consensus/propose?wait=true",
        Some(json!({"payload": {"demo": true}})),
    )?;
    println!(
        "\nconsensus committed proposal {} at height {} with {} signatures",
        r["proposal_id"].as_str().unwrap_or(""),
        r["height"],
        r["qc"]["signatures"]
            .as_array()
            .map(|s| s.len())
            .unwrap_or(0)
    );
    let h = r["height"].as_u64().unwrap_or(1).to_string();
    print!("{}", d.cli(&["consensus", "verify", "--height", &h])?);

    // Fairness: the finished craps game verifies (once its reveal is anchored).
    for _ in 0..100 {
        if let Ok(out) = d.cli(&["game", "verify", &id])
            && out.contains("reveal")
        {
            print!("{out}");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "\nwhere to look while it runs: {gw}/metrics, {gw}/admin/upstreams (admin), \
         `bitcraps ps`, `bitcraps logs -f`, and every service's /openapi.json",
        gw = d.gateway
    );
    Ok(())
}
