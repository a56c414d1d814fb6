//! Acting on what the dashboard shows (pure): an action is chosen on the
//! selected row, confirmed when it is destructive, run by the event loop on
//! a background thread (the screen never waits for it), and its result —
//! success, the supervisor's or service's own words, or a timeout — is
//! shown in the footer until the next action.

use super::app::{Effect, Key, Tab};
use super::command::{self, Command};
use super::logview::LogView;
use super::report::{Step, Target};
use crate::cli::lifecycle::ServiceAction;

/// Something the user asked the system to do (or to read for them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Restart, stop or start a supervised service.
    Service { action: ServiceAction, name: String },
    /// `bitcraps game verify ID`, shown line by line.
    VerifyGame(String),
    /// A validator's most recent blocks, read from it directly.
    Blocks {
        validator: String,
        addr: std::net::SocketAddr,
        /// Validator names by index, for the proposer column.
        names: Vec<String>,
    },
    /// One block (from a validator directly, or through the gateway), its
    /// certificate's signers, and `bitcraps consensus verify --height H`.
    Block {
        from: Option<(String, std::net::SocketAddr)>,
        height: u64,
        names: Vec<String>,
    },
    /// A CLI command the command line names (`propose`, `deposit`, a
    /// validator set change), run as `bitcraps ARGS -o json`.
    Cli {
        what: String,
        args: Vec<String>,
        /// Asks first: it moves money or changes the validator set.
        confirm: bool,
    },
    /// A service's detail: what the supervisor knows of it, and its own
    /// readiness (`GET /health/ready`: each dependency, up or not).
    ServiceDetail {
        name: String,
        /// Where to ask it (`None`: the gateway's client URL).
        addr: Option<std::net::SocketAddr>,
    },
    /// Drains an upstream instance at the gateway (`drain: false` undrains).
    Drain {
        service: String,
        addr: String,
        drain: bool,
    },
    /// Injects a fault into a validator (`POST /fault`; `none` heals it).
    Fault {
        validator: String,
        addr: std::net::SocketAddr,
        fault: String,
    },
}

/// What a finished action has to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A few words for the footer.
    Said(String),
    /// A report to open over the panel (its summary goes to the footer).
    Report(super::report::Report),
    /// A service's `GET /health/ready` answer (a 503's body too), for the
    /// service detail the dashboard builds with what the supervisor says.
    Ready(Result<serde_json::Value, String>),
}

impl Action {
    /// "restart engine-0".
    pub fn describe(&self) -> String {
        match self {
            Action::Service { action, name } => format!("{} {name}", verb(*action)),
            Action::VerifyGame(id) => format!("verify {id}"),
            Action::ServiceDetail { name, .. } => format!("read {name}"),
            Action::Blocks { validator, .. } => format!("read {validator}'s blocks"),
            Action::Block { height, .. } => format!("read and verify block {height}"),
            Action::Cli { what, .. } => what.clone(),
            Action::Fault {
                validator, fault, ..
            } => format!("set fault {fault} on {validator}"),
            Action::Drain {
                service,
                addr,
                drain,
            } => format!(
                "{} {service} {addr}",
                if *drain { "drain" } else { "undrain" }
            ),
        }
    }

    /// Whether it needs a `y` first: anything that takes a service down,
    /// breaks a validator, moves money or changes the validator set.
    pub fn destructive(&self) -> bool {
        match self {
            Action::Service { action, .. } => *action != ServiceAction::Start,
            Action::Cli { confirm, .. } => *confirm,
            Action::Fault { fault, .. } => fault != "none",
            Action::Drain { drain, .. } => *drain,
            Action::VerifyGame(_)
            | Action::Blocks { .. }
            | Action::Block { .. }
            | Action::ServiceDetail { .. } => false,
        }
    }
}

fn verb(a: ServiceAction) -> &'static str {
    match a {
        ServiceAction::Restart => "restart",
        ServiceAction::Stop => "stop",
        ServiceAction::Start => "start",
    }
}

/// How long a result stays in the footer.
pub const SHOW_RESULT_MS: u64 = 15_000;

/// Where the current action is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Flow {
    #[default]
    Idle,
    /// Waiting for `y` (or `n` / `Esc`).
    Confirm(Action),
    /// Sent; the event loop reports back.
    Running { action: Action, since_ms: u64 },
    /// Finished: what happened, for the footer.
    Done {
        action: Action,
        outcome: Result<String, String>,
        at_ms: u64,
    },
}

/// What a key does to the flow while a confirmation is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// Any other key: the question stays.
    Ignored,
}

pub fn answer(c: Option<char>, esc: bool) -> Answer {
    match (c, esc) {
        (_, true) | (Some('n' | 'N'), _) => Answer::No,
        (Some('y' | 'Y'), _) => Answer::Yes,
        _ => Answer::Ignored,
    }
}

