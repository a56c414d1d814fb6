//! `bitcraps up`: start everything in order and supervise it, in the
//! foreground (prefixed colored logs, Ctrl-C stops all) or detached.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use indicatif::ProgressBar;

use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use super::{GlobalArgs, Loaded};
use crate::config::Source;
use crate::supervisor::backoff::BackoffPolicy;
use crate::supervisor::console::{self, Console};
use crate::supervisor::control::{self, ConfigOrigin, Reply, Request, Setting, Status};
use crate::supervisor::runner::{self, SupervisorOptions};
use crate::supervisor::{self, PreflightError, StateDir, logfile, plan, process};

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Run in the background; return once the supervisor is up.
    #[arg(short, long)]
    pub detach: bool,
    /// Return only when every service is ready (implies --detach); exit 5 on timeout.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits for readiness (default: supervisor.ready_timeout).
    #[arg(long, value_parser = super::output::parse_timeout, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Number of validators (n >= 3f+1).
    #[arg(long, value_name = "N")]
    pub validators: Option<u16>,
    /// Number of engine instances.
    #[arg(long, value_name = "N")]
    pub engines: Option<u16>,
    /// Consensus algorithm: pbft, tendermint, hotstuff.
    #[arg(long, value_name = "NAME")]
    pub algorithm: Option<String>,
    /// Make a validator misbehave, for demos and tests:
    /// validator-N=silent|slow[:DURATION]|equivocate (repeatable). Also
    /// enables POST /fault on the validators.
    #[arg(long, value_name = "VALIDATOR=FAULT")]
    pub fault: Vec<String>,
    /// Deposit demo chips once the wallet answers: the house (to back
    /// tables) and the players alice, bob, carol, dave and erin. Safe to
    /// repeat: the deposits have fixed ids.
    #[arg(long)]
    pub demo_funds: bool,
    /// The services' log filter (`telemetry.log_level`, e.g. `info` or
    /// `bitcraps=debug`). Given here or as RUST_LOG, the foreground shows
    /// every line the services write; otherwise it shows lifecycle events,
    /// warnings and errors (the files under logs/ keep everything).
    #[arg(long, value_name = "FILTER")]
    pub log_level: Option<String>,
    /// Debugging only: plain HTTP between the services instead of mutual
    /// TLS (`tls.insecure_plaintext`). Warns loudly at start.
    #[arg(long)]
    pub insecure_plaintext: bool,
    /// Internal: run as the detached supervisor.
    #[arg(long, hide = true)]
    pub supervise_daemon: bool,
}

impl UpArgs {
    fn flag_overrides(&self) -> Vec<(String, String, String)> {
        let mut v = Vec::new();
        if let Some(n) = self.validators {
            v.push((
                "consensus.validators".into(),
                n.to_string(),
                "--validators".into(),
            ));
        }
        if let Some(n) = self.engines {
            v.push((
                "game_engine.instances".into(),
                n.to_string(),
                "--engines".into(),
            ));
        }
        if let Some(a) = &self.algorithm {
            v.push((
                "consensus.algorithm".into(),
                a.clone(),
                "--algorithm".into(),
            ));
        }
        if !self.fault.is_empty() {
            v.push((
                "consensus.faults".into(),
                self.fault.join(","),
                "--fault".into(),
            ));
        }
        if let Some(l) = &self.log_level {
            v.push((
                "telemetry.log_level".into(),
                l.clone(),
                "--log-level".into(),
            ));
        }
        if self.insecure_plaintext {
            v.push((
                "tls.insecure_plaintext".into(),
                "true".into(),
                "--insecure-plaintext".into(),
            ));
        }
        if let Some(t) = self.timeout {
            v.push((
                "supervisor.ready_timeout".into(),
                humantime::format_duration(t).to_string(),
                "--timeout".into(),
            ));
        }
        v
    }
}

/// Environment for children: values that came from flags (children see no
/// flags), the config file's absolute path, and `up`'s shorter health-check
/// interval unless one was chosen.
fn child_env(loaded: &Loaded) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for (def, entry) in loaded.layered.iter() {
        if matches!(entry.source, Source::Flag { .. }) {
            env.push((def.env.to_string(), entry.value.clone()));
        }
    }
    if let Some(f) = &loaded.file {
        env.push(("BITCRAPS_CONFIG".into(), f.display().to_string()));
    }
    if !loaded.config.gateway.health_check_interval_explicit {
        env.push(("HEALTH_CHECK_INTERVAL".into(), "2s".into()));
    }
    env
}

