//! `bitcraps tui`: a live dashboard of a running system.
//!
//! Three rooms, data flowing one way: `data` reads the world on its own
//! thread and sends snapshots; `app` is the pure state (keys, selection,
//! filters, freeze, rates); the panels draw from the state. This file is
//! the thin shell: terminal setup and restore, the event loop.

pub mod actions;
pub mod app;
pub mod command;
pub mod data;
pub mod games;
pub mod gateway;
pub mod hands;
pub mod logview;
pub mod metrics;
pub mod procfs;
pub mod prom;
pub mod report;
pub mod services;
pub mod stats;
pub mod ui;
pub mod validators;
pub mod wallet;

#[cfg(test)]
mod fixtures;

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Duration;

use clap::Args;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::cli::GlobalArgs;
use crate::cli::exit::{Code, fail};
use crate::cli::gateway_client::{Target, admin_token};
use app::{App, Effect, Key};
use data::{Collector, Command, Snapshot, Sources};
use hands::Hands;

/// The shortest refresh interval: each refresh reads every service.
pub const MIN_REFRESH: Duration = Duration::from_millis(250);

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// How often to read every service (at least 250ms).
    #[arg(long, default_value = "1s", value_name = "DURATION", value_parser = parse_refresh)]
    pub refresh: Duration,
    #[command(flatten)]
    pub target: Target,
}

/// `--refresh`: a duration of at least `MIN_REFRESH`.
pub fn parse_refresh(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e}; expected e.g. 500ms, 2s"))?;
    if d < MIN_REFRESH {
        return Err(format!(
            "{s} is too short: at least 250ms (each refresh reads every service)"
        ));
    }
    if d > Duration::from_secs(3600) {
        return Err(format!("{s} is too long: at most 1h"));
    }
    Ok(d)
}

pub fn run(g: &GlobalArgs, args: &TuiArgs) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(fail(
            Code::Usage,
            "bitcraps tui needs an interactive terminal (stdin and stdout must be a TTY); \
             in scripts use `bitcraps ps`, `bitcraps consensus status` or \
             `bitcraps game list` with `--output json`",
        ));
    }
    let sources = sources(g, args)?;
    let role = token_role(&sources.token);
    let hands = Hands::spawn(hands::Reach {
        state_dir: sources.state_dir.clone(),
        config: g.config.clone(),
        sets: g.set.clone(),
        gateway: sources.gateway.clone(),
        token: sources.token.clone(),
    })?;
    let collector = Collector::new(sources)?;
    let (commands, snapshots) = data::spawn(collector, args.refresh);
    let mut app = App::new(args.refresh.as_millis() as u64, data::now_ms());
    app.role = role;
    // Installs a panic hook that restores the terminal before the message.
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // Raw mode may be on even though the alternate screen failed.
            let _ = ratatui::try_restore();
            return Err(anyhow::Error::new(e).context("cannot set up the terminal"));
        }
    };
    // A closed terminal (SIGHUP) or a kill (SIGTERM) ends the dashboard
    // like `q`: without this it would outlive its window, polling a
    // terminal that is gone.
    let gone = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGHUP, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, gone.clone()).map_err(|e| {
            let _ = ratatui::try_restore();
            anyhow::Error::new(e).context("cannot watch for the terminal closing")
        })?;
    }
    let result = event_loop(
        &mut terminal,
        &mut app,
        &commands,
        &snapshots,
        &hands,
        &gone,
    );
    let restored = ratatui::try_restore();
    result?;
    if gone.load(std::sync::atomic::Ordering::Relaxed) {
        // The terminal may be gone: nothing to restore it to.
        return Ok(());
    }
    Ok(restored?)
}

/// What to read: the gateway and token as `bitcraps game` uses them, and the
/// configured services for when no supervisor answers.
pub fn sources(g: &GlobalArgs, args: &TuiArgs) -> anyhow::Result<Sources> {
    let loaded = crate::cli::load_config(g, &[])?;
    let configured = data::configured_endpoints(&loaded.config);
    let gateway = match &args.target.gateway {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => configured
            .iter()
            .find(|e| e.kind == crate::supervisor::plan::ServiceKind::Gateway)
            .map(|e| format!("http://{}", e.addr))
            .unwrap_or_default(),
    };
    let token = match &args.target.token {
        Some(t) => t.clone(),
        None => admin_token(g, &loaded.config, "tui", 12 * 3600)?,
    };
    Ok(Sources {
        state_dir: g.state_dir.clone(),
        gateway,
        token,
        // Short enough that a hung service costs a refresh, not the UI.
        timeout: args
            .refresh
            .clamp(Duration::from_millis(500), Duration::from_secs(2)),
        configured,
    })
}

