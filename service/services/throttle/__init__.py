"""Throttling guesses: failed sign-ins per account and per client address, unknown API
tokens per client address. Counts live in the database, so every worker process
and every restart sees the same ones."""

from .attempts import account, address, check, failed, succeeded, token_address

__all__ = ["account", "address", "check", "failed", "succeeded", "token_address"]
