//! The engine's HTTP API: games, actions, live events (SSE) and proofs.
//!
//! Every game sits behind its own async mutex; an action holds it until its
//! new state is durable, so actions on one game are serialized and actions
//! on different games run in parallel (the map of games is only read-locked
//! to find one).
//!
//! No draw is made before the game's commitment is in a committed block:
//! an action that would draw earlier releases the game, waits up to
//! [`ANCHOR_WAIT`] for the anchor, and tries once more; if the anchor is
//! still missing (no quorum of validators) it is answered 503 with
//! `Retry-After`, nothing applied.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Mutex, RwLock, broadcast};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::game::{CreateGame, Event, Game, GameError, GameStatus, GameType};
use super::games::RuleError;
use super::ledger::LedgerError;
use super::store::{Entry, Input, Store, Write, snapshot_due};
use crate::services::common::Problem;
use crate::services::common::extract::{ApiJson, ApiPath, ApiQuery, Caller, TokenVerifier};

/// How long an action that would draw waits for its game's commitment to
/// reach a committed block before it is answered 503.
pub const ANCHOR_WAIT: Duration = Duration::from_secs(5);
/// The `Retry-After` (seconds) of that 503.
pub const ANCHOR_RETRY_AFTER: u64 = 5;

/// One game in memory.
pub struct Slot {
    game: Mutex<Game>,
    /// Whether the game's commitment is in a committed block.
    anchored: tokio::sync::watch::Sender<bool>,
    /// Made on the first subscription: an idle game costs no channel buffer.
    events: std::sync::Mutex<Option<broadcast::Sender<Event>>>,
    summary: std::sync::RwLock<Summary>,
    /// When a request last asked for the game (ms since the epoch): a
    /// game read from the store leaves memory again once idle.
    used_ms: AtomicU64,
}

impl Slot {
    fn subscribe(&self) -> broadcast::Receiver<Event> {
        let mut guard = match self.events.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard
            .get_or_insert_with(|| broadcast::channel(64).0)
            .subscribe()
    }

    fn publish(&self, events: &[Event]) {
        let mut guard = match self.events.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(tx) = guard.as_ref() {
            if tx.receiver_count() == 0 {
                // Everyone left: drop the buffer until someone subscribes.
                *guard = None;
                return;
            }
            for ev in events {
                let _ = tx.send(ev.clone());
            }
        }
    }
}

/// What `GET /games` lists, readable without taking the game's lock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    pub id: String,
    #[schema(value_type = String)]
    pub game_type: GameType,
    #[schema(value_type = String)]
    pub status: GameStatus,
    pub players: Vec<String>,
    pub version: u64,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    /// Whether the game still needs the engine ([`super::store::pending`]):
    /// such games are listed from memory, the others from the store.
    #[serde(skip)]
    pub pending: bool,
}

impl From<super::store::Listed> for Summary {
    fn from(l: super::store::Listed) -> Summary {
        Summary {
            id: l.id,
            game_type: l.game_type,
            status: l.status,
            players: l.players,
            version: l.version,
            created_at_ms: l.created_at_ms,
            updated_at_ms: l.updated_at_ms,
            pending: false,
        }
    }
}

/// How deep `GET /games` pages (offset + limit): past it, 400.
pub const LIST_WINDOW: usize = 10_000;

impl Summary {
    /// The game as the open-table count sees it.
    fn table(&self) -> super::seats::Table<'_> {
        super::seats::Table {
            open: self.status == GameStatus::Open,
            players: &self.players,
        }
    }

    fn of(g: &Game) -> Summary {
        Summary {
            pending: super::store::pending(g),
            id: g.id.clone(),
            game_type: g.game_type,
            status: g.status,
            players: g.seats.clone(),
            version: g.version,
            created_at_ms: g.created_at_ms,
            updated_at_ms: g.updated_at_ms,
        }
    }
}

#[derive(Clone)]
pub struct EngineState {
    pub inner: Arc<Engine>,
}

pub struct Engine {
    pub instance: String,
    /// This instance's index; game ids start with `e{index}-` so a gateway
    /// can send every request for a game to the instance holding it.
    pub index: u16,
    pub games: RwLock<HashMap<String, Arc<Slot>>>,
    pub store: Store,
    pub max_games: usize,
    pub max_players: u32,
    pub open_games: AtomicUsize,
    pub secret: TokenVerifier,
    /// Records to order in the validators' log (batched by the anchorer).
    pub anchors: tokio::sync::mpsc::Sender<super::anchor::Request>,
    pub metrics: super::metrics::EngineMetrics,
    /// Where table money lives.
    pub wallet: super::wallet::WalletClient,
    /// Chips a new table takes from the house account (`table_bankroll`).
    pub bankroll: u64,
    pub max_tables_per_player: usize,
    /// How long a game read from the store stays in memory when idle.
    stored_idle: Duration,
    /// How long a card table waits on one player before acting for them.
    turn_timeout: Duration,
    /// Games whose wallet transfers wait for a retry (see [`spawn_settler`]).
    unsettled: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// Open tables per player (`MAX_TABLES_PER_PLAYER`), reserved by
    /// creations and kept in step with every summary.
    seats: std::sync::Mutex<super::seats::Seats>,
    /// Open games let go of while idle (see [`Engine::evict`]): only their
    /// summary stays, for the listing; [`Engine::slot`] reads one back.
    /// Changed only under the `games` write lock.
    evicted: std::sync::RwLock<HashMap<String, Summary>>,
    settle_wake: tokio::sync::Notify,
}

impl FromRef<EngineState> for TokenVerifier {
    fn from_ref(s: &EngineState) -> TokenVerifier {
        s.inner.secret.clone()
    }
}

/// The services an engine talks to: the validators (through the anchorer)
/// and the wallet.
pub struct Links {
    pub anchors: tokio::sync::mpsc::Sender<super::anchor::Request>,
    pub wallet: super::wallet::WalletClient,
}

/// Limits an engine instance enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// MAX_CONCURRENT_GAMES (open games).
    pub max_games: usize,
    /// MAX_PLAYERS_PER_GAME.
    pub max_players: u32,
    /// Chips a table takes from the house account.
    pub bankroll: u64,
    /// MAX_TABLES_PER_PLAYER.
    pub max_tables_per_player: usize,
    /// `game_engine.stored_idle`: how long a game read from the store stays.
    pub stored_idle: Duration,
    /// `game_engine.turn_timeout`: how long a card table waits on a player
    /// (zero: forever).
    pub turn_timeout: Duration,
}

