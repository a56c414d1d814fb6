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
//!
//! A game's row holds what changes: its ended rounds (`game_rounds`) and
//! its anchors (`game_anchors`) are written once each, by the write that
//! made them, and joined back when the games are loaded. So the bytes an
//! action rewrites do not grow with every round the table has played.
//! Rows written before this split (every round and anchor inline) load
//! as they are and are moved over at that load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

use super::game::{Anchor, Event, Game, Round};

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
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS game_rounds (
                game_id TEXT NOT NULL REFERENCES games(id),
                round INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (game_id, round)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS game_anchors (
                game_id TEXT NOT NULL REFERENCES games(id),
                idx INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (game_id, idx)
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

    /// Every stored game (at startup), its ended rounds and anchors joined
    /// back. Rounds and anchors a row still holds inline (written before
    /// they had tables of their own) are copied to those tables first, so
    /// the next write, which leaves them out of the row, loses nothing.
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
        let mut rounds =
            conn.prepare_cached("SELECT body FROM game_rounds WHERE game_id = ?1 ORDER BY round")?;
        let mut anchors =
            conn.prepare_cached("SELECT body FROM game_anchors WHERE game_id = ?1 ORDER BY idx")?;
        let mut migrate = open(&self.path)?;
        let tx = migrate.transaction()?;
        for g in &mut games {
            let stored: Vec<Round> = rounds
                .query_map([&g.id], |r| r.get::<_, String>(0))?
                .map(|b| Ok(serde_json::from_str(&b?)?))
                .collect::<anyhow::Result<_>>()
                .with_context(|| format!("stored rounds of game {} do not parse", g.id))?;
            if let Some(chain) = g.fairness.chain.as_mut() {
                let mut all: BTreeMap<u64, Arc<Round>> =
                    stored.into_iter().map(|r| (r.round, Arc::new(r))).collect();
                for r in std::mem::take(&mut chain.rounds) {
                    if r.ended() && !all.contains_key(&r.round) {
                        put_round(&tx, &g.id, &r)?;
                    }
                    all.entry(r.round).or_insert(r);
                }
                chain.rounds = all.into_values().collect();
            }
            let stored: Vec<Anchor> = anchors
                .query_map([&g.id], |r| r.get::<_, String>(0))?
                .map(|b| Ok(serde_json::from_str(&b?)?))
                .collect::<anyhow::Result<_>>()
                .with_context(|| format!("stored anchors of game {} do not parse", g.id))?;
            if stored.is_empty() {
                for (i, a) in g.fairness.anchors.iter().enumerate() {
                    put_anchor(&tx, &g.id, i, a)?;
                }
            } else {
                g.fairness.anchors = std::sync::Arc::new(stored);
            }
        }
        tx.commit()?;
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

fn put_round(conn: &Connection, game_id: &str, r: &Round) -> anyhow::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO game_rounds (game_id, round, body) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![game_id, r.round as i64, serde_json::to_string(r)?])?;
    Ok(())
}

fn put_anchor(conn: &Connection, game_id: &str, idx: usize, a: &Anchor) -> anyhow::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO game_anchors (game_id, idx, body) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![game_id, idx as i64, serde_json::to_string(a)?])?;
    Ok(())
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
        let result = commit(&mut conn, &mut batch).map_err(|e| e.to_string());
        for job in batch {
            let _ = job.done.send(result.clone());
        }
    }
}

