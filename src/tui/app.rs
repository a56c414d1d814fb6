//! The dashboard's state and everything keys do to it (pure: no terminal,
//! no clock, no IO). The event loop feeds it keys, snapshots and the time;
//! the panels draw from it.

use std::collections::VecDeque;

use super::data::{ConsensusStatus, GameSummary, Snapshot, UpstreamInstance, ValidatorEntry};
use super::stats::{self, Derived};
use crate::supervisor::control::ServiceStatus;

/// Points kept per chart (a few minutes at the default refresh).
pub const HISTORY: usize = 240;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Services,
    Games,
    Validators,
    Gateway,
    Metrics,
    Wallet,
}

pub const TABS: [Tab; 6] = [
    Tab::Services,
    Tab::Games,
    Tab::Validators,
    Tab::Gateway,
    Tab::Metrics,
    Tab::Wallet,
];

impl Tab {
    pub fn index(self) -> usize {
        match self {
            Tab::Services => 0,
            Tab::Games => 1,
            Tab::Validators => 2,
            Tab::Gateway => 3,
            Tab::Metrics => 4,
            Tab::Wallet => 5,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Tab::Services => "Services",
            Tab::Games => "Games",
            Tab::Validators => "Validators",
            Tab::Gateway => "Gateway",
            Tab::Metrics => "Metrics",
            Tab::Wallet => "Wallet",
        }
    }

    fn step(self, by: isize) -> Tab {
        let n = TABS.len() as isize;
        TABS[(self.index() as isize + by).rem_euclid(n) as usize]
    }
}

/// A key, as the dashboard understands it (the event loop maps terminal
/// events to these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Tab,
    BackTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Backspace,
    /// Ctrl-C.
    Interrupt,
}

/// What the event loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    /// Read every source now.
    Refresh,
    /// Read this game on every refresh from now on (`None`: stop).
    Watch(Option<String>),
    /// Run this action on a background thread and report its result
    /// ([`App::on_action_result`]).
    Act(super::actions::Action),
    /// Follow this service's log file from now on (`None`: stop); lines go
    /// to [`App::on_log_lines`].
    Tail(Option<String>),
}

/// Every key, for `?` and the README.
pub const KEYS: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "next / previous panel"),
    (
        "1 2 3 4 5 6",
        "Services, Games, Validators, Gateway, Metrics, Wallet",
    ),
    ("↑ ↓  j k", "move the selection (scroll an open game)"),
    (
        "PgUp PgDn  g G",
        "move by a page, to the top, to the bottom",
    ),
    (
        "Enter",
        "open: service, game (live), blocks, upstream, account",
    ),
    ("v", "verify the selected game, line by line"),
    ("d  u", "drain, undrain the selected upstream (Gateway)"),
    (
        "+  -",
        "deposit to, withdraw from the selected account (Wallet)",
    ),
    (
        "R  x  s",
        "restart, stop, start the selected service (y: go)",
    ),
    ("l", "its log, live: Space pauses, / searches, v sets level"),
    (":", "command line: actions by name (Tab completes)"),
    ("Esc", "close the game, the filter or this help"),
    ("/", "filter rows (Enter keeps, Esc clears)"),
    ("f", "freeze / unfreeze the display"),
    ("r", "refresh now (also once while frozen)"),
    ("?", "show or hide this help"),
    ("q  Ctrl-C", "quit"),
];

/// Chart series, newest last.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub requests: VecDeque<Option<f64>>,
    pub errors: VecDeque<Option<f64>>,
    pub commit_p50: VecDeque<Option<f64>>,
    pub commit_p99: VecDeque<Option<f64>>,
    pub blocks: VecDeque<Option<f64>>,
}

impl History {
    fn push(&mut self, d: &Derived) {
        for (series, v) in [
            (&mut self.requests, d.gateway.per_second),
            (&mut self.errors, d.gateway.errors_per_second),
            (&mut self.commit_p50, d.commit_p50),
            (&mut self.commit_p99, d.commit_p99),
            (&mut self.blocks, d.blocks_per_second),
        ] {
            series.push_back(v);
            while series.len() > HISTORY {
                series.pop_front();
            }
        }
    }
}

/// One row of the Validators panel: what the validator says of itself and
/// what the reference view (the gateway's answer) says of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatorRow<'a> {
    pub index: u32,
    pub name: String,
    /// Its own `/status`, or why it did not answer (`None`: not known to
    /// the supervisor or the configuration).
    pub own: Option<Result<&'a ConsensusStatus, &'a str>>,
    /// What the reference view records of it.
    pub seen: Option<&'a ValidatorEntry>,
}

