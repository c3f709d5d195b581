//! Values that queries bind, independent of the backend.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::scope::tenant::TenantId;

/// The SQL type family of a column, used to bind typed `NULL`s and to audit schemas.
///
/// ```
/// use taskflow_tenancy::{Kind, SqlValue};
///
/// assert_eq!(<Option<String> as SqlValue>::KIND, Kind::Text);
/// assert!(<Option<String> as SqlValue>::NULLABLE);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `BOOLEAN`
    Bool,
    /// 32-bit integer
    I32,
    /// 64-bit integer
    I64,
    /// 64-bit float
    F64,
    /// text
    Text,
    /// UUID (`UUID` on PostgreSQL, `BINARY(16)` on MySQL, `BLOB` on SQLite)
    Uuid,
    /// calendar date
    Date,
    /// UTC timestamp
    DateTime,
}

/// A value bound to a query parameter.
///
/// ```
/// use taskflow_tenancy::{Kind, SqlValue, Value};
///
/// assert_eq!(42_i64.to_value(), Value::I64(42));
/// assert_eq!(None::<i64>.to_value(), Value::Null(Kind::I64));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A typed `NULL`.
    Null(Kind),
    /// A boolean.
    Bool(bool),
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A float.
    F64(f64),
    /// Text.
    Text(String),
    /// A UUID.
    Uuid(Uuid),
    /// A date.
    Date(NaiveDate),
    /// A UTC timestamp.
    DateTime(DateTime<Utc>),
}

/// A Rust type that can be stored in a column of a `#[tenant_scoped]` model.
///
/// Implemented for `bool`, `i32`, `i64`, `f64`, `String`, `Uuid`, `NaiveDate`, `DateTime<Utc>`,
/// [`TenantId`] and `Option` of each. Implement it for your own types (an enum stored as text,
/// say) together with sqlx's `Type` and `Decode` for the backends you use.
///
/// ```
/// use taskflow_tenancy::{Kind, SqlValue, Value};
///
/// #[derive(Clone, Copy)]
/// enum Status { Todo, Done }
///
/// impl SqlValue for Status {
///     const KIND: Kind = Kind::Text;
///     fn to_value(&self) -> Value {
///         Value::Text(match self { Status::Todo => "todo", Status::Done => "done" }.into())
///     }
/// }
/// assert_eq!(Status::Done.to_value(), Value::Text("done".into()));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a column of a `#[tenant_scoped]` model: it does not implement `SqlValue`",
    label = "not a column type",
    note = "columns may be `bool`, `i32`, `i64`, `f64`, `String`, `Uuid`, `NaiveDate`, `DateTime<Utc>`, `TenantId`, or an `Option` of one",
    note = "for your own type (an enum stored as text, say), implement `SqlValue` together with sqlx's `Type` and `Decode`"
)]
pub trait SqlValue {
    /// The SQL type family.
    const KIND: Kind;
    /// Whether the column may hold `NULL` (true for `Option<T>`).
    const NULLABLE: bool = false;
    /// The value to bind.
    fn to_value(&self) -> Value;
}

/// Marker for column types with a meaningful order, for `lt`/`le`/`gt`/`ge` filters and keyset
/// pagination.
///
/// ```
/// fn needs_order<T: taskflow_tenancy::Ordered>() {}
/// needs_order::<i64>();
/// needs_order::<chrono::NaiveDate>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no order for `lt`/`le`/`gt`/`ge` filters or keyset pagination",
    label = "not an ordered column type",
    note = "compare it with `eq`, `ne` or `is_in`; paginate on a number, text, UUID, date or timestamp column, or on the key with `after_key(..)`"
)]
pub trait Ordered: SqlValue {}

/// Marker for text columns, for `LIKE` filters.
///
/// ```
/// fn needs_text<T: taskflow_tenancy::Textual>() {}
/// needs_text::<String>();
/// needs_text::<Option<String>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not text: `like` works on `String` and `Option<String>` columns only",
    label = "not a text column type",
    note = "compare it with `eq`, `ne`, `is_in` or, when ordered, `lt`/`le`/`gt`/`ge`"
)]
pub trait Textual: SqlValue {}

macro_rules! sql_value {
    ($($ty:ty => $kind:ident, $variant:ident, |$v:ident| $conv:expr;)*) => {$(
        impl SqlValue for $ty {
            const KIND: Kind = Kind::$kind;
            fn to_value(&self) -> Value {
                let $v = self;
                Value::$variant($conv)
            }
        }
    )*};
}

sql_value! {
    bool => Bool, Bool, |v| *v;
    i32 => I32, I32, |v| *v;
    i64 => I64, I64, |v| *v;
    f64 => F64, F64, |v| *v;
    String => Text, Text, |v| v.clone();
    Uuid => Uuid, Uuid, |v| *v;
    TenantId => Uuid, Uuid, |v| v.as_uuid();
    NaiveDate => Date, Date, |v| *v;
    DateTime<Utc> => DateTime, DateTime, |v| *v;
}

impl<T: SqlValue> SqlValue for Option<T> {
    const KIND: Kind = T::KIND;
    const NULLABLE: bool = true;
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null(T::KIND),
        }
    }
}

impl Ordered for i32 {}
impl Ordered for i64 {}
impl Ordered for f64 {}
impl Ordered for String {}
impl Ordered for Uuid {}
impl Ordered for NaiveDate {}
impl Ordered for DateTime<Utc> {}
impl<T: Ordered> Ordered for Option<T> {}

impl Textual for String {}
impl Textual for Option<String> {}
