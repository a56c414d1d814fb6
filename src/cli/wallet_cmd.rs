//! `bitcraps wallet …`: deposits, withdrawals, transfers, balances, history
//! and a client-side audit of the ledger, through the gateway
//! (`/api/v1/wallet/…`) or straight at a wallet (`--wallet-url`).

mod anchors;
mod audit;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::gateway_client::{Gateway, Reply, Target, code_for_status};
use super::output::{self, OutputFormat};
use crate::auth::{Claims, Role};
use crate::services::wallet::http::{AccountView, MAX_PAGE, REPLAYED_HEADER};
use crate::services::wallet::ledger::{
    self, Amount, HOUSE, ISSUANCE, MAX_AMOUNT, Transfer, TransferKind, TransferRequest,
};

/// The exit codes as the wallet commands use them (README: Wallet commands).
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0  done (a retry that answered the original transfer included)
  1  refused, nothing changed: insufficient funds, id used for another transfer
  2  bad arguments (amount, account or id), checked before anything is sent
  3  unknown account or transfer
  4  no or bad token, or the role may not do this
  5  no answer, or 503: retry with the printed --id
  6  audit: the chain, a balance, an anchor or the wallet's own report disagree";

/// Where the gateway serves the wallet's routes.
pub const GATEWAY_PREFIX: &str = "/api/v1/wallet";

#[derive(Debug, Args)]
pub struct WalletTarget {
    #[command(flatten)]
    pub target: Target,
    /// Talk to a wallet directly at this base URL (e.g.
    /// http://127.0.0.1:8090) instead of through the gateway.
    #[arg(long, env = "BITCRAPS_WALLET_URL", value_name = "URL")]
    pub wallet_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct TransferOpts {
    /// The transfer's id (default: a fresh one, printed). Running the same
    /// command again with the same --id applies it at most once.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// A note stored with the transfer (at most 256 bytes).
    #[arg(long, value_name = "TEXT")]
    pub memo: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Deposit chips: issuance → ACCOUNT (cashier or admin). Opens a
    /// player's account on its first deposit.
    Deposit {
        /// `alice` (meaning player:alice), or a full id: player:NAME,
        /// table:GAME, house.
        #[arg(value_parser = account_id)]
        account: String,
        #[arg(value_parser = clap::value_parser!(u64).range(1..=MAX_AMOUNT))]
        amount: Amount,
        #[command(flatten)]
        opts: TransferOpts,
        #[command(flatten)]
        target: WalletTarget,
    },
    /// Withdraw chips: ACCOUNT → issuance (cashier or admin).
    Withdraw {
        /// `alice` (meaning player:alice), or a full id.
        #[arg(value_parser = account_id)]
        account: String,
        #[arg(value_parser = clap::value_parser!(u64).range(1..=MAX_AMOUNT))]
        amount: Amount,
        #[command(flatten)]
        opts: TransferOpts,
        #[command(flatten)]
        target: WalletTarget,
    },
    /// Move chips from one account to another (players move only their
    /// own chips, to another player).
    Transfer {
        /// `alice` (meaning player:alice), or a full id.
        #[arg(value_parser = account_id)]
        from: String,
        #[arg(value_parser = account_id)]
        to: String,
        #[arg(value_parser = clap::value_parser!(u64).range(1..=MAX_AMOUNT))]
        amount: Amount,
        #[command(flatten)]
        opts: TransferOpts,
        #[command(flatten)]
        target: WalletTarget,
    },
    /// An account's balance (default: your own player:<sub>; for cashiers
    /// and admins, every account).
    Balance {
        #[arg(value_parser = account_id)]
        account: Option<String>,
        /// When listing: only accounts whose id sorts after this one.
        #[arg(long, value_name = "ACCOUNT")]
        after: Option<String>,
        /// When listing: at most N accounts (default: all).
        #[arg(long, value_name = "N", value_parser = positive)]
        limit: Option<usize>,
        #[command(flatten)]
        target: WalletTarget,
    },
    /// An account's transfers, oldest first (default: your own account;
    /// for cashiers and admins, the whole log).
    History {
        #[arg(value_parser = account_id)]
        account: Option<String>,
        /// Only transfers after this sequence number.
        #[arg(long, value_name = "SEQ", default_value_t = 0)]
        after: u64,
        /// At most N transfers (default: all).
        #[arg(long, value_name = "N", value_parser = positive)]
        limit: Option<usize>,
        #[command(flatten)]
        target: WalletTarget,
    },
    /// Export the whole log and every account, recompute the hash chain and
    /// every balance here, compare with the wallet's own audit and summary
    /// (cashier or admin), and check every `wallet.anchor` in the
    /// validators' blocks (through the gateway) against the log. Exit 6 on
    /// any mismatch.
    Audit {
        /// Also write the log to FILE as JSON lines, one transfer a line.
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
        #[command(flatten)]
        target: WalletTarget,
    },
}

/// `alice` means `player:alice`; `player:…`, `table:…`, `house` and
/// `issuance` are taken as they are. Checked as the ledger checks them.
pub fn account_id(s: &str) -> Result<String, String> {
    let full = if s == HOUSE || s == ISSUANCE || s.starts_with("player:") || s.starts_with("table:")
    {
        s.to_string()
    } else {
        format!("player:{s}")
    };
    ledger::account_kind(&full).map_err(|e| e.to_string())?;
    Ok(full)
}

fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a whole number of at least 1".into()),
    }
}

