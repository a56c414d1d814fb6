//! Services panel: the supervisor's processes with state, health, restarts,
//! uptime, CPU and memory.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::app::{App, word};
use super::procfs::short_bytes;
use super::ui::{age, error_line, selected_style, state_style};
use crate::supervisor::control::ProcState;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let [head, table, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let status = match &app.snap.supervisor {
        Err(e) => {
            f.render_widget(error_line("supervisor", e), area);
            return;
        }
        Ok(None) if app.received == 0 => {
            f.render_widget(Paragraph::new("reading the supervisor…"), head);
            return;
        }
        Ok(None) => {
            f.render_widget(
                error_line(
                    "supervisor",
                    "not running for this state dir; start it with `bitcraps up -d --wait` \
                     (the other panels still read the configured addresses)",
                ),
                area,
            );
            return;
        }
        Ok(Some(s)) => s,
    };
    f.render_widget(
        Line::from(vec![
            Span::styled("supervisor ", Style::new().bold()),
            Span::raw(format!(
                "pid {} · {} · up {} · {}",
                status.supervisor_pid,
                word(&status.phase),
                age(status.uptime_seconds),
                status.state_dir
            )),
        ]),
        head,
    );
    let rows: Vec<Row> = app
        .service_rows()
        .into_iter()
        .map(|s| {
            let state = match (s.state, s.next_start_in_ms) {
                (ProcState::Backoff, Some(ms)) => format!("backoff {ms}ms"),
                (st, _) => word(&st),
            };
            let health = word(&s.health);
            let (cpu, mem) = match s.pid {
                Some(pid) => (
                    app.derived
                        .cpu
                        .get(&pid)
                        .map_or("-".into(), |c| format!("{c:.1}%")),
                    app.snap
                        .procs
                        .get(&pid)
                        .map_or("-".into(), |p| short_bytes(p.rss_bytes)),
                ),
                None => ("-".into(), "-".into()),
            };
            Row::new([
                Cell::from(s.name.clone()),
                Cell::from(s.pid.map_or("-".into(), |p| p.to_string())),
                Cell::from(state.clone()).style(state_style(&state)),
                Cell::from(health.clone()).style(state_style(&health)),
                Cell::from(s.uptime_seconds.map_or("-".into(), age)),
                Cell::from(s.restarts.to_string()),
                Cell::from(cpu),
                Cell::from(mem),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(12),
        Constraint::Length(7),
        Constraint::Length(14),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(7),
    ];
    let header = Row::new([
        "NAME", "PID", "STATE", "HEALTH", "UPTIME", "RESTARTS", "CPU", "MEM",
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
    if let Some(s) = app
        .selected()
        .and_then(|i| app.service_rows().get(i).copied())
    {
        let mut line = vec![
            Span::styled(format!("{} ", s.name), Style::new().bold()),
            Span::raw(format!("{} ({})", s.address, word(&s.kind))),
        ];
        if let Some(e) = &s.last_exit {
            line.push(Span::raw(" · last exit: "));
            line.push(Span::styled(e.clone(), state_style("down")));
        }
        f.render_widget(Paragraph::new(Line::from(line)), detail);
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::app::{App, Key};
    use crate::tui::fixtures::{self, render};

    #[test]
    fn services_at_80x24_with_one_validator_down() {
        insta::assert_snapshot!(render(&fixtures::app(), 80, 24));
    }

    #[test]
    fn services_selected_row_shows_its_last_exit() {
        let mut app = fixtures::app();
        app.on_key(Key::End);
        insta::assert_snapshot!(render(&app, 100, 14));
    }

    #[test]
    fn services_when_no_supervisor_runs() {
        let mut app = App::new(1000, 1_500);
        app.on_snapshot(fixtures::all_down(1_000));
        insta::assert_snapshot!(render(&app, 80, 24));
    }
}