fn commit(conn: &mut Connection, batch: &mut [Job]) -> anyhow::Result<()> {
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
        for job in batch.iter_mut() {
            let events = &job.write.events;
            let g = &mut job.write.game;
            // What the side tables lack: the rounds ended since the last
            // one stored (and a used-up chain's last round, which stays
            // last), and the anchors pushed since.
            let (stored_round, stored_anchors): (i64, i64) = tx
                .prepare_cached(
                    "SELECT (SELECT COALESCE(MAX(round), 0) FROM game_rounds WHERE game_id = ?1),
                            (SELECT COUNT(*) FROM game_anchors WHERE game_id = ?1)",
                )?
                .query_row([&g.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let rounds: Vec<Arc<Round>> = match g.fairness.chain.as_mut() {
                Some(chain) => {
                    let last = chain.rounds.last().map(|r| r.round);
                    let (done, open): (Vec<Arc<Round>>, Vec<Arc<Round>>) =
                        std::mem::take(&mut chain.rounds)
                            .into_iter()
                            .partition(|r| r.ended());
                    chain.rounds = open;
                    done.into_iter()
                        .filter(|r| r.round as i64 > stored_round || Some(r.round) == last)
                        .collect()
                }
                None => Vec::new(),
            };
            let anchors = std::mem::take(&mut g.fairness.anchors);
            upsert.execute(params![
                g.id,
                g.game_type.to_string(),
                serde_json::to_string(&g.status)?,
                g.version as i64,
                g.updated_at_ms as i64,
                serde_json::to_string(&*g)?,
            ])?;
            for r in &rounds {
                put_round(&tx, &g.id, r)?;
            }
            for (i, a) in anchors
                .iter()
                .enumerate()
                .skip(usize::try_from(stored_anchors).unwrap_or(0))
            {
                put_anchor(&tx, &g.id, i, a)?;
            }
            for e in events {
                event.execute(params![g.id, e.seq as i64, serde_json::to_string(e)?])?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::services::game_engine::game::{CreateGame, GameType, PlayerBuyIn, Table, anchored};

    fn craps() -> Game {
        let req = CreateGame {
            game_type: GameType::Craps,
            players: ["alice", "bob"]
                .iter()
                .map(|id| PlayerBuyIn {
                    id: id.to_string(),
                    buy_in: 100_000,
                })
                .collect(),
            config: json!({"min_bet": 5, "max_bet": 1000}),
            client_seed: None,
        };
        anchored(
            Game::open("e0-s".into(), &req, [3; 32], 0, 8, 1_000_000_000)
                .unwrap()
                .0,
        )
    }

    fn shooter(g: &Game) -> String {
        match &g.table {
            Table::Craps(t) => t.shooter.clone().unwrap(),
            _ => unreachable!(),
        }
    }

    /// A game written action by action, its rounds ending and anchors
    /// arriving, reloads equal to the game in memory, while its row holds
    /// only the round in play; a row from before the split (every round
    /// and anchor inline) loads equal, is moved over, and stays equal
    /// after further writes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ended_rounds_and_anchors_leave_the_row_and_come_back_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut g = craps();
        store
            .write(Write {
                game: g.clone(),
                events: Vec::new(),
            })
            .await
            .unwrap();
        let mut anchors = 0;
        for i in 0..400u64 {
            let s = shooter(&g);
            let mut next = g.clone();
            let mut events = next
                .apply(&s, &json!({"type": "bet", "bet": "field", "amount": 5}), i)
                .unwrap();
            events.extend(next.apply(&s, &json!({"type": "roll"}), i).unwrap());
            for r in next.unanchored_rounds() {
                anchors += 1;
                events.push(next.record_anchor(
                    Anchor {
                        what: "round".into(),
                        proposal_id: format!("p{anchors}"),
                        height: anchors,
                        block_hash: "h".into(),
                        round: Some(r),
                    },
                    i,
                ));
            }
            store
                .write(Write {
                    game: next.clone(),
                    events,
                })
                .await
                .unwrap();
            g = next;
        }
        let rounds = g.fairness.chain.as_ref().unwrap().rounds.len();
        assert!(rounds > 20, "{rounds} rounds");
        assert!(g.fairness.anchors.len() > 20);
        let full = serde_json::to_string(&g).unwrap().len();
        let row: String = store
            .reader
            .lock()
            .unwrap()
            .query_row("SELECT state FROM games", [], |r| r.get(0))
            .unwrap();
        assert!(row.len() * 2 < full, "row {} of {full} bytes", row.len());
        let loaded = Store::open(dir.path()).unwrap().load_all().unwrap();
        assert_eq!(loaded, vec![g.clone()]);

        // A row from before the split.
        let old = tempfile::tempdir().unwrap();
        let store = Store::open(old.path()).unwrap();
        store
            .reader
            .lock()
            .unwrap()
            .execute(
                "INSERT INTO games (id, game_type, status, version, updated_at_ms, state)
                 VALUES (?1, 'craps', '\"open\"', ?2, 0, ?3)",
                params![g.id, g.version as i64, serde_json::to_string(&g).unwrap()],
            )
            .unwrap();
        let mut loaded = store.load_all().unwrap();
        assert_eq!(loaded, vec![g.clone()]);
        let mut h = loaded.remove(0);
        let s = shooter(&h);
        let events = h
            .apply(&s, &json!({"type": "bet", "bet": "field", "amount": 5}), 1)
            .unwrap();
        store
            .write(Write {
                game: h.clone(),
                events,
            })
            .await
            .unwrap();
        drop(store);
        let reloaded = Store::open(old.path()).unwrap().load_all().unwrap();
        assert_eq!(reloaded, vec![h]);
    }
}