/// What `ps --output json` and the dashboard report as the configuration's
/// origin: the file and every key not at its default (secrets redacted).
fn config_origin(loaded: &Loaded) -> ConfigOrigin {
    ConfigOrigin {
        file: loaded.file.as_ref().map(|f| f.display().to_string()),
        settings: loaded
            .layered
            .iter()
            .filter(|(_, e)| e.source != Source::Default)
            .map(|(def, e)| Setting {
                key: def.key.to_string(),
                value: super::config_cmd::shown_value(def.key, &e.value),
                source: e.source.to_string(),
            })
            .collect(),
    }
}

pub fn run(g: &GlobalArgs, args: &UpArgs) -> anyhow::Result<()> {
    let loaded = super::load_config(g, &args.flag_overrides())?;
    loaded.config.check_wallet_store(&loaded.layered)?;
    let state = StateDir::open(&g.state_dir)?;
    let specs = plan::plan(&loaded.config);

    if args.supervise_daemon {
        // Detach from the terminal's session so closing it sends no SIGHUP.
        let _ = nix::unistd::setsid();
        return supervise(g, &loaded, state, specs, None);
    }

    match supervisor::preflight(&state, &specs) {
        Ok(cleaned) => {
            if !cleaned.is_empty() && !g.quiet {
                eprintln!(
                    "note: removed stale files of a supervisor that did not stop cleanly: {}",
                    cleaned.join(", ")
                );
            }
        }
        Err(e @ PreflightError::AlreadyRunning { .. }) => {
            return Err(fail(Code::Error, e.to_string()));
        }
        Err(e) => return Err(fail(Code::Error, e.to_string())),
    }
    check_service_settings(&loaded)?;
    ensure_dev_secret(&loaded, &state, &specs)?;
    ensure_certificates(g, &loaded, &state, &specs)?;
    // The `cli` identity may be new: what this process asks the services
    // itself (--demo-funds, --wait) presents it.
    crate::tls::install(
        crate::tls::Transport::for_cli(&loaded.config, state.root())
            .map_err(|e| fail(Code::Error, format!("{e:#}")))?,
    );
    // Each validator's key and the shared genesis, made once.
    crate::services::consensus::genesis::ensure(
        state.root(),
        loaded.config.validator_addrs().len(),
        loaded.config.consensus.min_validators(),
    )
    .map_err(|e| fail(Code::Error, format!("{e:#}")))?;

    if args.detach || args.wait {
        let root = state.root().to_path_buf();
        detach(g, args, &loaded, &state)?;
        if args.demo_funds {
            super::demo::seed(
                &loaded.config,
                &root,
                loaded.config.supervisor.ready_timeout,
            )
            .map_err(|e| fail(Code::Unavailable, format!("{e:#}")))?;
            if !g.quiet && g.output != OutputFormat::Json {
                eprintln!(
                    "demo chips deposited: the house, and {}",
                    super::demo::DEMO_PLAYERS.join(", ")
                );
            }
        }
        Ok(())
    } else {
        if args.demo_funds {
            let (cfg, root) = (loaded.config.clone(), state.root().to_path_buf());
            std::thread::spawn(move || {
                if let Err(e) = super::demo::seed(&cfg, &root, cfg.supervisor.ready_timeout) {
                    eprintln!("demo funds: {e:#}");
                }
            });
        }
        let names: Vec<&str> = specs
            .iter()
            .map(|s| s.name.as_str())
            .chain(["supervisor"])
            .collect();
        // A filter the user chose shows them everything it lets through.
        let chosen = args.log_level.is_some()
            || std::env::var("RUST_LOG").is_ok_and(|v| !v.trim().is_empty());
        let verbosity = if chosen {
            console::Verbosity::Full
        } else {
            console::Verbosity::Lifecycle
        };
        let console = Console::new(&names, g.color.enabled(), verbosity);
        supervise(g, &loaded, state, specs, Some(console))
    }
}

/// Settings the services would refuse at startup, checked before anything
/// is spawned so `up` fails fast instead of watching a crash loop.
fn check_service_settings(loaded: &Loaded) -> anyhow::Result<()> {
    let cfg = &loaded.config;
    if !cfg.gateway.auth.hs256 {
        // EdDSA: the secret settings are not used.
    } else if let Some(s) = &cfg.gateway.auth.jwt_secret {
        crate::crypto::validate_jwt_secret(s)
            .map_err(|e| fail(Code::Error, format!("{e} (gateway.auth.jwt_secret)")))?;
    } else if let Some(path) = &cfg.gateway.auth.jwt_secret_file {
        let s = crate::crypto::read_secret_file(path)
            .map_err(|e| fail(Code::Error, format!("{e:#}")))?;
        crate::crypto::validate_jwt_secret(&s)
            .map_err(|e| fail(Code::Error, format!("{e} (from {})", path.display())))?;
    }
    crate::services::consensus::algorithm(&cfg.consensus.algorithm)
        .map_err(|e| fail(Code::Error, format!("{e:#}")))?;
    crate::telemetry::check_filter(&cfg.telemetry.log_level)
        .map_err(|e| fail(Code::Error, format!("{e:#}")))?;
    Ok(())
}

