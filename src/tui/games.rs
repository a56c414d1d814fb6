//! Games panel: the live list through the gateway; Enter opens one game
//! and shows its players, chips and table, re-read on every refresh.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};
use serde_json::Value;

use super::app::App;
use super::ui::{error_line, fit, selected_style, state_style};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    if let Some(id) = &app.open_game {
        return draw_game(f, area, app, id);
    }
    let list = match &app.snap.games {
        Ok(l) => l,
        Err(e) => return f.render_widget(error_line("games (through the gateway)", e), area),
    };
    let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let rows = app.game_rows();
    f.render_widget(
        Line::from(format!(
            "{} games shown of {} (newest first)",
            rows.len(),
            list.total
        )),
        head,
    );
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|g| {
            Row::new([
                fit(&g.id, 22).into(),
                g.game_type.clone().into(),
                ratatui::text::Text::styled(
                    g.status.clone(),
                    state_style(if g.status == "open" { "open" } else { "" }),
                ),
                g.version.to_string().into(),
                g.players.join(", ").into(),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(22),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(5),
        Constraint::Min(10),
    ];
    let mut state = TableState::default().with_selected(app.selected());
    f.render_stateful_widget(
        Table::new(rows, widths)
            .header(Row::new(["ID", "TYPE", "STATUS", "VER", "PLAYERS"]).style(Style::new().bold()))
            .row_highlight_style(selected_style())
            .highlight_symbol("> "),
        table,
        &mut state,
    );
}

fn draw_game(f: &mut Frame, area: Rect, app: &App, id: &str) {
    // The table above, the live events below (the newest at the bottom).
    let events_height = (area.height / 2).clamp(3, 12);
    let [area, events] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(events_height)]).areas(area);
    draw_events(f, events, app);
    let game = match &app.snap.game {
        Some((gid, Ok(g))) if gid == id => g,
        Some((gid, Err(e))) if gid == id => return f.render_widget(error_line(id, e), area),
        _ => {
            return f.render_widget(Paragraph::new(format!("reading game {id}…")), area);
        }
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{id} "), Style::new().bold()),
            Span::raw(format!(
                "{} · {} · version {}",
                str_of(&game["game_type"]),
                str_of(&game["status"]),
                game["version"]
            )),
        ]),
        Line::from(format!(
            "chips in play {} · house {}",
            game["chips_in_play"], game["house"]
        )),
        Line::from(Span::styled("players", Style::new().bold())),
    ];
    for p in game["players"].as_array().into_iter().flatten() {
        lines.push(Line::from(format!(
            "  {:<16} {}",
            str_of(&p["id"]),
            p["balance"]
        )));
    }
    lines.push(Line::from(Span::styled("table", Style::new().bold())));
    flatten(&game["table"], "", &mut lines);
    let visible = area.height as usize;
    let scroll = app.game_scroll.min(lines.len().saturating_sub(visible));
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(scroll).collect::<Vec<_>>()),
        area,
    );
}

/// The open game's event stream, as it happens.
fn draw_events(f: &mut Frame, area: Rect, app: &App) {
    let finished = matches!(&app.snap.game, Some((_, Ok(g))) if g["status"] == "finished");
    let title = match &app.game_events_error {
        Some(e) => Span::styled(format!(" events: {e} "), Style::new().fg(Color::Red)),
        None if finished => Span::styled(
            format!(" events ({}, the game finished) ", app.game_events.len()),
            Style::new().bold(),
        ),
        None => Span::styled(
            format!(" events, live ({}) ", app.game_events.len()),
            Style::new().bold(),
        ),
    };
    let block = Block::default().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let shown = inner.height as usize;
    let lines: Vec<Line> = app
        .game_events
        .iter()
        .skip(app.game_events.len().saturating_sub(shown))
        .map(|e| Line::from(e.clone()))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// A game's table (different for each game type) as `key: value` lines:
/// objects nest by indentation, arrays of objects one line per item.
fn flatten(v: &Value, indent: &str, out: &mut Vec<Line<'static>>) {
    let Value::Object(map) = v else {
        out.push(Line::from(format!("  {indent}{}", str_of(v))));
        return;
    };
    for (k, v) in map {
        match v {
            Value::Object(_) => {
                out.push(Line::from(format!("  {indent}{k}:")));
                flatten(v, &format!("{indent}  "), out);
            }
            Value::Array(items) if items.iter().any(Value::is_object) => {
                out.push(Line::from(format!("  {indent}{k}: {}", items.len())));
                for item in items {
                    out.push(Line::from(format!("  {indent}  - {}", inline(item))));
                }
            }
            other => out.push(Line::from(format!("  {indent}{k}: {}", inline(other)))),
        }
    }
}

/// One value on one line: `player alice, bet pass, amount 10`.
fn inline(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} {}", inline(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(a) => format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", ")),
        other => str_of(other),
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::app::{App, Key};
    use crate::tui::fixtures::{self, render};

    #[test]
    fn games_list_at_80x24() {
        let mut app = fixtures::app();
        app.on_key(Key::Char('2'));
        app.on_key(Key::Down);
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn an_open_craps_game_shows_players_and_table() {
        let mut app = fixtures::app();
        app.on_key(Key::Char('2'));
        app.on_key(Key::Enter);
        let mut s = fixtures::snapshot(5_000);
        s.game = Some(("e0-craps-1".into(), Ok(fixtures::craps_game())));
        app.on_snapshot(s);
        app.on_game_events(
            "e0-craps-1",
            Ok(vec![
                "#1 joined alice {}".into(),
                "#2 bet alice {\"bet\":\"pass\",\"amount\":10}".into(),
                "#3 alice rolled 3+4 = 7 (net to players +10)".into(),
            ]),
        );
        // Events of a game no longer open are not shown.
        app.on_game_events("e0-craps-9", Ok(vec!["#1 joined mallory {}".into()]));
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn games_when_the_gateway_is_down() {
        let mut app = App::new(1000, 1_500);
        app.on_snapshot(fixtures::all_down(1_000));
        app.on_key(Key::Char('2'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }
}
