//! A service's log, live (`l` on the Services panel): follows the file the
//! supervisor writes (`logs/<service>.log`), with pause, search (`/`), a
//! level filter (`v`) and scrolling. The state is pure; the event loop's
//! tailer feeds it lines.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::Key;
use crate::supervisor::console;

/// Lines kept in memory per open log (the file keeps the rest).
pub const KEEP: usize = 5_000;

/// The least severe level shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinLevel {
    All,
    Info,
    Warn,
    Error,
}

impl MinLevel {
    fn next(self) -> MinLevel {
        match self {
            MinLevel::All => MinLevel::Info,
            MinLevel::Info => MinLevel::Warn,
            MinLevel::Warn => MinLevel::Error,
            MinLevel::Error => MinLevel::All,
        }
    }

    fn rank(level: &str) -> u8 {
        match level {
            "ERROR" => 4,
            "WARN" => 3,
            "INFO" => 2,
            "DEBUG" => 1,
            "TRACE" => 0,
            // Not a JSON line (a panic, a raw message): always shown.
            _ => 5,
        }
    }

    pub fn admits(self, level: &str) -> bool {
        let floor = match self {
            MinLevel::All => 0,
            MinLevel::Info => 2,
            MinLevel::Warn => 3,
            MinLevel::Error => 4,
        };
        MinLevel::rank(level) >= floor
    }

