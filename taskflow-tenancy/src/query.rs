//! The query runtime: model metadata and typed columns, backend-neutral values, the three
//! backends, the one statement builder, full-text search, and the builders `#[tenant_scoped]`
//! models get.

pub(crate) mod backend;
pub(crate) mod builder;
pub(crate) mod model;
pub(crate) mod search;
pub(crate) mod sql;
pub(crate) mod value;
