//! Rows to ledger types, and ledger types to one array per column (so a
//! batch's rows go to the database in one `UNNEST` statement each).

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::super::StoreError;
use super::super::sqlite::{parse_account_kind, parse_kind};
use super::unavailable;
use crate::services::wallet::ledger::{Account, Head, LedgerError, Transfer, Working};

pub(super) fn i64_of(v: u64) -> Result<i64, LedgerError> {
    i64::try_from(v).map_err(|_| LedgerError::Corrupt(format!("{v} does not fit a column")))
}

pub(super) fn u64_at(row: &Row, i: usize) -> Result<u64, StoreError> {
    let v: i64 = row.try_get(i).map_err(unavailable)?;
    u64::try_from(v).map_err(|_| {
        StoreError::Corrupt(LedgerError::Corrupt(format!(
            "column {} holds {v}",
            row.columns()[i].name()
        )))
    })
}

pub(super) fn opt_u64_at(row: &Row, i: usize) -> Result<Option<u64>, StoreError> {
    let v: Option<i64> = row.try_get(i).map_err(unavailable)?;
    v.map(|v| {
        u64::try_from(v).map_err(|_| {
            StoreError::Corrupt(LedgerError::Corrupt(format!(
                "column {} holds {v}",
                row.columns()[i].name()
            )))
        })
    })
    .transpose()
}

pub(super) fn transfer_of(row: &Row) -> Result<Transfer, StoreError> {
    let kind: &str = row.try_get(2).map_err(unavailable)?;
    Ok(Transfer {
        seq: u64_at(row, 0)?,
        id: row.try_get(1).map_err(unavailable)?,
        kind: parse_kind(kind)?,
        debit: row.try_get(3).map_err(unavailable)?,
        credit: row.try_get(4).map_err(unavailable)?,
        amount: u64_at(row, 5)?,
        pending_id: row.try_get(6).map_err(unavailable)?,
        expires_ms: opt_u64_at(row, 7)?,
        timestamp_ms: u64_at(row, 8)?,
        memo: row.try_get(9).map_err(unavailable)?,
        fingerprint: row.try_get(10).map_err(unavailable)?,
        prev_hash: row.try_get(11).map_err(unavailable)?,
        hash: row.try_get(12).map_err(unavailable)?,
    })
}

pub(super) fn account_of(row: &Row) -> Result<Account, StoreError> {
    let kind: &str = row.try_get(1).map_err(unavailable)?;
    Ok(Account {
        id: row.try_get(0).map_err(unavailable)?,
        kind: parse_account_kind(kind)?,
        debits_posted: u64_at(row, 2)?,
        credits_posted: u64_at(row, 3)?,
        debits_pending: u64_at(row, 4)?,
        credits_pending: u64_at(row, 5)?,
        opened_ms: u64_at(row, 6)?,
    })
}

pub(super) fn head_of(row: &Row) -> Result<Head, StoreError> {
    Ok(Head {
        seq: u64_at(row, 0)?,
        hash: row.try_get(1).map_err(unavailable)?,
        timestamp_ms: u64_at(row, 2)?,
    })
}

/// New transfers as one array per column, for one `UNNEST` insert.
#[derive(Default)]
pub(super) struct TransferColumns<'a> {
    seq: Vec<i64>,
    id: Vec<&'a str>,
    kind: Vec<&'static str>,
    debit: Vec<&'a str>,
    credit: Vec<&'a str>,
    amount: Vec<i64>,
    pending_id: Vec<Option<&'a str>>,
    expires_ms: Vec<Option<i64>>,
    timestamp_ms: Vec<i64>,
    memo: Vec<Option<&'a str>>,
    fingerprint: Vec<&'a str>,
    prev_hash: Vec<&'a str>,
    hash: Vec<&'a str>,
}

impl<'a> TransferColumns<'a> {
    pub(super) fn of(ts: &'a [Transfer]) -> Result<Self, LedgerError> {
        let mut c = TransferColumns::default();
        for t in ts {
            c.seq.push(i64_of(t.seq)?);
            c.id.push(&t.id);
            c.kind.push(t.kind.as_str());
            c.debit.push(&t.debit);
            c.credit.push(&t.credit);
            c.amount.push(i64_of(t.amount)?);
            c.pending_id.push(t.pending_id.as_deref());
            c.expires_ms.push(t.expires_ms.map(i64_of).transpose()?);
            c.timestamp_ms.push(i64_of(t.timestamp_ms)?);
            c.memo.push(t.memo.as_deref());
            c.fingerprint.push(&t.fingerprint);
            c.prev_hash.push(&t.prev_hash);
            c.hash.push(&t.hash);
        }
        Ok(c)
    }

    pub(super) fn params(&self) -> [&(dyn ToSql + Sync); 13] {
        [
            &self.seq,
            &self.id,
            &self.kind,
            &self.debit,
            &self.credit,
            &self.amount,
            &self.pending_id,
            &self.expires_ms,
            &self.timestamp_ms,
            &self.memo,
            &self.fingerprint,
            &self.prev_hash,
            &self.hash,
        ]
    }
}

/// Touched accounts as one array per column, for one `UNNEST` upsert.
#[derive(Default)]
pub(super) struct AccountColumns<'a> {
    id: Vec<&'a str>,
    kind: Vec<&'static str>,
    debits_posted: Vec<i64>,
    credits_posted: Vec<i64>,
    debits_pending: Vec<i64>,
    credits_pending: Vec<i64>,
    opened_ms: Vec<i64>,
}

impl<'a> AccountColumns<'a> {
    pub(super) fn of(work: &'a Working) -> Result<Self, LedgerError> {
        let mut c = AccountColumns::default();
        for id in &work.touched_accounts {
            let a = work
                .accounts
                .get(id)
                .ok_or_else(|| LedgerError::Corrupt(format!("touched account {id:?} missing")))?;
            c.id.push(&a.id);
            c.kind.push(a.kind.as_str());
            c.debits_posted.push(i64_of(a.debits_posted)?);
            c.credits_posted.push(i64_of(a.credits_posted)?);
            c.debits_pending.push(i64_of(a.debits_pending)?);
            c.credits_pending.push(i64_of(a.credits_pending)?);
            c.opened_ms.push(i64_of(a.opened_ms)?);
        }
        Ok(c)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    pub(super) fn params(&self) -> [&(dyn ToSql + Sync); 7] {
        [
            &self.id,
            &self.kind,
            &self.debits_posted,
            &self.credits_posted,
            &self.debits_pending,
            &self.credits_pending,
            &self.opened_ms,
        ]
    }
}

/// Touched pending entries as one array per column.
#[derive(Default)]
pub(super) struct PendingColumns<'a> {
    id: Vec<&'a str>,
    state: Vec<&'static str>,
    expires_ms: Vec<i64>,
}

impl<'a> PendingColumns<'a> {
    pub(super) fn of(work: &'a Working) -> Result<Self, LedgerError> {
        let mut c = PendingColumns::default();
        for id in &work.touched_pending {
            let st = work
                .pending
                .get(id)
                .ok_or_else(|| LedgerError::Corrupt(format!("pending {id:?} has no state")))?;
            let expires = work
                .transfers
                .get(id)
                .and_then(|t| t.expires_ms)
                .ok_or_else(|| LedgerError::Corrupt(format!("pending {id:?} has no deadline")))?;
            c.id.push(id);
            c.state.push(st.as_str());
            c.expires_ms.push(i64_of(expires)?);
        }
        Ok(c)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    pub(super) fn params(&self) -> [&(dyn ToSql + Sync); 3] {
        [&self.id, &self.state, &self.expires_ms]
    }
}
