//! Checking a chain game's proof (pure): what `bitcraps game verify` runs on
//! `GET /games/{id}/proof` and `?round=R`. Independent of the engine's
//! state: it recomputes from the proof alone.
//!
//! For a round: the link hashes to its predecessor and, `r` hashes down,
//! to the commitment; the commitment was anchored (its height given) if
//! anything was drawn; the client seed is the mix of the round's
//! contributions, each accepted before the round's first draw; every draw
//! recomputes; and, with the round's events, every chip move replays: for
//! craps every bet placed, taken down and settled is recomputed from the
//! rules on the recomputed dice, and for every game the balances at the
//! round's end equal its start plus every move.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::fairness::{RandomSource, Seeds, chains_to, commitment, mix};
use super::games::cards::Card;
use super::games::craps::{BetKind, CrapsTable, Roll, settlement_moves};
use super::games::{ChipMove, Chips};

/// What a check found: notes for the reader, each draw recomputed, and the
/// breaches.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub notes: Vec<String>,
    pub draws: Vec<DrawCheck>,
    pub problems: Vec<String>,
}

/// One draw as recomputed: what the proof says it was and whether the seeds
/// give the same (`bitcraps game verify -o json` lists these as `draws`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DrawCheck {
    /// None for a game from before seed chains (one seed, no rounds).
    pub round: Option<u64>,
    pub nonce: u64,
    /// `dice` or `shuffle`.
    pub kind: String,
    /// The outcome, short: `3+4 = 7`, `312 cards: A♠ 7♦ K♣ 2♥ 9♠ …`.
    pub outcome: String,
    /// The seeds give exactly this outcome.
    pub ok: bool,
}

impl DrawCheck {
    /// Recomputes draw `d` (`{nonce, kind, result}`) from `seeds`.
    pub fn of(round: Option<u64>, seeds: &Seeds, d: &Value) -> DrawCheck {
        let nonce = d["nonce"].as_u64().unwrap_or(u64::MAX);
        let ok = recompute(seeds, nonce, d).as_ref() == Some(&d["result"]);
        DrawCheck {
            round,
            nonce,
            kind: d["kind"].as_str().unwrap_or("").to_string(),
            outcome: outcome(d),
            ok,
        }
    }
}

/// A draw's result as a reader sees it.
fn outcome(d: &Value) -> String {
    let result = &d["result"];
    match d["kind"].as_str() {
        Some("dice") => match (result[0].as_u64(), result[1].as_u64()) {
            (Some(a), Some(b)) => format!("{a}+{b} = {}", a + b),
            _ => format!("{result}"),
        },
        Some("shuffle") => {
            let cards: Vec<Card> = serde_json::from_value(result.clone()).unwrap_or_default();
            let first: Vec<String> = cards.iter().take(5).map(ToString::to_string).collect();
            format!(
                "{} cards: {}{}",
                cards.len(),
                first.join(" "),
                if cards.len() > 5 { " …" } else { "" }
            )
        }
        _ => format!("{result}"),
    }
}

