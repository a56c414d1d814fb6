//! The supervisor proper: one task per service that spawns it, probes its
//! readiness, restarts it with backoff when it crashes and stops it on
//! request; an orchestrator that starts the stages in order; and the control
//! socket server.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, mpsc, oneshot};

use super::backoff::{BackoffPolicy, Decision, RestartTracker};
use super::console::{self, Console, ConsoleQueue};
use super::control::{
    self, ConfigOrigin, EXITS_KEPT, Envelope, ErrorKind, Exit, Health, Phase, ProcState, Reply,
    Request, ServiceStatus, Status,
};
use super::logfile::{self, RotatingFile};
use super::plan::{self, ServiceSpec};
use super::process;
use super::state_dir::{StateDir, SupervisorLock};

/// How often a starting service's readiness is probed, and a running one's.
const PROBE_STARTING: Duration = Duration::from_millis(20);
const PROBE_RUNNING: Duration = Duration::from_secs(1);

/// Everything the supervisor needs to run.
pub struct SupervisorOptions {
    pub state: StateDir,
    pub specs: Vec<ServiceSpec>,
    /// The binary to spawn as `serve …` (normally this one).
    pub exe: PathBuf,
    /// Environment set on every child (flags and the config file path).
    pub child_env: Vec<(String, String)>,
    pub policy: BackoffPolicy,
    pub ready_timeout: Duration,
    /// Grace period of a stop on Ctrl-C / SIGTERM.
    pub stop_timeout: Duration,
    /// Echo prefixed, rendered log lines to stdout (foreground `up`).
    pub console: Option<Console>,
    /// The gateway's client-facing port serves TLS (`gateway.tls.*`).
    pub gateway_https: bool,
    /// Where the services' configuration came from (reported by `Status`).
    pub config: ConfigOrigin,
}

enum Command {
    Start,
    Stop {
        grace: Duration,
        reply: oneshot::Sender<()>,
    },
    Restart {
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// Start if stopped, failed or waiting to restart; answer once ready.
    /// Decided inside the service's loop, so two at once cannot bounce a
    /// service the first one started.
    StartIfIdle {
        reply: oneshot::Sender<Result<(), String>>,
    },
}

#[derive(Debug, Clone)]
struct Slot {
    pid: Option<u32>,
    state: ProcState,
    health: Health,
    started_at: Option<Instant>,
    restarts: u32,
    last_exit: Option<String>,
    exits: VecDeque<Exit>,
    next_start_at: Option<Instant>,
}

impl Slot {
    /// Records the end of the process that started at `started_at`.
    fn ended(&mut self, why: &str, requested: bool) {
        let ran = self
            .started_at
            .filter(|_| self.pid.is_some())
            .map_or(0.0, |t| t.elapsed().as_secs_f64());
        self.pid = None;
        self.health = Health::Down;
        self.last_exit = Some(why.to_string());
        if self.exits.len() == EXITS_KEPT {
            self.exits.pop_front();
        }
        self.exits.push_back(Exit {
            at_ms: crate::clock::unix_ms(),
            why: why.to_string(),
            ran_seconds: ran,
            requested,
        });
    }
}

/// Where one stream of log lines goes: a capped file, and the console in
/// the foreground. Writing never blocks on the terminal and never panics.
struct LogSink {
    name: String,
    file: Mutex<RotatingFile>,
    console: Option<ConsoleQueue>,
}

impl LogSink {
    fn write(&self, line: &str) {
        if let Ok(mut f) = self.file.lock() {
            let _ = f.write_line(line);
        }
        if let Some(c) = &self.console {
            c.line(&self.name, line);
        }
    }
}

struct Ctx {
    opts: SupervisorOptions,
    started: Instant,
    phase: Mutex<Phase>,
    slots: Vec<Mutex<Slot>>,
    commands: Vec<mpsc::Sender<Command>>,
    sinks: Vec<Arc<LogSink>>,
    log: LogSink,
    shutdown: Notify,
    shutdown_grace: Mutex<Option<Duration>>,
    http: reqwest::Client,
    /// What an acting control request must present (`run/control.token`).
    control_token: String,
}

impl Ctx {
    fn say(&self, level: &str, message: &str, fields: &[(&str, String)]) {
        self.log.write(&console::json_line(level, message, fields));
    }

