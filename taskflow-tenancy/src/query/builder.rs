//! The query builder behind `Model::scoped(&mut tx)`.
//!
//! Every statement it renders starts its `WHERE` clause with `tenant = <bound parameter>`
//! (or, for inserts, takes the tenant from the scope), and the tenant column cannot be named
//! in a filter, an order or a patch.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::task::Poll;

use sqlx::{Executor, FromRow};

use crate::error::{Error, Result};
use crate::query::backend::{Backend, Dialect};
use crate::query::model::{Filter, NewRow, Order, PatchRow, TenantModel};
use crate::query::model::{Node, Op};
use crate::query::sql::Sql;
use crate::query::value::{Ordered, SqlValue, Value};
use crate::scope::tenant::TenantId;
use crate::scope::tx::{FetchRows, TenantConn};

/// A query on one tenant's rows of model `M`, made by `M::scoped(&mut tx)` on a
/// [`TenantTx`](crate::TenantTx).
///
/// The tenant is the transaction's: nothing here can name, change or widen it. Filters are
/// joined with `AND`; the methods that run SQL run it on the transaction the builder was made
/// from, and take no executor.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantDb, TenantId};
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
/// let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// db.migrate().await?;
/// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL, id INTEGER NOT NULL, \
///              body TEXT NOT NULL, stars INTEGER NOT NULL, PRIMARY KEY (tenant_id, id))")
///     .execute(db.pool()).await?;
///
/// let admin = AdminCapability::grant("docs", "example tenants")?;
/// db.create(&admin, "Acme", "acme").await?;
/// db.create(&admin, "Globex", "globex").await?;
/// let acme = db.scope_by_subdomain("acme").await?;
/// let globex = db.scope_by_subdomain("globex").await?;
///
/// let mut tx = db.begin(&acme).await?;
/// Note::scoped(&mut tx).insert(NewNote { id: 1, body: "hello".into(), stars: 3 }).await?;
/// Note::scoped(&mut tx).insert(NewNote { id: 2, body: "world".into(), stars: 5 }).await?;
/// let starred = Note::scoped(&mut tx)
///     .filter(Note::STARS.ge(4))
///     .order_by(Note::ID.asc())
///     .fetch_all()
///     .await?;
/// assert_eq!(starred.len(), 1);
/// assert_eq!(starred[0].body, "world");
/// tx.commit().await?;
///
/// // Globex sees none of Acme's notes, even by key.
/// let mut tx = db.begin(&globex).await?;
/// assert_eq!(Note::scoped(&mut tx).count().await?, 0);
/// assert!(Note::scoped(&mut tx).get(1).await?.is_none());
/// # Ok(())
/// # }
/// ```
#[must_use = "a query does nothing until it runs"]
pub struct Scoped<'t, M: TenantModel, C: ?Sized> {
    conn: &'t mut C,
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
    capability: &'static str,
    reason: String,
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
    checked: OnceLock<Result<(), &'static str>>,
}