impl Report {
    fn fail(&mut self, p: String) {
        self.problems.push(p);
    }
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn hex32(v: &Value) -> Option<[u8; 32]> {
    hex::decode(v.as_str()?)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
}

/// A full chain proof: every ended round's link, contributions and draws
/// (payouts need each round's events: [`verify_round`]).
pub fn verify_chain(proof: &Value) -> Report {
    let mut rep = Report::default();
    let Some(commit) = hex32(&proof["commitment"]) else {
        rep.fail("the proof has no valid commitment".into());
        return rep;
    };
    check_anchor(proof, &mut rep);
    let rounds = proof["rounds"].as_array().cloned().unwrap_or_default();
    let draws = proof["draws"].as_array().cloned().unwrap_or_default();
    let mut prev = commit;
    for (i, round) in rounds.iter().enumerate() {
        let r = round["round"].as_u64().unwrap_or(0);
        if r != i as u64 + 1 {
            rep.fail(format!("round {} is listed as round {r}", i + 1));
        }
        if round["ended"] != Value::Bool(true) {
            rep.notes.push(format!(
                "round {r} is in progress: its link is not revealed yet"
            ));
            continue;
        }
        let Some(link) = hex32(&round["link"]) else {
            rep.fail(format!("round {r} has ended but has no link"));
            continue;
        };
        if !chains_to(&link, &prev) {
            rep.fail(format!(
                "round {r}: SHA-256 of its link is not the previous link (round {})",
                r.saturating_sub(1)
            ));
        }
        prev = link;
        let mine: Vec<Value> = draws
            .iter()
            .filter(|d| d["round"].as_u64() == Some(r))
            .cloned()
            .collect();
        check_seeds_and_draws(r, round, &link, &mine, &mut rep);
    }
    rep
}

/// One round's proof (`?round=R`), with its events: everything above plus
/// every payout.
pub fn verify_round(proof: &Value) -> Report {
    let mut rep = Report::default();
    let round = &proof["round"];
    let r = round["round"].as_u64().unwrap_or(0);
    let Some(commit) = hex32(&proof["commitment"]) else {
        rep.fail("the proof has no valid commitment".into());
        return rep;
    };
    if round["ended"] != Value::Bool(true) {
        rep.fail(format!(
            "round {r} is in progress: its link is revealed when it ends"
        ));
        return rep;
    }
    check_anchor(proof, &mut rep);
    let (Some(link), Some(prev)) = (hex32(&round["link"]), hex32(&round["prev_link"])) else {
        rep.fail(format!("round {r}: no link or predecessor"));
        return rep;
    };
    if !chains_to(&link, &prev) {
        rep.fail(format!(
            "round {r}: SHA-256 of its link is not its predecessor"
        ));
    }
    let mut down = link;
    for _ in 0..r {
        down = commitment(&down);
    }
    if down != commit {
        rep.fail(format!(
            "round {r}: hashing its link {r} times does not give the commitment (a link from \
             another round or chain)"
        ));
    }
    let draws = round["draws"].as_array().cloned().unwrap_or_default();
    check_seeds_and_draws(r, round, &link, &draws, &mut rep);
    match round["events"].as_array() {
        Some(events) => check_events(proof, round, events, &link, &mut rep),
        None => rep.fail(format!(
            "round {r}: the proof carries no events to check payouts"
        )),
    }
    rep
}

/// Draws need the commitment in a committed block first.
fn check_anchor(proof: &Value, rep: &mut Report) {
    let heights: Vec<u64> = proof["anchors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["what"] == "commitment")
        .filter_map(|a| a["height"].as_u64())
        .collect();
    match proof["commitment_height"].as_u64() {
        Some(h) if heights.contains(&h) => {
            rep.notes.push(format!("commitment anchored at height {h}"));
        }
        _ => rep.fail(
            "the commitment has no anchor in a committed block (commitment_height), yet the \
             game drew"
                .into(),
        ),
    }
}

fn check_seeds_and_draws(
    r: u64,
    round: &Value,
    link: &[u8; 32],
    draws: &[Value],
    rep: &mut Report,
) {
    let contributions = round["contributions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mixed = mix(contributions.iter().map(|c| {
        (
            c["player"].as_str().unwrap_or(""),
            c["client_seed"].as_str().unwrap_or(""),
        )
    }));
    if round["client_seed"].as_str() != Some(mixed.as_str()) {
        rep.fail(format!(
            "round {r}: the client seed is not the mix of its {} contributions",
            contributions.len()
        ));
    }
    let seeds = Seeds {
        server_seed: *link,
        client_seed: mixed,
    };
    let first = round["first_nonce"].as_u64().unwrap_or(0);
    for (i, d) in draws.iter().enumerate() {
        let nonce = d["nonce"].as_u64().unwrap_or(u64::MAX);
        if nonce != first + i as u64 || d["round"].as_u64() != Some(r) {
            rep.fail(format!(
                "round {r}: draw {i} has nonce {nonce} (round {}), expected nonce {} of round {r}",
                d["round"],
                first + i as u64
            ));
        }
        let check = DrawCheck::of(Some(r), &seeds, d);
        if !check.ok {
            rep.fail(format!(
                "round {r}: draw {nonce} ({}) does not recompute",
                d["kind"]
            ));
        }
        rep.draws.push(check);
    }
    rep.notes.push(format!(
        "round {r}: link, {} contributions, {} draws checked",
        contributions.len(),
        draws.len()
    ));
}

fn recompute(seeds: &Seeds, nonce: u64, d: &Value) -> Option<Value> {
    match d["kind"].as_str()? {
        "dice" => {
            let (a, b) = seeds.dice(nonce);
            Some(serde_json::json!([a, b]))
        }
        "shuffle" => {
            let n = d["result"].as_array()?.len();
            let mut cards: Vec<Card> = (0..n / 52).flat_map(|_| Card::deck()).collect();
            seeds.shuffle(nonce, &mut cards);
            serde_json::to_value(cards).ok()
        }
        _ => None,
    }
}

