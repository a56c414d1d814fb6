//! Committed blocks, the proposals in them, and Byzantine evidence, in
//! SQLite (WAL mode) under the validator's data dir. A block is written
//! before the commit is acknowledged to any client, so nothing committed is
//! lost to `kill -9`.

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

pub struct BlockStore {
    conn: Mutex<Connection>,
}

/// A committed block as stored: its JSON and its quorum certificate's.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBlock {
    pub height: u64,
    pub hash: String,
    pub block: Value,
    pub qc: Value,
}

impl BlockStore {
    pub fn open(dir: &Path) -> anyhow::Result<BlockStore> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("blocks.sqlite3");
        let conn =
            Connection::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit is fsynced before `put` returns, so a block is on
        // disk (not only in the OS cache) before any client is told it
        // committed; NORMAL in WAL mode could lose the last commits to a
        // power failure.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Sorts and temporary indexes in memory: the service's sandbox lets
        // it create files only in its own data dir, not in /tmp.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS blocks (
                height INTEGER PRIMARY KEY,
                hash TEXT NOT NULL,
                block TEXT NOT NULL,
                qc TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS commit_proofs (
                height INTEGER PRIMARY KEY,
                proof TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS proposals (
                id TEXT PRIMARY KEY,
                height INTEGER NOT NULL REFERENCES blocks(height)
            );
            CREATE TABLE IF NOT EXISTS epochs (
                epoch INTEGER PRIMARY KEY,
                from_height INTEGER NOT NULL,
                validator_set TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS evidence (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                key TEXT NOT NULL UNIQUE,
                body TEXT NOT NULL
            );",
        )?;
        Ok(BlockStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> anyhow::Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| anyhow::anyhow!("block store lock poisoned"))
    }

