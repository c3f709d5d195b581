//! [`Sql`], the one statement builder of the crate: the query builder, the job store, the
//! tenants table and the audit render their SQL with it, so that identifiers are quoted and
//! escaped, and placeholders numbered, the same way everywhere.

use crate::query::backend::Dialect;
use crate::query::value::Value;

/// SQL text and the values it binds, with placeholders numbered for the dialect as values are
/// bound. Nothing but [`Sql::ident`] puts a name into the text, and nothing but [`Sql::bind`]
/// a value.
#[derive(Debug)]
pub(crate) struct Sql {
    pub(crate) dialect: Dialect,
    pub(crate) text: String,
    pub(crate) values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Sql {
            dialect,
            text: String::with_capacity(256),
            values: Vec::with_capacity(8),
        }
    }

    /// Appends SQL text written in this crate (keywords, punctuation), never data or names.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a quoted identifier.
    pub(crate) fn ident(&mut self, ident: &str) -> &mut Self {
        self.dialect.push_quoted(&mut self.text, ident);
        self
    }

    /// Appends a placeholder and binds `value` to it.
    pub(crate) fn bind(&mut self, value: Value) -> &mut Self {
        self.values.push(value);
        self.dialect
            .push_placeholder(&mut self.text, self.values.len());
        self
    }

    /// Appends `a, b, c` with each value bound.
    pub(crate) fn bind_list(&mut self, values: impl IntoIterator<Item = Value>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self
    }

    /// The text and the values, leaving the builder empty.
    pub(crate) fn take(&mut self) -> (String, Vec<Value>) {
        (
            std::mem::take(&mut self.text),
            std::mem::take(&mut self.values),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Sql;
    use crate::query::backend::Dialect;
    use crate::query::value::Value;

    #[test]
    fn numbers_placeholders_and_escapes_names() {
        let mut sql = Sql::new(Dialect::Postgres);
        sql.push("SELECT * FROM ")
            .ident("we\"ird")
            .push(" WHERE a = ")
            .bind(Value::I64(1))
            .push(" AND b IN (")
            .bind_list([Value::I64(2), Value::I64(3)])
            .push(")");
        let (text, values) = sql.take();
        assert_eq!(
            text,
            r#"SELECT * FROM "we""ird" WHERE a = $1 AND b IN ($2, $3)"#
        );
        assert_eq!(values.len(), 3);
        let mut sql = Sql::new(Dialect::MySql);
        sql.ident("a`b").push(" = ").bind(Value::Bool(true));
        assert_eq!(sql.take().0, "`a``b` = ?");
    }
}
