//! The one table of configuration keys.
//!
//! Every key is defined once here: its dotted TOML path, its environment
//! variable, its default and its documentation. The loader, `config show`,
//! `config check`, and the documented `config/bitcraps.toml` (a test keeps it
//! current) are all derived from this table.

/// What kind of value a key holds; decides parsing and the "expected" text
/// of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `host:port`, e.g. `127.0.0.1:8080`.
    SocketAddr,
    /// `host:port` that need not resolve locally (e.g. a Consul agent).
    HostPort,
    /// A duration such as `30s`, `500ms`, `2m`.
    Duration,
    /// An integer in an inclusive range.
    Int { min: u64, max: u64 },
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// Free text (may be empty).
    Text,
    /// A comma-separated (env) or array (TOML) list of `host:port`.
    AddrList,
    /// `true` or `false`.
    Bool,
    /// Per-route rate limits: a TOML table `"[METHOD ]/prefix" = "MAX/WINDOW"`
    /// (or `{ max_requests = MAX, window = "WINDOW" }`); in the environment
    /// `[METHOD ]/prefix=MAX/WINDOW` items separated by commas.
    RouteLimits,
}

impl Kind {
    /// Human text of what a value of this kind looks like.
    pub fn expected(&self) -> String {
        match self {
            Kind::SocketAddr => "an address like 127.0.0.1:8080".to_string(),
            Kind::HostPort => "host:port, e.g. 127.0.0.1:8500".to_string(),
            Kind::Duration => "a duration like 500ms, 30s or 2m".to_string(),
            Kind::Int { min, max } => format!("an integer from {min} to {max}"),
            Kind::Choice(words) => format!("one of {}", words.join(", ")),
            Kind::Text => "text".to_string(),
            Kind::AddrList => {
                "a list of addresses like [\"127.0.0.1:8081\"] (comma-separated in the environment)"
                    .to_string()
            }
            Kind::Bool => "true or false".to_string(),
            Kind::RouteLimits => "route limits like \"POST /api/v1/games=10/1m,/api/v1/consensus=100/1m\" (TOML: a table \"POST /api/v1/games\" = \"10/1m\")".to_string(),
        }
    }
}

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct KeyDef {
    /// Dotted path in the TOML file, e.g. `gateway.rate_limit.window`.
    pub key: &'static str,
    /// Environment variable that overrides the file.
    pub env: &'static str,
    /// Built-in default, in the same text form a user would write.
    pub default: &'static str,
    pub kind: Kind,
    /// One or two sentences for `config/bitcraps.toml` and `config show`.
    pub doc: &'static str,
}

pub const ALGORITHMS: &[&str] = &["pbft", "tendermint", "hotstuff"];
pub const JWT_ALGORITHMS: &[&str] = &["eddsa", "hs256"];
pub const ON_OFF: &[&str] = &["off", "on"];
pub const DISCOVERY_METHODS: &[&str] = &["static", "consul", "kubernetes"];
pub const LOG_FORMATS: &[&str] = &["json", "pretty"];
pub const BALANCING: &[&str] = &[
    "round_robin",
    "weighted",
    "least_connections",
    "ip_hash",
    "random",
];

const PORT_COUNT: u64 = 64;

