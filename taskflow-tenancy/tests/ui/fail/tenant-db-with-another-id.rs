//! A `TenantDb` on one pool with the identity of another handle.
//!
//! A handle's identity is what makes its transactions refuse other handles' scopes. A handle
//! built by hand around a second pool (a replica, a scratch database) with the first one's
//! `DatabaseId` would accept the first one's scopes for rows the second database verified
//! nothing about. `TenantDb`'s fields are private: `TenantDb::new(pool)` gives a new identity,
//! and `db.clone()` shares this one with the same pool.

use taskflow_tenancy::TenantDb;

fn lend(db: &TenantDb<sqlx::Sqlite>, replica: sqlx::SqlitePool) -> TenantDb<sqlx::Sqlite> {
    TenantDb {
        pool: replica,
        id: db.id(),
    }
}

fn main() {
    let _ = lend;
}
