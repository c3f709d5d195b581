//! The query builder behind `Model::scoped(&scope)`.
//!
//! Every statement it renders starts its `WHERE` clause with `tenant = <bound parameter>`
//! (or, for inserts, takes the tenant from the scope), and the tenant column cannot be named
//! in a filter, an order or a patch.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::task::Poll;

use sqlx::{Executor, FromRow};

use crate::model::{Node, Op};
use crate::{
    Backend, Dialect, Error, Filter, NewRow, Order, PatchRow, Result, SqlValue, TenantId,
    TenantModel, TenantScope, Value,
};

/// A query on one tenant's rows of model `M`, made by `M::scoped(&scope)`.
///
/// Filters are joined with `AND`; nothing here can name, change or widen the tenant. Every
/// method that runs SQL takes an sqlx executor (`&pool`, `&mut *conn` or `&mut *tx`), and the
/// backend is inferred from it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantId, TenantStore};
///
/// #[tenant_scoped(table = "notes")]
/// #[derive(Debug, Clone, PartialEq)]
/// pub struct Note {
///     pub tenant_id: TenantId,
///     pub id: i64,
///     pub body: String,
///     pub stars: i32,
/// }
///
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// let store = TenantStore::new(pool.clone());
/// store.migrate().await?;
/// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL, id INTEGER NOT NULL, \
///              body TEXT NOT NULL, stars INTEGER NOT NULL, PRIMARY KEY (tenant_id, id))")
///     .execute(&pool).await?;
///
/// let admin = AdminCapability::grant("docs", "example tenants")?;
/// store.create(&admin, "Acme", "acme").await?;
/// store.create(&admin, "Globex", "globex").await?;
/// let acme = store.scope_by_subdomain("acme").await?;
/// let globex = store.scope_by_subdomain("globex").await?;
///
/// Note::scoped(&acme).insert(&pool, NewNote { id: 1, body: "hello".into(), stars: 3 }).await?;
/// Note::scoped(&acme).insert(&pool, NewNote { id: 2, body: "world".into(), stars: 5 }).await?;
///
/// let starred = Note::scoped(&acme)
///     .filter(Note::STARS.ge(4))
///     .order_by(Note::ID.asc())
///     .fetch_all(&pool)
///     .await?;
/// assert_eq!(starred.len(), 1);
/// assert_eq!(starred[0].body, "world");
///
/// // Globex sees none of Acme's notes, even by key.
/// assert_eq!(Note::scoped(&globex).count(&pool).await?, 0);
/// assert!(Note::scoped(&globex).get(&pool, 1).await?.is_none());
/// # Ok(())
/// # }
/// ```
#[must_use = "a query does nothing until it runs on an executor"]
pub struct Scoped<M: TenantModel> {
    inner: Select<M>,
}

/// A query across every tenant's rows of `M`, made by `M::all_tenants(&admin)` with an
/// [`AdminCapability`](crate::AdminCapability). It reads and deletes; it never inserts or
/// updates, since a row written on behalf of a tenant needs that tenant's scope.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantId};
///
/// #[tenant_scoped(table = "notes")]
/// pub struct Note { pub tenant_id: TenantId, pub id: i64 }
///
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL, id INTEGER NOT NULL, \
///              PRIMARY KEY (tenant_id, id))").execute(&pool).await?;
///
/// let admin = AdminCapability::grant("operator-console", "count notes for the usage report")?;
/// assert_eq!(Note::all_tenants(&admin).count(&pool).await?, 0);
/// # Ok(())
/// # }
/// ```
#[must_use = "a query does nothing until it runs on an executor"]
pub struct AllTenants<M: TenantModel> {
    inner: Select<M>,
}

