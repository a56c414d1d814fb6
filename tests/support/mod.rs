//! Harness for tests that run the real `bitcraps` binary: a private state
//! dir, a private block of free ports, readiness polling (never fixed
//! sleeps), and cleanup of every process on drop.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_bitcraps");

/// Configuration variables a developer's shell might carry into a test.
const SCRUB: &[&str] = &[
    "BITCRAPS_CONFIG",
    "BITCRAPS_STATE_DIR",
    "BITCRAPS_OUTPUT",
    "GATEWAY_LISTEN_ADDR",
    "GAME_ENGINE_ADDR",
    "CONSENSUS_ADDR",
    "CONSENSUS_ALGORITHM",
    "BYZANTINE_THRESHOLD",
    "CONSENSUS_VALIDATORS",
    "GAME_ENGINE_INSTANCES",
    "WALLET_ADDR",
    "WALLET_INSTANCES",
    "WALLET_DATABASE_URL",
    "WALLET_UPSTREAMS",
    "JWT_SECRET",
    "JWT_SECRET_FILE",
    "JWT_ALGORITHM",
    "JWT_ISSUER",
    "JWKS_FILE",
    "JWT_ISSUER_KEY_FILE",
    "SERVICE_KEY_FILE",
    "RUST_LOG",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_SERVICE_NAME",
    "BITCRAPS_TOKEN",
    "BITCRAPS_GATEWAY",
    "BITCRAPS_WALLET_URL",
    "WALLET_ADDR",
    "WALLET_DATABASE_URL",
];

