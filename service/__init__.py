"""The HTTP service: health, readiness, Prometheus metrics and the metrics API, served from the
published read-only snapshot; it also triggers ingest runs and signed exports.

Run it with `python -m service` (or `make serve`).
"""
