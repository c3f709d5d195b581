//! What `#[tenant_scoped]` generates code against: model metadata, typed columns and filters.

use std::fmt;
use std::marker::PhantomData;

use crate::query::value::{Kind, Ordered, SqlValue, Textual, Value};
use crate::scope::tenant::TenantId;

/// A model whose rows belong to one tenant each. Implemented by `#[tenant_scoped]`, never by hand.
///
/// **Implementing it by hand voids the guarantee** for that model: the compile-time checks of
/// `#[tenant_scoped]` do not run. The query builder still checks what it can at run time, and
/// refuses with [`Error::InvalidQuery`](crate::Error::InvalidQuery) a model whose names are not
/// plain identifiers or that lists its tenant column as a column, a patch that assigns the
/// tenant or the key (or a column the model does not have), and a new row whose values do not
/// match the columns; it cannot check that `FromRow` or `value_of` tell the truth.
///
/// The metadata in [`TenantModel::INFO`] drives the query builder, the
/// [schema audit](crate::audit) and the PostgreSQL row-level-security DDL.
///
/// ```
/// use taskflow_tenancy::{tenant_scoped, TenantId, TenantModel};
///
/// #[tenant_scoped(table = "notes")]
/// #[derive(Debug, Clone)]
/// pub struct Note {
///     pub tenant_id: TenantId,
///     pub id: uuid::Uuid,
///     pub body: String,
/// }
///
/// assert_eq!(Note::INFO.table, "notes");
/// assert_eq!(Note::INFO.tenant_column, "tenant_id");
/// assert_eq!(Note::INFO.key_column, "id");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tenant-scoped model",
    label = "not declared with `#[tenant_scoped]`",
    note = "add `#[tenant_scoped(table = \"...\")]` to `{Self}`: a tenant-scoped model may only reference other tenant-scoped models, so that every foreign key can include `tenant_id`"
)]
pub trait TenantModel: Sized + Send + Unpin + 'static {
    /// The type of the key column.
    type Key: SqlValue + Clone + Send + Sync + 'static;
    /// The generated new-row type (`New<Model>`): every column but the tenant.
    type New: NewRow<Self>;
    /// The generated patch type (`<Model>Patch`): every column but the tenant and the key.
    type Patch: PatchRow;
    /// Table, columns, keys, per-tenant uniques and references.
    const INFO: ModelInfo;

    /// The row's tenant.
    fn tenant_id(&self) -> TenantId;
    /// The row's key.
    fn key(&self) -> Self::Key;
    /// The value of a column by name (tenant column included), `None` for an unknown name.
    fn value_of(&self, column: &str) -> Option<Value>;

    /// Where the query builder keeps this model's statements once rendered; `#[tenant_scoped]`
    /// returns a `static` of the model. `None` renders every statement afresh.
    #[doc(hidden)]
    fn __statements() -> Option<&'static crate::__private::Statements> {
        None
    }
}

/// A generated new-row type: the columns of an insert, without the tenant.
pub trait NewRow<M>: Send + 'static {
    /// The values in [`ModelInfo::columns`] order, and the row as it will be stored.
    fn into_parts(self, tenant_id: TenantId) -> (Vec<Value>, M);
}

/// A generated patch type: `Some` fields are set, `None` fields are left alone.
pub trait PatchRow: Send + 'static {
    /// The `(column, value)` pairs to set.
    fn assignments(&self) -> Vec<(&'static str, Value)>;
}

