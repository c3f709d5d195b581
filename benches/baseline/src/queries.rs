//! Every statement, written by hand with the tenant filter `"tenant_id" = ?` first, as
//! taskflow-app's query builder renders them: the same columns in the same order, the same
//! `WHERE` order, the same keyset condition, `LIMIT` bound as a parameter, identifiers quoted.
//! They are written once in SQLite's form and rendered for the pool's backend at start
//! ([`Statements::render`]): backticks on MySQL, `$1, $2, ...` on PostgreSQL.
//!
//! Inserts return the row they were given rather than read it back, as the app's do.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::{Conn, Db, Dialect, on_conn, on_pool};
use crate::model::{Comment, Project, Report, Task, Tenant, User};

macro_rules! user_columns {
    () => {
        r#""tenant_id", "id", "email", "name", "role", "password_hash", "created_at""#
    };
}
macro_rules! project_columns {
    () => {
        r#""tenant_id", "id", "name", "description", "created_at", "updated_at""#
    };
}
macro_rules! task_columns {
    () => {
        r#""tenant_id", "id", "project_id", "title", "description", "status", "priority", "assignee_id", "due_date", "created_at", "updated_at""#
    };
}
macro_rules! comment_columns {
    () => {
        r#""tenant_id", "id", "task_id", "author_id", "body", "created_at""#
    };
}

const TENANT_BY_SUBDOMAIN: &str =
    r#"SELECT id, name, subdomain, is_active, created_at FROM tenants WHERE "subdomain" = ?"#;
const INSERT_TENANT: &str =
    "INSERT INTO tenants (id, name, subdomain, is_active, created_at) VALUES (?, ?, ?, ?, ?)";
const USER_BY_ID: &str = concat!(
    "SELECT ",
    user_columns!(),
    r#" FROM "users" WHERE "tenant_id" = ? AND "id" = ?"#
);
const USER_BY_EMAIL: &str = concat!(
    "SELECT ",
    user_columns!(),
    r#" FROM "users" WHERE "tenant_id" = ? AND "email" = ?"#
);
const INSERT_USER: &str = concat!(
    r#"INSERT INTO "users" ("#,
    user_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?, ?)"
);
const PROJECT_BY_ID: &str = concat!(
    "SELECT ",
    project_columns!(),
    r#" FROM "projects" WHERE "tenant_id" = ? AND "id" = ?"#
);
const INSERT_PROJECT: &str = concat!(
    r#"INSERT INTO "projects" ("#,
    project_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?)"
);
const PROJECTS: &str = concat!(
    "SELECT ",
    project_columns!(),
    r#" FROM "projects" WHERE "tenant_id" = ?"#
);
const DELETE_PROJECT: &str = r#"DELETE FROM "projects" WHERE "tenant_id" = ? AND "id" = ?"#;
const REPORTS_OF_PROJECT: &str = r#"SELECT "tenant_id", "id", "project_id", "job_id", "created_at" FROM "reports" WHERE "tenant_id" = ? AND "project_id" = ?"#;
const TASK_BY_ID: &str = concat!(
    "SELECT ",
    task_columns!(),
    r#" FROM "tasks" WHERE "tenant_id" = ? AND "id" = ?"#
);
const INSERT_TASK: &str = concat!(
    r#"INSERT INTO "tasks" ("#,
    task_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
);
const TASKS_OF_PROJECT: &str = concat!(
    "SELECT ",
    task_columns!(),
    r#" FROM "tasks" WHERE "tenant_id" = ? AND "project_id" = ?"#
);
const INSERT_COMMENT: &str = concat!(
    r#"INSERT INTO "comments" ("#,
    comment_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?)"
);
const COMMENTS_OF_TASK: &str = concat!(
    "SELECT ",
    comment_columns!(),
    r#" FROM "comments" WHERE "tenant_id" = ? AND "task_id" = ?"#
);
/// Rows after the cursor `(created_at, id)`, as the app's `after(CREATED_AT.asc(), ..)`.
const AFTER_CURSOR: &str = r#" AND ("created_at" > ? OR ("created_at" = ? AND "id" > ?))"#;
const PAGE_ORDER: &str = r#" ORDER BY "created_at" ASC, "id" ASC LIMIT ?"#;

