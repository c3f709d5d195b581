//! [`TextIndex`]: full-text search on a model's text columns, through each backend's own index
//! (SQLite FTS5, MySQL/MariaDB `FULLTEXT`, PostgreSQL `tsvector` with GIN), as a [`Filter`]
//! that joins the others: the tenant's own filter stays on the model's table, so a search
//! never reaches past the scope however the index is built.

use std::marker::PhantomData;

use crate::query::backend::{Dialect, is_plain_identifier};
use crate::query::model::{Filter, Node, TenantModel};
use crate::query::sql::Sql;
use crate::query::value::Value;

/// The shortest word MySQL's and MariaDB's InnoDB `FULLTEXT` index holds
/// (`innodb_ft_min_token_size`, a server setting fixed at start, 3 by default); shorter words
/// are matched there with `LIKE` on the columns instead.
pub const MYSQL_MIN_WORD: usize = 3;

/// A full-text index on text columns of `M`, as the schema defines it on each backend. A
/// search splits its text into words (runs of letters and digits, in any script, lowercased;
/// everything else separates words) and keeps the rows where every word begins a word of one
/// of the columns. A text without any word filters nothing.
///
/// The migrations create, for the columns `a, b` of the table `t`:
///
/// - SQLite: an external-content FTS5 table on the table's `rowid`, kept by triggers:
///   `CREATE VIRTUAL TABLE t_fts USING fts5(a, b, content='t', content_rowid='rowid')`, with
///   `AFTER INSERT`, `AFTER DELETE` and `AFTER UPDATE OF a, b` triggers that insert and
///   `'delete'` its rows. (A `VACUUM` may renumber the rowids of a table without an `INTEGER
///   PRIMARY KEY`: run `INSERT INTO t_fts(t_fts) VALUES ('rebuild')` after one.)
/// - MySQL/MariaDB: `CREATE FULLTEXT INDEX ... ON t (a, b)`, best with
///   `SET SESSION innodb_ft_enable_stopword = OFF` before it, so that no word is left out.
/// - PostgreSQL: `CREATE INDEX ... ON t USING GIN (to_tsvector('simple', coalesce(a, '') ||
///   ' ' || coalesce(b, '')))`, exactly that expression, which the filter repeats.
///
/// ```
/// use taskflow_tenancy::{tenant_scoped, TenantId, TextIndex};
///
/// #[tenant_scoped(table = "tasks")]
/// pub struct Task { pub tenant_id: TenantId, pub id: i64, pub title: String, pub description: Option<String> }
///
/// const SEARCH: TextIndex<Task> = TextIndex::new(&["title", "description"], "tasks_fts");
///
/// // Tasks with a word starting "invo" and one starting "q3", in the title or the description.
/// let _found = SEARCH.matches("Invo, Q3!").expect("two words");
/// assert!(SEARCH.matches(" -- ").is_none());
/// ```
pub struct TextIndex<M> {
    columns: &'static [&'static str],
    sqlite_table: &'static str,
    _marker: PhantomData<fn() -> M>,
}

impl<M> TextIndex<M> {
    /// The index on `columns` (names of `M`'s text columns, in the index's order); on SQLite,
    /// its FTS5 table is `sqlite_table`. Names that are not plain SQL identifiers, or no
    /// columns, are refused: at compile time in a `const`, with a panic elsewhere.
    pub const fn new(columns: &'static [&'static str], sqlite_table: &'static str) -> Self {
        assert!(!columns.is_empty(), "a text index has at least one column");
        let mut i = 0;
        while i < columns.len() {
            assert!(
                is_plain_identifier(columns[i]),
                "a column name must be a plain SQL identifier: ASCII letters, digits and `_`"
            );
            i += 1;
        }
        assert!(
            is_plain_identifier(sqlite_table),
            "a table name must be a plain SQL identifier: ASCII letters, digits and `_`"
        );
        TextIndex {
            columns,
            sqlite_table,
            _marker: PhantomData,
        }
    }
}

impl<M: TenantModel> TextIndex<M> {
    /// The rows where every word of `text` begins a word of one of the columns, ignoring case;
    /// `None` when `text` has no word.
    pub fn matches(&self, text: &str) -> Option<Filter<M>> {
        let words = words(text);
        if words.is_empty() {
            return None;
        }
        Some(Filter::from_node(Node::Search(Search {
            columns: self.columns,
            sqlite_table: self.sqlite_table,
            words,
        })))
    }
}

/// The words of `text`: runs of letters and digits, lowercased.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A search as a filter holds it: the index and the words, each made only of letters and
/// digits, so that no backend's query syntax can be spelled by a user's text.
#[derive(Debug, Clone)]
pub(crate) struct Search {
    columns: &'static [&'static str],
    sqlite_table: &'static str,
    words: Vec<String>,
}

impl Sql {
    pub(crate) fn search(&mut self, search: &Search) {
        match self.dialect {
            Dialect::Sqlite => {
                // FTS5's query syntax: each word quoted, a prefix (`*`), all of them (`AND`).
                let query = search
                    .words
                    .iter()
                    .map(|word| format!("\"{word}\"*"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                self.push("\"rowid\" IN (SELECT \"rowid\" FROM ");
                self.ident(search.sqlite_table);
                self.push(" WHERE ");
                self.ident(search.sqlite_table);
                self.push(" MATCH ");
                self.bind(Value::Text(query));
                self.push(")");
            }
            Dialect::MySql => {
                let (long, short): (Vec<&String>, Vec<&String>) = search
                    .words
                    .iter()
                    .partition(|word| word.chars().count() >= MYSQL_MIN_WORD);
                let mut first = true;
                if !long.is_empty() {
                    // Boolean mode: each word required (`+`), a prefix (`*`).
                    let query = long
                        .iter()
                        .map(|word| format!("+{word}*"))
                        .collect::<Vec<_>>()
                        .join(" ");
                    self.push("MATCH (");
                    self.idents(search.columns);
                    self.push(") AGAINST (");
                    self.bind(Value::Text(query));
                    self.push(" IN BOOLEAN MODE)");
                    first = false;
                }
                for word in short {
                    if !first {
                        self.push(" AND ");
                    }
                    first = false;
                    self.push("(");
                    for (i, column) in search.columns.iter().enumerate() {
                        if i > 0 {
                            self.push(" OR ");
                        }
                        // Letters and digits only: nothing in the word is a wildcard.
                        self.push("LOWER(");
                        self.ident(column);
                        self.push(") LIKE ");
                        self.bind(Value::Text(format!("%{word}%")));
                    }
                    self.push(")");
                }
            }
            Dialect::Postgres => {
                // The index's expression, repeated exactly so that the planner can use it.
                self.push("to_tsvector('simple', ");
                for (i, column) in search.columns.iter().enumerate() {
                    if i > 0 {
                        self.push(" || ' ' || ");
                    }
                    self.push("coalesce(");
                    self.ident(column);
                    self.push(", '')");
                }
                let query = search
                    .words
                    .iter()
                    .map(|word| format!("{word}:*"))
                    .collect::<Vec<_>>()
                    .join(" & ");
                self.push(") @@ to_tsquery('simple', ");
                self.bind(Value::Text(query));
                self.push(")");
            }
        }
    }

    fn idents(&mut self, names: &[&str]) {
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_are_letters_and_digits_lowercased() {
        assert_eq!(
            words("Invoice: Q3's \"draft\"* OR -x ÉTÉ_2"),
            ["invoice", "q3", "s", "draft", "or", "x", "été", "2"]
        );
        assert!(words("  ,;* \" ").is_empty());
    }
}
