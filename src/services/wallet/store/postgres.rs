//! The shared store: PostgreSQL, for several wallet instances (on several
//! machines) over one database.
//!
//! Concurrency. Every apply transaction first locks the single row of
//! `wallet_head` (`SELECT … FOR UPDATE`), so batches from all instances run
//! one after another, whatever instance sends them; batching amortises that
//! one lock. Because writers are serialised by a lock they all take first,
//! nothing else they lock can form a cycle: no deadlock. READ COMMITTED is
//! enough under that lock: a waiting `FOR UPDATE` returns the head as the
//! previous holder committed it, and every later statement of the batch
//! takes a new snapshot, which sees every transaction that committed before
//! the lock was granted (PostgreSQL marks a transaction committed before it
//! releases its locks). So each batch loads what the last one wrote: no
//! lost update, and one hash chain across instances. The head is read from
//! that row in every transaction and never cached: another instance may
//! have moved it.
//!
//! Durability: `synchronous_commit` stays at its default (on), so the
//! commit, and with it the lock's release, waits for the WAL flush; an
//! answered transfer survives a crash of the database.
//!
//! The transfer log is append-only: a trigger refuses UPDATE, DELETE and
//! TRUNCATE of `wallet_transfers`. Amounts are `u64 ≤ i64::MAX` in BIGINT.
//! Connections are TLS verified against `wallet.database_ca` when it is
//! set (see [`tls_of`]), else plain TCP or unix sockets.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, NoTls};

use super::sqlite::parse_state;
use super::{BatchResult, EXPIRE_PER_BATCH, Store, StoreError, TransferQuery};
use crate::services::wallet::ledger::{
    Account, Head, LedgerError, PendingIndexEntry, Submission, Transfer, TransferKind, Working,
};

mod rows;
mod sql;

use rows::{
    AccountColumns, PendingColumns, TransferColumns, account_of, head_of, i64_of, transfer_of,
};
use sql::{
    DUE, INSERT_TRANSFERS, LOAD_ACCOUNTS, LOAD_TRANSFERS, LOCK_HEAD, MOVE_HEAD, PENDING_STATES,
    READ_ACCOUNT, READ_ACCOUNT_TRANSFERS, READ_ACCOUNTS, READ_HEAD, READ_TRANSFER, READ_TRANSFERS,
    SCHEMA, SCHEMA_LOCK, UPSERT_ACCOUNTS, UPSERT_PENDING,
};

/// Connections applying batches per instance. They queue on the head lock,
/// so a few suffice: while one holds it, the next batches wait in line.
const WRITERS: usize = 4;
/// Connections serving reads per instance, apart from the writers so that
/// reads never wait behind the head lock.
const READERS: usize = 8;
/// Longest wait for a pooled connection or a new one.
const POOL_WAIT: Duration = Duration::from_secs(10);
/// Session limits: a lock wait (the head lock included), one statement,
/// and a transaction left idle by a stalled instance, which would hold the
/// head lock for everyone.
const SESSION_OPTIONS: &str = "-c lock_timeout=10s -c statement_timeout=60s \
                               -c idle_in_transaction_session_timeout=30s";

#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    writers: Pool,
    readers: Pool,
    /// `host:port/database`, for messages (the URL may hold a password).
    target: String,
    /// Set when the stored state was found corrupt: this instance stops
    /// writing until it is restarted.
    poisoned: AtomicBool,
    /// Pending transfers expired by this instance's committed batches.
    expired: AtomicU64,
}

/// A database error as a sentence (tokio-postgres's own says "db error").
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("PostgreSQL: {} ({})", d.message(), d.code().code()),
        None => match std::error::Error::source(e) {
            Some(s) => format!("{e}: {s}"),
            None => e.to_string(),
        },
    }
}

fn unavailable(e: tokio_postgres::Error) -> StoreError {
    StoreError::Unavailable(describe(&e))
}

fn read_err(e: tokio_postgres::Error) -> anyhow::Error {
    anyhow::anyhow!(describe(&e))
}

