//! Isolation as a property of the whole HTTP API: random sequences of calls by three tenants,
//! each aimed at ids drawn from every tenant's resources, checked call by call against a model
//! of what each tenant owns. Another tenant's resource must answer `404 not_found` (a foreign
//! assignee or target project `422`), must never appear in an answer, and a refused call must
//! change nothing; at the end of each case every tenant's whole view is compared with the model.
//!
//! Cases per backend: `TASKFLOW_API_PROPTEST_CASES` (default 48); each signs up three fresh
//! tenants on one server per backend.

use std::collections::BTreeSet;

use hyper::StatusCode;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use crate::helpers::{Answer, Backend, Signed, TestApp};

const TENANTS: usize = 3;
const STATUSES: [&str; 3] = ["todo", "in_progress", "done"];

#[derive(Debug, Clone)]
enum Op {
    CreateProject {
        actor: usize,
        name: u8,
    },
    RenameProject {
        actor: usize,
        project: Index,
        name: u8,
    },
    GetProject {
        actor: usize,
        project: Index,
    },
    DeleteProject {
        actor: usize,
        project: Index,
    },
    ListProjects {
        actor: usize,
    },
    CreateTask {
        actor: usize,
        project: Index,
        assignee: Option<Index>,
    },
    UpdateTask {
        actor: usize,
        task: Index,
        status: u8,
        assignee: Option<Index>,
        project: Option<Index>,
    },
    GetTask {
        actor: usize,
        task: Index,
    },
    DeleteTask {
        actor: usize,
        task: Index,
    },
    ListTasks {
        actor: usize,
        project: Index,
    },
    AddComment {
        actor: usize,
        task: Index,
    },
    ListComments {
        actor: usize,
        task: Index,
    },
    GetUser {
        actor: usize,
        user: Index,
    },
    StartReport {
        actor: usize,
        project: Index,
    },
    GetReport {
        actor: usize,
        report: Index,
    },
    TokenOnOtherHost {
        actor: usize,
        host: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let actor = 0..TENANTS;
    let index = any::<Index>;
    prop_oneof![
        3 => (actor.clone(), 0..4u8).prop_map(|(actor, name)| Op::CreateProject { actor, name }),
        2 => (actor.clone(), index(), 0..4u8)
            .prop_map(|(actor, project, name)| Op::RenameProject { actor, project, name }),
        2 => (actor.clone(), index()).prop_map(|(actor, project)| Op::GetProject { actor, project }),
        1 => (actor.clone(), index()).prop_map(|(actor, project)| Op::DeleteProject { actor, project }),
        1 => actor.clone().prop_map(|actor| Op::ListProjects { actor }),
        4 => (actor.clone(), index(), proptest::option::of(index()))
            .prop_map(|(actor, project, assignee)| Op::CreateTask { actor, project, assignee }),
        3 => (actor.clone(), index(), 0..3u8, proptest::option::of(index()), proptest::option::weighted(0.2, index()))
            .prop_map(|(actor, task, status, assignee, project)| Op::UpdateTask { actor, task, status, assignee, project }),
        2 => (actor.clone(), index()).prop_map(|(actor, task)| Op::GetTask { actor, task }),
        1 => (actor.clone(), index()).prop_map(|(actor, task)| Op::DeleteTask { actor, task }),
        2 => (actor.clone(), index()).prop_map(|(actor, project)| Op::ListTasks { actor, project }),
        2 => (actor.clone(), index()).prop_map(|(actor, task)| Op::AddComment { actor, task }),
        1 => (actor.clone(), index()).prop_map(|(actor, task)| Op::ListComments { actor, task }),
        1 => (actor.clone(), index()).prop_map(|(actor, user)| Op::GetUser { actor, user }),
        1 => (actor.clone(), index()).prop_map(|(actor, project)| Op::StartReport { actor, project }),
        1 => (actor.clone(), index()).prop_map(|(actor, report)| Op::GetReport { actor, report }),
        1 => (actor, 0..TENANTS).prop_map(|(actor, host)| Op::TokenOnOtherHost { actor, host }),
    ]
}

/// One resource the model knows: its id, the tenant that made it, and whether it still exists.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    owner: usize,
    alive: bool,
    /// Project name, task status, or nothing.
    value: String,
    /// The project of a task or report, the task of a comment.
    parent: String,
    /// The assignee of a task.
    assignee: Option<String>,
}

