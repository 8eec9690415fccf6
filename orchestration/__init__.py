"""Admira ELT for teams on Dagster: definitions.py (the `dagster` extra), check.py
(`make dagster-check`). Nothing else in the product imports this package."""
