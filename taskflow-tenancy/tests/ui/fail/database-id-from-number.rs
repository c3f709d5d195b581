//! Making a `DatabaseId` from a number.
//!
//! Every scope carries the `DatabaseId` of the `TenantDb` that verified it, and `db.begin`
//! refuses scopes that carry another (`Error::ForeignScope`): a scope verified against a scratch
//! database or a lagging replica cannot reach this database's rows. If ids could be written
//! down, a handle could be given, or a scope stamped with, another handle's identity. A
//! `DatabaseId` has no public constructor; each `TenantDb::new` makes a fresh one, and
//! `db.id()` reads it.

use taskflow_tenancy::DatabaseId;

fn main() {
    let _id = DatabaseId(1);
}