/// One row of the Gateway panel.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow<'a> {
    pub service: &'a str,
    pub instance: &'a UpstreamInstance,
}

#[derive(Debug, Clone)]
pub struct App {
    pub tab: Tab,
    selected: [usize; 6],
    filters: [String; 6],
    pub editing_filter: bool,
    pub frozen: bool,
    pub help: bool,
    /// The game whose table is open (Games panel).
    pub open_game: Option<String>,
    /// Scroll offset inside the open game.
    pub game_scroll: usize,
    /// The snapshot on screen.
    pub snap: Snapshot,
    /// Snapshots received so far (0: still waiting for the first).
    pub received: u64,
    /// Snapshots not shown because the display was frozen.
    pub skipped: u64,
    take_one: bool,
    pub derived: Derived,
    pub history: History,
    /// The event loop's clock, for ages ("updated 1.2s ago").
    pub now_ms: u64,
    pub refresh_ms: u64,
    /// Set when the collector stopped (it never should).
    pub collector_error: Option<String>,
    /// The action being confirmed, run, or just finished.
    pub flow: super::actions::Flow,
    /// The role the token in use claims: it decides which actions are
    /// offered (a player sees no restart key; the services decide anyway).
    pub role: Option<crate::auth::Role>,
    /// Reports opened over the panel (a verification, blocks, a block),
    /// the one on top shown; Esc closes it.
    pub reports: Vec<super::report::Report>,
    /// The open game's events, live (oldest first).
    pub game_events: Vec<String>,
    /// Why the open game's event stream stopped, if it did.
    pub game_events_error: Option<String>,
    /// The open log view (Services panel, `l`).
    pub log: Option<super::logview::LogView>,
    /// The command line being typed (`:`), without the colon.
    pub command: Option<String>,
    /// What the command line has to say: completion candidates while
    /// typing, or why the last command was refused.
    pub command_note: Option<String>,
}

impl App {
    pub fn new(refresh_ms: u64, now_ms: u64) -> App {
        App {
            tab: Tab::Services,
            selected: [0; 6],
            filters: Default::default(),
            editing_filter: false,
            frozen: false,
            help: false,
            open_game: None,
            game_scroll: 0,
            snap: Snapshot::empty(now_ms),
            received: 0,
            skipped: 0,
            take_one: false,
            derived: Derived::default(),
            history: History::default(),
            now_ms,
            refresh_ms,
            collector_error: None,
            flow: super::actions::Flow::Idle,
            role: Some(crate::auth::Role::Admin),
            reports: Vec::new(),
            game_events: Vec::new(),
            game_events_error: None,
            log: None,
            command: None,
            command_note: None,
        }
    }

    /// A new reading: shown (and rates computed against the one on screen)
    /// unless the display is frozen.
    pub fn on_snapshot(&mut self, snap: Snapshot) {
        if self.frozen && !self.take_one {
            self.skipped += 1;
            return;
        }
        self.take_one = false;
        if self.received > 0 {
            self.derived = stats::derive(&self.snap, &snap);
            self.history.push(&self.derived);
        }
        self.received += 1;
        self.snap = snap;
    }

    pub fn filter(&self) -> &str {
        &self.filters[self.tab.index()]
    }

    /// The selected row of the current panel, within its (filtered) rows.
    pub fn selected(&self) -> Option<usize> {
        let n = self.row_count();
        (n > 0).then(|| self.selected[self.tab.index()].min(n - 1))
    }

    pub fn on_key(&mut self, key: Key) -> Effect {
        if key == Key::Interrupt {
            return Effect::Quit;
        }
        if let Some(effect) = self.control_key(key) {
            return effect;
        }
        if self.editing_filter {
            return self.on_filter_key(key);
        }
        if self.help {
            match key {
                Key::Char('q') => return Effect::Quit,
                Key::Char('?') | Key::Esc | Key::Enter => self.help = false,
                _ => {}
            }
            return Effect::None;
        }
        match key {
            Key::Char('q') => return Effect::Quit,
            Key::Char('?') => self.help = true,
            Key::Tab => self.switch(self.tab.step(1)),
            Key::BackTab => self.switch(self.tab.step(-1)),
            Key::Char(c @ '1'..='6') => {
                if let Some(i) = c.to_digit(10) {
                    self.switch(TABS[i as usize - 1]);
                }
            }
            Key::Up | Key::Char('k') => self.move_by(-1),
            Key::Down | Key::Char('j') => self.move_by(1),
            Key::PageUp => self.move_by(-10),
            Key::PageDown => self.move_by(10),
            Key::Home | Key::Char('g') => self.move_by(isize::MIN / 2),
            Key::End | Key::Char('G') => self.move_by(isize::MAX / 2),
            Key::Char('/') => self.editing_filter = true,
            Key::Char('f') => self.frozen = !self.frozen,
            Key::Char('r') => {
                self.take_one = self.frozen;
                return Effect::Refresh;
            }
            Key::Enter => return self.open(),
            Key::Esc => {
                if self.tab == Tab::Games && self.open_game.is_some() {
                    self.open_game = None;
                    return Effect::Watch(None);
                }
                self.filters[self.tab.index()].clear();
            }
            _ => {}
        }
        Effect::None
    }