impl Engine {
    /// Loads the stored games that need the engine (open ones, finished
    /// ones with an anchor or a settlement outstanding) into memory.
    pub fn new(
        instance: String,
        index: u16,
        store: Store,
        limits: Limits,
        secret: TokenVerifier,
        links: Links,
        metrics: super::metrics::EngineMetrics,
    ) -> anyhow::Result<Engine> {
        let Links { anchors, wallet } = links;
        let Limits {
            max_games,
            max_players,
            bankroll,
            max_tables_per_player,
            stored_idle,
            turn_timeout,
        } = limits;
        let mut games = HashMap::new();
        let mut open = 0;
        let mut unsettled = std::collections::BTreeSet::new();
        let mut seats = super::seats::Seats::default();
        // Finished games that need nothing more stay in the store.
        for g in store.load_pending()? {
            if g.status == GameStatus::Open {
                open += 1;
            }
            seats.apply(None, Summary::of(&g).table());
            if g.wallet_settled.is_some_and(|s| s < g.version) {
                unsettled.insert(g.id.clone());
            }
            metrics.loaded(g.game_type, g.status == GameStatus::Open);
            games.insert(g.id.clone(), Arc::new(slot(g)));
        }
        metrics.in_memory(games.len());
        Ok(Engine {
            instance,
            index,
            games: RwLock::new(games),
            store,
            max_games,
            max_players,
            open_games: AtomicUsize::new(open),
            secret,
            anchors,
            metrics,
            wallet,
            bankroll,
            max_tables_per_player,
            stored_idle,
            turn_timeout,
            unsettled: std::sync::Mutex::new(unsettled),
            seats: std::sync::Mutex::new(seats),
            evicted: std::sync::RwLock::new(HashMap::new()),
            settle_wake: tokio::sync::Notify::new(),
        })
    }

    /// Voids the open reservations into this engine's tables that no
    /// stored event made and this process did not make
    /// ([`super::settle::orphans`]); how many.
    async fn release_orphans(&self) -> Result<usize, super::wallet::WalletCallError> {
        let prefix = format!(
            "{}{}",
            crate::services::wallet::http::ENGINE_ID_PREFIX,
            crate::auth::engine_games(&self.instance).unwrap_or_default()
        );
        let mut after: Option<String> = None;
        let mut voided = 0;
        loop {
            let (open, next) = self
                .wallet
                .open_reservations(&prefix, after.as_deref())
                .await?;
            let voids = super::settle::orphans(&open, super::settle::life(), |game| {
                match self.store.events_after(game, 0, u32::MAX) {
                    Ok(events) => Some(
                        super::settle::reserve(game, &events)
                            .into_iter()
                            .map(|r| r.id)
                            .collect(),
                    ),
                    Err(err) => {
                        tracing::warn!(game_id = game, error = %err, "cannot read a game's events; its reservations are left to expire");
                        None
                    }
                }
            });
            for v in voids {
                let pending = v.void_pending.clone().unwrap_or_default();
                match self.wallet.submit(vec![v]).await {
                    Ok(()) => {
                        voided += 1;
                        tracing::info!(reservation = %pending, "voided an orphaned reservation");
                    }
                    // Settled or expired meanwhile: nothing to do.
                    Err(super::wallet::WalletCallError::Refused { .. }) => {}
                    Err(err) => return Err(err),
                }
            }
            match next {
                Some(n) => after = Some(n),
                None => return Ok(voided),
            }
        }
    }

    /// Gives back places reserved for a game that was not made.
    fn release_seats(&self, players: &[String]) {
        if let Ok(mut seats) = self.seats.lock() {
            seats.release(players);
        }
    }

    /// Replaces `slot`'s summary with `g`'s, and moves the open-table count
    /// of every player who sat down or got up (or whose table finished).
    fn resummarize(&self, slot: &Slot, g: &Game) {
        let new = Summary::of(g);
        if let Ok(mut sum) = slot.summary.write() {
            if let Ok(mut seats) = self.seats.lock() {
                seats.apply(Some(sum.table()), new.table());
            }
            *sum = new;
        }
    }

    /// Queues a game for the settler.
    fn mark_unsettled(&self, id: &str) {
        if let Ok(mut u) = self.unsettled.lock() {
            u.insert(id.to_string());
        }
        self.settle_wake.notify_one();
    }

    /// Games whose wallet transfers are not all done.
    pub fn unsettled_games(&self) -> usize {
        self.unsettled.lock().map_or(0, |u| u.len())
    }

    /// Sends the wallet transfers of a game's stored events after
    /// `wallet_settled`, in order, and records how far it got.
    async fn settle_game(&self, id: &str) -> Result<(), super::wallet::WalletCallError> {
        let Ok(slot) = self.slot(id).await else {
            return Ok(());
        };
        let mut g = slot.game.lock().await;
        let Some(done) = g.wallet_settled.filter(|d| *d < g.version) else {
            return Ok(());
        };
        let events = self.store.events_after(id, done, u32::MAX).map_err(|e| {
            super::wallet::WalletCallError::Unavailable(format!("the game store: {e:#}"))
        })?;
        self.wallet
            .settle(super::settle::settle(id, &events))
            .await?;
        self.mark_settled(&mut g).await;
        self.resummarize(&slot, &g);
        Ok(())
    }

    /// Records that every event of `g` is settled (stored with the game;
    /// if that write fails, the next settlement repeats the transfers,
    /// which the wallet answers as replays).
    async fn mark_settled(&self, g: &mut Game) {
        let version = g.version;
        // A finished game's row is kept whole (it may be all that is left
        // of it once it leaves memory).
        let snapshot = (g.status == GameStatus::Finished).then(|| {
            let mut s = g.clone();
            s.wallet_settled = Some(version);
            s
        });
        match self
            .store
            .write(Write {
                game_id: g.id.clone(),
                entry: None,
                snapshot,
                settled: Some(version),
            })
            .await
        {
            Ok(()) => g.wallet_settled = Some(version),
            Err(err) => {
                tracing::warn!(error = %err, game_id = %g.id, "cannot record a settlement; it will be repeated")
            }
        }
    }