/// The wallet's API, through the gateway or direct.
pub struct WalletApi {
    http: Gateway,
    prefix: &'static str,
    /// The gateway itself, for the validators' blocks (the audit's anchors).
    gateway: Gateway,
}

impl WalletApi {
    pub fn new(g: &GlobalArgs, t: &WalletTarget) -> anyhow::Result<WalletApi> {
        let gateway = Gateway::new(g, &t.target)?;
        Ok(match &t.wallet_url {
            Some(url) => WalletApi {
                http: gateway.clone().with_base(url, "wallet"),
                prefix: "",
                gateway,
            },
            None => WalletApi {
                http: gateway.clone(),
                prefix: GATEWAY_PREFIX,
                gateway,
            },
        })
    }

    /// Who the token speaks for. Read without checking the signature: the
    /// wallet checks it; this only picks a default account.
    fn caller(&self) -> anyhow::Result<Claims> {
        jsonwebtoken::dangerous::insecure_decode::<Claims>(self.http.token())
            .map(|d| d.claims)
            .map_err(|e| {
                fail(
                    Code::Auth,
                    format!("the token is not a JWT this CLI can read ({e}); pass --token"),
                )
            })
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Reply> {
        self.http
            .send(method, &format!("{}{path}", self.prefix), body)
    }

    /// `GET path`: the JSON answer, or an error naming the wallet's problem.
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        let r = self.send("GET", path, None)?;
        if r.status.is_success() {
            Ok(r.body)
        } else {
            Err(refusal(&r))
        }
    }

    /// Every item of a paged listing (`key` holds the items, `next_after`
    /// the cursor), from `after`, at most `limit` of them; and the cursor
    /// to go on from when the limit stopped it early.
    pub fn collect(
        &self,
        path: &str,
        key: &str,
        mut after: Option<String>,
        limit: Option<usize>,
    ) -> anyhow::Result<(Vec<Value>, Option<String>)> {
        let mut out: Vec<Value> = Vec::new();
        loop {
            let want = limit.map_or(MAX_PAGE, |l| l.saturating_sub(out.len()).min(MAX_PAGE));
            let mut q = format!("{path}?limit={want}");
            if let Some(a) = &after {
                q.push_str(&format!("&after={a}"));
            }
            let mut v = self.get(&q)?;
            out.extend(
                v[key]
                    .as_array_mut()
                    .map(std::mem::take)
                    .unwrap_or_default(),
            );
            let next = match &v["next_after"] {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            match next {
                Some(n) if limit.is_some_and(|l| out.len() >= l) => return Ok((out, Some(n))),
                Some(n) => after = Some(n),
                None => return Ok((out, None)),
            }
        }
    }
}

/// The error for a wallet's non-2xx answer: its problem `detail`, under an
/// exit code that says what kind of refusal it was.
fn refusal(r: &Reply) -> anyhow::Error {
    let status = r.status.as_u16();
    let detail = r.detail();
    let msg = match status {
        401 => format!(
            "not authenticated: {detail} (pass --token or set BITCRAPS_TOKEN; `bitcraps auth token` mints one)"
        ),
        403 => format!("forbidden: {detail}"),
        404 => format!("not found: {detail}"),
        409 => format!("conflict: {detail}"),
        422 if r.problem_type().ends_with("/insufficient-funds") => {
            format!("insufficient funds: {detail}; nothing was moved")
        }
        422 => format!("refused: {detail}; nothing was moved"),
        _ => format!(
            "{status} {}: {detail}",
            r.status.canonical_reason().unwrap_or("")
        ),
    };
    fail(code_for_status(status), msg)
}

/// Submits one transfer. The answer's transfer, and whether it was an
/// idempotent replay of one applied before.
fn submit(api: &WalletApi, req: &TransferRequest) -> anyhow::Result<(Value, bool)> {
    let id = &req.id;
    req.shape().map_err(|e| fail(Code::Usage, e.to_string()))?;
    let retry = format!(
        "transfer {id}: it may or may not have been applied; run the same command with --id {id} to complete it without applying it twice"
    );
    let r = api
        .send("POST", "/transfers", Some(serde_json::to_value(req)?))
        .map_err(|e| e.context(retry.clone()))?;
    if r.status.is_success() {
        let replayed = r
            .headers
            .get(REPLAYED_HEADER)
            .is_some_and(|v| v.as_bytes() == b"true");
        return Ok((r.body, replayed));
    }
    let e = refusal(&r);
    Err(if r.status.is_server_error() {
        e.context(retry)
    } else {
        e.context(format!("transfer {id} was not applied"))
    })
}

fn fresh_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

fn when(ms: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms))
        .to_string()
}