    fn on_filter_key(&mut self, key: Key) -> Effect {
        let i = self.tab.index();
        match key {
            Key::Char(c) => {
                self.filters[i].push(c);
                self.selected[i] = 0;
            }
            Key::Backspace => {
                self.filters[i].pop();
            }
            Key::Enter => self.editing_filter = false,
            Key::Esc => {
                self.filters[i].clear();
                self.editing_filter = false;
            }
            Key::Up => self.move_by(-1),
            Key::Down => self.move_by(1),
            _ => {}
        }
        Effect::None
    }

    fn switch(&mut self, tab: Tab) {
        self.tab = tab;
    }

    fn move_by(&mut self, by: isize) {
        if self.tab == Tab::Games && self.open_game.is_some() {
            self.game_scroll = self.game_scroll.saturating_add_signed(by);
            return;
        }
        let n = self.row_count();
        let i = self.tab.index();
        let cur = self.selected[i].min(n.saturating_sub(1));
        self.selected[i] = cur.saturating_add_signed(by).min(n.saturating_sub(1));
    }

    fn open(&mut self) -> Effect {
        if self.tab != Tab::Games || self.open_game.is_some() {
            return Effect::None;
        }
        let Some(id) = self
            .selected()
            .and_then(|i| self.game_rows().get(i).map(|g| g.id.clone()))
        else {
            return Effect::None;
        };
        self.open_game = Some(id.clone());
        self.game_scroll = 0;
        self.game_events.clear();
        self.game_events_error = None;
        Effect::Watch(Some(id))
    }

    fn row_count(&self) -> usize {
        match self.tab {
            Tab::Services => self.service_rows().len(),
            Tab::Games => self.game_rows().len(),
            Tab::Validators => self.validator_rows().len(),
            Tab::Gateway => self.instance_rows().len(),
            Tab::Wallet => self.account_rows().len(),
            Tab::Metrics => 0,
        }
    }

    fn matches(&self, tab: Tab, fields: &[&str]) -> bool {
        let f = self.filters[tab.index()].to_lowercase();
        f.is_empty() || fields.iter().any(|s| s.to_lowercase().contains(&f))
    }

    /// The supervisor's services that pass the Services filter.
    pub fn service_rows(&self) -> Vec<&ServiceStatus> {
        let Ok(Some(status)) = &self.snap.supervisor else {
            return Vec::new();
        };
        status
            .services
            .iter()
            .filter(|s| {
                let state = word(&s.state);
                let health = word(&s.health);
                self.matches(Tab::Services, &[&s.name, &state, &health])
            })
            .collect()
    }

    pub fn game_rows(&self) -> Vec<&GameSummary> {
        let Ok(list) = &self.snap.games else {
            return Vec::new();
        };
        list.games
            .iter()
            .filter(|g| {
                let players = g.players.join(" ");
                self.matches(Tab::Games, &[&g.id, &g.game_type, &g.status, &players])
            })
            .collect()
    }

    /// The status the Validators panel summarises: the gateway's answer,
    /// else the first validator that answered, with where it came from.
    pub fn reference_status(&self) -> Option<(&ConsensusStatus, String)> {
        if let Ok(s) = &self.snap.consensus {
            return Some((s, "through the gateway".to_string()));
        }
        self.snap
            .validators
            .iter()
            .find_map(|(name, r)| r.as_ref().ok().map(|s| (s, format!("from {name}"))))
    }

