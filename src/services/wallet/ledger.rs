//! The wallet's double-entry ledger (pure: no IO, no clock).
//!
//! Accounts (`player:<sub>`, `table:<game>`, `house`, `issuance`) keep four
//! totals: posted and pending debits and credits. A transfer moves an amount
//! from its debit account to its credit account; every transfer adds the
//! same amount to one debit total and one credit total, so the sum of all
//! balances (credits − debits) is zero at every instant — issuance is the
//! negative side of every chip in circulation. Player, table and house
//! accounts may never go below zero: their posted plus pending debits never
//! exceed their posted credits (TigerBeetle's
//! `debits_must_not_exceed_credits`).
//!
//! Transfers are single-phase, or two-phase: a `pending` transfer reserves
//! the amount (pending totals) until it is posted (moved to posted totals),
//! voided, or expires at its deadline. Ids are the client's: the same id
//! with the same request answers the original transfer; the same id with a
//! different request is a conflict. A linked batch applies all or none.
//!
//! Every applied transfer gets the next sequence number and a hash that
//! covers the previous one ([`Transfer::chain_hash`]), so the log is
//! tamper-evident; [`audit`] recomputes every balance and the chain from the
//! log alone.
//!
//! The store loads what a batch touches into a [`Working`] set (see
//! [`Working::transfer_ids_needed`] and [`Working::account_ids_needed`]),
//! the core applies the batch, and the store writes back what changed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Chips. Amounts and every account total stay at most [`MAX_AMOUNT`].
pub type Amount = u64;

/// The largest amount and the largest account total: 2⁶³ − 1, so every
/// figure fits a signed 64-bit column in SQLite and PostgreSQL.
pub const MAX_AMOUNT: Amount = i64::MAX as u64;
/// Longest account name, in bytes.
pub const MAX_ID_BYTES: usize = 128;
/// Longest transfer id, in bytes.
pub const MAX_TRANSFER_ID_BYTES: usize = 256;
pub const MAX_MEMO_BYTES: usize = 256;
/// Longest a pending transfer may wait (one day).
pub const MAX_PENDING_TIMEOUT_MS: u64 = 86_400_000;
/// Most transfers in one linked batch.
pub const MAX_LINKED: usize = 256;

pub const HOUSE: &str = "house";
/// Ids the wallet gives expiries (`expire:<pending id>`); no client may.
pub const EXPIRY_PREFIX: &str = "expire:";
pub const ISSUANCE: &str = "issuance";
/// Domain separation for the hash chain (the first link's predecessor is
/// 32 zero bytes).
pub const CHAIN_DOMAIN: &[u8] = b"bitcraps-wallet-v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Player,
    Table,
    House,
    Issuance,
}

impl AccountKind {
    /// Its name (as stored and served).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Player => "player",
            AccountKind::Table => "table",
            AccountKind::House => "house",
            AccountKind::Issuance => "issuance",
        }
    }

    /// Every kind but issuance must keep debits within credits.
    pub fn may_go_negative(self) -> bool {
        self == AccountKind::Issuance
    }
}

/// Parses and checks an account id: `player:<sub>`, `table:<game id>`,
/// `house` or `issuance`; names are 1–128 bytes of `[A-Za-z0-9._@:-]`.
pub fn account_kind(id: &str) -> Result<AccountKind, LedgerError> {
    let bad = |why: &str| LedgerError::Invalid(format!("account {id:?}: {why}"));
    if id == HOUSE {
        return Ok(AccountKind::House);
    }
    if id == ISSUANCE {
        return Ok(AccountKind::Issuance);
    }
    let (kind, name) = if let Some(n) = id.strip_prefix("player:") {
        (AccountKind::Player, n)
    } else if let Some(n) = id.strip_prefix("table:") {
        (AccountKind::Table, n)
    } else {
        return Err(bad(
            "accounts are player:<name>, table:<game id>, house or issuance",
        ));
    };
    check_name(name).map_err(|e| bad(&e))?;
    if id.len() > MAX_ID_BYTES {
        return Err(bad("longer than 128 bytes"));
    }
    Ok(kind)
}

fn check_name(name: &str) -> Result<(), String> {
    check_chars(name, MAX_ID_BYTES)
}

fn check_chars(name: &str, max: usize) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.len() > max {
        return Err(format!("longer than {max} bytes"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | ':' | '-')))
    {
        return Err(format!("{c:?} is not allowed (use A-Z a-z 0-9 . _ @ : -)"));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub kind: AccountKind,
    pub debits_posted: Amount,
    pub credits_posted: Amount,
    pub debits_pending: Amount,
    pub credits_pending: Amount,
    /// When the account was opened (its first credit), ms since the epoch.
    pub opened_ms: u64,
}

