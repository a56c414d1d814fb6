//! The engine's business metrics (Prometheus): games by type and state,
//! actions by kind and outcome, and chips staked, paid and collected. Labels
//! are bounded (game type, a fixed set of action words), never game ids.

use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry};

use super::game::{Event, GameType};
use super::games::ChipMove;

#[derive(Clone)]
pub struct EngineMetrics {
    created: IntCounterVec,
    open: IntGaugeVec,
    finished: IntCounterVec,
    actions: IntCounterVec,
    chips: IntCounterVec,
    settlement_refused: prometheus::IntCounter,
    in_memory: prometheus::IntGauge,
}

/// Action words a label may take; anything else counts as `other`.
const ACTIONS: &[&str] = &[
    "join",
    "leave",
    "close",
    "bet",
    "remove",
    "roll",
    "deal",
    "hit",
    "stand",
    "double",
    "split",
    "surrender",
    "insurance",
    "decline_insurance",
    "fold",
    "check",
    "call",
    "raise",
    "all_in",
];

impl EngineMetrics {
    pub fn new(r: &Registry) -> anyhow::Result<EngineMetrics> {
        let created = IntCounterVec::new(
            Opts::new(
                "bitcraps_engine_games_created_total",
                "Games created, by type.",
            ),
            &["game_type"],
        )?;
        let open = IntGaugeVec::new(
            Opts::new("bitcraps_engine_games_open", "Games open now, by type."),
            &["game_type"],
        )?;
        let finished = IntCounterVec::new(
            Opts::new(
                "bitcraps_engine_games_finished_total",
                "Games finished, by type.",
            ),
            &["game_type"],
        )?;
        let actions = IntCounterVec::new(
            Opts::new(
                "bitcraps_engine_actions_total",
                "Player actions, by game type, action and outcome (applied or refused).",
            ),
            &["game_type", "action", "outcome"],
        )?;
        let chips = IntCounterVec::new(
            Opts::new(
                "bitcraps_engine_chips_total",
                "Chips moved by the ledger, by game type and movement: staked (player to table), returned, paid (house to player), collected (table to house). The house result is collected - paid.",
            ),
            &["game_type", "movement"],
        )?;
        r.register(Box::new(created.clone()))?;
        r.register(Box::new(open.clone()))?;
        r.register(Box::new(finished.clone()))?;
        r.register(Box::new(actions.clone()))?;
        r.register(Box::new(chips.clone()))?;
        let settlement_refused = prometheus::IntCounter::new(
            "bitcraps_engine_settlements_refused_total",
            "Game settlements the wallet refused for good (the game's chips stay in its table account until an operator acts).",
        )?;
        r.register(Box::new(settlement_refused.clone()))?;
        let in_memory = prometheus::IntGauge::new(
            "bitcraps_engine_games_in_memory",
            "Games held in memory: open ones, finished ones with an anchor or settlement outstanding, and finished ones read from the store lately (the rest are served from the store).",
        )?;
        r.register(Box::new(in_memory.clone()))?;
        Ok(EngineMetrics {
            in_memory,
            created,
            open,
            finished,
            actions,
            chips,
            settlement_refused,
        })
    }

    pub fn in_memory(&self, games: usize) {
        self.in_memory.set(i64::try_from(games).unwrap_or(i64::MAX));
    }

    pub fn settlement_refused(&self) {
        self.settlement_refused.inc();
    }

    pub fn loaded(&self, t: GameType, open: bool) {
        if open {
            self.open.with_label_values(&[t.to_string().as_str()]).inc();
        }
    }

    pub fn created(&self, t: GameType) {
        self.created.with_label_values(&[&t.to_string()]).inc();
        self.open.with_label_values(&[&t.to_string()]).inc();
    }

    pub fn finished(&self, t: GameType) {
        self.finished.with_label_values(&[&t.to_string()]).inc();
        self.open.with_label_values(&[&t.to_string()]).dec();
    }

    pub fn action(&self, t: GameType, action: &str, applied: bool) {
        let a = if ACTIONS.contains(&action) {
            action
        } else {
            "other"
        };
        let ty = t.to_string();
        let outcome = if applied { "applied" } else { "refused" };
        self.actions
            .with_label_values(&[ty.as_str(), a, outcome])
            .inc();
    }

    pub fn moves(&self, t: GameType, events: &[Event]) {
        let ty = t.to_string();
        for m in events.iter().flat_map(|e| e.moves.iter()) {
            let (movement, amount) = match m {
                ChipMove::Stake { amount, .. } => ("staked", amount),
                ChipMove::Return { amount, .. } => ("returned", amount),
                ChipMove::Pay { amount, .. } => ("paid", amount),
                ChipMove::Collect { amount, .. } => ("collected", amount),
            };
            self.chips
                .with_label_values(&[ty.as_str(), movement])
                .inc_by(*amount);
        }
    }
}
