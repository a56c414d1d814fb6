//! `bitcraps wallet audit`: trust nothing the wallet says about itself.
//! The whole log and every account are read through the API, the hash
//! chain and every balance are recomputed here with the ledger's own pure
//! [`ledger::audit`], the result is compared with the wallet's `GET /audit`
//! and `GET /summary`, and every anchor in the validators' blocks is
//! checked against the log (`super::anchors`).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use super::{WalletApi, anchors};
use crate::cli::GlobalArgs;
use crate::cli::exit::{Code, fail};
use crate::cli::output::{self, OutputFormat};
use crate::services::wallet::http::{AccountView, Summary};
use crate::services::wallet::ledger::{self, Account, AuditReport, Head, Transfer};

/// Snapshots tried before giving up on a ledger that keeps changing.
const ATTEMPTS: usize = 5;
/// Problems listed in the table output (JSON lists them all).
const SHOWN: usize = 20;

/// The log, the accounts and the wallet's own answers, all at one head.
struct Snapshot {
    summary: Summary,
    log: Vec<Transfer>,
    accounts: Vec<AccountView>,
    server: AuditReport,
}

/// Reads everything between two looks at the head, until the head did not
/// move in between (the log only grows, so an unmoved head means nothing
/// was written while reading).
fn snapshot(api: &WalletApi) -> anyhow::Result<Snapshot> {
    for _ in 0..ATTEMPTS {
        let summary: Summary = serde_json::from_value(api.get("/summary")?)
            .context("the wallet's summary is not what this CLI expects")?;
        let (items, _) = api.collect("/transfers", "transfers", Some("0".into()), None)?;
        let mut log = Vec::with_capacity(items.len());
        for v in items {
            let t: Transfer = serde_json::from_value(v)
                .context("a transfer in the wallet's log is not what this CLI expects")?;
            if t.seq <= summary.head.seq {
                log.push(t);
            }
        }
        let (items, _) = api.collect("/accounts", "accounts", None, None)?;
        let accounts = items
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<Vec<AccountView>, _>>()
            .context("an account from the wallet is not what this CLI expects")?;
        let server: AuditReport = serde_json::from_value(api.get("/audit")?)
            .context("the wallet's audit report is not what this CLI expects")?;
        let after: Summary = serde_json::from_value(api.get("/summary")?)
            .context("the wallet's summary is not what this CLI expects")?;
        if after.head == summary.head {
            return Ok(Snapshot {
                summary,
                log,
                accounts,
                server,
            });
        }
    }
    Err(fail(
        Code::Unavailable,
        format!(
            "the ledger changed during each of {ATTEMPTS} reads, so no consistent snapshot could be taken; audit again when it is quieter"
        ),
    ))
}

#[derive(Debug, Serialize)]
struct Verdict<'a> {
    ok: bool,
    transfers: u64,
    accounts: u64,
    head: &'a Head,
    issued: i128,
    balance_sum: i128,
    pending_sum: i128,
    /// The wallet's own audit, as it answered.
    server: &'a AuditReport,
    anchors: &'a anchors::Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    exported: Option<String>,
    problems: &'a [String],
}

/// Everything that disagrees: the recomputation's own problems, then any
/// difference between it and what the wallet says.
fn compare(s: &Snapshot, client: &AuditReport) -> Vec<String> {
    let mut problems = client.problems.clone();
    for a in &s.accounts {
        let totals = i128::from(a.credits_posted) - i128::from(a.debits_posted);
        if a.balance != totals || a.available != totals - i128::from(a.debits_pending) {
            problems.push(format!(
                "the wallet shows {:?} with balance {} and available {}, which its own totals do not give",
                a.id, a.balance, a.available
            ));
        }
    }
    if !s.server.ok {
        problems.push(format!(
            "the wallet's own audit fails: {}",
            s.server.problems.join("; ")
        ));
    }
    if s.server.head != client.head {
        problems.push(format!(
            "the wallet's audit ends at seq {} ({}), the log read here at seq {} ({})",
            s.server.head.seq, s.server.head.hash, client.head.seq, client.head.hash
        ));
    }
    if s.summary.head != client.head {
        problems.push(format!(
            "the wallet's summary gives head seq {} ({}), the log recomputes to seq {} ({})",
            s.summary.head.seq, s.summary.head.hash, client.head.seq, client.head.hash
        ));
    }
    if s.summary.issued != client.issued {
        problems.push(format!(
            "the wallet's summary says {} chips issued, the accounts give {}",
            s.summary.issued, client.issued
        ));
    }
    problems
}