impl Flow {
    /// Asks for `action`: a confirmation first when it is destructive.
    /// Returns the action to run now, if any. One action at a time: while
    /// one runs, a new one is refused (and the footer says so).
    pub fn ask(&mut self, action: Action, now_ms: u64) -> Option<Action> {
        if let Flow::Running { .. } = self {
            return None;
        }
        if action.destructive() {
            *self = Flow::Confirm(action);
            None
        } else {
            *self = Flow::Running {
                action: action.clone(),
                since_ms: now_ms,
            };
            Some(action)
        }
    }

    /// The answer to an open confirmation; returns the action to run.
    pub fn confirm(&mut self, a: Answer, now_ms: u64) -> Option<Action> {
        let Flow::Confirm(action) = self else {
            return None;
        };
        match a {
            Answer::Yes => {
                let action = action.clone();
                *self = Flow::Running {
                    action: action.clone(),
                    since_ms: now_ms,
                };
                Some(action)
            }
            Answer::No => {
                *self = Flow::Idle;
                None
            }
            Answer::Ignored => None,
        }
    }

    /// The result of the running action (ignored if it is not the one
    /// running: a late answer of an earlier action changes nothing).
    pub fn finish(&mut self, action: &Action, outcome: Result<String, String>, now_ms: u64) {
        if let Flow::Running {
            action: running, ..
        } = self
            && running == action
        {
            *self = Flow::Done {
                action: action.clone(),
                outcome,
                at_ms: now_ms,
            };
        }
    }

    pub fn confirming(&self) -> bool {
        matches!(self, Flow::Confirm(_))
    }

    /// The footer's text for the flow, and whether it is an error.
    pub fn status(&self, now_ms: u64) -> Option<(String, bool)> {
        match self {
            Flow::Idle => None,
            Flow::Confirm(a) => Some((
                format!("{}? y to confirm, n or Esc to cancel", a.describe()),
                false,
            )),
            Flow::Running { action, since_ms } => Some((
                format!(
                    "{}… {:.1}s",
                    action.describe(),
                    now_ms.saturating_sub(*since_ms) as f64 / 1000.0
                ),
                false,
            )),
            // A result stays in the footer for a while, then goes.
            Flow::Done { at_ms, .. } if now_ms.saturating_sub(*at_ms) > SHOW_RESULT_MS => None,
            Flow::Done {
                action, outcome, ..
            } => Some(match outcome {
                Ok(m) => (format!("{}: {m}", action.describe()), false),
                Err(e) => (format!("{} failed: {e}", action.describe()), true),
            }),
        }
    }
}

/// Who may ask for an action, by the role of the token in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Anyone,
    /// Cashier or admin (money in and out).
    Cashier,
    Admin,
}

impl Action {
    pub fn needs(&self) -> Needs {
        match self {
            Action::Service { .. } | Action::Fault { .. } | Action::Drain { .. } => Needs::Admin,
            Action::Cli { args, .. } => match args.first().map(String::as_str) {
                Some("wallet") => Needs::Cashier,
                Some("consensus") if args.get(1).is_some_and(|a| a == "validators") => Needs::Admin,
                _ => Needs::Anyone,
            },
            Action::VerifyGame(_)
            | Action::Blocks { .. }
            | Action::Block { .. }
            | Action::ServiceDetail { .. } => Needs::Anyone,
        }
    }
}

/// Whether a token of `role` may ask for what `needs` (`None`: a token
/// whose role cannot be read may only look; the services decide anyway).
pub fn allowed(role: Option<crate::auth::Role>, needs: Needs) -> Result<(), &'static str> {
    use crate::auth::Role;
    match (needs, role) {
        (Needs::Anyone, _) | (_, Some(Role::Admin)) | (Needs::Cashier, Some(Role::Cashier)) => {
            Ok(())
        }
        (Needs::Cashier, _) => Err("needs a cashier or admin token (this one may only look)"),
        (Needs::Admin, _) => Err("needs an admin token (this one may only look)"),
    }
}

