//! Durable game state: SQLite in WAL mode under the instance's data dir,
//! kept as an append-only log per game with a snapshot now and then.
//!
//! An action appends one row to `game_log`: what changed the game (the
//! action, who acted and when, or the anchor recorded) and the events it
//! produced. Nothing is rewritten: the bytes an action writes do not grow
//! with the table's history. Every [`SNAPSHOT_EVERY`] events, when a game
//! opens and when it finishes, the whole game is written as a snapshot:
//! the `games` row holds what changes (seats, balances, the table, the
//! round in play), and the ended rounds, anchors and draws made since the
//! last snapshot are appended to `game_rounds`, `game_anchors` and
//! `game_draws`. A game is loaded as its snapshot with the log after it
//! replayed through the same pure rules (the rules draw from the seeds,
//! so replaying gives the same draws); each replayed entry must give back
//! exactly the events that were stored with it, or the engine refuses to
//! start rather than serve a game that differs from what was answered.
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
//! Stores written before the log (a full `games` row per action, events
//! in `events`, draws inline) load as they are: such a row is a snapshot,
//! its events stay where they are, and what follows goes to the log.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::game::{Anchor, Draw, Event, Game, GameError, GameStatus, Round};

/// A snapshot is written when a game's version crosses a multiple of this
/// many events (and when it opens or finishes), so a restart replays
/// fewer than this many events per game.
pub const SNAPSHOT_EVERY: u64 = 128;

/// What changed a game. Replayed in order on the game's last snapshot, the
/// log gives the game back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "lowercase")]
pub enum Input {
    /// The game was opened: always inside the snapshot written with it.
    Open,
    /// `POST /games/{id}/actions`, applied at `at_ms`.
    Action {
        player: String,
        action: Value,
        at_ms: u64,
    },
    /// Where the validators ordered one of the game's records.
    Anchor { anchor: Anchor, at_ms: u64 },
}

/// One log entry: an input and the events it produced (as stored, with
/// the wallet's reservation nonces).
#[derive(Debug, Clone)]
pub struct Entry {
    pub input: Input,
    pub events: Vec<Event>,
}

/// One write of one game, committed all or nothing.
#[derive(Debug, Clone)]
pub struct Write {
    pub game_id: String,
    /// The log entry; `None` when only the settlement mark moves.
    pub entry: Option<Entry>,
    /// The whole game after the entry, when a snapshot is due
    /// ([`snapshot_due`]).
    pub snapshot: Option<Game>,
    /// The game's new `wallet_settled`, when it changed.
    pub settled: Option<u64>,
}

/// Whether a write that takes a game from version `before` to `after`
/// (status `status` after it) should carry a snapshot.
pub fn snapshot_due(before: u64, after: u64, status: GameStatus) -> bool {
    status == GameStatus::Finished || after / SNAPSHOT_EVERY > before / SNAPSHOT_EVERY
}

/// Whether a game still needs its engine: open, or finished with an
/// anchor or a wallet settlement outstanding. Only these are loaded at
/// start; the others are read from the store when asked for (pure).
pub fn pending(g: &Game) -> bool {
    g.status == GameStatus::Open
        || g.wallet_settled.is_some_and(|s| s < g.version)
        || !g.has_anchor("commitment")
        || !g.has_anchor("reveal")
        || !g.unanchored_rounds().is_empty()
}

/// A page of the games the store alone holds (not [`pending`]), newest
/// first, and how many match.
#[derive(Debug, Default)]
pub struct Page {
    pub games: Vec<Listed>,
    pub total: usize,
}

/// What a listing shows of a stored game (read without parsing the game).
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: String,
    pub game_type: super::game::GameType,
    pub status: GameStatus,
    pub players: Vec<String>,
    pub version: u64,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
}

/// Runs one logged input on `g` (pure): what the engine did when it wrote
/// the entry. An `open` input is never replayed (its snapshot holds it).
pub fn replay(g: &mut Game, input: &Input) -> Result<Vec<Event>, GameError> {
    match input {
        Input::Open => Err(GameError::Invariant(
            "a game's opening is in its first snapshot, never replayed".into(),
        )),
        Input::Action {
            player,
            action,
            at_ms,
        } => g.apply(player, action, *at_ms),
        Input::Anchor { anchor, at_ms } => Ok(vec![g.record_anchor(anchor.clone(), *at_ms)]),
    }
}