impl Account {
    pub fn new(id: &str, kind: AccountKind, opened_ms: u64) -> Account {
        Account {
            id: id.to_string(),
            kind,
            debits_posted: 0,
            credits_posted: 0,
            debits_pending: 0,
            credits_pending: 0,
            opened_ms,
        }
    }

    /// Posted credits − posted debits.
    pub fn balance(&self) -> i128 {
        i128::from(self.credits_posted) - i128::from(self.debits_posted)
    }

    /// What may still be debited: the balance less pending debits.
    pub fn available(&self) -> i128 {
        self.balance() - i128::from(self.debits_pending)
    }
}

/// What a client asks for. Exactly one shape: a move (`debit`, `credit`,
/// `amount`, optionally `pending_timeout_ms` to make it two-phase), or
/// `post_pending` / `void_pending` naming an earlier pending transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The client's id for this transfer: retries with the same id and the
    /// same body answer the original; a different body is 409.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// Makes the transfer pending for at most this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_pending: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub void_pending: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

impl TransferRequest {
    /// A single-phase move.
    pub fn single(id: &str, debit: &str, credit: &str, amount: Amount) -> TransferRequest {
        TransferRequest {
            id: id.to_string(),
            debit: Some(debit.to_string()),
            credit: Some(credit.to_string()),
            amount: Some(amount),
            pending_timeout_ms: None,
            post_pending: None,
            void_pending: None,
            memo: None,
        }
    }

    pub fn pending(id: &str, debit: &str, credit: &str, amount: Amount, timeout_ms: u64) -> Self {
        TransferRequest {
            pending_timeout_ms: Some(timeout_ms),
            ..TransferRequest::single(id, debit, credit, amount)
        }
    }

    pub fn post(id: &str, pending: &str) -> TransferRequest {
        TransferRequest {
            id: id.to_string(),
            debit: None,
            credit: None,
            amount: None,
            pending_timeout_ms: None,
            post_pending: Some(pending.to_string()),
            void_pending: None,
            memo: None,
        }
    }

    pub fn void(id: &str, pending: &str) -> TransferRequest {
        TransferRequest {
            void_pending: Some(pending.to_string()),
            post_pending: None,
            ..TransferRequest::post(id, pending)
        }
    }

    pub fn with_memo(mut self, memo: &str) -> TransferRequest {
        self.memo = Some(memo.to_string());
        self
    }

    /// SHA-256 of the request's canonical JSON: what "the same body" means.
    pub fn fingerprint(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }

    /// The checked shape of the request.
    pub fn shape(&self) -> Result<Shape, LedgerError> {
        let invalid = |s: String| Err(LedgerError::Invalid(s));
        check_chars(&self.id, MAX_TRANSFER_ID_BYTES)
            .map_err(|e| LedgerError::Invalid(format!("transfer id: {e}")))?;
        if self.id.starts_with(EXPIRY_PREFIX) {
            return invalid(format!(
                "transfer ids starting with {EXPIRY_PREFIX:?} are the wallet's own (expiries)"
            ));
        }
        if let Some(m) = &self.memo
            && m.len() > MAX_MEMO_BYTES
        {
            return invalid(format!("memo is longer than {MAX_MEMO_BYTES} bytes"));
        }
        if let Some(m) = &self.memo
            && m.chars().any(char::is_control)
        {
            // PostgreSQL's TEXT cannot hold NUL; no memo needs controls.
            return invalid("memo may not contain control characters".into());
        }
        let target = match (&self.post_pending, &self.void_pending) {
            (Some(_), Some(_)) => {
                return invalid("post_pending and void_pending exclude each other".into());
            }
            (Some(p), None) => Some((p, true)),
            (None, Some(p)) => Some((p, false)),
            (None, None) => None,
        };
        if let Some((pending, post)) = target {
            if self.debit.is_some()
                || self.credit.is_some()
                || self.amount.is_some()
                || self.pending_timeout_ms.is_some()
            {
                return invalid(
                    "posting or voiding takes the pending transfer's accounts and amount; \
                     send only id, post_pending or void_pending, and memo"
                        .into(),
                );
            }
            check_chars(pending, MAX_TRANSFER_ID_BYTES)
                .map_err(|e| LedgerError::Invalid(format!("pending id: {e}")))?;
            return Ok(if post {
                Shape::Post(pending.clone())
            } else {
                Shape::Void(pending.clone())
            });
        }
        let (Some(debit), Some(credit), Some(amount)) = (&self.debit, &self.credit, self.amount)
        else {
            return invalid("a transfer needs debit, credit and amount".into());
        };
        let debit_kind = account_kind(debit)?;
        let credit_kind = account_kind(credit)?;
        if debit == credit {
            return invalid("debit and credit are the same account".into());
        }
        if amount == 0 {
            return invalid("amount must be at least 1".into());
        }
        if amount > MAX_AMOUNT {
            return invalid(format!("amount must be at most {MAX_AMOUNT}"));
        }
        if let Some(t) = self.pending_timeout_ms
            && !(1..=MAX_PENDING_TIMEOUT_MS).contains(&t)
        {
            return invalid(format!(
                "pending_timeout_ms must be 1..={MAX_PENDING_TIMEOUT_MS}"
            ));
        }
        Ok(Shape::Move {
            debit: debit.clone(),
            debit_kind,
            credit: credit.clone(),
            credit_kind,
            amount,
            timeout_ms: self.pending_timeout_ms,
        })
    }
}

