//! Validators panel: algorithm, height, view, leader; each validator's own
//! view and what the others last heard from it (last vote, last seen);
//! recorded evidence.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Row, Table, TableState};
use serde_json::Value;

use super::app::App;
use super::ui::{age, error_line, selected_style, state_style};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let [head, table, evidence] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(4),
        Constraint::Length(5),
    ])
    .areas(area);
    match app.reference_status() {
        Some((s, from)) => {
            let view = match s.round {
                Some(r) => format!("round {r}"),
                None => format!("view {}", s.view),
            };
            let mut first = vec![
                Span::styled(
                    if s.algorithm.is_empty() {
                        "?".into()
                    } else {
                        s.algorithm.clone()
                    },
                    Style::new().bold(),
                ),
                Span::raw(format!(" · chain {}", s.chain_id)),
            ];
            if let Some(e) = s.epoch {
                first.push(Span::raw(format!(" · epoch {e}")));
            }
            first.push(Span::styled(format!("  ({from})"), Style::new().dim()));
            let leader = match (s.leader, &s.leader_id) {
                (Some(i), Some(id)) => format!("{i} ({id})"),
                (Some(i), None) => i.to_string(),
                _ => "-".into(),
            };
            let second = format!(
                "height {} · {view} · leader {leader} · pending {} · evidence {}",
                s.height,
                s.pending,
                s.evidence_total().map_or("-".into(), |n| n.to_string())
            );
            f.render_widget(
                Paragraph::new(vec![Line::from(first), Line::from(second)]),
                head,
            );
        }
        None => {
            let why = app
                .snap
                .consensus
                .as_ref()
                .err()
                .cloned()
                .unwrap_or_default();
            f.render_widget(
                error_line("consensus (gateway and every validator)", &why),
                head,
            );
        }
    }
    let rows: Vec<Row> = app
        .validator_rows()
        .into_iter()
        .map(|r| {
            let (state, height, view, leader, evidence) = match r.own {
                Some(Ok(s)) => (
                    "up",
                    s.height.to_string(),
                    s.round.unwrap_or(s.view).to_string(),
                    s.leader.map_or("-".into(), |l| l.to_string()),
                    s.evidence_total().map_or("-".into(), |n| n.to_string()),
                ),
                Some(Err(_)) => ("down", "-".into(), "-".into(), "-".into(), "-".into()),
                None => ("?", "-".into(), "-".into(), "-".into(), "-".into()),
            };
            let (vote, seen) = match r.seen {
                Some(e) => (
                    e.last_vote.as_ref().map_or("-".into(), |v| {
                        let phase = match &v.phase {
                            Value::String(p) => p.clone(),
                            other => other.to_string(),
                        };
                        format!("h{} v{} {phase}", v.height, v.view)
                    }),
                    if e.is_self {
                        "self".into()
                    } else {
                        e.last_seen_ms_ago.map_or("never".into(), |ms| {
                            if ms < 1000 {
                                format!("{ms}ms")
                            } else {
                                age(ms as f64 / 1000.0)
                            }
                        })
                    },
                ),
                None => ("-".into(), "-".into()),
            };
            Row::new([
                Text::from(r.index.to_string()),
                Text::from(r.name.clone()),
                Text::styled(state, state_style(state)),
                Text::from(height),
                Text::from(view),
                Text::from(leader),
                Text::from(vote),
                Text::from(seen),
                Text::from(evidence),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(2),
        Constraint::Length(12),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(4),
        Constraint::Length(6),
        Constraint::Length(17),
        Constraint::Length(6),
        Constraint::Length(4),
    ];
    let header = Row::new([
        "#",
        "NAME",
        "STATE",
        "HEIGHT",
        "VIEW",
        "LEADER",
        "LAST VOTE",
        "SEEN",
        "EVID",
    ])
    .style(Style::new().bold());
    let mut state = TableState::default().with_selected(app.selected());
    f.render_stateful_widget(
        Table::new(rows, widths)
            .header(header)
            .row_highlight_style(selected_style())
            .highlight_symbol("> "),
        table,
        &mut state,
    );
    draw_evidence(f, evidence, app);
}

fn draw_evidence(f: &mut Frame, area: Rect, app: &App) {
    let list = match &app.snap.evidence {
        Ok(l) => l,
        Err(e) => return f.render_widget(error_line("evidence", e), area),
    };
    let mut lines = vec![Line::from(Span::styled(
        format!("evidence: {} recorded", list.len()),
        Style::new().bold(),
    ))];
    let room = area.height.saturating_sub(1) as usize;
    for e in list.iter().rev().take(room) {
        let vote = if e["a"].is_object() { &e["a"] } else { e };
        lines.push(Line::from(format!(
            "  {} by validator {} at height {} view {} ({})",
            e["type"].as_str().unwrap_or("evidence"),
            vote["validator"],
            vote["height"],
            vote["view"],
            vote["phase"].as_str().unwrap_or("-"),
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use crate::tui::app::{App, Key};
    use crate::tui::fixtures::{self, render};

    #[test]
    fn validators_at_80x24_with_one_down() {
        let mut app = fixtures::app();
        app.on_key(Key::Char('3'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn validators_render_fields_of_other_algorithms() {
        let mut app = fixtures::app();
        let mut s = fixtures::snapshot(5_000);
        if let Ok(c) = &mut s.consensus {
            c.algorithm = "tendermint".into();
            c.round = Some(2);
            c.epoch = None;
            c.evidence_count = None;
            c.evidence = Some(4);
        }
        app.on_snapshot(s);
        app.on_key(Key::Char('3'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn validators_when_nothing_answers() {
        let mut app = App::new(1000, 1_500);
        app.on_snapshot(fixtures::all_down(1_000));
        app.on_key(Key::Char('3'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }
}
