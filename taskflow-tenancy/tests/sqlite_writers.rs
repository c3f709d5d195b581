//! SQLite's one writer: the write transactions of a [`TenantDb`] wait in line in the process,
//! and a transaction's turn ends only once its `COMMIT` or `ROLLBACK` has run. The pool here has
//! no busy timeout, so a `BEGIN IMMEDIATE` that found another write transaction still open
//! would fail at once with "database is locked" instead of being hidden by SQLite's busy
//! handler (whose sleeps are the tail the line exists to remove).

#![allow(missing_docs)]
#![cfg(feature = "sqlite")]

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use taskflow_tenancy::{AdminCapability, TenantDb, TenantId, tenant_scoped};

#[tenant_scoped(table = "notes")]
#[derive(Debug, Clone)]
pub struct Note {
    pub tenant_id: TenantId,
    pub id: i64,
    pub body: String,
}

const WRITERS: i64 = 16;
const EACH: i64 = 40;

async fn handle(dir: &tempfile::TempDir) -> TenantDb<sqlx::Sqlite> {
    let url = format!("sqlite://{}", dir.path().join("writers.db").display());
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::ZERO);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .unwrap();
    let db = TenantDb::new(pool);
    db.migrate().await.unwrap();
    sqlx::query(
        "CREATE TABLE notes (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
         id BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant_id, id))",
    )
    .execute(db.pool())
    .await
    .unwrap();
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_writers_never_overlap_and_none_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = handle(&dir).await;
    let admin = AdminCapability::grant("test", "writers").unwrap();
    db.create(&admin, "Acme", "acme").await.unwrap();
    let scope = db.scope_by_subdomain("acme").await.unwrap();

    let mut writers: Vec<tokio::task::JoinHandle<taskflow_tenancy::Result<()>>> = Vec::new();
    for writer in 0..WRITERS {
        let (db, scope) = (db.clone(), scope.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..EACH {
                let id = writer * EACH + i;
                let mut tx = db.begin(&scope).await?;
                // A read before the write runs beside the other writers.
                Note::scoped(&mut tx).count().await?;
                Note::scoped(&mut tx)
                    .insert(NewNote {
                        id,
                        body: format!("note {id}"),
                    })
                    .await?;
                // Every third transaction rolls back: its turn, too, ends after the rollback.
                if id % 3 == 0 {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
            }
            Ok(())
        }));
    }
    for writer in writers {
        writer
            .await
            .unwrap()
            .expect("no write was refused as locked");
    }
    let mut tx = db.begin_read(&scope).await.unwrap();
    let committed = (0..WRITERS * EACH).filter(|id| id % 3 != 0).count();
    assert_eq!(
        Note::scoped(&mut tx).count().await.unwrap(),
        u64::try_from(committed).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_writers_wait_in_the_same_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = handle(&dir).await;
    let admin = AdminCapability::grant("test", "writers").unwrap();
    db.create(&admin, "Acme", "acme").await.unwrap();
    let scope = db.scope_by_subdomain("acme").await.unwrap();

    let mut writers: Vec<tokio::task::JoinHandle<taskflow_tenancy::Result<()>>> = Vec::new();
    for writer in 0..WRITERS {
        let (db, scope) = (db.clone(), scope.clone());
        writers.push(tokio::spawn(async move {
            let admin = AdminCapability::grant("test", "admin writers")?;
            for i in 0..EACH / 4 {
                let id = writer * EACH + i;
                if writer % 2 == 0 {
                    let mut tx = db.begin_admin(&admin).await?;
                    let mut entered = tx.enter(&scope).await?;
                    Note::scoped(&mut entered)
                        .insert(NewNote {
                            id,
                            body: "admin".into(),
                        })
                        .await?;
                    tx.commit().await?;
                } else {
                    let mut tx = db.begin(&scope).await?;
                    Note::scoped(&mut tx)
                        .insert(NewNote {
                            id,
                            body: "tenant".into(),
                        })
                        .await?;
                    tx.commit().await?;
                }
            }
            Ok(())
        }));
    }
    for writer in writers {
        writer
            .await
            .unwrap()
            .expect("no write was refused as locked");
    }
    let mut tx = db.begin_read(&scope).await.unwrap();
    assert_eq!(
        Note::scoped(&mut tx).count().await.unwrap(),
        u64::try_from(WRITERS * (EACH / 4)).unwrap()
    );
}
