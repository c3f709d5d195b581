//! The system under test: the generated query builders on a real database, driven step by
//! step alongside the reference model.

use std::any::Any;
use std::cell::{Cell as Counter, RefCell};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::rc::Rc;

use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use sqlx::{Executor, FromRow};
use taskflow_tenancy::{
    AdminCapability, Backend, Column, Error, FetchRows, Filter, Ordered, Scoped, SqlValue, Tenant,
    TenantConn, TenantDb, TenantId, TenantModel, TenantScope, TenantTx,
};
use tokio::runtime::Runtime;

use crate::reference::{
    Cell, Cmp, Cond, Op, Outcome, Patch, Reference, Row, Table, Transition, Violation, World,
};
use crate::{NewProject, NewTask, Project, ProjectPatch, Task, TaskPatch};

/// How many steps one case takes.
const STEPS: std::ops::Range<usize> = 1..40;

/// A database opened by a test function, with what each case needs to run on it.
struct Harness<DB: sqlx::Database> {
    runtime: Runtime,
    db: TenantDb<DB>,
    admin: AdminCapability,
    stats: Stats,
    /// Whatever must live as long as the database (the SQLite file's directory).
    _database: Box<dyn Any>,
}

#[derive(Default)]
struct Stats {
    cases: Counter<u64>,
    steps: Counter<u64>,
    crossing: Counter<u64>,
    rejected: Counter<u64>,
    rows: Counter<u64>,
}

impl Stats {
    fn bump(counter: &Counter<u64>, by: u64) {
        counter.set(counter.get() + by);
    }
}

thread_local! {
    /// `StateMachineTest::init_test` is given only the reference state, so the database the
    /// test function opened reaches it through this slot. Proptest runs every case (without
    /// `fork`) on the thread that started it.
    static HARNESS: RefCell<Option<Rc<dyn Any>>> = const { RefCell::new(None) };
}

