"""People and their data: administering accounts (groups, leads, disabling), and a
person's data on request (export, erasure, retention)."""