/// Without a configured secret, `up` generates one into the state dir
/// (mode 0600); the gateway and the CLI read it from there.
/// With EdDSA (the default) it makes the issuer key and the key set, and
/// each engine's and wallet's own key, listed with its one role and name.
fn ensure_dev_secret(
    loaded: &Loaded,
    state: &StateDir,
    specs: &[plan::ServiceSpec],
) -> anyhow::Result<()> {
    let auth = &loaded.config.gateway.auth;
    if auth.hs256 {
        if auth.jwt_secret.is_none() && auth.jwt_secret_file.is_none() {
            crate::crypto::load_or_create_secret(&state.secret_file())?;
        }
        return Ok(());
    }
    let callers: Vec<(String, crate::auth::Role)> = specs
        .iter()
        .filter_map(|s| match s.kind {
            plan::ServiceKind::Engine => Some((s.name.clone(), crate::auth::Role::Engine)),
            plan::ServiceKind::Wallet => Some((s.name.clone(), crate::auth::Role::Wallet)),
            _ => None,
        })
        .collect();
    crate::services::credentials::provision(&loaded.config, state.root(), &callers)
}

/// Mutual TLS (the default): the CA and each instance's certificate, made
/// once and reused, made again when missing or expiring (see
/// [`crate::tls::issue`]), plus the `cli` identity the supervisor's health
/// checks and the tools use. Under --insecure-plaintext, a loud warning.
fn ensure_certificates(
    g: &GlobalArgs,
    loaded: &Loaded,
    state: &StateDir,
    specs: &[plan::ServiceSpec],
) -> anyhow::Result<()> {
    if loaded.config.tls.insecure_plaintext {
        eprintln!(
            "WARNING: --insecure-plaintext: the services talk plain HTTP to each other, \
             unauthenticated and readable on the network. For debugging only."
        );
        return Ok(());
    }
    if loaded.config.tls.dir.is_some() {
        // Certificates come from elsewhere (a mounted Secret).
        return Ok(());
    }
    let made = issue_certificates(&loaded.config, state.root(), specs, false)?;
    if !made.is_empty() && !g.quiet {
        for (name, why) in &made {
            if why != "there is none" {
                eprintln!("note: new TLS certificate for {name}: {why}");
            }
        }
    }
    Ok(())
}

/// Makes (or with `force`, makes again) the certificates of every instance
/// of the plan, the gateway's and the `cli` identity, naming the planned
/// bind IPs; returns `(instance, why)` for each made.
pub fn issue_certificates(
    cfg: &crate::config::Config,
    root: &std::path::Path,
    specs: &[plan::ServiceSpec],
    force: bool,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    for extra in ["gateway", "cli"] {
        if !names.iter().any(|n| n == extra) {
            names.push(extra.to_string());
        }
    }
    let mut ips: Vec<std::net::IpAddr> = specs.iter().map(|s| s.addr.ip()).collect();
    ips.push(cfg.gateway.listen_addr.ip());
    ips.sort();
    ips.dedup();
    crate::tls::issue::ensure_instances(root, &names, &ips, force, time::OffsetDateTime::now_utc())
        .map_err(|e| fail(Code::Error, format!("cannot make TLS certificates: {e:#}")))
}