    fn update(&self, idx: usize, f: impl FnOnce(&mut Slot)) {
        if let Some(m) = self.slots.get(idx) {
            match m.lock() {
                Ok(mut s) => f(&mut s),
                Err(p) => f(&mut p.into_inner()),
            }
        }
    }

    fn slot(&self, idx: usize) -> Option<Slot> {
        self.slots.get(idx).map(|m| match m.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        })
    }

    fn phase(&self) -> Phase {
        match self.phase.lock() {
            Ok(p) => *p,
            Err(p) => *p.into_inner(),
        }
    }

    fn set_phase(&self, phase: Phase) {
        match self.phase.lock() {
            Ok(mut p) => *p = phase,
            Err(p) => *p.into_inner() = phase,
        }
    }

    fn status_of(&self, idx: usize) -> Option<ServiceStatus> {
        let spec = self.opts.specs.get(idx)?;
        let s = self.slot(idx)?;
        let now = Instant::now();
        Some(ServiceStatus {
            name: spec.name.clone(),
            kind: spec.kind,
            address: spec.addr.to_string(),
            pid: s.pid,
            state: s.state,
            health: s.health,
            uptime_seconds: s
                .started_at
                .filter(|_| s.pid.is_some())
                .map(|t| now.duration_since(t).as_secs_f64()),
            restarts: s.restarts,
            last_exit: s.last_exit,
            exits: s.exits.into_iter().collect(),
            next_start_in_ms: s
                .next_start_at
                .filter(|_| s.state == ProcState::Backoff)
                .map(|t| t.saturating_duration_since(now).as_millis() as u64),
        })
    }

    fn status(&self) -> Status {
        Status {
            supervisor_pid: std::process::id(),
            state_dir: self.opts.state.root().display().to_string(),
            phase: self.phase(),
            uptime_seconds: self.started.elapsed().as_secs_f64(),
            services: (0..self.opts.specs.len())
                .filter_map(|i| self.status_of(i))
                .collect(),
            config: self.opts.config.clone(),
        }
    }

    /// Probes `/health/ready` and checks the answer comes from our child
    /// (`pid`), not from another process that holds the port.
    async fn probe(&self, idx: usize, pid: u32) -> Health {
        let Some(spec) = self.opts.specs.get(idx) else {
            return Health::Down;
        };
        // Services speak this process's transport; the gateway's port is
        // plain HTTP unless it was given a certificate.
        let base = if spec.kind == super::plan::ServiceKind::Gateway && !self.opts.gateway_https {
            format!("http://{}", spec.addr)
        } else {
            crate::tls::transport().base(spec.addr)
        };
        let url = format!("{base}/health/ready");
        let Ok(resp) = self.http.get(&url).send().await else {
            return Health::Down;
        };
        let ok = resp.status().is_success();
        match resp.json::<crate::services::common::ReadyReport>().await {
            Ok(report) if report.pid != pid => Health::Down,
            Ok(_) if ok => Health::Ready,
            Ok(_) => Health::Unready,
            Err(_) => Health::Down,
        }
    }
}

enum Next {
    Park,
    Spawn,
    Backoff(Duration),
}

