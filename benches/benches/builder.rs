//! Criterion benchmarks: the generated query builder against the same statements written by
//! hand with sqlx, on one SQLite file (see `taskflow_benches` for both sides).
//!
//! Run with `cargo bench -p taskflow-benches`; the figures are in `benches/README.md`.
//!
//! Both sides run on a tenant transaction of the fixture's tenant (`TenantTx`: the builder on it,
//! the hand-written statement on its raw connection), opened once, outside the measured loop.
//! The reads of both sides share one read connection, and so one SQLite worker thread (with a
//! connection each, the side whose worker thread shared a core with the caller ran up to four
//! times faster); each insert function has a transaction that may write on its own database,
//! committed after it.
//!
//! Three groups, each with a `builder` and a `hand_written` function:
//! - `get_by_key`: one row by `(tenant_id, id)`;
//! - `list_50`: `WHERE tenant_id = ? AND status = ? ORDER BY id LIMIT 50`, 50 rows decoded;
//! - `insert_one`: one `INSERT` of a new row; each function gets a fresh database of its own,
//!   so that neither inserts into a table the other has grown.

use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use taskflow_benches::{ROWS, Tx, by_hand, fixture, with_builder};
use tokio::runtime::Runtime;
use tokio::sync::Mutex;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The time of `iters` calls of `op` on `tx`. The transaction is shared between criterion's
/// runs through a lock, taken before the clock starts.
async fn on_tx<O>(tx: &Mutex<Tx>, iters: u64, mut op: impl AsyncFnMut(&mut Tx) -> O) -> Duration {
    let mut tx = tx.lock().await;
    let start = Instant::now();
    for _ in 0..iters {
        black_box(op(&mut tx).await);
    }
    start.elapsed()
}

fn reads(c: &mut Criterion) {
    let rt = runtime();
    let f = rt.block_on(fixture());
    let tx = rt.block_on(async {
        let mut tx = f.db.begin_read(&f.scope).await.expect("begin_read");
        // Both sides must answer the same question, or the comparison means nothing.
        let row = with_builder::get(&mut tx).await;
        assert!(row.is_some());
        assert_eq!(row, by_hand::get(&mut tx).await);
        let rows = with_builder::list(&mut tx).await;
        assert_eq!(rows.len(), 50);
        assert_eq!(rows, by_hand::list(&mut tx).await);
        Mutex::new(tx)
    });

    let mut group = c.benchmark_group("get_by_key");
    group.bench_function("builder", |b| {
        b.to_async(&rt)
            .iter_custom(|iters| on_tx(&tx, iters, with_builder::get))
    });
    group.bench_function("hand_written", |b| {
        b.to_async(&rt)
            .iter_custom(|iters| on_tx(&tx, iters, by_hand::get))
    });
    group.finish();

    let mut group = c.benchmark_group("list_50");
    group.bench_function("builder", |b| {
        b.to_async(&rt)
            .iter_custom(|iters| on_tx(&tx, iters, with_builder::list))
    });
    group.bench_function("hand_written", |b| {
        b.to_async(&rt)
            .iter_custom(|iters| on_tx(&tx, iters, by_hand::list))
    });
    group.finish();
    // Inside the runtime: the connection goes back to the pool on a task of it.
    rt.block_on(tx.into_inner().commit())
        .expect("end the read connection");
}

fn inserts(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("insert_one");

    let f = rt.block_on(fixture());
    let tx = Mutex::new(rt.block_on(f.db.begin(&f.scope)).expect("begin"));
    let next = Cell::new(ROWS);
    group.bench_function("builder", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            on_tx(&tx, iters, async |tx: &mut Tx| {
                next.set(next.get() + 1);
                with_builder::insert(tx, black_box(next.get())).await
            })
        })
    });
    rt.block_on(tx.into_inner().commit()).expect("commit");
    drop(f);

    let f = rt.block_on(fixture());
    let tx = Mutex::new(rt.block_on(f.db.begin(&f.scope)).expect("begin"));
    let next = Cell::new(ROWS);
    group.bench_function("hand_written", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            on_tx(&tx, iters, async |tx: &mut Tx| {
                next.set(next.get() + 1);
                by_hand::insert(tx, black_box(next.get())).await
            })
        })
    });
    rt.block_on(tx.into_inner().commit()).expect("commit");
    group.finish();
}

criterion_group!(benches, reads, inserts);
criterion_main!(benches);
