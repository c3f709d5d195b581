//! Reading a table's schema and the connecting role from each backend's catalog.

use sqlx::{ColumnIndex, Decode, Executor, Pool, Type};

use super::about_table;
use crate::error::Result;
use crate::query::backend::{Backend, Dialect};

/// A table as the catalog describes it.
#[derive(Debug, Default)]
pub(super) struct TableSchema {
    pub(super) columns: Vec<DbColumn>,
    /// In key order; empty when there is none.
    pub(super) primary_key: Vec<String>,
    /// Unique and plain indexes (unique constraints included), the primary key's excluded.
    pub(super) indexes: Vec<DbIndex>,
    pub(super) foreign_keys: Vec<DbForeignKey>,
}

#[derive(Debug)]
pub(super) struct DbColumn {
    pub(super) name: String,
    /// The type name the family check reads (`int4`, `varchar`, the declared SQLite type).
    pub(super) base_type: String,
    /// The type as shown to people (`binary(16)`, `character varying(200)`).
    pub(super) display_type: String,
    pub(super) not_null: bool,
    pub(super) has_default: bool,
}

#[derive(Debug)]
pub(super) struct DbIndex {
    pub(super) name: String,
    pub(super) unique: bool,
    pub(super) partial: bool,
    pub(super) columns: Vec<String>,
}

#[derive(Debug)]
pub(super) struct DbForeignKey {
    pub(super) name: Option<String>,
    pub(super) columns: Vec<String>,
    pub(super) references_table: String,
    pub(super) references_columns: Vec<String>,
}

