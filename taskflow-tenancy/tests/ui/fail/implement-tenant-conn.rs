//! Making your own type count as a tenant connection.
//!
//! The builders run on `&mut impl TenantConn` and take from it both the tenant every statement
//! binds and the connection the statement runs on. If any type could implement it, a wrapper
//! around a pool could claim any tenant it liked, one that no `TenantDb` verified, or send one
//! tenant's statements down a connection entered for another (on PostgreSQL, where row-level
//! security follows the entered tenant). The trait is sealed: only `TenantTx`, `EnteredTenant`
//! and `AnyTenantTx` implement it, and only a `TenantDb` (`begin`, `begin_read`,
//! `create_and_begin`) and `AdminTx::enter` make them. Hold a `TenantTx` in your type and pass
//! that: `Task::scoped(&mut ctx.tx)`.

use std::borrow::Cow;
use std::future::Future;

use taskflow_tenancy::{Dialect, Result, TenantConn, TenantId, Value};

pub struct MyConn {
    pub pool: sqlx::SqlitePool,
    pub tenant_id: TenantId,
}

impl TenantConn for MyConn {
    fn __dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn __tenant(&self) -> TenantId {
        self.tenant_id
    }

    fn __execute<'a>(
        &'a mut self,
        _sql: Cow<'static, str>,
        _values: Vec<Value>,
    ) -> impl Future<Output = Result<u64>> + Send + 'a {
        async { Ok(0) }
    }

    fn __fetch_count<'a>(
        &'a mut self,
        _sql: Cow<'static, str>,
        _values: Vec<Value>,
    ) -> impl Future<Output = Result<i64>> + Send + 'a {
        async { Ok(0) }
    }
}

fn main() {}
