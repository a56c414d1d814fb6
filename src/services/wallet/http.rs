//! The wallet's HTTP API: accounts, idempotent transfers (single or linked),
//! history, the full log, and the audit.
//!
//! Transfers go through one batching task (group commit): it takes every
//! submission that queued while the previous batch was committing and
//! applies them in one store transaction — one fsync for many transfers —
//! and answers each only after that commit. A refused submission changes
//! nothing and does not affect the others in its batch.
//!
//! Who may move what (checked here, whatever the gateway checked):
//!
//! | role | may submit |
//! |---|---|
//! | player | single transfers from `player:<own sub>` to another `player:` account |
//! | cashier | single transfers between `issuance` and a `player:` account or `house` (deposits, withdrawals) |
//! | engine | transfers between a `table:` account and a `player:` account or `house`, pending, post and void included |
//! | admin | anything |
//! | validator | nothing |
//!
//! Players read only their own account, history and transfers; cashiers,
//! engines and admins read any; the full log and the audit are for cashiers
//! and admins.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts, Registry};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::ledger::{
    Account, AccountKind, Applied, AuditReport, Head, ISSUANCE, LedgerError, MAX_LINKED, Shape,
    Submission, Transfer, TransferKind, TransferRequest, account_kind,
};
use super::store::{AnyStore, Store, StoreError, TransferQuery};
use crate::auth::{Claims, Role};
use crate::services::common::extract::{ApiPath, ApiQuery, Caller, TokenVerifier, json_any_within};
use crate::services::common::{Problem, Readiness};

/// Most submissions applied in one store transaction.
pub const MAX_BATCH: usize = 2_048;
/// Submissions waiting for the writer before new ones get 503.
pub const QUEUE: usize = 65_536;
/// Largest `POST /transfers` body.
pub const BODY_LIMIT: usize = 512 * 1024;
/// Largest page of a listing.
pub const MAX_PAGE: usize = 1_000;

/// The engines' transfer id namespace.
pub const ENGINE_ID_PREFIX: &str = "engine.";

/// Replays carry this header (as Stripe's idempotent requests do).
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

#[derive(Clone)]
pub struct WalletMetrics {
    transfers: IntCounterVec,
    refused: IntCounterVec,
    batch: Histogram,
    commit: Histogram,
    head: IntGauge,
}

impl WalletMetrics {
    pub fn new(r: &Registry) -> anyhow::Result<WalletMetrics> {
        let transfers = IntCounterVec::new(
            Opts::new(
                "bitcraps_wallet_transfers_total",
                "Transfers applied, by kind (single, pending, post, void, expire).",
            ),
            &["kind"],
        )?;
        let refused = IntCounterVec::new(
            Opts::new(
                "bitcraps_wallet_refused_total",
                "Submissions refused, by reason (invalid, not_found, insufficient, conflict, overflow, unavailable).",
            ),
            &["reason"],
        )?;
        let batch = Histogram::with_opts(
            HistogramOpts::new(
                "bitcraps_wallet_batch_submissions",
                "Submissions per store transaction.",
            )
            .buckets(vec![
                1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0,
            ]),
        )?;
        let commit = Histogram::with_opts(
            HistogramOpts::new(
                "bitcraps_wallet_commit_seconds",
                "Time to apply and durably commit one batch.",
            )
            .buckets(prometheus::exponential_buckets(0.0005, 2.0, 14)?),
        )?;
        let head = IntGauge::new(
            "bitcraps_wallet_head_seq",
            "Transfers in the log (the chain's head sequence number).",
        )?;
        r.register(Box::new(transfers.clone()))?;
        r.register(Box::new(refused.clone()))?;
        r.register(Box::new(batch.clone()))?;
        r.register(Box::new(commit.clone()))?;
        r.register(Box::new(head.clone()))?;
        Ok(WalletMetrics {
            transfers,
            refused,
            batch,
            commit,
            head,
        })
    }

    /// Counts what a submission applied (replays moved nothing).
    fn applied(&self, r: &Result<Applied, WalletError>) {
        if let Ok(a) = r
            && !a.replayed
        {
            for t in &a.transfers {
                self.transfers.with_label_values(&[t.kind.as_str()]).inc();
            }
        }
    }