impl super::app::App {
    /// Keys of the control plane: an open confirmation takes every key, the
    /// command line its keys, an open report or log view its keys; then
    /// each panel's actions on its selected row. `None`: the key is the
    /// dashboard's.
    pub(super) fn control_key(&mut self, key: Key) -> Option<Effect> {
        if self.flow.confirming() {
            let (c, esc) = match key {
                Key::Char(c) => (Some(c), false),
                Key::Esc => (None, true),
                // Only `y` confirms: a pasted line's Enter or a double
                // Enter must not take a service down.
                _ => (None, false),
            };
            let run = self.flow.confirm(answer(c, esc), self.now_ms);
            return Some(run.map_or(Effect::None, Effect::Act));
        }
        if self.command.is_some() {
            return Some(self.command_key(key));
        }
        self.command_note = None;
        if key == Key::Char(':') && !self.editing_filter && !self.help && self.log.is_none() {
            self.command = Some(String::new());
            return Some(Effect::None);
        }
        if let Some(report) = self.reports.last_mut() {
            return Some(match report.on_key(key) {
                Step::Stay => Effect::None,
                Step::Close => {
                    self.reports.pop();
                    Effect::None
                }
                Step::Open(target) => self.open_target(target),
            });
        }
        if let Some(view) = &mut self.log {
            if view.on_key(key) {
                self.log = None;
                return Some(Effect::Tail(None));
            }
            return Some(Effect::None);
        }
        if self.editing_filter || self.help {
            return None;
        }
        match (self.tab, key) {
            (Tab::Services, Key::Char('l')) => {
                let name = self.selected_service()?;
                self.log = Some(LogView::new(&name));
                Some(Effect::Tail(Some(name)))
            }
            (Tab::Services, Key::Enter) => {
                let i = self.selected()?;
                let status = self.service_rows().get(i).map(|s| (*s).clone())?;
                let addr = (status.kind != crate::supervisor::plan::ServiceKind::Gateway)
                    .then(|| self.addr_of(&status.name))
                    .flatten();
                Some(self.act(Action::ServiceDetail {
                    name: status.name,
                    addr,
                }))
            }
            (Tab::Services, Key::Char(c @ ('R' | 'x' | 's'))) => {
                let action = match c {
                    'R' => ServiceAction::Restart,
                    'x' => ServiceAction::Stop,
                    _ => ServiceAction::Start,
                };
                let name = self.selected_service()?;
                Some(self.act(Action::Service { action, name }))
            }
            (Tab::Games, Key::Char('v')) => {
                let id = match &self.open_game {
                    Some(id) => id.clone(),
                    None => self
                        .selected()
                        .and_then(|i| self.game_rows().get(i).map(|g| g.id.clone()))?,
                };
                Some(self.act(Action::VerifyGame(id)))
            }
            (Tab::Gateway, Key::Char(c @ ('d' | 'u'))) => {
                let i = self.selected()?;
                let row = self.instance_rows().into_iter().nth(i)?;
                let action = Action::Drain {
                    service: row.service.to_string(),
                    addr: row.instance.addr.clone(),
                    drain: c == 'd',
                };
                Some(self.act(action))
            }
            (Tab::Gateway, Key::Enter) => {
                let i = self.selected()?;
                let row = self.instance_rows().into_iter().nth(i)?;
                let report =
                    super::report::instance_detail(row.service, row.instance, self.wall_now_ms());
                self.reports.push(report);
                Some(Effect::None)
            }
            (Tab::Validators, Key::Enter) => {
                let i = self.selected()?;
                let name = self.validator_rows().get(i)?.name.clone();
                Some(self.blocks_of(&name))
            }
            (Tab::Wallet, Key::Enter) => {
                let i = self.selected()?;
                let account = (*self.account_rows().get(i)?).clone();
                let report = super::report::account_detail(&account, self.wall_now_ms());
                self.reports.push(report);
                Some(Effect::None)
            }
            (Tab::Wallet, Key::Char(c @ ('+' | '-'))) => {
                // The command line opens with the account filled in: the
                // amount is typed, Enter asks for a `y`, as `:deposit` does.
                let i = self.selected()?;
                let id = self.account_rows().get(i)?.id.clone();
                let word = if c == '+' { "deposit" } else { "withdraw" };
                if let Err(why) = allowed(self.role, Needs::Cashier) {
                    self.command_note = Some(format!("{word}: {why}"));
                    return Some(Effect::None);
                }
                self.command = Some(format!("{word} {id} "));
                Some(Effect::None)
            }
            _ => None,
        }
    }

    /// Asks for `action` if the token's role allows it; otherwise the
    /// footer says why.
    pub(super) fn act(&mut self, action: Action) -> Effect {
        if let Err(why) = allowed(self.role, action.needs()) {
            self.flow = Flow::Done {
                action,
                outcome: Err(why.into()),
                at_ms: self.now_ms,
            };
            return Effect::None;
        }
        let run = self.flow.ask(action, self.now_ms);
        run.map_or(Effect::None, Effect::Act)
    }

    /// Validator names by index, as the reference view lists them.
    pub fn validator_names(&self) -> Vec<String> {
        let mut entries: Vec<(u32, String)> = self
            .reference_status()
            .map(|(s, _)| {
                s.validators
                    .iter()
                    .map(|v| (v.index, v.id.clone()))
                    .collect()
            })
            .unwrap_or_default();
        entries.sort();
        entries.into_iter().map(|(_, id)| id).collect()
    }