/// One isolated BitCraps installation: its own state dir and ports.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    /// gateway, engine, validator-0.., wallet on consecutive ports from here.
    pub base_port: u16,
    pub validators: u16,
    pub engines: u16,
    pub wallets: u16,
    extra_env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox::with_validators(4)
    }

    pub fn with_validators(validators: u16) -> Sandbox {
        Sandbox::sized(validators, 1)
    }

    /// `engines` engine instances and `validators` validators.
    pub fn sized(validators: u16, engines: u16) -> Sandbox {
        Sandbox::sized_with_wallets(validators, engines, 1)
    }

    /// … and `wallets` wallet instances (several need a shared
    /// `WALLET_DATABASE_URL`).
    pub fn sized_with_wallets(validators: u16, engines: u16, wallets: u16) -> Sandbox {
        // Keep the path short: Unix socket paths are limited in length.
        let dir = tempfile::Builder::new()
            .prefix("bc")
            .tempdir_in(std::env::temp_dir())
            .unwrap();
        let base_port = free_port_block(1 + engines + validators + wallets);
        provision_tls(dir.path(), validators, engines);
        if wallets > 1 {
            let names: Vec<String> = (0..wallets).map(|i| format!("wallet-{i}")).collect();
            bitcraps::tls::issue::ensure_instances(
                dir.path(),
                &names,
                &["127.0.0.1".parse().unwrap()],
                false,
                time::OffsetDateTime::now_utc(),
            )
            .unwrap();
        }
        Sandbox {
            dir,
            base_port,
            validators,
            engines,
            wallets,
            extra_env: Vec::new(),
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Sandbox {
        self.extra_env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn state_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn gateway(&self) -> SocketAddr {
        addr(self.base_port)
    }

    pub fn engine(&self) -> SocketAddr {
        self.engine_n(0)
    }

    pub fn engine_n(&self, i: u16) -> SocketAddr {
        addr(self.base_port + 1 + i)
    }

    pub fn validator(&self, i: u16) -> SocketAddr {
        addr(self.base_port + 1 + self.engines + i)
    }

    pub fn wallet(&self) -> SocketAddr {
        self.wallet_n(0)
    }

    pub fn wallet_n(&self, i: u16) -> SocketAddr {
        addr(self.base_port + 1 + self.engines + self.validators + i)
    }

    /// `http://addr` for the gateway's plain client port, `https://addr`
    /// for a service (mutual TLS, [`http`] presents the `cli` identity).
    pub fn base(&self, addr: SocketAddr) -> String {
        if addr == self.gateway() {
            format!("http://{addr}")
        } else {
            format!("https://{addr}")
        }
    }

    pub fn all_addrs(&self) -> Vec<SocketAddr> {
        let mut v = vec![self.gateway()];
        v.extend((0..self.engines).map(|i| self.engine_n(i)));
        v.extend((0..self.validators).map(|i| self.validator(i)));
        v.extend((0..self.wallets).map(|i| self.wallet_n(i)));
        v
    }

    /// `bitcraps ARGS` with this sandbox's state dir and ports.
    pub fn cmd(&self, args: &[&str]) -> Command {
        if args.first() == Some(&"serve") {
            self.provision_serve(args);
        }
        let mut c = Command::new(BIN);
        for k in SCRUB {
            c.env_remove(k);
        }
        c.env("BITCRAPS_STATE_DIR", self.state_dir())
            .env("GATEWAY_LISTEN_ADDR", self.gateway().to_string())
            .env("GAME_ENGINE_ADDR", self.engine().to_string())
            .env("CONSENSUS_ADDR", self.validator(0).to_string())
            .env("CONSENSUS_VALIDATORS", self.validators.to_string())
            .env("GAME_ENGINE_INSTANCES", self.engines.to_string())
            .env("WALLET_ADDR", self.wallet().to_string())
            .env("WALLET_INSTANCES", self.wallets.to_string())
            .env("NO_COLOR", "1")
            .current_dir(self.state_dir())
            .args(args);
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// The issuer key, made with the key set when absent (as `up` does).
    pub fn issuer_key(&self) -> ed25519_dalek::SigningKey {
        let jwks = bitcraps::auth::keys::default_jwks_path(self.state_dir());
        bitcraps::auth::keys::ensure_issuer(self.state_dir(), &jwks).unwrap()
    }

    /// A token of service `name` (role `engine` or `wallet`), signed with
    /// its own key, which is made and listed in the key set when absent
    /// (services re-read the set within a second).
    pub fn service_token(&self, name: &str, role: bitcraps::auth::Role) -> String {
        let state = self.state_dir();
        let jwks = bitcraps::auth::keys::default_jwks_path(state);
        bitcraps::auth::keys::ensure_issuer(state, &jwks).unwrap();
        let path = bitcraps::auth::keys::service_key_path(state, name);
        let key =
            bitcraps::auth::keys::ensure_service_key(state, &path, &jwks, name, role).unwrap();
        bitcraps::auth::sign(
            &bitcraps::auth::SignKey::ed25519(&key),
            &Tokens::claims(name, role),
        )
        .unwrap()
    }

    /// What `up` provisions before it spawns a service, for a test that
    /// runs `serve` itself: the key set, and an engine's or wallet's key.
    fn provision_serve(&self, args: &[&str]) {
        let state = self.state_dir();
        let jwks = bitcraps::auth::keys::default_jwks_path(state);
        bitcraps::auth::keys::ensure_issuer(state, &jwks).unwrap();
        let index = args
            .iter()
            .position(|a| *a == "--index")
            .and_then(|i| args.get(i + 1))
            .map_or("0", |v| v);
        let (name, role) = match args.get(1) {
            Some(&"engine") => (format!("engine-{index}"), bitcraps::auth::Role::Engine),
            Some(&"wallet") if index == "0" => ("wallet".to_string(), bitcraps::auth::Role::Wallet),
            Some(&"wallet") => (format!("wallet-{index}"), bitcraps::auth::Role::Wallet),
            _ => return,
        };
        let path = bitcraps::auth::keys::service_key_path(state, &name);
        bitcraps::auth::keys::ensure_service_key(state, &path, &jwks, &name, role).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.cmd(args).output().unwrap();
        Run::from(out)
    }

    /// `up -d --wait`, asserting success.
    pub fn up(&self) -> Run {
        let r = self.run(&["up", "-d", "--wait", "--timeout", "60s"]);
        assert_eq!(r.code, 0, "up failed: {r}");
        r
    }

    /// `up -d --wait --demo-funds`, asserting success: the house backs
    /// tables and alice, bob, carol, dave and erin have chips (see
    /// [`Sandbox::fund`] for other players). (The wallet then anchors its
    /// head in the validators' log: tests that count proposals use `up`.)
    #[allow(dead_code)]
    pub fn up_funded(&self) -> Run {
        let r = self.run(&["up", "-d", "--wait", "--timeout", "60s", "--demo-funds"]);
        assert_eq!(r.code, 0, "up failed: {r}");
        r
    }

    /// Deposits `amount` chips into `player:<player>` (a cashier's
    /// deposit straight to the wallet), with a fresh transfer id.
    #[allow(dead_code)]
    pub fn fund(&self, player: &str, amount: u64) {
        let token = Tokens::of(self).mint("test-cashier", bitcraps::auth::Role::Cashier);
        let r = http()
            .post(format!("https://{}/transfers", self.wallet()))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "id": format!("fund.{player}.{}", uuid::Uuid::new_v4().simple()),
                "debit": "issuance",
                "credit": format!("player:{player}"),
                "amount": amount,
            }))
            .send()
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            201,
            "funding {player}: {}",
            r.text().unwrap_or_default()
        );
    }

    pub fn ps(&self) -> serde_json::Value {
        let r = self.run(&["ps", "--output", "json"]);
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("ps json: {e}: {r}"))
    }

    pub fn service<'a>(ps: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
        ps["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in ps: {ps}"))
    }

    /// Service processes of this sandbox still alive, from `/proc`.
    pub fn live_service_pids(&self) -> Vec<u32> {
        let root = self.state_dir().canonicalize().unwrap();
        bitcraps::supervisor::orphans::find(&root)
            .into_iter()
            .filter(|p| bitcraps::supervisor::process::alive(p.pid))
            .map(|p| p.pid)
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.cmd(&["down", "--timeout", "2s"]).output();
        let pids = self.live_service_pids();
        bitcraps::supervisor::process::stop_pids(&pids, Duration::from_secs(1));
    }
}