    fn refused(&self, e: &WalletError) {
        let reason = match e {
            WalletError::Ledger(LedgerError::Invalid(_)) => "invalid",
            WalletError::Ledger(LedgerError::NotFound(_)) => "not_found",
            WalletError::Ledger(LedgerError::Insufficient { .. }) => "insufficient",
            WalletError::Ledger(LedgerError::Conflict(_)) => "conflict",
            WalletError::Ledger(LedgerError::Overflow(_)) => "overflow",
            WalletError::Ledger(LedgerError::Corrupt(_)) | WalletError::Corrupt(_) => "corrupt",
            WalletError::Unavailable(_) => "unavailable",
        };
        self.refused.with_label_values(&[reason]).inc();
    }
}

/// Why a submission was not applied.
#[derive(Debug, Clone)]
pub enum WalletError {
    Ledger(LedgerError),
    /// The store failed; nothing applied; retry later.
    Unavailable(String),
    Corrupt(String),
}

impl From<WalletError> for Problem {
    fn from(e: WalletError) -> Problem {
        match e {
            WalletError::Ledger(l) => ledger_problem(&l),
            WalletError::Unavailable(m) => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, m).with_retry_after(1)
            }
            WalletError::Corrupt(m) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the wallet stopped writing: {m}"),
            ),
        }
    }
}

/// The status each ledger refusal maps to.
pub fn ledger_problem(e: &LedgerError) -> Problem {
    let (status, kind) = match e {
        LedgerError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid-transfer"),
        LedgerError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
        LedgerError::Insufficient { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "insufficient-funds")
        }
        LedgerError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        LedgerError::Overflow(_) => (StatusCode::UNPROCESSABLE_ENTITY, "overflow"),
        LedgerError::Corrupt(_) => (StatusCode::INTERNAL_SERVER_ERROR, "corrupt"),
    };
    Problem::new(status, e.to_string()).with_type(&format!("/problems/wallet/{kind}"))
}

struct Job {
    sub: Submission,
    done: oneshot::Sender<Result<Applied, WalletError>>,
}

/// The running wallet: its store and the batching writer.
pub struct Wallet {
    store: AnyStore,
    jobs: mpsc::Sender<Job>,
    metrics: WalletMetrics,
}

impl Wallet {
    /// Starts the batching writer on `store`.
    pub fn start(store: AnyStore, metrics: WalletMetrics) -> Arc<Wallet> {
        let (jobs, rx) = mpsc::channel(QUEUE);
        let w = Arc::new(Wallet {
            store: store.clone(),
            jobs,
            metrics: metrics.clone(),
        });
        tokio::spawn(write_loop(store, metrics, rx));
        w
    }

    pub fn store(&self) -> &AnyStore {
        &self.store
    }

    /// Applies one submission (in some batch) and answers once durable.
    pub async fn submit(&self, sub: Submission) -> Result<Applied, WalletError> {
        let (done, rx) = oneshot::channel();
        self.jobs.try_send(Job { sub, done }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                WalletError::Unavailable("the wallet's write queue is full".into())
            }
            mpsc::error::TrySendError::Closed(_) => {
                WalletError::Unavailable("the wallet's writer stopped".into())
            }
        })?;
        let r = rx
            .await
            .map_err(|_| WalletError::Unavailable("the wallet's writer stopped".into()))?;
        if let Err(e) = &r {
            self.metrics.refused(e);
        }
        r
    }
}

use crate::clock::unix_ms as now_ms;