    /// Stores a committed block with the ids of the proposals it carries.
    /// Storing the same height twice with the same hash is a no-op; with a
    /// different hash it is an error (that would be a fork).
    pub fn put(&self, b: &StoredBlock, proposal_ids: &[String]) -> anyhow::Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT hash FROM blocks WHERE height = ?1",
                [b.height as i64],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(h) if h == b.hash => return Ok(()),
            Some(h) => anyhow::bail!(
                "refusing to store block {} at height {}: block {h} is already committed there",
                b.hash,
                b.height
            ),
            None => {}
        }
        tx.execute(
            "INSERT INTO blocks (height, hash, block, qc) VALUES (?1, ?2, ?3, ?4)",
            params![
                b.height as i64,
                b.hash,
                b.block.to_string(),
                b.qc.to_string()
            ],
        )?;
        for id in proposal_ids {
            tx.execute(
                "INSERT OR IGNORE INTO proposals (id, height) VALUES (?1, ?2)",
                params![id, b.height as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn get(&self, height: u64) -> anyhow::Result<Option<StoredBlock>> {
        let conn = self.conn()?;
        let row = conn
            .query_row(
                "SELECT height, hash, block, qc FROM blocks WHERE height = ?1",
                [height as i64],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(h, hash, block, qc)| {
            Ok(StoredBlock {
                height: h as u64,
                hash,
                block: serde_json::from_str(&block)?,
                qc: serde_json::from_str(&qc)?,
            })
        })
        .transpose()
    }

    /// Blocks from `from` upward, at most `limit`.
    pub fn range(&self, from: u64, limit: u32) -> anyhow::Result<Vec<StoredBlock>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare_cached("SELECT height, hash, block, qc FROM blocks WHERE height >= ?1 ORDER BY height LIMIT ?2")?;
        let rows = stmt.query_map(params![from as i64, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (h, hash, block, qc) = row?;
            Ok(StoredBlock {
                height: h as u64,
                hash,
                block: serde_json::from_str(&block)?,
                qc: serde_json::from_str(&qc)?,
            })
        })
        .collect()
    }

    /// The highest committed height, if any.
    pub fn last_height(&self) -> anyhow::Result<Option<u64>> {
        let conn = self.conn()?;
        let h: Option<i64> = conn.query_row("SELECT MAX(height) FROM blocks", [], |r| r.get(0))?;
        Ok(h.map(|h| h as u64))
    }

    /// Height of the block that carries proposal `id`.
    pub fn proposal_height(&self, id: &str) -> anyhow::Result<Option<u64>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row("SELECT height FROM proposals WHERE id = ?1", [id], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .map(|h| h as u64))
    }

    /// Stores what proves the committed block at `height` final (HotStuff,
    /// see `protocol::hotstuff::proof`).
    pub fn put_proof(&self, height: u64, proof: &Value) -> anyhow::Result<()> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT OR REPLACE INTO commit_proofs (height, proof) VALUES (?1, ?2)",
            params![height as i64, proof.to_string()],
        )?;
        Ok(())
    }

    /// The commit proof stored with the block at `height`, if any.
    pub fn proof(&self, height: u64) -> anyhow::Result<Option<Value>> {
        let conn = self.conn()?;
        let text: Option<String> = conn
            .prepare_cached("SELECT proof FROM commit_proofs WHERE height = ?1")?
            .query_row([height as i64], |r| r.get(0))
            .optional()?;
        Ok(match text {
            Some(t) => Some(serde_json::from_str(&t)?),
            None => None,
        })
    }

    /// Records a validator set that takes effect at `from_height`.
    pub fn put_epoch(&self, epoch: u64, from_height: u64, set: &Value) -> anyhow::Result<()> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT OR REPLACE INTO epochs (epoch, from_height, validator_set) VALUES (?1, ?2, ?3)",
            params![epoch as i64, from_height as i64, set.to_string()],
        )?;
        Ok(())
    }

    /// Every recorded set change, oldest first: (epoch, from_height, set).
    pub fn epochs(&self) -> anyhow::Result<Vec<(u64, u64, Value)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT epoch, from_height, validator_set FROM epochs ORDER BY epoch",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|r| {
            let (e, h, text) = r?;
            Ok((e, h, serde_json::from_str(&text)?))
        })
        .collect()
    }

    /// Records evidence once per `key`; returns whether it was new.
    pub fn add_evidence(&self, key: &str, body: &Value) -> anyhow::Result<bool> {
        let conn = self.conn()?;
        let n = conn.execute(
            "INSERT OR IGNORE INTO evidence (key, body) VALUES (?1, ?2)",
            params![key, body.to_string()],
        )?;
        Ok(n == 1)
    }

    /// Records evidence committed in a block: inserted, or the earlier
    /// record of the same offence replaced (it now names its block).
    /// Returns whether the offence was new to this validator.
    pub fn put_committed_evidence(&self, key: &str, body: &Value) -> anyhow::Result<bool> {
        let conn = self.conn()?;
        let known: bool = conn
            .prepare_cached("SELECT 1 FROM evidence WHERE key = ?1")?
            .exists(params![key])?;
        conn.execute(
            "INSERT INTO evidence (key, body) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET body = excluded.body",
            params![key, body.to_string()],
        )?;
        Ok(!known)
    }

    pub fn evidence(&self) -> anyhow::Result<Vec<Value>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached("SELECT body FROM evidence ORDER BY seq")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(h: u64, hash: &str) -> StoredBlock {
        StoredBlock {
            height: h,
            hash: hash.into(),
            block: json!({ "height": h }),
            qc: json!({ "height": h, "signatures": [] }),
        }
    }

    #[test]
    fn blocks_persist_and_a_second_block_at_a_height_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = BlockStore::open(dir.path()).unwrap();
            s.put(&block(1, "aa"), &["p1".into()]).unwrap();
            s.put(&block(2, "bb"), &["p2".into(), "p3".into()]).unwrap();
            s.put(&block(2, "bb"), &[]).unwrap();
            let err = s.put(&block(2, "cc"), &[]).unwrap_err().to_string();
            assert!(err.contains("already committed"), "{err}");
        }
        let s = BlockStore::open(dir.path()).unwrap();
        assert_eq!(s.last_height().unwrap(), Some(2));
        assert_eq!(s.get(2).unwrap().unwrap().hash, "bb");
        assert_eq!(s.proposal_height("p3").unwrap(), Some(2));
        assert_eq!(s.range(1, 10).unwrap().len(), 2);
        assert!(s.get(3).unwrap().is_none());
        assert!(s.add_evidence("dup:1", &json!({"x": 1})).unwrap());
        assert!(!s.add_evidence("dup:1", &json!({"x": 1})).unwrap());
        assert_eq!(s.evidence().unwrap().len(), 1);
        assert!(
            !s.put_committed_evidence("dup:1", &json!({"x": 1, "committed_height": 3}))
                .unwrap()
        );
        assert!(s.put_committed_evidence("dup:2", &json!({"x": 2})).unwrap());
        let all = s.evidence().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0]["committed_height"], 3);
    }
}
