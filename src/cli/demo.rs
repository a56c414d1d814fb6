//! `bitcraps up --demo-funds`: deposits demo chips into the wallet once it
//! answers, so a fresh system can open a table at once: the house backs
//! tables, and a few players have chips to buy in with. The deposits have
//! fixed ids (`demo.house`, `demo.<player>`), so running `up --demo-funds`
//! again moves nothing (the wallet answers them as replays).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::config::Config;

/// Players who get demo chips.
pub const DEMO_PLAYERS: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];
/// Chips each demo player gets.
pub const DEMO_PLAYER_CHIPS: u64 = 1_000_000_000;
/// Tables the house's demo chips back at `game_engine.table_bankroll`.
pub const DEMO_TABLES: u64 = 1_000_000;

/// The deposits, as one linked batch.
pub fn deposits(cfg: &Config) -> serde_json::Value {
    let mut v = vec![json!({
        "id": "demo.house",
        "debit": "issuance",
        "credit": "house",
        "amount": cfg.game_engine.table_bankroll.saturating_mul(DEMO_TABLES).min(i64::MAX as u64 / 2),
    })];
    v.extend(DEMO_PLAYERS.iter().map(|p| {
        json!({"id": format!("demo.{p}"), "debit": "issuance", "credit": format!("player:{p}"), "amount": DEMO_PLAYER_CHIPS})
    }));
    serde_json::Value::Array(v)
}

/// Waits (up to `timeout`) for the wallet to take the deposits.
pub fn seed(cfg: &Config, state_dir: &std::path::Path, timeout: Duration) -> anyhow::Result<()> {
    let (token, _) = crate::services::credentials::mint_user_token(
        cfg,
        state_dir,
        true,
        "demo-cashier",
        crate::auth::Role::Cashier,
        &["gateway", "wallet"],
        600,
    )?;
    let http = crate::tls::transport()
        .blocking(
            crate::tls::Expect::AnyService,
            reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)),
        )
        .build()?;
    let body = deposits(cfg);
    let began = Instant::now();
    let mut last = String::new();
    while began.elapsed() < timeout {
        for addr in cfg.wallet_addrs() {
            let mut addr = addr;
            if addr.ip().is_unspecified() {
                addr.set_ip(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
            }
            match http
                .post(format!("{}/transfers", crate::tls::transport().base(addr)))
                .bearer_auth(&token)
                .json(&body)
                .send()
            {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) if r.status().is_client_error() => {
                    let status = r.status();
                    let text = r.text().unwrap_or_default();
                    anyhow::bail!("the wallet refused the demo deposits ({status}): {text}");
                }
                Ok(r) => last = format!("{addr} answered {}", r.status()),
                Err(e) => last = format!("{addr}: {e}"),
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    anyhow::bail!("the wallet did not take the demo deposits within {timeout:?}: {last}")
}
