//! The three supported databases, behind the `sqlite`, `mysql` and `postgres` features.

use std::borrow::Cow;
use std::future::Future;

use sqlx::{Database, Decode, Encode, Executor, FromRow, Type, error::BoxDynError};
use uuid::Uuid;

use crate::error::Result;
use crate::query::value::Value;
use crate::scope::tenant::TenantId;

/// SQL dialect details that differ between backends: placeholders and identifier quoting.
///
/// ```
/// use taskflow_tenancy::Dialect;
///
/// assert_eq!(Dialect::Postgres.placeholder(3), "$3");
/// assert_eq!(Dialect::MySql.placeholder(3), "?");
/// assert_eq!(Dialect::MySql.quote("order"), "`order`");
/// assert_eq!(Dialect::Sqlite.quote("order"), "\"order\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// MySQL 8 and MariaDB 10.11+.
    MySql,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// The placeholder for the `n`th (1-based) bound parameter.
    ///
    /// See [`Dialect`] for an example.
    pub fn placeholder(self, n: usize) -> String {
        let mut s = String::new();
        self.push_placeholder(&mut s, n);
        s
    }

    pub(crate) fn push_placeholder(self, sql: &mut String, n: usize) {
        match self {
            Dialect::Postgres => {
                use std::fmt::Write;
                let _ = write!(sql, "${n}");
            }
            Dialect::Sqlite | Dialect::MySql => sql.push('?'),
        }
    }

    /// An identifier quoted for this dialect, with any quote character inside it doubled, as
    /// the dialect escapes it.
    ///
    /// Identifiers come from `#[tenant_scoped]` declarations, which accept plain identifiers
    /// only, and the query builder refuses any other; the escaping is a second wall for names
    /// that reach here another way.
    ///
    /// ```
    /// use taskflow_tenancy::Dialect;
    ///
    /// assert_eq!(Dialect::Postgres.quote(r#"a"b"#), r#""a""b""#);
    /// assert_eq!(Dialect::MySql.quote("a`b"), "`a``b`");
    /// ```
    ///
    /// See [`Dialect`] for an example.
    pub fn quote(self, ident: &str) -> String {
        let mut s = String::with_capacity(ident.len() + 2);
        self.push_quoted(&mut s, ident);
        s
    }

    pub(crate) fn push_quoted(self, sql: &mut String, ident: &str) {
        let q = match self {
            Dialect::MySql => '`',
            Dialect::Sqlite | Dialect::Postgres => '"',
        };
        sql.push(q);
        for c in ident.chars() {
            if c == q {
                sql.push(q);
            }
            sql.push(c);
        }
        sql.push(q);
    }

    /// The most parameters one statement may bind (bulk inserts are split to stay under it).
    ///
    /// ```
    /// assert!(taskflow_tenancy::Dialect::Sqlite.max_params() >= 999);
    /// ```
    pub fn max_params(self) -> usize {
        match self {
            Dialect::Sqlite => 32_766,
            Dialect::MySql => 65_535,
            Dialect::Postgres => 65_535,
        }
    }
}

/// Whether `name` is a plain SQL identifier: ASCII letters, digits and `_`, not starting with a
/// digit, 1 to 64 characters. The only names the query builder renders.
pub(crate) const fn is_plain_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 64 || bytes[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_alphanumeric() || b == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

/// What a transaction enters as it begins ([`Backend::begin_entered`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Entry {
    /// One tenant, for the whole transaction.
    Tenant(TenantId),
    /// An admin transaction, which enters one tenant after another.
    Admin,
}

/// A database `taskflow-tenancy` runs on: [`sqlx::Sqlite`], [`sqlx::MySql`] or
/// [`sqlx::Postgres`], each behind its cargo feature.
///
/// The generated query builders are generic over the backend, so the same model code runs on
/// each; the backend is inferred from the executor (pool, connection or transaction) a query
/// runs on. This trait is sealed.
///
/// ```
/// use taskflow_tenancy::{Backend, Dialect};
///
/// assert_eq!(<sqlx::Sqlite as Backend>::DIALECT, Dialect::Sqlite);
/// ```
pub trait Backend: Database + sealed::Sealed {
    /// How this backend spells placeholders and quotes identifiers.
    const DIALECT: Dialect;

