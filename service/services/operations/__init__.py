"""Seeing what the desk does: metrics for Prometheus, worker heartbeats, readiness."""