/// Whether replayed events are the stored ones. The wallet's reservation
/// nonce (random, added to `created` and `joined` events after the rules
/// ran) is the one field replay cannot give back; it is taken as stored.
fn same_events(stored: &[Event], replayed: &[Event]) -> bool {
    stored.len() == replayed.len()
        && stored.iter().zip(replayed).all(|(s, r)| {
            let mut r = r.clone();
            if let (Some(nonce), Some(d)) = (s.data.get("reservation"), r.data.as_object_mut()) {
                d.insert("reservation".into(), nonce.clone());
            }
            *s == r
        })
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
            CREATE TABLE IF NOT EXISTS game_log (
                game_id TEXT NOT NULL REFERENCES games(id),
                seq INTEGER NOT NULL,
                input TEXT NOT NULL,
                events TEXT NOT NULL,
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
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS game_draws (
                game_id TEXT NOT NULL REFERENCES games(id),
                nonce INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (game_id, nonce)
            ) WITHOUT ROWID;",
        )?;
        // The settlement mark moves without a snapshot: a column of its own
        // (added to stores from before it).
        let has_settled: bool = writer.query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('games') WHERE name = 'settled'",
            [],
            |r| r.get(0),
        )?;
        if !has_settled {
            writer.execute_batch("ALTER TABLE games ADD COLUMN settled INTEGER")?;
        }
        // Which games start loads (`pending`), and the listing order of the
        // others; rows from before these columns are pending until their
        // first load looks at them.
        let has_pending: bool = writer.query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('games') WHERE name = 'pending'",
            [],
            |r| r.get(0),
        )?;
        if !has_pending {
            writer.execute_batch(
                "ALTER TABLE games ADD COLUMN pending INTEGER NOT NULL DEFAULT 1;
                 ALTER TABLE games ADD COLUMN created_at_ms INTEGER;
                 UPDATE games SET created_at_ms = json_extract(state, '$.created_at_ms');",
            )?;
        }
        writer.execute_batch(
            "CREATE INDEX IF NOT EXISTS games_pending ON games (pending);
             CREATE INDEX IF NOT EXISTS games_listing
                 ON games (pending, created_at_ms DESC, id);",
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

    /// The read connection.
    fn read(&self) -> anyhow::Result<std::sync::MutexGuard<'_, Connection>> {
        self.reader
            .lock()
            .map_err(|_| anyhow::anyhow!("store reader poisoned"))
    }

    /// Commits one write; returns once durable.
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

    /// Every game that still needs its engine ([`pending`]) at startup:
    /// its snapshot with its ended rounds, anchors and draws joined back,
    /// then its log after the snapshot replayed. Finished games that need
    /// nothing more stay in the store (a million of them cost the start
    /// nothing); rows from before the `pending` column that turn out not
    /// to be pending are marked so on the way.
    pub fn load_pending(&self) -> anyhow::Result<Vec<Game>> {
        let conn = self.read()?;
        let rows: Vec<(String, String, Option<i64>)> = conn
            .prepare("SELECT id, state, settled FROM games WHERE pending = 1")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut migrate = open(&self.path)?;
        let tx = migrate.transaction()?;
        let mut loaded = Vec::with_capacity(rows.len());
        for (id, state, settled) in rows {
            let g = assemble(&conn, &tx, &id, &state, settled)?;
            if pending(&g) {
                loaded.push(g);
            } else {
                tx.execute("UPDATE games SET pending = 0 WHERE id = ?1", [&id])?;
            }
        }
        tx.commit()?;
        Ok(loaded)
    }

    /// One game, whole, or `None` if the store has no such game.
    pub fn load_one(&self, id: &str) -> anyhow::Result<Option<Game>> {
        let conn = self.read()?;
        let Some((state, settled)) = conn
            .prepare_cached("SELECT state, settled FROM games WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))
            .optional()?
        else {
            return Ok(None);
        };
        let mut migrate = open(&self.path)?;
        let tx = migrate.transaction()?;
        let g = assemble(&conn, &tx, id, &state, settled)?;
        tx.commit()?;
        Ok(Some(g))
    }

    /// Games the store alone holds (not [`pending`]), newest first, of
    /// `game_type` and `status` when given, and how many there are.
    pub fn list_stored(
        &self,
        game_type: Option<super::game::GameType>,
        status: Option<GameStatus>,
        limit: usize,
        offset: usize,
    ) -> anyhow::Result<Page> {
        if status == Some(GameStatus::Open) {
            return Ok(Page::default());
        }
        let conn = self.read()?;
        let t = game_type.map(|t| t.to_string());
        let total: i64 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM games WHERE pending = 0 AND (?1 IS NULL OR game_type = ?1)",
            )?
            .query_row([&t], |r| r.get(0))?;
        let rows: Vec<(String, String, String, i64, i64, i64, String)> = conn
            .prepare_cached(
                "SELECT id, game_type, status, version, created_at_ms, updated_at_ms,
                        json_extract(state, '$.seats')
                 FROM games WHERE pending = 0 AND (?1 IS NULL OR game_type = ?1)
                 ORDER BY created_at_ms DESC, id LIMIT ?2 OFFSET ?3",
            )?
            .query_map(params![t, limit as i64, offset as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut games = Vec::with_capacity(rows.len());
        for (id, game_type, status, version, created, updated, seats) in rows {
            let parse = || -> anyhow::Result<Listed> {
                Ok(Listed {
                    game_type: serde_json::from_value(Value::String(game_type))?,
                    status: serde_json::from_str(&status)?,
                    players: serde_json::from_str(&seats)?,
                    version: version as u64,
                    created_at_ms: created as u64,
                    updated_at_ms: updated as u64,
                    id: id.clone(),
                })
            };
            games.push(parse().with_context(|| format!("stored game {id} does not list"))?);
        }
        Ok(Page {
            games,
            total: usize::try_from(total).unwrap_or(0),
        })
    }

    /// Events of a game with `seq > after`, in order, at most `limit`:
    /// those of a store from before the log first, then the log's.
    pub fn events_after(
        &self,
        game_id: &str,
        after: u64,
        limit: u32,
    ) -> anyhow::Result<Vec<Event>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM events WHERE game_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![game_id, after as i64, limit], |r| {
            r.get::<_, String>(0)
        })?;
        let mut out: Vec<Event> = rows
            .map(|r| Ok(serde_json::from_str(&r?)?))
            .collect::<anyhow::Result<_>>()?;
        let limit = limit as usize;
        if out.len() >= limit {
            return Ok(out);
        }
        // An entry holds the events up to its `seq`: those whose seq is
        // past `after` hold every event after it.
        let mut stmt = conn.prepare_cached(
            "SELECT events FROM game_log WHERE game_id = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![game_id, after as i64])?;
        while let Some(row) = rows.next()? {
            let events: Vec<Event> = serde_json::from_str(&row.get::<_, String>(0)?)?;
            for e in events {
                if e.seq > after && out.last().is_none_or(|l| e.seq > l.seq) {
                    out.push(e);
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The stored version of a game (for tests and recovery checks).
    pub fn version(&self, game_id: &str) -> anyhow::Result<Option<u64>> {
        let conn = self.read()?;
        Ok(conn
            .query_row(
                "SELECT MAX(version, COALESCE((SELECT MAX(seq) FROM game_log WHERE game_id = ?1), 0))
                 FROM games WHERE id = ?1",
                [game_id],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(|v| v as u64))
    }
}

/// A stored game whole: its row (`state`, a snapshot), the ended rounds,
/// anchors and draws of the side tables, then the log after the snapshot
/// replayed and checked against the events stored with it. Rounds and
/// anchors a row still holds inline (written before they had tables of
/// their own) are copied to those tables in `tx`, so the next snapshot,
/// which leaves them out of the row, loses nothing.
fn assemble(
    conn: &Connection,
    tx: &Connection,
    id: &str,
    state: &str,
    settled: Option<i64>,
) -> anyhow::Result<Game> {
    let mut g: Game =
        serde_json::from_str(state).with_context(|| format!("stored game {id} does not parse"))?;
    let stored: Vec<Round> = conn
        .prepare_cached("SELECT body FROM game_rounds WHERE game_id = ?1 ORDER BY round")?
        .query_map([id], |r| r.get::<_, String>(0))?
        .map(|b| Ok(serde_json::from_str(&b?)?))
        .collect::<anyhow::Result<_>>()
        .with_context(|| format!("stored rounds of game {id} do not parse"))?;
    if let Some(chain) = g.fairness.chain.as_mut() {
        let mut all: BTreeMap<u64, Arc<Round>> =
            stored.into_iter().map(|r| (r.round, Arc::new(r))).collect();
        for r in std::mem::take(&mut chain.rounds) {
            if r.ended() && !all.contains_key(&r.round) {
                put_round(tx, id, &r)?;
            }
            all.entry(r.round).or_insert(r);
        }
        chain.rounds = all.into_values().collect();
    }
    let stored: Vec<Anchor> = conn
        .prepare_cached("SELECT body FROM game_anchors WHERE game_id = ?1 ORDER BY idx")?
        .query_map([id], |r| r.get::<_, String>(0))?
        .map(|b| Ok(serde_json::from_str(&b?)?))
        .collect::<anyhow::Result<_>>()
        .with_context(|| format!("stored anchors of game {id} do not parse"))?;
    if stored.is_empty() {
        for (i, a) in g.fairness.anchors.iter().enumerate() {
            put_anchor(tx, id, i, a)?;
        }
    } else {
        g.fairness.anchors = stored.into_iter().map(Arc::new).collect();
    }
    g.mark_round_anchors();
    // Draws: those of the table, then any the row still holds inline (a
    // row from before the table) beyond them.
    let mut all: super::game::History<Arc<Draw>> = conn
        .prepare_cached("SELECT body FROM game_draws WHERE game_id = ?1 ORDER BY nonce")?
        .query_map([id], |r| r.get::<_, String>(0))?
        .map(|b| Ok(Arc::new(serde_json::from_str(&b?)?)))
        .collect::<anyhow::Result<_>>()
        .with_context(|| format!("stored draws of game {id} do not parse"))?;
    let from_table = all.len() as u64;
    all.extend(
        std::mem::take(&mut g.fairness.draws)
            .into_iter()
            .filter(|d| d.nonce >= from_table),
    );
    if all.iter().enumerate().any(|(i, d)| d.nonce != i as u64) {
        anyhow::bail!("stored draws of game {id} are not numbered 0, 1, 2, …");
    }
    g.fairness.draws = all;
    let entries: Vec<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT seq, input, events FROM game_log WHERE game_id = ?1 AND seq > ?2 ORDER BY seq",
        )?
        .query_map(params![id, g.version as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (seq, input, events) in entries {
        let input: Input = serde_json::from_str(&input)
            .with_context(|| format!("log entry {seq} of game {id} does not parse"))?;
        let events: Vec<Event> = serde_json::from_str(&events)
            .with_context(|| format!("log entry {seq} of game {id} does not parse"))?;
        let replayed = replay(&mut g, &input)
            .map_err(|e| anyhow::anyhow!("log entry {seq} of game {id} does not replay: {e}"))?;
        if !same_events(&events, &replayed) || g.version as i64 != seq {
            anyhow::bail!(
                "log entry {seq} of game {id} replays to other events than were stored; \\
                 refusing to serve a game that differs from what was answered"
            );
        }
    }
    if let Some(s) = settled {
        g.wallet_settled = Some(s as u64);
    }
    Ok(g)
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

/// Writes a snapshot: the ended rounds, anchors and draws the side tables
/// lack, then the row without them.
fn snapshot(tx: &Connection, g: &mut Game) -> anyhow::Result<()> {
    let is_pending = pending(g);
    let (stored_round, stored_anchors, stored_draws): (i64, i64, i64) = tx
        .prepare_cached(
            "SELECT (SELECT COALESCE(MAX(round), 0) FROM game_rounds WHERE game_id = ?1),
                    (SELECT COALESCE(MAX(idx) + 1, 0) FROM game_anchors WHERE game_id = ?1),
                    (SELECT COALESCE(MAX(nonce) + 1, 0) FROM game_draws WHERE game_id = ?1)",
        )?
        .query_row([&g.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    // What the side tables lack: the rounds ended since the last one
    // stored (and a used-up chain's last round, which stays last), the
    // anchors pushed since and the draws made since.
    let rounds: Vec<Arc<Round>> = match g.fairness.chain.as_mut() {
        Some(chain) => {
            // Rounds are in order and only the last can be in play: what is
            // new is a tail (looked at from the end, so a snapshot does not
            // walk every round of a long-lived table).
            let last = chain.rounds.last().map(|r| r.round);
            let len = chain.rounds.len();
            let new = chain
                .rounds
                .iter()
                .rev()
                .take_while(|r| r.round as i64 > stored_round || Some(r.round) == last)
                .count();
            let (done, open): (Vec<Arc<Round>>, Vec<Arc<Round>>) = (len - new..len)
                .filter_map(|i| chain.rounds.get(i).cloned())
                .partition(|r| r.ended());
            chain.rounds = open.into_iter().collect();
            done
        }
        None => Vec::new(),
    };
    let anchors = std::mem::take(&mut g.fairness.anchors);
    let draws = std::mem::take(&mut g.fairness.draws);
    tx.prepare_cached(
        "INSERT INTO games (id, game_type, status, version, updated_at_ms, state, settled,
                            pending, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, version = excluded.version,
             updated_at_ms = excluded.updated_at_ms, state = excluded.state,
             settled = excluded.settled, pending = excluded.pending",
    )?
    .execute(params![
        g.id,
        g.game_type.to_string(),
        serde_json::to_string(&g.status)?,
        g.version as i64,
        g.updated_at_ms as i64,
        serde_json::to_string(&*g)?,
        g.wallet_settled.map(|s| s as i64),
        is_pending,
        g.created_at_ms as i64,
    ])?;
    for r in &rounds {
        put_round(tx, &g.id, r)?;
    }
    // By index, not by walking from the start: the stored part of a
    // long-lived table's anchors and draws is most of them.
    for i in usize::try_from(stored_anchors).unwrap_or(0)..anchors.len() {
        if let Some(a) = anchors.get(i) {
            put_anchor(tx, &g.id, i, a)?;
        }
    }
    let mut put_draw = tx.prepare_cached(
        "INSERT OR REPLACE INTO game_draws (game_id, nonce, body) VALUES (?1, ?2, ?3)",
    )?;
    let from = usize::try_from(stored_draws).unwrap_or(0);
    for d in (from..draws.len()).filter_map(|i| draws.get(i)) {
        put_draw.execute(params![g.id, d.nonce as i64, serde_json::to_string(&**d)?])?;
    }
    Ok(())
}

fn commit(conn: &mut Connection, batch: &mut [Job]) -> anyhow::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut append = tx.prepare_cached(
            "INSERT INTO game_log (game_id, seq, input, events) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut mark = tx.prepare_cached("UPDATE games SET settled = ?2 WHERE id = ?1")?;
        for job in batch.iter_mut() {
            let w = &mut job.write;
            // The snapshot first: a new game's row must exist before its
            // log entry refers to it.
            if let Some(g) = w.snapshot.as_mut() {
                snapshot(&tx, g)?;
            }
            if let Some(entry) = &w.entry {
                let Some(seq) = entry.events.last().map(|e| e.seq) else {
                    anyhow::bail!("a log entry of game {} without events", w.game_id);
                };
                append.execute(params![
                    w.game_id,
                    seq as i64,
                    serde_json::to_string(&entry.input)?,
                    serde_json::to_string(&entry.events)?,
                ])?;
            }
            if let Some(s) = w.settled {
                mark.execute(params![w.game_id, s as i64])?;
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

    /// Writes what the engine writes for one input on `g`: the entry, a
    /// snapshot when due, the settlement mark when it moves.
    async fn log(store: &Store, g: &mut Game, input: Input, settle: bool) -> Vec<Event> {
        let before = g.version;
        let events = replay(g, &input).unwrap();
        if settle {
            g.wallet_settled = Some(g.version);
        }
        store
            .write(Write {
                game_id: g.id.clone(),
                entry: Some(Entry {
                    input,
                    events: events.clone(),
                }),
                snapshot: snapshot_due(before, g.version, g.status).then(|| g.clone()),
                settled: settle.then_some(g.version),
            })
            .await
            .unwrap();
        events
    }

    fn act(g: &Game, action: serde_json::Value, at_ms: u64) -> Input {
        Input::Action {
            player: shooter(g),
            action,
            at_ms,
        }
    }

    /// Stores `g` as a new game, as the engine does when it opens one.
    async fn stored(store: &Store, g: Game) -> Game {
        store
            .write(Write {
                game_id: g.id.clone(),
                entry: Some(Entry {
                    input: Input::Open,
                    events: store_events_of_open(&g),
                }),
                snapshot: Some(g.clone()),
                settled: None,
            })
            .await
            .unwrap();
        g
    }

    /// The events a new game is stored with (its `created` and the test
    /// anchor's), as the engine would have them.
    fn store_events_of_open(g: &Game) -> Vec<Event> {
        (1..=g.version)
            .map(|seq| Event {
                seq,
                at_ms: 0,
                kind: "created".into(),
                player: None,
                data: json!({}),
                moves: Vec::new(),
            })
            .collect()
    }

    /// A table written action by action as the engine writes it (a log
    /// entry each, a snapshot now and then, rounds ending and anchors
    /// arriving) reloads equal to the game in memory; its row holds only
    /// what changes, its log one row per input, and its events read back
    /// in order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_game_is_its_last_snapshot_and_the_log_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut g = stored(&store, craps()).await;
        let mut inputs = 1;
        let mut anchors = 0;
        for i in 0..400u64 {
            let bet = act(&g, json!({"type": "bet", "bet": "field", "amount": 5}), i);
            log(&store, &mut g, bet, i % 7 == 0).await;
            let roll = act(&g, json!({"type": "roll"}), i);
            log(&store, &mut g, roll, false).await;
            inputs += 2;
            for r in g.unanchored_rounds() {
                anchors += 1;
                let anchor = Anchor {
                    what: "round".into(),
                    proposal_id: format!("p{anchors}"),
                    height: anchors,
                    block_hash: "h".into(),
                    round: Some(r),
                };
                log(&store, &mut g, Input::Anchor { anchor, at_ms: i }, false).await;
                inputs += 1;
            }
            // Reloads equal at every point, whether the last snapshot is
            // fresh or 127 events old.
            if i % 97 == 0 {
                let loaded = Store::open(dir.path()).unwrap().load_pending().unwrap();
                assert_eq!(loaded, vec![g.clone()], "after roll {i}");
            }
        }
        assert!(g.fairness.chain.as_ref().unwrap().rounds.len() > 20);
        assert!(g.fairness.anchors.len() > 20);
        assert_eq!(g.fairness.draws.len(), 400);
        let loaded = Store::open(dir.path()).unwrap().load_pending().unwrap();
        assert_eq!(loaded, vec![g.clone()]);

        let conn = store.reader.lock().unwrap();
        let (row, version): (String, i64) = conn
            .query_row("SELECT state, version FROM games", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let full = serde_json::to_string(&g).unwrap().len();
        assert!(row.len() * 10 < full, "row {} of {full} bytes", row.len());
        assert!(g.version - (version as u64) < SNAPSHOT_EVERY + 4);
        let entries: i64 = conn
            .query_row("SELECT COUNT(*) FROM game_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(entries, inputs);
        drop(conn);
        let events = store.events_after(&g.id, 0, u32::MAX).unwrap();
        assert_eq!(
            events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=g.version).collect::<Vec<_>>()
        );
        assert_eq!(
            store.events_after(&g.id, 500, 3).unwrap(),
            events[500..503].to_vec()
        );
        assert_eq!(store.version(&g.id).unwrap(), Some(g.version));
    }

    /// A log entry whose stored events are not what its input gives (a
    /// roll's dice edited in the file, say) stops the load: the engine
    /// never serves a game other than the one it answered for.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_log_that_does_not_replay_to_its_events_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut g = stored(&store, craps()).await;
        let bet = act(&g, json!({"type": "bet", "bet": "field", "amount": 5}), 1);
        log(&store, &mut g, bet, false).await;
        let roll = act(&g, json!({"type": "roll"}), 2);
        let events = log(&store, &mut g, roll, false).await;
        assert_eq!(
            Store::open(dir.path()).unwrap().load_pending().unwrap(),
            vec![g.clone()]
        );
        let mut forged = events.clone();
        let dice = forged[0].data["dice"].clone();
        forged[0].data["dice"] = json!([7, 7]);
        assert_ne!(dice, forged[0].data["dice"], "{:?}", forged[0]);
        store
            .reader
            .lock()
            .unwrap()
            .execute(
                "UPDATE game_log SET events = ?1 WHERE seq = ?2",
                params![serde_json::to_string(&forged).unwrap(), g.version as i64],
            )
            .unwrap();
        let err = Store::open(dir.path()).unwrap().load_pending().unwrap_err();
        assert!(
            format!("{err:#}").contains("replays to other events"),
            "{err:#}"
        );
    }

    /// A store from before the log (every action rewrote the row with
    /// every round, anchor and draw inline, events in `events`) loads
    /// equal; what follows goes to the log, and the game and its events
    /// read back whole, old and new.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_store_from_before_the_log_loads_and_goes_on() {
        let mut g = craps();
        let mut old_events = Vec::new();
        for i in 0..300u64 {
            let s = shooter(&g);
            old_events.extend(
                g.apply(&s, &json!({"type": "bet", "bet": "field", "amount": 5}), i)
                    .unwrap(),
            );
            old_events.extend(g.apply(&s, &json!({"type": "roll"}), i).unwrap());
        }
        assert!(g.fairness.chain.as_ref().unwrap().rounds.len() > 10);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        {
            let conn = store.reader.lock().unwrap();
            conn.execute_batch("ALTER TABLE games DROP COLUMN settled")
                .unwrap();
            conn.execute(
                "INSERT INTO games (id, game_type, status, version, updated_at_ms, state)
                 VALUES (?1, 'craps', '\"open\"', ?2, 0, ?3)",
                params![g.id, g.version as i64, serde_json::to_string(&g).unwrap()],
            )
            .unwrap();
            for e in &old_events {
                conn.execute(
                    "INSERT INTO events (game_id, seq, body) VALUES (?1, ?2, ?3)",
                    params![g.id, e.seq as i64, serde_json::to_string(e).unwrap()],
                )
                .unwrap();
            }
        }
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let mut loaded = store.load_pending().unwrap();
        assert_eq!(loaded, vec![g.clone()]);
        let mut h = loaded.remove(0);
        for i in 0..200u64 {
            let bet = act(&h, json!({"type": "bet", "bet": "field", "amount": 5}), i);
            log(&store, &mut h, bet, i == 150).await;
            let roll = act(&h, json!({"type": "roll"}), i);
            log(&store, &mut h, roll, false).await;
        }
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.load_pending().unwrap(), vec![h.clone()]);
        let events = store.events_after(&h.id, 0, u32::MAX).unwrap();
        // (The test's old store holds the events from the first bet on.)
        assert_eq!(events[..old_events.len()], old_events[..]);
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert!(seqs == (old_events[0].seq..=h.version).collect::<Vec<_>>());
    }

    /// Every game type, played by random legal and illegal actions from
    /// random players (joins, leaves, anchors as rounds end), logged as
    /// the engine logs them: reloaded at random points, each is the game
    /// in memory, whatever the distance to its last snapshot.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_game_type_replays_to_the_game_in_memory() {
        let actions: [(GameType, &[serde_json::Value]); 3] = [
            (
                GameType::Craps,
                &[
                    json!({"type": "bet", "bet": "pass", "amount": 10}),
                    json!({"type": "bet", "bet": "field", "amount": 5}),
                    json!({"type": "bet", "bet": "place_6", "amount": 12}),
                    json!({"type": "roll"}),
                    json!({"type": "roll"}),
                    json!({"type": "roll"}),
                    json!({"type": "remove", "bet": "place_6"}),
                ],
            ),
            (
                GameType::Blackjack,
                &[
                    json!({"type": "bet", "amount": 10}),
                    json!({"type": "deal"}),
                    json!({"type": "hit"}),
                    json!({"type": "stand"}),
                    json!({"type": "stand"}),
                    json!({"type": "double"}),
                    json!({"type": "split"}),
                    json!({"type": "decline_insurance"}),
                ],
            ),
            (
                GameType::Poker,
                &[
                    json!({"type": "deal"}),
                    json!({"type": "call"}),
                    json!({"type": "check"}),
                    json!({"type": "check"}),
                    json!({"type": "bet", "amount": 20}),
                    json!({"type": "raise", "amount": 40}),
                    json!({"type": "fold"}),
                ],
            ),
        ];
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        for (game_type, moves) in actions {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path()).unwrap();
            let req = CreateGame {
                game_type,
                players: ["alice", "bob", "carol"]
                    .iter()
                    .map(|id| PlayerBuyIn {
                        id: id.to_string(),
                        buy_in: 100_000,
                    })
                    .collect(),
                config: serde_json::Value::Null,
                client_seed: None,
            };
            let g = anchored(
                Game::open("e0-r".into(), &req, [9; 32], 0, 8, 1_000_000_000)
                    .unwrap()
                    .0,
            );
            let mut g = stored(&store, g).await;
            let mut applied = 0;
            let mut anchors = 0;
            for step in 0..1500u64 {
                let players = ["alice", "bob", "carol", "dave"];
                let player = players[next(players.len())].to_string();
                let action = match next(300) {
                    0 => json!({"type": "leave"}),
                    1 => json!({"type": "join", "buy_in": 50_000}),
                    _ => moves[next(moves.len())].clone(),
                };
                let input = Input::Action {
                    player,
                    action,
                    at_ms: step,
                };
                let mut copy = g.clone();
                if replay(&mut copy, &input).is_err() {
                    continue;
                }
                log(&store, &mut g, input, next(5) == 0).await;
                applied += 1;
                for r in g.unanchored_rounds() {
                    anchors += 1;
                    let anchor = Anchor {
                        what: "round".into(),
                        proposal_id: format!("p{anchors}"),
                        height: anchors,
                        block_hash: "h".into(),
                        round: Some(r),
                    };
                    log(
                        &store,
                        &mut g,
                        Input::Anchor {
                            anchor,
                            at_ms: step,
                        },
                        false,
                    )
                    .await;
                }
                if next(60) == 0 || g.status == GameStatus::Finished {
                    let loaded = Store::open(dir.path()).unwrap().load_pending().unwrap();
                    assert_eq!(loaded, vec![g.clone()], "{game_type} after step {step}");
                }
                if g.status == GameStatus::Finished {
                    break;
                }
            }
            assert!(applied > 50, "{game_type}: only {applied} actions applied");
            assert!(anchors > 0, "{game_type}: no round ended");
            let loaded = Store::open(dir.path()).unwrap().load_pending().unwrap();
            assert_eq!(loaded, vec![g.clone()], "{game_type} at the end");
        }
    }

    /// Plays `g` to its end as the engine would record it: a few rolls,
    /// every player leaving, each round's anchor and, if `reveal`, the
    /// reveal's, with the settlement mark at the end.
    async fn finish(store: &Store, g: &mut Game, reveal: bool) {
        for i in 0..20u64 {
            let bet = act(g, json!({"type": "bet", "bet": "field", "amount": 5}), i);
            log(store, g, bet, false).await;
            let roll = act(g, json!({"type": "roll"}), i);
            log(store, g, roll, false).await;
        }
        for p in g.seats.clone() {
            let leave = Input::Action {
                player: p,
                action: json!({"type": "leave"}),
                at_ms: 99,
            };
            log(store, g, leave, false).await;
        }
        assert_eq!(g.status, GameStatus::Finished);
        let mut height = 10;
        let mut anchors: Vec<Anchor> = g
            .unanchored_rounds()
            .into_iter()
            .map(|r| Anchor {
                what: "round".into(),
                proposal_id: format!("r{r}"),
                height: r + 10,
                block_hash: "h".into(),
                round: Some(r),
            })
            .collect();
        if reveal {
            height += 1000;
            anchors.push(Anchor {
                what: "reveal".into(),
                proposal_id: "rv".into(),
                height,
                block_hash: "h".into(),
                round: None,
            });
        }
        let n = anchors.len();
        for (i, anchor) in anchors.into_iter().enumerate() {
            log(store, g, Input::Anchor { anchor, at_ms: 100 }, i + 1 == n).await;
        }
    }

    /// A finished game whose anchors and settlement are all done needs
    /// nothing more of its engine: it is not loaded at start, reads back
    /// whole on demand, and is listed from the store; one still waiting
    /// for its reveal's anchor is loaded like an open game.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn finished_games_that_need_nothing_stay_in_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut done = stored(&store, craps()).await;
        finish(&store, &mut done, true).await;
        assert!(!pending(&done));
        let mut waiting = craps();
        waiting.id = "e0-w".into();
        waiting.created_at_ms = 5;
        let mut waiting = stored(&store, waiting).await;
        finish(&store, &mut waiting, false).await;
        assert!(pending(&waiting));
        let mut open = craps();
        open.id = "e0-o".into();
        open.created_at_ms = 9;
        let open = stored(&store, open).await;
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let mut loaded = store.load_pending().unwrap();
        loaded.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(loaded, vec![open.clone(), waiting.clone()]);
        assert_eq!(store.load_one(&done.id).unwrap(), Some(done.clone()));
        assert_eq!(store.load_one("e0-nothing").unwrap(), None);
        let page = store.list_stored(None, None, 10, 0).unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(
            page.games,
            vec![Listed {
                id: done.id.clone(),
                game_type: GameType::Craps,
                status: GameStatus::Finished,
                players: Vec::new(),
                version: done.version,
                created_at_ms: done.created_at_ms,
                updated_at_ms: done.updated_at_ms,
            }]
        );
        assert_eq!(
            store
                .list_stored(Some(GameType::Poker), None, 10, 0)
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            store
                .list_stored(None, Some(GameStatus::Open), 10, 0)
                .unwrap()
                .total,
            0
        );
    }
}
