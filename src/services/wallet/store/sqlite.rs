//! The embedded store: SQLite in WAL mode with `synchronous = FULL`, so an
//! answered transfer survives power loss, not only `kill -9`. One writer
//! connection applies batches; readers use their own connections (WAL lets
//! them read while the writer writes). The transfer log is append-only:
//! triggers refuse any UPDATE or DELETE of a transfer.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{BatchResult, EXPIRE_PER_BATCH, Store, StoreError, TransferQuery};
use crate::services::wallet::ledger::{
    Account, AccountKind, Head, LedgerError, PendingIndexEntry, PendingState, Submission, Transfer,
    TransferKind, Working,
};

const READERS: usize = 4;

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// [`Writer::expired`], readable without the writer's lock.
    expired: AtomicU64,
    writer: Mutex<Writer>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Set when a commit failed in a way that leaves the outcome unknown
    /// (or the state was found corrupt): writes stop until a restart
    /// reloads from disk.
    poisoned: AtomicBool,
}

struct Writer {
    conn: Connection,
    head: Head,
    /// Pending transfers expired by committed batches.
    expired: u64,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    debits_posted INTEGER NOT NULL,
    credits_posted INTEGER NOT NULL,
    debits_pending INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    opened_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transfers (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    debit TEXT NOT NULL,
    credit TEXT NOT NULL,
    amount INTEGER NOT NULL,
    pending_id TEXT,
    expires_ms INTEGER,
    timestamp_ms INTEGER NOT NULL,
    memo TEXT,
    fingerprint TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_debit ON transfers (debit, seq);
CREATE INDEX IF NOT EXISTS transfers_credit ON transfers (credit, seq);
CREATE TABLE IF NOT EXISTS pending (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pending_open ON pending (expires_ms) WHERE state = 'pending';
CREATE TRIGGER IF NOT EXISTS transfers_no_update BEFORE UPDATE ON transfers
BEGIN SELECT RAISE(ABORT, 'the transfer log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS transfers_no_delete BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'the transfer log is append-only'); END;
";

fn open_conn(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Sorts and temporary indexes in memory: the service's sandbox lets
    // it create files only in its own data dir, not in /tmp.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

pub(crate) fn parse_kind(s: &str) -> Result<TransferKind, LedgerError> {
    Ok(match s {
        "single" => TransferKind::Single,
        "pending" => TransferKind::Pending,
        "post" => TransferKind::Post,
        "void" => TransferKind::Void,
        "expire" => TransferKind::Expire,
        _ => return Err(LedgerError::Corrupt(format!("unknown transfer kind {s:?}"))),
    })
}

pub(crate) fn parse_account_kind(s: &str) -> Result<AccountKind, LedgerError> {
    Ok(match s {
        "player" => AccountKind::Player,
        "table" => AccountKind::Table,
        "house" => AccountKind::House,
        "issuance" => AccountKind::Issuance,
        _ => return Err(LedgerError::Corrupt(format!("unknown account kind {s:?}"))),
    })
}

pub(crate) fn parse_state(s: &str) -> Result<PendingState, LedgerError> {
    Ok(match s {
        "pending" => PendingState::Pending,
        "posted" => PendingState::Posted,
        "voided" => PendingState::Voided,
        "expired" => PendingState::Expired,
        _ => return Err(LedgerError::Corrupt(format!("unknown pending state {s:?}"))),
    })
}

fn u64_col(row: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(i)?;
    u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, v))
}

fn opt_u64_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<u64>> {
    let v: Option<i64> = row.get(i)?;
    v.map(|v| u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, v)))
        .transpose()
}

fn bad_text(i: usize, e: LedgerError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

const TRANSFER_COLS: &str = "seq, id, kind, debit, credit, amount, pending_id, expires_ms, \
                             timestamp_ms, memo, fingerprint, prev_hash, hash";

/// [`TRANSFER_COLS`] of the `transfers` table joined as `t`.
fn joined_transfer_cols() -> String {
    TRANSFER_COLS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn transfer_row(row: &Row<'_>) -> rusqlite::Result<Transfer> {
    let kind: String = row.get(2)?;
    Ok(Transfer {
        seq: u64_col(row, 0)?,
        id: row.get(1)?,
        kind: parse_kind(&kind).map_err(|e| bad_text(2, e))?,
        debit: row.get(3)?,
        credit: row.get(4)?,
        amount: u64_col(row, 5)?,
        pending_id: row.get(6)?,
        expires_ms: opt_u64_col(row, 7)?,
        timestamp_ms: u64_col(row, 8)?,
        memo: row.get(9)?,
        fingerprint: row.get(10)?,
        prev_hash: row.get(11)?,
        hash: row.get(12)?,
    })
}

const ACCOUNT_COLS: &str =
    "id, kind, debits_posted, credits_posted, debits_pending, credits_pending, opened_ms";

fn account_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    let kind: String = row.get(1)?;
    Ok(Account {
        id: row.get(0)?,
        kind: parse_account_kind(&kind).map_err(|e| bad_text(1, e))?,
        debits_posted: u64_col(row, 2)?,
        credits_posted: u64_col(row, 3)?,
        debits_pending: u64_col(row, 4)?,
        credits_pending: u64_col(row, 5)?,
        opened_ms: u64_col(row, 6)?,
    })
}

fn i64_of(v: u64) -> Result<i64, LedgerError> {
    i64::try_from(v).map_err(|_| LedgerError::Corrupt(format!("{v} does not fit a column")))
}

fn read_head(conn: &Connection) -> rusqlite::Result<Head> {
    Ok(conn
        .query_row(
            "SELECT seq, hash, timestamp_ms FROM transfers ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(Head {
                    seq: u64_col(r, 0)?,
                    hash: r.get(1)?,
                    timestamp_ms: u64_col(r, 2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

impl SqliteStore {
    /// Opens (creating) `dir/wallet.sqlite3`.
    pub fn open(dir: &Path) -> anyhow::Result<SqliteStore> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("wallet.sqlite3");
        let conn = open_conn(&path)?;
        conn.execute_batch(SCHEMA)
            .with_context(|| format!("cannot create the wallet schema in {}", path.display()))?;
        let head = read_head(&conn)?;
        let readers = (0..READERS)
            .map(|_| open_conn(&path).map(Mutex::new))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                expired: AtomicU64::new(0),
                path,
                writer: Mutex::new(Writer {
                    conn,
                    head,
                    expired: 0,
                }),
                readers,
                next_reader: AtomicUsize::new(0),
                poisoned: AtomicBool::new(false),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn read<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> anyhow::Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let i = inner.next_reader.fetch_add(1, Ordering::Relaxed) % inner.readers.len();
            let conn = inner.readers[i]
                .lock()
                .map_err(|_| anyhow::anyhow!("a wallet reader panicked"))?;
            f(&conn)
        })
        .await
        .context("the wallet reader task failed")?
    }
}

/// Loads what `subs` (and due expiries) touch, applies them, writes back.
fn apply_batch(w: &mut Writer, subs: &[Submission], now_ms: u64) -> BatchResult {
    let unavailable = |e: rusqlite::Error| StoreError::Unavailable(e.to_string());
    let tx = w
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    let mut work = Working::new(w.head.clone());
    let expiring: Vec<Transfer> = {
        let mut st = tx
            .prepare_cached(&format!(
                "SELECT {} FROM pending p JOIN transfers t ON t.id = p.id
                 WHERE p.state = 'pending' AND p.expires_ms <= ?1
                 ORDER BY p.expires_ms LIMIT ?2",
                joined_transfer_cols()
            ))
            .map_err(unavailable)?;
        let rows = st
            .query_map(
                params![i64_of(now_ms)?, EXPIRE_PER_BATCH as i64],
                transfer_row,
            )
            .map_err(unavailable)?;
        rows.collect::<Result<_, _>>().map_err(unavailable)?
    };
    {
        let mut get_t = tx
            .prepare_cached(&format!(
                "SELECT {TRANSFER_COLS} FROM transfers WHERE id = ?1"
            ))
            .map_err(unavailable)?;
        let mut get_p = tx
            .prepare_cached("SELECT state FROM pending WHERE id = ?1")
            .map_err(unavailable)?;
        let mut ids = Working::transfer_ids_needed(subs);
        ids.extend(expiring.iter().map(|t| t.id.clone()));
        for id in ids {
            if let Some(t) = get_t
                .query_row([&id], transfer_row)
                .optional()
                .map_err(unavailable)?
            {
                if t.kind == TransferKind::Pending {
                    let st: String = get_p
                        .query_row([&id], |r| r.get(0))
                        .optional()
                        .map_err(unavailable)?
                        .ok_or_else(|| {
                            LedgerError::Corrupt(format!("pending transfer {id:?} has no state"))
                        })?;
                    work.pending.insert(id.clone(), parse_state(&st)?);
                }
                work.transfers.insert(id, t);
            }
        }
        let mut get_a = tx
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"
            ))
            .map_err(unavailable)?;
        let mut ids = work.account_ids_needed(subs);
        ids.extend(Working::expiry_account_ids(&expiring));
        for id in ids {
            if let Some(a) = get_a
                .query_row([&id], account_row)
                .optional()
                .map_err(unavailable)?
            {
                work.accounts.insert(id, a);
            }
        }
    }
    work.expire(&expiring, now_ms)?;
    let results: Vec<_> = subs
        .iter()
        .map(|s| work.submit(s, now_ms))
        .collect::<Vec<_>>();
    if let Some(Err(e @ LedgerError::Corrupt(_))) = results
        .iter()
        .find(|r| matches!(r, Err(LedgerError::Corrupt(_))))
    {
        return Err(StoreError::Corrupt(e.clone()));
    }
    {
        let mut ins = tx
            .prepare_cached(&format!(
                "INSERT INTO transfers ({TRANSFER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))
            .map_err(unavailable)?;
        for t in &work.new_transfers {
            ins.execute(params![
                i64_of(t.seq)?,
                t.id,
                t.kind.as_str(),
                t.debit,
                t.credit,
                i64_of(t.amount)?,
                t.pending_id,
                t.expires_ms.map(i64_of).transpose()?,
                i64_of(t.timestamp_ms)?,
                t.memo,
                t.fingerprint,
                t.prev_hash,
                t.hash,
            ])
            .map_err(unavailable)?;
        }
        let mut put_a = tx
            .prepare_cached(&format!(
                "INSERT INTO accounts ({ACCOUNT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET debits_posted = excluded.debits_posted,
                   credits_posted = excluded.credits_posted, debits_pending = excluded.debits_pending,
                   credits_pending = excluded.credits_pending"
            ))
            .map_err(unavailable)?;
        for id in &work.touched_accounts {
            let a = work
                .accounts
                .get(id)
                .ok_or_else(|| LedgerError::Corrupt(format!("touched account {id:?} missing")))?;
            put_a
                .execute(params![
                    a.id,
                    a.kind.as_str(),
                    i64_of(a.debits_posted)?,
                    i64_of(a.credits_posted)?,
                    i64_of(a.debits_pending)?,
                    i64_of(a.credits_pending)?,
                    i64_of(a.opened_ms)?,
                ])
                .map_err(unavailable)?;
        }
        let mut put_p = tx
            .prepare_cached(
                "INSERT INTO pending (id, state, expires_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            )
            .map_err(unavailable)?;
        for id in &work.touched_pending {
            let st = work.pending[id];
            let expires = work
                .transfers
                .get(id)
                .and_then(|t| t.expires_ms)
                .ok_or_else(|| LedgerError::Corrupt(format!("pending {id:?} has no deadline")))?;
            put_p
                .execute(params![id, st.as_str(), i64_of(expires)?])
                .map_err(unavailable)?;
        }
    }
    tx.commit().map_err(unavailable)?;
    w.head = work.head;
    w.expired += expiring.len() as u64;
    Ok(results)
}

impl Store for SqliteStore {
    async fn apply(&self, batch: Vec<Submission>, now_ms: u64) -> BatchResult {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            if inner.poisoned.load(Ordering::Acquire) {
                return Err(StoreError::Unavailable(
                    "an earlier write failed; restart the wallet to reload its store".into(),
                ));
            }
            let mut w = inner
                .writer
                .lock()
                .map_err(|_| StoreError::Unavailable("the wallet writer panicked".into()))?;
            let r = apply_batch(&mut w, &batch, now_ms);
            inner.expired.store(w.expired, Ordering::Release);
            if r.is_err() {
                // The transaction rolled back (or the commit's outcome is
                // unknown): reload the head from disk before the next
                // batch, or stop writing if even that fails.
                match read_head(&w.conn) {
                    Ok(h) => w.head = h,
                    Err(_) => inner.poisoned.store(true, Ordering::Release),
                }
                if matches!(r, Err(StoreError::Corrupt(_))) {
                    inner.poisoned.store(true, Ordering::Release);
                }
            }
            r
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("the wallet writer task failed: {e}")))?
    }

    async fn account(&self, id: String) -> anyhow::Result<Option<Account>> {
        self.read(move |c| {
            Ok(c.query_row(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"),
                [&id],
                account_row,
            )
            .optional()?)
        })
        .await
    }

    async fn accounts(&self, after: Option<String>, limit: usize) -> anyhow::Result<Vec<Account>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLS} FROM accounts WHERE id > ?1 ORDER BY id LIMIT ?2"
            ))?;
            let rows = st.query_map(
                params![after.unwrap_or_default(), limit as i64],
                account_row,
            )?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn transfer(&self, id: String) -> anyhow::Result<Option<Transfer>> {
        self.read(move |c| {
            Ok(c.query_row(
                &format!("SELECT {TRANSFER_COLS} FROM transfers WHERE id = ?1"),
                [&id],
                transfer_row,
            )
            .optional()?)
        })
        .await
    }

    async fn transfers(&self, q: TransferQuery) -> anyhow::Result<Vec<Transfer>> {
        self.read(move |c| {
            let after = i64::try_from(q.after_seq).unwrap_or(i64::MAX);
            let limit = q.limit as i64;
            let rows = match &q.account {
                Some(a) => {
                    let mut st = c.prepare_cached(&format!(
                        "SELECT {TRANSFER_COLS} FROM transfers WHERE seq IN (
                           SELECT seq FROM transfers WHERE debit = ?1 AND seq > ?2
                           UNION SELECT seq FROM transfers WHERE credit = ?1 AND seq > ?2)
                         ORDER BY seq LIMIT ?3"
                    ))?;
                    st.query_map(params![a, after, limit], transfer_row)?
                        .collect::<Result<Vec<_>, _>>()?
                }
                None => {
                    let mut st = c.prepare_cached(&format!(
                        "SELECT {TRANSFER_COLS} FROM transfers WHERE seq > ?1 ORDER BY seq LIMIT ?2"
                    ))?;
                    st.query_map(params![after, limit], transfer_row)?
                        .collect::<Result<Vec<_>, _>>()?
                }
            };
            Ok(rows)
        })
        .await
    }

    async fn head(&self) -> anyhow::Result<Head> {
        self.read(|c| Ok(read_head(c)?)).await
    }

    async fn open_reservations(
        &self,
        id_prefix: String,
        after: Option<String>,
        limit: usize,
    ) -> anyhow::Result<Vec<Transfer>> {
        self.read(move |c| {
            // The prefix as a key range (ids sort as bytes): the primary key
            // narrows it, the prefix test keeps it exact.
            let after = after.unwrap_or_default();
            let mut st = c.prepare_cached(&format!(
                "SELECT {} FROM pending p JOIN transfers t ON t.id = p.id
                 WHERE p.state = 'pending' AND p.id >= ?1 AND p.id > ?2
                   AND substr(p.id, 1, length(?1)) = ?1
                 ORDER BY p.id LIMIT ?3",
                joined_transfer_cols()
            ))?;
            let rows = st.query_map(params![id_prefix, after, limit as i64], transfer_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn pending_index(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> anyhow::Result<Vec<PendingIndexEntry>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, state, expires_ms FROM pending WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = st.query_map(params![after.unwrap_or_default(), limit as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    u64_col(r, 2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, state, expires_ms) = row?;
                out.push(PendingIndexEntry {
                    id,
                    state: parse_state(&state)?,
                    expires_ms,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn ping(&self) -> anyhow::Result<()> {
        if self.inner.poisoned.load(Ordering::Acquire) {
            anyhow::bail!("writes stopped after a failed commit; restart the wallet");
        }
        self.read(|c| {
            c.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    fn expired_total(&self) -> u64 {
        self.inner.expired.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_shared_suite_passes_on_sqlite() {
        let dir = tempfile::tempdir().expect("tempdir");
        super::super::suite::run(|| {
            let d = dir.path().join(uuid::Uuid::new_v4().to_string());
            async move { SqliteStore::open(&d).expect("open") }
        })
        .await;
    }

    #[tokio::test]
    async fn the_log_refuses_updates_and_deletes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = SqliteStore::open(dir.path()).expect("open");
        s.apply(
            vec![Submission::one(
                crate::services::wallet::ledger::TransferRequest::single(
                    "d1", "issuance", "player:a", 5,
                ),
            )],
            1,
        )
        .await
        .expect("apply")
        .remove(0)
        .expect("applied");
        let c = open_conn(s.path()).expect("conn");
        assert!(c.execute("UPDATE transfers SET amount = 6", []).is_err());
        assert!(c.execute("DELETE FROM transfers", []).is_err());
    }

    #[tokio::test]
    async fn reopening_keeps_the_chain() {
        let dir = tempfile::tempdir().expect("tempdir");
        let head = {
            let s = SqliteStore::open(dir.path()).expect("open");
            for i in 0..3 {
                s.apply(
                    vec![Submission::one(
                        crate::services::wallet::ledger::TransferRequest::single(
                            &format!("d{i}"),
                            "issuance",
                            "player:a",
                            5,
                        ),
                    )],
                    10 + i,
                )
                .await
                .expect("apply");
            }
            s.head().await.expect("head")
        };
        let s = SqliteStore::open(dir.path()).expect("reopen");
        assert_eq!(s.head().await.expect("head"), head);
        s.apply(
            vec![Submission::one(
                crate::services::wallet::ledger::TransferRequest::single(
                    "d9", "issuance", "player:a", 5,
                ),
            )],
            20,
        )
        .await
        .expect("apply");
        let r = s.audit().await.expect("audit");
        assert!(r.ok, "{:?}", r.problems);
        assert_eq!(r.transfers, 4);
    }
}