/// Runs the isolation property on `db`, whose tables exist: `PROPTEST_CASES` cases (the
/// proptest default otherwise) of `STEPS` random operations each. Panics on the first
/// difference from the model, after shrinking it.
pub(crate) fn check<DB>(label: &str, runtime: Runtime, db: TenantDb<DB>, database: Box<dyn Any>)
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    Project: for<'r> FromRow<'r, DB::Row>,
    Task: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    TenantTx<DB>: FetchRows<Project> + FetchRows<Task>,
{
    let harness = Rc::new(Harness {
        runtime,
        db,
        admin: AdminCapability::grant("isolation-test", "create and purge each case's tenants")
            .expect("a reason is given"),
        stats: Stats::default(),
        _database: database,
    });
    HARNESS.with_borrow_mut(|slot| *slot = Some(harness.clone()));

    let config = Config {
        // Failing seeds go to `tests/isolation.proptest-regressions`, replayed first next time.
        source_file: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/isolation.rs")),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config.clone());
    let result = runner.run(
        &Reference::<DB>::sequential_strategy(STEPS),
        |(world, steps, seen)| {
            Isolation::<DB>::test_sequential(config.clone(), world, steps, seen);
            Ok(())
        },
    );
    HARNESS.with_borrow_mut(|slot| *slot = None);
    if let Err(failure) = result {
        panic!("{label}: {failure}");
    }

    let s = &harness.stats;
    println!(
        "{label}: no operation read or wrote another tenant's row in {} cases \
         ({} operations, {} on keys or projects only other tenants have, \
         {} writes refused by the database as the model predicted, {} rows returned)",
        s.cases.get(),
        s.steps.get(),
        s.crossing.get(),
        s.rejected.get(),
        s.rows.get(),
    );
}

/// The state machine test of backend `DB`.
struct Isolation<DB>(PhantomData<DB>);

/// One case: its tenants' scopes, in the model's tenant order.
struct Case<DB: sqlx::Database> {
    harness: Rc<Harness<DB>>,
    scopes: Vec<TenantScope>,
}

/// What an operation returned, before the tenant of each row is checked.
enum Answer {
    Row(Option<(TenantId, Row)>),
    Rows(Vec<(TenantId, Row)>),
    Count(u64),
    Bool(bool),
}

impl<DB> StateMachineTest for Isolation<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    Project: for<'r> FromRow<'r, DB::Row>,
    Task: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    TenantTx<DB>: FetchRows<Project> + FetchRows<Task>,
{
    type SystemUnderTest = Case<DB>;
    type Reference = Reference<DB>;

    fn init_test(world: &World) -> Case<DB> {
        let harness = HARNESS
            .with_borrow(|slot| slot.clone())
            .expect("`check` installs the harness")
            .downcast::<Harness<DB>>()
            .unwrap_or_else(|_| panic!("the harness is for another backend"));
        let scopes = harness
            .runtime
            .block_on(harness.fresh_tenants(world.tenants))
            .expect("reset the tables and create the case's tenants");
        let case = Case { harness, scopes };
        case.harness
            .runtime
            .block_on(case.seed(world))
            .expect("insert each tenant's starting rows");
        case
    }

    fn apply(case: Case<DB>, world: &World, transition: Transition) -> Case<DB> {
        let expected = world.expected.as_ref().expect("the model ran this step");
        let scope = &case.scopes[transition.tenant];
        let answer = case.harness.runtime.block_on(case.run(scope, &transition));
        let stats = &case.harness.stats;
        Stats::bump(&stats.steps, 1);
        Stats::bump(&stats.crossing, u64::from(expected.crosses_tenants));

        let outcome = match answer {
            Ok(answer) => case.own_rows_only(scope, &transition, answer),
            Err(error) => Outcome::Rejected([violation(&error)].into()),
        };
        match (&expected.outcome, &outcome) {
            (Outcome::Rejected(possible), Outcome::Rejected(actual)) => {
                assert!(
                    actual.is_subset(possible),
                    "{transition:?}: the database refused with {actual:?}, the model expected {possible:?}"
                );
                Stats::bump(&stats.rejected, 1);
            }
            (expected, actual) => assert_eq!(
                actual, expected,
                "{transition:?}: the database answered differently from the model"
            ),
        }
        case
    }

    /// After every step, the whole database (read across tenants with an admin capability)
    /// equals the model: no write of one tenant touched another's rows, and refused writes
    /// changed nothing.
    fn check_invariants(case: &Case<DB>, world: &World) {
        let (projects, tasks) = case
            .harness
            .runtime
            .block_on(case.snapshot())
            .expect("read every tenant's rows");
        for (table, actual) in [(Table::Projects, projects), (Table::Tasks, tasks)] {
            let actual: BTreeMap<(usize, i64), Row> = actual
                .into_iter()
                .map(|(tenant, row)| ((case.tenant_index(tenant), key(&row)), row))
                .collect();
            assert_eq!(
                &actual,
                world.rows(table),
                "{table:?}: the database holds other rows than the model"
            );
        }
    }

    fn teardown(case: Case<DB>, _world: World) {
        Stats::bump(&case.harness.stats.cases, 1);
    }
}

impl<DB> Harness<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
{
    /// Purges the previous case's tenants with their rows, and creates `n` new ones.
    async fn fresh_tenants(&self, n: usize) -> taskflow_tenancy::Result<Vec<TenantScope>> {
        for tenant in self.db.list(&self.admin).await? {
            self.db
                .purge(&self.admin, tenant.id, &[Task::INFO, Project::INFO])
                .await?;
        }
        let mut scopes = Vec::with_capacity(n);
        for i in 0..n {
            let tenant = self
                .db
                .create(&self.admin, &format!("Tenant {i}"), &format!("tenant{i}"))
                .await?;
            scopes.push(self.db.scope(tenant.id).await?);
        }
        Ok(scopes)
    }
}

impl<DB> Case<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    Project: for<'r> FromRow<'r, DB::Row>,
    Task: for<'r> FromRow<'r, DB::Row>,
    TenantTx<DB>: FetchRows<Project> + FetchRows<Task>,
{
    /// Runs one step in its own transaction for `scope`, committed when the step succeeds and
    /// rolled back (dropped) when the database refuses it.
    async fn run(
        &self,
        scope: &TenantScope,
        transition: &Transition,
    ) -> taskflow_tenancy::Result<Answer> {
        let mut tx = self.harness.db.begin(scope).await?;
        assert_eq!(tx.tenant_id(), scope.tenant_id());
        let answer = match transition.table {
            Table::Projects => Self::run_on::<Project>(&mut tx, &transition.op).await?,
            Table::Tasks => Self::run_on::<Task>(&mut tx, &transition.op).await?,
        };
        tx.commit().await?;
        Ok(answer)
    }

    async fn run_on<M>(tx: &mut TenantTx<DB>, op: &Op) -> taskflow_tenancy::Result<Answer>
    where
        M: Fixture,
        TenantTx<DB>: FetchRows<M>,
    {
        let rows = |rows: Vec<M>| Answer::Rows(rows.iter().map(tagged).collect());
        Ok(match op {
            Op::Insert(row) => {
                let stored = M::scoped(tx).insert(M::new_row(row)).await?;
                Answer::Row(Some(tagged(&stored)))
            }
            Op::InsertMany(new) => Answer::Count(
                M::scoped(tx)
                    .insert_many(new.iter().map(M::new_row))
                    .await?,
            ),
            Op::Get(key) => Answer::Row(M::scoped(tx).get(*key).await?.as_ref().map(tagged)),
            Op::List(query) => {
                let mut q = filtered::<M, _>(tx, &query.filters);
                for &(column, desc) in &query.order {
                    q = M::order_by(q, column, desc);
                }
                if let Some(n) = query.limit {
                    q = q.limit(n);
                }
                if let Some(n) = query.offset {
                    q = q.offset(n);
                }
                rows(q.fetch_all().await?)
            }
            Op::After {
                filters,
                column,
                desc,
                value,
                key,
                limit,
            } => {
                let mut q = M::after(filtered::<M, _>(tx, filters), *column, *desc, value, *key);
                if let Some(n) = limit {
                    q = q.limit(*n);
                }
                rows(q.fetch_all().await?)
            }
            Op::AfterKey {
                filters,
                key,
                limit,
            } => {
                let mut q = filtered::<M, _>(tx, filters).after_key(*key);
                if let Some(n) = limit {
                    q = q.limit(*n);
                }
                rows(q.fetch_all().await?)
            }
            Op::Count(filters) => Answer::Count(filtered::<M, _>(tx, filters).count().await?),
            Op::Exists(filters) => Answer::Bool(filtered::<M, _>(tx, filters).exists().await?),
            Op::UpdateByKey(key, patch) => {
                Answer::Bool(M::scoped(tx).update_by_key(*key, &M::patch(patch)).await?)
            }
            Op::Update(filters, patch) => Answer::Count(
                filtered::<M, _>(tx, filters)
                    .update(&M::patch(patch))
                    .await?,
            ),
            Op::DeleteByKey(key) => Answer::Bool(M::scoped(tx).delete_by_key(*key).await?),
            Op::Delete(filters) => Answer::Count(filtered::<M, _>(tx, filters).delete().await?),
        })
    }

    /// Inserts each tenant's starting rows in a transaction of its own scope.
    async fn seed(&self, world: &World) -> taskflow_tenancy::Result<()> {
        for (tenant, scope) in self.scopes.iter().enumerate() {
            let own = |table| {
                world
                    .rows(table)
                    .range((tenant, i64::MIN)..=(tenant, i64::MAX))
                    .map(|(_, row)| row)
            };
            let mut tx = self.harness.db.begin(scope).await?;
            Project::scoped(&mut tx)
                .insert_many(own(Table::Projects).map(Project::new_row))
                .await?;
            Task::scoped(&mut tx)
                .insert_many(own(Table::Tasks).map(Task::new_row))
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Every row of both tables, across tenants.
    async fn snapshot(
        &self,
    ) -> taskflow_tenancy::Result<(Vec<(TenantId, Row)>, Vec<(TenantId, Row)>)> {
        let admin = &self.harness.admin;
        let pool = self.harness.db.pool();
        let projects = Project::all_tenants(admin).fetch_all(pool).await?;
        let tasks = Task::all_tenants(admin).fetch_all(pool).await?;
        Ok((
            projects.iter().map(tagged).collect(),
            tasks.iter().map(tagged).collect(),
        ))
    }
}

/// A builder on `tx` with every condition of `filters`.
fn filtered<'t, M: Fixture, C: TenantConn + ?Sized>(
    tx: &'t mut C,
    filters: &[Cond],
) -> Scoped<'t, M, C> {
    filters
        .iter()
        .fold(M::scoped(tx), |query, cond| query.filter(M::filter(cond)))
}

impl<DB: sqlx::Database> Case<DB> {
    fn tenant_index(&self, tenant: TenantId) -> usize {
        self.scopes
            .iter()
            .position(|scope| scope.tenant_id() == tenant)
            .unwrap_or_else(|| panic!("a row of {tenant:?}, which is none of this case's tenants"))
    }

    /// The invariant itself: every row handed to `scope` is `scope`'s.
    fn own_rows_only(
        &self,
        scope: &TenantScope,
        transition: &Transition,
        answer: Answer,
    ) -> Outcome {
        let own = |(tenant, row): (TenantId, Row)| {
            assert_eq!(
                tenant,
                scope.tenant_id(),
                "{transition:?}: tenant {} was handed a row of tenant {}: {row:?}",
                transition.tenant,
                self.tenant_index(tenant),
            );
            Stats::bump(&self.harness.stats.rows, 1);
            row
        };
        match answer {
            Answer::Row(row) => Outcome::Row(row.map(own)),
            Answer::Rows(rows) => {
                let mut rows: Vec<Row> = rows.into_iter().map(own).collect();
                if let Op::List(query) = &transition.op
                    && query.order.is_empty()
                {
                    rows.sort_by_key(key);
                }
                Outcome::Rows(rows)
            }
            Answer::Count(n) => Outcome::Count(n),
            Answer::Bool(b) => Outcome::Bool(b),
        }
    }
}

/// A refused write must be refused by a constraint, not fail for any other reason.
fn violation(error: &Error) -> Violation {
    if error.unique_violation().is_some() {
        Violation::Unique
    } else if error.is_foreign_key_violation() {
        Violation::ForeignKey
    } else {
        panic!("the database failed for another reason than a constraint: {error}")
    }
}

fn key(row: &Row) -> i64 {
    match row[0] {
        Cell::Int(key) => key,
        _ => unreachable!("keys are integers"),
    }
}

fn tagged<M: Fixture>(row: &M) -> (TenantId, Row) {
    (row.tenant_id(), row.cells())
}

/// A model of this test, seen through the reference model's rows and conditions.
trait Fixture: TenantModel<Key = i64> {
    fn scoped<'t, C: TenantConn + ?Sized>(tx: &'t mut C) -> Scoped<'t, Self, C>;
    fn cells(&self) -> Row;
    fn new_row(row: &Row) -> Self::New;
    fn patch(patch: &Patch) -> Self::Patch;
    fn filter(cond: &Cond) -> Filter<Self>;
    fn order_by<'t, C: TenantConn + ?Sized>(
        query: Scoped<'t, Self, C>,
        column: usize,
        desc: bool,
    ) -> Scoped<'t, Self, C>;
    fn after<'t, C: TenantConn + ?Sized>(
        query: Scoped<'t, Self, C>,
        column: usize,
        desc: bool,
        value: &Cell,
        key: i64,
    ) -> Scoped<'t, Self, C>;
}

