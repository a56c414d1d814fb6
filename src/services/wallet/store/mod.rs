//! Where the ledger lives: one [`Store`] trait, two implementations —
//! embedded SQLite (`sqlite`, the default) and PostgreSQL (`postgres`, for
//! several wallet instances on several machines) — run by the same test
//! suite (`suite`).
//!
//! A store applies a *batch* of submissions in one durable transaction (one
//! fsync): it loads what the batch touches into a [`Working`] set, lets the
//! pure ledger apply each submission (a refused one changes nothing), and
//! writes back the new transfers and changed accounts. Pending transfers
//! whose deadline passed are expired at the start of every batch.

use std::future::Future;

use super::ledger::{
    Account, Applied, AuditReport, Head, LedgerError, PendingIndexEntry, Submission, Transfer,
};

pub mod postgres;
pub mod sqlite;
#[cfg(test)]
pub mod suite;

/// Most expiries one batch performs (the rest wait for the next batch).
pub const EXPIRE_PER_BATCH: usize = 1_000;
/// Transfers read per page by [`Store::audit`].
pub const AUDIT_PAGE: usize = 10_000;

/// Why a batch did not apply at all.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or the transaction failed; nothing
    /// from the batch was applied (503).
    #[error("the wallet store is unavailable: {0}")]
    Unavailable(String),
    /// The stored state contradicts itself; the store refuses further
    /// writes (500).
    #[error("{0}")]
    Corrupt(#[from] LedgerError),
}

pub type BatchResult = Result<Vec<Result<Applied, LedgerError>>, StoreError>;

/// Filters for listing transfers.
#[derive(Debug, Clone, Default)]
pub struct TransferQuery {
    /// Only transfers debiting or crediting this account.
    pub account: Option<String>,
    /// Only transfers with a larger seq.
    pub after_seq: u64,
    pub limit: usize,
}