fn apply_moves(balances: &mut BTreeMap<String, Chips>, moves: &[ChipMove]) -> Result<(), String> {
    for m in moves {
        match m {
            ChipMove::Stake { player, amount } => {
                let b = balances
                    .get_mut(player)
                    .ok_or_else(|| format!("{player} stakes without a seat"))?;
                *b = b
                    .checked_sub(*amount)
                    .ok_or_else(|| format!("{player} stakes {amount} with {b} chips"))?;
            }
            ChipMove::Return { player, amount } | ChipMove::Pay { player, amount } => {
                *balances.entry(player.clone()).or_insert(0) += amount;
            }
            ChipMove::Collect { .. } => {}
        }
    }
    Ok(())
}

/// Replays the round's events from its start state.
fn check_events(proof: &Value, round: &Value, events: &[Value], link: &[u8; 32], rep: &mut Report) {
    let r = round["round"].as_u64().unwrap_or(0);
    let start = &round["start"];
    let mut balances: BTreeMap<String, Chips> =
        serde_json::from_value(start["balances"].clone()).unwrap_or_default();
    let mut seats: Vec<String> = serde_json::from_value(start["seats"].clone()).unwrap_or_default();
    let craps = proof["game_type"] == "craps";
    // What backs the table, followed through the round: whether a contract
    // bet could come down depends on it.
    let Some(mut house) = start["house"].as_u64() else {
        rep.fail(format!("round {r}: its start names no house bankroll"));
        return;
    };
    let mut table: Option<CrapsTable> = if craps {
        match serde_json::from_value(start["table"].clone()) {
            Ok(t) => Some(t),
            Err(e) => {
                rep.fail(format!(
                    "round {r}: the craps layout it started from does not parse: {e}"
                ));
                return;
            }
        }
    } else {
        None
    };
    let client_seed = round["client_seed"].as_str().unwrap_or("").to_string();
    let seeds = Seeds {
        server_seed: *link,
        client_seed,
    };
    let first_draw_seq = events
        .iter()
        .find(|e| e["data"]["nonce"].as_u64().is_some())
        .and_then(|e| e["seq"].as_u64());
    let seeded: HashMap<(String, String), u64> = events
        .iter()
        .filter(|e| e["kind"] == "seeded")
        .filter_map(|e| {
            Some((
                (
                    e["player"].as_str()?.to_string(),
                    e["data"]["client_seed"].as_str()?.to_string(),
                ),
                e["seq"].as_u64()?,
            ))
        })
        .collect();
    for c in round["contributions"].as_array().into_iter().flatten() {
        let key = (
            c["player"].as_str().unwrap_or("").to_string(),
            c["client_seed"].as_str().unwrap_or("").to_string(),
        );
        match (seeded.get(&key), first_draw_seq) {
            (None, _) => rep.fail(format!(
                "round {r}: contribution of {} has no seeded event in the round",
                key.0
            )),
            (Some(s), Some(d)) if *s > d => rep.fail(format!(
                "round {r}: contribution of {} came after the round's first draw",
                key.0
            )),
            _ => {}
        }
    }
    let (mut bets, mut settled) = (0u64, 0u64);
    for ev in events {
        let seq = ev["seq"].as_u64().unwrap_or(0);
        let kind = ev["kind"].as_str().unwrap_or("");
        let player = ev["player"].as_str().unwrap_or("").to_string();
        let moves: Vec<ChipMove> = match serde_json::from_value(
            ev.get("moves").cloned().unwrap_or(Value::Array(Vec::new())),
        ) {
            Ok(m) => m,
            Err(_) => {
                rep.fail(format!("round {r}: event {seq} has unreadable moves"));
                continue;
            }
        };
        if let Some(t) = table.as_mut() {
            let expected = match craps_event(t, &mut seats, &seeds, ev, &player, house) {
                Ok(e) => e,
                Err(p) => {
                    rep.fail(format!("round {r}: event {seq} ({kind}): {p}"));
                    continue;
                }
            };
            if let Some((exp, n_bets, n_settled)) = expected {
                bets += n_bets;
                settled += n_settled;
                if exp != moves {
                    rep.fail(format!(
                        "round {r}: event {seq} ({kind}) moved chips the rules do not: expected \
                         {exp:?}, the proof says {moves:?}"
                    ));
                }
            }
        }
        if kind == "joined" {
            let buy_in = ev["data"]["buy_in"].as_u64().unwrap_or(0);
            *balances.entry(player.clone()).or_insert(0) += buy_in;
            if !craps {
                seats.push(player.clone());
            }
        }
        if let Err(p) = apply_moves(&mut balances, &moves) {
            rep.fail(format!("round {r}: event {seq} ({kind}): {p}"));
        }
        for m in &moves {
            match m {
                ChipMove::Pay { amount, .. } => match house.checked_sub(*amount) {
                    Some(h) => house = h,
                    None => rep.fail(format!(
                        "round {r}: event {seq} ({kind}): the house pays {amount} holding {house}"
                    )),
                },
                ChipMove::Collect { amount, .. } => house = house.saturating_add(*amount),
                ChipMove::Stake { .. } | ChipMove::Return { .. } => {}
            }
        }
        if kind == "left" {
            let had = balances.remove(&player).unwrap_or(0);
            if ev["data"]["cashed_out"].as_u64() != Some(had) {
                rep.fail(format!(
                    "round {r}: event {seq}: {player} cashed out {} but held {had}",
                    ev["data"]["cashed_out"]
                ));
            }
        }
        if kind == "round_ended" && ev["data"]["house"].as_u64() != Some(house) {
            rep.fail(format!(
                "round {r}: the house at the round's end {} is not its start plus every move \
                 ({house})",
                ev["data"]["house"]
            ));
        }
        if kind == "round_ended" {
            let claimed: BTreeMap<String, Chips> =
                serde_json::from_value(ev["data"]["balances"].clone()).unwrap_or_default();
            if claimed != balances {
                rep.fail(format!(
                    "round {r}: balances at the round's end {claimed:?} are not its start plus \
                     every move {balances:?}"
                ));
            }
        }
    }
    if craps {
        rep.notes.push(format!(
            "round {r}: {bets} bets placed or taken down and {settled} bet resolutions recomputed"
        ));
    } else {
        rep.notes.push(format!(
            "round {r}: {} events replayed against the balances",
            events.len()
        ));
    }
}