impl Statements {
    /// Empty: each statement is rendered on first use.
    pub const fn new() -> Self {
        Statements {
            select_head: PerDialect::new(),
            get_by_key: PerDialect::new(),
            insert_one: PerDialect::new(),
            checked: OnceLock::new(),
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

impl Sql {
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
            Node::Search(search) => self.search(search),
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
            Op::ContainsIgnoringCase(v) => {
                self.push("LOWER(");
                self.ident(column);
                self.push(") LIKE ");
                self.bind(v.clone());
                self.push(" ESCAPE '!'");
            }
            Op::In(vs) | Op::NotIn(vs) => {
                let negated = matches!(op, Op::NotIn(_));
                if vs.is_empty() {
                    self.push(if negated { "1 = 1" } else { "1 = 0" });
                    return;
                }
                self.ident(column);
                self.push(if negated { " NOT IN (" } else { " IN (" });
                self.bind_list(vs.iter().cloned()).push(")");
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
    fn render_select(&self, dialect: Dialect, count: bool) -> Sql {
        let mut sql = Sql::new(dialect);
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
                    None => sql.push(match dialect {
                        Dialect::Sqlite => "-1",
                        Dialect::MySql => "18446744073709551615",
                        Dialect::Postgres => "ALL",
                    }),
                };
                if let Some(n) = offset {
                    sql.push(" OFFSET ");
                    sql.bind(Value::I64(clamp(n)));
                }
            }
        }
        sql
    }

    fn render_exists(&self, dialect: Dialect) -> Sql {
        let mut sql = Sql::new(dialect);
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

    fn render_delete(&self, dialect: Dialect) -> Result<Sql> {
        self.check_no_window()?;
        let mut sql = Sql::new(dialect);
        sql.push("DELETE FROM ");
        sql.ident(M::INFO.table);
        sql.where_clause::<M>(self.tenant, &self.filters);
        Ok(sql)
    }

    fn render_update(
        &self,
        dialect: Dialect,
        assignments: Vec<(&'static str, Value)>,
    ) -> Result<Option<Sql>> {
        self.check_no_window()?;
        if assignments.is_empty() {
            return Ok(None);
        }
        let mut sql = Sql::new(dialect);
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

fn insert_sql<M: TenantModel>(dialect: Dialect, rows: usize) -> Sql {
    let mut sql = Sql::new(dialect);
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

/// Checks what a model says of itself before any of it becomes SQL: plain identifiers, and a
/// tenant column that is neither a column of its own nor the key. `#[tenant_scoped]` checks
/// the same at compile time and caches this answer in the model's statements; a hand-written
/// [`TenantModel`] is checked here on every query.
fn check_model<M: TenantModel>() -> Result<()> {
    fn run(info: &crate::query::model::ModelInfo) -> Result<(), &'static str> {
        let plain = crate::query::backend::is_plain_identifier;
        if !plain(info.table) || !plain(info.tenant_column) || !plain(info.key_column) {
            return Err("the model's table, tenant or key name is not a plain SQL identifier");
        }
        if info.columns.iter().any(|c| !plain(c.name)) {
            return Err("a column name of the model is not a plain SQL identifier");
        }
        if info.columns.iter().any(|c| c.name == info.tenant_column) {
            return Err("the model lists its tenant column among its columns");
        }
        if info.column(info.key_column).is_none() {
            return Err("the model's key is not one of its columns");
        }
        Ok(())
    }
    let checked = match M::__statements() {
        Some(statements) => *statements.checked.get_or_init(|| run(&M::INFO)),
        None => run(&M::INFO),
    };
    checked.map_err(Error::InvalidQuery)
}

/// The assignments of a patch, refused if one names the tenant, the key, or no column of the
/// model: a patch may change a row's data, never which tenant or which key it belongs to.
fn checked_assignments<M: TenantModel>(patch: &M::Patch) -> Result<Vec<(&'static str, Value)>> {
    let assignments = patch.assignments();
    let info = &M::INFO;
    for (column, _) in &assignments {
        if *column == info.tenant_column || *column == info.key_column {
            return Err(Error::InvalidQuery(
                "a patch cannot assign the tenant or the key column",
            ));
        }
        if info.column(column).is_none() {
            return Err(Error::InvalidQuery(
                "a patch assigns a column the model does not have",
            ));
        }
    }
    Ok(assignments)
}

/// The values of a new row, refused unless there is one per column of the model.
fn checked_values<M: TenantModel>(values: Vec<Value>) -> Result<Vec<Value>> {
    if values.len() == M::INFO.columns.len() {
        Ok(values)
    } else {
        Err(Error::InvalidQuery(
            "a new row must give one value per column of the model, and none for the tenant",
        ))
    }
}

/// `filter`, `order_by`, `limit` and `offset`, the same on [`Scoped`] and [`AllTenants`]: each
/// adds to the `Select` inside.
macro_rules! window_methods {
    ($offset_advice:literal) => {
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

        #[doc = concat!("Skips the first `n` rows (", $offset_advice, ").")]
        pub fn offset(mut self, n: u64) -> Self {
            self.inner.offset = Some(n);
            self
        }
    };
}

// The statement methods return `impl Future + Send` rather than being `async fn`: with the
// declared bound, callers (an axum handler, a spawned task) need not prove `Send` through the
// connection's futures.
impl<'t, M: TenantModel, C: TenantConn + ?Sized> Scoped<'t, M, C> {
    /// The builder for the tenant `conn` was entered for; generated code calls this from
    /// `Model::scoped`.
    #[doc(hidden)]
    pub fn __new(conn: &'t mut C) -> Self {
        let tenant = conn.__tenant();
        Scoped {
            conn,
            inner: Select::new(Some(tenant)),
        }
    }

    /// The tenant every statement of this query binds: the transaction's.
    pub fn tenant_id(&self) -> TenantId {
        self.inner
            .tenant
            .expect("a scoped query always has a tenant")
    }

    window_methods!("prefer [`Scoped::after`] for deep pages");

    /// The SQL this query would run as a `SELECT`, with placeholders.
    pub fn to_sql(&self) -> String {
        self.inner.render_select(self.conn.__dialect(), false).text
    }

    /// Keyset pagination: rows strictly after (`value`, `key`) in the order `order` then key,
    /// ordered that way. Use it with [`Scoped::limit`]; the next page starts after the last
    /// row's (`value`, key).
    ///
    /// The column cannot be an `Option`: that is a compile error (at `cargo build`), because
    /// `column > NULL` matches no row and backends disagree on where `NULL`s sort, so pages
    /// would silently skip rows.
    ///
    /// ```
    /// use taskflow_tenancy::{tenant_scoped, TenantId, TenantTx};
    ///
    /// #[tenant_scoped(table = "tasks")]
    /// pub struct Task { pub tenant_id: TenantId, pub id: i64, pub rank: i32 }
    ///
    /// # fn show(tx: &mut TenantTx<sqlx::Sqlite>) {
    /// let next_page = Task::scoped(tx).after(Task::RANK.asc(), 10, 42).limit(50);
    /// assert!(next_page.to_sql().contains(r#"ORDER BY "rank" ASC, "id" ASC"#));
    /// # }
    /// ```
    pub fn after<T: Ordered>(mut self, order: Order<M, T>, value: T, key: M::Key) -> Self {
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

    /// Every matching row.
    pub fn fetch_all(self) -> impl Future<Output = Result<Vec<M>>> + Send + 't
    where
        C: FetchRows<M>,
    {
        let checked = check_model::<M>();
        let sql = self.inner.render_select(self.conn.__dialect(), false);
        let conn = self.conn;
        async move {
            checked?;
            conn.__fetch_all(Cow::Owned(sql.text), sql.values).await
        }
    }

    /// The first matching row, or `None`.
    pub fn fetch_optional(self) -> impl Future<Output = Result<Option<M>>> + Send + 't
    where
        C: FetchRows<M>,
    {
        let checked = check_model::<M>();
        let sql = self.inner.render_select(self.conn.__dialect(), false);
        let conn = self.conn;
        async move {
            checked?;
            conn.__fetch_optional(Cow::Owned(sql.text), sql.values)
                .await
        }
    }

    /// The first matching row; `Error::Database(sqlx::Error::RowNotFound)` when there is none.
    pub fn fetch_one(self) -> impl Future<Output = Result<M>> + Send + 't
    where
        C: FetchRows<M>,
    {
        let row = self.fetch_optional();
        async move { row.await?.ok_or(Error::Database(sqlx::Error::RowNotFound)) }
    }

    /// How many rows match (limit, offset and order are ignored).
    pub fn count(self) -> impl Future<Output = Result<u64>> + Send + 't {
        let checked = check_model::<M>();
        let sql = self.inner.render_select(self.conn.__dialect(), true);
        let conn = self.conn;
        async move {
            checked?;
            let n = conn.__fetch_count(Cow::Owned(sql.text), sql.values).await?;
            Ok(u64::try_from(n).unwrap_or(0))
        }
    }

    /// Whether any row matches.
    pub fn exists(self) -> impl Future<Output = Result<bool>> + Send + 't {
        let checked = check_model::<M>();
        let sql = self.inner.render_exists(self.conn.__dialect());
        let conn = self.conn;
        async move {
            checked?;
            Ok(conn.__fetch_count(Cow::Owned(sql.text), sql.values).await? > 0)
        }
    }

    /// Deletes every matching row; returns how many. Refuses a query with a limit, an
    /// offset or an order, which a delete would otherwise silently ignore.
    pub fn delete(self) -> impl Future<Output = Result<u64>> + Send + 't {
        let sql = check_model::<M>().and_then(|()| self.inner.render_delete(self.conn.__dialect()));
        let conn = self.conn;
        async move {
            let sql = sql?;
            conn.__execute(Cow::Owned(sql.text), sql.values).await
        }
    }

    /// The row with this key, if it is this tenant's (and matches the filters).
    pub fn get(mut self, key: M::Key) -> impl Future<Output = Result<Option<M>>> + Send + 't
    where
        C: FetchRows<M>,
    {
        let checked = check_model::<M>();
        let dialect = self.conn.__dialect();
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
                let sql = statements.get_by_key.get(dialect, || {
                    let mut by_key = Select::<M>::new(self.inner.tenant);
                    by_key.filters.push(Node::Cmp {
                        column: M::INFO.key_column,
                        op: Op::Eq(key.clone()),
                    });
                    by_key.render_select(dialect, false).text
                });
                (Cow::Borrowed(sql), vec![self.tenant_id().to_value(), key])
            }
            _ => {
                self.inner.filters.push(Node::Cmp {
                    column: M::INFO.key_column,
                    op: Op::Eq(key),
                });
                let sql = self.inner.render_select(dialect, false);
                (Cow::Owned(sql.text), sql.values)
            }
        };
        let conn = self.conn;
        async move {
            checked?;
            conn.__fetch_optional(sql, values).await
        }
    }

    /// Inserts one row for this tenant and returns it. The tenant comes from the transaction;
    /// the new-row type has no tenant field. Filters and order on the builder do not apply.
    pub fn insert(self, row: M::New) -> impl Future<Output = Result<M>> + Send + 't {
        let tenant = self.tenant_id();
        let dialect = self.conn.__dialect();
        let (values, model) = row.into_parts(tenant);
        let prepared = check_model::<M>()
            .and_then(|()| checked_values::<M>(values))
            .map(|values| match M::__statements() {
                Some(statements) => {
                    let sql = statements.insert_one.get(dialect, || {
                        let mut sql = insert_sql::<M>(dialect, 1);
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
                    let mut sql = insert_sql::<M>(dialect, 1);
                    push_row(&mut sql, true, tenant, values);
                    (Cow::Owned(sql.text), sql.values)
                }
            });
        let conn = self.conn;
        async move {
            let (sql, values) = prepared?;
            conn.__execute(sql, values).await?;
            Ok(model)
        }
    }

    /// Inserts many rows for this tenant in one statement (split to stay within the backend's
    /// parameter limit) and returns how many were inserted. When it takes several statements,
    /// each is built from `rows` while the database runs the one before. On a transaction
    /// from [`TenantDb::begin`](crate::TenantDb::begin) a split insert is all or nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantDb, TenantId};
    ///
    /// #[tenant_scoped(table = "notes")]
    /// pub struct Note { pub tenant_id: TenantId, pub id: i64, pub body: String }
    ///
    /// let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// db.migrate().await?;
    /// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL, id INTEGER NOT NULL, \
    ///              body TEXT NOT NULL, PRIMARY KEY (tenant_id, id))")
    ///     .execute(db.pool()).await?;
    /// let admin = AdminCapability::grant("docs", "example tenant")?;
    /// db.create(&admin, "Acme", "acme").await?;
    /// let acme = db.scope_by_subdomain("acme").await?;
    ///
    /// // 5,000 rows: several statements, in one transaction.
    /// let mut tx = db.begin(&acme).await?;
    /// let notes = (0..5000).map(|id| NewNote { id, body: format!("note {id}") });
    /// assert_eq!(Note::scoped(&mut tx).insert_many(notes).await?, 5000);
    /// assert_eq!(Note::scoped(&mut tx).count().await?, 5000);
    /// tx.commit().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn insert_many<I>(self, rows: I) -> Result<u64>
    where
        I: IntoIterator<Item = M::New>,
    {
        check_model::<M>()?;
        let tenant = self.tenant_id();
        let dialect = self.conn.__dialect();
        let per_row = M::INFO.columns.len() + 1;
        let chunk = (dialect.max_params() / per_row).clamp(1, 1000);
        let mut rows = rows.into_iter().peekable();
        let mut next_statement = || -> Result<Option<Sql>> {
            if rows.peek().is_none() {
                return Ok(None);
            }
            let mut sql = insert_sql::<M>(dialect, chunk);
            for (i, row) in rows.by_ref().take(chunk).enumerate() {
                let (values, _) = row.into_parts(tenant);
                push_row(&mut sql, i == 0, tenant, checked_values::<M>(values)?);
            }
            Ok(Some(sql))
        };
        let conn = self.conn;
        let mut inserted = 0;
        let mut statement = next_statement()?;
        while let Some(sql) = statement {
            let mut execute = std::pin::pin!(conn.__execute(Cow::Owned(sql.text), sql.values));
            // Poll once, which sends the statement, and build the next one while the database
            // runs it (on SQLite, sqlx's worker thread; elsewhere, the server).
            let polled = std::future::poll_fn(|cx| Poll::Ready(execute.as_mut().poll(cx))).await;
            let next = next_statement();
            inserted += match polled {
                Poll::Ready(result) => result?,
                Poll::Pending => execute.await?,
            };
            statement = next?;
        }
        Ok(inserted)
    }

    /// Applies `patch` to every matching row of this tenant; returns how many rows matched.
    /// An empty patch changes nothing and returns 0. A patch can never assign the tenant or
    /// the key: one that tries (only a hand-written [`TenantModel`] could) is refused with
    /// [`Error::InvalidQuery`].
    pub fn update(self, patch: &M::Patch) -> impl Future<Output = Result<u64>> + Send + 't {
        let dialect = self.conn.__dialect();
        let sql = check_model::<M>()
            .and_then(|()| checked_assignments::<M>(patch))
            .and_then(|assignments| self.inner.render_update(dialect, assignments));
        let conn = self.conn;
        async move {
            match sql? {
                Some(sql) => conn.__execute(Cow::Owned(sql.text), sql.values).await,
                None => Ok(0),
            }
        }
    }

    /// Applies `patch` to the row with this key; returns whether it is this tenant's row.
    pub fn update_by_key(
        mut self,
        key: M::Key,
        patch: &M::Patch,
    ) -> impl Future<Output = Result<bool>> + Send + 't {
        self.inner.filters.push(key_eq::<M>(key));
        let updated = self.update(patch);
        async move { Ok(updated.await? > 0) }
    }

