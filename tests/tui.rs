//! `bitcraps tui` with real processes: without a terminal it refuses
//! politely, and its reader builds a correct snapshot of a running system in
//! which one validator has been killed for good.

#![allow(clippy::unwrap_used)]

mod support;

use std::process::Stdio;
use std::time::Duration;

use bitcraps::auth::Role;
use bitcraps::supervisor::control::{Health, ProcState};
use bitcraps::tui::data::{Collector, Snapshot, Sources};
use bitcraps::tui::stats;
use serde_json::json;
use support::{BIN, Sandbox, Tokens, kill9, wait_for};

#[test]
fn without_a_terminal_tui_refuses_politely() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .args(["tui", "--state-dir"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("needs an interactive terminal"), "{err}");
    assert!(
        err.contains("bitcraps ps"),
        "it says what to use instead: {err}"
    );
    assert!(out.stdout.is_empty(), "nothing drawn on a pipe");

    let out = std::process::Command::new(BIN)
        .args(["tui", "--refresh", "100ms"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("at least 250ms"), "{err}");
}

#[test]
fn reader_snapshots_a_running_system_and_shows_a_killed_validator_as_down() {
    let sb = Sandbox::new().env("BITCRAPS_MAX_RESTARTS", "0");
    sb.up_funded();
    let tokens = Tokens::of(&sb);
    let created: serde_json::Value = support::http()
        .post(format!("http://{}/api/v1/games", sb.gateway()))
        .bearer_auth(tokens.mint("alice", Role::Player))
        .json(&json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 500}]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let game_id = created["id"].as_str().unwrap().to_string();

    let ps = sb.ps();
    kill9(
        Sandbox::service(&ps, "validator-3")["pid"]
            .as_u64()
            .unwrap(),
    );

    // The reader talks to the services as the `tui` command does: with
    // this process's transport, the `cli` identity (mutual TLS).
    bitcraps::tls::install(support::cli_transport());
    let collector = Collector::new(Sources {
        state_dir: sb.state_dir().to_path_buf(),
        gateway: format!("http://{}", sb.gateway()),
        token: tokens.mint("tui", Role::Admin),
        timeout: Duration::from_secs(2),
        configured: Vec::new(),
    })
    .unwrap();
    // The supervisor sees the crash at once; the gateway's health checks
    // (every 2 s under `up`) within a few seconds.
    let validator_3 = sb.validator(3).to_string();
    let first: Snapshot = wait_for(
        "validator-3 down everywhere",
        Duration::from_secs(30),
        || {
            let s = collector.collect(Some(&game_id));
            let sup = s.supervisor.as_ref().ok()?.as_ref()?;
            let v3 = sup.services.iter().find(|x| x.name == "validator-3")?;
            let gw_sees_it = s.upstreams.as_ref().ok()?.iter().any(|g| {
                g.instances
                    .iter()
                    .any(|i| i.addr == validator_3 && i.health == "unhealthy")
            });
            (v3.state == ProcState::Failed && gw_sees_it).then_some(s)
        },
    );

    // Services: every one listed; the live ones with /proc figures.
    let sup = first.supervisor.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(sup.services.len(), 7);
    let v3 = sup
        .services
        .iter()
        .find(|x| x.name == "validator-3")
        .unwrap();
    assert_eq!(v3.health, Health::Down);
    assert_eq!(v3.pid, None);
    for s in sup.services.iter().filter(|s| s.name != "validator-3") {
        let pid = s.pid.unwrap();
        assert!(
            first.procs[&pid].rss_bytes > 1 << 20,
            "{} has memory",
            s.name
        );
    }

    // Validators: the dead one is down on its own and in the gateway's view.
    let v3_own = first.validators["validator-3"].as_ref().unwrap_err();
    assert!(v3_own.contains("down"), "{v3_own}");
    for i in 0..3 {
        let s = first.validators[&format!("validator-{i}")]
            .as_ref()
            .unwrap();
        assert_eq!(s.algorithm, "pbft");
        assert_eq!(s.validator, Some(i));
        assert_eq!(s.validators.len(), 4);
    }
    let consensus = first.consensus.as_ref().unwrap();
    assert_eq!(consensus.validators.len(), 4);
    assert!(first.evidence.is_ok());

    // Games: the list and the watched game through the gateway.
    let games = first.games.as_ref().unwrap();
    assert!(
        games
            .games
            .iter()
            .any(|g| g.id == game_id && g.game_type == "craps")
    );
    let (watched, game) = first.game.as_ref().unwrap();
    assert_eq!(watched, &game_id);
    assert_eq!(game.as_ref().unwrap()["players"][0]["id"], "alice");

    // Metrics: every live service scraped, the dead one an error.
    assert!(first.scrapes["validator-3"].is_err());
    for name in ["gateway", "engine-0", "validator-0"] {
        let scrape = first.scrapes[name].as_ref().unwrap();
        assert!(scrape.has("bitcraps_http_requests_total"), "{name}");
    }

    // Wallet: the funded ledger, its latest transfers and a clean audit.
    let summary = first.wallet.as_ref().unwrap();
    assert!(summary.head.seq > 0, "{summary:?}");
    assert!(summary.issued > 0, "{summary:?}");
    let transfers = first.wallet_transfers.as_ref().unwrap();
    assert!(!transfers.is_empty() && transfers.len() <= 10);
    assert_eq!(transfers.last().unwrap().seq, summary.head.seq);
    let audit = first
        .wallet_audit
        .as_ref()
        .unwrap()
        .report
        .as_ref()
        .unwrap();
    assert!(audit.ok && audit.balance_sum == 0, "{audit:?}");

    // Two readings give rates: the first reading's own API calls count.
    let second = collector.collect(None);
    let d = stats::derive(&first, &second);
    assert!(d.gateway.per_second.is_some_and(|r| r > 0.0), "{d:?}");
    assert!(d.instances.contains_key(&sb.engine().to_string()), "{d:?}");
    assert!(second.game.is_none());

    // A player's token may not read the ledger: the panel says so.
    let player = Collector::new(Sources {
        state_dir: sb.state_dir().to_path_buf(),
        gateway: format!("http://{}", sb.gateway()),
        token: tokens.mint("alice", Role::Player),
        timeout: Duration::from_secs(2),
        configured: Vec::new(),
    })
    .unwrap()
    .collect(None);
    let refused = player.wallet.unwrap_err();
    assert!(refused.contains("cashier or admin"), "{refused}");
}

