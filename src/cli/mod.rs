//! The `bitcraps` command tree (clap derive) and its dispatch. Each command
//! group lives in its own file; this one parses, loads configuration and
//! maps errors to documented exit codes.

pub mod auth_cmd;
pub mod bench;
pub mod certs_cmd;
pub mod config_cmd;
pub mod consensus_cmd;
pub mod demo;
pub mod exit;
pub mod game_cmd;
pub mod gateway_client;
pub mod keys;
pub mod lifecycle;
pub mod logs;
pub mod output;
pub mod ps;
pub mod sandbox_cmd;
pub mod serve;
pub mod up;
pub mod wallet_cmd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, Layered, Layers};
use exit::Code;
use output::{ColorChoice, OutputFormat};

#[derive(Debug, Parser)]
#[command(
    name = "bitcraps",
    version,
    about = "Run, supervise and query a BitCraps casino backend: API gateway, game engine and BFT validators",
    after_help = exit::EXIT_CODES_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: ./bitcraps.toml when present).
    #[arg(
        short = 'c',
        long,
        global = true,
        env = "BITCRAPS_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// Override one configuration key, e.g. --set gateway.request_timeout=5s.
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// State dir: pids, logs, data, keys, secrets and the control socket.
    #[arg(
        long,
        global = true,
        env = "BITCRAPS_STATE_DIR",
        default_value = ".bitcraps",
        value_name = "DIR"
    )]
    pub state_dir: PathBuf,

    /// Output format of queries.
    #[arg(short = 'o', long, global = true, env = "BITCRAPS_OUTPUT", value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Color: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print only what scripts need (errors still go to stderr).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start every service in dependency order and supervise it.
    Up(up::UpArgs),
    /// Stop every service (SIGTERM, then SIGKILL after --timeout).
    Down(lifecycle::DownArgs),
    /// List the supervised services: pid, state, health, uptime, restarts.
    Ps,
    /// Show service logs.
    Logs(logs::LogsArgs),
    /// Stop and start services, waiting until they are ready again.
    Restart(lifecycle::RestartArgs),
    /// Stop services and keep them stopped (the supervisor and the other
    /// services go on) until `start` or `restart`.
    Stop(lifecycle::RestartArgs),
    /// Start services that are stopped or failed, waiting until they are
    /// ready (running ones are left alone).
    Start(lifecycle::RestartArgs),
    /// Show, check or print the configuration.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Mint credentials.
    #[command(subcommand)]
    Auth(auth_cmd::AuthCommand),
    /// The services' TLS certificates.
    #[command(subcommand)]
    Certs(certs_cmd::CertsCommand),
    /// What each service can open once it has confined itself (Landlock),
    /// and a probe that asks the kernel.
    #[command(subcommand)]
    Sandbox(sandbox_cmd::SandboxCommand),
    /// Create, play, watch and verify games through the gateway.
    #[command(subcommand)]
    Game(game_cmd::GameCommand),
    /// Propose, inspect and verify consensus through the gateway.
    #[command(subcommand)]
    Consensus(consensus_cmd::ConsensusCommand),
    /// Deposit, withdraw, move and audit chips in the wallet through the
    /// gateway.
    #[command(subcommand, after_help = wallet_cmd::EXIT_CODES_HELP)]
    Wallet(wallet_cmd::WalletCommand),
    /// Validator keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Measure a running system.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Run one service in the foreground (what the supervisor spawns).
    Serve(serve::ServeArgs),
    /// Live dashboard: services, games, validators, gateway, metrics.
    Tui(crate::tui::TuiArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a
    /// directory (`man/` holds them generated; a test keeps them current).
    Manpage {
        #[arg(long, value_name = "DIR")]
        out_dir: Option<std::path::PathBuf>,
    },
}

/// Entry point of the `bitcraps` binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => Code::Usage as u8,
            });
        }
    };
    finish(run(cli))
}