    /// The statement that begins a transaction that will write. On SQLite `BEGIN IMMEDIATE`:
    /// the write lock is taken (waiting out the busy timeout) before the first read, where a
    /// deferred transaction that reads and then writes fails at once if another writer
    /// committed meanwhile.
    #[doc(hidden)]
    const BEGIN_WRITE: &'static str = "BEGIN";

    /// The statement that begins a write transaction entered for `entry`: on PostgreSQL the
    /// `BEGIN` and the entry the row-level security policies admit, in one message; elsewhere
    /// [`Backend::BEGIN_WRITE`].
    #[doc(hidden)]
    fn begin_entered(entry: Entry) -> sqlx::SqlStr {
        let _ = entry;
        sqlx::SqlStr::from_static(Self::BEGIN_WRITE)
    }

    /// Enters `tenant` on the admin transaction open on `conn`: on PostgreSQL the tenant the
    /// row-level security policies admit, elsewhere nothing.
    #[doc(hidden)]
    fn enter_tenant(
        conn: &mut Self::Connection,
        tenant: TenantId,
    ) -> impl Future<Output = Result<()>> + Send + '_ {
        let _ = (conn, tenant);
        std::future::ready(Ok(()))
    }

    #[doc(hidden)]
    fn fetch_all<'e, 'c: 'e, E, O>(
        executor: E,
        sql: impl Into<Cow<'static, str>> + Send,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<O>>> + Send + 'e
    where
        E: 'e + Executor<'c, Database = Self>,
        O: 'e + for<'r> FromRow<'r, Self::Row> + Send + Unpin;

    #[doc(hidden)]
    fn fetch_optional<'e, 'c: 'e, E, O>(
        executor: E,
        sql: impl Into<Cow<'static, str>> + Send,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<Option<O>>> + Send + 'e
    where
        E: 'e + Executor<'c, Database = Self>,
        O: 'e + for<'r> FromRow<'r, Self::Row> + Send + Unpin;

    #[doc(hidden)]
    fn fetch_count<'e, 'c: 'e, E>(
        executor: E,
        sql: impl Into<Cow<'static, str>> + Send,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<i64>> + Send + 'e
    where
        E: 'e + Executor<'c, Database = Self>;

    #[doc(hidden)]
    fn execute<'e, 'c: 'e, E>(
        executor: E,
        sql: impl Into<Cow<'static, str>> + Send,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<u64>> + Send + 'e
    where
        E: 'e + Executor<'c, Database = Self>;
}

mod sealed {
    pub trait Sealed {}
}

/// Builds a statement's arguments from backend-neutral values, binding each with the Rust
/// type sqlx maps to the column's SQL type (a `NULL` is bound with its column's type, which
/// PostgreSQL needs).
macro_rules! arguments {
    ($db:ty, $values:expr) => {{
        use crate::query::value::Kind;
        use sqlx::Arguments;
        let values: Vec<Value> = $values;
        let mut args = <$db as Database>::Arguments::default();
        args.reserve(values.len(), values.len() * 16);
        for value in values {
            let added = match value {
                Value::Null(kind) => match kind {
                    Kind::Bool => args.add(None::<bool>),
                    Kind::I32 => args.add(None::<i32>),
                    Kind::I64 => args.add(None::<i64>),
                    Kind::F64 => args.add(None::<f64>),
                    Kind::Text => args.add(None::<String>),
                    Kind::Uuid => args.add(None::<Uuid>),
                    Kind::Date => args.add(None::<chrono::NaiveDate>),
                    Kind::DateTime => args.add(None::<chrono::DateTime<chrono::Utc>>),
                },
                Value::Bool(v) => args.add(v),
                Value::I32(v) => args.add(v),
                Value::I64(v) => args.add(v),
                Value::F64(v) => args.add(v),
                Value::Text(v) => args.add(v),
                Value::Uuid(v) => args.add(v),
                Value::Date(v) => args.add(v),
                Value::DateTime(v) => args.add(v),
            };
            added.map_err(sqlx::Error::Encode)?;
        }
        args
    }};
}