    /// Re-anchors games that are missing an anchor (after a restart).
    pub async fn anchor_missing(self: &Arc<Engine>) {
        let slots: Vec<(String, Arc<Slot>)> = self
            .games
            .read()
            .await
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (id, slot) in slots {
            let (commit, reveal, rounds) = {
                let g = slot.game.lock().await;
                (
                    !g.has_anchor("commitment"),
                    g.status == GameStatus::Finished && !g.has_anchor("reveal"),
                    g.unanchored_rounds(),
                )
            };
            for r in rounds {
                spawn_round_anchor(self.clone(), id.clone(), r);
            }
            if commit {
                spawn_anchor(self.clone(), id.clone(), "commitment");
            }
            if reveal {
                spawn_anchor(self.clone(), id, "reveal");
            }
        }
    }
}

/// Queues a game's commitment or reveal for the validators' log.
pub fn spawn_anchor(e: Arc<Engine>, id: String, what: &'static str) {
    spawn_anchor_of(e, id, what, None);
}

/// Anchors round `r`'s revealed link (a chain game).
pub fn spawn_round_anchor(e: Arc<Engine>, id: String, r: u64) {
    spawn_anchor_of(e, id, "round", Some(r));
}

fn spawn_anchor_of(e: Arc<Engine>, id: String, what: &'static str, round: Option<u64>) {
    // The record belongs to the request being served (if any): its trace.
    let trace = crate::telemetry::trace::Context::current();
    tokio::spawn(async move {
        let Ok(slot) = e.slot(&id).await else { return };
        let payload = {
            let g = slot.game.lock().await;
            match round {
                Some(r) => g.round_anchor_payload(r),
                None => g.anchor_payload(what),
            }
        };
        let req = super::anchor::Request {
            game_id: id,
            what,
            round,
            payload,
            trace,
            alone: false,
        };
        if e.anchors.send(req).await.is_err() {
            tracing::error!("the anchoring task has stopped");
        }
    });
}

/// Retries the wallet transfers of games that could not settle when they
/// changed (the wallet was down), and of games found unsettled at start.
pub fn spawn_settler(e: Arc<Engine>) {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(200);
        loop {
            let ids: Vec<String> = match e.unsettled.lock() {
                Ok(mut u) => std::mem::take(&mut *u).into_iter().collect(),
                Err(_) => return,
            };
            let mut failed = false;
            for id in ids {
                if let Err(err) = e.settle_game(&id).await {
                    if let super::wallet::WalletCallError::Refused { .. } = err {
                        // Not a matter of waiting: retrying cannot help.
                        // The game stays unsettled (the next start tries
                        // again) and is counted as stuck.
                        tracing::error!(game_id = %id, error = %err, "the wallet refused a game's settlement; an operator must look at it");
                        e.metrics.settlement_refused();
                        continue;
                    }
                    tracing::warn!(game_id = %id, error = %err, "a game's wallet transfers wait for a retry");
                    failed = true;
                    if let Ok(mut u) = e.unsettled.lock() {
                        u.insert(id);
                    }
                }
            }
            if failed {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            } else {
                backoff = Duration::from_millis(200);
                e.settle_wake.notified().await;
            }
        }
    });
}

/// Voids the reservations earlier runs of this engine left open without
/// storing their events (a crash between the two), once the wallet
/// answers: their chips are the players' again at once instead of when
/// they expire ([`super::settle::RESERVE_TIMEOUT_MS`]). Retries while the
/// wallet is unavailable.
pub fn spawn_orphan_release(e: Arc<Engine>) {
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        loop {
            match e.release_orphans().await {
                Ok(0) => return,
                Ok(n) => {
                    tracing::info!(
                        voided = n,
                        "voided reservations an earlier run left without storing their events"
                    );
                    return;
                }
                Err(super::wallet::WalletCallError::Refused { status, detail, .. }) => {
                    tracing::error!(status, %detail, "the wallet refused to list this engine's reservations; they expire on their own");
                    return;
                }
                Err(err) => {
                    tracing::debug!(error = %err, "open reservations not read yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    });
}

/// Voids reservations whose events were not stored (or whose outcome is
/// unknown), in the background, a few times; what is left expires.
fn spawn_release(e: Arc<Engine>, game_id: String, events: Vec<Event>) {
    let voids = super::settle::release(&game_id, &events);
    if voids.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        for _ in 0..8 {
            let mut left = false;
            for v in &voids {
                match e.wallet.submit(vec![v.clone()]).await {
                    // Done, or nothing to void (never reserved, expired).
                    Ok(()) | Err(super::wallet::WalletCallError::Refused { .. }) => {}
                    Err(super::wallet::WalletCallError::Unavailable(_)) => left = true,
                }
            }
            if !left {
                return;
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        tracing::warn!(game_id = %game_id, "reservations could not be voided; they expire on their own");
    });
}

/// The answer to a refused or failed reservation.
fn wallet_problem(err: &super::wallet::WalletCallError) -> Problem {
    use super::wallet::WalletCallError::*;
    match err {
        Refused { status: 422, detail, .. } if detail.starts_with("house ") => Problem::new(
            StatusCode::CONFLICT,
            format!("the house account cannot back this table (TABLE_BANKROLL): {detail}"),
        )
        .with_type("/problems/engine/house-short"),
        Refused { status: 422, detail, .. } => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not enough chips in the wallet: {detail}"),
        )
        .with_type("/problems/engine/insufficient-funds"),
        Refused { status: 404, detail, .. } => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{detail}: a player's chips come from their wallet account (a cashier deposits them)"),
        )
        .with_type("/problems/engine/insufficient-funds"),
        Refused { status: 409, detail, .. } => Problem::new(StatusCode::CONFLICT, detail.clone()),
        Refused { status, detail, .. } => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the wallet refused the engine ({status}): {detail}"),
        ),
        Unavailable(m) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the wallet is unavailable; nothing changed: {m}"),
        )
        .with_type("/problems/engine/wallet-unavailable")
        .with_retry_after(1)
        .from_dependency(crate::services::common::problem::Dependency::Wallet),
    }
}

/// Records where the validators ordered each game's records (an `anchored`
/// event per game), many at once so the store can group its commits.
pub fn spawn_recorder(
    e: Arc<Engine>,
    mut rx: tokio::sync::mpsc::Receiver<super::anchor::Anchored>,
) {
    tokio::spawn(async move {
        let limit = Arc::new(tokio::sync::Semaphore::new(256));
        while let Some(a) = rx.recv().await {
            let Ok(permit) = limit.clone().acquire_owned().await else {
                return;
            };
            let e = e.clone();
            tokio::spawn(async move {
                record_anchor(&e, a).await;
                drop(permit);
            });
        }
    });
}