    pub fn label(self) -> &'static str {
        match self {
            MinLevel::All => "all levels",
            MinLevel::Info => "info and up",
            MinLevel::Warn => "warn and up",
            MinLevel::Error => "errors",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub level: String,
    /// As `bitcraps logs` shows it: time, level, message, fields.
    pub text: String,
}

impl LogLine {
    pub fn parse(raw: &str) -> LogLine {
        let level = serde_json::from_str::<serde_json::Value>(raw)
            .ok()
            .and_then(|v| v.get("level").and_then(|l| l.as_str()).map(str::to_string))
            .unwrap_or_default();
        LogLine {
            level,
            text: console::render(raw),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    pub service: String,
    lines: VecDeque<LogLine>,
    /// Lines that arrived while paused, shown on resume.
    held: VecDeque<LogLine>,
    pub paused: bool,
    pub level: MinLevel,
    pub search: String,
    pub editing_search: bool,
    /// How many matching lines above the end the view is (0: at the end,
    /// following new lines).
    pub scroll: usize,
    /// Why the file cannot be read, if it cannot.
    pub error: Option<String>,
}

impl LogView {
    pub fn new(service: &str) -> LogView {
        LogView {
            service: service.to_string(),
            lines: VecDeque::new(),
            held: VecDeque::new(),
            paused: false,
            level: MinLevel::All,
            search: String::new(),
            editing_search: false,
            scroll: 0,
            error: None,
        }
    }

    /// New raw lines from the file.
    pub fn push(&mut self, raw: &[String]) {
        self.error = None;
        let target = if self.paused {
            &mut self.held
        } else {
            &mut self.lines
        };
        for r in raw {
            target.push_back(LogLine::parse(r));
            while target.len() > KEEP {
                target.pop_front();
            }
        }
        // Scrolled up: stay on the same lines as new ones arrive below.
        if !self.paused && self.scroll > 0 {
            let added = raw
                .iter()
                .filter(|r| self.shows(&LogLine::parse(r)))
                .count();
            self.scroll = self.scroll.saturating_add(added);
        }
    }

    pub fn held(&self) -> usize {
        self.held.len()
    }

    fn shows(&self, l: &LogLine) -> bool {
        self.level.admits(&l.level)
            && (self.search.is_empty()
                || l.text.to_lowercase().contains(&self.search.to_lowercase()))
    }

    /// The lines that pass the level filter and the search, oldest first.
    pub fn visible(&self) -> Vec<&LogLine> {
        self.lines.iter().filter(|l| self.shows(l)).collect()
    }

    /// Whether new lines scroll into view.
    pub fn following(&self) -> bool {
        !self.paused && self.scroll == 0
    }

    /// Handles a key; returns true when the view should close.
    pub fn on_key(&mut self, key: Key) -> bool {
        if self.editing_search {
            match key {
                Key::Char(c) => self.search.push(c),
                Key::Backspace => {
                    self.search.pop();
                }
                Key::Enter => self.editing_search = false,
                Key::Esc => {
                    self.search.clear();
                    self.editing_search = false;
                }
                _ => {}
            }
            self.scroll = 0;
            return false;
        }
        let max = self.visible().len().saturating_sub(1);
        match key {
            Key::Esc | Key::Char('q') => return true,
            Key::Char(' ') | Key::Char('p') => {
                self.paused = !self.paused;
                if !self.paused {
                    let held: Vec<LogLine> = self.held.drain(..).collect();
                    for l in held {
                        self.lines.push_back(l);
                        while self.lines.len() > KEEP {
                            self.lines.pop_front();
                        }
                    }
                }
            }
            Key::Char('/') => self.editing_search = true,
            Key::Char('v') => {
                self.level = self.level.next();
                self.scroll = 0;
            }
            Key::Up | Key::Char('k') => self.scroll = (self.scroll + 1).min(max),
            Key::Down | Key::Char('j') => self.scroll = self.scroll.saturating_sub(1),
            Key::PageUp => self.scroll = (self.scroll + 10).min(max),
            Key::PageDown => self.scroll = self.scroll.saturating_sub(10),
            Key::Home | Key::Char('g') => self.scroll = max,
            Key::End | Key::Char('G') => self.scroll = 0,
            _ => {}
        }
        false
    }

    /// Key hints for the footer.
    pub fn hints(&self) -> Vec<(&'static str, &'static str)> {
        if self.editing_search {
            return vec![("Enter", "keep search"), ("Esc", "clear")];
        }
        vec![
            ("Esc", "close"),
            ("Space", if self.paused { "resume" } else { "pause" }),
            ("/", "search"),
            ("v", "level"),
            ("j/k", "scroll"),
            ("G", "follow"),
        ]
    }
}

pub fn draw(f: &mut Frame, area: Rect, v: &LogView) {
    let mut title = vec![Span::styled(
        format!(" logs: {} ", v.service),
        Style::new().bold(),
    )];
    let state = if v.paused {
        Span::styled(
            format!("PAUSED ({} new) ", v.held()),
            Style::new().fg(Color::Yellow).bold(),
        )
    } else if v.following() {
        Span::styled("following ", Style::new().fg(Color::Green))
    } else {
        Span::raw(format!("{} lines up ", v.scroll))
    };
    title.push(state);
    title.push(Span::styled(
        format!("· {} ", v.level.label()),
        Style::new().dim(),
    ));
    if !v.search.is_empty() || v.editing_search {
        title.push(Span::styled(
            format!(
                "· /{}{} ",
                v.search,
                if v.editing_search { "█" } else { "" }
            ),
            Style::new().fg(Color::Cyan),
        ));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if let Some(e) = &v.error {
        f.render_widget(
            Paragraph::new(Line::styled(e.clone(), Style::new().fg(Color::Red))),
            inner,
        );
        return;
    }
    let visible = v.visible();
    let height = inner.height as usize;
    let end = visible.len().saturating_sub(v.scroll);
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = visible[start..end]
        .iter()
        .map(|l| {
            let style = match l.level.as_str() {
                "ERROR" => Style::new().fg(Color::Red),
                "WARN" => Style::new().fg(Color::Yellow),
                "DEBUG" | "TRACE" => Style::new().dim(),
                _ => Style::new(),
            };
            Line::styled(l.text.clone(), style)
        })
        .collect();
    if lines.is_empty() {
        let why = if v.lines.is_empty() {
            "no lines yet"
        } else {
            "no line matches the level filter and the search"
        };
        f.render_widget(Paragraph::new(why).dim(), inner);
    } else {
        f.render_widget(Paragraph::new(lines), inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(level: &str, msg: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-12-07T03:00:00.000000Z","level":"{level}","message":"{msg}","target":"t"}}"#
        )
    }

    fn texts(v: &LogView) -> Vec<String> {
        v.visible().iter().map(|l| l.text.clone()).collect()
    }

    #[test]
    fn follows_filters_by_level_and_searches_case_insensitively() {
        let mut v = LogView::new("engine-0");
        v.push(&[
            raw("INFO", "engine listening"),
            raw("DEBUG", "probe"),
            raw("WARN", "wallet slow"),
            raw("ERROR", "store failed"),
            "thread 'main' panicked".to_string(),
        ]);
        assert_eq!(v.visible().len(), 5);
        assert!(v.following());
        v.on_key(Key::Char('v'));
        assert_eq!(v.level, MinLevel::Info);
        assert_eq!(
            v.visible().len(),
            4,
            "debug hidden; a raw line always shows"
        );
        v.on_key(Key::Char('v'));
        let t = texts(&v);
        assert_eq!(t.len(), 3);
        assert!(t[0].contains("WARN  wallet slow"), "{t:?}");
        v.on_key(Key::Char('v'));
        v.on_key(Key::Char('v'));
        assert_eq!(v.level, MinLevel::All);
        for c in "/STORE".chars() {
            v.on_key(Key::Char(c));
        }
        assert!(v.editing_search);
        assert_eq!(texts(&v).len(), 1);
        assert!(!v.on_key(Key::Char('q')), "q is text while searching");
        v.on_key(Key::Backspace);
        v.on_key(Key::Enter);
        assert_eq!(v.search, "STORE");
        assert!(v.on_key(Key::Esc), "Esc closes once the search is kept");
    }

    #[test]
    fn pause_holds_new_lines_and_scrolling_keeps_its_place() {
        let mut v = LogView::new("gateway");
        v.push(&[raw("INFO", "a"), raw("INFO", "b"), raw("INFO", "c")]);
        v.on_key(Key::Char(' '));
        assert!(v.paused && !v.following());
        v.push(&[raw("INFO", "d")]);
        assert_eq!(v.visible().len(), 3, "held while paused");
        assert_eq!(v.held(), 1);
        v.on_key(Key::Char(' '));
        assert_eq!(v.visible().len(), 4);
        assert_eq!(v.held(), 0);
        // Scrolled up two lines, new lines keep the same lines on screen.
        v.on_key(Key::Char('k'));
        v.on_key(Key::Char('k'));
        assert_eq!(v.scroll, 2);
        v.push(&[raw("INFO", "e")]);
        assert_eq!(v.scroll, 3);
        v.on_key(Key::Char('G'));
        assert!(v.following());
        v.on_key(Key::Home);
        assert_eq!(v.scroll, 4, "the top is the oldest line");
        v.on_key(Key::PageUp);
        assert_eq!(v.scroll, 4, "not past the top");
    }

    #[test]
    fn keeps_a_bounded_number_of_lines() {
        let mut v = LogView::new("x");
        let many: Vec<String> = (0..KEEP + 10)
            .map(|i| raw("INFO", &format!("n{i}")))
            .collect();
        v.push(&many);
        assert_eq!(v.visible().len(), KEEP);
        assert!(
            v.visible()[0].text.ends_with(" n10"),
            "{}",
            v.visible()[0].text
        );
    }
}