async fn write_loop(store: AnyStore, metrics: WalletMetrics, mut rx: mpsc::Receiver<Job>) {
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut expired = store.expired_total();
    loop {
        if rx.recv_many(&mut jobs, MAX_BATCH).await == 0 {
            return;
        }
        // Expiries a batch applied (they answer no submission).
        let mut count_expiries = || {
            let now = store.expired_total();
            metrics
                .transfers
                .with_label_values(&[TransferKind::Expire.as_str()])
                .inc_by(now.saturating_sub(expired));
            expired = now;
        };
        // Answers go only to requests still waiting; a cancelled request's
        // transfer is applied anyway (its retry then answers the original).
        let subs: Vec<Submission> = jobs.iter().map(|j| j.sub.clone()).collect();
        metrics.batch.observe(subs.len() as f64);
        let started = std::time::Instant::now();
        let result = store.apply(subs, now_ms()).await;
        metrics.commit.observe(started.elapsed().as_secs_f64());
        // A batch the database refused as a whole may hold one poisoned
        // submission: apply each alone, so the others are not refused with
        // it (if the database is down, each fails fast the same way).
        if matches!(result, Err(StoreError::Unavailable(_))) && jobs.len() > 1 {
            for job in jobs.drain(..) {
                let r = match store.apply(vec![job.sub.clone()], now_ms()).await {
                    Ok(mut r) => r
                        .pop()
                        .unwrap_or_else(|| Err(LedgerError::Corrupt("no answer".into())))
                        .map_err(WalletError::Ledger),
                    Err(StoreError::Unavailable(m)) => Err(WalletError::Unavailable(m)),
                    Err(StoreError::Corrupt(l)) => Err(WalletError::Corrupt(l.to_string())),
                };
                metrics.applied(&r);
                let _ = job.done.send(r);
            }
            count_expiries();
            continue;
        }
        count_expiries();
        match result {
            Ok(results) => {
                for (job, r) in jobs.drain(..).zip(results) {
                    let r = r.map_err(WalletError::Ledger);
                    metrics.applied(&r);
                    let _ = job.done.send(r);
                }
                if let Ok(h) = store.head().await {
                    metrics.head.set(i64::try_from(h.seq).unwrap_or(i64::MAX));
                }
            }
            Err(e) => {
                let err = match &e {
                    StoreError::Unavailable(m) => WalletError::Unavailable(m.clone()),
                    StoreError::Corrupt(l) => {
                        tracing::error!(error = %l, "the wallet's ledger is corrupt; writes stop");
                        WalletError::Corrupt(l.to_string())
                    }
                };
                tracing::warn!(error = %e, "a wallet batch was not applied");
                for job in jobs.drain(..) {
                    let _ = job.done.send(Err(err.clone()));
                }
            }
        }
    }
}