/// Runs the supervisor until Ctrl-C, SIGTERM, SIGHUP or a `down`.
pub async fn run(opts: SupervisorOptions, _lock: SupervisorLock) -> anyhow::Result<()> {
    let state = opts.state.clone();
    let socket_path = state.socket_path();
    let _ = std::fs::remove_file(&socket_path);
    let listener = UnixListener::bind(&socket_path)
        .with_context(|| format!("cannot create control socket {}", socket_path.display()))?;
    std::fs::write(state.supervisor_pid_file(), std::process::id().to_string())
        .context("cannot write supervisor pid file")?;
    let control_token = {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        hex::encode(bytes)
    };
    crate::auth::keys::write_atomic(&state.control_token_file(), control_token.as_bytes(), 0o600)
        .context("cannot write the control token")?;

    let console = opts.console.clone().map(ConsoleQueue::spawn);
    let mut receivers = Vec::new();
    let mut commands = Vec::new();
    let mut sinks = Vec::new();
    let mut slots = Vec::new();
    for spec in &opts.specs {
        let (tx, rx) = mpsc::channel(16);
        commands.push(tx);
        receivers.push(rx);
        let file = RotatingFile::open(&state.log_file(&spec.name), logfile::DEFAULT_MAX_BYTES)
            .with_context(|| format!("cannot open log of {}", spec.name))?;
        sinks.push(Arc::new(LogSink {
            name: spec.name.clone(),
            file: Mutex::new(file),
            console: console.clone(),
        }));
        slots.push(Mutex::new(Slot {
            pid: None,
            state: ProcState::Pending,
            health: Health::Down,
            started_at: None,
            restarts: 0,
            last_exit: None,
            exits: VecDeque::new(),
            next_start_at: None,
        }));
    }
    // Detached, the supervisor's stdout and stderr also append to this file
    // (so a crash message lands next to the log); after a rotation they keep
    // writing to the rotated copy, which is fine for such rare lines.
    let log = LogSink {
        name: "supervisor".to_string(),
        file: Mutex::new(
            RotatingFile::open(&state.log_file("supervisor"), logfile::DEFAULT_MAX_BYTES)
                .context("cannot open supervisor log")?,
        ),
        console: console.clone(),
    };
    let ctx = Arc::new(Ctx {
        started: Instant::now(),
        phase: Mutex::new(Phase::Starting),
        slots,
        commands,
        sinks,
        log,
        shutdown: Notify::new(),
        shutdown_grace: Mutex::new(None),
        http: crate::tls::transport()
            .reqwest(
                crate::tls::Expect::AnyService,
                reqwest::Client::builder()
                    .timeout(Duration::from_secs(1))
                    .pool_max_idle_per_host(1),
            )
            .build()
            .context("cannot build HTTP client")?,
        control_token,
        opts,
    });
    ctx.say(
        "INFO",
        "supervisor started",
        &[
            ("pid", std::process::id().to_string()),
            ("state_dir", state.root().display().to_string()),
        ],
    );

    for (idx, rx) in receivers.into_iter().enumerate() {
        tokio::spawn(service_loop(ctx.clone(), idx, rx));
    }
    tokio::spawn(control_server(ctx.clone(), listener));

    let signals = wait_for_signal();
    tokio::pin!(signals);
    let startup = start_in_order(ctx.clone());
    tokio::pin!(startup);
    let reason = tokio::select! {
        () = &mut startup => {
            tokio::select! {
                s = &mut signals => s,
                () = ctx.shutdown.notified() => "down".to_string(),
            }
        }
        s = &mut signals => s,
        () = ctx.shutdown.notified() => "down".to_string(),
    };
    let grace = ctx
        .shutdown_grace
        .lock()
        .ok()
        .and_then(|g| *g)
        .unwrap_or(ctx.opts.stop_timeout);
    ctx.set_phase(Phase::Stopping);
    // A second Ctrl-C / SIGTERM while stopping: kill everything now.
    let killer = ctx.clone();
    tokio::spawn(async move {
        let again = wait_for_signal().await;
        killer.say(
            "WARN",
            "second signal: killing every service now",
            &[("signal", again)],
        );
        for i in 0..killer.opts.specs.len() {
            if let Some(pid) = killer.slot(i).and_then(|s| s.pid) {
                process::signal_group(pid, nix::sys::signal::Signal::SIGKILL);
            }
        }
    });
    ctx.say(
        "INFO",
        "stopping all services",
        &[
            ("reason", reason),
            ("grace", humantime::format_duration(grace).to_string()),
        ],
    );
    stop_all(&ctx, grace).await;
    ctx.say("INFO", "supervisor stopped", &[]);
    let _ = std::fs::remove_file(&socket_path);
    let _ = std::fs::remove_file(state.supervisor_pid_file());
    // Let the console print what is queued; bounded, so a stuck terminal
    // cannot keep the supervisor alive.
    if let Some(q) = &console {
        q.flush(Duration::from_secs(1));
    }
    Ok(())
}