/// The table's catalog entries, or `None` when there is no such table.
pub(super) async fn load_table<DB>(pool: &Pool<DB>, table: &str) -> Result<Option<TableSchema>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
{
    let dialect = DB::DIALECT;
    let exists = match dialect {
        Dialect::Sqlite => &[
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ",
            " COLLATE NOCASE",
        ],
        Dialect::MySql => &[
            "SELECT COUNT(*) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME = ",
            "",
        ],
        Dialect::Postgres => &[
            "SELECT count(*) FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname = ",
            " AND c.relkind IN ('r', 'p')",
        ],
    };
    if {
        let sql = about_table(dialect, exists, table);
        DB::fetch_count(pool, sql.text, sql.values)
    }
    .await?
        == 0
    {
        return Ok(None);
    }

    // Every query returns the same shape on every backend, cast to text and 64-bit integers,
    // so that one decoding serves all three catalogs.
    let columns_sql = match dialect {
        Dialect::Sqlite => &[
            "SELECT name, type, type, \"notnull\", dflt_value IS NOT NULL, pk \
             FROM pragma_table_info(",
            ") ORDER BY cid",
        ],
        Dialect::MySql => &[
            "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
             CAST(IS_NULLABLE = 'NO' AS SIGNED), \
             CAST(COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%auto_increment%' \
                  OR EXTRA LIKE '%GENERATED%' AS SIGNED), \
             CAST(0 AS SIGNED) \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
            " ORDER BY ORDINAL_POSITION",
        ],
        Dialect::Postgres => &[
            "SELECT a.attname::text, base.typname::text, format_type(a.atttypid, a.atttypmod), \
             a.attnotnull::int::int8, \
             (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '')::int::int8, 0::int8 \
             FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
             JOIN pg_catalog.pg_type base \
               ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
             WHERE n.nspname = current_schema() AND c.relname = ",
            " \
               AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
        ],
    };
    let rows: Vec<(String, String, String, i64, i64, i64)> = {
        let sql = about_table(dialect, columns_sql, table);
        DB::fetch_all(pool, sql.text, sql.values)
    }
    .await?;
    let mut schema = TableSchema::default();
    let mut sqlite_pk = Vec::new();
    for (name, base_type, display_type, not_null, has_default, pk) in rows {
        if pk > 0 {
            sqlite_pk.push((pk, name.clone()));
        }
        schema.columns.push(DbColumn {
            name,
            base_type,
            display_type,
            not_null: not_null != 0,
            has_default: has_default != 0,
        });
    }
    // SQLite keeps no index for a rowid primary key; `pragma_table_info` has the key order.
    sqlite_pk.sort();
    schema.primary_key = sqlite_pk.into_iter().map(|(_, name)| name).collect();

    let indexes_sql = match dialect {
        Dialect::Sqlite => &[
            "SELECT il.name, \
             CASE WHEN il.origin = 'pk' THEN 'primary' WHEN il.\"unique\" THEN 'unique' \
                  ELSE 'index' END, \
             il.partial, ii.seqno, COALESCE(ii.name, '<expression>') \
             FROM pragma_index_list(",
            ") AS il, pragma_index_info(il.name) AS ii \
             ORDER BY il.name, ii.seqno",
        ],
        Dialect::MySql => &[
            "SELECT CAST(INDEX_NAME AS CHAR), \
             CASE WHEN INDEX_NAME = 'PRIMARY' THEN 'primary' WHEN NON_UNIQUE = 0 THEN 'unique' \
                  WHEN INDEX_TYPE = 'FULLTEXT' THEN 'text' ELSE 'index' END, \
             CAST(0 AS SIGNED), CAST(SEQ_IN_INDEX AS SIGNED), \
             CAST(COALESCE(COLUMN_NAME, '<expression>') AS CHAR) \
             FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
            " \
             ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        ],
        Dialect::Postgres => &[
            "SELECT i.relname::text, \
             CASE WHEN x.indisprimary THEN 'primary' WHEN x.indisunique THEN 'unique' \
                  WHEN am.amname = 'gin' THEN 'text' ELSE 'index' END, \
             (x.indpred IS NOT NULL)::int::int8, k.ord::int8, \
             COALESCE(a.attname::text, '<expression>') \
             FROM pg_catalog.pg_index x \
             JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
             JOIN pg_catalog.pg_am am ON am.oid = i.relam \
             CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             LEFT JOIN pg_catalog.pg_attribute a \
               ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0 \
             WHERE n.nspname = current_schema() AND t.relname = ",
            " AND k.ord <= x.indnkeyatts \
             ORDER BY i.relname, k.ord",
        ],
    };
    let rows: Vec<(String, String, i64, i64, String)> = {
        let sql = about_table(dialect, indexes_sql, table);
        DB::fetch_all(pool, sql.text, sql.values)
    }
    .await?;
    let mut primary_index = Vec::new();
    for (name, kind, partial, _, column) in rows {
        if kind == "primary" {
            primary_index.push(column);
            continue;
        }
        // A full-text index (MySQL's FULLTEXT, PostgreSQL's GIN) cannot lead with the tenant
        // and need not: it answers only inside a filter whose tenant condition stays on the
        // table ([`TextIndex`](crate::TextIndex)), and it makes nothing unique.
        if kind == "text" {
            continue;
        }
        match schema.indexes.last_mut() {
            Some(index) if index.name == name => index.columns.push(column),
            _ => schema.indexes.push(DbIndex {
                name,
                unique: kind == "unique",
                partial: partial != 0,
                columns: vec![column],
            }),
        }
    }
    if dialect != Dialect::Sqlite {
        schema.primary_key = primary_index;
    }

    let foreign_keys_sql = match dialect {
        Dialect::Sqlite => &[
            "SELECT CAST(id AS TEXT), seq, \"from\", \"table\", COALESCE(\"to\", '') \
             FROM pragma_foreign_key_list(",
            ") ORDER BY id, seq",
        ],
        Dialect::MySql => &[
            "SELECT CAST(k.CONSTRAINT_NAME AS CHAR), CAST(k.ORDINAL_POSITION AS SIGNED), \
             CAST(k.COLUMN_NAME AS CHAR), CAST(k.REFERENCED_TABLE_NAME AS CHAR), \
             CAST(k.REFERENCED_COLUMN_NAME AS CHAR) \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.TABLE_CONSTRAINTS c \
               ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME \
              AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
             WHERE c.CONSTRAINT_TYPE = 'FOREIGN KEY' \
               AND k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ",
            " \
             ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        ],
        Dialect::Postgres => &[
            "SELECT con.conname::text, k.ord::int8, a.attname::text, rt.relname::text, \
             ra.attname::text \
             FROM pg_catalog.pg_constraint con \
             JOIN pg_catalog.pg_class t ON t.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_catalog.pg_class rt ON rt.oid = con.confrelid \
             CROSS JOIN LATERAL unnest(con.conkey, con.confkey) \
               WITH ORDINALITY AS k(attnum, refattnum, ord) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
             JOIN pg_catalog.pg_attribute ra \
               ON ra.attrelid = con.confrelid AND ra.attnum = k.refattnum \
             WHERE con.contype = 'f' AND n.nspname = current_schema() AND t.relname = ",
            " \
             ORDER BY con.conname, k.ord",
        ],
    };
    let rows: Vec<(String, i64, String, String, String)> = {
        let sql = about_table(dialect, foreign_keys_sql, table);
        DB::fetch_all(pool, sql.text, sql.values)
    }
    .await?;
    let mut current: Option<String> = None;
    for (name, _, column, references_table, references_column) in rows {
        if current.as_deref() != Some(&name) {
            schema.foreign_keys.push(DbForeignKey {
                // SQLite numbers its foreign keys and forgets their names.
                name: (dialect != Dialect::Sqlite).then(|| name.clone()),
                columns: Vec::new(),
                references_table,
                references_columns: Vec::new(),
            });
            current = Some(name);
        }
        let fk = schema.foreign_keys.last_mut().expect("pushed above");
        fk.columns.push(column);
        fk.references_columns.push(references_column);
    }
    // `REFERENCES parent` without columns means the parent's primary key.
    for fk in &mut schema.foreign_keys {
        if fk.references_columns.iter().any(String::is_empty) {
            let sql = [
                "SELECT name FROM pragma_table_info(",
                ") WHERE pk > 0 ORDER BY pk",
            ];
            let parent_key: Vec<(String,)> = {
                let sql = about_table(dialect, &sql, &fk.references_table);
                DB::fetch_all(pool, sql.text, sql.values)
            }
            .await?;
            fk.references_columns = parent_key.into_iter().map(|(name,)| name).collect();
        }
    }
    Ok(Some(schema))
}