    pub fn validator_rows(&self) -> Vec<ValidatorRow<'_>> {
        let reference = self.reference_status().map(|(s, _)| s);
        let mut rows: Vec<ValidatorRow<'_>> = Vec::new();
        for (name, r) in &self.snap.validators {
            let index = match r {
                Ok(s) => s.validator,
                Err(_) => None,
            }
            .or_else(|| name.rsplit('-').next().and_then(|n| n.parse().ok()))
            .unwrap_or(u32::MAX);
            rows.push(ValidatorRow {
                index,
                name: name.clone(),
                own: Some(r.as_ref().map_err(String::as_str)),
                seen: None,
            });
        }
        for entry in reference.iter().flat_map(|s| s.validators.iter()) {
            match rows.iter_mut().find(|r| r.index == entry.index) {
                Some(row) => row.seen = Some(entry),
                None => rows.push(ValidatorRow {
                    index: entry.index,
                    name: entry.id.clone(),
                    own: None,
                    seen: Some(entry),
                }),
            }
        }
        rows.sort_by_key(|r| r.index);
        rows.retain(|r| {
            let state = match r.own {
                Some(Ok(_)) => "up",
                Some(Err(_)) => "down",
                None => "",
            };
            self.matches(Tab::Validators, &[&r.name, state])
        });
        rows
    }

    /// The accounts read (the first page by id) that pass the Wallet filter.
    pub fn account_rows(&self) -> Vec<&super::data::WalletAccount> {
        let Ok(page) = &self.snap.wallet_accounts else {
            return Vec::new();
        };
        page.accounts
            .iter()
            .filter(|a| self.matches(Tab::Wallet, &[&a.id, a.kind.as_str()]))
            .collect()
    }

    pub fn instance_rows(&self) -> Vec<InstanceRow<'_>> {
        let Ok(groups) = &self.snap.upstreams else {
            return Vec::new();
        };
        groups
            .iter()
            .flat_map(|g| {
                g.instances.iter().map(move |i| InstanceRow {
                    service: &g.service,
                    instance: i,
                })
            })
            .filter(|r| {
                self.matches(
                    Tab::Gateway,
                    &[
                        r.service,
                        &r.instance.addr,
                        &r.instance.health,
                        &r.instance.breaker,
                    ],
                )
            })
            .collect()
    }

    /// The wall clock now, from the last reading's wall stamp and the
    /// monotonic time since (the wallet's timestamps are wall-clock).
    pub fn wall_now_ms(&self) -> u64 {
        self.snap
            .wall_ms
            .saturating_add(self.now_ms.saturating_sub(self.snap.at_ms))
    }

    /// Key hints for the footer, for the current panel.
    pub fn hints(&self) -> Vec<(&'static str, &'static str)> {
        if self.editing_filter {
            return vec![("Enter", "keep filter"), ("Esc", "clear")];
        }
        if let Some(v) = self.control_hints() {
            return v;
        }
        if self.tab == Tab::Services && self.role == Some(crate::auth::Role::Admin) {
            // The actions take the room of Tab and r (both in `?`).
            return vec![
                ("q", "quit"),
                ("?", "keys"),
                ("j/k", "move"),
                ("R", "restart"),
                ("x", "stop"),
                ("s", "start"),
                ("l", "logs"),
                ("/", "filter"),
                ("f", if self.frozen { "unfreeze" } else { "freeze" }),
            ];
        }
        let mut v = vec![("q", "quit"), ("?", "keys"), ("Tab", "panel")];
        match self.tab {
            Tab::Services => v.extend([("j/k", "move"), ("l", "logs"), ("/", "filter")]),
            Tab::Games if self.open_game.is_some() => {
                v.extend([("j/k", "scroll"), ("v", "verify"), ("Esc", "back")]);
            }
            Tab::Games => v.extend([
                ("j/k", "move"),
                ("Enter", "open"),
                ("v", "verify"),
                ("/", "filter"),
            ]),
            Tab::Validators => v.extend([("j/k", "move"), ("Enter", "blocks"), ("/", "filter")]),
            Tab::Gateway => v.extend([
                ("j/k", "move"),
                ("Enter", "detail"),
                ("d/u", "drain/undrain"),
            ]),
            Tab::Wallet => v.extend([
                ("j/k", "move"),
                ("Enter", "account"),
                ("+/-", "deposit/withdraw"),
                ("/", "filter"),
            ]),
            Tab::Metrics => {}
        }
        v.push(("f", if self.frozen { "unfreeze" } else { "freeze" }));
        v.push(("r", "refresh"));
        v
    }
}

