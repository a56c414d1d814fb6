//! Wallet panel: the ledger's totals, whether it balances (the audit, read
//! at most every 10 s), its most recent transfers, and how far the
//! anchoring on the chain lags behind the log.
//!
//! The formatting is pure: ages take the wall clock as `now_ms`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

use super::app::App;
use super::data::{Audited, RECENT_TRANSFERS, WalletAccounts, WalletSummary, WalletTransfer};
use super::ui::{age, error_line, fit, selected_style};

/// What the audit says of conservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conservation {
    /// Not read yet, or the read failed: why.
    Unknown(String),
    /// The audit passed and posted balances sum to zero.
    Balanced,
    /// Something disagrees: the first problem.
    Broken(String),
}

pub fn conservation(audit: Option<&Audited>) -> Conservation {
    let Some(a) = audit else {
        return Conservation::Unknown("not read yet".into());
    };
    match &a.report {
        Err(e) => Conservation::Unknown(e.clone()),
        Ok(r) if r.ok && r.balance_sum == 0 => Conservation::Balanced,
        Ok(r) => Conservation::Broken(r.problems.first().cloned().unwrap_or_else(|| {
            format!(
                "balances sum to {} (pending {})",
                r.balance_sum, r.pending_sum
            )
        })),
    }
}

/// `transfers 1234 · issued 50000 · house -120`.
pub fn totals(s: &WalletSummary) -> String {
    format!(
        "transfers {} · issued {} · house {}",
        s.head.seq, s.issued, s.house
    )
}

/// `lag 3 transfers · anchored seq 1231 at height 88, 2.1s ago`.
pub fn anchoring(s: &WalletSummary, now_ms: u64) -> String {
    let lag = format!(
        "lag {} transfer{}",
        s.anchor_lag,
        if s.anchor_lag == 1 { "" } else { "s" }
    );
    match &s.anchor {
        Some(a) => format!(
            "{lag} · anchored seq {} at height {}, {} ago",
            a.seq,
            a.height,
            ms_age(now_ms, a.at_ms)
        ),
        None => format!("{lag} · nothing anchored yet"),
    }
}

fn ms_age(now_ms: u64, then_ms: u64) -> String {
    age(now_ms.saturating_sub(then_ms) as f64 / 1000.0)
}

/// One line of the transfer list: seq, kind, debit → credit, amount, age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferLine {
    pub seq: String,
    pub kind: String,
    pub accounts: String,
    pub amount: String,
    pub age: String,
}

/// The transfers newest first, at most `n`.
pub fn transfer_lines(list: &[WalletTransfer], n: usize, now_ms: u64) -> Vec<TransferLine> {
    list.iter()
        .rev()
        .take(n)
        .map(|t| TransferLine {
            seq: t.seq.to_string(),
            kind: t.kind.clone(),
            accounts: format!("{} → {}", t.debit, t.credit),
            amount: t.amount.to_string(),
            age: ms_age(now_ms, t.timestamp_ms),
        })
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let summary = match &app.snap.wallet {
        Ok(s) => s,
        Err(e) => return f.render_widget(error_line("wallet (through the gateway)", e), area),
    };
    let now = app.wall_now_ms();
    let [head, list] = Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(area);
    let label = |s: &'static str| Span::styled(format!("{s:<13}"), Style::new().bold());
    let audit_age = app
        .snap
        .wallet_audit
        .as_ref()
        .map(|a| {
            format!(
                " (audit {} ago)",
                age(app.now_ms.saturating_sub(a.at_ms) as f64 / 1000.0)
            )
        })
        .unwrap_or_default();
    let red = Style::new().fg(Color::Red);
    let yellow = Style::new().fg(Color::Yellow);
    let (verdict, why) = match conservation(app.snap.wallet_audit.as_ref()) {
        Conservation::Balanced => (
            Span::styled("balanced", Style::new().fg(Color::Green).bold()),
            None,
        ),
        Conservation::Broken(p) => (
            Span::styled("NOT BALANCED", red.bold()),
            Some(Span::styled(format!(": {p}"), red)),
        ),
        Conservation::Unknown(e) => (
            Span::styled("unknown", yellow),
            Some(Span::styled(format!(": {e}"), yellow)),
        ),
    };
    // The age before the problem: a long problem is cut at the edge.
    let mut check = vec![
        label("conservation"),
        verdict,
        Span::styled(audit_age, Style::new().dim()),
    ];
    check.extend(why);
    let lines = vec![
        Line::from(vec![label("ledger"), Span::raw(totals(summary))]),
        Line::from(check),
        Line::from(vec![label("anchoring"), Span::raw(anchoring(summary, now))]),
    ];
    f.render_widget(Paragraph::new(lines), head);
    // Accounts beside the transfers on a wide terminal, above them on a
    // narrow one.
    let [accounts, transfers] = if list.width >= 150 {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Min(0)])
            .spacing(2)
            .areas(list)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Min(0)])
            .spacing(1)
            .areas(list)
    };
    draw_accounts(f, accounts, app);
    draw_transfers(f, transfers, app, now);
}

