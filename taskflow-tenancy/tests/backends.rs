//! The same model code on SQLite, MariaDB and PostgreSQL: every supported column type round-trips,
//! every filter binds correctly (typed `NULL`s included), and the schema conventions make the
//! database refuse what the types cannot see (a reference into another tenant).

#![allow(missing_docs)]

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use taskflow_tenancy::{
    AdminCapability, Backend, Error, FetchRows, Tenant, TenantDb, TenantId, TenantScope, TenantTx,
    TextIndex, tenant_scoped,
};
use uuid::Uuid;

#[tenant_scoped(table = "folders", unique(name))]
#[derive(Debug, Clone, PartialEq)]
pub struct Folder {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub name: String,
}

#[tenant_scoped(table = "items")]
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub tenant_id: TenantId,
    pub id: Uuid,
    #[tenant_scoped(references = Folder)]
    pub folder_id: Uuid,
    pub title: String,
    pub note: Option<String>,
    pub done: bool,
    pub points: i32,
    pub views: i64,
    pub weight: f64,
    pub due: Option<NaiveDate>,
    pub starts: NaiveDate,
    pub created_at: DateTime<Utc>,
}

fn schema(dialect: taskflow_tenancy::Dialect) -> Vec<&'static str> {
    use taskflow_tenancy::Dialect::*;
    match dialect {
        Sqlite => vec![
            "CREATE TABLE folders (tenant_id BLOB NOT NULL REFERENCES tenants (id), id BLOB NOT NULL, \
             name TEXT NOT NULL, PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name))",
            "CREATE TABLE items (tenant_id BLOB NOT NULL, id BLOB NOT NULL, folder_id BLOB NOT NULL, \
             title TEXT NOT NULL, note TEXT, done BOOLEAN NOT NULL, points INTEGER NOT NULL, \
             views BIGINT NOT NULL, weight DOUBLE NOT NULL, due DATE, starts DATE NOT NULL, \
             created_at TEXT NOT NULL, PRIMARY KEY (tenant_id, id), \
             FOREIGN KEY (tenant_id, folder_id) REFERENCES folders (tenant_id, id))",
            "CREATE VIRTUAL TABLE items_fts USING fts5(title, note, content = 'items', \
             content_rowid = 'rowid')",
            "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN \
             INSERT INTO items_fts (rowid, title, note) VALUES (new.rowid, new.title, new.note); END",
            "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN \
             INSERT INTO items_fts (items_fts, rowid, title, note) \
             VALUES ('delete', old.rowid, old.title, old.note); END",
            "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, note ON items BEGIN \
             INSERT INTO items_fts (items_fts, rowid, title, note) \
             VALUES ('delete', old.rowid, old.title, old.note); \
             INSERT INTO items_fts (rowid, title, note) VALUES (new.rowid, new.title, new.note); END",
        ],
        MySql => vec![
            "CREATE TABLE folders (tenant_id BINARY(16) NOT NULL, id BINARY(16) NOT NULL, \
             name VARCHAR(120) NOT NULL, PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name), \
             FOREIGN KEY (tenant_id) REFERENCES tenants (id))",
            "CREATE TABLE items (tenant_id BINARY(16) NOT NULL, id BINARY(16) NOT NULL, \
             folder_id BINARY(16) NOT NULL, title VARCHAR(200) NOT NULL, note TEXT, \
             done BOOLEAN NOT NULL, points INT NOT NULL, views BIGINT NOT NULL, \
             weight DOUBLE NOT NULL, due DATE, starts DATE NOT NULL, created_at DATETIME(6) NOT NULL, \
             PRIMARY KEY (tenant_id, id), \
             FOREIGN KEY (tenant_id, folder_id) REFERENCES folders (tenant_id, id))",
            "CREATE FULLTEXT INDEX items_search ON items (title, note)",
        ],
        Postgres => vec![
            "CREATE TABLE folders (tenant_id UUID NOT NULL REFERENCES tenants (id), id UUID NOT NULL, \
             name TEXT NOT NULL, PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name))",
            "CREATE TABLE items (tenant_id UUID NOT NULL, id UUID NOT NULL, folder_id UUID NOT NULL, \
             title TEXT NOT NULL, note TEXT, done BOOLEAN NOT NULL, points INTEGER NOT NULL, \
             views BIGINT NOT NULL, weight DOUBLE PRECISION NOT NULL, due DATE, starts DATE NOT NULL, \
             created_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (tenant_id, id), \
             FOREIGN KEY (tenant_id, folder_id) REFERENCES folders (tenant_id, id))",
            "CREATE INDEX items_search ON items USING GIN \
             (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(note, '')))",
        ],
        _ => unreachable!("no other dialects"),
    }
}