fn supervise(
    g: &GlobalArgs,
    loaded: &Loaded,
    state: StateDir,
    specs: Vec<plan::ServiceSpec>,
    console: Option<Console>,
) -> anyhow::Result<()> {
    let lock = state.try_lock()?.ok_or_else(|| {
        fail(
            Code::Error,
            format!(
                "bitcraps is already running with state dir {}",
                state.root().display()
            ),
        )
    })?;
    let cfg = &loaded.config;
    let opts = SupervisorOptions {
        state,
        specs,
        exe: std::env::current_exe().context("cannot find the bitcraps executable")?,
        child_env: child_env(loaded),
        policy: BackoffPolicy::from(&cfg.supervisor),
        ready_timeout: cfg.supervisor.ready_timeout,
        stop_timeout: cfg.supervisor.stop_timeout,
        console,
        gateway_https: cfg.gateway.tls.cert.is_some(),
        config: config_origin(loaded),
    };
    let _ = g;
    // The supervisor's health checks present the `cli` identity made above.
    crate::tls::install(
        crate::tls::Transport::for_cli(cfg, opts.state.root())
            .map_err(|e| fail(Code::Error, format!("{e:#}")))?,
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(runner::run(opts, lock))
}

/// Spawns the supervisor in the background and waits for its control
/// socket (and, with --wait, for every service to be ready).
fn detach(g: &GlobalArgs, args: &UpArgs, loaded: &Loaded, state: &StateDir) -> anyhow::Result<()> {
    let began = Instant::now();
    let log_path = state.log_file("supervisor");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let start_offset = logfile::size(&log_path);
    let exe = std::env::current_exe().context("cannot find the bitcraps executable")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1))
        .arg("--supervise-daemon")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let mut daemon = cmd.spawn().context("cannot start the supervisor")?;

    let spinner = spinner(g);
    spinner.set_message("starting supervisor");
    let status = loop {
        if let Some(exit) = daemon.try_wait()? {
            spinner.finish_and_clear();
            return Err(fail(
                Code::Error,
                format!(
                    "the supervisor exited ({}) before it was up; its log:\n{}",
                    process::describe_exit(&exit),
                    new_log_text(&log_path, start_offset)
                ),
            ));
        }
        if let Ok(Reply::Status(s)) = control::call(state, &Request::Status, Duration::from_secs(2))
        {
            break s;
        }
        if began.elapsed() > Duration::from_secs(15) {
            spinner.finish_and_clear();
            return Err(fail(
                Code::Unavailable,
                "the supervisor did not open its control socket within 15s",
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = status;
    if !args.wait {
        spinner.finish_and_clear();
        if !g.quiet {
            eprintln!(
                "bitcraps started in the background (supervisor pid {}); `bitcraps ps` shows progress",
                daemon.id()
            );
        }
        return Ok(());
    }
    let timeout = loaded.config.supervisor.ready_timeout;
    let status = loop {
        let s = match control::call(state, &Request::Status, Duration::from_secs(2)) {
            Ok(Reply::Status(s)) => s,
            _ => {
                if let Some(exit) = daemon.try_wait()? {
                    spinner.finish_and_clear();
                    return Err(fail(
                        Code::Error,
                        format!(
                            "the supervisor exited ({}); its log:\n{}",
                            process::describe_exit(&exit),
                            new_log_text(&log_path, start_offset)
                        ),
                    ));
                }
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        // Ready, and the ordered start finished: until the supervisor says
        // running, `stop`/`start` are refused (up is still starting).
        if s.all_ready() && s.phase == control::Phase::Running {
            break s;
        }
        let waiting: Vec<&str> = s
            .services
            .iter()
            .filter(|x| x.health != control::Health::Ready)
            .map(|x| x.name.as_str())
            .collect();
        spinner.set_message(format!("waiting for {}", waiting.join(", ")));
        if began.elapsed() > timeout {
            spinner.finish_and_clear();
            return Err(fail(
                Code::Unavailable,
                not_ready_report(&s, state, timeout),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    spinner.finish_and_clear();
    let elapsed = began.elapsed();
    if g.output == OutputFormat::Json {
        let mut v = serde_json::to_value(&status)?;
        v["ready_after_ms"] = serde_json::json!(elapsed.as_secs_f64() * 1000.0);
        return output::print_json(&v);
    }
    if !g.quiet {
        super::ps::print_status_table(&status)?;
        eprintln!(
            "all {} services ready in {} ms",
            status.services.len(),
            elapsed.as_millis()
        );
    }
    Ok(())
}

fn spinner(g: &GlobalArgs) -> ProgressBar {
    output::spinner(g.quiet || g.output == OutputFormat::Json)
}

/// What a timed-out `--wait` prints: each service that is not ready, its
/// state, last exit and last log lines.
fn not_ready_report(s: &Status, state: &StateDir, timeout: Duration) -> String {
    let mut out = format!(
        "not every service was ready within {} (the supervisor keeps trying; `bitcraps down` stops it):",
        humantime::format_duration(timeout)
    );
    for svc in s
        .services
        .iter()
        .filter(|x| x.health != control::Health::Ready)
    {
        out.push_str(&format!(
            "\n\n{} ({}): state {:?}, health {:?}{}",
            svc.name,
            svc.address,
            svc.state,
            svc.health,
            svc.last_exit
                .as_ref()
                .map(|e| format!(", last exit: {e}"))
                .unwrap_or_default()
        ));
        out.push_str("\n  last log lines:");
        let lines = logfile::tail(&state.log_file(&svc.name), 10);
        if lines.is_empty() {
            out.push_str(" (none)");
        }
        for l in lines {
            out.push_str(&format!("\n    {}", console::render(&l)));
        }
    }
    out
}

fn new_log_text(path: &Path, offset: u64) -> String {
    let (lines, _) = logfile::read_new(path, offset);
    let text: Vec<String> = lines
        .iter()
        .map(|l| format!("  {}", console::render(l)))
        .collect();
    if text.is_empty() {
        "  (empty)".to_string()
    } else {
        text.join("\n")
    }
}
