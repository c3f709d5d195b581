//! The reference model: every tenant's projects and tasks in memory, the operations the test
//! draws, and what each must answer on a database that keeps tenants apart.
//!
//! Rows are kept per `(tenant index, id)`; tenant ids only exist once the database made them,
//! so the model speaks of tenants by index and the system under test maps them.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest_state_machine::ReferenceStateMachine;
use taskflow_tenancy::{Backend, Dialect};

/// One column value of a row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// A row without its tenant, in declaration order: `[id, name, rank]` for a project,
/// `[id, project_id, title, points, note]` for a task. The key is always column 0.
pub(crate) type Row = Vec<Cell>;

/// The `(column, value)` pairs an update sets.
pub(crate) type Patch = Vec<(usize, Cell)>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    Projects,
    Tasks,
}

/// What values a column holds, and so which filters apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Domain {
    /// The row's own key.
    Key,
    /// A task's project: a project key.
    ProjectKey,
    /// Lowercase ASCII, never empty and without spaces, so that every backend's collation
    /// orders and compares it byte by byte.
    Text,
    /// A small integer, so that ties are common.
    Small,
    /// Lowercase ASCII or `NULL`.
    OptionalText,
}

impl Table {
    fn domains(self) -> &'static [Domain] {
        match self {
            Table::Projects => &[Domain::Key, Domain::Text, Domain::Small],
            Table::Tasks => &[
                Domain::Key,
                Domain::ProjectKey,
                Domain::Text,
                Domain::Small,
                Domain::OptionalText,
            ],
        }
    }

    fn columns(self) -> std::ops::Range<usize> {
        0..self.domains().len()
    }
}

/// A project's `name`, unique per tenant.
const PROJECT_NAME: usize = 1;
/// A task's `project_id`, a reference to a project of the same tenant.
const TASK_PROJECT: usize = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A filter, as the typed column API builds it.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    Cmp(usize, Cmp, Cell),
    In(usize, Vec<Cell>),
    NotIn(usize, Vec<Cell>),
    IsNull(usize),
    IsNotNull(usize),
    Like(usize, String),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

/// A list query. `order` is empty, or ends with the key so that the order is total and a
/// window (`limit`, `offset`) picks the same rows on every backend.
#[derive(Clone, Debug)]
pub(crate) struct Query {
    pub(crate) filters: Vec<Cond>,
    pub(crate) order: Vec<(usize, bool)>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

#[derive(Clone, Debug)]
pub(crate) enum Op {
    Insert(Row),
    InsertMany(Vec<Row>),
    Get(i64),
    List(Query),
    /// Keyset pagination: `after(column, value, key)` then `limit`.
    After {
        filters: Vec<Cond>,
        column: usize,
        desc: bool,
        value: Cell,
        key: i64,
        limit: Option<u64>,
    },
    AfterKey {
        filters: Vec<Cond>,
        key: i64,
        limit: Option<u64>,
    },
    Count(Vec<Cond>),
    Exists(Vec<Cond>),
    UpdateByKey(i64, Patch),
    Update(Vec<Cond>, Patch),
    DeleteByKey(i64),
    Delete(Vec<Cond>),
}

/// One step: tenant number `tenant` runs `op` on `table` with its own scope.
#[derive(Clone, Debug)]
pub(crate) struct Transition {
    pub(crate) tenant: usize,
    pub(crate) table: Table,
    pub(crate) op: Op,
}

/// A constraint the database must enforce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Violation {
    Unique,
    ForeignKey,
}

/// What an operation answers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Outcome {
    /// `get`, and `insert` (which returns the stored row).
    Row(Option<Row>),
    /// `fetch_all`, in the query's order (by key when it has none).
    Rows(Vec<Row>),
    /// `count`, `insert_many`, `update`, `delete`.
    Count(u64),
    /// `exists`, `update_by_key`, `delete_by_key`.
    Bool(bool),
    /// The database refused the write with one of these violations and changed nothing. When
    /// a write breaks several constraints, which one a backend reports first is its own choice.
    Rejected(BTreeSet<Violation>),
}

/// The model's prediction for the last transition.
#[derive(Clone, Debug)]
pub(crate) struct Expected {
    pub(crate) outcome: Outcome,
    /// The operation named a key (or a project) that only other tenants have.
    pub(crate) crosses_tenants: bool,
}