/// The real binary in a pseudo-terminal (`script` gives it one), read
/// through a terminal emulator (vt100) and driven by keys as a person would.
struct Terminal {
    child: std::process::Child,
    screen: std::sync::Arc<std::sync::Mutex<vt100::Parser>>,
    keys: std::process::ChildStdin,
}

impl Terminal {
    const LIMIT: Duration = Duration::from_secs(30);

    /// `bitcraps tui` in `sb`'s environment, on a 120×40 terminal.
    fn start(sb: &Sandbox) -> Terminal {
        use std::io::Read;
        use std::sync::{Arc, Mutex};
        // The same environment `bitcraps` gets in this sandbox, around `script`.
        let tui = sb.cmd(&["tui", "--refresh", "250ms"]);
        let mut cmd = std::process::Command::new("script");
        cmd.args([
            "-qfec",
            &format!("stty cols 120 rows 40; exec {BIN} tui --refresh 250ms"),
            "/dev/null",
        ]);
        for (k, v) in tui.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(40, 120, 0)));
        {
            let screen = screen.clone();
            let mut out = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = out.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    screen.lock().unwrap().process(&buf[..n]);
                }
            });
        }
        let keys = child.stdin.take().unwrap();
        Terminal {
            child,
            screen,
            keys,
        }
    }

    fn press(&mut self, k: &str) {
        use std::io::Write;
        self.keys.write_all(k.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn shows(&self, what: &str) {
        let deadline = std::time::Instant::now() + Self::LIMIT;
        while !self.text().contains(what) {
            assert!(
                std::time::Instant::now() < deadline,
                "the screen did not show {what:?} within {:?}:\n{}",
                Self::LIMIT,
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn quit(mut self) {
        self.press("q");
        let exit = wait_for("the tui to exit", Self::LIMIT, || {
            self.child.try_wait().unwrap()
        });
        assert!(exit.success(), "{exit:?}");
    }

    /// The dashboard's pid: `script`'s child (the shell exec'd into it).
    fn tui_pid(&self) -> u32 {
        let pid = self.child.id();
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap();
        children
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
            .expect("script runs the dashboard")
    }
}

impl Drop for Terminal {
    /// A test that fails midway leaves no dashboard running.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            if let Ok(children) =
                std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", self.child.id()))
            {
                for pid in children.split_whitespace() {
                    let _ = std::process::Command::new("kill")
                        .args(["-KILL", pid])
                        .status();
                }
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `kill` (SIGTERM) ends the dashboard as `q` does: it leaves the
/// alternate screen and raw mode, so the terminal is usable again.
#[test]
fn a_terminated_dashboard_gives_the_terminal_back() {
    let sb = Sandbox::new();
    let mut t = Terminal::start(&sb);
    t.shows("1 Services");
    assert!(t.screen.lock().unwrap().screen().alternate_screen());
    let status = std::process::Command::new("kill")
        .args(["-TERM", &t.tui_pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_for("the tui to exit", Terminal::LIMIT, || {
        t.child.try_wait().unwrap()
    });
    assert!(exit.success(), "{exit:?}");
    assert!(
        !t.screen.lock().unwrap().screen().alternate_screen(),
        "the alternate screen is left"
    );
}

/// Restart a service from the dashboard and see its pid change in
/// `bitcraps ps`; open its log and see a line this test caused.
#[test]
fn in_a_terminal_the_tui_restarts_a_service_and_follows_its_log() {
    let sb = Sandbox::new();
    sb.up();
    let engine_pid = |ps: &serde_json::Value| Sandbox::service(ps, "engine-0")["pid"].as_u64();
    let before = engine_pid(&sb.ps()).unwrap();
    let mut t = Terminal::start(&sb);

    t.shows("engine-0");
    t.press("/engine-0\r");
    t.press("R");
    t.shows("restart engine-0? y to confirm");
    t.press("y");
    let after = wait_for(
        "engine-0 to have a new pid and be ready",
        Terminal::LIMIT,
        || {
            let ps = sb.ps();
            let s = Sandbox::service(&ps, "engine-0");
            (s["health"] == "ready").then_some(())?;
            engine_pid(&ps).filter(|p| *p != before)
        },
    );
    assert_ne!(after, before);
    t.shows("restarted engine-0");

    t.press("l");
    t.shows("logs: engine-0");
    let marker = format!("tui-probe-{}", std::process::id());
    let r = support::http()
        .get(format!("https://{}/games", sb.engine()))
        .header("x-request-id", &marker)
        .send()
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "an unauthenticated request, logged with its id"
    );
    t.shows(&marker);

    t.press("\x1b");
    t.shows("R restart");
    t.quit();
}

/// Follow a game and see a roll this test made as it happens; verify the
/// finished game in place, line by line; read a validator's recent blocks
/// and open one, verified from the genesis.
#[test]
fn in_a_terminal_the_tui_follows_a_game_verifies_it_and_opens_a_block() {
    let sb = Sandbox::new();
    sb.up_funded();
    let r = sb.run(&[
        "game",
        "create",
        "--player",
        "alice:500",
        "--min-bet",
        "5",
        "-q",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let id = r.stdout.trim().to_string();
    let r = sb.run(&[
        "game", "bet", &id, "--player", "alice", "--on", "field", "--amount", "5",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let mut t = Terminal::start(&sb);

    t.press("2");
    // The list cuts long ids.
    t.shows(&id[..20]);
    t.press(&format!("/{id}\r"));
    t.press("\r");
    t.shows("events, live");
    let r = sb.run(&["game", "roll", &id, "--player", "alice"]);
    assert_eq!(r.code, 0, "{r}");
    t.shows("alice rolled");

    let r = sb.run(&["game", "act", &id, "--player", "alice", "leave"]);
    assert_eq!(r.code, 0, "{r}");
    // The reveal is anchored in the background; the dashboard verifies once
    // the CLI can.
    wait_for("the game to verify", Terminal::LIMIT, || {
        let r = sb.run(&["game", "verify", &id]);
        (r.code == 0 && r.stdout.contains("reveal at height")).then_some(())
    });
    t.press("v");
    t.shows("✓ verified");
    // Each draw, recomputed: the roll this test made is the first.
    t.shows("draw 0 · dice");
    t.shows("reveal at height");
    // One key at a time, each seen to land: an Esc followed at once by
    // another key reads as Alt and that key.
    t.press("\x1b");
    t.shows("chips in play");
    t.press("\x1b");
    t.shows("Enter open v verify");

    t.press(":blocks validator-1\r");
    t.shows("validator-1: recent blocks");
    t.press("\r");
    t.shows("verification (trusting only the genesis)");
    t.shows("✓ committed: signed by");
    t.press("\x1b");
    t.shows("PROPOSALS  PROPOSER");
    t.press("\x1b");
    t.shows("Enter open v verify");

    // The Wallet panel lists alice's account with the balance the ledger
    // holds; `+` deposits to it after a `y`, through the same CLI.
    let balance = |sb: &Sandbox| -> i64 {
        let r = sb.run(&["wallet", "balance", "alice", "-o", "json"]);
        assert_eq!(r.code, 0, "{r}");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["balance"].as_i64().unwrap()
    };
    let before = balance(&sb);
    t.press("6");
    t.shows("BALANCE");
    t.press("/alice\r");
    t.shows("> player:alice");
    t.shows(&format!(" {before} "));
    t.press("\r");
    t.shows("(the balance less pending debits)");
    t.press("\x1b");
    t.shows("+/- deposit/withdraw");
    t.press("+");
    t.shows(":deposit player:alice");
    t.press("25\r");
    t.shows("? y to confirm");
    t.press("y");
    wait_for("the deposit", Terminal::LIMIT, || {
        (balance(&sb) == before + 25).then_some(())
    });
    t.shows(&format!(" {} ", before + 25));
    t.quit();
}