async fn wait_for_signal() -> String {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        std::future::pending::<()>().await;
        return String::new();
    };
    tokio::select! {
        _ = int.recv() => "SIGINT".to_string(),
        _ = term.recv() => "SIGTERM".to_string(),
        _ = hup.recv() => "SIGHUP".to_string(),
    }
}

/// Starts each stage (validators, wallet, engines, gateway) once the one
/// before is ready. A stage that is slow is reported, not abandoned: crashed services
/// are being restarted and may still come up.
async fn start_in_order(ctx: Arc<Ctx>) {
    let begun = Instant::now();
    for stage in plan::ServiceKind::stages(&ctx.opts.specs) {
        let members: Vec<usize> = (0..ctx.opts.specs.len())
            .filter(|i| ctx.opts.specs[*i].kind.stage() == stage)
            .collect();
        for i in &members {
            let _ = ctx.commands[*i].send(Command::Start).await;
        }
        let stage_begun = Instant::now();
        let mut warned = false;
        loop {
            let waiting: Vec<usize> = members
                .iter()
                .copied()
                .filter(|i| ctx.slot(*i).is_some_and(|s| s.health != Health::Ready))
                .collect();
            if waiting.is_empty() {
                break;
            }
            if !warned && stage_begun.elapsed() > ctx.opts.ready_timeout {
                warned = true;
                let names: Vec<&str> = waiting
                    .iter()
                    .map(|i| ctx.opts.specs[*i].name.as_str())
                    .collect();
                ctx.say(
                    "WARN",
                    "services not ready in time; still waiting",
                    &[
                        ("services", names.join(",")),
                        (
                            "timeout",
                            humantime::format_duration(ctx.opts.ready_timeout).to_string(),
                        ),
                    ],
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    ctx.set_phase(Phase::Running);
    ctx.say(
        "INFO",
        "all services ready",
        &[(
            "elapsed_ms",
            format!("{:.1}", begun.elapsed().as_secs_f64() * 1000.0),
        )],
    );
    // In the foreground, one screen of where things are and how to stop.
    if let Some(c) = &ctx.log.console {
        let services: Vec<(&str, std::net::SocketAddr)> = ctx
            .opts
            .specs
            .iter()
            .map(|s| (s.name.as_str(), s.addr))
            .collect();
        let state = &ctx.opts.state;
        let default = std::env::current_dir()
            .map(|d| d.join(".bitcraps"))
            .ok()
            .and_then(|d| d.canonicalize().ok());
        let state_flag = match (default, state.root().canonicalize().ok()) {
            (Some(d), Some(r)) if d == r => String::new(),
            _ => format!("--state-dir {}", state.root().display()),
        };
        for line in console::ready_summary(
            &services,
            begun.elapsed().as_millis(),
            &state_flag,
            &state.log_dir(),
        ) {
            c.line("supervisor", &line);
        }
    }
}

/// Stops the stages in reverse order, each stage's members in parallel.
async fn stop_all(ctx: &Arc<Ctx>, grace: Duration) {
    for stage in plan::ServiceKind::stages(&ctx.opts.specs).into_iter().rev() {
        let mut waits = Vec::new();
        for (i, spec) in ctx.opts.specs.iter().enumerate() {
            if spec.kind.stage() != stage {
                continue;
            }
            let (tx, rx) = oneshot::channel();
            if ctx.commands[i]
                .send(Command::Stop { grace, reply: tx })
                .await
                .is_ok()
            {
                waits.push(rx);
            }
        }
        for w in waits {
            let _ = w.await;
        }
    }
}

async fn service_loop(ctx: Arc<Ctx>, idx: usize, mut rx: mpsc::Receiver<Command>) {
    let mut tracker = RestartTracker::default();
    let mut waiters: Vec<(oneshot::Sender<Result<(), String>>, Instant)> = Vec::new();
    let mut next = Next::Park;
    loop {
        next = match next {
            Next::Park => match rx.recv().await {
                None => return,
                Some(Command::Start) => Next::Spawn,
                Some(Command::Stop { reply, .. }) => {
                    ctx.update(idx, |s| {
                        if s.state != ProcState::Failed {
                            s.state = ProcState::Stopped;
                        }
                    });
                    let _ = reply.send(());
                    Next::Park
                }
                Some(Command::Restart { reply }) => {
                    tracker.reset();
                    ctx.update(idx, |s| s.restarts += 1);
                    waiters.push((reply, Instant::now()));
                    Next::Spawn
                }
                Some(Command::StartIfIdle { reply }) => {
                    tracker.reset();
                    waiters.push((reply, Instant::now()));
                    Next::Spawn
                }
            },
            Next::Spawn => run_once(&ctx, idx, &mut rx, &mut tracker, &mut waiters).await,
            Next::Backoff(delay) => {
                ctx.update(idx, |s| {
                    s.state = ProcState::Backoff;
                    s.next_start_at = Some(Instant::now() + delay);
                });
                tokio::select! {
                    () = tokio::time::sleep(delay) => {
                        ctx.update(idx, |s| s.restarts += 1);
                        Next::Spawn
                    }
                    cmd = rx.recv() => match cmd {
                        None => return,
                        Some(Command::Start) => Next::Backoff(Duration::ZERO),
                        Some(Command::Stop { reply, .. }) => {
                            ctx.update(idx, |s| s.state = ProcState::Stopped);
                            let _ = reply.send(());
                            Next::Park
                        }
                        Some(Command::Restart { reply }) => {
                            tracker.reset();
                            ctx.update(idx, |s| s.restarts += 1);
                            waiters.push((reply, Instant::now()));
                            Next::Spawn
                        }
                        Some(Command::StartIfIdle { reply }) => {
                            tracker.reset();
                            waiters.push((reply, Instant::now()));
                            Next::Spawn
                        }
                    }
                }
            }
        }
    }
}

/// Runs one life of a service process; returns what to do next.
async fn run_once(
    ctx: &Arc<Ctx>,
    idx: usize,
    rx: &mut mpsc::Receiver<Command>,
    tracker: &mut RestartTracker,
    waiters: &mut Vec<(oneshot::Sender<Result<(), String>>, Instant)>,
) -> Next {
    let spec = &ctx.opts.specs[idx];
    let state = &ctx.opts.state;
    let started = Instant::now();
    let mut child = match process::spawn(&ctx.opts.exe, spec, state, &ctx.opts.child_env) {
        Ok(c) => c,
        Err(e) => {
            let why = format!("cannot spawn {}: {e}", ctx.opts.exe.display());
            ctx.say("ERROR", &why, &[("service", spec.name.clone())]);
            ctx.update(idx, |s| s.ended(&why, false));
            return after_crash(ctx, idx, tracker, waiters, Duration::ZERO);
        }
    };
    let pid = child.id();
    if let Some(pid) = pid {
        let _ = std::fs::write(state.pid_file(&spec.name), pid.to_string());
    }
    ctx.update(idx, |s| {
        s.pid = pid;
        s.state = ProcState::Starting;
        s.health = Health::Down;
        s.started_at = Some(started);
        s.next_start_at = None;
    });
    ctx.say(
        "INFO",
        "service started",
        &[
            ("service", spec.name.clone()),
            ("pid", pid.map(|p| p.to_string()).unwrap_or_default()),
            ("addr", spec.addr.to_string()),
        ],
    );
    pump(ctx.sinks[idx].clone(), child.stdout.take());
    pump(ctx.sinks[idx].clone(), child.stderr.take());

    // The next readiness probe runs as its own future, so an exit or a
    // command is handled at once even while a probe waits for an answer.
    let probe_after = |delay: Duration| {
        let ctx = ctx.clone();
        let pid = pid.unwrap_or(0);
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            ctx.probe(idx, pid).await
        })
    };
    let mut next_probe = probe_after(PROBE_STARTING);
    loop {
        tokio::select! {
            status = child.wait() => {
                let why = match status {
                    Ok(s) => process::describe_exit(&s),
                    Err(e) => format!("wait failed: {e}"),
                };
                let _ = std::fs::remove_file(state.pid_file(&spec.name));
                ctx.update(idx, |s| s.ended(&why, false));
                ctx.say("WARN", "service exited unexpectedly", &[
                    ("service", spec.name.clone()),
                    ("exit", why),
                    ("ran_ms", started.elapsed().as_millis().to_string()),
                ]);
                return after_crash(ctx, idx, tracker, waiters, started.elapsed());
            }
            cmd = rx.recv() => {
                match cmd {
                    None | Some(Command::Start) => {}
                    Some(Command::Stop { grace, reply }) => {
                        stop_child(ctx, idx, &mut child, grace).await;
                        ctx.update(idx, |s| s.state = ProcState::Stopped);
                        for (w, _) in waiters.drain(..) {
                            let _ = w.send(Err("stopped".to_string()));
                        }
                        let _ = reply.send(());
                        return Next::Park;
                    }
                    Some(Command::StartIfIdle { reply }) => {
                        // Running: answer now if ready, else when it is.
                        if ctx.slot(idx).is_some_and(|s| s.health == Health::Ready) {
                            let _ = reply.send(Ok(()));
                        } else {
                            waiters.push((reply, Instant::now()));
                        }
                    }
                    Some(Command::Restart { reply }) => {
                        stop_child(ctx, idx, &mut child, ctx.opts.stop_timeout).await;
                        tracker.reset();
                        ctx.update(idx, |s| s.restarts += 1);
                        waiters.push((reply, Instant::now()));
                        return Next::Spawn;
                    }
                }
            }
            health = &mut next_probe => {
                let mut became_ready = false;
                ctx.update(idx, |s| {
                    s.health = health;
                    if health == Health::Ready && s.state == ProcState::Starting {
                        s.state = ProcState::Running;
                        became_ready = true;
                    }
                });
                if became_ready {
                    ctx.say("INFO", "service ready", &[
                        ("service", spec.name.clone()),
                        ("after_ms", started.elapsed().as_millis().to_string()),
                    ]);
                }
                if health == Health::Ready {
                    for (w, _) in waiters.drain(..) {
                        let _ = w.send(Ok(()));
                    }
                } else {
                    expire_waiters(ctx, idx, waiters);
                }
                let running = ctx.slot(idx).is_some_and(|s| s.state == ProcState::Running);
                next_probe = probe_after(if running { PROBE_RUNNING } else { PROBE_STARTING });
            }
        }
    }
}

fn expire_waiters(
    ctx: &Ctx,
    idx: usize,
    waiters: &mut Vec<(oneshot::Sender<Result<(), String>>, Instant)>,
) {
    let timeout = ctx.opts.ready_timeout;
    let (expired, kept): (Vec<_>, Vec<_>) = waiters
        .drain(..)
        .partition(|(_, since)| since.elapsed() > timeout);
    *waiters = kept;
    for (w, _) in expired {
        let name = &ctx.opts.specs[idx].name;
        let _ = w.send(Err(format!(
            "{name} not ready within {}",
            humantime::format_duration(timeout)
        )));
    }
}

fn after_crash(
    ctx: &Ctx,
    idx: usize,
    tracker: &mut RestartTracker,
    waiters: &mut Vec<(oneshot::Sender<Result<(), String>>, Instant)>,
    ran_for: Duration,
) -> Next {
    let name = ctx.opts.specs[idx].name.clone();
    match tracker.on_exit(ran_for, &ctx.opts.policy) {
        Decision::RestartAfter(delay) => {
            ctx.say(
                "INFO",
                "restarting after backoff",
                &[
                    ("service", name),
                    ("delay", humantime::format_duration(delay).to_string()),
                    ("crashes_in_a_row", tracker.crashes_in_a_row.to_string()),
                ],
            );
            expire_waiters(ctx, idx, waiters);
            Next::Backoff(delay)
        }
        Decision::GiveUp => {
            ctx.update(idx, |s| s.state = ProcState::Failed);
            ctx.say(
                "ERROR",
                "service keeps crashing; giving up (bitcraps restart starts it again)",
                &[
                    ("service", name.clone()),
                    ("crashes_in_a_row", tracker.crashes_in_a_row.to_string()),
                ],
            );
            for (w, _) in waiters.drain(..) {
                let _ = w.send(Err(format!("{name} keeps crashing")));
            }
            Next::Park
        }
    }
}

async fn stop_child(ctx: &Ctx, idx: usize, child: &mut tokio::process::Child, grace: Duration) {
    let spec = &ctx.opts.specs[idx];
    ctx.update(idx, |s| s.state = ProcState::Stopping);
    let began = Instant::now();
    let result = process::stop(child, grace).await;
    let why = match &result {
        Ok(s) => process::describe_exit(s),
        Err(e) => format!("wait failed: {e}"),
    };
    let _ = std::fs::remove_file(ctx.opts.state.pid_file(&spec.name));
    ctx.update(idx, |s| s.ended(&why, true));
    ctx.say(
        "INFO",
        "service stopped",
        &[
            ("service", spec.name.clone()),
            ("exit", why),
            ("took_ms", began.elapsed().as_millis().to_string()),
        ],
    );
}

/// Copies a child's output, line by line, into its sink.
fn pump<R>(sink: Arc<LogSink>, stream: Option<R>)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    let Some(stream) = stream else { return };
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            sink.write(&line);
        }
    });
}

