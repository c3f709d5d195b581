//! Schema audit: checks the live database against the registered models.