/// A checked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Move {
        debit: String,
        debit_kind: AccountKind,
        credit: String,
        credit_kind: AccountKind,
        amount: Amount,
        timeout_ms: Option<u64>,
    },
    Post(String),
    Void(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// Posted at once.
    Single,
    /// Reserves the amount until posted, voided or expired.
    Pending,
    /// Posts a pending transfer.
    Post,
    /// Voids a pending transfer.
    Void,
    /// A pending transfer's deadline passed (made by the wallet, id
    /// `expire:<pending id>`).
    Expire,
}

impl TransferKind {
    /// Its name (as stored, served and labelled in metrics).
    pub fn as_str(self) -> &'static str {
        match self {
            TransferKind::Single => "single",
            TransferKind::Pending => "pending",
            TransferKind::Post => "post",
            TransferKind::Void => "void",
            TransferKind::Expire => "expire",
        }
    }

    fn code(self) -> u8 {
        match self {
            TransferKind::Single => 1,
            TransferKind::Pending => 2,
            TransferKind::Post => 3,
            TransferKind::Void => 4,
            TransferKind::Expire => 5,
        }
    }
}

/// An applied transfer: one link of the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Transfer {
    /// Position in the log, from 1.
    pub seq: u64,
    pub id: String,
    pub kind: TransferKind,
    pub debit: String,
    pub credit: String,
    pub amount: Amount,
    /// For post, void and expire: the pending transfer's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_id: Option<String>,
    /// For pending transfers: when it expires, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<u64>,
    pub timestamp_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// SHA-256 of the request (see [`TransferRequest::fingerprint`]); empty
    /// for expiries, which no client asked for.
    pub fingerprint: String,
    /// The previous transfer's hash (64 zeros for the first), hex.
    pub prev_hash: String,
    /// This transfer's [`Transfer::chain_hash`], hex.
    pub hash: String,
}

impl Transfer {
    /// SHA-256 over [`CHAIN_DOMAIN`], the previous hash (32 bytes), then
    /// seq, kind code (1 single, 2 pending, 3 post, 4 void, 5 expire),
    /// amount, expires_ms (0 if none), timestamp_ms as big-endian u64 (kind
    /// as one byte), then id, debit, credit, pending_id, memo, fingerprint,
    /// each as a big-endian u32 length and its UTF-8 bytes (absent = empty).
    pub fn chain_hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(CHAIN_DOMAIN);
        h.update(prev);
        h.update(self.seq.to_be_bytes());
        h.update([self.kind.code()]);
        h.update(self.amount.to_be_bytes());
        h.update(self.expires_ms.unwrap_or(0).to_be_bytes());
        h.update(self.timestamp_ms.to_be_bytes());
        for s in [
            self.id.as_str(),
            &self.debit,
            &self.credit,
            self.pending_id.as_deref().unwrap_or(""),
            self.memo.as_deref().unwrap_or(""),
            &self.fingerprint,
        ] {
            h.update((s.len() as u32).to_be_bytes());
            h.update(s.as_bytes());
        }
        h.finalize().into()
    }
}

/// Where a pending transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PendingState {
    Pending,
    Posted,
    Voided,
    Expired,
}

impl PendingState {
    /// Its name (as stored and in messages).
    pub fn as_str(self) -> &'static str {
        match self {
            PendingState::Pending => "pending",
            PendingState::Posted => "posted",
            PendingState::Voided => "voided",
            PendingState::Expired => "expired",
        }
    }
}

/// The end of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Head {
    /// Transfers in the log.
    pub seq: u64,
    /// The last transfer's hash (64 zeros when empty), hex.
    pub hash: String,
    pub timestamp_ms: u64,
}

impl Default for Head {
    fn default() -> Head {
        Head {
            seq: 0,
            hash: hex::encode([0u8; 32]),
            timestamp_ms: 0,
        }
    }
}

