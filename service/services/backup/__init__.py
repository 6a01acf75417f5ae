"""Backups: a consistent copy of the database and of the attachment files it refers to,
taken while the service runs, and restoring one into an empty database."""