    /// Deletes the row with this key; returns whether it was this tenant's row.
    pub fn delete_by_key(mut self, key: M::Key) -> impl Future<Output = Result<bool>> + Send + 't {
        self.inner.filters.push(key_eq::<M>(key));
        let deleted = self.delete();
        async move { Ok(deleted.await? > 0) }
    }
}

impl<M: TenantModel> AllTenants<M> {
    /// The builder over every tenant; generated code calls this from `Model::all_tenants`.
    #[doc(hidden)]
    pub fn __new(admin: &crate::scope::admin::AdminCapability) -> Self {
        AllTenants {
            inner: Select::new(None),
            capability: admin.name(),
            reason: admin.reason().to_owned(),
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

    window_methods!("for deep pages, filter on the last row seen instead");

    /// The SQL this query would run as a `SELECT` on `DB`, with placeholders.
    pub fn to_sql<DB: Backend>(&self) -> String {
        self.inner.render_select(DB::DIALECT, false).text
    }

    /// Logs, at the audit target, the cross-tenant statement that ran and how many rows it
    /// read, counted or deleted.
    fn audit(capability: &'static str, reason: &str, operation: &'static str, rows: u64) {
        tracing::info!(
            target: crate::scope::admin::AUDIT_TARGET,
            capability,
            reason,
            operation,
            table = M::INFO.table,
            rows,
            "admin capability used"
        );
    }

    /// Every matching row, of every tenant. Audited with the row count.
    pub fn fetch_all<'e, 'c: 'e, DB, E>(
        self,
        executor: E,
    ) -> impl Future<Output = Result<Vec<M>>> + Send + 'e
    where
        DB: Backend,
        E: 'e + Executor<'c, Database = DB>,
        M: for<'r> FromRow<'r, DB::Row>,
    {
        let checked = check_model::<M>();
        let sql = self.inner.render_select(DB::DIALECT, false);
        let (capability, reason) = (self.capability, self.reason);
        async move {
            checked?;
            let rows: Vec<M> = DB::fetch_all(executor, sql.text, sql.values).await?;
            Self::audit(capability, &reason, "select", rows.len() as u64);
            Ok(rows)
        }
    }

    /// How many rows match, over every tenant. Audited.
    pub fn count<'e, 'c: 'e, DB, E>(
        self,
        executor: E,
    ) -> impl Future<Output = Result<u64>> + Send + 'e
    where
        DB: Backend,
        E: 'e + Executor<'c, Database = DB>,
    {
        let checked = check_model::<M>();
        let sql = self.inner.render_select(DB::DIALECT, true);
        let (capability, reason) = (self.capability, self.reason);
        async move {
            checked?;
            let n =
                u64::try_from(DB::fetch_count(executor, sql.text, sql.values).await?).unwrap_or(0);
            Self::audit(capability, &reason, "count", n);
            Ok(n)
        }
    }

    /// Deletes every matching row, of every tenant; returns how many. Audited with the count,
    /// as a delete (a line an auditor tells apart from a count).
    pub fn delete<'e, 'c: 'e, DB, E>(
        self,
        executor: E,
    ) -> impl Future<Output = Result<u64>> + Send + 'e
    where
        DB: Backend,
        E: 'e + Executor<'c, Database = DB>,
    {
        let sql = check_model::<M>().and_then(|()| self.inner.render_delete(DB::DIALECT));
        let (capability, reason) = (self.capability, self.reason);
        async move {
            let sql = sql?;
            let n = DB::execute(executor, sql.text, sql.values).await?;
            Self::audit(capability, &reason, "delete", n);
            Ok(n)
        }
    }
}

fn key_eq<M: TenantModel>(key: M::Key) -> Node {
    Node::Cmp {
        column: M::INFO.key_column,
        op: Op::Eq(key.to_value()),
    }
}
