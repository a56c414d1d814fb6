//! The wallet transfers a game's events imply (pure).
//!
//! A table's chips live in the wallet's escrow account `table:<game id>`:
//! buy-ins come from `player:<id>`, the bankroll from `house`, and at the
//! end every chip goes back — cash-outs to the players, the rest to the
//! house. Every transfer id is derived from the game id, the event's
//! sequence number and the player, so the engine can send any of them again
//! after a crash and the wallet answers the original instead of moving
//! chips twice.
//!
//! Two steps per change:
//! - [`reserve`], *before* the events are stored: buy-ins and the bankroll
//!   as pending transfers (the chips are held for the table, so the game
//!   never seats chips the player does not have). If the engine dies before
//!   storing the events, the reservations expire and the chips return.
//! - [`settle`], *after* the events are stored: post those reservations,
//!   pay cash-outs, return the house's share. Retried until the wallet
//!   takes them (the engine reconciles its games when it starts).

use serde_json::Value;

use super::game::Event;
use crate::services::wallet::ledger::{HOUSE, TransferRequest};

/// How long a reservation waits to be posted before the wallet returns the
/// chips (the engine posts right after storing; this covers a crash).
pub const RESERVE_TIMEOUT_MS: u64 = 3_600_000;

pub fn table_account(game_id: &str) -> String {
    format!("table:{game_id}")
}

pub fn player_account(player: &str) -> String {
    format!("player:{player}")
}

/// Every id starts with the engines' namespace (`engine.`), which the
/// wallet keeps for engines alone. A reservation's id carries the nonce its
/// event recorded (`data.reservation`): a join retried after a failed
/// store gets a new reservation, never the answer of an old one that was
/// voided or expired. Player ids cannot contain `:`, so the `:<player>`
/// and `:post` / `:void` / `:late` parts cannot collide.
fn reservation_prefix(game_id: &str, e: &Event) -> String {
    match e.data["reservation"].as_str() {
        Some(n) => format!("engine.{game_id}.{}.{n}", e.seq),
        None => format!("engine.{game_id}.{}", e.seq),
    }
}

/// One settlement step: the transfer, and what to send instead if the
/// wallet refuses it for good (a reservation voided or expired before its
/// post: the chips move single-phase, if the account still has them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub transfer: TransferRequest,
    pub fallback: Option<TransferRequest>,
}

/// What one event holds for the table (buy-ins, bankroll) and pays out
/// (cash-outs, the house's share).
struct Moves {
    /// (transfer id, from account, amount) into the table, reserved first.
    into_table: Vec<(String, String, u64)>,
    /// (transfer id, to account, amount) out of the table.
    out_of_table: Vec<(String, String, u64)>,
}

fn moves(game_id: &str, e: &Event) -> Moves {
    let mut m = Moves {
        into_table: Vec::new(),
        out_of_table: Vec::new(),
    };
    let amount = |v: &Value| v.as_u64().unwrap_or(0);
    let cashout = |p: &str| format!("engine.{game_id}.{}.cashout:{p}", e.seq);
    match e.kind.as_str() {
        "created" => {
            let prefix = reservation_prefix(game_id, e);
            let bankroll = amount(&e.data["bankroll"]);
            if bankroll > 0 {
                m.into_table
                    .push((format!("{prefix}.bankroll"), HOUSE.to_string(), bankroll));
            }
            for p in e.data["players"].as_array().into_iter().flatten() {
                if let (Some(id), b) = (p["id"].as_str(), amount(&p["buy_in"]))
                    && b > 0
                {
                    m.into_table
                        .push((format!("{prefix}.buyin:{id}"), player_account(id), b));
                }
            }
        }
        "joined" => {
            if let Some(p) = &e.player {
                let b = amount(&e.data["buy_in"]);
                if b > 0 {
                    let prefix = reservation_prefix(game_id, e);
                    m.into_table
                        .push((format!("{prefix}.buyin:{p}"), player_account(p), b));
                }
            }
        }
        "left" => {
            if let Some(p) = &e.player {
                let c = amount(&e.data["cashed_out"]);
                if c > 0 {
                    m.out_of_table.push((cashout(p), player_account(p), c));
                }
            }
        }
        "finished" => {
            if let Some(balances) = e.data["balances"].as_object() {
                for (p, c) in balances {
                    let c = amount(c);
                    if c > 0 {
                        m.out_of_table.push((cashout(p), player_account(p), c));
                    }
                }
            }
            let h = amount(&e.data["house"]);
            if h > 0 {
                m.out_of_table.push((
                    format!("engine.{game_id}.{}.house", e.seq),
                    HOUSE.to_string(),
                    h,
                ));
            }
        }
        _ => {}
    }
    m
}

