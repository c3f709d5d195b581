//! Calls one benchmarked operation in a loop, for profilers that count rather than time:
//!
//! ```text
//! cargo build --profile bench -p taskflow-benches --example loop_calls
//! valgrind --tool=callgrind target/release/examples/loop_calls get builder 4000
//! valgrind --tool=callgrind target/release/examples/loop_calls get hand 4000
//! ```
//!
//! Arguments: the operation (`get`, `list` or `insert`), the side (`builder` or `hand`) and how
//! many calls. Before the loop, every operation of both sides runs 300 times, so that the
//! statement caches, the connections and the allocator are warm whichever side is measured;
//! the difference between a `builder` and a `hand` profile is then what the builder adds.
//!
//! Both sides run on the same two tenant transactions, opened before the warm-up: a read
//! connection for `get` and `list`, a transaction that may write for `insert` (committed at the
//! end).

use std::hint::black_box;

use taskflow_benches::{ROWS, by_hand, fixture, with_builder};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: loop_calls get|list|insert builder|hand CALLS";
    let [op, side, calls] = args.as_slice() else {
        panic!("{usage}");
    };
    let calls: i64 = calls.parse().expect(usage);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let f = fixture().await;
        let mut reads = f.db.begin_read(&f.scope).await.expect("begin_read");
        let mut writes = f.db.begin(&f.scope).await.expect("begin");
        let mut next = 1_000_000_000;
        for _ in 0..300 {
            black_box(with_builder::get(&mut reads).await);
            black_box(by_hand::get(&mut reads).await);
            black_box(with_builder::list(&mut reads).await);
            black_box(by_hand::list(&mut reads).await);
            black_box(with_builder::insert(&mut writes, next).await);
            black_box(by_hand::insert(&mut writes, next + 1).await);
            next += 2;
        }
        for i in 0..calls {
            match (op.as_str(), side.as_str()) {
                ("get", "builder") => drop(black_box(with_builder::get(&mut reads).await)),
                ("get", "hand") => drop(black_box(by_hand::get(&mut reads).await)),
                ("list", "builder") => drop(black_box(with_builder::list(&mut reads).await)),
                ("list", "hand") => drop(black_box(by_hand::list(&mut reads).await)),
                ("insert", "builder") => drop(black_box(
                    with_builder::insert(&mut writes, ROWS + 1 + i).await,
                )),
                ("insert", "hand") => {
                    black_box(by_hand::insert(&mut writes, ROWS + 1 + i).await);
                }
                _ => panic!("{usage}"),
            }
        }
        writes.commit().await.expect("commit");
    });
}