async fn record_anchor(e: &Arc<Engine>, a: super::anchor::Anchored) {
    let Ok(slot) = e.slot(&a.game_id).await else {
        return;
    };
    let mut g = slot.game.lock().await;
    let known = match a.anchor.round {
        Some(r) => g.has_round_anchor(r),
        None => g.has_anchor(&a.anchor.what),
    };
    if known {
        return;
    }
    let what = a.anchor.what.clone();
    let mut next = g.clone();
    let at_ms = now_ms();
    let ev = next.record_anchor(a.anchor.clone(), at_ms);
    // An `anchored` event moves no money: a settled game stays settled
    // (else its next cash-out would wait for the settler).
    let settled = (g.wallet_settled == Some(g.version)).then_some(next.version);
    if settled.is_some() {
        next.wallet_settled = settled;
    }
    let snapshot = snapshot_due(g.version, next.version, next.status).then(|| next.clone());
    if let Err(err) = e
        .store
        .write(Write {
            game_id: next.id.clone(),
            entry: Some(Entry {
                input: Input::Anchor {
                    anchor: a.anchor,
                    at_ms,
                },
                events: vec![ev.clone()],
            }),
            snapshot,
            settled,
        })
        .await
    {
        tracing::error!(error = %err, game_id = %a.game_id, "cannot store an anchor");
        return;
    }
    *g = next;
    e.resummarize(&slot, &g);
    if what == "commitment" {
        slot.anchored.send_replace(true);
    }
    slot.publish(std::slice::from_ref(&ev));
    tracing::debug!(game_id = %a.game_id, what, "anchored in the validators' log");
}

/// Games read from the store (finished, needing nothing more) kept in
/// memory at most, the least recently used leaving first.
pub const STORED_CACHE: usize = 1024;

impl Engine {
    /// The game `id`: in memory if it needs the engine or was asked for
    /// lately, else read from the store (a finished game) and kept for a
    /// while.
    async fn slot(&self, id: &str) -> Result<Arc<Slot>, Problem> {
        if let Some(slot) = self.games.read().await.get(id) {
            slot.used_ms.store(now_ms(), Ordering::Relaxed);
            return Ok(slot.clone());
        }
        let not_found = || Problem::not_found(format!("no game {id:?} on this engine"));
        if id.len() > 64 {
            return Err(not_found());
        }
        let Some(g) = self.store.load_one(id).map_err(|err| {
            tracing::error!(error = %err, game_id = %id, "cannot read a game from the store");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the game store is unavailable",
            )
        })?
        else {
            return Err(not_found());
        };
        let slot = {
            let mut games = self.games.write().await;
            // (A game read back is finished, or open and evicted: either
            // way its seats are counted already.)
            let slot = games
                .entry(id.to_string())
                .or_insert_with(|| Arc::new(slot(g)))
                .clone();
            if let Ok(mut evicted) = self.evicted.write() {
                evicted.remove(id);
            }
            self.metrics.in_memory(games.len());
            slot
        };
        slot.used_ms.store(now_ms(), Ordering::Relaxed);
        Ok(slot)
    }

    /// Lets go of the games that need nothing more of the engine (see
    /// [`super::store::pending`]; the store holds them whole): those idle
    /// for `game_engine.stored_idle`, and the least recently used beyond
    /// [`STORED_CACHE`]. A game someone holds (a request, an event
    /// stream) stays; open games always stay. Returns how many left.
    pub async fn evict(&self, now: u64) -> usize {
        self.trim_idle(now).await;
        let open = self.evict_open(now).await;
        // Candidates under the read lock (requests go on meanwhile) ...
        let mut idle: Vec<(u64, String)> = self
            .games
            .read()
            .await
            .iter()
            .filter(|(_, slot)| slot.summary.read().is_ok_and(|s| !s.pending))
            .map(|(id, slot)| (slot.used_ms.load(Ordering::Relaxed), id.clone()))
            .collect();
        idle.sort();
        let over = idle.len().saturating_sub(STORED_CACHE);
        let idle_ms = self.stored_idle.as_millis() as u64;
        idle.truncate(
            idle.iter()
                .enumerate()
                .take_while(|(i, (used, _))| *i < over || now.saturating_sub(*used) >= idle_ms)
                .count(),
        );
        if idle.is_empty() {
            return open;
        }
        // ... checked again under the write lock, which no new holder can
        // get past.
        let mut games = self.games.write().await;
        let mut gone = open;
        for (_, id) in idle {
            let Some(slot) = games.get(&id) else {
                continue;
            };
            // Nobody else holds it, and (checked under its lock) it still
            // needs nothing: it is safe to read back from the store.
            let quiet = Arc::strong_count(slot) == 1
                && slot
                    .game
                    .try_lock()
                    .is_ok_and(|g| !super::store::pending(&g));
            if quiet {
                games.remove(&id);
                gone += 1;
            }
        }
        self.metrics.in_memory(games.len());
        gone
    }

    /// Lets go of open games nobody has asked for during
    /// `game_engine.stored_idle`, whose every action is stored and settled
    /// and which wait on no one's turn (a card table at a turn stays for
    /// the turn timer): the store holds them whole, and [`Engine::slot`]
    /// reads one back when it is asked for. Their summaries stay (about
    /// 200 bytes a game), so the listing and the seat counts do not change.
    async fn evict_open(&self, now: u64) -> usize {
        let idle_ms = self.stored_idle.as_millis() as u64;
        let idle: Vec<String> = self
            .games
            .read()
            .await
            .iter()
            .filter(|(_, slot)| {
                now.saturating_sub(slot.used_ms.load(Ordering::Relaxed)) >= idle_ms
                    && slot
                        .summary
                        .read()
                        .is_ok_and(|s| s.status == GameStatus::Open)
            })
            .map(|(id, _)| id.clone())
            .collect();
        if idle.is_empty() {
            return 0;
        }
        let mut games = self.games.write().await;
        let mut gone = 0;
        for id in idle {
            let Some(slot) = games.get(&id) else {
                continue;
            };
            // Nobody holds it (a request, a stream, a task), nobody
            // listens to its events, and under its lock it is quiet.
            let listened = slot
                .events
                .lock()
                .map_or(true, |e| e.as_ref().is_some_and(|s| s.receiver_count() > 0));
            let quiet = Arc::strong_count(slot) == 1
                && !listened
                && slot.game.try_lock().is_ok_and(|g| {
                    g.status == GameStatus::Open
                        && g.wallet_settled == Some(g.version)
                        && g.stalled_on().is_none()
                });
            if !quiet {
                continue;
            }
            let Some(summary) = slot.summary.read().ok().map(|s| s.clone()) else {
                continue;
            };
            if let Ok(mut evicted) = self.evicted.write() {
                evicted.insert(id.clone(), summary);
                games.remove(&id);
                gone += 1;
            }
        }
        self.metrics.in_memory(games.len());
        gone
    }

    /// Open games idle for `game_engine.stored_idle` let their seed chain's
    /// checkpoints go (about 4 KB a table; the next round start walks the
    /// chain once to fill them again).
    async fn trim_idle(&self, now: u64) {
        let idle = self
            .idle_open(now, self.stored_idle.as_millis() as u64)
            .await;
        for (_, slot) in idle {
            if let Ok(mut g) = slot.game.try_lock()
                && let Some(chain) = g.fairness.chain.as_mut()
                && chain.cache.is_filled()
            {
                chain.cache.clear();
            }
        }
    }

    /// Open games that have not changed for `idle_ms`, by summary (a game
    /// busy right now is looked at again under its own lock by the caller).
    async fn idle_open(&self, now: u64, idle_ms: u64) -> Vec<(String, Arc<Slot>)> {
        self.games
            .read()
            .await
            .iter()
            .filter(|(_, slot)| {
                slot.summary.read().is_ok_and(|s| {
                    s.status == GameStatus::Open && now.saturating_sub(s.updated_at_ms) >= idle_ms
                })
            })
            .map(|(id, slot)| (id.clone(), slot.clone()))
            .collect()
    }
}

