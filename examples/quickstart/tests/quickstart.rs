//! Runs the built quickstart, as `cargo run -p example-quickstart` does, and checks that what
//! it prints (and so what the README promises) still holds.

use std::process::Command;

#[test]
fn quickstart_shows_scoped_crud_and_isolation() {
    let output = Command::new(env!("CARGO_BIN_EXE_example-quickstart"))
        .output()
        .expect("the quickstart binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "quickstart failed with {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );

    let lines: Vec<&str> = stdout.lines().collect();
    let expected = [
        "acme: inserted project \"Website\"",
        "acme: open tasks by title: [\"Design logo\", \"Write copy\"]",
        "acme: marked \"Design logo\" done; open tasks left: 1",
        "acme: deleted \"Buy domain\"; tasks left: 2",
        "globex: counts 0 rows of projects and tasks",
        "globex: get acme's project by id -> None, acme's task by id -> None",
        "globex: update by acme's task ids -> 0 rows, delete -> 0 rows",
        "globex: insert of a task in acme's project -> refused by the database (foreign key)",
        "globex: inserted its own project \"Website\"",
        "acme: tasks after globex's attempts: [\"Design logo\", \"Write copy\"]",
        "second handle: its scope for acme -> refused by the first handle (ForeignScope)",
        "done: globex saw and changed none of acme's rows",
    ];
    // In this order: each line must come after the previous one.
    let mut from = 0;
    for wanted in expected {
        let at = lines[from..]
            .iter()
            .position(|line| line.starts_with(wanted))
            .unwrap_or_else(|| panic!("missing (or out of order) {wanted:?} in:\n{stdout}"));
        from += at + 1;
    }
}
