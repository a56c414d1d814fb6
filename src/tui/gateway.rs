//! Gateway panel: each upstream instance with health, circuit state,
//! requests in flight, requests per second sent there, and the instance's
//! own p50/p99 latency.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

use super::app::App;
use super::ui::{error_line, fit, latency, per_second, selected_style, state_style};

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let [head, table, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let g = app.derived.gateway;
    f.render_widget(
        Line::from(vec![
            Span::styled("gateway ", Style::new().bold()),
            Span::raw(format!(
                "{} · errors {} · p50 {} · p99 {}",
                per_second(g.per_second),
                per_second(g.errors_per_second),
                latency(g.p50),
                latency(g.p99)
            )),
        ]),
        head,
    );
    if let Err(e) = &app.snap.upstreams {
        f.render_widget(error_line("upstreams (/admin/upstreams)", e), table);
        return;
    }
    let rows: Vec<Row> = app
        .instance_rows()
        .into_iter()
        .map(|r| {
            let i = r.instance;
            let rates = app
                .derived
                .instances
                .get(&i.addr)
                .copied()
                .unwrap_or_default();
            let service = match r.service {
                "game_engine" => "engine",
                other => other,
            };
            Row::new([
                Text::from(fit(service, 9)),
                Text::from(fit(&i.addr, 15)),
                if i.drained {
                    Text::styled("drained", state_style("drained"))
                } else {
                    Text::styled(i.health.clone(), state_style(&i.health))
                },
                Text::styled(i.breaker.replace('_', "-"), state_style(&i.breaker)),
                Text::from(i.in_flight.to_string()),
                Text::from(per_second(rates.per_second)),
                Text::from(latency(rates.p50)),
                Text::from(latency(rates.p99)),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(9),
        Constraint::Length(15),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let header = Row::new([
        "SERVICE", "INSTANCE", "HEALTH", "BREAKER", "INFL", "REQ/S", "P50", "P99",
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
    let rows = app.instance_rows();
    if let Some(r) = app.selected().and_then(|i| rows.get(i)) {
        let mut line = vec![Span::styled(
            format!("{} ", r.instance.addr),
            Style::new().bold(),
        )];
        match &r.instance.last_error {
            Some(e) => {
                line.push(Span::raw("last error: "));
                line.push(Span::styled(e.clone(), state_style("down")));
            }
            None => line.push(Span::raw("no error")),
        }
        f.render_widget(Paragraph::new(Line::from(line)), detail);
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::app::{App, Key};
    use crate::tui::fixtures::{self, render};

    #[test]
    fn gateway_at_80x24_with_an_open_breaker() {
        let mut app = fixtures::app();
        app.on_key(Key::Char('4'));
        // The last consensus instance, above the wallet: its open breaker.
        app.on_key(Key::End);
        app.on_key(Key::Up);
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn gateway_when_it_is_down() {
        let mut app = App::new(1000, 1_500);
        app.on_snapshot(fixtures::all_down(1_000));
        app.on_key(Key::Char('4'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }
}
