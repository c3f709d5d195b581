//! The tower layer that resolves the tenant of each request.