/// Maps a command's result to an exit code, printing the error chain.
pub fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if exit::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let code = exit::code_of(&e);
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            eprintln!("{msg}");
            ExitCode::from(code as u8)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let g = &cli.global;
    match &cli.command {
        Command::Up(args) => up::run(g, args),
        Command::Down(args) => lifecycle::down(g, args),
        Command::Ps => ps::run(g),
        Command::Logs(args) => logs::run(g, args),
        Command::Restart(args) => lifecycle::restart(g, args),
        Command::Stop(args) => lifecycle::stop(g, args),
        Command::Start(args) => lifecycle::start(g, args),
        Command::Config(cmd) => config_cmd::run(g, cmd),
        Command::Auth(cmd) => auth_cmd::run(g, cmd),
        Command::Certs(cmd) => certs_cmd::run(g, cmd),
        Command::Sandbox(cmd) => sandbox_cmd::run(g, cmd),
        Command::Bench(cmd) => bench::run(g, cmd),
        Command::Keys(cmd) => keys::run(g, cmd),
        Command::Consensus(cmd) => consensus_cmd::run(g, cmd),
        Command::Game(cmd) => game_cmd::run(g, cmd),
        Command::Wallet(cmd) => wallet_cmd::run(g, cmd),
        Command::Serve(args) => serve::run(g, args),
        Command::Tui(args) => crate::tui::run(g, args),
        Command::Manpage { out_dir } => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match out_dir {
                None => {
                    let mut out = Vec::new();
                    clap_mangen::Man::new(cmd).render(&mut out)?;
                    output::print(&String::from_utf8_lossy(&out))
                }
                Some(dir) => {
                    std::fs::create_dir_all(dir)?;
                    write_man_pages(cmd, "bitcraps", dir)
                }
            }
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                *shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "bitcraps",
                &mut out,
            );
            output::print(&String::from_utf8_lossy(&out))
        }
    }
}

/// The loaded configuration and where its file came from.
pub struct Loaded {
    pub layered: Layered,
    pub config: Config,
    /// The configuration file, resolved (absolute, symlinks followed).
    pub file: Option<PathBuf>,
    /// The configuration file as given (a Kubernetes ConfigMap's path is a
    /// symlink whose target directory changes on every update).
    pub file_given: Option<PathBuf>,
}

/// Loads defaults < file < environment < `--set` and `extra` flags.
/// `extra` is `(key, value, flag)` for commands with their own flags.
pub fn load_config(g: &GlobalArgs, extra: &[(String, String, String)]) -> anyhow::Result<Loaded> {
    let loaded = load_config_only(g, extra)?;
    // Direct calls to the services (health checks, bench, TUI) present the
    // state dir's `cli` identity when there is one.
    crate::tls::install(crate::tls::Transport::for_cli(
        &loaded.config,
        &g.state_dir,
    )?);
    Ok(loaded)
}

/// [`load_config`] without installing the CLI's TLS identity: what a
/// service loads (`serve`, and the gateway's reloads). A service presents
/// its own identity and must never hold the `cli` key, which its sandbox
/// would not let it re-read anyway.
pub fn load_config_only(
    g: &GlobalArgs,
    extra: &[(String, String, String)],
) -> anyhow::Result<Loaded> {
    let file = match &g.config {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("bitcraps.toml")).filter(|p| p.exists()),
    };
    let text = match &file {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read config file {}", p.display()))?,
        ),
        None => None,
    };
    let mut flags = Vec::new();
    for s in &g.set {
        let (k, v) = s.split_once('=').ok_or_else(|| {
            exit::fail(
                Code::Usage,
                format!("--set {s:?}: expected KEY=VALUE, e.g. --set consensus.algorithm=pbft"),
            )
        })?;
        flags.push((
            k.trim().to_string(),
            v.to_string(),
            format!("--set {}", k.trim()),
        ));
    }
    flags.extend(extra.iter().cloned());
    let env = |k: &str| std::env::var(k).ok();
    let file_ref: Option<(&Path, &str)> = match (&file, &text) {
        (Some(p), Some(t)) => Some((p.as_path(), t.as_str())),
        _ => None,
    };
    let layered = Layered::load(&Layers {
        file: file_ref,
        env: &env,
        flags: &flags,
    })?;
    let config = layered.resolve()?;
    let file_given = file.clone();
    let file = file.map(|p| p.canonicalize().unwrap_or(p));
    Ok(Loaded {
        layered,
        config,
        file,
        file_given,
    })
}

/// `bitcraps.1`, `bitcraps-game.1`, `bitcraps-game-create.1`, …
fn write_man_pages(cmd: clap::Command, name: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let cmd = cmd
        .display_name(name.to_string())
        .bin_name(name.replace('-', " "));
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .title(name.to_string())
        .render(&mut out)?;
    std::fs::write(dir.join(format!("{name}.1")), out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_man_pages(sub.clone(), &format!("{name}-{}", sub.get_name()), dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