impl Row {
    /// A live row of `owner` under `parent` (empty for none), created by an answer's `id`.
    fn new(id: &str, owner: usize, value: &str, parent: &str) -> Row {
        Row {
            id: id.to_owned(),
            owner,
            alive: true,
            value: value.to_owned(),
            parent: parent.to_owned(),
            assignee: None,
        }
    }
}

#[derive(Debug, Default)]
struct Model {
    users: Vec<Row>,
    projects: Vec<Row>,
    tasks: Vec<Row>,
    comments: Vec<Row>,
    reports: Vec<Row>,
}

/// A row drawn from every tenant's rows (dead ones included), or a never-used id.
fn pick(rows: &[Row], index: &Index) -> Row {
    if rows.is_empty() {
        Row {
            id: uuid::Uuid::new_v4().to_string(),
            owner: usize::MAX,
            alive: false,
            value: String::new(),
            parent: String::new(),
            assignee: None,
        }
    } else {
        rows[index.index(rows.len())].clone()
    }
}

fn mine(row: &Row, actor: usize) -> bool {
    row.alive && row.owner == actor
}

fn alive_of(rows: &[Row], actor: usize) -> impl Iterator<Item = &Row> {
    rows.iter().filter(move |r| mine(r, actor))
}

/// Whether a project of the actor's tenant has `name`: a deleted one is in the trash and keeps
/// its name.
fn name_taken(projects: &[Row], actor: usize, name: &str, except: Option<&str>) -> bool {
    projects
        .iter()
        .any(|p| p.owner == actor && p.value == name && Some(p.id.as_str()) != except)
}

/// Tallies for the report a run prints.
#[derive(Debug, Default)]
struct Tally {
    calls: usize,
    aimed_at_others: usize,
}

struct Case<'a> {
    app: &'a TestApp,
    tenants: Vec<Signed>,
    model: Model,
    tally: Tally,
}

fn expect_status(answer: &Answer, status: StatusCode, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(answer.status, status, "{}: {:?}", what, answer.body);
    Ok(())
}

fn expect_not_found(answer: &Answer, what: &str) -> Result<(), TestCaseError> {
    expect_status(answer, StatusCode::NOT_FOUND, what)?;
    prop_assert_eq!(answer.code(), "not_found", "{}", what);
    Ok(())
}