/// Pending transfers into the table for `events`, to make (all or none)
/// before they are stored.
pub fn reserve(game_id: &str, events: &[Event]) -> Vec<TransferRequest> {
    let table = table_account(game_id);
    events
        .iter()
        .flat_map(|e| moves(game_id, e).into_table)
        .map(|(id, from, amount)| {
            TransferRequest::pending(&id, &from, &table, amount, RESERVE_TIMEOUT_MS)
        })
        .collect()
}

/// Steps that complete `events` once they are stored: each reservation's
/// post (falling back to a single-phase move), then every payment out of
/// the table, in order.
pub fn settle(game_id: &str, events: &[Event]) -> Vec<Step> {
    let table = table_account(game_id);
    let mut out = Vec::new();
    for e in events {
        let m = moves(game_id, e);
        for (id, from, amount) in m.into_table {
            out.push(Step {
                transfer: TransferRequest::post(&format!("{id}:post"), &id),
                fallback: Some(TransferRequest::single(
                    &format!("{id}:late"),
                    &from,
                    &table,
                    amount,
                )),
            });
        }
        for (id, to, amount) in m.out_of_table {
            out.push(Step {
                transfer: TransferRequest::single(&id, &table, &to, amount),
                fallback: None,
            });
        }
    }
    out
}

/// Voids of `reserve(events)`: what to undo when the events could not be
/// stored.
pub fn release(game_id: &str, events: &[Event]) -> Vec<TransferRequest> {
    reserve(game_id, events)
        .into_iter()
        .map(|r| void_of(&r.id))
        .collect()
}

/// This process's life: 8 random hex digits, the start of every
/// reservation nonce it makes. When the engine starts, reservations of
/// other lives whose events are not stored are orphans of a crash (see
/// [`orphans`]); this life's own may be in flight and are left alone.
pub fn life() -> &'static str {
    static LIFE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LIFE.get_or_init(|| {
        let mut b = [0u8; 4];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
        hex::encode(b)
    })
}

/// The void of reservation `id`: its id derived from the reservation's, so
/// voiding it again (a retry, another engine run) is answered, not doubled.
fn void_of(id: &str) -> TransferRequest {
    TransferRequest::void(&format!("{id}:void"), id)
}

/// A fresh reservation nonce for an event's `data.reservation`: this
/// life's 8 hex digits, then 8 random ones.
pub fn nonce() -> String {
    let mut b = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
    format!("{}{}", life(), hex::encode(b))
}

/// The voids for open reservations (`open`: pending transfers into this
/// engine's tables, as the wallet lists them) that no stored event makes:
/// a crash between reserving and storing left them, and they would hold
/// the players' chips until they expire. `stored(game)` gives the ids the
/// game's stored events reserve ([`reserve`] of them), or `None` when the
/// store cannot say (that game's reservations are left to expire: never
/// void what may be real); reservations made by `life` (this process) are
/// skipped, since their events may be being stored right now.
pub fn orphans(
    open: &[crate::services::wallet::ledger::Transfer],
    life: &str,
    mut stored: impl FnMut(&str) -> Option<std::collections::BTreeSet<String>>,
) -> Vec<TransferRequest> {
    type Ids = Option<std::collections::BTreeSet<String>>;
    let mut by_game: std::collections::BTreeMap<String, Ids> = std::collections::BTreeMap::new();
    let mut voids = Vec::new();
    for t in open {
        // `engine.{game}.{seq}.{nonce}.{what}`: game ids hold no dots.
        let nonce = t.id.splitn(4, '.').nth(3).unwrap_or("");
        if nonce.starts_with(life) {
            continue;
        }
        let Some(game) = t.credit.strip_prefix("table:") else {
            continue;
        };
        let ids = by_game
            .entry(game.to_string())
            .or_insert_with(|| stored(game));
        if ids.as_ref().is_some_and(|ids| !ids.contains(&t.id)) {
            voids.push(void_of(&t.id));
        }
    }
    voids
}