/// Acts for players who hold a card table up: every open blackjack or
/// hold'em game that has not changed for `game_engine.turn_timeout` and
/// waits on one player gets that player's default action
/// ([`Game::stalled_on`]), applied, stored and published like any action.
pub fn spawn_turn_timer(e: Arc<Engine>) {
    if e.turn_timeout.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let every = (e.turn_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
        let mut tick = tokio::time::interval(every);
        let limit = e.turn_timeout.as_millis() as u64;
        loop {
            tick.tick().await;
            let now = now_ms();
            for (id, slot) in e.idle_open(now, limit).await {
                // (Craps waits for no one: `stalled_on` says so.)
                let stalled = match slot.game.try_lock() {
                    Ok(g) if now.saturating_sub(g.updated_at_ms) >= limit => g.stalled_on(),
                    _ => None,
                };
                let Some((player, actions)) = stalled else {
                    continue;
                };
                for action in actions {
                    let req = ActionRequest {
                        player_id: player.clone(),
                        action: action.clone(),
                    };
                    let done = run_to_completion(apply_action(
                        e.clone(),
                        slot.clone(),
                        id.clone(),
                        req,
                        None,
                    ))
                    .await;
                    if done.is_ok() {
                        tracing::info!(game_id = %id, %player, action = %action["type"], "a turn timed out; the engine acted for the player");
                        break;
                    }
                }
            }
        }
    });
}

/// Lets finished games that need nothing more leave memory every few
/// seconds (see [`Engine::evict`]).
pub fn spawn_evictor(e: Arc<Engine>) {
    tokio::spawn(async move {
        let every = (e.stored_idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let gone = e.evict(now_ms()).await;
            if gone > 0 {
                tracing::debug!(gone, "finished games left memory");
            }
        }
    });
}

fn slot(g: Game) -> Slot {
    Slot {
        anchored: tokio::sync::watch::Sender::new(g.fairness.commitment_height().is_some()),
        summary: std::sync::RwLock::new(Summary::of(&g)),
        game: Mutex::new(g),
        events: std::sync::Mutex::new(None),
        used_ms: AtomicU64::new(now_ms()),
    }
}

use crate::clock::unix_ms as now_ms;

/// Maps a refused action to its status: 409 not legal now, 422 breaks a rule.
fn problem(e: &GameError) -> Problem {
    let status = match e {
        GameError::Rule(RuleError::NotNow(_)) => StatusCode::CONFLICT,
        GameError::Rule(RuleError::Invalid(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        GameError::Ledger(LedgerError::Insufficient { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
        GameError::Ledger(LedgerError::UnknownPlayer(_)) | GameError::UnknownPlayer(_) => {
            StatusCode::NOT_FOUND
        }
        // Only settlement pays, and settlement cannot fail: the exposure is
        // checked before every draw (GameError::Exposure, Uncovered).
        GameError::Ledger(LedgerError::HouseExhausted { .. } | LedgerError::Internal(_)) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        GameError::Finished | GameError::Full(_) => StatusCode::CONFLICT,
        GameError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
        GameError::Exposure { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        GameError::Uncovered { .. } => StatusCode::CONFLICT,
        GameError::Invariant(_) => StatusCode::INTERNAL_SERVER_ERROR,
        GameError::Unanchored => {
            return Problem::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
                .with_type("/problems/engine/commitment-not-anchored")
                .with_retry_after(ANCHOR_RETRY_AFTER)
                .from_dependency(crate::services::common::problem::Dependency::Consensus);
        }
    };
    Problem::new(status, e.to_string())
}

#[derive(OpenApi)]
#[openapi(
    paths(
        create_game,
        list_games,
        get_game,
        post_action,
        game_events,
        game_proof
    ),
    components(schemas(CreateGame, super::game::PlayerBuyIn, ActionRequest, Summary, GameList))
)]
pub struct EngineApi;

pub fn routes(state: EngineState) -> Router<crate::services::common::ServiceContext> {
    Router::new()
        .route("/games", post(create_game).get(list_games))
        .route("/games/{id}", get(get_game))
        .route("/games/{id}/actions", post(post_action))
        .route("/games/{id}/events", get(game_events))
        .route("/games/{id}/proof", get(game_proof))
        .with_state(state)
}

/// Creates a game: 201 with the game, its seed commitment published (and
/// no client seed: players contribute theirs afterwards).
#[utoipa::path(post, path = "/games", tag = "games", request_body = CreateGame,
    responses((status = 201, description = "Created"), (status = 409, description = "MAX_CONCURRENT_GAMES or MAX_PLAYERS_PER_GAME reached"),
              (status = 422, description = "Invalid game, or a client_seed (send it after the commitment)"), (status = 401), (status = 403)))]
async fn create_game(
    State(s): State<EngineState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateGame>,
) -> Result<Response, Problem> {
    let e = &s.inner;
    for p in &req.players {
        caller.may_act_as(&p.id)?;
    }
    // Each table holds a bankroll from the house: one player may not tie
    // it all up in tables of their own. Their places are reserved with the
    // check (creates sent at once cannot all pass it) and given back if the
    // game is not made.
    let seated: Vec<String> = req.players.iter().map(|p| p.id.clone()).collect();
    e.seats
        .lock()
        .map_err(|_| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "the engine's seat count failed"))?
        .reserve(&seated, e.max_tables_per_player)
        .map_err(|(who, open)| {
            Problem::new(
                StatusCode::CONFLICT,
                format!(
                    "{who} already sits at {open} open tables on this engine (MAX_TABLES_PER_PLAYER); leave one first"
                ),
            )
        })?;
    let mut server_seed = [0u8; 32];
    rand::rng().fill_bytes(&mut server_seed);
    let id = format!("e{}-{}", e.index, uuid::Uuid::new_v4().simple());
    let now = now_ms();
    let (game, event) = match Game::open(
        id.clone(),
        &req,
        server_seed,
        now,
        e.max_players,
        e.bankroll,
    ) {
        Ok(made) => made,
        Err(err) => {
            e.release_seats(&seated);
            return Err(problem(&err));
        }
    };
    let view = game.view(caller.viewer());
    // Stored and registered on a task of its own, as actions are: a
    // cancelled handler must not leave a stored game the engine does not
    // serve, or a place among the open games (or a player's) taken for
    // good.
    run_to_completion(store_new_game(s.inner.clone(), game, event, seated)).await?;
    e.metrics.created(req.game_type);
    tracing::info!(game_id = %id, game_type = %req.game_type, "game created");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/games/{id}"))],
        Json(view),
    )
        .into_response())
}