/// A single-phase transfer with the user's id, else a fresh one.
fn request(
    debit: &str,
    credit: &str,
    amount: Amount,
    opts: &TransferOpts,
    id_prefix: &str,
) -> TransferRequest {
    let id = opts.id.clone().unwrap_or_else(|| fresh_id(id_prefix));
    let mut req = TransferRequest::single(&id, debit, credit, amount);
    req.memo = opts.memo.clone();
    req
}

fn moved(g: &GlobalArgs, api: &WalletApi, verb: &str, req: &TransferRequest) -> anyhow::Result<()> {
    let (mut v, replayed) = submit(api, req)?;
    if g.output == OutputFormat::Json {
        v["replayed"] = json!(replayed);
        return output::print_json(&v);
    }
    if g.quiet {
        return output::print(&req.id);
    }
    let t: Transfer = serde_json::from_value(v)?;
    output::print(&format!(
        "{}{verb} {} chips: {} → {} (transfer {}, seq {}, {})",
        if replayed {
            "already done, nothing changed now: "
        } else {
            ""
        },
        t.amount,
        t.debit,
        t.credit,
        t.id,
        t.seq,
        when(t.timestamp_ms)
    ))
}

pub fn run(g: &GlobalArgs, cmd: &WalletCommand) -> anyhow::Result<()> {
    match cmd {
        WalletCommand::Deposit {
            account,
            amount,
            opts,
            target,
        } => moved(
            g,
            &WalletApi::new(g, target)?,
            "deposited",
            &request(ISSUANCE, account, *amount, opts, "dep"),
        ),
        WalletCommand::Withdraw {
            account,
            amount,
            opts,
            target,
        } => moved(
            g,
            &WalletApi::new(g, target)?,
            "withdrew",
            &request(account, ISSUANCE, *amount, opts, "wd"),
        ),
        WalletCommand::Transfer {
            from,
            to,
            amount,
            opts,
            target,
        } => moved(
            g,
            &WalletApi::new(g, target)?,
            "moved",
            &request(from, to, *amount, opts, "tx"),
        ),
        WalletCommand::Balance {
            account,
            after,
            limit,
            target,
        } => {
            let api = WalletApi::new(g, target)?;
            match default_account(&api, account.as_deref())? {
                Some(id) => {
                    let v = api.get(&format!("/accounts/{id}"))?;
                    if g.output == OutputFormat::Json {
                        return output::print_json(&v);
                    }
                    let a: AccountView = serde_json::from_value(v)?;
                    if g.quiet {
                        return output::print(&a.balance.to_string());
                    }
                    print_accounts(&[a])
                }
                None => {
                    let (items, next) =
                        api.collect("/accounts", "accounts", after.clone(), *limit)?;
                    if g.output == OutputFormat::Json {
                        return output::print_json(&json!({"accounts": items, "next_after": next}));
                    }
                    let accounts = items
                        .into_iter()
                        .map(serde_json::from_value)
                        .collect::<Result<Vec<AccountView>, _>>()?;
                    print_accounts(&accounts)?;
                    more(g, next)
                }
            }
        }
        WalletCommand::History {
            account,
            after,
            limit,
            target,
        } => {
            let api = WalletApi::new(g, target)?;
            let account = default_account(&api, account.as_deref())?;
            let path = match &account {
                Some(id) => format!("/accounts/{id}/transfers"),
                None => "/transfers".to_string(),
            };
            let (items, next) = api.collect(&path, "transfers", Some(after.to_string()), *limit)?;
            if g.output == OutputFormat::Json {
                return output::print_json(
                    &json!({"account": account, "transfers": items, "next_after": next}),
                );
            }
            let transfers = items
                .into_iter()
                .map(serde_json::from_value)
                .collect::<Result<Vec<Transfer>, _>>()?;
            print_history(account.as_deref(), &transfers)?;
            more(g, next)
        }
        WalletCommand::Audit { export, target } => {
            audit::run(g, &WalletApi::new(g, target)?, export.as_deref())
        }
    }
}