struct Select<M> {
    tenant: Option<TenantId>,
    filters: Vec<Node>,
    order: Vec<(&'static str, bool)>,
    limit: Option<u64>,
    offset: Option<u64>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Select<M> {
    fn new(tenant: Option<TenantId>) -> Self {
        Select {
            tenant,
            filters: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            _marker: PhantomData,
        }
    }
}

/// The statements of one model whose text depends only on the backend: the head of every
/// `SELECT`, a row by key, a one-row insert. `#[tenant_scoped]` gives each model one in a
/// `static`, so these are rendered once per backend for the life of the program, and reading
/// them takes no lock: the commonest queries then build no SQL at all.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct Statements {
    select_head: PerDialect,
    get_by_key: PerDialect,
    insert_one: PerDialect,
}

impl Statements {
    /// Empty: each statement is rendered on first use.
    pub const fn new() -> Self {
        Statements {
            select_head: PerDialect::new(),
            get_by_key: PerDialect::new(),
            insert_one: PerDialect::new(),
        }
    }
}

#[derive(Debug, Default)]
struct PerDialect([OnceLock<Box<str>>; 3]);

impl PerDialect {
    const fn new() -> Self {
        PerDialect([const { OnceLock::new() }; 3])
    }

    fn get(&'static self, dialect: Dialect, render: impl FnOnce() -> String) -> &'static str {
        let slot = match dialect {
            Dialect::Sqlite => 0,
            Dialect::MySql => 1,
            Dialect::Postgres => 2,
        };
        self.0[slot].get_or_init(|| render().into_boxed_str())
    }
}

/// Renders SQL and collects the values to bind, numbering placeholders for the dialect.
struct Sql {
    dialect: Dialect,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(dialect: Dialect) -> Self {
        Sql {
            dialect,
            text: String::with_capacity(256),
            values: Vec::with_capacity(8),
        }
    }

    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn ident(&mut self, ident: &str) {
        self.dialect.push_quoted(&mut self.text, ident);
    }

    fn bind(&mut self, value: Value) {
        self.values.push(value);
        self.dialect
            .push_placeholder(&mut self.text, self.values.len());
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::And(a, b) | Node::Or(a, b) => {
                self.push("(");
                self.node(a);
                self.push(if matches!(node, Node::And(..)) {
                    " AND "
                } else {
                    " OR "
                });
                self.node(b);
                self.push(")");
            }
            Node::Cmp { column, op } => self.cmp(column, op),
        }
    }

    fn cmp(&mut self, column: &str, op: &Op) {
        let binary = |sql: &mut Sql, sym: &str, v: &Value| {
            sql.ident(column);
            sql.push(sym);
            sql.bind(v.clone());
        };
        match op {
            Op::Eq(Value::Null(_)) | Op::IsNull => {
                self.ident(column);
                self.push(" IS NULL");
            }
            Op::Ne(Value::Null(_)) | Op::IsNotNull => {
                self.ident(column);
                self.push(" IS NOT NULL");
            }
            Op::Eq(v) => binary(self, " = ", v),
            Op::Ne(v) => binary(self, " <> ", v),
            Op::Lt(v) => binary(self, " < ", v),
            Op::Le(v) => binary(self, " <= ", v),
            Op::Gt(v) => binary(self, " > ", v),
            Op::Ge(v) => binary(self, " >= ", v),
            Op::Like(v) => binary(self, " LIKE ", v),
            Op::In(vs) | Op::NotIn(vs) => {
                let negated = matches!(op, Op::NotIn(_));
                if vs.is_empty() {
                    self.push(if negated { "1 = 1" } else { "1 = 0" });
                    return;
                }
                self.ident(column);
                self.push(if negated { " NOT IN (" } else { " IN (" });
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.bind(v.clone());
                }
                self.push(")");
            }
        }
    }

    /// `WHERE tenant = ? AND filter AND ...`, or the filters alone for an all-tenants query.
    fn where_clause<M: TenantModel>(&mut self, tenant: Option<TenantId>, filters: &[Node]) {
        let mut first = true;
        if let Some(tenant) = tenant {
            self.push(" WHERE ");
            self.ident(M::INFO.tenant_column);
            self.push(" = ");
            self.bind(tenant.to_value());
            first = false;
        }
        for node in filters {
            self.push(if first { " WHERE " } else { " AND " });
            first = false;
            self.node(node);
        }
    }