/// Stores and registers a new game; if it is not made, gives back its
/// players' places (`seated`, reserved by [`create_game`]).
async fn store_new_game(
    e: Arc<Engine>,
    game: Game,
    event: super::game::Event,
    seated: Vec<String>,
) -> Result<(), Problem> {
    let made = store_new_game_reserved(&e, game, event).await;
    if made.is_err() {
        e.release_seats(&seated);
    }
    made
}

async fn store_new_game_reserved(
    e: &Arc<Engine>,
    game: Game,
    event: super::game::Event,
) -> Result<(), Problem> {
    let id = game.id.clone();
    // Reserve a place among the open games before writing.
    let reserved = e
        .open_games
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < e.max_games).then_some(n + 1)
        });
    if reserved.is_err() {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!(
                "this engine already holds {} open games (MAX_CONCURRENT_GAMES)",
                e.max_games
            ),
        ));
    }
    // The chips first: buy-ins and the bankroll are held for the table
    // (all or none) before the game exists.
    let mut events = vec![event];
    super::settle::stamp(&mut events);
    if let Err(err) = e.wallet.submit(super::settle::reserve(&id, &events)).await {
        e.open_games.fetch_sub(1, Ordering::SeqCst);
        if matches!(err, super::wallet::WalletCallError::Unavailable(_)) {
            spawn_release(e.clone(), id.clone(), events);
        }
        return Err(wallet_problem(&err));
    }
    if let Err(err) = e
        .store
        .write(Write {
            game_id: id.clone(),
            entry: Some(Entry {
                input: Input::Open,
                events: events.clone(),
            }),
            snapshot: Some(game.clone()),
            settled: None,
        })
        .await
    {
        e.open_games.fetch_sub(1, Ordering::SeqCst);
        spawn_release(e.clone(), id.clone(), events);
        tracing::error!(error = %err, "store write failed");
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the game store is unavailable",
        ));
    }
    let slot = Arc::new(slot(game));
    {
        let mut games = e.games.write().await;
        games.insert(id.clone(), slot.clone());
        e.metrics.in_memory(games.len());
    }
    spawn_anchor(e.clone(), id.clone(), "commitment");
    // Then post the reservations: now the chips are the table's.
    let mut g = slot.game.lock().await;
    match e.wallet.settle(super::settle::settle(&id, &events)).await {
        Ok(()) => e.mark_settled(&mut g).await,
        Err(err) => {
            tracing::warn!(game_id = %id, error = %err, "the buy-ins will be posted by the settler");
            e.mark_unsettled(&id);
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// craps, blackjack or poker.
    #[param(pattern = "^(craps|blackjack|poker)$")]
    game_type: Option<String>,
    /// open or finished.
    #[param(pattern = "^(open|finished)$")]
    status: Option<String>,
    /// Page size, 1..=500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
    /// Games to skip (default 0); offset + limit is at most 10,000.
    #[param(minimum = 0, maximum = 9999)]
    offset: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GameList {
    games: Vec<Summary>,
    total: usize,
    limit: usize,
    offset: usize,
}

/// Lists games, newest first, filtered by type and status.
#[utoipa::path(get, path = "/games", tag = "games", params(ListQuery),
    responses((status = 200, body = GameList), (status = 400), (status = 401)))]
async fn list_games(
    State(s): State<EngineState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<GameList>, Problem> {
    let game_type = q
        .game_type
        .as_deref()
        .map(|t| serde_json::from_value::<GameType>(json!(t)))
        .transpose()
        .map_err(|_| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "game_type must be craps, blackjack or poker",
            )
        })?;
    let status = q
        .status
        .as_deref()
        .map(|t| serde_json::from_value::<GameStatus>(json!(t)))
        .transpose()
        .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "status must be open or finished"))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "limit must be from 1 to 500",
        ));
    }
    let offset = q.offset.unwrap_or(0);
    if offset.saturating_add(limit) > LIST_WINDOW {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!(
                "offset + limit must be at most {LIST_WINDOW} (the listing pages that deep, \
                 newest first)"
            ),
        ));
    }
    // Games that need the engine are listed from memory, the others (the
    // finished ones, however many) from the store; both newest first.
    let newest_first = |a: &Summary, b: &Summary| {
        b.created_at_ms
            .cmp(&a.created_at_ms)
            .then_with(|| a.id.cmp(&b.id))
    };
    // (Evicted open games are listed from their kept summaries; the read
    // lock on `games` keeps a game from being in both or neither.)
    let mut all: Vec<Summary> = {
        let games = s.inner.games.read().await;
        let mut all: Vec<Summary> = games
            .values()
            .filter_map(|slot| slot.summary.read().ok().map(|g| g.clone()))
            .collect();
        if let Ok(evicted) = s.inner.evicted.read() {
            all.extend(evicted.values().cloned());
        }
        all
    };
    all.retain(|g| {
        g.pending
            && game_type.is_none_or(|t| g.game_type == t)
            && status.is_none_or(|st| g.status == st)
    });
    let stored = s
        .inner
        .store
        .list_stored(game_type, status, offset + limit, 0)
        .map_err(|err| {
            tracing::error!(error = %err, "cannot list stored games");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the game store is unavailable",
            )
        })?;
    let total = all.len() + stored.total;
    all.extend(stored.games.into_iter().map(Summary::from));
    all.sort_by(newest_first);
    let games = all.into_iter().skip(offset).take(limit).collect();
    Ok(Json(GameList {
        games,
        total,
        limit,
        offset,
    }))
}