pub fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Ports this test process has handed out: tests run in parallel threads,
/// and a block found free must not be handed to two of them before their
/// services bind it.
static HANDED_OUT: std::sync::Mutex<Vec<(u16, u16)>> = std::sync::Mutex::new(Vec::new());

/// Finds `n` consecutive free loopback ports, starting from a per-process
/// pseudo-random base so parallel test processes rarely meet, and never
/// overlapping a block already handed out in this process.
pub fn free_port_block(n: u16) -> u16 {
    let seed = std::process::id() as u64 * 7919
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64;
    // Below the kernel's ephemeral range (32768+ by default), so outgoing
    // connections of other tests never take a port a service is about to bind.
    let mut candidate = 20_000 + (seed % 12_000) as u16;
    let mut handed = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
    for _ in 0..2000 {
        let clashes = handed
            .iter()
            .any(|(b, len)| candidate < b + len && *b < candidate + n);
        if !clashes && (0..n).all(|i| TcpListener::bind(addr(candidate + i)).is_ok()) {
            handed.push((candidate, n));
            return candidate;
        }
        candidate = 20_000 + ((candidate as u32 - 20_000 + 97 * n as u32) % 12_000) as u16;
    }
    panic!("no block of {n} free ports");
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Polls `f` every 10 ms until it returns `Some`, or panics after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The CA every sandbox of this test process shares (copied into each
/// state dir before `up`, which then issues the instances' certificates
/// from it), and the `cli` identity tests call the services with.
struct SharedTls {
    dir: tempfile::TempDir,
}

fn shared_tls() -> &'static SharedTls {
    static SHARED: std::sync::OnceLock<SharedTls> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("bctls").tempdir().unwrap();
        bitcraps::tls::issue::ensure_instances(
            dir.path(),
            &["cli".to_string()],
            &[],
            false,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        SharedTls { dir }
    })
}

/// The shared CA's files (`ca.crt`, `ca.key`) and the `cli` identity's dir.
pub fn shared_ca_dir() -> PathBuf {
    bitcraps::tls::tls_root(shared_tls().dir.path())
}

/// What `up` makes, made ahead from the shared CA: each instance's
/// certificate and the `cli` identity, in `<state>/tls/`.
pub fn provision_tls(state: &Path, validators: u16, engines: u16) {
    use std::os::unix::fs::PermissionsExt;
    let root = bitcraps::tls::tls_root(state);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)).unwrap();
    for f in ["ca.crt", "ca.key"] {
        std::fs::copy(shared_ca_dir().join(f), root.join(f)).unwrap();
    }
    let mut names: Vec<String> = vec!["gateway".into(), "wallet".into(), "cli".into()];
    names.extend((0..validators).map(|i| format!("validator-{i}")));
    names.extend((0..engines).map(|i| format!("engine-{i}")));
    bitcraps::tls::issue::ensure_instances(
        state,
        &names,
        &["127.0.0.1".parse().unwrap()],
        false,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
}

