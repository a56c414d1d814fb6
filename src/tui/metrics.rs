//! Metrics panel: sparklines of the gateway's request and error rates,
//! consensus commit latency (p50, p99) and blocks per second, newest on
//! the right.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Sparkline;

use super::app::App;
use super::ui::{latency, per_second};

/// One chart: its title, the current value in words, the series and how to
/// scale a point to the sparkline's integers.
struct Chart<'a> {
    title: &'static str,
    now: String,
    series: &'a VecDeque<Option<f64>>,
    scale: f64,
    color: Color,
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let h = &app.history;
    let d = &app.derived;
    let charts = [
        Chart {
            title: "gateway requests",
            now: per_second(d.gateway.per_second),
            series: &h.requests,
            scale: 100.0,
            color: Color::Green,
        },
        Chart {
            title: "gateway 5xx",
            now: per_second(d.gateway.errors_per_second),
            series: &h.errors,
            scale: 100.0,
            color: Color::Red,
        },
        Chart {
            title: "commit latency p50",
            now: latency(d.commit_p50),
            series: &h.commit_p50,
            scale: 1e6,
            color: Color::Cyan,
        },
        Chart {
            title: "commit latency p99",
            now: latency(d.commit_p99),
            series: &h.commit_p99,
            scale: 1e6,
            color: Color::Magenta,
        },
        Chart {
            title: "blocks committed",
            now: per_second(d.blocks_per_second),
            series: &h.blocks,
            scale: 100.0,
            color: Color::Yellow,
        },
    ];
    let areas = Layout::vertical(
        charts
            .iter()
            .map(|_| Constraint::Ratio(1, charts.len() as u32)),
    )
    .split(area);
    for (chart, area) in charts.iter().zip(areas.iter()) {
        let [title, spark] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(*area);
        let max = chart
            .series
            .iter()
            .flatten()
            .fold(None, |m: Option<f64>, v| Some(m.map_or(*v, |m| m.max(*v))));
        let max_label = match (chart.scale > 1000.0, max) {
            (true, Some(m)) => latency(Some(m)),
            (false, Some(m)) => per_second(Some(m)),
            (_, None) => "-".into(),
        };
        f.render_widget(
            Line::from(vec![
                Span::styled(format!("{} ", chart.title), Style::new().bold()),
                Span::styled(chart.now.clone(), Style::new().fg(chart.color)),
                Span::styled(format!("  (max {max_label})"), Style::new().dim()),
            ]),
            title,
        );
        // The newest points that fit, right-aligned.
        let width = spark.width as usize;
        let points: Vec<u64> = chart
            .series
            .iter()
            .skip(chart.series.len().saturating_sub(width))
            .map(|v| v.map_or(0, |x| (x * chart.scale).round().max(0.0) as u64))
            .collect();
        let pad = width.saturating_sub(points.len());
        let [_, right] =
            Layout::horizontal([Constraint::Length(pad as u16), Constraint::Min(0)]).areas(spark);
        f.render_widget(
            Sparkline::default()
                .data(&points)
                .style(Style::new().fg(chart.color)),
            right,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::app::{App, Key};
    use crate::tui::fixtures::{self, render};

    #[test]
    fn metrics_at_80x24_after_a_burst() {
        let mut app = App::new(1000, 0);
        // Ten readings with the same growth each; two of them come after a
        // quarter of a second: a burst of four times the rate.
        let mut at = 0;
        for step in 1..=10u64 {
            at += if (5..7).contains(&step) { 250 } else { 1_000 };
            let mut s = fixtures::snapshot(step * 1000);
            s.at_ms = at;
            app.on_snapshot(s);
        }
        app.now_ms = at + 300;
        app.on_key(Key::Char('5'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn metrics_before_two_readings_show_dashes() {
        let mut app = App::new(1000, 1_500);
        app.on_snapshot(fixtures::all_down(1_000));
        app.on_key(Key::Char('5'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }
}