/// One craps event on the replayed layout: the moves the rules make, with
/// counts of bets and resolutions; `None` for events with no rule (seeds,
/// anchors, the round's end).
fn craps_event(
    t: &mut CrapsTable,
    seats: &mut Vec<String>,
    seeds: &Seeds,
    ev: &Value,
    player: &str,
    house: Chips,
) -> Result<Option<(Vec<ChipMove>, u64, u64)>, String> {
    let data = &ev["data"];
    let kind = ev["kind"].as_str().unwrap_or("");
    match kind {
        "bet" => {
            let bet: BetKind =
                serde_json::from_value(data["bet"].clone()).map_err(|e| e.to_string())?;
            let amount = data["amount"].as_u64().ok_or("no amount")?;
            let id = t.place(player, bet, amount).map_err(|e| e.to_string())?;
            if data["bet_id"].as_u64() != Some(id) {
                return Err(format!(
                    "bet id {} where the layout gives {id}",
                    data["bet_id"]
                ));
            }
            let stake = ChipMove::Stake {
                player: player.to_string(),
                amount,
            };
            Ok(Some((vec![stake], 1, 0)))
        }
        "removed" => {
            let bet: BetKind =
                serde_json::from_value(data["bet"].clone()).map_err(|e| e.to_string())?;
            let amount = t.remove(player, bet, house).map_err(|e| e.to_string())?;
            let back = ChipMove::Return {
                player: player.to_string(),
                amount,
            };
            Ok(Some((vec![back], 1, 0)))
        }
        "rolled" => {
            let nonce = data["nonce"].as_u64().ok_or("no nonce")?;
            let (a, b) = seeds.dice(nonce);
            let outcome = t.roll(Roll::new(a, b), seats);
            let mine = serde_json::to_value(&outcome).map_err(|e| e.to_string())?;
            if mine != data["outcome"] {
                return Err(format!(
                    "the roll {a}+{b} settles the layout as {mine}, the proof says {}",
                    data["outcome"]
                ));
            }
            let n = outcome.settled.len() as u64;
            Ok(Some((settlement_moves(&outcome.settled), 0, n)))
        }
        "joined" => {
            seats.push(player.to_string());
            t.seat_changed(seats);
            Ok(None)
        }
        "left" => {
            seats.retain(|s| s != player);
            t.seat_changed(seats);
            Ok(Some((Vec::new(), 0, 0)))
        }
        "refunded" => {
            let moves = std::mem::take(&mut t.bets)
                .into_iter()
                .map(|b| ChipMove::Return {
                    player: b.player,
                    amount: b.amount,
                })
                .collect();
            Ok(Some((moves, 0, 0)))
        }
        _ => Ok(None),
    }
}