/// Every key, in the order `config/bitcraps.toml` documents them.
pub const KEYS: &[KeyDef] = &[
    KeyDef {
        key: "gateway.listen_addr",
        env: "GATEWAY_LISTEN_ADDR",
        default: "0.0.0.0:8080",
        kind: Kind::SocketAddr,
        doc: "Gateway listen address. `bitcraps up` binds 127.0.0.1 with this port unless the address is set explicitly.",
    },
    KeyDef {
        key: "gateway.request_timeout",
        env: "GATEWAY_REQUEST_TIMEOUT",
        default: "30s",
        kind: Kind::Duration,
        doc: "Time allowed for one upstream request before the gateway answers 504.",
    },
    KeyDef {
        key: "gateway.health_check_interval",
        env: "HEALTH_CHECK_INTERVAL",
        default: "30s",
        kind: Kind::Duration,
        doc: "Interval of active health checks of every upstream instance. `bitcraps up` uses 2s unless set explicitly.",
    },
    KeyDef {
        key: "gateway.load_balancing",
        env: "GATEWAY_LOAD_BALANCING",
        default: "round_robin",
        kind: Kind::Choice(BALANCING),
        doc: "How the gateway spreads requests over healthy instances of a service (requests for one game always go to the engine that holds it).",
    },
    KeyDef {
        key: "gateway.circuit_breaker.failure_threshold",
        env: "CIRCUIT_BREAKER_FAILURE_THRESHOLD",
        default: "5",
        kind: Kind::Int { min: 1, max: 1000 },
        doc: "Failures in a row (5xx, timeouts, unreachable) that open an instance's circuit.",
    },
    KeyDef {
        key: "gateway.circuit_breaker.cool_down",
        env: "CIRCUIT_BREAKER_COOL_DOWN",
        default: "10s",
        kind: Kind::Duration,
        doc: "How long an open circuit fails fast before letting a probe through (half-open).",
    },
    KeyDef {
        key: "gateway.circuit_breaker.half_open_probes",
        env: "CIRCUIT_BREAKER_HALF_OPEN_PROBES",
        default: "1",
        kind: Kind::Int { min: 1, max: 100 },
        doc: "Requests let through at once while half-open; that many successes close the circuit.",
    },
    KeyDef {
        key: "gateway.rate_limit.max_requests",
        env: "RATE_LIMIT_MAX_REQUESTS",
        default: "1000",
        kind: Kind::Int {
            min: 1,
            max: 1_000_000_000,
        },
        doc: "Requests allowed per client (IP, API key or token subject) in one window.",
    },
    KeyDef {
        key: "gateway.rate_limit.window",
        env: "RATE_LIMIT_WINDOW",
        default: "60s",
        kind: Kind::Duration,
        doc: "Length of the rate-limit window.",
    },
    KeyDef {
        key: "gateway.rate_limit.by_ip",
        env: "RATE_LIMIT_BY_IP",
        default: "true",
        kind: Kind::Bool,
        doc: "Limit requests without valid credentials per client IP (false: they are not limited).",
    },
    KeyDef {
        key: "gateway.rate_limit.by_api_key",
        env: "RATE_LIMIT_BY_API_KEY",
        default: "true",
        kind: Kind::Bool,
        doc: "Limit requests with a valid token or API key per subject (false: they count against their IP when by_ip is on).",
    },
    KeyDef {
        key: "gateway.rate_limit.routes",
        env: "RATE_LIMIT_ROUTES",
        default: "",
        kind: Kind::RouteLimits,
        doc: "Per-route limits replacing the default for matching requests, e.g. routes = { \"POST /api/v1/games\" = \"10/1m\", \"/api/v1/consensus\" = \"100/1m\" }. The longest matching path prefix wins; a rule naming the method beats one without.",
    },
    KeyDef {
        key: "gateway.auth.jwt_secret",
        env: "JWT_SECRET",
        default: "",
        kind: Kind::Text,
        doc: "HS256 secret for JWTs, used only with algorithm = \"hs256\". Empty: use the secret file, else the state dir's generated dev secret. Placeholders and secrets shorter than 32 bytes are refused.",
    },
    KeyDef {
        key: "gateway.auth.jwt_secret_file",
        env: "JWT_SECRET_FILE",
        default: "",
        kind: Kind::Text,
        doc: "File holding the JWT secret (used when jwt_secret is empty), e.g. a mounted Kubernetes Secret.",
    },
    KeyDef {
        key: "gateway.auth.algorithm",
        env: "JWT_ALGORITHM",
        default: "eddsa",
        kind: Kind::Choice(JWT_ALGORITHMS),
        doc: "How tokens are signed: eddsa (Ed25519 keys in a JWK Set; services hold public keys only) or hs256 (one shared secret every service holds: an explicit opt-in for setups that cannot distribute key sets; any holder can mint any token).",
    },
    KeyDef {
        key: "gateway.auth.issuer",
        env: "JWT_ISSUER",
        default: "bitcraps",
        kind: Kind::Text,
        doc: "The `iss` tokens carry and every service requires.",
    },
    KeyDef {
        key: "gateway.auth.jwks_file",
        env: "JWKS_FILE",
        default: "",
        kind: Kind::Text,
        doc: "JWK Set of the public keys tokens are verified with, each with its scope (bitcraps_roles, bitcraps_sub). Empty: <state dir>/auth/jwks.json, which `bitcraps up` writes. Re-read within a second when it changes.",
    },
    KeyDef {
        key: "gateway.auth.issuer_key_file",
        env: "JWT_ISSUER_KEY_FILE",
        default: "",
        kind: Kind::Text,
        doc: "Ed25519 issuer key (64 hex characters, mode 0600) the CLI signs user tokens with. Empty: the newest key of the set under <state dir>/keys/issuer/. Only the CLI reads it; no service needs it.",
    },
    KeyDef {
        key: "gateway.auth.service_key_file",
        env: "SERVICE_KEY_FILE",
        default: "",
        kind: Kind::Text,
        doc: "This engine's or wallet's own Ed25519 key for its calls to other services (its public key must be in the key set with its one role and name). Empty: <state dir>/keys/services/<name>.key, which `bitcraps up` makes.",
    },
    KeyDef {
        key: "gateway.tls.cert",
        env: "GATEWAY_TLS_CERT",
        default: "",
        kind: Kind::Text,
        doc: "PEM certificate (chain) of the gateway's client-facing port. Set with gateway.tls.key, the port serves TLS 1.3 (https); empty: plain HTTP. Reloaded within a second when the file changes.",
    },
    KeyDef {
        key: "gateway.tls.key",
        env: "GATEWAY_TLS_KEY",
        default: "",
        kind: Kind::Text,
        doc: "PEM private key of gateway.tls.cert.",
    },
    KeyDef {
        key: "service_discovery.method",
        env: "SERVICE_DISCOVERY_METHOD",
        default: "static",
        kind: Kind::Choice(DISCOVERY_METHODS),
        doc: "How the gateway and engine find upstream instances.",
    },
    KeyDef {
        key: "service_discovery.consul_address",
        env: "CONSUL_ADDRESS",
        default: "127.0.0.1:8500",
        kind: Kind::HostPort,
        doc: "Consul agent address (method = \"consul\").",
    },
    KeyDef {
        key: "service_discovery.advertise_host",
        env: "BITCRAPS_ADVERTISE_HOST",
        default: "",
        kind: Kind::Text,
        doc: "Host or IP a service registers in Consul (and Consul health-checks). Empty: the listen IP, or this machine's host name when listening on 0.0.0.0.",
    },
    KeyDef {
        key: "service_discovery.kubernetes_api",
        env: "KUBERNETES_API_URL",
        default: "",
        kind: Kind::Text,
        doc: "Kubernetes API server URL (method = \"kubernetes\"). Empty: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, as set in every pod.",
    },
    KeyDef {
        key: "service_discovery.kubernetes_service_account_dir",
        env: "KUBERNETES_SERVICE_ACCOUNT_DIR",
        default: "/var/run/secrets/kubernetes.io/serviceaccount",
        kind: Kind::Text,
        doc: "Directory with the pod's service-account token, ca.crt and namespace (method = \"kubernetes\").",
    },
    KeyDef {
        key: "service_discovery.kubernetes_namespace",
        env: "KUBERNETES_NAMESPACE",
        default: "",
        kind: Kind::Text,
        doc: "Namespace of the services' EndpointSlices. Empty: the service account's namespace.",
    },
    KeyDef {
        key: "service_discovery.static_services.game_engine",
        env: "GAME_ENGINE_UPSTREAMS",
        default: "",
        kind: Kind::AddrList,
        doc: "Engine instances for static discovery. Empty: game_engine.instances consecutive ports from game_engine.addr.",
    },
    KeyDef {
        key: "service_discovery.static_services.consensus",
        env: "CONSENSUS_UPSTREAMS",
        default: "",
        kind: Kind::AddrList,
        doc: "Validators for static discovery. Empty: consensus.validators consecutive ports from consensus.addr.",
    },
    KeyDef {
        key: "service_discovery.static_services.wallet",
        env: "WALLET_UPSTREAMS",
        default: "",
        kind: Kind::AddrList,
        doc: "Wallet instances for static discovery. Empty: wallet.instances consecutive ports from wallet.addr.",
    },
    KeyDef {
        key: "service_discovery.service_names.game_engine",
        env: "GAME_ENGINE_SERVICE_NAME",
        default: "bitcraps-game-engine",
        kind: Kind::Text,
        doc: "Name of the engine service in Consul, or of its Kubernetes Service.",
    },
    KeyDef {
        key: "service_discovery.service_names.consensus",
        env: "CONSENSUS_SERVICE_NAME",
        default: "bitcraps-consensus",
        kind: Kind::Text,
        doc: "Name of the validator service in Consul, or of its Kubernetes Service.",
    },
    KeyDef {
        key: "service_discovery.service_names.gateway",
        env: "GATEWAY_SERVICE_NAME",
        default: "bitcraps-gateway",
        kind: Kind::Text,
        doc: "Name the gateway registers under in Consul.",
    },
    KeyDef {
        key: "service_discovery.service_names.wallet",
        env: "WALLET_SERVICE_NAME",
        default: "bitcraps-wallet",
        kind: Kind::Text,
        doc: "Name of the wallet service in Consul, or of its Kubernetes Service.",
    },
    KeyDef {
        key: "game_engine.addr",
        env: "GAME_ENGINE_ADDR",
        default: "127.0.0.1:8081",
        kind: Kind::SocketAddr,
        doc: "Listen address of the first engine instance; further instances take the next ports.",
    },
    KeyDef {
        key: "game_engine.instances",
        env: "GAME_ENGINE_INSTANCES",
        default: "1",
        kind: Kind::Int {
            min: 1,
            max: PORT_COUNT,
        },
        doc: "Engine instances `bitcraps up` starts (flag --engines).",
    },
    KeyDef {
        key: "game_engine.max_concurrent_games",
        env: "MAX_CONCURRENT_GAMES",
        default: "100",
        kind: Kind::Int {
            min: 1,
            max: 1_000_000,
        },
        doc: "Open games an engine instance holds at once (finished games are kept in its store and do not count).",
    },
    KeyDef {
        key: "game_engine.max_players_per_game",
        env: "MAX_PLAYERS_PER_GAME",
        default: "8",
        kind: Kind::Int { min: 1, max: 64 },
        doc: "Seats at one table.",
    },
    KeyDef {
        key: "game_engine.max_tables_per_player",
        env: "MAX_TABLES_PER_PLAYER",
        default: "8",
        kind: Kind::Int {
            min: 1,
            max: 1_000_000,
        },
        doc: "Open tables one player may sit at on one engine instance when a table is created. Each table takes its bankroll from the house, so this bounds how much of it one player's tables hold.",
    },
    KeyDef {
        key: "game_engine.turn_timeout",
        env: "TURN_TIMEOUT",
        default: "60s",
        kind: Kind::Duration,
        doc: "How long a blackjack or hold'em table waits on the player whose turn it is; then the engine acts for them (declines insurance, stands; checks, else folds), marked by a `turn_timed_out` event. 0s: wait forever.",
    },
    KeyDef {
        key: "game_engine.stored_idle",
        env: "ENGINE_STORED_IDLE",
        default: "30s",
        kind: Kind::Duration,
        doc: "How long a finished game read back from the store (one needing nothing more of the engine) stays in memory after its last request; at most 1,024 such games are kept.",
    },
    KeyDef {
        key: "game_engine.table_bankroll",
        env: "TABLE_BANKROLL",
        default: "1000000",
        kind: Kind::Int {
            min: 1,
            max: 4_611_686_018_427_387_903,
        },
        doc: "Most chips one table may hold from the house account to pay winners (its bankroll, taken from `house` in the wallet when the table opens).",
    },
    KeyDef {
        key: "consensus.addr",
        env: "CONSENSUS_ADDR",
        default: "127.0.0.1:8082",
        kind: Kind::SocketAddr,
        doc: "Listen address of the first validator; further validators take the next ports.",
    },
    KeyDef {
        key: "consensus.validators",
        env: "CONSENSUS_VALIDATORS",
        default: "4",
        kind: Kind::Int {
            min: 1,
            max: PORT_COUNT,
        },
        doc: "Validators `bitcraps up` starts (flag --validators); at least 3f+1.",
    },
    KeyDef {
        key: "consensus.byzantine_threshold",
        env: "BYZANTINE_THRESHOLD",
        default: "1",
        kind: Kind::Int { min: 0, max: 21 },
        doc: "f, the number of Byzantine validators tolerated; the set needs n >= 3f+1 members.",
    },
    KeyDef {
        key: "consensus.round_timeout",
        env: "ROUND_TIMEOUT",
        default: "15s",
        kind: Kind::Duration,
        doc: "Upper bound of a round's timeout (rounds start far shorter and back off).",
    },
    KeyDef {
        key: "consensus.algorithm",
        env: "CONSENSUS_ALGORITHM",
        default: "pbft",
        kind: Kind::Choice(ALGORITHMS),
        doc: "BFT protocol the validators run.",
    },
    KeyDef {
        key: "consensus.fault_injection",
        env: "BITCRAPS_FAULT_INJECTION",
        default: "off",
        kind: Kind::Choice(ON_OFF),
        doc: "Validators accept POST /fault (admin) to turn silent, slow or equivocating, or to cut peers off. For demos and tests only.",
    },
    KeyDef {
        key: "consensus.faults",
        env: "BITCRAPS_FAULTS",
        default: "",
        kind: Kind::Text,
        doc: "Faults injected at start, e.g. `validator-3=equivocate,validator-1=slow:300ms` (flag --fault, repeatable); modes none, silent, slow[:DURATION], equivocate, fail_safety_record. Implies fault_injection.",
    },
    KeyDef {
        key: "consensus.client_max_pending",
        env: "CONSENSUS_CLIENT_MAX_PENDING",
        default: "256",
        kind: Kind::Int {
            min: 1,
            max: 10_000,
        },
        doc: "Most proposals one client (a player or a cashier) may have waiting at a validator (and at most 4 MiB of them); more are refused with 429 until some commit. Engines, the wallet, validators and admins are not limited.",
    },
    KeyDef {
        key: "wallet.addr",
        env: "WALLET_ADDR",
        default: "127.0.0.1:8090",
        kind: Kind::SocketAddr,
        doc: "Listen address of the wallet (accounts and the double-entry ledger); further instances take the next ports.",
    },
    KeyDef {
        key: "wallet.instances",
        env: "WALLET_INSTANCES",
        default: "1",
        kind: Kind::Int {
            min: 1,
            max: PORT_COUNT,
        },
        doc: "Wallet instances `bitcraps up` starts. More than one needs a shared ledger (wallet.database_url); the embedded SQLite ledger has one writer.",
    },
    KeyDef {
        key: "wallet.database_url",
        env: "WALLET_DATABASE_URL",
        default: "",
        kind: Kind::Text,
        doc: "Empty: the ledger is embedded SQLite in the state dir. `postgres://user@host:port/db`: a shared PostgreSQL, so several wallet instances can serve one ledger.",
    },
    KeyDef {
        key: "wallet.database_ca",
        env: "WALLET_DATABASE_CA",
        default: "",
        kind: Kind::Text,
        doc: "PEM file of the CA(s) that sign the PostgreSQL server's certificate. Set: the wallet speaks TLS to the database and verifies the server's chain and name (as libpq's sslmode=verify-full). Empty: plaintext, unless the URL says sslmode=require, which is refused without a CA (no unverified TLS).",
    },
    KeyDef {
        key: "supervisor.restart_initial_backoff",
        env: "BITCRAPS_RESTART_INITIAL_BACKOFF",
        default: "100ms",
        kind: Kind::Duration,
        doc: "First delay before restarting a crashed service; doubles on each crash in a row.",
    },
    KeyDef {
        key: "supervisor.restart_max_backoff",
        env: "BITCRAPS_RESTART_MAX_BACKOFF",
        default: "30s",
        kind: Kind::Duration,
        doc: "Cap of the restart delay.",
    },
    KeyDef {
        key: "supervisor.stable_after",
        env: "BITCRAPS_RESTART_STABLE_AFTER",
        default: "60s",
        kind: Kind::Duration,
        doc: "A service that ran this long before crashing starts the backoff over.",
    },
    KeyDef {
        key: "supervisor.max_restarts",
        env: "BITCRAPS_MAX_RESTARTS",
        default: "10",
        kind: Kind::Int {
            min: 0,
            max: 1_000_000,
        },
        doc: "Crashes in a row after which the supervisor gives up on a service (0: never restart).",
    },
    KeyDef {
        key: "supervisor.ready_timeout",
        env: "BITCRAPS_READY_TIMEOUT",
        default: "30s",
        kind: Kind::Duration,
        doc: "Time each startup stage may take to become ready (flag --timeout of `up`).",
    },
    KeyDef {
        key: "supervisor.stop_timeout",
        env: "BITCRAPS_STOP_TIMEOUT",
        default: "10s",
        kind: Kind::Duration,
        doc: "Grace period between SIGTERM and SIGKILL when the supervisor stops a service (Ctrl-C, SIGTERM; `down --timeout` overrides). A second Ctrl-C kills at once.",
    },
    KeyDef {
        key: "telemetry.log_format",
        env: "BITCRAPS_LOG_FORMAT",
        default: "json",
        kind: Kind::Choice(LOG_FORMATS),
        doc: "Service log format: JSON lines (one object per event) or human-readable.",
    },
    KeyDef {
        key: "telemetry.log_level",
        env: "RUST_LOG",
        default: "info",
        kind: Kind::Text,
        doc: "tracing filter directive, e.g. \"info\" or \"bitcraps=debug,tower_http=info\".",
    },
    KeyDef {
        key: "tls.insecure_plaintext",
        env: "BITCRAPS_INSECURE_PLAINTEXT",
        default: "false",
        kind: Kind::Bool,
        doc: "Debugging only: plain HTTP between the services instead of mutual TLS (`up --insecure-plaintext`). Every service warns at start while it is on.",
    },
    KeyDef {
        key: "tls.dir",
        env: "TLS_DIR",
        default: "",
        kind: Kind::Text,
        doc: "Directory of this instance's TLS identity: tls.crt, tls.key and ca.crt (the shape cert-manager writes into a Secret). Empty: <state dir>/tls/<instance>, which `bitcraps up` makes. Certificate and key are reloaded within a second when they change.",
    },
    KeyDef {
        key: "sandbox.mode",
        env: "BITCRAPS_SANDBOX",
        default: "auto",
        kind: Kind::Choice(crate::sandbox::MODES),
        doc: "Each service confines itself with Landlock before serving: it can open only its own TLS identity, its own key, its own data and the public key set, and cannot signal or trace processes outside its sandbox. auto: what the kernel supports (warned when not everything); required: refuse to start unless all of it is enforced (Linux 6.12+); off: no confinement (warned).",
    },
];