    fn columns<M: TenantModel>(&mut self) {
        self.ident(M::INFO.tenant_column);
        for c in M::INFO.columns {
            self.push(", ");
            self.ident(c.name);
        }
    }

    /// `SELECT <every column> FROM <table>`.
    fn select_head<M: TenantModel>(&mut self) {
        let Some(statements) = M::__statements() else {
            return self.render_select_head::<M>();
        };
        let dialect = self.dialect;
        self.push(statements.select_head.get(dialect, || {
            let mut head = Sql::new(dialect);
            head.render_select_head::<M>();
            head.text
        }));
    }

    fn render_select_head<M: TenantModel>(&mut self) {
        self.push("SELECT ");
        self.columns::<M>();
        self.push(" FROM ");
        self.ident(M::INFO.table);
    }
}

impl<M: TenantModel> Select<M> {
    fn render_select<DB: Backend>(&self, count: bool) -> Sql {
        let mut sql = Sql::new(DB::DIALECT);
        if count {
            sql.push("SELECT COUNT(*) FROM ");
            sql.ident(M::INFO.table);
        } else {
            sql.select_head::<M>();
        }
        sql.where_clause::<M>(self.tenant, &self.filters);
        if count {
            return sql;
        }
        for (i, (column, desc)) in self.order.iter().enumerate() {
            sql.push(if i == 0 { " ORDER BY " } else { ", " });
            sql.ident(column);
            sql.push(if *desc { " DESC" } else { " ASC" });
        }
        match (self.limit, self.offset) {
            (None, None) => {}
            (limit, offset) => {
                sql.push(" LIMIT ");
                match limit {
                    Some(n) => sql.bind(Value::I64(clamp(n))),
                    None => sql.push(match DB::DIALECT {
                        Dialect::Sqlite => "-1",
                        Dialect::MySql => "18446744073709551615",
                        Dialect::Postgres => "ALL",
                    }),
                }
                if let Some(n) = offset {
                    sql.push(" OFFSET ");
                    sql.bind(Value::I64(clamp(n)));
                }
            }
        }
        sql
    }

    fn render_exists<DB: Backend>(&self) -> Sql {
        let mut sql = Sql::new(DB::DIALECT);
        sql.push("SELECT COUNT(*) FROM (SELECT 1 AS one FROM ");
        sql.ident(M::INFO.table);
        sql.where_clause::<M>(self.tenant, &self.filters);
        sql.push(" LIMIT 1) AS matched");
        sql
    }

    fn check_no_window(&self) -> Result<()> {
        if self.limit.is_some() || self.offset.is_some() || !self.order.is_empty() {
            return Err(Error::InvalidQuery(
                "update and delete apply to every matching row: remove limit, offset and order_by",
            ));
        }
        Ok(())
    }

    fn render_delete<DB: Backend>(&self) -> Result<Sql> {
        self.check_no_window()?;
        let mut sql = Sql::new(DB::DIALECT);
        sql.push("DELETE FROM ");
        sql.ident(M::INFO.table);
        sql.where_clause::<M>(self.tenant, &self.filters);
        Ok(sql)
    }