/// The account a command without one means: a player's own; `None` (every
/// account) for cashiers and admins.
fn default_account(api: &WalletApi, given: Option<&str>) -> anyhow::Result<Option<String>> {
    if let Some(a) = given {
        return Ok(Some(a.to_string()));
    }
    let who = api.caller()?;
    match who.role {
        Role::Player => account_id(&who.sub).map(Some).map_err(|e| {
            fail(
                Code::Usage,
                format!("the token's subject is not an account name: {e}"),
            )
        }),
        Role::Admin | Role::Cashier => Ok(None),
        role => Err(fail(
            Code::Usage,
            format!(
                "{} ({role}) has no account of its own: name an ACCOUNT",
                who.sub
            ),
        )),
    }
}

/// After a listing cut short by --limit: where to go on from.
fn more(g: &GlobalArgs, next: Option<String>) -> anyhow::Result<()> {
    if let Some(n) = next
        && !g.quiet
    {
        eprintln!("more: run again with --after {n}");
    }
    Ok(())
}

fn print_accounts(accounts: &[AccountView]) -> anyhow::Result<()> {
    let mut t = output::table(&[
        "ACCOUNT",
        "KIND",
        "BALANCE",
        "AVAILABLE",
        "PENDING OUT",
        "PENDING IN",
    ]);
    for a in accounts {
        t.add_row(vec![
            a.id.clone(),
            serde_json::to_value(a.kind)?
                .as_str()
                .unwrap_or("")
                .to_string(),
            a.balance.to_string(),
            a.available.to_string(),
            a.debits_pending.to_string(),
            a.credits_pending.to_string(),
        ]);
    }
    output::print_table(&t)
}

/// What a transfer did to `account`'s balance: `+100`, `-5`, or a pending
/// amount in parentheses.
fn change(t: &Transfer, account: &str) -> String {
    let sign = if t.credit == account { '+' } else { '-' };
    match t.kind {
        TransferKind::Single | TransferKind::Post => format!("{sign}{}", t.amount),
        TransferKind::Pending => format!("({sign}{} pending)", t.amount),
        TransferKind::Void | TransferKind::Expire => format!("({sign}{} released)", t.amount),
    }
}

fn print_history(account: Option<&str>, transfers: &[Transfer]) -> anyhow::Result<()> {
    let mut header = vec!["SEQ", "TIME", "KIND", "ID", "FROM", "TO", "AMOUNT"];
    if account.is_some() {
        header.push("CHANGE");
    }
    header.push("MEMO");
    let mut t = output::table(&header);
    for x in transfers {
        let mut row = vec![
            x.seq.to_string(),
            when(x.timestamp_ms),
            serde_json::to_value(x.kind)?
                .as_str()
                .unwrap_or("")
                .to_string(),
            x.id.clone(),
            x.debit.clone(),
            x.credit.clone(),
            x.amount.to_string(),
        ];
        if let Some(a) = account {
            row.push(change(x, a));
        }
        row.push(x.memo.clone().unwrap_or_default());
        t.add_row(row);
    }
    output::print_table(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_are_players_and_full_ids_pass_through() {
        assert_eq!(account_id("alice").as_deref(), Ok("player:alice"));
        assert_eq!(account_id("player:bob").as_deref(), Ok("player:bob"));
        assert_eq!(account_id("house").as_deref(), Ok("house"));
        assert_eq!(account_id("issuance").as_deref(), Ok("issuance"));
        assert_eq!(account_id("table:g-1").as_deref(), Ok("table:g-1"));
        // A colon inside a player's name is allowed by the ledger.
        assert_eq!(account_id("a:b").as_deref(), Ok("player:a:b"));
        assert!(account_id("").is_err());
        assert!(account_id("bad name").is_err());
        assert!(account_id("player:").is_err());
    }

    #[test]
    fn changes_are_signed_for_the_account() {
        let t = |kind, debit: &str, credit: &str| Transfer {
            seq: 1,
            id: "t".into(),
            kind,
            debit: debit.into(),
            credit: credit.into(),
            amount: 5,
            pending_id: None,
            expires_ms: None,
            timestamp_ms: 0,
            memo: None,
            fingerprint: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        let a = "player:a";
        assert_eq!(change(&t(TransferKind::Single, "issuance", a), a), "+5");
        assert_eq!(change(&t(TransferKind::Single, a, "player:b"), a), "-5");
        assert_eq!(
            change(&t(TransferKind::Pending, a, "table:g"), a),
            "(-5 pending)"
        );
        assert_eq!(change(&t(TransferKind::Post, a, "table:g"), a), "-5");
    }
}