/// The serde name of a unit enum variant (`running`, `ready`).
pub fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;
    use proptest::prelude::*;

    fn app() -> App {
        let mut a = App::new(1000, 0);
        a.on_snapshot(fixtures::snapshot(1_000));
        a
    }

    fn press(a: &mut App, keys: &str) -> Vec<Effect> {
        keys.chars().map(|c| a.on_key(Key::Char(c))).collect()
    }

    #[test]
    fn tab_and_digits_switch_panels_and_wrap() {
        let mut a = app();
        assert_eq!(a.tab, Tab::Services);
        a.on_key(Key::Tab);
        assert_eq!(a.tab, Tab::Games);
        a.on_key(Key::BackTab);
        a.on_key(Key::BackTab);
        assert_eq!(a.tab, Tab::Wallet);
        a.on_key(Key::Tab);
        assert_eq!(a.tab, Tab::Services);
        for (c, t) in ['1', '2', '3', '4', '5', '6'].iter().zip(TABS) {
            a.on_key(Key::Char(*c));
            assert_eq!(a.tab, t);
        }
        a.on_key(Key::Char('9'));
        assert_eq!(a.tab, Tab::Wallet, "keys without a meaning do nothing");
    }

    #[test]
    fn selection_moves_within_the_rows_and_is_kept_per_panel() {
        let mut a = app();
        let n = a.service_rows().len();
        assert_eq!(n, 8);
        assert_eq!(a.selected(), Some(0));
        a.on_key(Key::Up);
        assert_eq!(a.selected(), Some(0), "no wrap above the top");
        press(&mut a, "jj");
        a.on_key(Key::Down);
        assert_eq!(a.selected(), Some(3));
        a.on_key(Key::PageDown);
        assert_eq!(a.selected(), Some(n - 1));
        a.on_key(Key::Char('g'));
        assert_eq!(a.selected(), Some(0));
        a.on_key(Key::End);
        assert_eq!(a.selected(), Some(n - 1));
        a.on_key(Key::Char('2'));
        assert_eq!(a.selected(), Some(0), "each panel has its own selection");
        a.on_key(Key::Char('1'));
        assert_eq!(a.selected(), Some(n - 1));
        a.on_key(Key::Char('5'));
        assert_eq!(a.selected(), None, "Metrics has no rows");
    }

    #[test]
    fn filter_narrows_rows_case_insensitively_and_esc_clears() {
        let mut a = app();
        a.on_key(Key::End);
        press(&mut a, "/VALID");
        assert!(a.editing_filter);
        assert_eq!(a.filter(), "VALID");
        assert_eq!(a.service_rows().len(), 4);
        assert_eq!(
            a.selected(),
            Some(0),
            "typing a filter goes back to the top"
        );
        // While typing, letters are text, not commands.
        press(&mut a, "q");
        assert_eq!(a.service_rows().len(), 0);
        a.on_key(Key::Backspace);
        a.on_key(Key::Enter);
        assert!(!a.editing_filter);
        assert_eq!(a.service_rows().len(), 4);
        // The filter stays with its panel.
        a.on_key(Key::Char('2'));
        assert_eq!(a.filter(), "");
        a.on_key(Key::Char('1'));
        assert_eq!(a.filter(), "VALID");
        // Health words match too: the down service.
        press(&mut a, "/");
        a.on_key(Key::Esc);
        assert_eq!(a.filter(), "");
        press(&mut a, "/down");
        a.on_key(Key::Enter);
        let names: Vec<&str> = a.service_rows().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["validator-3"]);
        a.on_key(Key::Esc);
        assert_eq!(a.service_rows().len(), 8);
    }

    #[test]
    fn games_filter_by_type_and_player_and_enter_opens_the_selected_one() {
        let mut a = app();
        a.on_key(Key::Char('2'));
        press(&mut a, "/bob");
        a.on_key(Key::Enter);
        let ids: Vec<&str> = a.game_rows().iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["e0-blackjack-2"]);
        a.on_key(Key::Esc);
        a.on_key(Key::Down);
        assert_eq!(
            a.on_key(Key::Enter),
            Effect::Watch(Some("e0-blackjack-2".into()))
        );
        assert_eq!(a.open_game.as_deref(), Some("e0-blackjack-2"));
        assert_eq!(a.on_key(Key::Enter), Effect::None, "already open");
        a.on_key(Key::Down);
        a.on_key(Key::Down);
        assert_eq!(a.game_scroll, 2, "j/k scroll an open game");
        assert_eq!(a.selected(), Some(1), "and leave the list selection alone");
        assert_eq!(a.on_key(Key::Esc), Effect::Watch(None));
        assert_eq!(a.open_game, None);
        a.on_key(Key::Char('5'));
        assert_eq!(
            a.on_key(Key::Enter),
            Effect::None,
            "the Metrics panel opens nothing"
        );
    }

    #[test]
    fn freeze_keeps_the_screen_and_r_takes_exactly_one_reading() {
        let mut a = app();
        assert_eq!(press(&mut a, "f"), [Effect::None]);
        assert!(a.frozen);
        let shown = a.snap.at_ms;
        a.on_snapshot(fixtures::snapshot(2_000));
        assert_eq!(a.snap.at_ms, shown);
        assert_eq!(a.skipped, 1);
        assert_eq!(press(&mut a, "r"), [Effect::Refresh]);
        a.on_snapshot(fixtures::snapshot(3_000));
        assert_eq!(a.snap.at_ms, 3_000, "r while frozen shows one new reading");
        a.on_snapshot(fixtures::snapshot(4_000));
        assert_eq!(a.snap.at_ms, 3_000, "and only one");
        press(&mut a, "f");
        a.on_snapshot(fixtures::snapshot(5_000));
        assert_eq!(a.snap.at_ms, 5_000);
        assert_eq!(a.history.requests.len(), 2);
    }

    #[test]
    fn help_shows_every_key_and_swallows_other_keys() {
        let mut a = app();
        press(&mut a, "?");
        assert!(a.help);
        press(&mut a, "3f/");
        assert_eq!(a.tab, Tab::Services);
        assert!(!a.frozen && !a.editing_filter);
        a.on_key(Key::Esc);
        assert!(!a.help);
        press(&mut a, "?");
        assert_eq!(press(&mut a, "q"), [Effect::Quit]);
        for k in [
            "Tab",
            "1 2 3 4 5 6",
            "j k",
            "Enter",
            "/",
            "f",
            "r",
            "?",
            "q",
        ] {
            assert!(KEYS.iter().any(|(keys, _)| keys.contains(k)), "{k} missing");
        }
    }

    #[test]
    fn ctrl_c_quits_from_anywhere() {
        let mut a = app();
        press(&mut a, "/abc");
        assert_eq!(a.on_key(Key::Interrupt), Effect::Quit);
        assert_eq!(press(&mut App::new(1000, 0), "q"), [Effect::Quit]);
    }

    #[test]
    fn validator_rows_merge_own_status_with_the_reference_view() {
        let a = app();
        let rows = a.validator_rows();
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["validator-0", "validator-1", "validator-2", "validator-3"]
        );
        assert!(matches!(rows[3].own, Some(Err(_))), "validator-3 is down");
        assert!(rows[3].seen.is_some(), "but the others still report on it");
        // With the gateway down, the first validator that answers is the reference.
        let mut b = app();
        b.snap.consensus = Err("down (cannot connect)".into());
        let (s, from) = b.reference_status().unwrap();
        assert_eq!(from, "from validator-0");
        assert_eq!(s.height, 42);
    }

    #[test]
    fn everything_down_gives_empty_panels_not_errors() {
        let mut a = App::new(1000, 0);
        a.on_snapshot(fixtures::all_down(1_000));
        for t in "123456".chars() {
            a.on_key(Key::Char(t));
            assert_eq!(a.row_count(), if t == '3' { 4 } else { 0 });
            a.on_key(Key::Down);
            a.on_key(Key::Enter);
        }
        assert_eq!(a.open_game, None);
    }

    proptest! {
        #[test]
        fn no_key_sequence_panics_or_selects_outside_the_rows(
            keys in proptest::collection::vec(
                prop_oneof![
                    proptest::char::range(' ', '~').prop_map(Key::Char),
                    Just(Key::Tab), Just(Key::BackTab), Just(Key::Up), Just(Key::Down),
                    Just(Key::PageUp), Just(Key::PageDown), Just(Key::Home), Just(Key::End),
                    Just(Key::Enter), Just(Key::Esc), Just(Key::Backspace),
                ],
                0..60,
            )
        ) {
            let mut a = app();
            for k in keys {
                let _ = a.on_key(k);
                if let Some(i) = a.selected() {
                    prop_assert!(i < a.row_count());
                }
                prop_assert!(a.open_game.is_none() || a.tab != Tab::Games
                    || a.snap.games.as_ref().is_ok_and(|g| g.games.iter().any(|x| Some(&x.id) == a.open_game.as_ref())));
            }
        }
    }
}