/// One game as the caller may see it.
#[utoipa::path(get, path = "/games/{id}", tag = "games",
    responses((status = 200, description = "The game"), (status = 404), (status = 401)))]
async fn get_game(
    State(s): State<EngineState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, Problem> {
    let slot = s.inner.slot(&id).await?;
    let g = slot.game.lock().await;
    Ok(Json(g.view(caller.viewer())))
}

/// `POST /games/{id}/actions` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionRequest {
    /// The acting player: the caller's own id unless the caller is an admin.
    player_id: String,
    /// `{"type": "bet", "bet": "pass", "amount": 10}`, `{"type": "roll"}`, `{"type": "join", "buy_in": 100}`, …
    #[schema(value_type = Object)]
    action: Value,
}

/// Applies one action; 200 with what happened and the new state.
#[utoipa::path(post, path = "/games/{id}/actions", tag = "games", request_body = ActionRequest,
    responses((status = 200, description = "Applied"), (status = 404), (status = 409, description = "Not legal now"),
              (status = 422, description = "Breaks a rule"), (status = 401), (status = 403),
              (status = 503, description = "A draw before the game's commitment is in a committed block (no quorum); see Retry-After")))]
async fn post_action(
    State(s): State<EngineState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Result<Json<Value>, Problem> {
    caller.may_act_as(&req.player_id)?;
    if req.action.get("type").and_then(Value::as_str) == Some("close") {
        caller.require_admin()?;
    }
    if req.action.get("timeout").is_some() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "\"timeout\" is set by the engine when a player's turn times out, never by a client",
        ));
    }
    let slot = s.inner.slot(&id).await?;
    // Apply, store and publish in a task of its own: a client that hangs
    // up (a gateway timing out, say) cancels this handler, and a cancelled
    // write would leave the store ahead of memory, every later action of
    // the game refused with a sequence conflict.
    let viewer = caller.viewer().map(str::to_string);
    run_to_completion(apply_action(s.inner.clone(), slot, id, req, viewer)).await
}

/// Runs `work` on its own task, so that dropping the caller's future (the
/// client went away) cannot stop it half-way. The task keeps the request's
/// trace and log span: what it anchors belongs to the request's trace.
async fn run_to_completion<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, Problem>> + Send + 'static,
) -> Result<T, Problem> {
    use opentelemetry::context::FutureExt as _;
    use tracing::Instrument as _;
    let work = work
        .instrument(tracing::Span::current())
        .with_context(crate::telemetry::trace::Context::current());
    tokio::spawn(work).await.map_err(|err| {
        tracing::error!(error = %err, "a state change task failed");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the change failed inside the engine",
        )
    })?
}

async fn apply_action(
    e: Arc<Engine>,
    slot: Arc<Slot>,
    id: String,
    req: ActionRequest,
    viewer: Option<String>,
) -> Result<Json<Value>, Problem> {
    let action = req
        .action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("other")
        .to_string();
    let mut waited = false;
    let (mut g, mut next, mut events, at_ms) = loop {
        let g = slot.game.lock().await;
        // The copy is dropped if the action is refused: `g` is untouched.
        let mut next = g.clone();
        let at_ms = now_ms();
        match next.apply_to_copy(&req.player_id, &req.action, at_ms) {
            Ok(ev) if ev.is_empty() => {
                tracing::error!(game_id = %id, "an action produced no event");
                return Err(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the action produced no event; nothing was applied (this is a bug)",
                ));
            }
            Ok(ev) => break (g, next, ev, at_ms),
            // A draw before the commitment is anchored: let go of the
            // game (the anchor is recorded under its lock), wait for the
            // anchor, and try once more.
            Err(GameError::Unanchored) if !waited => {
                drop(g);
                waited = true;
                let mut anchored = slot.anchored.subscribe();
                let _ = tokio::time::timeout(ANCHOR_WAIT, anchored.wait_for(|a| *a)).await;
            }
            Err(err) => {
                e.metrics.action(g.game_type, &action, false);
                if err == GameError::Unanchored {
                    tracing::warn!(game_id = %id, "a draw waited for its commitment's anchor in vain");
                }
                return Err(problem(&err));
            }
        }
    };
    // Money the events bring to the table is held for it before they are
    // stored (a join's buy-in): a player never sits with chips they lack.
    let with_wallet = next.wallet_settled.is_some();
    if with_wallet {
        super::settle::stamp(&mut events);
    }
    let reserve = if with_wallet {
        super::settle::reserve(&id, &events)
    } else {
        Vec::new()
    };
    if !reserve.is_empty()
        && let Err(err) = e.wallet.submit(reserve).await
    {
        e.metrics.action(g.game_type, &action, false);
        if matches!(err, super::wallet::WalletCallError::Unavailable(_)) {
            spawn_release(e.clone(), id.clone(), events);
        }
        return Err(wallet_problem(&err));
    }
    let settlement = if with_wallet {
        super::settle::settle(&id, &events)
    } else {
        Vec::new()
    };
    // Events that move no wallet money keep a settled game settled in the
    // same write.
    let was_settled = g.wallet_settled == Some(g.version);
    let settled = (with_wallet && was_settled && settlement.is_empty()).then_some(next.version);
    if settled.is_some() {
        next.wallet_settled = settled;
    }
    let snapshot = snapshot_due(g.version, next.version, next.status).then(|| next.clone());
    // Durable before it is answered (and before anyone sees it).
    if let Err(err) = e
        .store
        .write(Write {
            game_id: id.clone(),
            entry: Some(Entry {
                input: Input::Action {
                    player: req.player_id.clone(),
                    action: req.action.clone(),
                    at_ms,
                },
                events: events.clone(),
            }),
            snapshot,
            settled,
        })
        .await
    {
        tracing::error!(error = %err, game_id = %id, "store write failed");
        spawn_release(e.clone(), id.clone(), events);
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the game store is unavailable; the action was not applied",
        ));
    }
    let finished = g.status == GameStatus::Open && next.status == GameStatus::Finished;
    if finished {
        e.open_games.fetch_sub(1, Ordering::SeqCst);
        e.metrics.finished(next.game_type);
    }
    e.metrics.action(next.game_type, &action, true);
    e.metrics.moves(next.game_type, &events);
    *g = next;
    // Then the money out of the table (cash-outs, the house's share) and
    // the posts of what was reserved; if the wallet is down now, the
    // settler retries (the action itself is done and durable).
    if !settlement.is_empty() {
        if was_settled {
            match e.wallet.settle(settlement).await {
                Ok(()) => e.mark_settled(&mut g).await,
                Err(err) => {
                    tracing::warn!(game_id = %id, error = %err, "settlement left to the settler");
                    e.mark_unsettled(&id);
                }
            }
        } else {
            e.mark_unsettled(&id);
        }
    }
    e.resummarize(&slot, &g);
    slot.publish(&events);
    let body = json!({ "events": events, "game": g.view(viewer.as_deref()) });
    drop(g);
    // Each revealed link is ordered by the validators (batched like the rest).
    for ev in events.iter().filter(|ev| ev.kind == "round_ended") {
        if let Some(r) = ev.data["round"].as_u64() {
            spawn_round_anchor(e.clone(), id.clone(), r);
        }
    }
    if finished {
        spawn_anchor(e.clone(), id, "reveal");
    }
    Ok(Json(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Resume after this event id (the `Last-Event-ID` header wins).
    after: Option<u64>,
}

/// Server-sent events of every change; each event's id is its sequence
/// number, so a client resumes with `Last-Event-ID`.
#[utoipa::path(get, path = "/games/{id}/events", tag = "games", params(EventsQuery),
    responses((status = 200, description = "text/event-stream"), (status = 404), (status = 401)))]