/// Static description of a tenant-scoped model.
///
/// See [`TenantModel`] for an example.
#[derive(Debug, Clone, Copy)]
pub struct ModelInfo {
    /// The Rust type name.
    pub name: &'static str,
    /// The table name.
    pub table: &'static str,
    /// The tenant column (type [`TenantId`]).
    pub tenant_column: &'static str,
    /// The key column; the primary key is `(tenant_column, key_column)`.
    pub key_column: &'static str,
    /// Every column but the tenant column, in declaration order (the key included).
    pub columns: &'static [ColumnInfo],
    /// Column sets that are unique per tenant; each is enforced as `UNIQUE (tenant, ...)`.
    pub unique: &'static [&'static [&'static str]],
    /// References to other tenant-scoped models.
    pub references: &'static [ReferenceInfo],
}

impl ModelInfo {
    /// The column named `name`, if the model has it (not the tenant column).
    ///
    /// ```
    /// use taskflow_tenancy::{tenant_scoped, Kind, TenantId, TenantModel};
    ///
    /// #[tenant_scoped(table = "tags")]
    /// pub struct Tag { pub tenant_id: TenantId, pub id: i64, pub label: Option<String> }
    ///
    /// let label = Tag::INFO.column("label").unwrap();
    /// assert_eq!(label.kind, Kind::Text);
    /// assert!(label.nullable);
    /// assert!(Tag::INFO.column("tenant_id").is_none());
    /// ```
    pub fn column(&self, name: &str) -> Option<&'static ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One column of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnInfo {
    /// Column name.
    pub name: &'static str,
    /// SQL type family.
    pub kind: Kind,
    /// Whether `NULL` is allowed (the field is an `Option`).
    pub nullable: bool,
}

/// A reference from a column to another tenant-scoped model's key.
///
/// The database must enforce it as the composite foreign key
/// `(tenant, column) REFERENCES table (tenant, key)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceInfo {
    /// The referencing column.
    pub column: &'static str,
    /// The referenced table.
    pub table: &'static str,
    /// The referenced table's tenant column.
    pub tenant_column: &'static str,
    /// The referenced key column.
    pub key_column: &'static str,
}

/// A typed column of model `M` holding `T`, generated as an associated constant
/// (`Task::TITLE`). The tenant column has none: the tenant is never a filter, it is the scope.
///
/// ```
/// use taskflow_tenancy::{tenant_scoped, TenantId};
///
/// #[tenant_scoped(table = "tasks")]
/// pub struct Task { pub tenant_id: TenantId, pub id: i64, pub title: String, pub points: i32 }
///
/// let _open = Task::TITLE.like("fix%");
/// let _big = Task::POINTS.ge(8);
/// assert_eq!(Task::POINTS.name(), "points");
/// ```
pub struct Column<M, T> {
    name: &'static str,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Column<M, T> {}

impl<M, T> fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

impl<M, T> Column<M, T> {
    /// The column `name`; generated code makes one constant per column. A name that is not a
    /// plain SQL identifier is refused: in a `const`, as the generated ones are, at compile
    /// time; anywhere else, with a panic before any SQL is built.
    #[doc(hidden)]
    pub const fn __new(name: &'static str) -> Self {
        assert!(
            crate::query::backend::is_plain_identifier(name),
            "a column name must be a plain SQL identifier: ASCII letters, digits and `_`"
        );
        Column {
            name,
            _marker: PhantomData,
        }
    }

    /// The column's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<M: crate::query::model::TenantModel, T: SqlValue> Column<M, T> {
    fn filter(self, op: Op) -> Filter<M> {
        Filter {
            node: Node::Cmp {
                column: self.name,
                op,
            },
            _marker: PhantomData,
        }
    }

    /// `column = value`; with a `None` value, `column IS NULL`.
    pub fn eq(self, value: impl Into<T>) -> Filter<M> {
        self.filter(Op::Eq(value.into().to_value()))
    }

    /// `column <> value` (rows where the column is `NULL` do not match, as in SQL);
    /// with a `None` value, `column IS NOT NULL`.
    pub fn ne(self, value: impl Into<T>) -> Filter<M> {
        self.filter(Op::Ne(value.into().to_value()))
    }

    /// `column IN (values...)`; an empty list matches nothing.
    pub fn is_in<I>(self, values: I) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Into<T>,
    {
        self.filter(Op::In(
            values.into_iter().map(|v| v.into().to_value()).collect(),
        ))
    }

    /// `column NOT IN (values...)`; an empty list matches every row.
    pub fn not_in<I>(self, values: I) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Into<T>,
    {
        self.filter(Op::NotIn(
            values.into_iter().map(|v| v.into().to_value()).collect(),
        ))
    }

    /// Ascending order on this column.
    pub fn asc(self) -> Order<M, T> {
        Order {
            column: self.name,
            desc: false,
            _marker: PhantomData,
        }
    }