impl Head {
    fn hash_bytes(&self) -> Result<[u8; 32], LedgerError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(&self.hash, &mut out)
            .map_err(|_| LedgerError::Corrupt(format!("head hash {:?} is not hex", self.hash)))?;
        Ok(out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The request is malformed (422).
    #[error("{0}")]
    Invalid(String),
    /// An account or pending transfer that does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// Not enough available balance (422; nothing changed).
    #[error("{account} has {available} chips available; {needed} are needed")]
    Insufficient {
        account: String,
        available: i128,
        needed: Amount,
    },
    /// The id was used for a different request, or the pending transfer
    /// was already posted, voided or expired (409).
    #[error("{0}")]
    Conflict(String),
    /// An account total would pass [`MAX_AMOUNT`] (422).
    #[error("{0}")]
    Overflow(String),
    /// The stored state contradicts itself (500; the store stops).
    #[error("ledger state is corrupt: {0}")]
    Corrupt(String),
}

/// What one submission produced: the transfers (one, or a linked batch's
/// several), and whether they were replays of earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Applied {
    pub transfers: Vec<Transfer>,
    /// True when every transfer had been applied before with the same
    /// request (a retry): nothing changed now.
    pub replayed: bool,
}

/// One unit of work: a single transfer, or a linked batch (all or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub requests: Vec<TransferRequest>,
}

impl Submission {
    pub fn one(r: TransferRequest) -> Submission {
        Submission { requests: vec![r] }
    }
    pub fn linked(requests: Vec<TransferRequest>) -> Submission {
        Submission { requests }
    }
}

/// What a batch touches, loaded by the store, then changed by the core.
#[derive(Debug, Clone, Default)]
pub struct Working {
    pub head: Head,
    pub accounts: BTreeMap<String, Account>,
    /// Existing transfers by id (those the batch names).
    pub transfers: BTreeMap<String, Transfer>,
    /// Existing pending transfers' states by id (those the batch names).
    pub pending: BTreeMap<String, PendingState>,
    /// Written by the core, for the store to persist: new transfers in
    /// order, and the ids of accounts and pending entries they changed.
    pub new_transfers: Vec<Transfer>,
    pub touched_accounts: BTreeSet<String>,
    pub touched_pending: BTreeSet<String>,
}

impl Working {
    pub fn new(head: Head) -> Working {
        Working {
            head,
            ..Working::default()
        }
    }

    /// Transfer ids a batch needs loaded (its own ids and the pending ids
    /// it posts or voids), with their pending state when they are pending.
    pub fn transfer_ids_needed(subs: &[Submission]) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for r in subs.iter().flat_map(|s| &s.requests) {
            ids.insert(r.id.clone());
            if let Some(p) = r.post_pending.as_ref().or(r.void_pending.as_ref()) {
                ids.insert(p.clone());
            }
        }
        ids
    }

    /// Accounts a batch needs loaded, once its transfers are loaded (a
    /// post or void touches the pending transfer's accounts).
    pub fn account_ids_needed(&self, subs: &[Submission]) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for r in subs.iter().flat_map(|s| &s.requests) {
            ids.extend(r.debit.iter().cloned());
            ids.extend(r.credit.iter().cloned());
            if let Some(p) = r.post_pending.as_ref().or(r.void_pending.as_ref())
                && let Some(t) = self.transfers.get(p)
            {
                ids.insert(t.debit.clone());
                ids.insert(t.credit.clone());
            }
        }
        ids
    }

    /// Accounts an expiry of these pending transfers touches.
    pub fn expiry_account_ids(expiring: &[Transfer]) -> BTreeSet<String> {
        expiring
            .iter()
            .flat_map(|t| [t.debit.clone(), t.credit.clone()])
            .collect()
    }

    /// Expires pending transfers whose deadline is at or before `now_ms`
    /// (the store passes those it found, loaded into `transfers` and
    /// `pending`). Each gets an `expire:<id>` transfer in the chain.
    pub fn expire(&mut self, expiring: &[Transfer], now_ms: u64) -> Result<(), LedgerError> {
        for p in expiring {
            if self.pending.get(&p.id) != Some(&PendingState::Pending) {
                continue;
            }
            if p.expires_ms.is_none_or(|e| e > now_ms) {
                continue;
            }
            let mut scratch = self.scratch();
            scratch.release(p, PendingState::Expired)?;
            scratch.append(Transfer {
                seq: 0,
                id: format!("{EXPIRY_PREFIX}{}", p.id),
                kind: TransferKind::Expire,
                debit: p.debit.clone(),
                credit: p.credit.clone(),
                amount: p.amount,
                pending_id: Some(p.id.clone()),
                expires_ms: None,
                timestamp_ms: now_ms,
                memo: None,
                fingerprint: String::new(),
                prev_hash: String::new(),
                hash: String::new(),
            })?;
            let delta = scratch.finish();
            self.adopt(delta);
        }
        Ok(())
    }

    /// Applies one submission all or none at `now_ms`.
    pub fn submit(&mut self, sub: &Submission, now_ms: u64) -> Result<Applied, LedgerError> {
        if sub.requests.is_empty() {
            return Err(LedgerError::Invalid(
                "a linked batch needs a transfer".into(),
            ));
        }
        if sub.requests.len() > MAX_LINKED {
            return Err(LedgerError::Invalid(format!(
                "a linked batch holds at most {MAX_LINKED} transfers"
            )));
        }
        let mut seen = BTreeSet::new();
        for r in &sub.requests {
            if !seen.insert(r.id.as_str()) {
                return Err(LedgerError::Invalid(format!(
                    "transfer id {:?} appears twice in the batch",
                    r.id
                )));
            }
        }
        // Retries: every id known with the same request answers the
        // originals; any id known with another request is a conflict.
        let mut known = Vec::new();
        for r in &sub.requests {
            if let Some(t) = self.transfers.get(&r.id) {
                if t.fingerprint != r.fingerprint() {
                    return Err(LedgerError::Conflict(format!(
                        "transfer id {:?} was already used for a different request",
                        r.id
                    )));
                }
                known.push(t.clone());
            }
        }
        if !known.is_empty() {
            if known.len() == sub.requests.len() {
                return Ok(Applied {
                    transfers: known,
                    replayed: true,
                });
            }
            return Err(LedgerError::Conflict(
                "part of this linked batch was already applied as another batch".into(),
            ));
        }
        let mut scratch = self.scratch();
        let mut out = Vec::with_capacity(sub.requests.len());
        for r in &sub.requests {
            out.push(scratch.apply_request(r, now_ms)?);
        }
        let delta = scratch.finish();
        self.adopt(delta);
        Ok(Applied {
            transfers: out,
            replayed: false,
        })
    }

    fn scratch(&self) -> Scratch<'_> {
        Scratch {
            base: self,
            head: self.head.clone(),
            accounts: BTreeMap::new(),
            pending: BTreeMap::new(),
            transfers: Vec::new(),
        }
    }

    fn adopt(&mut self, d: Delta) {
        let Delta {
            head,
            accounts,
            pending,
            transfers,
        } = d;
        self.head = head;
        for (id, a) in accounts {
            self.touched_accounts.insert(id.clone());
            self.accounts.insert(id, a);
        }
        for (id, st) in pending {
            self.touched_pending.insert(id.clone());
            self.pending.insert(id, st);
        }
        for t in transfers {
            self.transfers.insert(t.id.clone(), t.clone());
            self.new_transfers.push(t);
        }
    }
}