/// Looks a key up by its dotted path.
pub fn find(key: &str) -> Option<&'static KeyDef> {
    KEYS.iter().find(|k| k.key == key)
}

/// The documented default configuration file (`config/bitcraps.toml`).
pub fn documented_toml() -> String {
    let mut out = String::from(
        "# BitCraps configuration: every key with its default.\n\
         #\n\
         # Precedence: built-in defaults < this file (--config FILE, else ./bitcraps.toml)\n\
         # < environment variables < command-line flags (including --set KEY=VALUE).\n\
         # Durations accept 500ms, 30s, 2m. `bitcraps config show` prints the effective\n\
         # configuration and where each value came from; `bitcraps config check FILE`\n\
         # validates a file. This file is generated by `bitcraps config default`.\n",
    );
    let mut section = "";
    for def in KEYS {
        let (table, leaf) = def.key.rsplit_once('.').unwrap_or(("", def.key));
        if table != section {
            out.push_str(&format!("\n[{table}]\n"));
            section = table;
        }
        out.push_str(&format!("# {}\n# env: {}\n", def.doc, def.env));
        out.push_str(&format!("{leaf} = {}\n", toml_literal(def)));
    }
    out
}

fn toml_literal(def: &KeyDef) -> String {
    match def.kind {
        Kind::Int { .. } | Kind::Bool => def.default.to_string(),
        Kind::RouteLimits => "{}".to_string(),
        Kind::AddrList => {
            let items: Vec<String> = def
                .default
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!("{s:?}"))
                .collect();
            format!("[{}]", items.join(", "))
        }
        _ => format!("{:?}", def.default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_env_names_are_unique() {
        for (i, a) in KEYS.iter().enumerate() {
            for b in &KEYS[i + 1..] {
                assert_ne!(a.key, b.key);
                assert_ne!(a.env, b.env);
            }
        }
    }

    #[test]
    fn documented_toml_parses_and_lists_every_key() {
        let text = documented_toml();
        let table: toml::Table = text.parse().expect("generated TOML parses");
        for def in KEYS {
            let mut node = toml::Value::Table(table.clone());
            for part in def.key.split('.') {
                node = node
                    .get(part)
                    .unwrap_or_else(|| panic!("{} missing", def.key))
                    .clone();
            }
        }
    }
}