/// Keeps the `store` readiness dependency current (every second).
pub fn watch_store(wallet: Arc<Wallet>, readiness: Readiness) {
    readiness.set("store", true, false, "not checked yet");
    tokio::spawn(async move {
        let describe = wallet.store.describe();
        loop {
            match tokio::time::timeout(Duration::from_secs(2), wallet.store.ping()).await {
                Ok(Ok(())) => readiness.set("store", true, true, format!("{describe} answers")),
                Ok(Err(e)) => readiness.set("store", true, false, format!("{describe}: {e:#}")),
                Err(_) => readiness.set(
                    "store",
                    true,
                    false,
                    format!("{describe}: no answer in 2 s"),
                ),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

#[derive(Clone)]
pub struct WalletState {
    pub wallet: Arc<Wallet>,
    pub secret: TokenVerifier,
    pub anchors: super::anchor::Anchors,
}

impl FromRef<WalletState> for TokenVerifier {
    fn from_ref(s: &WalletState) -> TokenVerifier {
        s.secret.clone()
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        post_transfers,
        get_transfer,
        list_transfers,
        list_reservations,
        get_account,
        list_accounts,
        account_transfers,
        audit,
        summary
    ),
    components(schemas(
        TransferRequest,
        Transfer,
        TransferKind,
        AccountView,
        AccountKind,
        AuditReport,
        Head,
        Summary,
        AccountList,
        TransferList,
        ReservationList
    ))
)]
pub struct WalletApi;

pub fn routes(state: WalletState) -> Router<crate::services::common::ServiceContext> {
    Router::new()
        .route("/transfers", post(post_transfers).get(list_transfers))
        .route("/transfers/{id}", get(get_transfer))
        .route("/accounts", get(list_accounts))
        .route("/accounts/{id}", get(get_account))
        .route("/accounts/{id}/transfers", get(account_transfers))
        .route("/reservations", get(list_reservations))
        .route("/audit", get(audit))
        .route("/summary", get(summary))
        .with_state(state)
}

fn forbidden(detail: String) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, detail)
}

/// Whether `who` may submit `r` (see the module's table). Posts and voids
/// are engine and admin work.
pub fn may_submit(who: &Claims, r: &TransferRequest) -> Result<(), Problem> {
    if who.role == Role::Admin {
        return Ok(());
    }
    let shape = r.shape().map_err(|e| ledger_problem(&e))?;
    // The engines' ids are predictable (derived from game and event); no
    // one else may take one first and turn a cash-out into a 409.
    if (who.role == Role::Engine) != r.id.starts_with(ENGINE_ID_PREFIX) {
        return Err(forbidden(format!(
            "transfer ids starting with {ENGINE_ID_PREFIX:?} are the engines', and an engine's ids start with it; {} ({}) sent {:?}",
            who.sub, who.role, r.id
        )));
    }
    let refuse = |what: &str| {
        Err(forbidden(format!(
            "{} ({}) may not {what}",
            who.sub, who.role
        )))
    };
    if who.role == Role::Engine {
        engine_owns(who, r, &shape)?;
    }
    match (who.role, &shape) {
        (Role::Engine, Shape::Post(_) | Shape::Void(_)) => Ok(()),
        (_, Shape::Post(_) | Shape::Void(_)) => refuse("post or void pending transfers"),
        (
            role,
            Shape::Move {
                debit,
                debit_kind,
                credit,
                credit_kind,
                timeout_ms,
                ..
            },
        ) => {
            use AccountKind::*;
            let ok = match role {
                Role::Player => {
                    timeout_ms.is_none()
                        && *debit == format!("player:{}", who.sub)
                        && *credit_kind == Player
                }
                Role::Cashier => {
                    timeout_ms.is_none()
                        && matches!(
                            (debit_kind, credit_kind),
                            (Issuance, Player | House) | (Player | House, Issuance)
                        )
                }
                Role::Engine => matches!(
                    (debit_kind, credit_kind),
                    (Table, Player | House) | (Player | House, Table)
                ),
                Role::Validator | Role::Wallet | Role::Admin => false,
            };
            if ok {
                Ok(())
            } else {
                refuse(&format!("move chips from {debit} to {credit}"))
            }
        }
    }
}

/// An engine moves only its own games' money: the transfer id, the table
/// account of a move and the pending transfer a post or void names must
/// all be of a game `engine-N` holds (`engine.eN-…`, `table:eN-…`). A
/// taken-over engine key cannot empty another engine's tables.
fn engine_owns(who: &Claims, r: &TransferRequest, shape: &Shape) -> Result<(), Problem> {
    let Some(games) = crate::auth::engine_games(&who.sub) else {
        return Err(forbidden(format!(
            "{} is not an engine instance name (engine-N)",
            who.sub
        )));
    };
    let ids = format!("{ENGINE_ID_PREFIX}{games}");
    let table = format!("table:{games}");
    let outside = |what: &str, value: &str| {
        Err(forbidden(format!(
            "{} holds only the games {games}…; {what} {value:?} is not one of them",
            who.sub
        )))
    };
    if !r.id.starts_with(&ids) {
        return outside("transfer id", &r.id);
    }
    match shape {
        Shape::Post(pending) | Shape::Void(pending) if !pending.starts_with(&ids) => {
            outside("pending transfer", pending)
        }
        Shape::Move {
            debit,
            debit_kind,
            credit,
            credit_kind,
            ..
        } => {
            // A move without a table is refused below, by kind.
            for (account, kind) in [(debit, debit_kind), (credit, credit_kind)] {
                if *kind == AccountKind::Table && !account.starts_with(&table) {
                    return outside("table", account);
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether `who` may read `account`.
fn may_read(who: &Claims, account: &str) -> Result<(), Problem> {
    match who.role {
        Role::Admin | Role::Cashier | Role::Engine => Ok(()),
        Role::Player if account == format!("player:{}", who.sub) => Ok(()),
        _ => Err(forbidden(format!(
            "{} ({}) may not read {account}: players read only their own account",
            who.sub, who.role
        ))),
    }
}

fn may_read_everything(who: &Claims) -> Result<(), Problem> {
    match who.role {
        Role::Admin | Role::Cashier => Ok(()),
        _ => Err(forbidden(format!(
            "{} ({}) may not read the whole ledger: cashiers and admins may",
            who.sub, who.role
        ))),
    }
}

fn internal(e: anyhow::Error) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the wallet store did not answer: {e:#}"),
    )
    .with_retry_after(1)
}

/// Moves chips: one transfer object, or an array of them applied all or
/// none (linked). 201 with the transfer(s); a retry with the same ids and
/// bodies answers 200 with the originals and `Idempotent-Replayed: true`.
#[utoipa::path(post, path = "/transfers", tag = "wallet", request_body = TransferRequest,
    responses((status = 201, description = "Applied", body = Transfer),
              (status = 200, description = "A retry: the original transfer(s)", body = Transfer),
              (status = 400, description = "Malformed JSON", body = Problem),
              (status = 401, body = Problem), (status = 403, description = "The caller's role may not make this move", body = Problem),
              (status = 404, description = "An account or pending transfer that does not exist", body = Problem),
              (status = 409, description = "The id was used for another request, or the pending transfer is settled or expired", body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, description = "Bad amount, account or shape; or not enough available chips (nothing changed)", body = Problem),
              (status = 503, description = "The store is unavailable; nothing applied; retry with the same id", body = Problem)))]
async fn post_transfers(
    State(s): State<WalletState>,
    caller: Caller,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, Problem> {
    let value: Value = json_any_within(&headers, body, BODY_LIMIT, "transfer").await?;
    let linked = value.is_array();
    let requests: Vec<TransferRequest> = if linked {
        serde_json::from_value(value)
    } else {
        serde_json::from_value(value).map(|r| vec![r])
    }
    .map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("malformed transfer: {e}"),
        )
    })?;
    if requests.is_empty() || requests.len() > MAX_LINKED {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("a linked batch holds 1 to {MAX_LINKED} transfers"),
        ));
    }
    for r in &requests {
        may_submit(&caller.0, r)?;
    }
    let applied = s
        .wallet
        .submit(Submission::linked(requests))
        .await
        .map_err(Problem::from)?;
    let status = if applied.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut resp = if linked {
        (status, Json(applied.transfers)).into_response()
    } else {
        let t = applied.transfers.into_iter().next();
        (status, Json(t)).into_response()
    };
    if applied.replayed {
        resp.headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    Ok(resp)
}

/// One transfer by id.
#[utoipa::path(get, path = "/transfers/{id}", tag = "wallet",
    params(("id" = String, Path, description = "The transfer's id")),
    responses((status = 200, body = Transfer), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_transfer(
    State(s): State<WalletState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Transfer>, Problem> {
    let t = s
        .wallet
        .store
        .transfer(id.clone())
        .await
        .map_err(internal)?;
    let Some(t) = t else {
        // The same answer whether or not the caller could read it.
        return Err(Problem::not_found(format!("no transfer {id:?}")));
    };
    if may_read(&caller.0, &t.debit).is_err() && may_read(&caller.0, &t.credit).is_err() {
        // The same answer as a missing id: whether a transfer exists is
        // not a player's to learn.
        return Err(Problem::not_found(format!("no transfer {id:?}")));
    }
    Ok(Json(t))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Only transfers after this sequence number (default 0).
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    after: Option<u64>,
    /// Page size, 1..=1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

impl Page {
    /// `after`, at most the largest sequence number a ledger can hold
    /// (2⁶³ − 1, the document's int64 maximum).
    fn after(&self) -> Result<u64, Problem> {
        match self.after {
            None => Ok(0),
            Some(n) if i64::try_from(n).is_ok() => Ok(n),
            Some(n) => Err(Problem::new(
                StatusCode::BAD_REQUEST,
                format!("after must be 0..={}, not {n}", i64::MAX),
            )),
        }
    }

    fn limit(&self) -> Result<usize, Problem> {
        match self.limit {
            None => Ok(100),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(n) => Err(Problem::new(
                StatusCode::BAD_REQUEST,
                format!("limit must be 1..={MAX_PAGE}, not {n}"),
            )),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransferList {
    pub transfers: Vec<Transfer>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u64>,
}

fn transfer_page(transfers: Vec<Transfer>, limit: usize) -> TransferList {
    let next_after = (transfers.len() == limit)
        .then(|| transfers.last().map(|t| t.seq))
        .flatten();
    TransferList {
        transfers,
        next_after,
    }
}

/// The whole log in sequence order (cashiers and admins): what `bitcraps
/// wallet audit` recomputes.
#[utoipa::path(get, path = "/transfers", tag = "wallet", params(Page),
    responses((status = 200, body = TransferList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_transfers(
    State(s): State<WalletState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<TransferList>, Problem> {
    may_read_everything(&caller.0)?;
    let limit = page.limit()?;
    let transfers = s
        .wallet
        .store
        .transfers(TransferQuery {
            account: None,
            after_seq: page.after()?,
            limit,
        })
        .await
        .map_err(internal)?;
    Ok(Json(transfer_page(transfers, limit)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReservationPage {
    /// Only pending transfers whose id starts with this (an engine:
    /// `engine.eN-`, its own games).
    #[param(min_length = 1, max_length = 128)]
    id_prefix: String,
    /// Only ids that sort after this one.
    after: Option<String>,
    /// Page size, 1..=1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReservationList {
    /// The pending transfers, by id.
    pub transfers: Vec<Transfer>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// Pending transfers still open (not posted, voided or expired) whose id
/// starts with `id_prefix`, by id. An engine reads its own (`engine.eN-`)
/// when it starts, to void reservations a crash left behind; cashiers and
/// admins read any.
#[utoipa::path(get, path = "/reservations", tag = "wallet", params(ReservationPage),
    responses((status = 200, body = ReservationList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_reservations(
    State(s): State<WalletState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<ReservationPage>,
) -> Result<Json<ReservationList>, Problem> {
    let who = &caller.0;
    if page.id_prefix.is_empty() || page.id_prefix.len() > 128 {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "id_prefix must be 1 to 128 bytes".to_string(),
        ));
    }
    if who.role == Role::Engine {
        let own = crate::auth::engine_games(&who.sub)
            .map(|g| format!("{ENGINE_ID_PREFIX}{g}"))
            .ok_or_else(|| {
                forbidden(format!(
                    "{} is not an engine instance name (engine-N)",
                    who.sub
                ))
            })?;
        if !page.id_prefix.starts_with(&own) {
            return Err(forbidden(format!(
                "{} reads only its own reservations ({own}…), not {:?}",
                who.sub, page.id_prefix
            )));
        }
    } else {
        may_read_everything(who)?;
    }
    let limit = Page {
        after: None,
        limit: page.limit,
    }
    .limit()?;
    let transfers = s
        .wallet
        .store
        .open_reservations(page.id_prefix, page.after, limit)
        .await
        .map_err(internal)?;
    let next_after = (transfers.len() == limit)
        .then(|| transfers.last().map(|t| t.id.clone()))
        .flatten();
    Ok(Json(ReservationList {
        transfers,
        next_after,
    }))
}

/// An account with its balance (posted credits − posted debits) and what
/// is available (the balance less pending debits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub kind: AccountKind,
    #[schema(value_type = i64)]
    pub balance: i128,
    #[schema(value_type = i64)]
    pub available: i128,
    pub debits_posted: u64,
    pub credits_posted: u64,
    pub debits_pending: u64,
    pub credits_pending: u64,
    pub opened_ms: u64,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> AccountView {
        AccountView {
            balance: a.balance(),
            available: a.available(),
            id: a.id,
            kind: a.kind,
            debits_posted: a.debits_posted,
            credits_posted: a.credits_posted,
            debits_pending: a.debits_pending,
            credits_pending: a.credits_pending,
            opened_ms: a.opened_ms,
        }
    }
}

fn checked_account(id: &str) -> Result<(), Problem> {
    account_kind(id)
        .map(|_| ())
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.to_string()))
}

/// One account.
#[utoipa::path(get, path = "/accounts/{id}", tag = "wallet",
    params(("id" = String, Path, description = "player:<name>, table:<game id>, house or issuance",
        pattern = "^(player:[A-Za-z0-9._@:-]+|table:[A-Za-z0-9._@:-]+|house|issuance)$", max_length = 128)),
    responses((status = 200, body = AccountView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_account(
    State(s): State<WalletState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AccountView>, Problem> {
    checked_account(&id)?;
    may_read(&caller.0, &id)?;
    let a = s.wallet.store.account(id.clone()).await.map_err(internal)?;
    a.map(|a| Json(a.into()))
        .ok_or_else(|| Problem::not_found(format!("no account {id:?}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountPage {
    /// Only accounts whose id sorts after this one.
    after: Option<String>,
    /// Page size, 1..=1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountList {
    pub accounts: Vec<AccountView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// Every account, by id (cashiers and admins).
#[utoipa::path(get, path = "/accounts", tag = "wallet", params(AccountPage),
    responses((status = 200, body = AccountList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_accounts(
    State(s): State<WalletState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<AccountPage>,
) -> Result<Json<AccountList>, Problem> {
    may_read_everything(&caller.0)?;
    let limit = Page {
        after: None,
        limit: page.limit,
    }
    .limit()?;
    let accounts = s
        .wallet
        .store
        .accounts(page.after, limit)
        .await
        .map_err(internal)?;
    let next_after = (accounts.len() == limit)
        .then(|| accounts.last().map(|a| a.id.clone()))
        .flatten();
    Ok(Json(AccountList {
        accounts: accounts.into_iter().map(AccountView::from).collect(),
        next_after,
    }))
}

/// An account's history: the transfers that debit or credit it.
#[utoipa::path(get, path = "/accounts/{id}/transfers", tag = "wallet",
    params(("id" = String, Path, description = "The account: player:<name>, table:<game id>, house or issuance",
        pattern = "^(player:[A-Za-z0-9._@:-]+|table:[A-Za-z0-9._@:-]+|house|issuance)$", max_length = 128), Page),
    responses((status = 200, body = TransferList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn account_transfers(
    State(s): State<WalletState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<TransferList>, Problem> {
    checked_account(&id)?;
    may_read(&caller.0, &id)?;
    let limit = page.limit()?;
    if s.wallet
        .store
        .account(id.clone())
        .await
        .map_err(internal)?
        .is_none()
    {
        return Err(Problem::not_found(format!("no account {id:?}")));
    }
    let transfers = s
        .wallet
        .store
        .transfers(TransferQuery {
            account: Some(id),
            after_seq: page.after()?,
            limit,
        })
        .await
        .map_err(internal)?;
    Ok(Json(transfer_page(transfers, limit)))
}

/// Recomputes every balance and the hash chain from the log and compares
/// them with the stored accounts (cashiers and admins). `ok` is false when
/// anything disagrees; `problems` says what.
#[utoipa::path(get, path = "/audit", tag = "wallet",
    responses((status = 200, body = AuditReport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 503, body = Problem)))]
async fn audit(State(s): State<WalletState>, caller: Caller) -> Result<Json<AuditReport>, Problem> {
    may_read_everything(&caller.0)?;
    let r = s.wallet.store.audit().await.map_err(internal)?;
    if !r.ok {
        tracing::error!(problems = ?r.problems, "the wallet audit failed");
    }
    Ok(Json(r))
}

/// The ledger at a glance (cashiers and admins): the chain's head, the
/// chips in circulation, the house's balance and the anchoring.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = WalletSummary)]
pub struct Summary {
    pub head: Head,
    /// Chips deposited and not withdrawn: −(issuance balance).
    #[schema(value_type = i64)]
    pub issued: i128,
    /// The house account's balance.
    #[schema(value_type = i64)]
    pub house: i128,
    /// The last head a quorum of validators committed (`wallet.anchor`),
    /// absent until the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<super::anchor::AnchorStatus>,
    /// Transfers not yet covered by an anchor.
    pub anchor_lag: u64,
}

#[utoipa::path(get, path = "/summary", tag = "wallet",
    responses((status = 200, body = Summary), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn summary(State(s): State<WalletState>, caller: Caller) -> Result<Json<Summary>, Problem> {
    may_read_everything(&caller.0)?;
    let store = &s.wallet.store;
    let head = store.head().await.map_err(internal)?;
    let issued = store
        .account(ISSUANCE.into())
        .await
        .map_err(internal)?
        .map_or(0, |a| -a.balance());
    let house = store
        .account(super::ledger::HOUSE.into())
        .await
        .map_err(internal)?
        .map_or(0, |a| a.balance());
    let anchor = s.anchors.last();
    let anchor_lag = head.seq - anchor.as_ref().map_or(0, |a| a.seq.min(head.seq));
    Ok(Json(Summary {
        head,
        issued,
        house,
        anchor,
        anchor_lag,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::auth::claims_of as who;

    fn allowed(c: &Claims, r: &TransferRequest) -> bool {
        may_submit(c, r).is_ok()
    }

    #[test]
    fn each_role_moves_only_what_it_may() {
        let t = TransferRequest::single;
        let alice = who("alice", Role::Player);
        assert!(allowed(&alice, &t("1", "player:alice", "player:bob", 5)));
        assert!(
            !allowed(&alice, &t("1", "player:bob", "player:alice", 5)),
            "another's money"
        );
        assert!(
            !allowed(&alice, &t("1", "issuance", "player:alice", 5)),
            "minting"
        );
        assert!(
            !allowed(&alice, &t("1", "player:alice", "table:g", 5)),
            "escrow is the engine's"
        );
        assert!(!allowed(&alice, &TransferRequest::post("2", "1")));

        let cashier = who("till", Role::Cashier);
        assert!(allowed(&cashier, &t("1", "issuance", "player:alice", 5)));
        assert!(allowed(&cashier, &t("1", "player:alice", "issuance", 5)));
        assert!(allowed(&cashier, &t("1", "issuance", "house", 5)));
        assert!(!allowed(&cashier, &t("1", "player:alice", "player:bob", 5)));
        assert!(!allowed(&cashier, &t("1", "house", "table:g", 5)));

        let engine = who("engine-0", Role::Engine);
        let e = "engine.e0-g.1";
        assert!(allowed(&engine, &t(e, "player:alice", "table:e0-g", 5)));
        assert!(allowed(&engine, &t(e, "table:e0-g", "house", 5)));
        assert!(allowed(
            &engine,
            &TransferRequest::pending(e, "house", "table:e0-g", 5, 1000)
        ));
        assert!(allowed(&engine, &TransferRequest::void("engine.e0-g.2", e)));
        assert!(
            !allowed(&engine, &t(e, "issuance", "player:alice", 5)),
            "engines never mint"
        );
        assert!(!allowed(&engine, &t(e, "player:alice", "player:bob", 5)));
        assert!(
            !allowed(&engine, &t("1", "table:e0-g", "house", 5)),
            "an engine's ids are in its namespace"
        );
        // Only its own games: engine-0 holds e0-…, engine-1 holds e1-….
        assert!(
            !allowed(&engine, &t(e, "table:e1-g", "house", 5)),
            "another engine's table"
        );
        assert!(
            !allowed(&engine, &t("engine.e1-g.1", "table:e1-g", "house", 5)),
            "another engine's ids"
        );
        assert!(
            !allowed(&engine, &TransferRequest::void(e, "engine.e1-g.1")),
            "another engine's reservation"
        );
        assert!(
            !allowed(&engine, &t("engine.e0-g.1", "table:e01-g", "house", 5)),
            "e0- is not a prefix of e01-'s games"
        );
        assert!(!allowed(
            &who("engine-x", Role::Engine),
            &t("engine.ex-g.1", "table:ex-g", "house", 5)
        ));
        let engine1 = who("engine-1", Role::Engine);
        assert!(allowed(
            &engine1,
            &t("engine.e1-g.1", "table:e1-g", "house", 5)
        ));
        assert!(
            !allowed(&alice, &t("engine.9", "player:alice", "player:bob", 5)),
            "the engines' ids are theirs"
        );
        assert!(!allowed(
            &cashier,
            &t("engine.9", "issuance", "player:alice", 5)
        ));

        let validator = who("validator-0", Role::Validator);
        assert!(!allowed(
            &validator,
            &t("1", "player:alice", "player:bob", 5)
        ));
        assert!(allowed(
            &who("root", Role::Admin),
            &t("1", "issuance", "table:x", 5)
        ));
    }
}