/// Creates the schema unless it exists; instances starting together take
/// turns (advisory lock). Then checks that the head matches the log.
async fn ensure_schema(client: &mut deadpool_postgres::Client) -> anyhow::Result<()> {
    let tx = client.transaction().await.map_err(read_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await
        .map_err(read_err)?;
    let exists: bool = tx
        .query_one("SELECT to_regclass('wallet_head') IS NOT NULL", &[])
        .await
        .map_err(read_err)?
        .try_get(0)
        .map_err(read_err)?;
    if !exists {
        tx.batch_execute(SCHEMA).await.map_err(read_err)?;
        let zero = Head::default();
        tx.execute(
            "INSERT INTO wallet_head (one, seq, hash, timestamp_ms) VALUES (TRUE, 0, $1, 0)",
            &[&zero.hash],
        )
        .await
        .map_err(read_err)?;
    }
    let row = tx
        .query_one(
            "SELECT h.seq, (SELECT coalesce(max(seq), 0) FROM wallet_transfers) \
             FROM wallet_head h WHERE one",
            &[],
        )
        .await
        .map_err(read_err)?;
    let head: i64 = row.try_get(0).map_err(read_err)?;
    let last: i64 = row.try_get(1).map_err(read_err)?;
    if head != last {
        anyhow::bail!(
            "the wallet head says {head} transfers but the log ends at {last}: the database is corrupt"
        );
    }
    tx.commit().await.map_err(read_err)?;
    Ok(())
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`)
    /// and creates the wallet's tables (`wallet_*`, in the connection's
    /// schema) unless they exist.
    pub async fn connect(url: &str) -> anyhow::Result<PgStore> {
        PgStore::connect_with(url, None).await
    }

    /// [`PgStore::connect`], over TLS verified against `ca` (a PEM file of
    /// the CAs that sign the server's certificate) when one is given.
    pub async fn connect_with(url: &str, ca: Option<&Path>) -> anyhow::Result<PgStore> {
        let mut cfg: tokio_postgres::Config = url.parse().context(
            "the wallet database URL is not a PostgreSQL URL \
             (postgres://user:password@host:port/database)",
        )?;
        let tls = tls_of(url, &mut cfg, ca)?;
        let target = target_of(&cfg);
        let options = match cfg.get_options() {
            Some(theirs) => format!("{SESSION_OPTIONS} {theirs}"),
            None => SESSION_OPTIONS.to_string(),
        };
        cfg.options(&options);
        if cfg.get_application_name().is_none() {
            cfg.application_name("bitcraps-wallet");
        }
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(POOL_WAIT);
        }
        let pool = |size: usize| {
            let mc = ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            };
            let manager = match &tls {
                Some(t) => Manager::from_config(cfg.clone(), t.clone(), mc),
                None => Manager::from_config(cfg.clone(), NoTls, mc),
            };
            Pool::builder(manager)
                .max_size(size)
                .runtime(Runtime::Tokio1)
                .wait_timeout(Some(POOL_WAIT))
                .create_timeout(Some(POOL_WAIT))
                .build()
                .context("cannot build the PostgreSQL connection pool")
        };
        let writers = pool(WRITERS)?;
        let readers = pool(READERS)?;
        let mut client = writers
            .get()
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {target}"))?;
        ensure_schema(&mut client)
            .await
            .with_context(|| format!("cannot set up the wallet schema at {target}"))?;
        drop(client);
        Ok(PgStore {
            inner: Arc::new(Inner {
                writers,
                readers,
                target,
                poisoned: AtomicBool::new(false),
                expired: AtomicU64::new(0),
            }),
        })
    }

    async fn reader(&self) -> anyhow::Result<deadpool_postgres::Client> {
        self.inner
            .readers
            .get()
            .await
            .with_context(|| format!("cannot reach PostgreSQL at {}", self.inner.target))
    }

    /// Loads what `subs` (and due expiries) touch, applies them, writes
    /// back, all in one transaction under the head lock.
    async fn apply_batch(&self, subs: &[Submission], now_ms: u64) -> BatchResult {
        let now = i64_of(now_ms)?;
        let mut client = self.inner.writers.get().await.map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot reach PostgreSQL at {}: {e}",
                self.inner.target
            ))
        })?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(unavailable)?;
        // Prepared once per connection, then cached.
        let (lock, due, get_t, get_p, get_a) = tokio::try_join!(
            tx.prepare_cached(LOCK_HEAD),
            tx.prepare_cached(DUE),
            tx.prepare_cached(LOAD_TRANSFERS),
            tx.prepare_cached(PENDING_STATES),
            tx.prepare_cached(LOAD_ACCOUNTS),
        )
        .map_err(unavailable)?;
        let (put_t, put_a, put_p, move_head) = tokio::try_join!(
            tx.prepare_cached(INSERT_TRANSFERS),
            tx.prepare_cached(UPSERT_ACCOUNTS),
            tx.prepare_cached(UPSERT_PENDING),
            tx.prepare_cached(MOVE_HEAD),
        )
        .map_err(unavailable)?;

        // The lock first; the due expiries are read (pipelined) once it is
        // granted.
        let limit = EXPIRE_PER_BATCH as i64;
        let due_params: [&(dyn ToSql + Sync); 2] = [&now, &limit];
        let (head_row, due_rows) =
            tokio::try_join!(tx.query_one(&lock, &[]), tx.query(&due, &due_params))
                .map_err(unavailable)?;
        let mut work = Working::new(head_of(&head_row)?);
        let base_seq = work.head.seq;
        let expiring = due_rows
            .iter()
            .map(transfer_of)
            .collect::<Result<Vec<_>, _>>()?;

        let mut ids = Working::transfer_ids_needed(subs);
        ids.extend(expiring.iter().map(|t| t.id.clone()));
        let ids: Vec<String> = ids.into_iter().collect();
        let id_params: [&(dyn ToSql + Sync); 1] = [&ids];
        let (t_rows, p_rows) =
            tokio::try_join!(tx.query(&get_t, &id_params), tx.query(&get_p, &id_params))
                .map_err(unavailable)?;
        let mut states = HashMap::with_capacity(p_rows.len());
        for r in &p_rows {
            let id: String = r.try_get(0).map_err(unavailable)?;
            let st: &str = r.try_get(1).map_err(unavailable)?;
            states.insert(id, parse_state(st)?);
        }
        for r in &t_rows {
            let t = transfer_of(r)?;
            if t.kind == TransferKind::Pending {
                let st = states.get(&t.id).copied().ok_or_else(|| {
                    LedgerError::Corrupt(format!("pending transfer {:?} has no state", t.id))
                })?;
                work.pending.insert(t.id.clone(), st);
            }
            work.transfers.insert(t.id.clone(), t);
        }
        let mut account_ids: BTreeSet<String> = work.account_ids_needed(subs);
        account_ids.extend(Working::expiry_account_ids(&expiring));
        let account_ids: Vec<String> = account_ids.into_iter().collect();
        for r in tx
            .query(&get_a, &[&account_ids])
            .await
            .map_err(unavailable)?
        {
            let a = account_of(&r)?;
            work.accounts.insert(a.id.clone(), a);
        }

        work.expire(&expiring, now_ms)?;
        let expired = expiring.len();
        let results: Vec<_> = subs.iter().map(|s| work.submit(s, now_ms)).collect();
        if let Some(Err(e @ LedgerError::Corrupt(_))) = results
            .iter()
            .find(|r| matches!(r, Err(LedgerError::Corrupt(_))))
        {
            return Err(StoreError::Corrupt(e.clone()));
        }
        if work.new_transfers.is_empty() {
            // Refusals and replays only: nothing to write. A failed
            // rollback changes nothing either (the server ends the
            // transaction when the connection goes).
            let _ = tx.rollback().await;
            return Ok(results);
        }
        if work.head.seq != base_seq + work.new_transfers.len() as u64 {
            return Err(StoreError::Corrupt(LedgerError::Corrupt(format!(
                "the head moved from {base_seq} to {} for {} new transfers",
                work.head.seq,
                work.new_transfers.len()
            ))));
        }

        let rows = TransferColumns::of(&work.new_transfers)?;
        let accounts = AccountColumns::of(&work)?;
        let pending = PendingColumns::of(&work)?;
        let head_seq = i64_of(work.head.seq)?;
        let head_ts = i64_of(work.head.timestamp_ms)?;
        let t_params = rows.params();
        let a_params = accounts.params();
        let p_params = pending.params();
        let head_params: [&(dyn ToSql + Sync); 3] = [&head_seq, &work.head.hash, &head_ts];
        // One pipeline: each statement writes all its rows at once.
        tokio::try_join!(
            tx.execute(&put_t, &t_params),
            async {
                if accounts.is_empty() {
                    return Ok(0);
                }
                tx.execute(&put_a, &a_params).await
            },
            async {
                if pending.is_empty() {
                    return Ok(0);
                }
                tx.execute(&put_p, &p_params).await
            },
            tx.execute(&move_head, &head_params),
        )
        .map_err(unavailable)?;
        tx.commit().await.map_err(|e| {
            StoreError::Unavailable(format!(
                "the commit failed ({}); if the connection broke, the batch may have \
                 applied: retrying with the same ids answers the originals",
                describe(&e)
            ))
        })?;
        self.inner
            .expired
            .fetch_add(expired as u64, Ordering::AcqRel);
        Ok(results)
    }
}

/// How the wallet reaches its database: TLS verified against `ca` (the
/// server's chain and its name, as libpq's `sslmode=verify-full`), or
/// plaintext when no CA is given. `sslmode=require` without a CA is
/// refused (TLS that does not know whom it talks to stops no one in the
/// middle), and so is `sslmode=disable` with one (a contradiction).
fn tls_of(
    url: &str,
    cfg: &mut tokio_postgres::Config,
    ca: Option<&Path>,
) -> anyhow::Result<Option<tokio_postgres_rustls::MakeRustlsConnect>> {
    use tokio_postgres::config::SslMode;
    // The parsed mode cannot tell "prefer" from nothing said.
    let said = |mode: &str| url.contains(&format!("sslmode={mode}"));
    match (ca, cfg.get_ssl_mode()) {
        (None, SslMode::Require) => anyhow::bail!(
            "the wallet database URL says sslmode=require, but no CA to verify the server \
             with is configured: set wallet.database_ca (WALLET_DATABASE_CA) to the PEM \
             file of the CA that signs the PostgreSQL server's certificate"
        ),
        (None, _) => {
            if !said("disable") && !is_local(cfg) {
                tracing::warn!(
                    target = %target_of(cfg),
                    "the ledger's database connection is not encrypted: set wallet.database_ca to speak TLS"
                );
            }
            Ok(None)
        }
        (Some(_), SslMode::Disable) => anyhow::bail!(
            "wallet.database_ca asks for TLS to the database, but its URL says sslmode=disable"
        ),
        (Some(ca), _) => {
            let roots = crate::tls::transport::load_roots(ca)
                .context("wallet.database_ca (the database server's CA)")?;
            let config = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
                .with_safe_default_protocol_versions()
                .context("TLS for the database")?
                .with_root_certificates(roots)
                .with_no_client_auth();
            cfg.ssl_mode(SslMode::Require);
            Ok(Some(tokio_postgres_rustls::MakeRustlsConnect::new(config)))
        }
    }
}

/// Whether every host of `cfg` is this machine (a unix socket, loopback).
fn is_local(cfg: &tokio_postgres::Config) -> bool {
    cfg.get_hosts().iter().all(|h| match h {
        tokio_postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        tokio_postgres::config::Host::Unix(_) => true,
    })
}

fn target_of(cfg: &tokio_postgres::Config) -> String {
    let host = match cfg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", cfg.get_dbname().unwrap_or("(default)"))
}

impl Store for PgStore {
    async fn apply(&self, batch: Vec<Submission>, now_ms: u64) -> BatchResult {
        if self.inner.poisoned.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable(
                "the stored ledger was found corrupt; restart the wallet after repairing it".into(),
            ));
        }
        let r = self.apply_batch(&batch, now_ms).await;
        if matches!(r, Err(StoreError::Corrupt(_))) {
            self.inner.poisoned.store(true, Ordering::Release);
        }
        r
    }

    async fn account(&self, id: String) -> anyhow::Result<Option<Account>> {
        let c = self.reader().await?;
        let st = c.prepare_cached(READ_ACCOUNT).await.map_err(read_err)?;
        let row = c.query_opt(&st, &[&id]).await.map_err(read_err)?;
        Ok(row.as_ref().map(account_of).transpose()?)
    }

    async fn accounts(&self, after: Option<String>, limit: usize) -> anyhow::Result<Vec<Account>> {
        let c = self.reader().await?;
        let st = c.prepare_cached(READ_ACCOUNTS).await.map_err(read_err)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = c
            .query(&st, &[&after.unwrap_or_default(), &limit])
            .await
            .map_err(read_err)?;
        Ok(rows.iter().map(account_of).collect::<Result<_, _>>()?)
    }

    async fn transfer(&self, id: String) -> anyhow::Result<Option<Transfer>> {
        let c = self.reader().await?;
        let st = c.prepare_cached(READ_TRANSFER).await.map_err(read_err)?;
        let row = c.query_opt(&st, &[&id]).await.map_err(read_err)?;
        Ok(row.as_ref().map(transfer_of).transpose()?)
    }

    async fn transfers(&self, q: TransferQuery) -> anyhow::Result<Vec<Transfer>> {
        let c = self.reader().await?;
        let after = i64::try_from(q.after_seq).unwrap_or(i64::MAX);
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let rows = match &q.account {
            Some(a) => {
                let st = c
                    .prepare_cached(READ_ACCOUNT_TRANSFERS)
                    .await
                    .map_err(read_err)?;
                c.query(&st, &[a, &after, &limit]).await.map_err(read_err)?
            }
            None => {
                let st = c.prepare_cached(READ_TRANSFERS).await.map_err(read_err)?;
                c.query(&st, &[&after, &limit]).await.map_err(read_err)?
            }
        };
        Ok(rows.iter().map(transfer_of).collect::<Result<_, _>>()?)
    }

    async fn head(&self) -> anyhow::Result<Head> {
        let c = self.reader().await?;
        let st = c.prepare_cached(READ_HEAD).await.map_err(read_err)?;
        let row = c.query_one(&st, &[]).await.map_err(read_err)?;
        Ok(head_of(&row)?)
    }

    async fn open_reservations(
        &self,
        id_prefix: String,
        after: Option<String>,
        limit: usize,
    ) -> anyhow::Result<Vec<Transfer>> {
        let c = self.reader().await?;
        let st = c
            .prepare_cached(sql::OPEN_RESERVATIONS)
            .await
            .map_err(read_err)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = c
            .query(&st, &[&id_prefix, &after.unwrap_or_default(), &limit])
            .await
            .map_err(read_err)?;
        Ok(rows.iter().map(transfer_of).collect::<Result<_, _>>()?)
    }

    async fn pending_index(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> anyhow::Result<Vec<PendingIndexEntry>> {
        let c = self.reader().await?;
        let st = c
            .prepare_cached(sql::READ_PENDING_INDEX)
            .await
            .map_err(read_err)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = c
            .query(&st, &[&after.unwrap_or_default(), &limit])
            .await
            .map_err(read_err)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let state: String = row.try_get(1).map_err(read_err)?;
            out.push(PendingIndexEntry {
                id: row.try_get(0).map_err(read_err)?,
                state: parse_state(&state)?,
                expires_ms: rows::u64_at(row, 2)?,
            });
        }
        Ok(out)
    }

    async fn ping(&self) -> anyhow::Result<()> {
        if self.inner.poisoned.load(Ordering::Acquire) {
            anyhow::bail!("writes stopped: the stored ledger was found corrupt");
        }
        let c = self.reader().await?;
        c.simple_query("SELECT 1").await.map_err(read_err)?;
        Ok(())
    }

    fn expired_total(&self) -> u64 {
        self.inner.expired.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests;
