//! How a request names its tenant: subdomain, trusted header, path prefix or your own resolver.