/// What one submission changed.
struct Delta {
    head: Head,
    accounts: BTreeMap<String, Account>,
    pending: BTreeMap<String, PendingState>,
    transfers: Vec<Transfer>,
}

/// Changes of one submission, dropped unless it all succeeds.
struct Scratch<'a> {
    base: &'a Working,
    head: Head,
    accounts: BTreeMap<String, Account>,
    pending: BTreeMap<String, PendingState>,
    transfers: Vec<Transfer>,
}

impl Scratch<'_> {
    fn finish(self) -> Delta {
        Delta {
            head: self.head,
            accounts: self.accounts,
            pending: self.pending,
            transfers: self.transfers,
        }
    }

    fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id).or_else(|| self.base.accounts.get(id))
    }

    fn account_mut(&mut self, id: &str) -> Result<&mut Account, LedgerError> {
        if !self.accounts.contains_key(id) {
            let a = self
                .base
                .accounts
                .get(id)
                .cloned()
                .ok_or_else(|| LedgerError::NotFound(format!("no account {id:?}")))?;
            self.accounts.insert(id.to_string(), a);
        }
        self.accounts
            .get_mut(id)
            .ok_or_else(|| LedgerError::Corrupt(format!("account {id:?} vanished")))
    }

    fn pending_state(&self, id: &str) -> Option<PendingState> {
        self.pending
            .get(id)
            .or_else(|| self.base.pending.get(id))
            .copied()
    }

    fn transfer(&self, id: &str) -> Option<&Transfer> {
        self.transfers
            .iter()
            .find(|t| t.id == id)
            .or_else(|| self.base.transfers.get(id))
    }

    fn apply_request(&mut self, r: &TransferRequest, now_ms: u64) -> Result<Transfer, LedgerError> {
        let timestamp_ms = now_ms.max(self.head.timestamp_ms);
        if self.transfer(&r.id).is_some() {
            return Err(LedgerError::Conflict(format!(
                "transfer id {:?} is already in use",
                r.id
            )));
        }
        let base = Transfer {
            seq: 0,
            id: r.id.clone(),
            kind: TransferKind::Single,
            debit: String::new(),
            credit: String::new(),
            amount: 0,
            pending_id: None,
            expires_ms: None,
            timestamp_ms,
            memo: r.memo.clone(),
            fingerprint: r.fingerprint(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        match r.shape()? {
            Shape::Move {
                debit,
                debit_kind,
                credit,
                credit_kind,
                amount,
                timeout_ms,
            } => {
                self.open_if_allowed(&debit, debit_kind, &credit, credit_kind, timestamp_ms)?;
                let pending = timeout_ms.is_some();
                {
                    let d = self.account_mut(&debit)?;
                    // The kind comes from the id, never from the stored
                    // row: an edited row cannot let an account overdraw.
                    if !debit_kind.may_go_negative() && d.available() < i128::from(amount) {
                        return Err(LedgerError::Insufficient {
                            account: debit.clone(),
                            available: d.available(),
                            needed: amount,
                        });
                    }
                    let total = if pending {
                        &mut d.debits_pending
                    } else {
                        &mut d.debits_posted
                    };
                    *total = add(*total, amount, &debit)?;
                }
                {
                    let c = self.account_mut(&credit)?;
                    let total = if pending {
                        &mut c.credits_pending
                    } else {
                        &mut c.credits_posted
                    };
                    *total = add(*total, amount, &credit)?;
                }
                let t = Transfer {
                    kind: if pending {
                        TransferKind::Pending
                    } else {
                        TransferKind::Single
                    },
                    debit,
                    credit,
                    amount,
                    expires_ms: timeout_ms.map(|t| timestamp_ms.saturating_add(t)),
                    ..base
                };
                if pending {
                    self.pending.insert(t.id.clone(), PendingState::Pending);
                }
                self.append(t)
            }
            Shape::Post(pid) | Shape::Void(pid) => {
                let post = r.post_pending.is_some();
                let p = self
                    .transfer(&pid)
                    .cloned()
                    .ok_or_else(|| LedgerError::NotFound(format!("no transfer {pid:?}")))?;
                if p.kind != TransferKind::Pending {
                    return Err(LedgerError::Conflict(format!(
                        "transfer {pid:?} is not a pending transfer"
                    )));
                }
                match self.pending_state(&pid) {
                    Some(PendingState::Pending) => {}
                    Some(st) => {
                        return Err(LedgerError::Conflict(format!(
                            "pending transfer {pid:?} is already {}",
                            st.as_str()
                        )));
                    }
                    None => {
                        return Err(LedgerError::Corrupt(format!(
                            "pending transfer {pid:?} has no state"
                        )));
                    }
                }
                if p.expires_ms.is_some_and(|e| e <= timestamp_ms) {
                    return Err(LedgerError::Conflict(format!(
                        "pending transfer {pid:?} expired"
                    )));
                }
                self.release(
                    &p,
                    if post {
                        PendingState::Posted
                    } else {
                        PendingState::Voided
                    },
                )?;
                if post {
                    let d = self.account_mut(&p.debit)?;
                    d.debits_posted = add(d.debits_posted, p.amount, &p.debit)?;
                    let c = self.account_mut(&p.credit)?;
                    c.credits_posted = add(c.credits_posted, p.amount, &p.credit)?;
                }
                self.append(Transfer {
                    kind: if post {
                        TransferKind::Post
                    } else {
                        TransferKind::Void
                    },
                    debit: p.debit.clone(),
                    credit: p.credit.clone(),
                    amount: p.amount,
                    pending_id: Some(pid),
                    ..base
                })
            }
        }
    }

    /// Opens the credit account on a deposit (issuance → player) or an
    /// escrow (anything → table); other accounts must exist. `house` and
    /// `issuance` open on first use.
    fn open_if_allowed(
        &mut self,
        debit: &str,
        debit_kind: AccountKind,
        credit: &str,
        credit_kind: AccountKind,
        now_ms: u64,
    ) -> Result<(), LedgerError> {
        for (id, kind) in [(debit, debit_kind), (credit, credit_kind)] {
            if self.account(id).is_some() {
                continue;
            }
            let opens = match kind {
                AccountKind::House | AccountKind::Issuance => true,
                AccountKind::Player => id == credit && debit_kind == AccountKind::Issuance,
                AccountKind::Table => id == credit,
            };
            if !opens {
                return Err(LedgerError::NotFound(format!("no account {id:?}")));
            }
            self.accounts
                .insert(id.to_string(), Account::new(id, kind, now_ms));
        }
        Ok(())
    }

    /// Takes a pending transfer's amount out of the pending totals.
    fn release(&mut self, p: &Transfer, to: PendingState) -> Result<(), LedgerError> {
        let corrupt = |id: &str| {
            LedgerError::Corrupt(format!(
                "account {id:?} holds less pending than transfer {:?}",
                p.id
            ))
        };
        let d = self.account_mut(&p.debit)?;
        d.debits_pending = d
            .debits_pending
            .checked_sub(p.amount)
            .ok_or_else(|| corrupt(&p.debit))?;
        let c = self.account_mut(&p.credit)?;
        c.credits_pending = c
            .credits_pending
            .checked_sub(p.amount)
            .ok_or_else(|| corrupt(&p.credit))?;
        self.pending.insert(p.id.clone(), to);
        Ok(())
    }

    fn append(&mut self, mut t: Transfer) -> Result<Transfer, LedgerError> {
        let prev = self.head.hash_bytes()?;
        t.seq = self.head.seq + 1;
        t.timestamp_ms = t.timestamp_ms.max(self.head.timestamp_ms);
        t.prev_hash = self.head.hash.clone();
        t.hash = hex::encode(t.chain_hash(&prev));
        self.head = Head {
            seq: t.seq,
            hash: t.hash.clone(),
            timestamp_ms: t.timestamp_ms,
        };
        self.transfers.push(t.clone());
        Ok(t)
    }
}

fn add(total: Amount, amount: Amount, account: &str) -> Result<Amount, LedgerError> {
    total
        .checked_add(amount)
        .filter(|t| *t <= MAX_AMOUNT)
        .ok_or_else(|| {
            LedgerError::Overflow(format!(
                "account {account:?} would pass {MAX_AMOUNT} chips in one of its totals"
            ))
        })
}

/// What an audit found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditReport {
    /// True when the chain links, every stored account matches the log,
    /// and balances sum to zero (posted and pending).
    pub ok: bool,
    pub transfers: u64,
    pub head: Head,
    pub accounts: u64,
    /// Chips in circulation: −(issuance balance).
    pub issued: i128,
    /// Sum of all posted balances (must be 0).
    pub balance_sum: i128,
    /// Sum of pending credits − pending debits (must be 0).
    pub pending_sum: i128,
    /// Every problem found, in words.
    pub problems: Vec<String>,
}