/// The statements of one backend, rendered once at start and kept for the process's life.
#[derive(Debug)]
pub(crate) struct Statements {
    /// The backend they are written for.
    pub(crate) dialect: Dialect,
    tenant_by_subdomain: &'static str,
    insert_tenant: &'static str,
    user_by_id: &'static str,
    user_by_email: &'static str,
    insert_user: &'static str,
    project_by_id: &'static str,
    insert_project: &'static str,
    /// The tenant's projects: from the start, after a cursor.
    list_projects: [&'static str; 2],
    delete_project: &'static str,
    reports_of_project: &'static str,
    task_by_id: &'static str,
    insert_task: &'static str,
    /// A project's tasks, indexed by [`TaskFilter::variant`]: with a status filter (bit 0), an
    /// assignee filter (bit 1), after a cursor (bit 2).
    list_tasks: [&'static str; 8],
    insert_comment: &'static str,
    /// A task's comments: from the start, after a cursor.
    list_comments: [&'static str; 2],
}

impl Statements {
    /// Every statement, for `dialect`.
    pub(crate) fn render(dialect: Dialect) -> Statements {
        let list_tasks = std::array::from_fn(|variant| {
            let mut sql = String::from(TASKS_OF_PROJECT);
            if variant & 1 != 0 {
                sql.push_str(r#" AND "status" = ?"#);
            }
            if variant & 2 != 0 {
                sql.push_str(r#" AND "assignee_id" = ?"#);
            }
            if variant & 4 != 0 {
                sql.push_str(AFTER_CURSOR);
            }
            sql.push_str(PAGE_ORDER);
            render(dialect, &sql)
        });
        let list_projects = [
            render(dialect, &format!("{PROJECTS}{PAGE_ORDER}")),
            render(dialect, &format!("{PROJECTS}{AFTER_CURSOR}{PAGE_ORDER}")),
        ];
        let list_comments = [
            render(dialect, &format!("{COMMENTS_OF_TASK}{PAGE_ORDER}")),
            render(
                dialect,
                &format!("{COMMENTS_OF_TASK}{AFTER_CURSOR}{PAGE_ORDER}"),
            ),
        ];
        Statements {
            dialect,
            tenant_by_subdomain: render(dialect, TENANT_BY_SUBDOMAIN),
            insert_tenant: render(dialect, INSERT_TENANT),
            user_by_id: render(dialect, USER_BY_ID),
            user_by_email: render(dialect, USER_BY_EMAIL),
            insert_user: render(dialect, INSERT_USER),
            project_by_id: render(dialect, PROJECT_BY_ID),
            insert_project: render(dialect, INSERT_PROJECT),
            list_projects,
            delete_project: render(dialect, DELETE_PROJECT),
            reports_of_project: render(dialect, REPORTS_OF_PROJECT),
            task_by_id: render(dialect, TASK_BY_ID),
            insert_task: render(dialect, INSERT_TASK),
            list_tasks,
            insert_comment: render(dialect, INSERT_COMMENT),
            list_comments,
        }
    }
}

/// `sql`, written for SQLite, as `dialect` spells it, for the process's life: leaked, as sqlx
/// takes a `&'static str` as it is.
fn render(dialect: Dialect, sql: &str) -> &'static str {
    Box::leak(spell(dialect, sql).into_boxed_str())
}

/// `sql`, written for SQLite, as `dialect` spells it: backticks on MySQL, `$1, $2, ...` on
/// PostgreSQL.
fn spell(dialect: Dialect, sql: &str) -> String {
    match dialect {
        Dialect::Sqlite => sql.to_owned(),
        Dialect::MySql => sql.replace('"', "`"),
        Dialect::Postgres => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// The filters and page of a task list.
#[derive(Debug)]
pub(crate) struct TaskFilter {
    pub(crate) status: Option<String>,
    pub(crate) assignee_id: Option<Uuid>,
    /// Rows after this `(created_at, id)`.
    pub(crate) after: Option<(DateTime<Utc>, Uuid)>,
    /// How many rows to fetch.
    pub(crate) limit: i64,
}

impl TaskFilter {
    /// Which of [`Statements::list_tasks`] this filter runs.
    fn variant(&self) -> usize {
        usize::from(self.status.is_some())
            | usize::from(self.assignee_id.is_some()) << 1
            | usize::from(self.after.is_some()) << 2
    }
}

impl Db {
    /// The tenant of `subdomain` (lowercase), on the pool: the tenant cache's lookup.
    pub(crate) async fn tenant_by_subdomain(
        &self,
        subdomain: &str,
    ) -> Result<Option<Tenant>, sqlx::Error> {
        let sql = self.sql.tenant_by_subdomain;
        on_pool!(self.pool(), pool => {
            sqlx::query_as(sql).bind(subdomain.to_owned()).fetch_optional(pool).await
        })
    }
}

impl Conn {
    /// Inserts `tenant` (signup).
    pub(crate) async fn insert_tenant(&mut self, tenant: &Tenant) -> Result<(), sqlx::Error> {
        self.before_write().await?;
        let sql = self.sql.insert_tenant;
        on_conn!(self, conn => {
            sqlx::query(sql)
                .bind(tenant.id)
                .bind(tenant.name.clone())
                .bind(tenant.subdomain.clone())
                .bind(tenant.is_active)
                .bind(tenant.created_at)
                .execute(conn.conn())
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The user `id` of `tenant`.
    pub(crate) async fn user_by_id(
        &mut self,
        tenant: Uuid,
        id: Uuid,
    ) -> Result<Option<User>, sqlx::Error> {
        let sql = self.sql.user_by_id;
        on_conn!(self, conn => {
            sqlx::query_as(sql).bind(tenant).bind(id).fetch_optional(conn.conn()).await
        })
    }

    /// The user of `tenant` with this (lowercase) email.
    pub(crate) async fn user_by_email(
        &mut self,
        tenant: Uuid,
        email: String,
    ) -> Result<Option<User>, sqlx::Error> {
        let sql = self.sql.user_by_email;
        on_conn!(self, conn => {
            sqlx::query_as(sql).bind(tenant).bind(email).fetch_optional(conn.conn()).await
        })
    }

    /// Inserts `user`.
    pub(crate) async fn insert_user(&mut self, user: &User) -> Result<(), sqlx::Error> {
        self.before_write().await?;
        let sql = self.sql.insert_user;
        on_conn!(self, conn => {
            sqlx::query(sql)
                .bind(user.tenant_id)
                .bind(user.id)
                .bind(user.email.clone())
                .bind(user.name.clone())
                .bind(user.role.clone())
                .bind(user.password_hash.clone())
                .bind(user.created_at)
                .execute(conn.conn())
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The project `id` of `tenant`.
    pub(crate) async fn project_by_id(
        &mut self,
        tenant: Uuid,
        id: Uuid,
    ) -> Result<Option<Project>, sqlx::Error> {
        let sql = self.sql.project_by_id;
        on_conn!(self, conn => {
            sqlx::query_as(sql).bind(tenant).bind(id).fetch_optional(conn.conn()).await
        })
    }

    /// Inserts `project`.
    pub(crate) async fn insert_project(&mut self, project: &Project) -> Result<(), sqlx::Error> {
        self.before_write().await?;
        let sql = self.sql.insert_project;
        on_conn!(self, conn => {
            sqlx::query(sql)
                .bind(project.tenant_id)
                .bind(project.id)
                .bind(project.name.clone())
                .bind(project.description.clone())
                .bind(project.created_at)
                .bind(project.updated_at)
                .execute(conn.conn())
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The projects of `tenant` after `after`, by `(created_at, id)`.
    pub(crate) async fn list_projects(
        &mut self,
        tenant: Uuid,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> Result<Vec<Project>, sqlx::Error> {
        let sql = self.sql.list_projects[usize::from(after.is_some())];
        on_conn!(self, conn => {
            let mut query = sqlx::query_as(sql).bind(tenant);
            if let Some((created_at, id)) = after {
                query = query.bind(created_at).bind(created_at).bind(id);
            }
            query.bind(limit).fetch_all(conn.conn()).await
        })
    }

    /// The reports of `project` in `tenant`.
    pub(crate) async fn reports_of_project(
        &mut self,
        tenant: Uuid,
        project: Uuid,
    ) -> Result<Vec<Report>, sqlx::Error> {
        let sql = self.sql.reports_of_project;
        on_conn!(self, conn => {
            sqlx::query_as(sql).bind(tenant).bind(project).fetch_all(conn.conn()).await
        })
    }

    /// Deletes the project `id` of `tenant` (the schema's cascades take its tasks, their
    /// comments and its reports); whether there was one.
    pub(crate) async fn delete_project(
        &mut self,
        tenant: Uuid,
        id: Uuid,
    ) -> Result<bool, sqlx::Error> {
        self.before_write().await?;
        let sql = self.sql.delete_project;
        let deleted = on_conn!(self, conn => {
            sqlx::query(sql)
                .bind(tenant)
                .bind(id)
                .execute(conn.conn())
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(deleted > 0)
    }

    /// Deletes the background jobs `ids` of `tenant` (taskflow-tenancy's `jobs` table, which
    /// holds a report's status and CSV), as `jobs::delete` does; nothing for no ids.
    pub(crate) async fn delete_jobs(
        &mut self,
        tenant: Uuid,
        ids: &[Uuid],
    ) -> Result<(), sqlx::Error> {
        if ids.is_empty() {
            return Ok(());
        }
        self.before_write().await?;
        let marks = vec!["?"; ids.len()].join(", ");
        let sql = spell(
            self.sql.dialect,
            &format!("DELETE FROM jobs WHERE tenant_id = ? AND id IN ({marks})"),
        );
        on_conn!(self, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant);
            for id in ids {
                query = query.bind(*id);
            }
            query.execute(conn.conn()).await.map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The task `id` of `tenant`.
    pub(crate) async fn task_by_id(
        &mut self,
        tenant: Uuid,
        id: Uuid,
    ) -> Result<Option<Task>, sqlx::Error> {
        let sql = self.sql.task_by_id;
        on_conn!(self, conn => {
            sqlx::query_as(sql).bind(tenant).bind(id).fetch_optional(conn.conn()).await
        })
    }

    /// The tasks of `project` in `tenant` that pass `filter`, by `(created_at, id)`.
    pub(crate) async fn list_tasks(
        &mut self,
        tenant: Uuid,
        project: Uuid,
        filter: TaskFilter,
    ) -> Result<Vec<Task>, sqlx::Error> {
        let sql = self.sql.list_tasks[filter.variant()];
        on_conn!(self, conn => {
            let mut query = sqlx::query_as(sql).bind(tenant).bind(project);
            if let Some(status) = filter.status {
                query = query.bind(status);
            }
            if let Some(assignee) = filter.assignee_id {
                query = query.bind(assignee);
            }
            if let Some((created_at, id)) = filter.after {
                query = query.bind(created_at).bind(created_at).bind(id);
            }
            query.bind(filter.limit).fetch_all(conn.conn()).await
        })
    }

    /// Inserts `task`.
    pub(crate) async fn insert_task(&mut self, task: &Task) -> Result<(), sqlx::Error> {
        self.before_write().await?;
        let sql = self.sql.insert_task;
        on_conn!(self, conn => {
            sqlx::query(sql)
                .bind(task.tenant_id)
                .bind(task.id)
                .bind(task.project_id)
                .bind(task.title.clone())
                .bind(task.description.clone())
                .bind(task.status.clone())
                .bind(task.priority.clone())
                .bind(task.assignee_id)
                .bind(task.due_date)
                .bind(task.created_at)
                .bind(task.updated_at)
                .execute(conn.conn())
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The comments of `task` in `tenant`, after `after`, by `(created_at, id)`.
    pub(crate) async fn list_comments(
        &mut self,
        tenant: Uuid,
        task: Uuid,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> Result<Vec<Comment>, sqlx::Error> {
        let sql = self.sql.list_comments[usize::from(after.is_some())];
        on_conn!(self, conn => {
            let mut query = sqlx::query_as(sql).bind(tenant).bind(task);
            if let Some((created_at, id)) = after {
                query = query.bind(created_at).bind(created_at).bind(id);
            }
            query.bind(limit).fetch_all(conn.conn()).await
        })
    }

    /// Inserts `comment`.
    pub(crate) async fn insert_comment(&mut self, comment: &Comment) -> Result<(), sqlx::Error> {
        self.before_write().await?;
        let sql = self.sql.insert_comment;
        on_conn!(self, conn => {
            sqlx::query(sql)
                .bind(comment.tenant_id)
                .bind(comment.id)
                .bind(comment.task_id)
                .bind(comment.author_id)
                .bind(comment.body.clone())
                .bind(comment.created_at)
                .execute(conn.conn())
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_spelled_for_each_backend() {
        let sqlite = Statements::render(Dialect::Sqlite);
        assert_eq!(
            sqlite.task_by_id,
            r#"SELECT "tenant_id", "id", "project_id", "title", "description", "status", "priority", "assignee_id", "due_date", "created_at", "updated_at" FROM "tasks" WHERE "tenant_id" = ? AND "id" = ?"#
        );
        let postgres = Statements::render(Dialect::Postgres);
        assert!(
            postgres.list_tasks[7].ends_with(
                r#"WHERE "tenant_id" = $1 AND "project_id" = $2 AND "status" = $3 AND "assignee_id" = $4 AND ("created_at" > $5 OR ("created_at" = $6 AND "id" > $7)) ORDER BY "created_at" ASC, "id" ASC LIMIT $8"#
            ),
            "{}",
            postgres.list_tasks[7]
        );
        let mysql = Statements::render(Dialect::MySql);
        assert_eq!(
            mysql.user_by_email,
            "SELECT `tenant_id`, `id`, `email`, `name`, `role`, `password_hash`, `created_at` FROM `users` WHERE `tenant_id` = ? AND `email` = ?"
        );
    }

    #[test]
    fn the_task_list_variant_names_its_filters() {
        let filter = TaskFilter {
            status: Some("done".into()),
            assignee_id: None,
            after: Some((Utc::now(), Uuid::nil())),
            limit: 51,
        };
        assert_eq!(filter.variant(), 0b101);
        let sqlite = Statements::render(Dialect::Sqlite);
        assert!(sqlite.list_tasks[0b101].contains(r#""status" = ? AND ("created_at" > ?"#));
    }
}