/// Reads a model value out of a reference cell.
trait FromCell {
    fn from_cell(cell: &Cell) -> Self;
}

impl FromCell for i64 {
    fn from_cell(cell: &Cell) -> Self {
        match cell {
            Cell::Int(v) => *v,
            other => unreachable!("not an integer: {other:?}"),
        }
    }
}

impl FromCell for i32 {
    fn from_cell(cell: &Cell) -> Self {
        i32::try_from(i64::from_cell(cell)).expect("small integers")
    }
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Self {
        match cell {
            Cell::Text(v) => v.clone(),
            other => unreachable!("not text: {other:?}"),
        }
    }
}

impl FromCell for Option<String> {
    fn from_cell(cell: &Cell) -> Self {
        match cell {
            Cell::Null => None,
            other => Some(String::from_cell(other)),
        }
    }
}

fn compare<M: TenantModel, T: Ordered + FromCell>(
    column: Column<M, T>,
    op: Cmp,
    value: &Cell,
) -> Filter<M> {
    let value = T::from_cell(value);
    match op {
        Cmp::Eq => column.eq(value),
        Cmp::Ne => column.ne(value),
        Cmp::Lt => column.lt(value),
        Cmp::Le => column.le(value),
        Cmp::Gt => column.gt(value),
        Cmp::Ge => column.ge(value),
    }
}

