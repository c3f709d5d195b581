//! Compile-fail tests: each file in `tests/ui/fail/` is one way of getting around tenant
//! isolation (or of declaring a model wrongly) that must not compile, with the error the reader
//! sees in its `.stderr`. The files in `tests/ui/pass/` show the intended use and must compile.
//!
//! Regenerate the snapshots after a deliberate change to a message with
//! `TRYBUILD=overwrite cargo test -p taskflow-tenancy --all-features --test ui`, then read them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