/// Gives the events that bring chips to the table (`created`, `joined`) a
/// fresh reservation nonce.
pub fn stamp(events: &mut [Event]) {
    for e in events {
        if matches!(e.kind.as_str(), "created" | "joined")
            && let Some(d) = e.data.as_object_mut()
        {
            d.insert("reservation".into(), Value::String(nonce()));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::services::wallet::ledger::{
        Head, ISSUANCE, Submission, TransferRequest as T, Working,
    };

    fn ev(seq: u64, kind: &str, player: Option<&str>, data: Value) -> Event {
        Event {
            seq,
            at_ms: 0,
            kind: kind.into(),
            player: player.map(str::to_string),
            data,
            moves: Vec::new(),
        }
    }

    /// After a crash, the reservations no stored event made are voided
    /// (the chips are the player's again at once, not in an hour); those a
    /// stored event made are left for the settler to post, and this
    /// life's own, perhaps being stored right now, are left alone.
    #[test]
    fn orphans_are_reservations_of_other_lives_no_stored_event_makes() {
        let g = "e0-abc";
        let mut w = Working::new(Head::default());
        w.submit(
            &Submission::one(T::single("d", ISSUANCE, "player:alice", 1_000)),
            1,
        )
        .expect("deposit");
        let join = |seq: u64, buy_in: u64, nonce: &str| {
            ev(
                seq,
                "joined",
                Some("alice"),
                json!({"buy_in": buy_in, "reservation": nonce}),
            )
        };
        let stored = join(2, 100, "aaaaaaaa00000001");
        let lost = join(3, 50, "aaaaaaaa00000002");
        let in_flight = join(4, 25, "bbbbbbbb00000003");
        // Legacy ids (no nonce) of a game that is not stored at all.
        let legacy = ev(1, "joined", Some("alice"), json!({"buy_in": 5}));
        let mut open = Vec::new();
        for (game, e) in [
            (g, &stored),
            (g, &lost),
            (g, &in_flight),
            ("e0-gone", &legacy),
        ] {
            let a = w
                .submit(
                    &Submission::linked(reserve(game, std::slice::from_ref(e))),
                    2,
                )
                .expect("reserve");
            open.extend(a.transfers);
        }
        let mut asked = Vec::new();
        let voids = orphans(&open, "bbbbbbbb", |game| {
            asked.push(game.to_string());
            let events = if game == g {
                vec![stored.clone()]
            } else {
                Vec::new()
            };
            Some(reserve(game, &events).into_iter().map(|r| r.id).collect())
        });
        assert_eq!(asked, [g, "e0-gone"], "each game's store is read once");
        let voided: Vec<&str> = voids
            .iter()
            .filter_map(|v| v.void_pending.as_deref())
            .collect();
        assert_eq!(
            voided,
            [
                format!("engine.{g}.3.aaaaaaaa00000002.buyin:alice"),
                "engine.e0-gone.1.buyin:alice".to_string()
            ]
        );
        // A game whose store cannot be read keeps its reservations.
        assert!(orphans(&open, "bbbbbbbb", |_| None).is_empty());
        w.submit(&Submission::linked(voids), 3).expect("void");
        let alice = &w.accounts["player:alice"];
        assert_eq!(alice.available(), 1_000 - 100 - 25, "{alice:?}");
    }

    /// A whole table's life through the real ledger: funded, joined,
    /// left, finished — the escrow ends at zero and nothing is made or
    /// lost; replaying every step again changes nothing.
    #[test]
    fn a_table_returns_every_chip_and_retries_move_nothing() {
        let g = "e0-abc";
        let mut w = Working::new(Head::default());
        for (id, to, n) in [
            ("d1", "player:alice", 1_000),
            ("d2", "player:bob", 500),
            ("d3", HOUSE, 10_000),
        ] {
            w.submit(&Submission::one(T::single(id, ISSUANCE, to, n)), 1)
                .expect("deposit");
        }
        let life = [
            vec![ev(
                1,
                "created",
                None,
                json!({"players": [{"id": "alice", "buy_in": 600}], "bankroll": 5_000}),
            )],
            vec![ev(2, "joined", Some("bob"), json!({"buy_in": 500}))],
            vec![ev(3, "left", Some("bob"), json!({"cashed_out": 300}))],
            vec![ev(
                4,
                "finished",
                None,
                json!({"balances": {"alice": 900}, "house": 4_900}),
            )],
        ];
        for step in life.iter().chain(life.iter()) {
            let r = reserve(g, step);
            if !r.is_empty() {
                // A retry of a reservation already posted is answered as
                // the original (a replay), not applied again.
                w.submit(&Submission::linked(r), 2).expect("reserve");
            }
            for t in settle(g, step) {
                w.submit(&Submission::one(t.transfer), 3).expect("settle");
            }
        }
        let bal = |id: &str| w.accounts.get(id).map_or(0, |a| a.balance());
        assert_eq!(bal("table:e0-abc"), 0);
        assert_eq!(bal("player:alice"), 1_300);
        assert_eq!(bal("player:bob"), 300);
        assert_eq!(bal(HOUSE), 9_900);
        assert_eq!(w.accounts.values().map(|a| a.balance()).sum::<i128>(), 0);
    }

    #[test]
    fn a_buy_in_the_player_cannot_cover_is_refused_whole() {
        let mut w = Working::new(Head::default());
        w.submit(
            &Submission::one(T::single("d1", ISSUANCE, "player:alice", 100)),
            1,
        )
        .expect("deposit");
        w.submit(&Submission::one(T::single("d2", ISSUANCE, HOUSE, 100)), 1)
            .expect("deposit");
        let created = [ev(
            1,
            "created",
            None,
            json!({"players": [{"id": "alice", "buy_in": 101}], "bankroll": 50}),
        )];
        assert!(
            w.submit(&Submission::linked(reserve("g", &created)), 2)
                .is_err()
        );
        assert_eq!(
            w.accounts["house"].available(),
            100,
            "the bankroll was not taken either"
        );
    }

    /// A join retried after its reservation was voided (the engine could
    /// not store it) gets a new reservation: the old void is never the
    /// answer to the new post. And a reservation that expired before its
    /// post falls back to a single-phase move.
    #[test]
    fn a_retried_join_reserves_afresh_and_a_late_post_falls_back() {
        let mut w = Working::new(Head::default());
        w.submit(
            &Submission::one(T::single("d1", ISSUANCE, "player:alice", 100)),
            1,
        )
        .expect("deposit");
        let mut first = vec![ev(7, "joined", Some("alice"), json!({"buy_in": 40}))];
        stamp(&mut first);
        w.submit(&Submission::linked(reserve("g", &first)), 2)
            .expect("reserve");
        w.submit(&Submission::linked(release("g", &first)), 3)
            .expect("release");
        let mut retry = vec![ev(7, "joined", Some("alice"), json!({"buy_in": 40}))];
        stamp(&mut retry);
        assert_ne!(reserve("g", &first), reserve("g", &retry));
        let a = w
            .submit(&Submission::linked(reserve("g", &retry)), 4)
            .expect("reserve again");
        assert!(!a.replayed, "a fresh reservation, not the voided one");
        for s in settle("g", &retry) {
            w.submit(&Submission::one(s.transfer), 5).expect("post");
        }
        assert_eq!(w.accounts["table:g"].balance(), 40);

        let mut late = vec![ev(8, "joined", Some("alice"), json!({"buy_in": 10}))];
        stamp(&mut late);
        let mut r = reserve("g", &late);
        r[0].pending_timeout_ms = Some(1);
        w.submit(&Submission::linked(r), 6).expect("reserve");
        let expiring: Vec<_> = w
            .transfers
            .values()
            .filter(|t| t.expires_ms == Some(7))
            .cloned()
            .collect();
        w.expire(&expiring, 100).expect("expire");
        let step = settle("g", &late).remove(0);
        assert!(
            w.submit(&Submission::one(step.transfer), 101).is_err(),
            "expired"
        );
        w.submit(&Submission::one(step.fallback.expect("fallback")), 102)
            .expect("single-phase instead");
        assert_eq!(w.accounts["table:g"].balance(), 50);
        assert_eq!(w.accounts["player:alice"].balance(), 50);
    }

    #[test]
    fn player_ids_cannot_make_colliding_transfer_ids() {
        let mut created = vec![ev(
            1,
            "created",
            None,
            json!({"players": [{"id": "a", "buy_in": 1}, {"id": "a.post", "buy_in": 1}], "bankroll": 0}),
        )];
        stamp(&mut created);
        let mut ids: Vec<String> = reserve("g", &created).into_iter().map(|r| r.id).collect();
        ids.extend(settle("g", &created).into_iter().map(|s| s.transfer.id));
        ids.extend(release("g", &created).into_iter().map(|r| r.id));
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "{ids:?}");
    }

    #[test]
    fn released_reservations_return_the_chips() {
        let mut w = Working::new(Head::default());
        w.submit(
            &Submission::one(T::single("d1", ISSUANCE, "player:alice", 100)),
            1,
        )
        .expect("deposit");
        let joined = [ev(7, "joined", Some("alice"), json!({"buy_in": 40}))];
        w.submit(&Submission::linked(reserve("g", &joined)), 2)
            .expect("reserve");
        assert_eq!(w.accounts["player:alice"].available(), 60);
        w.submit(&Submission::linked(release("g", &joined)), 3)
            .expect("release");
        assert_eq!(w.accounts["player:alice"].available(), 100);
    }
}
