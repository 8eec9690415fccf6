"""Moved to helpers/analyses_sql.py; kept for tests/test_readme.py until it imports from there."""

from helpers.analyses_sql import analysis_files, as_plain_sql

__all__ = ["analysis_files", "as_plain_sql"]