/// The role a token claims, read without checking its signature: it only
/// decides which keys the dashboard offers (the services check the token
/// itself on every request).
pub fn token_role(token: &str) -> Option<crate::auth::Role> {
    #[derive(serde::Deserialize)]
    struct RoleOnly {
        role: crate::auth::Role,
    }
    jsonwebtoken::dangerous::insecure_decode::<RoleOnly>(token)
        .ok()
        .map(|d| d.claims.role)
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    commands: &mpsc::Sender<Command>,
    snapshots: &mpsc::Receiver<Snapshot>,
    hands: &Hands,
    gone: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<()> {
    loop {
        if gone.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        while let Ok((action, outcome)) = hands.results.try_recv() {
            app.now_ms = data::now_ms();
            app.on_action_result(&action, outcome);
            // What an action changed shows at once, not at the next tick.
            let _ = commands.send(Command::Refresh);
        }
        while let Ok((service, lines)) = hands.lines.try_recv() {
            app.on_log_lines(&service, lines);
        }
        while let Ok((game, events)) = hands.events.try_recv() {
            app.on_game_events(&game, events);
        }
        loop {
            match snapshots.try_recv() {
                Ok(s) => app.on_snapshot(s),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    app.collector_error = Some("the reader stopped; restart bitcraps tui".into());
                    break;
                }
            }
        }
        app.now_ms = data::now_ms();
        if let Err(e) = terminal.draw(|f| ui::draw(f, app)) {
            if gone.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(());
            }
            return Err(e.into());
        }
        // Wake at least every 100 ms to pick up snapshots and age labels.
        if !event::poll(Duration::from_millis(100))? {
            continue;
        }
        let Event::Key(k) = event::read()? else {
            continue;
        };
        if k.kind == KeyEventKind::Release {
            continue;
        }
        let Some(key) = map_key(k.code, k.modifiers) else {
            continue;
        };
        let effect = app.on_key(key);
        let sent = match effect {
            Effect::None => Ok(()),
            Effect::Quit => return Ok(()),
            Effect::Refresh => commands.send(Command::Refresh),
            Effect::Watch(w) => {
                let _ = hands.follow.send(w.clone());
                commands.send(Command::Watch(w))
            }
            Effect::Act(a) => hands
                .actions
                .send(a)
                .map_err(|_| mpsc::SendError(Command::Refresh)),
            Effect::Tail(t) => hands
                .tail
                .send(t)
                .map_err(|_| mpsc::SendError(Command::Refresh)),
        };
        if sent.is_err() {
            app.collector_error = Some("the reader stopped; restart bitcraps tui".into());
        }
    }
}

/// Terminal key to dashboard key.
pub fn map_key(code: KeyCode, mods: KeyModifiers) -> Option<Key> {
    if mods.contains(KeyModifiers::CONTROL) {
        return matches!(code, KeyCode::Char('c') | KeyCode::Char('C')).then_some(Key::Interrupt);
    }
    Some(match code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_has_a_floor_and_a_ceiling() {
        assert_eq!(parse_refresh("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_refresh("2s"), Ok(Duration::from_secs(2)));
        let short = parse_refresh("100ms").unwrap_err();
        assert!(short.contains("at least 250ms"), "{short}");
        assert!(parse_refresh("2h").is_err());
        assert!(parse_refresh("soon").unwrap_err().contains("expected"));
    }

    #[test]
    fn ctrl_c_is_interrupt_and_other_chords_are_ignored() {
        assert_eq!(
            map_key(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Key::Interrupt)
        );
        assert_eq!(map_key(KeyCode::Char('x'), KeyModifiers::CONTROL), None);
        assert_eq!(
            map_key(KeyCode::Char('q'), KeyModifiers::NONE),
            Some(Key::Char('q'))
        );
        assert_eq!(
            map_key(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Key::Char('G'))
        );
        assert_eq!(map_key(KeyCode::F(1), KeyModifiers::NONE), None);
    }
}
