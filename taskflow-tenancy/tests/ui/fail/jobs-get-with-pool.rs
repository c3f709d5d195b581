//! Reading a job on the pool.
//!
//! A job belongs to the tenant that enqueued it, and `jobs::get` finds it only for that tenant:
//! it binds the tenant of the connection it runs on. The pool has no tenant, by shared reference
//! or by `&mut`, so a job read on it would be found by its id alone, which any tenant can guess
//! or copy from a URL. Pass a tenant connection: `jobs::get(&mut tx, id).await?` with
//! `let mut tx = db.begin_read(&scope).await?;`.

use taskflow_tenancy::jobs::{self, Job};

async fn status(
    mut pool: sqlx::SqlitePool,
    id: uuid::Uuid,
) -> taskflow_tenancy::Result<Option<Job>> {
    jobs::get(&pool, id).await?;
    jobs::get(&mut pool, id).await
}

fn main() {
    let _ = status;
}