fn member<M: TenantModel, T: SqlValue + FromCell>(
    column: Column<M, T>,
    values: &[Cell],
    negated: bool,
) -> Filter<M> {
    let values: Vec<T> = values.iter().map(T::from_cell).collect();
    if negated {
        column.not_in(values)
    } else {
        column.is_in(values)
    }
}

fn ordered<'t, M: TenantModel, C: TenantConn + ?Sized, T: SqlValue>(
    column: Column<M, T>,
    query: Scoped<'t, M, C>,
    desc: bool,
) -> Scoped<'t, M, C> {
    query.order_by(if desc { column.desc() } else { column.asc() })
}

fn keyset<'t, M: TenantModel<Key = i64>, C: TenantConn + ?Sized, T: Ordered + FromCell>(
    column: Column<M, T>,
    query: Scoped<'t, M, C>,
    desc: bool,
    value: &Cell,
    key: i64,
) -> Scoped<'t, M, C> {
    let order = if desc { column.desc() } else { column.asc() };
    query.after(order, T::from_cell(value), key)
}

/// Calls `f(column, args...)` with the typed column constant that column number `index` names.
macro_rules! on_column {
    ($index:expr, $f:ident $args:tt, {$($i:literal => $column:expr),* $(,)?}) => {
        match $index {
            $($i => call!($f, $column, $args),)*
            other => unreachable!("no column {other}"),
        }
    };
}