macro_rules! backend {
    ($feature:literal, $db:ty, $dialect:expr $(, { $($extra:tt)* })?) => {
        #[cfg(feature = $feature)]
        impl sealed::Sealed for $db {}

        #[cfg(feature = $feature)]
        impl Backend for $db {
            const DIALECT: Dialect = $dialect;
            $($($extra)*)?

            fn fetch_all<'e, 'c: 'e, E, O>(
                executor: E,
                sql: impl Into<Cow<'static, str>> + Send,
                values: Vec<Value>,
            ) -> impl Future<Output = Result<Vec<O>>> + Send + 'e
            where
                E: 'e + Executor<'c, Database = Self>,
                O: 'e + for<'r> FromRow<'r, Self::Row> + Send + Unpin,
            {
                let sql = sqlx::AssertSqlSafe(sql.into());
                async move {
                    let args = arguments!(Self, values);
                    Ok(sqlx::query_as_with::<Self, O, _>(sql, args)
                        .fetch_all(executor)
                        .await?)
                }
            }

            fn fetch_optional<'e, 'c: 'e, E, O>(
                executor: E,
                sql: impl Into<Cow<'static, str>> + Send,
                values: Vec<Value>,
            ) -> impl Future<Output = Result<Option<O>>> + Send + 'e
            where
                E: 'e + Executor<'c, Database = Self>,
                O: 'e + for<'r> FromRow<'r, Self::Row> + Send + Unpin,
            {
                let sql = sqlx::AssertSqlSafe(sql.into());
                async move {
                    let args = arguments!(Self, values);
                    Ok(sqlx::query_as_with::<Self, O, _>(sql, args)
                        .fetch_optional(executor)
                        .await?)
                }
            }

            fn fetch_count<'e, 'c: 'e, E>(
                executor: E,
                sql: impl Into<Cow<'static, str>> + Send,
                values: Vec<Value>,
            ) -> impl Future<Output = Result<i64>> + Send + 'e
            where
                E: 'e + Executor<'c, Database = Self>,
            {
                let sql = sqlx::AssertSqlSafe(sql.into());
                async move {
                    let args = arguments!(Self, values);
                    Ok(sqlx::query_scalar_with::<Self, i64, _>(sql, args)
                        .fetch_one(executor)
                        .await?)
                }
            }

            fn execute<'e, 'c: 'e, E>(
                executor: E,
                sql: impl Into<Cow<'static, str>> + Send,
                values: Vec<Value>,
            ) -> impl Future<Output = Result<u64>> + Send + 'e
            where
                E: 'e + Executor<'c, Database = Self>,
            {
                let sql = sqlx::AssertSqlSafe(sql.into());
                async move {
                    let args = arguments!(Self, values);
                    Ok(sqlx::query_with::<Self, _>(sql, args)
                        .execute(executor)
                        .await?
                        .rows_affected())
                }
            }
        }
    };
}

backend!("sqlite", sqlx::Sqlite, Dialect::Sqlite, {
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
});
backend!("mysql", sqlx::MySql, Dialect::MySql);
backend!("postgres", sqlx::Postgres, Dialect::Postgres, {
    fn enter_tenant(
        conn: &mut sqlx::PgConnection,
        tenant: TenantId,
    ) -> impl Future<Output = Result<()>> + Send + '_ {
        crate::postgres::enter_tenant(conn, tenant)
    }

    fn begin_entered(entry: Entry) -> sqlx::SqlStr {
        crate::postgres::begin_entered(entry)
    }
});

// `TenantId` is stored exactly as a UUID on every backend.
impl<DB: Database> Type<DB> for TenantId
where
    Uuid: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <Uuid as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <Uuid as Type<DB>>::compatible(ty)
    }
}

impl<'q, DB: Database> Encode<'q, DB> for TenantId
where
    Uuid: Encode<'q, DB>,
{
    fn encode_by_ref(
        &self,
        buf: &mut <DB as Database>::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, BoxDynError> {
        <Uuid as Encode<'q, DB>>::encode_by_ref(&self.as_uuid(), buf)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for TenantId
where
    Uuid: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        <Uuid as Decode<'r, DB>>::decode(value).map(TenantId::from_uuid)
    }
}