/// The reference state: every tenant's rows, and the prediction for the last step.
#[derive(Clone, Debug)]
pub(crate) struct World {
    pub(crate) tenants: usize,
    pub(crate) projects: BTreeMap<(usize, i64), Row>,
    pub(crate) tasks: BTreeMap<(usize, i64), Row>,
    pub(crate) expected: Option<Expected>,
    /// `NULL` sorts after every value on PostgreSQL and before every value on SQLite and
    /// MySQL; the library leaves that to the database, so the model follows the backend.
    nulls_last: bool,
}

/// The reference state machine for backend `DB`.
pub(crate) struct Reference<DB>(PhantomData<DB>);

impl<DB: Backend> ReferenceStateMachine for Reference<DB> {
    type State = World;
    type Transition = Transition;

    /// 2 to 5 tenants, each with a few rows to start from, so that operations find rows of
    /// their own and of others from the first step. Keys overlap between tenants.
    fn init_state() -> BoxedStrategy<World> {
        let nulls_last = DB::DIALECT == Dialect::Postgres;
        let fresh = Keys::of(&World::empty(0, nulls_last), 0);
        let tenant = (
            vec(fresh.row(Table::Projects), 0..6),
            vec((fresh.row(Table::Tasks), any::<Index>()), 0..8),
        );
        vec(tenant, 2..=5)
            .prop_map(move |tenants| {
                let mut world = World::empty(tenants.len(), nulls_last);
                for (tenant, (projects, tasks)) in tenants.into_iter().enumerate() {
                    for project in projects {
                        world.seed(tenant, Table::Projects, project);
                    }
                    let (own, _) = world.keys(tenant, Table::Projects);
                    for (mut task, project) in tasks {
                        if !own.is_empty() {
                            task[TASK_PROJECT] = Cell::Int(*project.get(&own));
                            world.seed(tenant, Table::Tasks, task);
                        }
                    }
                }
                world
            })
            .boxed()
    }

    fn transitions(world: &World) -> BoxedStrategy<Transition> {
        let by_tenant: Vec<_> = (0..world.tenants)
            .map(|tenant| {
                let keys = Keys::of(world, tenant);
                let on = |table: Table| {
                    keys.ops(table)
                        .prop_map(move |op| Transition { tenant, table, op })
                };
                prop_oneof![on(Table::Projects), on(Table::Tasks)].boxed()
            })
            .collect();
        proptest::strategy::Union::new(by_tenant).boxed()
    }

    /// Shrinking may drop tenants from the initial state; steps of the dropped ones go too.
    fn preconditions(world: &World, transition: &Transition) -> bool {
        transition.tenant < world.tenants
    }

    fn apply(mut world: World, transition: &Transition) -> World {
        let expected = world.run(transition);
        world.expected = Some(expected);
        world
    }
}

impl World {
    fn empty(tenants: usize, nulls_last: bool) -> World {
        World {
            tenants,
            projects: BTreeMap::new(),
            tasks: BTreeMap::new(),
            expected: None,
            nulls_last,
        }
    }

    /// Adds a starting row, unless it breaks a constraint.
    fn seed(&mut self, tenant: usize, table: Table, row: Row) {
        let _ = self.insert_all(tenant, table, &[row]);
    }

    pub(crate) fn rows(&self, table: Table) -> &BTreeMap<(usize, i64), Row> {
        match table {
            Table::Projects => &self.projects,
            Table::Tasks => &self.tasks,
        }
    }

    fn rows_mut(&mut self, table: Table) -> &mut BTreeMap<(usize, i64), Row> {
        match table {
            Table::Projects => &mut self.projects,
            Table::Tasks => &mut self.tasks,
        }
    }

    /// The keys `tenant` uses in `table`, and those only other tenants use.
    fn keys(&self, tenant: usize, table: Table) -> (Vec<i64>, Vec<i64>) {
        let (own, others): (BTreeSet<_>, BTreeSet<_>) =
            self.rows(table).keys().partition(|&&(t, _)| t == tenant);
        let own: BTreeSet<i64> = own.into_iter().map(|&(_, id)| id).collect();
        let others: BTreeSet<i64> = others.into_iter().map(|&(_, id)| id).collect();
        (
            own.iter().copied().collect(),
            others.difference(&own).copied().collect(),
        )
    }