/// The `cli` identity of the shared CA (valid in every sandbox).
pub fn cli_transport() -> bitcraps::tls::Transport {
    bitcraps::tls::Transport::mtls(bitcraps::tls::Files::in_dir(&shared_ca_dir().join("cli")))
        .unwrap()
}

/// A client presenting the `cli` identity: it reaches the services
/// (`https://`) and the gateway's plain port (`http://`) alike.
pub fn http() -> reqwest::blocking::Client {
    http_builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// [`http`]'s builder, for tests that tune it.
pub fn http_builder() -> reqwest::blocking::ClientBuilder {
    cli_transport().blocking(
        bitcraps::tls::Expect::AnyService,
        reqwest::blocking::Client::builder(),
    )
}

/// A client presenting instance `name`'s TLS identity from `state` (e.g. a
/// validator's, to speak on `/peer` as a member of the set would).
#[allow(dead_code)]
pub fn http_as(state: &Path, name: &str) -> reqwest::blocking::Client {
    let files = bitcraps::tls::Files::in_dir(&bitcraps::tls::instance_dir(state, name));
    bitcraps::tls::Transport::mtls(files)
        .unwrap()
        .blocking(
            bitcraps::tls::Expect::AnyService,
            reqwest::blocking::Client::builder(),
        )
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// The async flavour of [`http_builder`].
pub fn async_http_builder() -> reqwest::ClientBuilder {
    cli_transport().reqwest(
        bitcraps::tls::Expect::AnyService,
        reqwest::Client::builder(),
    )
}

/// `GET http://<addr><path>` (the gateway's plain port).
pub fn get(addr: SocketAddr, path: &str) -> reqwest::blocking::Response {
    http().get(format!("http://{addr}{path}")).send().unwrap()
}

/// `GET https://<addr><path>` (a service, over mutual TLS).
pub fn gets(addr: SocketAddr, path: &str) -> reqwest::blocking::Response {
    http().get(format!("https://{addr}{path}")).send().unwrap()
}

pub fn port_free(addr: SocketAddr) -> bool {
    TcpListener::bind(addr).is_ok()
}

pub fn kill9(pid: u64) {
    let status = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `promtool check metrics` on an exposition (scripts/test installs promtool).
pub fn promtool_check(text: &str) {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool is required: run the tests with scripts/test, which installs it");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Mints user tokens as the CLI does: signed with the sandbox's issuer key
/// (made with the key set when absent, as `up` makes it), for every
/// audience; with the HS256 secret when the sandbox opted into HS256.
pub struct Tokens(bitcraps::auth::SignKey);

impl Tokens {
    pub fn of(sb: &Sandbox) -> Tokens {
        let hs256 = sb
            .extra_env
            .iter()
            .any(|(k, v)| k == "JWT_ALGORITHM" && v.eq_ignore_ascii_case("hs256"));
        if hs256 {
            let secret =
                std::fs::read_to_string(sb.state_dir().join("secrets/jwt_secret")).unwrap();
            return Tokens(bitcraps::auth::SignKey::hs256(secret.trim().as_bytes()));
        }
        Tokens(bitcraps::auth::SignKey::ed25519(&sb.issuer_key()))
    }

    /// A token for `sub` with `role`, valid for ten minutes.
    pub fn mint(&self, sub: &str, role: bitcraps::auth::Role) -> String {
        self.sign(&Tokens::claims(sub, role))
    }

    /// The claims [`Tokens::mint`] signs, to change before signing.
    pub fn claims(sub: &str, role: bitcraps::auth::Role) -> bitcraps::auth::Claims {
        bitcraps::auth::new_claims(
            "bitcraps",
            &bitcraps::auth::AUDIENCES,
            sub,
            role,
            bitcraps::auth::now_secs(),
            600,
        )
    }

    pub fn sign(&self, claims: &bitcraps::auth::Claims) -> String {
        bitcraps::auth::sign(&self.0, claims).unwrap()
    }
}

/// A TLS connection to a service at `addr` with the `cli` identity, as a
/// raw byte stream (the handshake runs on first write).
pub fn tls_connect(
    addr: SocketAddr,
) -> std::io::Result<rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>> {
    let cfg = cli_transport()
        .client_config(bitcraps::tls::Expect::AnyService)
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("bitcraps.internal").unwrap();
    let conn = rustls::ClientConnection::new(cfg, name).map_err(std::io::Error::other)?;
    let tcp = std::net::TcpStream::connect(addr)?;
    Ok(rustls::StreamOwned::new(conn, tcp))
}