macro_rules! call {
    ($f:ident, $column:expr, ($($arg:expr),*)) => {
        $f($column, $($arg),*)
    };
}

macro_rules! on_project_column {
    ($index:expr, $f:ident $args:tt) => {
        on_column!($index, $f $args, {0 => Project::ID, 1 => Project::NAME, 2 => Project::RANK})
    };
}

macro_rules! on_task_column {
    ($index:expr, $f:ident $args:tt) => {
        on_column!($index, $f $args, {
            0 => Task::ID,
            1 => Task::PROJECT_ID,
            2 => Task::TITLE,
            3 => Task::POINTS,
            4 => Task::NOTE,
        })
    };
}

impl Fixture for Project {
    fn scoped<'t, C: TenantConn + ?Sized>(tx: &'t mut C) -> Scoped<'t, Self, C> {
        Project::scoped(tx)
    }

    fn cells(&self) -> Row {
        vec![
            Cell::Int(self.id),
            Cell::Text(self.name.clone()),
            Cell::Int(self.rank.into()),
        ]
    }

    fn new_row(row: &Row) -> NewProject {
        NewProject {
            id: FromCell::from_cell(&row[0]),
            name: FromCell::from_cell(&row[1]),
            rank: FromCell::from_cell(&row[2]),
        }
    }

    fn patch(patch: &Patch) -> ProjectPatch {
        let mut set = ProjectPatch::default();
        for (column, value) in patch {
            match column {
                1 => set.name = Some(FromCell::from_cell(value)),
                2 => set.rank = Some(FromCell::from_cell(value)),
                other => unreachable!("no patchable column {other}"),
            }
        }
        set
    }

    fn filter(cond: &Cond) -> Filter<Self> {
        match cond {
            Cond::Cmp(c, op, v) => {
                on_project_column!(*c, compare(*op, v))
            }
            Cond::In(c, vs) => {
                on_project_column!(*c, member(vs, false))
            }
            Cond::NotIn(c, vs) => {
                on_project_column!(*c, member(vs, true))
            }
            Cond::Like(1, pattern) => Project::NAME.like(pattern.clone()),
            Cond::And(a, b) => Self::filter(a).and(Self::filter(b)),
            Cond::Or(a, b) => Self::filter(a).or(Self::filter(b)),
            other => unreachable!("no such filter on projects: {other:?}"),
        }
    }

    fn order_by<'t, C: TenantConn + ?Sized>(
        query: Scoped<'t, Self, C>,
        column: usize,
        desc: bool,
    ) -> Scoped<'t, Self, C> {
        on_project_column!(column, ordered(query, desc))
    }

    fn after<'t, C: TenantConn + ?Sized>(
        query: Scoped<'t, Self, C>,
        column: usize,
        desc: bool,
        value: &Cell,
        key: i64,
    ) -> Scoped<'t, Self, C> {
        on_project_column!(column, keyset(query, desc, value, key))
    }
}