/// Recomputes the chain and every account from the log (in seq order) and
/// compares with the stored accounts.
pub fn audit(log: &[Transfer], stored: &[Account]) -> AuditReport {
    let mut problems = Vec::new();
    let mut prev = [0u8; 32];
    let mut computed: BTreeMap<String, Account> = BTreeMap::new();
    let mut pending: BTreeMap<&str, &Transfer> = BTreeMap::new();
    let mut head = Head::default();
    for (i, t) in log.iter().enumerate() {
        let want_seq = i as u64 + 1;
        if t.seq != want_seq {
            problems.push(format!(
                "transfer {:?} has seq {}, expected {want_seq}",
                t.id, t.seq
            ));
        }
        if t.prev_hash != hex::encode(prev) {
            problems.push(format!(
                "transfer {} does not link to its predecessor",
                t.seq
            ));
        }
        let h = t.chain_hash(&prev);
        if t.hash != hex::encode(h) {
            problems.push(format!(
                "transfer {} hash does not match its contents",
                t.seq
            ));
        }
        prev = h;
        head = Head {
            seq: t.seq,
            hash: t.hash.clone(),
            timestamp_ms: t.timestamp_ms,
        };
        for id in [&t.debit, &t.credit] {
            if !computed.contains_key(id.as_str()) {
                match account_kind(id) {
                    Ok(k) => {
                        computed.insert(id.clone(), Account::new(id, k, t.timestamp_ms));
                    }
                    Err(e) => problems.push(format!("transfer {}: {e}", t.seq)),
                }
            }
        }
        let amt = t.amount;
        let mut bump = |id: &str, f: &dyn Fn(&mut Account)| {
            if let Some(a) = computed.get_mut(id) {
                f(a);
            }
        };
        match t.kind {
            TransferKind::Single => {
                bump(&t.debit, &|a| {
                    a.debits_posted = a.debits_posted.wrapping_add(amt)
                });
                bump(&t.credit, &|a| {
                    a.credits_posted = a.credits_posted.wrapping_add(amt)
                });
            }
            TransferKind::Pending => {
                bump(&t.debit, &|a| {
                    a.debits_pending = a.debits_pending.wrapping_add(amt)
                });
                bump(&t.credit, &|a| {
                    a.credits_pending = a.credits_pending.wrapping_add(amt)
                });
                pending.insert(&t.id, t);
            }
            TransferKind::Post | TransferKind::Void | TransferKind::Expire => {
                let pid = t.pending_id.as_deref().unwrap_or("");
                match pending.remove(pid) {
                    Some(p) if p.debit == t.debit && p.credit == t.credit && p.amount == amt => {}
                    Some(_) => problems.push(format!(
                        "transfer {} does not match pending transfer {pid:?}",
                        t.seq
                    )),
                    None => problems.push(format!(
                        "transfer {} settles {pid:?}, which is not pending",
                        t.seq
                    )),
                }
                bump(&t.debit, &|a| {
                    a.debits_pending = a.debits_pending.wrapping_sub(amt)
                });
                bump(&t.credit, &|a| {
                    a.credits_pending = a.credits_pending.wrapping_sub(amt)
                });
                if t.kind == TransferKind::Post {
                    bump(&t.debit, &|a| {
                        a.debits_posted = a.debits_posted.wrapping_add(amt)
                    });
                    bump(&t.credit, &|a| {
                        a.credits_posted = a.credits_posted.wrapping_add(amt)
                    });
                }
            }
        }
        if let Some(d) = computed.get(&t.debit)
            && !d.kind.may_go_negative()
            && d.available() < 0
        {
            problems.push(format!("transfer {} overdraws {:?}", t.seq, t.debit));
        }
    }
    let stored_map: BTreeMap<&str, &Account> = stored.iter().map(|a| (a.id.as_str(), a)).collect();
    for (id, a) in &computed {
        match stored_map.get(id.as_str()) {
            None => problems.push(format!("account {id:?} is in the log but not stored")),
            Some(s) => {
                if account_kind(id).ok() != Some(s.kind) {
                    problems.push(format!("account {id:?} is stored with the wrong kind"));
                }
                if (
                    s.debits_posted,
                    s.credits_posted,
                    s.debits_pending,
                    s.credits_pending,
                ) != (
                    a.debits_posted,
                    a.credits_posted,
                    a.debits_pending,
                    a.credits_pending,
                ) {
                    problems.push(format!(
                        "account {id:?} is stored as {}/{} posted, {}/{} pending; \
                         the log gives {}/{} and {}/{}",
                        s.debits_posted,
                        s.credits_posted,
                        s.debits_pending,
                        s.credits_pending,
                        a.debits_posted,
                        a.credits_posted,
                        a.debits_pending,
                        a.credits_pending
                    ));
                }
            }
        }
    }
    for s in stored {
        if !computed.contains_key(&s.id) {
            problems.push(format!(
                "account {:?} is stored but no transfer touches it",
                s.id
            ));
        }
    }
    let balance_sum: i128 = stored.iter().map(Account::balance).sum();
    let pending_sum: i128 = stored
        .iter()
        .map(|a| i128::from(a.credits_pending) - i128::from(a.debits_pending))
        .sum();
    if balance_sum != 0 {
        problems.push(format!("balances sum to {balance_sum}, not 0"));
    }
    if pending_sum != 0 {
        problems.push(format!("pending amounts sum to {pending_sum}, not 0"));
    }
    let issued = stored
        .iter()
        .find(|a| a.id == ISSUANCE)
        .map_or(0, |a| -a.balance());
    AuditReport {
        ok: problems.is_empty(),
        transfers: log.len() as u64,
        head,
        accounts: stored.len() as u64,
        issued,
        balance_sum,
        pending_sum,
        problems,
    }
}