pub trait Store: Send + Sync + 'static {
    /// Applies the submissions in order in one transaction and answers each
    /// (same order). `Err` means nothing was applied.
    fn apply(
        &self,
        batch: Vec<Submission>,
        now_ms: u64,
    ) -> impl Future<Output = BatchResult> + Send;

    fn account(&self, id: String) -> impl Future<Output = anyhow::Result<Option<Account>>> + Send;

    /// Accounts ordered by id, after `after` (exclusive).
    fn accounts(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> impl Future<Output = anyhow::Result<Vec<Account>>> + Send;

    fn transfer(&self, id: String)
    -> impl Future<Output = anyhow::Result<Option<Transfer>>> + Send;

    /// Transfers in seq order.
    fn transfers(
        &self,
        q: TransferQuery,
    ) -> impl Future<Output = anyhow::Result<Vec<Transfer>>> + Send;

    fn head(&self) -> impl Future<Output = anyhow::Result<Head>> + Send;

    /// Pending transfers still open (neither posted, voided nor expired)
    /// whose id starts with `id_prefix`, ordered by id, after `after`
    /// (exclusive): what an engine reconciles when it starts.
    fn open_reservations(
        &self,
        id_prefix: String,
        after: Option<String>,
        limit: usize,
    ) -> impl Future<Output = anyhow::Result<Vec<Transfer>>> + Send;

    /// The pending index (every pending transfer's state and deadline),
    /// ordered by id, after `after` (exclusive).
    fn pending_index(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> impl Future<Output = anyhow::Result<Vec<PendingIndexEntry>>> + Send;

    /// Proves the store answers (readiness).
    fn ping(&self) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Pending transfers this store has expired (committed) since it was
    /// opened: expiries are applied at the start of a batch and belong to
    /// no submission's result, so the writer counts them from here.
    fn expired_total(&self) -> u64;

    /// Reads the whole log and every account and recomputes them (see
    /// [`super::ledger::audit`]). The log is read in pages; accounts are
    /// read after it, so a batch committed in between shows as a mismatch
    /// only if the store itself lies: callers retry a failed audit once.
    fn audit(&self) -> impl Future<Output = anyhow::Result<AuditReport>> + Send {
        async move {
            for _attempt in 0..3 {
                let head = self.head().await?;
                let mut log = Vec::new();
                loop {
                    let page = self
                        .transfers(TransferQuery {
                            account: None,
                            after_seq: log.last().map_or(0, |t: &Transfer| t.seq),
                            limit: AUDIT_PAGE,
                        })
                        .await?;
                    let done = page.len() < AUDIT_PAGE;
                    log.extend(page.into_iter().filter(|t| t.seq <= head.seq));
                    if done || log.last().is_some_and(|t| t.seq >= head.seq) {
                        break;
                    }
                }
                let accounts = every_by_id(
                    |after| self.accounts(after, AUDIT_PAGE),
                    |a: &Account| a.id.clone(),
                )
                .await?;
                let index = every_by_id(
                    |after| self.pending_index(after, AUDIT_PAGE),
                    |e: &PendingIndexEntry| e.id.clone(),
                )
                .await?;
                // Writes between the reads make the snapshot torn (it
                // would report false mismatches): read again.
                if self.head().await? != head {
                    continue;
                }
                let mut report = super::ledger::audit(&log, &accounts);
                report
                    .problems
                    .extend(super::ledger::audit_pending(&log, &index));
                report.ok = report.problems.is_empty();
                return Ok(report);
            }
            anyhow::bail!(
                "the ledger kept changing during the audit (3 attempts); try again when it is quieter"
            )
        }
    }
}

/// Every row of a listing paged by id ([`AUDIT_PAGE`] at a time): `page`
/// reads the rows after an id, `id` names a row.
async fn every_by_id<T, F, Fut>(page: F, id: impl Fn(&T) -> String) -> anyhow::Result<Vec<T>>
where
    F: Fn(Option<String>) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<T>>>,
{
    let mut all: Vec<T> = Vec::new();
    loop {
        let rows = page(all.last().map(&id)).await?;
        let done = rows.len() < AUDIT_PAGE;
        all.extend(rows);
        if done {
            return Ok(all);
        }
    }
}

/// The store a wallet instance runs on, chosen by configuration.
#[derive(Clone)]
pub enum AnyStore {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl AnyStore {
    /// Where the ledger is, for logs and readiness.
    pub fn describe(&self) -> String {
        match self {
            AnyStore::Sqlite(s) => format!("SQLite at {}", s.path().display()),
            AnyStore::Postgres(_) => "PostgreSQL".to_string(),
        }
    }
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $e,
            AnyStore::Postgres($s) => $e,
        }
    };
}

impl Store for AnyStore {
    async fn apply(&self, batch: Vec<Submission>, now_ms: u64) -> BatchResult {
        each!(self, s => s.apply(batch, now_ms).await)
    }
    async fn account(&self, id: String) -> anyhow::Result<Option<Account>> {
        each!(self, s => s.account(id).await)
    }
    async fn accounts(&self, after: Option<String>, limit: usize) -> anyhow::Result<Vec<Account>> {
        each!(self, s => s.accounts(after, limit).await)
    }
    async fn transfer(&self, id: String) -> anyhow::Result<Option<Transfer>> {
        each!(self, s => s.transfer(id).await)
    }
    async fn transfers(&self, q: TransferQuery) -> anyhow::Result<Vec<Transfer>> {
        each!(self, s => s.transfers(q).await)
    }
    async fn head(&self) -> anyhow::Result<Head> {
        each!(self, s => s.head().await)
    }
    async fn pending_index(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> anyhow::Result<Vec<PendingIndexEntry>> {
        each!(self, s => s.pending_index(after, limit).await)
    }
    async fn open_reservations(
        &self,
        id_prefix: String,
        after: Option<String>,
        limit: usize,
    ) -> anyhow::Result<Vec<Transfer>> {
        each!(self, s => s.open_reservations(id_prefix, after, limit).await)
    }
    async fn ping(&self) -> anyhow::Result<()> {
        each!(self, s => s.ping().await)
    }
    fn expired_total(&self) -> u64 {
        each!(self, s => s.expired_total())
    }
}