impl Case<'_> {
    fn host(&self, actor: usize) -> &str {
        &self.tenants[actor].host
    }

    fn token(&self, actor: usize) -> &str {
        &self.tenants[actor].token
    }

    async fn get(&mut self, actor: usize, path: &str) -> Answer {
        self.tally.calls += 1;
        self.app
            .get(self.host(actor), path, self.token(actor))
            .await
    }

    async fn post(&mut self, actor: usize, path: &str, body: Value) -> Answer {
        self.tally.calls += 1;
        self.app
            .post(self.host(actor), path, self.token(actor), body)
            .await
    }

    async fn patch(&mut self, actor: usize, path: &str, body: Value) -> Answer {
        self.tally.calls += 1;
        self.app
            .patch(self.host(actor), path, self.token(actor), body)
            .await
    }

    async fn delete(&mut self, actor: usize, path: &str) -> Answer {
        self.tally.calls += 1;
        self.app
            .delete(self.host(actor), path, self.token(actor))
            .await
    }

    fn aimed(&mut self, row: &Row, actor: usize) {
        if row.owner != actor {
            self.tally.aimed_at_others += 1;
        }
    }

    /// Every item of every page of `path`, as the tenant sees it.
    async fn list_all(&mut self, actor: usize, path: &str) -> Result<Vec<Value>, TestCaseError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page = match &cursor {
                Some(c) => format!("{path}{sep}limit=2&cursor={c}"),
                None => format!("{path}{sep}limit=2"),
            };
            let answer = self.get(actor, &page).await;
            expect_status(&answer, StatusCode::OK, &page)?;
            items.extend(answer.body["items"].as_array().cloned().unwrap_or_default());
            match answer.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(items),
            }
        }
    }

    /// The ids of a list, which must be exactly the model's `expected`.
    fn same_ids(
        items: &[Value],
        expected: impl Iterator<Item = String>,
        what: &str,
    ) -> Result<(), TestCaseError> {
        let got: BTreeSet<String> = items
            .iter()
            .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        let want: BTreeSet<String> = expected.collect();
        prop_assert_eq!(got, want, "{}", what);
        Ok(())
    }

    /// Deleting a project removes its tasks, their comments and its reports.
    fn cascade_project(&mut self, project: &str) {
        let mut gone_tasks = BTreeSet::new();
        for task in self.model.tasks.iter_mut().filter(|t| t.parent == project) {
            if task.alive {
                task.alive = false;
                gone_tasks.insert(task.id.clone());
            }
        }
        self.cascade_tasks(&gone_tasks);
        for report in self
            .model
            .reports
            .iter_mut()
            .filter(|r| r.parent == project)
        {
            report.alive = false;
        }
    }

    fn cascade_tasks(&mut self, tasks: &BTreeSet<String>) {
        for comment in &mut self.model.comments {
            if tasks.contains(&comment.parent) {
                comment.alive = false;
            }
        }
    }

    async fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::CreateProject { actor, name } => {
                let name = format!("Project {name}");
                let answer = self
                    .post(*actor, "/api/v1/projects", json!({ "name": name }))
                    .await;
                let taken = name_taken(&self.model.projects, *actor, &name, None);
                if taken {
                    expect_status(&answer, StatusCode::CONFLICT, "duplicate name")?;
                } else {
                    expect_status(&answer, StatusCode::CREATED, "create project")?;
                    self.model.projects.push(Row::new(
                        answer.body["id"].as_str().unwrap(),
                        *actor,
                        &name,
                        "",
                    ));
                }
            }
            Op::RenameProject {
                actor,
                project,
                name,
            } => {
                let target = pick(&self.model.projects, project);
                self.aimed(&target, *actor);
                let name = format!("Project {name}");
                let path = format!("/api/v1/projects/{}", target.id);
                let answer = self.patch(*actor, &path, json!({ "name": name })).await;
                if !mine(&target, *actor) {
                    return expect_not_found(&answer, "rename another tenant's project");
                }
                let taken = name_taken(&self.model.projects, *actor, &name, Some(&target.id));
                if taken {
                    expect_status(&answer, StatusCode::CONFLICT, "rename to a taken name")?;
                } else {
                    expect_status(&answer, StatusCode::OK, "rename")?;
                    prop_assert_eq!(answer.body["name"].as_str(), Some(name.as_str()));
                    let row = self.model.projects.iter_mut().find(|p| p.id == target.id);
                    row.unwrap().value = name;
                }
            }
            Op::GetProject { actor, project } => {
                let target = pick(&self.model.projects, project);
                self.aimed(&target, *actor);
                let answer = self
                    .get(*actor, &format!("/api/v1/projects/{}", target.id))
                    .await;
                if mine(&target, *actor) {
                    expect_status(&answer, StatusCode::OK, "own project")?;
                    prop_assert_eq!(answer.body["name"].as_str(), Some(target.value.as_str()));
                } else {
                    expect_not_found(&answer, "another tenant's project")?;
                }
            }
            Op::DeleteProject { actor, project } => {
                let target = pick(&self.model.projects, project);
                self.aimed(&target, *actor);
                let answer = self
                    .delete(*actor, &format!("/api/v1/projects/{}", target.id))
                    .await;
                if mine(&target, *actor) {
                    expect_status(&answer, StatusCode::NO_CONTENT, "delete own project")?;
                    let row = self.model.projects.iter_mut().find(|p| p.id == target.id);
                    row.unwrap().alive = false;
                    self.cascade_project(&target.id);
                } else {
                    expect_not_found(&answer, "delete another tenant's project")?;
                }
            }
            Op::ListProjects { actor } => {
                let items = self.list_all(*actor, "/api/v1/projects").await?;
                let want = alive_of(&self.model.projects, *actor).map(|p| p.id.clone());
                Self::same_ids(&items, want, "project list")?;
            }
            Op::CreateTask {
                actor,
                project,
                assignee,
            } => {
                let target = pick(&self.model.projects, project);
                self.aimed(&target, *actor);
                let assignee = assignee.as_ref().map(|i| pick(&self.model.users, i));
                let body = json!({
                    "title": "A task",
                    "assignee_id": assignee.as_ref().map(|a| a.id.clone()),
                });
                let path = format!("/api/v1/projects/{}/tasks", target.id);
                let answer = self.post(*actor, &path, body).await;
                if !mine(&target, *actor) {
                    return expect_not_found(&answer, "task in another tenant's project");
                }
                if let Some(a) = assignee.as_ref().filter(|a| !mine(a, *actor)) {
                    self.aimed(a, *actor);
                    expect_status(
                        &answer,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "foreign assignee",
                    )?;
                    prop_assert!(answer.body["error"]["fields"]["assignee_id"].is_string());
                    return Ok(());
                }
                expect_status(&answer, StatusCode::CREATED, "create task")?;
                self.model.tasks.push(Row {
                    assignee: assignee.map(|a| a.id),
                    ..Row::new(
                        answer.body["id"].as_str().unwrap(),
                        *actor,
                        "todo",
                        &target.id,
                    )
                });
            }
            Op::UpdateTask {
                actor,
                task,
                status,
                assignee,
                project,
            } => {
                let target = pick(&self.model.tasks, task);
                self.aimed(&target, *actor);
                let status = STATUSES[usize::from(*status)];
                let assignee = assignee.as_ref().map(|i| pick(&self.model.users, i));
                let move_to = project.as_ref().map(|i| pick(&self.model.projects, i));
                let mut body = json!({ "status": status });
                if let Some(a) = &assignee {
                    body["assignee_id"] = json!(a.id);
                }
                if let Some(p) = &move_to {
                    body["project_id"] = json!(p.id);
                }
                let answer = self
                    .patch(*actor, &format!("/api/v1/tasks/{}", target.id), body)
                    .await;
                if !mine(&target, *actor) {
                    return expect_not_found(&answer, "update another tenant's task");
                }
                let bad_assignee = assignee.as_ref().is_some_and(|a| !mine(a, *actor));
                let bad_project = move_to.as_ref().is_some_and(|p| !mine(p, *actor));
                if bad_assignee || bad_project {
                    expect_status(
                        &answer,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "foreign reference",
                    )?;
                    let fields = &answer.body["error"]["fields"];
                    prop_assert_eq!(fields["assignee_id"].is_string(), bad_assignee);
                    prop_assert_eq!(fields["project_id"].is_string(), bad_project);
                    if let Some(a) = assignee.as_ref().filter(|_| bad_assignee) {
                        self.aimed(a, *actor);
                    }
                    return Ok(());
                }
                expect_status(&answer, StatusCode::OK, "update own task")?;
                prop_assert_eq!(answer.body["status"].as_str(), Some(status));
                let row = self
                    .model
                    .tasks
                    .iter_mut()
                    .find(|t| t.id == target.id)
                    .unwrap();
                row.value = status.to_owned();
                if let Some(a) = assignee {
                    row.assignee = Some(a.id);
                }
                if let Some(p) = move_to {
                    row.parent = p.id;
                }
                prop_assert_eq!(answer.body["assignee_id"].as_str(), row.assignee.as_deref());
                prop_assert_eq!(
                    answer.body["project_id"].as_str(),
                    Some(row.parent.as_str())
                );
            }
            Op::GetTask { actor, task } => {
                let target = pick(&self.model.tasks, task);
                self.aimed(&target, *actor);
                let answer = self
                    .get(*actor, &format!("/api/v1/tasks/{}", target.id))
                    .await;
                if mine(&target, *actor) {
                    expect_status(&answer, StatusCode::OK, "own task")?;
                    let row = self.model.tasks.iter().find(|t| t.id == target.id).unwrap();
                    prop_assert_eq!(answer.body["status"].as_str(), Some(row.value.as_str()));
                    prop_assert_eq!(
                        answer.body["project_id"].as_str(),
                        Some(row.parent.as_str())
                    );
                } else {
                    expect_not_found(&answer, "another tenant's task")?;
                }
            }
            Op::DeleteTask { actor, task } => {
                let target = pick(&self.model.tasks, task);
                self.aimed(&target, *actor);
                let answer = self
                    .delete(*actor, &format!("/api/v1/tasks/{}", target.id))
                    .await;
                if mine(&target, *actor) {
                    expect_status(&answer, StatusCode::NO_CONTENT, "delete own task")?;
                    let row = self.model.tasks.iter_mut().find(|t| t.id == target.id);
                    row.unwrap().alive = false;
                    self.cascade_tasks(&BTreeSet::from([target.id.clone()]));
                } else {
                    expect_not_found(&answer, "delete another tenant's task")?;
                }
            }
            Op::ListTasks { actor, project } => {
                let target = pick(&self.model.projects, project);
                self.aimed(&target, *actor);
                self.check_tasks(*actor, &target).await?;
            }
            Op::AddComment { actor, task } => {
                let target = pick(&self.model.tasks, task);
                self.aimed(&target, *actor);
                let path = format!("/api/v1/tasks/{}/comments", target.id);
                let answer = self.post(*actor, &path, json!({ "body": "Noted." })).await;
                if mine(&target, *actor) {
                    expect_status(&answer, StatusCode::CREATED, "comment on own task")?;
                    self.model.comments.push(Row::new(
                        answer.body["id"].as_str().unwrap(),
                        *actor,
                        "",
                        &target.id,
                    ));
                } else {
                    expect_not_found(&answer, "comment on another tenant's task")?;
                }
            }
            Op::ListComments { actor, task } => {
                let target = pick(&self.model.tasks, task);
                self.aimed(&target, *actor);
                self.check_comments(*actor, &target).await?;
            }
            Op::GetUser { actor, user } => {
                let target = pick(&self.model.users, user);
                self.aimed(&target, *actor);
                let answer = self
                    .get(*actor, &format!("/api/v1/users/{}", target.id))
                    .await;
                if mine(&target, *actor) {
                    expect_status(&answer, StatusCode::OK, "own user")?;
                } else {
                    expect_not_found(&answer, "another tenant's user")?;
                }
            }
            Op::StartReport { actor, project } => {
                let target = pick(&self.model.projects, project);
                self.aimed(&target, *actor);
                let path = format!("/api/v1/projects/{}/reports", target.id);
                let answer = self.post(*actor, &path, json!({})).await;
                if mine(&target, *actor) {
                    expect_status(&answer, StatusCode::ACCEPTED, "report on own project")?;
                    self.model.reports.push(Row::new(
                        answer.body["id"].as_str().unwrap(),
                        *actor,
                        "",
                        &target.id,
                    ));
                } else {
                    expect_not_found(&answer, "report on another tenant's project")?;
                }
            }
            Op::GetReport { actor, report } => {
                let target = pick(&self.model.reports, report);
                self.aimed(&target, *actor);
                let answer = self
                    .get(*actor, &format!("/api/v1/reports/{}", target.id))
                    .await;
                if mine(&target, *actor) {
                    expect_status(&answer, StatusCode::OK, "own report")?;
                    prop_assert_eq!(
                        answer.body["project_id"].as_str(),
                        Some(target.parent.as_str())
                    );
                } else {
                    expect_not_found(&answer, "another tenant's report")?;
                }
            }
            Op::TokenOnOtherHost { actor, host } => {
                self.tally.calls += 1;
                let answer = self
                    .app
                    .get(self.host(*host), "/api/v1/projects", self.token(*actor))
                    .await;
                if host == actor {
                    expect_status(&answer, StatusCode::OK, "own token on own host")?;
                } else {
                    self.tally.aimed_at_others += 1;
                    expect_status(&answer, StatusCode::UNAUTHORIZED, "token on another host")?;
                    prop_assert_eq!(answer.code(), "unauthorized");
                }
            }
        }
        Ok(())
    }

    /// Each tenant's whole view (projects, their tasks, the tasks' comments, users) is exactly
    /// the model's.
    async fn check_views(&mut self) -> Result<(), TestCaseError> {
        for actor in 0..TENANTS {
            let projects = self.list_all(actor, "/api/v1/projects").await?;
            let want = alive_of(&self.model.projects, actor).map(|p| p.id.clone());
            Self::same_ids(&projects, want, "final project list")?;
            let users = self.list_all(actor, "/api/v1/users").await?;
            let want = alive_of(&self.model.users, actor).map(|u| u.id.clone());
            Self::same_ids(&users, want, "final user list")?;
            let projects: Vec<Row> = alive_of(&self.model.projects, actor).cloned().collect();
            for project in &projects {
                self.check_tasks(actor, project).await?;
            }
            let tasks: Vec<Row> = alive_of(&self.model.tasks, actor).cloned().collect();
            for task in &tasks {
                self.check_comments(actor, task).await?;
            }
        }
        Ok(())
    }

    /// The project's task list as `actor` sees it: the model's when the project is the
    /// actor's, else `404 not_found`.
    async fn check_tasks(&mut self, actor: usize, project: &Row) -> Result<(), TestCaseError> {
        let path = format!("/api/v1/projects/{}/tasks", project.id);
        self.check_children(actor, project, &path, |m| &m.tasks, "task list")
            .await
    }

    /// The task's comment list as `actor` sees it, likewise.
    async fn check_comments(&mut self, actor: usize, task: &Row) -> Result<(), TestCaseError> {
        let path = format!("/api/v1/tasks/{}/comments", task.id);
        self.check_children(actor, task, &path, |m| &m.comments, "comment list")
            .await
    }

    /// Lists `path`, the children of `parent`: every page together must be exactly the
    /// actor's live `rows` under `parent` when the parent is the actor's, else the list is
    /// `404 not_found`.
    async fn check_children(
        &mut self,
        actor: usize,
        parent: &Row,
        path: &str,
        rows: fn(&Model) -> &[Row],
        what: &str,
    ) -> Result<(), TestCaseError> {
        if !mine(parent, actor) {
            let answer = self.get(actor, path).await;
            return expect_not_found(&answer, what);
        }
        let items = self.list_all(actor, path).await?;
        let want = alive_of(rows(&self.model), actor)
            .filter(|r| r.parent == parent.id)
            .map(|r| r.id.clone());
        Self::same_ids(&items, want, what)
    }
}

