//! The frame around the panels: the tab bar with the refresh state, the
//! footer with the current panel's keys, the help overlay, and the small
//! formatting helpers the panels share.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, Wrap};

use super::app::{App, KEYS, TABS, Tab};
use super::{games, gateway, logview, metrics, report, services, validators, wallet};

pub fn draw(f: &mut Frame, app: &App) {
    let [top, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(f.area());
    f.render_widget(tab_bar(app), top);
    if let Some(r) = app.reports.last() {
        report::draw(f, body, r);
    } else {
        draw_panel(f, body, app);
    }
    f.render_widget(footer_line(app), footer);
    if app.help {
        draw_help(f);
    }
}

fn draw_panel(f: &mut Frame, body: Rect, app: &App) {
    match app.tab {
        Tab::Services => match &app.log {
            Some(view) => logview::draw(f, body, view),
            None => services::draw(f, body, app),
        },
        Tab::Games => games::draw(f, body, app),
        Tab::Validators => validators::draw(f, body, app),
        Tab::Gateway => gateway::draw(f, body, app),
        Tab::Metrics => metrics::draw(f, body, app),
        Tab::Wallet => wallet::draw(f, body, app),
    }
}

fn tab_bar(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    // One space between tabs: six tabs and `FROZEN (1 skipped)` fit 80 columns.
    for t in TABS {
        let label = format!("{} {}", t.index() + 1, t.title());
        spans.push(Span::raw(" "));
        spans.push(if t == app.tab {
            Span::styled(label, Style::new().reversed().bold())
        } else {
            Span::raw(label)
        });
    }
    let status = if let Some(e) = &app.collector_error {
        Span::styled(format!(" {e}"), Style::new().fg(Color::Red))
    } else if app.frozen {
        Span::styled(
            format!(" FROZEN ({} skipped)", app.skipped),
            Style::new().fg(Color::Yellow).bold(),
        )
    } else if app.received == 0 {
        Span::raw(" reading…")
    } else {
        Span::styled(
            format!(
                " {} ago",
                age(app.now_ms.saturating_sub(app.snap.at_ms) as f64 / 1000.0)
            ),
            Style::new().dim(),
        )
    };
    spans.push(status);
    Line::from(spans)
}

fn footer_line(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    if let Some(line) = &app.command {
        spans.push(Span::styled(
            format!(":{line}█"),
            Style::new().fg(Color::Cyan).bold(),
        ));
        spans.push(Span::raw("  "));
        if let Some(note) = &app.command_note {
            spans.push(Span::styled(note.clone(), Style::new().dim()));
            spans.push(Span::raw("  "));
        }
    } else if let Some(note) = &app.command_note {
        spans.push(Span::styled(note.clone(), Style::new().fg(Color::Red)));
        spans.push(Span::raw("  "));
    }
    if let Some((text, failed)) = app.flow.status(app.now_ms) {
        let style = if failed {
            Style::new().fg(Color::Red).bold()
        } else if app.flow.confirming() {
            Style::new().fg(Color::Yellow).bold()
        } else {
            Style::new().fg(Color::Cyan)
        };
        spans.push(Span::styled(text, style));
        spans.push(Span::raw("  "));
    }
    if app.editing_filter || !app.filter().is_empty() {
        spans.push(Span::styled(
            format!("/{}", app.filter()),
            Style::new().fg(Color::Cyan),
        ));
        if app.editing_filter {
            spans.push(Span::styled("█", Style::new().fg(Color::Cyan)));
        }
        spans.push(Span::raw("  "));
    }
    for (i, (k, what)) in app.hints().into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(k, Style::new().bold()));
        spans.push(Span::styled(format!(" {what}"), Style::new().dim()));
    }
    Line::from(spans)
}

fn draw_help(f: &mut Frame) {
    let area = centered(f.area(), 72, KEYS.len() as u16 + 2);
    f.render_widget(Clear, area);
    let rows = KEYS
        .iter()
        .map(|(k, what)| Row::new([k.to_string(), what.to_string()]));
    let table = Table::new(rows, [Constraint::Length(16), Constraint::Min(0)]).block(
        Block::bordered()
            .title(" keys (? or Esc closes) ")
            .title_style(Style::new().bold()),
    );
    f.render_widget(table, area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(area);
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(h);
    v
}

/// A source's error as one red line: `gateway: down (cannot connect)`.
pub fn error_line(what: &str, err: &str) -> Paragraph<'static> {
    Paragraph::new(Line::from(vec![
        Span::styled(format!("{what}: "), Style::new().bold()),
        Span::styled(err.to_string(), Style::new().fg(Color::Red)),
    ]))
    .wrap(Wrap { trim: true })
}

/// The style of a state word: green when well, red when down, yellow between.
pub fn state_style(word: &str) -> Style {
    match word {
        "ready" | "running" | "healthy" | "closed" | "up" | "open" => Style::new().fg(Color::Green),
        "down" | "failed" | "unhealthy" | "stopped" | "unreachable" => {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        }
        _ => Style::new().fg(Color::Yellow),
    }
}

pub fn selected_style() -> Style {
    Style::new().reversed()
}

/// `12.3/s`, `-` when unknown.
pub fn per_second(v: Option<f64>) -> String {
    match v {
        Some(r) if r >= 100.0 => format!("{r:.0}/s"),
        Some(r) => format!("{r:.1}/s"),
        None => "-".into(),
    }
}

/// A latency in seconds as `850µs`, `12.5ms`, `1.20s`; `-` when unknown.
pub fn latency(v: Option<f64>) -> String {
    match v {
        Some(s) if s < 0.001 => format!("{:.0}µs", s * 1e6),
        Some(s) if s < 1.0 => format!("{:.1}ms", s * 1e3),
        Some(s) => format!("{s:.2}s"),
        None => "-".into(),
    }
}

/// `0.4s`, `12s`, `3m04s`, `2h05m`.
pub fn age(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 10.0 {
        format!("{s:.1}s")
    } else if s < 60.0 {
        format!("{s:.0}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!(
            "{}h{:02}m",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    }
}

/// Cuts `s` to `width` characters, ending in `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Key;
    use crate::tui::fixtures::{self, render};

    #[test]
    fn formats() {
        assert_eq!(per_second(Some(3.125)), "3.1/s");
        assert_eq!(per_second(Some(1234.0)), "1234/s");
        assert_eq!(latency(Some(0.00085)), "850µs");
        assert_eq!(latency(Some(0.0125)), "12.5ms");
        assert_eq!(latency(Some(1.2)), "1.20s");
        assert_eq!(latency(None), "-");
        assert_eq!(age(184.0), "3m04s");
        assert_eq!(age(7500.0), "2h05m");
        assert_eq!(fit("e0-3f2a9c", 6), "e0-3f…");
        assert_eq!(fit("short", 6), "short");
    }

    #[test]
    fn help_overlay_lists_every_key() {
        let mut app = fixtures::app();
        app.on_key(Key::Char('?'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn frozen_and_filtering_show_in_the_bars() {
        let mut app = fixtures::app();
        for c in "f/eng".chars() {
            app.on_key(Key::Char(c));
        }
        app.on_snapshot(fixtures::snapshot(5_000));
        insta::assert_snapshot!(render(&app, 80, 24));
    }
}
