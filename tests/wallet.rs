//! The wallet over real sockets: `bitcraps serve wallet` in a private state
//! dir on a free port, driven through HTTP and through `bitcraps wallet …`
//! (pointed at it with `BITCRAPS_WALLET_URL`).

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::Duration;

use bitcraps::auth::Role;
use serde_json::{Value, json};
use support::{Run, Sandbox, Tokens, wait_for};

/// One wallet process (restartable on the same state dir).
struct Wallet {
    sb: Sandbox,
    addr: SocketAddr,
    child: Option<Child>,
}

struct Resp {
    status: u16,
    replayed: bool,
    content_type: String,
    body: Value,
}

impl Wallet {
    fn start() -> Wallet {
        Wallet::start_at(Sandbox::new(), support::addr(support::free_port_block(1)))
    }

    fn start_at(sb: Sandbox, addr: SocketAddr) -> Wallet {
        // An engine's key in the set before the wallet starts, for the
        // tests that speak as an engine.
        sb.service_token("engine-0", Role::Engine);
        let mut w = Wallet {
            sb,
            addr,
            child: None,
        };
        w.spawn_at(addr);
        w
    }

    /// Starts the wallet on a fresh port and waits until it is ready.
    fn spawn(&mut self) {
        self.spawn_at(support::addr(support::free_port_block(1)));
    }

