//! Criterion benchmarks: the generated query builder against the same statements written by
//! hand with sqlx, on one SQLite file through a pool (see `taskflow_benches` for both sides).
//!
//! Run with `cargo bench -p taskflow-benches`; the figures are in `benches/README.md`.
//!
//! Three groups, each with a `builder` and a `hand_written` function:
//! - `get_by_key`: one row by `(tenant_id, id)`;
//! - `list_50`: `WHERE tenant_id = ? AND status = ? ORDER BY id LIMIT 50`, 50 rows decoded;
//! - `insert_one`: one `INSERT` of a new row; each function gets a fresh database of its own,
//!   so that neither inserts into a table the other has grown.

use std::cell::Cell;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use taskflow_benches::{ROWS, by_hand, fixture, with_builder};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn reads(c: &mut Criterion) {
    let rt = runtime();
    let f = rt.block_on(fixture());

    // Both sides must answer the same question, or the comparison means nothing.
    rt.block_on(async {
        let row = with_builder::get(&f).await;
        assert!(row.is_some());
        assert_eq!(row, by_hand::get(&f).await);
        let rows = with_builder::list(&f).await;
        assert_eq!(rows.len(), 50);
        assert_eq!(rows, by_hand::list(&f).await);
    });

    let mut group = c.benchmark_group("get_by_key");
    group.bench_function("builder", |b| {
        b.to_async(&rt).iter(|| with_builder::get(&f))
    });
    group.bench_function("hand_written", |b| {
        b.to_async(&rt).iter(|| by_hand::get(&f))
    });
    group.finish();

    let mut group = c.benchmark_group("list_50");
    group.bench_function("builder", |b| {
        b.to_async(&rt).iter(|| with_builder::list(&f))
    });
    group.bench_function("hand_written", |b| {
        b.to_async(&rt).iter(|| by_hand::list(&f))
    });
    group.finish();
}

fn inserts(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("insert_one");

    let f = rt.block_on(fixture());
    let next = Cell::new(ROWS);
    group.bench_function("builder", |b| {
        b.to_async(&rt).iter(|| {
            next.set(next.get() + 1);
            with_builder::insert(&f, black_box(next.get()))
        })
    });
    drop(f);

    let f = rt.block_on(fixture());
    let next = Cell::new(ROWS);
    group.bench_function("hand_written", |b| {
        b.to_async(&rt).iter(|| {
            next.set(next.get() + 1);
            by_hand::insert(&f, black_box(next.get()))
        })
    });
    group.finish();
}

criterion_group!(benches, reads, inserts);
criterion_main!(benches);
