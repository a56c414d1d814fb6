//! Durable game state: SQLite in WAL mode under the instance's data dir.
//!
//! One writer thread owns the write connection and commits whatever has
//! queued up as one transaction (group commit): many games write
//! concurrently without a lock on the request path, and an action is
//! answered only after its transaction committed. `synchronous = FULL`: a
//! commit survives power loss, not only `kill -9`. Games move wallet money
//! (a stored `left` event has paid a cash-out), so a stored event must
//! never be lost and its sequence number reused for another.
//! `BITCRAPS_SQLITE_SYNC=normal` trades that for throughput.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

use super::game::{Event, Game};

/// One game's new state and the events that produced it.
pub struct Write {
    pub game: Game,
    pub events: Vec<Event>,
}

struct Job {
    write: Write,
    done: oneshot::Sender<Result<(), String>>,
}

pub struct Store {
    path: PathBuf,
    tx: mpsc::Sender<Job>,
    /// For reads (event replay); WAL lets it read while the writer writes.
    reader: Mutex<Connection>,
}

fn open(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let sync = match std::env::var("BITCRAPS_SQLITE_SYNC").as_deref() {
        Ok("normal") => "NORMAL",
        _ => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    // Sorts and temporary indexes in memory: the service's sandbox lets
    // it create files only in its own data dir, not in /tmp.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

impl Store {
    /// Opens (creating) `dir/engine.sqlite3` and starts the writer thread.
    /// The file holds open games' server seeds: it is made 0600 in a 0700
    /// directory (SQLite gives its -wal and -shm files the same mode).
    pub fn open(dir: &Path) -> anyhow::Result<Store> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
        let path = dir.join("engine.sqlite3");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
        let writer = open(&path)?;
        writer.execute_batch(
            "CREATE TABLE IF NOT EXISTS games (
                id TEXT PRIMARY KEY,
                game_type TEXT NOT NULL,
                status TEXT NOT NULL,
                version INTEGER NOT NULL,
                updated_at_ms INTEGER NOT NULL,
                state TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS events (
                game_id TEXT NOT NULL REFERENCES games(id),
                seq INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (game_id, seq)
            ) WITHOUT ROWID;",
        )?;
        let reader = open(&path)?;
        let (tx, rx) = mpsc::channel::<Job>(4096);
        std::thread::Builder::new()
            .name("engine-store".into())
            .spawn(move || writer_loop(writer, rx))
            .context("cannot start the store writer")?;
        Ok(Store {
            path,
            tx,
            reader: Mutex::new(reader),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Commits a game's new state and events; returns once durable.
    pub async fn write(&self, write: Write) -> anyhow::Result<()> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Job { write, done })
            .await
            .map_err(|_| anyhow::anyhow!("the store writer has stopped"))?;
        wait.await
            .map_err(|_| anyhow::anyhow!("the store writer has stopped"))?
            .map_err(|e| anyhow::anyhow!("store write failed: {e}"))
    }

    /// Every stored game (at startup).
    pub fn load_all(&self) -> anyhow::Result<Vec<Game>> {
        let conn = self
            .reader
            .lock()
            .map_err(|_| anyhow::anyhow!("store reader poisoned"))?;
        let mut stmt = conn.prepare("SELECT id, state FROM games")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut games = Vec::new();
        for row in rows {
            let (id, state) = row?;
            let game: Game = serde_json::from_str(&state)
                .with_context(|| format!("stored game {id} does not parse"))?;
            games.push(game);
        }
        Ok(games)
    }

    /// Events of a game with `seq > after`, in order, at most `limit`.
    pub fn events_after(
        &self,
        game_id: &str,
        after: u64,
        limit: u32,
    ) -> anyhow::Result<Vec<Event>> {
        let conn = self
            .reader
            .lock()
            .map_err(|_| anyhow::anyhow!("store reader poisoned"))?;
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM events WHERE game_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![game_id, after as i64, limit], |r| {
            r.get::<_, String>(0)
        })?;
        rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
    }

    /// The stored version of a game (for tests and recovery checks).
    pub fn version(&self, game_id: &str) -> anyhow::Result<Option<u64>> {
        let conn = self
            .reader
            .lock()
            .map_err(|_| anyhow::anyhow!("store reader poisoned"))?;
        Ok(conn
            .query_row("SELECT version FROM games WHERE id = ?1", [game_id], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .map(|v| v as u64))
    }
}

fn writer_loop(mut conn: Connection, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let result = commit(&mut conn, &batch).map_err(|e| e.to_string());
        for job in batch {
            let _ = job.done.send(result.clone());
        }
    }
}

fn commit(conn: &mut Connection, batch: &[Job]) -> anyhow::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO games (id, game_type, status, version, updated_at_ms, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET status = excluded.status, version = excluded.version,
                 updated_at_ms = excluded.updated_at_ms, state = excluded.state",
        )?;
        let mut event =
            tx.prepare_cached("INSERT INTO events (game_id, seq, body) VALUES (?1, ?2, ?3)")?;
        for job in batch {
            let g = &job.write.game;
            upsert.execute(params![
                g.id,
                g.game_type.to_string(),
                serde_json::to_string(&g.status)?,
                g.version as i64,
                g.updated_at_ms as i64,
                serde_json::to_string(g)?,
            ])?;
            for e in &job.write.events {
                event.execute(params![g.id, e.seq as i64, serde_json::to_string(e)?])?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}
