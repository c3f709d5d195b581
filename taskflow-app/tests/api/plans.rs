//! Every hot query of the API runs on its composite index, on each backend: the plan the
//! database gives for the exact statement the query builder writes (`to_sql`), with the values a
//! request binds, over many seeded tenants with statistics gathered, read through the app's own
//! connection (on PostgreSQL its role, under row-level security).

use chrono::{DateTime, Utc};
use taskflow_app::model::{NewUser, Project, Task, User};
use taskflow_app::seed::{SeedPlan, seed};
use taskflow_tenancy::AnyTenantDb;
use uuid::Uuid;

use crate::helpers::TestApp;

api_tests!(the_hot_queries_use_their_composite_index);

/// What one plan must show: the index it reads, by name, and whether the index alone gives
/// the order (a task list, of up to thousands of rows per project, must not be sorted; a
/// tenant's dozen projects may be).
struct Expect {
    query: &'static str,
    sql: String,
    index: &'static str,
    in_order: bool,
}

/// The ids a request would bind, read off the seeded data.
struct Ids {
    project: Uuid,
    task: Uuid,
    user: Uuid,
    created_at: DateTime<Utc>,
}

/// The statements of the hot paths, as the handlers build them (`src/http/tasks.rs`,
/// `projects.rs`, the user lookup of `extractor.rs`), and the index each must use.
/// (A macro: the builders are spelled on each backend's concrete transaction.)
macro_rules! expectations {
    ($tx:expr, $dialect:expr, $ids:expr) => {{
        let (tx, dialect, ids): (_, &str, &Ids) = ($tx, $dialect, $ids);
        let primary = |table: &'static str| -> &'static str {
            match (dialect, table) {
                ("mysql", _) => "PRIMARY",
                ("sqlite", "tasks") => "sqlite_autoindex_tasks_1",
                ("sqlite", "projects") => "sqlite_autoindex_projects_1",
                ("sqlite", _) => "sqlite_autoindex_users_1",
                (_, "tasks") => "tasks_pkey",
                (_, "projects") => "projects_pkey",
                _ => "users_pkey",
            }
        };
        vec![
            Expect {
                query: "task list",
                sql: Task::scoped(&mut *tx)
                    .filter(Task::PROJECT_ID.eq(ids.project))
                    .limit(51)
                    .order_by(Task::CREATED_AT.asc())
                    .order_by(Task::ID.asc())
                    .to_sql(),
                index: "tasks_by_project",
                in_order: true,
            },
            Expect {
                query: "task list, one status",
                sql: Task::scoped(&mut *tx)
                    .filter(Task::PROJECT_ID.eq(ids.project))
                    .limit(51)
                    .filter(Task::STATUS.eq("done".to_owned()))
                    .order_by(Task::CREATED_AT.asc())
                    .order_by(Task::ID.asc())
                    .to_sql(),
                index: "tasks_by_project_status",
                in_order: true,
            },
            Expect {
                query: "task list, next page",
                sql: Task::scoped(&mut *tx)
                    .filter(Task::PROJECT_ID.eq(ids.project))
                    .limit(51)
                    .after(Task::CREATED_AT.asc(), ids.created_at, ids.task)
                    .to_sql(),
                index: "tasks_by_project",
                in_order: true,
            },
            Expect {
                query: "project list",
                sql: Project::scoped(&mut *tx)
                    .limit(51)
                    .order_by(Project::CREATED_AT.asc())
                    .order_by(Project::ID.asc())
                    .to_sql(),
                index: "projects_by_created",
                in_order: false,
            },
            Expect {
                query: "task by id",
                sql: Task::scoped(&mut *tx)
                    .filter(Task::ID.eq(ids.task))
                    .to_sql(),
                index: primary("tasks"),
                in_order: true,
            },
            Expect {
                query: "project by id",
                sql: Project::scoped(&mut *tx)
                    .filter(Project::ID.eq(ids.project))
                    .to_sql(),
                index: primary("projects"),
                in_order: true,
            },
            Expect {
                query: "user by id",
                sql: User::scoped(&mut *tx)
                    .filter(User::ID.eq(ids.user))
                    .to_sql(),
                index: primary("users"),
                in_order: true,
            },
        ]
    }};
}