/// `3 accounts`, `first 200 accounts by id (more: / filters these)`.
pub fn accounts_title(page: &WalletAccounts, shown: usize) -> String {
    let read = page.accounts.len();
    let what = if page.next_after.is_some() {
        format!("first {read} accounts by id (more in the ledger)")
    } else {
        format!("{read} account{}", if read == 1 { "" } else { "s" })
    };
    if shown == read {
        what
    } else {
        format!("{what}, {shown} match the filter")
    }
}

fn draw_accounts(f: &mut Frame, area: Rect, app: &App) {
    let page = match &app.snap.wallet_accounts {
        Ok(p) => p,
        Err(e) => return f.render_widget(error_line("accounts", e), area),
    };
    let rows = app.account_rows();
    let [title, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    f.render_widget(
        Paragraph::new(Span::styled(
            accounts_title(page, rows.len()),
            Style::new().bold(),
        )),
        title,
    );
    let lines: Vec<Row> = rows
        .iter()
        .map(|a| {
            let pending = if a.debits_pending == 0 && a.credits_pending == 0 {
                "-".to_string()
            } else {
                format!("-{} +{}", a.debits_pending, a.credits_pending)
            };
            let style = if !a.kind.may_go_negative() && a.balance < 0 {
                Style::new().fg(Color::Red)
            } else {
                Style::new()
            };
            Row::new([
                Text::from(fit(&a.id, 28)),
                Text::from(a.balance.to_string()).right_aligned(),
                Text::from(a.available.to_string()).right_aligned(),
                Text::from(pending).right_aligned(),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Min(12),
        Constraint::Length(11),
        Constraint::Length(11),
        Constraint::Length(9),
    ];
    let header = Row::new([
        Text::from("ACCOUNT"),
        Text::from("BALANCE").right_aligned(),
        Text::from("AVAILABLE").right_aligned(),
        Text::from("PENDING").right_aligned(),
    ])
    .style(Style::new().bold());
    let mut state = TableState::default().with_selected(app.selected());
    f.render_stateful_widget(
        Table::new(lines, widths)
            .header(header)
            .row_highlight_style(selected_style())
            .highlight_symbol("> "),
        table,
        &mut state,
    );
}

fn draw_transfers(f: &mut Frame, list: Rect, app: &App, now: u64) {
    let transfers = match &app.snap.wallet_transfers {
        Ok(t) => t,
        Err(e) => return f.render_widget(error_line("recent transfers", e), list),
    };
    let room = (list.height.saturating_sub(1) as usize).min(RECENT_TRANSFERS as usize);
    let rows: Vec<Row> = transfer_lines(transfers, room, now)
        .into_iter()
        .map(|t| {
            Row::new([
                Text::from(t.seq),
                Text::from(t.kind),
                Text::from(fit(&t.accounts, 40)),
                Text::from(t.amount).right_aligned(),
                Text::from(t.age).right_aligned(),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Min(20),
        Constraint::Length(10),
        Constraint::Length(7),
    ];
    let header = Row::new([
        Text::from("SEQ"),
        Text::from("KIND"),
        Text::from("DEBIT → CREDIT"),
        Text::from("AMOUNT").right_aligned(),
        Text::from("AGE").right_aligned(),
    ])
    .style(Style::new().bold());
    f.render_widget(Table::new(rows, widths).header(header), list);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::{App, Key};
    use crate::tui::data::{WalletAnchor, WalletAudit};
    use crate::tui::fixtures::{self, render};

    fn audited(report: Result<WalletAudit, String>) -> Audited {
        Audited { at_ms: 0, report }
    }

    #[test]
    fn conservation_is_balanced_only_when_ok_and_summing_to_zero() {
        assert_eq!(
            conservation(None),
            Conservation::Unknown("not read yet".into())
        );
        let ok = WalletAudit {
            ok: true,
            ..WalletAudit::default()
        };
        assert_eq!(
            conservation(Some(&audited(Ok(ok.clone())))),
            Conservation::Balanced
        );
        let off = WalletAudit {
            balance_sum: 5,
            pending_sum: -1,
            ..ok.clone()
        };
        assert_eq!(
            conservation(Some(&audited(Ok(off)))),
            Conservation::Broken("balances sum to 5 (pending -1)".into())
        );
        let bad = WalletAudit {
            ok: false,
            problems: vec!["chain breaks at 7".into(), "house differs".into()],
            ..ok
        };
        assert_eq!(
            conservation(Some(&audited(Ok(bad)))),
            Conservation::Broken("chain breaks at 7".into())
        );
        assert_eq!(
            conservation(Some(&audited(Err("HTTP 503".into())))),
            Conservation::Unknown("HTTP 503".into())
        );
    }

    #[test]
    fn anchoring_and_totals_read_as_sentences() {
        let mut s = WalletSummary {
            issued: 5000,
            house: -40,
            anchor_lag: 1,
            ..WalletSummary::default()
        };
        s.head.seq = 12;
        assert_eq!(totals(&s), "transfers 12 · issued 5000 · house -40");
        assert_eq!(
            anchoring(&s, 10_000),
            "lag 1 transfer · nothing anchored yet"
        );
        s.anchor = Some(WalletAnchor {
            seq: 11,
            height: 88,
            at_ms: 7_500,
            ..WalletAnchor::default()
        });
        s.anchor_lag = 3;
        assert_eq!(
            anchoring(&s, 10_000),
            "lag 3 transfers · anchored seq 11 at height 88, 2.5s ago"
        );
    }

    #[test]
    fn transfer_lines_are_newest_first_and_bounded() {
        let list: Vec<WalletTransfer> = (1..=4)
            .map(|i| WalletTransfer {
                seq: i,
                kind: "single".into(),
                debit: "issuance".into(),
                credit: format!("player:p{i}"),
                amount: 10 * i,
                timestamp_ms: 1_000 * i,
                ..WalletTransfer::default()
            })
            .collect();
        let lines = transfer_lines(&list, 2, 64_000);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].seq, "4");
        assert_eq!(lines[0].accounts, "issuance → player:p4");
        assert_eq!(lines[0].amount, "40");
        assert_eq!(lines[0].age, "1m00s");
        assert_eq!(lines[1].seq, "3");
        assert!(transfer_lines(&[], 10, 0).is_empty());
        assert_eq!(
            transfer_lines(&list, 1, 0)[0].age,
            "0.0s",
            "a clock behind is now"
        );
    }

    #[test]
    fn ages_use_the_wall_clock_moved_on_by_the_monotonic_one() {
        let mut app = fixtures::app();
        let base = app.snap.wall_ms;
        assert_eq!(
            app.wall_now_ms(),
            base + 300,
            "drawn 300 ms after the reading"
        );
        app.now_ms = 0;
        assert_eq!(app.wall_now_ms(), base, "never before the reading");
    }

    #[test]
    fn tiny_and_large_terminals_draw_without_panicking() {
        let mut app = fixtures::app();
        app.on_key(Key::Char('6'));
        for (w, h) in [(1, 1), (20, 5), (40, 8), (200, 60)] {
            render(&app, w, h);
        }
    }

    #[test]
    fn wallet_at_80x24() {
        let mut app = fixtures::app();
        app.on_key(Key::Char('6'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn wallet_at_120x30_and_at_160x40_with_accounts_beside_transfers() {
        let mut app = fixtures::app();
        app.on_key(Key::Char('6'));
        app.on_key(Key::Down);
        app.on_key(Key::Down);
        insta::assert_snapshot!("wallet_120x30", render(&app, 120, 30));
        insta::assert_snapshot!("wallet_160x40", render(&app, 160, 40));
    }

    #[test]
    fn an_account_opens_and_plus_fills_the_deposit_command() {
        use crate::auth::Role;
        let mut app = fixtures::app();
        app.role = Some(Role::Cashier);
        app.on_key(Key::Char('6'));
        // The filter narrows the accounts; the selection follows.
        app.on_key(Key::Char('/'));
        for c in "player".chars() {
            app.on_key(Key::Char(c));
        }
        app.on_key(Key::Enter);
        assert_eq!(
            app.account_rows()
                .iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>(),
            ["player:alice", "player:bob"]
        );
        app.on_key(Key::Enter);
        let report = app.reports.last().expect("Enter opens the account");
        assert_eq!(report.title, "player:alice");
        assert!(
            report
                .items
                .iter()
                .any(|i| i.text.starts_with("available  23680")),
            "{:?}",
            report.items
        );
        insta::assert_snapshot!("account_detail_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("account_detail_120x30", render(&app, 120, 30));
        app.on_key(Key::Esc);
        app.on_key(Key::Down);
        app.on_key(Key::Char('-'));
        assert_eq!(app.command.as_deref(), Some("withdraw player:bob "));
        // A player's token is told, not offered.
        app.command = None;
        app.role = Some(Role::Player);
        app.on_key(Key::Char('+'));
        assert_eq!(app.command, None);
        assert!(
            app.command_note
                .as_deref()
                .is_some_and(|n| n.contains("needs a cashier")),
            "{:?}",
            app.command_note
        );
    }

    #[test]
    fn wallet_with_a_broken_audit() {
        let mut app = fixtures::app();
        let mut s = fixtures::snapshot(5_000);
        if let Some(Audited { report: Ok(r), .. }) = &mut s.wallet_audit {
            r.ok = false;
            r.problems = vec!["account player:alice: stored 940, log says 930".into()];
        }
        app.on_snapshot(s);
        app.on_key(Key::Char('6'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn wallet_when_the_token_is_refused() {
        let mut app = App::new(1000, 1_500);
        let mut s = fixtures::all_down(1_000);
        s.wallet = Err(crate::tui::data::wallet_reason(
            "HTTP 403 the full log is for cashiers",
        ));
        app.on_snapshot(s);
        app.on_key(Key::Char('6'));
        insta::assert_snapshot!(render(&app, 80, 24));
    }
}