    /// Descending order on this column.
    pub fn desc(self) -> Order<M, T> {
        Order {
            column: self.name,
            desc: true,
            _marker: PhantomData,
        }
    }
}

impl<M: crate::query::model::TenantModel, T: SqlValue> Column<M, Option<T>> {
    /// `column IS NULL`.
    pub fn is_null(self) -> Filter<M> {
        self.filter(Op::IsNull)
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(self) -> Filter<M> {
        self.filter(Op::IsNotNull)
    }
}

impl<M: crate::query::model::TenantModel, T: Ordered> Column<M, T> {
    /// `column < value`.
    pub fn lt(self, value: impl Into<T>) -> Filter<M> {
        self.filter(Op::Lt(value.into().to_value()))
    }
    /// `column <= value`.
    pub fn le(self, value: impl Into<T>) -> Filter<M> {
        self.filter(Op::Le(value.into().to_value()))
    }
    /// `column > value`.
    pub fn gt(self, value: impl Into<T>) -> Filter<M> {
        self.filter(Op::Gt(value.into().to_value()))
    }
    /// `column >= value`.
    pub fn ge(self, value: impl Into<T>) -> Filter<M> {
        self.filter(Op::Ge(value.into().to_value()))
    }
}

impl<M: crate::query::model::TenantModel, T: Textual> Column<M, T> {
    /// `column LIKE pattern` (`%` and `_` wildcards). Case sensitivity follows the database:
    /// SQLite folds ASCII case, MySQL follows the column's collation, PostgreSQL is exact.
    pub fn like(self, pattern: impl Into<String>) -> Filter<M> {
        self.filter(Op::Like(Value::Text(pattern.into())))
    }

    /// Rows whose value contains `text`, ignoring case: `LOWER(column) LIKE ? ESCAPE '!'`
    /// with `text` lowercased and its `%`, `_` and `!` matched as themselves, so a user's
    /// search words can be passed as they came. The database's `LOWER` folds the column: every
    /// letter on MySQL/MariaDB and PostgreSQL, ASCII letters on SQLite (without ICU). A `NULL`
    /// value contains nothing.
    ///
    /// ```
    /// use taskflow_tenancy::{tenant_scoped, TenantId};
    ///
    /// #[tenant_scoped(table = "tasks")]
    /// pub struct Task { pub tenant_id: TenantId, pub id: i64, pub title: String }
    ///
    /// // Matches "Fix 100% of the bugs", not "Fix 1000 bugs".
    /// let _search = Task::TITLE.contains_ignoring_case("100%");
    /// ```
    pub fn contains_ignoring_case(self, text: &str) -> Filter<M> {
        let mut pattern = String::with_capacity(text.len() + 2);
        pattern.push('%');
        for c in text.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '!') {
                pattern.push('!');
            }
            pattern.push(c);
        }
        pattern.push('%');
        self.filter(Op::ContainsIgnoringCase(Value::Text(pattern)))
    }
}

/// A condition on rows of `M`, made from a typed [`Column`]. Several filters on one query are
/// joined with `AND`; [`Filter::or`] joins two with `OR`.
///
/// ```
/// use taskflow_tenancy::{tenant_scoped, TenantId};
///
/// #[tenant_scoped(table = "tasks")]
/// pub struct Task { pub tenant_id: TenantId, pub id: i64, pub points: i32 }
///
/// let _small_or_huge = Task::POINTS.lt(2).or(Task::POINTS.gt(20));
/// ```
pub struct Filter<M> {
    pub(crate) node: Node,
    _marker: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for Filter<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.node, f)
    }
}

impl<M> Clone for Filter<M> {
    fn clone(&self) -> Self {
        Filter {
            node: self.node.clone(),
            _marker: PhantomData,
        }
    }
}

impl<M> Filter<M> {
    pub(crate) fn from_node(node: Node) -> Filter<M> {
        Filter {
            node,
            _marker: PhantomData,
        }
    }

    /// Either condition.
    pub fn or(self, other: Filter<M>) -> Filter<M> {
        Filter {
            node: Node::Or(Box::new(self.node), Box::new(other.node)),
            _marker: PhantomData,
        }
    }

    /// Both conditions.
    pub fn and(self, other: Filter<M>) -> Filter<M> {
        Filter {
            node: Node::And(Box::new(self.node), Box::new(other.node)),
            _marker: PhantomData,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Cmp { column: &'static str, op: Op },
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Search(crate::query::search::Search),
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Eq(Value),
    Ne(Value),
    Lt(Value),
    Le(Value),
    Gt(Value),
    Ge(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    IsNull,
    IsNotNull,
    Like(Value),
    /// `LOWER(column) LIKE pattern ESCAPE '!'`, the pattern already lowercased and escaped.
    ContainsIgnoringCase(Value),
}

/// An ordering on a column of `M` holding `T`: `Task::CREATED_AT.desc()`.
pub struct Order<M, T> {
    pub(crate) column: &'static str,
    pub(crate) desc: bool,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Order<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Order<M, T> {}

impl<M, T> fmt::Debug for Order<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Order({} {})",
            self.column,
            if self.desc { "DESC" } else { "ASC" }
        )
    }
}