    fn render_update<DB: Backend>(&self, patch: &M::Patch) -> Result<Option<Sql>> {
        self.check_no_window()?;
        let assignments = patch.assignments();
        if assignments.is_empty() {
            return Ok(None);
        }
        let mut sql = Sql::new(DB::DIALECT);
        sql.push("UPDATE ");
        sql.ident(M::INFO.table);
        sql.push(" SET ");
        for (i, (column, value)) in assignments.into_iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.ident(column);
            sql.push(" = ");
            sql.bind(value);
        }
        sql.where_clause::<M>(self.tenant, &self.filters);
        Ok(Some(sql))
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn insert_sql<DB: Backend, M: TenantModel>(rows: usize) -> Sql {
    let mut sql = Sql::new(DB::DIALECT);
    sql.push("INSERT INTO ");
    sql.ident(M::INFO.table);
    sql.push(" (");
    sql.columns::<M>();
    sql.push(") VALUES ");
    sql.text.reserve(rows * (M::INFO.columns.len() + 1) * 4);
    sql.values.reserve(rows * (M::INFO.columns.len() + 1));
    sql
}

fn push_row(sql: &mut Sql, first: bool, tenant: TenantId, values: Vec<Value>) {
    sql.push(if first { "(" } else { ", (" });
    sql.bind(tenant.to_value());
    for v in values {
        sql.push(", ");
        sql.bind(v);
    }
    sql.push(")");
}

// The statement methods return `impl Future + Send` rather than being `async fn`: with the
// declared bound, callers (an axum handler, a spawned task) need not prove `Send` through
// sqlx's higher-ranked executor bounds, which rustc cannot yet do (rust-lang/rust#100013).
macro_rules! shared_builder_methods {
    () => {
        /// Adds a condition; conditions are joined with `AND`.
        pub fn filter(mut self, filter: Filter<M>) -> Self {
            self.inner.filters.push(filter.node);
            self
        }

        /// Adds an ordering; several are applied in the order given.
        pub fn order_by<T>(mut self, order: Order<M, T>) -> Self {
            self.inner.order.push((order.column, order.desc));
            self
        }

        /// At most `n` rows.
        pub fn limit(mut self, n: u64) -> Self {
            self.inner.limit = Some(n);
            self
        }

        /// Skips the first `n` rows (prefer [`Scoped::after`] for deep pages).
        pub fn offset(mut self, n: u64) -> Self {
            self.inner.offset = Some(n);
            self
        }

        /// Every matching row.
        pub fn fetch_all<'e, 'c: 'e, DB, E>(
            self,
            executor: E,
        ) -> impl Future<Output = Result<Vec<M>>> + Send
        where
            DB: Backend,
            E: 'e + Executor<'c, Database = DB>,
            M: for<'r> FromRow<'r, DB::Row>,
        {
            let sql = self.inner.render_select::<DB>(false);
            DB::fetch_all(executor, sql.text, sql.values)
        }

        /// The first matching row, or `None`.
        pub fn fetch_optional<'e, 'c: 'e, DB, E>(
            self,
            executor: E,
        ) -> impl Future<Output = Result<Option<M>>> + Send
        where
            DB: Backend,
            E: 'e + Executor<'c, Database = DB>,
            M: for<'r> FromRow<'r, DB::Row>,
        {
            let sql = self.inner.render_select::<DB>(false);
            DB::fetch_optional(executor, sql.text, sql.values)
        }

        /// The first matching row; `Error::Database(sqlx::Error::RowNotFound)` when there is none.
        pub fn fetch_one<'e, 'c: 'e, DB, E>(
            self,
            executor: E,
        ) -> impl Future<Output = Result<M>> + Send
        where
            DB: Backend,
            E: 'e + Executor<'c, Database = DB>,
            M: for<'r> FromRow<'r, DB::Row>,
        {
            let row = self.fetch_optional(executor);
            async move { row.await?.ok_or(Error::Database(sqlx::Error::RowNotFound)) }
        }

        /// How many rows match (limit, offset and order are ignored).
        pub fn count<'e, 'c: 'e, DB, E>(
            self,
            executor: E,
        ) -> impl Future<Output = Result<u64>> + Send
        where
            DB: Backend,
            E: 'e + Executor<'c, Database = DB>,
        {
            let sql = self.inner.render_select::<DB>(true);
            let n = DB::fetch_count(executor, sql.text, sql.values);
            async move { Ok(u64::try_from(n.await?).unwrap_or(0)) }
        }

        /// Whether any row matches.
        pub fn exists<'e, 'c: 'e, DB, E>(
            self,
            executor: E,
        ) -> impl Future<Output = Result<bool>> + Send
        where
            DB: Backend,
            E: 'e + Executor<'c, Database = DB>,
        {
            let sql = self.inner.render_exists::<DB>();
            let n = DB::fetch_count(executor, sql.text, sql.values);
            async move { Ok(n.await? > 0) }
        }

        /// Deletes every matching row; returns how many. Refuses a query with a limit, an
        /// offset or an order, which a delete would otherwise silently ignore.
        pub fn delete<'e, 'c: 'e, DB, E>(
            self,
            executor: E,
        ) -> impl Future<Output = Result<u64>> + Send
        where
            DB: Backend,
            E: 'e + Executor<'c, Database = DB>,
        {
            let sql = self.inner.render_delete::<DB>();
            async move {
                let sql = sql?;
                DB::execute(executor, sql.text, sql.values).await
            }
        }

        /// The SQL this query would run as a `SELECT` on `DB`, with placeholders.
        pub fn to_sql<DB: Backend>(&self) -> String {
            self.inner.render_select::<DB>(false).text
        }
    };
}