async fn game_events(
    State(s): State<EngineState>,
    _caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let after = match headers.get("last-event-id") {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "Last-Event-ID must be an event number",
                )
            })?,
        None => q.after.unwrap_or(0),
    };
    let e = s.inner.clone();
    let slot = e.slot(&id).await?;
    // Subscribe first, then replay from the store: nothing falls in between.
    let live = slot.subscribe();
    // Read before the replay: a game finished now has its `finished` event
    // stored, so the replay carries it.
    let finished = slot.game.lock().await.status == GameStatus::Finished;
    let replay = e.store.events_after(&id, after, u32::MAX).map_err(|err| {
        tracing::error!(error = %err, "event replay failed");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the game store is unavailable",
        )
    })?;
    let last_replayed = replay.last().map(|ev| ev.seq).unwrap_or(after);
    // A finished game's stream ends: after its `finished` event, or at
    // once after the replay when that was already sent (later `anchored`
    // records are in the proof, and replayable with `?after=`).
    let replay = tokio_stream::iter(replay);
    let live = BroadcastStream::new(live)
        .map_while(|r| r.ok()) // lagged: end the stream; the client resumes by id
        .filter(move |ev| ev.seq > last_replayed)
        .take_while(move |_| !finished);
    let mut done = false;
    let stream = replay.chain(live).map_while(move |ev| {
        if done {
            return None;
        }
        done = ev.kind == "finished";
        Some(ev)
    });
    let stream = stream.map(|ev| {
        Ok::<_, Infallible>(
            SseEvent::default()
                .id(ev.seq.to_string())
                .event(ev.kind.clone())
                .data(serde_json::to_string(&ev).unwrap_or_default()),
        )
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Everything needed to recompute every roll and card: the commitment, the
/// client seed, each draw's nonce and result, and (once the game is
/// finished) the server seed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProofQuery {
    /// One round of a chain game (1-based): its link, contributions, draws
    /// and, once it has ended, its events (actions and settlements).
    round: Option<u64>,
}

fn e_events(s: &EngineState, id: &str, after: u64, limit: u32) -> Result<Vec<Event>, Problem> {
    s.inner.store.events_after(id, after, limit).map_err(|err| {
        tracing::error!(error = %err, "round events read failed");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the game store is unavailable",
        )
    })
}

/// With `?round=R`: 200 with round R alone (in progress: no link, no deck
/// order, no events); 422 for round 0 or a game without rounds (`legacy`,
/// `contributions`); 404 for a round that has not started.
#[utoipa::path(get, path = "/games/{id}/proof", tag = "games", params(ProofQuery),
    responses((status = 200, description = "The proof (or one round's)"),
              (status = 404, description = "Unknown game, or a round that has not started"),
              (status = 422, description = "round=0, or a game without rounds"),
              (status = 401)))]
async fn game_proof(
    State(s): State<EngineState>,
    _caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ProofQuery>,
) -> Result<Json<Value>, Problem> {
    let slot = s.inner.slot(&id).await?;
    let g = slot.game.lock().await;
    let Some(r) = q.round else {
        return Ok(Json(g.proof()));
    };
    let Some(chain) = g.fairness.chain.as_ref() else {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "this game has no rounds: it was created before seed chains (seed_scheme legacy or \
             contributions); GET /games/{id}/proof without ?round",
        ));
    };
    if r == 0 {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rounds are numbered from 1",
        ));
    }
    let started = chain.rounds.len() as u64;
    let Some(round) = g.round_proof(r) else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            format!("round {r} has not started (this game is at round {started})"),
        ));
    };
    let mut events = None;
    if let (Some(start), Some(end)) = (round["start_seq"].as_u64(), round["end_seq"].as_u64()) {
        let limit = u32::try_from(end.saturating_sub(start)).unwrap_or(u32::MAX);
        events = Some(e_events(&s, &id, start, limit)?);
    }
    let proof = g
        .round_document(r, events.as_deref())
        .unwrap_or(Value::Null);
    Ok(Json(proof))
}
