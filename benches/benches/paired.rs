//! Paired comparison of the builder against the hand-written statements, in wall-clock time
//! and in CPU time.
//!
//! Criterion measures one function after the other, so on a shared machine a change in load
//! between the two lands in the ratio. Here both sides run in alternating short batches
//! (builder first in even rounds, hand-written first in odd ones), and each round gives one
//! builder/hand-written ratio measured under the same load; the figure reported is the median
//! of those ratios.
//!
//! Each batch is timed twice: by the wall clock, and by the CPU time of every thread of the
//! process (the caller and SQLite's worker thread), read from `/proc/self/task/*/schedstat`
//! on Linux. CPU time leaves out the time the process waits while other programs run, so it
//! shows what the builder costs even on a busy machine.
//!
//! Both sides run on tenant transactions (`TenantTx`: the builder on one, the hand-written
//! statement on its raw connection) opened before the first round, one per group shared by both
//! sides: a read connection for the reads, a transaction that may write on a fresh database for
//! the inserts (committed after the last round). One connection means one SQLite worker thread
//! for both sides: with a connection each (and for the inserts a database each), the side whose
//! worker thread happened to share a core with the caller ran up to four times faster.
//!
//! Runs with `cargo bench -p taskflow-benches` (after the criterion benches). Under
//! `cargo test` (no `--bench` argument) it runs a few rounds only, as a smoke test.

use std::cell::Cell;
use std::hint::black_box;
use std::time::Instant;

use taskflow_benches::{ROWS, Tx, by_hand, fixture, with_builder};

const WARMUP_ROUNDS: usize = 30;
const ROUNDS: usize = 300;

/// CPU time used so far by every thread of this process, in nanoseconds; `None` where
/// `/proc/self/task/*/schedstat` is not available.
fn process_cpu_ns() -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread may end between listing and reading: it no longer counts.
        if let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) {
            total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
        }
    }
    Some(total)
}

/// What reading the CPU clock twice costs, to subtract from each batch.
fn cpu_clock_overhead() -> Option<f64> {
    let samples = (0..200)
        .map(|_| {
            let start = process_cpu_ns()?;
            Some(process_cpu_ns()?.saturating_sub(start) as f64)
        })
        .collect::<Option<Vec<_>>>()?;
    Some(median(samples))
}

/// Wall-clock and CPU nanoseconds per call of `op` on `tx` over `calls` calls.
async fn per_call<O>(
    calls: usize,
    cpu_overhead: Option<f64>,
    tx: &mut Tx,
    op: &mut impl AsyncFnMut(&mut Tx) -> O,
) -> (f64, Option<f64>) {
    let cpu_start = process_cpu_ns();
    let start = Instant::now();
    for _ in 0..calls {
        black_box(op(tx).await);
    }
    let wall = start.elapsed().as_nanos() as f64;
    let cpu = match (cpu_start, process_cpu_ns(), cpu_overhead) {
        (Some(start), Some(end), Some(overhead)) => {
            Some((end.saturating_sub(start) as f64 - overhead).max(0.0))
        }
        _ => None,
    };
    (wall / calls as f64, cpu.map(|cpu| cpu / calls as f64))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// One clock's measurements of both sides, round by round.
#[derive(Default)]
struct Series {
    builder: Vec<f64>,
    hand: Vec<f64>,
    ratio: Vec<f64>,
}

impl Series {
    fn record(&mut self, builder: f64, hand: f64) {
        self.builder.push(builder);
        self.hand.push(hand);
        self.ratio.push(builder / hand);
    }

    fn summary(self) -> String {
        if self.ratio.is_empty() {
            return "n/a".to_owned();
        }
        let mut sorted = self.ratio.clone();
        sorted.sort_by(f64::total_cmp);
        let quartile = |q: usize| sorted[(sorted.len() - 1) * q / 4];
        format!(
            "builder {:>8.2} µs  hand-written {:>8.2} µs  ratio {:.3}x [IQR {:.3} - {:.3}]",
            median(self.builder) / 1000.0,
            median(self.hand) / 1000.0,
            median(self.ratio),
            quartile(1),
            quartile(3),
        )
    }
}

/// Runs `builder` and `hand` in alternating batches of `calls` calls, both on `tx`, and prints
/// the medians.
async fn compare<BO, HO>(
    name: &str,
    rounds: usize,
    calls: usize,
    tx: &mut Tx,
    mut builder: impl AsyncFnMut(&mut Tx) -> BO,
    mut hand: impl AsyncFnMut(&mut Tx) -> HO,
) {
    let cpu_overhead = cpu_clock_overhead();
    let warmup = WARMUP_ROUNDS.min(rounds);
    let (mut wall, mut cpu) = (Series::default(), Series::default());
    for round in 0..warmup + rounds {
        let (b, h) = if round % 2 == 0 {
            let b = per_call(calls, cpu_overhead, tx, &mut builder).await;
            (b, per_call(calls, cpu_overhead, tx, &mut hand).await)
        } else {
            let h = per_call(calls, cpu_overhead, tx, &mut hand).await;
            (per_call(calls, cpu_overhead, tx, &mut builder).await, h)
        };
        if round < warmup {
            continue;
        }
        wall.record(b.0, h.0);
        if let (Some(b), Some(h)) = (b.1, h.1) {
            cpu.record(b, h);
        }
    }
    println!("{name} ({rounds} paired rounds of {calls} calls per side)");
    println!("  wall clock: {}", wall.summary());
    println!("  CPU time:   {}", cpu.summary());
}

fn main() {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let rounds = if benchmarking { ROUNDS } else { 2 };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let f = fixture().await;
        let mut tx = f.db.begin_read(&f.scope).await.expect("begin_read");
        assert_eq!(
            with_builder::get(&mut tx).await,
            by_hand::get(&mut tx).await
        );
        assert_eq!(
            with_builder::list(&mut tx).await,
            by_hand::list(&mut tx).await
        );
        compare(
            "get_by_key",
            rounds,
            100,
            &mut tx,
            with_builder::get,
            by_hand::get,
        )
        .await;
        compare(
            "list_50",
            rounds,
            20,
            &mut tx,
            with_builder::list,
            by_hand::list,
        )
        .await;
        drop(tx);

        // Both sides insert into one fresh database, in one transaction on one connection (as
        // for the reads); alternating batches grow the table at the same pace for both.
        let fi = fixture().await;
        let mut tx = fi.db.begin(&fi.scope).await.expect("begin");
        let next = Cell::new(ROWS);
        let id = || {
            next.set(next.get() + 1);
            next.get()
        };
        compare(
            "insert_one",
            rounds,
            100,
            &mut tx,
            async |tx: &mut Tx| with_builder::insert(tx, id()).await,
            async |tx: &mut Tx| by_hand::insert(tx, id()).await,
        )
        .await;
        tx.commit().await.expect("commit");
    });
}
