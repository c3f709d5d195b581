//! PostgreSQL defence in depth: transaction-local tenant and row-level security.
