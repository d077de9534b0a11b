"""Pages: one module per domain."""