fn export(path: &Path, log: &[Transfer]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    for t in log {
        serde_json::to_writer(&mut w, t)?;
        w.write_all(b"\n")?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The anchors line of the verdict.
fn describe(r: &anchors::Report, lag: u64) -> String {
    if !r.checked {
        return format!(
            "NOT checked: {}; pass --gateway URL to check them",
            r.reason.as_deref().unwrap_or("")
        );
    }
    let blocks = match r.blocks_scanned {
        1 => "1 committed block".to_string(),
        n => format!("{n} committed blocks"),
    };
    if r.found == 0 {
        return format!("none yet in {blocks} ({lag} transfers not anchored yet)");
    }
    let mut line = format!("{} of {} in {blocks} match the log", r.matched, r.found);
    if let Some(l) = &r.last {
        line.push_str(&format!(
            "; the last covers seq {} (block {})",
            l.seq, l.height
        ));
    }
    if r.newer > 0 {
        line.push_str(&format!(
            "; {} newer than the log as read (not checked)",
            r.newer
        ));
    }
    line
}

pub fn run(g: &GlobalArgs, api: &WalletApi, export_to: Option<&Path>) -> anyhow::Result<()> {
    let s = snapshot(api)?;
    let stored: Vec<Account> = s
        .accounts
        .iter()
        .map(|a| Account {
            id: a.id.clone(),
            kind: a.kind,
            debits_posted: a.debits_posted,
            credits_posted: a.credits_posted,
            debits_pending: a.debits_pending,
            credits_pending: a.credits_pending,
            opened_ms: a.opened_ms,
        })
        .collect();
    let client = ledger::audit(&s.log, &stored);
    let mut problems = compare(&s, &client);
    let progress = output::spinner(g.quiet || g.output == OutputFormat::Json);
    let head_now = || -> anyhow::Result<u64> {
        let now: Summary = serde_json::from_value(api.get("/summary")?)?;
        Ok(now.head.seq)
    };
    let anchored = anchors::check(
        g,
        &api.gateway,
        &s.log,
        s.summary.anchor.as_ref(),
        &head_now,
        &progress,
        &mut problems,
    );
    progress.finish_and_clear();
    let anchored = anchored?;
    // Written whatever the verdict: a log that does not verify is the one
    // worth keeping.
    if let Some(p) = export_to {
        export(p, &s.log)?;
    }
    let ok = problems.is_empty();
    if g.output == OutputFormat::Json {
        output::print_json(&Verdict {
            ok,
            transfers: client.transfers,
            accounts: client.accounts,
            head: &client.head,
            issued: client.issued,
            balance_sum: client.balance_sum,
            pending_sum: client.pending_sum,
            server: &s.server,
            anchors: &anchored,
            exported: export_to.map(|p| p.display().to_string()),
            problems: &problems,
        })?;
    } else if !g.quiet {
        let mut lines = vec![
            format!("wallet audit: {}", if ok { "OK" } else { "MISMATCH" }),
            format!(
                "  log       {} transfers, head seq {} hash {}",
                client.transfers, client.head.seq, client.head.hash
            ),
            "  chain     every link's hash recomputed here from its contents".to_string(),
            format!(
                "  accounts  {} recomputed from the log; {} chips issued, balances sum {}, pending sum {}",
                client.accounts, client.issued, client.balance_sum, client.pending_sum
            ),
            format!(
                "  server    its own audit says {}; its summary head is seq {}",
                if s.server.ok { "ok" } else { "NOT ok" },
                s.summary.head.seq
            ),
            format!("  anchors   {}", describe(&anchored, s.summary.anchor_lag)),
        ];
        if let Some(p) = export_to {
            lines.push(format!(
                "  exported  {} transfers to {}",
                s.log.len(),
                p.display()
            ));
        }
        for p in problems.iter().take(SHOWN) {
            lines.push(format!("  problem   {p}"));
        }
        if problems.len() > SHOWN {
            lines.push(format!(
                "  …and {} more problems (-o json lists them all)",
                problems.len() - SHOWN
            ));
        }
        output::print(&lines.join("\n"))?;
    }
    if ok {
        Ok(())
    } else {
        Err(fail(
            Code::VerifyFailed,
            format!(
                "the wallet's ledger does not verify: {} problem(s), the first: {}",
                problems.len(),
                problems.first().map_or("", String::as_str)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::wallet::ledger::{Submission, TransferRequest, Working};
    use serde_json::Value;

    /// A small ledger applied by the pure core, as a wallet would store it.
    fn ledger() -> (Vec<Transfer>, Vec<Account>) {
        let mut w = Working::new(Head::default());
        for (i, r) in [
            TransferRequest::single("d1", "issuance", "player:a", 100),
            TransferRequest::single("d2", "issuance", "player:b", 1),
            TransferRequest::single("t1", "player:a", "player:b", 30),
        ]
        .into_iter()
        .enumerate()
        {
            w.submit(&Submission::one(r), 1_000 + i as u64).unwrap();
        }
        let log = w.new_transfers.clone();
        let accounts = w.accounts.values().cloned().collect();
        (log, accounts)
    }

    fn view(a: &Account) -> AccountView {
        AccountView::from(a.clone())
    }

    fn snapshot_of(log: Vec<Transfer>, accounts: &[Account]) -> Snapshot {
        let server = ledger::audit(&log, accounts);
        Snapshot {
            summary: Summary {
                head: server.head.clone(),
                issued: server.issued,
                house: 0,
                anchor: None,
                anchor_lag: 0,
            },
            accounts: accounts.iter().map(view).collect(),
            log,
            server,
        }
    }

    #[test]
    fn a_healthy_ledger_has_no_problems() {
        let (log, accounts) = ledger();
        let s = snapshot_of(log.clone(), &accounts);
        let client = ledger::audit(&log, &accounts);
        assert!(compare(&s, &client).is_empty());
    }

    #[test]
    fn a_summary_that_lies_about_the_head_is_caught() {
        let (log, accounts) = ledger();
        let mut s = snapshot_of(log.clone(), &accounts);
        s.summary.head.seq += 1;
        let client = ledger::audit(&log, &accounts);
        let p = compare(&s, &client);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("summary gives head"), "{p:?}");
    }

    #[test]
    fn an_edited_amount_breaks_the_chain_and_the_balances() {
        let (mut log, accounts) = ledger();
        log[1].amount = 31;
        let s = snapshot_of(log.clone(), &accounts);
        let client = ledger::audit(&log, &accounts);
        let p = compare(&s, &client);
        assert!(p.iter().any(|p| p.contains("hash does not match")), "{p:?}");
        assert!(p.iter().any(|p| p.contains("player:b")), "{p:?}");
    }

    #[test]
    fn a_view_whose_balance_disagrees_with_its_totals_is_caught() {
        let (log, accounts) = ledger();
        let mut s = snapshot_of(log.clone(), &accounts);
        s.accounts[0].balance += 1;
        let client = ledger::audit(&log, &accounts);
        let p = compare(&s, &client);
        assert!(p.iter().any(|p| p.contains("its own totals")), "{p:?}");
    }

    #[test]
    fn serde_json_round_trips_the_i128_figures() {
        let v: Value =
            serde_json::json!({"head": Head::default(), "issued": 70, "house": 0, "anchor_lag": 0});
        let s: Summary = serde_json::from_value(v).unwrap();
        assert_eq!(s.issued, 70);
    }
}