/// Connections the control socket serves at once; more wait in the
/// listen backlog (a flood from a taken-over service cannot exhaust the
/// supervisor).
const CONTROL_CONNECTIONS: usize = 32;
/// The longest request line, and how long a client may take to send it.
const CONTROL_LINE_BYTES: u64 = 64 * 1024;
const CONTROL_READ_TIMEOUT: Duration = Duration::from_secs(5);

async fn control_server(ctx: Arc<Ctx>, listener: UnixListener) {
    let slots = Arc::new(tokio::sync::Semaphore::new(CONTROL_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((stream, _)) => {
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    handle_connection(ctx, stream).await;
                    drop(permit);
                });
            }
            Err(e) => {
                ctx.say(
                    "ERROR",
                    "control socket accept failed",
                    &[("error", e.to_string())],
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn handle_connection(ctx: Arc<Ctx>, stream: UnixStream) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(read);
    let mut limited = (&mut reader).take(CONTROL_LINE_BYTES);
    match tokio::time::timeout(CONTROL_READ_TIMEOUT, limited.read_line(&mut line)).await {
        Ok(Ok(_)) if line.ends_with('\n') => {}
        // Too long, too slow, or closed before a whole line: no answer.
        _ => return,
    }
    let reply = match serde_json::from_str::<Envelope>(&line) {
        Ok(env)
            if env.request.acts()
                && !control::token_matches(&ctx.control_token, env.token.as_deref()) =>
        {
            let peer = reader
                .get_ref()
                .as_ref()
                .peer_cred()
                .ok()
                .and_then(|c| c.pid())
                .map_or_else(|| "unknown".to_string(), |p| p.to_string());
            ctx.say(
                "WARN",
                "control request without the control token refused",
                &[
                    ("peer_pid", peer),
                    ("request", format!("{:?}", env.request)),
                ],
            );
            Reply::Error {
                kind: ErrorKind::Forbidden,
                message: "this request needs the supervisor's control token \
                          (run/control.token in the state dir)"
                    .to_string(),
            }
        }
        Ok(env) => handle_request(&ctx, env.request).await,
        Err(e) => Reply::Error {
            kind: ErrorKind::Failed,
            message: format!("malformed request: {e}"),
        },
    };
    if let Ok(mut text) = serde_json::to_string(&reply) {
        text.push('\n');
        let _ = write.write_all(text.as_bytes()).await;
    }
}

async fn handle_request(ctx: &Arc<Ctx>, req: Request) -> Reply {
    match req {
        Request::Status => Reply::Status(ctx.status()),
        Request::Shutdown { timeout_ms } => {
            if let Ok(mut g) = ctx.shutdown_grace.lock() {
                *g = Some(Duration::from_millis(timeout_ms));
            }
            ctx.shutdown.notify_one();
            Reply::ShuttingDown {
                pid: std::process::id(),
            }
        }
        Request::Restart { service } => {
            let chosen = match chosen_services(ctx, &service) {
                Ok(c) => c,
                Err(reply) => return reply,
            };
            match until_ready(ctx, &chosen, |reply| Command::Restart { reply }).await {
                Ok(services) => Reply::Restarted { services },
                Err(reply) => reply,
            }
        }
        Request::Stop { service } => {
            let chosen = match chosen_services(ctx, &service).and_then(|c| running(ctx, c)) {
                Ok(c) => c,
                Err(reply) => return reply,
            };
            let mut waits = Vec::new();
            for i in &chosen {
                let (tx, rx) = oneshot::channel();
                let stop = Command::Stop {
                    grace: ctx.opts.stop_timeout,
                    reply: tx,
                };
                if ctx.commands[*i].send(stop).await.is_ok() {
                    waits.push(rx);
                }
            }
            for rx in waits {
                let _ = rx.await;
            }
            for i in &chosen {
                ctx.say(
                    "INFO",
                    "service stopped on request; it stays stopped until started",
                    &[("service", ctx.opts.specs[*i].name.clone())],
                );
            }
            Reply::Stopped {
                services: chosen.iter().filter_map(|i| ctx.status_of(*i)).collect(),
            }
        }
        Request::Start { service } => {
            let chosen = match chosen_services(ctx, &service).and_then(|c| running(ctx, c)) {
                Ok(c) => c,
                Err(reply) => return reply,
            };
            // Only what is not running: a start never bounces a live
            // service (the service's own loop decides, see StartIfIdle).
            match until_ready(ctx, &chosen, |reply| Command::StartIfIdle { reply }).await {
                Ok(services) => Reply::Started { services },
                Err(reply) => reply,
            }
        }
    }
}

/// Sends each chosen service the command `make` builds and waits for every
/// answer (each service answers once it is ready); their statuses, or one
/// error naming every failure.
async fn until_ready(
    ctx: &Arc<Ctx>,
    chosen: &[usize],
    make: impl Fn(oneshot::Sender<Result<(), String>>) -> Command,
) -> Result<Vec<ServiceStatus>, Reply> {
    let mut waits = Vec::new();
    for i in chosen {
        let (tx, rx) = oneshot::channel();
        if ctx.commands[*i].send(make(tx)).await.is_ok() {
            waits.push((*i, rx));
        }
    }
    let mut failures = Vec::new();
    for (i, rx) in waits {
        match rx.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(e),
            Err(_) => failures.push(format!("{} did not answer", ctx.opts.specs[i].name)),
        }
    }
    if failures.is_empty() {
        Ok(chosen.iter().filter_map(|i| ctx.status_of(*i)).collect())
    } else {
        Err(Reply::Error {
            kind: ErrorKind::Failed,
            message: failures.join("; "),
        })
    }
}

/// `chosen`, if every service has been started in order: a stop or start
/// while `up` is still starting them would be undone by (or stall) the
/// ordered start.
fn running(ctx: &Arc<Ctx>, chosen: Vec<usize>) -> Result<Vec<usize>, Reply> {
    if ctx.phase() == Phase::Running {
        Ok(chosen)
    } else {
        Err(Reply::Error {
            kind: ErrorKind::Unavailable,
            message: "the supervisor is still starting the services; try again once they are ready"
                .to_string(),
        })
    }
}

/// The services a name or kind selects (for restart, stop, start), or the
/// reply that says why none can be.
fn chosen_services(ctx: &Arc<Ctx>, service: &str) -> Result<Vec<usize>, Reply> {
    if ctx.phase() == Phase::Stopping {
        return Err(Reply::Error {
            kind: ErrorKind::Unavailable,
            message: "the supervisor is stopping".to_string(),
        });
    }
    let chosen: Vec<usize> = plan::select(&ctx.opts.specs, service)
        .iter()
        .filter_map(|s| ctx.opts.specs.iter().position(|x| x.name == s.name))
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = ctx.opts.specs.iter().map(|s| s.name.as_str()).collect();
        return Err(Reply::Error {
            kind: ErrorKind::NotFound,
            message: format!(
                "no service named {service:?}; services: {}",
                names.join(", ")
            ),
        });
    }
    Ok(chosen)
}