/// One entry of a store's pending index: what post, void and expiry
/// consult to decide whether a pending transfer is still open, and when it
/// expires. It is derived from the log, so the audit checks it against the
/// log: an entry flipped back to `pending` would let a posted reservation
/// be posted again, and one missing or marked settled would hold a
/// player's chips for ever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingIndexEntry {
    pub id: String,
    pub state: PendingState,
    pub expires_ms: u64,
}

/// Recomputes every pending transfer's state and deadline from the log
/// (in seq order) and compares them with the store's `index`.
pub fn audit_pending(log: &[Transfer], index: &[PendingIndexEntry]) -> Vec<String> {
    let mut want: BTreeMap<&str, (PendingState, u64, u64)> = BTreeMap::new();
    for t in log {
        let state = match t.kind {
            TransferKind::Pending => {
                want.insert(
                    &t.id,
                    (PendingState::Pending, t.expires_ms.unwrap_or(0), t.seq),
                );
                continue;
            }
            TransferKind::Single => continue,
            TransferKind::Post => PendingState::Posted,
            TransferKind::Void => PendingState::Voided,
            TransferKind::Expire => PendingState::Expired,
        };
        // A settlement of nothing pending is the main audit's problem.
        if let Some(w) = t.pending_id.as_deref().and_then(|p| want.get_mut(p)) {
            w.0 = state;
        }
    }
    let mut problems = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for e in index {
        seen.insert(&e.id);
        match want.get(e.id.as_str()) {
            None => problems.push(format!(
                "the pending index holds {:?}, which no pending transfer in the log reserved",
                e.id
            )),
            Some((state, expires, seq)) => {
                if e.state != *state {
                    problems.push(format!(
                        "the pending index says {:?} (transfer {seq}) is {}, the log says {}",
                        e.id,
                        e.state.as_str(),
                        state.as_str()
                    ));
                }
                if e.expires_ms != *expires {
                    problems.push(format!(
                        "the pending index says {:?} (transfer {seq}) expires at {} ms, the log says {expires}",
                        e.id, e.expires_ms
                    ));
                }
            }
        }
    }
    for (id, (state, _, seq)) in &want {
        if !seen.contains(id) {
            problems.push(format!(
                "pending transfer {id:?} (transfer {seq}, {}) is missing from the pending index",
                state.as_str()
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests;