impl<M: TenantModel> Scoped<M> {
    /// The builder for `scope`'s rows; generated code calls this from `Model::scoped`.
    #[doc(hidden)]
    pub fn __new(scope: &TenantScope) -> Self {
        Scoped {
            inner: Select::new(Some(scope.tenant_id())),
        }
    }

    /// The tenant every statement of this query binds.
    pub fn tenant_id(&self) -> TenantId {
        self.inner
            .tenant
            .expect("a scoped query always has a tenant")
    }

    shared_builder_methods!();

    /// Keyset pagination: rows strictly after (`value`, `key`) in the order `order` then key,
    /// ordered that way. Use it with [`Scoped::limit`]; the next page starts after the last
    /// row's (`value`, key).
    ///
    /// The column cannot be an `Option`: that is a compile error (at `cargo build`), because
    /// `column > NULL` matches no row and backends disagree on where `NULL`s sort, so pages
    /// would silently skip rows.
    ///
    /// ```
    /// use taskflow_tenancy::{tenant_scoped, TenantId};
    ///
    /// #[tenant_scoped(table = "tasks")]
    /// pub struct Task { pub tenant_id: TenantId, pub id: i64, pub rank: i32 }
    ///
    /// # fn show(scope: &taskflow_tenancy::TenantScope) {
    /// let next_page = Task::scoped(scope).after(Task::RANK.asc(), 10, 42).limit(50);
    /// assert!(next_page.to_sql::<sqlx::Sqlite>().contains(r#"ORDER BY "rank" ASC, "id" ASC"#));
    /// # }
    /// ```
    pub fn after<T: crate::Ordered>(mut self, order: Order<M, T>, value: T, key: M::Key) -> Self {
        const {
            assert!(
                !T::NULLABLE,
                "keyset pagination needs a column that cannot be NULL: page on another column, or on the key with `after_key`"
            )
        };
        let key_column = M::INFO.key_column;
        let (value, key) = (value.to_value(), key.to_value());
        let (beyond, beyond_key) = if order.desc {
            (Op::Lt(value.clone()), Op::Lt(key))
        } else {
            (Op::Gt(value.clone()), Op::Gt(key))
        };
        let column = order.column;
        self.inner.filters.push(Node::Or(
            Box::new(Node::Cmp { column, op: beyond }),
            Box::new(Node::And(
                Box::new(Node::Cmp {
                    column,
                    op: Op::Eq(value),
                }),
                Box::new(Node::Cmp {
                    column: key_column,
                    op: beyond_key,
                }),
            )),
        ));
        self.inner.order.push((column, order.desc));
        self.inner.order.push((key_column, order.desc));
        self
    }

    /// Keyset pagination on the key alone: rows with a key after `key`, in key order.
    pub fn after_key(mut self, key: M::Key) -> Self {
        let column = M::INFO.key_column;
        self.inner.filters.push(Node::Cmp {
            column,
            op: Op::Gt(key.to_value()),
        });
        self.inner.order.push((column, false));
        self
    }