    fn spawn_at(&mut self, addr: SocketAddr) {
        assert!(self.child.is_none());
        self.addr = addr;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.sb.state_dir().join("wallet.log"))
            .unwrap();
        let child = self
            .sb
            .cmd(&["serve", "wallet", "--listen", &self.addr.to_string()])
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        self.child = Some(child);
        let url = format!("https://{}/health/ready", self.addr);
        wait_for("the wallet to be ready", Duration::from_secs(30), || {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("the wallet exited with {status}: {}", self.log());
            }
            support::http()
                .get(&url)
                .send()
                .ok()
                .filter(|r| r.status() == 200)
        });
    }

    /// `kill -9`, and reaps it.
    fn kill9(&mut self) {
        let mut c = self.child.take().unwrap();
        support::kill9(u64::from(c.id()));
        c.wait().unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.sb.state_dir().join("wallet.log")).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn db(&self) -> std::path::PathBuf {
        self.sb.state_dir().join("data/wallet/wallet.sqlite3")
    }

    fn token(&self, sub: &str, role: Role) -> String {
        Tokens::of(&self.sb).mint(sub, role)
    }

    fn admin(&self) -> String {
        self.token("root", Role::Admin)
    }

    /// `bitcraps ARGS` pointed straight at this wallet.
    fn cli(&self, args: &[&str]) -> Run {
        let out = self
            .sb
            .cmd(args)
            .env("BITCRAPS_WALLET_URL", self.url())
            .output()
            .unwrap();
        Run::from(out)
    }

    fn cli_json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.extend(["-o", "json"]);
        let r = self.cli(&a);
        assert_eq!(r.code, 0, "{r}");
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"))
    }

    fn send(&self, req: reqwest::blocking::RequestBuilder, token: Option<&str>) -> Resp {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let r = req.send().unwrap();
        let status = r.status().as_u16();
        let replayed = r
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = r.json().unwrap_or(Value::Null);
        Resp {
            status,
            replayed,
            content_type,
            body,
        }
    }

    /// `POST /transfers` with a raw JSON body.
    fn post_raw(&self, token: Option<&str>, body: &str) -> Resp {
        let req = support::http()
            .post(format!("{}/transfers", self.url()))
            .header("content-type", "application/json")
            .body(body.to_string());
        self.send(req, token)
    }

    fn post(&self, token: Option<&str>, body: &Value) -> Resp {
        self.post_raw(token, &body.to_string())
    }

    fn get(&self, token: Option<&str>, path: &str) -> Resp {
        self.send(support::http().get(format!("{}{path}", self.url())), token)
    }

    fn balance(&self, account: &str) -> i64 {
        let r = self.get(Some(&self.admin()), &format!("/accounts/{account}"));
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["balance"].as_i64().unwrap()
    }

    fn deposit(&self, id: &str, account: &str, amount: u64) {
        let r = self.post(
            Some(&self.admin()),
            &json!({"id": id, "debit": "issuance", "credit": account, "amount": amount}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
}

impl Drop for Wallet {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn transfer(id: &str, debit: &str, credit: &str, amount: u64) -> Value {
    json!({"id": id, "debit": debit, "credit": credit, "amount": amount})
}

#[test]
fn the_cli_deposits_moves_withdraws_and_reads() {
    let w = Wallet::start();
    let v = w.cli_json(&["wallet", "deposit", "alice", "100", "--id", "dep-1"]);
    assert_eq!(v["id"], "dep-1");
    assert_eq!(v["debit"], "issuance");
    assert_eq!(v["credit"], "player:alice");
    assert_eq!(v["replayed"], false);
    // A fresh id when none is given, printed (here as JSON).
    let v = w.cli_json(&["wallet", "deposit", "player:bob", "20"]);
    assert!(v["id"].as_str().unwrap().starts_with("dep-"), "{v}");
    let v = w.cli_json(&[
        "wallet", "transfer", "alice", "bob", "30", "--memo", "lunch", "--id", "tx-1",
    ]);
    assert_eq!(
        (v["amount"].as_u64(), v["memo"].as_str()),
        (Some(30), Some("lunch"))
    );
    let r = w.cli(&["wallet", "withdraw", "bob", "5", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.trim().starts_with("wd-"), "{r}");
    assert_eq!(w.balance("player:alice"), 70);
    assert_eq!(w.balance("player:bob"), 45);

    // Balances: one account, and (as admin, with no account) all of them.
    let v = w.cli_json(&["wallet", "balance", "alice"]);
    assert_eq!(
        (v["balance"].as_i64(), v["available"].as_i64()),
        (Some(70), Some(70))
    );
    let r = w.cli(&["wallet", "balance", "bob", "-q"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "45"), "{r}");
    let v = w.cli_json(&["wallet", "balance"]);
    let ids: Vec<&str> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["issuance", "player:alice", "player:bob"]);
    let v = w.cli_json(&["wallet", "balance", "--limit", "2"]);
    assert_eq!(v["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(v["next_after"], "player:alice");
    let v = w.cli_json(&["wallet", "balance", "--after", "player:alice"]);
    assert_eq!(v["accounts"][0]["id"], "player:bob");
    let r = w.cli(&["wallet", "balance"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains("player:alice") && r.stdout.contains("BALANCE"),
        "{r}"
    );

    // A player's own balance and history by default.
    let alice = w.token("alice", Role::Player);
    let v = w.cli_json(&["wallet", "balance", "--token", &alice]);
    assert_eq!(
        (v["id"].as_str(), v["balance"].as_i64()),
        (Some("player:alice"), Some(70))
    );
    let v = w.cli_json(&["wallet", "history", "--token", &alice]);
    assert_eq!(v["account"], "player:alice");
    let seqs: Vec<u64> = v["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 3]);
    let r = w.cli(&["wallet", "history", "alice"]);
    assert!(r.stdout.contains("+100") && r.stdout.contains("-30"), "{r}");
    assert!(r.stdout.contains("lunch"), "{r}");
    // The whole log, paged.
    let v = w.cli_json(&["wallet", "history", "--after", "1", "--limit", "2"]);
    let seqs: Vec<u64> = v["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [2, 3]);
    assert_eq!(v["next_after"], "3");

    // Errors: the server's detail, under the documented exit codes.
    let r = w.cli(&["wallet", "withdraw", "alice", "1000"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("insufficient funds"), "{r}");
    assert!(r.stderr.contains("70 chips available"), "{r}");
    let r = w.cli(&["wallet", "balance", "nobody"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("no account \"player:nobody\""), "{r}");
    let r = w.cli(&["wallet", "balance", "bob", "--token", &alice]);
    assert_eq!(r.code, 4, "{r}");
    assert!(
        r.stderr.contains("forbidden") && r.stderr.contains("player:bob"),
        "{r}"
    );
    let r = w.cli(&["wallet", "deposit", "alice", "5", "--token", &alice]);
    assert_eq!(r.code, 4, "{r}");
    let r = w.cli(&["wallet", "balance", "--token", "not-a-token"]);
    assert_eq!(r.code, 4, "{r}");
    let r = w.cli(&["wallet", "deposit", "alice", "1", "--id", "dep-1"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("conflict"), "{r}");
    for bad in ["0", "1.5", "ten", "9223372036854775808"] {
        let r = w.cli(&["wallet", "deposit", "alice", bad]);
        assert_eq!(r.code, 2, "{bad}: {r}");
    }
    let r = w.cli(&["wallet", "deposit", "bad name", "1"]);
    assert_eq!(r.code, 2, "{r}");
    let r = w.cli(&["wallet", "deposit", "alice", "1", "--id", "no spaces"]);
    assert_eq!(r.code, 2, "{r}");
    // Nothing refused above moved a chip.
    assert_eq!(w.balance("player:alice"), 70);
}

#[test]
fn a_wallet_that_does_not_answer_exits_5_with_the_id_to_retry() {
    let w = Wallet::start();
    let port = support::free_port_block(1);
    let out =
        w.sb.cmd(&["wallet", "deposit", "alice", "5", "--id", "dep-9"])
            .env("BITCRAPS_WALLET_URL", format!("http://127.0.0.1:{port}"))
            .output()
            .unwrap();
    let r = Run::from(out);
    assert_eq!(r.code, 5, "{r}");
    assert!(r.stderr.contains("--id dep-9"), "{r}");
    assert!(r.stderr.contains("cannot reach the wallet"), "{r}");
}

#[test]
fn retries_replay_and_reused_ids_conflict() {
    let w = Wallet::start();
    let admin = w.admin();
    let body = transfer("dep-a", "issuance", "player:alice", 50);
    let first = w.post(Some(&admin), &body);
    assert_eq!(
        (first.status, first.replayed),
        (201, false),
        "{}",
        first.body
    );
    let again = w.post(Some(&admin), &body);
    assert_eq!(
        (again.status, again.replayed),
        (200, true),
        "{}",
        again.body
    );
    assert_eq!(again.body, first.body, "the replay answers the original");
    let other = w.post(
        Some(&admin),
        &transfer("dep-a", "issuance", "player:alice", 51),
    );
    assert_eq!(other.status, 409, "{}", other.body);
    assert_eq!(other.content_type, "application/problem+json");
    assert!(
        other.body["detail"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    assert_eq!(w.balance("player:alice"), 50);
    // The CLI says so.
    let v = w.cli_json(&["wallet", "deposit", "alice", "50", "--id", "dep-a"]);
    assert_eq!(
        (v["replayed"].as_bool(), v["seq"].as_u64()),
        (Some(true), Some(1))
    );
    let r = w.cli(&["wallet", "deposit", "alice", "50", "--id", "dep-a"]);
    assert!(r.stdout.contains("already done"), "{r}");
    assert_eq!(w.balance("player:alice"), 50);
}

#[test]
fn bad_requests_are_refused_with_problem_json() {
    let w = Wallet::start();
    let admin = w.admin();
    w.deposit("dep-a", "player:alice", 100);
    w.deposit("dep-b", "player:bob", 100);
    for amount in ["0", "-5", "1.5", "\"10\"", "9223372036854775808"] {
        let r = w.post_raw(
            Some(&admin),
            &format!(
                r#"{{"id":"x-1","debit":"issuance","credit":"player:alice","amount":{amount}}}"#
            ),
        );
        assert_eq!(r.status, 422, "amount {amount}: {}", r.body);
        assert_eq!(
            r.content_type, "application/problem+json",
            "amount {amount}"
        );
        assert_eq!(r.body["status"], 422);
        assert!(r.body["detail"].is_string(), "{}", r.body);
    }
    // Unknown accounts.
    let r = w.post(
        Some(&admin),
        &transfer("x-2", "player:nobody", "player:alice", 1),
    );
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    let r = w.get(Some(&admin), "/accounts/player:nobody");
    assert_eq!(r.status, 404, "{}", r.body);
    // A player reading or moving another player's money.
    let alice = w.token("alice", Role::Player);
    for path in ["/accounts/player:bob", "/accounts/player:bob/transfers"] {
        let r = w.get(Some(&alice), path);
        assert_eq!(r.status, 403, "{path}: {}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
    }
    // Another's transfer answers as if it did not exist.
    let r = w.get(Some(&alice), "/transfers/dep-b");
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(
        r.body["detail"],
        w.get(Some(&alice), "/transfers/no-such-id").body["detail"]
            .as_str()
            .unwrap()
            .replace("no-such-id", "dep-b")
    );
    let r = w.post(
        Some(&alice),
        &transfer("x-3", "player:bob", "player:alice", 1),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(w.get(Some(&alice), "/accounts/player:alice").status, 200);
    // A validator moves nothing.
    let validator = w.token("validator-0", Role::Validator);
    let r = w.post(
        Some(&validator),
        &transfer("x-4", "player:alice", "player:bob", 1),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    // No token.
    let r = w.post(None, &transfer("x-5", "issuance", "player:alice", 1));
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(w.get(None, "/accounts/player:alice").status, 401);
    assert_eq!(
        (w.balance("player:alice"), w.balance("player:bob")),
        (100, 100)
    );
}

#[test]
fn fifty_concurrent_transfers_from_an_account_that_covers_one() {
    let w = Wallet::start();
    w.deposit("dep-a", "player:alice", 10);
    w.deposit("dep-b", "player:bob", 1);
    let alice = w.token("alice", Role::Player);
    let url = format!("{}/transfers", w.url());
    let barrier = Barrier::new(50);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let (alice, url, barrier) = (&alice, &url, &barrier);
                s.spawn(move || {
                    let client = support::http();
                    barrier.wait();
                    client
                        .post(url)
                        .bearer_auth(alice)
                        .json(&transfer(
                            &format!("c-{i}"),
                            "player:alice",
                            "player:bob",
                            10,
                        ))
                        .send()
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        49,
        "{statuses:?}"
    );
    assert_eq!(
        (w.balance("player:alice"), w.balance("player:bob")),
        (0, 11)
    );
    let audit = w.get(Some(&w.admin()), "/audit");
    assert_eq!(audit.body["ok"], true, "{}", audit.body);
    assert_eq!(audit.body["transfers"], 3);
}

#[test]
fn a_linked_batch_whose_last_leg_overdraws_applies_nothing() {
    let w = Wallet::start();
    let admin = w.admin();
    w.deposit("dep-a", "player:alice", 10);
    w.deposit("dep-b", "player:bob", 10);
    let head = w.get(Some(&admin), "/summary").body["head"].clone();
    let batch = json!([
        transfer("l-1", "player:alice", "player:bob", 5),
        transfer("l-2", "player:bob", "house", 12),
        transfer("l-3", "player:alice", "house", 6),
    ]);
    let r = w.post(Some(&admin), &batch);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    assert!(
        r.body["type"]
            .as_str()
            .unwrap()
            .ends_with("insufficient-funds")
    );
    assert_eq!(
        (w.balance("player:alice"), w.balance("player:bob")),
        (10, 10)
    );
    assert_eq!(w.get(Some(&admin), "/summary").body["head"], head);
    for id in ["l-1", "l-2", "l-3"] {
        assert_eq!(w.get(Some(&admin), &format!("/transfers/{id}")).status, 404);
    }
    // The same batch with a last leg that fits applies whole.
    let mut ok = batch.clone();
    ok[2]["amount"] = json!(5);
    let r = w.post(Some(&admin), &ok);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    assert_eq!(
        (
            w.balance("player:alice"),
            w.balance("player:bob"),
            w.balance("house")
        ),
        (0, 3, 17)
    );
}

#[test]
fn acknowledged_transfers_survive_kill_9() {
    let mut w = Wallet::start();
    let admin = w.admin();
    let url = format!("{}/transfers", w.url());
    let acked = Mutex::new(Vec::<String>::new());
    let unanswered = Mutex::new(Vec::<Value>::new());
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for n in 0..8 {
            let (admin, url, acked, unanswered, stop) = (&admin, &url, &acked, &unanswered, &stop);
            s.spawn(move || {
                let client = support::http();
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let body = transfer(
                        &format!("k-{n}-{i}"),
                        "issuance",
                        &format!("player:p{n}"),
                        1,
                    );
                    match client.post(url).bearer_auth(admin).json(&body).send() {
                        Ok(r) if r.status() == 201 => {
                            acked
                                .lock()
                                .unwrap()
                                .push(body["id"].as_str().unwrap().into());
                        }
                        Ok(r) => panic!("unexpected {}", r.status()),
                        Err(_) => {
                            // The wallet died with this one in flight.
                            unanswered.lock().unwrap().push(body);
                            return;
                        }
                    }
                }
            });
        }
        wait_for(
            "300 acknowledged transfers",
            Duration::from_secs(60),
            || (acked.lock().unwrap().len() >= 300).then_some(()),
        );
        // Killed while the writers are still writing.
        w.kill9();
        stop.store(true, Ordering::SeqCst);
    });
    let acked = acked.into_inner().unwrap();
    w.spawn();
    let admin = w.admin();
    let v = w.cli_json(&["wallet", "history"]);
    let log = v["transfers"].as_array().unwrap();
    let stored: BTreeSet<&str> = log.iter().map(|t| t["id"].as_str().unwrap()).collect();
    for id in &acked {
        assert!(stored.contains(id.as_str()), "acknowledged {id} is lost");
    }
    let audit = w.get(Some(&admin), "/audit");
    assert_eq!(audit.status, 200);
    assert_eq!(audit.body["ok"], true, "{}", audit.body);
    assert_eq!(
        audit.body["transfers"].as_u64().unwrap() as usize,
        log.len()
    );
    // What was in flight either applied or did not; a retry with the same
    // id completes it exactly once.
    for body in unanswered.into_inner().unwrap() {
        let r = w.post(Some(&admin), &body);
        assert!(
            (r.status == 201 && !r.replayed) || (r.status == 200 && r.replayed),
            "{} {}",
            r.status,
            r.body
        );
    }
    let r = w.cli(&["wallet", "audit"]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn the_audit_passes_on_a_healthy_ledger_and_fails_on_a_tampered_one() {
    let mut w = Wallet::start();
    w.deposit("dep-a", "player:alice", 100);
    w.deposit("dep-b", "player:bob", 40);
    let r = w.cli(&[
        "wallet", "transfer", "alice", "bob", "25", "--id", "tx-1", "--memo", "rent",
    ]);
    assert_eq!(r.code, 0, "{r}");
    // A pending transfer, posted: the audit follows two-phase moves too.
    let admin = w.admin();
    let r = w.post(
        Some(&admin),
        &json!({"id": "p-1", "debit": "player:bob", "credit": "table:g1", "amount": 5, "pending_timeout_ms": 60_000}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = w.post(
        Some(&admin),
        &json!({"id": "p-1-post", "post_pending": "p-1"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);

    let export = w.sb.state_dir().join("log.jsonl");
    let r = w.cli(&["wallet", "audit", "--export", export.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("wallet audit: OK"), "{r}");
    // No validators here: said plainly, and not a mismatch.
    assert!(r.stdout.contains("anchors   NOT checked"), "{r}");
    let lines: Vec<Value> = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[2]["id"], "tx-1");
    let v = w.cli_json(&["wallet", "audit"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(
        (v["transfers"].as_u64(), v["issued"].as_i64()),
        (Some(5), Some(140))
    );
    // A player may not audit.
    let alice = w.token("alice", Role::Player);
    assert_eq!(w.cli(&["wallet", "audit", "--token", &alice]).code, 4);

    // A balance edited behind the wallet's back.
    w.kill9();
    let db = rusqlite::Connection::open(w.db()).unwrap();
    db.execute(
        "UPDATE accounts SET credits_posted = credits_posted + 1 WHERE id = 'player:alice'",
        [],
    )
    .unwrap();
    drop(db);
    w.spawn();
    let r = w.cli(&["wallet", "audit"]);
    assert_eq!(r.code, 6, "{r}");
    assert!(r.stdout.contains("MISMATCH"), "{r}");
    assert!(r.stdout.contains("\"player:alice\" is stored as"), "{r}");
    let v: Value = serde_json::from_str(&w.cli(&["wallet", "audit", "-o", "json"]).stdout).unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["server"]["ok"].as_bool()),
        (Some(false), Some(false))
    );

    // Put it back, then rewrite a memo in the log (past its trigger): the
    // balances are right, the chain is not.
    w.kill9();
    let db = rusqlite::Connection::open(w.db()).unwrap();
    db.execute_batch(
        "UPDATE accounts SET credits_posted = credits_posted - 1 WHERE id = 'player:alice';
         DROP TRIGGER transfers_no_update;
         UPDATE transfers SET memo = 'gift' WHERE id = 'tx-1';",
    )
    .unwrap();
    drop(db);
    w.spawn();
    let r = w.cli(&["wallet", "audit"]);
    assert_eq!(r.code, 6, "{r}");
    assert!(r.stdout.contains("transfer 3 hash does not match"), "{r}");
    assert!(!r.stdout.contains("is stored as"), "{r}");

    // The pending index reopened behind the wallet's back: p-1 was posted;
    // marked pending again, it could be posted a second time.
    w.kill9();
    let db = rusqlite::Connection::open(w.db()).unwrap();
    db.execute("UPDATE pending SET state = 'pending' WHERE id = 'p-1'", [])
        .unwrap();
    drop(db);
    w.spawn();
    let r = w.cli(&["wallet", "audit"]);
    assert_eq!(r.code, 6, "{r}");
    assert!(
        r.stdout.contains(
            "the pending index says \"p-1\" (transfer 4) is pending, the log says posted"
        ),
        "{r}"
    );
}

#[test]
fn players_move_their_own_chips_with_the_cli() {
    let w = Wallet::start();
    w.deposit("dep-a", "player:alice", 10);
    w.deposit("dep-b", "player:bob", 10);
    let alice = w.token("alice", Role::Player);
    let r = w.cli(&["wallet", "transfer", "alice", "bob", "4", "--token", &alice]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .contains("moved 4 chips: player:alice → player:bob"),
        "{r}"
    );
    let r = w.cli(&["wallet", "transfer", "bob", "alice", "4", "--token", &alice]);
    assert_eq!(r.code, 4, "{r}");
    assert!(
        r.stderr.contains("may not move chips from player:bob"),
        "{r}"
    );
    let r = w.cli(&["wallet", "transfer", "alice", "bob", "7", "--token", &alice]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("insufficient funds"), "{r}");
    assert_eq!(
        (w.balance("player:alice"), w.balance("player:bob")),
        (6, 14)
    );
}

/// Rewrites the log behind the wallet's back the way a careful forger
/// would: `edit` changes the rows, then every hash is recomputed, so the
/// chain verifies on its own.
fn forge(db: &std::path::Path, edit: &str) {
    use bitcraps::services::wallet::ledger::Transfer;
    let db = rusqlite::Connection::open(db).unwrap();
    db.execute_batch(&format!(
        "DROP TRIGGER IF EXISTS transfers_no_update; DROP TRIGGER IF EXISTS transfers_no_delete; {edit}"
    ))
    .unwrap();
    let mut st = db
        .prepare(
            "SELECT seq, id, kind, debit, credit, amount, pending_id, expires_ms, timestamp_ms, memo, fingerprint
             FROM transfers ORDER BY seq",
        )
        .unwrap();
    let log: Vec<Transfer> = st
        .query_map([], |r| {
            let kind: String = r.get(2)?;
            Ok(Transfer {
                seq: r.get::<_, i64>(0)? as u64,
                id: r.get(1)?,
                kind: serde_json::from_value(json!(kind)).unwrap(),
                debit: r.get(3)?,
                credit: r.get(4)?,
                amount: r.get::<_, i64>(5)? as u64,
                pending_id: r.get(6)?,
                expires_ms: r.get::<_, Option<i64>>(7)?.map(|v| v as u64),
                timestamp_ms: r.get::<_, i64>(8)? as u64,
                memo: r.get(9)?,
                fingerprint: r.get(10)?,
                prev_hash: String::new(),
                hash: String::new(),
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(st);
    let mut prev = [0u8; 32];
    for t in &log {
        let h = t.chain_hash(&prev);
        db.execute(
            "UPDATE transfers SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![hex::encode(prev), hex::encode(h), t.seq as i64],
        )
        .unwrap();
        prev = h;
    }
}

#[test]
fn the_audit_checks_the_wallets_anchors_in_the_validators_blocks() {
    // The wallet `up` supervises; to tamper with its file the whole system
    // goes down and comes back (the validators keep their chain).
    let sb = Sandbox::new();
    sb.up();
    let addr = sb.wallet();
    let w = Wallet {
        sb,
        addr,
        child: None,
    };
    let restart_after = |sql: &str| {
        let r = w.sb.run(&["down"]);
        assert_eq!(r.code, 0, "{r}");
        forge(&w.db(), sql);
        w.sb.up();
    };
    for (id, who, n) in [("dep-a", "alice", "100"), ("dep-b", "bob", "50")] {
        let r = w.cli(&["wallet", "deposit", who, n, "--id", id, "--memo", "cash"]);
        assert_eq!(r.code, 0, "{r}");
    }
    let admin = w.admin();
    wait_for("the head anchored", Duration::from_secs(30), || {
        let s = w.get(Some(&admin), "/summary").body;
        (s["anchor"]["seq"] == 2 && s["anchor_lag"] == 0).then_some(())
    });
    let r = w.cli(&["wallet", "audit"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("match the log"), "{r}");
    assert!(r.stdout.contains("the last covers seq 2"), "{r}");
    let v = w.cli_json(&["wallet", "audit"]);
    assert_eq!(v["anchors"]["checked"], true, "{v}");
    assert!(v["anchors"]["matched"].as_u64().unwrap() >= 1, "{v}");

    // A memo rewritten and the chain re-hashed: the log verifies on its
    // own, and the wallet's own audit agrees; the anchors do not.
    restart_after("UPDATE transfers SET memo = 'forged' WHERE seq = 1;");
    let r = w.cli(&["wallet", "audit", "-o", "json"]);
    assert_eq!(r.code, 6, "{r}");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["server"]["ok"], true, "{v}");
    let problems = v["problems"].to_string();
    assert!(problems.contains("the log was rewritten"), "{v}");
    assert!(!problems.contains("hash does not match"), "{v}");

    // The last transfer removed (balances put back to match): the anchor
    // of seq 2 now points past the end of the log.
    restart_after(
        "DELETE FROM transfers WHERE seq = 2;
         DELETE FROM accounts WHERE id = 'player:bob';
         UPDATE accounts SET debits_posted = debits_posted - 50 WHERE id = 'issuance';",
    );
    let r = w.cli(&["wallet", "audit"]);
    assert_eq!(r.code, 6, "{r}");
    assert!(r.stdout.contains("anchored transfers are missing"), "{r}");
}

/// The id `expire:<pending id>` is the one the wallet gives the expiry of
/// that pending transfer. Were a client allowed to take it first, the
/// expiry's INSERT would hit the UNIQUE id, the batch would roll back, and
/// since every later batch retries the same expiry first, every write
/// would answer 503 from then on. Such ids are refused (422).
#[test]
fn a_client_cannot_take_the_id_of_a_future_expiry() {
    let w = Wallet::start();
    let admin = w.admin();
    w.deposit("dep-a", "player:alice", 10);
    w.deposit("dep-b", "player:bob", 10);
    w.deposit("dep-h", "house", 10);
    let r = w.post(
        Some(&admin),
        &json!({"id": "p-1", "debit": "house", "credit": "table:g1", "amount": 5, "pending_timeout_ms": 300}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let expires_ms = r.body["expires_ms"].as_u64().unwrap();
    let alice = w.token("alice", Role::Player);
    let squat = w.post(
        Some(&alice),
        &transfer("expire:p-1", "player:alice", "player:bob", 1),
    );
    // Either the id is refused up front (the fix), or it is taken...
    if squat.status == 201 {
        wait_past(expires_ms);
    } else {
        assert_eq!(squat.status, 422, "{}", squat.body);
    }
    // ...and either way the wallet goes on writing.
    let r = w.post(
        Some(&admin),
        &transfer("dep-c", "issuance", "player:carol", 1),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let audit = w.get(Some(&admin), "/audit");
    assert_eq!(audit.body["ok"], true, "{}", audit.body);
}

/// Expiries are applied at the start of a batch and answer no submission;
/// they are still counted in `bitcraps_wallet_transfers_total{kind="expire"}`
/// (they were not: the help text promised a count that stayed at zero).
#[test]
fn expired_reservations_are_counted() {
    let w = Wallet::start();
    let admin = w.admin();
    w.deposit("dep-h", "house", 10);
    let r = w.post(
        Some(&admin),
        &json!({"id": "p-exp", "debit": "house", "credit": "table:e0-x", "amount": 5, "pending_timeout_ms": 200}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let expires_ms = r.body["expires_ms"].as_u64().unwrap();
    wait_past(expires_ms);
    // The next batch applies the expiry first.
    w.deposit("dep-h2", "house", 1);
    let t = w.get(Some(&admin), "/transfers/expire:p-exp");
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(w.balance("house"), 11, "the reservation is back");
    let metrics = support::http()
        .get(format!("{}/metrics", w.url()))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l == r#"bitcraps_wallet_transfers_total{kind="expire"} 1"#),
        "{metrics}"
    );
}

/// Waits until the wall clock is past `expires_ms` (a reservation's
/// deadline, in ms since the epoch), with 50 ms to spare.
fn wait_past(expires_ms: u64) {
    wait_for("the reservation's deadline", Duration::from_secs(5), || {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        (now > expires_ms + 50).then_some(())
    });
}

/// The engine's transfer ids are predictable
/// (`engine.<game>.<event seq>.cashout.<player>`, see `game_engine::settle`).
/// A player who took such an id first would make the engine's cash-out a
/// 409 (same id, different body) and leave another player's chips in
/// escrow. Ids starting with `engine.` are the engines' alone (403).
#[test]
fn a_player_cannot_take_the_engines_transfer_ids() {
    let w = Wallet::start();
    w.deposit("dep-a", "player:alice", 10);
    w.deposit("dep-b", "player:bob", 10);
    w.deposit("dep-c", "player:carol", 10);
    // engine-0 escrows bob's buy-in in its game e0-g1's table.
    let engine = w.sb.service_token("engine-0", Role::Engine);
    let r = w.post(
        Some(&engine),
        &transfer("engine.e0-g1.1.buyin.bob", "player:bob", "table:e0-g1", 10),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    // Alice takes the id of bob's cash-out at the next event.
    let alice = w.token("alice", Role::Player);
    let squat = w.post(
        Some(&alice),
        &transfer(
            "engine.e0-g1.2.cashout.bob",
            "player:alice",
            "player:carol",
            1,
        ),
    );
    assert_eq!(squat.status, 403, "{}", squat.body);
    // Nor may the engine use ids outside its namespace.
    let r = w.post(
        Some(&engine),
        &transfer("e0-g1.2.cashout.bob", "table:e0-g1", "player:bob", 10),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    // Another engine's key (a taken-over engine-1) cannot touch engine-0's
    // table, with its own ids or engine-0's.
    let engine1 = w.sb.service_token("engine-1", Role::Engine);
    for id in [
        "engine.e1-g9.1.cashout.carol",
        "engine.e0-g1.2.cashout.carol",
    ] {
        // (The wallet sees engine-1's new key within a second.)
        let r = wait_for(
            "the wallet to know engine-1's key",
            Duration::from_secs(5),
            || {
                let r = w.post(
                    Some(&engine1),
                    &transfer(id, "table:e0-g1", "player:carol", 10),
                );
                (r.status != 401).then_some(r)
            },
        );
        assert_eq!(r.status, 403, "{id}: {}", r.body);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("engine-1 holds only the games e1-"),
            "{}",
            r.body
        );
    }
    // ...and bob's cash-out goes through.
    let r = w.post(
        Some(&engine),
        &transfer(
            "engine.e0-g1.2.cashout.bob",
            "table:e0-g1",
            "player:bob",
            10,
        ),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(w.balance("player:bob"), 10);
    assert_eq!(w.balance("player:carol"), 10);
}