impl Fixture for Task {
    fn scoped<'t, C: TenantConn + ?Sized>(tx: &'t mut C) -> Scoped<'t, Self, C> {
        Task::scoped(tx)
    }

    fn cells(&self) -> Row {
        vec![
            Cell::Int(self.id),
            Cell::Int(self.project_id),
            Cell::Text(self.title.clone()),
            Cell::Int(self.points.into()),
            self.note.clone().map_or(Cell::Null, Cell::Text),
        ]
    }

    fn new_row(row: &Row) -> NewTask {
        NewTask {
            id: FromCell::from_cell(&row[0]),
            project_id: FromCell::from_cell(&row[1]),
            title: FromCell::from_cell(&row[2]),
            points: FromCell::from_cell(&row[3]),
            note: FromCell::from_cell(&row[4]),
        }
    }

    fn patch(patch: &Patch) -> TaskPatch {
        let mut set = TaskPatch::default();
        for (column, value) in patch {
            match column {
                1 => set.project_id = Some(FromCell::from_cell(value)),
                2 => set.title = Some(FromCell::from_cell(value)),
                3 => set.points = Some(FromCell::from_cell(value)),
                4 => set.note = Some(FromCell::from_cell(value)),
                other => unreachable!("no patchable column {other}"),
            }
        }
        set
    }

    fn filter(cond: &Cond) -> Filter<Self> {
        match cond {
            Cond::Cmp(c, op, v) => on_task_column!(*c, compare(*op, v)),
            Cond::In(c, vs) => on_task_column!(*c, member(vs, false)),
            Cond::NotIn(c, vs) => on_task_column!(*c, member(vs, true)),
            Cond::Like(2, pattern) => Task::TITLE.like(pattern.clone()),
            Cond::Like(4, pattern) => Task::NOTE.like(pattern.clone()),
            Cond::IsNull(4) => Task::NOTE.is_null(),
            Cond::IsNotNull(4) => Task::NOTE.is_not_null(),
            Cond::And(a, b) => Self::filter(a).and(Self::filter(b)),
            Cond::Or(a, b) => Self::filter(a).or(Self::filter(b)),
            other => unreachable!("no such filter on tasks: {other:?}"),
        }
    }

    fn order_by<'t, C: TenantConn + ?Sized>(
        query: Scoped<'t, Self, C>,
        column: usize,
        desc: bool,
    ) -> Scoped<'t, Self, C> {
        on_task_column!(column, ordered(query, desc))
    }

    fn after<'t, C: TenantConn + ?Sized>(
        query: Scoped<'t, Self, C>,
        column: usize,
        desc: bool,
        value: &Cell,
        key: i64,
    ) -> Scoped<'t, Self, C> {
        on_column!(column, keyset(query, desc, value, key), {
            0 => Task::ID,
            1 => Task::PROJECT_ID,
            2 => Task::TITLE,
            3 => Task::POINTS,
        })
    }
}