    /// Whether `key` names no row of `tenant` in `table` but a row of some other tenant.
    fn only_elsewhere(&self, tenant: usize, table: Table, key: i64) -> bool {
        let rows = self.rows(table);
        !rows.contains_key(&(tenant, key))
            && (0..self.tenants).any(|t| t != tenant && rows.contains_key(&(t, key)))
    }

    /// The tenant's rows of `table` that match every filter, by key.
    fn matching(&self, tenant: usize, table: Table, filters: &[Cond]) -> Vec<Row> {
        self.rows(table)
            .range((tenant, i64::MIN)..=(tenant, i64::MAX))
            .map(|(_, row)| row)
            .filter(|row| filters.iter().all(|f| eval(f, row) == Some(true)))
            .cloned()
            .collect()
    }

    fn compare(&self, a: &Row, b: &Row, order: &[(usize, bool)]) -> Ordering {
        order
            .iter()
            .map(|&(column, desc)| {
                let o = compare_cells(&a[column], &b[column], self.nulls_last);
                if desc { o.reverse() } else { o }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }

    /// What `tenant` writing `row` as a new row would break, given the rows as they are.
    fn insert_violations(&self, tenant: usize, table: Table, row: &Row) -> BTreeSet<Violation> {
        let mut broken = BTreeSet::new();
        let Cell::Int(key) = row[0] else {
            unreachable!("keys are integers")
        };
        if self.rows(table).contains_key(&(tenant, key)) {
            broken.insert(Violation::Unique);
        }
        broken.extend(self.row_violations(tenant, table, row, Some(key)));
        broken
    }

    /// The unique and foreign-key checks of one row against the tenant's other rows (the row
    /// with key `skip` is the one being written).
    fn row_violations(
        &self,
        tenant: usize,
        table: Table,
        row: &Row,
        skip: Option<i64>,
    ) -> BTreeSet<Violation> {
        let mut broken = BTreeSet::new();
        match table {
            Table::Projects => {
                let taken = self
                    .rows(table)
                    .range((tenant, i64::MIN)..=(tenant, i64::MAX))
                    .any(|(&(_, id), other)| {
                        Some(id) != skip && other[PROJECT_NAME] == row[PROJECT_NAME]
                    });
                if taken {
                    broken.insert(Violation::Unique);
                }
            }
            Table::Tasks => {
                let Cell::Int(project) = row[TASK_PROJECT] else {
                    unreachable!("project keys are integers")
                };
                if !self.projects.contains_key(&(tenant, project)) {
                    broken.insert(Violation::ForeignKey);
                }
            }
        }
        broken
    }

    fn run(&mut self, transition: &Transition) -> Expected {
        let Transition { tenant, table, .. } = *transition;
        let mut crosses_tenants = false;
        let outcome = match &transition.op {
            Op::Insert(row) => {
                crosses_tenants = self.reference_elsewhere(tenant, table, row);
                match self.insert_all(tenant, table, std::slice::from_ref(row)) {
                    Ok(_) => Outcome::Row(Some(row.clone())),
                    Err(broken) => Outcome::Rejected(broken),
                }
            }
            Op::InsertMany(rows) => {
                crosses_tenants = rows
                    .iter()
                    .any(|row| self.reference_elsewhere(tenant, table, row));
                match self.insert_all(tenant, table, rows) {
                    Ok(n) => Outcome::Count(n),
                    Err(broken) => Outcome::Rejected(broken),
                }
            }
            Op::Get(key) => {
                crosses_tenants = self.only_elsewhere(tenant, table, *key);
                Outcome::Row(self.rows(table).get(&(tenant, *key)).cloned())
            }
            Op::List(query) => {
                let mut rows = self.matching(tenant, table, &query.filters);
                rows.sort_by(|a, b| self.compare(a, b, &query.order));
                let offset = query.offset.map_or(0, |n| n as usize);
                let limit = query.limit.map_or(usize::MAX, |n| n as usize);
                Outcome::Rows(rows.into_iter().skip(offset).take(limit).collect())
            }
            Op::After {
                filters,
                column,
                desc,
                value,
                key,
                limit,
            } => {
                let order = [(*column, *desc), (0, *desc)];
                // Lexicographically after (value, key), even when the column is the key.
                let beyond = |row: &Row| {
                    let o = compare_cells(&row[*column], value, self.nulls_last)
                        .then(compare_cells(&row[0], &Cell::Int(*key), self.nulls_last));
                    if *desc { o.is_lt() } else { o.is_gt() }
                };
                let mut rows = self.matching(tenant, table, filters);
                rows.retain(|row| beyond(row));
                rows.sort_by(|a, b| self.compare(a, b, &order));
                rows.truncate(limit.map_or(usize::MAX, |n| n as usize));
                Outcome::Rows(rows)
            }
            Op::AfterKey {
                filters,
                key,
                limit,
            } => {
                let mut rows = self.matching(tenant, table, filters);
                rows.retain(|row| row[0] > Cell::Int(*key));
                rows.truncate(limit.map_or(usize::MAX, |n| n as usize));
                Outcome::Rows(rows)
            }
            Op::Count(filters) => {
                Outcome::Count(self.matching(tenant, table, filters).len() as u64)
            }
            Op::Exists(filters) => Outcome::Bool(!self.matching(tenant, table, filters).is_empty()),
            Op::UpdateByKey(key, patch) => {
                crosses_tenants = self.only_elsewhere(tenant, table, *key)
                    || self.patch_references_elsewhere(tenant, table, patch);
                let filters = [Cond::Cmp(0, Cmp::Eq, Cell::Int(*key))];
                match self.update(tenant, table, &filters, patch) {
                    Ok(n) => Outcome::Bool(n > 0),
                    Err(broken) => Outcome::Rejected(broken),
                }
            }
            Op::Update(filters, patch) => {
                crosses_tenants = self.patch_references_elsewhere(tenant, table, patch);
                match self.update(tenant, table, filters, patch) {
                    Ok(n) => Outcome::Count(n),
                    Err(broken) => Outcome::Rejected(broken),
                }
            }
            Op::DeleteByKey(key) => {
                crosses_tenants = self.only_elsewhere(tenant, table, *key);
                let filters = [Cond::Cmp(0, Cmp::Eq, Cell::Int(*key))];
                match self.delete(tenant, table, &filters) {
                    Ok(n) => Outcome::Bool(n > 0),
                    Err(broken) => Outcome::Rejected(broken),
                }
            }
            Op::Delete(filters) => match self.delete(tenant, table, filters) {
                Ok(n) => Outcome::Count(n),
                Err(broken) => Outcome::Rejected(broken),
            },
        };
        Expected {
            outcome,
            crosses_tenants,
        }
    }

    /// Whether a new task row points at a project only other tenants have.
    fn reference_elsewhere(&self, tenant: usize, table: Table, row: &Row) -> bool {
        match (table, &row[..]) {
            (Table::Tasks, [_, Cell::Int(project), ..]) => {
                self.only_elsewhere(tenant, Table::Projects, *project)
            }
            _ => false,
        }
    }

    fn patch_references_elsewhere(&self, tenant: usize, table: Table, patch: &Patch) -> bool {
        table == Table::Tasks
            && patch.iter().any(|(column, value)| {
                matches!((column, value), (&TASK_PROJECT, Cell::Int(project))
                    if self.only_elsewhere(tenant, Table::Projects, *project))
            })
    }

    /// One `INSERT` statement: all rows or none.
    fn insert_all(
        &mut self,
        tenant: usize,
        table: Table,
        rows: &[Row],
    ) -> Result<u64, BTreeSet<Violation>> {
        let mut after = self.clone();
        let mut broken = BTreeSet::new();
        for row in rows {
            broken.extend(after.insert_violations(tenant, table, row));
            let Cell::Int(key) = row[0] else {
                unreachable!("keys are integers")
            };
            after.rows_mut(table).insert((tenant, key), row.clone());
        }
        if !broken.is_empty() {
            return Err(broken);
        }
        *self = after;
        Ok(rows.len() as u64)
    }

    /// One `UPDATE` statement: every matching row of the tenant, or none. An empty patch
    /// runs no statement and reports no row.
    fn update(
        &mut self,
        tenant: usize,
        table: Table,
        filters: &[Cond],
        patch: &Patch,
    ) -> Result<u64, BTreeSet<Violation>> {
        if patch.is_empty() {
            return Ok(0);
        }
        let matched = self.matching(tenant, table, filters);
        let mut after = self.clone();
        for row in &matched {
            let mut row = row.clone();
            for (column, value) in patch {
                row[*column] = value.clone();
            }
            let Cell::Int(key) = row[0] else {
                unreachable!("keys are integers")
            };
            after.rows_mut(table).insert((tenant, key), row);
        }
        let mut broken = BTreeSet::new();
        for row in &matched {
            let Cell::Int(key) = row[0] else {
                unreachable!("keys are integers")
            };
            let new = &after.rows(table)[&(tenant, key)];
            broken.extend(after.row_violations(tenant, table, new, Some(key)));
        }
        if !broken.is_empty() {
            return Err(broken);
        }
        *self = after;
        Ok(matched.len() as u64)
    }

    /// One `DELETE` statement: a project that a task of its tenant still points at may not go,
    /// and then nothing goes.
    fn delete(
        &mut self,
        tenant: usize,
        table: Table,
        filters: &[Cond],
    ) -> Result<u64, BTreeSet<Violation>> {
        let matched = self.matching(tenant, table, filters);
        if table == Table::Projects {
            let referenced = matched.iter().any(|project| {
                self.tasks
                    .range((tenant, i64::MIN)..=(tenant, i64::MAX))
                    .any(|(_, task)| task[TASK_PROJECT] == project[0])
            });
            if referenced {
                return Err(BTreeSet::from([Violation::ForeignKey]));
            }
        }
        for row in &matched {
            let Cell::Int(key) = row[0] else {
                unreachable!("keys are integers")
            };
            self.rows_mut(table).remove(&(tenant, key));
        }
        Ok(matched.len() as u64)
    }
}

/// SQL's three-valued logic: `None` is unknown, and a row matches only when its filters are
/// `Some(true)`. `eq(None)` and `ne(None)` are `IS NULL` and `IS NOT NULL`, as documented.
fn eval(cond: &Cond, row: &Row) -> Option<bool> {
    match cond {
        Cond::Cmp(column, op, value) => {
            let cell = &row[*column];
            match (op, value) {
                (Cmp::Eq, Cell::Null) => return Some(*cell == Cell::Null),
                (Cmp::Ne, Cell::Null) => return Some(*cell != Cell::Null),
                _ => {}
            }
            if *cell == Cell::Null || *value == Cell::Null {
                return None;
            }
            let o = compare_cells(cell, value, false);
            Some(match op {
                Cmp::Eq => o.is_eq(),
                Cmp::Ne => o.is_ne(),
                Cmp::Lt => o.is_lt(),
                Cmp::Le => o.is_le(),
                Cmp::Gt => o.is_gt(),
                Cmp::Ge => o.is_ge(),
            })
        }
        // The library renders an empty list as `1 = 0` and `1 = 1`, known even for `NULL`.
        Cond::In(_, values) if values.is_empty() => Some(false),
        Cond::NotIn(_, values) if values.is_empty() => Some(true),
        Cond::In(column, values) => member(&row[*column], values),
        Cond::NotIn(column, values) => member(&row[*column], values).map(|found| !found),
        Cond::IsNull(column) => Some(row[*column] == Cell::Null),
        Cond::IsNotNull(column) => Some(row[*column] != Cell::Null),
        Cond::Like(column, pattern) => match &row[*column] {
            Cell::Text(text) => Some(like(text.as_bytes(), pattern.as_bytes())),
            _ => None,
        },
        Cond::And(a, b) => match (eval(a, row), eval(b, row)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Cond::Or(a, b) => match (eval(a, row), eval(b, row)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
    }
}

/// `cell IN (values)` for a non-empty list.
fn member(cell: &Cell, values: &[Cell]) -> Option<bool> {
    if *cell == Cell::Null {
        return None;
    }
    if values.contains(cell) {
        Some(true)
    } else if values.contains(&Cell::Null) {
        None
    } else {
        Some(false)
    }
}

/// `LIKE` with `%` and `_`; data and patterns are lowercase, so case rules do not matter.
fn like(text: &[u8], pattern: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'%', rest)) => (0..=text.len()).any(|i| like(&text[i..], rest)),
        Some((b'_', rest)) => !text.is_empty() && like(&text[1..], rest),
        Some((c, rest)) => text.first() == Some(c) && like(&text[1..], rest),
    }
}

fn compare_cells(a: &Cell, b: &Cell, nulls_last: bool) -> Ordering {
    let null = if nulls_last {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    match (a, b) {
        (Cell::Null, Cell::Null) => Ordering::Equal,
        (Cell::Null, _) => null,
        (_, Cell::Null) => null.reverse(),
        (Cell::Int(x), Cell::Int(y)) => x.cmp(y),
        (Cell::Text(x), Cell::Text(y)) => x.cmp(y),
        _ => unreachable!("a column holds one type"),
    }
}

/// The keys in use when a transition is drawn for one tenant, so that its operations name other
/// tenants' rows as often as its own.
struct Keys {
    projects: (Vec<i64>, Vec<i64>),
    tasks: (Vec<i64>, Vec<i64>),
}

impl Keys {
    fn of(world: &World, tenant: usize) -> Keys {
        Keys {
            projects: world.keys(tenant, Table::Projects),
            tasks: world.keys(tenant, Table::Tasks),
        }
    }

    /// A key of the tenant's, a key only other tenants have, or one nobody uses (yet).
    fn key(&self, table: Table) -> BoxedStrategy<i64> {
        let (own, others) = match table {
            Table::Projects => &self.projects,
            Table::Tasks => &self.tasks,
        };
        let mut choices = vec![(1, (1..=12i64).boxed())];
        for used in [own, others] {
            if !used.is_empty() {
                choices.push((3, select(used.clone()).boxed()));
            }
        }
        proptest::strategy::Union::new_weighted(choices).boxed()
    }

    fn value(&self, table: Table, column: usize) -> BoxedStrategy<Cell> {
        match table.domains()[column] {
            Domain::Key => self.key(table).prop_map(Cell::Int).boxed(),
            Domain::ProjectKey => self.key(Table::Projects).prop_map(Cell::Int).boxed(),
            Domain::Text => text().prop_map(Cell::Text).boxed(),
            Domain::Small => (-2..=2i64).prop_map(Cell::Int).boxed(),
            Domain::OptionalText => option::weighted(0.7, text())
                .prop_map(|text| text.map_or(Cell::Null, Cell::Text))
                .boxed(),
        }
    }

    fn row(&self, table: Table) -> BoxedStrategy<Row> {
        table
            .columns()
            .map(|column| self.value(table, column))
            .collect::<Vec<_>>()
            .boxed()
    }

    /// A value for any column, in a strategy that yields the column too.
    fn column_and_value(&self, table: Table, columns: Vec<usize>) -> BoxedStrategy<(usize, Cell)> {
        let values: Vec<_> = table
            .columns()
            .map(|column| self.value(table, column))
            .collect();
        select(columns)
            .prop_flat_map(move |column| (Just(column), values[column].clone()))
            .boxed()
    }

    fn condition(&self, table: Table) -> BoxedStrategy<Cond> {
        let all: Vec<usize> = table.columns().collect();
        let text: Vec<usize> = table
            .columns()
            .filter(|&c| matches!(table.domains()[c], Domain::Text | Domain::OptionalText))
            .collect();
        let nullable: Vec<usize> = table
            .columns()
            .filter(|&c| table.domains()[c] == Domain::OptionalText)
            .collect();
        let cmp = prop_oneof![
            Just(Cmp::Eq),
            Just(Cmp::Ne),
            Just(Cmp::Lt),
            Just(Cmp::Le),
            Just(Cmp::Gt),
            Just(Cmp::Ge),
        ];
        let values: Vec<_> = table
            .columns()
            .map(|column| self.value(table, column))
            .collect();
        let list = select(all.clone()).prop_flat_map(move |column| {
            (
                Just(column),
                vec(values[column].clone(), 0..4),
                any::<bool>(),
            )
        });
        let mut leaves = vec![
            (
                4,
                (self.column_and_value(table, all.clone()), cmp)
                    .prop_map(|((column, value), op)| Cond::Cmp(column, op, value))
                    .boxed(),
            ),
            (
                2,
                list.prop_map(|(column, values, negated)| {
                    if negated {
                        Cond::NotIn(column, values)
                    } else {
                        Cond::In(column, values)
                    }
                })
                .boxed(),
            ),
            (
                2,
                (select(text), "[a-d%_]{1,3}")
                    .prop_map(|(column, pattern)| Cond::Like(column, pattern))
                    .boxed(),
            ),
        ];
        if !nullable.is_empty() {
            leaves.push((
                1,
                (select(nullable), any::<bool>())
                    .prop_map(|(column, negated)| {
                        if negated {
                            Cond::IsNotNull(column)
                        } else {
                            Cond::IsNull(column)
                        }
                    })
                    .boxed(),
            ));
        }
        proptest::strategy::Union::new_weighted(leaves)
            .prop_recursive(2, 6, 2, |inner| {
                prop_oneof![
                    (inner.clone(), inner.clone())
                        .prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
                    (inner.clone(), inner).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
                ]
            })
            .boxed()
    }

    fn filters(&self, table: Table) -> BoxedStrategy<Vec<Cond>> {
        vec(self.condition(table), 0..3).boxed()
    }

    fn patch(&self, table: Table) -> BoxedStrategy<Patch> {
        table
            .columns()
            .skip(1)
            .map(|column| {
                option::of(self.value(table, column)).prop_map(move |v| v.map(|v| (column, v)))
            })
            .collect::<Vec<_>>()
            .prop_map(|set| set.into_iter().flatten().collect())
            .boxed()
    }

    fn query(&self, table: Table) -> BoxedStrategy<Query> {
        let order = vec(
            (select(table.columns().collect::<Vec<_>>()), any::<bool>()),
            0..3,
        );
        let window = option::of(0..6u64);
        (
            self.filters(table),
            order,
            any::<bool>(),
            window.clone(),
            window,
        )
            .prop_map(|(filters, mut order, key_desc, limit, offset)| {
                let ordered = !order.is_empty();
                if ordered {
                    order.push((0, key_desc));
                }
                Query {
                    filters,
                    order,
                    limit: limit.filter(|_| ordered),
                    offset: offset.filter(|_| ordered),
                }
            })
            .boxed()
    }

    fn after(&self, table: Table) -> BoxedStrategy<Op> {
        // `Scoped::after` refuses nullable columns at compile time.
        let columns: Vec<usize> = table
            .columns()
            .filter(|&c| table.domains()[c] != Domain::OptionalText)
            .collect();
        (
            self.filters(table),
            self.column_and_value(table, columns),
            any::<bool>(),
            self.key(table),
            option::of(0..6u64),
        )
            .prop_map(|(filters, (column, value), desc, key, limit)| Op::After {
                filters,
                column,
                desc,
                value,
                key,
                limit,
            })
            .boxed()
    }

    fn ops(&self, table: Table) -> BoxedStrategy<Op> {
        let key = self.key(table);
        let filters = self.filters(table);
        let patch = self.patch(table);
        prop_oneof![
            5 => self.row(table).prop_map(Op::Insert),
            3 => vec(self.row(table), 0..5).prop_map(Op::InsertMany),
            3 => key.clone().prop_map(Op::Get),
            4 => self.query(table).prop_map(Op::List),
            2 => self.after(table),
            1 => (filters.clone(), key.clone(), option::of(0..6u64))
                .prop_map(|(filters, key, limit)| Op::AfterKey { filters, key, limit }),
            2 => filters.clone().prop_map(Op::Count),
            1 => filters.clone().prop_map(Op::Exists),
            2 => (key.clone(), patch.clone()).prop_map(|(k, p)| Op::UpdateByKey(k, p)),
            2 => (filters.clone(), patch).prop_map(|(f, p)| Op::Update(f, p)),
            2 => key.prop_map(Op::DeleteByKey),
            1 => filters.prop_map(Op::Delete),
        ]
        .boxed()
    }
}

/// Lowercase ASCII from a tiny alphabet, so that names collide and ordering ties happen.
fn text() -> impl Strategy<Value = String> {
    "[a-d]{1,2}"
}