async fn the_hot_queries_use_their_composite_index(app: TestApp) {
    // 1,000 tenants (and owners) of 2 projects × 12 tasks: 2,000 projects and 24,000 tasks, the
    // tenant read a thousandth of them.
    let plan = SeedPlan {
        tenants: 1_000,
        projects: 2,
        tasks: 12,
        prefix: "plan".into(),
    };
    seed(&app.db, &plan, |_| {}).await.unwrap();
    // The tenant read has a team: 200 members, so that its user lookup has rows to choose from.
    macro_rules! members {
        ($db:expr) => {{
            let scope = $db.scope_by_subdomain("plan-7").await.unwrap();
            let mut tx = $db.begin(&scope).await.unwrap();
            let members = (0..200).map(|n| NewUser {
                id: Uuid::now_v7(),
                email: format!("member-{n}@plan-7.example"),
                name: format!("Member {n}"),
                role: "member".to_owned(),
                password_hash: "not a hash: nobody logs in as them".to_owned(),
                created_at: Utc::now(),
                sessions_ended_at: None,
            });
            User::scoped(&mut tx).insert_many(members).await.unwrap();
            tx.commit().await.unwrap();
        }};
    }
    match &app.app_db {
        AnyTenantDb::Sqlite(db) => members!(db),
        AnyTenantDb::MySql(db) => members!(db),
        AnyTenantDb::Postgres(db) => members!(db),
    }
    analyze(&app.db).await;

    macro_rules! check {
        ($db:expr, $dialect:literal, $explain:literal, $plan:expr) => {{
            let scope = $db.scope_by_subdomain("plan-7").await.unwrap();
            let mut tx = $db.begin_read(&scope).await.unwrap();
            let project: Project = Project::scoped(&mut tx)
                .order_by(Project::CREATED_AT.asc())
                .limit(1)
                .fetch_one()
                .await
                .unwrap();
            let task: Task = Task::scoped(&mut tx)
                .filter(Task::PROJECT_ID.eq(project.id))
                .limit(1)
                .fetch_one()
                .await
                .unwrap();
            let user: User = User::scoped(&mut tx).limit(1).fetch_one().await.unwrap();
            let ids = Ids {
                project: project.id,
                task: task.id,
                user: user.id,
                created_at: task.created_at,
            };
            let tenant = scope.tenant_id().as_uuid();
            for expect in expectations!(&mut tx, $dialect, &ids) {
                let sql = format!("{}{}", $explain, expect.sql);
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant);
                query = match expect.query {
                    "task list" => query.bind(ids.project).bind(51_i64),
                    "task list, one status" => query.bind(ids.project).bind("done").bind(51_i64),
                    "task list, next page" => query
                        .bind(ids.project)
                        .bind(ids.created_at)
                        .bind(ids.created_at)
                        .bind(ids.task)
                        .bind(51_i64),
                    "project list" => query.bind(51_i64),
                    "task by id" => query.bind(ids.task),
                    "project by id" => query.bind(ids.project),
                    "user by id" => query.bind(ids.user),
                    other => unreachable!("{other}"),
                };
                let rows = query.fetch_all(tx.raw()).await.unwrap();
                let plan: String = $plan(&rows);
                assert_index(&$dialect, &expect, &plan);
            }
            tx.commit().await.unwrap();
        }};
    }

    match &app.app_db {
        AnyTenantDb::Sqlite(db) => check!(
            db,
            "sqlite",
            "EXPLAIN QUERY PLAN ",
            |rows: &[sqlx::sqlite::SqliteRow]| {
                use sqlx::Row;
                rows.iter()
                    .map(|r| r.get::<String, _>("detail"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        ),
        AnyTenantDb::MySql(db) => check!(
            db,
            "mysql",
            "EXPLAIN ",
            |rows: &[sqlx::mysql::MySqlRow]| {
                use sqlx::Row;
                rows.iter()
                    .map(|r| {
                        let key: Option<String> = r.try_get("key").unwrap_or(None);
                        let extra: Option<String> = r.try_get("Extra").unwrap_or(None);
                        format!(
                            "key={} extra={}",
                            key.unwrap_or_default(),
                            extra.unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        ),
        AnyTenantDb::Postgres(db) => check!(
            db,
            "postgres",
            "EXPLAIN ",
            |rows: &[sqlx::postgres::PgRow]| {
                use sqlx::Row;
                rows.iter()
                    .map(|r| r.get::<String, _>(0))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        ),
    }
}

/// The plan reads `expect.index`, and when `expect.in_order` sorts nothing itself.
fn assert_index(dialect: &str, expect: &Expect, plan: &str) {
    let (uses, sorts) = match dialect {
        "sqlite" => (
            plan.contains(&format!("USING INDEX {} ", expect.index))
                || plan.contains(&format!("USING COVERING INDEX {} ", expect.index))
                || plan.ends_with(&format!("INDEX {}", expect.index)),
            plan.contains("TEMP B-TREE"),
        ),
        "mysql" => (
            plan.lines()
                .next()
                .unwrap_or("")
                .starts_with(&format!("key={} ", expect.index)),
            plan.contains("filesort"),
        ),
        _ => (
            plan.contains(&format!("Index Scan using {} on", expect.index))
                || plan.contains(&format!("Index Only Scan using {} on", expect.index))
                || plan.contains(&format!("Bitmap Index Scan on {} ", expect.index)),
            plan.contains("Sort Key"),
        ),
    };
    assert!(
        uses && !(sorts && expect.in_order),
        "{dialect}: {} should read {} in order:\n{}\n{plan}",
        expect.query,
        expect.index,
        expect.sql
    );
}

/// Statistics for the planners, as the owner.
async fn analyze(db: &AnyTenantDb) {
    match db {
        AnyTenantDb::Sqlite(db) => {
            sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
        }
        AnyTenantDb::MySql(db) => {
            sqlx::query("ANALYZE TABLE tenants, users, projects, tasks")
                .fetch_all(db.pool())
                .await
                .unwrap();
        }
        AnyTenantDb::Postgres(db) => {
            sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
        }
    }
}
