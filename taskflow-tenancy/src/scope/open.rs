//! [`OpenTx`]: a transaction open on a pooled connection, which never goes back to the pool
//! still inside a transaction the pool does not know of.
//!
//! `sqlx::Transaction::begin` counts the transaction (and so queues a `ROLLBACK` when it is
//! dropped) only once its `BEGIN` has answered. A begin that fails after the server began the
//! transaction, or whose future is dropped while the server runs it (an HTTP client that hangs
//! up), returns the connection to the pool inside that transaction, and every later user of
//! the connection then runs in it. The tenant entry on PostgreSQL makes that window wider (the
//! entry runs in the `BEGIN`'s message) and its consequence worse (the next entry on that
//! connection is refused). So the library begins its transactions here: through sqlx's own
//! transaction manager, on a connection that is closed instead of pooled unless the begin
//! completed.

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Database, SqlStr};
use sqlx_core::transaction::TransactionManager;

use crate::error::Result;

/// A transaction begun on a pooled connection: committed or rolled back explicitly, rolled
/// back (queued, as sqlx does) when dropped.
pub(crate) struct OpenTx<DB: Database> {
    conn: PoolConnection<DB>,
    open: bool,
}

/// A connection whose begin has not completed: closed, not pooled, if dropped so.
struct Beginning<DB: Database>(Option<PoolConnection<DB>>);

impl<DB: Database> Drop for Beginning<DB> {
    fn drop(&mut self) {
        if let Some(conn) = self.0.as_mut() {
            conn.close_on_drop();
        }
    }
}

impl<DB: Database> OpenTx<DB> {
    /// Runs `statement` (a `BEGIN`, with the tenant entry on PostgreSQL) on `conn`. If it fails,
    /// or the future is dropped before it answers, the connection is closed.
    pub(crate) async fn begin(conn: PoolConnection<DB>, statement: SqlStr) -> Result<Self> {
        let mut beginning = Beginning(Some(conn));
        let conn = beginning
            .0
            .as_mut()
            .expect("held until the begin completes");
        DB::TransactionManager::begin(conn, Some(statement)).await?;
        let conn = beginning.0.take().expect("held until the begin completes");
        Ok(OpenTx { conn, open: true })
    }

    /// Commits the transaction.
    pub(crate) async fn commit(mut self) -> Result<()> {
        DB::TransactionManager::commit(&mut self.conn).await?;
        self.open = false;
        Ok(())
    }

    /// Ends a transaction that wrote nothing: a `ROLLBACK` queued on the connection (sent,
    /// with the pool's check of the returned connection, when it goes back to the pool), so
    /// the caller does not wait for a `COMMIT` that would change nothing.
    pub(crate) fn end_unwritten(mut self) {
        DB::TransactionManager::start_rollback(&mut self.conn);
        self.open = false;
    }

    /// Rolls the transaction back.
    pub(crate) async fn rollback(mut self) -> Result<()> {
        DB::TransactionManager::rollback(&mut self.conn).await?;
        self.open = false;
        Ok(())
    }
}

impl<DB: Database> Drop for OpenTx<DB> {
    fn drop(&mut self) {
        if self.open {
            // Queued on the connection, sent before its next use (what sqlx's own
            // `Transaction` does when dropped).
            DB::TransactionManager::start_rollback(&mut self.conn);
        }
    }
}

impl<DB: Database> Deref for OpenTx<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        &self.conn
    }
}

impl<DB: Database> DerefMut for OpenTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }
}