fn new_item(folder_id: Uuid, n: i32) -> NewItem {
    NewItem {
        id: Uuid::now_v7(),
        folder_id,
        title: format!("item {n}"),
        note: (n % 2 == 0).then(|| format!("note {n}")),
        done: n % 3 == 0,
        points: n,
        views: i64::from(n) * 1_000_000_000,
        weight: f64::from(n) / 4.0,
        due: (n % 2 == 1).then(|| NaiveDate::from_ymd_opt(2026, 1, 1 + (n as u32 % 28)).unwrap()),
        starts: NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(),
        created_at: Utc::now().trunc_subsecs(6),
    }
}

async fn exercise<DB>(pool: sqlx::Pool<DB>)
where
    DB: Backend,
    Folder: for<'r> sqlx::FromRow<'r, DB::Row>,
    Item: for<'r> sqlx::FromRow<'r, DB::Row>,
    Tenant: for<'r> sqlx::FromRow<'r, DB::Row>,
    TenantTx<DB>: FetchRows<Folder> + FetchRows<Item>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
{
    let db = TenantDb::new(pool);
    db.migrate().await.unwrap();
    for ddl in schema(DB::DIALECT) {
        sqlx::raw_sql(ddl).execute(db.pool()).await.unwrap();
    }
    let admin = AdminCapability::grant("tests", "backend conformance").unwrap();
    let a = db.create(&admin, "Acme", "acme").await.unwrap();
    let b = db.create(&admin, "Globex", "globex").await.unwrap();
    let acme: TenantScope = db.scope(a.id).await.unwrap();
    let globex: TenantScope = db.scope(b.id).await.unwrap();
    assert_eq!(acme.database(), db.id());
    assert_eq!(globex.database(), db.id());

    let mut tx = db.begin(&acme).await.unwrap();
    let folder = Folder::scoped(&mut tx)
        .insert(NewFolder {
            id: Uuid::now_v7(),
            name: "inbox".into(),
        })
        .await
        .unwrap();
    assert_eq!(folder.tenant_id, a.id);
    tx.commit().await.unwrap();
    // The same name is free in another tenant, taken in this one.
    let mut tx = db.begin(&globex).await.unwrap();
    Folder::scoped(&mut tx)
        .insert(NewFolder {
            id: Uuid::now_v7(),
            name: "inbox".into(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin(&acme).await.unwrap();
    let dup = Folder::scoped(&mut tx)
        .insert(NewFolder {
            id: Uuid::now_v7(),
            name: "inbox".into(),
        })
        .await
        .unwrap_err();
    assert!(dup.unique_violation().is_some(), "{dup:?}");
    // A failed statement aborts the transaction on PostgreSQL: roll it back.
    tx.rollback().await.unwrap();

    // Every column type round-trips.
    let mut inserted = Vec::new();
    let mut tx = db.begin(&acme).await.unwrap();
    for n in 1..=6 {
        let item = Item::scoped(&mut tx)
            .insert(new_item(folder.id, n))
            .await
            .unwrap();
        let read = Item::scoped(&mut tx).get(item.id).await.unwrap().unwrap();
        assert_eq!(read, item);
        inserted.push(item);
    }
    tx.commit().await.unwrap();
    // And reads back the same on another connection, after the commit.
    let mut tx = db.begin_read(&acme).await.unwrap();
    for item in &inserted {
        let read = Item::scoped(&mut tx).get(item.id).await.unwrap().unwrap();
        assert_eq!(&read, item);
    }

    // Filters of every kind, with typed NULLs.
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::NOTE.is_null())
            .count()
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::NOTE.eq(None))
            .count()
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::NOTE.is_not_null())
            .count()
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::DONE.eq(true))
            .count()
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::POINTS.ge(4))
            .count()
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::VIEWS.lt(3_000_000_000_i64))
            .count()
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::WEIGHT.gt(1.0))
            .count()
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::TITLE.like("item 1%"))
            .count()
            .await
            .unwrap(),
        1
    );
    // Case-insensitive containment takes wildcards and the escape character literally.
    for (text, expected) in [
        ("ITEM 1", 1),
        ("Em ", 6),
        ("%", 0),
        ("_", 0),
        ("!", 0),
        ("", 6),
    ] {
        assert_eq!(
            Item::scoped(&mut tx)
                .filter(Item::TITLE.contains_ignoring_case(text))
                .count()
                .await
                .unwrap(),
            expected,
            "{text:?}"
        );
    }
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::NOTE.contains_ignoring_case("NOTE"))
            .count()
            .await
            .unwrap(),
        3,
        "a NULL contains nothing"
    );
    // Full-text search through each backend's index: every word begins a word of a column.
    const SEARCH: TextIndex<Item> = TextIndex::new(&["title", "note"], "items_fts");
    for (text, expected) in [
        ("ITEM", 6),
        ("ite", 6),
        ("tem", 0),
        ("note", 3),
        ("item 1", 1),
        ("Note, 4!", 1),
        ("\"item\" OR 2*", 0),
        ("item -1", 1),
    ] {
        assert_eq!(
            Item::scoped(&mut tx)
                .filter(SEARCH.matches(text).unwrap())
                .count()
                .await
                .unwrap(),
            expected,
            "{text:?}"
        );
    }
    assert!(SEARCH.matches("%_!").is_none());
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::DUE.ge(Some(NaiveDate::from_ymd_opt(2026, 1, 4).unwrap())))
            .count()
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::ID.is_in(inserted.iter().take(2).map(|i| i.id)))
            .count()
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::ID.is_in(Vec::<Uuid>::new()))
            .count()
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(Item::CREATED_AT.le(Utc::now()))
            .count()
            .await
            .unwrap(),
        6
    );
    assert!(
        Item::scoped(&mut tx)
            .filter(Item::POINTS.eq(6))
            .exists()
            .await
            .unwrap()
    );
    assert!(
        !Item::scoped(&mut tx)
            .filter(Item::POINTS.eq(7))
            .exists()
            .await
            .unwrap()
    );
    let ordered = Item::scoped(&mut tx)
        .order_by(Item::POINTS.desc())
        .limit(2)
        .offset(1)
        .fetch_all()
        .await
        .unwrap();
    assert_eq!(ordered.iter().map(|i| i.points).collect::<Vec<_>>(), [5, 4]);
    let page = Item::scoped(&mut tx)
        .after(Item::POINTS.asc(), 2, inserted[1].id)
        .limit(2)
        .fetch_all()
        .await
        .unwrap();
    assert_eq!(page.iter().map(|i| i.points).collect::<Vec<_>>(), [3, 4]);
    tx.commit().await.unwrap();

    // Another tenant sees and changes nothing, even by key (and commits that nothing).
    let key = inserted[0].id;
    let mut tx = db.begin(&globex).await.unwrap();
    assert_eq!(Item::scoped(&mut tx).count().await.unwrap(), 0);
    assert!(Item::scoped(&mut tx).get(key).await.unwrap().is_none());
    let everything = TextIndex::<Item>::new(&["title", "note"], "items_fts");
    assert_eq!(
        Item::scoped(&mut tx)
            .filter(everything.matches("item").unwrap())
            .count()
            .await
            .unwrap(),
        0,
        "the index holds every tenant's words, the search only the scope's rows"
    );
    let patch = ItemPatch {
        title: Some("taken over".into()),
        ..Default::default()
    };
    assert!(
        !Item::scoped(&mut tx)
            .update_by_key(key, &patch)
            .await
            .unwrap()
    );
    assert!(!Item::scoped(&mut tx).delete_by_key(key).await.unwrap());
    assert_eq!(Item::scoped(&mut tx).delete().await.unwrap(), 0);
    tx.commit().await.unwrap();
    let mut tx = db.begin_read(&acme).await.unwrap();
    assert_eq!(Item::scoped(&mut tx).count().await.unwrap(), 6);
    assert_eq!(
        Item::scoped(&mut tx).get(key).await.unwrap().as_ref(),
        Some(&inserted[0])
    );
    tx.commit().await.unwrap();

    // A reference into another tenant is refused by the composite foreign key.
    let mut tx = db.begin(&globex).await.unwrap();
    let err = Item::scoped(&mut tx)
        .insert(new_item(folder.id, 9))
        .await
        .unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");
    tx.rollback().await.unwrap();

    // Patches set exactly their fields, NULLs included.
    let patch = ItemPatch {
        note: Some(None),
        done: Some(true),
        due: Some(Some(NaiveDate::from_ymd_opt(2027, 2, 3).unwrap())),
        ..Default::default()
    };
    let mut tx = db.begin(&acme).await.unwrap();
    assert!(
        Item::scoped(&mut tx)
            .update_by_key(key, &patch)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let mut tx = db.begin(&acme).await.unwrap();
    let after = Item::scoped(&mut tx).get(key).await.unwrap().unwrap();
    assert_eq!(after.note, None);
    assert!(after.done);
    assert_eq!(after.due, NaiveDate::from_ymd_opt(2027, 2, 3));
    assert_eq!(after.title, inserted[0].title);
    assert_eq!(
        Item::scoped(&mut tx)
            .update(&ItemPatch::default())
            .await
            .unwrap(),
        0
    );
    tx.commit().await.unwrap();

    // Bulk insert inside a transaction, rolled back: nothing remains.
    let mut tx = db.begin(&acme).await.unwrap();
    let n = Item::scoped(&mut tx)
        .insert_many((10..60).map(|n| new_item(folder.id, n)))
        .await
        .unwrap();
    assert_eq!(n, 50);
    assert_eq!(Item::scoped(&mut tx).count().await.unwrap(), 56);
    tx.rollback().await.unwrap();
    let mut tx = db.begin_read(&acme).await.unwrap();
    assert_eq!(Item::scoped(&mut tx).count().await.unwrap(), 6);
    tx.commit().await.unwrap();

    // More rows than one statement takes (at most 1,000) go in several statements, each built
    // while the one before runs: every row arrives once, with its own values.
    let mut tx = db.begin(&acme).await.unwrap();
    let n = Item::scoped(&mut tx)
        .insert_many((1000..3345).map(|n| new_item(folder.id, n)))
        .await
        .unwrap();
    assert_eq!(n, 2345);
    let bulk = Item::scoped(&mut tx)
        .filter(Item::POINTS.ge(1000))
        .order_by(Item::POINTS.asc())
        .fetch_all()
        .await
        .unwrap();
    assert_eq!(
        bulk.iter().map(|i| i.points).collect::<Vec<_>>(),
        (1000..3345).collect::<Vec<_>>()
    );
    assert!(bulk.iter().all(|i| i.title == format!("item {}", i.points)
        && i.note.is_some() == (i.points % 2 == 0)
        && i.views == i64::from(i.points) * 1_000_000_000));
    // A row the database refuses (a key already taken) in the third statement fails the call,
    // and the transaction's rollback removes everything.
    let refused = Item::scoped(&mut tx)
        .insert_many((5000..7500).map(|n| {
            let mut item = new_item(folder.id, n);
            if n == 7200 {
                item.id = bulk[0].id;
            }
            item
        }))
        .await;
    assert!(refused.is_err());
    tx.rollback().await.unwrap();
    let mut tx = db.begin_read(&acme).await.unwrap();
    assert_eq!(Item::scoped(&mut tx).count().await.unwrap(), 6);
    tx.commit().await.unwrap();

    // update and delete refuse a window they would otherwise ignore.
    let mut tx = db.begin(&acme).await.unwrap();
    let refused = Item::scoped(&mut tx).limit(1).delete().await.unwrap_err();
    assert!(matches!(refused, Error::InvalidQuery(_)));
    tx.rollback().await.unwrap();

    // The admin capability crosses tenants on purpose; purge removes one tenant's rows only.
    assert_eq!(Item::all_tenants(&admin).count(db.pool()).await.unwrap(), 6);
    assert_eq!(
        Folder::all_tenants(&admin).count(db.pool()).await.unwrap(),
        2
    );
    let purged = db
        .purge(&admin, a.id, &[Item::INFO_REF, Folder::INFO_REF])
        .await
        .unwrap();
    assert_eq!(purged, 6 + 1 + 1);
    assert_eq!(
        Folder::all_tenants(&admin).count(db.pool()).await.unwrap(),
        1
    );
    assert!(matches!(db.scope(a.id).await, Err(Error::TenantNotFound)));
}

trait InfoRef {
    const INFO_REF: taskflow_tenancy::ModelInfo;
}
impl<M: taskflow_tenancy::TenantModel> InfoRef for M {
    const INFO_REF: taskflow_tenancy::ModelInfo = M::INFO;
}

#[tokio::test]
async fn sqlite_runs_the_model_code() {
    let db = taskflow_tenancy::testkit::sqlite().await.unwrap();
    exercise(db.pool.clone()).await;
}

#[tokio::test]
async fn mysql_runs_the_model_code() {
    let Some(url) = taskflow_tenancy::testkit::mysql_url() else {
        return;
    };
    let (pool, _) = taskflow_tenancy::testkit::mysql(&url).await.unwrap();
    exercise(pool).await;
}

#[tokio::test]
async fn postgres_runs_the_model_code() {
    let Some(url) = taskflow_tenancy::testkit::postgres_url() else {
        return;
    };
    let (pool, _) = taskflow_tenancy::testkit::postgres(&url).await.unwrap();
    exercise(pool).await;
}
