//! The TaskFlow API over real HTTP: each test starts the app on 127.0.0.1 port 0 over a fresh
//! database (a SQLite file; a new MariaDB/MySQL and PostgreSQL database when
//! `TASKFLOW_TEST_MYSQL_URL` / `TASKFLOW_TEST_POSTGRES_URL` are set) and talks to it as a client
//! would, `Host` header included.

#[macro_use]
mod helpers;

mod activity;
mod auth;
mod bodies;
mod cli;
mod comments;
mod concurrency;
mod frontend;
mod idempotency;
mod invitations;
mod isolation;
mod live;
mod openapi;
mod password_reset;
mod plans;
mod platform;
mod projects;
mod queue;
mod reports;
mod requests;
mod schema;
mod seed;
mod server;
mod task_lists;
mod tasks;
mod telemetry;
mod tenant_changes;
mod trash;
mod users;
mod worker;