async fn run_case(app: &TestApp, ops: Vec<Op>) -> Result<Tally, TestCaseError> {
    let mut tenants = Vec::new();
    let mut model = Model::default();
    for actor in 0..TENANTS {
        let subdomain = format!("p{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let signed = app.signup(&subdomain).await;
        model.users.push(Row::new(&signed.user_id, actor, "", ""));
        tenants.push(signed);
    }
    let mut case = Case {
        app,
        tenants,
        model,
        tally: Tally::default(),
    };
    for op in &ops {
        case.step(op).await?;
    }
    case.check_views().await?;
    Ok(case.tally)
}

fn isolation_holds(backend: Backend) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(app) = runtime.block_on(TestApp::spawn(backend)) else {
        return;
    };
    let cases = std::env::var("TASKFLOW_API_PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let totals = std::sync::Mutex::new(Tally::default());
    let started = std::time::Instant::now();
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            let tally = runtime.block_on(run_case(&app, ops))?;
            let mut totals = totals.lock().unwrap();
            totals.calls += tally.calls;
            totals.aimed_at_others += tally.aimed_at_others;
            Ok(())
        })
        .unwrap();
    let totals = totals.into_inner().unwrap();
    eprintln!(
        "{backend:?}: {cases} cases, {} API calls, {} aimed at another tenant's resources, \
         0 crossed, {:.1} s",
        totals.calls,
        totals.aimed_at_others,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn isolation_holds_over_http_sqlite() {
    isolation_holds(Backend::Sqlite);
}

#[test]
fn isolation_holds_over_http_mysql() {
    isolation_holds(Backend::MySql);
}

#[test]
fn isolation_holds_over_http_postgres() {
    isolation_holds(Backend::Postgres);
}
