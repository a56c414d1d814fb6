//! `bitcraps up` / `ps` / `restart` / `logs` / `down` against real
//! processes on real sockets.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::BufRead;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Sandbox, get, gets, http, kill9, port_free, wait_for};

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn up_kill_restart_down_lifecycle() {
    let sb = Sandbox::new();
    let began = Instant::now();
    sb.up();
    eprintln!("up -d --wait: all ready after {:?}", began.elapsed());

    // Every service is up, ready, on its port, with the pid ps reports.
    let ps = sb.ps();
    assert_eq!(ps["running"], true);
    assert_eq!(ps["phase"], "running");
    let services = ps["services"].as_array().unwrap();
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "validator-0",
            "validator-1",
            "validator-2",
            "validator-3",
            "wallet",
            "engine-0",
            "gateway"
        ]
    );
    for s in services {
        assert_eq!(s["state"], "running", "{s}");
        assert_eq!(s["health"], "ready", "{s}");
        assert_eq!(s["restarts"], 0);
        let addr = s["address"].as_str().unwrap().parse().unwrap();
        let url = |path: &str| format!("{}{path}", sb.base(addr));
        let live: serde_json::Value = http().get(url("/health")).send().unwrap().json().unwrap();
        assert_eq!(
            live["pid"], s["pid"],
            "{} answers from the pid ps shows",
            s["name"]
        );
        assert_eq!(
            http().get(url("/health/ready")).send().unwrap().status(),
            200
        );
    }
    assert_eq!(
        Sandbox::service(&ps, "gateway")["address"],
        sb.gateway().to_string()
    );
    assert_eq!(
        Sandbox::service(&ps, "validator-3")["address"],
        sb.validator(3).to_string()
    );
    assert_eq!(
        Sandbox::service(&ps, "wallet")["address"],
        sb.wallet().to_string()
    );
    // The wallet was ready before the engines started (they move chips
    // through it), and after the validators were.
    let events: Vec<serde_json::Value> =
        std::fs::read_to_string(sb.state_dir().join("logs/supervisor.log"))
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
    let at = |message: &str, service: &str| {
        events
            .iter()
            .position(|e| e["message"] == message && e["service"] == service)
            .unwrap_or_else(|| panic!("no {message:?} of {service} in {events:?}"))
    };
    assert!(at("service ready", "validator-3") < at("service started", "wallet"));
    assert!(at("service ready", "wallet") < at("service started", "engine-0"));
    // The gateway reaches the wallet with a token the CLI mints.
    let r = sb.run(&["auth", "token", "--sub", "x", "--role", "admin"]);
    assert_eq!(r.code, 0, "{r}");
    let resp = support::http()
        .get(format!("http://{}/api/v1/wallet/summary", sb.gateway()))
        .bearer_auth(r.stdout.trim())
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let summary: serde_json::Value = resp.json().unwrap();
    assert!(summary["head"].is_object(), "{summary}");
    // The wallet's data lives under the state dir.
    assert!(sb.state_dir().join("data/wallet").is_dir());
    // Detached: the supervisor leads its own session, so closing the
    // terminal that started it sends it no SIGHUP.
    let sup = ps["supervisor_pid"].as_u64().unwrap();
    assert_eq!(session_of(sup), sup, "supervisor is a session leader");
    assert_ne!(session_of(u64::from(std::process::id())), sup);

    // Each validator got its own key (0600) and all share one genesis.
    use std::os::unix::fs::PermissionsExt;
    let genesis: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.state_dir().join("genesis.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(genesis["validators"].as_array().unwrap().len(), 4);
    for i in 0..4 {
        let key = sb.state_dir().join(format!("keys/validator-{i}.key"));
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", key.display());
    }
    // The issuer key (0600 in a 0700 dir) and each calling service's own
    // key are made, and listed in the key set with their scopes; no shared
    // secret is.
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let issuer_dir = sb.state_dir().join("keys/issuer");
    assert_eq!(mode(&issuer_dir), 0o700);
    let issuer: Vec<_> = std::fs::read_dir(&issuer_dir).unwrap().flatten().collect();
    assert_eq!(issuer.len(), 1);
    assert_eq!(mode(&issuer[0].path()), 0o600);
    for name in ["engine-0", "wallet"] {
        let key = sb.state_dir().join(format!("keys/services/{name}.key"));
        assert_eq!(mode(&key), 0o600, "{}", key.display());
    }
    let jwks: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.state_dir().join("auth/jwks.json")).unwrap(),
    )
    .unwrap();
    let scopes: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| format!("{}:{}", k["bitcraps_roles"], k["bitcraps_sub"]))
        .collect();
    assert_eq!(
        scopes,
        [
            r#"["player","cashier","admin","validator"]:null"#,
            r#"["wallet"]:"wallet""#,
            r#"["engine"]:"engine-0""#,
        ],
        "{jwks}"
    );
    assert!(!sb.state_dir().join("secrets/jwt_secret").exists());
    // The engine's store holds open games' server seeds: 0600 in a 0700 dir.
    let engine_dir = sb.state_dir().join("data/engine-0");
    assert_eq!(mode(&engine_dir), 0o700);
    assert_eq!(mode(&engine_dir.join("engine.sqlite3")), 0o600);

    // kill -9 the engine: the supervisor restarts it with a new pid.
    let old = Sandbox::service(&ps, "engine-0")["pid"].as_u64().unwrap();
    let killed = Instant::now();
    kill9(old);
    let engine = wait_for("engine-0 back and ready", LIMIT, || {
        let ps = sb.ps();
        let e = Sandbox::service(&ps, "engine-0").clone();
        (e["health"] == "ready" && e["pid"].as_u64().is_some_and(|p| p != old)).then_some(e)
    });
    eprintln!(
        "kill -9 engine-0 -> ready again after {:?}",
        killed.elapsed()
    );
    assert_eq!(engine["restarts"], 1);
    assert_eq!(engine["last_exit"], "killed by SIGKILL");
    // Its exit history: one crash, with how long that process ran.
    let exits = engine["exits"].as_array().unwrap();
    assert_eq!(exits.len(), 1, "{exits:?}");
    assert_eq!(exits[0]["why"], "killed by SIGKILL");
    assert_eq!(exits[0]["requested"], false);
    assert!(exits[0]["ran_seconds"].as_f64().unwrap() > 0.0, "{exits:?}");
    // Where the configuration came from: no file, the sandbox's env.
    let config = &sb.ps()["config"];
    assert_eq!(config["file"], serde_json::Value::Null);
    let set = |key: &str| {
        config["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .cloned()
    };
    assert_eq!(
        set("game_engine.addr").map(|s| s["source"].clone()),
        Some(serde_json::json!("env GAME_ENGINE_ADDR")),
        "{config}"
    );
    assert_eq!(
        set("game_engine.max_concurrent_games"),
        None,
        "defaults are not listed"
    );
    let live: serde_json::Value = gets(sb.engine(), "/health").json().unwrap();
    assert_eq!(live["pid"], engine["pid"]);

    // So is the wallet, its ledger reopened after the kill.
    let old = Sandbox::service(&sb.ps(), "wallet")["pid"]
        .as_u64()
        .unwrap();
    kill9(old);
    let wallet = wait_for("wallet back and ready", LIMIT, || {
        let ps = sb.ps();
        let w = Sandbox::service(&ps, "wallet").clone();
        (w["health"] == "ready" && w["pid"].as_u64().is_some_and(|p| p != old)).then_some(w)
    });
    assert_eq!(wallet["restarts"], 1);
    assert_eq!(wallet["last_exit"], "killed by SIGKILL");

    // The gateway sees its engine again.
    wait_for("gateway ready", LIMIT, || {
        (get(sb.gateway(), "/health/ready").status() == 200).then_some(())
    });

    // down stops everything, frees every port and leaves no process.
    let r = sb.run(&["down"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(sb.live_service_pids().is_empty());
    for a in sb.all_addrs() {
        assert!(port_free(a), "{a} still bound after down");
    }
    let r = sb.run(&["ps"]);
    assert_eq!(r.code, 5, "ps when not running: {r}");
    assert!(r.stderr.contains("not running"), "{r}");
    // down is idempotent.
    assert_eq!(sb.run(&["down"]).code, 0);
}

#[test]
fn up_refuses_a_busy_port_naming_it_and_refuses_to_run_twice() {
    let sb = Sandbox::new();
    let squatter = TcpListener::bind(sb.validator(2)).unwrap();
    let r = sb.run(&["up", "-d", "--wait"]);
    assert_eq!(r.code, 1, "{r}");
    let port = sb.validator(2).port();
    assert!(r.stderr.contains(&format!("port {port}")), "{r}");
    assert!(r.stderr.contains("validator-2"), "{r}");
    assert!(
        r.stderr.contains(&format!("pid {}", std::process::id())),
        "names the holder: {r}"
    );
    assert!(sb.live_service_pids().is_empty(), "nothing half-started");
    drop(squatter);

    sb.up();
    let r = sb.run(&["up", "-d"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("already running"), "{r}");
    // The running system is untouched.
    assert_eq!(get(sb.gateway(), "/health/ready").status(), 200);
}

#[test]
fn down_stops_services_orphaned_by_a_killed_supervisor() {
    let sb = Sandbox::new();
    sb.up();
    let ps = sb.ps();
    let sup = ps["supervisor_pid"].as_u64().unwrap();
    kill9(sup);
    wait_for("supervisor gone", LIMIT, || {
        (!bitcraps::supervisor::process::alive(sup as u32)).then_some(())
    });
    assert_eq!(
        sb.live_service_pids().len(),
        7,
        "services outlive the supervisor"
    );

    let r = sb.run(&["ps"]);
    assert_eq!(r.code, 5, "{r}");
    assert!(r.stderr.contains("still running"), "{r}");
    let r = sb.run(&["up", "-d", "--wait"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("bitcraps down"), "{r}");

    let r = sb.run(&["down", "--timeout", "5s"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("without a supervisor"), "{r}");
    assert!(sb.live_service_pids().is_empty());
    for a in sb.all_addrs() {
        assert!(port_free(a), "{a} still bound");
    }
    let root = sb.state_dir();
    assert!(
        !root.join("supervisor.pid").exists(),
        "stale pid file cleaned"
    );
    assert!(
        !root.join("supervisor.sock").exists(),
        "stale socket cleaned"
    );
    assert_eq!(std::fs::read_dir(root.join("run")).unwrap().count(), 0);

    // And it starts again cleanly.
    sb.up();
}

/// One raw request line on the control socket, and the reply.
fn control_line(sb: &Sandbox, line: &str) -> serde_json::Value {
    use std::io::Write;
    let state = bitcraps::supervisor::StateDir::open(sb.state_dir()).unwrap();
    let mut stream = std::os::unix::net::UnixStream::connect(state.socket_path()).unwrap();
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let mut reply = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut reply)
        .unwrap();
    serde_json::from_str(&reply).unwrap()
}

#[test]
fn the_control_socket_acts_only_for_holders_of_the_control_token() {
    // A taken-over service can connect to the socket (a pathname Unix
    // socket) but cannot open run/control.token (its sandbox), so it can
    // read `ps` and stop nothing.
    let sb = Sandbox::new();
    sb.up();
    use std::os::unix::fs::PermissionsExt;
    let token_file = sb.state_dir().join("run/control.token");
    let mode = std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let reply = control_line(&sb, r#"{"request":"status"}"#);
    assert_eq!(reply["reply"], "status", "{reply}");
    for line in [
        r#"{"request":"shutdown","timeout_ms":1000}"#.to_string(),
        r#"{"request":"stop","service":"gateway"}"#.to_string(),
        r#"{"request":"restart","service":"all"}"#.to_string(),
        r#"{"token":"","request":"shutdown","timeout_ms":1000}"#.to_string(),
        format!(
            r#"{{"token":"{}","request":"shutdown","timeout_ms":1000}}"#,
            "0".repeat(64)
        ),
    ] {
        let reply = control_line(&sb, &line);
        assert_eq!(reply["reply"], "error", "{line}: {reply}");
        assert_eq!(reply["kind"], "forbidden", "{line}: {reply}");
    }
    // A line that never ends (a flood from a taken-over service) gets no
    // answer and costs the supervisor nothing: it still answers.
    {
        use std::io::{Read, Write};
        let state = bitcraps::supervisor::StateDir::open(sb.state_dir()).unwrap();
        let mut flood = std::os::unix::net::UnixStream::connect(state.socket_path()).unwrap();
        flood
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let _ = flood.write_all(&vec![b'x'; 200 * 1024]);
        let mut reply = Vec::new();
        let _ = flood.read_to_end(&mut reply);
        assert!(reply.is_empty(), "{}", String::from_utf8_lossy(&reply));
    }
    let reply = control_line(&sb, r#"{"request":"status"}"#);
    assert_eq!(reply["reply"], "status", "{reply}");
    // Nothing moved: every service still runs under its first pid.
    let ps = sb.ps();
    for s in ps["services"].as_array().unwrap() {
        assert_eq!(s["state"], "running", "{s}");
        assert_eq!(s["restarts"], 0, "{s}");
    }
    let log = std::fs::read_to_string(sb.state_dir().join("logs/supervisor.log")).unwrap();
    assert!(
        log.contains("control request without the control token refused"),
        "{log}"
    );
    // With the token (what `bitcraps stop` reads), the same request acts.
    let token = std::fs::read_to_string(&token_file).unwrap();
    let reply = control_line(
        &sb,
        &format!(
            r#"{{"token":"{}","request":"stop","service":"gateway"}}"#,
            token.trim()
        ),
    );
    assert_eq!(reply["reply"], "stopped", "{reply}");
}

#[test]
fn restart_gives_a_new_pid_and_unknown_names_exit_3() {
    let sb = Sandbox::new();
    sb.up();
    let before = sb.ps();
    let old = Sandbox::service(&before, "gateway")["pid"]
        .as_u64()
        .unwrap();
    let r = sb.run(&["restart", "gateway", "--output", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let restarted: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let new = restarted[0]["pid"].as_u64().unwrap();
    assert_ne!(new, old);
    assert_eq!(restarted[0]["health"], "ready");
    assert_eq!(get(sb.gateway(), "/health/ready").status(), 200);
    // The exit history records a requested stop, not a crash.
    let exits = restarted[0]["exits"].as_array().unwrap();
    assert_eq!(exits.len(), 1, "{exits:?}");
    assert_eq!(exits[0]["requested"], true);
    // SIGTERM: the gateway drains and exits cleanly.
    assert_eq!(exits[0]["why"], "exited with status 0", "{exits:?}");

    // A kind restarts all of its members.
    let r = sb.run(&["restart", "validators"]);
    assert_eq!(r.code, 0, "{r}");
    let after = sb.ps();
    for i in 0..4 {
        let name = format!("validator-{i}");
        assert_ne!(
            Sandbox::service(&after, &name)["pid"],
            Sandbox::service(&before, &name)["pid"]
        );
    }

    // The wallet restarts on its own name.
    let old = Sandbox::service(&after, "wallet")["pid"].as_u64().unwrap();
    let r = sb.run(&["restart", "wallet", "--output", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let restarted: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(restarted[0]["name"], "wallet");
    assert_ne!(restarted[0]["pid"].as_u64().unwrap(), old);
    assert_eq!(restarted[0]["health"], "ready");

    let r = sb.run(&["restart", "nginx"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("validator-0"), "lists the services: {r}");
}

#[test]
fn a_stopped_service_stays_stopped_until_started_and_start_never_bounces_a_live_one() {
    let sb = Sandbox::new();
    sb.up();
    let gateway_pid = Sandbox::service(&sb.ps(), "gateway")["pid"].clone();
    let r = sb.run(&["stop", "engine-0", "--output", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let stopped: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(stopped[0]["name"], "engine-0");
    assert_eq!(stopped[0]["state"], "stopped");
    assert!(stopped[0]["pid"].is_null(), "{stopped}");
    assert!(port_free(sb.engine()), "the engine's port is released");
    // Not a crash: the supervisor does not bring it back (its first
    // restart would come after 100 ms; look over a second).
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        let ps = sb.ps();
        let engine = Sandbox::service(&ps, "engine-0");
        assert_eq!(engine["state"], "stopped", "{ps}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let ps = sb.ps();
    assert_eq!(
        Sandbox::service(&ps, "gateway")["pid"],
        gateway_pid,
        "the rest go on"
    );

    let r = sb.run(&["start", "engine-0", "--output", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let started: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(started[0]["health"], "ready", "{started}");
    let pid = started[0]["pid"].as_u64().unwrap();
    assert_eq!(gets(sb.engine(), "/health/ready").status(), 200);
    // Starting what runs leaves it alone.
    let r = sb.run(&["start", "engine-0", "--output", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let again: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(again[0]["pid"].as_u64(), Some(pid));

    for cmd in ["stop", "start"] {
        let r = sb.run(&[cmd, "nginx"]);
        assert_eq!(r.code, 3, "{r}");
        assert!(r.stderr.contains("engine-0"), "lists the services: {r}");
    }
}

#[test]
fn wait_times_out_naming_the_failing_service_with_its_last_log_lines() {
    // A file where the engine's data dir should be: the engine cannot open
    // its store and exits at every start.
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.state_dir().join("data")).unwrap();
    std::fs::write(sb.state_dir().join("data/engine-0"), "not a dir").unwrap();
    let r = sb.run(&["up", "-d", "--wait", "--timeout", "3s"]);
    assert_eq!(r.code, 5, "{r}");
    assert!(r.stderr.contains("engine-0"), "{r}");
    assert!(
        r.stderr.contains("cannot create"),
        "shows the engine's log: {r}"
    );
    // Validators are up; the engine is crash-looping, visibly; the gateway
    // waits for it.
    let ps = sb.ps();
    let engine = Sandbox::service(&ps, "engine-0");
    assert!(engine["restarts"].as_u64().unwrap() >= 1, "{engine}");
    assert_eq!(engine["last_exit"], "exited with status 1");
    assert_eq!(Sandbox::service(&ps, "validator-0")["health"], "ready");
    assert_eq!(Sandbox::service(&ps, "gateway")["state"], "pending");
}

#[test]
fn settings_a_service_would_refuse_fail_up_before_anything_starts() {
    let sb = Sandbox::new()
        .env("JWT_ALGORITHM", "hs256")
        .env("JWT_SECRET", "changeme");
    let r = sb.run(&["up", "-d", "--wait"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("placeholder"), "{r}");
    assert!(r.stderr.contains("gateway.auth.jwt_secret"), "{r}");
    assert!(sb.live_service_pids().is_empty());
    let sb = Sandbox::new().env("RUST_LOG", "bitcraps=loud");
    let r = sb.run(&["up", "-d"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("log filter"), "{r}");
}

#[test]
fn logs_show_each_service_with_request_ids() {
    let sb = Sandbox::new();
    sb.up();
    let resp = support::http()
        .get(format!("https://{}/no/such/route", sb.engine()))
        .header("x-request-id", "trace-me-42")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["x-request-id"], "trace-me-42");
    let event = wait_for("the request's log line", LIMIT, || {
        let r = sb.run(&["logs", "engine-0", "-n", "200", "--output", "json"]);
        assert_eq!(r.code, 0, "{r}");
        r.stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| v["event"]["spans"][0]["request_id"] == "trace-me-42")
    });
    assert_eq!(event["service"], "engine-0");
    assert_eq!(event["event"]["status"], 404);

    // Human form: prefixed, rendered.
    let r = sb.run(&["logs", "-n", "5", "supervisor"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.lines().all(|l| l.starts_with("supervisor | ")),
        "{r}"
    );

    // The wallet has its log like the others.
    let r = sb.run(&["logs", "wallet", "-n", "200", "--output", "json"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .any(|v| v["service"] == "wallet"),
        "{r}"
    );

    let r = sb.run(&["logs", "nope"]);
    assert_eq!(r.code, 3, "{r}");
}

#[test]
fn foreground_up_streams_prefixed_logs_and_ctrl_c_stops_everything() {
    let sb = Sandbox::new();
    let mut child = sb
        .cmd(&["up", "--color", "never"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain stdout concurrently so a full pipe never blocks the supervisor,
    // noting when it says everything is ready (it may say so a moment after
    // `ps` shows every service ready).
    let stdout = child.stdout.take().unwrap();
    let said_ready = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let said_ready = said_ready.clone();
        std::thread::spawn(move || {
            let mut out = String::new();
            for line in std::io::BufReader::new(stdout).lines() {
                let line = line.unwrap();
                if line.contains("all services ready") {
                    said_ready.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                out.push_str(&line);
                out.push('\n');
            }
            out
        })
    };
    wait_for("all ready", LIMIT, || {
        let r = sb.run(&["ps", "--output", "json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).ok()?;
        let all = v["services"].as_array()?;
        (all.len() == 7 && all.iter().all(|s| s["health"] == "ready")).then_some(())
    });
    wait_for(
        "the supervisor to say all services are ready",
        LIMIT,
        || {
            said_ready
                .load(std::sync::atomic::Ordering::SeqCst)
                .then_some(())
        },
    );
    // A minute of running with traffic between the services (validators
    // exchange votes and statuses, the gateway and the engine probe their
    // upstreams) and a few client requests: the terminal shows no line per
    // request or per probe. The log files keep them.
    let ready_at = Instant::now();
    for path in ["/health", "/api/v1/consensus/status", "/openapi.json"] {
        let _ = get(sb.gateway(), path);
    }
    std::thread::sleep(Duration::from_secs(60).saturating_sub(ready_at.elapsed()));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_for("foreground up to exit", LIMIT, || child.try_wait().unwrap());
    assert!(exit.success(), "{exit:?}");
    let out = reader.join().unwrap();
    for chatter in ["request finished", "instance healthy"] {
        assert!(
            !out.contains(chatter),
            "{chatter:?} in the foreground: {out}"
        );
    }
    let files = std::fs::read_to_string(sb.state_dir().join("logs/validator-0.log")).unwrap();
    assert!(
        files.contains("request finished"),
        "the files keep the access log"
    );
    // Lifecycle, and one screen of where things are once all are ready.
    assert!(out.contains("service ready"), "{out}");
    assert!(out.contains("tui"), "{out}");
    assert!(
        out.contains(&format!("  gateway      http://{}", sb.gateway())),
        "{out}"
    );
    assert!(out.contains("stop:       Ctrl-C here"), "{out}");
    assert!(out.contains("validator-0 | "), "{out}");
    assert!(out.contains("     wallet | "), "{out}");
    assert!(out.contains("   gateway | "), "prefixes are aligned: {out}");
    assert!(out.contains("all services ready"), "{out}");
    assert!(out.contains("supervisor stopped"), "{out}");
    assert!(!out.contains('\u{1b}'), "--color never: {out}");
    assert!(sb.live_service_pids().is_empty());
    for a in sb.all_addrs() {
        assert!(port_free(a), "{a} still bound");
    }
}

#[test]
fn foreground_up_with_a_log_level_shows_every_request() {
    let sb = Sandbox::with_validators(1).env("BYZANTINE_THRESHOLD", "0");
    let mut child = sb
        .cmd(&["up", "--color", "never", "--log-level", "info"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut until = |what: &str, pred: &dyn Fn(&str) -> bool| {
        wait_for(what, LIMIT, || {
            let line = rx.recv_timeout(Duration::from_millis(100)).ok()?;
            let hit = pred(&line);
            seen.push(line);
            hit.then_some(())
        })
    };
    until("all services ready", &|l| l.contains("all services ready"));
    let _ = get(sb.gateway(), "/api/v1/consensus/status");
    until("the gateway's access log line", &|l| {
        l.trim_start().starts_with("gateway |") && l.contains("request finished")
    });
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let exit = wait_for("foreground up to exit", LIMIT, || child.try_wait().unwrap());
    assert!(exit.success(), "{exit:?}");
}

/// Session id of a process, from `/proc/PID/stat`.
fn session_of(pid: u64) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = stat.rsplit_once(')').unwrap().1;
    rest.split_whitespace().nth(3).unwrap().parse().unwrap()
}

#[test]
fn a_terminal_that_stops_reading_does_not_stall_supervision() {
    let sb = Sandbox::new();
    // stdout is a pipe nobody reads: it fills after ~64 KiB.
    let mut child = sb
        .cmd(&["up", "--color", "never"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("all ready", LIMIT, || {
        let r = sb.run(&["ps", "--output", "json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).ok()?;
        let all = v["services"].as_array()?;
        (all.len() == 7 && all.iter().all(|s| s["health"] == "ready")).then_some(())
    });
    // Each request logs a line; 3,000 of them overflow the pipe many times.
    let client = support::http();
    for i in 0..3000 {
        let r = client
            .get(format!("https://{}/flood/{i}", sb.engine()))
            .send()
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    let ps = sb.ps();
    let old = Sandbox::service(&ps, "engine-0")["pid"].as_u64().unwrap();
    kill9(old);
    wait_for("engine-0 restarted while stdout is blocked", LIMIT, || {
        let ps = sb.ps();
        let e = Sandbox::service(&ps, "engine-0").clone();
        (e["health"] == "ready" && e["pid"].as_u64().is_some_and(|p| p != old)).then_some(())
    });
    // The log file has every line even though the terminal saw few.
    let log = std::fs::read_to_string(sb.state_dir().join("logs/engine-0.log")).unwrap();
    assert!(log.contains("/flood/2999"), "engine log is complete");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_for("up to stop", LIMIT, || child.try_wait().unwrap());
    assert!(exit.success(), "{exit:?}");
    assert!(sb.live_service_pids().is_empty());
}
