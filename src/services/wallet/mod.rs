//! The wallet (:8090), the design's "Database Service": player, table,
//! house and issuance accounts in a double-entry ledger (`ledger`, pure),
//! stored in SQLite or PostgreSQL (`store`), served over HTTP (`http`).

pub mod ledger;
pub mod store;
