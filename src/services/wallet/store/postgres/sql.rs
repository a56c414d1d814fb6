//! The wallet's tables and the statements the store runs on them.

/// Advisory lock serialising schema creation by instances starting at once.
pub(super) const SCHEMA_LOCK: i64 = 0x6269_7463_7261_7073;

pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS wallet_accounts (
    id TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT NOT NULL,
    debits_posted BIGINT NOT NULL CHECK (debits_posted >= 0),
    credits_posted BIGINT NOT NULL CHECK (credits_posted >= 0),
    debits_pending BIGINT NOT NULL CHECK (debits_pending >= 0),
    credits_pending BIGINT NOT NULL CHECK (credits_pending >= 0),
    opened_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS wallet_transfers (
    seq BIGINT PRIMARY KEY CHECK (seq > 0),
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    debit TEXT COLLATE "C" NOT NULL,
    credit TEXT COLLATE "C" NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    pending_id TEXT COLLATE "C",
    expires_ms BIGINT,
    timestamp_ms BIGINT NOT NULL,
    memo TEXT,
    fingerprint TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS wallet_transfers_debit ON wallet_transfers (debit, seq);
CREATE INDEX IF NOT EXISTS wallet_transfers_credit ON wallet_transfers (credit, seq);
CREATE TABLE IF NOT EXISTS wallet_pending (
    id TEXT COLLATE "C" PRIMARY KEY,
    state TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS wallet_pending_open ON wallet_pending (expires_ms, id)
    WHERE state = 'pending';
CREATE OR REPLACE FUNCTION wallet_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the transfer log is append-only'; END $$;
CREATE OR REPLACE TRIGGER wallet_transfers_append_only
    BEFORE UPDATE OR DELETE ON wallet_transfers
    FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();
CREATE OR REPLACE TRIGGER wallet_transfers_no_truncate
    BEFORE TRUNCATE ON wallet_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_refuse_change();
CREATE TABLE IF NOT EXISTS wallet_head (
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    timestamp_ms BIGINT NOT NULL
);
"#;

macro_rules! transfer_cols {
    () => {
        "seq, id, kind, debit, credit, amount, pending_id, expires_ms, timestamp_ms, memo, \
         fingerprint, prev_hash, hash"
    };
}
macro_rules! account_cols {
    () => {
        "id, kind, debits_posted, credits_posted, debits_pending, credits_pending, opened_ms"
    };
}

pub(super) const LOCK_HEAD: &str =
    "SELECT seq, hash, timestamp_ms FROM wallet_head WHERE one FOR UPDATE";
pub(super) const READ_HEAD: &str = "SELECT seq, hash, timestamp_ms FROM wallet_head WHERE one";
pub(super) const DUE: &str = "SELECT t.seq, t.id, t.kind, t.debit, t.credit, t.amount, t.pending_id, \
                   t.expires_ms, t.timestamp_ms, t.memo, t.fingerprint, t.prev_hash, t.hash \
                   FROM wallet_pending p JOIN wallet_transfers t ON t.id = p.id \
                   WHERE p.state = 'pending' AND p.expires_ms <= $1 \
                   ORDER BY p.expires_ms, p.id LIMIT $2";
pub(super) const OPEN_RESERVATIONS: &str = "SELECT t.seq, t.id, t.kind, t.debit, t.credit, \
                   t.amount, t.pending_id, t.expires_ms, t.timestamp_ms, t.memo, t.fingerprint, \
                   t.prev_hash, t.hash \
                   FROM wallet_pending p JOIN wallet_transfers t ON t.id = p.id \
                   WHERE p.state = 'pending' AND p.id >= $1 AND p.id > $2 \
                   AND left(p.id, length($1)) = $1 \
                   ORDER BY p.id LIMIT $3";
pub(super) const LOAD_TRANSFERS: &str = concat!(
    "SELECT ",
    transfer_cols!(),
    " FROM wallet_transfers WHERE id = ANY($1::text[])"
);
pub(super) const READ_PENDING_INDEX: &str = "SELECT id, state, expires_ms FROM wallet_pending \
     WHERE id > $1 ORDER BY id LIMIT $2";
pub(super) const PENDING_STATES: &str =
    "SELECT id, state FROM wallet_pending WHERE id = ANY($1::text[])";
pub(super) const LOAD_ACCOUNTS: &str = concat!(
    "SELECT ",
    account_cols!(),
    " FROM wallet_accounts WHERE id = ANY($1::text[])"
);
pub(super) const INSERT_TRANSFERS: &str = concat!(
    "INSERT INTO wallet_transfers (",
    transfer_cols!(),
    ") SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], \
     $6::bigint[], $7::text[], $8::bigint[], $9::bigint[], $10::text[], $11::text[], \
     $12::text[], $13::text[])"
);
pub(super) const UPSERT_ACCOUNTS: &str = concat!(
    "INSERT INTO wallet_accounts (",
    account_cols!(),
    ") SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[], \
     $5::bigint[], $6::bigint[], $7::bigint[]) \
     ON CONFLICT (id) DO UPDATE SET debits_posted = excluded.debits_posted, \
     credits_posted = excluded.credits_posted, debits_pending = excluded.debits_pending, \
     credits_pending = excluded.credits_pending"
);
pub(super) const UPSERT_PENDING: &str = "INSERT INTO wallet_pending (id, state, expires_ms) \
                              SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[]) \
                              ON CONFLICT (id) DO UPDATE SET state = excluded.state";
pub(super) const MOVE_HEAD: &str =
    "UPDATE wallet_head SET seq = $1, hash = $2, timestamp_ms = $3 WHERE one";
pub(super) const READ_ACCOUNT: &str = concat!(
    "SELECT ",
    account_cols!(),
    " FROM wallet_accounts WHERE id = $1"
);
pub(super) const READ_ACCOUNTS: &str = concat!(
    "SELECT ",
    account_cols!(),
    " FROM wallet_accounts WHERE id > $1 ORDER BY id LIMIT $2"
);
pub(super) const READ_TRANSFER: &str = concat!(
    "SELECT ",
    transfer_cols!(),
    " FROM wallet_transfers WHERE id = $1"
);
pub(super) const READ_TRANSFERS: &str = concat!(
    "SELECT ",
    transfer_cols!(),
    " FROM wallet_transfers WHERE seq > $1 ORDER BY seq LIMIT $2"
);
// Each side walks its (account, seq) index; the union is cut to the page.
pub(super) const READ_ACCOUNT_TRANSFERS: &str = concat!(
    "SELECT * FROM ((SELECT ",
    transfer_cols!(),
    " FROM wallet_transfers WHERE debit = $1 AND seq > $2 ORDER BY seq LIMIT $3) UNION \
     (SELECT ",
    transfer_cols!(),
    " FROM wallet_transfers WHERE credit = $1 AND seq > $2 ORDER BY seq LIMIT $3)) t \
     ORDER BY seq LIMIT $3"
);