    fn addr_of(&self, name: &str) -> Option<std::net::SocketAddr> {
        self.snap
            .endpoints
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.addr)
    }

    fn blocks_of(&mut self, validator: &str) -> Effect {
        let Some(addr) = self.addr_of(validator) else {
            self.command_note = Some(format!("{validator}: no address known"));
            return Effect::None;
        };
        let names = self.validator_names();
        self.act(Action::Blocks {
            validator: validator.to_string(),
            addr,
            names,
        })
    }

    fn open_target(&mut self, target: Target) -> Effect {
        match target {
            Target::Block { validator, height } => {
                let from = validator.and_then(|v| self.addr_of(&v).map(|a| (v, a)));
                let names = self.validator_names();
                self.act(Action::Block {
                    from,
                    height,
                    names,
                })
            }
        }
    }

    /// Every supervised service's name, for the command line.
    fn service_names(&self) -> Vec<String> {
        match &self.snap.supervisor {
            Ok(Some(s)) => s.services.iter().map(|s| s.name.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// What the command line completes and checks names against.
    fn known(&self) -> command::Known {
        command::Known {
            services: self.service_names(),
            validators: self
                .snap
                .endpoints
                .iter()
                .filter(|e| e.kind == crate::supervisor::plan::ServiceKind::Consensus)
                .map(|e| e.name.clone())
                .collect(),
            games: match &self.snap.games {
                Ok(l) => l.games.iter().map(|g| g.id.clone()).collect(),
                Err(_) => Vec::new(),
            },
        }
    }

    /// A key while the command line is open.
    fn command_key(&mut self, key: Key) -> Effect {
        let known = self.known();
        let Some(line) = &mut self.command else {
            return Effect::None;
        };
        match key {
            Key::Char(c) => {
                line.push(c);
                self.command_note = None;
            }
            Key::Backspace => {
                line.pop();
                self.command_note = None;
            }
            Key::Tab => {
                let (completed, candidates) = command::complete(line, &known);
                if let Some(line) = &mut self.command {
                    *line = completed;
                }
                self.command_note = (candidates.len() > 1).then(|| candidates.join(" "));
            }
            Key::Esc => {
                self.command = None;
                self.command_note = None;
            }
            Key::Enter => {
                let text = self.command.take().unwrap_or_default();
                return match command::parse(&text, &known) {
                    Err(e) => {
                        self.command_note = Some(e);
                        Effect::None
                    }
                    Ok(Command::Quit) => Effect::Quit,
                    Ok(Command::Panel(tab)) => {
                        self.reports.clear();
                        self.tab = tab;
                        Effect::None
                    }
                    Ok(Command::Service(action, name)) => {
                        self.act(Action::Service { action, name })
                    }
                    Ok(Command::Logs(name)) => {
                        self.reports.clear();
                        self.tab = Tab::Services;
                        self.log = Some(LogView::new(&name));
                        Effect::Tail(Some(name))
                    }
                    Ok(Command::Verify(id)) => self.act(Action::VerifyGame(id)),
                    Ok(Command::Blocks(v)) => self.blocks_of(&v),
                    Ok(Command::Block(height)) => self.open_target(Target::Block {
                        validator: None,
                        height,
                    }),
                    Ok(Command::Fault(validator, fault)) => match self.addr_of(&validator) {
                        Some(addr) => self.act(Action::Fault {
                            validator,
                            addr,
                            fault,
                        }),
                        None => {
                            self.command_note = Some(format!("{validator}: no address known"));
                            Effect::None
                        }
                    },
                    Ok(Command::Cli {
                        what,
                        args,
                        confirm,
                    }) => self.act(Action::Cli {
                        what,
                        args,
                        confirm,
                    }),
                };
            }
            _ => {}
        }
        Effect::None
    }

    fn selected_service(&self) -> Option<String> {
        let i = self.selected()?;
        self.service_rows().get(i).map(|s| s.name.clone())
    }

    /// The footer's hints while a confirmation, the command line, a report
    /// or a log view is open.
    pub(super) fn control_hints(&self) -> Option<Vec<(&'static str, &'static str)>> {
        if self.command.is_some() {
            return Some(vec![
                ("Tab", "complete"),
                ("Enter", "run"),
                ("Esc", "cancel"),
            ]);
        }
        if self.flow.confirming() {
            return Some(vec![("y", "confirm"), ("n/Esc", "cancel")]);
        }
        if let Some(r) = self.reports.last() {
            return Some(r.hints());
        }
        self.log.as_ref().map(LogView::hints)
    }

    /// The result of an action the event loop ran: a report opens over the
    /// panel, and the footer says how it went.
    pub fn on_action_result(&mut self, action: &Action, outcome: Result<Reply, String>) {
        let report = match outcome {
            Ok(Reply::Said(s)) => return self.flow.finish(action, Ok(s), self.now_ms),
            Err(e) => return self.flow.finish(action, Err(e), self.now_ms),
            Ok(Reply::Report(r)) => r,
            Ok(Reply::Ready(ready)) => {
                let status = match (action, &self.snap.supervisor) {
                    (Action::ServiceDetail { name, .. }, Ok(Some(st))) => st
                        .services
                        .iter()
                        .find(|s| &s.name == name)
                        .map(|s| (s, &st.config))
                        .ok_or_else(|| format!("{name} is no longer supervised")),
                    _ => Err("the supervisor no longer answers".to_string()),
                };
                match status {
                    Ok((status, config)) => {
                        super::report::service_detail(status, config, &ready, self.wall_now_ms())
                    }
                    Err(e) => return self.flow.finish(action, Err(e), self.now_ms),
                }
            }
        };
        let summary = report.summary.clone();
        // Only the answer to what is running now opens.
        if matches!(&self.flow, Flow::Running { action: a, .. } if a == action) {
            self.reports.push(report);
        }
        self.flow.finish(action, summary, self.now_ms);
    }

    /// New lines of the followed log (ignored if no view is open for it).
    pub fn on_log_lines(&mut self, service: &str, lines: Result<Vec<String>, String>) {
        if let Some(v) = &mut self.log
            && v.service == service
        {
            match lines {
                Ok(l) => v.push(&l),
                Err(e) => v.error = Some(e),
            }
        }
    }

    /// New events of the open game (ignored for any other game: a late
    /// batch from the one open before).
    pub fn on_game_events(&mut self, game: &str, events: Result<Vec<String>, String>) {
        if self.open_game.as_deref() != Some(game) {
            return;
        }
        match events {
            Ok(l) => {
                self.game_events.extend(l);
                let excess = self.game_events.len().saturating_sub(GAME_EVENTS_KEPT);
                self.game_events.drain(..excess);
                self.game_events_error = None;
            }
            Err(e) => self.game_events_error = Some(e),
        }
    }
}

/// Events of the open game kept in memory (the engine keeps them all).
pub const GAME_EVENTS_KEPT: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    fn restart(name: &str) -> Action {
        Action::Service {
            action: ServiceAction::Restart,
            name: name.into(),
        }
    }

    #[test]
    fn a_destructive_action_waits_for_yes_and_no_cancels() {
        let mut f = Flow::Idle;
        assert_eq!(f.ask(restart("engine-0"), 0), None, "not run before y");
        assert!(f.confirming());
        assert_eq!(
            f.status(0).unwrap().0,
            "restart engine-0? y to confirm, n or Esc to cancel"
        );
        assert_eq!(f.confirm(answer(Some('x'), false), 1), None);
        assert!(f.confirming(), "other keys leave the question open");
        assert_eq!(f.confirm(answer(None, true), 1), None);
        assert_eq!(f, Flow::Idle, "Esc cancels");
        f.ask(restart("engine-0"), 2);
        assert_eq!(f.confirm(answer(Some('n'), false), 3), None);
        assert_eq!(f, Flow::Idle);
        f.ask(restart("engine-0"), 4);
        assert_eq!(
            f.confirm(answer(Some('y'), false), 5),
            Some(restart("engine-0"))
        );
        assert_eq!(
            f,
            Flow::Running {
                action: restart("engine-0"),
                since_ms: 5
            }
        );
        assert_eq!(f.status(1_505).unwrap().0, "restart engine-0… 1.5s");
    }

    #[test]
    fn start_runs_at_once_and_one_action_runs_at_a_time() {
        let start = Action::Service {
            action: ServiceAction::Start,
            name: "wallet".into(),
        };
        let mut f = Flow::Idle;
        assert_eq!(f.ask(start.clone(), 10), Some(start.clone()));
        assert_eq!(f.ask(restart("gateway"), 11), None, "busy");
        assert!(matches!(f, Flow::Running { .. }));
        // A late answer for another action changes nothing.
        f.finish(&restart("gateway"), Ok("x".into()), 12);
        assert!(matches!(f, Flow::Running { .. }));
        f.finish(&start, Err("wallet: cannot spawn".into()), 13);
        assert_eq!(
            f.status(14),
            Some(("start wallet failed: wallet: cannot spawn".into(), true))
        );
        assert_eq!(f.status(13 + SHOW_RESULT_MS + 1), None, "and then goes");
        // After a result, the next action may be asked.
        assert_eq!(f.ask(restart("gateway"), 15), None);
        assert!(f.confirming());
    }

    mod views {
        use super::*;
        use crate::tui::app::{App, Effect, Key};
        use crate::tui::fixtures::{self, render};

        fn raw(level: &str, msg: &str) -> String {
            format!(
                r#"{{"timestamp":"2026-12-07T03:00:0{n}.000000Z","level":"{level}","message":"{msg}","target":"t"}}"#,
                n = msg.len() % 10
            )
        }

        /// A view at the smallest supported terminal and at a wide one.
        fn both(name: &str, app: &App) {
            insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
            insta::assert_snapshot!(format!("{name}_120x30"), render(app, 120, 30));
        }

        fn on_engine_0() -> App {
            let mut app = fixtures::app();
            // The fixture lists the validators first, then engine-0.
            while app
                .service_rows()
                .get(app.selected().unwrap_or(0))
                .is_some_and(|s| s.name != "engine-0")
            {
                app.on_key(Key::Down);
            }
            app
        }

        #[test]
        fn restart_asks_then_runs_then_reports_in_the_footer() {
            let mut app = on_engine_0();
            assert_eq!(app.on_key(Key::Char('R')), Effect::None);
            both("confirm_restart", &app);
            // Only `y` confirms: not Enter (a pasted line, a double Enter).
            assert_eq!(app.on_key(Key::Enter), Effect::None);
            assert!(app.flow.confirming());
            // While asking, other keys do not act on the dashboard.
            assert_eq!(app.on_key(Key::Char('q')), Effect::None);
            let run = app.on_key(Key::Char('y'));
            let action = Action::Service {
                action: ServiceAction::Restart,
                name: "engine-0".into(),
            };
            assert_eq!(run, Effect::Act(action.clone()));
            app.on_action_result(&action, Err("engine-0 not ready within 30s".into()));
            both("restart_failed", &app);
        }

        #[test]
        fn the_command_line_completes_names_and_runs_the_same_actions() {
            let mut app = fixtures::app();
            assert_eq!(app.on_key(Key::Char(':')), Effect::None);
            for c in "res".chars() {
                app.on_key(Key::Char(c));
            }
            app.on_key(Key::Tab);
            assert_eq!(app.command.as_deref(), Some("restart "));
            for c in "eng".chars() {
                app.on_key(Key::Char(c));
            }
            app.on_key(Key::Tab);
            assert_eq!(app.command.as_deref(), Some("restart engine-"));
            assert!(
                app.command_note
                    .as_deref()
                    .is_some_and(|n| n.contains("engine-1"))
            );
            both("command_line", &app);
            app.on_key(Key::Char('1'));
            assert_eq!(app.on_key(Key::Enter), Effect::None, "asks first");
            assert!(app.flow.confirming());
            assert_eq!(
                app.on_key(Key::Char('y')),
                Effect::Act(Action::Service {
                    action: ServiceAction::Restart,
                    name: "engine-1".into()
                })
            );
            // Errors say why; panels and logs by name.
            for c in ":reboot".chars() {
                app.on_key(Key::Char(c));
            }
            app.on_key(Key::Enter);
            assert!(app.command.is_none());
            assert!(
                app.command_note
                    .as_deref()
                    .unwrap()
                    .contains("unknown command")
            );
            for c in ":games".chars() {
                app.on_key(Key::Char(c));
            }
            app.on_key(Key::Enter);
            assert_eq!(app.tab, Tab::Games);
            for c in ":logs wallet".chars() {
                app.on_key(Key::Char(c));
            }
            assert_eq!(app.on_key(Key::Enter), Effect::Tail(Some("wallet".into())));
            assert_eq!(app.tab, Tab::Services);
            app.on_key(Key::Esc);
            for c in ":q".chars() {
                app.on_key(Key::Char(c));
            }
            assert_eq!(app.on_key(Key::Enter), Effect::Quit);
        }

        #[test]
        fn a_player_is_told_instead_of_offered_restarts() {
            let mut app = on_engine_0();
            app.role = Some(crate::auth::Role::Player);
            assert_eq!(app.on_key(Key::Char('R')), Effect::None);
            assert!(matches!(
                app.flow,
                Flow::Done {
                    outcome: Err(_),
                    ..
                }
            ));
            both("player_footer", &app);
        }

        #[test]
        fn v_verifies_a_game_and_its_report_opens_the_anchoring_block() {
            use crate::tui::report::{Ran, game_verdict};
            let mut app = fixtures::app();
            app.on_key(Key::Char('2'));
            let verify = Action::VerifyGame("e0-craps-1".into());
            assert_eq!(app.on_key(Key::Char('v')), Effect::Act(verify.clone()));
            let ran = Ran {
                code: 0,
                stdout: serde_json::json!({
                    "verified": true, "rounds_checked": [1], "draws_checked": 5,
                    "notes": ["round 1: link, 1 contributions, 5 draws checked",
                              "round 1: 3 bets placed or taken down and 4 bet resolutions recomputed"],
                    "draws": [
                        {"round": 1, "nonce": 0, "kind": "dice", "outcome": "3+4 = 7", "ok": true},
                        {"round": 1, "nonce": 1, "kind": "dice", "outcome": "2+2 = 4", "ok": true},
                        {"round": 1, "nonce": 2, "kind": "dice", "outcome": "6+5 = 11", "ok": true},
                        {"round": 1, "nonce": 3, "kind": "dice", "outcome": "1+3 = 4", "ok": true},
                        {"round": 1, "nonce": 4, "kind": "dice", "outcome": "5+2 = 7", "ok": true}],
                    "anchors": ["commitment at height 3", "round 1 at height 9"], "problems": []})
                .to_string(),
                stderr: String::new(),
            };
            app.on_action_result(&verify, Ok(Reply::Report(game_verdict("e0-craps-1", &ran))));
            both("game_verdict", &app);
            // The anchor's block opens from the report, read through the gateway.
            app.on_key(Key::Down);
            let Effect::Act(Action::Block {
                from,
                height,
                names,
            }) = app.on_key(Key::Enter)
            else {
                panic!("Enter on an anchor opens its block");
            };
            assert_eq!((from, height), (None, 9));
            assert_eq!(names.len(), 4, "{names:?}");
            app.on_key(Key::Esc);
            assert!(app.reports.is_empty(), "Esc closes the report");
            assert_eq!(app.tab, Tab::Games);
        }

        #[test]
        fn enter_on_a_validator_reads_its_blocks_from_it() {
            use crate::tui::report::recent_blocks;
            let mut app = fixtures::app();
            app.on_key(Key::Char('3'));
            app.on_key(Key::Down);
            let Effect::Act(action) = app.on_key(Key::Enter) else {
                panic!("Enter reads the blocks");
            };
            let Action::Blocks {
                validator, addr, ..
            } = &action
            else {
                panic!("{action:?}");
            };
            assert_eq!(validator, "validator-1");
            assert_eq!(
                Some(*addr),
                app.snap
                    .endpoints
                    .iter()
                    .find(|e| &e.name == validator)
                    .map(|e| e.addr)
            );
            let block = |h: u64| {
                serde_json::json!({"hash": format!("{h:02x}").repeat(32),
                    "block": {"view": h % 3, "proposer": h % 4, "proposals": [{}, {}]}})
            };
            let blocks: Vec<(u64, Result<serde_json::Value, String>)> =
                (45..=48).rev().map(|h| (h, Ok(block(h)))).collect();
            let names = app.validator_names();
            app.on_action_result(
                &action,
                Ok(Reply::Report(recent_blocks("validator-1", &blocks, &names))),
            );
            both("validator_blocks", &app);
            let open = app.on_key(Key::Enter);
            let Effect::Act(Action::Block { from, height, .. }) = &open else {
                panic!("Enter opens the block");
            };
            assert_eq!(from.as_ref().map(|(n, _)| n.as_str()), Some("validator-1"));
            assert_eq!(*height, 48);
            // The block as validator-1 serves it, and the CLI's verdict.
            let Effect::Act(open) = open else { return };
            let sig = |v: u64| serde_json::json!({"validator": v, "signature": "ab".repeat(64)});
            let served = Ok(serde_json::json!({"hash": "30".repeat(32),
                "block": {"height": 48, "view": 0, "proposer": 0, "parent_hash": "2f".repeat(32),
                    "proposals": [
                        {"id": "e0-7f3a", "kind": "game.anchors",
                         "payload": {"entries": [{"game_id": "e0-craps-1", "what": "round"}]},
                         "attestation": {"signer": "engine-0"}},
                        {"id": "w-118", "kind": "wallet.anchor",
                         "payload": {"seq": 1201, "head": "9f2c1e"},
                         "attestation": {"signer": "wallet"}}]},
                "qc": {"phase": "commit", "view": 0, "epoch": 1,
                       "signatures": [sig(0), sig(1), sig(2)]}}));
            let verdict = crate::tui::report::Ran {
                code: 0,
                stdout: serde_json::json!({"verified": true, "block_hash": "30".repeat(32),
                    "signers": ["validator-0", "validator-1", "validator-2"], "power": 3,
                    "total_power": 4, "problems": []})
                .to_string(),
                stderr: String::new(),
            };
            app.on_action_result(
                &open,
                Ok(Reply::Report(crate::tui::report::block_detail(
                    "validator-1",
                    48,
                    &served,
                    &verdict,
                    &names,
                ))),
            );
            both("block_detail", &app);
        }

        #[test]
        fn d_drains_the_selected_upstream_after_a_yes_and_enter_shows_its_breaker() {
            let mut app = fixtures::app();
            app.on_key(Key::Char('4'));
            let row = app.instance_rows()[0].instance.clone();
            assert_eq!(app.on_key(Key::Char('d')), Effect::None, "asks first");
            let drain = Action::Drain {
                service: app.instance_rows()[0].service.to_string(),
                addr: row.addr.clone(),
                drain: true,
            };
            assert_eq!(app.on_key(Key::Char('y')), Effect::Act(drain.clone()));
            app.on_action_result(&drain, Ok(Reply::Said("drained".into())));
            // Undraining asks nothing.
            assert!(matches!(
                app.on_key(Key::Char('u')),
                Effect::Act(Action::Drain { drain: false, .. })
            ));
            let mut s = fixtures::snapshot(5_000);
            if let Ok(groups) = &mut s.upstreams {
                let i = &mut groups[0].instances[0];
                i.drained = true;
                i.breaker_transitions = vec![
                    crate::tui::data::BreakerChange {
                        at_ms: s.wall_ms.saturating_sub(95_000),
                        state: "open".into(),
                    },
                    crate::tui::data::BreakerChange {
                        at_ms: s.wall_ms.saturating_sub(60_000),
                        state: "closed".into(),
                    },
                ];
            }
            app.on_snapshot(s);
            app.on_action_result(&drain, Ok(Reply::Said("x".into())));
            assert_eq!(app.on_key(Key::Enter), Effect::None);
            both("upstream_detail", &app);
            app.on_key(Key::Esc);
            both("gateway_drained", &app);
        }

        #[test]
        fn enter_on_a_service_shows_its_process_config_exits_and_readiness() {
            // engine-1 crashed twice (the fixture); its section has two keys set.
            let mut app = on_engine_0();
            app.on_key(Key::Down);
            let Effect::Act(action) = app.on_key(Key::Enter) else {
                panic!("Enter reads the service's readiness");
            };
            assert!(
                matches!(&action, Action::ServiceDetail { name, addr: Some(_) } if name == "engine-1")
            );
            let ready = serde_json::json!({"service": "game_engine", "ready": false, "dependencies": [
                {"name": "wallet", "required": true, "up": false, "detail": "connection refused"},
                {"name": "consensus", "required": true, "up": true, "detail": "4 of 4 reachable"}]});
            app.on_action_result(&action, Ok(Reply::Ready(Ok(ready))));
            assert_eq!(app.reports.len(), 1);
            both("service_detail", &app);
        }

        #[test]
        fn the_role_of_the_token_decides_what_is_offered() {
            use crate::auth::Role;
            let deposit = |app: &mut App| {
                for c in ":deposit alice 100".chars() {
                    app.on_key(Key::Char(c));
                }
                app.on_key(Key::Enter)
            };
            let mut app = fixtures::app();
            app.role = Some(Role::Player);
            assert_eq!(deposit(&mut app), Effect::None);
            assert!(
                matches!(&app.flow, Flow::Done { outcome: Err(e), .. } if e.contains("cashier"))
            );
            for c in ":fault validator-1 silent".chars() {
                app.on_key(Key::Char(c));
            }
            app.on_key(Key::Enter);
            assert!(matches!(&app.flow, Flow::Done { outcome: Err(e), .. } if e.contains("admin")));
            // Reading and verifying is anyone's.
            for c in ":block 3".chars() {
                app.on_key(Key::Char(c));
            }
            assert!(matches!(
                app.on_key(Key::Enter),
                Effect::Act(Action::Block { .. })
            ));
            let mut app = fixtures::app();
            app.role = Some(Role::Cashier);
            assert_eq!(deposit(&mut app), Effect::None, "asks first");
            assert!(app.flow.confirming());
            assert!(matches!(
                app.on_key(Key::Char('y')),
                Effect::Act(Action::Cli { .. })
            ));
        }

        #[test]
        fn l_opens_the_live_log_and_esc_closes_it() {
            let mut app = on_engine_0();
            assert_eq!(
                app.on_key(Key::Char('l')),
                Effect::Tail(Some("engine-0".into()))
            );
            app.on_log_lines(
                "engine-0",
                Ok(vec![
                    raw("INFO", "engine listening"),
                    raw("WARN", "wallet slow to answer"),
                    raw("ERROR", "cannot store game"),
                    raw("INFO", "request finished"),
                ]),
            );
            // Lines of another service (a late batch) are not shown here.
            app.on_log_lines("gateway", Ok(vec![raw("INFO", "gateway listening")]));
            both("log_view", &app);
            for k in ['v', 'v', '/', 'c', 'a', 'n'] {
                app.on_key(Key::Char(k));
            }
            app.on_key(Key::Enter);
            app.on_key(Key::Char(' '));
            both("log_view_warn_search_paused", &app);
            assert_eq!(app.on_key(Key::Esc), Effect::Tail(None));
            assert!(app.log.is_none());
        }
    }
}