    /// The row with this key, if it is this tenant's (and matches the filters).
    pub fn get<'e, 'c: 'e, DB, E>(
        mut self,
        executor: E,
        key: M::Key,
    ) -> impl Future<Output = Result<Option<M>>> + Send
    where
        DB: Backend,
        E: 'e + Executor<'c, Database = DB>,
        M: for<'r> FromRow<'r, DB::Row>,
    {
        let key = key.to_value();
        // A bare scope and a non-NULL key: the statement is the same every time.
        let (sql, values) = match M::__statements() {
            Some(statements)
                if self.inner.filters.is_empty()
                    && self.inner.order.is_empty()
                    && self.inner.limit.is_none()
                    && self.inner.offset.is_none()
                    && !matches!(key, Value::Null(_)) =>
            {
                let sql = statements.get_by_key.get(DB::DIALECT, || {
                    let mut by_key = Select::<M>::new(self.inner.tenant);
                    by_key.filters.push(Node::Cmp {
                        column: M::INFO.key_column,
                        op: Op::Eq(key.clone()),
                    });
                    by_key.render_select::<DB>(false).text
                });
                (Cow::Borrowed(sql), vec![self.tenant_id().to_value(), key])
            }
            _ => {
                self.inner.filters.push(Node::Cmp {
                    column: M::INFO.key_column,
                    op: Op::Eq(key),
                });
                let sql = self.inner.render_select::<DB>(false);
                (Cow::Owned(sql.text), sql.values)
            }
        };
        DB::fetch_optional(executor, sql, values)
    }

    /// Inserts one row for this tenant and returns it. The tenant comes from the scope; the
    /// new-row type has no tenant field. Filters and order on the builder do not apply.
    pub fn insert<'e, 'c: 'e, DB, E>(
        self,
        executor: E,
        row: M::New,
    ) -> impl Future<Output = Result<M>> + Send
    where
        DB: Backend,
        E: 'e + Executor<'c, Database = DB>,
    {
        let tenant = self.tenant_id();
        let (values, model) = row.into_parts(tenant);
        let (sql, values) = match M::__statements() {
            Some(statements) => {
                let sql = statements.insert_one.get(DB::DIALECT, || {
                    let mut sql = insert_sql::<DB, M>(1);
                    push_row(&mut sql, true, tenant, values.clone());
                    sql.text
                });
                // In the order `push_row` binds them: the tenant, then the columns.
                let mut bound = Vec::with_capacity(values.len() + 1);
                bound.push(tenant.to_value());
                bound.extend(values);
                (Cow::Borrowed(sql), bound)
            }
            None => {
                let mut sql = insert_sql::<DB, M>(1);
                push_row(&mut sql, true, tenant, values);
                (Cow::Owned(sql.text), sql.values)
            }
        };
        let inserted = DB::execute(executor, sql, values);
        async move {
            inserted.await?;
            Ok(model)
        }
    }

    /// Inserts many rows for this tenant in one statement (split to stay within the backend's
    /// parameter limit) and returns how many were inserted. When it takes several statements,
    /// each is built from `rows` while the database runs the one before.
    ///
    /// Run it in a transaction to make a split insert all-or-nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantId, TenantStore};
    ///
    /// #[tenant_scoped(table = "notes")]
    /// pub struct Note { pub tenant_id: TenantId, pub id: i64, pub body: String }
    ///
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    /// let store = TenantStore::new(pool.clone());
    /// store.migrate().await?;
    /// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL, id INTEGER NOT NULL, \
    ///              body TEXT NOT NULL, PRIMARY KEY (tenant_id, id))")
    ///     .execute(&pool).await?;
    /// let admin = AdminCapability::grant("docs", "example tenant")?;
    /// store.create(&admin, "Acme", "acme").await?;
    /// let acme = store.scope_by_subdomain("acme").await?;
    ///
    /// // 5,000 rows: several statements, in one transaction.
    /// let mut tx = pool.begin().await?;
    /// let notes = (0..5000).map(|id| NewNote { id, body: format!("note {id}") });
    /// assert_eq!(Note::scoped(&acme).insert_many(&mut tx, notes).await?, 5000);
    /// tx.commit().await?;
    /// assert_eq!(Note::scoped(&acme).count(&pool).await?, 5000);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn insert_many<'a, DB, A, I>(self, conn: A, rows: I) -> Result<u64>
    where
        DB: Backend,
        A: sqlx::Acquire<'a, Database = DB>,
        for<'x> &'x mut DB::Connection: Executor<'x, Database = DB>,
        I: IntoIterator<Item = M::New>,
    {
        let tenant = self.tenant_id();
        let per_row = M::INFO.columns.len() + 1;
        let chunk = (DB::DIALECT.max_params() / per_row).clamp(1, 1000);
        let mut rows = rows.into_iter().peekable();
        let mut next_statement = || {
            rows.peek()?;
            let mut sql = insert_sql::<DB, M>(chunk);
            for (i, row) in rows.by_ref().take(chunk).enumerate() {
                let (values, _) = row.into_parts(tenant);
                push_row(&mut sql, i == 0, tenant, values);
            }
            Some(sql)
        };
        let mut conn = conn.acquire().await?;
        let mut inserted = 0;
        let mut statement = next_statement();
        while let Some(sql) = statement {
            let mut execute = std::pin::pin!(DB::execute(&mut *conn, sql.text, sql.values));
            // Poll once, which sends the statement, and build the next one while the database
            // runs it (on SQLite, sqlx's worker thread; elsewhere, the server).
            let polled = std::future::poll_fn(|cx| Poll::Ready(execute.as_mut().poll(cx))).await;
            statement = next_statement();
            inserted += match polled {
                Poll::Ready(result) => result?,
                Poll::Pending => execute.await?,
            };
        }
        Ok(inserted)
    }

    /// Applies `patch` to every matching row of this tenant; returns how many rows matched.
    /// An empty patch changes nothing and returns 0.
    pub fn update<'e, 'c: 'e, DB, E>(
        self,
        executor: E,
        patch: &M::Patch,
    ) -> impl Future<Output = Result<u64>> + Send
    where
        DB: Backend,
        E: 'e + Executor<'c, Database = DB>,
    {
        let sql = self.inner.render_update::<DB>(patch);
        async move {
            match sql? {
                Some(sql) => DB::execute(executor, sql.text, sql.values).await,
                None => Ok(0),
            }
        }
    }

    /// Applies `patch` to the row with this key; returns whether it is this tenant's row.
    pub fn update_by_key<'e, 'c: 'e, DB, E>(
        mut self,
        executor: E,
        key: M::Key,
        patch: &M::Patch,
    ) -> impl Future<Output = Result<bool>> + Send
    where
        DB: Backend,
        E: 'e + Executor<'c, Database = DB>,
    {
        self.inner.filters.push(key_eq::<M>(key));
        let updated = self.update(executor, patch);
        async move { Ok(updated.await? > 0) }
    }

    /// Deletes the row with this key; returns whether it was this tenant's row.
    pub fn delete_by_key<'e, 'c: 'e, DB, E>(
        mut self,
        executor: E,
        key: M::Key,
    ) -> impl Future<Output = Result<bool>> + Send
    where
        DB: Backend,
        E: 'e + Executor<'c, Database = DB>,
    {
        self.inner.filters.push(key_eq::<M>(key));
        let deleted = self.delete(executor);
        async move { Ok(deleted.await? > 0) }
    }
}

impl<M: TenantModel> AllTenants<M> {
    /// The builder over every tenant; generated code calls this from `Model::all_tenants`.
    #[doc(hidden)]
    pub fn __new(admin: &crate::AdminCapability) -> Self {
        admin.record_use(M::INFO.table);
        AllTenants {
            inner: Select::new(None),
        }
    }

    /// Only rows of `tenant`.
    pub fn tenant(mut self, tenant: TenantId) -> Self {
        self.inner.filters.push(Node::Cmp {
            column: M::INFO.tenant_column,
            op: Op::Eq(tenant.to_value()),
        });
        self
    }

    shared_builder_methods!();
}

fn key_eq<M: TenantModel>(key: M::Key) -> Node {
    Node::Cmp {
        column: M::INFO.key_column,
        op: Op::Eq(key.to_value()),
    }
}
